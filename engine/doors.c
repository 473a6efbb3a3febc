/*
 * Doors: a card at a door's reader is decided by the card rules and a grant
 * pulses the strike; the exit button pulses it too. An opening nobody
 * unlocked is a forced door, one left open too long a held door; both alert
 * security until the door closes. Events carry the door's name as the lane.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "../common/util.h"

#define STRIKE_CMD_TTL_MS	1500	/* a pulse not on the wire by then is dropped */
#define REX_GRACE_NS		(1000 * NS_PER_MS)	/* exit button this close to an opening */

static int
door_of(const struct engine *e, int dev, bool *is_rex)
{
	for (int i = 0; i < e->site->ndoors; i++) {
		const struct door_conf *dc = &e->site->doors[i];

		if (dc->contact == dev || dc->rex == dev) {
			if (is_rex != NULL)
				*is_rex = dc->rex == dev;
			return i;
		}
	}
	return -1;
}

static void
door_ev(struct engine *e, struct ev_rec *ev, int door, const char *kind, int dev)
{
	engine_ev_init(ev, kind);
	engine_ev_dev(e, ev, dev);
	str_copy(ev->lane, e->site->doors[door].name, sizeof(ev->lane));
}

/* Pulses door's strike; -1 with err when the link cannot take it. */
static int
strike_pulse(struct engine *e, int door, int64_t t_frame_ns, char *err, size_t errlen)
{
	const struct door_conf *dc = &e->site->doors[door];
	const struct device_conf *sd = &e->site->devices[dc->strike];
	struct door_state *st = &e->doors[door];
	struct msg_cmd m;
	int64_t now = mono_ns();

	if (!e->devs[dc->strike].online) {
		snprintf(err, errlen, "%s: not answering", sd->name);
		return -1;
	}
	msg_init(&m, MSG_CMD, (uint16_t)dc->strike);
	m.id = ++e->next_cmd_id;
	m.cmd = OUT_CMD_PULSE;
	m.value = (uint32_t)dc->unlock_ms;
	m.t_frame_ns = t_frame_ns;
	m.expires_ns = now + STRIKE_CMD_TTL_MS * NS_PER_MS;
	if (sup_send(e, sd->link, &m) < 0) {
		snprintf(err, errlen, "%s: pulse not sent: link %s: %s", sd->name,
		    e->site->links[sd->link].name, strerror(errno));
		return -1;
	}
	st->unlocked_from_ns = now;
	st->unlocked_until_ns = now + (int64_t)dc->unlock_ms * NS_PER_MS;
	return 0;
}

bool
door_card(struct engine *e, int dev, const struct msg_card *m)
{
	struct card_view cv;
	const struct card_view *c;
	const struct door_conf *dc = NULL;
	struct access_card ac;
	struct access_lane al;
	struct access_decision d;
	struct ev_rec ev;
	char err[160];
	int door;

	for (door = 0; door < e->site->ndoors; door++)
		if (e->site->doors[door].reader == dev)
			break;
	if (door == e->site->ndoors)
		return false;
	dc = &e->site->doors[door];

	door_ev(e, &ev, door, "access", dev);
	str_copy(ev.credential, m->uid, sizeof(ev.credential));
	str_copy(ev.direction, "entry", sizeof(ev.direction));
	c = engine_card_find(e, m->uid, &cv) ? &cv : NULL;
	if (c != NULL)
		ac = (struct access_card){ .enabled = c->enabled,
		    .valid_from_ms = c->valid_from_ms, .valid_until_ms = c->valid_until_ms };
	/* A door is "online" when its strike answers; it is never busy. */
	al = (struct access_lane){ .online = e->devs[dc->strike].online };
	d = rule_card_decide(c != NULL ? &ac : NULL, &al, ev.ts_ms);
	if (d.grant && strike_pulse(e, door, m->t_frame_ns, err, sizeof(err)) < 0) {
		log_err("%s: %s", dc->name, err);
		d = (struct access_decision){ .grant = false, .reason = R_LANE_OFFLINE };
	}
	if (d.grant)
		str_copy(e->doors[door].unlocked_by, m->uid, sizeof(e->doors[door].unlocked_by));
	str_copy(ev.decision, d.grant ? "granted" : "denied", sizeof(ev.decision));
	str_copy(ev.reason, rule_reason_code(d.reason), sizeof(ev.reason));
	snprintf(ev.detail, sizeof(ev.detail), "%s%s%s", c != NULL ? c->holder : "",
	    c != NULL ? "; " : "",
	    m->format == CARD_WIEGAND_26 ? "wiegand 26-bit" :
	    m->format == CARD_WIEGAND_34 ? "wiegand 34-bit" :
	    m->format == CARD_WIEGAND_37 ? "wiegand 37-bit" :
	    m->format == CARD_EM4100 ? "em4100" :
	    m->format == CARD_QR ? "qr" : "wiegand-ascii");
	engine_event(e, &ev);
	return true;
}

/* Doors are released by the fire panel itself while its alarm is on. */
static bool
fire_alarm_on(const struct engine *e)
{
	for (int i = 0; i < e->site->ndevices; i++)
		if (e->site->devices[i].kind == DEV_INPUT &&
		    e->site->devices[i].function == IN_FIRE &&
		    input_state_of(e, i)->active)
			return true;
	return false;
}

static void
door_clear_alarms(struct engine *e, int door)
{
	alert_dev_clear(e, e->site->doors[door].contact, "door_forced");
	alert_dev_clear(e, e->site->doors[door].contact, "door_held");
}

static void
contact_change(struct engine *e, int door, bool open, bool first, int64_t t_ns)
{
	const struct door_conf *dc = &e->site->doors[door];
	struct door_state *st = &e->doors[door];
	const struct input_state *rex = dc->rex >= 0 ? input_state_of(e, dc->rex) : NULL;
	struct ev_rec ev;
	char msg[128];

	if (first) {
		/* After a start or a restart of its link: what was before is
		 * unknown. An open door is timed from now, not called forced;
		 * a closed one ends alarms kept from before. */
		memset(st, 0, sizeof(*st));
		st->open = open;
		st->opened_ns = mono_ns();
		if (!open) {
			door_clear_alarms(e, door);
			return;
		}
		door_ev(e, &ev, door, "door_open", dc->contact);
		str_copy(ev.detail, "open when first read", sizeof(ev.detail));
		engine_event(e, &ev);
		return;
	}
	if (!open) {
		st->open = false;
		st->held = false;
		door_ev(e, &ev, door, "door_closed", dc->contact);
		snprintf(ev.detail, sizeof(ev.detail), "open %.1f s",
		    (double)(t_ns - st->opened_ns) / 1e9);
		engine_event(e, &ev);
		door_clear_alarms(e, door);
		return;
	}
	st->open = true;
	st->held = false;
	st->opened_ns = t_ns;
	if (t_ns >= st->unlocked_from_ns && t_ns <= st->unlocked_until_ns) {
		door_ev(e, &ev, door, "door_open", dc->contact);
		if (st->unlocked_by[0] != '\0') {
			str_copy(ev.credential, st->unlocked_by, sizeof(ev.credential));
			str_copy(ev.detail, "after a grant", sizeof(ev.detail));
		} else {
			str_copy(ev.detail, "after the exit button", sizeof(ev.detail));
		}
		engine_event(e, &ev);
		return;
	}
	if (rex != NULL && (rex->active || (st->rex_ns != 0 &&
	    t_ns >= st->rex_ns - REX_GRACE_NS && t_ns <= st->rex_ns + REX_GRACE_NS))) {
		door_ev(e, &ev, door, "door_open", dc->contact);
		str_copy(ev.detail, "from inside, exit button pressed", sizeof(ev.detail));
		engine_event(e, &ev);
		return;
	}
	if (fire_alarm_on(e)) {
		door_ev(e, &ev, door, "door_open", dc->contact);
		str_copy(ev.detail, "during the fire alarm", sizeof(ev.detail));
		engine_event(e, &ev);
		return;
	}
	door_ev(e, &ev, door, "door_forced", dc->contact);
	str_copy(ev.detail, "opened while locked", sizeof(ev.detail));
	engine_event(e, &ev);
	log_warn("%s: forced open (%s)", dc->name, e->site->devices[dc->contact].name);
	snprintf(msg, sizeof(msg), "Door %s forced open", dc->name);
	alert_dev_raise(e, dc->contact, "door_forced", SEV_URGENT, AUD_SECURITY, msg);
}

static void
rex_change(struct engine *e, int door, bool pressed, bool first, int64_t t_ns)
{
	const struct door_conf *dc = &e->site->doors[door];
	struct ev_rec ev;
	char err[160];

	/* A button found pressed at a start or a restart opens nothing. */
	if (first || !pressed)
		return;
	e->doors[door].rex_ns = t_ns;
	door_ev(e, &ev, door, "exit_request", dc->rex);
	if (strike_pulse(e, door, 0, err, sizeof(err)) < 0) {
		log_err("%s: exit button: %s", dc->name, err);
		snprintf(ev.detail, sizeof(ev.detail), "strike not released: %.100s", err);
	} else {
		e->doors[door].unlocked_by[0] = '\0';
		snprintf(ev.detail, sizeof(ev.detail), "strike released for %d ms",
		    dc->unlock_ms);
	}
	engine_event(e, &ev);
}

bool
door_input(struct engine *e, int dev, bool active, bool first, int64_t t_ns)
{
	bool is_rex = false;
	int door = door_of(e, dev, &is_rex);

	if (door < 0)
		return false;
	if (is_rex)
		rex_change(e, door, active, first, t_ns);
	else
		contact_change(e, door, active, first, t_ns);
	return true;
}

static int64_t
held_deadline(const struct engine *e, int door)
{
	const struct door_state *st = &e->doors[door];
	const struct door_conf *dc = &e->site->doors[door];

	/* Only a door whose contact reads now, open and not yet alerted. */
	if (!st->open || st->held || !e->devs[dc->contact].have_status)
		return INT64_MAX;
	return st->opened_ns + (int64_t)dc->held_open_s * 1000 * NS_PER_MS;
}

void
door_tick(struct engine *e, int64_t now)
{
	for (int i = 0; i < e->site->ndoors; i++) {
		const struct door_conf *dc = &e->site->doors[i];
		struct ev_rec ev;
		char msg[128];

		if (now < held_deadline(e, i))
			continue;
		e->doors[i].held = true;
		door_ev(e, &ev, i, "door_held", dc->contact);
		snprintf(ev.detail, sizeof(ev.detail), "open longer than %d s",
		    dc->held_open_s);
		engine_event(e, &ev);
		log_warn("%s: held open longer than %d s", dc->name, dc->held_open_s);
		snprintf(msg, sizeof(msg), "Door %s held open longer than %d s",
		    dc->name, dc->held_open_s);
		alert_dev_raise(e, dc->contact, "door_held", SEV_WARNING,
		    AUD_SECURITY | AUD_FRONTDESK, msg);
	}
}

int64_t
door_next_deadline(const struct engine *e)
{
	int64_t next = INT64_MAX, t;

	for (int i = 0; i < e->site->ndoors; i++)
		if ((t = held_deadline(e, i)) < next)
			next = t;
	return next;
}
