/*
 * The ticket commands of the control socket (tickets, ticket.*,
 * tickets.summary): arguments checked, one store request each, and the JSON
 * of tickets, notes and summaries. A change is answered once committed.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "../engine/engine.h"
#include "../common/util.h"

/* ---- JSON -------------------------------------------------------------- */

static json_object *
ticket_json(const struct ticket_rec *t)
{
	return ctl_fields_json(t, CTL_FIELDS(CTL_FIELD(ticket_rec, id),
	    CTL_FIELD(ticket_rec, opened_ms), CTL_FIELD(ticket_rec, updated_ms),
	    CTL_FIELD(ticket_rec, closed_ms), CTL_FIELD(ticket_rec, alert_id),
	    CTL_FIELD(ticket_rec, source), CTL_FIELD(ticket_rec, kind),
	    CTL_FIELD(ticket_rec, title), CTL_FIELD(ticket_rec, urgency),
	    CTL_FIELD(ticket_rec, state), CTL_FIELD(ticket_rec, opened_by)));
}

static json_object *
ticket_row(struct ctl_client *c, const void *row)
{
	(void)c;
	return ticket_json(row);
}

static json_object *
note_json(struct ctl_client *c, const void *row)
{
	(void)c;
	return ctl_fields_json(row, CTL_FIELDS(CTL_FIELD(ticket_note, ts_ms),
	    CTL_FIELD(ticket_note, actor), CTL_FIELD(ticket_note, action),
	    CTL_FIELD(ticket_note, text)));
}

/* ---- arguments (the same rules as the other commands) -------------------- */

/* A text argument that, when required, must not be blank either. */
static int
get_text(struct ctl_client *c, json_object *args, const char *k, char *out,
    size_t len, bool required)
{
	const char *p;
	int r = ctl_arg_str(c, args, k, out, len, required);

	if (r <= 0)
		return r;
	for (p = out; *p == ' '; p++)
		;
	if (required && *p == '\0') {
		ctl_reply_err(c, "\"%s\" must not be empty", k);
		return -1;
	}
	return 1;
}

/* A ticket's number, "id": 1, or -1 with the error sent. */
static int
get_id(struct ctl_client *c, json_object *args, int64_t *out)
{
	return ctl_arg_id(c, args, "id", out, "a ticket number, 1 or more");
}

/* ---- tickets [all] ------------------------------------------------------- */

static void
list_done(struct store_req *req, void *arg)
{
	ctl_reply_rows(arg, req, "tickets", sizeof(struct ticket_rec), ticket_row);
	ctl_req_finish(arg, req);
}

void
ctl_cmd_tickets(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "all", NULL };
	union store_in in = { 0 };

	if (ctl_args_known(c, args, known) &&
	    ctl_arg_bool(c, args, "all", &in.ticket.all) >= 0)
		ctl_request(c, STORE_TICKET_LIST, list_done, &in);
}

/* ---- ticket.show --------------------------------------------------------- */

static void
show_done(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;

	if (req->status != 0) {
		ctl_reply_err(c, "ticket %" PRId64 ": %s", req->in.ticket.id,
		    req->error);
	} else if (!req->found) {
		ctl_reply_err(c, "no ticket %" PRId64, req->in.ticket.id);
	} else {
		json_object *o = ticket_json(&req->in.ticket.rec);

		json_object_object_add(o, "notes", ctl_rows_json(c, req->rows,
		    req->nrows, sizeof(struct ticket_note), note_json));
		ctl_reply_ok(c, o);
	}
	ctl_req_finish(c, req);
}

void
ctl_cmd_ticket_show(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "id", NULL };
	union store_in in = { 0 };

	if (ctl_args_known(c, args, known) && get_id(c, args, &in.ticket.id) > 0)
		ctl_request(c, STORE_TICKET_GET, show_done, &in);
}

/* ---- ticket.start, ticket.note, ticket.done ------------------------------- */

static void
update_done(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct ticket_in *tk = &req->in.ticket;
	const struct ticket_rec *t = &tk->rec;
	bool start = strcmp(tk->action, "start") == 0;
	bool done = strcmp(tk->action, "done") == 0;

	if (req->status != 0) {
		ctl_reply_err(c, "ticket %" PRId64 " not changed: %s", tk->id,
		    req->error);
	} else if (tk->result == TICKET_NONE) {
		ctl_reply_err(c, "no ticket %" PRId64, tk->id);
	} else if (tk->result == TICKET_ILLEGAL) {
		if (strcmp(t->state, "done") == 0)
			ctl_reply_err(c, "ticket %" PRId64 " is done already; %s",
			    tk->id, start ? "it cannot be started again (open a "
			    "new ticket)" : "nothing changed");
		else
			ctl_reply_err(c, "ticket %" PRId64 " is in progress "
			    "already", tk->id);
	} else {
		ticket_event(c->srv->e, start ? "ticket_started" : done ?
		    "ticket_done" : "ticket_note", t, tk->actor, start ?
		    "started" : done ? "done" : "note added");
		log_info("ticket %" PRId64 ": %s by %s", tk->id, start ?
		    "started" : done ? "done" : "note added", tk->actor);
		ctl_reply_ok(c, ticket_json(t));
	}
	ctl_req_finish(c, req);
}

static void
ticket_update(struct ctl_client *c, json_object *args, const char *action,
    bool takes_text, bool text_required)
{
	static const char *const known_id[] = { "id", NULL };
	static const char *const known_text[] = { "id", "text", NULL };
	union store_in in = { .ticket.ts_ms = real_ms() };
	struct ticket_in *tk = &in.ticket;

	if (!ctl_args_known(c, args, takes_text ? known_text : known_id) ||
	    get_id(c, args, &tk->id) < 0 || (takes_text &&
	    get_text(c, args, "text", tk->text, sizeof(tk->text), text_required) < 0))
		return;
	str_copy(tk->action, action, sizeof(tk->action));
	str_copy(tk->actor, c->user, sizeof(tk->actor));
	ctl_request(c, STORE_TICKET_UPDATE, update_done, &in);
}

void
ctl_cmd_ticket_start(struct ctl_client *c, json_object *args)
{
	ticket_update(c, args, "start", false, false);
}

void
ctl_cmd_ticket_note(struct ctl_client *c, json_object *args)
{
	ticket_update(c, args, "note", true, true);
}

void
ctl_cmd_ticket_done(struct ctl_client *c, json_object *args)
{
	ticket_update(c, args, "done", true, false);
}

/* ---- ticket.open ----------------------------------------------------------- */

static void
open_done(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct ticket_rec *t = &req->in.ticket.rec;

	if (req->status != 0) {
		ctl_reply_err(c, "ticket not opened: %s", req->error);
	} else {
		ticket_event(c->srv->e, "ticket_opened", t, req->in.ticket.actor,
		    "opened");
		log_notice("%s: ticket %" PRId64 " opened (%s) by %s: %s",
		    t->source, t->id, t->urgency, req->in.ticket.actor, t->title);
		ctl_reply_ok(c, ticket_json(t));
	}
	ctl_req_finish(c, req);
}

void
ctl_cmd_ticket_open(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "source", "title", "urgent", NULL };
	const struct site_conf *site = c->srv->e->site;
	union store_in in = { .ticket.ts_ms = real_ms() };
	struct ticket_rec *t = &in.ticket.rec;
	bool urgent = false;

	if (!ctl_args_known(c, args, known) ||
	    get_text(c, args, "source", t->source, sizeof(t->source), true) < 0 ||
	    get_text(c, args, "title", t->title, sizeof(t->title), true) < 0 ||
	    ctl_arg_bool(c, args, "urgent", &urgent) < 0)
		return;
	if (strcmp(t->source, "site") != 0 && config_device_index(site, t->source) < 0 &&
	    config_lane_index(site, t->source) < 0) {
		ctl_reply_err(c, "no device or lane \"%s\" (\"site\" is the "
		    "building as a whole)", t->source);
		return;
	}
	str_copy(t->urgency, urgent ? "urgent" : "normal", sizeof(t->urgency));
	str_copy(in.ticket.actor, c->user, sizeof(in.ticket.actor));
	ctl_request(c, STORE_TICKET_OPEN, open_done, &in);
}

/* ---- tickets.summary ------------------------------------------------------ */

static void
summary_done(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct ticket_summary *sum = &req->in.ticket.sum;
	const struct ticket_item *it = req->rows;
	int at = c->srv->e->site->ticket_summary_s;

	if (req->status != 0) {
		ctl_reply_err(c, "ticket summary: %s", req->error);
	} else if (!req->found && sum->day[0] != '\0') {
		ctl_reply_err(c, "no ticket summary for %s", sum->day);
	} else if (!req->found) {
		ctl_reply_err(c, "no ticket summary yet (one is made every day at "
		    "%02d:%02d)", at / 3600, at / 60 % 60);
	} else {
		json_object *o = json_object_new_object();
		json_object *sec[3] = { json_object_new_array(),
		    json_object_new_array(), json_object_new_array() };
		static const char *const names[3] = { "open", "opened", "closed" };

		ctl_add_str(o, "day", sum->day);
		ctl_add_int(o, "made_ms", sum->made_ms);
		ctl_add_int(o, "since_ms", sum->since_ms);
		ctl_add_bool(o, "late", sum->late);
		ctl_add_int(o, "open_count", sum->nopen);
		ctl_add_int(o, "urgent_count", sum->nurgent);
		ctl_add_int(o, "opened_count", sum->nopened);
		ctl_add_int(o, "closed_count", sum->nclosed);
		for (size_t i = 0; i < req->nrows; i++) {
			for (int s = 0; s < 3; s++) {
				json_object *t;

				if (strcmp(it[i].section, names[s]) != 0)
					continue;
				t = ticket_json(&it[i].t);
				ctl_add_int(t, "age_days", it[i].age_days);
				json_object_array_add(sec[s], t);
			}
		}
		for (int s = 0; s < 3; s++)
			json_object_object_add(o, names[s], sec[s]);
		ctl_reply_ok(c, o);
	}
	ctl_req_finish(c, req);
}

/* "YYYY-MM-DD", a day of the calendar. */
static bool
day_valid(const char *d)
{
	int y, m, dd;
	char tail;

	if (strlen(d) != 10 || d[4] != '-' || d[7] != '-' ||
	    sscanf(d, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) != 3)
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
			return false;
	return y >= 1970 && date_valid(y, m, dd);
}

void
ctl_cmd_tickets_summary(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "date", NULL };
	union store_in in = { 0 };
	char *date = in.ticket.sum.day;

	if (!ctl_args_known(c, args, known) ||
	    get_text(c, args, "date", date, sizeof(in.ticket.sum.day), false) < 0)
		return;
	if (date[0] != '\0' && !day_valid(date)) {
		ctl_reply_err(c, "\"date\" \"%s\" is not a date (YYYY-MM-DD)", date);
		return;
	}
	ctl_request(c, STORE_TICKET_SUMMARY_GET, summary_done, &in);
}
