/*
 * The store's records against a real SQLite file: cards and alerts put,
 * listed and removed, the alert life cycle (acknowledged, escalated, each
 * once) and the fire-alarm mode's row kept across a reopen.
 */
#include <string.h>

#include "store_support.h"

/* What an alert request gave back. */
struct alert_res {
	bool		found;		/* it changed the alert */
	size_t		nrows;
	struct alert_rec a;		/* the alert as it is now; zeroed if none */
};

/* Runs op (STORE_ALERT_CLEAR, _ACK, _ESCALATE or _GET) with in. */
static struct alert_res
alert_op(struct store *s, enum store_op op, struct alert_rec in)
{
	struct store_req r = mkreq(op);
	struct alert_res res;

	memset(&res, 0, sizeof(res));
	r.in.alert = in;
	CHECK_INT(store_run(s, &r), 0);
	res.found = r.found;
	res.nrows = r.nrows;
	if (r.nrows == 1)
		res.a = *(const struct alert_rec *)r.rows;
	store_req_free(&r);
	return res;
}

static void
test_cards_alerts(const char *dir)
{
	char path[512];
	struct store *s;
	struct store_req r;
	struct card_rec *c;
	struct alert_rec *a;
	struct alert_res res;
	int64_t id1, id2, id3;
	bool found;

	snprintf(path, sizeof(path), "%s/cards.db", dir);
	if ((s = open_ok(path, 50)) == NULL)
		return;

	card_put(s, "0B000002", "Bea", true);
	card_put(s, "0A000001", "Al", false);
	r = mkreq(STORE_CARD_LIST);
	if ((c = run_rows(s, &r, 2)) != NULL) {
		CHECK_STR(c[0].uid, "0A000001");	/* by uid */
		CHECK_STR(c[0].holder, "Al");
		CHECK(!c[0].enabled);
		CHECK_STR(c[1].uid, "0B000002");
		CHECK(c[1].enabled);
		CHECK_INT(c[1].valid_from_ms, 1000);
		CHECK_INT(c[1].valid_until_ms, 2000);
		CHECK_STR(c[1].created_by, "desk");
		CHECK_INT(c[1].created_ms, 555);
	}
	store_req_free(&r);

	card_put(s, "0A000001", "Al Replaced", true);
	found = false;
	CHECK_INT(card_del(s, "0B000002", &found), 0);
	CHECK(found);
	CHECK_INT(card_del(s, "0B000002", &found), 0);
	CHECK(!found);
	r = mkreq(STORE_CARD_LIST);
	if ((c = run_rows(s, &r, 1)) != NULL) {
		CHECK_STR(c[0].holder, "Al Replaced");
		CHECK(c[0].enabled);
	}
	store_req_free(&r);

	/* A card without a uid is refused, naming the file. */
	r = mkreq(STORE_CARD_PUT);
	CHECK_INT(store_run(s, &r), -1);
	CHECK(strncmp(r.error, path, strlen(path)) == 0);

	id1 = alert_raise(s, 100, "bus1/unit 3", "offline");
	id2 = alert_raise(s, 200, "L1", "jammed");
	id3 = alert_raise(s, 300, "lift-A", "trapped");
	CHECK(id1 > 0 && id1 < id2 && id2 < id3);
	res = alert_op(s, STORE_ALERT_CLEAR, (struct alert_rec){ .id = id2,
	    .cleared_ms = 250 });
	CHECK(res.found);
	CHECK_INT(res.nrows, 1);		/* the alert as it is now */
	CHECK_INT(res.a.cleared_ms, 250);
	res = alert_op(s, STORE_ALERT_CLEAR, (struct alert_rec){ .id = id2,
	    .cleared_ms = 260 });		/* already cleared */
	CHECK(!res.found);

	r = mkreq(STORE_ALERT_LIST);
	if ((a = run_rows(s, &r, 2)) != NULL) {
		CHECK_INT(a[0].id, id1);
		CHECK_INT(a[0].cleared_ms, 0);
		CHECK_STR(a[0].source, "bus1/unit 3");
		CHECK_STR(a[0].kind, "offline");
		CHECK_STR(a[0].severity, "urgent");
		CHECK_STR(a[0].message, "offline");
		CHECK_INT(a[0].raised_ms, 100);
		CHECK_INT(a[1].id, id3);
	}
	store_req_free(&r);
	r = mkreq(STORE_ALERT_LIST);
	r.in.query.all = true;
	if ((a = run_rows(s, &r, 3)) != NULL) {
		CHECK_INT(a[1].id, id2);
		CHECK_INT(a[1].cleared_ms, 250);
		CHECK_STR(a[1].message, "jammed");
	}
	store_req_free(&r);
	store_close(s);

	/* All of it is still there after a reopen. */
	if ((s = open_ok(path, 50)) == NULL)
		return;
	CHECK_INT(count_rows(s, mkreq(STORE_CARD_LIST)), 1);
	CHECK_INT(count_rows(s, mkreq(STORE_ALERT_LIST)), 2);
	store_close(s);
}

/* Acknowledgement and escalation: once each, the alert handed back. */
static void
test_alert_life_cycle(const char *dir)
{
	char path[512];
	struct store *s;
	struct store_req r;
	struct alert_res res;
	const struct alert_rec *a;
	int64_t id, gone;

	snprintf(path, sizeof(path), "%s/life.db", dir);
	if ((s = open_ok(path, 50)) == NULL)
		return;
	id = alert_raise(s, 1000, "ts3", "Turnstile ts3 not answering");
	gone = alert_raise(s, 1100, "ts2", "gone");
	alert_op(s, STORE_ALERT_CLEAR, (struct alert_rec){ .id = gone,
	    .cleared_ms = 1200 });

	res = alert_op(s, STORE_ALERT_ESCALATE, (struct alert_rec){ .id = id,
	    .escalated_ms = 1300, .audience = "engineering,manager" });
	CHECK(res.found);
	CHECK_INT(res.nrows, 1);
	CHECK_INT(res.a.escalated_ms, 1300);
	CHECK_STR(res.a.audience, "engineering,manager");
	CHECK_INT(res.a.acked_ms, 0);
	res = alert_op(s, STORE_ALERT_ESCALATE, (struct alert_rec){ .id = id,
	    .escalated_ms = 1400 });	/* once only */
	CHECK(!res.found);
	if (res.nrows == 1)
		CHECK_INT(res.a.escalated_ms, 1300);

	res = alert_op(s, STORE_ALERT_ACK, (struct alert_rec){ .id = id,
	    .acked_ms = 1500, .acked_by = "eng1", .ack_note = "on my way" });
	CHECK(res.found);
	CHECK_INT(res.nrows, 1);
	CHECK_INT(res.a.acked_ms, 1500);
	CHECK_STR(res.a.acked_by, "eng1");
	CHECK_STR(res.a.ack_note, "on my way");
	CHECK_STR(res.a.source, "ts3");
	/* Twice, a cleared one, an unknown one: nothing changes. */
	res = alert_op(s, STORE_ALERT_ACK, (struct alert_rec){ .id = id,
	    .acked_by = "eng2" });
	CHECK(!res.found);
	if (res.nrows == 1)
		CHECK_STR(res.a.acked_by, "eng1");
	res = alert_op(s, STORE_ALERT_ACK, (struct alert_rec){ .id = gone,
	    .acked_by = "eng2" });
	CHECK(!res.found);
	CHECK_INT(res.nrows, 1);
	CHECK_INT(res.a.acked_ms, 0);
	res = alert_op(s, STORE_ALERT_GET, (struct alert_rec){ .id = 99999 });
	CHECK_INT(res.nrows, 0);

	/* The active list carries the life cycle, for adoption at start. */
	r = mkreq(STORE_ALERT_LIST);
	if ((a = run_rows(s, &r, 1)) != NULL) {
		CHECK_INT(a->id, id);
		CHECK_INT(a->acked_ms, 1500);
		CHECK_INT(a->escalated_ms, 1300);
	}
	store_req_free(&r);
	store_close(s);
}

/* Replaces the fire-alarm mode's row with f. */
static void
fire_put(struct store *s, const struct fire_rec *f)
{
	struct store_req r = mkreq(STORE_FIRE_PUT);

	r.in.fire = *f;
	CHECK_INT(store_run(s, &r), 0);
	store_req_free(&r);
}

/* Reads the fire-alarm mode's row into *f (zeroed when there is none): how
 * many rows there were. */
static size_t
fire_get(struct store *s, struct fire_rec *f)
{
	struct store_req r = mkreq(STORE_FIRE_GET);
	size_t n;

	memset(f, 0, sizeof(*f));
	CHECK_INT(store_run(s, &r), 0);
	n = r.nrows;
	if (n == 1)
		*f = *(const struct fire_rec *)r.rows;
	store_req_free(&r);
	return n;
}

/* The fire-alarm mode's row: none at first, kept across a reopen, replaced
 * whole; a write commits the events queued before it first. */
static void
test_fire_mode(const char *dir)
{
	char path[512];
	struct store *s;
	struct store_req q;
	struct fire_rec f;
	struct ev_rec ev = mkev(4000, "fire_mode_on", "", "");

	snprintf(path, sizeof(path), "%s/fire.db", dir);
	if ((s = open_ok(path, 1000)) == NULL)
		return;
	CHECK_INT(fire_get(s, &f), 0);

	store_event_add(s, &ev);	/* a 1 s batch: only the write commits it */
	fire_put(s, &(struct fire_rec){ .active = true, .since_ms = 4001,
	    .source = "fire-panel" });
	CHECK_INT(query(s, &q, 4000, "", 10), 0);
	CHECK_INT(q.nrows, 1);
	if (q.nrows == 1)
		CHECK_STR(((struct ev_rec *)q.rows)[0].kind, "fire_mode_on");
	store_req_free(&q);
	store_close(s);

	if ((s = open_ok(path, 50)) == NULL)
		return;
	CHECK_INT(fire_get(s, &f), 1);
	CHECK(f.active);
	CHECK_INT(f.since_ms, 4001);
	CHECK_STR(f.source, "fire-panel");
	CHECK_INT(f.ended_ms, 0);
	CHECK_STR(f.reset_by, "");
	fire_put(s, &(struct fire_rec){ .active = false, .since_ms = 4001,
	    .source = "fire-panel", .ended_ms = 9000, .reset_by = "guard1" });
	store_close(s);

	if ((s = open_ok(path, 50)) == NULL)
		return;
	CHECK_INT(fire_get(s, &f), 1);
	CHECK(!f.active);
	CHECK_INT(f.ended_ms, 9000);
	CHECK_STR(f.reset_by, "guard1");
	CHECK_STR(f.source, "fire-panel");
	store_close(s);
}

int
main(void)
{
	static store_test_fn *const tests[] = {
		test_cards_alerts, test_alert_life_cycle, test_fire_mode
	};

	return store_tests_main("test_store_records", tests, NELEM(tests));
}
