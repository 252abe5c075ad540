/*
 * conf-deps.c: depends_on (mprocs: deps), in every dialect: what a process
 * waits for before it starts.
 *
 * A process names others, each with a condition: started (exec'd), ready
 * (its ready probe passed) or succeeded (exited 0). A list of names means
 * started for each; a mapping gives each name its condition, as brood
 * spells it or as process-compose does ({ condition: process_healthy }).
 * The names are read while the walk is at the process, and checked for
 * what the process itself can tell: none empty, none twice, not its own.
 * Whether each names a process, and whether they make a cycle, needs the
 * whole file: conf_deps_check runs once every process is read, and places
 * its message at the node at fault (the name, or the depends_on of the
 * process that comes first in the file, for a cycle).
 *
 * Invariants: p->deps[i] was read from y->px[p].dep_nodes[i]; once
 * resolved, y->px[p].to[i] is the index of the process it names.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-int.h"
#include "util.h"

static const struct {
	const char *name;
	enum proc_dep_cond cond;
} conf_deps_conds[] = {
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
conf_deps_cond(struct conf_yaml *y, const struct conf_node *n, const char *where,
    enum proc_dep_cond *cond)
{
	static const char brood[] = "started, ready or succeeded";
	static const char compose[] = "process_started, process_healthy, process_log_ready "
	    "or process_completed_successfully";
	const struct conf_node *cn = NULL;
	const char *t, *expected = brood;
	char *sub = NULL, *shown;
	size_t i;
	int rc = 0;

	if (n->kind == CONF_NODE_MAPPING) {
		const struct conf_node_pair *pair;

		rc = conf_yaml_keys(y, n, where, "key");
		for (pair = n->pairs; rc == 0 && pair < n->pairs + n->count; pair++) {
			const struct conf_node *k = pair->key;

			if (strcmp(k->text, "condition") == 0)
				cn = pair->value;
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
	for (i = 0; rc == 0 && i < sizeof conf_deps_conds / sizeof conf_deps_conds[0]; i++) {
		if (strcmp(t, conf_deps_conds[i].name) == 0) {
			*cond = conf_deps_conds[i].cond;
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

/* That the names exist, and make no cycle, is checked once every process
 * is known (conf_deps_check). */
int
conf_deps_read(struct conf_yaml *y, const struct conf_node *n, const char *where,
    struct conf_proc *p)
{
	struct conf_yaml_proc *px = &y->px[p - y->c->procs];
	bool list = n->kind == CONF_NODE_SEQUENCE;
	size_t count, i;
	int rc = 0;

	if (list) {
		count = n->count;
	} else if (n->kind == CONF_NODE_MAPPING) {
		count = n->count;
		if (conf_yaml_keys(y, n, where, "process name") == -1)
			return -1;
	} else {
		return conf_yaml_expected(y, n, where, "a list or a mapping of process names");
	}
	px->deps = n;
	px->dep_nodes = xcalloc(count, sizeof *px->dep_nodes);
	p->deps = xcalloc(count, sizeof *p->deps);
	/* The names first, all of them, so a repeated one is the first error. */
	for (i = 0; rc == 0 && i < count; i++) {
		const struct conf_node *nn;
		const char *t = NULL;

		if (list) {
			char *sub = xasprintf("%s[%zu]", where, i);

			nn = n->items[i];
			rc = conf_yaml_text(y, nn, sub, "a process name", &t);
			if (rc == 0 && t == NULL)
				rc = conf_yaml_expected(y, nn, sub, "a process name");
			free(sub);
		} else {
			nn = n->pairs[i].key;
			t = nn->text;
		}
		if (rc == 0 && *t == '\0')
			rc = conf_yaml_fail(y, nn, "%s: process names cannot be empty", where);
		px->dep_nodes[i] = nn;
	}
	if (rc == 0 && list) {
		char *lead = xasprintf("%s: ", where);

		rc = conf_yaml_repeated(y, n, lead, "process name");
		free(lead);
	}
	for (i = 0; rc == 0 && i < count; i++) {
		const struct conf_node *nn = px->dep_nodes[i];
		const char *name = nn->text;
		struct proc_dep *d;

		if (strcmp(name, p->name) == 0)
			return conf_yaml_fail(y, nn, "%s: a process cannot depend on itself", where);
		d = &p->deps[p->ndeps++];
		d->name = xstrdup(name);
		d->cond = PROC_DEP_STARTED;
		if (!list) {
			char *sub = xasprintf("%s.%s", where, name);

			rc = conf_deps_cond(y, n->pairs[i].value, sub, &d->cond);
			free(sub);
		}
	}
	return rc;
}

struct conf_deps_name {
	const char *name;
	size_t i;
};

static int
conf_deps_name_cmp(const void *a, const void *b)
{
	const struct conf_deps_name *x = a, *z = b;

	return strcmp(x->name, z->name);
}

/* Every dependency names a process: each is resolved into px[].to. */
static int
conf_deps_resolve(struct conf_yaml *y)
{
	struct conf *c = y->c;
	struct conf_deps_name *names = xcalloc(c->nprocs, sizeof *names);
	size_t i, j;
	int rc = 0;

	for (i = 0; i < c->nprocs; i++) {
		names[i].name = c->procs[i].name;
		names[i].i = i;
	}
	qsort(names, c->nprocs, sizeof *names, conf_deps_name_cmp);
	for (i = 0; rc == 0 && i < c->nprocs; i++) {
		struct conf_proc *p = &c->procs[i];
		struct conf_yaml_proc *px = &y->px[i];

		px->to = xcalloc(p->ndeps, sizeof *px->to);
		for (j = 0; rc == 0 && j < p->ndeps; j++) {
			struct conf_deps_name key = { p->deps[j].name, 0 }, *hit;

			hit = bsearch(&key, names, c->nprocs, sizeof *names, conf_deps_name_cmp);
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
conf_deps_cycles(struct conf_yaml *y)
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

int
conf_deps_check(struct conf_yaml *y)
{
	return conf_deps_resolve(y) == -1 || conf_deps_cycles(y) == -1 ? -1 : 0;
}
