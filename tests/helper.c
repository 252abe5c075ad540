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
		int ready[2];
		pid_t pid;

		/* The helper ends only once the daemon's pid is in the file:
		 * brood may sweep the daemon as soon as the helper ends. */
		if (pipe(ready) == -1)
			return 1;
		pid = fork();
		if (pid == 0) {
			setsid();
			if (fork() == 0) {
				char buf[32];
				int fd = open("/dev/null", O_RDWR);

				dup2(fd, 0);
				dup2(fd, 1);
				dup2(fd, 2);
				snprintf(buf, sizeof buf, "%d\n", (int)getpid());
				write_pid_file(argv[2], buf);
				close(ready[1]);
				close(ready[0]);
				sleep_forever();
			}
			_exit(0);
		}
		close(ready[1]);
		while (read(ready[0], &(char){ 0 }, 1) == -1 && errno == EINTR)
			continue;
		close(ready[0]);
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
	fprintf(stderr, "helper: unknown mode '%s'\n", mode);
	return 2;
}
