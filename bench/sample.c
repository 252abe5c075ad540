/*
 * bench/sample.c: what one sampling tick costs with N children alive.
 *
 *   sample N [interval_ms]
 *
 * Launches N sleeping children through the supervisor, as brood does (each
 * in its own session, with its pipes), waits until all run, then times 50
 * sampling ticks (after two untimed ones, so every process has a previous
 * sample), interval_ms apart (20 by default; brood ticks once a second,
 * which only makes the benchmark slower). A tick is all brood does each
 * interval: list /proc, read its own processes through the stat
 * descriptors it keeps and the others through libproc2, attribute every
 * process to its child, and add up the figures. Prints the median
 * and the 90th percentile of the wall time, and of the CPU time (user and
 * system) the calling thread spent.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loop.h"
#include "super.h"
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

static size_t
bench_running(struct super *s)
{
	size_t i, n = 0;

	for (i = 0; i < super_count(s); i++)
		n += proc_state(super_proc(s, i)) == PROC_RUNNING;
	return n;
}

int
main(int argc, char **argv)
{
	struct super_config cfg = { .interval_ms = 3600 * 1000 };
	struct super_hooks hooks = { 0 };
	double took[BENCH_CALLS], cpu[BENCH_CALLS], t0, c0;
	static char sleep_arg0[] = "sleep", sleep_arg1[] = "3600";
	char *const args[] = { sleep_arg0, sleep_arg1, NULL };
	struct timespec gap;
	struct super *s;
	struct loop *l;
	long n, interval = 20, i;
	uint64_t deadline;
	char *cause = NULL;

	if (argc < 2 || (n = strtol(argv[1], NULL, 10)) < 0) {
		fprintf(stderr, "usage: %s N [interval_ms]\n", argv[0]);
		return 2;
	}
	if (argc > 2)
		interval = strtol(argv[2], NULL, 10);
	gap.tv_sec = interval / 1000;
	gap.tv_nsec = interval % 1000 * 1000000L;

	l = loop_create();
	s = super_create(l, &cfg, &hooks);
	for (i = 0; i < n; i++) {
		struct proc_spec spec = { .argv = args };

		if (super_add(s, &spec, &cause) == NULL) {
			fprintf(stderr, "super_add: %s\n", cause);
			return 1;
		}
	}
	super_start_all(s);
	deadline = util_now_ms() + 60000;
	while (bench_running(s) < (size_t)n && util_now_ms() < deadline)
		loop_once(l, 10);
	if (bench_running(s) < (size_t)n) {
		fprintf(stderr, "only %zu of %ld children running\n", bench_running(s), n);
		return 1;
	}

	super_sample(s);
	nanosleep(&gap, NULL);
	super_sample(s);
	for (i = 0; i < BENCH_CALLS; i++) {
		nanosleep(&gap, NULL);
		t0 = bench_ms(CLOCK_MONOTONIC);
		c0 = bench_ms(CLOCK_THREAD_CPUTIME_ID);
		super_sample(s);
		cpu[i] = bench_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
		took[i] = bench_ms(CLOCK_MONOTONIC) - t0;
	}
	for (i = 0; i < n; i++) {
		if (!proc_metrics(super_proc(s, (size_t)i))->valid) {
			fprintf(stderr, "child %ld has no figures\n", i);
			return 1;
		}
	}
	qsort(took, BENCH_CALLS, sizeof took[0], bench_cmp);
	qsort(cpu, BENCH_CALLS, sizeof cpu[0], bench_cmp);
	/* CPU time too: on a shared machine the wall clock includes waiting
	 * for a core, which is not the sampler's cost. */
	printf("%ld children: tick median %.2f ms, p90 %.2f ms "
	    "(CPU median %.2f ms, p90 %.2f ms)\n", n, took[BENCH_CALLS / 2],
	    took[BENCH_CALLS * 9 / 10], cpu[BENCH_CALLS / 2], cpu[BENCH_CALLS * 9 / 10]);

	super_kill_all(s);
	super_sweep(s, 10000);
	super_free(s);
	loop_free(l);
	return 0;
}
