/*
 * The front desk's timers, from the engine loop every couple of seconds:
 * passes past their end marked expired, contractors still inside after
 * their hours alerted, the daily anti-passback reset, and the daily purge
 * of visitors' personal data past the retention period.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desk_int.h"
#include "engine.h"
#include "../common/util.h"

#define DESK_TICK_MS		2000	/* expiry, overstay, resets */
#define MS_PER_DAY		86400000LL

static void
expire_passes(struct engine *e, int64_t now)
{
	struct desk *d = e->desk;

	for (size_t i = 0; i < d->npasses; i++) {
		struct pass_rec *p = &d->passes[i];
		struct ev_rec ev;

		if (!desk_pass_is_live(p) || p->valid_until_ms == 0 ||
		    now < p->valid_until_ms)
			continue;
		str_copy(p->state, "expired", sizeof(p->state));
		p->ended_ms = p->valid_until_ms;
		str_copy(p->ended_by, "lobbyd", sizeof(p->ended_by));
		str_copy(p->end_reason, "valid until passed", sizeof(p->end_reason));
		desk_bg_pass(e, p);
		engine_ev_init(&ev, "pass_expired");
		str_copy(ev.credential, p->credential, sizeof(ev.credential));
		ev.person = p->person;
		snprintf(ev.detail, sizeof(ev.detail), "pass %" PRId64, p->id);
		engine_event(e, &ev);
	}
}

bool
desk_person_inside(const struct engine *e, const struct desk_person *p)
{
	for (int z = 0; z <= e->site->nzones; z++)
		if (p->where[z].inside)
			return true;
	return false;
}

/* Contractors still inside outside their permit's hours (or with no live
 * permit) raise an overstay alert, cleared when they badge out. */
static void
overstays(struct engine *e, int64_t now)
{
	struct desk *d = e->desk;
	struct rule_time t;

	desk_rule_time(now, &t);
	for (size_t i = 0; i < d->npeople; i++) {
		struct desk_person *p = &d->people[i];
		const struct pass_rec *pass = NULL;
		const struct permit_rec *pm = NULL;
		struct rule_permit rp;
		bool over;
		char kind[24], msg[256], who[96];

		if (strcmp(p->r.kind, "contractor") != 0)
			continue;
		snprintf(kind, sizeof(kind), "site_overstay_%" PRId64, p->r.id);
		if (!desk_person_inside(e, p)) {
			if (p->overstay)
				alert_clear(e, "site", kind);
			p->overstay = false;
			continue;
		}
		for (size_t j = d->npasses; pass == NULL && j-- > 0;)
			if (d->passes[j].person == p->r.id)
				pass = &d->passes[j];
		if (pass != NULL && pass->permit != 0)
			pm = desk_permit(e, pass->permit);
		if (pm != NULL) {
			desk_permit_rule(e, pm, &rp);
			over = rp.state != PERMIT_ACTIVE || t.date > rp.until_date ||
			    !rule_schedule_allows(&rp.hours, &t);
		} else
			over = true;
		if (over && !p->overstay) {
			desk_person_label(p, who, sizeof(who));
			snprintf(msg, sizeof(msg), "Contractor still inside after "
			    "working hours: %s%s%s", who, pm != NULL ? ", unit " : "",
			    pm != NULL ? pm->unit : "");
			alert_raise(e, "site", kind, SEV_WARNING,
			    AUD_SECURITY | AUD_FRONTDESK, msg);
			p->overstay = true;
		} else if (!over && p->overstay) {
			alert_clear(e, "site", kind);
			p->overstay = false;
		}
	}
}

static void
apb_reset(struct engine *e, const struct rule_time *t)
{
	struct desk *d = e->desk;
	struct desk_in in = { .action = DESK_PRESENCE };
	struct ev_rec ev;

	for (size_t i = 0; i < d->npeople; i++)
		memset(d->people[i].where, 0, sizeof(d->people[i].where));
	desk_bg_submit(e, &in);	/* zone "": every row */
	d->apb_reset_date = t->date;
	engine_ev_init(&ev, "apb_reset");
	str_copy(ev.detail, "daily reset: everyone's in/out state forgotten",
	    sizeof(ev.detail));
	engine_event(e, &ev);
	log_info("anti-passback: daily reset");
}

static void
purge_done(struct store_req *req, void *arg)
{
	struct engine *e = arg;

	if (req->status != 0)
		log_err("visitor data purge: %s", req->error);
	else if (req->id > 0) {
		/* The people purged: their memory copies lose the same fields. */
		const int64_t *ids = req->rows;

		for (size_t i = 0; i < req->nrows; i++) {
			struct desk_person *p = desk_person(e, ids[i]);

			if (p == NULL)
				continue;
			p->r.name[0] = p->r.id_hash[0] = p->r.id_mask[0] = '\0';
			p->r.company[0] = p->r.phone[0] = '\0';
			p->r.purged_ms = req->in.desk.now_ms;
			p->watch = false;
		}
		log_notice("visitor data purge: %" PRId64 " visitors past %d days",
		    req->id, e->site->visitor_retention_days);
	}
	store_req_free(req);
	free(req);
}

static void
purge(struct engine *e, int64_t now, const struct rule_time *t)
{
	struct store_req *req = calloc(1, sizeof(*req));
	int days = e->site->visitor_retention_days > 0 ?
	    e->site->visitor_retention_days : 90;

	e->desk->purge_date = t->date;
	if (req == NULL) {
		log_err("visitor data purge: out of memory; tried again tomorrow");
		return;
	}
	req->op = STORE_DESK;
	req->in.desk.action = DESK_PURGE;
	req->in.desk.now_ms = now;
	req->in.desk.before_ms = now - (int64_t)days * MS_PER_DAY;
	req->done = purge_done;
	req->arg = e;
	store_submit(e->store, req);
}

void
desk_tick(struct engine *e, int64_t now_ns)
{
	struct desk *d = e->desk;
	struct rule_time t;
	int64_t now;

	if (d == NULL || now_ns < d->next_tick_ns)
		return;
	d->next_tick_ns = now_ns + DESK_TICK_MS * NS_PER_MS;
	now = real_ms();
	desk_rule_time(now, &t);
	expire_passes(e, now);
	overstays(e, now);
	desk_visit_tick(e, now);
	if (e->site->apb_reset_min >= 0 && t.minute >= e->site->apb_reset_min &&
	    d->apb_reset_date != t.date)
		apb_reset(e, &t);
	if (d->purge_date != t.date)
		purge(e, now, &t);
}

int64_t
desk_next_deadline(const struct engine *e)
{
	return e->desk != NULL ? e->desk->next_tick_ns : INT64_MAX;
}
