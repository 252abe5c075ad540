/*
 * adv_signals.c: brood itself under every signal a user (or the system)
 * can send it while the dashboard runs in a real terminal (tmux): SIGTERM,
 * SIGINT, Ctrl-C, SIGHUP (sent, and the terminal closed), SIGQUIT,
 * suspending and resuming, SIGSEGV, SIGKILL (the guard cleans up).
 *
 * Every test runs the same family of children, one of each kind brood
 * must clean up: a child that ignores SIGTERM, a leader with a child in
 * its own process group and a double-forked setsid daemon, a shell with
 * two background children (grandchildren in the leader's group), and a
 * ticker printing ten lines a second. Then it checks what the user would
 * find: the terminal's settings and modes as before brood, brood's exit
 * status, and no process left.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptree.h"
#include "testutil.h"
#include "tmux.h"
#include "tuitest.h"
#include "util.h"

static struct tuitest a;

/* The family's pid files and pids. */
static char stub_file[256], fam_file[256], shell_file[256];
static pid_t stub;             /* ignores SIGTERM; brood's child */
static pid_t fam[3];           /* leader (brood's child), own-group child, daemon */
static pid_t shell;            /* sh -c, brood's child */
static pid_t kids[2];          /* the shell's background children */

static char cmd_stub[1024], cmd_fam[1024], cmd_shell[2048], cmd_tick[512];

static void
teardown(void)
{
	pid_t all[] = { stub, fam[0], fam[1], fam[2], shell, kids[0], kids[1] };
	size_t i;

	tuitest_cleanup(&a);
	/* What a failed test may leave (tmux_cleanup kills the rest). */
	for (i = 0; i < sizeof all / sizeof all[0]; i++) {
		if (all[i] > 1)
			kill(all[i], SIGKILL);
	}
	unlink(stub_file);
	unlink(fam_file);
	unlink(shell_file);
}

/* The brood arguments that run the family, after extra (NULL-terminated,
 * at most 4). */
static void
family_args(const char **args, const char *const *extra)
{
	int n = 0, i;

	tu_tmpname(stub_file, sizeof stub_file, "stub");
	tu_tmpname(fam_file, sizeof fam_file, "family");
	tu_tmpname(shell_file, sizeof shell_file, "shell");
	snprintf(cmd_stub, sizeof cmd_stub, "echo $$ > %s; exec %s ignore-term", stub_file,
	    tu_helper());
	snprintf(cmd_fam, sizeof cmd_fam, "%s tui-family %s", tu_helper(), fam_file);
	snprintf(cmd_shell, sizeof cmd_shell, "echo $$ > %s.sh; %s sleep 1000 & echo $! > %s.tmp; "
	    "%s sleep 1000 & echo $! >> %s.tmp; mv %s.tmp %s; echo shell ready; wait", shell_file,
	    tu_helper(), shell_file, tu_helper(), shell_file, shell_file, shell_file);
	snprintf(cmd_tick, sizeof cmd_tick, "%s tui-ticker t 100", tu_helper());
	for (i = 0; extra != NULL && extra[i] != NULL; i++)
		args[n++] = extra[i];
	args[n++] = "--stop-timeout";
	args[n++] = "0.5";
	args[n++] = "-n";
	args[n++] = "stub,family,shell,ticker";
	args[n++] = cmd_stub;
	args[n++] = cmd_fam;
	args[n++] = cmd_shell;
	args[n++] = cmd_tick;
	args[n] = NULL;
}

/* Wait for the family to be up and read its pids. */
static void
family_ready(void)
{
	char file[300];
	pid_t p[3];

	tuitest_wait(&a, "ready", 10000);
	tuitest_wait(&a, "family ready", 10000);
	tuitest_wait(&a, "shell ready", 10000);
	tuitest_wait(&a, "t tick 2", 10000);
	ck_assert_uint_eq(tu_read_pids(stub_file, &stub, 1, 5000), 1);
	ck_assert_uint_eq(tu_read_pids(fam_file, fam, 3, 5000), 3);
	snprintf(file, sizeof file, "%s.sh", shell_file);
	ck_assert_uint_eq(tu_read_pids(file, &shell, 1, 5000), 1);
	unlink(file);
	ck_assert_uint_eq(tu_read_pids(shell_file, kids, 2, 5000), 2);
	ck_assert_uint_eq(tu_read_pids(fam_file, p, 3, 0), 3);
	ck_assert_msg(tu_pid_exists(fam[2]), "the daemon %d is not running", (int)fam[2]);
}

/* Start brood on the family in a 120x30 pane. */
static void
start_family(const char *const *extra)
{
	const char *args[16];

	uint64_t t0;

	family_args(args, extra);
	tuitest_start(&a, 120, 30, NULL, NULL, args);
	family_ready();
	/* What brood adopted and what ended was reaped: no zombie stays. */
	for (t0 = util_now_ms(); tuitest_zombies(a.brood) > 0;) {
		ck_assert_msg(util_now_ms() - t0 < 2000, "brood leaves %zu zombies",
		    tuitest_zombies(a.brood));
		usleep(10000);
	}
}

/* Every process of the family is gone within timeout_ms. */
static void
assert_family_gone(int timeout_ms)
{
	pid_t all[] = { stub, fam[0], fam[1], fam[2], shell, kids[0], kids[1] };
	static const char *const what[] = { "the TERM-ignoring child", "the family's leader",
		"the child in its own group", "the setsid daemon", "the shell",
		"a shell's background child", "a shell's background child" };
	size_t i;

	for (i = 0; i < sizeof all / sizeof all[0]; i++)
		ck_assert_msg(tu_wait_pid_dead(all[i], timeout_ms), "%s (%d) survived", what[i],
		    (int)all[i]);
}

/* brood ends by itself: its exit status within timeout_ms (-1 if not). */
static int
wait_brood(int timeout_ms)
{
	int status = -1;

	if (!tmux_wait_dead(&a.tm, &status, timeout_ms))
		return -1;
	return status;
}

/* A signal from outside: brood stops everything (the TERM-ignoring child
 * after the stop timeout), gives the terminal back and exits 128+N. */
static void
signal_quits(int sig)
{
	uint64_t t0;
	int status;

	start_family(NULL);
	t0 = util_now_ms();
	kill(a.brood, sig);
	status = wait_brood(15000);
	ck_assert_msg(status == 128 + sig, "brood ended with status %d after SIG%s", status,
	    sigabbrev_np(sig));
	fprintf(stderr, "SIG%s: brood stopped everything and ended in %llu ms\n",
	    sigabbrev_np(sig), (unsigned long long)(util_now_ms() - t0));
	assert_family_gone(2000);
	tuitest_assert_restored(&a, false);
	tmux_finish_clean(&a.tm);
}

START_TEST(test_sigterm)
{
	signal_quits(SIGTERM);
}
END_TEST

START_TEST(test_sigint)
{
	signal_quits(SIGINT);
}
END_TEST

/* SIGQUIT is a request to quit like the others; the children must not be
 * left to the kernel's default (a core dump of brood alone). */
START_TEST(test_sigquit)
{
	signal_quits(SIGQUIT);
}
END_TEST

/* SIGHUP sent while the terminal is still there (kill -HUP, a session
 * manager): everything stops, and the terminal is given back all the same. */
START_TEST(test_sighup_sent)
{
	signal_quits(SIGHUP);
}
END_TEST

/* The second signal does not wait for the stop timeout: it kills. */
START_TEST(test_second_signal_kills)
{
	const char *extra[] = { "--stop-timeout", "60", NULL };
	uint64_t t0;
	int status;

	start_family(extra);
	t0 = util_now_ms();
	kill(a.brood, SIGTERM);
	tuitest_wait(&a, "quitting: waiting for 1 process to stop", 5000);
	kill(a.brood, SIGTERM);
	status = wait_brood(10000);
	ck_assert_int_eq(status, 128 + SIGTERM);
	ck_assert_msg(util_now_ms() - t0 < 5000, "the second SIGTERM waited for the timeout");
	assert_family_gone(2000);
	tuitest_assert_restored(&a, false);
	tmux_finish_clean(&a.tm);
}
END_TEST

/* Ctrl-C is a key in raw mode: brood asks before stopping running
 * processes; a second Ctrl-C answers yes, as a user hammering it means. */
START_TEST(test_ctrl_c)
{
	int status;

	start_family(NULL);
	tmux_send_keys(&a.tm, "C-c", NULL);
	tuitest_wait(&a, "quit? 4 processes are still running", 5000);
	tmux_send_keys(&a.tm, "C-c", NULL);
	status = wait_brood(15000);
	ck_assert_int_eq(status, 0);
	assert_family_gone(2000);
	tuitest_assert_restored(&a, false);
	tmux_finish_clean(&a.tm);
}
END_TEST

/* The terminal closes (tmux's command kills the pane, or the session if
 * session is not NULL): brood gets SIGHUP and EIO; all stops, within the
 * stop timeout and a little more. */
static void
close_terminal(const char *command, const char *session)
{
	char msg[512];
	uint64_t t0 = util_now_ms();

	free(tmux_command(&a.tm, command, "-t", session != NULL ? session : a.tm.pane, NULL));
	ck_assert_msg(tu_wait_pid_dead(a.brood, 10000), "brood outlived its terminal");
	fprintf(stderr, "%s: brood ended %llu ms after its terminal closed\n", command,
	    (unsigned long long)(util_now_ms() - t0));
	assert_family_gone(2000);
	ck_assert_msg(tu_wait_survivors(a.tm.tag, msg, sizeof msg, 10000) == 0, "survivors: %s",
	    msg);
	tmux_finish_clean(&a.tm);
}

START_TEST(test_pane_killed)
{
	start_family(NULL);
	close_terminal("kill-pane", NULL);
}
END_TEST

START_TEST(test_session_killed)
{
	start_family(NULL);
	close_terminal("kill-session", "test");
}
END_TEST

/* A crash: the handler gives the terminal back and kills every child,
 * the ones that left the leader's group and session included; brood dies
 * of the signal. */
START_TEST(test_sigsegv)
{
	int status;

	start_family(NULL);
	kill(a.brood, SIGSEGV);
	status = wait_brood(10000);
	ck_assert_int_eq(status, 128 + SIGSEGV);
	assert_family_gone(2000);
	tuitest_assert_restored(&a, false);
	tmux_finish_clean(&a.tm);
}
END_TEST

/* SIGKILL: no handler of brood's runs. The kernel kills brood's direct
 * children (PR_SET_PDEATHSIG, set by spawn.c in each); brood's guard
 * (guard.c), a process of its own, sees brood die, gives the terminal back
 * and kills the rest: a grandchild in the leader's group, a child that
 * moved to its own group, a daemon that brood had adopted. */
START_TEST(test_sigkill)
{
	start_family(NULL);
	kill(a.brood, SIGKILL);
	ck_assert_int_eq(wait_brood(10000), 128 + SIGKILL);
	assert_family_gone(3000);
	tuitest_wait_restored(&a, true, 3000);
	tmux_finish_clean(&a.tm);
}
END_TEST

/* Whether pid descends from root, in pt. */
static bool
descends(const struct ptree *pt, pid_t pid, pid_t root)
{
	size_t hops, j;

	for (hops = 0; hops < 64 && pid > 1; hops++) {
		for (j = 0; j < pt->n && pt->v[j].pid != pid; j++)
			;
		if (j == pt->n)
			return false;
		pid = pt->v[j].ppid;
		if (pid == root)
			return true;
	}
	return false;
}

/* The first process below root whose command line holds needle (its
 * first word, if argv0), or 0. */
static pid_t
find_below(pid_t root, const char *needle, bool argv0)
{
	struct ptree pt = { 0 };
	pid_t found = 0;
	size_t i;

	ptree_scan(&pt);
	for (i = 0; i < pt.n && found == 0; i++) {
		char path[64], buf[4096];
		ssize_t n;
		int fd;

		if (!descends(&pt, pt.v[i].pid, root))
			continue;
		snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pt.v[i].pid);
		fd = open(path, O_RDONLY);
		if (fd == -1)
			continue;
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (argv0) {
			if (strcmp(buf, needle) == 0)
				found = pt.v[i].pid;
			continue;
		}
		for (ssize_t k = 0; k < n; k++) {
			if (buf[k] == '\0')
				buf[k] = ' ';
		}
		if (strstr(buf, needle) != NULL)
			found = pt.v[i].pid;
	}
	ptree_free(&pt);
	return found;
}

/* Bytes pid has written (/proc/pid/io), or -1. */
static long
written(pid_t pid)
{
	char path[64], line[128];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "wchar: ", 7) == 0)
			n = atol(line + 7);
	}
	fclose(f);
	return n;
}

/* s without the word that starts with prefix (up to the next blank). */
static void
drop_word(char *s, const char *prefix)
{
	char *p = strstr(s, prefix), *end;

	if (p == NULL)
		return;
	end = strchr(p + 1, ' ');
	memmove(p, end != NULL ? end : p + strlen(p), strlen(end != NULL ? end : p + strlen(p)) + 1);
}

/* The "t tick N" numbers on the screen, top to bottom, are consecutive:
 * no line was lost. How many there are. */
static int
ticks_consecutive(const char *screen)
{
	const char *p = screen;
	unsigned long prev = 0;
	int n = 0;

	while ((p = strstr(p, "t tick ")) != NULL) {
		unsigned long v = strtoul(p + 7, NULL, 10);

		ck_assert_msg(n == 0 || v == prev + 1, "tick %lu follows tick %lu:\n%s", v, prev,
		    screen);
		prev = v;
		n++;
		p++;
	}
	return n;
}

/*
 * brood on the family under bash with job control, as from an interactive
 * shell: "set -m; stty -g > FILE; brood ...; echo suspended=$?; read x;
 * fg; echo resumed=$?". Ctrl-Z gives the shell back ("suspended=148"),
 * Enter resumes brood in the foreground. With in_script, brood is run by
 * a shell script (the job is "sh -c 'brood ...; echo script-done'"), which
 * must stop with it for the shell to get the terminal back.
 */
static void
start_under_bash(bool in_script)
{
	static char script[8192];
	const char *args[16], *argv[24];
	size_t off = 0;
	int i, k = 0;

	family_args(args, NULL);
	tu_tmpname(a.stty_file, sizeof a.stty_file, "stty");
	off += (size_t)snprintf(script + off, sizeof script - off,
	    "set -m; stty -g > %s; %s'%s'", a.stty_file,
	    in_script ? "sh -c '\"$0\" \"$@\"; echo script-done' " : "", tu_brood());
	for (i = 0; args[i] != NULL; i++)
		off += (size_t)snprintf(script + off, sizeof script - off, " \"$%d\"", i + 1);
	off += (size_t)snprintf(script + off, sizeof script - off,
	    "; echo suspended=$?; read x; fg; echo resumed=$?");
	ck_assert_uint_lt(off, sizeof script - 1);
	/* bash -c SCRIPT bash ARGS...: the family's arguments as $1... */
	argv[k++] = "/bin/bash";
	argv[k++] = "-c";
	argv[k++] = script;
	argv[k++] = "bash";
	for (i = 0; args[i] != NULL; i++)
		argv[k++] = args[i];
	argv[k] = NULL;
	tmux_start(&a.tm, 120, 30, argv);
	family_ready();
	a.brood = find_below(tmux_pane_pid(&a.tm), tu_brood(), true);
	ck_assert_int_gt(a.brood, 1);
}

/*
 * Ctrl-Z in a shell with job control: brood stops and gives the terminal
 * back as it found it, the shell runs; the children keep running and
 * writing meanwhile. fg: brood takes the terminal again, draws it all
 * anew, has lost none of the lines written while it was stopped, answers
 * keys, and quits cleanly.
 */
static void
suspend_resume(bool in_script)
{
	char *running_modes, *modes, *screen, *last;
	pid_t ticker;
	long w0;
	int i, n;

	start_under_bash(in_script);
	ticker = find_below(a.brood, "tui-ticker", false);
	ck_assert_int_gt(ticker, 1);
	running_modes = tuitest_modes(&a);

	tmux_send_keys(&a.tm, "C-z", NULL);
	tuitest_wait(&a, "suspended=148", 5000);
	ck_assert_int_eq(tu_pid_state(a.brood), 'T');
	tuitest_assert_restored(&a, false);
	/* The children run on: the ticker keeps writing to its pipe. */
	w0 = written(ticker);
	while (written(ticker) < w0 + 50) {
		ck_assert_msg(tu_pid_state(ticker) != 'T', "the ticker was stopped with brood");
		usleep(20000);
	}
	ck_assert_int_ne(tu_pid_state(stub), 'T');
	ck_assert_int_ne(tu_pid_state(fam[2]), 'T');
	/* The window changes size while brood is away (its SIGWINCH goes to
	 * the shell, the foreground job then). */
	tmux_resize(&a.tm, 100, 26);

	/* fg: the whole screen again, at the new size. */
	tmux_send_keys(&a.tm, "Enter", NULL);
	tuitest_wait_re(&a, "^  NAME +STATE", 5000);
	tuitest_wait_gone(&a, "suspended=148", 5000);
	tuitest_wait(&a, " ticker - running", 5000);
	last = tmux_row(a.tm.screen, 25);
	ck_assert_msg(last != NULL && strstr(last, "? help") != NULL && strstr(last, "tiled") != NULL,
	    "the last row after fg is '%s'", last != NULL ? last : "");
	free(last);
	/* The same modes as before (tab stops follow the width). */
	modes = tuitest_modes(&a);
	drop_word(modes, " tabs=");
	drop_word(running_modes, " tabs=");
	ck_assert_msg(strcmp(modes, running_modes) == 0, "after fg the modes are\n%s\nnot\n%s",
	    modes, running_modes);
	free(modes);
	free(running_modes);
	ck_assert_int_ne(tu_pid_state(a.brood), 'T');

	/* Nothing lost: the ticker's lines, zoomed, are consecutive. */
	for (i = 0; i < 3; i++)
		tmux_send_keys(&a.tm, "j", NULL);
	tuitest_wait_re(&a, "^> ticker ", 5000);
	tmux_send_keys(&a.tm, "Enter", NULL);
	tuitest_wait_gone(&a, "NAME", 5000);
	tuitest_wait(&a, "t tick 20", 5000);
	screen = tmux_capture(&a.tm, false);
	n = ticks_consecutive(screen);
	free(screen);
	ck_assert_msg(n >= 20, "only %d ticks on the zoomed pane", n);

	tmux_send_keys(&a.tm, "Q", NULL);
	tuitest_wait(&a, "resumed=0", 15000);
	if (in_script)
		tuitest_wait(&a, "script-done", 1000);
	tuitest_assert_restored(&a, false);
	assert_family_gone(2000);
	tmux_finish_clean(&a.tm);
}

START_TEST(test_suspend_resume)
{
	suspend_resume(false);
}
END_TEST

/* The same, brood started by a shell script: Ctrl-Z stops the script too
 * (it is in brood's process group), or the shell would wait on it and
 * never get the terminal back. */
START_TEST(test_suspend_from_script)
{
	suspend_resume(true);
}
END_TEST

/* SIGSTOP, something written over the screen, SIGCONT: brood draws it all
 * anew. And a SIGTSTP that no shell could resume (brood is the pane's
 * command, without job control) is not obeyed: brood goes on. */
START_TEST(test_stop_cont_redraws)
{
	char *tty;
	int fd;

	start_family(NULL);
	kill(a.brood, SIGSTOP);
	while (tu_pid_state(a.brood) != 'T')
		usleep(10000);
	tty = tmux_display(&a.tm, "#{pane_tty}");
	fd = open(tty, O_WRONLY | O_NOCTTY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "\033[2J\033[HGARBAGE-OVER-BROOD", 25), 25);
	close(fd);
	free(tty);
	tuitest_wait(&a, "GARBAGE-OVER-BROOD", 5000);
	kill(a.brood, SIGCONT);
	tuitest_wait_gone(&a, "GARBAGE", 5000);
	tuitest_wait_re(&a, "^  NAME +STATE", 5000);

	kill(a.brood, SIGTSTP);
	tuitest_wait_re(&a, "^  NAME +STATE", 5000);
	ck_assert_int_ne(tu_pid_state(a.brood), 'T');
	tmux_send_keys(&a.tm, "l", NULL);
	tuitest_wait(&a, "all processes, interleaved", 5000);
	tmux_send_keys(&a.tm, "Q", NULL);
	ck_assert_int_eq(wait_brood(15000), 0);
	assert_family_gone(2000);
	tuitest_assert_restored(&a, false);
	tmux_finish_clean(&a.tm);
}
END_TEST

/* Suspended, then the terminal closes: the kernel sends the stopped,
 * orphaned brood SIGHUP and SIGCONT; it stops everything and ends. */
START_TEST(test_suspended_then_closed)
{
	start_under_bash(false);
	tmux_send_keys(&a.tm, "C-z", NULL);
	tuitest_wait(&a, "suspended=148", 5000);
	ck_assert_int_eq(tu_pid_state(a.brood), 'T');
	close_terminal("kill-pane", NULL);
}
END_TEST

int
main(void)
{
	Suite *s;
	TCase *tc;

	s = tuitest_suite("adv_signals", &tc, teardown, 120);
	tuitest_add(tc, test_sigterm);
	tuitest_add(tc, test_sigint);
	tuitest_add(tc, test_sigquit);
	tuitest_add(tc, test_sighup_sent);
	tuitest_add(tc, test_second_signal_kills);
	tuitest_add(tc, test_ctrl_c);
	tuitest_add(tc, test_pane_killed);
	tuitest_add(tc, test_session_killed);
	tuitest_add(tc, test_sigsegv);
	tuitest_add(tc, test_sigkill);
	tuitest_add(tc, test_suspend_resume);
	tuitest_add(tc, test_suspend_from_script);
	tuitest_add(tc, test_stop_cont_redraws);
	tuitest_add(tc, test_suspended_then_closed);
	return tu_run_suite(s);
}
