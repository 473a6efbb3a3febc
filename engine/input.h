/*
 * Contact inputs in the engine (inputs.c): the device kind input_kind and
 * each input's own state. Included by engine.h.
 */
#ifndef LOBBYD_INPUT_H
#define LOBBYD_INPUT_H

#include <stdbool.h>
#include <stdint.h>

struct engine;

struct input_state {
	bool		active;
	int64_t		since_ns;	/* CLOCK_MONOTONIC of the last change */
};

/* Input dev's state (dev must be a contact input). */
const struct input_state *input_state_of(const struct engine *, int dev);

#endif
