/*
 * The fire-alarm mode on the control socket: "fire" shows it, "fire.reset"
 * ends it once every fire input is inactive (recorded with who, committed
 * before the reply), and the "fire_mode" line of "status".
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "../engine/engine.h"
#include "../common/util.h"

static const char *const no_args[] = { NULL };

/* "off", "on", or "on, awaiting reset" once every fire input is inactive. */
const char *
ctl_fire_mode_word(const struct engine *e)
{
	char why[160];

	if (!fire_mode_active(e))
		return "off";
	if (fire_reset_refusal(e, why, sizeof(why)) == NULL)
		return "on, awaiting reset";
	return "on";
}

void
ctl_cmd_fire(struct ctl_client *c, json_object *args)
{
	struct engine *e = c->srv->e;
	json_object *o, *inputs;
	char why[160];
	const char *refusal;

	if (!ctl_args_known(c, args, no_args))
		return;
	refusal = fire_reset_refusal(e, why, sizeof(why));
	o = json_object_new_object();
	json_object_object_add(o, "mode", json_object_new_string(
	    ctl_fire_mode_word(e)));
	json_object_object_add(o, "active", json_object_new_boolean(
	    fire_mode_active(e)));
	json_object_object_add(o, "since_ms", json_object_new_int64(
	    fire_mode_active(e) ? e->fire.since_ms : 0));
	json_object_object_add(o, "source", json_object_new_string(
	    fire_mode_active(e) ? e->fire.source : ""));
	json_object_object_add(o, "awaiting_reset", json_object_new_boolean(
	    fire_mode_active(e) && refusal == NULL));
	if (fire_mode_active(e) && refusal != NULL)
		json_object_object_add(o, "reset_blocked",
		    json_object_new_string(refusal));
	/* Every fire input: "active", "inactive" or "unknown" (not read). */
	inputs = json_object_new_object();
	for (int d = 0; d < e->site->ndevices; d++) {
		const struct device_conf *dc = &e->site->devices[d];
		const struct dev_state *ds = &e->devs[d];

		if (dc->kind != DEV_INPUT || dc->function != IN_FIRE)
			continue;
		json_object_object_add(inputs, dc->name, json_object_new_string(
		    !ds->online || !ds->have_status ? "unknown" :
		    input_state_of(e, d)->active ? "active" : "inactive"));
	}
	json_object_object_add(o, "inputs", inputs);
	ctl_reply_ok(c, o);
}

static void
fire_reset_committed(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	struct engine *e = c->srv->e;
	char err[240];

	if (fire_reset_done(e, req, err, sizeof(err)) < 0) {
		ctl_reply_err(c, "%s", err);
	} else {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "mode", json_object_new_string("off"));
		json_object_object_add(o, "reset_by", json_object_new_string(
		    req->in.fire.reset_by));
		json_object_object_add(o, "ended_ms", json_object_new_int64(
		    req->in.fire.ended_ms));
		ctl_reply_ok(c, o);
	}
	ctl_req_finish(c, req);
}

void
ctl_cmd_fire_reset(struct ctl_client *c, json_object *args)
{
	struct engine *e = c->srv->e;
	struct store_req *req;
	char why[160];

	if (!ctl_args_known(c, args, no_args))
		return;
	if (fire_reset_refusal(e, why, sizeof(why)) != NULL) {
		ctl_reply_err(c, "fire mode not reset: %s", why);
		return;
	}
	if ((req = ctl_req_new(c, STORE_FIRE_PUT, fire_reset_committed)) == NULL)
		return;
	fire_reset_begin(e, c->user, req);
	ctl_req_submit(c, req);
}
