/*
 * Pass decisions for people: staff, visitors and contractors presenting a
 * card or a visitor code at a lane. Pure: the person, the pass, the permit,
 * the schedule, the anti-passback state and the local time are parameters.
 */
#ifndef LOBBYD_PASS_H
#define LOBBYD_PASS_H

#include <stdbool.h>
#include <stdint.h>

/* The moment of a decision, in the site's local civil time. */
struct rule_time {
	int64_t	ms;		/* wall clock, ms since the epoch */
	int	date;		/* local date as YYYYMMDD */
	int	wday;		/* 0 Sunday .. 6 Saturday */
	int	minute;		/* minute of the local day, 0..1439 */
};

#define RULE_MAX_PERIODS	4

/* [from, until) in minutes of the local day; until may be 1440. */
struct rule_period {
	int16_t	from, until;
};

/* When a group of people, or a permit's workers, may come in. */
struct rule_schedule {
	uint8_t			days;		/* bit (1 << wday) */
	int			nperiods;	/* 0: all day on its days */
	struct rule_period	periods[RULE_MAX_PERIODS];
	const int		*holidays;	/* YYYYMMDD, ascending; closed */
	int			nholidays;
};

enum person_kind { PERSON_TENANT_STAFF, PERSON_PROPERTY_STAFF, PERSON_VISITOR,
		   PERSON_CONTRACTOR };
enum person_status { PERSON_ACTIVE, PERSON_SUSPENDED, PERSON_TERMINATED };
enum pass_state { PASS_PENDING, PASS_ACTIVE, PASS_EXPIRED, PASS_REVOKED, PASS_RETURNED };
enum permit_state { PERMIT_ACTIVE, PERMIT_SUSPENDED, PERMIT_CLOSED };
enum apb_mode { APB_OFF, APB_SOFT, APB_HARD };
enum apb_where { APB_UNKNOWN, APB_OUTSIDE, APB_INSIDE };
/* What a watch-listed person meets at the lane: the alert is silent either way. */
enum watch_policy { WATCH_LET_THROUGH, WATCH_HOLD };

struct rule_pass {
	enum pass_state	state;
	int64_t		valid_from_ms;	/* 0: no start */
	int64_t		valid_until_ms;	/* 0: no end; valid while now < until */
	uint64_t	lanes;		/* bit per lane index; 0: every lane */
	bool		single_entry;
	bool		used;		/* single entry already made */
};

/* A renovation permit, for contractors' passes. */
struct rule_permit {
	enum permit_state	state;
	bool			fees_paid;
	int			from_date, until_date;	/* YYYYMMDD, both included */
	struct rule_schedule	hours;			/* working days and hours */
};

/* Who is at the lane, with everything the decision needs about them. */
struct rule_subject {
	enum person_kind	kind;
	enum person_status	status;
	bool			watch_listed;
	const struct rule_pass	*pass;		/* NULL: no pass */
	const struct rule_permit *permit;	/* contractors: NULL means none */
	const struct rule_schedule *schedule;	/* staff group's; NULL: any time */
	enum apb_where		where;		/* in the lane's zone, as last seen */
};

/* The lane and direction. */
struct rule_point {
	int	lane;			/* index, for rule_pass.lanes */
	bool	entry;			/* into the zone; false: out of it */
	bool	contractors;		/* contractors may use this lane */
	bool	collects_cards;		/* exit reader that swallows visitor cards */
	enum apb_mode apb;		/* the zone's anti-passback mode */
};

enum pass_reason {
	PR_GRANTED,
	PR_TERMINATED,		/* alert: a dismissed person is back */
	PR_SUSPENDED,
	PR_NO_PASS,
	PR_PASS_PENDING,	/* host has not confirmed yet */
	PR_PASS_EXPIRED,
	PR_PASS_REVOKED,
	PR_PASS_RETURNED,
	PR_NOT_YET_VALID,
	PR_LANE_NOT_ALLOWED,
	PR_SINGLE_ENTRY_USED,
	PR_HOLIDAY,
	PR_OUTSIDE_SCHEDULE,
	PR_NO_PERMIT,
	PR_PERMIT_SUSPENDED,
	PR_PERMIT_CLOSED,
	PR_PERMIT_UNPAID,
	PR_PERMIT_DATES,	/* today is outside the permit's dates */
	PR_WORKING_HOURS,	/* outside the permit's working days or hours */
	PR_NOT_CONTRACTOR_LANE,
	PR_ALREADY_INSIDE,	/* anti-passback: entry without an exit */
	PR_NOT_INSIDE,		/* anti-passback: exit without an entry */
	PR_SEE_FRONT_DESK,	/* watch list, hold policy: neutral words only */
	PR_COUNT
};

struct pass_decision {
	bool		grant;
	enum pass_reason reason;
	bool		silent_alert;	/* watch-listed: security only, nothing shown */
	bool		terminated_alert; /* a terminated person presented a card */
	bool		apb_violation;	/* soft mode: granted, but logged */
	bool		collect_card;	/* exit at a collecting reader: pass returned */
	bool		use_entry;	/* single-entry pass: mark it used */
	enum apb_where	where;		/* the person's zone state after a passage */
};

struct pass_decision rule_pass_decide(const struct rule_subject *,
	    const struct rule_point *, const struct rule_time *,
	    enum watch_policy);

/* Is t inside the schedule (its days, periods, and not a holiday)? */
bool	rule_schedule_allows(const struct rule_schedule *, const struct rule_time *);

/* "pass_pending": the code stored in events. */
const char *rule_pass_reason_code(enum pass_reason);
/* "Pass waiting for the host's confirmation": what the guard reads. */
const char *rule_pass_reason_text(enum pass_reason);

#endif
