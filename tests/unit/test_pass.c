/*
 * rules/pass.c from tables: person, pass, permit, schedule, zone state, lane
 * and local time -> decision, reason and the actions that go with it.
 */
#include <string.h>

#include "../../rules/pass.h"
#include "harness.h"

/* Monday 2026-11-23, 00:00 UTC, taken as local time. */
#define MON	1795392000000LL
#define MIN	60000LL
#define HOUR	(60 * MIN)
#define DAY	(24 * HOUR)

/* A local time on a day: its wall clock, date, weekday and minute. */
#define AT(day_ms, date_, wday_, hh, mm) { .ms = (day_ms) + (hh) * HOUR + (mm) * MIN, \
	.date = (date_), .wday = (wday_), .minute = (hh) * 60 + (mm) }

#define MON_AT(h, m)	AT(MON, 20261123, 1, h, m)
#define TUE_AT(h, m)	AT(MON + DAY, 20261124, 2, h, m)
#define SAT_AT(h, m)	AT(MON + 5 * DAY, 20261128, 6, h, m)
#define XMAS_AT(h, m)	AT(MON + 32 * DAY, 20261225, 5, h, m)

static const int holidays[] = { 20261225, 20270101 };
#define WEEKDAYS	0x3e

/* Office hours for tenant staff: weekdays 07:00-20:00, holidays closed. */
static const struct rule_schedule office = {
	.days = WEEKDAYS, .nperiods = 1, .periods = { { 7 * 60, 20 * 60 } },
	.holidays = holidays, .nholidays = 2,
};
/* Property staff: every day, all day. */
static const struct rule_schedule always = { .days = 0x7f };
/* A renovation permit: weekdays 08:00-12:00 and 14:00-18:00. */
#define RENOVATION(state_, paid) { .state = (state_), .fees_paid = (paid),	\
	.from_date = 20261120, .until_date = 20261204,				\
	.hours = { .days = WEEKDAYS, .nperiods = 2,				\
		.periods = { { 8 * 60, 12 * 60 }, { 14 * 60, 18 * 60 } },	\
		.holidays = holidays, .nholidays = 2 } }
static const struct rule_permit permit = RENOVATION(PERMIT_ACTIVE, true);
static const struct rule_permit permit_susp = RENOVATION(PERMIT_SUSPENDED, true);
static const struct rule_permit permit_closed = RENOVATION(PERMIT_CLOSED, true);
static const struct rule_permit permit_unpaid = RENOVATION(PERMIT_ACTIVE, false);

static const struct rule_pass staff_pass = { .state = PASS_ACTIVE };
/* A visitor pass: today 09:00 until 18:00, lanes 0 and 1; single entry or
 * not, that entry made or not. */
#define VISITOR(state_, single_, used_) { .state = (state_),			\
	.valid_from_ms = MON + 9 * HOUR, .valid_until_ms = MON + 18 * HOUR,	\
	.lanes = 0x3, .single_entry = (single_), .used = (used_) }
static const struct rule_pass visitor_pass = VISITOR(PASS_ACTIVE, false, false);
static const struct rule_pass pending = VISITOR(PASS_PENDING, false, false);
static const struct rule_pass revoked = VISITOR(PASS_REVOKED, false, false);
static const struct rule_pass returned = VISITOR(PASS_RETURNED, false, false);
static const struct rule_pass expired = VISITOR(PASS_EXPIRED, false, false);
static const struct rule_pass single = VISITOR(PASS_ACTIVE, true, false);
static const struct rule_pass single_used = VISITOR(PASS_ACTIVE, true, true);

static const struct rule_point in0 = { .lane = 0, .entry = true };
static const struct rule_point out0 = { .lane = 0, .entry = false };
static const struct rule_point in2 = { .lane = 2, .entry = true };
static const struct rule_point svc_in = { .lane = 3, .entry = true, .contractors = true };
static const struct rule_point svc_out = { .lane = 3, .entry = false, .contractors = true };
static const struct rule_point collect_out = { .lane = 1, .entry = false,
	.collects_cards = true };
static const struct rule_point hard_in = { .lane = 0, .entry = true, .apb = APB_HARD };
static const struct rule_point hard_out = { .lane = 0, .entry = false, .apb = APB_HARD };
static const struct rule_point soft_in = { .lane = 0, .entry = true, .apb = APB_SOFT };
static const struct rule_point soft_out = { .lane = 0, .entry = false, .apb = APB_SOFT };

/* Tenant staff keep office hours; property staff come and go at any time. */
static const struct rule_subject tenant = { .kind = PERSON_TENANT_STAFF,
	.pass = &staff_pass, .schedule = &office };
static const struct rule_subject prop = { .kind = PERSON_PROPERTY_STAFF,
	.pass = &staff_pass, .schedule = &always };
static const struct rule_subject visitor = { .kind = PERSON_VISITOR,
	.pass = &visitor_pass };
static const struct rule_subject contractor = { .kind = PERSON_CONTRACTOR,
	.pass = &staff_pass, .permit = &permit };

/* In a row, the subject's pass or permit taken away. */
#define NO_PASS		((const struct rule_pass *)-1)
#define NO_PERMIT	((const struct rule_permit *)-1)

enum { F_SILENT = 1, F_TERM = 2, F_SOFT = 4, F_COLLECT = 8, F_USE = 16 };

struct pcase {
	const char		*what;
	const struct rule_subject *who;
	/* overrides of the subject's fields; 0 / NULL keeps the subject's */
	const struct rule_pass	*pass;
	const struct rule_permit *permit;
	int			status;		/* 1 + enum person_status */
	int			where;		/* 1 + enum apb_where */
	bool			watch;
	const struct rule_point	*pt;
	struct rule_time	t;
	enum watch_policy	policy;
	bool			grant;
	enum pass_reason	reason;
	unsigned		flags;
};

#define ACT(s)	(1 + (s))

static const struct pcase cases[] = {
	/* Tenant staff and their office hours. */
	{ "tenant, weekday 09:00", &tenant, .pt = &in0, .t = MON_AT(9, 0), .grant = true },
	{ "tenant, 06:59", &tenant, .pt = &in0, .t = MON_AT(6, 59), .reason = PR_OUTSIDE_SCHEDULE },
	{ "tenant, 07:00", &tenant, .pt = &in0, .t = MON_AT(7, 0), .grant = true },
	{ "tenant, 19:59", &tenant, .pt = &in0, .t = MON_AT(19, 59), .grant = true },
	{ "tenant, 20:00", &tenant, .pt = &in0, .t = MON_AT(20, 0), .reason = PR_OUTSIDE_SCHEDULE },
	{ "tenant, Saturday", &tenant, .pt = &in0, .t = SAT_AT(10, 0), .reason = PR_OUTSIDE_SCHEDULE },
	{ "tenant, Christmas (a Friday)", &tenant, .pt = &in0, .t = XMAS_AT(10, 0), .reason = PR_HOLIDAY },
	{ "tenant leaves at 23:00", &tenant, .pt = &out0, .t = MON_AT(23, 0), .grant = true },
	{ "tenant leaves on a Saturday", &tenant, .pt = &out0, .t = SAT_AT(10, 0), .grant = true },
	{ "tenant leaves on Christmas", &tenant, .pt = &out0, .t = XMAS_AT(3, 0), .grant = true },
	{ "tenant, no pass", &tenant, .pass = NO_PASS, .pt = &in0, .t = MON_AT(9, 0), .reason = PR_NO_PASS },
	{ "tenant, no pass, leaving", &tenant, .pass = NO_PASS, .pt = &out0, .t = MON_AT(9, 0), .reason = PR_NO_PASS },
	{ "property staff, Saturday 03:00", &prop, .pt = &in0, .t = SAT_AT(3, 0), .grant = true },
	{ "property staff, Christmas", &prop, .pt = &in0, .t = XMAS_AT(12, 0), .grant = true },
	{ "property staff, midnight", &prop, .pt = &in0, .t = MON_AT(0, 0), .grant = true },
	{ "property staff, 23:59", &prop, .pt = &in0, .t = MON_AT(23, 59), .grant = true },

	/* The person comes first. */
	{ "terminated tenant", &tenant, .status = ACT(PERSON_TERMINATED), .pt = &in0, .t = MON_AT(9, 0), .reason = PR_TERMINATED, .flags = F_TERM },
	{ "terminated, outside hours too", &tenant, .status = ACT(PERSON_TERMINATED), .pt = &in0, .t = SAT_AT(9, 0), .reason = PR_TERMINATED, .flags = F_TERM },
	{ "terminated, leaving", &tenant, .status = ACT(PERSON_TERMINATED), .pt = &out0, .t = MON_AT(9, 0), .reason = PR_TERMINATED, .flags = F_TERM },
	{ "terminated property staff", &prop, .status = ACT(PERSON_TERMINATED), .pt = &in0, .t = MON_AT(9, 0), .reason = PR_TERMINATED, .flags = F_TERM },
	{ "suspended tenant", &tenant, .status = ACT(PERSON_SUSPENDED), .pt = &in0, .t = MON_AT(9, 0), .reason = PR_SUSPENDED },
	{ "suspended, leaving", &tenant, .status = ACT(PERSON_SUSPENDED), .pt = &out0, .t = MON_AT(9, 0), .reason = PR_SUSPENDED },
	{ "suspended contractor", &contractor, .status = ACT(PERSON_SUSPENDED), .pt = &svc_in, .t = MON_AT(9, 0), .reason = PR_SUSPENDED },
	{ "suspended beats expired pass", &visitor, .status = ACT(PERSON_SUSPENDED), .pass = &expired, .pt = &in0, .t = MON_AT(10, 0), .reason = PR_SUSPENDED },

	/* Watch list: always a silent alert; the lane depends on the policy. */
	{ "watch-listed visitor, let through", &visitor, .watch = true, .pt = &in0, .t = MON_AT(10, 0), .grant = true, .flags = F_SILENT },
	{ "watch-listed visitor, hold", &visitor, .watch = true, .pt = &in0, .t = MON_AT(10, 0), .policy = WATCH_HOLD, .reason = PR_SEE_FRONT_DESK, .flags = F_SILENT },
	{ "watch-listed, hold, leaving", &visitor, .watch = true, .pt = &out0, .t = MON_AT(10, 0), .policy = WATCH_HOLD, .reason = PR_SEE_FRONT_DESK, .flags = F_SILENT },
	{ "watch-listed, let through, expired pass", &visitor, .watch = true, .pass = &expired, .pt = &in0, .t = MON_AT(10, 0), .reason = PR_PASS_EXPIRED, .flags = F_SILENT },
	{ "watch-listed, hold beats pending pass", &visitor, .watch = true, .pass = &pending, .pt = &in0, .t = MON_AT(10, 0), .policy = WATCH_HOLD, .reason = PR_SEE_FRONT_DESK, .flags = F_SILENT },
	{ "watch-listed and terminated", &tenant, .watch = true, .status = ACT(PERSON_TERMINATED), .pt = &in0, .t = MON_AT(9, 0), .reason = PR_TERMINATED, .flags = F_SILENT | F_TERM },
	{ "watch-listed tenant, let through", &tenant, .watch = true, .pt = &in0, .t = MON_AT(9, 0), .grant = true, .flags = F_SILENT },
	{ "watch-listed tenant, hold", &tenant, .watch = true, .pt = &in0, .t = MON_AT(9, 0), .policy = WATCH_HOLD, .reason = PR_SEE_FRONT_DESK, .flags = F_SILENT },
	{ "watch-listed contractor, let through", &contractor, .watch = true, .pt = &svc_in, .t = MON_AT(9, 0), .grant = true, .flags = F_SILENT },
	{ "watch-listed, suspended, let through", &tenant, .watch = true, .status = ACT(PERSON_SUSPENDED), .pt = &in0, .t = MON_AT(9, 0), .reason = PR_SUSPENDED, .flags = F_SILENT },
	{ "not listed, hold policy, granted", &visitor, .pt = &in0, .t = MON_AT(10, 0), .policy = WATCH_HOLD, .grant = true },

	/* Visitor passes. */
	{ "visitor at 10:00", &visitor, .pt = &in0, .t = MON_AT(10, 0), .grant = true },
	{ "visitor at 08:59", &visitor, .pt = &in0, .t = MON_AT(8, 59), .reason = PR_NOT_YET_VALID },
	{ "visitor at 09:00", &visitor, .pt = &in0, .t = MON_AT(9, 0), .grant = true },
	{ "visitor at 17:59", &visitor, .pt = &in0, .t = MON_AT(17, 59), .grant = true },
	{ "visitor at 18:00", &visitor, .pt = &in0, .t = MON_AT(18, 0), .reason = PR_PASS_EXPIRED },
	{ "visitor next day", &visitor, .pt = &in0, .t = TUE_AT(10, 0), .reason = PR_PASS_EXPIRED },
	{ "visitor on Saturday (no schedule)", &visitor, .pass = &staff_pass, .pt = &in0, .t = SAT_AT(10, 0), .grant = true },
	{ "visitor leaving after 18:00", &visitor, .pt = &out0, .t = MON_AT(19, 0), .grant = true },
	{ "visitor leaving before 09:00", &visitor, .pt = &out0, .t = MON_AT(8, 0), .grant = true },
	{ "pending pass", &visitor, .pass = &pending, .pt = &in0, .t = MON_AT(10, 0), .reason = PR_PASS_PENDING },
	{ "revoked pass", &visitor, .pass = &revoked, .pt = &in0, .t = MON_AT(10, 0), .reason = PR_PASS_REVOKED },
	{ "returned pass", &visitor, .pass = &returned, .pt = &in0, .t = MON_AT(10, 0), .reason = PR_PASS_RETURNED },
	{ "expired-state pass", &visitor, .pass = &expired, .pt = &in0, .t = MON_AT(10, 0), .reason = PR_PASS_EXPIRED },
	{ "revoked pass, leaving", &visitor, .pass = &revoked, .pt = &out0, .t = MON_AT(10, 0), .grant = true },
	{ "pending pass, leaving", &visitor, .pass = &pending, .pt = &out0, .t = MON_AT(10, 0), .grant = true },
	{ "pending beats not yet valid", &visitor, .pass = &pending, .pt = &in0, .t = MON_AT(8, 0), .reason = PR_PASS_PENDING },
	{ "revoked beats lane", &visitor, .pass = &revoked, .pt = &in2, .t = MON_AT(10, 0), .reason = PR_PASS_REVOKED },
	{ "visitor at lane 2 (not on pass)", &visitor, .pt = &in2, .t = MON_AT(10, 0), .reason = PR_LANE_NOT_ALLOWED },
	{ "visitor at lane 1", &visitor, .pt = &(struct rule_point){ .lane = 1, .entry = true }, .t = MON_AT(10, 0), .grant = true },
	{ "visitor at lane 63", &visitor, .pt = &(struct rule_point){ .lane = 63, .entry = true }, .t = MON_AT(10, 0), .reason = PR_LANE_NOT_ALLOWED },
	{ "visitor at lane -1", &visitor, .pt = &(struct rule_point){ .lane = -1, .entry = true }, .t = MON_AT(10, 0), .reason = PR_LANE_NOT_ALLOWED },
	{ "visitor at lane 64", &visitor, .pt = &(struct rule_point){ .lane = 64, .entry = true }, .t = MON_AT(10, 0), .reason = PR_LANE_NOT_ALLOWED },
	{ "expired beats lane", &visitor, .pt = &in2, .t = MON_AT(19, 0), .reason = PR_PASS_EXPIRED },
	{ "leaving by lane 2 (not on pass)", &visitor, .pt = &(struct rule_point){ .lane = 2, .entry = false }, .t = MON_AT(10, 0), .grant = true },
	{ "visitor without a pass", &visitor, .pass = NO_PASS, .pt = &in0, .t = MON_AT(10, 0), .reason = PR_NO_PASS },
	{ "single entry, first", &visitor, .pass = &single, .pt = &in0, .t = MON_AT(10, 0), .grant = true, .flags = F_USE },
	{ "single entry, used", &visitor, .pass = &single_used, .pt = &in0, .t = MON_AT(10, 0), .reason = PR_SINGLE_ENTRY_USED },
	{ "single entry, used, leaving", &visitor, .pass = &single_used, .pt = &out0, .t = MON_AT(10, 0), .grant = true },
	{ "single entry, used and expired", &visitor, .pass = &single_used, .pt = &in0, .t = MON_AT(19, 0), .reason = PR_PASS_EXPIRED },

	/* Cards collected at the exit. */
	{ "visitor leaves by the collecting reader", &visitor, .pt = &collect_out, .t = MON_AT(16, 0), .grant = true, .flags = F_COLLECT },
	{ "tenant at the collecting reader keeps the card", &tenant, .pt = &collect_out, .t = MON_AT(16, 0), .grant = true },
	{ "contractor at the collecting reader keeps the card", &contractor, .where = ACT(APB_INSIDE), .pt = &collect_out, .t = MON_AT(16, 0), .grant = true },
	{ "visitor, collecting reader, after expiry", &visitor, .pt = &collect_out, .t = MON_AT(20, 0), .grant = true, .flags = F_COLLECT },
	{ "visitor, collecting reader, held", &visitor, .watch = true, .pt = &collect_out, .t = MON_AT(16, 0), .policy = WATCH_HOLD, .reason = PR_SEE_FRONT_DESK, .flags = F_SILENT },

	/* Contractors: permit, lanes, dates, working hours. */
	{ "contractor 07:59", &contractor, .pt = &svc_in, .t = MON_AT(7, 59), .reason = PR_WORKING_HOURS },
	{ "contractor 08:00", &contractor, .pt = &svc_in, .t = MON_AT(8, 0), .grant = true },
	{ "contractor 11:59", &contractor, .pt = &svc_in, .t = MON_AT(11, 59), .grant = true },
	{ "contractor 12:00 (lunch)", &contractor, .pt = &svc_in, .t = MON_AT(12, 0), .reason = PR_WORKING_HOURS },
	{ "contractor 13:59", &contractor, .pt = &svc_in, .t = MON_AT(13, 59), .reason = PR_WORKING_HOURS },
	{ "contractor 14:00", &contractor, .pt = &svc_in, .t = MON_AT(14, 0), .grant = true },
	{ "contractor 17:59", &contractor, .pt = &svc_in, .t = MON_AT(17, 59), .grant = true },
	{ "contractor 18:00", &contractor, .pt = &svc_in, .t = MON_AT(18, 0), .reason = PR_WORKING_HOURS },
	{ "contractor Saturday", &contractor, .pt = &svc_in, .t = SAT_AT(9, 0), .reason = PR_WORKING_HOURS },
	{ "contractor on Christmas", &contractor, .pt = &svc_in, .t = XMAS_AT(9, 0), .reason = PR_PERMIT_DATES },
	{ "contractor at the main lane", &contractor, .pt = &in0, .t = MON_AT(9, 0), .reason = PR_NOT_CONTRACTOR_LANE },
	{ "contractor at the main lane, out of hours", &contractor, .pt = &in0, .t = MON_AT(7, 0), .reason = PR_NOT_CONTRACTOR_LANE },
	{ "contractor without a permit", &contractor, .permit = NO_PERMIT, .pt = &svc_in, .t = MON_AT(9, 0), .reason = PR_NO_PERMIT },
	{ "permit suspended", &contractor, .permit = &permit_susp, .pt = &svc_in, .t = MON_AT(9, 0), .reason = PR_PERMIT_SUSPENDED },
	{ "permit closed", &contractor, .permit = &permit_closed, .pt = &svc_in, .t = MON_AT(9, 0), .reason = PR_PERMIT_CLOSED },
	{ "permit unpaid", &contractor, .permit = &permit_unpaid, .pt = &svc_in, .t = MON_AT(9, 0), .reason = PR_PERMIT_UNPAID },
	{ "permit suspended, leaving", &contractor, .permit = &permit_susp, .where = ACT(APB_INSIDE), .pt = &svc_out, .t = MON_AT(9, 0), .grant = true },
	{ "permit closed, leaving after hours", &contractor, .permit = &permit_closed, .where = ACT(APB_INSIDE), .pt = &svc_out, .t = MON_AT(21, 0), .grant = true },
	{ "permit: day before it starts", &contractor, .pt = &svc_in, .t = AT(MON - 4 * DAY, 20261119, 4, 9, 0), .reason = PR_PERMIT_DATES },
	{ "permit: its first day", &contractor, .pt = &svc_in, .t = AT(MON - 3 * DAY, 20261120, 5, 9, 0), .grant = true },
	{ "permit: its last day", &contractor, .pt = &svc_in, .t = AT(MON + 11 * DAY, 20261204, 5, 9, 0), .grant = true },
	{ "permit: the day after", &contractor, .pt = &svc_in, .t = AT(MON + 14 * DAY, 20261207, 1, 9, 0), .reason = PR_PERMIT_DATES },
	{ "contractor, pending pass", &contractor, .pass = &pending, .pt = &svc_in, .t = MON_AT(10, 0), .reason = PR_PASS_PENDING },
	{ "contractor, revoked pass", &contractor, .pass = &revoked, .pt = &svc_in, .t = MON_AT(10, 0), .reason = PR_PASS_REVOKED },
	{ "contractor pass limited to lane 0/1 at lane 3", &contractor, .pass = &visitor_pass, .pt = &svc_in, .t = MON_AT(10, 0), .reason = PR_LANE_NOT_ALLOWED },
	{ "terminated contractor", &contractor, .status = ACT(PERSON_TERMINATED), .pt = &svc_in, .t = MON_AT(9, 0), .reason = PR_TERMINATED, .flags = F_TERM },

	/* Contractors badge out before badging in again, whatever the zone. */
	{ "contractor in twice", &contractor, .where = ACT(APB_INSIDE), .pt = &svc_in, .t = MON_AT(9, 0), .reason = PR_ALREADY_INSIDE },
	{ "contractor out without in", &contractor, .where = ACT(APB_OUTSIDE), .pt = &svc_out, .t = MON_AT(9, 0), .reason = PR_NOT_INSIDE },
	{ "contractor out after in", &contractor, .where = ACT(APB_INSIDE), .pt = &svc_out, .t = MON_AT(9, 0), .grant = true },
	{ "contractor in after out", &contractor, .where = ACT(APB_OUTSIDE), .pt = &svc_in, .t = MON_AT(9, 0), .grant = true },
	{ "contractor, state unknown after reset", &contractor, .where = ACT(APB_UNKNOWN), .pt = &svc_out, .t = MON_AT(9, 0), .grant = true },
	{ "contractor out after hours", &contractor, .where = ACT(APB_INSIDE), .pt = &svc_out, .t = MON_AT(22, 0), .grant = true },

	/* Anti-passback by zone mode. */
	{ "hard: in twice", &tenant, .where = ACT(APB_INSIDE), .pt = &hard_in, .t = MON_AT(9, 0), .reason = PR_ALREADY_INSIDE },
	{ "hard: out twice", &tenant, .where = ACT(APB_OUTSIDE), .pt = &hard_out, .t = MON_AT(9, 0), .reason = PR_NOT_INSIDE },
	{ "hard: in from outside", &tenant, .where = ACT(APB_OUTSIDE), .pt = &hard_in, .t = MON_AT(9, 0), .grant = true },
	{ "hard: out from inside", &tenant, .where = ACT(APB_INSIDE), .pt = &hard_out, .t = MON_AT(9, 0), .grant = true },
	{ "hard: unknown state, in", &tenant, .where = ACT(APB_UNKNOWN), .pt = &hard_in, .t = MON_AT(9, 0), .grant = true },
	{ "hard: unknown state, out", &tenant, .where = ACT(APB_UNKNOWN), .pt = &hard_out, .t = MON_AT(9, 0), .grant = true },
	{ "hard: schedule first", &tenant, .where = ACT(APB_INSIDE), .pt = &hard_in, .t = SAT_AT(9, 0), .reason = PR_OUTSIDE_SCHEDULE },
	{ "hard: visitor in twice", &visitor, .where = ACT(APB_INSIDE), .pt = &hard_in, .t = MON_AT(10, 0), .reason = PR_ALREADY_INSIDE },
	{ "soft: in twice, logged", &tenant, .where = ACT(APB_INSIDE), .pt = &soft_in, .t = MON_AT(9, 0), .grant = true, .flags = F_SOFT },
	{ "soft: out twice, logged", &tenant, .where = ACT(APB_OUTSIDE), .pt = &soft_out, .t = MON_AT(9, 0), .grant = true, .flags = F_SOFT },
	{ "soft: in from outside", &tenant, .where = ACT(APB_OUTSIDE), .pt = &soft_in, .t = MON_AT(9, 0), .grant = true },
	{ "soft: unknown state", &tenant, .where = ACT(APB_UNKNOWN), .pt = &soft_in, .t = MON_AT(9, 0), .grant = true },
	{ "off: in twice", &tenant, .where = ACT(APB_INSIDE), .pt = &in0, .t = MON_AT(9, 0), .grant = true },
	{ "off: out twice", &tenant, .where = ACT(APB_OUTSIDE), .pt = &out0, .t = MON_AT(9, 0), .grant = true },
	{ "soft: visitor collected at exit twice", &visitor, .where = ACT(APB_OUTSIDE), .pt = &(struct rule_point){ .lane = 1, .entry = false, .collects_cards = true, .apb = APB_SOFT }, .t = MON_AT(16, 0), .grant = true, .flags = F_SOFT | F_COLLECT },
	{ "hard: held watch beats apb", &tenant, .watch = true, .where = ACT(APB_INSIDE), .pt = &hard_in, .t = MON_AT(9, 0), .policy = WATCH_HOLD, .reason = PR_SEE_FRONT_DESK, .flags = F_SILENT },
	{ "hard: watch let through, apb denies", &tenant, .watch = true, .where = ACT(APB_INSIDE), .pt = &hard_in, .t = MON_AT(9, 0), .reason = PR_ALREADY_INSIDE, .flags = F_SILENT },
	{ "hard: single entry used beats apb", &visitor, .pass = &single_used, .where = ACT(APB_INSIDE), .pt = &hard_in, .t = MON_AT(10, 0), .reason = PR_SINGLE_ENTRY_USED },
};

static void
check_case(const struct pcase *c)
{
	struct rule_subject who = *c->who;
	struct pass_decision d;
	enum apb_where before;

	if (c->pass == NO_PASS)
		who.pass = NULL;
	else if (c->pass != NULL)
		who.pass = c->pass;
	if (c->permit == NO_PERMIT)
		who.permit = NULL;
	else if (c->permit != NULL)
		who.permit = c->permit;
	if (c->status != 0)
		who.status = (enum person_status)(c->status - 1);
	if (c->where != 0)
		who.where = (enum apb_where)(c->where - 1);
	who.watch_listed = c->watch;
	before = who.where;

	d = rule_pass_decide(&who, c->pt, &c->t, c->policy);
	CHECK_ROW(d.grant == c->grant && d.reason == c->reason,
	    "%s: expected %s %s, got %s %s", c->what,
	    c->grant ? "grant" : "deny", rule_pass_reason_code(c->reason),
	    d.grant ? "grant" : "deny", rule_pass_reason_code(d.reason));
	CHECK_ROW(d.silent_alert == !!(c->flags & F_SILENT), "%s: silent alert", c->what);
	CHECK_ROW(d.terminated_alert == !!(c->flags & F_TERM), "%s: terminated alert", c->what);
	CHECK_ROW(d.apb_violation == !!(c->flags & F_SOFT), "%s: soft violation", c->what);
	CHECK_ROW(d.collect_card == !!(c->flags & F_COLLECT), "%s: collect card", c->what);
	CHECK_ROW(d.use_entry == !!(c->flags & F_USE), "%s: use entry", c->what);
	if (d.grant)
		CHECK_ROW(d.where == (c->pt->entry ? APB_INSIDE : APB_OUTSIDE),
		    "%s: zone state after a grant", c->what);
	else
		CHECK_ROW(d.where == before, "%s: a denial keeps the zone state", c->what);
}

static void
check_schedules(void)
{
	struct rule_schedule night = { .days = 0x7f, .nperiods = 2,
		.periods = { { 22 * 60, 1440 }, { 0, 6 * 60 } } };
	struct rule_schedule none = { .days = 0 };
	const struct rule_time t_2330 = MON_AT(23, 30), t_0000 = MON_AT(0, 0),
	    t_0559 = MON_AT(5, 59), t_0600 = MON_AT(6, 0), t_2159 = MON_AT(21, 59),
	    t_noon = MON_AT(12, 0), t_newyear = AT(MON + 39 * DAY, 20270101, 5, 9, 0),
	    t_eve = AT(MON + 38 * DAY, 20261231, 4, 9, 0);
	const struct rule_time *t;

	t = &t_2330;
	CHECK(rule_schedule_allows(&night, t));
	CHECK(rule_schedule_allows(&night, &t_0000));
	CHECK(rule_schedule_allows(&night, &t_0559));
	CHECK(!rule_schedule_allows(&night, &t_0600));
	CHECK(!rule_schedule_allows(&night, &t_2159));
	CHECK(!rule_schedule_allows(&none, &t_noon));
	CHECK(!rule_schedule_allows(&office, &t_newyear));	/* the second holiday */
	CHECK(rule_schedule_allows(&office, &t_eve));
}

int
main(void)
{
	size_t n = sizeof(cases) / sizeof(cases[0]);

	for (size_t i = 0; i < n; i++)
		check_case(&cases[i]);
	check_schedules();
	/* Every reason has its own code and words for the guard. */
	for (int r = 0; r < PR_COUNT; r++) {
		CHECK(strcmp(rule_pass_reason_code((enum pass_reason)r), "invalid") != 0);
		CHECK(rule_pass_reason_text((enum pass_reason)r)[0] != '\0');
		for (int q = 0; q < r; q++)
			CHECK(strcmp(rule_pass_reason_code((enum pass_reason)r),
			    rule_pass_reason_code((enum pass_reason)q)) != 0);
	}
	CHECK_STR(rule_pass_reason_code(PR_COUNT), "invalid");
	printf("test_pass: %zu table cases\n", n);
	return harness_done("test_pass");
}
