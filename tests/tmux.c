/* tmux.c: see tmux.h. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ptree.h"
#include "testutil.h"
#include "tmux.h"
#include "util.h"

#define TMUX_TAG "BROOD_TEST_TAG"
#define TMUX_MAX_ARGS 128
#define TMUX_CMD_TIMEOUT_MS 10000
#define TMUX_FINISH_TIMEOUT_MS 10000
#define TMUX_POLL_MS 20

/* Variables of the test's environment that would make a run depend on who
 * runs it; the pane never sees them. */
static const char *const tmux_unset[] = { "TMUX", "TMUX_PANE", "NO_COLOR", "COLORTERM",
	"CLICOLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "LINES", "COLUMNS", NULL };

/* Servers started and not finished, killed at exit. Copies, not pointers:
 * the struct tmux may be gone by then. */
static struct tmux_live {
	struct tmux t;       /* screen always NULL */
	bool live;
} tmux_live[32];

/* An argument vector for tmux that owns the strings it had to rewrite. */
struct tmux_argv {
	const char *v[TMUX_MAX_ARGS];
	char *own[TMUX_MAX_ARGS];
	int n, nown;
};

static void
tmux_argv_add(struct tmux_argv *a, const char *s)
{
	ck_assert_msg(a->n < TMUX_MAX_ARGS - 1, "too many tmux arguments");
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

/* Add an argument that comes from the caller: tmux ends a command at an
 * argument ending in ';' (and turns a final "\;" into ";"), so a final ';'
 * gets a backslash before it to arrive as written. */
static void
tmux_argv_add_user(struct tmux_argv *a, const char *s)
{
	size_t len = strlen(s);
	char *copy;

	if (len == 0 || s[len - 1] != ';') {
		tmux_argv_add(a, s);
		return;
	}
	copy = xmalloc(len + 2);
	memcpy(copy, s, len - 1);
	memcpy(copy + len - 1, "\\;", 3);
	a->own[a->nown++] = copy;
	tmux_argv_add(a, copy);
}

static void
tmux_argv_free(struct tmux_argv *a)
{
	while (a->nown > 0)
		free(a->own[--a->nown]);
	a->n = 0;
}

static void
tmux_append(char **buf, size_t *len, const char *data, size_t n)
{
	*buf = xrealloc(*buf, *len + n + 1);
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Give buf to *to, or free it if the caller does not want it (to NULL). */
static void
tmux_hand_over(char *buf, char **to)
{
	if (to != NULL)
		*to = buf;
	else
		free(buf);
}

/* The child side of tmux_exec: a controlled environment, no inherited fds
 * (a server forked from this client must not hold the test's pipes). */
static void __attribute__((noreturn))
tmux_exec_child(const char *tag, int out, int err, const char *const *argv)
{
	int fd, i;

	fd = open("/dev/null", O_RDONLY);
	dup2(fd, 0);
	dup2(out, 1);
	dup2(err, 2);
	if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
		for (fd = 3; fd < 4096; fd++)
			close(fd);
	}
	for (i = 0; tmux_unset[i] != NULL; i++)
		unsetenv(tmux_unset[i]);
	setenv("LC_ALL", "C.UTF-8", 1);
	setenv(TMUX_TAG, tag, 1);
	execvp(argv[0], (char *const *)argv);
	dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Run "tmux -L socket -f /dev/null args..." to the end; its exit status (-1
 * if it had to be killed after TMUX_CMD_TIMEOUT_MS, -2 if it could not be
 * started). Its stdout goes to *out and its stderr to *err when not NULL
 * (malloc'd). */
static int
tmux_exec(const char *socket, const char *tag, const char *const *args, char **out, char **err)
{
	const char *argv[TMUX_MAX_ARGS + 8];
	char *buf[2] = { xcalloc(1, 1), xcalloc(1, 1) };
	size_t len[2] = { 0, 0 };
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, fds[2], status, n = 0, i;
	uint64_t start = util_now_ms();
	bool timed_out = false;
	pid_t pid;

	argv[n++] = "tmux";
	argv[n++] = "-L";
	argv[n++] = socket;
	argv[n++] = "-f";
	argv[n++] = "/dev/null";
	for (i = 0; args[i] != NULL; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	/* No ck_assert here: this also runs outside a test (tmux_available,
	 * the cleanup at exit), where Check cannot report. */
	if (pipe2(po, O_CLOEXEC) == -1 || pipe2(pe, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		tmux_append(&buf[1], &len[1], strerror(errno), strlen(strerror(errno)));
		for (i = 0; i < 2; i++) {
			if (po[i] != -1)
				close(po[i]);
			if (pe[i] != -1)
				close(pe[i]);
		}
		tmux_hand_over(buf[0], out);
		tmux_hand_over(buf[1], err);
		return -2;
	}
	if (pid == 0)
		tmux_exec_child(tag, po[1], pe[1], argv);
	close(po[1]);
	close(pe[1]);
	fds[0] = po[0];
	fds[1] = pe[0];
	while (fds[0] != -1 || fds[1] != -1) {
		struct pollfd pfd[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
		long left = TMUX_CMD_TIMEOUT_MS - (long)(util_now_ms() - start);
		char chunk[16384];

		if (left <= 0) {
			timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		if (poll(pfd, 2, (int)left) == -1 && errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			ssize_t r;

			if (fds[i] == -1 || pfd[i].revents == 0)
				continue;
			r = read(fds[i], chunk, sizeof chunk);
			if (r > 0) {
				tmux_append(&buf[i], &len[i], chunk, (size_t)r);
			} else if (r == 0 || errno != EINTR) {
				close(fds[i]);
				fds[i] = -1;
			}
		}
	}
	for (i = 0; i < 2; i++) {
		if (fds[i] != -1)
			close(fds[i]);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	tmux_hand_over(buf[0], out);
	tmux_hand_over(buf[1], err);
	if (timed_out)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* tmux_exec that fails the test unless tmux exits 0; its stdout, malloc'd. */
static char *
tmux_must(struct tmux *t, const struct tmux_argv *a)
{
	char *out, *err, cmd[512];
	size_t off = 0;
	int i, code;

	code = tmux_exec(t->socket, t->tag, a->v, &out, &err);
	if (code == 0) {
		free(err);
		return out;
	}
	cmd[0] = '\0';
	for (i = 0; a->v[i] != NULL && off + 2 < sizeof cmd; i++)
		off += (size_t)snprintf(cmd + off, sizeof cmd - off, " %s", a->v[i]);
	if (code == -1)
		ck_abort_msg("tmux -L %s%s: no answer in %d ms", t->socket, cmd, TMUX_CMD_TIMEOUT_MS);
	ck_abort_msg("tmux -L %s%s: exit status %d: %s", t->socket, cmd, code, err);
	return NULL;
}

bool
tmux_available(void)
{
	const char *const args[] = { "-V", NULL };
	char *out = NULL;
	bool ok;

	ok = tmux_exec("brood-test-probe", "probe", args, &out, NULL) == 0 &&
	    strncmp(out, "tmux ", 5) == 0;
	free(out);
	return ok;
}

/*
 * The pane runs the command under a wrapper shell, because tmux throws away
 * what a pane's process wrote but tmux had not read yet when it sees the
 * process exit (tmux issue 506: the last lines of a program that prints and
 * exits get lost, now and then, on a loaded machine; and the SIGCHLD itself
 * can be lost, see tmux_dead). The wrapper:
 *  - catches (does not ignore: the command gets default dispositions)
 *    INT QUIT TSTP, so Ctrl-C, Ctrl-\ and Ctrl-Z reach the command, which
 *    is in the terminal's foreground process group, and the wrapper outlives
 *    them; it dies of SIGHUP: a hangup signals only the session leader (the
 *    wrapper), whose death sends SIGHUP on to the foreground process group
 *    (the command), as when the command is the session leader itself;
 *  - starts the command from a shell that first puts its own pid in the
 *    pane option @brood_pid, then execs it;
 *  - once the command has ended, puts its status in @brood_status (128+N
 *    for signal N) and keeps the terminal open (cat, until the hangup), so
 *    tmux reads every byte; if the server is gone, it exits with the status.
 */
static const char tmux_wrap_head[] =
    "trap : INT QUIT TSTP; "
    "sh -c 'tmux set-option -p -t \"$TMUX_PANE\" @brood_pid \"$$\" >/dev/null 2>&1; "
    "exec \"$@\"' brood-test-command";
static const char tmux_wrap_tail[] =
    "; s=$?; tmux set-option -p -t \"$TMUX_PANE\" @brood_status \"$s\" >/dev/null 2>&1 "
    "&& exec cat >/dev/null; exit \"$s\"";

/* Append s to the command string in sh single quotes. */
static void
tmux_quote(char **cmd, size_t *len, const char *s)
{
	tmux_append(cmd, len, " '", 2);
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			tmux_append(cmd, len, "'\\''", 4);
		else
			tmux_append(cmd, len, s, 1);
	}
	tmux_append(cmd, len, "'", 1);
}

static void
tmux_at_exit(void)
{
	size_t i;

	for (i = 0; i < sizeof tmux_live / sizeof tmux_live[0]; i++) {
		if (tmux_live[i].live)
			tmux_cleanup(&tmux_live[i].t);
	}
}

static void
tmux_set_live(const struct tmux *t, bool live)
{
	static bool registered;
	size_t i, free_slot = sizeof tmux_live / sizeof tmux_live[0];

	if (!registered) {
		atexit(tmux_at_exit);
		registered = true;
	}
	for (i = 0; i < sizeof tmux_live / sizeof tmux_live[0]; i++) {
		if (tmux_live[i].live && strcmp(tmux_live[i].t.socket, t->socket) == 0) {
			tmux_live[i].t = *t;
			tmux_live[i].t.screen = NULL;
			tmux_live[i].live = live;
			return;
		}
		if (!tmux_live[i].live && free_slot == sizeof tmux_live / sizeof tmux_live[0])
			free_slot = i;
	}
	if (live && free_slot < sizeof tmux_live / sizeof tmux_live[0]) {
		tmux_live[free_slot].t = *t;
		tmux_live[free_slot].t.screen = NULL;
		tmux_live[free_slot].live = true;
	}
}

/* If the test process dies without cleaning up (in fork mode a failed
 * assertion _exits, skipping teardown and atexit; a timeout SIGKILLs it),
 * a job of the server kills the server, then whatever still has the tag,
 * and removes the socket. tmux_finish removing the socket ends it early.
 * The job ignores the SIGTERM the server sends its jobs when it exits, and
 * outlives it; it is untagged: not a survivor. */
static void
tmux_watchdog(struct tmux *t)
{
	static const char script[] =
	    "trap \"\" HUP INT TERM; "
	    "while kill -0 \"$1\" 2>/dev/null && [ -e \"$4\" ]; do sleep 0.5; done; "
	    "[ -e \"$4\" ] || exit 0; "
	    "tmux -L \"$2\" kill-server 2>/dev/null; sleep 0.5; "
	    "for e in $(grep -lzxF \"$3\" /proc/[0-9]*/environ 2>/dev/null); do "
	    "p=${e#/proc/}; kill -9 \"${p%/environ}\" 2>/dev/null; done; "
	    "rm -f \"$4\"";
	char pid[16], tagenv[128], *cmd, *job;
	size_t len, i, j;

	snprintf(pid, sizeof pid, "%d", (int)getpid());
	snprintf(tagenv, sizeof tagenv, "%s=%s", TMUX_TAG, t->tag);
	cmd = xasprintf("exec env -u %s sh -c '%s' brood-test-watchdog", TMUX_TAG, script);
	len = strlen(cmd);
	tmux_quote(&cmd, &len, pid);
	tmux_quote(&cmd, &len, t->socket);
	tmux_quote(&cmd, &len, tagenv);
	tmux_quote(&cmd, &len, t->path);
	/* run-shell expands formats: a '#' is written "##". */
	job = xmalloc(2 * len + 1);
	for (i = j = 0; i < len; i++) {
		if (cmd[i] == '#')
			job[j++] = '#';
		job[j++] = cmd[i];
	}
	job[j] = '\0';
	free(tmux_command(t, "run-shell", "-b", "--", job, NULL));
	free(job);
	free(cmd);
}

void
tmux_start(struct tmux *t, int width, int height, const char *const *argv)
{
	tmux_start_env(t, width, height, NULL, argv);
}

void
tmux_start_env(struct tmux *t, int width, int height, const char *const *env,
    const char *const *argv)
{
	static const char *const options[][2] = {
		{ "status", "off" },
		{ "remain-on-exit", "on" },
		{ "remain-on-exit-format", "" },
		{ "history-limit", "100" },
		{ "default-terminal", "tmux-256color" },
		{ "default-shell", "/bin/sh" },
		{ "set-clipboard", "on" },
	};
	struct tmux_argv a = { .n = 0 };
	char w[16], h[16], tagenv[128], *cmd = xcalloc(1, 1), *out;
	size_t len = 0, i;
	long wrapper_pid, server_pid;
	int path_at = 0;

	memset(t, 0, sizeof *t);
	tu_new_tag(t->tag, sizeof t->tag);
	snprintf(t->socket, sizeof t->socket, "brood-test-%.52s", t->tag);
	t->width = width;
	t->height = height;

	/* One string run by /bin/sh -c, each word of argv quoted: nothing is
	 * split or expanded, and the string never ends in ';'. */
	tmux_append(&cmd, &len, tmux_wrap_head, strlen(tmux_wrap_head));
	for (i = 0; argv[i] != NULL; i++)
		tmux_quote(&cmd, &len, argv[i]);
	tmux_append(&cmd, &len, tmux_wrap_tail, strlen(tmux_wrap_tail));

	/* One client, one command list: the options are set before the pane
	 * exists, so there is no race with the command's first output. */
	for (i = 0; i < sizeof options / sizeof options[0]; i++) {
		tmux_argv_add(&a, "set-option");
		tmux_argv_add(&a, "-g");
		tmux_argv_add(&a, options[i][0]);
		tmux_argv_add(&a, options[i][1]);
		tmux_argv_add(&a, ";");
	}
	snprintf(w, sizeof w, "%d", width);
	snprintf(h, sizeof h, "%d", height);
	snprintf(tagenv, sizeof tagenv, "%s=%s", TMUX_TAG, t->tag);
	tmux_argv_add(&a, "new-session");
	tmux_argv_add(&a, "-d");
	tmux_argv_add(&a, "-P");
	tmux_argv_add(&a, "-F");
	tmux_argv_add(&a, "#{pane_id} #{pane_pid} #{pid} #{socket_path}");
	tmux_argv_add(&a, "-s");
	tmux_argv_add(&a, "test");
	tmux_argv_add(&a, "-x");
	tmux_argv_add(&a, w);
	tmux_argv_add(&a, "-y");
	tmux_argv_add(&a, h);
	tmux_argv_add(&a, "-e");
	tmux_argv_add(&a, "LC_ALL=C.UTF-8");
	tmux_argv_add(&a, "-e");
	tmux_argv_add(&a, tagenv);
	for (i = 0; env != NULL && env[i] != NULL; i++) {
		tmux_argv_add(&a, "-e");
		tmux_argv_add_user(&a, env[i]);
	}
	tmux_argv_add(&a, "--");
	tmux_argv_add(&a, cmd);
	t->running = true;
	tmux_set_live(t, true);
	out = tmux_must(t, &a);
	tmux_argv_free(&a);
	free(cmd);
	ck_assert_msg(sscanf(out, "%15s %ld %ld %n", t->pane, &wrapper_pid, &server_pid,
	    &path_at) == 3 && path_at > 0 && out[path_at] == '/',
	    "tmux new-session printed '%s'", out);
	snprintf(t->path, sizeof t->path, "%.*s", (int)strcspn(out + path_at, "\n"), out + path_at);
	free(out);
	t->wrapper_pid = (pid_t)wrapper_pid;
	t->server_pid = (pid_t)server_pid;
	tmux_set_live(t, true);
	tmux_watchdog(t);
}

char *
tmux_capture(struct tmux *t, bool with_escapes)
{
	char *out;
	int rows = 0;

	if (with_escapes)
		out = tmux_command(t, "capture-pane", "-p", "-e", "-t", t->pane, NULL);
	else
		out = tmux_command(t, "capture-pane", "-p", "-t", t->pane, NULL);
	for (const char *p = out; (p = strchr(p, '\n')) != NULL; p++)
		rows++;
	ck_assert_msg(rows == t->height, "capture has %d rows, not %d:\n%s", rows, t->height, out);
	return out;
}

/* What a wait looks for on the screen. */
struct tmux_match {
	const char *needle;
	regex_t *re;
	bool gone;
};

static bool
tmux_matches(const struct tmux_match *m, const char *screen)
{
	bool found;

	if (m->re != NULL)
		found = regexec(m->re, screen, 0, NULL, 0) == 0;
	else
		found = strstr(screen, m->needle) != NULL;
	return found != m->gone;
}

static bool
tmux_wait(struct tmux *t, const struct tmux_match *m, int timeout_ms)
{
	uint64_t start = util_now_ms();
	struct timespec pause = { 0, TMUX_POLL_MS * 1000000L };

	for (;;) {
		free(t->screen);
		t->screen = tmux_capture(t, false);
		if (tmux_matches(m, t->screen))
			return true;
		if (util_now_ms() - start > (uint64_t)timeout_ms)
			return false;
		nanosleep(&pause, NULL);
	}
}

bool
tmux_wait_text(struct tmux *t, const char *needle, int timeout_ms)
{
	struct tmux_match m = { needle, NULL, false };

	return tmux_wait(t, &m, timeout_ms);
}

bool
tmux_wait_gone(struct tmux *t, const char *needle, int timeout_ms)
{
	struct tmux_match m = { needle, NULL, true };

	return tmux_wait(t, &m, timeout_ms);
}

bool
tmux_wait_regex(struct tmux *t, const char *regex, int timeout_ms)
{
	struct tmux_match m = { regex, NULL, false };
	regex_t re;
	bool ok;

	ck_assert_msg(regcomp(&re, regex, REG_EXTENDED | REG_NEWLINE | REG_NOSUB) == 0,
	    "bad regex '%s'", regex);
	m.re = &re;
	ok = tmux_wait(t, &m, timeout_ms);
	regfree(&re);
	return ok;
}

bool
tmux_wait_dead(struct tmux *t, int *status, int timeout_ms)
{
	uint64_t start = util_now_ms();
	struct timespec pause = { 0, TMUX_POLL_MS * 1000000L };

	while (!tmux_dead(t, status)) {
		if (util_now_ms() - start > (uint64_t)timeout_ms) {
			free(t->screen);
			t->screen = tmux_capture(t, false);
			return false;
		}
		nanosleep(&pause, NULL);
	}
	free(t->screen);
	t->screen = tmux_capture(t, false);
	return true;
}

void
tmux_send_keys(struct tmux *t, const char *key, ...)
{
	struct tmux_argv a = { .n = 0 };
	va_list ap;

	tmux_argv_add(&a, "send-keys");
	tmux_argv_add(&a, "-t");
	tmux_argv_add(&a, t->pane);
	tmux_argv_add(&a, "--");
	va_start(ap, key);
	for (const char *s = key; s != NULL; s = va_arg(ap, const char *))
		tmux_argv_add_user(&a, s);
	va_end(ap);
	free(tmux_must(t, &a));
	tmux_argv_free(&a);
}

void
tmux_send_literal(struct tmux *t, const char *text)
{
	struct tmux_argv a = { .n = 0 };

	if (text[0] == '\0')
		return;
	tmux_argv_add(&a, "send-keys");
	tmux_argv_add(&a, "-l");
	tmux_argv_add(&a, "-t");
	tmux_argv_add(&a, t->pane);
	tmux_argv_add(&a, "--");
	tmux_argv_add_user(&a, text);
	free(tmux_must(t, &a));
	tmux_argv_free(&a);
}

void
tmux_resize(struct tmux *t, int width, int height)
{
	char w[16], h[16], want[40], *got;

	snprintf(w, sizeof w, "%d", width);
	snprintf(h, sizeof h, "%d", height);
	free(tmux_command(t, "resize-window", "-t", t->pane, "-x", w, "-y", h, NULL));
	t->width = width;
	t->height = height;
	got = tmux_display(t, "#{pane_width}x#{pane_height}");
	snprintf(want, sizeof want, "%dx%d", width, height);
	ck_assert_msg(strcmp(got, want) == 0, "resized to %s, the pane is %s", want, got);
	free(got);
}

char *
tmux_display(struct tmux *t, const char *format)
{
	struct tmux_argv a = { .n = 0 };
	char *out;
	size_t len;

	tmux_argv_add(&a, "display-message");
	tmux_argv_add(&a, "-p");
	tmux_argv_add(&a, "-t");
	tmux_argv_add(&a, t->pane);
	tmux_argv_add(&a, "--");
	tmux_argv_add_user(&a, format);
	out = tmux_must(t, &a);
	tmux_argv_free(&a);
	len = strlen(out);
	if (len > 0 && out[len - 1] == '\n')
		out[len - 1] = '\0';
	return out;
}

pid_t
tmux_pane_pid(struct tmux *t)
{
	uint64_t start = util_now_ms();
	struct timespec pause = { 0, TMUX_POLL_MS * 1000000L };
	char *s;
	pid_t pid;

	while ((s = tmux_display(t, "#{@brood_pid}"))[0] == '\0') {
		free(s);
		ck_assert_msg(util_now_ms() - start < 5000, "the command never started");
		nanosleep(&pause, NULL);
	}
	pid = (pid_t)atol(s);
	free(s);
	return pid;
}

/* Split "a:b:c:d" in place into n fields; false if there are fewer. */
static bool
tmux_fields(char *s, char **f, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		f[i] = s;
		s = strchr(s, ':');
		if (s == NULL)
			return i == n - 1;
		*s++ = '\0';
	}
	return true;
}

bool
tmux_dead(struct tmux *t, int *status)
{
	static const char format[] =
	    "#{@brood_status}:#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}";
	char *s = tmux_display(t, format), *f[4];
	bool dead = false;

	ck_assert_msg(tmux_fields(s, f, 4), "%s is '%s'", format, s);
	if (f[0][0] == '\0' && f[1][0] == '1' && f[2][0] == '\0' && f[3][0] == '\0') {
		/* The wrapper itself died (killed) and tmux has not reaped it.
		 * tmux can miss the SIGCHLD altogether (libutempter sets SIGCHLD
		 * to SIG_DFL while it runs its helper, as the pane starts) and
		 * not notice until another child of the server exits: a job
		 * that exits makes the server reap them all. */
		free(tmux_command(t, "run-shell", "true", NULL));
		free(s);
		s = tmux_display(t, format);
		ck_assert_msg(tmux_fields(s, f, 4), "%s is '%s'", format, s);
	}
	if (f[0][0] != '\0') {
		dead = true;
		if (status != NULL)
			*status = atoi(f[0]);
	} else if (f[1][0] == '1' && (f[2][0] != '\0' || f[3][0] != '\0')) {
		dead = true;
		if (status != NULL)
			*status = f[3][0] != '\0' ? 128 + atoi(f[3]) : atoi(f[2]);
	}
	free(s);
	return dead;
}

char *
tmux_command(struct tmux *t, const char *first, ...)
{
	struct tmux_argv a = { .n = 0 };
	va_list ap;
	char *out;

	va_start(ap, first);
	for (const char *s = first; s != NULL; s = va_arg(ap, const char *))
		tmux_argv_add_user(&a, s);
	va_end(ap);
	out = tmux_must(t, &a);
	tmux_argv_free(&a);
	return out;
}

char *
tmux_buffers(struct tmux *t)
{
	return tmux_command(t, "list-buffers", NULL);
}

void
tmux_kill_server(struct tmux *t)
{
	ck_assert_msg(t->running, "tmux_kill_server: the server is not running");
	free(tmux_command(t, "kill-server", NULL));
	t->running = false;
}

bool
tmux_finish(struct tmux *t)
{
	const char *const kill_args[] = { "kill-server", NULL };
	struct timespec pause = { 0, TMUX_POLL_MS * 1000000L };
	uint64_t start = util_now_ms();
	char msg[512];

	if (t->running) {
		/* It may be gone already (the watchdog, a test that killed it). */
		tmux_exec(t->socket, t->tag, kill_args, NULL, NULL);
		t->running = false;
	}
	for (;;) {
		/* A zombie counts as gone: the tmux server is an orphan, and
		 * how soon pid 1 reaps orphans varies (seconds, in some
		 * containers). */
		bool gone = tu_pid_dead(t->server_pid) && tu_pid_dead(t->wrapper_pid) &&
		    tu_survivors(t->tag, msg, sizeof msg) == 0;

		if (gone) {
			/* tmux leaves its socket behind. */
			if (t->path[0] != '\0')
				unlink(t->path);
			tmux_set_live(t, false);
			return true;
		}
		if (util_now_ms() - start > TMUX_FINISH_TIMEOUT_MS)
			return false;
		nanosleep(&pause, NULL);
	}
}

void
tmux_finish_clean(struct tmux *t)
{
	bool done = tmux_finish(t);
	char msg[512];
	size_t n = tu_survivors(t->tag, msg, sizeof msg);

	ck_assert_msg(n == 0, "%zu processes survived: %s", n, msg);
	ck_assert_msg(done, "the tmux server or the wrapper did not end within 10 s");
}

/* SIGKILL every process whose environment holds tag; how many there were. */
static size_t
tmux_kill_tagged(const char *tag)
{
	struct ptree pt = { 0 };
	char value[128];
	size_t i, n = 0;

	ptree_scan(&pt);
	for (i = 0; i < pt.n; i++) {
		pid_t pid = pt.v[i].pid;

		if (pid == getpid() || pt.v[i].state == 'Z')
			continue;
		if (ptree_environ_get(pid, TMUX_TAG, value, sizeof value) &&
		    strcmp(value, tag) == 0) {
			kill(pid, SIGKILL);
			n++;
		}
	}
	ptree_free(&pt);
	return n;
}

void
tmux_cleanup(struct tmux *t)
{
	const char *const kill_args[] = { "kill-server", NULL };
	struct timespec pause = { 0, TMUX_POLL_MS * 1000000L };
	int round;

	if (t->socket[0] != '\0') {
		if (t->running)
			tmux_exec(t->socket, t->tag, kill_args, NULL, NULL);
		t->running = false;
		for (round = 0; round < 50 && tmux_kill_tagged(t->tag) > 0; round++)
			nanosleep(&pause, NULL);
		if (t->path[0] != '\0' && tu_pid_dead(t->server_pid))
			unlink(t->path);
		tmux_set_live(t, false);
	}
	free(t->screen);
	t->screen = NULL;
}

char *
tmux_row(const char *screen, int row)
{
	const char *p = screen, *nl;

	for (; row > 0; row--) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			return NULL;
		p = nl + 1;
	}
	if (*p == '\0')
		return NULL;
	return xstrndup(p, (size_t)(strchrnul(p, '\n') - p));
}

int
tmux_find_row(const char *screen, const char *needle)
{
	const char *hit = strstr(screen, needle), *p;
	int row = 0;

	if (hit == NULL)
		return -1;
	for (p = screen; p < hit; p++)
		row += (*p == '\n');
	return row;
}

char *
tmux_strip(const char *screen)
{
	char *out = xmalloc(strlen(screen) + 1), *o = out;
	const char *p = screen;

	while (*p != '\0') {
		if (p[0] == '\033' && p[1] == '[') {
			/* CSI: parameters and intermediates, then a final byte. */
			p += 2;
			while (*p != '\0' && (*p < 0x40 || *p > 0x7e))
				p++;
			if (*p != '\0')
				p++;
		} else if (p[0] == '\033' && p[1] == ']') {
			/* OSC (a hyperlink, in later tmux): to BEL or ST. */
			p += 2;
			while (*p != '\0' && *p != '\a' && !(p[0] == '\033' && p[1] == '\\'))
				p++;
			if (*p == '\a')
				p++;
			else if (*p != '\0')
				p += 2;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}
