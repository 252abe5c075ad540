/*
 * line.c: small services around struct line: turning an attribute back
 * into an SGR sequence of brood's own making (headless output, log files),
 * and sanitizing any string for display.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "line.h"
#include "util.h"

static size_t
attr_sgr_color(uint32_t c, int base, char *buf)
{
	uint32_t v = COLOR_VALUE(c);

	if (COLOR_KIND(c) == COLOR_PALETTE) {
		if (v < 8)
			return (size_t)sprintf(buf, ";%u", (unsigned)(base + v));
		if (v < 16)
			return (size_t)sprintf(buf, ";%u", (unsigned)(base + 60 + v - 8));
		return (size_t)sprintf(buf, ";%d;5;%u", base + 8, (unsigned)v);
	}
	if (COLOR_KIND(c) == COLOR_RGB)
		return (size_t)sprintf(buf, ";%d;2;%u;%u;%u", base + 8,
		    (unsigned)(v >> 16), (unsigned)((v >> 8) & 0xff), (unsigned)(v & 0xff));
	return 0;
}

size_t
attr_sgr(const struct attr *a, char *buf)
{
	static const struct { uint16_t flag; const char *code; } flags[] = {
		{ ATTR_BOLD, ";1" }, { ATTR_DIM, ";2" }, { ATTR_ITALIC, ";3" },
		{ ATTR_UNDERLINE, ";4" }, { ATTR_REVERSE, ";7" }, { ATTR_STRIKE, ";9" },
	};
	size_t n = 0, i;

	memcpy(buf, "\033[0", 3);
	n = 3;
	for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		if (a->flags & flags[i].flag) {
			memcpy(buf + n, flags[i].code, 2);
			n += 2;
		}
	}
	n += attr_sgr_color(a->fg, 30, buf + n);
	n += attr_sgr_color(a->bg, 40, buf + n);
	buf[n++] = 'm';
	buf[n] = '\0';
	return n;
}

struct line_collect {
	char *text;
	size_t len;
	bool joined;  /* the last line was split, so the next one continues it */
};

static void
line_collect(void *arg, const struct line *l)
{
	struct line_collect *c = arg;

	c->text = xrealloc(c->text, c->len + l->len + 2);
	if (c->len > 0 && !c->joined)
		c->text[c->len++] = ' ';
	c->joined = (l->flags & LINE_SPLIT) != 0;
	memcpy(c->text + c->len, l->text, l->len);
	c->len += l->len;
	c->text[c->len] = '\0';
}

char *
line_sanitize(const char *s)
{
	struct line_collect c = { NULL, 0, false };
	struct ingest *in = ingest_create(LINE_STDOUT, 0, line_collect, &c);

	ingest_feed(in, s, strlen(s));
	ingest_finish(in);
	ingest_free(in);
	if (c.text == NULL)
		c.text = xstrdup("");
	return c.text;
}
