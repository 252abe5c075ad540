/*
 * sgr.c: the attributes of an SGR sequence (ESC [ ... m), the one escape
 * sequence of a child's that brood keeps: as attributes of its own, never
 * as bytes.
 *
 * Both forms of extended colour are read: the colon form a standard asks
 * for (38:5:N, 38:2:[colour space]:R:G:B) and the semicolon form most
 * programs write (38;5;N, 38;2;R;G;B). A value out of range drops that
 * colour alone; a semicolon list cut short ends the sequence, since what
 * follows can no longer be told apart. 58 (the underline's colour) is read
 * only to be skipped, and codes brood does not draw (blink, conceal,
 * fonts) change nothing.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sgr.h"

/* A palette index or 8-bit RGB triple; false if out of range. */
static bool
sgr_palette(uint32_t idx, uint32_t *out)
{
	if (idx > 255)
		return (false);
	*out = COLOR_PALETTE | idx;
	return (true);
}

static bool
sgr_rgb(uint32_t r, uint32_t g, uint32_t b, uint32_t *out)
{
	if (r > 255 || g > 255 || b > 255)
		return (false);
	*out = COLOR_RGB | (r << 16) | (g << 8) | b;
	return (true);
}

/* The colon form, 38:5:N or 38:2:[cs]:R:G:B; q are the sub-parameters. */
static bool
sgr_color_sub(const struct sgr_param *q, size_t nsub, uint32_t *out)
{
	if (q[0].value == 5 && nsub >= 2)
		return (sgr_palette(q[1].value, out));
	if (q[0].value == 2 && nsub >= 5)
		return (sgr_rgb(q[2].value, q[3].value, q[4].value, out));
	if (q[0].value == 2 && nsub == 4)
		return (sgr_rgb(q[1].value, q[2].value, q[3].value, out));
	return (false);
}

/* The semicolon form, 38;5;N or 38;2;R;G;B starting at p[i]; returns the
 * index after it. A short list is ignored and ends the sequence. */
static size_t
sgr_color_semi(const struct sgr_param *p, size_t n, size_t i, uint32_t *out,
    bool *ok)
{
	*ok = false;
	if (i + 1 >= n)
		return (n);
	if (p[i + 1].value == 5) {
		if (i + 2 >= n)
			return (n);
		*ok = sgr_palette(p[i + 2].value, out);
		return (i + 3);
	}
	if (p[i + 1].value == 2) {
		if (i + 4 >= n)
			return (n);
		*ok = sgr_rgb(p[i + 2].value, p[i + 3].value, p[i + 4].value,
		    out);
		return (i + 5);
	}
	return (i + 2);
}

/* One SGR code without arguments. */
static void
sgr_simple(struct attr *a, unsigned v)
{
	switch (v) {
	case 0:
		*a = (struct attr){ COLOR_DEFAULT, COLOR_DEFAULT, 0 };
		break;
	case 1:
		a->flags |= ATTR_BOLD;
		break;
	case 2:
		a->flags |= ATTR_DIM;
		break;
	case 3:
		a->flags |= ATTR_ITALIC;
		break;
	case 4:
		a->flags |= ATTR_UNDERLINE;
		break;
	case 7:
		a->flags |= ATTR_REVERSE;
		break;
	case 9:
		a->flags |= ATTR_STRIKE;
		break;
	case 21:
	case 24:
		a->flags &= ~ATTR_UNDERLINE;
		break;
	case 22:
		a->flags &= ~(ATTR_BOLD|ATTR_DIM);
		break;
	case 23:
		a->flags &= ~ATTR_ITALIC;
		break;
	case 27:
		a->flags &= ~ATTR_REVERSE;
		break;
	case 29:
		a->flags &= ~ATTR_STRIKE;
		break;
	case 39:
		a->fg = COLOR_DEFAULT;
		break;
	case 49:
		a->bg = COLOR_DEFAULT;
		break;
	default:
		if (v >= 30 && v <= 37)
			a->fg = COLOR_PALETTE | (v - 30);
		else if (v >= 90 && v <= 97)
			a->fg = COLOR_PALETTE | (v - 90 + 8);
		else if (v >= 40 && v <= 47)
			a->bg = COLOR_PALETTE | (v - 40);
		else if (v >= 100 && v <= 107)
			a->bg = COLOR_PALETTE | (v - 100 + 8);
		break;
	}
}

void
sgr_apply(struct attr *a, const struct sgr_param *p, size_t n)
{
	size_t			 i = 0, j, nsub;
	unsigned		 v;
	uint32_t		 c = 0;
	bool			 ok;

	while (i < n) {
		v = p[i].value;
		for (j = i + 1; j < n && p[j].sub; j++)
			continue;
		nsub = j - i - 1;

		if (v == 38 || v == 48 || v == 58) {
			if (nsub != 0) {
				ok = sgr_color_sub(p + i + 1, nsub, &c);
				i = j;
			} else
				i = sgr_color_semi(p, n, i, &c, &ok);
			/* 58 (underline colour) is parsed only to skip it. */
			if (ok && v == 38)
				a->fg = c;
			else if (ok && v == 48)
				a->bg = c;
			continue;
		}
		if (v == 4 && nsub != 0) {
			if (p[i + 1].value == 0)
				a->flags &= ~ATTR_UNDERLINE;
			else
				a->flags |= ATTR_UNDERLINE;
		} else
			sgr_simple(a, v);
		i = j;
	}
}
