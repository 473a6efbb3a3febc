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
#include "show_table.h"

static const struct fmt_col elev_cols[] = {
	{ N_("NAME"),	0, 24, false },
	{ N_("ONLINE"),	0, 0,  false },
	{ N_("FLOOR"),	0, 0,  true },
	{ N_("DIRECTION"),	0, 0,  false },
	{ N_("DOOR"),	0, 0,  false },
	{ N_("MODE"),	0, 0,  false },
	{ N_("FAULT"),	0, 0,  true },
	{ N_("TRAPPED"),	0, 0,  false },
	{ N_("READERS"),	0, 40, false },
	{ N_("REASON"),	0, 60, false },
};
#define ELEV_NCOLS	(int)(sizeof(elev_cols) / sizeof(elev_cols[0]))

static const struct fmt_col booking_cols[] = {
	{ N_("ID"),		0, 0,  true },
	{ N_("ELEVATOR"),	0, 24, false },
	{ N_("UNIT"),	0, 24, false },
	{ N_("CARD"),	0, 31, false },
	{ N_("FROM"),	0, 0,  false },
	{ N_("UNTIL"),	0, 0,  false },
	{ N_("STATE"),	0, 0,  false },
	{ N_("BY"),		0, 16, false },
};
#define BOOKING_NCOLS	(int)(sizeof(booking_cols) / sizeof(booking_cols[0]))

/* A JSON value that may be null: "" then. */
static const char *
opt_int(struct json_object *o, const char *key, char *buf, size_t len)
{
	struct json_object *v = show_jval(o, key);

	if (v == NULL)
		return "";
	snprintf(buf, len, "%lld", (long long)json_object_get_int64(v));
	return buf;
}

static const char *
opt_bool(struct json_object *o, const char *key)
{
	struct json_object *v = show_jval(o, key);

	if (v == NULL)
		return "";
	return json_object_get_boolean(v) ? _("TRAPPED") : _("no");
}

static void
elev_row(struct json_object *o, struct show_row *r)
{
	int64_t fc = show_jint(o, "fault_code");

	r->cell[0] = show_jstr(o, "name");
	r->cell[1] = show_jbool(o, "online") ? _("yes") : _("no");
	r->cell[2] = opt_int(o, "floor", r->n1, sizeof(r->n1));
	r->cell[3] = show_word(show_jstr(o, "direction"));
	r->cell[4] = strcmp(show_jstr(o, "door"), "open") == 0 ? C_("door", "open") :
	    strcmp(show_jstr(o, "door"), "closed") == 0 ? C_("door", "closed") :
	    show_word(show_jstr(o, "door"));
	r->cell[5] = show_word(show_jstr(o, "mode"));
	if (fc != 0)
		snprintf(r->n2, sizeof(r->n2), "%lld", (long long)fc);
	else
		r->n2[0] = '\0';
	r->cell[6] = r->n2;
	r->cell[7] = opt_bool(o, "trapped");
	r->cell[8] = show_jstr(o, "elevators");
	r->cell[9] = show_jstr(o, "reason");
}

static void
booking_row(struct json_object *o, struct show_row *r)
{
	snprintf(r->n1, sizeof(r->n1), "%lld", (long long)show_jint(o, "id"));
	fmt_time(show_jint(o, "from_ms"), r->t1, sizeof(r->t1));
	fmt_time(show_jint(o, "until_ms"), r->t2, sizeof(r->t2));
	r->cell[0] = r->n1;
	r->cell[1] = show_jstr(o, "elevator");
	r->cell[2] = show_jstr(o, "unit");
	r->cell[3] = show_jstr(o, "card");
	r->cell[4] = r->t1;
	r->cell[5] = r->t2;
	r->cell[6] = show_jstr(o, "state");
	r->cell[7] = strcmp(r->cell[6], "cancelled") == 0 ?
	    show_jstr(o, "cancelled_by") : show_jstr(o, "booked_by");
}

int
show_elev(enum show_what what, struct json_object *data)
{
	char f[FMT_TIME_LEN], u[FMT_TIME_LEN];
	char *unit;

	if (what == SHOW_ELEV_LIST)
		return show_list(data, elev_cols, ELEV_NCOLS,
		    _("no elevator controllers"), elev_row);
	if (what == SHOW_BOOKING_LIST)
		return show_list(data, booking_cols, BOOKING_NCOLS,
		    _("no bookings"), booking_row);
	if (!show_data_is_object(data))
		return EXIT_REFUSED;
	fmt_time(show_jint(data, "from_ms"), f, sizeof(f));
	fmt_time(show_jint(data, "until_ms"), u, sizeof(u));
	unit = fmt_clean(show_jstr(data, "unit"), 32);
	printf(what == SHOW_BOOKING_ADD ?
	    _("made booking %lld: %s, unit %s, %s to %s\n") :
	    _("cancelled booking %lld: %s, unit %s, %s to %s\n"),
	    (long long)show_jint(data, "id"), show_jstr(data, "elevator"),
	    unit != NULL ? unit : "", f, u);
	free(unit);
	return 0;
}
