/*
 * What every link back-end shares: sending to the engine.
 */
#include "link.h"

#include <errno.h>
#include <string.h>

#include "../common/util.h"

int
link_emit(struct link *l, const void *msg)
{
	if (msg_send(l->engine_fd, msg) == 0)
		return 0;
	/* The engine reads as fast as it can; a full socket means it is gone
	 * or stuck, and the worker loop exits when the socket closes. */
	log_err("%s: message to engine lost: %s", l->conf->name, strerror(errno));
	return -1;
}
