/*
 * fuzz_ingest.c: a libFuzzer target for the output ingest (ingest.c) and
 * the scrollback its lines go to (scroll.c).
 *
 * An input is four header bytes and a payload, the bytes a child writes:
 *
 *   h[0]  the tiny line cap: 1 + h[0] % 40 (ingest raises 1-3 to 4)
 *   h[1]  how the payload is cut into reads: h[1] & 3 picks reads of one
 *         byte, of 1-16, of 1-4096 (a quarter of them 1-8), or a cut after
 *         every ESC, CR and UTF-8 lead byte; h[1] >> 2 seeds the sizes
 *   h[2]  where the stream ends (ingest_finish) and a restarted child goes
 *         on writing: at h[2] / 256 of the stream, never if 0
 *   h[3]  the scrollback the cut parses push to: 0, 1, 2, 3, 5, 8, 100
 *         or 10000 lines at most (h[3] & 7), and 64 << (h[3] >> 5) bytes
 *         with the tiny cap, 4 KiB << (h[3] >> 5) with the default one
 *
 * The stream is parsed four times: fed whole and cut into reads, with the
 * tiny cap and with the default one. ingest.h promises that the split
 * points never matter, so the cut parse must emit exactly the lines of the
 * whole one (a hash of every line, text, runs and flags, is compared).
 * Every emitted line, and the pending line after every read, must keep the
 * promises of line.h, checked with abort() on any violation:
 *
 *   - text is well-formed UTF-8 (no overlong form, surrogate or value
 *     past U+10FFFF) with no C0 control, no DEL, no ESC and no C1 control
 *     (U+0080-U+009F, raw or encoded): a newline ends a line, a tab has
 *     become spaces, other controls visible pictures (U+2400-U+2421);
 *   - no bidi override or isolate (U+202A-U+202E, U+2066-U+2069), every
 *     character has a width (wcwidth >= 0), at most 4 zero-width ones in
 *     a row, a split line and its continuation counted as one;
 *   - at most cap bytes; a split line was full (the next character did not
 *     fit); only ingest_finish emits a partial line;
 *   - runs start inside the text, on a character, in order, each unlike
 *     the one before, the first not the default; their attributes carry
 *     only known flags and well-formed colours.
 *
 * The cut parses also push every line into a scrollback small enough to
 * drop lines by count and by bytes (and lines bigger than it all), whose
 * newest line must read back as pushed, and whose count and bytes stay
 * within its limits.
 *
 * Bounds per byte of input: the output is at most 8 bytes per input byte
 * (a tab) and 2 lines per byte (a tab over a 4-byte cap) plus one per
 * ingest_finish. Memory held by the parser and the scrollback, measured
 * with the allocator's own count of live bytes, stays under
 *
 *     4 KiB + 48 * min(bytes fed, cap)                    (the parser)
 *   + max_bytes + 3 * 64 KiB + 8 * max(max_lines, 64) + 4 KiB (scrollback)
 *
 * With the tiny cap the parser may hold 6 KiB whatever the stream, so an
 * escape string it buffered would show within the 8 KiB inputs fuzz-run
 * allows (test_ingest feeds megabytes of them, and of one line). CPU time
 * per parse stays under 250 ms + 20 us per byte, besides libFuzzer's
 * -timeout.
 *
 * make fuzz builds it (and fuzz_conf) with clang; make fuzz-run runs each
 * for FUZZ_SECONDS with the seeds in tests/corpus/ingest. A file given as
 * an argument is run once: ./fuzz/fuzz_ingest crash-1234.
 */
#include "config.h"

#include <locale.h>
#include <sanitizer/allocator_interface.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "ingest.h"
#include "scroll.h"

#define HEADER		4
#define TINY_CAP(h)	(1u + (h) % 40u)
#define LINE_MAX_MIN	4	/* ingest.c raises smaller caps to this */
#define OUT_PER_BYTE	8	/* a tab: eight spaces */
#define ZERO_WIDTH_MAX	4
#define CHUNK_ALLOC	(64u << 10)	/* scroll.c's chunk */
#define MEM_FIXED	(4u << 10)
#define MEM_PER_BYTE	48u
#define TIME_FIXED_NS	250000000ull
#define TIME_PER_BYTE_NS 20000ull

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The harness is not what is fuzzed: coverage of its own checks and loops
 * would only reward inputs that make it work longer. */
#define HARNESS __attribute__((no_sanitize("coverage")))

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_ingest: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

/* One parse: its settings, and what came out. */
struct parse {
	size_t		 cap;
	uint8_t		 stream;
	bool		 in_finish;	/* inside ingest_finish */
	unsigned	 zero_width;	/* at the end of the last line, if split */

	uint64_t	 hash;
	uint64_t	 lines;
	uint64_t	 out_bytes;

	bool		 keep;		/* push lines to a scrollback */
	struct scroll	*scroll;
	size_t		 scroll_lines;
	size_t		 scroll_bytes;
	uint64_t	 pushed;
};

/* The bytes of UTF-8 character at s (its code point in *cp), or 0 if the
 * bytes there are not one well-formed character. */
static HARNESS size_t
utf8_decode(const unsigned char *s, size_t left, uint32_t *cp)
{
	size_t		n, k;
	uint32_t	c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (n > left)
		return 0;
	for (k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[k] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Whether a colour is one that line.h describes. */
static HARNESS bool
color_sane(uint32_t c)
{
	switch (COLOR_KIND(c)) {
	case COLOR_DEFAULT:
		return c == COLOR_DEFAULT;
	case COLOR_PALETTE:
		return COLOR_VALUE(c) <= 255;
	case COLOR_RGB:
		return true;
	default:
		return false;
	}
}

/* The text: clean, well-formed, renderable; zero_width marks are already
 * in a row before it. Returns how many end it. */
static HARNESS unsigned
check_text(const struct line *l, unsigned zero_width)
{
	const unsigned char	*s = (const unsigned char *)l->text;
	size_t			 i, n;
	uint32_t		 cp;
	int			 w;

	FUZZ_CHECK(l->len == 0 || l->text != NULL);
	for (i = 0; i < l->len; i += n) {
		n = utf8_decode(s + i, l->len - i, &cp);
		FUZZ_CHECK(n != 0);
		FUZZ_CHECK(cp >= 0x20 && cp != 0x7f);		/* C0, DEL, ESC */
		FUZZ_CHECK(cp < 0x80 || cp > 0x9f);		/* C1 */
		FUZZ_CHECK(!(cp >= 0x202a && cp <= 0x202e));	/* bidi */
		FUZZ_CHECK(!(cp >= 0x2066 && cp <= 0x2069));
		if (cp < 0x80) {
			zero_width = 0;
			continue;
		}
		w = wcwidth((wchar_t)cp);
		FUZZ_CHECK(w >= 0);
		if (w == 0)
			FUZZ_CHECK(++zero_width <= ZERO_WIDTH_MAX);
		else
			zero_width = 0;
	}
	return zero_width;
}

/* The runs: inside the text, ordered, distinct, sane. */
static HARNESS void
check_runs(const struct line *l)
{
	uint32_t	i;

	FUZZ_CHECK(l->nruns == 0 || l->runs != NULL);
	FUZZ_CHECK(l->nruns <= l->len);
	for (i = 0; i < l->nruns; i++) {
		const struct run	*r = &l->runs[i];

		FUZZ_CHECK(r->off < l->len);
		FUZZ_CHECK(((unsigned char)l->text[r->off] & 0xc0) != 0x80);
		FUZZ_CHECK((r->attr.flags & ~(ATTR_BOLD | ATTR_DIM |
		    ATTR_ITALIC | ATTR_UNDERLINE | ATTR_REVERSE |
		    ATTR_STRIKE)) == 0);
		FUZZ_CHECK(color_sane(r->attr.fg) && color_sane(r->attr.bg));
		if (i == 0)
			FUZZ_CHECK(!attr_is_default(&r->attr));
		else {
			FUZZ_CHECK(r->off > r[-1].off);
			FUZZ_CHECK(!attr_equal(&r->attr, &r[-1].attr));
		}
	}
}

/* Every promise of line.h, for a line of a parse with this cap; the count
 * of zero-width characters it ends with. */
static HARNESS unsigned
check_line(const struct parse *ps, const struct line *l)
{
	FUZZ_CHECK(l->stream == ps->stream);
	FUZZ_CHECK(l->len <= ps->cap);
	FUZZ_CHECK((l->flags & ~(LINE_SPLIT | LINE_PARTIAL)) == 0);
	/* Split only when the next character (at most 4 bytes) did not fit. */
	FUZZ_CHECK(!(l->flags & LINE_SPLIT) || l->len + 4 > ps->cap);
	FUZZ_CHECK(!(l->flags & LINE_PARTIAL) || ps->in_finish);
	check_runs(l);
	return check_text(l, ps->zero_width);
}

static HARNESS uint64_t
hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char	*s = p;

	while (n-- != 0)
		h = (h ^ *s++) * 0x100000001b3ull;
	return h;
}

/* Mix one line into the hash of everything a parse emitted. */
static HARNESS uint64_t
hash_line(uint64_t h, const struct line *l)
{
	uint32_t	i;

	h = hash_bytes(h, &l->len, sizeof l->len);
	h = hash_bytes(h, &l->flags, sizeof l->flags);
	h = hash_bytes(h, l->text, l->len);
	h = hash_bytes(h, &l->nruns, sizeof l->nruns);
	for (i = 0; i < l->nruns; i++) {
		h = hash_bytes(h, &l->runs[i].off, sizeof l->runs[i].off);
		h = hash_bytes(h, &l->runs[i].attr.fg, sizeof l->runs[i].attr.fg);
		h = hash_bytes(h, &l->runs[i].attr.bg, sizeof l->runs[i].attr.bg);
		h = hash_bytes(h, &l->runs[i].attr.flags,
		    sizeof l->runs[i].attr.flags);
	}
	return h;
}

/* The scrollback's newest line reads back as pushed. */
static HARNESS void
check_scroll(struct parse *ps, const struct line *l)
{
	struct scroll	*s = ps->scroll;
	struct line	 got;
	size_t		 n = scroll_count(s);

	scroll_push(s, l);
	ps->pushed++;
	n = scroll_count(s);
	FUZZ_CHECK(n <= ps->scroll_lines);
	FUZZ_CHECK(scroll_bytes(s) <= ps->scroll_bytes);
	FUZZ_CHECK(n + scroll_dropped(s) == ps->pushed);
	if (n == 0 || scroll_seq(s, n - 1) != ps->pushed - 1)
		return;		/* over max_bytes by itself: dropped */
	FUZZ_CHECK(scroll_get(s, n - 1, &got));
	FUZZ_CHECK(got.len == l->len && got.nruns == l->nruns &&
	    got.stream == l->stream && got.flags == l->flags);
	FUZZ_CHECK(memcmp(got.text, l->text, l->len) == 0);
	FUZZ_CHECK(l->nruns == 0 ||
	    memcmp(got.runs, l->runs, l->nruns * sizeof *l->runs) == 0);
}

static HARNESS void
on_line(void *arg, const struct line *l)
{
	struct parse	*ps = arg;
	unsigned	 zero_width;

	zero_width = check_line(ps, l);
	ps->zero_width = (l->flags & LINE_SPLIT) ? zero_width : 0;
	ps->hash = hash_line(ps->hash, l);
	ps->lines++;
	ps->out_bytes += l->len;
	if (ps->scroll != NULL)
		check_scroll(ps, l);
}

/* The pending line must be as clean as an emitted one. Checking it costs
 * its length, so it is checked when the reads since the last check paid
 * for it (budget: 16 per byte read): one-byte reads into a long line stay
 * linear. */
static HARNESS void
check_pending(const struct parse *ps, const struct ingest *in,
    size_t *budget)
{
	struct line	l;

	if (!ingest_pending(in, &l))
		return;
	FUZZ_CHECK(l.len != 0 && l.flags == 0);
	if (*budget < l.len)
		return;
	*budget -= l.len;
	(void)check_line(ps, &l);
}

static HARNESS uint64_t
cpu_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Live bytes the parser and the scrollback may hold after fed bytes. */
static HARNESS size_t
mem_bound(const struct parse *ps, size_t fed)
{
	size_t	bound, text = fed < ps->cap ? fed : ps->cap;

	bound = MEM_FIXED + MEM_PER_BYTE * text;
	if (ps->scroll != NULL)
		bound += ps->scroll_bytes + 3 * CHUNK_ALLOC +
		    8 * (ps->scroll_lines > 64 ? ps->scroll_lines : 64) + 4096;
	return bound;
}

/* A small deterministic generator for the read sizes. */
static HARNESS uint32_t
next_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* How many bytes the next read takes, at most left. */
static HARNESS size_t
read_size(unsigned mode, uint32_t *seed, const unsigned char *p, size_t left)
{
	size_t	n = 1;

	switch (mode) {
	case 0:
		break;
	case 1:
		n = 1 + next_rand(seed) % 16;
		break;
	case 2:
		n = 1 + next_rand(seed) % 4096;
		if (next_rand(seed) % 4 == 0)
			n = 1 + next_rand(seed) % 8;
		break;
	default:
		/* Up to and including the next byte that changes state. */
		for (n = 1; n < left; n++) {
			if (p[n - 1] == 0x1b || p[n - 1] == '\r' ||
			    (p[n - 1] >= 0xc2 && p[n - 1] <= 0xf4))
				break;
		}
		break;
	}
	return n < left ? n : left;
}

/*
 * Parse len bytes of stream with this cap: whole if mode < 0, else in reads
 * of read_size(mode). The stream ends at restart (if not 0) and again at
 * its end. Checks memory and time on the way.
 */
static HARNESS void
parse(struct parse *ps, size_t cap, int mode, uint32_t seed,
    const unsigned char *stream, size_t len, size_t restart)
{
	struct ingest	*in;
	size_t		 base, fed = 0, n, stop, checked = 0, budget = 0;
	uint64_t	 t0 = cpu_ns();
	unsigned	 finishes = 0;

	ps->cap = cap == 0 ? INGEST_LINE_MAX_DEFAULT :
	    cap < LINE_MAX_MIN ? LINE_MAX_MIN : cap;
	ps->hash = 0xcbf29ce484222325ull;
	ps->lines = ps->out_bytes = ps->pushed = 0;
	ps->in_finish = false;
	ps->zero_width = 0;
	seed = seed * 2654435761u + 1;

	base = __sanitizer_get_current_allocated_bytes();
	in = ingest_create((enum line_stream)ps->stream, cap, on_line, ps);
	if (ps->keep)
		ps->scroll = scroll_create(ps->scroll_lines, ps->scroll_bytes);
	while (fed < len) {
		stop = fed < restart ? restart : len;
		if (mode < 0)
			n = stop - fed;
		else
			n = read_size((unsigned)mode, &seed, stream + fed,
			    stop - fed);
		ingest_feed(in, (const char *)stream + fed, n);
		fed += n;
		budget += 16 * n;
		check_pending(ps, in, &budget);
		if (fed == restart && fed != len) {
			ps->in_finish = true;
			ingest_finish(in);
			ps->in_finish = false;
			finishes++;
			FUZZ_CHECK(!ingest_pending(in, &(struct line){ 0 }));
		}
		/* The allocator's count is cheap, not free: once in a while. */
		if (fed - checked >= 64 || fed == len) {
			checked = fed;
			FUZZ_CHECK(__sanitizer_get_current_allocated_bytes() -
			    base <= mem_bound(ps, fed));
		}
	}
	ps->in_finish = true;
	ingest_finish(in);
	ps->in_finish = false;
	finishes++;
	FUZZ_CHECK(__sanitizer_get_current_allocated_bytes() - base <=
	    mem_bound(ps, fed));
	ingest_free(in);
	if (ps->scroll != NULL)
		scroll_free(ps->scroll);
	ps->scroll = NULL;

	FUZZ_CHECK(ps->out_bytes <= OUT_PER_BYTE * (uint64_t)len);
	FUZZ_CHECK(ps->lines <= 2 * (uint64_t)len + finishes);
	FUZZ_CHECK(cpu_ns() - t0 <= TIME_FIXED_NS + TIME_PER_BYTE_NS * len);
}

/* Parse whole and cut with one cap; both must emit the same lines. */
static HARNESS void
parse_both(size_t cap, unsigned mode, uint32_t seed, const unsigned char *s,
    size_t len, size_t restart, size_t scroll_lines, size_t scroll_bytes)
{
	struct parse	whole = { .stream = LINE_STDOUT };
	struct parse	cut = { .stream = LINE_STDERR, .keep = true,
	    .scroll_lines = scroll_lines, .scroll_bytes = scroll_bytes };

	parse(&whole, cap, -1, seed, s, len, restart);
	parse(&cut, cap, (int)mode, seed, s, len, restart);
	if (whole.hash != cut.hash || whole.lines != cut.lines) {
		fprintf(stderr, "fuzz_ingest: cap %zu, reads mode %u: whole "
		    "%llu lines (%016llx), cut %llu lines (%016llx)\n", cap,
		    mode, (unsigned long long)whole.lines,
		    (unsigned long long)whole.hash,
		    (unsigned long long)cut.lines,
		    (unsigned long long)cut.hash);
		abort();
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* brood runs in the user's locale; text is only shown in UTF-8. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) {
		fprintf(stderr, "fuzz_ingest: no C.UTF-8 locale\n");
		exit(1);
	}
	return 0;
}

HARNESS int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char	*s = data + HEADER;
	size_t			 len, restart = 0, lines;
	unsigned		 mode, shift;
	uint32_t		 seed;

	if (size < HEADER)
		return 0;
	len = size - HEADER;
	mode = data[1] & 3;
	seed = data[1] >> 2;
	if (data[2] != 0)
		restart = len * data[2] / 256;
	lines = (const size_t[]){ 0, 1, 2, 3, 5, 8, 100, 10000 }[data[3] & 7];
	shift = data[3] >> 5;

	parse_both(TINY_CAP(data[0]), mode, seed, s, len, restart, lines,
	    (size_t)64 << shift);
	parse_both(0, mode, seed, s, len, restart, lines, (size_t)4096 << shift);
	return 0;
}
