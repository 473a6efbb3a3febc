/*
 * A card import on the store thread: the rows are staged, a batch at a time,
 * in a temporary table of the store's own connection (no disk sync, and
 * other writes go on between batches); the commit moves them all into the
 * cards table in one transaction, so an import lands whole or not at all.
 */
#include <stdio.h>
#include <string.h>

#include "../common/util.h"
#include "store_int.h"

#define STAGE_SQL	"CREATE TEMP TABLE IF NOT EXISTS card_import (" \
			"uid TEXT PRIMARY KEY, holder TEXT, enabled INTEGER, " \
			"valid_from_ms INTEGER, valid_until_ms INTEGER, " \
			"created_by TEXT, created_ms INTEGER, floors INTEGER)"

static int
stage_exec(struct store *s, struct store_req *req, const char *sql,
    const char *what)
{
	sqlite3_stmt *st;

	if (store_sql_prepare(s, req, sql, &st, what) == -1)
		return -1;
	return store_sql_done(s, req, st, what);
}

/* in.stage.rows into the staging table; a duplicate uid names its row in
 * out.id (its index) and fails the request. */
int
store_card_stage(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;
	size_t i;

	if (req->in.stage.first &&
	    (stage_exec(s, req, "DROP TABLE IF EXISTS temp.card_import",
	    "staging an import") == -1 ||
	    stage_exec(s, req, STAGE_SQL, "staging an import") == -1))
		return -1;
	if (store_sql_prepare(s, req, "INSERT INTO temp.card_import VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?)", &st, "staging cards") == -1)
		return -1;
	if (store_begin(s, req->error, sizeof(req->error)) == -1)
		goto out_finalize;
	for (i = 0; i < req->in.stage.n; i++) {
		const struct card_rec *c = &req->in.stage.rows[i];
		int rc;

		store_bind_rec(st, &store_t_cards, c);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			if ((rc & 0xff) == SQLITE_CONSTRAINT)
				snprintf(req->error, sizeof(req->error),
				    "card %s is in the import twice", c->uid);
			else
				store_sqlerr(s, req->error, sizeof(req->error),
				    "staging cards");
			req->id = (int64_t)i;
			store_rollback(s);
			goto out_finalize;
		}
	}
	sqlite3_finalize(st);
	return store_commit(s, req->error, sizeof(req->error));

out_finalize:
	sqlite3_finalize(st);
	return -1;
}

/* Every staged card into the cards table, in one transaction; out.id: how
 * many, out.found: whether any replaced a card already there. */
int
store_card_stage_commit(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;
	int64_t n;

	if (store_begin(s, req->error, sizeof(req->error)) == -1)
		return -1;
	if (store_sql_prepare(s, req, "SELECT count(*), (SELECT count(*) FROM "
	    "temp.card_import JOIN main.cards USING (uid)) FROM temp.card_import",
	    &st, "counting the import") == -1)
		goto out_rollback;
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_sqlerr(s, req->error, sizeof(req->error), "counting the import");
		sqlite3_finalize(st);
		goto out_rollback;
	}
	n = sqlite3_column_int64(st, 0);
	req->found = sqlite3_column_int64(st, 1) > 0;
	sqlite3_finalize(st);
	if (stage_exec(s, req, "INSERT OR REPLACE INTO main.cards (uid, holder, "
	    "enabled, valid_from_ms, valid_until_ms, created_by, created_ms, "
	    "floors) SELECT uid, holder, enabled, valid_from_ms, valid_until_ms, "
	    "created_by, created_ms, floors FROM temp.card_import",
	    "importing cards") == -1)
		goto out_rollback;
	if (store_commit(s, req->error, sizeof(req->error)) == -1)
		return -1;
	req->id = n;
	(void)store_card_stage_drop(s, req);
	req->error[0] = '\0';
	return 0;

out_rollback:
	store_rollback(s);
	return -1;
}

int
store_card_stage_drop(struct store *s, struct store_req *req)
{
	return stage_exec(s, req, "DROP TABLE IF EXISTS temp.card_import",
	    "dropping the staged import");
}
