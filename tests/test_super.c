/*
 * test_super.c: the supervisor driven directly, with real children: what
 * a user would see in the process list and in /proc.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "scroll.h"
#include "super.h"
#include "super-int.h"
#include "testutil.h"
#include "util.h"

struct fixture {
	struct loop *l;
	struct super *s;
	char tag[64];
	char tagenv[96];
	char *env[2];
	char lines[8192];
	size_t nended;
};

static struct fixture fx;

static void
fx_line(void *arg, struct proc *p, const struct line *l)
{
	size_t n = strlen(fx.lines);

	snprintf(fx.lines + n, sizeof fx.lines - n, "%.*s\n", (int)l->len, l->text);
}

static void
fx_event(void *arg, struct proc *p, const struct proc_event *ev)
{
	if (ev->kind == PROC_EV_ENDED)
		fx.nended++;
}

static void
fx_setup(void)
{
	struct super_hooks hooks = { .line = fx_line, .event = fx_event, .arg = NULL };
	struct super_config cfg = { .scroll_lines = 100, .scroll_bytes = 1 << 20 };

	memset(&fx, 0, sizeof fx);
	fx.l = loop_create();
	fx.s = super_create(fx.l, &cfg, &hooks);
	tu_new_tag(fx.tag, sizeof fx.tag);
	snprintf(fx.tagenv, sizeof fx.tagenv, "BROOD_TEST_TAG=%s", fx.tag);
	fx.env[0] = fx.tagenv;
}

static void
fx_teardown(void)
{
	char msg[512];
	size_t left;

	super_stop_all(fx.s);
	super_sweep(fx.s, 3000);
	super_free(fx.s);
	loop_free(fx.l);
	left = tu_survivors(fx.tag, msg, sizeof msg);
	ck_assert_msg(left == 0, "survivors: %s", msg);
}

static struct proc *
fx_add(const char *name, char *const *argv, const char *cwd, uint64_t stop_timeout_ms)
{
	struct proc_spec spec = { .name = name, .argv = argv, .cwd = cwd,
	    .env = fx.env, .stop_timeout_ms = stop_timeout_ms };
	char *cause = NULL;
	struct proc *p = super_add(fx.s, &spec, &cause);

	ck_assert_msg(p != NULL, "super_add: %s", cause);
	return p;
}

static struct proc *
fx_add_cmd(const char *name, const char *cmd)
{
	struct proc_spec spec = { .name = name, .cmd = cmd, .env = fx.env };
	char *cause = NULL;
	struct proc *p = super_add(fx.s, &spec, &cause);

	ck_assert_msg(p != NULL, "super_add: %s", cause);
	return p;
}

/* Run the loop until pred holds; false after timeout_ms. */
static bool
fx_until(bool (*pred)(struct proc *), struct proc *p, int timeout_ms)
{
	uint64_t deadline = util_now_ms() + (uint64_t)timeout_ms;

	while (!pred(p)) {
		if (util_now_ms() > deadline)
			return false;
		loop_once(fx.l, 10);
	}
	return true;
}

/* Run the loop until pid is gone: an adopted process that was killed is a
 * zombie until our SIGCHLD reaps it. */
static bool
fx_until_gone(pid_t pid, int timeout_ms)
{
	uint64_t deadline = util_now_ms() + (uint64_t)timeout_ms;

	while (tu_pid_exists(pid)) {
		if (util_now_ms() > deadline)
			return false;
		loop_once(fx.l, 10);
	}
	return true;
}

static bool
is_over(struct proc *p)
{
	return proc_state(p) == PROC_EXITED || proc_state(p) == PROC_FAILED;
}

static bool
is_running(struct proc *p)
{
	return proc_state(p) == PROC_RUNNING;
}

static bool
all_over(struct proc *p)
{
	return super_all_ended(fx.s);
}

static bool
has_output(struct proc *p)
{
	return strstr(fx.lines, "ready") != NULL;
}

static const char *
describe(struct proc *p)
{
	static char buf[256];

	proc_describe(p, buf, sizeof buf);
	return buf;
}

static bool
has_event(struct proc *p, enum proc_event_kind kind)
{
	size_t i;

	for (i = 0; i < proc_event_count(p); i++) {
		if (proc_event_get(p, i)->kind == kind)
			return true;
	}
	return false;
}

START_TEST(test_exit_status)
{
	char *a[] = { (char *)tu_helper(), (char *)"exit", (char *)"3", NULL };
	struct proc *p = fx_add("three", a, NULL, 0);

	super_start_all(fx.s);
	ck_assert(fx_until(is_over, p, 5000));
	ck_assert_str_eq(describe(p), "exited 3");
	ck_assert(proc_failed(p));
	ck_assert_int_eq(proc_exit_code(p), 3);
	ck_assert(has_event(p, PROC_EV_SPAWNED));
	ck_assert(has_event(p, PROC_EV_EXECED));
	ck_assert(has_event(p, PROC_EV_EXITED));
}
END_TEST

START_TEST(test_exec_missing)
{
	char *a[] = { (char *)"/nonexistent/brood-no-such-program", NULL };
	struct proc *p = fx_add("missing", a, NULL, 0);

	super_start_all(fx.s);
	ck_assert(fx_until(is_over, p, 5000));
	ck_assert_int_eq(proc_state(p), PROC_FAILED);
	ck_assert_str_eq(describe(p), "exec failed: No such file or directory");
	ck_assert_int_eq(proc_exit_code(p), 127);
}
END_TEST

START_TEST(test_exec_path_missing)
{
	char *a[] = { (char *)"brood-no-such-program-in-path", NULL };
	struct proc *p = fx_add("missing", a, NULL, 0);

	super_start_all(fx.s);
	ck_assert(fx_until(is_over, p, 5000));
	ck_assert_str_eq(describe(p), "exec failed: No such file or directory");
}
END_TEST

START_TEST(test_exec_not_executable)
{
	char file[256];
	char *a[] = { file, NULL };
	struct proc *p;
	FILE *f;

	tu_tmpname(file, sizeof file, "noexec");
	f = fopen(file, "w");
	fputs("#!/bin/sh\necho hi\n", f);
	fclose(f);
	chmod(file, 0644);
	p = fx_add("noexec", a, NULL, 0);
	super_start_all(fx.s);
	ck_assert(fx_until(is_over, p, 5000));
	unlink(file);
	/* root may execute anything with an x bit; this file has none. */
	ck_assert_str_eq(describe(p), "exec failed: Permission denied");
	ck_assert_int_eq(proc_exit_code(p), 126);
}
END_TEST

START_TEST(test_bad_cwd)
{
	char *a[] = { (char *)tu_helper(), (char *)"exit", (char *)"0", NULL };
	struct proc *p = fx_add("cwd", a, "/nonexistent/brood-dir", 0);

	super_start_all(fx.s);
	ck_assert(fx_until(is_over, p, 5000));
	ck_assert_str_eq(describe(p), "chdir failed: No such file or directory");
	ck_assert(proc_failed(p));
}
END_TEST

START_TEST(test_cwd_and_env)
{
	struct proc_spec spec = { .name = "env", .cmd = "pwd; echo \"tag=$BROOD_TEST_TAG\"",
	    .cwd = "/", .env = fx.env };
	char *cause = NULL, want[128];
	struct proc *p = super_add(fx.s, &spec, &cause);

	ck_assert_ptr_nonnull(p);
	super_start_all(fx.s);
	ck_assert(fx_until(is_over, p, 5000));
	ck_assert_str_eq(describe(p), "exited 0");
	snprintf(want, sizeof want, "/\ntag=%s\n", fx.tag);
	ck_assert_str_eq(fx.lines, want);
	ck_assert_uint_eq(scroll_count(proc_scroll(p)), 2);
}
END_TEST

START_TEST(test_terminate_escalates)
{
	char *a[] = { (char *)tu_helper(), (char *)"ignore-term", NULL };
	struct proc *p = fx_add("stubborn", a, NULL, 300);
	uint64_t t0;

	super_start_all(fx.s);
	ck_assert(fx_until(has_output, p, 5000));
	t0 = util_now_ms();
	proc_terminate(p);
	ck_assert_int_eq(proc_state(p), PROC_STOPPING);
	ck_assert(fx_until(is_over, p, 5000));
	ck_assert_uint_ge(util_now_ms() - t0, 290);
	ck_assert_str_eq(describe(p), "killed by SIGKILL");
	ck_assert(has_event(p, PROC_EV_ESCALATE));
	ck_assert(!proc_failed(p)); /* we asked for it */
	ck_assert(!tu_pid_exists(proc_pid(p)));
}
END_TEST

/* The leader dies at once on SIGTERM but leaves a member of its group that
 * ignores it: the stop is over only when that one is gone too. */
START_TEST(test_stop_waits_for_group)
{
	char cmd[512], file[256];
	struct proc *p;
	pid_t pids[4];

	tu_tmpname(file, sizeof file, "member");
	snprintf(cmd, sizeof cmd, "%s ignore-term & echo $! > %s; exec %s sleep 100",
	    tu_helper(), file, tu_helper());
	p = fx_add_cmd("group", cmd);
	super_start_all(fx.s);
	ck_assert_uint_eq(tu_read_pids(file, pids, 4, 5000), 1);
	ck_assert(fx_until(has_output, p, 5000));
	proc_terminate(p);
	ck_assert(fx_until(is_over, p, 10000));
	ck_assert(has_event(p, PROC_EV_ESCALATE));
	ck_assert(!tu_pid_exists(pids[0]));
	unlink(file);
}
END_TEST

START_TEST(test_kill)
{
	char *a[] = { (char *)tu_helper(), (char *)"ignore-term", NULL };
	struct proc *p = fx_add("k", a, NULL, 60000);
	uint64_t t0;

	super_start_all(fx.s);
	ck_assert(fx_until(has_output, p, 5000));
	t0 = util_now_ms();
	proc_kill(p);
	ck_assert(fx_until(is_over, p, 5000));
	ck_assert_uint_lt(util_now_ms() - t0, 2000);
	ck_assert_str_eq(describe(p), "killed by SIGKILL");
}
END_TEST

START_TEST(test_pause_resume)
{
	char *a[] = { (char *)tu_helper(), (char *)"ignore-term", NULL };
	struct proc *p = fx_add("z", a, NULL, 0);
	uint64_t deadline;

	super_start_all(fx.s);
	ck_assert(fx_until(has_output, p, 5000));
	proc_pause(p);
	ck_assert(proc_paused(p));
	ck_assert_str_eq(describe(p), "paused");
	deadline = util_now_ms() + 3000;
	while (tu_pid_state(proc_pid(p)) != 'T' && util_now_ms() < deadline)
		loop_once(fx.l, 10);
	ck_assert_int_eq(tu_pid_state(proc_pid(p)), 'T');
	proc_resume(p);
	ck_assert(!proc_paused(p));
	deadline = util_now_ms() + 3000;
	while (tu_pid_state(proc_pid(p)) == 'T' && util_now_ms() < deadline)
		loop_once(fx.l, 10);
	ck_assert_int_ne(tu_pid_state(proc_pid(p)), 'T');
	/* A paused child is continued when stopped, or SIGTERM could not act. */
	proc_pause(p);
	proc_kill(p);
	ck_assert(fx_until(is_over, p, 5000));
}
END_TEST

START_TEST(test_restart_idempotent)
{
	char *a[] = { (char *)tu_helper(), (char *)"sleep", (char *)"100", NULL };
	struct proc *p = fx_add("r", a, NULL, 0);
	pid_t first;
	int i;

	super_start_all(fx.s);
	ck_assert(fx_until(is_running, p, 5000));
	first = proc_pid(p);
	for (i = 0; i < 50; i++)
		proc_restart(p);
	ck_assert(fx_until(is_running, p, 5000));
	ck_assert_int_ne(proc_pid(p), first);
	ck_assert(!tu_pid_exists(first));
	ck_assert_uint_eq(proc_restarts(p), 1);
	/* Exactly one instance: only the new leader carries our tag. */
	{
		char msg[256];

		ck_assert_uint_eq(tu_survivors(fx.tag, msg, sizeof msg), 1);
	}
}
END_TEST

START_TEST(test_signal_leader)
{
	char *a[] = { (char *)tu_helper(), (char *)"sleep", (char *)"100", NULL };
	struct proc *p = fx_add("sig", a, NULL, 0);

	super_start_all(fx.s);
	ck_assert(fx_until(is_running, p, 5000));
	ck_assert_int_eq(proc_signal(p, SIGUSR1), 0);
	ck_assert(fx_until(is_over, p, 5000));
	ck_assert_str_eq(describe(p), "killed by SIGUSR1");
	ck_assert(proc_failed(p));
	ck_assert_int_eq(proc_signal(p, SIGUSR1), -1);
}
END_TEST

START_TEST(test_daemon_in_tree)
{
	char file[256];
	char *a[5] = { (char *)tu_helper(), (char *)"daemon", file, NULL, NULL };
	struct proc *p;
	pid_t pids[2];

	tu_tmpname(file, sizeof file, "daemon");
	p = fx_add("d", a, NULL, 0);
	super_start_all(fx.s);
	ck_assert_uint_eq(tu_read_pids(file, pids, 2, 5000), 1);
	ck_assert(tu_pid_exists(pids[0]));
	/* Re-parented to us (subreaper), in a session of its own. */
	proc_terminate(p);
	ck_assert(fx_until(is_over, p, 5000));
	ck_assert(fx_until_gone(pids[0], 2000));
	unlink(file);
}
END_TEST

/* Removing a process shifts the others; their daemons must still be found. */
START_TEST(test_remove)
{
	char file[256];
	char *quick[] = { (char *)tu_helper(), (char *)"exit", (char *)"0", NULL };
	char *d[] = { (char *)tu_helper(), (char *)"daemon", file, NULL };
	struct proc *p0, *p1;
	pid_t pids[2];

	tu_tmpname(file, sizeof file, "daemon");
	p0 = fx_add("quick", quick, NULL, 0);
	p1 = fx_add("d", d, NULL, 0);
	super_start_all(fx.s);
	ck_assert_int_eq(super_remove(fx.s, p1), -1);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert(fx_until(is_over, p0, 5000));
	ck_assert_int_eq(super_remove(fx.s, p0), 0);
	ck_assert_uint_eq(super_count(fx.s), 1);
	ck_assert_ptr_eq(super_proc(fx.s, 0), p1);
	ck_assert_uint_eq(tu_read_pids(file, pids, 2, 5000), 1);
	proc_terminate(p1);
	ck_assert(fx_until(is_over, p1, 5000));
	ck_assert(fx_until_gone(pids[0], 2000));
	unlink(file);
}
END_TEST

static struct proc *
fx_add_policy(const char *cmd, enum proc_restart restart, unsigned max,
    uint64_t first_ms)
{
	struct proc_spec spec = { .name = "policy", .cmd = cmd, .env = fx.env,
	    .restart = restart, .max_restarts = max, .backoff_first_ms = first_ms,
	    .restart_window_ms = 60000 };
	char *cause = NULL;
	struct proc *p = super_add(fx.s, &spec, &cause);

	ck_assert_msg(p != NULL, "super_add: %s", cause);
	return p;
}

static bool
is_fatal(struct proc *p)
{
	return proc_state(p) == PROC_FATAL;
}

static bool
is_backoff(struct proc *p)
{
	return proc_state(p) == PROC_BACKOFF;
}

/* The n-th event of a kind, or NULL. */
static const struct proc_event *
nth_event(struct proc *p, enum proc_event_kind kind, unsigned n)
{
	size_t i;

	for (i = 0; i < proc_event_count(p); i++) {
		const struct proc_event *ev = proc_event_get(p, i);

		if (ev->kind == kind && n-- == 0)
			return ev;
	}
	return NULL;
}

/* exited 1, restarted with a doubling delay, then given up on: FATAL. */
START_TEST(test_restart_policy_fatal)
{
	struct proc *p = fx_add_policy("exit 1", PROC_RESTART_ON_FAILURE, 2, 1000);
	const struct proc_event *b1, *b2;
	uint64_t t0 = util_now_ms();

	super_start_all(fx.s);
	ck_assert(fx_until(is_fatal, p, 10000));
	b1 = nth_event(p, PROC_EV_BACKOFF, 0);
	b2 = nth_event(p, PROC_EV_BACKOFF, 1);
	ck_assert_ptr_nonnull(b1);
	ck_assert_ptr_nonnull(b2);
	ck_assert_ptr_null(nth_event(p, PROC_EV_BACKOFF, 2));
	ck_assert_uint_eq(b1->attempt, 1);
	ck_assert_uint_eq(b1->max, 2);
	ck_assert_uint_eq(b1->delay_ms, 1000);
	ck_assert_uint_eq(b2->attempt, 2);
	ck_assert_uint_eq(b2->delay_ms, 2000);
	ck_assert_ptr_nonnull(nth_event(p, PROC_EV_FATAL, 0));
	ck_assert_uint_ge(util_now_ms() - t0, 3000);
	ck_assert_uint_eq(proc_restarts(p), 2);
	ck_assert(proc_failed(p));
	ck_assert_str_eq(describe(p), "FATAL: 2 restarts in 60s, exited 1");
	/* A restart by hand starts counting afresh. */
	proc_restart(p);
	ck_assert(fx_until(is_backoff, p, 5000));
	ck_assert_uint_eq(proc_restarts(p), 3);
}
END_TEST

START_TEST(test_restart_policy_success_stays)
{
	struct proc *p = fx_add_policy("exit 0", PROC_RESTART_ON_FAILURE, 0, 0);

	super_start_all(fx.s);
	ck_assert(fx_until(is_over, p, 5000));
	ck_assert_ptr_null(nth_event(p, PROC_EV_BACKOFF, 0));
	ck_assert_str_eq(describe(p), "exited 0");
}
END_TEST

/* always: even a clean exit restarts, never sooner than 1 s after the
 * last spawn; stopping it while it waits keeps it down. */
START_TEST(test_restart_policy_always_floor_and_stop)
{
	struct proc *p = fx_add_policy("exit 0", PROC_RESTART_ALWAYS, 0, 1);
	const struct proc_event *b;

	super_start_all(fx.s);
	ck_assert(fx_until(is_backoff, p, 5000));
	b = nth_event(p, PROC_EV_BACKOFF, 0);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_ge(b->delay_ms, 800);
	proc_terminate(p);
	ck_assert_int_eq(proc_state(p), PROC_EXITED);
	ck_assert(super_all_ended(fx.s));
	/* Nothing starts it again behind our back. */
	{
		uint64_t end = util_now_ms() + 1500;

		while (util_now_ms() < end)
			loop_once(fx.l, 10);
	}
	ck_assert_int_eq(proc_state(p), PROC_EXITED);
	ck_assert_uint_eq(proc_restarts(p), 0);
}
END_TEST

static struct proc *
fx_add_spec(struct proc_spec *spec)
{
	char *cause = NULL;
	struct proc *p;

	spec->env = fx.env;
	p = super_add(fx.s, spec, &cause);
	ck_assert_msg(p != NULL, "super_add: %s", cause);
	return p;
}

static void
fx_run_to_end(struct proc *p)
{
	super_start_all(fx.s);
	ck_assert(fx_until(is_over, p, 10000));
}

START_TEST(test_limits_and_nice)
{
	struct proc_spec spec = { .name = "lim",
	    .cmd = "ulimit -n; ulimit -c; cut -d' ' -f19 /proc/self/stat",
	    .limits = { -1, -1, 64, 0 }, .nice_set = true, .nice = 10 };
	struct proc *p = fx_add_spec(&spec);

	fx_run_to_end(p);
	if (tu_valgrind()) /* the open files limit never reaches the child */
		ck_assert_str_eq(strchr(fx.lines, '\n'), "\n0\n10\n");
	else
		ck_assert_str_eq(fx.lines, "64\n0\n10\n");
}
END_TEST

START_TEST(test_clear_env_and_color)
{
	static char *const allow[] = { (char *)"PATH", NULL };
	struct proc_spec spec = { .name = "env",
	    .cmd = "echo \"home=${HOME-unset} path=${PATH:+set} force=$FORCE_COLOR$CLICOLOR_FORCE\"",
	    .clear_env = true, .allow_env = allow, .color_force = true };
	struct proc *p = fx_add_spec(&spec);

	fx_run_to_end(p);
	ck_assert_str_eq(fx.lines, "home=unset path=set force=11\n");
}
END_TEST

START_TEST(test_timeout_is_a_failure)
{
	struct proc_spec spec = { .name = "slow", .cmd = "exec sleep 10", .timeout_ms = 300 };
	struct proc *p = fx_add_spec(&spec);
	uint64_t t0 = util_now_ms();

	fx_run_to_end(p);
	ck_assert_uint_lt(util_now_ms() - t0, 3000);
	ck_assert(has_event(p, PROC_EV_TIMEOUT));
	ck_assert_str_eq(describe(p), "killed by SIGTERM");
	ck_assert(proc_failed(p));
}
END_TEST

START_TEST(test_log_file)
{
	char file[256], buf[256] = "";
	struct proc_spec spec = { .name = "log", .cmd = "echo first; printf 'second\\033[31m red\\n'" };
	struct proc *p;
	FILE *f;
	size_t n;

	tu_tmpname(file, sizeof file, "log");
	spec.log = file;
	p = fx_add_spec(&spec);
	fx_run_to_end(p);
	f = fopen(file, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(file);
	/* The same sanitized text the screen shows: no escape in the file. */
	ck_assert_str_eq(buf, "first\nsecond red\n");
}
END_TEST

START_TEST(test_user_and_group)
{
	struct proc_spec spec = { .name = "who", .cmd = "id -un; id -gn", .user = "nobody",
	    .group = "nogroup" };
	struct proc_spec bad = { .name = "bad", .cmd = "true", .user = "brood-no-such-user" };
	char *cause = NULL;
	struct proc *p;

	if (geteuid() != 0) {
		ck_assert_ptr_null(super_add(fx.s, &spec, &cause));
		ck_assert_str_eq(cause, "who: user and group need brood to run as root");
		free(cause);
		return;
	}
	ck_assert_ptr_null(super_add(fx.s, &bad, &cause));
	ck_assert_str_eq(cause, "bad: no user called 'brood-no-such-user'");
	free(cause);
	p = fx_add_spec(&spec);
	fx_run_to_end(p);
	ck_assert_str_eq(fx.lines, "nobody\nnogroup\n");
}
END_TEST

/* When an event of kind first happened to p; 0 if never. */
static uint64_t
event_time(struct proc *p, enum proc_event_kind kind)
{
	const struct proc_event *ev = nth_event(p, kind, 0);

	return ev != NULL ? ev->t_ms : 0;
}

static struct proc *
fx_add_dep(const char *name, const char *cmd, const char *on, enum proc_dep_cond cond)
{
	struct proc_dep dep = { (char *)on, cond };
	struct proc_spec spec = { .name = name, .cmd = cmd, .deps = on != NULL ? &dep : NULL,
	    .ndeps = on != NULL ? 1 : 0 };

	return fx_add_spec(&spec);
}

static bool
is_running_or_over(struct proc *p)
{
	return proc_state(p) == PROC_RUNNING || is_over(p);
}

START_TEST(test_depends_ready_log)
{
	struct proc_spec db = { .name = "db",
	    .cmd = "echo warming up; sleep 0.4; echo ready to accept connections; exec sleep 100",
	    .ready = { .kind = PROC_READY_LOG, .pattern = (char *)"ready to accept" } };
	struct proc *pdb = fx_add_spec(&db);
	struct proc *web = fx_add_dep("web", "echo serving; exec sleep 100", "db", PROC_DEP_READY);
	char what[128];

	super_start_all(fx.s);
	ck_assert_int_eq(proc_state(web), PROC_WAITING);
	proc_waiting_for(web, what, sizeof what);
	ck_assert_str_eq(what, "db ready");
	ck_assert(fx_until(is_running, web, 5000));
	ck_assert(proc_ready(pdb));
	ck_assert_uint_ge(event_time(web, PROC_EV_SPAWNED), event_time(pdb, PROC_EV_READY));
	ck_assert_uint_ge(event_time(pdb, PROC_EV_READY) - event_time(pdb, PROC_EV_SPAWNED), 350);
	/* Stopping everything: web first, db once web is gone. */
	super_stop_all(fx.s);
	ck_assert(fx_until(all_over, NULL, 10000));
	ck_assert_uint_ge(event_time(pdb, PROC_EV_STOP), event_time(web, PROC_EV_ENDED));
}
END_TEST

START_TEST(test_depends_ready_tcp_and_cmd)
{
	char listen_cmd[256], file[256], make_cmd[512], probe[300];
	int port = 20000 + (int)(getpid() % 20000);
	struct proc_spec tcp = { .name = "tcp", .ready = { .kind = PROC_READY_TCP, .port = port,
	    .period_ms = 100 } };
	struct proc_spec cmd = { .name = "cmd", .ready = { .kind = PROC_READY_CMD,
	    .period_ms = 100 } };
	struct proc *ptcp, *pcmd, *a, *b;

	snprintf(listen_cmd, sizeof listen_cmd, "%s listen %d 0.3", tu_helper(), port);
	tcp.cmd = listen_cmd;
	tu_tmpname(file, sizeof file, "flag");
	snprintf(make_cmd, sizeof make_cmd, "sleep 0.3; touch %s; exec sleep 100", file);
	snprintf(probe, sizeof probe, "test -f %s", file);
	cmd.cmd = make_cmd;
	cmd.ready.cmd = probe;
	ptcp = fx_add_spec(&tcp);
	pcmd = fx_add_spec(&cmd);
	a = fx_add_dep("a", "exec sleep 100", "tcp", PROC_DEP_READY);
	b = fx_add_dep("b", "exec sleep 100", "cmd", PROC_DEP_READY);
	super_start_all(fx.s);
	ck_assert(fx_until(is_running, a, 5000));
	ck_assert(fx_until(is_running, b, 5000));
	ck_assert(proc_ready(ptcp));
	ck_assert(proc_ready(pcmd));
	ck_assert_uint_ge(event_time(ptcp, PROC_EV_READY) - event_time(ptcp, PROC_EV_SPAWNED), 250);
	ck_assert_uint_ge(event_time(pcmd, PROC_EV_READY) - event_time(pcmd, PROC_EV_SPAWNED), 250);
	unlink(file);
}
END_TEST

START_TEST(test_depends_succeeded_and_blocked)
{
	struct proc *migrate = fx_add_dep("migrate", "sleep 0.2; exit 0", NULL, 0);
	struct proc *app = fx_add_dep("app", "echo app; exec sleep 100", "migrate",
	    PROC_DEP_SUCCEEDED);
	struct proc *broken = fx_add_dep("broken", "exit 3", NULL, 0);
	struct proc *after = fx_add_dep("after", "echo never", "broken", PROC_DEP_SUCCEEDED);

	super_start_all(fx.s);
	ck_assert(fx_until(is_running, app, 5000));
	ck_assert_uint_ge(event_time(app, PROC_EV_SPAWNED), event_time(migrate, PROC_EV_ENDED));
	ck_assert(fx_until(is_over, after, 5000));
	ck_assert_int_eq(proc_state(after), PROC_FAILED);
	ck_assert_str_eq(describe(after), "not started: broken succeeded (exited 3)");
	ck_assert_int_eq(event_time(after, PROC_EV_SPAWNED), 0);
	ck_assert(proc_failed(after));
	(void)broken;
}
END_TEST

START_TEST(test_depends_not_ready_in_time)
{
	struct proc_spec quiet = { .name = "quiet", .cmd = "exec sleep 100",
	    .ready = { .kind = PROC_READY_LOG, .pattern = (char *)"never", .timeout_ms = 300 } };
	struct proc *q = fx_add_spec(&quiet);
	struct proc *w = fx_add_dep("w", "echo never", "quiet", PROC_DEP_READY);

	super_start_all(fx.s);
	ck_assert(fx_until(is_over, w, 5000));
	ck_assert(has_event(q, PROC_EV_NOT_READY));
	ck_assert_str_eq(describe(w), "not started: quiet ready (not ready in time)");
	ck_assert(is_running_or_over(q));
}
END_TEST

/* The policy on an injected clock: delays double up to the cap, never
 * under 1 s after the last spawn; the window forgets old restarts; a long
 * run resets the delay; too many in the window is FATAL. */
START_TEST(test_backoff_injected_clock)
{
	struct proc_spec spec = { .name = "clock", .cmd = "true", .restart = PROC_RESTART_ALWAYS,
	    .backoff_first_ms = 2000, .backoff_max_ms = 10000, .max_restarts = 4,
	    .restart_window_ms = 60000 };
	struct proc *p = fx_add_spec(&spec);
	uint64_t t = 1000000, d = 0;

	p->state = PROC_EXITED;
	p->started_ms = t;
	p->ended_ms = t + 100;
	p->last_spawn_ms = t;
	ck_assert_int_eq(proc_policy_decide(p, t + 100, &d), PROC_BACKOFF);
	ck_assert_uint_eq(d, 2000);
	ck_assert_int_eq(proc_policy_decide(p, t + 200, &d), PROC_BACKOFF);
	ck_assert_uint_eq(d, 4000);
	ck_assert_int_eq(proc_policy_decide(p, t + 300, &d), PROC_BACKOFF);
	ck_assert_uint_eq(d, 8000);
	ck_assert_int_eq(proc_policy_decide(p, t + 400, &d), PROC_BACKOFF);
	ck_assert_uint_eq(d, 10000); /* capped */
	/* Four restarts within the minute: the fifth is FATAL. */
	ck_assert_int_eq(proc_policy_decide(p, t + 500, &d), PROC_FATAL);
	/* Two minutes later the window is empty again, and a run as long as
	 * the window resets the delay to the first. */
	p->started_ms = t + 60000;
	p->ended_ms = t + 125000;
	p->last_spawn_ms = p->started_ms;
	ck_assert_int_eq(proc_policy_decide(p, t + 125000, &d), PROC_BACKOFF);
	ck_assert_uint_eq(d, 2000);
	/* The floor: a first delay of 1 ms still waits 1 s after the spawn. */
	p->backoff_first_ms = 1;
	p->backoff_step = 0;
	p->last_spawn_ms = t + 200000;
	p->started_ms = t + 200000;
	p->ended_ms = t + 200100;
	ck_assert_int_eq(proc_policy_decide(p, t + 200100, &d), PROC_BACKOFF);
	ck_assert_uint_eq(d, 900);
	/* A process that asked to stop, or succeeded under on-failure, stays. */
	p->restart = PROC_RESTART_ON_FAILURE;
	p->wstatus = 0;
	ck_assert_int_eq(proc_policy_decide(p, t + 300000, &d), PROC_EXITED);
}
END_TEST

START_TEST(test_two_hundred)
{
	char *a[] = { (char *)tu_helper(), (char *)"exit", (char *)"0", NULL };
	size_t i;

	for (i = 0; i < 200; i++) {
		char name[16];

		snprintf(name, sizeof name, "p%zu", i);
		fx_add(name, a, NULL, 0);
	}
	super_start_all(fx.s);
	ck_assert(fx_until(all_over, NULL, 20000));
	ck_assert_uint_eq(fx.nended, 200);
	for (i = 0; i < 200; i++)
		ck_assert_str_eq(describe(super_proc(fx.s, i)), "exited 0");
	/* Reaped: no zombie child of ours. */
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

/* A process ends and its pid goes to the next one started (set through
 * ns_last_pid): the new leader's group and session belong to the new
 * process alone, and the old one, ended, owns and stops nothing. */
START_TEST(test_reused_pid_owner)
{
	char file[256];
	char *quick[] = { (char *)tu_helper(), (char *)"exit", (char *)"0", NULL };
	char *tree[] = { (char *)tu_helper(), (char *)"tree", (char *)"2", file, NULL };
	struct proc *old, *p;
	pid_t pids[2];

	tu_tmpname(file, sizeof file, "tree");
	old = fx_add("old", quick, NULL, 0);
	p = fx_add("new", tree, NULL, 0);
	proc_start(old);
	ck_assert(fx_until(is_over, old, 5000));
	if (!tu_set_last_pid(proc_pid(old) - 1)) {
		fprintf(stderr, "skipped: /proc/sys/kernel/ns_last_pid cannot be written here\n");
		return;
	}
	proc_start(p);
	if (proc_pid(p) != proc_pid(old)) {
		fprintf(stderr, "skipped: another process took pid %d first\n", (int)proc_pid(old));
		return;
	}
	ck_assert_uint_eq(tu_read_pids(file, pids, 2, 5000), 2);
	super_tree_update(fx.s);
	ck_assert_uint_eq(proc_tree_count(p), 3);
	ck_assert_uint_eq(proc_tree_count(old), 0);
	/* Stopping everything stops the new one through its own proc. */
	super_stop_all(fx.s);
	ck_assert(fx_until(all_over, p, 5000));
	ck_assert_str_eq(describe(p), "killed by SIGTERM");
	ck_assert(fx_until_gone(pids[0], 2000) && fx_until_gone(pids[1], 2000));
	ck_assert(!has_event(old, PROC_EV_STOP));
	unlink(file);
}
END_TEST

/* A stop given at every moment of a short life: before exec is confirmed,
 * as the child exits, after its exit but before it is reaped. Every one
 * ends, as exited 0 or killed by SIGTERM, with nothing left. */
START_TEST(test_stop_races_exit)
{
	char *quick[] = { (char *)tu_helper(), (char *)"exit", (char *)"0", NULL };
	struct proc *p = fx_add("quick", quick, NULL, 0);
	int round;

	for (round = 0; round < 60; round++) {
		const char *what;

		proc_start(p);
		/* Let the loop run a varying number of turns first. */
		for (int k = 0; k < round % 6; k++)
			loop_once(fx.l, round % 3);
		if (round % 5 == 4)
			usleep(2000); /* exited, not reaped yet */
		proc_terminate(p);
		ck_assert_msg(fx_until(is_over, p, 5000), "round %d: %s", round, describe(p));
		what = describe(p);
		ck_assert_msg(strcmp(what, "exited 0") == 0 || strcmp(what, "killed by SIGTERM") == 0,
		    "round %d: %s", round, what);
		ck_assert(!proc_failed(p));
	}
}
END_TEST

int
main(void)
{
	TCase *tc;
	Suite *s = tu_suite("super", &tc, fx_setup, fx_teardown, 60);

	tcase_add_test(tc, test_exit_status);
	tcase_add_test(tc, test_exec_missing);
	tcase_add_test(tc, test_exec_path_missing);
	tcase_add_test(tc, test_exec_not_executable);
	tcase_add_test(tc, test_bad_cwd);
	tcase_add_test(tc, test_cwd_and_env);
	tcase_add_test(tc, test_terminate_escalates);
	tcase_add_test(tc, test_stop_waits_for_group);
	tcase_add_test(tc, test_kill);
	tcase_add_test(tc, test_pause_resume);
	tcase_add_test(tc, test_restart_idempotent);
	tcase_add_test(tc, test_signal_leader);
	tcase_add_test(tc, test_daemon_in_tree);
	tcase_add_test(tc, test_remove);
	tcase_add_test(tc, test_restart_policy_fatal);
	tcase_add_test(tc, test_restart_policy_success_stays);
	tcase_add_test(tc, test_restart_policy_always_floor_and_stop);
	tcase_add_test(tc, test_limits_and_nice);
	tcase_add_test(tc, test_clear_env_and_color);
	tcase_add_test(tc, test_timeout_is_a_failure);
	tcase_add_test(tc, test_log_file);
	tcase_add_test(tc, test_user_and_group);
	tcase_add_test(tc, test_depends_ready_log);
	tcase_add_test(tc, test_depends_ready_tcp_and_cmd);
	tcase_add_test(tc, test_depends_succeeded_and_blocked);
	tcase_add_test(tc, test_depends_not_ready_in_time);
	tcase_add_test(tc, test_backoff_injected_clock);
	tcase_add_test(tc, test_two_hundred);
	tcase_add_test(tc, test_reused_pid_owner);
	tcase_add_test(tc, test_stop_races_exit);
	return tu_run_suite(s);
}
