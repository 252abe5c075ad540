/*
 * headless.h: the front end for scripts and CI. Every line of every child
 * is printed as "name | text" (stderr lines as "name ! text"), each ending
 * as "name | exited 3", and a summary table goes to stderr at the end.
 */
#ifndef BROOD_HEADLESS_H
#define BROOD_HEADLESS_H

#include <stdbool.h>
#include <stdio.h>

#include "super.h"

enum headless_success {
	HEADLESS_SUCCESS_ALL,    /* 0 only if every process succeeded */
	HEADLESS_SUCCESS_FIRST,  /* the status of the first process to end */
	HEADLESS_SUCCESS_LAST,   /* the status of the last process to end */
};

struct headless_opts {
	bool color;              /* colour names and keep the children's SGR */
	bool summary;            /* the table on stderr at the end */
	enum headless_success success;
	bool kill_others;        /* stop the rest when one ends */
	bool kill_others_on_fail;/* stop the rest when one fails */
	int out_fd;              /* where lines go (1) */
};

struct headless;

struct headless *headless_create(const struct headless_opts *opts);

/* The hooks to give super_create. */
struct super_hooks headless_hooks(struct headless *h);

/* Start every process and run until all have ended (or brood is told to
 * stop by SIGINT, SIGTERM or SIGHUP); nothing is left alive on return.
 * Returns brood's exit status. */
int headless_run(struct headless *h, struct loop *l, struct super *s);

void headless_free(struct headless *h);

#endif
