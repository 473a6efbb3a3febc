/*
 * db/store.c's machinery against real SQLite files in a temporary directory:
 * batching and callback order, queries, migrations, reopening, closing with
 * events queued, and commits failing while another process holds the lock.
 * The records (cards, alerts, the fire mode) are in test_store_records.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store_support.h"

static void
test_events(const char *dir)
{
	char path[512];
	struct store *s;
	struct store_req r, sync;
	struct ev_rec ev;
	struct store_stats st;
	struct stat sb;
	size_t i;
	int64_t t0;

	if ((s = open_in(path, sizeof(path), dir, "events.db", 50)) == NULL)
		return;
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0640);

	/* Every field comes back through the callback, without another call. */
	seen_reset();
	ev = (struct ev_rec){ .ts_ms = 1000, .kind = "access", .lane = "L1",
		.device = "reader1", .direction = "entry",
		.credential = "04A1B2C3", .decision = "granted", .reason = "ok",
		.actor = "alice",
		.id = 999 };		/* ignored: the store assigns it */
	memset(ev.detail, 'd', sizeof(ev.detail) - 1);
	store_event_add(s, &ev);
	for (i = 1; i < 5; i++) {
		struct ev_rec e = mkev(1000 + (int64_t)i, "passage", "L2", "");

		store_event_add(s, &e);
	}
	t0 = mono_ns();
	CHECK(wait_seen(s, 5, 3000));
	CHECK((mono_ns() - t0) / NS_PER_MS < 2000);
	CHECK_INT(seen.n, 5);
	CHECK(seen.ordered);
	CHECK(seen.first[0].id >= 1);
	CHECK_INT(seen.first[0].ts_ms, 1000);
	CHECK_STR(seen.first[0].kind, "access");
	CHECK_STR(seen.first[0].lane, "L1");
	CHECK_STR(seen.first[0].device, "reader1");
	CHECK_STR(seen.first[0].direction, "entry");
	CHECK_STR(seen.first[0].credential, "04A1B2C3");
	CHECK_STR(seen.first[0].decision, "granted");
	CHECK_STR(seen.first[0].reason, "ok");
	CHECK_STR(seen.first[0].actor, "alice");
	CHECK_STR(seen.first[0].detail, ev.detail);
	CHECK_INT(seen.first[4].ts_ms, 1004);
	CHECK_STR(seen.first[4].kind, "passage");

	/* ...and from the table, with empty fields still empty. */
	CHECK_INT(query(s, &r, 0, "", 0), 0);
	CHECK_INT(r.nrows, 5);
	if (r.nrows == 5) {
		struct ev_rec *rows = r.rows;

		CHECK_INT(rows[0].id, seen.first[0].id);
		CHECK_STR(rows[0].detail, ev.detail);
		CHECK_STR(rows[0].actor, "alice");
		CHECK_STR(rows[4].device, "");
		CHECK_STR(rows[4].decision, "");
		CHECK_INT(rows[4].id, seen.first[4].id);
	}
	store_req_free(&r);
	CHECK(r.rows == NULL);

	/* A synchronous event goes after those queued before it and before
	   those queued after it, and comes through the callback too. */
	seen_reset();
	ev = mkev(2000, "manual_open", "L1", "by hand");
	store_event_add(s, &ev);
	sync = mkreq(STORE_EVENT_SYNC);
	sync.in.event = mkev(2001, "manual_open", "L2", "sync");
	str_copy(sync.in.event.actor, "bob", sizeof(sync.in.event.actor));
	sync.done = sync_done;
	store_submit(s, &sync);
	ev = mkev(2002, "passage", "L2", "after");
	store_event_add(s, &ev);
	CHECK(wait_seen(s, 3, 3000));
	CHECK_INT(seen.n, 3);
	CHECK(seen.ordered);
	CHECK_INT(sync_done_calls, 1);
	CHECK_INT(sync_done_seen, 2);	/* its own event, then done */
	CHECK_INT(sync.status, 0);
	CHECK_STR(seen.first[0].detail, "by hand");
	CHECK_STR(seen.first[1].detail, "sync");
	CHECK_STR(seen.first[1].actor, "bob");
	CHECK_INT(seen.first[1].id, sync.id);
	CHECK_STR(seen.first[2].detail, "after");

	/* store_run of a sync event returns its id. */
	sync = mkreq(STORE_EVENT_SYNC);
	sync.in.event = mkev(2003, "lobbyd_start", "", "");
	CHECK_INT(store_run(s, &sync), 0);
	CHECK(sync.id > seen.first[2].id);
	CHECK_INT(seen.n, 4);

	/* An event with no kind breaks the schema: the request says so. */
	sync = mkreq(STORE_EVENT_SYNC);
	sync.in.event = mkev(2004, "", "", "");
	CHECK_INT(store_run(s, &sync), -1);
	CHECK(strncmp(sync.error, path, strlen(path)) == 0);
	CHECK(strstr(sync.error, "NOT NULL") != NULL);
	CHECK_INT(seen.n, 4);

	/* Queries: newest N that match, oldest first. */
	seen_reset();
	for (i = 0; i < 20; i++) {
		char d[8];

		snprintf(d, sizeof(d), "q%zu", i);
		ev = mkev(10000 + (int64_t)i, "passage", i % 2 ? "QB" : "QA", d);
		store_event_add(s, &ev);
	}
	CHECK_INT(query(s, &r, 0, "QA", 3), 0);	/* commits them first */
	CHECK_INT(r.nrows, 3);
	if (r.nrows == 3) {
		struct ev_rec *rows = r.rows;

		CHECK_STR(rows[0].detail, "q14");
		CHECK_STR(rows[1].detail, "q16");
		CHECK_STR(rows[2].detail, "q18");
		CHECK(rows[0].id < rows[1].id && rows[1].id < rows[2].id);
	}
	store_req_free(&r);
	CHECK_INT(query(s, &r, 10015, "", 0), 0);
	CHECK_INT(r.nrows, 5);
	CHECK_STR(ev_row(&r, 0)->detail, "q15");
	CHECK_STR(ev_row(&r, 4)->detail, "q19");
	store_req_free(&r);
	CHECK_INT(query_count(s, 10015, "QB", 100), 3);	/* q15, q17, q19 */
	CHECK_INT(query(s, &r, 0, "nowhere", 10), 0);
	CHECK_INT(r.nrows, 0);
	CHECK(r.rows == NULL);
	store_req_free(&r);
	CHECK_INT(query_count(s, 0, "", 0), 5 + 4 + 20);	/* default limit 100 */
	CHECK(wait_seen(s, 20, 3000));

	store_get_stats(s, &st);
	CHECK_INT(st.events_committed, 5 + 4 + 20);
	CHECK(st.batches >= 3);
	CHECK_INT(st.queue_len, 0);
	CHECK_INT(st.failures, 0);
	store_close(s);

	/* Data survives a reopen, and ids go on increasing. */
	if ((s = open_ok(path, 50)) == NULL)
		return;
	CHECK_INT(query(s, &r, 0, "", 1000), 0);
	CHECK_INT(r.nrows, 29);
	CHECK_STR(ev_row(&r, 0)->actor, "alice");
	CHECK_STR(ev_row(&r, 28)->detail, "q19");
	store_req_free(&r);
	sync = mkreq(STORE_EVENT_SYNC);
	sync.in.event = mkev(3000, "lobbyd_start", "", "");
	CHECK_INT(store_run(s, &sync), 0);
	CHECK(sync.id > seen.id[19]);
	store_close(s);
	CHECK_INT(file_user_version(path), SCHEMA_LATEST);
}

/* Checkpoints happen off the store thread: the WAL file is reused, not
 * grown without end (60 MB of events go through it here), and the store
 * says how many there were. */
static void
test_checkpoints(const char *dir)
{
	char path[512], wal[520];
	struct store *s;
	struct store_stats st;
	struct stat sb;
	struct ev_rec ev;
	int i;

	if ((s = open_in(path, sizeof(path), dir, "ckpt.db", 5)) == NULL)
		return;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	seen_reset();
	for (i = 0; i < 200000; i++) {
		ev = mkev(i, "passage", "L1", "");
		memset(ev.detail, 'x', 120);
		ev.detail[120] = '\0';
		store_event_add(s, &ev);
		if (i % 2000 == 1999)
			CHECK(wait_seen(s, (size_t)i + 1, 10000));
	}
	store_get_stats(s, &st);
	CHECK(st.checkpoints >= 2);
	CHECK(stat(wal, &sb) == 0 && sb.st_size < 24 << 20);
	if (sb.st_size >= 24 << 20 || st.checkpoints < 2)
		fprintf(stderr, "WAL %lld bytes after %llu checkpoints\n",
		    (long long)sb.st_size, (unsigned long long)st.checkpoints);
	store_close(s);
	CHECK(stat(wal, &sb) != 0 || sb.st_size == 0);	/* truncated at close */
}

/* Closing commits what is queued: nothing is lost, all is reported. */
static void
test_close_queued(const char *dir)
{
	char path[512];
	struct store *s;
	struct store_req r;

	if ((s = open_in(path, sizeof(path), dir, "close.db", 60000)) == NULL)
		return;
	add_passages(s, 0, 2500, "L1");
	store_close(s);
	CHECK_INT(seen.n, 2500);
	CHECK(seen.ordered);

	if ((s = open_ok(path, 50)) == NULL)
		return;
	CHECK_INT(query(s, &r, 0, "", 5000), 0);	/* one page */
	CHECK_INT(r.nrows, STORE_EVENT_PAGE);
	CHECK(r.more);
	store_req_free(&r);
	{
		struct ev_query q = { .limit = 5000 };

		CHECK_INT(query_pages(s, &r, &q), 2);
	}
	CHECK_INT(r.nrows, 2500);
	CHECK_INT(ev_row(&r, 2499)->ts_ms, 2499);
	store_req_free(&r);
	store_close(s);
}

/* A done callback that submits a second request while the store closes. */
struct chain {
	struct store	*s;
	struct store_req first, second;
	bool		second_done;
	int		second_status;
};

static void
chain_second_done(struct store_req *r, void *arg)
{
	struct chain *c = arg;

	c->second_done = true;
	c->second_status = r->status;
}

static void
chain_first_done(struct store_req *r, void *arg)
{
	struct chain *c = arg;

	(void)r;
	memset(&c->second, 0, sizeof(c->second));
	c->second.op = STORE_CARD_PUT;
	snprintf(c->second.in.card.uid, sizeof(c->second.in.card.uid), "0C0FFEE0");
	snprintf(c->second.in.card.holder, sizeof(c->second.in.card.holder), "late");
	c->second.in.card.enabled = true;
	c->second.done = chain_second_done;
	c->second.arg = c;
	store_submit(c->s, &c->second);
}

static void
test_close_runs_late_requests(const char *dir)
{
	char path[512];
	struct chain c = { 0 };
	struct store_req r;

	if ((c.s = open_in(path, sizeof(path), dir, "chain.db", 50)) == NULL)
		return;
	c.first.op = STORE_CARD_PUT;
	snprintf(c.first.in.card.uid, sizeof(c.first.in.card.uid), "0C0FFEE1");
	snprintf(c.first.in.card.holder, sizeof(c.first.in.card.holder), "first");
	c.first.done = chain_first_done;
	c.first.arg = &c;
	store_submit(c.s, &c.first);
	store_close(c.s);	/* first's callback runs inside close */
	CHECK(c.second_done);
	CHECK_INT(c.second_status, 0);

	if ((c.s = open_ok(path, 50)) == NULL)
		return;
	memset(&r, 0, sizeof(r));
	r.op = STORE_CARD_LIST;
	CHECK_INT(store_run(c.s, &r), 0);
	CHECK_INT(r.nrows, 2);
	store_req_free(&r);
	store_close(c.s);
}

struct adder {
	struct store	*s;
	int		n;
	int		who;
};

static void *
adder_main(void *arg)
{
	struct adder *a = arg;
	struct ev_rec ev;
	int i;

	for (i = 0; i < a->n; i++) {
		ev = mkev(i, "passage", "L1", "");
		snprintf(ev.device, sizeof(ev.device), "t%d", a->who);
		store_event_add(a->s, &ev);
	}
	return NULL;
}

/* Several threads queueing at once: every event arrives, in id order. */
static void
test_threads(const char *dir)
{
	char path[512];
	struct adder ad[4];
	pthread_t th[4];
	struct store *s;
	struct store_stats st;
	int i;

	if ((s = open_in(path, sizeof(path), dir, "threads.db", 20)) == NULL)
		return;
	seen_reset();
	for (i = 0; i < 4; i++) {
		ad[i] = (struct adder){ s, 5000, i };
		CHECK(pthread_create(&th[i], NULL, adder_main, &ad[i]) == 0);
	}
	CHECK(wait_seen(s, 20000, 10000));
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	CHECK_INT(seen.n, 20000);
	CHECK(seen.ordered);
	store_get_stats(s, &st);
	CHECK_INT(st.events_committed, 20000);
	store_close(s);
}

static void
test_open_errors(const char *dir)
{
	char path[512], err[256], want[640];
	struct store *s;
	long v;
	int fd;

	/* A directory that does not exist. */
	snprintf(path, sizeof(path), "%s/missing/x.db", dir);
	err[0] = '\0';
	CHECK(store_open(path, 50, err, sizeof(err)) == NULL);
	CHECK(strncmp(err, path, strlen(path)) == 0);
	CHECK(strstr(err, "No such file") != NULL);

	/* A file that is not a database. */
	snprintf(path, sizeof(path), "%s/junk.db", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	CHECK(fd >= 0);
	if (fd >= 0) {
		char junk[4096];

		memset(junk, 'x', sizeof(junk));
		CHECK(write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
		close(fd);
	}
	err[0] = '\0';
	CHECK(store_open(path, 50, err, sizeof(err)) == NULL);
	CHECK(strncmp(err, path, strlen(path)) == 0);
	CHECK(strstr(err, "not a database") != NULL);

	/* A schema newer than this lobbyd knows is refused, untouched. */
	if ((s = open_in(path, sizeof(path), dir, "newer.db", 50)) == NULL)
		return;
	store_close(s);
	v = file_user_version(path);
	CHECK_INT(v, SCHEMA_LATEST);
	CHECK(file_set_user_version(path, (uint32_t)v + 6) == 0);
	err[0] = '\0';
	CHECK(store_open(path, 50, err, sizeof(err)) == NULL);
	snprintf(want, sizeof(want), "%s: database schema version %ld is newer "
	    "than this lobbyd (%ld)", path, v + 6, v);
	CHECK_STR(err, want);
	CHECK_INT(file_user_version(path), v + 6);

	/* The version it knows opens again. */
	CHECK(file_set_user_version(path, (uint32_t)v) == 0);
	if ((s = open_ok(path, 50)) != NULL)
		store_close(s);
}

static const char *self_path;	/* argv[0]: lock_child runs it again */

/*
 * The lock holder, in a process of its own: takes SQLite's WAL write lock,
 * byte 120 of the -shm file (the WAL-index lock layout documented with
 * SQLite's file format), says 'y' (or 'n') on fd, and keeps the lock for
 * hold_ms, or until killed when that is 0.
 */
static int
lock_holder(const char *shm, int fd, int hold_ms)
{
	struct flock fl;
	int shm_fd = open(shm, O_RDWR);
	char c;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 120;
	fl.l_len = 1;
	c = shm_fd >= 0 && fcntl(shm_fd, F_SETLKW, &fl) == 0 ? 'y' : 'n';
	(void)!write(fd, &c, 1);
	close(fd);
	if (c != 'y')
		return 1;
	if (hold_ms > 0)
		usleep((useconds_t)hold_ms * 1000);
	else
		pause();
	return 0;
}

/*
 * A child process holding SQLite's write lock: what another writer holding
 * a transaction looks like. It is this program run again (lock_holder), not
 * a fork of it: a fork would carry a copy of this test's open store without
 * its threads, which valgrind would count as leaked. Its pid, or -1.
 */
static pid_t
lock_child(const char *shm, int hold_ms)
{
	int pfd[2], status;
	pid_t pid;
	char c = 'n', fd_arg[16], ms_arg[16];

	if (pipe(pfd) == -1)
		return -1;
	snprintf(fd_arg, sizeof(fd_arg), "%d", pfd[1]);
	snprintf(ms_arg, sizeof(ms_arg), "%d", hold_ms);
	if ((pid = fork()) == 0) {
		close(pfd[0]);
		execl(self_path, self_path, "--lock-holder", shm, fd_arg, ms_arg,
		    (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	if (pid > 0 && (read(pfd[0], &c, 1) != 1 || c != 'y')) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		pid = -1;
	}
	close(pfd[0]);
	return pid;
}

/*
 * Commits that fail while a second process holds the write lock. takes SQLite's WAL write lock, byte 120
 * of the -shm file (the WAL-index lock layout documented with SQLite's file
 * format), which is what another writer holding a transaction looks like.
 * Events stay in memory, writes fail with a reason, reads still work, and
 * once the lock goes everything is committed, in order.
 */
static void
test_write_failure(const char *dir)
{
	char path[512], shm[520];
	struct store *s;
	struct store_req r;
	struct store_stats st;
	int64_t end;
	int status;
	pid_t pid;

	if ((s = open_in(path, sizeof(path), dir, "locked.db", 20)) == NULL)
		return;
	snprintf(shm, sizeof(shm), "%s-shm", path);
	card_put(s, "0C000003", "Cy", true);
	pid = lock_child(shm, 0);
	CHECK(pid > 0);
	if (pid <= 0) {
		store_close(s);
		return;
	}

	add_passages(s, 0, 10, "L1");
	end = mono_ns() + 5000 * NS_PER_MS;
	do {
		usleep(20000);
		store_get_stats(s, &st);
	} while (st.failures == 0 && mono_ns() < end);
	CHECK(st.failures > 0);
	CHECK_INT(st.queue_len, 10);
	store_complete(s);
	CHECK_INT(seen.n, 0);

	/* A write is refused with the reason; done still runs. */
	r = mkreq(STORE_CARD_PUT);
	str_copy(r.in.card.uid, "0D000004", sizeof(r.in.card.uid));
	CHECK_INT(store_run(s, &r), -1);
	CHECK(strncmp(r.error, path, strlen(path)) == 0);
	CHECK(strstr(r.error, "locked") != NULL);

	/* A read is answered from what was committed. */
	CHECK_INT(count_rows(s, mkreq(STORE_CARD_LIST)), 1);

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CHECK(wait_seen(s, 10, 10000));
	CHECK_INT(seen.n, 10);
	CHECK(seen.ordered);
	store_get_stats(s, &st);
	CHECK_INT(st.queue_len, 0);
	CHECK_INT(st.events_committed, 10);
	store_close(s);

	if ((s = open_ok(path, 20)) == NULL)
		return;
	CHECK_INT(query_count(s, 0, "", 100), 10);
	/* The refused card is absent. */
	CHECK_INT(count_rows(s, mkreq(STORE_CARD_LIST)), 1);

	/* Closing while the lock is held retries until it is let go. */
	pid = lock_child(shm, 1500);
	CHECK(pid > 0);
	add_passages(s, 100, 5, "L2");
	store_close(s);
	CHECK_INT(seen.n, 5);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if ((s = open_ok(path, 20)) == NULL)
		return;
	CHECK_INT(query_count(s, 0, "L2", 100), 5);
	store_close(s);
}

/* ---- held writes: a database that cannot be written ------------------- */

static struct {
	int	calls;
	bool	failing;
	char	why[160];
} health;

static void
on_health(bool failing, const char *why, void *arg)
{
	(void)arg;
	health.calls++;
	health.failing = failing;
	str_copy(health.why, why, sizeof(health.why));
}

static int	held_done_calls, held_done_status;
static int64_t	held_done_id;

static void
held_done(struct store_req *r, void *arg)
{
	(void)arg;
	held_done_calls++;
	held_done_status = r->status;
	held_done_id = r->id;
	store_req_free(r);
}

/* Runs completions until cond holds or timeout_ms passes. */
#define WAIT_UNTIL(s, cond, timeout_ms) do {				\
	int64_t end_ = mono_ns() + (timeout_ms) * NS_PER_MS;		\
	struct pollfd pfd_ = { .fd = store_fd(s), .events = POLLIN };	\
	while (!(cond) && mono_ns() < end_)				\
		if (poll(&pfd_, 1, 50) == 1)				\
			store_complete(s);				\
} while (0)

/* The file-size limit makes every write that grows a file fail (EFBIG),
 * which SQLite takes as a full disk. */
static void
fsize_limit(rlim_t bytes)
{
	struct rlimit rl;

	getrlimit(RLIMIT_FSIZE, &rl);
	rl.rlim_cur = bytes;
	setrlimit(RLIMIT_FSIZE, &rl);
}

static void
test_held_writes(const char *dir)
{
	char path[512];
	struct store *s;
	struct store_req r, held;
	struct store_stats st;
	struct ev_rec ev;
	int64_t t0;

	if ((s = open_in(path, sizeof(path), dir, "held.db", 20)) == NULL)
		return;
	signal(SIGXFSZ, SIG_IGN);
	store_set_health_cb(s, on_health, NULL);
	memset(&health, 0, sizeof(health));
	alert_raise(s, 1, "ts1", "before");

	/* The disk is full: an event's commit fails, and the store says so. */
	fsize_limit(0);
	seen_reset();
	ev = mkev(10, "passage", "L1", "");
	store_event_add(s, &ev);
	WAIT_UNTIL(s, health.calls > 0, 5000);
	CHECK_INT(health.calls, 1);
	CHECK(health.failing);
	CHECK(strncmp(health.why, path, strlen(path)) == 0);

	/* A held alert waits; it is not failed. */
	held = mkreq(STORE_ALERT_RAISE);
	held.held = true;
	held.in.alert.raised_ms = 20;
	str_copy(held.in.alert.source, "site", sizeof(held.in.alert.source));
	str_copy(held.in.alert.kind, "site_fire", sizeof(held.in.alert.kind));
	str_copy(held.in.alert.severity, "emergency", sizeof(held.in.alert.severity));
	held.done = held_done;
	held_done_calls = 0;
	store_submit(s, &held);
	t0 = mono_ns();
	WAIT_UNTIL(s, held_done_calls > 0, 600);
	CHECK_INT(held_done_calls, 0);
	store_get_stats(s, &st);
	CHECK_INT(st.held, 1);
	CHECK_INT(st.queue_len, 1);
	/* Another write fails at once, saying why; a read is answered. */
	r = mkreq(STORE_CARD_PUT);
	str_copy(r.in.card.uid, "0E000005", sizeof(r.in.card.uid));
	CHECK_INT(store_run(s, &r), -1);
	CHECK(strstr(r.error, "not yet written") != NULL);
	CHECK_INT(count_rows(s, mkreq(STORE_ALERT_LIST)), 1);	/* "before" only */
	CHECK(mono_ns() - t0 < 3000 * NS_PER_MS);

	/* Room again: the event, then the held alert, commit; told once. */
	fsize_limit(RLIM_INFINITY);
	WAIT_UNTIL(s, held_done_calls > 0 && health.calls > 1, 10000);
	CHECK_INT(held_done_calls, 1);
	CHECK_INT(held_done_status, 0);
	CHECK(held_done_id > 0);
	CHECK_INT(health.calls, 2);
	CHECK(!health.failing);
	CHECK_INT(seen.n, 1);
	r = mkreq(STORE_ALERT_LIST);
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 2);
	if (r.nrows == 2)
		CHECK_STR(((struct alert_rec *)r.rows)[1].kind, "site_fire");
	store_req_free(&r);

	/* Stopping with the disk full: bounded, and the held write hears. */
	fsize_limit(0);
	ev = mkev(30, "passage", "L1", "");
	store_event_add(s, &ev);
	WAIT_UNTIL(s, health.calls > 2, 5000);
	CHECK(health.failing);
	held = mkreq(STORE_ALERT_CLEAR);
	held.held = true;
	held.in.alert.id = held_done_id;
	held.done = held_done;
	held_done_calls = 0;
	store_submit(s, &held);
	t0 = mono_ns();
	store_close(s);
	CHECK(mono_ns() - t0 < (STORE_CLOSE_MS + 1500) * NS_PER_MS);
	CHECK_INT(held_done_calls, 1);
	CHECK_INT(held_done_status, -1);
	fsize_limit(RLIM_INFINITY);
	signal(SIGXFSZ, SIG_DFL);
}

int
main(int argc, char **argv)
{
	static store_test_fn *const tests[] = {
		test_events, test_close_queued, test_checkpoints,
		test_close_runs_late_requests, test_threads, test_open_errors,
		test_write_failure, test_held_writes
	};

	if (argc == 5 && strcmp(argv[1], "--lock-holder") == 0)
		return lock_holder(argv[2], atoi(argv[3]), atoi(argv[4]));
	self_path = argv[0];
	return store_tests_main("test_store", tests, NELEM(tests));
}
