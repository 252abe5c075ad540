/*
 * spawn.h: start one child process. The only code in brood that forks.
 */
#ifndef BROOD_SPAWN_H
#define BROOD_SPAWN_H

#include <sys/types.h>

#include "super.h"

struct spawn_spec {
	char *const *argv;  /* argv[0] is searched in PATH unless it has a '/' */
	char *const *envp;  /* the child's whole environment */
	const char *cwd;    /* NULL: brood's own */
	const struct proc_limits *limits; /* NULL: none */
	bool nice_set;
	int nice;
	uid_t uid;          /* (uid_t)-1: brood's own */
	gid_t gid;          /* (gid_t)-1: brood's own */
};

struct spawn_child {
	int fail_stage;     /* when spawn_start fails: STATUS_STAGE_PIPE or _FORK */
	pid_t pid;          /* also the child's session and process group id */
	int pidfd;          /* -1 where the kernel has no pidfd */
	int out_fd;         /* read ends, nonblocking and close-on-exec */
	int err_fd;
	int status_fd;      /* EOF once exec succeeded; a spawn_failure before */
};

/* What the child writes on status_fd when it cannot reach exec. */
struct spawn_failure {
	int stage;          /* enum status_stage */
	int err;            /* errno */
	char detail[120];   /* STATUS_STAGE_INTERP: the interpreter named by the
	                     * #! line (printable ASCII only), or "" */
};

/* Raise brood's own limit on open files to the hard limit (each child costs
 * brood four descriptors); children get the limit brood was given back.
 * Called once, before the first spawn. */
void spawn_init(void);

/* Fork and exec spec. The child runs in its own session with stdin from
 * /dev/null, stdout and stderr on two pipes, an empty signal mask, default
 * dispositions, and SIGKILL as its parent-death signal; only fds 0, 1 and 2
 * survive exec. argv[0] is searched as execvp does, and a file that is
 * text without a #! line runs under /bin/sh, as a shell would run it.
 * Returns 0, or -1 with errno, *cause set (allocated) and child->fail_stage
 * when brood itself could not fork or make pipes; a failure in the child
 * (chdir, exec) is reported later on status_fd. */
int spawn_start(const struct spawn_spec *spec, struct spawn_child *child, char **cause);

/* Run a shell command with no input and no output (a readiness probe), in
 * a session of its own; its pid, or -1 with errno. */
pid_t spawn_probe(const char *cmd, char *const *envp, const char *cwd);

/* fork with every signal blocked across it, the parent's mask back after,
 * as posix_spawn does. */
pid_t spawn_fork(void);

/* In a forked child: every signal to its default action, an empty mask. */
void spawn_child_reset_signals(void);

/* Read status_fd: 1 if exec succeeded (EOF), 0 if the child failed before
 * exec (*failure filled), -1 if nothing is known yet (EAGAIN). */
int spawn_check(int status_fd, struct spawn_failure *failure);

#endif
