/*
 * rules/idcheck.c from a table: a document type and a number -> valid or
 * not, and when not, a word of why (never the number itself). And the
 * calendar it and the other date checks share (common/util.c: ymd_parse).
 */
#include <string.h>

#include "../../common/util.h"
#include "../../rules/idcheck.h"
#include "harness.h"

#define TODAY	20261204

static const struct {
	const char	*what;
	enum id_type	type;
	const char	*number;
	bool		ok;
	const char	*why;		/* a word the reason contains */
} cases[] = {
	{ "a resident ID card", ID_RESIDENT_CARD, "11010519491231002X", true, "" },
	{ "another, check digit 4", ID_RESIDENT_CARD, "440308199901011234", true, "" },
	{ "born on 29 February of a leap year", ID_RESIDENT_CARD, "310115198002290013", true, "" },
	{ "a blank inside", ID_RESIDENT_CARD, "11010519491231002 1", false, "18 characters" },
	{ "the last digit changed", ID_RESIDENT_CARD, "440308199901011235", false, "check character" },
	{ "two digits swapped", ID_RESIDENT_CARD, "440380199901011234", false, "check character" },
	{ "E5555 is no resident ID", ID_RESIDENT_CARD, "E5555", false, "18 characters" },
	{ "17 characters", ID_RESIDENT_CARD, "44030819990101123", false, "18 characters" },
	{ "a letter inside", ID_RESIDENT_CARD, "4403081999010112A4", false, "18 characters" },
	{ "month 13", ID_RESIDENT_CARD, "440308199913011234", false, "birth date" },
	{ "29 February 1999", ID_RESIDENT_CARD, "440308199902291234", false, "birth date" },
	{ "29 February 1900, no leap year", ID_RESIDENT_CARD, "440308190002291235", false, "birth date" },
	{ "29 February 2000, a leap year", ID_RESIDENT_CARD, "440308200002291231", true, "" },
	{ "28 February 1900", ID_RESIDENT_CARD, "44030819000228123X", true, "" },
	{ "born after today", ID_RESIDENT_CARD, "440308202701011234", false, "birth date" },
	{ "born before 1900", ID_RESIDENT_CARD, "440308189901011234", false, "birth date" },
	{ "no such province", ID_RESIDENT_CARD, "090308199901011234", false, "province" },
	{ "a permanent residence card given as a resident ID", ID_RESIDENT_CARD, "936156198503120029", false, "permanent residence" },
	{ "a new permanent residence card", ID_FOREIGN_PR, "936156198503120029", true, "" },
	{ "an old permanent residence card", ID_FOREIGN_PR, "USA123456789012", true, "" },
	{ "a permanent residence card mistyped", ID_FOREIGN_PR, "936156198503120028", false, "check character" },
	{ "a permanent residence card too short", ID_FOREIGN_PR, "US123456789012", false, "18 characters starting with 9" },
	{ "Hong Kong permit", ID_HK_MACAO_PERMIT, "H12345678", true, "" },
	{ "Macao permit, old card", ID_HK_MACAO_PERMIT, "M1234567801", true, "" },
	{ "HK permit too short", ID_HK_MACAO_PERMIT, "H1234567", false, "H or M" },
	{ "HK permit with a wrong letter", ID_HK_MACAO_PERMIT, "K12345678", false, "H or M" },
	{ "Taiwan permit", ID_TAIWAN_PERMIT, "12345678", true, "" },
	{ "Taiwan permit, older", ID_TAIWAN_PERMIT, "1234567890", true, "" },
	{ "Taiwan permit of 9 digits", ID_TAIWAN_PERMIT, "123456789", false, "8 digits" },
	{ "Chinese passport", ID_PASSPORT, "E12345678", true, "" },
	{ "Chinese passport, new series", ID_PASSPORT, "EA1234567", true, "" },
	{ "Chinese passport with a letter too many", ID_PASSPORT, "EAB234567", false, "E and 8 digits" },
	{ "a foreign passport", ID_PASSPORT, "X1234567", true, "" },
	{ "a passport without a digit", ID_PASSPORT, "ABCDEFG", false, "at least one digit" },
	{ "a passport of 4 characters", ID_PASSPORT, "A123", false, "5 to 17" },
	{ "other: anything", ID_OTHER, "X", true, "" },
};

/* "YYYYMMDD" -> the date, or -1. */
static const struct { const char *s; int want; } days[] = {
	{ "20261204", 20261204 }, { "20240229", 20240229 }, { "20000229", 20000229 },
	{ "19000229", -1 }, { "20250229", -1 }, { "20261131", -1 }, { "20261231", 20261231 },
	{ "20261301", -1 }, { "20260001", -1 }, { "20260100", -1 }, { "2026120", -1 },
	{ "202612045", -1 }, { "2026-1-4", -1 }, { "2026120a", -1 }, { "", -1 },
};

int
main(void)
{
	char why[160];

	for (size_t i = 0; i < NELEM(days); i++)
		CHECK_ROW(ymd_parse(days[i].s) == days[i].want, "ymd_parse(\"%s\") = %d, "
		    "want %d", days[i].s, ymd_parse(days[i].s), days[i].want);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool ok = rule_id_check(cases[i].type, cases[i].number, TODAY, why,
		    sizeof(why));

		if (ok != cases[i].ok || strstr(why, cases[i].why) == NULL ||
		    (!ok && strstr(why, cases[i].number) != NULL)) {
			harness_fail++;
			fprintf(stderr, "row \"%s\": %s, \"%s\"\n", cases[i].what,
			    ok ? "valid" : "refused", why);
		} else
			harness_pass++;
	}
	/* The check character of every 17-digit stem is one of 0-9, X, and
	 * the number made with it passes. */
	{
		char n[19] = "11010519491231000";
		int bad = 0;

		for (int k = 0; k < 1000; k++) {
			snprintf(n + 14, 4, "%03d", k);
			n[17] = rule_id_check_char(n);
			n[18] = '\0';
			bad += !rule_id_check(ID_RESIDENT_CARD, n, TODAY, why, sizeof(why));
		}
		CHECK_INT(bad, 0);
	}
	return harness_done("test_idcheck");
}
