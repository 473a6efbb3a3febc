/*
 * Store throughput: how fast queued events are committed in batches, and how
 * many one-event synchronous commits (synchronous=FULL) a second allows.
 * Prints "name value unit" lines for bench/run.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/util.h"
#include "../db/store.h"

#define BENCH_EVENTS	200000
#define BENCH_SYNCS	2000
#define BENCH_BATCH_MS	100

static uint64_t	nseen;

static void
on_event(const struct ev_rec *ev, void *arg)
{
	(void)ev;
	(void)arg;
	nseen++;
}

static void
rm_db(const char *dir)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char p[512];
	size_t i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s/bench.db%s", dir, sfx[i]);
		unlink(p);
	}
	if (rmdir(dir) == -1)
		fprintf(stderr, "bench_store: %s: %s\n", dir, strerror(errno));
}

int
main(void)
{
	char dir[] = "/tmp/bench_store.XXXXXX", path[256], err[256];
	struct store *s;
	struct store_req r;
	struct store_stats st;
	struct ev_rec ev;
	struct pollfd pfd;
	int64_t t0, t1, deadline;
	int i, rc = 1;

	log_init("bench_store", false);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "bench_store: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/bench.db", dir);
	if ((s = store_open(path, BENCH_BATCH_MS, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_store: %s\n", err);
		goto out_rm;
	}
	store_set_event_cb(s, on_event, NULL);

	/* Queue as fast as the engine could, count commits as reported. */
	ev = (struct ev_rec){ .kind = "access", .lane = "L1",
		.device = "reader1", .direction = "entry",
		.decision = "granted", .reason = "ok" };
	t0 = mono_ns();
	for (i = 0; i < BENCH_EVENTS; i++) {
		ev.ts_ms = real_ms();
		snprintf(ev.credential, sizeof(ev.credential), "%08X", i);
		store_event_add(s, &ev);
	}
	deadline = t0 + 120 * 1000 * NS_PER_MS;
	while (nseen < BENCH_EVENTS && mono_ns() < deadline) {
		pfd.fd = store_fd(s);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 1000) == 1)
			store_complete(s);
	}
	t1 = mono_ns();
	store_get_stats(s, &st);
	if (nseen < BENCH_EVENTS) {
		fprintf(stderr, "bench_store: only %llu of %d events committed "
		    "(%llu failures)\n", (unsigned long long)nseen,
		    BENCH_EVENTS, (unsigned long long)st.failures);
		goto out_close;
	}
	printf("store_events_per_s %.0f events/s\n",
	    BENCH_EVENTS / ((double)(t1 - t0) / 1e9));
	fprintf(stderr, "bench_store: %llu events in %llu batches\n",
	    (unsigned long long)st.events_committed,
	    (unsigned long long)st.batches);

	/* One event per transaction, each waited for. */
	t0 = mono_ns();
	for (i = 0; i < BENCH_SYNCS; i++) {
		memset(&r, 0, sizeof(r));
		r.op = STORE_EVENT_SYNC;
		r.in.event = ev;
		r.in.event.ts_ms = real_ms();
		str_copy(r.in.event.kind, "manual_open", sizeof(r.in.event.kind));
		if (store_run(s, &r) != 0) {
			fprintf(stderr, "bench_store: %s\n", r.error);
			goto out_close;
		}
	}
	t1 = mono_ns();
	printf("store_sync_commits_per_s %.0f commits/s\n",
	    BENCH_SYNCS / ((double)(t1 - t0) / 1e9));
	rc = 0;

out_close:
	store_close(s);
out_rm:
	rm_db(dir);
	return rc;
}
