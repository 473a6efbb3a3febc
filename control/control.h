/*
 * The control server as a program plugs it into the engine: lobbyd's main
 * hands ctl_front to engine_run(), which opens the socket once the state is
 * loaded and closes it at the end (engine/engine.h, struct engine_front).
 */
#ifndef LOBBYD_CONTROL_H
#define LOBBYD_CONTROL_H

#include "../engine/engine.h"

extern const struct engine_front ctl_front;

#endif
