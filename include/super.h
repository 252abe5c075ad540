/*
 * super.h: the supervisor: a set of child processes, each with its own
 * state machine, driven by one event loop.
 *
 * Call order: super_create, super_add for each process, super_start_all,
 * then run the loop; commands (proc_terminate, ...) may be given from any
 * loop callback. The supervisor reports through two hooks, called from the
 * loop: every line of output, and every lifecycle event. When the front end
 * is done, super_stop_all, run the loop until super_all_ended, then
 * super_free (which makes sure nothing is left alive).
 */
#ifndef BROOD_SUPER_H
#define BROOD_SUPER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "line.h"
#include "loop.h"

struct super;
struct proc;
struct scroll;

enum proc_state {
	PROC_NEW,       /* added, never started */
	PROC_STARTING,  /* forked; exec not confirmed yet */
	PROC_RUNNING,
	PROC_STOPPING,  /* stop signal sent; waiting until its processes are gone */
	PROC_EXITED,    /* ended (any status); see proc_wstatus */
	PROC_FAILED,    /* could not start: fork, chdir or exec failed */
	PROC_BACKOFF,   /* waiting to be restarted */
	PROC_FATAL,     /* restarted too often within the window: given up */
	PROC_WAITING,   /* not started yet: waiting for its dependencies */
};

enum proc_restart {
	PROC_RESTART_NO,
	PROC_RESTART_ON_FAILURE,  /* after a non-zero exit or a death by signal */
	PROC_RESTART_ALWAYS,      /* after any ending brood did not ask for */
};

enum proc_event_kind {
	PROC_EV_SPAWNED,    /* pid */
	PROC_EV_EXECED,     /* pid */
	PROC_EV_FAILED,     /* stage, err: could not start */
	PROC_EV_SIGNAL,     /* sig sent (by a command) */
	PROC_EV_STOP,       /* sig: stop requested, stop signal sent to the tree */
	PROC_EV_ESCALATE,   /* stop timeout passed: SIGKILL sent */
	PROC_EV_PAUSED,     /* sig: SIGSTOP sent or the leader was stopped */
	PROC_EV_RESUMED,    /* SIGCONT sent or the leader continued */
	PROC_EV_EXITED,     /* wstatus: the leader was reaped */
	PROC_EV_ENDED,      /* the child is over: leader reaped, its processes gone or let go */
	PROC_EV_RESTART,    /* a restart was requested */
	PROC_EV_ADOPTED,    /* pid: a process it left was re-parented to brood */
	PROC_EV_BACKOFF,    /* wstatus, attempt of max, delay_ms: a restart is due */
	PROC_EV_FATAL,      /* attempt restarts within the window: given up */
	PROC_EV_TIMEOUT,    /* its run-time limit passed: stopping it */
	PROC_EV_LOG_FAILED, /* err: its log file could not be opened */
	PROC_EV_READY,      /* its readiness probe passed (or it exec'd, without one) */
	PROC_EV_NOT_READY,  /* its readiness probe did not pass within the timeout */
	PROC_EV_WAITING,    /* it waits for its dependencies */
	PROC_EV_BLOCKED,    /* a dependency can no longer be met: it will not start */
	PROC_EV_STUCK,      /* pid, count, state: processes still there well after
	                     * SIGKILL (stuck in the kernel): the stop gave up on them */
};

struct proc_event {
	uint64_t t_ms;      /* util_now_ms clock */
	enum proc_event_kind kind;
	pid_t pid;
	int sig;
	int wstatus;
	int stage;
	int err;
	unsigned attempt;   /* BACKOFF, FATAL: which automatic restart this is */
	unsigned max;       /* ... of how many allowed in the window (0: no limit) */
	uint64_t delay_ms;  /* BACKOFF: how long until it */
	unsigned count;     /* STUCK: how many processes */
	char state;         /* STUCK: the kernel state of one ('D') */
};

/* Resource limits set in the child (setrlimit); -1: leave as inherited.
 * A struct of all zeros (a zero-initialised spec) also means none. */
struct proc_limits {
	int64_t cpu_s;            /* RLIMIT_CPU, seconds */
	int64_t as_bytes;         /* RLIMIT_AS */
	int64_t nofile;           /* RLIMIT_NOFILE */
	int64_t core_bytes;       /* RLIMIT_CORE */
};

enum proc_dep_cond {
	PROC_DEP_STARTED,         /* the other has exec'd */
	PROC_DEP_READY,           /* the other's readiness probe passed */
	PROC_DEP_SUCCEEDED,       /* the other exited 0 */
};

struct proc_dep {
	char *name;
	enum proc_dep_cond cond;
};

enum proc_ready_kind {
	PROC_READY_NONE,          /* ready once exec'd */
	PROC_READY_LOG,           /* a line of output matches a regex */
	PROC_READY_TCP,           /* a TCP port accepts connections */
	PROC_READY_CMD,           /* a command exits 0 */
};

struct proc_ready {
	enum proc_ready_kind kind;
	char *pattern;            /* LOG: POSIX extended regex */
	char *host;               /* TCP: NULL means 127.0.0.1 */
	int port;                 /* TCP */
	char *cmd;                /* CMD: run by /bin/sh -c */
	uint64_t period_ms;       /* TCP, CMD: between tries (0: 1000) */
	uint64_t timeout_ms;      /* give up, and say so (0: no limit) */
};

struct proc_spec {
	const char *name;         /* NULL: the program's name; made unique (".2") */
	const char *cmd;          /* a shell command line, or NULL with argv */
	char *const *argv;        /* run as is, argv[0] searched in PATH */
	const char *cwd;          /* NULL: brood's own */
	char *const *env;         /* "NAME=value" added to brood's environment; NULL-terminated or NULL */
	int stop_signal;          /* 0: SIGTERM */
	uint64_t stop_timeout_ms; /* 0: 5000 */
	bool manual;              /* not started by super_start_all (autostart: false) */
	enum proc_restart restart;
	uint64_t backoff_first_ms;   /* the first delay (0: 1000); doubles after each */
	uint64_t backoff_max_ms;     /* the cap (0: 30000) */
	unsigned max_restarts;       /* within the window; 0: no limit */
	uint64_t restart_window_ms;  /* (0: 60000); a run this long resets the backoff */
	bool clear_env;           /* start from an empty environment ... */
	char *const *allow_env;   /* ... but for these names of brood's (NULL-terminated) */
	bool color_force;         /* FORCE_COLOR=1 and CLICOLOR_FORCE=1 */
	uint64_t timeout_ms;      /* stop it after this long running (0: never) */
	struct proc_limits limits;
	bool nice_set;
	int nice;                 /* -20 .. 19 */
	const char *user;         /* run as (brood must be root) */
	const char *group;
	const char *log;          /* also write its output to this file */
	const struct proc_dep *deps;
	size_t ndeps;
	struct proc_ready ready;
};

struct super_hooks {
	void (*line)(void *arg, struct proc *p, const struct line *l);
	void (*event)(void *arg, struct proc *p, const struct proc_event *ev);
	void (*sampled)(void *arg);  /* new CPU and memory figures (may be NULL) */
	void *arg;
};

struct super_config {
	size_t scroll_lines;      /* 0 lines: keep no scrollback */
	size_t scroll_bytes;
	size_t read_max;          /* bytes read per fd per loop turn; 0: default */
	uint64_t interval_ms;     /* CPU and memory sampling; 0: 1000 */
	bool no_sampling;         /* never sample */
};

#define PROC_HISTORY 300          /* samples kept: 5 minutes at 1 s */

/* What the last sample saw of one child: its leader alone, and its whole
 * tree (the leader and every descendant, adopted daemons included). */
struct proc_metrics {
	bool valid;               /* sampled while running, since its last start */
	char state;               /* the leader's kernel state letter */
	double cpu_pct;           /* 100 = one core */
	uint64_t rss_kib;
	uint64_t vsz_kib;
	int threads;
	double tree_cpu_pct;
	uint64_t tree_rss_kib;
	uint64_t tree_vsz_kib;
	int tree_threads;
	size_t tree_procs;        /* the leader included */
	uint64_t peak_rss_kib;    /* the tree's highest sample since the start */
	double cpu_seconds;       /* the tree's CPU time sampled since the start */
};

/* One process of a child's tree, as the last sample saw it. */
struct proc_tree_row {
	pid_t pid;
	pid_t ppid;
	int depth;                /* 0: a root (the leader, or an adopted daemon) */
	char state;
	double cpu_pct;
	uint64_t rss_kib;
	int threads;
};

/* Become a child subreaper and take SIGCHLD through the loop. */
struct super *super_create(struct loop *l, const struct super_config *cfg,
    const struct super_hooks *hooks);

/* Add a process (not started), copying spec. NULL with *cause set if the
 * spec is unusable (an empty command). */
struct proc *super_add(struct super *s, const struct proc_spec *spec, char **cause);

/* Check a spec as super_add would (users, groups, the readiness regex),
 * without adding it: to refuse a config before the terminal is taken.
 * 0, or -1 with *cause (allocated). */
int super_check(const struct proc_spec *spec, char **cause);

/* Remove a process that is over (exited, failed, never started) and free
 * it; -1 with EBUSY if it or something it left behind still runs. */
int super_remove(struct super *s, struct proc *p);

size_t super_count(const struct super *s);
struct proc *super_proc(const struct super *s, size_t i);

/* Start every process that is not manual; one with dependencies waits for
 * them (PROC_WAITING), and starts when they are met. */
void super_start_all(struct super *s);

/* Terminate every process (each with its own stop signal and timeout), in
 * reverse dependency order: a process is stopped once nothing that
 * depends on it runs. */
void super_stop_all(struct super *s);

/* SIGKILL every process now. */
void super_kill_all(struct super *s);

/* Stop reading the children's pipes (hold) or read them again: a front end
 * whose own output is backed up holds theirs, so that the children wait in
 * write() instead of brood buffering without bound. Lines already in a
 * reaped child's pipe are still read. */
void super_hold_output(struct super *s, bool hold);

/* Whether every process is over: exited or failed (none starting, running,
 * stopping or waiting to restart). */
bool super_all_ended(const struct super *s);

/* Kill whatever is still alive that belongs to brood (descendants left
 * behind by ended processes, adopted orphans) and reap it, waiting at most
 * timeout_ms; the last step before exit. Returns how many processes were
 * still there. */
size_t super_sweep(struct super *s, uint64_t timeout_ms);

/* Kill every child and descendant with SIGKILL, without waiting: the
 * leaders' groups and sessions, adopted daemons and their sessions.
 * Async-signal-safe (no allocation, /proc read with system calls): the
 * fatal signal handler and the out-of-memory path call it. */
void super_emergency(struct super *s);

void super_free(struct super *s);

/* --- one process --- */

/* Start a process that is not running (exited, failed, never started). */
void proc_start(struct proc *p);

/* Stop: the stop signal and SIGCONT to every process of the child, SIGKILL
 * after the stop timeout; stopped once they are all gone. */
void proc_terminate(struct proc *p);

/* SIGKILL every process of the child now. */
void proc_kill(struct proc *p);

/* Stop, wait until every process is gone, start again. Repeating it while
 * the stop is under way changes nothing. */
void proc_restart(struct proc *p);

/* SIGSTOP / SIGCONT to every process of the child. */
void proc_pause(struct proc *p);
void proc_resume(struct proc *p);

/* Send sig to the leader (through its pidfd). -1 with errno if it is gone. */
int proc_signal(struct proc *p, int sig);

const char *proc_name(const struct proc *p);
const char *proc_command(const struct proc *p);
enum proc_state proc_state(const struct proc *p);
bool proc_paused(const struct proc *p);
pid_t proc_pid(const struct proc *p);           /* the last leader's pid, 0 if never started */
int proc_wstatus(const struct proc *p);         /* valid when exited */
bool proc_stop_requested(const struct proc *p); /* the last ending was asked for */
unsigned proc_restarts(const struct proc *p);
uint64_t proc_started_ms(const struct proc *p);
uint64_t proc_ended_ms(const struct proc *p);
/* When a stopping process will be sent SIGKILL (util_now_ms clock); 0 if
 * no escalation is pending. */
uint64_t proc_kill_deadline_ms(const struct proc *p);
/* When a process in backoff will be started again; 0 if none is due. */
uint64_t proc_backoff_deadline_ms(const struct proc *p);
/* Whether this run passed its readiness probe. */
bool proc_ready(const struct proc *p);
/* What a waiting process waits for ("db ready, cache started"), or why it
 * will not start; empty otherwise. */
void proc_waiting_for(const struct proc *p, char *buf, size_t len);
const struct rusage *proc_rusage(const struct proc *p); /* of the leader and what it reaped */
struct scroll *proc_scroll(const struct proc *p);

/* The line a stream is in the middle of (a prompt, a progress bar): text
 * not yet ended by a newline. False if there is none. The view is valid
 * until the next loop turn. */
bool proc_pending(const struct proc *p, enum line_stream stream, struct line *out);

/* Whether the process ended badly on its own: a non-zero exit, a signal it
 * was not sent by brood, or a failure to start. */
bool proc_failed(const struct proc *p);

/* The number a shell would give its ending: exit code, 128+N for signal N,
 * 127/126 for failures to start. */
int proc_exit_code(const struct proc *p);

/* Describe the state for people: "running", "stopping", "exited 3",
 * "killed by SIGSEGV (core dumped)", "exec failed: No such file or directory". */
void proc_describe(const struct proc *p, char *buf, size_t len);

/* A PROC_EV_STUCK event for people: "1 process (pid 12, D disk sleep)
 * still there after SIGKILL: stuck in the kernel, left behind". */
void proc_describe_stuck(const struct proc_event *ev, char *buf, size_t len);

/* CPU and memory, from the last sample. */
const struct proc_metrics *proc_metrics(const struct proc *p);

/* How many history samples are kept (at most PROC_HISTORY), and sample i
 * (0: oldest) of the tree's CPU% and RSS. */
size_t proc_history_count(const struct proc *p);
void proc_history(const struct proc *p, size_t i, float *cpu_pct, uint64_t *rss_kib);

/* The processes of p's tree in the last sample, in tree order (each
 * after its parent); allocated into *rows, the count returned. */
size_t proc_tree_rows(const struct proc *p, struct proc_tree_row **rows);

/* The command line of pid, for showing (allocated, not yet sanitized);
 * NULL if it is gone or sampling is off. */
char *super_cmdline(struct super *s, pid_t pid, size_t max);

/* Sample now (normally driven by the interval timer); for tests. */
void super_sample(struct super *s);

/* Lifecycle events, oldest first; the most recent PROC_EVENTS_MAX are kept. */
#define PROC_EVENTS_MAX 256
size_t proc_event_count(const struct proc *p);
const struct proc_event *proc_event_get(const struct proc *p, size_t i);

#endif
