/*
 * Identity document numbers by their formats (idcheck.h). The resident ID
 * card is checked in full; the travel permits, the foreigner's permanent
 * residence card and passports by the shapes their issuers use.
 */
#include "idcheck.h"

#include <stdio.h>
#include <string.h>

#include "../common/util.h"

/* The provinces' codes (GB/T 2260): the first two digits of a region code;
 * 71, 81, 82 and 83 are Taiwan's, Hong Kong's and Macao's residents. */
static const char *const provinces[] = {
	"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34",
	"35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52",
	"53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83",
};

/* Whether the first n characters of s are digits, or capital letters. */
static bool
all_digits(const char *s, size_t n)
{
	return strspn(s, "0123456789") >= n;
}

static bool
all_letters(const char *s, size_t n)
{
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") >= n;
}

char
rule_id_check_char(const char *d)
{
	/* ISO 7064 MOD 11-2: weight 2^(17-i) mod 11 for the i-th digit. */
	static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8,
	    4, 2 };
	int sum = 0, c;

	for (int i = 0; i < 17; i++)
		sum += (d[i] - '0') * w[i];
	c = (12 - sum % 11) % 11;
	return c == 10 ? 'X' : (char)('0' + c);
}

/* YYYYMMDD at s (8 digits): a real date from 1900 to today? */
static bool
birth_date_ok(const char *s, int today_ymd)
{
	char ymd[9];
	int v;

	memcpy(ymd, s, 8);
	ymd[8] = '\0';
	v = ymd_parse(ymd);
	return v >= 19000101 && v <= today_ymd;
}

/* An 18-character number of the resident card's pattern; kind names it. */
static bool
gb11643_ok(const char *n, int today_ymd, const char *kind, char *why,
    size_t len)
{
	bool province = false;
	char want;

	if (strlen(n) != 18 || !all_digits(n, 17) ||
	    !(all_digits(n + 17, 1) || n[17] == 'X')) {
		snprintf(why, len, "a %s number has 18 characters: 17 digits and a "
		    "check character (0-9 or X)", kind);
		return false;
	}
	for (size_t i = 0; i < sizeof(provinces) / sizeof(provinces[0]); i++)
		province = province || strncmp(n, provinces[i], 2) == 0;
	if (!province && n[0] != '9') {
		snprintf(why, len, "its region code does not start with a "
		    "province's code");
		return false;
	}
	if (!birth_date_ok(n + 6, today_ymd)) {
		snprintf(why, len, "its birth date (characters 7 to 14) is not a "
		    "real date up to today");
		return false;
	}
	if ((want = rule_id_check_char(n)) != n[17]) {
		snprintf(why, len, "its check character is wrong: mistyped?");
		return false;
	}
	return true;
}

bool
rule_id_check(enum id_type type, const char *n, int today_ymd, char *why,
    size_t len)
{
	size_t l = strlen(n);

	why[0] = '\0';
	switch (type) {
	case ID_RESIDENT_CARD:
		if (l == 18 && n[0] == '9') {
			snprintf(why, len, "a number starting with 9 is a foreigner's "
			    "permanent residence card, not a resident ID card");
			return false;
		}
		return gb11643_ok(n, today_ymd, "resident ID card", why, len);
	case ID_FOREIGN_PR:
		/* Since 2023: 18 characters on the resident card's pattern,
		 * starting with 9; before: 3 letters (the country) and 12 digits. */
		if (l == 15 && all_letters(n, 3) && all_digits(n + 3, 12))
			return true;
		if (l == 18 && n[0] == '9')
			return gb11643_ok(n, today_ymd, "permanent residence card",
			    why, len);
		snprintf(why, len, "a foreigner's permanent residence card number "
		    "is 18 characters starting with 9, or 3 letters and 12 digits");
		return false;
	case ID_HK_MACAO_PERMIT:
		/* H (Hong Kong) or M (Macao) and 8 digits; older cards 10. */
		if ((l == 9 || l == 11) && (n[0] == 'H' || n[0] == 'M') &&
		    all_digits(n + 1, l - 1))
			return true;
		snprintf(why, len, "a travel permit for Hong Kong and Macao "
		    "residents is H or M and 8 digits (10 on older cards)");
		return false;
	case ID_TAIWAN_PERMIT:
		/* 8 digits since 2015; older permits 10. */
		if ((l == 8 || l == 10) && all_digits(n, l))
			return true;
		snprintf(why, len, "a travel permit for Taiwan residents is 8 digits "
		    "(10 on older permits)");
		return false;
	case ID_PASSPORT:
		/* Chinese passports: E and 8 digits, or E, a letter and 7 digits;
		 * other countries' (older Chinese ones, G and 8 digits, among
		 * them) between 5 and 17 letters and digits, with a digit. */
		if (n[0] == 'E' && l == 9 &&
		    (all_digits(n + 1, 8) || (all_letters(n + 1, 1) &&
		    all_digits(n + 2, 7))))
			return true;
		if (n[0] == 'E' && l == 9) {
			snprintf(why, len, "a Chinese passport number is E and 8 "
			    "digits, or E, a letter and 7 digits");
			return false;
		}
		if (l >= 5 && l <= 17 && strpbrk(n, "0123456789") != NULL)
			return true;
		snprintf(why, len, "a passport number is 5 to 17 letters and digits, "
		    "with at least one digit");
		return false;
	default:
		return true;
	}
}
