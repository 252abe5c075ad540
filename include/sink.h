/*
 * sink.h: brood's own output, buffered and written without stopping the
 * loop while its reader is slow.
 */
#ifndef BROOD_SINK_H
#define BROOD_SINK_H

#include <stdbool.h>
#include <stddef.h>

#include "loop.h"

/* Past this many pending bytes the owner is told to hold its sources... */
#define SINK_HIGH ((size_t)4 << 20)
/* ...and told again once fewer than this are left. */
#define SINK_LOW ((size_t)1 << 20)
/* A reserve that would pass this waits for the reader. */
#define SINK_MAX ((size_t)8 << 20)

struct sink;

/* full: more than SINK_HIGH bytes wait (true), or fewer than SINK_LOW
 * are left of them (false). */
typedef void sink_pressure_cb(void *arg, bool full);

/* A sink writing to fd (which stays open and blocking for everyone else). */
struct sink *sink_create(int fd);

/* Write from the loop while the reader is slow, and report pressure; called
 * once. With no loop, writing is tried again at each flush. */
void sink_attach(struct sink *s, struct loop *l, sink_pressure_cb *cb, void *arg);

/* Room for n more bytes at the end of what is pending; sink_commit then
 * adds the bytes written there. */
char *sink_reserve(struct sink *s, size_t n);
void sink_commit(struct sink *s, size_t n);
void sink_put(struct sink *s, const void *p, size_t n);

/* Write what the reader takes now. */
void sink_flush(struct sink *s);

/* Write everything, waiting for the reader as long as it takes. */
void sink_drain(struct sink *s);

/* Bytes not written yet. */
size_t sink_pending(const struct sink *s);

/* 0, or why writing ended (EPIPE: the reader left); what was pending then
 * is dropped, and so is anything given afterwards. */
int sink_error(const struct sink *s);

/* Whether writes go through a nonblocking description of brood's own. */
bool sink_nonblocking(const struct sink *s);

void sink_free(struct sink *s);

#endif
