/*
 * scroll.c: the scrollback of one process.
 *
 * Every line a child writes is pushed here, so pushing must cost no
 * allocation of its own. Lines are copied into an arena of chunks of
 * CHUNK_ALLOC bytes, appended in order: each stored line is a header
 * (struct sline: seq, charged size, text length, run count, stream, flags)
 * followed by its text and then its runs, aligned for struct run, and the
 * whole rounded up so the next header is aligned. A line too big to share
 * a chunk (more than half a chunk) gets an allocation of its own, exactly
 * its size. Such lines are rare (ingest splits lines at 16 KiB of text by
 * default), so the hot path reaches malloc only for a new chunk every few
 * hundred lines, and in a steady stream even that is the spare chunk.
 *
 * An index ring of pointers to the headers gives line i in O(1). It grows
 * geometrically, never beyond max_lines, so a quiet process costs little.
 *
 * Lines are dropped oldest first, so chunks empty in the order they were
 * filled: the oldest line stored in a chunk is always in the first chunk of
 * the list. Each chunk counts its live lines; when the first chunk has none
 * left and is not the one being filled, it is unlinked and kept as the
 * spare (or freed if there is one already). Invariants:
 *
 *	- count <= max_lines and bytes <= max_bytes after every push;
 *	- bytes is the sum of the charged sizes of the lines held;
 *	- every chunk but the tail holds at least one live line;
 *	- count + dropped is the number of pushes since creation or clear.
 *
 * The charged size of a line is its stored size, header included. When a
 * line does not fit in what is left of the tail chunk, that remainder is
 * charged to the newest line of the chunk, which frees it with the chunk.
 * So every chunk between the first and the tail is fully accounted, and the
 * memory held is bounded by
 *
 *	max_bytes + 3 * CHUNK_ALLOC + max_lines * sizeof (void *)
 *
 * plus the malloc overhead of one header per chunk or big line (under 0.1%):
 * the three chunks are the dropped part of the first chunk, the free part of
 * the tail, and the spare. With the defaults that is 8 MiB + 270 KiB. The
 * price is that a chunk's slack counts against max_bytes: since lines over
 * half a chunk go elsewhere, at worst half of a chunk (and in practice a
 * fraction of one line per chunk).
 *
 * Sequence numbers count every push, including lines dropped at once for
 * being over max_bytes (or over 4 GiB, which the header cannot describe),
 * and survive scroll_clear.
 */

#include "config.h"

#include <assert.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "scroll.h"
#include "util.h"

#define CHUNK_ALLOC (64u << 10)
#define CHUNK_DATA (CHUNK_ALLOC - offsetof(struct chunk, data))
#define LINE_BIG (CHUNK_DATA / 2)
#define RING_MIN 64

#define ALIGN_UP(n, a) (((n) + (a) - 1) & ~((size_t)(a) - 1))

struct sline {
	uint64_t	 seq;
	uint32_t	 size;	/* charged against max_bytes, slack included */
	uint32_t	 len;
	uint32_t	 nruns;
	uint8_t		 stream;
	uint8_t		 flags;
	uint8_t		 own;	/* allocated alone, not in a chunk */
};

struct chunk {
	struct chunk	*next;
	uint32_t	 used;
	uint32_t	 live;
	alignas(struct sline) unsigned char data[];
};

struct scroll {
	size_t		  max_lines;
	size_t		  max_bytes;

	struct sline	**ring;
	size_t		  cap;
	size_t		  head;
	size_t		  count;
	size_t		  bytes;

	uint64_t	  seq;
	uint64_t	  dropped;

	struct chunk	 *first;
	struct chunk	 *tail;
	struct chunk	 *spare;
	struct sline	 *last;	/* newest line stored in a chunk */
};

/* Offset of the runs from the header of a line with len bytes of text. */
static size_t
scroll_runs_off(uint32_t len)
{
	return (ALIGN_UP(sizeof (struct sline) + len, alignof(struct run)));
}

/* Stored size of a line, or SIZE_MAX if it cannot be stored at all. */
static size_t
scroll_size(const struct line *line)
{
	size_t	n;

	n = scroll_runs_off(line->len);
	if (line->nruns > (SIZE_MAX - n - alignof(struct sline)) /
	    sizeof (struct run))
		return (SIZE_MAX);
	n += (size_t)line->nruns * sizeof (struct run);
	return (ALIGN_UP(n, alignof(struct sline)));
}

static struct sline *
scroll_at(const struct scroll *s, size_t i)
{
	size_t	idx = s->head + i;

	if (idx >= s->cap)
		idx -= s->cap;
	return (s->ring[idx]);
}

struct scroll *
scroll_create(size_t max_lines, size_t max_bytes)
{
	struct scroll	*s;

	s = xcalloc(1, sizeof *s);
	s->max_lines = max_lines;
	s->max_bytes = max_bytes;
	return (s);
}

/* Drop the oldest line, releasing its chunk once nothing in it is live. */
static void
scroll_drop(struct scroll *s)
{
	struct sline	*h = s->ring[s->head];
	struct chunk	*c;

	if (++s->head == s->cap)
		s->head = 0;
	s->count--;
	s->bytes -= h->size;
	s->dropped++;

	if (h->own) {
		free(h);
		return;
	}
	c = s->first;
	assert((unsigned char *)h >= c->data &&
	    (unsigned char *)h < c->data + c->used && c->live > 0);
	if (--c->live == 0 && c != s->tail) {
		s->first = c->next;
		if (s->spare == NULL)
			s->spare = c;
		else
			free(c);
	}
}

/* Append an empty chunk to the list, reusing the spare if there is one. */
static struct chunk *
scroll_chunk_new(struct scroll *s)
{
	struct chunk	*c = s->spare;

	if (c != NULL)
		s->spare = NULL;
	else
		c = xmalloc(CHUNK_ALLOC);
	c->next = NULL;
	c->used = 0;
	c->live = 0;
	if (s->tail != NULL)
		s->tail->next = c;
	else
		s->first = c;
	s->tail = c;
	return (c);
}

/*
 * Reserve size bytes (at most LINE_BIG) at the end of the tail chunk,
 * starting a new chunk if needed; may leave bytes above max_bytes, since
 * the abandoned end of the old tail is charged to its newest line.
 */
static struct sline *
scroll_place(struct scroll *s, size_t size)
{
	struct chunk	*c = s->tail;
	size_t		 waste;
	struct sline	*h;

	if (c != NULL && c->live == 0)
		c->used = 0;
	if (c == NULL || CHUNK_DATA - c->used < size) {
		if (c != NULL) {
			waste = CHUNK_DATA - c->used;
			s->last->size += waste;
			s->bytes += waste;
			c->used = CHUNK_DATA;
		}
		c = scroll_chunk_new(s);
	}
	h = (struct sline *)(c->data + c->used);
	c->used += size;
	c->live++;
	s->last = h;
	return (h);
}

/* Make room for one more index, unwrapping the ring into the larger array. */
static void
scroll_grow(struct scroll *s)
{
	size_t	old = s->cap, cap, tail;

	cap = old == 0 ? RING_MIN : old * 2;
	if (cap > s->max_lines)
		cap = s->max_lines;
	s->ring = xreallocarray(s->ring, cap, sizeof *s->ring);
	if (s->head != 0) {
		tail = old - s->head;
		memmove(s->ring + cap - tail, s->ring + s->head,
		    tail * sizeof *s->ring);
		s->head = cap - tail;
	}
	s->cap = cap;
}

void
scroll_push(struct scroll *s, const struct line *line)
{
	size_t		 size = scroll_size(line), idx;
	struct sline	*h;

	s->seq++;
	if (s->max_lines == 0 || size > s->max_bytes || size > UINT32_MAX) {
		s->dropped++;
		return;
	}

	while (s->count >= s->max_lines || s->bytes > s->max_bytes - size)
		scroll_drop(s);
	if (size > LINE_BIG) {
		h = xmalloc(size);
		h->own = 1;
	} else {
		h = scroll_place(s, size);
		h->own = 0;
		while (s->bytes > s->max_bytes - size)
			scroll_drop(s);
	}

	h->seq = s->seq - 1;
	h->size = size;
	h->len = line->len;
	h->nruns = line->nruns;
	h->stream = line->stream;
	h->flags = line->flags;
	if (line->len != 0)
		memcpy(h + 1, line->text, line->len);
	if (line->nruns != 0) {
		memcpy((char *)h + scroll_runs_off(h->len), line->runs,
		    (size_t)line->nruns * sizeof *line->runs);
	}

	if (s->count == s->cap)
		scroll_grow(s);
	idx = s->head + s->count;
	if (idx >= s->cap)
		idx -= s->cap;
	s->ring[idx] = h;
	s->count++;
	s->bytes += size;
}

size_t
scroll_count(const struct scroll *s)
{
	return (s->count);
}

size_t
scroll_bytes(const struct scroll *s)
{
	return (s->bytes);
}

uint64_t
scroll_dropped(const struct scroll *s)
{
	return (s->dropped);
}

/* UINT64_MAX if i is out of range. */
uint64_t
scroll_seq(const struct scroll *s, size_t i)
{
	if (i >= s->count)
		return (UINT64_MAX);
	return (scroll_at(s, i)->seq);
}

bool
scroll_get(const struct scroll *s, size_t i, struct line *out)
{
	const struct sline	*h;

	if (i >= s->count)
		return (false);
	h = scroll_at(s, i);
	out->text = (const char *)(h + 1);
	out->len = h->len;
	out->runs = NULL;
	if (h->nruns != 0) {
		out->runs = (const struct run *)((const char *)h +
		    scroll_runs_off(h->len));
	}
	out->nruns = h->nruns;
	out->stream = h->stream;
	out->flags = h->flags;
	return (true);
}

void
scroll_clear(struct scroll *s)
{
	struct chunk	*c, *next;
	size_t		 i;

	for (i = 0; i < s->count; i++) {
		if (scroll_at(s, i)->own)
			free(scroll_at(s, i));
	}
	for (c = s->first; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(s->spare);
	free(s->ring);

	s->ring = NULL;
	s->cap = s->head = s->count = s->bytes = 0;
	s->dropped = 0;
	s->first = s->tail = s->spare = NULL;
	s->last = NULL;
}

void
scroll_free(struct scroll *s)
{
	if (s == NULL)
		return;
	scroll_clear(s);
	free(s);
}
