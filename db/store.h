/*
 * The store: lobbyd's only SQLite writer. All database work runs on one store
 * thread, so the engine's loop never waits on the disk (DESIGN invariant 4):
 * the engine queues events and submits requests, and their completions come
 * back through store_fd()/store_complete() on the engine's own thread.
 *
 * Durability (invariant 3): the database is in WAL mode with synchronous=FULL;
 * WAL checkpoints run on a thread of their own (db/checkpoint.c).
 * A request's done callback runs only after its transaction committed, so a
 * reply sent from it is a promise kept. Queued events are committed in batches
 * within site_conf.event_batch_ms; every write request first commits the
 * events queued before it, so the log keeps its order.
 */
#ifndef LOBBYD_STORE_H
#define LOBBYD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "desk.h"
#include "notices.h"
#include "tenants.h"
#include "tickets.h"

struct store;

/* One row of the append-only events table. Empty strings are stored as NULL. */
struct ev_rec {
	int64_t	id;		/* assigned when committed */
	int64_t	ts_ms;		/* wall clock, ms since the epoch */
	char	kind[24];	/* "access", "passage", "no_passage", "manual_open",
				   "device_offline", "device_online", "fault",
				   "fault_cleared", "reader_reject", "unexpected_passage",
				   "manual_open_refused",
				   "worker_restart", "card_added", "card_removed",
				   "lobbyd_start", "lobbyd_stop" */
	char	lane[32];
	char	device[32];
	char	direction[8];	/* "entry", "exit" or "" */
	char	credential[32];	/* card uid */
	char	decision[12];	/* "granted", "denied" or "" */
	char	reason[32];	/* reason code, rules/access.h */
	char	actor[32];	/* Unix user for operator actions */
	char	detail[128];
	int64_t	person;		/* the person it concerns (db/desk.h); 0 none */
};

/*
 * An event query (STORE_EVENT_QUERY). Matching rows come oldest first, in
 * (ts_ms, id) order, at most STORE_EVENT_PAGE of them a request; out.more
 * says that more match after the last one. Which rows: without a cursor,
 * the newest limit that match (oldest: the first limit instead); with one,
 * those after it, so a list is read page by page with nothing lost or
 * repeated, however many events are committed meanwhile.
 */
#define STORE_EVENT_PAGE	2000
/*
 * A card list with a find (STORE_CARD_LIST) reads the cards in uid order
 * from the index on (uid, holder), never the table, at most STORE_CARD_SCAN
 * of them a request, and keeps those the find matches: their uid starts
 * with it (hex, any case), or their holder's name holds it (ASCII letters in
 * any case, other characters, Chinese among them, as they are). A request
 * stops at a full page or at STORE_CARD_SCAN cards read, whichever is first,
 * and out.resume says where the next one goes on: a search of a million
 * cards is many short requests, and events and writes go between them.
 */
#define STORE_CARD_SCAN		50000
#define STORE_EVENT_LIMIT_MAX	10000000
/* The newest N's start is found a step at a time (25,000 events): a
 * request that did not get there hands back out.seek, with on set and no
 * rows, and the same query with in.evq.seek = out.seek goes on. */
struct ev_seek {
	bool	on;
	int64_t	ts, id;		/* where the walk back has reached */
	int64_t	left;		/* entries still to go back */
};
struct ev_query {
	int64_t	since_ms;	/* ts_ms >= since_ms */
	int64_t	until_ms;	/* ts_ms < until_ms; 0: no end */
	char	lane[32];	/* "": every lane */
	char	credential[32];	/* "": every card */
	int64_t	person;		/* 0: anyone */
	int64_t	upto_id;	/* id <= upto_id (an export's end); 0: any */
	int	limit;		/* rows wanted in all, 1..STORE_EVENT_LIMIT_MAX;
				   <= 0: 100 */
	bool	oldest;		/* the first limit, not the newest */
	bool	after;		/* the rows after (after_ts, after_id) */
	int64_t	after_ts, after_id;
	struct ev_seek seek;	/* a walk to the newest N's start going on */
};

/* What "lobbyctl events export" wrote out (schema step 9): the events with
 * since_ms <= ts_ms < until_ms and id <= upto_id, nrows of them. */
struct export_rec {
	int64_t	id;
	int64_t	since_ms, until_ms;
	int64_t	upto_id;
	int64_t	nrows;
	int64_t	done_ms;
	char	actor[32];	/* Unix user */
	char	file[128];	/* where it went, as the user named it; "" stdout */
};

/*
 * One batch of retention (STORE_EVENT_PURGE), in one transaction: the
 * oldest events before before_ms, then, while the database's pages in use
 * exceed max_bytes, the oldest of any age; with export_required only
 * events an export covered (struct export_rec), never more than batch rows.
 */
struct ev_purge {
	int64_t	before_ms;	/* 0: none for their age */
	int64_t	max_bytes;	/* 0: no ceiling */
	bool	export_required;
	int	batch;		/* 1..STORE_PURGE_BATCH_MAX */
};
#define STORE_PURGE_BATCH_MAX	5000

struct ev_purged {
	int64_t	by_age;		/* rows deleted for their age */
	int64_t	by_size;	/* rows deleted for the ceiling */
	int64_t	used_bytes;	/* pages in use afterwards, in bytes */
	int64_t	oldest_ms;	/* the oldest event left; 0: none */
	bool	more;		/* another batch would delete more */
	bool	over;		/* over max_bytes with nothing left to delete
				   (every event left unexported) */
	bool	waiting;	/* events older than before_ms are left that
				   no export covered */
	int64_t	took_ns;	/* the transaction's time on the store thread */
	bool	yielded;	/* nothing done: a WAL checkpoint goes first
				   (db/checkpoint.c); more is set, ask again */
};

/* A line of the plan SQLite chose (store_req.explain). */
struct plan_line {
	char	text[160];	/* "page: SEARCH events USING INDEX ..." */
};

struct card_rec {
	char	uid[32];	/* as readers deliver it, upper-case hex */
	char	holder[64];
	bool	enabled;
	int64_t	valid_from_ms;	/* 0: no start */
	int64_t	valid_until_ms;	/* 0: no end */
	char	created_by[32];
	int64_t	created_ms;
	uint64_t floors;	/* elevator floors permitted: bit n = floor n (step 6) */
};

/* A freight-elevator booking (schema step 6). */
struct booking_rec {
	int64_t	id;
	char	unit[32];	/* the tenant's unit, e.g. "12F-1203" */
	char	elevator[32];	/* elevators[].name */
	char	card[32];	/* uid of the holder's card */
	int64_t	from_ms;
	int64_t	until_ms;	/* the window is [from, until) */
	char	booked_by[32];	/* Unix user */
	int64_t	booked_ms;
	char	state[12];	/* "active" or "cancelled" */
	char	cancelled_by[32];
	int64_t	cancelled_ms;	/* 0 while active */
};

struct alert_rec {
	int64_t	id;
	int64_t	raised_ms;
	int64_t	cleared_ms;	/* 0 while active */
	char	source[32];	/* device or lane name */
	char	kind[24];	/* "offline", "fault", "trapped", ... */
	char	severity[12];	/* "info", "warning", "urgent", "emergency" */
	char	audience[40];	/* "engineering,security,frontdesk", any of them;
				   ",manager" once escalated */
	char	message[128];
	/* Acknowledgement and escalation (schema step 3). */
	int64_t	acked_ms;	/* 0: not acknowledged */
	char	acked_by[32];	/* Unix user */
	char	ack_note[100];
	int64_t	escalated_ms;	/* 0: not escalated */
};

/* The fire-alarm mode as stored (DESIGN invariant 2): one row. */
struct fire_rec {
	bool	active;
	int64_t	since_ms;	/* when it went on */
	char	source[32];	/* the input that turned it on */
	int64_t	ended_ms;	/* when it was reset; 0 while on */
	char	reset_by[32];	/* Unix user who reset it */
};

enum store_op {
	STORE_CARD_PUT,		/* in.card: insert or replace */
	STORE_CARD_ADD,		/* in.card: insert, unless its uid is taken;
				   out.found: it was inserted */
	STORE_CARD_DEL,		/* in.key: uid; out.found */
	STORE_CARD_LIST,	/* out.rows: struct card_rec[], by uid; a page of
				   in.page.limit (> 0) after in.page.after; with
				   in.page.find, only the cards it finds, read
				   STORE_CARD_SCAN at a time (out.resume) */
	STORE_ALERT_RAISE,	/* in.alert; out.id */
	STORE_ALERT_CLEAR,	/* in.alert.id, in.alert.cleared_ms */
	STORE_ALERT_LIST,	/* in.query.all: cleared too; out.rows: alert_rec[], oldest first */
	STORE_ALERT_PAGE,	/* every alert, cleared too, with an id after
				   in.page.after (a decimal id, "" the start), at
				   most in.page.limit; out.rows by id */
	STORE_EVENT_QUERY,	/* in.evq; out.rows: ev_rec[], oldest first;
				   out.more */
	STORE_EVENT_SYNC,	/* in.event: appended and committed before done */
	STORE_FIRE_GET,		/* out.rows: struct fire_rec[], none or one */
	STORE_FIRE_PUT,		/* in.fire: replaces the stored mode */
	/* Repair tickets (db/tickets.h, db/tickets.c); all use in.ticket. */
	STORE_TICKET_ALERT,	/* rec from an alert, ts_ms: a new ticket, or a
				   "raised_again" note on the unfinished one for
				   its source and kind (out.found); out rec */
	STORE_TICKET_CLEARED,	/* rec.source, rec.kind, ts_ms: "cleared" note on
				   the unfinished one, if any (out.found, rec) */
	STORE_TICKET_OPEN,	/* rec, actor, ts_ms: opened by hand; out rec */
	STORE_TICKET_UPDATE,	/* id, action, text, actor, ts_ms; out result, rec */
	STORE_TICKET_LIST,	/* all; out.rows: ticket_rec[], urgent first */
	STORE_TICKET_GET,	/* id; out.found, rec, rows: ticket_note[] */
	STORE_TICKET_SUMMARY_MAKE, /* sum.day, made_ms, late; out.found (one was
				   made already: nothing new), sum, rows: ticket_item[] */
	STORE_TICKET_SUMMARY_GET, /* sum.day ("": the latest); out.found, sum, rows */
	/* Alert life cycle. Each hands back the alert as it is afterwards in
	 * out.rows (one alert_rec; none when there is no such id), and says in
	 * out.found whether it changed it. STORE_ALERT_CLEAR does too. */
	STORE_ALERT_ACK,	/* in.alert.id, acked_ms, acked_by, ack_note: only
				   an active alert not yet acknowledged */
	STORE_ALERT_ESCALATE,	/* in.alert.id, escalated_ms, audience: only an
				   alert not yet escalated */
	STORE_ALERT_GET,	/* in.alert.id */
	/* The front desk's records (db/desk.h, db/desk.c): in.desk.action
	 * says which; each write is one transaction. */
	STORE_DESK,
	/* Freight-elevator bookings (db/bookings.c). */
	STORE_BOOKING_ADD,	/* in.booking (state "active"); out.id */
	STORE_BOOKING_CANCEL,	/* in.booking.id, cancelled_by, cancelled_ms:
				   only an active one (out.found); out.rows:
				   the booking afterwards (none: no such id) */
	/* A card import (db/cardimport.c), staged and then committed whole. */
	STORE_CARD_STAGE,	/* in.stage: rows into the staging table (first:
				   a new one); a uid twice fails, out.id its row */
	STORE_CARD_STAGE_COMMIT, /* every staged card into cards, one transaction;
				   out.id: how many, out.found: any replaced */
	STORE_CARD_STAGE_DROP,	/* the staged rows forgotten */
	STORE_BOOKING_LIST,	/* in.query.all: every booking; else the active
				   ones with until_ms > in.query.since_ms;
				   out.rows: booking_rec[], by from_ms */
	/* The event log's exports and retention (db/events.c). */
	STORE_EXPORT_BEGIN,	/* out.id: the newest event's id (0: none);
				   out.rows: the export that reached furthest
				   (export_rec, none or one) */
	STORE_EXPORT_DONE,	/* in.export recorded; out.id */
	STORE_EVENT_PURGE,	/* in.purge; out.purged */
	/* The web console's accounts (db/webusers.c); both use in.web. */
	STORE_WEB_USER_PUT,	/* name, role, hash, actor, ts_ms: added or
				   replaced; out.found: it replaced one */
	STORE_WEB_LOGIN,	/* name, password, ts_ms: out.found when the
				   password is right, role set; out.id: the
				   failures in a row before this one */
	/* Hosts told of their visitors (db/notices.h, db/notices.c). */
	STORE_NOTICE_PUT, STORE_TOKEN_PUT, STORE_NOTICE_LOAD, STORE_TOKEN_LOAD,
	/* The tenant directory (db/tenants.h, db/tenants.c): in.tenant.action
	 * says which; each write is one transaction. */
	STORE_TENANT,
};

/* A web account, or a login to check (db/webusers.c). The password is
 * wiped by the store thread once checked. */
struct web_in {
	char	name[32];
	char	role[16];
	char	hash[128];		/* crypto_pwhash_STRBYTES */
	char	password[128];
	char	actor[32];
	int64_t	ts_ms;
	bool	locked;			/* out: too many failures lately; the
					   password was not even checked */
};

struct store_req {
	enum store_op	op;
	union store_in {
		struct card_rec	card;
		struct alert_rec alert;
		struct ev_rec	event;
		struct fire_rec	fire;
		struct booking_rec booking;
		char		key[32];
		struct {
			int64_t	since_ms;
			bool	all;
		} query;
		struct ev_query	evq;
		struct ev_purge	purge;
		struct export_rec export;
		struct ticket_in ticket;
		struct desk_in	desk;
		struct tenant_in tenant;
		struct web_in	web;
		struct notice_rec notice;
		struct token_rec token;
		struct {
			struct card_rec	*rows;	/* the caller's; not freed here */
			size_t		n;
			bool		first;
		} stage;
		struct {
			char	after[32];	/* keys after this one ("": from the start) */
			int	limit;		/* <= 0: every row */
			char	find[64];	/* STORE_CARD_LIST: "" all, else a
						   uid prefix or part of a holder */
		} page;
	} in;

	/* A read's rows handed over one at a time, on the store thread, instead
	 * of gathered in out.rows: for a million cards at start, while the
	 * engine waits in store_run(). The row is gone when each returns. */
	void		(*each)(const void *row, void *arg);
	void		*each_arg;

	/* Filled by the store thread before done() runs. */
	int		status;		/* 0 ok, -1 failed (error says why) */
	char		error[160];
	int64_t		id;		/* new alert or event id */
	bool		found;
	void		*rows;		/* malloc'd; freed by store_req_free() */
	size_t		nrows;
	bool		more;		/* STORE_EVENT_QUERY: rows match after
					   the last in rows */
	char		resume[32];	/* STORE_CARD_LIST with a find: the
					   next page's after ("": none) */
	struct ev_seek	seek;		/* STORE_EVENT_QUERY: on: no rows yet,
					   ask again with this (struct ev_seek) */
	uint64_t	steps;		/* STORE_EVENT_QUERY: SQLite's virtual
					   machine steps for the page: the tests
					   check that an index bounds the work */
	struct ev_purged purged;	/* STORE_EVENT_PURGE */

	/* Set by the caller: instead of running an event query or a purge,
	 * hand back the plans SQLite chose for its statements in out.rows
	 * (plan_line[]). The tests keep the indexes honest with it. */
	bool		explain;

	/* A held write (alerts, the fire mode; DESIGN invariant 2) is never
	 * failed for want of a writable disk: while the database cannot be
	 * written it waits in the store, in its order, and is retried with the
	 * events until it commits; done() runs then. Only a shutdown that
	 * cannot write within STORE_CLOSE_MS fails it. */
	bool		held;

	/* Runs on the engine thread, from store_complete(). */
	void		(*done)(struct store_req *, void *arg);
	void		*arg;
	struct store_req *next;		/* the store's own */
};

/*
 * While store_open() brings an existing database forward (indexing years
 * of events takes minutes), fn hears what it is doing as each step starts
 * and every couple of seconds, on store_open()'s own thread: lobbyd tells
 * systemd that it is still starting. Set before store_open(); NULL: none.
 */
void	store_set_upgrade_cb(void (*fn)(const char *what, void *arg), void *arg);

/*
 * Opens (creating if needed) the database at path, applies migrations, and
 * starts the store thread. batch_ms bounds how long a queued event waits.
 * NULL on failure, with a message naming the file in err.
 */
struct store *store_open(const char *path, int batch_ms, char *err, size_t errlen);
/* Commits everything queued, stops the thread, closes the database. A
 * database that cannot be written is given STORE_CLOSE_MS to recover; what
 * is still unwritten then is logged as lost (the fire mode also lives in
 * its latch file, db/latch.h). */
#define STORE_CLOSE_MS	3000
void	store_close(struct store *);

/* Readable (eventfd) when completions are waiting for store_complete(). */
int	store_fd(const struct store *);
/* Runs the done callbacks and the committed-event callback. Engine thread. */
void	store_complete(struct store *);

/* Called for each event after it committed, with its id; engine thread. */
void	store_set_event_cb(struct store *,
	    void (*cb)(const struct ev_rec *, void *arg), void *arg);

/*
 * Called on the engine thread when the database stops taking writes (failing
 * true, why: the first failure, file first) and when it takes them again:
 * once per change. Before the first call the store is taken as writable.
 */
void	store_set_health_cb(struct store *,
	    void (*cb)(bool failing, const char *why, void *arg), void *arg);

/* Queues an event (copied) for the next batch. Never blocks on the disk. */
void	store_event_add(struct store *, const struct ev_rec *);

/* Takes a request; its done() runs later on the engine thread. */
void	store_submit(struct store *, struct store_req *);
/* Submits and waits: only before the engine loop starts, and in tests. */
int	store_run(struct store *, struct store_req *);

/* Frees req->rows (not req itself). */
void	store_req_free(struct store_req *);

/* Counters for lobbyctl stats and the benchmarks. */
struct store_stats {
	uint64_t	events_committed;
	uint64_t	batches;
	uint64_t	queue_len;	/* events waiting now */
	uint64_t	failures;	/* commits that failed and were retried */
	uint64_t	held;		/* held writes waiting for the disk now */
	uint64_t	checkpoints;	/* WAL checkpoints done off the store thread */
};
void	store_get_stats(struct store *, struct store_stats *);

#endif
