/*
 * guard.h: a small process that outlives brood, to clean up after a brood
 * that was killed outright (SIGKILL, the OOM killer).
 */
#ifndef BROOD_GUARD_H
#define BROOD_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <termios.h>

/* The terminal the dashboard took: what the guard gives back. */
struct guard_tty {
	int fd;                 /* the terminal (the guard keeps a copy) */
	struct termios mode;    /* its settings before brood took it */
	const char *reset;      /* what leaves brood's modes (alternate
	                         * screen, mouse, keypad, paste, cursor) */
	size_t reset_len;
};

/* Start the guard of this brood, whose children carry BROOD_ID=<pid>.N.
 * tty is NULL without a dashboard. Call before brood becomes a subreaper:
 * the guard must not be brood's descendant. -1 with errno if it could not
 * start (brood runs on without one). */
int guard_start(const struct guard_tty *tty);

/* The dashboard holds the terminal (true) or has given it back (false):
 * the guard restores it only while it is held. Async-signal-safe. */
void guard_tty_held(bool held);

/* A child started its session, with its pid as id (open), or nothing of it
 * is left, or brood forgets it: the guard kills the members of every
 * session open when brood dies, marked or not. */
void guard_session(pid_t sid, bool open);

/* brood ends in good order: the guard leaves without acting, and is gone
 * when this returns (or after a second, if it does not answer). */
void guard_release(void);

#endif
