/*
 * How lobbyctl shows the elevator replies: every controller and its car,
 * and the freight-elevator bookings.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../common/util.h"
#include "format.h"
#include "lobbyctl_int.h"

static const struct fmt_col elev_cols[] = {
	{ "NAME",	0, 24, false },
	{ "ONLINE",	0, 0,  false },
	{ "FLOOR",	0, 0,  true },
	{ "DIRECTION",	0, 0,  false },
	{ "DOOR",	0, 0,  false },
	{ "MODE",	0, 0,  false },
	{ "FAULT",	0, 0,  true },
	{ "TRAPPED",	0, 0,  false },
	{ "READERS",	0, 40, false },
	{ "REASON",	0, 60, false },
};
#define ELEV_NCOLS	(int)(sizeof(elev_cols) / sizeof(elev_cols[0]))

static const struct fmt_col booking_cols[] = {
	{ "ID",		0, 0,  true },
	{ "ELEVATOR",	0, 24, false },
	{ "UNIT",	0, 24, false },
	{ "CARD",	0, 31, false },
	{ "FROM",	0, 0,  false },
	{ "UNTIL",	0, 0,  false },
	{ "STATE",	0, 0,  false },
	{ "BY",		0, 16, false },
};
#define BOOKING_NCOLS	(int)(sizeof(booking_cols) / sizeof(booking_cols[0]))

/* A JSON value that may be null: "" then. */
static const char *
opt_int(struct json_object *o, const char *key, char *buf, size_t len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "";
	snprintf(buf, len, "%lld", (long long)json_object_get_int64(v));
	return buf;
}

static const char *
opt_bool(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "";
	return json_object_get_boolean(v) ? "TRAPPED" : "no";
}

static void
elev_row(struct json_object *o, const char **cell, char *floor, char *fault,
    size_t len)
{
	int64_t fc = show_jint(o, "fault_code");

	cell[0] = show_jstr(o, "name");
	cell[1] = show_jbool(o, "online") ? "yes" : "no";
	cell[2] = opt_int(o, "floor", floor, len);
	cell[3] = show_jstr(o, "direction");
	cell[4] = show_jstr(o, "door");
	cell[5] = show_jstr(o, "mode");
	if (fc != 0)
		snprintf(fault, len, "%lld", (long long)fc);
	else
		fault[0] = '\0';
	cell[6] = fault;
	cell[7] = opt_bool(o, "trapped");
	cell[8] = show_jstr(o, "elevators");
	cell[9] = show_jstr(o, "reason");
}

static void
booking_row(struct json_object *o, const char **cell, char *id, char *f,
    char *u, size_t len)
{
	snprintf(id, len, "%lld", (long long)show_jint(o, "id"));
	fmt_time(show_jint(o, "from_ms"), f, FMT_TIME_LEN);
	fmt_time(show_jint(o, "until_ms"), u, FMT_TIME_LEN);
	cell[0] = id;
	cell[1] = show_jstr(o, "elevator");
	cell[2] = show_jstr(o, "unit");
	cell[3] = show_jstr(o, "card");
	cell[4] = f;
	cell[5] = u;
	cell[6] = show_jstr(o, "state");
	cell[7] = strcmp(cell[6], "cancelled") == 0 ?
	    show_jstr(o, "cancelled_by") : show_jstr(o, "booked_by");
}

static int
show_table(enum show_what what, struct json_object *data)
{
	bool elev = what == SHOW_ELEV_LIST;
	struct fmt_table *t;
	size_t i, n;

	if (data == NULL || !json_object_is_type(data, json_type_array)) {
		lobbyctl_say("bad reply from lobbyd: \"data\" is not a list");
		return EXIT_REFUSED;
	}
	n = json_object_array_length(data);
	if (n == 0) {
		printf("%s\n", elev ? "no elevator controllers" : "no bookings");
		return 0;
	}
	if ((t = fmt_table_new(elev ? elev_cols : booking_cols, elev ?
	    ELEV_NCOLS : BOOKING_NCOLS)) == NULL) {
		lobbyctl_say("out of memory");
		return EXIT_REFUSED;
	}
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(data, i);
		const char *cell[10] = { NULL };
		char a[24], b[FMT_TIME_LEN], c[FMT_TIME_LEN];

		if (o == NULL || !json_object_is_type(o, json_type_object)) {
			lobbyctl_say("bad reply from lobbyd: item %zu of "
			    "\"data\" is not an object", i);
			fmt_table_free(t);
			return EXIT_REFUSED;
		}
		if (elev)
			elev_row(o, cell, a, b, sizeof(a));
		else
			booking_row(o, cell, a, b, c, sizeof(a));
		if (fmt_table_add(t, cell) == -1) {
			lobbyctl_say("out of memory");
			fmt_table_free(t);
			return EXIT_REFUSED;
		}
	}
	fmt_table_print(t, stdout);
	fmt_table_free(t);
	return 0;
}

int
show_elev(enum show_what what, bool json, struct json_object *data)
{
	char f[FMT_TIME_LEN], u[FMT_TIME_LEN];
	char *unit;

	if (json) {
		show_json(data);
		return 0;
	}
	if (what == SHOW_ELEV_LIST || what == SHOW_BOOKING_LIST)
		return show_table(what, data);
	if (data == NULL || !json_object_is_type(data, json_type_object)) {
		lobbyctl_say("bad reply from lobbyd: \"data\" is not an object");
		return EXIT_REFUSED;
	}
	fmt_time(show_jint(data, "from_ms"), f, sizeof(f));
	fmt_time(show_jint(data, "until_ms"), u, sizeof(u));
	unit = fmt_clean(show_jstr(data, "unit"), 32);
	printf("%s booking %lld: %s, unit %s, %s to %s\n",
	    what == SHOW_BOOKING_ADD ? "made" : "cancelled",
	    (long long)show_jint(data, "id"), show_jstr(data, "elevator"),
	    unit != NULL ? unit : "", f, u);
	free(unit);
	return 0;
}
