/*
 * bench/sample.c: what one sampling tick costs with N children alive.
 *
 *   sample N [interval_ms]
 *
 * Forks N sleeping children, then times 50 calls of sample_all (after one
 * untimed call, so every process has a previous sample) with the real
 * clock as now_ms, interval_ms apart (20 by default; brood ticks once a
 * second, which only makes the benchmark slower), and prints the median
 * and the 90th percentile of the wall time, and of the CPU time (user and
 * system) the calling thread spent. The children die with the benchmark.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sample.h"
#include "util.h"

#define BENCH_CALLS 50

static double
bench_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	struct sample_table t = { 0 };
	double took[BENCH_CALLS], cpu[BENCH_CALLS], t0, c0;
	struct timespec gap;
	struct sample *s;
	pid_t *kids, parent = getpid();
	long n, interval = 20, i, got = 0;
	char *cause = NULL, buf[256];
	int ready[2];

	if (argc < 2 || (n = strtol(argv[1], NULL, 10)) < 0) {
		fprintf(stderr, "usage: %s N [interval_ms]\n", argv[0]);
		return 2;
	}
	if (argc > 2)
		interval = strtol(argv[2], NULL, 10);
	gap.tv_sec = interval / 1000;
	gap.tv_nsec = interval % 1000 * 1000000L;

	if (pipe2(ready, O_CLOEXEC) == -1) {
		perror("pipe2");
		return 1;
	}
	kids = xcalloc((size_t)n + 1, sizeof *kids);
	for (i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] == -1) {
			perror("fork");
			n = i;
			break;
		}
		if (kids[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(1);
			close(ready[0]);
			if (write(ready[1], "x", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
	}
	close(ready[1]);
	while (got < n) {
		ssize_t r = read(ready[0], buf, sizeof buf);

		if (r <= 0)
			break;
		got += r;
	}
	close(ready[0]);

	s = sample_create(&cause);
	if (s == NULL) {
		fprintf(stderr, "sample_create: %s\n", cause);
		return 1;
	}
	if (sample_all(s, &t, util_now_ms()) == -1) {
		perror("sample_all");
		return 1;
	}
	for (i = 0; i < BENCH_CALLS; i++) {
		nanosleep(&gap, NULL);
		t0 = bench_ms(CLOCK_MONOTONIC);
		c0 = bench_ms(CLOCK_THREAD_CPUTIME_ID);
		if (sample_all(s, &t, util_now_ms()) == -1) {
			perror("sample_all");
			return 1;
		}
		cpu[i] = bench_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
		took[i] = bench_ms(CLOCK_MONOTONIC) - t0;
	}
	qsort(took, BENCH_CALLS, sizeof took[0], bench_cmp);
	qsort(cpu, BENCH_CALLS, sizeof cpu[0], bench_cmp);
	/* CPU time too: on a shared machine the wall clock includes waiting
	 * for a core, which is not the sampler's cost. */
	printf("%ld children, %zu processes in the table: tick median %.2f ms, p90 %.2f ms "
	    "(CPU median %.2f ms, p90 %.2f ms)\n", n, t.n, took[BENCH_CALLS / 2],
	    took[BENCH_CALLS * 9 / 10], cpu[BENCH_CALLS / 2], cpu[BENCH_CALLS * 9 / 10]);

	for (i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	free(kids);
	sample_table_free(&t);
	sample_free(s);
	return 0;
}
