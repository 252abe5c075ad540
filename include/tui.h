/*
 * tui.h: the dashboard, brood's front end on a terminal.
 *
 * Call order: tui_create (checks the terminal and takes it over: before any
 * child starts), tui_hooks for super_create, super_add..., tui_run (starts
 * the children, runs until the user quits and every child is gone; the
 * terminal is restored on return), tui_free.
 */
#ifndef BROOD_TUI_H
#define BROOD_TUI_H

#include <stdbool.h>

#include "super.h"

struct tui_opts {
	bool color;               /* false: NO_COLOR or --color never */
	const char *theme;        /* a name or a file; NULL: the compiled-in default */
	const char *const *theme_dirs; /* where theme names are looked for */
	const char *const *bindings; /* "action", "key" pairs, NULL-terminated: keys added
	                              * to actions ("kill", "C-k"); see keys.c for the names */
	double cpu_alert_pct;     /* highlight rows at or over this CPU%; 0: off */
	uint64_t mem_alert_kib;   /* ... or this much memory; 0: off */
};

struct tui;

/* Check the terminal and enter the dashboard's screen. NULL with *cause set
 * (allocated) when the terminal cannot show it (no terminal, TERM=dumb,
 * unknown terminal type, a theme that does not load); nothing is changed then. */
struct tui *tui_create(const struct tui_opts *opts, char **cause);

struct super_hooks tui_hooks(struct tui *t);

/* Start every process and run the dashboard until the user quits (or brood
 * is told to stop by a signal) and every child is gone; restores the
 * terminal. Returns brood's exit status. */
int tui_run(struct tui *t, struct loop *l, struct super *s);

void tui_free(struct tui *t);

/* Restore the terminal now (the fatal path); safe to call more than once. */
void tui_emergency(void);

/* Fill g with what the guard needs to give the terminal back (guard.h):
 * false unless the dashboard holds the terminal. */
struct guard_tty;
bool tui_guard_tty(struct guard_tty *g);

#endif
