/*
 * The SQL of repair tickets, run on the store thread: opening a ticket for an
 * alert (or adding to the unfinished one for the same problem), the changes
 * people make, the lists, and the daily summaries, each write one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "store_int.h"

#define tk_prepare(s, req, sql, st)	store_sql_prepare((s), (req), (sql), (st), "tickets")
#define tk_done(s, req, st, what)	store_sql_done((s), (req), (st), (what))
#define tk_bind(st, i, v, size)		store_bind_text((st), (i), (v), (size))
#define TK_BIND(st, i, field)		STORE_BIND_TEXT(st, i, field)

#define TICKET_LIST_MAX		1000	/* rows one list returns at most */
#define MS_PER_DAY		86400000LL

static const struct store_table t_tickets = STORE_TABLE("tickets", ticket_rec,
	COL_ROWID(ticket_rec, id), COL(ticket_rec, opened_ms),
	COL(ticket_rec, updated_ms), COL_REF(ticket_rec, closed_ms),
	COL_REF(ticket_rec, alert_id), COL(ticket_rec, source),
	COL(ticket_rec, kind), COL(ticket_rec, title), COL(ticket_rec, urgency),
	COL(ticket_rec, state), COL(ticket_rec, opened_by));

static const struct store_table t_notes =
    STORE_TABLE("ticket_notes", ticket_note,
	COL_ROWID(ticket_note, id), COL(ticket_note, ticket),
	COL(ticket_note, ts_ms), COL(ticket_note, actor),
	COL(ticket_note, action), COL(ticket_note, text));

static const struct store_table t_summaries =
    STORE_TABLE("ticket_summaries", ticket_summary,
	COL_ROWID(ticket_summary, id), COL(ticket_summary, day),
	COL(ticket_summary, made_ms), COL(ticket_summary, since_ms),
	COL(ticket_summary, late), COL(ticket_summary, nopen),
	COL(ticket_summary, nurgent), COL(ticket_summary, nopened),
	COL(ticket_summary, nclosed));

/* A summary's line: the ticket (its id as "ticket") as it was then. */
#define ITEM_COL(f)	COL_AS(ticket_item, t.f, #f)
static const struct store_table t_items =
    STORE_TABLE("ticket_summary_items", ticket_item,
	COL(ticket_item, section), COL(ticket_item, age_days),
	COL_AS(ticket_item, t.id, "ticket"), ITEM_COL(opened_ms),
	ITEM_COL(closed_ms), ITEM_COL(source), ITEM_COL(kind), ITEM_COL(title),
	ITEM_COL(urgency), ITEM_COL(state));

/* The ticket st selects, if any, into out; finalizes st. 1 found, 0 none,
 * -1 failed. */
static int
tk_read_one(struct store *s, struct store_req *req, sqlite3_stmt *st,
    struct ticket_rec *out, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		store_read_rec(st, &t_tickets, out);
	else if (rc != SQLITE_DONE)
		store_sqlerr(s, req->error, sizeof(req->error), what);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* The ticket with this id: 1 found, 0 none, -1 failed. */
static int
tk_get(struct store *s, struct store_req *req, int64_t id,
    struct ticket_rec *out)
{
	sqlite3_stmt *st;

	if (store_select_prepare(s, req, &t_tickets, "WHERE id = ?", &st,
	    "tickets") == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return tk_read_one(s, req, st, out, "reading ticket");
}

/* The unfinished ticket for source and kind: 1 found, 0 none, -1 failed. */
static int
tk_find_unfinished(struct store *s, struct store_req *req, const char *source,
    const char *kind, struct ticket_rec *out)
{
	sqlite3_stmt *st;

	if (store_select_prepare(s, req, &t_tickets, "WHERE source = ? AND "
	    "kind = ? AND state <> 'done' ORDER BY id DESC LIMIT 1", &st,
	    "tickets") == -1)
		return -1;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
	return tk_read_one(s, req, st, out, "finding ticket");
}

/* One note on ticket id, which is updated by it. */
static int
tk_note(struct store *s, struct store_req *req, int64_t id, int64_t ts,
    const char *actor, const char *action, const char *text)
{
	sqlite3_stmt *st;

	if (tk_prepare(s, req, "INSERT INTO ticket_notes (ticket, ts_ms, actor,"
	    " action, text) VALUES (?, ?, ?, ?, ?)", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, ts);
	sqlite3_bind_text(st, 3, actor[0] != '\0' ? actor : "lobbyd", -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, action, -1, SQLITE_TRANSIENT);
	tk_bind(st, 5, text, TICKET_TEXT_MAX);
	if (tk_done(s, req, st, "writing ticket note") == -1)
		return -1;
	if (tk_prepare(s, req, "UPDATE tickets SET updated_ms = ? WHERE id = ?",
	    &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, ts);
	sqlite3_bind_int64(st, 2, id);
	return tk_done(s, req, st, "updating ticket");
}

/* A new open ticket from in.ticket.rec, with its "opened" note. */
static int
tk_insert(struct store *s, struct store_req *req, const char *by)
{
	struct ticket_in *tk = &req->in.ticket;
	struct ticket_rec *t = &tk->rec;
	sqlite3_stmt *st;

	if (tk_prepare(s, req, "INSERT INTO tickets (opened_ms, updated_ms, "
	    "alert_id, source, kind, title, urgency, state, opened_by) "
	    "VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7)", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, tk->ts_ms);
	if (t->alert_id != 0)
		sqlite3_bind_int64(st, 2, t->alert_id);
	TK_BIND(st, 3, t->source);
	TK_BIND(st, 4, t->kind);
	TK_BIND(st, 5, t->title);
	TK_BIND(st, 6, t->urgency);
	sqlite3_bind_text(st, 7, by, -1, SQLITE_TRANSIENT);
	if (tk_done(s, req, st, "opening ticket") == -1)
		return -1;
	req->id = sqlite3_last_insert_rowid(s->db);
	return tk_note(s, req, req->id, tk->ts_ms, by, "opened", t->title);
}

/* An alert for engineering: a new ticket, or a note on the unfinished one. */
static int
tk_alert(struct store *s, struct store_req *req)
{
	struct ticket_in *tk = &req->in.ticket;
	struct ticket_rec old;
	sqlite3_stmt *st;
	int n;

	if ((n = tk_find_unfinished(s, req, tk->rec.source, tk->rec.kind,
	    &old)) == -1)
		return -1;
	if (n == 0)
		return tk_insert(s, req, "lobbyd");
	req->found = true;
	req->id = old.id;
	if (tk_note(s, req, old.id, tk->ts_ms, "lobbyd", "raised_again",
	    tk->rec.title) == -1)
		return -1;
	if (strcmp(tk->rec.urgency, "urgent") != 0 ||
	    strcmp(old.urgency, "urgent") == 0)
		return 0;
	/* The same problem, worse this time: the ticket becomes urgent. */
	if (tk_prepare(s, req, "UPDATE tickets SET urgency = 'urgent' "
	    "WHERE id = ?", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, old.id);
	return tk_done(s, req, st, "updating ticket");
}

static int
tk_cleared(struct store *s, struct store_req *req)
{
	struct ticket_in *tk = &req->in.ticket;
	struct ticket_rec old;
	int n;

	if ((n = tk_find_unfinished(s, req, tk->rec.source, tk->rec.kind,
	    &old)) <= 0)
		return n;
	req->found = true;
	req->id = old.id;
	return tk_note(s, req, old.id, tk->ts_ms, "lobbyd", "cleared",
	    "condition cleared");
}

/* start, note, done: what a person does to a ticket. */
static int
tk_update(struct store *s, struct store_req *req)
{
	struct ticket_in *tk = &req->in.ticket;
	struct ticket_rec *t = &tk->rec;
	const char *state, *action;
	sqlite3_stmt *st;
	int n;

	if ((n = tk_get(s, req, tk->id, t)) == -1)
		return -1;
	if (n == 0) {
		tk->result = TICKET_NONE;
		return 0;
	}
	req->found = true;
	state = t->state;
	if (strcmp(tk->action, "start") == 0) {
		if (strcmp(t->state, "open") != 0) {
			tk->result = TICKET_ILLEGAL;
			return 0;
		}
		state = "in_progress";
		action = "started";
	} else if (strcmp(tk->action, "done") == 0) {
		if (strcmp(t->state, "done") == 0) {
			tk->result = TICKET_ILLEGAL;
			return 0;
		}
		state = "done";
		action = "done";
	} else if (strcmp(tk->action, "note") == 0) {
		action = "note";
	} else {
		snprintf(req->error, sizeof(req->error), "%s: ticket %lld: "
		    "unknown change \"%.16s\"", s->path, (long long)tk->id,
		    tk->action);
		return -1;
	}
	if (strcmp(state, t->state) != 0) {
		if (tk_prepare(s, req, "UPDATE tickets SET state = ?, closed_ms = ?"
		    " WHERE id = ?", &st) == -1)
			return -1;
		sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
		if (strcmp(state, "done") == 0)
			sqlite3_bind_int64(st, 2, tk->ts_ms);
		sqlite3_bind_int64(st, 3, tk->id);
		if (tk_done(s, req, st, "updating ticket") == -1)
			return -1;
	}
	tk->result = TICKET_OK;
	req->id = tk->id;
	return tk_note(s, req, tk->id, tk->ts_ms, tk->actor, action, tk->text);
}

static int
tk_list(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;

	/* Unfinished first, urgent before normal, the oldest first; finished
	 * ones after, the latest closed first. */
	if (store_select_prepare(s, req, &t_tickets, "WHERE ?1 OR state <> 'done'"
	    " ORDER BY state = 'done', urgency = 'urgent' DESC,"
	    " CASE WHEN state = 'done' THEN -closed_ms ELSE opened_ms END, id"
	    " LIMIT ?2", &st, "tickets") == -1)
		return -1;
	sqlite3_bind_int(st, 1, req->in.ticket.all ? 1 : 0);
	sqlite3_bind_int(st, 2, TICKET_LIST_MAX);
	return store_select_once(s, req, st, &t_tickets);
}

/* The ticket in rec, its notes in rows. */
static int
tk_show(struct store *s, struct store_req *req)
{
	int n;

	if ((n = tk_get(s, req, req->in.ticket.id, &req->in.ticket.rec)) <= 0)
		return n;
	req->found = true;
	return store_select_key(s, req, &t_notes, "WHERE ticket = ? ORDER BY id",
	    req->in.ticket.id, "tickets");
}

/* The summary for in.ticket.sum.day ("": the latest) and its lines:
 * 1 found, 0 none, -1 failed. */
static int
tk_summary_read(struct store *s, struct store_req *req)
{
	struct ticket_summary *sum = &req->in.ticket.sum;
	sqlite3_stmt *st;
	int rc;

	if (store_select_prepare(s, req, &t_summaries, "WHERE ?1 IS NULL OR "
	    "day = ?1 ORDER BY day DESC, id DESC LIMIT 1", &st, "tickets") == -1)
		return -1;
	TK_BIND(st, 1, sum->day);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		store_read_rec(st, &t_summaries, sum);
	else if (rc != SQLITE_DONE)
		store_sqlerr(s, req->error, sizeof(req->error), "reading summary");
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : -1;

	return store_select_key(s, req, &t_items, "WHERE summary = ? ORDER BY "
	    "rowid", sum->id, "tickets") == 0 ? 1 : -1;
}

/*
 * The day's summary: the tickets still unfinished, and those opened and
 * closed since the summary before, as they are now. One per day: a second
 * one for a day that has one (a clock set back) makes nothing.
 */
static int
tk_summary_make(struct store *s, struct store_req *req)
{
	/* Each section: its name, which tickets, in what order. */
	static const char *const sections[][3] = {
		{ "open", "state <> 'done'", "urgency = 'urgent' DESC, opened_ms, id" },
		{ "opened", "opened_ms > ?3 AND opened_ms <= ?2", "opened_ms, id" },
		{ "closed", "state = 'done' AND closed_ms > ?3 AND closed_ms <= ?2",
		    "closed_ms, id" },
	};
	struct ticket_summary *sum = &req->in.ticket.sum;
	sqlite3_stmt *st;
	int64_t since = 0, sid;
	char sql[512];
	int rc;

	if (tk_prepare(s, req, "SELECT (SELECT count(*) FROM ticket_summaries"
	    " WHERE day = ?), (SELECT coalesce(max(made_ms), 0) FROM"
	    " ticket_summaries)", &st) == -1)
		return -1;
	TK_BIND(st, 1, sum->day);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		req->found = sqlite3_column_int(st, 0) > 0;
		since = sqlite3_column_int64(st, 1);
	} else
		store_sqlerr(s, req->error, sizeof(req->error), "reading summaries");
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return -1;
	if (req->found)
		return 0;

	if (tk_prepare(s, req, "INSERT INTO ticket_summaries (day, made_ms,"
	    " since_ms, late) VALUES (?, ?, ?, ?)", &st) == -1)
		return -1;
	TK_BIND(st, 1, sum->day);
	sqlite3_bind_int64(st, 2, sum->made_ms);
	sqlite3_bind_int64(st, 3, since);
	sqlite3_bind_int(st, 4, sum->late ? 1 : 0);
	if (tk_done(s, req, st, "writing summary") == -1)
		return -1;
	sid = sqlite3_last_insert_rowid(s->db);

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO ticket_summary_items"
		    " (summary, section, age_days, ticket, opened_ms, closed_ms,"
		    " source, kind, title, urgency, state) SELECT ?1, '%s',"
		    " max(0, (?2 - opened_ms) / %lld), id, opened_ms, closed_ms,"
		    " source, kind, title, urgency, state FROM tickets WHERE %s"
		    " ORDER BY %s", sections[i][0], MS_PER_DAY, sections[i][1],
		    sections[i][2]);
		if (tk_prepare(s, req, sql, &st) == -1)
			return -1;
		sqlite3_bind_int64(st, 1, sid);
		sqlite3_bind_int64(st, 2, sum->made_ms);
		if (i > 0)
			sqlite3_bind_int64(st, 3, since);
		if (tk_done(s, req, st, "writing summary") == -1)
			return -1;
	}
	if (tk_prepare(s, req, "UPDATE ticket_summaries SET"
	    " nopen = (SELECT count(*) FROM ticket_summary_items"
	    "  WHERE summary = ?1 AND section = 'open'),"
	    " nurgent = (SELECT count(*) FROM ticket_summary_items"
	    "  WHERE summary = ?1 AND section = 'open' AND urgency = 'urgent'),"
	    " nopened = (SELECT count(*) FROM ticket_summary_items"
	    "  WHERE summary = ?1 AND section = 'opened'),"
	    " nclosed = (SELECT count(*) FROM ticket_summary_items"
	    "  WHERE summary = ?1 AND section = 'closed')"
	    " WHERE id = ?1", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, sid);
	if (tk_done(s, req, st, "writing summary") == -1)
		return -1;
	req->id = sid;
	return 0;
}

static bool
tk_op_writes(enum store_op op)
{
	return op == STORE_TICKET_ALERT || op == STORE_TICKET_CLEARED ||
	    op == STORE_TICKET_OPEN || op == STORE_TICKET_UPDATE ||
	    op == STORE_TICKET_SUMMARY_MAKE;
}

/* Carries out one ticket request; 0, or -1 with req->error set. */
int
store_ticket_do(struct store *s, struct store_req *req)
{
	struct ticket_in *tk = &req->in.ticket;
	int rc = -1;

	if (tk_op_writes(req->op) &&
	    store_begin(s, req->error, sizeof(req->error)) == -1)
		return -1;
	switch (req->op) {
	case STORE_TICKET_ALERT:
		rc = tk_alert(s, req);
		break;
	case STORE_TICKET_CLEARED:
		rc = tk_cleared(s, req);
		break;
	case STORE_TICKET_OPEN:
		str_copy(tk->rec.kind, "manual", sizeof(tk->rec.kind));
		rc = tk_insert(s, req, tk->actor);
		break;
	case STORE_TICKET_UPDATE:
		rc = tk_update(s, req);
		break;
	case STORE_TICKET_LIST:
		return tk_list(s, req);
	case STORE_TICKET_GET:
		return tk_show(s, req) < 0 ? -1 : 0;
	case STORE_TICKET_SUMMARY_MAKE:
		rc = tk_summary_make(s, req);
		break;
	case STORE_TICKET_SUMMARY_GET:
		if ((rc = tk_summary_read(s, req)) < 0)
			return -1;
		req->found = rc == 1;
		return 0;
	default:
		snprintf(req->error, sizeof(req->error),
		    "%s: not a ticket request %d", s->path, (int)req->op);
		return -1;
	}
	if (rc == -1) {
		store_rollback(s);
		return -1;
	}
	if (store_commit(s, req->error, sizeof(req->error)) == -1)
		return -1;

	/* What the ticket, or the summary, looks like now it is committed. */
	if (req->op == STORE_TICKET_SUMMARY_MAKE)
		return tk_summary_read(s, req) < 0 ? -1 : 0;
	if (req->id > 0 && tk_get(s, req, req->id, &tk->rec) == -1)
		return -1;
	return 0;
}
