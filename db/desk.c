/*
 * The SQL of the front desk's records (db/desk.h), run on the store thread.
 * Each record type is described once, column by column, and the statements
 * that write and read it are made from that description (db/columns.c): a
 * new field is one line here and one in the schema.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "store_int.h"

#define dk_prepare(s, req, sql, st)	store_sql_prepare((s), (req), (sql), (st), "front desk")
#define dk_step_done(s, req, st, what)	store_sql_done((s), (req), (st), (what))

#define MS_PER_DAY	86400000LL
#define LOAD_ENDED_MS	(2 * MS_PER_DAY)	/* ended passes kept in memory */

static const struct store_table t_people = STORE_TABLE("people", person_rec,
	COL_REF(person_rec, id), COL(person_rec, kind), COL(person_rec, status),
	COL(person_rec, name), COL(person_rec, id_type),
	COL(person_rec, id_hash), COL(person_rec, id_mask),
	COL(person_rec, company), COL(person_rec, unit),
	COL(person_rec, schedule), COL(person_rec, created_ms),
	COL(person_rec, created_by), COL(person_rec, updated_ms),
	COL_REF(person_rec, purged_ms), COL(person_rec, phone));

static const struct store_table t_passes = STORE_TABLE("passes", pass_rec,
	COL_REF(pass_rec, id), COL(pass_rec, person), COL(pass_rec, credential),
	COL(pass_rec, state), COL(pass_rec, valid_from_ms),
	COL(pass_rec, valid_until_ms), COL(pass_rec, lanes),
	COL(pass_rec, floors), COL(pass_rec, single_entry), COL(pass_rec, used),
	COL_REF(pass_rec, permit), COL(pass_rec, issued_ms),
	COL(pass_rec, issued_by), COL_REF(pass_rec, confirmed_ms),
	COL(pass_rec, confirmed_by), COL_REF(pass_rec, ended_ms),
	COL(pass_rec, ended_by), COL(pass_rec, end_reason),
	COL(pass_rec, vclass), COL(pass_rec, host), COL(pass_rec, purpose),
	COL(pass_rec, party), COL(pass_rec, appointment),
	COL(pass_rec, override_by), COL(pass_rec, override_reason),
	COL(pass_rec, host_unit), COL(pass_rec, host_reason));

static const struct store_table t_permits = STORE_TABLE("permits", permit_rec,
	COL_REF(permit_rec, id), COL(permit_rec, unit),
	COL(permit_rec, company), COL(permit_rec, from_date),
	COL(permit_rec, until_date), COL(permit_rec, days),
	COL(permit_rec, hours), COL(permit_rec, floor),
	COL(permit_rec, fees_paid), COL(permit_rec, state),
	COL(permit_rec, created_ms), COL(permit_rec, created_by),
	COL(permit_rec, updated_ms), COL(permit_rec, updated_by));

static const struct store_table t_watch = STORE_TABLE("watchlist", watch_rec,
	COL_REF(watch_rec, id), COL(watch_rec, id_type),
	COL(watch_rec, id_hash), COL(watch_rec, id_mask), COL(watch_rec, name),
	COL(watch_rec, note), COL(watch_rec, added_ms),
	COL(watch_rec, added_by));

static const struct store_table t_presence =
    STORE_TABLE("presence", presence_rec,
	COL(presence_rec, person), COL(presence_rec, zone),
	COL(presence_rec, inside), COL(presence_rec, since_ms),
	COL(presence_rec, lane));

static const struct store_table t_shift = STORE_TABLE("shift_log", shift_rec,
	COL_REF(shift_rec, id), COL(shift_rec, ts_ms), COL(shift_rec, actor),
	COL(shift_rec, kind), COL(shift_rec, text));

/* Inserts rec (its id 0: a new row) or replaces the row with its id; the
 * row id in *id. */
static int
dk_put(struct store *s, struct store_req *req, const struct store_table *t,
    const void *rec, int64_t *id)
{
	sqlite3_stmt *st;

	if (store_insert_prepare(s, req, t, "INSERT OR REPLACE", rec, &st,
	    "front desk") == -1 ||
	    dk_step_done(s, req, st, t->name) == -1)
		return -1;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

struct rows {
	void	*v;
	size_t	n, cap;
};

/* Each row st gives, read as t's records, into r; st finalized. */
static int
dk_rows(struct store *s, struct store_req *req, const struct store_table *t,
    sqlite3_stmt *st, struct rows *r)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		void *rec = store_rows_push(&r->v, &r->n, &r->cap, t->size);

		if (rec == NULL) {
			snprintf(req->error, sizeof(req->error),
			    "%s: out of memory", s->path);
			sqlite3_finalize(st);
			return -1;
		}
		store_read_rec(st, t, rec);
	}
	return store_sql_end(s, req, st, rc, t->name);
}

/* Appends every row of "SELECT cols FROM t <where>" (binds: int64s) to r. */
static int
dk_select(struct store *s, struct store_req *req, const struct store_table *t,
    const char *where, const int64_t *binds, int nbinds, struct rows *r)
{
	sqlite3_stmt *st;

	if (store_select_prepare(s, req, t, where, &st, "front desk") == -1)
		return -1;
	for (int i = 0; i < nbinds; i++)
		sqlite3_bind_int64(st, i + 1, binds[i]);
	return dk_rows(s, req, t, st, r);
}

void
desk_load_free(struct desk_load *l)
{
	free(l->people);
	free(l->passes);
	free(l->permits);
	free(l->watch);
	free(l->presence);
	memset(l, 0, sizeof(*l));
}

static int
desk_load(struct store *s, struct store_req *req)
{
	struct desk_load *l = req->in.desk.load;
	struct rows r[5] = { 0 };
	int64_t cut = req->in.desk.now_ms - LOAD_ENDED_MS;

	if (dk_select(s, req, &t_people, "ORDER BY id", NULL, 0, &r[0]) == -1 ||
	    dk_select(s, req, &t_passes, "WHERE ended_ms IS NULL OR ended_ms >= ?"
	    " ORDER BY id", &cut, 1, &r[1]) == -1 ||
	    dk_select(s, req, &t_permits, "ORDER BY id", NULL, 0, &r[2]) == -1 ||
	    dk_select(s, req, &t_watch, "ORDER BY id", NULL, 0, &r[3]) == -1 ||
	    dk_select(s, req, &t_presence, "", NULL, 0, &r[4]) == -1) {
		for (int i = 0; i < 5; i++)
			free(r[i].v);
		return -1;
	}
	l->people = r[0].v;	l->npeople = r[0].n;
	l->passes = r[1].v;	l->npasses = r[1].n;
	l->permits = r[2].v;	l->npermits = r[2].n;
	l->watch = r[3].v;	l->nwatch = r[3].n;
	l->presence = r[4].v;	l->npresence = r[4].n;
	return 0;
}

/* dk_step_done, out.found saying whether it changed any row. */
static int
dk_change(struct store *s, struct store_req *req, sqlite3_stmt *st,
    const char *what)
{
	if (dk_step_done(s, req, st, what) == -1)
		return -1;
	req->found = sqlite3_changes(s->db) > 0;
	return 0;
}

/* Revokes the live passes of permit in.permit.id. */
static int
end_permit_passes(struct store *s, struct store_req *req)
{
	const struct desk_in *in = &req->in.desk;
	sqlite3_stmt *st;

	if (dk_prepare(s, req, "UPDATE passes SET state = 'revoked', ended_ms = ?,"
	    " ended_by = ?, end_reason = ? WHERE permit = ? AND state IN"
	    " ('pending', 'active')", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, in->permit.updated_ms);
	sqlite3_bind_text(st, 2, in->permit.updated_by, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, in->pass.end_reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, in->permit.id);
	return dk_change(s, req, st, "ending the permit's passes");
}

static int
watch_del(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;

	if (dk_prepare(s, req, "DELETE FROM watchlist WHERE id = ?", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, req->in.desk.id);
	return dk_change(s, req, st, "watch list");
}

static int
presence_put(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;

	if (req->in.desk.presence.zone[0] != '\0')
		return dk_put(s, req, &t_presence, &req->in.desk.presence, NULL);
	if (dk_prepare(s, req, "DELETE FROM presence", &st) == -1)
		return -1;
	return dk_step_done(s, req, st, "presence");
}

/* The ids just purged, into req->rows (int64_t[]), for the engine's copy. */
static int
purged_ids(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if (dk_prepare(s, req, "SELECT id FROM purge_ids ORDER BY id", &st) == -1)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t *id = store_rows_push(&req->rows, &req->nrows, &cap,
		    sizeof(*id));

		if (id == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		*id = sqlite3_column_int64(st, 0);
	}
	return store_sql_end(s, req, st, rc, "purged visitors");
}

/*
 * Visitors whose every pass ended before before_ms lose their name, ID hash
 * and mask, and their passes the registration's words, what their hosts
 * were told (the notices, with the hosts' addresses) and the hosts' links
 * (those of visitors purged earlier too);
 * the events that name them keep the person's id and lose the name in
 * their detail.
 */
static int
purge(struct store *s, struct store_req *req)
{
	static const char *const sql[] = {
		"CREATE TEMP TABLE IF NOT EXISTS purge_ids (id INTEGER PRIMARY KEY)",
		"DELETE FROM purge_ids",
		"INSERT INTO purge_ids SELECT p.id FROM people p WHERE p.kind ="
		" 'visitor' AND p.purged_ms IS NULL AND p.created_ms < ?1 AND NOT EXISTS (SELECT 1 FROM"
		" passes x WHERE x.person = p.id AND (x.ended_ms IS NULL OR"
		" x.ended_ms >= ?1))",
		"UPDATE people SET name = NULL, id_hash = NULL, id_mask = NULL,"
		" company = NULL, phone = NULL, purged_ms = ?2, updated_ms = ?2"
		" WHERE id IN (SELECT id FROM purge_ids)",
		"UPDATE passes SET host = NULL, purpose = NULL, override_reason ="
		" NULL, host_reason = NULL WHERE person IN (SELECT id FROM purge_ids)",
		"UPDATE events SET detail = NULL WHERE person IN (SELECT id FROM"
		" purge_ids)",
		/* Every purged visitor's, not this run's only: those purged
		 * before the notices went with them keep none either. Each
		 * row is looked up by its keys. */
		"DELETE FROM pass_notices WHERE EXISTS (SELECT 1 FROM passes x"
		" JOIN people p ON p.id = x.person WHERE x.id = pass_notices.pass"
		" AND p.purged_ms IS NOT NULL)",
		"DELETE FROM pass_tokens WHERE EXISTS (SELECT 1 FROM passes x"
		" JOIN people p ON p.id = x.person WHERE x.id = pass_tokens.pass"
		" AND p.purged_ms IS NOT NULL)",
	};
	sqlite3_stmt *st;
	int n = 0;

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if (dk_prepare(s, req, sql[i], &st) == -1)
			return -1;
		if (sqlite3_bind_parameter_count(st) >= 1)
			sqlite3_bind_int64(st, 1, req->in.desk.before_ms);
		if (sqlite3_bind_parameter_count(st) >= 2)
			sqlite3_bind_int64(st, 2, req->in.desk.now_ms);
		if (dk_step_done(s, req, st, "purging visitors") == -1)
			return -1;
		if (i == 3)
			n = sqlite3_changes(s->db);
	}
	req->id = n;
	return purged_ids(s, req);
}

/* A page of a list: where binds ?1 since, ?2 the limit, ?3 the id the page
 * starts after (0: none). */
static int
desk_list(struct store *s, struct store_req *req, const struct store_table *t,
    const char *where)
{
	const struct desk_in *in = &req->in.desk;
	struct rows r = { 0 };
	int64_t b[3] = { in->since_ms, in->limit > 0 ? in->limit : -1, in->after };

	if (dk_select(s, req, t, where, b, 3, &r) == -1) {
		free(r.v);
		return -1;
	}
	req->rows = r.v;
	req->nrows = r.n;
	return 0;
}

/* The visitor's keys, ?1 the ID hash, ?2 the name, ?3 the phone. */
static void
bind_keys(sqlite3_stmt *st, const struct person_rec *p)
{
	sqlite3_bind_text(st, 1, p->id_hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, p->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, p->phone, -1, SQLITE_TRANSIENT);
}

/* Each row of "SELECT cols FROM t <where>", the keys bound, into r. */
static int
select_keys(struct store *s, struct store_req *req, const struct store_table *t,
    const char *where, struct rows *r)
{
	sqlite3_stmt *st;

	if (store_select_prepare(s, req, t, where, &st, "front desk") == -1)
		return -1;
	bind_keys(st, &req->in.desk.person);
	return dk_rows(s, req, t, st, r);
}

/*
 * A returning visitor: the newest person (a visitor, not purged) with the
 * ID hash (or, with none, the name and phone), the passes of every such
 * person counted (registrations before people were reused made one a
 * visit), and the newest of them.
 */
static int
visitor_find(struct store *s, struct store_req *req)
{
	struct desk_in *in = &req->in.desk;
	const char *who = in->person.id_hash[0] != '\0' ?
	    "kind = 'visitor' AND purged_ms IS NULL AND id_hash = ?1" :
	    "kind = 'visitor' AND purged_ms IS NULL AND name = ?2 AND phone = ?3";
	struct rows people = { 0 }, passes = { 0 };
	char where[400];
	sqlite3_stmt *st;
	int rc;

	snprintf(where, sizeof(where), "WHERE %s ORDER BY id DESC LIMIT 1", who);
	if (select_keys(s, req, &t_people, where, &people) == -1)
		goto out_fail;
	req->found = people.n > 0;
	if (!req->found)
		return 0;
	in->person = *(struct person_rec *)people.v;
	free(people.v);
	snprintf(where, sizeof(where), "SELECT count(*) FROM passes WHERE person"
	    " IN (SELECT id FROM people WHERE %s)", who);
	if (dk_prepare(s, req, where, &st) == -1)
		return -1;
	bind_keys(st, &in->person);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		req->id = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	}
	if (store_sql_end(s, req, st, rc, "passes") == -1)
		return -1;
	snprintf(where, sizeof(where), "WHERE person IN (SELECT id FROM people"
	    " WHERE %s) ORDER BY issued_ms DESC, id DESC LIMIT %d", who,
	    DESK_LAST_VISITS);
	if (select_keys(s, req, &t_passes, where, &passes) == -1) {
		free(passes.v);
		return -1;
	}
	req->rows = passes.v;
	req->nrows = passes.n;
	return 0;

out_fail:
	free(people.v);
	return -1;
}

/* The write of one action, inside its transaction. */
static int
desk_write(struct store *s, struct store_req *req)
{
	struct desk_in *in = &req->in.desk;

	switch (in->action) {
	case DESK_PERSON_PUT:
		return dk_put(s, req, &t_people, &in->person, &req->id);
	case DESK_PASS_PUT:
		return dk_put(s, req, &t_passes, &in->pass, &req->id);
	case DESK_REGISTER:
		if (dk_put(s, req, &t_people, &in->person, &in->person.id) == -1)
			return -1;
		in->pass.person = in->person.id;
		return dk_put(s, req, &t_passes, &in->pass, &req->id);
	case DESK_PERMIT_PUT:
		if (dk_put(s, req, &t_permits, &in->permit, &req->id) == -1)
			return -1;
		in->permit.id = req->id;
		return in->end_passes ? end_permit_passes(s, req) : 0;
	case DESK_WATCH_PUT:
		return dk_put(s, req, &t_watch, &in->watch, &req->id);
	case DESK_WATCH_DEL:
		return watch_del(s, req);
	case DESK_PRESENCE:
		return presence_put(s, req);
	case DESK_SHIFT_ADD:
		return dk_put(s, req, &t_shift, &in->shift, &req->id);
	case DESK_PURGE:
		return purge(s, req);
	default:
		return store_not_a_write(s, req, "front desk", (int)in->action);
	}
}

int
store_desk_do(struct store *s, struct store_req *req)
{
	struct desk_in *in = &req->in.desk;

	switch (in->action) {
	case DESK_LOAD:
		return desk_load(s, req);
	case DESK_SHIFT_LIST:
		return desk_list(s, req, &t_shift, "WHERE ts_ms >= ?1 AND id > ?3"
		    " ORDER BY id LIMIT ?2");
	case DESK_VISITOR_FIND:
		return visitor_find(s, req);
	case DESK_PASS_LIST:
		/* The newest first: a page goes on below the cursor. */
		return desk_list(s, req, &t_passes, in->all ?
		    "WHERE issued_ms >= ?1 AND (?3 = 0 OR id < ?3)"
		    " ORDER BY id DESC LIMIT ?2" :
		    "WHERE issued_ms >= ?1 AND ended_ms IS NULL AND (?3 = 0 OR"
		    " id < ?3) ORDER BY id DESC LIMIT ?2");
	default:
		break;
	}
	return store_in_tx(s, req, desk_write);
}
