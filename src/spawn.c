/*
 * spawn.c: fork and exec one child, the only place in brood that does.
 *
 * Everything that can fail or allocate happens in the parent before fork:
 * the pipes, /dev/null, the list of paths to try for argv[0]. Between fork
 * and exec the child makes only async-signal-safe calls: setsid, prctl,
 * dup2, sigaction, sigprocmask, chdir, execve. It is forked with every
 * signal blocked and unblocks them only once its dispositions are reset. If it cannot reach exec it
 * writes a struct spawn_failure to the status pipe and exits 127 or 126; the
 * status pipe is close-on-exec, so EOF on it with no data means exec
 * succeeded. brood never confuses a failure to start with the program's own
 * exit status.
 *
 * A program is looked up as execvp does, and like execvp (and every shell)
 * brood runs a text file that has no #! line under /bin/sh rather than
 * failing with ENOEXEC; a binary for another machine still fails. When
 * exec says ENOENT about a file that exists, what is missing is its
 * interpreter: that is reported as such, with the name from the #! line.
 *
 * brood's own limit on open files is raised to the hard limit (four
 * descriptors per child add up), and each child gets the limit brood was
 * given back, so a program that relies on select() is not surprised.
 *
 * Pipes: stdout and stderr get separate pipes (so lines can be tagged), the
 * read ends nonblocking (the loop drains them), the write ends blocking (a
 * child must not see EAGAIN on its own stdout), and their capacity raised
 * to 1 MiB where the system allows, so a burst never stalls the child while
 * brood is busy elsewhere.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"
#include "status.h"
#include "util.h"

#define SPAWN_PIPE_SIZE (1 << 20)
#define SPAWN_NOFILE_MAX 65536   /* brood's own limit never goes past this */
#define SPAWN_TEXT_PROBE 80      /* bytes read to tell a script from a binary */

/* The soft limit on open files brood was started with, if it was raised. */
static struct rlimit spawn_nofile_orig;
static bool spawn_nofile_raised;

void
spawn_init(void)
{
	struct rlimit rl;
	rlim_t want;

	if (spawn_nofile_raised || getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > SPAWN_NOFILE_MAX ?
	    SPAWN_NOFILE_MAX : rl.rlim_max;
	if (rl.rlim_cur >= want)
		return;
	spawn_nofile_orig = rl;
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		spawn_nofile_raised = true;
}

/* Paths to try for argv[0], as execvp would, computed before fork because
 * execvp may allocate. */
static char **
spawn_candidates(const char *file, char *const *envp)
{
	const char *path = NULL, *p, *end;
	char **list;
	size_t n = 0, i;

	if (strchr(file, '/') != NULL) {
		list = xcalloc(2, sizeof *list);
		list[0] = xstrdup(file);
		return list;
	}
	for (i = 0; envp[i] != NULL; i++) {
		if (strncmp(envp[i], "PATH=", 5) == 0)
			path = envp[i] + 5;
	}
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path, n = 1; *p != '\0'; p++)
		n += (*p == ':');
	list = xcalloc(n + 1, sizeof *list);
	n = 0;
	for (p = path;; p = end + 1) {
		end = strchrnul(p, ':');
		if (end == p)
			list[n++] = xasprintf("./%s", file);
		else
			list[n++] = xasprintf("%.*s/%s", (int)(end - p), p, file);
		if (*end == '\0')
			break;
	}
	return list;
}

static void
spawn_free_list(char **list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

/* Report a failure to the parent (with a detail, or NULL) and exit as a
 * shell would. */
static void __attribute__((noreturn))
spawn_child_fail_detail(int fd, int stage, int err, const char *detail)
{
	struct spawn_failure f = { .stage = stage, .err = err };
	ssize_t unused;
	size_t i;

	for (i = 0; detail != NULL && detail[i] != '\0' && i < sizeof f.detail - 1; i++)
		f.detail[i] = detail[i];
	unused = write(fd, &f, sizeof f);
	(void)unused;
	_exit(status_failure_code(stage, err));
}

static void __attribute__((noreturn))
spawn_child_fail(int fd, int stage, int err)
{
	spawn_child_fail_detail(fd, stage, err, NULL);
}

/* Read the start of a file into buf (async-signal-safe); bytes read, or -1. */
static ssize_t
spawn_child_peek(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd == -1)
		return -1;
	n = read(fd, buf, len);
	close(fd);
	return n;
}

/* Whether a file exec refused (ENOEXEC) is a script without #!, which a
 * shell would run: text, as bash tells it (no NUL before the first newline
 * in the first 80 bytes), and not an executable for another machine. */
static bool
spawn_child_is_text(const char *path)
{
	char buf[SPAWN_TEXT_PROBE];
	ssize_t n = spawn_child_peek(path, buf, sizeof buf), i;

	if (n < 0)
		return false;
	if (n >= 4 && buf[0] == 0x7f && buf[1] == 'E' && buf[2] == 'L' && buf[3] == 'F')
		return false;
	for (i = 0; i < n && buf[i] != '\n'; i++) {
		if (buf[i] == '\0')
			return false;
	}
	return true;
}

/* The interpreter a #! line names, for the message; printable ASCII only
 * (the file is anyone's), "" if there is no #! line. */
static void
spawn_child_interpreter(const char *path, char *out, size_t len)
{
	char buf[128];
	ssize_t n = spawn_child_peek(path, buf, sizeof buf), i = 2;
	size_t k = 0;

	out[0] = '\0';
	if (n < 2 || buf[0] != '#' || buf[1] != '!')
		return;
	while (i < n && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	for (; i < n && k < len - 1; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0')
			break;
		out[k++] = c > 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[k] = '\0';
}

/* Mark every fd above 2 close-on-exec (the status pipe must stay open until
 * exec). close_range is one call; the fallback walks the fd table with
 * fcntl, which is async-signal-safe where opendir is not. */
static void
spawn_child_cloexec_all(void)
{
	struct rlimit rl;
	int fd, max = 1024;

	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max = rl.rlim_cur > 65536 ? 65536 : (int)rl.rlim_cur;
	for (fd = 3; fd < max; fd++) {
		int fl = fcntl(fd, F_GETFD);

		if (fl != -1 && !(fl & FD_CLOEXEC))
			fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	}
}

/* The child's 0, 1 and 2: the only fds that survive exec, whatever brood
 * itself inherited. */
static int
spawn_child_stdio(int in, int out, int err)
{
	spawn_child_cloexec_all();
	/* dup2 clears close-on-exec on the copies; everything else keeps it. */
	/* check-source: allow dup2: the child's 0, 1 and 2 must survive exec */
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(err, 2) == -1)
		return -1;
	return 0;
}

/* fork with every signal blocked, and the parent's mask back after, as
 * posix_spawn does: until the child has reset its dispositions, a signal
 * would run the parent's handler in the child (the dashboard's fatal
 * handler restores the terminal and kills every child's group). */
pid_t
spawn_fork(void)
{
	sigset_t all, old;
	pid_t pid;
	int saved;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	saved = errno;
	if (pid != 0)
		sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return pid;
}

/* Default dispositions and an empty mask (spawn_fork blocked everything;
 * brood blocks the signals it reads through its signalfd): a child must
 * not inherit either. */
void
spawn_child_reset_signals(void)
{
	struct sigaction sa;
	sigset_t none;
	int sig;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < _NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* In the child: give back the limit on open files brood was started with,
 * since programs that use select() break above 1024 fds. */
static int
spawn_child_nofile(void)
{
	return spawn_nofile_raised ? setrlimit(RLIMIT_NOFILE, &spawn_nofile_orig) : 0;
}

/* Resource limits and priority, in the child (setrlimit and setpriority
 * are plain system calls). */
static int
spawn_child_limits(const struct spawn_spec *spec)
{
	const struct proc_limits *lim = spec->limits;
	const struct { int res; int64_t v; } set[] = {
		{ RLIMIT_CPU, lim != NULL ? lim->cpu_s : -1 },
		{ RLIMIT_AS, lim != NULL ? lim->as_bytes : -1 },
		{ RLIMIT_NOFILE, lim != NULL ? lim->nofile : -1 },
		{ RLIMIT_CORE, lim != NULL ? lim->core_bytes : -1 },
	};
	size_t i;

	if (spawn_child_nofile() == -1)
		return -1;
	for (i = 0; i < sizeof set / sizeof set[0]; i++) {
		struct rlimit rl;

		if (set[i].v < 0)
			continue;
		/* The soft limit; the hard one only moves when it is in the way
		 * (root may raise it, anyone may lower it). */
		if (getrlimit(set[i].res, &rl) == -1)
			return -1;
		rl.rlim_cur = (rlim_t)set[i].v;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(set[i].res, &rl) == -1)
			return -1;
	}
	if (spec->nice_set && setpriority(PRIO_PROCESS, 0, spec->nice) == -1)
		return -1;
	return 0;
}

/* In the child, after fork: async-signal-safe calls only. sh_argv is
 * { "/bin/sh", <slot for the script>, argv[1], ... }. */
static void __attribute__((noreturn))
spawn_child_run(const struct spawn_spec *spec, char **paths, char **sh_argv,
    int devnull, int out_w, int err_w, int status_w, pid_t parent)
{
	int err = ENOENT, i;

	spawn_child_reset_signals();
	if (setsid() == -1)
		spawn_child_fail(status_w, STATUS_STAGE_SETUP, errno);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		spawn_child_fail(status_w, STATUS_STAGE_SETUP, errno);
	if (getppid() != parent) /* brood died before prctl took effect */
		_exit(127);

	if (spawn_child_stdio(devnull, out_w, err_w) == -1)
		spawn_child_fail(status_w, STATUS_STAGE_SETUP, errno);

	if (spawn_child_limits(spec) == -1)
		spawn_child_fail(status_w, STATUS_STAGE_LIMITS, errno);
	/* The group first: after setuid there is no right left to change it. */
	if (spec->gid != (gid_t)-1 && (setgroups(0, NULL) == -1 || setgid(spec->gid) == -1))
		spawn_child_fail(status_w, STATUS_STAGE_USER, errno);
	if (spec->uid != (uid_t)-1 && setuid(spec->uid) == -1)
		spawn_child_fail(status_w, STATUS_STAGE_USER, errno);

	if (spec->cwd != NULL && chdir(spec->cwd) == -1)
		spawn_child_fail(status_w, STATUS_STAGE_CHDIR, errno);

	for (i = 0; paths[i] != NULL; i++) {
		int e;

		execve(paths[i], spec->argv, spec->envp);
		e = errno;
		if (e == ENOEXEC && spawn_child_is_text(paths[i])) {
			sh_argv[1] = paths[i];
			execve(sh_argv[0], sh_argv, spec->envp);
			e = ENOEXEC;
		}
		if (e == ENOENT && access(paths[i], F_OK) == 0) {
			char interp[sizeof ((struct spawn_failure *)NULL)->detail];

			spawn_child_interpreter(paths[i], interp, sizeof interp);
			spawn_child_fail_detail(status_w, STATUS_STAGE_INTERP, ENOENT, interp);
		}
		/* Like execvp: remember a more telling error than ENOENT. */
		if (e != ENOENT && e != ENOTDIR)
			err = e;
		if (e == ENOEXEC || e == E2BIG || e == ENOMEM || e == ETXTBSY)
			break;
	}
	spawn_child_fail(status_w, STATUS_STAGE_EXEC, err);
}

int
spawn_start(const struct spawn_spec *spec, struct spawn_child *child, char **cause)
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, st[2] = { -1, -1 };
	int devnull = -1, saved;
	char **paths, **sh_argv;
	size_t argc, i;
	pid_t pid, parent = getpid();

	child->fail_stage = STATUS_STAGE_EXEC;
	if (spec->argv == NULL || spec->argv[0] == NULL || spec->argv[0][0] == '\0') {
		*cause = xstrdup("empty command");
		return -1;
	}
	child->fail_stage = STATUS_STAGE_PIPE;
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull == -1 || pipe2(out, O_CLOEXEC) == -1 ||
	    pipe2(err, O_CLOEXEC) == -1 || pipe2(st, O_CLOEXEC) == -1) {
		saved = errno;
		goto fail;
	}
	/* Best effort: a smaller pipe is slower, not wrong. */
	fcntl(out[1], F_SETPIPE_SZ, SPAWN_PIPE_SIZE);
	fcntl(err[1], F_SETPIPE_SZ, SPAWN_PIPE_SIZE);

	paths = spawn_candidates(spec->argv[0], spec->envp);
	for (argc = 0; spec->argv[argc] != NULL; argc++)
		;
	sh_argv = xcalloc(argc + 2, sizeof *sh_argv);
	sh_argv[0] = (char *)"/bin/sh";
	for (i = 1; i < argc; i++)
		sh_argv[i + 1] = spec->argv[i];
	pid = spawn_fork();
	if (pid == 0)
		spawn_child_run(spec, paths, sh_argv, devnull, out[1], err[1], st[1], parent);
	saved = errno;
	spawn_free_list(paths);
	free(sh_argv);
	if (pid == -1) {
		child->fail_stage = STATUS_STAGE_FORK;
		goto fail;
	}

	close(devnull);
	close(out[1]);
	close(err[1]);
	close(st[1]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	fcntl(st[0], F_SETFL, O_NONBLOCK);

	child->pid = pid;
	child->out_fd = out[0];
	child->err_fd = err[0];
	child->status_fd = st[0];
#ifdef SYS_pidfd_open
	child->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (child->pidfd != -1)
		fcntl(child->pidfd, F_SETFD, FD_CLOEXEC);
#else
	child->pidfd = -1;
#endif
	return 0;

fail:
	if (devnull != -1)
		close(devnull);
	for (i = 0; i < 2; i++) {
		if (out[i] != -1)
			close(out[i]);
		if (err[i] != -1)
			close(err[i]);
		if (st[i] != -1)
			close(st[i]);
	}
	*cause = xasprintf("cannot start: %s", strerror(saved));
	errno = saved;
	return -1;
}

pid_t
spawn_probe(const char *cmd, char *const *envp, const char *cwd)
{
	char *const argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)cmd, NULL };
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	pid_t parent = getpid(), pid;

	if (devnull == -1)
		return -1;
	pid = spawn_fork();
	if (pid == 0) {
		spawn_child_reset_signals();
		setsid();
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		spawn_child_nofile();
		if (spawn_child_stdio(devnull, devnull, devnull) == -1 ||
		    (cwd != NULL && chdir(cwd) == -1))
			_exit(127);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	close(devnull);
	return pid;
}

int
spawn_check(int status_fd, struct spawn_failure *failure)
{
	struct spawn_failure f;
	ssize_t n;

	do
		n = read(status_fd, &f, sizeof f);
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)sizeof f) {
		*failure = f;
		return 0;
	}
	if (n == 0)
		return 1;
	if (n == -1 && errno == EAGAIN)
		return -1;
	/* A short read or an error: the child died in an odd way before exec. */
	failure->stage = STATUS_STAGE_SETUP;
	failure->err = n == -1 ? errno : EIO;
	failure->detail[0] = '\0';
	return 0;
}
