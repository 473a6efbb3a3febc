/*
 * Telling hosts, on the store thread (db/notices.h): a delivery's state and
 * a pass's answer link written as they change, and read back at start.
 */
#include <stdio.h>
#include <string.h>

#include "../common/util.h"
#include "store_int.h"

static const struct store_col notice_cols[] = {
	COL(notice_rec, id, C_I64), COL(notice_rec, pass, C_I64),
	COL(notice_rec, channel, C_TEXT), COL_AS(notice_rec, to, "to_addr", C_TEXT),
	COL(notice_rec, state, C_TEXT), COL(notice_rec, detail, C_TEXT),
	COL(notice_rec, tries, C_INT), COL(notice_rec, queued_ms, C_I64),
	COL(notice_rec, updated_ms, C_I64),
};

static const struct store_col token_cols[] = {
	COL(token_rec, pass, C_I64), COL(token_rec, hash, C_TEXT),
	COL(token_rec, made_ms, C_I64), COL(token_rec, used_ms, C_REF),
	COL(token_rec, answer, C_TEXT),
};

static const struct store_table t_notices =
    STORE_TABLE("pass_notices", notice_cols, notice_rec);
static const struct store_table t_tokens =
    STORE_TABLE("pass_tokens", token_cols, token_rec);

int
store_notice_put(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;

	if (store_insert_prepare(s, req, &t_notices, "INSERT OR REPLACE",
	    &req->in.notice, &st, "pass notices") == -1)
		return -1;
	return store_sql_commit(s, req, st, "writing a pass notice");
}

int
store_token_put(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;

	if (store_insert_prepare(s, req, &t_tokens, "INSERT OR REPLACE",
	    &req->in.token, &st, "pass tokens") == -1)
		return -1;
	return store_sql_commit(s, req, st, "writing a pass token");
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
	if (store_select_prepare(s, req, &t_notices, "WHERE pass IN (SELECT id "
	    "FROM passes WHERE issued_ms >= ?) ORDER BY id", &st,
	    "pass notices") == -1)
		return -1;
	sqlite3_bind_int64(st, 1, req->in.query.since_ms);
	return store_select_once(s, req, st, &t_notices);
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
