/*
 * stop.c: stopping a child: signalling all of it, and escalation.
 *
 * A child's processes are those the last /proc snapshot attributes to it
 * (super_owner: the leader, its group and session, their descendants,
 * adopted daemons carrying its marker). A signal for the child goes to
 * every one of them: to the leader's process group first, in one kill(),
 * then to each member outside the group on its own, the unreaped leader
 * through its pidfd so that a reused pid can never receive it. Pause and
 * resume (SIGSTOP, SIGCONT) go the same way.
 *
 * A stop sends the child's stop signal, then SIGCONT (a stopped process
 * cannot act on the first), and the child is STOPPING until nothing of it
 * is left: the poll (super.c, every SUPER_POLL_MS) ends the stop when the
 * snapshot holds no process of it and its leader is reaped, never merely
 * because the leader exited. Processes that turn up outside the group
 * after the snapshot get the same signals (super_signal_newcomers). If the
 * stop timeout passes first, whatever is left gets SIGKILL and the wait
 * goes on, for SUPER_STUCK_MS at most: a process still there by then is
 * stuck in the kernel (disk sleep on a dead NFS server, a frozen cgroup),
 * where no signal reaches it until it wakes, and then SIGKILL ends it. The
 * stop gives up on it (PROC_EV_STUCK) rather than hang brood's quit on it;
 * an unreaped leader is reaped whenever it dies. A kill is a stop that
 * starts at SIGKILL, with no timeout.
 *
 * A stop of something that is already over, with no process and no open
 * pipe left, does nothing; one of an ended child whose processes linger
 * stops those. A kill while a stop is under way sends SIGKILL at once; the
 * timeout of a stop is never restarted.
 */
#include "config.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "super-int.h"
#include "util.h"

size_t
stop_send(struct proc *p, int sig)
{
	struct super *s = p->s;
	bool group = !p->reaped;
	size_t i, n = 0;

	for (i = 0; i < s->tree.n && !group; i++)
		group = s->owner[i] == (int)p->index && s->tree.v[i].pgid == p->pid;
	/* The group first, in one call: the kernel gives the signal to every
	 * member before any of them runs again, so no member sees another die
	 * first (a shell wrapper would go on to its next command), and a
	 * member cannot fork a child that misses it. The group id is ours
	 * while the leader is unreaped, or while members are left. */
	if (p->pid > 0 && group)
		group = kill(-p->pid, sig) == 0;
	for (i = 0; i < s->tree.n; i++) {
		const struct ptree_entry *e = &s->tree.v[i];

		if (s->owner[i] != (int)p->index)
			continue;
		n++;
		if (group && e->pgid == p->pid)
			continue; /* signalled with its group */
		if (e->pid == p->pid && !p->reaped && p->pidfd != -1)
			syscall(SYS_pidfd_send_signal, p->pidfd, sig, NULL, 0);
		else if (e->state != 'Z')
			kill(e->pid, sig);
	}
	return n;
}

/* The stop timeout passed with processes left: SIGKILL to all of them. */
static void
stop_escalate(struct loop *l, void *arg)
{
	struct proc *p = arg;

	p->kill_timer = NULL;
	p->kill_deadline_ms = 0;
	if (p->state != PROC_STOPPING)
		return;
	super_tree_update(p->s);
	p->stop_sig = SIGKILL;
	p->killed_ms = util_now_ms();
	stop_send(p, SIGKILL);
	super_signal_newcomers(p->s);
	proc_event_simple(p, PROC_EV_ESCALATE, SIGKILL);
	super_poll_arm(p->s);
}

void
stop_begin(struct proc *p, int sig)
{
	struct super *s = p->s;
	bool live = p->state == PROC_STARTING || p->state == PROC_RUNNING ||
	    p->state == PROC_STOPPING;

	super_tree_update(s);
	if (!live && proc_tree_count(p) == 0 && p->out_fd == -1 && p->err_fd == -1)
		return; /* nothing of it is left */
	stop_send(p, sig);
	if (sig != SIGKILL && sig != SIGCONT)
		stop_send(p, SIGCONT); /* a stopped process cannot act on it */
	if (p->state != PROC_STOPPING && p->state != PROC_EXITED &&
	    p->state != PROC_FAILED)
		p->stop_requested = true;
	if (!live && p->ended_ms == 0)
		p->ended_ms = util_now_ms();
	p->state = PROC_STOPPING;
	p->stop_sig = sig;
	if (sig == SIGKILL && p->killed_ms == 0)
		p->killed_ms = util_now_ms();
	p->paused = false;
	/* A command for many processes shares one snapshot and looks for
	 * newcomers once, when all are signalled (super_stop_all). */
	if (!s->tree_fresh)
		super_signal_newcomers(s);
	proc_event_simple(p, PROC_EV_STOP, sig);
	if (sig == SIGKILL) {
		loop_timer_cancel(s->loop, p->kill_timer);
		p->kill_timer = NULL;
		p->kill_deadline_ms = 0;
	} else if (p->kill_timer == NULL) {
		p->kill_deadline_ms = util_now_ms() + p->stop_timeout_ms;
		p->kill_timer = loop_timer_add(s->loop, p->kill_deadline_ms,
		    stop_escalate, p);
	}
	super_poll_arm(s);
}
