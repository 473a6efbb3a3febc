/*
 * db/store.c against real SQLite files in a temporary directory: batching and
 * callback order, queries, cards, alerts, migrations, reopening, closing with
 * events queued, and commits failing while another process holds the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../daemon/util.h"
#include "../../db/store.h"
#include "harness.h"

/* Migrations in db/schema.c; bump with each new one. */
#define SCHEMA_LATEST	5

/* What the event callback saw, in order. */
#define SEEN_MAX	40000
static struct {
	size_t		n;
	int64_t		id[SEEN_MAX];
	struct ev_rec	first[64];
	bool		ordered;	/* ids strictly increasing */
} seen;

static void
on_event(const struct ev_rec *ev, void *arg)
{
	(void)arg;
	if (seen.n > 0 && seen.n <= SEEN_MAX && ev->id <= seen.id[seen.n - 1])
		seen.ordered = false;
	if (seen.n < 64)
		seen.first[seen.n] = *ev;
	if (seen.n < SEEN_MAX)
		seen.id[seen.n] = ev->id;
	seen.n++;
}

static void
seen_reset(void)
{
	seen.n = 0;
	seen.ordered = true;
}

/* Runs completions until the callback has seen n events; bounded. */
static bool
wait_seen(struct store *s, size_t n, int timeout_ms)
{
	int64_t end = mono_ns() + timeout_ms * NS_PER_MS;
	struct pollfd pfd;

	while (seen.n < n) {
		int64_t left = (end - mono_ns()) / NS_PER_MS;

		if (left <= 0)
			return false;
		pfd.fd = store_fd(s);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) == 1)
			store_complete(s);
	}
	return true;
}

static struct ev_rec
mkev(int64_t ts, const char *kind, const char *lane, const char *detail)
{
	struct ev_rec ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ms = ts;
	str_copy(ev.kind, kind, sizeof(ev.kind));
	str_copy(ev.lane, lane, sizeof(ev.lane));
	str_copy(ev.detail, detail, sizeof(ev.detail));
	return ev;
}

static struct store *
open_ok(const char *path, int batch_ms)
{
	char err[256] = "";
	struct store *s = store_open(path, batch_ms, err, sizeof(err));

	if (s == NULL)
		fprintf(stderr, "store_open: %s\n", err);
	CHECK(s != NULL);
	if (s != NULL)
		store_set_event_cb(s, on_event, NULL);
	return s;
}

/* PRAGMA user_version lives big-endian at byte 60 of the database header. */
static long
file_user_version(const char *path)
{
	unsigned char h[64];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd == -1)
		return -1;
	n = pread(fd, h, sizeof(h), 0);
	close(fd);
	if (n != (ssize_t)sizeof(h))
		return -1;
	return (long)((uint32_t)h[60] << 24 | (uint32_t)h[61] << 16 |
	    (uint32_t)h[62] << 8 | h[63]);
}

static int
file_set_user_version(const char *path, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd == -1)
		return -1;
	n = pwrite(fd, b, sizeof(b), 60);
	close(fd);
	return n == 4 ? 0 : -1;
}

static struct store_req
mkreq(enum store_op op)
{
	struct store_req r;

	memset(&r, 0, sizeof(r));
	r.op = op;
	return r;
}

static int
query(struct store *s, struct store_req *r, int64_t since, const char *lane,
    int limit)
{
	*r = mkreq(STORE_EVENT_QUERY);
	r->in.query.since_ms = since;
	str_copy(r->in.query.lane, lane, sizeof(r->in.query.lane));
	r->in.query.limit = limit;
	return store_run(s, r);
}

static void
card_put(struct store *s, const char *uid, const char *holder, bool enabled)
{
	struct store_req r = mkreq(STORE_CARD_PUT);

	str_copy(r.in.card.uid, uid, sizeof(r.in.card.uid));
	str_copy(r.in.card.holder, holder, sizeof(r.in.card.holder));
	r.in.card.enabled = enabled;
	r.in.card.valid_from_ms = 1000;
	r.in.card.valid_until_ms = 2000;
	str_copy(r.in.card.created_by, "desk", sizeof(r.in.card.created_by));
	r.in.card.created_ms = 555;
	CHECK_INT(store_run(s, &r), 0);
}

static int
card_del(struct store *s, const char *uid, bool *found)
{
	struct store_req r = mkreq(STORE_CARD_DEL);
	int rc;

	str_copy(r.in.key, uid, sizeof(r.in.key));
	r.found = !*found;
	rc = store_run(s, &r);
	*found = r.found;
	return rc;
}

static int64_t
alert_raise(struct store *s, int64_t t, const char *source, const char *msg)
{
	struct store_req r = mkreq(STORE_ALERT_RAISE);

	r.in.alert.raised_ms = t;
	str_copy(r.in.alert.source, source, sizeof(r.in.alert.source));
	str_copy(r.in.alert.kind, "offline", sizeof(r.in.alert.kind));
	str_copy(r.in.alert.severity, "urgent", sizeof(r.in.alert.severity));
	str_copy(r.in.alert.message, msg, sizeof(r.in.alert.message));
	CHECK_INT(store_run(s, &r), 0);
	return r.id;
}

/* done() of requests submitted without waiting. */
static int	sync_done_calls;
static size_t	sync_done_seen;		/* events seen when done ran */

static void
sync_done(struct store_req *r, void *arg)
{
	(void)r;
	(void)arg;
	sync_done_calls++;
	sync_done_seen = seen.n;
}

static void
test_events(const char *dir)
{
	char path[512];
	struct store *s;
	struct store_req r, sync;
	struct ev_rec ev;
	struct store_stats st;
	struct stat sb;
	size_t i;
	int64_t t0;

	snprintf(path, sizeof(path), "%s/events.db", dir);
	if ((s = open_ok(path, 50)) == NULL)
		return;
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0640);

	/* Every field comes back through the callback, without another call. */
	seen_reset();
	ev = mkev(1000, "access", "L1", "");
	str_copy(ev.device, "reader1", sizeof(ev.device));
	str_copy(ev.direction, "entry", sizeof(ev.direction));
	str_copy(ev.credential, "04A1B2C3", sizeof(ev.credential));
	str_copy(ev.decision, "granted", sizeof(ev.decision));
	str_copy(ev.reason, "ok", sizeof(ev.reason));
	str_copy(ev.actor, "alice", sizeof(ev.actor));
	memset(ev.detail, 'd', sizeof(ev.detail) - 1);
	ev.detail[sizeof(ev.detail) - 1] = '\0';
	ev.id = 999;			/* ignored: the store assigns it */
	store_event_add(s, &ev);
	for (i = 1; i < 5; i++) {
		struct ev_rec e = mkev(1000 + (int64_t)i, "passage", "L2", "");

		store_event_add(s, &e);
	}
	t0 = mono_ns();
	CHECK(wait_seen(s, 5, 3000));
	CHECK((mono_ns() - t0) / NS_PER_MS < 2000);
	CHECK_INT(seen.n, 5);
	CHECK(seen.ordered);
	CHECK(seen.first[0].id >= 1);
	CHECK_INT(seen.first[0].ts_ms, 1000);
	CHECK_STR(seen.first[0].kind, "access");
	CHECK_STR(seen.first[0].lane, "L1");
	CHECK_STR(seen.first[0].device, "reader1");
	CHECK_STR(seen.first[0].direction, "entry");
	CHECK_STR(seen.first[0].credential, "04A1B2C3");
	CHECK_STR(seen.first[0].decision, "granted");
	CHECK_STR(seen.first[0].reason, "ok");
	CHECK_STR(seen.first[0].actor, "alice");
	CHECK_STR(seen.first[0].detail, ev.detail);
	CHECK_INT(seen.first[4].ts_ms, 1004);
	CHECK_STR(seen.first[4].kind, "passage");

	/* ...and from the table, with empty fields still empty. */
	CHECK_INT(query(s, &r, 0, "", 0), 0);
	CHECK_INT(r.nrows, 5);
	if (r.nrows == 5) {
		struct ev_rec *rows = r.rows;

		CHECK_INT(rows[0].id, seen.first[0].id);
		CHECK_STR(rows[0].detail, ev.detail);
		CHECK_STR(rows[0].actor, "alice");
		CHECK_STR(rows[4].device, "");
		CHECK_STR(rows[4].decision, "");
		CHECK_INT(rows[4].id, seen.first[4].id);
	}
	store_req_free(&r);
	CHECK(r.rows == NULL);

	/* A synchronous event goes after those queued before it and before
	   those queued after it, and comes through the callback too. */
	seen_reset();
	ev = mkev(2000, "manual_open", "L1", "by hand");
	store_event_add(s, &ev);
	sync = mkreq(STORE_EVENT_SYNC);
	sync.in.event = mkev(2001, "manual_open", "L2", "sync");
	str_copy(sync.in.event.actor, "bob", sizeof(sync.in.event.actor));
	sync.done = sync_done;
	store_submit(s, &sync);
	ev = mkev(2002, "passage", "L2", "after");
	store_event_add(s, &ev);
	CHECK(wait_seen(s, 3, 3000));
	CHECK_INT(seen.n, 3);
	CHECK(seen.ordered);
	CHECK_INT(sync_done_calls, 1);
	CHECK_INT(sync_done_seen, 2);	/* its own event, then done */
	CHECK_INT(sync.status, 0);
	CHECK_STR(seen.first[0].detail, "by hand");
	CHECK_STR(seen.first[1].detail, "sync");
	CHECK_STR(seen.first[1].actor, "bob");
	CHECK_INT(seen.first[1].id, sync.id);
	CHECK_STR(seen.first[2].detail, "after");

	/* store_run of a sync event returns its id. */
	sync = mkreq(STORE_EVENT_SYNC);
	sync.in.event = mkev(2003, "lobbyd_start", "", "");
	CHECK_INT(store_run(s, &sync), 0);
	CHECK(sync.id > seen.first[2].id);
	CHECK_INT(seen.n, 4);

	/* An event with no kind breaks the schema: the request says so. */
	sync = mkreq(STORE_EVENT_SYNC);
	sync.in.event = mkev(2004, "", "", "");
	CHECK_INT(store_run(s, &sync), -1);
	CHECK(strncmp(sync.error, path, strlen(path)) == 0);
	CHECK(strstr(sync.error, "NOT NULL") != NULL);
	CHECK_INT(seen.n, 4);

	/* Queries: newest N that match, oldest first. */
	seen_reset();
	for (i = 0; i < 20; i++) {
		char d[8];

		snprintf(d, sizeof(d), "q%zu", i);
		ev = mkev(10000 + (int64_t)i, "passage", i % 2 ? "QB" : "QA", d);
		store_event_add(s, &ev);
	}
	CHECK_INT(query(s, &r, 0, "QA", 3), 0);	/* commits them first */
	CHECK_INT(r.nrows, 3);
	if (r.nrows == 3) {
		struct ev_rec *rows = r.rows;

		CHECK_STR(rows[0].detail, "q14");
		CHECK_STR(rows[1].detail, "q16");
		CHECK_STR(rows[2].detail, "q18");
		CHECK(rows[0].id < rows[1].id && rows[1].id < rows[2].id);
	}
	store_req_free(&r);
	CHECK_INT(query(s, &r, 10015, "", 0), 0);
	CHECK_INT(r.nrows, 5);
	if (r.nrows == 5) {
		CHECK_STR(((struct ev_rec *)r.rows)[0].detail, "q15");
		CHECK_STR(((struct ev_rec *)r.rows)[4].detail, "q19");
	}
	store_req_free(&r);
	CHECK_INT(query(s, &r, 10015, "QB", 100), 0);
	CHECK_INT(r.nrows, 3);			/* q15, q17, q19 */
	store_req_free(&r);
	CHECK_INT(query(s, &r, 0, "nowhere", 10), 0);
	CHECK_INT(r.nrows, 0);
	CHECK(r.rows == NULL);
	store_req_free(&r);
	CHECK_INT(query(s, &r, 0, "", 0), 0);	/* default limit 100 */
	CHECK_INT(r.nrows, 5 + 4 + 20);
	store_req_free(&r);
	CHECK(wait_seen(s, 20, 3000));

	store_get_stats(s, &st);
	CHECK_INT(st.events_committed, 5 + 4 + 20);
	CHECK(st.batches >= 3);
	CHECK_INT(st.queue_len, 0);
	CHECK_INT(st.failures, 0);
	store_close(s);

	/* Data survives a reopen, and ids go on increasing. */
	if ((s = open_ok(path, 50)) == NULL)
		return;
	CHECK_INT(query(s, &r, 0, "", 1000), 0);
	CHECK_INT(r.nrows, 29);
	if (r.nrows == 29) {
		CHECK_STR(((struct ev_rec *)r.rows)[0].actor, "alice");
		CHECK_STR(((struct ev_rec *)r.rows)[28].detail, "q19");
	}
	store_req_free(&r);
	sync = mkreq(STORE_EVENT_SYNC);
	sync.in.event = mkev(3000, "lobbyd_start", "", "");
	CHECK_INT(store_run(s, &sync), 0);
	CHECK(sync.id > seen.id[19]);
	store_close(s);
	CHECK_INT(file_user_version(path), SCHEMA_LATEST);
}

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

/* Closing commits what is queued: nothing is lost, all is reported. */
static void
test_close_queued(const char *dir)
{
	char path[512];
	struct store *s;
	struct store_req r;
	struct ev_rec ev;
	int i;

	snprintf(path, sizeof(path), "%s/close.db", dir);
	if ((s = open_ok(path, 60000)) == NULL)
		return;
	seen_reset();
	for (i = 0; i < 2500; i++) {
		ev = mkev(i, "passage", "L1", "");
		store_event_add(s, &ev);
	}
	store_close(s);
	CHECK_INT(seen.n, 2500);
	CHECK(seen.ordered);

	if ((s = open_ok(path, 50)) == NULL)
		return;
	CHECK_INT(query(s, &r, 0, "", 5000), 0);
	CHECK_INT(r.nrows, 2500);
	if (r.nrows == 2500)
		CHECK_INT(((struct ev_rec *)r.rows)[2499].ts_ms, 2499);
	store_req_free(&r);
	store_close(s);
}

/* A done callback that submits a second request while the store closes. */
struct chain {
	struct store	*s;
	struct store_req first, second;
	bool		second_done;
	int		second_status;
};

static void
chain_second_done(struct store_req *r, void *arg)
{
	struct chain *c = arg;

	c->second_done = true;
	c->second_status = r->status;
}

static void
chain_first_done(struct store_req *r, void *arg)
{
	struct chain *c = arg;

	(void)r;
	memset(&c->second, 0, sizeof(c->second));
	c->second.op = STORE_CARD_PUT;
	snprintf(c->second.in.card.uid, sizeof(c->second.in.card.uid), "0C0FFEE0");
	snprintf(c->second.in.card.holder, sizeof(c->second.in.card.holder), "late");
	c->second.in.card.enabled = true;
	c->second.done = chain_second_done;
	c->second.arg = c;
	store_submit(c->s, &c->second);
}

static void
test_close_runs_late_requests(const char *dir)
{
	char path[512];
	struct chain c = { 0 };
	struct store_req r;

	snprintf(path, sizeof(path), "%s/chain.db", dir);
	if ((c.s = open_ok(path, 50)) == NULL)
		return;
	c.first.op = STORE_CARD_PUT;
	snprintf(c.first.in.card.uid, sizeof(c.first.in.card.uid), "0C0FFEE1");
	snprintf(c.first.in.card.holder, sizeof(c.first.in.card.holder), "first");
	c.first.done = chain_first_done;
	c.first.arg = &c;
	store_submit(c.s, &c.first);
	store_close(c.s);	/* first's callback runs inside close */
	CHECK(c.second_done);
	CHECK_INT(c.second_status, 0);

	if ((c.s = open_ok(path, 50)) == NULL)
		return;
	memset(&r, 0, sizeof(r));
	r.op = STORE_CARD_LIST;
	CHECK_INT(store_run(c.s, &r), 0);
	CHECK_INT(r.nrows, 2);
	store_req_free(&r);
	store_close(c.s);
}

struct adder {
	struct store	*s;
	int		n;
	int		who;
};

static void *
adder_main(void *arg)
{
	struct adder *a = arg;
	struct ev_rec ev;
	int i;

	for (i = 0; i < a->n; i++) {
		ev = mkev(i, "passage", "L1", "");
		snprintf(ev.device, sizeof(ev.device), "t%d", a->who);
		store_event_add(a->s, &ev);
	}
	return NULL;
}

/* Several threads queueing at once: every event arrives, in id order. */
static void
test_threads(const char *dir)
{
	char path[512];
	struct adder ad[4];
	pthread_t th[4];
	struct store *s;
	struct store_stats st;
	int i;

	snprintf(path, sizeof(path), "%s/threads.db", dir);
	if ((s = open_ok(path, 20)) == NULL)
		return;
	seen_reset();
	for (i = 0; i < 4; i++) {
		ad[i] = (struct adder){ s, 5000, i };
		CHECK(pthread_create(&th[i], NULL, adder_main, &ad[i]) == 0);
	}
	CHECK(wait_seen(s, 20000, 10000));
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	CHECK_INT(seen.n, 20000);
	CHECK(seen.ordered);
	store_get_stats(s, &st);
	CHECK_INT(st.events_committed, 20000);
	store_close(s);
}

static void
test_open_errors(const char *dir)
{
	char path[512], err[256], want[640];
	struct store *s;
	long v;
	int fd;

	/* A directory that does not exist. */
	snprintf(path, sizeof(path), "%s/missing/x.db", dir);
	err[0] = '\0';
	CHECK(store_open(path, 50, err, sizeof(err)) == NULL);
	CHECK(strncmp(err, path, strlen(path)) == 0);
	CHECK(strstr(err, "No such file") != NULL);

	/* A file that is not a database. */
	snprintf(path, sizeof(path), "%s/junk.db", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	CHECK(fd >= 0);
	if (fd >= 0) {
		char junk[4096];

		memset(junk, 'x', sizeof(junk));
		CHECK(write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
		close(fd);
	}
	err[0] = '\0';
	CHECK(store_open(path, 50, err, sizeof(err)) == NULL);
	CHECK(strncmp(err, path, strlen(path)) == 0);
	CHECK(strstr(err, "not a database") != NULL);

	/* A schema newer than this lobbyd knows is refused, untouched. */
	snprintf(path, sizeof(path), "%s/newer.db", dir);
	if ((s = open_ok(path, 50)) == NULL)
		return;
	store_close(s);
	v = file_user_version(path);
	CHECK_INT(v, SCHEMA_LATEST);
	CHECK(file_set_user_version(path, (uint32_t)v + 6) == 0);
	err[0] = '\0';
	CHECK(store_open(path, 50, err, sizeof(err)) == NULL);
	snprintf(want, sizeof(want), "%s: database schema version %ld is newer "
	    "than this lobbyd (%ld)", path, v + 6, v);
	CHECK_STR(err, want);
	CHECK_INT(file_user_version(path), v + 6);

	/* The version it knows opens again. */
	CHECK(file_set_user_version(path, (uint32_t)v) == 0);
	if ((s = open_ok(path, 50)) != NULL)
		store_close(s);
}

/*
 * A child process that takes SQLite's WAL write lock, byte 120 of the -shm
 * file (the WAL-index lock layout documented with SQLite's file format): what
 * another writer holding a transaction looks like. It keeps the lock until
 * killed, or for hold_ms when that is not 0. Its pid, or -1.
 */
static pid_t
lock_child(const char *shm, int hold_ms)
{
	struct flock fl;
	int pfd[2], status;
	pid_t pid;
	char c = 'n';

	if (pipe(pfd) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		int fd = open(shm, O_RDWR);

		close(pfd[0]);
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		fl.l_start = 120;
		fl.l_len = 1;
		c = fd >= 0 && fcntl(fd, F_SETLKW, &fl) == 0 ? 'y' : 'n';
		(void)!write(pfd[1], &c, 1);
		if (hold_ms > 0)
			usleep((useconds_t)hold_ms * 1000);
		else
			pause();
		_exit(0);
	}
	close(pfd[1]);
	if (pid > 0 && (read(pfd[0], &c, 1) != 1 || c != 'y')) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		pid = -1;
	}
	close(pfd[0]);
	return pid;
}

/*
 * Commits that fail while a second process holds the write lock. takes SQLite's WAL write lock, byte 120
 * of the -shm file (the WAL-index lock layout documented with SQLite's file
 * format), which is what another writer holding a transaction looks like.
 * Events stay in memory, writes fail with a reason, reads still work, and
 * once the lock goes everything is committed, in order.
 */
static void
test_write_failure(const char *dir)
{
	char path[512], shm[520];
	struct store *s;
	struct store_req r;
	struct store_stats st;
	struct ev_rec ev;
	int i, status;
	int64_t end;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/locked.db", dir);
	snprintf(shm, sizeof(shm), "%s-shm", path);
	if ((s = open_ok(path, 20)) == NULL)
		return;
	card_put(s, "0C000003", "Cy", true);
	pid = lock_child(shm, 0);
	CHECK(pid > 0);
	if (pid <= 0) {
		store_close(s);
		return;
	}

	seen_reset();
	for (i = 0; i < 10; i++) {
		ev = mkev(i, "passage", "L1", "");
		store_event_add(s, &ev);
	}
	end = mono_ns() + 5000 * NS_PER_MS;
	do {
		usleep(20000);
		store_get_stats(s, &st);
	} while (st.failures == 0 && mono_ns() < end);
	CHECK(st.failures > 0);
	CHECK_INT(st.queue_len, 10);
	store_complete(s);
	CHECK_INT(seen.n, 0);

	/* A write is refused with the reason; done still runs. */
	r = mkreq(STORE_CARD_PUT);
	str_copy(r.in.card.uid, "0D000004", sizeof(r.in.card.uid));
	CHECK_INT(store_run(s, &r), -1);
	CHECK(strncmp(r.error, path, strlen(path)) == 0);
	CHECK(strstr(r.error, "locked") != NULL);

	/* A read is answered from what was committed. */
	r = mkreq(STORE_CARD_LIST);
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 1);
	store_req_free(&r);

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CHECK(wait_seen(s, 10, 10000));
	CHECK_INT(seen.n, 10);
	CHECK(seen.ordered);
	store_get_stats(s, &st);
	CHECK_INT(st.queue_len, 0);
	CHECK_INT(st.events_committed, 10);
	store_close(s);

	if ((s = open_ok(path, 20)) == NULL)
		return;
	CHECK_INT(query(s, &r, 0, "", 100), 0);
	CHECK_INT(r.nrows, 10);
	store_req_free(&r);
	r = mkreq(STORE_CARD_LIST);
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 1);			/* the refused card is absent */
	store_req_free(&r);

	/* Closing while the lock is held retries until it is let go. */
	pid = lock_child(shm, 1500);
	CHECK(pid > 0);
	seen_reset();
	for (i = 0; i < 5; i++) {
		ev = mkev(100 + i, "passage", "L2", "");
		store_event_add(s, &ev);
	}
	store_close(s);
	CHECK_INT(seen.n, 5);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if ((s = open_ok(path, 20)) == NULL)
		return;
	CHECK_INT(query(s, &r, 0, "L2", 100), 0);
	CHECK_INT(r.nrows, 5);
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

static void
rm_dir(const char *dir)
{
	static const char *const names[] = { "events.db", "cards.db",
	    "close.db", "threads.db", "junk.db", "newer.db", "locked.db", "fire.db" };
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char p[600];
	size_t i, j;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (j = 0; j < sizeof(sfx) / sizeof(sfx[0]); j++) {
			snprintf(p, sizeof(p), "%s/%s%s", dir, names[i], sfx[j]);
			unlink(p);
		}
	if (rmdir(dir) == -1)
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
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

int
main(void)
{
	char dir[] = "/tmp/test_store.XXXXXX";

	log_init("test_store", false);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_events(dir);
	test_cards_alerts(dir);
	test_alert_life_cycle(dir);
	test_close_queued(dir);
	test_close_runs_late_requests(dir);
	test_threads(dir);
	test_open_errors(dir);
	test_write_failure(dir);
	test_fire_mode(dir);
	rm_dir(dir);
	return harness_done("test_store");
}
