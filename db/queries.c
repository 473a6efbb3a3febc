/*
 * The SQL of the store's operations, run on the store thread: the connection's
 * settings, the prepared statements, binding requests and reading rows of
 * events, cards and alerts back out.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "store_int.h"

#define STORE_BUSY_MS		1000	/* waiting for another process's lock */
#define STORE_ALERT_MAX		1000	/* rows one alert list returns at most */

#define AL_COLS	"id, raised_ms, cleared_ms, source, kind, severity, message, audience, " \
		"acked_ms, acked_by, ack_note, escalated_ms"

static const char *const store_sql[STORE_ST_N] = {
	[STORE_ST_BEGIN] = "BEGIN IMMEDIATE",
	[STORE_ST_COMMIT] = "COMMIT",
	[STORE_ST_ROLLBACK] = "ROLLBACK",
	[STORE_ST_EV_INSERT] = "INSERT INTO events (ts_ms, kind, lane, device, "
	    "direction, credential, decision, reason, actor, detail, person) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[STORE_ST_CARD_PUT] = "INSERT OR REPLACE INTO cards (uid, holder, "
	    "enabled, valid_from_ms, valid_until_ms, created_by, created_ms, "
	    "floors) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	[STORE_ST_CARD_DEL] = "DELETE FROM cards WHERE uid = ?",
	[STORE_ST_CARD_LIST] = "SELECT uid, holder, enabled, valid_from_ms, "
	    "valid_until_ms, created_by, created_ms, floors FROM cards "
	    "ORDER BY uid",
	[STORE_ST_CARD_PAGE] = "SELECT uid, holder, enabled, valid_from_ms, "
	    "valid_until_ms, created_by, created_ms, floors FROM cards "
	    "WHERE uid > ?1 ORDER BY uid LIMIT ?2",
	[STORE_ST_ALERT_RAISE] = "INSERT INTO alerts (raised_ms, cleared_ms, "
	    "source, kind, severity, message, audience) VALUES (?, ?, ?, ?, ?, ?, ?)",
	[STORE_ST_ALERT_CLEAR] = "UPDATE alerts SET cleared_ms = ?2 "
	    "WHERE id = ?1 AND (cleared_ms IS NULL OR cleared_ms = 0)",
	[STORE_ST_ALERT_ACTIVE] = "SELECT " AL_COLS " FROM (SELECT " AL_COLS
	    " FROM alerts WHERE cleared_ms IS NULL OR cleared_ms = 0"
	    " ORDER BY id DESC LIMIT ?1) ORDER BY id",
	[STORE_ST_ALERT_ALL] = "SELECT " AL_COLS " FROM (SELECT " AL_COLS
	    " FROM alerts ORDER BY id DESC LIMIT ?1) ORDER BY id",
	[STORE_ST_ALERT_PAGE] = "SELECT " AL_COLS " FROM alerts WHERE id > ?1 "
	    "ORDER BY id LIMIT ?2",
	[STORE_ST_FIRE_GET] = "SELECT active, since_ms, source, ended_ms, "
	    "reset_by FROM fire_mode WHERE id = 1",
	[STORE_ST_FIRE_PUT] = "INSERT OR REPLACE INTO fire_mode (id, active, "
	    "since_ms, source, ended_ms, reset_by) VALUES (1, ?, ?, ?, ?, ?)",
	[STORE_ST_ALERT_ACK] = "UPDATE alerts SET acked_ms = ?2, acked_by = ?3, "
	    "ack_note = ?4 WHERE id = ?1 AND (cleared_ms IS NULL OR "
	    "cleared_ms = 0) AND (acked_ms IS NULL OR acked_ms = 0)",
	[STORE_ST_ALERT_ESCALATE] = "UPDATE alerts SET escalated_ms = ?2, "
	    "audience = ?3 WHERE id = ?1 AND (escalated_ms IS NULL OR "
	    "escalated_ms = 0)",
	[STORE_ST_ALERT_GET] = "SELECT " AL_COLS " FROM alerts WHERE id = ?1",
};

/* Binds a fixed-size text field; an empty string is stored as NULL. */
int
store_bind_text(sqlite3_stmt *st, int i, const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == 0)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, (int)n, SQLITE_TRANSIENT);
}
#define BIND_TEXT(st, i, field)	STORE_BIND_TEXT(st, i, field)

void
store_col_text(sqlite3_stmt *st, int i, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	str_copy(dst, t != NULL ? (const char *)t : "", size);
}
#define COL_TEXT(st, i, field)	STORE_COL_TEXT(st, i, field)

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

void *
store_rows_push(void **rows, size_t *n, size_t *cap, size_t size)
{
	void *p;

	if (*n == *cap) {
		size_t ncap = *cap == 0 ? 16 : *cap * 2;

		if ((p = realloc(*rows, ncap * size)) == NULL)
			return NULL;
		*rows = p;
		*cap = ncap;
	}
	p = (char *)*rows + *n * size;
	memset(p, 0, size);
	(*n)++;
	return p;
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
store_insert_event(struct store *s, struct ev_rec *ev)
{
	sqlite3_stmt *st = s->st[STORE_ST_EV_INSERT];
	int rc;

	sqlite3_bind_int64(st, 1, ev->ts_ms);
	/* kind is NOT NULL: an empty one is refused by the schema. */
	BIND_TEXT(st, 2, ev->kind);
	BIND_TEXT(st, 3, ev->lane);
	BIND_TEXT(st, 4, ev->device);
	BIND_TEXT(st, 5, ev->direction);
	BIND_TEXT(st, 6, ev->credential);
	BIND_TEXT(st, 7, ev->decision);
	BIND_TEXT(st, 8, ev->reason);
	BIND_TEXT(st, 9, ev->actor);
	BIND_TEXT(st, 10, ev->detail);
	if (ev->person != 0)
		sqlite3_bind_int64(st, 11, ev->person);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return -1;
	ev->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

void
store_read_event(sqlite3_stmt *st, struct ev_rec *ev)
{
	ev->id = sqlite3_column_int64(st, 0);
	ev->ts_ms = sqlite3_column_int64(st, 1);
	COL_TEXT(st, 2, ev->kind);
	COL_TEXT(st, 3, ev->lane);
	COL_TEXT(st, 4, ev->device);
	COL_TEXT(st, 5, ev->direction);
	COL_TEXT(st, 6, ev->credential);
	COL_TEXT(st, 7, ev->decision);
	COL_TEXT(st, 8, ev->reason);
	COL_TEXT(st, 9, ev->actor);
	COL_TEXT(st, 10, ev->detail);
	ev->person = sqlite3_column_int64(st, 11);
}

void
store_bind_card(sqlite3_stmt *st, const struct card_rec *c)
{
	BIND_TEXT(st, 1, c->uid);
	BIND_TEXT(st, 2, c->holder);
	sqlite3_bind_int(st, 3, c->enabled ? 1 : 0);
	sqlite3_bind_int64(st, 4, c->valid_from_ms);
	sqlite3_bind_int64(st, 5, c->valid_until_ms);
	BIND_TEXT(st, 6, c->created_by);
	sqlite3_bind_int64(st, 7, c->created_ms);
	sqlite3_bind_int64(st, 8, (int64_t)c->floors);
}

static void
store_read_card(sqlite3_stmt *st, struct card_rec *c)
{
	COL_TEXT(st, 0, c->uid);
	COL_TEXT(st, 1, c->holder);
	c->enabled = sqlite3_column_int(st, 2) != 0;
	c->valid_from_ms = sqlite3_column_int64(st, 3);
	c->valid_until_ms = sqlite3_column_int64(st, 4);
	COL_TEXT(st, 5, c->created_by);
	c->created_ms = sqlite3_column_int64(st, 6);
	c->floors = (uint64_t)sqlite3_column_int64(st, 7);
}

static void
store_read_alert(sqlite3_stmt *st, struct alert_rec *a)
{
	a->id = sqlite3_column_int64(st, 0);
	a->raised_ms = sqlite3_column_int64(st, 1);
	a->cleared_ms = sqlite3_column_int64(st, 2);	/* NULL reads as 0 */
	COL_TEXT(st, 3, a->source);
	COL_TEXT(st, 4, a->kind);
	COL_TEXT(st, 5, a->severity);
	COL_TEXT(st, 6, a->message);
	COL_TEXT(st, 7, a->audience);
	a->acked_ms = sqlite3_column_int64(st, 8);
	COL_TEXT(st, 9, a->acked_by);
	COL_TEXT(st, 10, a->ack_note);
	a->escalated_ms = sqlite3_column_int64(st, 11);
}

int
store_select(struct store *s, struct store_req *req, sqlite3_stmt *st,
    size_t size, void (*readrow)(sqlite3_stmt *, void *))
{
	size_t cap = 0;
	void *row;
	int rc;
	union {
		max_align_t	align;
		char		b[1024];
	} one;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (req->each != NULL && size <= sizeof(one.b)) {
			memset(one.b, 0, size);
			readrow(st, one.b);
			req->each(one.b, req->each_arg);
			continue;
		}
		row = store_rows_push(&req->rows, &req->nrows, &cap, size);
		if (row == NULL) {
			snprintf(req->error, sizeof(req->error),
			    "%s: out of memory", s->path);
			goto out_reset;
		}
		readrow(st, row);
	}
	if (rc != SQLITE_DONE) {
		store_sqlerr(s, req->error, sizeof(req->error), "query");
		goto out_reset;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return 0;

out_reset:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	store_rows_drop(req);
	return -1;
}

int
store_select_once(struct store *s, struct store_req *req, sqlite3_stmt *st,
    size_t size, void (*readrow)(sqlite3_stmt *, void *))
{
	int rc = store_select(s, req, st, size, readrow);

	sqlite3_finalize(st);
	return rc;
}

void
store_rows_drop(struct store_req *req)
{
	free(req->rows);
	req->rows = NULL;
	req->nrows = 0;
}

static void
read_card_row(sqlite3_stmt *st, void *row)
{
	store_read_card(st, row);
}

static void
read_alert_row(sqlite3_stmt *st, void *row)
{
	store_read_alert(st, row);
}

static void
read_fire_row(sqlite3_stmt *st, void *row)
{
	struct fire_rec *f = row;

	f->active = sqlite3_column_int(st, 0) != 0;
	f->since_ms = sqlite3_column_int64(st, 1);
	COL_TEXT(st, 2, f->source);
	f->ended_ms = sqlite3_column_int64(st, 3);	/* NULL reads as 0 */
	COL_TEXT(st, 4, f->reset_by);
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
	return store_select(s, req, st, sizeof(struct alert_rec),
	    read_alert_row);
}

static int
card_put(struct store *s, struct store_req *req)
{
	int rc;

	if (strnlen(req->in.card.uid, sizeof(req->in.card.uid)) == 0) {
		snprintf(req->error, sizeof(req->error),
		    "%s: card with an empty uid", s->path);
		return -1;
	}
	store_bind_card(s->st[STORE_ST_CARD_PUT], &req->in.card);
	rc = store_write1(s, req, STORE_ST_CARD_PUT, "writing card");
	req->id = 0;
	return rc;
}

static int
card_del(struct store *s, struct store_req *req)
{
	int rc;

	BIND_TEXT(s->st[STORE_ST_CARD_DEL], 1, req->in.key);
	rc = store_write1(s, req, STORE_ST_CARD_DEL, "deleting card");
	req->id = 0;
	return rc;
}

static int
card_list(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;

	if (req->in.page.limit > 0) {
		st = s->st[STORE_ST_CARD_PAGE];
		/* Bound as text even when empty: "" sorts first. */
		sqlite3_bind_text(st, 1, req->in.page.after,
		    (int)strnlen(req->in.page.after,
		    sizeof(req->in.page.after)), SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 2, req->in.page.limit);
	} else
		st = s->st[STORE_ST_CARD_LIST];
	return store_select(s, req, st, sizeof(struct card_rec), read_card_row);
}

static int
alert_raise(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st = s->st[STORE_ST_ALERT_RAISE];
	int rc;

	sqlite3_bind_int64(st, 1, req->in.alert.raised_ms);
	if (req->in.alert.cleared_ms != 0)
		sqlite3_bind_int64(st, 2, req->in.alert.cleared_ms);
	BIND_TEXT(st, 3, req->in.alert.source);
	BIND_TEXT(st, 4, req->in.alert.kind);
	BIND_TEXT(st, 5, req->in.alert.severity);
	BIND_TEXT(st, 6, req->in.alert.message);
	BIND_TEXT(st, 7, req->in.alert.audience);
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

	BIND_TEXT(st, 3, req->in.alert.acked_by);
	BIND_TEXT(st, 4, req->in.alert.ack_note);
	return alert_change(s, req, STORE_ST_ALERT_ACK, req->in.alert.acked_ms,
	    "acknowledging alert");
}

static int
alert_escalate(struct store *s, struct store_req *req)
{
	BIND_TEXT(s->st[STORE_ST_ALERT_ESCALATE], 3, req->in.alert.audience);
	return alert_change(s, req, STORE_ST_ALERT_ESCALATE,
	    req->in.alert.escalated_ms, "escalating alert");
}

static int
alert_list(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st = s->st[req->in.query.all ? STORE_ST_ALERT_ALL :
	    STORE_ST_ALERT_ACTIVE];

	sqlite3_bind_int(st, 1, STORE_ALERT_MAX);
	return store_select(s, req, st, sizeof(struct alert_rec), read_alert_row);
}

static int
alert_page(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st = s->st[STORE_ST_ALERT_PAGE];

	sqlite3_bind_int64(st, 1, strtoll(req->in.page.after, NULL, 10));
	sqlite3_bind_int(st, 2, req->in.page.limit);
	return store_select(s, req, st, sizeof(struct alert_rec), read_alert_row);
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
	return store_select(s, req, s->st[STORE_ST_FIRE_GET],
	    sizeof(struct fire_rec), read_fire_row);
}

static int
fire_put(struct store *s, struct store_req *req)
{
	const struct fire_rec *f = &req->in.fire;
	sqlite3_stmt *st = s->st[STORE_ST_FIRE_PUT];
	int rc;

	sqlite3_bind_int(st, 1, f->active ? 1 : 0);
	sqlite3_bind_int64(st, 2, f->since_ms);
	BIND_TEXT(st, 3, f->source);
	if (f->ended_ms != 0)
		sqlite3_bind_int64(st, 4, f->ended_ms);
	BIND_TEXT(st, 5, f->reset_by);
	rc = store_write1(s, req, STORE_ST_FIRE_PUT, "writing the fire mode");
	req->id = 0;
	return rc;
}

/* Each request's work, by its op; 0, or -1 with req->error set. */
static int (*const store_ops[])(struct store *, struct store_req *) = {
	[STORE_CARD_PUT] = card_put,
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
	int i;

	for (i = 0; i < STORE_ST_N; i++) {
		if (sqlite3_prepare_v3(s->db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: preparing \"%s\": %s",
			    s->path, store_sql[i], sqlite3_errmsg(s->db));
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
