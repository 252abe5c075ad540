/*
 * test_scroll.c: the scrollback ring: contents, order, both bounds, dropped
 * and sequence counting, and that memory really stays bounded.
 */

#include <check.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scroll.h"

/* Check records every passing ck_assert (a write(2) each), far too slow
 * for loops of a million checks: these only speak on failure. */
#define req(e) do {							\
	if (!(e))							\
		ck_abort_msg("assertion '%s' failed", #e);		\
} while (0)
#define req_op(a, op, b) do {						\
	uintmax_t a_ = (a), b_ = (b);					\
									\
	if (!(a_ op b_)) {						\
		ck_abort_msg("assertion '%s %s %s' failed: %ju, %ju",	\
		    #a, #op, #b, a_, b_);				\
	}								\
} while (0)

#define TEXT_MAX (200u << 10)
#define RUNS_MAX 512

/* A generated line: its content is a function of a key, so a test can
 * check any held line without keeping a copy of it. */
struct gen {
	char		text[TEXT_MAX];
	struct run	runs[RUNS_MAX];
	struct line	line;
};

static struct gen gen_buf, gen_ref;

static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return (x ^ (x >> 31));
}

static const struct line *
gen_line(struct gen *g, uint64_t key, uint32_t len, uint32_t nruns)
{
	uint32_t	i;

	req_op(len, <=, TEXT_MAX);
	req_op(nruns, <=, RUNS_MAX);
	for (i = 0; i < len; i++)
		g->text[i] = (char)('!' + (key * 31 + i * 7) % 90);
	for (i = 0; i < nruns; i++) {
		memset(&g->runs[i], 0, sizeof g->runs[i]);
		g->runs[i].off = (uint32_t)((uint64_t)len * i / nruns);
		g->runs[i].attr.fg = COLOR_PALETTE | (uint32_t)((key + i) & 0xff);
		g->runs[i].attr.bg = COLOR_RGB | (uint32_t)((key * 3 + i) & 0xffffff);
		g->runs[i].attr.flags = (uint16_t)((key ^ i) & 0x3f);
	}
	g->line.text = len != 0 ? g->text : NULL;
	g->line.len = len;
	g->line.runs = nruns != 0 ? g->runs : NULL;
	g->line.nruns = nruns;
	g->line.stream = (uint8_t)(key & 1);
	g->line.flags = (uint8_t)((key >> 1) & (LINE_SPLIT | LINE_PARTIAL));
	return (&g->line);
}

static void
assert_line_equal(const struct line *got, const struct line *want)
{
	uint32_t	i;

	req_op(got->len, ==, want->len);
	if (want->len != 0)
		req(memcmp(got->text, want->text, want->len) == 0);
	req_op(got->nruns, ==, want->nruns);
	for (i = 0; i < want->nruns; i++) {
		req_op(got->runs[i].off, ==, want->runs[i].off);
		req(attr_equal(&got->runs[i].attr, &want->runs[i].attr));
	}
	req_op(got->stream, ==, want->stream);
	req_op(got->flags, ==, want->flags);
}

/* Line i of s is the line generated from key, len and nruns. */
static void
assert_held(const struct scroll *s, size_t i, uint64_t key, uint32_t len,
    uint32_t nruns)
{
	struct line	got;

	req(scroll_get(s, i, &got));
	assert_line_equal(&got, gen_line(&gen_ref, key, len, nruns));
}

static const struct line *
text_line(struct line *l, const char *text)
{
	memset(l, 0, sizeof *l);
	l->text = text;
	l->len = (uint32_t)strlen(text);
	return (l);
}

START_TEST(test_roundtrip)
{
	struct scroll	*s = scroll_create(100, 1 << 20);
	char		 text[] = "h\xc3\xa9llo \xe2\x9c\x93 world";
	struct run	 runs[3];
	struct line	 in, out;

	memset(runs, 0, sizeof runs);
	runs[0].off = 0;
	runs[0].attr.fg = COLOR_PALETTE | 1;
	runs[0].attr.flags = ATTR_BOLD;
	runs[1].off = 7;
	runs[1].attr.fg = COLOR_RGB | 0x123456;
	runs[1].attr.bg = COLOR_PALETTE | 200;
	runs[1].attr.flags = ATTR_UNDERLINE | ATTR_ITALIC;
	runs[2].off = 10;

	in.text = text;
	in.len = (uint32_t)strlen(text);
	in.runs = runs;
	in.nruns = 3;
	in.stream = LINE_STDERR;
	in.flags = LINE_SPLIT | LINE_PARTIAL;
	scroll_push(s, &in);

	req_op(scroll_count(s), ==, 1);
	req_op(scroll_dropped(s), ==, 0);
	req_op(scroll_bytes(s), >, in.len + 3 * sizeof (struct run));
	req(scroll_get(s, 0, &out));
	ck_assert_ptr_ne(out.text, text);
	ck_assert_ptr_ne(out.runs, runs);
	assert_line_equal(&out, &in);

	/* The ring holds a copy: the producer may reuse its buffers. */
	text[0] = 'X';
	runs[1].attr.fg = 0;
	req(scroll_get(s, 0, &out));
	ck_assert_int_eq(out.text[0], 'h');
	req_op(out.runs[1].attr.fg, ==, COLOR_RGB | 0x123456);
	text[0] = 'h';
	runs[1].attr.fg = COLOR_RGB | 0x123456;
	req_op(scroll_seq(s, 0), ==, 0);

	in.stream = LINE_STDOUT;
	in.flags = 0;
	in.runs = NULL;
	in.nruns = 0;
	scroll_push(s, &in);
	req(scroll_get(s, 1, &out));
	assert_line_equal(&out, &in);
	ck_assert_ptr_null(out.runs);
	req_op(scroll_seq(s, 1), ==, 1);
	scroll_free(s);
}
END_TEST

START_TEST(test_order)
{
	struct scroll	*s = scroll_create(1000, 1 << 20);
	size_t		 i;

	for (i = 0; i < 500; i++)
		scroll_push(s, gen_line(&gen_buf, i, (uint32_t)(i % 97),
		    (uint32_t)(i % 4)));
	req_op(scroll_count(s), ==, 500);
	for (i = 0; i < 500; i++) {
		req_op(scroll_seq(s, i), ==, i);
		assert_held(s, i, i, (uint32_t)(i % 97), (uint32_t)(i % 4));
	}
	scroll_free(s);
}
END_TEST

START_TEST(test_bound_lines)
{
	struct scroll	*s = scroll_create(10000, SCROLL_BYTES_DEFAULT);
	char		 buf[32];
	struct line	 l, out;
	size_t		 i;

	for (i = 0; i < 25000; i++) {
		snprintf(buf, sizeof buf, "line %zu", i);
		scroll_push(s, text_line(&l, buf));
		req_op(scroll_count(s), <=, 10000);
	}
	req_op(scroll_count(s), ==, 10000);
	req_op(scroll_dropped(s), ==, 15000);
	req_op(scroll_bytes(s), <=, SCROLL_BYTES_DEFAULT);
	req_op(scroll_seq(s, 0), ==, 15000);
	req_op(scroll_seq(s, 9999), ==, 24999);
	req(scroll_get(s, 0, &out));
	req_op(out.len, ==, strlen("line 15000"));
	req(memcmp(out.text, "line 15000", out.len) == 0);
	req(scroll_get(s, 9999, &out));
	req(memcmp(out.text, "line 24999", out.len) == 0);
	scroll_free(s);
}
END_TEST

START_TEST(test_bound_bytes)
{
	struct scroll	*s = scroll_create(100000, 64 << 10);
	size_t		 i, n;

	for (i = 0; i < 1000; i++) {
		scroll_push(s, gen_line(&gen_buf, i, 1024, 0));
		req_op(scroll_bytes(s), <=, 64 << 10);
	}
	n = scroll_count(s);
	/* 64 lines of text; a little less once headers and slack count. */
	req_op(n, >=, 56);
	req_op(n, <=, 64);
	req_op(scroll_dropped(s), ==, 1000 - n);
	for (i = 0; i < n; i++) {
		req_op(scroll_seq(s, i), ==, 1000 - n + i);
		assert_held(s, i, 1000 - n + i, 1024, 0);
	}
	scroll_free(s);
}
END_TEST

START_TEST(test_oversized)
{
	struct scroll	*s = scroll_create(100, 4096);
	size_t		 bytes;
	struct line	 out;

	scroll_push(s, gen_line(&gen_buf, 0, 100, 1));
	scroll_push(s, gen_line(&gen_buf, 1, 200, 2));
	scroll_push(s, gen_line(&gen_buf, 2, 300, 0));
	bytes = scroll_bytes(s);
	req_op(scroll_count(s), ==, 3);

	scroll_push(s, gen_line(&gen_buf, 3, 5000, 0));
	req_op(scroll_count(s), ==, 3);
	req_op(scroll_dropped(s), ==, 1);
	req_op(scroll_bytes(s), ==, bytes);
	req_op(scroll_seq(s, 2), ==, 2);

	/* Too big through its runs alone. */
	scroll_push(s, gen_line(&gen_buf, 4, 10, 500));
	req_op(scroll_count(s), ==, 3);
	req_op(scroll_dropped(s), ==, 2);
	req_op(scroll_bytes(s), ==, bytes);

	assert_held(s, 0, 0, 100, 1);
	assert_held(s, 1, 1, 200, 2);
	assert_held(s, 2, 2, 300, 0);
	req(!scroll_get(s, 3, &out));

	/* The dropped lines used up their sequence numbers. */
	scroll_push(s, gen_line(&gen_buf, 5, 10, 0));
	req_op(scroll_count(s), ==, 4);
	req_op(scroll_seq(s, 3), ==, 5);
	assert_held(s, 3, 5, 10, 0);

	/* Just under the bound: everything else goes, the line stays. */
	scroll_push(s, gen_line(&gen_buf, 6, 4060, 0));
	req_op(scroll_count(s), ==, 1);
	req_op(scroll_dropped(s), ==, 6);
	req_op(scroll_bytes(s), <=, 4096);
	assert_held(s, 0, 6, 4060, 0);
	scroll_free(s);
}
END_TEST

START_TEST(test_max_lines_zero)
{
	struct scroll	*s = scroll_create(0, 1 << 20);
	struct line	 out;
	int		 i;

	for (i = 0; i < 5; i++)
		scroll_push(s, gen_line(&gen_buf, (uint64_t)i, 10, 1));
	req_op(scroll_count(s), ==, 0);
	req_op(scroll_bytes(s), ==, 0);
	req_op(scroll_dropped(s), ==, 5);
	req(!scroll_get(s, 0, &out));
	scroll_free(s);
}
END_TEST

/* Mixed sizes, a mix of small, chunk-sized, own-allocation and oversized
 * lines, against a model: the held lines are the last accepted ones. */
static const struct {
	size_t	max_lines;
	size_t	max_bytes;
} random_cfg[] = {
	{ 1000, 256 << 10 },	/* both bounds bite */
	{ 100, 1 << 20 },	/* mostly lines */
	{ 50000, 64 << 10 },	/* bytes only, lines over 64 KiB dropped */
};

#define RANDOM_PUSHES 100000

static void
random_params(uint64_t key, uint32_t *len, uint32_t *nruns)
{
	uint64_t	r = mix(key);
	unsigned	p = (unsigned)(r % 1000);

	r >>= 10;
	if (p < 850)
		*len = (uint32_t)(r % 200);
	else if (p < 980)
		*len = 200 + (uint32_t)(r % 3800);
	else if (p < 995)
		*len = 20000 + (uint32_t)(r % 30000);
	else
		*len = 70000 + (uint32_t)(r % 100000);
	r >>= 20;
	*nruns = (uint32_t)(r % 6);
	if (p % 50 == 1)
		*nruns = (uint32_t)(r % RUNS_MAX);
}

START_TEST(test_random)
{
	size_t		 max_lines = random_cfg[_i].max_lines;
	size_t		 max_bytes = random_cfg[_i].max_bytes;
	struct scroll	*s = scroll_create(max_lines, max_bytes);
	uint64_t	*acc = malloc(RANDOM_PUSHES * sizeof *acc);
	size_t		 nacc = 0, base = 0, pushes = 0, oversized = 0;
	size_t		 n, i, k, count, bytes;
	uint32_t	 len, nruns;
	uint64_t	 key;

	ck_assert_ptr_nonnull(acc);
	for (k = 0; k < RANDOM_PUSHES; k++) {
		if (k == RANDOM_PUSHES / 2) {
			scroll_clear(s);
			base = nacc;
			pushes = oversized = 0;
		}
		key = k;	/* seq keeps counting across the clear */
		random_params(key, &len, &nruns);
		count = scroll_count(s);
		bytes = scroll_bytes(s);
		scroll_push(s, gen_line(&gen_buf, key, len, nruns));
		pushes++;

		n = scroll_count(s);
		if (n != 0 && scroll_seq(s, n - 1) == key) {
			/* Held: it fits in the ring alone. */
			req_op(len, <=, max_bytes);
			acc[nacc++] = key;
		} else {
			/* Refused: only a line too big for the ring alone. */
			req_op(len + (size_t)nruns * sizeof (struct run), >,
			    max_bytes / 2);
			req_op(n, ==, count);
			req_op(scroll_bytes(s), ==, bytes);
			oversized++;
		}

		req_op(n, <=, max_lines);
		req_op(scroll_bytes(s), <=, max_bytes);
		req_op(n + scroll_dropped(s), ==, pushes);
		req_op(n, <=, nacc - base);
		if (n != 0) {
			req_op(scroll_seq(s, n - 1), ==, acc[nacc - 1]);
			req_op(scroll_seq(s, 0), ==, acc[nacc - n]);
		}
		/* Not dropping more than needed: below max_lines, after a held
		 * line went, the ring is short of max_bytes by less than one
		 * big line and a chunk of slack. */
		if (n < max_lines && scroll_dropped(s) > oversized) {
			req_op(scroll_bytes(s) + (170000 + 65536 +
			    RUNS_MAX * sizeof (struct run)), >, max_bytes);
		}

		if (k % 2000 == 1999 || k == RANDOM_PUSHES - 1) {
			for (i = 0; i < n; i++) {
				key = acc[nacc - n + i];
				req_op(scroll_seq(s, i), ==, key);
				random_params(key, &len, &nruns);
				assert_held(s, i, key, len, nruns);
			}
		}
	}
	free(acc);
	scroll_free(s);
}
END_TEST

START_TEST(test_clear)
{
	struct scroll	*s = scroll_create(10, 1 << 20);
	struct line	 out;
	size_t		 i;

	for (i = 0; i < 15; i++)
		scroll_push(s, gen_line(&gen_buf, i, (uint32_t)(i * 5000), 1));
	req_op(scroll_count(s), ==, 10);
	req_op(scroll_dropped(s), ==, 5);

	scroll_clear(s);
	req_op(scroll_count(s), ==, 0);
	req_op(scroll_bytes(s), ==, 0);
	req_op(scroll_dropped(s), ==, 0);
	req(!scroll_get(s, 0, &out));
	scroll_clear(s);

	/* Usable again; sequence numbers go on from where they were. */
	for (i = 15; i < 30; i++)
		scroll_push(s, gen_line(&gen_buf, i, 50, 2));
	req_op(scroll_count(s), ==, 10);
	req_op(scroll_dropped(s), ==, 5);
	req_op(scroll_seq(s, 0), ==, 20);
	for (i = 0; i < 10; i++)
		assert_held(s, i, 20 + i, 50, 2);
	scroll_free(s);
}
END_TEST

START_TEST(test_out_of_range)
{
	struct scroll	*s = scroll_create(10, 1 << 20);
	struct line	 out;

	req(!scroll_get(s, 0, &out));
	req_op(scroll_seq(s, 0), ==, UINT64_MAX);
	scroll_push(s, gen_line(&gen_buf, 0, 10, 0));
	scroll_push(s, gen_line(&gen_buf, 1, 10, 0));
	req(scroll_get(s, 1, &out));
	req(!scroll_get(s, 2, &out));
	req(!scroll_get(s, SIZE_MAX, &out));
	req_op(scroll_seq(s, 2), ==, UINT64_MAX);
	req_op(scroll_seq(s, SIZE_MAX), ==, UINT64_MAX);
	scroll_free(s);
}
END_TEST

START_TEST(test_empty_text)
{
	struct scroll	*s = scroll_create(100, 1 << 20);
	struct line	 l, out;
	struct run	 run;
	size_t		 i;

	memset(&l, 0, sizeof l);
	memset(&run, 0, sizeof run);
	run.attr.flags = ATTR_REVERSE;
	for (i = 0; i < 30; i++) {
		l.text = NULL;
		l.len = 0;
		l.runs = i % 2 ? &run : NULL;
		l.nruns = i % 2;
		l.stream = (uint8_t)(i % 3 == 0);
		l.flags = i % 5 == 0 ? LINE_PARTIAL : 0;
		scroll_push(s, &l);
		scroll_push(s, gen_line(&gen_buf, i, 3, 0));
	}
	req_op(scroll_count(s), ==, 60);
	for (i = 0; i < 30; i++) {
		req(scroll_get(s, 2 * i, &out));
		req_op(out.len, ==, 0);
		req_op(out.nruns, ==, i % 2);
		if (i % 2)
			req_op(out.runs[0].attr.flags, ==, ATTR_REVERSE);
		req_op(out.stream, ==, i % 3 == 0);
		req_op(out.flags, ==, i % 5 == 0 ? LINE_PARTIAL : 0);
		assert_held(s, 2 * i + 1, i, 3, 0);
	}
	scroll_free(s);
}
END_TEST

/* Lines too big to share a chunk, between small ones, keep their order. */
START_TEST(test_big_lines)
{
	static const uint32_t	 lens[] = { 10, 40000, 20, 100000, 30, 70000,
	    40, 32000, 33000, 50 };
	struct scroll		*s = scroll_create(1000, 1 << 20);
	size_t			 i, j, n = sizeof lens / sizeof lens[0];

	for (i = 0; i < n; i++)
		scroll_push(s, gen_line(&gen_buf, i, lens[i], (uint32_t)i * 30));
	req_op(scroll_count(s), ==, n);
	for (i = 0; i < n; i++)
		assert_held(s, i, i, lens[i], (uint32_t)i * 30);

	/* Push them all out again, big ones first in line. */
	for (j = 0; j < 40; j++) {
		for (i = 0; i < n; i++)
			scroll_push(s, gen_line(&gen_buf, 100 + j * n + i,
			    lens[i], 1));
		req_op(scroll_bytes(s), <=, 1 << 20);
	}
	req_op(scroll_dropped(s), >, n);
	n = scroll_count(s);
	req_op(scroll_seq(s, n - 1), ==, 10 + 40 * 10 - 1);
	scroll_free(s);
}
END_TEST

/* The index ring grows while its head is past the start of the array. */
START_TEST(test_ring_wrap)
{
	struct scroll	*s = scroll_create(100000, 64 << 10);
	size_t		 i, n;
	uint64_t	 first;

	for (i = 0; i < 100; i++)
		scroll_push(s, gen_line(&gen_buf, i, 1000, 0));
	req_op(scroll_dropped(s), >, 0);
	for (i = 100; i < 2100; i++)
		scroll_push(s, gen_line(&gen_buf, i, (uint32_t)(i % 5), 0));
	n = scroll_count(s);
	req_op(n, >, 1000);
	first = scroll_seq(s, 0);
	req_op(first + n, ==, 2100);
	for (i = 0; i < n; i++) {
		req_op(scroll_seq(s, i), ==, first + i);
		if (first + i < 100)
			assert_held(s, i, first + i, 1000, 0);
		else
			assert_held(s, i, first + i, (uint32_t)((first + i) % 5), 0);
	}
	scroll_free(s);
}
END_TEST

static size_t
heap_used(void)
{
	struct mallinfo2	mi = mallinfo2();

	return (mi.uordblks + mi.hblkhd);
}

/* 100 MB through an 8 MiB ring: the heap never holds much more than 8 MiB
 * and gives it all back. Skipped where mallinfo2 does not see the heap (as
 * under AddressSanitizer). */
START_TEST(test_memory_released)
{
	struct scroll	*s;
	size_t		 base, used, peak = 0, total = 0, k;
	char		*probe;

	base = heap_used();
	probe = malloc(1 << 20);
	ck_assert_ptr_nonnull(probe);
	memset(probe, 1, 1 << 20);
	used = heap_used();
	free(probe);
	if (used < base + (1 << 20)) {
		fprintf(stderr, "test_memory_released: mallinfo2 blind, skipped\n");
		return;
	}

	base = heap_used();
	s = scroll_create(SCROLL_LINES_DEFAULT, SCROLL_BYTES_DEFAULT);
	for (k = 0; total < (100u << 20); k++) {
		uint32_t len = k % 50 == 49 ? 100000 : (uint32_t)(k % 1500);

		scroll_push(s, gen_line(&gen_buf, k, len, (uint32_t)(k % 3)));
		total += len;
		if (k % 64 == 0) {
			used = heap_used() - base;
			if (used > peak)
				peak = used;
		}
	}
	req_op(scroll_dropped(s), >, 0);
	req_op(scroll_bytes(s), <=, SCROLL_BYTES_DEFAULT);
	req_op(peak, >, 7u << 20);
	req_op(peak, <, 9u << 20);

	scroll_clear(s);
	req_op(heap_used(), <, base + 4096);
	for (k = 0; k < 100000; k++)
		scroll_push(s, gen_line(&gen_buf, k, 1000, 0));
	req_op(heap_used() - base, <, 9u << 20);
	scroll_free(s);
	/* A little slack for what Check itself allocates meanwhile. */
	req_op(heap_used(), <, base + 4096);
}
END_TEST

/* A million short lines go through without trouble (not timed). */
START_TEST(test_speed_sanity)
{
	struct scroll	*s = scroll_create(SCROLL_LINES_DEFAULT,
	    SCROLL_BYTES_DEFAULT);
	const struct line *l = gen_line(&gen_buf, 7, 100, 2);
	struct line	 out;
	size_t		 k;

	for (k = 0; k < 1000000; k++)
		scroll_push(s, l);
	req_op(scroll_count(s), ==, SCROLL_LINES_DEFAULT);
	req_op(scroll_dropped(s), ==, 1000000 - SCROLL_LINES_DEFAULT);
	req_op(scroll_seq(s, 0), ==, 1000000 - SCROLL_LINES_DEFAULT);
	req(scroll_get(s, SCROLL_LINES_DEFAULT - 1, &out));
	assert_line_equal(&out, l);
	scroll_free(s);
}
END_TEST

static Suite *
scroll_suite(void)
{
	Suite	*suite = suite_create("scroll");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_bound_lines);
	tcase_add_test(tc, test_bound_bytes);
	tcase_add_test(tc, test_oversized);
	tcase_add_test(tc, test_max_lines_zero);
	tcase_add_loop_test(tc, test_random, 0,
	    sizeof random_cfg / sizeof random_cfg[0]);
	tcase_add_test(tc, test_clear);
	tcase_add_test(tc, test_out_of_range);
	tcase_add_test(tc, test_empty_text);
	tcase_add_test(tc, test_big_lines);
	tcase_add_test(tc, test_ring_wrap);
	tcase_add_test(tc, test_memory_released);
	tcase_add_test(tc, test_speed_sanity);
	suite_add_tcase(suite, tc);
	return (suite);
}

int
main(void)
{
	SRunner	*sr = srunner_create(scroll_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
