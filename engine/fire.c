/*
 * The fire-alarm mode (DESIGN invariant 2). A fire input going active frees
 * every egress lane at once and holds it free; the mode is stored, so it
 * survives a restart, and ends only when every fire input is inactive and an
 * operator resets it, which locks the lanes again.
 *
 * The mode is kept twice: in the database (a held write, retried until it
 * commits, DESIGN invariant 2) and in the latch file beside it (db/latch.h:
 * "<database>.fire"), written in place and synced as the mode changes, so it
 * holds even when the database could not be written before a restart. At
 * start the mode is on when either says so.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db/latch.h"
#include "engine.h"
#include "lanes.h"
#include "../common/util.h"

#define FIRE_ALERT_SOURCE	"site"
#define FIRE_ALERT_KIND		"site_fire"
#define FIRE_BUDGET_NS		(100 * NS_PER_MS)	/* input to FREE on the wire */
#define FIRE_TRIES		4	/* a FREE that failed is sent again */
#define FIRE_RESEND_NS		(2000 * NS_PER_MS)	/* a FREE never confirmed, past
						   its command lifetime */

bool
fire_mode_active(const struct engine *e)
{
	return e->fire.active;
}

bool
fire_lane_held(const struct engine *e, int l)
{
	return e->fire.active && l >= 0 && l < e->site->nlanes &&
	    e->site->lanes[l].egress;
}

bool
fire_blocks_cmd(const struct engine *e, int dev, enum ts_cmd cmd)
{
	return cmd != TS_CMD_FREE && fire_lane_held(e, lane_of_turnstile(e, dev));
}

/* ---- the stored mode -------------------------------------------------- */

/* The latch file's path: the database's, with ".fire". */
static void
fire_latch_path(const struct engine *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s.fire", e->site->db_path);
}

/* The mode as it is now into the latch file, by its writer's thread (the
 * engine does not wait for the disk); logs a failure. */
static void
fire_latch_put(struct engine *e, const struct fire_rec *f)
{
	char err[160], path[CONF_PATH_MAX + 8];

	if (e->fire.latch_fd < 0)
		return;
	if (e->fire.latch != NULL) {
		latch_post(e->fire.latch, f);
		return;
	}
	if (latch_write(e->fire.latch_fd, f, err, sizeof(err)) < 0) {
		fire_latch_path(e, path, sizeof(path));
		log_err("%s: %s; fire mode %s is kept by the database only",
		    path, err, f->active ? "on" : "off");
	}
}

static void
fire_stored(struct store_req *req, void *arg)
{
	(void)arg;
	if (req->status != 0)
		log_err("fire mode %s not stored: %s",
		    req->in.fire.active ? "on" : "off", req->error);
	store_req_free(req);
	free(req);
}

/* The mode as it is now, to the store; committed in the store's order. */
static void
fire_store(struct engine *e)
{
	struct store_req *req = calloc(1, sizeof(*req));

	if (req == NULL) {
		log_err("fire mode: out of memory; not stored");
		return;
	}
	req->op = STORE_FIRE_PUT;
	req->held = true;
	req->in.fire.active = e->fire.active;
	req->in.fire.since_ms = e->fire.since_ms;
	str_copy(req->in.fire.source, e->fire.source, sizeof(req->in.fire.source));
	req->done = fire_stored;
	req->arg = e;
	store_submit(e->store, req);
}

/* The latch file, opened (made if missing) at start; 1: it says on, into *f. */
static int
fire_latch_load(struct engine *e, struct fire_rec *f)
{
	char err[160], path[CONF_PATH_MAX + 8];
	int rc;

	fire_latch_path(e, path, sizeof(path));
	if ((e->fire.latch_fd = latch_open(path, err, sizeof(err))) < 0) {
		log_err("%s; the fire mode is kept by the database only", err);
		return 0;
	}
	if ((rc = latch_read(e->fire.latch_fd, f, err, sizeof(err))) < 0)
		log_err("%s: %s", path, err);
	if ((e->fire.latch = latch_writer_start(e->fire.latch_fd, path, err,
	    sizeof(err))) == NULL)
		log_err("%s; the engine writes the latch itself", err);
	return rc == 1 && f->active;
}

int
fire_load(struct engine *e)
{
	struct store_req req = { .op = STORE_FIRE_GET };
	const struct fire_rec *f;
	struct fire_rec latched;
	bool db_on, latch_on;
	char msg[128];

	if (store_run(e->store, &req) < 0) {
		log_err("fire mode: %s", req.error);
		store_req_free(&req);
		return -1;
	}
	f = req.rows;
	db_on = req.nrows == 1 && f->active;
	latch_on = fire_latch_load(e, &latched) == 1;
	if (db_on || latch_on) {
		if (!db_on)
			f = &latched;
		e->fire.active = true;
		e->fire.since_ms = f->since_ms;
		str_copy(e->fire.source, f->source, sizeof(e->fire.source));
		log_crit("fire mode is on (from %s): egress lanes are freed as "
		    "their turnstiles answer; it ends with lobbyctl fire reset",
		    f->source[0] ? f->source : "?");
		if (!db_on) {
			/* Its write to the database failed before the restart. */
			log_crit("fire mode was kept by its latch file: the "
			    "database did not have it; storing it again");
			fire_store(e);
		} else if (!latch_on) {
			fire_latch_put(e, f);
		}
		/* Taken back with the stored alerts; raised again if it was not. */
		snprintf(msg, sizeof(msg), "Fire alarm (%s): egress lanes are "
		    "free until the alarm clears and an operator resets", f->source);
		alert_raise(e, FIRE_ALERT_SOURCE, FIRE_ALERT_KIND, SEV_EMERGENCY,
		    AUD_ALL, msg);
	}
	store_req_free(&req);
	return 0;
}

void
fire_close(struct engine *e)
{
	latch_writer_stop(e->fire.latch);	/* what is posted is written */
	e->fire.latch = NULL;
	latch_close(e->fire.latch_fd);
	e->fire.latch_fd = -1;
}

/* ---- commands to the lanes -------------------------------------------- */

/* Sends FREE or LOCK to lane l's turnstile and follows it to the wire. */
static void
fire_send(struct engine *e, int l, enum ts_cmd cmd, int64_t t_input_ns,
    unsigned tries, const char *why)
{
	const struct lane_conf *lc = &e->site->lanes[l];
	struct fire_cmd *fc;
	char err[160];

	if (cmd == TS_CMD_FREE) {
		e->fire.free_sent_ns[l] = mono_ns();
		e->fire.free_ok[l] = false;
	}
	if (engine_send_cmd(e, lc->turnstile, cmd, 0, err, sizeof(err)) < 0) {
		/* The worker is not running: the turnstile is offline, and is
		 * freed (or locked) when it answers again. */
		log_err("%s: %s", lc->name, err);
		if (cmd == TS_CMD_LOCK)
			e->fire.lock_owed[l] = true;
		return;
	}
	fc = &e->fire.sent[e->fire.nsent++ % FIRE_TRACK];
	fc->id = e->next_cmd_id;
	fc->cmd = (uint8_t)cmd;
	fc->tries = (uint8_t)tries;
	fc->lane = l;
	fc->t_input_ns = t_input_ns;
	str_copy(fc->why, why, sizeof(fc->why));
}

static void
fire_mode_on(struct engine *e, int dev, int64_t t_input_ns)
{
	const struct device_conf *dc = &e->site->devices[dev];
	struct fire_rec f = { .active = true };
	struct ev_rec ev;
	char msg[128], why[48];
	int nlanes = 0;

	e->fire.active = true;
	e->fire.since_ms = f.since_ms = real_ms();
	str_copy(e->fire.source, dc->name, sizeof(e->fire.source));
	for (int l = 0; l < e->site->nlanes; l++)
		e->fire.lock_owed[l] = false;
	engine_ev_init(&ev, "fire_mode_on");
	engine_ev_dev(e, &ev, dev);
	for (int l = 0; l < e->site->nlanes; l++)
		nlanes += e->site->lanes[l].egress;
	snprintf(ev.detail, sizeof(ev.detail), "fire alarm: %d egress lane(s) "
	    "freed until the input clears and an operator resets", nlanes);
	engine_event(e, &ev);
	/*
	 * Durable before anything depends on it: the row is submitted ahead of
	 * every later store write (a reset is one), and the store commits in
	 * order with synchronous=FULL. The lanes do not wait for the disk
	 * (invariant 4): a crash before the commit leaves the input active,
	 * and the next start reads it again.
	 */
	fire_store(e);
	snprintf(why, sizeof(why), "fire input %s", dc->name);
	for (int l = 0; l < e->site->nlanes; l++)
		if (e->site->lanes[l].egress)
			fire_send(e, l, TS_CMD_FREE, t_input_ns, 1, why);
	/* The lanes first, then the latch: one small synced write in place,
	 * which holds even when the database cannot be written. */
	str_copy(f.source, e->fire.source, sizeof(f.source));
	fire_latch_put(e, &f);
	snprintf(msg, sizeof(msg), "Fire alarm (%s): egress lanes are free until "
	    "the alarm clears and an operator resets", dc->name);
	alert_raise(e, FIRE_ALERT_SOURCE, FIRE_ALERT_KIND, SEV_EMERGENCY, AUD_ALL,
	    msg);
}

void
fire_input(struct engine *e, int dev, bool active)
{
	int64_t t_input_ns = mono_ns();
	const struct device_conf *dc = &e->site->devices[dev];

	if (!active) {
		if (e->fire.active)
			log_notice("%s: fire alarm input cleared; fire mode stays "
			    "on until an operator resets it", dc->name);
		return;
	}
	log_crit("%s: FIRE ALARM", dc->name);
	if (!e->fire.active)
		fire_mode_on(e, dev, t_input_ns);
}

/*
 * A turnstile of a held lane that answers again, or reports a state other
 * than free, is sent FREE again. This is the one place where a device's
 * restoration leads to a release, against invariant 1: invariant 2 outranks
 * it, because the building's life-safety release must not be undone by a
 * turnstile that rebooted into its locked state. A freed turnstile shows
 * its profile's "passing" value, so any other state is taken as not free.
 * After a reset, a lane whose LOCK was never written is locked when its
 * turnstile answers again.
 */
void
fire_ts_status(struct engine *e, int dev, bool first, enum ts_state before)
{
	int l = lane_of_turnstile(e, dev);
	enum ts_state now = turnstile_state_of(e, dev)->state;
	char why[48];

	if (l < 0)
		return;
	if (!fire_lane_held(e, l)) {
		if (first && !e->fire.active && e->fire.lock_owed[l]) {
			e->fire.lock_owed[l] = false;
			fire_send(e, l, TS_CMD_LOCK, 0, 1,
			    "after the fire reset, answering again");
		}
		return;
	}
	if (first)
		snprintf(why, sizeof(why), "fire mode: turnstile answering");
	else if (now != before && now != TS_PASSING)
		snprintf(why, sizeof(why), "fire mode: turnstile reported %s",
		    config_ts_state_name(now));
	else if (now != TS_PASSING && !e->fire.free_ok[l] &&
	    mono_ns() - e->fire.free_sent_ns[l] >= FIRE_RESEND_NS)
		/* A FREE that never reached the wire (its worker's queue was
		 * full) or whose result was lost: the lane is not yet free. */
		snprintf(why, sizeof(why), "fire mode: FREE not confirmed");
	else
		return;
	fire_send(e, l, TS_CMD_FREE, 0, 1, why);
}

void
fire_cmd_result(struct engine *e, int dev, const struct msg_cmd_result *m)
{
	struct fire_cmd fc, *slot = NULL;
	struct ev_rec ev;
	char alert[128];

	for (unsigned i = 0; i < FIRE_TRACK; i++) {
		if (e->fire.sent[i].id == m->id && m->id != 0) {
			slot = &e->fire.sent[i];
			break;
		}
	}
	if (slot == NULL || slot->lane >= e->site->nlanes ||
	    e->site->lanes[slot->lane].turnstile != dev)
		return;
	fc = *slot;
	slot->id = 0;
	if (m->status != CMD_OK) {
		/* Recorded as command_failed by lanes.c. An offline turnstile is
		 * sent its command when it answers again; one that answers but
		 * would not take it is tried again, then reported. */
		if (fc.cmd == TS_CMD_LOCK) {
			e->fire.lock_owed[fc.lane] = true;
		} else if (fire_lane_held(e, fc.lane) && m->status != CMD_OFFLINE) {
			if (fc.tries < FIRE_TRIES) {
				fire_send(e, fc.lane, TS_CMD_FREE, fc.t_input_ns,
				    fc.tries + 1u, fc.why);
			} else {
				snprintf(alert, sizeof(alert), "Fire mode: turnstile "
				    "%s could not be freed: %.60s",
				    e->site->devices[dev].name, m->error);
				alert_dev_raise(e, dev, "fire_not_free", SEV_EMERGENCY,
				    AUD_ALL, alert);
			}
		}
		return;
	}
	if (fc.cmd == TS_CMD_FREE) {
		e->fire.free_ok[fc.lane] = true;
		alert_dev_clear(e, dev, "fire_not_free");
	}
	engine_ev_init(&ev, fc.cmd == TS_CMD_FREE ? "fire_free" : "fire_lock");
	engine_ev_dev(e, &ev, dev);
	if (fc.t_input_ns != 0 && m->t_wire_ns >= fc.t_input_ns) {
		int64_t ns = m->t_wire_ns - fc.t_input_ns;

		snprintf(ev.detail, sizeof(ev.detail), "%s: FREE on the wire "
		    "%lld.%03lld ms after the input arrived", fc.why,
		    (long long)(ns / NS_PER_MS), (long long)(ns % NS_PER_MS / 1000));
		if (ns > FIRE_BUDGET_NS)
			log_warn("%s: freed %lld ms after the fire input, over the "
			    "%lld ms budget", e->site->lanes[fc.lane].name,
			    (long long)(ns / NS_PER_MS), FIRE_BUDGET_NS / NS_PER_MS);
	} else {
		snprintf(ev.detail, sizeof(ev.detail), "%s", fc.why);
	}
	engine_event(e, &ev);
}

/* ---- the operator's reset --------------------------------------------- */

const char *
fire_reset_refusal(const struct engine *e, char *buf, size_t len)
{
	if (!e->fire.active) {
		snprintf(buf, len, "fire mode is not on");
		return buf;
	}
	if (e->fire.resetting) {
		snprintf(buf, len, "a reset of the fire mode is being recorded "
		    "already");
		return buf;
	}
	for (int d = 0; d < e->site->ndevices; d++) {
		const struct device_conf *dc = &e->site->devices[d];
		const struct dev_state *ds = &e->devs[d];

		if (dc->kind != DEV_INPUT || dc->function != IN_FIRE)
			continue;
		if (ds->online && ds->have_status && !input_state_of(e, d)->active)
			continue;
		if (ds->online && ds->have_status)
			snprintf(buf, len, "fire input %s is still active: the "
			    "alarm must be cleared at the fire panel first",
			    dc->name);
		else
			snprintf(buf, len, "fire input %s is not answering (%s): "
			    "its state is not known, so the mode stays on",
			    dc->name, ds->online ? "not read yet" : ds->reason);
		return buf;
	}
	return NULL;
}

void
fire_reset_begin(struct engine *e, const char *user, struct store_req *req)
{
	struct ev_rec ev;

	e->fire.resetting = true;
	/* Queued ahead of the row: the store commits it first. */
	engine_ev_init(&ev, "fire_reset");
	str_copy(ev.actor, user, sizeof(ev.actor));
	snprintf(ev.detail, sizeof(ev.detail), "fire mode from %s ended; "
	    "egress lanes lock", e->fire.source[0] ? e->fire.source : "?");
	engine_event(e, &ev);
	req->op = STORE_FIRE_PUT;
	req->in.fire.active = false;
	req->in.fire.since_ms = e->fire.since_ms;
	str_copy(req->in.fire.source, e->fire.source, sizeof(req->in.fire.source));
	req->in.fire.ended_ms = real_ms();
	str_copy(req->in.fire.reset_by, user, sizeof(req->in.fire.reset_by));
}

int
fire_reset_done(struct engine *e, const struct store_req *req, char *err,
    size_t errlen)
{
	struct ev_rec ev;
	char why[160];

	e->fire.resetting = false;
	if (req->status != 0 || fire_reset_refusal(e, why, sizeof(why)) != NULL) {
		/* Not reset after all: say so in the log of events too. */
		if (req->status != 0)
			snprintf(err, errlen, "fire mode not reset: it could not be "
			    "recorded: %s", req->error);
		else
			snprintf(err, errlen, "fire mode not reset: %s", why);
		engine_ev_init(&ev, "fire_reset_failed");
		str_copy(ev.actor, req->in.fire.reset_by, sizeof(ev.actor));
		str_copy(ev.detail, err, sizeof(ev.detail));
		engine_event(e, &ev);
		if (e->fire.active)
			fire_store(e);	/* the stored row said off: on again */
		return -1;
	}
	e->fire.active = false;
	/* After the database: a crash between the two comes back on. */
	fire_latch_put(e, &req->in.fire);
	log_notice("fire mode reset by %s: egress lanes lock", req->in.fire.reset_by);
	for (int l = 0; l < e->site->nlanes; l++)
		if (e->site->lanes[l].egress)
			fire_send(e, l, TS_CMD_LOCK, 0, 1, "fire mode reset");
	alert_clear(e, FIRE_ALERT_SOURCE, FIRE_ALERT_KIND);
	return 0;
}
