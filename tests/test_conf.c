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

/* What a process gets for every key it does not give. */
static void
check_defaults(const struct conf_proc *p)
{
	ck_assert_msg(!p->clear_env, "%s: clear_env", p->name);
	ck_assert_ptr_null(p->allow_env);
	ck_assert(!p->color_force);
	ck_assert_uint_eq(p->timeout_ms, 0);
	ck_assert_int_eq(p->limits.cpu_s, -1);
	ck_assert_int_eq(p->limits.as_bytes, -1);
	ck_assert_int_eq(p->limits.nofile, -1);
	ck_assert_int_eq(p->limits.core_bytes, -1);
	ck_assert(!p->nice_set);
	ck_assert_int_eq(p->nice, 0);
	ck_assert_ptr_null(p->user);
	ck_assert_ptr_null(p->group);
	ck_assert_ptr_null(p->log);
	ck_assert_ptr_null(p->deps);
	ck_assert_uint_eq(p->ndeps, 0);
	ck_assert_int_eq(p->ready.kind, PROC_READY_NONE);
	ck_assert_ptr_null(p->ready.pattern);
	ck_assert_ptr_null(p->ready.host);
	ck_assert_ptr_null(p->ready.cmd);
	ck_assert_uint_eq(p->ready.period_ms, 0);
	ck_assert_uint_eq(p->ready.timeout_ms, 0);
}

static void
check_dep(const struct conf_proc *p, size_t i, const char *name, enum proc_dep_cond cond)
{
	ck_assert_msg(i < p->ndeps, "%s: no dependency %zu", p->name, i);
	ck_assert_str_eq(p->deps[i].name, name);
	ck_assert_msg(p->deps[i].cond == cond, "%s -> %s: condition %d, expected %d",
	    p->name, name, (int)p->deps[i].cond, (int)cond);
}

/* c's warnings are exactly want[] (NULL-terminated), each after "path:". */
static void
check_warnings(const struct conf *c, const char *const *want)
{
	size_t i;

	for (i = 0; want[i] != NULL; i++) {
		char *w = xasprintf("%s:%s", c->path, want[i]);

		ck_assert_msg(i < c->nwarnings, "only %zu warnings, expected '%s' next", i, w);
		ck_assert_str_eq(c->warnings[i], w);
		free(w);
	}
	ck_assert_msg(c->nwarnings == i, "%zu warnings, expected %zu (first extra: '%s')",
	    c->nwarnings, i, c->warnings[i]);
	ck_assert_ptr_null(c->warnings[i]);
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
	for (size_t i = 0; i < c.nprocs; i++)
		check_defaults(&c.procs[i]);
	ck_assert_ptr_null(c.log_dir);
	ck_assert_ptr_null(c.keys);
	ck_assert_uint_eq(c.nkeys, 0);

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
		ck_assert_int_eq(p->restart, PROC_RESTART_NO);
		check_defaults(p);
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

/* Every key of brood.yaml beyond the basics, read back exactly. */
START_TEST(test_full_yaml)
{
	char *path = fixture("full/brood.yaml"), *fdir = fixture("full"), *dir = real(fdir);
	char *logs = xasprintf("%s/logs", dir), *want;
	const struct conf_proc *p;
	struct conf c;
	char *cause = NULL;

	ck_assert_msg(conf_load(&c, path, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(c.nwarnings, 0);
	ck_assert_str_eq(c.log_dir, logs);
	ck_assert_uint_eq(c.nkeys, 3);
	ck_assert_str_eq(c.keys[0].action, "quit");
	ck_assert_str_eq(c.keys[0].key, "Q");
	ck_assert_str_eq(c.keys[1].action, "kill");
	ck_assert_str_eq(c.keys[1].key, "C-k");
	ck_assert_str_eq(c.keys[2].action, "restart");
	ck_assert_str_eq(c.keys[2].key, "F5");
	ck_assert_uint_eq(c.nprocs, 5);

	p = find_proc(&c, "db");
	ck_assert_int_eq(p->ready.kind, PROC_READY_LOG);
	ck_assert_str_eq(p->ready.pattern, "ready to accept connections$");
	ck_assert_ptr_null(p->ready.host);
	ck_assert_ptr_null(p->ready.cmd);
	ck_assert_uint_eq(p->ready.period_ms, 0);
	ck_assert_uint_eq(p->ready.timeout_ms, 30000);
	want = xasprintf("%s/db.log", logs);
	ck_assert_str_eq(p->log, want);
	free(want);
	ck_assert_int_eq(p->limits.cpu_s, -1);
	ck_assert_int_eq(p->limits.as_bytes, -1);
	ck_assert_int_eq(p->limits.nofile, -1);
	ck_assert_int_eq(p->limits.core_bytes, 0);
	ck_assert(!p->nice_set);
	ck_assert_uint_eq(p->ndeps, 0);
	ck_assert(!p->clear_env);
	ck_assert(!p->color_force);

	p = find_proc(&c, "api");
	ck_assert_uint_eq(p->ndeps, 1);
	check_dep(p, 0, "db", PROC_DEP_STARTED);
	ck_assert_int_eq(p->ready.kind, PROC_READY_TCP);
	ck_assert_ptr_null(p->ready.host);
	ck_assert_int_eq(p->ready.port, 8080);
	ck_assert_uint_eq(p->ready.period_ms, 250);
	ck_assert_uint_eq(p->ready.timeout_ms, 0);
	ck_assert(p->clear_env);
	check_strv(p->allow_env, (const char *const[]){ "HOME", "PATH", "LANG", NULL }, "allow_env");
	ck_assert(p->color_force);
	ck_assert_uint_eq(p->timeout_ms, 3600000);
	ck_assert_int_eq(p->limits.cpu_s, 2);       /* 1.5s, rounded up */
	ck_assert_int_eq(p->limits.as_bytes, 2ll << 30);
	ck_assert_int_eq(p->limits.nofile, 4096);
	ck_assert_int_eq(p->limits.core_bytes, 16ll << 20);
	ck_assert(p->nice_set);
	ck_assert_int_eq(p->nice, -5);
	ck_assert_str_eq(p->user, "www-data");
	ck_assert_str_eq(p->group, "www");
	ck_assert_str_eq(p->log, "/var/log/api.log");

	/* A mapping of conditions, in the file's order, both spellings. */
	p = find_proc(&c, "web");
	ck_assert_uint_eq(p->ndeps, 3);
	check_dep(p, 0, "api", PROC_DEP_READY);
	check_dep(p, 1, "migrate", PROC_DEP_SUCCEEDED);
	check_dep(p, 2, "db", PROC_DEP_STARTED);
	ck_assert_int_eq(p->ready.kind, PROC_READY_TCP);
	ck_assert_str_eq(p->ready.host, "localhost");
	ck_assert_int_eq(p->ready.port, 3000);
	ck_assert(!p->color_force);
	ck_assert(p->nice_set);
	ck_assert_int_eq(p->nice, 19);
	want = xasprintf("%s/web/out.log", logs);
	ck_assert_str_eq(p->log, want);
	free(want);
	ck_assert_ptr_null(p->user);

	p = find_proc(&c, "migrate");
	ck_assert_int_eq(p->ready.kind, PROC_READY_CMD);
	ck_assert_str_eq(p->ready.cmd, "test -f done");
	ck_assert_ptr_null(p->ready.pattern);
	ck_assert_uint_eq(p->ready.period_ms, 1000);
	ck_assert_uint_eq(p->ready.timeout_ms, 10000);
	ck_assert_uint_eq(p->ndeps, 1);
	check_dep(p, 0, "db", PROC_DEP_READY);
	ck_assert(!p->autostart);

	p = find_proc(&c, "plain");
	ck_assert_str_eq(p->cmd, "./plain");
	check_defaults(p);

	conf_free(&c);
	ck_assert(is_zero(&c));
	free(path);
	free(fdir);
	free(dir);
	free(logs);
}
END_TEST

/* Without log_dir, log is relative to the config's folder; values at the
 * edges of what each key takes. */
START_TEST(test_new_key_values)
{
	static const char *const names[] = { "brood.yaml", NULL };
	static const char data[] =
	    "processes:\n"
	    "  a:\n"
	    "    cmd: ./a\n"
	    "    log: out/a.log\n"
	    "    nice: +3\n"
	    "    ready: { tcp: \"[::1]:5432\", period: 2s }\n"
	    "    limits: { cpu: 2m, address_space: 1.5G, open_files: 1, core: 1 }\n"
	    "    allow_env: []\n"
	    "    clear_env: true\n"
	    "  b:\n"
	    "    cmd: ./b\n"
	    "    nice: -20\n"
	    "    ready: { tcp: db.local:65535 }\n"
	    "    limits: { cpu: 1.001 }\n"
	    "    depends_on: []\n"
	    "  c:\n"
	    "    cmd: ./c\n"
	    "    nice: 0\n"
	    "    ready: { tcp: 1 }\n"
	    "    depends_on: { a: ready, b: succeeded }\n"
	    "  d:\n"
	    "    cmd: ./d\n"
	    "    depends_on: [c, a]\n"
	    "    ready: { log: \"^(GET|POST) /[a-z]+ [0-9]{3}$\" }\n";
	struct conf c;
	char *path, *cause = NULL, *dir, *want;

	tmp_setup();
	path = tmp_write("brood.yaml", data, sizeof data - 1);
	dir = real(tmpdir);
	ck_assert_msg(conf_load(&c, path, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(c.nwarnings, 0);
	want = xasprintf("%s/out/a.log", dir);
	ck_assert_str_eq(c.procs[0].log, want);
	free(want);
	ck_assert(c.procs[0].nice_set);
	ck_assert_int_eq(c.procs[0].nice, 3);
	ck_assert_str_eq(c.procs[0].ready.host, "::1");
	ck_assert_int_eq(c.procs[0].ready.port, 5432);
	ck_assert_uint_eq(c.procs[0].ready.period_ms, 2000);
	ck_assert_int_eq(c.procs[0].limits.cpu_s, 120);
	ck_assert_int_eq(c.procs[0].limits.as_bytes, 1610612736);
	ck_assert_int_eq(c.procs[0].limits.nofile, 1);
	ck_assert_int_eq(c.procs[0].limits.core_bytes, 1);
	check_strv(c.procs[0].allow_env, (const char *const[]){ NULL }, "empty allow_env");
	ck_assert(c.procs[0].clear_env);
	ck_assert_int_eq(c.procs[1].nice, -20);
	ck_assert_str_eq(c.procs[1].ready.host, "db.local");
	ck_assert_int_eq(c.procs[1].ready.port, 65535);
	ck_assert_int_eq(c.procs[1].limits.cpu_s, 2);
	ck_assert_int_eq(c.procs[1].limits.as_bytes, -1);
	ck_assert_uint_eq(c.procs[1].ndeps, 0);
	ck_assert(c.procs[2].nice_set);
	ck_assert_int_eq(c.procs[2].nice, 0);
	ck_assert_ptr_null(c.procs[2].ready.host);
	ck_assert_int_eq(c.procs[2].ready.port, 1);
	check_dep(&c.procs[2], 0, "a", PROC_DEP_READY);
	check_dep(&c.procs[2], 1, "b", PROC_DEP_SUCCEEDED);
	check_dep(&c.procs[3], 0, "c", PROC_DEP_STARTED);
	check_dep(&c.procs[3], 1, "a", PROC_DEP_STARTED);
	ck_assert_str_eq(c.procs[3].ready.pattern, "^(GET|POST) /[a-z]+ [0-9]{3}$");
	conf_free(&c);
	free(path);
	free(dir);
	tmp_teardown(names);
}
END_TEST

/* A cycle as long as the file is cut short in the message. */
START_TEST(test_long_cycle)
{
	static const char *const names[] = { "brood.yaml", NULL };
	char *data = xstrdup("processes:\n"), *more, *path, *want;
	size_t i;

	for (i = 0; i < 20; i++) {
		more = xasprintf("%s  p%zu: { cmd: ./p, depends_on: [p%zu] }\n", data, 19 - i,
		    (19 - i + 1) % 20);
		free(data);
		data = more;
	}
	tmp_setup();
	path = tmp_write("brood.yaml", data, strlen(data));
	/* Found from p19, the first in the file, and shown from there. */
	want = xasprintf("%s:2:32: processes.p19.depends_on: a cycle: p19 -> p0 -> p1 -> p2 -> "
	    "p3 -> p4 -> p5 -> p6 -> p7 -> p8 -> p9 -> p10 -> p11 -> p12 -> p13 -> p14 -> "
	    "... (4 more) -> p19", path);
	expect_fail(path, want);
	free(want);
	free(path);
	free(data);
	tmp_teardown(names);
}
END_TEST

/* The new warnings, in the file's order though some are found later. */
START_TEST(test_new_warnings)
{
	static const char *const want[] = {
		"4:5: processes.web.allow_env: does nothing without clear_env: true",
		"7:7: processes.web.ready.period: a log probe has no period (ignored)",
		"8:7: unknown key 'retries' (ignored)",
		"9:15: unknown key 'cpus' (ignored)",
		NULL,
	};
	char *path = fixture("new-warnings.yaml");
	struct conf c;
	char *cause = NULL;

	ck_assert_msg(conf_load(&c, path, &cause) == 0, "%s", cause);
	check_warnings(&c, want);
	/* Kept all the same: it is harmless, and the warning says so. */
	check_strv(c.procs[0].allow_env, (const char *const[]){ "HOME", NULL }, "allow_env");
	ck_assert_int_eq(c.procs[0].ready.kind, PROC_READY_LOG);
	ck_assert_uint_eq(c.procs[0].ready.period_ms, 1000);
	conf_free(&c);
	free(path);
}
END_TEST

/* --- mprocs.yaml and process-compose.yaml ------------------------------------- */

START_TEST(test_mprocs)
{
	static const char *const want[] = {
		"9:7: procs.server.env.DEBUG: cannot remove variables yet (ignored)",
		"27:5: unsupported key 'add_path' (ignored)",
		"30:7: procs.tests.stop: brood cannot stop a process with send-keys: "
		    "it sends the stop signal (SIGTERM)",
		"35:5: unsupported key 'log' (ignored)",
		"36:5: unknown key 'colour' (ignored)",
		"37:1: unsupported key 'hide_keymap_window' (ignored)",
		"39:1: unsupported key 'keymap_procs' (ignored)",
		"41:1: unknown key 'mouse_speed' (ignored)",
		NULL,
	};
	char *path = fixture("mprocs/mprocs.yaml"), *mdir = fixture("mprocs");
	char *dir = real(mdir), *want_cwd;
	const struct conf_proc *p;
	struct conf c;
	char *cause = NULL;
	size_t i;

	ck_assert_msg(conf_load(&c, path, &cause) == 0, "%s", cause);
	check_warnings(&c, want);
	ck_assert_uint_eq(c.scroll_lines, 5000);
	/* "off: null" is mprocs's way to leave a process out. */
	ck_assert_uint_eq(c.nprocs, 5);
	ck_assert_str_eq(c.procs[0].name, "server");
	ck_assert_str_eq(c.procs[1].name, "webpack");
	ck_assert_str_eq(c.procs[2].name, "nvim");
	ck_assert_str_eq(c.procs[3].name, "tests");
	ck_assert_str_eq(c.procs[4].name, "db");

	p = find_proc(&c, "server");
	ck_assert_str_eq(p->cmd, "nodemon server.js");
	ck_assert_ptr_null(p->argv);
	want_cwd = xasprintf("%s/server", dir);
	ck_assert_str_eq(p->cwd, want_cwd);
	free(want_cwd);
	check_strv(p->env, (const char *const[]){ "NODE_ENV=development", NULL }, "server env");
	ck_assert_int_eq(p->restart, PROC_RESTART_ALWAYS);
	ck_assert_int_eq(p->stop_signal, SIGINT);
	ck_assert(p->autostart);

	p = find_proc(&c, "webpack");
	ck_assert_str_eq(p->cmd, "webpack serve");
	ck_assert_str_eq(p->cwd, dir);
	ck_assert_int_eq(p->restart, PROC_RESTART_NO);
	ck_assert_int_eq(p->stop_signal, 0);

	p = find_proc(&c, "nvim");
	ck_assert_ptr_null(p->cmd);
	check_strv(p->argv, (const char *const[]){ "nvim", "README.md", NULL }, "nvim argv");
	ck_assert(!p->autostart);
	ck_assert_int_eq(p->stop_signal, SIGKILL);

	/* $select: os picks linux, else $else. */
	p = find_proc(&c, "tests");
	ck_assert_str_eq(p->cmd, "jest -w");
	check_strv(p->env, (const char *const[]){ "EXTRA=/opt/linux", NULL }, "tests env");
	ck_assert_uint_eq(p->ndeps, 1);
	check_dep(p, 0, "server", PROC_DEP_STARTED);
	ck_assert_int_eq(p->stop_signal, 0);

	p = find_proc(&c, "db");
	check_strv(p->argv, (const char *const[]){ "postgres", "-D", "data", NULL }, "db argv");
	want_cwd = xasprintf("%s/data", dir);
	ck_assert_str_eq(p->cwd, want_cwd);
	free(want_cwd);
	ck_assert_ptr_null(p->log);
	for (i = 0; i < c.nprocs; i++) {
		ck_assert_int_eq(c.procs[i].limits.cpu_s, -1);
		ck_assert_int_eq(c.procs[i].limits.core_bytes, -1);
		ck_assert_int_eq(c.procs[i].ready.kind, PROC_READY_NONE);
	}
	conf_free(&c);
	ck_assert(is_zero(&c));
	free(path);
	free(mdir);
	free(dir);
}
END_TEST

START_TEST(test_compose)
{
	static const char *const want[] = {
		"3:1: log_location: brood has no log shared by every process "
		    "(ignored; give each its own log_location)",
		"4:1: unsupported key 'log_level' (ignored)",
		"16:7: processes.db.readiness_probe.timeout_seconds: a limit on one check, "
		    "which brood does not have (ignored)",
		"17:7: unsupported key 'initial_delay_seconds' (ignored)",
		"33:7: processes.web.readiness_probe.http_get: brood has no HTTP probe: "
		    "it waits until 127.0.0.1:8000 accepts a TCP connection instead",
		"44:16: processes.migrate.availability.restart: brood does not exit when a "
		    "process fails (exit_on_failure taken as on_failure)",
		"52:5: unsupported key 'is_daemon' (ignored)",
		"53:5: unsupported key 'namespace' (ignored)",
		"56:20: processes.worker.depends_on.redis.condition: brood waits for a "
		    "successful exit (process_completed taken as process_completed_successfully)",
		"61:1: unsupported key 'shell' (ignored)",
		NULL,
	};
	char *path = fixture("compose/process-compose.yaml"), *cdir = fixture("compose");
	char *dir = real(cdir), *want_path;
	const struct conf_proc *p;
	struct conf c;
	char *cause = NULL;

	ck_assert_msg(conf_load(&c, path, &cause) == 0, "%s", cause);
	check_warnings(&c, want);
	ck_assert_ptr_null(c.log_dir);
	ck_assert_uint_eq(c.nprocs, 5);

	p = find_proc(&c, "db");
	ck_assert_str_eq(p->cmd, "postgres -D data");
	want_path = xasprintf("%s/data", dir);
	ck_assert_str_eq(p->cwd, want_path);
	free(want_path);
	check_strv(p->env, (const char *const[]){ "APP_ENV=dev", "SHARED=global", NULL }, "db env");
	ck_assert_int_eq(p->ready.kind, PROC_READY_CMD);
	ck_assert_str_eq(p->ready.cmd, "pg_isready -h localhost");
	ck_assert_uint_eq(p->ready.period_ms, 2000);
	ck_assert_uint_eq(p->ready.timeout_ms, 0);
	ck_assert_int_eq(p->stop_signal, SIGINT);
	ck_assert_uint_eq(p->stop_timeout_ms, 10000);
	want_path = xasprintf("%s/logs/db.log", dir);
	ck_assert_str_eq(p->log, want_path);
	free(want_path);
	ck_assert(p->autostart);

	/* The global environment first, the process's own over it. */
	p = find_proc(&c, "web");
	check_strv(p->env, (const char *const[]){ "APP_ENV=dev", "SHARED=mine", "PORT=8000",
	    NULL }, "web env");
	ck_assert_uint_eq(p->ndeps, 2);
	check_dep(p, 0, "db", PROC_DEP_READY);
	check_dep(p, 1, "migrate", PROC_DEP_SUCCEEDED);
	ck_assert_int_eq(p->ready.kind, PROC_READY_TCP);
	ck_assert_str_eq(p->ready.host, "127.0.0.1");
	ck_assert_int_eq(p->ready.port, 8000);
	ck_assert_int_eq(p->restart, PROC_RESTART_ON_FAILURE);
	/* process-compose waits the same before every restart. */
	ck_assert_uint_eq(p->backoff_first_ms, 2000);
	ck_assert_uint_eq(p->backoff_max_ms, 2000);
	ck_assert_uint_eq(p->max_restarts, 5);

	p = find_proc(&c, "migrate");
	ck_assert_int_eq(p->restart, PROC_RESTART_ON_FAILURE);
	check_dep(p, 0, "db", PROC_DEP_STARTED);

	/* ready_log_line is text, not a pattern. */
	p = find_proc(&c, "worker");
	ck_assert(!p->autostart);
	ck_assert_int_eq(p->ready.kind, PROC_READY_LOG);
	ck_assert_str_eq(p->ready.pattern, "worker \\[ready\\] \\(v1\\.2\\)");
	check_dep(p, 0, "redis", PROC_DEP_SUCCEEDED);

	p = find_proc(&c, "redis");
	ck_assert_int_eq(p->restart, PROC_RESTART_ALWAYS);
	ck_assert_int_eq(p->limits.nofile, -1);
	ck_assert_int_eq(p->stop_signal, 0);
	conf_free(&c);
	ck_assert(is_zero(&c));
	free(path);
	free(cdir);
	free(dir);
}
END_TEST

/* The dialect comes from the base name, exactly. */
START_TEST(test_format_by_name)
{
	static const char *const names[] = {
		"compose.yml", "my-mprocs.yaml", "Mprocs.yaml", "mprocs.yml", NULL,
	};
	static const char compose[] = "processes:\n  a:\n    command: ./a\n";
	static const char mprocs[] = "procs:\n  a: ./a\n";
	struct conf c;
	char *path, *cause = NULL, *want;

	tmp_setup();
	path = tmp_write("compose.yml", compose, sizeof compose - 1);
	ck_assert_msg(conf_load(&c, path, &cause) == 0, "%s", cause);
	ck_assert_str_eq(c.procs[0].cmd, "./a");
	conf_free(&c);
	free(path);

	path = tmp_write("mprocs.yml", mprocs, sizeof mprocs - 1);
	ck_assert_msg(conf_load(&c, path, &cause) == 0, "%s", cause);
	ck_assert_str_eq(c.procs[0].cmd, "./a");
	conf_free(&c);
	free(path);

	/* Not mprocs's names: brood.yaml's keys, so no 'processes'. */
	path = tmp_write("my-mprocs.yaml", mprocs, sizeof mprocs - 1);
	want = xasprintf("%s:1:1: no processes (expected a 'processes' mapping)", path);
	expect_fail(path, want);
	free(want);
	free(path);
	path = tmp_write("Mprocs.yaml", mprocs, sizeof mprocs - 1);
	want = xasprintf("%s:1:1: no processes (expected a 'processes' mapping)", path);
	expect_fail(path, want);
	free(want);
	free(path);
	tmp_teardown(names);
}
END_TEST

/* Mistakes in mprocs.yaml and process-compose.yaml, each with its
 * file:line:column and key. */
static const struct {
	const char *name;
	const char *data;
	const char *msg;
} bad_dialects[] = {
	{ "mprocs.yaml", "procs:\n  a:\n    shell: x\n    cmd: [y]\n",
	    "4:5: procs.a: only one of shell and cmd (shell is on line 3)" },
	{ "mprocs.yaml", "procs:\n  a:\n    shell: x\n    stop: SIGHUP\n",
	    "4:11: procs.a.stop: expected SIGINT, SIGTERM, SIGKILL or hard-kill, got 'SIGHUP'" },
	{ "mprocs.yaml", "procs:\n  a:\n    cwd: x\n", "2:3: procs.a: no shell or cmd" },
	{ "mprocs.yaml", "procs:\n  a:\n    cmd: x\n",
	    "3:10: procs.a.cmd: expected a list (the program and its arguments), got 'x'" },
	{ "mprocs.yaml", "procs:\n  a:\n    shell: x\n    deps: [b]\n",
	    "4:12: procs.a.deps: no process called 'b'" },
	{ "mprocs.yaml", "procs:\n  a:\n    shell: x\n    deps: [b]\n  b:\n    shell: y\n"
	    "    deps: [a]\n", "4:11: procs.a.deps: a cycle: a -> b -> a" },
	{ "mprocs.yaml", "procs:\n  a:\n    shell: { $select: os, windows: x }\n",
	    "3:12: procs.a.shell: no value for linux, and no $else" },
	{ "mprocs.yaml", "procs:\n  a:\n    shell: { $select: arch, linux: x }\n",
	    "3:23: procs.a.shell.$select: expected os, got 'arch'" },
	{ "mprocs.yaml", "procs:\n  a:\n    shell: x\n    env: { A: [1] }\n",
	    "4:15: procs.a.env.A: expected a string, got a list" },
	{ "mprocs.yaml", "processes:\n  a: x\n", "1:1: no processes (expected a 'procs' mapping)" },
	{ "mprocs.yaml", "procs:\n  a: null\n  b: ~\n",
	    "2:3: procs: no processes (every one is null)" },
	{ "mprocs.yaml", "procs:\n  a: x\n  a: y\n",
	    "3:3: procs: duplicate process name 'a' (first at line 2)" },
	{ "process-compose.yaml", "processes:\n  a:\n    command: x\n    environment: [FOO]\n",
	    "4:19: processes.a.environment[0]: expected NAME=value, got 'FOO'" },
	{ "process-compose.yaml", "processes:\n  a:\n    command: x\n    availability:\n"
	    "      restart: sometimes\n", "5:16: processes.a.availability.restart: expected no, "
	    "on_failure, always or exit_on_failure, got 'sometimes'" },
	{ "process-compose.yaml", "processes:\n  a:\n    command: x\n    depends_on:\n"
	    "      b:\n        condition: process_running\n  b:\n    command: y\n",
	    "6:20: processes.a.depends_on.b.condition: expected process_started, "
	    "process_healthy, process_log_ready or process_completed_successfully, "
	    "got 'process_running'" },
	{ "process-compose.yaml", "processes:\n  a:\n    command: x\n    readiness_probe:\n"
	    "      exec: { command: y }\n      http_get: { port: 80 }\n",
	    "6:7: processes.a.readiness_probe: only one of exec and http_get (exec is on line 5)" },
	{ "process-compose.yaml", "processes:\n  a:\n    command: x\n    readiness_probe:\n"
	    "      period_seconds: 1\n", "5:7: processes.a.readiness_probe: expected exec or http_get" },
	{ "process-compose.yaml", "processes:\n  a:\n    command: x\n    readiness_probe:\n"
	    "      http_get: { host: h, path: / }\n",
	    "5:17: processes.a.readiness_probe.http_get: no port" },
	{ "process-compose.yaml", "processes:\n  a:\n    command: x\n    readiness_probe:\n"
	    "      http_get: { port: http }\n",
	    "5:25: processes.a.readiness_probe.http_get.port: expected a port (1-65535), got 'http'" },
	{ "process-compose.yaml", "processes:\n  a:\n    command: x\n    readiness_probe:\n"
	    "      exec: { working_dir: /tmp }\n",
	    "5:13: processes.a.readiness_probe.exec: no command" },
	{ "process-compose.yaml", "processes:\n  a:\n    command: x\n    ready_log_line: up\n"
	    "    readiness_probe: { exec: { command: y } }\n",
	    "5:5: processes.a: only one of readiness_probe and ready_log_line "
	    "(ready_log_line is on line 4)" },
	{ "process-compose.yaml", "processes:\n  a:\n    working_dir: /\n",
	    "2:3: processes.a: no command" },
	{ "process-compose.yaml", "processes:\n  a: ./a\n",
	    "2:6: processes.a: expected a mapping, got './a'" },
	{ "process-compose.yaml", "processes:\n  a:\n    command: x\n    shutdown:\n"
	    "      signal: 99\n", "5:15: processes.a.shutdown.signal: no signal called '99'" },
	{ "process-compose.yaml", "processes:\n  a:\n    command: x\n    availability:\n"
	    "      max_restarts: -1\n", "5:21: processes.a.availability.max_restarts: "
	    "expected a whole number, got '-1'" },
	{ "process-compose.yaml", "processes:\n  a:\n    command: x\n    depends_on: { a: "
	    "{ condition: process_started } }\n",
	    "4:19: processes.a.depends_on: a process cannot depend on itself" },
	{ "process-compose.yaml", "environment: { A: 1 }\nprocesses:\n  a:\n    command: x\n"
	    "    depends_on: { b: { condition: process_started } }\n",
	    "5:19: processes.a.depends_on: no process called 'b'" },
	{ "process-compose.yaml", "version: \"0.5\"\nservices:\n  web:\n    image: nginx\n",
	    "1:1: no processes (expected a 'processes' mapping; 'services' is Docker Compose's)" },
	{ "process-compose.yaml", "version: [1]\nprocesses:\n  a:\n    command: x\n",
	    "1:10: version: expected a version, got a list" },
};

START_TEST(test_bad_dialect)
{
	const char *names[] = { bad_dialects[_i].name, NULL };
	char *path, *want;

	tmp_setup();
	path = tmp_write(bad_dialects[_i].name, bad_dialects[_i].data,
	    strlen(bad_dialects[_i].data));
	want = xasprintf("%s:%s", path, bad_dialects[_i].msg);
	expect_fail(path, want);
	free(path);
	free(want);
	tmp_teardown(names);
}
END_TEST

/* Every file in examples/ loads, without a single warning. The folder is
 * $EXAMPLES; else the one beside tests/ when $FIXTURES says where that is
 * (make check sets only FIXTURES); else /work/main/examples. */
START_TEST(test_examples)
{
	static const char *const files[] = {
		"brood.yaml", "Procfile", "mprocs.yaml", "process-compose.yaml",
	};
	const char *env = getenv("EXAMPLES"), *fix = getenv("FIXTURES");
	char *dir;
	size_t i, j;

	if (env != NULL && *env != '\0')
		dir = xstrdup(env);
	else if (fix != NULL && *fix != '\0')
		dir = xasprintf("%s/../../examples", fix);
	else
		dir = xstrdup("/work/main/examples");
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *path = xasprintf("%s/%s", dir, files[i]), *cause = NULL;
		struct conf c;

		ck_assert_msg(conf_load(&c, path, &cause) == 0, "%s", cause);
		ck_assert_msg(c.nwarnings == 0, "%s", c.warnings != NULL ? c.warnings[0] : "");
		/* The same stack in every format: the same four names. */
		ck_assert_msg(c.nprocs == 4, "%s: %zu processes", path, c.nprocs);
		for (j = 0; j < c.nprocs; j++) {
			static const char *const procs[] = { "db", "web", "worker", "watcher" };

			find_proc(&c, procs[j]);
		}
		conf_free(&c);
		free(path);
	}
	free(dir);
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
	{ "bad-allow-env.yaml", "5:23: processes.web.allow_env[1]: 'MY-VAR' is not a variable "
	    "name (letters, digits and '_', not first a digit)" },
	{ "dup-allow-env.yaml", "8:9: processes.web.allow_env: duplicate name 'HOME' "
	    "(first at line 6)" },
	{ "allow-env-map.yaml", "4:16: processes.web.allow_env: expected a list of variable "
	    "names, got a mapping" },
	{ "bad-color.yaml", "4:12: processes.web.color: expected force or auto, got 'always'" },
	{ "bad-timeout.yaml", "4:14: processes.web.timeout: must be more than zero, got '0'" },
	{ "bad-cpu.yaml", "5:12: processes.web.limits.cpu: must be at least 1s, got '500ms'" },
	{ "bad-open-files.yaml", "4:27: processes.web.limits.open_files: expected a whole "
	    "number, got 'many'" },
	{ "big-address-space.yaml", "5:22: processes.web.limits.address_space: '16777215T' "
	    "is too large" },
	{ "bad-core.yaml", "5:13: processes.web.limits.core: expected a size such as 4096, "
	    "512K, 8M or 1G, got '-1'" },
	{ "limits-list.yaml", "4:13: processes.web.limits: expected a mapping, got a list" },
	{ "bad-nice.yaml", "4:11: processes.web.nice: expected a whole number from -20 to 19, "
	    "got '20'" },
	{ "bad-nice-word.yaml", "4:11: processes.web.nice: expected a whole number from -20 "
	    "to 19, got 'low'" },
	{ "empty-user.yaml", "4:11: processes.web.user: cannot be empty" },
	{ "bad-log.yaml", "4:10: processes.web.log: expected a file, got the folder 'logs/'" },
	{ "log-dir-list.yaml", "1:10: log_dir: expected a string, got a list" },
	{ "dep-unknown.yaml", "5:22: processes.web.depends_on: no process called 'dbb'" },
	{ "dep-unknown-map.yaml", "5:7: processes.web.depends_on: no process called 'db'" },
	{ "dep-self.yaml", "4:22: processes.web.depends_on: a process cannot depend on itself" },
	{ "dep-cycle.yaml", "6:17: processes.web.depends_on: a cycle: web -> api -> web" },
	{ "dep-cycle3.yaml", "8:17: processes.web.depends_on: a cycle: "
	    "web -> api -> worker -> web" },
	{ "dep-dup.yaml", "6:27: processes.web.depends_on: duplicate process name 'db' "
	    "(first at line 6)" },
	{ "dep-dup-map.yaml", "7:7: processes.web.depends_on: duplicate process name 'db' "
	    "(first at line 6)" },
	{ "dep-cond.yaml", "5:23: processes.web.depends_on.db: expected started, ready or "
	    "succeeded, got 'healthy'" },
	{ "dep-cond-map.yaml", "7:20: processes.web.depends_on.db.condition: expected "
	    "process_started, process_healthy, process_log_ready or "
	    "process_completed_successfully, got 'process_running'" },
	{ "dep-nocond.yaml", "6:11: processes.web.depends_on.db: no condition" },
	{ "dep-scalar.yaml", "5:17: processes.web.depends_on: expected a list or a mapping of "
	    "process names, got 'db'" },
	{ "ready-none.yaml", "5:7: processes.db.ready: expected one of log, tcp or cmd" },
	{ "ready-two.yaml", "6:7: processes.db.ready: only one of log, tcp and cmd "
	    "(log is on line 5)" },
	{ "ready-regex.yaml", "4:19: processes.db.ready.log: bad regular expression: "
	    "Unmatched ( or \\(" },
	{ "ready-huge-regex.yaml", "4:19: processes.db.ready.log: the regular expression is "
	    "too large (its repetitions multiply)" },
	{ "ready-unclosed-regex.yaml", "5:19: processes.db.ready.log: the regular expression "
	    "is too large (its repetitions multiply)" },
	{ "ready-closure-regex.yaml", "5:19: processes.db.ready.log: the regular expression "
	    "is too large (its repetitions multiply)" },
	{ "ready-empty-bound-regex.yaml", "6:19: processes.db.ready.log: the regular "
	    "expression is too large (its repetitions multiply)" },
	{ "ready-deep-regex.yaml", "4:19: processes.db.ready.log: the regular expression "
	    "nests groups too deeply (at most 64)" },
	{ "ready-port.yaml", "4:19: processes.db.ready.tcp: expected a port (1-65535) or "
	    "HOST:PORT, got '70000'" },
	{ "ready-host.yaml", "4:19: processes.db.ready.tcp: expected a port (1-65535) or "
	    "HOST:PORT, got 'localhost:'" },
	{ "ready-ipv6.yaml", "4:19: processes.db.ready.tcp: an IPv6 address needs brackets: "
	    "[::1]:5432" },
	{ "ready-cmd-empty.yaml", "4:19: processes.db.ready.cmd: empty command" },
	{ "ready-period.yaml", "4:35: processes.db.ready.period: must be more than zero, "
	    "got '0s'" },
	{ "keys-action.yaml", "3:3: keys: no action called 'quitt'" },
	{ "keys-long.yaml", "2:9: keys.quit: at most 16 bytes, got 'ctrl-alt-shift-meta-q'" },
	{ "keys-empty.yaml", "1:15: keys.quit: cannot be empty" },
	{ "keys-same.yaml", "4:12: keys.restart: 'q' is already the key for quit" },
	{ "keys-dup.yaml", "3:3: keys: duplicate action 'quit' (first at line 2)" },
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

	/* Then the other tools' files, in this order. */
	{
		static const char *const more[] = {
			"process-compose.yml", "process-compose.yaml", "mprocs.yaml", NULL,
		};
		static const char *const all[] = {
			"process-compose.yml", "process-compose.yaml", "mprocs.yaml", "compose.yaml",
			NULL,
		};
		size_t k;

		tmp_setup();
		free(tmp_write("compose.yaml", "processes: {}\n", 14));
		ck_assert_ptr_null(conf_find(tmpdir));
		for (k = 0; more[k] != NULL; k++) {
			free(tmp_write(more[k], "x\n", 2));
			p = conf_find(tmpdir);
			want = xasprintf("%s/%s", tmpdir, more[k]);
			ck_assert_str_eq(p, want);
			free(p);
			free(want);
		}
		free(tmp_write("Procfile", "web: ./web\n", 11));
		p = conf_find(tmpdir);
		want = xasprintf("%s/Procfile", tmpdir);
		ck_assert_str_eq(p, want);
		free(p);
		free(want);
		tmp_remove("Procfile");
		tmp_teardown(all);
	}

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
	static const char *const good[] = {
		"good/brood.yaml", "procfile/Procfile", "full/brood.yaml", "mprocs/mprocs.yaml",
		"compose/process-compose.yaml",
	};
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
	    (int)(20 * (sizeof good / sizeof good[0] + sizeof bad_files / sizeof bad_files[0])),
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
	tcase_add_test(tc, test_full_yaml);
	tcase_add_test(tc, test_new_key_values);
	tcase_add_test(tc, test_long_cycle);
	tcase_add_test(tc, test_new_warnings);
	tcase_add_test(tc, test_mprocs);
	tcase_add_test(tc, test_compose);
	tcase_add_test(tc, test_format_by_name);
	tcase_add_loop_test(tc, test_bad_dialect, 0,
	    (int)(sizeof bad_dialects / sizeof bad_dialects[0]));
	tcase_add_test(tc, test_examples);
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
