/* testutil.h: run brood (or anything) as a test subject, and look for survivors. */
#ifndef BROOD_TESTUTIL_H
#define BROOD_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

struct tu_proc {
	pid_t pid;
	int out_fd;
	int err_fd;
	char *out;
	size_t out_len;
	size_t out_cap;
	char *err;
	size_t err_len;
	size_t err_cap;
	int status;          /* wait status once exited */
	bool exited;
	struct rusage ru;
	char tag[64];        /* TESTTAG=value put in its environment */
};

/* Path of the brood binary and of the helper child, from the environment. */
const char *tu_brood(void);
const char *tu_helper(void);

/* A fresh tag for the environment: every process started under it can be
 * found later in /proc. */
void tu_new_tag(char *buf, size_t len);

/* Start argv with stdout and stderr captured and a fresh tag. */
void tu_start(struct tu_proc *t, const char *const *argv);

/* Read output until needle appears in stdout; false after timeout_ms. */
bool tu_wait_for(struct tu_proc *t, const char *needle, int timeout_ms);

/* The same for stderr. */
bool tu_wait_for_err(struct tu_proc *t, const char *needle, int timeout_ms);

/* Read everything until it exits; false (and SIGKILL) after timeout_ms. */
bool tu_finish(struct tu_proc *t, int timeout_ms);

/* Release what tu_start took; harmless on a zeroed or freed struct. */
void tu_free(struct tu_proc *t);

/* Processes alive or zombie whose environment holds tag; their pids go to
 * the message buffer for the assertion. */
size_t tu_survivors(const char *tag, char *msg, size_t len);

/* Whether pid exists (zombie included). */
bool tu_pid_exists(pid_t pid);

/* The kernel state letter of pid, or 0. */
char tu_pid_state(pid_t pid);

/* Read a file of pids, one a line, waiting up to timeout_ms for it. */
size_t tu_read_pids(const char *file, pid_t *pids, size_t max, int timeout_ms);

/* Count lines of s that are exactly line. */
size_t tu_count_lines(const char *s, const char *line);

/* A temporary file name unique to this test process. */
void tu_tmpname(char *buf, size_t len, const char *what);

#endif
