/*
 * The elevator control commands: elevators.list (every controller and its
 * car) and the freight-elevator bookings: booking.add (checked by
 * rules/booking.c, committed before the reply), booking.list and
 * booking.cancel (recorded with who).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../rules/booking.h"
#include "control_int.h"
#include "../engine/engine.h"
#include "../common/util.h"

#define BOOKING_OTHERS_MAX	256	/* active bookings of one elevator checked */

/* One elevator controller's row of elevators.list. */
static void
elev_row(struct ctl_client *c, int d, const struct device_conf *dc,
    const struct dev_state *ds, bool known_state, json_object *o)
{
	const struct site_conf *site = c->srv->e->site;
	const struct elev_state *st = elev_state_of(c->srv->e, d);
	char readers[160] = "";

	for (int i = 0; i < site->nelevators; i++) {
		const struct elevator_conf *ec = &site->elevators[i];
		size_t n = strlen(readers);

		if (ec->controller == d)
			snprintf(readers + n, sizeof(readers) - n, "%s%s%s",
			    n > 0 ? "," : "", ec->name,
			    ec->freight ? " (freight)" : "");
	}
	ctl_add_str(o, "link", site->links[dc->link].name);
	json_object_object_add(o, "online", json_object_new_boolean(ds->online));
	ctl_add_str(o, "reason", ds->online ? "" : ds->reason);
	ctl_add_int(o, "since_ms", ds->since_ms);
	json_object_object_add(o, "floor", known_state ?
	    json_object_new_int(st->elev_floor) : NULL);
	ctl_add_str(o, "direction", known_state ?
	    config_elev_dir_name((enum elev_dir)st->elev_dir) : "unknown");
	ctl_add_str(o, "door", known_state ?
	    config_elev_door_name((enum elev_door)st->elev_door) : "unknown");
	ctl_add_str(o, "mode", known_state ?
	    config_elev_mode_name((enum elev_mode)st->elev_mode) : "unknown");
	ctl_add_int(o, "fault_code", known_state ? ds->fault_code : 0);
	json_object_object_add(o, "trapped", known_state ?
	    json_object_new_boolean(st->elev_trapped) : NULL);
	ctl_add_int(o, "floors", site->profiles[dc->profile].elev.floors);
	ctl_add_str(o, "elevators", readers);
}

void
ctl_cmd_elev_list(struct ctl_client *c, json_object *args)
{
	ctl_list_kind(c, args, DEV_ELEVATOR, elev_row);
}

/* ---- bookings ------------------------------------------------------------ */

static json_object *
booking_json(struct ctl_client *c, const void *row)
{
	(void)c;
	return ctl_fields_json(row, CTL_FIELDS(CTL_FIELD(booking_rec, id),
	    CTL_FIELD(booking_rec, unit), CTL_FIELD(booking_rec, elevator),
	    CTL_FIELD(booking_rec, card), CTL_FIELD(booking_rec, from_ms),
	    CTL_FIELD(booking_rec, until_ms), CTL_FIELD(booking_rec, booked_by),
	    CTL_FIELD(booking_rec, booked_ms), CTL_FIELD(booking_rec, state),
	    CTL_FIELD(booking_rec, cancelled_by),
	    CTL_FIELD(booking_rec, cancelled_ms)));
}

/* ms as local wall-clock time: ms plus the UTC offset in force then. */
static int64_t
local_ms(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return ms;
	return ms + (int64_t)tm.tm_gmtoff * 1000;
}

static void
booking_window(const struct booking_rec *b, struct booking_window *w)
{
	w->from_ms = b->from_ms;
	w->until_ms = b->until_ms;
	w->from_local_ms = local_ms(b->from_ms);
	w->until_local_ms = local_ms(b->until_ms);
}

static void
booking_audit(struct engine *e, const char *kind, const struct booking_rec *b,
    const char *actor)
{
	struct ev_rec ev;
	char f[32], u[32];

	engine_ev_init(&ev, kind);
	str_copy(ev.lane, b->elevator, sizeof(ev.lane));
	str_copy(ev.credential, b->card, sizeof(ev.credential));
	str_copy(ev.actor, actor, sizeof(ev.actor));
	rule_booking_local_str(local_ms(b->from_ms), f, sizeof(f));
	rule_booking_local_str(local_ms(b->until_ms), u, sizeof(u));
	snprintf(ev.detail, sizeof(ev.detail), "booking %lld, unit %s: %s to %s",
	    (long long)b->id, b->unit, f, u);
	engine_event(e, &ev);
}

static void
booking_added(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	struct engine *e = c->srv->e;
	struct booking_rec b = req->in.booking;

	if (req->status != 0) {
		ctl_reply_err(c, "booking not stored: %s", req->error);
	} else {
		b.id = req->id;
		str_copy(b.state, "active", sizeof(b.state));
		booking_audit(e, "booking_added", &b, c->user);
		if (elevator_booking_put(e, &b) < 0)
			ctl_reply_err(c, "booking %lld stored, but lobbyd is out of "
			    "memory and will not know it until restarted",
			    (long long)b.id);
		else
			ctl_reply_ok(c, booking_json(c, &b));
	}
	ctl_req_finish(c, req);
}

void
ctl_cmd_booking_add(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "unit", "elevator", "card",
	    "from_ms", "until_ms", NULL };
	struct engine *e = c->srv->e;
	struct booking_window w, others[BOOKING_OTHERS_MAX];
	struct booking_policy pol = { .rush = (const int (*)[2])e->site->rush,
	    .nrush = e->site->nrush,
	    .max_ms = (int64_t)e->site->booking_max_h * 3600 * 1000 };
	struct booking_rec b = { 0 };
	struct booking_check chk;
	char words[200];
	int64_t now = real_ms();
	size_t n = 0;
	int el, rf, ru = 0;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "unit", b.unit, sizeof(b.unit), true) < 0 ||
	    ctl_arg_str(c, args, "elevator", b.elevator, sizeof(b.elevator), true) < 0 ||
	    ctl_arg_str(c, args, "card", b.card, sizeof(b.card), true) < 0)
		return;
	if ((rf = ctl_arg_int(c, args, "from_ms", &b.from_ms, 1,
	    INT64_MAX / 2)) < 0 || (ru = ctl_arg_int(c, args, "until_ms",
	    &b.until_ms, 1, INT64_MAX / 2)) < 0)
		return;
	if (rf == 0 || ru == 0) {
		ctl_reply_err(c, "\"%s\" is required", rf == 0 ? "from_ms" :
		    "until_ms");
		return;
	}
	if (b.unit[0] == '\0') {
		ctl_reply_err(c, "unit must not be empty");
		return;
	}
	if ((el = config_elevator_index(e->site, b.elevator)) < 0) {
		ctl_reply_err(c, "no elevator \"%s\"", b.elevator);
		return;
	}
	if (!e->site->elevators[el].freight) {
		ctl_reply_err(c, "elevator %s is not a freight elevator: it needs "
		    "no booking", b.elevator);
		return;
	}
	if (!engine_card_find(e, b.card, &(struct card_view){ 0 })) {
		ctl_reply_err(c, "no card %s (add the holder's card first)", b.card);
		return;
	}
	for (size_t i = 0; i < e->nbookings && n < BOOKING_OTHERS_MAX; i++)
		if (strcmp(e->bookings[i].elevator, b.elevator) == 0 &&
		    e->bookings[i].until_ms > now)
			booking_window(&e->bookings[i], &others[n++]);
	booking_window(&b, &w);
	chk = rule_booking_check(&w, others, n, &pol, now);
	if (chk.verdict != BOOKING_OK) {
		rule_booking_words(&chk, &w, others, &pol, now, words, sizeof(words));
		ctl_reply_err(c, "booking refused (%s): %s",
		    rule_booking_code(chk.verdict), words);
		return;
	}
	str_copy(b.booked_by, c->user, sizeof(b.booked_by));
	b.booked_ms = now;
	ctl_request(c, STORE_BOOKING_ADD, booking_added,
	    &(union store_in){ .booking = b });
}

static void
bookings_listed(struct store_req *req, void *arg)
{
	ctl_reply_rows(arg, req, "bookings", sizeof(struct booking_rec),
	    booking_json);
	ctl_req_finish(arg, req);
}

void
ctl_cmd_booking_list(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "all", NULL };
	union store_in in = { .query.since_ms = real_ms() };

	if (ctl_args_known(c, args, known) &&
	    ctl_arg_bool(c, args, "all", &in.query.all) >= 0)
		ctl_request(c, STORE_BOOKING_LIST, bookings_listed, &in);
}

static void
booking_cancelled(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	struct engine *e = c->srv->e;
	const struct booking_rec *b = req->rows;

	if (req->status != 0) {
		ctl_reply_err(c, "booking %lld not cancelled: %s",
		    (long long)req->in.booking.id, req->error);
	} else if (req->nrows == 0) {
		ctl_reply_err(c, "no booking %lld", (long long)req->in.booking.id);
	} else if (!req->found) {
		ctl_reply_err(c, "booking %lld is cancelled already (by %s)",
		    (long long)b->id, b->cancelled_by);
	} else {
		elevator_booking_del(e, b->id);
		booking_audit(e, "booking_cancelled", b, c->user);
		ctl_reply_ok(c, booking_json(c, b));
	}
	ctl_req_finish(c, req);
}

void
ctl_cmd_booking_cancel(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "id", NULL };
	union store_in in = { .booking.cancelled_ms = real_ms() };
	struct booking_rec *b = &in.booking;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_int_required(c, args, "id", &b->id, 1, INT64_MAX) < 0)
		return;
	str_copy(b->cancelled_by, c->user, sizeof(b->cancelled_by));
	ctl_request(c, STORE_BOOKING_CANCEL, booking_cancelled, &in);
}
