/*
 * Contact inputs on a Modbus link (a digital-input module, a fire panel's
 * dry contact): the Modbus worker polls the input's one point like a
 * turnstile's state, and these turn what it read into MSG_INPUT messages.
 */
#ifndef LOBBYD_MODBUS_INPUT_H
#define LOBBYD_MODBUS_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "link.h"

/* A profile whose state point is the input's point and nothing else, so
 * the worker's read planning and polling serve inputs unchanged. */
void	modbus_input_profile(const struct device_conf *, struct profile *);

/*
 * A completed poll of input device index read raw (nonzero = on; active_low
 * inverts). Sends MSG_INPUT stamped t_ns when *have is false (the first read
 * since the device came online) or the input changed; *have and *active
 * follow what the engine was told.
 */
void	modbus_input_report(struct link *, const struct device_conf *, int index,
	    uint32_t raw, int64_t t_ns, bool *have, bool *active);

#endif
