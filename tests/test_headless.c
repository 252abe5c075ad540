/*
 * test_headless.c: the real brood binary, headless, as a script or a CI
 * job would run it. Every test ends by looking in /proc for anything it
 * started: nothing may survive.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "util.h"

#define MAX_ARGS 256

static struct tu_proc tp;
static char cmdbuf[MAX_ARGS][512];

/* "helper ARGS" in cmdbuf[slot]. */
#define H(slot, args) tu_helper_cmd(cmdbuf[slot], sizeof cmdbuf[slot], (args))

#define run(...) tu_run(&tp, __VA_ARGS__)
#define no_survivors() tu_assert_no_survivors(&tp)

static void
teardown(void)
{
	tu_free(&tp);
}

#define ck_assert_out_has(s) \
	ck_assert_msg(strstr(tp.out, (s)) != NULL, "stdout lacks '%s':\n%s\nstderr:\n%s", \
	    (s), tp.out, tp.err)

START_TEST(test_lines_and_status)
{
	int code = run("--no-summary", "-n", "ok,bad", H(0, "echo hello world"), H(1, "exit 3"), NULL);

	ck_assert_int_eq(code, 3);
	ck_assert_uint_eq(tu_count_lines(tp.out, "ok  | hello"), 1);
	ck_assert_uint_eq(tu_count_lines(tp.out, "ok  | world"), 1);
	ck_assert_uint_eq(tu_count_lines(tp.out, "ok  | exited 0"), 1);
	ck_assert_uint_eq(tu_count_lines(tp.out, "bad | exited 3"), 1);
	ck_assert_uint_eq(tp.err_len, 0);
}
END_TEST

START_TEST(test_stderr_marked)
{
	ck_assert_int_eq(run("--no-summary", "-n", "x", H(0, "echo out !err"), NULL), 0);
	ck_assert_uint_eq(tu_count_lines(tp.out, "x | out"), 1);
	ck_assert_uint_eq(tu_count_lines(tp.out, "x ! err"), 1);
}
END_TEST

START_TEST(test_signal_decoded)
{
	ck_assert_int_eq(run("--no-summary", "-n", "segv", H(0, "raise 11"), NULL), 139);
	ck_assert_uint_eq(tu_count_lines(tp.out, "segv | killed by SIGSEGV"), 1);
}
END_TEST

START_TEST(test_exec_failures)
{
	char file[256];
	int fd, code;

	tu_tmpname(file, sizeof file, "noexec");
	fd = open(file, O_CREAT | O_WRONLY, 0644);
	close(fd);
	code = run("--no-summary", "-n", "missing", "/nonexistent/brood-no-such-program --flag", NULL);
	ck_assert_int_eq(code, 127);
	ck_assert_uint_eq(tu_count_lines(tp.out,
	    "missing | exec failed: No such file or directory"), 1);
	code = run("--no-summary", "-n", "noexec", file, NULL);
	unlink(file);
	ck_assert_int_eq(code, 126);
	ck_assert_uint_eq(tu_count_lines(tp.out, "noexec | exec failed: Permission denied"), 1);
}
END_TEST

START_TEST(test_summary)
{
	ck_assert_int_eq(run("-n", "one", H(0, "exit 0"), NULL), 0);
	ck_assert_msg(strstr(tp.err, "name") && strstr(tp.err, "peak rss") &&
	    strstr(tp.err, "exited 0"), "summary:\n%s", tp.err);
}
END_TEST

START_TEST(test_success_modes)
{
	const char *slow_fail = H(0, "sleep 0.3 && false");
	const char *fast_ok = H(1, "exit 0");

	/* "helper sleep 0.3 && false": shell syntax, so sh exits 1 later. */
	ck_assert_int_eq(run("--no-summary", slow_fail, fast_ok, NULL), 1);
	ck_assert_int_eq(run("--no-summary", "--success", "first", slow_fail, fast_ok, NULL), 0);
	ck_assert_int_eq(run("--no-summary", "--success", "last", slow_fail, fast_ok, NULL), 1);
}
END_TEST

START_TEST(test_kill_others_on_fail)
{
	int code = run("--no-summary", "--kill-others-on-fail", "-n", "fail,long",
	    H(0, "exit 4"), H(1, "sleep 60"), NULL);

	ck_assert_int_eq(code, 4);
	ck_assert_out_has("long | killed by SIGTERM");
}
END_TEST

START_TEST(test_kill_others)
{
	int code = run("--no-summary", "--kill-others", "-n", "done,long", H(0, "exit 0"),
	    H(1, "sleep 60"), NULL);

	ck_assert_int_eq(code, 0);
	ck_assert_out_has("long | killed by SIGTERM");
}
END_TEST

START_TEST(test_trailing_partial_line)
{
	ck_assert_int_eq(run("--no-summary", "-n", "p", H(0, "nonl tail-without-newline"), NULL), 0);
	ck_assert_uint_eq(tu_count_lines(tp.out, "p | tail-without-newline"), 1);
}
END_TEST

/* "before; wait until file exists; after" as a shell command (allocated). */
static char *
wait_file_cmd(const char *before, const char *file, const char *after)
{
	return xasprintf("%s; while [ ! -e %s ]; do sleep 0.02; done; %s", before, file, after);
}

static void
touch(const char *file)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	close(fd);
}

/* A line that waits for its end is shown meanwhile, and the rest joins it
 * on the same row. */
START_TEST(test_partial_line_shown_while_waiting)
{
	char f[256], *cmd;
	const char *argv[] = { tu_brood(), "--no-summary", "-n", "w", NULL, NULL };

	tu_tmpname(f, sizeof f, "go");
	argv[4] = cmd = wait_file_cmd("printf 'waiting...'", f, "echo done");
	tu_start(&tp, argv);
	ck_assert_msg(tu_wait_for(&tp, "w | waiting...", 5000), "not shown:\n%s", tp.out);
	touch(f);
	ck_assert(tu_finish(&tp, 10000));
	tu_assert_line(&tp, "w | waiting...done");
	tu_assert_line(&tp, "w | exited 0");
	free(cmd);
	unlink(f);
	no_survivors();
}
END_TEST

/* Another process's line ends the shown part's row; the rest comes later
 * on its own row after a mark. A line rewritten by a carriage return (a
 * progress counter) is shown again whole. */
START_TEST(test_partial_line_interrupted_and_rewritten)
{
	char f0[256], f1[256], f2[256], *before, *cmd[3];
	int i;
	const char *argv[] = { tu_brood(), "--no-summary", "-n", "a,b,p", NULL, NULL, NULL,
	    NULL };

	tu_tmpname(f0, sizeof f0, "f0");
	tu_tmpname(f1, sizeof f1, "f1");
	tu_tmpname(f2, sizeof f2, "f2");
	cmd[0] = wait_file_cmd("printf A-part", f1, "echo -end");
	before = wait_file_cmd("true", f0, "echo B-line");
	cmd[1] = wait_file_cmd(before, f1, "exit 0");
	free(before);
	before = wait_file_cmd("printf 10%%", f0, "printf '\\r20%%'");
	cmd[2] = wait_file_cmd(before, f2, "printf '\\r100%%\\n'");
	free(before);
	for (i = 0; i < 3; i++)
		argv[4 + i] = cmd[i];
	tu_start(&tp, argv);
	ck_assert_msg(tu_wait_for(&tp, "a | A-part", 5000), "not shown:\n%s", tp.out);
	ck_assert_msg(tu_wait_for(&tp, "p | 10%", 5000), "not shown:\n%s", tp.out);
	touch(f0);
	ck_assert(tu_wait_for(&tp, "b | B-line\n", 5000));
	ck_assert_msg(tu_wait_for(&tp, "p | 20%", 5000), "not shown:\n%s", tp.out);
	touch(f1);
	ck_assert(tu_wait_for(&tp, "a | exited 0", 5000));
	touch(f2);
	ck_assert(tu_finish(&tp, 10000));
	tu_assert_line(&tp, "a | A-part");
	tu_assert_line(&tp, "b | B-line");
	tu_assert_line(&tp, "a | \xe2\x80\xa6-end");
	tu_assert_line(&tp, "p | 10%");
	tu_assert_line(&tp, "p | 20%");
	tu_assert_line(&tp, "p | 100%");
	for (i = 0; i < 3; i++)
		free(cmd[i]);
	unlink(f0);
	unlink(f1);
	unlink(f2);
	no_survivors();
}
END_TEST

START_TEST(test_utf8_split)
{
	ck_assert_int_eq(run("--no-summary", "-n", "u", H(0, "utf8split"), NULL), 0);
	ck_assert_uint_eq(tu_count_lines(tp.out, "u | caf\xc3\xa9 ok"), 1);
}
END_TEST

START_TEST(test_escapes_dropped)
{
	ck_assert_int_eq(run("--no-summary", "--color", "never", "-n", "e", H(0, "escapes"), NULL), 0);
	ck_assert_uint_eq(tu_count_lines(tp.out, "e | beforeRED after"), 1);
	ck_assert_uint_eq(tu_count_lines(tp.out, "e | line2"), 1);
	ck_assert_ptr_null(memchr(tp.out, '\033', tp.out_len));
	ck_assert_ptr_null(strstr(tp.out, "PWNED"));
	ck_assert_ptr_null(strstr(tp.out, "cHduZWQ"));
}
END_TEST

START_TEST(test_escapes_sgr_kept)
{
	const char *p;

	ck_assert_int_eq(run("--no-summary", "--color", "always", "-n", "e", H(0, "escapes"), NULL), 0);
	ck_assert_out_has("\033[0;31mRED");
	/* Every escape in the output is an SGR of brood's own making. */
	for (p = tp.out; (p = strchr(p, '\033')) != NULL; p++) {
		size_t n = strspn(p + 2, "0123456789;");

		ck_assert_msg(p[1] == '[' && p[2 + n] == 'm', "non-SGR escape: %.12s", p);
	}
	ck_assert_ptr_null(strstr(tp.out, "PWNED"));
}
END_TEST

START_TEST(test_only_std_fds)
{
	/* brood inherits an fd without close-on-exec; the child must not. */
	int fd = open("/dev/null", O_RDONLY);

	ck_assert_int_ge(fd, 3);
	ck_assert_int_eq(run("--no-summary", "-n", "f", H(0, "fds"), NULL), 0);
	close(fd);
	ck_assert_uint_eq(tu_count_lines(tp.out, "f | fds: 0 1 2 "), 1);
}
END_TEST

START_TEST(test_flood_complete)
{
	ck_assert_int_eq(run("--no-summary", "-n", "f", H(0, "flood 2000000 100"), NULL), 0);
	ck_assert_uint_eq(tu_count_lines(tp.out,
	    "f | abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstu"),
	    20000);
}
END_TEST

START_TEST(test_long_line_split_marked)
{
	char cmd[256];
	const char *p;
	size_t n = 0;

	/* 40,000 bytes with no newline: split at the 16 KiB cap, each split
	 * part marked with an ellipsis, nothing lost. */
	tu_helper_cmd(cmd, sizeof cmd, "blob 40000");
	ck_assert_int_eq(run("--no-summary", "-n", "b", cmd, NULL), 0);
	for (p = tp.out; (p = strstr(p, "\xe2\x80\xa6\n")) != NULL; p++)
		n++;
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(tu_count_lines(tp.out, "b | exited 0"), 1);
}
END_TEST

START_TEST(test_stop_signal_option)
{
	const char *argv[] = { tu_brood(), "--stop-signal", "INT", "-n", "s",
	    "trap 'echo got-int; exit 0' INT; echo ready; while :; do sleep 0.1; done", NULL };

	tu_start(&tp, argv);
	ck_assert(tu_wait_for(&tp, "s | ready", 10000));
	kill(tp.pid, SIGTERM);
	ck_assert(tu_finish(&tp, 10000));
	ck_assert_int_eq(WEXITSTATUS(tp.status), 143);
	ck_assert_out_has("s | got-int");
	no_survivors();
}
END_TEST

START_TEST(test_no_newline_bounded)
{
	size_t as = 0, pieces = 0;
	const char *p, *nl;

	ck_assert_int_eq(run("--no-summary", "-n", "b", H(0, "blob 100000000"), NULL), 0);
	/* Every piece holds 16 KiB of it, the split marked; the last the rest. */
	for (p = tp.out; (nl = strchr(p, '\n')) != NULL && strncmp(p, "b | a", 5) == 0; p = nl + 1) {
		size_t n = (size_t)(nl - p) - 4;

		if (n == 16384 + 3 && strncmp(nl - 3, "\xe2\x80\xa6", 3) == 0)
			n -= 3;
		else
			ck_assert_msg(as + n == 100000000, "piece %zu holds %zu bytes", pieces, n);
		ck_assert_uint_eq(strspn(p + 4, "a"), n);
		as += n;
		pieces++;
	}
	ck_assert_uint_eq(as, 100000000);
	ck_assert_uint_eq(pieces, (100000000 + 16383) / 16384);
	ck_assert_str_eq(p, "b | exited 0\n");
#ifndef __SANITIZE_ADDRESS__ /* shadow memory makes RSS meaningless */
	/* KiB: brood's peak stays small while 100 MB go through one line
	 * (valgrind's own memory counts too). */
	ck_assert_msg(tu_valgrind() || tp.ru.ru_maxrss < 32 * 1024, "brood peak RSS %ld KiB",
	    tp.ru.ru_maxrss);
#endif
}
END_TEST

START_TEST(test_two_hundred_children)
{
	const char *argv[210];
	char status[64];
	int n = 0, i;

	argv[n++] = tu_brood();
	argv[n++] = "--no-summary";
	for (i = 0; i < 200; i++)
		argv[n++] = H(i, "exit 0");
	argv[n] = NULL;
	tu_free(&tp);
	tu_start(&tp, argv);
	ck_assert(tu_finish(&tp, 30000));
	no_survivors();
	ck_assert_int_eq(WEXITSTATUS(tp.status), 0);
	/* Names are made unique: helper, helper.2, ... helper.200. */
	snprintf(status, sizeof status, "helper.200 | exited 0");
	ck_assert_uint_eq(tu_count_lines(tp.out, status), 1);
	for (i = 0, n = 0; tp.out[i] != '\0'; i++)
		n += (tp.out[i] == '\n');
	ck_assert_int_eq(n, 200);
}
END_TEST

/* Started with a soft limit of 64 open files, brood still runs 40 children
 * (80 pipe ends) by raising its own limit to the hard one, and gives the
 * children back the limit it was started with. */
START_TEST(test_low_fd_limit_raised)
{
	const char *argv[60];
	char line[64];
	int n = 0, i;

	if (tu_valgrind()) /* valgrind keeps the open files limit to itself */
		return;
	argv[n++] = "/bin/sh";
	argv[n++] = "-c";
	argv[n++] = "ulimit -Sn 64 && exec \"$0\" \"$@\"";
	argv[n++] = tu_brood();
	argv[n++] = "--no-summary";
	argv[n++] = "-n";
	argv[n++] = "limit";
	argv[n++] = "sh -c 'echo soft=$(ulimit -Sn)'";
	for (i = 0; i < 40; i++)
		argv[n++] = H(i, "sleep 0.3");
	argv[n] = NULL;
	tu_free(&tp);
	tu_start(&tp, argv);
	ck_assert(tu_finish(&tp, 30000));
	no_survivors();
	ck_assert_msg(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 0, "stdout:\n%s", tp.out);
	ck_assert_out_has("limit     | soft=64\n");
	for (i = 1; i <= 40; i++) {
		char name[16];

		snprintf(name, sizeof name, i == 1 ? "helper" : "helper.%d", i);
		snprintf(line, sizeof line, "%-9s | exited 0", name);
		ck_assert_msg(tu_count_lines(tp.out, line) == 1, "no '%s' in:\n%s", line, tp.out);
	}
}
END_TEST

/* Start brood on a tree of processes that resist: a TERM-ignoring child, a
 * shell with grandchildren, a double-forked setsid daemon. */
static void
start_resisting(char *tree_file, char *daemon_file)
{
	const char *argv[12];
	int n = 0;

	tu_tmpname(tree_file, 256, "tree");
	tu_tmpname(daemon_file, 256, "daemon");
	snprintf(cmdbuf[2], sizeof cmdbuf[2], "%s tree 3 %s; echo unreachable", tu_helper(), tree_file);
	argv[n++] = tu_brood();
	argv[n++] = "--stop-timeout";
	argv[n++] = "0.5";
	argv[n++] = "-n";
	argv[n++] = "stubborn,daemon,shell";
	argv[n++] = H(0, "ignore-term");
	snprintf(cmdbuf[1], sizeof cmdbuf[1], "%s daemon %s", tu_helper(), daemon_file);
	argv[n++] = cmdbuf[1];
	argv[n++] = cmdbuf[2];
	argv[n] = NULL;
	tu_start(&tp, argv);
	ck_assert(tu_wait_for(&tp, "stubborn | ready", 10000));
	ck_assert(tu_wait_for(&tp, "daemon   | daemonized", 10000));
	ck_assert(tu_wait_for(&tp, "shell    | tree ready", 10000));
}

static void
stop_by_signal(int sig)
{
	char tree_file[256], daemon_file[256];
	pid_t tree[8], daemon[2];
	size_t i, ntree;

	start_resisting(tree_file, daemon_file);
	ntree = tu_read_pids(tree_file, tree, 8, 5000);
	ck_assert_uint_eq(ntree, 3);
	ck_assert_uint_eq(tu_read_pids(daemon_file, daemon, 2, 5000), 1);
	kill(tp.pid, sig);
	ck_assert(tu_finish(&tp, 10000));
	ck_assert_msg(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 128 + sig,
	    "status %x", tp.status);
	ck_assert_out_has("stubborn | still running after the stop timeout: sent SIGKILL");
	for (i = 0; i < ntree; i++)
		ck_assert_msg(!tu_pid_exists(tree[i]), "grandchild %d survived", (int)tree[i]);
	ck_assert_msg(!tu_pid_exists(daemon[0]), "daemon %d survived", (int)daemon[0]);
	no_survivors();
	unlink(tree_file);
	unlink(daemon_file);
}

START_TEST(test_sigterm_stops_all)
{
	stop_by_signal(SIGTERM);
}
END_TEST

START_TEST(test_sighup_stops_all)
{
	stop_by_signal(SIGHUP);
}
END_TEST

/* Ctrl-\ on the terminal brood runs on: by default brood would die
 * alone and leave its children's children running. */
START_TEST(test_sigquit_stops_all)
{
	stop_by_signal(SIGQUIT);
}
END_TEST

/* SIGKILL runs nothing of brood's: its guard, a process of its own, sees
 * it die and kills what the kernel leaves: a shell's children, a daemon,
 * a process that cleared its environment (so carries no marker) in a
 * session that holds a marked one, and one in a session where nothing is
 * marked, named to the guard by brood. brood's children go with brood
 * (PR_SET_PDEATHSIG). */
START_TEST(test_sigkill_leaves_nothing)
{
	char tree_file[256], daemon_file[256], bare_file[256], clean_file[256], msg[512];
	char bare_cmd[2048], clean_cmd[2048];
	const char *argv[9];
	pid_t tree[8], daemon[2], bare[2], clean[2];
	size_t i, ntree;
	bool dead;
	int n = 0;

	tu_tmpname(tree_file, sizeof tree_file, "tree");
	tu_tmpname(daemon_file, sizeof daemon_file, "daemon");
	tu_tmpname(bare_file, sizeof bare_file, "bare");
	tu_tmpname(clean_file, sizeof clean_file, "clean");
	snprintf(cmdbuf[0], sizeof cmdbuf[0], "%s tree 3 %s; echo unreachable", tu_helper(),
	    tree_file);
	snprintf(cmdbuf[1], sizeof cmdbuf[1], "%s daemon %s", tu_helper(), daemon_file);
	/* The shell, brood's child, dies with brood; a marked member of its
	 * session lives until the guard sees it. */
	snprintf(bare_cmd, sizeof bare_cmd, "env -i %s sleep 1000 & echo $! > %s.tmp; "
	    "%s sleep 1000 & mv %s.tmp %s; echo bare ready; wait", tu_helper(), bare_file,
	    tu_helper(), bare_file, bare_file);
	/* Nothing marked at all in its session: brood's child itself clears
	 * its environment (env -i, sudo), and dies with brood. */
	snprintf(clean_cmd, sizeof clean_cmd, "exec env -i /bin/sh -c '%s sleep 1000 & "
	    "echo $! > %s.tmp; mv %s.tmp %s; echo clean ready; wait'", tu_helper(), clean_file,
	    clean_file, clean_file);
	argv[n++] = tu_brood();
	argv[n++] = "-n";
	argv[n++] = "shell,daemon,bare,clean";
	argv[n++] = cmdbuf[0];
	argv[n++] = cmdbuf[1];
	argv[n++] = bare_cmd;
	argv[n++] = clean_cmd;
	argv[n] = NULL;
	tu_start(&tp, argv);
	ck_assert(tu_wait_for(&tp, "shell  | tree ready", 10000));
	ck_assert(tu_wait_for(&tp, "daemon | daemonized", 10000));
	ck_assert(tu_wait_for(&tp, "bare   | bare ready", 10000));
	ck_assert(tu_wait_for(&tp, "clean  | clean ready", 10000));
	ntree = tu_read_pids(tree_file, tree, 8, 5000);
	ck_assert_uint_eq(ntree, 3);
	ck_assert_uint_eq(tu_read_pids(daemon_file, daemon, 2, 5000), 1);
	ck_assert_uint_eq(tu_read_pids(bare_file, bare, 2, 5000), 1);
	ck_assert(!tu_pid_dead(bare[0]));
	ck_assert_uint_eq(tu_read_pids(clean_file, clean, 2, 5000), 1);
	ck_assert(!tu_pid_dead(clean[0]));
	kill(tp.pid, SIGKILL);
	ck_assert(tu_finish(&tp, 10000));
	ck_assert(WIFSIGNALED(tp.status) && WTERMSIG(tp.status) == SIGKILL);
	ck_assert_msg(tu_wait_survivors(tp.tag, msg, sizeof msg, 3000) == 0,
	    "left running after brood's SIGKILL: %s", msg);
	/* Dead, or zombies waiting for init. */
	for (i = 0; i < ntree; i++)
		ck_assert_msg(tu_pid_dead(tree[i]), "grandchild %d survived", (int)tree[i]);
	ck_assert_msg(tu_pid_dead(daemon[0]), "daemon %d survived", (int)daemon[0]);
	ck_assert_msg(tu_wait_pid_dead(bare[0], 3000), "the process without a marker (%d) survived",
	    (int)bare[0]);
	/* No marker to find it by afterwards: killed here if it survived. */
	dead = tu_wait_pid_dead(clean[0], 3000);
	if (!dead)
		kill(clean[0], SIGKILL);
	unlink(clean_file);
	ck_assert_msg(dead, "the process in a session without a marker (%d) survived",
	    (int)clean[0]);
	unlink(tree_file);
	unlink(daemon_file);
	unlink(bare_file);
}
END_TEST

START_TEST(test_sigint_twice_kills)
{
	const char *argv[] = { tu_brood(), "--stop-timeout", "30", "-n", "s", H(0, "ignore-term"), NULL };

	tu_start(&tp, argv);
	ck_assert(tu_wait_for(&tp, "s | ready", 10000));
	kill(tp.pid, SIGINT);
	ck_assert(tu_wait_for_err(&tp, "stopping every process", 5000));
	/* The child ignores SIGTERM and the timeout is 30 s: only the second
	 * Ctrl-C can end this within the 5 s below. */
	kill(tp.pid, SIGINT);
	ck_assert(tu_finish(&tp, 5000));
	ck_assert_int_eq(WEXITSTATUS(tp.status), 130);
	ck_assert_out_has("s | killed by SIGKILL");
	no_survivors();
}
END_TEST

START_TEST(test_leftover_daemon_of_exited_child)
{
	char file[256], cmd[512];
	pid_t daemon[2];

	tu_tmpname(file, sizeof file, "daemon");
	snprintf(cmd, sizeof cmd, "%s daemon %s exit", tu_helper(), file);
	ck_assert_int_eq(run("--no-summary", "-n", "d", cmd, NULL), 0);
	ck_assert_uint_eq(tu_read_pids(file, daemon, 2, 1000), 1);
	ck_assert(!tu_pid_exists(daemon[0]));
	unlink(file);
}
END_TEST

START_TEST(test_usage_errors)
{
	ck_assert_int_eq(run("--no-summary", NULL), 2);
	ck_assert_ptr_nonnull(strstr(tp.err, "no command given"));
	ck_assert_int_eq(run("--stop-signal", "NOPE", "true", NULL), 2);
	ck_assert_int_eq(run("--success", "maybe", "true", NULL), 2);
	ck_assert_int_eq(run("-n", "a,b", "true", NULL), 2);
	ck_assert_ptr_nonnull(strstr(tp.err, "more names than commands"));
}
END_TEST

/* Write text to dir/name. */
static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

static void
make_dir(char *dir, size_t len, const char *what)
{
	tu_tmpname(dir, len, what);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
}

START_TEST(test_config_yaml)
{
	char dir[256], sub[300], yaml[2048], conf_path[300], want[400];

	make_dir(dir, sizeof dir, "conf");
	snprintf(sub, sizeof sub, "%s/sub", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	snprintf(yaml, sizeof yaml,
	    "stop_timeout: 2s\n"
	    "processes:\n"
	    "  a:\n"
	    "    cmd: pwd; echo \"greeting=$GREETING\"\n"
	    "    cwd: sub\n"
	    "    env: { GREETING: hello }\n"
	    "  b:\n"
	    "    cmd: [%s, echo, from a list]\n"
	    "  c:\n"
	    "    cmd: echo should-not-run\n"
	    "    autostart: false\n"
	    "    restrt: always\n", tu_helper());
	write_file(dir, "brood.yaml", yaml);
	snprintf(conf_path, sizeof conf_path, "%s/brood.yaml", dir);
	ck_assert_int_eq(run("--no-summary", "-c", conf_path, NULL), 0);
	snprintf(want, sizeof want, "a | %s", sub);
	ck_assert_uint_eq(tu_count_lines(tp.out, want), 1);
	ck_assert_uint_eq(tu_count_lines(tp.out, "a | greeting=hello"), 1);
	ck_assert_uint_eq(tu_count_lines(tp.out, "b | from a list"), 1);
	ck_assert_ptr_null(strstr(tp.out, "should-not-run"));
	/* The unknown key is named, not ignored in silence. */
	ck_assert_msg(strstr(tp.err, "unknown key 'restrt'") != NULL, "stderr: %s", tp.err);
}
END_TEST

/* A restart policy explains itself, and gives up visibly. */
START_TEST(test_config_restart_policy)
{
	char dir[256], path[300];

	make_dir(dir, sizeof dir, "policy");
	write_file(dir, "brood.yaml",
	    "processes:\n"
	    "  r:\n"
	    "    cmd: echo try; exit 2\n"
	    "    restart: on-failure\n"
	    "    max_restarts: 1\n"
	    "    backoff: { first: 1s, max: 10s }\n");
	snprintf(path, sizeof path, "%s/brood.yaml", dir);
	ck_assert_int_eq(run("--no-summary", "-c", path, NULL), 2);
	ck_assert_uint_eq(tu_count_lines(tp.out, "r | try"), 2);
	ck_assert_uint_eq(tu_count_lines(tp.out, "r | exited 2"), 2);
	ck_assert_uint_eq(tu_count_lines(tp.out, "r | restart 1 of 1 in 1.0s"), 1);
	ck_assert_uint_eq(tu_count_lines(tp.out, "r | FATAL: 1 restarts in 60s, exited 2"), 1);
	write_file(dir, "brood.yaml", "processes:\n  r:\n    cmd: true\n    restart: sometimes\n");
	ck_assert_int_eq(run("--no-summary", "-c", path, NULL), 2);
	ck_assert_msg(strstr(tp.err, "brood.yaml:4:14: processes.r.restart: expected no, "
	    "on-failure or always, got 'sometimes'") != NULL, "stderr: %s", tp.err);
}
END_TEST

/* Users arrive with mprocs and process-compose files: both run. */
START_TEST(test_config_compat_formats)
{
	char dir[256], path[300], yaml[1536];

	make_dir(dir, sizeof dir, "compat");
	write_file(dir, "mprocs.yaml",
	    "procs:\n"
	    "  hello:\n"
	    "    shell: echo \"hello from $WHO\"\n"
	    "    env: { WHO: mprocs }\n"
	    "  argv:\n"
	    "    cmd: [echo, from, a, list]\n");
	snprintf(path, sizeof path, "%s/mprocs.yaml", dir);
	ck_assert_int_eq(run("--no-summary", "-c", path, NULL), 0);
	ck_assert_uint_eq(tu_count_lines(tp.out, "hello | hello from mprocs"), 1);
	ck_assert_uint_eq(tu_count_lines(tp.out, "argv  | from a list"), 1);
	/*
	 * The probe passes only once db has printed its line, so the order of
	 * the two lines shows that app waited: a probe that always passes would
	 * let app run before db's shell had even started. db stays up until app
	 * is done, since a process that exits before it is healthy never lets
	 * its dependents start.
	 */
	snprintf(yaml, sizeof yaml,
	    "version: \"0.5\"\n"
	    "processes:\n"
	    "  db:\n"
	    "    command: echo db ready; touch %s/up; for i in $(seq 100); do "
	    "test -e %s/done && break; sleep 0.05; done\n"
	    "    readiness_probe:\n"
	    "      exec: { command: \"test -e %s/up\" }\n"
	    "      period_seconds: 1\n"
	    "  app:\n"
	    "    command: echo app after db; touch %s/done\n"
	    "    environment: [\"MODE=test\"]\n"
	    "    depends_on:\n"
	    "      db: { condition: process_healthy }\n", dir, dir, dir, dir);
	write_file(dir, "process-compose.yaml", yaml);
	snprintf(path, sizeof path, "%s/process-compose.yaml", dir);
	ck_assert_int_eq(run("--no-summary", "-c", path, NULL), 0);
	ck_assert_uint_eq(tu_count_lines(tp.out, "db  | db ready"), 1);
	ck_assert_uint_eq(tu_count_lines(tp.out, "app | app after db"), 1);
	/* app started only once db was ready: its line comes after db's. */
	ck_assert_ptr_nonnull(strstr(strstr(tp.out, "db  | db ready"), "app | app after db"));
}
END_TEST

/* Whether path exists, polling every 10 ms for up to timeout_ms. */
static bool
wait_file(const char *path, int timeout_ms)
{
	long deadline = tu_now_ms() + timeout_ms;

	while (access(path, F_OK) != 0) {
		if (tu_now_ms() > deadline)
			return false;
		usleep(10000);
	}
	return true;
}

/* brood with one child, w, that prints the numbers up to lines, then marks a
 * file; true once the mark is there, while nobody reads brood. */
static bool
start_writer(unsigned lines)
{
	char mark[256];
	const char *argv[6];

	tu_tmpname(mark, sizeof mark, "written");
	snprintf(cmdbuf[0], sizeof cmdbuf[0], "seq 1 %u; touch %s", lines, mark);
	argv[0] = tu_brood();
	argv[1] = "--no-summary";
	argv[2] = "-n";
	argv[3] = "w";
	argv[4] = cmdbuf[0];
	argv[5] = NULL;
	tu_start(&tp, argv);
	tp.skip = "w | ";
	return wait_file(mark, tu_valgrind() ? 60000 : 10000);
}

/* A reader that pauses (| less, a busy CI runner) does not stop brood
 * reading its children: a child's burst of two megabytes is written at
 * once, while nobody reads brood, and nothing of it is lost. */
START_TEST(test_paused_reader_does_not_slow_children)
{
	/* Not a byte of brood's output is read until the child is done. */
	ck_assert_msg(start_writer(300000), "the child could not write while brood's reader "
	    "paused");
	ck_assert(tu_finish(&tp, 60000));
	ck_assert(WIFEXITED(tp.status));
	ck_assert_int_eq(WEXITSTATUS(tp.status), 0);
	/* 300,000 numbers and "w | exited 0". */
	ck_assert_uint_eq(tp.skipped, 300001);
	no_survivors();
}
END_TEST

/* A reader that stays behind by megabytes is not buffered without bound:
 * brood holds the child's pipe, and the child waits in write(). brood
 * itself does not wait: a SIGTERM still stops the child at once, while
 * nobody reads, and what was held is written once the reader reads. */
START_TEST(test_reader_far_behind)
{
	char mark[256], pidfile[256], cmd[1536];
	unsigned lines = 6000000, asleep = 0;
	const char *argv[6];
	pid_t seq;
	long deadline;

	tu_tmpname(mark, sizeof mark, "written");
	tu_tmpname(pidfile, sizeof pidfile, "seq");
	snprintf(cmd, sizeof cmd, "sh -c 'echo $$ > %s.tmp; mv %s.tmp %s; "
	    "exec seq 1 %u'; touch %s", pidfile, pidfile, pidfile, lines, mark);
	argv[0] = tu_brood();
	argv[1] = "--no-summary";
	argv[2] = "-n";
	argv[3] = "w";
	argv[4] = cmd;
	argv[5] = NULL;
	tu_start(&tp, argv);
	tp.skip = "w | ";
	ck_assert_int_eq(tu_read_pids(pidfile, &seq, 1, 10000), 1);
	/* Not reading, until seq has slept in write() for half a second. */
	deadline = tu_now_ms() + 30000;
	while (asleep < 50 && tu_now_ms() < deadline) {
		ck_assert_msg(access(mark, F_OK) != 0,
		    "brood took %u lines while its reader read nothing", lines);
		asleep = tu_pid_state(seq) == 'S' ? asleep + 1 : 0;
		usleep(10000);
	}
	ck_assert_uint_eq(asleep, 50);
	kill(tp.pid, SIGTERM);
	ck_assert_msg(tu_wait_pid_dead(seq, 10000), "brood waited for its reader");
	ck_assert(tu_finish(&tp, 120000));
	ck_assert(WIFEXITED(tp.status));
	ck_assert_int_eq(WEXITSTATUS(tp.status), 128 + SIGTERM);
	ck_assert_uint_gt(tp.skipped, 100000);
	ck_assert_uint_lt(tp.skipped, lines);
#ifndef __SANITIZE_ADDRESS__ /* shadow memory makes RSS meaningless */
	/* KiB: far less than the 47 MB the child had to write (valgrind's
	 * own memory counts too). */
	ck_assert_msg(tu_valgrind() || tp.ru.ru_maxrss < 24 * 1024, "brood peak RSS %ld KiB",
	    tp.ru.ru_maxrss);
#endif
	no_survivors();
}
END_TEST

/* Every child is done and brood waits only for its reader, which does not
 * read: Ctrl-C still ends brood, saying what it leaves unwritten. */
START_TEST(test_signal_while_reader_paused)
{
	long deadline;
	int tries = 0;
	pid_t r = 0;

	ck_assert(start_writer(400000));
	/* Until the child is reaped, the first Ctrl-C is a stop: again. */
	deadline = tu_now_ms() + (tu_valgrind() ? 20000 : 5000);
	while (r == 0 && tu_now_ms() < deadline) {
		if (tries++ % 20 == 0)
			kill(tp.pid, SIGINT);
		usleep(10000);
		r = waitpid(tp.pid, &tp.status, WNOHANG);
	}
	ck_assert_msg(r == tp.pid, "brood waited for a reader that does not read");
	tp.exited = true;
	ck_assert(tu_finish(&tp, 10000));
	ck_assert(WIFEXITED(tp.status));
	ck_assert_int_eq(WEXITSTATUS(tp.status), 128 + SIGINT);
	ck_assert_msg(strstr(tp.err, "bytes of output unwritten (its reader is not reading)") !=
	    NULL, "stderr: %s", tp.err);
	no_survivors();
}
END_TEST

/* Write s to path; false if it cannot be done. */
static bool
put_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd == -1)
		return false;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok;
}

/* A process stuck in the kernel (here: in a frozen cgroup, shown as D)
 * outlives SIGKILL until it wakes. The stop gives up on it two seconds
 * after the SIGKILL, says so, and brood exits rather than hang. */
START_TEST(test_stuck_process_does_not_hang_the_stop)
{
	char cg[128], path[192], pidfile[256], cmd[1024];
	const char *argv[8];
	bool in, finished, dead;
	long t0, took = 0;
	pid_t pid = 0;

	snprintf(cg, sizeof cg, "/sys/fs/cgroup/freezer/brood-test-%d", (int)getpid());
	if (geteuid() != 0 || mkdir(cg, 0755) == -1) {
		fprintf(stderr, "skipped: needs root and a cgroup v1 freezer\n");
		return;
	}
	tu_tmpname(pidfile, sizeof pidfile, "frozen");
	snprintf(cmd, sizeof cmd, "echo $$ > %s/cgroup.procs && echo $$ > %s.tmp && "
	    "mv %s.tmp %s && echo in && exec sleep 1000", cg, pidfile, pidfile, pidfile);
	argv[0] = tu_brood();
	argv[1] = "--stop-timeout";
	argv[2] = "0.3";
	argv[3] = "-n";
	argv[4] = "frz";
	argv[5] = cmd;
	argv[6] = NULL;
	tu_start(&tp, argv);
	in = tu_wait_for(&tp, "frz | in", 10000) && tu_read_pids(pidfile, &pid, 1, 5000) == 1;
	snprintf(path, sizeof path, "%s/freezer.state", cg);
	if (in && put_file(path, "FROZEN")) {
		t0 = tu_now_ms() + 5000;
		while (tu_pid_state(pid) != 'D' && tu_now_ms() < t0)
			usleep(10000);
		t0 = tu_now_ms();
		kill(tp.pid, SIGTERM);
		finished = tu_finish(&tp, 10000);
		took = tu_now_ms() - t0;
	} else
		finished = false;
	/* Thawed, it dies of the SIGKILL it has had all along. */
	put_file(path, "THAWED");
	dead = pid == 0 || tu_wait_pid_dead(pid, 5000);
	rmdir(cg);
	ck_assert_msg(in, "the child never ran in the cgroup: %s", tp.err);
	ck_assert_msg(finished, "brood waited for a process stuck in the kernel");
	ck_assert_msg(dead, "the stuck process outlived its SIGKILL once thawed");
	ck_assert(WIFEXITED(tp.status));
	ck_assert_int_eq(WEXITSTATUS(tp.status), 128 + SIGTERM);
	/* 0.3 s of stop timeout, 2 s of grace after SIGKILL. */
	ck_assert_int_lt(took, 6000);
	ck_assert_out_has("still there after SIGKILL: stuck in the kernel, left behind");
	tu_assert_line(&tp, "frz | stuck in the kernel (D, disk sleep) after SIGKILL: left behind");
	no_survivors();
}
END_TEST

/* The command line takes the file's common settings too. */
START_TEST(test_cli_process_options)
{
	ck_assert_int_eq(run("--no-summary", "--cwd", "/", "--env", "GREET=hi", "--restart",
	    "on-failure", "--max-restarts", "1", "-n", "c", "pwd; echo $GREET; exit 3", NULL), 3);
	ck_assert_uint_eq(tu_count_lines(tp.out, "c | /"), 2);
	ck_assert_uint_eq(tu_count_lines(tp.out, "c | hi"), 2);
	ck_assert_uint_eq(tu_count_lines(tp.out, "c | restart 1 of 1 in 1.0s"), 1);
	ck_assert_uint_eq(tu_count_lines(tp.out, "c | FATAL: 1 restarts in 60s, exited 3"), 1);
	ck_assert_int_eq(run("--no-summary", "--timeout", "0.3", "-n", "t", "exec sleep 10", NULL), 143);
	ck_assert_uint_eq(tu_count_lines(tp.out, "t | ran past its timeout: stopping it"), 1);
	ck_assert_int_eq(run("--restart", "sometimes", "true", NULL), 2);
	ck_assert_int_eq(run("--env", "NOEQUALS", "true", NULL), 2);
}
END_TEST

/* No command and no -c: the Procfile here, with its .env. */
START_TEST(test_config_procfile_found)
{
	char dir[256];

	make_dir(dir, sizeof dir, "procfile");
	write_file(dir, "Procfile", "# the stack\nweb: echo \"web on $PORT\"\nworker: echo working\n");
	write_file(dir, ".env", "PORT=8080\n");
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(run("--no-summary", NULL), 0);
	ck_assert_uint_eq(tu_count_lines(tp.out, "web    | web on 8080"), 1);
	ck_assert_uint_eq(tu_count_lines(tp.out, "worker | working"), 1);
}
END_TEST

/* A broken file: a clear message with its place, and nothing started. */
START_TEST(test_config_errors)
{
	char dir[256], path[300];

	make_dir(dir, sizeof dir, "bad");
	write_file(dir, "brood.yaml", "processes:\n  web:\n    cmd: echo started\n    stop_signal: TREM\n");
	snprintf(path, sizeof path, "%s/brood.yaml", dir);
	ck_assert_int_eq(run("--no-summary", "-c", path, NULL), 2);
	ck_assert_msg(strstr(tp.err, "brood.yaml:4:18: processes.web.stop_signal: no signal called 'TREM'") != NULL,
	    "stderr: %s", tp.err);
	ck_assert_uint_eq(tp.out_len, 0);
	ck_assert_int_eq(chdir(dir), 0);
	unlink(path);
	ck_assert_int_eq(run("--no-summary", NULL), 2);
	ck_assert(strstr(tp.err, "no command given and no brood.yaml or Procfile here") != NULL);
	ck_assert_int_eq(run("--no-summary", "-c", "/nonexistent/brood.yaml", NULL), 2);
	ck_assert(strstr(tp.err, "/nonexistent/brood.yaml: No such file or directory") != NULL);
	/* A user that does not exist is refused before anything starts. */
	write_file(dir, "brood.yaml", "processes:\n  a:\n    cmd: echo started\n"
	    "    user: brood-no-such-user\n");
	ck_assert_int_eq(run("--no-summary", "-c", path, NULL), 2);
	ck_assert_msg(strstr(tp.err, geteuid() == 0 ? "a: no user called 'brood-no-such-user'" :
	    "a: user and group need brood to run as root") != NULL, "stderr: %s", tp.err);
	ck_assert_uint_eq(tp.out_len, 0);
}
END_TEST

int
main(void)
{
	TCase *tc;
	Suite *s = tu_suite("headless", &tc, NULL, teardown, 60);

	tcase_add_test(tc, test_lines_and_status);
	tcase_add_test(tc, test_stderr_marked);
	tcase_add_test(tc, test_signal_decoded);
	tcase_add_test(tc, test_exec_failures);
	tcase_add_test(tc, test_summary);
	tcase_add_test(tc, test_success_modes);
	tcase_add_test(tc, test_kill_others_on_fail);
	tcase_add_test(tc, test_kill_others);
	tcase_add_test(tc, test_trailing_partial_line);
	tcase_add_test(tc, test_partial_line_shown_while_waiting);
	tcase_add_test(tc, test_partial_line_interrupted_and_rewritten);
	tcase_add_test(tc, test_utf8_split);
	tcase_add_test(tc, test_escapes_dropped);
	tcase_add_test(tc, test_escapes_sgr_kept);
	tcase_add_test(tc, test_only_std_fds);
	tcase_add_test(tc, test_flood_complete);
	tcase_add_test(tc, test_no_newline_bounded);
	tcase_add_test(tc, test_long_line_split_marked);
	tcase_add_test(tc, test_stop_signal_option);
	tcase_add_test(tc, test_two_hundred_children);
	tcase_add_test(tc, test_low_fd_limit_raised);
	tcase_add_test(tc, test_sigterm_stops_all);
	tcase_add_test(tc, test_sighup_stops_all);
	tcase_add_test(tc, test_sigquit_stops_all);
	tcase_add_test(tc, test_sigkill_leaves_nothing);
	tcase_add_test(tc, test_sigint_twice_kills);
	tcase_add_test(tc, test_leftover_daemon_of_exited_child);
	tcase_add_test(tc, test_usage_errors);
	tcase_add_test(tc, test_config_yaml);
	tcase_add_test(tc, test_config_procfile_found);
	tcase_add_test(tc, test_config_errors);
	tcase_add_test(tc, test_config_restart_policy);
	tcase_add_test(tc, test_cli_process_options);
	tcase_add_test(tc, test_config_compat_formats);
	tcase_add_test(tc, test_paused_reader_does_not_slow_children);
	tcase_add_test(tc, test_reader_far_behind);
	tcase_add_test(tc, test_signal_while_reader_paused);
	tcase_add_test(tc, test_stuck_process_does_not_hang_the_stop);
	return tu_run_suite(s);
}
