/*
 * db/desk.c through the store, on what the desk must forget or never keep:
 * the visitor purge (and its outcome after a reopen), and ID numbers never
 * reaching the database file, its WAL or the log raw.
 */
#include <inttypes.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "../../engine/privacy.h"
#include "desk_support.h"

/* The rows of the database at path that sql counts (one integer). */
static int64_t
count_of(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t n = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return n;
}

/* A host notice and a host link for pass, stored. */
static void
host_told(struct store *s, int64_t pass, int64_t id)
{
	struct store_req r = { .op = STORE_NOTICE_PUT };

	r.in.notice = (struct notice_rec){ .id = id, .pass = pass, .tries = 1,
	    .queued_ms = NOW - 200 * MS_DAY, .updated_ms = NOW - 200 * MS_DAY };
	str_copy(r.in.notice.channel, "mail", sizeof(r.in.notice.channel));
	str_copy(r.in.notice.to, "host@example.com", sizeof(r.in.notice.to));
	str_copy(r.in.notice.state, "sent", sizeof(r.in.notice.state));
	CHECK_INT(store_run(s, &r), 0);
	store_req_free(&r);
	r = (struct store_req){ .op = STORE_TOKEN_PUT };
	r.in.token = (struct token_rec){ .pass = pass, .made_ms = NOW - 200 * MS_DAY };
	snprintf(r.in.token.hash, sizeof(r.in.token.hash), "%064" PRId64, id);
	CHECK_INT(store_run(s, &r), 0);
	store_req_free(&r);
}

/* The ids the purge test made, checked again after a reopen. */
static struct {
	int64_t	old, recent, live, staff;
	int64_t	old_pass, recent_pass;
	struct person_rec old_rec;	/* the old one as put */
} pg;

static void
check_purged(struct store *s, const char *path)
{
	char sql[160];

	struct desk_load l;
	struct store_req r;
	const struct person_rec *p;
	const struct pass_rec *ps;
	struct ev_rec *ev;
	int named = 0, cleared = 0;

	CHECK_INT(load(s, NOW, &l), 0);
	p = find_person(&l, pg.old);
	CHECK(p != NULL);
	if (p != NULL) {
		/* The words about them gone, the rest as put. */
		struct person_rec want = pg.old_rec;

		want.name[0] = want.id_hash[0] = want.id_mask[0] = '\0';
		want.company[0] = '\0';
		want.purged_ms = want.updated_ms = NOW;
		check_person(p, &want);
	}
	p = find_person(&l, pg.recent);
	CHECK(p != NULL && strcmp(p->name, "Ivy") == 0 &&
	    strcmp(p->id_hash, "cafe02") == 0 && strcmp(p->id_mask, "P2**02") == 0 &&
	    strcmp(p->company, "Beta") == 0 && p->purged_ms == 0);
	p = find_person(&l, pg.live);
	CHECK(p != NULL && strcmp(p->name, "Jo") == 0 && p->purged_ms == 0);
	p = find_person(&l, pg.staff);
	CHECK(p != NULL && strcmp(p->name, "Kim") == 0 &&
	    strcmp(p->id_hash, "cafe04") == 0 && p->purged_ms == 0);
	desk_load_free(&l);

	CHECK_INT(pass_list(s, &r, true, 0), 0);
	ps = find_pass(r.rows, r.nrows, pg.old_pass);
	CHECK(ps != NULL && ps->host[0] == '\0' && ps->purpose[0] == '\0' &&
	    ps->override_reason[0] == '\0' && strcmp(ps->credential, "V-OLD") == 0 &&
	    strcmp(ps->state, "returned") == 0);
	ps = find_pass(r.rows, r.nrows, pg.recent_pass);
	CHECK(ps != NULL && strcmp(ps->host, "Beta") == 0 &&
	    strcmp(ps->purpose, "interview") == 0);
	store_req_free(&r);

	/* Events keep the person and lose the words about them. */
	CHECK_INT(query(s, &r, 0, "PG", 100), 0);
	CHECK_INT(r.nrows, 4);
	ev = r.rows;
	for (size_t i = 0; i < r.nrows; i++) {
		if (ev[i].person == pg.old) {
			CHECK_STR(ev[i].detail, "");
			CHECK_STR(ev[i].kind, "access");
			cleared++;
		} else if (ev[i].detail[0] != '\0') {
			named++;
		}
	}
	CHECK_INT(cleared, 2);
	CHECK_INT(named, 2);
	store_req_free(&r);

	/* What the purged visitor's host was told, and the host's link, are
	 * gone; the kept visitor's are not. */
	for (int t = 0; t < 2; t++) {
		const char *table = t == 0 ? "pass_notices" : "pass_tokens";

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE pass = "
		    "%" PRId64, table, pg.old_pass);
		CHECK_ROW(count_of(path, sql) == 0, "%s of the purged pass", table);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE pass = "
		    "%" PRId64, table, pg.recent_pass);
		CHECK_ROW(count_of(path, sql) == 1, "%s of the kept pass", table);
	}
}

/* An event in lane PG about person (0: no one), queued. */
static void
pg_event(struct store *s, int64_t t, const char *kind, const char *detail,
    int64_t person)
{
	struct ev_rec ev = mkev(t, kind, "PG", detail);

	ev.person = person;
	store_event_add(s, &ev);
}

/* The visitor purge, and its outcome after a close and a reopen. */
static void
test_purge(const char *dir)
{
	int64_t before = NOW - 90 * MS_DAY, t_old = NOW - 120 * MS_DAY;
	char path[512];
	struct store *s;
	struct person_rec p;
	struct pass_rec ps;
	struct store_req r;

	snprintf(path, sizeof(path), "%s/desk.db", dir);
	if ((s = open_ok(path, 50)) == NULL)
		return;
	p = mkperson("visitor", "Hana", t_old);
	str_copy(p.id_type, "passport", sizeof(p.id_type));
	str_copy(p.id_hash, "cafe01", sizeof(p.id_hash));
	str_copy(p.id_mask, "P1**01", sizeof(p.id_mask));
	str_copy(p.company, "Alpha", sizeof(p.company));
	str_copy(p.unit, "12A", sizeof(p.unit));
	pg.old = person_put(s, p);
	pg.old_rec = p;
	pg.old_rec.id = pg.old;
	ps = mkpass(pg.old, "V-OLD", "returned", t_old, t_old + MS_DAY);
	str_copy(ps.host, "Alpha", sizeof(ps.host));
	str_copy(ps.purpose, "meeting", sizeof(ps.purpose));
	str_copy(ps.override_reason, "let in by mgr", sizeof(ps.override_reason));
	pg.old_pass = pass_put(s, ps);
	ps = mkpass(pg.old, "V-OLD2", "expired", t_old, before - 1);
	pass_put(s, ps);

	/* One pass long ended, one ended within the retention: kept. */
	p = mkperson("visitor", "Ivy", t_old);
	str_copy(p.id_hash, "cafe02", sizeof(p.id_hash));
	str_copy(p.id_mask, "P2**02", sizeof(p.id_mask));
	str_copy(p.company, "Beta", sizeof(p.company));
	pg.recent = person_put(s, p);
	ps = mkpass(pg.recent, "V-R1", "returned", t_old, t_old + MS_DAY);
	pass_put(s, ps);
	ps = mkpass(pg.recent, "V-R2", "returned", NOW - 11 * MS_DAY, before);
	str_copy(ps.host, "Beta", sizeof(ps.host));
	str_copy(ps.purpose, "interview", sizeof(ps.purpose));
	pg.recent_pass = pass_put(s, ps);

	/* A visitor with a pass still live, long ago issued: kept. */
	p = mkperson("visitor", "Jo", t_old);
	pg.live = person_put(s, p);
	pass_put(s, mkpass(pg.live, "V-L", "active",
	    t_old, 0));

	/* Staff whose pass ended long ago: not a visitor, kept. */
	p = mkperson("tenant_staff", "Kim", t_old);
	str_copy(p.id_hash, "cafe04", sizeof(p.id_hash));
	pg.staff = person_put(s, p);
	pass_put(s, mkpass(pg.staff, "S-K", "returned",
	    t_old, t_old + MS_DAY));

	/* Events about them, committed before the purge. */
	seen_reset();
	pg_event(s, t_old + 10, "access", "Hana for Alpha", pg.old);
	pg_event(s, t_old + 20, "access", "Hana leaves", pg.old);
	pg_event(s, t_old + 30, "access", "Ivy for Beta", pg.recent);
	pg_event(s, t_old + 40, "manual_open", "by hand", 0);
	host_told(s, pg.old_pass, 1);
	host_told(s, pg.recent_pass, 2);
	CHECK(wait_seen(s, 4, 3000));
	CHECK_INT(seen.n, 4);
	CHECK(seen.n >= 4 && seen.first[0].person == pg.old);

	r = dreq(DESK_PURGE);
	r.in.desk.before_ms = before;
	r.in.desk.now_ms = NOW;
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.id, 1);
	/* The purged person's id comes back for the engine's copy. */
	CHECK_INT(r.nrows, 1);
	if (r.nrows == 1)
		CHECK(((const int64_t *)r.rows)[0] != 0);
	store_req_free(&r);
	check_purged(s, path);

	/* Once purged, not again. */
	r = dreq(DESK_PURGE);
	r.in.desk.before_ms = before;
	r.in.desk.now_ms = NOW + 1;
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.id, 0);
	CHECK_INT(r.nrows, 0);
	store_req_free(&r);
	check_purged(s, path);

	/* A visitor purged by a lobbyd that kept what the host was told: the
	 * next purge takes that too. */
	host_told(s, pg.old_pass, 3);
	r = dreq(DESK_PURGE);
	r.in.desk.before_ms = before;
	r.in.desk.now_ms = NOW + 2;
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.id, 0);
	store_req_free(&r);
	check_purged(s, path);
	store_close(s);

	if ((s = open_ok(path, 50)) == NULL)
		return;
	check_purged(s, path);
	store_close(s);
}

/* Whether needle occurs in the file at path; the file missing: false. */
static bool
file_has(const char *path, const char *needle)
{
	int fd = open(path, O_RDONLY);
	struct stat sb;
	char *buf;
	bool has = false;

	if (fd == -1)
		return false;
	if (fstat(fd, &sb) == 0 && sb.st_size > 0 &&
	    (buf = malloc((size_t)sb.st_size)) != NULL) {
		if (read(fd, buf, (size_t)sb.st_size) == sb.st_size)
			has = memmem(buf, (size_t)sb.st_size, needle,
			    strlen(needle)) != NULL;
		free(buf);
	}
	close(fd);
	return has;
}

static bool
db_has(const char *path, const char *needle)
{
	char wal[600];

	snprintf(wal, sizeof(wal), "%s-wal", path);
	return file_has(path, needle) || file_has(wal, needle);
}

/* A made-up resident card number, kept only as its hash and mask. */
static void
test_privacy(const char *dir)
{
	static const char raw[] = "440301199001011234";
	char path[512], norm[PRIVACY_ID_MAX + 1], err[200] = "";
	char hash[PRIVACY_HASH_HEX], mask[DESK_MASK_MAX];
	struct privacy_key key;
	struct person_rec p;
	struct store_req r;
	struct store *s;

	CHECK(sodium_init() >= 0);
	memset(key.bytes, 0x5c, sizeof(key.bytes));
	CHECK_INT(privacy_id_normalise(raw, norm, sizeof(norm), err, sizeof(err)), 0);
	CHECK_STR(norm, raw);
	privacy_id_hash(&key, "resident_card", norm, hash);
	privacy_id_mask(norm, mask, sizeof(mask));
	CHECK_INT(strlen(hash), 64);
	CHECK_STR(mask, "4403**********1234");

	snprintf(path, sizeof(path), "%s/privacy.db", dir);
	if ((s = open_ok(path, 50)) == NULL)
		return;
	p = mkperson("tenant_staff", "Lee", NOW);
	str_copy(p.id_type, "resident_card", sizeof(p.id_type));
	str_copy(p.id_hash, hash, sizeof(p.id_hash));
	str_copy(p.id_mask, mask, sizeof(p.id_mask));
	person_put(s, p);
	r = dreq(DESK_REGISTER);
	r.in.desk.person = p;
	str_copy(r.in.desk.person.kind, "visitor", sizeof(r.in.desk.person.kind));
	r.in.desk.pass = mkpass(0, "V-PRIV", "pending", NOW, 0);
	CHECK_INT(store_run(s, &r), 0);
	r = dreq(DESK_WATCH_PUT);
	str_copy(r.in.desk.watch.id_type, "resident_card", sizeof(r.in.desk.watch.id_type));
	str_copy(r.in.desk.watch.id_hash, hash, sizeof(r.in.desk.watch.id_hash));
	str_copy(r.in.desk.watch.id_mask, mask, sizeof(r.in.desk.watch.id_mask));
	r.in.desk.watch.added_ms = NOW;
	CHECK_INT(store_run(s, &r), 0);

	/* While open, the records are in the WAL; the hash and mask are
	   there, so the search would see the number if it were. */
	CHECK(db_has(path, hash));
	CHECK(db_has(path, mask));
	CHECK(!db_has(path, raw));
	CHECK(!db_has(path, "19900101"));
	store_close(s);

	CHECK(db_has(path, hash));
	CHECK(db_has(path, mask));
	CHECK(!db_has(path, raw));
	CHECK(!db_has(path, "19900101"));
}

int
main(void)
{
	static store_test_fn *const tests[] = { test_purge, test_privacy };

	return store_tests_main("test_desk_privacy", tests, NELEM(tests));
}
