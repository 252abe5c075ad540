/*
 * conf.c: process sets from files, read into a struct conf; the interface
 * of the config loader, and the helpers every format shares.
 *
 * A config is checked whole before brood does anything with it, so a typo
 * costs one message instead of a half-started set of processes. The file is
 * read into memory and rejected if it is not UTF-8 (libyaml would stop at
 * the first bad byte with an error that has no line, and a Procfile has no
 * parser to stop it). Its name then says its format: a Procfile
 * (conf-procfile.c), or one of three dialects of YAML (conf-yaml.c, which
 * walks the tree conf-node.c makes of the document, in conf-brood.c,
 * conf-mprocs.c or conf-compose.c). Every format fills the same struct
 * conf, with the same defaults (conf_proc_new), and reads numbers
 * (durations, sizes, counts) and .env files (conf-env.c) the same way.
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
 * - A number is digits, an optional fraction and a unit, nothing else; it
 *   never overflows silently.
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

#include "conf-int.h"
#include "conf.h"
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
char *
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

char *
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
char *
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
void
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
int
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

/* C0 controls, DEL, and C1 controls (U+0080 to U+009F, as UTF-8). */
bool
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
char *
conf_sibling(const char *path, const char *name)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(name);
	return xasprintf("%.*s/%s", (int)(slash - path), path, name);
}

/* rel below the absolute folder dir, without the "./" people write. */
char *
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

bool
conf_in(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

void
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

const struct conf_kind conf_duration_kind = {
	conf_duration_units, false, "a duration such as 500ms, 5s, 2m or 1h",
};
const struct conf_kind conf_size_kind = {
	conf_size_units, true, "a size such as 4096, 512K, 8M or 1G",
};
const struct conf_kind conf_count_kind = {
	conf_count_units, false, "a whole number",
};

/* Digits, an optional fraction, and a unit of kind: nothing else, not even
 * spaces or a sign. A fraction needs a unit worth more than one (no half
 * bytes, lines or milliseconds); what is below one after scaling is
 * dropped. */
int
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

/* --- ports, processes ------------------------------------------------------- */

/* A TCP port, 1 to 65535, in decimal. */
bool
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

/* The next slot of c->procs, with the defaults of every format. */
struct conf_proc *
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
		rc = conf_yaml_load(c, buf, len, cause);
	} else {
		rc = conf_procfile_load(c, buf, len, cause);
	}
	free(buf);
	if (rc == -1)
		conf_free(c);
	return rc;
}

int
conf_load_env(const char *path, char ***env, char **cause)
{
	return conf_env_read(path, false, env, cause) == CONF_ENV_OK ? 0 : -1;
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
