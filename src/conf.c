/*
 * conf.c: brood.yaml and Procfiles, read into a struct conf.
 *
 * A config is checked whole before brood does anything with it, so a typo
 * costs one message instead of a half-started set of processes. The file is
 * read into memory and rejected if it is not UTF-8 (libyaml would stop at
 * the first bad byte with an error that has no line, and a Procfile has no
 * parser to stop it). A YAML file is then loaded with libyaml's document
 * API and walked once, in document order, so the error reported is the
 * first one in the file. Each node is checked where it is used, against its
 * own mark and the path of keys that led to it ("processes.web.cmd[2]").
 *
 * Invariants:
 * - Everything is built straight into the conf, and every slot is counted
 *   before it is filled, so conf_free releases a half-built conf as well as
 *   a whole one. A failed load leaves the conf zeroed.
 * - One cause per failure: the first problem found. Warnings (unknown keys)
 *   only outlive a load that succeeds.
 * - Every message passes through conf_clean, which escapes control
 *   characters: file names and values may hold escape sequences, and
 *   messages end up on the user's terminal.
 * - Environment lists never hold two entries of one name: conf_env_put
 *   replaces, so a later source (env over env_file) wins.
 *
 * Types in YAML: libyaml tags every scalar as a string, so a type is read
 * from the text. A plain ~, null or empty scalar is nothing; true and false
 * are the only booleans (YAML 1.2: "no" is not false, and a user who meant
 * it gets an error rather than a surprise); numbers are what the duration,
 * size and count parsers accept. Quoting changes nothing except that a
 * quoted empty string is a string. libyaml does not reject a repeated
 * mapping key (the spec forbids one, and the second would silently win), so
 * every mapping is checked for one before it is walked.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

#include "conf.h"
#include "status.h"
#include "util.h"

/* A config or .env file larger than this is a mistake (or /dev/zero). */
#define CONF_MAX_FILE (16u << 20)
/* Bytes of a value quoted in a message before it is cut short. */
#define CONF_SHOW_MAX 40

/* --- messages ------------------------------------------------------------ */

/* msg with C0 controls, DEL and C1 controls (U+0080-U+009F) escaped; frees msg. */
static char *
conf_clean(char *msg)
{
	const unsigned char *s = (const unsigned char *)msg;
	size_t len = strlen(msg), i;
	char *out = xmalloc(len * 6 + 1), *o = out;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			o += sprintf(o, "\\n");
		else if (s[i] == '\t')
			o += sprintf(o, "\\t");
		else if (s[i] == '\r')
			o += sprintf(o, "\\r");
		else if (s[i] < 0x20 || s[i] == 0x7f)
			o += sprintf(o, "\\x%02x", s[i]);
		else if (s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)
			o += sprintf(o, "\\u%04x", s[++i]);
		else
			*o++ = (char)s[i];
	}
	*o = '\0';
	free(msg);
	return out;
}

/* "FILE:LINE:COL: ...", "FILE:LINE: ..." (col 0) or "FILE: ..." (line 0). */
static char * __attribute__((format(printf, 4, 0)))
conf_vmsg(const char *file, size_t line, size_t col, const char *fmt, va_list ap)
{
	char *body, *msg;

	if (vasprintf(&body, fmt, ap) < 0)
		util_fatal("out of memory (formatting)");
	if (line == 0)
		msg = xasprintf("%s: %s", file, body);
	else if (col == 0)
		msg = xasprintf("%s:%zu: %s", file, line, body);
	else
		msg = xasprintf("%s:%zu:%zu: %s", file, line, col, body);
	free(body);
	return conf_clean(msg);
}

static char * __attribute__((format(printf, 4, 5)))
conf_msg(const char *file, size_t line, size_t col, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = conf_vmsg(file, line, col, fmt, ap);
	va_end(ap);
	return msg;
}

/* A value as messages quote it: 'text', cut short on a character boundary. */
static char *
conf_show(const char *s, size_t len)
{
	size_t n = len;

	if (n <= CONF_SHOW_MAX)
		return xasprintf("'%.*s'", (int)n, s);
	n = CONF_SHOW_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return xasprintf("'%.*s...'", (int)n, s);
}

/* Line and column (1-based, columns in characters as libyaml counts them)
 * of byte off in buf; a byte order mark takes no column. */
static void
conf_position(const char *buf, size_t len, size_t off, size_t *line, size_t *col)
{
	size_t i = 0;

	*line = 1;
	*col = 1;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 && off >= 3)
		i = 3;
	for (; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

/* --- files, paths, text ---------------------------------------------------- */

/* The whole of path, NUL-terminated (with room for nothing more). -1 with
 * errno; EFBIG past CONF_MAX_FILE. Reads to EOF, so a pipe works too. */
static int
conf_read(const char *path, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b;
	ssize_t r;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	b = xmalloc(cap);
	for (;;) {
		if (n + 1 == cap) {
			if (cap >= CONF_MAX_FILE) {
				errno = EFBIG;
				goto fail;
			}
			cap *= 2;
			b = xrealloc(b, cap);
		}
		r = read(fd, b + n, cap - 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
fail:
	saved = errno;
	close(fd);
	free(b);
	errno = saved;
	return -1;
}

/* The offset of the first byte that does not start a valid UTF-8 sequence
 * (no overlongs, surrogates or code points past U+10FFFF), or len. */
static size_t
conf_utf8_check(const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0, n, k;

	while (i < len) {
		unsigned char b = s[i], lo = 0x80, hi = 0xbf;

		if (b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf) {
			n = 1;
		} else if (b >= 0xe0 && b <= 0xef) {
			n = 2;
			if (b == 0xe0)
				lo = 0xa0;
			else if (b == 0xed)
				hi = 0x9f;
		} else if (b >= 0xf0 && b <= 0xf4) {
			n = 3;
			if (b == 0xf0)
				lo = 0x90;
			else if (b == 0xf4)
				hi = 0x8f;
		} else {
			return i;
		}
		if (len - i <= n || s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (k = 2; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
		i += n + 1;
	}
	return len;
}

static bool
conf_has_control(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return true;
	return false;
}

/* name in the folder that holds path, spelled from path as given, so that
 * messages about it read like the user's own command line. */
static char *
conf_sibling(const char *path, const char *name)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(name);
	return xasprintf("%.*s/%s", (int)(slash - path), path, name);
}

/* rel below the absolute folder dir, without the "./" people write. */
static char *
conf_join(const char *dir, const char *rel)
{
	while (rel[0] == '.' && rel[1] == '/') {
		rel += 2;
		while (*rel == '/')
			rel++;
	}
	if (*rel == '\0' || strcmp(rel, ".") == 0)
		return xstrdup(dir);
	if (strcmp(dir, "/") == 0)
		return xasprintf("/%s", rel);
	return xasprintf("%s/%s", dir, rel);
}

/* The absolute folder of path, symbolic links resolved; NULL with errno. */
static char *
conf_folder(const char *path)
{
	char *dot = conf_sibling(path, "."), *dir = realpath(dot, NULL);
	int saved = errno;

	free(dot);
	errno = saved;
	return dir;
}

static bool
conf_is_yaml(const char *path)
{
	size_t n = strlen(path);

	return (n >= 5 && strcasecmp(path + n - 5, ".yaml") == 0) ||
	    (n >= 4 && strcasecmp(path + n - 4, ".yml") == 0);
}

static void
conf_strv_free(char **v)
{
	char **p;

	if (v == NULL)
		return;
	for (p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

/* --- numbers ---------------------------------------------------------------- */

struct conf_unit {
	const char *name;
	uint64_t mult;
};

/* What a number means: its units, whether their case matters, and how a
 * message describes it. */
struct conf_kind {
	const struct conf_unit *units;
	bool fold;
	const char *expected;
};

static const struct conf_unit conf_duration_units[] = {
	{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	{ NULL, 0 },
};

static const struct conf_unit conf_size_units[] = {
	{ "", 1 }, { "b", 1 },
	{ "k", 1ull << 10 }, { "kb", 1ull << 10 }, { "kib", 1ull << 10 },
	{ "m", 1ull << 20 }, { "mb", 1ull << 20 }, { "mib", 1ull << 20 },
	{ "g", 1ull << 30 }, { "gb", 1ull << 30 }, { "gib", 1ull << 30 },
	{ "t", 1ull << 40 }, { "tb", 1ull << 40 }, { "tib", 1ull << 40 },
	{ NULL, 0 },
};

static const struct conf_unit conf_count_units[] = {
	{ "", 1 }, { NULL, 0 },
};

static const struct conf_kind conf_duration_kind = {
	conf_duration_units, false, "a duration such as 500ms, 5s, 2m or 1h",
};
static const struct conf_kind conf_size_kind = {
	conf_size_units, true, "a size such as 4096, 512K, 8M or 1G",
};
static const struct conf_kind conf_count_kind = {
	conf_count_units, false, "a whole number",
};

enum {
	CONF_NUM_OK = 0,
	CONF_NUM_BAD = -1,
	CONF_NUM_BIG = -2,
};

/* Digits, an optional fraction, and a unit of kind: nothing else, not even
 * spaces or a sign. A fraction needs a unit worth more than one (no half
 * bytes, lines or milliseconds); what is below one after scaling is
 * dropped. */
static int
conf_number(const char *s, const struct conf_kind *kind, uint64_t *out)
{
	const struct conf_unit *u;
	const char *p = s, *fs = NULL, *fe = NULL;
	uint64_t whole = 0, part = 0, v;
	bool big = false;

	if (*p < '0' || *p > '9')
		return CONF_NUM_BAD;
	for (; *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(whole, 10, &whole) ||
		    __builtin_add_overflow(whole, (uint64_t)(*p - '0'), &whole))
			big = true;
	if (*p == '.') {
		fs = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		fe = p;
		if (fe == fs)
			return CONF_NUM_BAD;
	}
	for (u = kind->units; u->name != NULL; u++)
		if (kind->fold ? strcasecmp(p, u->name) == 0 : strcmp(p, u->name) == 0)
			break;
	if (u->name == NULL || (fs != NULL && u->mult == 1))
		return CONF_NUM_BAD;
	/* floor(0.d1..dk * mult), exactly, from the last digit back: each step
	 * is floor((d * mult + part) / 10) with part < mult, so nothing
	 * overflows, and the floors taken on the way change nothing. */
	for (p = fe; fs != NULL && p > fs; p--)
		part = ((uint64_t)(p[-1] - '0') * u->mult + part) / 10;
	if (big || __builtin_mul_overflow(whole, u->mult, &v) ||
	    __builtin_add_overflow(v, part, &v))
		return CONF_NUM_BIG;
	*out = v;
	return CONF_NUM_OK;
}

int
conf_duration(const char *s, uint64_t *ms)
{
	return conf_number(s, &conf_duration_kind, ms) == CONF_NUM_OK ? 0 : -1;
}

int
conf_size(const char *s, uint64_t *bytes)
{
	return conf_number(s, &conf_size_kind, bytes) == CONF_NUM_OK ? 0 : -1;
}

/* --- .env files --------------------------------------------------------------- */

enum {
	CONF_ENV_OK = 0,
	CONF_ENV_UNREADABLE = -1,
	CONF_ENV_MALFORMED = -2,
};

/* Put "NAME=value" (taken) into the NULL-terminated list *env, replacing an
 * entry of the same name. */
static void
conf_env_put(char ***env, char *entry)
{
	size_t nlen = strcspn(entry, "="), n = 0;
	char **e = *env;

	if (e != NULL) {
		for (; e[n] != NULL; n++) {
			if (strncmp(e[n], entry, nlen + 1) == 0) {
				free(e[n]);
				e[n] = entry;
				return;
			}
		}
	}
	e = xreallocarray(e, n + 2, sizeof *e);
	e[n] = entry;
	e[n + 1] = NULL;
	*env = e;
}

static bool
conf_env_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static size_t
conf_skip_blank(const char *buf, size_t i, size_t end)
{
	while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	return i;
}

/* The quoted value starting at buf[*i], which may span lines: single quotes
 * are literal, double quotes know \n \t \r \" \\ (any other backslash is
 * kept). *i moves past the closing quote, *line over the lines crossed; -1
 * if the quote is never closed. */
static int
conf_env_quoted(const char *buf, size_t len, size_t *i, size_t *line, char **value)
{
	char q = buf[*i], *v, *o;
	size_t k, end;

	/* Find the end first, so the value costs its own size, not the file's. */
	for (end = *i + 1; end < len && buf[end] != q; end++)
		if (q == '"' && buf[end] == '\\' && end + 1 < len)
			end++;
	if (end >= len)
		return -1;
	v = o = xmalloc(end - *i);
	for (k = *i + 1; k < end; k++) {
		if (buf[k] == '\n')
			(*line)++;
		if (q == '"' && buf[k] == '\\') {
			switch (buf[k + 1]) {
			case 'n':
				*o++ = '\n';
				k++;
				continue;
			case 't':
				*o++ = '\t';
				k++;
				continue;
			case 'r':
				*o++ = '\r';
				k++;
				continue;
			case '"':
			case '\\':
				*o++ = buf[++k];
				continue;
			}
		}
		*o++ = buf[k];
	}
	*o = '\0';
	*value = v;
	*i = end + 1;
	return 0;
}

/* The entries of a .env file, buf (which this rewrites: CRLF becomes LF). */
static int
conf_env_parse(const char *path, char *buf, size_t len, char ***out, char **cause)
{
	size_t i, j, line = 1;
	const char *nul = memchr(buf, '\0', len);

	if (nul != NULL) {
		size_t col;

		conf_position(buf, len, (size_t)(nul - buf), &line, &col);
		*cause = conf_msg(path, line, 0, "the line holds a NUL byte");
		return -1;
	}
	for (i = j = 0; i < len; i++)
		if (buf[i] != '\r' || i + 1 == len || buf[i + 1] != '\n')
			buf[j++] = buf[i];
	len = j;
	buf[len] = '\0';
	i = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	while (i < len) {
		size_t eol, eq, ns, ne, vs, ve, at = line;
		char *value;

		i = conf_skip_blank(buf, i, len);
		if (i == len)
			break;
		if (buf[i] == '\n') {
			i++;
			line++;
			continue;
		}
		for (eol = i; eol < len && buf[eol] != '\n'; eol++)
			;
		if (buf[i] == '#') {
			i = eol;
			continue;
		}
		if (eol - i > 6 && strncmp(buf + i, "export", 6) == 0 &&
		    (buf[i + 6] == ' ' || buf[i + 6] == '\t'))
			i = conf_skip_blank(buf, i + 6, eol);
		for (eq = i; eq < eol && buf[eq] != '='; eq++)
			;
		if (eq == eol) {
			*cause = conf_msg(path, line, 0, "expected NAME=value");
			return -1;
		}
		ns = i;
		for (ne = eq; ne > ns && (buf[ne - 1] == ' ' || buf[ne - 1] == '\t'); ne--)
			;
		if (!conf_env_name_ok(buf + ns, ne - ns)) {
			char *shown = conf_show(buf + ns, ne - ns);

			*cause = conf_msg(path, line, 0, "%s is not a variable name "
			    "(letters, digits and '_', not first a digit)", shown);
			free(shown);
			return -1;
		}
		i = conf_skip_blank(buf, eq + 1, eol);
		if (i < eol && (buf[i] == '\'' || buf[i] == '"')) {
			char q = buf[i];

			if (conf_env_quoted(buf, len, &i, &line, &value) == -1) {
				*cause = conf_msg(path, at, 0, "no closing %s", q == '"' ?
				    "double quote" : "single quote");
				return -1;
			}
			i = conf_skip_blank(buf, i, len);
			if (i < len && buf[i] != '\n' && buf[i] != '#') {
				free(value);
				*cause = conf_msg(path, line, 0, "unexpected text after the closing quote");
				return -1;
			}
			while (i < len && buf[i] != '\n')
				i++;
		} else {
			/* " #" starts a comment; a '#' inside a word does not. */
			vs = eq + 1;
			for (ve = vs; ve < eol; ve++)
				if (buf[ve] == '#' && ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
					break;
			vs = conf_skip_blank(buf, vs, ve);
			while (ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
				ve--;
			value = xstrndup(buf + vs, ve - vs);
			i = eol;
		}
		conf_env_put(out, xasprintf("%.*s=%s", (int)(ne - ns), buf + ns, value));
		free(value);
	}
	return 0;
}

/* Merge the .env file at path into *env; a missing file is fine when
 * optional. *env is untouched on failure. */
static int
conf_env_read(const char *path, bool optional, char ***env, char **cause)
{
	char *buf, **got = NULL, **e;
	size_t len;
	int rc;

	if (conf_read(path, &buf, &len) == -1) {
		if (optional && errno == ENOENT)
			return CONF_ENV_OK;
		*cause = conf_msg(path, 0, 0, "%s", strerror(errno));
		return CONF_ENV_UNREADABLE;
	}
	rc = conf_env_parse(path, buf, len, &got, cause);
	free(buf);
	if (rc == -1) {
		conf_strv_free(got);
		return CONF_ENV_MALFORMED;
	}
	for (e = got; e != NULL && *e != NULL; e++)
		conf_env_put(env, *e);
	free(got);
	return CONF_ENV_OK;
}

int
conf_load_env(const char *path, char ***env, char **cause)
{
	return conf_env_read(path, false, env, cause) == CONF_ENV_OK ? 0 : -1;
}

/* --- YAML ------------------------------------------------------------------- */

struct conf_yaml {
	struct conf *c;
	yaml_document_t doc;
	char *cause;              /* the first error */
};

static yaml_node_t *
conf_yaml_node(struct conf_yaml *y, int i)
{
	return yaml_document_get_node(&y->doc, i);
}

static int __attribute__((format(printf, 3, 4)))
conf_yaml_fail(struct conf_yaml *y, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	if (y->cause == NULL) {
		va_start(ap, fmt);
		y->cause = conf_vmsg(y->c->path, n->start_mark.line + 1,
		    n->start_mark.column + 1, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void __attribute__((format(printf, 3, 4)))
conf_yaml_warn(struct conf_yaml *y, const yaml_node_t *n, const char *fmt, ...)
{
	struct conf *c = y->c;
	va_list ap;

	c->warnings = xreallocarray(c->warnings, c->nwarnings + 2, sizeof *c->warnings);
	va_start(ap, fmt);
	c->warnings[c->nwarnings++] = conf_vmsg(c->path, n->start_mark.line + 1,
	    n->start_mark.column + 1, fmt, ap);
	va_end(ap);
	c->warnings[c->nwarnings] = NULL;
}

static const char *
conf_yaml_str(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool
conf_yaml_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = conf_yaml_str(n);
	return strcmp(v, "") == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* What n is, for "got ...": a mapping, a list, nothing, or 'its text'. */
static char *
conf_yaml_what(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return xstrdup("a mapping");
	if (n->type == YAML_SEQUENCE_NODE)
		return xstrdup("a list");
	if (conf_yaml_null(n))
		return xstrdup("nothing");
	return conf_show(conf_yaml_str(n), n->data.scalar.length);
}

static int
conf_yaml_expected(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    const char *expected)
{
	char *what = conf_yaml_what(n);

	conf_yaml_fail(y, n, "%s: expected %s, got %s", where, expected, what);
	free(what);
	return -1;
}

/* The text of scalar n, or NULL for nothing. -1 if n is not a scalar, or
 * holds a NUL (a "\0" escape), which a C string would silently cut. */
static int
conf_yaml_text(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    const char *expected, const char **text)
{
	if (n->type != YAML_SCALAR_NODE)
		return conf_yaml_expected(y, n, where, expected);
	if (memchr(n->data.scalar.value, '\0', n->data.scalar.length) != NULL)
		return conf_yaml_fail(y, n, "%s: cannot hold a NUL character", where);
	*text = conf_yaml_null(n) ? NULL : conf_yaml_str(n);
	return 0;
}

/* A string that is neither nothing nor empty. */
static int
conf_yaml_string(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    const char **text)
{
	if (conf_yaml_text(y, n, where, "a string", text) == -1)
		return -1;
	if (*text == NULL)
		return conf_yaml_expected(y, n, where, "a string");
	if (**text == '\0')
		return conf_yaml_fail(y, n, "%s: cannot be empty", where);
	return 0;
}

static int
conf_yaml_bool(struct conf_yaml *y, const yaml_node_t *n, const char *where, bool *out)
{
	const char *t;

	if (conf_yaml_text(y, n, where, "true or false", &t) == -1)
		return -1;
	if (t != NULL && (strcmp(t, "true") == 0 || strcmp(t, "True") == 0 ||
	    strcmp(t, "TRUE") == 0))
		*out = true;
	else if (t != NULL && (strcmp(t, "false") == 0 || strcmp(t, "False") == 0 ||
	    strcmp(t, "FALSE") == 0))
		*out = false;
	else
		return conf_yaml_expected(y, n, where, "true or false");
	return 0;
}

/* A duration, size or count, which must be above zero: 0 means "not set"
 * in a struct conf, so a 0 in the file could only be ignored. */
static int
conf_yaml_number(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    const struct conf_kind *kind, uint64_t *out)
{
	const char *t;
	char *shown;
	uint64_t v = 0;
	int rc;

	if (conf_yaml_text(y, n, where, kind->expected, &t) == -1)
		return -1;
	rc = t == NULL ? CONF_NUM_BAD : conf_number(t, kind, &v);
	if (rc == CONF_NUM_OK && v > 0) {
		*out = v;
		return 0;
	}
	if (rc == CONF_NUM_BAD)
		return conf_yaml_expected(y, n, where, kind->expected);
	shown = conf_show(t, strlen(t));
	if (rc == CONF_NUM_BIG)
		conf_yaml_fail(y, n, "%s: %s is too large", where, shown);
	else
		conf_yaml_fail(y, n, "%s: must be more than zero, got %s", where, shown);
	free(shown);
	return -1;
}

static int
conf_yaml_size_t(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    const struct conf_kind *kind, size_t *out)
{
	uint64_t v;

	if (conf_yaml_number(y, n, where, kind, &v) == -1)
		return -1;
#if SIZE_MAX < UINT64_MAX
	if (v > SIZE_MAX) {
		char *shown = conf_show(conf_yaml_str(n), n->data.scalar.length);

		conf_yaml_fail(y, n, "%s: %s is too large", where, shown);
		free(shown);
		return -1;
	}
#endif
	*out = (size_t)v;
	return 0;
}

struct conf_key {
	const yaml_node_t *node;
	size_t order;
};

static bool
conf_key_same(const yaml_node_t *a, const yaml_node_t *b)
{
	return a->data.scalar.length == b->data.scalar.length &&
	    memcmp(a->data.scalar.value, b->data.scalar.value, a->data.scalar.length) == 0;
}

/* By text, then by place in the mapping. */
static int
conf_key_cmp(const void *a, const void *b)
{
	const struct conf_key *x = a, *z = b;
	size_t lx = x->node->data.scalar.length, lz = z->node->data.scalar.length;
	int d;

	if (lx != lz)
		return lx < lz ? -1 : 1;
	d = memcmp(x->node->data.scalar.value, z->node->data.scalar.value, lx);
	if (d != 0)
		return d;
	return (x->order > z->order) - (x->order < z->order);
}

/* Every key of map a string, and none twice; noun names a key in the
 * message ("duplicate process name 'web'"). where is NULL at the top. Sorted,
 * so a mapping of thousands of keys costs no more than its parse. */
static int
conf_yaml_keys(struct conf_yaml *y, const yaml_node_t *map, const char *where,
    const char *noun)
{
	const yaml_node_pair_t *pair, *start = map->data.mapping.pairs.start;
	size_t n = (size_t)(map->data.mapping.pairs.top - start), i, j, m = 0;
	struct conf_key *keys = xcalloc(n, sizeof *keys), *dup = NULL, *first = NULL;
	char *lead = where != NULL ? xasprintf("%s: ", where) : xstrdup("");
	int rc = 0;

	for (pair = start; rc == 0 && pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = conf_yaml_node(y, pair->key);

		if (k->type != YAML_SCALAR_NODE) {
			char *what = conf_yaml_what(k);

			rc = conf_yaml_fail(y, k, "%skeys must be strings, got %s", lead, what);
			free(what);
		} else if (memchr(k->data.scalar.value, '\0', k->data.scalar.length) != NULL) {
			rc = conf_yaml_fail(y, k, "%skeys cannot hold a NUL character", lead);
		} else {
			keys[m].node = k;
			keys[m].order = m;
			m++;
		}
	}
	if (rc == 0) {
		qsort(keys, m, sizeof *keys, conf_key_cmp);
		for (i = 1, j = 0; i < m; i++) {
			if (!conf_key_same(keys[i].node, keys[j].node)) {
				j = i;
			} else if (dup == NULL || keys[i].order < dup->order) {
				dup = &keys[i];
				first = &keys[j];
			}
		}
	}
	if (dup != NULL) {
		char *shown = conf_show(conf_yaml_str(dup->node), dup->node->data.scalar.length);

		rc = conf_yaml_fail(y, dup->node, "%sduplicate %s %s (first at line %zu)",
		    lead, noun, shown, first->node->start_mark.line + 1);
		free(shown);
	}
	free(lead);
	free(keys);
	return rc;
}

static int
conf_yaml_cmd(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    struct conf_proc *p)
{
	const char *t;

	if (n->type == YAML_SEQUENCE_NODE) {
		const yaml_node_item_t *items = n->data.sequence.items.start;
		size_t count = (size_t)(n->data.sequence.items.top - items), i;

		if (count == 0)
			return conf_yaml_fail(y, n, "%s: empty list", where);
		p->argv = xcalloc(count + 1, sizeof *p->argv);
		for (i = 0; i < count; i++) {
			const yaml_node_t *item = conf_yaml_node(y, items[i]);
			char *sub = xasprintf("%s[%zu]", where, i);
			int rc = conf_yaml_text(y, item, sub, "a string", &t);

			if (rc == 0 && t == NULL)
				rc = conf_yaml_expected(y, item, sub, "a string");
			if (rc == 0 && i == 0 && *t == '\0')
				rc = conf_yaml_fail(y, item, "%s: empty program name", sub);
			free(sub);
			if (rc == -1)
				return -1;
			p->argv[i] = xstrdup(t);
		}
		return 0;
	}
	if (conf_yaml_text(y, n, where, "a command (a string or a list)", &t) == -1)
		return -1;
	if (t == NULL || t[strspn(t, " \t\r\n")] == '\0')
		return conf_yaml_fail(y, n, "%s: empty command", where);
	p->cmd = xstrdup(t);
	return 0;
}

static int
conf_yaml_env(struct conf_yaml *y, const yaml_node_t *map, const char *where, char ***env)
{
	const yaml_node_pair_t *pair;

	if (map->type != YAML_MAPPING_NODE)
		return conf_yaml_expected(y, map, where, "a mapping");
	if (conf_yaml_keys(y, map, where, "variable") == -1)
		return -1;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = conf_yaml_node(y, pair->key);
		const yaml_node_t *v = conf_yaml_node(y, pair->value);
		const char *name = conf_yaml_str(k), *t;
		char *sub;
		int rc;

		if (*name == '\0' || conf_yaml_null(k))
			return conf_yaml_fail(y, k, "%s: variable names cannot be empty", where);
		if (strchr(name, '=') != NULL) {
			char *shown = conf_show(name, strlen(name));

			conf_yaml_fail(y, k, "%s: variable names cannot hold '=', got %s", where, shown);
			free(shown);
			return -1;
		}
		sub = xasprintf("%s.%s", where, name);
		rc = conf_yaml_text(y, v, sub, "a string", &t);
		free(sub);
		if (rc == -1)
			return -1;
		conf_env_put(env, xasprintf("%s=%s", name, t != NULL ? t : ""));
	}
	return 0;
}

static int
conf_yaml_env_file(struct conf_yaml *y, const yaml_node_t *n, const char *where, char ***env)
{
	const char *t;
	char *path, *cause = NULL;
	int rc;

	if (conf_yaml_string(y, n, where, &t) == -1)
		return -1;
	path = t[0] == '/' ? xstrdup(t) : conf_sibling(y->c->path, t);
	rc = conf_env_read(path, false, env, &cause);
	free(path);
	if (rc == CONF_ENV_UNREADABLE) {
		conf_yaml_fail(y, n, "%s: %s", where, cause);
	} else if (rc == CONF_ENV_MALFORMED && y->cause == NULL) {
		/* The line at fault is in the .env file: that is the place to name. */
		y->cause = cause;
		cause = NULL;
	}
	free(cause);
	return rc == CONF_ENV_OK ? 0 : -1;
}

static int
conf_yaml_signal(struct conf_yaml *y, const yaml_node_t *n, const char *where, int *sig)
{
	const char *t;
	char *shown;

	if (conf_yaml_text(y, n, where, "a signal name", &t) == -1)
		return -1;
	if (t == NULL)
		return conf_yaml_expected(y, n, where, "a signal name");
	*sig = status_signum(t);
	if (*sig > 0)
		return 0;
	shown = conf_show(t, strlen(t));
	conf_yaml_fail(y, n, "%s: no signal called %s", where, shown);
	free(shown);
	*sig = 0;
	return -1;
}

static int
conf_yaml_restart(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    enum proc_restart *out)
{
	const char *t;
	char *shown;

	if (conf_yaml_string(y, n, where, &t) == -1)
		return -1;
	if (strcmp(t, "no") == 0)
		*out = PROC_RESTART_NO;
	else if (strcmp(t, "on-failure") == 0)
		*out = PROC_RESTART_ON_FAILURE;
	else if (strcmp(t, "always") == 0)
		*out = PROC_RESTART_ALWAYS;
	else {
		shown = conf_show(t, strlen(t));
		conf_yaml_fail(y, n, "%s: expected no, on-failure or always, got %s", where, shown);
		free(shown);
		return -1;
	}
	return 0;
}

static int
conf_yaml_backoff(struct conf_yaml *y, const yaml_node_t *map, const char *where,
    struct conf_proc *p)
{
	const yaml_node_pair_t *pair;
	int rc;

	if (map->type != YAML_MAPPING_NODE)
		return conf_yaml_expected(y, map, where, "a mapping");
	rc = conf_yaml_keys(y, map, where, "key");
	for (pair = map->data.mapping.pairs.start;
	    rc == 0 && pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = conf_yaml_node(y, pair->key);
		const yaml_node_t *v = conf_yaml_node(y, pair->value);
		const char *key = conf_yaml_str(k);
		char *sub = xasprintf("%s.%s", where, key);

		if (strcmp(key, "first") == 0)
			rc = conf_yaml_number(y, v, sub, &conf_duration_kind, &p->backoff_first_ms);
		else if (strcmp(key, "max") == 0)
			rc = conf_yaml_number(y, v, sub, &conf_duration_kind, &p->backoff_max_ms);
		else {
			char *shown = conf_show(key, k->data.scalar.length);

			conf_yaml_warn(y, k, "unknown key %s (ignored)", shown);
			free(shown);
		}
		free(sub);
	}
	return rc;
}

/* The keys of one process's mapping. env_file and env are gathered apart
 * and merged at the end, env last, whatever their order in the file. */
static int
conf_yaml_proc_keys(struct conf_yaml *y, const yaml_node_t *map, const char *where,
    struct conf_proc *p, char ***file_env, char ***env)
{
	const yaml_node_pair_t *pair;
	int rc = conf_yaml_keys(y, map, where, "key");

	for (pair = map->data.mapping.pairs.start;
	    rc == 0 && pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = conf_yaml_node(y, pair->key);
		const yaml_node_t *v = conf_yaml_node(y, pair->value);
		const char *key = conf_yaml_str(k), *t;
		char *sub = xasprintf("%s.%s", where, key);

		if (strcmp(key, "cmd") == 0) {
			rc = conf_yaml_cmd(y, v, sub, p);
		} else if (strcmp(key, "cwd") == 0) {
			rc = conf_yaml_string(y, v, sub, &t);
			if (rc == 0)
				p->cwd = t[0] == '/' ? xstrdup(t) : conf_join(y->c->dir, t);
		} else if (strcmp(key, "env") == 0) {
			rc = conf_yaml_env(y, v, sub, env);
		} else if (strcmp(key, "env_file") == 0) {
			rc = conf_yaml_env_file(y, v, sub, file_env);
		} else if (strcmp(key, "autostart") == 0) {
			rc = conf_yaml_bool(y, v, sub, &p->autostart);
		} else if (strcmp(key, "stop_signal") == 0) {
			rc = conf_yaml_signal(y, v, sub, &p->stop_signal);
		} else if (strcmp(key, "stop_timeout") == 0) {
			rc = conf_yaml_number(y, v, sub, &conf_duration_kind, &p->stop_timeout_ms);
		} else if (strcmp(key, "restart") == 0) {
			rc = conf_yaml_restart(y, v, sub, &p->restart);
		} else if (strcmp(key, "backoff") == 0) {
			rc = conf_yaml_backoff(y, v, sub, p);
		} else if (strcmp(key, "max_restarts") == 0) {
			uint64_t n = 0;

			rc = conf_yaml_number(y, v, sub, &conf_count_kind, &n);
			if (rc == 0 && n > 1000000)
				rc = conf_yaml_fail(y, v, "%s: at most 1000000", sub);
			p->max_restarts = (unsigned)n;
		} else if (strcmp(key, "restart_window") == 0) {
			rc = conf_yaml_number(y, v, sub, &conf_duration_kind, &p->restart_window_ms);
		} else {
			char *shown = conf_show(key, k->data.scalar.length);

			conf_yaml_warn(y, k, "unknown key %s (ignored)", shown);
			free(shown);
		}
		free(sub);
	}
	return rc;
}

/* One process: a mapping of keys, or just its cmd (a string or a list). */
static int
conf_yaml_proc(struct conf_yaml *y, const yaml_node_t *key, const yaml_node_t *val)
{
	struct conf *c = y->c;
	struct conf_proc *p;
	const char *name = conf_yaml_str(key);
	char **file_env = NULL, **env = NULL, **e, *where;
	int rc;

	if (*name == '\0' || conf_yaml_null(key))
		return conf_yaml_fail(y, key, "processes: process names cannot be empty");
	if (conf_has_control(name))
		return conf_yaml_fail(y, key,
		    "processes: process names cannot hold control characters");
	p = &c->procs[c->nprocs++];
	p->name = xstrdup(name);
	p->autostart = true;
	where = xasprintf("processes.%s", name);
	if (val->type == YAML_MAPPING_NODE)
		rc = conf_yaml_proc_keys(y, val, where, p, &file_env, &env);
	else if (val->type == YAML_SEQUENCE_NODE || !conf_yaml_null(val))
		rc = conf_yaml_cmd(y, val, where, p);
	else
		rc = conf_yaml_expected(y, val, where, "a mapping or a command");
	if (rc == 0 && p->cmd == NULL && p->argv == NULL)
		rc = conf_yaml_fail(y, key, "%s: no cmd", where);
	if (p->cwd == NULL)
		p->cwd = xstrdup(c->dir);
	p->env = file_env;
	for (e = env; e != NULL && *e != NULL; e++)
		conf_env_put(&p->env, *e);
	free(env);
	free(where);
	return rc;
}

static int
conf_yaml_processes(struct conf_yaml *y, const yaml_node_t *map)
{
	const yaml_node_pair_t *pair;
	size_t n;

	if (map->type != YAML_MAPPING_NODE)
		return conf_yaml_expected(y, map, "processes", "a mapping of names to processes");
	n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	if (n == 0)
		return conf_yaml_fail(y, map, "processes: no processes");
	if (conf_yaml_keys(y, map, "processes", "process name") == -1)
		return -1;
	y->c->procs = xcalloc(n, sizeof *y->c->procs);
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++)
		if (conf_yaml_proc(y, conf_yaml_node(y, pair->key),
		    conf_yaml_node(y, pair->value)) == -1)
			return -1;
	return 0;
}

static int
conf_yaml_scrollback(struct conf_yaml *y, const yaml_node_t *map)
{
	const yaml_node_pair_t *pair;
	int rc;

	if (map->type != YAML_MAPPING_NODE)
		return conf_yaml_expected(y, map, "scrollback", "a mapping");
	rc = conf_yaml_keys(y, map, "scrollback", "key");
	for (pair = map->data.mapping.pairs.start;
	    rc == 0 && pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = conf_yaml_node(y, pair->key);
		const yaml_node_t *v = conf_yaml_node(y, pair->value);
		const char *key = conf_yaml_str(k);

		if (strcmp(key, "lines") == 0) {
			rc = conf_yaml_size_t(y, v, "scrollback.lines", &conf_count_kind,
			    &y->c->scroll_lines);
		} else if (strcmp(key, "bytes") == 0) {
			rc = conf_yaml_size_t(y, v, "scrollback.bytes", &conf_size_kind,
			    &y->c->scroll_bytes);
		} else {
			char *shown = conf_show(key, k->data.scalar.length);

			conf_yaml_warn(y, k, "unknown key %s (ignored)", shown);
			free(shown);
		}
	}
	return rc;
}

static int
conf_yaml_top(struct conf_yaml *y, const yaml_node_t *root)
{
	struct conf *c = y->c;
	const yaml_node_pair_t *pair;
	bool procs = false;
	int rc;

	if (root->type != YAML_MAPPING_NODE) {
		char *what = conf_yaml_what(root);

		conf_yaml_fail(y, root, "expected a mapping at the top, got %s", what);
		free(what);
		return -1;
	}
	rc = conf_yaml_keys(y, root, NULL, "key");
	for (pair = root->data.mapping.pairs.start;
	    rc == 0 && pair < root->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = conf_yaml_node(y, pair->key);
		const yaml_node_t *v = conf_yaml_node(y, pair->value);
		const char *key = conf_yaml_str(k), *t;

		if (strcmp(key, "interval") == 0) {
			rc = conf_yaml_number(y, v, key, &conf_duration_kind, &c->interval_ms);
		} else if (strcmp(key, "stop_timeout") == 0) {
			rc = conf_yaml_number(y, v, key, &conf_duration_kind, &c->stop_timeout_ms);
		} else if (strcmp(key, "theme") == 0) {
			rc = conf_yaml_string(y, v, key, &t);
			if (rc == 0)
				c->theme = xstrdup(t);
		} else if (strcmp(key, "scrollback") == 0) {
			rc = conf_yaml_scrollback(y, v);
		} else if (strcmp(key, "processes") == 0) {
			procs = true;
			rc = conf_yaml_processes(y, v);
		} else {
			char *shown = conf_show(key, k->data.scalar.length);

			conf_yaml_warn(y, k, "unknown key %s (ignored)", shown);
			free(shown);
		}
	}
	if (rc == 0 && !procs)
		rc = conf_yaml_fail(y, root, "no processes (expected a 'processes' mapping)");
	return rc;
}

/* libyaml's own complaint, placed. A reader error (a control character)
 * carries a byte offset instead of a mark. */
static char *
conf_yaml_problem(const char *path, const yaml_parser_t *parser, const char *buf, size_t len)
{
	const char *problem = parser->problem != NULL ? parser->problem : "cannot parse";
	size_t line, col;

	if (parser->error == YAML_MEMORY_ERROR)
		util_fatal("out of memory (parsing %s)", path);
	if (parser->error == YAML_READER_ERROR) {
		conf_position(buf, len, parser->problem_offset, &line, &col);
		return conf_msg(path, line, col, "%s", problem);
	}
	line = parser->problem_mark.line + 1;
	col = parser->problem_mark.column + 1;
	if (parser->context != NULL)
		return conf_msg(path, line, col, "%s (%s at %zu:%zu)", problem, parser->context,
		    parser->context_mark.line + 1, parser->context_mark.column + 1);
	return conf_msg(path, line, col, "%s", problem);
}

static int
conf_yaml_load(struct conf *c, const char *buf, size_t len, char **cause)
{
	struct conf_yaml y = { .c = c };
	yaml_document_t extra;
	yaml_parser_t parser;
	yaml_node_t *root;

	if (!yaml_parser_initialize(&parser))
		util_fatal("out of memory (parsing %s)", c->path);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	if (!yaml_parser_load(&parser, &y.doc)) {
		*cause = conf_yaml_problem(c->path, &parser, buf, len);
		yaml_parser_delete(&parser);
		return -1;
	}
	/* A second document would otherwise be ignored without a word. */
	if (!yaml_parser_load(&parser, &extra)) {
		y.cause = conf_yaml_problem(c->path, &parser, buf, len);
	} else {
		if (yaml_document_get_root_node(&extra) != NULL)
			y.cause = conf_msg(c->path, extra.start_mark.line + 1,
			    extra.start_mark.column + 1, "a second document (brood reads one)");
		yaml_document_delete(&extra);
	}
	yaml_parser_delete(&parser);
	root = yaml_document_get_root_node(&y.doc);
	if (y.cause == NULL && root == NULL)
		y.cause = conf_msg(c->path, 1, 1, "expected a mapping at the top, got nothing");
	if (y.cause == NULL)
		conf_yaml_top(&y, root);
	yaml_document_delete(&y.doc);
	if (y.cause != NULL) {
		*cause = y.cause;
		return -1;
	}
	return 0;
}

/* --- Procfiles ------------------------------------------------------------- */

static bool
conf_procfile_name_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

static bool
conf_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* One line, p to eol: nothing, a comment, or "name: command". lines[i] is
 * the line of procs[i], for the duplicate message. */
static int
conf_procfile_line(struct conf *c, const char *p, const char *eol, size_t line,
    size_t **lines, char **cause)
{
	const char *colon, *name_end, *cmd;
	struct conf_proc *proc;
	size_t nlen, i;
	char *shown;

	while (p < eol && conf_space(*p))
		p++;
	while (eol > p && conf_space(eol[-1]))
		eol--;
	if (p == eol || *p == '#')
		return 0;
	if (memchr(p, '\0', (size_t)(eol - p)) != NULL) {
		*cause = conf_msg(c->path, line, 1, "the line holds a NUL byte");
		return -1;
	}
	colon = memchr(p, ':', (size_t)(eol - p));
	if (colon == NULL) {
		*cause = conf_msg(c->path, line, 1, "expected 'name: command'");
		return -1;
	}
	for (name_end = colon; name_end > p && conf_space(name_end[-1]); name_end--)
		;
	nlen = (size_t)(name_end - p);
	if (nlen == 0) {
		*cause = conf_msg(c->path, line, 1, "empty process name");
		return -1;
	}
	shown = conf_show(p, nlen);
	if (!conf_procfile_name_ok(p, nlen)) {
		*cause = conf_msg(c->path, line, 1, "process names may only hold letters, "
		    "digits, '_', '-' and '.', got %s", shown);
		free(shown);
		return -1;
	}
	for (cmd = colon + 1; cmd < eol && conf_space(*cmd); cmd++)
		;
	if (cmd == eol) {
		*cause = conf_msg(c->path, line, 1, "empty command for %s", shown);
		free(shown);
		return -1;
	}
	for (i = 0; i < c->nprocs; i++) {
		if (strlen(c->procs[i].name) == nlen && memcmp(c->procs[i].name, p, nlen) == 0) {
			*cause = conf_msg(c->path, line, 1, "duplicate process name %s "
			    "(first on line %zu)", shown, (*lines)[i]);
			free(shown);
			return -1;
		}
	}
	free(shown);
	c->procs = xreallocarray(c->procs, c->nprocs + 1, sizeof *c->procs);
	*lines = xreallocarray(*lines, c->nprocs + 1, sizeof **lines);
	(*lines)[c->nprocs] = line;
	proc = &c->procs[c->nprocs++];
	memset(proc, 0, sizeof *proc);
	proc->name = xstrndup(p, nlen);
	proc->cmd = xstrndup(cmd, (size_t)(eol - cmd));
	proc->cwd = xstrdup(c->dir);
	proc->autostart = true;
	return 0;
}

static int
conf_procfile_load(struct conf *c, const char *buf, size_t len, char **cause)
{
	const char *p = buf, *end = buf + len, *eol;
	char **dotenv = NULL, **e, *envpath;
	size_t line = 0, *lines = NULL, i;
	int rc = 0;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (; rc == 0 && p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		rc = conf_procfile_line(c, p, eol, ++line, &lines, cause);
	}
	free(lines);
	if (rc == -1)
		return -1;
	if (c->nprocs == 0) {
		*cause = conf_msg(c->path, 1, 1, "no processes (expected 'name: command' lines)");
		return -1;
	}
	envpath = conf_sibling(c->path, ".env");
	rc = conf_env_read(envpath, true, &dotenv, cause);
	free(envpath);
	if (rc != CONF_ENV_OK)
		return -1;
	for (i = 0; i < c->nprocs; i++)
		for (e = dotenv; e != NULL && *e != NULL; e++)
			conf_env_put(&c->procs[i].env, xstrdup(*e));
	conf_strv_free(dotenv);
	return 0;
}

/* --- the interface ---------------------------------------------------------- */

char *
conf_find(const char *dir)
{
	/* brood.yaml first: a project that has both keeps its Procfile for
	 * other tools. mprocs.yaml and process-compose.yaml (asked for in the
	 * same issue) are not read yet: their keys differ from brood's, and a
	 * half-understood file would be worse than none. */
	static const char *const names[] = { "brood.yaml", "Procfile" };
	size_t i, n;

	if (dir == NULL || *dir == '\0')
		dir = ".";
	n = strlen(dir);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *path = xasprintf("%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", names[i]);

		if (access(path, F_OK) == 0)
			return path;
		free(path);
	}
	return NULL;
}

int
conf_load(struct conf *c, const char *path, char **cause)
{
	char *buf;
	size_t len, bad, line, col;
	int rc;

	memset(c, 0, sizeof *c);
	if (conf_read(path, &buf, &len) == -1) {
		*cause = conf_msg(path, 0, 0, "%s", strerror(errno));
		return -1;
	}
	c->path = xstrdup(path);
	bad = conf_utf8_check(buf, len);
	if (bad < len) {
		conf_position(buf, len, bad, &line, &col);
		*cause = conf_msg(path, line, col, "invalid UTF-8");
		rc = -1;
	} else if ((c->dir = conf_folder(path)) == NULL) {
		*cause = conf_msg(path, 0, 0, "its folder: %s", strerror(errno));
		rc = -1;
	} else if (conf_is_yaml(path)) {
		rc = conf_yaml_load(c, buf, len, cause);
	} else {
		rc = conf_procfile_load(c, buf, len, cause);
	}
	free(buf);
	if (rc == -1)
		conf_free(c);
	return rc;
}

void
conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nprocs; i++) {
		struct conf_proc *p = &c->procs[i];

		free(p->name);
		free(p->cmd);
		conf_strv_free(p->argv);
		free(p->cwd);
		conf_strv_free(p->env);
	}
	free(c->procs);
	free(c->path);
	free(c->dir);
	free(c->theme);
	conf_strv_free(c->warnings);
	memset(c, 0, sizeof *c);
}
