/*
 * What lanes.c gives the engine's other modules beyond engine.h: the lane
 * a turnstile serves (fire mode asks it too).
 */
#ifndef LOBBYD_LANES_H
#define LOBBYD_LANES_H

#include "engine.h"

/* The lane whose turnstile is device dev, or -1 when it serves none. */
int	lane_of_turnstile(const struct engine *, int dev);

#endif
