/*
 * The web console's accounts, run on the store thread: an account is added
 * with a hash made by lobbyctl (argon2id), and a login is checked here so
 * that the engine's loop never spends the hash's time; failures are counted.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../common/util.h"
#include "store_int.h"

#define WEB_FAIL_MAX	5		/* failures in a row before a pause */
#define WEB_LOCK_MS	60000		/* the pause, from the last failure */

/* The columns an account is added with, from the request that adds it;
 * failed and failed_ms start again from their defaults. */
static const struct store_table t_web_users = STORE_TABLE("web_users", web_in,
	COL(web_in, name), COL(web_in, role), COL(web_in, hash),
	COL_AS(web_in, ts_ms, "created_ms"), COL_AS(web_in, actor, "created_by"));

int
store_web_put(struct store *s, struct store_req *req)
{
	const struct web_in *w = &req->in.web;
	sqlite3_stmt *st;

	if (store_sql_prepare(s, req, "SELECT 1 FROM web_users WHERE name = ?",
	    &st, "web users") == -1)
		return -1;
	STORE_BIND_TEXT(st, 1, w->name);
	req->found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (store_insert_prepare(s, req, &t_web_users, "INSERT OR REPLACE", w,
	    &st, "web users") == -1)
		return -1;
	return store_sql_commit(s, req, st, "writing web user");
}

int
store_web_login(struct store *s, struct store_req *req)
{
	struct web_in *w = &req->in.web;
	char hash[sizeof(w->hash)], role[sizeof(w->role)];
	int64_t failed = 0, failed_ms = 0;
	sqlite3_stmt *st;
	bool ok;

	req->found = false;
	w->locked = false;
	if (store_sql_prepare(s, req, "SELECT role, hash, failed, failed_ms "
	    "FROM web_users WHERE name = ?", &st, "web users") == -1)
		goto out_wipe;
	STORE_BIND_TEXT(st, 1, w->name);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		sodium_memzero(w->password, sizeof(w->password));
		return 0;			/* no such user: not found */
	}
	STORE_COL_TEXT(st, 0, role);
	STORE_COL_TEXT(st, 1, hash);
	failed = sqlite3_column_int64(st, 2);
	failed_ms = sqlite3_column_int64(st, 3);
	sqlite3_finalize(st);
	req->id = failed;
	if (failed >= WEB_FAIL_MAX && w->ts_ms - failed_ms < WEB_LOCK_MS) {
		w->locked = true;
		sodium_memzero(w->password, sizeof(w->password));
		return 0;
	}
	ok = crypto_pwhash_str_verify(hash, w->password, strlen(w->password)) == 0;
	sodium_memzero(w->password, sizeof(w->password));
	if (store_sql_prepare(s, req, ok ?
	    "UPDATE web_users SET failed = 0 WHERE name = ?1" :
	    "UPDATE web_users SET failed = failed + 1, failed_ms = ?2 "
	    "WHERE name = ?1", &st, "web users") == -1)
		return -1;
	STORE_BIND_TEXT(st, 1, w->name);
	if (!ok)
		sqlite3_bind_int64(st, 2, w->ts_ms);
	if (store_sql_commit(s, req, st, "counting a web login") == -1)
		return -1;
	if (ok) {
		req->found = true;
		str_copy(w->role, role, sizeof(w->role));
	}
	return 0;
out_wipe:
	sodium_memzero(w->password, sizeof(w->password));
	return -1;
}
