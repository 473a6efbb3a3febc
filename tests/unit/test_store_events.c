/*
 * db/events.c against real SQLite files: the event log queried by card,
 * person, lane and time, read page by page with nothing lost or repeated,
 * the plans SQLite picks (an index, never a scan or a sort), exports, and
 * retention deleting in batches only what was exported.
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "store_support.h"

#define NCARDS	30
#define NPEOPLE	10
#define NLANES	4

/* Event i of the test log: at 1000 + i*10 ms, card i % NCARDS, person
 * i % NPEOPLE + 1 (0 for every 7th: no one), lane i % NLANES. */
static struct ev_rec
log_ev(int i, int64_t t0)
{
	char lane[8], d[16];
	struct ev_rec ev;

	snprintf(lane, sizeof(lane), "L%d", i % NLANES);
	snprintf(d, sizeof(d), "e%d", i);
	ev = mkev(t0 + (int64_t)i * 10, "access", lane, d);
	snprintf(ev.credential, sizeof(ev.credential), "C%04X", i % NCARDS);
	ev.person = i % 7 == 0 ? 0 : i % NPEOPLE + 1;
	return ev;
}

/* Adds n events (log_ev(first..first+n-1)) and waits until committed. */
static void
add_log(struct store *s, int first, int n, int64_t t0)
{
	struct store_req r;

	for (int i = first; i < first + n; i++) {
		struct ev_rec ev = log_ev(i, t0);

		store_event_add(s, &ev);
	}
	r = mkreq(STORE_EXPORT_BEGIN);	/* commits what is queued before it */
	CHECK_INT(store_run(s, &r), 0);
	store_req_free(&r);
}

/* The number in an event's detail "eN". */
static int
ev_num(const struct ev_rec *ev)
{
	return atoi(ev->detail + 1);
}

/* Whether rows hold exactly the events matching pred among 0..n-1 with
 * numbers from first on (the newest `limit`, or the oldest with oldest),
 * in order. */
static bool
rows_are(const struct store_req *r, int n, bool (*pred)(int, const void *),
    const void *arg, int limit, bool oldest)
{
	const struct ev_rec *rows = r->rows;
	int *want = malloc((size_t)n * sizeof(*want)), nw = 0, from;
	bool ok;

	for (int i = 0; i < n; i++)
		if (pred(i, arg))
			want[nw++] = i;
	from = !oldest && nw > limit ? nw - limit : 0;
	if (nw - from > limit)
		nw = from + limit;
	ok = (size_t)(nw - from) == r->nrows;
	for (size_t k = 0; ok && k < r->nrows; k++)
		ok = ev_num(&rows[k]) == want[from + (int)k];
	free(want);
	return ok;
}

static bool
by_card(int i, const void *arg)
{
	return i % NCARDS == *(const int *)arg;
}

static bool
by_person(int i, const void *arg)
{
	return i % 7 != 0 && i % NPEOPLE + 1 == *(const int *)arg;
}

struct lane_since { int lane; int from; };

static bool
by_lane_since(int i, const void *arg)
{
	const struct lane_since *ls = arg;

	return i % NLANES == ls->lane && i >= ls->from;
}

static bool
any(int i, const void *arg)
{
	(void)i;
	(void)arg;
	return true;
}

/* By card, by person, by lane and time: the newest N, oldest first. */
static void
test_filters(const char *dir)
{
	char path[512];
	struct store *s;
	struct store_req r;
	struct ev_query q;
	const int n = 3000;
	int card = 7, person = 3;
	struct lane_since ls = { 2, 2000 };

	snprintf(path, sizeof(path), "%s/filters.db", dir);
	if ((s = open_ok(path, 1000)) == NULL)
		return;
	add_log(s, 0, n, 1000);

	q = (struct ev_query){ .limit = 50 };
	snprintf(q.credential, sizeof(q.credential), "C%04X", card);
	CHECK_INT(query_pages(s, &r, &q), 1);
	CHECK(rows_are(&r, n, by_card, &card, 50, false));
	store_req_free(&r);
	q.limit = 1000;			/* more than match: all 100 */
	CHECK_INT(query_pages(s, &r, &q), 1);
	CHECK_INT(r.nrows, n / NCARDS);
	CHECK(rows_are(&r, n, by_card, &card, 1000, false));
	store_req_free(&r);
	q.limit = 10;
	q.oldest = true;		/* the first ten instead */
	CHECK_INT(query_pages(s, &r, &q), 1);
	CHECK(rows_are(&r, n, by_card, &card, 10, true));
	store_req_free(&r);
	str_copy(q.credential, "NOSUCH", sizeof(q.credential));
	CHECK_INT(query_pages(s, &r, &q), 1);
	CHECK_INT(r.nrows, 0);
	store_req_free(&r);

	q = (struct ev_query){ .limit = 100, .person = person };
	CHECK_INT(query_pages(s, &r, &q), 1);
	CHECK(rows_are(&r, n, by_person, &person, 100, false));
	store_req_free(&r);

	/* Card and person together: both hold. */
	q = (struct ev_query){ .limit = 1000, .person = 3 };
	str_copy(q.credential, "C0002", sizeof(q.credential));	/* i%30 == 2 */
	CHECK_INT(query_pages(s, &r, &q), 1);
	CHECK(r.nrows > 0);
	for (size_t k = 0; k < r.nrows; k++) {
		int i = ev_num(&((struct ev_rec *)r.rows)[k]);

		CHECK(i % NCARDS == 2 && i % NPEOPLE + 1 == 3 && i % 7 != 0);
	}
	store_req_free(&r);

	q = (struct ev_query){ .limit = 5000, .since_ms = 1000 + ls.from * 10 };
	snprintf(q.lane, sizeof(q.lane), "L%d", ls.lane);
	CHECK_INT(query_pages(s, &r, &q), 1);
	CHECK_INT(r.nrows, (n - ls.from) / NLANES);
	CHECK(rows_are(&r, n, by_lane_since, &ls, 5000, false));
	store_req_free(&r);

	/* until_ms and upto_id bound the other end. */
	q = (struct ev_query){ .limit = 5000, .oldest = true,
	    .since_ms = 1000 + 100 * 10, .until_ms = 1000 + 200 * 10 };
	CHECK_INT(query_pages(s, &r, &q), 1);
	CHECK_INT(r.nrows, 100);
	if (r.nrows == 100) {
		CHECK_INT(ev_num(&((struct ev_rec *)r.rows)[0]), 100);
		CHECK_INT(ev_num(&((struct ev_rec *)r.rows)[99]), 199);
		q.upto_id = ((struct ev_rec *)r.rows)[49].id;
	}
	store_req_free(&r);
	CHECK_INT(query_pages(s, &r, &q), 1);
	CHECK_INT(r.nrows, 50);
	store_req_free(&r);
	store_close(s);
}

/* Pages: every row once, in order; the limit exact; rows committed
 * between pages neither lost nor repeated; equal times ordered by id. */
static void
test_paging(const char *dir)
{
	char path[512];
	struct store *s;
	struct store_req r, p1;
	struct ev_query q;
	const struct ev_rec *rows;
	const int n = 7000;
	bool ordered;

	snprintf(path, sizeof(path), "%s/paging.db", dir);
	if ((s = open_ok(path, 1000)) == NULL)
		return;
	add_log(s, 0, n, 1000);

	/* The newest 4321 in three pages (2000, 2000, 321), oldest first. */
	q = (struct ev_query){ .limit = 4321 };
	CHECK_INT(query_pages(s, &r, &q), 3);
	CHECK_INT(r.nrows, 4321);
	CHECK(rows_are(&r, n, any, NULL, 4321, false));
	store_req_free(&r);

	/* Every row, the limit larger than the log: four pages, no more. */
	q = (struct ev_query){ .limit = STORE_EVENT_LIMIT_MAX };
	CHECK_INT(query_pages(s, &r, &q), 4);
	CHECK_INT(r.nrows, n);
	CHECK(rows_are(&r, n, any, NULL, n, false));
	store_req_free(&r);

	/* A limit that ends on a page's edge says "more" only if more match. */
	q = (struct ev_query){ .limit = STORE_EVENT_PAGE, .oldest = true };
	p1 = mkreq(STORE_EVENT_QUERY);
	p1.in.evq = q;
	CHECK_INT(store_run(s, &p1), 0);
	CHECK_INT(p1.nrows, STORE_EVENT_PAGE);
	CHECK(p1.more);
	store_req_free(&p1);
	q = (struct ev_query){ .limit = n };
	p1.in.evq = q;
	CHECK_INT(store_run(s, &p1), 0);
	CHECK_INT(p1.nrows, STORE_EVENT_PAGE);
	CHECK(p1.more);
	rows = p1.rows;
	if (p1.nrows == STORE_EVENT_PAGE) {
		/* The newest n is all of them: the first page starts at e0. */
		CHECK_INT(ev_num(&rows[0]), 0);
		q.after = true;
		q.after_ts = rows[STORE_EVENT_PAGE - 1].ts_ms;
		q.after_id = rows[STORE_EVENT_PAGE - 1].id;
	}
	store_req_free(&p1);

	/* Events committed meanwhile come after: the next pages go on from
	 * the cursor, and the whole read holds every row once. */
	add_log(s, n, 500, 1000);
	q.limit = n + 500 - STORE_EVENT_PAGE;
	{
		struct store_req rest;

		CHECK_INT(query_pages(s, &rest, &q), 3);
		CHECK_INT(rest.nrows, n + 500 - STORE_EVENT_PAGE);
		rows = rest.rows;
		ordered = true;
		for (size_t k = 0; k < rest.nrows; k++)
			ordered = ordered && ev_num(&rows[k]) ==
			    STORE_EVENT_PAGE + (int)k;
		CHECK(ordered);
		store_req_free(&rest);
	}

	/* Many events at one millisecond: ordered by id, split across
	 * pages without a gap. */
	for (int i = 0; i < 4500; i++) {
		struct ev_rec ev = mkev(900000, "passage", "LX", "");

		snprintf(ev.detail, sizeof(ev.detail), "e%d", i);
		store_event_add(s, &ev);
	}
	q = (struct ev_query){ .limit = 4500, .oldest = true };
	str_copy(q.lane, "LX", sizeof(q.lane));
	CHECK_INT(query_pages(s, &r, &q), 3);
	CHECK_INT(r.nrows, 4500);
	CHECK(rows_are(&r, 4500, any, NULL, 4500, true));
	store_req_free(&r);
	store_close(s);
}

/*
 * The start of the newest N is found 25,000 events a request, so that a
 * huge --limit never holds the store thread for long: the first request
 * hands back where its walk reached and no rows; going on from there ends
 * at the right place.
 */
static void
test_seek_in_steps(const char *dir)
{
	char path[512];
	struct store *s;
	struct store_req r;
	struct ev_query q = { .limit = 230000 };
	const int total = 250000;

	snprintf(path, sizeof(path), "%s/seek.db", dir);
	if ((s = open_ok(path, 1000)) == NULL)
		return;
	for (int i = 0; i < total; i += 10000)
		add_log(s, i, 10000, 1000);

	r = mkreq(STORE_EVENT_QUERY);
	r.in.evq = q;
	CHECK_INT(store_run(s, &r), 0);
	CHECK(r.seek.on);
	CHECK_INT(r.nrows, 0);
	CHECK_INT(r.seek.left, 229999 - 25000);
	CHECK_INT(r.seek.ts, 1000 + (int64_t)(total - 1 - 25000) * 10);
	store_req_free(&r);

	/* Every step and page: the newest 230,000, from e20000 on. */
	CHECK_INT(query_pages(s, &r, &q), 115);
	CHECK_INT(r.nrows, 230000);
	CHECK(rows_are(&r, total, any, NULL, 230000, false));
	store_req_free(&r);

	/* Fewer than asked: the walk runs off the oldest end, all of them. */
	q.limit = 300000;
	CHECK_INT(query_pages(s, &r, &q), 125);
	CHECK_INT(r.nrows, total);
	store_req_free(&r);
	store_close(s);
}

/* The page's work in SQLite's steps, or -1. */
static int64_t
page_steps(struct store *s, const struct ev_query *q, size_t *nrows)
{
	struct store_req r = mkreq(STORE_EVENT_QUERY);

	r.in.evq = *q;
	if (store_run(s, &r) == -1)
		return -1;
	*nrows = r.nrows;
	store_req_free(&r);
	return (int64_t)r.steps;
}

/*
 * An index bounds every page's work, wherever the page starts: the newest
 * hundred of a long log, and a page after a cursor near its end, read about
 * the rows they return, not the log from its start (a plan can name the
 * right index and still walk it from the wrong end).
 */
static void
test_bounded_work(const char *dir)
{
	char path[512];
	struct store *s;
	struct ev_query q;
	size_t n;
	int64_t one, steps;
	const int total = 20000;

	snprintf(path, sizeof(path), "%s/work.db", dir);
	if ((s = open_ok(path, 1000)) == NULL)
		return;
	add_log(s, 0, total, 1000);

	/* What one row of a page costs, read from the start of the log. */
	q = (struct ev_query){ .limit = 100, .oldest = true };
	one = page_steps(s, &q, &n) / 100;
	CHECK_INT(n, 100);
	CHECK(one > 0);

	q = (struct ev_query){ .limit = 100 };
	steps = page_steps(s, &q, &n);
	CHECK_INT(n, 100);
	CHECK(steps < 3 * 100 * one);
	q = (struct ev_query){ .limit = 100, .after = true,
	    .after_ts = 1000 + (total - 150) * 10, .after_id = total - 150 };
	steps = page_steps(s, &q, &n);
	CHECK_INT(n, 100);
	CHECK(steps < 3 * 100 * one);
	q = (struct ev_query){ .limit = 50, .since_ms = 1000 };
	str_copy(q.lane, "L1", sizeof(q.lane));
	steps = page_steps(s, &q, &n);
	CHECK_INT(n, 50);
	CHECK(steps < 3 * 50 * one);
	if (steps >= 3 * 50 * one)
		fprintf(stderr, "steps %lld, one row %lld\n", (long long)steps,
		    (long long)one);
	store_close(s);
}

/* Each line of the plans names want's index and none scans or sorts. */
static bool
plan_uses(struct store *s, const struct ev_query *q, bool purge,
    const char *want)
{
	struct store_req r = mkreq(purge ? STORE_EVENT_PURGE : STORE_EVENT_QUERY);
	const struct plan_line *p;
	bool ok;

	if (purge) {
		r.in.purge.before_ms = 5000;
		r.in.purge.batch = 100;
	} else
		r.in.evq = *q;
	r.explain = true;
	if (store_run(s, &r) == -1)
		return false;
	p = r.rows;
	ok = r.nrows > 0;
	for (size_t i = 0; i < r.nrows; i++) {
		bool line_ok = strstr(p[i].text, "LIST SUBQUERY") != NULL ||
		    strstr(p[i].text, "INTEGER PRIMARY KEY") != NULL ||
		    (strstr(p[i].text, want) != NULL &&
		    strstr(p[i].text, "SEARCH") != NULL);

		if (strstr(p[i].text, "SCAN") != NULL ||
		    strstr(p[i].text, "TEMP B-TREE") != NULL)
			line_ok = false;
		if (!line_ok)
			fprintf(stderr, "plan (want %s): %s\n", want, p[i].text);
		ok = ok && line_ok;
	}
	store_req_free(&r);
	return ok;
}

/* The queries use the indexes built for them: a card's history on a tower's
 * log must never read the table or sort it (if an index goes, this fails). */
static void
test_plans(const char *dir)
{
	char path[512];
	struct store *s;
	struct ev_query q;

	snprintf(path, sizeof(path), "%s/plans.db", dir);
	if ((s = open_ok(path, 1000)) == NULL)
		return;
	add_log(s, 0, 500, 1000);

	q = (struct ev_query){ .limit = 100 };
	str_copy(q.credential, "C0001", sizeof(q.credential));
	CHECK(plan_uses(s, &q, false, "INDEX events_credential_ts (credential=?"));
	q.after = true;		/* a later page: the cursor too */
	CHECK(plan_uses(s, &q, false, "INDEX events_credential_ts (credential=?"));
	q.person = 3;		/* the card still leads */
	str_copy(q.lane, "L1", sizeof(q.lane));
	CHECK(plan_uses(s, &q, false, "INDEX events_credential_ts (credential=?"));

	q = (struct ev_query){ .limit = 100, .person = 3 };
	CHECK(plan_uses(s, &q, false, "INDEX events_person_ts (person=?"));
	str_copy(q.lane, "L1", sizeof(q.lane));
	CHECK(plan_uses(s, &q, false, "INDEX events_person_ts (person=?"));

	q = (struct ev_query){ .limit = 100, .since_ms = 2000 };
	str_copy(q.lane, "L1", sizeof(q.lane));
	CHECK(plan_uses(s, &q, false, "INDEX events_lane_ts (lane=? AND ts_ms>?)"));

	q = (struct ev_query){ .limit = 100, .since_ms = 2000, .until_ms = 3000,
	    .oldest = true };
	CHECK(plan_uses(s, &q, false, "INDEX events_ts (ts_ms>? AND ts_ms<?)"));
	q = (struct ev_query){ .limit = 100 };
	CHECK(plan_uses(s, &q, false, "INDEX events_ts (ts_ms>?)"));

	/* Retention finds the oldest through the (ts_ms) index too. */
	CHECK(plan_uses(s, NULL, true, "INDEX events_ts (ts_ms>? AND ts_ms<?)"));
	store_close(s);
}

static int
purge(struct store *s, int64_t before, int64_t max_bytes, bool exported,
    int batch, struct ev_purged *out)
{
	struct store_req r;
	int rc, tries = 0;

	/* A batch yields to a checkpoint under way: asked again, as the
	 * engine does, it runs once the checkpoint is done. */
	do {
		if (tries++ > 0)
			usleep(5000);
		r = mkreq(STORE_EVENT_PURGE);
		r.in.purge.before_ms = before;
		r.in.purge.max_bytes = max_bytes;
		r.in.purge.export_required = exported;
		r.in.purge.batch = batch;
		rc = store_run(s, &r);
		*out = r.purged;
		store_req_free(&r);
	} while (rc == 0 && out->yielded && tries < 400);
	CHECK(!out->yielded);
	return rc;
}

static int64_t
count_events(struct store *s)
{
	struct store_req r;
	struct ev_query q = { .limit = STORE_EVENT_LIMIT_MAX };
	int64_t n;

	if (query_pages(s, &r, &q) < 0)
		return -1;
	n = (int64_t)r.nrows;
	store_req_free(&r);
	return n;
}

static int64_t
export_record(struct store *s, int64_t since, int64_t until, int64_t upto)
{
	struct store_req r = mkreq(STORE_EXPORT_DONE);

	r.in.export.since_ms = since;
	r.in.export.until_ms = until;
	r.in.export.upto_id = upto;
	r.in.export.nrows = 1;
	r.in.export.done_ms = real_ms();
	str_copy(r.in.export.actor, "manager", sizeof(r.in.export.actor));
	CHECK_INT(store_run(s, &r), 0);
	return r.id;
}

/* The id of event number i (ev_num) in the log, or 0. */
static int64_t
id_of(struct store *s, int i)
{
	struct store_req r;
	struct ev_query q = { .limit = STORE_EVENT_LIMIT_MAX, .oldest = true };
	int64_t id = 0;

	if (query_pages(s, &r, &q) < 0)
		return 0;
	for (size_t k = 0; k < r.nrows; k++)
		if (ev_num(&((struct ev_rec *)r.rows)[k]) == i)
			id = ((struct ev_rec *)r.rows)[k].id;
	store_req_free(&r);
	return id;
}

/*
 * Retention: nothing unexported goes; exported events older than the
 * cut-off go in batches no larger than asked; a late event inside an
 * export's time range but after its end stays; without the export rule
 * age alone decides.
 */
static void
test_retention(const char *dir)
{
	char path[512];
	struct store *s;
	struct store_req r;
	struct ev_purged out;
	int64_t upto, before = 1000 + 3000 * 10;	/* e0..e2999 are old */
	int batches = 0;
	const int n = 5000;

	snprintf(path, sizeof(path), "%s/retention.db", dir);
	if ((s = open_ok(path, 1000)) == NULL)
		return;
	add_log(s, 0, n, 1000);

	/* Nothing exported: nothing deleted, and it says events wait. */
	CHECK_INT(purge(s, before, 0, true, 500, &out), 0);
	CHECK_INT(out.by_age, 0);
	CHECK(!out.more);
	CHECK(out.waiting);
	CHECK_INT(out.oldest_ms, 1000);
	CHECK_INT(count_events(s), n);

	/* Exported: e0..e1999 (until e2000's time), and a late event that
	 * came after the export with an old time. */
	upto = id_of(s, n - 1);
	CHECK(upto > 0);
	export_record(s, 0, 1000 + 2000 * 10, upto);
	{
		struct ev_rec late = log_ev(99999, 1000);

		late.ts_ms = 1005;	/* inside the export's range */
		store_event_add(s, &late);
	}

	/* Batches of at most 300 until the exported old ones are gone. */
	do {
		CHECK_INT(purge(s, before, 0, true, 300, &out), 0);
		CHECK(out.by_age <= 300);
		CHECK(out.took_ns > 0);
		batches++;
	} while (out.more && batches < 20);
	CHECK_INT(batches, 7);		/* 6 x 300 + 200, then done */
	CHECK_INT(count_events(s), n + 1 - 2000);
	CHECK(out.waiting);		/* e2000..e2999 and the late one */
	CHECK_INT(out.oldest_ms, 1005);
	CHECK(id_of(s, 99999) != 0);
	CHECK(id_of(s, 1999) == 0);
	CHECK(id_of(s, 2000) != 0);

	/* A second export from where the first reached: e2000..e2999 go,
	 * the late one still stays (no export took it). */
	export_record(s, 1000 + 2000 * 10, before, upto);
	CHECK_INT(purge(s, before, 0, true, 5000, &out), 0);
	CHECK_INT(out.by_age, 1000);
	CHECK(!out.more);
	CHECK(out.waiting);
	CHECK_INT(count_events(s), n + 1 - 3000);

	/* Without the export rule, age alone: the late one goes, no newer. */
	CHECK_INT(purge(s, before, 0, false, 5000, &out), 0);
	CHECK_INT(out.by_age, 1);
	CHECK(!out.waiting);
	CHECK_INT(count_events(s), n - 3000);
	CHECK_INT(out.oldest_ms, before);

	/* No cut-off, no ceiling: a no-op. */
	CHECK_INT(purge(s, 0, 0, true, 5000, &out), 0);
	CHECK_INT(out.by_age + out.by_size, 0);
	CHECK(!out.more && !out.over && !out.waiting);
	CHECK(out.used_bytes > 0);

	r = mkreq(STORE_EXPORT_BEGIN);
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.id, upto);		/* the newest event */
	CHECK_INT(r.nrows, 1);
	if (r.nrows == 1) {
		const struct export_rec *x = r.rows;

		CHECK_INT(x->until_ms, before);
		CHECK_INT(x->upto_id, upto);
		CHECK_STR(x->actor, "manager");
	}
	store_req_free(&r);
	store_close(s);
}

/* The size ceiling: the oldest exported events go, whatever their age,
 * until the pages in use fit; when only unexported ones are left, "over". */
static void
test_ceiling(const char *dir)
{
	char path[512];
	struct store *s;
	struct ev_purged out;
	int64_t used0, ceiling;
	int batches = 0;
	const int n = 20000;

	snprintf(path, sizeof(path), "%s/ceiling.db", dir);
	if ((s = open_ok(path, 1000)) == NULL)
		return;
	for (int i = 0; i < n; i += 1000) {
		for (int j = i; j < i + 1000; j++) {
			struct ev_rec ev = log_ev(j, 1000);

			memset(ev.actor, 'a', sizeof(ev.actor) - 1);
			snprintf(ev.detail, sizeof(ev.detail), "e%d %0100d", j, 0);
			store_event_add(s, &ev);
		}
		add_log(s, 0, 0, 0);
	}
	CHECK_INT(purge(s, 0, 0, true, 1, &out), 0);
	used0 = out.used_bytes;
	CHECK(used0 > 4 << 20);

	/* Three quarters of it exported; the ceiling at half the size. */
	export_record(s, 0, 1000 + (int64_t)n * 3 / 4 * 10, id_of(s, n - 1));
	ceiling = used0 / 2;
	do {
		CHECK_INT(purge(s, 0, ceiling, true, 1000, &out), 0);
		CHECK_INT(out.by_age, 0);
		batches++;
	} while (out.more && batches < 100);
	CHECK(!out.over);
	CHECK(out.used_bytes <= ceiling);
	CHECK(out.used_bytes > ceiling - used0 / 10);	/* no more than needed */
	CHECK(id_of(s, 0) == 0);	/* the oldest went first */
	CHECK(id_of(s, n - 1) != 0);

	/* A ceiling the unexported quarter alone exceeds: every exported
	 * event goes, then it says it cannot. */
	batches = 0;
	do {
		CHECK_INT(purge(s, 0, used0 / 8, true, 5000, &out), 0);
		batches++;
	} while (out.more && batches < 100);
	CHECK(out.over);
	CHECK(out.used_bytes > used0 / 8);
	CHECK_INT(count_events(s), n / 4);
	store_close(s);
}

int
main(void)
{
	static store_test_fn *const tests[] = {
		test_filters, test_paging, test_plans, test_bounded_work,
		test_seek_in_steps, test_retention, test_ceiling
	};

	return store_tests_main("test_store_events", tests, NELEM(tests));
}
