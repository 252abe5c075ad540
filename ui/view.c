/*
 * view.c: where the user is in a process's output, and search.
 *
 * A view (struct tui_view: one per process, and t->merged_view for the
 * merged layout) either follows the newest line or is held at one line,
 * its bottom. The bottom is kept as a sequence number (scroll_seq; for the
 * merged view, the count of entries ever added), never as an index: lines
 * keep arriving and the ring drops the oldest, so an index would drift
 * while the user reads, and a number does not. A bottom the ring has
 * dropped reads as the oldest line kept; a bottom past the newest reads as
 * the newest. Scrolling down onto the newest line follows again, so a
 * view that reaches the end never stops at it while output goes on.
 *
 * Every command acts on the view being scrolled: the merged one in the
 * merged layout, else the selected process's. Search is a POSIX extended
 * regex over sanitized lines, case-blind while the pattern has no capital;
 * a match moves the bottom to the matching line. The pattern stays set
 * (n and N step on) until an empty search clears it.
 */
#include "config.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "scroll.h"
#include "tui-int.h"
#include "util.h"

/* The view being scrolled: the merged one, or the selected pane's. */
static struct tui_view *
view_target(struct tui *t, size_t *n, uint64_t *first)
{
	struct proc *p;
	struct scroll *sb;

	if (t->layout == TUI_MERGED) {
		*n = t->merged_count;
		*first = t->merged_seq - t->merged_count;
		return &t->merged_view;
	}
	p = tui_selected(t);
	if (p == NULL || (sb = proc_scroll(p)) == NULL)
		return NULL;
	*n = scroll_count(sb);
	*first = *n > 0 ? scroll_seq(sb, 0) : 0;
	return tui_view_of(t, p);
}

size_t
view_bottom(const struct tui_view *v, size_t n, uint64_t first)
{
	if (n == 0)
		return 0;
	if (v->follow || v->bottom_seq >= first + n)
		return n - 1;
	return v->bottom_seq < first ? 0 : (size_t)(v->bottom_seq - first);
}

void
view_scroll(struct tui *t, long delta)
{
	uint64_t first;
	size_t n, bottom;
	long to;
	struct tui_view *v = view_target(t, &n, &first);

	if (v == NULL || n == 0)
		return;
	bottom = view_bottom(v, n, first);
	to = (long)bottom + delta;
	if (to >= (long)n - 1 && delta > 0) {
		v->follow = true;
		t->dirty = true;
		return;
	}
	if (to < 0)
		to = 0;
	if (to > (long)n - 1)
		to = (long)n - 1;
	v->follow = false;
	v->bottom_seq = first + (uint64_t)to;
	t->dirty = true;
}

void
view_follow(struct tui *t)
{
	uint64_t first;
	size_t n;
	struct tui_view *v = view_target(t, &n, &first);

	if (v != NULL)
		v->follow = true;
}

int
view_page(struct tui *t)
{
	int h = LINES - 2 - (t->zoom ? 0 : t->list_h);
	size_t i;

	for (i = 0; i < t->nhits; i++) {
		if (t->hits[i].proc == t->sel && t->layout == TUI_TILED && !t->zoom)
			h = t->hits[i].h - 1;
	}
	return h > 1 ? h - 1 : 1;
}

/* Text of item idx of the scrolled source into t->scratch; false if gone. */
static bool
view_item_text(struct tui *t, size_t idx, const char **text)
{
	struct scroll *sb;
	struct line l;

	if (t->layout == TUI_MERGED) {
		struct proc *p;

		if (!draw_merged_line(t, idx, &p, &l))
			return false;
	} else {
		struct proc *p = tui_selected(t);

		if (p == NULL || (sb = proc_scroll(p)) == NULL || !scroll_get(sb, idx, &l))
			return false;
	}
	if (t->scratch_cap < l.len + 1) {
		t->scratch_cap = l.len + 1;
		t->scratch = xrealloc(t->scratch, t->scratch_cap);
	}
	memcpy(t->scratch, l.text, l.len);
	t->scratch[l.len] = '\0';
	*text = t->scratch;
	return true;
}

void
view_search_step(struct tui *t, int dir, bool inclusive)
{
	uint64_t first;
	size_t n, bottom;
	long idx;
	struct tui_view *v = view_target(t, &n, &first);

	if (!t->search_on) {
		tui_message(t, "no search yet: / starts one");
		return;
	}
	if (v == NULL || n == 0) {
		tui_message(t, "search: nothing to search");
		return;
	}
	bottom = view_bottom(v, n, first);
	for (idx = (long)bottom + (inclusive ? 0 : dir); idx >= 0 && idx < (long)n; idx += dir) {
		const char *text;

		if (!view_item_text(t, (size_t)idx, &text))
			continue;
		if (regexec(&t->search_re, text, 0, NULL, 0) == 0) {
			v->follow = false;
			v->bottom_seq = first + (uint64_t)idx;
			t->dirty = true;
			return;
		}
	}
	tui_message(t, "search: no %s match for '%s'", dir < 0 ? "older" : "newer",
	    t->search_text);
}

void
view_search(struct tui *t, const char *text)
{
	int flags = REG_EXTENDED | REG_NEWLINE, rc;
	const char *c;
	char err[128];

	if (*text == '\0') {
		if (t->search_on)
			regfree(&t->search_re);
		t->search_on = false;
		t->dirty = true;
		return;
	}
	/* Smart case: all lower case matches either case. */
	for (c = text; *c != '\0' && !(*c >= 'A' && *c <= 'Z'); c++)
		;
	if (*c == '\0')
		flags |= REG_ICASE;
	if (t->search_on)
		regfree(&t->search_re);
	t->search_on = false;
	rc = regcomp(&t->search_re, text, flags);
	if (rc != 0) {
		regerror(rc, &t->search_re, err, sizeof err);
		regfree(&t->search_re);
		tui_message(t, "search: %s", err);
		return;
	}
	t->search_on = true;
	snprintf(t->search_text, sizeof t->search_text, "%s", text);
	view_search_step(t, -1, true);
}
