/*
 * adv_output.c: children that abuse their output: lines without an end, a
 * million lines, a flood beside quiet neighbours, binary bytes, broken
 * UTF-8, a stdout closed early or held by a grandchild after its parent
 * exited, and children that reach for stdin or the terminal. Nothing may
 * be lost, nothing may hang, and no byte may reach brood's output that a
 * terminal would take for a control.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static struct tu_proc tp;

static void
teardown(void)
{
	tu_free(&tp);
}

START_TEST(test_trailing_lines_at_exit)
{
	/* Partial lines on both streams, then a death that leaves no time to
	 * flush anything: all of it is in the pipes, and all of it is shown. */
	ck_assert_int_eq(tu_run(&tp, "--no-summary", "-n", "t",
	    "printf 'one\\ntwo\\nlast-out'; printf 'last-err' >&2; kill -9 $$", NULL), 137);
	tu_assert_line(&tp, "t | one");
	tu_assert_line(&tp, "t | two");
	tu_assert_line(&tp, "t | last-out");
	tu_assert_line(&tp, "t ! last-err");
	tu_assert_line(&tp, "t | killed by SIGKILL");
}
END_TEST

START_TEST(test_million_lines)
{
	const char *p;
	unsigned long want = 1;

	ck_assert_int_eq(tu_run(&tp, "--no-summary", "-n", "c", tu_h(0, "count 1000000"), NULL), 0);
	/* Every number, once, in order. */
	for (p = tp.out; strncmp(p, "c | ", 4) == 0 && want <= 1000000; want++) {
		char *end;
		unsigned long got = strtoul(p + 4, &end, 10);

		ck_assert_msg(got == want && *end == '\n', "line %lu reads '%.20s'", want, p);
		p = end + 1;
	}
	ck_assert_uint_eq(want, 1000001);
	ck_assert_str_eq(p, "c | exited 0\n");
}
END_TEST

START_TEST(test_flood_beside_quiet)
{
	const char *argv[] = { tu_brood(), "--no-summary", "-n", "flood,quiet", "yes",
	    tu_h(0, "ticker 10 100"), NULL };
	long worst = 0, stop_at;
	int i;

	/* yes writes as fast as brood reads; the quiet child's lines must
	 * still come out as they are written, not after the flood. */
	tu_start(&tp, argv);
	tp.skip = "flood | y";
	for (i = 1; i <= 10; i++) {
		char needle[32], *at;
		long stamp, late;

		snprintf(needle, sizeof needle, "quiet | tick %d ", i);
		ck_assert_msg(tu_wait_for(&tp, needle, 5000), "no '%s' after %zu flood lines", needle,
		    tp.skipped);
		at = strstr(tp.out, needle);
		stamp = strtol(at + strlen(needle), NULL, 10);
		late = tu_now_ms() - stamp;
		worst = late > worst ? late : worst;
	}
	ck_assert_msg(worst < 1000, "a quiet line came %ld ms late", worst);
	ck_assert_msg(tp.skipped > 100000, "only %zu flood lines in a second", tp.skipped);
#ifndef __SANITIZE_ADDRESS__ /* shadow memory makes RSS meaningless */
	ck_assert_msg(tu_peak_rss_kib(tp.pid) < 32 * 1024, "brood's peak RSS is %ld KiB",
	    tu_peak_rss_kib(tp.pid));
#endif
	ck_assert(tu_wait_for(&tp, "quiet | exited 0", 5000));
	/* Busy as it is, brood answers a signal at once. */
	stop_at = tu_now_ms();
	kill(tp.pid, SIGTERM);
	ck_assert(tu_finish(&tp, 10000));
	ck_assert_msg(tu_now_ms() - stop_at < 3000, "stopping took %ld ms", tu_now_ms() - stop_at);
	tu_assert_no_survivors(&tp);
	ck_assert_int_eq(WEXITSTATUS(tp.status), 143);
	tu_assert_line(&tp, "flood | killed by SIGTERM");
}
END_TEST

START_TEST(test_binary_and_nul)
{
	ck_assert_int_eq(tu_run(&tp, "--no-summary", "-n", "n", "printf 'a\\0b\\0\\0c\\n'", NULL), 0);
	/* NUL is data: a control picture, and the line goes on. */
	tu_assert_line(&tp, "n | a\xe2\x90\x80" "b\xe2\x90\x80\xe2\x90\x80" "c");
	ck_assert_int_eq(tu_run(&tp, "--no-summary", "-n", "b", tu_h(0, "binary"), NULL), 0);
	tu_assert_terminal_safe(tp.out, tp.out_len, false);
	/* Controls are shown as control pictures, DEL too; ESC starts a
	 * sequence and goes; the \r at 0x0d rewrites the line from there, as
	 * on a terminal; bytes past 0x7f are not UTF-8 and each becomes U+FFFD. */
	ck_assert_msg(strncmp(tp.out, "b | \xe2\x90\x8e\xe2\x90\x8f\xe2\x90\x90", 13) == 0,
	    "%s", tp.out);
	ck_assert_msg(strstr(tp.out, "\xe2\x90\x9a\xe2\x90\x9c") != NULL, "%s", tp.out);
	ck_assert_msg(strstr(tp.out, "}~\xe2\x90\xa1\xef\xbf\xbd") != NULL, "%s", tp.out);
	ck_assert_msg(strstr(tp.out, "\xef\xbf\xbd:end\n") != NULL, "%s", tp.out);
	tu_assert_line(&tp, "b | after");
	tu_assert_line(&tp, "b | exited 0");
}
END_TEST

START_TEST(test_invalid_utf8)
{
	ck_assert_int_eq(tu_run(&tp, "--no-summary", "-n", "u", tu_h(0, "badutf8"), NULL), 0);
	tu_assert_terminal_safe(tp.out, tp.out_len, false);
	/* One U+FFFD per maximal bad piece, as the WHATWG decoder does. */
	tu_assert_line(&tp, "u | lone-cont \xef\xbf\xbd\xef\xbf\xbd end");
	tu_assert_line(&tp, "u | truncated \xef\xbf\xbd end");
	tu_assert_line(&tp, "u | overlong \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end");
	tu_assert_line(&tp, "u | surrogate \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end");
	tu_assert_line(&tp, "u | bad-lead \xef\xbf\xbd\xef\xbf\xbd end");
	tu_assert_line(&tp, "u | lead-at-eol \xef\xbf\xbd");
	tu_assert_line(&tp, "u | good \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 end");
	/* Split over three writes, whole again. */
	tu_assert_line(&tp, "u | split \xf0\x9f\x98\x80 end");
}
END_TEST

START_TEST(test_closes_stdout_lives_on)
{
	const char *argv[] = { tu_brood(), "--no-summary", "-n", "c,forever",
	    tu_h(0, "close-stdout 1"), tu_h(1, "close-stdout 1000"), NULL };
	long closed;

	/* EOF on both pipes is not an ending: the process still runs. */
	tu_start(&tp, argv);
	ck_assert(tu_wait_for(&tp, "c       | closing", 5000));
	closed = tu_now_ms();
	ck_assert(tu_wait_for(&tp, "c       | exited 0", 5000));
	ck_assert_msg(tu_now_ms() - closed >= 700, "reported over after %ld ms",
	    tu_now_ms() - closed);
	ck_assert_ptr_null(strstr(tp.out, "forever | exited"));
	ck_assert(tu_wait_for(&tp, "forever | closing", 5000));
	kill(tp.pid, SIGTERM);
	ck_assert(tu_finish(&tp, 5000));
	tu_assert_no_survivors(&tp);
	tu_assert_line(&tp, "forever | killed by SIGTERM");
}
END_TEST

/* A grandchild keeps the pipe after its parent exited (in the parent's
 * session, or in one of its own): the exit is reported at once, brood does
 * not wait for the pipe, and the grandchild is stopped at the end. */
static void
grandchild_holds_pipe(const char *how)
{
	char file[256], args[400];
	pid_t held[2];
	long start = tu_now_ms();

	tu_tmpname(file, sizeof file, "held");
	snprintf(args, sizeof args, "hold-pipe %s %s", file, how);
	ck_assert_int_eq(tu_run(&tp, "--no-summary", "--stop-timeout", "20", "-n", "g",
	    tu_h(0, args), NULL), 0);
	tu_assert_line(&tp, "g | parent done");
	tu_assert_line(&tp, "g | held");
	tu_assert_line(&tp, "g | exited 0");
	/* It died of the stop signal, well before the stop timeout. */
	ck_assert_msg(tu_now_ms() - start < 5000, "took %ld ms", tu_now_ms() - start);
	ck_assert_uint_eq(tu_read_pids(file, held, 2, 1000), 1);
	ck_assert(!tu_pid_exists(held[0]));
	unlink(file);
}

START_TEST(test_grandchild_holds_pipe)
{
	grandchild_holds_pipe("");
}
END_TEST

START_TEST(test_grandchild_holds_pipe_setsid)
{
	grandchild_holds_pipe("setsid");
}
END_TEST

START_TEST(test_stdin_is_not_brood_s)
{
	const char *argv[] = { tu_brood(), "--headless", "--no-summary", "-n", "in",
	    tu_h(0, "stdin"), NULL };
	struct tu_opts o = { .stdin_pipe = true };

	/* brood's stdin is a pipe with data waiting: the child reads EOF. */
	tu_start_opts(&tp, argv, &o);
	ck_assert_int_eq(write(tp.in_fd, "secret\n", 7), 7);
	ck_assert(tu_finish(&tp, 10000));
	tu_assert_no_survivors(&tp);
	tu_assert_line(&tp, "in | stdin: eof");
}
END_TEST

START_TEST(test_no_terminal_for_children)
{
	const char *argv[] = { tu_brood(), "--headless", "--no-summary", "-n", "tty,in",
	    tu_h(0, "tty"), tu_h(1, "stdin"), NULL };
	struct tu_opts o = { .ctty = true };
	char buf[4096];
	ssize_t n;

	/* brood runs on a terminal (headless all the same): its children have
	 * none, so /dev/tty fails cleanly and stdin is empty. */
	tu_start_opts(&tp, argv, &o);
	ck_assert_int_eq(write(tp.pty_fd, "typed\n", 6), 6);
	ck_assert(tu_finish(&tp, 10000));
	tu_assert_no_survivors(&tp);
	tu_assert_line(&tp, "tty | tty: No such device or address");
	tu_assert_line(&tp, "tty | exited 1");
	tu_assert_line(&tp, "in  | stdin: eof");
	n = read(tp.pty_fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	ck_assert_msg(strstr(buf, "PWNED") == NULL, "the child wrote to the terminal: %s", buf);
}
END_TEST

START_TEST(test_output_unwritable)
{
	const char *argv[] = { tu_brood(), "--no-summary", "-n", "a", "echo hi; sleep 30", NULL };
	struct tu_opts o = { .stdout_path = "/dev/full" };

	/* A full disk: brood stops everything and says why. */
	tu_start_opts(&tp, argv, &o);
	ck_assert(tu_finish(&tp, 10000));
	tu_assert_no_survivors(&tp);
	ck_assert_msg(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 1, "status 0x%x", tp.status);
	ck_assert_msg(strstr(tp.err, "brood: cannot write its output (No space left on device): "
	    "stopping every process") != NULL, "stderr: %s", tp.err);
}
END_TEST

START_TEST(test_reader_gone)
{
	const char *argv[] = { tu_brood(), "--no-summary", "-n", "y", "yes", NULL };

	/* brood | head: once the reader leaves, everything stops, quietly. */
	tu_start(&tp, argv);
	ck_assert(tu_wait_for(&tp, "y | y\n", 5000));
	close(tp.out_fd);
	tp.out_fd = -1;
	ck_assert(tu_finish(&tp, 10000));
	tu_assert_no_survivors(&tp);
	ck_assert_msg(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 141, "status 0x%x", tp.status);
	ck_assert_uint_eq(tp.err_len, 0);
}
END_TEST

int
main(void)
{
	TCase *tc;
	Suite *s = tu_suite("adv_output", &tc, NULL, teardown, 60);

	tcase_add_test(tc, test_trailing_lines_at_exit);
	tcase_add_test(tc, test_million_lines);
	tcase_add_test(tc, test_flood_beside_quiet);
	tcase_add_test(tc, test_binary_and_nul);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_closes_stdout_lives_on);
	tcase_add_test(tc, test_grandchild_holds_pipe);
	tcase_add_test(tc, test_grandchild_holds_pipe_setsid);
	tcase_add_test(tc, test_stdin_is_not_brood_s);
	tcase_add_test(tc, test_no_terminal_for_children);
	tcase_add_test(tc, test_output_unwritable);
	tcase_add_test(tc, test_reader_gone);
	return tu_run_suite(s);
}
