/* testutil.h: run brood (or anything) as a test subject, and look for survivors. */
#ifndef BROOD_TESTUTIL_H
#define BROOD_TESTUTIL_H

#include <check.h>
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

/* Whether the suite runs under valgrind (make check-valgrind), which counts
 * its own memory in the RSS and keeps RLIMIT_NOFILE to itself in the
 * processes it runs (a child's limit set before exec never reaches it). */
bool tu_valgrind(void);

/* The command string "<helper> args" for brood to run, written to buf and returned. */
const char *tu_helper_cmd(char *buf, size_t len, const char *args);

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

/* Processes with tag, as tu_survivors, polled every 20 ms until there are
 * none or timeout_ms has passed; how many the last look found. */
size_t tu_wait_survivors(const char *tag, char *msg, size_t len, int timeout_ms);

/* Whether pid exists (zombie included). */
bool tu_pid_exists(pid_t pid);

/* Whether pid is gone or a zombie (an orphan may wait long to be reaped). */
bool tu_pid_dead(pid_t pid);

/* Poll every 10 ms until tu_pid_dead(pid); false after timeout_ms. */
bool tu_wait_pid_dead(pid_t pid, int timeout_ms);

/* The kernel state letter of pid, or 0. */
char tu_pid_state(pid_t pid);

/* Read a file of pids, one a line, waiting up to timeout_ms for it. */
size_t tu_read_pids(const char *file, pid_t *pids, size_t max, int timeout_ms);

/* Count lines of s that are exactly line. */
size_t tu_count_lines(const char *s, const char *line);

/* Read the first line of file (newline kept) into buf; fails the test if
 * the file cannot be opened or is empty. */
void tu_read_line(const char *file, char *buf, size_t len);

/* A temporary file name unique to this test process. */
void tu_tmpname(char *buf, size_t len, const char *what);

/* A suite called name with one test case of that name (returned in *tc),
 * given the checked fixture setup and teardown (either may be NULL) and a
 * timeout of timeout_s seconds. */
Suite *tu_suite(const char *name, TCase **tc, SFun setup, SFun teardown, int timeout_s);

/* Run every test of s (CK_NORMAL output) and free it; EXIT_SUCCESS if none
 * failed, else EXIT_FAILURE, for main to return. */
int tu_run_suite(Suite *s);

#endif
