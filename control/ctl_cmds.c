/*
 * The control commands (status, events, devices, alerts, card.*, lane.open,
 * stats): arguments checked, the engine read or a store request made, and
 * the JSON of the records they return. The socket side is control.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control_int.h"
#include "ctl.h"
#include "ctl_desk.h"
#include "../engine/engine.h"
#include "../common/floors.h"
#include "../common/util.h"

/* ---- JSON of the records ---------------------------------------------- */

void
ctl_add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

void
ctl_add_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static enum reason
reason_from_code(const char *code)
{
	for (int r = 0; r < R_COUNT; r++)
		if (strcmp(rule_reason_code((enum reason)r), code) == 0)
			return (enum reason)r;
	return R_COUNT;
}

json_object *
ctl_event_json(const struct ev_rec *ev)
{
	json_object *o = json_object_new_object();
	enum reason r = reason_from_code(ev->reason);

	ctl_add_int(o, "id", ev->id);
	ctl_add_int(o, "ts_ms", ev->ts_ms);
	ctl_add_str(o, "kind", ev->kind);
	ctl_add_str(o, "lane", ev->lane);
	ctl_add_str(o, "device", ev->device);
	ctl_add_str(o, "direction", ev->direction);
	ctl_add_str(o, "credential", ev->credential);
	ctl_add_str(o, "decision", ev->decision);
	ctl_add_str(o, "reason", ev->reason);
	ctl_add_str(o, "reason_text", r < R_COUNT ? rule_reason_text(r) :
	    desk_reason_text(ev->reason));
	ctl_add_int(o, "person", ev->person);
	ctl_add_str(o, "actor", ev->actor);
	ctl_add_str(o, "detail", ev->detail);
	return o;
}

json_object *
ctl_alert_json(const struct alert_rec *a)
{
	json_object *o = json_object_new_object();

	ctl_add_int(o, "id", a->id);
	/* false: held in memory while the database cannot be written */
	json_object_object_add(o, "stored", json_object_new_boolean(a->id > 0));
	ctl_add_int(o, "raised_ms", a->raised_ms);
	ctl_add_int(o, "cleared_ms", a->cleared_ms);
	ctl_add_str(o, "source", a->source);
	ctl_add_str(o, "kind", a->kind);
	ctl_add_str(o, "severity", a->severity);
	ctl_add_str(o, "audience", a->audience);
	ctl_add_str(o, "message", a->message);
	ctl_add_int(o, "acked_ms", a->acked_ms);
	ctl_add_str(o, "acked_by", a->acked_by);
	ctl_add_str(o, "ack_note", a->ack_note);
	json_object_object_add(o, "escalated", json_object_new_boolean(a->escalated_ms != 0));
	ctl_add_int(o, "escalated_ms", a->escalated_ms);
	return o;
}

static json_object *
card_json(const struct card_rec *c)
{
	json_object *o = json_object_new_object();

	ctl_add_str(o, "uid", c->uid);
	ctl_add_str(o, "holder", c->holder);
	json_object_object_add(o, "enabled", json_object_new_boolean(c->enabled));
	ctl_add_int(o, "valid_from_ms", c->valid_from_ms);
	ctl_add_int(o, "valid_until_ms", c->valid_until_ms);
	ctl_add_str(o, "created_by", c->created_by);
	ctl_add_int(o, "created_ms", c->created_ms);
	{
		json_object *fl = json_object_new_array();

		for (int f = 0; f <= FLOORS_TOP; f++)
			if (c->floors >> f & 1)
				json_object_array_add(fl, json_object_new_int(f));
		json_object_object_add(o, "floors", fl);
	}
	return o;
}

#define CARD_PAGE_ROWS	1000	/* cards a card.list page holds */

/* ---- arguments -------------------------------------------------------- */

/* Each getter: 1 found and right, 0 absent, -1 wrong (error already sent). */
int
ctl_arg_str(struct ctl_client *c, json_object *args, const char *k, char *out,
    size_t len, bool required)
{
	json_object *v;

	if (!json_object_object_get_ex(args, k, &v) || json_object_is_type(v, json_type_null)) {
		if (required) {
			ctl_reply_err(c, "\"%s\" is required", k);
			return -1;
		}
		return 0;
	}
	if (!json_object_is_type(v, json_type_string)) {
		ctl_reply_err(c, "\"%s\" must be a string", k);
		return -1;
	}
	/* Text goes to the log, the database and the guards' screens: a NUL
	 * would cut it short unseen, a control character could forge lines. */
	for (int i = 0; i < json_object_get_string_len(v); i++) {
		if ((unsigned char)json_object_get_string(v)[i] < 0x20 ||
		    json_object_get_string(v)[i] == 0x7f) {
			ctl_reply_err(c, "\"%s\" contains a control character", k);
			return -1;
		}
	}
	if (!str_copy(out, json_object_get_string(v), len)) {
		ctl_reply_err(c, "\"%s\" is longer than %zu characters", k, len - 1);
		return -1;
	}
	return 1;
}

int
ctl_arg_int(struct ctl_client *c, json_object *args, const char *k, int64_t *out,
    int64_t min, int64_t max)
{
	json_object *v;

	if (!json_object_object_get_ex(args, k, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_int)) {
		ctl_reply_err(c, "\"%s\" must be an integer", k);
		return -1;
	}
	errno = 0;
	*out = json_object_get_int64(v);
	if (errno != 0 || *out < min || *out > max) {
		ctl_reply_err(c, "\"%s\" is out of range %" PRId64 "..%" PRId64, k, min, max);
		return -1;
	}
	return 1;
}

int
ctl_arg_bool(struct ctl_client *c, json_object *args, const char *k, bool *out)
{
	json_object *v;

	if (!json_object_object_get_ex(args, k, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		ctl_reply_err(c, "\"%s\" must be true or false", k);
		return -1;
	}
	*out = json_object_get_boolean(v);
	return 1;
}

/* Only the arguments a command knows: a typo is an error, not a no-op. */
bool
ctl_args_known(struct ctl_client *c, json_object *args, const char *const *known)
{
	json_object_object_foreach(args, key, val) {
		const char *const *k;

		(void)val;
		for (k = known; *k != NULL; k++)
			if (strcmp(*k, key) == 0)
				break;
		if (*k == NULL) {
			ctl_reply_err(c, "unknown argument \"%s\"", key);
			return false;
		}
	}
	return true;
}

/* ---- commands --------------------------------------------------------- */

static void
cmd_status(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { NULL };
	struct engine *e = c->srv->e;
	json_object *o;
	int online = 0;

	if (!ctl_args_known(c, args, known))
		return;
	for (int d = 0; d < e->site->ndevices; d++)
		online += e->devs[d].online;
	o = json_object_new_object();
	ctl_add_str(o, "site", e->site->site_name);
	ctl_add_str(o, "version", LOBBYD_VERSION);
	ctl_add_int(o, "pid", getpid());
	ctl_add_int(o, "started_ms", e->started_ms);
	ctl_add_int(o, "devices", e->site->ndevices);
	ctl_add_int(o, "online", online);
	ctl_add_int(o, "lanes", e->site->nlanes);
	ctl_add_int(o, "cards", (int64_t)cards_count(e->cards));
	ctl_add_str(o, "user", c->user);
	ctl_add_str(o, "fire_mode", ctl_fire_mode_word(e));
	{
		char roles[64];

		role_str(c->roles, roles, sizeof(roles));
		ctl_add_str(o, "roles", roles);
	}
	ctl_reply_ok(c, o);
}

static void
events_done(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct ev_rec *ev = req->rows;

	if (req->status != 0) {
		ctl_reply_err(c, "events: %s", req->error);
	} else {
		json_object *a = json_object_new_array();

		for (size_t i = 0; i < req->nrows; i++)
			json_object_array_add(a, ctl_event_json(&ev[i]));
		ctl_reply_ok(c, a);
		/* Committed events after this reply reach the follower in order:
		 * the store completes requests and batches in commit order. */
		c->follow_events = c->wants_follow;
		str_copy(c->follow_lane, req->in.query.lane, sizeof(c->follow_lane));
	}
	ctl_req_finish(c, req);
}

static void
cmd_events(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "since_ms", "lane", "limit", "follow", NULL };
	struct store_req *req;
	int64_t since = 0, limit = 100;
	bool follow = false;
	char lane[32] = "";

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_int(c, args, "since_ms", &since, 0, INT64_MAX) < 0 ||
	    ctl_arg_int(c, args, "limit", &limit, 1, 100000) < 0 ||
	    ctl_arg_bool(c, args, "follow", &follow) < 0 ||
	    ctl_arg_str(c, args, "lane", lane, sizeof(lane), false) < 0)
		return;
	if (lane[0] && config_lane_index(c->srv->e->site, lane) < 0 &&
	    config_elevator_index(c->srv->e->site, lane) < 0) {
		ctl_reply_err(c, "no lane \"%s\"", lane);
		return;
	}
	if (follow && !ctl_follow_admit(c))
		return;
	if ((req = ctl_req_new(c, STORE_EVENT_QUERY, events_done)) == NULL)
		return;
	req->in.query.since_ms = since;
	req->in.query.limit = (int)limit;
	str_copy(req->in.query.lane, lane, sizeof(req->in.query.lane));
	c->wants_follow = follow;	/* events_done starts following */
	ctl_req_submit(c, req);
}

static void
cmd_devices(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { NULL };
	struct engine *e = c->srv->e;
	json_object *a;

	if (!ctl_args_known(c, args, known))
		return;
	a = json_object_new_array();
	for (int d = 0; d < e->site->ndevices; d++) {
		const struct device_conf *dc = &e->site->devices[d];
		const struct dev_state *ds = &e->devs[d];
		json_object *o = json_object_new_object();

		ctl_add_str(o, "name", dc->name);
		ctl_add_str(o, "kind", config_device_kind_name(dc->kind));
		ctl_add_str(o, "link", e->site->links[dc->link].name);
		json_object_object_add(o, "online", json_object_new_boolean(ds->online));
		ctl_add_str(o, "state", kind_state_name(e, d));
		ctl_add_int(o, "fault_code", ds->fault_code);
		ctl_add_int(o, "entry_count", ds->entry_count);
		ctl_add_int(o, "exit_count", ds->exit_count);
		ctl_add_int(o, "failures", ds->failures);
		ctl_add_int(o, "rejects", (int64_t)ds->rejects);
		ctl_add_str(o, "reason", ds->online ? "" : ds->reason);
		ctl_add_int(o, "since_ms", ds->since_ms);
		ctl_add_int(o, "fault_since_ms", ds->fault_since_ms);
		ctl_add_int(o, "state_since_ms", kind_state_since(e, d));
		json_object_array_add(a, o);
	}
	ctl_reply_ok(c, a);
}

static void
alerts_done(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct alert_rec *al = req->rows;

	if (req->status != 0) {
		ctl_reply_err(c, "alerts: %s", req->error);
	} else {
		json_object *a = json_object_new_array();

		const struct engine *e = c->srv->e;
		struct alert_rec held;

		for (size_t i = 0; i < req->nrows; i++)
			if (ctl_sees_alert(c, &al[i]))	/* only those routed to it */
				json_object_array_add(a, ctl_alert_json(&al[i]));
		/* Raised, but waiting for a database that cannot be written. */
		for (size_t i = 0; i < e->nalerts; i++) {
			if (e->alerts[i].id >= 0 || e->alerts[i].clear_pending)
				continue;
			alert_active_rec(&e->alerts[i], &held);
			if (ctl_sees_alert(c, &held))
				json_object_array_add(a, ctl_alert_json(&held));
		}
		ctl_reply_ok(c, a);
		c->follow_alerts = c->wants_follow;
	}
	ctl_req_finish(c, req);
}

static void
cmd_alerts(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "all", "follow", NULL };
	struct store_req *req;
	bool all = false, follow = false;

	if (!ctl_args_known(c, args, known) || ctl_arg_bool(c, args, "all", &all) < 0 ||
	    ctl_arg_bool(c, args, "follow", &follow) < 0)
		return;
	if (follow && !ctl_follow_admit(c))
		return;
	if ((req = ctl_req_new(c, STORE_ALERT_LIST, alerts_done)) == NULL)
		return;
	req->in.query.all = all;
	c->wants_follow = follow;	/* alerts_done starts following */
	ctl_req_submit(c, req);
}

bool
ctl_card_uid_valid(const char *uid)
{
	size_t n = strlen(uid);

	if (n < 4 || n >= MSG_UID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((uid[i] >= '0' && uid[i] <= '9') || (uid[i] >= 'A' && uid[i] <= 'F')))
			return false;
	return true;
}

void
ctl_card_audit(struct ctl_client *c, const char *kind, const char *uid,
    const char *detail)
{
	struct ev_rec ev = { .ts_ms = real_ms() };

	str_copy(ev.kind, kind, sizeof(ev.kind));
	str_copy(ev.credential, uid, sizeof(ev.credential));
	str_copy(ev.actor, c->user, sizeof(ev.actor));
	str_copy(ev.detail, detail, sizeof(ev.detail));
	engine_event(c->srv->e, &ev);
}

static void
card_added(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;

	if (req->status != 0) {
		ctl_reply_err(c, "card %s not stored: %s", req->in.card.uid, req->error);
	} else {
		ctl_card_audit(c, "card_added", req->in.card.uid, req->in.card.holder);
		if (engine_card_put(c->srv->e, &req->in.card) < 0)
			ctl_reply_err(c, "card %s stored, but lobbyd is out of memory and "
			    "will not know it until restarted", req->in.card.uid);
		else
			ctl_reply_ok(c, card_json(&req->in.card));
	}
	ctl_req_finish(c, req);
}

/* "floors": a list of floor numbers or a string "1,3-5"; absent: none. */
static int
card_arg_floors(struct ctl_client *c, json_object *args, uint64_t *mask)
{
	json_object *v;
	char err[160];

	*mask = 0;
	if (!json_object_object_get_ex(args, "floors", &v) ||
	    json_object_is_type(v, json_type_null))
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		if (floors_parse(json_object_get_string(v), mask, err,
		    sizeof(err)) == -1) {
			ctl_reply_err(c, "%s", err);
			return -1;
		}
		return 1;
	}
	if (!json_object_is_type(v, json_type_array)) {
		ctl_reply_err(c, "\"floors\" must be a list of floor numbers or "
		    "a string like \"1,3-5\"");
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *f = json_object_array_get_idx(v, i);
		int64_t n;

		if (!json_object_is_type(f, json_type_int) ||
		    (n = json_object_get_int64(f)) < 0 || n > FLOORS_TOP) {
			ctl_reply_err(c, "\"floors\"[%zu]: a floor number 0..%d "
			    "expected", i, FLOORS_TOP);
			return -1;
		}
		*mask |= UINT64_C(1) << n;
	}
	return 1;
}

static void
cmd_card_add(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "uid", "holder", "enabled", "valid_from_ms",
	    "valid_until_ms", "floors", NULL };
	struct card_rec card = { .enabled = true };
	struct store_req *req;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "uid", card.uid, sizeof(card.uid), true) < 0 ||
	    ctl_arg_str(c, args, "holder", card.holder, sizeof(card.holder), true) < 0 ||
	    ctl_arg_bool(c, args, "enabled", &card.enabled) < 0 ||
	    ctl_arg_int(c, args, "valid_from_ms", &card.valid_from_ms, 0, INT64_MAX) < 0 ||
	    ctl_arg_int(c, args, "valid_until_ms", &card.valid_until_ms, 0, INT64_MAX) < 0 ||
	    card_arg_floors(c, args, &card.floors) < 0)
		return;
	if (!ctl_card_uid_valid(card.uid)) {
		ctl_reply_err(c, "card uid \"%s\": 4 to %d upper-case hex digits expected",
		    card.uid, MSG_UID_MAX - 1);
		return;
	}
	if (card.holder[0] == '\0') {
		ctl_reply_err(c, "holder must not be empty");
		return;
	}
	if (card.valid_from_ms && card.valid_until_ms &&
	    card.valid_until_ms <= card.valid_from_ms) {
		ctl_reply_err(c, "card %s: valid until must be after valid from", card.uid);
		return;
	}
	str_copy(card.created_by, c->user, sizeof(card.created_by));
	card.created_ms = real_ms();
	if ((req = ctl_req_new(c, STORE_CARD_PUT, card_added)) == NULL)
		return;
	req->in.card = card;
	ctl_req_submit(c, req);
}

static void
card_removed(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;

	if (req->status != 0) {
		ctl_reply_err(c, "card %s not removed: %s", req->in.key, req->error);
	} else if (!req->found) {
		ctl_reply_err(c, "no card %s", req->in.key);
	} else {
		json_object *o = json_object_new_object();

		engine_card_del(c->srv->e, req->in.key);
		ctl_card_audit(c, "card_removed", req->in.key, "");
		ctl_add_str(o, "uid", req->in.key);
		ctl_reply_ok(c, o);
	}
	ctl_req_finish(c, req);
}

static void
cmd_card_remove(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "uid", NULL };
	struct store_req *req;
	char uid[32];

	if (!ctl_args_known(c, args, known) || ctl_arg_str(c, args, "uid", uid, sizeof(uid), true) < 0)
		return;
	if (!ctl_card_uid_valid(uid)) {
		ctl_reply_err(c, "card uid \"%s\": 4 to %d upper-case hex digits expected",
		    uid, MSG_UID_MAX - 1);
		return;
	}
	if ((req = ctl_req_new(c, STORE_CARD_DEL, card_removed)) == NULL)
		return;
	str_copy(req->in.key, uid, sizeof(req->in.key));
	ctl_req_submit(c, req);
}

/* ---- card pages, written out directly ---------------------------------- */

/*
 * A page of the card list is written as JSON text here rather than built
 * as json-c objects: a thousand cards then cost the engine a fraction of a
 * millisecond, so a million listed never hold a card decision up.
 */
struct jbuf {
	char	*p;
	size_t	len, cap;
	bool	oom;
};

static void
jb_put(struct jbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *np = realloc(b->p, cap);

		if (np == NULL) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void __attribute__((format(printf, 2, 3)))
jb_fmt(struct jbuf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		jb_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* A JSON string: quotes, backslashes and control bytes escaped; UTF-8 as is. */
static void
jb_str(struct jbuf *b, const char *s)
{
	jb_put(b, "\"", 1);
	for (const char *run = s;; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch != '\0' && ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		jb_put(b, run, (size_t)(s - run));
		if (ch == '\0')
			break;
		if (ch == '"' || ch == '\\') {
			char esc[2] = { '\\', (char)ch };

			jb_put(b, esc, 2);
		} else
			jb_fmt(b, "\\u%04x", ch);
		run = s + 1;
	}
	jb_put(b, "\"", 1);
}

static void
jb_card(struct jbuf *b, const struct card_rec *c)
{
	bool first = true;

	jb_put(b, "{\"uid\":", 7);
	jb_str(b, c->uid);
	jb_put(b, ",\"holder\":", 10);
	jb_str(b, c->holder);
	jb_fmt(b, ",\"enabled\":%s", c->enabled ? "true" : "false");
	jb_fmt(b, ",\"valid_from_ms\":%" PRId64, c->valid_from_ms);
	jb_fmt(b, ",\"valid_until_ms\":%" PRId64, c->valid_until_ms);
	jb_put(b, ",\"created_by\":", 14);
	jb_str(b, c->created_by);
	jb_fmt(b, ",\"created_ms\":%" PRId64 ",\"floors\":[", c->created_ms);
	for (int f = 0; f <= FLOORS_TOP; f++) {
		if (c->floors >> f & 1) {
			jb_fmt(b, first ? "%d" : ",%d", f);
			first = false;
		}
	}
	jb_put(b, "]}", 2);
}

static void
card_page_done(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct card_rec *cr = req->rows;
	struct jbuf b = { 0 };

	if (req->status != 0) {
		ctl_reply_err(c, "card.list: %s", req->error);
		ctl_req_finish(c, req);
		return;
	}
	jb_put(&b, "{\"ok\":true,\"data\":[", 19);
	for (size_t i = 0; i < req->nrows; i++) {
		if (i > 0)
			jb_put(&b, ",", 1);
		jb_card(&b, &cr[i]);
	}
	jb_put(&b, "]", 1);
	/* A full page may have more behind it: the client asks again. */
	if (req->nrows == CARD_PAGE_ROWS) {
		jb_put(&b, ",\"more\":", 8);
		jb_str(&b, cr[req->nrows - 1].uid);
	}
	jb_put(&b, "}", 1);
	if (b.oom)
		ctl_reply_err(c, "card.list: out of memory");
	else
		ctl_reply_raw(c, b.p, b.len);
	free(b.p);
	ctl_req_finish(c, req);
}

/* From the store, a page at a time on the store's thread: the engine only
 * turns one page into JSON, so a million cards never stall a decision. */
static void
cmd_card_list(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "after", NULL };
	struct store_req *req;
	char after[32] = "";

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "after", after, sizeof(after), false) < 0)
		return;
	if ((req = ctl_req_new(c, STORE_CARD_LIST, card_page_done)) == NULL)
		return;
	str_copy(req->in.page.after, after, sizeof(req->in.page.after));
	req->in.page.limit = CARD_PAGE_ROWS;
	ctl_req_submit(c, req);
}

static void
lane_opened(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;

	struct engine *e = c->srv->e;
	const struct ev_rec *ev = &req->in.event;
	int l = config_lane_index(e->site, ev->lane);
	struct lane_state *ls = l >= 0 ? &e->lanes[l] : NULL;
	char err[160];

	if (ls == NULL) {
		/* A reload removed the lane meanwhile. */
		ctl_reply_err(c, "lane %s is no longer configured; not opened", ev->lane);
	} else if (req->status != 0) {
		ls->pending = false;
		ctl_reply_err(c, "lane %s not opened: it could not be recorded: %s",
		    ev->lane, req->error);
	} else if (engine_send_cmd(e, e->site->lanes[l].turnstile,
	    strcmp(ev->direction, "entry") == 0 ? TS_CMD_OPEN_ENTRY : TS_CMD_OPEN_EXIT,
	    0, err, sizeof(err)) < 0) {
		struct ev_rec failed = *ev;

		ls->pending = false;
		str_copy(failed.kind, "command_failed", sizeof(failed.kind));
		str_copy(failed.decision, "", sizeof(failed.decision));
		str_copy(failed.detail, err, sizeof(failed.detail));
		failed.ts_ms = real_ms();
		engine_event(e, &failed);
		ctl_reply_err(c, "lane %s recorded but not opened: %s", ev->lane, err);
	} else {
		json_object *o = json_object_new_object();

		ls->cmd_id = e->next_cmd_id;	/* the open just sent */
		log_notice("%s: opened for %s by %s: %s", ev->lane, ev->direction,
		    ev->actor, ev->detail);
		ctl_add_str(o, "lane", ev->lane);
		ctl_add_str(o, "direction", ev->direction);
		ctl_add_int(o, "event_id", req->id);
		json_object_object_add(o, "forced",
		    json_object_new_boolean(ls->forced));
		ctl_reply_ok(c, o);
	}
	ctl_req_finish(c, req);
}

static void
lane_refused(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct ev_rec *ev = &req->in.event;

	if (req->status != 0) {
		ctl_reply_err(c, "lane %s not opened: %s (and the refusal could "
		    "not be recorded: %s)", ev->lane, ev->detail, req->error);
	} else {
		log_notice("%s: open for %s by %s refused: %s", ev->lane,
		    ev->direction, ev->actor, ev->detail);
		ctl_reply_err(c, "lane %s not opened: %s", ev->lane, ev->detail);
	}
	ctl_req_finish(c, req);
}

/*
 * A manual open refused: recorded with who asked, for which lane and way,
 * and why not (invariant 7), then refused with the same words once the
 * record is committed.
 */
static void __attribute__((format(printf, 5, 6)))
lane_refuse(struct ctl_client *c, int l, const char *dir, enum reason why,
    const char *fmt, ...)
{
	struct engine *e = c->srv->e;
	const struct lane_conf *lc = &e->site->lanes[l];
	struct store_req *req;
	struct ev_rec *ev;
	va_list ap;

	if ((req = ctl_req_new(c, STORE_EVENT_SYNC, lane_refused)) == NULL)
		return;
	ev = &req->in.event;
	ev->ts_ms = real_ms();
	str_copy(ev->kind, "manual_open_refused", sizeof(ev->kind));
	str_copy(ev->lane, lc->name, sizeof(ev->lane));
	str_copy(ev->device, e->site->devices[lc->turnstile].name,
	    sizeof(ev->device));
	str_copy(ev->direction, dir, sizeof(ev->direction));
	str_copy(ev->decision, "denied", sizeof(ev->decision));
	str_copy(ev->reason, rule_reason_code(why), sizeof(ev->reason));
	str_copy(ev->actor, c->user, sizeof(ev->actor));
	va_start(ap, fmt);
	vsnprintf(ev->detail, sizeof(ev->detail), fmt, ap);
	va_end(ap);
	ctl_req_submit(c, req);
}

static void
cmd_lane_open(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "lane", "direction", "reason",
	    "force", NULL };
	struct engine *e = c->srv->e;
	const struct lane_conf *lc;
	const struct device_conf *tc;
	const struct dev_state *ts;
	struct lane_state *ls;
	struct access_lane al;
	struct store_req *req;
	char lane[32], dir[8], reason[100], fault[32] = "";
	bool force = false;
	enum reason why;
	enum dir d;
	int l;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "lane", lane, sizeof(lane), true) < 0 ||
	    ctl_arg_str(c, args, "direction", dir, sizeof(dir), true) < 0 ||
	    ctl_arg_str(c, args, "reason", reason, sizeof(reason), true) < 0 ||
	    ctl_arg_bool(c, args, "force", &force) < 0)
		return;
	if ((l = config_lane_index(e->site, lane)) < 0) {
		ctl_reply_err(c, "no lane \"%s\"", lane);
		return;
	}
	if (strcmp(dir, "entry") == 0)
		d = DIR_ENTRY;
	else if (strcmp(dir, "exit") == 0)
		d = DIR_EXIT;
	else {
		ctl_reply_err(c, "direction \"%s\": entry or exit expected", dir);
		return;
	}
	if (reason[0] == '\0') {
		ctl_reply_err(c, "a reason is required to open a lane by hand");
		return;
	}
	lc = &e->site->lanes[l];
	ls = &e->lanes[l];
	tc = &e->site->devices[lc->turnstile];
	ts = &e->devs[lc->turnstile];
	if (fire_lane_held(e, l)) {
		lane_refuse(c, l, dir, R_FIRE_MODE, "fire mode holds it free "
		    "(see lobbyctl fire)");
		return;
	}
	/*
	 * Refused where a card is refused. A turnstile in fault, or in a state
	 * its profile does not name, may be jammed with someone in it: only a
	 * manager may send it an open anyway, and the open says it was forced.
	 * Nothing overrides an offline turnstile or a passage under way.
	 */
	lane_access_state(e, l, &al);
	why = rule_lane_check(&al);
	if (why == R_LANE_FAULT || why == R_LANE_STATE_UNKNOWN) {
		char state[80];

		if (why == R_LANE_STATE_UNKNOWN)
			snprintf(fault, sizeof(fault), "state unknown");
		else if (ts->fault_code != 0)
			snprintf(fault, sizeof(fault), "fault code %" PRIu32,
			    ts->fault_code);
		else
			snprintf(fault, sizeof(fault), "in fault");
		snprintf(state, sizeof(state), "turnstile %s %s", tc->name,
		    why == R_LANE_STATE_UNKNOWN ? "reports a state its profile "
		    "does not name" : "is in fault");
		if (why == R_LANE_FAULT && ts->fault_code != 0)
			snprintf(state + strlen(state), sizeof(state) - strlen(state),
			    " (code %" PRIu32 ")", ts->fault_code);
		if (!force) {
			lane_refuse(c, l, dir, why, "%s; a manager may open it "
			    "anyway with --force", state);
			return;
		}
		if (!ctl_has_role(c, ROLE_MANAGER)) {
			lane_refuse(c, l, dir, why, "%s; --force needs the role "
			    "manager, which %s does not hold", state, c->user);
			return;
		}
		al.fault = al.unknown = false;
		why = rule_lane_check(&al);
	}
	if (why == R_LANE_OFFLINE) {
		/* The worker would refuse it too: an offline device gets no command. */
		if (!ts->online)
			lane_refuse(c, l, dir, why, "turnstile %s is not "
			    "answering (%s)", tc->name, ts->reason);
		else
			lane_refuse(c, l, dir, why, "turnstile %s has not "
			    "reported its state yet", tc->name);
		return;
	}
	if (why == R_LANE_BUSY) {
		lane_refuse(c, l, dir, why, "a passage is under way (%s)",
		    ls->actor[0] ? "opened by hand" : "card granted");
		return;
	}
	if ((req = ctl_req_new(c, STORE_EVENT_SYNC, lane_opened)) == NULL)
		return;
	/*
	 * Recorded first, opened once the record is committed (invariant 7): the
	 * lane is held meanwhile, so no card grant slips in between.
	 */
	ls->pending = true;
	ls->grant.person = 0;	/* a manual open changes nobody's state */
	ls->dir = d;
	ls->deadline_ns = mono_ns() + (int64_t)lc->pass_timeout_ms * NS_PER_MS;
	ls->credential[0] = '\0';
	ls->cmd_id = 0;
	str_copy(ls->actor, c->user, sizeof(ls->actor));
	ls->forced = fault[0] != '\0';
	req->in.event.ts_ms = real_ms();
	str_copy(req->in.event.kind, "manual_open", sizeof(req->in.event.kind));
	str_copy(req->in.event.lane, lane, sizeof(req->in.event.lane));
	str_copy(req->in.event.device, e->site->devices[lc->turnstile].name,
	    sizeof(req->in.event.device));
	str_copy(req->in.event.direction, dir, sizeof(req->in.event.direction));
	str_copy(req->in.event.decision, "granted", sizeof(req->in.event.decision));
	str_copy(req->in.event.reason, rule_reason_code(R_MANUAL), sizeof(req->in.event.reason));
	str_copy(req->in.event.actor, c->user, sizeof(req->in.event.actor));
	if (fault[0] != '\0')
		snprintf(req->in.event.detail, sizeof(req->in.event.detail),
		    "forced (%s): %s", fault, reason);
	else
		str_copy(req->in.event.detail, reason, sizeof(req->in.event.detail));
	ctl_req_submit(c, req);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void
cmd_stats(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { NULL };
	struct engine *e = c->srv->e;
	size_t n = e->lat_count < LAT_SAMPLES ? (size_t)e->lat_count : LAT_SAMPLES;
	json_object *o, *lat, *links;
	struct store_stats ss;
	uint64_t rejects = 0;

	if (!ctl_args_known(c, args, known))
		return;
	o = json_object_new_object();
	lat = json_object_new_object();
	ctl_add_int(lat, "count", (int64_t)e->lat_count);
	if (n > 0) {
		int64_t *s = malloc(n * sizeof(*s));

		if (s != NULL) {
			memcpy(s, e->lat_ns, n * sizeof(*s));
			qsort(s, n, sizeof(*s), cmp_i64);
			ctl_add_int(lat, "p50", s[(n - 1) / 2]);
			ctl_add_int(lat, "p99", s[(n - 1) * 99 / 100]);
			ctl_add_int(lat, "max", s[n - 1]);
			free(s);
		}
	}
	json_object_object_add(o, "latency_ns", lat);
	store_get_stats(e->store, &ss);
	ctl_add_int(o, "events_committed", (int64_t)ss.events_committed);
	ctl_add_int(o, "event_batches", (int64_t)ss.batches);
	ctl_add_int(o, "event_queue", (int64_t)ss.queue_len);
	ctl_add_int(o, "store_failures", (int64_t)ss.failures);
	for (int d = 0; d < e->site->ndevices; d++)
		rejects += e->devs[d].rejects;
	ctl_add_int(o, "reader_rejects", (int64_t)rejects);
	ctl_add_int(o, "command_failures", (int64_t)e->cmd_failures);
	links = json_object_new_object();
	for (int i = 0; i < e->site->nlinks; i++) {
		json_object *w = json_object_new_object();

		ctl_add_int(w, "pid", e->workers[i].pid);
		ctl_add_int(w, "restarts", e->workers[i].restarts);
		json_object_object_add(links, e->site->links[i].name, w);
	}
	json_object_object_add(o, "links", links);
	ctl_reply_ok(c, o);
}

#define DESK_ROLES	(ROLE_FRONTDESK | ROLE_MANAGER)
#define SHIFT_ROLES	(ROLE_GUARD | ROLE_FRONTDESK | ROLE_MANAGER)

/* Who may use each command: ROLE_* bits (daemon/roles.h), or ROLE_EVERYONE
 * for any user the socket admits. A row must say. */
static const struct {
	const char	*name;
	ctl_cmd_fn	*fn;
	unsigned	roles;
} commands[] = {
	{ "status",	cmd_status,	ROLE_EVERYONE },
	{ "events",	cmd_events,	ROLE_EVERYONE },
	{ "devices",	cmd_devices,	ROLE_EVERYONE },
	{ "alerts",	cmd_alerts,	ROLE_EVERYONE },	/* shows only those routed to the caller */
	{ "card.add",	cmd_card_add,	ROLE_FRONTDESK | ROLE_MANAGER },
	{ "card.remove", cmd_card_remove, ROLE_FRONTDESK | ROLE_MANAGER },
	{ "card.list",	cmd_card_list,	ROLE_FRONTDESK | ROLE_MANAGER },
	{ "card.import", ctl_cmd_card_import, ROLE_FRONTDESK | ROLE_MANAGER },
	{ "lane.open",	cmd_lane_open,	ROLE_GUARD | ROLE_FRONTDESK | ROLE_MANAGER },
	{ "stats",	cmd_stats,	ROLE_EVERYONE },
	{ "alert.ack",	ctl_cmd_alert_ack, ROLE_EVERYONE },	/* an alert routed to the caller */
	{ "fire",	ctl_cmd_fire,	ROLE_EVERYONE },
	{ "fire.reset",	ctl_cmd_fire_reset, ROLE_GUARD | ROLE_FRONTDESK | ROLE_MANAGER },
	{ "tickets",	ctl_cmd_tickets, ROLE_ENGINEERING | ROLE_MANAGER },
	{ "tickets.summary", ctl_cmd_tickets_summary, ROLE_ENGINEERING | ROLE_MANAGER },
	{ "ticket.show", ctl_cmd_ticket_show, ROLE_ENGINEERING | ROLE_MANAGER },
	{ "ticket.start", ctl_cmd_ticket_start, ROLE_ENGINEERING | ROLE_MANAGER },
	{ "ticket.note", ctl_cmd_ticket_note, ROLE_ENGINEERING | ROLE_MANAGER },
	{ "ticket.done", ctl_cmd_ticket_done, ROLE_ENGINEERING | ROLE_MANAGER },
	{ "ticket.open", ctl_cmd_ticket_open, ROLE_ENGINEERING | ROLE_MANAGER },
	{ "devices.check", ctl_cmd_devices_check, ROLE_EVERYONE },
	{ "intercom.list", ctl_cmd_icom_list, ROLE_EVERYONE },
	{ "intercom.release", ctl_cmd_icom_release, ROLE_GUARD | ROLE_FRONTDESK | ROLE_MANAGER },
	/* the front desk (ctl_desk.c, ctl_front.c) */
	{ "person.add",	ctl_cmd_person_add, DESK_ROLES },
	{ "person.list", ctl_cmd_person_list, DESK_ROLES },
	{ "person.show", ctl_cmd_person_show, DESK_ROLES },
	{ "person.status", ctl_cmd_person_status, DESK_ROLES },
	{ "pass.issue",	ctl_cmd_pass_issue, DESK_ROLES },
	{ "pass.list",	ctl_cmd_pass_list, DESK_ROLES },
	{ "pass.show",	ctl_cmd_pass_show, DESK_ROLES },
	{ "pass.extend", ctl_cmd_pass_extend, DESK_ROLES },
	{ "pass.revoke", ctl_cmd_pass_revoke, DESK_ROLES },
	{ "visitor.register", ctl_cmd_visitor_register, DESK_ROLES },	/* override: manager */
	{ "visitor.confirm", ctl_cmd_visitor_confirm, DESK_ROLES },
	{ "visitor.list", ctl_cmd_visitor_list, DESK_ROLES },
	{ "permit.add",	ctl_cmd_permit_add, DESK_ROLES },
	{ "permit.list", ctl_cmd_permit_list, DESK_ROLES },
	{ "permit.set",	ctl_cmd_permit_set, DESK_ROLES },
	{ "contractor.add", ctl_cmd_contractor_add, DESK_ROLES },
	{ "watchlist.add", ctl_cmd_watch_add, ROLE_MANAGER },
	{ "watchlist.remove", ctl_cmd_watch_remove, ROLE_MANAGER },
	{ "watchlist.list", ctl_cmd_watch_list, ROLE_GUARD | ROLE_MANAGER },
	{ "inside",	ctl_cmd_inside,	ROLE_EVERYONE },	/* units: front desk, manager */
	{ "shift.note",	ctl_cmd_shift_note, SHIFT_ROLES },
	{ "shift.handover", ctl_cmd_shift_handover, SHIFT_ROLES },
	{ "shift.log",	ctl_cmd_shift_log, SHIFT_ROLES },
	{ "elevators.list", ctl_cmd_elev_list, ROLE_EVERYONE },
	{ "booking.add", ctl_cmd_booking_add, ROLE_FRONTDESK | ROLE_MANAGER },
	{ "booking.list", ctl_cmd_booking_list, ROLE_FRONTDESK | ROLE_MANAGER },
	{ "booking.cancel", ctl_cmd_booking_cancel, ROLE_FRONTDESK | ROLE_MANAGER },
	{ "user.add",	ctl_cmd_user_add, ROLE_MANAGER },
	{ "web.login",	ctl_cmd_web_login, ROLE_EVERYONE },	/* lobbyweb's own user only */
};

ctl_cmd_fn *
ctl_cmd_find(const char *name, unsigned *roles)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0) {
			*roles = commands[i].roles;
			return commands[i].fn;
		}
	}
	return NULL;
}
