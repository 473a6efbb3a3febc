/*
 * Contact inputs read over Modbus: one coil, discrete input or register of a
 * unit, nonzero meaning on, active_low turning that around. The input is
 * polled by drivers/modbus.c with the turnstiles of its link (same health,
 * offline and back-off rules); here a poll's value becomes MSG_INPUT, sent
 * on the first read and on every change.
 */
#include "modbus_input.h"

#include <string.h>

#include "../common/util.h"

void
modbus_input_profile(const struct device_conf *dc, struct profile *p)
{
	memset(p, 0, sizeof(*p));
	str_copy(p->name, "input", sizeof(p->name));
	p->kind = PROFILE_TURNSTILE;	/* unused: no decoding, no commands */
	p->state = dc->point;
}

void
modbus_input_report(struct link *l, const struct device_conf *dc, int index,
    uint32_t raw, int64_t t_ns, bool *have, bool *active)
{
	bool now = (raw != 0) != dc->active_low;
	struct msg_input m;

	if (*have && *active == now)
		return;
	msg_init(&m, MSG_INPUT, (uint16_t)index);
	m.active = now ? 1 : 0;
	m.t_ns = t_ns;
	if (link_emit(l, &m) == 0) {
		log_debug("%s/unit %d (%s): input %s", l->conf->name, dc->unit,
		    dc->name, now ? "active" : "inactive");
		*have = true;
		*active = now;
	}
}
