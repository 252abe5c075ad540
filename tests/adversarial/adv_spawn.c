/*
 * adv_spawn.c: commands that cannot start, and a brood that cannot start
 * them: missing programs and interpreters, files that are not programs,
 * a bad working directory, an argument list over the kernel's limit, fork
 * refused by RLIMIT_NPROC, descriptors exhausted. Each one must say why
 * in its own line, the others must run, and brood must finish cleanly
 * with nothing left behind.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static struct tu_proc tp;

static void
teardown(void)
{
	tu_free(&tp);
}

/* Write text to a new file of that mode; its name goes to path. */
static void
make_file(char *path, size_t len, const char *what, const char *text, size_t n, mode_t mode)
{
	int fd;

	tu_tmpname(path, len, what);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
	close(fd);
	chmod(path, mode);
}

START_TEST(test_missing_command)
{
	/* A plain command runs directly, so the missing program is named as
	 * such; shell syntax leaves the message to the shell. */
	ck_assert_int_eq(tu_run(&tp, "--no-summary", "-n", "abs,path,shell,ok",
	    "/nonexistent/brood-no-such-program --flag", "brood-no-such-program-xyz arg",
	    "brood-no-such-program-xyz | cat; exit 127", tu_h(0, "echo still-here"), NULL), 127);
	tu_assert_line(&tp, "abs   | exec failed: No such file or directory");
	tu_assert_line(&tp, "path  | exec failed: No such file or directory");
	tu_assert_line(&tp, "shell | exited 127");
	ck_assert_msg(strstr(tp.out, "shell ! ") != NULL && strstr(tp.out, "not found") != NULL,
	    "the shell's message is missing:\n%s", tp.out);
	tu_assert_line(&tp, "ok    | still-here");
	tu_assert_line(&tp, "ok    | exited 0");
}
END_TEST

START_TEST(test_not_executable)
{
	char file[256], dir[256];

	make_file(file, sizeof file, "noexec", "echo never\n", 11, 0644);
	tu_tmpname(dir, sizeof dir, "dir");
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(tu_run(&tp, "--no-summary", "-n", "file,dir", file, dir, NULL), 126);
	tu_assert_line(&tp, "file | exec failed: Permission denied");
	tu_assert_line(&tp, "dir  | exec failed: Permission denied");
	unlink(file);
	rmdir(dir);
}
END_TEST

START_TEST(test_no_shebang)
{
	static const char script[] = "echo \"script ran as $0 with $1\"\nexit 3\n";
	static const char junk[] = "\x01\x02\x00\x03 not a program\n";
	char file[256], bin[256], line[600], run[300];

	/* A text file without #! runs under /bin/sh, as a shell (and execvp)
	 * would run it; a binary one is refused with the kernel's reason. */
	make_file(file, sizeof file, "noshebang", script, sizeof script - 1, 0755);
	make_file(bin, sizeof bin, "junk", junk, sizeof junk - 1, 0755);
	snprintf(run, sizeof run, "%s first", file);
	ck_assert_int_eq(tu_run(&tp, "--no-summary", "-n", "script", run, NULL), 3);
	snprintf(line, sizeof line, "script | script ran as %s with first", file);
	tu_assert_line(&tp, line);
	tu_assert_line(&tp, "script | exited 3");
	ck_assert_int_eq(tu_run(&tp, "--no-summary", "-n", "junk", bin, NULL), 126);
	tu_assert_line(&tp, "junk | exec failed: Exec format error");
	unlink(file);
	unlink(bin);
}
END_TEST

START_TEST(test_missing_interpreter)
{
	static const char script[] = "#!/nonexistent/brood-interp -x\necho never\n";
	static const char evil[] = "#!/nonexistent/\033]0;PWNED\007\n";
	char file[256], file2[256];

	/* exec says ENOENT, but the program is there: its interpreter is not. */
	make_file(file, sizeof file, "interp", script, sizeof script - 1, 0755);
	make_file(file2, sizeof file2, "interp2", evil, sizeof evil - 1, 0755);
	ck_assert_int_eq(tu_run(&tp, "--no-summary", "-n", "bad,evil", file, file2, NULL), 126);
	tu_assert_line(&tp, "bad  | exec failed: bad interpreter '/nonexistent/brood-interp': "
	    "No such file or directory");
	/* The #! line is anyone's text: shown with its controls made harmless. */
	tu_assert_line(&tp, "evil | exec failed: bad interpreter '/nonexistent/?]0;PWNED?': "
	    "No such file or directory");
	ck_assert_ptr_null(memchr(tp.out, '\033', tp.out_len));
	unlink(file);
	unlink(file2);
}
END_TEST

START_TEST(test_bad_cwd)
{
	char file[256];

	make_file(file, sizeof file, "notdir", "", 0, 0644);
	ck_assert_int_eq(tu_run(&tp, "--no-summary", "--cwd", "/nonexistent/brood-dir", "-n", "c",
	    tu_h(0, "echo never"), NULL), 127);
	tu_assert_line(&tp, "c | chdir failed: No such file or directory");
	ck_assert_int_eq(tu_run(&tp, "--no-summary", "--cwd", file, "-n", "c",
	    tu_h(0, "echo never"), NULL), 127);
	tu_assert_line(&tp, "c | chdir failed: Not a directory");
	ck_assert_ptr_null(strstr(tp.out, "never"));
	unlink(file);
}
END_TEST

START_TEST(test_argument_list_too_long)
{
	char dir[256], path[300];
	size_t big = 200000, n;
	char *yaml = malloc(big + 4096);
	FILE *f;

	/* One argument over the kernel's 128 KiB per string: E2BIG from exec,
	 * reported, while the other process runs. */
	tu_tmpname(dir, sizeof dir, "e2big");
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	n = (size_t)sprintf(yaml, "processes:\n  big:\n    cmd: %s echo ", tu_helper());
	memset(yaml + n, 'a', big);
	n += big;
	n += (size_t)sprintf(yaml + n, "\n  small:\n    cmd: %s echo fine\n", tu_helper());
	snprintf(path, sizeof path, "%s/brood.yaml", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fwrite(yaml, 1, n, f);
	fclose(f);
	free(yaml);
	ck_assert_int_eq(tu_run(&tp, "--no-summary", "-c", path, NULL), 126);
	tu_assert_line(&tp, "big   | exec failed: Argument list too long");
	tu_assert_line(&tp, "small | fine");
	tu_assert_line(&tp, "small | exited 0");
	unlink(path);
	rmdir(dir);
}
END_TEST

/* A uid no other process uses, so RLIMIT_NPROC counts brood's alone. */
static uid_t
lonely_uid(void)
{
	return (uid_t)(61000 + getpid() % 3000);
}

/* Whether uid can run brood and the helper from where they are built. */
static bool
uid_can_run(uid_t uid)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		if (setgid((gid_t)uid) == -1 || setuid(uid) == -1)
			_exit(1);
		_exit(access(tu_brood(), X_OK) == 0 && access(tu_helper(), X_OK) == 0 ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Run brood under o on first (if not NULL) and n copies of "helper sleep 1",
 * to the end; it must finish, leave nothing behind and exit normally. */
static void
run_many(const struct tu_opts *o, const char *first, size_t n)
{
	const char *argv[256];
	size_t k = 0, i;

	argv[k++] = tu_brood();
	argv[k++] = "--no-summary";
	if (first != NULL) {
		argv[k++] = "-n";
		argv[k++] = "first";
		argv[k++] = first;
	}
	for (i = 0; i < n && k < sizeof argv / sizeof argv[0] - 1; i++)
		argv[k++] = tu_h(0, "sleep 1");
	argv[k] = NULL;
	tu_start_opts(&tp, argv, o);
	ck_assert_msg(tu_finish(&tp, 30000), "brood hung:\n%s", tp.out);
	tu_assert_no_survivors(&tp);
	ck_assert_msg(WIFEXITED(tp.status), "brood died by signal %d", WTERMSIG(tp.status));
}

/* The children that failed with the message, and those that ran: all of
 * them, some of each. */
static void
assert_some_failed(const char *message, size_t n)
{
	size_t failed = tu_count_suffix(tp.out, message), ran = tu_count_suffix(tp.out, "| exited 0");

	ck_assert_msg(failed >= 1 && ran >= 1 && failed + ran == n,
	    "%zu with '%s', %zu ran:\n%s\nstderr:\n%s", failed, message, ran, tp.out, tp.err);
	ck_assert_int_eq(WEXITSTATUS(tp.status), 126);
}

START_TEST(test_fork_fails_nproc)
{
	struct tu_opts o = { .nproc = 6, .uid = lonely_uid() };

	/* RLIMIT_NPROC binds nobody with CAP_SYS_RESOURCE (root): run brood
	 * as a user of its own, with room for itself and five children. */
	if (geteuid() != 0 || !uid_can_run(o.uid)) {
		fprintf(stderr, "skipped: needs root, and a build that uid %d can run\n", (int)o.uid);
		return;
	}
#ifdef __SANITIZE_ADDRESS__
	/* LeakSanitizer needs a thread of its own at exit, which the limit
	 * refuses while the others run. */
	setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
#endif
	run_many(&o, NULL, 10);
	assert_some_failed("| fork failed: Resource temporarily unavailable", 10);
}
END_TEST

START_TEST(test_fds_exhausted)
{
	struct tu_opts o = { .nofile = 64 };

	/* 64 descriptors and 40 children at four each: those that cannot get
	 * their pipes say so, the others run to the end. */
	run_many(&o, NULL, 40);
	assert_some_failed("| cannot make its pipes: Too many open files", 40);
	ck_assert_msg(tu_count_suffix(tp.out, "| exited 0") >= 5, "%s", tp.out);
}
END_TEST

START_TEST(test_low_soft_fd_limit)
{
	struct tu_opts o = { .nofile_soft = 256 };

	/* A soft limit of 256 (a hard one far above, as most systems give):
	 * 200 children need 800 descriptors in brood, so brood raises its own
	 * limit, and each child still gets the 256 brood was given. */
	run_many(&o, "ulimit -n; sleep 1", 199);
	ck_assert_int_eq(WEXITSTATUS(tp.status), 0);
	ck_assert_uint_eq(tu_count_lines(tp.out, "first      | 256"), 1);
	ck_assert_uint_eq(tu_count_suffix(tp.out, "| exited 0"), 200);
}
END_TEST

int
main(void)
{
	TCase *tc;
	Suite *s = tu_suite("adv_spawn", &tc, NULL, teardown, 60);

	tcase_add_test(tc, test_missing_command);
	tcase_add_test(tc, test_not_executable);
	tcase_add_test(tc, test_no_shebang);
	tcase_add_test(tc, test_missing_interpreter);
	tcase_add_test(tc, test_bad_cwd);
	tcase_add_test(tc, test_argument_list_too_long);
	tcase_add_test(tc, test_fork_fails_nproc);
	tcase_add_test(tc, test_fds_exhausted);
	tcase_add_test(tc, test_low_soft_fd_limit);
	return tu_run_suite(s);
}
