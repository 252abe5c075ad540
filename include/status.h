/*
 * status.h: exit statuses and signals spelled out for people.
 */
#ifndef BROOD_STATUS_H
#define BROOD_STATUS_H

#include <stddef.h>

/* What failed in the child before exec took over (spawn.c reports it). */
enum status_stage {
	STATUS_STAGE_EXEC = 1,  /* execve */
	STATUS_STAGE_CHDIR,     /* chdir to the working directory */
	STATUS_STAGE_SETUP,     /* setsid, dup2, ... */
	STATUS_STAGE_LIMITS,    /* setrlimit, setpriority */
	STATUS_STAGE_USER,      /* setgid, setgroups, setuid */
	STATUS_STAGE_DEPENDENCY,/* not started: a dependency failed */
	STATUS_STAGE_INTERP,    /* execve: the program exists, its #! interpreter does not */
	STATUS_STAGE_PIPE,      /* in brood: the child's pipes could not be made */
	STATUS_STAGE_FORK,      /* in brood: fork */
};

/* Describe a wait status: "exited 0", "exited 3", "killed by SIGSEGV
 * (core dumped)", "stopped by SIGTSTP", "continued". */
void status_describe(int wstatus, char *buf, size_t len);

/* Describe a failure to start: "exec failed: No such file or directory",
 * "chdir failed: Permission denied", "fork failed: Resource temporarily
 * unavailable". */
void status_describe_failure(int stage, int err, char *buf, size_t len);

/* The shell's number for a wait status: the exit code, or 128+N for
 * signal N. */
int status_code(int wstatus);

/* The exit code a shell reports for a failure before exec: 127 when the
 * program or directory is not found, 126 when it cannot be executed (its
 * interpreter missing included). */
int status_failure_code(int stage, int err);

/* "SIGTERM", "SIGRTMIN+3", or "signal 99" (a static or thread-local buffer). */
const char *status_signame(int sig);

/* What a kernel state letter (/proc/pid/stat) means: 'D' "disk sleep". */
const char *status_state_meaning(char state);

/* Parse "TERM", "SIGTERM", "sigterm", "15", "RTMIN+2": the signal number,
 * or -1 if it is none. */
int status_signum(const char *name);

#endif
