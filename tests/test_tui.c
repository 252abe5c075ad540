/*
 * test_tui.c: the dashboard, driven like a user would: the real brood in a
 * real terminal (a private tmux server per test), keys sent, the screen
 * read back, and /proc checked for what the keys claim to have done. Every
 * test ends by checking that nothing it started survives.
 */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ptree.h"
#include "testutil.h"
#include "tmux.h"
#include "util.h"

static struct tmux tm;
static char cmdbuf[8][768];

/* "helper ARGS" in cmdbuf[slot]. */
#define H(slot, args) tu_helper_cmd(cmdbuf[slot], sizeof cmdbuf[slot], (args))

/* A command that records its pid in file, then becomes "helper ARGS". */
static const char *
PID(int slot, const char *file, const char *args)
{
	snprintf(cmdbuf[slot], sizeof cmdbuf[slot], "echo $$ > %s; exec %s %s", file,
	    tu_helper(), args);
	return cmdbuf[slot];
}

static void
teardown(void)
{
	tmux_cleanup(&tm);
}

#define WAIT(text) \
	ck_assert_msg(tmux_wait_text(&tm, (text), 10000), "'%s' never appeared; screen:\n%s", \
	    (text), tm.screen != NULL ? tm.screen : "(none)")
#define WAIT_GONE(text) \
	ck_assert_msg(tmux_wait_gone(&tm, (text), 10000), "'%s' never went; screen:\n%s", \
	    (text), tm.screen != NULL ? tm.screen : "(none)")
#define WAIT_RE(re) \
	ck_assert_msg(tmux_wait_regex(&tm, (re), 10000), "/%s/ never matched; screen:\n%s", \
	    (re), tm.screen != NULL ? tm.screen : "(none)")

/* Quit without asking and check brood ended well. */
static void
quit_now(void)
{
	int status = -1;

	tmux_send_keys(&tm, "Q", NULL);
	ck_assert_msg(tmux_wait_dead(&tm, &status, 15000), "brood did not quit");
	ck_assert_int_eq(status, 0);
}

/* Wait until a pid file names a live process; its pid. */
static pid_t
pid_from(const char *file, pid_t not)
{
	pid_t pids[2];
	uint64_t deadline = util_now_ms() + 10000;

	for (;;) {
		if (tu_read_pids(file, pids, 2, 100) == 1 && pids[0] != not &&
		    tu_pid_exists(pids[0]))
			return pids[0];
		ck_assert_msg(util_now_ms() < deadline, "no live pid in %s", file);
	}
}

/* Start brood on argv in a 120x30 pane, slot at of argv being a child that
 * records its pid in file (a fresh name) and then waits, ignoring SIGTERM;
 * that child's pid once it is ready. */
static pid_t
start_recorded(const char **argv, int at, char *file, size_t len)
{
	tu_tmpname(file, len, "pid");
	argv[at] = PID(0, file, "ignore-term");
	tmux_start(&tm, 120, 30, argv);
	WAIT("ready");
	return pid_from(file, 0);
}

/* The terminal settings saved by "stty -g" in before and after are the
 * same; both files are removed. */
static void
assert_tty_restored(const char *before, const char *after)
{
	char sb[512], sa[512];

	tu_read_line(before, sb, sizeof sb);
	tu_read_line(after, sa, sizeof sa);
	ck_assert_str_eq(sa, sb);
	unlink(before);
	unlink(after);
}

static bool
wait_pid_state(pid_t pid, char state, bool is, int timeout_ms)
{
	uint64_t deadline = util_now_ms() + (uint64_t)timeout_ms;

	while ((tu_pid_state(pid) == state) != is) {
		if (util_now_ms() > deadline)
			return false;
		usleep(10000);
	}
	return true;
}

START_TEST(test_shows_names_and_output)
{
	const char *argv[] = { tu_brood(), "-n", "alpha,beta", H(0, "echo hello-alpha"),
	    "echo hello-beta; exec sleep 100", NULL };

	tmux_start(&tm, 120, 30, argv);
	WAIT("hello-alpha");
	WAIT("hello-beta");
	WAIT_RE("^> alpha +exited 0");
	WAIT_RE("^  beta +running");
	WAIT(" alpha - exited 0");
	WAIT(" beta - running");
	quit_now();
	tmux_finish_clean(&tm);
}
END_TEST

START_TEST(test_terminate_escalates_then_start)
{
	char file[256];
	const char *argv[] = { tu_brood(), "--stop-timeout", "1", "-n", "stub", NULL, NULL };
	pid_t first, second;

	first = start_recorded(argv, 5, file, sizeof file);
	tmux_send_keys(&tm, "t", NULL);
	/* The countdown to SIGKILL is visible while it runs. */
	WAIT("stopping, KILL in");
	ck_assert(tu_pid_exists(first));
	WAIT("killed by SIGKILL");
	ck_assert(tu_wait_pid_dead(first, 2000));
	tmux_send_keys(&tm, "s", NULL);
	second = pid_from(file, first);
	WAIT_RE("^> stub +running");
	ck_assert(tu_pid_state(second) != 'Z');
	quit_now();
	ck_assert(tu_wait_pid_dead(second, 1000));
	unlink(file);
	tmux_finish_clean(&tm);
}
END_TEST

START_TEST(test_kill)
{
	char file[256];
	const char *argv[] = { tu_brood(), "--stop-timeout", "60", "-n", "k", NULL, NULL };
	pid_t pid;
	uint64_t t0;

	pid = start_recorded(argv, 5, file, sizeof file);
	t0 = util_now_ms();
	tmux_send_keys(&tm, "K", NULL);
	WAIT("killed by SIGKILL");
	ck_assert(tu_wait_pid_dead(pid, 2000));
	ck_assert_uint_lt(util_now_ms() - t0, 5000);
	quit_now();
	unlink(file);
	tmux_finish_clean(&tm);
}
END_TEST

/* A paste is text, not keys: pasted into the dashboard it is dropped with
 * a message (a pasted K or Q would kill or quit); pasted into a prompt it
 * is typed, its newline not taken for Enter. */
START_TEST(test_paste_is_not_commands)
{
	char file[256];
	const char *argv[] = { tu_brood(), "-n", "calm", NULL, NULL };
	pid_t pid;

	pid = start_recorded(argv, 3, file, sizeof file);
	free(tmux_command(&tm, "set-buffer", "-b", "p", "K\nQq", NULL));
	free(tmux_command(&tm, "paste-buffer", "-p", "-b", "p", "-t", tm.pane, NULL));
	WAIT("paste ignored (4 characters)");
	ck_assert(tu_pid_exists(pid));
	ck_assert_int_ne(tu_pid_state(pid), 'T');
	tmux_send_keys(&tm, "/", NULL);
	WAIT("/");
	free(tmux_command(&tm, "set-buffer", "-b", "p", "rea\ndy", NULL));
	free(tmux_command(&tm, "paste-buffer", "-p", "-b", "p", "-t", tm.pane, NULL));
	WAIT("/rea dy");
	tmux_send_keys(&tm, "Escape", NULL);
	WAIT_GONE("/rea dy");
	ck_assert(tu_pid_exists(pid));
	quit_now();
	unlink(file);
	tmux_finish_clean(&tm);
}
END_TEST

/* On a screen shorter than the help, the help scrolls (Up Down) and says
 * so, and a key other than those closes it; the signal menu scrolls to
 * keep its selection in sight. */
START_TEST(test_help_and_menu_on_a_short_screen)
{
	const char *argv[] = { tu_brood(), "-n", "calm", H(0, "ignore-term"), NULL };

	tmux_start(&tm, 100, 14, argv);
	WAIT("ready");
	tmux_send_keys(&tm, "?", NULL);
	WAIT("brood: keys");
	WAIT("1-12 of 24, Up Down to scroll");
	ck_assert_msg(strstr(tm.screen, "any key closes this help") == NULL, "%s", tm.screen);
	tmux_send_keys(&tm, "NPage", "NPage", NULL);
	WAIT("any key closes this help");
	WAIT("13-24 of 24");
	WAIT_GONE("brood: keys");
	tmux_send_keys(&tm, "Up", NULL);
	WAIT("12-23 of 24");
	tmux_send_keys(&tm, "x", NULL);
	WAIT_GONE("of 24");
	ck_assert_msg(strstr(tm.screen, "C-z") == NULL, "%s", tm.screen);
	/* The menu opens on SIGTERM (7th of 12); SIGALRM is the last. */
	tmux_send_keys(&tm, "!", NULL);
	WAIT("send a signal");
	tmux_send_keys(&tm, "Down", "Down", "Down", "Down", "Down", NULL);
	WAIT("SIGALRM");
	WAIT_GONE("send a signal");
	tmux_send_keys(&tm, "Escape", NULL);
	WAIT_GONE("SIGALRM");
	quit_now();
	tmux_finish_clean(&tm);
}
END_TEST

/* A failure's whole reason shows in the list when the screen has room:
 * the STATE column widens, and the columns after it move with it. */
START_TEST(test_list_shows_whole_failure)
{
	const char *argv[] = { tu_brood(), "-n", "gone", "/nonexistent/brood-test-cmd", NULL };

	tmux_start(&tm, 120, 12, argv);
	WAIT_RE("^> gone +exec failed: No such file or directory +[0-9]+ +- +- ");
	WAIT_RE("^  NAME STATE {38}PID +CPU +MEM ");
	quit_now();
	tmux_finish_clean(&tm);
}
END_TEST

START_TEST(test_pause_resume)
{
	char file[256];
	const char *argv[] = { tu_brood(), "-n", "z", NULL, NULL };
	pid_t pid;

	pid = start_recorded(argv, 3, file, sizeof file);
	tmux_send_keys(&tm, "z", NULL);
	WAIT_RE("^> z +paused");
	ck_assert_msg(wait_pid_state(pid, 'T', true, 3000), "not stopped in /proc");
	tmux_send_keys(&tm, "z", NULL);
	WAIT_RE("^> z +running");
	ck_assert_msg(wait_pid_state(pid, 'T', false, 3000), "still stopped in /proc");
	quit_now();
	unlink(file);
	tmux_finish_clean(&tm);
}
END_TEST

START_TEST(test_restart)
{
	char file[256];
	const char *argv[] = { tu_brood(), "-n", "r", NULL, NULL };
	pid_t first, second;

	tu_tmpname(file, sizeof file, "pid");
	argv[3] = PID(0, file, "sleep 100");
	tmux_start(&tm, 120, 30, argv);
	WAIT_RE("^> r +running");
	first = pid_from(file, 0);
	/* Many presses, one restart: never two instances. */
	tmux_send_keys(&tm, "r", "r", "r", "r", "r", NULL);
	second = pid_from(file, first);
	WAIT_RE("^> r +running +[0-9]+ .* [0-9]+s +1$");
	ck_assert(tu_wait_pid_dead(first, 2000));
	ck_assert(tu_pid_exists(second));
	{
		struct ptree pt = { 0 };
		pid_t brood = tmux_pane_pid(&tm);
		size_t i, children = 0;

		/* One instance: brood has exactly one child, the new one. */
		ptree_scan(&pt);
		for (i = 0; i < pt.n; i++)
			children += pt.v[i].ppid == brood && pt.v[i].state != 'Z';
		ptree_free(&pt);
		ck_assert_uint_eq(children, 1);
	}
	quit_now();
	unlink(file);
	tmux_finish_clean(&tm);
}
END_TEST

START_TEST(test_search_highlights)
{
	const char *argv[] = { tu_brood(), "-n", "fruit", H(0, "echo apple banana cherry"), NULL };
	char *screen;
	const char *p;

	tmux_start(&tm, 100, 20, argv);
	WAIT("cherry");
	tmux_send_keys(&tm, "/", NULL);
	tmux_send_literal(&tm, "ban");
	WAIT("/ban");
	tmux_send_keys(&tm, "Enter", NULL);
	WAIT_GONE("/ban");
	screen = tmux_capture(&tm, true);
	/* The match is drawn in the match style (black on yellow), the rest not. */
	p = strstr(screen, "ban");
	ck_assert_ptr_nonnull(p);
	ck_assert_msg(memmem(screen, (size_t)(p - screen), "43m", 3) != NULL,
	    "no highlight before the match: %s", screen);
	free(screen);
	tmux_send_keys(&tm, "n", NULL);
	WAIT("no older match for 'ban'");
	tmux_send_keys(&tm, "/", NULL);
	tmux_send_literal(&tm, "kiwi");
	tmux_send_keys(&tm, "Enter", NULL);
	WAIT("no older match for 'kiwi'");
	quit_now();
	tmux_finish_clean(&tm);
}
END_TEST

START_TEST(test_layouts)
{
	const char *argv[] = { tu_brood(), "-n", "aa,bb", "echo line-of-aa; exec sleep 100",
	    "echo line-of-bb; exec sleep 100", NULL };

	tmux_start(&tm, 120, 30, argv);
	/* Tiled: both panes at once, side by side. */
	WAIT_RE(" aa - running .* bb - running");
	WAIT_RE("line-of-aa .*line-of-bb");
	ck_assert(tmux_wait_text(&tm, "tiled", 1000));
	tmux_send_keys(&tm, "l", NULL);
	/* Merged: one list of lines with name prefixes. */
	WAIT("all processes, interleaved");
	WAIT_RE("^aa +\\| line-of-aa");
	WAIT_RE("^bb +\\| line-of-bb");
	tmux_send_keys(&tm, "l", NULL);
	/* Single: the selected process only. */
	WAIT(" aa - running");
	WAIT_GONE(" bb - running");
	WAIT_GONE("line-of-bb");
	tmux_send_keys(&tm, "j", NULL);
	WAIT(" bb - running");
	WAIT_GONE("line-of-aa");
	/* Zoom: the pane takes the list's rows too. */
	tmux_send_keys(&tm, "Enter", NULL);
	WAIT_GONE("NAME");
	WAIT(" bb - running");
	quit_now();
	tmux_finish_clean(&tm);
}
END_TEST

START_TEST(test_resize)
{
	const char *argv[] = { tu_brood(), "-n", "one,two", "seq 1 500; exec sleep 100",
	    "echo second; exec sleep 100", NULL };
	char *screen, *row;

	tmux_start(&tm, 200, 50, argv);
	WAIT("500");
	tmux_resize(&tm, 20, 6);
	WAIT_RE("^> one");
	tmux_resize(&tm, 1, 1);
	/* Nothing to see at 1x1, but brood must still be alive. */
	usleep(200000);
	ck_assert(!tmux_dead(&tm, NULL));
	tmux_resize(&tm, 120, 40);
	WAIT_RE("^  NAME +STATE");
	WAIT("second");
	WAIT_RE("^ 500 ");
	screen = tmux_capture(&tm, false);
	row = tmux_row(screen, 39);
	ck_assert_msg(strstr(row, "? help") != NULL, "status bar not on the last row: '%s'", row);
	free(row);
	free(screen);
	quit_now();
	tmux_finish_clean(&tm);
}
END_TEST

START_TEST(test_quit_leaves_nothing_and_restores_tty)
{
	char before[256], after[256], tree[256], daemon[256], script[2048];
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	pid_t dpid[2], tpids[4];
	int status = -1;
	size_t n;

	tu_tmpname(before, sizeof before, "before");
	tu_tmpname(after, sizeof after, "after");
	tu_tmpname(tree, sizeof tree, "tree");
	tu_tmpname(daemon, sizeof daemon, "daemon");
	snprintf(script, sizeof script,
	    "stty -g > %s; %s --stop-timeout 0.5 -n stub,daemon,shell "
	    "'%s ignore-term' '%s daemon %s' '%s tree 3 %s'; stty -g > %s",
	    before, tu_brood(), tu_helper(), tu_helper(), daemon, tu_helper(), tree, after);
	tmux_start(&tm, 120, 30, argv);
	WAIT("ready");
	WAIT("daemonized");
	WAIT("tree ready");
	ck_assert_uint_eq(tu_read_pids(daemon, dpid, 2, 5000), 1);
	n = tu_read_pids(tree, tpids, 4, 5000);
	ck_assert_uint_eq(n, 3);
	tmux_send_keys(&tm, "q", NULL);
	WAIT("quit? 3 processes are still running");
	tmux_send_keys(&tm, "y", NULL);
	ck_assert(tmux_wait_dead(&tm, &status, 15000));
	ck_assert_int_eq(status, 0);
	ck_assert(tu_wait_pid_dead(dpid[0], 1000));
	while (n-- > 0)
		ck_assert(tu_wait_pid_dead(tpids[n], 1000));
	assert_tty_restored(before, after);
	unlink(tree);
	unlink(daemon);
	tmux_finish_clean(&tm);
}
END_TEST

START_TEST(test_sighup_leaves_nothing)
{
	char daemon[256], dcmd[512], msg[512];
	const char *argv[] = { tu_brood(), "--stop-timeout", "0.5", "-n", "stub,daemon",
	    H(0, "ignore-term"), dcmd, NULL };
	pid_t dpid[2];

	tu_tmpname(daemon, sizeof daemon, "daemon");
	snprintf(dcmd, sizeof dcmd, "%s daemon %s", tu_helper(), daemon);
	tmux_start(&tm, 120, 30, argv);
	WAIT("ready");
	WAIT("daemonized");
	ck_assert_uint_eq(tu_read_pids(daemon, dpid, 2, 5000), 1);
	tmux_kill_server(&tm);
	ck_assert_msg(tu_wait_survivors(tm.tag, msg, sizeof msg, 10000) == 0, "survivors: %s", msg);
	ck_assert(tu_wait_pid_dead(dpid[0], 1000));
	unlink(daemon);
	tmux_finish_clean(&tm);
}
END_TEST

START_TEST(test_hostile_output_stays_in_pane)
{
	const char *argv[] = { tu_brood(), "-n", "first,esc", "echo first-line; exec sleep 100",
	    NULL, NULL };
	char *title, *host, *buffers, *screen, *row;

	snprintf(cmdbuf[1], sizeof cmdbuf[1], "sleep 0.3; exec %s escapes", tu_helper());
	argv[4] = cmdbuf[1];
	tmux_start(&tm, 120, 30, argv);
	WAIT("beforeRED after");
	WAIT("line2");
	/* The title, the clipboard, the cursor and the screen are untouched;
	 * no reply to a query was typed into brood. */
	title = tmux_display(&tm, "#{pane_title}");
	host = tmux_display(&tm, "#{host}");
	ck_assert_str_eq(title, host);
	buffers = tmux_buffers(&tm);
	ck_assert_msg(buffers[0] == '\0', "a clipboard buffer was set: %s", buffers);
	screen = tmux_capture(&tm, false);
	row = tmux_row(screen, 0);
	ck_assert_msg(strncmp(row, "  NAME", 6) == 0, "the list header moved: '%s'", row);
	ck_assert(strstr(screen, "first-line") != NULL);
	ck_assert(strstr(screen, "PWNED") == NULL);
	ck_assert(strstr(screen, "[?") == NULL && strstr(screen, ";1R") == NULL);
	free(row);
	free(screen);
	free(title);
	free(host);
	free(buffers);
	quit_now();
	tmux_finish_clean(&tm);
}
END_TEST

START_TEST(test_dumb_terminal_refused)
{
	/* tmux sets TERM itself: env(1) overrides it for brood alone. */
	const char *argv[] = { "/usr/bin/env", "TERM=dumb", tu_brood(), "-n", "x",
	    H(0, "sleep 100"), NULL };
	int status = -1;

	tmux_start(&tm, 120, 30, argv);
	ck_assert(tmux_wait_dead(&tm, &status, 10000));
	ck_assert_int_eq(status, 2);
	WAIT("TERM=dumb cannot show the dashboard");
	tmux_finish_clean(&tm);
}
END_TEST

START_TEST(test_no_color)
{
	const char *const env[] = { "NO_COLOR=1", NULL };
	const char *argv[] = { tu_brood(), "-n", "x", "printf '\\033[31mred\\033[0m\\n'; exec sleep 100",
	    NULL };
	char *screen;
	const char *p;

	tmux_start_env(&tm, 100, 20, env, argv);
	WAIT("red");
	screen = tmux_capture(&tm, true);
	/* No colour at all; the selection still shows, in reverse video. */
	for (p = screen; (p = strstr(p, "\033[")) != NULL; p += 2) {
		const char *q = p + 2;

		while (*q != '\0' && *q != 'm' && (size_t)(q - p) < 32) {
			long v = strtol(q, (char **)&q, 10);

			ck_assert_msg(!(v >= 30 && v <= 49 && v != 39 && v != 49) &&
			    !(v >= 90 && v <= 107), "colour SGR %ld under NO_COLOR", v);
			if (*q == ';')
				q++;
			else if (*q != 'm')
				break;
		}
	}
	ck_assert(strstr(screen, "\033[7m") != NULL || strstr(screen, ";7m") != NULL);
	free(screen);
	quit_now();
	tmux_finish_clean(&tm);
}
END_TEST

START_TEST(test_add_remove_signal)
{
	const char *argv[] = { tu_brood(), "-n", "trap",
	    "trap 'echo got-usr1' USR1; echo ready; while :; do sleep 0.1; done", NULL };
	char added[512];

	tmux_start(&tm, 120, 30, argv);
	WAIT("ready");
	/* ! opens the signal menu on SIGTERM; two rows up is SIGUSR1. */
	tmux_send_keys(&tm, "!", NULL);
	WAIT("send a signal");
	tmux_send_keys(&tm, "Up", "Up", "Enter", NULL);
	WAIT("got-usr1");
	WAIT("sent SIGUSR1 to trap");
	tmux_send_keys(&tm, "a", NULL);
	tmux_send_literal(&tm, tu_helper_cmd(added, sizeof added, "echo added-output"));
	WAIT("added-output"); /* echoed in the prompt */
	tmux_send_keys(&tm, "Enter", NULL);
	WAIT_RE("^> helper");
	WAIT("added-output");
	WAIT_RE("^> helper +exited 0");
	tmux_send_keys(&tm, "d", NULL);
	WAIT("removed helper");
	WAIT_GONE("added-output");
	/* A running process is not removed. */
	tmux_send_keys(&tm, "d", NULL);
	WAIT("trap is still running");
	/* The prompt takes the command line's process options too. */
	tmux_send_keys(&tm, "a", NULL);
	tmux_send_literal(&tm, "--name flaky --restart on-failure --max-restarts 1 -- exit 4");
	WAIT("flaky --restart");
	tmux_send_keys(&tm, "Enter", NULL);
	WAIT_RE("^> flaky +FATAL: 1 restarts in 60s");
	WAIT("flaky - FATAL: 1 restarts in 60s, exited 4");
	quit_now();
	tmux_finish_clean(&tm);
}
END_TEST

/* A prompt with no newline yet is shown as it is, like a terminal would. */
START_TEST(test_partial_line_shown)
{
	const char *argv[] = { tu_brood(), "-n", "ask", "printf 'Password for db: '; exec sleep 100",
	    NULL };

	tmux_start(&tm, 100, 20, argv);
	WAIT_RE("^ Password for db: *$");
	quit_now();
	tmux_finish_clean(&tm);
}
END_TEST

START_TEST(test_stream_filter_and_clear)
{
	const char *argv[] = { tu_brood(), "-n", "mix",
	    "echo to-stdout; echo to-stderr >&2; exec sleep 100", NULL };

	tmux_start(&tm, 100, 20, argv);
	WAIT("to-stdout");
	WAIT("to-stderr");
	tmux_send_keys(&tm, "e", NULL);
	WAIT("stdout only");
	WAIT_GONE("to-stderr");
	ck_assert(tmux_wait_text(&tm, "to-stdout", 1000));
	tmux_send_keys(&tm, "e", NULL);
	WAIT("stderr only");
	WAIT_GONE("to-stdout");
	WAIT("to-stderr");
	tmux_send_keys(&tm, "e", "c", NULL);
	WAIT_GONE("to-stderr");
	WAIT_GONE("to-stdout");
	quit_now();
	tmux_finish_clean(&tm);
}
END_TEST

START_TEST(test_themes)
{
	const char *argv[] = { tu_brood(), "--theme", "light", "-n", "x",
	    "echo themed; exec sleep 100", NULL };
	const char *bad[] = { tu_brood(), "--theme", "no-such-theme", "-n", "x", "sleep 100", NULL };
	int status = -1;

	tmux_start(&tm, 100, 20, argv);
	WAIT("themed");
	quit_now();
	tmux_finish_clean(&tm);
	tmux_cleanup(&tm);
	tmux_start(&tm, 100, 20, bad);
	ck_assert(tmux_wait_dead(&tm, &status, 10000));
	ck_assert_int_eq(status, 2);
	WAIT("no theme called 'no-such-theme'");
	tmux_finish_clean(&tm);
}
END_TEST

/* SIGTERM and a crash both give the terminal back. */
static void
exit_by_signal(int sig, int want_status)
{
	char before[256], after[256], pidf[256], script[2048];
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	pid_t child;
	int status = -1;

	tu_tmpname(before, sizeof before, "before");
	tu_tmpname(after, sizeof after, "after");
	tu_tmpname(pidf, sizeof pidf, "pid");
	snprintf(script, sizeof script, "stty -g > %s; %s -n c 'echo $$ > %s; exec %s sleep 100'; "
	    "echo status=$?; stty -g > %s", before, tu_brood(), pidf, tu_helper(), after);
	tmux_start(&tm, 100, 20, argv);
	WAIT_RE("^> c +running");
	child = pid_from(pidf, 0);
	{
		/* brood is the shell's child: find it as the parent of ours. */
		struct ptree pt = { 0 };
		size_t i;
		pid_t brood = 0;

		ptree_scan(&pt);
		for (i = 0; i < pt.n; i++) {
			if (pt.v[i].pid == child)
				brood = pt.v[i].ppid;
		}
		ptree_free(&pt);
		ck_assert_int_gt(brood, 1);
		kill(brood, sig);
	}
	{
		char want[32];

		snprintf(want, sizeof want, "status=%d", want_status);
		WAIT(want);
	}
	ck_assert(tu_wait_pid_dead(child, 5000));
	ck_assert(tmux_wait_dead(&tm, &status, 10000));
	assert_tty_restored(before, after);
	unlink(pidf);
	tmux_finish_clean(&tm);
}

START_TEST(test_sigterm_restores)
{
	exit_by_signal(SIGTERM, 143);
}
END_TEST

START_TEST(test_crash_restores)
{
	exit_by_signal(SIGSEGV, 139);
}
END_TEST

/* CPU and MEM columns, the sparkline, and the detail view of a busy tree. */
START_TEST(test_figures_and_details)
{
	char cmd[512];
	const char *argv[] = { tu_brood(), "--interval", "0.5", "-n", "busy", cmd, NULL };

	snprintf(cmd, sizeof cmd, "%s burn; echo unreachable", tu_helper());
	tmux_start(&tm, 150, 40, argv);
	/* The shell waits; its child burns one core: the tree reads ~100%
	 * (test_metrics holds the figure to 90-110% of what the child really
	 * got; on two loaded cores, or under valgrind, a spinner may get only
	 * part of one, so here "most of a core" in the tree, the leader idle). */
	WAIT_RE("^> busy +running +[0-9]+ +([5-9][0-9]|1[01][0-9])% +[0-9.]+[KMG] ");
	tmux_send_keys(&tm, "i", NULL);
	WAIT("busy - running");
	WAIT_RE("CPU ([5-9][0-9]|1[01][0-9])% \\(leader [0-9]%\\)");
	WAIT("processes 2");
	WAIT_RE("^ +[0-9]+ +S sleeping .*/bin/sh -c");
	WAIT_RE("^ +[0-9]+ +R running .*  .*helper burn");
	WAIT("spawned, pid");
	tmux_send_keys(&tm, "Escape", NULL);
	WAIT("NAME");
	quit_now();
	tmux_finish_clean(&tm);
}
END_TEST

/* Scrolling leaves the tail; End follows it again. A hostile process name
 * is shown sanitized. */
START_TEST(test_scroll_and_hostile_name)
{
	const char *argv[] = { tu_brood(), "-n", "log\033]0;PWNED\007\033[2J", "seq 1 500; exec sleep 100",
	    NULL };

	tmux_start(&tm, 100, 20, argv);
	WAIT_RE("^ 500 *$");
	/* The escape in the name was parsed away: the title and screen are intact. */
	WAIT_RE("^> log +running");
	tmux_send_keys(&tm, "PPage", NULL);
	WAIT("scrolled:");
	WAIT_GONE(" 500");
	tmux_send_keys(&tm, "Home", NULL);
	WAIT_RE("^ 1 *$");
	tmux_send_keys(&tm, "End", NULL);
	WAIT_RE("^ 500 *$");
	WAIT_GONE("scrolled:");
	{
		char *title = tmux_display(&tm, "#{pane_title}");

		ck_assert(strstr(title, "PWNED") == NULL);
		free(title);
	}
	quit_now();
	tmux_finish_clean(&tm);
}
END_TEST

/* A config: a process waits for another's readiness, and says so; a key
 * from the config kills. */
START_TEST(test_config_waiting_and_keys)
{
	char dir[256], path[300], yaml[1024];
	const char *argv[] = { tu_brood(), "-c", path, NULL };
	FILE *f;

	tu_tmpname(dir, sizeof dir, "conf");
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(path, sizeof path, "%s/brood.yaml", dir);
	snprintf(yaml, sizeof yaml,
	    "keys: { kill: C-x }\n"
	    "processes:\n"
	    "  db:\n"
	    "    cmd: echo booting; sleep 1.5; echo db is up; exec sleep 100\n"
	    "    ready: { log: \"db is up\" }\n"
	    "  web:\n"
	    "    cmd: echo serving; exec sleep 100\n"
	    "    depends_on: { db: ready }\n");
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(yaml, f);
	fclose(f);
	tmux_start(&tm, 120, 30, argv);
	WAIT_RE("^  web +waiting: db ready");
	WAIT("db is up");
	WAIT_RE("^  web +running");
	WAIT("serving");
	/* C-x is kill, as the config says. */
	tmux_send_keys(&tm, "C-x", NULL);
	WAIT_RE("^> db +killed by SIGKILL");
	quit_now();
	tmux_finish_clean(&tm);
	unlink(path);
	rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite *s;
	TCase *tc;

	if (!tmux_available()) {
		fprintf(stderr, "tmux not found: skipping the dashboard tests\n");
		return 77;
	}
	s = tu_suite("tui", &tc, NULL, teardown, 60);
	tcase_add_test(tc, test_shows_names_and_output);
	tcase_add_test(tc, test_terminate_escalates_then_start);
	tcase_add_test(tc, test_kill);
	tcase_add_test(tc, test_paste_is_not_commands);
	tcase_add_test(tc, test_help_and_menu_on_a_short_screen);
	tcase_add_test(tc, test_list_shows_whole_failure);
	tcase_add_test(tc, test_pause_resume);
	tcase_add_test(tc, test_restart);
	tcase_add_test(tc, test_search_highlights);
	tcase_add_test(tc, test_layouts);
	tcase_add_test(tc, test_resize);
	tcase_add_test(tc, test_quit_leaves_nothing_and_restores_tty);
	tcase_add_test(tc, test_sighup_leaves_nothing);
	tcase_add_test(tc, test_hostile_output_stays_in_pane);
	tcase_add_test(tc, test_dumb_terminal_refused);
	tcase_add_test(tc, test_no_color);
	tcase_add_test(tc, test_add_remove_signal);
	tcase_add_test(tc, test_partial_line_shown);
	tcase_add_test(tc, test_stream_filter_and_clear);
	tcase_add_test(tc, test_themes);
	tcase_add_test(tc, test_sigterm_restores);
	tcase_add_test(tc, test_crash_restores);
	tcase_add_test(tc, test_figures_and_details);
	tcase_add_test(tc, test_scroll_and_hostile_name);
	tcase_add_test(tc, test_config_waiting_and_keys);
	return tu_run_suite(s);
}
