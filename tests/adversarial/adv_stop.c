/*
 * adv_stop.c: children that resist stopping, or die at the worst moment.
 * SIGTERM ignored, a leader that leaves a stubborn group member behind,
 * shell wrappers, a double-forked daemon, a stopped (SIGSTOP) child, a
 * fork loop, stops racing natural exits, a crash loop under restart:
 * always, 500 children ending at once, and a stranger that inherited the
 * pid of a child that has ended. Each stop must end with nothing left and
 * nothing more killed than brood's own, in about the time it should take.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static struct tu_proc tp;

static void
teardown(void)
{
	tu_free(&tp);
}

/* Start brood on args (NULL-terminated, brood not included). */
static void
start(const char *first, ...)
{
	const char *argv[64];
	size_t n = 0;
	va_list ap;

	argv[n++] = tu_brood();
	va_start(ap, first);
	for (const char *a = first; a != NULL && n < 63; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	tu_free(&tp);
	tu_start(&tp, argv);
}

#define wait_out(needle, ms) \
	ck_assert_msg(tu_wait_for(&tp, (needle), (ms)), "no '%s' within %d ms:\n%s\nstderr:\n%s", \
	    (needle), (ms), tp.out, tp.err)

/* Signal brood and let it finish within timeout_ms; how long it took. */
static long
stop_brood(int sig, int timeout_ms)
{
	long t0 = tu_now_ms();

	kill(tp.pid, sig);
	ck_assert_msg(tu_finish(&tp, timeout_ms), "brood did not stop:\n%s\nstderr:\n%s", tp.out,
	    tp.err);
	tu_assert_no_survivors(&tp);
	ck_assert_msg(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 128 + sig,
	    "status 0x%x:\n%s", tp.status, tp.out);
	return tu_now_ms() - t0;
}

/* The position of line in stdout (which must hold it). */
static const char *
line_at(const char *line)
{
	const char *p = strstr(tp.out, line);

	ck_assert_msg(p != NULL, "no '%s' in:\n%s", line, tp.out);
	return p;
}

START_TEST(test_term_ignored)
{
	long took;

	start("--no-summary", "--stop-timeout", "0.5", "-n", "s", tu_h(0, "ignore-term"), NULL);
	wait_out("s | ready", 5000);
	took = stop_brood(SIGTERM, 5000);
	ck_assert_msg(took >= 450, "SIGKILL came after %ld ms, before the stop timeout", took);
	/* Told, then ended, in that order. */
	ck_assert(line_at("s | still running after the stop timeout: sent SIGKILL") <
	    line_at("s | killed by SIGKILL"));
}
END_TEST

START_TEST(test_leader_leaves_stubborn_member)
{
	char cmd[512];
	long took;

	/* The leader dies of SIGTERM at once; a member of its group ignores
	 * it. The process is stopped only when the member is gone too. */
	snprintf(cmd, sizeof cmd, "%s ignore-term & exec %s sleep 60", tu_helper(), tu_helper());
	start("--no-summary", "--stop-timeout", "0.6", "-n", "g", cmd, NULL);
	wait_out("g | ready", 5000);
	took = stop_brood(SIGTERM, 5000);
	ck_assert_msg(took >= 550, "stopped after %ld ms: the member was not waited for", took);
	ck_assert(line_at("g | still running after the stop timeout: sent SIGKILL") <
	    line_at("g | killed by SIGTERM"));
}
END_TEST

START_TEST(test_shell_wrappers)
{
	char nested[512], trapped[512], waits[512];
	long took;

	/* sh in sh, a wrapper that ignores TERM for itself and its child, and
	 * one that waits on a background job: nothing of them survives, and
	 * nothing runs after the stop ("after" is never printed). */
	snprintf(nested, sizeof nested, "sh -c '%s sleep 60; echo after'; echo after", tu_helper());
	snprintf(trapped, sizeof trapped, "trap '' TERM; %s sleep 60; echo after", tu_helper());
	snprintf(waits, sizeof waits, "%s sleep 60 & wait; echo after", tu_helper());
	start("--no-summary", "--stop-timeout", "0.5", "-n", "nested,trapped,waits",
	    nested, trapped, waits, NULL);
	/* Wait until every sleep runs: the tag counts brood, 3 shells, the
	 * inner shell and 3 sleeps. */
	ck_assert(tu_wait_tagged(tp.tag, 8, 5000));
	took = stop_brood(SIGTERM, 5000);
	ck_assert_msg(tu_count_suffix(tp.out, "| after") == 0, "a wrapper went on after the stop:\n%s",
	    tp.out);
	tu_assert_line(&tp, "nested  | killed by SIGTERM");
	tu_assert_line(&tp, "waits   | killed by SIGTERM");
	tu_assert_line(&tp, "trapped | still running after the stop timeout: sent SIGKILL");
	tu_assert_line(&tp, "trapped | killed by SIGKILL");
	ck_assert_msg(took < 3000, "took %ld ms", took);
}
END_TEST

START_TEST(test_daemon_ignoring_term)
{
	char file[256], cmd[512];
	pid_t daemon[2];

	/* A double-forked setsid daemon that ignores SIGTERM (inherited
	 * through exec): found by its marker, killed after the timeout. */
	tu_tmpname(file, sizeof file, "daemon");
	snprintf(cmd, sizeof cmd, "trap '' TERM; exec %s daemon %s", tu_helper(), file);
	start("--no-summary", "--stop-timeout", "0.5", "-n", "d", cmd, NULL);
	wait_out("d | daemonized", 5000);
	ck_assert_uint_eq(tu_read_pids(file, daemon, 2, 5000), 1);
	stop_brood(SIGTERM, 5000);
	ck_assert(!tu_pid_exists(daemon[0]));
	tu_assert_line(&tp, "d | still running after the stop timeout: sent SIGKILL");
	unlink(file);
}
END_TEST

START_TEST(test_stopped_child)
{
	char leader[1024], member[256];
	pid_t pids[2];
	long took;

	/* Stopped by someone else (the leader, and a member of its group): a
	 * stopped process cannot act on SIGTERM until it is continued. */
	tu_tmpname(member, sizeof member, "member");
	snprintf(leader, sizeof leader, "%s tree 1 %s & echo pid $$; exec %s sleep 60",
	    tu_helper(), member, tu_helper());
	start("--no-summary", "--stop-timeout", "20", "-n", "s", leader, NULL);
	wait_out("s | tree ready", 5000);
	wait_out("s | pid ", 5000);
	ck_assert_uint_eq(tu_read_pids(member, pids + 1, 1, 5000), 1);
	ck_assert(sscanf(strstr(tp.out, "s | pid ") + 8, "%d", &pids[0]) == 1);
	kill(pids[0], SIGSTOP);
	kill(pids[1], SIGSTOP);
	for (long end = tu_now_ms() + 5000; tu_now_ms() < end &&
	    (tu_pid_state(pids[0]) != 'T' || tu_pid_state(pids[1]) != 'T');)
		usleep(10000);
	took = stop_brood(SIGTERM, 5000);
	ck_assert_msg(took < 3000, "took %ld ms: the stop waited for the timeout", took);
	tu_assert_line(&tp, "s | killed by SIGTERM");
	unlink(member);
}
END_TEST

START_TEST(test_fork_loop)
{
	char msg[64];
	long took, deadline;
	int round;

	/* A loop forking for as long as it lives: orphans in its group, and
	 * orphans in sessions of their own that brood adopts. A child that
	 * calls setsid between brood's snapshot and the group's kill() misses
	 * the group's signal: only a look after the kill finds it, and without
	 * one it waits for SIGKILL at the stop timeout (3 s). That race is
	 * lost about one stop in four, so it is run several times. */
	for (round = 0; round < 5; round++) {
		start("--no-summary", "--stop-timeout", "3", "-n", "loop,sessions",
		    "echo looping; while :; do (sleep 30 &); sleep 0.005; done",
		    "echo looping; while :; do setsid sleep 30 & sleep 0.005; done", NULL);
		wait_out("loop     | looping", 5000);
		wait_out("sessions | looping", 5000);
		/* Stopped once both loops have left orphans about. */
		deadline = tu_now_ms() + 5000;
		while (tu_survivors(tp.tag, msg, sizeof msg) < 20 && tu_now_ms() < deadline)
			usleep(10000);
		took = stop_brood(SIGTERM, 10000);
		tu_assert_line(&tp, "loop     | killed by SIGTERM");
		tu_assert_line(&tp, "sessions | killed by SIGTERM");
		ck_assert_msg(took < 1500, "round %d took %ld ms", round, took);
	}
}
END_TEST

START_TEST(test_stop_races_exit)
{
	const char *argv[24];
	size_t n, i;
	int round;

	/* Ten children that end on their own just as brood is told to stop
	 * them: each is either exited 0 or killed by SIGTERM, never both,
	 * never stuck. (test_super does the same to one process, at every
	 * step of its life.) */
	for (round = 0; round < 8; round++) {
		n = 0;
		argv[n++] = tu_brood();
		argv[n++] = "--no-summary";
		for (i = 0; i < 10; i++)
			argv[n++] = tu_h((unsigned)i, i % 2 ? "sleep 0.2" : "sleep 0.21");
		argv[n] = NULL;
		tu_free(&tp);
		tu_start(&tp, argv);
		usleep(180000 + (useconds_t)round * 6000);
		kill(tp.pid, SIGTERM);
		ck_assert_msg(tu_finish(&tp, 5000), "round %d: brood hung:\n%s", round, tp.out);
		tu_assert_no_survivors(&tp);
		/* brood may have finished before the signal (0), or be ending
		 * when it comes, its work done, and die of it. */
		ck_assert_msg((WIFEXITED(tp.status) && (WEXITSTATUS(tp.status) == 143 ||
		    WEXITSTATUS(tp.status) == 0)) ||
		    (WIFSIGNALED(tp.status) && WTERMSIG(tp.status) == SIGTERM), "status 0x%x",
		    tp.status);
		ck_assert_msg(tu_count_suffix(tp.out, "| exited 0") +
		    tu_count_suffix(tp.out, "| killed by SIGTERM") == 10, "round %d:\n%s", round, tp.out);
	}
}
END_TEST

START_TEST(test_crash_loop)
{
	char dir[256], path[300], yaml[1024];
	long t[3];
	int i;
	FILE *f;

	/* restart: always, a process that crashes at once: restarted no sooner
	 * than a second apart, then given up on, visibly. */
	tu_tmpname(dir, sizeof dir, "crash");
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(yaml, sizeof yaml,
	    "processes:\n"
	    "  c:\n"
	    "    cmd: echo crash; exec %s raise 11\n"
	    "    restart: always\n"
	    "    backoff: { first: 1s, max: 1s }\n"
	    "    max_restarts: 2\n", tu_helper());
	snprintf(path, sizeof path, "%s/brood.yaml", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(yaml, f);
	fclose(f);
	start("--no-summary", "-c", path, NULL);
	for (i = 0; i < 3; i++) {
		ck_assert_msg(tu_wait_count(&tp, "c | crash", (size_t)i + 1, 5000), "run %d:\n%s", i + 1,
		    tp.out);
		t[i] = tu_now_ms();
	}
	ck_assert(tu_finish(&tp, 5000));
	tu_assert_no_survivors(&tp);
	ck_assert_int_eq(WEXITSTATUS(tp.status), 139);
	ck_assert_msg(t[1] - t[0] >= 900 && t[2] - t[1] >= 900, "restarted after %ld and %ld ms",
	    t[1] - t[0], t[2] - t[1]);
	ck_assert_uint_eq(tu_count_lines(tp.out, "c | killed by SIGSEGV"), 3);
	tu_assert_line(&tp, "c | restart 1 of 2 in 1.0s");
	tu_assert_line(&tp, "c | restart 2 of 2 in 1.0s");
	tu_assert_line(&tp, "c | FATAL: 2 restarts in 60s, killed by SIGSEGV");
	/* FATAL is the last word. */
	ck_assert_str_eq(line_at("c | FATAL"), "c | FATAL: 2 restarts in 60s, killed by SIGSEGV\n");
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_five_hundred_at_once)
{
	static const char *argv[520];
	char fifo[256], line[64], args[300];
	size_t n = 0, i;
	int fd;

	/* 500 children wait on one FIFO and exit together when it opens, each
	 * with its own status; a sixth hundred-and-first keeps brood alive so
	 * that its zombies can be counted. The FIFO stays open until all have
	 * ended: a child still on its way to open() when it was closed would
	 * wait for a writer for ever. */
	tu_tmpname(fifo, sizeof fifo, "fifo");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	argv[n++] = tu_brood();
	argv[n++] = "--no-summary";
	argv[n++] = tu_h(15, "sleep 60");
	for (i = 2; i <= 501; i++) {
		snprintf(args, sizeof args, "%s fifo-exit %s %zu", tu_helper(), fifo, i % 200);
		argv[n++] = strdup(args);
	}
	argv[n] = NULL;
	tu_start(&tp, argv);
	/* brood, the keeper and 500 waiting children. */
	ck_assert_msg(tu_wait_tagged(tp.tag, 502, 20000), "not all 500 started");
	fd = open(fifo, O_WRONLY);
	ck_assert_int_ne(fd, -1);
	for (long end = tu_now_ms() + 20000; tu_count_prefix(tp.out, "helper") < 500;) {
		ck_assert_msg(tu_now_ms() < end, "%zu ended:\n%s", tu_count_prefix(tp.out, "helper"),
		    tu_tail(tp.out, 2000));
		tu_read_some(&tp, 20);
	}
	close(fd);
	for (i = 2; i <= 501; i++) {
		snprintf(line, sizeof line, "helper.%-3zu | exited %zu", i, i % 200);
		tu_assert_line(&tp, line);
	}
	/* All reaped while brood runs on. */
	for (long end = tu_now_ms() + 2000; tu_zombies_of(tp.pid) > 0 && tu_now_ms() < end;)
		usleep(10000);
	ck_assert_uint_eq(tu_zombies_of(tp.pid), 0);
	stop_brood(SIGTERM, 5000);
	tu_assert_line(&tp, "helper     | killed by SIGTERM");
	for (i = 3; i < n; i++)
		free((char *)argv[i]);
	unlink(fifo);
}
END_TEST

START_TEST(test_reused_pid_not_signalled)
{
	pid_t old, stranger;
	int status;

	/* A child ends; its pid is handed to an unrelated process that leads
	 * a session of its own (as any daemon or login shell does). Stopping
	 * everything must not touch it: it is nobody brood started. */
	start("--no-summary", "--stop-timeout", "0.3", "-n", "gone,keeper", "echo pid $$",
	    tu_h(0, "sleep 60"), NULL);
	wait_out("gone   | exited 0", 5000);
	ck_assert(sscanf(line_at("gone   | pid ") + 13, "%d", &old) == 1);
	stranger = tu_fork_at(old);
	if (stranger == -1) {
		fprintf(stderr, "skipped: cannot give pid %d to a new process here "
		    "(needs root and a writable /proc/sys/kernel/ns_last_pid)\n", (int)old);
		stop_brood(SIGTERM, 5000);
		return;
	}
	stop_brood(SIGTERM, 5000);
	ck_assert_msg(tu_pid_state(stranger) != 0 && tu_pid_state(stranger) != 'Z',
	    "brood killed pid %d, a stranger that reused the pid of its child", (int)stranger);
	kill(stranger, SIGKILL);
	waitpid(stranger, &status, 0);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "the stranger died of status 0x%x before the test killed it", status);
}
END_TEST

int
main(void)
{
	TCase *tc;
	Suite *s = tu_suite("adv_stop", &tc, NULL, teardown, 60);

	tcase_add_test(tc, test_term_ignored);
	tcase_add_test(tc, test_leader_leaves_stubborn_member);
	tcase_add_test(tc, test_shell_wrappers);
	tcase_add_test(tc, test_daemon_ignoring_term);
	tcase_add_test(tc, test_stopped_child);
	tcase_add_test(tc, test_fork_loop);
	tcase_add_test(tc, test_stop_races_exit);
	tcase_add_test(tc, test_crash_loop);
	tcase_add_test(tc, test_five_hundred_at_once);
	tcase_add_test(tc, test_reused_pid_not_signalled);
	return tu_run_suite(s);
}
