/*
 * Commands to devices: the engine's one way of putting a MSG_CMD to a
 * device's link worker, with its id and its expiry, and of saying why it
 * did not go.
 */
#ifndef LOBBYD_COMMAND_H
#define LOBBYD_COMMAND_H

#include <stddef.h>

#include "engine.h"

/*
 * Sends m (zeroed by the caller but for cmd, value, floors and t_frame_ns;
 * this fills in the header, the id and the expiry) to dev's link worker, to be dropped by the worker if not on the wire
 * within ttl_ms. 0: sent; -1: not sent, and err says so as
 * "DEVICE: WHAT not sent: link LINK: why".
 */
int	command_send(struct engine *, int dev, struct msg_cmd *m, int ttl_ms,
	    const char *what, char *err, size_t errlen);

#endif
