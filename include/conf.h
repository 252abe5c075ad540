/*
 * conf.h: process sets from files: brood.yaml, a Procfile (with the .env
 * beside it), or the files of mprocs and process-compose. The only module
 * of brood that includes libyaml (in src/conf-node.c alone).
 *
 * Loading any of them gives a complete, checked config or an error naming
 * file:line:column and the key; nothing is started and the terminal is not
 * touched before a config has loaded. Every string in a config is owned by
 * it. Keys brood does not know are warnings (conf->warnings), never
 * silently ignored; so are keys of mprocs and process-compose that brood
 * knows but cannot honour ("unsupported key 'add_path' (ignored)").
 *
 * brood.yaml:
 *
 *     interval: 1s                # sampling; a duration
 *     stop_timeout: 5s            # default for every process
 *     theme: light
 *     scrollback: { lines: 10000, bytes: 8M }
 *     log_dir: logs               # where relative log files go
 *     keys: { quit: Q, kill: C-k } # action: key (at most 16 bytes)
 *     processes:
 *       web:
 *         cmd: python3 -m http.server 8000   # a string: run by sh -c (or directly)
 *         cwd: site
 *         env: { PORT: "8000" }
 *         env_file: .env.web
 *         clear_env: true                  # start from an empty environment
 *         allow_env: [HOME, PATH]          # ... but for these of brood's
 *         color: force                     # or auto (the default)
 *         autostart: true
 *         stop_signal: INT
 *         stop_timeout: 10s
 *         timeout: 1h                      # the longest it may run
 *         restart: on-failure              # no (default), on-failure, always
 *         backoff: { first: 1s, max: 30s } # doubles after each restart
 *         max_restarts: 5                  # within restart_window; then FATAL
 *         restart_window: 60s
 *         limits: { cpu: 10m, address_space: 2G, open_files: 4096, core: 0 }
 *         nice: 10                         # -20 .. 19
 *         user: www-data                   # and group (not looked up here)
 *         log: web.log                     # output copied here too
 *         depends_on: { db: ready, migrate: succeeded }   # or [db] (started)
 *         ready: { tcp: 8000, period: 500ms, timeout: 30s }
 *       worker:
 *         cmd: [python3, worker.py, --queue, default]   # a list: argv
 *
 * Relative paths (cwd, env_file, log_dir) are relative to the config
 * file's folder; a process without cwd runs there too; log is relative to
 * log_dir when there is one. env_file is read first and env wins over it.
 * Booleans are true or false (YAML 1.2: yes, no, on and off are not
 * booleans). Durations, sizes and counts must be above zero (but
 * limits.core, where 0 turns core files off). limits.cpu is whole seconds,
 * rounded up, at least 1s. Durations: "500ms", "5s", "1.5s", "2m", "1h", or
 * a bare number of seconds. Sizes: "512K", "8M", "1.5G", "1T" (powers of
 * 1024), or a bare whole number of bytes.
 *
 * depends_on names other processes (checked once the whole file is read:
 * none unknown, none itself, no cycle), each with a condition: started
 * (exec'd), ready (its ready probe passed) or succeeded (exited 0); the
 * process-compose spelling { condition: process_healthy } is read too.
 * ready is exactly one of log (a POSIX extended regex a line must match),
 * tcp (PORT, HOST:PORT, [IPV6]:PORT) or cmd (exits 0), with period and
 * timeout.
 *
 * mprocs.yaml (mprocs.yml): procs: name -> a shell string, an argv list,
 * null (left out), or { shell | cmd, cwd (<CONFIG_DIR> understood), env
 * (null: a warning, variables cannot be removed yet), autostart,
 * autorestart (true: restart always), stop (SIGINT, SIGTERM, SIGKILL,
 * hard-kill), deps }; $select: os picks linux, else $else; scrollback is
 * scrollback.lines.
 *
 * process-compose.yaml (.yml; compose.yaml and compose.yml when named):
 * processes: name -> { command, working_dir, environment ["K=V"], disabled,
 * availability { restart (exit_on_failure: on_failure, with a warning),
 * backoff_seconds (every delay: backoff first = max), max_restarts },
 * depends_on, readiness_probe { exec.command; http_get: a TCP probe of its
 * host and port, with a warning; period_seconds }, ready_log_line (a log
 * probe for that text), shutdown { signal, timeout_seconds }, log_location
 * (this process's log) }; the top-level environment goes to every process
 * (its own wins). Not mapped, with a warning: the top-level log_location
 * (one file for all, which brood does not write) and a probe's
 * timeout_seconds (a limit on one check, not on the wait).
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
 * brood.yaml, Procfile, mprocs.yaml, process-compose.yaml, then
 * process-compose.yml (allocated path), or NULL if there is none. */
char *conf_find(const char *dir);

/* Load path into c (zeroed first). The format comes from the file name:
 * mprocs.yaml and mprocs.yml are mprocs's; process-compose.yaml,
 * process-compose.yml, compose.yaml and compose.yml are process-compose's
 * (the base name exactly, in each case); any other name ending in .yaml or
 * .yml is brood.yaml; anything else is a Procfile ("name: command" lines,
 * '#' comments, and a .env file beside it merged into every process's
 * environment). 0, or -1 with *cause set (allocated, "FILE:LINE:COL: ...");
 * c is then empty. */
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

/* Free everything c holds and zero it: a loaded conf, or a zeroed one. */
void conf_free(struct conf *c);

#endif
