/*
 * Telling hosts, on the store thread (db/notices.h): a delivery's state and
 * a pass's answer link written as they change, and read back at start.
 */
#include <stdio.h>
#include <string.h>

#include "../common/util.h"
#include "store_int.h"

static const struct store_table t_notices =
    STORE_TABLE("pass_notices", notice_rec,
	COL(notice_rec, id), COL(notice_rec, pass), COL(notice_rec, channel),
	COL_AS(notice_rec, to, "to_addr"), COL(notice_rec, state),
	COL(notice_rec, detail), COL(notice_rec, tries),
	COL(notice_rec, queued_ms), COL(notice_rec, updated_ms));

static const struct store_table t_tokens = STORE_TABLE("pass_tokens", token_rec,
	COL(token_rec, pass), COL(token_rec, hash), COL(token_rec, made_ms),
	COL_REF(token_rec, used_ms), COL(token_rec, answer));

/* rec into t, replacing the row with its key, committed; the reason for a
 * failure names what (preparing) or writing (writing). */
static int
put(struct store *s, struct store_req *req, const struct store_table *t,
    const void *rec, const char *what, const char *writing)
{
	sqlite3_stmt *st;

	if (store_insert_prepare(s, req, t, "INSERT OR REPLACE", rec, &st,
	    what) == -1)
		return -1;
	return store_sql_commit(s, req, st, writing);
}

int
store_notice_put(struct store *s, struct store_req *req)
{
	return put(s, req, &t_notices, &req->in.notice, "pass notices",
	    "writing a pass notice");
}

int
store_token_put(struct store *s, struct store_req *req)
{
	return put(s, req, &t_tokens, &req->in.token, "pass tokens",
	    "writing a pass token");
}

int
store_notice_load(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;

	if (store_sql_prepare(s, req, "SELECT max(id) FROM pass_notices", &st,
	    "pass notices") == -1)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		req->id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return store_select_key(s, req, &t_notices, "WHERE pass IN (SELECT id "
	    "FROM passes WHERE issued_ms >= ?) ORDER BY id",
	    req->in.query.since_ms, "pass notices");
}

/* An unused token has no answer yet: its row is read whole. */
int
store_token_load(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;

	if (store_select_prepare(s, req, &t_tokens, "WHERE used_ms IS NULL AND "
	    "pass IN (SELECT id FROM passes WHERE state = 'pending') "
	    "ORDER BY pass", &st, "pass tokens") == -1)
		return -1;
	return store_select_once(s, req, st, &t_tokens);
}
