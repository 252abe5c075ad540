/*
 * procfs.h: the few /proc files brood reads by hand, without libproc2:
 * where libproc2 would read more than needed (statm alone, a stat line
 * through a descriptor kept open) or has no call for it (a command line
 * cut at a byte count). Nothing here prints; errors are return values.
 */
#ifndef BROOD_PROCFS_H
#define BROOD_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sample.h"

/* The fields of a /proc/PID/stat line (NUL-terminated) into e: state,
 * ppid, pgid, sid, faults, ticks, threads, start, vsz_kib; the other
 * fields of e are left alone. -1 if the line is not a stat line. */
int procfs_stat_parse(const char *line, struct sample_proc *e);

/* Read the stat line again through fd (from procfs_stat_open) into e;
 * -1 once the process has been released (the kernel answers ESRCH: the
 * descriptor holds the process, not its pid) or on a bad read. */
int procfs_stat_pread(int fd, struct sample_proc *e);

/* A close-on-exec descriptor on /proc/PID/stat, proc_fd being /proc,
 * checked by one read to belong to the process that started at start
 * (clock ticks after boot); -1 otherwise. */
int procfs_stat_open(int proc_fd, pid_t pid, unsigned long long start);

/* Resident size in KiB from /proc/PID/statm (page_kib KiB a page); 0 if
 * the process is gone. */
uint64_t procfs_rss_kib(int proc_fd, pid_t pid, unsigned page_kib);

/* The command line of pid, arguments separated by spaces, at most max
 * bytes and never a split UTF-8 sequence (allocated; not sanitized). NULL
 * if the process is gone; "[name]" for a kernel thread or a zombie, which
 * have none. */
char *procfs_cmdline(pid_t pid, size_t max);

#endif
