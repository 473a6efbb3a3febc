/*
 * Events from the control socket: the JSON of one event, as listings and
 * followers get it, and "events", the log read back and then followed.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <string.h>

#include "control_int.h"
#include "../engine/engine.h"
#include "../common/util.h"

static enum reason
reason_from_code(const char *code)
{
	for (int r = 0; r < R_COUNT; r++)
		if (strcmp(rule_reason_code((enum reason)r), code) == 0)
			return (enum reason)r;
	return R_COUNT;
}

json_object *
ctl_event_json(const struct ev_rec *ev)
{
	json_object *o = json_object_new_object();
	enum reason r = reason_from_code(ev->reason);

	ctl_add_int(o, "id", ev->id);
	ctl_add_int(o, "ts_ms", ev->ts_ms);
	ctl_add_str(o, "kind", ev->kind);
	ctl_add_str(o, "lane", ev->lane);
	ctl_add_str(o, "device", ev->device);
	ctl_add_str(o, "direction", ev->direction);
	ctl_add_str(o, "credential", ev->credential);
	ctl_add_str(o, "decision", ev->decision);
	ctl_add_str(o, "reason", ev->reason);
	ctl_add_str(o, "reason_text", r < R_COUNT ? rule_reason_text(r) :
	    desk_reason_text(ev->reason));
	ctl_add_int(o, "person", ev->person);
	ctl_add_str(o, "actor", ev->actor);
	ctl_add_str(o, "detail", ev->detail);
	return o;
}

static void
events_done(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct ev_rec *ev = req->rows;

	if (req->status != 0) {
		ctl_reply_err(c, "events: %s", req->error);
	} else {
		json_object *a = json_object_new_array();

		for (size_t i = 0; i < req->nrows; i++)
			json_object_array_add(a, ctl_event_json(&ev[i]));
		ctl_reply_ok(c, a);
		/* Committed events after this reply reach the follower in order:
		 * the store completes requests and batches in commit order. */
		c->follow_events = c->wants_follow;
		str_copy(c->follow_lane, req->in.query.lane, sizeof(c->follow_lane));
	}
	ctl_req_finish(c, req);
}

void
ctl_cmd_events(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "since_ms", "lane", "limit", "follow", NULL };
	struct store_req *req;
	int64_t since = 0, limit = 100;
	bool follow = false;
	char lane[32] = "";

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_int(c, args, "since_ms", &since, 0, INT64_MAX) < 0 ||
	    ctl_arg_int(c, args, "limit", &limit, 1, 100000) < 0 ||
	    ctl_arg_bool(c, args, "follow", &follow) < 0 ||
	    ctl_arg_str(c, args, "lane", lane, sizeof(lane), false) < 0)
		return;
	if (lane[0] && config_lane_index(c->srv->e->site, lane) < 0 &&
	    config_elevator_index(c->srv->e->site, lane) < 0) {
		ctl_reply_err(c, "no lane \"%s\"", lane);
		return;
	}
	if (follow && !ctl_follow_admit(c))
		return;
	if ((req = ctl_req_new(c, STORE_EVENT_QUERY, events_done)) == NULL)
		return;
	req->in.query.since_ms = since;
	req->in.query.limit = (int)limit;
	str_copy(req->in.query.lane, lane, sizeof(req->in.query.lane));
	c->wants_follow = follow;	/* events_done starts following */
	ctl_req_submit(c, req);
}
