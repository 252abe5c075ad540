/*
 * tmux.h: run a program in a real terminal (a private tmux server) and read
 * its screen, for end-to-end tests of what brood draws.
 *
 * Every struct tmux has its own server (tmux -L <socket> -f /dev/null), so
 * tests can run in parallel and never touch the user's tmux. The server is
 * set up before the command starts: status line off (the pane is the whole
 * W x H window), remain-on-exit on with an empty remain-on-exit-format, a
 * small history, TERM=tmux-256color, /bin/sh as the shell, set-clipboard on
 * (so an OSC 52 that gets through shows up as a buffer).
 *
 * The command runs under a small sh wrapper (the pane's own process, see
 * tmux.c): tmux drops output it has not read yet when the pane's process
 * exits, so the wrapper keeps the terminal open after the command ends and
 * reports its status through the pane option @brood_status; the screen stays
 * exactly as the command left it. The command itself is in the terminal's
 * foreground process group: keys (Ctrl-C...) and a hangup reach it as usual.
 *
 * The pane's environment is the test's, minus TMUX, TMUX_PANE, NO_COLOR,
 * COLORTERM, CLICOLOR, CLICOLOR_FORCE, FORCE_COLOR, LINES and COLUMNS, plus
 * LC_ALL=C.UTF-8 and BROOD_TEST_TAG=<tag> (the tmux server carries the tag
 * too), so tu_survivors(t->tag) finds everything a test leaves behind,
 * tmux included. tmux itself sets TERM, TMUX, TMUX_PANE and TERM_PROGRAM.
 *
 * Any tmux command that fails unexpectedly fails the test (ck_abort_msg)
 * with what tmux printed on stderr. If the test process dies without
 * tmux_finish or tmux_cleanup (a failed assertion in fork mode _exits), a
 * watchdog job of the server kills the server and whatever has the tag.
 */
#ifndef BROOD_TMUX_H
#define BROOD_TMUX_H

#include <stdbool.h>
#include <sys/types.h>

struct tmux {
	char socket[64];     /* tmux -L name */
	char tag[64];        /* BROOD_TEST_TAG of every process started */
	char pane[16];       /* the pane id, "%0" */
	char path[128];      /* the server's socket, removed once it is gone */
	int width, height;   /* the pane's size as last set */
	pid_t server_pid;    /* the tmux server */
	pid_t wrapper_pid;   /* the pane's process: the shell around the command */
	bool running;        /* started and not yet killed */
	char *screen;        /* the last capture taken by a wait, for messages */
};

/* Whether a usable tmux is on PATH (a test program skips without one). */
bool tmux_available(void);

/* Start a server and a width x height pane running argv (argv[0] is a path
 * or a name on PATH; each word is passed as is, never split or expanded).
 * Returns once the server and pane exist, maybe before the command runs. */
void tmux_start(struct tmux *t, int width, int height, const char *const *argv);

/* tmux_start with extra environment for the pane: env is a NULL-terminated
 * list of "NAME=value" (or NULL). */
void tmux_start_env(struct tmux *t, int width, int height, const char *const *env,
    const char *const *argv);

/* The screen: exactly height rows, each ending in '\n', trailing blanks
 * trimmed by tmux. With escapes, SGR sequences (as tmux re-encodes them:
 * only changes, e.g. ESC[39m where the program wrote ESC[0m) are kept.
 * Malloc'd. */
char *tmux_capture(struct tmux *t, bool with_escapes);

/* Poll the screen every 20 ms until needle is on it; false after
 * timeout_ms. The last screen stays in t->screen for the message. */
bool tmux_wait_text(struct tmux *t, const char *needle, int timeout_ms);

/* Poll until needle is no longer on the screen; false after timeout_ms. */
bool tmux_wait_gone(struct tmux *t, const char *needle, int timeout_ms);

/* Poll until the POSIX extended regex (REG_NEWLINE: ^ and $ match at each
 * row) matches the screen; false after timeout_ms. */
bool tmux_wait_regex(struct tmux *t, const char *regex, int timeout_ms);

/* Poll until the command has ended; its status as tmux_dead. The final
 * screen is then in t->screen. */
bool tmux_wait_dead(struct tmux *t, int *status, int timeout_ms);

/* Send keys by tmux name ("q", "Enter", "Up", "C-c", "PPage", "M-x"); a
 * string that is no key name is typed as its characters. NULL-terminated. */
void tmux_send_keys(struct tmux *t, const char *key, ...) __attribute__((sentinel));

/* Type text literally (send-keys -l), UTF-8 included. */
void tmux_send_literal(struct tmux *t, const char *text);

/* Resize the window (and so the pane) to width x height; the program gets
 * SIGWINCH and the next capture has the new size. */
void tmux_resize(struct tmux *t, int width, int height);

/* The pid of the command (brood), not of the wrapper that #{pane_pid}
 * names; waits up to 5 s for the command to start. Still its pid after it
 * has ended. */
pid_t tmux_pane_pid(struct tmux *t);

/* Whether the command has ended; if so and status is not NULL, its exit
 * status, or 128+N if it was killed by signal N. */
bool tmux_dead(struct tmux *t, int *status);

/* The expansion of a tmux format for the pane ("#{pane_title}"), without
 * the newline. Malloc'd. */
char *tmux_display(struct tmux *t, const char *format);

/* Run any tmux command on the test's server ("pipe-pane", "-O", "-t",
 * t->pane, "cat > f", NULL), each word passed as is; fails the test if
 * tmux fails. Its stdout, malloc'd. */
char *tmux_command(struct tmux *t, const char *first, ...) __attribute__((sentinel));

/* The server's paste buffers, one "name: size: sample" line each (empty if
 * none: nothing got through an OSC 52). Malloc'd. */
char *tmux_buffers(struct tmux *t);

/* Kill the server now: the terminal hangs up, the wrapper (the session
 * leader) gets SIGHUP and dies of it, which sends SIGHUP to the command, as
 * when a terminal window is closed. The server must be running. */
void tmux_kill_server(struct tmux *t);

/* Kill the server if it is still running, then wait (up to 10 s) until the
 * server, the wrapper and every process with the tag are gone (zombies of
 * other parents count as gone); false if some remain (see tu_survivors).
 * Kills nothing but the server; removes its socket once all is gone. */
bool tmux_finish(struct tmux *t);

/* tmux_finish, failing the test if any process with the tag survived or if
 * the server or the wrapper did not end. */
void tmux_finish_clean(struct tmux *t);

/* Teardown without assertions: kill the server, SIGKILL whatever still has
 * the tag, free t->screen. Also done at exit for every server not finished,
 * so a failing test leaks no tmux server. */
void tmux_cleanup(struct tmux *t);

/* The row-th row of screen (0-based) without its newline, or NULL. Malloc'd. */
char *tmux_row(const char *screen, int row);

/* The first row of screen holding needle, or -1. */
int tmux_find_row(const char *screen, const char *needle);

/* A copy of a screen captured with escapes, with the escape sequences
 * removed: the same text as a plain capture. Malloc'd. */
char *tmux_strip(const char *screen);

#endif
