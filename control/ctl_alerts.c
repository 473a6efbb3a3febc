/*
 * The control side of the alert life cycle: which alerts a caller is shown
 * (those routed to its roles), their JSON, `alerts` (listed, then followed)
 * and `alert.ack`, an acknowledgement committed before the reply, with who
 * did it and an optional note.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "../engine/engine.h"
#include "../common/util.h"

bool
ctl_sees_alert(const struct ctl_client *c, const struct alert_rec *r)
{
	return role_sees_alert(c->roles,
	    alert_severity_parse(r->severity) == SEV_EMERGENCY,
	    alert_audience_parse(r->audience));
}

/* Why alert id (rows: as stored, or none) cannot be acknowledged by c. */
static void
ack_refuse(struct ctl_client *c, int64_t id, const struct alert_rec *rows,
    size_t nrows)
{
	char roles[64];

	if (nrows == 0) {
		ctl_reply_err(c, "no alert %" PRId64, id);
	} else if (!ctl_sees_alert(c, &rows[0])) {
		role_str(c->roles, roles, sizeof(roles));
		ctl_reply_err(c, "alert %" PRId64 " is for %s; it is not routed to "
		    "your roles (%s)", id, rows[0].audience, roles);
	} else if (rows[0].cleared_ms != 0) {
		ctl_reply_err(c, "alert %" PRId64 " (%s %s) is cleared; only active "
		    "alerts are acknowledged", id, rows[0].source, rows[0].kind);
	} else if (rows[0].acked_ms != 0) {
		ctl_reply_err(c, "alert %" PRId64 " (%s %s) was already acknowledged "
		    "by %s", id, rows[0].source, rows[0].kind, rows[0].acked_by);
	} else {
		ctl_reply_err(c, "alert %" PRId64 " (%s %s) is being cleared", id,
		    rows[0].source, rows[0].kind);
	}
}

static void
ack_looked_up(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;

	if (req->status != 0)
		ctl_reply_err(c, "alert %" PRId64 ": %s", req->in.alert.id, req->error);
	else
		ack_refuse(c, req->in.alert.id, req->rows, req->nrows);
	ctl_req_finish(c, req);
}

static void
ack_stored(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct alert_rec *r = req->rows;

	if (req->status != 0 && !req->found) {
		ctl_reply_err(c, "alert %" PRId64 " not acknowledged: %s",
		    req->in.alert.id, req->error);
	} else if (req->status != 0) {
		/* Committed, but not read back: the record is the request's. */
		ctl_reply_err(c, "alert %" PRId64 " acknowledged, but: %s",
		    req->in.alert.id, req->error);
	} else if (!req->found || req->nrows != 1) {
		ack_refuse(c, req->in.alert.id, r, req->nrows);	/* someone was first */
	} else {
		alert_ack_done(c->srv->e, r, c->user);
		ctl_reply_ok(c, ctl_alert_json(r));
	}
	ctl_req_finish(c, req);
}

/* "note": optional text, as the other commands take text. 0, or -1 sent. */
static int
ack_args(struct ctl_client *c, json_object *args, int64_t *id, char *note,
    size_t notelen)
{
	static const char *const known[] = { "id", "note", NULL };

	note[0] = '\0';
	if (!ctl_args_known(c, args, known) || ctl_arg_id(c, args, "id", id,
	    "an alert id (a positive integer)") < 0 ||
	    ctl_arg_str(c, args, "note", note, notelen, false) < 0)
		return -1;
	return 0;
}

void
ctl_cmd_alert_ack(struct ctl_client *c, json_object *args)
{
	struct alert_active *a;
	union store_in in = { 0 };
	char roles[64], aud[48];
	int64_t id;

	if (ack_args(c, args, &id, in.alert.ack_note, sizeof(in.alert.ack_note)) < 0)
		return;
	a = alert_by_id(c->srv->e, id);
	if (a == NULL || a->acked) {
		/* Unknown, cleared or acknowledged: the store says which. */
		ctl_request(c, STORE_ALERT_GET, ack_looked_up,
		    &(union store_in){ .alert.id = id });
		return;
	}
	if (!role_sees_alert(c->roles, a->severity == SEV_EMERGENCY, a->audience)) {
		role_str(c->roles, roles, sizeof(roles));
		alert_audience_str(a->audience, aud, sizeof(aud));
		ctl_reply_err(c, "alert %" PRId64 " is for %s; it is not routed to "
		    "your roles (%s)", id, aud, roles);
		return;
	}
	/* Committed (synchronous=FULL) before the reply: invariant 3. */
	in.alert.id = id;
	in.alert.acked_ms = real_ms();
	str_copy(in.alert.acked_by, c->user, sizeof(in.alert.acked_by));
	ctl_request(c, STORE_ALERT_ACK, ack_stored, &in);
}

json_object *
ctl_alert_json(const struct alert_rec *a)
{
	json_object *o = ctl_fields_json(a, CTL_FIELDS(CTL_FIELD(alert_rec, id),
	    CTL_FIELD(alert_rec, raised_ms), CTL_FIELD(alert_rec, cleared_ms),
	    CTL_FIELD(alert_rec, source), CTL_FIELD(alert_rec, kind),
	    CTL_FIELD(alert_rec, severity), CTL_FIELD(alert_rec, audience),
	    CTL_FIELD(alert_rec, message), CTL_FIELD(alert_rec, acked_ms),
	    CTL_FIELD(alert_rec, acked_by), CTL_FIELD(alert_rec, ack_note),
	    CTL_FIELD(alert_rec, escalated_ms)));

	/* false: held in memory while the database cannot be written */
	ctl_add_bool(o, "stored", a->id > 0);
	ctl_add_bool(o, "escalated", a->escalated_ms != 0);
	return o;
}

#define ALERT_PAGE_ROWS	1000	/* alerts in one page of alerts --all */

/* The alerts routed to the client, then (on the last page) those raised but
 * waiting for a database that cannot be written. */
static json_object *
alerts_json(struct ctl_client *c, const struct store_req *req, bool last)
{
	const struct alert_rec *al = req->rows;
	const struct engine *e = c->srv->e;
	json_object *a = json_object_new_array();
	struct alert_rec held;

	for (size_t i = 0; i < req->nrows; i++)
		if (ctl_sees_alert(c, &al[i]))	/* only those routed to it */
			json_object_array_add(a, ctl_alert_json(&al[i]));
	for (size_t i = 0; last && i < e->nalerts; i++) {
		if (e->alerts[i].id >= 0 || e->alerts[i].clear_pending)
			continue;
		alert_active_rec(&e->alerts[i], &held);
		if (ctl_sees_alert(c, &held))
			json_object_array_add(a, ctl_alert_json(&held));
	}
	return a;
}

static void
alerts_done(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;

	if (req->status != 0) {
		ctl_reply_err(c, "alerts: %s", req->error);
	} else {
		ctl_reply_ok(c, alerts_json(c, req, true));
		c->follow_alerts = c->wants_follow;
	}
	ctl_req_finish(c, req);
}

/* A page of every alert ever raised, oldest first: nothing cut off. */
static void
alerts_page_done(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct alert_rec *al = req->rows;
	bool full = req->nrows == ALERT_PAGE_ROWS;
	char more[24];

	if (req->status != 0) {
		ctl_reply_err(c, "alerts: %s", req->error);
	} else {
		if (full)
			snprintf(more, sizeof(more), "%lld",
			    (long long)al[req->nrows - 1].id);
		ctl_reply_page(c, alerts_json(c, req, !full), full ? more : NULL);
	}
	ctl_req_finish(c, req);
}

void
ctl_cmd_alerts(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "all", "follow", "after", NULL };
	union store_in in = { .page.limit = ALERT_PAGE_ROWS };
	bool all = false, follow = false;
	char after[24] = "";

	if (!ctl_args_known(c, args, known) || ctl_arg_bool(c, args, "all", &all) < 0 ||
	    ctl_arg_bool(c, args, "follow", &follow) < 0 ||
	    ctl_arg_str(c, args, "after", after, sizeof(after), false) < 0)
		return;
	if (follow && !ctl_follow_admit(c))
		return;
	if (all && !follow) {
		/* The whole history, in pages (ctl.h). */
		if (strspn(after, "0123456789") != strlen(after)) {
			ctl_reply_err(c, "\"after\" is not a cursor from an earlier "
			    "page: \"%s\"", after);
			return;
		}
		str_copy(in.page.after, after, sizeof(in.page.after));
		ctl_request(c, STORE_ALERT_PAGE, alerts_page_done, &in);
		return;
	}
	c->wants_follow = follow;	/* alerts_done starts following */
	ctl_request(c, STORE_ALERT_LIST, alerts_done, &(union store_in){ .query.all = all });
}

/* site_raised_ and the millisecond in base 36, short enough for an
 * alert's kind. Unique: two raised in the same millisecond (a script) take
 * the next free one, since an alert of a kind already up is not raised
 * again, and the second would be lost. */
static void
hand_kind(const struct engine *e, char *kind, size_t len)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	static uint64_t last;
	uint64_t ms = (uint64_t)real_ms();

	if (ms <= last)
		ms = last + 1;
	for (;; ms++) {
		char b36[16], *p = b36 + sizeof(b36) - 1;
		uint64_t v = ms;

		*p = '\0';
		do
			*--p = digits[v % 36];
		while ((v /= 36) != 0 && p > b36);
		snprintf(kind, len, "site_raised_%s", p);
		if (!alert_is_active(e, "site", kind))
			break;
	}
	last = ms;
}

/*
 * "alert.raise": an alert raised by hand, for a suspicious person or a
 * troublemaker at the desk: to whom (security, frontdesk, engineering,
 * manager; comma separated), the text, warning or urgent. It is the site's,
 * kind site_raised_<ms>, and is cleared by its acknowledgement: no
 * condition ends it by itself.
 */
void
ctl_cmd_alert_raise(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "to", "text", "severity", NULL };
	static const char *const words[] = { "engineering", "security", "frontdesk",
	    "manager" };
	struct engine *e = c->srv->e;
	char to[64], text[160], sev[16] = "urgent", kind[40], msg[256], aud[48];
	char line[256];
	char *w, *save = NULL;
	unsigned audience = 0;
	struct ev_rec ev;
	json_object *o;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "to", to, sizeof(to), true) < 0 ||
	    ctl_arg_str(c, args, "text", text, sizeof(text), true) < 0 ||
	    ctl_arg_str(c, args, "severity", sev, sizeof(sev), false) < 0)
		return;
	for (w = strtok_r(to, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strcmp(w, words[i]) == 0)
				break;
		if (i == sizeof(words) / sizeof(words[0])) {
			ctl_reply_err(c, "to: \"%s\" is not security, frontdesk, "
			    "engineering or manager", w);
			return;
		}
		audience |= alert_audience_parse(w);
	}
	if (audience == 0 || text[0] == '\0') {
		ctl_reply_err(c, "%s must not be empty", audience == 0 ? "to" : "text");
		return;
	}
	if (strcmp(sev, "urgent") != 0 && strcmp(sev, "warning") != 0) {
		ctl_reply_err(c, "severity \"%s\": warning or urgent expected", sev);
		return;
	}
	hand_kind(e, kind, sizeof(kind));
	snprintf(msg, sizeof(msg), "%s (raised by %s)", text, c->user);
	alert_raise(e, "site", kind, strcmp(sev, "urgent") == 0 ? SEV_URGENT :
	    SEV_WARNING, audience, msg);
	engine_ev_init(&ev, "alert_raised_by_hand");
	str_copy(ev.actor, c->user, sizeof(ev.actor));
	alert_audience_str(audience, aud, sizeof(aud));
	/* The words stay in the alert, shown to its roles only: the event
	 * log is read by everyone admitted, and a security alert never
	 * appears at the front desk. */
	snprintf(line, sizeof(line), "for %s: alert %s", aud, kind);
	str_copy(ev.detail, line, sizeof(ev.detail));
	engine_event(e, &ev);
	o = json_object_new_object();
	ctl_add_str(o, "source", "site");
	ctl_add_str(o, "kind", kind);
	ctl_add_str(o, "audience", aud);
	ctl_add_str(o, "severity", sev);
	ctl_add_str(o, "message", msg);
	ctl_reply_ok(c, o);
}
