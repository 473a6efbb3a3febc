/*
 * The SQL of the tenant directory (db/tenants.h), run on the store thread:
 * companies with their units and contacts added, replaced by an import,
 * removed, listed a page at a time, and the company holding a unit found
 * for a visitor's host. Each write is one transaction.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "store_int.h"

#define tn_prepare(s, req, sql, st)	store_sql_prepare((s), (req), (sql), (st), "tenants")
#define TN_BIND(st, i, field)		STORE_BIND_TEXT(st, i, field)
#define TN_COL(st, i, field)		STORE_COL_TEXT(st, i, field)

#define TN_COLS	"id, name, short_name, floors, created_ms, created_by, " \
		"updated_ms, updated_by"
#define CT_COLS	"id, tenant, name, phone, role, notify, notify_detail"

static void
tn_read(sqlite3_stmt *st, struct tenant_rec *t)
{
	t->id = sqlite3_column_int64(st, 0);
	TN_COL(st, 1, t->name);
	TN_COL(st, 2, t->short_name);
	t->floors = (uint64_t)sqlite3_column_int64(st, 3);
	t->created_ms = sqlite3_column_int64(st, 4);
	TN_COL(st, 5, t->created_by);
	t->updated_ms = sqlite3_column_int64(st, 6);
	TN_COL(st, 7, t->updated_by);
}

static void
ct_read(sqlite3_stmt *st, struct contact_rec *c)
{
	c->id = sqlite3_column_int64(st, 0);
	c->tenant = sqlite3_column_int64(st, 1);
	TN_COL(st, 2, c->name);
	TN_COL(st, 3, c->phone);
	TN_COL(st, 4, c->role);
	TN_COL(st, 5, c->notify);
	TN_COL(st, 6, c->notify_detail);
}

/* A new row at the end of req->rows; NULL (error set) out of memory. */
static struct tenant_row *
row_push(struct store *s, struct store_req *req, size_t *cap)
{
	struct tenant_row *r = store_rows_push(&req->rows, &req->nrows, cap,
	    sizeof(*r));

	if (r == NULL)
		snprintf(req->error, sizeof(req->error), "%s: out of memory", s->path);
	return r;
}

/* t's units (in the order given) and how many contacts it has. */
static int
tn_fill(struct store *s, struct store_req *req, struct tenant_rec *t)
{
	sqlite3_stmt *st;
	int rc;

	if (tn_prepare(s, req, "SELECT unit FROM tenant_units WHERE tenant = ?"
	    " ORDER BY pos", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, t->id);
	t->nunits = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (t->nunits < TENANT_REC_UNITS)
			TN_COL(st, 0, t->units[t->nunits++]);
	if (store_sql_end(s, req, st, rc, "tenant units") == -1)
		return -1;
	if (tn_prepare(s, req, "SELECT count(*) FROM tenant_contacts WHERE"
	    " tenant = ?", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, t->id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t->ncontacts = sqlite3_column_int(st, 0);
		rc = sqlite3_step(st);
	}
	return store_sql_end(s, req, st, rc, "tenant contacts");
}

/* The contacts of company id, each a row of req->rows. */
static int
ct_rows(struct store *s, struct store_req *req, int64_t id, size_t *cap)
{
	sqlite3_stmt *st;
	int rc;

	if (tn_prepare(s, req, "SELECT " CT_COLS " FROM tenant_contacts WHERE"
	    " tenant = ? ORDER BY id", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tenant_row *r = row_push(s, req, cap);

		if (r == NULL) {
			sqlite3_finalize(st);
			return -1;
		}
		r->is_contact = true;
		ct_read(st, &r->c);
	}
	return store_sql_end(s, req, st, rc, "tenant contacts");
}

/*
 * The companies st selects, each filled in and (with contacts) followed by
 * its contacts; at most limit of them (<= 0: all), req->more when st had
 * another. st is finalized.
 */
static int
tn_rows(struct store *s, struct store_req *req, sqlite3_stmt *st, int limit,
    bool contacts)
{
	size_t cap = 0;
	int rc, n = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tenant_row *r;

		if (limit > 0 && n == limit) {
			req->more = true;
			rc = SQLITE_DONE;
			break;
		}
		if ((r = row_push(s, req, &cap)) == NULL)
			goto out_fail;
		tn_read(st, &r->t);
		n++;
		/* r moves as the rows grow: ct_rows() gets its id by value. */
		if (tn_fill(s, req, &r->t) == -1 ||
		    (contacts && ct_rows(s, req, r->t.id, &cap) == -1))
			goto out_fail;
	}
	return store_sql_end(s, req, st, rc, "tenants");

out_fail:
	sqlite3_finalize(st);
	store_rows_drop(req);
	return -1;
}

static int
tn_get(struct store *s, struct store_req *req)
{
	const struct tenant_in *in = &req->in.tenant;
	sqlite3_stmt *st;

	if (tn_prepare(s, req, in->id != 0 ? "SELECT " TN_COLS " FROM tenants"
	    " WHERE id = ?1" : "SELECT " TN_COLS " FROM tenants WHERE name = ?2",
	    &st) == -1)
		return -1;
	if (in->id != 0)
		sqlite3_bind_int64(st, 1, in->id);
	else
		TN_BIND(st, 2, in->name);
	if (tn_rows(s, req, st, 1, true) == -1)
		return -1;
	req->found = req->nrows > 0;
	return 0;
}

static int
tn_list(struct store *s, struct store_req *req)
{
	const struct tenant_in *in = &req->in.tenant;
	sqlite3_stmt *st;

	if (tn_prepare(s, req, "SELECT " TN_COLS " FROM tenants WHERE name > ?1"
	    " ORDER BY name LIMIT ?2", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, in->after, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, in->limit > 0 ? in->limit + 1 : -1);
	return tn_rows(s, req, st, in->limit, in->contacts);
}

/* The company holding unit: found and its rows; req->id: companies in all. */
static int
tn_host(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;
	int rc;

	if (tn_prepare(s, req, "SELECT count(*) FROM tenants", &st) == -1)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		req->id = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	}
	if (store_sql_end(s, req, st, rc, "tenants") == -1)
		return -1;
	if (tn_prepare(s, req, "SELECT " TN_COLS " FROM tenants WHERE id ="
	    " (SELECT tenant FROM tenant_units WHERE unit = ?)", &st) == -1)
		return -1;
	TN_BIND(st, 1, req->in.tenant.unit);
	if (tn_rows(s, req, st, 1, true) == -1)
		return -1;
	req->found = req->nrows > 0;
	return 0;
}

/* ---- writes ------------------------------------------------------------- */

/* The id of the company called name (any case), 0 none, -1 failed. */
static int64_t
tn_id_of(struct store *s, struct store_req *req, const char *name)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	int rc;

	if (tn_prepare(s, req, "SELECT id FROM tenants WHERE name = ?", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	}
	return store_sql_end(s, req, st, rc, "tenants") == -1 ? -1 : id;
}

/* "LINE: " for an import's errors, "" otherwise. */
static void
where(const struct store_req *req, int64_t line, char *out, size_t len)
{
	const struct tenant_in *in = &req->in.tenant;

	if (in->action == TENANT_IMPORT && line > 0)
		snprintf(out, len, "%s:%" PRId64 ": ", in->file != NULL ?
		    in->file : "", line);
	else
		out[0] = '\0';
}

static int
exec_id(struct store *s, struct store_req *req, const char *sql, int64_t id)
{
	sqlite3_stmt *st;

	if (tn_prepare(s, req, sql, &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return store_sql_done(s, req, st, "tenants");
}

/* The company's units, each free or its own already. */
static int
units_put(struct store *s, struct store_req *req, const struct tenant_rec *t,
    int64_t id)
{
	char at[96];

	for (int i = 0; i < t->nunits; i++) {
		sqlite3_stmt *st;
		int rc;

		if (tn_prepare(s, req, "INSERT INTO tenant_units (unit, tenant, pos)"
		    " VALUES (?, ?, ?)", &st) == -1)
			return -1;
		TN_BIND(st, 1, t->units[i]);
		sqlite3_bind_int64(st, 2, id);
		sqlite3_bind_int(st, 3, i);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc == SQLITE_DONE)
			continue;
		where(req, t->line, at, sizeof(at));
		if ((rc & 0xff) != SQLITE_CONSTRAINT) {
			store_sqlerr(s, req->error, sizeof(req->error), "tenant units");
			return -1;
		}
		/* Whose it is, for the error. */
		if (tn_prepare(s, req, "SELECT t.name FROM tenant_units u JOIN"
		    " tenants t ON t.id = u.tenant WHERE u.unit = ?", &st) == -1)
			return -1;
		TN_BIND(st, 1, t->units[i]);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(req->error, sizeof(req->error), "%sunit %s is %.60s's "
			    "already", at, t->units[i], (const char *)sqlite3_column_text(st, 0));
		else
			snprintf(req->error, sizeof(req->error), "%sunit %s is named "
			    "twice", at, t->units[i]);
		sqlite3_finalize(st);
		return -1;
	}
	return 0;
}

static int
contact_insert(struct store *s, struct store_req *req, const struct contact_rec *c,
    int64_t tenant)
{
	sqlite3_stmt *st;

	if (tn_prepare(s, req, "INSERT INTO tenant_contacts (tenant, name, phone,"
	    " role, notify, notify_detail) VALUES (?, ?, ?, ?, ?, ?)", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, tenant);
	TN_BIND(st, 2, c->name);
	TN_BIND(st, 3, c->phone);
	TN_BIND(st, 4, c->role);
	TN_BIND(st, 5, c->notify);
	TN_BIND(st, 6, c->notify_detail);
	if (store_sql_done(s, req, st, "tenant contacts") == -1)
		return -1;
	req->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* One company (a new one, or old replacing that id) with its units. */
static int
tenant_write(struct store *s, struct store_req *req, const struct tenant_rec *t,
    int64_t old, int64_t *id)
{
	const struct tenant_in *in = &req->in.tenant;
	sqlite3_stmt *st;

	if (tn_prepare(s, req, old != 0 ? "UPDATE tenants SET short_name = ?1,"
	    " floors = ?2, updated_ms = ?3, updated_by = ?4, name = ?5 WHERE id = ?6" :
	    "INSERT INTO tenants (short_name, floors, updated_ms, updated_by, name,"
	    " created_ms, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?3, ?4)", &st) == -1)
		return -1;
	TN_BIND(st, 1, t->short_name);
	sqlite3_bind_int64(st, 2, (int64_t)t->floors);
	sqlite3_bind_int64(st, 3, in->now_ms);
	sqlite3_bind_text(st, 4, in->actor, -1, SQLITE_TRANSIENT);
	TN_BIND(st, 5, t->name);
	if (old != 0)
		sqlite3_bind_int64(st, 6, old);
	if (store_sql_done(s, req, st, "tenants") == -1)
		return -1;
	*id = old != 0 ? old : sqlite3_last_insert_rowid(s->db);
	return units_put(s, req, t, *id);
}

/* Each company's name once in rows (any case): -1 with the second's line. */
static int
names_once(struct store *s, struct store_req *req)
{
	const struct tenant_in *in = &req->in.tenant;
	sqlite3_stmt *st;
	char at[96];
	int rc = SQLITE_DONE;

	/* exec_id's id binds nothing here. */
	if (exec_id(s, req, "CREATE TEMP TABLE IF NOT EXISTS tenant_names (name TEXT"
	    " PRIMARY KEY COLLATE NOCASE)", 0) == -1 ||
	    exec_id(s, req, "DELETE FROM tenant_names", 0) == -1 ||
	    tn_prepare(s, req, "INSERT INTO tenant_names VALUES (?)", &st) == -1)
		return -1;
	for (size_t i = 0; i < in->nrows && rc == SQLITE_DONE; i++) {
		if (in->rows[i].is_contact)
			continue;
		TN_BIND(st, 1, in->rows[i].t.name);
		if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
			sqlite3_reset(st);
			continue;
		}
		if ((rc & 0xff) == SQLITE_CONSTRAINT) {
			sqlite3_finalize(st);
			where(req, in->rows[i].t.line, at, sizeof(at));
			snprintf(req->error, sizeof(req->error), "%s%.60s is in the "
			    "file twice", at, in->rows[i].t.name);
			return -1;
		}
	}
	return store_sql_end(s, req, st, rc, "tenant names");
}

/* rows: companies, each followed by its contacts. */
static int
tenants_write(struct store *s, struct store_req *req)
{
	struct tenant_in *in = &req->in.tenant;
	int64_t id = 0, old;

	if (names_once(s, req) == -1)
		return -1;

	/* First every company named loses its units and contacts, so that a
	 * unit may move from one to another within one import. */
	for (size_t i = 0; i < in->nrows; i++) {
		if (in->rows[i].is_contact)
			continue;
		if ((old = tn_id_of(s, req, in->rows[i].t.name)) == -1)
			return -1;
		if (old != 0 && in->action == TENANT_PUT) {
			snprintf(req->error, sizeof(req->error), "a tenant called "
			    "%.60s is in the directory already (tenant %" PRId64 ")",
			    in->rows[i].t.name, old);
			return -1;
		}
		if (old != 0 && (exec_id(s, req, "DELETE FROM tenant_units WHERE"
		    " tenant = ?", old) == -1 || exec_id(s, req, "DELETE FROM"
		    " tenant_contacts WHERE tenant = ?", old) == -1))
			return -1;
	}
	for (size_t i = 0; i < in->nrows; i++) {
		const struct tenant_row *r = &in->rows[i];

		if (r->is_contact) {
			if (id == 0) {
				snprintf(req->error, sizeof(req->error), "a contact "
				    "before any company");
				return -1;
			}
			if (contact_insert(s, req, &r->c, id) == -1)
				return -1;
			continue;
		}
		if ((old = tn_id_of(s, req, r->t.name)) == -1 ||
		    tenant_write(s, req, &r->t, old, &id) == -1)
			return -1;
		if (old != 0)
			in->replaced++;
		else
			in->added++;
	}
	req->id = id;
	return 0;
}

/* The company was changed now, by the request's actor. */
static int
tn_touch(struct store *s, struct store_req *req, int64_t id)
{
	sqlite3_stmt *st;

	if (tn_prepare(s, req, "UPDATE tenants SET updated_ms = ?, updated_by = ?"
	    " WHERE id = ?", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, req->in.tenant.now_ms);
	sqlite3_bind_text(st, 2, req->in.tenant.actor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, id);
	return store_sql_done(s, req, st, "tenants");
}

static int
contact_put(struct store *s, struct store_req *req)
{
	const struct contact_rec *c = &req->in.tenant.contact;
	sqlite3_stmt *st;
	int rc, n = -1;

	if (tn_prepare(s, req, "SELECT (SELECT count(*) FROM tenant_contacts WHERE"
	    " tenant = ?1) FROM tenants WHERE id = ?1", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, c->tenant);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n = sqlite3_column_int(st, 0);
		rc = sqlite3_step(st);
	}
	if (store_sql_end(s, req, st, rc, "tenants") == -1)
		return -1;
	if (n < 0) {
		snprintf(req->error, sizeof(req->error), "no tenant %" PRId64, c->tenant);
		return -1;
	}
	if (n >= TENANT_REC_CONTACTS) {
		snprintf(req->error, sizeof(req->error), "tenant %" PRId64 " has %d "
		    "contacts, the most it may have", c->tenant, n);
		return -1;
	}
	if (contact_insert(s, req, c, c->tenant) == -1)
		return -1;
	return tn_touch(s, req, c->tenant);
}

static int
tenant_write_one(struct store *s, struct store_req *req)
{
	struct tenant_in *in = &req->in.tenant;
	sqlite3_stmt *st;

	switch (in->action) {
	case TENANT_PUT:
	case TENANT_IMPORT:
		return tenants_write(s, req);
	case TENANT_DEL:
		if (exec_id(s, req, "DELETE FROM tenant_units WHERE tenant = ?",
		    in->id) == -1 || exec_id(s, req, "DELETE FROM tenant_contacts"
		    " WHERE tenant = ?", in->id) == -1 ||
		    exec_id(s, req, "DELETE FROM tenants WHERE id = ?", in->id) == -1)
			return -1;
		req->found = sqlite3_changes(s->db) > 0;
		return 0;
	case TENANT_CONTACT_PUT:
		return contact_put(s, req);
	case TENANT_CONTACT_DEL:
		if (tn_prepare(s, req, "DELETE FROM tenant_contacts WHERE id = ? AND"
		    " tenant = ?", &st) == -1)
			return -1;
		sqlite3_bind_int64(st, 1, in->contact.id);
		sqlite3_bind_int64(st, 2, in->contact.tenant);
		if (store_sql_done(s, req, st, "tenant contacts") == -1)
			return -1;
		req->found = sqlite3_changes(s->db) > 0;
		return req->found ? tn_touch(s, req, in->contact.tenant) : 0;
	default:
		return store_not_a_write(s, req, "tenant", (int)in->action);
	}
}

int
store_tenant_do(struct store *s, struct store_req *req)
{
	switch (req->in.tenant.action) {
	case TENANT_GET:
		return tn_get(s, req);
	case TENANT_LIST:
		return tn_list(s, req);
	case TENANT_HOST:
		return tn_host(s, req);
	default:
		break;
	}
	return store_in_tx(s, req, tenant_write_one);
}
