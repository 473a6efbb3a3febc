/*
 * The SQL of the front desk's records (db/desk.h), run on the store thread.
 * Each record type is described once, column by column, and the statements
 * that write and read it are made from that description: a new field is one
 * line here and one in the schema.
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

enum col_type {
	C_I64,		/* int64_t */
	C_REF,		/* int64_t, 0 stored as NULL */
	C_INT,		/* int */
	C_BOOL,		/* bool */
	C_U8,		/* uint8_t */
	C_U64,		/* uint64_t, stored as a signed 64-bit integer */
	C_TEXT,		/* char[], "" stored as NULL */
};

struct col {
	const char	*name;
	enum col_type	type;
	size_t		off, size;
};

#define COL(rec, f, t)	{ #f, t, offsetof(struct rec, f), sizeof(((struct rec *)0)->f) }

static const struct col person_cols[] = {
	COL(person_rec, id, C_REF), COL(person_rec, kind, C_TEXT),
	COL(person_rec, status, C_TEXT), COL(person_rec, name, C_TEXT),
	COL(person_rec, id_type, C_TEXT), COL(person_rec, id_hash, C_TEXT),
	COL(person_rec, id_mask, C_TEXT), COL(person_rec, company, C_TEXT),
	COL(person_rec, unit, C_TEXT), COL(person_rec, schedule, C_TEXT),
	COL(person_rec, created_ms, C_I64), COL(person_rec, created_by, C_TEXT),
	COL(person_rec, updated_ms, C_I64), COL(person_rec, purged_ms, C_REF),
	COL(person_rec, phone, C_TEXT),
};

static const struct col pass_cols[] = {
	COL(pass_rec, id, C_REF), COL(pass_rec, person, C_I64),
	COL(pass_rec, credential, C_TEXT), COL(pass_rec, state, C_TEXT),
	COL(pass_rec, valid_from_ms, C_I64), COL(pass_rec, valid_until_ms, C_I64),
	COL(pass_rec, lanes, C_TEXT), COL(pass_rec, floors, C_U64),
	COL(pass_rec, single_entry, C_BOOL), COL(pass_rec, used, C_BOOL),
	COL(pass_rec, permit, C_REF), COL(pass_rec, issued_ms, C_I64),
	COL(pass_rec, issued_by, C_TEXT), COL(pass_rec, confirmed_ms, C_REF),
	COL(pass_rec, confirmed_by, C_TEXT), COL(pass_rec, ended_ms, C_REF),
	COL(pass_rec, ended_by, C_TEXT), COL(pass_rec, end_reason, C_TEXT),
	COL(pass_rec, vclass, C_TEXT), COL(pass_rec, host, C_TEXT),
	COL(pass_rec, purpose, C_TEXT), COL(pass_rec, party, C_INT),
	COL(pass_rec, appointment, C_BOOL), COL(pass_rec, override_by, C_TEXT),
	COL(pass_rec, override_reason, C_TEXT), COL(pass_rec, host_unit, C_TEXT),
	COL(pass_rec, host_reason, C_TEXT),
};

static const struct col permit_cols[] = {
	COL(permit_rec, id, C_REF), COL(permit_rec, unit, C_TEXT),
	COL(permit_rec, company, C_TEXT), COL(permit_rec, from_date, C_INT),
	COL(permit_rec, until_date, C_INT), COL(permit_rec, days, C_U8),
	COL(permit_rec, hours, C_TEXT), COL(permit_rec, floor, C_INT),
	COL(permit_rec, fees_paid, C_BOOL), COL(permit_rec, state, C_TEXT),
	COL(permit_rec, created_ms, C_I64), COL(permit_rec, created_by, C_TEXT),
	COL(permit_rec, updated_ms, C_I64), COL(permit_rec, updated_by, C_TEXT),
};

static const struct col watch_cols[] = {
	COL(watch_rec, id, C_REF), COL(watch_rec, id_type, C_TEXT),
	COL(watch_rec, id_hash, C_TEXT), COL(watch_rec, id_mask, C_TEXT),
	COL(watch_rec, name, C_TEXT), COL(watch_rec, note, C_TEXT),
	COL(watch_rec, added_ms, C_I64), COL(watch_rec, added_by, C_TEXT),
};

static const struct col presence_cols[] = {
	COL(presence_rec, person, C_I64), COL(presence_rec, zone, C_TEXT),
	COL(presence_rec, inside, C_BOOL), COL(presence_rec, since_ms, C_I64),
	COL(presence_rec, lane, C_TEXT),
};

static const struct col shift_cols[] = {
	COL(shift_rec, id, C_REF), COL(shift_rec, ts_ms, C_I64),
	COL(shift_rec, actor, C_TEXT), COL(shift_rec, kind, C_TEXT),
	COL(shift_rec, text, C_TEXT),
};

struct table {
	const char	*name;
	const struct col *cols;
	int		ncols;
	size_t		size;		/* of the record */
};

#define TABLE(n, c, rec) { n, c, (int)(sizeof(c) / sizeof(c[0])), sizeof(struct rec) }

static const struct table t_people = TABLE("people", person_cols, person_rec);
static const struct table t_passes = TABLE("passes", pass_cols, pass_rec);
static const struct table t_permits = TABLE("permits", permit_cols, permit_rec);
static const struct table t_watch = TABLE("watchlist", watch_cols, watch_rec);
static const struct table t_presence = TABLE("presence", presence_cols, presence_rec);
static const struct table t_shift = TABLE("shift_log", shift_cols, shift_rec);

/* "a, b, c" of t's columns. */
static void
col_list(const struct table *t, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < t->ncols && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
		    t->cols[i].name);
}

static void
bind_rec(sqlite3_stmt *st, const struct table *t, const void *rec)
{
	const char *base = rec;

	for (int i = 0; i < t->ncols; i++) {
		const struct col *c = &t->cols[i];
		const void *p = base + c->off;
		int64_t v;

		switch (c->type) {
		case C_TEXT:
			store_bind_text(st, i + 1, p, c->size);
			continue;
		case C_I64: case C_REF: v = *(const int64_t *)p; break;
		case C_INT:	v = *(const int *)p; break;
		case C_BOOL:	v = *(const bool *)p ? 1 : 0; break;
		case C_U8:	v = *(const uint8_t *)p; break;
		case C_U64:	v = (int64_t)*(const uint64_t *)p; break;
		default:	v = 0; break;
		}
		if (c->type == C_REF && v == 0)
			sqlite3_bind_null(st, i + 1);
		else
			sqlite3_bind_int64(st, i + 1, v);
	}
}

static void
read_rec(sqlite3_stmt *st, const struct table *t, void *rec)
{
	char *base = rec;

	for (int i = 0; i < t->ncols; i++) {
		const struct col *c = &t->cols[i];
		void *p = base + c->off;
		int64_t v = sqlite3_column_int64(st, i);

		switch (c->type) {
		case C_TEXT:
			store_col_text(st, i, p, c->size);
			break;
		case C_I64: case C_REF: *(int64_t *)p = v; break;
		case C_INT:	*(int *)p = (int)v; break;
		case C_BOOL:	*(bool *)p = v != 0; break;
		case C_U8:	*(uint8_t *)p = (uint8_t)v; break;
		case C_U64:	*(uint64_t *)p = (uint64_t)v; break;
		}
	}
}

/* Inserts rec (its id 0: a new row) or replaces the row with its id; the
 * row id in *id. */
static int
dk_put(struct store *s, struct store_req *req, const struct table *t,
    const void *rec, int64_t *id)
{
	char cols[600], sql[1200], q[200];
	sqlite3_stmt *st;
	size_t n = 0;

	col_list(t, cols, sizeof(cols));
	for (int i = 0; i < t->ncols; i++)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "%s?", i ? ", " : "");
	snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO %s (%s) VALUES (%s)",
	    t->name, cols, q);
	if (dk_prepare(s, req, sql, &st) == -1)
		return -1;
	bind_rec(st, t, rec);
	if (dk_step_done(s, req, st, t->name) == -1)
		return -1;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

struct rows {
	void	*v;
	size_t	n, cap;
};

/* Appends every row of "SELECT cols FROM t <where>" (binds: int64s) to r. */
static int
dk_select(struct store *s, struct store_req *req, const struct table *t,
    const char *where, const int64_t *binds, int nbinds, struct rows *r)
{
	char cols[600], sql[1200];
	sqlite3_stmt *st;
	int rc;

	col_list(t, cols, sizeof(cols));
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s %s", cols, t->name, where);
	if (dk_prepare(s, req, sql, &st) == -1)
		return -1;
	for (int i = 0; i < nbinds; i++)
		sqlite3_bind_int64(st, i + 1, binds[i]);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		void *rec = store_rows_push(&r->v, &r->n, &r->cap, t->size);

		if (rec == NULL) {
			snprintf(req->error, sizeof(req->error),
			    "%s: out of memory", s->path);
			sqlite3_finalize(st);
			return -1;
		}
		read_rec(st, t, rec);
	}
	return store_sql_end(s, req, st, rc, t->name);
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
	if (dk_step_done(s, req, st, "ending the permit's passes") == -1)
		return -1;
	req->found = sqlite3_changes(s->db) > 0;
	return 0;
}

static int
watch_del(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;

	if (dk_prepare(s, req, "DELETE FROM watchlist WHERE id = ?", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, req->in.desk.id);
	if (dk_step_done(s, req, st, "watch list") == -1)
		return -1;
	req->found = sqlite3_changes(s->db) > 0;
	return 0;
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
 * and mask, and their passes the registration's words; the events that
 * name them keep the person's id and lose the name in their detail.
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

static int
desk_list(struct store *s, struct store_req *req, const struct table *t,
    const char *where, int64_t since)
{
	struct rows r = { 0 };
	int64_t b[2] = { since, DESK_LIST_MAX };

	if (dk_select(s, req, t, where, b, 2, &r) == -1) {
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
select_keys(struct store *s, struct store_req *req, const struct table *t,
    const char *where, struct rows *r)
{
	char cols[600], sql[1200];
	sqlite3_stmt *st;
	int rc;

	col_list(t, cols, sizeof(cols));
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s %s", cols, t->name, where);
	if (dk_prepare(s, req, sql, &st) == -1)
		return -1;
	bind_keys(st, &req->in.desk.person);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		void *rec = store_rows_push(&r->v, &r->n, &r->cap, t->size);

		if (rec == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		read_rec(st, t, rec);
	}
	return store_sql_end(s, req, st, rc, t->name);
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
		snprintf(req->error, sizeof(req->error), "%s: front desk action %d"
		    " is not a write", s->path, (int)in->action);
		return -1;
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
		return desk_list(s, req, &t_shift, "WHERE ts_ms >= ?1 ORDER BY id"
		    " LIMIT ?2", in->since_ms);
	case DESK_VISITOR_FIND:
		return visitor_find(s, req);
	case DESK_PASS_LIST:
		return desk_list(s, req, &t_passes, in->all ?
		    "WHERE issued_ms >= ?1 ORDER BY id DESC LIMIT ?2" :
		    "WHERE issued_ms >= ?1 AND ended_ms IS NULL ORDER BY id DESC"
		    " LIMIT ?2", in->since_ms);
	default:
		break;
	}
	if (store_begin(s, req->error, sizeof(req->error)) == -1)
		return -1;
	if (desk_write(s, req) == -1) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, req->error, sizeof(req->error));
}
