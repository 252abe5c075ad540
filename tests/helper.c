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
		pid_t pid = fork();

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
				sleep_forever();
			}
			_exit(0);
		}
		waitpid(pid, NULL, 0);
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
	fprintf(stderr, "helper: unknown mode '%s'\n", mode);
	return 2;
}
