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

#define BOOKING_LIST_MAX	1000	/* rows one list returns at most */

static const struct store_table t_bookings =
    STORE_TABLE("bookings", booking_rec,
	COL_ROWID(booking_rec, id), COL(booking_rec, unit),
	COL(booking_rec, elevator), COL(booking_rec, card),
	COL(booking_rec, from_ms), COL(booking_rec, until_ms),
	COL(booking_rec, booked_by), COL(booking_rec, booked_ms),
	COL(booking_rec, state), COL(booking_rec, cancelled_by),
	COL_REF(booking_rec, cancelled_ms));

/* A new booking: active, nobody has cancelled it. */
int
store_booking_add(struct store *s, struct store_req *req)
{
	struct booking_rec b = req->in.booking;
	sqlite3_stmt *st;

	str_copy(b.state, "active", sizeof(b.state));
	b.cancelled_by[0] = '\0';
	b.cancelled_ms = 0;
	if (store_insert_prepare(s, req, &t_bookings, "INSERT", &b, &st,
	    "bookings") == -1 ||
	    store_sql_commit(s, req, st, "writing booking") == -1)
		return -1;
	req->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_booking_cancel(struct store *s, struct store_req *req)
{
	const struct booking_rec *b = &req->in.booking;
	sqlite3_stmt *st;

	if (store_sql_prepare(s, req, "UPDATE bookings SET state = 'cancelled', "
	    "cancelled_by = ?2, cancelled_ms = ?3 WHERE id = ?1 AND "
	    "state = 'active'", &st, "bookings") == -1)
		return -1;
	sqlite3_bind_int64(st, 1, b->id);
	STORE_BIND_TEXT(st, 2, b->cancelled_by);
	sqlite3_bind_int64(st, 3, b->cancelled_ms);
	if (store_sql_commit(s, req, st, "cancelling booking") == -1)
		return -1;
	req->found = sqlite3_changes(s->db) > 0;
	/* The booking as it is now, into out.rows. */
	return store_select_key(s, req, &t_bookings, "WHERE id = ?", b->id,
	    "bookings");
}

int
store_booking_list(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;

	if (store_select_prepare(s, req, &t_bookings, req->in.query.all ?
	    "WHERE id IN (SELECT id FROM bookings ORDER BY from_ms DESC, "
	    "id DESC LIMIT ?2) ORDER BY from_ms, id" :
	    "WHERE state = 'active' AND until_ms > ?1 ORDER BY from_ms, id "
	    "LIMIT ?2", &st, "bookings") == -1)
		return -1;
	if (!req->in.query.all)
		sqlite3_bind_int64(st, 1, req->in.query.since_ms);
	sqlite3_bind_int(st, 2, BOOKING_LIST_MAX);
	return store_select_once(s, req, st, &t_bookings);
}
