/*
 * super-int.h: what the supervisor's files share (super.c, proc.c,
 * stop.c, launch.c, output.c, depend.c, metrics.c), and nothing else sees.
 */
#ifndef BROOD_SUPER_INT_H
#define BROOD_SUPER_INT_H

#include <regex.h>
#include <sys/socket.h>
#include <stdio.h>

#include "ingest.h"
#include "ptree.h"
#include "sample.h"
#include "super.h"

#define SUPER_MARKER "BROOD_ID"
#define SUPER_POLL_MS 25          /* how often a stopping child's tree is checked */
#define SUPER_EOF_GRACE_MS 200    /* how long pipes may outlive a reaped leader */
#define SUPER_STUCK_MS 2000       /* how long processes may outlive SIGKILL */
#define SUPER_READ_MAX (256u << 10)

struct proc {
	struct super *s;
	size_t index;             /* position in s->procs; changes on removal */
	unsigned serial;          /* never reused: the environment marker */
	char *name;
	char *command;            /* as shown */
	char **argv;
	char **envp;
	char *cwd;
	int stop_signal;
	uint64_t stop_timeout_ms;
	bool manual;
	enum proc_restart restart;
	uint64_t backoff_first_ms;
	uint64_t backoff_max_ms;
	unsigned max_restarts;
	uint64_t restart_window_ms;
	unsigned backoff_step;      /* automatic restarts since the last stable run */
	uint64_t recent[64];        /* times of automatic restarts in the window */
	size_t nrecent;
	uint64_t last_spawn_ms;
	struct loop_timer *backoff_timer;
	uint64_t backoff_deadline_ms;
	struct proc_limits limits;
	bool nice_set;
	int nice;
	uid_t uid;
	gid_t gid;
	uint64_t timeout_ms;
	struct loop_timer *timeout_timer;
	bool timed_out;           /* this run was stopped by its timeout */
	char *log_path;
	FILE *log;

	/* depend.c: dependencies and readiness. */
	struct proc_dep *deps;    /* owned copies */
	size_t ndeps;
	struct proc_ready ready;  /* owned strings */
	struct sockaddr_storage ready_addr; /* TCP: resolved once, at creation */
	socklen_t ready_addrlen;
	regex_t ready_re;
	bool ready_re_ok;
	bool execed;              /* this run reached exec */
	bool is_ready;            /* this run passed its probe */
	bool ready_failed;        /* ... or never will */
	struct loop_timer *probe_timer;
	struct loop_timer *ready_timer; /* the readiness deadline */
	int probe_fd;             /* a TCP probe's socket, or -1 */
	pid_t probe_pid;          /* a command probe's pid, or 0 */
	char *blocked;            /* why it will not start, when a dependency failed */

	enum proc_state state;
	bool paused;
	bool stop_requested;
	bool restart_pending;
	bool reaped;
	bool start_failed;
	bool tree_gone;           /* leader reaped and nothing of it left */
	int stop_sig;             /* STOPPING: the signal its processes were sent */
	uint64_t killed_ms;       /* STOPPING: when they were sent SIGKILL, or 0 */
	char stuck;               /* the stop gave up on processes in this
	                           * kernel state ('D'), or 0 */
	unsigned nstuck;          /* ... how many */
	bool leader_stuck;        /* ... its leader among them: reaped late */
	int fail_stage;
	int fail_err;
	char fail_detail[120];    /* spawn_failure.detail: the missing interpreter */

	pid_t pid;
	int pidfd;
	int out_fd;
	int err_fd;
	int status_fd;
	struct ingest *ingest[2];
	struct scroll *scroll;

	int wstatus;
	struct rusage ru;
	uint64_t started_ms;
	uint64_t ended_ms;
	unsigned restarts;

	struct loop_timer *kill_timer;
	uint64_t kill_deadline_ms;  /* when kill_timer fires; 0 without one */
	struct loop_timer *grace_timer;

	struct proc_event events[PROC_EVENTS_MAX];
	size_t ev_first;
	size_t ev_count;

	struct proc_metrics metrics;
	float hist_cpu[PROC_HISTORY];
	uint32_t hist_rss_kib[PROC_HISTORY];
	size_t hist_first;
	size_t hist_n;
	struct proc_adoptee {
		pid_t pid;
		unsigned long long start;
	} adoptees[32];           /* adopted daemons already announced */
	size_t nadoptees;
};

/* A proc's leader pid, indexed for attribution. */
struct super_leader {
	pid_t pid;
	int proc;
};

struct super {
	struct loop *loop;
	struct super_config cfg;
	struct super_hooks hooks;
	struct proc **procs;
	size_t nprocs;
	pid_t self;
	char *read_buf;

	struct ptree tree;        /* the last /proc snapshot */
	struct ptree poll_seen;   /* the snapshot before super_poll's rescan */
	int *owner;               /* owner[i]: proc index of tree.v[i], or -1 */
	size_t owner_cap;
	bool tree_fresh;          /* snapshot reusable within one command */
	struct loop_timer *poll_timer;
	unsigned next_serial;

	struct sample *sampler;   /* NULL: sampling off */
	struct sample_table table;/* the last sample */
	struct ptree stree;       /* its links, for attribution */
	int *sowner;              /* sowner[i]: proc index of table.v[i], or -1 */
	size_t sowner_cap;
	struct loop_timer *sample_timer;
	uint64_t last_sample_ms;

	struct super_leader *leaders; /* by pid, for super_owner */
	struct ptree_entry *stuck;    /* given up on after SIGKILL: no one's */
	size_t nstuck;
	size_t nleaders;
	size_t leaders_cap;

	bool stopping_all;        /* a stop of everything is under way, in order */
	bool output_held;         /* pipes not watched: super_hold_output */
	struct loop_timer *depend_timer;
};

/* Take a /proc snapshot and attribute every process to its proc (unless a
 * fresh one is being reused). */
void super_tree_update(struct super *s);

/* The same, even when a snapshot is being shared. */
void super_tree_rescan(struct super *s);

/* After stopping processes from the current snapshot: give each stopping
 * proc's stop signal to what turned up outside its group since. */
void super_signal_newcomers(struct super *s);

/* Check stopping procs now, and keep checking every SUPER_POLL_MS while any
 * is stopping. */
void super_poll_arm(struct super *s);

/* Index the procs' leaders by pid for super_owner: call before each
 * ptree_owners pass, since leaders change as procs start and end. */
void super_owner_index(struct super *s);

/* The owner of one process (ptree_owners callback): the index of the proc
 * it belongs to, or -1. */
int super_owner(void *arg, const struct ptree_entry *e);

/* metrics.c: sampling. */
void metrics_start(struct super *s);
void metrics_tick(struct super *s);
void metrics_forget(struct super *s);  /* indices changed: drop the last sample */
void metrics_stop(struct super *s);
/* Give back the descriptors the sampler keeps, for a start that ran out
 * of them; how many were closed. */
size_t metrics_release_fds(struct super *s);
/* A new run of p begins, or it ended: its figures are no longer current. */
void metrics_reset(struct proc *p, bool new_run);

/* depend.c: dependencies and readiness probes. */
int depend_init(struct proc *p, const struct proc_spec *spec, char **cause);
void depend_free(struct proc *p);
void depend_run_begin(struct proc *p);
void depend_on_exec(struct proc *p);
void depend_on_line(struct proc *p, const struct line *l);
void depend_on_end(struct proc *p);
bool depend_probe_reaped(struct super *s, pid_t pid, int wstatus);
/* Look again at what waits, soon (from the loop, not inside a hook). */
void depend_schedule(struct super *s);
/* Whether p must wait before it starts. */
bool depend_has_deps(const struct proc *p);
/* Stop what nothing running depends on any more (a stop of everything). */
void depend_stop_ordered(struct super *s);
void depend_stop(struct super *s);

/* proc.c: one child's state machine. */
/* The restart policy's decision for an ending at now_ms: PROC_BACKOFF
 * with *delay_ms, PROC_FATAL, or PROC_EXITED (no restart). */
enum proc_state proc_policy_decide(struct proc *p, uint64_t now_ms, uint64_t *delay_ms);

/* Whether nothing of p's run is under way or due: never started, ended,
 * failed, or given up on. */
bool proc_is_over(const struct proc *p);

/* Record an event and tell the front end. */
void proc_event_add(struct proc *p, const struct proc_event *ev);

/* Record an event of kind, with sig, for p's current pid. */
void proc_event_simple(struct proc *p, enum proc_event_kind kind, int sig);

/* How many processes of p the current snapshot holds. */
size_t proc_tree_count(const struct proc *p);

/* Both output pipes reached EOF (output.c): the child is over if its
 * leader was reaped too. */
void proc_output_closed(struct proc *p);

/* The leader was reaped. */
void proc_reaped(struct proc *p, int wstatus, const struct rusage *ru);

/* The leader stopped or continued (WUNTRACED / WCONTINUED). */
void proc_leader_stopped(struct proc *p, int wstatus);

/* A stopping proc whose tree is empty: drain, close, end. */
void proc_stop_done(struct proc *p);
/* Nothing of the current run is left, or brood stops following it: its
 * pid, group and session ids may name strangers from now on. */
void proc_tree_gone(struct proc *p);

/* A new proc for spec with a fresh serial (not started); NULL with *cause
 * if the spec is unusable. */
struct proc *proc_create(struct super *s, const struct proc_spec *spec,
    unsigned serial, char **cause);

/* Free p and close what it holds; nothing of it is signalled. */
void proc_free(struct proc *p);

/* stop.c: stopping a child. */
/* Send sig to every process of p in the current snapshot (its group in one
 * call, the leader through its pidfd); how many processes there were. */
size_t stop_send(struct proc *p, int sig);
/* Stop p with sig (its stop signal, or SIGKILL): STOPPING until nothing of
 * it is left, with SIGKILL after the stop timeout. Nothing if nothing of
 * it is left. */
void stop_begin(struct proc *p, int sig);

/* launch.c: what a child is launched as, decided once at creation. */
/* The argv to exec for spec (allocated): split on blanks when the command
 * line needs no shell, else /bin/sh -c; *command gets the line as shown. */
char **launch_argv(const struct proc_spec *spec, char **command);
/* The child's environment (allocated): brood's, filtered and added to as
 * spec says, ending with the marker for brood self and serial. */
char **launch_env(const struct proc_spec *spec, pid_t self, unsigned serial);
/* spec's user and group as ids ((uid_t)-1 and (gid_t)-1 when unset); -1
 * with *cause (allocated) if one does not exist or brood is not root. */
int launch_user(const struct proc_spec *spec, uid_t *uid, gid_t *gid, char **cause);
/* Free a NULL-terminated string vector from launch_argv or launch_env. */
void launch_strv_free(char **v);

/* output.c: a child's pipes, read into lines. */
/* The parsers, the scrollback and the log path, for a new proc. */
void output_init(struct proc *p, const struct proc_spec *spec);
/* Close the log and the pipes (without finishing their lines) and free
 * the parsers and the scrollback. */
void output_free(struct proc *p);
/* Open the log file if there is one and it is not open yet; a failure is
 * a PROC_EV_LOG_FAILED event. */
void output_open_log(struct proc *p);
/* Read the new run's pipes from the loop (unless output is held); -1 with
 * errno if it cannot. */
int output_watch(struct proc *p);
/* Watch the open pipes again, or stop watching them (super_hold_output). */
int output_hold(struct proc *p, bool hold);
/* Read what is in the pipes now, until they are empty, closed, or a few
 * megabytes have been read. */
void output_drain(struct proc *p);
/* Close both pipes, finishing the lines they were in the middle of. */
void output_close(struct proc *p);
/* Write out what the log file holds buffered. */
void output_flush(struct proc *p);

#endif
