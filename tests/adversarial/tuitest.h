/*
 * tuitest.h: what a user would notice of brood's dashboard in a real
 * terminal (a private tmux server, see tmux.h), for the adversarial tests:
 * the terminal brood leaves behind, the cells it draws and their
 * attributes, the bytes it writes, and the processes it leaves.
 *
 * brood runs under "/bin/sh -c 'PREFIX; stty -g > FILE && exec brood ...'":
 * the terminal's settings are saved before brood touches them, and the
 * pane's command is brood itself (the shell execs it: one pid). The pane's
 * terminal modes are read from tmux's own flags (alternate screen, cursor,
 * mouse, keypad, origin, insert, wrap, colours, cwd, title), which is what
 * the next program in that terminal would inherit.
 */
#ifndef BROOD_TUITEST_H
#define BROOD_TUITEST_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tmux.h"

struct tuitest {
	struct tmux tm;
	char stty_file[256];     /* "stty -g" of the pane before brood */
	char record_file[256];   /* brood's output, once tuitest_record ran */
	pid_t brood;             /* brood's pid */
};

/* Start brood with args (NULL-terminated, without the program) in a w x h
 * pane, after the shell commands of prefix (NULL for none: "ulimit -n 64").
 * env as tmux_start_env. Returns once brood's pid is known. */
void tuitest_start(struct tuitest *a, int w, int h, const char *const *env,
    const char *prefix, const char *const *args);

/* Wait for text, a regex, or text to go, failing the test with the screen
 * after timeout_ms. */
void tuitest_wait(struct tuitest *a, const char *text, int timeout_ms);
void tuitest_wait_re(struct tuitest *a, const char *regex, int timeout_ms);
void tuitest_wait_gone(struct tuitest *a, const char *text, int timeout_ms);

/* "stty -g" of the pane's terminal, read from outside. Malloc'd. */
char *tuitest_stty(struct tuitest *a);

/* The pane's modes as tmux keeps them, one "name=value" word each.
 * Malloc'd. */
char *tuitest_modes(struct tuitest *a);

/* The modes of a terminal no program has changed: what brood must leave. */
char *tuitest_modes_pristine(struct tuitest *a);

/* brood has ended: the terminal's settings are those saved before it
 * started, its modes are pristine, no clipboard buffer was set, and a
 * paste is not bracketed (a paste into what runs next arrives as typed). */
void tuitest_assert_restored(struct tuitest *a, bool check_paste);

/* The same, once another process may still be giving the terminal back:
 * polls for up to timeout_ms before asserting. */
void tuitest_wait_restored(struct tuitest *a, bool check_paste, int timeout_ms);

/* From now on, everything brood writes to the terminal is kept. */
void tuitest_record(struct tuitest *a);

/* Fail the test if what brood wrote since tuitest_record holds anything
 * but its own drawing: an OSC, DCS, APC, PM or SOS string, RIS, DECALN, a
 * query (DA, DSR, DECRQM, XTVERSION, window reports), a mode brood never
 * sets, a C1 control (8-bit or UTF-8), a bidi override, or needle. */
void tuitest_assert_output_clean(struct tuitest *a, const char *const *needles);

/* Quit with Q; the exit status, or -1 if brood did not end in timeout_ms. */
int tuitest_quit(struct tuitest *a, int timeout_ms);

/* Teardown without assertions. */
void tuitest_cleanup(struct tuitest *a);

/* --- the screen, cell by cell ------------------------------------------- */

#define TUITEST_DEFAULT (-1)
#define TUITEST_RGB 0x1000000

/* Attribute flags of a cell, as SGR sets them. */
enum {
	TUITEST_BOLD = 1, TUITEST_DIM = 2, TUITEST_ITALIC = 4, TUITEST_UNDERLINE = 8,
	TUITEST_BLINK = 16, TUITEST_REVERSE = 32, TUITEST_HIDDEN = 64, TUITEST_STRIKE = 128,
};

struct tuitest_cell {
	char text[40];           /* the character and its marks, UTF-8; "" for
	                          * the right half of a wide character */
	int width;               /* 2, 1, or 0 for a right half */
	int fg, bg;              /* TUITEST_DEFAULT, 0-255, or TUITEST_RGB | rgb */
	unsigned flags;
};

struct tuitest_screen {
	int rows, cols;
	struct tuitest_cell *cell;   /* rows x cols */
};

/* Parse a capture taken with escapes (tmux_capture(t, true)) into cells,
 * placing characters by their width (wcwidth) as the terminal did. */
void tuitest_screen_parse(struct tuitest_screen *s, const char *capture, int rows, int cols);

/* Capture the pane now and parse it. */
void tuitest_screen(struct tuitest *a, struct tuitest_screen *s);

void tuitest_screen_free(struct tuitest_screen *s);

struct tuitest_cell *tuitest_at(struct tuitest_screen *s, int row, int col);

/* The text of columns [from, to) of row, trailing blanks removed. Malloc'd. */
char *tuitest_text(const struct tuitest_screen *s, int row, int from, int to);

/* The first row holding needle in columns [from, to), or -1. */
int tuitest_find(const struct tuitest_screen *s, const char *needle, int from, int to);

/* The column where needle starts in row (whole width), or -1. */
int tuitest_col(const struct tuitest_screen *s, int row, const char *needle);

/* --- processes ---------------------------------------------------------- */

/* CPU time (user + system) of pid in ms, and its resident memory in KiB;
 * -1 if it is gone. */
long tuitest_cpu_ms(pid_t pid);
long tuitest_rss_kib(pid_t pid);

/* Children of parent: alive (not zombies), and zombies. */
size_t tuitest_children(pid_t parent);
size_t tuitest_zombies(pid_t parent);

/* The suite of an adversarial program: tu_suite, after setting the
 * locale from the environment (UTF-8: the screen is parsed by wcwidth);
 * exits 77 (skipped) if there is no tmux. */
Suite *tuitest_suite(const char *name, TCase **tc, SFun teardown, int timeout_s);

/* Add test to tc, unless TUITEST_ONLY is set to the name of another test
 * (to run one test by hand). */
#define tuitest_add(tc, test) do { \
	const char *tuitest_only_ = getenv("TUITEST_ONLY"); \
	if (tuitest_only_ == NULL || strcmp(tuitest_only_, #test) == 0) \
		tcase_add_test((tc), test); \
} while (0)

/* A file of text under the test's temporary names. */
void tuitest_write_file(const char *path, const char *text);

#endif
