/*
 * demo.h: the bundled demo set (brood --demo): processes that show every
 * feature, written with nothing but sh and coreutils.
 */
#ifndef BROOD_DEMO_H
#define BROOD_DEMO_H

#include <stddef.h>

#include "super.h"

/* The demo's specs; a static table. */
const struct proc_spec *demo_specs(size_t *n);

#endif
