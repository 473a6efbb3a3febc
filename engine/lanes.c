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
	int dev = e->site->lanes[l].turnstile;
	const struct dev_state *ds = &e->devs[dev];
	const struct turnstile_state *ts = turnstile_state_of(e, dev);

	*al = (struct access_lane){
		.online = ds->online && ds->have_status,
		.fault = ts->state == TS_FAULT || ds->fault_code != 0,
		.unknown = ts->state == TS_UNKNOWN,
		.busy = e->lanes[l].pending,
	};
}

void
lane_card_read(struct engine *e, int dev, const struct msg_card *m)
{
	const struct reader_state *rd = reader_state_of(e, dev);
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

void
lane_passage(struct engine *e, int dev, enum dir dir)
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
	door_tick(e, now);
}

int64_t
lane_next_deadline(const struct engine *e)
{
	int64_t next = door_next_deadline(e);

	for (int l = 0; l < e->site->nlanes; l++)
		if (e->lanes[l].pending && e->lanes[l].deadline_ns < next)
			next = e->lanes[l].deadline_ns;
	return next;
}

/* ---- device health ---------------------------------------------------- */

static void
dev_went(struct engine *e, int dev, bool online, const char *reason)
{
	struct dev_state *ds = &e->devs[dev];
	const struct device_conf *dc = &e->site->devices[dev];
	char msg[128];

	if (ds->online == online && ds->since_ms != 0)
		return;
	ds->online = online;
	ds->since_ms = real_ms();
	str_copy(ds->reason, online ? "" : reason, sizeof(ds->reason));
	if (!online)
		ds->have_status = false;	/* counters need a new baseline */
	engine_dev_event(e, dev, online ? "device_online" : "device_offline",
	    online ? "" : reason);
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


