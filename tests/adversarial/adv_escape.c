/*
 * adv_escape.c: escape injection against headless brood. A child prints
 * every kind of sequence a terminal acts on: clipboard writes, titles and
 * title reports, every query (DA, DSR, DECRQM, XTVERSION, DECRQSS,
 * XTGETTCAP, colour queries), screen wipes, mode switches, palette and
 * font changes, hyperlinks, 8-bit and UTF-8-encoded C1 controls, bidi
 * overrides, unterminated and oversized sequences, \r and \b tricks; and
 * the same bytes arrive as process names, config values and arguments.
 * Whatever brood prints, on stdout or stderr, must be text a terminal
 * only prints: no ESC but the SGR colours brood writes itself, and only
 * when colour is on.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

/* Lines of "helper hostile" that end in " end". */
#define HOSTILE_ENDS 41

static struct tu_proc tp;
static char dir[256];

static void
setup(void)
{
	tu_tmpname(dir, sizeof dir, "esc");
	ck_assert_int_eq(mkdir(dir, 0755), 0);
}

static void
teardown(void)
{
	tu_free(&tp);
}

/* Both of brood's outputs are safe for a terminal. */
static void
assert_safe(bool sgr_ok)
{
	tu_assert_terminal_safe(tp.out, tp.out_len, sgr_ok);
	tu_assert_terminal_safe(tp.err, tp.err_len, false);
}

/* No payload of a sequence brood dropped came through as text. */
static void
assert_no_payload(void)
{
	ck_assert_msg(strstr(tp.out, "PWNED") == NULL && strstr(tp.err, "PWNED") == NULL,
	    "a payload came through:\n%s\nstderr:\n%s", tp.out, tp.err);
	ck_assert_ptr_null(strstr(tp.out, "cHduZWQ"));
}

/* What each hostile line leaves: its name and " end", the sequences gone. */
static void
assert_hostile_lines(const char *prefix)
{
	static const char *const left[] = {
		"osc52  end", "title  end", "title-report  end", "da  end", "dsr  end",
		"decrqm  end", "xtversion  end", "decrqss  end", "xtgettcap  end",
		"colour-query  end", "wipe  end", "mouse  end", "paste pasted end",
		"altscreen  end", "palette  end", "font  end", "hyperlink link end",
		"apc-pm-sos  end", "sixel  end", "repeat a end",
		/* Raw C1 bytes are not UTF-8; encoded ones are controls. */
		"c1-raw \xef\xbf\xbd" "31m \xef\xbf\xbd" "0;x \xef\xbf\xbdq\xef\xbf\xbd "
		    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end",
		"c1-utf8 \xef\xbf\xbd" "31m \xef\xbf\xbd" "0;x\xef\xbf\xbd \xef\xbf\xbd end",
		"bidi evil x  end",
		/* Backspaces cannot hide the text: they show. */
		"bs secret\xe2\x90\x88\xe2\x90\x88\xe2\x90\x88\xe2\x90\x88\xe2\x90\x88\xe2\x90\x88"
		    "XXXXXX end",
		/* A carriage return rewrites the line, as on a terminal. */
		"shown end", "crlf end",
		/* Unterminated: a newline ends the sequence, the text goes on. */
		"unterminated-osc ", "after-osc end", "unterminated-csi ", "after-csi end",
		"after-esc end", "huge-csi  end", "huge-osc  end",
		/* Unterminated at the very end: dropped, brood did not wait. */
		"last ",
	};
	char line[512];
	size_t i;

	for (i = 0; i < sizeof left / sizeof left[0]; i++) {
		snprintf(line, sizeof line, "%s%s", prefix, left[i]);
		tu_assert_line(&tp, line);
	}
	ck_assert_uint_eq(tu_count_suffix(tp.out, " end"), HOSTILE_ENDS);
}

START_TEST(test_hostile_stdout)
{
	/* Colour is "auto" and stdout a pipe: brood writes no escape at all,
	 * not even the child's SGR. */
	ck_assert_int_eq(tu_run(&tp, "-n", "h", tu_h(0, "hostile"), NULL), 0);
	assert_safe(false);
	assert_no_payload();
	ck_assert_ptr_null(memchr(tp.out, '\033', tp.out_len));
	assert_hostile_lines("h | ");
	tu_assert_line(&tp, "h | exited 0");
}
END_TEST

START_TEST(test_hostile_stderr_in_colour)
{
	char line[600];

	/* On stderr, with colour forced: only SGR of brood's own making. */
	snprintf(line, sizeof line, "%s hostile >&2; printf '\\033[1;31mred\\033[0m\\n'", tu_helper());
	ck_assert_int_eq(tu_run(&tp, "--color", "always", "-n", "h", line, NULL), 0);
	assert_safe(true);
	assert_no_payload();
	ck_assert_msg(strstr(tp.out, "\033[0;1;31mred\033[0m") != NULL, "the child's colour is gone:\n%s",
	    tp.out);
	ck_assert_uint_eq(tu_count_suffix(tp.out, " end"), HOSTILE_ENDS);
}
END_TEST

START_TEST(test_names)
{
	/* ESC, a title, raw and encoded C1, a bidi override, BEL and a newline
	 * in names given with -n: the prefixes, the endings and the summary
	 * show them as text. */
	ck_assert_int_eq(tu_run(&tp, "-n", "\033]0;PWNED\007a,b\x9b" "31m,c\xc2\x9b" "31m,"
	    "d\xe2\x80\xae" "evil,e\nf\033[2J", tu_h(0, "echo one"), tu_h(1, "echo two"),
	    tu_h(2, "echo three"), tu_h(3, "echo four"), tu_h(4, "exit 3"), NULL), 3);
	assert_safe(false);
	assert_no_payload();
	/* Names are padded to one width, in columns. */
	tu_assert_line(&tp, "a     | one");
	tu_assert_line(&tp, "b\xef\xbf\xbd" "31m | two");
	tu_assert_line(&tp, "c\xef\xbf\xbd" "31m | three");
	tu_assert_line(&tp, "devil | four");
	tu_assert_line(&tp, "e f   | exited 3");
	ck_assert_msg(strstr(tp.err, "exited 3") != NULL, "no summary:\n%s", tp.err);
	/* An error that quotes a name. */
	ck_assert_int_eq(tu_run(&tp, "-n", "\033]0;PWNED\007x", "", NULL), 2);
	assert_safe(false);
	ck_assert_msg(strstr(tp.err, "\\x1b]0;") != NULL, "stderr: %s", tp.err);
}
END_TEST

/* Write a brood.yaml in dir and run brood on it; brood's exit code. */
static int
run_yaml(const char *yaml)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof path, "%s/brood.yaml", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(yaml, f);
	fclose(f);
	return tu_run(&tp, "-c", path, NULL);
}

START_TEST(test_config_strings)
{
	static const char *const refused[] = {
		/* Names with controls are refused, and the refusal is safe. */
		"processes:\n  \"a\\e]0;PWNED\\a\": { cmd: \"true\" }\n",
		"processes:\n  \"a\\u009b31m\": { cmd: \"true\" }\n",
		/* Values quoted by the checks made before anything starts. */
		"processes:\n  a: { cmd: \"true\", user: \"\\e]0;PWNED\\a\\u202e\" }\n",
		"processes:\n  a: { cmd: \"true\", group: \"\\e]0;PWNED\\a\\u009d\" }\n",
		"processes:\n  a: { cmd: \"true\", ready: { tcp: \"\\e]0;PWNED\\a:80\" } }\n",
		"processes:\n  a: { cmd: \"true\", stop_signal: \"\\e]0;PWNED\\a\" }\n",
		"processes:\n  a: { cmd: \"true\", restart: \"\\e[2J\\u0085\" }\n",
		"processes:\n  a: { cmd: \"true\", \"\\e]52;c;cHduZWQ=\\a\": 1 }\n",
	};
	size_t i;

	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		int code = run_yaml(refused[i]);

		/* An unknown key is a warning: the rest runs. */
		ck_assert_msg(code == 2 || (code == 0 && strstr(tp.err, "unknown key") != NULL),
		    "exit %d for %s\nstderr: %s", code, refused[i], tp.err);
		assert_safe(false);
		ck_assert_msg(strstr(tp.err, "brood: ") != NULL, "no message: %s", tp.err);
	}
	/* A bidi override in a name runs, shown without its control; commands
	 * that print escapes are children like any other. */
	ck_assert_int_eq(run_yaml("processes:\n"
	    "  \"r\\u202eevil\":\n"
	    "    cmd: \"printf '\\e]0;PWNED\\a\\e[2Jok\\\\n'\"\n"), 0);
	assert_safe(false);
	assert_no_payload();
	tu_assert_line(&tp, "revil | ok");
}
END_TEST

START_TEST(test_arguments_and_paths)
{
	char path[400];

	/* Arguments and file names echoed in usage errors. */
	ck_assert_int_eq(tu_run(&tp, "--stop-signal", "\033]0;PWNED\007", "true", NULL), 2);
	assert_safe(false);
	ck_assert_int_eq(tu_run(&tp, "--color", "\033[2J\xc2\x9b", "true", NULL), 2);
	assert_safe(false);
	snprintf(path, sizeof path, "%s/\033]0;PWNED\007.yaml", dir);
	ck_assert_int_eq(tu_run(&tp, "-c", path, NULL), 2);
	assert_safe(false);
	ck_assert_msg(strstr(tp.err, "\\x1b]0;") != NULL, "stderr: %s", tp.err);
}
END_TEST

int
main(void)
{
	TCase *tc;
	Suite *s = tu_suite("adv_escape", &tc, setup, teardown, 60);

	tcase_add_test(tc, test_hostile_stdout);
	tcase_add_test(tc, test_hostile_stderr_in_colour);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_config_strings);
	tcase_add_test(tc, test_arguments_and_paths);
	return tu_run_suite(s);
}
