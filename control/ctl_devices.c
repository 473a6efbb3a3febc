/*
 * "devices": each device's kind, link, state in words and since when, and
 * its counters, read from the engine's copy of the device state.
 */
#include <json-c/json.h>
#include <stdint.h>

#include "control_int.h"
#include "../engine/engine.h"
#include "../common/util.h"

static const char *
dev_state_name(const struct dev_state *ds, const struct device_conf *dc)
{
	if (!ds->online)
		return "offline";
	if (dc->kind == DEV_READER)
		return "ok";
	if (!ds->have_status)
		return "unknown";
	if (dc->kind == DEV_INPUT)
		return ds->input_active ? "active" : "inactive";
	if (dc->kind == DEV_INTERCOM)
		return config_icom_call_name(ds->call);
	if (dc->kind == DEV_ELEVATOR)
		return ds->elev_trapped ? "trapped" : ds->fault_code != 0 ? "fault" :
		    config_elev_mode_name((enum elev_mode)ds->elev_mode);
	if (ds->fault_code != 0)
		return "fault";
	return config_ts_state_name(ds->state);
}

/* Since when the device has been in the state dev_state_name() gives, where
 * lobbyd knows it (a fault, an input's or a call's last change); else since
 * it came online or went offline. Wall clock, ms. */
static int64_t
dev_state_since(const struct dev_state *ds, const struct device_conf *dc,
    int64_t now_ms, int64_t now_ns)
{
	if (!ds->online || !ds->have_status)
		return ds->since_ms;
	if (ds->fault_since_ms != 0)
		return ds->fault_since_ms;
	if (dc->kind == DEV_INPUT && ds->input_since_ns != 0)
		return now_ms - (now_ns - ds->input_since_ns) / NS_PER_MS;
	if (dc->kind == DEV_INTERCOM && ds->call_since_ms != 0)
		return ds->call_since_ms;
	return ds->since_ms;
}

void
ctl_cmd_devices(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { NULL };
	struct engine *e = c->srv->e;
	int64_t now_ms = real_ms(), now_ns = mono_ns();
	json_object *a;

	if (!ctl_args_known(c, args, known))
		return;
	a = json_object_new_array();
	for (int d = 0; d < e->site->ndevices; d++) {
		const struct device_conf *dc = &e->site->devices[d];
		const struct dev_state *ds = &e->devs[d];
		json_object *o = json_object_new_object();

		ctl_add_str(o, "name", dc->name);
		ctl_add_str(o, "kind", config_device_kind_name(dc->kind));
		ctl_add_str(o, "link", e->site->links[dc->link].name);
		json_object_object_add(o, "online", json_object_new_boolean(ds->online));
		ctl_add_str(o, "state", dev_state_name(ds, dc));
		ctl_add_int(o, "fault_code", ds->fault_code);
		ctl_add_int(o, "entry_count", ds->entry_count);
		ctl_add_int(o, "exit_count", ds->exit_count);
		ctl_add_int(o, "failures", ds->failures);
		ctl_add_int(o, "rejects", (int64_t)ds->rejects);
		ctl_add_str(o, "reason", ds->online ? "" : ds->reason);
		ctl_add_int(o, "since_ms", ds->since_ms);
		ctl_add_int(o, "fault_since_ms", ds->fault_since_ms);
		ctl_add_int(o, "state_since_ms",
		    dev_state_since(ds, dc, now_ms, now_ns));
		json_object_array_add(a, o);
	}
	ctl_reply_ok(c, a);
}
