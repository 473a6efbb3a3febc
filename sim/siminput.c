/*
 * lobbysim's contact inputs: a Modbus unit whose one point (coil, discrete
 * input or register) shows a contact, on or off, as lobbyd's config
 * describes it (active_low inverts). "input DEV on|off" sets it; a master's
 * write to the point is put back, as a real input module would.
 */
#include "sim.h"

#include <stdio.h>
#include <string.h>

#include "../common/util.h"

/* A contact at rest: off. */
void
sim_input_start(struct sim *sim, int dev)
{
	sim->ts[dev].input = true;
	sim_input_publish(&sim->ts[dev]);
}

/* The contact's raw value in the mapping: on is nonzero unless active low. */
void
sim_input_publish(struct sim_ts *ts)
{
	sim_map_put(ts->map, &ts->conf->point,
	    ts->input_on != ts->conf->active_low ? 1 : 0);
}

/* "input DEV" (its state) and "input DEV on|off". */
void
sim_input_cmd(struct sim *sim, int argc, char **argv, char *out, size_t size)
{
	struct sim_ts *ts;
	int d;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "on") != 0 &&
	    strcmp(argv[2], "off") != 0)) {
		snprintf(out, size, "error usage: input DEV [on|off]");
		return;
	}
	d = config_device_index(&sim->site, argv[1]);
	if (d < 0) {
		snprintf(out, size, "error no device \"%s\"", argv[1]);
		return;
	}
	ts = &sim->ts[d];
	if (!ts->used || !ts->input) {
		snprintf(out, size, "error %s is not an input", argv[1]);
		return;
	}
	if (argc == 3) {
		ts->input_on = strcmp(argv[2], "on") == 0;
		sim_input_publish(ts);
		if (sim->verbose)
			log_info("%s: input %s", ts->conf->name, argv[2]);
	}
	snprintf(out, size, "ok on=%d muted=%d", ts->input_on, ts->muted);
}
