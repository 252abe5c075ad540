/*
 * sgr.h: SGR parameters (ESC [ ... m) into an attribute.
 */
#ifndef BROOD_SGR_H
#define BROOD_SGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "line.h"

/* One parameter of a control sequence. */
struct sgr_param {
	uint16_t value;
	bool sub;               /* introduced by ':' (a sub-parameter) */
};

/* Apply the n parameters of an SGR sequence to a; "ESC [ m" comes as one
 * parameter, 0. */
void sgr_apply(struct attr *a, const struct sgr_param *p, size_t n);

#endif
