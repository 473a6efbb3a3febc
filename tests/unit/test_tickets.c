/*
 * db/tickets.c against a real SQLite file: tickets opened from alerts and by
 * hand, one ticket per problem, notes, the legal and illegal changes, lists,
 * the daily summaries and their one-per-day rule, and a reopened database.
 */
#include "store_support.h"

#define DAY_MS	86400000LL
#define T0	1795000000000LL		/* a fixed "now" for the tickets */

/* An alert for engineering reaching the store; returns the request (rows
 * freed), so its found, id and rec can be checked. */
static struct store_req
alert(struct store *s, const char *source, const char *kind, const char *title,
    const char *urgency, int64_t ts)
{
	struct store_req req = { .op = STORE_TICKET_ALERT };

	str_copy(req.in.ticket.rec.source, source, sizeof(req.in.ticket.rec.source));
	str_copy(req.in.ticket.rec.kind, kind, sizeof(req.in.ticket.rec.kind));
	str_copy(req.in.ticket.rec.title, title, sizeof(req.in.ticket.rec.title));
	str_copy(req.in.ticket.rec.urgency, urgency, sizeof(req.in.ticket.rec.urgency));
	req.in.ticket.rec.alert_id = 7;
	req.in.ticket.ts_ms = ts;
	CHECK_INT(store_run(s, &req), 0);
	store_req_free(&req);
	return req;
}

static struct store_req
cleared(struct store *s, const char *source, const char *kind, int64_t ts)
{
	struct store_req req = { .op = STORE_TICKET_CLEARED };

	str_copy(req.in.ticket.rec.source, source, sizeof(req.in.ticket.rec.source));
	str_copy(req.in.ticket.rec.kind, kind, sizeof(req.in.ticket.rec.kind));
	req.in.ticket.ts_ms = ts;
	CHECK_INT(store_run(s, &req), 0);
	store_req_free(&req);
	return req;
}

static struct store_req
update(struct store *s, int64_t id, const char *action, const char *text,
    const char *who, int64_t ts)
{
	struct store_req req = { .op = STORE_TICKET_UPDATE };

	req.in.ticket.id = id;
	str_copy(req.in.ticket.action, action, sizeof(req.in.ticket.action));
	str_copy(req.in.ticket.text, text, sizeof(req.in.ticket.text));
	str_copy(req.in.ticket.actor, who, sizeof(req.in.ticket.actor));
	req.in.ticket.ts_ms = ts;
	CHECK_INT(store_run(s, &req), 0);
	store_req_free(&req);
	return req;
}

/* The notes of a ticket: their actions joined with ',', and the rec. */
static void
notes_of(struct store *s, int64_t id, char *out, size_t len,
    struct ticket_rec *rec)
{
	struct store_req req = { .op = STORE_TICKET_GET };
	const struct ticket_note *n;
	size_t off = 0;

	req.in.ticket.id = id;
	out[0] = '\0';
	CHECK_INT(store_run(s, &req), 0);
	CHECK(req.found);
	n = req.rows;
	for (size_t i = 0; i < req.nrows; i++)
		off += (size_t)snprintf(out + off, off < len ? len - off : 0,
		    "%s%s", i ? "," : "", n[i].action);
	if (rec != NULL)
		*rec = req.in.ticket.rec;
	store_req_free(&req);
}

static void
test_alerts_open_and_dedupe(struct store *s)
{
	struct store_req r;
	struct ticket_rec t;
	char acts[256];
	int64_t first;

	r = alert(s, "ts1", "fault", "Turnstile ts1 in fault (code 7)", "urgent", T0);
	CHECK(!r.found);
	CHECK(r.id > 0);
	first = r.id;
	CHECK_STR(r.in.ticket.rec.state, "open");
	CHECK_STR(r.in.ticket.rec.urgency, "urgent");
	CHECK_STR(r.in.ticket.rec.source, "ts1");
	CHECK_STR(r.in.ticket.rec.kind, "fault");
	CHECK_STR(r.in.ticket.rec.opened_by, "lobbyd");
	CHECK_INT(r.in.ticket.rec.opened_ms, T0);
	CHECK_INT(r.in.ticket.rec.alert_id, 7);

	/* The same problem cleared and raised again: one ticket, two notes more. */
	r = cleared(s, "ts1", "fault", T0 + 1000);
	CHECK(r.found);
	CHECK_INT(r.id, first);
	r = alert(s, "ts1", "fault", "Turnstile ts1 in fault (code 9)", "urgent", T0 + 2000);
	CHECK(r.found);
	CHECK_INT(r.id, first);
	notes_of(s, first, acts, sizeof(acts), &t);
	CHECK_STR(acts, "opened,cleared,raised_again");
	CHECK_INT(t.updated_ms, T0 + 2000);
	CHECK_STR(t.state, "open");

	/* Another kind on the same device, or another device: new tickets. */
	r = alert(s, "ts1", "offline", "Turnstile ts1 not answering", "urgent", T0 + 3000);
	CHECK(!r.found && r.id != first);
	r = alert(s, "rd1", "offline", "Reader rd1 not answering", "normal", T0 + 4000);
	CHECK(!r.found);
	CHECK_STR(r.in.ticket.rec.urgency, "normal");
	/* Raised again as urgent: the ticket becomes urgent. */
	r = alert(s, "rd1", "offline", "Reader rd1 not answering", "urgent", T0 + 5000);
	CHECK(r.found);
	CHECK_STR(r.in.ticket.rec.urgency, "urgent");

	/* A clear with no unfinished ticket changes nothing. */
	r = cleared(s, "ts9", "fault", T0 + 6000);
	CHECK(!r.found);
}

static void
test_changes(struct store *s)
{
	struct store_req r, o = { .op = STORE_TICKET_OPEN };
	struct ticket_rec t;
	char acts[256];
	int64_t id;

	str_copy(o.in.ticket.rec.source, "lane1", sizeof(o.in.ticket.rec.source));
	str_copy(o.in.ticket.rec.title, "Loose glass panel", sizeof(o.in.ticket.rec.title));
	str_copy(o.in.ticket.rec.urgency, "normal", sizeof(o.in.ticket.rec.urgency));
	str_copy(o.in.ticket.actor, "eng1", sizeof(o.in.ticket.actor));
	o.in.ticket.ts_ms = T0 + 10000;
	CHECK_INT(store_run(s, &o), 0);
	id = o.id;
	CHECK(id > 0);
	CHECK_STR(o.in.ticket.rec.kind, "manual");
	CHECK_STR(o.in.ticket.rec.opened_by, "eng1");
	CHECK_INT(o.in.ticket.rec.alert_id, 0);

	r = update(s, id, "start", "", "eng2", T0 + 11000);
	CHECK_INT(r.in.ticket.result, TICKET_OK);
	CHECK_STR(r.in.ticket.rec.state, "in_progress");
	r = update(s, id, "start", "", "eng2", T0 + 11500);
	CHECK_INT(r.in.ticket.result, TICKET_ILLEGAL);
	CHECK_STR(r.in.ticket.rec.state, "in_progress");
	r = update(s, id, "note", "ordered a new panel", "eng2", T0 + 12000);
	CHECK_INT(r.in.ticket.result, TICKET_OK);
	r = update(s, id, "done", "fitted", "eng3", T0 + 13000);
	CHECK_INT(r.in.ticket.result, TICKET_OK);
	CHECK_STR(r.in.ticket.rec.state, "done");
	CHECK_INT(r.in.ticket.rec.closed_ms, T0 + 13000);
	/* done -> start, done -> done: refused, nothing recorded. */
	r = update(s, id, "start", "", "eng2", T0 + 14000);
	CHECK_INT(r.in.ticket.result, TICKET_ILLEGAL);
	CHECK_STR(r.in.ticket.rec.state, "done");
	r = update(s, id, "done", "", "eng2", T0 + 14000);
	CHECK_INT(r.in.ticket.result, TICKET_ILLEGAL);
	r = update(s, 999999, "start", "", "eng2", T0 + 14000);
	CHECK_INT(r.in.ticket.result, TICKET_NONE);
	CHECK(!r.found);

	notes_of(s, id, acts, sizeof(acts), &t);
	CHECK_STR(acts, "opened,started,note,done");
	{
		struct store_req g = { .op = STORE_TICKET_GET };
		const struct ticket_note *n;

		g.in.ticket.id = id;
		CHECK_INT(store_run(s, &g), 0);
		n = g.rows;
		CHECK_INT(g.nrows, 4);
		if (g.nrows == 4) {
			CHECK_STR(n[0].actor, "eng1");
			CHECK_STR(n[1].actor, "eng2");
			CHECK_STR(n[2].text, "ordered a new panel");
			CHECK_STR(n[3].actor, "eng3");
			CHECK_STR(n[3].text, "fitted");
			CHECK_INT(n[3].ts_ms, T0 + 13000);
		}
		store_req_free(&g);
	}

	/* The alert's problem comes back after its ticket is done: a new one. */
	r = alert(s, "lane1", "manual", "not deduplicated with hand tickets", "normal",
	    T0 + 15000);
	CHECK(!r.found);
}

/* The list: unfinished only unless all, urgent first, then the oldest. */
static void
test_list(struct store *s)
{
	struct store_req req = { .op = STORE_TICKET_LIST };
	const struct ticket_rec *t;
	size_t unfinished;

	CHECK_INT(store_run(s, &req), 0);
	t = req.rows;
	unfinished = req.nrows;
	CHECK_INT(req.nrows, 4);
	for (size_t i = 0; i < req.nrows; i++)
		CHECK(strcmp(t[i].state, "done") != 0);
	if (req.nrows == 4) {
		CHECK_STR(t[0].urgency, "urgent");
		CHECK_STR(t[1].urgency, "urgent");
		CHECK_STR(t[2].urgency, "urgent");
		CHECK_STR(t[3].urgency, "normal");
		CHECK(t[0].opened_ms <= t[1].opened_ms && t[1].opened_ms <= t[2].opened_ms);
	}
	store_req_free(&req);

	req = (struct store_req){ .op = STORE_TICKET_LIST };
	req.in.ticket.all = true;
	CHECK_INT(store_run(s, &req), 0);
	CHECK_INT(req.nrows, unfinished + 1);
	t = req.rows;
	if (req.nrows > 0)
		CHECK_STR(t[req.nrows - 1].state, "done");
	store_req_free(&req);
}

static int
count_section(const struct store_req *req, const char *section)
{
	const struct ticket_item *it = req->rows;
	int n = 0;

	for (size_t i = 0; i < req->nrows; i++)
		n += strcmp(it[i].section, section) == 0;
	return n;
}

static void
test_summary(struct store *s)
{
	struct store_req req = { .op = STORE_TICKET_SUMMARY_MAKE };
	const struct ticket_item *it;
	struct store_req r;
	int64_t made = T0 + 3 * DAY_MS + 1000, id;

	str_copy(req.in.ticket.sum.day, "2026-11-20", sizeof(req.in.ticket.sum.day));
	req.in.ticket.sum.made_ms = made;
	CHECK_INT(store_run(s, &req), 0);
	CHECK(!req.found);
	CHECK(req.id > 0);
	CHECK_INT(req.in.ticket.sum.nopen, 4);
	CHECK_INT(req.in.ticket.sum.nurgent, 3);
	CHECK_INT(req.in.ticket.sum.nopened, 5);	/* every ticket: no summary before */
	CHECK_INT(req.in.ticket.sum.nclosed, 1);
	CHECK_INT(req.in.ticket.sum.since_ms, 0);
	CHECK(!req.in.ticket.sum.late);
	CHECK_INT(count_section(&req, "open"), 4);
	CHECK_INT(count_section(&req, "closed"), 1);
	it = req.rows;
	if (req.nrows > 0) {
		CHECK_STR(it[0].section, "open");
		CHECK_STR(it[0].t.urgency, "urgent");
		CHECK_INT(it[0].age_days, 3);
		CHECK_STR(it[0].t.source, "ts1");
	}
	store_req_free(&req);

	/* The same day again (a clock set back): nothing new is made. */
	req = (struct store_req){ .op = STORE_TICKET_SUMMARY_MAKE };
	str_copy(req.in.ticket.sum.day, "2026-11-20", sizeof(req.in.ticket.sum.day));
	req.in.ticket.sum.made_ms = made + 5000;
	CHECK_INT(store_run(s, &req), 0);
	CHECK(req.found);
	CHECK_INT(req.in.ticket.sum.made_ms, made);
	store_req_free(&req);

	/* The next day: one opened and one closed since; the rest carried. */
	r = alert(s, "ts2", "fault", "Turnstile ts2 in fault (code 3)", "urgent",
	    made + 1000);
	id = r.id;
	r = update(s, id, "done", "reset", "eng1", made + 2000);
	CHECK_INT(r.in.ticket.result, TICKET_OK);
	r = alert(s, "ts3", "offline", "Gate ts3 not answering", "urgent", made + 3000);
	req = (struct store_req){ .op = STORE_TICKET_SUMMARY_MAKE };
	str_copy(req.in.ticket.sum.day, "2026-11-21", sizeof(req.in.ticket.sum.day));
	req.in.ticket.sum.made_ms = made + DAY_MS;
	req.in.ticket.sum.late = true;
	CHECK_INT(store_run(s, &req), 0);
	CHECK(!req.found);
	CHECK(req.in.ticket.sum.late);
	CHECK_INT(req.in.ticket.sum.since_ms, made);
	CHECK_INT(req.in.ticket.sum.nopen, 5);
	CHECK_INT(req.in.ticket.sum.nopened, 2);
	CHECK_INT(req.in.ticket.sum.nclosed, 1);
	it = req.rows;
	for (size_t i = 0; i < req.nrows; i++) {
		if (strcmp(it[i].section, "closed") == 0) {
			CHECK_INT(it[i].t.id, id);
			CHECK_STR(it[i].t.state, "done");
		}
		if (strcmp(it[i].section, "open") == 0 && it[i].t.opened_ms == T0)
			CHECK_INT(it[i].age_days, 4);
	}
	store_req_free(&req);

	/* Read back: the latest, a given day, and a day without one. */
	req = (struct store_req){ .op = STORE_TICKET_SUMMARY_GET };
	CHECK_INT(store_run(s, &req), 0);
	CHECK(req.found);
	CHECK_STR(req.in.ticket.sum.day, "2026-11-21");
	CHECK_INT(req.nrows, 8);
	store_req_free(&req);
	req = (struct store_req){ .op = STORE_TICKET_SUMMARY_GET };
	str_copy(req.in.ticket.sum.day, "2026-11-20", sizeof(req.in.ticket.sum.day));
	CHECK_INT(store_run(s, &req), 0);
	CHECK(req.found);
	CHECK_INT(req.in.ticket.sum.nclosed, 1);
	CHECK_INT(req.nrows, 10);
	store_req_free(&req);
	req = (struct store_req){ .op = STORE_TICKET_SUMMARY_GET };
	str_copy(req.in.ticket.sum.day, "2026-01-01", sizeof(req.in.ticket.sum.day));
	CHECK_INT(store_run(s, &req), 0);
	CHECK(!req.found);
	CHECK_INT(req.nrows, 0);
	store_req_free(&req);
}

/* The tests go on from each other's tickets, in one store; then it is
 * reopened: the tickets are still there, and so is their state. */
static void
test_tickets(const char *dir)
{
	static store_use_fn *const tests[] = { test_alerts_open_and_dedupe,
		test_changes, test_list, test_summary };
	char path[512];
	struct store *s;

	run_on_store(dir, "t.db", 5, tests, NELEM(tests));
	if ((s = open_in(path, sizeof(path), dir, "t.db", 5)) != NULL) {
		struct store_req r = { .op = STORE_TICKET_LIST };

		CHECK_INT(store_run(s, &r), 0);
		CHECK_INT(r.nrows, 5);
		store_req_free(&r);
		store_close(s);
	}
}

int
main(void)
{
	static store_test_fn *const tests[] = { test_tickets };

	return store_tests_main("test_tickets", tests, NELEM(tests));
}
