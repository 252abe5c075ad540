/*
 * conf.h: process sets from files: brood.yaml, or a Procfile (with the
 * .env beside it). The only module of brood that includes libyaml.
 *
 * Loading either gives a complete, checked config or an error naming
 * file:line:column and the key; nothing is started and the terminal is not
 * touched before a config has loaded. Every string in a config is owned by
 * it. Keys brood does not know are warnings (conf->warnings), never
 * silently ignored.
 *
 * brood.yaml:
 *
 *     interval: 1s                # sampling; a duration
 *     stop_timeout: 5s            # default for every process
 *     theme: light
 *     scrollback: { lines: 10000, bytes: 8M }
 *     processes:
 *       web:
 *         cmd: python3 -m http.server 8000   # a string: run by sh -c (or directly)
 *         cwd: site
 *         env: { PORT: "8000" }
 *         env_file: .env.web
 *         autostart: true
 *         stop_signal: INT
 *         stop_timeout: 10s
 *         restart: on-failure              # no (default), on-failure, always
 *         backoff: { first: 1s, max: 30s } # doubles after each restart
 *         max_restarts: 5                  # within restart_window; then FATAL
 *         restart_window: 60s
 *       worker:
 *         cmd: [python3, worker.py, --queue, default]   # a list: argv
 *
 * Relative paths (cwd, env_file) are relative to the config file's folder;
 * a process without cwd runs there too. env_file is read first and env wins
 * over it. Booleans are true or false (YAML 1.2: yes, no, on and off are
 * not booleans). Durations, sizes and counts must be above zero.
 * Durations: "500ms", "5s", "1.5s", "2m", "1h", or a bare number of seconds.
 * Sizes: "512K", "8M", "1.5G", "1T" (powers of 1024), or a bare whole
 * number of bytes.
 */
#ifndef BROOD_CONF_H
#define BROOD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "super.h"

struct conf_proc {
	char *name;
	char *cmd;                /* a shell command line, or NULL with argv */
	char **argv;              /* NULL-terminated, or NULL with cmd */
	char *cwd;                /* absolute: a relative cwd joined to dir; dir when not given */
	char **env;               /* "NAME=value", NULL-terminated; .env files merged in */
	bool autostart;           /* default true */
	int stop_signal;          /* 0: the global default */
	uint64_t stop_timeout_ms; /* 0: the global default */
	enum proc_restart restart;
	uint64_t backoff_first_ms;   /* 0: not set */
	uint64_t backoff_max_ms;     /* 0: not set */
	unsigned max_restarts;       /* 0: not set (no limit) */
	uint64_t restart_window_ms;  /* 0: not set */
	bool clear_env;
	char **allow_env;            /* NULL-terminated, or NULL */
	bool color_force;            /* color: force */
	uint64_t timeout_ms;         /* 0: none */
	struct proc_limits limits;   /* -1 each: not set */
	bool nice_set;
	int nice;
	char *user;                  /* NULL: not set */
	char *group;
	char *log;                   /* absolute (joined to log_dir or dir); NULL: none */
	struct proc_dep *deps;       /* names checked to exist; no cycles */
	size_t ndeps;
	struct proc_ready ready;     /* strings owned by the conf */
};

struct conf {
	char *path;               /* the file that was loaded */
	char *dir;                /* its folder, absolute: relative paths start here */
	struct conf_proc *procs;
	size_t nprocs;
	uint64_t interval_ms;     /* 0: not set */
	uint64_t stop_timeout_ms; /* 0: not set */
	size_t scroll_lines;      /* 0: not set */
	size_t scroll_bytes;      /* 0: not set */
	char *theme;              /* NULL: not set */
	char *log_dir;            /* NULL: not set */
	struct conf_binding {
		char *action;         /* "quit", "kill", "restart", ... (the dashboard's names) */
		char *key;            /* "q", "C-k", "F5" ... */
	} *keys;
	size_t nkeys;
	char **warnings;          /* "brood.yaml:7:5: unknown key 'restrt' (ignored)" */
	size_t nwarnings;
};

/* The file brood would use in dir when given no command and no -c:
 * brood.yaml, then Procfile (allocated path), or NULL if there is none. */
char *conf_find(const char *dir);

/* Load path into c (zeroed first). The format comes from the file name:
 * a name ending in .yaml or .yml is YAML (brood.yaml keys); anything else is
 * a Procfile ("name: command" lines, '#' comments, and a .env file beside it
 * merged into every process's environment). 0, or -1 with *cause set
 * (allocated, "FILE:LINE:COL: ..."); c is then empty. */
int conf_load(struct conf *c, const char *path, char **cause);

/* Parse a .env file ("KEY=value", "export KEY=value", quotes, '#' comments)
 * and append its entries to *env (NULL-terminated, allocated). -1 with
 * *cause on a malformed line or an unreadable file. */
int conf_load_env(const char *path, char ***env, char **cause);

/* Parse "500ms", "5s", "1.5", "2m", "1h" into milliseconds; -1 if malformed,
 * negative or overflowing. */
int conf_duration(const char *s, uint64_t *ms);

/* Parse "512K", "8M", "1G", "4096" into bytes; -1 if malformed or overflowing. */
int conf_size(const char *s, uint64_t *bytes);

void conf_free(struct conf *c);

#endif
