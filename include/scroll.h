/*
 * scroll.h: the scrollback of one process, a ring of lines bounded both by
 * a number of lines and by bytes. Pushing past either bound drops the
 * oldest lines and counts them; memory stays bounded whatever a child writes.
 */
#ifndef BROOD_SCROLL_H
#define BROOD_SCROLL_H

#include <stddef.h>
#include <stdint.h>
#include "line.h"

#define SCROLL_LINES_DEFAULT 10000
#define SCROLL_BYTES_DEFAULT (8u << 20)

struct scroll;

/* A ring of at most max_lines lines and max_bytes bytes (text, runs and
 * per-line overhead counted). max_lines 0 keeps nothing. */
struct scroll *scroll_create(size_t max_lines, size_t max_bytes);

/* Copy a line in, dropping the oldest lines as needed. A line larger than
 * max_bytes by itself is dropped (and counted). */
void scroll_push(struct scroll *s, const struct line *line);

/* Lines held now. */
size_t scroll_count(const struct scroll *s);

/* Bytes held now, as counted against max_bytes. */
size_t scroll_bytes(const struct scroll *s);

/* Lines dropped since creation or the last scroll_clear. */
uint64_t scroll_dropped(const struct scroll *s);

/* Sequence number of line i (0: oldest held). Numbers count every line
 * ever pushed, so a reader can tell where it was after lines were dropped. */
uint64_t scroll_seq(const struct scroll *s, size_t i);

/* Line i (0: oldest held) as a view valid until the next push or clear;
 * false if i is out of range. */
bool scroll_get(const struct scroll *s, size_t i, struct line *out);

/* Forget every line and reset the dropped counter. */
void scroll_clear(struct scroll *s);

void scroll_free(struct scroll *s);

#endif
