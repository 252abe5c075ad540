/*
 * util.h: allocation that cannot fail, and the one way brood dies.
 *
 * Running out of memory is fatal. Before dying, brood runs the fatal hook
 * (the front end restores the terminal, the supervisor kills its children),
 * so even this path leaves no broken terminal and no orphan behind.
 */
#ifndef BROOD_UTIL_H
#define BROOD_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Register a hook run once by util_fatal before the process exits. */
void util_set_fatal_hook(void (*hook)(void));

/* Print "brood: message" on stderr, run the fatal hook, and exit 70. */
void util_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A size in KiB for people: "512K", "9.8M", "98M", "1.2G". */
void util_format_kib(uint64_t kib, char *buf, size_t len);

/* A duration for people: precise ("0.25s", "2m03s") for summaries, short
 * ("12s", "3m04s", "1h02m", "2d03h") for columns. */
void util_format_ms(uint64_t ms, int precise, char *buf, size_t len);

/* s made safe for a message on the user's terminal (allocated): C0
 * controls and DEL as \n, \t, \r or \x1b, C1 and bidi controls as \u009b
 * or \u202e, and bytes that are not UTF-8 as \xff; the rest is kept. */
char *util_clean(const char *s);

/* A message for people, formatted and made safe with util_clean: for every
 * message that quotes a name or a value from the user's files. */
char *util_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *util_vmessage(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t util_now_ms(void);

#endif
