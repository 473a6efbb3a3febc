/*
 * lobbyctl card import FILE: a CSV card list (a header naming uid, holder
 * and any of from, until, floors, disabled) read twice: first every line is
 * checked, and every error is told as FILE:LINE: what, with nothing sent;
 * then the rows go to lobbyd in batches, which commits them in one
 * transaction (control/ctl_import.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "../control/ctl.h"
#include "../common/floors.h"
#include "../common/util.h"
#include "csv.h"
#include "format.h"
#include "lobbyctl_int.h"

#define IMP_COLS	6
#define IMP_BATCH_ROWS	500		/* control/ctl_import.c's limit */
#define IMP_BATCH_BYTES	(CTL_LINE_MAX - 8192)	/* room for the request */

enum { C_UID, C_HOLDER, C_FROM, C_UNTIL, C_FLOORS, C_DISABLED };
static const char *const col_names[IMP_COLS] = {
	"uid", "holder", "from", "until", "floors", "disabled"
};

struct imp {
	struct csv_in	in;
	int		ncols;
	int		col[IMP_COLS + 8];	/* header position -> C_*, -1 */
	int64_t		now;
};

/* One checked row, as card.import takes it. */
struct imp_row {
	char		uid[FMT_UID_MAX + 1];
	char		holder[64];
	int64_t		from, until;
	char		floors[FLOORS_STR_MAX];
	bool		enabled;
};

static int
imp_header(struct imp *im, char *buf)
{
	char *field[IMP_COLS + 8];
	bool seen[IMP_COLS] = { false };
	int n;

	if ((n = csv_header(&im->in, buf, field, IMP_COLS + 8,
	    _("empty file: a header (uid,holder,...) expected"))) < 0)
		return -1;
	im->ncols = n;
	for (int i = 0; i < n; i++) {
		const char *name = field[i] + strspn(field[i], " \t");
		int k = csv_column(name, " \t", col_names, IMP_COLS);

		if (k < 0) {
			csv_err(&im->in, _("unknown column \"%s\" (uid, holder, from, "
			    "until, floors, disabled)"), name);
			return -1;
		}
		if (seen[k]) {
			csv_err(&im->in, _("column %s twice"), col_names[k]);
			return -1;
		}
		seen[k] = true;
		im->col[i] = k;
	}
	if (!seen[C_UID] || !seen[C_HOLDER]) {
		csv_err(&im->in, _("the header needs the columns uid and holder"));
		return -1;
	}
	return 0;
}

/* One data line into *r; false after saying what was wrong. */
static bool
imp_row(struct imp *im, char *buf, struct imp_row *r)
{
	char *field[IMP_COLS + 8], err[160];
	const char *v[IMP_COLS] = { "", "", "", "", "", "" };
	uint64_t mask;
	int n;

	if ((n = csv_split(&im->in, buf, field, IMP_COLS + 8)) < 0)
		return false;
	if (n != im->ncols) {
		csv_err(&im->in, _("%d fields, the header has %d"), n, im->ncols);
		return false;
	}
	for (int i = 0; i < n; i++)
		v[im->col[i]] = field[i];
	memset(r, 0, sizeof(*r));
	if (fmt_uid_normalize(v[C_UID], r->uid) == -1) {
		char *clean = fmt_clean(v[C_UID], 40);	/* as a terminal shows it */

		csv_err(&im->in, _("uid \"%s\" is not %d to %d hex digits"),
		    clean != NULL ? clean : "", FMT_UID_MIN, FMT_UID_MAX);
		free(clean);
		return false;
	}
	if (v[C_HOLDER][0] == '\0' || !str_copy(r->holder, v[C_HOLDER],
	    sizeof(r->holder))) {
		csv_err(&im->in, _("holder of card %s: 1 to %zu bytes expected"), r->uid,
		    sizeof(r->holder) - 1);
		return false;
	}
	for (const char *p = r->holder; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			csv_err(&im->in, _("holder of card %s contains a control "
			    "character"), r->uid);
			return false;
		}
	}
	if (v[C_FROM][0] != '\0' &&
	    fmt_time_parse(v[C_FROM], im->now, FMT_T_START, &r->from) == -1) {
		csv_err(&im->in, _("from: cannot read \"%.40s\" as a time (YYYY-MM-DD "
		    "[HH:MM])"), v[C_FROM]);
		return false;
	}
	if (v[C_UNTIL][0] != '\0' &&
	    fmt_time_parse(v[C_UNTIL], im->now, FMT_T_END, &r->until) == -1) {
		csv_err(&im->in, _("until: cannot read \"%.40s\" as a time (YYYY-MM-DD "
		    "[HH:MM])"), v[C_UNTIL]);
		return false;
	}
	if (r->from != 0 && r->until != 0 && r->until <= r->from) {
		csv_err(&im->in, _("card %s: until must be after from"), r->uid);
		return false;
	}
	if (v[C_FLOORS][0] != '\0') {
		if (floors_parse(v[C_FLOORS], &mask, err, sizeof(err)) == -1) {
			csv_err(&im->in, _("floors: %s"), err);
			return false;
		}
		floors_str(mask, r->floors, sizeof(r->floors));	/* canonical */
	}
	if (strcasecmp(v[C_DISABLED], "") == 0 || strcasecmp(v[C_DISABLED], "no") == 0 ||
	    strcasecmp(v[C_DISABLED], "false") == 0 || strcmp(v[C_DISABLED], "0") == 0)
		r->enabled = true;
	else if (strcasecmp(v[C_DISABLED], "yes") == 0 ||
	    strcasecmp(v[C_DISABLED], "true") == 0 || strcmp(v[C_DISABLED], "1") == 0)
		r->enabled = false;
	else {
		csv_err(&im->in, _("disabled: \"%.20s\" is not yes or no"), v[C_DISABLED]);
		return false;
	}
	return true;
}

struct uid_line {
	char	uid[FMT_UID_MAX + 1];
	long	line;
};

static int
uid_line_cmp(const void *a, const void *b)
{
	const struct uid_line *x = a, *y = b;
	int c = strcmp(x->uid, y->uid);

	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

/* The first pass: every line checked, every uid once. Rows, or -1. */
static long
imp_check(struct imp *im)
{
	char buf[CSV_LINE_MAX];
	struct uid_line *ul = NULL;
	size_t n = 0, cap = 0;
	struct imp_row r;

	if (imp_header(im, buf) < 0)
		return -1;
	while (csv_read(&im->in, buf) != NULL) {
		if (!imp_row(im, buf, &r))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			struct uid_line *p = realloc(ul, ncap * sizeof(*p));

			if (p == NULL) {
				csv_err(&im->in, _("out of memory"));
				break;
			}
			ul = p;
			cap = ncap;
		}
		memcpy(ul[n].uid, r.uid, sizeof(r.uid));
		ul[n++].line = im->in.line;
	}
	if (n > 1) {
		qsort(ul, n, sizeof(*ul), uid_line_cmp);
		for (size_t i = 1; i < n; i++) {
			if (strcmp(ul[i].uid, ul[i - 1].uid) != 0)
				continue;
			im->in.line = ul[i].line;
			csv_err(&im->in, _("card %s again (first on line %ld)"), ul[i].uid,
			    ul[i - 1].line);
		}
	}
	free(ul);
	csv_err_untold(&im->in);
	return im->in.nerr > 0 ? -1 : (long)n;
}

int
import_send(struct conn *conn, const char *cmd, const char *name,
    json_object *rows, bool done, json_object **reply, json_object **data)
{
	json_object *req = json_object_new_object(), *args = json_object_new_object();
	int rc;

	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	json_object_object_add(args, "file", json_object_new_string(name));
	json_object_object_add(args, "rows", rows);
	json_object_object_add(args, "done", json_object_new_boolean(done));
	json_object_object_add(req, "args", args);
	rc = conn_request(conn, req, reply, data);
	json_object_put(req);
	return rc;
}

int
card_import(struct conn *conn, const char *path, bool json)
{
	struct imp im = { .in = { .path = path, .translate = true, .blank = " \t" },
	    .now = real_ms() };
	char buf[CSV_LINE_MAX];
	const char *base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	char name[64];		/* lobbyd names the import by it: 63 bytes */
	json_object *rows, *reply = NULL, *data = NULL;
	size_t bytes = 0;
	long total, sent = 0;
	int rc = 0;
	struct imp_row r;

	if (!str_copy(name, base, sizeof(name))) {
		/* Cut: at the start of the character the cut fell in. */
		size_t k = strlen(name);

		while (k > 0 && ((unsigned char)base[k] & 0xc0) == 0x80)
			k--;
		name[k] = '\0';
	}
	if ((im.in.f = fopen(path, "r")) == NULL) {
		lobbyctl_say("%s: %s", path, strerror(errno));
		return EXIT_USAGE;
	}
	if ((total = imp_check(&im)) < 0) {
		fclose(im.in.f);
		lobbyctl_say(_("%s: nothing imported"), path);
		return EXIT_USAGE;
	}
	rewind(im.in.f);
	im.in.line = 0;
	(void)imp_header(&im, buf);
	rows = json_object_new_array();
	while (rc == 0 && csv_read(&im.in, buf) != NULL && imp_row(&im, buf, &r)) {
		json_object *row = json_object_new_array();
		size_t len;

		json_object_array_add(row, json_object_new_int64(im.in.line));
		json_object_array_add(row, json_object_new_string(r.uid));
		json_object_array_add(row, json_object_new_string(r.holder));
		json_object_array_add(row, json_object_new_int64(r.from));
		json_object_array_add(row, json_object_new_int64(r.until));
		json_object_array_add(row, json_object_new_string(r.floors));
		json_object_array_add(row, json_object_new_boolean(r.enabled));
		len = strlen(json_object_to_json_string_ext(row,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) + 1;
		if (json_object_array_length(rows) == IMP_BATCH_ROWS ||
		    bytes + len > IMP_BATCH_BYTES) {
			rc = import_send(conn, "card.import", name, rows, false,
			    &reply, &data);
			json_object_put(reply);
			rows = json_object_new_array();
			bytes = 0;
		}
		json_object_array_add(rows, row);
		bytes += len;
		sent++;
	}
	fclose(im.in.f);
	if (rc == 0 && sent != total) {
		lobbyctl_say(_("%s changed while it was read; nothing imported"), path);
		json_object_put(rows);
		return EXIT_USAGE;	/* the connection's close drops the import */
	}
	if (rc != 0) {
		json_object_put(rows);
		return rc;
	}
	if ((rc = import_send(conn, "card.import", name, rows, true, &reply,
	    &data)) != 0)
		return rc;
	if (json)
		puts(json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN));
	else
		printf(_("imported %lld cards from %s%s\n"),
		    (long long)show_jint(data, "imported"), name,
		    show_jbool(data, "replaced") ? _(" (some replaced cards already "
		    "on the list)") : "");
	json_object_put(reply);
	return 0;
}
