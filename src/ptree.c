/*
 * ptree.c: which processes belong to a child, read from /proc.
 *
 * A child runs in its own session, so its process group and session catch
 * almost everything it starts. Two kinds of process escape both: a daemon
 * that calls setsid() after forking, and anything that moves itself to a
 * new group. The parent links still lead to the child while the parents
 * live; when a parent dies first the orphan is re-parented to brood, which
 * is a child subreaper, and the link is lost. For those brood puts a marker
 * in each child's environment (BROOD_ID=<brood pid>.<serial>), which every
 * descendant inherits unless it clears its environment on purpose: an
 * adopted process is attributed by it. Membership is the closure of the
 * leader, its group and session, and marked adoptees, under "is a child of".
 *
 * The snapshot is taken only when brood must act on a child's processes
 * (stop, kill, pause, quit), never on the input or render path.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ptree.h"
#include "util.h"

bool
ptree_stat(pid_t pid, struct ptree_entry *e)
{
	char path[64], buf[1024], *p;
	unsigned long long field;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return false;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: skip to the last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ')
		return false;
	p += 2;
	e->pid = pid;
	e->state = *p++;
	if (sscanf(p, " %d %d %d", &e->ppid, &e->pgid, &e->sid) != 3)
		return false;
	/* starttime is field 22; we are after field 3 (state). */
	for (i = 4; i < 22; i++) {
		p = strchr(p + 1, ' ');
		if (p == NULL)
			return false;
	}
	field = strtoull(p, NULL, 10);
	e->start = field;
	return true;
}

int
ptree_scan(struct ptree *t)
{
	struct dirent *de;
	DIR *d;

	t->n = 0;
	d = opendir("/proc");
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		pid_t pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (t->n == t->cap) {
			t->cap = t->cap == 0 ? 256 : t->cap * 2;
			t->v = xreallocarray(t->v, t->cap, sizeof *t->v);
		}
		if (ptree_stat(pid, &t->v[t->n]))
			t->n++;
	}
	closedir(d);
	return 0;
}

/* A decimal number at *p, moving *p past it; async-signal-safe. */
static long
ptree_safe_number(const char **p, const char *end)
{
	long v = 0;

	while (*p < end && **p >= '0' && **p <= '9')
		v = v * 10 + (*(*p)++ - '0');
	return v;
}

/* /proc/pid/stat into e with system calls and plain loops only. */
static bool
ptree_safe_stat(const char *name, struct ptree_entry *e)
{
	static const char pre[] = "/proc/", post[] = "/stat";
	char path[64], buf[512];
	const char *p, *end, *paren = NULL;
	size_t n = 0, k;
	ssize_t got;
	int fd, field;

	for (k = 0; pre[k] != '\0'; k++)
		path[n++] = pre[k];
	for (k = 0; name[k] != '\0' && n < 40; k++)
		path[n++] = name[k];
	for (k = 0; k < sizeof post; k++)
		path[n++] = post[k];
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return false;
	got = read(fd, buf, sizeof buf);
	close(fd);
	if (got <= 0)
		return false;
	end = buf + got;
	for (p = buf; p < end; p++) {
		if (*p == ')')
			paren = p;
	}
	if (paren == NULL || paren + 4 >= end)
		return false;
	p = paren + 2;
	e->state = *p++;
	/* Fields 4, 5, 6: ppid, pgid, sid. */
	for (field = 4; field <= 6; field++) {
		long v;

		if (p >= end || *p++ != ' ')
			return false;
		v = ptree_safe_number(&p, end);
		if (field == 4)
			e->ppid = (pid_t)v;
		else if (field == 5)
			e->pgid = (pid_t)v;
		else
			e->sid = (pid_t)v;
	}
	e->start = 0;
	return true;
}

int
ptree_walk_safe(void (*fn)(void *arg, const struct ptree_entry *e), void *arg)
{
	/* getdents64 records are 8-byte aligned from the buffer's start. */
	char buf[8192] __attribute__((aligned(8)));
	int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n;

	if (fd == -1)
		return -1;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		long off = 0;

		while (off < n) {
			struct ptree_dirent64 {
				unsigned long long ino;
				long long off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *de = (struct ptree_dirent64 *)(void *)(buf + off);
			struct ptree_entry e;
			const char *q = de->name;

			off += de->reclen;
			if (*q < '1' || *q > '9')
				continue;
			e.pid = (pid_t)ptree_safe_number(&q, q + 16);
			if (*q == '\0' && ptree_safe_stat(de->name, &e))
				fn(arg, &e);
		}
	}
	close(fd);
	return 0;
}

void
ptree_free(struct ptree *t)
{
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

bool
ptree_environ_get(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64], env[65536];
	size_t nlen = strlen(name), start = 0, i, total = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return false;
	/* The marker is set by brood at spawn, so it sits in the first 64 KiB
	 * of any environment that was not rebuilt on purpose. */
	while (total < sizeof env && (n = read(fd, env + total, sizeof env - total)) > 0)
		total += (size_t)n;
	close(fd);
	for (i = 0; i < total; i++) {
		if (env[i] != '\0')
			continue;
		if (i - start > nlen && env[start + nlen] == '=' &&
		    memcmp(env + start, name, nlen) == 0) {
			size_t vlen = i - start - nlen - 1;

			if (vlen >= len)
				return false;
			memcpy(buf, env + start + nlen + 1, vlen);
			buf[vlen] = '\0';
			return true;
		}
		start = i + 1;
	}
	return false;
}

static int
ptree_cmp_pid(const void *a, const void *b)
{
	const struct ptree_entry *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static ssize_t
ptree_find(const struct ptree *t, pid_t pid)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].pid == pid)
			return (ssize_t)mid;
		if (t->v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const struct ptree_entry *
ptree_get(const struct ptree *t, pid_t pid, unsigned long long start)
{
	ssize_t i = ptree_find(t, pid);

	return i >= 0 && t->v[i].start == start ? &t->v[i] : NULL;
}

#define PTREE_UNKNOWN (-2)

/* The owner of entry i, walking up parent links; memoised in owner[]. The
 * walk is iterative and bounded by the table size, so a parent loop (pid
 * reuse between reads) cannot recurse forever. */
static int
ptree_resolve(const struct ptree *t, ptree_owner_cb *cb, void *arg, int *owner,
    size_t *path, size_t i)
{
	size_t depth = 0, k;
	int found = -1;

	for (;;) {
		ssize_t parent;

		if (owner[i] != PTREE_UNKNOWN) {
			found = owner[i];
			break;
		}
		owner[i] = cb(arg, &t->v[i]);
		if (owner[i] != -1) {
			found = owner[i];
			break;
		}
		path[depth++] = i;
		parent = ptree_find(t, t->v[i].ppid);
		if (parent < 0 || depth >= t->n)
			break;
		i = (size_t)parent;
	}
	for (k = 0; k < depth; k++)
		owner[path[k]] = found;
	return found;
}

void
ptree_owners(struct ptree *t, ptree_owner_cb *cb, void *arg, int *owner)
{
	size_t *path = xcalloc(t->n == 0 ? 1 : t->n, sizeof *path), i;

	qsort(t->v, t->n, sizeof *t->v, ptree_cmp_pid);
	for (i = 0; i < t->n; i++)
		owner[i] = PTREE_UNKNOWN;
	for (i = 0; i < t->n; i++)
		owner[i] = ptree_resolve(t, cb, arg, owner, path, i);
	free(path);
}

bool
ptree_idset_has(const struct ptree_idset *set, pid_t id)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (set->ids[i] == id)
			return true;
	}
	return false;
}

void
ptree_idset_add(struct ptree_idset *set, pid_t id)
{
	if (id > 1 && !ptree_idset_has(set, id) && set->n < PTREE_IDSET_MAX)
		set->ids[set->n++] = id;
}
