/*
 * Freight-elevator booking rules (DESIGN: goods move by the freight elevator
 * only, booked at least a day ahead, outside rush hours): a window must end
 * after it starts, start at least 24 hours from now, be no longer than the
 * site allows, stay clear of the rush hours on every local day it touches,
 * and not overlap another active booking of the same elevator.
 */
#include "booking.h"

#include <stdio.h>

static const char *const codes[BOOKING_COUNT] = {
	[BOOKING_OK] = "ok",
	[BOOKING_EMPTY] = "empty_window",
	[BOOKING_TOO_SOON] = "too_soon",
	[BOOKING_TOO_LONG] = "too_long",
	[BOOKING_RUSH] = "rush_hours",
	[BOOKING_OVERLAP] = "overlap",
};

/* Floor division: local times before 1970 are negative. */
static int64_t
div_floor(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

struct booking_check
rule_booking_check(const struct booking_window *w,
    const struct booking_window *others, size_t n,
    const struct booking_policy *p, int64_t now_ms)
{
	struct booking_check c = { .verdict = BOOKING_OK };
	int64_t d, d0, d1;

	if (w->until_ms <= w->from_ms) {
		c.verdict = BOOKING_EMPTY;
		return c;
	}
	if (w->from_ms - now_ms < BOOKING_LEAD_MS) {
		c.verdict = BOOKING_TOO_SOON;
		return c;
	}
	if (w->until_ms - w->from_ms > p->max_ms) {
		c.verdict = BOOKING_TOO_LONG;
		return c;
	}
	/* Every local day from the one it starts in to the one its last
	   millisecond falls in. */
	d0 = div_floor(w->from_local_ms, BOOKING_DAY_MS);
	d1 = div_floor(w->until_local_ms - 1, BOOKING_DAY_MS);
	for (d = d0; d <= d1; d++) {
		for (int r = 0; r < p->nrush; r++) {
			int64_t s = d * BOOKING_DAY_MS + (int64_t)p->rush[r][0] * 60000;
			int64_t e = d * BOOKING_DAY_MS + (int64_t)p->rush[r][1] * 60000;

			if (s < w->until_local_ms && w->from_local_ms < e) {
				c.verdict = BOOKING_RUSH;
				c.rush = r;
				c.day = d;
				return c;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (others[i].from_ms < w->until_ms && w->from_ms < others[i].until_ms) {
			c.verdict = BOOKING_OVERLAP;
			c.other = i;
			return c;
		}
	}
	return c;
}

const char *
rule_booking_code(enum booking_verdict v)
{
	return (unsigned)v < BOOKING_COUNT ? codes[v] : "invalid";
}

/* Days since 1970-01-01 as a civil date (proleptic Gregorian). */
static void
civil(int64_t days, int *y, int *m, int *dd)
{
	int64_t z = days + 719468, era = div_floor(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*dd = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

void
rule_booking_local_str(int64_t local_ms, char *buf, size_t len)
{
	int64_t days = div_floor(local_ms, BOOKING_DAY_MS);
	int64_t min = (local_ms - days * BOOKING_DAY_MS) / 60000;
	int y, m, d;

	civil(days, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", y, m, d, (int)(min / 60),
	    (int)(min % 60));
}

/* "5 h 30 min", "45 min": a span of ms, rounded down to minutes. */
static void
span(int64_t ms, char *buf, size_t len)
{
	int64_t min = ms > 0 ? ms / 60000 : 0;

	if (min >= 60)
		snprintf(buf, len, "%lld h %lld min", (long long)(min / 60),
		    (long long)(min % 60));
	else
		snprintf(buf, len, "%lld min", (long long)min);
}

void
rule_booking_words(const struct booking_check *c, const struct booking_window *w,
    const struct booking_window *others, const struct booking_policy *p,
    int64_t now_ms, char *buf, size_t len)
{
	char a[32], b[32], t[32];

	switch (c->verdict) {
	case BOOKING_OK:
		snprintf(buf, len, "the booking may be made");
		break;
	case BOOKING_EMPTY:
		snprintf(buf, len, "the window must end after it starts");
		break;
	case BOOKING_TOO_SOON:
		if (w->from_ms <= now_ms)
			snprintf(buf, len, "the window starts in the past; bookings "
			    "are taken at least 24 hours ahead");
		else {
			span(w->from_ms - now_ms, t, sizeof(t));
			snprintf(buf, len, "bookings are taken at least 24 hours "
			    "ahead; this one starts in %s", t);
		}
		break;
	case BOOKING_TOO_LONG:
		span(w->until_ms - w->from_ms, t, sizeof(t));
		span(p->max_ms, a, sizeof(a));
		snprintf(buf, len, "the window is %s long; at most %s", t, a);
		break;
	case BOOKING_RUSH:
		rule_booking_local_str(c->day * BOOKING_DAY_MS, a, sizeof(a));
		a[10] = '\0';	/* the date */
		snprintf(buf, len, "the window touches the rush hours "
		    "%02d:%02d-%02d:%02d on %s", p->rush[c->rush][0] / 60,
		    p->rush[c->rush][0] % 60, p->rush[c->rush][1] / 60,
		    p->rush[c->rush][1] % 60, a);
		break;
	case BOOKING_OVERLAP:
		rule_booking_local_str(others[c->other].from_local_ms, a, sizeof(a));
		rule_booking_local_str(others[c->other].until_local_ms, b, sizeof(b));
		snprintf(buf, len, "the elevator is booked from %s to %s already",
		    a, b);
		break;
	default:
		snprintf(buf, len, "invalid verdict");
		break;
	}
}
