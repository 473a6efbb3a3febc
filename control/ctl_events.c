/*
 * The event log's commands: "events", read page by page by card, person,
 * lane and time, and followed; "events.export" and "events.export.done",
 * with which lobbyctl writes the log out before retention may delete it;
 * and the JSON of one event, as listings and followers get it.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control_int.h"
#include "jbuf.h"
#include "../engine/engine.h"
#include "../common/util.h"

static enum reason
reason_from_code(const char *code)
{
	for (int r = 0; r < R_COUNT; r++)
		if (strcmp(rule_reason_code((enum reason)r), code) == 0)
			return (enum reason)r;
	return R_COUNT;
}

const char *
ctl_event_reason_text(const struct ev_rec *ev)
{
	enum reason r = reason_from_code(ev->reason);
	const char *t;

	if (r < R_COUNT)
		return rule_reason_text(r);
	t = desk_reason_text(ev->reason);
	return t != NULL ? t : "";
}

/* JSON one page of events may take: well under a reply's CTL_REPLY_MAX
 * and under 1 MiB, so lobbyctl and scripts never hold much at a time. */
#define EV_PAGE_BYTES	(768u << 10)

/* An event written as JSON text, for pages and followers alike: a page of
 * 2000 then costs the engine about a millisecond, not ten. */
void
ctl_event_jb(struct jbuf *b, const struct ev_rec *ev)
{
	jb_fmt(b, "{\"id\":%" PRId64 ",\"ts_ms\":%" PRId64 ",\"kind\":", ev->id,
	    ev->ts_ms);
	jb_str(b, ev->kind);
	jb_key_str(b, "lane", ev->lane);
	jb_key_str(b, "device", ev->device);
	jb_key_str(b, "direction", ev->direction);
	jb_key_str(b, "credential", ev->credential);
	jb_key_str(b, "decision", ev->decision);
	jb_key_str(b, "reason", ev->reason);
	jb_key_str(b, "reason_text", ctl_event_reason_text(ev));
	jb_fmt(b, ",\"person\":%" PRId64 ",\"actor\":", ev->person);
	jb_str(b, ev->actor);
	jb_key_str(b, "detail", ev->detail);
	jb_put(b, "}", 1);
}

/*
 * The paging cursor after ev: "TS:ID". lobbyctl treats it as opaque; it
 * holds the time as well as the id because lists are in (time, id) order.
 */
static void
cursor_make(const struct ev_rec *ev, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRId64 ":%" PRId64, ev->ts_ms, ev->id);
}

static bool
cursor_parse(const char *s, int64_t *ts, int64_t *id)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	*ts = strtoll(s, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		return false;
	*id = strtoll(end + 1, &end, 10);
	return *end == '\0' && *ts >= 0 && *id >= 0 && *ts < INT64_MAX &&
	    *id < INT64_MAX;
}

/* "2026-11-23 18:02:03", local time, for messages. */
static void
local_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "%" PRId64 " ms", ms);
}

bool
ctl_follows_event(const struct ctl_client *c, const struct ev_rec *ev)
{
	return c->follow_events &&
	    (c->follow_lane[0] == '\0' || strcmp(c->follow_lane, ev->lane) == 0) &&
	    (c->follow_card[0] == '\0' ||
	    strcmp(c->follow_card, ev->credential) == 0) &&
	    (c->follow_person == 0 || c->follow_person == ev->person);
}

/* ---- events ----------------------------------------------------------- */

static void
events_done(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct ev_rec *ev = req->rows;
	const struct ev_query *q = &req->in.evq;
	struct jbuf b = { 0 };
	char more[48] = "";
	size_t i;

	if (req->status != 0) {
		ctl_reply_err(c, "events: %s", req->error);
		ctl_req_finish(c, req);
		return;
	}
	/* The newest N's start is still being looked for: another step, at
	 * the back of the store's queue, behind whatever came meanwhile. */
	if (req->seek.on && !c->dead && !c->srv->closing) {
		req->in.evq.seek = req->seek;
		store_req_free(req);
		ctl_req_submit(c, req);
		return;
	}
	if (req->seek.on) {
		ctl_reply_err(c, "events: lobbyd is stopping");
		ctl_req_finish(c, req);
		return;
	}
	jb_page_begin(&b);
	for (i = 0; i < req->nrows && (i == 0 || b.len < EV_PAGE_BYTES); i++) {
		if (i > 0)
			jb_put(&b, ",", 1);
		ctl_event_jb(&b, &ev[i]);
	}
	/* Rows left out for the size, or more behind the page: the client
	 * asks again from the last one sent. */
	if (i < req->nrows || req->more)
		cursor_make(&ev[i - 1], more, sizeof(more));
	jb_page_end(&b, more[0] != '\0' ? more : NULL);
	if (b.oom) {
		more[0] = '\0';
		c->wants_follow = false;
	}
	ctl_reply_jb(c, &b, "events");
	/* Following starts with the last page: committed events after it
	 * reach the follower in order, as the store completes requests and
	 * batches in commit order. */
	if (more[0] == '\0') {
		c->follow_events = c->wants_follow;
		str_copy(c->follow_lane, q->lane, sizeof(c->follow_lane));
		str_copy(c->follow_card, q->credential, sizeof(c->follow_card));
		c->follow_person = q->person;
	}
	ctl_req_finish(c, req);
}

void
ctl_cmd_events(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "since_ms", "until_ms", "lane",
	    "card", "person", "limit", "follow", "after", "oldest", "upto_id",
	    NULL };
	struct ev_query q = { .limit = 100 };
	int64_t limit = 100;
	bool follow = false;
	char after[48] = "";
	int has_until, has_upto, has_after;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_int(c, args, "since_ms", &q.since_ms, 0, INT64_MAX - 1) < 0 ||
	    (has_until = ctl_arg_int(c, args, "until_ms", &q.until_ms, 1,
	    INT64_MAX - 1)) < 0 ||
	    ctl_arg_int(c, args, "person", &q.person, 1, INT64_MAX - 1) < 0 ||
	    ctl_arg_int(c, args, "limit", &limit, 1, STORE_EVENT_LIMIT_MAX) < 0 ||
	    (has_upto = ctl_arg_int(c, args, "upto_id", &q.upto_id, 1,
	    INT64_MAX - 1)) < 0 ||
	    ctl_arg_bool(c, args, "follow", &follow) < 0 ||
	    ctl_arg_bool(c, args, "oldest", &q.oldest) < 0 ||
	    ctl_arg_str(c, args, "lane", q.lane, sizeof(q.lane), false) < 0 ||
	    ctl_arg_str(c, args, "card", q.credential, sizeof(q.credential),
	    false) < 0 ||
	    (has_after = ctl_arg_str(c, args, "after", after, sizeof(after),
	    false)) < 0)
		return;
	if (q.lane[0] && config_lane_index(c->srv->e->site, q.lane) < 0 &&
	    config_elevator_index(c->srv->e->site, q.lane) < 0) {
		ctl_reply_err(c, "no lane \"%s\"", q.lane);
		return;
	}
	if (has_until && q.until_ms <= q.since_ms) {
		ctl_reply_err(c, "\"until_ms\" must be after \"since_ms\"");
		return;
	}
	if (follow && (has_until || has_upto)) {
		ctl_reply_err(c, "\"follow\" does not go with \"%s\": no new "
		    "event would match", has_until ? "until_ms" : "upto_id");
		return;
	}
	if (follow && !ctl_follow_admit(c))
		return;
	if (has_after) {
		if (!cursor_parse(after, &q.after_ts, &q.after_id)) {
			ctl_reply_err(c, "\"after\" is not a cursor lobbyd "
			    "handed out (the \"more\" of an earlier reply)");
			return;
		}
		q.after = true;
	}
	q.limit = (int)limit;
	c->wants_follow = follow;	/* events_done starts following */
	ctl_request(c, STORE_EVENT_QUERY, events_done, &(union store_in){ .evq = q });
}

/* ---- export ----------------------------------------------------------- */

static void
export_begun(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct export_rec *last = req->nrows > 0 ? req->rows : NULL;
	int64_t since = req->in.export.since_ms, until = req->in.export.until_ms;
	json_object *o;
	char t1[32], t2[32];

	if (req->status != 0) {
		ctl_reply_err(c, "events.export: %s", req->error);
		goto out;
	}
	if (since == -1)	/* not given: where the exports reached */
		since = last != NULL ? last->until_ms : 0;
	if (since >= until) {
		local_time(until, t1, sizeof(t1));
		local_time(since, t2, sizeof(t2));
		ctl_reply_err(c, "events.export: the events before %s were "
		    "exported already (the exports reached %s); give since_ms "
		    "to export them again", t1, t2);
		goto out;
	}
	o = json_object_new_object();
	ctl_add_int(o, "since_ms", since);
	ctl_add_int(o, "until_ms", until);
	ctl_add_int(o, "upto_id", req->id);
	ctl_add_int(o, "exported_until_ms", last != NULL ? last->until_ms : 0);
	ctl_reply_ok(c, o);
out:
	ctl_req_finish(c, req);
}

void
ctl_cmd_events_export(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "since_ms", "until_ms", NULL };
	int64_t since = -1, until = 0, now = real_ms();

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_int(c, args, "since_ms", &since, 0, INT64_MAX - 1) < 0 ||
	    ctl_arg_int_required(c, args, "until_ms", &until, 1, INT64_MAX - 1) < 0)
		return;
	if (since >= until) {
		ctl_reply_err(c, "\"until_ms\" must be after \"since_ms\"");
		return;
	}
	/* Events still to come could land before a later end; they would be
	 * in no export, and kept for ever. */
	if (until > now) {
		ctl_reply_err(c, "\"until_ms\" is in the future: only past "
		    "events can be exported");
		return;
	}
	ctl_request(c, STORE_EXPORT_BEGIN, export_begun, &(union store_in){
	    .export = { .since_ms = since, .until_ms = until } });
}

static void
export_recorded(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct export_rec *x = &req->in.export;
	struct ev_rec ev;
	json_object *o;
	char t1[32], t2[32];

	if (req->status != 0) {
		ctl_reply_err(c, "events.export.done: %s", req->error);
		goto out;
	}
	local_time(x->since_ms, t1, sizeof(t1));
	local_time(x->until_ms, t2, sizeof(t2));
	engine_ev_init(&ev, "events_exported");
	str_copy(ev.actor, c->user, sizeof(ev.actor));
	snprintf(ev.detail, sizeof(ev.detail), "%" PRId64 " events from %s "
	    "to %s%s%.40s", x->nrows, x->since_ms > 0 ? t1 : "the start", t2,
	    x->file[0] != '\0' ? " into " : "", x->file);
	engine_event(c->srv->e, &ev);
	log_notice("events exported by %s: %s", c->user, ev.detail);
	retention_kick(c->srv->e);	/* they may go now */
	o = ctl_fields_json(x, CTL_FIELDS(CTL_FIELD(export_rec, since_ms),
	    CTL_FIELD(export_rec, until_ms), CTL_FIELD(export_rec, upto_id),
	    CTL_FIELD_AS(export_rec, nrows, "rows")));
	ctl_add_int(o, "id", req->id);
	ctl_reply_ok(c, o);
out:
	ctl_req_finish(c, req);
}

void
ctl_cmd_events_export_done(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "since_ms", "until_ms", "upto_id",
	    "rows", "file", NULL };
	struct export_rec x = { 0 };

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_int(c, args, "since_ms", &x.since_ms, 0, INT64_MAX - 1) < 0 ||
	    ctl_arg_int(c, args, "until_ms", &x.until_ms, 1, real_ms()) < 0 ||
	    ctl_arg_int(c, args, "upto_id", &x.upto_id, 0, INT64_MAX - 1) < 0 ||
	    ctl_arg_int(c, args, "rows", &x.nrows, 0, INT64_MAX - 1) < 0 ||
	    ctl_arg_str(c, args, "file", x.file, sizeof(x.file), false) < 0)
		return;
	if (x.until_ms <= x.since_ms) {
		ctl_reply_err(c, "\"until_ms\" (required) must be after "
		    "\"since_ms\"");
		return;
	}
	x.done_ms = real_ms();
	str_copy(x.actor, c->user, sizeof(x.actor));
	ctl_request(c, STORE_EXPORT_DONE, export_recorded, &(union store_in){ .export = x });
}
