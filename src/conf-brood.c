/*
 * conf-brood.c: brood.yaml, brood's own dialect: the keys conf.h
 * describes, walked into a struct conf.
 *
 * The top mapping holds the settings of the whole run (interval,
 * stop_timeout, theme, scrollback, log_dir, keys) and the processes
 * mapping, a process's name to its keys (or just its cmd). Every key is
 * read where it stands, so its errors are placed at it; a key brood does
 * not know is a warning. A few things wait for the rest of the process or
 * of the file: env_file and env are gathered apart and merged at the end
 * of the process, env last, whatever their order; allow_env without
 * clear_env: true is a warning once the process is read; log files go
 * under a log_dir given anywhere, and depends_on names any process, once
 * the whole file is read (conf-yaml.c, conf-deps.c).
 *
 * Invariants: a process either has a cmd or an argv, never both, and a
 * cwd, absolute (its folder's when not given); limits not given stay -1.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf-int.h"
#include "util.h"

static int
conf_brood_env_file(struct conf_yaml *y, const struct conf_node *n, const char *where, char ***env)
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
conf_brood_restart(struct conf_yaml *y, const struct conf_node *n, const char *where,
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
conf_brood_backoff(struct conf_yaml *y, const struct conf_node *map, const char *where,
    struct conf_proc *p)
{
	struct conf_yaml_pair w;
	int rc = conf_yaml_walk(y, map, where, &w);

	while (conf_yaml_step(&w, rc)) {
		if (strcmp(w.key, "first") == 0)
			rc = conf_yaml_number(y, w.v, w.sub, &conf_duration_kind, &p->backoff_first_ms);
		else if (strcmp(w.key, "max") == 0)
			rc = conf_yaml_number(y, w.v, w.sub, &conf_duration_kind, &p->backoff_max_ms);
		else
			conf_yaml_unknown(y, w.k);
	}
	return rc;
}

/* allow_env: names of brood's own variables a clear_env process keeps. */
static int
conf_brood_allow_env(struct conf_yaml *y, const struct conf_node *n, const char *where,
    struct conf_proc *p)
{
	size_t count, i;
	char *lead;
	int rc = 0;

	if (n->kind != CONF_NODE_SEQUENCE)
		return conf_yaml_expected(y, n, where, "a list of variable names");
	count = n->count;
	p->allow_env = xcalloc(count + 1, sizeof *p->allow_env);
	for (i = 0; rc == 0 && i < count; i++) {
		const struct conf_node *item = n->items[i];
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
		if (rc == 0)
			p->allow_env[i] = xstrdup(t);
		free(sub);
	}
	lead = xasprintf("%s: ", where);
	if (rc == 0)
		rc = conf_yaml_repeated(y, n, lead, "name");
	free(lead);
	return rc;
}

static int
conf_brood_color(struct conf_yaml *y, const struct conf_node *n, const char *where, bool *force)
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

/* A resource limit: a number that fits setrlimit's signed 64 bits. */
static int
conf_brood_limit(struct conf_yaml *y, const struct conf_node *n, const char *where,
    const struct conf_kind *kind, bool zero, int64_t *out)
{
	uint64_t v;

	if (conf_yaml_number_from(y, n, where, kind, zero, &v) == -1)
		return -1;
	if (v > INT64_MAX) {
		char *shown = conf_show(n->text, n->len);

		conf_yaml_fail(y, n, "%s: %s is too large", where, shown);
		free(shown);
		return -1;
	}
	*out = (int64_t)v;
	return 0;
}

/* limits: { cpu, address_space, open_files, core }; what is not given stays
 * -1 (inherited). */
static int
conf_brood_limits(struct conf_yaml *y, const struct conf_node *map, const char *where,
    struct proc_limits *l)
{
	struct conf_yaml_pair w;
	int rc = conf_yaml_walk(y, map, where, &w);

	while (conf_yaml_step(&w, rc)) {
		if (strcmp(w.key, "cpu") == 0) {
			uint64_t ms = 0;

			/* RLIMIT_CPU counts whole seconds: round up, never to 0. */
			rc = conf_yaml_number(y, w.v, w.sub, &conf_duration_kind, &ms);
			if (rc == 0 && ms < 1000) {
				char *shown = conf_show(w.v->text, w.v->len);

				rc = conf_yaml_fail(y, w.v, "%s: must be at least 1s, got %s", w.sub, shown);
				free(shown);
			}
			if (rc == 0)
				l->cpu_s = (int64_t)(ms / 1000 + (ms % 1000 != 0));
		} else if (strcmp(w.key, "address_space") == 0) {
			rc = conf_brood_limit(y, w.v, w.sub, &conf_size_kind, false, &l->as_bytes);
		} else if (strcmp(w.key, "open_files") == 0) {
			rc = conf_brood_limit(y, w.v, w.sub, &conf_count_kind, false, &l->nofile);
		} else if (strcmp(w.key, "core") == 0) {
			/* 0 is the point here: no core files. */
			rc = conf_brood_limit(y, w.v, w.sub, &conf_size_kind, true, &l->core_bytes);
		} else {
			conf_yaml_unknown(y, w.k);
		}
	}
	return rc;
}

/* nice: a whole number from -20 to 19, a sign allowed. */
static int
conf_brood_nice(struct conf_yaml *y, const struct conf_node *n, const char *where, int *nice)
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

/* A pattern that compiles, as the supervisor will compile it. */
static int
conf_brood_regex(struct conf_yaml *y, const struct conf_node *n, const char *where,
    const char *pattern)
{
	char *problem = conf_regex_problem(pattern);
	int rc = 0;

	if (problem != NULL) {
		rc = conf_yaml_fail(y, n, "%s: %s", where, problem);
		free(problem);
	}
	return rc;
}

/* tcp: PORT, HOST:PORT or [IPV6]:PORT. */
static int
conf_brood_ready_tcp(struct conf_yaml *y, const struct conf_node *n, const char *where,
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

/* ready: one of log, tcp and cmd, with period and timeout. */
static int
conf_brood_ready(struct conf_yaml *y, const struct conf_node *map, const char *where,
    struct proc_ready *r)
{
	const struct conf_node *kind = NULL, *period = NULL;
	struct conf_yaml_pair w;
	int rc = conf_yaml_walk(y, map, where, &w);

	while (conf_yaml_step(&w, rc)) {
		const char *t;

		if (strcmp(w.key, "log") == 0 || strcmp(w.key, "tcp") == 0 || strcmp(w.key, "cmd") == 0) {
			if (kind != NULL) {
				rc = conf_yaml_fail(y, w.k, "%s: only one of log, tcp and cmd "
				    "(%s is on line %zu)", where, kind->text, kind->line);
			} else if (w.key[0] == 'l') {
				rc = conf_yaml_string(y, w.v, w.sub, &t);
				if (rc == 0)
					rc = conf_brood_regex(y, w.v, w.sub, t);
				if (rc == 0) {
					r->pattern = xstrdup(t);
					r->kind = PROC_READY_LOG;
				}
			} else if (w.key[0] == 't') {
				rc = conf_brood_ready_tcp(y, w.v, w.sub, r);
			} else {
				rc = conf_yaml_shell(y, w.v, w.sub, &r->cmd);
				if (rc == 0)
					r->kind = PROC_READY_CMD;
			}
			kind = w.k;
		} else if (strcmp(w.key, "period") == 0) {
			rc = conf_yaml_number(y, w.v, w.sub, &conf_duration_kind, &r->period_ms);
			period = w.k;
		} else if (strcmp(w.key, "timeout") == 0) {
			rc = conf_yaml_number(y, w.v, w.sub, &conf_duration_kind, &r->timeout_ms);
		} else {
			conf_yaml_unknown(y, w.k);
		}
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
conf_brood_proc_keys(struct conf_yaml *y, const struct conf_node *map, const char *where,
    struct conf_proc *p, char ***file_env, char ***env)
{
	const struct conf_node *allow = NULL;
	struct conf_yaml_pair w;
	int rc = conf_yaml_walk(y, map, where, &w);

	while (conf_yaml_step(&w, rc)) {
		const char *t;

		if (strcmp(w.key, "cmd") == 0) {
			rc = conf_yaml_cmd(y, w.v, w.sub, p);
		} else if (strcmp(w.key, "cwd") == 0) {
			rc = conf_yaml_string(y, w.v, w.sub, &t);
			if (rc == 0)
				p->cwd = t[0] == '/' ? xstrdup(t) : conf_join(y->c->dir, t);
		} else if (strcmp(w.key, "env") == 0) {
			rc = conf_yaml_env(y, w.v, w.sub, env);
		} else if (strcmp(w.key, "env_file") == 0) {
			rc = conf_brood_env_file(y, w.v, w.sub, file_env);
		} else if (strcmp(w.key, "clear_env") == 0) {
			rc = conf_yaml_bool(y, w.v, w.sub, &p->clear_env);
		} else if (strcmp(w.key, "allow_env") == 0) {
			rc = conf_brood_allow_env(y, w.v, w.sub, p);
			allow = w.k;
		} else if (strcmp(w.key, "color") == 0) {
			rc = conf_brood_color(y, w.v, w.sub, &p->color_force);
		} else if (strcmp(w.key, "autostart") == 0) {
			rc = conf_yaml_bool(y, w.v, w.sub, &p->autostart);
		} else if (strcmp(w.key, "stop_signal") == 0) {
			rc = conf_yaml_signal(y, w.v, w.sub, &p->stop_signal);
		} else if (strcmp(w.key, "stop_timeout") == 0) {
			rc = conf_yaml_number(y, w.v, w.sub, &conf_duration_kind, &p->stop_timeout_ms);
		} else if (strcmp(w.key, "timeout") == 0) {
			rc = conf_yaml_number(y, w.v, w.sub, &conf_duration_kind, &p->timeout_ms);
		} else if (strcmp(w.key, "restart") == 0) {
			rc = conf_brood_restart(y, w.v, w.sub, &p->restart);
		} else if (strcmp(w.key, "backoff") == 0) {
			rc = conf_brood_backoff(y, w.v, w.sub, p);
		} else if (strcmp(w.key, "max_restarts") == 0) {
			rc = conf_yaml_max_restarts(y, w.v, w.sub, false, &p->max_restarts);
		} else if (strcmp(w.key, "restart_window") == 0) {
			rc = conf_yaml_number(y, w.v, w.sub, &conf_duration_kind, &p->restart_window_ms);
		} else if (strcmp(w.key, "limits") == 0) {
			rc = conf_brood_limits(y, w.v, w.sub, &p->limits);
		} else if (strcmp(w.key, "nice") == 0) {
			rc = conf_brood_nice(y, w.v, w.sub, &p->nice);
			p->nice_set = rc == 0;
		} else if (strcmp(w.key, "user") == 0 || strcmp(w.key, "group") == 0) {
			rc = conf_yaml_string(y, w.v, w.sub, &t);
			if (rc == 0 && w.key[0] == 'u')
				p->user = xstrdup(t);
			else if (rc == 0)
				p->group = xstrdup(t);
		} else if (strcmp(w.key, "log") == 0) {
			rc = conf_yaml_log(y, w.v, w.sub, p);
		} else if (strcmp(w.key, "depends_on") == 0) {
			rc = conf_deps_read(y, w.v, w.sub, p);
		} else if (strcmp(w.key, "ready") == 0) {
			rc = conf_brood_ready(y, w.v, w.sub, &p->ready);
		} else {
			conf_yaml_unknown(y, w.k);
		}
	}
	if (rc == 0 && allow != NULL && !p->clear_env)
		conf_yaml_warn(y, allow, "%s.allow_env: does nothing without clear_env: true", where);
	return rc;
}

/* One process: a mapping of keys, or just its cmd (a string or a list). */
static int
conf_brood_proc(struct conf_yaml *y, const struct conf_node *key, const struct conf_node *val)
{
	struct conf *c = y->c;
	struct conf_proc *p;
	char **file_env = NULL, **env = NULL, *where;
	int rc;

	if (conf_yaml_proc_name(y, key) == -1)
		return -1;
	p = conf_proc_new(c, key->text);
	where = xasprintf("processes.%s", p->name);
	if (val->kind == CONF_NODE_MAPPING)
		rc = conf_brood_proc_keys(y, val, where, p, &file_env, &env);
	else if (val->kind == CONF_NODE_SEQUENCE || !conf_yaml_null(val))
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

static int
conf_brood_scrollback(struct conf_yaml *y, const struct conf_node *map)
{
	struct conf_yaml_pair w;
	int rc = conf_yaml_walk(y, map, "scrollback", &w);

	while (conf_yaml_step(&w, rc)) {
		if (strcmp(w.key, "lines") == 0) {
			rc = conf_yaml_size_t(y, w.v, "scrollback.lines", &conf_count_kind,
			    &y->c->scroll_lines);
		} else if (strcmp(w.key, "bytes") == 0) {
			rc = conf_yaml_size_t(y, w.v, "scrollback.bytes", &conf_size_kind,
			    &y->c->scroll_bytes);
		} else {
			conf_yaml_unknown(y, w.k);
		}
	}
	return rc;
}

/* The dashboard's actions, as keys: names them. */
static const char *const conf_brood_actions[] = {
	"quit", "quit-now", "help", "up", "down", "focus", "zoom", "layout", "terminate",
	"kill", "restart", "start", "pause", "signal", "filter", "search", "next",
	"previous", "add", "remove", "clear", "details", "tree", NULL,
};

#define CONF_KEY_MAX 16

/* keys: { action: key }; no key for two actions. */
static int
conf_brood_bindings(struct conf_yaml *y, const struct conf_node *map)
{
	struct conf *c = y->c;
	const struct conf_node_pair *pair;
	size_t n, i;

	if (map->kind != CONF_NODE_MAPPING)
		return conf_yaml_expected(y, map, "keys", "a mapping of actions to keys");
	if (conf_yaml_keys(y, map, "keys", "action") == -1)
		return -1;
	n = map->count;
	c->keys = xcalloc(n, sizeof *c->keys);
	for (pair = map->pairs; pair < map->pairs + map->count; pair++) {
		const struct conf_node *k = pair->key;
		const struct conf_node *v = pair->value;
		const char *action = k->text, *t;
		struct conf_binding *b;
		char *sub, *shown;
		int rc;

		if (!conf_in(action, conf_brood_actions)) {
			shown = conf_show(action, k->len);
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

int
conf_brood_top(struct conf_yaml *y, const struct conf_node *root)
{
	struct conf *c = y->c;
	struct conf_yaml_pair w;
	bool procs = false;
	int rc = conf_yaml_walk(y, root, NULL, &w);

	while (conf_yaml_step(&w, rc)) {
		const char *t;

		if (strcmp(w.key, "interval") == 0) {
			rc = conf_yaml_number(y, w.v, w.key, &conf_duration_kind, &c->interval_ms);
		} else if (strcmp(w.key, "stop_timeout") == 0) {
			rc = conf_yaml_number(y, w.v, w.key, &conf_duration_kind, &c->stop_timeout_ms);
		} else if (strcmp(w.key, "theme") == 0) {
			rc = conf_yaml_string(y, w.v, w.key, &t);
			if (rc == 0)
				c->theme = xstrdup(t);
		} else if (strcmp(w.key, "scrollback") == 0) {
			rc = conf_brood_scrollback(y, w.v);
		} else if (strcmp(w.key, "log_dir") == 0) {
			rc = conf_yaml_string(y, w.v, w.key, &t);
			if (rc == 0)
				c->log_dir = t[0] == '/' ? xstrdup(t) : conf_join(c->dir, t);
		} else if (strcmp(w.key, "keys") == 0) {
			rc = conf_brood_bindings(y, w.v);
		} else if (strcmp(w.key, "processes") == 0) {
			procs = true;
			rc = conf_yaml_processes(y, w.v, conf_brood_proc);
		} else {
			conf_yaml_unknown(y, w.k);
		}
	}
	if (rc == 0 && !procs)
		rc = conf_yaml_fail(y, root, "no processes (expected a 'processes' mapping)");
	return rc;
}
