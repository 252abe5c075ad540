/*
 * test_sample.c: the process table as a user reads it: CPU% of a busy
 * child, RSS of a child that holds 100 MiB, thread counts, links and
 * states, command lines, hundreds of children, and silence on the
 * terminal. Every test forks its own children; each child dies with the
 * test (PR_SET_PDEATHSIG) even when an assertion ends the test early.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"
#include "sample.h"
#include "util.h"

/* Internal to sample.c: a pid cannot be reused on demand without
 * privileges, so the delta rules are also checked on made-up tables. */
void sample_deltas(const struct sample_proc *prev, size_t nprev, uint64_t prev_ms,
    struct sample_proc *cur, size_t ncur, uint64_t now_ms, unsigned hertz);
void sample_counts(const struct sample *s, size_t *selected, size_t *reaped, size_t *kept,
    size_t *statm);
void sample_fd_cap(struct sample *s, size_t max);

#define MIB (1024u * 1024u)
#define CHILD_ENV "BROOD_SAMPLE_TEST_CHILD"

static char self_exe[4096];   /* this program, for children that exec */
static const char *self_arg0;

struct kid {
	pid_t pid;
	int ready[2];             /* child -> parent: one byte per step */
	int go[2];                /* parent -> child */
};

static void
msleep(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
kid_say(struct kid *k)
{
	ssize_t r = write(k->ready[1], "x", 1);

	(void)r;
}

static void
kid_hear(struct kid *k)
{
	char c;

	while (read(k->go[0], &c, 1) == -1 && errno == EINTR)
		;
}

/* Fork a child running fn; it is killed if this process dies first. */
static void
kid_start(struct kid *k, void (*fn)(struct kid *))
{
	pid_t parent = getpid();

	ck_assert_int_eq(pipe2(k->ready, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(k->go, O_CLOEXEC), 0);
	k->pid = fork();
	ck_assert_int_ne(k->pid, -1);
	if (k->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		close(k->ready[0]);
		close(k->go[1]);
		fn(k);
		_exit(0);
	}
	close(k->ready[1]);
	close(k->go[0]);
	k->ready[1] = k->go[0] = -1;
}

/* Wait for the child's next step; false on EOF (exec or exit) or timeout. */
static bool
kid_wait(struct kid *k)
{
	struct pollfd p = { k->ready[0], POLLIN, 0 };
	char c;

	if (poll(&p, 1, 10000) != 1)
		return false;
	return read(k->ready[0], &c, 1) == 1;
}

static void
kid_go(struct kid *k)
{
	ck_assert_int_eq(write(k->go[1], "g", 1), 1);
}

static void
kid_end(struct kid *k)
{
	if (k->pid > 0) {
		kill(k->pid, SIGKILL);
		while (waitpid(k->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	if (k->ready[0] >= 0)
		close(k->ready[0]);
	if (k->go[1] >= 0)
		close(k->go[1]);
	k->pid = -1;
	k->ready[0] = k->go[1] = -1;
}

static void
kid_sleeper(struct kid *k)
{
	kid_say(k);
	for (;;)
		pause();
}

static void
kid_spinner(struct kid *k)
{
	volatile unsigned long n = 0;

	kid_say(k);
	for (;;)
		n++;
}

/* Mostly system time: reads /dev/zero until it has 50 ms of it (as
 * /proc counts it), says ready, and goes on. */
static void
kid_syscaller(struct kid *k)
{
	static char buf[1 << 20];
	struct rusage ru;
	bool said = false;
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		_exit(1);
	for (;;) {
		if (read(fd, buf, sizeof buf) == -1)
			_exit(1);
		if (!said && getrusage(RUSAGE_SELF, &ru) == 0 &&
		    ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000 >= 50) {
			kid_say(k);
			said = true;
		}
	}
}

static void
kid_session(struct kid *k)
{
	setsid();
	kid_sleeper(k);
}

static void *
kid_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void
kid_threads(struct kid *k)
{
	pthread_t th;
	int i;

	for (i = 0; i < 3; i++) {
		if (pthread_create(&th, NULL, kid_thread, NULL) != 0)
			_exit(1);
	}
	kid_sleeper(k);
}

static void
kid_allocator(struct kid *k)
{
	char *p;

	kid_say(k);
	kid_hear(k);
	/* mmap, not malloc: the figure is then ours alone, under sanitizers too. */
	p = mmap(NULL, 100 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(1);
	memset(p, 1, 100 * MIB);
	kid_sleeper(k);
}

static void
kid_odd_name(struct kid *k)
{
	/* What a naive parser of /proc/pid/stat would take for fields. */
	prctl(PR_SET_NAME, "x) R 1 1 (y");
	kid_sleeper(k);
}

static void
kid_zombie(struct kid *k)
{
	(void)k;
	prctl(PR_SET_NAME, "zombiekid");
	_exit(0);
}

static const char *const *kid_argv;

/* Exec this program as argv; main() says ready on the inherited pipe,
 * once the new command line is surely in place (it is set after the
 * close-on-exec descriptors are closed, so EOF would be too early). */
static void
kid_exec(struct kid *k)
{
	char fd[16];

	snprintf(fd, sizeof fd, "%d", k->ready[1]);
	fcntl(k->ready[1], F_SETFD, 0);
	setenv(CHILD_ENV, fd, 1);
	execv(self_exe, (char *const *)kid_argv);
	_exit(127);
}

static struct sample *
sampler(void)
{
	char *cause = NULL;
	struct sample *s = sample_create(&cause);

	ck_assert_msg(s != NULL, "sample_create: %s", cause != NULL ? cause : "?");
	ck_assert_ptr_null(cause);
	return s;
}

static const struct sample_proc *
find(const struct sample_table *t, pid_t pid)
{
	const struct sample_proc *e = sample_find(t, pid);

	ck_assert_msg(e != NULL, "pid %d not in the table of %zu", (int)pid, t->n);
	return e;
}

/* /proc/pid/stat read by hand as a witness, into buf; what follows the
 * command name's closing parenthesis (the state first), or NULL. */
static const char *
stat_after_name(pid_t pid, char *buf, size_t len)
{
	char path[64], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, len - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' ? p + 2 : NULL;
}

/* Field n (1-based, n > 2) of /proc/pid/stat. */
static unsigned long long
stat_field(pid_t pid, int n)
{
	char buf[1024];
	const char *p = stat_after_name(pid, buf, sizeof buf);
	int i;

	ck_assert_ptr_nonnull(p);
	for (i = 3; i < n; i++) {
		p = strchr(p, ' ');
		ck_assert_ptr_nonnull(p);
		p++;
	}
	return strtoull(p, NULL, 10);
}

/* Wait until pid's state letter in /proc/pid/stat is state: a child that
 * said it was ready may not have reached its pause() yet. */
static void
wait_state(pid_t pid, char state)
{
	char buf[1024];
	const char *p;
	int tries;

	for (tries = 0; tries < 500; tries++) {
		p = stat_after_name(pid, buf, sizeof buf);
		if (p != NULL && *p == state)
			return;
		msleep(10);
	}
	ck_abort_msg("process %d never reached state %c", (int)pid, state);
}

/* The resident size in /proc/pid/statm, in KiB. */
static uint64_t
statm_resident_kib(pid_t pid)
{
	unsigned long long size, resident;
	char path[64];
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%llu %llu", &size, &resident), 2);
	fclose(f);
	return resident * (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
}

/* Nanoseconds pid has run, from the scheduler (not from the ticks that
 * sample.c reads); -1 if the kernel does not keep it. */
static double
run_ns(pid_t pid)
{
	char path[64];
	double ns;
	FILE *f;
	int got;

	snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	got = fscanf(f, "%lf", &ns);
	fclose(f);
	return got == 1 ? ns : -1;
}

START_TEST(test_busy_child_reads_100)
{
	struct sample_table t = { 0 };
	struct sample *s = sampler();
	double pct = -1, truth = -1, ran0, ran1;
	uint64_t then, now;
	struct kid k;
	int attempt;

	kid_start(&k, kid_spinner);
	ck_assert(kid_wait(&k));
	then = util_now_ms();
	ck_assert_int_eq(sample_all(s, &t, then), 0);
	ran0 = run_ns(k.pid);
	ck_assert(find(&t, k.pid)->cpu_pct == 0);
	/* On a loaded machine the child may not get a whole core for a second. */
	for (attempt = 0; attempt < 4; attempt++) {
		msleep(1000);
		now = util_now_ms();
		ck_assert_int_eq(sample_all(s, &t, now), 0);
		ran1 = run_ns(k.pid);
		pct = find(&t, k.pid)->cpu_pct;
		if (pct >= 90 && pct <= 110)
			break;
		truth = ran0 >= 0 && ran1 >= 0 ? (ran1 - ran0) / 1e4 / (double)(now - then) : -1;
		then = now;
		ran0 = ran1;
	}
	/* Never got a core: then the figure must be what it did get. */
	if (pct < 90 || pct > 110) {
		ck_assert_msg(truth >= 0 && truth < 90 && pct >= truth - 10 && pct <= truth + 10,
		    "busy child reads %.1f%%, ran %.1f%% of the time", pct, truth);
	}
	/* And the idle sampler itself does not. */
	ck_assert_double_lt(find(&t, getpid())->cpu_pct, 50);
	kid_end(&k);
	sample_table_free(&t);
	sample_free(s);
}
END_TEST

START_TEST(test_first_sample_reads_zero)
{
	struct sample_table t = { 0 };
	struct sample *s = sampler();
	const struct sample_proc *e;
	struct kid k;
	uint64_t now = 50000;

	ck_assert_int_eq(sample_all(s, &t, now), 0);
	kid_start(&k, kid_spinner);
	ck_assert(kid_wait(&k));
	msleep(300);
	ck_assert_int_eq(sample_all(s, &t, now + 300), 0);
	e = find(&t, k.pid);
	ck_assert_msg(e->ticks > 0, "the spinner ran no tick in 300 ms");
	ck_assert(e->cpu_pct == 0);
	msleep(300);
	ck_assert_int_eq(sample_all(s, &t, now + 600), 0);
	ck_assert_double_gt(find(&t, k.pid)->cpu_pct, 0);
	kid_end(&k);
	sample_table_free(&t);
	sample_free(s);
}
END_TEST

START_TEST(test_rss_100_mib)
{
	struct sample_table t = { 0 };
	struct sample *s = sampler();
	const struct sample_proc *e;
	uint64_t base, grown;
	struct kid k;

	kid_start(&k, kid_allocator);
	ck_assert(kid_wait(&k));
	ck_assert_int_eq(sample_all(s, &t, util_now_ms()), 0);
	base = find(&t, k.pid)->rss_kib;
	kid_go(&k);
	ck_assert(kid_wait(&k));
	ck_assert_int_eq(sample_all(s, &t, util_now_ms()), 0);
	e = find(&t, k.pid);
	grown = e->rss_kib - base;
	ck_assert_msg(grown >= 100 * 1024 * 9 / 10 && grown <= 100 * 1024 * 11 / 10,
	    "rss grew by %ju KiB from %ju KiB", (uintmax_t)grown, (uintmax_t)base);
	ck_assert_uint_ge(e->vsz_kib, e->rss_kib);
	ck_assert_uint_ge(e->vsz_kib, 100 * 1024);
	/* The child is idle: the figure is statm's summed one, to the page. */
	ck_assert_uint_eq(e->rss_kib, statm_resident_kib(k.pid));
	kid_end(&k);
	sample_table_free(&t);
	sample_free(s);
}
END_TEST

START_TEST(test_threads)
{
	struct sample_table t = { 0 };
	struct sample *s = sampler();
	struct kid k;

	kid_start(&k, kid_threads);
	ck_assert(kid_wait(&k));
	ck_assert_int_eq(sample_all(s, &t, util_now_ms()), 0);
	ck_assert_int_eq(find(&t, k.pid)->threads, 4);
	ck_assert_int_eq(find(&t, getpid())->threads, 1);
	kid_end(&k);
	sample_table_free(&t);
	sample_free(s);
}
END_TEST

START_TEST(test_links_and_states)
{
	struct sample_table t = { 0 };
	struct sample *s = sampler();
	const struct sample_proc *e;
	struct kid sess, stopped, zombie, odd;
	siginfo_t si;
	char *c;
	int st;

	kid_start(&sess, kid_session);
	ck_assert(kid_wait(&sess));
	kid_start(&stopped, kid_syscaller);
	ck_assert(kid_wait(&stopped));
	ck_assert_int_eq(kill(stopped.pid, SIGSTOP), 0);
	ck_assert_int_eq(waitpid(stopped.pid, &st, WUNTRACED), stopped.pid);
	ck_assert(WIFSTOPPED(st));
	kid_start(&odd, kid_odd_name);
	ck_assert(kid_wait(&odd));
	kid_start(&zombie, kid_zombie);
	/* Wait until it is a zombie, without reaping it. */
	memset(&si, 0, sizeof si);
	ck_assert_int_eq(waitid(P_PID, (id_t)zombie.pid, &si, WEXITED | WNOWAIT), 0);

	wait_state(sess.pid, 'S');
	wait_state(odd.pid, 'S');
	ck_assert_int_eq(sample_all(s, &t, util_now_ms()), 0);
	e = find(&t, sess.pid);
	ck_assert_int_eq(e->ppid, getpid());
	ck_assert_int_eq(e->sid, sess.pid);
	ck_assert_int_eq(e->pgid, sess.pid);
	ck_assert_int_eq(e->state, 'S');
	ck_assert_uint_eq(e->start, stat_field(sess.pid, 22));
	ck_assert_uint_ge(e->start, find(&t, getpid())->start);
	ck_assert_int_eq(e->threads, 1);

	e = find(&t, stopped.pid);
	ck_assert_int_eq(e->state, 'T');
	/* Stopped, so its ticks hold still: user and system time, both. */
	ck_assert_uint_gt(stat_field(stopped.pid, 15), 0);
	ck_assert_uint_eq(e->ticks, stat_field(stopped.pid, 14) + stat_field(stopped.pid, 15));
	ck_assert_int_eq(e->ppid, getpid());
	ck_assert_int_eq(e->pgid, getpgid(0));
	ck_assert_int_eq(e->sid, getsid(0));

	e = find(&t, zombie.pid);
	ck_assert_int_eq(e->state, 'Z');
	ck_assert_int_eq(e->ppid, getpid());

	e = find(&t, odd.pid);
	ck_assert_int_eq(e->state, 'S');
	ck_assert_int_eq(e->ppid, getpid());
	ck_assert_int_eq(e->pgid, getpgid(0));
	ck_assert_int_eq(e->threads, 1);
	ck_assert_uint_eq(e->start, stat_field(odd.pid, 22));
	ck_assert_uint_gt(e->rss_kib, 0);
	c = procfs_cmdline(odd.pid, 4096);
	ck_assert_ptr_nonnull(c);
	ck_assert_msg(strstr(c, self_arg0) != NULL, "cmdline \"%s\", argv[0] \"%s\"", c, self_arg0);
	free(c);

	e = find(&t, getpid());
	ck_assert_int_eq(e->ppid, getppid());
	ck_assert_int_eq(e->state, 'R');
	ck_assert_uint_eq(e->start, stat_field(getpid(), 22));

	/* kthreadd, where the kernel's threads are visible: no memory. */
	if (access("/proc/2/stat", F_OK) == 0 && stat_field(2, 4) == 0) {
		e = find(&t, 2);
		ck_assert_int_eq(e->ppid, 0);
		ck_assert_uint_eq(e->rss_kib, 0);
		ck_assert_uint_eq(e->vsz_kib, 0);
	}

	kid_end(&odd);
	kid_end(&sess);
	kid_end(&stopped);
	kid_end(&zombie);
	sample_table_free(&t);
	sample_free(s);
}
END_TEST

START_TEST(test_gone_process_leaves_the_table)
{
	struct sample_table t = { 0 };
	struct sample *s = sampler();
	struct kid k;
	size_t n;
	pid_t pid;

	kid_start(&k, kid_sleeper);
	ck_assert(kid_wait(&k));
	pid = k.pid;
	ck_assert_int_eq(sample_all(s, &t, 1000), 0);
	find(&t, pid);
	n = t.n;
	kid_end(&k);
	ck_assert_int_eq(sample_all(s, &t, 2000), 0);
	ck_assert_ptr_null(sample_find(&t, pid));
	ck_assert_uint_lt(t.n, n + 20); /* the table is rewritten, not appended */
	ck_assert_uint_eq(t.t_ms, 2000);
	ck_assert_ptr_null(procfs_cmdline(pid, 100));
	sample_table_free(&t);
	sample_free(s);
}
END_TEST

static pid_t pid_wanted;

/* A child with pid pid_wanted that spins; -1 with errno when the kernel
 * will not let us choose (needs CAP_SYS_ADMIN over the pid namespace). */
static pid_t
spinner_with_pid(pid_t parent)
{
	struct clone_args a;
	long r;

	memset(&a, 0, sizeof a);
	a.exit_signal = SIGCHLD;
	a.set_tid = (uint64_t)(uintptr_t)&pid_wanted;
	a.set_tid_size = 1;
	r = syscall(SYS_clone3, &a, sizeof a);
	if (r == 0) {
		volatile unsigned long n = 0;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		for (;;)
			n++;
	}
	return (pid_t)r;
}

START_TEST(test_reused_pid_starts_afresh)
{
	struct sample_table t = { 0 };
	struct sample *s = sampler();
	const struct sample_proc *e;
	unsigned long long old_start, old_ticks;
	struct kid k;
	pid_t pid;

	kid_start(&k, kid_sleeper);
	ck_assert(kid_wait(&k));
	ck_assert_int_eq(sample_all(s, &t, 10000), 0);
	e = find(&t, k.pid);
	old_start = e->start;
	old_ticks = e->ticks;
	pid_wanted = k.pid;
	kid_end(&k);
	msleep(50); /* a few ticks, so the new start time differs */
	pid = spinner_with_pid(getpid());
	if (pid == -1) {
		fprintf(stderr, "test_reused_pid_starts_afresh: cannot choose a pid (%s); "
		    "the rule is checked by test_delta_rules only\n", strerror(errno));
		sample_table_free(&t);
		sample_free(s);
		return;
	}
	ck_assert_int_eq(pid, pid_wanted);
	msleep(500);
	ck_assert_int_eq(sample_all(s, &t, 10500), 0);
	e = find(&t, pid);
	ck_assert_uint_ne(e->start, old_start);
	/* Matching on the pid alone would read these ticks as 500 ms of work. */
	ck_assert_msg(e->ticks > old_ticks, "the spinner ran no tick");
	ck_assert(e->cpu_pct == 0);
	msleep(500);
	ck_assert_int_eq(sample_all(s, &t, 11000), 0);
	ck_assert_double_gt(find(&t, pid)->cpu_pct, 10);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	sample_table_free(&t);
	sample_free(s);
}
END_TEST

START_TEST(test_delta_rules)
{
	const struct sample_proc prev[] = {
		{ .pid = 10, .start = 100, .ticks = 50 },
		{ .pid = 20, .start = 200, .ticks = 0 },
		{ .pid = 30, .start = 300, .ticks = 10 },
		{ .pid = 35, .start = 350, .ticks = 10 }, /* gone */
	};
	struct sample_proc cur[] = {
		{ .pid = 5, .start = 90, .ticks = 500 },    /* new */
		{ .pid = 10, .start = 100, .ticks = 150 },  /* 100 ticks */
		{ .pid = 20, .start = 999, .ticks = 80 },   /* pid reused */
		{ .pid = 30, .start = 300, .ticks = 5 },    /* cannot go down */
		{ .pid = 40, .start = 400, .ticks = 70 },   /* new */
	};
	size_t n = sizeof cur / sizeof cur[0], i;

	sample_deltas(prev, 4, 1000, cur, n, 2000, 100);
	ck_assert_double_eq_tol(cur[1].cpu_pct, 100, 1e-9);
	ck_assert(cur[0].cpu_pct == 0);
	ck_assert(cur[2].cpu_pct == 0);
	ck_assert(cur[3].cpu_pct == 0);
	ck_assert(cur[4].cpu_pct == 0);
	/* Twice the interval halves it; another clock rate scales it. */
	sample_deltas(prev, 4, 1000, cur, n, 3000, 100);
	ck_assert_double_eq_tol(cur[1].cpu_pct, 50, 1e-9);
	sample_deltas(prev, 4, 1000, cur, n, 2000, 250);
	ck_assert_double_eq_tol(cur[1].cpu_pct, 40, 1e-9);
	/* No time passed, or time went back: no figure rather than infinity. */
	sample_deltas(prev, 4, 2000, cur, n, 2000, 100);
	for (i = 0; i < n; i++)
		ck_assert(cur[i].cpu_pct == 0);
	sample_deltas(NULL, 0, 0, cur, n, 2000, 100);
	for (i = 0; i < n; i++)
		ck_assert(cur[i].cpu_pct == 0);
}
END_TEST

/* Fork n children that sleep until this process dies; wait until all run. */
static void
fork_sleepers(pid_t *kids, int n)
{
	pid_t parent = getpid();
	int ready[2], i;
	size_t got = 0;
	char buf[512];

	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
	for (i = 0; i < n; i++) {
		kids[i] = fork();
		ck_assert_int_ne(kids[i], -1);
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
	while (got < (size_t)n) {
		ssize_t r = read(ready[0], buf, sizeof buf);

		ck_assert_int_gt(r, 0);
		got += (size_t)r;
	}
	close(ready[0]);
}

static void
kill_all(const pid_t *kids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
}

START_TEST(test_three_hundred_children)
{
	struct sample_table t = { 0 };
	struct sample *s = sampler();
	pid_t kids[300], parent = getpid();
	int i, mine = 0;
	size_t k;

	fork_sleepers(kids, 300);
	ck_assert_int_eq(sample_all(s, &t, util_now_ms()), 0);
	ck_assert_uint_gt(t.n, 300);
	for (k = 1; k < t.n; k++)
		ck_assert_int_lt(t.v[k - 1].pid, t.v[k].pid);
	for (i = 0; i < 300; i++)
		ck_assert_int_eq(find(&t, kids[i])->ppid, parent);
	for (k = 0; k < t.n; k++) {
		if (t.v[k].ppid == parent)
			mine++;
		ck_assert_ptr_eq(sample_find(&t, t.v[k].pid), &t.v[k]);
	}
	ck_assert_int_ge(mine, 300); /* more if an earlier test failed, without fork */
	/* A second sample through the same table and sampler. */
	ck_assert_int_eq(sample_all(s, &t, util_now_ms()), 0);
	for (i = 0; i < 300; i++)
		ck_assert_int_eq(find(&t, kids[i])->ppid, parent);

	kill_all(kids, 300);
	ck_assert_int_eq(sample_all(s, &t, util_now_ms()), 0);
	for (i = 0; i < 300; i++)
		ck_assert_ptr_null(sample_find(&t, kids[i]));
	sample_table_free(&t);
	sample_free(s);
}
END_TEST

/* The pids a want callback picks: a sorted array. */
struct wanted {
	const pid_t *pids;
	size_t n;
};

static int
cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static void
want_these(struct sample_table *t, void *arg)
{
	const struct wanted *w = arg;
	size_t i;

	for (i = 0; i < t->n; i++)
		t->v[i].wanted = bsearch(&t->v[i].pid, w->pids, w->n, sizeof *w->pids, cmp_pid) != NULL;
}

/* Only wanted processes are read: an unwanted busy child's figures stay as
 * they were between its rotating re-reads, while a wanted one's move, and
 * the two wanted rows are read through their kept descriptors rather than
 * by reading all of /proc. */
START_TEST(test_only_wanted_rows_are_read)
{
	struct sample_table t = { 0 };
	struct sample *s = sampler();
	struct kid busy, other, idle;
	pid_t pids[2];
	struct wanted w = { pids, 2 };
	size_t selected, reaped, kept, statm;
	unsigned long long last = 0;
	int i, moved = 0, busy_seen = 0, selects = 0;
	uint64_t now = 100000;

	kid_start(&busy, kid_spinner);
	ck_assert(kid_wait(&busy));
	kid_start(&other, kid_spinner);
	ck_assert(kid_wait(&other));
	kid_start(&idle, kid_sleeper);
	ck_assert(kid_wait(&idle));
	pids[0] = busy.pid < idle.pid ? busy.pid : idle.pid;
	pids[1] = busy.pid < idle.pid ? idle.pid : busy.pid;

	/* The first sample reads everything: nothing is known yet. */
	ck_assert_int_eq(sample_take(s, &t, now, want_these, &w), 0);
	sample_counts(s, &selected, &reaped, &kept, &statm);
	ck_assert_uint_eq(selected, 0);
	ck_assert_uint_ge(reaped, t.n / 2);
	ck_assert_uint_eq(kept, 0);
	ck_assert_uint_eq(statm, 2);
	ck_assert(find(&t, busy.pid)->wanted && !find(&t, other.pid)->wanted);
	last = find(&t, other.pid)->ticks;
	for (i = 0; i < 16; i++) {
		msleep(30);
		now += 30;
		ck_assert_int_eq(sample_take(s, &t, now, want_these, &w), 0);
		sample_counts(s, &selected, &reaped, &kept, &statm);
		ck_assert_uint_gt(find(&t, busy.pid)->rss_kib, 0);
		ck_assert_uint_gt(find(&t, idle.pid)->rss_kib, 0);
		ck_assert_uint_eq(find(&t, other.pid)->rss_kib, 0);
		busy_seen += find(&t, busy.pid)->cpu_pct > 0;
		/* Many processes started by other tests meanwhile make a reap
		 * the better choice for a round. */
		ck_assert_uint_eq(kept, 2);
		if (reaped == 0) {
			ck_assert_msg(selected < t.n / 2, "%zu of %zu processes read", selected, t.n);
			selects++;
			moved += find(&t, other.pid)->ticks != last;
		}
		last = find(&t, other.pid)->ticks;
	}
	/* Re-read once in eight samples: twice in sixteen. */
	ck_assert_int_ge(selects, 8);
	ck_assert_int_le(moved, 3);
	ck_assert_int_gt(busy_seen, 0);
	wait_state(idle.pid, 'S');
	ck_assert_int_eq(sample_take(s, &t, now + 30, want_these, &w), 0);
	ck_assert_int_eq(find(&t, idle.pid)->state, 'S');
	kid_end(&busy);
	kid_end(&other);
	kid_end(&idle);
	sample_table_free(&t);
	sample_free(s);
}
END_TEST

/* 300 wanted among 800, every wanted row right, and the memory of idle
 * processes read a share at a time yet always equal to the kernel's: read
 * through libproc2 alone (descriptors capped at 0), which takes more than
 * one select of 255 pids, then through kept descriptors. */
START_TEST(test_three_hundred_wanted_among_many)
{
	static pid_t kids[800], wanted[300];
	struct sample_table t = { 0 };
	struct sample *s;
	struct wanted w = { wanted, 300 };
	size_t selected, reaped, kept, statm;
	const struct sample_proc *e;
	int i, mode, round, selects;

	fork_sleepers(kids, 800);
	memcpy(wanted, kids, sizeof wanted);
	qsort(wanted, 300, sizeof *wanted, cmp_pid);
	for (i = 0; i < 300; i++)
		wait_state(wanted[i], 'S');
	for (mode = 0; mode < 2; mode++) {
		s = sampler();
		if (mode == 0)
			sample_fd_cap(s, 0);
		ck_assert_int_eq(sample_take(s, &t, util_now_ms(), want_these, &w), 0);
		/* Processes other tests start meanwhile may make a reap the
		 * better choice for a round: the figures must be right either
		 * way, and some rounds must have selected. */
		for (round = selects = 0; round < 10 && selects < 3; round++) {
			msleep(20);
			ck_assert_int_eq(sample_take(s, &t, util_now_ms(), want_these, &w), 0);
			sample_counts(s, &selected, &reaped, &kept, &statm);
			ck_assert_uint_eq(kept, mode == 0 ? 0 : 300);
			if (reaped == 0) {
				if (mode == 0)
					ck_assert_uint_gt(selected, 300);
				else
					ck_assert_uint_lt(selected, 300);
				selects++;
			}
			ck_assert_uint_lt(statm, 150);
			for (i = 0; i < 300; i++) {
				e = find(&t, wanted[i]);
				ck_assert(e->wanted);
				ck_assert_int_eq(e->ppid, getpid());
				ck_assert_int_eq(e->state, 'S');
				ck_assert_uint_eq(e->start, stat_field(wanted[i], 22));
				ck_assert_uint_eq(e->rss_kib, statm_resident_kib(wanted[i]));
			}
		}
		ck_assert_int_eq(selects, 3);
		if (mode == 1)
			kill_all(kids, 800);
		ck_assert_int_eq(sample_take(s, &t, util_now_ms(), want_these, &w), 0);
		for (i = 0; i < 300 && mode == 1; i++)
			ck_assert_ptr_null(sample_find(&t, wanted[i]));
		sample_table_free(&t);
		sample_free(s);
	}
}
END_TEST

/* How many of this process's descriptors are open on a /proc/PID/stat,
 * and on pid's if pid > 0. */
static int
stat_fds(pid_t pid, int *of_pid)
{
	char path[300], link[256], want[64];
	struct dirent *d;
	int n = 0;
	ssize_t r;
	DIR *dir = opendir("/proc/self/fd");

	ck_assert_ptr_nonnull(dir);
	snprintf(want, sizeof want, "/proc/%d/stat", (int)pid);
	*of_pid = 0;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/self/fd/%s", d->d_name);
		r = readlink(path, link, sizeof link - 1);
		if (r <= 0)
			continue;
		link[r] = '\0';
		if (strncmp(link, "/proc/", 6) == 0 && r > 5 && strcmp(link + r - 5, "/stat") == 0) {
			n++;
			*of_pid += strcmp(link, want) == 0;
		}
	}
	closedir(dir);
	return n;
}

/* The kept reader and libproc2 read the same figures, for a sleeper, a
 * stopped process that has run (user and system ticks), threads, a name
 * made to fool a parser, another session and a zombie. */
START_TEST(test_kept_reader_agrees_with_libproc2)
{
	struct sample_table t = { 0 }, lib = { 0 };
	struct sample *s = sampler(), *witness = sampler();
	struct kid k[5];
	void (*fn[5])(struct kid *) = { kid_sleeper, kid_syscaller, kid_threads, kid_odd_name,
	    kid_session };
	pid_t pids[6];
	struct wanted w = { pids, 6 };
	size_t selected, reaped, kept, statm;
	const struct sample_proc *a, *b;
	struct kid zombie;
	siginfo_t si;
	int i, st, of;

	for (i = 0; i < 5; i++) {
		kid_start(&k[i], fn[i]);
		ck_assert(kid_wait(&k[i]));
		pids[i] = k[i].pid;
	}
	ck_assert_int_eq(kill(k[1].pid, SIGSTOP), 0);
	ck_assert_int_eq(waitpid(k[1].pid, &st, WUNTRACED), k[1].pid);
	kid_start(&zombie, kid_zombie);
	memset(&si, 0, sizeof si);
	ck_assert_int_eq(waitid(P_PID, (id_t)zombie.pid, &si, WEXITED | WNOWAIT), 0);
	pids[5] = zombie.pid;
	qsort(pids, 6, sizeof *pids, cmp_pid);
	for (i = 0; i < 5; i++) {
		if (i != 1)
			wait_state(k[i].pid, 'S');
	}

	ck_assert_int_eq(sample_take(s, &t, 1000, want_these, &w), 0);
	ck_assert_int_eq(stat_fds(0, &of), 6);
	ck_assert_int_eq(sample_take(s, &t, 2000, want_these, &w), 0);
	sample_counts(s, &selected, &reaped, &kept, &statm);
	ck_assert_uint_eq(kept, 6);
	ck_assert_int_eq(sample_all(witness, &lib, 2000), 0);
	for (i = 0; i < 6; i++) {
		a = find(&t, pids[i]);
		b = find(&lib, pids[i]);
		ck_assert(a->wanted);
		ck_assert_int_eq(a->ppid, b->ppid);
		ck_assert_int_eq(a->pgid, b->pgid);
		ck_assert_int_eq(a->sid, b->sid);
		ck_assert_uint_eq(a->start, b->start);
		ck_assert_int_eq(a->state, b->state);
		ck_assert_uint_eq(a->ticks, b->ticks);
		ck_assert_int_eq(a->threads, b->threads);
		ck_assert_uint_eq(a->vsz_kib, b->vsz_kib);
		ck_assert_uint_eq(a->faults, b->faults);
	}
	ck_assert_int_eq(find(&t, k[1].pid)->state, 'T');
	ck_assert_uint_gt(find(&t, k[1].pid)->ticks, 0);
	ck_assert_int_eq(find(&t, k[2].pid)->threads, 4);
	ck_assert_int_eq(find(&t, k[3].pid)->ppid, getpid());
	ck_assert_int_eq(find(&t, k[4].pid)->sid, k[4].pid);
	ck_assert_int_eq(find(&t, zombie.pid)->state, 'Z');

	for (i = 0; i < 5; i++)
		kid_end(&k[i]);
	kid_end(&zombie);
	sample_table_free(&t);
	sample_table_free(&lib);
	sample_free(s);
	sample_free(witness);
	ck_assert_int_eq(stat_fds(0, &of), 0);
}
END_TEST

/* A kept descriptor reads its own process or nothing: once the process is
 * reaped its row leaves the table and the descriptor is closed, and a
 * process that reuses the pid is read afresh (start time, 0%), never as
 * the old one. Rows no longer wanted lose their descriptors. */
START_TEST(test_kept_descriptor_follows_its_process)
{
	struct sample_table t = { 0 };
	struct sample *s = sampler();
	const struct sample_proc *e;
	size_t selected, reaped, kept, statm;
	unsigned long long old_start;
	struct wanted w = { &pid_wanted, 1 }, none = { &pid_wanted, 0 };
	struct kid k;
	int of;
	pid_t pid;

	kid_start(&k, kid_sleeper);
	ck_assert(kid_wait(&k));
	pid_wanted = k.pid;
	ck_assert_int_eq(sample_take(s, &t, 1000, want_these, &w), 0);
	ck_assert_int_eq(sample_take(s, &t, 1500, want_these, &w), 0);
	sample_counts(s, &selected, &reaped, &kept, &statm);
	ck_assert_uint_eq(kept, 1);
	ck_assert_int_eq(stat_fds(k.pid, &of), 1);
	ck_assert_int_eq(of, 1);
	old_start = find(&t, k.pid)->start;
	kid_end(&k);

	ck_assert_int_eq(sample_take(s, &t, 2000, want_these, &w), 0);
	ck_assert_ptr_null(sample_find(&t, pid_wanted));
	ck_assert_int_eq(stat_fds(0, &of), 0);

	msleep(50); /* a few ticks, so the new start time differs */
	pid = spinner_with_pid(getpid());
	if (pid == -1) {
		fprintf(stderr, "test_kept_descriptor_follows_its_process: cannot choose a pid "
		    "(%s); pid reuse not checked\n", strerror(errno));
	} else {
		ck_assert_int_eq(pid, pid_wanted);
		ck_assert_int_eq(sample_take(s, &t, 2500, want_these, &w), 0);
		e = find(&t, pid);
		ck_assert_uint_ne(e->start, old_start);
		ck_assert(e->cpu_pct == 0);
		ck_assert_int_eq(stat_fds(pid, &of), 1);
		msleep(300);
		ck_assert_int_eq(sample_take(s, &t, 2800, want_these, &w), 0);
		sample_counts(s, &selected, &reaped, &kept, &statm);
		ck_assert_uint_eq(kept, 1);
		ck_assert_double_gt(find(&t, pid)->cpu_pct, 10);
		ck_assert_int_eq(find(&t, pid)->state, 'R');
	}
	ck_assert_int_eq(sample_take(s, &t, 3000, want_these, &none), 0);
	ck_assert_int_eq(stat_fds(0, &of), 0);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	sample_table_free(&t);
	sample_free(s);
}
END_TEST

/* Past the cap on descriptors, wanted rows are read by libproc2, with the
 * same figures. */
START_TEST(test_descriptor_cap)
{
	static pid_t kids[20];
	struct sample_table t = { 0 };
	struct sample *s = sampler();
	struct wanted w = { kids, 20 };
	size_t selected, reaped, kept, statm;
	const struct sample_proc *e;
	int i, of;

	sample_fd_cap(s, 5);
	fork_sleepers(kids, 20);
	qsort(kids, 20, sizeof *kids, cmp_pid);
	for (i = 0; i < 20; i++)
		wait_state(kids[i], 'S');
	ck_assert_int_eq(sample_take(s, &t, 1000, want_these, &w), 0);
	ck_assert_int_eq(sample_take(s, &t, 2000, want_these, &w), 0);
	sample_counts(s, &selected, &reaped, &kept, &statm);
	ck_assert_uint_eq(kept, 5);
	ck_assert(reaped > 0 || selected >= 15);
	ck_assert_int_eq(stat_fds(0, &of), 5);
	for (i = 0; i < 20; i++) {
		e = find(&t, kids[i]);
		ck_assert(e->wanted);
		ck_assert_int_eq(e->state, 'S');
		ck_assert_uint_eq(e->start, stat_field(kids[i], 22));
		ck_assert_uint_eq(e->rss_kib, statm_resident_kib(kids[i]));
	}
	kill_all(kids, 20);
	sample_table_free(&t);
	sample_free(s);
	ck_assert_int_eq(stat_fds(0, &of), 0);
}
END_TEST

/* The command line of a child that ran argv, read with max bytes. */
static char *
cmdline_of(const char *const *argv, size_t max, pid_t *pidp)
{
	struct sample *s = sampler();
	struct kid k;
	char *c;

	kid_argv = argv;
	kid_start(&k, kid_exec);
	ck_assert(kid_wait(&k));
	c = procfs_cmdline(k.pid, max);
	if (pidp != NULL)
		*pidp = k.pid;
	kid_end(&k);
	sample_free(s);
	ck_assert_ptr_nonnull(c);
	return c;
}

START_TEST(test_cmdline)
{
	static const char *const abc[] = { "prog", "a", "b", "c", NULL };
	static const char *const utf[] = { "prog", "\xc3\xa9t\xc3\xa9", NULL };
	char *c;

	c = cmdline_of(abc, 4096, NULL);
	ck_assert_str_eq(c, "prog a b c");
	free(c);
	c = cmdline_of(abc, 6, NULL);
	ck_assert_str_eq(c, "prog a");
	free(c);
	c = cmdline_of(abc, 10, NULL);
	ck_assert_str_eq(c, "prog a b c");
	free(c);
	/* "prog été": never half of a character. */
	c = cmdline_of(utf, 6, NULL);
	ck_assert_str_eq(c, "prog");
	free(c);
	c = cmdline_of(utf, 7, NULL);
	ck_assert_str_eq(c, "prog \xc3\xa9");
	free(c);
	c = cmdline_of(utf, 8, NULL);
	ck_assert_str_eq(c, "prog \xc3\xa9t");
	free(c);
}
END_TEST

START_TEST(test_cmdline_zombie_kernel_gone)
{
	struct sample *s = sampler();
	struct kid k;
	siginfo_t si;
	char *c;

	kid_start(&k, kid_zombie);
	memset(&si, 0, sizeof si);
	ck_assert_int_eq(waitid(P_PID, (id_t)k.pid, &si, WEXITED | WNOWAIT), 0);
	c = procfs_cmdline(k.pid, 4096);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c, "[zombiekid]");
	free(c);
	c = procfs_cmdline(k.pid, 5);
	ck_assert_str_eq(c, "[zomb");
	free(c);
	kid_end(&k);
	errno = 0;
	ck_assert_ptr_null(procfs_cmdline(k.pid, 4096));
	ck_assert_int_ne(errno, 0);
	ck_assert_ptr_null(procfs_cmdline(-1, 4096));
	/* kthreadd, where the kernel's threads are visible. */
	if (access("/proc/2/stat", F_OK) == 0 && stat_field(2, 4) == 0) {
		c = procfs_cmdline(2, 4096);
		ck_assert_ptr_nonnull(c);
		ck_assert_str_eq(c, "[kthreadd]");
		free(c);
	}
	c = procfs_cmdline(getpid(), 4096);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(strstr(c, self_arg0));
	free(c);
	sample_free(s);
}
END_TEST

START_TEST(test_library_is_silent)
{
	struct sample_table t = { 0 };
	struct sample *s;
	char *cause = NULL, name[] = "/tmp/test_sample.XXXXXX", *c;
	int out, save1, save2;
	struct stat st;

	out = mkstemp(name);
	ck_assert_int_ge(out, 0);
	unlink(name);
	fflush(stdout);
	fflush(stderr);
	save1 = dup(1);
	save2 = dup(2);
	dup2(out, 1);
	dup2(out, 2);

	s = sample_create(&cause);
	if (s != NULL) {
		sample_all(s, &t, 1);
		sample_all(s, &t, 1);  /* no time passed */
		sample_all(s, &t, 0);  /* time went back */
		sample_find(&t, -5);
		c = procfs_cmdline(-1, 100);
		free(c);
		c = procfs_cmdline(getpid(), 0);
		free(c);
		c = procfs_cmdline(1, 3);
		free(c);
		sample_free(s);
	}
	sample_table_free(&t);
	fflush(stdout);
	fflush(stderr);

	dup2(save1, 1);
	dup2(save2, 2);
	close(save1);
	close(save2);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(fstat(out, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	close(out);
}
END_TEST

START_TEST(test_table_basics)
{
	struct sample_table t = { 0 }, empty = { 0 };
	struct sample *s = sampler();
	const struct sample_proc *e;
	char *c;
	size_t k;

	ck_assert_uint_eq(sample_hertz(), (unsigned)sysconf(_SC_CLK_TCK));
	ck_assert_ptr_null(sample_find(&empty, 1));
	ck_assert_int_eq(sample_all(s, &t, 777), 0);
	ck_assert_uint_eq(t.t_ms, 777);
	ck_assert_uint_le(t.n, t.cap);
	for (k = 1; k < t.n; k++)
		ck_assert_int_lt(t.v[k - 1].pid, t.v[k].pid);
	ck_assert_ptr_null(sample_find(&t, 0));
	ck_assert_ptr_null(sample_find(&t, -1));
	ck_assert_ptr_null(sample_find(&t, t.v[t.n - 1].pid + 1));
	ck_assert_ptr_eq(sample_find(&t, t.v[0].pid), &t.v[0]);
	e = find(&t, getpid());
	ck_assert_uint_gt(e->rss_kib, 0);
	ck_assert_uint_ge(e->vsz_kib, e->rss_kib);
	ck_assert_uint_le(e->ticks, stat_field(getpid(), 14) + stat_field(getpid(), 15));
	ck_assert_int_eq(e->pgid, getpgid(0));
	ck_assert_int_eq(e->sid, getsid(0));
	c = procfs_cmdline(getpid(), 0);
	ck_assert_str_eq(c, "");
	free(c);
	sample_table_free(&t);
	ck_assert_ptr_null(t.v);
	ck_assert_uint_eq(t.n, 0);
	sample_free(s);
	sample_free(NULL);
}
END_TEST

static Suite *
sample_suite(void)
{
	Suite *suite = suite_create("sample");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_table_basics);
	tcase_add_test(tc, test_busy_child_reads_100);
	tcase_add_test(tc, test_first_sample_reads_zero);
	tcase_add_test(tc, test_rss_100_mib);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_links_and_states);
	tcase_add_test(tc, test_gone_process_leaves_the_table);
	tcase_add_test(tc, test_reused_pid_starts_afresh);
	tcase_add_test(tc, test_delta_rules);
	tcase_add_test(tc, test_three_hundred_children);
	tcase_add_test(tc, test_only_wanted_rows_are_read);
	tcase_add_test(tc, test_three_hundred_wanted_among_many);
	tcase_add_test(tc, test_kept_reader_agrees_with_libproc2);
	tcase_add_test(tc, test_kept_descriptor_follows_its_process);
	tcase_add_test(tc, test_descriptor_cap);
	tcase_add_test(tc, test_cmdline);
	tcase_add_test(tc, test_cmdline_zombie_kernel_gone);
	tcase_add_test(tc, test_library_is_silent);
	suite_add_tcase(suite, tc);
	return suite;
}

int
main(int argc, char **argv)
{
	SRunner *sr;
	ssize_t n;
	int failed;

	if (getenv(CHILD_ENV) != NULL) {
		/* A child exec'd by kid_exec: only its command line matters. */
		n = write(atoi(getenv(CHILD_ENV)), "x", 1);
		for (;;)
			pause();
	}
	/* Resolved now: under valgrind /proc/self/exe in a child is valgrind. */
	n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
	if (n <= 0)
		return EXIT_FAILURE;
	self_exe[n] = '\0';
	self_arg0 = argc > 0 ? argv[0] : "";
	sr = srunner_create(sample_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
