/*
 * The SQL of freight-elevator bookings, run on the store thread: adding one,
 * cancelling one (only while active), and the lists; each write is one
 * committed transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "store_int.h"

#define bk_prepare(s, req, sql, st)	store_sql_prepare((s), (req), (sql), (st), "bookings")
#define BK_BIND(st, i, field)		STORE_BIND_TEXT(st, i, field)
#define BK_COL(st, i, field)		STORE_COL_TEXT(st, i, field)

#define BOOKING_LIST_MAX	1000	/* rows one list returns at most */
#define BK_COLS	"id, unit, elevator, card, from_ms, until_ms, booked_by, " \
		"booked_ms, state, cancelled_by, cancelled_ms"

static void
bk_read(sqlite3_stmt *st, void *row)
{
	struct booking_rec *b = row;

	b->id = sqlite3_column_int64(st, 0);
	BK_COL(st, 1, b->unit);
	BK_COL(st, 2, b->elevator);
	BK_COL(st, 3, b->card);
	b->from_ms = sqlite3_column_int64(st, 4);
	b->until_ms = sqlite3_column_int64(st, 5);
	BK_COL(st, 6, b->booked_by);
	b->booked_ms = sqlite3_column_int64(st, 7);
	BK_COL(st, 8, b->state);
	BK_COL(st, 9, b->cancelled_by);
	b->cancelled_ms = sqlite3_column_int64(st, 10);	/* NULL reads as 0 */
}

int
store_booking_add(struct store *s, struct store_req *req)
{
	const struct booking_rec *b = &req->in.booking;
	sqlite3_stmt *st;

	if (bk_prepare(s, req, "INSERT INTO bookings (unit, elevator, card, "
	    "from_ms, until_ms, booked_by, booked_ms, state) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, 'active')", &st) == -1)
		return -1;
	BK_BIND(st, 1, b->unit);
	BK_BIND(st, 2, b->elevator);
	BK_BIND(st, 3, b->card);
	sqlite3_bind_int64(st, 4, b->from_ms);
	sqlite3_bind_int64(st, 5, b->until_ms);
	BK_BIND(st, 6, b->booked_by);
	sqlite3_bind_int64(st, 7, b->booked_ms);
	if (store_sql_commit(s, req, st, "writing booking") == -1)
		return -1;
	req->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* The booking in.booking.id as it is now, into out.rows. */
static int
bk_get(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;

	if (bk_prepare(s, req, "SELECT " BK_COLS " FROM bookings WHERE id = ?",
	    &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, req->in.booking.id);
	return store_select_once(s, req, st, sizeof(struct booking_rec), bk_read);
}

int
store_booking_cancel(struct store *s, struct store_req *req)
{
	const struct booking_rec *b = &req->in.booking;
	sqlite3_stmt *st;

	if (bk_prepare(s, req, "UPDATE bookings SET state = 'cancelled', "
	    "cancelled_by = ?2, cancelled_ms = ?3 WHERE id = ?1 AND "
	    "state = 'active'", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, b->id);
	BK_BIND(st, 2, b->cancelled_by);
	sqlite3_bind_int64(st, 3, b->cancelled_ms);
	if (store_sql_commit(s, req, st, "cancelling booking") == -1)
		return -1;
	req->found = sqlite3_changes(s->db) > 0;
	return bk_get(s, req);
}

int
store_booking_list(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;

	if (bk_prepare(s, req, req->in.query.all ?
	    "SELECT " BK_COLS " FROM (SELECT " BK_COLS " FROM bookings "
	    "ORDER BY from_ms DESC, id DESC LIMIT ?2) ORDER BY from_ms, id" :
	    "SELECT " BK_COLS " FROM bookings WHERE state = 'active' AND "
	    "until_ms > ?1 ORDER BY from_ms, id LIMIT ?2", &st) == -1)
		return -1;
	if (!req->in.query.all)
		sqlite3_bind_int64(st, 1, req->in.query.since_ms);
	sqlite3_bind_int(st, 2, BOOKING_LIST_MAX);
	return store_select_once(s, req, st, sizeof(struct booking_rec), bk_read);
}
