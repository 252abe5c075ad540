/*
 * sample.c: CPU and memory of every process, read through libproc2.
 *
 * A sample is one procps_pids_reap of the whole process table, copied out
 * of libproc2's result stacks at once (the next call on the context reuses
 * them) into the caller's table, sorted by pid with each pid once: callers
 * binary-search it and pair its rows with other pid-sorted arrays.
 *
 * The items are chosen so that libproc2 opens two files per process:
 * /proc/PID/stat, for the links (ppid, group, session), state, start, ticks
 * and threads, and /proc/PID/statm for resident and virtual size. stat has
 * an rss field too, but since Linux 6.2 it is the per-CPU counters read
 * without summing them, off by up to CPUs x batch pages per counter (a few
 * hundred KiB here, gigabytes on a big machine, and 0 for a small process);
 * statm and status sum them, and statm is the cheaper of the two. Nothing
 * else is read: every other item we use is derived from stat.
 *
 * CPU% is our own delta, not libproc2's TICS_ALL_DELTA, which reads the
 * whole tick count the first time it sees a pid. A process is its pid and
 * its start time, so a reused pid starts afresh at 0%. The previous ticks
 * live in a private copy of the previous table: sorted by pid like the new
 * one, so one merge pass finds them, its size follows the process count,
 * and the rows of processes that are gone are dropped with it.
 *
 * Errors are returned, never printed: the library runs under a full-screen
 * terminal. In particular fatal_proc_unmounted() exits and is never called;
 * a missing /proc is checked by hand when the sampler is created.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libproc2/pids.h>

#include "sample.h"
#include "util.h"

/* The items, and their positions in each result stack. */
enum sample_item {
	SAMPLE_PID,
	SAMPLE_PPID,
	SAMPLE_PGID,
	SAMPLE_SID,
	SAMPLE_START,
	SAMPLE_STATE,
	SAMPLE_TICKS,
	SAMPLE_THREADS,
	SAMPLE_RSS,
	SAMPLE_VSZ,
	SAMPLE_NITEMS
};

static enum pids_item sample_items[SAMPLE_NITEMS] = {
	[SAMPLE_PID] = PIDS_ID_PID,
	[SAMPLE_PPID] = PIDS_ID_PPID,
	[SAMPLE_PGID] = PIDS_ID_PGRP,
	[SAMPLE_SID] = PIDS_ID_SESSION,
	[SAMPLE_START] = PIDS_TICS_BEGAN,
	[SAMPLE_STATE] = PIDS_STATE,
	[SAMPLE_TICKS] = PIDS_TICS_ALL,
	[SAMPLE_THREADS] = PIDS_NLWP,
	[SAMPLE_RSS] = PIDS_MEM_RES,
	[SAMPLE_VSZ] = PIDS_MEM_VIRT,
};

struct sample {
	struct pids_info *info;
	struct sample_proc *prev;  /* the previous table, for the deltas */
	size_t nprev;
	size_t prev_cap;
	uint64_t prev_ms;
	unsigned hertz;
};

/* Not in sample.h: tests/test_sample.c declares it to check the delta
 * rules on made-up tables, since a pid cannot be reused on demand. */
void sample_deltas(const struct sample_proc *prev, size_t nprev, uint64_t prev_ms,
    struct sample_proc *cur, size_t ncur, uint64_t now_ms, unsigned hertz);

unsigned
sample_hertz(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return hz > 0 ? (unsigned)hz : 100;
}

struct sample *
sample_create(char **cause)
{
	struct sample *s;
	int rc;

	*cause = NULL;
	/* libproc2 would only notice at the first reap, or exit for us. */
	if (access("/proc/self/stat", R_OK) == -1) {
		*cause = xasprintf("/proc is not mounted: %s", strerror(errno));
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	rc = procps_pids_new(&s->info, sample_items, SAMPLE_NITEMS);
	if (rc < 0) {
		*cause = xasprintf("libproc2: %s", strerror(-rc));
		free(s);
		errno = -rc;
		return NULL;
	}
	s->hertz = sample_hertz();
	return s;
}

void
sample_free(struct sample *s)
{
	if (s == NULL)
		return;
	procps_pids_unref(&s->info);
	free(s->prev);
	free(s);
}

void
sample_table_free(struct sample_table *t)
{
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
	t->t_ms = 0;
}

void
sample_deltas(const struct sample_proc *prev, size_t nprev, uint64_t prev_ms,
    struct sample_proc *cur, size_t ncur, uint64_t now_ms, unsigned hertz)
{
	double per_tick;
	size_t i, j = 0;

	if (now_ms <= prev_ms || hertz == 0) {
		for (i = 0; i < ncur; i++)
			cur[i].cpu_pct = 0;
		return;
	}
	/* One tick over the interval, in percent of one core. */
	per_tick = 100.0 * 1000.0 / (double)hertz / (double)(now_ms - prev_ms);
	for (i = 0; i < ncur; i++) {
		struct sample_proc *c = &cur[i];

		c->cpu_pct = 0;
		while (j < nprev && prev[j].pid < c->pid)
			j++;
		if (j == nprev || prev[j].pid != c->pid || prev[j].start != c->start)
			continue;
		if (c->ticks > prev[j].ticks)
			c->cpu_pct = (double)(c->ticks - prev[j].ticks) * per_tick;
	}
}

static int
sample_cmp_pid(const void *a, const void *b)
{
	const struct sample_proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* /proc lists processes by increasing pid, so this is one pass that finds
 * nothing to do; the sort is for a kernel that would not. */
static void
sample_sort(struct sample_table *t)
{
	size_t i, k;

	for (i = 1; i < t->n; i++) {
		if (t->v[i].pid <= t->v[i - 1].pid)
			break;
	}
	if (i >= t->n)
		return;
	qsort(t->v, t->n, sizeof *t->v, sample_cmp_pid);
	for (i = k = 1; i < t->n; i++) {
		if (t->v[i].pid != t->v[k - 1].pid)
			t->v[k++] = t->v[i];
	}
	t->n = k;
}

int
sample_all(struct sample *s, struct sample_table *t, uint64_t now_ms)
{
	struct pids_fetch *f;
	size_t n, i;

	errno = 0;
	f = procps_pids_reap(s->info, PIDS_FETCH_TASKS_ONLY);
	if (f == NULL) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	n = f->counts->total > 0 ? (size_t)f->counts->total : 0;
	if (t->cap < n) {
		t->cap = n + n / 4 + 16;
		t->v = xreallocarray(t->v, t->cap, sizeof *t->v);
	}
	for (i = 0; i < n; i++) {
		struct pids_stack *st = f->stacks[i];
		struct sample_proc *e = &t->v[i];

		e->pid = PIDS_VAL(SAMPLE_PID, s_int, st, s->info);
		e->ppid = PIDS_VAL(SAMPLE_PPID, s_int, st, s->info);
		e->pgid = PIDS_VAL(SAMPLE_PGID, s_int, st, s->info);
		e->sid = PIDS_VAL(SAMPLE_SID, s_int, st, s->info);
		e->start = PIDS_VAL(SAMPLE_START, ull_int, st, s->info);
		e->state = (char)PIDS_VAL(SAMPLE_STATE, s_ch, st, s->info);
		e->ticks = PIDS_VAL(SAMPLE_TICKS, ull_int, st, s->info);
		e->threads = PIDS_VAL(SAMPLE_THREADS, s_int, st, s->info);
		e->rss_kib = PIDS_VAL(SAMPLE_RSS, ul_int, st, s->info);
		e->vsz_kib = PIDS_VAL(SAMPLE_VSZ, ul_int, st, s->info);
		e->cpu_pct = 0;
	}
	t->n = n;
	t->t_ms = now_ms;
	sample_sort(t);

	sample_deltas(s->prev, s->nprev, s->prev_ms, t->v, t->n, now_ms, s->hertz);
	if (s->prev_cap < t->n || s->prev_cap > 4 * t->n + 64) {
		/* Shrinks too, so a burst of processes is not kept forever. */
		s->prev_cap = t->n + t->n / 4 + 16;
		s->prev = xreallocarray(s->prev, s->prev_cap, sizeof *s->prev);
	}
	if (t->n > 0)
		memcpy(s->prev, t->v, t->n * sizeof *t->v);
	s->nprev = t->n;
	s->prev_ms = now_ms;
	return 0;
}

const struct sample_proc *
sample_find(const struct sample_table *t, pid_t pid)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].pid == pid)
			return &t->v[mid];
		if (t->v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Up to lim bytes of a /proc file into an allocated buffer with room for a
 * terminating NUL; NULL with errno if it cannot be opened or read. */
static char *
sample_read(pid_t pid, const char *name, size_t lim, size_t *len)
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
sample_utf8_cut(const char *buf, size_t max)
{
	size_t cut = max, k;

	for (k = 0; k < 3 && cut > 0 && ((unsigned char)buf[cut] & 0xc0) == 0x80; k++)
		cut--;
	if (((unsigned char)buf[cut] & 0xc0) == 0x80)
		return max; /* not UTF-8 anyway */
	return cut;
}

char *
sample_cmdline(struct sample *s, pid_t pid, size_t max)
{
	size_t lim = max < SIZE_MAX - 1 ? max + 1 : max, len, i;
	char *buf, *comm;

	(void)s;
	/* One byte past max tells whether, and where, to cut. */
	buf = sample_read(pid, "cmdline", lim, &len);
	if (buf == NULL)
		return NULL;
	if (len == 0) {
		/* A kernel thread, or a process whose memory is gone. */
		free(buf);
		comm = sample_read(pid, "comm", 64, &len);
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
		len = sample_utf8_cut(buf, max);
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	for (i = 0; i < len; i++) {
		if (buf[i] == '\0')
			buf[i] = ' ';
	}
	buf[len] = '\0';
	return buf;
}
