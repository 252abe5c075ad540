/*
 * super.c: the set of children, reaping, and who owns which process.
 *
 * brood is a child subreaper: every process its children leave behind is
 * re-parented to it, so nothing a child starts can escape to init. One
 * SIGCHLD (through the loop's signalfd) reaps everything that has ended
 * with a waitpid(-1, WNOHANG) loop: leaders go to their proc's state
 * machine with their rusage, adopted orphans are simply reaped so that no
 * zombie stays.
 *
 * Which processes belong to which child is read from /proc (ptree.c) only
 * when brood must act on them: a stop, a kill, a pause, the poll that
 * waits for a stopping child's processes to be gone, the final sweep. A
 * command given to many children at once (stop all) shares one snapshot.
 *
 * Invariant: when super_all_ended is true and super_sweep has returned,
 * brood has no descendant left, alive or zombie, that it could find.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "line.h"
#include "procfs.h"
#include "scroll.h"
#include "spawn.h"
#include "super-int.h"
#include "util.h"

static void super_sigchld(struct loop *, int, void *);

struct super *
super_create(struct loop *l, const struct super_config *cfg,
    const struct super_hooks *hooks)
{
	struct super *s = xcalloc(1, sizeof *s);

	s->loop = l;
	if (cfg != NULL)
		s->cfg = *cfg;
	if (s->cfg.read_max == 0)
		s->cfg.read_max = SUPER_READ_MAX;
	if (hooks != NULL)
		s->hooks = *hooks;
	s->self = getpid();
	s->read_buf = xmalloc(s->cfg.read_max);
	spawn_init();
	/* Orphans of our children come to us, not to init. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	loop_add_signal(l, SIGCHLD, super_sigchld, s);
	metrics_start(s);
	return s;
}

size_t
super_count(const struct super *s)
{
	return s->nprocs;
}

struct proc *
super_proc(const struct super *s, size_t i)
{
	return i < s->nprocs ? s->procs[i] : NULL;
}

static struct proc *
super_find_leader(const struct super *s, pid_t pid)
{
	size_t i;

	for (i = 0; i < s->nprocs; i++) {
		struct proc *p = s->procs[i];

		if (p->pid == pid && !p->reaped && p->state != PROC_NEW)
			return p;
	}
	return NULL;
}

/* Reap everything that has changed state. */
static void
super_sigchld(struct loop *l, int sig, void *arg)
{
	struct super *s = arg;
	struct rusage ru;
	bool stopping = false;
	int wstatus;
	pid_t pid;
	size_t i;

	for (;;) {
		pid = wait4(-1, &wstatus, WNOHANG | WUNTRACED | WCONTINUED, &ru);
		if (pid <= 0)
			break;
		struct proc *p = super_find_leader(s, pid);

		if (p == NULL) {
			/* A readiness probe, or an adopted orphan: reaped, no zombie. */
			depend_probe_reaped(s, pid, wstatus);
			continue;
		}
		if (WIFSTOPPED(wstatus) || WIFCONTINUED(wstatus))
			proc_leader_stopped(p, wstatus);
		else
			proc_reaped(p, wstatus, &ru);
	}
	for (i = 0; i < s->nprocs; i++)
		stopping |= (s->procs[i]->state == PROC_STOPPING);
	if (stopping)
		super_poll_arm(s);
}

/* Whether the pid of p's reaped leader now names another process (or
 * thread). The kernel hands a pid out again only once no process has it
 * as its group or session id either, so then nothing of p's group or
 * session is left, and whoever has that group or session id now is a
 * stranger that must never be signalled in p's name. */
static bool
super_pid_reused(const struct proc *p)
{
	return p->reaped && (kill(p->pid, 0) == 0 || errno == EPERM);
}

static int
super_leader_cmp(const void *a, const void *b)
{
	const struct super_leader *x = a, *y = b;

	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	return (x->proc > y->proc) - (x->proc < y->proc);
}

void
super_owner_index(struct super *s)
{
	size_t i;

	if (s->leaders_cap < s->nprocs) {
		s->leaders_cap = s->nprocs + 16;
		s->leaders = xreallocarray(s->leaders, s->leaders_cap, sizeof *s->leaders);
	}
	s->nleaders = 0;
	for (i = 0; i < s->nprocs; i++) {
		struct proc *p = s->procs[i];

		if (p->pid == 0 || p->tree_gone)
			continue;
		/* Checked once a pass, not for every process of the table. */
		if (super_pid_reused(p)) {
			proc_tree_gone(p);
			continue;
		}
		s->leaders[s->nleaders++] = (struct super_leader){ p->pid, (int)i };
	}
	qsort(s->leaders, s->nleaders, sizeof *s->leaders, super_leader_cmp);
}

/* The lowest index of a proc led by pid (unreaped, if leading is asked)
 * below best, or best. */
static int
super_led_by(const struct super *s, pid_t pid, bool unreaped, int best)
{
	size_t lo = 0, hi = s->nleaders;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->leaders[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* A reaped leader's pid may have been reused by another's: several. */
	for (; lo < s->nleaders && s->leaders[lo].pid == pid; lo++) {
		int i = s->leaders[lo].proc;

		if (best >= 0 && i >= best)
			break;
		if (!unreaped || !s->procs[i]->reaped) {
			best = i;
			break;
		}
	}
	return best;
}

/* Whether e is a process a stop gave up on (super_give_up). */
static bool
super_is_stuck(const struct super *s, const struct ptree_entry *e)
{
	size_t i;

	for (i = 0; i < s->nstuck; i++) {
		if (s->stuck[i].pid == e->pid && s->stuck[i].start == e->start)
			return true;
	}
	return false;
}

/* The owner of one process: the proc it leads, whose group or session it
 * is in, or whose marker it carries if brood adopted it. */
int
super_owner(void *arg, const struct ptree_entry *e)
{
	struct super *s = arg;
	char value[64], want[64];
	int best;
	size_t i;

	/* Stuck ones belong to no proc: stopping them again could only end
	 * in the same wait. */
	if (e->pid == s->self || super_is_stuck(s, e))
		return -1;
	best = super_led_by(s, e->pid, true, -1);
	best = super_led_by(s, e->pgid, false, best);
	best = super_led_by(s, e->sid, false, best);
	if (best >= 0)
		return best;
	if (e->ppid != s->self)
		return -1;
	if (!ptree_environ_get(e->pid, SUPER_MARKER, value, sizeof value))
		return -1;
	for (i = 0; i < s->nprocs; i++) {
		snprintf(want, sizeof want, "%d.%u", (int)s->self, s->procs[i]->serial);
		if (strcmp(value, want) == 0)
			return (int)i;
	}
	return -1;
}

void
super_tree_rescan(struct super *s)
{
	size_t i;

	if (ptree_scan(&s->tree) == -1)
		s->tree.n = 0;
	if (s->owner_cap < s->tree.n) {
		s->owner_cap = s->tree.n * 2;
		s->owner = xreallocarray(s->owner, s->owner_cap, sizeof *s->owner);
	}
	super_owner_index(s);
	ptree_owners(&s->tree, super_owner, s, s->owner);
	/* Forget the stuck processes that are gone. */
	for (i = 0; i < s->nstuck; i++) {
		if (ptree_get(&s->tree, s->stuck[i].pid, s->stuck[i].start) == NULL)
			s->stuck[i--] = s->stuck[--s->nstuck];
	}
	/* A reaped leader with nothing of it left: its pid may be handed out
	 * again from now on, so its group and session ids stop meaning it. */
	for (i = 0; i < s->nprocs && s->tree.n > 0; i++) {
		struct proc *p = s->procs[i];

		if (p->pid > 0 && p->reaped && !p->tree_gone && proc_tree_count(p) == 0)
			proc_tree_gone(p);
	}
}

void
super_tree_update(struct super *s)
{
	if (!s->tree_fresh)
		super_tree_rescan(s);
}

/* Whether a stopping proc has a process outside its group: only those
 * can escape the group's signal. */
static bool
super_stopping_outside(const struct super *s)
{
	size_t i;

	for (i = 0; i < s->tree.n; i++) {
		const struct proc *p = s->owner[i] >= 0 ? s->procs[s->owner[i]] : NULL;

		if (p != NULL && p->state == PROC_STOPPING && s->tree.v[i].pgid != p->pid)
			return true;
	}
	return false;
}

/* Copy the snapshot into seen, to tell newcomers by after a rescan. */
static void
super_tree_keep(const struct super *s, struct ptree *seen)
{
	if (seen->cap < s->tree.n + 1) {
		seen->cap = s->tree.n + s->tree.n / 4 + 16;
		seen->v = xreallocarray(seen->v, seen->cap, sizeof *seen->v);
	}
	memcpy(seen->v, s->tree.v, s->tree.n * sizeof *seen->v);
	seen->n = s->tree.n;
}

/* Give each process of a stopping proc that is outside its group, and was
 * not outside it in seen, the proc's stop signal; how many got it. One
 * that was outside got it on its own already. One that was in the group
 * and has left it since (setsid between the snapshot and the group's
 * kill()) may have missed the group's signal: it gets it now. */
static size_t
super_signal_unseen(struct super *s, const struct ptree *seen)
{
	const struct ptree_entry *was;
	size_t i, found = 0;

	for (i = 0; i < s->tree.n; i++) {
		const struct ptree_entry *e = &s->tree.v[i];
		const struct proc *p = s->owner[i] >= 0 ? s->procs[s->owner[i]] : NULL;

		if (p == NULL || p->state != PROC_STOPPING || e->pgid == p->pid || e->state == 'Z')
			continue;
		was = ptree_get(seen, e->pid, e->start);
		if (was != NULL && was->pgid != p->pid)
			continue;
		kill(e->pid, p->stop_sig);
		if (p->stop_sig != SIGKILL && p->stop_sig != SIGCONT)
			kill(e->pid, SIGCONT);
		found++;
	}
	return found;
}

/* A process outside its proc's group (a daemon in a session of its own)
 * can fork a child into yet another session between the snapshot and the
 * signal, and the child would wait for SIGKILL at the stop timeout. So
 * look again, and again until nothing new turns up, as systemd does in a
 * cgroup; members of a group got its signal in one go and cannot escape
 * it, so a tree that is all one group needs no second look. What turns up
 * later still is signalled by the poll (super_poll). */
void
super_signal_newcomers(struct super *s)
{
	struct ptree seen = { 0 };
	size_t pass;

	for (pass = 0; pass < 4 && super_stopping_outside(s); pass++) {
		super_tree_keep(s, &seen);
		super_tree_rescan(s);
		if (super_signal_unseen(s, &seen) == 0)
			break;
	}
	free(seen.v);
}

static int
super_stuck_rank(char state)
{
	return state == 'D' ? 2 : state != 'Z';
}

/* SIGKILL was sent long ago and processes of p are still there: stuck in
 * the kernel. Say which, and end the stop without them (stop.c). */
static void
super_give_up(struct super *s, struct proc *p)
{
	struct proc_event ev = { .kind = PROC_EV_STUCK };
	size_t i;

	for (i = 0; i < s->tree.n; i++) {
		const struct ptree_entry *e = &s->tree.v[i];

		if (s->owner[i] != (int)p->index)
			continue;
		s->stuck = xreallocarray(s->stuck, s->nstuck + 1, sizeof *s->stuck);
		s->stuck[s->nstuck++] = *e;
		/* The one shown: in disk sleep if one is, a zombie (waiting
		 * for a stuck parent) only if all are. */
		if (ev.count++ == 0 || super_stuck_rank(e->state) > super_stuck_rank(ev.state)) {
			ev.pid = e->pid;
			ev.state = e->state;
		}
	}
	if (!p->reaped) {
		/* Its status will come when it dies: SIGKILL is what it has. */
		p->leader_stuck = true;
		p->wstatus = SIGKILL;
		if (ev.count == 0) {
			ev.count = 1;
			ev.pid = p->pid;
			ev.state = 'D';
		}
	}
	if (ev.count > 0) {
		p->stuck = ev.state;
		p->nstuck = ev.count;
		proc_event_add(p, &ev);
	}
	proc_stop_done(p);
}

/* One look at every stopping proc: those whose processes are all gone are
 * done. A process that turned up outside its proc's group since the last
 * look (a loop forking into new sessions can outrun the passes of
 * super_signal_newcomers, and a member can leave the group just before
 * the group's signal) gets the stop signal now, not at the timeout. */
static void
super_poll(struct loop *l, void *arg)
{
	struct super *s = arg;
	bool again = false;
	size_t i;

	s->poll_timer = NULL;
	super_tree_keep(s, &s->poll_seen);
	super_tree_update(s);
	super_signal_unseen(s, &s->poll_seen);
	for (i = 0; i < s->nprocs; i++) {
		struct proc *p = s->procs[i];

		if (p->state != PROC_STOPPING)
			continue;
		/* The group check also covers a system without /proc. */
		if (p->reaped && proc_tree_count(p) == 0 &&
		    (p->tree_gone || kill(-p->pid, 0) == -1))
			proc_stop_done(p);
		else if (p->killed_ms != 0 && util_now_ms() - p->killed_ms >= SUPER_STUCK_MS)
			super_give_up(s, p);
		else
			again = true;
	}
	for (i = 0; i < s->nprocs; i++)
		again |= (s->procs[i]->state == PROC_STOPPING);
	if (again)
		s->poll_timer = loop_timer_add(s->loop, util_now_ms() + SUPER_POLL_MS,
		    super_poll, s);
}

void
super_poll_arm(struct super *s)
{
	if (s->poll_timer != NULL)
		loop_timer_cancel(s->loop, s->poll_timer);
	s->poll_timer = loop_timer_add(s->loop, util_now_ms(), super_poll, s);
}

void
super_start_all(struct super *s)
{
	size_t i;

	s->stopping_all = false;
	for (i = 0; i < s->nprocs; i++) {
		struct proc *p = s->procs[i];

		if (p->manual || p->state != PROC_NEW)
			continue;
		if (depend_has_deps(p)) {
			struct proc_event ev = { .kind = PROC_EV_WAITING };

			p->state = PROC_WAITING;
			proc_event_add(p, &ev);
		} else
			proc_start(p);
	}
	depend_schedule(s);
}

void
super_stop_all(struct super *s)
{
	s->stopping_all = true;
	depend_stop_ordered(s);
	super_signal_newcomers(s);
}

void
super_kill_all(struct super *s)
{
	size_t i;

	super_tree_update(s);
	s->tree_fresh = true;
	for (i = 0; i < s->nprocs; i++)
		proc_kill(s->procs[i]);
	s->tree_fresh = false;
	super_signal_newcomers(s);
}

void
super_hold_output(struct super *s, bool hold)
{
	size_t i;

	if (s->output_held == hold)
		return;
	s->output_held = hold;
	for (i = 0; i < s->nprocs; i++) {
		/* The same pipes were watched a moment ago, so epoll has
		 * room for them again. */
		(void)output_hold(s->procs[i], hold);
	}
}

bool
super_all_ended(const struct super *s)
{
	size_t i;

	for (i = 0; i < s->nprocs; i++) {
		if (!proc_is_over(s->procs[i]))
			return false;
	}
	return true;
}

/* Everything below brood: owned by a proc, or adopted and unattributed. */
static size_t
super_sweep_signal(struct super *s, int sig)
{
	size_t i, n = 0;

	super_tree_update(s);
	for (i = 0; i < s->tree.n; i++) {
		const struct ptree_entry *e = &s->tree.v[i];
		bool ours = s->owner[i] >= 0 || e->ppid == s->self;

		/* An unattributed adoptee's descendants are ours too. */
		if (!ours) {
			pid_t pp = e->ppid;
			size_t hops;

			for (hops = 0; hops < s->tree.n && pp > 1; hops++) {
				size_t j;

				if (pp == s->self) {
					ours = true;
					break;
				}
				for (j = 0; j < s->tree.n && s->tree.v[j].pid != pp; j++)
					;
				if (j == s->tree.n)
					break;
				pp = s->tree.v[j].ppid;
			}
		}
		if (!ours || e->pid == s->self || super_is_stuck(s, e))
			continue;
		n++;
		if (sig != 0 && e->state != 'Z')
			kill(e->pid, sig);
	}
	return n;
}

size_t
super_sweep(struct super *s, uint64_t timeout_ms)
{
	uint64_t deadline = util_now_ms() + timeout_ms;
	struct timespec pause = { 0, 5 * 1000000 };
	size_t first, left;

	first = left = super_sweep_signal(s, SIGKILL);
	while (left > 0) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		left = super_sweep_signal(s, SIGKILL);
		if (left == 0 || util_now_ms() >= deadline)
			break;
		nanosleep(&pause, NULL);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return first;
}

/* What super_emergency kills, in static storage: it runs in a signal
 * handler, maybe with the heap broken. */
static struct {
	pid_t self;
	struct ptree_idset ids;      /* sessions and groups to empty */
	size_t killed;               /* by the last pass over /proc */
} super_doom;

/* One process of a pass: brood's child (a leader, a probe, or an adopted
 * orphan), or a member of a session or group to empty, is killed; an
 * adopted daemon leads a session of its own, emptied on the next pass. */
static void
super_doom_one(void *arg, const struct ptree_entry *e)
{
	bool child = e->ppid == super_doom.self;

	if (e->pid == super_doom.self || e->state == 'Z')
		return;
	if (child && e->sid == e->pid)
		ptree_idset_add(&super_doom.ids, e->sid);
	if (child || ptree_idset_has(&super_doom.ids, e->sid) ||
	    ptree_idset_has(&super_doom.ids, e->pgid)) {
		kill(e->pid, SIGKILL);
		super_doom.killed++;
	}
}

void
super_emergency(struct super *s)
{
	struct timespec pause = { 0, 5 * 1000000 };
	size_t i;
	int pass;

	if (s == NULL)
		return;
	super_doom.self = s->self;
	super_doom.ids.n = 0;
	for (i = 0; i < s->nprocs; i++) {
		struct proc *p = s->procs[i];

		/* A reaped leader's group id may name strangers by now. */
		if (p->pid > 0 && !p->tree_gone && !super_pid_reused(p)) {
			kill(-p->pid, SIGKILL);
			ptree_idset_add(&super_doom.ids, p->pid);
		}
	}
	/* The groups are not all: a process that moved to a group of its own
	 * is still in its leader's session, and a daemon that called setsid
	 * was adopted by brood. /proc is read with system calls only. The
	 * orphans of what a pass kills come back to brood, the subreaper: look
	 * again until a pass finds nothing. */
	for (pass = 0; pass < 5; pass++) {
		super_doom.killed = 0;
		if (ptree_walk_safe(super_doom_one, NULL) == -1 || super_doom.killed == 0)
			break;
		nanosleep(&pause, NULL);
	}
}

void
super_sample(struct super *s)
{
	metrics_tick(s);
}

char *
super_cmdline(struct super *s, pid_t pid, size_t max)
{
	if (s->sampler == NULL)
		return NULL;
	return procfs_cmdline(pid, max);
}

void
super_free(struct super *s)
{
	size_t i;

	if (s == NULL)
		return;
	if (s->poll_timer != NULL)
		loop_timer_cancel(s->loop, s->poll_timer);
	metrics_stop(s);
	depend_stop(s);
	for (i = 0; i < s->nprocs; i++)
		proc_free(s->procs[i]);
	free(s->procs);
	ptree_free(&s->tree);
	ptree_free(&s->poll_seen);
	free(s->owner);
	free(s->leaders);
	free(s->stuck);
	free(s->read_buf);
	free(s);
}

/* A name from the command: the program's base name ("python3"), or the
 * first word of shell syntax. */
static char *
super_derive_name(const struct proc_spec *spec)
{
	const char *cmd = spec->cmd != NULL ? spec->cmd :
	    (spec->argv != NULL && spec->argv[0] != NULL) ? spec->argv[0] : "";
	const char *p = cmd + strspn(cmd, " \t"), *end, *c;

	end = p + strcspn(p, spec->cmd != NULL ? " \t;|&<>()$`'\"\\" : "");
	for (c = p; c < end; c++) {
		if (*c == '/' && c + 1 < end)
			p = c + 1;
	}
	if (end == p)
		return xstrdup("cmd");
	return xstrndup(p, (size_t)(end - p));
}

static bool
super_name_taken(const struct super *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nprocs; i++) {
		if (strcmp(s->procs[i]->name, name) == 0)
			return true;
	}
	return false;
}

int
super_check(const struct proc_spec *spec, char **cause)
{
	uid_t uid;
	gid_t gid;

	if (launch_user(spec, &uid, &gid, cause) == -1)
		return -1;
	if (spec->ready.kind == PROC_READY_TCP) {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV },
		    *res = NULL;
		char port[16];
		const char *host = spec->ready.host != NULL ? spec->ready.host : "127.0.0.1";
		int rc;

		snprintf(port, sizeof port, "%d", spec->ready.port);
		rc = getaddrinfo(host, port, &hints, &res);
		if (rc != 0) {
			*cause = util_message("%s: ready: cannot resolve '%s': %s",
			    spec->name != NULL ? spec->name : "?", host, gai_strerror(rc));
			return -1;
		}
		freeaddrinfo(res);
	}
	if (spec->ready.kind == PROC_READY_LOG) {
		regex_t re;
		int rc = regcomp(&re, spec->ready.pattern != NULL ? spec->ready.pattern : "",
		    REG_EXTENDED | REG_NOSUB);

		if (rc != 0) {
			char err[128];

			regerror(rc, &re, err, sizeof err);
			*cause = util_message("%s: ready: %s", spec->name != NULL ? spec->name : "?", err);
			return -1;
		}
		regfree(&re);
	}
	return 0;
}

struct proc *
super_add(struct super *s, const struct proc_spec *spec, char **cause)
{
	struct proc_spec named = *spec;
	char *base, *name, *shown;
	unsigned k = 2;
	struct proc *p;

	/* Names identify processes on screen and in commands: derive a
	 * missing one, and make each unique ("web", "web.2", ...). A name of
	 * nothing but escapes and controls is missing too: shown sanitized,
	 * it would be blank. */
	shown = spec->name != NULL ? line_sanitize(spec->name) : NULL;
	base = (shown != NULL && shown[strspn(shown, " ")] != '\0') ? xstrdup(spec->name) :
	    super_derive_name(spec);
	free(shown);
	name = xstrdup(base);
	while (super_name_taken(s, name)) {
		free(name);
		name = xasprintf("%s.%u", base, k++);
	}
	named.name = name;
	p = proc_create(s, &named, s->next_serial, cause);
	free(base);
	free(name);
	if (p == NULL)
		return NULL;
	s->next_serial++;
	p->index = s->nprocs;
	s->procs = xreallocarray(s->procs, s->nprocs + 1, sizeof *s->procs);
	s->procs[s->nprocs++] = p;
	return p;
}

int
super_remove(struct super *s, struct proc *p)
{
	size_t i;

	if (!proc_is_over(p)) {
		errno = EBUSY;
		return -1;
	}
	/* Something of it may still hold its pipes (a daemon): stop that first. */
	if (p->out_fd != -1 || p->err_fd != -1) {
		errno = EBUSY;
		return -1;
	}
	for (i = p->index + 1; i < s->nprocs; i++) {
		s->procs[i - 1] = s->procs[i];
		s->procs[i - 1]->index = i - 1;
	}
	s->nprocs--;
	/* Owner indices of the last snapshots are stale now. */
	s->tree.n = 0;
	metrics_forget(s);
	proc_free(p);
	return 0;
}
