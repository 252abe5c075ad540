/*
 * launch.c: what a child is launched as, decided once, when it is added.
 *
 * A process spec becomes three things spawn.c runs on every start: an
 * argv, an environment and the ids to run as. All three are made in the
 * parent, at creation (proc_create), and kept by the proc for every start
 * and restart, so nothing between fork and exec has to allocate or look
 * anything up.
 *
 * The command. A command line with no shell syntax at all ("python3 -m
 * http.server 8000") is split on blanks and run directly: one process
 * fewer, signals reach the program itself, and a missing program is
 * reported as such. Anything else, or a line starting with a word only a
 * shell knows (cd, export, NAME=value...), goes to /bin/sh -c. A spec
 * given as an argv is run as it is, shown joined with blanks.
 *
 * The environment is brood's own (or, with clear_env, only its allow_env
 * names), then the spec's NAME=value entries, which replace brood's of
 * the same name, then FORCE_COLOR=1 and CLICOLOR_FORCE=1 when colour is
 * forced and neither of those sets them, and last, always, the marker
 * BROOD_ID=<brood's pid>.<serial> that ties every descendant, even one
 * that leaves the child's session, to this proc (ptree.c). A marker
 * inherited from a brood above is dropped, never passed on.
 *
 * The user and group are resolved to ids here (getpwnam may allocate and
 * read files). Only root can run a child as someone else: anyone else
 * gets a clear error, from super_check before any child starts.
 */
#include "config.h"

#include <ctype.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "super-int.h"
#include "util.h"

extern char **environ;

/* Words that only a shell understands: a command starting with one of them
 * is never run directly. */
static const char *const launch_shell_words[] = {
	"!", ".", ":", "{", "}", "alias", "bg", "break", "case", "cd", "command",
	"continue", "do", "done", "elif", "else", "esac", "eval", "exec", "exit",
	"export", "fc", "fg", "fi", "for", "getopts", "hash", "if", "in", "jobs",
	"local", "read", "readonly", "return", "set", "shift", "source", "then",
	"times", "trap", "type", "ulimit", "umask", "unalias", "unset", "until",
	"wait", "while", NULL
};

/* A command line with no shell syntax at all ("python3 -m http.server
 * 8000") is split on blanks and run directly: one process fewer, signals
 * reach the program itself, and a missing program is reported as such.
 * Anything else goes to /bin/sh -c. */
static char **
launch_split_simple(const char *cmd)
{
	const char *p, *first_end;
	char **argv = NULL;
	size_t n = 0, i;

	for (p = cmd; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr(" \t_-./,:+@%=", *p) == NULL)
			return NULL;
	}
	p = cmd + strspn(cmd, " \t");
	if (*p == '\0')
		return NULL;
	first_end = p + strcspn(p, " \t");
	if (memchr(p, '=', (size_t)(first_end - p)) != NULL)
		return NULL; /* NAME=value command */
	for (i = 0; launch_shell_words[i] != NULL; i++) {
		size_t len = strlen(launch_shell_words[i]);

		if ((size_t)(first_end - p) == len && strncmp(p, launch_shell_words[i], len) == 0)
			return NULL;
	}
	while (*p != '\0') {
		size_t len = strcspn(p, " \t");

		argv = xreallocarray(argv, n + 2, sizeof *argv);
		argv[n++] = xstrndup(p, len);
		p += len;
		p += strspn(p, " \t");
	}
	argv[n] = NULL;
	return argv;
}

static char **
launch_copy_argv(char *const *argv)
{
	char **copy;
	size_t n, i;

	for (n = 0; argv[n] != NULL; n++)
		;
	copy = xcalloc(n + 1, sizeof *copy);
	for (i = 0; i < n; i++)
		copy[i] = xstrdup(argv[i]);
	return copy;
}

char **
launch_argv(const struct proc_spec *spec, char **command)
{
	char **argv;
	size_t len = 0, i;

	if (spec->cmd != NULL) {
		*command = xstrdup(spec->cmd);
		argv = launch_split_simple(spec->cmd);
		if (argv == NULL) {
			char *sh[] = { (char *)"/bin/sh", (char *)"-c", (char *)spec->cmd, NULL };

			argv = launch_copy_argv(sh);
		}
		return argv;
	}
	argv = launch_copy_argv(spec->argv);
	for (i = 0; argv[i] != NULL; i++)
		len += strlen(argv[i]) + 1;
	*command = xcalloc(1, len + 1);
	for (i = 0; argv[i] != NULL; i++) {
		if (i > 0)
			strcat(*command, " ");
		strcat(*command, argv[i]);
	}
	return argv;
}

void
launch_strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Whether env entry e sets the variable named by the NAME= prefix of set. */
static bool
launch_env_same_name(const char *e, const char *set)
{
	size_t n = strcspn(set, "=");

	return strncmp(e, set, n) == 0 && e[n] == '=';
}

/* Whether brood's variable e passes spec's clear_env and allow_env. */
static bool
launch_env_allowed(const struct proc_spec *spec, const char *e)
{
	size_t j;

	if (!spec->clear_env)
		return true;
	for (j = 0; spec->allow_env != NULL && spec->allow_env[j] != NULL; j++) {
		size_t n = strlen(spec->allow_env[j]);

		if (strncmp(e, spec->allow_env[j], n) == 0 && e[n] == '=')
			return true;
	}
	return false;
}

char **
launch_env(const struct proc_spec *spec, pid_t self, unsigned serial)
{
	char **envp, *marker = xasprintf(SUPER_MARKER "=%d.%u", (int)self, serial);
	static char *const force[] = { (char *)"FORCE_COLOR=1", (char *)"CLICOLOR_FORCE=1", NULL };
	size_t n = 0, cap = 16, i, j;

	envp = xcalloc(cap, sizeof *envp);
	for (i = 0; environ[i] != NULL; i++) {
		bool replaced = launch_env_same_name(environ[i], marker) ||
		    !launch_env_allowed(spec, environ[i]);

		for (j = 0; !replaced && spec->env != NULL && spec->env[j] != NULL; j++)
			replaced = launch_env_same_name(environ[i], spec->env[j]);
		if (replaced)
			continue;
		if (n + 3 >= cap)
			envp = xreallocarray(envp, cap *= 2, sizeof *envp);
		envp[n++] = xstrdup(environ[i]);
	}
	for (j = 0; spec->env != NULL && spec->env[j] != NULL; j++) {
		if (strchr(spec->env[j], '=') == NULL)
			continue;
		if (n + 3 >= cap)
			envp = xreallocarray(envp, cap *= 2, sizeof *envp);
		envp[n++] = xstrdup(spec->env[j]);
	}
	/* Children writing to a pipe drop colour unless told to keep it. */
	for (j = 0; spec->color_force && force[j] != NULL; j++) {
		size_t k;

		for (k = 0; k < n && !launch_env_same_name(envp[k], force[j]); k++)
			;
		if (k < n)
			continue;
		if (n + 3 >= cap)
			envp = xreallocarray(envp, cap *= 2, sizeof *envp);
		envp[n++] = xstrdup(force[j]);
	}
	envp[n++] = marker;
	envp[n] = NULL;
	return envp;
}

int
launch_user(const struct proc_spec *spec, uid_t *uid, gid_t *gid, char **cause)
{
	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (spec->user == NULL && spec->group == NULL)
		return 0;
	if (geteuid() != 0) {
		*cause = util_message("%s: user and group need brood to run as root", spec->name);
		return -1;
	}
	if (spec->user != NULL) {
		struct passwd *pw = getpwnam(spec->user);

		if (pw == NULL) {
			*cause = util_message("%s: no user called '%s'", spec->name, spec->user);
			return -1;
		}
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
	if (spec->group != NULL) {
		struct group *gr = getgrnam(spec->group);

		if (gr == NULL) {
			*cause = util_message("%s: no group called '%s'", spec->name, spec->group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}
