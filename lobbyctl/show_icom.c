/*
 * How lobbyctl shows the intercom replies: the stations with their call and
 * how long it has lasted, and the record of a door release.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../common/util.h"
#include "format.h"
#include "lobbyctl_int.h"

/* "yes", "no", or "" for a point the station does not have (null). */
static const char *
icom_bit(struct json_object *o, const char *key, const char *yes,
    const char *no)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "";
	return json_object_get_boolean(v) ? yes : no;
}

/* "45s", "3m05s", "2h10m": how long since ms. */
static void
icom_age(int64_t since_ms, int64_t now_ms, char *buf, size_t len)
{
	int64_t s = since_ms > 0 && now_ms > since_ms ?
	    (now_ms - since_ms) / 1000 : 0;

	if (since_ms <= 0)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", (long long)(s / 60),
		    (long long)(s % 60));
	else
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
}

static const struct fmt_col icom_cols[] = {
	{ "NAME",	0, 24, false },
	{ "STATION",	0, 0,  true },
	{ "CALL",	0, 0,  false },
	{ "FOR",	0, 0,  true },
	{ "FORWARDED TO", 0, 24, false },
	{ "DOOR",	0, 0,  false },
	{ "NEXT",	0, 24, false },
	{ "REASON",	0, 60, false },
};
#define ICOM_NCOLS	(int)(sizeof(icom_cols) / sizeof(icom_cols[0]))

static int
show_icom_list(struct json_object *data)
{
	struct fmt_table *t;
	int64_t now = real_ms();
	size_t i, n;

	if (data == NULL || !json_object_is_type(data, json_type_array)) {
		lobbyctl_say("bad reply from lobbyd: \"data\" is not a list");
		return EXIT_REFUSED;
	}
	n = json_object_array_length(data);
	if (n == 0) {
		printf("no intercom stations\n");
		return 0;
	}
	if ((t = fmt_table_new(icom_cols, ICOM_NCOLS)) == NULL) {
		lobbyctl_say("out of memory");
		return EXIT_REFUSED;
	}
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(data, i);
		const char *cell[ICOM_NCOLS];
		char station[16], age[24];

		if (o == NULL || !json_object_is_type(o, json_type_object)) {
			lobbyctl_say("bad reply from lobbyd: item %zu of "
			    "\"data\" is not an object", i);
			fmt_table_free(t);
			return EXIT_REFUSED;
		}
		snprintf(station, sizeof(station), "%lld",
		    (long long)show_jint(o, "station"));
		icom_age(show_jint(o, "call_since_ms"), now, age, sizeof(age));
		cell[0] = show_jstr(o, "name");
		cell[1] = station;
		cell[2] = show_jstr(o, "call");
		cell[3] = strcmp(cell[2], "offline") == 0 ? "" : age;
		cell[4] = show_jstr(o, "forwarded_to");
		cell[5] = icom_bit(o, "door_open", "open", "closed");
		cell[6] = show_jstr(o, "next");
		cell[7] = show_jstr(o, "reason");
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
show_icom(enum show_what what, bool json, struct json_object *data)
{
	char *name;

	if (json) {
		show_json(data);
		return 0;
	}
	if (what == SHOW_ICOM_LIST)
		return show_icom_list(data);
	if (data == NULL || !json_object_is_type(data, json_type_object)) {
		lobbyctl_say("bad reply from lobbyd: \"data\" is not an object");
		return EXIT_REFUSED;
	}
	name = fmt_clean(show_jstr(data, "station"), 40);
	printf("released %s (event %lld)\n", name != NULL ? name : "",
	    (long long)show_jint(data, "event_id"));
	free(name);
	return 0;
}
