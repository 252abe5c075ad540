/*
 * test_ingest.c: what a user sees of a child's output after ingest.
 *
 * Every line the parser emits goes through check_line, which asserts the
 * promises of line.h (no control byte, valid UTF-8, sane runs, the right
 * stream, the length cap), so each test checks those on top of its own.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <check.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "ingest.h"

#define ESC "\033"
#define PAL(n) (COLOR_PALETTE | (n))
#define RGB(r, g, b) (COLOR_RGB | ((uint32_t)(r) << 16) | ((g) << 8) | (b))

struct got {
	char		*text;
	uint32_t	 len;
	struct run	*runs;
	uint32_t	 nruns;
	uint8_t		 stream;
	uint8_t		 flags;
};

struct sink {
	struct got	*v;
	size_t		 n;
	size_t		 cap;
	bool		 count_only;	/* do not keep lines, only count */
	size_t		 line_max;
	uint8_t		 stream;
	uint64_t	 bytes;
	uint64_t	 lines;
	uint64_t	 split;
	uint64_t	 partial;
	size_t		 longest;
};

/* Whether s[0..len) is well-formed UTF-8 (no overlong, surrogate, > 10FFFF). */
static bool
valid_utf8(const unsigned char *s, size_t len)
{
	size_t		i = 0, n, k;
	uint32_t	cp;

	while (i < len) {
		unsigned char	b = s[i];

		if (b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf) {
			n = 1;
			cp = b & 0x1f;
		} else if (b >= 0xe0 && b <= 0xef) {
			n = 2;
			cp = b & 0x0f;
		} else if (b >= 0xf0 && b <= 0xf4) {
			n = 3;
			cp = b & 0x07;
		} else
			return (false);
		if (i + n + 1 > len)
			return (false);
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (false);
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return (false);
		/* C1 controls must never come out, even encoded. */
		if (cp >= 0x80 && cp <= 0x9f)
			return (false);
		i += n + 1;
	}
	return (true);
}

/* Check records every passed assertion (a write to its pipe), far too slow
 * for a check per byte: the per-line helpers only call it on failure. */
#define REQUIRE(cond, ...) do {						\
	if (!(cond))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

/* The promises every emitted line keeps. */
static void
check_line(const struct sink *s, const struct line *l)
{
	uint32_t	i;

	REQUIRE(l->stream == s->stream, "stream %u", l->stream);
	REQUIRE(l->len == 0 || l->text != NULL, "NULL text");
	for (i = 0; i < l->len; i++) {
		unsigned char	c = (unsigned char)l->text[i];

		REQUIRE(c >= 0x20 && c != 0x7f,
		    "control byte 0x%02x at %u in emitted text", c, i);
	}
	REQUIRE(valid_utf8((const unsigned char *)l->text, l->len),
	    "invalid UTF-8 in emitted text");
	REQUIRE(l->len <= s->line_max, "line of %u bytes over the cap",
	    l->len);
	for (i = 0; i < l->nruns; i++) {
		const struct run	*r = &l->runs[i];

		REQUIRE(r->off < l->len, "run %u at %u past the text", i,
		    r->off);
		if (i > 0) {
			REQUIRE(r->off > r[-1].off, "run %u not in order", i);
			REQUIRE(!attr_equal(&r->attr, &r[-1].attr),
			    "run %u repeats the previous one", i);
		} else
			REQUIRE(!attr_is_default(&r->attr),
			    "first run is the default");
		REQUIRE((l->text[r->off] & 0xc0) != 0x80,
		    "run %u starts inside a character", i);
	}
	REQUIRE((l->flags & ~(LINE_SPLIT|LINE_PARTIAL)) == 0, "flags %x",
	    l->flags);
	REQUIRE(!(l->flags & LINE_SPLIT) || l->len > 0, "empty split line");
}

static void
collect(void *arg, const struct line *l)
{
	struct sink	*s = arg;
	struct got	*g;

	check_line(s, l);
	s->lines++;
	s->bytes += l->len;
	if (l->flags & LINE_SPLIT)
		s->split++;
	if (l->flags & LINE_PARTIAL)
		s->partial++;
	if (l->len > s->longest)
		s->longest = l->len;
	if (s->count_only)
		return;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
		REQUIRE(s->v != NULL, "out of memory");
	}
	g = &s->v[s->n++];
	g->text = malloc(l->len + 1);
	g->runs = malloc((l->nruns + 1) * sizeof *g->runs);
	REQUIRE(g->text != NULL && g->runs != NULL, "out of memory");
	memcpy(g->text, l->text, l->len);
	g->text[l->len] = '\0';
	g->len = l->len;
	if (l->nruns != 0)
		memcpy(g->runs, l->runs, l->nruns * sizeof *g->runs);
	g->nruns = l->nruns;
	g->stream = l->stream;
	g->flags = l->flags;
}

static void
sink_init(struct sink *s, size_t line_max, enum line_stream stream)
{
	memset(s, 0, sizeof *s);
	s->line_max = line_max ? line_max : INGEST_LINE_MAX_DEFAULT;
	s->stream = (uint8_t)stream;
}

static void
sink_free(struct sink *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].text);
		free(s->v[i].runs);
	}
	free(s->v);
	memset(s, 0, sizeof *s);
}

static struct ingest *
new_ingest(struct sink *s, size_t line_max)
{
	struct ingest	*in;

	sink_init(s, line_max, LINE_STDOUT);
	in = ingest_create(LINE_STDOUT, line_max, collect, s);
	REQUIRE(in != NULL, "ingest_create");
	return (in);
}

/* Feed len bytes whole, then finish. */
static void
run_buf(struct sink *s, size_t line_max, const char *buf, size_t len)
{
	struct ingest	*in = new_ingest(s, line_max);

	ingest_feed(in, buf, len);
	ingest_finish(in);
	ingest_free(in);
}

static void
run_str(struct sink *s, const char *str)
{
	run_buf(s, 0, str, strlen(str));
}

/* A readable rendering of everything emitted, for comparing runs. */
static char *
sink_dump(const struct sink *s)
{
	char	*out = NULL;
	size_t	 size = 0;
	FILE	*f = open_memstream(&out, &size);
	size_t	 i;
	uint32_t j;

	REQUIRE(f != NULL, "open_memstream");
	for (i = 0; i < s->n; i++) {
		const struct got	*g = &s->v[i];

		fprintf(f, "%u<%s>", g->flags, g->text);
		for (j = 0; j < g->nruns; j++) {
			fprintf(f, "{%u:%x/%x/%x}", g->runs[j].off,
			    g->runs[j].attr.fg, g->runs[j].attr.bg,
			    g->runs[j].attr.flags);
		}
		fputc('\n', f);
	}
	fclose(f);
	return (out);
}

static void
assert_text(const struct sink *s, size_t i, const char *text)
{
	ck_assert_uint_gt(s->n, i);
	ck_assert_str_eq(s->v[i].text, text);
	ck_assert_uint_eq(s->v[i].len, strlen(text));
}

static void
assert_run(const struct sink *s, size_t i, uint32_t r, uint32_t off,
    uint32_t fg, uint32_t bg, uint16_t flags)
{
	const struct run	*run;

	ck_assert_uint_gt(s->n, i);
	ck_assert_uint_gt(s->v[i].nruns, r);
	run = &s->v[i].runs[r];
	ck_assert_uint_eq(run->off, off);
	ck_assert_uint_eq(run->attr.fg, fg);
	ck_assert_uint_eq(run->attr.bg, bg);
	ck_assert_uint_eq(run->attr.flags, flags);
}

/* One line of input gives one line of output text and no attributes. */
static void
assert_one(const char *input, const char *expect)
{
	struct sink	s;

	run_str(&s, input);
	ck_assert_uint_eq(s.n, 1);
	assert_text(&s, 0, expect);
	ck_assert_uint_eq(s.v[0].nruns, 0);
	sink_free(&s);
}

START_TEST(test_plain_lines)
{
	struct sink	s;

	run_str(&s, "hello\nworld\n\nlast\n");
	ck_assert_uint_eq(s.n, 4);
	assert_text(&s, 0, "hello");
	assert_text(&s, 1, "world");
	assert_text(&s, 2, "");
	assert_text(&s, 3, "last");
	ck_assert_uint_eq(s.v[0].flags, 0);
	ck_assert_uint_eq(s.v[3].flags, 0);
	ck_assert_uint_eq(s.v[0].nruns, 0);
	sink_free(&s);
}
END_TEST

START_TEST(test_stream_field)
{
	struct sink	 s;
	struct ingest	*in;

	sink_init(&s, 0, LINE_STDERR);
	in = ingest_create(LINE_STDERR, 0, collect, &s);
	ingest_feed(in, "err\nmore", 8);
	ingest_finish(in);
	ingest_free(in);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(s.v[0].stream, LINE_STDERR);
	ck_assert_uint_eq(s.v[1].stream, LINE_STDERR);
	sink_free(&s);
}
END_TEST

START_TEST(test_crlf)
{
	struct sink	 s;
	struct ingest	*in;

	run_str(&s, "one\r\ntwo\r\n\r\n");
	ck_assert_uint_eq(s.n, 3);
	assert_text(&s, 0, "one");
	assert_text(&s, 1, "two");
	assert_text(&s, 2, "");
	sink_free(&s);

	/* The CR and LF arrive in different reads. */
	in = new_ingest(&s, 0);
	ingest_feed(in, "abc\r", 4);
	ingest_feed(in, "\ndef\r", 5);
	ingest_feed(in, "\n", 1);
	ingest_finish(in);
	ingest_free(in);
	ck_assert_uint_eq(s.n, 2);
	assert_text(&s, 0, "abc");
	assert_text(&s, 1, "def");
	sink_free(&s);
}
END_TEST

START_TEST(test_partial_on_finish)
{
	struct sink	 s;
	struct ingest	*in = new_ingest(&s, 0);

	ingest_feed(in, "first\nsecond wit", 16);
	ingest_feed(in, "hout newline", 12);
	ck_assert_uint_eq(s.n, 1);
	ingest_finish(in);
	ck_assert_uint_eq(s.n, 2);
	assert_text(&s, 0, "first");
	ck_assert_uint_eq(s.v[0].flags, 0);
	assert_text(&s, 1, "second without newline");
	ck_assert_uint_eq(s.v[1].flags, LINE_PARTIAL);

	/* Nothing pending: finish emits nothing. */
	ingest_finish(in);
	ck_assert_uint_eq(s.n, 2);
	ingest_free(in);
	sink_free(&s);
}
END_TEST

START_TEST(test_pending_view)
{
	struct sink	 s;
	struct ingest	*in = new_ingest(&s, 0);
	struct line	 l;

	ck_assert(!ingest_pending(in, &l));
	ingest_feed(in, "ab" ESC "[1mcd", 8);
	ck_assert(ingest_pending(in, &l));
	ck_assert_uint_eq(l.len, 4);
	ck_assert(memcmp(l.text, "abcd", 4) == 0);
	ck_assert_uint_eq(l.nruns, 1);
	ck_assert_uint_eq(l.runs[0].off, 2);
	ck_assert_uint_eq(l.runs[0].attr.flags, ATTR_BOLD);
	ck_assert_uint_eq(l.stream, LINE_STDOUT);
	ingest_feed(in, "\n", 1);
	ck_assert(!ingest_pending(in, &l));
	ck_assert_uint_eq(s.n, 1);
	ingest_free(in);
	sink_free(&s);
}
END_TEST

START_TEST(test_reuse_after_finish)
{
	struct sink	 s;
	struct ingest	*in = new_ingest(&s, 0);

	ingest_feed(in, ESC "[31mred\r", 9);
	ingest_finish(in);
	ingest_feed(in, "after\n", 6);
	/* An unfinished title does not outlive the stream. */
	ingest_feed(in, ESC "]0;title", 9);
	ingest_finish(in);
	ingest_feed(in, "again\n", 6);
	ingest_free(in);

	ck_assert_uint_eq(s.n, 3);
	assert_text(&s, 0, "red");
	ck_assert_uint_eq(s.v[0].flags, LINE_PARTIAL);
	assert_run(&s, 0, 0, 0, PAL(1), COLOR_DEFAULT, 0);
	assert_text(&s, 1, "after");
	ck_assert_uint_eq(s.v[1].nruns, 0);
	ck_assert_uint_eq(s.v[1].flags, 0);
	assert_text(&s, 2, "again");
	sink_free(&s);
}
END_TEST

/* Output of feeding buf whole must equal feeding it in any pieces. */
static const char mixed[] =
    "h\xc3\xa9llo \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 "
    ESC "[1;31mred" ESC "[0m " ESC "[38:2::1:2:3mrgb" ESC "[m"
    ESC "]0;title\x07" "after\n"
    ESC "]52;c;aGVsbG8=" ESC "\\" "x\xc3" "A\t\xe2\x82" "\n"
    "50%\r100%\r\n" ESC "[4m" ESC "[2J" "u\xcc\x81\n"
    "\x01\x7f" ESC "P1$r" ESC "\\" "\xf0\x9f" "end";

START_TEST(test_split_points)
{
	struct sink	 whole, part;
	struct ingest	*in;
	char		*expect, *got;
	size_t		 len = sizeof mixed - 1, i, j;
	size_t		 maxes[] = { 0, 7 };
	size_t		 m;

	for (m = 0; m < sizeof maxes / sizeof maxes[0]; m++) {
		run_buf(&whole, maxes[m], mixed, len);
		expect = sink_dump(&whole);
		ck_assert_uint_ge(whole.n, 5);

		for (i = 0; i <= len; i++) {
			in = new_ingest(&part, maxes[m]);
			ingest_feed(in, mixed, i);
			ingest_feed(in, mixed + i, len - i);
			ingest_finish(in);
			ingest_free(in);
			got = sink_dump(&part);
			REQUIRE(strcmp(got, expect) == 0,
			    "split at %zu (max %zu):\n%s\nexpected:\n%s", i,
			    maxes[m], got, expect);
			free(got);
			sink_free(&part);
		}

		/* Every pair of split points: three pieces. */
		for (i = 0; i <= len; i++) {
			for (j = i; j <= len; j++) {
				in = new_ingest(&part, maxes[m]);
				ingest_feed(in, mixed, i);
				ingest_feed(in, mixed + i, j - i);
				ingest_feed(in, mixed + j, len - j);
				ingest_finish(in);
				ingest_free(in);
				got = sink_dump(&part);
				REQUIRE(strcmp(got, expect) == 0,
				    "split at %zu,%zu", i, j);
				free(got);
				sink_free(&part);
			}
		}

		/* Byte by byte. */
		in = new_ingest(&part, maxes[m]);
		for (i = 0; i < len; i++)
			ingest_feed(in, mixed + i, 1);
		ingest_finish(in);
		ingest_free(in);
		got = sink_dump(&part);
		ck_assert_str_eq(got, expect);
		free(got);
		sink_free(&part);

		free(expect);
		sink_free(&whole);
	}
}
END_TEST

START_TEST(test_mixed_content)
{
	struct sink	s;

	run_buf(&s, 0, mixed, sizeof mixed - 1);
	ck_assert_uint_eq(s.n, 5);
	assert_text(&s, 0, "héllo 日本 😀 red rgbafter");
	ck_assert_uint_eq(s.v[0].nruns, 4);
	assert_run(&s, 0, 0, 19, PAL(1), COLOR_DEFAULT, ATTR_BOLD);
	assert_run(&s, 0, 1, 22, COLOR_DEFAULT, COLOR_DEFAULT, 0);
	assert_run(&s, 0, 2, 23, RGB(1, 2, 3), COLOR_DEFAULT, 0);
	assert_run(&s, 0, 3, 26, COLOR_DEFAULT, COLOR_DEFAULT, 0);
	/* "x", U+FFFD, "A", tab to column 8, then the truncated €. */
	assert_text(&s, 1, "x\xef\xbf\xbd" "A     \xef\xbf\xbd");
	assert_text(&s, 2, "100%");
	assert_text(&s, 3, "u\xcc\x81");
	assert_run(&s, 3, 0, 0, COLOR_DEFAULT, COLOR_DEFAULT, ATTR_UNDERLINE);
	assert_text(&s, 4, "\xe2\x90\x81\xe2\x90\xa1\xef\xbf\xbd" "end");
	ck_assert_uint_eq(s.v[4].flags, LINE_PARTIAL);
	assert_run(&s, 4, 0, 0, COLOR_DEFAULT, COLOR_DEFAULT, ATTR_UNDERLINE);
	sink_free(&s);
}
END_TEST

START_TEST(test_utf8_valid)
{
	assert_one("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbd"
	    "\xef\xbf\xbd\n", "é€😀\xf4\x8f\xbf\xbd\xef\xbf\xbd");
}
END_TEST

START_TEST(test_utf8_invalid)
{
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "\xc3" "A", "\xef\xbf\xbd" "A" },		/* broken */
		{ "\x80", "\xef\xbf\xbd" },			/* lone cont. */
		{ "\xbf\xbf", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong / */
		{ "\xc1\xbf", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xe0\x80\xaf",				/* overlong */
		    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf0\x80\x80\xaf",
		    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xed\xa0\x80",				/* surrogate */
		    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xed\xbf\xbf" "x",
		    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "x" },
		{ "\xf4\x90\x80\x80",				/* > 10FFFF */
		    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf5\x80", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xfe\xff", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xe6\x97" "x", "\xef\xbf\xbd" "x" },		/* truncated */
		{ "\xf0\x9f\x98" "x", "\xef\xbf\xbd" "x" },
		{ "a\xe6\x97", "a\xef\xbf\xbd" },		/* at newline */
		{ "\xe6" ESC "[1mx", "\xef\xbf\xbd" "x" },	/* by ESC */
		{ "\xc3\xc3\xa9", "\xef\xbf\xbd" "é" },		/* by a lead */
		{ "\xcd\xb8", "\xef\xbf\xbd" },	/* U+0378 unassigned: width -1 */
	};
	struct sink	s;
	char		buf[64];
	size_t		i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(buf, sizeof buf, "%s\n", cases[i].in);
		run_str(&s, buf);
		ck_assert_msg(s.n == 1, "case %zu: %zu lines", i, s.n);
		ck_assert_msg(strcmp(s.v[0].text, cases[i].out) == 0,
		    "case %zu: got <%s>", i, s.v[0].text);
		sink_free(&s);
	}
}
END_TEST

START_TEST(test_utf8_truncated_at_finish)
{
	struct sink	 s;
	struct ingest	*in = new_ingest(&s, 0);

	ingest_feed(in, "ok\xf0\x9f", 4);
	ck_assert_uint_eq(s.n, 0);
	ingest_finish(in);
	ck_assert_uint_eq(s.n, 1);
	assert_text(&s, 0, "ok\xef\xbf\xbd");
	ck_assert_uint_eq(s.v[0].flags, LINE_PARTIAL);
	/* A truncated character alone is still a line. */
	ingest_feed(in, "\xe2", 1);
	ingest_finish(in);
	ck_assert_uint_eq(s.n, 2);
	assert_text(&s, 1, "\xef\xbf\xbd");
	ingest_free(in);
	sink_free(&s);
}
END_TEST

START_TEST(test_c1_replaced)
{
	/* U+009B is CSI in 8-bit form: it must not start a sequence. */
	assert_one("a\xc2\x9b" "31mb\n", "a\xef\xbf\xbd" "31mb");
	assert_one("\xc2\x85\xc2\x9d" "x\n", "\xef\xbf\xbd\xef\xbf\xbd" "x");
	/* Raw 8-bit C1 bytes are invalid UTF-8 anyway. */
	assert_one("\x9b" "2Jx\n", "\xef\xbf\xbd" "2Jx");
}
END_TEST

START_TEST(test_nul_visible)
{
	struct sink	s;

	run_buf(&s, 0, "a\0b\0\n", 5);
	ck_assert_uint_eq(s.n, 1);
	assert_text(&s, 0, "a\xe2\x90\x80" "b\xe2\x90\x80");
	sink_free(&s);
}
END_TEST

START_TEST(test_controls_visible)
{
	/* Backspace, vertical tab, form feed, SO, DEL: all shown, none act. */
	assert_one("a\x08" "b\x0b\x0c\x0e\x7f" "c\n",
	    "a\xe2\x90\x88" "b\xe2\x90\x8b\xe2\x90\x8c\xe2\x90\x8e"
	    "\xe2\x90\xa1" "c");
	assert_one("\x01\x1f\n", "\xe2\x90\x81\xe2\x90\x9f");
	/* Outside a sequence, CAN and SUB are plain controls. */
	assert_one("\x18\x1a\n", "\xe2\x90\x98\xe2\x90\x9a");
}
END_TEST

START_TEST(test_bel_dropped)
{
	assert_one("a\x07" "b\x07\x07" "c\n", "abc");
}
END_TEST

START_TEST(test_title_dropped)
{
	assert_one("a" ESC "]0;evil title\x07" "b\n", "ab");
	assert_one("a" ESC "]2;evil title" ESC "\\" "b\n", "ab");
	assert_one("a" ESC "]0;t\xc3\xa9tle \xe6\x97\xa5\x07" "b\n", "ab");
}
END_TEST

START_TEST(test_clipboard_dropped)
{
	assert_one("x" ESC "]52;c;cm0gLXJmIH4K" ESC "\\" "y\n", "xy");
	assert_one("x" ESC "]52;c;?\x07" "y\n", "xy");
	/* Hyperlinks: the text stays, the URI goes. */
	assert_one(ESC "]8;;http://evil/" ESC "\\" "link" ESC "]8;;" ESC "\\"
	    "\n", "link");
}
END_TEST

START_TEST(test_cursor_moves_dropped)
{
	assert_one("a" ESC "[Hb" ESC "[2Jc" ESC "[10;10Hd" ESC "[Ke" ESC "[3A"
	    "f" ESC "[?25l" "g" ESC "[?1049h" "h" ESC "[1;24r" "i\n",
	    "abcdefghi");
}
END_TEST

START_TEST(test_queries_dropped)
{
	assert_one(ESC "[6n" ESC "[c" ESC "[>c" ESC "]10;?\x07" ESC "[5n"
	    ESC "[=c" ESC "[18t" "ok\n", "ok");
}
END_TEST

START_TEST(test_dcs_apc_pm_sos_dropped)
{
	assert_one("a" ESC "Pq#0;2;0;0;0#0!10~" ESC "\\" "b" ESC "_apc data"
	    ESC "\\" "c" ESC "^pm" ESC "\\" "d" ESC "Xsos" ESC "\\" "e"
	    ESC "P+q544e" ESC "\\" "f\n", "abcdef");
}
END_TEST

START_TEST(test_esc_single_dropped)
{
	assert_one("a" ESC "cb" ESC "7c" ESC "8d" ESC "(Be" ESC "Mf" ESC "=g"
	    ESC "#8h" ESC "%Gi" ESC " Fj\n", "abcdefghij");
}
END_TEST

START_TEST(test_esc_odd_followers)
{
	struct sink	s;

	/* ESC then a newline: the escape is abandoned, the newline ends. */
	run_str(&s, "a" ESC "\nb\n");
	ck_assert_uint_eq(s.n, 2);
	assert_text(&s, 0, "a");
	assert_text(&s, 1, "b");
	sink_free(&s);
	/* ESC then another control: shown. */
	assert_one("a" ESC "\x01" "b\n", "a\xe2\x90\x81" "b");
	/* ESC ESC restarts. */
	run_str(&s, ESC ESC "[31mA\n");
	ck_assert_uint_eq(s.n, 1);
	assert_text(&s, 0, "A");
	assert_run(&s, 0, 0, 0, PAL(1), COLOR_DEFAULT, 0);
	sink_free(&s);
	/* ESC then UTF-8: the text survives. */
	assert_one(ESC "\xc3\xa9\n", "é");
	assert_one(ESC "(\xc3\xa9\n", "é");
}
END_TEST

START_TEST(test_surrounding_sgr_survives)
{
	struct sink	s;

	run_str(&s, ESC "[31ma" ESC "]0;t\x07" ESC "[2J" ESC "[6nb" ESC "[0mc"
	    ESC "Pdcs" ESC "\\" ESC "[1md\n");
	ck_assert_uint_eq(s.n, 1);
	assert_text(&s, 0, "abcd");
	ck_assert_uint_eq(s.v[0].nruns, 3);
	assert_run(&s, 0, 0, 0, PAL(1), COLOR_DEFAULT, 0);
	assert_run(&s, 0, 1, 2, COLOR_DEFAULT, COLOR_DEFAULT, 0);
	assert_run(&s, 0, 2, 3, COLOR_DEFAULT, COLOR_DEFAULT, ATTR_BOLD);
	sink_free(&s);
}
END_TEST

START_TEST(test_unterminated_osc)
{
	struct sink	s;

	run_str(&s, "before" ESC "]0;a title that never ends\nafter\nmore\n");
	ck_assert_uint_eq(s.n, 3);
	assert_text(&s, 0, "before");
	assert_text(&s, 1, "after");
	assert_text(&s, 2, "more");
	sink_free(&s);

	/* An ESC inside the string ends it and starts a new sequence. */
	run_str(&s, ESC "]0;t" ESC "[32mgreen\n");
	ck_assert_uint_eq(s.n, 1);
	assert_text(&s, 0, "green");
	assert_run(&s, 0, 0, 0, PAL(2), COLOR_DEFAULT, 0);
	sink_free(&s);

	/* CAN aborts it. */
	assert_one(ESC "]0;t\x18" "x\n", "x");
}
END_TEST

START_TEST(test_long_osc_bounded)
{
	struct sink	 s;
	struct ingest	*in = new_ingest(&s, 0);
	char		 chunk[4096];
	int		 i;

	memset(chunk, 'A', sizeof chunk);
	ingest_feed(in, "x" ESC "]52;c;", 7);
	for (i = 0; i < 1024; i++)	/* 4 MiB of clipboard */
		ingest_feed(in, chunk, sizeof chunk);
	ingest_feed(in, "\x07" "y\n", 3);
	ingest_free(in);
	ck_assert_uint_eq(s.n, 1);
	assert_text(&s, 0, "xy");
	sink_free(&s);
}
END_TEST

START_TEST(test_sgr_16_colors)
{
	struct sink	s;
	char		buf[64];
	unsigned	i;

	for (i = 0; i < 8; i++) {
		snprintf(buf, sizeof buf, ESC "[%um" "a" ESC "[%um" "b"
		    ESC "[%um" "c" ESC "[%um" "d\n", 30 + i, 90 + i, 40 + i,
		    100 + i);
		run_str(&s, buf);
		ck_assert_uint_eq(s.n, 1);
		assert_text(&s, 0, "abcd");
		ck_assert_uint_eq(s.v[0].nruns, 4);
		assert_run(&s, 0, 0, 0, PAL(i), COLOR_DEFAULT, 0);
		assert_run(&s, 0, 1, 1, PAL(i + 8), COLOR_DEFAULT, 0);
		assert_run(&s, 0, 2, 2, PAL(i + 8), PAL(i), 0);
		assert_run(&s, 0, 3, 3, PAL(i + 8), PAL(i + 8), 0);
		sink_free(&s);
	}

	run_str(&s, ESC "[31;42ma" ESC "[39mb" ESC "[49mc\n");
	ck_assert_uint_eq(s.v[0].nruns, 3);
	assert_run(&s, 0, 0, 0, PAL(1), PAL(2), 0);
	assert_run(&s, 0, 1, 1, COLOR_DEFAULT, PAL(2), 0);
	assert_run(&s, 0, 2, 2, COLOR_DEFAULT, COLOR_DEFAULT, 0);
	sink_free(&s);
}
END_TEST

START_TEST(test_sgr_256)
{
	struct sink	s;

	run_str(&s, ESC "[38;5;196ma" ESC "[48;5;21mb" ESC "[38:5:17mc"
	    ESC "[48:5:255md" ESC "[38;5;300me\n");
	ck_assert_uint_eq(s.v[0].nruns, 4);
	assert_run(&s, 0, 0, 0, PAL(196), COLOR_DEFAULT, 0);
	assert_run(&s, 0, 1, 1, PAL(196), PAL(21), 0);
	assert_run(&s, 0, 2, 2, PAL(17), PAL(21), 0);
	assert_run(&s, 0, 3, 3, PAL(17), PAL(255), 0);	/* 300: ignored */
	sink_free(&s);
}
END_TEST

START_TEST(test_sgr_truecolor)
{
	struct sink	s;

	run_str(&s, ESC "[38;2;1;2;3ma" ESC "[38:2:4:5:6mb" ESC "[38:2::7:8:9mc"
	    ESC "[48;2;10;20;30md" ESC "[48:2::40:50:60me"
	    ESC "[48:2:0:1:2:3mf" ESC "[1;38;2;255;255;255;4mg\n");
	ck_assert_uint_eq(s.v[0].nruns, 7);
	assert_run(&s, 0, 0, 0, RGB(1, 2, 3), COLOR_DEFAULT, 0);
	assert_run(&s, 0, 1, 1, RGB(4, 5, 6), COLOR_DEFAULT, 0);
	assert_run(&s, 0, 2, 2, RGB(7, 8, 9), COLOR_DEFAULT, 0);
	assert_run(&s, 0, 3, 3, RGB(7, 8, 9), RGB(10, 20, 30), 0);
	assert_run(&s, 0, 4, 4, RGB(7, 8, 9), RGB(40, 50, 60), 0);
	assert_run(&s, 0, 5, 5, RGB(7, 8, 9), RGB(1, 2, 3), 0);
	assert_run(&s, 0, 6, 6, RGB(255, 255, 255), RGB(1, 2, 3),
	    ATTR_BOLD|ATTR_UNDERLINE);
	sink_free(&s);
}
END_TEST

START_TEST(test_sgr_flags)
{
	static const struct {
		const char	*on;
		const char	*off;
		uint16_t	 flag;
	} cases[] = {
		{ "1", "22", ATTR_BOLD },
		{ "2", "22", ATTR_DIM },
		{ "3", "23", ATTR_ITALIC },
		{ "4", "24", ATTR_UNDERLINE },
		{ "4", "21", ATTR_UNDERLINE },
		{ "4:3", "4:0", ATTR_UNDERLINE },
		{ "7", "27", ATTR_REVERSE },
		{ "9", "29", ATTR_STRIKE },
		{ "1;2;3;4;7;9", "0", ATTR_BOLD|ATTR_DIM|ATTR_ITALIC|
		    ATTR_UNDERLINE|ATTR_REVERSE|ATTR_STRIKE },
	};
	struct sink	s;
	char		buf[64];
	size_t		i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(buf, sizeof buf, "a" ESC "[%sm" "b" ESC "[%sm" "c\n",
		    cases[i].on, cases[i].off);
		run_str(&s, buf);
		assert_text(&s, 0, "abc");
		ck_assert_msg(s.v[0].nruns == 2, "case %zu", i);
		assert_run(&s, 0, 0, 1, COLOR_DEFAULT, COLOR_DEFAULT,
		    cases[i].flag);
		assert_run(&s, 0, 1, 2, COLOR_DEFAULT, COLOR_DEFAULT, 0);
		sink_free(&s);
	}

	/* 22 clears both bold and dim; 24 leaves bold alone. */
	run_str(&s, ESC "[1;2;4ma" ESC "[24mb" ESC "[22mc\n");
	ck_assert_uint_eq(s.v[0].nruns, 3);
	assert_run(&s, 0, 0, 0, 0, 0, ATTR_BOLD|ATTR_DIM|ATTR_UNDERLINE);
	assert_run(&s, 0, 1, 1, 0, 0, ATTR_BOLD|ATTR_DIM);
	assert_run(&s, 0, 2, 2, 0, 0, 0);
	sink_free(&s);
}
END_TEST

START_TEST(test_sgr_reset)
{
	struct sink	s;

	run_str(&s, ESC "[1;31;44ma" ESC "[mb" ESC "[1mc" ESC "[0md"
	    ESC "[3m" ESC "[;4me\n");
	assert_text(&s, 0, "abcde");
	ck_assert_uint_eq(s.v[0].nruns, 5);
	assert_run(&s, 0, 0, 0, PAL(1), PAL(4), ATTR_BOLD);
	assert_run(&s, 0, 1, 1, 0, 0, 0);
	assert_run(&s, 0, 2, 2, 0, 0, ATTR_BOLD);
	assert_run(&s, 0, 3, 3, 0, 0, 0);
	/* The empty parameter reset the italic before underline. */
	assert_run(&s, 0, 4, 4, 0, 0, ATTR_UNDERLINE);
	sink_free(&s);
}
END_TEST

START_TEST(test_sgr_across_lines)
{
	struct sink	s;

	run_str(&s, ESC "[32mA\nB\n\nC" ESC "[0m\nD\n" ESC "[1m" "E" ESC "[0m");
	ck_assert_uint_eq(s.n, 6);
	assert_text(&s, 0, "A");
	assert_run(&s, 0, 0, 0, PAL(2), 0, 0);
	assert_text(&s, 1, "B");
	ck_assert_uint_eq(s.v[1].nruns, 1);
	assert_run(&s, 1, 0, 0, PAL(2), 0, 0);
	assert_text(&s, 2, "");
	ck_assert_uint_eq(s.v[2].nruns, 0);
	assert_text(&s, 3, "C");
	ck_assert_uint_eq(s.v[3].nruns, 1);		/* trailing reset trimmed */
	assert_text(&s, 4, "D");
	ck_assert_uint_eq(s.v[4].nruns, 0);
	assert_text(&s, 5, "E");
	ck_assert_uint_eq(s.v[5].nruns, 1);
	ck_assert_uint_eq(s.v[5].flags, LINE_PARTIAL);
	sink_free(&s);
}
END_TEST

START_TEST(test_sgr_run_offsets)
{
	struct sink	s;

	/* Offsets are bytes; an attribute set twice at one offset keeps one
	 * run; setting the same attribute again adds none. */
	run_str(&s, "é" ESC "[31m" ESC "[32m日" ESC "[32mx" ESC "[0m" ESC "[0m"
	    "y" ESC "[1m" ESC "[0mz\n");
	assert_text(&s, 0, "é日xyz");
	ck_assert_uint_eq(s.v[0].nruns, 2);
	assert_run(&s, 0, 0, 2, PAL(2), 0, 0);
	assert_run(&s, 0, 1, 6, 0, 0, 0);
	sink_free(&s);
}
END_TEST

START_TEST(test_sgr_malformed)
{
	struct sink	s;

	/* 38;5 without a value: ignored, bold kept. */
	run_str(&s, ESC "[1;38;5ma\n");
	assert_run(&s, 0, 0, 0, 0, 0, ATTR_BOLD);
	ck_assert_uint_eq(s.v[0].nruns, 1);
	sink_free(&s);
	assert_one(ESC "[38;5ma" ESC "[38ma" ESC "[48;2;1;2ma" ESC "[38:2:1:2m"
	    "a" ESC "[38:5ma\n", "aaaaa");
	/* A complete 38;5;N does not eat what follows. */
	run_str(&s, ESC "[38;5;1;1ma\n");
	assert_run(&s, 0, 0, 0, PAL(1), 0, ATTR_BOLD);
	sink_free(&s);
	/* Blink and conceal are ignored: hidden text stays visible. */
	assert_one(ESC "[5;8;6ma" ESC "[25;28mb\n", "ab");
	/* Private and intermediate forms are not SGR. */
	assert_one(ESC "[>4;2mx" ESC "[?1mx" ESC "[1 mx" ESC "[=1mx\n", "xxxx");
	/* Huge values do not wrap around into something meaningful. */
	assert_one(ESC "[4294967297m" ESC "[99999999999999999999999mx\n", "x");
	/* Only the first 16 parameters count. */
	run_str(&s, ESC "[1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;4mx\n");
	assert_run(&s, 0, 0, 0, 0, 0, ATTR_BOLD);
	sink_free(&s);
}
END_TEST

START_TEST(test_csi_too_long)
{
	struct sink	s;
	char		buf[1024];
	size_t		n = 0;
	int		i;

	n += (size_t)snprintf(buf + n, sizeof buf - n, "a" ESC "[");
	for (i = 0; i < 150; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "1;");
	snprintf(buf + n, sizeof buf - n, "31mb" ESC "[4mc\n");
	run_str(&s, buf);
	assert_text(&s, 0, "abc");
	ck_assert_uint_eq(s.v[0].nruns, 1);
	assert_run(&s, 0, 0, 2, 0, 0, ATTR_UNDERLINE);
	sink_free(&s);
}
END_TEST

START_TEST(test_csi_interrupted)
{
	struct sink	s;

	/* A newline aborts the CSI and still ends the line. */
	run_str(&s, "a" ESC "[31\nb\n");
	ck_assert_uint_eq(s.n, 2);
	assert_text(&s, 0, "a");
	assert_text(&s, 1, "b");
	ck_assert_uint_eq(s.v[1].nruns, 0);
	sink_free(&s);
	/* A high byte aborts it and is text. */
	assert_one(ESC "[3\xc3\xa9m\n", "ém");
	/* CAN and SUB abort it and vanish. */
	assert_one(ESC "[31\x18x" ESC "[1\x1ay\n", "xy");
	/* Other controls inside are ignored, the CSI goes on. */
	run_str(&s, ESC "[3\x08" "1mA\n");
	assert_text(&s, 0, "A");
	assert_run(&s, 0, 0, 0, PAL(1), 0, 0);
	sink_free(&s);
	/* ESC inside restarts. */
	run_str(&s, ESC "[31" ESC "[32mA\n");
	assert_text(&s, 0, "A");
	assert_run(&s, 0, 0, 0, PAL(2), 0, 0);
	sink_free(&s);
}
END_TEST

START_TEST(test_tabs)
{
	assert_one("a\tb\n", "a       b");
	assert_one("\tx\n", "        x");
	assert_one("12345678\tx\n", "12345678        x");
	assert_one("1234567\tx\n", "1234567 x");
	/* あ is two columns wide: the tab fills six. */
	assert_one("あ\tx\n", "あ      x");
	/* A combining mark takes no column. */
	assert_one("e\xcc\x81\tx\n", "e\xcc\x81       x");
	/* Controls shown as pictures take one. */
	assert_one("\x01\tx\n", "\xe2\x90\x81       x");
	/* The column restarts on a new line. */
	assert_one("abc\r\tx\n", "        x");
}
END_TEST

START_TEST(test_cr_rewrite)
{
	struct sink	 s;
	struct ingest	*in;

	assert_one("50%\r100%\n", "100%");
	assert_one("abc\r\n", "abc");
	assert_one("long text\rshort\n", "short");
	assert_one("abc\r" ESC "[K" "\n", "abc");
	assert_one("a\rb\rc\n", "c");

	/* The CR and the new text arrive in different reads. */
	in = new_ingest(&s, 0);
	ingest_feed(in, "10%\r", 4);
	ingest_feed(in, "20%\r", 4);
	ingest_feed(in, "done\n", 5);
	ingest_free(in);
	ck_assert_uint_eq(s.n, 1);
	assert_text(&s, 0, "done");
	sink_free(&s);

	/* Attributes of the rewritten text go too; the current one stays. */
	run_str(&s, ESC "[31mred" ESC "[1m\rnew\n");
	assert_text(&s, 0, "new");
	ck_assert_uint_eq(s.v[0].nruns, 1);
	assert_run(&s, 0, 0, 0, PAL(1), 0, ATTR_BOLD);
	sink_free(&s);

	/* A CR at the end of the stream keeps the text. */
	run_str(&s, "50%\r");
	ck_assert_uint_eq(s.n, 1);
	assert_text(&s, 0, "50%");
	ck_assert_uint_eq(s.v[0].flags, LINE_PARTIAL);
	sink_free(&s);
}
END_TEST

START_TEST(test_combining_cap)
{
	/* Six combining acutes after e: four are kept. */
	assert_one("e\xcc\x81\xcc\x81\xcc\x81\xcc\x81\xcc\x81\xcc\x81" "f\n",
	    "e\xcc\x81\xcc\x81\xcc\x81\xcc\x81" "f");
	/* The count restarts after each base character. */
	assert_one("a\xcc\x81\xcc\x81\xcc\x81\xcc\x81" "b\xcc\x81\xcc\x81"
	    "\xcc\x81\xcc\x81\xcc\x81\n",
	    "a\xcc\x81\xcc\x81\xcc\x81\xcc\x81" "b\xcc\x81\xcc\x81\xcc\x81"
	    "\xcc\x81");
	/* Zalgo-style floods stay small. */
	{
		struct sink	s;
		char		buf[2 + 2 * 1000 + 2];
		int		i;

		buf[0] = 'z';
		for (i = 0; i < 1000; i++)
			memcpy(buf + 1 + 2 * i, "\xcd\x8f", 2);
		memcpy(buf + 1 + 2000, "\n", 2);
		run_str(&s, buf);
		ck_assert_uint_eq(s.v[0].len, 1 + 4 * 2);
		sink_free(&s);
	}
	/* Found by fuzz_ingest: a split between the marks used to restart
	 * the count, so the continuation line began with five. */
	{
		struct sink	s;

		run_buf(&s, 5, "ok\xcc\x81\xcc\x81\xcc\x81\xcc\x81\xcc\x81"
		    "\xcc\x81" "x\n", 16);
		ck_assert_uint_eq(s.n, 3);
		assert_text(&s, 0, "ok\xcc\x81");
		ck_assert_uint_eq(s.v[0].flags, LINE_SPLIT);
		assert_text(&s, 1, "\xcc\x81\xcc\x81");
		ck_assert_uint_eq(s.v[1].flags, LINE_SPLIT);
		assert_text(&s, 2, "\xcc\x81x");
		sink_free(&s);
	}
	/* Found by fuzz_ingest: a CR that rewrote a continuation line used
	 * to restart the count too; the marks its split carried still count. */
	{
		struct sink	s;

		run_buf(&s, 8, "ok\xcc\x81\xcc\x81\xcc\x81" "ab\r"
		    "\xcc\x81\xcc\x81\xcc\x81" "x\n", 19);
		ck_assert_uint_eq(s.n, 2);
		assert_text(&s, 0, "ok\xcc\x81\xcc\x81\xcc\x81");
		ck_assert_uint_eq(s.v[0].flags, LINE_SPLIT);
		assert_text(&s, 1, "\xcc\x81x");
		sink_free(&s);
	}
	/* Found by fuzz_ingest: a run of plain text split in one piece kept
	 * the marks before it in the count, so a CR after the split allowed
	 * one mark where a parse of the same bytes read apart allowed four. */
	{
		struct sink	s;

		run_buf(&s, 8, "ab\xcc\x81\xcc\x81\xcc\x81" "<<<<<<<<<\r"
		    "\xcc\x81\xcc\x81\xcc\x81\xcc\x81" "x\n", 28);
		ck_assert_uint_eq(s.n, 4);
		assert_text(&s, 1, "<<<<<<<<");
		assert_text(&s, 2, "\xcc\x81\xcc\x81\xcc\x81\xcc\x81");
		assert_text(&s, 3, "x");
		sink_free(&s);
	}
}
END_TEST

START_TEST(test_bidi_dropped)
{
	/* RLO, LRE, PDF, LRI, RLI, FSI, PDI. */
	assert_one("a\xe2\x80\xae" "b\xe2\x80\xaa\xe2\x80\xac" "c\xe2\x81\xa6"
	    "d\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9" "e\n", "abcde");
}
END_TEST

START_TEST(test_line_cap)
{
	static const char	carry[] = ESC "[31m" "0123456789abc" ESC "[0m\n";
	struct sink		s;
	char			buf[64];
	size_t			i, k;

	run_buf(&s, 10, "abcdefghijklmnop\nxy\n", 20);
	ck_assert_uint_eq(s.n, 3);
	assert_text(&s, 0, "abcdefghij");
	ck_assert_uint_eq(s.v[0].flags, LINE_SPLIT);
	assert_text(&s, 1, "klmnop");
	ck_assert_uint_eq(s.v[1].flags, 0);
	assert_text(&s, 2, "xy");
	sink_free(&s);

	/* Exactly the cap: no split, no empty line after. */
	run_buf(&s, 10, "abcdefghij\n", 11);
	ck_assert_uint_eq(s.n, 1);
	assert_text(&s, 0, "abcdefghij");
	ck_assert_uint_eq(s.v[0].flags, 0);
	sink_free(&s);

	/* Never inside a character: after k ASCII bytes, 3-byte chars. */
	for (k = 0; k < 10; k++) {
		memset(buf, 'a', k);
		buf[k] = '\0';
		for (i = 0; i < 8; i++)
			strcat(buf, "日");
		strcat(buf, "\n");
		run_buf(&s, 10, buf, strlen(buf));
		ck_assert_uint_ge(s.n, 3);
		for (i = 0; i + 1 < s.n; i++) {
			ck_assert_uint_eq(s.v[i].flags, LINE_SPLIT);
			ck_assert_uint_ge(s.v[i].len, 8);
		}
		ck_assert_uint_eq(s.v[s.n - 1].flags, 0);
		ck_assert_uint_eq(s.bytes, strlen(buf) - 1);
		sink_free(&s);
	}

	/* Attributes continue on the continuation line. */
	run_buf(&s, 10, carry, strlen(carry));
	ck_assert_uint_eq(s.n, 2);
	assert_run(&s, 0, 0, 0, PAL(1), 0, 0);
	assert_text(&s, 1, "abc");
	ck_assert_uint_eq(s.v[1].nruns, 1);
	assert_run(&s, 1, 0, 0, PAL(1), 0, 0);
	sink_free(&s);
}
END_TEST

/* Found by fuzz_ingest: an attribute that changes when the line is exactly
 * full used to leave a run at the end of that line, with no text after it. */
START_TEST(test_sgr_at_cap)
{
	static const char	full[] = "abcd" ESC "[7m" "ef\n";
	static const char	found[] =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    ESC "[7m\t\xe2\x82\xac";
	struct sink		s;
	size_t			i;

	run_buf(&s, 4, full, strlen(full));
	ck_assert_uint_eq(s.n, 2);
	assert_text(&s, 0, "abcd");
	ck_assert_uint_eq(s.v[0].flags, LINE_SPLIT);
	ck_assert_uint_eq(s.v[0].nruns, 0);
	assert_text(&s, 1, "ef");
	ck_assert_uint_eq(s.v[1].nruns, 1);
	assert_run(&s, 1, 0, 0, 0, 0, ATTR_REVERSE);
	sink_free(&s);

	/* The fuzzer's input: a tab's spaces after a full line. */
	run_buf(&s, 4, found, strlen(found));
	ck_assert_uint_eq(s.n, 18);
	for (i = 0; i < 16; i++)
		ck_assert_uint_eq(s.v[i].nruns, 0);
	assert_text(&s, 16, "    ");
	assert_run(&s, 16, 0, 0, 0, 0, ATTR_REVERSE);
	assert_text(&s, 17, "€");
	ck_assert_uint_eq(s.v[17].flags, LINE_PARTIAL);
	assert_run(&s, 17, 0, 0, 0, 0, ATTR_REVERSE);
	sink_free(&s);
}
END_TEST

static size_t
max_rss_kib(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((size_t)ru.ru_maxrss);
}

START_TEST(test_huge_line_bounded)
{
	struct sink	 s;
	struct ingest	*in;
	static char	 chunk[64 * 1024];
	const size_t	 total = 100u << 20;
	size_t		 fed, rss0;

	rss0 = max_rss_kib();
	memset(chunk, 'a', sizeof chunk);
	in = new_ingest(&s, 0);
	s.count_only = true;
	for (fed = 0; fed < total; fed += sizeof chunk)
		ingest_feed(in, chunk, sizeof chunk);
	ingest_finish(in);
	ingest_free(in);

	ck_assert_uint_eq(s.bytes, total);
	ck_assert_uint_le(s.longest, INGEST_LINE_MAX_DEFAULT);
	ck_assert_uint_eq(s.lines, total / INGEST_LINE_MAX_DEFAULT);
	ck_assert_uint_eq(s.split, s.lines - 1);
	ck_assert_uint_eq(s.partial, 1);
	/* A few MiB of slack for the allocator and the checker. */
	ck_assert_uint_lt(max_rss_kib() - rss0, 16 * 1024);
	sink_free(&s);
}
END_TEST

struct zc {
	const char	*lo;
	const char	*hi;
	size_t		 lines;
	size_t		 inside;
};

static void
zc_collect(void *arg, const struct line *l)
{
	struct zc	*z = arg;

	z->lines++;
	if (l->text >= z->lo && l->text < z->hi)
		z->inside++;
}

START_TEST(test_zero_copy)
{
	static const char	 buf[] = "first\nsecond\r\nthird";
	struct zc		 z = { buf, buf + sizeof buf, 0, 0 };
	struct ingest		*in;
	struct line		 l;

	/* Whole plain lines are handed over in place, the tail is copied
	 * (the caller's buffer is gone after the feed). */
	in = ingest_create(LINE_STDOUT, 0, zc_collect, &z);
	ingest_feed(in, buf, sizeof buf - 1);
	ck_assert_uint_eq(z.lines, 2);
	ck_assert_uint_eq(z.inside, 2);
	ck_assert(ingest_pending(in, &l));
	ck_assert_uint_eq(l.len, 5);
	ck_assert(memcmp(l.text, "third", 5) == 0);
	ck_assert(l.text < buf || l.text >= buf + sizeof buf);
	ingest_free(in);
}
END_TEST

/* Random bytes biased towards the interesting ones. */
static void
fill_random(unsigned char *buf, size_t len, unsigned *seed)
{
	static const char	 pool[] = "\033[];:0123456789m\n\r\t\x07\\P_^X(";
	size_t			 i;

	for (i = 0; i < len; i++) {
		unsigned	r = (unsigned)rand_r(seed);

		switch (r % 8) {
		case 0:
		case 1:
			buf[i] = (unsigned char)pool[(r >> 8) %
			    (sizeof pool - 1)];
			break;
		case 2:
			buf[i] = (unsigned char)(0x80 + (r >> 8) % 0x80);
			break;
		case 3:
			buf[i] = (unsigned char)((r >> 8) % 0x20);
			break;
		case 4:
			buf[i] = (unsigned char)(r >> 8);
			break;
		default:
			buf[i] = (unsigned char)(0x20 + (r >> 8) % 0x5f);
			break;
		}
	}
}

START_TEST(test_random_bytes)
{
	const size_t	 len = 1u << 20;
	unsigned char	*buf = malloc(len);
	unsigned	 seed = 12345 + (unsigned)_i;
	struct sink	 whole, part;
	struct ingest	*in;
	size_t		 off, n;
	char		*a, *b;
	size_t		 line_max = _i == 0 ? 0 : 64;

	ck_assert_ptr_nonnull(buf);
	fill_random(buf, len, &seed);

	/* check_line (in collect) asserts clean, valid output. */
	run_buf(&whole, line_max, (const char *)buf, len);
	ck_assert_uint_gt(whole.n, 1000);

	in = new_ingest(&part, line_max);
	for (off = 0; off < len; off += n) {
		n = 1 + (size_t)rand_r(&seed) % 4096;
		if (rand_r(&seed) % 4 == 0)
			n = 1 + (size_t)rand_r(&seed) % 8;
		if (n > len - off)
			n = len - off;
		ingest_feed(in, (const char *)buf + off, n);
	}
	ingest_finish(in);
	ingest_free(in);

	a = sink_dump(&whole);
	b = sink_dump(&part);
	ck_assert_msg(strcmp(a, b) == 0, "split feeding changed the output");
	free(a);
	free(b);
	sink_free(&whole);
	sink_free(&part);
	free(buf);
}
END_TEST

START_TEST(test_random_utf8_text)
{
	/* Valid text survives unchanged, whatever the pieces. */
	static const char	*words[] = { "a", "bc", "é", "€", "😀", "日本",
	    " ", "ü", "ok" };
	char			 buf[8192];
	size_t			 len = 0, off, n;
	unsigned		 seed = 99;
	struct sink		 s;
	struct ingest		*in;

	while (len < sizeof buf - 8) {
		const char	*w = words[rand_r(&seed) % 9];

		memcpy(buf + len, w, strlen(w));
		len += strlen(w);
	}
	in = new_ingest(&s, 0);
	for (off = 0; off < len; off += n) {
		n = 1 + (size_t)rand_r(&seed) % 7;
		if (n > len - off)
			n = len - off;
		ingest_feed(in, buf + off, n);
	}
	ingest_finish(in);
	ingest_free(in);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.v[0].len, len);
	ck_assert(memcmp(s.v[0].text, buf, len) == 0);
	sink_free(&s);
}
END_TEST

static Suite *
ingest_suite(void)
{
	Suite	*s = suite_create("ingest");
	TCase	*tc = tcase_create("core");
	TCase	*heavy = tcase_create("heavy");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_plain_lines);
	tcase_add_test(tc, test_stream_field);
	tcase_add_test(tc, test_crlf);
	tcase_add_test(tc, test_partial_on_finish);
	tcase_add_test(tc, test_pending_view);
	tcase_add_test(tc, test_reuse_after_finish);
	tcase_add_test(tc, test_mixed_content);
	tcase_add_test(tc, test_utf8_valid);
	tcase_add_test(tc, test_utf8_invalid);
	tcase_add_test(tc, test_utf8_truncated_at_finish);
	tcase_add_test(tc, test_c1_replaced);
	tcase_add_test(tc, test_nul_visible);
	tcase_add_test(tc, test_controls_visible);
	tcase_add_test(tc, test_bel_dropped);
	tcase_add_test(tc, test_title_dropped);
	tcase_add_test(tc, test_clipboard_dropped);
	tcase_add_test(tc, test_cursor_moves_dropped);
	tcase_add_test(tc, test_queries_dropped);
	tcase_add_test(tc, test_dcs_apc_pm_sos_dropped);
	tcase_add_test(tc, test_esc_single_dropped);
	tcase_add_test(tc, test_esc_odd_followers);
	tcase_add_test(tc, test_surrounding_sgr_survives);
	tcase_add_test(tc, test_unterminated_osc);
	tcase_add_test(tc, test_long_osc_bounded);
	tcase_add_test(tc, test_sgr_16_colors);
	tcase_add_test(tc, test_sgr_256);
	tcase_add_test(tc, test_sgr_truecolor);
	tcase_add_test(tc, test_sgr_flags);
	tcase_add_test(tc, test_sgr_reset);
	tcase_add_test(tc, test_sgr_across_lines);
	tcase_add_test(tc, test_sgr_run_offsets);
	tcase_add_test(tc, test_sgr_malformed);
	tcase_add_test(tc, test_csi_too_long);
	tcase_add_test(tc, test_csi_interrupted);
	tcase_add_test(tc, test_tabs);
	tcase_add_test(tc, test_cr_rewrite);
	tcase_add_test(tc, test_combining_cap);
	tcase_add_test(tc, test_bidi_dropped);
	tcase_add_test(tc, test_line_cap);
	tcase_add_test(tc, test_sgr_at_cap);
	tcase_add_test(tc, test_zero_copy);
	tcase_add_test(tc, test_random_utf8_text);
	suite_add_tcase(s, tc);

	tcase_set_timeout(heavy, 600);
	tcase_add_test(heavy, test_split_points);
	tcase_add_test(heavy, test_huge_line_bounded);
	tcase_add_loop_test(heavy, test_random_bytes, 0, 2);
	suite_add_tcase(s, heavy);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) {
		fprintf(stderr, "test_ingest: no C.UTF-8 locale\n");
		return (77);	/* skipped */
	}
	sr = srunner_create(ingest_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
