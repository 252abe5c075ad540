/*
 * conf-procfile.c: Procfiles, as foreman and its kind read them.
 *
 * One process a line, "name: command", the command run by sh -c in the
 * Procfile's folder; blank lines and lines that start with '#' are
 * skipped, and blanks around the name and the command are not part of
 * them. A name is letters, digits, '_', '-' and '.', and no name comes
 * twice. The .env file beside the Procfile, if there is one, is every
 * process's environment. Errors name the line, at its first column (the
 * line is what is wrong).
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conf-int.h"
#include "util.h"

/* Letters, digits, '_', '-' and '.'. */
static bool
conf_procfile_name_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

/* The blanks around a name and a command. */
static bool
conf_procfile_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* One line, p to eol: nothing, a comment, or "name: command". lines[i] is
 * the line of procs[i], for the duplicate message. */
static int
conf_procfile_line(struct conf *c, const char *p, const char *eol, size_t line,
    size_t **lines, char **cause)
{
	const char *colon, *name_end, *cmd;
	struct conf_proc *proc;
	size_t nlen, i;
	char *shown, *name;

	while (p < eol && conf_procfile_space(*p))
		p++;
	while (eol > p && conf_procfile_space(eol[-1]))
		eol--;
	if (p == eol || *p == '#')
		return 0;
	if (memchr(p, '\0', (size_t)(eol - p)) != NULL) {
		*cause = conf_msg(c->path, line, 1, "the line holds a NUL byte");
		return -1;
	}
	colon = memchr(p, ':', (size_t)(eol - p));
	if (colon == NULL) {
		*cause = conf_msg(c->path, line, 1, "expected 'name: command'");
		return -1;
	}
	for (name_end = colon; name_end > p && conf_procfile_space(name_end[-1]); name_end--)
		;
	nlen = (size_t)(name_end - p);
	if (nlen == 0) {
		*cause = conf_msg(c->path, line, 1, "empty process name");
		return -1;
	}
	shown = conf_show(p, nlen);
	if (!conf_procfile_name_ok(p, nlen)) {
		*cause = conf_msg(c->path, line, 1, "process names may only hold letters, "
		    "digits, '_', '-' and '.', got %s", shown);
		free(shown);
		return -1;
	}
	for (cmd = colon + 1; cmd < eol && conf_procfile_space(*cmd); cmd++)
		;
	if (cmd == eol) {
		*cause = conf_msg(c->path, line, 1, "empty command for %s", shown);
		free(shown);
		return -1;
	}
	for (i = 0; i < c->nprocs; i++) {
		if (strlen(c->procs[i].name) == nlen && memcmp(c->procs[i].name, p, nlen) == 0) {
			*cause = conf_msg(c->path, line, 1, "duplicate process name %s "
			    "(first on line %zu)", shown, (*lines)[i]);
			free(shown);
			return -1;
		}
	}
	free(shown);
	c->procs = xreallocarray(c->procs, c->nprocs + 1, sizeof *c->procs);
	*lines = xreallocarray(*lines, c->nprocs + 1, sizeof **lines);
	(*lines)[c->nprocs] = line;
	memset(&c->procs[c->nprocs], 0, sizeof c->procs[c->nprocs]);
	name = xstrndup(p, nlen);
	proc = conf_proc_new(c, name);
	free(name);
	proc->cmd = xstrndup(cmd, (size_t)(eol - cmd));
	proc->cwd = xstrdup(c->dir);
	return 0;
}

int
conf_procfile_load(struct conf *c, const char *buf, size_t len, char **cause)
{
	const char *p = buf, *end = buf + len, *eol;
	char **dotenv = NULL, **e, *envpath;
	size_t line = 0, *lines = NULL, i;
	int rc = 0;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (; rc == 0 && p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		rc = conf_procfile_line(c, p, eol, ++line, &lines, cause);
	}
	free(lines);
	if (rc == -1)
		return -1;
	if (c->nprocs == 0) {
		*cause = conf_msg(c->path, 1, 1, "no processes (expected 'name: command' lines)");
		return -1;
	}
	envpath = conf_sibling(c->path, ".env");
	rc = conf_env_read(envpath, true, &dotenv, cause);
	free(envpath);
	if (rc != CONF_ENV_OK)
		return -1;
	for (i = 0; i < c->nprocs; i++)
		for (e = dotenv; e != NULL && *e != NULL; e++)
			conf_env_put(&c->procs[i].env, xstrdup(*e));
	conf_strv_free(dotenv);
	return 0;
}
