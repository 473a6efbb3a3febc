/*
 * The intercom control commands: intercom.list (every station, its call
 * and for how long) and intercom.release (the front desk releases a
 * station's door: recorded with who and why, then sent).
 */
#include <json-c/json.h>
#include <string.h>

#include "control_int.h"
#include "../engine/engine.h"
#include "../common/util.h"

static json_object *
bit_json(uint8_t v)
{
	return v == ICOM_BIT_NONE ? NULL : json_object_new_boolean(v != 0);
}

/* One station's row of intercom.list. */
static void
icom_row(struct ctl_client *c, int d, const struct device_conf *dc,
    const struct dev_state *ds, bool known_state, json_object *o)
{
	const struct site_conf *site = c->srv->e->site;
	const struct icom_state *st = icom_state_of(c->srv->e, d);

	ctl_add_int(o, "station", dc->station);
	ctl_add_str(o, "next", dc->next >= 0 ? site->devices[dc->next].name : "");
	ctl_add_int(o, "ring_timeout_s", dc->ring_timeout_s);
	json_object_object_add(o, "online", json_object_new_boolean(ds->online));
	ctl_add_str(o, "reason", ds->online ? "" : ds->reason);
	ctl_add_str(o, "call", known_state ? config_icom_call_name(st->call) :
	    ds->online ? "unknown" : "offline");
	ctl_add_int(o, "call_since_ms", st->call_since_ms);
	ctl_add_str(o, "forwarded_to", st->call == ICOM_RINGING &&
	    st->call_at != d ? site->devices[st->call_at].name : "");
	json_object_object_add(o, "button", known_state ?
	    bit_json(st->icom_button) : NULL);
	json_object_object_add(o, "door_open", known_state ?
	    bit_json(st->icom_door) : NULL);
	json_object_object_add(o, "release", json_object_new_boolean(
	    site->profiles[dc->profile].icom.release.set));
}

void
ctl_cmd_icom_list(struct ctl_client *c, json_object *args)
{
	ctl_list_kind(c, args, DEV_INTERCOM, icom_row);
}

static void
icom_released(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	struct engine *e = c->srv->e;
	const struct ev_rec *ev = &req->in.event;
	int d = config_device_index(e->site, ev->device);
	char err[160];

	if (d < 0 || e->site->devices[d].kind != DEV_INTERCOM) {
		/* A reload removed the station meanwhile. */
		ctl_reply_err(c, "station %s is no longer configured; not released",
		    ev->device);
	} else if (req->status != 0) {
		ctl_reply_err(c, "%s not released: it could not be recorded: %s",
		    ev->device, req->error);
	} else if (icom_send_cmd(e, d, ICOM_CMD_RELEASE, 0, err, sizeof(err)) < 0) {
		struct ev_rec failed = *ev;

		str_copy(failed.kind, "command_failed", sizeof(failed.kind));
		str_copy(failed.detail, err, sizeof(failed.detail));
		failed.ts_ms = real_ms();
		engine_event(e, &failed);
		ctl_reply_err(c, "%s recorded but not released: %s", ev->device, err);
	} else {
		json_object *o = json_object_new_object();

		log_notice("%s: door released by %s: %s", ev->device, ev->actor,
		    ev->detail);
		ctl_add_str(o, "station", ev->device);
		ctl_add_int(o, "event_id", req->id);
		ctl_reply_ok(c, o);
	}
	ctl_req_finish(c, req);
}

void
ctl_cmd_icom_release(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "station", "reason", NULL };
	struct engine *e = c->srv->e;
	const struct device_conf *dc;
	const struct dev_state *ds;
	union store_in in = { 0 };
	struct ev_rec *ev = &in.event;
	char name[32] = "", reason[100] = "";
	int d;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "station", name, sizeof(name), true) < 0 ||
	    ctl_arg_str(c, args, "reason", reason, sizeof(reason), false) < 0)
		return;
	if ((d = config_device_index(e->site, name)) < 0 ||
	    e->site->devices[d].kind != DEV_INTERCOM) {
		ctl_reply_err(c, "no intercom station \"%s\"", name);
		return;
	}
	if (reason[0] == '\0') {
		ctl_reply_err(c, "a reason is required to release a door");
		return;
	}
	dc = &e->site->devices[d];
	ds = &e->devs[d];
	if (!e->site->profiles[dc->profile].icom.release.set) {
		ctl_reply_err(c, "%s not released: profile %s has no release "
		    "command", name, e->site->profiles[dc->profile].name);
		return;
	}
	if (!ds->online || !ds->have_status) {
		/* The worker would refuse it too: an offline device gets no command. */
		ctl_reply_err(c, "%s not released: the station is not answering (%s)",
		    name, ds->online ? "no status read yet" : ds->reason);
		return;
	}
	/* Recorded first, released once the record is committed (invariant 7). */
	engine_ev_init(ev, "door_release");
	str_copy(ev->device, dc->name, sizeof(ev->device));
	str_copy(ev->decision, "granted", sizeof(ev->decision));
	str_copy(ev->reason, rule_reason_code(R_MANUAL), sizeof(ev->reason));
	str_copy(ev->actor, c->user, sizeof(ev->actor));
	str_copy(ev->detail, reason, sizeof(ev->detail));
	ctl_request(c, STORE_EVENT_SYNC, icom_released, &in);
}
