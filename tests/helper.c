/*
 * helper.c: a child with predictable behaviour, for the tests.
 *
 *   helper exit N            exit with status N
 *   helper raise SIG         die by signal SIG (no core file)
 *   helper fds               print the open fds, space-separated
 *   helper ignore-term       ignore SIGTERM, say "ready", sleep forever
 *   helper daemon FILE [exit]  double-fork a setsid daemon that writes its pid
 *                            to FILE; then sleep forever (or exit 0 with "exit")
 *   helper tree N FILE       fork N sleeping children, write their pids to FILE
 *   helper nonl TEXT         write TEXT without a newline and exit
 *   helper utf8split         write a UTF-8 character in two writes 100 ms apart
 *   helper escapes           print title, clipboard, cursor and query sequences
 *                            around SGR-coloured text
 *   helper flood BYTES LEN   write BYTES of LEN-byte lines as fast as possible
 *   helper blob BYTES        write BYTES of 'a' with no newline
 *   helper sleep SECS        sleep
 *   helper echo TEXT...      print each TEXT on its own line (stderr if it starts with '!')
 *   helper listen PORT SECS  after SECS seconds, accept TCP connections on
 *                            127.0.0.1:PORT forever
 *   helper burn              spin on the CPU forever
 *   helper alloc MIB         allocate and touch MIB MiB, say "allocated", sleep
 *   helper drain             read stdin to EOF in 256 KiB reads, its pipe raised
 *                            to 1 MiB as brood does (a fair baseline)
 *   helper measure CMD...    run CMD; print "wall_ms=N maxrss_kib=N cpu_ms=N status=N"
 *                            on stderr (for the benchmarks)
 *   helper tui-escapes FILE  once FILE exists, print every kind of terminal escape
 *                            (queries, mode switches, wipes, titles, clipboard,
 *                            palette, C1, unterminated and oversized sequences)
 *                            around marker words; "escapes-done"; sleep forever
 *   helper tui-wide [once]   print CJK, emoji, combining marks, zero-width and
 *                            bidi characters laid out to fall on pane edges and
 *                            wrap points; "wide-done"; sleep forever (or exit)
 *   helper tui-ticker NAME MS  print "NAME tick N" every MS ms, forever
 *   helper tui-single LOCK PIDS  hold an exclusive lock on LOCK ("DOUBLE" and exit 3
 *                            if another instance holds it), append the pid to
 *                            PIDS, say "single up"; on SIGTERM exit 0 after 100 ms
 *   helper tui-argv0         run again as "helper sleep 1000" under an argv[0] full
 *                            of escapes, C1 and bidi controls (what /proc shows)
 *   helper tui-family FILE   start a child in its own group and a double-forked
 *                            setsid daemon, write "self child daemon" pids to
 *                            FILE, say "family ready", sleep forever (all three)
 *   helper count N           print the numbers 1 to N, one a line, in large writes
 *   helper binary            every byte 0x00-0xff but newline on one line, then "after"
 *   helper badutf8           invalid UTF-8 of every kind, one case a line, and a
 *                            4-byte character split over three writes
 *   helper hostile           every kind of escape sequence and control, one a line
 *                            ("NAME ... end"), then an unterminated DCS at the end
 *   helper close-stdout SECS print "closing", close stdout and stderr, live SECS more
 *   helper hold-pipe FILE [setsid]  fork a grandchild (in a new session with setsid)
 *                            that writes its pid to FILE and keeps stdout open,
 *                            printing "held"; the parent prints "parent done", exits
 *   helper stdin             read stdin once: "stdin: eof", "stdin: N bytes" or the error
 *   helper tty               write to /dev/tty: "tty: wrote" or "tty: " and the error
 *   helper fifo-exit FIFO N  open FIFO for reading (waits for a writer), exit N
 *   helper ticker N MS       print "tick I T" N times, MS ms apart (T: CLOCK_MONOTONIC ms)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

static void
sleep_forever(void)
{
	for (;;)
		pause();
}

static void
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			exit(1);
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void
write_str(int fd, const char *s)
{
	write_all(fd, s, strlen(s));
}

static void
write_pid_file(const char *file, const char *text)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.tmp", file);
	f = fopen(tmp, "w");
	if (f == NULL)
		exit(1);
	fputs(text, f);
	fclose(f);
	rename(tmp, file);
}

/* Wait until path exists, looking every 10 ms. */
static void
wait_for_file(const char *path)
{
	struct timespec ts = { 0, 10 * 1000000 };

	while (access(path, F_OK) != 0)
		nanosleep(&ts, NULL);
}

/* n copies of c, then tail. */
static void
write_run(char c, size_t n, const char *tail)
{
	char buf[65536];

	memset(buf, c, sizeof buf);
	while (n > 0) {
		size_t k = n < sizeof buf ? n : sizeof buf;

		write_all(1, buf, k);
		n -= k;
	}
	write_str(1, tail);
}

/* Every escape a hostile child could try on the terminal, each group ending
 * in a marker word that must show up alone on its line. */
static void
tui_escapes(void)
{
	static const char *const groups[] = {
		"A1-plain-start\n",
		/* Queries: DA1-3, DSR, CPR, DECXCPR, DECRQM, XTVERSION, window
		 * and title reports, colour, palette and clipboard queries,
		 * DECRQSS, XTGETTCAP. */
		"\033[c\033[0c\033[>c\033[=c\033[5n\033[6n\033[?6n\033[?2004$p\033[4$p"
		"\033[>0q\033[>q\033[21t\033[20t\033[18t\033[14t\033[13t\033[11t"
		"\033]10;?\007\033]11;?\033\\\033]12;?\007\033]4;1;?\007\033]52;c;?\007"
		"\033P$qm\033\\\033P$q\"p\033\\\033P+q544e\033\\Q-marker\n",
		/* Title and icon set, title stack push and pop. */
		"\033]0;PWNED-TITLE\007\033]2;PWNED-TITLE2\033\\\033]1;PWNED-ICON\007"
		"\033[22;0t\033]2;PWNED-PUSHED\007\033[23;0tT-marker\n",
		/* Clipboard writes, BEL and ST terminated. */
		"\033]52;c;cHduZWQ=\007\033]52;p;cHduZWQ=\033\\\033]52;s;cHduZWQ=\007C-marker\n",
		/* Mode switches: mouse, focus, bracketed paste, alternate screen,
		 * DECCKM and keypad, origin, insert, autowrap, cursor, reverse
		 * video, cursor style. */
		"\033[?1000h\033[?1002h\033[?1003h\033[?1005h\033[?1006h\033[?1015h"
		"\033[?1004h\033[?2004h\033[?1049l\033[?47l\033[?1047l\033[?1l\033>"
		"\033[?6h\033[4h\033[?7l\033[?25h\033[?5h\033[5 q\033[?12hM-marker\n",
		/* Palette, colours, font, cwd, hyperlink, notifications. */
		"\033]4;1;#ff0000\007\033]104\007\033]104;1\007\033]50;fixed\007"
		"\033]10;#00ff00\007\033]11;#ff00ff\033\\\033]12;#0000ff\007\033]110\007"
		"\033]7;file://evil/tmp\007\033]8;;http://evil/\007LINK\033]8;;\007"
		"\033]1337;SetMark\007\033]777;notify;x;y\007\033]9;notify\007P-marker\n",
		/* Wipes, moves, scroll regions, tabs, DECALN, RIS, charsets. */
		"\033[2J\033[3J\033[H\033[10;10H\033[1J\033[J\033[K\033[2K\033#8\033[5;10r"
		"\033[?69h\033[2;5s\033[L\033[M\033[P\033[@\033[S\033[T\033D\033M\033E\033H"
		"\033[3g\033c\033(0qqqq\033(B\033)0\016\017W-marker\n",
		/* 8-bit C1 (CSI, OSC, ST) and the same in UTF-8. */
		"\x9b" "31m\x9d" "0;X\x9c\xc2\x9b" "32m\xc2\x9d" "C1-marker\n",
		/* SGR: colour kept; blink and conceal dropped. */
		"\033[31mRED\033[0m \033[5;8mCONCEAL\033[0m \033[1;4mBU\033[0m "
		"\033[38;2;999;999;999mBIG\033[0m\n",
		/* \r rewrites the line; \b is shown. */
		"hidden-by-cr\rCR-marker\n",
		"BS-bad\b\b\b\bgood\n",
		/* An OSC never closed: discarded up to the newline. */
		"\033]0;never-closed-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
		"after-unterminated\n",
		NULL
	};
	size_t i;

	for (i = 0; groups[i] != NULL; i++)
		write_str(1, groups[i]);
	/* Oversized: an OSC of 1 MiB, a CSI of 5,000 parameters, a DCS of
	 * 200 KiB. */
	write_str(1, "\033]0;");
	write_run('A', 1 << 20, "\007after-oversized\n");
	write_str(1, "\033[");
	for (i = 0; i < 5000; i++)
		write_str(1, "1;");
	write_str(1, "31mafter-bigcsi\n\033P");
	write_run('B', 200 << 10, "\033\\after-dcs\n");
	/* C0 controls and NUL are shown as symbols; BEL is dropped. */
	write_all(1, "\000\001\007\016\017\177C0-marker\n", 16);
	write_str(1, "escapes-done\n");
}

/* Characters whose width is not one column, laid out so that they fall on
 * the edges of a 40-column pane (a 1-column gutter, then 39). */
static void
tui_wide(void)
{
	static const char *const lines[] = {
		"W1 \xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"
		"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"
		"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"
		"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe6\x96\x87",
		"W2x \xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"
		"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"
		"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"
		"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe6\x96\x87",
		"E1 \xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
		"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
		"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
		"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
		"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x8e\x89",
		/* Combining acute accents: one on each e, then ten on one x
		 * (brood keeps four). */
		"C1 e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81"
		"e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81"
		"e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81"
		"e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81"
		"e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81"
		"e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81"
		"e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "x"
		"\xcc\x81\xcc\x81\xcc\x81\xcc\x81\xcc\x81\xcc\x81\xcc\x81\xcc\x81\xcc\x81\xcc\x81",
		/* Family emoji: three wide characters joined by ZWJ. */
		"Z1 \xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7"
		"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7"
		"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7"
		"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7",
		/* Bidi: overrides and isolates (dropped), marks. */
		"B1 \xe2\x80\xae" "evil-rtl\xe2\x80\xac \xe2\x81\xa7isolate\xe2\x81\xa9 "
		"\xe2\x80\xad" "ltr\xe2\x80\xac \xe2\x80\xab" "embed\xe2\x80\xac end",
		/* Variation selectors and regional indicators. */
		"V1 \xe2\x9d\xa4\xef\xb8\x8f \xe2\x98\xba\xef\xb8\x8f "
		"\xf0\x9f\x87\xab\xf0\x9f\x87\xb7 end",
		/* A wide character one column too far, then one that just fits. */
		"L1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xe4\xb8\xad",
		"L2 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xe4\xb8\xad",
		/* Hangul built from jamo: a wide lead and zero-width vowels. */
		"H1 \xe1\x84\x80\xe1\x85\xa1\xe1\x84\x82\xe1\x85\xa1 end",
		"wide-done",
		NULL
	};
	size_t i;

	for (i = 0; lines[i] != NULL; i++) {
		write_str(1, lines[i]);
		write_str(1, "\n");
	}
}

/* Modes whose name starts with "tui-": children for the dashboard's
 * adversarial tests. */
static int
tui_mode(const char *mode, int argc, char **argv)
{
	if (strcmp(mode, "escapes") == 0 && argc > 0) {
		wait_for_file(argv[0]);
		tui_escapes();
		sleep_forever();
	}
	if (strcmp(mode, "wide") == 0) {
		tui_wide();
		if (argc > 0 && strcmp(argv[0], "once") == 0)
			return 0;
		sleep_forever();
	}
	if (strcmp(mode, "ticker") == 0 && argc > 1) {
		long ms = atol(argv[1]);
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
		unsigned long n;
		char buf[256];

		for (n = 1;; n++) {
			snprintf(buf, sizeof buf, "%s tick %lu\n", argv[0], n);
			write_str(1, buf);
			nanosleep(&ts, NULL);
		}
	}
	if (strcmp(mode, "single") == 0 && argc > 1) {
		struct timespec ts = { 0, 100 * 1000000 };
		int lock = open(argv[0], O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		char buf[32];
		sigset_t set;
		int sig, fd;

		if (lock == -1 || flock(lock, LOCK_EX | LOCK_NB) == -1) {
			write_str(1, "DOUBLE\n");
			return 3;
		}
		fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		snprintf(buf, sizeof buf, "%d\n", (int)getpid());
		if (fd == -1)
			return 1;
		write_all(fd, buf, strlen(buf));
		close(fd);
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, NULL);
		write_str(1, "single up\n");
		sigwait(&set, &sig);
		/* A slow goodbye: a second instance would overlap it. */
		nanosleep(&ts, NULL);
		return 0;
	}
	if (strcmp(mode, "argv0") == 0) {
		char *const again[] = { (char *)"\033]0;PWNED-ARGV\007\033[2J\xe2\x80\xae"
		    "evil-argv\xc2\x9b" "31m\x9b" "1m", (char *)"sleep", (char *)"1000", NULL };

		execv("/proc/self/exe", again);
		return 127;
	}
	if (strcmp(mode, "family") == 0 && argc > 0) {
		pid_t child, daemon;
		int p[2];
		char buf[96];

		child = fork();
		if (child == 0) {
			setpgid(0, 0);
			sleep_forever();
		}
		if (pipe(p) == -1)
			return 1;
		if (fork() == 0) {
			setsid();
			daemon = fork();
			if (daemon == 0) {
				int fd = open("/dev/null", O_RDWR);

				dup2(fd, 0);
				dup2(fd, 1);
				dup2(fd, 2);
				close(p[0]);
				close(p[1]);
				sleep_forever();
			}
			write_all(p[1], (const char *)&daemon, sizeof daemon);
			_exit(0);
		}
		close(p[1]);
		if (read(p[0], &daemon, sizeof daemon) != (ssize_t)sizeof daemon)
			return 1;
		close(p[0]);
		wait(NULL);
		snprintf(buf, sizeof buf, "%d %d %d\n", (int)getpid(), (int)child, (int)daemon);
		write_pid_file(argv[0], buf);
		write_str(1, "family ready\n");
		sleep_forever();
	}
	fprintf(stderr, "helper: unknown mode 'tui-%s'\n", mode);
	return 2;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
	if (strcmp(mode, "exit") == 0 && argc > 2)
		return atoi(argv[2]);
	if (strcmp(mode, "raise") == 0 && argc > 2) {
		struct rlimit rl = { 0, 0 };

		setrlimit(RLIMIT_CORE, &rl);
		signal(atoi(argv[2]), SIG_DFL);
		raise(atoi(argv[2]));
		return 99;
	}
	if (strcmp(mode, "fds") == 0) {
		DIR *d = opendir("/proc/self/fd");
		struct dirent *de;
		char out[4096] = "";

		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d))
				continue;
			strcat(out, de->d_name);
			strcat(out, " ");
		}
		closedir(d);
		printf("fds: %s\n", out);
		return 0;
	}
	if (strcmp(mode, "ignore-term") == 0) {
		signal(SIGTERM, SIG_IGN);
		printf("ready\n");
		sleep_forever();
	}
	if (strcmp(mode, "daemon") == 0 && argc > 2) {
		int written[2];
		pid_t pid;
		char c;

		/* Say "daemonized" only once the pid file is there. */
		if (pipe(written) == -1)
			return 1;
		pid = fork();
		if (pid == 0) {
			setsid();
			if (fork() == 0) {
				char buf[32];
				int fd = open("/dev/null", O_RDWR);

				/* The pid first: once the pipes are let go, brood
				 * may stop the daemon at any moment. */
				snprintf(buf, sizeof buf, "%d\n", (int)getpid());
				write_pid_file(argv[2], buf);
				dup2(fd, 0);
				dup2(fd, 1);
				dup2(fd, 2);
				write_all(written[1], "x", 1);
				close(written[1]);
				close(written[0]);
				sleep_forever();
			}
			_exit(0);
		}
		close(written[1]);
		waitpid(pid, NULL, 0);
		while (read(written[0], &c, 1) == -1 && errno == EINTR)
			;
		close(written[0]);
		printf("daemonized\n");
		if (argc > 3 && strcmp(argv[3], "exit") == 0)
			return 0;
		sleep_forever();
	}
	if (strcmp(mode, "tree") == 0 && argc > 3) {
		int n = atoi(argv[2]), i;
		char buf[4096] = "", one[32];

		for (i = 0; i < n; i++) {
			pid_t pid = fork();

			if (pid == 0)
				sleep_forever();
			snprintf(one, sizeof one, "%d\n", (int)pid);
			strcat(buf, one);
		}
		write_pid_file(argv[3], buf);
		printf("tree ready\n");
		sleep_forever();
	}
	if (strcmp(mode, "nonl") == 0 && argc > 2) {
		write_all(1, argv[2], strlen(argv[2]));
		return 0;
	}
	if (strcmp(mode, "utf8split") == 0) {
		struct timespec ts = { 0, 100 * 1000000 };

		write_all(1, "caf\xc3", 4);
		nanosleep(&ts, NULL);
		write_all(1, "\xa9 ok\n", 5);
		return 0;
	}
	if (strcmp(mode, "escapes") == 0) {
		static const char s[] =
		    "\033]0;PWNED-TITLE\007"
		    "\033]52;c;cHduZWQ=\033\\"
		    "before\033[2J\033[H\033[10;10H\033[6n\033[c\033[>c\033]10;?\007"
		    "\033[31mRED\033[0m after\n"
		    "\033P1$r0m\033\\\033_apc\033\\line2\033c\n";

		write_all(1, s, sizeof s - 1);
		return 0;
	}
	if (strcmp(mode, "flood") == 0 && argc > 3) {
		unsigned long long total = strtoull(argv[2], NULL, 10), done = 0;
		size_t len = (size_t)atoi(argv[3]), bufsz = 1 << 16, i;
		char *buf;

		if (len < 2)
			len = 2;
		bufsz -= bufsz % len;
		buf = malloc(bufsz);
		for (i = 0; i < bufsz; i++)
			buf[i] = (i % len == len - 1) ? '\n' : (char)('a' + i % len % 26);
		while (done < total) {
			size_t n = total - done < bufsz ? (size_t)(total - done) : bufsz;

			write_all(1, buf, n);
			done += n;
		}
		free(buf);
		return 0;
	}
	if (strcmp(mode, "blob") == 0 && argc > 2) {
		unsigned long long total = strtoull(argv[2], NULL, 10), done = 0;
		char buf[65536];

		memset(buf, 'a', sizeof buf);
		while (done < total) {
			size_t n = total - done < sizeof buf ? (size_t)(total - done) : sizeof buf;

			write_all(1, buf, n);
			done += n;
		}
		return 0;
	}
	if (strcmp(mode, "sleep") == 0 && argc > 2) {
		double secs = atof(argv[2]);
		struct timespec ts = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };

		nanosleep(&ts, NULL);
		return 0;
	}
	if (strcmp(mode, "echo") == 0) {
		int i;

		for (i = 2; i < argc; i++) {
			if (argv[i][0] == '!')
				fprintf(stderr, "%s\n", argv[i] + 1);
			else
				printf("%s\n", argv[i]);
		}
		return 0;
	}
	if (strcmp(mode, "listen") == 0 && argc > 3) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
		    .sin_port = htons((uint16_t)atoi(argv[2])) };
		double secs = atof(argv[3]);
		struct timespec ts = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };
		int fd, one = 1;

		nanosleep(&ts, NULL);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 || listen(fd, 16) == -1) {
			perror("listen");
			return 1;
		}
		printf("listening\n");
		for (;;) {
			int c = accept(fd, NULL, NULL);

			if (c != -1)
				close(c);
		}
	}
	if (strcmp(mode, "burn") == 0) {
		volatile unsigned long spin = 0;

		for (;;)
			spin++;
	}
	if (strcmp(mode, "alloc") == 0 && argc > 2) {
		size_t bytes = (size_t)atoi(argv[2]) << 20, i;
		volatile char *mem = malloc(bytes);

		/* Touch every page so it is resident. */
		for (i = 0; i < bytes; i += 4096)
			mem[i] = 1;
		printf("allocated\n");
		sleep_forever();
	}
	if (strcmp(mode, "drain") == 0) {
		static char buf[256 << 10];

		fcntl(0, F_SETPIPE_SZ, 1 << 20);
		while (read(0, buf, sizeof buf) > 0)
			;
		return 0;
	}
	if (strcmp(mode, "measure") == 0 && argc > 2) {
		struct timespec t0, t1;
		struct rusage ru;
		int status;
		pid_t pid;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		pid = fork();
		if (pid == 0) {
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		wait4(pid, &status, 0, &ru);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		fprintf(stderr, "wall_ms=%.1f maxrss_kib=%ld cpu_ms=%ld status=%d\n",
		    (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
		    ru.ru_maxrss,
		    (long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
		    (long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000,
		    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return 0;
	}
	if (strcmp(mode, "count") == 0 && argc > 2) {
		unsigned long n = strtoul(argv[2], NULL, 10), i;
		static char buf[1 << 16];
		size_t len = 0;

		for (i = 1; i <= n; i++) {
			if (len > sizeof buf - 32) {
				write_all(1, buf, len);
				len = 0;
			}
			len += (size_t)sprintf(buf + len, "%lu\n", i);
		}
		write_all(1, buf, len);
		return 0;
	}
	if (strcmp(mode, "binary") == 0) {
		char buf[256];
		int i, n = 0;

		for (i = 0; i < 256; i++) {
			if (i != '\n')
				buf[n++] = (char)i;
		}
		write_str(1, "bin:");
		write_all(1, buf, (size_t)n);
		write_str(1, ":end\nafter\n");
		return 0;
	}
	if (strcmp(mode, "badutf8") == 0) {
		static const char s[] =
		    "lone-cont \x80\xbf end\n"
		    "truncated \xe2\x82 end\n"
		    "overlong \xc0\xaf \xe0\x80\xaf end\n"
		    "surrogate \xed\xa0\x80 end\n"
		    "too-big \xf4\x90\x80\x80 \xf8\x88\x80\x80\x80 end\n"
		    "bad-lead \xfe\xff end\n"
		    "lead-at-eol \xe2\n"
		    "good \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 end\n";
		struct timespec ts = { 0, 50 * 1000000 };

		write_all(1, s, sizeof s - 1);
		/* U+1F600 in three writes. */
		write_str(1, "split \xf0");
		nanosleep(&ts, NULL);
		write_str(1, "\x9f\x98");
		nanosleep(&ts, NULL);
		write_str(1, "\x80 end\n");
		return 0;
	}
	if (strcmp(mode, "hostile") == 0) {
		static const char s[] =
		    "osc52 \033]52;c;cHduZWQ=\007 end\n"
		    "osc52-st \033]52;p;cHduZWQ=\033\\ end\n"
		    "title \033]0;PWNED\007\033]2;PWNED\033\\\033]1;PWNED\007 end\n"
		    "title-report \033[21t\033[20t\033[18t\033[14t\033[13t end\n"
		    "title-stack \033[22;0t\033[23;0t end\n"
		    "da \033[c\033[0c\033[>c\033[>0c\033[=c end\n"
		    "dsr \033[5n\033[6n\033[?6n\033[?15n\033[?996n end\n"
		    "decrqm \033[?2004$p\033[12$p\033[?1049$p end\n"
		    "xtversion \033[>0q\033[>q end\n"
		    "decrqss \033P$qm\033\\\033P$q\"p\033\\ end\n"
		    "xtgettcap \033P+q544e;636f6c6f7273\033\\ end\n"
		    "colour-query \033]10;?\007\033]11;?\033\\\033]12;?\007\033]4;1;?\007 end\n"
		    "wipe \033[2J\033[3J\033[H\033c\033[!p end\n"
		    "erase \033[K\033[1K\033[2K\033[J\033[1J end\n"
		    "cursor \033[10;10H\033[5A\033[?25l\0337\0338\033[s\033[u end\n"
		    "mouse \033[?1000h\033[?1002h\033[?1003h\033[?1006h\033[?1015h end\n"
		    "paste \033[?2004h\033[200~pasted\033[201~ end\n"
		    "altscreen \033[?1049h\033[?47h\033[?1047h end\n"
		    "modes \033[4h\033[20h\033[?7l\033[?1h\033=\033> end\n"
		    "margins \033[1;1r\033[?69h\033[1;2s\033M\033D\033E end\n"
		    "palette \033]4;1;rgb:ff/00/00\007\033]104\007\033]10;#ff0000\007\033]11;red\033\\ end\n"
		    "font \033]50;PWNED\007\033#8\033#6 end\n"
		    "hyperlink \033]8;;http://PWNED\033\\link\033]8;;\033\\ end\n"
		    "notify \033]9;PWNED\007\033]777;notify;PWNED;PWNED\007 end\n"
		    "cwd \033]7;file://PWNED/\007\033]1337;SetUserVar=PWNED\007 end\n"
		    "apc-pm-sos \033_PWNED\033\\\033^PWNED\033\\\033XPWNED\033\\ end\n"
		    "sixel \033Pq#0;2;0;0;0#0~~@@vv\033\\ end\n"
		    "charset \033(0lqk\033(B\033)0\016x\017 end\n"
		    "repeat a\033[999999999b end\n"
		    "c1-raw \x9b""31m \x9d""0;x\x07 \x90q\x9c \x9e\x9f\x85 end\n"
		    "c1-utf8 \xc2\x9b""31m \xc2\x9d""0;x\xc2\x9c \xc2\x85 end\n"
		    "bidi \xe2\x80\xae""evil\xe2\x80\xac \xe2\x81\xa6x\xe2\x81\xa9 \xe2\x80\xaa\xe2\x80\xab\xe2\x80\xad end\n"
		    "bs secret\b\b\b\b\b\bXXXXXX end\n"
		    "bel \007\007 end\n"
		    "cr hidden\rshown end\n"
		    "crlf end\r\n"
		    "unterminated-osc \033]0;PWNED\n"
		    "after-osc end\n"
		    "unterminated-csi \033[1;2;3\n"
		    "after-csi end\n"
		    "esc-at-eol \033\n"
		    "after-esc end\n";
		static char big[(1 << 20) + 64];
		size_t n = 0;
		int i;

		write_all(1, s, sizeof s - 1);
		/* Oversized: a CSI with a thousand parameters, and a 1 MiB title. */
		n = (size_t)sprintf(big, "huge-csi \033[");
		for (i = 0; i < 1000; i++)
			n += (size_t)sprintf(big + n, "1;");
		n += (size_t)sprintf(big + n, "31m end\n");
		write_all(1, big, n);
		n = (size_t)sprintf(big, "huge-osc \033]0;");
		memset(big + n, 'P', 1 << 20);
		n += 1 << 20;
		n += (size_t)sprintf(big + n, "\007 end\n");
		write_all(1, big, n);
		/* Unterminated at the very end: brood must not wait for the rest. */
		write_str(1, "last \033P1;2|PWNED");
		return 0;
	}
	if (strcmp(mode, "close-stdout") == 0 && argc > 2) {
		struct timespec ts = { atoi(argv[2]), 0 };

		printf("closing\n");
		close(1);
		close(2);
		nanosleep(&ts, NULL);
		return 0;
	}
	if (strcmp(mode, "hold-pipe") == 0 && argc > 2) {
		pid_t pid = fork();

		if (pid == 0) {
			char buf[32];

			if (argc > 3 && strcmp(argv[3], "setsid") == 0)
				setsid();
			snprintf(buf, sizeof buf, "%d\n", (int)getpid());
			write_pid_file(argv[2], buf);
			write_str(1, "held\n"); /* one write: the parent writes too */
			sleep_forever();
		}
		while (access(argv[2], F_OK) != 0)
			usleep(1000);
		write_str(1, "parent done\n");
		return 0;
	}
	if (strcmp(mode, "stdin") == 0) {
		char buf[256];
		ssize_t n = read(0, buf, sizeof buf);

		if (n == 0)
			printf("stdin: eof\n");
		else if (n > 0)
			printf("stdin: %zd bytes\n", n);
		else
			printf("stdin: %s\n", strerror(errno));
		return 0;
	}
	if (strcmp(mode, "tty") == 0) {
		int fd = open("/dev/tty", O_WRONLY | O_NOCTTY);

		if (fd == -1) {
			printf("tty: %s\n", strerror(errno));
			return 1;
		}
		write_str(fd, "PWNED-TTY\n");
		printf("tty: wrote\n");
		return 0;
	}
	if (strcmp(mode, "fifo-exit") == 0 && argc > 3) {
		int fd = open(argv[2], O_RDONLY);

		if (fd == -1)
			return 99;
		return atoi(argv[3]);
	}
	if (strcmp(mode, "ticker") == 0 && argc > 3) {
		int n = atoi(argv[2]), i;
		long ms = atol(argv[3]);
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 }, now;

		for (i = 1; i <= n; i++) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			printf("tick %d %ld\n", i, (long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
			nanosleep(&ts, NULL);
		}
		return 0;
	}
	if (strncmp(mode, "tui-", 4) == 0)
		return tui_mode(mode + 4, argc - 2, argv + 2);
	fprintf(stderr, "helper: unknown mode '%s'\n", mode);
	return 2;
}
