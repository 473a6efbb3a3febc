/*
 * The SQL of the store's operations, run on the store thread: the connection's
 * settings, the prepared statements, and the records of events, cards,
 * alerts and the fire mode, described column by column (db/columns.c).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/util.h"
#include "store_int.h"

#define STORE_BUSY_MS		1000	/* waiting for another process's lock */
#define STORE_ALERT_MAX		1000	/* rows one alert list returns at most */

/* kind is NOT NULL: an event without one is refused. */
const struct store_table store_t_events = STORE_TABLE("events", ev_rec,
	COL_ROWID(ev_rec, id), COL(ev_rec, ts_ms), COL(ev_rec, kind),
	COL(ev_rec, lane), COL(ev_rec, device), COL(ev_rec, direction),
	COL(ev_rec, credential), COL(ev_rec, decision), COL(ev_rec, reason),
	COL(ev_rec, actor), COL(ev_rec, detail), COL_REF(ev_rec, person));

const struct store_table store_t_cards = STORE_TABLE("cards", card_rec,
	COL(card_rec, uid), COL(card_rec, holder), COL(card_rec, enabled),
	COL(card_rec, valid_from_ms), COL(card_rec, valid_until_ms),
	COL(card_rec, created_by), COL(card_rec, created_ms),
	COL(card_rec, floors));

static const struct store_table t_alerts = STORE_TABLE("alerts", alert_rec,
	COL_ROWID(alert_rec, id), COL(alert_rec, raised_ms),
	COL_REF(alert_rec, cleared_ms), COL(alert_rec, source),
	COL(alert_rec, kind), COL(alert_rec, severity), COL(alert_rec, message),
	COL(alert_rec, audience), COL_REF(alert_rec, acked_ms),
	COL(alert_rec, acked_by), COL(alert_rec, ack_note),
	COL_REF(alert_rec, escalated_ms));

/* The one row of fire_mode, its id 1. */
static const struct store_table t_fire = STORE_TABLE("fire_mode", fire_rec,
	COL(fire_rec, active), COL(fire_rec, since_ms), COL(fire_rec, source),
	COL_REF(fire_rec, ended_ms), COL(fire_rec, reset_by));

static const char *const store_sql[STORE_ST_N] = {
	[STORE_ST_BEGIN] = "BEGIN IMMEDIATE",
	[STORE_ST_COMMIT] = "COMMIT",
	[STORE_ST_ROLLBACK] = "ROLLBACK",
	[STORE_ST_CARD_DEL] = "DELETE FROM cards WHERE uid = ?",
	/* A find's read (STORE_CARD_SCAN): the index alone (schema step 12). */
	[STORE_ST_CARD_SCAN] = "SELECT uid, holder FROM cards INDEXED BY "
	    "cards_uid_holder WHERE uid > ?1 ORDER BY uid",
	[STORE_ST_ALERT_RAISE] = "INSERT INTO alerts (raised_ms, cleared_ms, "
	    "source, kind, severity, message, audience) VALUES (?, ?, ?, ?, ?, ?, ?)",
	[STORE_ST_ALERT_CLEAR] = "UPDATE alerts SET cleared_ms = ?2 "
	    "WHERE id = ?1 AND (cleared_ms IS NULL OR cleared_ms = 0)",
	/* fire_cols after the id, which is always 1. */
	[STORE_ST_FIRE_PUT] = "INSERT OR REPLACE INTO fire_mode (id, active, "
	    "since_ms, source, ended_ms, reset_by) VALUES (1, ?, ?, ?, ?, ?)",
	[STORE_ST_ALERT_ACK] = "UPDATE alerts SET acked_ms = ?2, acked_by = ?3, "
	    "ack_note = ?4 WHERE id = ?1 AND (cleared_ms IS NULL OR "
	    "cleared_ms = 0) AND (acked_ms IS NULL OR acked_ms = 0)",
	[STORE_ST_ALERT_ESCALATE] = "UPDATE alerts SET escalated_ms = ?2, "
	    "audience = ?3 WHERE id = ?1 AND (escalated_ms IS NULL OR "
	    "escalated_ms = 0)",
};

/* The other statements, made from a record's columns: an insert of every
 * column it writes, or a select of every column and what follows. */
static const struct {
	const struct store_table *t;
	const char	*insert;	/* "INSERT", "INSERT OR REPLACE"; NULL: a select */
	const char	*tail;
} store_rec_sql[STORE_ST_N] = {
	[STORE_ST_EV_INSERT] = { &store_t_events, "INSERT", NULL },
	[STORE_ST_CARD_PUT] = { &store_t_cards, "INSERT OR REPLACE", NULL },
	[STORE_ST_CARD_ADD] = { &store_t_cards, "INSERT OR IGNORE", NULL },
	[STORE_ST_CARD_LIST] = { &store_t_cards, NULL, "ORDER BY uid" },
	[STORE_ST_CARD_PAGE] = { &store_t_cards, NULL,
	    "WHERE uid > ?1 ORDER BY uid LIMIT ?2" },
	[STORE_ST_CARD_GET] = { &store_t_cards, NULL, "WHERE uid = ?1" },
	/* The newest ?1, oldest first. */
	[STORE_ST_ALERT_ACTIVE] = { &t_alerts, NULL, "WHERE id IN (SELECT id "
	    "FROM alerts WHERE cleared_ms IS NULL OR cleared_ms = 0 "
	    "ORDER BY id DESC LIMIT ?1) ORDER BY id" },
	[STORE_ST_ALERT_ALL] = { &t_alerts, NULL, "WHERE id IN (SELECT id "
	    "FROM alerts ORDER BY id DESC LIMIT ?1) ORDER BY id" },
	[STORE_ST_ALERT_PAGE] = { &t_alerts, NULL,
	    "WHERE id > ?1 ORDER BY id LIMIT ?2" },
	[STORE_ST_ALERT_GET] = { &t_alerts, NULL, "WHERE id = ?1" },
	[STORE_ST_FIRE_GET] = { &t_fire, NULL, "WHERE id = 1" },
};

int
store_sql_prepare(struct store *s, struct store_req *req, const char *sql,
    sqlite3_stmt **st, const char *what)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) == SQLITE_OK)
		return 0;
	store_sqlerr(s, req->error, sizeof(req->error), what);
	sqlite3_finalize(*st);
	*st = NULL;
	return -1;
}

int
store_sql_end(struct store *s, struct store_req *req, sqlite3_stmt *st,
    int rc, const char *what)
{
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	store_sqlerr(s, req->error, sizeof(req->error), what);
	return -1;
}

int
store_sql_done(struct store *s, struct store_req *req, sqlite3_stmt *st,
    const char *what)
{
	return store_sql_end(s, req, st, sqlite3_step(st), what);
}

int
store_sql_commit(struct store *s, struct store_req *req, sqlite3_stmt *st,
    const char *what)
{
	if (store_begin(s, req->error, sizeof(req->error)) == -1) {
		sqlite3_finalize(st);
		return -1;
	}
	if (store_sql_done(s, req, st, what) == -1) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, req->error, sizeof(req->error));
}

/* Records why a statement failed, file first. */
void
store_sqlerr(struct store *s, char *buf, size_t len, const char *what)
{
	s->last_err = sqlite3_errcode(s->db);
	snprintf(buf, len, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static int
store_step1(struct store *s, int which)
{
	sqlite3_stmt *st = s->st[which];
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_begin(struct store *s, char *err, size_t errlen)
{
	if (store_step1(s, STORE_ST_BEGIN) == 0)
		return 0;
	store_sqlerr(s, err, errlen, "begin");
	return -1;
}

/* Commits, or rolls back and says why. */
int
store_commit(struct store *s, char *err, size_t errlen)
{
	if (store_step1(s, STORE_ST_COMMIT) == 0)
		return 0;
	store_sqlerr(s, err, errlen, "commit");
	if (!sqlite3_get_autocommit(s->db))
		store_step1(s, STORE_ST_ROLLBACK);
	return -1;
}

void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		store_step1(s, STORE_ST_ROLLBACK);
}

int
store_in_tx(struct store *s, struct store_req *req,
    int (*write)(struct store *, struct store_req *))
{
	if (store_begin(s, req->error, sizeof(req->error)) == -1)
		return -1;
	if (write(s, req) == -1) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, req->error, sizeof(req->error));
}

int
store_not_a_write(struct store *s, struct store_req *req, const char *what,
    int action)
{
	snprintf(req->error, sizeof(req->error), "%s: %s action %d is not a write",
	    s->path, what, action);
	return -1;
}

int
store_insert_event(struct store *s, struct ev_rec *ev)
{
	sqlite3_stmt *st = s->st[STORE_ST_EV_INSERT];
	int rc;

	store_bind_rec(st, &store_t_events, ev);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return -1;
	ev->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Runs one statement of a write request inside its own transaction. */
static int
store_write1(struct store *s, struct store_req *req, int which,
    const char *what)
{
	sqlite3_stmt *st = s->st[which];
	int rc;

	if (store_begin(s, req->error, sizeof(req->error)) == -1) {
		sqlite3_clear_bindings(st);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		store_sqlerr(s, req->error, sizeof(req->error), what);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		store_rollback(s);
		return -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	req->id = sqlite3_last_insert_rowid(s->db);
	req->found = sqlite3_changes(s->db) > 0;
	return store_commit(s, req->error, sizeof(req->error));
}

/* The alert in.alert.id as it is now, into out.rows (none if no such id):
 * what a change to one alert hands back. A read that fails fails the
 * request, with out.found still saying whether the change was committed. */
static int
store_alert_get(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st = s->st[STORE_ST_ALERT_GET];

	sqlite3_bind_int64(st, 1, req->in.alert.id);
	return store_select(s, req, st, &t_alerts);
}

static int
card_write(struct store *s, struct store_req *req, int which)
{
	int rc;

	if (strnlen(req->in.card.uid, sizeof(req->in.card.uid)) == 0) {
		snprintf(req->error, sizeof(req->error),
		    "%s: card with an empty uid", s->path);
		return -1;
	}
	store_bind_rec(s->st[which], &store_t_cards, &req->in.card);
	rc = store_write1(s, req, which, "writing card");
	req->id = 0;
	return rc;
}

static int
card_put(struct store *s, struct store_req *req)
{
	return card_write(s, req, STORE_ST_CARD_PUT);
}

/* In the same transaction as the check: two adds of one uid at once never
 * have the second take the first's card over. */
static int
card_add(struct store *s, struct store_req *req)
{
	return card_write(s, req, STORE_ST_CARD_ADD);
}

static int
card_del(struct store *s, struct store_req *req)
{
	int rc;

	STORE_BIND_TEXT(s->st[STORE_ST_CARD_DEL], 1, req->in.key);
	rc = store_write1(s, req, STORE_ST_CARD_DEL, "deleting card");
	req->id = 0;
	return rc;
}

/* Does a find (folded) find this card? Its uid starts with it, or its
 * holder's name holds it (str_has_fold). */
static bool
card_found(const char *uid, const char *holder, const char *find, size_t flen)
{
	return strncasecmp(uid, find, flen) == 0 || str_has_fold(holder, find);
}

/* The card uid, read whole into a new row of req->rows: 0 or -1. */
static int
card_get(struct store *s, struct store_req *req, const char *uid, size_t *cap)
{
	sqlite3_stmt *st = s->st[STORE_ST_CARD_GET];
	void *row;
	int rc;

	sqlite3_bind_text(st, 1, uid, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((row = store_rows_push(&req->rows, &req->nrows, cap,
		    sizeof(struct card_rec))) == NULL) {
			snprintf(req->error, sizeof(req->error),
			    "%s: out of memory", s->path);
			rc = SQLITE_NOMEM;
		} else
			store_read_rec(st, &store_t_cards, row);
	} else if (rc != SQLITE_DONE)
		store_sqlerr(s, req->error, sizeof(req->error), "reading a card");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* STORE_CARD_LIST with a find: see STORE_CARD_SCAN. */
static int
card_find(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st = s->st[STORE_ST_CARD_SCAN];
	char find[sizeof(req->in.page.find)];
	size_t cap = 0, flen, limit = (size_t)req->in.page.limit;
	int rc, n = 0;

	str_fold_ascii(find, req->in.page.find, sizeof(find));
	flen = strlen(find);
	req->resume[0] = '\0';
	sqlite3_bind_text(st, 1, req->in.page.after, (int)strnlen(req->in.page.after,
	    sizeof(req->in.page.after)), SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *uid = (const char *)sqlite3_column_text(st, 0);
		const char *holder = (const char *)sqlite3_column_text(st, 1);

		if (uid == NULL)
			continue;
		if (card_found(uid, holder != NULL ? holder : "", find, flen) &&
		    card_get(s, req, uid, &cap) == -1)
			return store_rows_end(s, req, st, SQLITE_ERROR, NULL);
		if (req->nrows >= limit || ++n >= STORE_CARD_SCAN) {
			str_copy(req->resume, uid, sizeof(req->resume));
			rc = SQLITE_DONE;
			break;
		}
	}
	return store_rows_end(s, req, st, rc, "finding cards");
}

static int
card_list(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;

	if (req->in.page.find[0] != '\0' && req->in.page.limit > 0)
		return card_find(s, req);
	if (req->in.page.limit > 0) {
		st = s->st[STORE_ST_CARD_PAGE];
		/* Bound as text even when empty: "" sorts first. */
		sqlite3_bind_text(st, 1, req->in.page.after,
		    (int)strnlen(req->in.page.after,
		    sizeof(req->in.page.after)), SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 2, req->in.page.limit);
	} else
		st = s->st[STORE_ST_CARD_LIST];
	return store_select(s, req, st, &store_t_cards);
}

static int
alert_raise(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st = s->st[STORE_ST_ALERT_RAISE];
	int rc;

	sqlite3_bind_int64(st, 1, req->in.alert.raised_ms);
	if (req->in.alert.cleared_ms != 0)
		sqlite3_bind_int64(st, 2, req->in.alert.cleared_ms);
	STORE_BIND_TEXT(st, 3, req->in.alert.source);
	STORE_BIND_TEXT(st, 4, req->in.alert.kind);
	STORE_BIND_TEXT(st, 5, req->in.alert.severity);
	STORE_BIND_TEXT(st, 6, req->in.alert.message);
	STORE_BIND_TEXT(st, 7, req->in.alert.audience);
	rc = store_write1(s, req, STORE_ST_ALERT_RAISE, "raising alert");
	req->found = false;
	return rc;
}

/* A change to alert in.alert.id by statement which, its ?1 the id and ?2
 * when (0 would leave the alert as it was: a change without a time is
 * now), the rest bound by the caller; then the alert as it is now. */
static int
alert_change(struct store *s, struct store_req *req, int which, int64_t ms,
    const char *what)
{
	sqlite3_stmt *st = s->st[which];
	int rc;

	sqlite3_bind_int64(st, 1, req->in.alert.id);
	sqlite3_bind_int64(st, 2, ms != 0 ? ms : real_ms());
	rc = store_write1(s, req, which, what);
	req->id = 0;
	return rc == 0 ? store_alert_get(s, req) : -1;
}

static int
alert_clear(struct store *s, struct store_req *req)
{
	return alert_change(s, req, STORE_ST_ALERT_CLEAR,
	    req->in.alert.cleared_ms, "clearing alert");
}

static int
alert_ack(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st = s->st[STORE_ST_ALERT_ACK];

	STORE_BIND_TEXT(st, 3, req->in.alert.acked_by);
	STORE_BIND_TEXT(st, 4, req->in.alert.ack_note);
	return alert_change(s, req, STORE_ST_ALERT_ACK, req->in.alert.acked_ms,
	    "acknowledging alert");
}

static int
alert_escalate(struct store *s, struct store_req *req)
{
	STORE_BIND_TEXT(s->st[STORE_ST_ALERT_ESCALATE], 3, req->in.alert.audience);
	return alert_change(s, req, STORE_ST_ALERT_ESCALATE,
	    req->in.alert.escalated_ms, "escalating alert");
}

static int
alert_list(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st = s->st[req->in.query.all ? STORE_ST_ALERT_ALL :
	    STORE_ST_ALERT_ACTIVE];

	sqlite3_bind_int(st, 1, STORE_ALERT_MAX);
	return store_select(s, req, st, &t_alerts);
}

static int
alert_page(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st = s->st[STORE_ST_ALERT_PAGE];

	sqlite3_bind_int64(st, 1, strtoll(req->in.page.after, NULL, 10));
	sqlite3_bind_int(st, 2, req->in.page.limit);
	return store_select(s, req, st, &t_alerts);
}

static int
event_sync(struct store *s, struct store_req *req)
{
	if (store_begin(s, req->error, sizeof(req->error)) == -1)
		return -1;
	if (store_insert_event(s, &req->in.event) == -1) {
		store_sqlerr(s, req->error, sizeof(req->error), "writing event");
		store_rollback(s);
		return -1;
	}
	if (store_commit(s, req->error, sizeof(req->error)) == -1)
		return -1;
	req->id = req->in.event.id;
	return 0;
}

static int
fire_get(struct store *s, struct store_req *req)
{
	return store_select(s, req, s->st[STORE_ST_FIRE_GET], &t_fire);
}

static int
fire_put(struct store *s, struct store_req *req)
{
	const struct fire_rec *f = &req->in.fire;
	sqlite3_stmt *st = s->st[STORE_ST_FIRE_PUT];
	int rc;

	store_bind_rec(st, &t_fire, f);
	rc = store_write1(s, req, STORE_ST_FIRE_PUT, "writing the fire mode");
	req->id = 0;
	return rc;
}

/* Each request's work, by its op; 0, or -1 with req->error set. */
static int (*const store_ops[])(struct store *, struct store_req *) = {
	[STORE_CARD_PUT] = card_put,
	[STORE_CARD_ADD] = card_add,
	[STORE_CARD_DEL] = card_del,
	[STORE_CARD_LIST] = card_list,
	[STORE_ALERT_RAISE] = alert_raise,
	[STORE_ALERT_CLEAR] = alert_clear,
	[STORE_ALERT_ACK] = alert_ack,
	[STORE_ALERT_ESCALATE] = alert_escalate,
	[STORE_ALERT_GET] = store_alert_get,
	[STORE_ALERT_LIST] = alert_list,
	[STORE_ALERT_PAGE] = alert_page,
	[STORE_EVENT_SYNC] = event_sync,
	[STORE_FIRE_GET] = fire_get,
	[STORE_FIRE_PUT] = fire_put,
	/* db/events.c */
	[STORE_EVENT_QUERY] = store_event_query,
	[STORE_EXPORT_BEGIN] = store_export_begin,
	[STORE_EXPORT_DONE] = store_export_done,
	[STORE_EVENT_PURGE] = store_event_purge,
	/* db/tickets.c */
	[STORE_TICKET_ALERT] = store_ticket_do,
	[STORE_TICKET_CLEARED] = store_ticket_do,
	[STORE_TICKET_OPEN] = store_ticket_do,
	[STORE_TICKET_UPDATE] = store_ticket_do,
	[STORE_TICKET_LIST] = store_ticket_do,
	[STORE_TICKET_GET] = store_ticket_do,
	[STORE_TICKET_SUMMARY_MAKE] = store_ticket_do,
	[STORE_TICKET_SUMMARY_GET] = store_ticket_do,
	[STORE_DESK] = store_desk_do,			/* db/desk.c */
	/* db/cardimport.c */
	[STORE_CARD_STAGE] = store_card_stage,
	[STORE_CARD_STAGE_COMMIT] = store_card_stage_commit,
	[STORE_CARD_STAGE_DROP] = store_card_stage_drop,
	/* db/bookings.c */
	[STORE_BOOKING_ADD] = store_booking_add,
	[STORE_BOOKING_CANCEL] = store_booking_cancel,
	[STORE_BOOKING_LIST] = store_booking_list,
	/* db/webusers.c */
	[STORE_WEB_USER_PUT] = store_web_put,
	[STORE_WEB_LOGIN] = store_web_login,
	/* db/notices.c */
	[STORE_NOTICE_PUT] = store_notice_put,
	[STORE_TOKEN_PUT] = store_token_put,
	[STORE_NOTICE_LOAD] = store_notice_load,
	[STORE_TOKEN_LOAD] = store_token_load,
	[STORE_TENANT] = store_tenant_do,		/* db/tenants.c */
};

/* Carries out one request on the store thread; fills status and error. */
void
store_do(struct store *s, struct store_req *req)
{
	int rc = -1;

	if ((size_t)req->op < sizeof(store_ops) / sizeof(store_ops[0]) &&
	    store_ops[req->op] != NULL)
		rc = store_ops[req->op](s, req);
	else
		snprintf(req->error, sizeof(req->error),
		    "%s: unknown request %d", s->path, (int)req->op);
	req->status = rc;
	if (rc == -1 && req->error[0] == '\0')
		snprintf(req->error, sizeof(req->error), "%s: failed", s->path);
}

static int
store_exec(struct store *s, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s: %s: %s", s->path, sql,
	    msg != NULL ? msg : sqlite3_errmsg(s->db));
	sqlite3_free(msg);
	return -1;
}

/* WAL mode, durable commits, and a bounded wait for another's lock. */
int
store_setup(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	const unsigned char *mode;
	int rc;

	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	rc = sqlite3_step(st);
	mode = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	if (mode == NULL || strcmp((const char *)mode, "wal") != 0) {
		if (rc == SQLITE_ROW)
			snprintf(err, errlen, "%s: cannot use WAL mode (got "
			    "\"%s\")", s->path, mode != NULL ?
			    (const char *)mode : "");
		else
			snprintf(err, errlen, "%s: %s", s->path,
			    sqlite3_errmsg(s->db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	/* journal_size_limit: a WAL file that grew (an upgrade indexing
	 * years of events writes gigabytes to it) is cut back to 64 MiB once
	 * a checkpoint has emptied it, not kept at its largest until lobbyd
	 * stops. */
	if (store_exec(s, "PRAGMA synchronous=FULL", err, errlen) == -1 ||
	    store_exec(s, "PRAGMA journal_size_limit=67108864", err,
	    errlen) == -1 ||
	    store_exec(s, "PRAGMA foreign_keys=ON", err, errlen) == -1)
		return -1;
	return 0;
}

int
store_prepare(struct store *s, char *err, size_t errlen)
{
	char sql[STORE_SQL_MAX];

	for (int i = 0; i < STORE_ST_N; i++) {
		const struct store_table *t = store_rec_sql[i].t;

		if (store_sql[i] != NULL)
			str_copy(sql, store_sql[i], sizeof(sql));
		else if (store_rec_sql[i].insert != NULL)
			store_sql_insert(t, store_rec_sql[i].insert, sql, sizeof(sql));
		else
			store_sql_select(t, store_rec_sql[i].tail, sql, sizeof(sql));
		if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
		    &s->st[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: preparing \"%s\": %s",
			    s->path, sql, sqlite3_errmsg(s->db));
			return -1;
		}
	}
	return 0;
}

void
store_close_db(struct store *s)
{
	int i;

	for (i = 0; i < STORE_ST_N; i++)
		sqlite3_finalize(s->st[i]);
	if (sqlite3_close(s->db) != SQLITE_OK)
		log_err("%s: closing: %s", s->path, sqlite3_errmsg(s->db));
	s->db = NULL;
}
