/*
 * lobbyctl's CSV files (card import, tenant import): one record a line,
 * RFC 4180 quotes, no line breaks inside a field. Every error is told as
 * FILE:LINE: what, the first CSV_ERRORS_MAX of them, and counted.
 */
#ifndef LOBBYCTL_CSV_H
#define LOBBYCTL_CSV_H

#include <stdbool.h>
#include <stdio.h>

#define CSV_LINE_MAX	4096		/* bytes a line, its line break included */
#define CSV_ERRORS_MAX	20		/* told before the rest are only counted */

struct csv_in {
	const char	*path;
	FILE		*f;
	long		line;		/* the line read last, from 1 */
	int		nerr;		/* told or not */
	/* How the file is read, set by the caller. */
	bool		translate;	/* the reader's messages through gettext */
	bool		text_only;	/* a line with control characters or
					   bytes that are not UTF-8: an error,
					   and skipped */
	const char	*blank;		/* a line of only these is skipped */
};

/* An error at in->line, counted; told when it is one of the first. */
void	csv_err(struct csv_in *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* "FILE: N more errors not shown" when there were more than were told. */
void	csv_err_untold(struct csv_in *);
/*
 * The next line that is not blank into buf (CSV_LINE_MAX bytes), its line
 * break and a spreadsheet's byte order mark gone: buf, or NULL at the end
 * or on an error (told).
 */
char	*csv_read(struct csv_in *, char *buf);
/* buf split in place into at most max fields: their number, or -1 (told). */
int	csv_split(struct csv_in *, char *buf, char **field, int max);
/* The first line read and split: as csv_split(); an empty file: -1 with
 * if_empty told. */
int	csv_header(struct csv_in *, char *buf, char **field, int max,
	    const char *if_empty);
/*
 * The index in names[n] of the header field name, its letter case and any
 * of pad after it aside; -1 when it names none of them.
 */
int	csv_column(const char *name, const char *pad, const char *const *names,
	    int n);

#endif
