/*
 * sample.h: CPU and memory of processes, read through libproc2 (procps-ng
 * 4) and through descriptors kept on the stat files of the processes the
 * caller wants. The only module of brood that includes libproc2.
 *
 * A sample lists every process on the system with its links (parent,
 * group, session), but reads figures only for the processes the caller
 * wants: see sample_take.
 *
 * A sample is a table of processes with their figures at one moment. CPU%
 * is the tick delta since the previous sample of the *same* process
 * (identified by pid and start time, so a reused pid starts afresh) over
 * the elapsed time; 100% is one core. The first sample of a process has
 * no delta and reads 0%.
 */
#ifndef BROOD_SAMPLE_H
#define BROOD_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sample_proc {
	pid_t pid;
	pid_t ppid;
	pid_t pgid;
	pid_t sid;
	unsigned long long start;  /* start time, clock ticks after boot */
	char state;                /* R S D Z T t X I ... */
	double cpu_pct;            /* since this process's previous sample */
	unsigned long long ticks;  /* user + system ticks since it started */
	uint64_t rss_kib;          /* wanted rows only; 0 in the others */
	uint64_t vsz_kib;
	int threads;
	unsigned long faults;      /* minor + major page faults */
	uint64_t ino;              /* of /proc/PID: with pid, names the process */
	bool wanted;               /* as the want callback left it */
};

struct sample_table {
	struct sample_proc *v;     /* sorted by pid */
	size_t n;
	size_t cap;
	uint64_t t_ms;             /* when it was taken (the now_ms given) */
};

struct sample;

/* A sampler; NULL with *cause (allocated) if libproc2 cannot be set up
 * (no /proc). */
struct sample *sample_create(char **cause);
void sample_free(struct sample *s);

/* Called by sample_take once t holds every process's links, state and
 * ticks: set wanted on the rows whose figures are needed. */
typedef void sample_want_fn(struct sample_table *t, void *arg);

/* Sample the processes on the system into t (reused across calls; start
 * from a zeroed table), and call want to choose the rows that get memory
 * figures. A process want left out is not read again while it lives
 * (it is carried over from the previous sample, a rotating share of
 * such rows excepted): its links and figures in t may be stale. With
 * want NULL every row is wanted and read. now_ms is the util_now_ms clock,
 * passed in so tests control time. -1 with errno on failure. */
int sample_take(struct sample *s, struct sample_table *t, uint64_t now_ms,
    sample_want_fn *want, void *arg);

/* Close the stat descriptors kept for wanted processes (their rows are
 * read by libproc2 until descriptors are kept again) and keep at most
 * half as many from now on: brood ran out of descriptors. How many were
 * closed. */
size_t sample_release_fds(struct sample *s);

/* sample_take wanting every process. */
int sample_all(struct sample *s, struct sample_table *t, uint64_t now_ms);

/* The entry for pid in t, or NULL. */
const struct sample_proc *sample_find(const struct sample_table *t, pid_t pid);

/* Clock ticks per second. */
unsigned sample_hertz(void);

void sample_table_free(struct sample_table *t);

#endif
