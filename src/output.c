/*
 * output.c: a child's output, from its pipes to its lines.
 *
 * A child's stdout and stderr are two nonblocking pipes, each with its own
 * parser (ingest.c: line split, UTF-8, SGR kept, state carried across
 * reads). A pipe is read as soon as the loop says it is readable, at most
 * read_max bytes per fd per loop turn, so one flooding child cannot starve
 * the others; reading never waits on the screen. A front end whose own
 * output is backed up may hold the pipes (super_hold_output): they are
 * left out of the loop, and the children wait in write() until it lets
 * go, rather than brood buffering without bound. Every finished line goes,
 * in this order, to the scrollback, to the readiness log probe (depend.c),
 * to the log file (sanitized like the screen, stderr lines marked "! "),
 * and to the front end's line hook.
 *
 * A pipe is read until EOF, then closed, and its parser flushed: a last
 * line without a newline still arrives. When the leader is reaped, what
 * is left in the pipes is drained at once (bounded: a daemon that kept
 * the pipe open and goes on writing is cut off after a few megabytes), so
 * the last lines of a child are never lost. When both pipes are closed
 * the state machine is told (proc_output_closed): a child is over only
 * when its leader is reaped *and* its output reached EOF.
 *
 * The log file is opened at the first start that spawns, in append mode,
 * and kept across restarts; one that cannot be opened is an event in the
 * timeline, not an error, and is tried again at the next start.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scroll.h"
#include "super-int.h"
#include "util.h"

static void
output_line(void *arg, const struct line *l)
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
output_close_stream(struct proc *p, int *fd)
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
output_read_once(struct proc *p, int *fd)
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
	output_close_stream(p, fd);
	return false;
}

/* Read what is in the pipes now, until they are empty or closed. The
 * writers are normally dead, so this is bounded by the pipe capacity; a
 * live writer (a daemon) is cut off after a few megabytes. */
void
output_drain(struct proc *p)
{
	size_t budget = 16;

	while (budget-- > 0 && p->out_fd != -1 && output_read_once(p, &p->out_fd))
		;
	budget = 16;
	while (budget-- > 0 && p->err_fd != -1 && output_read_once(p, &p->err_fd))
		;
}

static void
output_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct proc *p = arg;

	if (fd == p->out_fd)
		output_read_once(p, &p->out_fd);
	else if (fd == p->err_fd)
		output_read_once(p, &p->err_fd);
	if (p->out_fd == -1 && p->err_fd == -1)
		proc_output_closed(p);
}

void
output_init(struct proc *p, const struct proc_spec *spec)
{
	struct super *s = p->s;

	p->log_path = spec->log != NULL ? xstrdup(spec->log) : NULL;
	p->ingest[LINE_STDOUT] = ingest_create(LINE_STDOUT, 0, output_line, p);
	p->ingest[LINE_STDERR] = ingest_create(LINE_STDERR, 0, output_line, p);
	if (s->cfg.scroll_lines > 0)
		p->scroll = scroll_create(s->cfg.scroll_lines, s->cfg.scroll_bytes > 0 ?
		    s->cfg.scroll_bytes : SCROLL_BYTES_DEFAULT);
}

void
output_free(struct proc *p)
{
	struct loop *l = p->s->loop;
	int i;

	if (p->log != NULL)
		fclose(p->log);
	free(p->log_path);
	for (i = 0; i < 2; i++) {
		if (p->ingest[i] != NULL)
			ingest_free(p->ingest[i]);
	}
	if (p->scroll != NULL)
		scroll_free(p->scroll);
	/* Closed, not finished: no line may reach a hook from here. */
	for (i = 0; i < 2; i++) {
		int *fd = i == 0 ? &p->out_fd : &p->err_fd;

		if (*fd != -1) {
			loop_del_fd(l, *fd);
			close(*fd);
		}
	}
}

void
output_open_log(struct proc *p)
{
	int fd;

	if (p->log_path == NULL || p->log != NULL)
		return;
	fd = open(p->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	/* A log that cannot open is said in the timeline, not fatal. */
	p->log = fd != -1 ? fdopen(fd, "a") : NULL;
	if (p->log == NULL) {
		struct proc_event lev = { .kind = PROC_EV_LOG_FAILED, .err = errno };

		if (fd != -1)
			close(fd);
		proc_event_add(p, &lev);
	}
}

int
output_watch(struct proc *p)
{
	return p->s->output_held ? 0 : output_hold(p, false);
}

int
output_hold(struct proc *p, bool hold)
{
	struct loop *l = p->s->loop;
	int i;

	for (i = 0; i < 2; i++) {
		int fd = i == 0 ? p->out_fd : p->err_fd;

		if (fd == -1)
			continue;
		if (hold)
			loop_del_fd(l, fd);
		else if (loop_add_fd(l, fd, EPOLLIN, output_readable, p) == -1)
			return -1;
	}
	return 0;
}

void
output_close(struct proc *p)
{
	output_close_stream(p, &p->out_fd);
	output_close_stream(p, &p->err_fd);
}

void
output_flush(struct proc *p)
{
	if (p->log != NULL)
		fflush(p->log);
}
