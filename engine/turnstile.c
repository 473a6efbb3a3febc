/*
 * Turnstiles (the device kind turnstile_kind): their status messages become
 * passages, faults and their alerts; the passage counters are read as
 * differences in the turnstile's own counter width, across outages too.
 */
#include <stdio.h>

#include "engine.h"
#include "lanes.h"
#include "../common/util.h"

#define COUNTER_JUMP_MAX	50	/* more passages than this at once: a reset */

const struct turnstile_state *
turnstile_state_of(const struct engine *e, int dev)
{
	return engine_kstate_of(e, dev);
}

/* Counter difference since the last status, in its own width. */
static uint32_t
counter_delta(uint32_t now, uint32_t before, uint32_t mask)
{
	return (now - before) & mask;
}

/*
 * The first status after an outage: passages counted while lobbyd could not
 * see them belong to nobody it can name, so they are recorded as such, not
 * as passages (nor taken silently as a new baseline). A counter that went
 * back or jumped far means the turnstile restarted.
 */
static void
counters_moved_offline(struct engine *e, int dev, const struct msg_ts_status *m,
    uint32_t mask)
{
	const struct turnstile_state *ts = engine_kstate(e, dev);
	uint32_t din = counter_delta(m->entry_count, ts->entry_count, mask);
	uint32_t dout = counter_delta(m->exit_count, ts->exit_count, mask);
	struct ev_rec ev;

	if (din == 0 && dout == 0)
		return;
	engine_ev_init(&ev, "counters_moved");
	engine_ev_dev(e, &ev, dev);
	if (din > COUNTER_JUMP_MAX || dout > COUNTER_JUMP_MAX)
		snprintf(ev.detail, sizeof(ev.detail), "counters changed while "
		    "offline (entry %u->%u, exit %u->%u): turnstile restarted; "
		    "new baseline", ts->entry_count, m->entry_count,
		    ts->exit_count, m->exit_count);
	else
		snprintf(ev.detail, sizeof(ev.detail), "entry counter moved by %u, "
		    "exit counter by %u while offline", din, dout);
	engine_event(e, &ev);
}

static void
ts_status(struct engine *e, int dev, const struct msg_ts_status *m)
{
	struct dev_state *ds = &e->devs[dev];
	struct turnstile_state *ts = engine_kstate(e, dev);
	const struct device_conf *dc = &e->site->devices[dev];
	/* A state value the profile does not name is a fault too: the device
	 * is in a mode lobbyd does not understand, and nothing opens. */
	bool was_fault = ds->have_status && (ts->state == TS_FAULT ||
	    ts->state == TS_UNKNOWN || ds->fault_code != 0);
	bool is_fault = m->state == TS_FAULT || m->state == TS_UNKNOWN ||
	    m->fault_code != 0;
	uint32_t mask = m->counter_mask ? m->counter_mask : 0xffff;
	bool first = !ds->have_status || !ds->online;
	enum ts_state before = ts->state;

	if (!ds->online)
		engine_dev_online(e, dev);
	if (!ds->have_status && ts->counts_known)
		counters_moved_offline(e, dev, m, mask);
	if (ds->have_status) {
		uint32_t din = counter_delta(m->entry_count, ts->entry_count, mask);
		uint32_t dout = counter_delta(m->exit_count, ts->exit_count, mask);

		if (din > COUNTER_JUMP_MAX || dout > COUNTER_JUMP_MAX) {
			struct ev_rec ev;

			engine_ev_init(&ev, "counter_reset");
			engine_ev_dev(e, &ev, dev);
			snprintf(ev.detail, sizeof(ev.detail),
			    "passage counters jumped (entry +%u, exit +%u); new baseline",
			    din, dout);
			engine_event(e, &ev);
		} else {
			while (din-- > 0)
				lane_passage(e, dev, DIR_ENTRY);
			while (dout-- > 0)
				lane_passage(e, dev, DIR_EXIT);
		}
	}
	ds->have_status = true;
	ts->counts_known = true;
	ts->state = (enum ts_state)m->state;
	ts->entry_count = m->entry_count;
	ts->exit_count = m->exit_count;
	ts->counter_mask = mask;
	ds->fault_code = m->fault_code;

	if (is_fault && !was_fault) {
		struct ev_rec ev;
		char msg[128];

		engine_ev_init(&ev, "fault");
		engine_ev_dev(e, &ev, dev);
		if (m->state == TS_UNKNOWN && m->fault_code == 0) {
			snprintf(ev.detail, sizeof(ev.detail),
			    "state value %d is not in profile %s", m->raw_state,
			    e->site->profiles[dc->profile].name);
			snprintf(msg, sizeof(msg), "Turnstile %s reports state %d, "
			    "which its profile does not name", dc->name, m->raw_state);
		} else {
			snprintf(ev.detail, sizeof(ev.detail), "fault code %u", m->fault_code);
			snprintf(msg, sizeof(msg), "Turnstile %s in fault (code %u)",
			    dc->name, m->fault_code);
		}
		engine_event(e, &ev);
		log_warn("%s: %s", dc->name, ev.detail);
		alert_dev_raise(e, dev, "fault", SEV_URGENT,
		    AUD_ENGINEERING | AUD_SECURITY, msg);
	} else if (!is_fault && (was_fault ||
	    alert_is_active(e, dc->name, "fault"))) {
		/* The second case: the fault ended while lobbyd had no
		 * baseline (stopped, or the turnstile offline), and its alert,
		 * taken back from the store, is still up. */
		struct ev_rec ev;

		engine_ev_init(&ev, "fault_cleared");
		engine_ev_dev(e, &ev, dev);
		engine_event(e, &ev);
		log_notice("%s: fault cleared", dc->name);
		alert_dev_clear(e, dev, "fault");
	}
	engine_dev_fault(e, dev, is_fault);
	fire_ts_status(e, dev, first, before);
}

/* ---- the kind ----------------------------------------------------------- */

static void
ts_msg(struct engine *e, int dev, const union msg_any *m)
{
	ts_status(e, dev, &m->ts_status);
}

static const char *
ts_state_name(const struct engine *e, int dev)
{
	return e->devs[dev].fault_code != 0 ? "fault" :
	    config_ts_state_name(turnstile_state_of(e, dev)->state);
}

const struct dev_kind turnstile_kind = {
	.name = "turnstile",
	.label = "Turnstile",
	.offline_urgent = true,		/* a lane that may be blocked */
	.state_size = sizeof(struct turnstile_state),
	.msgs = 1u << MSG_TS_STATUS,
	.msg = ts_msg,
	.state_name = ts_state_name,
};

