/*
 * Access decisions for card holders: pure functions of the credential, the
 * lane's state and the time. No I/O, no clock reads, no globals: everything
 * a decision depends on is a parameter, so every rule is table-tested.
 */
#ifndef LOBBYD_ACCESS_H
#define LOBBYD_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

/* Why: stored with every decision, shown to the guard in words. */
enum reason {
	R_GRANTED,
	R_UNKNOWN_CARD,
	R_DISABLED,
	R_NOT_YET_VALID,
	R_EXPIRED,
	R_LANE_OFFLINE,		/* turnstile not answering: nothing is opened */
	R_LANE_FAULT,		/* turnstile reports a fault */
	R_LANE_STATE_UNKNOWN,	/* turnstile reports a state its profile does not name */
	R_LANE_BUSY,		/* a passage is already under way in this lane */
	R_NO_READER,		/* this direction has no reader: programming error */
	R_MANUAL,		/* opened by an operator */
	R_FIRE_MODE,		/* fire mode: the lane is free, nothing is sent */
	/* Elevators (engine/elevator.c) */
	R_NO_FLOORS,		/* the card permits none of this car's floors */
	R_ELEV_OFFLINE,		/* controller not answering: nothing is sent */
	R_ELEV_UNAVAILABLE,	/* car not in normal service, in fault or trapped */
	R_NO_BOOKING,		/* freight elevator: no booking of this card now */
	R_COUNT
};

/* What the rules need to know about a card held in the store. */
struct access_card {
	bool	enabled;
	int64_t	valid_from_ms;		/* 0: no start */
	int64_t	valid_until_ms;		/* 0: no end; valid while now < until */
};

/* What the rules need to know about the lane right now. */
struct access_lane {
	bool	online;			/* turnstile answering */
	bool	fault;			/* turnstile in fault */
	bool	unknown;		/* state value not in the profile: not ready */
	bool	busy;			/* a grant is waiting for its passage */
};

struct access_decision {
	bool		grant;
	enum reason	reason;
};

/* card is NULL when the credential is not known. now_ms: wall clock. */
struct access_decision rule_card_decide(const struct access_card *card,
	    const struct access_lane *lane, int64_t now_ms);

/* The lane's part alone: R_GRANTED when it may open now, else why not. */
enum reason rule_lane_check(const struct access_lane *);

/* "unknown_card": the code stored in events. */
const char *rule_reason_code(enum reason);
/* "Card not known": what the guard reads. */
const char *rule_reason_text(enum reason);

#endif
