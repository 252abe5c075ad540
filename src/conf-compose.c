/*
 * conf-compose.c: process-compose.yaml (.yml; compose.yaml and compose.yml
 * when named), read as process-compose means it, into a struct conf.
 *
 * processes maps a name to a mapping: command, working_dir, environment
 * ("NAME=value" items, or a mapping), disabled, availability (restart,
 * backoff_seconds, max_restarts), depends_on, readiness_probe (exec, or
 * http_get), ready_log_line, shutdown (signal, timeout_seconds) and
 * log_location. The top-level environment goes to every process, under
 * its own, once the whole file is read (conf-yaml.c).
 *
 * Where process-compose means a little more than brood can do, brood does
 * the nearest thing and warns: exit_on_failure restarts on failure without
 * exiting, process_completed waits for a successful exit, http_get waits
 * for the port to take a TCP connection, and the wait between restarts is
 * brood's backoff held still (first = max). What has no meaning here (a
 * probe's timeout_seconds, the top-level log_location) is a warning that
 * it is ignored. A 0 in seconds is process-compose's "the default": not
 * set, here too.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf-int.h"
#include "util.h"

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
conf_compose_seconds(struct conf_yaml *y, const struct conf_node *n, const char *where,
    uint64_t *ms)
{
	return conf_yaml_number_from(y, n, where, &conf_duration_kind, true, ms);
}

/* environment: ["NAME=value", ...] (or, as Docker Compose allows, a mapping). */
static int
conf_compose_env(struct conf_yaml *y, const struct conf_node *n, const char *where, char ***env)
{
	size_t count, i;

	if (n->kind == CONF_NODE_MAPPING)
		return conf_yaml_env(y, n, where, env);
	if (n->kind != CONF_NODE_SEQUENCE)
		return conf_yaml_expected(y, n, where, "a list of NAME=value");
	count = n->count;
	for (i = 0; i < count; i++) {
		const struct conf_node *item = n->items[i];
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
conf_compose_restart(struct conf_yaml *y, const struct conf_node *n, const char *where,
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
conf_compose_availability(struct conf_yaml *y, const struct conf_node *map, const char *where,
    struct conf_proc *p)
{
	struct conf_yaml_pair w;
	int rc = conf_yaml_walk(y, map, where, &w);

	while (conf_yaml_step(&w, rc)) {
		if (strcmp(w.key, "restart") == 0) {
			rc = conf_compose_restart(y, w.v, w.sub, &p->restart);
		} else if (strcmp(w.key, "backoff_seconds") == 0) {
			rc = conf_compose_seconds(y, w.v, w.sub, &p->backoff_first_ms);
			p->backoff_max_ms = p->backoff_first_ms;
		} else if (strcmp(w.key, "max_restarts") == 0) {
			rc = conf_yaml_max_restarts(y, w.v, w.sub, true, &p->max_restarts);
		} else if (strcmp(w.key, "exit_on_end") == 0 || strcmp(w.key, "exit_on_skipped") == 0) {
			conf_yaml_unsupported(y, w.k);
		} else {
			conf_yaml_unknown(y, w.k);
		}
	}
	return rc;
}

/* http_get: { host, port, path, scheme }. brood has no HTTP probe: it
 * waits for the port to take a TCP connection, and says so. */
static int
conf_compose_http(struct conf_yaml *y, const struct conf_node *at, const struct conf_node *map,
    const char *where, struct proc_ready *r)
{
	struct conf_yaml_pair w;
	const struct conf_node *port = NULL;
	int rc = conf_yaml_walk(y, map, where, &w);

	while (conf_yaml_step(&w, rc)) {
		const char *t;

		if (strcmp(w.key, "host") == 0) {
			rc = conf_yaml_string(y, w.v, w.sub, &t);
			if (rc == 0)
				r->host = xstrdup(t);
		} else if (strcmp(w.key, "port") == 0 || strcmp(w.key, "num_port") == 0) {
			rc = conf_yaml_text(y, w.v, w.sub, "a port (1-65535)", &t);
			if (rc == 0 && (t == NULL || !conf_port(t, strlen(t), &r->port)))
				rc = conf_yaml_expected(y, w.v, w.sub, "a port (1-65535)");
			if (rc == 0 && port != NULL)
				rc = conf_yaml_fail(y, w.k, "%s: only one of port and num_port", where);
			port = w.k;
		} else if (strcmp(w.key, "path") == 0 || strcmp(w.key, "scheme") == 0) {
			rc = conf_yaml_text(y, w.v, w.sub, "a string", &t);
		} else {
			conf_yaml_unknown(y, w.k);
		}
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
conf_compose_exec(struct conf_yaml *y, const struct conf_node *map, const char *where,
    struct proc_ready *r)
{
	struct conf_yaml_pair w;
	int rc = conf_yaml_walk(y, map, where, &w);

	while (conf_yaml_step(&w, rc)) {
		if (strcmp(w.key, "command") == 0)
			rc = conf_yaml_shell(y, w.v, w.sub, &r->cmd);
		else if (strcmp(w.key, "working_dir") == 0)
			conf_yaml_unsupported(y, w.k);
		else
			conf_yaml_unknown(y, w.k);
	}
	if (rc == 0 && r->cmd == NULL)
		rc = conf_yaml_fail(y, map, "%s: no command", where);
	r->kind = PROC_READY_CMD;
	return rc;
}

/* readiness_probe: exec or http_get, and how often. */
static int
conf_compose_probe(struct conf_yaml *y, const struct conf_node *map, const char *where,
    struct proc_ready *r)
{
	struct conf_yaml_pair w;
	const struct conf_node *kind = NULL;
	int rc = conf_yaml_walk(y, map, where, &w);

	while (conf_yaml_step(&w, rc)) {
		if (strcmp(w.key, "exec") == 0 || strcmp(w.key, "http_get") == 0) {
			if (kind != NULL)
				rc = conf_yaml_fail(y, w.k, "%s: only one of exec and http_get "
				    "(%s is on line %zu)", where, kind->text, kind->line);
			else if (w.key[0] == 'e')
				rc = conf_compose_exec(y, w.v, w.sub, r);
			else
				rc = conf_compose_http(y, w.k, w.v, w.sub, r);
			kind = w.k;
		} else if (strcmp(w.key, "period_seconds") == 0) {
			rc = conf_compose_seconds(y, w.v, w.sub, &r->period_ms);
		} else if (strcmp(w.key, "timeout_seconds") == 0) {
			/* Not brood's ready.timeout: a limit on one check, which
			 * as a limit on the whole wait would give up on a
			 * database that takes longer to start than one check. */
			const char *t;

			rc = conf_yaml_text(y, w.v, w.sub, "a number of seconds", &t);
			if (rc == 0)
				conf_yaml_warn(y, w.k, "%s: a limit on one check, which brood "
				    "does not have (ignored)", w.sub);
		} else if (strcmp(w.key, "initial_delay_seconds") == 0 ||
		    strcmp(w.key, "success_threshold") == 0 ||
		    strcmp(w.key, "failure_threshold") == 0) {
			conf_yaml_unsupported(y, w.k);
		} else {
			conf_yaml_unknown(y, w.k);
		}
	}
	if (rc == 0 && kind == NULL)
		rc = conf_yaml_fail(y, map, "%s: expected exec or http_get", where);
	return rc;
}

/* shutdown: { signal: 15, timeout_seconds: 10 }. */
static int
conf_compose_shutdown(struct conf_yaml *y, const struct conf_node *map, const char *where,
    struct conf_proc *p)
{
	struct conf_yaml_pair w;
	int rc = conf_yaml_walk(y, map, where, &w);

	while (conf_yaml_step(&w, rc)) {
		if (strcmp(w.key, "signal") == 0)
			rc = conf_yaml_signal(y, w.v, w.sub, &p->stop_signal);
		else if (strcmp(w.key, "timeout_seconds") == 0)
			rc = conf_compose_seconds(y, w.v, w.sub, &p->stop_timeout_ms);
		else if (strcmp(w.key, "command") == 0 || strcmp(w.key, "parent_only") == 0)
			conf_yaml_unsupported(y, w.k);
		else
			conf_yaml_unknown(y, w.k);
	}
	return rc;
}

static int
conf_compose_proc_keys(struct conf_yaml *y, const struct conf_node *map, const char *where,
    struct conf_proc *p, char ***env)
{
	struct conf_yaml_pair w;
	const struct conf_node *ready = NULL;
	int rc = conf_yaml_walk(y, map, where, &w);

	while (conf_yaml_step(&w, rc)) {
		const char *t;
		bool b = false;

		if (strcmp(w.key, "command") == 0) {
			rc = conf_yaml_shell(y, w.v, w.sub, &p->cmd);
		} else if (strcmp(w.key, "working_dir") == 0) {
			rc = conf_yaml_string(y, w.v, w.sub, &t);
			if (rc == 0)
				p->cwd = t[0] == '/' ? xstrdup(t) : conf_join(y->c->dir, t);
		} else if (strcmp(w.key, "environment") == 0) {
			rc = conf_compose_env(y, w.v, w.sub, env);
		} else if (strcmp(w.key, "disabled") == 0) {
			rc = conf_yaml_bool(y, w.v, w.sub, &b);
			p->autostart = !b;
		} else if (strcmp(w.key, "availability") == 0) {
			rc = conf_compose_availability(y, w.v, w.sub, p);
		} else if (strcmp(w.key, "depends_on") == 0) {
			rc = conf_deps_read(y, w.v, w.sub, p);
		} else if (strcmp(w.key, "readiness_probe") == 0 ||
		    strcmp(w.key, "ready_log_line") == 0) {
			if (ready != NULL) {
				rc = conf_yaml_fail(y, w.k, "%s: only one of readiness_probe and "
				    "ready_log_line (%s is on line %zu)", where,
				    ready->text, ready->line);
			} else if (strcmp(w.key, "readiness_probe") == 0) {
				rc = conf_compose_probe(y, w.v, w.sub, &p->ready);
			} else {
				rc = conf_yaml_string(y, w.v, w.sub, &t);
				if (rc == 0) {
					p->ready.pattern = conf_regex_quote(t);
					p->ready.kind = PROC_READY_LOG;
				}
			}
			ready = w.k;
		} else if (strcmp(w.key, "shutdown") == 0) {
			rc = conf_compose_shutdown(y, w.v, w.sub, p);
		} else if (strcmp(w.key, "log_location") == 0) {
			rc = conf_yaml_log(y, w.v, w.sub, p);
		} else if (conf_in(w.key, conf_compose_proc_unsupported)) {
			conf_yaml_unsupported(y, w.k);
		} else {
			conf_yaml_unknown(y, w.k);
		}
	}
	return rc;
}

static int
conf_compose_proc(struct conf_yaml *y, const struct conf_node *key, const struct conf_node *val)
{
	struct conf *c = y->c;
	struct conf_proc *p;
	char **env = NULL, *where;
	int rc;

	if (conf_yaml_proc_name(y, key) == -1)
		return -1;
	p = conf_proc_new(c, key->text);
	where = xasprintf("processes.%s", p->name);
	if (val->kind == CONF_NODE_MAPPING)
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

int
conf_compose_top(struct conf_yaml *y, const struct conf_node *root)
{
	struct conf_yaml_pair w;
	bool procs = false, services = false;
	int rc = conf_yaml_walk(y, root, NULL, &w);

	while (conf_yaml_step(&w, rc)) {
		const char *t;

		if (strcmp(w.key, "version") == 0) {
			rc = conf_yaml_text(y, w.v, w.key, "a version", &t);
		} else if (strcmp(w.key, "processes") == 0) {
			procs = true;
			rc = conf_yaml_processes(y, w.v, conf_compose_proc);
		} else if (strcmp(w.key, "environment") == 0) {
			rc = conf_compose_env(y, w.v, w.key, &y->global_env);
		} else if (strcmp(w.key, "log_location") == 0) {
			/* One file for every process's output: brood writes one
			 * per process (log_location under each), or none. */
			rc = conf_yaml_text(y, w.v, w.key, "a path", &t);
			if (rc == 0)
				conf_yaml_warn(y, w.k, "log_location: brood has no log shared by "
				    "every process (ignored; give each its own log_location)");
		} else if (conf_in(w.key, conf_compose_top_unsupported)) {
			conf_yaml_unsupported(y, w.k);
		} else {
			services = services || strcmp(w.key, "services") == 0;
			conf_yaml_unknown(y, w.k);
		}
	}
	if (rc == 0 && !procs)
		rc = conf_yaml_fail(y, root, "no processes (expected a 'processes' mapping%s)",
		    services ? "; 'services' is Docker Compose's" : "");
	return rc;
}
