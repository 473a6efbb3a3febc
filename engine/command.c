/*
 * Commands to devices: one MSG_CMD built and sent to a device's link
 * worker with a fresh id and an expiry; the caller is told why one did
 * not go (turnstiles, intercoms and elevators share it).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "../common/util.h"

int
command_send(struct engine *e, int dev, struct msg_cmd *m, int ttl_ms,
    const char *what, char *err, size_t errlen)
{
	const struct device_conf *d = &e->site->devices[dev];

	m->h.type = MSG_CMD;
	m->h.len = (uint16_t)sizeof(*m);
	m->h.dev = (uint16_t)dev;
	m->id = ++e->next_cmd_id;
	m->expires_ns = mono_ns() + (int64_t)ttl_ms * NS_PER_MS;
	if (sup_send(e, d->link, m) < 0) {
		snprintf(err, errlen, "%s: %s not sent: link %s: %s", d->name, what,
		    e->site->links[d->link].name, errno == ENOTCONN ?
		    "worker not running" : strerror(errno));
		return -1;
	}
	return 0;
}
