/*
 * The pass rule: who may go through a lane, in which direction, and when.
 * The person comes first (terminated, suspended, watch-listed), then the
 * pass, then what limits it (lanes, a contractor's permit, a schedule), and
 * anti-passback last. Leaving the building is never refused for a schedule.
 */
#include "pass.h"

#include <stddef.h>

static const struct {
	const char *code;
	const char *text;
} reasons[PR_COUNT] = {
	[PR_GRANTED]		= { "granted",		"Access granted" },
	[PR_TERMINATED]		= { "person_terminated", "Person no longer authorised" },
	[PR_SUSPENDED]		= { "person_suspended",	"Person suspended" },
	[PR_NO_PASS]		= { "no_pass",		"No pass for this card" },
	[PR_PASS_PENDING]	= { "pass_pending",	"Pass waiting for the host's confirmation" },
	[PR_PASS_EXPIRED]	= { "pass_expired",	"Pass expired" },
	[PR_PASS_REVOKED]	= { "pass_revoked",	"Pass revoked" },
	[PR_PASS_RETURNED]	= { "pass_returned",	"Pass already returned" },
	[PR_NOT_YET_VALID]	= { "pass_not_yet_valid", "Pass not valid yet" },
	[PR_LANE_NOT_ALLOWED]	= { "lane_not_allowed",	"Pass not valid at this lane" },
	[PR_SINGLE_ENTRY_USED]	= { "single_entry_used", "Single-entry pass already used" },
	[PR_HOLIDAY]		= { "holiday",		"No access on this holiday" },
	[PR_OUTSIDE_SCHEDULE]	= { "outside_schedule",	"Outside permitted hours" },
	[PR_NO_PERMIT]		= { "no_permit",	"Contractor pass without a permit" },
	[PR_PERMIT_SUSPENDED]	= { "permit_suspended",	"Renovation permit suspended" },
	[PR_PERMIT_CLOSED]	= { "permit_closed",	"Renovation permit closed" },
	[PR_PERMIT_UNPAID]	= { "permit_unpaid",	"Renovation permit fees not paid" },
	[PR_PERMIT_DATES]	= { "permit_dates",	"Outside the permit's dates" },
	[PR_WORKING_HOURS]	= { "working_hours",	"Outside the permit's working hours" },
	[PR_NOT_CONTRACTOR_LANE] = { "not_contractor_lane", "Contractors use the service entrance" },
	[PR_ALREADY_INSIDE]	= { "already_inside",	"Already inside: badge out first" },
	[PR_NOT_INSIDE]		= { "not_inside",	"No entry recorded: see the guard" },
	[PR_SEE_FRONT_DESK]	= { "see_front_desk",	"Please see the front desk" },
};

static bool
is_holiday(const struct rule_schedule *s, int date)
{
	int lo = 0, hi = s->nholidays;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (s->holidays[mid] == date)
			return true;
		if (s->holidays[mid] < date)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* PR_GRANTED, PR_HOLIDAY or `outside` (which reason depends on the caller). */
static enum pass_reason
schedule_check(const struct rule_schedule *s, const struct rule_time *t,
    enum pass_reason outside)
{
	if (is_holiday(s, t->date))
		return PR_HOLIDAY;
	if (!(s->days & (1u << t->wday)))
		return outside;
	if (s->nperiods == 0)
		return PR_GRANTED;
	for (int i = 0; i < s->nperiods && i < RULE_MAX_PERIODS; i++)
		if (t->minute >= s->periods[i].from && t->minute < s->periods[i].until)
			return PR_GRANTED;
	return outside;
}

bool
rule_schedule_allows(const struct rule_schedule *s, const struct rule_time *t)
{
	return schedule_check(s, t, PR_OUTSIDE_SCHEDULE) == PR_GRANTED;
}

static enum pass_reason
pass_check(const struct rule_pass *p, const struct rule_time *t)
{
	if (p == NULL)
		return PR_NO_PASS;
	switch (p->state) {
	case PASS_PENDING:	return PR_PASS_PENDING;
	case PASS_EXPIRED:	return PR_PASS_EXPIRED;
	case PASS_REVOKED:	return PR_PASS_REVOKED;
	case PASS_RETURNED:	return PR_PASS_RETURNED;
	case PASS_ACTIVE:	break;
	}
	if (p->valid_from_ms != 0 && t->ms < p->valid_from_ms)
		return PR_NOT_YET_VALID;
	if (p->valid_until_ms != 0 && t->ms >= p->valid_until_ms)
		return PR_PASS_EXPIRED;
	return PR_GRANTED;
}

/* A contractor comes in only by a permitted lane, under a live, paid permit,
 * on its dates and within its working hours. */
static enum pass_reason
permit_check(const struct rule_permit *pm, const struct rule_point *pt,
    const struct rule_time *t)
{
	if (!pt->contractors)
		return PR_NOT_CONTRACTOR_LANE;
	if (pm == NULL)
		return PR_NO_PERMIT;
	if (pm->state == PERMIT_CLOSED)
		return PR_PERMIT_CLOSED;
	if (pm->state == PERMIT_SUSPENDED)
		return PR_PERMIT_SUSPENDED;
	if (!pm->fees_paid)
		return PR_PERMIT_UNPAID;
	if (t->date < pm->from_date || t->date > pm->until_date)
		return PR_PERMIT_DATES;
	return schedule_check(&pm->hours, t, PR_WORKING_HOURS);
}

struct pass_decision
rule_pass_decide(const struct rule_subject *who, const struct rule_point *pt,
    const struct rule_time *t, enum watch_policy watch)
{
	struct pass_decision d = { .grant = false, .where = who->where };
	/* Contractors always badge out before badging in again. */
	enum apb_mode apb = who->kind == PERSON_CONTRACTOR ? APB_HARD : pt->apb;
	enum pass_reason r = PR_GRANTED;
	bool out_of_order;

	d.silent_alert = who->watch_listed;
	if (who->status == PERSON_TERMINATED) {
		d.terminated_alert = true;
		d.reason = PR_TERMINATED;
		return d;
	}
	if (who->watch_listed && watch == WATCH_HOLD) {
		d.reason = PR_SEE_FRONT_DESK;
		return d;
	}
	if (who->status == PERSON_SUSPENDED)
		r = PR_SUSPENDED;
	else if (who->pass == NULL)
		r = PR_NO_PASS;
	else if (pt->entry) {
		r = pass_check(who->pass, t);
		if (r == PR_GRANTED && who->pass->single_entry && who->pass->used)
			r = PR_SINGLE_ENTRY_USED;
		if (r == PR_GRANTED && who->pass->lanes != 0 &&
		    (pt->lane < 0 || pt->lane >= 64 ||
		    !(who->pass->lanes & (UINT64_C(1) << pt->lane))))
			r = PR_LANE_NOT_ALLOWED;
		if (r == PR_GRANTED && who->kind == PERSON_CONTRACTOR)
			r = permit_check(who->permit, pt, t);
		else if (r == PR_GRANTED && who->schedule != NULL)
			r = schedule_check(who->schedule, t, PR_OUTSIDE_SCHEDULE);
	}
	/* Leaving: any pass the person holds lets them out, whatever its
	 * state, hours or lanes; only anti-passback below can refuse. */
	if (r != PR_GRANTED) {
		d.reason = r;
		return d;
	}

	out_of_order = pt->entry ? who->where == APB_INSIDE : who->where == APB_OUTSIDE;
	if (out_of_order && apb == APB_HARD) {
		d.reason = pt->entry ? PR_ALREADY_INSIDE : PR_NOT_INSIDE;
		return d;
	}
	d.apb_violation = out_of_order && apb == APB_SOFT;
	d.grant = true;
	d.reason = PR_GRANTED;
	d.where = pt->entry ? APB_INSIDE : APB_OUTSIDE;
	d.use_entry = pt->entry && who->pass->single_entry;
	d.collect_card = !pt->entry && pt->collects_cards && who->kind == PERSON_VISITOR;
	return d;
}

const char *
rule_pass_reason_code(enum pass_reason r)
{
	return (unsigned)r < PR_COUNT ? reasons[r].code : "invalid";
}

const char *
rule_pass_reason_text(enum pass_reason r)
{
	return (unsigned)r < PR_COUNT ? reasons[r].text : "Invalid reason";
}
