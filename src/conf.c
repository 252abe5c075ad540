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
 * What only the whole file can tell (that every name in depends_on is a
 * process, that they make no cycle, where log files go under a log_dir
 * given after them) is checked at the end, still against the marks of the
 * nodes at fault. mprocs.yaml and process-compose.yaml are walked the same
 * way, by their own key names, into the same struct conf: what maps onto
 * brood is taken, what does not is a warning that names the key, and a
 * mapping that changes the meaning a little (an HTTP probe that becomes a
 * TCP one) is a warning that says so.
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
#include <regex.h>
#include <signal.h>
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

/* msg made safe for the terminal (util_clean); frees msg. */
static char *
conf_clean(char *msg)
{
	char *out = util_clean(msg);

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

static bool
conf_in(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* The three dialects of YAML brood reads, told apart by the file's name. */
enum conf_format {
	CONF_BROOD,
	CONF_MPROCS,
	CONF_COMPOSE,             /* process-compose */
};

/* Which YAML: mprocs and process-compose by their own file names (the base
 * name exactly), brood's for any other. */
static enum conf_format
conf_yaml_format(const char *path)
{
	static const char *const compose[] = {
		"process-compose.yaml", "process-compose.yml", "compose.yaml", "compose.yml", NULL,
	};
	static const char *const mprocs[] = { "mprocs.yaml", "mprocs.yml", NULL };
	const char *slash = strrchr(path, '/'), *base = slash != NULL ? slash + 1 : path;

	if (conf_in(base, mprocs))
		return CONF_MPROCS;
	if (conf_in(base, compose))
		return CONF_COMPOSE;
	return CONF_BROOD;
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

/* What is checked once the whole file is read, where the file says it. */
struct conf_yaml_proc {
	const yaml_node_t *deps;       /* the depends_on (or deps) node, or NULL */
	const yaml_node_t **dep_nodes; /* the name of each of the process's deps */
	size_t *to;                    /* the index of each, once resolved */
};

struct conf_yaml {
	struct conf *c;
	enum conf_format format;
	yaml_document_t doc;
	char *cause;              /* the first error */
	const char *section;      /* "processes", or mprocs's "procs" */
	const char *deps_key;     /* "depends_on", or mprocs's "deps" */
	struct conf_yaml_proc *px; /* one per slot of c->procs */
	size_t npx;
	char **global_env;        /* process-compose's top-level environment */
	uint64_t *warn_at;        /* where each warning is: line << 32 | column */
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
	y->warn_at = xreallocarray(y->warn_at, c->nwarnings + 1, sizeof *y->warn_at);
	y->warn_at[c->nwarnings] = (uint64_t)n->start_mark.line << 32 |
	    (uint32_t)n->start_mark.column;
	va_start(ap, fmt);
	c->warnings[c->nwarnings++] = conf_vmsg(c->path, n->start_mark.line + 1,
	    n->start_mark.column + 1, fmt, ap);
	va_end(ap);
	c->warnings[c->nwarnings] = NULL;
}

struct conf_warning {
	uint64_t at;
	size_t order;
	char *msg;
};

static int
conf_warning_cmp(const void *a, const void *b)
{
	const struct conf_warning *x = a, *z = b;

	if (x->at != z->at)
		return x->at < z->at ? -1 : 1;
	return (x->order > z->order) - (x->order < z->order);
}

/* Warnings in the file's order, though some are only known later (allow_env
 * without a clear_env after it) or found again through an alias; the same
 * place keeps the order they came in. */
static void
conf_yaml_sort_warnings(struct conf_yaml *y)
{
	struct conf *c = y->c;
	struct conf_warning *w = xcalloc(c->nwarnings, sizeof *w);
	size_t i;

	for (i = 0; i < c->nwarnings; i++) {
		w[i].at = y->warn_at[i];
		w[i].order = i;
		w[i].msg = c->warnings[i];
	}
	qsort(w, c->nwarnings, sizeof *w, conf_warning_cmp);
	for (i = 0; i < c->nwarnings; i++)
		c->warnings[i] = w[i].msg;
	free(w);
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

/* A key brood has never heard of: a typo, most likely. */
static void
conf_yaml_unknown(struct conf_yaml *y, const yaml_node_t *k)
{
	char *shown = conf_show(conf_yaml_str(k), k->data.scalar.length);

	conf_yaml_warn(y, k, "unknown key %s (ignored)", shown);
	free(shown);
}

/* A key of mprocs or process-compose that brood knows but cannot honour. */
static void
conf_yaml_unsupported(struct conf_yaml *y, const yaml_node_t *k)
{
	char *shown = conf_show(conf_yaml_str(k), k->data.scalar.length);

	conf_yaml_warn(y, k, "unsupported key %s (ignored)", shown);
	free(shown);
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

/* A duration, size or count; zero only where it means something (core: 0,
 * process-compose's "0: the default"). */
static int
conf_yaml_number_from(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    const struct conf_kind *kind, bool zero, uint64_t *out)
{
	const char *t;
	char *shown;
	uint64_t v = 0;
	int rc;

	if (conf_yaml_text(y, n, where, kind->expected, &t) == -1)
		return -1;
	rc = t == NULL ? CONF_NUM_BAD : conf_number(t, kind, &v);
	if (rc == CONF_NUM_OK && (v > 0 || zero)) {
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

/* A duration, size or count, which must be above zero: 0 means "not set"
 * in a struct conf, so a 0 in the file could only be ignored. */
static int
conf_yaml_number(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    const struct conf_kind *kind, uint64_t *out)
{
	return conf_yaml_number_from(y, n, where, kind, false, out);
}

/* A resource limit: a number that fits setrlimit's signed 64 bits. */
static int
conf_yaml_limit(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    const struct conf_kind *kind, bool zero, int64_t *out)
{
	uint64_t v;

	if (conf_yaml_number_from(y, n, where, kind, zero, &v) == -1)
		return -1;
	if (v > INT64_MAX) {
		char *shown = conf_show(conf_yaml_str(n), n->data.scalar.length);

		conf_yaml_fail(y, n, "%s: %s is too large", where, shown);
		free(shown);
		return -1;
	}
	*out = (int64_t)v;
	return 0;
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

/* None of keys[0..m) (scalars, order set to their place) twice: the
 * message names the second of the earliest pair. Sorted, so thousands of
 * names cost no more than their parse. keys is reordered. */
static int
conf_yaml_dups(struct conf_yaml *y, struct conf_key *keys, size_t m, const char *lead,
    const char *noun)
{
	struct conf_key *dup = NULL, *first = NULL;
	size_t i, j;
	int rc = 0;

	qsort(keys, m, sizeof *keys, conf_key_cmp);
	for (i = 1, j = 0; i < m; i++) {
		if (!conf_key_same(keys[i].node, keys[j].node)) {
			j = i;
		} else if (dup == NULL || keys[i].order < dup->order) {
			dup = &keys[i];
			first = &keys[j];
		}
	}
	if (dup != NULL) {
		char *shown = conf_show(conf_yaml_str(dup->node), dup->node->data.scalar.length);

		rc = conf_yaml_fail(y, dup->node, "%sduplicate %s %s (first at line %zu)",
		    lead, noun, shown, first->node->start_mark.line + 1);
		free(shown);
	}
	return rc;
}

/* Every key of map a string, and none twice; noun names a key in the
 * message ("duplicate process name 'web'"). where is NULL at the top. */
static int
conf_yaml_keys(struct conf_yaml *y, const yaml_node_t *map, const char *where,
    const char *noun)
{
	const yaml_node_pair_t *pair, *start = map->data.mapping.pairs.start;
	size_t n = (size_t)(map->data.mapping.pairs.top - start), m = 0;
	struct conf_key *keys = xcalloc(n, sizeof *keys);
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
	if (rc == 0)
		rc = conf_yaml_dups(y, keys, m, lead, noun);
	free(lead);
	free(keys);
	return rc;
}

/* mprocs picks a value by system: { $select: os, linux: A, $else: B }. The
 * node to use (n itself when it is no such choice; any node outside
 * mprocs.yaml), or NULL with the cause set. */
static const yaml_node_t *
conf_mprocs_select(struct conf_yaml *y, const yaml_node_t *n, const char *where)
{
	const yaml_node_pair_t *pair;
	const yaml_node_t *sel = NULL, *mine = NULL, *other = NULL;
	const char *t;
	char *sub;
	int rc;

	if (y->format != CONF_MPROCS || n->type != YAML_MAPPING_NODE)
		return n;
	if (conf_yaml_keys(y, n, where, "key") == -1)
		return NULL;
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		const char *key = conf_yaml_str(conf_yaml_node(y, pair->key));

		if (strcmp(key, "$select") == 0)
			sel = conf_yaml_node(y, pair->value);
		else if (strcmp(key, "linux") == 0)
			mine = conf_yaml_node(y, pair->value);
		else if (strcmp(key, "$else") == 0)
			other = conf_yaml_node(y, pair->value);
	}
	if (sel == NULL)
		return n;
	sub = xasprintf("%s.$select", where);
	rc = conf_yaml_text(y, sel, sub, "os", &t);
	if (rc == 0 && (t == NULL || strcmp(t, "os") != 0))
		rc = conf_yaml_expected(y, sel, sub, "os");
	free(sub);
	if (rc == -1)
		return NULL;
	if (mine == NULL)
		mine = other;
	if (mine == NULL)
		conf_yaml_fail(y, n, "%s: no value for linux, and no $else", where);
	return mine;
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
		v = conf_mprocs_select(y, v, sub);
		if (v != NULL && y->format == CONF_MPROCS && conf_yaml_null(v)) {
			/* mprocs: null takes the variable out of the environment. */
			conf_yaml_warn(y, k, "%s: cannot remove variables yet (ignored)", sub);
			free(sub);
			continue;
		}
		rc = v == NULL ? -1 : conf_yaml_text(y, v, sub, "a string", &t);
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
		else
			conf_yaml_unknown(y, k);
		free(sub);
	}
	return rc;
}

/* max_restarts: at most a million (0 too for process-compose, where it
 * means no limit, as it does here). */
static int
conf_yaml_max_restarts(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    bool zero, unsigned *out)
{
	uint64_t v = 0;

	if (conf_yaml_number_from(y, n, where, &conf_count_kind, zero, &v) == -1)
		return -1;
	if (v > 1000000)
		return conf_yaml_fail(y, n, "%s: at most 1000000", where);
	*out = (unsigned)v;
	return 0;
}

/* allow_env: names of brood's own variables a clear_env process keeps. */
static int
conf_yaml_allow_env(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    struct conf_proc *p)
{
	const yaml_node_item_t *items;
	struct conf_key *keys;
	size_t count, i;
	char *lead;
	int rc = 0;

	if (n->type != YAML_SEQUENCE_NODE)
		return conf_yaml_expected(y, n, where, "a list of variable names");
	items = n->data.sequence.items.start;
	count = (size_t)(n->data.sequence.items.top - items);
	keys = xcalloc(count, sizeof *keys);
	p->allow_env = xcalloc(count + 1, sizeof *p->allow_env);
	for (i = 0; rc == 0 && i < count; i++) {
		const yaml_node_t *item = conf_yaml_node(y, items[i]);
		char *sub = xasprintf("%s[%zu]", where, i);
		const char *t;

		rc = conf_yaml_text(y, item, sub, "a variable name", &t);
		if (rc == 0 && t == NULL)
			rc = conf_yaml_expected(y, item, sub, "a variable name");
		if (rc == 0 && !conf_env_name_ok(t, strlen(t))) {
			char *shown = conf_show(t, strlen(t));

			rc = conf_yaml_fail(y, item, "%s: %s is not a variable name "
			    "(letters, digits and '_', not first a digit)", sub, shown);
			free(shown);
		}
		if (rc == 0) {
			p->allow_env[i] = xstrdup(t);
			keys[i].node = item;
			keys[i].order = i;
		}
		free(sub);
	}
	lead = xasprintf("%s: ", where);
	if (rc == 0)
		rc = conf_yaml_dups(y, keys, count, lead, "name");
	free(lead);
	free(keys);
	return rc;
}

static int
conf_yaml_color(struct conf_yaml *y, const yaml_node_t *n, const char *where, bool *force)
{
	const char *t;
	char *shown;

	if (conf_yaml_string(y, n, where, &t) == -1)
		return -1;
	if (strcmp(t, "force") == 0) {
		*force = true;
		return 0;
	}
	if (strcmp(t, "auto") == 0) {
		*force = false;
		return 0;
	}
	shown = conf_show(t, strlen(t));
	conf_yaml_fail(y, n, "%s: expected force or auto, got %s", where, shown);
	free(shown);
	return -1;
}

/* limits: { cpu, address_space, open_files, core }; what is not given stays
 * -1 (inherited). */
static int
conf_yaml_limits(struct conf_yaml *y, const yaml_node_t *map, const char *where,
    struct proc_limits *l)
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

		if (strcmp(key, "cpu") == 0) {
			uint64_t ms = 0;

			/* RLIMIT_CPU counts whole seconds: round up, never to 0. */
			rc = conf_yaml_number(y, v, sub, &conf_duration_kind, &ms);
			if (rc == 0 && ms < 1000) {
				char *shown = conf_show(conf_yaml_str(v), v->data.scalar.length);

				rc = conf_yaml_fail(y, v, "%s: must be at least 1s, got %s", sub, shown);
				free(shown);
			}
			if (rc == 0)
				l->cpu_s = (int64_t)(ms / 1000 + (ms % 1000 != 0));
		} else if (strcmp(key, "address_space") == 0) {
			rc = conf_yaml_limit(y, v, sub, &conf_size_kind, false, &l->as_bytes);
		} else if (strcmp(key, "open_files") == 0) {
			rc = conf_yaml_limit(y, v, sub, &conf_count_kind, false, &l->nofile);
		} else if (strcmp(key, "core") == 0) {
			/* 0 is the point here: no core files. */
			rc = conf_yaml_limit(y, v, sub, &conf_size_kind, true, &l->core_bytes);
		} else {
			conf_yaml_unknown(y, k);
		}
		free(sub);
	}
	return rc;
}

/* nice: a whole number from -20 to 19, a sign allowed. */
static int
conf_yaml_nice(struct conf_yaml *y, const yaml_node_t *n, const char *where, int *nice)
{
	static const char expected[] = "a whole number from -20 to 19";
	const char *t, *d;
	int v = 0;

	if (conf_yaml_text(y, n, where, expected, &t) == -1)
		return -1;
	if (t == NULL)
		return conf_yaml_expected(y, n, where, expected);
	d = t + (*t == '-' || *t == '+');
	if (*d == '\0' || strlen(d) > 2 || strspn(d, "0123456789") != strlen(d))
		return conf_yaml_expected(y, n, where, expected);
	v = atoi(d) * (*t == '-' ? -1 : 1);
	if (v < -20 || v > 19)
		return conf_yaml_expected(y, n, where, expected);
	*nice = v;
	return 0;
}

/* log: a file, kept as written until the end of the walk, when log_dir
 * (wherever it is in the file) is known. */
static int
conf_yaml_log(struct conf_yaml *y, const yaml_node_t *n, const char *where, struct conf_proc *p)
{
	const char *t;
	size_t len;

	if (conf_yaml_string(y, n, where, &t) == -1)
		return -1;
	len = strlen(t);
	if (t[len - 1] == '/' || strcmp(t, ".") == 0 || strcmp(t, "..") == 0 ||
	    (len >= 2 && strcmp(t + len - 2, "/.") == 0) ||
	    (len >= 3 && strcmp(t + len - 3, "/..") == 0)) {
		char *shown = conf_show(t, len);

		conf_yaml_fail(y, n, "%s: expected a file, got the folder %s", where, shown);
		free(shown);
		return -1;
	}
	free(p->log);
	p->log = xstrdup(t);
	return 0;
}

static const struct {
	const char *name;
	enum proc_dep_cond cond;
} conf_dep_conds[] = {
	{ "started", PROC_DEP_STARTED },
	{ "ready", PROC_DEP_READY },
	{ "succeeded", PROC_DEP_SUCCEEDED },
	/* process-compose's names */
	{ "process_started", PROC_DEP_STARTED },
	{ "process_healthy", PROC_DEP_READY },
	{ "process_log_ready", PROC_DEP_READY },
	{ "process_completed_successfully", PROC_DEP_SUCCEEDED },
};

/* The condition of one dependency: started, ready or succeeded, or the
 * process-compose way, { condition: process_healthy }. */
static int
conf_yaml_dep_cond(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    enum proc_dep_cond *cond)
{
	static const char brood[] = "started, ready or succeeded";
	static const char compose[] = "process_started, process_healthy, process_log_ready "
	    "or process_completed_successfully";
	const yaml_node_t *cn = NULL;
	const char *t, *expected = brood;
	char *sub = NULL, *shown;
	size_t i;
	int rc = 0;

	if (n->type == YAML_MAPPING_NODE) {
		const yaml_node_pair_t *pair;

		rc = conf_yaml_keys(y, n, where, "key");
		for (pair = n->data.mapping.pairs.start;
		    rc == 0 && pair < n->data.mapping.pairs.top; pair++) {
			const yaml_node_t *k = conf_yaml_node(y, pair->key);

			if (strcmp(conf_yaml_str(k), "condition") == 0)
				cn = conf_yaml_node(y, pair->value);
			else
				conf_yaml_unknown(y, k);
		}
		if (rc == 0 && cn == NULL)
			rc = conf_yaml_fail(y, n, "%s: no condition", where);
		if (rc == -1)
			return -1;
		sub = xasprintf("%s.condition", where);
		where = sub;
		n = cn;
		expected = compose;
	}
	rc = conf_yaml_text(y, n, where, expected, &t);
	if (rc == 0 && t == NULL)
		rc = conf_yaml_expected(y, n, where, expected);
	for (i = 0; rc == 0 && i < sizeof conf_dep_conds / sizeof conf_dep_conds[0]; i++) {
		if (strcmp(t, conf_dep_conds[i].name) == 0) {
			*cond = conf_dep_conds[i].cond;
			free(sub);
			return 0;
		}
	}
	if (rc == 0 && strcmp(t, "process_completed") == 0) {
		/* Brood has no "ended, however": the nearest it has. */
		conf_yaml_warn(y, n, "%s: brood waits for a successful exit "
		    "(process_completed taken as process_completed_successfully)", where);
		*cond = PROC_DEP_SUCCEEDED;
		free(sub);
		return 0;
	}
	if (rc == 0) {
		shown = conf_show(t, strlen(t));
		rc = conf_yaml_fail(y, n, "%s: expected %s, got %s", where, expected, shown);
		free(shown);
	}
	free(sub);
	return -1;
}

/* depends_on: a list of names (each: started), or a mapping of names to
 * conditions. That the names exist, and make no cycle, is checked once
 * every process is known (conf_yaml_finish). */
static int
conf_yaml_deps(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    struct conf_proc *p)
{
	struct conf_yaml_proc *px = &y->px[p - y->c->procs];
	bool list = n->type == YAML_SEQUENCE_NODE;
	struct conf_key *keys;
	size_t count, i;
	int rc = 0;

	if (list) {
		count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	} else if (n->type == YAML_MAPPING_NODE) {
		count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
		if (conf_yaml_keys(y, n, where, "process name") == -1)
			return -1;
	} else {
		return conf_yaml_expected(y, n, where, "a list or a mapping of process names");
	}
	px->deps = n;
	px->dep_nodes = xcalloc(count, sizeof *px->dep_nodes);
	p->deps = xcalloc(count, sizeof *p->deps);
	keys = xcalloc(count, sizeof *keys);
	/* The names first, all of them, so a repeated one is the first error. */
	for (i = 0; rc == 0 && i < count; i++) {
		const yaml_node_t *nn;
		const char *t = NULL;

		if (list) {
			char *sub = xasprintf("%s[%zu]", where, i);

			nn = conf_yaml_node(y, n->data.sequence.items.start[i]);
			rc = conf_yaml_text(y, nn, sub, "a process name", &t);
			if (rc == 0 && t == NULL)
				rc = conf_yaml_expected(y, nn, sub, "a process name");
			free(sub);
		} else {
			nn = conf_yaml_node(y, n->data.mapping.pairs.start[i].key);
			t = conf_yaml_str(nn);
		}
		if (rc == 0 && *t == '\0')
			rc = conf_yaml_fail(y, nn, "%s: process names cannot be empty", where);
		px->dep_nodes[i] = nn;
		keys[i].node = nn;
		keys[i].order = i;
	}
	if (rc == 0 && list) {
		char *lead = xasprintf("%s: ", where);

		rc = conf_yaml_dups(y, keys, count, lead, "process name");
		free(lead);
	}
	free(keys);
	for (i = 0; rc == 0 && i < count; i++) {
		const yaml_node_t *nn = px->dep_nodes[i];
		const char *name = conf_yaml_str(nn);
		struct proc_dep *d;

		if (strcmp(name, p->name) == 0)
			return conf_yaml_fail(y, nn, "%s: a process cannot depend on itself", where);
		d = &p->deps[p->ndeps++];
		d->name = xstrdup(name);
		d->cond = PROC_DEP_STARTED;
		if (!list) {
			char *sub = xasprintf("%s.%s", where, name);

			rc = conf_yaml_dep_cond(y, conf_yaml_node(y,
			    n->data.mapping.pairs.start[i].value), sub, &d->cond);
			free(sub);
		}
	}
	return rc;
}

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

/* pattern compiles as a POSIX extended regex, as the supervisor will
 * compile it. */
static int
conf_yaml_regex(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    const char *pattern)
{
	bool deep = false;
	char err[256];
	regex_t re;
	int e;

	if (conf_regex_size(pattern, &deep) > CONF_RE_NODES) {
		if (deep)
			return conf_yaml_fail(y, n, "%s: the regular expression nests "
			    "groups too deeply (at most %d)", where, CONF_RE_DEPTH);
		return conf_yaml_fail(y, n, "%s: the regular expression is too large "
		    "(its repetitions multiply)", where);
	}
	e = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
	if (e != 0) {
		regerror(e, &re, err, sizeof err);
		return conf_yaml_fail(y, n, "%s: bad regular expression: %s", where, err);
	}
	regfree(&re);
	return 0;
}

/* A TCP port, 1 to 65535, in decimal. */
static bool
conf_port(const char *s, size_t len, int *port)
{
	size_t i;
	int v = 0;

	if (len == 0 || len > 5)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*port = v;
	return true;
}

/* tcp: PORT, HOST:PORT or [IPV6]:PORT. */
static int
conf_yaml_ready_tcp(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    struct proc_ready *r)
{
	static const char expected[] = "a port (1-65535) or HOST:PORT";
	const char *t, *colon, *host;
	size_t hlen = 0;

	if (conf_yaml_text(y, n, where, expected, &t) == -1)
		return -1;
	if (t == NULL)
		return conf_yaml_expected(y, n, where, expected);
	colon = strrchr(t, ':');
	host = t;
	if (colon != NULL) {
		hlen = (size_t)(colon - t);
		if (hlen >= 2 && t[0] == '[' && t[hlen - 1] == ']') {
			host++;
			hlen -= 2;
		} else if (memchr(t, ':', hlen) != NULL) {
			return conf_yaml_fail(y, n, "%s: an IPv6 address needs brackets: "
			    "[::1]:5432", where);
		}
		if (hlen == 0)
			return conf_yaml_expected(y, n, where, expected);
	}
	if (!conf_port(colon != NULL ? colon + 1 : t, strlen(colon != NULL ? colon + 1 : t),
	    &r->port))
		return conf_yaml_expected(y, n, where, expected);
	if (colon != NULL)
		r->host = xstrndup(host, hlen);
	r->kind = PROC_READY_TCP;
	return 0;
}

/* A command for sh -c that is more than blanks. */
static int
conf_yaml_shell(struct conf_yaml *y, const yaml_node_t *n, const char *where, char **out)
{
	const char *t;

	if (conf_yaml_text(y, n, where, "a command", &t) == -1)
		return -1;
	if (t == NULL || t[strspn(t, " \t\r\n")] == '\0')
		return conf_yaml_fail(y, n, "%s: empty command", where);
	*out = xstrdup(t);
	return 0;
}

/* ready: one of log, tcp and cmd, with period and timeout. */
static int
conf_yaml_ready(struct conf_yaml *y, const yaml_node_t *map, const char *where,
    struct proc_ready *r)
{
	const yaml_node_t *kind = NULL, *period = NULL;
	const yaml_node_pair_t *pair;
	int rc;

	if (map->type != YAML_MAPPING_NODE)
		return conf_yaml_expected(y, map, where, "a mapping");
	rc = conf_yaml_keys(y, map, where, "key");
	for (pair = map->data.mapping.pairs.start;
	    rc == 0 && pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = conf_yaml_node(y, pair->key);
		const yaml_node_t *v = conf_yaml_node(y, pair->value);
		const char *key = conf_yaml_str(k), *t;
		char *sub = xasprintf("%s.%s", where, key);

		if (strcmp(key, "log") == 0 || strcmp(key, "tcp") == 0 || strcmp(key, "cmd") == 0) {
			if (kind != NULL) {
				rc = conf_yaml_fail(y, k, "%s: only one of log, tcp and cmd "
				    "(%s is on line %zu)", where, conf_yaml_str(kind),
				    kind->start_mark.line + 1);
			} else if (key[0] == 'l') {
				rc = conf_yaml_string(y, v, sub, &t);
				if (rc == 0)
					rc = conf_yaml_regex(y, v, sub, t);
				if (rc == 0) {
					r->pattern = xstrdup(t);
					r->kind = PROC_READY_LOG;
				}
			} else if (key[0] == 't') {
				rc = conf_yaml_ready_tcp(y, v, sub, r);
			} else {
				rc = conf_yaml_shell(y, v, sub, &r->cmd);
				if (rc == 0)
					r->kind = PROC_READY_CMD;
			}
			kind = k;
		} else if (strcmp(key, "period") == 0) {
			rc = conf_yaml_number(y, v, sub, &conf_duration_kind, &r->period_ms);
			period = k;
		} else if (strcmp(key, "timeout") == 0) {
			rc = conf_yaml_number(y, v, sub, &conf_duration_kind, &r->timeout_ms);
		} else {
			conf_yaml_unknown(y, k);
		}
		free(sub);
	}
	if (rc == 0 && kind == NULL)
		rc = conf_yaml_fail(y, map, "%s: expected one of log, tcp or cmd", where);
	if (rc == 0 && period != NULL && r->kind == PROC_READY_LOG)
		conf_yaml_warn(y, period, "%s.period: a log probe has no period (ignored)", where);
	return rc;
}

/* The keys of one process's mapping. env_file and env are gathered apart
 * and merged at the end, env last, whatever their order in the file. */
static int
conf_yaml_proc_keys(struct conf_yaml *y, const yaml_node_t *map, const char *where,
    struct conf_proc *p, char ***file_env, char ***env)
{
	const yaml_node_t *allow = NULL;
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
		} else if (strcmp(key, "clear_env") == 0) {
			rc = conf_yaml_bool(y, v, sub, &p->clear_env);
		} else if (strcmp(key, "allow_env") == 0) {
			rc = conf_yaml_allow_env(y, v, sub, p);
			allow = k;
		} else if (strcmp(key, "color") == 0) {
			rc = conf_yaml_color(y, v, sub, &p->color_force);
		} else if (strcmp(key, "autostart") == 0) {
			rc = conf_yaml_bool(y, v, sub, &p->autostart);
		} else if (strcmp(key, "stop_signal") == 0) {
			rc = conf_yaml_signal(y, v, sub, &p->stop_signal);
		} else if (strcmp(key, "stop_timeout") == 0) {
			rc = conf_yaml_number(y, v, sub, &conf_duration_kind, &p->stop_timeout_ms);
		} else if (strcmp(key, "timeout") == 0) {
			rc = conf_yaml_number(y, v, sub, &conf_duration_kind, &p->timeout_ms);
		} else if (strcmp(key, "restart") == 0) {
			rc = conf_yaml_restart(y, v, sub, &p->restart);
		} else if (strcmp(key, "backoff") == 0) {
			rc = conf_yaml_backoff(y, v, sub, p);
		} else if (strcmp(key, "max_restarts") == 0) {
			rc = conf_yaml_max_restarts(y, v, sub, false, &p->max_restarts);
		} else if (strcmp(key, "restart_window") == 0) {
			rc = conf_yaml_number(y, v, sub, &conf_duration_kind, &p->restart_window_ms);
		} else if (strcmp(key, "limits") == 0) {
			rc = conf_yaml_limits(y, v, sub, &p->limits);
		} else if (strcmp(key, "nice") == 0) {
			rc = conf_yaml_nice(y, v, sub, &p->nice);
			p->nice_set = rc == 0;
		} else if (strcmp(key, "user") == 0 || strcmp(key, "group") == 0) {
			rc = conf_yaml_string(y, v, sub, &t);
			if (rc == 0 && key[0] == 'u')
				p->user = xstrdup(t);
			else if (rc == 0)
				p->group = xstrdup(t);
		} else if (strcmp(key, "log") == 0) {
			rc = conf_yaml_log(y, v, sub, p);
		} else if (strcmp(key, "depends_on") == 0) {
			rc = conf_yaml_deps(y, v, sub, p);
		} else if (strcmp(key, "ready") == 0) {
			rc = conf_yaml_ready(y, v, sub, &p->ready);
		} else {
			conf_yaml_unknown(y, k);
		}
		free(sub);
	}
	if (rc == 0 && allow != NULL && !p->clear_env)
		conf_yaml_warn(y, allow, "%s.allow_env: does nothing without clear_env: true", where);
	return rc;
}

/* A process's name, as a key of the processes (or procs) mapping. */
static int
conf_yaml_proc_name(struct conf_yaml *y, const yaml_node_t *key)
{
	const char *name = conf_yaml_str(key);

	if (*name == '\0' || conf_yaml_null(key))
		return conf_yaml_fail(y, key, "%s: process names cannot be empty", y->section);
	if (conf_has_control(name))
		return conf_yaml_fail(y, key,
		    "%s: process names cannot hold control characters", y->section);
	return 0;
}

/* The next slot of c->procs, with the defaults of every format. */
static struct conf_proc *
conf_proc_new(struct conf *c, const char *name)
{
	struct conf_proc *p = &c->procs[c->nprocs++];

	p->name = xstrdup(name);
	p->autostart = true;
	p->limits.cpu_s = -1;
	p->limits.as_bytes = -1;
	p->limits.nofile = -1;
	p->limits.core_bytes = -1;
	return p;
}

/* env over file_env, both taken. */
static void
conf_env_merge(struct conf_proc *p, char **file_env, char **env)
{
	char **e;

	p->env = file_env;
	for (e = env; e != NULL && *e != NULL; e++)
		conf_env_put(&p->env, *e);
	free(env);
}

/* One process: a mapping of keys, or just its cmd (a string or a list). */
static int
conf_yaml_proc(struct conf_yaml *y, const yaml_node_t *key, const yaml_node_t *val)
{
	struct conf *c = y->c;
	struct conf_proc *p;
	char **file_env = NULL, **env = NULL, *where;
	int rc;

	if (conf_yaml_proc_name(y, key) == -1)
		return -1;
	p = conf_proc_new(c, conf_yaml_str(key));
	where = xasprintf("processes.%s", p->name);
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
	conf_env_merge(p, file_env, env);
	free(where);
	return rc;
}

/* --- mprocs.yaml ------------------------------------------------------------ */

/* Keys of an mprocs process that brood has no use for. */
static const char *const conf_mprocs_proc_unsupported[] = { "add_path", "log", NULL };

/* mprocs's top-level keys that are about its own screen and server. */
static const char *const conf_mprocs_top_unsupported[] = {
	"server", "hide_keymap_window", "mouse_scroll_speed", "proc_list_width",
	"proc_list_title", "proc_log", "on_all_finished", "keymap_procs", "keymap_term",
	"keymap_copy", NULL,
};

/* stop: SIGINT, SIGTERM, SIGKILL or hard-kill; or a mapping (send-keys, cmd)
 * that brood cannot do. */
static int
conf_mprocs_stop(struct conf_yaml *y, const yaml_node_t *n, const char *where, int *sig)
{
	static const char expected[] = "SIGINT, SIGTERM, SIGKILL or hard-kill";
	const char *t;
	char *shown;

	if (n->type == YAML_MAPPING_NODE) {
		const yaml_node_pair_t *pair;

		if (conf_yaml_keys(y, n, where, "key") == -1)
			return -1;
		for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
			const yaml_node_t *k = conf_yaml_node(y, pair->key);
			const char *key = conf_yaml_str(k);

			if (strcmp(key, "send-keys") == 0 || strcmp(key, "cmd") == 0)
				conf_yaml_warn(y, k, "%s: brood cannot stop a process with %s: "
				    "it sends the stop signal (SIGTERM)", where, key);
			else
				conf_yaml_unknown(y, k);
		}
		return 0;
	}
	if (conf_yaml_text(y, n, where, expected, &t) == -1)
		return -1;
	if (t != NULL && strcmp(t, "SIGINT") == 0)
		*sig = SIGINT;
	else if (t != NULL && strcmp(t, "SIGTERM") == 0)
		*sig = SIGTERM;
	else if (t != NULL && (strcmp(t, "SIGKILL") == 0 || strcmp(t, "hard-kill") == 0))
		*sig = SIGKILL;
	else if (t == NULL)
		return conf_yaml_expected(y, n, where, expected);
	else {
		shown = conf_show(t, strlen(t));
		conf_yaml_fail(y, n, "%s: expected %s, got %s", where, expected, shown);
		free(shown);
		return -1;
	}
	return 0;
}

static int
conf_mprocs_proc_keys(struct conf_yaml *y, const yaml_node_t *map, const char *where,
    struct conf_proc *p, char ***env)
{
	const yaml_node_pair_t *pair;
	const yaml_node_t *run = NULL;
	int rc = conf_yaml_keys(y, map, where, "key");

	for (pair = map->data.mapping.pairs.start;
	    rc == 0 && pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = conf_yaml_node(y, pair->key);
		const yaml_node_t *v = conf_yaml_node(y, pair->value);
		const char *key = conf_yaml_str(k), *t;
		char *sub = xasprintf("%s.%s", where, key);
		bool b = false;

		if (strcmp(key, "shell") == 0 || strcmp(key, "cmd") == 0) {
			if (run != NULL) {
				rc = conf_yaml_fail(y, k, "%s: only one of shell and cmd "
				    "(%s is on line %zu)", where, conf_yaml_str(run),
				    run->start_mark.line + 1);
			} else if (key[0] == 's') {
				v = conf_mprocs_select(y, v, sub);
				rc = v == NULL ? -1 : conf_yaml_shell(y, v, sub, &p->cmd);
			} else if (v->type != YAML_SEQUENCE_NODE) {
				rc = conf_yaml_expected(y, v, sub, "a list (the program and "
				    "its arguments)");
			} else {
				rc = conf_yaml_cmd(y, v, sub, p);
			}
			run = k;
		} else if (strcmp(key, "cwd") == 0) {
			rc = conf_yaml_string(y, v, sub, &t);
			if (rc == 0 && strncmp(t, "<CONFIG_DIR>", 12) == 0) {
				for (t += 12; *t == '/'; t++)
					;
				p->cwd = conf_join(y->c->dir, t);
			} else if (rc == 0) {
				p->cwd = t[0] == '/' ? xstrdup(t) : conf_join(y->c->dir, t);
			}
		} else if (strcmp(key, "env") == 0) {
			rc = conf_yaml_env(y, v, sub, env);
		} else if (strcmp(key, "autostart") == 0) {
			rc = conf_yaml_bool(y, v, sub, &p->autostart);
		} else if (strcmp(key, "autorestart") == 0) {
			rc = conf_yaml_bool(y, v, sub, &b);
			p->restart = b ? PROC_RESTART_ALWAYS : PROC_RESTART_NO;
		} else if (strcmp(key, "stop") == 0) {
			rc = conf_mprocs_stop(y, v, sub, &p->stop_signal);
		} else if (strcmp(key, "deps") == 0) {
			rc = conf_yaml_deps(y, v, sub, p);
		} else if (conf_in(key, conf_mprocs_proc_unsupported)) {
			conf_yaml_unsupported(y, k);
		} else {
			conf_yaml_unknown(y, k);
		}
		free(sub);
	}
	return rc;
}

/* One of mprocs's procs: a shell command, an argv list, a mapping, or null
 * (mprocs: "disabled", so not there at all). */
static int
conf_mprocs_proc(struct conf_yaml *y, const yaml_node_t *key, const yaml_node_t *val)
{
	struct conf *c = y->c;
	struct conf_proc *p;
	char **env = NULL, *where;
	int rc;

	if (conf_yaml_proc_name(y, key) == -1)
		return -1;
	if (conf_yaml_null(val))
		return 0;
	p = conf_proc_new(c, conf_yaml_str(key));
	where = xasprintf("procs.%s", p->name);
	if (val->type == YAML_MAPPING_NODE)
		rc = conf_mprocs_proc_keys(y, val, where, p, &env);
	else
		rc = conf_yaml_cmd(y, val, where, p);
	if (rc == 0 && p->cmd == NULL && p->argv == NULL)
		rc = conf_yaml_fail(y, key, "%s: no shell or cmd", where);
	if (p->cwd == NULL)
		p->cwd = xstrdup(c->dir);
	conf_env_merge(p, NULL, env);
	free(where);
	return rc;
}

/* --- process-compose.yaml --------------------------------------------------- */

static const char *const conf_compose_proc_unsupported[] = {
	"name", "is_daemon", "entrypoint", "log_configuration", "liveness_probe",
	"disable_ansi_colors", "namespace", "replicas", "description", "vars",
	"is_foreground", "is_tty", "is_interactive", "is_elevated",
	"launch_timeout_seconds", "env_file", NULL,
};

static const char *const conf_compose_top_unsupported[] = {
	"log_level", "log_length", "log_configuration", "log_format", "shell", "is_strict",
	"vars", "disable_env_expansion", "is_tui_disabled", "extends", "env_cmds",
	"ordered_shutdown", "file_names", "env_file_names", NULL,
};

/* A number of seconds where process-compose takes 0 for "the default":
 * 0 here too, which a struct conf reads as not set. */
static int
conf_compose_seconds(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    uint64_t *ms)
{
	return conf_yaml_number_from(y, n, where, &conf_duration_kind, true, ms);
}

/* environment: ["NAME=value", ...] (or, as Docker Compose allows, a mapping). */
static int
conf_compose_env(struct conf_yaml *y, const yaml_node_t *n, const char *where, char ***env)
{
	const yaml_node_item_t *items;
	size_t count, i;

	if (n->type == YAML_MAPPING_NODE)
		return conf_yaml_env(y, n, where, env);
	if (n->type != YAML_SEQUENCE_NODE)
		return conf_yaml_expected(y, n, where, "a list of NAME=value");
	items = n->data.sequence.items.start;
	count = (size_t)(n->data.sequence.items.top - items);
	for (i = 0; i < count; i++) {
		const yaml_node_t *item = conf_yaml_node(y, items[i]);
		char *sub = xasprintf("%s[%zu]", where, i);
		const char *t;
		int rc = conf_yaml_text(y, item, sub, "NAME=value", &t);

		if (rc == 0 && t == NULL)
			rc = conf_yaml_expected(y, item, sub, "NAME=value");
		if (rc == 0 && (t[0] == '=' || strchr(t, '=') == NULL))
			rc = conf_yaml_expected(y, item, sub, "NAME=value");
		free(sub);
		if (rc == -1)
			return -1;
		conf_env_put(env, xstrdup(t));
	}
	return 0;
}

static int
conf_compose_restart(struct conf_yaml *y, const yaml_node_t *n, const char *where,
    enum proc_restart *out)
{
	static const char expected[] = "no, on_failure, always or exit_on_failure";
	const char *t;
	char *shown;

	if (conf_yaml_string(y, n, where, &t) == -1)
		return -1;
	if (strcmp(t, "no") == 0) {
		*out = PROC_RESTART_NO;
	} else if (strcmp(t, "on_failure") == 0) {
		*out = PROC_RESTART_ON_FAILURE;
	} else if (strcmp(t, "always") == 0) {
		*out = PROC_RESTART_ALWAYS;
	} else if (strcmp(t, "exit_on_failure") == 0) {
		conf_yaml_warn(y, n, "%s: brood does not exit when a process fails "
		    "(exit_on_failure taken as on_failure)", where);
		*out = PROC_RESTART_ON_FAILURE;
	} else {
		shown = conf_show(t, strlen(t));
		conf_yaml_fail(y, n, "%s: expected %s, got %s", where, expected, shown);
		free(shown);
		return -1;
	}
	return 0;
}

/* availability: restart, backoff_seconds, max_restarts. process-compose
 * waits the same time before every restart: brood's backoff then starts
 * and stays there (first = max). */
static int
conf_compose_availability(struct conf_yaml *y, const yaml_node_t *map, const char *where,
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

		if (strcmp(key, "restart") == 0) {
			rc = conf_compose_restart(y, v, sub, &p->restart);
		} else if (strcmp(key, "backoff_seconds") == 0) {
			rc = conf_compose_seconds(y, v, sub, &p->backoff_first_ms);
			p->backoff_max_ms = p->backoff_first_ms;
		} else if (strcmp(key, "max_restarts") == 0) {
			rc = conf_yaml_max_restarts(y, v, sub, true, &p->max_restarts);
		} else if (strcmp(key, "exit_on_end") == 0 || strcmp(key, "exit_on_skipped") == 0) {
			conf_yaml_unsupported(y, k);
		} else {
			conf_yaml_unknown(y, k);
		}
		free(sub);
	}
	return rc;
}

/* http_get: { host, port, path, scheme }. brood has no HTTP probe: it
 * waits for the port to take a TCP connection, and says so. */
static int
conf_compose_http(struct conf_yaml *y, const yaml_node_t *at, const yaml_node_t *map,
    const char *where, struct proc_ready *r)
{
	const yaml_node_pair_t *pair;
	const yaml_node_t *port = NULL;
	int rc;

	if (map->type != YAML_MAPPING_NODE)
		return conf_yaml_expected(y, map, where, "a mapping");
	rc = conf_yaml_keys(y, map, where, "key");
	for (pair = map->data.mapping.pairs.start;
	    rc == 0 && pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = conf_yaml_node(y, pair->key);
		const yaml_node_t *v = conf_yaml_node(y, pair->value);
		const char *key = conf_yaml_str(k), *t;
		char *sub = xasprintf("%s.%s", where, key);

		if (strcmp(key, "host") == 0) {
			rc = conf_yaml_string(y, v, sub, &t);
			if (rc == 0)
				r->host = xstrdup(t);
		} else if (strcmp(key, "port") == 0 || strcmp(key, "num_port") == 0) {
			rc = conf_yaml_text(y, v, sub, "a port (1-65535)", &t);
			if (rc == 0 && (t == NULL || !conf_port(t, strlen(t), &r->port)))
				rc = conf_yaml_expected(y, v, sub, "a port (1-65535)");
			if (rc == 0 && port != NULL)
				rc = conf_yaml_fail(y, k, "%s: only one of port and num_port", where);
			port = k;
		} else if (strcmp(key, "path") == 0 || strcmp(key, "scheme") == 0) {
			rc = conf_yaml_text(y, v, sub, "a string", &t);
		} else {
			conf_yaml_unknown(y, k);
		}
		free(sub);
	}
	if (rc == 0 && port == NULL)
		rc = conf_yaml_fail(y, map, "%s: no port", where);
	if (rc == 0) {
		r->kind = PROC_READY_TCP;
		conf_yaml_warn(y, at, "%s: brood has no HTTP probe: it waits until %s:%d "
		    "accepts a TCP connection instead", where,
		    r->host != NULL ? r->host : "127.0.0.1", r->port);
	}
	return rc;
}

static int
conf_compose_exec(struct conf_yaml *y, const yaml_node_t *map, const char *where,
    struct proc_ready *r)
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

		if (strcmp(key, "command") == 0)
			rc = conf_yaml_shell(y, v, sub, &r->cmd);
		else if (strcmp(key, "working_dir") == 0)
			conf_yaml_unsupported(y, k);
		else
			conf_yaml_unknown(y, k);
		free(sub);
	}
	if (rc == 0 && r->cmd == NULL)
		rc = conf_yaml_fail(y, map, "%s: no command", where);
	r->kind = PROC_READY_CMD;
	return rc;
}

/* readiness_probe: exec or http_get, and how often. */
static int
conf_compose_probe(struct conf_yaml *y, const yaml_node_t *map, const char *where,
    struct proc_ready *r)
{
	const yaml_node_pair_t *pair;
	const yaml_node_t *kind = NULL;
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

		if (strcmp(key, "exec") == 0 || strcmp(key, "http_get") == 0) {
			if (kind != NULL)
				rc = conf_yaml_fail(y, k, "%s: only one of exec and http_get "
				    "(%s is on line %zu)", where, conf_yaml_str(kind),
				    kind->start_mark.line + 1);
			else if (key[0] == 'e')
				rc = conf_compose_exec(y, v, sub, r);
			else
				rc = conf_compose_http(y, k, v, sub, r);
			kind = k;
		} else if (strcmp(key, "period_seconds") == 0) {
			rc = conf_compose_seconds(y, v, sub, &r->period_ms);
		} else if (strcmp(key, "timeout_seconds") == 0) {
			/* Not brood's ready.timeout: a limit on one check, which
			 * as a limit on the whole wait would give up on a
			 * database that takes longer to start than one check. */
			const char *t;

			rc = conf_yaml_text(y, v, sub, "a number of seconds", &t);
			if (rc == 0)
				conf_yaml_warn(y, k, "%s: a limit on one check, which brood "
				    "does not have (ignored)", sub);
		} else if (strcmp(key, "initial_delay_seconds") == 0 ||
		    strcmp(key, "success_threshold") == 0 ||
		    strcmp(key, "failure_threshold") == 0) {
			conf_yaml_unsupported(y, k);
		} else {
			conf_yaml_unknown(y, k);
		}
		free(sub);
	}
	if (rc == 0 && kind == NULL)
		rc = conf_yaml_fail(y, map, "%s: expected exec or http_get", where);
	return rc;
}

/* ready_log_line: text to find in a line, taken literally: a regex that
 * matches exactly it. */
static char *
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

/* shutdown: { signal: 15, timeout_seconds: 10 }. */
static int
conf_compose_shutdown(struct conf_yaml *y, const yaml_node_t *map, const char *where,
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

		if (strcmp(key, "signal") == 0)
			rc = conf_yaml_signal(y, v, sub, &p->stop_signal);
		else if (strcmp(key, "timeout_seconds") == 0)
			rc = conf_compose_seconds(y, v, sub, &p->stop_timeout_ms);
		else if (strcmp(key, "command") == 0 || strcmp(key, "parent_only") == 0)
			conf_yaml_unsupported(y, k);
		else
			conf_yaml_unknown(y, k);
		free(sub);
	}
	return rc;
}

static int
conf_compose_proc_keys(struct conf_yaml *y, const yaml_node_t *map, const char *where,
    struct conf_proc *p, char ***env)
{
	const yaml_node_pair_t *pair;
	const yaml_node_t *ready = NULL;
	int rc = conf_yaml_keys(y, map, where, "key");

	for (pair = map->data.mapping.pairs.start;
	    rc == 0 && pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = conf_yaml_node(y, pair->key);
		const yaml_node_t *v = conf_yaml_node(y, pair->value);
		const char *key = conf_yaml_str(k), *t;
		char *sub = xasprintf("%s.%s", where, key);
		bool b = false;

		if (strcmp(key, "command") == 0) {
			rc = conf_yaml_shell(y, v, sub, &p->cmd);
		} else if (strcmp(key, "working_dir") == 0) {
			rc = conf_yaml_string(y, v, sub, &t);
			if (rc == 0)
				p->cwd = t[0] == '/' ? xstrdup(t) : conf_join(y->c->dir, t);
		} else if (strcmp(key, "environment") == 0) {
			rc = conf_compose_env(y, v, sub, env);
		} else if (strcmp(key, "disabled") == 0) {
			rc = conf_yaml_bool(y, v, sub, &b);
			p->autostart = !b;
		} else if (strcmp(key, "availability") == 0) {
			rc = conf_compose_availability(y, v, sub, p);
		} else if (strcmp(key, "depends_on") == 0) {
			rc = conf_yaml_deps(y, v, sub, p);
		} else if (strcmp(key, "readiness_probe") == 0 ||
		    strcmp(key, "ready_log_line") == 0) {
			if (ready != NULL) {
				rc = conf_yaml_fail(y, k, "%s: only one of readiness_probe and "
				    "ready_log_line (%s is on line %zu)", where,
				    conf_yaml_str(ready), ready->start_mark.line + 1);
			} else if (strcmp(key, "readiness_probe") == 0) {
				rc = conf_compose_probe(y, v, sub, &p->ready);
			} else {
				rc = conf_yaml_string(y, v, sub, &t);
				if (rc == 0) {
					p->ready.pattern = conf_regex_quote(t);
					p->ready.kind = PROC_READY_LOG;
				}
			}
			ready = k;
		} else if (strcmp(key, "shutdown") == 0) {
			rc = conf_compose_shutdown(y, v, sub, p);
		} else if (strcmp(key, "log_location") == 0) {
			rc = conf_yaml_log(y, v, sub, p);
		} else if (conf_in(key, conf_compose_proc_unsupported)) {
			conf_yaml_unsupported(y, k);
		} else {
			conf_yaml_unknown(y, k);
		}
		free(sub);
	}
	return rc;
}

static int
conf_compose_proc(struct conf_yaml *y, const yaml_node_t *key, const yaml_node_t *val)
{
	struct conf *c = y->c;
	struct conf_proc *p;
	char **env = NULL, *where;
	int rc;

	if (conf_yaml_proc_name(y, key) == -1)
		return -1;
	p = conf_proc_new(c, conf_yaml_str(key));
	where = xasprintf("processes.%s", p->name);
	if (val->type == YAML_MAPPING_NODE)
		rc = conf_compose_proc_keys(y, val, where, p, &env);
	else
		rc = conf_yaml_expected(y, val, where, "a mapping");
	if (rc == 0 && p->cmd == NULL)
		rc = conf_yaml_fail(y, key, "%s: no command", where);
	if (p->cwd == NULL)
		p->cwd = xstrdup(c->dir);
	conf_env_merge(p, NULL, env);
	free(where);
	return rc;
}

/* --- YAML: the whole file ------------------------------------------------------ */

static int
conf_yaml_processes(struct conf_yaml *y, const yaml_node_t *map,
    int (*proc)(struct conf_yaml *, const yaml_node_t *, const yaml_node_t *))
{
	const yaml_node_pair_t *pair;
	size_t n;

	if (map->type != YAML_MAPPING_NODE)
		return conf_yaml_expected(y, map, y->section, "a mapping of names to processes");
	n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	if (n == 0)
		return conf_yaml_fail(y, map, "%s: no processes", y->section);
	if (conf_yaml_keys(y, map, y->section, "process name") == -1)
		return -1;
	y->c->procs = xcalloc(n, sizeof *y->c->procs);
	y->px = xcalloc(n, sizeof *y->px);
	y->npx = n;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++)
		if (proc(y, conf_yaml_node(y, pair->key), conf_yaml_node(y, pair->value)) == -1)
			return -1;
	if (y->c->nprocs == 0)
		return conf_yaml_fail(y, map, "%s: no processes (every one is null)", y->section);
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
			conf_yaml_unknown(y, k);
		}
	}
	return rc;
}

/* The dashboard's actions, as keys: names them. */
static const char *const conf_actions[] = {
	"quit", "quit-now", "help", "up", "down", "focus", "zoom", "layout", "terminate",
	"kill", "restart", "start", "pause", "signal", "filter", "search", "next",
	"previous", "add", "remove", "clear", "details", "tree", NULL,
};

#define CONF_KEY_MAX 16

/* keys: { action: key }; no key for two actions. */
static int
conf_yaml_bindings(struct conf_yaml *y, const yaml_node_t *map)
{
	struct conf *c = y->c;
	const yaml_node_pair_t *pair;
	size_t n, i;

	if (map->type != YAML_MAPPING_NODE)
		return conf_yaml_expected(y, map, "keys", "a mapping of actions to keys");
	if (conf_yaml_keys(y, map, "keys", "action") == -1)
		return -1;
	n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	c->keys = xcalloc(n, sizeof *c->keys);
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = conf_yaml_node(y, pair->key);
		const yaml_node_t *v = conf_yaml_node(y, pair->value);
		const char *action = conf_yaml_str(k), *t;
		struct conf_binding *b;
		char *sub, *shown;
		int rc;

		if (!conf_in(action, conf_actions)) {
			shown = conf_show(action, k->data.scalar.length);
			conf_yaml_fail(y, k, "keys: no action called %s", shown);
			free(shown);
			return -1;
		}
		sub = xasprintf("keys.%s", action);
		rc = conf_yaml_string(y, v, sub, &t);
		if (rc == 0 && strlen(t) > CONF_KEY_MAX) {
			shown = conf_show(t, strlen(t));
			rc = conf_yaml_fail(y, v, "%s: at most %d bytes, got %s", sub,
			    CONF_KEY_MAX, shown);
			free(shown);
		}
		if (rc == 0 && conf_has_control(t))
			rc = conf_yaml_fail(y, v, "%s: cannot hold control characters", sub);
		for (i = 0; rc == 0 && i < c->nkeys; i++) {
			if (strcmp(c->keys[i].key, t) == 0) {
				shown = conf_show(t, strlen(t));
				rc = conf_yaml_fail(y, v, "%s: %s is already the key for %s", sub,
				    shown, c->keys[i].action);
				free(shown);
			}
		}
		free(sub);
		if (rc == -1)
			return -1;
		b = &c->keys[c->nkeys++];
		b->action = xstrdup(action);
		b->key = xstrdup(t);
	}
	return 0;
}

struct conf_name {
	const char *name;
	size_t i;
};

static int
conf_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct conf_name *)a)->name, ((const struct conf_name *)b)->name);
}

/* Every dependency names a process: each is resolved into px[].to. */
static int
conf_yaml_resolve(struct conf_yaml *y)
{
	struct conf *c = y->c;
	struct conf_name *names = xcalloc(c->nprocs, sizeof *names);
	size_t i, j;
	int rc = 0;

	for (i = 0; i < c->nprocs; i++) {
		names[i].name = c->procs[i].name;
		names[i].i = i;
	}
	qsort(names, c->nprocs, sizeof *names, conf_name_cmp);
	for (i = 0; rc == 0 && i < c->nprocs; i++) {
		struct conf_proc *p = &c->procs[i];
		struct conf_yaml_proc *px = &y->px[i];

		px->to = xcalloc(p->ndeps, sizeof *px->to);
		for (j = 0; rc == 0 && j < p->ndeps; j++) {
			struct conf_name key = { p->deps[j].name, 0 }, *hit;

			hit = bsearch(&key, names, c->nprocs, sizeof *names, conf_name_cmp);
			if (hit != NULL) {
				px->to[j] = hit->i;
			} else {
				char *shown = conf_show(p->deps[j].name, strlen(p->deps[j].name));

				rc = conf_yaml_fail(y, px->dep_nodes[j], "%s.%s.%s: no process called %s",
				    y->section, p->name, y->deps_key, shown);
				free(shown);
			}
		}
	}
	free(names);
	return rc;
}

/* The names of a cycle a message shows; the rest are counted. */
#define CONF_CYCLE_SHOWN 16

/* No process waits, through its dependencies, for itself. Depth first
 * from each process in the file's order; the cycle found is shown from its
 * process that comes first in the file, and reported at its depends_on. */
static int
conf_yaml_cycles(struct conf_yaml *y)
{
	enum { NEW, ON_PATH, DONE };
	struct conf *c = y->c;
	size_t n = c->nprocs, *path = xcalloc(n, sizeof *path), *next = xcalloc(n, sizeof *next);
	unsigned char *state = xcalloc(n, 1);
	size_t s, depth, k, start = 0, first = 0, len = 0;
	int rc = 0;

	for (s = 0; len == 0 && s < n; s++) {
		if (state[s] != NEW)
			continue;
		depth = 0;
		path[depth++] = s;
		state[s] = ON_PATH;
		while (len == 0 && depth > 0) {
			size_t v = path[depth - 1], w;

			if (next[v] == c->procs[v].ndeps) {
				state[v] = DONE;
				depth--;
				continue;
			}
			w = y->px[v].to[next[v]++];
			if (state[w] == NEW) {
				state[w] = ON_PATH;
				path[depth++] = w;
			} else if (state[w] == ON_PATH) {
				for (start = depth - 1; path[start] != w; start--)
					;
				len = depth - start;
			}
		}
	}
	if (len > 0) {
		size_t lo = start, shown = len > CONF_CYCLE_SHOWN ? CONF_CYCLE_SHOWN : len;
		size_t size = sizeof "... (18446744073709551615 more) -> ";
		char *text, *o;

		for (k = start; k < start + len; k++)
			if (path[k] < path[lo])
				lo = k;
		first = path[lo];
		/* Sized first: a cycle can be as long as the file. */
		for (k = 0; k < shown; k++)
			size += strlen(c->procs[path[start + (lo - start + k) % len]].name) + 4;
		size += strlen(c->procs[first].name);
		text = o = xmalloc(size);
		for (k = 0; k < shown; k++)
			o += sprintf(o, "%s -> ", c->procs[path[start + (lo - start + k) % len]].name);
		if (shown < len)
			o += sprintf(o, "... (%zu more) -> ", len - shown);
		sprintf(o, "%s", c->procs[first].name);
		rc = conf_yaml_fail(y, y->px[first].deps, "%s.%s.%s: a cycle: %s", y->section,
		    c->procs[first].name, y->deps_key, text);
		free(text);
	}
	free(path);
	free(next);
	free(state);
	return rc;
}

/* What needs the whole file: dependencies by name, log files under a
 * log_dir given anywhere, process-compose's environment for everyone
 * (each process's own over it). */
static int
conf_yaml_finish(struct conf_yaml *y)
{
	struct conf *c = y->c;
	size_t i;
	char **g;

	if (conf_yaml_resolve(y) == -1 || conf_yaml_cycles(y) == -1)
		return -1;
	for (i = 0; i < c->nprocs; i++) {
		struct conf_proc *p = &c->procs[i];

		if (p->log != NULL && p->log[0] != '/') {
			char *abs = conf_join(c->log_dir != NULL ? c->log_dir : c->dir, p->log);

			free(p->log);
			p->log = abs;
		}
		if (y->global_env != NULL) {
			char **env = NULL, **e;

			for (g = y->global_env; *g != NULL; g++)
				conf_env_put(&env, xstrdup(*g));
			for (e = p->env; e != NULL && *e != NULL; e++)
				conf_env_put(&env, *e);
			free(p->env);
			p->env = env;
		}
	}
	return 0;
}

static int
conf_yaml_top(struct conf_yaml *y, const yaml_node_t *root)
{
	struct conf *c = y->c;
	const yaml_node_pair_t *pair;
	bool procs = false;
	int rc;

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
		} else if (strcmp(key, "log_dir") == 0) {
			rc = conf_yaml_string(y, v, key, &t);
			if (rc == 0)
				c->log_dir = t[0] == '/' ? xstrdup(t) : conf_join(c->dir, t);
		} else if (strcmp(key, "keys") == 0) {
			rc = conf_yaml_bindings(y, v);
		} else if (strcmp(key, "processes") == 0) {
			procs = true;
			rc = conf_yaml_processes(y, v, conf_yaml_proc);
		} else {
			conf_yaml_unknown(y, k);
		}
	}
	if (rc == 0 && !procs)
		rc = conf_yaml_fail(y, root, "no processes (expected a 'processes' mapping)");
	return rc;
}

static int
conf_mprocs_top(struct conf_yaml *y, const yaml_node_t *root)
{
	const yaml_node_pair_t *pair;
	bool procs = false;
	int rc;

	rc = conf_yaml_keys(y, root, NULL, "key");
	for (pair = root->data.mapping.pairs.start;
	    rc == 0 && pair < root->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = conf_yaml_node(y, pair->key);
		const yaml_node_t *v = conf_yaml_node(y, pair->value);
		const char *key = conf_yaml_str(k);

		if (strcmp(key, "procs") == 0) {
			procs = true;
			rc = conf_yaml_processes(y, v, conf_mprocs_proc);
		} else if (strcmp(key, "scrollback") == 0) {
			rc = conf_yaml_size_t(y, v, key, &conf_count_kind, &y->c->scroll_lines);
		} else if (conf_in(key, conf_mprocs_top_unsupported)) {
			conf_yaml_unsupported(y, k);
		} else {
			conf_yaml_unknown(y, k);
		}
	}
	if (rc == 0 && !procs)
		rc = conf_yaml_fail(y, root, "no processes (expected a 'procs' mapping)");
	return rc;
}

static int
conf_compose_top(struct conf_yaml *y, const yaml_node_t *root)
{
	const yaml_node_pair_t *pair;
	bool procs = false, services = false;
	int rc;

	rc = conf_yaml_keys(y, root, NULL, "key");
	for (pair = root->data.mapping.pairs.start;
	    rc == 0 && pair < root->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = conf_yaml_node(y, pair->key);
		const yaml_node_t *v = conf_yaml_node(y, pair->value);
		const char *key = conf_yaml_str(k), *t;

		if (strcmp(key, "version") == 0) {
			rc = conf_yaml_text(y, v, key, "a version", &t);
		} else if (strcmp(key, "processes") == 0) {
			procs = true;
			rc = conf_yaml_processes(y, v, conf_compose_proc);
		} else if (strcmp(key, "environment") == 0) {
			rc = conf_compose_env(y, v, key, &y->global_env);
		} else if (strcmp(key, "log_location") == 0) {
			/* One file for every process's output: brood writes one
			 * per process (log_location under each), or none. */
			rc = conf_yaml_text(y, v, key, "a path", &t);
			if (rc == 0)
				conf_yaml_warn(y, k, "log_location: brood has no log shared by "
				    "every process (ignored; give each its own log_location)");
		} else if (conf_in(key, conf_compose_top_unsupported)) {
			conf_yaml_unsupported(y, k);
		} else {
			services = services || strcmp(key, "services") == 0;
			conf_yaml_unknown(y, k);
		}
	}
	if (rc == 0 && !procs)
		rc = conf_yaml_fail(y, root, "no processes (expected a 'processes' mapping%s)",
		    services ? "; 'services' is Docker Compose's" : "");
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

/* The root, in the dialect of the file, then what needs all of it. */
static int
conf_yaml_root(struct conf_yaml *y, const yaml_node_t *root)
{
	int rc;

	if (root->type != YAML_MAPPING_NODE) {
		char *what = conf_yaml_what(root);

		conf_yaml_fail(y, root, "expected a mapping at the top, got %s", what);
		free(what);
		return -1;
	}
	if (y->format == CONF_MPROCS)
		rc = conf_mprocs_top(y, root);
	else if (y->format == CONF_COMPOSE)
		rc = conf_compose_top(y, root);
	else
		rc = conf_yaml_top(y, root);
	return rc == 0 ? conf_yaml_finish(y) : -1;
}

static int
conf_yaml_load(struct conf *c, enum conf_format format, const char *buf, size_t len,
    char **cause)
{
	struct conf_yaml y = {
		.c = c,
		.format = format,
		.section = format == CONF_MPROCS ? "procs" : "processes",
		.deps_key = format == CONF_MPROCS ? "deps" : "depends_on",
	};
	yaml_document_t extra;
	yaml_parser_t parser;
	yaml_node_t *root;
	size_t i;

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
		conf_yaml_root(&y, root);
	yaml_document_delete(&y.doc);
	conf_yaml_sort_warnings(&y);
	for (i = 0; i < y.npx; i++) {
		free(y.px[i].dep_nodes);
		free(y.px[i].to);
	}
	free(y.px);
	conf_strv_free(y.global_env);
	free(y.warn_at);
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
	char *shown, *name;

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
	memset(&c->procs[c->nprocs], 0, sizeof c->procs[c->nprocs]);
	name = xstrndup(p, nlen);
	proc = conf_proc_new(c, name);
	free(name);
	proc->cmd = xstrndup(cmd, (size_t)(eol - cmd));
	proc->cwd = xstrdup(c->dir);
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
	 * other tools. Then the files of the tools brood stands in for. Not
	 * compose.yaml, which is Docker Compose's name as much as
	 * process-compose's: that one is read only when named (-c). */
	static const char *const names[] = {
		"brood.yaml", "Procfile", "mprocs.yaml", "process-compose.yaml",
		"process-compose.yml",
	};
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
		rc = conf_yaml_load(c, conf_yaml_format(path), buf, len, cause);
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
	size_t i, j;

	for (i = 0; i < c->nprocs; i++) {
		struct conf_proc *p = &c->procs[i];

		free(p->name);
		free(p->cmd);
		conf_strv_free(p->argv);
		free(p->cwd);
		conf_strv_free(p->env);
		conf_strv_free(p->allow_env);
		free(p->user);
		free(p->group);
		free(p->log);
		for (j = 0; j < p->ndeps; j++)
			free(p->deps[j].name);
		free(p->deps);
		free(p->ready.pattern);
		free(p->ready.host);
		free(p->ready.cmd);
	}
	free(c->procs);
	free(c->path);
	free(c->dir);
	free(c->theme);
	free(c->log_dir);
	for (i = 0; i < c->nkeys; i++) {
		free(c->keys[i].action);
		free(c->keys[i].key);
	}
	free(c->keys);
	conf_strv_free(c->warnings);
	memset(c, 0, sizeof *c);
}
