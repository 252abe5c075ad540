/*
 * status.c: exit statuses and signal names, decoded for people.
 *
 * A wait status packs four different events (exit, death by signal with or
 * without a core, stop, continue); brood never shows the raw number. The
 * shell's convention (128+N for signal N, 127 not found, 126 not executable)
 * is used wherever a single number must stand for an ending.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include "status.h"

const char *
status_signame(int sig)
{
	static __thread char buf[32];
	const char *abbrev;

	if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
		if (sig == SIGRTMIN)
			return "SIGRTMIN";
		if (sig == SIGRTMAX)
			return "SIGRTMAX";
		snprintf(buf, sizeof buf, "SIGRTMIN+%d", sig - SIGRTMIN);
		return buf;
	}
	abbrev = sig > 0 ? sigabbrev_np(sig) : NULL;
	if (abbrev == NULL) {
		snprintf(buf, sizeof buf, "signal %d", sig);
		return buf;
	}
	snprintf(buf, sizeof buf, "SIG%s", abbrev);
	return buf;
}

int
status_signum(const char *name)
{
	const char *p = name;
	char *end;
	long n;
	int sig;

	if (name == NULL || *name == '\0')
		return -1;
	if (isdigit((unsigned char)*p)) {
		errno = 0;
		n = strtol(p, &end, 10);
		if (errno != 0 || *end != '\0' || n < 1 || n > SIGRTMAX)
			return -1;
		return (int)n;
	}
	if (strncasecmp(p, "SIG", 3) == 0)
		p += 3;
	if (strncasecmp(p, "RTMIN", 5) == 0 || strncasecmp(p, "RTMAX", 5) == 0) {
		int base = (toupper((unsigned char)p[3]) == 'I') ? SIGRTMIN : SIGRTMAX;
		int sign = (base == SIGRTMIN) ? 1 : -1;

		p += 5;
		if (*p == '\0')
			return base;
		if (*p != (sign > 0 ? '+' : '-') || !isdigit((unsigned char)p[1]))
			return -1;
		n = strtol(p + 1, &end, 10);
		if (*end != '\0' || n > SIGRTMAX - SIGRTMIN)
			return -1;
		return base + sign * (int)n;
	}
	for (sig = 1; sig < SIGRTMIN; sig++) {
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev != NULL && strcasecmp(abbrev, p) == 0)
			return sig;
	}
	return -1;
}

void
status_describe(int wstatus, char *buf, size_t len)
{
	if (WIFEXITED(wstatus))
		snprintf(buf, len, "exited %d", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		snprintf(buf, len, "killed by %s%s", status_signame(WTERMSIG(wstatus)),
		    WCOREDUMP(wstatus) ? " (core dumped)" : "");
	else if (WIFSTOPPED(wstatus))
		snprintf(buf, len, "stopped by %s", status_signame(WSTOPSIG(wstatus)));
	else if (WIFCONTINUED(wstatus))
		snprintf(buf, len, "continued");
	else
		snprintf(buf, len, "unknown status 0x%x", (unsigned)wstatus);
}

void
status_describe_failure(int stage, int err, char *buf, size_t len)
{
	static const struct { int stage; const char *lead; } leads[] = {
		{ STATUS_STAGE_EXEC, "exec failed" },
		{ STATUS_STAGE_CHDIR, "chdir failed" },
		{ STATUS_STAGE_LIMITS, "setting limits failed" },
		{ STATUS_STAGE_USER, "changing user failed" },
		/* The kernel says ENOENT, which reads as "no such program"
		 * although the program is right there: name the real culprit. */
		{ STATUS_STAGE_INTERP, "exec failed: bad interpreter" },
		{ STATUS_STAGE_PIPE, "cannot make its pipes" },
		{ STATUS_STAGE_FORK, "fork failed" },
	};
	const char *lead = "setup failed";
	size_t i;

	if (stage == STATUS_STAGE_DEPENDENCY) {
		snprintf(buf, len, "not started: a dependency failed");
		return;
	}
	for (i = 0; i < sizeof leads / sizeof leads[0]; i++) {
		if (leads[i].stage == stage)
			lead = leads[i].lead;
	}
	snprintf(buf, len, "%s: %s", lead, strerrordesc_np(err) != NULL ?
	    strerrordesc_np(err) : "unknown error");
}

int
status_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}

int
status_failure_code(int stage, int err)
{
	if (stage == STATUS_STAGE_DEPENDENCY)
		return 1;
	if (stage == STATUS_STAGE_INTERP)
		return 126;
	if (err == ENOENT || err == ENOTDIR)
		return 127;
	return 126;
}

const char *
status_state_meaning(char state)
{
	switch (state) {
	case 'R': return "running";
	case 'S': return "sleeping";
	case 'D': return "disk sleep";
	case 'Z': return "zombie";
	case 'T': return "stopped";
	case 't': return "traced";
	case 'X': return "dead";
	case 'I': return "idle";
	case 'P': return "parked";
	default: return "?";
	}
}
