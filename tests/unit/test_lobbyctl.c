/*
 * lobbyctl/format.c from tables: times read from the command line against a
 * fixed "now" in UTC, card UIDs, event kinds in words, the exact text of
 * small tables, and the front desk's floors, dates, weekdays, hours and CSV.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../common/floors.h"
#include "../../lobbyctl/format.h"
#include "harness.h"

#define S	1000LL
#define M	(60 * S)
#define H	(60 * M)
#define D	(24 * H)
#define DAY0	1795392000000LL		/* 2026-11-23 00:00:00 UTC */
#define NOW	(DAY0 + 18 * H + 2 * M + 3 * S + 456)	/* 18:02:03.456 */

static const struct {
	const char		*in;
	enum fmt_time_use	use;
	int64_t			want;
} good_times[] = {
	{ "now",			FMT_T_PAST,	NOW },
	{ "NOW",			FMT_T_END,	NOW },
	{ "30s",			FMT_T_PAST,	NOW - 30 * S },
	{ "15m",			FMT_T_PAST,	NOW - 15 * M },
	{ "2h",				FMT_T_PAST,	NOW - 2 * H },
	{ "3d",				FMT_T_PAST,	NOW - 3 * D },
	{ "0s",				FMT_T_PAST,	NOW },
	{ "+8h",			FMT_T_END,	NOW + 8 * H },
	{ "+2d",			FMT_T_END,	NOW + 2 * D },
	{ "+90m",			FMT_T_START,	NOW + 90 * M },
	{ "2026-11-23",			FMT_T_PAST,	DAY0 },
	{ "2026-11-23",			FMT_T_START,	DAY0 },
	{ "2026-11-23",			FMT_T_END,	DAY0 + D },
	{ "2026-12-31",			FMT_T_END,	DAY0 + 39 * D },
	{ "2026-12-31 23:59:59",	FMT_T_END,	DAY0 + 39 * D - S },
	{ "2026-11-23 08:30",		FMT_T_PAST,	DAY0 + 8 * H + 30 * M },
	{ "2026-11-23 08:30",		FMT_T_END,	DAY0 + 8 * H + 30 * M },
	{ "2026-11-23T08:00:15",	FMT_T_PAST,	DAY0 + 8 * H + 15 * S },
	{ "2026-11-22T23:59",		FMT_T_PAST,	DAY0 - M },
	{ "2026-11-3",			FMT_T_PAST,	DAY0 - 20 * D },
	{ "2024-02-29",			FMT_T_PAST,	DAY0 - 998 * D },
	{ "08:30",			FMT_T_PAST,	DAY0 + 8 * H + 30 * M },
	{ "8:30",			FMT_T_PAST,	DAY0 + 8 * H + 30 * M },
	{ "23:59:30",			FMT_T_END,	DAY0 + D - 30 * S },
	{ "00:00",			FMT_T_PAST,	DAY0 },
};

static const struct {
	const char		*in;
	enum fmt_time_use	use;
} bad_times[] = {
	{ "xyz",		FMT_T_PAST },
	{ "",			FMT_T_PAST },
	{ "+8h",		FMT_T_PAST },	/* --since is never ahead */
	{ "-2h",		FMT_T_PAST },
	{ "2h ",		FMT_T_PAST },
	{ "2w",			FMT_T_PAST },
	{ "h",			FMT_T_PAST },
	{ "+",			FMT_T_END },
	{ "15",			FMT_T_PAST },
	{ "2026-02-30",		FMT_T_PAST },
	{ "2025-02-29",		FMT_T_END },
	{ "2026-13-01",		FMT_T_PAST },
	{ "2026-00-10",		FMT_T_PAST },
	{ "26-11-23",		FMT_T_PAST },
	{ "2026/11/23",		FMT_T_PAST },
	{ "2026-11-23 24:00",	FMT_T_PAST },
	{ "2026-11-23 12:60",	FMT_T_PAST },
	{ "2026-11-23 12:5",	FMT_T_PAST },
	{ "2026-11-23 12:30:61", FMT_T_PAST },
	{ "2026-11-23x12:30",	FMT_T_PAST },
	{ "2026-11-23 ",	FMT_T_PAST },
	{ "25:00",		FMT_T_PAST },
	{ "12:00pm",		FMT_T_PAST },
	{ "1969-12-31",		FMT_T_PAST },
	{ "99999999d",		FMT_T_PAST },
	{ "25000d",		FMT_T_PAST },	/* before 1970 */
	{ "60000d",		FMT_T_PAST },	/* more than a century */
};

static void
test_times(void)
{
	size_t i;
	int64_t got;
	char buf[FMT_TIME_LEN];

	for (i = 0; i < sizeof(good_times) / sizeof(good_times[0]); i++) {
		got = -1;
		if (fmt_time_parse(good_times[i].in, NOW, good_times[i].use,
		    &got) != 0) {
			harness_fail++;
			fprintf(stderr, "time \"%s\" (use %d): refused\n",
			    good_times[i].in, good_times[i].use);
			continue;
		}
		if (got != good_times[i].want)
			fprintf(stderr, "time \"%s\": ", good_times[i].in);
		CHECK_INT(got, good_times[i].want);
	}
	for (i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++) {
		got = 12345;
		if (fmt_time_parse(bad_times[i].in, NOW, bad_times[i].use,
		    &got) != -1)
			fprintf(stderr, "time \"%s\" accepted as %lld\n",
			    bad_times[i].in, (long long)got);
		CHECK_INT(got, 12345);
	}

	fmt_time(NOW, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-23 18:02:03");
	fmt_time(DAY0 + 39 * D - S, buf, sizeof(buf));
	CHECK_STR(buf, "2026-12-31 23:59:59");
	fmt_time(0, buf, sizeof(buf));
	CHECK_STR(buf, "-");

	/* The export's ISO 8601: milliseconds and the offset then in force. */
	fmt_time_iso(NOW / 1000 * 1000 + 45, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-23T18:02:03.045+00:00");
	fmt_time_iso(0, buf, sizeof(buf));
	CHECK_STR(buf, "1970-01-01T00:00:00.000+00:00");
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	fmt_time_iso(NOW / 1000 * 1000 + 999, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-24T02:02:03.999+08:00");
	setenv("TZ", "America/St_Johns", 1);	/* half an hour, behind */
	tzset();
	fmt_time_iso(NOW / 1000 * 1000, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-23T14:32:03.000-03:30");
	setenv("TZ", "UTC", 1);
	tzset();
}

static void
test_uids(void)
{
	static const struct {
		const char	*in;
		const char	*want;	/* NULL: refused */
	} cases[] = {
		{ "0a00123456",				"0A00123456" },
		{ "DEADbeef",				"DEADBEEF" },
		{ "abcd",				"ABCD" },
		{ "0123456789abcdef0123456789abcde",	"0123456789ABCDEF0123456789ABCDE" },
		{ "abc",				NULL },
		{ "",					NULL },
		{ "0123456789abcdef0123456789abcdef",	NULL },	/* 32 */
		{ "0A0012345G",				NULL },
		{ "0A 0012345",				NULL },
		{ "0x0A001234",				NULL },
		{ "-0A00123",				NULL },
	};
	char out[FMT_UID_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(fmt_uid_is_valid(cases[i].in) == (cases[i].want != NULL));
		if (cases[i].want != NULL) {
			CHECK_INT(fmt_uid_normalize(cases[i].in, out), 0);
			CHECK_STR(out, cases[i].want);
		} else {
			CHECK_INT(fmt_uid_normalize(cases[i].in, out), -1);
		}
	}
}

static void
test_kinds(void)
{
	static const struct {
		const char	*kind;
		const char	*want;
	} cases[] = {
		{ "passage",		"passed" },
		{ "no_passage",		"not passed" },
		{ "device_offline",	"offline" },
		{ "device_online",	"online" },
		{ "fault",		"fault" },
		{ "fault_cleared",	"fault cleared" },
		{ "manual_open",	"manual open" },
		{ "reader_reject",	"bad read" },
		{ "unexpected_passage",	"forced passage" },
		{ "card_added",		"card added" },
		{ "door_held_open",	"door held open" },	/* not known */
		{ "",			"" },
	};
	char buf[32], tiny[5];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(fmt_kind_words(cases[i].kind, buf, sizeof(buf)),
		    cases[i].want);
	CHECK_STR(fmt_kind_words("very_new_kind", tiny, sizeof(tiny)), "very");
}

static char *
render(struct fmt_table *t)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return NULL;
	fmt_table_print(t, f);
	fclose(f);
	return text;
}

static void
test_tables(void)
{
	static const struct fmt_col cols[] = {
		{ "TIME",	0, 0,  false },
		{ "LANE",	8, 0,  false },
		{ "N",		3, 0,  true },
		{ "REASON",	0, 12, false },
		{ "BY",		0, 0,  false },
	};
	static const char *const rows[][5] = {
		{ "18:02:03", "lane1", "7", "Access granted to all", "alice" },
		{ "18:02:11", "lane12", "1024", "", NULL },
		{ "18:03:00", "l\x1b[2J", "", "Card not known", "" },
	};
	static const char *const more[5] = {
		"18:04:00", "lane3", "5", "short", "bob"
	};
	struct fmt_table *t = fmt_table_new(cols, 5);
	char *text, *p;
	size_t i;
	FILE *f;
	size_t len;

	CHECK(t != NULL);
	if (t == NULL)
		return;
	for (i = 0; i < 3; i++)
		CHECK_INT(fmt_table_add(t, rows[i]), 0);
	CHECK_INT(fmt_table_rows(t), 3);
	/* Widths from the data; cut text ends in "..."; no trailing blanks;
	   an escape sequence is shown, not sent. */
	text = render(t);
	CHECK_STR(text,
	    "TIME      LANE       N  REASON        BY\n"
	    "18:02:03  lane1      7  Access gr...  alice\n"
	    "18:02:11  lane12  1024\n"
	    "18:03:00  l?[2J         Card not ...\n");
	free(text);

	/* A growing table keeps room, and later rows use its widths. */
	fmt_table_widen(t);
	text = NULL;
	f = open_memstream(&text, &len);
	CHECK(f != NULL);
	if (f != NULL) {
		fmt_table_print_row(t, more, f);
		fclose(f);
		CHECK_STR(text, "18:04:00  lane3        5  short         bob\n");
		free(text);
	}
	fmt_table_free(t);

	/* Header only. */
	t = fmt_table_new(cols, 2);
	text = t != NULL ? render(t) : NULL;
	CHECK_STR(text, "TIME  LANE\n");
	free(text);
	fmt_table_free(t);

	/* Wide characters count two columns and are never cut in half. */
	CHECK_INT(fmt_width("李小龙"), 6);
	CHECK_INT(fmt_width("Zoë"), 3);
	CHECK_INT(fmt_width("a\tb"), 3);
	p = fmt_clean("李小龙李小龙", 7);
	CHECK_STR(p, "李小...");
	free(p);
	p = fmt_clean("bad \xff\xfe utf8 \xe2\x80\xae", 0);
	CHECK_STR(p, "bad ?? utf8 ?");
	free(p);
	p = fmt_clean("abcdef", 3);
	CHECK_STR(p, "abc");
	free(p);
	CHECK(fmt_text_is_clean("Zoë O'Brien"));
	CHECK(!fmt_text_is_clean("line\nbreak"));
	CHECK(!fmt_text_is_clean("\xc0\xaf"));	/* overlong '/' */
}

static void
test_kv(void)
{
	static const char *const keys[] = { "site", "devices online" };
	static const char *const vals[] = { "Demo Tower", "3\x07" };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CHECK(f != NULL);
	if (f == NULL)
		return;
	fmt_kv_print(keys, vals, 2, f);
	fclose(f);
	CHECK_STR(text, "site:           Demo Tower\n"
	    "devices online: 3?\n");
	free(text);
}

static void
test_floors(void)
{
	static const struct {
		const char	*in;
		uint64_t	mask;
		const char	*canon;		/* NULL: refused */
	} cases[] = {
		{ "3",		1ULL << 3,			"3" },
		{ "3,5-7",	(1ULL << 3) | (7ULL << 5),	"3,5-7" },
		{ "7,5-6,3",	(1ULL << 3) | (7ULL << 5),	"3,5-7" },
		{ "0-1,63",	3ULL | (1ULL << 63),		"0-1,63" },
		{ "5-5",	1ULL << 5,			"5" },
		{ "2,3",	3ULL << 2,			"2-3" },
		{ "",		0,				NULL },
		{ "64",		0,				NULL },
		{ "7-5",	0,				NULL },
		{ "3,",		0,				NULL },
		{ ",3",		0,				NULL },
		{ "3 ,5",	0,				NULL },
		{ "-3",		0,				NULL },
		{ "3-",		0,				NULL },
		{ "100",	0,				NULL },
		{ "a",		0,				NULL },
	};
	char buf[FMT_FLOORS_LEN];
	uint64_t m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = 12345;
		if (cases[i].canon == NULL) {
			CHECK_INT(fmt_floors_parse(cases[i].in, &m), -1);
			CHECK(m == 12345);
			continue;
		}
		CHECK_INT(fmt_floors_parse(cases[i].in, &m), 0);
		CHECK(m == cases[i].mask);
		floors_str_runs(m, buf, sizeof(buf));
		CHECK_STR(buf, cases[i].canon);
	}
	floors_str_runs(0, buf, sizeof(buf));
	CHECK_STR(buf, "");
	floors_str_runs(~0ULL, buf, sizeof(buf));
	CHECK_STR(buf, "0-63");
	floors_str_runs(0x5555555555555555ULL, buf, sizeof(buf));	/* 0,2,...,62 */
	CHECK(strncmp(buf, "0,2,4,", 6) == 0 && strcmp(buf + strlen(buf) - 3,
	    ",62") == 0);
	/* Cards' floors (floors_str): two in a row stay two; a cut list is
	   the start of the whole one. */
	floors_str((3ULL << 2) | (7ULL << 5) | (1ULL << 63), buf, sizeof(buf));
	CHECK_STR(buf, "2,3,5-7,63");
	floors_str_runs((3ULL << 2) | (7ULL << 5) | (1ULL << 63), buf, 6);
	CHECK_STR(buf, "2-3,5");
}

static void
test_dates(void)
{
	static const struct {
		const char	*in;
		int		want;
	} cases[] = {
		{ "2026-11-23",	20261123 },
		{ "2024-02-29",	20240229 },	/* leap year */
		{ "2000-02-29",	20000229 },	/* divisible by 400 */
		{ "2026-12-31",	20261231 },
		{ "1970-01-01",	19700101 },
		{ "2025-02-29",	-1 },
		{ "1900-02-29",	-1 },
		{ "2100-02-29",	-1 },
		{ "2026-04-31",	-1 },
		{ "2026-13-01",	-1 },
		{ "2026-00-01",	-1 },
		{ "2026-01-00",	-1 },
		{ "2026-1-05",	-1 },
		{ "26-01-05",	-1 },
		{ "2026/01/05",	-1 },
		{ "2026-01-05 ", -1 },
		{ "20260105",	-1 },
		{ "1969-12-31",	-1 },
		{ "",		-1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (fmt_date_parse(cases[i].in) != cases[i].want)
			fprintf(stderr, "date \"%s\": ", cases[i].in);
		CHECK_INT(fmt_date_parse(cases[i].in), cases[i].want);
	}
}

static void
test_days_hours(void)
{
	static const struct {
		const char	*in;
		bool		days, hours;
	} cases[] = {
		{ "mon-fri",			true,  false },
		{ "sat,sun",			true,  false },
		{ "mon,wed-fri",		true,  false },
		{ "MON-FRI",			true,  false },
		{ "fri-mon",			false, false },
		{ "mon-",			false, false },
		{ "monday",			false, false },
		{ "mon,,tue",			false, false },
		{ "",				false, false },
		{ "08:00-12:00",		false, true },
		{ "08:00-12:00,14:00-18:00",	false, true },
		{ "00:00-24:00",		false, true },
		{ "12:00-08:00",		false, false },
		{ "08:00-08:00",		false, false },
		{ "14:00-18:00,08:00-12:00",	false, false },	/* out of order */
		{ "08:00-12:00,11:00-13:00",	false, false },	/* overlap */
		{ "8:00-12:00",			false, false },
		{ "08:00-12:60",		false, false },
		{ "08:00-24:30",		false, false },
		{ "08:00-12:00,",		false, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (fmt_days_are_valid(cases[i].in) != cases[i].days ||
		    fmt_hours_are_valid(cases[i].in) != cases[i].hours)
			fprintf(stderr, "days/hours \"%s\": ", cases[i].in);
		CHECK(fmt_days_are_valid(cases[i].in) == cases[i].days);
		CHECK(fmt_hours_are_valid(cases[i].in) == cases[i].hours);
	}
}

static void
test_csv(void)
{
	static const struct {
		const char	*in, *want;
	} cases[] = {
		{ "plain",		"plain" },
		{ "",			"" },
		{ "Lee, Ann",		"\"Lee, Ann\"" },
		{ "say \"hi\"",		"\"say \"\"hi\"\"\"" },
		{ "\"",			"\"\"\"\"" },
		{ "two\nlines",		"\"two\nlines\"" },
		{ "cr\r\nlf",		"\"cr\r\nlf\"" },
		{ "esc\x1b[2J",		"esc?[2J" },
		{ "tab\there",		"tab?here" },
		{ "bad \xff, byte",	"\"bad ?, byte\"" },
		{ "Zoë 李",		"Zoë 李" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = fmt_csv_field(cases[i].in);

		CHECK_STR(got, cases[i].want);
		free(got);
	}
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_times();
	test_uids();
	test_kinds();
	test_tables();
	test_kv();
	test_floors();
	test_dates();
	test_days_hours();
	test_csv();
	return harness_done("test_lobbyctl");
}
