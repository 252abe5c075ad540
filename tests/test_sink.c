/*
 * test_sink.c: brood's own output: a reader that does not read never stops
 * the writer, nothing is lost or reordered, memory stays bounded, pressure
 * is reported at the marks, and the descriptor shared with others keeps
 * its flags.
 */

#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "sink.h"

/* The n-th byte of a test stream: any loss or reordering shows. */
static char
pattern(size_t n)
{
	return (char)('a' + (n * 7 + n / 4093) % 26);
}

static void
put_pattern(struct sink *s, size_t from, size_t n)
{
	char *d = sink_reserve(s, n);
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = pattern(from + i);
	sink_commit(s, n);
}

/* Read at most max bytes once; check them against the pattern. (Check
 * records each passing ck_assert with a write: not one per byte.) */
static ssize_t
take_some(int fd, size_t max, size_t *got)
{
	char buf[65536];
	ssize_t n, i;

	n = read(fd, buf, max < sizeof buf ? max : sizeof buf);
	for (i = 0; i < n; i++) {
		if (buf[i] != pattern(*got + (size_t)i))
			ck_abort_msg("byte %zu differs", *got + (size_t)i);
	}
	if (n > 0)
		*got += (size_t)n;
	return n;
}

/* Read what the pipe holds now; check it against the pattern. */
static size_t
take(int fd, size_t *got)
{
	size_t total = 0;
	ssize_t n;

	while ((n = take_some(fd, SIZE_MAX, got)) > 0)
		total += (size_t)n;
	return total;
}

struct pressure {
	int on, off;
	bool full;
};

static void
on_pressure(void *arg, bool full)
{
	struct pressure *p = arg;

	ck_assert(full != p->full);
	p->full = full;
	if (full)
		p->on++;
	else
		p->off++;
}

static void
setup(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };

	sigaction(SIGPIPE, &sa, NULL);
}

/* The shared descriptor is left blocking: O_NONBLOCK on it would hand
 * EAGAIN to the shell and every other writer sharing it. */
START_TEST(test_shared_flags_untouched)
{
	int p[2];
	struct sink *s;

	ck_assert_int_eq(pipe(p), 0);
	s = sink_create(p[1]);
	ck_assert(sink_nonblocking(s));
	ck_assert_int_eq(fcntl(p[1], F_GETFL) & O_NONBLOCK, 0);
	sink_put(s, "x\n", 2);
	sink_drain(s);
	ck_assert_int_eq(fcntl(p[1], F_GETFL) & O_NONBLOCK, 0);
	sink_free(s);
	close(p[1]);
	close(p[0]);
}
END_TEST

/* Three megabytes written to w while nobody reads r: every put returns at
 * once; the bytes come out whole and in order once r is read. */
static void
stall_then_read(int w, int r)
{
	struct loop *l = loop_create();
	struct pressure pr = { 0 };
	size_t total = 3u << 20, sent, got = 0;
	struct sink *s;
	int i;

	s = sink_create(w);
	ck_assert(sink_nonblocking(s));
	sink_attach(s, l, on_pressure, &pr);
	for (sent = 0; sent < total; sent += 3000) {
		put_pattern(s, sent, 3000);
		sink_flush(s);
	}
	total = sent;
	ck_assert_uint_gt(sink_pending(s), total - (1u << 20));
	ck_assert_int_eq(pr.on, 0);
	ck_assert_int_eq(fcntl(w, F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_eq(fcntl(r, F_SETFL, O_NONBLOCK), 0);
	for (i = 0; i < 10000 && got < total; i++) {
		take(r, &got);
		loop_once(l, 100);
	}
	take(r, &got);
	ck_assert_uint_eq(got, total);
	ck_assert_uint_eq(sink_pending(s), 0);
	ck_assert_int_eq(sink_error(s), 0);
	sink_free(s);
	loop_free(l);
	close(w);
	close(r);
}

START_TEST(test_stalled_reader_does_not_block)
{
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	stall_then_read(p[1], p[0]);
}
END_TEST

/* A stream socket (journald's stdout) is written without waiting too: no
 * description of its own, but send() with MSG_DONTWAIT. */
START_TEST(test_stalled_socket_does_not_block)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	stall_then_read(sv[0], sv[1]);
}
END_TEST

/* Past SINK_HIGH the owner is told once; below SINK_LOW, told again. */
START_TEST(test_pressure_marks)
{
	struct loop *l = loop_create();
	struct pressure pr = { 0 };
	size_t sent = 0, got = 0;
	int p[2], i;
	struct sink *s;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	s = sink_create(p[1]);
	sink_attach(s, l, on_pressure, &pr);
	/* The pipe takes a megabyte or so first. */
	while (pr.on == 0 && sent < 2 * SINK_HIGH) {
		put_pattern(s, sent, 4096);
		sent += 4096;
		ck_assert_int_eq(pr.on, sink_pending(s) > SINK_HIGH);
	}
	ck_assert_int_eq(pr.on, 1);
	put_pattern(s, sent, 4096);
	sent += 4096;
	ck_assert_int_eq(pr.on, 1);
	ck_assert_int_eq(pr.off, 0);
	ck_assert_int_eq(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	for (i = 0; i < 10000 && pr.off == 0; i++) {
		take(p[0], &got);
		loop_once(l, 100);
	}
	ck_assert_int_eq(pr.on, 1);
	ck_assert_int_eq(pr.off, 1);
	ck_assert_uint_lt(sink_pending(s), SINK_LOW);
	for (i = 0; i < 10000 && got < sent; i++) {
		take(p[0], &got);
		loop_once(l, 100);
	}
	ck_assert_uint_eq(got, sent);
	ck_assert_int_eq(pr.off, 1);
	sink_free(s);
	loop_free(l);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* A reader that takes a little at a time, forked: it checks the pattern
 * and exits with 0 if it saw exactly want bytes. */
static pid_t
slow_reader(const int p[2], size_t want, unsigned delay_ms)
{
	pid_t pid = fork();

	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		char buf[16384];
		size_t got = 0;
		ssize_t n, i;
		int fd = p[0];

		close(p[1]);
		usleep(delay_ms * 1000);
		while ((n = read(fd, buf, sizeof buf)) > 0) {
			for (i = 0; i < n; i++) {
				if (buf[i] != pattern(got + (size_t)i))
					_exit(2);
			}
			got += (size_t)n;
		}
		_exit(got == want ? 0 : 1);
	}
	return pid;
}

/* Memory stays bounded: with a slow reader, the writer waits rather than
 * hold more than SINK_MAX. Nothing is lost; drain waits for the end. */
START_TEST(test_bounded_and_drained)
{
	size_t total = SINK_MAX * 3, sent;
	int p[2], status;
	struct sink *s;
	pid_t pid;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = slow_reader(p, total, 300);
	close(p[0]);
	s = sink_create(p[1]);
	close(p[1]);
	for (sent = 0; sent < total; sent += 65536) {
		put_pattern(s, sent, 65536);
		ck_assert_uint_le(sink_pending(s), SINK_MAX);
	}
	sink_drain(s);
	ck_assert_uint_eq(sink_pending(s), 0);
	ck_assert_int_eq(sink_error(s), 0);
	sink_free(s);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

/* A terminal nobody reads (a paused ssh, ^S with flow control): written
 * without waiting too, and left blocking for the shell that shares it. */
START_TEST(test_stalled_terminal_does_not_block)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), slave;

	ck_assert_int_ne(master, -1);
	ck_assert_int_eq(grantpt(master), 0);
	ck_assert_int_eq(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	ck_assert_int_ne(slave, -1);
	stall_then_read(slave, master);
}
END_TEST

/* Puts of every size from 1 byte to 200 KiB, flushes at random, a reader
 * that takes a little, nothing, or everything at random, and the pressure
 * marks crossed both ways many times (the writer holds off while told the
 * sink is full): every byte arrives once, in order, and the pressure
 * reports alternate. */
START_TEST(test_random_traffic)
{
	struct loop *l = loop_create();
	struct pressure pr = { 0 };
	size_t sent = 0, got = 0, total = 16u << 20;
	unsigned seed = 12345;
	int p[2], i;
	struct sink *s;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	s = sink_create(p[1]);
	sink_attach(s, l, on_pressure, &pr);
	while (sent < total) {
		unsigned r = rand_r(&seed);
		size_t n = r % 7 == 0 ? 1 + r % (200u << 10) : 1 + r % 300;

		/* Held, as headless holds its children: only the reader moves. */
		if (pr.full) {
			take_some(p[0], 1 + r % 4096, &got);
			loop_once(l, 0);
			continue;
		}
		put_pattern(s, sent, n);
		sent += n;
		ck_assert_uint_le(sink_pending(s), SINK_MAX);
		if (r % 5 == 0)
			sink_flush(s);
		if (r % 3 == 0) {
			/* A reader that takes a piece, or all there is. */
			if (r % 101 == 0)
				take(p[0], &got);
			else
				take_some(p[0], 1 + r % 4096, &got);
			loop_once(l, 0);
		}
	}
	for (i = 0; i < 100000 && got < sent; i++) {
		sink_flush(s);
		take(p[0], &got);
		loop_once(l, 10);
	}
	ck_assert_uint_eq(got, sent);
	ck_assert_uint_eq(sink_pending(s), 0);
	ck_assert_int_eq(sink_error(s), 0);
	ck_assert_int_ge(pr.on, 2);
	ck_assert_int_eq(pr.on, pr.off);
	sink_free(s);
	loop_free(l);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* The reader left: EPIPE, said once, and later output is dropped. */
START_TEST(test_reader_gone)
{
	int p[2];
	struct sink *s;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	s = sink_create(p[1]);
	close(p[0]);
	sink_put(s, "lost\n", 5);
	sink_flush(s);
	ck_assert_int_eq(sink_error(s), EPIPE);
	ck_assert_uint_eq(sink_pending(s), 0);
	sink_put(s, "more\n", 5);
	sink_drain(s);
	ck_assert_int_eq(sink_error(s), EPIPE);
	ck_assert_uint_eq(sink_pending(s), 0);
	sink_free(s);
	close(p[1]);
}
END_TEST

/* A regular file is written directly, and whole. */
START_TEST(test_regular_file)
{
	FILE *f = tmpfile();
	char buf[64] = "";
	struct sink *s;

	ck_assert_ptr_nonnull(f);
	s = sink_create(fileno(f));
	ck_assert(!sink_nonblocking(s));
	sink_put(s, "one\n", 4);
	sink_put(s, "two\n", 4);
	sink_drain(s);
	sink_free(s);
	rewind(f);
	ck_assert_uint_eq(fread(buf, 1, sizeof buf - 1, f), 8);
	ck_assert_str_eq(buf, "one\ntwo\n");
	fclose(f);
}
END_TEST

static Suite *
sink_suite(void)
{
	Suite *s = suite_create("sink");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_shared_flags_untouched);
	tcase_add_test(tc, test_stalled_reader_does_not_block);
	tcase_add_test(tc, test_pressure_marks);
	tcase_add_test(tc, test_bounded_and_drained);
	tcase_add_test(tc, test_stalled_socket_does_not_block);
	tcase_add_test(tc, test_stalled_terminal_does_not_block);
	tcase_add_test(tc, test_random_traffic);
	tcase_add_test(tc, test_reader_gone);
	tcase_add_test(tc, test_regular_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sink_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
