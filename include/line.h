/*
 * line.h: one line of child output, as the core hands it on.
 *
 * A line is sanitized UTF-8 text (no C0 or C1 control, no escape sequence:
 * nothing in it can steer a terminal) plus a list of attribute runs taken
 * from the child's SGR sequences. A run starts at a byte offset of the text
 * and lasts until the next run or the end; text before the first run has
 * the default attributes. Lines are views: the producer owns the memory and
 * a consumer that keeps a line copies it (scroll_push does).
 */
#ifndef BROOD_LINE_H
#define BROOD_LINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

enum line_stream { LINE_STDOUT = 0, LINE_STDERR = 1 };

/* Line flags. */
#define LINE_SPLIT   0x01 /* over the length cap: continues on the next line */
#define LINE_PARTIAL 0x02 /* the stream ended before a newline */

/* Attribute flags. */
#define ATTR_BOLD      0x01
#define ATTR_DIM       0x02
#define ATTR_ITALIC    0x04
#define ATTR_UNDERLINE 0x08
#define ATTR_REVERSE   0x10
#define ATTR_STRIKE    0x20

/* A colour: COLOR_DEFAULT, COLOR_PALETTE | index (0-255), or COLOR_RGB | 0xRRGGBB. */
#define COLOR_DEFAULT 0u
#define COLOR_PALETTE 0x01000000u
#define COLOR_RGB     0x02000000u
#define COLOR_KIND(c)  ((c) & 0xff000000u)
#define COLOR_VALUE(c) ((c) & 0x00ffffffu)

struct attr {
	uint32_t fg;
	uint32_t bg;
	uint16_t flags;
};

struct run {
	uint32_t off;      /* byte offset in the text where this attribute starts */
	struct attr attr;
};

struct line {
	const char *text;  /* UTF-8, not NUL-terminated */
	uint32_t len;      /* bytes of text */
	const struct run *runs;
	uint32_t nruns;
	uint8_t stream;    /* enum line_stream */
	uint8_t flags;     /* LINE_SPLIT, LINE_PARTIAL */
};

/* Whether two attributes draw the same. */
static inline bool
attr_equal(const struct attr *a, const struct attr *b)
{
	return a->fg == b->fg && a->bg == b->bg && a->flags == b->flags;
}

/* Whether an attribute is the default one (plain text). */
static inline bool
attr_is_default(const struct attr *a)
{
	return a->fg == COLOR_DEFAULT && a->bg == COLOR_DEFAULT && a->flags == 0;
}

/* Longest SGR sequence attr_sgr writes, with its NUL. */
#define ATTR_SGR_MAX 64

/* Write the SGR sequence that sets exactly attr (starting from a reset:
 * "\033[0;1;38;5;208m") into buf; its length. */
size_t attr_sgr(const struct attr *a, char *buf);

/* Display text for any string (a process name, a command, a config value):
 * parsed like child output, so no control or escape survives; line breaks
 * become spaces. Allocated. */
char *line_sanitize(const char *s);

#endif
