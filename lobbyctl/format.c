/*
 * lobbyctl's pure pieces: times and card UIDs read from the command line,
 * times shown in local time, event kinds in words, and aligned tables whose
 * cells can never carry control characters to the terminal.
 */
#include "format.h"
#include "i18n.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../common/util.h"

#define MS_PER_S	1000LL
#define MS_PER_DAY	(86400LL * MS_PER_S)
#define AGE_MAX_MS	(36600LL * MS_PER_DAY)	/* about a hundred years */

/* Reads between lo and hi decimal digits at *p; advances *p. */
static bool
read_digits(const char **p, int lo, int hi, int *out)
{
	const char *s = *p;
	int n = 0, v = 0;

	while (n < hi && isdigit((unsigned char)s[n])) {
		v = v * 10 + (s[n] - '0');
		n++;
	}
	if (n < lo)
		return false;
	*p = s + n;
	*out = v;
	return true;
}

/* "HH:MM[:SS]" at *p, up to the end of the string. */
static bool
read_clock(const char *p, int *hour, int *min, int *sec)
{
	*sec = 0;
	if (!read_digits(&p, 1, 2, hour) || *p++ != ':' ||
	    !read_digits(&p, 2, 2, min))
		return false;
	if (*p == ':') {
		p++;
		if (!read_digits(&p, 2, 2, sec))
			return false;
	}
	return *p == '\0' && *hour <= 23 && *min <= 59 && *sec <= 59;
}

/* Local calendar time to ms; -1 for a day or time the calendar lacks
   (30 February, or an hour skipped by a daylight-saving change). */
static int
local_ms(int year, int mon, int mday, int hour, int min, int sec,
    int64_t *ms)
{
	struct tm tm = { .tm_year = year - 1900, .tm_mon = mon - 1,
	    .tm_mday = mday, .tm_hour = hour, .tm_min = min, .tm_sec = sec,
	    .tm_isdst = -1 };
	time_t t;

	if (year < 1970 || year > 9999 || mon < 1 || mon > 12 || mday < 1 ||
	    mday > 31)
		return -1;
	t = mktime(&tm);
	if (t == (time_t)-1 || tm.tm_year != year - 1900 ||
	    tm.tm_mon != mon - 1 || tm.tm_mday != mday || tm.tm_hour != hour ||
	    tm.tm_min != min)
		return -1;
	*ms = (int64_t)t * MS_PER_S;
	return 0;
}

/* "30s", "15m", "2h", "3d" after an optional sign already read. */
static int
read_age(const char *s, int64_t *ms)
{
	int64_t unit;
	int n;

	if (!read_digits(&s, 1, 6, &n))
		return -1;
	switch (s[0]) {
	case 's': unit = MS_PER_S; break;
	case 'm': unit = 60 * MS_PER_S; break;
	case 'h': unit = 3600 * MS_PER_S; break;
	case 'd': unit = MS_PER_DAY; break;
	default: return -1;
	}
	if (s[1] != '\0' || (int64_t)n * unit > AGE_MAX_MS)
		return -1;
	*ms = (int64_t)n * unit;
	return 0;
}

int
fmt_time_parse(const char *s, int64_t now_ms, enum fmt_time_use use,
    int64_t *ms)
{
	int year, mon, mday, hour = 0, min = 0, sec = 0;
	const char *p = s;
	int64_t age, t;

	if (s == NULL || s[0] == '\0')
		return -1;
	if (strcasecmp(s, "now") == 0) {
		*ms = now_ms;
		return 0;
	}
	if (s[0] == '+') {
		if (use == FMT_T_PAST || read_age(s + 1, &age) == -1)
			return -1;
		*ms = now_ms + age;
		return 0;
	}
	if (read_age(s, &age) == 0) {
		if (now_ms - age <= 0)
			return -1;
		*ms = now_ms - age;
		return 0;
	}
	if (strchr(s, '-') == NULL) {
		/* "HH:MM[:SS]": today. */
		time_t now_s = (time_t)(now_ms / MS_PER_S);
		struct tm today;

		if (!read_clock(s, &hour, &min, &sec) ||
		    localtime_r(&now_s, &today) == NULL)
			return -1;
		return local_ms(today.tm_year + 1900, today.tm_mon + 1,
		    today.tm_mday, hour, min, sec, ms);
	}
	if (!read_digits(&p, 4, 4, &year) || *p++ != '-' ||
	    !read_digits(&p, 1, 2, &mon) || *p++ != '-' ||
	    !read_digits(&p, 1, 2, &mday))
		return -1;
	if (*p == '\0') {
		if (local_ms(year, mon, mday, 0, 0, 0, &t) == -1)
			return -1;
		if (use == FMT_T_END) {
			/* The end of that day: the next midnight. mktime
			   carries 32 December over into January. */
			struct tm tm = { .tm_year = year - 1900,
			    .tm_mon = mon - 1, .tm_mday = mday + 1,
			    .tm_isdst = -1 };
			time_t next = mktime(&tm);

			if (next == (time_t)-1)
				return -1;
			t = (int64_t)next * MS_PER_S;
		}
		*ms = t;
		return 0;
	}
	if ((*p != ' ' && *p != 'T') || !read_clock(p + 1, &hour, &min, &sec))
		return -1;
	return local_ms(year, mon, mday, hour, min, sec, ms);
}

void
fmt_time(int64_t ms, char *buf, size_t len)
{
	time_t t;
	struct tm tm;

	if (ms <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	t = (time_t)(ms / MS_PER_S);
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "?");
}

void
fmt_time_iso(int64_t ms, char *buf, size_t len)
{
	time_t t;
	struct tm tm;
	char date[24];
	long off;

	if (ms < 0) {
		snprintf(buf, len, "%s", "");
		return;
	}
	t = (time_t)(ms / MS_PER_S);
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, len, "?");
		return;
	}
	off = tm.tm_gmtoff / 60;
	snprintf(buf, len, "%s.%03d%c%02ld:%02ld", date, (int)(ms % MS_PER_S),
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

bool
fmt_uid_is_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n < FMT_UID_MIN || n > FMT_UID_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

int
fmt_uid_normalize(const char *s, char out[FMT_UID_MAX + 1])
{
	size_t i;

	if (!fmt_uid_is_valid(s))
		return -1;
	for (i = 0; s[i] != '\0'; i++)
		out[i] = (char)toupper((unsigned char)s[i]);
	out[i] = '\0';
	return 0;
}

static const struct {
	const char	*kind;
	const char	*words;
} kind_words[] = {
	{ "access",		N_("access") },
	{ "passage",		N_("passed") },
	{ "no_passage",		N_("not passed") },
	{ "manual_open",	N_("manual open") },
	{ "device_offline",	N_("offline") },
	{ "device_online",	N_("online") },
	{ "fault",		N_("fault") },
	{ "fault_cleared",	N_("fault cleared") },
	{ "reader_reject",	N_("bad read") },
	{ "unexpected_passage",	N_("forced passage") },
	{ "worker_restart",	N_("link restart") },
	{ "card_added",		N_("card added") },
	{ "card_removed",	N_("card removed") },
	{ "lobbyd_start",	N_("lobbyd started") },
	{ "lobbyd_stop",	N_("lobbyd stopped") },
};

const char *
fmt_kind_words(const char *kind, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(kind_words) / sizeof(kind_words[0]); i++)
		if (strcmp(kind, kind_words[i].kind) == 0)
			return _(kind_words[i].words);
	if (len == 0)
		return "";
	for (i = 0; kind[i] != '\0' && i + 1 < len; i++)
		buf[i] = kind[i] == '_' ? ' ' : kind[i];
	buf[i] = '\0';
	return buf;
}

/*
 * One UTF-8 character at s: its code point and length, or 0 for a byte that
 * does not start a well-formed character (overlong forms, surrogates and
 * values past U+10FFFF included).
 */
static int
utf8_next(const unsigned char *s, uint32_t *cp)
{
	int n, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

/* Characters that must not reach a terminal: C0 and C1 controls, DEL, and
   the bidirectional overrides that make text read differently. */
static bool
is_unsafe(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0x2028 || c == 0x2029;
}

/* Columns a safe character takes: combining marks 0, East Asian wide 2. */
static int
char_width(uint32_t c)
{
	if ((c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200f) ||
	    c == 0xfeff)
		return 0;
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf &&
	    c != 0x303f) || (c >= 0xac00 && c <= 0xd7a3) ||
	    (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) ||
	    (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) ||
	    (c >= 0x1f300 && c <= 0x1f64f) || (c >= 0x1f900 && c <= 0x1f9ff) ||
	    (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

/* One character of s: bytes consumed, columns, and whether it is shown
   as '?' instead. */
static int
next_char(const char *s, int *cols, bool *replace)
{
	uint32_t c;
	int n = utf8_next((const unsigned char *)s, &c);

	if (n == 0 || is_unsafe(c)) {
		*cols = 1;
		*replace = true;
		return n == 0 ? 1 : n;
	}
	*cols = char_width(c);
	*replace = false;
	return n;
}

int
fmt_width(const char *s)
{
	int w = 0, cols;
	bool replace;

	while (*s != '\0') {
		s += next_char(s, &cols, &replace);
		w += cols;
	}
	return w;
}

bool
fmt_text_is_clean(const char *s)
{
	int cols;
	bool replace;

	while (*s != '\0') {
		s += next_char(s, &cols, &replace);
		if (replace)
			return false;
	}
	return true;
}

char *
fmt_clean(const char *s, int max)
{
	size_t len = strlen(s), o = 0;
	int room, w = 0, cols, n;
	bool replace, cut;
	char *out;

	if ((out = malloc(len + 4)) == NULL)
		return NULL;
	cut = max > 0 && fmt_width(s) > max;
	room = !cut ? -1 : max > 3 ? max - 3 : max;
	while (*s != '\0') {
		n = next_char(s, &cols, &replace);
		if (room >= 0 && w + cols > room)
			break;
		if (replace) {
			out[o++] = '?';
		} else {
			memcpy(out + o, s, (size_t)n);
			o += (size_t)n;
		}
		w += cols;
		s += n;
	}
	if (cut && max > 3) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

struct fmt_table {
	const struct fmt_col *cols;
	int		ncols;
	int		*width;
	char		**cells;	/* nrows * ncols, cleaned */
	int		nrows;
	int		cap;		/* rows */
};

struct fmt_table *
fmt_table_new(const struct fmt_col *cols, int ncols)
{
	struct fmt_table *t;
	int i;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->width = calloc((size_t)ncols, sizeof(int))) == NULL) {
		free(t);
		return NULL;
	}
	t->cols = cols;
	t->ncols = ncols;
	for (i = 0; i < ncols; i++)
		t->width[i] = fmt_width(_(cols[i].name));
	return t;
}

void
fmt_table_free(struct fmt_table *t)
{
	int i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->width);
	free(t);
}

int
fmt_table_add(struct fmt_table *t, const char *const *cells)
{
	char **row;
	int i, w;

	if (t->nrows == t->cap) {
		int cap = t->cap == 0 ? 16 : t->cap * 2;
		char **grown = realloc(t->cells,
		    (size_t)cap * (size_t)t->ncols * sizeof(char *));

		if (grown == NULL)
			return -1;
		t->cells = grown;
		t->cap = cap;
	}
	row = t->cells + (size_t)t->nrows * (size_t)t->ncols;
	for (i = 0; i < t->ncols; i++) {
		row[i] = fmt_clean(cells[i] != NULL ? cells[i] : "",
		    t->cols[i].max);
		if (row[i] == NULL)
			goto out_free_row;
	}
	for (i = 0; i < t->ncols; i++) {
		w = fmt_width(row[i]);
		if (w > t->width[i])
			t->width[i] = w;
	}
	t->nrows++;
	return 0;

out_free_row:
	while (i-- > 0)
		free(row[i]);
	return -1;
}

int
fmt_table_rows(const struct fmt_table *t)
{
	return t->nrows;
}

void
fmt_table_widen(struct fmt_table *t)
{
	int i;

	for (i = 0; i < t->ncols; i++)
		if (t->width[i] < t->cols[i].min)
			t->width[i] = t->cols[i].min;
}

/* Blanks are held back until text follows them, so no line ends in blanks. */
static void
print_line(const struct fmt_table *t, char *const *cells, FILE *f)
{
	int i, w, pad, pending = 0;

	for (i = 0; i < t->ncols; i++) {
		w = fmt_width(cells[i]);
		pad = t->width[i] > w ? t->width[i] - w : 0;
		if (i > 0)
			pending += 2;
		if (t->cols[i].right)
			pending += pad;
		if (cells[i][0] != '\0') {
			fprintf(f, "%*s%s", pending, "", cells[i]);
			pending = 0;
		}
		if (!t->cols[i].right)
			pending += pad;
	}
	fputc('\n', f);
}

void
fmt_table_print(struct fmt_table *t, FILE *f)
{
	char **head;
	int i;

	if ((head = calloc((size_t)t->ncols, sizeof(char *))) == NULL)
		return;
	for (i = 0; i < t->ncols; i++)
		head[i] = (char *)_(t->cols[i].name);
	print_line(t, head, f);
	free(head);
	for (i = 0; i < t->nrows; i++)
		print_line(t, t->cells + (size_t)i * (size_t)t->ncols, f);
}

void
fmt_table_print_row(const struct fmt_table *t, const char *const *cells,
    FILE *f)
{
	char **row;
	int i;

	if ((row = calloc((size_t)t->ncols, sizeof(char *))) == NULL)
		return;
	for (i = 0; i < t->ncols; i++)
		if ((row[i] = fmt_clean(cells[i] != NULL ? cells[i] : "",
		    t->cols[i].max)) == NULL)
			goto out_free_row;
	print_line(t, row, f);
out_free_row:
	for (i = 0; i < t->ncols; i++)
		free(row[i]);
	free(row);
}

void
fmt_kv_print(const char *const *keys, const char *const *values, int n,
    FILE *f)
{
	int i, w = 0, kw;
	char *v;

	for (i = 0; i < n; i++) {
		kw = fmt_width(keys[i]);
		if (kw > w)
			w = kw;
	}
	for (i = 0; i < n; i++) {
		if ((v = fmt_clean(values[i], 0)) == NULL)
			return;
		fprintf(f, "%s:%*s %s\n", keys[i], w - fmt_width(keys[i]), "",
		    v);
		free(v);
	}
}

int
fmt_floors_parse(const char *s, uint64_t *mask)
{
	uint64_t m = 0;
	int lo, hi;

	for (;;) {
		if (!read_digits(&s, 1, 2, &lo))
			return -1;
		hi = lo;
		if (*s == '-') {
			s++;
			if (!read_digits(&s, 1, 2, &hi))
				return -1;
		}
		if (lo > FMT_FLOOR_MAX || hi > FMT_FLOOR_MAX || hi < lo)
			return -1;
		for (int f = lo; f <= hi; f++)
			m |= UINT64_C(1) << f;
		if (*s == '\0')
			break;
		if (*s++ != ',')
			return -1;
	}
	*mask = m;
	return 0;
}

int
fmt_date_parse(const char *s)
{
	int y, m, d;

	if (strlen(s) != 10 || !read_digits(&s, 4, 4, &y) || *s++ != '-' ||
	    !read_digits(&s, 2, 2, &m) || *s++ != '-' ||
	    !read_digits(&s, 2, 2, &d) || *s != '\0')
		return -1;
	if (y < 1970 || !date_valid(y, m, d))
		return -1;
	return y * 10000 + m * 100 + d;
}

/* 0 (mon) .. 6 (sun) for the day name at *p, which is advanced; -1. */
static int
read_day(const char **p)
{
	static const char *const days[] = { "mon", "tue", "wed", "thu", "fri",
	    "sat", "sun" };

	for (int i = 0; i < 7; i++)
		if (strncasecmp(*p, days[i], 3) == 0) {
			*p += 3;
			return i;
		}
	return -1;
}

bool
fmt_days_are_valid(const char *s)
{
	int lo, hi;

	if (strcmp(s, "daily") == 0 || strcmp(s, "all") == 0)
		return true;
	for (;;) {
		if ((lo = read_day(&s)) == -1)
			return false;
		hi = lo;
		if (*s == '-') {
			s++;
			if ((hi = read_day(&s)) == -1 || hi < lo)
				return false;
		}
		if (*s == '\0')
			return true;
		if (*s++ != ',')
			return false;
	}
}

/* "HH:MM" at *p as minutes of the day, *p advanced; -1 when not one. */
static int
read_hhmm(const char **p)
{
	int h, m;

	if (!read_digits(p, 2, 2, &h) || **p != ':')
		return -1;
	(*p)++;
	if (!read_digits(p, 2, 2, &m) || h > 24 || m > 59 ||
	    (h == 24 && m != 0))
		return -1;
	return h * 60 + m;
}

bool
fmt_hours_are_valid(const char *s)
{
	int start, end, last = -1;

	for (;;) {
		if ((start = read_hhmm(&s)) == -1 || *s++ != '-' ||
		    (end = read_hhmm(&s)) == -1 || end <= start || start < last)
			return false;
		last = end;
		if (*s == '\0')
			return true;
		if (*s++ != ',')
			return false;
	}
}

char *
fmt_csv_field(const char *s)
{
	size_t len = strlen(s), o = 0;
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	char *out, *piece;
	const char *p = s, *nl;

	/* Every byte may double ('"'), plus the quotes and the NUL. */
	if ((out = malloc(2 * len + 3)) == NULL)
		return NULL;
	if (quote)
		out[o++] = '"';
	/* Line by line, so fmt_clean keeps the breaks and cleans the rest. */
	for (;;) {
		size_t n;
		char saved;

		nl = p + strcspn(p, "\r\n");
		n = (size_t)(nl - p);
		saved = *nl;
		piece = strndup(p, n);
		if (piece == NULL) {
			free(out);
			return NULL;
		}
		{
			char *clean = fmt_clean(piece, 0);

			free(piece);
			if (clean == NULL) {
				free(out);
				return NULL;
			}
			for (char *c = clean; *c != '\0'; c++) {
				if (*c == '"')
					out[o++] = '"';
				out[o++] = *c;
			}
			free(clean);
		}
		if (saved == '\0')
			break;
		out[o++] = saved;
		p = nl + 1;
	}
	if (quote)
		out[o++] = '"';
	out[o] = '\0';
	return out;
}
