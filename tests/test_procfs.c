/*
 * test_procfs.c: the /proc files brood reads by hand. The stat parser gets
 * the lines the kernel writes, and the names and cuts a hostile or broken
 * line can have; the descriptor calls get this process and a child.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procfs.h"
#include "testutil.h"

/* A stat line as Linux 6 writes it: 52 fields. */
#define STAT_TAIL "S 1 1234 1200 34816 1234 4194560 100 7 2 1 5 7 3 4 20 0 3 0 " \
	"8888 1048576 200 18446744073709551615 1 1 0 0 0 0 65536 4 65538 1 0 0 17 1 0 0 0 " \
	"0 0 0 0 0 0 0 0 0"

static void
check_fields(const struct sample_proc *e)
{
	ck_assert_int_eq(e->state, 'S');
	ck_assert_int_eq(e->ppid, 1);
	ck_assert_int_eq(e->pgid, 1234);
	ck_assert_int_eq(e->sid, 1200);
	ck_assert_uint_eq(e->faults, 100 + 2);     /* minor and major, not the children's */
	ck_assert_uint_eq(e->ticks, 5 + 7);        /* user and system, not the children's */
	ck_assert_int_eq(e->threads, 3);
	ck_assert_uint_eq(e->start, 8888);
	ck_assert_uint_eq(e->vsz_kib, 1024);
}

START_TEST(test_stat_line)
{
	struct sample_proc e;

	memset(&e, 0, sizeof e);
	ck_assert_int_eq(procfs_stat_parse("1234 (sh) " STAT_TAIL "\n", &e), 0);
	check_fields(&e);
}
END_TEST

/* The name is whatever the process set: parentheses, spaces, digits, a
 * newline, a whole fake stat line. Only what follows the last ')' counts. */
START_TEST(test_hostile_names)
{
	static const char *const names[] = {
		"x) R 1 1 (y", ")", "((", "a b c", "9 9 9", "line\nbreak", ") Z 0 0 0 0 0",
		"", "x)", NULL,
	};
	struct sample_proc e;
	char line[1024];
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		memset(&e, 0, sizeof e);
		snprintf(line, sizeof line, "77 (%s) " STAT_TAIL "\n", names[i]);
		ck_assert_msg(procfs_stat_parse(line, &e) == 0, "name '%s'", names[i]);
		check_fields(&e);
	}
}
END_TEST

/* Negative fields (tpgid -1, a negative nice) are read as such and do not
 * shift the others. */
START_TEST(test_negative_fields)
{
	struct sample_proc e;

	memset(&e, 0, sizeof e);
	ck_assert_int_eq(procfs_stat_parse("5 (k) I 2 0 0 0 -1 69238880 0 0 0 0 0 0 0 0 0 -20 1 0 "
	    "9 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 "
	    "0 0 0", &e), 0);
	ck_assert_int_eq(e.state, 'I');
	ck_assert_int_eq(e.ppid, 2);
	ck_assert_int_eq(e.threads, 1);
	ck_assert_uint_eq(e.start, 9);
	ck_assert_uint_eq(e.vsz_kib, 0);
}
END_TEST

/* What is not a stat line is refused, not read as zeros. */
START_TEST(test_broken_lines)
{
	static const char *const bad[] = {
		"",
		"1234 sh S 1 2 3",
		"1234 (sh)",
		"1234 (sh) ",
		"1234 (sh)S 1 1234 1200 34816 1234 4194560 100 7 2 1 5 7 3 4 20 0 3 0 8888 1048576",
		"1234 (sh) S 1 1234 1200 34816 1234 4194560 100 7 2 1 5 7 3 4 20 0 3 0 8888",
		"1234 (sh) S 1 1234 x 34816 1234 4194560 100 7 2 1 5 7 3 4 20 0 3 0 8888 1048576",
		"1234 (sh) S 1  1234 1200 34816 1234 4194560 100 7 2 1 5 7 3 4 20 0 3 0 8888 1",
		"1234 (sh) S 1 1234 1200 34816 1234 4194560 100 7 2 1 5 7 3 4 20 0 3 0 8888 -",
		NULL,
	};
	struct sample_proc e;
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		memset(&e, 0, sizeof e);
		ck_assert_msg(procfs_stat_parse(bad[i], &e) == -1, "accepted '%s'", bad[i]);
	}
}
END_TEST

/* The last field needed (vsize, the 23rd) may end the line: a kernel with
 * fewer fields than today's still parses. */
START_TEST(test_short_but_whole)
{
	struct sample_proc e;

	memset(&e, 0, sizeof e);
	ck_assert_int_eq(procfs_stat_parse("1234 (sh) S 1 1234 1200 34816 1234 4194560 100 7 2 1 "
	    "5 7 3 4 20 0 3 0 8888 1048576", &e), 0);
	check_fields(&e);
}
END_TEST

/* A descriptor opens only on the process that started at the given time,
 * reads it again and again, and fails once that process is reaped. */
START_TEST(test_descriptor)
{
	struct sample_proc self, again;
	int proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;
	char path[64], line[1024];
	ssize_t n;
	pid_t kid;
	int f;

	ck_assert_int_ge(proc_fd, 0);
	snprintf(path, sizeof path, "/proc/%d/stat", (int)getpid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	n = read(fd, line, sizeof line - 1);
	ck_assert_int_gt(n, 0);
	line[n] = '\0';
	close(fd);
	memset(&self, 0, sizeof self);
	ck_assert_int_eq(procfs_stat_parse(line, &self), 0);
	ck_assert_int_eq(procfs_stat_open(proc_fd, getpid(), self.start + 1), -1);
	fd = procfs_stat_open(proc_fd, getpid(), self.start);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	memset(&again, 0, sizeof again);
	ck_assert_int_eq(procfs_stat_pread(fd, &again), 0);
	ck_assert_int_eq(procfs_stat_pread(fd, &again), 0);
	ck_assert_uint_eq(again.start, self.start);
	ck_assert_int_eq(again.ppid, getppid());
	ck_assert_int_eq(again.state, 'R');
	close(fd);

	kid = fork();
	ck_assert_int_ne(kid, -1);
	if (kid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	memset(&again, 0, sizeof again);
	fd = -1;
	for (n = 0; n < 500 && fd == -1; n++) {
		/* Its start time, from its own line, then the descriptor. */
		snprintf(path, sizeof path, "/proc/%d/stat", (int)kid);
		f = open(path, O_RDONLY | O_CLOEXEC);
		ck_assert_int_ge(f, 0);
		ck_assert_int_eq(procfs_stat_pread(f, &again), 0);
		close(f);
		fd = procfs_stat_open(proc_fd, kid, again.start);
	}
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_gt(procfs_rss_kib(proc_fd, kid, 4), 0);
	kill(kid, SIGKILL);
	ck_assert_int_eq(procfs_stat_pread(fd, &again), 0); /* a zombie still reads */
	waitpid(kid, NULL, 0);
	errno = 0;
	ck_assert_int_eq(procfs_stat_pread(fd, &again), -1);
	ck_assert_int_eq(errno, ESRCH);
	ck_assert_uint_eq(procfs_rss_kib(proc_fd, kid, 4), 0);
	ck_assert_int_eq(procfs_stat_open(proc_fd, kid, again.start), -1);
	close(fd);
	close(proc_fd);
}
END_TEST

START_TEST(test_cmdline_gone)
{
	ck_assert_ptr_null(procfs_cmdline(-1, 100));
	ck_assert_ptr_null(procfs_cmdline(0, 100));
}
END_TEST

int
main(void)
{
	TCase *tc;
	Suite *s = tu_suite("procfs", &tc, NULL, NULL, 30);

	tcase_add_test(tc, test_stat_line);
	tcase_add_test(tc, test_hostile_names);
	tcase_add_test(tc, test_negative_fields);
	tcase_add_test(tc, test_broken_lines);
	tcase_add_test(tc, test_short_but_whole);
	tcase_add_test(tc, test_descriptor);
	tcase_add_test(tc, test_cmdline_gone);
	return tu_run_suite(s);
}
