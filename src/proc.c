/*
 * proc.c: one child's state machine.
 *
 *   NEW ──start──► STARTING ──exec ok──► RUNNING
 *                     │                     │ terminate / kill / restart
 *                     │ exec failed          ▼
 *                     ▼                 STOPPING ──tree empty──► EXITED
 *                   FAILED     RUNNING ──leader reaped, pipes closed──► EXITED
 *
 * A child is over when its leader has been reaped *and* its output pipes
 * reached EOF; a daemon that keeps the pipe open is given SUPER_EOF_GRACE_MS,
 * then the child is over anyway and the pipe is still read. A stop is over
 * only when no process of the child is left (leader, group, session,
 * descendants, marked adoptees: see ptree.c), not when the leader exits:
 * escalation to SIGKILL goes on if the leader leaves first. Restart is stop,
 * wait until empty, start; a restart asked for while one is under way only
 * confirms it, so pressing it fifty times never makes two instances.
 *
 * An ending brood did not ask for goes to the restart policy: BACKOFF
 * until the restart is due (an exponential delay, never sooner than 1 s
 * after the last spawn), FATAL after too many restarts in the window, or
 * it stays EXITED. WAITING, before a start, is for dependencies (depend.c).
 *
 * Around the machine, in files of their own: what a child is launched
 * as, decided once at creation (launch.c); its pipes read into lines
 * (output.c); signals to all of it, and a stop's escalation (stop.c);
 * reaping, and seeing that a stopping child's processes are gone
 * (super.c).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard.h"
#include "spawn.h"
#include "status.h"
#include "super-int.h"
#include "util.h"

static void proc_status_readable(struct loop *, int, uint32_t, void *);
static void proc_end(struct proc *);
static void proc_timeout_over(struct loop *, void *);

struct proc *
proc_create(struct super *s, const struct proc_spec *spec, unsigned serial,
    char **cause)
{
	struct proc *p;
	uid_t uid;
	gid_t gid;

	if (spec->name == NULL || *spec->name == '\0') {
		*cause = util_message("a process needs a name");
		return NULL;
	}
	if ((spec->cmd == NULL || spec->cmd[strspn(spec->cmd, " \t\n")] == '\0') &&
	    (spec->argv == NULL || spec->argv[0] == NULL)) {
		*cause = util_message("%s: empty command", spec->name);
		return NULL;
	}
	if (launch_user(spec, &uid, &gid, cause) == -1)
		return NULL;
	p = xcalloc(1, sizeof *p);
	p->s = s;
	p->serial = serial;
	p->name = xstrdup(spec->name);
	p->argv = launch_argv(spec, &p->command);
	p->envp = launch_env(spec, s->self, serial);
	p->cwd = spec->cwd != NULL ? xstrdup(spec->cwd) : NULL;
	p->stop_signal = spec->stop_signal > 0 ? spec->stop_signal : SIGTERM;
	p->stop_timeout_ms = spec->stop_timeout_ms > 0 ? spec->stop_timeout_ms : 5000;
	p->manual = spec->manual;
	p->restart = spec->restart;
	p->backoff_first_ms = spec->backoff_first_ms > 0 ? spec->backoff_first_ms : 1000;
	p->backoff_max_ms = spec->backoff_max_ms > 0 ? spec->backoff_max_ms : 30000;
	if (p->backoff_max_ms < p->backoff_first_ms)
		p->backoff_max_ms = p->backoff_first_ms;
	p->max_restarts = spec->max_restarts;
	p->restart_window_ms = spec->restart_window_ms > 0 ? spec->restart_window_ms : 60000;
	p->limits = spec->limits;
	if (p->limits.cpu_s == 0 && p->limits.as_bytes == 0 && p->limits.nofile == 0 &&
	    p->limits.core_bytes == 0)
		p->limits = (struct proc_limits){ -1, -1, -1, -1 };
	p->nice_set = spec->nice_set;
	p->nice = spec->nice;
	p->timeout_ms = spec->timeout_ms;
	p->uid = uid;
	p->gid = gid;
	p->state = PROC_NEW;
	p->pidfd = p->out_fd = p->err_fd = p->status_fd = -1;
	if (depend_init(p, spec, cause) == -1) {
		proc_free(p);
		return NULL;
	}
	output_init(p, spec);
	return p;
}

void
proc_free(struct proc *p)
{
	struct loop *l = p->s->loop;
	int i;

	loop_timer_cancel(l, p->kill_timer);
	loop_timer_cancel(l, p->grace_timer);
	loop_timer_cancel(l, p->backoff_timer);
	loop_timer_cancel(l, p->timeout_timer);
	depend_free(p);
	output_free(p);
	for (i = 0; i < 2; i++) {
		int *fd = i == 0 ? &p->status_fd : &p->pidfd;

		if (*fd != -1) {
			loop_del_fd(l, *fd);
			close(*fd);
		}
	}
	free(p->name);
	free(p->command);
	free(p->cwd);
	launch_strv_free(p->argv);
	launch_strv_free(p->envp);
	free(p);
}

void
proc_event_add(struct proc *p, const struct proc_event *ev)
{
	struct proc_event *slot;

	if (p->ev_count < PROC_EVENTS_MAX)
		slot = &p->events[(p->ev_first + p->ev_count++) % PROC_EVENTS_MAX];
	else {
		slot = &p->events[p->ev_first];
		p->ev_first = (p->ev_first + 1) % PROC_EVENTS_MAX;
	}
	*slot = *ev;
	slot->t_ms = util_now_ms();
	if (p->s->hooks.event != NULL)
		p->s->hooks.event(p->s->hooks.arg, p, slot);
}

void
proc_event_simple(struct proc *p, enum proc_event_kind kind, int sig)
{
	struct proc_event ev = { .kind = kind, .pid = p->pid, .sig = sig };

	proc_event_add(p, &ev);
}

static void
proc_close_status(struct proc *p)
{
	if (p->status_fd == -1)
		return;
	loop_del_fd(p->s->loop, p->status_fd);
	close(p->status_fd);
	p->status_fd = -1;
}

/* Learn whether exec succeeded; true once the answer is known. */
static bool
proc_check_exec(struct proc *p)
{
	struct spawn_failure f;
	int r = spawn_check(p->status_fd, &f);

	if (r == -1)
		return false;
	proc_close_status(p);
	if (r == 1) {
		if (p->state == PROC_STARTING)
			p->state = PROC_RUNNING;
		proc_event_simple(p, PROC_EV_EXECED, 0);
		depend_on_exec(p);
		if (p->timeout_ms > 0 && p->timeout_timer == NULL)
			p->timeout_timer = loop_timer_add(p->s->loop, util_now_ms() + p->timeout_ms,
			    proc_timeout_over, p);
	} else {
		struct proc_event ev = { .kind = PROC_EV_FAILED, .pid = p->pid,
		    .stage = f.stage, .err = f.err };

		p->start_failed = true;
		p->fail_stage = f.stage;
		p->fail_err = f.err;
		memcpy(p->fail_detail, f.detail, sizeof p->fail_detail);
		p->fail_detail[sizeof p->fail_detail - 1] = '\0';
		proc_event_add(p, &ev);
	}
	return true;
}

/* The run-time limit passed: stop it, as terminate would. */
static void
proc_timeout_over(struct loop *l, void *arg)
{
	struct proc *p = arg;

	p->timeout_timer = NULL;
	if (p->state != PROC_RUNNING && p->state != PROC_STARTING)
		return;
	proc_event_simple(p, PROC_EV_TIMEOUT, 0);
	p->timed_out = true;
	proc_terminate(p);
}

static void
proc_status_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	proc_check_exec(arg);
}

void
proc_start(struct proc *p)
{
	struct spawn_spec spec = { .argv = p->argv, .envp = p->envp, .cwd = p->cwd,
	    .limits = &p->limits, .nice_set = p->nice_set, .nice = p->nice, .uid = p->uid,
	    .gid = p->gid };
	struct spawn_child child;
	struct loop *l = p->s->loop;
	char *cause = NULL;
	int rc;

	switch (p->state) {
	case PROC_STARTING:
	case PROC_RUNNING:
	case PROC_STOPPING:
		return;
	default:
		break;
	}
	/* Old pipes still open: something of the last run is alive. It goes
	 * first, then this start happens. */
	if (p->out_fd != -1 || p->err_fd != -1) {
		p->restart_pending = true;
		proc_terminate(p);
		if (p->state == PROC_STOPPING)
			return;
	}
	loop_timer_cancel(l, p->grace_timer);
	p->grace_timer = NULL;
	loop_timer_cancel(l, p->backoff_timer);
	p->backoff_timer = NULL;
	p->backoff_deadline_ms = 0;
	p->paused = p->stop_requested = p->restart_pending = false;
	p->killed_ms = 0;
	p->stuck = 0;
	p->nstuck = 0;
	p->leader_stuck = false;
	/* A new run: brood stops following what the last one left. */
	proc_tree_gone(p);
	p->reaped = p->start_failed = p->tree_gone = p->timed_out = false;
	depend_run_begin(p);
	p->wstatus = 0;
	memset(&p->ru, 0, sizeof p->ru);
	p->started_ms = util_now_ms();
	p->ended_ms = 0;
	metrics_reset(p, true);

	/* Out of descriptors: the sampler's kept ones are the only ones brood
	 * can spare, so they go and the start is tried once more. */
	rc = spawn_start(&spec, &child, &cause);
	if (rc == -1 && (errno == EMFILE || errno == ENFILE) && metrics_release_fds(p->s) > 0) {
		free(cause);
		cause = NULL;
		rc = spawn_start(&spec, &child, &cause);
	}
	if (rc == -1) {
		int err = errno;
		struct proc_event ev = { .kind = PROC_EV_FAILED, .stage = child.fail_stage,
		    .err = err };

		free(cause);
		p->pid = 0;
		p->start_failed = true;
		p->fail_stage = child.fail_stage;
		p->fail_err = ev.err;
		p->fail_detail[0] = '\0';
		p->reaped = true;
		p->state = PROC_FAILED;
		proc_event_add(p, &ev);
		proc_end(p);
		return;
	}
	output_open_log(p);
	p->last_spawn_ms = util_now_ms();
	p->pid = child.pid;
	p->pidfd = child.pidfd;
	p->out_fd = child.out_fd;
	p->err_fd = child.err_fd;
	p->status_fd = child.status_fd;
	p->state = PROC_STARTING;
	guard_session(p->pid, true);
	if (output_watch(p) == -1 ||
	    loop_add_fd(l, p->status_fd, EPOLLIN, proc_status_readable, p) == -1)
		util_fatal("epoll: %s", strerror(errno));
	proc_event_simple(p, PROC_EV_SPAWNED, 0);
}

size_t
proc_tree_count(const struct proc *p)
{
	const struct super *s = p->s;
	size_t i, n = 0;

	for (i = 0; i < s->tree.n; i++)
		n += (s->owner[i] == (int)p->index);
	return n;
}

void
proc_terminate(struct proc *p)
{
	switch (p->state) {
	case PROC_STOPPING:
		return;
	case PROC_BACKOFF:
		/* Stopping a process that waits to restart: it stays down. */
		loop_timer_cancel(p->s->loop, p->backoff_timer);
		p->backoff_timer = NULL;
		p->backoff_deadline_ms = 0;
		p->restart_pending = false;
		p->stop_requested = true;
		p->state = p->start_failed ? PROC_FAILED : PROC_EXITED;
		return;
	case PROC_NEW:
	case PROC_FATAL:
		return;
	case PROC_WAITING:
		p->state = PROC_NEW; /* it will not start after all */
		return;
	default:
		stop_begin(p, p->stop_signal);
	}
}

void
proc_kill(struct proc *p)
{
	if (p->state == PROC_NEW || p->state == PROC_FATAL)
		return;
	if (p->state == PROC_BACKOFF || p->state == PROC_WAITING) {
		proc_terminate(p);
		return;
	}
	stop_begin(p, SIGKILL);
}

void
proc_restart(struct proc *p)
{
	proc_event_simple(p, PROC_EV_RESTART, 0);
	/* Asked for by hand: the automatic policy starts counting afresh. */
	p->backoff_step = 0;
	p->nrecent = 0;
	switch (p->state) {
	case PROC_STARTING:
	case PROC_RUNNING:
		p->restart_pending = true;
		proc_terminate(p);
		break;
	case PROC_STOPPING:
		p->restart_pending = true;
		break;
	case PROC_NEW:
		proc_start(p);
		break;
	default:
		p->restarts++;
		proc_start(p);
		break;
	}
}

void
proc_pause(struct proc *p)
{
	if ((p->state != PROC_RUNNING && p->state != PROC_STARTING) || p->paused)
		return;
	super_tree_update(p->s);
	stop_send(p, SIGSTOP);
	p->paused = true;
	proc_event_simple(p, PROC_EV_PAUSED, SIGSTOP);
}

void
proc_resume(struct proc *p)
{
	if ((p->state != PROC_RUNNING && p->state != PROC_STARTING) || !p->paused)
		return;
	super_tree_update(p->s);
	stop_send(p, SIGCONT);
	p->paused = false;
	proc_event_simple(p, PROC_EV_RESUMED, SIGCONT);
}

int
proc_signal(struct proc *p, int sig)
{
	int r;

	if (p->pid <= 0 || p->reaped) {
		errno = ESRCH;
		return -1;
	}
	if (p->pidfd != -1)
		r = (int)syscall(SYS_pidfd_send_signal, p->pidfd, sig, NULL, 0);
	else
		r = kill(p->pid, sig);
	if (r == 0)
		proc_event_simple(p, PROC_EV_SIGNAL, sig);
	return r;
}

void
proc_leader_stopped(struct proc *p, int wstatus)
{
	bool stopped = WIFSTOPPED(wstatus);

	if (stopped == p->paused)
		return;
	p->paused = stopped;
	proc_event_simple(p, stopped ? PROC_EV_PAUSED : PROC_EV_RESUMED,
	    stopped ? WSTOPSIG(wstatus) : SIGCONT);
}

void
proc_output_closed(struct proc *p)
{
	if (p->reaped && p->state != PROC_STOPPING && p->state != PROC_EXITED &&
	    p->state != PROC_FAILED)
		proc_end(p);
}

static void
proc_grace_over(struct loop *l, void *arg)
{
	struct proc *p = arg;

	p->grace_timer = NULL;
	if (p->state == PROC_STARTING || p->state == PROC_RUNNING)
		proc_end(p);
}

void
proc_reaped(struct proc *p, int wstatus, const struct rusage *ru)
{
	struct proc_event ev = { .kind = PROC_EV_EXITED, .pid = p->pid,
	    .wstatus = wstatus };

	p->reaped = true;
	p->wstatus = wstatus;
	p->ru = *ru;
	p->paused = false;
	if (p->pidfd != -1) {
		close(p->pidfd);
		p->pidfd = -1;
	}
	/* The child is dead, so the status pipe holds its answer or EOF. */
	if (p->status_fd != -1)
		proc_check_exec(p);
	if (!p->start_failed)
		proc_event_add(p, &ev);
	if (p->leader_stuck) {
		/* Awake at last, long after its stop gave up on it (super.c):
		 * the run is over already, with one stuck process fewer. */
		p->leader_stuck = false;
		p->nstuck--;
		return;
	}
	output_drain(p);
	if (p->state == PROC_STOPPING)
		return; /* done when the tree is empty: super_poll */
	if (p->out_fd == -1 && p->err_fd == -1)
		proc_end(p);
	else if (p->grace_timer == NULL)
		p->grace_timer = loop_timer_add(p->s->loop,
		    util_now_ms() + SUPER_EOF_GRACE_MS, proc_grace_over, p);
}

void
proc_stop_done(struct proc *p)
{
	output_drain(p);
	/* Every writer we know of is gone; one we do not know of must not
	 * keep this child from ending. */
	output_close(p);
	proc_tree_gone(p);
	proc_end(p);
}

static void
proc_backoff_over(struct loop *l, void *arg)
{
	struct proc *p = arg;

	p->backoff_timer = NULL;
	p->backoff_deadline_ms = 0;
	if (p->state != PROC_BACKOFF)
		return;
	p->restarts++;
	proc_start(p);
}

/* The policy's decision for an ending at now_ms (passed in, so tests can
 * drive the clock): PROC_BACKOFF with *delay_ms, PROC_FATAL, or
 * PROC_EXITED for no restart. Records the restart in the window. */
enum proc_state
proc_policy_decide(struct proc *p, uint64_t now_ms, uint64_t *delay_ms)
{
	uint64_t delay;
	size_t i, k;

	if (p->restart == PROC_RESTART_NO || p->stop_requested ||
	    (p->restart == PROC_RESTART_ON_FAILURE && !proc_failed(p)))
		return PROC_EXITED;
	/* A run as long as the window was stable: back to the first delay. */
	if (p->ended_ms - p->started_ms >= p->restart_window_ms)
		p->backoff_step = 0;
	for (i = k = 0; i < p->nrecent; i++) {
		if (now_ms - p->recent[i] < p->restart_window_ms)
			p->recent[k++] = p->recent[i];
	}
	p->nrecent = k;
	if (p->max_restarts > 0 && p->nrecent >= p->max_restarts)
		return PROC_FATAL;
	delay = p->backoff_first_ms;
	for (i = 0; i < p->backoff_step && delay < p->backoff_max_ms; i++)
		delay *= 2;
	if (delay > p->backoff_max_ms)
		delay = p->backoff_max_ms;
	if (p->last_spawn_ms + 1000 > now_ms + delay)
		delay = p->last_spawn_ms + 1000 - now_ms;
	p->backoff_step++;
	if (p->nrecent == sizeof p->recent / sizeof p->recent[0]) {
		memmove(p->recent, p->recent + 1, sizeof p->recent - sizeof p->recent[0]);
		p->nrecent--;
	}
	p->recent[p->nrecent++] = now_ms;
	*delay_ms = delay;
	return PROC_BACKOFF;
}

/* After an ending brood did not ask for: restart if the policy says so,
 * after an exponential backoff (never sooner than 1 s after the last
 * spawn), or give up when there were too many restarts in the window. */
static void
proc_apply_policy(struct proc *p)
{
	uint64_t now = util_now_ms(), delay = 0;
	struct proc_event ev = { .pid = p->pid, .wstatus = p->wstatus,
	    .max = p->max_restarts };

	switch (proc_policy_decide(p, now, &delay)) {
	case PROC_FATAL:
		ev.kind = PROC_EV_FATAL;
		ev.attempt = (unsigned)p->nrecent;
		p->state = PROC_FATAL;
		proc_event_add(p, &ev);
		return;
	case PROC_BACKOFF:
		p->state = PROC_BACKOFF;
		p->backoff_deadline_ms = now + delay;
		p->backoff_timer = loop_timer_add(p->s->loop, p->backoff_deadline_ms,
		    proc_backoff_over, p);
		ev.kind = PROC_EV_BACKOFF;
		ev.attempt = (unsigned)p->nrecent;
		ev.delay_ms = delay;
		proc_event_add(p, &ev);
		return;
	default:
		return;
	}
}

void
proc_tree_gone(struct proc *p)
{
	if (!p->tree_gone && p->pid > 0)
		guard_session(p->pid, false);
	p->tree_gone = true;
}

/* The child is over: record it, tell the front end, restart if asked. */
static void
proc_end(struct proc *p)
{
	struct loop *l = p->s->loop;
	bool report = p->ended_ms == 0;

	loop_timer_cancel(l, p->kill_timer);
	loop_timer_cancel(l, p->grace_timer);
	loop_timer_cancel(l, p->timeout_timer);
	p->kill_timer = p->grace_timer = p->timeout_timer = NULL;
	p->kill_deadline_ms = 0;
	p->killed_ms = 0;
	output_flush(p);
	proc_close_status(p);
	/* Its group is empty: its pid can be reused from now on, and then the
	 * group and session ids would name strangers (see super_owner). */
	if (p->reaped && p->pid > 0 && kill(-p->pid, 0) == -1 && errno == ESRCH)
		proc_tree_gone(p);
	p->state = p->start_failed ? PROC_FAILED : PROC_EXITED;
	metrics_reset(p, false);
	depend_on_end(p);
	depend_schedule(p->s);
	if (report) {
		struct proc_event ev = { .kind = PROC_EV_ENDED, .pid = p->pid,
		    .wstatus = p->wstatus, .stage = p->fail_stage, .err = p->fail_err };

		p->ended_ms = util_now_ms();
		proc_event_add(p, &ev);
	}
	if (p->restart_pending) {
		p->restart_pending = false;
		p->restarts++;
		proc_start(p);
	} else if (report)
		proc_apply_policy(p);
}

const char *
proc_name(const struct proc *p)
{
	return p->name;
}

const char *
proc_command(const struct proc *p)
{
	return p->command;
}

enum proc_state
proc_state(const struct proc *p)
{
	return p->state;
}

bool
proc_paused(const struct proc *p)
{
	return p->paused;
}

pid_t
proc_pid(const struct proc *p)
{
	return p->pid;
}

int
proc_wstatus(const struct proc *p)
{
	return p->wstatus;
}

bool
proc_stop_requested(const struct proc *p)
{
	return p->stop_requested;
}

unsigned
proc_restarts(const struct proc *p)
{
	return p->restarts;
}

uint64_t
proc_started_ms(const struct proc *p)
{
	return p->started_ms;
}

uint64_t
proc_ended_ms(const struct proc *p)
{
	return p->ended_ms;
}

uint64_t
proc_kill_deadline_ms(const struct proc *p)
{
	return p->kill_deadline_ms;
}

bool
proc_is_over(const struct proc *p)
{
	switch (p->state) {
	case PROC_NEW:
	case PROC_EXITED:
	case PROC_FAILED:
	case PROC_FATAL:
		return true;
	default:
		return false;
	}
}

bool
proc_ready(const struct proc *p)
{
	return p->is_ready;
}

uint64_t
proc_backoff_deadline_ms(const struct proc *p)
{
	return p->backoff_deadline_ms;
}

const struct rusage *
proc_rusage(const struct proc *p)
{
	return &p->ru;
}

struct scroll *
proc_scroll(const struct proc *p)
{
	return p->scroll;
}

const struct proc_metrics *
proc_metrics(const struct proc *p)
{
	return &p->metrics;
}

size_t
proc_history_count(const struct proc *p)
{
	return p->hist_n;
}

void
proc_history(const struct proc *p, size_t i, float *cpu_pct, uint64_t *rss_kib)
{
	size_t slot = (p->hist_first + (i < p->hist_n ? i : 0)) % PROC_HISTORY;

	*cpu_pct = p->hist_cpu[slot];
	*rss_kib = p->hist_rss_kib[slot];
}

/* Append the rows of the members whose parent is ppid, depth-first. */
static void
proc_tree_walk(const struct super *s, const size_t *members, size_t n, bool *used,
    pid_t ppid, int depth, struct proc_tree_row *rows, size_t *count)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct sample_proc *e = &s->table.v[members[i]];

		if (used[i] || e->ppid != ppid)
			continue;
		used[i] = true;
		rows[(*count)++] = (struct proc_tree_row){ e->pid, e->ppid, depth, e->state,
		    e->cpu_pct, e->rss_kib, e->threads };
		proc_tree_walk(s, members, n, used, e->pid, depth + 1, rows, count);
	}
}

size_t
proc_tree_rows(const struct proc *p, struct proc_tree_row **rows)
{
	const struct super *s = p->s;
	size_t *members, n = 0, i, j, count = 0;
	bool *used;

	*rows = NULL;
	if (!p->metrics.valid || s->table.n == 0)
		return 0;
	members = xcalloc(s->table.n, sizeof *members);
	for (i = 0; i < s->table.n; i++) {
		if (s->sowner[i] == (int)p->index)
			members[n++] = i;
	}
	used = xcalloc(n + 1, sizeof *used);
	*rows = xcalloc(n + 1, sizeof **rows);
	/* Roots: members whose parent is not a member (the leader, adoptees). */
	for (i = 0; i < n; i++) {
		const struct sample_proc *e = &s->table.v[members[i]];
		bool parent_in = false;

		for (j = 0; j < n && !parent_in; j++)
			parent_in = s->table.v[members[j]].pid == e->ppid;
		if (parent_in || used[i])
			continue;
		used[i] = true;
		(*rows)[count++] = (struct proc_tree_row){ e->pid, e->ppid, 0, e->state,
		    e->cpu_pct, e->rss_kib, e->threads };
		proc_tree_walk(s, members, n, used, e->pid, 1, *rows, &count);
	}
	free(used);
	free(members);
	return count;
}

bool
proc_pending(const struct proc *p, enum line_stream stream, struct line *out)
{
	return ingest_pending(p->ingest[stream], out);
}

bool
proc_failed(const struct proc *p)
{
	if (p->state == PROC_FAILED || p->state == PROC_FATAL)
		return true; /* given up on is a failure, whatever the last status */
	if (p->state == PROC_EXITED && p->timed_out)
		return true; /* stopped by brood, but for running too long */
	if (p->state != PROC_EXITED || p->stop_requested)
		return false;
	return status_code(p->wstatus) != 0;
}

int
proc_exit_code(const struct proc *p)
{
	if (p->state == PROC_FAILED)
		return status_failure_code(p->fail_stage, p->fail_err);
	if (p->state == PROC_EXITED)
		return status_code(p->wstatus);
	if (p->state == PROC_FATAL) {
		if (p->start_failed)
			return status_failure_code(p->fail_stage, p->fail_err);
		return status_code(p->wstatus) != 0 ? status_code(p->wstatus) : 1;
	}
	return 0;
}

/* A failure to start, naming the missing interpreter when there is one. */
static void
proc_describe_failure(const struct proc *p, char *buf, size_t len)
{
	if (p->fail_stage == STATUS_STAGE_INTERP && p->fail_detail[0] != '\0')
		snprintf(buf, len, "exec failed: bad interpreter '%s': %s", p->fail_detail,
		    strerrordesc_np(p->fail_err) != NULL ? strerrordesc_np(p->fail_err) : "?");
	else
		status_describe_failure(p->fail_stage, p->fail_err, buf, len);
}

void
proc_describe_stuck(const struct proc_event *ev, char *buf, size_t len)
{
	snprintf(buf, len, "%u process%s (pid %d, %c %s) still there after SIGKILL: stuck in "
	    "the kernel, left behind", ev->count, ev->count == 1 ? "" : "es", (int)ev->pid,
	    ev->state, status_state_meaning(ev->state));
}

void
proc_describe(const struct proc *p, char *buf, size_t len)
{
	switch (p->state) {
	case PROC_NEW:
		snprintf(buf, len, "not started");
		break;
	case PROC_WAITING:
		snprintf(buf, len, "waiting");
		break;
	case PROC_STARTING:
		snprintf(buf, len, "starting");
		break;
	case PROC_RUNNING:
		snprintf(buf, len, p->paused ? "paused" : "running");
		break;
	case PROC_STOPPING:
		snprintf(buf, len, "stopping");
		break;
	case PROC_EXITED:
		if (p->leader_stuck)
			snprintf(buf, len, "stuck in the kernel (%c, %s) after SIGKILL: left behind",
			    p->stuck, status_state_meaning(p->stuck));
		else if (p->nstuck > 0) {
			char what[160];

			status_describe(p->wstatus, what, sizeof what);
			snprintf(buf, len, "%s; %u process%s stuck in the kernel (%c, %s) left behind",
			    what, p->nstuck, p->nstuck == 1 ? "" : "es", p->stuck,
			    status_state_meaning(p->stuck));
		} else
			status_describe(p->wstatus, buf, len);
		break;
	case PROC_FAILED:
		if (p->fail_stage == STATUS_STAGE_DEPENDENCY && p->blocked != NULL)
			snprintf(buf, len, "%s", p->blocked);
		else
			proc_describe_failure(p, buf, len);
		break;
	case PROC_BACKOFF:
	case PROC_FATAL: {
		char last[160];

		if (p->start_failed)
			proc_describe_failure(p, last, sizeof last);
		else
			status_describe(p->wstatus, last, sizeof last);
		if (p->state == PROC_BACKOFF)
			snprintf(buf, len, "%s; restarting", last);
		else
			snprintf(buf, len, "FATAL: %zu restarts in %llus, %s", p->nrecent,
			    (unsigned long long)(p->restart_window_ms / 1000), last);
		break;
	}
	}
}

size_t
proc_event_count(const struct proc *p)
{
	return p->ev_count;
}

const struct proc_event *
proc_event_get(const struct proc *p, size_t i)
{
	if (i >= p->ev_count)
		return NULL;
	return &p->events[(p->ev_first + i) % PROC_EVENTS_MAX];
}
