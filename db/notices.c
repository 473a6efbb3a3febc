/*
 * Telling hosts, on the store thread (db/notices.h): a delivery's state and
 * a pass's answer link written as they change, and read back at start.
 */
#include <stdio.h>
#include <string.h>

#include "../common/util.h"
#include "store_int.h"

int
store_notice_put(struct store *s, struct store_req *req)
{
	const struct notice_rec *n = &req->in.notice;
	sqlite3_stmt *st;

	if (store_sql_prepare(s, req, "INSERT OR REPLACE INTO pass_notices (id, "
	    "pass, channel, to_addr, state, detail, tries, queued_ms, updated_ms) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &st, "pass notices") == -1)
		return -1;
	sqlite3_bind_int64(st, 1, n->id);
	sqlite3_bind_int64(st, 2, n->pass);
	STORE_BIND_TEXT(st, 3, n->channel);
	STORE_BIND_TEXT(st, 4, n->to);
	STORE_BIND_TEXT(st, 5, n->state);
	STORE_BIND_TEXT(st, 6, n->detail);
	sqlite3_bind_int(st, 7, n->tries);
	sqlite3_bind_int64(st, 8, n->queued_ms);
	sqlite3_bind_int64(st, 9, n->updated_ms);
	return store_sql_commit(s, req, st, "writing a pass notice");
}

int
store_token_put(struct store *s, struct store_req *req)
{
	const struct token_rec *t = &req->in.token;
	sqlite3_stmt *st;

	if (store_sql_prepare(s, req, "INSERT OR REPLACE INTO pass_tokens (pass, "
	    "hash, made_ms, used_ms, answer) VALUES (?, ?, ?, ?, ?)", &st,
	    "pass tokens") == -1)
		return -1;
	sqlite3_bind_int64(st, 1, t->pass);
	STORE_BIND_TEXT(st, 2, t->hash);
	sqlite3_bind_int64(st, 3, t->made_ms);
	if (t->used_ms != 0)
		sqlite3_bind_int64(st, 4, t->used_ms);
	else
		sqlite3_bind_null(st, 4);
	STORE_BIND_TEXT(st, 5, t->answer);
	return store_sql_commit(s, req, st, "writing a pass token");
}

static void
notice_row(sqlite3_stmt *st, void *row)
{
	struct notice_rec *n = row;

	n->id = sqlite3_column_int64(st, 0);
	n->pass = sqlite3_column_int64(st, 1);
	STORE_COL_TEXT(st, 2, n->channel);
	STORE_COL_TEXT(st, 3, n->to);
	STORE_COL_TEXT(st, 4, n->state);
	STORE_COL_TEXT(st, 5, n->detail);
	n->tries = sqlite3_column_int(st, 6);
	n->queued_ms = sqlite3_column_int64(st, 7);
	n->updated_ms = sqlite3_column_int64(st, 8);
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
	if (store_sql_prepare(s, req, "SELECT n.id, n.pass, n.channel, "
	    "n.to_addr, n.state, n.detail, n.tries, n.queued_ms, n.updated_ms "
	    "FROM pass_notices n JOIN passes p ON p.id = n.pass "
	    "WHERE p.issued_ms >= ? ORDER BY n.id", &st, "pass notices") == -1)
		return -1;
	sqlite3_bind_int64(st, 1, req->in.query.since_ms);
	return store_select_once(s, req, st, sizeof(struct notice_rec),
	    notice_row);
}

static void
token_row(sqlite3_stmt *st, void *row)
{
	struct token_rec *t = row;

	t->pass = sqlite3_column_int64(st, 0);
	STORE_COL_TEXT(st, 1, t->hash);
	t->made_ms = sqlite3_column_int64(st, 2);
}

int
store_token_load(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;

	if (store_sql_prepare(s, req, "SELECT t.pass, t.hash, t.made_ms FROM "
	    "pass_tokens t JOIN passes p ON p.id = t.pass WHERE t.used_ms IS "
	    "NULL AND p.state = 'pending' ORDER BY t.pass", &st,
	    "pass tokens") == -1)
		return -1;
	return store_select_once(s, req, st, sizeof(struct token_rec),
	    token_row);
}
