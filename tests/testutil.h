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
	int in_fd;           /* the write end of its stdin (tu_opts.stdin_pipe), or -1 */
	int pty_fd;          /* the master of its controlling terminal (tu_opts.ctty), or -1 */
	/* Lines of stdout that start with skip are counted in skipped and
	 * not kept (a flood); set it after tu_start, before reading. */
	const char *skip;
	size_t skipped;
	int skip_state;      /* 0 at a line start, 1 keeping, 2 dropping */
	char skip_head[64];  /* the start of a line, until it is told apart */
	size_t skip_head_len;
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

/* Read what output there is, waiting at most wait_ms for some; false
 * once both streams are at EOF. */
bool tu_read_some(struct tu_proc *t, int wait_ms);

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

/* Poll every 20 ms until at least n processes carry tag (brood itself
 * counts); false after timeout_ms. */
bool tu_wait_tagged(const char *tag, size_t n, int timeout_ms);

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

/* A temporary file name unique to this test process, in a directory of its
 * own that is removed, with all it holds, when the process exits. */
void tu_tmpname(char *buf, size_t len, const char *what);

/* A suite called name with one test case of that name (returned in *tc),
 * given the checked fixture setup and teardown (either may be NULL) and a
 * timeout of timeout_s seconds. */
Suite *tu_suite(const char *name, TCase **tc, SFun setup, SFun teardown, int timeout_s);

/* Run every test of s (CK_NORMAL output) and free it; EXIT_SUCCESS if none
 * failed, else EXIT_FAILURE, for main to return. */
int tu_run_suite(Suite *s);

/* How to start a test subject, for tu_start_opts; zero: as tu_start. */
struct tu_opts {
	long nofile;         /* RLIMIT_NOFILE, soft and hard (0: inherited) */
	long nofile_soft;    /* ... or only the soft limit (0: inherited) */
	long nproc;          /* RLIMIT_NPROC, soft and hard (0: inherited) */
	uid_t uid;           /* run as this uid, and as gid uid (0: unchanged) */
	bool stdin_pipe;     /* stdin is a pipe whose write end is t->in_fd */
	bool ctty;           /* a session of its own with a new pseudo-terminal
	                      * as its controlling terminal and stdin; t->pty_fd */
	const char *stdout_path; /* stdout goes to this file, not to t->out */
};

/* tu_start with limits, another user, a held stdin or a terminal. */
void tu_start_opts(struct tu_proc *t, const char *const *argv, const struct tu_opts *o);

/* Run brood with args (NULL-terminated, brood itself not included) until it
 * exits; fails the test if it takes longer than timeout_ms, leaves anything
 * behind or dies by a signal. Returns its exit code. */
int tu_brood_run(struct tu_proc *t, int timeout_ms, const char *const *args);

/* "<helper> args" in buffer slot (0 to 15), valid until the slot is used
 * again: several helper commands for one brood command line. */
const char *tu_h(unsigned slot, const char *args);

/* The last n bytes of s (all of it if shorter): Check cannot carry a
 * failure message of more than a few kilobytes, and drops the whole test's
 * result then. */
const char *tu_tail(const char *s, size_t n);

/* Fail unless stdout of t holds exactly one line that is line. */
#define tu_assert_line(t, line) \
	ck_assert_msg(tu_count_lines((t)->out, (line)) == 1, "no line '%s' in (the end of):\n%s\n" \
	    "stderr:\n%s", (line), tu_tail((t)->out, 1500), tu_tail((t)->err, 1000))

/* tu_brood_run with the arguments listed (NULL-terminated) and 30 s. */
int tu_run(struct tu_proc *t, const char *first, ...) __attribute__((sentinel));

/* Fail the test if anything started under t's tag survived. */
void tu_assert_no_survivors(const struct tu_proc *t);

/* Fail the test unless every byte of s is well-formed UTF-8 that a
 * terminal prints as text, or a newline: no C0 or C1 control (raw or
 * UTF-8-encoded), no DEL, no bidi control; with sgr_ok, SGR sequences
 * (ESC [ digits and semicolons m) are allowed too. */
void tu_assert_terminal_safe(const char *s, size_t len, bool sgr_ok);

/* Zombies whose parent is pid. */
size_t tu_zombies_of(pid_t pid);

/* The peak resident set of a live pid (VmHWM), in KiB; 0 if unknown. */
long tu_peak_rss_kib(pid_t pid);

/* Count lines of s that start with prefix, or end with suffix. */
size_t tu_count_prefix(const char *s, const char *prefix);
size_t tu_count_suffix(const char *s, const char *suffix);

/* Poll every 10 ms until tu_count_lines(t->out, line) reaches n, reading
 * output meanwhile; false after timeout_ms. */
bool tu_wait_count(struct tu_proc *t, const char *line, size_t n, int timeout_ms);

/* Make pid + 1 the next pid handed out (/proc/sys/kernel/ns_last_pid, as
 * root); false if that cannot be done here. */
bool tu_set_last_pid(pid_t pid);

/* Fork a child that starts a session of its own and sleeps, with pid want
 * exactly (set through /proc/sys/kernel/ns_last_pid, as root); -1 if that
 * cannot be done here or another process took the pid first. */
pid_t tu_fork_at(pid_t want);

/* Milliseconds on CLOCK_MONOTONIC. */
long tu_now_ms(void);

#endif
