/*
 * Days, hours and floors as people write them, and back. Every parser reads
 * the whole string or refuses it, saying which part it could not read.
 */
#include "hours.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const day_names[7] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};

static int
day_index(const char *s, size_t n)
{
	for (int i = 0; i < 7; i++)
		if (n == 3 && strncmp(s, day_names[i], 3) == 0)
			return i;
	return -1;
}

/* Monday first, the way a week is written: mon=0 .. sun=6. */
static int
week_pos(int wday)
{
	return (wday + 6) % 7;
}

int
rule_days_parse(const char *s, uint8_t *days, char *err, size_t errlen)
{
	uint8_t d = 0;

	if (strcmp(s, "daily") == 0 || strcmp(s, "all") == 0) {
		*days = 0x7f;
		return 0;
	}
	while (*s != '\0') {
		size_t n = strcspn(s, ",");
		const char *dash = memchr(s, '-', n);
		int a, b;

		if (dash != NULL) {
			a = day_index(s, (size_t)(dash - s));
			b = day_index(dash + 1, n - (size_t)(dash - s) - 1);
		} else
			a = b = day_index(s, n);
		if (a < 0 || b < 0) {
			snprintf(err, errlen, "\"%.*s\" is not a day or a range of "
			    "days (mon, tue, ..., sun; mon-fri; daily)", (int)n, s);
			return -1;
		}
		for (int p = week_pos(a);; p = (p + 1) % 7) {
			d |= (uint8_t)(1u << ((p + 1) % 7));
			if (p == week_pos(b))
				break;
		}
		s += n;
		if (*s == ',' && *++s == '\0') {
			snprintf(err, errlen, "a day list may not end with a comma");
			return -1;
		}
	}
	if (d == 0) {
		snprintf(err, errlen, "no days given");
		return -1;
	}
	*days = d;
	return 0;
}

/* "HH:MM" at s (exactly 5 characters): minutes, or -1. */
static int
clock_minutes(const char *s)
{
	int h, m;

	if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
	    s[2] == ':' && s[3] >= '0' && s[3] <= '9' && s[4] >= '0' && s[4] <= '9'))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	return h * 60 + m;
}

int
rule_periods_parse(const char *s, struct rule_period *p, int max, int *np,
    char *err, size_t errlen)
{
	int n = 0;

	while (*s != '\0') {
		size_t len = strcspn(s, ",");
		int from, until;

		if (len != 11 || s[5] != '-' || (from = clock_minutes(s)) < 0 ||
		    (until = clock_minutes(s + 6)) < 0) {
			snprintf(err, errlen, "\"%.*s\" is not a period HH:MM-HH:MM",
			    (int)len, s);
			return -1;
		}
		if (from >= until) {
			snprintf(err, errlen, "\"%.*s\" ends before it starts",
			    (int)len, s);
			return -1;
		}
		if (n > 0 && from < p[n - 1].until) {
			snprintf(err, errlen, "\"%.*s\" overlaps or comes before the "
			    "period before it", (int)len, s);
			return -1;
		}
		if (n == max) {
			snprintf(err, errlen, "more than %d periods", max);
			return -1;
		}
		p[n].from = (int16_t)from;
		p[n].until = (int16_t)until;
		n++;
		s += len;
		if (*s == ',' && *++s == '\0') {
			snprintf(err, errlen, "a period list may not end with a comma");
			return -1;
		}
	}
	*np = n;
	return 0;
}

/* A floor number at *s (advanced): 0..63, or -1. */
static int
floor_num(const char **s)
{
	int v = 0, digits = 0;

	while (**s >= '0' && **s <= '9' && digits < 3) {
		v = v * 10 + (**s - '0');
		(*s)++;
		digits++;
	}
	return digits == 0 || v > 63 ? -1 : v;
}

int
rule_floors_parse(const char *s, uint64_t *floors, char *err, size_t errlen)
{
	const char *start = s;
	uint64_t f = 0;

	if (*s == '\0') {
		snprintf(err, errlen, "no floors given");
		return -1;
	}
	while (*s != '\0') {
		const char *item = s;
		int a = floor_num(&s), b = a;

		if (a >= 0 && *s == '-') {
			s++;
			b = floor_num(&s);
		}
		if (a < 0 || b < 0 || b < a || (*s != ',' && *s != '\0')) {
			snprintf(err, errlen, "\"%s\": cannot read floors at \"%.*s\" "
			    "(floors 0..63: \"3\", \"5-7\", \"3,5-7\")", start,
			    (int)strcspn(item, ","), item);
			return -1;
		}
		for (int i = a; i <= b; i++)
			f |= UINT64_C(1) << i;
		if (*s == ',' && *++s == '\0') {
			snprintf(err, errlen, "a floor list may not end with a comma");
			return -1;
		}
	}
	*floors = f;
	return 0;
}

void
rule_days_str(uint8_t days, char *out, size_t outlen)
{
	size_t n = 0;
	int p = 0;

	out[0] = '\0';
	if ((days & 0x7f) == 0x7f) {
		snprintf(out, outlen, "daily");
		return;
	}
	/* Runs in week order, Monday first. */
	while (p < 7) {
		int q = p;

		if (!(days & (1u << ((p + 1) % 7)))) {
			p++;
			continue;
		}
		while (q + 1 < 7 && (days & (1u << ((q + 2) % 7))))
			q++;
		n += (size_t)snprintf(out + n, n < outlen ? outlen - n : 0, "%s%s%s%s",
		    n ? "," : "", day_names[(p + 1) % 7], q > p ? "-" : "",
		    q > p ? day_names[(q + 1) % 7] : "");
		p = q + 1;
	}
}

void
rule_floors_str(uint64_t floors, char *out, size_t outlen)
{
	size_t n = 0;
	int i = 0;

	out[0] = '\0';
	while (i < 64) {
		int j = i;

		if (!(floors & (UINT64_C(1) << i))) {
			i++;
			continue;
		}
		while (j + 1 < 64 && (floors & (UINT64_C(1) << (j + 1))))
			j++;
		if (j > i)
			n += (size_t)snprintf(out + n, n < outlen ? outlen - n : 0,
			    "%s%d-%d", n ? "," : "", i, j);
		else
			n += (size_t)snprintf(out + n, n < outlen ? outlen - n : 0,
			    "%s%d", n ? "," : "", i);
		i = j + 1;
	}
}
