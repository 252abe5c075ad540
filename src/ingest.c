/*
 * ingest.c: turn the bytes a child writes into sanitized lines.
 *
 * Child output is hostile input: it may carry escape sequences that retitle
 * the terminal, write the clipboard, move the cursor or answer queries, raw
 * control bytes, broken UTF-8 and bidi overrides that disguise text. None of
 * it may reach the screen. What comes out is a line of UTF-8 text in which
 * every byte is either printable ASCII or part of a well-formed character
 * that is not a control, plus a list of attribute runs taken from SGR
 * (whose parameters sgr.c reads).
 *
 * The parser is a byte-driven state machine, close to the VT500 model:
 *
 *   GROUND       text; also the UTF-8 decoder (u8_need > 0 mid-character)
 *   ESCAPE       after ESC
 *   ESCAPE_INTER after ESC and an intermediate (ESC ( B and friends)
 *   CSI          after ESC [: parameters, intermediates, final byte
 *   STRING       OSC, DCS, APC, PM and SOS bodies, skipped without storing
 *                (str_esc: an ESC was seen and may begin ST)
 *
 * Every piece of state lives in struct ingest, so a sequence split over two
 * feeds parses as if it came whole. A byte that cannot continue the current
 * sequence is handed back to the state it leads to and processed again;
 * nothing is ever stored but the current line, a bounded CSI parameter
 * array and a few flags, so memory is bounded by line_max whatever comes in.
 *
 * Invariants: text only ever grows through append_plain (bytes 0x20-0x7e,
 * checked by the caller) and put_glyph (a code point already classified and
 * encoded here), so no control byte can slip in; the text never exceeds
 * line_max bytes and is split only between characters; runs are added
 * lazily, just before the text they colour, so a run always has text after
 * it and two neighbouring runs never carry the same attribute.
 *
 * The fast path: in GROUND with no UTF-8 character pending, a run of bytes
 * in 0x20-0x7e needs no decision at all (each is one column, none starts or
 * ends anything), so it is found with SSE2 and appended in one memcpy. When
 * the line is empty and such a run ends in a newline inside the caller's
 * buffer, the line is handed to the callback in place, with no copy. A
 * well-formed UTF-8 character lying whole in the buffer is decoded in one
 * go (wcwidth() answers come from a small cache); anything else, escapes,
 * controls and broken or split characters, goes through the slow path one
 * byte at a time, which is the only place where state changes.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ingest.h"
#include "sgr.h"
#include "util.h"

#define LINE_MAX_MIN	4		/* the longest UTF-8 character fits */
#define LINE_MAX_LIMIT	(1u << 30)	/* offsets are uint32_t */
#define CSI_MAX_BYTES	256
#define CSI_MAX_PARAMS	16
#define CSI_PARAM_MAX	65535
#define ZERO_WIDTH_MAX	4		/* combining marks kept after a base */
#define TAB_WIDTH	8
#define REPLACEMENT	0xfffd
#define WIDTH_CACHE	256		/* entries, a power of two */

#define C0_BEL	0x07
#define C0_CAN	0x18
#define C0_SUB	0x1a
#define C0_ESC	0x1b
#define C0_DEL	0x7f

enum ingest_state {
	ST_GROUND,
	ST_ESCAPE,
	ST_ESCAPE_INTER,
	ST_CSI,
	ST_STRING,
};

struct ingest {
	enum line_stream	 stream;
	size_t			 line_max;
	ingest_line_cb		*cb;
	void			*arg;

	/* The line being built. */
	char			*text;
	size_t			 len;
	size_t			 cap;
	struct run		*runs;
	size_t			 nruns;
	size_t			 runs_cap;
	unsigned		 col;		/* display column, for tabs */
	unsigned		 zero_width;	/* zero-width characters in a row */
	unsigned		 zero_width_in;	/* of them, carried over a split */
	bool			 cr_pending;
	struct attr		 attr;		/* current SGR attribute */
	struct attr		 run_attr;	/* in effect at the end of text */

	enum ingest_state	 state;

	/* UTF-8 decoder: code point so far, bytes still needed, range of
	 * the next byte (narrowed after some leads to refuse overlong
	 * forms, surrogates and values past U+10FFFF). */
	uint32_t		 u8_cp;
	unsigned		 u8_need;
	uint8_t			 u8_lo;
	uint8_t			 u8_hi;

	/* CSI. */
	struct sgr_param	 params[CSI_MAX_PARAMS];
	unsigned		 nparams;
	uint32_t		 cur;
	bool			 cur_sub;
	unsigned		 csi_len;
	bool			 csi_private;
	bool			 csi_inter;
	bool			 csi_bad;

	/* STRING. */
	bool			 str_esc;

	/* wcwidth() is slow and text repeats its characters: a direct-mapped
	 * cache of code point << 8 | (width + 1); 0 is never a valid entry
	 * since only code points from U+00A0 are looked up. */
	uint32_t		 widths[WIDTH_CACHE];
};

static const struct attr attr_default = { COLOR_DEFAULT, COLOR_DEFAULT, 0 };

/* Length of the leading run of bytes that are printable ASCII. */
static inline size_t
plain_span(const unsigned char *p, size_t n)
{
	size_t	i = 0;

#ifdef __SSE2__
	const __m128i	lo = _mm_set1_epi8(0x1f);
	const __m128i	hi = _mm_set1_epi8(0x7f);

	/* Signed compares: bytes >= 0x80 are negative, so not above 0x1f. */
	for (; i + 16 <= n; i += 16) {
		__m128i	v = _mm_loadu_si128((const __m128i *)(p + i));
		__m128i	ok = _mm_and_si128(_mm_cmpgt_epi8(v, lo),
		    _mm_cmplt_epi8(v, hi));
		unsigned	special = (unsigned)_mm_movemask_epi8(ok) ^ 0xffffu;

		if (special != 0)
			return (i + (size_t)__builtin_ctz(special));
	}
#endif
	for (; i < n; i++) {
		if (p[i] < 0x20 || p[i] >= 0x7f)
			break;
	}
	return (i);
}

/* Hand the line being built to the callback. */
static void
emit(struct ingest *in, uint8_t flags)
{
	struct line	l;

	l.text = in->text != NULL ? in->text : "";
	l.len = (uint32_t)in->len;
	l.runs = in->nruns != 0 ? in->runs : NULL;
	l.nruns = (uint32_t)in->nruns;
	l.stream = (uint8_t)in->stream;
	l.flags = flags;
	in->cb(in->arg, &l);
}

static void
clear_line(struct ingest *in)
{
	in->len = 0;
	in->nruns = 0;
	in->run_attr = attr_default;
	in->col = 0;
	in->zero_width = 0;
}

/* A newline (or the end): emit and start afresh; attributes carry over.
 * A split is not a new character: the marks already kept after the last
 * base still count against ZERO_WIDTH_MAX on the continuation line. */
static void
end_line(struct ingest *in, uint8_t flags)
{
	unsigned	zero_width = in->zero_width;

	emit(in, flags);
	clear_line(in);
	in->zero_width_in = (flags & LINE_SPLIT) ? zero_width : 0;
	in->zero_width = in->zero_width_in;
	in->cr_pending = false;
}

/* A whole plain line found in the caller's buffer: emit it in place. */
static void
emit_direct(struct ingest *in, const unsigned char *p, size_t n)
{
	struct run	r;
	struct line	l;

	l.text = (const char *)p;
	l.len = (uint32_t)n;
	l.runs = NULL;
	l.nruns = 0;
	l.stream = (uint8_t)in->stream;
	l.flags = 0;
	if (n != 0 && !attr_is_default(&in->attr)) {
		r.off = 0;
		r.attr = in->attr;
		l.runs = &r;
		l.nruns = 1;
	}
	/* A newline ends it: nothing carries over, as in end_line. */
	in->cr_pending = false;
	in->zero_width = in->zero_width_in = 0;
	in->cb(in->arg, &l);
}

/* Make room for need bytes of text; need never exceeds line_max. */
static void
reserve_text(struct ingest *in, size_t need)
{
	size_t	cap;

	if (need <= in->cap)
		return;
	cap = in->cap != 0 ? in->cap : 256;
	while (cap < need)
		cap *= 2;
	if (cap > in->line_max)
		cap = in->line_max;
	in->text = xrealloc(in->text, cap);
	in->cap = cap;
}

/* The attribute changed since the last text: start a run here. */
static void
add_run(struct ingest *in)
{
	if (in->nruns != 0 && in->runs[in->nruns - 1].off == in->len) {
		in->nruns--;
		in->run_attr = in->nruns != 0 ?
		    in->runs[in->nruns - 1].attr : attr_default;
		if (attr_equal(&in->run_attr, &in->attr))
			return;
	}
	if (in->nruns == in->runs_cap) {
		in->runs_cap = in->runs_cap != 0 ? in->runs_cap * 2 : 8;
		in->runs = xrealloc(in->runs, in->runs_cap * sizeof *in->runs);
	}
	in->runs[in->nruns].off = (uint32_t)in->len;
	in->runs[in->nruns].attr = in->attr;
	in->nruns++;
	in->run_attr = in->attr;
}

/* Before text is appended: runs are added lazily, so one never ends up
 * with nothing after it. */
static inline void
sync_run(struct ingest *in)
{
	if (!attr_equal(&in->run_attr, &in->attr))
		add_run(in);
}

/* Text is about to be added: a pending CR means it rewrites the line. A
 * continuation line rewritten still follows the marks its split carried. */
static inline void
begin_text(struct ingest *in)
{
	if (in->cr_pending) {
		clear_line(in);
		in->zero_width = in->zero_width_in;
		in->cr_pending = false;
	}
}

/* Append n bytes of printable ASCII, splitting at the cap. */
static void
append_plain(struct ingest *in, const unsigned char *s, size_t n)
{
	size_t	room, k;

	begin_text(in);
	while (n != 0) {
		room = in->line_max - in->len;
		if (room == 0) {
			end_line(in, LINE_SPLIT);
			room = in->line_max;
		}
		/* After the split: a run added to a full line would end it
		 * with no text after it. */
		sync_run(in);
		k = n < room ? n : room;
		reserve_text(in, in->len + k);
		memcpy(in->text + in->len, s, k);
		in->len += k;
		in->col += (unsigned)k;
		/* A base character: no mark before it counts after a split. */
		in->zero_width = 0;
		s += k;
		n -= k;
	}
}

/* Append one classified non-ASCII code point that takes width columns. */
static void
put_glyph(struct ingest *in, uint32_t cp, int width)
{
	size_t	 n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	char	*s;

	begin_text(in);
	if (in->len + n > in->line_max)
		end_line(in, LINE_SPLIT);
	sync_run(in);
	reserve_text(in, in->len + n);
	s = in->text + in->len;
	switch (n) {
	case 2:
		s[0] = (char)(0xc0 | (cp >> 6));
		s[1] = (char)(0x80 | (cp & 0x3f));
		break;
	case 3:
		s[0] = (char)(0xe0 | (cp >> 12));
		s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		break;
	default:
		s[0] = (char)(0xf0 | (cp >> 18));
		s[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		s[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		s[3] = (char)(0x80 | (cp & 0x3f));
		break;
	}
	in->len += n;
	in->col += (unsigned)width;
	if (width != 0)
		in->zero_width = 0;
}

/* wcwidth() through the cache. */
static inline int
char_width(struct ingest *in, uint32_t cp)
{
	uint32_t	*slot;
	int		 width;

	slot = &in->widths[((cp * 2654435761u) >> 24) & (WIDTH_CACHE - 1)];
	if ((*slot >> 8) == cp)
		return ((int)(*slot & 0xff) - 1);
	width = wcwidth((wchar_t)cp);
	if (width < -1 || width > 2)
		width = -1;
	*slot = cp << 8 | (uint32_t)(width + 1);
	return (width);
}

/* A decoded non-ASCII code point: replace, drop or keep it. */
static void
put_cp(struct ingest *in, uint32_t cp)
{
	int	width;

	if (cp >= 0x80 && cp <= 0x9f)
		cp = REPLACEMENT;
	if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return;
	if (cp == REPLACEMENT)
		width = 1;
	else {
		width = char_width(in, cp);
		if (width < 0) {
			cp = REPLACEMENT;
			width = 1;
		}
	}
	if (width == 0) {
		begin_text(in);
		if (in->zero_width >= ZERO_WIDTH_MAX)
			return;
		in->zero_width++;
	}
	put_glyph(in, cp, width);
}

/* Spaces up to the next tab stop, counted in display columns. */
static void
put_tab(struct ingest *in)
{
	static const unsigned char	spaces[] = "        ";

	begin_text(in);
	append_plain(in, spaces, TAB_WIDTH - in->col % TAB_WIDTH);
}

/* Length of the well-formed UTF-8 character at p (cp set), or 0 if it is
 * not one or does not end before end: the byte-wise decoder handles that. */
static inline size_t
utf8_whole(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
	size_t	left = (size_t)(end - p);

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		if (left < 2 || (p[1] & 0xc0) != 0x80)
			return (0);
		*cp = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
		return (2);
	}
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if (left < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return (0);
		*cp = (uint32_t)(p[0] & 0x0f) << 12 |
		    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
		if (*cp < 0x800 || (*cp >= 0xd800 && *cp <= 0xdfff))
			return (0);
		return (3);
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if (left < 4 || (p[1] & 0xc0) != 0x80 ||
		    (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return (0);
		*cp = (uint32_t)(p[0] & 0x07) << 18 |
		    (uint32_t)(p[1] & 0x3f) << 12 |
		    (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
		if (*cp < 0x10000 || *cp > 0x10ffff)
			return (0);
		return (4);
	}
	return (0);
}

/* A byte >= 0x80 in GROUND with no character pending. */
static void
utf8_lead(struct ingest *in, unsigned char b)
{
	in->u8_lo = 0x80;
	in->u8_hi = 0xbf;
	if (b >= 0xc2 && b <= 0xdf) {
		in->u8_need = 1;
		in->u8_cp = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		in->u8_need = 2;
		in->u8_cp = b & 0x0f;
		if (b == 0xe0)
			in->u8_lo = 0xa0;	/* overlong */
		else if (b == 0xed)
			in->u8_hi = 0x9f;	/* surrogates */
	} else if (b >= 0xf0 && b <= 0xf4) {
		in->u8_need = 3;
		in->u8_cp = b & 0x07;
		if (b == 0xf0)
			in->u8_lo = 0x90;	/* overlong */
		else if (b == 0xf4)
			in->u8_hi = 0x8f;	/* past U+10FFFF */
	} else
		put_cp(in, REPLACEMENT);
}

/* One byte of text that the fast path left: UTF-8 and C0 controls. */
static void
ground_byte(struct ingest *in, unsigned char b)
{
	if (in->u8_need != 0) {
		if (b >= in->u8_lo && b <= in->u8_hi) {
			in->u8_cp = (in->u8_cp << 6) | (b & 0x3f);
			in->u8_lo = 0x80;
			in->u8_hi = 0xbf;
			if (--in->u8_need == 0)
				put_cp(in, in->u8_cp);
			return;
		}
		/* Truncated: the byte that broke it starts something new. */
		in->u8_need = 0;
		put_cp(in, REPLACEMENT);
	}

	if (b >= 0x80) {
		utf8_lead(in, b);
		return;
	}
	switch (b) {
	case '\n':
		end_line(in, 0);
		break;
	case '\r':
		in->cr_pending = true;
		break;
	case '\t':
		put_tab(in);
		break;
	case C0_ESC:
		in->state = ST_ESCAPE;
		break;
	case C0_BEL:
		break;
	case C0_DEL:
		put_glyph(in, 0x2421, 1);
		break;
	default:
		if (b < 0x20)
			put_glyph(in, 0x2400 + b, 1);
		else
			append_plain(in, &b, 1);
		break;
	}
}

static void
csi_begin(struct ingest *in)
{
	in->state = ST_CSI;
	in->nparams = 0;
	in->cur = 0;
	in->cur_sub = false;
	in->csi_len = 0;
	in->csi_private = false;
	in->csi_inter = false;
	in->csi_bad = false;
}

/* End the parameter being read; past the sixteenth they are dropped. */
static void
csi_push(struct ingest *in)
{
	if (in->nparams < CSI_MAX_PARAMS) {
		in->params[in->nparams].value = (uint16_t)in->cur;
		in->params[in->nparams].sub = in->cur_sub;
		in->nparams++;
	}
	in->cur = 0;
}

/* One byte inside a CSI; false if it must be processed again in GROUND. */
static bool
csi_byte(struct ingest *in, unsigned char b)
{
	if (b >= 0x80 || b == '\n') {
		in->state = ST_GROUND;
		return (false);
	}
	if (b == C0_ESC) {
		in->state = ST_ESCAPE;
		return (true);
	}
	if (b == C0_CAN || b == C0_SUB) {
		in->state = ST_GROUND;
		return (true);
	}
	if (b < 0x20 || b == C0_DEL)
		return (true);

	if (++in->csi_len > CSI_MAX_BYTES)
		in->csi_bad = true;
	if (b >= 0x40) {
		in->state = ST_GROUND;
		csi_push(in);
		if (b == 'm' && !in->csi_bad && !in->csi_private &&
		    !in->csi_inter)
			sgr_apply(&in->attr, in->params, in->nparams);
		return (true);
	}
	if (b < 0x30) {
		in->csi_inter = true;
		return (true);
	}
	if (in->csi_inter) {
		/* A parameter after an intermediate: malformed. */
		in->csi_bad = true;
		return (true);
	}
	if (b <= '9') {
		in->cur = in->cur * 10 + (uint32_t)(b - '0');
		if (in->cur > CSI_PARAM_MAX)
			in->cur = CSI_PARAM_MAX;
	} else if (b == ';' || b == ':') {
		csi_push(in);
		in->cur_sub = (b == ':');
	} else
		in->csi_private = true;
	return (true);
}

/* One byte of the slow path, in whatever state the parser is. */
static void
step(struct ingest *in, unsigned char b)
{
	for (;;) {
		switch (in->state) {
		case ST_GROUND:
			ground_byte(in, b);
			return;
		case ST_ESCAPE:
			if (b == C0_ESC || b == C0_DEL)
				return;
			if (b < 0x20 || b >= 0x80) {
				in->state = ST_GROUND;
				continue;
			}
			if (b == '[')
				csi_begin(in);
			else if (b == ']' || b == 'P' || b == '_' || b == '^' ||
			    b == 'X') {
				in->state = ST_STRING;
				in->str_esc = false;
			} else if (b < 0x30)
				in->state = ST_ESCAPE_INTER;
			else
				in->state = ST_GROUND;
			return;
		case ST_ESCAPE_INTER:
			if (b == C0_ESC) {
				in->state = ST_ESCAPE;
				return;
			}
			if (b < 0x20 || b >= 0x80) {
				in->state = ST_GROUND;
				continue;
			}
			if (b >= 0x30 && b != C0_DEL)
				in->state = ST_GROUND;
			return;
		case ST_CSI:
			if (csi_byte(in, b))
				return;
			continue;
		case ST_STRING:
			if (in->str_esc) {
				in->str_esc = false;
				if (b == '\\') {
					in->state = ST_GROUND;
					return;
				}
				in->state = ST_ESCAPE;
				continue;
			}
			if (b == C0_ESC)
				in->str_esc = true;
			else if (b == C0_BEL || b == C0_CAN || b == C0_SUB)
				in->state = ST_GROUND;
			else if (b == '\n') {
				in->state = ST_GROUND;
				continue;
			}
			return;
		}
		return;
	}
}

struct ingest *
ingest_create(enum line_stream stream, size_t line_max, ingest_line_cb *cb,
    void *arg)
{
	struct ingest	*in;

	if (line_max == 0)
		line_max = INGEST_LINE_MAX_DEFAULT;
	if (line_max < LINE_MAX_MIN)
		line_max = LINE_MAX_MIN;
	if (line_max > LINE_MAX_LIMIT)
		line_max = LINE_MAX_LIMIT;

	in = xcalloc(1, sizeof *in);
	in->stream = stream;
	in->line_max = line_max;
	in->cb = cb;
	in->arg = arg;
	in->attr = attr_default;
	in->state = ST_GROUND;
	return (in);
}

/* The fast paths run while in GROUND; every other byte goes to step(). */
void
ingest_feed(struct ingest *in, const char *buf, size_t len)
{
	const unsigned char	*p = (const unsigned char *)buf;
	const unsigned char	*end = p + len;
	const unsigned char	*q;
	size_t			 n;
	uint32_t		 cp;

	while (p < end) {
		if (in->state == ST_GROUND && in->u8_need == 0) {
			n = plain_span(p, (size_t)(end - p));
			q = p + n;
			if (in->len == 0 && n <= in->line_max && q < end) {
				if (*q == '\n') {
					emit_direct(in, p, n);
					p = q + 1;
					continue;
				}
				if (*q == '\r' && q + 1 < end && q[1] == '\n') {
					emit_direct(in, p, n);
					p = q + 2;
					continue;
				}
			}
			if (n != 0) {
				append_plain(in, p, n);
				if ((p = q) == end)
					break;
			}
			if (*p == '\n') {
				end_line(in, 0);
				p++;
				continue;
			}
			/* Whole characters, the usual case, skip the
			 * byte-wise decoder. */
			while (*p >= 0x80 && (n = utf8_whole(p, end, &cp)) != 0) {
				put_cp(in, cp);
				if ((p += n) == end)
					return;
			}
			if (*p < 0x80 && *p >= 0x20 && *p != C0_DEL)
				continue;
		} else if (in->state == ST_STRING && !in->str_esc) {
			/* Skip the body of a title or clipboard string. */
			while (p < end && *p >= 0x20)
				p++;
			if (p == end)
				break;
		}
		step(in, *p++);
	}
}

void
ingest_finish(struct ingest *in)
{
	if (in->state == ST_GROUND && in->u8_need != 0) {
		in->u8_need = 0;
		put_cp(in, REPLACEMENT);
	}
	if (in->len != 0)
		emit(in, LINE_PARTIAL);
	clear_line(in);
	in->zero_width_in = 0;
	in->cr_pending = false;
	in->attr = attr_default;
	in->state = ST_GROUND;
	in->u8_need = 0;
	in->str_esc = false;
}

bool
ingest_pending(const struct ingest *in, struct line *out)
{
	if (in->len == 0)
		return (false);
	out->text = in->text;
	out->len = (uint32_t)in->len;
	out->runs = in->nruns != 0 ? in->runs : NULL;
	out->nruns = (uint32_t)in->nruns;
	out->stream = (uint8_t)in->stream;
	out->flags = 0;
	return (true);
}

void
ingest_free(struct ingest *in)
{
	if (in == NULL)
		return;
	free(in->text);
	free(in->runs);
	free(in);
}
