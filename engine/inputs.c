/*
 * Contact inputs (DEV_INPUT), whichever link reads them: each change is
 * recorded, and handed to what the input means: a door, an exit button, the
 * fire alarm, a power failure or a tamper switch.
 */
#include <stdio.h>

#include "engine.h"
#include "../common/util.h"

const struct input_state *
input_state_of(const struct engine *e, int dev)
{
	return engine_kstate_of(e, dev);
}

/* Power failures and tampering go to engineering and security. */
static void
input_alarm(struct engine *e, int dev, bool active)
{
	const struct device_conf *dc = &e->site->devices[dev];
	char msg[128];

	if (!active) {
		alert_dev_clear(e, dev, dc->function == IN_POWER ? "power" : "tamper");
		return;
	}
	if (dc->function == IN_POWER) {
		snprintf(msg, sizeof(msg), "Power failure: %s reports mains lost "
		    "(running on battery)", dc->name);
		alert_dev_raise(e, dev, "power", SEV_URGENT,
		    AUD_ENGINEERING | AUD_SECURITY | AUD_FRONTDESK, msg);
	} else {
		snprintf(msg, sizeof(msg), "Tamper: %s was opened", dc->name);
		alert_dev_raise(e, dev, "tamper", SEV_URGENT,
		    AUD_SECURITY | AUD_ENGINEERING, msg);
	}
}

/* The kind's message: a contact's level. */
static void
input_msg(struct engine *e, int dev, const union msg_any *any)
{
	const struct msg_input *m = &any->input;
	const struct device_conf *dc = &e->site->devices[dev];
	struct dev_state *ds = &e->devs[dev];
	struct input_state *is = engine_kstate(e, dev);
	bool active = m->active != 0;
	bool first = !ds->have_status;
	struct ev_rec ev;

	if (!ds->online)
		engine_dev_online(e, dev);
	if (!first && is->active == active)
		return;
	ds->have_status = true;
	is->active = active;
	is->since_ns = m->t_ns;

	/* A door's contact and exit button are recorded by doors.c. */
	if ((dc->function == IN_DOOR || dc->function == IN_REX) &&
	    door_input(e, dev, active, first, m->t_ns))
		return;
	/* The first reading is a baseline; an alarm already on is an alarm. */
	if (!first || active) {
		engine_ev_init(&ev, active ? "input_active" : "input_inactive");
		engine_ev_dev(e, &ev, dev);
		snprintf(ev.detail, sizeof(ev.detail), "%s %s",
		    config_input_function_name(dc->function),
		    active ? "active" : "inactive");
		engine_event(e, &ev);
	}
	switch (dc->function) {
	case IN_FIRE:
		fire_input(e, dev, active);
		break;
	case IN_POWER:
	case IN_TAMPER:
		input_alarm(e, dev, active);
		break;
	case IN_DOOR:
	case IN_REX:
		break;
	}
}

/* ---- the kind ----------------------------------------------------------- */

static const char *
input_state_name(const struct engine *e, int dev)
{
	return input_state_of(e, dev)->active ? "active" : "inactive";
}

/* Its last change, on the wall clock. */
static int64_t
input_state_since(const struct engine *e, int dev)
{
	int64_t since_ns = input_state_of(e, dev)->since_ns;

	return since_ns != 0 ? real_ms() - (mono_ns() - since_ns) / NS_PER_MS : 0;
}

const struct dev_kind input_kind = {
	.name = "input",
	.label = "Input",
	.state_size = sizeof(struct input_state),
	.msgs = 1u << MSG_INPUT,
	.msg = input_msg,
	.state_name = input_state_name,
	.state_since_ms = input_state_since,
};
