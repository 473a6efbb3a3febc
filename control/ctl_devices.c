/*
 * "devices": each device's kind, link, state in words and since when (its
 * kind's to say: engine/kind.h), and its counters, read from the engine's
 * copy of the device state.
 */
#include <json-c/json.h>
#include <stdint.h>

#include "control_int.h"
#include "../engine/engine.h"

static void
device_row(struct ctl_client *c, int d, const struct device_conf *dc,
    const struct dev_state *ds, bool known, json_object *o)
{
	struct engine *e = c->srv->e;
	/* The counters of a turnstile, the bad frames of a reader; 0 for others. */
	const struct turnstile_state *ts = dc->kind == DEV_TURNSTILE ?
	    turnstile_state_of(e, d) : NULL;
	const struct reader_state *rs = dc->kind == DEV_READER ?
	    reader_state_of(e, d) : NULL;

	(void)known;
	ctl_add_str(o, "kind", config_device_kind_name(dc->kind));
	/* What a reader reads: cards, codes, or identity cards at the desk
	 * ("idcard": the registration form's pick list). */
	if (dc->kind == DEV_READER)
		ctl_add_str(o, "format", e->site->links[dc->link].type == LINK_GPIO ?
		    "wiegand" : config_card_format_name(e->site->links[dc->link].format));
	ctl_add_str(o, "link", e->site->links[dc->link].name);
	json_object_object_add(o, "online", json_object_new_boolean(ds->online));
	ctl_add_str(o, "state", kind_state_name(e, d));
	ctl_add_int(o, "fault_code", ds->fault_code);
	ctl_add_int(o, "entry_count", ts != NULL ? ts->entry_count : 0);
	ctl_add_int(o, "exit_count", ts != NULL ? ts->exit_count : 0);
	ctl_add_int(o, "failures", ds->failures);
	ctl_add_int(o, "rejects", rs != NULL ? (int64_t)rs->rejects : 0);
	ctl_add_str(o, "reason", ds->online ? "" : ds->reason);
	ctl_add_int(o, "since_ms", ds->since_ms);
	ctl_add_int(o, "fault_since_ms", ds->fault_since_ms);
	ctl_add_int(o, "state_since_ms", kind_state_since(e, d));
}

void
ctl_cmd_devices(struct ctl_client *c, json_object *args)
{
	ctl_list_kind(c, args, CTL_ALL_KINDS, device_row);
}

void
ctl_list_kind(struct ctl_client *c, json_object *args, int kind, ctl_dev_row_fn *row)
{
	static const char *const known[] = { NULL };
	struct engine *e = c->srv->e;
	json_object *a;

	if (!ctl_args_known(c, args, known))
		return;
	a = json_object_new_array();
	for (int d = 0; d < e->site->ndevices; d++) {
		const struct device_conf *dc = &e->site->devices[d];
		const struct dev_state *ds = &e->devs[d];
		json_object *o;

		if (kind != CTL_ALL_KINDS && (int)dc->kind != kind)
			continue;
		o = json_object_new_object();
		ctl_add_str(o, "name", dc->name);
		row(c, d, dc, ds, ds->online && ds->have_status, o);
		json_object_array_add(a, o);
	}
	ctl_reply_ok(c, a);
}
