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
#include "show_table.h"

/* "yes", "no", or "" for a point the station does not have (null). */
static const char *
icom_bit(struct json_object *o, const char *key, const char *yes,
    const char *no)
{
	struct json_object *v = show_jval(o, key);

	if (v == NULL)
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
	{ N_("NAME"),	0, 24, false },
	{ N_("STATION"),	0, 0,  true },
	{ N_("CALL"),	0, 0,  false },
	{ N_("FOR"),	0, 0,  true },
	{ N_("FORWARDED TO"), 0, 24, false },
	{ N_("DOOR"),	0, 0,  false },
	{ N_("NEXT"),	0, 24, false },
	{ N_("REASON"),	0, 60, false },
};
#define ICOM_NCOLS	(int)(sizeof(icom_cols) / sizeof(icom_cols[0]))

static void
icom_row(struct json_object *o, struct show_row *r)
{
	snprintf(r->n1, sizeof(r->n1), "%lld",
	    (long long)show_jint(o, "station"));
	icom_age(show_jint(o, "call_since_ms"), real_ms(), r->n2, sizeof(r->n2));
	r->cell[0] = show_jstr(o, "name");
	r->cell[1] = r->n1;
	r->cell[2] = show_word(show_jstr(o, "call"));
	r->cell[3] = strcmp(show_jstr(o, "call"), "offline") == 0 ? "" : r->n2;
	r->cell[4] = show_jstr(o, "forwarded_to");
	r->cell[5] = icom_bit(o, "door_open", C_("door", "open"),
	    C_("door", "closed"));
	r->cell[6] = show_jstr(o, "next");
	r->cell[7] = show_jstr(o, "reason");
}

int
show_icom(enum show_what what, struct json_object *data)
{
	char *name;

	if (what == SHOW_ICOM_LIST)
		return show_list(data, icom_cols, ICOM_NCOLS,
		    _("no intercom stations"), icom_row);
	if (!show_data_is_object(data))
		return EXIT_REFUSED;
	name = fmt_clean(show_jstr(data, "station"), 40);
	printf(_("released %s (event %lld)\n"), name != NULL ? name : "",
	    (long long)show_jint(data, "event_id"));
	free(name);
	return 0;
}
