/* test_theme.c: theme files as a user writes them, and the themes brood ships. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "theme.h"

#define PAL(n) (COLOR_PALETTE | (n))
#define SENTINEL 0x7f123456u

static const char *const shipped[] = { "default", "light", "mono", "high-contrast" };

/* The working directory the tests started in, to return to after a test
 * that moves (they may all run in one process). */
static char *home;

static void
go_home(void)
{
	ck_assert_int_eq(chdir(home), 0);
}

static const char *
themes_dir(void)
{
	const char *d = getenv("THEMES_DIR");

	return d != NULL && *d != '\0' ? d : "/work/main/themes";
}

static char *
shipped_path(const char *name)
{
	char *p;

	ck_assert(asprintf(&p, "%s/%s.theme", themes_dir(), name) > 0);
	return p;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_int_ne(getdelim(&buf, &len, '\0', f), -1);
	fclose(f);
	return buf;
}

static void
spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* A theme whose every field is a value no file can produce, to see which
 * roles a file names. */
static void
sentinel_theme(struct theme *t)
{
	int i;

	memset(t, 0, sizeof *t);
	strcpy(t->name, "sentinel");
	for (i = 0; i < THEME_COUNT; i++) {
		t->role[i].fg = SENTINEL;
		t->role[i].bg = SENTINEL;
		t->role[i].flags = 0xffff;
	}
}

static void
assert_theme_eq(const struct theme *a, const struct theme *b)
{
	int i;

	ck_assert_str_eq(a->name, b->name);
	for (i = 0; i < THEME_COUNT; i++) {
		ck_assert_msg(a->role[i].fg == b->role[i].fg &&
		    a->role[i].bg == b->role[i].bg &&
		    a->role[i].flags == b->role[i].flags,
		    "role %s differs: %x/%x/%x vs %x/%x/%x", theme_role_name(i),
		    a->role[i].fg, a->role[i].bg, a->role[i].flags,
		    b->role[i].fg, b->role[i].bg, b->role[i].flags);
	}
}

/* Parse one line over the default and return the style of role. */
static struct theme_style
style_of(const char *text, enum theme_role role)
{
	struct theme t;
	char *cause = NULL;

	theme_default(&t);
	ck_assert_msg(theme_parse(&t, text, "t", &cause) == 0, "'%s': %s", text,
	    cause != NULL ? cause : "?");
	return t.role[role];
}

#define ck_style(text, role, f, b, fl) do { \
	struct theme_style st_ = style_of((text), (role)); \
	ck_assert_msg(st_.fg == (f) && st_.bg == (b) && st_.flags == (fl), \
	    "'%s': got %x/%x/%x", (text), st_.fg, st_.bg, st_.flags); \
} while (0)

/* Parse text that must fail; check the message and that t did not move. */
static void
expect_error(const char *text, const char *message)
{
	struct theme t, before;
	char *cause = NULL;

	sentinel_theme(&t);
	before = t;
	ck_assert_msg(theme_parse(&t, text, "my.theme", &cause) == -1,
	    "'%s' was accepted", text);
	ck_assert_ptr_nonnull(cause);
	ck_assert_str_eq(cause, message);
	assert_theme_eq(&t, &before);
	free(cause);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *
make_tmpdir(void)
{
	char *d = strdup("/tmp/test_theme.XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

START_TEST(test_role_names)
{
	static const char *const names[] = {
		"normal", "header", "selection", "selection-idle", "running",
		"paused", "stopping", "exited", "failed", "backoff", "stderr",
		"title", "title-focus", "border", "marker", "match", "status",
		"prompt", "overlay", "alert", "graph",
	};
	int i;

	ck_assert_int_eq(sizeof names / sizeof names[0], THEME_COUNT);
	for (i = 0; i < THEME_COUNT; i++) {
		ck_assert_ptr_nonnull(theme_role_name(i));
		ck_assert_str_eq(theme_role_name(i), names[i]);
	}
	ck_assert_ptr_null(theme_role_name(THEME_COUNT));
	ck_assert_ptr_null(theme_role_name(THEME_COUNT + 7));
	ck_assert_ptr_null(theme_role_name((enum theme_role)-1));
}
END_TEST

START_TEST(test_default_theme)
{
	struct theme t;
	int i;

	memset(&t, 0xaa, sizeof t);
	theme_default(&t);
	ck_assert_str_eq(t.name, "default");
	ck_assert_uint_eq(t.role[THEME_SELECTION].fg, PAL(0));
	ck_assert_uint_eq(t.role[THEME_SELECTION].bg, PAL(6));
	ck_assert_uint_eq(t.role[THEME_FAILED].fg, PAL(1));
	ck_assert_uint_eq(t.role[THEME_FAILED].flags, ATTR_BOLD);
	ck_assert_uint_eq(t.role[THEME_NORMAL].fg, COLOR_DEFAULT);
	ck_assert_uint_eq(t.role[THEME_NORMAL].bg, COLOR_DEFAULT);
	/* Works on a 16-colour terminal: only the basic palette. */
	for (i = 0; i < THEME_COUNT; i++) {
		uint32_t c[2] = { t.role[i].fg, t.role[i].bg };
		int j;

		for (j = 0; j < 2; j++)
			ck_assert_msg(c[j] == COLOR_DEFAULT ||
			    (COLOR_KIND(c[j]) == COLOR_PALETTE && COLOR_VALUE(c[j]) < 16),
			    "%s uses colour %x", theme_role_name(i), c[j]);
		ck_assert_msg(t.role[i].fg != t.role[i].bg || t.role[i].fg == COLOR_DEFAULT,
		    "%s: text the colour of its background", theme_role_name(i));
	}
	/* The selection stands out from the idle selection and from plain text. */
	ck_assert(t.role[THEME_SELECTION].bg != t.role[THEME_SELECTION_IDLE].bg);
	ck_assert(t.role[THEME_SELECTION].bg != COLOR_DEFAULT);
}
END_TEST

START_TEST(test_shipped_load)
{
	struct theme t;
	char *path, *cause = NULL;
	size_t i;

	for (i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
		path = shipped_path(shipped[i]);
		sentinel_theme(&t);
		ck_assert_msg(theme_load(&t, path, NULL, &cause) == 0, "%s", cause);
		ck_assert_str_eq(t.name, shipped[i]);
		free(path);
	}
}
END_TEST

START_TEST(test_shipped_by_name)
{
	const char *dirs[] = { "/nonexistent/brood-themes", themes_dir(), NULL };
	struct theme t;
	char *cause = NULL;
	size_t i;

	for (i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
		ck_assert_msg(theme_load(&t, shipped[i], dirs, &cause) == 0, "%s", cause);
		ck_assert_str_eq(t.name, shipped[i]);
	}
}
END_TEST

START_TEST(test_shipped_name_every_role)
{
	struct theme t, loaded;
	char *path, *text, *cause = NULL;
	size_t i;
	int r;

	for (i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
		path = shipped_path(shipped[i]);
		text = slurp(path);
		sentinel_theme(&t);
		ck_assert_msg(theme_parse(&t, text, path, &cause) == 0, "%s", cause);
		ck_assert_str_eq(t.name, shipped[i]);
		for (r = 0; r < THEME_COUNT; r++) {
			ck_assert_msg(t.role[r].fg != SENTINEL && t.role[r].bg != SENTINEL &&
			    t.role[r].flags != 0xffff, "%s does not name %s",
			    path, theme_role_name(r));
		}
		/* Since it names everything, the base does not matter. */
		ck_assert_int_eq(theme_load(&loaded, path, NULL, &cause), 0);
		assert_theme_eq(&loaded, &t);
		free(text);
		free(path);
	}
}
END_TEST

START_TEST(test_default_file_is_default)
{
	struct theme def, over_zero, over_def;
	char *path = shipped_path("default"), *text = slurp(path), *cause = NULL;

	theme_default(&def);
	memset(&over_zero, 0, sizeof over_zero);
	ck_assert_int_eq(theme_parse(&over_zero, text, path, &cause), 0);
	assert_theme_eq(&over_zero, &def);
	theme_default(&over_def);
	ck_assert_int_eq(theme_parse(&over_def, text, path, &cause), 0);
	assert_theme_eq(&over_def, &def);
	free(text);
	free(path);
}
END_TEST

START_TEST(test_mono_has_no_colour)
{
	struct theme t;
	char *path = shipped_path("mono"), *cause = NULL;
	int r;

	ck_assert_int_eq(theme_load(&t, path, NULL, &cause), 0);
	for (r = 0; r < THEME_COUNT; r++) {
		ck_assert_msg(t.role[r].fg == COLOR_DEFAULT && t.role[r].bg == COLOR_DEFAULT,
		    "mono %s has a colour", theme_role_name(r));
	}
	/* Without colour, the selection must still show. */
	ck_assert(t.role[THEME_SELECTION].flags & ATTR_REVERSE);
	ck_assert_uint_ne(t.role[THEME_SELECTION_IDLE].flags, 0);
	ck_assert_uint_ne(t.role[THEME_STATUS].flags, 0);
	ck_assert_uint_ne(t.role[THEME_FAILED].flags, 0);
	free(path);
}
END_TEST

START_TEST(test_light_has_dark_text)
{
	struct theme t;
	char *path = shipped_path("light"), *cause = NULL;
	int r;

	ck_assert_int_eq(theme_load(&t, path, NULL, &cause), 0);
	for (r = 0; r < THEME_COUNT; r++) {
		uint32_t fg = t.role[r].fg;

		ck_assert_msg(fg != PAL(15), "light %s is bright-white", theme_role_name(r));
		/* Pale text only on a solid background of its own. */
		if (t.role[r].bg == COLOR_DEFAULT)
			ck_assert_msg(fg != PAL(3) && fg != PAL(7) && fg != PAL(11) &&
			    fg != PAL(14), "light %s is pale on the page",
			    theme_role_name(r));
	}
	ck_assert_uint_ne(t.role[THEME_SELECTION].bg, COLOR_DEFAULT);
	free(path);
}
END_TEST

START_TEST(test_high_contrast)
{
	struct theme t;
	char *path = shipped_path("high-contrast"), *cause = NULL;

	ck_assert_int_eq(theme_load(&t, path, NULL, &cause), 0);
	ck_assert_uint_eq(t.role[THEME_SELECTION].fg, PAL(0));
	ck_assert_uint_eq(t.role[THEME_SELECTION].bg, PAL(11));
	ck_assert(t.role[THEME_SELECTION].flags & ATTR_BOLD);
	ck_assert_uint_eq(t.role[THEME_FAILED].fg, PAL(15));
	ck_assert_uint_eq(t.role[THEME_FAILED].bg, PAL(1));
	ck_assert(t.role[THEME_FAILED].flags & ATTR_BOLD);
	free(path);
}
END_TEST

START_TEST(test_colours)
{
	static const char *const basic[] = {
		"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"
	};
	char buf[128];
	uint32_t i;

	for (i = 0; i < 8; i++) {
		snprintf(buf, sizeof buf, "stderr = %s", basic[i]);
		ck_style(buf, THEME_STDERR, PAL(i), COLOR_DEFAULT, 0);
		snprintf(buf, sizeof buf, "stderr = bright-%s", basic[i]);
		ck_style(buf, THEME_STDERR, PAL(i + 8), COLOR_DEFAULT, 0);
		snprintf(buf, sizeof buf, "stderr = default on %s", basic[i]);
		ck_style(buf, THEME_STDERR, COLOR_DEFAULT, PAL(i), 0);
	}
	ck_style("stderr = grey", THEME_STDERR, PAL(8), COLOR_DEFAULT, 0);
	ck_style("stderr = gray", THEME_STDERR, PAL(8), COLOR_DEFAULT, 0);
	ck_style("stderr = default", THEME_STDERR, COLOR_DEFAULT, COLOR_DEFAULT, 0);
	ck_style("stderr = 0", THEME_STDERR, PAL(0), COLOR_DEFAULT, 0);
	ck_style("stderr = 208", THEME_STDERR, PAL(208), COLOR_DEFAULT, 0);
	ck_style("stderr = 255 on 17", THEME_STDERR, PAL(255), PAL(17), 0);
	ck_style("stderr = #ff8000", THEME_STDERR, COLOR_RGB | 0xff8000, COLOR_DEFAULT, 0);
	ck_style("stderr = #FFaa00 on #000000", THEME_STDERR, COLOR_RGB | 0xffaa00,
	    COLOR_RGB | 0, 0);
	ck_style("stderr = #f80", THEME_STDERR, COLOR_RGB | 0xff8800, COLOR_DEFAULT, 0);
	ck_style("status = bright-white on #303030", THEME_STATUS, PAL(15),
	    COLOR_RGB | 0x303030, 0);
	ck_style("selection = black on cyan", THEME_SELECTION, PAL(0), PAL(6), 0);
	ck_style("selection = on blue", THEME_SELECTION, COLOR_DEFAULT, PAL(4), 0);
	ck_style("selection = on blue white", THEME_SELECTION, PAL(7), PAL(4), 0);
}
END_TEST

START_TEST(test_attributes)
{
	ck_style("title = bold", THEME_TITLE, COLOR_DEFAULT, COLOR_DEFAULT, ATTR_BOLD);
	ck_style("title = dim", THEME_TITLE, COLOR_DEFAULT, COLOR_DEFAULT, ATTR_DIM);
	ck_style("title = italic", THEME_TITLE, COLOR_DEFAULT, COLOR_DEFAULT, ATTR_ITALIC);
	ck_style("title = underline", THEME_TITLE, COLOR_DEFAULT, COLOR_DEFAULT,
	    ATTR_UNDERLINE);
	ck_style("title = reverse", THEME_TITLE, COLOR_DEFAULT, COLOR_DEFAULT, ATTR_REVERSE);
	ck_style("title = strike", THEME_TITLE, COLOR_DEFAULT, COLOR_DEFAULT, ATTR_STRIKE);
	ck_style("title = bold underline reverse bold", THEME_TITLE, COLOR_DEFAULT,
	    COLOR_DEFAULT, ATTR_BOLD | ATTR_UNDERLINE | ATTR_REVERSE);
	ck_style("selection = black on cyan bold", THEME_SELECTION, PAL(0), PAL(6),
	    ATTR_BOLD);
	ck_style("title = none", THEME_TITLE, COLOR_DEFAULT, COLOR_DEFAULT, 0);
	ck_style("title = plain", THEME_TITLE, COLOR_DEFAULT, COLOR_DEFAULT, 0);
	ck_style("title = red none", THEME_TITLE, PAL(1), COLOR_DEFAULT, 0);
	/* A named role gets exactly what is written, not the default's colours. */
	ck_style("title = bold", THEME_TITLE, COLOR_DEFAULT, COLOR_DEFAULT, ATTR_BOLD);
	ck_style("failed = red", THEME_FAILED, PAL(1), COLOR_DEFAULT, 0);
}
END_TEST

START_TEST(test_comments_case_space)
{
	struct theme t, def;
	char *cause = NULL;

	ck_style("  SELECTION=Black ON Cyan BOLD", THEME_SELECTION, PAL(0), PAL(6),
	    ATTR_BOLD);
	ck_style("\tstderr\t=\tred\t\t", THEME_STDERR, PAL(1), COLOR_DEFAULT, 0);
	ck_style("stderr = Bright-Red", THEME_STDERR, PAL(9), COLOR_DEFAULT, 0);
	ck_style("stderr = bright_red", THEME_STDERR, PAL(9), COLOR_DEFAULT, 0);
	ck_style("Selection_Idle = reverse", THEME_SELECTION_IDLE, COLOR_DEFAULT,
	    COLOR_DEFAULT, ATTR_REVERSE);
	ck_style("stderr = red  # errors", THEME_STDERR, PAL(1), COLOR_DEFAULT, 0);
	ck_style("stderr = red #errors", THEME_STDERR, PAL(1), COLOR_DEFAULT, 0);
	ck_style("stderr = red on #102030 # a # comment", THEME_STDERR, PAL(1),
	    COLOR_RGB | 0x102030, 0);
	ck_style("stderr = red\r\n", THEME_STDERR, PAL(1), COLOR_DEFAULT, 0);
	ck_style("# intro\n\n   \n\t# indented comment\nstderr = red\n#\n",
	    THEME_STDERR, PAL(1), COLOR_DEFAULT, 0);

	/* Roles the text does not name keep the base's style. */
	theme_default(&def);
	theme_default(&t);
	ck_assert_int_eq(theme_parse(&t, "stderr = blue\n", "t", &cause), 0);
	def.role[THEME_STDERR] = t.role[THEME_STDERR];
	assert_theme_eq(&t, &def);

	/* Empty text, and a comment-only text, change nothing. */
	ck_assert_int_eq(theme_parse(&t, "", "t", &cause), 0);
	ck_assert_int_eq(theme_parse(&t, "# nothing\n", "t", &cause), 0);
	assert_theme_eq(&t, &def);

	/* The later line wins. */
	ck_style("stderr = red\nstderr = green\n", THEME_STDERR, PAL(2),
	    COLOR_DEFAULT, 0);
}
END_TEST

START_TEST(test_name)
{
	struct theme t;
	char *cause = NULL, text[256];

	theme_default(&t);
	ck_assert_int_eq(theme_parse(&t, "name = solarized  # mine\n", "t", &cause), 0);
	ck_assert_str_eq(t.name, "solarized");
	ck_assert_int_eq(theme_parse(&t, "NAME=my theme\n", "t", &cause), 0);
	ck_assert_str_eq(t.name, "my theme");
	memset(text, 0, sizeof text);
	strcpy(text, "name = ");
	memset(text + 7, 'n', 100);
	ck_assert_int_eq(theme_parse(&t, text, "t", &cause), 0);
	ck_assert_uint_eq(strlen(t.name), 63);
	ck_assert_int_eq(t.name[0], 'n');
	/* Truncation does not cut a UTF-8 character in two. */
	memset(text, 0, sizeof text);
	strcpy(text, "name = ");
	memset(text + 7, 'n', 62);
	strcat(text, "\xc3\xa9");
	ck_assert_int_eq(theme_parse(&t, text, "t", &cause), 0);
	ck_assert_uint_eq(strlen(t.name), 62);
}
END_TEST

START_TEST(test_errors)
{
	char *big;

	expect_error("selektion = red", "my.theme:1: unknown role 'selektion'");
	expect_error("# one\n\nstderr = purpel\n",
	    "my.theme:3: 'purpel' is not a colour or attribute");
	expect_error("stderr = red\nselection black on cyan\n",
	    "my.theme:2: expected 'role = style'");
	expect_error("= red", "my.theme:1: expected 'role = style'");
	expect_error("stderr # = red", "my.theme:1: expected 'role = style'");
	expect_error("\n\n\nstderr = red on\n", "my.theme:4: 'on' needs a colour after it");
	expect_error("stderr = red on bold", "my.theme:1: 'on' needs a colour after it");
	expect_error("stderr = red on # blue", "my.theme:1: 'on' needs a colour after it");
	expect_error("stderr = red on purpel", "my.theme:1: 'purpel' is not a colour");
	expect_error("stderr = red blue",
	    "my.theme:1: two foreground colours, 'red' and 'blue'");
	expect_error("stderr = on red on blue",
	    "my.theme:1: two background colours, 'red' and 'blue'");
	expect_error("stderr =", "my.theme:1: 'stderr' has no style");
	expect_error("stderr =   # later", "my.theme:1: 'stderr' has no style");
	expect_error("stderr = 256", "my.theme:1: '256' is not a colour or attribute");
	expect_error("stderr = -1", "my.theme:1: '-1' is not a colour or attribute");
	expect_error("stderr = #12345", "my.theme:1: '#12345' is not a colour or attribute");
	expect_error("stderr = bright-default",
	    "my.theme:1: 'bright-default' is not a colour or attribute");
	expect_error("stderr = bold none",
	    "my.theme:1: 'none' cannot go with other attributes");
	expect_error("name =", "my.theme:1: 'name' has no value");
	expect_error("name = a\033[2Jb", "my.theme:1: the name holds a control character");
	/* The first error is the one reported; the good lines before it are
	 * not applied either (expect_error checks the theme did not move). */
	expect_error("stderr = red\nfailed = purpel\nbogus = 1\n",
	    "my.theme:2: 'purpel' is not a colour or attribute");

	/* A runaway word is quoted short. */
	big = malloc(300);
	ck_assert_ptr_nonnull(big);
	strcpy(big, "stderr = ");
	memset(big + 9, 'x', 200);
	big[209] = '\0';
	expect_error(big, "my.theme:1: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxx...' is not a colour or attribute");
	free(big);
}
END_TEST

START_TEST(test_long_lines)
{
	size_t n = 100000;
	char *text = malloc(3 * n), *p = text;

	ck_assert_ptr_nonnull(text);
	/* A long comment, a style behind a long run of blanks. */
	*p++ = '#';
	memset(p, 'c', n);
	p += n;
	p += sprintf(p, "\nstderr =");
	memset(p, ' ', n);
	p += n;
	sprintf(p, "green\n");
	ck_style(text, THEME_STDERR, PAL(2), COLOR_DEFAULT, 0);
	strcat(text, "bogus = red\n");
	expect_error(text, "my.theme:3: unknown role 'bogus'");
	free(text);
}
END_TEST

START_TEST(test_load_by_name)
{
	char *dir = make_tmpdir(), *a, *b, *missing, *cause = NULL, *want;
	const char *dirs[4];
	struct theme t;

	ck_assert(asprintf(&missing, "%s/missing", dir) > 0);
	ck_assert(asprintf(&a, "%s/a", dir) > 0);
	ck_assert(asprintf(&b, "%s/b/", dir) > 0);
	ck_assert_int_eq(mkdir(a, 0700), 0);
	ck_assert_int_eq(mkdir(b, 0700), 0);
	ck_assert_int_eq(chdir(a), 0);
	spit("ocean.theme", "name = Ocean\nselection = white on blue\n");
	spit("plain.theme", "stderr = bold\n");
	ck_assert_int_eq(chdir(b), 0);
	spit("ocean.theme", "name = Second ocean\n");
	spit("forest.theme", "selection = black on green\n");
	go_home();

	dirs[0] = missing;
	dirs[1] = a;
	dirs[2] = b;
	dirs[3] = NULL;
	/* First directory missing, second has it. */
	ck_assert_int_eq(theme_load(&t, "ocean", dirs, &cause), 0);
	ck_assert_str_eq(t.name, "Ocean");
	ck_assert_uint_eq(t.role[THEME_SELECTION].bg, PAL(4));
	/* Only the last has it; a nameless file is named after itself, and
	 * the default is the base. */
	ck_assert_int_eq(theme_load(&t, "forest", dirs, &cause), 0);
	ck_assert_str_eq(t.name, "forest");
	ck_assert_uint_eq(t.role[THEME_SELECTION].bg, PAL(2));
	{
		struct theme def;

		theme_default(&def);
		ck_assert_uint_eq(t.role[THEME_STDERR].fg, def.role[THEME_STDERR].fg);
	}
	ck_assert_int_eq(theme_load(&t, "plain", dirs, &cause), 0);
	ck_assert_str_eq(t.name, "plain");
	ck_assert_uint_eq(t.role[THEME_STDERR].flags, ATTR_BOLD);

	/* Not found: the message lists where it looked. */
	ck_assert_int_eq(theme_load(&t, "nope", dirs, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert(asprintf(&want, "no theme called 'nope' (looked in %s, %s, %s)",
	    missing, a, b) > 0);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	ck_assert_int_eq(theme_load(&t, "nope", NULL, &cause), -1);
	ck_assert_str_eq(cause, "no theme called 'nope' (no theme directories)");
	free(cause);

	/* "default" needs no file. */
	ck_assert_int_eq(theme_load(&t, "default", dirs, &cause), 0);
	{
		struct theme def;

		theme_default(&def);
		assert_theme_eq(&t, &def);
	}

	rm_tree(dir);
	free(missing);
	free(a);
	free(b);
	free(dir);
}
END_TEST

START_TEST(test_names_are_not_paths)
{
	char *dir = make_tmpdir(), *sub, *cause = NULL;
	const char *dirs[2];
	struct theme t, before;

	ck_assert(asprintf(&sub, "%s/sub", dir) > 0);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_int_eq(chdir(dir), 0);
	spit("evil.theme", "name = evil\n");
	spit("sub/.hidden.theme", "name = hidden\n");
	go_home();
	dirs[0] = sub;
	dirs[1] = NULL;

	sentinel_theme(&t);
	before = t;
	/* With a '/', it is a path (relative to the working directory), never
	 * DIR/../evil.theme. */
	ck_assert_int_eq(theme_load(&t, "../evil", dirs, &cause), -1);
	ck_assert_str_eq(cause, "../evil: No such file or directory");
	free(cause);
	ck_assert_int_eq(theme_load(&t, "..", dirs, &cause), -1);
	ck_assert_str_eq(cause, "no theme called '..'");
	free(cause);
	ck_assert_int_eq(theme_load(&t, ".hidden", dirs, &cause), -1);
	ck_assert_str_eq(cause, "no theme called '.hidden'");
	free(cause);
	ck_assert_int_eq(theme_load(&t, "a b", dirs, &cause), -1);
	ck_assert_str_eq(cause, "no theme called 'a b'");
	free(cause);
	ck_assert_int_eq(theme_load(&t, "", dirs, &cause), -1);
	ck_assert_str_eq(cause, "no theme called ''");
	free(cause);
	assert_theme_eq(&t, &before);

	/* From the subdirectory, a path reaches the file. */
	ck_assert_int_eq(chdir(sub), 0);
	ck_assert_int_eq(theme_load(&t, "../evil", dirs, &cause), -1);
	ck_assert_str_eq(cause, "../evil: No such file or directory");
	free(cause);
	ck_assert_int_eq(theme_load(&t, "../evil.theme", dirs, &cause), 0);
	ck_assert_str_eq(t.name, "evil");
	go_home();

	rm_tree(dir);
	free(sub);
	free(dir);
}
END_TEST

START_TEST(test_load_by_path)
{
	char *dir = make_tmpdir(), *path, *cause = NULL, *want;
	struct theme t, before;

	ck_assert(asprintf(&path, "%s/dusk.theme", dir) > 0);
	spit(path, "selection = black on magenta\n");
	ck_assert_int_eq(theme_load(&t, path, NULL, &cause), 0);
	ck_assert_str_eq(t.name, "dusk");
	ck_assert_uint_eq(t.role[THEME_SELECTION].bg, PAL(5));

	/* Ending in .theme makes it a file even without a '/'. */
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(theme_load(&t, "dusk.theme", NULL, &cause), 0);
	ck_assert_str_eq(t.name, "dusk");
	go_home();

	/* A file without the suffix is named all of its base name. */
	free(path);
	ck_assert(asprintf(&path, "%s/night", dir) > 0);
	spit(path, "\xef\xbb\xbfstderr = red\n");
	ck_assert_int_eq(theme_load(&t, path, NULL, &cause), 0);
	ck_assert_str_eq(t.name, "night");

	/* A parse error names the file and line; t does not move. */
	spit(path, "# night\nstderr = redd\n");
	sentinel_theme(&t);
	before = t;
	ck_assert_int_eq(theme_load(&t, path, NULL, &cause), -1);
	ck_assert(asprintf(&want, "%s:2: 'redd' is not a colour or attribute", path) > 0);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	assert_theme_eq(&t, &before);

	rm_tree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_load_read_errors)
{
	char *dir = make_tmpdir(), *path, *cause = NULL, *want, *big;
	const char *dirs[3];
	struct theme t, before;
	size_t i, max = 1024 * 1024;
	FILE *f;

	sentinel_theme(&t);
	before = t;
	ck_assert_int_eq(theme_load(&t, "/nonexistent/x.theme", NULL, &cause), -1);
	ck_assert_str_eq(cause, "/nonexistent/x.theme: No such file or directory");
	free(cause);

	ck_assert_int_eq(theme_load(&t, dir, NULL, &cause), -1);
	ck_assert(asprintf(&want, "%s: Is a directory", dir) > 0);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);

	/* Exactly 1 MiB is fine; one byte more is not. */
	ck_assert(asprintf(&path, "%s/big.theme", dir) > 0);
	big = malloc(max + 2);
	ck_assert_ptr_nonnull(big);
	for (i = 0; i < max; i += 64) {
		memset(big + i, ' ', 64);
		big[i] = '#';
		big[i + 63] = '\n';
	}
	big[max] = '\0';
	spit(path, big);
	ck_assert_int_eq(theme_load(&t, path, NULL, &cause), 0);
	ck_assert_str_eq(t.name, "big");
	sentinel_theme(&t);
	strcpy(big + max, "\n");
	spit(path, big);
	ck_assert_int_eq(theme_load(&t, path, NULL, &cause), -1);
	ck_assert(asprintf(&want, "%s: larger than 1 MiB", path) > 0);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	free(big);
	free(path);

	/* A NUL byte: not a theme, and not silently cut short. */
	ck_assert(asprintf(&path, "%s/nul.theme", dir) > 0);
	f = fopen(path, "w");
	fwrite("stderr = red\n\0failed = blue\n", 1, 28, f);
	fclose(f);
	ck_assert_int_eq(theme_load(&t, path, NULL, &cause), -1);
	ck_assert(asprintf(&want, "%s: not a text file (it holds a NUL byte)", path) > 0);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	free(path);
	assert_theme_eq(&t, &before);

	/* An unreadable entry in a directory is passed over when a later one
	 * has the theme, and reported when none does. */
	ck_assert(asprintf(&path, "%s/one", dir) > 0);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	free(path);
	ck_assert(asprintf(&path, "%s/one/odd.theme", dir) > 0);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert(asprintf(&want, "%s: Is a directory", path) > 0);
	free(path);
	ck_assert(asprintf(&path, "%s/one", dir) > 0);
	dirs[0] = path;
	dirs[1] = NULL;
	ck_assert_int_eq(theme_load(&t, "odd", dirs, &cause), -1);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	dirs[1] = dir;
	dirs[2] = NULL;
	ck_assert(asprintf(&want, "%s/odd.theme", dir) > 0);
	spit(want, "name = odd one\n");
	free(want);
	ck_assert_int_eq(theme_load(&t, "odd", dirs, &cause), 0);
	ck_assert_str_eq(t.name, "odd one");

	rm_tree(dir);
	free(path);
	free(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("theme");
	char *cwd = getcwd(NULL, 0);
	TCase *tc = tcase_create("theme");
	SRunner *sr;
	int failed;

	home = cwd != NULL ? cwd : strdup("/");
	tcase_add_test(tc, test_role_names);
	tcase_add_test(tc, test_default_theme);
	tcase_add_test(tc, test_shipped_load);
	tcase_add_test(tc, test_shipped_by_name);
	tcase_add_test(tc, test_shipped_name_every_role);
	tcase_add_test(tc, test_default_file_is_default);
	tcase_add_test(tc, test_mono_has_no_colour);
	tcase_add_test(tc, test_light_has_dark_text);
	tcase_add_test(tc, test_high_contrast);
	tcase_add_test(tc, test_colours);
	tcase_add_test(tc, test_attributes);
	tcase_add_test(tc, test_comments_case_space);
	tcase_add_test(tc, test_name);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_long_lines);
	tcase_add_test(tc, test_load_by_name);
	tcase_add_test(tc, test_names_are_not_paths);
	tcase_add_test(tc, test_load_by_path);
	tcase_add_test(tc, test_load_read_errors);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	free(home);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
