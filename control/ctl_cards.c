/*
 * The cards from the control socket: card.add and card.remove, each audited
 * in the log of events, and card.list, a page at a time written out as JSON
 * text, all of them or those a find finds. card.import is ctl_import.c.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "jbuf.h"
#include "../engine/engine.h"
#include "../common/floors.h"
#include "../common/util.h"

#define CARD_PAGE_ROWS	1000	/* cards a card.list page holds */

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
	struct ev_rec ev;

	engine_ev_init(&ev, kind);
	str_copy(ev.credential, uid, sizeof(ev.credential));
	str_copy(ev.actor, c->user, sizeof(ev.actor));
	str_copy(ev.detail, detail, sizeof(ev.detail));
	engine_event(c->srv->e, &ev);
}

/* A card as JSON text (jbuf.h), for card.add and the pages of card.list,
 * rather than built as json-c objects: a thousand cards then cost the
 * engine a fraction of a millisecond, so a million listed never hold a
 * card decision up. */
static void
jb_card(struct jbuf *b, const struct card_rec *c)
{
	bool first = true;

	jb_put(b, "{\"uid\":", 7);
	jb_str(b, c->uid);
	jb_key_str(b, "holder", c->holder);
	jb_fmt(b, ",\"enabled\":%s", c->enabled ? "true" : "false");
	jb_fmt(b, ",\"valid_from_ms\":%" PRId64, c->valid_from_ms);
	jb_fmt(b, ",\"valid_until_ms\":%" PRId64, c->valid_until_ms);
	jb_key_str(b, "created_by", c->created_by);
	jb_fmt(b, ",\"created_ms\":%" PRId64 ",\"floors\":[", c->created_ms);
	for (int f = 0; f <= FLOORS_TOP; f++) {
		if (c->floors >> f & 1) {
			jb_fmt(b, first ? "%d" : ",%d", f);
			first = false;
		}
	}
	jb_put(b, "]}", 2);
}

/* The reply to card.add: the card as it was stored. */
static void
reply_card(struct ctl_client *c, const struct card_rec *card)
{
	struct jbuf b = { 0 };

	jb_put(&b, "{\"ok\":true,\"data\":", 18);
	jb_card(&b, card);
	jb_put(&b, "}", 1);
	ctl_reply_jb(c, &b, "card.add");
}

static void
card_added(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;

	struct card_view was;

	if (req->status != 0) {
		ctl_reply_err(c, "card %s not stored: %s", req->in.card.uid, req->error);
	} else if (req->op == STORE_CARD_ADD && !req->found) {
		/* A new card from a form must not take over someone else's. */
		if (engine_card_find(c->srv->e, req->in.card.uid, &was))
			ctl_reply_err(c, "card %s is on the card list already (holder "
			    "%s); remove it first", req->in.card.uid, was.holder);
		else
			ctl_reply_err(c, "card %s is on the card list already; "
			    "remove it first", req->in.card.uid);
	} else {
		ctl_card_audit(c, "card_added", req->in.card.uid, req->in.card.holder);
		if (engine_card_put(c->srv->e, &req->in.card) < 0)
			ctl_reply_err(c, "card %s stored, but lobbyd is out of memory and "
			    "will not know it until restarted", req->in.card.uid);
		else
			reply_card(c, &req->in.card);
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

void
ctl_cmd_card_add(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "uid", "holder", "enabled", "valid_from_ms",
	    "valid_until_ms", "floors", "replace", NULL };
	struct card_rec card = { .enabled = true };
	bool replace = true;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_bool(c, args, "replace", &replace) < 0 ||
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
	ctl_request(c, replace ? STORE_CARD_PUT : STORE_CARD_ADD, card_added,
	    &(union store_in){ .card = card });
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

void
ctl_cmd_card_remove(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "uid", NULL };
	union store_in in = { 0 };
	char *uid = in.key;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "uid", uid, sizeof(in.key), true) < 0)
		return;
	if (!ctl_card_uid_valid(uid)) {
		ctl_reply_err(c, "card uid \"%s\": 4 to %d upper-case hex digits expected",
		    uid, MSG_UID_MAX - 1);
		return;
	}
	ctl_request(c, STORE_CARD_DEL, card_removed, &in);
}

/* ---- card pages, written out directly ---------------------------------- */

static void
card_page_done(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct card_rec *cr = req->rows;
	struct jbuf b = { 0 };
	const char *more = NULL;

	if (req->status != 0) {
		ctl_reply_err(c, "card.list: %s", req->error);
		ctl_req_finish(c, req);
		return;
	}
	jb_page_begin(&b);
	for (size_t i = 0; i < req->nrows; i++) {
		if (i > 0)
			jb_put(&b, ",", 1);
		jb_card(&b, &cr[i]);
	}
	/* A full page may have more behind it: the client asks again. A find
	 * says where its read stopped, full page or not. */
	if (req->in.page.find[0] != '\0')
		more = req->resume[0] != '\0' ? req->resume : NULL;
	else if (req->nrows == (size_t)req->in.page.limit)
		more = cr[req->nrows - 1].uid;
	jb_page_end(&b, more);
	ctl_reply_jb(c, &b, "card.list");
	ctl_req_finish(c, req);
}

/* From the store, a page at a time on the store's thread: the engine only
 * turns one page into JSON, so a million cards never stall a decision.
 * With "find", the store reads a bounded share of the list a request
 * (STORE_CARD_SCAN): a page may hold fewer than "limit" and still say
 * "more", where the next request goes on. */
void
ctl_cmd_card_list(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "after", "find", "limit", NULL };
	union store_in in = { 0 };
	int64_t limit = CARD_PAGE_ROWS;

	if (!ctl_args_known(c, args, known) || ctl_arg_str(c, args, "after",
	    in.page.after, sizeof(in.page.after), false) < 0 ||
	    ctl_arg_find(c, args, in.page.find, sizeof(in.page.find),
	    "a uid prefix or part of a holder's name") < 0 ||
	    ctl_arg_int(c, args, "limit", &limit, 1, CARD_PAGE_ROWS) < 0)
		return;
	in.page.limit = (int)limit;
	ctl_request(c, STORE_CARD_LIST, card_page_done, &in);
}
