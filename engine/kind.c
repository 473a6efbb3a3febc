/*
 * The table of device kinds (kind.h), by config's enum device_kind, and the
 * loop's view of their timers.
 */
#include "kind.h"

#include "engine.h"

/* Relay outputs (door strikes) read no messages of their own: their
 * command results and their online state are every device's. */
const struct dev_kind output_kind = {
	.name = "output", .label = "Output",
};

/* Every kind's own state fits in the room each device has for it. */
_Static_assert(sizeof(struct turnstile_state) <= DEV_KSTATE_MAX &&
    sizeof(struct reader_state) <= DEV_KSTATE_MAX &&
    sizeof(struct input_state) <= DEV_KSTATE_MAX &&
    sizeof(struct icom_state) <= DEV_KSTATE_MAX &&
    sizeof(struct elev_state) <= DEV_KSTATE_MAX,
    "a device kind's state does not fit in dev_state.kstate");

static const struct dev_kind *const kinds[] = {
	[DEV_TURNSTILE] = &turnstile_kind,
	[DEV_READER] = &reader_kind,
	[DEV_ELEVATOR] = &elev_kind,
	[DEV_INTERCOM] = &icom_kind,
	[DEV_INPUT] = &input_kind,
	[DEV_OUTPUT] = &output_kind,
};

const struct dev_kind *
kind_of(const struct engine *e, int dev)
{
	unsigned k = (unsigned)e->site->devices[dev].kind;

	return k < sizeof(kinds) / sizeof(kinds[0]) && kinds[k] != NULL ?
	    kinds[k] : &output_kind;
}

void
kind_tick(struct engine *e, int64_t now_ns)
{
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (kinds[k]->tick != NULL)
			kinds[k]->tick(e, now_ns);
}

int64_t
kind_next_deadline(const struct engine *e)
{
	int64_t next = INT64_MAX;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		int64_t t;

		if (kinds[k]->next_deadline != NULL &&
		    (t = kinds[k]->next_deadline(e)) < next)
			next = t;
	}
	return next;
}

const char *
kind_state_name(const struct engine *e, int dev)
{
	const struct dev_state *ds = &e->devs[dev];
	const struct dev_kind *k = kind_of(e, dev);

	if (!ds->online)
		return "offline";
	if (k->state_name == NULL)
		return "ok";
	if (!ds->have_status)
		return "unknown";
	return k->state_name(e, dev);
}

int64_t
kind_state_since(const struct engine *e, int dev)
{
	const struct dev_state *ds = &e->devs[dev];
	const struct dev_kind *k = kind_of(e, dev);
	int64_t t;

	if (!ds->online || !ds->have_status)
		return ds->since_ms;
	if (ds->fault_since_ms != 0)
		return ds->fault_since_ms;
	if (k->state_since_ms != NULL && (t = k->state_since_ms(e, dev)) != 0)
		return t;
	return ds->since_ms;
}
