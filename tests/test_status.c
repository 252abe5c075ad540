/* test_status.c: exit statuses and signal names as people read them. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

/* Build a wait status the way the kernel does. */
#define W_EXIT(code) (((code) & 0xff) << 8)
#define W_SIG(sig, core) ((sig) | ((core) ? 0x80 : 0))
#define W_STOP(sig) ((((sig) & 0xff) << 8) | 0x7f)

static const char *
describe(int w)
{
	static char buf[128];

	status_describe(w, buf, sizeof buf);
	return buf;
}

START_TEST(test_exits)
{
	ck_assert_str_eq(describe(W_EXIT(0)), "exited 0");
	ck_assert_str_eq(describe(W_EXIT(3)), "exited 3");
	ck_assert_str_eq(describe(W_EXIT(255)), "exited 255");
	ck_assert_int_eq(status_code(W_EXIT(3)), 3);
}
END_TEST

START_TEST(test_signals)
{
	ck_assert_str_eq(describe(W_SIG(SIGSEGV, 1)), "killed by SIGSEGV (core dumped)");
	ck_assert_str_eq(describe(W_SIG(SIGKILL, 0)), "killed by SIGKILL");
	ck_assert_str_eq(describe(W_SIG(SIGTERM, 0)), "killed by SIGTERM");
	ck_assert_str_eq(describe(W_STOP(SIGTSTP)), "stopped by SIGTSTP");
	ck_assert_str_eq(describe(0xffff), "continued");
	ck_assert_int_eq(status_code(W_SIG(SIGKILL, 0)), 137);
	ck_assert_int_eq(status_code(W_SIG(SIGINT, 0)), 130);
}
END_TEST

START_TEST(test_failures)
{
	char buf[128];

	status_describe_failure(STATUS_STAGE_EXEC, ENOENT, buf, sizeof buf);
	ck_assert_str_eq(buf, "exec failed: No such file or directory");
	status_describe_failure(STATUS_STAGE_EXEC, EACCES, buf, sizeof buf);
	ck_assert_str_eq(buf, "exec failed: Permission denied");
	status_describe_failure(STATUS_STAGE_CHDIR, ENOENT, buf, sizeof buf);
	ck_assert_str_eq(buf, "chdir failed: No such file or directory");
	ck_assert_int_eq(status_failure_code(STATUS_STAGE_EXEC, ENOENT), 127);
	ck_assert_int_eq(status_failure_code(STATUS_STAGE_EXEC, EACCES), 126);
	ck_assert_int_eq(status_failure_code(STATUS_STAGE_CHDIR, ENOENT), 127);
	/* Failures in brood itself, and a program whose interpreter is missing
	 * (found, so 126 as bash says, not 127). */
	status_describe_failure(STATUS_STAGE_FORK, EAGAIN, buf, sizeof buf);
	ck_assert_str_eq(buf, "fork failed: Resource temporarily unavailable");
	status_describe_failure(STATUS_STAGE_PIPE, EMFILE, buf, sizeof buf);
	ck_assert_str_eq(buf, "cannot make its pipes: Too many open files");
	status_describe_failure(STATUS_STAGE_INTERP, ENOENT, buf, sizeof buf);
	ck_assert_str_eq(buf, "exec failed: bad interpreter: No such file or directory");
	ck_assert_int_eq(status_failure_code(STATUS_STAGE_INTERP, ENOENT), 126);
	ck_assert_int_eq(status_failure_code(STATUS_STAGE_FORK, EAGAIN), 126);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(status_signame(SIGTERM), "SIGTERM");
	ck_assert_str_eq(status_signame(SIGRTMIN), "SIGRTMIN");
	ck_assert_str_eq(status_signame(SIGRTMIN + 3), "SIGRTMIN+3");
	ck_assert_int_eq(status_signum("TERM"), SIGTERM);
	ck_assert_int_eq(status_signum("SIGTERM"), SIGTERM);
	ck_assert_int_eq(status_signum("sigusr1"), SIGUSR1);
	ck_assert_int_eq(status_signum("9"), SIGKILL);
	ck_assert_int_eq(status_signum("RTMIN+2"), SIGRTMIN + 2);
	ck_assert_int_eq(status_signum("SIGRTMAX-1"), SIGRTMAX - 1);
	ck_assert_int_eq(status_signum("NOPE"), -1);
	ck_assert_int_eq(status_signum(""), -1);
	ck_assert_int_eq(status_signum("0"), -1);
	ck_assert_int_eq(status_signum("12x"), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("status");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_exits);
	tcase_add_test(tc, test_signals);
	tcase_add_test(tc, test_failures);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
