/*
 * test_conf.c: brood.yaml, Procfiles and .env files as people write them,
 * and every way they get them wrong: each malformed fixture must give the
 * exact message (file, line, column, key) a user would read, and leave
 * nothing allocated behind. Fixtures live in $FIXTURES (tests/fixtures);
 * files that cannot be shipped as text (invalid UTF-8, CRLF) are written
 * into a temporary folder by the test itself.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "util.h"

static const char *
fixtures(void)
{
	const char *d = getenv("FIXTURES");

	return d != NULL && *d != '\0' ? d : "/work/main/tests/fixtures";
}

static char *
fixture(const char *name)
{
	return xasprintf("%s/%s", fixtures(), name);
}

static char *
real(const char *path)
{
	char *r = realpath(path, NULL);

	ck_assert_msg(r != NULL, "realpath %s: %s", path, strerror(errno));
	return r;
}

static bool
is_zero(const struct conf *c)
{
	static const struct conf zero;

	return memcmp(c, &zero, sizeof zero) == 0;
}

static size_t
strv_len(char **v)
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

/* want is NULL-terminated; NULL alone means v must be NULL. */
static void
check_strv(char **v, const char *const *want, const char *what)
{
	size_t i;

	if (want == NULL) {
		ck_assert_msg(v == NULL, "%s: expected no list", what);
		return;
	}
	ck_assert_msg(v != NULL, "%s: expected a list", what);
	for (i = 0; want[i] != NULL; i++) {
		ck_assert_msg(v[i] != NULL, "%s: only %zu entries, expected '%s' next", what, i,
		    want[i]);
		ck_assert_msg(strcmp(v[i], want[i]) == 0, "%s[%zu]: '%s', expected '%s'", what, i,
		    v[i], want[i]);
	}
	ck_assert_msg(v[i] == NULL, "%s: extra entry '%s'", what, v[i]);
}

static const struct conf_proc *
find_proc(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nprocs; i++)
		if (strcmp(c->procs[i].name, name) == 0)
			return &c->procs[i];
	ck_abort_msg("no process '%s'", name);
	return NULL;
}

/* Load path, which must fail with exactly want, and leave c zeroed. */
static void
expect_fail(const char *path, const char *want)
{
	struct conf c;
	char *cause = NULL;

	memset(&c, 0xa5, sizeof c);
	ck_assert_int_eq(conf_load(&c, path, &cause), -1);
	ck_assert_msg(cause != NULL, "%s: no cause", path);
	ck_assert_str_eq(cause, want);
	ck_assert_msg(is_zero(&c), "%s: the conf is not zeroed after a failure", path);
	free(cause);
}

/* --- a temporary folder --------------------------------------------------- */

static char tmpdir[PATH_MAX];

static void
tmp_setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof tmpdir, "%s/test_conf.XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
}

static char *
tmp_write(const char *name, const char *data, size_t len)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static void
tmp_remove(const char *name)
{
	char *path = xasprintf("%s/%s", tmpdir, name);

	unlink(path);
	free(path);
}

static void
tmp_teardown(const char *const *names)
{
	for (; *names != NULL; names++)
		tmp_remove(*names);
	rmdir(tmpdir);
}

/* --- good files ------------------------------------------------------------- */

START_TEST(test_good_yaml)
{
	char *path = fixture("good/brood.yaml"), *gooddir = fixture("good");
	char *dir = real(gooddir), *site = xasprintf("%s/site", dir);
	char *tools = xasprintf("%s/tools/", dir);
	const struct conf_proc *p;
	struct conf c;
	char *cause = NULL;

	ck_assert_msg(conf_load(&c, path, &cause) == 0, "%s", cause);
	ck_assert_ptr_null(cause);
	ck_assert_str_eq(c.path, path);
	ck_assert_str_eq(c.dir, dir);
	ck_assert_uint_eq(c.interval_ms, 500);
	ck_assert_uint_eq(c.stop_timeout_ms, 8000);
	ck_assert_str_eq(c.theme, "light");
	ck_assert_uint_eq(c.scroll_lines, 20000);
	ck_assert_uint_eq(c.scroll_bytes, 16u << 20);
	ck_assert_uint_eq(c.nwarnings, 0);
	ck_assert_ptr_null(c.warnings);
	ck_assert_uint_eq(c.nprocs, 5);

	/* In the file's order. */
	ck_assert_str_eq(c.procs[0].name, "web");
	ck_assert_str_eq(c.procs[1].name, "worker");
	ck_assert_str_eq(c.procs[2].name, "db");
	ck_assert_str_eq(c.procs[3].name, "migrate");
	ck_assert_str_eq(c.procs[4].name, "clock");

	p = find_proc(&c, "web");
	ck_assert_str_eq(p->cmd, "python3 -m http.server 8000");
	ck_assert_ptr_null(p->argv);
	ck_assert_str_eq(p->cwd, site);
	check_strv(p->env, (const char *const[]){ "PORT=8000", "DEBUG=true", NULL }, "web env");
	ck_assert(p->autostart);
	ck_assert_int_eq(p->stop_signal, SIGINT);
	ck_assert_uint_eq(p->stop_timeout_ms, 10000);

	p = find_proc(&c, "worker");
	ck_assert_ptr_null(p->cmd);
	check_strv(p->argv, (const char *const[]){ "python3", "worker.py", "--queue",
	    "default queue", NULL }, "worker argv");
	ck_assert_str_eq(p->cwd, "/srv/worker");
	check_strv(p->env, (const char *const[]){ "QUEUE=default", NULL }, "worker env");
	ck_assert(p->autostart);
	ck_assert_int_eq(p->stop_signal, 0);
	ck_assert_uint_eq(p->stop_timeout_ms, 0);

	/* env_file first, then env over it: PGPORT keeps its place, takes env's value. */
	p = find_proc(&c, "db");
	ck_assert_str_eq(p->cmd, "postgres -D data");
	ck_assert_ptr_null(p->argv);
	ck_assert_str_eq(p->cwd, dir);
	check_strv(p->env, (const char *const[]){ "PGUSER=app", "PGHOST=localhost",
	    "PGPORT=5433", "PGPASSWORD=s3cret #not a comment", "PGDATA=./data", NULL },
	    "db env");
	ck_assert(p->autostart);
	ck_assert_int_eq(p->stop_signal, SIGQUIT);
	ck_assert_uint_eq(p->stop_timeout_ms, 1500);

	p = find_proc(&c, "migrate");
	ck_assert_str_eq(p->cmd, "./manage.py migrate");
	ck_assert_str_eq(p->cwd, tools);
	ck_assert_ptr_null(p->env);
	ck_assert(!p->autostart);

	p = find_proc(&c, "clock");
	ck_assert_str_eq(p->cmd, "date +%T");
	ck_assert_ptr_null(p->argv);
	ck_assert_str_eq(p->cwd, dir);
	ck_assert_ptr_null(p->env);
	ck_assert(p->autostart);
	ck_assert_int_eq(p->stop_signal, 0);
	ck_assert_uint_eq(p->stop_timeout_ms, 0);

	conf_free(&c);
	ck_assert(is_zero(&c));
	conf_free(&c);
	ck_assert(is_zero(&c));
	free(path);
	free(gooddir);
	free(dir);
	free(site);
	free(tools);
}
END_TEST

/* Run from the fixtures folder with a relative path: dir and cwd still come
 * out absolute, env_file is found, and messages use the name as given. */
START_TEST(test_relative_path)
{
	struct conf c;
	char *cause = NULL, *dir;
	int here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	ck_assert_int_ne(here, -1);
	ck_assert_int_eq(chdir(fixtures()), 0);
	dir = real("good");
	ck_assert_msg(conf_load(&c, "good/brood.yaml", &cause) == 0, "%s", cause);
	ck_assert_str_eq(c.path, "good/brood.yaml");
	ck_assert_str_eq(c.dir, dir);
	ck_assert_uint_eq(strv_len(find_proc(&c, "db")->env), 5);
	conf_free(&c);
	expect_fail("env-file-missing.yaml", "env-file-missing.yaml:4:15: "
	    "processes.db.env_file: .env.nope: No such file or directory");
	expect_fail("nope.yaml", "nope.yaml: No such file or directory");
	ck_assert_int_eq(fchdir(here), 0);
	close(here);
	free(dir);
}
END_TEST

START_TEST(test_good_procfile)
{
	static const char *const env[] = {
		"PORT=5000", "RAILS_ENV=development", "GREETING=hello\tworld\n",
		"LITERAL=no \\n escape", "EMPTY=", "SPACED=padded value", "HASH=a#b",
		"MULTI=line one\nline two", NULL,
	};
	char *path = fixture("procfile/Procfile"), *pdir = fixture("procfile");
	char *dir = real(pdir);
	struct conf c;
	char *cause = NULL;
	size_t i;

	ck_assert_msg(conf_load(&c, path, &cause) == 0, "%s", cause);
	ck_assert_str_eq(c.path, path);
	ck_assert_str_eq(c.dir, dir);
	ck_assert_uint_eq(c.nprocs, 4);
	ck_assert_str_eq(c.procs[0].name, "web");
	ck_assert_str_eq(c.procs[0].cmd, "bundle exec rails server -p $PORT");
	ck_assert_str_eq(c.procs[1].name, "worker.default");
	ck_assert_str_eq(c.procs[1].cmd, "bundle exec sidekiq -q default");
	ck_assert_str_eq(c.procs[2].name, "release-tasks");
	ck_assert_str_eq(c.procs[2].cmd, "./bin/release");
	ck_assert_str_eq(c.procs[3].name, "clock_1");
	ck_assert_str_eq(c.procs[3].cmd, "ruby clock.rb");
	for (i = 0; i < c.nprocs; i++) {
		const struct conf_proc *p = &c.procs[i];

		ck_assert_ptr_null(p->argv);
		ck_assert_str_eq(p->cwd, dir);
		check_strv(p->env, env, p->name);
		ck_assert(p->autostart);
		ck_assert_int_eq(p->stop_signal, 0);
		ck_assert_uint_eq(p->stop_timeout_ms, 0);
	}
	/* Each process owns its own copy. */
	ck_assert_ptr_ne(c.procs[0].env[0], c.procs[1].env[0]);
	ck_assert_uint_eq(c.interval_ms, 0);
	ck_assert_ptr_null(c.theme);
	ck_assert_uint_eq(c.nwarnings, 0);
	conf_free(&c);
	ck_assert(is_zero(&c));
	free(path);
	free(pdir);
	free(dir);
}
END_TEST

START_TEST(test_anchors)
{
	char *path = fixture("anchors.yaml");
	struct conf c;
	char *cause = NULL;

	ck_assert_msg(conf_load(&c, path, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(c.nprocs, 2);
	check_strv(c.procs[0].env, (const char *const[]){ "LOG=debug", "TZ=UTC", NULL }, "a");
	check_strv(c.procs[1].env, (const char *const[]){ "LOG=debug", "TZ=UTC", NULL }, "b");
	ck_assert_ptr_ne(c.procs[0].env[0], c.procs[1].env[0]);
	conf_free(&c);
	free(path);
}
END_TEST

START_TEST(test_warnings)
{
	char *path = fixture("unknown-keys.yaml"), *want;
	struct conf c;
	char *cause = NULL;

	ck_assert_msg(conf_load(&c, path, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(c.nwarnings, 3);
	want = xasprintf("%s:2:1: unknown key 'colour' (ignored)", path);
	ck_assert_str_eq(c.warnings[0], want);
	free(want);
	want = xasprintf("%s:5:3: unknown key 'max' (ignored)", path);
	ck_assert_str_eq(c.warnings[1], want);
	free(want);
	want = xasprintf("%s:9:5: unknown key 'restrt' (ignored)", path);
	ck_assert_str_eq(c.warnings[2], want);
	free(want);
	ck_assert_ptr_null(c.warnings[3]);
	/* The rest of the file still counts. */
	ck_assert_uint_eq(c.interval_ms, 1000);
	ck_assert_uint_eq(c.scroll_lines, 100);
	ck_assert_str_eq(c.procs[0].cmd, "./web");
	conf_free(&c);
	ck_assert(is_zero(&c));
	free(path);
}
END_TEST

/* --- malformed files: one per kind of mistake --------------------------------- */

static const struct {
	const char *file;
	const char *msg;          /* after "FIXTURES/file:" */
} bad_files[] = {
	{ "bad-bool.yaml", "4:16: processes.web.autostart: expected true or false, got 'maybe'" },
	{ "bad-duration.yaml", "4:19: processes.web.stop_timeout: expected a duration such as "
	    "500ms, 5s, 2m or 1h, got '5x'" },
	{ "bad-zero.yaml", "1:11: interval: must be more than zero, got '0s'" },
	{ "bad-size.yaml", "1:35: scrollback.bytes: expected a size such as 4096, 512K, 8M or 1G, "
	    "got '8Q'" },
	{ "bad-count.yaml", "2:10: scrollback.lines: expected a whole number, got 'lots'" },
	{ "big-duration.yaml", "1:11: interval: '99999999999999999999h' is too large" },
	{ "big-size.yaml", "2:10: scrollback.bytes: '16777216T' is too large" },
	{ "big-lines.yaml", "2:10: scrollback.lines: '18446744073709551616' is too large" },
	{ "bad-signal.yaml", "4:18: processes.web.stop_signal: no signal called 'TREM'" },
	{ "dup-process.yaml", "5:3: processes: duplicate process name 'web' (first at line 2)" },
	{ "dup-key.yaml", "5:5: processes.web: duplicate key 'cmd' (first at line 3)" },
	{ "empty-cmd.yaml", "3:10: processes.web.cmd: empty command" },
	{ "null-cmd.yaml", "3:9: processes.web.cmd: empty command" },
	{ "empty-cmd-list.yaml", "3:10: processes.worker.cmd: empty list" },
	{ "cmd-nonstring.yaml", "6:9: processes.worker.cmd[2]: expected a string, got a mapping" },
	{ "cmd-mapping.yaml", "3:10: processes.web.cmd: expected a command (a string or a list), "
	    "got a mapping" },
	{ "no-cmd.yaml", "2:3: processes.web: no cmd" },
	{ "process-null.yaml", "2:7: processes.web: expected a mapping or a command, got nothing" },
	{ "processes-list.yaml", "2:3: processes: expected a mapping of names to processes, "
	    "got a list" },
	{ "processes-empty.yaml", "1:12: processes: no processes" },
	{ "no-processes.yaml", "1:1: no processes (expected a 'processes' mapping)" },
	{ "top-list.yaml", "1:1: expected a mapping at the top, got a list" },
	{ "empty.yaml", "1:1: expected a mapping at the top, got nothing" },
	{ "syntax.yaml", "4:1: found unexpected end of stream "
	    "(while scanning a quoted scalar at 3:10)" },
	{ "syntax2.yaml", "3:10: mapping values are not allowed in this context" },
	{ "second-doc.yaml", "3:1: a second document (brood reads one)" },
	{ "name-empty.yaml", "2:3: processes: process names cannot be empty" },
	{ "name-control.yaml", "2:3: processes: process names cannot hold control characters" },
	{ "env-list.yaml", "4:10: processes.web.env: expected a mapping, got a list" },
	{ "env-key-eq.yaml", "6:7: processes.web.env: variable names cannot hold '=', got 'A=B'" },
	{ "env-key-empty.yaml", "5:7: processes.web.env: variable names cannot be empty" },
	{ "env-value-list.yaml", "5:14: processes.web.env.PATHS: expected a string, got a list" },
	{ "theme-list.yaml", "1:8: theme: expected a string, got a list" },
	{ "nul.yaml", "3:10: processes.web.cmd: cannot hold a NUL character" },
	{ "nocolon.Procfile", "2:1: expected 'name: command'" },
	{ "noname.Procfile", "1:1: empty process name" },
	{ "nocmd.Procfile", "1:1: empty command for 'web'" },
	{ "dupname.Procfile", "3:1: duplicate process name 'web' (first on line 1)" },
	{ "badname.Procfile", "1:1: process names may only hold letters, digits, '_', '-' and '.', "
	    "got 'my web'" },
	{ "empty.Procfile", "1:1: no processes (expected 'name: command' lines)" },
};

START_TEST(test_bad_file)
{
	char *path = fixture(bad_files[_i].file);
	char *want = xasprintf("%s:%s", path, bad_files[_i].msg);

	expect_fail(path, want);
	free(path);
	free(want);
}
END_TEST

/* A bad file named by env_file, or beside a Procfile: the message names
 * that file and its line. */
START_TEST(test_bad_env_files)
{
	char *path, *want;

	path = fixture("env-file-missing.yaml");
	want = xasprintf("%s:4:15: processes.db.env_file: %s/.env.nope: No such file or directory",
	    path, fixtures());
	expect_fail(path, want);
	free(path);
	free(want);

	path = fixture("env-file-bad.yaml");
	want = xasprintf("%s/bad-name.env:3: 'DB-HOST' is not a variable name "
	    "(letters, digits and '_', not first a digit)", fixtures());
	expect_fail(path, want);
	free(path);
	free(want);

	path = fixture("procfile-badenv/Procfile");
	want = xasprintf("%s/procfile-badenv/.env:2: expected NAME=value", fixtures());
	expect_fail(path, want);
	free(path);
	free(want);

	path = fixture("no-such-file.yaml");
	want = xasprintf("%s: No such file or directory", path);
	expect_fail(path, want);
	free(path);
	free(want);

	path = fixture("no-such-Procfile");
	want = xasprintf("%s: No such file or directory", path);
	expect_fail(path, want);
	free(path);
	free(want);

	path = fixture("good");
	want = xasprintf("%s: Is a directory", path);
	expect_fail(path, want);
	free(path);
	free(want);
}
END_TEST

START_TEST(test_invalid_utf8)
{
	static const struct {
		const char *data;
		const char *msg;
	} cases[] = {
		{ "processes:\n  web:\n    cmd: caf\xc3\xa9 \xff\n", "3:15: invalid UTF-8" },
		{ "# \xc0\xaf overlong\nprocesses: {}\n", "1:3: invalid UTF-8" },
		{ "processes:\n  \xed\xa0\x80: x\n", "2:3: invalid UTF-8" },
		{ "processes:\n  web: x\xf4\x90\x80\x80\n", "2:9: invalid UTF-8" },
		{ "processes:\n  web: cut \xe2\x82", "2:12: invalid UTF-8" },
		{ "\xef\xbb\xbfprocesses:\n  web: \xe9t\xe9\n", "2:8: invalid UTF-8" },
		{ "\xef\xbb\xbf\x80processes:\n", "1:1: invalid UTF-8" },
	};
	static const char *const names[] = { "brood.yaml", "Procfile", NULL };
	size_t i;

	tmp_setup();
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *path = tmp_write("brood.yaml", cases[i].data, strlen(cases[i].data));
		char *want = xasprintf("%s:%s", path, cases[i].msg);

		expect_fail(path, want);
		free(path);
		free(want);
	}
	/* A Procfile too: it has no parser of its own to catch it. */
	{
		static const char data[] = "web: ./web\nworker: ./w\xfe\n";
		char *path = tmp_write("Procfile", data, sizeof data - 1);
		char *want = xasprintf("%s:2:12: invalid UTF-8", path);

		expect_fail(path, want);
		free(path);
		free(want);
	}
	tmp_teardown(names);
}
END_TEST

/* Bytes libyaml refuses (a reader error, which carries an offset rather than
 * a mark), and control characters in messages, which are escaped. */
START_TEST(test_control_characters)
{
	static const char *const names[] = { "brood.yaml", "b\x1b[2Jad.yaml", NULL };
	static const char raw[] = "processes:\n  web: a\x01z\n";
	static const char quoted[] = "processes:\n  web:\n    cmd: ./web\n"
	    "    stop_signal: \"\\e[2J\\u0085\"\n";
	char *path, *want;

	tmp_setup();
	path = tmp_write("brood.yaml", raw, sizeof raw - 1);
	want = xasprintf("%s:2:9: control characters are not allowed", path);
	expect_fail(path, want);
	free(path);
	free(want);

	path = tmp_write("brood.yaml", quoted, sizeof quoted - 1);
	want = xasprintf("%s:4:18: processes.web.stop_signal: no signal called "
	    "'\\x1b[2J\\u0085'", path);
	expect_fail(path, want);
	free(path);
	free(want);

	path = tmp_write("b\x1b[2Jad.yaml", quoted, sizeof quoted - 1);
	want = xasprintf("%s/b\\x1b[2Jad.yaml:4:18: processes.web.stop_signal: no signal called "
	    "'\\x1b[2J\\u0085'", tmpdir);
	expect_fail(path, want);
	free(path);
	free(want);
	tmp_teardown(names);
}
END_TEST

/* A long value is cut short in the message, on a character boundary. */
START_TEST(test_long_value)
{
	static const char *const names[] = { "brood.yaml", NULL };
	char t39[40], *data, *path, *want;

	memset(t39, 't', 39);
	t39[39] = '\0';
	data = xasprintf("processes:\n  web:\n    cmd: ./web\n    autostart: %s\xc3\xa9zzz\n", t39);
	tmp_setup();
	path = tmp_write("brood.yaml", data, strlen(data));
	want = xasprintf("%s:4:16: processes.web.autostart: expected true or false, got '%s...'",
	    path, t39);
	expect_fail(path, want);
	free(path);
	free(want);
	free(data);
	tmp_teardown(names);
}
END_TEST

START_TEST(test_yaml_types)
{
	static const char *const names[] = { "brood.yml", NULL };
	static const char data[] =
	    "interval: 2\n"
	    "stop_timeout: \"1m\"\n"
	    "scrollback: { lines: 1, bytes: 1.5k }\n"
	    "processes:\n"
	    "  a:\n"
	    "    cmd: [sleep, 10, true, ~x]\n"
	    "    autostart: FALSE\n"
	    "    stop_signal: 15\n"
	    "    stop_timeout: 250ms\n"
	    "    env: { N: 1.50, B: yes, E: , Q: '', T: ~ }\n"
	    "  b:\n"
	    "    cmd: |\n"
	    "      echo one\n"
	    "      echo two\n"
	    "    autostart: \"true\"\n"
	    "    stop_signal: sigrtmin+2\n"
	    "  c:\n"
	    "    - ./c\n"
	    "    - --flag\n"
	    "  \"sp ace/\xc3\xa9\": ./d\n";
	struct conf c;
	char *path, *cause = NULL;

	tmp_setup();
	path = tmp_write("brood.yml", data, sizeof data - 1);
	ck_assert_msg(conf_load(&c, path, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(c.interval_ms, 2000);
	ck_assert_uint_eq(c.stop_timeout_ms, 60000);
	ck_assert_uint_eq(c.scroll_lines, 1);
	ck_assert_uint_eq(c.scroll_bytes, 1536);
	ck_assert_uint_eq(c.nprocs, 4);
	check_strv(c.procs[0].argv, (const char *const[]){ "sleep", "10", "true", "~x", NULL },
	    "a argv");
	ck_assert(!c.procs[0].autostart);
	ck_assert_int_eq(c.procs[0].stop_signal, SIGTERM);
	ck_assert_uint_eq(c.procs[0].stop_timeout_ms, 250);
	check_strv(c.procs[0].env, (const char *const[]){ "N=1.50", "B=yes", "E=", "Q=", "T=",
	    NULL }, "a env");
	ck_assert_str_eq(c.procs[1].cmd, "echo one\necho two\n");
	ck_assert(c.procs[1].autostart);
	ck_assert_int_eq(c.procs[1].stop_signal, SIGRTMIN + 2);
	check_strv(c.procs[2].argv, (const char *const[]){ "./c", "--flag", NULL }, "c argv");
	ck_assert_str_eq(c.procs[3].name, "sp ace/\xc3\xa9");
	ck_assert_str_eq(c.procs[3].cmd, "./d");
	conf_free(&c);
	free(path);
	tmp_teardown(names);
}
END_TEST

/* Files written on Windows: CRLF line ends, in the Procfile and its .env. */
START_TEST(test_procfile_crlf)
{
	static const char *const names[] = { "Procfile", ".env", NULL };
	static const char procfile[] = "web: ./web -p $PORT\r\n\r\n# note\r\nworker:./w \r\n";
	static const char dotenv[] = "PORT=5000\r\nNAME=\"a b\"\r\n";
	struct conf c;
	char *path, *cause = NULL;

	tmp_setup();
	free(tmp_write(".env", dotenv, sizeof dotenv - 1));
	path = tmp_write("Procfile", procfile, sizeof procfile - 1);
	ck_assert_msg(conf_load(&c, path, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(c.nprocs, 2);
	ck_assert_str_eq(c.procs[0].name, "web");
	ck_assert_str_eq(c.procs[0].cmd, "./web -p $PORT");
	ck_assert_str_eq(c.procs[1].name, "worker");
	ck_assert_str_eq(c.procs[1].cmd, "./w");
	check_strv(c.procs[1].env, (const char *const[]){ "PORT=5000", "NAME=a b", NULL }, "env");
	conf_free(&c);
	free(path);
	tmp_teardown(names);
}
END_TEST

/* --- .env files ----------------------------------------------------------- */

START_TEST(test_env_syntax)
{
	static const char *const names[] = { "x.env", NULL };
	static const char data[] =
	    "\xef\xbb\xbf# a comment\r\n"
	    "A=1\r\n"
	    "   export   B = two words  \r\n"
	    "\tC='single \\n \"kept\" # not a comment'  # a comment\r\n"
	    "D=\"tab\\tnl\\nquote\\\"back\\\\slash\\$other\"\n"
	    "E=\n"
	    "F= # only a comment\n"
	    "G=#not-a-comment\n"
	    "H=a # b # c\n"
	    "I=\"two\r\nlines\"\n"
	    "export=x\n"
	    "A=again\n"
	    "_9='' \n"
	    "\n"
	    "   \n"
	    "J=\"last\"";
	char **env = NULL, *cause = NULL, *path;

	tmp_setup();
	path = tmp_write("x.env", data, sizeof data - 1);
	ck_assert_msg(conf_load_env(path, &env, &cause) == 0, "%s", cause);
	check_strv(env, (const char *const[]){
	    "A=again", "B=two words", "C=single \\n \"kept\" # not a comment",
	    "D=tab\tnl\nquote\"back\\slash\\$other", "E=", "F=", "G=#not-a-comment", "H=a",
	    "I=two\nlines", "export=x", "_9=", "J=last", NULL }, "env");
	/* Appending to a list: a name already there is replaced in place. */
	{
		static const char more[] = "J=new\nK=k\n";
		char *p2 = tmp_write("x.env", more, sizeof more - 1);

		ck_assert_msg(conf_load_env(p2, &env, &cause) == 0, "%s", cause);
		ck_assert_uint_eq(strv_len(env), 13);
		ck_assert_str_eq(env[11], "J=new");
		ck_assert_str_eq(env[12], "K=k");
		free(p2);
	}
	for (size_t i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
	free(path);
	tmp_teardown(names);
}
END_TEST

START_TEST(test_env_errors)
{
	static const struct {
		const char *file;
		const char *msg;
	} cases[] = {
		{ "bad-name.env", "3: 'DB-HOST' is not a variable name "
		    "(letters, digits and '_', not first a digit)" },
		{ "bad-noeq.env", "2: expected NAME=value" },
		{ "bad-quote.env", "2: no closing double quote" },
		{ "bad-after-quote.env", "1: unexpected text after the closing quote" },
		{ "no-such.env", NULL },
	};
	char *keep[] = { xstrdup("KEEP=1"), NULL };
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char **env = keep, *cause = NULL;
		char *path = fixture(cases[i].file);
		char *want = cases[i].msg != NULL ? xasprintf("%s:%s", path, cases[i].msg) :
		    xasprintf("%s: No such file or directory", path);

		ck_assert_int_eq(conf_load_env(path, &env, &cause), -1);
		ck_assert_str_eq(cause, want);
		/* Untouched: not even the lines before the bad one were added. */
		ck_assert_ptr_eq(env, keep);
		ck_assert_ptr_null(env[1]);
		free(cause);
		free(path);
		free(want);
	}
	free(keep[0]);
}
END_TEST

START_TEST(test_env_more_errors)
{
	static const struct {
		const char *data;
		const char *msg;
	} cases[] = {
		{ "1A=x\n", "1: '1A' is not a variable name (letters, digits and '_', not first a digit)" },
		{ "=x\n", "1: '' is not a variable name (letters, digits and '_', not first a digit)" },
		{ "A=1\nexport\n", "2: expected NAME=value" },
		{ "A='x\n\nB=2\n", "1: no closing single quote" },
		{ "A=\"x\ny\"z\n", "2: unexpected text after the closing quote" },
		{ "A=\"x\\\"\n", "1: no closing double quote" },
	};
	static const char *const names[] = { "y.env", NULL };
	size_t i;

	tmp_setup();
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char **env = NULL, *cause = NULL;
		char *path = tmp_write("y.env", cases[i].data, strlen(cases[i].data));
		char *want = xasprintf("%s:%s", path, cases[i].msg);

		ck_assert_int_eq(conf_load_env(path, &env, &cause), -1);
		ck_assert_str_eq(cause, want);
		ck_assert_ptr_null(env);
		free(cause);
		free(path);
		free(want);
	}
	{
		static const char nul[] = "A=1\nB=x\0y\n";
		char **env = NULL, *cause = NULL;
		char *path = tmp_write("y.env", nul, sizeof nul - 1);
		char *want = xasprintf("%s:2: the line holds a NUL byte", path);

		ck_assert_int_eq(conf_load_env(path, &env, &cause), -1);
		ck_assert_str_eq(cause, want);
		free(cause);
		free(path);
		free(want);
	}
	tmp_teardown(names);
}
END_TEST

/* --- durations and sizes ------------------------------------------------------- */

START_TEST(test_durations)
{
	static const struct {
		const char *s;
		int rc;
		uint64_t ms;
	} cases[] = {
		{ "500ms", 0, 500 }, { "5s", 0, 5000 }, { "1.5s", 0, 1500 }, { "2m", 0, 120000 },
		{ "1h", 0, 3600000 }, { "1.5", 0, 1500 }, { "0", 0, 0 }, { "10", 0, 10000 },
		{ "0.25s", 0, 250 }, { "0.0005s", 0, 0 }, { "1.0001s", 0, 1000 },
		{ "0.5m", 0, 30000 }, { "1.25h", 0, 4500000 }, { "007s", 0, 7000 },
		{ "0.1234567890123456789999h", 0, 444444 },
		{ "0.99999999999999999999999999999999999999999s", 0, 999 },
		{ "0.000277777777777777777777777777778h", 0, 1000 },
		{ "0.000277777777777777777777777777777h", 0, 999 },
		{ "18446744073709551615ms", 0, UINT64_MAX },
		{ "18446744073709551.615", 0, UINT64_MAX },
		{ "5124095576030h", 0, 18446744073708000000ull },
		{ "", -1, 0 }, { "5x", -1, 0 }, { "-1", -1, 0 }, { "+1", -1, 0 }, { "1e400", -1, 0 },
		{ "1e3", -1, 0 }, { "s", -1, 0 }, { "ms", -1, 0 }, { ".5s", -1, 0 }, { "5.s", -1, 0 },
		{ "1.5ms", -1, 0 }, { " 5s", -1, 0 }, { "5s ", -1, 0 }, { "5 s", -1, 0 },
		{ "5S", -1, 0 }, { "5sec", -1, 0 }, { "1d", -1, 0 }, { "1h30m", -1, 0 },
		{ "inf", -1, 0 }, { "nan", -1, 0 }, { "0x10", -1, 0 }, { "1,5s", -1, 0 },
		{ "18446744073709551616ms", -1, 0 }, { "18446744073709551.616", -1, 0 },
		{ "5124095576031h", -1, 0 }, { "99999999999999999999999h", -1, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t ms = 12345;
		int rc = conf_duration(cases[i].s, &ms);

		ck_assert_msg(rc == cases[i].rc, "'%s': %d, expected %d", cases[i].s, rc,
		    cases[i].rc);
		ck_assert_msg(ms == (rc == 0 ? cases[i].ms : 12345), "'%s': %llu, expected %llu",
		    cases[i].s, (unsigned long long)ms, (unsigned long long)cases[i].ms);
	}
}
END_TEST

START_TEST(test_sizes)
{
	static const struct {
		const char *s;
		int rc;
		uint64_t bytes;
	} cases[] = {
		{ "4096", 0, 4096 }, { "512K", 0, 512 << 10 }, { "512k", 0, 512 << 10 },
		{ "8M", 0, 8 << 20 }, { "8m", 0, 8 << 20 }, { "1G", 0, 1ull << 30 },
		{ "2T", 0, 2ull << 40 }, { "1.5M", 0, 1572864 }, { "0.5k", 0, 512 },
		{ "1.0001K", 0, 1024 }, { "8MB", 0, 8 << 20 }, { "8MiB", 0, 8 << 20 },
		{ "8mib", 0, 8 << 20 }, { "100B", 0, 100 }, { "100b", 0, 100 }, { "0", 0, 0 },
		{ "16777215T", 0, 16777215ull << 40 },
		{ "16777215.999999999999T", 0, UINT64_MAX - 1 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "", -1, 0 }, { "K", -1, 0 }, { "8Q", -1, 0 }, { "-1", -1, 0 }, { "1e3", -1, 0 },
		{ "1.5", -1, 0 }, { "1.5B", -1, 0 }, { "8 M", -1, 0 }, { " 8M", -1, 0 },
		{ "8MBs", -1, 0 }, { "8iB", -1, 0 }, { "1P", -1, 0 }, { ".5M", -1, 0 },
		{ "16777216T", -1, 0 }, { "18446744073709551616", -1, 0 },
		{ "17179869184G", -1, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t bytes = 12345;
		int rc = conf_size(cases[i].s, &bytes);

		ck_assert_msg(rc == cases[i].rc, "'%s': %d, expected %d", cases[i].s, rc,
		    cases[i].rc);
		ck_assert_msg(bytes == (rc == 0 ? cases[i].bytes : 12345),
		    "'%s': %llu, expected %llu", cases[i].s, (unsigned long long)bytes,
		    (unsigned long long)cases[i].bytes);
	}
}
END_TEST

/* --- finding a file ------------------------------------------------------------ */

START_TEST(test_find)
{
	static const char *const names[] = { "brood.yaml", "Procfile", NULL };
	char *p, *want, *slash;

	tmp_setup();
	ck_assert_ptr_null(conf_find(tmpdir));

	free(tmp_write("Procfile", "web: ./web\n", 11));
	p = conf_find(tmpdir);
	want = xasprintf("%s/Procfile", tmpdir);
	ck_assert_str_eq(p, want);
	free(p);
	free(want);

	free(tmp_write("brood.yaml", "processes: {a: b}\n", 18));
	p = conf_find(tmpdir);
	want = xasprintf("%s/brood.yaml", tmpdir);
	ck_assert_str_eq(p, want);
	free(p);

	slash = xasprintf("%s/", tmpdir);
	p = conf_find(slash);
	ck_assert_str_eq(p, want);
	free(p);
	free(slash);
	free(want);
	tmp_teardown(names);

	p = conf_find(fixtures());
	ck_assert_ptr_null(p);
	want = fixture("procfile");
	p = conf_find(want);
	ck_assert_str_eq(p + strlen(want), "/Procfile");
	free(p);
	free(want);
}
END_TEST

/* Loading starts nothing and is quick; after a failure nothing is left
 * allocated (valgrind and ASan hold the test to that). */
START_TEST(test_loading_is_inert)
{
	static const char *const good[] = { "good/brood.yaml", "procfile/Procfile" };
	struct timespec t0, t1;
	struct conf c;
	size_t i, k;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (k = 0; k < 20; k++) {
		for (i = 0; i < sizeof good / sizeof good[0]; i++) {
			char *path = fixture(good[i]), *cause = NULL;

			ck_assert_msg(conf_load(&c, path, &cause) == 0, "%s", cause);
			conf_free(&c);
			free(path);
		}
		for (i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
			char *path = fixture(bad_files[i].file), *cause = NULL;

			ck_assert_int_eq(conf_load(&c, path, &cause), -1);
			ck_assert(is_zero(&c));
			free(cause);
			free(path);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_msg(t1.tv_sec - t0.tv_sec < 3, "%d loads took %lds",
	    (int)(20 * (2 + sizeof bad_files / sizeof bad_files[0])),
	    (long)(t1.tv_sec - t0.tv_sec));
	ck_assert_int_eq(waitpid(-1, &status, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("conf");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_good_yaml);
	tcase_add_test(tc, test_relative_path);
	tcase_add_test(tc, test_good_procfile);
	tcase_add_test(tc, test_anchors);
	tcase_add_test(tc, test_warnings);
	tcase_add_loop_test(tc, test_bad_file, 0, (int)(sizeof bad_files / sizeof bad_files[0]));
	tcase_add_test(tc, test_bad_env_files);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_control_characters);
	tcase_add_test(tc, test_long_value);
	tcase_add_test(tc, test_yaml_types);
	tcase_add_test(tc, test_procfile_crlf);
	tcase_add_test(tc, test_env_syntax);
	tcase_add_test(tc, test_env_errors);
	tcase_add_test(tc, test_env_more_errors);
	tcase_add_test(tc, test_durations);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_loading_is_inert);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
