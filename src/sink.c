/*
 * sink.c: brood's own output, written without stopping the loop.
 *
 * brood reads its children as soon as they write; its own writes must not
 * wait on whoever reads brood. A reader that pauses (| less, a CI runner
 * busy uploading a log) would otherwise stop brood inside write(), and
 * with it every child at its next write, and the signals too, since they
 * are read by the same loop. So what brood prints is kept in a buffer and
 * written whenever the descriptor takes it:
 *
 *   - The descriptor is made nonblocking privately. A pipe or a terminal
 *     is opened again through /proc/self/fd, which gives brood an open file
 *     description of its own: O_NONBLOCK on it never reaches the shell or
 *     the other writers that share the original (setting it on fd 1 would
 *     hand them EAGAIN). A stream socket (journald's stdout) needs no
 *     description of its own: send() takes MSG_DONTWAIT call by call.
 *     Where neither can be done (no /proc), writes go to the original and
 *     may block, as any program's do. A regular file or /dev/null never
 *     blocks for long and is written directly.
 *     The pipe is made 1 MiB large, as the children's are (spawn.c).
 *   - What is pending is written at each flush (the front end calls it
 *     before the loop waits, so a flood costs one write per turn, not one
 *     per line) and once 64 KiB have gathered. When the reader does not
 *     take it all, the descriptor joins the loop until it is writable.
 *   - The buffer grows as needed. Past SINK_HIGH pending bytes the owner is
 *     told (its pressure callback holds the children's pipes, so they wait
 *     in write() as they would on any full pipe), and told again once less
 *     than SINK_LOW is left. Memory stays bounded: a reserve that would pass
 *     SINK_MAX waits for the reader, as a plain write would have.
 *   - The last flush (sink_drain) waits as long as the reader takes.
 *
 * A write error ends the sink: EPIPE when the reader left, or a real error
 * (a full disk). What was pending is dropped, and so is what comes later;
 * sink_error says why, and the owner decides what to do about it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sink.h"
#include "util.h"

#define SINK_CHUNK ((size_t)64 << 10)
#define SINK_PIPE (1 << 20)

struct sink {
	int fd;                 /* where writes go: own_fd, or the original */
	int own_fd;             /* brood's nonblocking description, or -1 */
	bool sock;              /* a stream socket: send(MSG_DONTWAIT) */
	char *buf;
	size_t head, len, cap;  /* pending: buf[head, len) */
	bool stalled;           /* the last write did not take everything */
	bool watched;           /* fd is in the loop, for EPOLLOUT */
	bool full;              /* pressure reported and not yet released */
	int err;
	struct loop *l;
	sink_pressure_cb *cb;
	void *arg;
};

static void sink_write(struct sink *, size_t);

/* A nonblocking description of fd's pipe or terminal, or -1. */
static int
sink_reopen(int fd)
{
	struct stat st, own;
	char path[64];
	int nfd;

	if (fstat(fd, &st) == -1 || !(S_ISFIFO(st.st_mode) ||
	    (S_ISCHR(st.st_mode) && isatty(fd))))
		return -1;
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	/* O_NOCTTY: a terminal opened again must not become brood's
	 * controlling terminal. A pipe without a reader fails (ENXIO), and
	 * the original then says EPIPE at the first write. */
	nfd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (nfd == -1)
		return -1;
	if (fstat(nfd, &own) == -1 || own.st_dev != st.st_dev || own.st_ino != st.st_ino) {
		close(nfd);
		return -1;
	}
	/* A larger pipe lets a reader that keeps up take a flood in fewer
	 * wake-ups: brood's writes return EAGAIN, not sleep, when it is full,
	 * so with 64 KiB they would wait on the loop every few lines. It only
	 * ever grows, and a refusal (the user's pipe quota) costs speed alone. */
	if (S_ISFIFO(st.st_mode) && fcntl(nfd, F_GETPIPE_SZ) < SINK_PIPE)
		(void)fcntl(nfd, F_SETPIPE_SZ, SINK_PIPE);
	return nfd;
}

struct sink *
sink_create(int fd)
{
	struct sink *s = xcalloc(1, sizeof *s);
	struct stat st;
	int type = 0;
	socklen_t len = sizeof type;

	s->own_fd = sink_reopen(fd);
	s->fd = s->own_fd != -1 ? s->own_fd : fd;
	s->sock = s->own_fd == -1 && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
	s->cap = SINK_CHUNK;
	s->buf = xmalloc(s->cap);
	return s;
}

void
sink_attach(struct sink *s, struct loop *l, sink_pressure_cb *cb, void *arg)
{
	s->l = l;
	s->cb = cb;
	s->arg = arg;
	sink_write(s, 1);
}

void
sink_free(struct sink *s)
{
	if (s == NULL)
		return;
	if (s->watched)
		loop_del_fd(s->l, s->fd);
	if (s->own_fd != -1)
		close(s->own_fd);
	free(s->buf);
	free(s);
}

size_t
sink_pending(const struct sink *s)
{
	return s->len - s->head;
}

int
sink_error(const struct sink *s)
{
	return s->err;
}

bool
sink_nonblocking(const struct sink *s)
{
	return s->own_fd != -1 || s->sock;
}

/* Tell the owner when the pending bytes cross a mark. */
static void
sink_pressure(struct sink *s)
{
	size_t pending = sink_pending(s);

	if (s->cb == NULL)
		return;
	if (!s->full && pending > SINK_HIGH) {
		s->full = true;
		s->cb(s->arg, true);
	} else if (s->full && pending < SINK_LOW) {
		s->full = false;
		s->cb(s->arg, false);
	}
}

static void
sink_writable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct sink *s = arg;

	(void)l;
	(void)fd;
	(void)events;
	s->stalled = false;
	sink_write(s, 1);
}

/* Watch the descriptor while the reader is behind, and only then. */
static void
sink_watch(struct sink *s)
{
	bool want = s->stalled && s->err == 0 && s->l != NULL;

	if (s->l == NULL)
		s->stalled = false; /* no loop to say when: try at each flush */
	else if (want && !s->watched) {
		if (loop_add_fd(s->l, s->fd, EPOLLOUT, sink_writable, s) == 0)
			s->watched = true;
		else
			s->stalled = false; /* unwatchable: the next flush blocks */
	} else if (!want && s->watched) {
		loop_del_fd(s->l, s->fd);
		s->watched = false;
	}
}

/*
 * Write what the descriptor takes now (a blocking one takes everything), in
 * multiples of unit: SINK_CHUNK while lines come in, so that the tail of a
 * chunk is not written alone, 1 to write out everything.
 */
static void
sink_write(struct sink *s, size_t unit)
{
	size_t want;

	while ((want = (s->len - s->head) / unit * unit) > 0 && s->err == 0) {
		ssize_t n = s->sock ? send(s->fd, s->buf + s->head, want,
		    MSG_DONTWAIT | MSG_NOSIGNAL) : write(s->fd, s->buf + s->head, want);

		if (n > 0)
			s->head += (size_t)n;
		else if (n == -1 && errno == EINTR)
			continue;
		else if (n == -1 && errno == EAGAIN) {
			s->stalled = true;
			break;
		} else
			s->err = n == -1 ? errno : EIO;
	}
	if (s->err != 0)
		s->head = s->len;
	if (s->head == s->len) {
		s->head = s->len = 0;
		s->stalled = false;
		/* Give back what a backlog made the buffer grow to. */
		if (s->cap > 4 * SINK_CHUNK) {
			s->cap = SINK_CHUNK;
			s->buf = xrealloc(s->buf, s->cap);
		}
	}
	sink_watch(s);
	sink_pressure(s);
}

/* Wait until the reader takes something (or leaves), then write. */
static void
sink_wait(struct sink *s)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };

	if (poll(&pfd, 1, -1) == -1 && errno != EINTR) {
		s->err = errno;
		s->head = s->len;
	}
	s->stalled = false;
	sink_write(s, 1);
}

char *
sink_reserve(struct sink *s, size_t n)
{
	if (s->cap - s->len >= n)
		return s->buf + s->len;
	for (;;) {
		if (s->head > 0) {
			memmove(s->buf, s->buf + s->head, s->len - s->head);
			s->len -= s->head;
			s->head = 0;
		}
		if (s->len == 0 || s->len + n <= SINK_MAX || s->err != 0)
			break;
		sink_wait(s);
	}
	if (s->cap - s->len < n) {
		size_t cap = s->cap;

		while (cap - s->len < n)
			cap *= 2;
		s->buf = xrealloc(s->buf, cap);
		s->cap = cap;
	}
	return s->buf + s->len;
}

void
sink_commit(struct sink *s, size_t n)
{
	if (s->err != 0)
		return;
	s->len += n;
	if (sink_pending(s) >= SINK_CHUNK && !s->stalled)
		sink_write(s, SINK_CHUNK);
	else
		sink_pressure(s);
}

void
sink_put(struct sink *s, const void *p, size_t n)
{
	memcpy(sink_reserve(s, n), p, n);
	sink_commit(s, n);
}

void
sink_flush(struct sink *s)
{
	if (!s->stalled)
		sink_write(s, 1);
}

void
sink_drain(struct sink *s)
{
	sink_write(s, 1);
	while (sink_pending(s) > 0 && s->err == 0)
		sink_wait(s);
}
