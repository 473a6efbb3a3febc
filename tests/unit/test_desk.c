/*
 * db/desk.c through the store, against real SQLite files in a temporary
 * directory: people, passes and registrations, the lists of passes, permits
 * ending their passes, the watch list, presence, the shift log, and what is
 * loaded at start after a reopen. The visitor purge and ID numbers are
 * test_desk_privacy.c's.
 */
#include "desk_support.h"

static void
test_people_passes(struct store *s)
{
	struct person_rec p = { .kind = "tenant_staff", .status = "active",
		.name = "Ana Lima", .id_type = "passport", .id_hash = "ab12",
		.id_mask = "X1****89", .company = "Acme", .unit = "12A",
		.schedule = "office", .created_ms = NOW - MS_DAY,
		.created_by = "desk1", .updated_ms = NOW - MS_DAY };
	/* A pass, every field set; its person is put first. */
	struct pass_rec ps = { .credential = "04A1B2C3",
		.state = "active", .valid_from_ms = NOW - MS_DAY,
		.valid_until_ms = NOW + MS_DAY, .lanes = "lane1,lane3",
		.floors = UINT64_C(1) << 63 | UINT64_C(1) << 3,
		.single_entry = true, .used = true, .issued_ms = NOW - MS_DAY,
		.issued_by = "desk1", .confirmed_ms = NOW - 5,
		.confirmed_by = "host1", .vclass = "vip", .host = "Acme",
		.purpose = "audit", .party = 3, .appointment = true,
		.override_by = "mgr", .override_reason = "board visit" };
	struct desk_load l;
	struct store_req r;
	const struct person_rec *gp;
	const struct pass_rec *gs;
	int64_t id, id2, pid, vid, vpass;
	size_t npeople;

	/* Insert, then replace: the same id, the new words. */
	id = person_put(s, p);
	CHECK(id > 0);
	p.id = id;
	str_copy(p.name, "Ana Lima Souza", sizeof(p.name));
	str_copy(p.status, "suspended", sizeof(p.status));
	p.updated_ms = NOW;
	CHECK_INT(person_put(s, p), id);
	id2 = person_put(s, (struct person_rec){ .kind = "property_staff",
	    .status = "active", .name = "Bo", .created_ms = 1, .updated_ms = 1 });
	CHECK(id2 > id);

	CHECK_INT(load(s, NOW, &l), 0);
	CHECK_INT(l.npeople, 2);
	gp = find_person(&l, id);
	CHECK(gp != NULL);
	if (gp != NULL)
		check_person(gp, &p);	/* the replacement, every field */
	desk_load_free(&l);

	/* The pass, every field back; replaced under its id. */
	ps.person = id;
	pid = pass_put(s, ps);
	CHECK(pid > 0);
	ps.id = pid;
	str_copy(ps.state, "returned", sizeof(ps.state));
	ps.ended_ms = NOW - 60000;
	str_copy(ps.ended_by, "desk2", sizeof(ps.ended_by));
	str_copy(ps.end_reason, "card back", sizeof(ps.end_reason));
	CHECK_INT(pass_put(s, ps), pid);

	CHECK_INT(pass_list(s, &r, true, 0), 0);
	CHECK_INT(r.nrows, 1);
	gs = find_pass(r.rows, r.nrows, pid);
	CHECK(gs != NULL);
	if (gs != NULL) {
		CHECK_INT(gs->person, id);
		CHECK_STR(gs->credential, "04A1B2C3");
		CHECK_STR(gs->state, "returned");
		CHECK_INT(gs->valid_from_ms, NOW - MS_DAY);
		CHECK_INT(gs->valid_until_ms, NOW + MS_DAY);
		CHECK_STR(gs->lanes, "lane1,lane3");
		CHECK(gs->floors == (UINT64_C(1) << 63 | UINT64_C(1) << 3));
		CHECK(gs->single_entry && gs->used);
		CHECK_INT(gs->permit, 0);
		CHECK_INT(gs->issued_ms, NOW - MS_DAY);
		CHECK_STR(gs->issued_by, "desk1");
		CHECK_INT(gs->confirmed_ms, NOW - 5);
		CHECK_STR(gs->confirmed_by, "host1");
		CHECK_INT(gs->ended_ms, NOW - 60000);
		CHECK_STR(gs->ended_by, "desk2");
		CHECK_STR(gs->end_reason, "card back");
		CHECK_STR(gs->vclass, "vip");
		CHECK_STR(gs->host, "Acme");
		CHECK_STR(gs->purpose, "audit");
		CHECK_INT(gs->party, 3);
		CHECK(gs->appointment);
		CHECK_STR(gs->override_by, "mgr");
		CHECK_STR(gs->override_reason, "board visit");
	}
	store_req_free(&r);

	/* A registration: person and pass together, both ids handed back. */
	r = dreq(DESK_REGISTER);
	r.in.desk.person = mkperson("visitor", "Cleo", NOW);
	r.in.desk.pass = mkpass(0, "V-123456", "pending", NOW, 0);
	str_copy(r.in.desk.pass.host, "12A", sizeof(r.in.desk.pass.host));
	CHECK_INT(store_run(s, &r), 0);
	vid = r.in.desk.person.id;
	vpass = r.id;
	CHECK(vid > id2);
	CHECK(vpass > pid);
	CHECK_INT(r.in.desk.pass.person, vid);
	CHECK_INT(load(s, NOW, &l), 0);
	CHECK_INT(l.npeople, 3);
	gp = find_person(&l, vid);
	CHECK(gp != NULL && strcmp(gp->name, "Cleo") == 0 &&
	    strcmp(gp->kind, "visitor") == 0);
	gs = find_pass(l.passes, l.npasses, vpass);
	CHECK(gs != NULL && gs->person == vid &&
	    strcmp(gs->credential, "V-123456") == 0);
	npeople = l.npeople;
	desk_load_free(&l);

	/* A registration whose pass cannot be stored leaves no person behind. */
	r = dreq(DESK_REGISTER);
	r.in.desk.person = mkperson("visitor", "Half Registered", NOW);
	r.in.desk.pass = mkpass(0, "", "pending", NOW, 0);	/* no credential */
	CHECK_INT(store_run(s, &r), -1);
	CHECK(r.error[0] != '\0');
	CHECK_INT(load(s, NOW, &l), 0);
	CHECK_INT(l.npeople, npeople);
	desk_load_free(&l);
}

#define PASS_IDS	8

/* The pass list (all or live) issued since: its ids, newest first, in
 * ids (0 past its end); how many passes it had. */
static size_t
pass_ids(struct store *s, bool all, int64_t since, int64_t ids[PASS_IDS])
{
	struct store_req r;
	const struct pass_rec *rows;
	size_t n;

	memset(ids, 0, PASS_IDS * sizeof(*ids));
	CHECK_INT(pass_list(s, &r, all, since), 0);
	rows = r.rows;
	for (size_t i = 0; i < r.nrows && i < PASS_IDS; i++)
		ids[i] = rows[i].id;
	n = r.nrows;
	store_req_free(&r);
	return n;
}

/* On a database of its own: the lists are counted whole. */
static void
test_pass_lists(const char *dir)
{
	char path[512];
	struct store *s;
	struct person_rec p = mkperson("visitor", "Dee", NOW - 10 * MS_DAY);
	struct desk_load l;
	int64_t ids[PASS_IDS];
	int64_t who, live1, live2, ended, old2d, edge2d, recent;

	snprintf(path, sizeof(path), "%s/lists.db", dir);
	if ((s = open_ok(path, 50)) == NULL)
		return;
	who = person_put(s, p);
	live1 = pass_put(s, mkpass(who, "L1", "active",
	    NOW - 3 * MS_DAY, 0));
	ended = pass_put(s, mkpass(who, "E1", "expired",
	    NOW - 2 * MS_DAY, NOW - MS_DAY));
	live2 = pass_put(s, mkpass(who, "L2", "pending",
	    NOW - MS_DAY, 0));
	/* For the load: ended just over two days ago, exactly two, an hour. */
	old2d = pass_put(s, mkpass(who, "O1", "returned",
	    NOW - 5 * MS_DAY, NOW - 2 * MS_DAY - 1));
	edge2d = pass_put(s, mkpass(who, "O2", "revoked",
	    NOW - 5 * MS_DAY, NOW - 2 * MS_DAY));
	recent = pass_put(s, mkpass(who, "O3", "expired",
	    NOW - 5 * MS_DAY, NOW - 3600000));

	/* Live only, newest first, issued since. */
	CHECK_INT(pass_ids(s, false, NOW - 4 * MS_DAY, ids), 2);
	CHECK_INT(ids[0], live2);
	CHECK_INT(ids[1], live1);
	CHECK_INT(pass_ids(s, false, NOW - 2 * MS_DAY, ids), 1);
	CHECK_INT(ids[0], live2);

	/* All, ended too. */
	CHECK_INT(pass_ids(s, true, NOW - 4 * MS_DAY, ids), 3);
	CHECK_INT(ids[0], live2);
	CHECK_INT(ids[1], ended);
	CHECK_INT(ids[2], live1);
	CHECK_INT(pass_ids(s, true, NOW - 10 * MS_DAY, ids), 6);
	CHECK_INT(ids[0], recent);
	CHECK_INT(ids[5], live1);
	CHECK_INT(pass_ids(s, true, NOW + 1, ids), 0);

	/* The load: all but the passes ended more than two days ago. */
	CHECK_INT(load(s, NOW, &l), 0);
	CHECK(find_pass(l.passes, l.npasses, live1) != NULL);
	CHECK(find_pass(l.passes, l.npasses, live2) != NULL);
	CHECK(find_pass(l.passes, l.npasses, ended) != NULL);
	CHECK(find_pass(l.passes, l.npasses, edge2d) != NULL);
	CHECK(find_pass(l.passes, l.npasses, recent) != NULL);
	CHECK(find_pass(l.passes, l.npasses, old2d) == NULL);
	CHECK(find_person(&l, who) != NULL);
	for (size_t i = 1; i < l.npasses; i++)
		CHECK(l.passes[i - 1].id < l.passes[i].id);
	desk_load_free(&l);
	/* A day later the one ended a day ago goes too. */
	CHECK_INT(load(s, NOW + MS_DAY + 1, &l), 0);
	CHECK(find_pass(l.passes, l.npasses, ended) == NULL);
	CHECK(find_pass(l.passes, l.npasses, live1) != NULL);
	desk_load_free(&l);
	store_close(s);
}

static int64_t
permit_put(struct store *s, struct permit_rec *pm, bool end_passes,
    const char *reason, bool *found)
{
	struct store_req r = dreq(DESK_PERMIT_PUT);
	int64_t id;

	r.in.desk.permit = *pm;
	r.in.desk.end_passes = end_passes;
	str_copy(r.in.desk.pass.end_reason, reason, sizeof(r.in.desk.pass.end_reason));
	r.found = !*found;
	id = put_run(s, &r, "permit");
	*found = r.found;
	return id;
}

static void
test_permits(struct store *s)
{
	struct permit_rec a = { .unit = "7B", .company = "BuildCo",
		.from_date = 20261120, .until_date = 20261204, .days = 0x3e,
		.hours = "08:00-12:00,14:00-18:00", .floor = 7, .fees_paid = true,
		.state = "active", .created_ms = NOW - MS_DAY, .created_by = "mgr",
		.updated_ms = NOW - MS_DAY, .updated_by = "mgr" };
	struct permit_rec b = a;
	struct desk_load l;
	struct store_req r;
	const struct permit_rec *gp;
	const struct pass_rec *g;
	struct pass_rec ps;
	int64_t worker, staff, a_act, a_pend, a_exp, b_act, own;
	bool found = false;

	a.id = permit_put(s, &a, false, "", &found);
	CHECK(a.id > 0);
	str_copy(b.unit, "9C", sizeof(b.unit));
	b.id = permit_put(s, &b, false, "", &found);
	CHECK(b.id > a.id);

	worker = person_put(s, mkperson("contractor", "Ed", NOW - MS_DAY));
	staff = person_put(s, mkperson("tenant_staff", "Flo", NOW - MS_DAY));
	ps = mkpass(worker, "C1", "active", NOW - MS_DAY, 0);
	ps.permit = a.id;
	a_act = pass_put(s, ps);
	ps = mkpass(worker, "C2", "pending", NOW - MS_DAY, 0);
	ps.permit = a.id;
	a_pend = pass_put(s, ps);
	ps = mkpass(worker, "C3", "expired", NOW - MS_DAY, NOW - 1000);
	ps.permit = a.id;
	str_copy(ps.ended_by, "lobbyd", sizeof(ps.ended_by));
	a_exp = pass_put(s, ps);
	ps = mkpass(worker, "C4", "active", NOW - MS_DAY, 0);
	ps.permit = b.id;
	b_act = pass_put(s, ps);
	own = pass_put(s, mkpass(staff, "S1", "active", NOW - MS_DAY, 0));

	/* Closing permit a ends its live passes, and only those. */
	str_copy(a.state, "closed", sizeof(a.state));
	a.updated_ms = NOW;
	str_copy(a.updated_by, "mgr2", sizeof(a.updated_by));
	found = false;
	CHECK_INT(permit_put(s, &a, true, "permit closed", &found), a.id);
	CHECK(found);

	CHECK_INT(pass_list(s, &r, true, 0), 0);
	g = find_pass(r.rows, r.nrows, a_act);
	CHECK(g != NULL && strcmp(g->state, "revoked") == 0 &&
	    g->ended_ms == NOW && strcmp(g->ended_by, "mgr2") == 0 &&
	    strcmp(g->end_reason, "permit closed") == 0);
	g = find_pass(r.rows, r.nrows, a_pend);
	CHECK(g != NULL && strcmp(g->state, "revoked") == 0 &&
	    g->ended_ms == NOW && strcmp(g->end_reason, "permit closed") == 0);
	g = find_pass(r.rows, r.nrows, a_exp);
	CHECK(g != NULL && strcmp(g->state, "expired") == 0 &&
	    g->ended_ms == NOW - 1000 && strcmp(g->ended_by, "lobbyd") == 0 &&
	    g->end_reason[0] == '\0');
	g = find_pass(r.rows, r.nrows, b_act);
	CHECK(g != NULL && strcmp(g->state, "active") == 0 && g->ended_ms == 0);
	g = find_pass(r.rows, r.nrows, own);
	CHECK(g != NULL && strcmp(g->state, "active") == 0 && g->ended_ms == 0);
	store_req_free(&r);

	/* Nothing live left on it: not found; without end_passes, passes stay. */
	found = true;
	CHECK_INT(permit_put(s, &a, true, "again", &found), a.id);
	CHECK(!found);
	str_copy(b.state, "suspended", sizeof(b.state));
	found = false;
	CHECK_INT(permit_put(s, &b, false, "", &found), b.id);
	CHECK_INT(pass_list(s, &r, false, 0), 0);
	CHECK(find_pass(r.rows, r.nrows, b_act) != NULL);
	CHECK(find_pass(r.rows, r.nrows, a_act) == NULL);
	store_req_free(&r);

	CHECK_INT(load(s, NOW, &l), 0);
	CHECK_INT(l.npermits, 2);
	gp = l.npermits == 2 ? &l.permits[0] : NULL;
	if (gp != NULL) {
		CHECK_INT(gp->id, a.id);
		CHECK_STR(gp->state, "closed");
		CHECK_STR(gp->unit, "7B");
		CHECK_STR(gp->company, "BuildCo");
		CHECK_INT(gp->from_date, 20261120);
		CHECK_INT(gp->until_date, 20261204);
		CHECK_INT(gp->days, 0x3e);
		CHECK_STR(gp->hours, "08:00-12:00,14:00-18:00");
		CHECK_INT(gp->floor, 7);
		CHECK(gp->fees_paid);
		CHECK_STR(gp->created_by, "mgr");
		CHECK_STR(gp->updated_by, "mgr2");
		CHECK_INT(gp->updated_ms, NOW);
		CHECK_STR(l.permits[1].state, "suspended");
	}
	desk_load_free(&l);
}

static int64_t
watch_put(struct store *s, const char *hash, const char *name)
{
	struct store_req r = dreq(DESK_WATCH_PUT);

	str_copy(r.in.desk.watch.id_type, "resident_card", sizeof(r.in.desk.watch.id_type));
	str_copy(r.in.desk.watch.id_hash, hash, sizeof(r.in.desk.watch.id_hash));
	str_copy(r.in.desk.watch.id_mask, "1234****5678", sizeof(r.in.desk.watch.id_mask));
	str_copy(r.in.desk.watch.name, name, sizeof(r.in.desk.watch.name));
	str_copy(r.in.desk.watch.note, "bulletin 7", sizeof(r.in.desk.watch.note));
	r.in.desk.watch.added_ms = NOW;
	str_copy(r.in.desk.watch.added_by, "guard1", sizeof(r.in.desk.watch.added_by));
	CHECK_INT(store_run(s, &r), 0);
	return r.id;
}

static bool
watch_del(struct store *s, int64_t id)
{
	struct store_req r = dreq(DESK_WATCH_DEL);

	r.in.desk.id = id;
	r.found = true;
	CHECK_INT(store_run(s, &r), 0);
	return r.found;
}

static void
test_watch(struct store *s)
{
	struct desk_load l;
	int64_t w1, w2;

	w1 = watch_put(s, "feed01", "Gus");
	w2 = watch_put(s, "feed02", "Hal");
	CHECK(w1 > 0 && w2 > w1);
	CHECK(watch_del(s, w1));
	CHECK(!watch_del(s, w1));
	CHECK(!watch_del(s, w2 + 1000));
	CHECK_INT(load(s, NOW, &l), 0);
	CHECK_INT(l.nwatch, 1);
	if (l.nwatch == 1) {
		CHECK_INT(l.watch[0].id, w2);
		CHECK_STR(l.watch[0].id_type, "resident_card");
		CHECK_STR(l.watch[0].id_hash, "feed02");
		CHECK_STR(l.watch[0].id_mask, "1234****5678");
		CHECK_STR(l.watch[0].name, "Hal");
		CHECK_STR(l.watch[0].note, "bulletin 7");
		CHECK_INT(l.watch[0].added_ms, NOW);
		CHECK_STR(l.watch[0].added_by, "guard1");
	}
	desk_load_free(&l);
}

static void
presence(struct store *s, int64_t person, const char *zone, bool inside,
    int64_t since, const char *lane)
{
	struct store_req r = dreq(DESK_PRESENCE);

	r.in.desk.presence.person = person;
	str_copy(r.in.desk.presence.zone, zone, sizeof(r.in.desk.presence.zone));
	r.in.desk.presence.inside = inside;
	r.in.desk.presence.since_ms = since;
	str_copy(r.in.desk.presence.lane, lane, sizeof(r.in.desk.presence.lane));
	CHECK_INT(store_run(s, &r), 0);
}

static const struct presence_rec *
find_presence(const struct desk_load *l, int64_t person, const char *zone)
{
	for (size_t i = 0; i < l->npresence; i++)
		if (l->presence[i].person == person &&
		    strcmp(l->presence[i].zone, zone) == 0)
			return &l->presence[i];
	return NULL;
}

static void
test_presence(struct store *s)
{
	struct desk_load l;
	const struct presence_rec *g;

	presence(s, 1, "lobby", true, 100, "lane1");
	presence(s, 1, "lobby", false, 200, "lane2");	/* replaces */
	presence(s, 2, "lobby", true, 300, "lane1");
	presence(s, 1, "floor3", true, 400, "");
	CHECK_INT(load(s, NOW, &l), 0);
	CHECK_INT(l.npresence, 3);
	g = find_presence(&l, 1, "lobby");
	CHECK(g != NULL && !g->inside && g->since_ms == 200 &&
	    strcmp(g->lane, "lane2") == 0);
	g = find_presence(&l, 2, "lobby");
	CHECK(g != NULL && g->inside && g->since_ms == 300);
	g = find_presence(&l, 1, "floor3");
	CHECK(g != NULL && g->inside && g->lane[0] == '\0');
	desk_load_free(&l);

	/* Zone "": the daily reset forgets every row. */
	presence(s, 0, "", false, 0, "");
	CHECK_INT(load(s, NOW, &l), 0);
	CHECK_INT(l.npresence, 0);
	desk_load_free(&l);
	presence(s, 2, "lobby", true, 500, "lane1");
	CHECK_INT(load(s, NOW, &l), 0);
	CHECK_INT(l.npresence, 1);
	desk_load_free(&l);
}

static int64_t
shift_add(struct store *s, int64_t ts, const char *kind, const char *text)
{
	struct store_req r = dreq(DESK_SHIFT_ADD);

	r.in.desk.shift.ts_ms = ts;
	str_copy(r.in.desk.shift.actor, "desk1", sizeof(r.in.desk.shift.actor));
	str_copy(r.in.desk.shift.kind, kind, sizeof(r.in.desk.shift.kind));
	str_copy(r.in.desk.shift.text, text, sizeof(r.in.desk.shift.text));
	CHECK_INT(store_run(s, &r), 0);
	return r.id;
}

static void
test_shift(struct store *s)
{
	char big[1024];
	struct store_req r;
	struct shift_rec *rows;
	int64_t a, b, c;

	memset(big, 'h', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[10] = '\n';
	a = shift_add(s, NOW + 100, "note", "lift 2 slow");
	b = shift_add(s, NOW + 200, "note", "parcel for 12A");
	c = shift_add(s, NOW + 300, "handover", big);
	CHECK(a > 0 && b > a && c > b);

	r = dreq(DESK_SHIFT_LIST);
	CHECK_INT(store_run(s, &r), 0);
	rows = r.rows;
	CHECK_INT(r.nrows, 3);
	if (r.nrows == 3) {
		CHECK_INT(rows[0].id, a);
		CHECK_INT(rows[0].ts_ms, NOW + 100);
		CHECK_STR(rows[0].actor, "desk1");
		CHECK_STR(rows[0].kind, "note");
		CHECK_STR(rows[0].text, "lift 2 slow");
		CHECK_INT(rows[1].id, b);
		CHECK_INT(rows[2].id, c);
		CHECK_STR(rows[2].kind, "handover");
		CHECK_STR(rows[2].text, big);
	}
	store_req_free(&r);

	r = dreq(DESK_SHIFT_LIST);
	r.in.desk.since_ms = NOW + 200;
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 2);
	if (r.nrows == 2) {
		CHECK_INT(((struct shift_rec *)r.rows)[0].id, b);
		CHECK_INT(((struct shift_rec *)r.rows)[1].id, c);
	}
	store_req_free(&r);
	r = dreq(DESK_SHIFT_LIST);
	r.in.desk.since_ms = NOW + 301;
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 0);
	store_req_free(&r);
}

/* What the earlier tests left, after a close and a reopen. */
static void
test_reopen(const char *path)
{
	struct store *s;
	struct store_req r;
	struct desk_load l;

	if ((s = open_ok(path, 50)) == NULL)
		return;
	CHECK_INT(load(s, NOW, &l), 0);
	CHECK_INT(l.npeople, 3 + 2);
	CHECK_INT(l.npermits, 2);
	CHECK_INT(l.nwatch, 1);
	CHECK_INT(l.npresence, 1);
	desk_load_free(&l);
	CHECK_INT(count_rows(s, dreq(DESK_SHIFT_LIST)), 3);
	CHECK_INT(pass_list(s, &r, true, 0), 0);
	CHECK_INT(r.nrows, 2 + 5);
	store_req_free(&r);
	store_close(s);
	CHECK_INT(file_user_version(path), SCHEMA_LATEST);
}

/* The tests above build on each other in one store, then see it reopened. */
static void
test_one_store(const char *dir)
{
	char path[512];
	struct store *s;

	snprintf(path, sizeof(path), "%s/desk.db", dir);
	if ((s = open_ok(path, 50)) == NULL)
		return;
	test_people_passes(s);
	test_permits(s);
	test_watch(s);
	test_presence(s);
	test_shift(s);
	store_close(s);
	test_reopen(path);
}

int
main(void)
{
	static store_test_fn *const tests[] = { test_one_store, test_pass_lists };

	return store_tests_main("test_desk", tests, NELEM(tests));
}
