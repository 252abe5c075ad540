/*
 * conf-env.c: .env files, and the environment lists a conf gives each
 * process.
 *
 * A .env file is "NAME=value" lines: "export " before a name is allowed,
 * blanks around the name and the value are not part of either, a line
 * that starts with '#' is a comment and so is " #" after a value, and a
 * value in quotes may span lines (single quotes literal, double quotes
 * with \n, \t, \r, \" and \\). CRLF line ends are read as LF and a byte
 * order mark is skipped. A malformed line is an error naming the file and
 * the line, never a line silently skipped.
 *
 * Invariants:
 * - Environment lists never hold two entries of one name: conf_env_put
 *   replaces, so a later source (env over env_file) wins.
 * - A list is NULL-terminated, or NULL while it is empty; reading a file
 *   into one changes nothing unless the whole file is read.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conf-int.h"
#include "util.h"

/* Put "NAME=value" (taken) into the NULL-terminated list *env, replacing an
 * entry of the same name. */
void
conf_env_put(char ***env, char *entry)
{
	size_t nlen = strcspn(entry, "="), n = 0;
	char **e = *env;

	if (e != NULL) {
		for (; e[n] != NULL; n++) {
			if (strncmp(e[n], entry, nlen + 1) == 0) {
				free(e[n]);
				e[n] = entry;
				return;
			}
		}
	}
	e = xreallocarray(e, n + 2, sizeof *e);
	e[n] = entry;
	e[n + 1] = NULL;
	*env = e;
}

bool
conf_env_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* The first byte from i (to end) that is neither a space nor a tab. */
static size_t
conf_env_skip_blank(const char *buf, size_t i, size_t end)
{
	while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	return i;
}

/* The quoted value starting at buf[*i], which may span lines: single quotes
 * are literal, double quotes know \n \t \r \" \\ (any other backslash is
 * kept). *i moves past the closing quote, *line over the lines crossed; -1
 * if the quote is never closed. */
static int
conf_env_quoted(const char *buf, size_t len, size_t *i, size_t *line, char **value)
{
	char q = buf[*i], *v, *o;
	size_t k, end;

	/* Find the end first, so the value costs its own size, not the file's. */
	for (end = *i + 1; end < len && buf[end] != q; end++)
		if (q == '"' && buf[end] == '\\' && end + 1 < len)
			end++;
	if (end >= len)
		return -1;
	v = o = xmalloc(end - *i);
	for (k = *i + 1; k < end; k++) {
		if (buf[k] == '\n')
			(*line)++;
		if (q == '"' && buf[k] == '\\') {
			switch (buf[k + 1]) {
			case 'n':
				*o++ = '\n';
				k++;
				continue;
			case 't':
				*o++ = '\t';
				k++;
				continue;
			case 'r':
				*o++ = '\r';
				k++;
				continue;
			case '"':
			case '\\':
				*o++ = buf[++k];
				continue;
			}
		}
		*o++ = buf[k];
	}
	*o = '\0';
	*value = v;
	*i = end + 1;
	return 0;
}

/* The entries of a .env file, buf (which this rewrites: CRLF becomes LF). */
static int
conf_env_parse(const char *path, char *buf, size_t len, char ***out, char **cause)
{
	size_t i, j, line = 1;
	const char *nul = memchr(buf, '\0', len);

	if (nul != NULL) {
		size_t col;

		conf_position(buf, len, (size_t)(nul - buf), &line, &col);
		*cause = conf_msg(path, line, 0, "the line holds a NUL byte");
		return -1;
	}
	for (i = j = 0; i < len; i++)
		if (buf[i] != '\r' || i + 1 == len || buf[i + 1] != '\n')
			buf[j++] = buf[i];
	len = j;
	buf[len] = '\0';
	i = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	while (i < len) {
		size_t eol, eq, ns, ne, vs, ve, at = line;
		char *value;

		i = conf_env_skip_blank(buf, i, len);
		if (i == len)
			break;
		if (buf[i] == '\n') {
			i++;
			line++;
			continue;
		}
		for (eol = i; eol < len && buf[eol] != '\n'; eol++)
			;
		if (buf[i] == '#') {
			i = eol;
			continue;
		}
		if (eol - i > 6 && strncmp(buf + i, "export", 6) == 0 &&
		    (buf[i + 6] == ' ' || buf[i + 6] == '\t'))
			i = conf_env_skip_blank(buf, i + 6, eol);
		for (eq = i; eq < eol && buf[eq] != '='; eq++)
			;
		if (eq == eol) {
			*cause = conf_msg(path, line, 0, "expected NAME=value");
			return -1;
		}
		ns = i;
		for (ne = eq; ne > ns && (buf[ne - 1] == ' ' || buf[ne - 1] == '\t'); ne--)
			;
		if (!conf_env_name_ok(buf + ns, ne - ns)) {
			char *shown = conf_show(buf + ns, ne - ns);

			*cause = conf_msg(path, line, 0, "%s is not a variable name "
			    "(letters, digits and '_', not first a digit)", shown);
			free(shown);
			return -1;
		}
		i = conf_env_skip_blank(buf, eq + 1, eol);
		if (i < eol && (buf[i] == '\'' || buf[i] == '"')) {
			char q = buf[i];

			if (conf_env_quoted(buf, len, &i, &line, &value) == -1) {
				*cause = conf_msg(path, at, 0, "no closing %s", q == '"' ?
				    "double quote" : "single quote");
				return -1;
			}
			i = conf_env_skip_blank(buf, i, len);
			if (i < len && buf[i] != '\n' && buf[i] != '#') {
				free(value);
				*cause = conf_msg(path, line, 0, "unexpected text after the closing quote");
				return -1;
			}
			while (i < len && buf[i] != '\n')
				i++;
		} else {
			/* " #" starts a comment; a '#' inside a word does not. */
			vs = eq + 1;
			for (ve = vs; ve < eol; ve++)
				if (buf[ve] == '#' && ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
					break;
			vs = conf_env_skip_blank(buf, vs, ve);
			while (ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
				ve--;
			value = xstrndup(buf + vs, ve - vs);
			i = eol;
		}
		conf_env_put(out, xasprintf("%.*s=%s", (int)(ne - ns), buf + ns, value));
		free(value);
	}
	return 0;
}

/* Merge the .env file at path into *env; a missing file is fine when
 * optional. *env is untouched on failure. */
int
conf_env_read(const char *path, bool optional, char ***env, char **cause)
{
	char *buf, **got = NULL, **e;
	size_t len;
	int rc;

	if (conf_read(path, &buf, &len) == -1) {
		if (optional && errno == ENOENT)
			return CONF_ENV_OK;
		*cause = conf_msg(path, 0, 0, "%s", strerror(errno));
		return CONF_ENV_UNREADABLE;
	}
	rc = conf_env_parse(path, buf, len, &got, cause);
	free(buf);
	if (rc == -1) {
		conf_strv_free(got);
		return CONF_ENV_MALFORMED;
	}
	for (e = got; e != NULL && *e != NULL; e++)
		conf_env_put(env, *e);
	free(got);
	return CONF_ENV_OK;
}

/* env over file_env, both taken. */
void
conf_env_merge(struct conf_proc *p, char **file_env, char **env)
{
	char **e;

	p->env = file_env;
	for (e = env; e != NULL && *e != NULL; e++)
		conf_env_put(&p->env, *e);
	free(env);
}
