/*
 * theme.c: styles for the roles the dashboard draws, from theme files.
 *
 * A theme is plain data: for each role (the selection, an exited process,
 * the status bar...) a foreground, a background and attributes. The front
 * end decides how much of it the terminal can show; nothing here knows about
 * curses or about the terminal's colour count. The compiled-in default is a
 * dark theme in the 16 basic colours, so it survives being mapped down to 8.
 *
 * A theme file is read over a base: every role it names gets exactly the
 * style written (a style names its whole look, so "stderr = bold" means
 * bold in the default colour, not bold on top of the base's red), and every
 * role it does not name keeps the base's style. Parsing goes into a copy and
 * the copy is stored only when the whole text is good, so a broken file never
 * leaves a half-applied theme behind. The first error stops parsing: one
 * precise message with its line number is more use than a cascade.
 *
 * '#' starts a comment, but "#303030" is a colour, so a '#' only starts a
 * comment at the beginning of a word, and inside a style only when the word
 * is not all hex digits: "red # errors" and "red #errors" are comments,
 * "#fab" is a colour and "#12345" is an error, never silently dropped. Role
 * names, colour names and attributes ignore case and accept '_' for '-'.
 *
 * The text is parsed where it lies, with no line buffer, so no length limit
 * can cut a line short. Files are read whole, up to 1 MiB: a theme is a few
 * hundred bytes, and anything that large was not meant to be one.
 *
 * A name is looked up as NAME.theme in each directory in turn; the first
 * readable file wins. Only names made of [A-Za-z0-9._-] not starting with
 * '.' are looked up, so a name can never climb out of the theme directories;
 * anything with a '/' is a path and is read as given.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "theme.h"
#include "util.h"

#define THEME_FILE_MAX (1024 * 1024)

/* Longest word quoted in a message, so a runaway token stays readable. */
#define THEME_QUOTE_MAX 64

static const char *const theme_role_names[THEME_COUNT] = {
	[THEME_NORMAL] = "normal",
	[THEME_HEADER] = "header",
	[THEME_SELECTION] = "selection",
	[THEME_SELECTION_IDLE] = "selection-idle",
	[THEME_RUNNING] = "running",
	[THEME_PAUSED] = "paused",
	[THEME_STOPPING] = "stopping",
	[THEME_EXITED] = "exited",
	[THEME_FAILED] = "failed",
	[THEME_BACKOFF] = "backoff",
	[THEME_STDERR] = "stderr",
	[THEME_TITLE] = "title",
	[THEME_TITLE_FOCUS] = "title-focus",
	[THEME_BORDER] = "border",
	[THEME_MARKER] = "marker",
	[THEME_MATCH] = "match",
	[THEME_STATUS] = "status",
	[THEME_PROMPT] = "prompt",
	[THEME_OVERLAY] = "overlay",
	[THEME_ALERT] = "alert",
	[THEME_GRAPH] = "graph",
};

static const char *const theme_colour_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"
};

static const struct {
	const char *name;
	uint16_t flag;
} theme_attrs[] = {
	{ "bold", ATTR_BOLD },
	{ "dim", ATTR_DIM },
	{ "italic", ATTR_ITALIC },
	{ "underline", ATTR_UNDERLINE },
	{ "reverse", ATTR_REVERSE },
	{ "strike", ATTR_STRIKE },
};

#define P(n) (COLOR_PALETTE | (n))
#define BLACK P(0u)
#define RED P(1u)
#define GREEN P(2u)
#define YELLOW P(3u)
#define BLUE P(4u)
#define MAGENTA P(5u)
#define CYAN P(6u)
#define WHITE P(7u)
#define GREY P(8u)

/* Keep themes/default.theme in step: a test holds the two equal. */
static const struct theme_style theme_default_styles[THEME_COUNT] = {
	[THEME_NORMAL] = { COLOR_DEFAULT, COLOR_DEFAULT, 0 },
	[THEME_HEADER] = { COLOR_DEFAULT, COLOR_DEFAULT, ATTR_BOLD },
	[THEME_SELECTION] = { BLACK, CYAN, 0 },
	[THEME_SELECTION_IDLE] = { COLOR_DEFAULT, GREY, 0 },
	[THEME_RUNNING] = { GREEN, COLOR_DEFAULT, 0 },
	[THEME_PAUSED] = { CYAN, COLOR_DEFAULT, 0 },
	[THEME_STOPPING] = { MAGENTA, COLOR_DEFAULT, 0 },
	[THEME_EXITED] = { COLOR_DEFAULT, COLOR_DEFAULT, ATTR_DIM },
	[THEME_FAILED] = { RED, COLOR_DEFAULT, ATTR_BOLD },
	[THEME_BACKOFF] = { YELLOW, COLOR_DEFAULT, 0 },
	[THEME_STDERR] = { RED, COLOR_DEFAULT, 0 },
	[THEME_TITLE] = { BLACK, WHITE, 0 },
	[THEME_TITLE_FOCUS] = { BLACK, CYAN, ATTR_BOLD },
	[THEME_BORDER] = { GREY, COLOR_DEFAULT, 0 },
	[THEME_MARKER] = { YELLOW, COLOR_DEFAULT, 0 },
	[THEME_MATCH] = { BLACK, YELLOW, 0 },
	[THEME_STATUS] = { BLACK, WHITE, 0 },
	[THEME_PROMPT] = { COLOR_DEFAULT, COLOR_DEFAULT, ATTR_BOLD },
	[THEME_OVERLAY] = { WHITE, BLUE, 0 },
	[THEME_ALERT] = { YELLOW, COLOR_DEFAULT, ATTR_BOLD },
	[THEME_GRAPH] = { CYAN, COLOR_DEFAULT, 0 },
};

static void theme_error(char **cause, const char *origin, size_t line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

const char *
theme_role_name(enum theme_role role)
{
	if ((unsigned)role >= THEME_COUNT)
		return NULL;
	return theme_role_names[role];
}

void
theme_default(struct theme *t)
{
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "default");
	memcpy(t->role, theme_default_styles, sizeof t->role);
}

static bool
theme_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Whether the word [w, w+n) is lit, ignoring case and taking '_' for '-'. */
static bool
theme_word_eq(const char *w, size_t n, const char *lit)
{
	size_t i;

	if (strlen(lit) != n)
		return false;
	for (i = 0; i < n; i++) {
		char c = (char)tolower((unsigned char)w[i]);

		if (c == '_')
			c = '-';
		if (c != lit[i])
			return false;
	}
	return true;
}

/* How many bytes of a word to quote: all of it, or a prefix that does not
 * split a UTF-8 sequence. */
static int
theme_quote_len(const char *w, size_t n)
{
	if (n <= THEME_QUOTE_MAX)
		return (int)n;
	n = THEME_QUOTE_MAX;
	while (n > 0 && ((unsigned char)w[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

#define QUOTE(w, n) theme_quote_len((w), (n)), (w), \
	((n) > THEME_QUOTE_MAX ? "..." : "")

static void
theme_error(char **cause, const char *origin, size_t line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (cause == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		util_fatal("out of memory (formatting)");
	va_end(ap);
	*cause = xasprintf("%s:%zu: %s", origin, line, msg);
	free(msg);
}

/* Whether [w, w+n) is nothing but hex digits (true when empty). */
static bool
theme_all_hex(const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)w[i]))
			return false;
	}
	return true;
}

/* Whether a word of a style starts a comment (see the top of the file). */
static bool
theme_comment_word(const char *w, size_t n)
{
	return w[0] == '#' && (n == 1 || !theme_all_hex(w + 1, n - 1));
}

static bool
theme_colour(const char *w, size_t n, uint32_t *c)
{
	char hex[7];
	size_t i;
	unsigned v;

	if (theme_word_eq(w, n, "default")) {
		*c = COLOR_DEFAULT;
		return true;
	}
	if (theme_word_eq(w, n, "grey") || theme_word_eq(w, n, "gray")) {
		*c = GREY;
		return true;
	}
	for (i = 0; i < 8; i++) {
		if (theme_word_eq(w, n, theme_colour_names[i])) {
			*c = P((uint32_t)i);
			return true;
		}
		if (n > 7 && theme_word_eq(w, 7, "bright-") &&
		    theme_word_eq(w + 7, n - 7, theme_colour_names[i])) {
			*c = P((uint32_t)i + 8);
			return true;
		}
	}
	if (n >= 1 && n <= 3 && isdigit((unsigned char)w[0])) {
		v = 0;
		for (i = 0; i < n; i++) {
			if (!isdigit((unsigned char)w[i]))
				return false;
			v = v * 10 + (unsigned)(w[i] - '0');
		}
		if (v > 255)
			return false;
		*c = P(v);
		return true;
	}
	if (w[0] == '#' && (n == 4 || n == 7) && theme_all_hex(w + 1, n - 1)) {
		if (n == 4) {
			for (i = 0; i < 3; i++)
				hex[2 * i] = hex[2 * i + 1] = w[1 + i];
		} else
			memcpy(hex, w + 1, 6);
		hex[6] = '\0';
		*c = COLOR_RGB | (uint32_t)strtoul(hex, NULL, 16);
		return true;
	}
	return false;
}

static bool
theme_attr(const char *w, size_t n, uint16_t *flag)
{
	size_t i;

	for (i = 0; i < sizeof theme_attrs / sizeof theme_attrs[0]; i++) {
		if (theme_word_eq(w, n, theme_attrs[i].name)) {
			*flag = theme_attrs[i].flag;
			return true;
		}
	}
	return false;
}

static bool
theme_none(const char *w, size_t n)
{
	return theme_word_eq(w, n, "none") || theme_word_eq(w, n, "plain");
}

/* The next word of [*p, end) in *w, *n; false at the end or at a comment. */
static bool
theme_next_word(const char **p, const char *end, const char **w, size_t *n)
{
	const char *q = *p;

	while (q < end && theme_space(*q))
		q++;
	*w = q;
	while (q < end && !theme_space(*q))
		q++;
	*n = (size_t)(q - *w);
	*p = q;
	return *n != 0 && !theme_comment_word(*w, *n);
}

static int
theme_parse_style(struct theme_style *st, const char *key, size_t keylen,
    const char *p, const char *end, const char *origin, size_t line, char **cause)
{
	const char *w, *w2, *fgw = NULL, *bgw = NULL, *nonew = NULL;
	size_t n, n2, fgn = 0, bgn = 0, nonen = 0;
	struct theme_style s = { COLOR_DEFAULT, COLOR_DEFAULT, 0 };
	uint16_t flag;
	uint32_t c;
	bool any = false;

	while (theme_next_word(&p, end, &w, &n)) {
		any = true;
		if (theme_word_eq(w, n, "on")) {
			if (!theme_next_word(&p, end, &w2, &n2) ||
			    theme_word_eq(w2, n2, "on") || theme_none(w2, n2) ||
			    theme_attr(w2, n2, &flag)) {
				theme_error(cause, origin, line,
				    "'on' needs a colour after it");
				return -1;
			}
			if (!theme_colour(w2, n2, &c)) {
				theme_error(cause, origin, line,
				    "'%.*s%s' is not a colour", QUOTE(w2, n2));
				return -1;
			}
			if (bgw != NULL) {
				theme_error(cause, origin, line,
				    "two background colours, '%.*s%s' and '%.*s%s'",
				    QUOTE(bgw, bgn), QUOTE(w2, n2));
				return -1;
			}
			bgw = w2;
			bgn = n2;
			s.bg = c;
		} else if (theme_colour(w, n, &c)) {
			if (fgw != NULL) {
				theme_error(cause, origin, line,
				    "two foreground colours, '%.*s%s' and '%.*s%s'",
				    QUOTE(fgw, fgn), QUOTE(w, n));
				return -1;
			}
			fgw = w;
			fgn = n;
			s.fg = c;
		} else if (theme_attr(w, n, &flag))
			s.flags |= flag;
		else if (theme_none(w, n)) {
			nonew = w;
			nonen = n;
		} else {
			theme_error(cause, origin, line,
			    "'%.*s%s' is not a colour or attribute", QUOTE(w, n));
			return -1;
		}
	}
	if (!any) {
		theme_error(cause, origin, line, "'%.*s%s' has no style",
		    QUOTE(key, keylen));
		return -1;
	}
	if (nonew != NULL && s.flags != 0) {
		theme_error(cause, origin, line,
		    "'%.*s%s' cannot go with other attributes", QUOTE(nonew, nonen));
		return -1;
	}
	*st = s;
	return 0;
}

static int
theme_parse_name(struct theme *t, const char *p, const char *end,
    const char *origin, size_t line, char **cause)
{
	const char *q;
	size_t n;

	while (p < end && theme_space(*p))
		p++;
	for (q = p; q < end; q++) {
		if (*q == '#' && (q == p || theme_space(q[-1])))
			break;
	}
	while (q > p && theme_space(q[-1]))
		q--;
	if (q == p) {
		theme_error(cause, origin, line, "'name' has no value");
		return -1;
	}
	n = (size_t)(q - p);
	for (q = p; q < p + n; q++) {
		if ((unsigned char)*q < 0x20 || *q == 0x7f) {
			theme_error(cause, origin, line,
			    "the name holds a control character");
			return -1;
		}
	}
	if (n >= sizeof t->name) {
		n = sizeof t->name - 1;
		while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(t->name, p, n);
	t->name[n] = '\0';
	return 0;
}

static int
theme_parse_line(struct theme *t, const char *p, const char *end,
    const char *origin, size_t line, char **cause)
{
	const char *eq, *k;
	size_t i, n;

	while (p < end && theme_space(*p))
		p++;
	if (p == end || *p == '#')
		return 0;
	for (eq = p; eq < end && *eq != '='; eq++) {
		if (*eq == '#' && theme_space(eq[-1]))
			break;
	}
	k = eq;
	while (k > p && theme_space(k[-1]))
		k--;
	if (eq == end || *eq != '=' || k == p) {
		theme_error(cause, origin, line, "expected 'role = style'");
		return -1;
	}
	n = (size_t)(k - p);
	if (theme_word_eq(p, n, "name"))
		return theme_parse_name(t, eq + 1, end, origin, line, cause);
	for (i = 0; i < THEME_COUNT; i++) {
		if (theme_word_eq(p, n, theme_role_names[i]))
			return theme_parse_style(&t->role[i], p, n, eq + 1, end,
			    origin, line, cause);
	}
	theme_error(cause, origin, line, "unknown role '%.*s%s'", QUOTE(p, n));
	return -1;
}

int
theme_parse(struct theme *t, const char *text, const char *origin, char **cause)
{
	struct theme work = *t;
	const char *p = text, *eol;
	size_t line = 0;

	if (origin == NULL)
		origin = "theme";
	if (p == NULL)
		p = "";
	while (*p != '\0') {
		line++;
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		if (theme_parse_line(&work, p, eol, origin, line, cause) == -1)
			return -1;
		p = *eol == '\n' ? eol + 1 : eol;
	}
	*t = work;
	return 0;
}

/*
 * Read a file whole into *text (NUL-terminated). On error -1 with *cause;
 * *missing tells whether the file simply is not there, which a lookup
 * passes over quietly.
 */
static int
theme_read(const char *path, char **text, bool *missing, char **cause)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	ssize_t got;
	int fd, err;

	*missing = false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		err = errno;
		*missing = err == ENOENT || err == ENOTDIR || err == ENAMETOOLONG;
		*cause = xasprintf("%s: %s", path, strerror(err));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap == 0 ? 4096 : cap * 2;
			if (cap > THEME_FILE_MAX + 1)
				cap = THEME_FILE_MAX + 1;
			buf = xrealloc(buf, cap + 1);
		}
		got = read(fd, buf + len, cap - len);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			err = errno;
			close(fd);
			free(buf);
			*cause = xasprintf("%s: %s", path, strerror(err));
			return -1;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (len > THEME_FILE_MAX) {
			close(fd);
			free(buf);
			*cause = xasprintf("%s: larger than 1 MiB", path);
			return -1;
		}
	}
	close(fd);
	if (memchr(buf, '\0', len) != NULL) {
		free(buf);
		*cause = xasprintf("%s: not a text file (it holds a NUL byte)", path);
		return -1;
	}
	buf[len] = '\0';
	*text = buf;
	return 0;
}

/* Parse text over the default theme; a file that names no theme is named
 * after itself. */
static int
theme_apply(struct theme *t, const char *text, const char *path, char **cause)
{
	struct theme work;
	const char *base;
	size_t n;

	theme_default(&work);
	work.name[0] = '\0';
	if (strncmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3;
	if (theme_parse(&work, text, path, cause) == -1)
		return -1;
	if (work.name[0] == '\0') {
		base = strrchr(path, '/');
		base = base == NULL ? path : base + 1;
		n = strlen(base);
		if (n > 6 && strcmp(base + n - 6, ".theme") == 0)
			n -= 6;
		if (n >= sizeof work.name) {
			n = sizeof work.name - 1;
			while (n > 0 && ((unsigned char)base[n] & 0xc0) == 0x80)
				n--;
		}
		memcpy(work.name, base, n);
		work.name[n] = '\0';
	}
	*t = work;
	return 0;
}

static int
theme_load_file(struct theme *t, const char *path, char **cause)
{
	bool missing;
	char *text;
	int rc;

	if (theme_read(path, &text, &missing, cause) == -1)
		return -1;
	rc = theme_apply(t, text, path, cause);
	free(text);
	return rc;
}

static bool
theme_valid_name(const char *name)
{
	const char *p;

	if (*name == '\0' || *name == '.')
		return false;
	for (p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
			return false;
	}
	return true;
}

static int
theme_lookup(struct theme *t, const char *arg, const char *const *dirs,
    char **cause)
{
	char *path, *text, *first = NULL, *why = NULL, *list, *more;
	const char *const *d;
	size_t n = strlen(arg);
	bool missing;
	int rc;

	if (strchr(arg, '/') != NULL || (n >= 6 && strcmp(arg + n - 6, ".theme") == 0))
		return theme_load_file(t, arg, cause);
	if (!theme_valid_name(arg)) {
		*cause = xasprintf("no theme called '%s'", arg);
		return -1;
	}
	for (d = dirs; d != NULL && *d != NULL; d++) {
		if (**d == '\0')
			continue;
		n = strlen(*d);
		path = xasprintf("%s%s%s.theme", *d, (*d)[n - 1] == '/' ? "" : "/", arg);
		if (theme_read(path, &text, &missing, &why) == 0) {
			rc = theme_apply(t, text, path, cause);
			free(text);
			free(path);
			free(first);
			return rc;
		}
		free(path);
		/* Unreadable is not fatal while another directory may have it,
		 * but it is what to report if none does. */
		if (!missing && first == NULL)
			first = why;
		else
			free(why);
		why = NULL;
	}
	if (first != NULL) {
		*cause = first;
		return -1;
	}
	/* The compiled-in theme answers to its own name, installed or not. */
	if (strcmp(arg, "default") == 0) {
		theme_default(t);
		return 0;
	}
	list = NULL;
	for (d = dirs; d != NULL && *d != NULL; d++) {
		if (**d == '\0')
			continue;
		more = list == NULL ? xstrdup(*d) : xasprintf("%s, %s", list, *d);
		free(list);
		list = more;
	}
	if (list == NULL)
		*cause = xasprintf("no theme called '%s' (no theme directories)", arg);
	else
		*cause = xasprintf("no theme called '%s' (looked in %s)", arg, list);
	free(list);
	return -1;
}

int
theme_load(struct theme *t, const char *name_or_file, const char *const *dirs,
    char **cause)
{
	char *why = NULL;

	if (theme_lookup(t, name_or_file != NULL ? name_or_file : "", dirs,
	    &why) == 0)
		return 0;
	if (cause != NULL)
		*cause = why;
	else
		free(why);
	return -1;
}
