/*
 * The fire-alarm mode (DESIGN invariant 2). While a fire-alarm input is
 * active, an emergency alert goes to everyone.
 */
#include <stdio.h>

#include "engine.h"
#include "util.h"

void
fire_input(struct engine *e, int dev, bool active)
{
	const struct device_conf *dc = &e->site->devices[dev];
	char msg[128];

	if (!active) {
		log_notice("%s: fire alarm input cleared", dc->name);
		alert_dev_clear(e, dev, "fire");
		return;
	}
	log_crit("%s: FIRE ALARM", dc->name);
	snprintf(msg, sizeof(msg), "Fire alarm from %s", dc->name);
	alert_dev_raise(e, dev, "fire", SEV_EMERGENCY, AUD_ALL, msg);
}
