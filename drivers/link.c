/*
 * What every link back-end shares: sending to the engine, a command's
 * result among what is sent.
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

int
link_cmd_result(struct link *l, const struct msg_cmd *c,
    enum msg_cmd_status status, int64_t t_wire_ns, int64_t t_done_ns,
    const char *error)
{
	struct msg_cmd_result r;

	msg_init(&r, MSG_CMD_RESULT, c->h.dev);
	r.id = c->id;
	r.status = (uint8_t)status;
	r.t_frame_ns = c->t_frame_ns;
	r.t_wire_ns = t_wire_ns;
	r.t_done_ns = t_done_ns;
	if (error != NULL)
		str_copy(r.error, error, sizeof(r.error));
	return link_emit(l, &r);
}

void
link_retry_init(struct link_retry *r)
{
	r->ms = LINK_RETRY_START_MS;
	r->at_ns = r->opened_ns = 0;
}

void
link_retry_failed(struct link_retry *r, const struct link *l, int64_t now_ns,
    bool dropped)
{
	int max = l->site->backoff_max_ms;

	if (max < LINK_RETRY_START_MS)
		max = LINK_RETRY_START_MS;
	if (dropped && now_ns - r->opened_ns >= (int64_t)max * NS_PER_MS)
		r->ms = LINK_RETRY_START_MS;
	r->at_ns = now_ns + (int64_t)r->ms * NS_PER_MS;
	r->ms = r->ms > max / 2 ? max : r->ms * 2;
}
