/*
 * conf-regex.c: regular expressions in a config, checked before the
 * supervisor compiles them.
 *
 * A ready probe's log pattern is a POSIX extended regex, compiled by
 * glibc's regcomp when the process is created. A config that loads must
 * not fail there, so the pattern is compiled here first, the same way;
 * and since regcomp's time and memory grow with the product of nested
 * bounds, not with the pattern's length, a pattern that would cost too
 * much is refused before regcomp sees it, by an estimate of the nodes it
 * would build. process-compose's ready_log_line is text, not a pattern:
 * it becomes the pattern that matches exactly that text.
 */
#include "config.h"

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf-int.h"
#include "util.h"

/* How many nodes glibc's regcomp builds for pattern, at most: it copies
 * what a bound repeats, so "((a{100}){100}){100}" is a million nodes, and
 * then its closures cost the square of that: "(a?){5000}" takes 800 MB
 * and most of a second, "(a?){30000}" more than 4 GB. CONF_RE_NODES keeps
 * the worst under 100 MB and a tenth of a second; a real pattern is far
 * below it ("[0-9]{1,3}(\.[0-9]{1,3}){3}" is 28).
 * Saturates at UINT64_MAX. *deep if groups nest past CONF_RE_DEPTH
 * (regcomp recurses on each). */
#define CONF_RE_DEPTH 64
#define CONF_RE_NODES 4096

static uint64_t
conf_regex_size(const char *s, bool *deep)
{
	struct {
		uint64_t total, last;
	} stack[CONF_RE_DEPTH];
	uint64_t total = 0, last = 0, f;
	size_t depth = 0;

	while (*s != '\0') {
		char ch = *s++;

		f = 0;
		if (ch == '(') {
			if (depth == CONF_RE_DEPTH) {
				*deep = true;
				return UINT64_MAX;
			}
			stack[depth].total = total;
			stack[depth].last = last;
			depth++;
			total = last = 0;
			continue;
		}
		if (ch == ')' && depth > 0) {
			uint64_t group = total + 1;

			depth--;
			total = stack[depth].total;
			if (__builtin_add_overflow(total, group, &total))
				return UINT64_MAX;
			last = group;
			continue;
		}
		if (ch == '|') {
			if (__builtin_add_overflow(total, 1, &total))
				return UINT64_MAX;
			last = 0;
			continue;
		}
		if (ch == '+') {
			f = 2;
		} else if (ch == '*' || ch == '?') {
			f = 1;
		} else if (ch == '{' && ((*s >= '0' && *s <= '9') || *s == ',')) {
			/* "{,N}" is glibc's "{0,N}". */
			uint64_t lo = 0, hi;

			for (; *s >= '0' && *s <= '9'; s++)
				lo = lo > 100000 ? lo : lo * 10 + (uint64_t)(*s - '0');
			hi = lo;
			if (*s == ',') {
				s++;
				hi = lo + 1;
				if (*s >= '0' && *s <= '9')
					for (hi = 0; *s >= '0' && *s <= '9'; s++)
						hi = hi > 100000 ? hi : hi * 10 + (uint64_t)(*s - '0');
			}
			f = (hi > lo ? hi : lo) + 1;
			if (*s == '}')
				s++;
		} else if (ch == '[') {
			/* A bracket expression is one node: "[]a]", "[^]a]", "[[:alpha:]]". */
			if (*s == '^')
				s++;
			if (*s == ']')
				s++;
			while (*s != '\0' && *s != ']') {
				if (*s == '[' && (s[1] == ':' || s[1] == '.' || s[1] == '=')) {
					char close = s[1];

					for (s += 2; *s != '\0' && !(s[0] == close && s[1] == ']'); s++)
						;
					if (*s != '\0')
						s += 2;
				} else {
					s++;
				}
			}
			if (*s == ']')
				s++;
		} else if (ch == '\\' && *s != '\0') {
			s++;
		}
		if (f != 0) {
			uint64_t grown;

			if (__builtin_mul_overflow(last, f, &grown) ||
			    __builtin_add_overflow(total - last, grown, &total))
				return UINT64_MAX;
			last = grown;
			continue;
		}
		if (__builtin_add_overflow(total, 1, &total))
			return UINT64_MAX;
		last = 1;
	}
	/* Groups never closed: regcomp has built (and copied) them all by the
	 * time it finds the pattern unbalanced. */
	while (depth > 0) {
		depth--;
		if (__builtin_add_overflow(stack[depth].total, total + 1, &total))
			return UINT64_MAX;
	}
	return total;
}

char *
conf_regex_problem(const char *pattern)
{
	bool deep = false;
	char err[256];
	regex_t re;
	int e;

	if (conf_regex_size(pattern, &deep) > CONF_RE_NODES) {
		if (deep)
			return xasprintf("the regular expression nests groups too deeply "
			    "(at most %d)", CONF_RE_DEPTH);
		return xstrdup("the regular expression is too large (its repetitions multiply)");
	}
	e = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
	if (e != 0) {
		regerror(e, &re, err, sizeof err);
		return xasprintf("bad regular expression: %s", err);
	}
	regfree(&re);
	return NULL;
}

/* ready_log_line: text to find in a line, taken literally. */
char *
conf_regex_quote(const char *s)
{
	char *out = xmalloc(strlen(s) * 2 + 1), *o = out;

	for (; *s != '\0'; s++) {
		if (strchr("\\^$.[]|()*+?{}", *s) != NULL)
			*o++ = '\\';
		*o++ = *s;
	}
	*o = '\0';
	return out;
}
