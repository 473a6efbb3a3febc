/*
 * Inside lobbyctl's showing of replies (show.c, show_elev.c, show_icom.c):
 * a list lobbyd sent as a table, one row built from each of its objects.
 */
#ifndef LOBBYCTL_SHOW_TABLE_H
#define LOBBYCTL_SHOW_TABLE_H

#include <json-c/json.h>

#include "format.h"

/* One row of a table, with room for the text its cells are made of. */
#define SHOW_ROW_MAX	10
struct show_row {
	const char	*cell[SHOW_ROW_MAX];
	char		t1[FMT_TIME_LEN], t2[FMT_TIME_LEN];
	char		words[48];
	char		n1[24], n2[24], n3[24], n4[24];
	char		text[400];
};

/* Fills R's cells (cleared first) from object O of a list. */
typedef void show_row_fn(struct json_object *o, struct show_row *r);

/*
 * The objects of list DATA as a table of NCOLS columns COLS, a row of each
 * by ROW: the table (the caller frees it), or NULL after saying what was
 * wrong (DATA not a list, an item not an object, out of memory).
 */
struct fmt_table *show_table(struct json_object *data,
	    const struct fmt_col *cols, int ncols, show_row_fn *row);
/* The same table printed, or the line NONE when the list is empty: 0, or
 * EXIT_REFUSED after saying what was wrong. */
int	show_list(struct json_object *data, const struct fmt_col *cols,
	    int ncols, const char *none, show_row_fn *row);

#endif
