/*
 * What the store's unit programs share: a store opened on a file, requests
 * made and run, events seen through the callback, the schema version read
 * from the file, and main: the tests run in a temporary directory, removed
 * after.
 */
#ifndef LOBBYD_STORE_SUPPORT_H
#define LOBBYD_STORE_SUPPORT_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../common/util.h"
#include "../../db/store.h"
#include "harness.h"

/* Migrations in db/schema.c; bump with each new one. */
#define SCHEMA_LATEST	12

/* What the event callback saw, in order. */
#define SEEN_MAX	40000
static struct {
	size_t		n;
	int64_t		id[SEEN_MAX];
	struct ev_rec	first[64];
	bool		ordered;	/* ids strictly increasing */
} seen;

static inline void
on_event(const struct ev_rec *ev, void *arg)
{
	(void)arg;
	if (seen.n > 0 && seen.n <= SEEN_MAX && ev->id <= seen.id[seen.n - 1])
		seen.ordered = false;
	if (seen.n < 64)
		seen.first[seen.n] = *ev;
	if (seen.n < SEEN_MAX)
		seen.id[seen.n] = ev->id;
	seen.n++;
}

static inline void
seen_reset(void)
{
	seen.n = 0;
	seen.ordered = true;
}

/* Runs completions until the callback has seen n events; bounded. */
static inline bool
wait_seen(struct store *s, size_t n, int timeout_ms)
{
	int64_t end = mono_ns() + timeout_ms * NS_PER_MS;
	struct pollfd pfd;

	while (seen.n < n) {
		int64_t left = (end - mono_ns()) / NS_PER_MS;

		if (left <= 0)
			return false;
		pfd.fd = store_fd(s);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) == 1)
			store_complete(s);
	}
	return true;
}

static inline struct ev_rec
mkev(int64_t ts, const char *kind, const char *lane, const char *detail)
{
	struct ev_rec ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ms = ts;
	str_copy(ev.kind, kind, sizeof(ev.kind));
	str_copy(ev.lane, lane, sizeof(ev.lane));
	str_copy(ev.detail, detail, sizeof(ev.detail));
	return ev;
}

static inline struct store *
open_ok(const char *path, int batch_ms)
{
	char err[256] = "";
	struct store *s = store_open(path, batch_ms, err, sizeof(err));

	if (s == NULL)
		fprintf(stderr, "store_open: %s\n", err);
	CHECK(s != NULL);
	if (s != NULL)
		store_set_event_cb(s, on_event, NULL);
	return s;
}

/* Opens FILE in dir as open_ok does; path (len bytes) gets its path, for a
 * reopen. */
static inline struct store *
open_in(char *path, size_t len, const char *dir, const char *file,
    int batch_ms)
{
	snprintf(path, len, "%s/%s", dir, file);
	return open_ok(path, batch_ms);
}

/* Queues n passage events on lane, at ts_ms first, first + 1, ...; what
 * the callback sees is counted from 0 again. */
static inline void
add_passages(struct store *s, int64_t first, int n, const char *lane)
{
	seen_reset();
	for (int i = 0; i < n; i++) {
		struct ev_rec ev = mkev(first + i, "passage", lane, "");

		store_event_add(s, &ev);
	}
}

/* Reads, or writes, len bytes at off in the file at path: 0 or -1. */
static inline int
file_io_at(const char *path, bool writing, void *buf, size_t len, off_t off)
{
	int fd = open(path, writing ? O_WRONLY : O_RDONLY);
	ssize_t n;

	if (fd == -1)
		return -1;
	n = writing ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* PRAGMA user_version lives big-endian at byte 60 of the database header. */
#define USER_VERSION_AT	60

static inline long
file_user_version(const char *path)
{
	unsigned char b[4];

	if (file_io_at(path, false, b, sizeof(b), USER_VERSION_AT) == -1)
		return -1;
	return (long)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3]);
}

static inline int
file_set_user_version(const char *path, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };

	return file_io_at(path, true, b, sizeof(b), USER_VERSION_AT);
}

static inline struct store_req
mkreq(enum store_op op)
{
	struct store_req r;

	memset(&r, 0, sizeof(r));
	r.op = op;
	return r;
}

/*
 * Runs r, checking that it succeeds with want rows (a failure names r's op):
 * its rows if so, else NULL. The caller frees r either way.
 */
static inline void *
run_rows(struct store *s, struct store_req *r, size_t want)
{
	CHECK_INT(store_run(s, r), 0);
	CHECK_ROW(r->nrows == want, "store op %d: %zu rows, want %zu",
	    (int)r->op, r->nrows, want);
	return r->nrows == want ? r->rows : NULL;
}

/* Row i of an event list's answer; an empty row past its end, so that the
 * checks on it fail instead of reading beyond the rows. */
static inline const struct ev_rec *
ev_row(const struct store_req *r, size_t i)
{
	static const struct ev_rec none;

	return i < r->nrows ? &((const struct ev_rec *)r->rows)[i] : &none;
}

/* Runs r, checking that it succeeds: how many rows it gave (then freed). */
static inline size_t
count_rows(struct store *s, struct store_req r)
{
	size_t n;

	CHECK_INT(store_run(s, &r), 0);
	n = r.nrows;
	store_req_free(&r);
	return n;
}

static inline int
query(struct store *s, struct store_req *r, int64_t since, const char *lane,
    int limit)
{
	*r = mkreq(STORE_EVENT_QUERY);
	r->in.evq.since_ms = since;
	str_copy(r->in.evq.lane, lane, sizeof(r->in.evq.lane));
	r->in.evq.limit = limit;
	return store_run(s, r);
}

/* How many events the query finds, checking that it succeeds. */
static inline size_t
query_count(struct store *s, int64_t since, const char *lane, int limit)
{
	struct store_req r;
	size_t n;

	CHECK_INT(query(s, &r, since, lane, limit), 0);
	n = r.nrows;
	store_req_free(&r);
	return n;
}

/*
 * Reads q page by page into r->rows as a client does: each next page asks
 * for the rows after the last one so far, limit the rows still wanted.
 * The number of pages, or -1 (r->error says why).
 */
static inline int
query_pages(struct store *s, struct store_req *r, const struct ev_query *q)
{
	struct ev_rec *all = NULL, *p;
	size_t n = 0;
	int pages = 0, limit = q->limit <= 0 ? 100 : q->limit;

	for (;;) {
		*r = mkreq(STORE_EVENT_QUERY);
		r->in.evq = *q;
		r->in.evq.limit = limit - (int)n;
		if (n > 0) {
			r->in.evq.after = true;
			r->in.evq.after_ts = all[n - 1].ts_ms;
			r->in.evq.after_id = all[n - 1].id;
		}
		if (store_run(s, r) == -1) {
			free(all);
			return -1;
		}
		/* The newest N's start still being looked for: again. */
		while (r->seek.on) {
			struct ev_seek sk = r->seek;

			store_req_free(r);
			*r = mkreq(STORE_EVENT_QUERY);
			r->in.evq = *q;
			r->in.evq.limit = limit;
			r->in.evq.seek = sk;
			if (store_run(s, r) == -1) {
				free(all);
				return -1;
			}
		}
		pages++;
		if (r->nrows > 0) {
			if ((p = realloc(all, (n + r->nrows) * sizeof(*p))) == NULL)
				abort();
			all = p;
			memcpy(all + n, r->rows, r->nrows * sizeof(*p));
			n += r->nrows;
		}
		store_req_free(r);
		if (!r->more || (int)n >= limit)
			break;
	}
	r->rows = all;
	r->nrows = n;
	return pages;
}

static inline void
card_put(struct store *s, const char *uid, const char *holder, bool enabled)
{
	struct store_req r = mkreq(STORE_CARD_PUT);

	str_copy(r.in.card.uid, uid, sizeof(r.in.card.uid));
	str_copy(r.in.card.holder, holder, sizeof(r.in.card.holder));
	r.in.card.enabled = enabled;
	r.in.card.valid_from_ms = 1000;
	r.in.card.valid_until_ms = 2000;
	str_copy(r.in.card.created_by, "desk", sizeof(r.in.card.created_by));
	r.in.card.created_ms = 555;
	CHECK_INT(store_run(s, &r), 0);
}

static inline int
card_del(struct store *s, const char *uid, bool *found)
{
	struct store_req r = mkreq(STORE_CARD_DEL);
	int rc;

	str_copy(r.in.key, uid, sizeof(r.in.key));
	r.found = !*found;
	rc = store_run(s, &r);
	*found = r.found;
	return rc;
}

static inline int64_t
alert_raise(struct store *s, int64_t t, const char *source, const char *msg)
{
	struct store_req r = mkreq(STORE_ALERT_RAISE);

	r.in.alert.raised_ms = t;
	str_copy(r.in.alert.source, source, sizeof(r.in.alert.source));
	str_copy(r.in.alert.kind, "offline", sizeof(r.in.alert.kind));
	str_copy(r.in.alert.severity, "urgent", sizeof(r.in.alert.severity));
	str_copy(r.in.alert.message, msg, sizeof(r.in.alert.message));
	CHECK_INT(store_run(s, &r), 0);
	return r.id;
}

/* done() of requests submitted without waiting. */
static int	sync_done_calls;
static size_t	sync_done_seen;		/* events seen when done ran */

static inline void
sync_done(struct store_req *r, void *arg)
{
	(void)r;
	(void)arg;
	sync_done_calls++;
	sync_done_seen = seen.n;
}

/* Removes the test's directory and every file in it. */
static inline void
rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[600];

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	if (rmdir(dir) == -1)
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
}

/* One test of a store program: its files go in dir. */
typedef void store_test_fn(const char *dir);

/* One of several tests that share a store, run in turn. */
typedef void store_use_fn(struct store *);

/* Opens FILE in dir as open_ok does, runs each test on it and closes it. */
static inline void
run_on_store(const char *dir, const char *file, int batch_ms,
    store_use_fn *const tests[], size_t n)
{
	char path[512];
	struct store *s = open_in(path, sizeof(path), dir, file, batch_ms);

	if (s == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		tests[i](s);
	store_close(s);
}

/*
 * A store program's main: makes a directory under /tmp named for the
 * program, runs each test in turn with it, removes it and prints the closing
 * line. The exit status.
 */
static inline int
store_tests_main(const char *name, store_test_fn *const tests[], size_t n)
{
	char dir[128];

	log_init(name, false);
	snprintf(dir, sizeof(dir), "/tmp/%s.XXXXXX", name);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		tests[i](dir);
	rm_dir(dir);
	return harness_done(name);
}

#endif
