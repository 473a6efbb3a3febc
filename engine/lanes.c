/*
 * Lanes and device health: a card read becomes a decision and a turnstile
 * command; the passage counters confirm passages; device state messages from
 * the link workers become events and alerts.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "engine.h"
#include "lanes.h"
#include "../common/util.h"

#define CMD_TTL_MS		1500	/* an open not on the wire by then is dropped */
#define REJECT_EVENT_NS		(60 * 1000 * NS_PER_MS)	/* one reader_reject event a minute */
#define COUNTER_JUMP_MAX	50	/* more passages than this at once: a reset */

const char *
engine_dir_name(enum dir d)
{
	return d == DIR_ENTRY ? "entry" : "exit";
}

/* ---- commands to turnstiles ------------------------------------------ */

int
engine_send_cmd(struct engine *e, int dev, enum ts_cmd cmd, int64_t t_frame_ns,
    char *err, size_t errlen)
{
	struct msg_cmd m = { .cmd = (uint8_t)cmd, .t_frame_ns = t_frame_ns };

	if (fire_blocks_cmd(e, dev, cmd)) {
		/* Invariant 2: nothing re-locks or opens an egress lane in fire mode. */
		snprintf(err, errlen, "%s: %s not sent: fire mode holds the lane "
		    "free", e->site->devices[dev].name, config_ts_cmd_name(cmd));
		errno = EPERM;
		return -1;
	}
	return command_send(e, dev, &m, CMD_TTL_MS, config_ts_cmd_name(cmd), err,
	    errlen);
}

/* ---- lanes ------------------------------------------------------------ */

int
lane_of_turnstile(const struct engine *e, int dev)
{
	for (int l = 0; l < e->site->nlanes; l++)
		if (e->site->lanes[l].turnstile == dev)
			return l;
	return -1;
}

void
lane_access_state(const struct engine *e, int l, struct access_lane *al)
{
	const struct dev_state *ts = &e->devs[e->site->lanes[l].turnstile];

	*al = (struct access_lane){
		.online = ts->online && ts->have_status,
		.fault = ts->state == TS_FAULT || ts->fault_code != 0,
		.unknown = ts->state == TS_UNKNOWN,
		.busy = e->lanes[l].pending,
	};
}

static void
card_read(struct engine *e, int dev, const struct msg_card *m)
{
	const struct dev_state *rd = &e->devs[dev];
	struct card_view cv, *c;
	struct access_card ac;
	struct access_lane al;
	struct access_decision d;
	struct desk_verdict v;
	struct lane_state *ls;
	const struct lane_conf *lc;
	struct ev_rec ev;
	char err[160];

	engine_ev_init(&ev, "access");
	engine_ev_dev(e, &ev, dev);
	str_copy(ev.credential, m->uid, sizeof(ev.credential));
	if (rd->lane < 0) {
		/* A reader in no lane opens nothing; the read is still recorded. */
		str_copy(ev.kind, "card_read", sizeof(ev.kind));
		engine_event(e, &ev);
		return;
	}
	lc = &e->site->lanes[rd->lane];
	ls = &e->lanes[rd->lane];
	str_copy(ev.direction, engine_dir_name(rd->dir), sizeof(ev.direction));

	c = engine_card_find(e, m->uid, &cv) ? &cv : NULL;
	if (fire_lane_held(e, rd->lane)) {
		/* Fire mode: the lane is free for everyone; nothing is sent. */
		str_copy(ev.reason, rule_reason_code(R_FIRE_MODE), sizeof(ev.reason));
		if (c != NULL)
			str_copy(ev.detail, c->holder, sizeof(ev.detail));
		engine_event(e, &ev);
		return;
	}
	lane_access_state(e, rd->lane, &al);
	if (desk_decide(e, rd->lane, rd->dir == DIR_ENTRY, m->uid, ev.ts_ms, &v)) {
		/* A pass: the person's rules first, then the lane's own state. */
		enum reason lr = v.grant ? rule_lane_check(&al) : R_GRANTED;

		d.grant = v.grant && lr == R_GRANTED;
		d.reason = lr;
		str_copy(ev.reason, lr != R_GRANTED ? rule_reason_code(lr) : v.reason,
		    sizeof(ev.reason));
		str_copy(ev.detail, v.detail, sizeof(ev.detail));
		ev.person = v.person;
	} else {
		if (c != NULL)
			ac = (struct access_card){ .enabled = c->enabled,
			    .valid_from_ms = c->valid_from_ms,
			    .valid_until_ms = c->valid_until_ms };
		d = rule_card_decide(c != NULL ? &ac : NULL, &al, ev.ts_ms);
		str_copy(ev.reason, rule_reason_code(d.reason), sizeof(ev.reason));
		if (c != NULL)
			str_copy(ev.detail, c->holder, sizeof(ev.detail));
		v.fx.person = 0;
	}
	if (d.grant && engine_send_cmd(e, lc->turnstile,
	    rd->dir == DIR_ENTRY ? TS_CMD_OPEN_ENTRY : TS_CMD_OPEN_EXIT,
	    m->t_frame_ns, err, sizeof(err)) < 0) {
		log_err("%s: %s", lc->name, err);
		d = (struct access_decision){ .grant = false, .reason = R_LANE_OFFLINE };
		str_copy(ev.reason, rule_reason_code(d.reason), sizeof(ev.reason));
	}
	str_copy(ev.decision, d.grant ? "granted" : "denied", sizeof(ev.decision));
	if (d.grant) {
		ls->grant = v.fx;
		ls->pending = true;
		ls->dir = rd->dir;
		ls->deadline_ns = mono_ns() + (int64_t)lc->pass_timeout_ms * NS_PER_MS;
		str_copy(ls->credential, m->uid, sizeof(ls->credential));
		ls->cmd_id = e->next_cmd_id;	/* the open just sent */
		ls->actor[0] = '\0';
		ls->forced = false;
	}
	engine_event(e, &ev);
}

/* One passage seen on the counters of lane l's turnstile. */
static void
passage(struct engine *e, int dev, enum dir dir)
{
	int l = lane_of_turnstile(e, dev);
	struct lane_state *ls = l >= 0 ? &e->lanes[l] : NULL;
	struct ev_rec ev;

	engine_ev_init(&ev, "passage");
	engine_ev_dev(e, &ev, dev);
	str_copy(ev.direction, engine_dir_name(dir), sizeof(ev.direction));
	if (ls != NULL && ls->pending && ls->dir == dir) {
		str_copy(ev.credential, ls->credential, sizeof(ev.credential));
		str_copy(ev.actor, ls->actor, sizeof(ev.actor));
		ls->pending = false;
		if (ls->grant.person != 0) {
			ev.person = ls->grant.person;
			desk_passage(e, l, &ls->grant);
			ls->grant.person = 0;
		}
	} else {
		/* Nobody was let through this way: pushed through, or free mode. */
		str_copy(ev.kind, "unexpected_passage", sizeof(ev.kind));
	}
	engine_event(e, &ev);
}

/* ---- readers' bad frames ----------------------------------------------- */

/* A reader_reject event for the bad frames not yet recorded: the first
 * after a quiet minute, or the summary of those that followed a report. */
static void
reject_record(struct engine *e, int dev, int64_t now, bool summary)
{
	static const char *const kinds[] = {
		[REJECT_CHECKSUM] = "bad checksum", [REJECT_FRAMING] = "bad framing",
		[REJECT_OVERLONG] = "overlong line", [REJECT_SHORT] = "short frame",
		[REJECT_PARITY] = "parity error", [REJECT_NOISE] = "noise",
	};
	struct dev_state *ds = &e->devs[dev];
	struct ev_rec ev;

	engine_ev_init(&ev, "reader_reject");
	engine_ev_dev(e, &ev, dev);
	snprintf(ev.detail, sizeof(ev.detail), "%" PRIu64 "%s bad frame(s)%s, "
	    "last: %s", ds->rejects_unlogged, summary ? " more" : "",
	    summary ? " within a minute of the last report" : "",
	    ds->reject_last < sizeof(kinds) / sizeof(kinds[0]) &&
	    kinds[ds->reject_last] != NULL ? kinds[ds->reject_last] : "unknown");
	engine_event(e, &ev);
	ds->reject_logged_ns = now;
	ds->rejects_unlogged = 0;
}

/*
 * Noise is counted always and recorded at most once a minute per reader:
 * the first bad frame at once, the others of the minute that follows when
 * it ends (lane_tick), not at the next bad frame, which may never come.
 */
static void
reader_reject(struct engine *e, int dev, const struct msg_reader_reject *m)
{
	struct dev_state *ds = &e->devs[dev];
	int64_t now = mono_ns();

	ds->rejects++;
	ds->rejects_unlogged++;
	ds->reject_last = m->kind;
	if (ds->reject_logged_ns == 0 || now - ds->reject_logged_ns >= REJECT_EVENT_NS)
		reject_record(e, dev, now, false);
}

static int64_t
reject_deadline(const struct dev_state *ds)
{
	return ds->rejects_unlogged > 0 ? ds->reject_logged_ns + REJECT_EVENT_NS :
	    INT64_MAX;
}

void
lane_rejects_flush(struct engine *e)
{
	for (int d = 0; d < e->site->ndevices; d++)
		if (e->devs[d].rejects_unlogged > 0)
			reject_record(e, d, mono_ns(), true);
}

/* ---- timers ----------------------------------------------------------- */

void
lane_tick(struct engine *e, int64_t now)
{
	for (int l = 0; l < e->site->nlanes; l++) {
		struct lane_state *ls = &e->lanes[l];
		struct ev_rec ev;

		if (!ls->pending || now < ls->deadline_ns)
			continue;
		ls->pending = false;
		engine_ev_init(&ev, "no_passage");
		engine_ev_dev(e, &ev, e->site->lanes[l].turnstile);
		str_copy(ev.direction, engine_dir_name(ls->dir), sizeof(ev.direction));
		str_copy(ev.credential, ls->credential, sizeof(ev.credential));
		str_copy(ev.actor, ls->actor, sizeof(ev.actor));
		str_copy(ev.detail, "granted, not passed", sizeof(ev.detail));
		engine_event(e, &ev);
	}
	for (int d = 0; d < e->site->ndevices; d++)
		if (now >= reject_deadline(&e->devs[d]))
			reject_record(e, d, now, true);
	door_tick(e, now);
}

int64_t
lane_next_deadline(const struct engine *e)
{
	int64_t next = door_next_deadline(e);

	for (int l = 0; l < e->site->nlanes; l++)
		if (e->lanes[l].pending && e->lanes[l].deadline_ns < next)
			next = e->lanes[l].deadline_ns;
	for (int d = 0; d < e->site->ndevices; d++)
		if (reject_deadline(&e->devs[d]) < next)
			next = reject_deadline(&e->devs[d]);
	return next;
}

/* ---- device health ---------------------------------------------------- */

static void
dev_went(struct engine *e, int dev, bool online, const char *reason)
{
	struct dev_state *ds = &e->devs[dev];
	const struct device_conf *dc = &e->site->devices[dev];
	struct ev_rec ev;
	char msg[128];

	if (ds->online == online && ds->since_ms != 0)
		return;
	ds->online = online;
	ds->since_ms = real_ms();
	str_copy(ds->reason, online ? "" : reason, sizeof(ds->reason));
	if (!online)
		ds->have_status = false;	/* counters need a new baseline */
	engine_ev_init(&ev, online ? "device_online" : "device_offline");
	engine_ev_dev(e, &ev, dev);
	str_copy(ev.detail, online ? "" : reason, sizeof(ev.detail));
	engine_event(e, &ev);
	/* The worker that saw it has logged it; the supervisor logs a death. */
	if (online) {
		log_debug("%s: online", dc->name);
		alert_dev_clear(e, dev, "offline");
	} else {
		log_debug("%s: offline: %s", dc->name, reason);
		snprintf(msg, sizeof(msg), "%s %s not answering: %s",
		    kind_of(e, dev)->label, dc->name, reason);
		alert_dev_raise(e, dev, "offline",
		    kind_of(e, dev)->offline_urgent ? SEV_URGENT : SEV_WARNING,
		    AUD_ENGINEERING | AUD_SECURITY, msg);
	}
}

void
engine_dev_online(struct engine *e, int dev)
{
	dev_went(e, dev, true, "");
}

void
engine_dev_fault(struct engine *e, int dev, bool in_fault)
{
	struct dev_state *ds = &e->devs[dev];

	if (!in_fault)
		ds->fault_since_ms = 0;
	else if (ds->fault_since_ms == 0 && (ds->fault_since_ms =
	    alert_raised_ms(e, e->site->devices[dev].name, "fault")) == 0)
		ds->fault_since_ms = real_ms();
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
	const struct dev_state *ds = &e->devs[dev];
	uint32_t din = counter_delta(m->entry_count, ds->entry_count, mask);
	uint32_t dout = counter_delta(m->exit_count, ds->exit_count, mask);
	struct ev_rec ev;

	if (din == 0 && dout == 0)
		return;
	engine_ev_init(&ev, "counters_moved");
	engine_ev_dev(e, &ev, dev);
	if (din > COUNTER_JUMP_MAX || dout > COUNTER_JUMP_MAX)
		snprintf(ev.detail, sizeof(ev.detail), "counters changed while "
		    "offline (entry %u->%u, exit %u->%u): turnstile restarted; "
		    "new baseline", ds->entry_count, m->entry_count,
		    ds->exit_count, m->exit_count);
	else
		snprintf(ev.detail, sizeof(ev.detail), "entry counter moved by %u, "
		    "exit counter by %u while offline", din, dout);
	engine_event(e, &ev);
}

static void
ts_status(struct engine *e, int dev, const struct msg_ts_status *m)
{
	struct dev_state *ds = &e->devs[dev];
	const struct device_conf *dc = &e->site->devices[dev];
	/* A state value the profile does not name is a fault too: the device
	 * is in a mode lobbyd does not understand, and nothing opens. */
	bool was_fault = ds->have_status && (ds->state == TS_FAULT ||
	    ds->state == TS_UNKNOWN || ds->fault_code != 0);
	bool is_fault = m->state == TS_FAULT || m->state == TS_UNKNOWN ||
	    m->fault_code != 0;
	uint32_t mask = m->counter_mask ? m->counter_mask : 0xffff;
	bool first = !ds->have_status || !ds->online;
	enum ts_state before = ds->state;

	if (!ds->online)
		dev_went(e, dev, true, "");
	if (!ds->have_status && ds->counts_known)
		counters_moved_offline(e, dev, m, mask);
	if (ds->have_status) {
		uint32_t din = counter_delta(m->entry_count, ds->entry_count, mask);
		uint32_t dout = counter_delta(m->exit_count, ds->exit_count, mask);

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
				passage(e, dev, DIR_ENTRY);
			while (dout-- > 0)
				passage(e, dev, DIR_EXIT);
		}
	}
	ds->have_status = true;
	ds->counts_known = true;
	ds->state = (enum ts_state)m->state;
	ds->entry_count = m->entry_count;
	ds->exit_count = m->exit_count;
	ds->counter_mask = mask;
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

static void
cmd_result(struct engine *e, int dev, const struct msg_cmd_result *m)
{
	static const char *const st[] = { "ok", "failed", "expired", "offline" };
	int l = lane_of_turnstile(e, dev);
	struct lane_state *ls = l >= 0 ? &e->lanes[l] : NULL;
	struct ev_rec ev;

	fire_cmd_result(e, dev, m);
	if (m->status == CMD_OK) {
		if (m->t_frame_ns != 0 && m->t_wire_ns >= m->t_frame_ns)
			e->lat_ns[e->lat_count++ % LAT_SAMPLES] = m->t_wire_ns - m->t_frame_ns;
		return;
	}
	e->cmd_failures++;
	engine_ev_init(&ev, "command_failed");
	engine_ev_dev(e, &ev, dev);
	snprintf(ev.detail, sizeof(ev.detail), "command %u %s%s%s", m->id,
	    m->status < 4 ? st[m->status] : "?", m->error[0] ? ": " : "", m->error);
	if (ls != NULL && ls->pending && ls->cmd_id == m->id) {
		str_copy(ev.direction, engine_dir_name(ls->dir), sizeof(ev.direction));
		str_copy(ev.credential, ls->credential, sizeof(ev.credential));
		str_copy(ev.actor, ls->actor, sizeof(ev.actor));
		if (m->status == CMD_FAILED && m->t_wire_ns != 0) {
			/* It went on the wire and its reply was lost or late:
			 * the lane may well have opened. The grant stays open
			 * until its pass timeout, so a passage then is the
			 * holder's, not a forced one. */
			str_copy(ev.kind, "command_unknown", sizeof(ev.kind));
			snprintf(ev.detail, sizeof(ev.detail), "command %u outcome "
			    "unknown (%.60s); the grant waits for its passage", m->id,
			    m->error[0] ? m->error : "no reply");
		} else {
			/* Never sent: the grant opened nothing. Free the lane
			 * rather than wait for a passage that cannot come. */
			ls->pending = false;
		}
	}
	engine_event(e, &ev);
}

void
engine_worker_msg(struct engine *e, int link, const union msg_any *m)
{
	int dev = m->h.dev;

	if (m->h.type == MSG_HELLO)
		return;
	if (dev >= e->site->ndevices || e->site->devices[dev].link != link) {
		if (e->workers[link].bad_msgs++ == 0)
			log_err("%s: message for device %d, which is not on "
			    "this link; ignored", e->site->links[link].name, dev);
		return;
	}
	switch (m->h.type) {
	case MSG_DEV_STATE:
		e->devs[dev].failures = m->dev_state.failures;
		dev_went(e, dev, m->dev_state.online, m->dev_state.reason);
		break;
	case MSG_CMD_RESULT:
		cmd_result(e, dev, &m->cmd_result);
		break;
	default: {
		/* The rest is the device's kind's to read (kind.h). */
		const struct dev_kind *k = kind_of(e, dev);

		if (m->h.type < 32 && (k->msgs & (1u << m->h.type)) != 0) {
			k->msg(e, dev, m);
			break;
		}
		if (e->workers[link].bad_msgs++ == 0)
			log_err("%s: message type %u for %s (%s), which does "
			    "not read it; ignored", e->site->links[link].name,
			    m->h.type, e->site->devices[dev].name, k->name);
	}
	}
}

/* A worker is gone: every device on its link is offline until it is back. */
void
engine_link_down(struct engine *e, int link, const char *reason)
{
	for (int d = 0; d < e->site->ndevices; d++)
		if (e->site->devices[d].link == link)
			dev_went(e, d, false, reason);
}


/* ---- the kinds: turnstiles and card readers ------------------------------ */

static void
ts_msg(struct engine *e, int dev, const union msg_any *m)
{
	ts_status(e, dev, &m->ts_status);
}

static const char *
ts_state_name(const struct engine *e, int dev)
{
	const struct dev_state *ds = &e->devs[dev];

	return ds->fault_code != 0 ? "fault" : config_ts_state_name(ds->state);
}

const struct dev_kind turnstile_kind = {
	.name = "turnstile",
	.label = "Turnstile",
	.offline_urgent = true,		/* a lane that may be blocked */
	.msgs = 1u << MSG_TS_STATUS,
	.msg = ts_msg,
	.state_name = ts_state_name,
};

/* A card goes to the door or the elevator it serves, else to its lane. */
static void
reader_msg(struct engine *e, int dev, const union msg_any *m)
{
	if (m->h.type == MSG_READER_REJECT)
		reader_reject(e, dev, &m->reject);
	else if (!door_card(e, dev, &m->card) && !elevator_card(e, dev, &m->card))
		card_read(e, dev, &m->card);
}

const struct dev_kind reader_kind = {
	.name = "reader",
	.label = "Reader",
	.msgs = 1u << MSG_CARD | 1u << MSG_READER_REJECT,
	.msg = reader_msg,
};
