/*
 * Floor sets: parsing "1,3-5" and writing a set back the same way.
 */
#include "floors.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A floor number at *p (0..FLOORS_TOP), p moved past it; -1 if none. */
static int
floor_num(const char **p)
{
	int v = 0, n = 0;

	while (isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		(*p)++;
		if (++n > 3)
			return -1;
	}
	return n == 0 || v > FLOORS_TOP ? -1 : v;
}

static void
skip_blanks(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

int
floors_parse(const char *s, uint64_t *mask, char *err, size_t errlen)
{
	const char *p = s;
	uint64_t m = 0;
	int a, b;

	for (;;) {
		skip_blanks(&p);
		if ((a = floor_num(&p)) < 0)
			goto bad;
		b = a;
		skip_blanks(&p);
		if (*p == '-') {
			p++;
			skip_blanks(&p);
			if ((b = floor_num(&p)) < 0)
				goto bad;
			if (b < a) {
				snprintf(err, errlen, "floors \"%s\": range %d-%d "
				    "runs backwards", s, a, b);
				return -1;
			}
			skip_blanks(&p);
		}
		for (int f = a; f <= b; f++)
			m |= UINT64_C(1) << f;
		if (*p == '\0')
			break;
		if (*p != ',')
			goto bad;
		p++;
	}
	*mask = m;
	return 0;
bad:
	snprintf(err, errlen, "floors \"%s\": expected floor numbers 0..%d and "
	    "ranges, e.g. \"1,3-5\"", s, FLOORS_TOP);
	return -1;
}

/* The set in buf: a run of at least min_run floors as a range "a-b", a
   shorter one floor by floor. */
static void
floors_write(uint64_t mask, int min_run, char *buf, size_t len)
{
	size_t off = 0;
	int f = 0, end;

	if (len == 0)
		return;
	buf[0] = '\0';
	while (f <= FLOORS_TOP) {
		if (!(mask >> f & 1)) {
			f++;
			continue;
		}
		for (end = f; end < FLOORS_TOP && (mask >> (end + 1) & 1); end++)
			;
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%d",
			    off > 0 ? "," : "", f);
		if (end > f && off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%d",
			    end - f + 1 >= min_run ? "-" : ",", end);
		f = end + 1;
	}
}

void
floors_str(uint64_t mask, char *buf, size_t len)
{
	floors_write(mask, 3, buf, len);
}

void
floors_str_runs(uint64_t mask, char *buf, size_t len)
{
	floors_write(mask, 2, buf, len);
}
