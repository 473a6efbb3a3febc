/*
 * Repair tickets for engineering: an alert for engineering opens one (or adds
 * to the unfinished one for the same problem), its clearing adds a note, and
 * once a day, at tickets.summary_at local time, the summary of what is open.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "../common/util.h"

#define SUMMARY_LATE_MS		60000	/* made later than this after its time: late */
#define SUMMARY_RETRY_NS	(60 * 1000 * NS_PER_MS)	/* after a failed attempt */
#define CLOCK_LOOK_NS		(1000 * NS_PER_MS)	/* the wall clock is read this often */

/* The daily summary's schedule. */
struct ticket_sched {
	char	last_day[12];	/* day of the latest summary; "" none */
	bool	busy;		/* a summary is being made */
	bool	started;	/* the check at start is done */
	int64_t	next_ns;	/* when to look at the clock again */
	int64_t	retry_ns;	/* no attempt before this, after a failure */
};

/* ---- tickets from alerts ----------------------------------------------- */

/* A ticket's change in the event log, for the front desk's feed. */
void
ticket_event(struct engine *e, const char *kind, const struct ticket_rec *t,
    const char *actor, const char *what)
{
	struct ev_rec ev;

	engine_ev_init(&ev, kind);
	engine_ev_source(e, &ev, t->source);
	str_copy(ev.actor, actor, sizeof(ev.actor));
	/* The title is cut to fit: the ticket itself has all of it. */
	snprintf(ev.detail, sizeof(ev.detail), "ticket %" PRId64 " (%s) %s: %.80s",
	    t->id, t->urgency, what, t->title);
	engine_event(e, &ev);
}

static void
ticket_alert_done(struct store_req *req, void *arg)
{
	struct engine *e = arg;
	const struct ticket_rec *t = &req->in.ticket.rec;

	if (req->status != 0) {
		/* The alert itself is stored and shown; only the ticket is missing. */
		log_err("%s: %s alert: no repair ticket recorded: %s", t->source,
		    t->kind, req->error);
	} else if (req->op == STORE_TICKET_CLEARED) {
		if (req->found)
			log_info("%s: ticket %" PRId64 ": %s condition cleared; "
			    "open until marked done", t->source, t->id, t->kind);
	} else if (req->found) {
		log_info("%s: ticket %" PRId64 ": %s raised again", t->source,
		    t->id, t->kind);
	} else {
		log_notice("%s: ticket %" PRId64 " opened (%s): %s", t->source,
		    t->id, t->urgency, t->title);
		ticket_event(e, "ticket_opened", t, "", "opened");
	}
	store_req_free(req);
	free(req);
}

static struct store_req *
ticket_req(struct engine *e, enum store_op op, const char *source,
    const char *kind)
{
	struct store_req *req = calloc(1, sizeof(*req));

	if (req == NULL) {
		log_err("%s: %s alert: no repair ticket recorded: out of memory",
		    source, kind);
		return NULL;
	}
	req->op = op;
	str_copy(req->in.ticket.rec.source, source, sizeof(req->in.ticket.rec.source));
	str_copy(req->in.ticket.rec.kind, kind, sizeof(req->in.ticket.rec.kind));
	req->done = ticket_alert_done;
	req->arg = e;
	return req;
}

void
ticket_alert_stored(struct engine *e, const struct alert_rec *a)
{
	struct store_req *req;
	struct ticket_rec *t;
	int sev = alert_severity_parse(a->severity);

	if (!(alert_audience_parse(a->audience) & AUD_ENGINEERING))
		return;
	if ((req = ticket_req(e, STORE_TICKET_ALERT, a->source, a->kind)) == NULL)
		return;
	t = &req->in.ticket.rec;
	if (a->message[0] != '\0')
		str_copy(t->title, a->message, sizeof(t->title));
	else
		snprintf(t->title, sizeof(t->title), "%s: %s", a->source, a->kind);
	str_copy(t->urgency, sev >= SEV_URGENT ? "urgent" : "normal",
	    sizeof(t->urgency));
	t->alert_id = a->id;
	req->in.ticket.ts_ms = a->raised_ms != 0 ? a->raised_ms : real_ms();
	store_submit(e->store, req);
}

void
ticket_alert_cleared(struct engine *e, const struct alert_rec *a)
{
	struct store_req *req;

	/* Only a ticket that exists for it takes the note: the store looks. */
	if ((req = ticket_req(e, STORE_TICKET_CLEARED, a->source, a->kind)) == NULL)
		return;
	req->in.ticket.ts_ms = a->cleared_ms != 0 ? a->cleared_ms : real_ms();
	store_submit(e->store, req);
}

/* ---- the daily summary --------------------------------------------------- */

/* Local "YYYY-MM-DD" of tm. */
static void
day_str(const struct tm *tm, char *buf, size_t len)
{
	if (strftime(buf, len, "%Y-%m-%d", tm) == 0)
		str_copy(buf, "", len);
}

static void
summary_done(struct store_req *req, void *arg)
{
	struct engine *e = arg;
	struct ticket_sched *ts = e->tickets;
	const struct ticket_summary *sum = &req->in.ticket.sum;
	const struct ticket_item *it = req->rows;
	struct ev_rec ev;

	if (ts != NULL)
		ts->busy = false;
	if (req->status != 0) {
		log_err("tickets: daily summary for %s not made: %s; trying again "
		    "in a minute", sum->day, req->error);
		if (ts != NULL)
			ts->retry_ns = mono_ns() + SUMMARY_RETRY_NS;
		goto out;
	}
	if (ts != NULL && strcmp(sum->day, ts->last_day) > 0)
		str_copy(ts->last_day, sum->day, sizeof(ts->last_day));
	if (req->found) {
		log_info("tickets: the summary for %s was made already", sum->day);
		goto out;
	}
	log_notice("tickets: daily summary for %s%s: %d open (%d urgent), "
	    "%d opened and %d closed since the summary before", sum->day,
	    sum->late ? " (late: lobbyd was not running at its time)" : "",
	    sum->nopen, sum->nurgent, sum->nopened, sum->nclosed);
	/* One line per ticket: the unfinished ones, then those closed. */
	for (size_t i = 0; i < req->nrows; i++) {
		const struct ticket_rec *t = &it[i].t;

		if (strcmp(it[i].section, "open") == 0)
			log_notice("tickets: %s: ticket %" PRId64 " %s, %s, %d "
			    "day%s old%s: %s: %s", sum->day, t->id, t->urgency,
			    t->state, it[i].age_days, it[i].age_days == 1 ? "" : "s",
			    t->opened_ms > sum->since_ms ? " (new)" : "",
			    t->source, t->title);
		else if (strcmp(it[i].section, "closed") == 0)
			log_notice("tickets: %s: ticket %" PRId64 " %s, done: %s: %s",
			    sum->day, t->id, t->urgency, t->source, t->title);
	}
	engine_ev_init(&ev, "ticket_summary");
	snprintf(ev.detail, sizeof(ev.detail), "daily summary %s%s: %d open (%d "
	    "urgent), %d opened, %d closed", sum->day, sum->late ? " (late)" : "",
	    sum->nopen, sum->nurgent, sum->nopened, sum->nclosed);
	engine_event(e, &ev);
out:
	store_req_free(req);
	free(req);
}

static void
summary_make(struct engine *e, const char *day, bool late, int64_t now_ms)
{
	struct store_req *req = calloc(1, sizeof(*req));

	if (req == NULL) {
		log_err("tickets: daily summary for %s not made: out of memory", day);
		e->tickets->retry_ns = mono_ns() + SUMMARY_RETRY_NS;
		return;
	}
	req->op = STORE_TICKET_SUMMARY_MAKE;
	str_copy(req->in.ticket.sum.day, day, sizeof(req->in.ticket.sum.day));
	req->in.ticket.sum.made_ms = now_ms;
	req->in.ticket.sum.late = late;
	req->done = summary_done;
	req->arg = e;
	e->tickets->busy = true;
	store_submit(e->store, req);
}

/*
 * Reads the wall clock in local time: when the summary time has come today
 * and today has no summary yet, one is made. At start the latest summary day
 * that has passed is made if it was missed (once; late if its time is more
 * than a minute ago), unless the database never had a summary. Days only move forward: a clock set back, or jumping,
 * never makes a second summary for a day (the store refuses one too).
 */
void
ticket_tick(struct engine *e, int64_t now_ns)
{
	struct ticket_sched *ts = e->tickets;
	int at = e->site->ticket_summary_s;
	int64_t now_ms, due_ms, left_ms;
	char today[12], yesterday[12];
	struct tm tm, ytm;
	time_t t;
	int sod;

	if (ts == NULL || now_ns < ts->next_ns)
		return;
	ts->next_ns = now_ns + CLOCK_LOOK_NS;
	now_ms = real_ms();
	t = (time_t)(now_ms / 1000);
	if (localtime_r(&t, &tm) == NULL)
		return;
	day_str(&tm, today, sizeof(today));
	sod = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	ytm = tm;
	ytm.tm_mday--;
	ytm.tm_hour = 12;		/* clear of daylight-saving changes */
	ytm.tm_isdst = -1;
	t = mktime(&ytm);
	if (t == (time_t)-1 || localtime_r(&t, &ytm) == NULL)
		return;
	day_str(&ytm, yesterday, sizeof(yesterday));

	/* Wake at the summary time itself, not up to a second after it. */
	left_ms = (int64_t)(at - sod) * 1000 - now_ms % 1000;
	if (left_ms > 0 && left_ms * NS_PER_MS < CLOCK_LOOK_NS)
		ts->next_ns = now_ns + left_ms * NS_PER_MS;

	if (ts->busy || now_ns < ts->retry_ns || today[0] == '\0')
		return;
	if (!ts->started) {
		const char *due = sod >= at ? today : yesterday;

		ts->started = true;
		/* A database that never had a summary has missed none: the
		 * first is made at the next summary time. */
		if (ts->last_day[0] == '\0') {
			if (sod >= at)
				str_copy(ts->last_day, today, sizeof(ts->last_day));
			return;
		}
		/* A missed day is made up once. */
		if (strcmp(due, ts->last_day) > 0) {
			due_ms = now_ms - (int64_t)(sod - at) * 1000 -
			    (due == today ? 0 : 86400000LL);
			summary_make(e, due, now_ms - due_ms > SUMMARY_LATE_MS,
			    now_ms);
		}
		return;
	}
	if (sod >= at && strcmp(today, ts->last_day) > 0)
		summary_make(e, today, false, now_ms);
}

int64_t
ticket_next_deadline(const struct engine *e)
{
	return e->tickets != NULL ? e->tickets->next_ns : INT64_MAX;
}

int
ticket_init(struct engine *e)
{
	struct store_req req = { .op = STORE_TICKET_SUMMARY_GET };
	struct ticket_sched *ts = calloc(1, sizeof(*ts));

	if (ts == NULL) {
		log_err("tickets: out of memory");
		return -1;
	}
	if (store_run(e->store, &req) < 0)
		/* The store's one-per-day rule still holds: go on. */
		log_err("tickets: reading the latest summary: %s", req.error);
	else if (req.found)
		str_copy(ts->last_day, req.in.ticket.sum.day, sizeof(ts->last_day));
	store_req_free(&req);
	e->tickets = ts;
	return 0;
}

void
ticket_free(struct engine *e)
{
	free(e->tickets);
	e->tickets = NULL;
}
