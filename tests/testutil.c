/* testutil.c: see testutil.h. */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ptree.h"
#include "testutil.h"
#include "util.h"

#define TU_TAG "BROOD_TEST_TAG"

const char *
tu_brood(void)
{
	const char *p = getenv("BROOD");

	return p != NULL ? p : "./brood";
}

const char *
tu_helper(void)
{
	const char *p = getenv("BROOD_HELPER");

	return p != NULL ? p : "./tests/helper";
}

bool
tu_valgrind(void)
{
	return getenv("BROOD_VALGRIND") != NULL;
}

const char *
tu_helper_cmd(char *buf, size_t len, const char *args)
{
	snprintf(buf, len, "%s %s", tu_helper(), args);
	return buf;
}

const char *
tu_h(unsigned slot, const char *args)
{
	static char buf[16][512];

	ck_assert_uint_lt(slot, 16);
	return tu_helper_cmd(buf[slot], sizeof buf[slot], args);
}

void
tu_new_tag(char *buf, size_t len)
{
	static unsigned n;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, len, "%d-%ld-%u", (int)getpid(), (long)ts.tv_nsec, n++);
}

/* The scratch directory of this process, made on first use and removed
 * with all it holds when the process that made it exits. Check forks a
 * process for each test, so each test has its own. mkdtemp names it: a
 * name built from the pid alone met a directory left behind by an earlier
 * process of the same pid once pids wrapped around. */
static char tu_scratch[256];
static pid_t tu_scratch_pid;

/* Remove path and, if it is a directory, everything below it. */
static void
tu_remove_tree(const char *path)
{
	struct dirent *d;
	char sub[4096];
	DIR *dir;

	if (unlink(path) == 0 || errno == ENOENT)
		return;
	/* A test may have taken every permission away from a directory. */
	chmod(path, 0700);
	if ((dir = opendir(path)) != NULL) {
		while ((d = readdir(dir)) != NULL) {
			if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof sub, "%s/%s", path, d->d_name);
			tu_remove_tree(sub);
		}
		closedir(dir);
	}
	rmdir(path);
}

static void
tu_scratch_remove(void)
{
	if (tu_scratch_pid == getpid())
		tu_remove_tree(tu_scratch);
}

void
tu_tmpname(char *buf, size_t len, const char *what)
{
	static unsigned n;
	const char *dir = getenv("TMPDIR");

	if (tu_scratch_pid != getpid()) {
		snprintf(tu_scratch, sizeof tu_scratch, "%s/brood-test-XXXXXX",
		    dir != NULL && *dir != '\0' ? dir : "/tmp");
		ck_assert_msg(mkdtemp(tu_scratch) != NULL, "mkdtemp %s: %s", tu_scratch,
		    strerror(errno));
		/* A forked test inherits its parent's handler, which does
		 * nothing there: the pid tells whose directory it is. */
		if (tu_scratch_pid == 0)
			atexit(tu_scratch_remove);
		tu_scratch_pid = getpid();
		n = 0;
	}
	snprintf(buf, len, "%s/%u-%s", tu_scratch, n++, what);
}

void
tu_start(struct tu_proc *t, const char *const *argv)
{
	tu_start_opts(t, argv, NULL);
}

/* In the child of tu_start_opts: limits, terminal, user. */
static void
tu_child_setup(const struct tu_opts *o, int in_r, const char *pts)
{
	struct rlimit rl;

	if (o->nofile > 0) {
		rl.rlim_cur = rl.rlim_max = (rlim_t)o->nofile;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (o->nofile_soft > 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = (rlim_t)o->nofile_soft;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (o->nproc > 0) {
		rl.rlim_cur = rl.rlim_max = (rlim_t)o->nproc;
		setrlimit(RLIMIT_NPROC, &rl);
	}
	if (in_r != -1)
		dup2(in_r, 0);
	if (o->stdout_path != NULL) {
		int fd = open(o->stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd == -1 || dup2(fd, 1) == -1)
			_exit(126);
		close(fd);
	}
	if (pts != NULL) {
		int fd;

		setsid();
		fd = open(pts, O_RDWR); /* a session leader's first terminal is its own */
		if (fd == -1 || ioctl(fd, TIOCSCTTY, 0) == -1)
			_exit(126);
		dup2(fd, 0);
		if (fd > 2)
			close(fd);
	}
	if (o->uid != 0 && (setgroups(0, NULL) == -1 || setgid((gid_t)o->uid) == -1 ||
	    setuid(o->uid) == -1))
		_exit(126);
}

void
tu_start_opts(struct tu_proc *t, const char *const *argv, const struct tu_opts *o)
{
	static const struct tu_opts none;
	int out[2], err[2], in[2] = { -1, -1 };
	const char *pts = NULL;

	if (o == NULL)
		o = &none;
	memset(t, 0, sizeof *t);
	t->in_fd = t->pty_fd = -1;
	tu_new_tag(t->tag, sizeof t->tag);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
	if (o->stdin_pipe)
		ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	if (o->ctty) {
		t->pty_fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		ck_assert_int_ne(t->pty_fd, -1);
		ck_assert(grantpt(t->pty_fd) == 0 && unlockpt(t->pty_fd) == 0);
		pts = ptsname(t->pty_fd);
		ck_assert_ptr_nonnull(pts);
	}
	t->pid = fork();
	ck_assert_int_ne(t->pid, -1);
	if (t->pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		tu_child_setup(o, in[0], pts);
		setenv(TU_TAG, t->tag, 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	if (in[0] != -1) {
		close(in[0]);
		t->in_fd = in[1];
	}
	t->out_fd = out[0];
	t->err_fd = err[0];
	fcntl(t->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(t->err_fd, F_SETFL, O_NONBLOCK);
	if (t->pty_fd != -1)
		fcntl(t->pty_fd, F_SETFL, O_NONBLOCK);
	t->out = xcalloc(1, 1);
	t->err = xcalloc(1, 1);
	t->out_cap = t->err_cap = 1;
}

static void
tu_append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Stdout, minus the lines that start with t->skip (counted instead). */
static void
tu_append_out(struct tu_proc *t, const char *data, size_t n)
{
	size_t plen = t->skip != NULL ? strlen(t->skip) : 0;

	if (plen == 0 || plen > sizeof t->skip_head) {
		tu_append(&t->out, &t->out_len, &t->out_cap, data, n);
		return;
	}
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t k = nl != NULL ? (size_t)(nl - data) + 1 : n;

		if (t->skip_state == 0) {
			/* A line starts: gather enough of it to tell. */
			size_t take = k < plen - t->skip_head_len ? k : plen - t->skip_head_len;
			bool ended;

			memcpy(t->skip_head + t->skip_head_len, data, take);
			t->skip_head_len += take;
			data += take;
			n -= take;
			k -= take;
			ended = t->skip_head[t->skip_head_len - 1] == '\n';
			if (t->skip_head_len < plen && !ended)
				return; /* the rest has not come yet */
			if (t->skip_head_len == plen && memcmp(t->skip_head, t->skip, plen) == 0) {
				t->skip_state = 2;
				t->skipped++;
			} else {
				t->skip_state = 1;
				tu_append(&t->out, &t->out_len, &t->out_cap, t->skip_head,
				    t->skip_head_len);
			}
			t->skip_head_len = 0;
			if (ended) {
				t->skip_state = 0;
				continue;
			}
		}
		if (t->skip_state == 1)
			tu_append(&t->out, &t->out_len, &t->out_cap, data, k);
		if (k > 0 && data[k - 1] == '\n')
			t->skip_state = 0;
		data += k;
		n -= k;
	}
}

/* Read what is there, waiting at most wait_ms; false once both are at EOF. */
static bool
tu_pump(struct tu_proc *t, int wait_ms)
{
	struct pollfd pfd[2] = { { t->out_fd, POLLIN, 0 }, { t->err_fd, POLLIN, 0 } };
	char buf[65536];
	int i;

	if (t->out_fd == -1 && t->err_fd == -1)
		return false;
	poll(pfd, 2, wait_ms);
	for (i = 0; i < 2; i++) {
		int *fd = i == 0 ? &t->out_fd : &t->err_fd;
		ssize_t n;

		if (*fd == -1)
			continue;
		while ((n = read(*fd, buf, sizeof buf)) > 0) {
			if (i == 0)
				tu_append_out(t, buf, (size_t)n);
			else
				tu_append(&t->err, &t->err_len, &t->err_cap, buf, (size_t)n);
		}
		if (n == 0 || (n == -1 && errno != EAGAIN)) {
			close(*fd);
			*fd = -1;
		}
	}
	return true;
}

bool
tu_read_some(struct tu_proc *t, int wait_ms)
{
	return tu_pump(t, wait_ms);
}

static long
tu_elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

static bool
tu_wait_in(struct tu_proc *t, char **where, const char *needle, int timeout_ms)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (strstr(*where, needle) == NULL) {
		if (tu_elapsed_ms(&start) > timeout_ms)
			return false;
		if (!tu_pump(t, 20) && strstr(*where, needle) == NULL)
			return false;
	}
	return true;
}

bool
tu_wait_for(struct tu_proc *t, const char *needle, int timeout_ms)
{
	return tu_wait_in(t, &t->out, needle, timeout_ms);
}

bool
tu_wait_for_err(struct tu_proc *t, const char *needle, int timeout_ms)
{
	return tu_wait_in(t, &t->err, needle, timeout_ms);
}

bool
tu_finish(struct tu_proc *t, int timeout_ms)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (!t->exited) {
			pid_t r = wait4(t->pid, &t->status, WNOHANG, &t->ru);

			if (r == t->pid)
				t->exited = true;
		}
		if (t->exited && t->out_fd == -1 && t->err_fd == -1)
			return true;
		if (tu_elapsed_ms(&start) > timeout_ms) {
			kill(t->pid, SIGKILL);
			waitpid(t->pid, &t->status, 0);
			t->exited = true;
			return false;
		}
		tu_pump(t, 20);
	}
}

void
tu_free(struct tu_proc *t)
{
	if (t->out == NULL)
		return; /* never started, or already freed */
	if (t->out_fd != -1)
		close(t->out_fd);
	if (t->err_fd != -1)
		close(t->err_fd);
	if (t->in_fd != -1)
		close(t->in_fd);
	if (t->pty_fd != -1)
		close(t->pty_fd);
	free(t->out);
	free(t->err);
	t->out = t->err = NULL;
	t->out_fd = t->err_fd = t->in_fd = t->pty_fd = -1;
}

bool
tu_pid_exists(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

bool
tu_pid_dead(pid_t pid)
{
	return !tu_pid_exists(pid) || tu_pid_state(pid) == 'Z';
}

char
tu_pid_state(pid_t pid)
{
	struct ptree t = { 0 };
	char state = 0;
	size_t i;

	ptree_scan(&t);
	for (i = 0; i < t.n; i++) {
		if (t.v[i].pid == pid)
			state = t.v[i].state;
	}
	ptree_free(&t);
	return state;
}

size_t
tu_survivors(const char *tag, char *msg, size_t len)
{
	struct ptree t = { 0 };
	char value[128];
	size_t i, n = 0, off = 0;

	msg[0] = '\0';
	ptree_scan(&t);
	for (i = 0; i < t.n; i++) {
		const struct ptree_entry *e = &t.v[i];
		bool ours = ptree_environ_get(e->pid, TU_TAG, value, sizeof value) &&
		    strcmp(value, tag) == 0;

		/* A zombie's environment is gone: a zombie child of ours counts. */
		if (e->state == 'Z' && e->ppid == getpid())
			ours = true;
		if (!ours || e->pid == getpid())
			continue;
		n++;
		if (off + 32 < len)
			off += (size_t)snprintf(msg + off, len - off, "%d(%c) ", (int)e->pid, e->state);
	}
	ptree_free(&t);
	return n;
}

size_t
tu_wait_survivors(const char *tag, char *msg, size_t len, int timeout_ms)
{
	struct timespec start, pause = { 0, 20 * 1000000 };
	size_t n;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while ((n = tu_survivors(tag, msg, len)) > 0 && tu_elapsed_ms(&start) < timeout_ms)
		nanosleep(&pause, NULL);
	return n;
}

bool
tu_wait_tagged(const char *tag, size_t n, int timeout_ms)
{
	struct timespec start, pause = { 0, 20 * 1000000 };
	char msg[64];

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (tu_survivors(tag, msg, sizeof msg) < n) {
		if (tu_elapsed_ms(&start) > timeout_ms)
			return false;
		nanosleep(&pause, NULL);
	}
	return true;
}

bool
tu_wait_pid_dead(pid_t pid, int timeout_ms)
{
	struct timespec start, pause = { 0, 10 * 1000000 };

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!tu_pid_dead(pid)) {
		if (tu_elapsed_ms(&start) > timeout_ms)
			return false;
		nanosleep(&pause, NULL);
	}
	return true;
}

size_t
tu_read_pids(const char *file, pid_t *pids, size_t max, int timeout_ms)
{
	struct timespec start, pause = { 0, 10 * 1000000 };
	FILE *f;
	size_t n = 0;
	int pid;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while ((f = fopen(file, "r")) == NULL) {
		if (tu_elapsed_ms(&start) > timeout_ms)
			return 0;
		nanosleep(&pause, NULL);
	}
	while (n < max && fscanf(f, "%d", &pid) == 1)
		pids[n++] = pid;
	fclose(f);
	return n;
}

enum tu_match { TU_WHOLE, TU_PREFIX, TU_SUFFIX };

/* Count lines of s that are text, start with it or end with it. */
static size_t
tu_count_matching(const char *s, const char *text, enum tu_match how)
{
	size_t n = 0, len = strlen(text);
	const char *p = s;

	while (*p != '\0') {
		const char *nl = strchrnul(p, '\n');
		size_t llen = (size_t)(nl - p);

		if (how == TU_WHOLE)
			n += llen == len && strncmp(p, text, len) == 0;
		else if (how == TU_PREFIX)
			n += llen >= len && strncmp(p, text, len) == 0;
		else
			n += llen >= len && strncmp(nl - len, text, len) == 0;
		p = *nl == '\n' ? nl + 1 : nl;
	}
	return n;
}

size_t
tu_count_lines(const char *s, const char *line)
{
	return tu_count_matching(s, line, TU_WHOLE);
}

size_t
tu_count_prefix(const char *s, const char *prefix)
{
	return tu_count_matching(s, prefix, TU_PREFIX);
}

size_t
tu_count_suffix(const char *s, const char *suffix)
{
	return tu_count_matching(s, suffix, TU_SUFFIX);
}

void
tu_read_line(const char *file, char *buf, size_t len)
{
	FILE *f = fopen(file, "r");

	ck_assert_msg(f != NULL, "cannot open %s: %s", file, strerror(errno));
	buf[0] = '\0';
	ck_assert_msg(fgets(buf, (int)len, f) != NULL, "%s is empty", file);
	fclose(f);
}

Suite *
tu_suite(const char *name, TCase **tc, SFun setup, SFun teardown, int timeout_s)
{
	Suite *s = suite_create(name);

	*tc = tcase_create(name);
	tcase_add_checked_fixture(*tc, setup, teardown);
	tcase_set_timeout(*tc, timeout_s);
	suite_add_tcase(s, *tc);
	return s;
}

int
tu_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

long
tu_now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int
tu_brood_run(struct tu_proc *t, int timeout_ms, const char *const *args)
{
	const char *argv[1024];
	size_t n = 0;

	argv[n++] = tu_brood();
	while (*args != NULL && n < sizeof argv / sizeof argv[0] - 1)
		argv[n++] = *args++;
	argv[n] = NULL;
	tu_free(t);
	tu_start(t, argv);
	ck_assert_msg(tu_finish(t, timeout_ms), "brood did not finish; stdout:\n%s\nstderr:\n%s",
	    t->out, t->err);
	tu_assert_no_survivors(t);
	ck_assert_msg(WIFEXITED(t->status), "brood died by signal %d", WTERMSIG(t->status));
	return WEXITSTATUS(t->status);
}

int
tu_run(struct tu_proc *t, const char *first, ...)
{
	const char *args[256];
	size_t n = 0;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a != NULL && n < sizeof args / sizeof args[0] - 1;
	    a = va_arg(ap, const char *))
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	return tu_brood_run(t, 30000, args);
}

void
tu_assert_no_survivors(const struct tu_proc *t)
{
	char msg[512];
	size_t n = tu_survivors(t->tag, msg, sizeof msg);

	ck_assert_msg(n == 0, "%zu processes survived brood: %s", n, msg);
}

void
tu_assert_terminal_safe(const char *s, size_t len, bool sgr_ok)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		size_t at = (size_t)(p - (const unsigned char *)s), n, i;
		unsigned c = *p, cp;

		if (c == 0x1b && sgr_ok && p + 1 < end && p[1] == '[') {
			for (i = 2; p + i < end && (isdigit(p[i]) || p[i] == ';'); i++)
				;
			ck_assert_msg(p + i < end && p[i] == 'm', "an escape that is not SGR at %zu: %.12s",
			    at, (const char *)p);
			p += i + 1;
			continue;
		}
		n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 :
		    c >= 0xf0 && c <= 0xf4 ? 4 : 0;
		ck_assert_msg(n != 0 && p + n <= end, "byte 0x%02x at %zu is not UTF-8", c, at);
		ck_assert_msg((c >= 0x20 && c != 0x7f) || c == '\n', "control 0x%02x at %zu", c, at);
		cp = n == 1 ? c : c & (0x7fu >> n);
		for (i = 1; i < n; i++) {
			ck_assert_msg((p[i] & 0xc0) == 0x80, "byte 0x%02x at %zu is not UTF-8", p[i],
			    at + i);
			cp = cp << 6 | (p[i] & 0x3f);
		}
		ck_assert_msg(!(cp >= 0x80 && cp <= 0x9f), "C1 control U+%04X at %zu", cp, at);
		ck_assert_msg(!((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)),
		    "bidi control U+%04X at %zu", cp, at);
		p += n;
	}
}

size_t
tu_zombies_of(pid_t pid)
{
	struct ptree t = { 0 };
	size_t i, n = 0;

	ptree_scan(&t);
	for (i = 0; i < t.n; i++)
		n += (t.v[i].ppid == pid && t.v[i].state == 'Z');
	ptree_free(&t);
	return n;
}

long
tu_peak_rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	}
	fclose(f);
	return kib;
}

bool
tu_wait_count(struct tu_proc *t, const char *line, size_t n, int timeout_ms)
{
	long deadline = tu_now_ms() + timeout_ms;

	while (tu_count_lines(t->out, line) < n) {
		if (tu_now_ms() > deadline)
			return false;
		if (!tu_pump(t, 10) && tu_count_lines(t->out, line) < n)
			return false;
	}
	return true;
}

bool
tu_set_last_pid(pid_t pid)
{
	int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
	char buf[32];
	int len = snprintf(buf, sizeof buf, "%d", (int)pid);
	bool ok;

	if (fd == -1)
		return false;
	ok = write(fd, buf, (size_t)len) == len;
	close(fd);
	return ok;
}

pid_t
tu_fork_at(pid_t want)
{
	int tries;

	for (tries = 0; tries < 20; tries++) {
		pid_t pid;

		if (!tu_set_last_pid(want - 1))
			return -1;
		pid = fork();
		if (pid == -1)
			return -1;
		if (pid == 0) {
			/* Never outlive the test, whatever becomes of it. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			alarm(60);
			setsid();
			for (;;)
				pause();
		}
		if (pid == want)
			return pid;
		/* Another process forked in between: try again. */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		if (tu_pid_exists(want))
			return -1;
	}
	return -1;
}

const char *
tu_tail(const char *s, size_t n)
{
	size_t len = strlen(s);

	return len > n ? s + len - n : s;
}
