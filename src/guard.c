/*
 * guard.c: cleaning up after a brood that was killed outright.
 *
 * brood stops its children on every way out it can see: a key, SIGTERM,
 * SIGINT, SIGHUP, a closed terminal, a crash. SIGKILL (kill -9, the OOM
 * killer, a CI runner's timeout) runs no code of brood's. The kernel then
 * kills brood's direct children (spawn.c sets PR_SET_PDEATHSIG in each),
 * but what those started goes to init and runs on: a shell's commands, a
 * worker pool, a daemon brood had adopted. And the terminal stays raw, on
 * the alternate screen, with the mouse reported.
 *
 * The guard is a process of its own, forked at start, that waits for
 * brood's death. It holds the read end of a pipe whose only writer is
 * brood, so end of file on it means brood is gone (the kernel closes a
 * dying process's files before its children are re-parented). A brood
 * that ends in good order says so first ('q') and the guard leaves without
 * acting. Otherwise it gives the terminal back, if the dashboard held it
 * ('T' and 't' say when), and kills, with SIGKILL, every process that
 * carries brood's marker (BROOD_ID=<brood's pid>.N, set by launch.c in
 * every child and inherited by all they start), and every member of the
 * sessions and process groups such processes are in; again until a pass
 * over /proc finds nothing, since a process may fork while it is killed.
 *
 * A process that clears its environment (env -i, sudo, a service manager's
 * own launcher) carries no marker, and the session rule above finds it only
 * while something marked shares its session. So brood also names each
 * child's session as it starts ("S<pid>\n": every child starts one, with
 * its own pid as id) and again once nothing of it is left ("s<pid>\n"),
 * and the guard kills the members of every session still named. A named
 * session is trusted only while it cannot be a stranger's: its leader is
 * the process the guard saw when the name came (same pid, same start
 * time), or is gone, in which case the kernel cannot have handed its pid,
 * and so its session id, to anyone else while a member lives on.
 *
 * The guard must not be brood's descendant: brood is a subreaper and would
 * adopt it, and its sweeps would kill it. So it is forked twice before
 * brood becomes a subreaper, and the middle process exits at once: the
 * guard goes to init (or to a subreaper above brood). It leaves brood's
 * session, so that the terminal's signals (Ctrl-C, Ctrl-Z, a hangup) never
 * reach it, and keeps no descriptor but its pipes and a copy of the
 * terminal: a reader of brood's output sees end of file when brood dies.
 *
 * It costs a process that sleeps in read(), and a byte written when the
 * dashboard takes or gives back the terminal. Every session that holds a
 * marked process was made by one of brood's descendants (each child starts
 * its own), and holds only brood's descendants: the sessions and groups
 * killed are never a stranger's. brood's own session and group are left
 * alone all the same.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guard.h"
#include "ptree.h"
#include "spawn.h"
#include "util.h"

/* brood's ends: it writes to guard_out, and guard_back reads end of file
 * when the guard has exited. */
static int guard_out = -1, guard_back = -1;

/* How long a sweep may take, and the pause between passes. */
#define GUARD_SWEEP_MS 3000
#define GUARD_PASS_PAUSE_MS 5

/* What the guard kills: marked processes, and the sessions and groups they
 * are in. */
static struct {
	char prefix[32];          /* "<brood's pid>." */
	size_t prefix_len;
	pid_t self;               /* the guard */
	pid_t brood_sid, brood_pgid;
	struct ptree_idset ids;
	size_t found;             /* by the last pass */
} guard_doom;

/* The sessions brood named, with their leaders' start times. */
static struct guard_session {
	pid_t sid;
	unsigned long long start;
} guard_sessions[PTREE_IDSET_MAX];
static size_t guard_nsessions;

static bool
guard_doomed(pid_t id)
{
	return ptree_idset_has(&guard_doom.ids, id);
}

/* brood's own session and group are never emptied. */
static void
guard_doom_add(pid_t id)
{
	if (id != guard_doom.brood_sid && id != guard_doom.brood_pgid)
		ptree_idset_add(&guard_doom.ids, id);
}

static void
guard_one(void *arg, const struct ptree_entry *e)
{
	char value[64];

	(void)arg;
	if (e->pid == guard_doom.self || e->state == 'Z' || e->state == 'X')
		return;
	if (!guard_doomed(e->sid) && !guard_doomed(e->pgid)) {
		if (!ptree_environ_get(e->pid, "BROOD_ID", value, sizeof value) ||
		    strncmp(value, guard_doom.prefix, guard_doom.prefix_len) != 0)
			return;
		/* Its session was made by a descendant of brood's (every
		 * child starts one), even when its leader, killed with brood,
		 * is gone: a member that cleared its environment goes too. */
		guard_doom_add(e->sid);
		guard_doom_add(e->pgid);
	}
	kill(e->pid, SIGKILL);
	guard_doom.found++;
}

/* brood named a session (open) or said it is over. */
static void
guard_session_note(pid_t sid, bool open)
{
	struct ptree_entry e;
	size_t i;

	for (i = 0; i < guard_nsessions; i++) {
		if (guard_sessions[i].sid == sid)
			break;
	}
	if (!open) {
		if (i < guard_nsessions)
			guard_sessions[i] = guard_sessions[--guard_nsessions];
		return;
	}
	/* Its leader is brood's child and cannot be reaped yet: it is there. */
	if (sid <= 1 || !ptree_stat(sid, &e))
		return;
	if (i == guard_nsessions) {
		if (guard_nsessions == PTREE_IDSET_MAX)
			return;
		guard_nsessions++;
	}
	guard_sessions[i] = (struct guard_session){ sid, e.start };
}

/* The named sessions that are still brood's, into the doom set. */
static void
guard_doom_sessions(void)
{
	struct ptree_entry e;
	size_t i;

	for (i = 0; i < guard_nsessions; i++) {
		const struct guard_session *gs = &guard_sessions[i];

		if (!ptree_stat(gs->sid, &e) || (e.sid == gs->sid && e.start == gs->start))
			guard_doom_add(gs->sid);
	}
}

/* Kill all that is left of brood, until a pass finds nothing. */
static void
guard_sweep(void)
{
	struct timespec pause = { 0, GUARD_PASS_PAUSE_MS * 1000000L };
	int pass;

	guard_doom_sessions();
	for (pass = 0; pass < GUARD_SWEEP_MS / GUARD_PASS_PAUSE_MS; pass++) {
		guard_doom.found = 0;
		if (ptree_walk_safe(guard_one, NULL) == -1 || guard_doom.found == 0)
			break;
		nanosleep(&pause, NULL);
	}
}

/* Close every descriptor above 2 but those in keep (n of them, sorted;
 * -1 for none). */
static void
guard_close_others(const int *keep, size_t n)
{
	unsigned from = 3, fd;
	size_t i;

	for (i = 0; i <= n; i++) {
		unsigned to = i < n ? (unsigned)keep[i] : ~0U;

		if (i < n && (keep[i] < 3 || to < from))
			continue;
		if (to > from && syscall(SYS_close_range, from, to - 1, 0) == -1) {
			for (fd = from; fd < (to == ~0U ? 65536U : to); fd++)
				close((int)fd);
		}
		from = to + 1;
	}
}

static void
guard_ignore(int sig)
{
	sigaction(sig, &(struct sigaction){ .sa_handler = SIG_IGN }, NULL);
}

static void __attribute__((noreturn))
guard_main(int in, int back, const struct guard_tty *tty, pid_t brood)
{
	static const int ignored[] = { SIGHUP, SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU,
		SIGPIPE };
	int keep[3], tty_fd = -1, devnull, i, j;
	bool held = tty != NULL;
	char buf[256], what = 0;
	pid_t id = 0;
	ssize_t n;

	guard_doom.brood_sid = getsid(0);
	guard_doom.brood_pgid = getpgrp();
	setsid();
	prctl(PR_SET_NAME, "brood-guard");
	spawn_child_reset_signals();
	for (i = 0; i < (int)(sizeof ignored / sizeof ignored[0]); i++)
		guard_ignore(ignored[i]);

	/* The terminal may be brood's 0 or 1, which /dev/null replaces. */
	if (tty != NULL)
		tty_fd = fcntl(tty->fd, F_DUPFD_CLOEXEC, 3);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull != -1) {
		/* 0, 1 and 2 hold nothing of brood's (the guard never execs). */
		for (i = 0; i < 3; i++)
			dup3(devnull, i, O_CLOEXEC);
	}
	keep[0] = in;
	keep[1] = back;
	keep[2] = tty_fd;
	for (i = 1; i < 3; i++) {
		for (j = i; j > 0 && keep[j] < keep[j - 1]; j--) {
			int t = keep[j];

			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	}
	guard_close_others(keep, 3);
	/* Ready: brood goes on only once it has read this. */
	if (write(back, "r", 1) != 1)
		_exit(1);

	for (;;) {
		n = read(in, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			char c = buf[i];

			if (what != 0) {
				/* The digits of a session's id, up to a newline. */
				if (c >= '0' && c <= '9' && id < 100000000)
					id = id * 10 + (c - '0');
				else {
					if (c == '\n')
						guard_session_note(id, what == 'S');
					what = 0;
				}
			} else if (c == 'q')
				_exit(0);
			else if (c == 'T' || c == 't')
				held = c == 'T' && tty != NULL;
			else if (c == 'S' || c == 's') {
				what = c;
				id = 0;
			}
		}
	}

	/* brood is gone without a word. The terminal first: the shell is
	 * about to draw its prompt on it. */
	if (held && tty_fd != -1) {
		ssize_t unused = write(tty_fd, tty->reset, tty->reset_len);

		(void)unused;
		tcsetattr(tty_fd, TCSANOW, &tty->mode);
	}
	guard_doom.self = getpid();
	guard_doom.prefix_len = (size_t)snprintf(guard_doom.prefix, sizeof guard_doom.prefix,
	    "%d.", (int)brood);
	guard_sweep();
	_exit(0);
}

int
guard_start(const struct guard_tty *tty)
{
	int to[2], back[2], saved;
	pid_t brood = getpid(), middle;
	char ready = 0;
	ssize_t n;

	/* As the init of a pid namespace (a container's entry point), brood
	 * would adopt its own guard; and its death kills every process of the
	 * namespace anyway. */
	if (brood == 1)
		return 0;
	if (pipe2(to, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(back, O_CLOEXEC) == -1) {
		saved = errno;
		close(to[0]);
		close(to[1]);
		errno = saved;
		return -1;
	}
	middle = spawn_fork();
	if (middle == 0) {
		pid_t guard = spawn_fork();

		if (guard == 0)
			guard_main(to[0], back[1], tty, brood);
		_exit(guard == -1 ? 1 : 0);
	}
	saved = errno;
	close(to[0]);
	close(back[1]);
	if (middle == -1) {
		close(to[1]);
		close(back[0]);
		errno = saved;
		return -1;
	}
	/* The middle process's status says nothing (under valgrind, it is
	 * that of a leak check): the guard's own word does. */
	while (waitpid(middle, NULL, 0) == -1 && errno == EINTR)
		;
	while ((n = read(back[0], &ready, 1)) == -1 && errno == EINTR)
		;
	if (n != 1 || ready != 'r') {
		close(to[1]);
		close(back[0]);
		errno = EAGAIN;
		return -1;
	}
	/* brood never waits on the guard: a full pipe drops a byte. */
	fcntl(to[1], F_SETFL, fcntl(to[1], F_GETFL) | O_NONBLOCK);
	guard_out = to[1];
	guard_back = back[0];
	return 0;
}

void
guard_tty_held(bool held)
{
	char c = held ? 'T' : 't';
	ssize_t unused;

	if (guard_out == -1)
		return;
	unused = write(guard_out, &c, 1);
	(void)unused;
}

void
guard_session(pid_t sid, bool open)
{
	char msg[32];
	int n;
	ssize_t unused;

	if (guard_out == -1 || sid <= 0)
		return;
	n = snprintf(msg, sizeof msg, "%c%d\n", open ? 'S' : 's', (int)sid);
	/* Shorter than PIPE_BUF: written whole or not at all. */
	unused = write(guard_out, msg, (size_t)n);
	(void)unused;
}

void
guard_release(void)
{
	uint64_t deadline = util_now_ms() + 1000;
	char c = 'q', buf[16];
	ssize_t n;

	if (guard_out == -1)
		return;
	/* A 'q' lost to a full pipe would read as brood's death. */
	while ((n = write(guard_out, &c, 1)) == -1 && (errno == EAGAIN || errno == EINTR)) {
		struct pollfd pfd = { guard_out, POLLOUT, 0 };
		uint64_t now = util_now_ms();

		if (now >= deadline || poll(&pfd, 1, (int)(deadline - now)) == 0)
			break;
	}
	close(guard_out);
	guard_out = -1;
	/* Its exit closes its end of the back pipe: then it no longer
	 * counts among the processes brood leaves. */
	while (n == 1) {
		struct pollfd pfd = { guard_back, POLLIN, 0 };
		uint64_t now = util_now_ms();

		if (now >= deadline || poll(&pfd, 1, (int)(deadline - now)) == 0)
			break;
		n = read(guard_back, buf, sizeof buf);
		if (n == 0 || (n == -1 && errno != EINTR && errno != EAGAIN))
			break;
		n = 1;
	}
	close(guard_back);
	guard_back = -1;
}
