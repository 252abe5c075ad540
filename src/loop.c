/*
 * loop.c: an epoll loop over fds, one signalfd and one timerfd.
 *
 * Registrations are kept in a table indexed by fd. A callback may add or
 * remove any registration, its own included: events already returned by
 * epoll_wait for an fd that was removed meanwhile are skipped, and an event
 * that reaches a new registration on a reused fd is harmless because every
 * watched fd is nonblocking. Timers are few (one per stopping child, a
 * sampling tick), so they live in a list sorted by deadline; the timerfd is
 * armed for the first one. Signals never run in signal context: they are
 * blocked and read from the signalfd like any other input.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "loop.h"
#include "util.h"

#define LOOP_MAX_EVENTS 64

struct loop_fd {
	loop_fd_cb *cb;
	void *arg;
};

struct loop_timer {
	uint64_t deadline_ms;
	loop_timer_cb *cb;
	void *arg;
	struct loop_timer *next;
};

struct loop_sig {
	loop_signal_cb *cb;
	void *arg;
};

struct loop {
	int epfd;
	int sigfd;
	int timerfd;
	sigset_t sigmask;
	struct loop_fd *fds;
	size_t nfds;
	struct loop_sig sigs[_NSIG];
	struct loop_timer *timers;
	loop_idle_cb *idle_cb;
	void *idle_arg;
	bool stop;
};

static void loop_read_signals(struct loop *, int, uint32_t, void *);
static void loop_read_timer(struct loop *, int, uint32_t, void *);

struct loop *
loop_create(void)
{
	struct loop *l = xcalloc(1, sizeof *l);

	sigemptyset(&l->sigmask);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->sigfd = signalfd(-1, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	l->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->epfd == -1 || l->sigfd == -1 || l->timerfd == -1)
		util_fatal("event loop: %s", strerror(errno));
	if (loop_add_fd(l, l->sigfd, EPOLLIN, loop_read_signals, NULL) == -1 ||
	    loop_add_fd(l, l->timerfd, EPOLLIN, loop_read_timer, NULL) == -1)
		util_fatal("event loop: %s", strerror(errno));
	return l;
}

void
loop_free(struct loop *l)
{
	struct loop_timer *t, *next;

	if (l == NULL)
		return;
	for (t = l->timers; t != NULL; t = next) {
		next = t->next;
		free(t);
	}
	close(l->epfd);
	close(l->sigfd);
	close(l->timerfd);
	sigprocmask(SIG_UNBLOCK, &l->sigmask, NULL);
	free(l->fds);
	free(l);
}

int
loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb *cb, void *arg)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if ((size_t)fd >= l->nfds) {
		size_t n = l->nfds == 0 ? 64 : l->nfds;

		while (n <= (size_t)fd)
			n *= 2;
		l->fds = xreallocarray(l->fds, n, sizeof *l->fds);
		memset(l->fds + l->nfds, 0, (n - l->nfds) * sizeof *l->fds);
		l->nfds = n;
	}
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		return -1;
	l->fds[fd].cb = cb;
	l->fds[fd].arg = arg;
	return 0;
}

int
loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
}

void
loop_del_fd(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds || l->fds[fd].cb == NULL)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->fds[fd].cb = NULL;
	l->fds[fd].arg = NULL;
}

void
loop_add_signal(struct loop *l, int sig, loop_signal_cb *cb, void *arg)
{
	sigset_t one;

	l->sigs[sig].cb = cb;
	l->sigs[sig].arg = arg;
	sigaddset(&l->sigmask, sig);
	sigemptyset(&one);
	sigaddset(&one, sig);
	sigprocmask(SIG_BLOCK, &one, NULL);
	if (signalfd(l->sigfd, &l->sigmask, 0) == -1)
		util_fatal("signalfd: %s", strerror(errno));
}

static void
loop_read_signals(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si[16];
	ssize_t n;
	size_t i;

	for (;;) {
		n = read(fd, si, sizeof si);
		if (n <= 0)
			return;
		for (i = 0; i < (size_t)n / sizeof si[0]; i++) {
			int sig = (int)si[i].ssi_signo;

			if (sig > 0 && sig < _NSIG && l->sigs[sig].cb != NULL)
				l->sigs[sig].cb(l, sig, l->sigs[sig].arg);
		}
	}
}

/* Arm the timerfd for the first deadline, or disarm it. */
static void
loop_arm(struct loop *l)
{
	struct itimerspec its;

	memset(&its, 0, sizeof its);
	if (l->timers != NULL) {
		uint64_t d = l->timers->deadline_ms;

		if (d == 0)
			d = 1; /* zero would disarm */
		its.it_value.tv_sec = (time_t)(d / 1000);
		its.it_value.tv_nsec = (long)(d % 1000) * 1000000;
	}
	timerfd_settime(l->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

struct loop_timer *
loop_timer_add(struct loop *l, uint64_t deadline_ms, loop_timer_cb *cb, void *arg)
{
	struct loop_timer *t = xcalloc(1, sizeof *t), **pp;

	t->deadline_ms = deadline_ms;
	t->cb = cb;
	t->arg = arg;
	for (pp = &l->timers; *pp != NULL && (*pp)->deadline_ms <= deadline_ms;
	    pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	if (l->timers == t)
		loop_arm(l);
	return t;
}

void
loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	struct loop_timer **pp;

	if (t == NULL)
		return;
	for (pp = &l->timers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			free(t);
			loop_arm(l);
			return;
		}
	}
}

/* Fire every timer that is due; a callback may add or cancel timers. */
static void
loop_fire_timers(struct loop *l)
{
	uint64_t now = util_now_ms();
	struct loop_timer *t;

	while ((t = l->timers) != NULL && t->deadline_ms <= now) {
		l->timers = t->next;
		t->cb(l, t->arg);
		free(t);
	}
	loop_arm(l);
}

static void
loop_read_timer(struct loop *l, int fd, uint32_t events, void *arg)
{
	uint64_t expirations;

	while (read(fd, &expirations, sizeof expirations) > 0)
		;
	loop_fire_timers(l);
}

void
loop_set_idle(struct loop *l, loop_idle_cb *cb, void *arg)
{
	l->idle_cb = cb;
	l->idle_arg = arg;
}

void
loop_once(struct loop *l, int timeout_ms)
{
	struct epoll_event ev[LOOP_MAX_EVENTS];
	int n, i;

	if (l->idle_cb != NULL)
		l->idle_cb(l, l->idle_arg);
	if (l->stop)
		return;
	n = epoll_wait(l->epfd, ev, LOOP_MAX_EVENTS, timeout_ms);
	if (n == -1) {
		if (errno == EINTR)
			return;
		util_fatal("epoll_wait: %s", strerror(errno));
	}
	for (i = 0; i < n; i++) {
		int fd = ev[i].data.fd;

		if ((size_t)fd < l->nfds && l->fds[fd].cb != NULL)
			l->fds[fd].cb(l, fd, ev[i].events, l->fds[fd].arg);
	}
}

void
loop_run(struct loop *l)
{
	l->stop = false;
	while (!l->stop)
		loop_once(l, -1);
}

void
loop_break(struct loop *l)
{
	l->stop = true;
}
