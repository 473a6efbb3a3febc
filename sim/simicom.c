/*
 * lobbysim's intercom stations: a call that rings, is answered and hung up
 * from the control socket, shown through a Modbus mapping laid out by the
 * station's profile; the release and forward writes a master makes are kept.
 */
#include "sim.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../common/util.h"

void
sim_icom_need(int sizes[4], const struct profile *prof)
{
	const struct icom_profile *p = &prof->icom;

	sim_map_need_point(sizes, &p->call);
	sim_map_need(sizes, p->button.set, p->button.table, p->button.addr, 1);
	sim_map_need(sizes, p->door.set, p->door.table, p->door.addr, 1);
	sim_map_need(sizes, p->release.set, p->release.table, p->release.addr,
	    1);
	sim_map_need_point(sizes, &p->forward);
}

/* A station at rest: no call. */
void
sim_icom_start(struct sim *sim, int dev)
{
	sim->icom[dev] = (struct sim_icom){ .used = true, .call = ICOM_IDLE };
	sim_icom_publish(sim, dev);
}

void
sim_icom_publish(struct sim *sim, int dev)
{
	const struct sim_ts *ts = &sim->ts[dev];
	const struct sim_icom *ic = &sim->icom[dev];
	const struct icom_profile *p = &ts->prof->icom;
	int c = ic->call >= ICOM_IDLE && ic->call <= ICOM_CONNECTED ? ic->call :
	    ICOM_IDLE;

	sim_map_put(ts->map, &p->call, (uint32_t)p->call_value[c]);
	sim_map_put(ts->map, &p->button, ic->button);
	sim_map_put(ts->map, &p->door, ic->door_open);
}

static void
icom_log(struct sim *sim, int dev, enum icom_cmd cmd, unsigned value,
    int64_t t_ns)
{
	struct sim_icom *ic = &sim->icom[dev];
	struct sim_icom_write *w = &ic->wlog[ic->nwrites % SIM_ICOM_WLOG];

	w->t_ns = t_ns;
	w->cmd = cmd;
	w->value = value;
	ic->nwrites++;
	if (cmd == ICOM_CMD_RELEASE) {
		ic->released = value;
		/* A station with its own pulse ends the release itself; with
		 * release_ms, lobbyd writes the end. */
		ic->pulse_end_ns = value != 0 && sim->ts[dev].prof->icom.release_ms == 0 ?
		    t_ns + SIM_ICOM_PULSE_MS * NS_PER_MS : 0;
	} else {
		ic->forward = value;
	}
	if (sim->verbose)
		log_info("%s: %s %u", sim->site.devices[dev].name,
		    cmd == ICOM_CMD_RELEASE ? "release" : "forward", value);
}

static void
icom_write_one(struct sim *sim, struct sim_ts *ts, enum reg_table t,
    unsigned addr, unsigned value, int64_t t_ns)
{
	const struct icom_profile *p = &ts->prof->icom;

	if (p->release.set && p->release.table == t && p->release.addr == addr)
		icom_log(sim, ts->dev, ICOM_CMD_RELEASE, value, t_ns);
	if (p->forward.set && t == REG_HOLDING && p->forward.addr == addr)
		icom_log(sim, ts->dev, ICOM_CMD_FORWARD, value, t_ns);
}

void
sim_icom_writes(struct sim *sim, int dev, const uint8_t *pdu, size_t len,
    int64_t t_ns)
{
	sim_pdu_writes(sim, &sim->ts[dev], pdu, len, t_ns, icom_write_one);
}

int64_t
sim_icom_tick(struct sim *sim, int64_t now)
{
	int64_t next = -1;

	for (int d = 0; d < sim->site.ndevices; d++) {
		struct sim_icom *ic = &sim->icom[d];
		const struct icom_profile *p;

		if (!ic->used || ic->pulse_end_ns == 0)
			continue;
		if (ic->pulse_end_ns > now) {
			if (next < 0 || ic->pulse_end_ns < next)
				next = ic->pulse_end_ns;
			continue;
		}
		p = &sim->ts[d].prof->icom;
		ic->pulse_end_ns = 0;
		ic->released = 0;
		sim_map_put(sim->ts[d].map, (const struct reg_point[]){ { .set = true,
		    .table = p->release.table, .addr = p->release.addr,
		    .width = p->release.table == REG_COIL ? 1 : 16 } }, 0);
		if (sim->verbose)
			log_info("%s: release pulse over", sim->site.devices[d].name);
	}
	return next;
}

static void
icom_writes_reply(const struct sim_icom *ic, uint64_t max, char *out,
    size_t size)
{
	uint64_t n = ic->nwrites < max ? ic->nwrites : max;
	size_t off;

	off = (size_t)snprintf(out, size, "ok %" PRIu64, n);
	for (uint64_t i = ic->nwrites - n; i < ic->nwrites && off < size; i++) {
		const struct sim_icom_write *w = &ic->wlog[i % SIM_ICOM_WLOG];

		off += (size_t)snprintf(out + off, size - off, " %" PRId64 ":%s:%u",
		    w->t_ns, w->cmd == ICOM_CMD_RELEASE ? "release" : "forward",
		    w->value);
	}
}

void
sim_icom_ctl(struct sim *sim, int argc, char **argv, char *out, size_t size)
{
	struct sim_icom *ic;
	const char *what;
	long v;
	int d;

	if (argc < 3) {
		str_printf(out, size, "error usage: icom DEV "
		    "ring|answer|hangup|door open|closed|status|writes [N]");
		return;
	}
	if ((d = sim_unit_find(sim, argv[1], DEV_INTERCOM, "intercom station",
	    out, size)) < 0)
		return;
	ic = &sim->icom[d];
	what = argv[2];
	if (strcmp(what, "ring") == 0 && argc == 3) {
		ic->call = ICOM_RINGING;
		ic->button = true;
	} else if (strcmp(what, "answer") == 0 && argc == 3) {
		ic->call = ICOM_CONNECTED;
		ic->button = false;
	} else if (strcmp(what, "hangup") == 0 && argc == 3) {
		ic->call = ICOM_IDLE;
		ic->button = false;
	} else if (strcmp(what, "door") == 0 && argc == 4 &&
	    (strcmp(argv[3], "open") == 0 || strcmp(argv[3], "closed") == 0)) {
		ic->door_open = strcmp(argv[3], "open") == 0;
	} else if (strcmp(what, "status") == 0 && argc == 3) {
		str_printf(out, size, "ok call=%s button=%d door=%s "
		    "released=%u forward=%u writes=%" PRIu64 " muted=%d",
		    config_icom_call_name(ic->call), ic->button,
		    ic->door_open ? "open" : "closed", ic->released, ic->forward,
		    ic->nwrites, sim->ts[d].muted);
		return;
	} else if (strcmp(what, "writes") == 0 && argc <= 4) {
		v = 64;
		if (argc == 4 && !sim_parse_long(argv[3], 1, SIM_ICOM_WLOG, &v)) {
			str_printf(out, size, "error writes: N must be 1..%d, got "
			    "\"%s\"", SIM_ICOM_WLOG, argv[3]);
			return;
		}
		icom_writes_reply(ic, (uint64_t)v, out, size);
		return;
	} else {
		str_printf(out, size, "error usage: icom DEV "
		    "ring|answer|hangup|door open|closed|status|writes [N]");
		return;
	}
	if (sim->verbose)
		log_info("%s: %s%s%s", argv[1], what, argc == 4 ? " " : "",
		    argc == 4 ? argv[3] : "");
	sim_icom_publish(sim, d);
	str_printf(out, size, "ok");
}
