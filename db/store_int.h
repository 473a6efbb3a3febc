/*
 * The store's internals, shared by its two halves: the thread, queues and
 * completions (store.c) and the SQL of each operation (queries.c).
 */
#ifndef LOBBYD_STORE_INT_H
#define LOBBYD_STORE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store.h"

/* The prepared statements, s->st[], one per step of an operation. */
enum {
	STORE_ST_BEGIN,
	STORE_ST_COMMIT,
	STORE_ST_ROLLBACK,
	STORE_ST_EV_INSERT,
	STORE_ST_CARD_PUT,
	STORE_ST_CARD_ADD,
	STORE_ST_CARD_DEL,
	STORE_ST_CARD_LIST,
	STORE_ST_CARD_PAGE,
	STORE_ST_CARD_SCAN,
	STORE_ST_CARD_GET,
	STORE_ST_ALERT_RAISE,
	STORE_ST_ALERT_CLEAR,
	STORE_ST_ALERT_ACTIVE,
	STORE_ST_ALERT_ALL,
	STORE_ST_ALERT_PAGE,
	STORE_ST_FIRE_GET,
	STORE_ST_FIRE_PUT,
	STORE_ST_ALERT_ACK,
	STORE_ST_ALERT_ESCALATE,
	STORE_ST_ALERT_GET,
	STORE_ST_N
};

struct evbatch;

struct store {
	char		*path;
	int64_t		batch_ns;
	sqlite3		*db;
	sqlite3_stmt	*st[STORE_ST_N];
	int		efd;		/* eventfd: completions waiting */
	pthread_t	thread;
	pthread_mutex_t	mu;
	pthread_cond_t	wake;		/* the store thread has work */

	/* Under mu, engine to thread. */
	struct ev_rec	*q;		/* queued events, oldest first */
	size_t		qlen, qcap;
	int64_t		q_first_ns;	/* when q[0] was queued */
	uint64_t	ev_added;	/* events ever queued */
	uint64_t	ev_taken;	/* of which the thread has taken */
	struct store_req *req_head, *req_tail;
	bool		stopping;
	int64_t		close_deadline_ns;	/* stopping: give up writing then */
	bool		oom_logged;

	/* Under mu, thread to engine. */
	struct evbatch	*cev_head, *cev_tail;
	struct store_req *creq_head, *creq_tail;
	uint64_t	reqs_completed;
	struct store_stats stats;
	size_t		pend_len;	/* copy of npend for the stats */
	bool		health_failing;	/* as last told to the engine */
	bool		health_changed;	/* not yet told */
	char		health_why[160];

	/* The store thread's own. */
	struct ev_rec	*pend;		/* taken from q, not yet committed */
	size_t		npend, pendcap;
	bool		failing;	/* commits are failing; pend waits */
	int		retry_ms;
	int64_t		retry_ns;	/* next attempt while failing */
	char		errmsg[160];	/* why the last commit failed */
	int		last_err;	/* SQLite result code of the last failure */
	struct store_req *held_head, *held_tail;	/* held writes, in order */
	size_t		nheld;

	/* Checkpoints (checkpoint.c): a thread and a connection of their own. */
	sqlite3		*ckpt_db;
	pthread_t	ckpt_thread;
	bool		ckpt_running;
	pthread_mutex_t	ckpt_mu;
	pthread_cond_t	ckpt_wake;	/* under ckpt_mu: */
	bool		ckpt_due, ckpt_busy, ckpt_stop;
	uint64_t	checkpoints;	/* done */
	bool		ckpt_failing;	/* the checkpoint thread's own */

	/* The engine thread's own. */
	uint64_t	reqs_delivered;
	void		(*event_cb)(const struct ev_rec *, void *);
	void		*event_arg;
	void		(*health_cb)(bool, const char *, void *);
	void		*health_arg;
};

/* checkpoint.c: WAL checkpoints off the store thread, from store_open on
 * (on failure, logged, SQLite's own after commits stay); stopped before
 * the store closes its connection. */
void	store_ckpt_start(struct store *);
void	store_ckpt_stop(struct store *);
/* A checkpoint is due or under way: work that can wait (retention) lets
 * it finish first, so that the WAL can start again from its beginning. */
bool	store_ckpt_pending(struct store *);

/* queries.c: the connection, the statements and each operation's SQL. */
int	store_setup(struct store *, char *err, size_t errlen);
int	store_prepare(struct store *, char *err, size_t errlen);
void	store_close_db(struct store *);
void	store_sqlerr(struct store *, char *buf, size_t len, const char *what);
int	store_begin(struct store *, char *err, size_t errlen);
int	store_commit(struct store *, char *err, size_t errlen);
void	store_rollback(struct store *);
/* write(s, req) in a transaction of its own: committed when it returns 0,
 * rolled back when -1; 0, or -1 with req->error set. */
int	store_in_tx(struct store *, struct store_req *,
	    int (*write)(struct store *, struct store_req *));
/* For a write's dispatcher meeting an action it does not know: -1 with
 * "PATH: WHAT action N is not a write" in req->error. */
int	store_not_a_write(struct store *, struct store_req *, const char *what,
	    int action);
int	store_insert_event(struct store *, struct ev_rec *);
void	store_do(struct store *, struct store_req *);

/*
 * Each of the following carries out the request its name says, on the store
 * thread: 0, or -1 with req->error set.
 */
/* cardimport.c: STORE_CARD_STAGE, STORE_CARD_STAGE_COMMIT and _DROP. */
int	store_card_stage(struct store *, struct store_req *);
int	store_card_stage_commit(struct store *, struct store_req *);
int	store_card_stage_drop(struct store *, struct store_req *);

/* events.c: STORE_EVENT_QUERY, STORE_EXPORT_*, STORE_EVENT_PURGE. */
int	store_event_query(struct store *, struct store_req *);
int	store_export_begin(struct store *, struct store_req *);
int	store_export_done(struct store *, struct store_req *);
int	store_event_purge(struct store *, struct store_req *);

/* bookings.c: STORE_BOOKING_ADD, STORE_BOOKING_CANCEL, STORE_BOOKING_LIST. */
int	store_booking_add(struct store *, struct store_req *);
int	store_booking_cancel(struct store *, struct store_req *);
int	store_booking_list(struct store *, struct store_req *);
/* webusers.c: STORE_WEB_USER_PUT, STORE_WEB_LOGIN. */
int	store_web_put(struct store *, struct store_req *);
int	store_web_login(struct store *, struct store_req *);

/* notices.c: STORE_NOTICE_PUT, STORE_TOKEN_PUT, STORE_NOTICE_LOAD,
 * STORE_TOKEN_LOAD. */
int	store_notice_put(struct store *, struct store_req *);
int	store_token_put(struct store *, struct store_req *);
int	store_notice_load(struct store *, struct store_req *);
int	store_token_load(struct store *, struct store_req *);

/* tickets.c: every STORE_TICKET_* request. */
int	store_ticket_do(struct store *, struct store_req *);
/* desk.c: STORE_DESK, by in.desk.action. */
int	store_desk_do(struct store *, struct store_req *);
/* tenants.c: STORE_TENANT, by in.tenant.action. */
int	store_tenant_do(struct store *, struct store_req *);

/*
 * columns.c: a record type described once, column by column in the order
 * of its table; the statements that write and read whole records are made
 * from that description, so that a new field is one entry there and one in
 * the schema. A column's type comes from its field's C type; COL_REF and
 * COL_ROWID name the two conventions an int64_t may be stored with.
 */
enum store_col_type {
	C_ROWID,	/* int64_t, the row id: read, but left out of an insert
			   (SQLite numbers the new row) */
	C_I64,		/* int64_t */
	C_REF,		/* int64_t, 0 stored as NULL */
	C_INT,		/* int */
	C_BOOL,		/* bool */
	C_U8,		/* uint8_t */
	C_U64,		/* uint64_t, stored as a signed 64-bit integer */
	C_TEXT,		/* char[], "" stored as NULL (and NULL read as "") */
};

struct store_col {
	const char	*name;
	enum store_col_type type;
	size_t		off, size;
};

/* The column type of a field, from its C type; a char array is text. */
#define STORE_COL_TYPE(field)	_Generic((field), \
	int64_t: C_I64, int: C_INT, bool: C_BOOL, uint8_t: C_U8, \
	uint64_t: C_U64, char *: C_TEXT)
#define STORE_FIELD(rec, f)	(((struct rec *)0)->f)
#define STORE_COL(rec, f, name, type) \
	{ name, type, offsetof(struct rec, f), sizeof(STORE_FIELD(rec, f)) }

/* Field f of struct rec in the column of its name (COL_AS: in column
 * name), stored as its C type says. */
#define COL(rec, f)	COL_AS(rec, f, #f)
#define COL_AS(rec, f, name) \
	STORE_COL(rec, f, name, STORE_COL_TYPE(STORE_FIELD(rec, f)))
/* An int64_t field stored with a convention of its own: a reference, 0
 * stored as NULL; the row id. */
#define COL_REF(rec, f) \
	STORE_COL(rec, f, #f, _Generic(STORE_FIELD(rec, f), int64_t: C_REF))
#define COL_ROWID(rec, f) \
	STORE_COL(rec, f, #f, _Generic(STORE_FIELD(rec, f), int64_t: C_ROWID))

struct store_table {
	const char	*name;
	const struct store_col *cols;	/* ending in one without a name */
	size_t		size;		/* of the record */
};

/* Table name of struct rec records, its columns in the table's order. */
#define STORE_TABLE(tname, rec, ...) \
	{ tname, (const struct store_col[]){ __VA_ARGS__, { .name = NULL } }, \
	  sizeof(struct rec) }

/* Room for any statement made from a table. */
#define STORE_SQL_MAX	1536

/* "<verb> INTO t (cols) VALUES (?, ...)" of every column but the row id,
 * verb "INSERT" or "INSERT OR REPLACE", into buf. */
void	store_sql_insert(const struct store_table *, const char *verb,
	    char *buf, size_t len);
/* "SELECT cols FROM t <tail>" of every column, into buf. */
void	store_sql_select(const struct store_table *, const char *tail,
	    char *buf, size_t len);
/* Binds the columns of rec an insert writes to ?1, ?2, ...; reads every
 * column of the row st is on into rec. */
void	store_bind_rec(sqlite3_stmt *, const struct store_table *, const void *rec);
void	store_read_rec(sqlite3_stmt *, const struct store_table *, void *rec);
/* store_sql_insert prepared for req, rec bound; store_sql_select prepared.
 * -1 with the reason (naming what) in req->error. */
int	store_insert_prepare(struct store *, struct store_req *,
	    const struct store_table *, const char *verb, const void *rec,
	    sqlite3_stmt **, const char *what);
int	store_select_prepare(struct store *, struct store_req *,
	    const struct store_table *, const char *tail, sqlite3_stmt **,
	    const char *what);
/* Every row of store_sql_select(t, tail), its one parameter bound to key,
 * into req->rows: 0, or -1 with req->error set and no rows. */
int	store_select_key(struct store *, struct store_req *,
	    const struct store_table *, const char *tail, int64_t key,
	    const char *what);

/* Text fields bind with an empty string as NULL and read back NULL as "". */
int	store_bind_text(sqlite3_stmt *, int i, const char *s, size_t size);
void	store_col_text(sqlite3_stmt *, int i, char *dst, size_t size);
#define STORE_BIND_TEXT(st, i, field)	store_bind_text((st), (i), (field), sizeof(field))
#define STORE_COL_TEXT(st, i, field)	store_col_text((st), (i), (field), sizeof(field))

/* columns.c: steps a bound SELECT to the end, each row read as a record of
 * t into a new zeroed element of req->rows (or handed to req->each);
 * resets st. 0, or -1 with req->error set and no rows. */
int	store_select(struct store *, struct store_req *, sqlite3_stmt *st,
	    const struct store_table *t);
/* store_select on a statement made for this request alone, which it then
 * finalizes. */
int	store_select_once(struct store *, struct store_req *, sqlite3_stmt *st,
	    const struct store_table *t);
/* A new zeroed element of size at the end of the growing array *rows, its
 * length *n and room *cap; NULL when out of memory. */
void	*store_rows_push(void **rows, size_t *n, size_t *cap, size_t size);
/* Forgets req->rows. */
void	store_rows_drop(struct store_req *);
/* The end of a cached statement's rows: reset and unbound for its next
 * use. rc not SQLITE_DONE failed (what failed into the error, unless what
 * is NULL: the error is there already), and the rows gathered so far are
 * dropped: -1; else 0. */
int	store_rows_end(struct store *, struct store_req *, sqlite3_stmt *,
	    int rc, const char *what);

/* queries.c: the records every part of the store reads or writes. */
extern const struct store_table store_t_events;	/* struct ev_rec */
extern const struct store_table store_t_cards;	/* struct card_rec */

/* queries.c: the SQL pieces every part of the store uses. */
/* A statement for req; -1 with the reason (naming what) in req->error. */
int	store_sql_prepare(struct store *, struct store_req *, const char *sql,
	    sqlite3_stmt **, const char *what);
/* Finalizes st, whose last step returned rc: 0 when that was its end
 * (SQLITE_DONE), else -1 with the reason (naming what) in req->error. */
int	store_sql_end(struct store *, struct store_req *, sqlite3_stmt *st,
	    int rc, const char *what);
/* Steps a statement that returns no rows, then finalizes it; 0 or -1. */
int	store_sql_done(struct store *, struct store_req *, sqlite3_stmt *,
	    const char *what);
/* store_sql_done in a transaction of its own: committed, or rolled back
 * and -1. sqlite3_changes() and sqlite3_last_insert_rowid() still tell
 * what the statement did. */
int	store_sql_commit(struct store *, struct store_req *, sqlite3_stmt *,
	    const char *what);

#endif
