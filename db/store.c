/*
 * The store: one thread owns the SQLite connection. The engine queues events
 * and requests under a mutex; the thread commits them and hands completions
 * back through an eventfd, which store_complete() drains in commit order.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../daemon/util.h"
#include "schema.h"

#define STORE_BATCH_MAX		1000	/* this many queued events commit at once */
#define STORE_BUSY_MS		1000	/* waiting for another process's lock */
#define STORE_RETRY_MIN_MS	100	/* back-off after a failed commit */
#define STORE_RETRY_MAX_MS	5000
#define STORE_CLOSE_TRIES	5	/* failed commits store_close tolerates */
#define STORE_QUERY_MAX		10000	/* rows one event query returns at most */
#define STORE_QUERY_DEFAULT	100
#define STORE_ALERT_MAX		1000	/* rows one alert list returns at most */

enum {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_EV_INSERT,
	ST_EV_QUERY,
	ST_EV_QUERY_LANE,
	ST_CARD_PUT,
	ST_CARD_DEL,
	ST_CARD_LIST,
	ST_ALERT_RAISE,
	ST_ALERT_CLEAR,
	ST_ALERT_ACTIVE,
	ST_ALERT_ALL,
	ST_N
};

#define EV_COLS	"id, ts_ms, kind, lane, device, direction, credential, " \
		"decision, reason, actor, detail"
#define AL_COLS	"id, raised_ms, cleared_ms, source, kind, severity, message"

static const char *const store_sql[ST_N] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_EV_INSERT] = "INSERT INTO events (ts_ms, kind, lane, device, "
	    "direction, credential, decision, reason, actor, detail) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	/* The newest N that match, handed back oldest first. */
	[ST_EV_QUERY] = "SELECT " EV_COLS " FROM (SELECT " EV_COLS
	    " FROM events WHERE ts_ms >= ?1 ORDER BY ts_ms DESC, id DESC"
	    " LIMIT ?2) ORDER BY ts_ms, id",
	[ST_EV_QUERY_LANE] = "SELECT " EV_COLS " FROM (SELECT " EV_COLS
	    " FROM events WHERE lane = ?3 AND ts_ms >= ?1"
	    " ORDER BY ts_ms DESC, id DESC LIMIT ?2) ORDER BY ts_ms, id",
	[ST_CARD_PUT] = "INSERT OR REPLACE INTO cards (uid, holder, enabled, "
	    "valid_from_ms, valid_until_ms, created_by, created_ms) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)",
	[ST_CARD_DEL] = "DELETE FROM cards WHERE uid = ?",
	[ST_CARD_LIST] = "SELECT uid, holder, enabled, valid_from_ms, "
	    "valid_until_ms, created_by, created_ms FROM cards ORDER BY uid",
	[ST_ALERT_RAISE] = "INSERT INTO alerts (raised_ms, cleared_ms, source, "
	    "kind, severity, message) VALUES (?, ?, ?, ?, ?, ?)",
	[ST_ALERT_CLEAR] = "UPDATE alerts SET cleared_ms = ?2 WHERE id = ?1 "
	    "AND (cleared_ms IS NULL OR cleared_ms = 0)",
	[ST_ALERT_ACTIVE] = "SELECT " AL_COLS " FROM (SELECT " AL_COLS
	    " FROM alerts WHERE cleared_ms IS NULL OR cleared_ms = 0"
	    " ORDER BY id DESC LIMIT ?1) ORDER BY id",
	[ST_ALERT_ALL] = "SELECT " AL_COLS " FROM (SELECT " AL_COLS
	    " FROM alerts ORDER BY id DESC LIMIT ?1) ORDER BY id",
};

/* Committed events on their way to the engine's event callback. */
struct evbatch {
	struct evbatch	*next;
	uint64_t	reqs_before;	/* requests completed before this batch */
	size_t		n;
	struct ev_rec	*ev;
};

struct store {
	char		*path;
	int64_t		batch_ns;
	sqlite3		*db;
	sqlite3_stmt	*st[ST_N];
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
	bool		oom_logged;

	/* Under mu, thread to engine. */
	struct evbatch	*cev_head, *cev_tail;
	struct store_req *creq_head, *creq_tail;
	uint64_t	reqs_completed;
	struct store_stats stats;
	size_t		pend_len;	/* copy of npend for the stats */

	/* The store thread's own. */
	struct ev_rec	*pend;		/* taken from q, not yet committed */
	size_t		npend, pendcap;
	bool		failing;	/* commits are failing; pend waits */
	int		retry_ms;
	int64_t		retry_ns;	/* next attempt while failing */
	int		close_fails;
	char		errmsg[160];	/* why the last commit failed */

	/* The engine thread's own. */
	uint64_t	reqs_delivered;
	void		(*event_cb)(const struct ev_rec *, void *);
	void		*event_arg;
};

static bool
store_op_writes(enum store_op op)
{
	return op != STORE_CARD_LIST && op != STORE_ALERT_LIST &&
	    op != STORE_EVENT_QUERY;
}

/* Binds a fixed-size text field; an empty string is stored as NULL. */
static int
bind_text(sqlite3_stmt *st, int i, const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == 0)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, (int)n, SQLITE_STATIC);
}
#define BIND_TEXT(st, i, field)	bind_text((st), (i), (field), sizeof(field))

static void
col_text(sqlite3_stmt *st, int i, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	str_copy(dst, t != NULL ? (const char *)t : "", size);
}
#define COL_TEXT(st, i, field)	col_text((st), (i), (field), sizeof(field))

/* Makes room for one more row in a growing array; NULL when out of memory. */
static void *
rows_push(void **rows, size_t *n, size_t *cap, size_t size)
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

/* Records why a statement failed, file first. */
static void
store_sqlerr(struct store *s, char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static int
store_step1(struct store *s, int which)
{
	sqlite3_stmt *st = s->st[which];
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
store_begin(struct store *s, char *err, size_t errlen)
{
	if (store_step1(s, ST_BEGIN) == 0)
		return 0;
	store_sqlerr(s, err, errlen, "begin");
	return -1;
}

/* Commits, or rolls back and says why. */
static int
store_commit(struct store *s, char *err, size_t errlen)
{
	if (store_step1(s, ST_COMMIT) == 0)
		return 0;
	store_sqlerr(s, err, errlen, "commit");
	if (!sqlite3_get_autocommit(s->db))
		store_step1(s, ST_ROLLBACK);
	return -1;
}

static void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		store_step1(s, ST_ROLLBACK);
}

static int
store_insert_event(struct store *s, struct ev_rec *ev)
{
	sqlite3_stmt *st = s->st[ST_EV_INSERT];
	int rc;

	sqlite3_bind_int64(st, 1, ev->ts_ms);
	/* kind is NOT NULL: an empty one is refused by the schema. */
	BIND_TEXT(st, 2, ev->kind);
	BIND_TEXT(st, 3, ev->lane);
	BIND_TEXT(st, 4, ev->device);
	BIND_TEXT(st, 5, ev->direction);
	BIND_TEXT(st, 6, ev->credential);
	BIND_TEXT(st, 7, ev->decision);
	BIND_TEXT(st, 8, ev->reason);
	BIND_TEXT(st, 9, ev->actor);
	BIND_TEXT(st, 10, ev->detail);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return -1;
	ev->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static void	store_failed(struct store *);

/*
 * Commits s->pend in one transaction and returns it as a batch for the
 * engine; NULL when the commit failed, with the events kept for a retry.
 * Only the start and the end of a run of failures are logged.
 */
static struct evbatch *
store_commit_events(struct store *s)
{
	struct evbatch *b;
	size_t i;

	if ((b = calloc(1, sizeof(*b))) == NULL) {
		snprintf(s->errmsg, sizeof(s->errmsg), "%s: out of memory",
		    s->path);
		goto out_fail;
	}
	if (store_begin(s, s->errmsg, sizeof(s->errmsg)) == -1)
		goto out_free;
	for (i = 0; i < s->npend; i++) {
		if (store_insert_event(s, &s->pend[i]) == -1) {
			store_sqlerr(s, s->errmsg, sizeof(s->errmsg),
			    "writing events");
			store_rollback(s);
			goto out_free;
		}
	}
	if (store_commit(s, s->errmsg, sizeof(s->errmsg)) == -1)
		goto out_free;

	if (s->failing) {
		log_notice("%s: writing again; %zu events kept in memory are "
		    "committed", s->path, s->npend);
		s->failing = false;
	}
	b->ev = s->pend;
	b->n = s->npend;
	s->pend = NULL;
	s->npend = s->pendcap = 0;
	return b;

out_free:
	free(b);
out_fail:
	store_failed(s);
	return NULL;
}

/* Starts or extends the back-off after a failed commit; logs the start. */
static void
store_failed(struct store *s)
{
	if (!s->failing) {
		log_err("%s; keeping %zu events in memory and retrying",
		    s->errmsg, s->npend);
		s->failing = true;
		s->retry_ms = STORE_RETRY_MIN_MS;
	} else if (s->retry_ms < STORE_RETRY_MAX_MS) {
		s->retry_ms *= 2;
		if (s->retry_ms > STORE_RETRY_MAX_MS)
			s->retry_ms = STORE_RETRY_MAX_MS;
	}
	s->retry_ns = mono_ns() + s->retry_ms * NS_PER_MS;
}

static void
store_read_event(sqlite3_stmt *st, struct ev_rec *ev)
{
	ev->id = sqlite3_column_int64(st, 0);
	ev->ts_ms = sqlite3_column_int64(st, 1);
	COL_TEXT(st, 2, ev->kind);
	COL_TEXT(st, 3, ev->lane);
	COL_TEXT(st, 4, ev->device);
	COL_TEXT(st, 5, ev->direction);
	COL_TEXT(st, 6, ev->credential);
	COL_TEXT(st, 7, ev->decision);
	COL_TEXT(st, 8, ev->reason);
	COL_TEXT(st, 9, ev->actor);
	COL_TEXT(st, 10, ev->detail);
}

static void
store_read_card(sqlite3_stmt *st, struct card_rec *c)
{
	COL_TEXT(st, 0, c->uid);
	COL_TEXT(st, 1, c->holder);
	c->enabled = sqlite3_column_int(st, 2) != 0;
	c->valid_from_ms = sqlite3_column_int64(st, 3);
	c->valid_until_ms = sqlite3_column_int64(st, 4);
	COL_TEXT(st, 5, c->created_by);
	c->created_ms = sqlite3_column_int64(st, 6);
}

static void
store_read_alert(sqlite3_stmt *st, struct alert_rec *a)
{
	a->id = sqlite3_column_int64(st, 0);
	a->raised_ms = sqlite3_column_int64(st, 1);
	a->cleared_ms = sqlite3_column_int64(st, 2);	/* NULL reads as 0 */
	COL_TEXT(st, 3, a->source);
	COL_TEXT(st, 4, a->kind);
	COL_TEXT(st, 5, a->severity);
	COL_TEXT(st, 6, a->message);
}

/* Steps a bound SELECT to the end, collecting rows of the given size. */
static int
store_select(struct store *s, struct store_req *req, sqlite3_stmt *st,
    size_t size, void (*readrow)(sqlite3_stmt *, void *))
{
	size_t cap = 0;
	void *row;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row = rows_push(&req->rows, &req->nrows, &cap, size);
		if (row == NULL) {
			snprintf(req->error, sizeof(req->error),
			    "%s: out of memory", s->path);
			goto out_reset;
		}
		readrow(st, row);
	}
	if (rc != SQLITE_DONE) {
		store_sqlerr(s, req->error, sizeof(req->error), "query");
		goto out_reset;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return 0;

out_reset:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	free(req->rows);
	req->rows = NULL;
	req->nrows = 0;
	return -1;
}

static void
read_event_row(sqlite3_stmt *st, void *row)
{
	store_read_event(st, row);
}

static void
read_card_row(sqlite3_stmt *st, void *row)
{
	store_read_card(st, row);
}

static void
read_alert_row(sqlite3_stmt *st, void *row)
{
	store_read_alert(st, row);
}

/* Runs one statement of a write request inside its own transaction. */
static int
store_write1(struct store *s, struct store_req *req, int which,
    const char *what)
{
	sqlite3_stmt *st = s->st[which];
	int rc;

	if (store_begin(s, req->error, sizeof(req->error)) == -1) {
		sqlite3_clear_bindings(st);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		store_sqlerr(s, req->error, sizeof(req->error), what);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		store_rollback(s);
		return -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	req->id = sqlite3_last_insert_rowid(s->db);
	req->found = sqlite3_changes(s->db) > 0;
	return store_commit(s, req->error, sizeof(req->error));
}

static int
store_event_query(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;
	int limit = req->in.query.limit;

	if (limit <= 0)
		limit = STORE_QUERY_DEFAULT;
	if (limit > STORE_QUERY_MAX)
		limit = STORE_QUERY_MAX;
	if (strnlen(req->in.query.lane, sizeof(req->in.query.lane)) > 0) {
		st = s->st[ST_EV_QUERY_LANE];
		BIND_TEXT(st, 3, req->in.query.lane);
	} else
		st = s->st[ST_EV_QUERY];
	sqlite3_bind_int64(st, 1, req->in.query.since_ms);
	sqlite3_bind_int(st, 2, limit);
	return store_select(s, req, st, sizeof(struct ev_rec), read_event_row);
}

/* Carries out one request on the store thread; fills status and error. */
static void
store_do(struct store *s, struct store_req *req)
{
	sqlite3_stmt *st;
	int rc = -1;

	switch (req->op) {
	case STORE_CARD_PUT:
		if (strnlen(req->in.card.uid, sizeof(req->in.card.uid)) == 0) {
			snprintf(req->error, sizeof(req->error),
			    "%s: card with an empty uid", s->path);
			break;
		}
		st = s->st[ST_CARD_PUT];
		BIND_TEXT(st, 1, req->in.card.uid);
		BIND_TEXT(st, 2, req->in.card.holder);
		sqlite3_bind_int(st, 3, req->in.card.enabled ? 1 : 0);
		sqlite3_bind_int64(st, 4, req->in.card.valid_from_ms);
		sqlite3_bind_int64(st, 5, req->in.card.valid_until_ms);
		BIND_TEXT(st, 6, req->in.card.created_by);
		sqlite3_bind_int64(st, 7, req->in.card.created_ms);
		rc = store_write1(s, req, ST_CARD_PUT, "writing card");
		req->id = 0;
		break;
	case STORE_CARD_DEL:
		st = s->st[ST_CARD_DEL];
		BIND_TEXT(st, 1, req->in.key);
		rc = store_write1(s, req, ST_CARD_DEL, "deleting card");
		req->id = 0;
		break;
	case STORE_CARD_LIST:
		rc = store_select(s, req, s->st[ST_CARD_LIST],
		    sizeof(struct card_rec), read_card_row);
		break;
	case STORE_ALERT_RAISE:
		st = s->st[ST_ALERT_RAISE];
		sqlite3_bind_int64(st, 1, req->in.alert.raised_ms);
		if (req->in.alert.cleared_ms != 0)
			sqlite3_bind_int64(st, 2, req->in.alert.cleared_ms);
		BIND_TEXT(st, 3, req->in.alert.source);
		BIND_TEXT(st, 4, req->in.alert.kind);
		BIND_TEXT(st, 5, req->in.alert.severity);
		BIND_TEXT(st, 6, req->in.alert.message);
		rc = store_write1(s, req, ST_ALERT_RAISE, "raising alert");
		req->found = false;
		break;
	case STORE_ALERT_CLEAR:
		st = s->st[ST_ALERT_CLEAR];
		sqlite3_bind_int64(st, 1, req->in.alert.id);
		/* 0 would leave it active: a clear without a time is now. */
		sqlite3_bind_int64(st, 2, req->in.alert.cleared_ms != 0 ?
		    req->in.alert.cleared_ms : real_ms());
		rc = store_write1(s, req, ST_ALERT_CLEAR, "clearing alert");
		req->id = 0;
		break;
	case STORE_ALERT_LIST:
		st = s->st[req->in.query.all ? ST_ALERT_ALL : ST_ALERT_ACTIVE];
		sqlite3_bind_int(st, 1, STORE_ALERT_MAX);
		rc = store_select(s, req, st, sizeof(struct alert_rec),
		    read_alert_row);
		break;
	case STORE_EVENT_QUERY:
		rc = store_event_query(s, req);
		break;
	case STORE_EVENT_SYNC:
		if (store_begin(s, req->error, sizeof(req->error)) == -1)
			break;
		if (store_insert_event(s, &req->in.event) == -1) {
			store_sqlerr(s, req->error, sizeof(req->error),
			    "writing event");
			store_rollback(s);
			break;
		}
		if ((rc = store_commit(s, req->error, sizeof(req->error))) == 0)
			req->id = req->in.event.id;
		break;
	default:
		snprintf(req->error, sizeof(req->error),
		    "%s: unknown request %d", s->path, (int)req->op);
		break;
	}
	req->status = rc;
	if (rc == -1 && req->error[0] == '\0')
		snprintf(req->error, sizeof(req->error), "%s: failed", s->path);
}

/*
 * Moves the first n queued events to the thread's pending array. Under mu.
 * false when memory ran out: the events stay queued and nothing is lost.
 */
static bool
store_take(struct store *s, size_t n)
{
	struct ev_rec *p;

	if (n == 0)
		return true;
	if (s->npend == 0 && n == s->qlen) {
		/* The usual case: swap the arrays, copy nothing. */
		free(s->pend);
		s->pend = s->q;
		s->npend = n;
		s->pendcap = s->qcap;
		s->q = NULL;
		s->qlen = s->qcap = 0;
	} else {
		if (s->npend + n > s->pendcap) {
			size_t ncap = s->npend + n + s->npend / 2;

			if ((p = realloc(s->pend, ncap * sizeof(*p))) == NULL)
				return false;
			s->pend = p;
			s->pendcap = ncap;
		}
		memcpy(s->pend + s->npend, s->q, n * sizeof(*s->q));
		s->npend += n;
		memmove(s->q, s->q + n, (s->qlen - n) * sizeof(*s->q));
		s->qlen -= n;
	}
	s->ev_taken += n;
	s->pend_len = s->npend;
	return true;
}

/* Waits, under mu, until there is work; false once stopping and idle. */
static bool
store_wait_work(struct store *s)
{
	struct timespec ts;
	int64_t now, due;

	for (;;) {
		if (s->req_head != NULL)
			return true;
		if (s->qlen == 0 && s->npend == 0) {
			if (s->stopping)
				return false;
			pthread_cond_wait(&s->wake, &s->mu);
			continue;
		}
		now = mono_ns();
		if (s->failing)
			due = s->retry_ns;
		else if (s->stopping || s->qlen >= STORE_BATCH_MAX)
			return true;
		else
			due = s->q_first_ns + s->batch_ns;
		if (now >= due)
			return true;
		ts.tv_sec = due / 1000000000LL;
		ts.tv_nsec = due % 1000000000LL;
		pthread_cond_timedwait(&s->wake, &s->mu, &ts);
	}
}

static void *
store_main(void *arg)
{
	struct store *s = arg;
	struct store_req *req;
	struct evbatch *b;
	uint64_t one = 1;
	bool ok, tried, taken;

	pthread_mutex_lock(&s->mu);
	while (store_wait_work(s)) {
		if ((req = s->req_head) != NULL) {
			/* Only the events queued before it go first. */
			uint64_t pos = (uint64_t)req->id;

			if ((s->req_head = req->next) == NULL)
				s->req_tail = NULL;
			req->next = NULL;
			taken = pos <= s->ev_taken ||
			    store_take(s, (size_t)(pos - s->ev_taken));
		} else
			taken = store_take(s, s->qlen);
		pthread_mutex_unlock(&s->mu);

		b = NULL;
		ok = true;
		tried = false;
		if (!taken) {
			snprintf(s->errmsg, sizeof(s->errmsg),
			    "%s: out of memory", s->path);
			store_failed(s);
			ok = false;
			tried = true;
		} else if (s->npend > 0 && (req == NULL || !s->failing ||
		    store_op_writes(req->op))) {
			ok = (b = store_commit_events(s)) != NULL;
			tried = true;
		} else if (s->npend > 0)
			ok = false;	/* a read need not wait for a failing disk */
		if (req != NULL) {
			req->status = 0;
			req->error[0] = '\0';
			req->id = 0;
			req->found = false;
			req->rows = NULL;
			req->nrows = 0;
			if (!ok && store_op_writes(req->op)) {
				/* Writing it now would put it before them. */
				req->status = -1;
				snprintf(req->error, sizeof(req->error),
				    "%.120s (earlier events not yet written)",
				    s->errmsg);
			} else
				store_do(s, req);
		}

		pthread_mutex_lock(&s->mu);
		if (b != NULL) {
			b->reqs_before = s->reqs_completed;
			if (s->cev_tail != NULL)
				s->cev_tail->next = b;
			else
				s->cev_head = b;
			s->cev_tail = b;
			s->stats.events_committed += b->n;
			s->stats.batches++;
			s->close_fails = 0;
		} else if (tried && !ok) {
			s->stats.failures++;
			if (s->stopping && ++s->close_fails >= STORE_CLOSE_TRIES) {
				log_err("%s: closing with %zu events that could "
				    "not be written; they are lost", s->path,
				    s->npend + s->qlen);
				free(s->pend);
				s->pend = NULL;
				s->npend = s->pendcap = 0;
				s->ev_taken += s->qlen;
				s->qlen = 0;
				s->failing = false;
			}
		}
		s->pend_len = s->npend;
		if (req != NULL) {
			if (req->op == STORE_EVENT_SYNC && req->status == 0)
				s->stats.events_committed++;
			if (s->creq_tail != NULL)
				s->creq_tail->next = req;
			else
				s->creq_head = req;
			s->creq_tail = req;
			s->reqs_completed++;
		}
		if (b != NULL || req != NULL)
			(void)!write(s->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static int
store_exec(struct store *s, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s: %s: %s", s->path, sql,
	    msg != NULL ? msg : sqlite3_errmsg(s->db));
	sqlite3_free(msg);
	return -1;
}

/* WAL mode, durable commits, and a bounded wait for another's lock. */
static int
store_setup(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	const unsigned char *mode;
	int rc;

	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	rc = sqlite3_step(st);
	mode = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	if (mode == NULL || strcmp((const char *)mode, "wal") != 0) {
		if (rc == SQLITE_ROW)
			snprintf(err, errlen, "%s: cannot use WAL mode (got "
			    "\"%s\")", s->path, mode != NULL ?
			    (const char *)mode : "");
		else
			snprintf(err, errlen, "%s: %s", s->path,
			    sqlite3_errmsg(s->db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	if (store_exec(s, "PRAGMA synchronous=FULL", err, errlen) == -1 ||
	    store_exec(s, "PRAGMA foreign_keys=ON", err, errlen) == -1)
		return -1;
	return 0;
}

static int
store_prepare(struct store *s, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < ST_N; i++) {
		if (sqlite3_prepare_v3(s->db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: preparing \"%s\": %s",
			    s->path, store_sql[i], sqlite3_errmsg(s->db));
			return -1;
		}
	}
	return 0;
}

static void
store_close_db(struct store *s)
{
	int i;

	for (i = 0; i < ST_N; i++)
		sqlite3_finalize(s->st[i]);
	if (sqlite3_close(s->db) != SQLITE_OK)
		log_err("%s: closing: %s", s->path, sqlite3_errmsg(s->db));
	s->db = NULL;
}

struct store *
store_open(const char *path, int batch_ms, char *err, size_t errlen)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	struct store *s;
	int fd, rc;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out_free;
	}
	s->batch_ns = (batch_ms > 0 ? batch_ms : 0) * NS_PER_MS;
	s->efd = -1;

	/* Create it 0640 ourselves: the log names people and their cards. */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd >= 0) {
		(void)fchmod(fd, 0640);
		close(fd);
	} else if (errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out_free;
	}
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db != NULL ?
		    sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		goto out_close_db;
	}
	if (store_setup(s, err, errlen) == -1 ||
	    schema_migrate(s->db, path, err, errlen) == -1 ||
	    store_prepare(s, err, errlen) == -1)
		goto out_close_db;

	if ((s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1) {
		snprintf(err, errlen, "%s: eventfd: %s", path, strerror(errno));
		goto out_close_db;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);

	/* Signals are the engine's (signalfd): the thread takes none. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&s->thread, NULL, store_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "%s: starting the store thread: %s", path,
		    strerror(rc));
		goto out_destroy;
	}
	return s;

out_destroy:
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->mu);
	close(s->efd);
out_close_db:
	if (s->db != NULL)
		store_close_db(s);
out_free:
	if (s != NULL)
		free(s->path);
	free(s);
	return NULL;
}

void
store_close(struct store *s)
{
	int nlog, nckpt;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);

	/* Whatever finished on the way out still gets its callbacks. */
	store_complete(s);

	if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    &nlog, &nckpt) != SQLITE_OK)
		log_warn("%s: checkpoint: %s", s->path, sqlite3_errmsg(s->db));
	store_close_db(s);
	close(s->efd);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->mu);
	free(s->q);
	free(s->pend);
	free(s->path);
	free(s);
}

int
store_fd(const struct store *s)
{
	return s->efd;
}

void
store_set_event_cb(struct store *s,
    void (*cb)(const struct ev_rec *, void *arg), void *arg)
{
	s->event_cb = cb;
	s->event_arg = arg;
}

/*
 * Runs what the store thread finished, in the order it committed: a batch of
 * events goes before every request completed after it. Callbacks run without
 * the lock, so they may queue events and submit requests.
 */
void
store_complete(struct store *s)
{
	struct evbatch *b, *bnext;
	struct store_req *req, *rnext;
	uint64_t v;
	size_t i;

	(void)!read(s->efd, &v, sizeof(v));
	pthread_mutex_lock(&s->mu);
	b = s->cev_head;
	req = s->creq_head;
	s->cev_head = s->cev_tail = NULL;
	s->creq_head = s->creq_tail = NULL;
	pthread_mutex_unlock(&s->mu);

	while (b != NULL || req != NULL) {
		if (b != NULL && (req == NULL ||
		    b->reqs_before <= s->reqs_delivered)) {
			bnext = b->next;
			for (i = 0; i < b->n && s->event_cb != NULL; i++)
				s->event_cb(&b->ev[i], s->event_arg);
			free(b->ev);
			free(b);
			b = bnext;
			continue;
		}
		rnext = req->next;
		req->next = NULL;
		s->reqs_delivered++;
		if (req->op == STORE_EVENT_SYNC && req->status == 0 &&
		    s->event_cb != NULL)
			s->event_cb(&req->in.event, s->event_arg);
		if (req->done != NULL)
			req->done(req, req->arg);
		req = rnext;
	}
}

void
store_event_add(struct store *s, const struct ev_rec *ev)
{
	struct ev_rec *p;

	pthread_mutex_lock(&s->mu);
	if (s->qlen == s->qcap) {
		size_t ncap = s->qcap == 0 ? 256 : s->qcap * 2;

		if ((p = realloc(s->q, ncap * sizeof(*p))) == NULL) {
			if (!s->oom_logged)
				log_err("%s: out of memory: event \"%.24s\" "
				    "dropped", s->path, ev->kind);
			s->oom_logged = true;
			pthread_mutex_unlock(&s->mu);
			return;
		}
		s->q = p;
		s->qcap = ncap;
	}
	s->oom_logged = false;
	s->q[s->qlen] = *ev;
	s->q[s->qlen].id = 0;
	s->qlen++;
	s->ev_added++;
	/* The thread needs waking only to start the clock or to hurry. */
	if (s->qlen == 1) {
		s->q_first_ns = mono_ns();
		pthread_cond_signal(&s->wake);
	} else if (s->qlen == STORE_BATCH_MAX)
		pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->mu);
}

void
store_submit(struct store *s, struct store_req *req)
{
	pthread_mutex_lock(&s->mu);
	req->next = NULL;
	/* Until done, id is the store's: the events that go before it. */
	req->id = (int64_t)s->ev_added;
	if (s->req_tail != NULL)
		s->req_tail->next = req;
	else
		s->req_head = req;
	s->req_tail = req;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->mu);
}

struct store_wait {
	bool	finished;
	int	status;
	void	(*done)(struct store_req *, void *);
	void	*arg;
};

static void
store_run_done(struct store_req *req, void *arg)
{
	struct store_wait *w = arg;

	req->done = w->done;
	req->arg = w->arg;
	w->finished = true;
	w->status = req->status;
	if (req->done != NULL)
		req->done(req, req->arg);
}

/*
 * Waits by draining completions itself, so every callback still runs in
 * commit order on this thread. Not to be called from a done callback.
 */
int
store_run(struct store *s, struct store_req *req)
{
	struct store_wait w = { false, -1, req->done, req->arg };
	struct pollfd pfd;

	req->done = store_run_done;
	req->arg = &w;
	store_submit(s, req);
	while (!w.finished) {
		pfd.fd = s->efd;
		pfd.events = POLLIN;
		(void)poll(&pfd, 1, 1000);
		store_complete(s);
	}
	return w.status;
}

void
store_req_free(struct store_req *req)
{
	free(req->rows);
	req->rows = NULL;
	req->nrows = 0;
}

void
store_get_stats(struct store *s, struct store_stats *st)
{
	pthread_mutex_lock(&s->mu);
	*st = s->stats;
	st->queue_len = s->qlen + s->pend_len;
	pthread_mutex_unlock(&s->mu);
}
