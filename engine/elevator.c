/*
 * Elevators: a controller's status becomes events and alerts (a trapped
 * passenger is an emergency for everyone, a fault urgent for engineering,
 * out of service a warning), and a card at an elevator's reader enables the
 * holder's floors for a while, or is denied with the reason. The worker
 * clears the floors on its own timer; a freight elevator also needs a
 * booking of the card in its window. Nothing here waits on the disk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "engine.h"
#include "../common/floors.h"
#include "../common/util.h"

#define ELEV_CMD_TTL_MS	1500	/* an enable not on the wire by then is dropped */

const struct elev_state *
elev_state_of(const struct engine *e, int dev)
{
	return (const struct elev_state *)(const void *)e->devs[dev].kstate;
}

/* ---- controller status ------------------------------------------------- */

static void
elev_mode_change(struct engine *e, int dev, enum elev_mode was,
    enum elev_mode now, int32_t raw)
{
	const struct device_conf *dc = &e->site->devices[dev];
	char detail[128], msg[128];

	if (now == ELEV_MODE_UNKNOWN)
		snprintf(detail, sizeof(detail), "%s -> unknown (value %d is not "
		    "in profile %s)", config_elev_mode_name(was), raw,
		    e->site->profiles[dc->profile].name);
	else
		snprintf(detail, sizeof(detail), "%s -> %s",
		    config_elev_mode_name(was), config_elev_mode_name(now));
	/* The first reading of a car in normal service is no news. */
	if (!(was == ELEV_MODE_UNKNOWN && now == ELEV_MODE_NORMAL))
		engine_dev_event(e, dev, "elevator_mode", detail);
	if (now == ELEV_MODE_UNKNOWN)
		log_warn("%s: mode value %d is not in profile %s", dc->name, raw,
		    e->site->profiles[dc->profile].name);
	if (now == ELEV_MODE_OUT_OF_SERVICE) {
		snprintf(msg, sizeof(msg), "Elevator %s out of service", dc->name);
		alert_dev_raise(e, dev, "out_of_service", SEV_WARNING,
		    AUD_ENGINEERING, msg);
	} else if (now != ELEV_MODE_UNKNOWN) {
		/* A value lobbyd does not understand clears nothing. */
		alert_dev_clear(e, dev, "out_of_service");
	}
}

/* The kind's message: a controller's status. */
static void
elev_status(struct engine *e, int dev, const union msg_any *any)
{
	const struct msg_elev_status *m = &any->elev_status;
	struct dev_state *ds = &e->devs[dev];
	struct elev_state *st = (struct elev_state *)(void *)ds->kstate;
	const struct device_conf *dc = &e->site->devices[dev];
	enum elev_mode mode = m->mode < ELEV_MODE_COUNT ? (enum elev_mode)m->mode :
	    ELEV_MODE_UNKNOWN;
	/* The alerts say what was known before, across an outage or a
	   restart of lobbyd (they are taken back from the store). */
	bool was_trapped = alert_is_active(e, dc->name, "trapped");
	bool was_fault = alert_is_active(e, dc->name, "fault");
	char detail[128], msg[128];

	if (!ds->online)
		engine_dev_online(e, dev);
	ds->have_status = true;
	st->elev_floor = m->floor;
	st->elev_dir = m->dir < ELEV_DIR_COUNT ? m->dir : ELEV_DIR_UNKNOWN;
	st->elev_door = m->door < ELEV_DOOR_COUNT ? m->door : ELEV_DOOR_UNKNOWN;
	ds->fault_code = m->fault_code;
	st->elev_trapped = m->trapped != 0;
	if (mode != st->elev_mode || (mode == ELEV_MODE_OUT_OF_SERVICE &&
	    !alert_is_active(e, dc->name, "out_of_service")))
		elev_mode_change(e, dev, (enum elev_mode)st->elev_mode, mode,
		    m->raw_mode);
	st->elev_mode = (uint8_t)mode;

	if (m->trapped && !was_trapped) {
		snprintf(detail, sizeof(detail), "passenger alarm at floor %d, "
		    "door %s", m->floor, config_elev_door_name(st->elev_door));
		engine_dev_event(e, dev, "elevator_trapped", detail);
		log_warn("%s: passenger trapped at floor %d", dc->name, m->floor);
		snprintf(msg, sizeof(msg), "Passenger trapped in elevator %s at "
		    "floor %d", dc->name, m->floor);
		alert_dev_raise(e, dev, "trapped", SEV_EMERGENCY, AUD_ALL, msg);
	} else if (!m->trapped && was_trapped) {
		snprintf(detail, sizeof(detail), "passenger alarm over at floor %d",
		    m->floor);
		engine_dev_event(e, dev, "elevator_trap_cleared", detail);
		log_notice("%s: passenger alarm over", dc->name);
		alert_dev_clear(e, dev, "trapped");
	}
	if (m->fault_code != 0 && !was_fault) {
		snprintf(detail, sizeof(detail), "fault code %u at floor %d",
		    m->fault_code, m->floor);
		engine_dev_event(e, dev, "elevator_fault", detail);
		log_warn("%s: %s", dc->name, detail);
		snprintf(msg, sizeof(msg), "Elevator %s in fault (code %u) at "
		    "floor %d", dc->name, m->fault_code, m->floor);
		alert_dev_raise(e, dev, "fault", SEV_URGENT, AUD_ENGINEERING, msg);
	} else if (m->fault_code == 0 && was_fault) {
		engine_dev_event(e, dev, "elevator_fault_cleared", "");
		log_notice("%s: fault cleared", dc->name);
		alert_dev_clear(e, dev, "fault");
	}
	engine_dev_fault(e, dev, m->fault_code != 0);
}

/* ---- bookings in memory ------------------------------------------------ */

int
elevator_booking_put(struct engine *e, const struct booking_rec *b)
{
	struct booking_rec *n;
	size_t cap;

	if (e->nbookings == e->bookings_cap) {
		cap = e->bookings_cap ? e->bookings_cap * 2 : 64;
		if ((n = realloc(e->bookings, cap * sizeof(*n))) == NULL) {
			log_err("bookings: out of memory for %zu bookings", cap);
			return -1;
		}
		e->bookings = n;
		e->bookings_cap = cap;
	}
	e->bookings[e->nbookings++] = *b;
	return 0;
}

void
elevator_booking_del(struct engine *e, int64_t id)
{
	for (size_t i = 0; i < e->nbookings; i++) {
		if (e->bookings[i].id != id)
			continue;
		e->bookings[i] = e->bookings[--e->nbookings];
		return;
	}
}

int
elevator_bookings_load(struct engine *e)
{
	struct store_req req = { .op = STORE_BOOKING_LIST };

	req.in.query.since_ms = real_ms();
	if (store_run(e->store, &req) < 0) {
		log_err("bookings: %s", req.error);
		store_req_free(&req);
		return -1;
	}
	free(e->bookings);
	e->bookings = req.rows;
	e->nbookings = e->bookings_cap = req.nrows;
	req.rows = NULL;
	return 0;
}

void
elevator_bookings_free(struct engine *e)
{
	free(e->bookings);
	e->bookings = NULL;
	e->nbookings = e->bookings_cap = 0;
}

/* An active booking of card uid on elevator name covers now_ms. */
static bool
booked_now(const struct engine *e, const char *name, const char *uid,
    int64_t now_ms)
{
	for (size_t i = 0; i < e->nbookings; i++) {
		const struct booking_rec *b = &e->bookings[i];

		if (strcmp(b->elevator, name) == 0 && strcmp(b->card, uid) == 0 &&
		    strcmp(b->state, "active") == 0 && b->from_ms <= now_ms &&
		    now_ms < b->until_ms)
			return true;
	}
	return false;
}

/* ---- access ------------------------------------------------------------- */

bool
elevator_floors_for(struct engine *e, const char *uid, int64_t now_ms,
    uint64_t *floors, enum reason *why, char pass_reason[32])
{
	struct card_view cv;
	const struct card_view *c = engine_card_find(e, uid, &cv) ? &cv : NULL;
	/* Only the card's own checks here: the car is the caller's. */
	const struct access_lane ready = { .online = true };
	struct access_card ac;
	struct access_decision d;
	char code[32];

	pass_reason[0] = '\0';
	if (desk_floors(e, uid, now_ms, floors, code)) {
		if (strcmp(code, "granted") != 0) {
			str_copy(pass_reason, code, 32);
			*why = R_UNKNOWN_CARD;	/* the pass's own code is shown */
			return false;
		}
		*why = *floors != 0 ? R_GRANTED : R_NO_FLOORS;
		return *floors != 0;
	}

	if (c != NULL)
		ac = (struct access_card){ .enabled = c->enabled,
		    .valid_from_ms = c->valid_from_ms,
		    .valid_until_ms = c->valid_until_ms };
	d = rule_card_decide(c != NULL ? &ac : NULL, &ready, now_ms);
	if (!d.grant) {
		*why = d.reason;
		return false;
	}
	if (c->floors == 0) {
		*why = R_NO_FLOORS;
		return false;
	}
	*floors = c->floors;
	*why = R_GRANTED;
	return true;
}

static int
elevator_of_reader(const struct engine *e, int dev)
{
	for (int i = 0; i < e->site->nelevators; i++)
		if (e->site->elevators[i].reader == dev)
			return i;
	return -1;
}

/* The floors a profile has: bits 0..floors-1. */
static uint64_t
car_floors(const struct profile *p)
{
	return p->elev.floors >= 64 ? UINT64_MAX :
	    (UINT64_C(1) << p->elev.floors) - 1;
}

static int
elev_send_enable(struct engine *e, int dev, uint64_t floors, int enable_s,
    int64_t t_frame_ns, char *err, size_t errlen)
{
	struct msg_cmd m = { .cmd = ELEV_CMD_ENABLE,
	    .value = (uint32_t)enable_s * 1000, .floors = floors,
	    .t_frame_ns = t_frame_ns };

	return command_send(e, dev, &m, ELEV_CMD_TTL_MS, "floor enable", err,
	    errlen);
}

bool
elevator_card(struct engine *e, int dev, const struct msg_card *m)
{
	int el = elevator_of_reader(e, dev);
	const struct elevator_conf *ec;
	const struct device_conf *cc;
	const struct dev_state *cs;
	struct card_view cv;
	const struct card_view *c;
	struct ev_rec ev;
	uint64_t floors = 0;
	enum reason why;
	char fl[FLOORS_STR_MAX], err[160], pass_reason[32] = "";
	bool grant;

	if (el < 0)
		return false;
	ec = &e->site->elevators[el];
	cc = &e->site->devices[ec->controller];
	cs = &e->devs[ec->controller];
	engine_ev_init(&ev, "access");
	engine_ev_dev(e, &ev, dev);
	str_copy(ev.lane, ec->name, sizeof(ev.lane));
	str_copy(ev.credential, m->uid, sizeof(ev.credential));
	c = engine_card_find(e, m->uid, &cv) ? &cv : NULL;

	if (fire_mode_active(e)) {
		/* Invariant 2: in fire mode no elevator gets an access command. */
		why = R_FIRE_MODE;
		grant = false;
	} else if (!elevator_floors_for(e, m->uid, ev.ts_ms, &floors, &why,
	    pass_reason)) {
		grant = false;
	} else if ((floors &= car_floors(&e->site->profiles[cc->profile])) == 0) {
		why = R_NO_FLOORS;
		grant = false;
	} else if (ec->freight && !booked_now(e, ec->name, m->uid, ev.ts_ms)) {
		why = R_NO_BOOKING;
		grant = false;
	} else if (!cs->online || !cs->have_status) {
		/* Invariant 1: nothing is sent to a controller not answering. */
		why = R_ELEV_OFFLINE;
		grant = false;
	} else if (elev_state_of(e, ec->controller)->elev_mode != ELEV_MODE_NORMAL || cs->fault_code != 0 ||
	    elev_state_of(e, ec->controller)->elev_trapped) {
		why = R_ELEV_UNAVAILABLE;
		grant = false;
	} else if (elev_send_enable(e, ec->controller, floors, ec->enable_s,
	    m->t_frame_ns, err, sizeof(err)) < 0) {
		log_err("%s: %s", ec->name, err);
		why = R_ELEV_OFFLINE;
		grant = false;
	} else {
		why = R_GRANTED;
		grant = true;
	}
	str_copy(ev.decision, grant ? "granted" : "denied", sizeof(ev.decision));
	str_copy(ev.reason, pass_reason[0] != '\0' ? pass_reason :
	    rule_reason_code(why), sizeof(ev.reason));
	if (grant) {
		floors_str(floors, fl, sizeof(fl));
		/* Cut to fit: the floors are the card's, listed in full there. */
		if (snprintf(ev.detail, sizeof(ev.detail), "%.63s: floors %.40s "
		    "for %d s", c != NULL ? c->holder : "", fl, ec->enable_s) < 0)
			ev.detail[0] = '\0';
	} else if (why == R_ELEV_UNAVAILABLE) {
		snprintf(ev.detail, sizeof(ev.detail), "%s: %s%s%s",
		    c != NULL ? c->holder : "",
		    config_elev_mode_name((enum elev_mode)elev_state_of(e, ec->controller)->elev_mode),
		    cs->fault_code != 0 ? ", in fault" : "",
		    elev_state_of(e, ec->controller)->elev_trapped ? ", passenger alarm" : "");
	} else if (c != NULL) {
		str_copy(ev.detail, c->holder, sizeof(ev.detail));
	}
	engine_event(e, &ev);
	return true;
}

/* ---- the kind ----------------------------------------------------------- */

static const char *
elev_state_name(const struct engine *e, int dev)
{
	const struct elev_state *st = elev_state_of(e, dev);

	return st->elev_trapped ? "trapped" : e->devs[dev].fault_code != 0 ?
	    "fault" : config_elev_mode_name((enum elev_mode)st->elev_mode);
}

const struct dev_kind elev_kind = {
	.name = "elevator",
	.label = "Elevator",
	.state_size = sizeof(struct elev_state),
	.msgs = 1u << MSG_ELEV_STATUS,
	.msg = elev_status,
	.state_name = elev_state_name,
};
