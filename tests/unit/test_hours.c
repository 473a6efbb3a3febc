/*
 * rules/hours.c from tables: day lists, periods and floor lists as people
 * type them -> the rules' bits and minutes, or a refusal with a reason; and
 * the words written back.
 */
#include <stdint.h>
#include <string.h>

#include "../../rules/hours.h"
#include "harness.h"

#define SUN	0x01
#define MON	0x02
#define TUE	0x04
#define WED	0x08
#define THU	0x10
#define FRI	0x20
#define SAT	0x40
#define WEEK	0x7f

/* A list of days or floors as typed: refused, or read as these bits. */
struct mcase {
	const char	*in;
	bool		ok;
	uint64_t	want;
};

static const struct mcase day_cases[] = {
	{ "mon", true, MON },
	{ "sun", true, SUN },
	{ "sat", true, SAT },
	{ "mon-fri", true, MON | TUE | WED | THU | FRI },
	{ "sat,sun", true, SAT | SUN },
	{ "sat-sun", true, SAT | SUN },
	{ "mon,wed-fri", true, MON | WED | THU | FRI },
	{ "fri-mon", true, FRI | SAT | SUN | MON },	/* wraps past Sunday */
	{ "sun-tue", true, SUN | MON | TUE },
	{ "sat-fri", true, WEEK },
	{ "wed-wed", true, WED },
	{ "mon,mon", true, MON },
	{ "daily", true, WEEK },
	{ "all", true, WEEK },
	{ "mon-sun", true, WEEK },
	{ "", false, 0 },
	{ "mon,", false, 0 },
	{ "mon-fri,", false, 0 },
	{ ",mon", false, 0 },
	{ "mon,,tue", false, 0 },
	{ "funday", false, 0 },
	{ "monday", false, 0 },
	{ "mo", false, 0 },
	{ "mon-", false, 0 },
	{ "-fri", false, 0 },
	{ "mon-tue-wed", false, 0 },
	{ "mon fri", false, 0 },
	{ " mon", false, 0 },
	{ "daily,mon", false, 0 },
	{ "mon-xyz", false, 0 },
};

struct pcase {
	const char	*in;
	int		max;
	bool		ok;
	int		n;
	struct rule_period p[4];
};

#define HM(h, m)	((h) * 60 + (m))

static const struct pcase period_cases[] = {
	{ "08:00-12:00", 4, true, 1, { { HM(8, 0), HM(12, 0) } } },
	{ "08:00-12:00,14:00-18:00", 4, true, 2,
		{ { HM(8, 0), HM(12, 0) }, { HM(14, 0), HM(18, 0) } } },
	{ "00:00-24:00", 4, true, 1, { { 0, HM(24, 0) } } },
	{ "22:30-24:00", 4, true, 1, { { HM(22, 30), HM(24, 0) } } },
	{ "00:00-00:01", 4, true, 1, { { 0, 1 } } },
	{ "23:59-24:00", 4, true, 1, { { HM(23, 59), HM(24, 0) } } },
	/* touching is not overlapping */
	{ "08:00-12:00,12:00-13:00", 4, true, 2,
		{ { HM(8, 0), HM(12, 0) }, { HM(12, 0), HM(13, 0) } } },
	{ "06:00-07:00,08:00-09:00,10:00-11:00,12:00-13:00", 4, true, 4,
		{ { HM(6, 0), HM(7, 0) }, { HM(8, 0), HM(9, 0) },
		  { HM(10, 0), HM(11, 0) }, { HM(12, 0), HM(13, 0) } } },
	{ "", 4, true, 0, { { 0, 0 } } },	/* none: all day on its days */
	{ "08:00-12:00,14:00-18:00", 2, true, 2,
		{ { HM(8, 0), HM(12, 0) }, { HM(14, 0), HM(18, 0) } } },
	{ "08:00-24:01", 4, false, 0, { { 0, 0 } } },
	{ "08:00-25:00", 4, false, 0, { { 0, 0 } } },
	{ "24:00-24:00", 4, false, 0, { { 0, 0 } } },
	{ "08:60-09:00", 4, false, 0, { { 0, 0 } } },
	{ "12:00-08:00", 4, false, 0, { { 0, 0 } } },
	{ "08:00-08:00", 4, false, 0, { { 0, 0 } } },
	{ "08:00-12:00,11:00-13:00", 4, false, 0, { { 0, 0 } } },
	{ "08:00-12:00,09:00-10:00", 4, false, 0, { { 0, 0 } } },
	{ "14:00-18:00,08:00-12:00", 4, false, 0, { { 0, 0 } } },
	{ "08:00-09:00,10:00-11:00,12:00-13:00", 2, false, 0, { { 0, 0 } } },
	{ "08:00-09:00", 0, false, 0, { { 0, 0 } } },
	{ "8:00-12:00", 4, false, 0, { { 0, 0 } } },
	{ "08:00-12:0", 4, false, 0, { { 0, 0 } } },
	{ "08.00-12.00", 4, false, 0, { { 0, 0 } } },
	{ "08:00 12:00", 4, false, 0, { { 0, 0 } } },
	{ "08:00 - 12:00", 4, false, 0, { { 0, 0 } } },
	{ "08:00-12:00x", 4, false, 0, { { 0, 0 } } },
	{ "0a:00-12:00", 4, false, 0, { { 0, 0 } } },
	{ "08:00-12:00,", 4, false, 0, { { 0, 0 } } },
	{ ",08:00-12:00", 4, false, 0, { { 0, 0 } } },
	{ "08:00-12:00,,14:00-18:00", 4, false, 0, { { 0, 0 } } },
	{ "morning", 4, false, 0, { { 0, 0 } } },
};

#define FL(n)	(UINT64_C(1) << (n))

static const struct mcase floor_cases[] = {
	{ "3", true, FL(3) },
	{ "0", true, FL(0) },
	{ "63", true, FL(63) },
	{ "5-7", true, FL(5) | FL(6) | FL(7) },
	{ "3,5-7", true, FL(3) | FL(5) | FL(6) | FL(7) },
	{ "0-63", true, UINT64_MAX },
	{ "62-63", true, FL(62) | FL(63) },
	{ "4-4", true, FL(4) },
	{ "7,3", true, FL(3) | FL(7) },
	{ "3,3", true, FL(3) },
	{ "1-3,2-4", true, FL(1) | FL(2) | FL(3) | FL(4) },
	{ "007", true, FL(7) },
	{ "64", false, 0 },
	{ "0-64", false, 0 },
	{ "100", false, 0 },
	{ "1000", false, 0 },
	{ "0003", false, 0 },
	{ "7-5", false, 0 },
	{ "", false, 0 },
	{ "3,", false, 0 },
	{ "3,5-7,", false, 0 },
	{ ",3", false, 0 },
	{ "3,,5", false, 0 },
	{ "x", false, 0 },
	{ "3x", false, 0 },
	{ "3-", false, 0 },
	{ "-3", false, 0 },
	{ "3-5-7", false, 0 },
	{ " 3", false, 0 },
	{ "3 ,5", false, 0 },
	{ "-1", false, 0 },
};

/* A refusal: -1, a reason, and what it would have read into left alone. */
static void
check_refused(const char *what, int rc, const char *err, bool untouched)
{
	CHECK_ROW(rc == -1, "%s: rc %d, want -1", what, rc);
	CHECK_ROW(err[0] != '\0', "%s: no reason", what);
	CHECK_ROW(untouched, "%s: changed on refusal", what);
}

/* rule_days_parse with the days in a mask as wide as the floors'. */
static int
days_parse(const char *in, uint64_t *mask, char *err, size_t errlen)
{
	uint8_t d = (uint8_t)*mask;
	int rc = rule_days_parse(in, &d, err, errlen);

	*mask = d;
	return rc;
}

/* A table of day or floor lists through parse, the mask set to poison
 * first: each read as its row says, or refused. */
static void
check_masks(const char *kind, int (*parse)(const char *, uint64_t *, char *,
    size_t), const struct mcase *cases, size_t n, uint64_t poison)
{
	for (size_t i = 0; i < n; i++) {
		const struct mcase *c = &cases[i];
		char err[200] = "", what[80];
		uint64_t got = poison;
		int rc = parse(c->in, &got, err, sizeof(err));

		snprintf(what, sizeof(what), "%s \"%s\"", kind, c->in);
		if (c->ok)
			CHECK_ROW(rc == 0 && got == c->want, "%s: rc %d, 0x%"
			    PRIx64 ", want 0x%" PRIx64 " (%s)", what, rc, got,
			    c->want, err);
		else
			check_refused(what, rc, err, got == poison);
	}
}

static void
test_days(void)
{
	check_masks("days", days_parse, day_cases, NELEM(day_cases), 0xa5);
}

static void
test_periods(void)
{
	for (size_t i = 0; i < sizeof(period_cases) / sizeof(period_cases[0]); i++) {
		const struct pcase *c = &period_cases[i];
		struct rule_period p[4];
		char err[200] = "", what[80];
		int n = -7, rc;

		memset(p, 0xff, sizeof(p));
		rc = rule_periods_parse(c->in, p, c->max, &n, err, sizeof(err));
		if (!c->ok) {
			snprintf(what, sizeof(what), "periods \"%s\" (max %d)",
			    c->in, c->max);
			check_refused(what, rc, err, n == -7);
			continue;
		}
		CHECK_ROW(rc == 0 && n == c->n, "periods \"%s\": rc %d, n %d, "
		    "want n %d (%s)", c->in, rc, n, c->n, err);
		for (int j = 0; rc == 0 && j < c->n && j < n; j++)
			CHECK_ROW(p[j].from == c->p[j].from && p[j].until ==
			    c->p[j].until, "periods \"%s\" [%d]: %d-%d, want %d-%d",
			    c->in, j, p[j].from, p[j].until, c->p[j].from,
			    c->p[j].until);
		/* nothing written past what it said it read */
		if (rc == 0 && n >= 0 && n < 4)
			CHECK_ROW(p[n].from == -1 && p[n].until == -1,
			    "periods \"%s\": wrote past %d", c->in, n);
	}
}

static void
test_floors(void)
{
	check_masks("floors", rule_floors_parse, floor_cases,
	    NELEM(floor_cases), 0x5a5a);
}

/* The words back, and those words read again give the same bits. */
static const struct {
	uint8_t		days;
	const char	*str;
} day_strs[] = {
	{ 0, "" },
	{ MON, "mon" },
	{ SUN, "sun" },
	{ MON | TUE | WED | THU | FRI, "mon-fri" },
	{ SAT | SUN, "sat-sun" },
	{ MON | WED | THU | FRI, "mon,wed-fri" },
	{ MON | TUE, "mon-tue" },
	{ MON | WED | FRI | SUN, "mon,wed,fri,sun" },
	{ FRI | SAT | SUN | MON, "mon,fri-sun" },	/* week written from Monday */
	{ SUN | TUE | THU | SAT, "tue,thu,sat-sun" },
	{ WEEK, "daily" },
	{ 0xff, "daily" },
};

static const struct {
	uint64_t	floors;
	const char	*str;
} floor_strs[] = {
	{ 0, "" },
	{ FL(0), "0" },
	{ FL(63), "63" },
	{ FL(3) | FL(5) | FL(6) | FL(7), "3,5-7" },
	{ FL(1) | FL(2), "1-2" },
	{ UINT64_MAX, "0-63" },
	{ UINT64_MAX & ~FL(10), "0-9,11-63" },
	{ FL(0) | FL(2) | FL(62) | FL(63), "0,2,62-63" },
};

static void
test_strings(void)
{
	char buf[300], err[200];
	int bad = 0;

	for (size_t i = 0; i < sizeof(day_strs) / sizeof(day_strs[0]); i++) {
		uint8_t d = 0;

		rule_days_str(day_strs[i].days, buf, sizeof(buf));
		CHECK_ROW(strcmp(buf, day_strs[i].str) == 0, "days 0x%02x: \"%s\", "
		    "want \"%s\"", day_strs[i].days, buf, day_strs[i].str);
		if (day_strs[i].days == 0)
			continue;
		err[0] = '\0';
		CHECK_ROW(rule_days_parse(buf, &d, err, sizeof(err)) == 0 &&
		    d == (day_strs[i].days & WEEK), "days \"%s\" read back: 0x%02x "
		    "(%s)", buf, d, err);
	}
	/* Every day set there is comes back as itself. */
	for (unsigned v = 1; v <= WEEK; v++) {
		uint8_t d = 0;

		rule_days_str((uint8_t)v, buf, sizeof(buf));
		if (rule_days_parse(buf, &d, err, sizeof(err)) != 0 || d != v) {
			fprintf(stderr, "days 0x%02x -> \"%s\" -> 0x%02x\n", v, buf, d);
			bad++;
		}
	}
	CHECK_INT(bad, 0);

	for (size_t i = 0; i < sizeof(floor_strs) / sizeof(floor_strs[0]); i++) {
		uint64_t f = 0;

		rule_floors_str(floor_strs[i].floors, buf, sizeof(buf));
		CHECK_ROW(strcmp(buf, floor_strs[i].str) == 0, "floors 0x%016"
		    PRIx64 ": \"%s\", want \"%s\"", floor_strs[i].floors, buf,
		    floor_strs[i].str);
		if (floor_strs[i].floors == 0)
			continue;
		err[0] = '\0';
		CHECK_ROW(rule_floors_parse(buf, &f, err, sizeof(err)) == 0 &&
		    f == floor_strs[i].floors, "floors \"%s\" read back: 0x%016"
		    PRIx64 " (%s)", buf, f, err);
	}
	/* Every other floor: the longest list there is, whole and read back. */
	{
		uint64_t odd = UINT64_C(0xaaaaaaaaaaaaaaaa), f = 0;

		rule_floors_str(odd, buf, sizeof(buf));
		CHECK_INT(strlen(buf), 5 * 1 + 27 * 2 + 31);	/* 32 numbers, 31 commas */
		CHECK(rule_floors_parse(buf, &f, err, sizeof(err)) == 0 && f == odd);
	}
	/* A short buffer is cut, still a string. */
	memset(buf, 'z', sizeof(buf));
	rule_floors_str(UINT64_C(0xaaaaaaaaaaaaaaaa), buf, 8);
	CHECK_STR(buf, "1,3,5,7");
	CHECK(buf[8] == 'z');
	memset(buf, 'z', sizeof(buf));
	rule_days_str(MON | WED | FRI | SUN, buf, 6);
	CHECK_STR(buf, "mon,w");
	CHECK(buf[6] == 'z');
}

int
main(void)
{
	test_days();
	test_periods();
	test_floors();
	test_strings();
	return harness_done("test_hours");
}
