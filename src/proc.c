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
 * Output is read as soon as it arrives, in pieces of at most read_max bytes
 * per fd per loop turn, so one flooding child cannot starve the others, and
 * is drained after the leader exits so the last lines are never lost.
 */
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scroll.h"
#include "spawn.h"
#include "status.h"
#include "super-int.h"
#include "util.h"

extern char **environ;

static void proc_on_line(void *, const struct line *);
static void proc_readable(struct loop *, int, uint32_t, void *);
static void proc_status_readable(struct loop *, int, uint32_t, void *);
static void proc_end(struct proc *);
static void proc_timeout_over(struct loop *, void *);

/* Words that only a shell understands: a command starting with one of them
 * is never run directly. */
static const char *const proc_shell_words[] = {
	"!", ".", ":", "{", "}", "alias", "bg", "break", "case", "cd", "command",
	"continue", "do", "done", "elif", "else", "esac", "eval", "exec", "exit",
	"export", "fc", "fg", "fi", "for", "getopts", "hash", "if", "in", "jobs",
	"local", "read", "readonly", "return", "set", "shift", "source", "then",
	"times", "trap", "type", "ulimit", "umask", "unalias", "unset", "until",
	"wait", "while", NULL
};

/* A command line with no shell syntax at all ("python3 -m http.server
 * 8000") is split on blanks and run directly: one process fewer, signals
 * reach the program itself, and a missing program is reported as such.
 * Anything else goes to /bin/sh -c. */
static char **
proc_split_simple(const char *cmd)
{
	const char *p, *first_end;
	char **argv = NULL;
	size_t n = 0, i;

	for (p = cmd; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr(" \t_-./,:+@%=", *p) == NULL)
			return NULL;
	}
	p = cmd + strspn(cmd, " \t");
	if (*p == '\0')
		return NULL;
	first_end = p + strcspn(p, " \t");
	if (memchr(p, '=', (size_t)(first_end - p)) != NULL)
		return NULL; /* NAME=value command */
	for (i = 0; proc_shell_words[i] != NULL; i++) {
		size_t len = strlen(proc_shell_words[i]);

		if ((size_t)(first_end - p) == len && strncmp(p, proc_shell_words[i], len) == 0)
			return NULL;
	}
	while (*p != '\0') {
		size_t len = strcspn(p, " \t");

		argv = xreallocarray(argv, n + 2, sizeof *argv);
		argv[n++] = xstrndup(p, len);
		p += len;
		p += strspn(p, " \t");
	}
	argv[n] = NULL;
	return argv;
}

static char **
proc_copy_argv(char *const *argv)
{
	char **copy;
	size_t n, i;

	for (n = 0; argv[n] != NULL; n++)
		;
	copy = xcalloc(n + 1, sizeof *copy);
	for (i = 0; i < n; i++)
		copy[i] = xstrdup(argv[i]);
	return copy;
}

static void
proc_free_strv(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Whether env entry e sets the variable named by the NAME= prefix of set. */
static bool
proc_env_same_name(const char *e, const char *set)
{
	size_t n = strcspn(set, "=");

	return strncmp(e, set, n) == 0 && e[n] == '=';
}

/* brood's environment, with spec's additions and the marker that ties every
 * descendant to this proc (ptree.c). */
static bool
proc_env_allowed(const struct proc_spec *spec, const char *e)
{
	size_t j;

	if (!spec->clear_env)
		return true;
	for (j = 0; spec->allow_env != NULL && spec->allow_env[j] != NULL; j++) {
		size_t n = strlen(spec->allow_env[j]);

		if (strncmp(e, spec->allow_env[j], n) == 0 && e[n] == '=')
			return true;
	}
	return false;
}

static char **
proc_build_env(const struct proc_spec *spec, pid_t self, unsigned serial)
{
	char **envp, *marker = xasprintf(SUPER_MARKER "=%d.%u", (int)self, serial);
	static char *const force[] = { (char *)"FORCE_COLOR=1", (char *)"CLICOLOR_FORCE=1", NULL };
	size_t n = 0, cap = 16, i, j;

	envp = xcalloc(cap, sizeof *envp);
	for (i = 0; environ[i] != NULL; i++) {
		bool replaced = proc_env_same_name(environ[i], marker) ||
		    !proc_env_allowed(spec, environ[i]);

		for (j = 0; !replaced && spec->env != NULL && spec->env[j] != NULL; j++)
			replaced = proc_env_same_name(environ[i], spec->env[j]);
		if (replaced)
			continue;
		if (n + 3 >= cap)
			envp = xreallocarray(envp, cap *= 2, sizeof *envp);
		envp[n++] = xstrdup(environ[i]);
	}
	for (j = 0; spec->env != NULL && spec->env[j] != NULL; j++) {
		if (strchr(spec->env[j], '=') == NULL)
			continue;
		if (n + 3 >= cap)
			envp = xreallocarray(envp, cap *= 2, sizeof *envp);
		envp[n++] = xstrdup(spec->env[j]);
	}
	/* Children writing to a pipe drop colour unless told to keep it. */
	for (j = 0; spec->color_force && force[j] != NULL; j++) {
		size_t k;

		for (k = 0; k < n && !proc_env_same_name(envp[k], force[j]); k++)
			;
		if (k < n)
			continue;
		if (n + 3 >= cap)
			envp = xreallocarray(envp, cap *= 2, sizeof *envp);
		envp[n++] = xstrdup(force[j]);
	}
	envp[n++] = marker;
	envp[n] = NULL;
	return envp;
}

/* user and group to ids, in the parent (getpwnam may allocate). Only root
 * can run a child as someone else: anyone else gets a clear error. */
static int
proc_resolve_user(const struct proc_spec *spec, uid_t *uid, gid_t *gid, char **cause)
{
	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (spec->user == NULL && spec->group == NULL)
		return 0;
	if (geteuid() != 0) {
		*cause = util_message("%s: user and group need brood to run as root", spec->name);
		return -1;
	}
	if (spec->user != NULL) {
		struct passwd *pw = getpwnam(spec->user);

		if (pw == NULL) {
			*cause = util_message("%s: no user called '%s'", spec->name, spec->user);
			return -1;
		}
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
	if (spec->group != NULL) {
		struct group *gr = getgrnam(spec->group);

		if (gr == NULL) {
			*cause = util_message("%s: no group called '%s'", spec->name, spec->group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

int
super_check(const struct proc_spec *spec, char **cause)
{
	uid_t uid;
	gid_t gid;

	if (proc_resolve_user(spec, &uid, &gid, cause) == -1)
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
proc_create(struct super *s, const struct proc_spec *spec, unsigned serial,
    char **cause)
{
	struct proc *p;
	uid_t uid;
	gid_t gid;
	int i;

	if (spec->name == NULL || *spec->name == '\0') {
		*cause = util_message("a process needs a name");
		return NULL;
	}
	if ((spec->cmd == NULL || spec->cmd[strspn(spec->cmd, " \t\n")] == '\0') &&
	    (spec->argv == NULL || spec->argv[0] == NULL)) {
		*cause = util_message("%s: empty command", spec->name);
		return NULL;
	}
	if (proc_resolve_user(spec, &uid, &gid, cause) == -1)
		return NULL;
	p = xcalloc(1, sizeof *p);
	p->s = s;
	p->serial = serial;
	p->name = xstrdup(spec->name);
	if (spec->cmd != NULL) {
		p->command = xstrdup(spec->cmd);
		p->argv = proc_split_simple(spec->cmd);
		if (p->argv == NULL) {
			char *sh[] = { (char *)"/bin/sh", (char *)"-c", (char *)spec->cmd, NULL };

			p->argv = proc_copy_argv(sh);
		}
	} else {
		size_t len = 0;

		p->argv = proc_copy_argv(spec->argv);
		for (i = 0; p->argv[i] != NULL; i++)
			len += strlen(p->argv[i]) + 1;
		p->command = xcalloc(1, len + 1);
		for (i = 0; p->argv[i] != NULL; i++) {
			if (i > 0)
				strcat(p->command, " ");
			strcat(p->command, p->argv[i]);
		}
	}
	p->envp = proc_build_env(spec, s->self, serial);
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
	p->log_path = spec->log != NULL ? xstrdup(spec->log) : NULL;
	p->uid = uid;
	p->gid = gid;
	p->state = PROC_NEW;
	p->pidfd = p->out_fd = p->err_fd = p->status_fd = -1;
	if (depend_init(p, spec, cause) == -1) {
		p->ingest[LINE_STDOUT] = p->ingest[LINE_STDERR] = NULL;
		proc_free(p);
		return NULL;
	}
	p->ingest[LINE_STDOUT] = ingest_create(LINE_STDOUT, 0, proc_on_line, p);
	p->ingest[LINE_STDERR] = ingest_create(LINE_STDERR, 0, proc_on_line, p);
	if (s->cfg.scroll_lines > 0)
		p->scroll = scroll_create(s->cfg.scroll_lines, s->cfg.scroll_bytes > 0 ?
		    s->cfg.scroll_bytes : SCROLL_BYTES_DEFAULT);
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
	if (p->log != NULL)
		fclose(p->log);
	free(p->log_path);
	for (i = 0; i < 2; i++) {
		if (p->ingest[i] != NULL)
			ingest_free(p->ingest[i]);
	}
	if (p->scroll != NULL)
		scroll_free(p->scroll);
	for (i = 0; i < 4; i++) {
		int *fd = i == 0 ? &p->out_fd : i == 1 ? &p->err_fd :
		    i == 2 ? &p->status_fd : &p->pidfd;

		if (*fd != -1) {
			loop_del_fd(l, *fd);
			close(*fd);
		}
	}
	free(p->name);
	free(p->command);
	free(p->cwd);
	proc_free_strv(p->argv);
	proc_free_strv(p->envp);
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

static void
proc_event_simple(struct proc *p, enum proc_event_kind kind, int sig)
{
	struct proc_event ev = { .kind = kind, .pid = p->pid, .sig = sig };

	proc_event_add(p, &ev);
}

static void
proc_on_line(void *arg, const struct line *l)
{
	struct proc *p = arg;

	if (p->scroll != NULL)
		scroll_push(p->scroll, l);
	depend_on_line(p, l);
	if (p->log != NULL) {
		/* Sanitized text, like the screen; stderr lines marked. */
		if (l->stream == LINE_STDERR)
			fputs("! ", p->log);
		fwrite(l->text, 1, l->len, p->log);
		fputc('\n', p->log);
	}
	if (p->s->hooks.line != NULL)
		p->s->hooks.line(p->s->hooks.arg, p, l);
}

/* Stop reading one stream: flush its parser and close it. */
static void
proc_close_stream(struct proc *p, int *fd)
{
	int stream = (fd == &p->out_fd) ? LINE_STDOUT : LINE_STDERR;

	if (*fd == -1)
		return;
	loop_del_fd(p->s->loop, *fd);
	close(*fd);
	*fd = -1;
	ingest_finish(p->ingest[stream]);
}

/* Read once from a stream; false when it is at EOF (and now closed) or
 * has nothing to read. */
static bool
proc_read_once(struct proc *p, int *fd)
{
	int stream = (fd == &p->out_fd) ? LINE_STDOUT : LINE_STDERR;
	ssize_t n;

	do
		n = read(*fd, p->s->read_buf, p->s->cfg.read_max);
	while (n == -1 && errno == EINTR);
	if (n > 0) {
		ingest_feed(p->ingest[stream], p->s->read_buf, (size_t)n);
		return true;
	}
	if (n == -1 && errno == EAGAIN)
		return false;
	proc_close_stream(p, fd);
	return false;
}

/* Read what is in the pipes now, until they are empty or closed. The
 * writers are normally dead, so this is bounded by the pipe capacity; a
 * live writer (a daemon) is cut off after a few megabytes. */
static void
proc_drain(struct proc *p)
{
	size_t budget = 16;

	while (budget-- > 0 && p->out_fd != -1 && proc_read_once(p, &p->out_fd))
		;
	budget = 16;
	while (budget-- > 0 && p->err_fd != -1 && proc_read_once(p, &p->err_fd))
		;
}

static void
proc_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct proc *p = arg;

	if (fd == p->out_fd)
		proc_read_once(p, &p->out_fd);
	else if (fd == p->err_fd)
		proc_read_once(p, &p->err_fd);
	if (p->out_fd == -1 && p->err_fd == -1 && p->reaped &&
	    p->state != PROC_STOPPING && p->state != PROC_EXITED &&
	    p->state != PROC_FAILED)
		proc_end(p);
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
	p->reaped = p->start_failed = p->tree_gone = p->timed_out = false;
	depend_run_begin(p);
	p->wstatus = 0;
	memset(&p->ru, 0, sizeof p->ru);
	p->started_ms = util_now_ms();
	p->ended_ms = 0;
	metrics_reset(p, true);

	if (spawn_start(&spec, &child, &cause) == -1) {
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
	if (p->log_path != NULL && p->log == NULL) {
		int fd = open(p->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		/* A log that cannot open is said in the timeline, not fatal. */
		p->log = fd != -1 ? fdopen(fd, "a") : NULL;
		if (p->log == NULL) {
			struct proc_event lev = { .kind = PROC_EV_LOG_FAILED, .err = errno };

			if (fd != -1)
				close(fd);
			proc_event_add(p, &lev);
		}
	}
	p->last_spawn_ms = util_now_ms();
	p->pid = child.pid;
	p->pidfd = child.pidfd;
	p->out_fd = child.out_fd;
	p->err_fd = child.err_fd;
	p->status_fd = child.status_fd;
	p->state = PROC_STARTING;
	if (loop_add_fd(l, p->out_fd, EPOLLIN, proc_readable, p) == -1 ||
	    loop_add_fd(l, p->err_fd, EPOLLIN, proc_readable, p) == -1 ||
	    loop_add_fd(l, p->status_fd, EPOLLIN, proc_status_readable, p) == -1)
		util_fatal("epoll: %s", strerror(errno));
	proc_event_simple(p, PROC_EV_SPAWNED, 0);
}

static void
proc_kill_timeout(struct loop *l, void *arg)
{
	struct proc *p = arg;

	p->kill_timer = NULL;
	p->kill_deadline_ms = 0;
	if (p->state != PROC_STOPPING)
		return;
	super_tree_update(p->s);
	p->stop_sig = SIGKILL;
	proc_tree_signal(p, SIGKILL);
	super_signal_newcomers(p->s);
	proc_event_simple(p, PROC_EV_ESCALATE, SIGKILL);
	super_poll_arm(p->s);
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

size_t
proc_tree_signal(struct proc *p, int sig)
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

/* Begin a stop with sig (the stop signal, or SIGKILL). */
static void
proc_begin_stop(struct proc *p, int sig)
{
	struct super *s = p->s;
	bool live = p->state == PROC_STARTING || p->state == PROC_RUNNING ||
	    p->state == PROC_STOPPING;

	super_tree_update(s);
	if (!live && proc_tree_count(p) == 0 && p->out_fd == -1 && p->err_fd == -1)
		return; /* nothing of it is left */
	proc_tree_signal(p, sig);
	if (sig != SIGKILL && sig != SIGCONT)
		proc_tree_signal(p, SIGCONT); /* a stopped process cannot act on it */
	if (p->state != PROC_STOPPING && p->state != PROC_EXITED &&
	    p->state != PROC_FAILED)
		p->stop_requested = true;
	if (!live && p->ended_ms == 0)
		p->ended_ms = util_now_ms();
	p->state = PROC_STOPPING;
	p->stop_sig = sig;
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
		    proc_kill_timeout, p);
	}
	super_poll_arm(s);
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
		proc_begin_stop(p, p->stop_signal);
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
	proc_begin_stop(p, SIGKILL);
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
	proc_tree_signal(p, SIGSTOP);
	p->paused = true;
	proc_event_simple(p, PROC_EV_PAUSED, SIGSTOP);
}

void
proc_resume(struct proc *p)
{
	if ((p->state != PROC_RUNNING && p->state != PROC_STARTING) || !p->paused)
		return;
	super_tree_update(p->s);
	proc_tree_signal(p, SIGCONT);
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
	proc_drain(p);
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
	proc_drain(p);
	/* Every writer we know of is gone; one we do not know of must not
	 * keep this child from ending. */
	proc_close_stream(p, &p->out_fd);
	proc_close_stream(p, &p->err_fd);
	p->tree_gone = true;
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
	if (p->log != NULL)
		fflush(p->log);
	proc_close_status(p);
	/* Its group is empty: its pid can be reused from now on, and then the
	 * group and session ids would name strangers (see super_owner). */
	if (p->reaped && p->pid > 0 && kill(-p->pid, 0) == -1 && errno == ESRCH)
		p->tree_gone = true;
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
