/*
 * The store: one thread owns the SQLite connection. The engine queues events
 * and requests under a mutex; the thread commits them and hands completions
 * back through an eventfd, which store_complete() drains in commit order.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
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

#include "../common/util.h"
#include "schema.h"
#include "store_int.h"

#define STORE_BATCH_MAX		1000	/* this many queued events commit at once */
#define STORE_RETRY_MIN_MS	100	/* back-off after a failed commit */
#define STORE_RETRY_MAX_MS	5000

/* Committed events on their way to the engine's event callback. */
struct evbatch {
	struct evbatch	*next;
	uint64_t	reqs_before;	/* requests completed before this batch */
	size_t		n;
	struct ev_rec	*ev;
};

/* Whether req writes: reads go ahead of a failing disk, writes wait. */
static bool
store_req_writes(const struct store_req *req)
{
	switch (req->op) {
	case STORE_CARD_LIST: case STORE_ALERT_LIST: case STORE_ALERT_PAGE:
	case STORE_EVENT_QUERY:
	case STORE_FIRE_GET: case STORE_BOOKING_LIST: case STORE_TICKET_LIST:
	case STORE_TICKET_GET: case STORE_TICKET_SUMMARY_GET: case STORE_ALERT_GET:
	case STORE_EXPORT_BEGIN: case STORE_NOTICE_LOAD: case STORE_TOKEN_LOAD:
		return false;
	case STORE_DESK:
		return req->in.desk.action != DESK_LOAD &&
		    req->in.desk.action != DESK_SHIFT_LIST &&
		    req->in.desk.action != DESK_PASS_LIST &&
		    req->in.desk.action != DESK_VISITOR_FIND;
	case STORE_TENANT:
		return req->in.tenant.action != TENANT_GET &&
		    req->in.tenant.action != TENANT_LIST &&
		    req->in.tenant.action != TENANT_HOST;
	default:
		return true;
	}
}

/* Starts or extends the back-off after a failed commit; logs the start. */
static void
store_failed(struct store *s)
{
	if (!s->failing) {
		log_err("%s; keeping %zu events and %zu alert or fire-mode "
		    "records in memory and retrying", s->errmsg, s->npend,
		    s->nheld);
		s->failing = true;
		s->retry_ms = STORE_RETRY_MIN_MS;
	} else if (s->retry_ms < STORE_RETRY_MAX_MS) {
		s->retry_ms *= 2;
		if (s->retry_ms > STORE_RETRY_MAX_MS)
			s->retry_ms = STORE_RETRY_MAX_MS;
	}
	s->retry_ns = mono_ns() + s->retry_ms * NS_PER_MS;
}

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

	if (s->failing && s->held_head == NULL) {
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
		if (s->qlen == 0 && s->npend == 0 && s->held_head == NULL) {
			if (s->stopping)
				return false;
			pthread_cond_wait(&s->wake, &s->mu);
			continue;
		}
		now = mono_ns();
		if (s->failing) {
			due = s->retry_ns;
			if (s->stopping && s->close_deadline_ns < due)
				due = s->close_deadline_ns;
		} else if (s->stopping || s->qlen >= STORE_BATCH_MAX ||
		    s->held_head != NULL)
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

/* A failure that says the database cannot be written now (the disk is full,
 * an I/O error, ...), as opposed to a request that was wrong. */
static bool
store_disk_error(const struct store *s)
{
	switch (s->last_err & 0xff) {
	case SQLITE_FULL: case SQLITE_IOERR: case SQLITE_READONLY:
	case SQLITE_CANTOPEN: case SQLITE_CORRUPT: case SQLITE_NOTADB:
	case SQLITE_PROTOCOL: case SQLITE_NOLFS: case SQLITE_BUSY:
	case SQLITE_LOCKED: case SQLITE_NOMEM:
		return true;
	default:
		return false;
	}
}

static void
store_req_reset(struct store_req *req)
{
	req->status = 0;
	req->error[0] = '\0';
	req->id = 0;
	req->found = false;
	req->rows = NULL;
	req->nrows = 0;
	req->more = false;
	req->steps = 0;
	memset(&req->seek, 0, sizeof(req->seek));
	memset(&req->purged, 0, sizeof(req->purged));
}

/* req at the end of the list head..tail. */
static void
req_append(struct store_req **head, struct store_req **tail,
    struct store_req *req)
{
	req->next = NULL;
	if (*tail != NULL)
		(*tail)->next = req;
	else
		*head = req;
	*tail = req;
}

static void
store_hold(struct store *s, struct store_req *req)
{
	req_append(&s->held_head, &s->held_tail, req);
	s->nheld++;
}

/* Runs one request on the store thread. false when it was a write that the
 * disk refused (the store is then failing). */
static bool
store_run_one(struct store *s, struct store_req *req)
{
	store_req_reset(req);
	s->last_err = 0;
	store_do(s, req);
	if (req->status == 0 || !store_req_writes(req) || !store_disk_error(s))
		return true;
	str_copy(s->errmsg, req->error, sizeof(s->errmsg));
	store_req_free(req);
	store_failed(s);
	return false;
}

/* Retries the held writes in their order, moving each that commits to the
 * done list; stops at the first the disk refuses, which stays first. */
static bool
store_retry_held(struct store *s, struct store_req **done_head,
    struct store_req **done_tail)
{
	while (s->held_head != NULL) {
		struct store_req *req = s->held_head;

		if (!store_run_one(s, req))
			return false;
		if ((s->held_head = req->next) == NULL)
			s->held_tail = NULL;
		s->nheld--;
		req_append(done_head, done_tail, req);
	}
	if (s->failing && s->npend == 0) {
		log_notice("%s: writing again; the alert and fire-mode records "
		    "held in memory are committed", s->path);
		s->failing = false;
	}
	return true;
}

/* Shutdown with a disk that would not take them: the events and held writes
 * are given up, each held one failed so its owner hears. Under mu. */
static void
store_give_up(struct store *s, struct store_req **done_head,
    struct store_req **done_tail)
{
	log_err("%s: closing with %zu events and %zu alert or fire-mode "
	    "records that could not be written in %d ms: they are lost: %s",
	    s->path, s->npend + s->qlen, s->nheld, STORE_CLOSE_MS, s->errmsg);
	free(s->pend);
	s->pend = NULL;
	s->npend = s->pendcap = 0;
	s->ev_taken += s->qlen;
	s->qlen = 0;
	while (s->held_head != NULL) {
		struct store_req *req = s->held_head;

		s->held_head = req->next;
		req->status = -1;
		snprintf(req->error, sizeof(req->error), "%.100s (lobbyd "
		    "stopped before it could be written)", s->errmsg);
		req_append(done_head, done_tail, req);
	}
	s->held_tail = NULL;
	s->nheld = 0;
	s->failing = false;
	s->health_failing = false;	/* given up, not writing again: no news */
}

/* Puts a finished request on the engine's completion list. Under mu. */
static void
store_completed(struct store *s, struct store_req *req)
{
	if (req->op == STORE_EVENT_SYNC && req->status == 0)
		s->stats.events_committed++;
	req_append(&s->creq_head, &s->creq_tail, req);
	s->reqs_completed++;
}

static void *
store_main(void *arg)
{
	struct store *s = arg;
	struct store_req *req, *dhead, *dtail;
	struct evbatch *b;
	uint64_t one = 1;
	bool ok, tried, taken, wake;

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
		dhead = dtail = NULL;
		ok = true;
		tried = false;
		if (!taken) {
			snprintf(s->errmsg, sizeof(s->errmsg),
			    "%s: out of memory", s->path);
			store_failed(s);
			ok = false;
			tried = true;
		} else if (s->npend > 0 && (req == NULL || !s->failing ||
		    store_req_writes(req))) {
			ok = (b = store_commit_events(s)) != NULL;
			tried = true;
		} else if (s->npend > 0)
			ok = false;	/* a read need not wait for a failing disk */
		/* Held writes go next, before any later write. */
		if (ok && s->held_head != NULL &&
		    (req == NULL || store_req_writes(req))) {
			ok = store_retry_held(s, &dhead, &dtail);
			tried = true;
		}
		if (req != NULL) {
			store_req_reset(req);
			if (!ok && req->held && store_req_writes(req)) {
				store_hold(s, req);	/* after those it waits for */
				req = NULL;
			} else if (!ok && store_req_writes(req)) {
				/* Writing it now would put it before them. */
				req->status = -1;
				snprintf(req->error, sizeof(req->error),
				    "%.120s (earlier records not yet written)",
				    s->errmsg);
			} else if (!store_run_one(s, req)) {
				ok = false;
				tried = true;
				if (req->held) {
					store_hold(s, req);
					req = NULL;
				}
			} else if (store_req_writes(req) && s->failing &&
			    s->npend == 0 && s->held_head == NULL) {
				log_notice("%s: writing again", s->path);
				s->failing = false;
			}
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
		} else if (tried && !ok) {
			s->stats.failures++;
		}
		if (s->failing && s->stopping && mono_ns() >= s->close_deadline_ns)
			store_give_up(s, &dhead, &dtail);
		wake = b != NULL || req != NULL || dhead != NULL;
		while (dhead != NULL) {
			struct store_req *next = dhead->next;

			store_completed(s, dhead);
			dhead = next;
		}
		if (req != NULL)
			store_completed(s, req);
		s->pend_len = s->npend;
		s->stats.held = s->nheld;
		if (s->failing != s->health_failing) {
			s->health_failing = s->failing;
			str_copy(s->health_why, s->errmsg, sizeof(s->health_why));
			s->health_changed = true;
			wake = true;
		}
		if (wake)
			(void)!write(s->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Who hears how an upgrade at store_open() goes (store_set_upgrade_cb). */
static void	(*upgrade_tell)(const char *, void *);
static void	*upgrade_arg;

void
store_set_upgrade_cb(void (*fn)(const char *what, void *arg), void *arg)
{
	upgrade_tell = fn;
	upgrade_arg = arg;
}

struct store *
store_open(const char *path, int batch_ms, char *err, size_t errlen)
{
	pthread_condattr_t ca;
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
	    schema_migrate(s->db, path, err, errlen, upgrade_tell,
	    upgrade_arg) == -1 ||
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

	store_ckpt_start(s);

	if ((rc = thread_start(&s->thread, store_main, s)) != 0) {
		snprintf(err, errlen, "%s: starting the store thread: %s", path,
		    strerror(rc));
		goto out_ckpt;
	}
	return s;

out_ckpt:
	store_ckpt_stop(s);
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
	for (int round = 0;; round++) {
		bool more;

		pthread_mutex_lock(&s->mu);
		s->stopping = true;
		if (s->close_deadline_ns == 0)
			s->close_deadline_ns = mono_ns() +
			    STORE_CLOSE_MS * NS_PER_MS;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);

		/* Whatever finished on the way out still gets its callbacks. */
		store_complete(s);

		/* A callback may have queued events or submitted a request (an
		 * alert stored on the way out clears itself, say): run those
		 * too, a few rounds at most, so nothing submitted is lost. */
		pthread_mutex_lock(&s->mu);
		more = s->qlen > 0 || s->req_head != NULL ||
		    s->held_head != NULL;
		s->stopping = false;
		pthread_mutex_unlock(&s->mu);
		if (!more)
			break;
		if (round == 3 || pthread_create(&s->thread, NULL, store_main, s) != 0) {
			log_err("%s: closed with work still queued", s->path);
			break;
		}
	}

	store_ckpt_stop(s);
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

	bool health = false, failing = false;
	char why[sizeof(s->health_why)];

	(void)!read(s->efd, &v, sizeof(v));
	pthread_mutex_lock(&s->mu);
	if (s->health_changed) {
		s->health_changed = false;
		health = true;
		failing = s->health_failing;
		str_copy(why, s->health_why, sizeof(why));
	}
	b = s->cev_head;
	req = s->creq_head;
	s->cev_head = s->cev_tail = NULL;
	s->creq_head = s->creq_tail = NULL;
	pthread_mutex_unlock(&s->mu);

	if (health && s->health_cb != NULL)
		s->health_cb(failing, why, s->health_arg);
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
store_set_health_cb(struct store *s,
    void (*cb)(bool failing, const char *why, void *arg), void *arg)
{
	s->health_cb = cb;
	s->health_arg = arg;
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
	/* Until done, id is the store's: the events that go before it. */
	req->id = (int64_t)s->ev_added;
	req_append(&s->req_head, &s->req_tail, req);
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
	pthread_mutex_lock(&s->ckpt_mu);
	st->checkpoints = s->checkpoints;
	pthread_mutex_unlock(&s->ckpt_mu);
}
