/* testutil.c: see testutil.h. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

void
tu_new_tag(char *buf, size_t len)
{
	static unsigned n;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, len, "%d-%ld-%u", (int)getpid(), (long)ts.tv_nsec, n++);
}

void
tu_tmpname(char *buf, size_t len, const char *what)
{
	static unsigned n;
	const char *dir = getenv("TMPDIR");

	snprintf(buf, len, "%s/brood-test-%d-%u-%s", dir != NULL ? dir : "/tmp",
	    (int)getpid(), n++, what);
	unlink(buf);
}

void
tu_start(struct tu_proc *t, const char *const *argv)
{
	int out[2], err[2];

	memset(t, 0, sizeof *t);
	tu_new_tag(t->tag, sizeof t->tag);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
	t->pid = fork();
	ck_assert_int_ne(t->pid, -1);
	if (t->pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		setenv(TU_TAG, t->tag, 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	t->out_fd = out[0];
	t->err_fd = err[0];
	fcntl(t->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(t->err_fd, F_SETFL, O_NONBLOCK);
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
				tu_append(&t->out, &t->out_len, &t->out_cap, buf, (size_t)n);
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
	free(t->out);
	free(t->err);
	t->out = t->err = NULL;
	t->out_fd = t->err_fd = -1;
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

size_t
tu_count_lines(const char *s, const char *line)
{
	size_t n = 0, len = strlen(line);
	const char *p = s;

	while (*p != '\0') {
		const char *nl = strchrnul(p, '\n');

		if ((size_t)(nl - p) == len && strncmp(p, line, len) == 0)
			n++;
		p = *nl == '\n' ? nl + 1 : nl;
	}
	return n;
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
