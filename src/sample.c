/*
 * sample.c: CPU and memory of processes, read through libproc2 and
 * through descriptors kept on the stat files of brood's own processes.
 *
 * A sample is a table of every process on the system, sorted by pid with
 * each pid once (callers binary-search it and pair its rows with other
 * pid-sorted arrays), of which only the rows the caller wants carry fresh
 * figures. brood wants its own processes: a few dozen among hundreds, or
 * a thousand. Reading all of /proc each second would cost a thousand
 * processes' worth at every tick; reading only ours costs what we show.
 *
 * One sample:
 *
 *   1. List /proc. A directory entry gives the pid and the inode of
 *      /proc/PID. The kernel drops a pid's /proc entry when its task is
 *      released, so a new process that reuses the pid gets a new inode:
 *      (pid, inode) names one process without reading anything.
 *   2. Read /proc/PID/stat (links, state, start, ticks, faults, threads,
 *      virtual size) of every process but two kinds:
 *      - Those the previous sample found unwanted under the same (pid,
 *        inode): a process that is not ours never becomes ours (only our
 *        descendants are, and they are born ours; orphans come back to
 *        brood, a subreaper). Those rows are carried over. A rotating
 *        eighth of them is still read each time, so that even a kernel
 *        that reused an inode could hide a process for a few seconds.
 *      - Those the previous sample wanted, which are read again through a
 *        descriptor kept open on their stat file (step 5; the reads by
 *        hand are in procfs.c).
 *      The rest (new processes, mostly) go through procps_pids_select,
 *      255 pids a call (the most libproc2 4.0 takes), or, when most rows
 *      are to be read (the first sample, a burst of new processes), one
 *      procps_pids_reap reads them all: a select costs twice as much a
 *      process, since it reads /proc/PID/status first.
 *   3. Ask the caller which rows it wants (its attribution, from the
 *      links of the whole table).
 *   4. Read resident size from /proc/PID/statm for the wanted rows that
 *      may have changed: new ones, and those whose ticks or page faults
 *      moved or that are running. Memory grows only by faulting pages in,
 *      and a process that did not run did not free any. Reclaim can still
 *      shrink an idle process, so a rotating fifth is read anyway.
 *   5. Open /proc/PID/stat for each wanted row that has no descriptor
 *      yet, and close those of rows no longer wanted.
 *
 * Why keep descriptors. Every wanted process must be read every sample:
 * its ticks are what CPU% is made of. Through libproc2 a read costs a
 * stat() of /proc/PID, a path walk, open, read and close, and an sscanf
 * of the line, about 11-14 us here; a pread() at offset 0 of a descriptor
 * kept open makes the kernel format the file again, and costs 3-4 us
 * with our parse (make bench: a tick at 1,000 children went from 15 ms
 * to 8 ms of CPU, and at 20 children from 0.8 to 0.5 ms). And it is safer: the descriptor holds the kernel's struct
 * pid, not the number, so once the process is released the read fails
 * with ESRCH, and a process that reuses the pid can never be read
 * through it. The verifying read at open time (its start time must be
 * the row's) closes the one window, between libproc2's read and the
 * open. Descriptors are capped at a quarter of the open-file limit, so
 * brood's children keep the rest; past it, rows are read by libproc2. A
 * start that finds no descriptor left has the sampler close all of its
 * own and keep half as many from then on (sample_release_fds).
 *
 * stat has an rss field too, but since Linux 6.2 it is the per-CPU
 * counters read without summing them, off by up to CPUs x batch pages per
 * counter (a few hundred KiB here, gigabytes on a big machine, and 0 for
 * a small process); statm sums them.
 *
 * CPU% is our own delta, not libproc2's TICS_ALL_DELTA, which reads the
 * whole tick count the first time it sees a pid. A process is its pid and
 * its start time, so a reused pid starts afresh at 0%. The previous ticks
 * live in a private copy of the previous table: sorted by pid like the new
 * one, so one merge pass finds them, its size follows the process count,
 * and the rows of processes that are gone are dropped with it. Result
 * stacks are reused by the next call on a context: values are copied out
 * at once.
 *
 * Errors are returned, never printed: the library runs under a full-screen
 * terminal. In particular fatal_proc_unmounted() exits and is never called;
 * a missing /proc is checked by hand when the sampler is created.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <libproc2/pids.h>

#include "procfs.h"
#include "sample.h"
#include "util.h"

/* The most pids procps_pids_select takes at once in libproc2 4.0. */
#define SAMPLE_BATCH 255
/* One in this many unwanted rows is read again each sample. */
#define SAMPLE_RECHECK 8
/* One in this many idle wanted rows has its memory read each sample. */
#define SAMPLE_MEM_RECHECK 5
/* Stat descriptors kept: at most this fraction of the open-file limit. */
#define SAMPLE_FD_SHARE 4

/* The items read from /proc/PID/stat, and their positions in each stack. */
enum sample_item {
	SAMPLE_PID,
	SAMPLE_PPID,
	SAMPLE_PGID,
	SAMPLE_SID,
	SAMPLE_START,
	SAMPLE_STATE,
	SAMPLE_TICKS,
	SAMPLE_THREADS,
	SAMPLE_VSZ,
	SAMPLE_FLT_MIN,
	SAMPLE_FLT_MAJ,
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
	[SAMPLE_VSZ] = PIDS_VSIZE_BYTES,
	[SAMPLE_FLT_MIN] = PIDS_FLT_MIN,
	[SAMPLE_FLT_MAJ] = PIDS_FLT_MAJ,
};

/* What sample.c keeps of a row besides the caller's figures: one per row
 * of the table being taken, and of the previous one. */
struct sample_row {
	int fd;                       /* on its /proc/PID/stat, or -1 */
	bool gone;                    /* not read yet, or it ended */
};

struct sample {
	struct pids_info *info;
	DIR *proc;                    /* /proc, listed at every sample */
	unsigned page_kib;
	struct sample_proc *prev;     /* the previous table */
	struct sample_row *prev_row;  /* and its rows' descriptors */
	size_t nprev;
	size_t prev_cap;
	uint64_t prev_ms;
	struct sample_row *row;       /* the rows of the table being taken */
	size_t row_cap;
	size_t nfd, fd_max;           /* stat descriptors kept, and the cap */
	unsigned *pids;               /* the pids to read, SAMPLE_BATCH at a time */
	size_t *rows;                 /* and their rows in the new table */
	size_t pids_cap;
	unsigned long round;          /* samples taken, for the rotations */
	size_t nselected, nreaped, nkept, nstatm;  /* what the last sample read */
	unsigned hertz;
};

/* Not in sample.h: tests/test_sample.c declares them, to check the delta
 * rules on made-up tables (a pid cannot be reused on demand), and how
 * many files the last sample read: pids selected, processes reaped, statm
 * files. */
void sample_deltas(const struct sample_proc *prev, size_t nprev, uint64_t prev_ms,
    struct sample_proc *cur, size_t ncur, uint64_t now_ms, unsigned hertz);
void sample_counts(const struct sample *s, size_t *selected, size_t *reaped, size_t *kept,
    size_t *statm);
void sample_fd_cap(struct sample *s, size_t max);

/* How the last sample read its rows: pids selected and processes reaped
 * through libproc2, rows read through kept descriptors, statm files. */
void
sample_counts(const struct sample *s, size_t *selected, size_t *reaped, size_t *kept,
    size_t *statm)
{
	*selected = s->nselected;
	*reaped = s->nreaped;
	*kept = s->nkept;
	*statm = s->nstatm;
}

/* At most max stat descriptors from the next sample on (0: read every row
 * through libproc2). */
void
sample_fd_cap(struct sample *s, size_t max)
{
	s->fd_max = max;
}

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
	struct rlimit rl;
	int rc;

	*cause = NULL;
	/* libproc2 would only notice at the first read, or exit for us. */
	if (access("/proc/self/stat", R_OK) == -1) {
		*cause = xasprintf("/proc is not mounted: %s", strerror(errno));
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->proc = opendir("/proc");
	if (s->proc == NULL) {
		*cause = xasprintf("/proc: %s", strerror(errno));
		free(s);
		return NULL;
	}
	rc = procps_pids_new(&s->info, sample_items, SAMPLE_NITEMS);
	if (rc < 0) {
		*cause = xasprintf("libproc2: %s", strerror(-rc));
		sample_free(s);
		errno = -rc;
		return NULL;
	}
	s->hertz = sample_hertz();
	/* brood has raised its soft limit to the hard one by now. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		s->fd_max = (size_t)rl.rlim_cur / SAMPLE_FD_SHARE;
	else
		s->fd_max = 1024;
	s->page_kib = (unsigned)(sysconf(_SC_PAGESIZE) / 1024);
	if (s->page_kib == 0)
		s->page_kib = 4;
	return s;
}

/* Close every kept descriptor: the previous table's, and those of the
 * first nrows rows of the table being taken. */
static void
sample_close_all(struct sample *s, size_t nrows)
{
	size_t i;

	for (i = 0; i < s->nprev; i++) {
		if (s->prev_row[i].fd >= 0)
			close(s->prev_row[i].fd);
	}
	for (i = 0; i < nrows; i++) {
		if (s->row[i].fd >= 0)
			close(s->row[i].fd);
		s->row[i].fd = -1;
	}
	for (i = 0; i < s->nprev; i++)
		s->prev_row[i].fd = -1;
	s->nfd = 0;
}

size_t
sample_release_fds(struct sample *s)
{
	size_t n = s->nfd;

	sample_close_all(s, 0);
	s->fd_max = n / 2 < s->fd_max ? n / 2 : s->fd_max;
	return n;
}

void
sample_free(struct sample *s)
{
	if (s == NULL)
		return;
	sample_close_all(s, 0);
	if (s->info != NULL)
		procps_pids_unref(&s->info);
	if (s->proc != NULL)
		closedir(s->proc);
	free(s->prev);
	free(s->prev_row);
	free(s->row);
	free(s->pids);
	free(s->rows);
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

static void
sample_table_reserve(struct sample_table *t, size_t n)
{
	if (t->cap < n) {
		t->cap = n + n / 4 + 16;
		t->v = xreallocarray(t->v, t->cap, sizeof *t->v);
	}
}

/* Step 1: one row per entry of /proc, with only its pid and inode. */
static int
sample_list(struct sample *s, struct sample_table *t)
{
	struct dirent *d;
	size_t n = 0;

	rewinddir(s->proc);
	errno = 0;
	while ((d = readdir(s->proc)) != NULL) {
		const char *c = d->d_name;
		long pid = 0;

		if (!isdigit((unsigned char)*c))
			continue;
		for (; isdigit((unsigned char)*c) && pid <= INT32_MAX / 10; c++)
			pid = pid * 10 + (*c - '0');
		if (*c != '\0' || pid <= 0 || pid > INT32_MAX)
			continue;
		sample_table_reserve(t, n + 1);
		memset(&t->v[n], 0, sizeof t->v[n]);
		t->v[n].pid = (pid_t)pid;
		t->v[n].ino = (uint64_t)d->d_ino;
		n++;
	}
	if (errno != 0)
		return -1;
	t->n = n;
	sample_sort(t);
	return 0;
}

/* The previous row of the same process as row, or NULL; j walks prev in
 * step with the rows, which come by increasing pid. */
static const struct sample_proc *
sample_prev(const struct sample *s, size_t *j, const struct sample_proc *row)
{
	while (*j < s->nprev && s->prev[*j].pid < row->pid)
		(*j)++;
	if (*j == s->nprev || s->prev[*j].pid != row->pid || s->prev[*j].ino != row->ino)
		return NULL;
	return &s->prev[*j];
}

static void
sample_queue(struct sample *s, size_t *n, pid_t pid, size_t row)
{
	if (*n == s->pids_cap) {
		s->pids_cap = s->pids_cap * 2 + 64;
		s->pids = xreallocarray(s->pids, s->pids_cap, sizeof *s->pids);
		s->rows = xreallocarray(s->rows, s->pids_cap, sizeof *s->rows);
	}
	s->pids[*n] = (unsigned)pid;
	s->rows[(*n)++] = row;
}

/* Room for n rows in s->row, parallel to the table being taken. */
static void
sample_rows_reserve(struct sample *s, size_t n)
{
	if (s->row_cap < n) {
		s->row_cap = n + n / 4 + 16;
		s->row = xreallocarray(s->row, s->row_cap, sizeof *s->row);
	}
}

static void
sample_fill(struct sample *s, struct pids_stack *st, struct sample_proc *e)
{
	e->ppid = PIDS_VAL(SAMPLE_PPID, s_int, st, s->info);
	e->pgid = PIDS_VAL(SAMPLE_PGID, s_int, st, s->info);
	e->sid = PIDS_VAL(SAMPLE_SID, s_int, st, s->info);
	e->start = PIDS_VAL(SAMPLE_START, ull_int, st, s->info);
	e->state = (char)PIDS_VAL(SAMPLE_STATE, s_ch, st, s->info);
	e->ticks = PIDS_VAL(SAMPLE_TICKS, ull_int, st, s->info);
	e->threads = PIDS_VAL(SAMPLE_THREADS, s_int, st, s->info);
	e->vsz_kib = PIDS_VAL(SAMPLE_VSZ, ul_int, st, s->info) / 1024;
	e->faults = PIDS_VAL(SAMPLE_FLT_MIN, ul_int, st, s->info) +
	    PIDS_VAL(SAMPLE_FLT_MAJ, ul_int, st, s->info);
}

/* Read the stat of the n queued pids, SAMPLE_BATCH at a time. A process
 * that ended since the listing has no result: its row stays gone. */
static int
sample_select(struct sample *s, size_t n, struct sample_table *t)
{
	size_t at, k, i, count, got;
	struct pids_fetch *f;

	s->nselected = n;
	for (at = 0; at < n; at += SAMPLE_BATCH) {
		count = n - at < SAMPLE_BATCH ? n - at : SAMPLE_BATCH;
		errno = 0;
		f = procps_pids_select(s->info, s->pids + at, (int)count, PIDS_SELECT_PID);
		if (f == NULL) {
			if (errno == 0)
				errno = EIO;
			return -1;
		}
		/* Results come in the order asked, without the ended ones. */
		got = f->counts->total > 0 ? (size_t)f->counts->total : 0;
		for (i = 0, k = at; i < got; i++, k++) {
			unsigned pid = (unsigned)PIDS_VAL(SAMPLE_PID, s_int, f->stacks[i], s->info);

			while (k < at + count && s->pids[k] != pid)
				k++;
			if (k == at + count)
				break;
			sample_fill(s, f->stacks[i], &t->v[s->rows[k]]);
			s->row[s->rows[k]].gone = false;
		}
	}
	return 0;
}

/* Read the stat of every process at once: cheaper per process than a
 * select, which reads /proc/PID/status first to find the thread group.
 * With listed, fill the queued rows of t (the others were read already);
 * else make t of what the reap finds, without inodes or descriptors. */
static int
sample_reap(struct sample *s, struct sample_table *t, bool listed)
{
	struct pids_fetch *f;
	struct sample_proc *e;
	size_t i, got;

	errno = 0;
	f = procps_pids_reap(s->info, PIDS_FETCH_TASKS_ONLY);
	if (f == NULL) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	got = f->counts->total > 0 ? (size_t)f->counts->total : 0;
	s->nreaped = got;
	if (!listed) {
		sample_table_reserve(t, got);
		t->n = 0;
	}
	for (i = 0; i < got; i++) {
		pid_t pid = PIDS_VAL(SAMPLE_PID, s_int, f->stacks[i], s->info);

		if (listed) {
			/* One born since the listing waits for the next sample. */
			e = (struct sample_proc *)sample_find(t, pid);
			if (e == NULL || !s->row[e - t->v].gone || s->row[e - t->v].fd >= 0)
				continue;
			s->row[e - t->v].gone = false;
		} else {
			e = &t->v[t->n++];
			memset(e, 0, sizeof *e);
			e->pid = pid;
		}
		sample_fill(s, f->stacks[i], e);
	}
	if (!listed) {
		sample_sort(t);
		sample_rows_reserve(s, t->n);
		for (i = 0; i < t->n; i++)
			s->row[i] = (struct sample_row){ .fd = -1, .gone = false };
	}
	return 0;
}

/* Whether n rows to read out of total are better read by one reap. */
static bool
sample_reap_better(size_t n, size_t total)
{
	return n > 2 * SAMPLE_BATCH || 2 * n > total;
}

/* Drop the rows of processes that ended between the listing and the read. */
static void
sample_drop_gone(struct sample *s, struct sample_table *t)
{
	size_t i, k;

	for (i = k = 0; i < t->n; i++) {
		if (!s->row[i].gone) {
			t->v[k] = t->v[i];
			s->row[k++] = s->row[i];
		}
	}
	t->n = k;
}

/* Whether an idle wanted row may keep its previous resident size: the same
 * process, wanted before, and it neither ran nor faulted since. */
static bool
sample_mem_unchanged(const struct sample *s, const struct sample_proc *e,
    const struct sample_proc *p)
{
	if (p == NULL || !p->wanted || p->start != e->start)
		return false;
	if (p->ticks != e->ticks || p->faults != e->faults)
		return false;
	if (e->state == 'R' || e->state == 'D')
		return false;
	return ((unsigned long)e->pid + s->round) % SAMPLE_MEM_RECHECK != 0;
}

/* Step 2: read the rows through their kept descriptors, carry over the
 * unwanted ones, and queue the rest for libproc2; the number queued. The
 * descriptors of previous rows that found no row (their process ended)
 * are closed. */
static size_t
sample_plan(struct sample *s, struct sample_table *t)
{
	const struct sample_proc *p;
	size_t i, j, n;

	for (i = j = n = 0; i < t->n; i++) {
		struct sample_proc *e = &t->v[i];
		struct sample_row *r = &s->row[i];

		r->fd = -1;
		r->gone = true;
		p = sample_prev(s, &j, e);
		if (p != NULL && s->prev_row[j].fd >= 0) {
			r->fd = s->prev_row[j].fd;
			s->prev_row[j].fd = -1;
			if (procfs_stat_pread(r->fd, e) == 0) {
				r->gone = false;
				s->nkept++;
			} else {
				close(r->fd);
				r->fd = -1;
				s->nfd--;
			}
			continue;
		}
		if (p != NULL && !p->wanted &&
		    ((unsigned long)e->pid + s->round) % SAMPLE_RECHECK != 0) {
			*e = *p;
			r->gone = false;
			continue;
		}
		sample_queue(s, &n, e->pid, i);
	}
	for (j = 0; j < s->nprev; j++) {
		if (s->prev_row[j].fd >= 0) {
			close(s->prev_row[j].fd);
			s->prev_row[j].fd = -1;
			s->nfd--;
		}
	}
	return n;
}

/* Step 5: a descriptor for each wanted row, none for the others. */
static void
sample_keep(struct sample *s, struct sample_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		struct sample_row *r = &s->row[i];

		if (t->v[i].wanted && r->fd == -1 && s->nfd < s->fd_max) {
			r->fd = procfs_stat_open(dirfd(s->proc), t->v[i].pid, t->v[i].start);
			s->nfd += r->fd >= 0;
		} else if (!t->v[i].wanted && r->fd >= 0) {
			close(r->fd);
			r->fd = -1;
			s->nfd--;
		}
	}
}

int
sample_take(struct sample *s, struct sample_table *t, uint64_t now_ms, sample_want_fn *want,
    void *arg)
{
	const struct sample_proc *p;
	size_t i, j, n;

	s->round++;
	s->nselected = s->nreaped = s->nkept = s->nstatm = 0;
	if (want == NULL) {
		/* Every row is to be read, and none is kept open. */
		sample_close_all(s, 0);
		if (sample_reap(s, t, false) == -1)
			return -1;
		goto read;
	}
	if (sample_list(s, t) == -1)
		return -1;
	sample_rows_reserve(s, t->n);
	n = sample_plan(s, t);
	if ((sample_reap_better(n, t->n) ? sample_reap(s, t, true) :
	    sample_select(s, n, t)) == -1) {
		/* The next sample starts afresh. */
		sample_close_all(s, t->n);
		s->nprev = 0;
		return -1;
	}
read:
	sample_drop_gone(s, t);
	t->t_ms = now_ms;
	sample_deltas(s->prev, s->nprev, s->prev_ms, t->v, t->n, now_ms, s->hertz);

	/* Step 3: the caller's choice. */
	for (i = 0; i < t->n; i++)
		t->v[i].wanted = want == NULL;
	if (want != NULL)
		want(t, arg);

	/* Step 4: memory for the wanted rows that may have changed. */
	for (i = j = 0; i < t->n; i++) {
		struct sample_proc *e = &t->v[i];

		p = sample_prev(s, &j, e);
		if (!e->wanted)
			e->rss_kib = 0;
		else if (sample_mem_unchanged(s, e, p))
			e->rss_kib = p->rss_kib;
		else {
			e->rss_kib = procfs_rss_kib(dirfd(s->proc), e->pid, s->page_kib);
			s->nstatm++;
		}
	}

	if (want != NULL)
		sample_keep(s, t);

	if (s->prev_cap < t->n || s->prev_cap > 4 * t->n + 64) {
		/* Shrinks too, so a burst of processes is not kept forever. */
		s->prev_cap = t->n + t->n / 4 + 16;
		s->prev = xreallocarray(s->prev, s->prev_cap, sizeof *s->prev);
		s->prev_row = xreallocarray(s->prev_row, s->prev_cap, sizeof *s->prev_row);
	}
	if (t->n > 0) {
		memcpy(s->prev, t->v, t->n * sizeof *t->v);
		memcpy(s->prev_row, s->row, t->n * sizeof *s->row);
	}
	s->nprev = t->n;
	s->prev_ms = now_ms;
	return 0;
}

int
sample_all(struct sample *s, struct sample_table *t, uint64_t now_ms)
{
	return sample_take(s, t, now_ms, NULL, NULL);
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
