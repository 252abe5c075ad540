/*
 * test_terminal.c: the real brood binary on a real terminal (a private tmux
 * server per test), read back from the screen. Every test ends by looking in
 * /proc for anything it started, tmux included: nothing may survive.
 */
#include "config.h"

#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "tmux.h"

static struct tmux tm;
static char cmdbuf[4][512];

/* "helper ARGS" in cmdbuf[slot]. */
#define H(slot, args) tu_helper_cmd(cmdbuf[slot], sizeof cmdbuf[slot], (args))

static void
teardown(void)
{
	tmux_cleanup(&tm);
}

#define ck_assert_screen(cond, what) \
	ck_assert_msg((cond), "%s; screen:\n%s", (what), tm.screen != NULL ? tm.screen : "(none)")

/* s with ESC shown as "\e", for messages; in a static buffer. */
static const char *
visible(const char *s)
{
	static char buf[1024];
	size_t n = 0;

	for (; *s != '\0' && n + 3 < sizeof buf; s++) {
		if (*s == '\033') {
			buf[n++] = '\\';
			buf[n++] = 'e';
		} else {
			buf[n++] = *s;
		}
	}
	buf[n] = '\0';
	return buf;
}

/* Whether the SGR parameters in s..end set a foreground colour. */
static bool
sgr_sets_fg(const char *s, const char *end)
{
	while (s < end) {
		long v = strtol(s, (char **)&s, 10);

		if ((v >= 30 && v <= 38) || (v >= 90 && v <= 97))
			return true;
		while (s < end && (*s < '0' || *s > '9'))
			s++;
	}
	return false;
}

/* Whether the escape sequences just before pos in row (back to the row's
 * start or the previous text) include an SGR that sets a foreground colour. */
static bool
coloured_before(const char *row, const char *pos)
{
	const char *p = pos;

	/* Walk back over "ESC [ params m" sequences. */
	while (p > row && p[-1] == 'm') {
		const char *q = p - 1;

		while (q > row && ((q[-1] >= '0' && q[-1] <= '9') || q[-1] == ';' || q[-1] == ':'))
			q--;
		if (q - row < 2 || q[-1] != '[' || q[-2] != '\033')
			break;
		if (sgr_sets_fg(q, p - 1))
			return true;
		p = q - 2;
	}
	return false;
}

/* The first SGR anywhere in s that sets a foreground or background colour
 * (not a reset to the default), or NULL. */
static const char *
find_colour_sgr(const char *s)
{
	regex_t re;
	regmatch_t m;
	const char *p = s, *hit = NULL;

	/* A parameter 30-38, 40-48, 90-97 or 100-107, alone or among others. */
	ck_assert_int_eq(regcomp(&re, "\033\\[([0-9;:]*;)?(3[0-8]|4[0-8]|9[0-7]|10[0-7])([;:][0-9;:]*)?m",
	    REG_EXTENDED), 0);
	if (regexec(&re, p, 1, &m, 0) == 0)
		hit = p + m.rm_so;
	regfree(&re);
	return hit;
}

static void
run_hello(const char *const *env)
{
	const char *argv[] = { tu_brood(), "--headless", "-n", "web", H(0, "echo hello"), NULL };
	char *plain, *esc, *row_plain, *row_esc, *hit;
	int status, row;

	tmux_start_env(&tm, 80, 24, env, argv);
	ck_assert_screen(tmux_wait_text(&tm, "web | hello", 5000), "no 'web | hello'");
	ck_assert_screen(tmux_wait_dead(&tm, &status, 5000), "brood did not end");
	ck_assert_int_eq(status, 0);
	plain = tmux_capture(&tm, false);
	esc = tmux_capture(&tm, true);
	row = tmux_find_row(plain, "web | hello");
	ck_assert_msg(row >= 0, "no 'web | hello':\n%s", plain);
	row_plain = tmux_row(plain, row);
	row_esc = tmux_row(esc, row);
	ck_assert_ptr_nonnull(row_esc);
	hit = strstr(row_esc, "web");
	ck_assert_msg(hit != NULL, "row %d with escapes lacks 'web': '%s'", row, row_esc);
	if (env == NULL) {
		ck_assert_msg(coloured_before(row_esc, hit),
		    "no foreground colour SGR just before 'web': '%s'", visible(row_esc));
	} else {
		const char *sgr = find_colour_sgr(esc);

		ck_assert_msg(strcmp(row_esc, row_plain) == 0 && strcmp(row_plain, "web | hello") == 0,
		    "with NO_COLOR the row is '%s' with escapes, '%s' without", visible(row_esc),
		    row_plain);
		ck_assert_msg(sgr == NULL, "with NO_COLOR a colour SGR is on screen: '%.20s'",
		    sgr != NULL ? visible(sgr) : "");
	}
	free(row_plain);
	free(row_esc);
	free(plain);
	free(esc);
	tmux_finish_clean(&tm);
}

START_TEST(test_headless_coloured)
{
	run_hello(NULL);
}
END_TEST

START_TEST(test_no_color)
{
	const char *const env[] = { "NO_COLOR=1", NULL };

	run_hello(env);
}
END_TEST

START_TEST(test_hostile_escapes_contained)
{
	char escapes[512];
	const char *argv[] = { tu_brood(), "--headless", "-n", "first,esc",
		H(0, "echo 'first line'"), escapes, NULL };
	char *title, *host, *buffers, *row;
	regex_t re;
	int status, r;

	/* The escapes come half a second after brood's first line. */
	snprintf(escapes, sizeof escapes, "sleep 0.5; exec %s escapes", tu_helper());
	tmux_start(&tm, 80, 24, argv);
	ck_assert_screen(tmux_wait_text(&tm, "first | first line", 5000), "no first line");
	ck_assert_screen(tmux_wait_dead(&tm, &status, 5000), "brood did not end");
	ck_assert_int_eq(status, 0);
	ck_assert_screen(strstr(tm.screen, "beforeRED after") != NULL, "no 'beforeRED after'");
	ck_assert_screen(strstr(tm.screen, "line2") != NULL, "no 'line2'");

	/* Nothing cleared the screen or moved the cursor: brood's lines are in
	 * order from the top, each starting at column 0. */
	row = tmux_row(tm.screen, 0);
	ck_assert_screen(strcmp(row, "first | first line") == 0, "row 0 is not brood's first line");
	free(row);
	r = tmux_find_row(tm.screen, "beforeRED after");
	row = tmux_row(tm.screen, r);
	ck_assert_screen(strcmp(row, "esc   | beforeRED after") == 0, "the escapes line is not intact");
	free(row);

	/* No title, no clipboard. */
	title = tmux_display(&tm, "#{pane_title}");
	host = tmux_display(&tm, "#{host}");
	ck_assert_msg(strcmp(title, host) == 0, "the pane title is '%s', not the host '%s'", title, host);
	free(title);
	free(host);
	buffers = tmux_buffers(&tm);
	ck_assert_msg(buffers[0] == '\0', "a clipboard buffer was set: %s", buffers);
	free(buffers);

	/* No query got to the terminal: its reply would be typed into the pane
	 * and echoed ("^[[24;1R", "^[[?1;2c"). */
	ck_assert_screen(strstr(tm.screen, "^[") == NULL, "a terminal reply was echoed");
	ck_assert_screen(strstr(tm.screen, "[?") == NULL, "a device attributes reply is on screen");
	ck_assert_int_eq(regcomp(&re, "[0-9]+;[0-9]+R", REG_EXTENDED | REG_NOSUB), 0);
	r = regexec(&re, tm.screen, 0, NULL, 0);
	regfree(&re);
	ck_assert_screen(r != 0, "a cursor position reply is on screen");
	tmux_finish_clean(&tm);
}
END_TEST

START_TEST(test_sighup_stops_all)
{
	char file[256], daemon_cmd[512], msg[512];
	const char *argv[] = { tu_brood(), "--headless", "--stop-timeout", "0.5", "-n",
		"stubborn,daemon", H(0, "ignore-term"), daemon_cmd, NULL };
	pid_t daemon[2];
	size_t n;

	tu_tmpname(file, sizeof file, "daemon");
	snprintf(daemon_cmd, sizeof daemon_cmd, "%s daemon %s", tu_helper(), file);
	tmux_start(&tm, 80, 24, argv);
	ck_assert_screen(tmux_wait_text(&tm, "stubborn | ready", 5000), "no 'ready'");
	ck_assert_screen(tmux_wait_text(&tm, "daemon   | daemonized", 5000), "no 'daemonized'");
	ck_assert_uint_eq(tu_read_pids(file, daemon, 2, 5000), 1);
	unlink(file);
	ck_assert(tu_pid_exists(daemon[0]));

	/* The terminal goes away: brood gets SIGHUP with nowhere to write. */
	tmux_kill_server(&tm);
	n = tu_wait_survivors(tm.tag, msg, sizeof msg, 10000);
	ck_assert_msg(n == 0, "%zu processes survived the terminal: %s", n, msg);
	ck_assert_msg(tu_pid_dead(daemon[0]), "daemon %d survived", (int)daemon[0]);
	tmux_finish_clean(&tm);
}
END_TEST

START_TEST(test_exit_status_visible)
{
	const char *argv[] = { tu_brood(), "--headless", "-n", "x", H(0, "exit 3"), NULL };
	int status = -1;

	tmux_start(&tm, 80, 24, argv);
	ck_assert_screen(tmux_wait_dead(&tm, &status, 5000), "brood did not end");
	ck_assert_int_eq(status, 3);
	ck_assert_screen(tu_count_lines(tm.screen, "x | exited 3") == 1, "no 'x | exited 3'");
	tmux_finish_clean(&tm);
}
END_TEST

int
main(void)
{
	Suite *s;
	TCase *tc;

	if (!tmux_available()) {
		fprintf(stderr, "test_terminal: no tmux on PATH, skipped\n");
		return 77;
	}
	s = tu_suite("terminal", &tc, NULL, teardown, 60);
	tcase_add_test(tc, test_headless_coloured);
	tcase_add_test(tc, test_no_color);
	tcase_add_test(tc, test_hostile_escapes_contained);
	tcase_add_test(tc, test_sighup_stops_all);
	tcase_add_test(tc, test_exit_status_visible);
	return tu_run_suite(s);
}
