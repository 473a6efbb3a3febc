/*
 * Freight-elevator booking rules (rules/booking.c), from a table: one row a
 * window, the time it is asked for, the bookings already made -> the
 * verdict. Local time is UTC+8 here (the rules take it as a parameter);
 * day 0 is 2026-12-01, rush hours 08:00-09:30 and 17:30-19:00, at most 12 h.
 */
#include <string.h>

#include "../../rules/booking.h"
#include "harness.h"

#define DAY0	20788LL				/* 2026-12-01 */
#define OFF_MS	(8LL * 3600 * 1000)		/* UTC+8 */
/* Local day d (from day 0), hh:mm, as local ms and as ms since the epoch. */
#define LOC(d, h, m)	(((DAY0 + (d)) * 86400LL + (h) * 3600LL + (m) * 60LL) * 1000)
#define UTC(d, h, m)	(LOC(d, h, m) - OFF_MS)
#define WIN(d1, h1, m1, d2, h2, m2) { UTC(d1, h1, m1), UTC(d2, h2, m2), \
	LOC(d1, h1, m1), LOC(d2, h2, m2) }

static const int rush[][2] = { { 8 * 60, 9 * 60 + 30 }, { 17 * 60 + 30, 19 * 60 } };
static const struct booking_policy policy = { .rush = rush, .nrush = 2,
    .max_ms = 12LL * 3600 * 1000 };

/* Bookings made already: day 2, 10:00-12:00 and day 3, 20:00-23:00. */
static const struct booking_window taken[] = {
	WIN(2, 10, 0, 2, 12, 0),
	WIN(3, 20, 0, 3, 23, 0),
};

static const struct {
	const char		*what;
	struct booking_window	w;
	int64_t			now;
	enum booking_verdict	want;
	const char		*words;		/* part of the reason; "": any */
} cases[] = {
	{ "next day, late morning", WIN(1, 10, 0, 1, 12, 0), UTC(0, 10, 0), BOOKING_OK, "" },
	{ "exactly 24 h ahead", WIN(1, 10, 0, 1, 11, 0), UTC(0, 10, 0), BOOKING_OK, "" },
	{ "24 h less a minute", WIN(1, 9, 59, 1, 11, 0), UTC(0, 10, 0), BOOKING_TOO_SOON, "starts in 23 h 59 min" },
	{ "same day", WIN(0, 14, 0, 0, 16, 0), UTC(0, 10, 0), BOOKING_TOO_SOON, "at least 24 hours ahead" },
	{ "in the past", WIN(0, 6, 0, 0, 7, 0), UTC(0, 10, 0), BOOKING_TOO_SOON, "starts in the past" },
	{ "ends as it starts", WIN(2, 10, 0, 2, 10, 0), UTC(0, 10, 0), BOOKING_EMPTY, "end after it starts" },
	{ "ends before it starts", WIN(2, 12, 0, 2, 11, 0), UTC(0, 10, 0), BOOKING_EMPTY, "" },
	{ "empty beats too soon", WIN(0, 12, 0, 0, 11, 0), UTC(0, 10, 0), BOOKING_EMPTY, "" },
	{ "12 h exactly", WIN(5, 19, 0, 6, 7, 0), UTC(0, 10, 0), BOOKING_OK, "" },
	{ "12 h and a minute", WIN(5, 19, 0, 6, 7, 1), UTC(0, 10, 0), BOOKING_TOO_LONG, "12 h 1 min long; at most 12 h" },
	{ "two days", WIN(5, 10, 0, 7, 10, 0), UTC(0, 10, 0), BOOKING_TOO_LONG, "" },
	{ "inside the morning rush", WIN(1, 8, 30, 1, 9, 0), UTC(0, 8, 0), BOOKING_RUSH, "08:00-09:30 on 2026-12-02" },
	{ "ends when the rush starts", WIN(1, 7, 0, 1, 8, 0), UTC(0, 7, 0), BOOKING_OK, "" },
	{ "ends a minute into the rush", WIN(1, 7, 0, 1, 8, 1), UTC(0, 7, 0), BOOKING_RUSH, "08:00-09:30" },
	{ "starts when the rush ends", WIN(1, 9, 30, 1, 12, 0), UTC(0, 9, 0), BOOKING_OK, "" },
	{ "starts a minute before it ends", WIN(1, 9, 29, 1, 12, 0), UTC(0, 9, 0), BOOKING_RUSH, "08:00-09:30" },
	{ "covers the whole morning rush", WIN(1, 7, 0, 1, 10, 0), UTC(0, 7, 0), BOOKING_RUSH, "" },
	{ "afternoon, clear of the evening rush", WIN(1, 13, 0, 1, 17, 30), UTC(0, 10, 0), BOOKING_OK, "" },
	{ "into the evening rush", WIN(1, 16, 0, 1, 18, 0), UTC(0, 10, 0), BOOKING_RUSH, "17:30-19:00 on 2026-12-02" },
	{ "after the evening rush", WIN(1, 19, 0, 1, 23, 0), UTC(0, 10, 0), BOOKING_OK, "" },
	{ "overnight, clear of both", WIN(2, 19, 0, 3, 7, 0), UTC(0, 10, 0), BOOKING_OK, "" },
	{ "overnight into the next morning's rush", WIN(4, 22, 0, 5, 8, 30), UTC(0, 10, 0), BOOKING_RUSH, "08:00-09:30 on 2026-12-06" },
	{ "ends at midnight", WIN(1, 20, 0, 2, 0, 0), UTC(0, 10, 0), BOOKING_OK, "" },
	{ "starts at midnight", WIN(2, 0, 0, 2, 7, 0), UTC(0, 10, 0), BOOKING_OK, "" },
	{ "local day differs from the UTC day", WIN(1, 2, 0, 1, 6, 0), UTC(0, 1, 0), BOOKING_OK, "" },
	{ "a week ahead", WIN(7, 10, 0, 7, 16, 0), UTC(0, 10, 0), BOOKING_OK, "" },
	{ "a year ahead", WIN(365, 10, 0, 365, 11, 0), UTC(0, 10, 0), BOOKING_OK, "" },
	{ "overlaps a booking", WIN(2, 11, 0, 2, 13, 0), UTC(0, 10, 0), BOOKING_OVERLAP, "booked from 2026-12-03 10:00 to 2026-12-03 12:00" },
	{ "inside a booking", WIN(2, 10, 30, 2, 11, 30), UTC(0, 10, 0), BOOKING_OVERLAP, "" },
	{ "around a booking", WIN(3, 19, 30, 3, 23, 30), UTC(0, 10, 0), BOOKING_OVERLAP, "2026-12-04 20:00" },
	{ "right after a booking", WIN(2, 12, 0, 2, 14, 0), UTC(0, 10, 0), BOOKING_OK, "" },
	{ "right before a booking", WIN(2, 9, 30, 2, 10, 0), UTC(0, 10, 0), BOOKING_OK, "" },
	{ "rush is found before overlap", WIN(2, 9, 0, 2, 11, 0), UTC(0, 10, 0), BOOKING_RUSH, "" },
	{ "too soon before rush", WIN(0, 17, 0, 0, 18, 0), UTC(0, 10, 0), BOOKING_TOO_SOON, "" },
	{ "too long before rush", WIN(4, 6, 0, 4, 20, 0), UTC(0, 10, 0), BOOKING_TOO_LONG, "14 h 0 min long" },
	{ "one minute window", WIN(1, 12, 0, 1, 12, 1), UTC(0, 10, 0), BOOKING_OK, "" },
};

static void
no_rush_and_no_others(void)
{
	const struct booking_policy open = { .rush = NULL, .nrush = 0,
	    .max_ms = 24LL * 3600 * 1000 };
	const struct booking_window w = WIN(1, 8, 0, 1, 18, 0);
	struct booking_check c = rule_booking_check(&w, NULL, 0, &open,
	    UTC(0, 8, 0));

	CHECK_INT(c.verdict, BOOKING_OK);
}

static void
codes_and_dates(void)
{
	char buf[32];

	CHECK_STR(rule_booking_code(BOOKING_TOO_SOON), "too_soon");
	CHECK_STR(rule_booking_code(BOOKING_RUSH), "rush_hours");
	CHECK_STR(rule_booking_code(BOOKING_COUNT), "invalid");
	rule_booking_local_str(LOC(0, 8, 5), buf, sizeof(buf));
	CHECK_STR(buf, "2026-12-01 08:05");
	rule_booking_local_str(LOC(90, 23, 59), buf, sizeof(buf));
	CHECK_STR(buf, "2027-03-01 23:59");
	rule_booking_local_str(0, buf, sizeof(buf));
	CHECK_STR(buf, "1970-01-01 00:00");
	rule_booking_local_str(-60000, buf, sizeof(buf));
	CHECK_STR(buf, "1969-12-31 23:59");
}

int
main(void)
{
	size_t n = sizeof(cases) / sizeof(cases[0]);
	size_t nt = sizeof(taken) / sizeof(taken[0]);
	char words[200];

	for (size_t i = 0; i < n; i++) {
		struct booking_check c = rule_booking_check(&cases[i].w, taken, nt,
		    &policy, cases[i].now);

		rule_booking_words(&c, &cases[i].w, taken, &policy, cases[i].now,
		    words, sizeof(words));
		CHECK_ROW(c.verdict == cases[i].want, "case \"%s\": %s (%s), want %s",
		    cases[i].what, rule_booking_code(c.verdict), words,
		    rule_booking_code(cases[i].want));
		CHECK_ROW(strstr(words, cases[i].words) != NULL,
		    "case \"%s\": \"%s\" lacks \"%s\"", cases[i].what, words,
		    cases[i].words);
	}
	CHECK(n >= 30);
	no_rush_and_no_others();
	codes_and_dates();
	return harness_done("test_booking");
}
