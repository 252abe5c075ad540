/*
 * conf-yaml.c: the walk of a YAML config, in any of brood's three dialects,
 * and what the dialects share: messages at a node, the typed readers of
 * scalars, the check of a mapping's keys, the fields every dialect has, and
 * what only the whole file can tell.
 *
 * conf-node.c loads the document; the dialect's walker (conf-brood.c,
 * conf-mprocs.c, conf-compose.c: the file's name says which) then reads it
 * once, in document order, so the error reported is the first one in the
 * file. Each node is checked where it is used, against its own mark and the
 * path of keys that led to it ("processes.web.cmd[2]"), and every mapping's
 * keys are checked (strings, none twice) before it is walked. What only
 * the whole file can tell (that every name in depends_on is a process,
 * that they make no cycle, where log files go under a log_dir given after
 * them, process-compose's environment for every process) is checked at
 * the end, still against the marks of the nodes at fault. mprocs.yaml and
 * process-compose.yaml are walked the same way, by their own key names,
 * into the same struct conf: what maps onto brood is taken, what does not
 * is a warning that names the key, and a mapping that changes the meaning
 * a little (an HTTP probe that becomes a TCP one) is a warning that says so.
 *
 * Types in YAML: libyaml tags every scalar as a string, so a type is read
 * from the text. A plain ~, null or empty scalar is nothing; true and false
 * are the only booleans (YAML 1.2: "no" is not false, and a user who meant
 * it gets an error rather than a surprise); numbers are what the duration,
 * size and count parsers accept. Quoting changes nothing except that a
 * quoted empty string is a string.
 *
 * Invariants:
 * - The walk keeps the first error (conf_yaml_fail records one, once) and
 *   stops at it; the conf holds what was read so far, counted slot by slot,
 *   for conf_free.
 * - Warnings come out in the file's order, whenever they were found.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf-int.h"
#include "status.h"
#include "util.h"

/* --- messages at a node --------------------------------------------------- */

int
conf_yaml_fail(struct conf_yaml *y, const struct conf_node *n, const char *fmt, ...)
{
	va_list ap;

	if (y->cause == NULL) {
		va_start(ap, fmt);
		y->cause = conf_vmsg(y->c->path, n->line, n->col, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void
conf_yaml_warn(struct conf_yaml *y, const struct conf_node *n, const char *fmt, ...)
{
	struct conf *c = y->c;
	va_list ap;

	c->warnings = xreallocarray(c->warnings, c->nwarnings + 2, sizeof *c->warnings);
	y->warn_at = xreallocarray(y->warn_at, c->nwarnings + 1, sizeof *y->warn_at);
	y->warn_at[c->nwarnings] = (uint64_t)n->line << 32 | (uint32_t)n->col;
	va_start(ap, fmt);
	c->warnings[c->nwarnings++] = conf_vmsg(c->path, n->line, n->col, fmt, ap);
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

/* --- scalars -------------------------------------------------------------- */

bool
conf_yaml_null(const struct conf_node *n)
{
	const char *v;

	if (n->kind != CONF_NODE_SCALAR || !n->plain)
		return false;
	v = n->text;
	return strcmp(v, "") == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* What n is, for "got ...": a mapping, a list, nothing, or 'its text'. */
static char *
conf_yaml_what(const struct conf_node *n)
{
	if (n->kind == CONF_NODE_MAPPING)
		return xstrdup("a mapping");
	if (n->kind == CONF_NODE_SEQUENCE)
		return xstrdup("a list");
	if (conf_yaml_null(n))
		return xstrdup("nothing");
	return conf_show(n->text, n->len);
}

int
conf_yaml_expected(struct conf_yaml *y, const struct conf_node *n, const char *where,
    const char *expected)
{
	char *what = conf_yaml_what(n);

	conf_yaml_fail(y, n, "%s: expected %s, got %s", where, expected, what);
	free(what);
	return -1;
}

/* A key brood has never heard of: a typo, most likely. */
void
conf_yaml_unknown(struct conf_yaml *y, const struct conf_node *k)
{
	char *shown = conf_show(k->text, k->len);

	conf_yaml_warn(y, k, "unknown key %s (ignored)", shown);
	free(shown);
}

/* A key of mprocs or process-compose that brood knows but cannot honour. */
void
conf_yaml_unsupported(struct conf_yaml *y, const struct conf_node *k)
{
	char *shown = conf_show(k->text, k->len);

	conf_yaml_warn(y, k, "unsupported key %s (ignored)", shown);
	free(shown);
}

/* The text of scalar n, or NULL for nothing. -1 if n is not a scalar, or
 * holds a NUL (a "\0" escape), which a C string would silently cut. */
int
conf_yaml_text(struct conf_yaml *y, const struct conf_node *n, const char *where,
    const char *expected, const char **text)
{
	if (n->kind != CONF_NODE_SCALAR)
		return conf_yaml_expected(y, n, where, expected);
	if (memchr(n->text, '\0', n->len) != NULL)
		return conf_yaml_fail(y, n, "%s: cannot hold a NUL character", where);
	*text = conf_yaml_null(n) ? NULL : n->text;
	return 0;
}

/* A string that is neither nothing nor empty. */
int
conf_yaml_string(struct conf_yaml *y, const struct conf_node *n, const char *where,
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

int
conf_yaml_bool(struct conf_yaml *y, const struct conf_node *n, const char *where, bool *out)
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
int
conf_yaml_number_from(struct conf_yaml *y, const struct conf_node *n, const char *where,
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
int
conf_yaml_number(struct conf_yaml *y, const struct conf_node *n, const char *where,
    const struct conf_kind *kind, uint64_t *out)
{
	return conf_yaml_number_from(y, n, where, kind, false, out);
}

/* The number, and then that a size_t holds it. */
int
conf_yaml_size_t(struct conf_yaml *y, const struct conf_node *n, const char *where,
    const struct conf_kind *kind, size_t *out)
{
	uint64_t v;

	if (conf_yaml_number(y, n, where, kind, &v) == -1)
		return -1;
#if SIZE_MAX < UINT64_MAX
	if (v > SIZE_MAX) {
		char *shown = conf_show(n->text, n->len);

		conf_yaml_fail(y, n, "%s: %s is too large", where, shown);
		free(shown);
		return -1;
	}
#endif
	*out = (size_t)v;
	return 0;
}

/* --- keys ----------------------------------------------------------------- */

int
conf_yaml_repeated(struct conf_yaml *y, const struct conf_node *n, const char *lead,
    const char *noun)
{
	const struct conf_node *first = NULL, *dup = conf_node_repeated(n, &first);
	char *shown;
	int rc;

	if (dup == NULL)
		return 0;
	shown = conf_show(dup->text, dup->len);
	rc = conf_yaml_fail(y, dup, "%sduplicate %s %s (first at line %zu)", lead, noun, shown,
	    first->line);
	free(shown);
	return rc;
}

int
conf_yaml_keys(struct conf_yaml *y, const struct conf_node *map, const char *where,
    const char *noun)
{
	const struct conf_node_pair *pair;
	char *lead = where != NULL ? xasprintf("%s: ", where) : xstrdup("");
	int rc = 0;

	for (pair = map->pairs; rc == 0 && pair < map->pairs + map->count; pair++) {
		const struct conf_node *k = pair->key;

		if (k->kind != CONF_NODE_SCALAR) {
			char *what = conf_yaml_what(k);

			rc = conf_yaml_fail(y, k, "%skeys must be strings, got %s", lead, what);
			free(what);
		} else if (memchr(k->text, '\0', k->len) != NULL) {
			rc = conf_yaml_fail(y, k, "%skeys cannot hold a NUL character", lead);
		}
	}
	if (rc == 0)
		rc = conf_yaml_repeated(y, map, lead, noun);
	free(lead);
	return rc;
}

int
conf_yaml_walk(struct conf_yaml *y, const struct conf_node *map, const char *where,
    struct conf_yaml_pair *w)
{
	memset(w, 0, sizeof *w);
	w->where = where;
	if (map->kind != CONF_NODE_MAPPING)
		return conf_yaml_expected(y, map, where, "a mapping");
	if (conf_yaml_keys(y, map, where, "key") == -1)
		return -1;
	w->next = map->pairs;
	w->end = map->pairs + map->count;
	return 0;
}

bool
conf_yaml_step(struct conf_yaml_pair *w, int rc)
{
	free(w->sub);
	w->sub = NULL;
	if (rc != 0 || w->next == NULL || w->next == w->end)
		return false;
	w->k = w->next->key;
	w->v = w->next->value;
	w->key = w->k->text;
	w->sub = w->where != NULL ? xasprintf("%s.%s", w->where, w->key) : xstrdup(w->key);
	w->next++;
	return true;
}

/* --- what every dialect's processes have ---------------------------------- */

int
conf_yaml_cmd(struct conf_yaml *y, const struct conf_node *n, const char *where,
    struct conf_proc *p)
{
	const char *t;

	if (n->kind == CONF_NODE_SEQUENCE) {
		size_t count = n->count, i;

		if (count == 0)
			return conf_yaml_fail(y, n, "%s: empty list", where);
		p->argv = xcalloc(count + 1, sizeof *p->argv);
		for (i = 0; i < count; i++) {
			const struct conf_node *item = n->items[i];
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

int
conf_yaml_env(struct conf_yaml *y, const struct conf_node *map, const char *where, char ***env)
{
	const struct conf_node_pair *pair;

	if (map->kind != CONF_NODE_MAPPING)
		return conf_yaml_expected(y, map, where, "a mapping");
	if (conf_yaml_keys(y, map, where, "variable") == -1)
		return -1;
	for (pair = map->pairs; pair < map->pairs + map->count; pair++) {
		const struct conf_node *k = pair->key;
		const struct conf_node *v = pair->value;
		const char *name = k->text, *t;
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

int
conf_yaml_signal(struct conf_yaml *y, const struct conf_node *n, const char *where, int *sig)
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

/* At most a million (0 too for process-compose, where it means no limit,
 * as it does here). */
int
conf_yaml_max_restarts(struct conf_yaml *y, const struct conf_node *n, const char *where,
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

/* A file, not a folder. */
int
conf_yaml_log(struct conf_yaml *y, const struct conf_node *n, const char *where,
    struct conf_proc *p)
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

int
conf_yaml_shell(struct conf_yaml *y, const struct conf_node *n, const char *where, char **out)
{
	const char *t;

	if (conf_yaml_text(y, n, where, "a command", &t) == -1)
		return -1;
	if (t == NULL || t[strspn(t, " \t\r\n")] == '\0')
		return conf_yaml_fail(y, n, "%s: empty command", where);
	*out = xstrdup(t);
	return 0;
}

/* Not empty, and no control characters: the name is drawn on the screen. */
int
conf_yaml_proc_name(struct conf_yaml *y, const struct conf_node *key)
{
	const char *name = key->text;

	if (*name == '\0' || conf_yaml_null(key))
		return conf_yaml_fail(y, key, "%s: process names cannot be empty", y->section);
	if (conf_has_control(name))
		return conf_yaml_fail(y, key,
		    "%s: process names cannot hold control characters", y->section);
	return 0;
}

/* --- the whole file ------------------------------------------------------- */

int
conf_yaml_processes(struct conf_yaml *y, const struct conf_node *map,
    int (*proc)(struct conf_yaml *, const struct conf_node *, const struct conf_node *))
{
	const struct conf_node_pair *pair;
	size_t n;

	if (map->kind != CONF_NODE_MAPPING)
		return conf_yaml_expected(y, map, y->section, "a mapping of names to processes");
	n = map->count;
	if (n == 0)
		return conf_yaml_fail(y, map, "%s: no processes", y->section);
	if (conf_yaml_keys(y, map, y->section, "process name") == -1)
		return -1;
	y->c->procs = xcalloc(n, sizeof *y->c->procs);
	y->px = xcalloc(n, sizeof *y->px);
	y->npx = n;
	for (pair = map->pairs; pair < map->pairs + map->count; pair++)
		if (proc(y, pair->key, pair->value) == -1)
			return -1;
	if (y->c->nprocs == 0)
		return conf_yaml_fail(y, map, "%s: no processes (every one is null)", y->section);
	return 0;
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

	if (conf_deps_check(y) == -1)
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

/* The root, in the dialect of the file, then what needs all of it. */
static int
conf_yaml_root(struct conf_yaml *y, const struct conf_node *root)
{
	int rc;

	if (root->kind != CONF_NODE_MAPPING) {
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
		rc = conf_brood_top(y, root);
	return rc == 0 ? conf_yaml_finish(y) : -1;
}

int
conf_yaml_load(struct conf *c, const char *buf, size_t len, char **cause)
{
	enum conf_format format = conf_yaml_format(c->path);
	struct conf_yaml y = {
		.c = c,
		.format = format,
		.section = format == CONF_MPROCS ? "procs" : "processes",
		.deps_key = format == CONF_MPROCS ? "deps" : "depends_on",
	};
	struct conf_node_doc *doc;
	const struct conf_node *root;
	size_t i;

	if (conf_node_load(c->path, buf, len, &doc, cause) == -1)
		return -1;
	root = conf_node_root(doc);
	if (root == NULL)
		y.cause = conf_msg(c->path, 1, 1, "expected a mapping at the top, got nothing");
	else
		conf_yaml_root(&y, root);
	conf_node_free(doc);
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
