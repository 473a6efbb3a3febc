/*
 * The event log at a tower's scale, on the store thread: queries by card,
 * person, lane and time read page by page, the record of exports, and
 * retention deleting the oldest events in small batches.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "store_int.h"

#define EV_QUERY_DEFAULT	100
#define EV_SQL_MAX		768
#define EV_SEEK_STEP		25000	/* index entries a request walks back */

/*
 * The WHERE clause of an event query into sql. The first filter present of
 * card, person and lane picks the index ((credential, ts_ms), (person,
 * ts_ms), (lane, ts_ms); none: (ts_ms)); the others are written "+col" so
 * SQLite filters on them instead of weighing a second index it has no
 * statistics for. Every index ends in the rowid, so (ts_ms, id) order and
 * the cursor come from the index alone, never from a sort.
 */
/* cursor: rows after (after_ts, after_id); the index range starts at
 * since_ms, which the caller has brought up to the cursor's time. The
 * newest N's start, found in steps, walks back from q->seek when on. */
static void
ev_where(const struct ev_query *q, bool cursor, char *sql, size_t len)
{
	size_t n = strlen(sql);
	bool card = q->credential[0] != '\0', person = q->person != 0;

	n += (size_t)snprintf(sql + n, len - n, " WHERE ts_ms >= :since");
	if (card)
		n += (size_t)snprintf(sql + n, len - n, " AND credential = :card");
	if (person)
		n += (size_t)snprintf(sql + n, len - n, " AND %sperson = :person",
		    card ? "+" : "");
	if (q->lane[0] != '\0')
		n += (size_t)snprintf(sql + n, len - n, " AND %slane = :lane",
		    card || person ? "+" : "");
	if (q->until_ms != 0)
		n += (size_t)snprintf(sql + n, len - n, " AND ts_ms < :until");
	if (q->upto_id != 0)
		n += (size_t)snprintf(sql + n, len - n, " AND id <= :upto");
	if (cursor)
		n += (size_t)snprintf(sql + n, len - n,
		    " AND (ts_ms, id) > (:ats, :aid)");
	if (q->seek.on && !cursor)
		n += (size_t)snprintf(sql + n, len - n, " AND ts_ms <= :sts "
		    "AND (ts_ms, id) <= (:sts, :sid)");
	(void)n;
}

static void
bind_named_int(sqlite3_stmt *st, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0)
		sqlite3_bind_int64(st, i, v);
}

static void
bind_named_text(sqlite3_stmt *st, const char *name, const char *v, size_t size)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0)
		store_bind_text(st, i, v, size);
}

static void
ev_bind(sqlite3_stmt *st, const struct ev_query *q)
{
	bind_named_int(st, ":since", q->since_ms);
	bind_named_text(st, ":card", q->credential, sizeof(q->credential));
	bind_named_int(st, ":person", q->person);
	bind_named_text(st, ":lane", q->lane, sizeof(q->lane));
	bind_named_int(st, ":until", q->until_ms);
	bind_named_int(st, ":upto", q->upto_id);
	bind_named_int(st, ":ats", q->after_ts);
	bind_named_int(st, ":aid", q->after_id);
	bind_named_int(st, ":sts", q->seek.ts);
	bind_named_int(st, ":sid", q->seek.id);
}

/* Appends the plan of st, each line prefixed with what, to req->rows;
 * finalizes st. */
static int
ev_explain(struct store *s, struct store_req *req, sqlite3_stmt *st,
    const char *what)
{
	char sql[EV_SQL_MAX + 32];
	sqlite3_stmt *ep;
	struct plan_line *p;
	int rc;

	snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", sqlite3_sql(st));
	sqlite3_finalize(st);
	if (store_sql_prepare(s, req, sql, &ep, "explaining a query") == -1)
		return -1;
	ev_bind(ep, &req->in.evq);
	while ((rc = sqlite3_step(ep)) == SQLITE_ROW) {
		const unsigned char *d = sqlite3_column_text(ep, 3);

		if ((p = realloc(req->rows, (req->nrows + 1) * sizeof(*p))) == NULL) {
			snprintf(req->error, sizeof(req->error), "%s: out of "
			    "memory", s->path);
			sqlite3_finalize(ep);
			return -1;
		}
		req->rows = p;
		snprintf(p[req->nrows++].text, sizeof(p->text), "%s: %s", what,
		    d != NULL ? (const char *)d : "");
	}
	return store_sql_end(s, req, ep, rc, "explaining a query");
}

/*
 * Where the newest limit matches begin: the limit-th newest, found by
 * stepping back through the index (its entries only, never the rows),
 * at most EV_SEEK_STEP entries a request: ten million would hold the
 * store thread for seconds, and a guard's manual open behind it. 0 and q
 * with a cursor just before it (none when fewer match); 1 when the walk
 * goes on, from req->seek, in another request; -1 on failure.
 */
static int
ev_newest_start(struct store *s, struct store_req *req, struct ev_query *q,
    int limit)
{
	char sql[EV_SQL_MAX] = "SELECT ts_ms, id FROM events";
	sqlite3_stmt *st;
	int64_t left = q->seek.on ? q->seek.left : limit - 1, step;
	int rc;

	ev_where(q, false, sql, sizeof(sql));
	strncat(sql, " ORDER BY ts_ms DESC, id DESC LIMIT 1 OFFSET :skip",
	    sizeof(sql) - strlen(sql) - 1);
	if (store_sql_prepare(s, req, sql, &st, "querying events") == -1)
		return -1;
	if (req->explain)
		return ev_explain(s, req, st, "start");
	step = left < EV_SEEK_STEP ? left : EV_SEEK_STEP;
	ev_bind(st, q);
	bind_named_int(st, ":skip", step);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && left > step) {
		req->seek.on = true;
		req->seek.ts = sqlite3_column_int64(st, 0);
		req->seek.id = sqlite3_column_int64(st, 1);
		req->seek.left = left - step;
		sqlite3_finalize(st);
		return 1;
	}
	if (rc == SQLITE_ROW) {
		q->after = true;
		q->after_ts = sqlite3_column_int64(st, 0);
		q->after_id = sqlite3_column_int64(st, 1) - 1;	/* it is included */
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_sqlerr(s, req->error, sizeof(req->error), "querying events");
		return -1;
	}
	q->seek.on = false;
	return 0;
}

int
store_event_query(struct store *s, struct store_req *req)
{
	struct ev_query q = req->in.evq;
	char sql[EV_SQL_MAX];
	sqlite3_stmt *st;
	int limit = q.limit <= 0 ? EV_QUERY_DEFAULT : q.limit, page, rc;

	if (limit > STORE_EVENT_LIMIT_MAX)
		limit = STORE_EVENT_LIMIT_MAX;
	page = limit < STORE_EVENT_PAGE ? limit : STORE_EVENT_PAGE;
	if (!q.after && !q.oldest) {
		if ((rc = ev_newest_start(s, req, &q, limit)) != 0)
			return rc == 1 ? 0 : -1;	/* 1: req->seek goes on */
		if (req->explain)
			q.seek.on = false;
	}
	/* The index range starts at the cursor: SQLite takes no bound on the
	 * index from the row value (ts_ms, id) > (...), only from ts_ms. */
	if (q.after && q.after_ts > q.since_ms)
		q.since_ms = q.after_ts;

	store_sql_select(&store_t_events, "", sql, sizeof(sql));
	ev_where(&q, q.after || req->explain, sql, sizeof(sql));
	strncat(sql, " ORDER BY ts_ms, id LIMIT :page",
	    sizeof(sql) - strlen(sql) - 1);
	if (store_sql_prepare(s, req, sql, &st, "querying events") == -1) {
		store_rows_drop(req);
		return -1;
	}
	if (req->explain)
		return ev_explain(s, req, st, "page");
	ev_bind(st, &q);
	bind_named_int(st, ":page", page + 1);	/* one more: is there more? */
	rc = store_select(s, req, st, &store_t_events);
	req->steps = (uint64_t)sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0);
	sqlite3_finalize(st);
	if (rc == -1)
		return -1;
	if (req->nrows > (size_t)page) {
		req->nrows = (size_t)page;
		req->more = true;
	}
	return 0;
}

/* ---- exports ---------------------------------------------------------- */

static const struct store_table t_exports =
    STORE_TABLE("event_exports", export_rec,
	COL_ROWID(export_rec, id), COL(export_rec, since_ms),
	COL(export_rec, until_ms), COL(export_rec, upto_id),
	COL(export_rec, nrows), COL(export_rec, done_ms),
	COL(export_rec, actor), COL(export_rec, file));

/* The newest event id and the export that reached furthest. */
int
store_export_begin(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;
	int rc;

	if (store_sql_prepare(s, req, "SELECT max(id) FROM events", &st,
	    "reading the newest event") == -1)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		req->id = sqlite3_column_int64(st, 0);	/* NULL: 0 */
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		store_sqlerr(s, req->error, sizeof(req->error),
		    "reading the newest event");
		return -1;
	}
	if (store_select_prepare(s, req, &t_exports, "ORDER BY until_ms DESC, "
	    "id DESC LIMIT 1", &st, "reading the exports") == -1)
		return -1;
	return store_select_once(s, req, st, &t_exports);
}

int
store_export_done(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;

	if (store_insert_prepare(s, req, &t_exports, "INSERT", &req->in.export,
	    &st, "recording an export") == -1 ||
	    store_sql_commit(s, req, st, "recording an export") == -1)
		return -1;
	req->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* ---- retention -------------------------------------------------------- */

/* One integer from a statement without parameters; -1 on failure. */
static int64_t
sql_int(struct store *s, struct store_req *req, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (store_sql_prepare(s, req, sql, &st, sql) == -1)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		store_sqlerr(s, req->error, sizeof(req->error), sql);
	sqlite3_finalize(st);
	return v;
}

/* The database's pages in use, in bytes: SQLite reuses the pages deleted
 * rows free rather than shrink the file, so this is what the file holds
 * and how far it grows before it grows again. -1 on failure. */
static int64_t
used_bytes(struct store *s, struct store_req *req)
{
	int64_t pages, free_pages, size;

	if ((pages = sql_int(s, req, "PRAGMA page_count")) == -1 ||
	    (free_pages = sql_int(s, req, "PRAGMA freelist_count")) == -1 ||
	    (size = sql_int(s, req, "PRAGMA page_size")) == -1)
		return -1;
	return (pages - free_pages) * size;
}

/*
 * Deletes at most n of the oldest events with ts_ms < before whose
 * deletion the settings allow: with export_required, those inside an
 * export's range and no newer than its end, one export at a time, oldest
 * range first (the ranges bound each scan, so events no export covered
 * are never read again and again); else any. The count, or -1.
 */
static int64_t
purge_oldest(struct store *s, struct store_req *req, int64_t before, int64_t n)
{
	static const char del[] = "DELETE FROM events WHERE id IN (SELECT id "
	    "FROM events WHERE ts_ms >= :from AND ts_ms < :to AND id <= :upto "
	    "ORDER BY ts_ms LIMIT :n)";
	sqlite3_stmt *xs = NULL, *st;
	int64_t done = 0;
	int rc;

	if (store_sql_prepare(s, req, del, &st, "deleting old events") == -1)
		return -1;
	if (req->explain)
		return ev_explain(s, req, st, "purge");
	/* Exports whose range holds no event any more (all before the
	 * oldest: deleted already) are not looked at again. */
	if (req->in.purge.export_required &&
	    store_sql_prepare(s, req, "SELECT since_ms, until_ms, upto_id FROM "
	    "event_exports WHERE since_ms < ?1 AND until_ms > (SELECT "
	    "coalesce(min(ts_ms), 0) FROM events) ORDER BY since_ms", &xs,
	    "reading the exports") == -1) {
		sqlite3_finalize(st);
		return -1;
	}
	if (xs != NULL)
		sqlite3_bind_int64(xs, 1, before);
	for (;;) {
		int64_t from = INT64_MIN, to = before, upto = INT64_MAX;

		if (xs != NULL) {
			if ((rc = sqlite3_step(xs)) != SQLITE_ROW)
				break;
			from = sqlite3_column_int64(xs, 0);
			if (sqlite3_column_int64(xs, 1) < to)
				to = sqlite3_column_int64(xs, 1);
			upto = sqlite3_column_int64(xs, 2);
		}
		bind_named_int(st, ":from", from);
		bind_named_int(st, ":to", to);
		bind_named_int(st, ":upto", upto);
		bind_named_int(st, ":n", n - done);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			done = -1;
			break;
		}
		done += sqlite3_changes(s->db);
		if (xs == NULL || done >= n) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_sqlerr(s, req->error, sizeof(req->error),
		    "deleting old events");
		done = -1;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(xs);
	return done;
}

int
store_event_purge(struct store *s, struct store_req *req)
{
	const struct ev_purge *p = &req->in.purge;
	struct ev_purged *out = &req->purged;
	int64_t t0 = mono_ns(), n, left, used;
	int batch = p->batch;

	if (batch < 1 || batch > STORE_PURGE_BATCH_MAX)
		batch = batch < 1 ? 1 : STORE_PURGE_BATCH_MAX;
	if (req->explain)
		return purge_oldest(s, req, p->before_ms, batch) == -1 ? -1 : 0;
	/* Deleting dirties pages all over the indexes: a checkpoint still
	 * copying the last batch's goes first (db/checkpoint.c). */
	if (store_ckpt_pending(s)) {
		out->more = out->yielded = true;
		return 0;
	}
	if (store_begin(s, req->error, sizeof(req->error)) == -1)
		return -1;
	left = batch;
	if (p->before_ms != 0) {
		if ((n = purge_oldest(s, req, p->before_ms, left)) == -1)
			goto out_rollback;
		out->by_age = n;
		left -= n;
	}
	if ((used = used_bytes(s, req)) == -1)
		goto out_rollback;
	if (p->max_bytes > 0 && used > p->max_bytes && left > 0) {
		if ((n = purge_oldest(s, req, INT64_MAX, left)) == -1)
			goto out_rollback;
		out->by_size = n;
		left -= n;
		if ((used = used_bytes(s, req)) == -1)
			goto out_rollback;
		out->over = used > p->max_bytes && left > 0;
	}
	if (store_commit(s, req->error, sizeof(req->error)) == -1)
		return -1;
	out->used_bytes = used;
	out->more = left == 0 || (p->max_bytes > 0 && used > p->max_bytes &&
	    out->by_size > 0);
	/* The oldest event, from the (ts_ms) index: one step, at any size. */
	if ((out->oldest_ms = sql_int(s, req, "SELECT coalesce(min(ts_ms), 0) "
	    "FROM events")) == -1)
		return -1;
	out->waiting = !out->more && p->before_ms != 0 && out->oldest_ms != 0 &&
	    out->oldest_ms < p->before_ms;
	out->took_ns = mono_ns() - t0;
	return 0;

out_rollback:
	store_rollback(s);
	return -1;
}
