/*
 * The event log's retention, from the engine loop: every few minutes, and
 * at once after an export is recorded, the store deletes the oldest events
 * the settings let go (store.events_keep_days, events_max_mb,
 * events_export_required), one small transaction at a time with pauses
 * between, so event commits and requests keep flowing. No access decision
 * waits on any of it (DESIGN invariant 4).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "../common/util.h"

#define RET_FIRST_MS	5000		/* the first check after start */
#define RET_CHECK_MS	(10 * 60 * 1000)	/* between checks with nothing to do */
#define RET_RETRY_MS	(60 * 1000)	/* after a batch failed */
#define RET_BATCH_FIRST	200
#define RET_BATCH_MIN	20
/* A batch's time on the store thread, aimed at: the next batch is sized
 * from the last one's rows per ms (it grows only after a full batch, and
 * at most doubles or halves at a time). A tower's oldest events lie
 * across every card's part of the card index, so a row costs a few page
 * writes: about 50 rows per ms here, far more than the ~1 a minute a
 * tower adds, which is all that retention has to keep up with. */
#define RET_TARGET_NS	(3 * NS_PER_MS)
/* The pause after a batch: at least this, and three times the batch's own
 * time, so retention never has more than a quarter of the store thread. */
#define RET_GAP_MIN_MS	20
#define MS_PER_DAY	86400000LL
#define MIB		((int64_t)1 << 20)

#define RET_SOURCE	"site"
#define RET_KIND_WAIT	"site_events_unexported"
#define RET_KIND_OVER	"site_events_ceiling"

/* The end of a run (no more to delete, or a failure): an events_purged
 * event and a log line if it deleted anything. */
static void
run_end(struct engine *e)
{
	struct retention *r = &e->retention;
	struct ev_rec ev;

	if (r->run_age + r->run_size == 0)
		return;
	engine_ev_init(&ev, "events_purged");
	str_copy(ev.actor, "lobbyd", sizeof(ev.actor));
	snprintf(ev.detail, sizeof(ev.detail), "%" PRId64 " events older than "
	    "%d days, %" PRId64 " for events_max_mb %d; %" PRId64 " MB in use",
	    r->run_age, e->site->events_keep_days, r->run_size,
	    e->site->events_max_mb, r->used_bytes / MIB);
	engine_event(e, &ev);
	log_notice("event retention: deleted %s", ev.detail);
	r->run_age = r->run_size = 0;
}

/* The alerts follow what the last batch found. */
static void
alerts_update(struct engine *e, const struct ev_purged *p)
{
	struct retention *r = &e->retention;
	char msg[128];

	if (p->waiting && !r->waiting) {
		snprintf(msg, sizeof(msg), "Events older than %d days are kept "
		    "until exported: lobbyctl events export --until ...",
		    e->site->events_keep_days);
		alert_raise(e, RET_SOURCE, RET_KIND_WAIT, SEV_INFO,
		    AUD_FRONTDESK, msg);
	} else if (!p->waiting && r->waiting)
		alert_clear(e, RET_SOURCE, RET_KIND_WAIT);
	r->waiting = p->waiting;

	if (p->over && !r->over) {
		snprintf(msg, sizeof(msg), "The database holds %" PRId64 " MB, "
		    "over events_max_mb %d, and no event left is exported",
		    p->used_bytes / MIB, e->site->events_max_mb);
		log_warn("event retention: %s", msg);
		alert_raise(e, RET_SOURCE, RET_KIND_OVER, SEV_WARNING,
		    AUD_ENGINEERING | AUD_FRONTDESK, msg);
		r->over = true;
	} else if (r->over && (e->site->events_max_mb == 0 ||
	    p->used_bytes <= (int64_t)e->site->events_max_mb * MIB)) {
		alert_clear(e, RET_SOURCE, RET_KIND_OVER);
		r->over = false;
	}
}

/* The next batch's size after one of batch rows that deleted n in took. */
static int
next_batch(int batch, int64_t n, int64_t took)
{
	int64_t want;

	if (took <= 0)
		return batch;
	want = (int64_t)batch * RET_TARGET_NS / took;
	if (want > 2 * (int64_t)batch)
		want = 2 * (int64_t)batch;
	if (want < batch / 2)
		want = batch / 2;
	if (want > batch && n < batch)	/* it ran out: no cause to grow */
		want = batch;
	if (want < RET_BATCH_MIN)
		want = RET_BATCH_MIN;
	if (want > STORE_PURGE_BATCH_MAX)
		want = STORE_PURGE_BATCH_MAX;
	return (int)want;
}

static void
batch_done(struct store_req *req, void *arg)
{
	struct engine *e = arg;
	struct retention *r = &e->retention;
	const struct ev_purged *p = &req->purged;
	int64_t now = mono_ns(), gap_ms;

	r->busy = false;
	if (req->status != 0) {
		if (!r->failed)
			log_err("event retention: %s; tried again every %d s",
			    req->error, RET_RETRY_MS / 1000);
		r->failed = true;
		run_end(e);
		r->next_ns = now + RET_RETRY_MS * NS_PER_MS;
		goto out;
	}
	r->failed = false;
	if (p->yielded) {	/* a checkpoint first: again after the pause */
		r->next_ns = now + RET_GAP_MIN_MS * NS_PER_MS;
		goto out;
	}
	log_debug("event retention: batch of up to %d: %" PRId64 " deleted "
	    "in %.1f ms", r->batch, p->by_age + p->by_size,
	    (double)p->took_ns / NS_PER_MS);
	r->run_age += p->by_age;
	r->run_size += p->by_size;
	r->purged += (uint64_t)(p->by_age + p->by_size);
	r->used_bytes = p->used_bytes;
	r->batch = next_batch(r->batch, p->by_age + p->by_size, p->took_ns);
	if (p->more) {
		gap_ms = 3 * p->took_ns / NS_PER_MS;
		if (gap_ms < RET_GAP_MIN_MS)
			gap_ms = RET_GAP_MIN_MS;
		r->next_ns = now + gap_ms * NS_PER_MS;
	} else {
		run_end(e);
		alerts_update(e, p);
		r->next_ns = now + RET_CHECK_MS * NS_PER_MS;
	}
out:
	store_req_free(req);
	free(req);
}

void
retention_tick(struct engine *e, int64_t now_ns)
{
	struct retention *r = &e->retention;
	const struct site_conf *site = e->site;
	struct store_req *req;

	if (r->busy || now_ns < r->next_ns)
		return;
	if (r->next_ns == 0) {	/* just started */
		r->next_ns = now_ns + RET_FIRST_MS * NS_PER_MS;
		r->batch = RET_BATCH_FIRST;
		return;
	}
	if (site->events_keep_days == 0 && site->events_max_mb == 0) {
		struct ev_purged none = { 0 };

		alerts_update(e, &none);	/* a reload may have turned it off */
		r->next_ns = now_ns + RET_CHECK_MS * NS_PER_MS;
		return;
	}
	if ((req = calloc(1, sizeof(*req))) == NULL) {
		log_err("event retention: out of memory; tried again in %d s",
		    RET_RETRY_MS / 1000);
		r->next_ns = now_ns + RET_RETRY_MS * NS_PER_MS;
		return;
	}
	req->op = STORE_EVENT_PURGE;
	if (site->events_keep_days > 0)
		req->in.purge.before_ms = real_ms() -
		    (int64_t)site->events_keep_days * MS_PER_DAY;
	req->in.purge.max_bytes = (int64_t)site->events_max_mb * MIB;
	req->in.purge.export_required = site->events_export_required;
	req->in.purge.batch = r->batch;
	req->done = batch_done;
	req->arg = e;
	r->busy = true;
	store_submit(e->store, req);
}

int64_t
retention_next_deadline(const struct engine *e)
{
	return e->retention.busy ? INT64_MAX : e->retention.next_ns;
}

void
retention_kick(struct engine *e)
{
	struct retention *r = &e->retention;

	if (r->batch == 0)
		r->batch = RET_BATCH_FIRST;
	if (!r->busy)
		r->next_ns = 1;	/* due at the next turn of the loop */
}
