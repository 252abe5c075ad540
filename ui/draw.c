/*
 * draw.c: the dashboard's screen, drawn from the core's state.
 *
 *   ┌ process list (list.c; hidden when zoomed)                     ┐
 *   │ output: one pane (single), a grid of panes (tiled), or every  │
 *   │ process's lines interleaved with name prefixes (merged)       │
 *   └ status bar: key hints, a message, or the prompt being typed   ┘
 *
 * Only what is visible is drawn: a pane walks its scrollback from the
 * bottom line up until its rows are full, so the cost of a frame depends
 * on the size of the terminal, not on how much a child has written. Every
 * character drawn goes through draw_cell_push, the last gate before
 * ncurses: child output and names arrive sanitized (ingest.c,
 * line_sanitize), but other strings (a dependency's name from the config,
 * a search the user typed) do not, so the gate itself lets no control
 * character and no bidi control through.
 */
#include "config.h"

#include <math.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "scroll.h"
#include "status.h"
#include "tui-int.h"
#include "util.h"

#define DRAW_MATCHES_MAX 64

static const uint32_t draw_name_colors[] = {
	COLOR_PALETTE | 6, COLOR_PALETTE | 3, COLOR_PALETTE | 2, COLOR_PALETTE | 5,
	COLOR_PALETTE | 4, COLOR_PALETTE | 14, COLOR_PALETTE | 11, COLOR_PALETTE | 10,
	COLOR_PALETTE | 13, COLOR_PALETTE | 12,
};


struct tui_view *
tui_view_of(struct tui *t, struct proc *p)
{
	size_t i;

	for (i = 0; i < t->nviews; i++) {
		if (t->views[i].p == p)
			return &t->views[i];
	}
	t->views = xreallocarray(t->views, t->nviews + 1, sizeof *t->views);
	memset(&t->views[t->nviews], 0, sizeof *t->views);
	t->views[t->nviews].p = p;
	t->views[t->nviews].uid = t->next_uid++;
	t->views[t->nviews].follow = true;
	/* Names never change: sanitize and measure once. */
	t->views[t->nviews].name = line_sanitize(proc_name(p));
	t->views[t->nviews].name_cols = (int)draw_width(t, t->views[t->nviews].name);
	return &t->views[t->nviews++];
}

/* Decode one character of valid UTF-8 (the core only hands on valid text). */
static wchar_t
draw_utf8(const unsigned char *s, size_t len, size_t *i)
{
	unsigned char c = s[*i];
	wchar_t cp;
	int n, k;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
	cp = c & (0x3f >> n);
	for (k = 1; k <= n && *i + (size_t)k < len; k++)
		cp = (cp << 6) | (s[*i + (size_t)k] & 0x3f);
	*i += (size_t)k;
	return cp;
}

static struct tui_cell *
draw_cell_new(struct tui *t, size_t *n)
{
	if (*n == t->ncells_cap) {
		t->ncells_cap = t->ncells_cap == 0 ? 256 : t->ncells_cap * 2;
		t->cells = xreallocarray(t->cells, t->ncells_cap, sizeof *t->cells);
	}
	memset(&t->cells[*n], 0, sizeof t->cells[*n]);
	return &t->cells[(*n)++];
}

/* Append one character as a cell; a zero-width one (a combining mark)
 * joins the cell before it, as far as a cell holds marks. */
static void
draw_cell_push(struct tui *t, size_t *n, wchar_t wc, attr_t attr, int pair)
{
	struct tui_cell *c;
	int w;

	/* A control character would be drawn as "^X" (two columns where one
	 * was counted, over the next pane's border) or, for C1, passed to the
	 * terminal; a bidi control reorders what a bidi terminal shows. A
	 * joiner or a variation selector makes some terminals draw what comes
	 * before narrower (tmux joins emoji around U+200D into one two-column
	 * cell) or wider (U+FE0F) than wcwidth counts, and the rest of the row
	 * would land in other columns than ncurses believes: none is drawn. */
	if (wc < 0x20 || (wc >= 0x7f && wc <= 0x9f))
		wc = 0xfffd;
	else if ((wc >= 0x202a && wc <= 0x202e) || (wc >= 0x2066 && wc <= 0x2069) ||
	    wc == 0x200d || (wc >= 0xfe00 && wc <= 0xfe0f))
		return;
	w = wcwidth(wc);
	if (w < 0) {
		wc = 0xfffd;
		w = 1;
	}

	if (w == 0 && *n > 0) {
		/* A cell holds its base and CCHARW_MAX - 1 marks, as many as
		 * ingest keeps (setcchar takes up to CCHARW_MAX characters). */
		c = &t->cells[*n - 1];
		if (c->nwc < CCHARW_MAX)
			c->wc[c->nwc++] = wc;
		return;
	}
	c = draw_cell_new(t, n);
	c->wc[0] = wc;
	c->nwc = 1;
	c->width = w == 2 ? 2 : 1;
	c->attr = attr;
	c->pair = pair;
}

/* Append UTF-8 text as cells with one style. */
static void
draw_cells_str(struct tui *t, size_t *n, const char *s, attr_t attr, int pair)
{
	size_t len = strlen(s), i = 0;

	while (i < len)
		draw_cell_push(t, n, draw_utf8((const unsigned char *)s, len, &i), attr, pair);
}

size_t
draw_width(struct tui *t, const char *text)
{
	size_t n = 0, i, w = 0;

	draw_cells_str(t, &n, text, 0, 0);
	for (i = 0; i < n; i++)
		w += t->cells[i].width;
	return w;
}

/* Find up to max matches of the search in text; their byte ranges. */
static size_t
draw_matches(struct tui *t, const struct line *l, regmatch_t *m, size_t max)
{
	size_t n = 0, off = 0;

	if (!t->search_on || l->len == 0)
		return 0;
	if (t->scratch_cap < l->len + 1) {
		t->scratch_cap = l->len + 1;
		t->scratch = xrealloc(t->scratch, t->scratch_cap);
	}
	memcpy(t->scratch, l->text, l->len);
	t->scratch[l->len] = '\0';
	while (n < max && off <= l->len) {
		regmatch_t one;

		if (regexec(&t->search_re, t->scratch + off, 1, &one,
		    off > 0 ? REG_NOTBOL : 0) != 0)
			break;
		m[n].rm_so = one.rm_so + (regoff_t)off;
		m[n].rm_eo = one.rm_eo + (regoff_t)off;
		n++;
		off += (size_t)(one.rm_eo > 0 ? one.rm_eo : 1);
		if (one.rm_eo == one.rm_so)
			off++;
	}
	return n;
}

/* The cells of one line of output, after a prefix already in t->cells. */
static void
draw_cells_line(struct tui *t, size_t *n, const struct line *l)
{
	regmatch_t m[DRAW_MATCHES_MAX];
	size_t nm = draw_matches(t, l, m, DRAW_MATCHES_MAX), run = 0, mi = 0, i = 0;
	const unsigned char *s = (const unsigned char *)l->text;
	attr_t attr, match_attr;
	int pair, match_pair;
	struct attr cur = { 0, 0, 0 };

	match_attr = paint_role(t, THEME_MATCH, &match_pair);
	attr = paint_role(t, THEME_NORMAL, &pair);
	while (i < l->len) {
		size_t at = i;
		bool hit;

		while (run < l->nruns && l->runs[run].off <= at) {
			cur = l->runs[run++].attr;
			if (attr_is_default(&cur))
				attr = paint_role(t, THEME_NORMAL, &pair);
			else
				attr = paint_attr(&t->paint, cur.fg, cur.bg, cur.flags, &pair);
		}
		while (mi < nm && (size_t)m[mi].rm_eo <= at && m[mi].rm_eo > m[mi].rm_so)
			mi++;
		hit = mi < nm && (size_t)m[mi].rm_so <= at && at < (size_t)m[mi].rm_eo;
		draw_cell_push(t, n, draw_utf8(s, l->len, &i), hit ? match_attr : attr,
		    hit ? match_pair : pair);
	}
	if (l->flags & LINE_SPLIT) {
		attr_t ma = paint_role(t, THEME_MARKER, &pair);

		draw_cells_str(t, n, t->utf8 ? "\xe2\x80\xa6" : "+", ma, pair);
	}
}

/* Where a wrapped row starts: under the text, past the line's prefix. */
static int
draw_indent(const struct tui *t, int w)
{
	return t->wrap_indent < w / 2 ? t->wrap_indent : 0;
}

/* How many rows n cells take at width w. */
static int
draw_rows_of(const struct tui *t, size_t n, int w)
{
	int rows = 1, col = 0, indent = draw_indent(t, w);
	size_t i;

	for (i = 0; i < n; i++) {
		if (col + t->cells[i].width > w) {
			rows++;
			col = indent;
		}
		col += t->cells[i].width;
	}
	return rows;
}

/* Put rows [skip, skip + count) of the cells at (y, x), width w. */
static void
draw_put_rows(struct tui *t, size_t n, int y, int x, int w, int skip, int count)
{
	int row = 0, col = 0, indent = draw_indent(t, w);
	size_t i;
	cchar_t cc;

	for (i = 0; i < n; i++) {
		struct tui_cell *c = &t->cells[i];

		if (col + c->width > w) {
			row++;
			col = indent;
		}
		if (row >= skip + count)
			break;
		if (row >= skip) {
			wchar_t wc[CCHARW_MAX + 1];
			int pair = c->pair;

			memcpy(wc, c->wc, c->nwc * sizeof *wc);
			wc[c->nwc] = L'\0';
			if (setcchar(&cc, wc, c->attr, 0, &pair) == OK)
				mvadd_wch(y + row - skip, x + col, &cc);
		}
		col += c->width;
	}
}

/* Write text clipped to w columns at (y, x) in a style; columns used. */
int
draw_text(struct tui *t, int y, int x, int w, const char *s, attr_t attr, int pair)
{
	size_t n = 0, i;
	int col = 0;

	if (w <= 0)
		return 0;
	t->wrap_indent = 0;
	draw_cells_str(t, &n, s, attr, pair);
	for (i = 0; i < n && col + t->cells[i].width <= w; i++)
		col += t->cells[i].width;
	draw_put_rows(t, i, y, x, w, 0, 1);
	return col;
}

/* Fill a row segment with blanks in a style. */
void
draw_fill(int y, int x, int w, attr_t attr, int pair)
{
	cchar_t cc;
	wchar_t sp[2] = { L' ', L'\0' };
	int i;

	setcchar(&cc, sp, attr, 0, &pair);
	for (i = 0; i < w; i++)
		mvadd_wch(y, x + i, &cc);
}

static const char *const draw_blocks[9] = {
	" ", "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
	"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
};
static const char draw_ascii_levels[] = " .:-=+*#@";

/* One character for a level 0..8: a block, or its ASCII stand-in. */
const char *
draw_level(const struct tui *t, int level, char ascii[2])
{
	if (level < 0)
		level = 0;
	if (level > 8)
		level = 8;
	if (t->utf8)
		return draw_blocks[level];
	ascii[0] = draw_ascii_levels[level];
	ascii[1] = '\0';
	return ascii;
}

static bool
draw_wanted(const struct tui *t, const struct line *l)
{
	return t->filter == TUI_BOTH || (t->filter == TUI_STDERR) == (l->stream == LINE_STDERR);
}

/* The prefix of a line in a pane: a gutter that marks stderr. */
static void
draw_cells_gutter(struct tui *t, size_t *n, const struct line *l)
{
	int pair;
	attr_t a;

	if (l->stream == LINE_STDERR) {
		a = paint_role(t, THEME_STDERR, &pair);
		draw_cells_str(t, n, t->utf8 ? "\xe2\x96\x8c" : "!", a, pair);
	} else
		draw_cells_str(t, n, " ", A_NORMAL, 0);
}

struct draw_item {
	size_t idx;
	int rows;
};

/* The cells of item idx of a source: a process's scrollback or the merged
 * list. False if the line is gone or filtered out. */
typedef bool draw_source_fn(struct tui *t, void *arg, size_t idx, size_t *n);

/* A process's scrollback, then the lines its streams are in the middle
 * of (a prompt waiting for input shows before its newline). */
struct draw_proc_src {
	struct proc *p;
	struct scroll *sb;
	size_t held;              /* lines in sb */
	struct line pending[2];
	size_t npending;
};

static bool
draw_src_proc(struct tui *t, void *arg, size_t idx, size_t *n)
{
	struct draw_proc_src *src = arg;
	struct line l;

	if (idx >= src->held) {
		if (idx - src->held >= src->npending)
			return false;
		l = src->pending[idx - src->held];
	} else if (!scroll_get(src->sb, idx, &l))
		return false;
	if (!draw_wanted(t, &l))
		return false;
	*n = 0;
	draw_cells_gutter(t, n, &l);
	t->wrap_indent = (int)*n;
	draw_cells_line(t, n, &l);
	return true;
}

/* Entry idx of the merged list: its process and line; false if the line
 * was dropped or the process removed since. */
bool
draw_merged_line(struct tui *t, size_t idx, struct proc **p, struct line *l)
{
	const struct tui_merged *m = &t->merged[(t->merged_first + idx) % TUI_MERGED_MAX];
	struct scroll *sb;
	uint64_t first;
	size_t i;

	for (i = 0; i < t->nviews && t->views[i].uid != m->uid; i++)
		;
	if (i == t->nviews)
		return false;
	sb = proc_scroll(t->views[i].p);
	if (sb == NULL || scroll_count(sb) == 0)
		return false;
	first = scroll_seq(sb, 0);
	if (m->seq < first || !scroll_get(sb, (size_t)(m->seq - first), l))
		return false;
	*p = t->views[i].p;
	return true;
}

static bool
draw_src_merged(struct tui *t, void *arg, size_t idx, size_t *n)
{
	size_t namew = *(size_t *)arg, k, cols;
	struct proc *p;
	struct tui_view *v;
	struct line l;
	int pair;
	attr_t a;

	if (!draw_merged_line(t, idx, &p, &l) || !draw_wanted(t, &l))
		return false;
	v = tui_view_of(t, p);
	a = paint_attr(&t->paint, draw_name_colors[v->uid %
	    (sizeof draw_name_colors / sizeof draw_name_colors[0])], COLOR_DEFAULT, 0, &pair);
	/* The name in exactly namew columns, counted in columns, not cells:
	 * a wide character takes two, and is cut whole, never in half. */
	*n = 0;
	draw_cells_str(t, n, v->name, a, pair);
	for (k = 0, cols = 0; k < *n && cols + t->cells[k].width <= namew; k++)
		cols += t->cells[k].width;
	*n = k;
	for (; cols < namew; cols++)
		draw_cells_str(t, n, " ", A_NORMAL, 0);
	if (l.stream == LINE_STDERR) {
		a = paint_role(t, THEME_STDERR, &pair);
		draw_cells_str(t, n, " ! ", a, pair);
	} else
		draw_cells_str(t, n, " | ", A_NORMAL, 0);
	t->wrap_indent = (int)*n;
	draw_cells_line(t, n, &l);
	return true;
}

/* Draw the items of a source ending at item bottom into (y, x, h, w):
 * as many as fit, the newest at the bottom, top-aligned when all fit. A
 * marker says when older lines were dropped. */
static void
draw_items(struct tui *t, draw_source_fn *fn, void *arg, size_t count,
    size_t bottom, uint64_t dropped, int y, int x, int h, int w)
{
	struct draw_item *items;
	size_t nitems = 0, idx, k;
	int used = 0, row;

	if (h <= 0 || w <= 0 || count == 0)
		goto marker;
	items = xcalloc((size_t)h, sizeof *items);
	for (idx = bottom + 1; idx-- > 0 && used < h;) {
		size_t n;

		if (!fn(t, arg, idx, &n))
			continue;
		items[nitems].idx = idx;
		items[nitems].rows = draw_rows_of(t, n, w);
		used += items[nitems].rows;
		nitems++;
	}
	row = used > h ? y - (used - h) : y;
	for (k = nitems; k-- > 0;) {
		size_t n;
		int skip = row < y ? y - row : 0;

		fn(t, arg, items[k].idx, &n);
		draw_put_rows(t, n, row + skip, x, w, skip, items[k].rows - skip);
		row += items[k].rows;
	}
	free(items);
	if (used >= h)
		return;
	y = row;
marker:
	/* used < h: the walk ran out of lines, so the oldest one is on screen. */
	if (dropped > 0 && used < h) {
		char buf[96];
		int pair;
		attr_t a = paint_role(t, THEME_MARKER, &pair);

		snprintf(buf, sizeof buf, "-- %llu earlier lines dropped --",
		    (unsigned long long)dropped);
		if (y < LINES)
			draw_text(t, y, x, w, buf, a, pair);
	}
}

static void
draw_pane(struct tui *t, size_t i, int y, int x, int h, int w)
{
	struct proc *p = super_proc(t->s, i);
	struct tui_view *v = tui_view_of(t, p);
	struct scroll *sb = proc_scroll(p);
	struct draw_proc_src src = { .p = p, .sb = sb };
	size_t n = sb != NULL ? scroll_count(sb) : 0;
	int k;
	bool focus = i == t->sel;
	char state[128], title[512], right[96];
	attr_t a;
	int pair, rw;

	if (h <= 0 || w <= 0)
		return;
	t->hits = xreallocarray(t->hits, t->nhits + 1, sizeof *t->hits);
	t->hits[t->nhits++] = (struct tui_hit){ y, x, h, w, i };

	a = paint_role(t, focus ? THEME_TITLE_FOCUS : THEME_TITLE, &pair);
	draw_fill(y, x, w, a, pair);
	list_state(p, state, sizeof state);
	snprintf(title, sizeof title, " %s - %s ", v->name, state);
	if (!v->follow && n > 0)
		snprintf(right, sizeof right, " scrolled: %zu more below ",
		    n - 1 - view_bottom(v, n, scroll_seq(sb, 0)));
	else if (sb != NULL && scroll_dropped(sb) > 0)
		snprintf(right, sizeof right, " %llu dropped ",
		    (unsigned long long)scroll_dropped(sb));
	else
		right[0] = '\0';
	rw = (int)strlen(right);
	draw_text(t, y, x, rw < w ? w - rw : w, title, a, pair);
	if (rw > 0 && rw < w / 2)
		draw_text(t, y, x + w - rw, rw, right, a, pair);
	src.held = n;
	for (k = LINE_STDOUT; k <= LINE_STDERR; k++) {
		if (proc_pending(p, (enum line_stream)k, &src.pending[src.npending]))
			src.npending++;
	}
	if (n + src.npending == 0)
		return;
	/* Following, the bottom is the newest text, finished or not. */
	draw_items(t, draw_src_proc, &src, n + src.npending,
	    v->follow ? n + src.npending - 1 : view_bottom(v, n, n > 0 ? scroll_seq(sb, 0) : 0),
	    sb != NULL ? scroll_dropped(sb) : 0, y + 1, x, h - 1, w);
}

static void
draw_merged(struct tui *t, int y, int h, int w)
{
	size_t namew = list_name_width(t), bottom;
	attr_t a;
	int pair;

	a = paint_role(t, THEME_TITLE_FOCUS, &pair);
	draw_fill(y, 0, w, a, pair);
	draw_text(t, y, 0, w, t->merged_view.follow ? " all processes, interleaved " :
	    " all processes, interleaved (scrolled) ", a, pair);
	bottom = view_bottom(&t->merged_view, t->merged_count, t->merged_seq - t->merged_count);
	draw_items(t, draw_src_merged, &namew, t->merged_count, bottom, 0, y + 1, 0, h - 1, w);
}

/* Choose a grid for n panes in h x w: the most columns whose panes stay
 * readable (at least 16 columns, 3 rows), preferring wide over tall. */
static void
draw_grid(size_t n, int h, int w, int *cols, int *rows)
{
	int c, best_c = 1;
	double best = -1;

	for (c = 1; c <= (int)n; c++) {
		int r = ((int)n + c - 1) / c, pw = (w - (c - 1)) / c, ph = h / r;
		double score;

		if (pw < 16 || ph < 3)
			continue;
		/* Characters are about twice as tall as wide. */
		score = pw / 2.0 < ph ? pw / 2.0 : ph;
		if (score > best) {
			best = score;
			best_c = c;
		}
	}
	if (best < 0) {
		/* Too many for readable panes: as many rows of one column as fit. */
		*cols = 1;
		*rows = h / 2 > 0 ? h / 2 : 1;
		return;
	}
	*cols = best_c;
	*rows = ((int)n + best_c - 1) / best_c;
}

static void
draw_tiled(struct tui *t, int y, int h, int w)
{
	size_t n = super_count(t->s), i, first = 0;
	int cols, rows, r, c;

	draw_grid(n, h, w, &cols, &rows);
	/* When not all fit, the window of panes follows the selection. */
	if ((size_t)(cols * rows) < n && t->sel >= (size_t)(cols * rows))
		first = t->sel - (size_t)(cols * rows) + 1;
	for (i = first; i < n && i - first < (size_t)(cols * rows); i++) {
		int k = (int)(i - first), pw, ph, px, py;

		r = k / cols;
		c = k % cols;
		pw = (w - (cols - 1)) / cols;
		ph = h / rows;
		px = c * (pw + 1);
		py = y + r * ph;
		if (c == cols - 1)
			pw = w - px;
		if (r == rows - 1)
			ph = y + h - py;
		draw_pane(t, i, py, px, ph, pw);
		if (c < cols - 1) {
			int pair, yy;
			attr_t a = paint_role(t, THEME_BORDER, &pair);

			for (yy = py; yy < py + ph; yy++)
				draw_text(t, yy, px + pw, 1, t->utf8 ? "\xe2\x94\x82" : "|", a, pair);
		}
	}
}

static const char *const draw_layout_names[] = { "single", "tiled", "merged" };
static const char *const draw_filter_names[] = { "", " stdout only", " stderr only" };

static void
draw_status(struct tui *t, int y)
{
	attr_t a;
	int pair, x;
	char buf[512], right[128];

	if (t->prompt == TUI_PROMPT_SEARCH || t->prompt == TUI_PROMPT_ADD) {
		char text[TUI_PROMPT_MAX * 4];
		size_t k = wcstombs(text, t->prompt_buf, sizeof text - 1);

		if (k == (size_t)-1)
			k = 0;
		text[k] = '\0';
		a = paint_role(t, THEME_PROMPT, &pair);
		draw_fill(y, 0, COLS, a, pair);
		x = draw_text(t, y, 0, COLS, t->prompt == TUI_PROMPT_SEARCH ? "/" :
		    "command to add: ", a, pair);
		{
			char *clean = line_sanitize(text);

			x += draw_text(t, y, x, COLS - x, clean, a, pair);
			free(clean);
		}
		if (x < COLS)
			draw_text(t, y, x, 1, "_", a | A_BLINK, pair);
		return;
	}
	a = paint_role(t, THEME_STATUS, &pair);
	draw_fill(y, 0, COLS, a, pair);
	if (t->prompt == TUI_PROMPT_QUIT) {
		size_t live = 0, i;

		for (i = 0; i < super_count(t->s); i++) {
			enum proc_state st = proc_state(super_proc(t->s, i));

			live += st == PROC_RUNNING || st == PROC_STARTING || st == PROC_STOPPING;
		}
		snprintf(buf, sizeof buf, " quit? %zu process%s still running: stop %s and quit (y/n) ",
		    live, live == 1 ? " is" : "es are", live == 1 ? "it" : "them");
		a = paint_role(t, THEME_PROMPT, &pair);
		draw_fill(y, 0, COLS, a, pair);
		draw_text(t, y, 0, COLS, buf, a, pair);
		return;
	}
	if (t->quitting) {
		size_t left = 0, i;

		for (i = 0; i < super_count(t->s); i++) {
			enum proc_state st = proc_state(super_proc(t->s, i));

			left += st != PROC_EXITED && st != PROC_FAILED && st != PROC_NEW &&
			    st != PROC_FATAL;
		}
		snprintf(buf, sizeof buf, " quitting: waiting for %zu process%s to stop (Q: kill now) ",
		    left, left == 1 ? "" : "es");
	} else if (t->message[0] != '\0' && util_now_ms() < t->message_until_ms)
		snprintf(buf, sizeof buf, " %s", t->message);
	else
		snprintf(buf, sizeof buf, " ? help  q quit  l layout  t stop  K kill  r restart  "
		    "s start  z pause  ! signal  / search  i details");
	snprintf(right, sizeof right, " %s%s%s ", draw_layout_names[t->layout],
	    t->zoom ? " zoomed" : "", draw_filter_names[t->filter]);
	x = (int)strlen(right);
	draw_text(t, y, 0, COLS - x > 0 ? COLS - x : COLS, buf, a, pair);
	if (x < COLS / 2)
		draw_text(t, y, COLS - x, x, right, a, pair);
}

/* A box of lines in the middle of the screen, with a blank row above and
 * below. On a screen too short for it the lines scroll: from *top (kept
 * in range here), or, for a menu, so that the selected line shows; the
 * bottom row then says where the view is. With top, the box is the help,
 * and t->help_clipped says whether it scrolls. */
static void
draw_box(struct tui *t, const char *const *lines, size_t n, size_t *top, size_t sel, bool menu)
{
	int w = 0, h = (int)n + 2, y, x, pair, spair;
	attr_t a = paint_role(t, THEME_OVERLAY, &pair);
	attr_t sa = paint_role(t, THEME_SELECTION, &spair);
	size_t i, rows, first = top != NULL ? *top : 0;
	char where[64];

	for (i = 0; i < n; i++) {
		size_t k = 0;

		draw_cells_str(t, &k, lines[i], 0, 0);
		if ((int)k > w)
			w = (int)k;
	}
	w += 4;
	if (w > COLS)
		w = COLS;
	if (h > LINES)
		h = LINES;
	y = (LINES - h) / 2;
	x = (COLS - w) / 2;
	rows = h > 2 ? (size_t)h - 2 : 0;
	if (menu && sel >= first + rows)
		first = sel + 1 - rows;
	if (menu && sel < first)
		first = sel;
	if (first + rows > n)
		first = n > rows ? n - rows : 0;
	if (top != NULL) {
		*top = first;
		t->help_clipped = rows < n;
	}
	for (i = 0; (int)i < h; i++)
		draw_fill(y + (int)i, x, w, a, pair);
	for (i = 0; i < rows && first + i < n; i++) {
		bool on = menu && first + i == sel;

		if (on)
			draw_fill(y + 1 + (int)i, x + 1, w - 2, sa, spair);
		draw_text(t, y + 1 + (int)i, x + 2, w - 4, lines[first + i], on ? sa : a,
		    on ? spair : pair);
	}
	if (rows < n && h >= 2) {
		snprintf(where, sizeof where, "%zu-%zu of %zu, Up Down to scroll", first + 1,
		    first + rows, n);
		draw_text(t, y + h - 1, x + 2, w - 4, where, a, pair);
	}
}

static const char *const draw_help_lines[] = {
	"brood: keys",
	"",
	"Up Down  j k   select a process",
	"Tab            focus the list or the output",
	"Enter          zoom the selected pane",
	"l              layout: single, tiled, merged",
	"PgUp PgDn      scroll the output (wheel too)",
	"Home End       oldest line / follow the newest",
	"t              terminate (SIGKILL after the timeout)",
	"K              kill (SIGKILL to the whole tree)",
	"r              restart",
	"s              start a stopped process",
	"z              pause / resume",
	"!              send a signal",
	"e              streams: both, stdout, stderr",
	"/  n  N        search (regex), older, newer match",
	"a  d           add a process / remove a stopped one",
	"c              clear the selected scrollback",
	"i              details: graphs, process tree, timeline",
	"T              CPU and MEM of the whole tree / the leader",
	"q  Q           quit (asks while processes run) / at once",
	"C-z            suspend (fg resumes; processes keep running)",
	"",
	"any key closes this help",
};

const int tui_signal_menu[] = { SIGHUP, SIGINT, SIGQUIT, SIGKILL, SIGUSR1, SIGUSR2,
	SIGTERM, SIGCONT, SIGSTOP, SIGTSTP, SIGWINCH, SIGALRM, 0 };

static void
draw_signal_menu(struct tui *t)
{
	const char *lines[32];
	char buf[32][48];
	size_t n = 0, i;

	lines[n++] = "send a signal (Enter, Esc):";
	for (i = 0; tui_signal_menu[i] != 0; i++) {
		snprintf(buf[i], sizeof buf[i], "%2d  %s", tui_signal_menu[i],
		    status_signame(tui_signal_menu[i]));
		lines[n++] = buf[i];
	}
	draw_box(t, lines, n, NULL, t->menu_sel + 1, true);
}

void
draw_screen(struct tui *t)
{
	size_t n = super_count(t->s);
	int list_h = 0, out_y, out_h;

	erase();
	t->nhits = 0;
	t->list_h = 0;
	t->list_lines = t->list_cols = 0;
	if (LINES < 3 || COLS < 16) {
		int pair;
		attr_t a = paint_role(t, THEME_STATUS, &pair);

		/* Nothing on a single column, which holds no message anyway:
		 * ncurses (6.4) reads before its line buffer when it writes
		 * the lower-right corner of a one-column screen. */
		if (LINES > 0 && COLS > 1)
			draw_text(t, 0, 0, COLS, "brood: terminal too small", a, pair);
		return;
	}
	if (t->detail) {
		detail_draw(t, 0, LINES - 1);
		draw_status(t, LINES - 1);
		return;
	}
	if (!t->zoom) {
		int max = (LINES - 2) / 3;

		list_h = 1 + ((int)n < max ? (int)n : max);
		if (list_h < 2)
			list_h = 2;
	}
	list_draw(t, 0, list_h);
	t->list_lines = LINES;
	t->list_cols = COLS;
	out_y = list_h;
	out_h = LINES - 1 - list_h;
	if (n > 0 && out_h > 0) {
		if (t->layout == TUI_MERGED)
			draw_merged(t, out_y, out_h, COLS);
		else if (t->layout == TUI_TILED && !t->zoom)
			draw_tiled(t, out_y, out_h, COLS);
		else
			draw_pane(t, t->sel, out_y, 0, out_h, COLS);
	}
	draw_status(t, LINES - 1);
	if (t->help)
		draw_box(t, draw_help_lines, sizeof draw_help_lines / sizeof draw_help_lines[0],
		    &t->help_top, 0, false);
	if (t->prompt == TUI_PROMPT_SIGNAL)
		draw_signal_menu(t);
}
