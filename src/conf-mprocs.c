/*
 * conf-mprocs.c: mprocs.yaml (or mprocs.yml), read as mprocs means it,
 * into a struct conf.
 *
 * procs maps a name to a shell string, an argv list, null (a process left
 * out: "disabled" in mprocs), or a mapping: shell or cmd, cwd (with
 * <CONFIG_DIR> understood), env, autostart, autorestart (true: restart
 * always), stop (a signal; send-keys and cmd are warnings, brood sends its
 * stop signal) and deps; env: { NAME: null } would remove a variable,
 * which brood cannot yet (a warning). A shell command or an env value may
 * instead be mprocs's choice by system, { $select: os, linux: A, $else: B }:
 * brood takes linux's, or else $else's. scrollback is the number of lines.
 * Keys about mprocs's own screen and server, and add_path and log, are
 * warnings that say brood ignores them.
 */
#include "config.h"

#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conf-int.h"
#include "util.h"

/* Keys of an mprocs process that brood has no use for. */
static const char *const conf_mprocs_proc_unsupported[] = { "add_path", "log", NULL };

/* mprocs's top-level keys that are about its own screen and server. */
static const char *const conf_mprocs_top_unsupported[] = {
	"server", "hide_keymap_window", "mouse_scroll_speed", "proc_list_width",
	"proc_list_title", "proc_log", "on_all_finished", "keymap_procs", "keymap_term",
	"keymap_copy", NULL,
};

/* An OS other than linux is never picked, even when it is the only one. */
const struct conf_node *
conf_mprocs_select(struct conf_yaml *y, const struct conf_node *n, const char *where)
{
	const struct conf_node_pair *pair;
	const struct conf_node *sel = NULL, *mine = NULL, *other = NULL;
	const char *t;
	char *sub;
	int rc;

	if (y->format != CONF_MPROCS || n->kind != CONF_NODE_MAPPING)
		return n;
	if (conf_yaml_keys(y, n, where, "key") == -1)
		return NULL;
	for (pair = n->pairs; pair < n->pairs + n->count; pair++) {
		const char *key = pair->key->text;

		if (strcmp(key, "$select") == 0)
			sel = pair->value;
		else if (strcmp(key, "linux") == 0)
			mine = pair->value;
		else if (strcmp(key, "$else") == 0)
			other = pair->value;
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

/* stop: SIGINT, SIGTERM, SIGKILL or hard-kill; or a mapping (send-keys, cmd)
 * that brood cannot do. */
static int
conf_mprocs_stop(struct conf_yaml *y, const struct conf_node *n, const char *where, int *sig)
{
	static const char expected[] = "SIGINT, SIGTERM, SIGKILL or hard-kill";
	const char *t;
	char *shown;

	if (n->kind == CONF_NODE_MAPPING) {
		const struct conf_node_pair *pair;

		if (conf_yaml_keys(y, n, where, "key") == -1)
			return -1;
		for (pair = n->pairs; pair < n->pairs + n->count; pair++) {
			const struct conf_node *k = pair->key;
			const char *key = k->text;

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
conf_mprocs_proc_keys(struct conf_yaml *y, const struct conf_node *map, const char *where,
    struct conf_proc *p, char ***env)
{
	struct conf_yaml_pair w;
	const struct conf_node *run = NULL;
	int rc = conf_yaml_walk(y, map, where, &w);

	while (conf_yaml_step(&w, rc)) {
		const char *t;
		bool b = false;

		if (strcmp(w.key, "shell") == 0 || strcmp(w.key, "cmd") == 0) {
			if (run != NULL) {
				rc = conf_yaml_fail(y, w.k, "%s: only one of shell and cmd "
				    "(%s is on line %zu)", where, run->text, run->line);
			} else if (w.key[0] == 's') {
				w.v = conf_mprocs_select(y, w.v, w.sub);
				rc = w.v == NULL ? -1 : conf_yaml_shell(y, w.v, w.sub, &p->cmd);
			} else if (w.v->kind != CONF_NODE_SEQUENCE) {
				rc = conf_yaml_expected(y, w.v, w.sub, "a list (the program and "
				    "its arguments)");
			} else {
				rc = conf_yaml_cmd(y, w.v, w.sub, p);
			}
			run = w.k;
		} else if (strcmp(w.key, "cwd") == 0) {
			rc = conf_yaml_string(y, w.v, w.sub, &t);
			if (rc == 0 && strncmp(t, "<CONFIG_DIR>", 12) == 0) {
				for (t += 12; *t == '/'; t++)
					;
				p->cwd = conf_join(y->c->dir, t);
			} else if (rc == 0) {
				p->cwd = t[0] == '/' ? xstrdup(t) : conf_join(y->c->dir, t);
			}
		} else if (strcmp(w.key, "env") == 0) {
			rc = conf_yaml_env(y, w.v, w.sub, env);
		} else if (strcmp(w.key, "autostart") == 0) {
			rc = conf_yaml_bool(y, w.v, w.sub, &p->autostart);
		} else if (strcmp(w.key, "autorestart") == 0) {
			rc = conf_yaml_bool(y, w.v, w.sub, &b);
			p->restart = b ? PROC_RESTART_ALWAYS : PROC_RESTART_NO;
		} else if (strcmp(w.key, "stop") == 0) {
			rc = conf_mprocs_stop(y, w.v, w.sub, &p->stop_signal);
		} else if (strcmp(w.key, "deps") == 0) {
			rc = conf_deps_read(y, w.v, w.sub, p);
		} else if (conf_in(w.key, conf_mprocs_proc_unsupported)) {
			conf_yaml_unsupported(y, w.k);
		} else {
			conf_yaml_unknown(y, w.k);
		}
	}
	return rc;
}

/* One of mprocs's procs: a shell command, an argv list, a mapping, or null
 * (mprocs: "disabled", so not there at all). */
static int
conf_mprocs_proc(struct conf_yaml *y, const struct conf_node *key, const struct conf_node *val)
{
	struct conf *c = y->c;
	struct conf_proc *p;
	char **env = NULL, *where;
	int rc;

	if (conf_yaml_proc_name(y, key) == -1)
		return -1;
	if (conf_yaml_null(val))
		return 0;
	p = conf_proc_new(c, key->text);
	where = xasprintf("procs.%s", p->name);
	if (val->kind == CONF_NODE_MAPPING)
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

int
conf_mprocs_top(struct conf_yaml *y, const struct conf_node *root)
{
	struct conf_yaml_pair w;
	bool procs = false;
	int rc = conf_yaml_walk(y, root, NULL, &w);

	while (conf_yaml_step(&w, rc)) {
		if (strcmp(w.key, "procs") == 0) {
			procs = true;
			rc = conf_yaml_processes(y, w.v, conf_mprocs_proc);
		} else if (strcmp(w.key, "scrollback") == 0) {
			rc = conf_yaml_size_t(y, w.v, w.key, &conf_count_kind, &y->c->scroll_lines);
		} else if (conf_in(w.key, conf_mprocs_top_unsupported)) {
			conf_yaml_unsupported(y, w.k);
		} else {
			conf_yaml_unknown(y, w.k);
		}
	}
	if (rc == 0 && !procs)
		rc = conf_yaml_fail(y, root, "no processes (expected a 'procs' mapping)");
	return rc;
}
