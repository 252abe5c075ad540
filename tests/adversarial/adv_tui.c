/*
 * adv_tui.c: the dashboard against hostile children, run for real: brood in
 * a tmux pane, keys sent, the screen read back cell by cell, brood's own
 * output to the terminal recorded, /proc checked afterwards.
 *
 * Each test asserts what a user would notice: text where it belongs and
 * nowhere else, the borders and the neighbouring panes intact, keys still
 * answered, the terminal given back as it was, nothing left running.
 * Timings are measured against generous bounds (the machine is shared) and
 * printed, so a slow run shows how slow.
 */
#include "config.h"

#include <check.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "line.h"
#include "testutil.h"
#include "tmux.h"
#include "tuitest.h"
#include "util.h"

static struct tuitest a;

static void
teardown(void)
{
	tuitest_cleanup(&a);
}

/* Quit with Q, expecting status 0 within timeout_ms; the time it took. */
static uint64_t
quit_ok(int timeout_ms)
{
	uint64_t t0 = util_now_ms();
	int status = tuitest_quit(&a, timeout_ms);

	ck_assert_msg(status == 0, "brood did not quit cleanly (status %d); screen:\n%s", status,
	    a.tm.screen != NULL ? a.tm.screen : "(none)");
	return util_now_ms() - t0;
}

/* Quit with Q as quit_ok does, then check what the user is left with: the
 * terminal as it was, and no process. The time quitting took. */
static uint64_t
quit_clean(int timeout_ms)
{
	uint64_t took = quit_ok(timeout_ms);

	tuitest_assert_restored(&a, false);
	tmux_finish_clean(&a.tm);
	return took;
}

static void
assert_row(struct tuitest_screen *s, int row, int from, int to, const char *want)
{
	char *got = tuitest_text(s, row, from, to);

	ck_assert_msg(strcmp(got, want) == 0, "row %d, columns %d-%d: want '%s', got '%s'", row,
	    from, to - 1, want, got);
	free(got);
}

/* Every row from top to bottom (exclusive) has the tiled layout's border
 * at column col. */
static void
assert_border(struct tuitest_screen *s, int top, int bottom, int col)
{
	int row;

	for (row = top; row < bottom; row++) {
		const struct tuitest_cell *c = tuitest_at(s, row, col);

		ck_assert_msg(strcmp(c->text, "\xe2\x94\x82") == 0,
		    "row %d: column %d is '%s', not the border", row, col, c->text);
	}
}

/* ------------------------------------------------------------------------ */

/* The lines of the escapes child as a pane shows them: each group of
 * sequences leaves only its marker word; C1 bytes are U+FFFD, C0 controls
 * their symbols, and the unterminated OSC an empty line. */
static const char *const escapes_rows[] = {
	" A1-plain-start",
	" Q-marker",
	" T-marker",
	" C-marker",
	" M-marker",
	" LINKP-marker",
	" qqqq\xe2\x90\x8e\xe2\x90\x8fW-marker",
	" \xef\xbf\xbd" "31m\xef\xbf\xbd" "0;X\xef\xbf\xbd\xef\xbf\xbd" "32m\xef\xbf\xbd" "C1-marker",
	" RED CONCEAL BU BIG",
	" CR-marker",
	" BS-bad\xe2\x90\x88\xe2\x90\x88\xe2\x90\x88\xe2\x90\x88good",
	"",
	" after-unterminated",
	" after-oversized",
	" after-bigcsi",
	" after-dcs",
	" \xe2\x90\x80\xe2\x90\x81\xe2\x90\x8e\xe2\x90\x8f\xe2\x90\xa1" "C0-marker",
	" escapes-done",
	NULL
};

/* The attributes a cell of the escapes pane may have: brood's own default,
 * or the child's SGR where brood keeps it (RED red, BU bold underlined). */
static void
assert_escape_attrs(struct tuitest_screen *s, int row, int pane_w)
{
	char *text = tuitest_text(s, row, 0, pane_w);
	int col;

	for (col = 0; col < pane_w; col++) {
		const struct tuitest_cell *c = tuitest_at(s, row, col);
		int want_fg = TUITEST_DEFAULT;
		unsigned want_flags = 0;

		if (strncmp(text, " RED", 4) == 0 && col >= 1 && col <= 3)
			want_fg = 1;
		if (strncmp(text, " RED", 4) == 0 && col >= 13 && col <= 14)
			want_flags = TUITEST_BOLD | TUITEST_UNDERLINE;
		ck_assert_msg(c->fg == want_fg && c->bg == TUITEST_DEFAULT && c->flags == want_flags,
		    "row %d ('%s') column %d '%s': fg %d bg %d flags %#x, want fg %d flags %#x", row,
		    text, col, c->text, c->fg, c->bg, c->flags, want_fg, want_flags);
	}
	free(text);
}

START_TEST(test_escapes_in_output)
{
	static const char *const needles[] = { "PWNED", "cHduZWQ", "evil", "never-closed",
		"AAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBB", NULL };
	char go[256], esc[512], neighbour[512];
	const char *args[] = { "-n", "esc,quiet", esc, neighbour, NULL };
	char *modes_before, *modes, *title_before, *title;
	struct tuitest_screen s;
	int top, row, i, list_h = 3, pane_w = 60;

	tu_tmpname(go, sizeof go, "go");
	snprintf(esc, sizeof esc, "%s tui-escapes %s", tu_helper(), go);
	snprintf(neighbour, sizeof neighbour, "seq -f 'neighbour-%%g' 1 5; exec %s sleep 1000",
	    tu_helper());
	tuitest_start(&a, 121, 40, NULL, NULL, args);
	tuitest_wait(&a, "neighbour-5", 10000);
	tuitest_wait(&a, " esc - running", 10000);
	modes_before = tuitest_modes(&a);
	title_before = tmux_display(&a.tm, "#{pane_title}");
	tuitest_record(&a);
	tuitest_write_file(go, "");
	tuitest_wait(&a, "escapes-done", 15000);
	unlink(go);

	/* The terminal's modes, title, colours, cwd and clipboard are brood's. */
	modes = tuitest_modes(&a);
	ck_assert_msg(strcmp(modes, modes_before) == 0, "the child changed the terminal's modes:\n"
	    "before %s\nafter  %s", modes_before, modes);
	title = tmux_display(&a.tm, "#{pane_title}");
	ck_assert_str_eq(title, title_before);
	free(modes);
	free(title);
	free(title_before);
	free(modes_before);

	/* Every marker on its own row, in order, at the pane's left; the rest
	 * of the screen is brood's: list at the top, status bar at the bottom,
	 * the border and the neighbour intact, no help box (which a typed-in
	 * reply with a '?' would open). */
	tuitest_screen(&a, &s);
	top = tuitest_find(&s, "A1-plain-start", 0, pane_w);
	ck_assert_int_ge(top, list_h + 1);
	for (i = 0; escapes_rows[i] != NULL; i++) {
		assert_row(&s, top + i, 0, pane_w, escapes_rows[i]);
		assert_escape_attrs(&s, top + i, pane_w);
	}
	assert_row(&s, 0, 0, 8, "  NAME");
	assert_row(&s, list_h, 0, 20, " esc - running");
	{
		char *status = tuitest_text(&s, 39, 0, 121);

		ck_assert_msg(strstr(status, "? help") != NULL && strstr(status, "tiled") != NULL,
		    "the status bar is '%s'", status);
		free(status);
	}
	ck_assert_int_eq(tuitest_find(&s, "brood: keys", 0, 121), -1);
	assert_border(&s, list_h, 39, pane_w);
	for (i = 1; i <= 5; i++) {
		char want[32];

		snprintf(want, sizeof want, " neighbour-%d", i);
		assert_row(&s, list_h + i, pane_w + 1, 121, want);
	}
	for (row = list_h + 6; row < 39; row++)
		assert_row(&s, row, pane_w + 1, 121, "");
	tuitest_screen_free(&s);

	/* Nothing but brood's drawing reached the terminal. */
	tuitest_assert_output_clean(&a, needles);

	/* brood still answers keys, and quits cleanly. */
	tmux_send_keys(&a.tm, "l", NULL);
	tuitest_wait(&a, "all processes, interleaved", 5000);
	tuitest_wait(&a, "esc   | escapes-done", 5000);
	quit_ok(15000);
	tuitest_assert_restored(&a, true);
	tmux_finish_clean(&a.tm);
}
END_TEST

/* Names from the command line with escapes, C1 controls (UTF-8 and 8-bit)
 * and a bidi override: shown sanitized in the list, the pane titles and
 * the merged view's prefixes, and never written to the terminal. */
START_TEST(test_escapes_in_names)
{
	static const char *const needles[] = { "PWNED", NULL };
	char sleep_cmd[512], plain_cmd[512];
	const char *args[] = { "-n",
	    "\xc2\x9b" "31mc1name,\x9b" "2Jraw8,\xe2\x80\xaerlo-name,\033]0;PWNED\007\033[2Jesc-name,"
	    "\033]0;PWNED\007\033[2J\xe2\x80\xae",
	    sleep_cmd, sleep_cmd, sleep_cmd, sleep_cmd, plain_cmd, NULL };
	struct tuitest_screen s;
	int row, col = -1;

	snprintf(sleep_cmd, sizeof sleep_cmd, "echo started; exec %s sleep 1000", tu_helper());
	snprintf(plain_cmd, sizeof plain_cmd, "%s sleep 1000", tu_helper());
	tuitest_start(&a, 120, 30, NULL, NULL, args);
	tuitest_record(&a);
	tuitest_wait_re(&a, "^  esc-name +running", 10000);
	/* A name of nothing but escapes would show blank: the command's. */
	tuitest_wait_re(&a, "^  helper +running", 10000);
	tuitest_wait_re(&a, "^> \xef\xbf\xbd" "31mc1name +running", 10000);
	tuitest_wait_re(&a, "^  \xef\xbf\xbd" "2Jraw8 +running", 10000);
	tuitest_wait_re(&a, "^  rlo-name +running", 10000);
	tuitest_wait(&a, " rlo-name - running", 10000);
	tuitest_wait(&a, " esc-name - running", 10000);
	tmux_send_keys(&a.tm, "l", NULL);
	tuitest_wait(&a, "all processes, interleaved", 5000);
	tuitest_wait_re(&a, "^esc-name +\\| started", 5000);
	/* The prefixes line up: every " | " in one column. */
	tuitest_screen(&a, &s);
	for (row = 0; row < s.rows; row++) {
		char *text = tuitest_text(&s, row, 0, s.cols);

		if (strstr(text, "| started") != NULL) {
			int c = tuitest_col(&s, row, "| started");

			ck_assert_msg(col == -1 || c == col, "row %d: '| started' at column %d, not %d",
			    row, c, col);
			col = c;
		}
		free(text);
	}
	ck_assert_int_eq(col, 11);
	tuitest_screen_free(&s);
	quit_clean(15000);
	tuitest_assert_output_clean(&a, needles);
}
END_TEST

/* Strings of a config file: a name with a bidi override that another
 * process waits for, a wide name with a combining mark, a command holding
 * escapes (the detail view shows commands), a child that renames itself
 * with escapes (the detail view's tree shows command lines), and a search
 * typed with a bidi override. */
START_TEST(test_escapes_in_config)
{
	static const char *const needles[] = { "PWNED", NULL };
	char dir[256], path[300], yaml[2048];
	const char *args[] = { "-c", path, NULL };
	const char *h = tu_helper();
	struct tuitest_screen s;
	int r1, r2;

	tu_tmpname(dir, sizeof dir, "conf");
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(path, sizeof path, "%s/brood.yaml", dir);
	snprintf(yaml, sizeof yaml,
	    "processes:\n"
	    "  \"\\u202Eevil\\u202C-name\":\n"
	    "    cmd: %s tui-argv0\n"
	    "    ready: { log: never-printed }\n"
	    "  \"\\u4E2D\\u6587\\u540D\\u5B57\\u0301\":\n"
	    "    cmd: echo wide-name-ok; exec %s sleep 1000\n"
	    "  cmdesc:\n"
	    "    cmd: \"printf 'cmd-ok\\\\n'; : '\\e]0;PWNED-CMD\\a\\e[2J\\u202E'; exec %s sleep 1000\"\n"
	    "  waiter:\n"
	    "    cmd: echo waited; exec %s sleep 1000\n"
	    "    depends_on: { \"\\u202Eevil\\u202C-name\": ready }\n", h, h, h, h);
	tuitest_write_file(path, yaml);
	tuitest_start(&a, 140, 40, NULL, NULL, args);
	tuitest_record(&a);
	tuitest_wait_re(&a, "^> evil-name +running", 10000);
	tuitest_wait_re(&a, "^  \xe4\xb8\xad\xe6\x96\x87\xe5\x90\x8d\xe5\xad\x97\xcc\x81 +running", 10000);
	tuitest_wait_re(&a, "^  waiter +waiting: evil-name ready", 10000);
	tuitest_wait(&a, "wide-name-ok", 10000);
	tuitest_wait(&a, "cmd-ok", 10000);

	/* The detail view: the command line the child gave itself. */
	tmux_send_keys(&a.tm, "i", NULL);
	tuitest_wait(&a, "command: ", 5000);
	tuitest_wait_re(&a, "S sleeping .*evil-argv\xef\xbf\xbd" "31m\xef\xbf\xbd" "1m sleep 1000", 10000);
	tmux_send_keys(&a.tm, "Escape", "j", "j", "i", NULL);
	tuitest_wait(&a, "command: printf 'cmd-ok\\n'; : ''; exec ", 5000);
	tmux_send_keys(&a.tm, "Escape", NULL);
	tuitest_wait(&a, "NAME", 5000);

	/* The merged view: the wide name's prefix is as wide as the others. */
	tmux_send_keys(&a.tm, "l", NULL);
	tuitest_wait(&a, "all processes, interleaved", 5000);
	tuitest_wait(&a, "| wide-name-ok", 5000);
	tuitest_screen(&a, &s);
	r1 = tuitest_find(&s, "| wide-name-ok", 0, s.cols);
	r2 = tuitest_find(&s, "| cmd-ok", 0, s.cols);
	ck_assert_int_ge(r1, 0);
	ck_assert_int_ge(r2, 0);
	ck_assert_int_eq(tuitest_col(&s, r1, "| wide-name-ok"), tuitest_col(&s, r2, "| cmd-ok"));
	tuitest_screen_free(&s);

	/* A search typed with a bidi override: the message shows it without. */
	tmux_send_keys(&a.tm, "/", NULL);
	tmux_send_literal(&a.tm, "\xe2\x80\xae" "zzz");
	tmux_send_keys(&a.tm, "Enter", NULL);
	tuitest_wait(&a, "search: no older match for 'zzz'", 5000);

	quit_clean(15000);
	tuitest_assert_output_clean(&a, needles);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* s without the UTF-8 character c (3 bytes), in place. */
static void
drop_char(char *s, const char *c)
{
	char *p;

	while ((p = strstr(s, c)) != NULL)
		memmove(p, p + 3, strlen(p + 3) + 1);
}

/* The lines of "helper tui-wide" as brood keeps them (sanitized: bidi
 * controls dropped, combining marks capped), joined, and without the
 * joiners and variation selectors the dashboard does not draw: what the
 * screen must hold, row after row, once the gutters are taken away.
 * Malloc'd. */
static char *
wide_expected(void)
{
	char cmd[512], line[4096], *all = xcalloc(1, 1);
	size_t len = 0;
	FILE *f;

	snprintf(cmd, sizeof cmd, "%s tui-wide once", tu_helper());
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f) != NULL) {
		char *clean;

		line[strcspn(line, "\n")] = '\0';
		clean = line_sanitize(line);
		all = xrealloc(all, len + strlen(clean) + 1);
		memcpy(all + len, clean, strlen(clean) + 1);
		len += strlen(clean);
		free(clean);
	}
	ck_assert_int_eq(pclose(f), 0);
	drop_char(all, "\xe2\x80\x8d");
	drop_char(all, "\xef\xb8\x8f");
	return all;
}

/* Columns [from + 1, to) of rows [top, bottom) joined: a pane's text
 * without its gutter (wrapped rows are indented by the gutter's width). */
static char *
pane_joined(struct tuitest_screen *s, int top, int bottom, int from, int to)
{
	char *all = xcalloc(1, 1);
	size_t len = 0;
	int row;

	for (row = top; row < bottom; row++) {
		char *text = tuitest_text(s, row, from + 1, to);

		all = xrealloc(all, len + strlen(text) + 1);
		memcpy(all + len, text, strlen(text) + 1);
		len += strlen(text);
		free(text);
	}
	return all;
}

/* Wait until the tiled layout's border is at column col. */
static void
wait_border(int col, int row)
{
	uint64_t deadline = util_now_ms() + 5000;
	struct tuitest_screen s;

	for (;;) {
		bool there;

		tuitest_screen(&a, &s);
		there = col < s.cols && strcmp(tuitest_at(&s, row, col)->text, "\xe2\x94\x82") == 0 &&
		    tuitest_find(&s, "wide-done", 0, col) >= 0;
		tuitest_screen_free(&s);
		if (there)
			return;
		ck_assert_msg(util_now_ms() < deadline, "the border never reached column %d", col);
		usleep(20000);
	}
}

/* Wide, combining, zero-width and bidi characters at the edge of a pane
 * and across wrapped rows, at several widths: the border stays in its
 * column on every row, the neighbour's rows are exactly its lines, and
 * the pane's rows joined are exactly the child's text. */
START_TEST(test_wide_at_edges)
{
	char wide[512], right[512];
	const char *args[] = { "-n", "wide,right", wide, right, NULL };
	static const int widths[] = { 81, 80, 79, 78, 83, 84, 81 };
	char *want = wide_expected(), *got;
	struct tuitest_screen s;
	int list_h = 3, height = 30, k, row;
	size_t i;

	snprintf(wide, sizeof wide, "%s tui-wide", tu_helper());
	snprintf(right, sizeof right, "seq -f 'right-%%g' 1 30; exec %s sleep 1000", tu_helper());
	tuitest_start(&a, 81, height, NULL, NULL, args);
	tuitest_record(&a);
	tuitest_wait(&a, "wide-done", 10000);
	tuitest_wait(&a, "right-30", 10000);
	for (i = 0; i < sizeof widths / sizeof widths[0]; i++) {
		int pw = (widths[i] - 1) / 2;

		tmux_resize(&a.tm, widths[i], height);
		wait_border(pw, list_h);
		tuitest_screen(&a, &s);
		assert_border(&s, list_h, height - 1, pw);
		/* The neighbour: its title, then right-6 .. right-30. */
		assert_row(&s, list_h, pw + 1, widths[i], " right - running");
		for (k = 6; k <= 30; k++) {
			char line[32];

			snprintf(line, sizeof line, " right-%d", k);
			assert_row(&s, list_h + k - 5, pw + 1, widths[i], line);
		}
		got = pane_joined(&s, list_h + 1, height - 1, 0, pw);
		ck_assert_msg(strcmp(got, want) == 0, "at width %d the pane holds\n%s\nnot\n%s",
		    widths[i], got, want);
		free(got);
		tuitest_screen_free(&s);
	}

	/* Zoomed: one pane the width of the terminal, wrapped the same way. */
	tmux_send_keys(&a.tm, "Enter", NULL);
	tuitest_wait_gone(&a, "NAME", 5000);
	tuitest_screen(&a, &s);
	row = tuitest_find(&s, " wide - running", 0, s.cols);
	ck_assert_int_eq(row, 0);
	got = pane_joined(&s, 1, height - 1, 0, s.cols);
	ck_assert_msg(strcmp(got, want) == 0, "zoomed, the pane holds\n%s\nnot\n%s", got, want);
	free(got);
	tuitest_screen_free(&s);
	free(want);

	quit_clean(15000);
	tuitest_assert_output_clean(&a, NULL);
}
END_TEST

/* The number in the last "NAME tick N" on the screen, or 0. */
static unsigned long
last_tick(const char *name)
{
	char *screen = tmux_capture(&a.tm, false), needle[64];
	const char *p = screen;
	unsigned long n = 0;

	snprintf(needle, sizeof needle, "%s tick ", name);
	while ((p = strstr(p, needle)) != NULL) {
		unsigned long v = strtoul(p + strlen(needle), NULL, 10);

		if (v > n)
			n = v;
		p++;
	}
	free(screen);
	return n;
}

/* Wait until the last tick of name shown is at least n; the wait in ms. */
static uint64_t
wait_tick(const char *name, unsigned long n, int timeout_ms)
{
	uint64_t t0 = util_now_ms();

	while (last_tick(name) < n) {
		ck_assert_msg(util_now_ms() - t0 < (uint64_t)timeout_ms,
		    "%s never reached tick %lu (last %lu)", name, n, last_tick(name));
		usleep(20000);
	}
	return util_now_ms() - t0;
}

/* brood's CPU use over the next ms milliseconds, in percent of one core. */
static double
cpu_pct_over(int ms)
{
	long c0 = tuitest_cpu_ms(a.brood), c1;
	uint64_t t0 = util_now_ms(), t1;

	usleep((useconds_t)ms * 1000);
	c1 = tuitest_cpu_ms(a.brood);
	t1 = util_now_ms();
	ck_assert_msg(c0 >= 0 && c1 >= 0, "brood is gone");
	return 100.0 * (double)(c1 - c0) / (double)(t1 - t0);
}

/* yes(1) floods beside three quiet tickers: keys reach the screen within a
 * bound, the quiet panes keep showing their new lines, brood's memory
 * stays bounded, its CPU is at most one core and falls back once the
 * flood is paused, and it quits promptly. */
START_TEST(test_flood_beside_quiet)
{
	char q[3][256];
	const char *args[] = { "-n", "flood,q1,q2,q3", "yes", q[0], q[1], q[2], NULL };
	uint64_t worst = 0, total = 0, took;
	unsigned long t1, t2, t3;
	double busy, idle;
	long rss;
	int i;

	for (i = 0; i < 3; i++)
		snprintf(q[i], sizeof q[i], "%s tui-ticker q%d 100", tu_helper(), i + 1);
	tuitest_start(&a, 160, 40, NULL, NULL, args);
	tuitest_wait(&a, " flood - running", 10000);
	wait_tick("q3", 3, 10000);

	/* A key while the flood runs: the selection moves, as seen on screen. */
	for (i = 0; i < 10; i++) {
		uint64_t t0 = util_now_ms(), dt;

		tmux_send_keys(&a.tm, i % 2 == 0 ? "j" : "k", NULL);
		tuitest_wait_re(&a, i % 2 == 0 ? "^> q1 " : "^> flood ", 5000);
		dt = util_now_ms() - t0;
		total += dt;
		if (dt > worst)
			worst = dt;
	}
	fprintf(stderr, "flood: key to screen %llu ms on average, %llu ms at worst\n",
	    (unsigned long long)(total / 10), (unsigned long long)worst);
	ck_assert_msg(worst < 2000, "a key took %llu ms to reach the screen",
	    (unsigned long long)worst);

	/* The quiet ones' lines keep coming: ten ticks a second each. */
	t1 = last_tick("q1");
	t2 = last_tick("q2");
	t3 = last_tick("q3");
	took = wait_tick("q1", t1 + 5, 5000);
	wait_tick("q2", t2 + 5, 5000);
	wait_tick("q3", t3 + 5, 5000);
	fprintf(stderr, "flood: five quiet lines shown in %llu ms\n", (unsigned long long)took);

	busy = cpu_pct_over(2000);
	rss = tuitest_rss_kib(a.brood);
	fprintf(stderr, "flood: brood's CPU %.0f%%, RSS %ld KiB\n", busy, rss);
	ck_assert_msg(busy <= 110, "brood used %.0f%% CPU", busy);
	ck_assert_msg(rss > 0 && rss < 256 * 1024, "brood's RSS is %ld KiB", rss);

	/* Paused, the flood stops; so does brood's work. */
	tmux_send_keys(&a.tm, "z", NULL);
	tuitest_wait_re(&a, "^> flood +paused", 5000);
	idle = cpu_pct_over(2000);
	fprintf(stderr, "flood: brood's CPU with the flood paused %.1f%%\n", idle);
	ck_assert_msg(idle < 25, "brood used %.0f%% CPU with the flood paused", idle);
	tmux_send_keys(&a.tm, "z", NULL);
	tuitest_wait_re(&a, "^> flood +running", 5000);

	took = quit_clean(15000);
	fprintf(stderr, "flood: quit in %llu ms\n", (unsigned long long)took);
	ck_assert_msg(took < 5000, "quitting took %llu ms", (unsigned long long)took);
}
END_TEST

/* How many of the pids in file are alive (not zombies); how many pids
 * there are in *n. */
static size_t
alive_in(const char *file, size_t *n)
{
	pid_t pids[256];
	size_t i, alive = 0;

	*n = tu_read_pids(file, pids, 256, 0);
	for (i = 0; i < *n; i++)
		alive += !tu_pid_dead(pids[i]);
	return alive;
}

/* The RST column of the list row of name. */
static unsigned
restarts_shown(const char *name)
{
	char *screen = tmux_capture(&a.tm, false), *row, needle[64];
	int r;
	unsigned n;
	const char *p;

	snprintf(needle, sizeof needle, "> %s ", name);
	r = tmux_find_row(screen, needle);
	if (r == -1) {
		needle[0] = ' ';
		r = tmux_find_row(screen, needle);
	}
	ck_assert_msg(r >= 0, "no row for %s:\n%s", name, screen);
	row = tmux_row(screen, r);
	p = strrchr(row, ' ');
	n = (unsigned)strtoul(p + 1, NULL, 10);
	free(row);
	free(screen);
	return n;
}

/* Wait until the restarts are over: the process running, one instance
 * alive, the restart count shown in *rst and the pids written in *n. An
 * instance may be stopped before it could write its pid, so the file
 * counts at most the instances started (RST + 1). */
static void
settle(const char *pids, unsigned *rst, size_t *n)
{
	uint64_t t0 = util_now_ms();
	size_t alive;

	for (;;) {
		char *screen = tmux_capture(&a.tm, false);
		bool running = tmux_find_row(screen, "> single running") >= 0;

		free(screen);
		*rst = restarts_shown("single");
		alive = alive_in(pids, n);
		if (running && alive == 1 && *rst + 1 >= *n)
			return;
		ck_assert_msg(util_now_ms() - t0 < 10000, "%zu alive, RST %u with %zu pids written",
		    alive, *rst, *n);
		usleep(20000);
	}
}

/* The restart key pressed 50 times at once, then 50 times in quick
 * succession: never two instances at a time (each holds a lock, and a
 * second one would say DOUBLE), exactly one alive at the end, the restart
 * count the number of instances started minus one, no zombie. */
START_TEST(test_restart_storm)
{
	char lock[256], pids[256], cmd[768];
	const char *args[] = { "-n", "single", cmd, NULL };
	size_t n, alive, i;
	unsigned rst;
	char *screen;

	tu_tmpname(lock, sizeof lock, "lock");
	tu_tmpname(pids, sizeof pids, "pids");
	snprintf(cmd, sizeof cmd, "%s tui-single %s %s", tu_helper(), lock, pids);
	tuitest_start(&a, 120, 30, NULL, NULL, args);
	tuitest_wait_re(&a, "^> single +running", 10000);
	tuitest_wait(&a, "single up", 10000);

	/* Keys are read in order: once the layout key that follows the
	 * presses has changed the screen, brood has seen them all. */
	free(tmux_command(&a.tm, "send-keys", "-N", "50", "-t", a.tm.pane, "r", NULL));
	tmux_send_keys(&a.tm, "l", NULL);
	tuitest_wait(&a, "all processes, interleaved", 10000);
	settle(pids, &rst, &n);
	ck_assert_uint_eq(rst, 1);
	ck_assert_uint_eq(n, 2);

	for (i = 0; i < 50; i++) {
		tmux_send_keys(&a.tm, "r", NULL);
		alive = alive_in(pids, &n);
		ck_assert_msg(alive <= 1, "%zu instances alive after %zu presses", alive, i + 1);
	}
	tmux_send_keys(&a.tm, "l", NULL);
	tuitest_wait_gone(&a, "all processes, interleaved", 10000);
	settle(pids, &rst, &n);
	fprintf(stderr, "restart storm: 50 presses made %u restarts\n", rst - 1);
	ck_assert_msg(rst >= 2 && rst <= 51, "RST %u after 1 + 50 presses", rst);
	screen = tmux_capture(&a.tm, false);
	ck_assert_msg(strstr(screen, "DOUBLE") == NULL, "two instances overlapped:\n%s", screen);
	free(screen);
	ck_assert_uint_eq(tuitest_children(a.brood), 1);
	ck_assert_uint_eq(tuitest_zombies(a.brood), 0);
	quit_clean(15000);
	unlink(lock);
	unlink(pids);
}
END_TEST

/* Rows of the list whose state matches regex. */
static int
count_rows(const char *screen, const char *regex)
{
	regex_t re;
	const char *p = screen;
	int n = 0;

	ck_assert_int_eq(regcomp(&re, regex, REG_EXTENDED | REG_NOSUB), 0);
	while (*p != '\0') {
		const char *nl = strchrnul(p, '\n');
		char *row = xstrndup(p, (size_t)(nl - p));

		n += regexec(&re, row, 0, NULL, 0) == 0;
		free(row);
		p = *nl != '\0' ? nl + 1 : nl;
	}
	regfree(&re);
	return n;
}

/* brood under "ulimit -n 64" with 40 children: those it cannot start say
 * why, in the list, their pane and their timeline; the rest run; the
 * dashboard still answers keys and quits cleanly, leaving nothing. */
START_TEST(test_fds_exhausted)
{
	char names[512], sleep_cmd[256];
	const char *args[44];
	int i, running, failed, n = 0;
	size_t off = 0;

	snprintf(sleep_cmd, sizeof sleep_cmd, "%s sleep 1000", tu_helper());
	for (i = 1; i <= 40; i++)
		off += (size_t)snprintf(names + off, sizeof names - off, "%sf%d", i > 1 ? "," : "", i);
	args[n++] = "-n";
	args[n++] = names;
	for (i = 0; i < 40; i++)
		args[n++] = sleep_cmd;
	args[n] = NULL;
	/* Tall enough for the whole list: a third of the rows. */
	tuitest_start(&a, 160, 126, NULL, "ulimit -n 64", args);
	tuitest_wait_re(&a, "^> f1 +running", 10000);
	tuitest_wait_re(&a, "^  f40 +(running|cannot make its pipes)", 10000);
	tuitest_wait_gone(&a, "starting", 10000);
	running = count_rows(a.tm.screen, "^[ >] f[0-9]+ +running ");
	failed = count_rows(a.tm.screen, "^[ >] f[0-9]+ +cannot make its pipes: T");
	fprintf(stderr, "fds: %d of 40 started under ulimit -n 64, %d refused\n", running, failed);
	if (running + failed != 40)
		fputs(a.tm.screen, stderr);
	ck_assert_msg(running >= 5 && failed >= 1 && running + failed == 40,
	    "%d running, %d failed (the screen is on stderr)", running, failed);
	ck_assert_uint_eq(tuitest_children(a.brood), (size_t)running);
	ck_assert_uint_eq(tuitest_zombies(a.brood), 0);

	/* The last one cannot have started: its pane and its timeline say why. */
	tmux_send_keys(&a.tm, "End", NULL);
	for (i = 0; i < 39; i++)
		tmux_send_keys(&a.tm, "j", NULL);
	tuitest_wait_re(&a, "^> f40 ", 5000);
	tmux_send_keys(&a.tm, "Enter", NULL);
	tuitest_wait(&a, " f40 - cannot make its pipes: Too many open files", 5000);
	tmux_send_keys(&a.tm, "Enter", "i", NULL);
	tuitest_wait_re(&a, "s ago +cannot make its pipes: Too many open files", 5000);
	tmux_send_keys(&a.tm, "Escape", NULL);
	tuitest_wait(&a, "NAME", 5000);

	quit_clean(20000);
}
END_TEST

/* Dozens of resizes in a row, down to 1x1 and back, while three children
 * print: brood lives through them, says when the terminal is too small,
 * and ends on a correct screen for the final size. */
START_TEST(test_resize_storm)
{
	static const int sizes[][2] = {
		{ 80, 24 }, { 1, 1 }, { 200, 60 }, { 2, 2 }, { 16, 3 }, { 15, 3 }, { 16, 2 },
		{ 40, 10 }, { 1, 50 }, { 200, 1 }, { 3, 3 }, { 120, 40 }, { 17, 4 }, { 81, 25 },
		{ 1, 1 }, { 250, 80 }, { 20, 5 }, { 60, 15 }, { 5, 100 }, { 100, 5 }, { 33, 7 },
		{ 1, 1 }, { 2, 1 }, { 1, 2 }, { 79, 23 }, { 160, 50 }, { 16, 4 }, { 18, 6 },
		{ 90, 30 }, { 1, 1 }, { 64, 20 }, { 120, 40 },
	};
	char t[3][256];
	const char *args[] = { "-n", "a,b,c", t[0], t[1], t[2], NULL };
	size_t i;
	unsigned long n;
	char *status;
	uint64_t t0;
	int round;

	for (i = 0; i < 3; i++)
		snprintf(t[i], sizeof t[i], "%s tui-ticker %c 20", tu_helper(), (int)('a' + i));
	tuitest_start(&a, 100, 30, NULL, NULL, args);
	wait_tick("c", 3, 10000);
	/* Three rounds: the tiled panes, the detail view, the signal menu
	 * over the merged view. */
	t0 = util_now_ms();
	for (round = 0; round < 3; round++) {
		if (round == 1)
			tmux_send_keys(&a.tm, "i", NULL);
		if (round == 2)
			tmux_send_keys(&a.tm, "Escape", "l", "l", "!", NULL);
		for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			tmux_resize(&a.tm, sizes[i][0], sizes[i][1]);
			ck_assert_msg(!tmux_dead(&a.tm, NULL), "brood died at %dx%d", sizes[i][0],
			    sizes[i][1]);
		}
	}
	tmux_send_keys(&a.tm, "Escape", "l", NULL);
	fprintf(stderr, "resize storm: %zu resizes in %llu ms\n", 3 * sizeof sizes / sizeof sizes[0],
	    (unsigned long long)(util_now_ms() - t0));

	/* Too small, it says so; then the final size, drawn whole. */
	tmux_resize(&a.tm, 12, 2);
	tuitest_wait(&a, "brood: termi", 5000);
	tmux_resize(&a.tm, 120, 40);
	tuitest_wait_re(&a, "^  NAME +STATE", 5000);
	tuitest_wait_re(&a, "^> a +running", 5000);
	tuitest_wait(&a, " c - running", 5000);
	n = last_tick("c");
	wait_tick("c", n + 10, 5000);
	status = tmux_row(a.tm.screen, 39);
	ck_assert_msg(strstr(status, "? help") != NULL && strstr(status, "tiled") != NULL,
	    "the last row is '%s'", status);
	free(status);
	/* Keys still work. */
	tmux_send_keys(&a.tm, "l", NULL);
	tuitest_wait(&a, "all processes, interleaved", 5000);
	quit_clean(15000);
}
END_TEST

/* 500 children, 50 of them printing ten lines a second: all start, the
 * dashboard answers keys and shows the chatty ones' lines, and quitting
 * stops them all, within a bound, leaving nothing. */
START_TEST(test_many_children)
{
	char dir[256], path[300];
	const char *args[] = { "--stop-timeout", "2", "-c", path, NULL };
	const char *h = tu_helper();
	size_t off = 0, cap = 64 << 10, children;
	char *yaml = xmalloc(cap);
	uint64_t t0, took;
	unsigned long n;
	double cpu;
	int i;

	tu_tmpname(dir, sizeof dir, "many");
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(path, sizeof path, "%s/brood.yaml", dir);
	off += (size_t)snprintf(yaml + off, cap - off, "processes:\n");
	for (i = 1; i <= 50; i++)
		off += (size_t)snprintf(yaml + off, cap - off, "  c%d: %s tui-ticker c%d 100\n", i, h, i);
	for (i = 1; i <= 450; i++)
		off += (size_t)snprintf(yaml + off, cap - off, "  s%d: %s sleep 1000\n", i, h);
	ck_assert_uint_lt(off, cap - 1);
	tuitest_write_file(path, yaml);
	free(yaml);

	t0 = util_now_ms();
	tuitest_start(&a, 200, 60, NULL, NULL, args);
	while ((children = tuitest_children(a.brood)) < 500) {
		ck_assert_msg(util_now_ms() - t0 < 30000, "only %zu children after 30 s", children);
		usleep(50000);
	}
	fprintf(stderr, "many: 500 children up in %llu ms\n",
	    (unsigned long long)(util_now_ms() - t0));
	wait_tick("c1", 3, 10000);
	n = last_tick("c1");
	wait_tick("c1", n + 5, 5000);

	/* Keys: the selection moves down the list, and the panes follow. */
	tmux_send_keys(&a.tm, "j", "j", NULL);
	tuitest_wait_re(&a, "^> c3 ", 5000);
	free(tmux_command(&a.tm, "send-keys", "-N", "100", "-t", a.tm.pane, "j", NULL));
	tuitest_wait_re(&a, "^> s53 +running", 5000);
	tuitest_wait(&a, " s53 - running", 5000);
	ck_assert_uint_eq(tuitest_zombies(a.brood), 0);
	cpu = cpu_pct_over(3000);
	fprintf(stderr, "many: brood's CPU with 500 children, 50 chatty: %.0f%%\n", cpu);
	ck_assert_msg(cpu < 80, "brood used %.0f%% CPU", cpu);

	took = quit_clean(60000);
	fprintf(stderr, "many: quit with 500 children in %llu ms\n", (unsigned long long)took);
	ck_assert_msg(took < 30000, "quitting took %llu ms", (unsigned long long)took);
	unlink(path);
	rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite *s;
	TCase *tc;

	s = tuitest_suite("adv_tui", &tc, teardown, 120);
	tuitest_add(tc, test_escapes_in_output);
	tuitest_add(tc, test_escapes_in_names);
	tuitest_add(tc, test_escapes_in_config);
	tuitest_add(tc, test_wide_at_edges);
	tuitest_add(tc, test_flood_beside_quiet);
	tuitest_add(tc, test_restart_storm);
	tuitest_add(tc, test_fds_exhausted);
	tuitest_add(tc, test_resize_storm);
	tuitest_add(tc, test_many_children);
	return tu_run_suite(s);
}
