/* tuitest.c: see tuitest.h. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "ptree.h"
#include "testutil.h"
#include "tuitest.h"
#include "util.h"

#define TUITEST_MAX_ARGS 64

/* The modes tmux keeps for a pane, as one line of name=value words. */
static const char tuitest_modes_format[] =
    "alt=#{alternate_on} cursor=#{cursor_flag} "
    "mouse=#{mouse_any_flag}#{mouse_all_flag}#{mouse_button_flag}#{mouse_standard_flag}"
    "#{mouse_sgr_flag}#{mouse_utf8_flag} keypad=#{keypad_cursor_flag}#{keypad_flag} "
    "origin=#{origin_flag} insert=#{insert_flag} wrap=#{wrap_flag} fg=#{pane_fg} "
    "bg=#{pane_bg} path=#{pane_path} tabs=#{pane_tabs} title=#{pane_title}";

void
tuitest_start(struct tuitest *a, int w, int h, const char *const *env, const char *prefix,
    const char *const *args)
{
	const char *argv[TUITEST_MAX_ARGS + 6];
	char script[512];
	int n = 0, i;

	memset(a, 0, sizeof *a);
	tu_tmpname(a->stty_file, sizeof a->stty_file, "stty");
	snprintf(script, sizeof script, "%s%sstty -g > \"$0\" && exec \"$@\"",
	    prefix != NULL ? prefix : "", prefix != NULL ? "; " : "");
	argv[n++] = "/bin/sh";
	argv[n++] = "-c";
	argv[n++] = script;
	argv[n++] = a->stty_file;
	argv[n++] = tu_brood();
	for (i = 0; args[i] != NULL; i++) {
		ck_assert_msg(n < TUITEST_MAX_ARGS + 4, "too many arguments for brood");
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	tmux_start_env(&a->tm, w, h, env, argv);
	a->brood = tmux_pane_pid(&a->tm);
}

Suite *
tuitest_suite(const char *name, TCase **tc, SFun teardown, int timeout_s)
{
	setlocale(LC_ALL, "");
	if (!tmux_available()) {
		fprintf(stderr, "%s: no tmux on PATH, skipped\n", name);
		exit(77);
	}
	return tu_suite(name, tc, NULL, teardown, timeout_s);
}

/* The last screen for a message, cut to what Check can carry (a few KiB):
 * empty rows dropped, then the first 3,000 bytes. In a static buffer. */
static const char *
tuitest_shown(struct tuitest *a)
{
	static char buf[3072];
	const char *p = a->tm.screen;
	size_t n = 0;

	if (p == NULL)
		return "(none)";
	while (*p != '\0' && n + 1 < sizeof buf) {
		if (*p == '\n' && n > 0 && buf[n - 1] == '\n') {
			p++;
			continue;
		}
		buf[n++] = *p++;
	}
	buf[n] = '\0';
	return buf;
}

void
tuitest_wait(struct tuitest *a, const char *text, int timeout_ms)
{
	ck_assert_msg(tmux_wait_text(&a->tm, text, timeout_ms), "'%s' never appeared; screen:\n%s",
	    text, tuitest_shown(a));
}

void
tuitest_wait_re(struct tuitest *a, const char *regex, int timeout_ms)
{
	ck_assert_msg(tmux_wait_regex(&a->tm, regex, timeout_ms), "/%s/ never matched; screen:\n%s",
	    regex, tuitest_shown(a));
}

void
tuitest_wait_gone(struct tuitest *a, const char *text, int timeout_ms)
{
	ck_assert_msg(tmux_wait_gone(&a->tm, text, timeout_ms), "'%s' never went; screen:\n%s",
	    text, tuitest_shown(a));
}

char *
tuitest_stty(struct tuitest *a)
{
	char *tty = tmux_display(&a->tm, "#{pane_tty}"), cmd[512], buf[1024];
	FILE *f;
	size_t len;

	ck_assert_msg(strncmp(tty, "/dev/", 5) == 0, "the pane's tty is '%s'", tty);
	snprintf(cmd, sizeof cmd, "stty -g < '%s'", tty);
	free(tty);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	buf[0] = '\0';
	ck_assert_msg(fgets(buf, sizeof buf, f) != NULL, "%s printed nothing", cmd);
	pclose(f);
	len = strlen(buf);
	if (len > 0 && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return xstrdup(buf);
}

char *
tuitest_modes(struct tuitest *a)
{
	return tmux_display(&a->tm, tuitest_modes_format);
}

char *
tuitest_modes_pristine(struct tuitest *a)
{
	char *host = tmux_display(&a->tm, "#{host}"), tabs[1024] = "", *s;
	size_t off = 0;
	int col;

	/* A tab stop every eight columns. */
	for (col = 8; col < a->tm.width && off + 8 < sizeof tabs; col += 8)
		off += (size_t)snprintf(tabs + off, sizeof tabs - off, "%s%d", off > 0 ? "," : "", col);
	s = xasprintf("alt=0 cursor=1 mouse=000000 keypad=00 origin=0 insert=0 wrap=1 "
	    "fg=default bg=default path= tabs=%s title=%s", tabs, host);
	free(host);
	return s;
}

/* A paste goes to what reads the terminal after brood (the pane's shell,
 * echoing): it must arrive as typed, not wrapped in ESC [200~. */
static void
tuitest_assert_paste_plain(struct tuitest *a)
{
	free(tmux_command(&a->tm, "set-buffer", "-b", "probe", "paste-probe", NULL));
	free(tmux_command(&a->tm, "paste-buffer", "-p", "-d", "-b", "probe", "-t", a->tm.pane,
	    NULL));
	tuitest_wait(a, "paste-probe", 5000);
	ck_assert_msg(strstr(a->tm.screen, "[200~") == NULL,
	    "a paste after brood is still bracketed:\n%s", a->tm.screen);
}

/* The terminal's settings as they were before brood, one line. */
static void
tuitest_stty_before(struct tuitest *a, char *buf, size_t len)
{
	tu_read_line(a->stty_file, buf, len);
	buf[strcspn(buf, "\n")] = '\0';
}

void
tuitest_assert_restored(struct tuitest *a, bool check_paste)
{
	char before[512], *after, *modes, *want, *buffers;

	tuitest_stty_before(a, before, sizeof before);
	after = tuitest_stty(a);
	ck_assert_msg(strcmp(before, after) == 0, "the terminal's settings changed:\n"
	    "before %s\nafter  %s", before, after);
	free(after);
	modes = tuitest_modes(a);
	want = tuitest_modes_pristine(a);
	ck_assert_msg(strcmp(modes, want) == 0, "the terminal's modes were left changed:\n"
	    "want %s\ngot  %s", want, modes);
	free(modes);
	free(want);
	buffers = tmux_buffers(&a->tm);
	ck_assert_msg(buffers[0] == '\0', "a clipboard buffer was set: %s", buffers);
	free(buffers);
	if (check_paste)
		tuitest_assert_paste_plain(a);
}

void
tuitest_wait_restored(struct tuitest *a, bool check_paste, int timeout_ms)
{
	char before[512], *after, *modes, *want = tuitest_modes_pristine(a);
	long start = tu_now_ms();
	bool same;

	tuitest_stty_before(a, before, sizeof before);
	do {
		after = tuitest_stty(a);
		modes = tuitest_modes(a);
		same = strcmp(before, after) == 0 && strcmp(modes, want) == 0;
		free(after);
		free(modes);
		if (!same)
			usleep(10000);
	} while (!same && tu_now_ms() - start < timeout_ms);
	free(want);
	tuitest_assert_restored(a, check_paste);
}

void
tuitest_record(struct tuitest *a)
{
	char cmd[512];

	tu_tmpname(a->record_file, sizeof a->record_file, "output");
	snprintf(cmd, sizeof cmd, "exec cat > '%s'", a->record_file);
	free(tmux_command(&a->tm, "pipe-pane", "-O", "-t", a->tm.pane, cmd, NULL));
}

static char *
tuitest_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (f == NULL)
		return xcalloc(1, 1);
	for (;;) {
		if (cap - *len < 65536) {
			cap = cap * 2 + 65536;
			buf = xrealloc(buf, cap + 1);
		}
		n = fread(buf + *len, 1, cap - *len, f);
		if (n == 0)
			break;
		*len += n;
	}
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

/* Whether private mode m is one brood (through ncurses) sets itself:
 * cursor keys, autowrap, cursor blink and visibility, mouse, the
 * alternate screen, bracketed paste. */
static bool
tuitest_own_mode(long m)
{
	static const long own[] = { 1, 7, 12, 25, 1000, 1002, 1006, 1049, 2004 };
	size_t i;

	for (i = 0; i < sizeof own / sizeof own[0]; i++) {
		if (own[i] == m)
			return true;
	}
	return false;
}

/* What is wrong with the CSI sequence at s (after ESC [), or NULL; its
 * length in *len. */
static const char *
tuitest_bad_csi(const unsigned char *s, size_t left, size_t *len)
{
	size_t i = 0;
	char priv = 0, inter = 0, final;

	if (left > 0 && s[0] >= 0x3c && s[0] <= 0x3f)
		priv = (char)s[i++];
	while (i < left && s[i] >= 0x30 && s[i] <= 0x3f)
		i++;
	while (i < left && s[i] >= 0x20 && s[i] <= 0x2f)
		inter = (char)s[i++];
	if (i >= left)
		return "an unfinished CSI";
	final = (char)s[i];
	*len = i + 1;
	if (final == 'c' || final == 'n' || final == 't' || final == 'g' || final == 'q' ||
	    final == 'p' || final == 'u' || (final == 'S' && priv != 0))
		return "a query or a terminal setting";
	if (inter != 0)
		return "a CSI with an intermediate";
	if (final == 'h' || final == 'l') {
		const char *p = (const char *)s + (priv != 0);

		while (*p >= '0' && *p <= '9') {
			long m = strtol(p, (char **)&p, 10);

			if (priv == '?' && !tuitest_own_mode(m))
				return "a private mode brood never sets";
			/* 4: insert mode; 34: part of tmux-256color's cnorm. */
			if (priv == 0 && m != 4 && m != 34)
				return "an ANSI mode brood never sets";
			if (*p == ';')
				p++;
		}
		if (priv != 0 && priv != '?')
			return "an odd mode switch";
	}
	return NULL;
}

void
tuitest_assert_output_clean(struct tuitest *a, const char *const *needles)
{
	size_t len, i, n;
	char *buf;
	const unsigned char *s;
	mbstate_t st;

	ck_assert_msg(a->record_file[0] != '\0', "tuitest_record was not called");
	buf = tuitest_slurp(a->record_file, &len);
	s = (const unsigned char *)buf;
	for (i = 0; needles != NULL && needles[i] != NULL; i++)
		ck_assert_msg(memmem(buf, len, needles[i], strlen(needles[i])) == NULL,
		    "brood wrote '%s' to the terminal", needles[i]);
	memset(&st, 0, sizeof st);
	for (i = 0; i < len; i += n) {
		const char *why = NULL;
		wchar_t wc;

		n = 1;
		if (s[i] == 0x1b && i + 1 < len) {
			unsigned char c = s[i + 1];

			n = 2;
			if (c == ']' || c == 'P' || c == '_' || c == '^' || c == 'X')
				why = "a string sequence (OSC, DCS, APC, PM, SOS)";
			else if (c == 'c' || c == '#' || c == 'H')
				why = "RIS, DECALN or a tab stop";
			else if (c == '[') {
				size_t k = 0;

				why = tuitest_bad_csi(s + i + 2, len - i - 2, &k);
				n = 2 + k;
			} else if ((c == '(' || c == ')') && i + 2 < len)
				n = 3;
		} else if (s[i] >= 0x80) {
			size_t k = mbrtowc(&wc, (const char *)s + i, len - i, &st);

			if (k == (size_t)-1 || k == (size_t)-2) {
				why = "bytes that are not UTF-8 (8-bit C1?)";
				memset(&st, 0, sizeof st);
			} else {
				n = k;
				if (wc >= 0x80 && wc <= 0x9f)
					why = "a C1 control in UTF-8";
				else if ((wc >= 0x202a && wc <= 0x202e) || (wc >= 0x2066 && wc <= 0x2069))
					why = "a bidi override";
			}
		}
		if (why != NULL) {
			char shown[64];
			size_t k, m = 0;

			for (k = i; k < len && k < i + 16 && m + 5 < sizeof shown; k++)
				m += (size_t)snprintf(shown + m, sizeof shown - m,
				    s[k] >= 0x20 && s[k] < 0x7f ? "%c" : "\\x%02x", s[k]);
			ck_abort_msg("brood wrote %s to the terminal at byte %zu: %s", why, i, shown);
		}
	}
	free(buf);
}

int
tuitest_quit(struct tuitest *a, int timeout_ms)
{
	int status = -1;

	tmux_send_keys(&a->tm, "Q", NULL);
	if (!tmux_wait_dead(&a->tm, &status, timeout_ms))
		return -1;
	return status;
}

void
tuitest_cleanup(struct tuitest *a)
{
	tmux_cleanup(&a->tm);
	if (a->stty_file[0] != '\0')
		unlink(a->stty_file);
	if (a->record_file[0] != '\0')
		unlink(a->record_file);
}

/* --- the screen ---------------------------------------------------------- */

struct tuitest_sgr {
	int fg, bg;
	unsigned flags;
};

/* A colour from "38;5;n" or "38;2;r;g;b" at v[*i] (the 38 or 48). */
static int
tuitest_sgr_colour(const long *v, size_t n, size_t *i)
{
	if (*i + 2 < n && v[*i + 1] == 5) {
		*i += 2;
		return (int)v[*i];
	}
	if (*i + 4 < n && v[*i + 1] == 2) {
		*i += 4;
		return TUITEST_RGB | (int)((v[*i - 2] << 16) | (v[*i - 1] << 8) | v[*i]);
	}
	return TUITEST_DEFAULT;
}

static void
tuitest_sgr_apply(struct tuitest_sgr *a, const char *p, const char *end)
{
	static const unsigned on[10] = { 0, TUITEST_BOLD, TUITEST_DIM, TUITEST_ITALIC,
		TUITEST_UNDERLINE, TUITEST_BLINK, 0, TUITEST_REVERSE, TUITEST_HIDDEN, TUITEST_STRIKE };
	long v[64];
	size_t n = 0, i;

	while (p < end && n < 64) {
		v[n++] = strtol(p, (char **)&p, 10);
		if (p < end && (*p == ';' || *p == ':'))
			p++;
		else
			break;
	}
	if (n == 0)
		v[n++] = 0;
	for (i = 0; i < n; i++) {
		long c = v[i];

		if (c == 0) {
			a->fg = a->bg = TUITEST_DEFAULT;
			a->flags = 0;
		} else if (c >= 1 && c <= 9)
			a->flags |= on[c];
		else if (c == 22)
			a->flags &= ~(unsigned)(TUITEST_BOLD | TUITEST_DIM);
		else if (c >= 23 && c <= 29)
			a->flags &= ~on[c - 20];
		else if (c >= 30 && c <= 49) {
			/* 30-37 40-47 a colour, 38 48 an extended one, 39 49 the default. */
			int *to = c < 40 ? &a->fg : &a->bg;

			if (c % 10 == 8)
				*to = tuitest_sgr_colour(v, n, &i);
			else
				*to = c % 10 == 9 ? TUITEST_DEFAULT : (int)(c % 10);
		} else if (c >= 90 && c <= 97)
			a->fg = (int)(c - 90 + 8);
		else if (c >= 100 && c <= 107)
			a->bg = (int)(c - 100 + 8);
	}
}

struct tuitest_cell *
tuitest_at(struct tuitest_screen *s, int row, int col)
{
	ck_assert_msg(row >= 0 && row < s->rows && col >= 0 && col < s->cols,
	    "cell %d,%d is off the %dx%d screen", row, col, s->cols, s->rows);
	return &s->cell[row * s->cols + col];
}

void
tuitest_screen_parse(struct tuitest_screen *s, const char *capture, int rows, int cols)
{
	struct tuitest_sgr sgr = { TUITEST_DEFAULT, TUITEST_DEFAULT, 0 };
	const char *p = capture;
	int row = 0, col = 0, i;
	struct tuitest_cell *last = NULL;
	mbstate_t st;

	s->rows = rows;
	s->cols = cols;
	s->cell = xcalloc((size_t)rows * (size_t)cols, sizeof *s->cell);
	for (i = 0; i < rows * cols; i++) {
		strcpy(s->cell[i].text, " ");
		s->cell[i].width = 1;
		s->cell[i].fg = s->cell[i].bg = TUITEST_DEFAULT;
	}
	memset(&st, 0, sizeof st);
	while (*p != '\0' && row < rows) {
		wchar_t wc;
		size_t k;
		int w;

		if (p[0] == '\033' && p[1] == '[') {
			const char *q = p + 2;

			while (*q != '\0' && (*q < 0x40 || *q > 0x7e))
				q++;
			if (*q == 'm')
				tuitest_sgr_apply(&sgr, p + 2, q);
			p = *q != '\0' ? q + 1 : q;
			continue;
		}
		if (*p == '\n') {
			row++;
			col = 0;
			last = NULL;
			p++;
			continue;
		}
		k = mbrtowc(&wc, p, strlen(p), &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof st);
			wc = 0xfffd;
			k = 1;
		}
		w = wcwidth(wc);
		if (w == 0 && last != NULL) {
			size_t used = strlen(last->text);

			if (used + k < sizeof last->text) {
				memcpy(last->text + used, p, k);
				last->text[used + k] = '\0';
			}
			p += k;
			continue;
		}
		if (w < 1)
			w = 1;
		if (col + w <= cols) {
			struct tuitest_cell *c = &s->cell[row * cols + col];

			memcpy(c->text, p, k);
			c->text[k] = '\0';
			c->width = w;
			c->fg = sgr.fg;
			c->bg = sgr.bg;
			c->flags = sgr.flags;
			if (w == 2) {
				c[1].text[0] = '\0';
				c[1].width = 0;
				c[1].fg = sgr.fg;
				c[1].bg = sgr.bg;
				c[1].flags = sgr.flags;
			}
			last = c;
		}
		col += w;
		p += k;
	}
}

void
tuitest_screen(struct tuitest *a, struct tuitest_screen *s)
{
	char *cap = tmux_capture(&a->tm, true);

	tuitest_screen_parse(s, cap, a->tm.height, a->tm.width);
	free(cap);
}

void
tuitest_screen_free(struct tuitest_screen *s)
{
	free(s->cell);
	s->cell = NULL;
}

char *
tuitest_text(const struct tuitest_screen *s, int row, int from, int to)
{
	size_t cap = (size_t)(to - from) * 40 + 1, len = 0;
	char *out = xmalloc(cap);
	int col;

	out[0] = '\0';
	for (col = from; col < to && col < s->cols; col++) {
		const struct tuitest_cell *c = &s->cell[row * s->cols + col];
		size_t k = strlen(c->text);

		memcpy(out + len, c->text, k);
		len += k;
	}
	while (len > 0 && out[len - 1] == ' ')
		len--;
	out[len] = '\0';
	return out;
}

int
tuitest_find(const struct tuitest_screen *s, const char *needle, int from, int to)
{
	int row;

	for (row = 0; row < s->rows; row++) {
		char *text = tuitest_text(s, row, from, to);
		bool hit = strstr(text, needle) != NULL;

		free(text);
		if (hit)
			return row;
	}
	return -1;
}

int
tuitest_col(const struct tuitest_screen *s, int row, const char *needle)
{
	size_t len = strlen(needle);
	int col;

	for (col = 0; col < s->cols; col++) {
		char *text = tuitest_text(s, row, col, s->cols);
		bool hit = strncmp(text, needle, len) == 0;

		free(text);
		if (hit)
			return col;
	}
	return -1;
}

/* --- processes ----------------------------------------------------------- */

/* Field n (1-based, as in proc(5)) of /proc/pid/stat, or -1. */
static long
tuitest_stat_field(pid_t pid, int n)
{
	char path[64], buf[1024], *p;
	FILE *f;
	size_t len;
	int field;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[len] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	/* Field 3 (the state) follows ") ". */
	p += 2;
	for (field = 3; field < n && p != NULL; field++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	return p != NULL ? strtol(p, NULL, 10) : -1;
}

long
tuitest_cpu_ms(pid_t pid)
{
	long ut = tuitest_stat_field(pid, 14), st = tuitest_stat_field(pid, 15);

	if (ut < 0 || st < 0)
		return -1;
	return (ut + st) * 1000 / sysconf(_SC_CLK_TCK);
}

long
tuitest_rss_kib(pid_t pid)
{
	long pages = tuitest_stat_field(pid, 24);

	return pages < 0 ? -1 : pages * (sysconf(_SC_PAGESIZE) / 1024);
}

static size_t
tuitest_count_children(pid_t parent, bool zombies)
{
	struct ptree pt = { 0 };
	size_t i, n = 0;

	ptree_scan(&pt);
	for (i = 0; i < pt.n; i++) {
		if (pt.v[i].ppid == parent && (pt.v[i].state == 'Z') == zombies)
			n++;
	}
	ptree_free(&pt);
	return n;
}

size_t
tuitest_children(pid_t parent)
{
	return tuitest_count_children(parent, false);
}

size_t
tuitest_zombies(pid_t parent)
{
	return tuitest_count_children(parent, true);
}

void
tuitest_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}
