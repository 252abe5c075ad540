/*
 * ingest.h: turn the bytes a child writes into sanitized lines.
 *
 * One ingest object per stream (stdout or stderr of one child). Bytes are fed
 * in whatever pieces read(2) returned; every piece of state (UTF-8 sequence,
 * escape sequence, current line and its attributes) is kept across feeds, so
 * the split points never matter. Each finished line goes to the callback.
 */
#ifndef BROOD_INGEST_H
#define BROOD_INGEST_H

#include <stddef.h>
#include "line.h"

#define INGEST_LINE_MAX_DEFAULT 16384 /* bytes of text before a line is split */

struct ingest;

/* Receives each finished line; the line is valid only during the call. */
typedef void ingest_line_cb(void *arg, const struct line *line);

/* Create a parser for one stream; line_max is the split cap in bytes (0: default). */
struct ingest *ingest_create(enum line_stream stream, size_t line_max,
    ingest_line_cb *cb, void *arg);

/* Parse len bytes; calls the callback for every line they finish. */
void ingest_feed(struct ingest *in, const char *buf, size_t len);

/* The stream ended: flush a pending UTF-8 sequence (as U+FFFD) and emit a
 * pending partial line with LINE_PARTIAL. The parser can be fed again later
 * (a restarted child); attributes are reset. */
void ingest_finish(struct ingest *in);

/* The line being built, not yet ended by a newline; false if it is empty.
 * The view is valid until the next call on this parser. */
bool ingest_pending(const struct ingest *in, struct line *out);

void ingest_free(struct ingest *in);

#endif
