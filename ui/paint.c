/*
 * paint.c: styles to curses attributes, for whatever the terminal has.
 *
 * A style (a theme role, or a child's SGR attributes) names colours from
 * the 256-colour palette or as 24-bit RGB. The terminal may have 256, 16,
 * 8 or no colours: each colour is mapped to the nearest one it has (by
 * RGB distance), and with none only the attributes remain. Colour pairs
 * are created on demand, one per (fg, bg) actually drawn, and cached.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tui-int.h"
#include "util.h"

#define PAINT_SLOTS 4096

static const uint8_t paint_base16[16][3] = {
	{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 },
	{ 0, 0, 238 }, { 205, 0, 205 }, { 0, 205, 205 }, { 229, 229, 229 },
	{ 127, 127, 127 }, { 255, 0, 0 }, { 0, 255, 0 }, { 255, 255, 0 },
	{ 92, 92, 255 }, { 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 },
};

void
paint_init(struct paint *pt, bool color)
{
	memset(pt, 0, sizeof *pt);
	if (color && has_colors()) {
		start_color();
		use_default_colors();
		pt->ncolors = COLORS >= 256 ? 256 : COLORS >= 88 ? 88 : COLORS >= 16 ? 16 :
		    COLORS >= 8 ? 8 : 0;
		pt->pair_limit = COLOR_PAIRS;
	}
	pt->next_pair = 1;
	pt->slots = xcalloc(PAINT_SLOTS, sizeof *pt->slots);
}

void
paint_free(struct paint *pt)
{
	free(pt->slots);
	pt->slots = NULL;
}

static void
paint_rgb_of(int n, int rgb[3])
{
	int i;

	if (n < 16) {
		for (i = 0; i < 3; i++)
			rgb[i] = paint_base16[n][i];
	} else if (n < 232) {
		int c = n - 16, v[3] = { c / 36, c / 6 % 6, c % 6 };

		for (i = 0; i < 3; i++)
			rgb[i] = v[i] == 0 ? 0 : 55 + 40 * v[i];
	} else {
		for (i = 0; i < 3; i++)
			rgb[i] = 8 + 10 * (n - 232);
	}
}

/* The nearest of the first n palette colours to rgb. */
static int
paint_nearest(const int rgb[3], int first, int n)
{
	int best = first, i, bestd = 1 << 30;

	for (i = first; i < n; i++) {
		int c[3], d;

		paint_rgb_of(i, c);
		d = (c[0] - rgb[0]) * (c[0] - rgb[0]) + (c[1] - rgb[1]) * (c[1] - rgb[1]) +
		    (c[2] - rgb[2]) * (c[2] - rgb[2]);
		if (d < bestd) {
			bestd = d;
			best = i;
		}
	}
	return best;
}

/* A colour as a curses colour number; -1 for the terminal's default. */
static int
paint_color(const struct paint *pt, uint32_t c)
{
	int rgb[3], n = pt->ncolors >= 256 ? 256 : pt->ncolors >= 16 ? 16 : 8;

	switch (COLOR_KIND(c)) {
	case COLOR_PALETTE:
		if ((int)COLOR_VALUE(c) < n)
			return (int)COLOR_VALUE(c);
		if (n == 8 && COLOR_VALUE(c) < 16)
			return (int)COLOR_VALUE(c) - 8;
		paint_rgb_of((int)COLOR_VALUE(c), rgb);
		return paint_nearest(rgb, 0, n);
	case COLOR_RGB:
		rgb[0] = (int)(COLOR_VALUE(c) >> 16);
		rgb[1] = (int)(COLOR_VALUE(c) >> 8 & 0xff);
		rgb[2] = (int)(COLOR_VALUE(c) & 0xff);
		/* In 256 colours the cube and greys are truer than the base 16,
		 * whose RGB varies from terminal to terminal. */
		return n == 256 ? paint_nearest(rgb, 16, 256) : paint_nearest(rgb, 0, n);
	default:
		return -1;
	}
}

static int
paint_pair(struct paint *pt, uint32_t fg, uint32_t bg)
{
	uint32_t h = (fg * 2654435761u) ^ (bg * 40503u);
	size_t i, n;

	if (fg == COLOR_DEFAULT && bg == COLOR_DEFAULT)
		return 0;
	for (n = 0, i = h % PAINT_SLOTS; n < PAINT_SLOTS; n++, i = (i + 1) % PAINT_SLOTS) {
		struct paint_slot *slot = &pt->slots[i];

		if (slot->pair != 0 && slot->fg == fg && slot->bg == bg)
			return slot->pair;
		if (slot->pair == 0) {
			if (pt->next_pair >= pt->pair_limit)
				return 0; /* out of pairs: plain beats wrong */
			slot->fg = fg;
			slot->bg = bg;
			slot->pair = pt->next_pair++;
			init_extended_pair(slot->pair, paint_color(pt, fg), paint_color(pt, bg));
			return slot->pair;
		}
	}
	return 0;
}

attr_t
paint_attr(struct paint *pt, uint32_t fg, uint32_t bg, uint16_t flags, int *pair)
{
	attr_t a = A_NORMAL;

	if (flags & ATTR_BOLD)
		a |= A_BOLD;
	if (flags & ATTR_DIM)
		a |= A_DIM;
	if (flags & ATTR_ITALIC)
		a |= A_ITALIC;
	if (flags & ATTR_UNDERLINE)
		a |= A_UNDERLINE;
	if (flags & ATTR_REVERSE)
		a |= A_REVERSE;
	*pair = 0;
	if (pt->ncolors == 0)
		return a;
	/* Eight colours: bright foregrounds become bold, as terminals did. */
	if (pt->ncolors == 8 && COLOR_KIND(fg) == COLOR_PALETTE &&
	    COLOR_VALUE(fg) >= 8 && COLOR_VALUE(fg) < 16)
		a |= A_BOLD;
	*pair = paint_pair(pt, fg, bg);
	return a;
}

/* With no colour, roles that only a colour told apart get an attribute. */
static uint16_t
paint_mono_flags(enum theme_role role)
{
	switch (role) {
	case THEME_HEADER:
	case THEME_TITLE:
	case THEME_STATUS:
	case THEME_OVERLAY:
	case THEME_SELECTION_IDLE:
		return ATTR_REVERSE;
	case THEME_SELECTION:
	case THEME_TITLE_FOCUS:
		return ATTR_REVERSE | ATTR_BOLD;
	case THEME_FAILED:
	case THEME_STDERR:
	case THEME_PROMPT:
		return ATTR_BOLD;
	case THEME_MATCH:
		return ATTR_REVERSE | ATTR_UNDERLINE;
	case THEME_MARKER:
	case THEME_BORDER:
	case THEME_EXITED:
		return ATTR_DIM;
	case THEME_PAUSED:
	case THEME_STOPPING:
		return ATTR_UNDERLINE;
	default:
		return 0;
	}
}

attr_t
paint_role(struct tui *t, enum theme_role role, int *pair)
{
	const struct theme_style *st = &t->theme.role[role];
	uint16_t flags = st->flags;

	if (t->paint.ncolors == 0 && (COLOR_KIND(st->fg) != 0 || COLOR_KIND(st->bg) != 0))
		flags |= paint_mono_flags(role);
	return paint_attr(&t->paint, st->fg, st->bg, flags, pair);
}
