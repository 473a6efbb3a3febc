/*
 * Turnstiles in the engine (turnstile.c): the device kind turnstile_kind and
 * each turnstile's own state, read by lanes.c for a lane's decisions, by
 * fire mode, and by the control server to show it. Included by engine.h.
 */
#ifndef LOBBYD_TURNSTILE_H
#define LOBBYD_TURNSTILE_H

#include <stdbool.h>
#include <stdint.h>

#include "../config/config.h"

struct engine;

struct turnstile_state {
	enum ts_state	state;
	uint32_t	entry_count, exit_count, counter_mask;
	bool		counts_known;	/* the counters above were read once: kept
					   through an outage, to see them move */
};

/* Turnstile dev's state (dev must be a turnstile). */
const struct turnstile_state *turnstile_state_of(const struct engine *, int dev);

#endif
