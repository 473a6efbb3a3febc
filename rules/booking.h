/*
 * Freight-elevator bookings: whether a booking may be made, and why not, in
 * words. Pure: the time is a parameter, and so is local time (the caller
 * converts each instant, so that the rules need no time zone of their own).
 */
#ifndef LOBBYD_BOOKING_H
#define LOBBYD_BOOKING_H

#include <stddef.h>
#include <stdint.h>

#define BOOKING_LEAD_MS		(24LL * 3600 * 1000)	/* booked a day ahead */
#define BOOKING_DAY_MS		(24LL * 3600 * 1000)

/* One window. The local fields are the same instants as local wall-clock
 * time: ms + the UTC offset in force at that instant. */
struct booking_window {
	int64_t	from_ms, until_ms;		/* ms since the epoch */
	int64_t	from_local_ms, until_local_ms;
};

struct booking_policy {
	const int	(*rush)[2];	/* minutes after local midnight, [start, end) */
	int		nrush;
	int64_t		max_ms;		/* longest window */
};

enum booking_verdict {
	BOOKING_OK,
	BOOKING_EMPTY,		/* until is not after from */
	BOOKING_TOO_SOON,	/* from - now < 24 h (or in the past) */
	BOOKING_TOO_LONG,	/* longer than the policy's maximum */
	BOOKING_RUSH,		/* touches rush hours on a day it spans */
	BOOKING_OVERLAP,	/* the elevator is booked then already */
	BOOKING_COUNT
};

struct booking_check {
	enum booking_verdict verdict;
	int	rush;		/* BOOKING_RUSH: the span (index in the policy) */
	int64_t	day;		/* BOOKING_RUSH: local days since 1970-01-01 */
	size_t	other;		/* BOOKING_OVERLAP: index in others */
};

/* w at now_ms, against the policy and the elevator's other active
 * bookings (others, n of them). */
struct booking_check rule_booking_check(const struct booking_window *w,
	    const struct booking_window *others, size_t n,
	    const struct booking_policy *, int64_t now_ms);
/* "too_soon": a code for scripts. */
const char *rule_booking_code(enum booking_verdict);
/* Why, in words: "the window touches the rush hours 08:00-09:30 on
 * 2026-12-05". others as given to rule_booking_check. */
void	rule_booking_words(const struct booking_check *,
	    const struct booking_window *w, const struct booking_window *others,
	    const struct booking_policy *, int64_t now_ms, char *buf, size_t len);
/* Local ms as "2026-12-05 08:00". */
void	rule_booking_local_str(int64_t local_ms, char *buf, size_t len);

#endif
