/*
 * Records and their columns (db/store_int.h): the statements that write and
 * read a whole record, made from its description, binding and reading one,
 * and the rows of a read gathered for its request.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "store_int.h"

/* "a, b, c": the names of t's columns (written: but the row id) at buf's
 * end; buf's new length. */
static size_t
col_list(const struct store_table *t, bool written, char *buf, size_t n,
    size_t len)
{
	const char *sep = "";

	for (int i = 0; t->cols[i].name != NULL && n < len; i++) {
		if (written && t->cols[i].type == C_ROWID)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", sep,
		    t->cols[i].name);
		sep = ", ";
	}
	return n < len ? n : len;
}

void
store_sql_insert(const struct store_table *t, const char *verb, char *buf,
    size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%s INTO %s (", verb, t->name);
	const char *sep = "";

	n = col_list(t, true, buf, n < len ? n : len, len);
	n += (size_t)snprintf(buf + n, len - n, ") VALUES (");
	for (int i = 0; t->cols[i].name != NULL && n < len; i++) {
		if (t->cols[i].type == C_ROWID)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s?", sep);
		sep = ", ";
	}
	if (n < len)
		snprintf(buf + n, len - n, ")");
}

void
store_sql_select(const struct store_table *t, const char *tail, char *buf,
    size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "SELECT ");

	n = col_list(t, false, buf, n, len);
	if (n < len)
		snprintf(buf + n, len - n, " FROM %s%s%s", t->name,
		    tail[0] != '\0' ? " " : "", tail);
}

void
store_bind_rec(sqlite3_stmt *st, const struct store_table *t, const void *rec)
{
	const char *base = rec;
	int n = 0;

	for (int i = 0; t->cols[i].name != NULL; i++) {
		const struct store_col *c = &t->cols[i];
		const void *p = base + c->off;
		int64_t v;

		switch (c->type) {
		case C_ROWID:
			continue;
		case C_TEXT:
			store_bind_text(st, ++n, p, c->size);
			continue;
		case C_I64: case C_REF: v = *(const int64_t *)p; break;
		case C_INT:	v = *(const int *)p; break;
		case C_BOOL:	v = *(const bool *)p ? 1 : 0; break;
		case C_U8:	v = *(const uint8_t *)p; break;
		case C_U64:	v = (int64_t)*(const uint64_t *)p; break;
		default:	v = 0; break;
		}
		if (c->type == C_REF && v == 0)
			sqlite3_bind_null(st, ++n);
		else
			sqlite3_bind_int64(st, ++n, v);
	}
}

void
store_read_rec(sqlite3_stmt *st, const struct store_table *t, void *rec)
{
	char *base = rec;

	for (int i = 0; t->cols[i].name != NULL; i++) {
		const struct store_col *c = &t->cols[i];
		void *p = base + c->off;
		int64_t v = sqlite3_column_int64(st, i);	/* NULL reads as 0 */

		switch (c->type) {
		case C_TEXT:
			store_col_text(st, i, p, c->size);
			break;
		case C_ROWID: case C_I64: case C_REF: *(int64_t *)p = v; break;
		case C_INT:	*(int *)p = (int)v; break;
		case C_BOOL:	*(bool *)p = v != 0; break;
		case C_U8:	*(uint8_t *)p = (uint8_t)v; break;
		case C_U64:	*(uint64_t *)p = (uint64_t)v; break;
		}
	}
}

int
store_insert_prepare(struct store *s, struct store_req *req,
    const struct store_table *t, const char *verb, const void *rec,
    sqlite3_stmt **st, const char *what)
{
	char sql[STORE_SQL_MAX];

	store_sql_insert(t, verb, sql, sizeof(sql));
	if (store_sql_prepare(s, req, sql, st, what) == -1)
		return -1;
	store_bind_rec(*st, t, rec);
	return 0;
}

int
store_select_prepare(struct store *s, struct store_req *req,
    const struct store_table *t, const char *tail, sqlite3_stmt **st,
    const char *what)
{
	char sql[STORE_SQL_MAX];

	store_sql_select(t, tail, sql, sizeof(sql));
	return store_sql_prepare(s, req, sql, st, what);
}

int
store_select_key(struct store *s, struct store_req *req,
    const struct store_table *t, const char *tail, int64_t key,
    const char *what)
{
	sqlite3_stmt *st;

	if (store_select_prepare(s, req, t, tail, &st, what) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, key);
	return store_select_once(s, req, st, t);
}

/* Binds a fixed-size text field; an empty string is stored as NULL. */
int
store_bind_text(sqlite3_stmt *st, int i, const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == 0)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, (int)n, SQLITE_TRANSIENT);
}

void
store_col_text(sqlite3_stmt *st, int i, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	str_copy(dst, t != NULL ? (const char *)t : "", size);
}

int
store_select(struct store *s, struct store_req *req, sqlite3_stmt *st,
    const struct store_table *t)
{
	size_t cap = 0;
	void *row;
	int rc;
	union {
		max_align_t	align;
		char		b[1024];
	} one;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (req->each != NULL && t->size <= sizeof(one.b)) {
			memset(one.b, 0, t->size);
			store_read_rec(st, t, one.b);
			req->each(one.b, req->each_arg);
			continue;
		}
		row = store_rows_push(&req->rows, &req->nrows, &cap, t->size);
		if (row == NULL) {
			snprintf(req->error, sizeof(req->error),
			    "%s: out of memory", s->path);
			return store_rows_end(s, req, st, SQLITE_NOMEM, NULL);
		}
		store_read_rec(st, t, row);
	}
	return store_rows_end(s, req, st, rc, "query");
}

int
store_rows_end(struct store *s, struct store_req *req, sqlite3_stmt *st,
    int rc, const char *what)
{
	if (rc != SQLITE_DONE && what != NULL)
		store_sqlerr(s, req->error, sizeof(req->error), what);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE)
		return 0;
	store_rows_drop(req);
	return -1;
}

int
store_select_once(struct store *s, struct store_req *req, sqlite3_stmt *st,
    const struct store_table *t)
{
	int rc = store_select(s, req, st, t);

	sqlite3_finalize(st);
	return rc;
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

void
store_rows_drop(struct store_req *req)
{
	free(req->rows);
	req->rows = NULL;
	req->nrows = 0;
}
