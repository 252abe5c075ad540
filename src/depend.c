/*
 * depend.c: start order and readiness.
 *
 * A process may depend on others, each with a condition: started (the
 * other exec'd), ready (its readiness probe passed) or succeeded (it
 * exited 0). super_start_all leaves such a process WAITING; every event
 * that could change an answer (exec, ready, an ending) schedules one look
 * at everything waiting, from a zero-delay timer, so the supervisor is
 * never re-entered from inside its own hooks. A dependency that can no
 * longer be met (it failed, gave up, ended without being ready, or missed
 * its readiness timeout) blocks the waiting process, which fails with the
 * reason shown. Dependencies are checked for existence and cycles when
 * the config loads (conf.c); a process removed since counts as failed.
 *
 * Readiness: without a probe a process is ready once it exec'd. A log
 * probe matches each line of output against a regex; a TCP probe connects
 * (nonblocking, through the loop) every period; a command probe runs a
 * shell command every period and is ready when it exits 0. Probes stop
 * when the process is ready, ends, or misses its deadline.
 *
 * Stopping everything goes in reverse dependency order: a process is
 * terminated once nothing that depends on it is still running.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"
#include "status.h"
#include "super-int.h"
#include "util.h"

static void depend_probe_arm(struct proc *);

/* The TCP probe's address, resolved once when the process is created (not
 * in the loop, where a name lookup could block): IPv4, IPv6 or a name. */
static int
depend_resolve(struct proc *p, const char *name, char **cause)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG }, *res = NULL;
	char port[16];
	const char *host = p->ready.host != NULL ? p->ready.host : "127.0.0.1";
	int rc;

	snprintf(port, sizeof port, "%d", p->ready.port);
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 && hints.ai_flags & AI_ADDRCONFIG) {
		/* A machine with only loopback has no "configured" address. */
		hints.ai_flags = AI_NUMERICSERV;
		rc = getaddrinfo(host, port, &hints, &res);
	}
	if (rc != 0 || res == NULL || res->ai_addrlen > sizeof p->ready_addr) {
		*cause = util_message("%s: ready: cannot resolve '%s': %s", name, host,
		    rc != 0 ? gai_strerror(rc) : "no address");
		if (res != NULL)
			freeaddrinfo(res);
		return -1;
	}
	memcpy(&p->ready_addr, res->ai_addr, res->ai_addrlen);
	p->ready_addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int
depend_init(struct proc *p, const struct proc_spec *spec, char **cause)
{
	size_t i;
	int rc;

	p->probe_fd = -1;
	if (spec->ndeps > 0) {
		p->deps = xcalloc(spec->ndeps, sizeof *p->deps);
		for (i = 0; i < spec->ndeps; i++) {
			p->deps[i].name = xstrdup(spec->deps[i].name);
			p->deps[i].cond = spec->deps[i].cond;
		}
		p->ndeps = spec->ndeps;
	}
	p->ready = spec->ready;
	p->ready.pattern = spec->ready.pattern != NULL ? xstrdup(spec->ready.pattern) : NULL;
	p->ready.host = spec->ready.host != NULL ? xstrdup(spec->ready.host) : NULL;
	p->ready.cmd = spec->ready.cmd != NULL ? xstrdup(spec->ready.cmd) : NULL;
	if (p->ready.period_ms == 0)
		p->ready.period_ms = 1000;
	if (p->ready.kind == PROC_READY_TCP && depend_resolve(p, spec->name, cause) == -1)
		return -1;
	if (p->ready.kind == PROC_READY_LOG) {
		rc = regcomp(&p->ready_re, p->ready.pattern != NULL ? p->ready.pattern : "",
		    REG_EXTENDED | REG_NOSUB);
		if (rc != 0) {
			char err[128];

			regerror(rc, &p->ready_re, err, sizeof err);
			*cause = util_message("%s: ready: %s", spec->name, err);
			return -1;
		}
		p->ready_re_ok = true;
	}
	return 0;
}

void
depend_free(struct proc *p)
{
	size_t i;

	depend_on_end(p);
	for (i = 0; i < p->ndeps; i++)
		free(p->deps[i].name);
	free(p->deps);
	free(p->ready.pattern);
	free(p->ready.host);
	free(p->ready.cmd);
	if (p->ready_re_ok)
		regfree(&p->ready_re);
	free(p->blocked);
}

bool
depend_has_deps(const struct proc *p)
{
	return p->ndeps > 0;
}

static void
depend_set_ready(struct proc *p)
{
	if (p->is_ready)
		return;
	p->is_ready = true;
	depend_on_end(p); /* no more probing */
	{
		struct proc_event ev = { .kind = PROC_EV_READY, .pid = p->pid };

		proc_event_add(p, &ev);
	}
	depend_schedule(p->s);
}

void
depend_run_begin(struct proc *p)
{
	depend_on_end(p);
	p->execed = p->is_ready = p->ready_failed = false;
	free(p->blocked);
	p->blocked = NULL;
}

static void
depend_deadline(struct loop *l, void *arg)
{
	struct proc *p = arg;
	struct proc_event ev = { .kind = PROC_EV_NOT_READY, .pid = 0 };

	p->ready_timer = NULL;
	if (p->is_ready)
		return;
	p->ready_failed = true;
	ev.pid = p->pid;
	ev.delay_ms = p->ready.timeout_ms;
	depend_on_end(p);
	proc_event_add(p, &ev);
	depend_schedule(p->s);
}

void
depend_on_exec(struct proc *p)
{
	p->execed = true;
	if (p->ready.kind == PROC_READY_NONE) {
		depend_set_ready(p);
		return;
	}
	if (p->ready.timeout_ms > 0)
		p->ready_timer = loop_timer_add(p->s->loop, util_now_ms() + p->ready.timeout_ms,
		    depend_deadline, p);
	if (p->ready.kind == PROC_READY_TCP || p->ready.kind == PROC_READY_CMD)
		depend_probe_arm(p);
	depend_schedule(p->s);
}

void
depend_on_line(struct proc *p, const struct line *l)
{
	char buf[4096];
	size_t n;

	if (p->ready.kind != PROC_READY_LOG || p->is_ready || p->ready_failed || !p->execed)
		return;
	n = l->len < sizeof buf - 1 ? l->len : sizeof buf - 1;
	memcpy(buf, l->text, n);
	buf[n] = '\0';
	if (regexec(&p->ready_re, buf, 0, NULL, 0) == 0)
		depend_set_ready(p);
}

/* Stop probing: timers, a connecting socket, a running command. */
void
depend_on_end(struct proc *p)
{
	struct loop *l = p->s->loop;

	loop_timer_cancel(l, p->probe_timer);
	p->probe_timer = NULL;
	loop_timer_cancel(l, p->ready_timer);
	p->ready_timer = NULL;
	if (p->probe_fd != -1) {
		loop_del_fd(l, p->probe_fd);
		close(p->probe_fd);
		p->probe_fd = -1;
	}
	if (p->probe_pid > 0)
		kill(-p->probe_pid, SIGKILL); /* reaped by the SIGCHLD loop */
	p->probe_pid = 0;
}

static void
depend_tcp_done(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct proc *p = arg;
	int err = 1;
	socklen_t len = sizeof err;

	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	loop_del_fd(l, fd);
	close(fd);
	p->probe_fd = -1;
	if (err == 0)
		depend_set_ready(p);
}

static void
depend_probe(struct loop *l, void *arg)
{
	struct proc *p = arg;

	p->probe_timer = NULL;
	if (p->is_ready || p->ready_failed || !p->execed)
		return;
	if (p->ready.kind == PROC_READY_TCP && p->probe_fd == -1) {
		int fd = socket(p->ready_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd != -1) {
			if (connect(fd, (struct sockaddr *)&p->ready_addr, p->ready_addrlen) == 0) {
				close(fd);
				depend_set_ready(p);
				return;
			}
			if (errno == EINPROGRESS &&
			    loop_add_fd(l, fd, EPOLLOUT, depend_tcp_done, p) == 0) {
				p->probe_fd = fd;
				fd = -1;
			}
		}
		if (fd != -1)
			close(fd);
	} else if (p->ready.kind == PROC_READY_CMD && p->probe_pid == 0) {
		pid_t pid = spawn_probe(p->ready.cmd, p->envp, p->cwd);

		p->probe_pid = pid > 0 ? pid : 0;
	}
	depend_probe_arm(p);
}

static void
depend_probe_arm(struct proc *p)
{
	if (p->probe_timer == NULL)
		p->probe_timer = loop_timer_add(p->s->loop, util_now_ms() +
		    (p->execed && p->probe_fd == -1 && p->probe_pid == 0 ? 0 : p->ready.period_ms),
		    depend_probe, p);
}

bool
depend_probe_reaped(struct super *s, pid_t pid, int wstatus)
{
	size_t i;

	for (i = 0; i < s->nprocs; i++) {
		struct proc *p = s->procs[i];

		if (p->probe_pid != pid)
			continue;
		p->probe_pid = 0;
		if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
			depend_set_ready(p);
		return true;
	}
	return false;
}

static struct proc *
depend_find(const struct super *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nprocs; i++) {
		if (strcmp(s->procs[i]->name, name) == 0)
			return s->procs[i];
	}
	return NULL;
}

static const char *const depend_cond_names[] = { "started", "ready", "succeeded" };

/* 1: met, 0: not yet, -1: never (with *why). */
static int
depend_met(const struct proc *d, enum proc_dep_cond cond, char *why, size_t len)
{
	char st[160];

	if (d == NULL) {
		snprintf(why, len, "removed");
		return -1;
	}
	proc_describe(d, st, sizeof st);
	switch (cond) {
	case PROC_DEP_STARTED:
		if (d->execed)
			return 1;
		break;
	case PROC_DEP_READY:
		if (d->is_ready)
			return 1;
		if (d->ready_failed) {
			snprintf(why, len, "not ready in time");
			return -1;
		}
		break;
	case PROC_DEP_SUCCEEDED:
		if (d->state == PROC_EXITED && d->ended_ms != 0 && status_code(d->wstatus) == 0 &&
		    !d->start_failed)
			return 1;
		break;
	}
	if (d->state == PROC_FAILED || d->state == PROC_FATAL ||
	    (d->state == PROC_EXITED && d->ended_ms != 0 && (cond != PROC_DEP_STARTED || !d->execed))) {
		snprintf(why, len, "%s", st);
		return -1;
	}
	return 0;
}

void
proc_waiting_for(const struct proc *p, char *buf, size_t len)
{
	size_t i, off = 0;
	char why[160];

	buf[0] = '\0';
	if (p->blocked != NULL) {
		snprintf(buf, len, "%s", p->blocked);
		return;
	}
	if (p->state != PROC_WAITING)
		return;
	for (i = 0; i < p->ndeps && off + 1 < len; i++) {
		const struct proc *d = depend_find(p->s, p->deps[i].name);

		if (depend_met(d, p->deps[i].cond, why, sizeof why) == 1)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s %s", off > 0 ? ", " : "",
		    p->deps[i].name, depend_cond_names[p->deps[i].cond]);
	}
}

/* Start what waits and can, block what never will. */
static void
depend_check(struct loop *l, void *arg)
{
	struct super *s = arg;
	size_t i, k;

	s->depend_timer = NULL;
	if (s->stopping_all) {
		depend_stop_ordered(s);
		return;
	}
	for (i = 0; i < s->nprocs; i++) {
		struct proc *p = s->procs[i];
		bool all = true;
		char why[200] = "";

		if (p->state != PROC_WAITING)
			continue;
		for (k = 0; k < p->ndeps; k++) {
			const struct proc *d = depend_find(s, p->deps[k].name);
			int met = depend_met(d, p->deps[k].cond, why, sizeof why);

			if (met == -1) {
				struct proc_event ev = { .kind = PROC_EV_BLOCKED };

				free(p->blocked);
				p->blocked = xasprintf("not started: %s %s (%s)", p->deps[k].name,
				    depend_cond_names[p->deps[k].cond], why);
				p->start_failed = true;
				p->fail_stage = STATUS_STAGE_DEPENDENCY;
				p->fail_err = 0;
				p->state = PROC_FAILED;
				p->ended_ms = util_now_ms();
				proc_event_add(p, &ev);
				ev.kind = PROC_EV_ENDED;
				proc_event_add(p, &ev);
				all = false;
				break;
			}
			all &= met == 1;
		}
		if (all && p->state == PROC_WAITING) {
			p->state = PROC_NEW;
			proc_start(p);
		}
	}
}

void
depend_schedule(struct super *s)
{
	if (s->depend_timer == NULL)
		s->depend_timer = loop_timer_add(s->loop, util_now_ms(), depend_check, s);
}

void
depend_stop(struct super *s)
{
	loop_timer_cancel(s->loop, s->depend_timer);
	s->depend_timer = NULL;
}

/* Whether something that depends on p still runs. */
static bool
depend_needed(const struct super *s, const struct proc *p)
{
	size_t i, k;

	for (i = 0; i < s->nprocs; i++) {
		const struct proc *q = s->procs[i];

		if (q->state != PROC_STARTING && q->state != PROC_RUNNING &&
		    q->state != PROC_STOPPING)
			continue;
		for (k = 0; k < q->ndeps; k++) {
			if (strcmp(q->deps[k].name, p->name) == 0)
				return true;
		}
	}
	return false;
}

void
depend_stop_ordered(struct super *s)
{
	size_t i;

	super_tree_update(s);
	s->tree_fresh = true;
	for (i = 0; i < s->nprocs; i++) {
		struct proc *p = s->procs[i];

		if (p->state == PROC_WAITING) {
			p->state = PROC_NEW; /* it never started: it never will now */
			continue;
		}
		if (p->state == PROC_STOPPING || depend_needed(s, p))
			continue;
		proc_terminate(p);
	}
	s->tree_fresh = false;
}
