/*
 * The pure parts of lobbyctl: reading times and card UIDs from the command
 * line, showing times in local time, event kinds in words, and laying out
 * aligned tables. No sockets, no clock reads: "now" is a parameter.
 */
#ifndef LOBBYCTL_FORMAT_H
#define LOBBYCTL_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What a time on the command line is for; it changes what is accepted. */
enum fmt_time_use {
	FMT_T_PAST,	/* --since: no "+2h" */
	FMT_T_START,	/* --from: also "+2h" (from now) */
	FMT_T_END,	/* --until: also "+2h"; a date alone means the end
			   of that day (the next midnight: valid while now < until) */
};

/*
 * Reads s as "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]", "YYYY-MM-DDTHH:MM[:SS]",
 * "HH:MM[:SS]" (today), "now", an age "30s", "15m", "2h", "3d" (that long
 * before now_ms) or, except for FMT_T_PAST, "+8h" (after now_ms). Calendar
 * forms are local time. 0 and *ms set, or -1 when s is none of these.
 */
int	fmt_time_parse(const char *s, int64_t now_ms, enum fmt_time_use use,
	    int64_t *ms);

/* "2026-11-23 18:02:03" in local time; "-" for ms <= 0. */
void	fmt_time(int64_t ms, char *buf, size_t len);
#define FMT_TIME_LEN	32
/* "2026-11-23T18:02:03.045+08:00": local time in ISO 8601, with the
   milliseconds and the offset from UTC then in force; "" for ms < 0. */
void	fmt_time_iso(int64_t ms, char *buf, size_t len);
#define FMT_TIME_ISO_LEN	40

/* A card UID as lobbyd stores it: 4..31 hex digits. */
#define FMT_UID_MIN	4
#define FMT_UID_MAX	31
bool	fmt_uid_is_valid(const char *s);
/* Copies s upper-cased into out (FMT_UID_MAX + 1 bytes); -1 if not valid. */
int	fmt_uid_normalize(const char *s, char out[FMT_UID_MAX + 1]);

/*
 * An event kind in words for the RESULT column: "passage" -> "passed",
 * "device_offline" -> "offline". A kind lobbyctl does not know is shown with
 * its underscores as spaces, written into buf; the return is buf or a
 * constant string.
 */
const char *fmt_kind_words(const char *kind, char *buf, size_t len);

/*
 * Columns on one screen width: the display width of UTF-8 text (East Asian
 * wide characters count two), with control characters and bad bytes shown
 * as '?', so nothing from the wire can move the terminal's cursor.
 */
int	fmt_width(const char *s);
/* True when s is well-formed UTF-8 with no control characters: what a name
   or a reason typed by an operator must be. */
bool	fmt_text_is_clean(const char *s);
/* s made safe to print and cut to max columns ("..." marks a cut; max 0:
   never cut). malloc'd; NULL when out of memory. */
char	*fmt_clean(const char *s, int max);

/* Tables: a header line, then rows, columns two spaces apart. */
struct fmt_col {
	const char	*name;	/* header */
	int		min;	/* width kept for rows still to come (fmt_table_widen) */
	int		max;	/* longer cells are cut to this; 0: never cut */
	bool		right;	/* numbers: aligned right */
};

struct fmt_table;

/* cols must outlive the table. NULL when out of memory. */
struct fmt_table *fmt_table_new(const struct fmt_col *cols, int ncols);
void	fmt_table_free(struct fmt_table *);
/* Copies one row of ncols cells (NULL: empty). 0, or -1 when out of memory. */
int	fmt_table_add(struct fmt_table *, const char *const *cells);
int	fmt_table_rows(const struct fmt_table *);
/* Widens every column to its min: for tables that will grow (--follow). */
void	fmt_table_widen(struct fmt_table *);
/* The header and the rows added so far; trailing blanks are not printed. */
void	fmt_table_print(struct fmt_table *, FILE *);
/* One more row in the widths the table has now (a wider cell pushes the
   rest of its line right). */
void	fmt_table_print_row(const struct fmt_table *, const char *const *cells,
	    FILE *);

/* Floors as the desk writes them: "3,5-7", floors 0..63 (bit n = floor n).
   0 and *mask set, or -1 when s is not such a list (empty, a floor out of
   range, a range backwards, stray characters). A mask is written back as
   the shortest such list by floors_str_runs() (common/floors.h), in
   FMT_FLOORS_LEN bytes. */
#define FMT_FLOOR_MAX	63
int	fmt_floors_parse(const char *s, uint64_t *mask);
#define FMT_FLOORS_LEN	160

/* A calendar date "YYYY-MM-DD" (a day the calendar has, years 1970..9999)
   as the integer YYYYMMDD; -1 when s is not one. */
int	fmt_date_parse(const char *s);
/* Weekdays "mon-fri", "sat,sun", "mon,wed-fri": days and ranges of
   mon..sun, in week order within a range. */
bool	fmt_days_are_valid(const char *s);
/* Periods of a day "08:00-12:00,14:00-18:00": each HH:MM-HH:MM, start
   before end, in order, not overlapping. */
bool	fmt_hours_are_valid(const char *s);

/* One CSV field (RFC 4180): quoted, with quotes doubled, when it holds a
   comma, a quote or a line break; control characters other than line
   breaks and bytes that are not UTF-8 shown as '?'. malloc'd; NULL when
   out of memory. */
char	*fmt_csv_field(const char *s);

/* "key: value" lines with the values aligned. */
void	fmt_kv_print(const char *const *keys, const char *const *values, int n,
	    FILE *);

#endif
