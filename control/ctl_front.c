/*
 * The front desk's views and notes (control/ctl.h): the watch list, who is
 * inside now (the muster list), pass and visitor lists, and the shift log
 * with its handover of open items. Watch-list entries are shown only to the
 * roles that manage them; their matches reach security as alerts alone.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control_int.h"
#include "ctl.h"
#include "ctl_desk.h"
#include "../common/util.h"

#define MS_PER_DAY	86400000LL
#define HANDOVER_ITEMS	40	/* open items listed; the rest counted */

/* ---- the watch list ------------------------------------------------------- */

static json_object *
watch_json(struct ctl_client *c, const void *row)
{
	(void)c;
	return ctl_fields_json(row, CTL_FIELDS(CTL_FIELD(watch_rec, id),
	    CTL_FIELD(watch_rec, id_type), CTL_FIELD(watch_rec, id_mask),
	    CTL_FIELD(watch_rec, name), CTL_FIELD(watch_rec, note),
	    CTL_FIELD(watch_rec, added_ms), CTL_FIELD(watch_rec, added_by)));
}

static void
watch_written(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	struct engine *e = c->srv->e;
	struct desk_in *in = &req->in.desk;

	if (req->status != 0) {
		ctl_reply_err(c, "watch list not changed: %s", req->error);
	} else if (in->action == DESK_WATCH_PUT) {
		json_object *o;
		int n;

		in->watch.id = req->id;
		desk_put_watch(e, &in->watch);
		/* Checked at once against who is inside and who was registered
		 * today, not only at the next card. */
		n = desk_watch_sweep(e, &in->watch);
		/* Not in the event log, which the front desk reads: the journal
		 * and the entry itself say who added it. */
		log_notice("watch list: entry %" PRId64 " added by %s; %d match(es) "
		    "inside or registered today", in->watch.id, c->user, n);
		o = watch_json(c, &in->watch);
		ctl_add_int(o, "matches", n);
		ctl_reply_ok(c, o);
	} else if (!req->found) {
		ctl_reply_err(c, "no watch-list entry %" PRId64, in->id);
	} else {
		json_object *o = json_object_new_object();

		desk_del_watch(e, in->id);
		log_notice("watch list: entry %" PRId64 " removed by %s", in->id,
		    c->user);
		ctl_add_int(o, "id", in->id);
		ctl_reply_ok(c, o);
	}
	ctl_req_finish(c, req);
}

void
ctl_cmd_watch_add(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "id_type", "id_number", "name", "note",
	    NULL };
	struct person_rec p = { 0 };
	union store_in in = { .desk.action = DESK_WATCH_PUT };
	struct watch_rec *w = &in.desk.watch;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "name", w->name, sizeof(w->name), false) < 0 ||
	    ctl_arg_str(c, args, "note", w->note, sizeof(w->note), false) < 0)
		return;
	/* The same hashing as for people, so that the two match. */
	if (ctl_desk_id_args(c, args, &p, true, NULL, NULL) <= 0)
		return;
	str_copy(w->id_type, p.id_type, sizeof(w->id_type));
	str_copy(w->id_hash, p.id_hash, sizeof(w->id_hash));
	str_copy(w->id_mask, p.id_mask, sizeof(w->id_mask));
	w->added_ms = real_ms();
	str_copy(w->added_by, c->user, sizeof(w->added_by));
	ctl_request(c, STORE_DESK, watch_written, &in);
}

void
ctl_cmd_watch_remove(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "id", NULL };
	union store_in in = { .desk.action = DESK_WATCH_DEL };

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_int(c, args, "id", &in.desk.id, 0, INT64_MAX) < 0)
		return;
	if (in.desk.id == 0)
		ctl_reply_err(c, "\"id\" is required");
	else
		ctl_request(c, STORE_DESK, watch_written, &in);
}

void
ctl_cmd_watch_list(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { NULL };
	struct desk *d = c->srv->e->desk;

	if (ctl_args_known(c, args, known))
		ctl_reply_array(c, d->watch, d->nwatch, sizeof(*d->watch), watch_json);
}

/* ---- who is inside ------------------------------------------------------------ */

void
ctl_cmd_inside(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "zone", "after", NULL };
	struct engine *e = c->srv->e;
	struct desk *d = e->desk;
	json_object *arr;
	char zone[32] = "", after[48] = "", more[48];
	long long from_person = 0;
	int want = -1, from_zone = -1, rows = 0;
	size_t i;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "zone", zone, sizeof(zone), false) < 0 ||
	    ctl_arg_str(c, args, "after", after, sizeof(after), false) < 0)
		return;
	/* The cursor is the last row sent: "PERSON.ZONE". */
	if (after[0] != '\0' && sscanf(after, "%lld.%d", &from_person,
	    &from_zone) != 2) {
		ctl_reply_err(c, "\"after\" is not a cursor from an earlier "
		    "page: \"%s\"", after);
		return;
	}
	if (zone[0] != '\0') {
		want = strcmp(zone, "site") == 0 ? e->site->nzones :
		    config_zone_index(e->site, zone);
		if (want < 0) {
			ctl_reply_err(c, "no zone \"%s\"", zone);
			return;
		}
	}
	/* People are sorted by id: a page resumes after the cursor's row. */
	arr = json_object_new_array();
	for (i = 0; i < d->npeople && rows < CTL_PAGE_ROWS; i++) {
		const struct desk_person *p = &d->people[i];

		if (p->r.id < from_person)
			continue;
		for (int z = 0; z <= e->site->nzones && rows < CTL_PAGE_ROWS; z++) {
			json_object *o;

			if (!p->where[z].inside || (want >= 0 && z != want) ||
			    (p->r.id == from_person && z <= from_zone))
				continue;
			o = json_object_new_object();
			ctl_add_int(o, "person", p->r.id);
			ctl_add_str(o, "name", p->r.name);
			ctl_add_str(o, "kind", p->r.kind);
			/* Like units, even the masked ID is the desk's only. */
			ctl_add_str(o, "id_mask", ctl_desk_sees_units(c) ?
			    p->r.id_mask : "");
			ctl_add_str(o, "unit", ctl_desk_sees_units(c) ? p->r.unit : "");
			ctl_add_str(o, "zone", z < e->site->nzones ?
			    e->site->zones[z].name : "site");
			ctl_add_int(o, "since_ms", p->where[z].since_ms);
			ctl_add_str(o, "lane", p->where[z].lane);
			json_object_array_add(arr, o);
			if (++rows == CTL_PAGE_ROWS)
				snprintf(more, sizeof(more), "%lld.%d",
				    (long long)p->r.id, z);
		}
	}
	ctl_reply_page(c, arr, rows == CTL_PAGE_ROWS ? more : NULL);
}

/* ---- pass lists ---------------------------------------------------------------- */

static int64_t
local_midnight(int64_t now)
{
	time_t s = (time_t)(now / 1000);
	struct tm tm;

	localtime_r(&s, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

/* A visitor's pass; any other is left out. */
static json_object *
visitor_pass_row(struct ctl_client *c, const void *row)
{
	const struct pass_rec *p = row;
	const struct desk_person *who = desk_person(c->srv->e, p->person);

	if (who == NULL || strcmp(who->r.kind, "visitor") != 0)
		return NULL;
	return ctl_pass_json(c, p);
}

static void
all_passes_listed(struct store_req *req, void *arg)
{
	ctl_desk_rows_page(arg, req, sizeof(struct pass_rec), ctl_pass_json);
	ctl_req_finish(arg, req);
}

static void
visitor_passes_listed(struct store_req *req, void *arg)
{
	ctl_desk_rows_page(arg, req, sizeof(struct pass_rec), visitor_pass_row);
	ctl_req_finish(arg, req);
}

/* Passes, the newest first, a page at a time; visitors': a page may hold
 * fewer rows than others (theirs only), never a row twice. */
static void
pass_query(struct ctl_client *c, json_object *args, const char *flag,
    bool today, void (*done)(struct store_req *, void *))
{
	const char *const known[] = { flag, "after", NULL };
	struct desk_in in = { .action = DESK_PASS_LIST, .limit = CTL_PAGE_ROWS + 1 };

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_bool(c, args, flag, &in.all) < 0 ||
	    !ctl_desk_after_arg(c, args, &in.after))
		return;
	/* Today: everyone registered since midnight, gone or not. */
	if (today && in.all)
		in.since_ms = local_midnight(real_ms());
	ctl_request(c, STORE_DESK, done, &(union store_in){ .desk = in });
}

void
ctl_cmd_pass_list(struct ctl_client *c, json_object *args)
{
	pass_query(c, args, "all", false, all_passes_listed);
}

void
ctl_cmd_visitor_list(struct ctl_client *c, json_object *args)
{
	pass_query(c, args, "today", true, visitor_passes_listed);
}

/* ---- the shift log ----------------------------------------------------------------- */

static json_object *
shift_json(struct ctl_client *c, const void *row)
{
	(void)c;
	return ctl_fields_json(row, CTL_FIELDS(CTL_FIELD(shift_rec, id),
	    CTL_FIELD(shift_rec, ts_ms), CTL_FIELD(shift_rec, actor),
	    CTL_FIELD(shift_rec, kind), CTL_FIELD(shift_rec, text)));
}

static void
shift_written(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	struct desk_in *in = &req->in.desk;
	struct ev_rec ev;

	if (req->status != 0) {
		ctl_reply_err(c, "not stored: %s", req->error);
	} else {
		in->shift.id = req->id;
		engine_ev_init(&ev, strcmp(in->shift.kind, "note") == 0 ?
		    "shift_note" : "shift_handover");
		str_copy(ev.actor, c->user, sizeof(ev.actor));
		snprintf(ev.detail, sizeof(ev.detail), "shift log %" PRId64 ": %.100s",
		    in->shift.id, in->shift.text);
		engine_event(c->srv->e, &ev);
		ctl_reply_ok(c, shift_json(c, &in->shift));
	}
	ctl_req_finish(c, req);
}

static void
shift_submit(struct ctl_client *c, const char *kind, const char *text)
{
	union store_in in = { .desk = { .action = DESK_SHIFT_ADD,
	    .shift.ts_ms = real_ms() } };
	struct shift_rec *s = &in.desk.shift;

	str_copy(s->actor, c->user, sizeof(s->actor));
	str_copy(s->kind, kind, sizeof(s->kind));
	str_copy(s->text, text, sizeof(s->text));
	ctl_request(c, STORE_DESK, shift_written, &in);
}

void
ctl_cmd_shift_note(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "text", NULL };
	char text[1001];	/* lobbyctl allows 1000 bytes */

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "text", text, sizeof(text), true) < 0)
		return;
	if (text[0] == '\0') {
		ctl_reply_err(c, "text must not be empty");
		return;
	}
	shift_submit(c, "note", text);
}

/* One line of the handover, if there is room; *n counts them all. */
static void
item(char *buf, size_t len, int *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
item(char *buf, size_t len, int *n, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if ((*n)++ >= HANDOVER_ITEMS || used + 2 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
	used = strlen(buf);
	if (used + 1 < len) {
		buf[used] = '\n';
		buf[used + 1] = '\0';
	}
}

/*
 * The open items the next shift takes over: visitors waiting for their
 * host's confirmation, contractors still inside after hours, and alerts
 * routed to the caller that nobody has acknowledged.
 */
void
ctl_cmd_shift_handover(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "note", NULL };
	struct engine *e = c->srv->e;
	struct desk *d = e->desk;
	char note[256] = "", text[sizeof(((struct shift_rec *)0)->text)];
	char aud[64];
	int n = 0;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "note", note, sizeof(note), false) < 0)
		return;
	text[0] = '\0';
	if (note[0] != '\0')
		item(text, sizeof(text), &n, "note: %s", note);
	n = 0;
	for (size_t i = 0; i < d->npasses; i++) {
		const struct pass_rec *p = &d->passes[i];
		const struct desk_person *who = desk_person(e, p->person);

		if (strcmp(p->state, "pending") == 0 && who != NULL)
			item(text, sizeof(text), &n, "pending confirmation: pass %"
			    PRId64 ", %.40s, host %.30s", p->id, who->r.name, p->host);
	}
	for (size_t i = 0; i < d->npeople; i++)
		if (d->people[i].overstay)
			item(text, sizeof(text), &n, "contractor inside after hours: "
			    "%.40s (person %" PRId64 ")", d->people[i].r.name,
			    d->people[i].r.id);
	for (size_t i = 0; i < e->nalerts; i++) {
		const struct alert_active *a = &e->alerts[i];
		struct alert_rec r = { 0 };

		if (a->acked || a->id <= 0)
			continue;
		str_copy(r.severity, alert_severity_name(a->severity), sizeof(r.severity));
		alert_audience_str(a->audience, aud, sizeof(aud));
		str_copy(r.audience, aud, sizeof(r.audience));
		if (ctl_sees_alert(c, &r))
			item(text, sizeof(text), &n, "unacknowledged alert %" PRId64
			    ": %s %s (%s)", a->id, a->source, a->kind, r.severity);
	}
	if (n > HANDOVER_ITEMS)
		item(text, sizeof(text), &n, "... and %d more", n - HANDOVER_ITEMS);
	if (n == 0 && note[0] == '\0')
		str_copy(text, "no open items\n", sizeof(text));
	shift_submit(c, "handover", text);
}

static void
shift_listed(struct store_req *req, void *arg)
{
	ctl_desk_rows_page(arg, req, sizeof(struct shift_rec), shift_json);
	ctl_req_finish(arg, req);
}

void
ctl_cmd_shift_log(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "since_ms", "after", NULL };
	struct desk_in in = { .action = DESK_SHIFT_LIST,
	    .limit = CTL_PAGE_ROWS + 1 };

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_int(c, args, "since_ms", &in.since_ms, 0, INT64_MAX) < 0 ||
	    !ctl_desk_after_arg(c, args, &in.after))
		return;
	if (in.since_ms == 0)
		in.since_ms = real_ms() - MS_PER_DAY;
	ctl_request(c, STORE_DESK, shift_listed, &(union store_in){ .desk = in });
}
