/*
 * procfs.c: the few /proc files brood reads by hand.
 *
 * libproc2 (sample.c) reads every process brood does not know yet. What is
 * here is what it would read at a higher cost or not at all:
 *
 *   - A stat line through a descriptor kept open on /proc/PID/stat: one
 *     pread() at offset 0 has the kernel format the line again, with no
 *     path walk, stat(), open or close, and the descriptor is bound to the
 *     process (its struct pid), so it can never read a process that took
 *     the pid over. Its fields are parsed after the last ')', since the
 *     command name between the parentheses can hold anything.
 *   - Resident size from statm alone (libproc2 would read status too; the
 *     rss of stat is not summed over CPUs since Linux 6.2).
 *   - A command line cut at a byte count without splitting a character,
 *     "[name]" from comm when there is none.
 *
 * Reads that fail (the process ended) are return values, never messages.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "util.h"

/* One decimal field of /proc/PID/stat at *c, after its separating space;
 * false if there is none. */
static bool
procfs_field(const char **c, long long *v)
{
	const char *p = *c;
	unsigned long long u = 0;
	bool neg;

	if (*p++ != ' ')
		return false;
	neg = *p == '-';
	p += neg;
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++)
		u = u * 10 + (unsigned long long)(*p - '0');
	*v = neg ? -(long long)u : (long long)u;
	*c = p;
	return true;
}

/* As libproc2 reads them. The command name is in parentheses and may hold
 * anything, parentheses and spaces too, but nothing after it does: the
 * fields start after the last ')'. */
int
procfs_stat_parse(const char *buf, struct sample_proc *e)
{
	/* After the state: fields 4 (ppid) to 23 (vsize). */
	long long f[24];
	const char *c = strrchr(buf, ')');
	int i;

	if (c == NULL || c[1] != ' ' || c[2] == '\0')
		return -1;
	e->state = c[2];
	c += 3;
	for (i = 4; i <= 23; i++) {
		if (!procfs_field(&c, &f[i]))
			return -1;
	}
	e->ppid = (pid_t)f[4];
	e->pgid = (pid_t)f[5];
	e->sid = (pid_t)f[6];
	e->faults = (unsigned long)f[10] + (unsigned long)f[12];
	e->ticks = (unsigned long long)f[14] + (unsigned long long)f[15];
	e->threads = (int)f[20];
	e->start = (unsigned long long)f[22];
	e->vsz_kib = (uint64_t)f[23] / 1024;
	return 0;
}

/* pread at offset 0: the kernel formats the line afresh. */
int
procfs_stat_pread(int fd, struct sample_proc *e)
{
	char buf[1024];
	ssize_t r;

	do
		r = pread(fd, buf, sizeof buf - 1, 0);
	while (r == -1 && errno == EINTR);
	if (r <= 0)
		return -1;
	buf[r] = '\0';
	return procfs_stat_parse(buf, e);
}

int
procfs_stat_open(int proc_fd, pid_t pid, unsigned long long start)
{
	struct sample_proc now;
	char path[32];
	int fd;

	snprintf(path, sizeof path, "%d/stat", (int)pid);
	fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	/* The pid may have passed to another process since it was read. */
	if (procfs_stat_pread(fd, &now) == -1 || now.start != start) {
		close(fd);
		return -1;
	}
	return fd;
}

/* By hand: a libproc2 select would read /proc/PID/status and stat too. */
uint64_t
procfs_rss_kib(int proc_fd, pid_t pid, unsigned page_kib)
{
	char path[32], buf[128], *c;
	uint64_t resident = 0;
	ssize_t r;
	int fd;

	snprintf(path, sizeof path, "%d/statm", (int)pid);
	fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return 0;
	do
		r = read(fd, buf, sizeof buf - 1);
	while (r == -1 && errno == EINTR);
	close(fd);
	if (r <= 0)
		return 0;
	buf[r] = '\0';
	/* "size resident shared text lib data dirty", in pages. */
	c = strchr(buf, ' ');
	if (c == NULL)
		return 0;
	for (c++; *c >= '0' && *c <= '9'; c++)
		resident = resident * 10 + (uint64_t)(*c - '0');
	return resident * page_kib;
}

/* Up to lim bytes of a /proc file into an allocated buffer with room for a
 * terminating NUL; NULL with errno if it cannot be opened or read. */
static char *
procfs_read(pid_t pid, const char *name, size_t lim, size_t *len)
{
	char path[64], *buf;
	size_t cap = lim < 4096 ? lim : 4096, total = 0;
	ssize_t r;
	int fd, e;

	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return NULL;
	buf = xmalloc(cap + 1);
	while (total < lim) {
		if (total == cap) {
			cap = cap > lim / 2 ? lim : cap * 2;
			buf = xrealloc(buf, cap + 1);
		}
		r = read(fd, buf + total, cap - total);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			e = errno;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		total += (size_t)r;
	}
	close(fd);
	*len = total;
	return buf;
}

/* Where to cut n > max bytes so that no UTF-8 sequence is split: back up
 * from max over at most three continuation bytes to the sequence's lead. */
static size_t
procfs_utf8_cut(const char *buf, size_t max)
{
	size_t cut = max, k;

	for (k = 0; k < 3 && cut > 0 && ((unsigned char)buf[cut] & 0xc0) == 0x80; k++)
		cut--;
	if (((unsigned char)buf[cut] & 0xc0) == 0x80)
		return max; /* not UTF-8 anyway */
	return cut;
}

char *
procfs_cmdline(pid_t pid, size_t max)
{
	size_t lim = max < SIZE_MAX - 1 ? max + 1 : max, len, i;
	char *buf, *comm;

	/* One byte past max tells whether, and where, to cut. */
	buf = procfs_read(pid, "cmdline", lim, &len);
	if (buf == NULL)
		return NULL;
	if (len == 0) {
		/* A kernel thread, or a process whose memory is gone. */
		free(buf);
		comm = procfs_read(pid, "comm", 64, &len);
		if (comm == NULL)
			return NULL;
		while (len > 0 && (comm[len - 1] == '\n' || comm[len - 1] == '\0'))
			len--;
		comm[len] = '\0';
		buf = xasprintf("[%s]", comm);
		free(comm);
		len = strlen(buf);
	}
	if (len > max)
		len = procfs_utf8_cut(buf, max);
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	for (i = 0; i < len; i++) {
		if (buf[i] == '\0')
			buf[i] = ' ';
	}
	buf[len] = '\0';
	return buf;
}
