/*
 * util.c: allocation wrappers and the fatal path.
 *
 * Every allocation in brood goes through here, so there is one place where
 * "out of memory" is handled: the fatal hook runs (terminal restored, children
 * killed), then brood exits with EX_SOFTWARE. The hook runs at most once, even
 * if it fails and calls util_fatal itself.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void (*util_fatal_hook)(void);

void
util_set_fatal_hook(void (*hook)(void))
{
	util_fatal_hook = hook;
}

void
util_fatal(const char *fmt, ...)
{
	void (*hook)(void) = util_fatal_hook;
	va_list ap;

	util_fatal_hook = NULL;
	if (hook != NULL)
		hook();
	fputs("brood: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(70);
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size == 0 ? 1 : size);

	if (p == NULL)
		util_fatal("out of memory (%zu bytes)", size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL)
		util_fatal("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *
xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size == 0 ? 1 : size);

	if (q == NULL)
		util_fatal("out of memory (%zu bytes)", size);
	return q;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if (size != 0 && n > SIZE_MAX / size)
		util_fatal("out of memory (%zu x %zu bytes)", n, size);
	q = realloc(p, n * size == 0 ? 1 : n * size);
	if (q == NULL)
		util_fatal("out of memory (%zu x %zu bytes)", n, size);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		util_fatal("out of memory (formatting)");
	return s;
}

void
util_format_kib(uint64_t kib, char *buf, size_t len)
{
	if (kib < 1024)
		snprintf(buf, len, "%lluK", (unsigned long long)kib);
	else if (kib < 10 * 1024)
		snprintf(buf, len, "%.1fM", (double)kib / 1024);
	else if (kib < 1024 * 1024)
		snprintf(buf, len, "%lluM", (unsigned long long)(kib / 1024));
	else
		snprintf(buf, len, "%.1fG", (double)kib / (1024 * 1024));
}

void
util_format_ms(uint64_t ms, int precise, char *buf, size_t len)
{
	uint64_t s = ms / 1000;

	if (precise && ms < 60000)
		snprintf(buf, len, "%.2fs", (double)ms / 1000);
	else if (s < 60)
		snprintf(buf, len, "%us", (unsigned)s);
	else if (s < 3600)
		snprintf(buf, len, "%um%02us", (unsigned)(s / 60), (unsigned)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%uh%02um", (unsigned)(s / 3600), (unsigned)(s / 60 % 60));
	else
		snprintf(buf, len, "%ud%02uh", (unsigned)(s / 86400), (unsigned)(s / 3600 % 24));
}

uint64_t
util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The length of the well-formed UTF-8 character at s (its code point in
 * *cp), or 0. */
static size_t
util_utf8_char(const unsigned char *s, uint32_t *cp)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0, i;

	if (n == 0 || s[0] > 0xf4)
		return 0;
	*cp = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if (*cp < min[n] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

char *
util_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(strlen(s) * 6 + 1), *o = out;

	while (*p != '\0') {
		uint32_t cp;
		size_t n;

		if (*p == '\n' || *p == '\t' || *p == '\r')
			o += sprintf(o, "\\%c", *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r');
		else if (*p < 0x20 || *p == 0x7f)
			o += sprintf(o, "\\x%02x", *p);
		else if (*p < 0x80) {
			*o++ = (char)*p;
		} else if ((n = util_utf8_char(p, &cp)) == 0) {
			o += sprintf(o, "\\x%02x", *p);
		} else {
			/* Controls a terminal acts on, and the bidi controls
			 * that make text read otherwise than it is. */
			if (cp <= 0x9f || (cp >= 0x202a && cp <= 0x202e) ||
			    (cp >= 0x2066 && cp <= 0x2069))
				o += sprintf(o, "\\u%04x", (unsigned)cp);
			else {
				memcpy(o, p, n);
				o += n;
			}
			p += n;
			continue;
		}
		p++;
	}
	*o = '\0';
	return out;
}

char *
util_vmessage(const char *fmt, va_list ap)
{
	char *raw, *clean;

	if (vasprintf(&raw, fmt, ap) < 0)
		util_fatal("out of memory (formatting)");
	clean = util_clean(raw);
	free(raw);
	return clean;
}

char *
util_message(const char *fmt, ...)
{
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	msg = util_vmessage(fmt, ap);
	va_end(ap);
	return msg;
}
