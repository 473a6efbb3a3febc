/*
 * lobbyctl's front-desk replies shown: a record as "key: value" lines from
 * its table of fields, lists as tables of columns (the muster list also as
 * CSV), a visitor's pass and a shift handover in words.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../common/floors.h"
#include "../common/util.h"
#include "format.h"
#include "lobbyctl_int.h"
#include "desk_int.h"

enum ftype {
	F_STR,
	F_TIME,		/* ms, local time; 0 "-" */
	F_BOOL,		/* yes, no */
	F_NUM,
	F_DATE,		/* YYYYMMDD -> YYYY-MM-DD; 0 "" */
	F_FLOORS,	/* a list, or a mask of floors */
	F_ANY,		/* a string as it is, anything else as JSON */
	F_WORD,		/* a word of lobbyd's, in the user's language */
};

struct field {
	const char	*key;
	const char	*label;
	enum ftype	type;
};

static const struct field person_fields[] = {
	{ "id", N_("person"), F_NUM },		{ "name", N_("name"), F_STR },
	{ "kind", N_("kind"), F_WORD },		{ "status", N_("status"), F_WORD },
	{ "id_type", N_("ID type"), F_STR },	{ "id_mask", N_("ID number"), F_STR },
	{ "company", N_("company"), F_STR },	{ "unit", N_("unit"), F_STR },
	{ "schedule", N_("schedule"), F_STR },	{ "created_ms", N_("created"), F_TIME },
	{ "created_by", N_("created by"), F_STR },	{ "purged", N_("purged"), F_BOOL },
};

static const struct field pass_fields[] = {
	{ "id", N_("pass"), F_NUM },		{ "person", N_("person"), F_NUM },
	{ "name", N_("name"), F_STR },		{ "kind", N_("kind"), F_WORD },
	{ "state", N_("state"), F_WORD },		{ "credential", N_("credential"), F_STR },
	{ "code", N_("visitor code"), F_STR },
	{ "valid_from_ms", N_("valid from"), F_TIME },
	{ "valid_until_ms", N_("valid until"), F_TIME },
	{ "lanes", N_("lanes"), F_STR },		{ "floors", N_("floors"), F_FLOORS },
	{ "single_entry", N_("single entry"), F_BOOL }, { "used", N_("used"), F_BOOL },
	{ "permit", N_("permit"), F_NUM },		{ "issued_ms", N_("issued"), F_TIME },
	{ "issued_by", N_("issued by"), F_STR },
	{ "confirmed_ms", N_("confirmed"), F_TIME },
	{ "confirmed_by", N_("confirmed by"), F_STR },
	{ "ended_ms", N_("ended"), F_TIME },	{ "ended_by", N_("ended by"), F_STR },
	{ "end_reason", N_("end reason"), F_STR },	{ "class", N_("class"), F_STR },
	{ "host", N_("host"), F_STR },		{ "unit", N_("unit"), F_STR },
	{ "purpose", N_("purpose"), F_STR },	{ "party", N_("party"), F_NUM },
	{ "appointment", N_("appointment"), F_BOOL },
	{ "override_by", N_("override by"), F_STR },
	{ "id_mask", N_("ID number"), F_STR },	{ "watch", N_("watch list"), F_ANY },
	{ "notified", N_("host told"), F_STR },
};

static const struct field permit_fields[] = {
	{ "id", N_("permit"), F_NUM },		{ "unit", N_("unit"), F_STR },
	{ "company", N_("company"), F_STR },	{ "from", N_("from"), F_DATE },
	{ "until", N_("until"), F_DATE },		{ "days", N_("days"), F_ANY },
	{ "hours", N_("hours"), F_STR },		{ "floor", N_("floor"), F_NUM },
	{ "fees_paid", N_("fees paid"), F_BOOL },	{ "state", N_("state"), F_WORD },
	{ "passes", N_("live passes"), F_NUM },
	{ "passes_ended", N_("passes ended"), F_NUM },
	{ "created_ms", N_("created"), F_TIME },	{ "created_by", N_("created by"), F_STR },
	{ "updated_ms", N_("updated"), F_TIME },	{ "updated_by", N_("updated by"), F_STR },
};

static const struct field watch_fields[] = {
	{ "id", N_("watch list entry"), F_NUM },	{ "id_type", N_("ID type"), F_STR },
	{ "id_mask", N_("ID number"), F_STR },	{ "name", N_("name"), F_STR },
	{ "note", N_("note"), F_STR },		{ "added_ms", N_("added"), F_TIME },
	{ "added_by", N_("added by"), F_STR },
};

#define NF(a)	((int)(sizeof(a) / sizeof(a[0])))

/* One field of o in words, in buf or a string of o's. */
static const char *
field_text(struct json_object *o, const char *key, enum ftype type, char *buf,
    size_t len)
{
	struct json_object *v = show_jval(o, key);
	uint64_t floors;
	int64_t n;

	if (v == NULL)
		return type == F_TIME ? "-" : "";
	switch (type) {
	case F_TIME:
		fmt_time(json_object_get_int64(v), buf, len);
		return buf;
	case F_BOOL:
		return json_object_get_boolean(v) ? _("yes") : _("no");
	case F_NUM:
		snprintf(buf, len, "%lld", (long long)json_object_get_int64(v));
		return buf;
	case F_DATE:
		n = json_object_get_int64(v);
		if (n <= 0)
			return "";
		snprintf(buf, len, "%04lld-%02lld-%02lld", (long long)(n / 10000),
		    (long long)(n / 100 % 100), (long long)(n % 100));
		return buf;
	case F_FLOORS:
		if (json_object_is_type(v, json_type_int)) {
			floors = (uint64_t)json_object_get_int64(v);
			floors_str_runs(floors, buf, len);
			return buf;
		}
		/* FALLTHROUGH */
	case F_WORD:
		return show_word(show_jstr(o, key));
	case F_STR:
	case F_ANY:
		if (json_object_is_type(v, json_type_string) || type == F_STR)
			return show_jstr(o, key);
		snprintf(buf, len, "%s", json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		return buf;
	}
	return "";
}

#define KV_MAX		48
#define CELL_LEN	1100	/* a handover's text, a purpose */

/* "key: value" lines for every field lobbyd sent: those in f first, in
   their order, then any other ones but lists, as sent. */
static int
print_record(const struct field *f, int nf, struct json_object *o)
{
	const char *keys[KV_MAX], *vals[KV_MAX];
	char (*buf)[CELL_LEN] = calloc(KV_MAX, CELL_LEN);
	char (*kbuf)[64] = calloc(KV_MAX, 64);
	int n = 0;

	if (buf == NULL || kbuf == NULL) {
		free(buf);
		free(kbuf);
		lobbyctl_say(_("out of memory"));
		return EXIT_REFUSED;
	}
	for (int i = 0; i < nf && n < KV_MAX; i++) {
		if (!json_object_object_get_ex(o, f[i].key, NULL))
			continue;
		keys[n] = _(f[i].label);
		vals[n] = field_text(o, f[i].key, f[i].type, buf[n], CELL_LEN);
		n++;
	}
	json_object_object_foreach(o, key, val) {
		size_t kl = strlen(key);
		int i;
		bool ms = kl > 3 && strcmp(key + kl - 3, "_ms") == 0;

		for (i = 0; i < nf && strcmp(f[i].key, key) != 0; i++)
			;
		if (i < nf || n == KV_MAX || (val != NULL &&
		    (json_object_is_type(val, json_type_array) ||
		    json_object_is_type(val, json_type_object))))
			continue;
		snprintf(kbuf[n], 64, "%.*s", (int)(ms ? kl - 3 : kl), key);
		for (char *c = kbuf[n]; *c != '\0'; c++)
			if (*c == '_')
				*c = ' ';
		keys[n] = kbuf[n];
		vals[n] = field_text(o, key, ms ? F_TIME : F_ANY, buf[n], CELL_LEN);
		n++;
	}
	fmt_kv_print(keys, vals, n, stdout);
	free(buf);
	free(kbuf);
	return 0;
}

/* A column of a list: the heading, the field, how it is shown. */
struct dcol {
	struct fmt_col	col;
	const char	*key;
	enum ftype	type;
	bool		lines;	/* each line of the text on a row of its own */
};

/* h: a heading, shown through _() (xgettext --keyword=COL:1). */
#define COL(h, k, t, max, right)	{ { h, 0, max, right }, k, t, false }

static const struct dcol pass_cols[] = {
	COL("ID", "id", F_NUM, 0, true),
	COL("NAME", "name", F_STR, 32, false),
	COL("KIND", "kind", F_WORD, 0, false),
	COL("STATE", "state", F_WORD, 0, false),
	COL("FROM", "valid_from_ms", F_TIME, 0, false),
	COL("UNTIL", "valid_until_ms", F_TIME, 0, false),
	COL("CREDENTIAL", "credential", F_STR, 0, false),
	COL("HOST", "host", F_STR, 24, false),
	COL("UNIT", "unit", F_STR, 0, false),
};

static const struct dcol person_cols[] = {
	COL("ID", "id", F_NUM, 0, true),
	COL("NAME", "name", F_STR, 32, false),
	COL("KIND", "kind", F_WORD, 0, false),
	COL("STATUS", "status", F_WORD, 0, false),
	COL("DOCUMENT", "id_mask", F_STR, 0, false),
	COL("COMPANY", "company", F_STR, 24, false),
	COL("UNIT", "unit", F_STR, 0, false),
	COL("SCHEDULE", "schedule", F_STR, 0, false),
};

static const struct dcol permit_cols[] = {
	COL("ID", "id", F_NUM, 0, true),
	COL("UNIT", "unit", F_STR, 0, false),
	COL("COMPANY", "company", F_STR, 24, false),
	COL("FROM", "from", F_DATE, 0, false),
	COL("UNTIL", "until", F_DATE, 0, false),
	COL("DAYS", "days", F_ANY, 0, false),
	COL("HOURS", "hours", F_STR, 0, false),
	COL("FLOOR", "floor", F_NUM, 0, true),
	COL("PAID", "fees_paid", F_BOOL, 0, false),
	COL("STATE", "state", F_WORD, 0, false),
	COL("PASSES", "passes", F_NUM, 0, true),
};

static const struct dcol watch_cols[] = {
	COL("ID", "id", F_NUM, 0, true),
	COL("TYPE", "id_type", F_STR, 0, false),
	COL("NUMBER", "id_mask", F_STR, 0, false),
	COL("NAME", "name", F_STR, 32, false),
	COL("NOTE", "note", F_STR, 48, false),
	COL("ADDED", "added_ms", F_TIME, 0, false),
	COL("BY", "added_by", F_STR, 16, false),
};

/* The muster list; --csv has the same columns. */
static const struct dcol inside_cols[] = {
	COL("NAME", "name", F_STR, 32, false),
	COL("KIND", "kind", F_STR, 0, false),
	COL("ID", "id_mask", F_STR, 0, false),
	COL("UNIT", "unit", F_STR, 0, false),
	COL("ZONE", "zone", F_STR, 0, false),
	COL("SINCE", "since_ms", F_TIME, 0, false),
	COL("LANE", "lane", F_STR, 0, false),
};

static const struct dcol shift_cols[] = {
	COL("TIME", "ts_ms", F_TIME, 0, false),
	COL("BY", "actor", F_STR, 16, false),
	COL("KIND", "kind", F_STR, 0, false),
	{ { N_("TEXT"), 0, 100, false }, "text", F_STR, true },
};

#define NCOLS_MAX	12

static int
bad_list(void)
{
	lobbyctl_say(_("bad reply from lobbyd: \"data\" is not a list of objects"));
	return EXIT_REFUSED;
}

/* Adds the cells of o, and for a "lines" column a row for each more line. */
static int
add_rows(struct fmt_table *t, const struct dcol *c, int nc,
    struct json_object *o)
{
	char (*buf)[CELL_LEN] = calloc((size_t)nc, CELL_LEN);
	const char *cells[NCOLS_MAX] = { 0 };
	char *text = NULL, *line, *save = NULL;
	int rc = 0, lc = -1;

	if (buf == NULL)
		return -1;
	for (int i = 0; i < nc; i++) {
		cells[i] = field_text(o, c[i].key, c[i].type, buf[i], CELL_LEN);
		if (c[i].lines && strchr(cells[i], '\n') != NULL)
			lc = i;
	}
	if (lc == -1) {
		rc = fmt_table_add(t, cells);
		goto out_free;
	}
	if ((text = strdup(cells[lc])) == NULL) {
		rc = -1;
		goto out_free;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL && rc == 0;
	    line = strtok_r(NULL, "\n", &save)) {
		cells[lc] = line;
		rc = fmt_table_add(t, cells);
		for (int i = 0; i < nc; i++)
			if (i != lc)
				cells[i] = NULL;
	}
	free(text);
out_free:
	free(buf);
	return rc;
}

/* A table of the objects in a; none when there are none. */
static int
print_list(const struct dcol *c, int nc, struct json_object *a,
    const char *none)
{
	struct fmt_col cols[NCOLS_MAX];
	struct fmt_table *t;
	size_t n;

	if (a == NULL || !json_object_is_type(a, json_type_array))
		return bad_list();
	if ((n = json_object_array_length(a)) == 0) {
		printf("%s\n", none);
		return 0;
	}
	for (int i = 0; i < nc; i++)
		cols[i] = c[i].col;
	if ((t = fmt_table_new(cols, nc)) == NULL)
		goto out_oom;
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(a, i);

		if (o == NULL || !json_object_is_type(o, json_type_object)) {
			fmt_table_free(t);
			return bad_list();
		}
		if (add_rows(t, c, nc, o) == -1) {
			fmt_table_free(t);
			goto out_oom;
		}
	}
	fmt_table_print(t, stdout);
	fmt_table_free(t);
	return 0;
out_oom:
	lobbyctl_say(_("out of memory"));
	return EXIT_REFUSED;
}

/* The objects of a as CSV (RFC 4180): a header line, CRLF line ends. */
static int
print_csv(const struct dcol *c, int nc, struct json_object *a)
{
	char buf[CELL_LEN], *field;
	size_t n;

	if (a == NULL || !json_object_is_type(a, json_type_array))
		return bad_list();
	n = json_object_array_length(a);
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(a, i);

		if (o == NULL || !json_object_is_type(o, json_type_object))
			return bad_list();
	}
	for (int i = 0; i < nc; i++)
		printf("%s%s", i > 0 ? "," : "", c[i].col.name);
	fputs("\r\n", stdout);
	for (size_t r = 0; r < n; r++) {
		struct json_object *o = json_object_array_get_idx(a, r);

		for (int i = 0; i < nc; i++) {
			field = fmt_csv_field(field_text(o, c[i].key, c[i].type,
			    buf, sizeof(buf)));
			if (field == NULL) {
				lobbyctl_say(_("out of memory"));
				return EXIT_REFUSED;
			}
			printf("%s%s", i > 0 ? "," : "", field);
			free(field);
		}
		fputs("\r\n", stdout);
	}
	return 0;
}

static int
show_visitor(struct json_object *d)
{
	const char *keys[6], *vals[6];
	char until[FMT_TIME_LEN], code[80], host[140];
	char *name = fmt_clean(show_jstr(d, "name"), 64);
	char *state = fmt_clean(show_word(show_jstr(d, "state")), 32);
	long long id = (long long)show_jint(d, "id");
	int n = 0;

	printf(_("visitor pass %lld for %s: %s\n"), id, name != NULL ? name : "",
	    state != NULL ? state : "");
	if (strcmp(show_jstr(d, "state"), "pending") == 0)
		printf(_("waiting for the host's confirmation: lobbyctl visitor "
		    "confirm %lld\n"), id);
	free(name);
	free(state);
	if (show_jbool(d, "returning"))
		printf("returning visitor, %lld earlier visit%s\n",
		    (long long)show_jint(d, "earlier_visits"),
		    show_jint(d, "earlier_visits") == 1 ? "" : "s");
	if (show_jstr(d, "code")[0] != '\0') {
		snprintf(code, sizeof(code), _("%s (print it as a QR code)"),
		    show_jstr(d, "code"));
		keys[n] = _("visitor code");
		vals[n++] = code;
	} else {
		keys[n] = _("card");
		vals[n++] = show_jstr(d, "credential");
	}
	fmt_time(show_jint(d, "valid_until_ms"), until, sizeof(until));
	keys[n] = _("valid until");
	vals[n++] = until;
	snprintf(host, sizeof(host), _("%s, unit %s"), show_jstr(d, "host"),
	    show_jstr(d, "unit"));
	keys[n] = _("host");
	vals[n++] = host;
	if (show_jstr(d, "override_by")[0] != '\0') {
		keys[n] = _("override by");
		vals[n++] = show_jstr(d, "override_by");
	}
	if (show_jstr(d, "host_reason")[0] != '\0') {
		keys[n] = "host outside the directory";
		vals[n++] = show_jstr(d, "host_reason");
	}
	fmt_kv_print(keys, vals, n, stdout);
	return 0;
}

/* What the card read at a desk reader said (never its number, only the
 * mask lobbyd keeps). */
static int
show_idcard(struct json_object *d)
{
	const char *keys[12], *vals[12];
	char when[32], doc[64], valid[48];
	size_t n = 0;

	if (!show_jbool(d, "read")) {
		printf(_("no identity card read at %s in the last 10 minutes\n"),
		    show_jstr(d, "reader"));
		return 0;
	}
	fmt_time(show_jint(d, "read_ms"), when, sizeof(when));
	if (!show_jbool(d, "ok")) {
		printf(_("the last read at %s (%s) failed: %s\n"),
		    show_jstr(d, "reader"), when, show_jstr(d, "error"));
		return 0;
	}
	keys[n] = _("read at"), vals[n++] = when;
	keys[n] = _("name"), vals[n++] = show_jstr(d, "name");
	keys[n] = _("sex"), vals[n++] = show_word(show_jstr(d, "sex"));
	keys[n] = _("born"), vals[n++] = show_jstr(d, "birth");
	snprintf(doc, sizeof(doc), "%s %s", show_word(show_jstr(d, "id_type")),
	    show_jstr(d, "id_mask"));
	keys[n] = _("document"), vals[n++] = doc;
	snprintf(valid, sizeof(valid), "%s%s", show_jstr(d, "valid_until"),
	    show_jbool(d, "expired") ? _(" (EXPIRED)") : "");
	keys[n] = _("valid until"), vals[n++] = valid;
	keys[n] = _("number"), vals[n++] = show_jbool(d, "number_ok") ? _("valid") :
	    show_jstr(d, "number_problem");
	fmt_kv_print(keys, vals, n, stdout);
	if (!show_jbool(d, "number_ok") || show_jbool(d, "expired"))
		printf(_("registering this visitor needs a manager's --override\n"));
	return 0;
}

/* visitor find: the person met before, and their last visits. */
static int
show_visits(struct json_object *d)
{
	static const struct fmt_col cols[] = { { "DATE", 0, 0, false },
	    { "HOST", 0, 30, false }, { "UNIT", 0, 0, false },
	    { "PURPOSE", 0, 40, false }, { "CLASS", 0, 0, false },
	    { "PASS", 0, 0, true } };
	struct json_object *p = show_jval(d, "person"), *last = show_jval(d, "last");
	struct fmt_table *t;
	char *name;

	if (!show_jbool(d, "found") || p == NULL) {
		printf("not found: no visitor on record with that %s\n",
		    "document, or that name and phone");
		return 0;
	}
	name = fmt_clean(show_jstr(p, "name"), 64);
	printf("person %lld: %s, %s%s%s; %lld visit%s on record\n",
	    (long long)show_jint(p, "id"), name != NULL ? name : "",
	    show_jstr(p, "id_mask")[0] ? show_jstr(p, "id_mask") : "no ID",
	    show_jstr(p, "phone")[0] ? ", phone " : "", show_jstr(p, "phone"),
	    (long long)show_jint(d, "visits"), show_jint(d, "visits") == 1 ? "" : "s");
	free(name);
	if (strcmp(show_jstr(p, "status"), "active") != 0)
		printf("status: %s\n", show_jstr(p, "status"));
	if ((t = fmt_table_new(cols, NF(cols))) == NULL)
		return EXIT_REFUSED;
	for (size_t i = 0; last != NULL && json_object_is_type(last, json_type_array) &&
	    i < json_object_array_length(last); i++) {
		struct json_object *v = json_object_array_get_idx(last, i);
		char date[FMT_TIME_LEN], pass[24];
		const char *cells[6] = { date, show_jstr(v, "host"), show_jstr(v, "unit"),
		    show_jstr(v, "purpose"), show_jstr(v, "class"), pass };

		fmt_time(show_jint(v, "date_ms"), date, sizeof(date));
		snprintf(pass, sizeof(pass), "%lld", (long long)show_jint(v, "pass"));
		fmt_table_add(t, cells);
	}
	fmt_table_print(t, stdout);
	fmt_table_free(t);
	return 0;
}

/* The open items of a handover, one a line. */
static void
show_handover(struct json_object *d)
{
	char *text = strdup(show_jstr(d, "text")), *line, *save = NULL;
	int n = 0;

	printf(_("handover recorded (shift log %lld)\n"),
	    (long long)show_jint(d, "id"));
	if (text == NULL)
		return;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *clean = fmt_clean(line, 0);

		if (n++ == 0)
			printf(_("open items:\n"));
		printf("  %s\n", clean != NULL ? clean : "");
		free(clean);
	}
	if (n == 0)
		printf(_("no open items\n"));
	free(text);
}

int
desk_show(const struct desk_cmd *dc, bool json, bool csv,
    struct json_object *data)
{
	bool list = dc->shape == S_PEOPLE || dc->shape == S_PASSES ||
	    dc->shape == S_PERMITS || dc->shape == S_WATCHES ||
	    dc->shape == S_INSIDE || dc->shape == S_SHIFTS;
	struct json_object *passes = NULL;
	int rc;

	if (data == NULL || !json_object_is_type(data, list ? json_type_array :
	    json_type_object)) {
		lobbyctl_say("%s", list ?
		    _("bad reply from lobbyd: \"data\" is not a list") :
		    _("bad reply from lobbyd: \"data\" is not an object"));
		return EXIT_REFUSED;
	}
	if (json) {
		show_json(data);
		return 0;
	}
	switch (dc->shape) {
	case S_PERSON:
		return print_record(person_fields, NF(person_fields), data);
	case S_PERSON_FULL:
		if ((rc = print_record(person_fields, NF(person_fields),
		    data)) != 0)
			return rc;
		if (!json_object_object_get_ex(data, "passes", &passes))
			return 0;
		printf(_("\npasses:\n"));
		return print_list(pass_cols, NF(pass_cols), passes, _("  none"));
	case S_PEOPLE:
		return print_list(person_cols, NF(person_cols), data, _("no people"));
	case S_PASS:
		return print_record(pass_fields, NF(pass_fields), data);
	case S_PASSES:
		return print_list(pass_cols, NF(pass_cols), data,
		    dc->name[0] == 'v' ? _("no visitors") : _("no passes"));
	case S_VISITOR:
		return show_visitor(data);
	case S_VISITS:
		return show_visits(data);
	case S_PERMIT:
		return print_record(permit_fields, NF(permit_fields), data);
	case S_PERMITS:
		return print_list(permit_cols, NF(permit_cols), data, _("no permits"));
	case S_WATCH:
		return print_record(watch_fields, NF(watch_fields), data);
	case S_WATCHES:
		return print_list(watch_cols, NF(watch_cols), data,
		    _("the watch list is empty"));
	case S_REMOVED:
		printf(_("removed watch list entry %lld\n"),
		    (long long)show_jint(data, "id"));
		return 0;
	case S_INSIDE:
		if (csv)
			return print_csv(inside_cols, NF(inside_cols), data);
		return print_list(inside_cols, NF(inside_cols), data,
		    _("nobody inside"));
	case S_SHIFT:
		printf(_("noted in the shift log (%lld)\n"),
		    (long long)show_jint(data, "id"));
		return 0;
	case S_HANDOVER:
		show_handover(data);
		return 0;
	case S_SHIFTS:
		return print_list(shift_cols, NF(shift_cols), data,
		    _("nothing in the shift log"));
	case S_IDCARD:
		return show_idcard(data);
	case S_RAISED:
		printf(_("%s alert raised for %s: %s\n"),
		    show_word(show_jstr(data, "severity")),
		    show_jstr(data, "audience"), show_jstr(data, "message"));
		return 0;
	}
	return 0;
}
