/*
 * ptree.h: a snapshot of the process table, read from /proc, and the
 * question the supervisor asks of it: which processes belong to a child?
 */
#ifndef BROOD_PTREE_H
#define BROOD_PTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct ptree_entry {
	pid_t pid;
	pid_t ppid;
	pid_t pgid;
	pid_t sid;
	char state;                /* kernel state letter: R S D Z T t X I */
	unsigned long long start;  /* start time in clock ticks since boot */
};

struct ptree {
	struct ptree_entry *v;
	size_t n;
	size_t cap;
};

/* Fill t with every process now in /proc (t is reused across calls; start
 * from a zeroed struct). -1 with errno if /proc cannot be read. */
int ptree_scan(struct ptree *t);

void ptree_free(struct ptree *t);

/* Decides the owner of one process from what it is (leader, group, session,
 * marker): an owner id >= 0, or -1 to inherit its parent's owner. */
typedef int ptree_owner_cb(void *arg, const struct ptree_entry *e);

/* owner[i] for every t->v[i]: cb's answer for the process itself, else the
 * owner of its nearest ancestor that has one, else -1. Sorts t by pid. */
void ptree_owners(struct ptree *t, ptree_owner_cb *cb, void *arg, int *owner);

/* Call fn for every process in /proc with its pid, ppid, pgid, sid and
 * state (start is 0), reading with system calls only (open, getdents64,
 * read, close): no allocation, no stdio, so a signal handler may call it.
 * -1 if /proc cannot be read. */
int ptree_walk_safe(void (*fn)(void *arg, const struct ptree_entry *e), void *arg);

/* A set of session and group ids to empty, in static storage for the paths
 * that run when brood is dying (a signal handler, the guard): plain loops,
 * no allocation. */
#define PTREE_IDSET_MAX 4096
struct ptree_idset {
	pid_t ids[PTREE_IDSET_MAX];
	size_t n;
};

bool ptree_idset_has(const struct ptree_idset *set, pid_t id);
/* Add id unless it is 0 or 1 (no one's, init's), there already, or the
 * set is full. */
void ptree_idset_add(struct ptree_idset *set, pid_t id);

/* The entry of process pid, from /proc/pid/stat; false if it is gone. */
bool ptree_stat(pid_t pid, struct ptree_entry *e);

/* The entry of t, sorted by pid (as ptree_owners leaves it), for the
 * process pid that started at start; NULL if t does not hold it. */
const struct ptree_entry *ptree_get(const struct ptree *t, pid_t pid,
    unsigned long long start);

/* Copy the value of environment variable name ("BROOD_ID") of process pid
 * into buf; false if pid is gone, unreadable, or has no such variable. */
bool ptree_environ_get(pid_t pid, const char *name, char *buf, size_t len);

#endif
