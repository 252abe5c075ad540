/*
 * test_metrics.c: CPU and memory per child as the dashboard shows them,
 * taken from real children through the supervisor: the leader alone, the
 * whole tree, adopted daemons, and never another process's numbers.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "loop.h"
#include "super.h"
#include "testutil.h"
#include "util.h"

static struct loop *l;
static struct super *s;
static char tag[64], tagenv[96];
static char *env[2];
static bool ready;

static void
on_line(void *arg, struct proc *p, const struct line *line)
{
	if (line->len >= 5 && (memcmp(line->text, "ready", 5) == 0 ||
	    memcmp(line->text, "alloc", 5) == 0 || memcmp(line->text, "daemo", 5) == 0 ||
	    memcmp(line->text, "tree ", 5) == 0))
		ready = true;
}

static void
setup(void)
{
	struct super_hooks hooks = { .line = on_line };
	/* Sampling is driven by the tests, not by the timer. */
	struct super_config cfg = { .interval_ms = 3600 * 1000 };

	l = loop_create();
	s = super_create(l, &cfg, &hooks);
	tu_new_tag(tag, sizeof tag);
	snprintf(tagenv, sizeof tagenv, "BROOD_TEST_TAG=%s", tag);
	env[0] = tagenv;
	ready = false;
}

static void
teardown(void)
{
	char msg[512];

	super_stop_all(s);
	super_sweep(s, 3000);
	super_free(s);
	loop_free(l);
	ck_assert_msg(tu_survivors(tag, msg, sizeof msg) == 0, "survivors: %s", msg);
}

static struct proc *
add(const char *name, const char *cmd)
{
	struct proc_spec spec = { .name = name, .cmd = cmd, .env = env };
	char *cause = NULL;
	struct proc *p = super_add(s, &spec, &cause);

	ck_assert_msg(p != NULL, "%s", cause);
	return p;
}

/* Run the loop for ms milliseconds. */
static void
run_for(int ms)
{
	uint64_t end = util_now_ms() + (uint64_t)ms;

	while (util_now_ms() < end)
		loop_once(l, 10);
}

static void
run_until_ready(void)
{
	uint64_t end = util_now_ms() + 10000;

	while (!ready && util_now_ms() < end)
		loop_once(l, 10);
	ck_assert_msg(ready, "the child never said it was ready");
}

/* CPU time the kernel counted for pid, in nanoseconds (schedstat). */
static uint64_t
sched_ns(pid_t pid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}

/* The kernel's CPU time for the leader, or for the whole tree. */
static uint64_t
sched_of(struct proc *p, bool tree)
{
	struct proc_tree_row *rows;
	uint64_t sum = 0;
	size_t n, i;

	if (!tree)
		return sched_ns(proc_pid(p));
	n = proc_tree_rows(p, &rows);
	for (i = 0; i < n; i++)
		sum += sched_ns(rows[i].pid);
	free(rows);
	return sum;
}

/* A busy child reads one core. On a shared 2-core machine (the other tests
 * run beside this one) it may not get a whole core: then the reading must
 * match what the scheduler itself counted over the same second, within 10
 * points. A few tries before calling it wrong. */
static void
expect_cpu(struct proc *p, bool tree)
{
	double v = 0, kernel = 0;
	int tries;

	for (tries = 0; tries < 4; tries++) {
		uint64_t k0, k1, t0, t1;

		super_sample(s);
		k0 = sched_of(p, tree);
		t0 = util_now_ms();
		run_for(1000);
		super_sample(s);
		k1 = sched_of(p, tree);
		t1 = util_now_ms();
		v = tree ? proc_metrics(p)->tree_cpu_pct : proc_metrics(p)->cpu_pct;
		kernel = (double)(k1 - k0) / 1e6 / (double)(t1 - t0) * 100;
		if (v >= 90 && v <= 110)
			return;
		if (kernel < 90 && v > kernel - 10 && v < kernel + 10)
			return;
	}
	ck_abort_msg("%s CPU %.1f%%: not one core (90-110%%), and the kernel counted %.1f%%",
	    tree ? "tree" : "leader", v, kernel);
}

START_TEST(test_busy_loop_one_core)
{
	char cmd[512];
	struct proc *p;

	snprintf(cmd, sizeof cmd, "%s burn", tu_helper());
	p = add("busy", cmd);
	super_start_all(s);
	run_for(100);
	expect_cpu(p, false);
	expect_cpu(p, true);
	ck_assert(proc_metrics(p)->valid);
	ck_assert_uint_eq(proc_metrics(p)->tree_procs, 1);
	ck_assert_int_eq(proc_metrics(p)->state, 'R');
	ck_assert_uint_ge(proc_history_count(p), 2);
}
END_TEST

START_TEST(test_rss_100_mib)
{
	char cmd[512];
	struct proc *p;
	const struct proc_metrics *m;

	snprintf(cmd, sizeof cmd, "%s alloc 100", tu_helper());
	p = add("mem", cmd);
	super_start_all(s);
	run_until_ready();
	super_sample(s);
	m = proc_metrics(p);
	/* 100 MiB touched, plus the program itself (a MiB or two). */
	ck_assert_msg(m->rss_kib >= 100 * 1024 * 9 / 10 && m->rss_kib <= 100 * 1024 * 11 / 10,
	    "RSS %llu KiB", (unsigned long long)m->rss_kib);
	ck_assert_uint_ge(m->vsz_kib, m->rss_kib);
	ck_assert_uint_eq(m->tree_rss_kib, m->rss_kib);
	ck_assert_uint_ge(m->peak_rss_kib, m->rss_kib);
}
END_TEST

/* A shell that waits on a grandchild burning a core: the tree is busy,
 * the leader is not. */
START_TEST(test_wrapper_tree)
{
	char cmd[512];
	struct proc *p;

	snprintf(cmd, sizeof cmd, "%s burn; echo unreachable", tu_helper());
	p = add("wrapper", cmd);
	super_start_all(s);
	run_for(200);
	expect_cpu(p, true);
	ck_assert_msg(proc_metrics(p)->cpu_pct < 10, "leader %.1f%%", proc_metrics(p)->cpu_pct);
	ck_assert_uint_eq(proc_metrics(p)->tree_procs, 2);
	{
		struct proc_tree_row *rows;
		size_t n = proc_tree_rows(p, &rows);

		ck_assert_uint_eq(n, 2);
		ck_assert_int_eq(rows[0].pid, proc_pid(p));
		ck_assert_int_eq(rows[0].depth, 0);
		ck_assert_int_eq(rows[1].ppid, proc_pid(p));
		ck_assert_int_eq(rows[1].depth, 1);
		free(rows);
	}
}
END_TEST

START_TEST(test_daemon_counted)
{
	char file[256], cmd[512];
	struct proc *p;
	pid_t daemon[2];
	size_t i;
	bool adopted = false;

	tu_tmpname(file, sizeof file, "daemon");
	snprintf(cmd, sizeof cmd, "%s daemon %s", tu_helper(), file);
	p = add("d", cmd);
	super_start_all(s);
	run_until_ready();
	ck_assert_uint_eq(tu_read_pids(file, daemon, 2, 5000), 1);
	super_sample(s);
	/* The leader and the setsid daemon re-parented to us. */
	ck_assert_uint_eq(proc_metrics(p)->tree_procs, 2);
	for (i = 0; i < proc_event_count(p); i++) {
		const struct proc_event *ev = proc_event_get(p, i);

		adopted |= ev->kind == PROC_EV_ADOPTED && ev->pid == daemon[0];
	}
	ck_assert_msg(adopted, "no adoption in the timeline");
	unlink(file);
}
END_TEST

START_TEST(test_ended_shows_nothing)
{
	char cmd[512];
	struct proc *p;
	uint64_t end;

	snprintf(cmd, sizeof cmd, "%s sleep 0.3", tu_helper());
	p = add("short", cmd);
	super_start_all(s);
	run_for(50);
	super_sample(s);
	ck_assert(proc_metrics(p)->valid);
	end = util_now_ms() + 5000;
	while (proc_state(p) != PROC_EXITED && util_now_ms() < end)
		loop_once(l, 10);
	ck_assert_int_eq(proc_state(p), PROC_EXITED);
	super_sample(s);
	/* Its pid may belong to anyone now: no figures, whatever runs there. */
	ck_assert(!proc_metrics(p)->valid);
	ck_assert(proc_metrics(p)->cpu_pct == 0);
	ck_assert_uint_eq(proc_metrics(p)->rss_kib, 0);
	ck_assert_uint_eq(proc_metrics(p)->tree_procs, 0);
}
END_TEST

START_TEST(test_three_hundred)
{
	char cmd[512];
	size_t i;

	snprintf(cmd, sizeof cmd, "%s sleep 100", tu_helper());
	for (i = 0; i < 300; i++)
		add(NULL, cmd);
	super_start_all(s);
	run_for(300);
	super_sample(s);
	for (i = 0; i < 300; i++) {
		struct proc *p = super_proc(s, i);

		ck_assert_msg(proc_metrics(p)->valid && proc_metrics(p)->tree_procs == 1 &&
		    proc_metrics(p)->rss_kib > 0, "child %zu not sampled", i);
	}
}
END_TEST

/* The sampler keeps a descriptor open on each of brood's processes. When
 * brood runs out of descriptors, a start gets them back from it and
 * succeeds, and the figures go on (read through libproc2 instead). */
START_TEST(test_start_takes_sampler_descriptors)
{
	struct rlimit old, low;
	char cmd[512];
	struct proc *p;
	int fds[256], nfds = 0, fd;
	size_t i;
	uint64_t end;

	snprintf(cmd, sizeof cmd, "%s sleep 100", tu_helper());
	for (i = 0; i < 10; i++)
		add(NULL, cmd);
	super_start_all(s);
	run_for(200);
	super_sample(s);
	super_sample(s); /* the descriptors are kept by now */
	/* Every descriptor taken but two: not enough for a child's pipes. */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	close(fd);
	low = old;
	low.rlim_cur = (rlim_t)fd + 64;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (nfds < 256 && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		fds[nfds++] = fd;
	ck_assert_int_eq(errno, EMFILE);
	ck_assert_int_ge(nfds, 2);
	close(fds[--nfds]);
	close(fds[--nfds]);

	p = add("late", cmd);
	proc_start(p);
	end = util_now_ms() + 5000;
	while (proc_state(p) == PROC_STARTING && util_now_ms() < end)
		loop_once(l, 10);
	ck_assert_msg(proc_state(p) == PROC_RUNNING, "the late child is %s",
	    proc_state(p) == PROC_FAILED ? "failed" : "not running");
	while (nfds > 0)
		close(fds[--nfds]);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	super_sample(s);
	super_sample(s);
	for (i = 0; i < super_count(s); i++)
		ck_assert_msg(proc_metrics(super_proc(s, i))->valid &&
		    proc_metrics(super_proc(s, i))->rss_kib > 0, "child %zu not sampled", i);
}
END_TEST

int
main(void)
{
	TCase *tc;
	Suite *suite = tu_suite("metrics", &tc, setup, teardown, 60);

	tcase_add_test(tc, test_busy_loop_one_core);
	tcase_add_test(tc, test_rss_100_mib);
	tcase_add_test(tc, test_wrapper_tree);
	tcase_add_test(tc, test_daemon_counted);
	tcase_add_test(tc, test_ended_shows_nothing);
	tcase_add_test(tc, test_three_hundred);
	tcase_add_test(tc, test_start_takes_sampler_descriptors);
	return tu_run_suite(suite);
}
