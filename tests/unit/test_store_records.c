/*
 * The store's records against a real SQLite file: cards and alerts put,
 * listed and removed, the alert life cycle (acknowledged, escalated, each
 * once) and the fire-alarm mode's row kept across a reopen.
 */
#include <string.h>

#include "store_support.h"

static void
test_cards_alerts(const char *dir)
{
	char path[512];
	struct store *s;
	struct store_req r;
	struct card_rec *c;
	struct alert_rec *a;
	int64_t id1, id2, id3;
	bool found;

	snprintf(path, sizeof(path), "%s/cards.db", dir);
	if ((s = open_ok(path, 50)) == NULL)
		return;

	card_put(s, "0B000002", "Bea", true);
	card_put(s, "0A000001", "Al", false);
	r = mkreq(STORE_CARD_LIST);
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 2);
	if (r.nrows == 2) {
		c = r.rows;
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
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 1);
	if (r.nrows == 1) {
		c = r.rows;
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
	r = mkreq(STORE_ALERT_CLEAR);
	r.in.alert.id = id2;
	r.in.alert.cleared_ms = 250;
	CHECK_INT(store_run(s, &r), 0);
	CHECK(r.found);
	CHECK_INT(r.nrows, 1);		/* the alert as it is now */
	if (r.nrows == 1)
		CHECK_INT(((struct alert_rec *)r.rows)[0].cleared_ms, 250);
	store_req_free(&r);
	r = mkreq(STORE_ALERT_CLEAR);	/* already cleared */
	r.in.alert.id = id2;
	r.in.alert.cleared_ms = 260;
	CHECK_INT(store_run(s, &r), 0);
	CHECK(!r.found);
	store_req_free(&r);

	r = mkreq(STORE_ALERT_LIST);
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 2);
	if (r.nrows == 2) {
		a = r.rows;
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
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 3);
	if (r.nrows == 3) {
		a = r.rows;
		CHECK_INT(a[1].id, id2);
		CHECK_INT(a[1].cleared_ms, 250);
		CHECK_STR(a[1].message, "jammed");
	}
	store_req_free(&r);
	store_close(s);

	/* All of it is still there after a reopen. */
	if ((s = open_ok(path, 50)) == NULL)
		return;
	r = mkreq(STORE_CARD_LIST);
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 1);
	store_req_free(&r);
	r = mkreq(STORE_ALERT_LIST);
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 2);
	store_req_free(&r);
	store_close(s);
}

/* Acknowledgement and escalation: once each, the alert handed back. */
static void
test_alert_life_cycle(const char *dir)
{
	char path[512];
	struct store *s;
	struct store_req r;
	const struct alert_rec *a;
	int64_t id, gone;

	snprintf(path, sizeof(path), "%s/life.db", dir);
	if ((s = open_ok(path, 50)) == NULL)
		return;
	id = alert_raise(s, 1000, "ts3", "Turnstile ts3 not answering");
	gone = alert_raise(s, 1100, "ts2", "gone");
	r = mkreq(STORE_ALERT_CLEAR);
	r.in.alert.id = gone;
	r.in.alert.cleared_ms = 1200;
	CHECK_INT(store_run(s, &r), 0);
	store_req_free(&r);

	r = mkreq(STORE_ALERT_ESCALATE);
	r.in.alert.id = id;
	r.in.alert.escalated_ms = 1300;
	str_copy(r.in.alert.audience, "engineering,manager", sizeof(r.in.alert.audience));
	CHECK_INT(store_run(s, &r), 0);
	CHECK(r.found);
	CHECK_INT(r.nrows, 1);
	if (r.nrows == 1) {
		a = r.rows;
		CHECK_INT(a->escalated_ms, 1300);
		CHECK_STR(a->audience, "engineering,manager");
		CHECK_INT(a->acked_ms, 0);
	}
	store_req_free(&r);
	r = mkreq(STORE_ALERT_ESCALATE);	/* once only */
	r.in.alert.id = id;
	r.in.alert.escalated_ms = 1400;
	CHECK_INT(store_run(s, &r), 0);
	CHECK(!r.found);
	if (r.nrows == 1)
		CHECK_INT(((const struct alert_rec *)r.rows)->escalated_ms, 1300);
	store_req_free(&r);

	r = mkreq(STORE_ALERT_ACK);
	r.in.alert.id = id;
	r.in.alert.acked_ms = 1500;
	str_copy(r.in.alert.acked_by, "eng1", sizeof(r.in.alert.acked_by));
	str_copy(r.in.alert.ack_note, "on my way", sizeof(r.in.alert.ack_note));
	CHECK_INT(store_run(s, &r), 0);
	CHECK(r.found);
	CHECK_INT(r.nrows, 1);
	if (r.nrows == 1) {
		a = r.rows;
		CHECK_INT(a->acked_ms, 1500);
		CHECK_STR(a->acked_by, "eng1");
		CHECK_STR(a->ack_note, "on my way");
		CHECK_STR(a->source, "ts3");
	}
	store_req_free(&r);
	/* Twice, a cleared one, an unknown one: nothing changes. */
	r = mkreq(STORE_ALERT_ACK);
	r.in.alert.id = id;
	str_copy(r.in.alert.acked_by, "eng2", sizeof(r.in.alert.acked_by));
	CHECK_INT(store_run(s, &r), 0);
	CHECK(!r.found);
	if (r.nrows == 1)
		CHECK_STR(((const struct alert_rec *)r.rows)->acked_by, "eng1");
	store_req_free(&r);
	r = mkreq(STORE_ALERT_ACK);
	r.in.alert.id = gone;
	str_copy(r.in.alert.acked_by, "eng2", sizeof(r.in.alert.acked_by));
	CHECK_INT(store_run(s, &r), 0);
	CHECK(!r.found);
	CHECK_INT(r.nrows, 1);
	if (r.nrows == 1)
		CHECK_INT(((const struct alert_rec *)r.rows)->acked_ms, 0);
	store_req_free(&r);
	r = mkreq(STORE_ALERT_GET);
	r.in.alert.id = 99999;
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 0);
	store_req_free(&r);

	/* The active list carries the life cycle, for adoption at start. */
	r = mkreq(STORE_ALERT_LIST);
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 1);
	if (r.nrows == 1) {
		a = r.rows;
		CHECK_INT(a->id, id);
		CHECK_INT(a->acked_ms, 1500);
		CHECK_INT(a->escalated_ms, 1300);
	}
	store_req_free(&r);
	store_close(s);
}

/* The fire-alarm mode's row: none at first, kept across a reopen, replaced
 * whole; a write commits the events queued before it first. */
static void
test_fire_mode(const char *dir)
{
	char path[512];
	struct store *s;
	struct store_req r, q;
	struct fire_rec *f;
	struct ev_rec ev;

	snprintf(path, sizeof(path), "%s/fire.db", dir);
	if ((s = open_ok(path, 1000)) == NULL)
		return;
	r = mkreq(STORE_FIRE_GET);
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 0);
	store_req_free(&r);

	memset(&ev, 0, sizeof(ev));
	ev.ts_ms = 4000;
	str_copy(ev.kind, "fire_mode_on", sizeof(ev.kind));
	store_event_add(s, &ev);	/* a 1 s batch: only the write commits it */
	r = mkreq(STORE_FIRE_PUT);
	r.in.fire.active = true;
	r.in.fire.since_ms = 4001;
	str_copy(r.in.fire.source, "fire-panel", sizeof(r.in.fire.source));
	CHECK_INT(store_run(s, &r), 0);
	store_req_free(&r);
	CHECK_INT(query(s, &q, 4000, "", 10), 0);
	CHECK_INT(q.nrows, 1);
	if (q.nrows == 1)
		CHECK_STR(((struct ev_rec *)q.rows)[0].kind, "fire_mode_on");
	store_req_free(&q);
	store_close(s);

	if ((s = open_ok(path, 50)) == NULL)
		return;
	r = mkreq(STORE_FIRE_GET);
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 1);
	if (r.nrows == 1) {
		f = r.rows;
		CHECK(f->active);
		CHECK_INT(f->since_ms, 4001);
		CHECK_STR(f->source, "fire-panel");
		CHECK_INT(f->ended_ms, 0);
		CHECK_STR(f->reset_by, "");
	}
	store_req_free(&r);

	r = mkreq(STORE_FIRE_PUT);
	r.in.fire.active = false;
	r.in.fire.since_ms = 4001;
	str_copy(r.in.fire.source, "fire-panel", sizeof(r.in.fire.source));
	r.in.fire.ended_ms = 9000;
	str_copy(r.in.fire.reset_by, "guard1", sizeof(r.in.fire.reset_by));
	CHECK_INT(store_run(s, &r), 0);
	store_req_free(&r);
	store_close(s);

	if ((s = open_ok(path, 50)) == NULL)
		return;
	r = mkreq(STORE_FIRE_GET);
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 1);
	if (r.nrows == 1) {
		f = r.rows;
		CHECK(!f->active);
		CHECK_INT(f->ended_ms, 9000);
		CHECK_STR(f->reset_by, "guard1");
		CHECK_STR(f->source, "fire-panel");
	}
	store_req_free(&r);
	store_close(s);
}

int
main(void)
{
	char dir[] = "/tmp/test_store_records.XXXXXX";

	log_init("test_store_records", false);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_cards_alerts(dir);
	test_alert_life_cycle(dir);
	test_fire_mode(dir);
	rm_dir(dir);
	return harness_done("test_store_records");
}
