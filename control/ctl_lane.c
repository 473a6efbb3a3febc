/*
 * "lane.open": a guard opens a lane by hand. Refused where a card would be
 * (a manager may force a faulty turnstile); recorded, then opened once the
 * record is committed, the refusals recorded as well.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "control_int.h"
#include "../engine/engine.h"
#include "../common/util.h"

static void
lane_opened(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;

	struct engine *e = c->srv->e;
	const struct ev_rec *ev = &req->in.event;
	int l = config_lane_index(e->site, ev->lane);
	struct lane_state *ls = l >= 0 ? &e->lanes[l] : NULL;
	char err[160];

	if (ls == NULL) {
		/* A reload removed the lane meanwhile. */
		ctl_reply_err(c, "lane %s is no longer configured; not opened", ev->lane);
	} else if (req->status != 0) {
		ls->pending = false;
		ctl_reply_err(c, "lane %s not opened: it could not be recorded: %s",
		    ev->lane, req->error);
	} else if (engine_send_cmd(e, e->site->lanes[l].turnstile,
	    strcmp(ev->direction, "entry") == 0 ? TS_CMD_OPEN_ENTRY : TS_CMD_OPEN_EXIT,
	    0, err, sizeof(err)) < 0) {
		struct ev_rec failed = *ev;

		ls->pending = false;
		str_copy(failed.kind, "command_failed", sizeof(failed.kind));
		str_copy(failed.decision, "", sizeof(failed.decision));
		str_copy(failed.detail, err, sizeof(failed.detail));
		failed.ts_ms = real_ms();
		engine_event(e, &failed);
		ctl_reply_err(c, "lane %s recorded but not opened: %s", ev->lane, err);
	} else {
		json_object *o = json_object_new_object();

		ls->cmd_id = e->next_cmd_id;	/* the open just sent */
		log_notice("%s: opened for %s by %s: %s", ev->lane, ev->direction,
		    ev->actor, ev->detail);
		ctl_add_str(o, "lane", ev->lane);
		ctl_add_str(o, "direction", ev->direction);
		ctl_add_int(o, "event_id", req->id);
		ctl_add_bool(o, "forced", ls->forced);
		ctl_reply_ok(c, o);
	}
	ctl_req_finish(c, req);
}

static void
lane_refused(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct ev_rec *ev = &req->in.event;

	if (req->status != 0) {
		ctl_reply_err(c, "lane %s not opened: %s (and the refusal could "
		    "not be recorded: %s)", ev->lane, ev->detail, req->error);
	} else {
		log_notice("%s: open for %s by %s refused: %s", ev->lane,
		    ev->direction, ev->actor, ev->detail);
		ctl_reply_err(c, "lane %s not opened: %s", ev->lane, ev->detail);
	}
	ctl_req_finish(c, req);
}

/*
 * A manual open refused: recorded with who asked, for which lane and way,
 * and why not (invariant 7), then refused with the same words once the
 * record is committed.
 */
static void __attribute__((format(printf, 5, 6)))
lane_refuse(struct ctl_client *c, int l, const char *dir, enum reason why,
    const char *fmt, ...)
{
	struct engine *e = c->srv->e;
	const struct lane_conf *lc = &e->site->lanes[l];
	union store_in in = { 0 };
	struct ev_rec *ev = &in.event;
	va_list ap;

	engine_ev_init(ev, "manual_open_refused");
	str_copy(ev->lane, lc->name, sizeof(ev->lane));
	str_copy(ev->device, e->site->devices[lc->turnstile].name,
	    sizeof(ev->device));
	str_copy(ev->direction, dir, sizeof(ev->direction));
	str_copy(ev->decision, "denied", sizeof(ev->decision));
	str_copy(ev->reason, rule_reason_code(why), sizeof(ev->reason));
	str_copy(ev->actor, c->user, sizeof(ev->actor));
	va_start(ap, fmt);
	vsnprintf(ev->detail, sizeof(ev->detail), fmt, ap);
	va_end(ap);
	ctl_request(c, STORE_EVENT_SYNC, lane_refused, &in);
}

void
ctl_cmd_lane_open(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "lane", "direction", "reason",
	    "force", NULL };
	struct engine *e = c->srv->e;
	const struct lane_conf *lc;
	const struct device_conf *tc;
	const struct dev_state *ts;
	struct lane_state *ls;
	struct access_lane al;
	struct store_req *req;
	char lane[32], dir[8], reason[100], fault[32] = "";
	bool force = false;
	enum reason why;
	enum dir d;
	int l;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "lane", lane, sizeof(lane), true) < 0 ||
	    ctl_arg_str(c, args, "direction", dir, sizeof(dir), true) < 0 ||
	    ctl_arg_str(c, args, "reason", reason, sizeof(reason), true) < 0 ||
	    ctl_arg_bool(c, args, "force", &force) < 0)
		return;
	if ((l = config_lane_index(e->site, lane)) < 0) {
		ctl_reply_err(c, "no lane \"%s\"", lane);
		return;
	}
	if (strcmp(dir, "entry") == 0)
		d = DIR_ENTRY;
	else if (strcmp(dir, "exit") == 0)
		d = DIR_EXIT;
	else {
		ctl_reply_err(c, "direction \"%s\": entry or exit expected", dir);
		return;
	}
	if (reason[0] == '\0') {
		ctl_reply_err(c, "a reason is required to open a lane by hand");
		return;
	}
	lc = &e->site->lanes[l];
	ls = &e->lanes[l];
	tc = &e->site->devices[lc->turnstile];
	ts = &e->devs[lc->turnstile];
	if (fire_lane_held(e, l)) {
		lane_refuse(c, l, dir, R_FIRE_MODE, "fire mode holds it free "
		    "(see lobbyctl fire)");
		return;
	}
	/*
	 * Refused where a card is refused. A turnstile in fault, or in a state
	 * its profile does not name, may be jammed with someone in it: only a
	 * manager may send it an open anyway, and the open says it was forced.
	 * Nothing overrides an offline turnstile or a passage under way.
	 */
	lane_access_state(e, l, &al);
	why = rule_lane_check(&al);
	if (why == R_LANE_FAULT || why == R_LANE_STATE_UNKNOWN) {
		char state[80];

		if (why == R_LANE_STATE_UNKNOWN)
			snprintf(fault, sizeof(fault), "state unknown");
		else if (ts->fault_code != 0)
			snprintf(fault, sizeof(fault), "fault code %" PRIu32,
			    ts->fault_code);
		else
			snprintf(fault, sizeof(fault), "in fault");
		snprintf(state, sizeof(state), "turnstile %s %s", tc->name,
		    why == R_LANE_STATE_UNKNOWN ? "reports a state its profile "
		    "does not name" : "is in fault");
		if (why == R_LANE_FAULT && ts->fault_code != 0)
			snprintf(state + strlen(state), sizeof(state) - strlen(state),
			    " (code %" PRIu32 ")", ts->fault_code);
		if (!force) {
			lane_refuse(c, l, dir, why, "%s; a manager may open it "
			    "anyway with --force", state);
			return;
		}
		if (!ctl_has_role(c, ROLE_MANAGER)) {
			lane_refuse(c, l, dir, why, "%s; --force needs the role "
			    "manager, which %s does not hold", state, c->user);
			return;
		}
		al.fault = al.unknown = false;
		why = rule_lane_check(&al);
	}
	if (why == R_LANE_OFFLINE) {
		/* The worker would refuse it too: an offline device gets no command. */
		if (!ts->online)
			lane_refuse(c, l, dir, why, "turnstile %s is not "
			    "answering (%s)", tc->name, ts->reason);
		else
			lane_refuse(c, l, dir, why, "turnstile %s has not "
			    "reported its state yet", tc->name);
		return;
	}
	if (why == R_LANE_BUSY) {
		lane_refuse(c, l, dir, why, "a passage is under way (%s)",
		    ls->actor[0] ? "opened by hand" : "card granted");
		return;
	}
	if ((req = ctl_req_new(c, STORE_EVENT_SYNC, lane_opened)) == NULL)
		return;
	/*
	 * Recorded first, opened once the record is committed (invariant 7): the
	 * lane is held meanwhile, so no card grant slips in between.
	 */
	ls->pending = true;
	ls->grant.person = 0;	/* a manual open changes nobody's state */
	ls->dir = d;
	ls->deadline_ns = mono_ns() + (int64_t)lc->pass_timeout_ms * NS_PER_MS;
	ls->credential[0] = '\0';
	ls->cmd_id = 0;
	str_copy(ls->actor, c->user, sizeof(ls->actor));
	ls->forced = fault[0] != '\0';
	req->in.event.ts_ms = real_ms();
	str_copy(req->in.event.kind, "manual_open", sizeof(req->in.event.kind));
	str_copy(req->in.event.lane, lane, sizeof(req->in.event.lane));
	str_copy(req->in.event.device, e->site->devices[lc->turnstile].name,
	    sizeof(req->in.event.device));
	str_copy(req->in.event.direction, dir, sizeof(req->in.event.direction));
	str_copy(req->in.event.decision, "granted", sizeof(req->in.event.decision));
	str_copy(req->in.event.reason, rule_reason_code(R_MANUAL), sizeof(req->in.event.reason));
	str_copy(req->in.event.actor, c->user, sizeof(req->in.event.actor));
	if (fault[0] != '\0')
		snprintf(req->in.event.detail, sizeof(req->in.event.detail),
		    "forced (%s): %s", fault, reason);
	else
		str_copy(req->in.event.detail, reason, sizeof(req->in.event.detail));
	ctl_req_submit(c, req);
}
