/*
 * The table of control commands and who may use each, and what every
 * command shares: its arguments checked by the same rules, its reply fields.
 * The commands are in the ctl_*.c files; the socket side is control.c and
 * ctl_client.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <string.h>

#include "control_int.h"
#include "ctl.h"
#include "ctl_desk.h"
#include "ctl_tenants.h"
#include "../common/util.h"

/* ---- reply fields ----------------------------------------------------- */

void
ctl_add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

void
ctl_add_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

void
ctl_add_bool(json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

json_object *
ctl_add_fields(json_object *o, const void *rec, const struct ctl_field *fields)
{
	const char *base = rec;

	for (const struct ctl_field *f = fields; f->key != NULL; f++) {
		const void *p = base + f->off;

		switch (f->type) {
		case CF_I64:
			ctl_add_int(o, f->key, *(const int64_t *)p);
			break;
		case CF_INT:
			ctl_add_int(o, f->key, *(const int *)p);
			break;
		case CF_BOOL:
			ctl_add_bool(o, f->key, *(const bool *)p);
			break;
		case CF_TEXT:
			ctl_add_str(o, f->key, p);
			break;
		}
	}
	return o;
}

json_object *
ctl_fields_json(const void *rec, const struct ctl_field *fields)
{
	return ctl_add_fields(json_object_new_object(), rec, fields);
}

/* ---- arguments -------------------------------------------------------- */

/*
 * The value of k, when args has it and it is not null: 1, and *v is it, of
 * the type asked for; 0 absent; -1 of another type ("k must be expected"
 * sent).
 */
static int
arg_value(struct ctl_client *c, json_object *args, const char *k,
    enum json_type type, const char *expected, json_object **v)
{
	if (!json_object_object_get_ex(args, k, v) || json_object_is_type(*v, json_type_null))
		return 0;
	if (!json_object_is_type(*v, type)) {
		ctl_reply_err(c, "\"%s\" must be %s", k, expected);
		return -1;
	}
	return 1;
}

/* Each getter: 1 found and right, 0 absent, -1 wrong (error already sent). */
int
ctl_arg_str(struct ctl_client *c, json_object *args, const char *k, char *out,
    size_t len, bool required)
{
	json_object *v;
	const char *s;
	int r = arg_value(c, args, k, json_type_string, "a string", &v);

	if (r == 0 && required) {
		ctl_reply_err(c, "\"%s\" is required", k);
		return -1;
	}
	if (r <= 0)
		return r;
	/* Text goes to the log, the database and the guards' screens: a NUL
	 * would cut it short unseen, a control character could forge lines. */
	s = json_object_get_string(v);
	for (int i = 0; i < json_object_get_string_len(v); i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			ctl_reply_err(c, "\"%s\" contains a control character", k);
			return -1;
		}
	}
	if (!str_copy(out, s, len)) {
		ctl_reply_err(c, "\"%s\" is longer than %zu characters", k, len - 1);
		return -1;
	}
	return 1;
}

int
ctl_arg_int(struct ctl_client *c, json_object *args, const char *k, int64_t *out,
    int64_t min, int64_t max)
{
	json_object *v;
	int r = arg_value(c, args, k, json_type_int, "an integer", &v);

	if (r <= 0)
		return r;
	errno = 0;
	*out = json_object_get_int64(v);
	if (errno != 0 || *out < min || *out > max) {
		ctl_reply_err(c, "\"%s\" is out of range %" PRId64 "..%" PRId64, k, min, max);
		return -1;
	}
	return 1;
}

int
ctl_arg_int_required(struct ctl_client *c, json_object *args, const char *k,
    int64_t *out, int64_t min, int64_t max)
{
	int r = ctl_arg_int(c, args, k, out, min, max);

	if (r == 0)
		ctl_reply_err(c, "\"%s\" is required", k);
	return r > 0 ? 1 : -1;
}

int
ctl_arg_id(struct ctl_client *c, json_object *args, const char *k, int64_t *out,
    const char *what)
{
	if (ctl_arg_int_required(c, args, k, out, INT64_MIN, INT64_MAX) < 0)
		return -1;
	if (*out < 1) {
		ctl_reply_err(c, "\"%s\" must be %s", k, what);
		return -1;
	}
	return 1;
}

int
ctl_arg_bool(struct ctl_client *c, json_object *args, const char *k, bool *out)
{
	json_object *v;
	int r = arg_value(c, args, k, json_type_boolean, "true or false", &v);

	if (r > 0)
		*out = json_object_get_boolean(v);
	return r;
}

int
ctl_arg_list(struct ctl_client *c, json_object *args, const char *k, int max,
    json_object **out)
{
	*out = NULL;
	if (!json_object_object_get_ex(args, k, out))
		return 0;
	if (!json_object_is_type(*out, json_type_array) ||
	    json_object_array_length(*out) > (size_t)max) {
		ctl_reply_err(c, "\"%s\" must be a list of at most %d %s", k, max, k);
		return -1;
	}
	return 1;
}

int
ctl_arg_find(struct ctl_client *c, json_object *args, char *out, size_t len,
    const char *what)
{
	json_object *v;
	const unsigned char *s;
	int nch = 0, n;

	if (json_object_object_get_ex(args, "find", &v) &&
	    json_object_is_type(v, json_type_string)) {
		s = (const unsigned char *)json_object_get_string(v);
		n = json_object_get_string_len(v);
		for (int i = 0; i < n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				nch++;
			if (s[i] < 0x20 || s[i] == 0x7f) {
				ctl_reply_err(c, "\"find\": a control character "
				    "(0x%02x) at character %d; %s expected", s[i],
				    nch, what);
				return -1;
			}
		}
	}
	if ((n = ctl_arg_str(c, args, "find", out, len, false)) <= 0)
		return n;
	if (out[strspn(out, " ")] == '\0') {
		ctl_reply_err(c, "\"find\" must not be empty");
		return -1;
	}
	return 1;
}

/* Only the arguments a command knows: a typo is an error, not a no-op. */
bool
ctl_args_known(struct ctl_client *c, json_object *args, const char *const *known)
{
	json_object_object_foreach(args, key, val) {
		const char *const *k;

		(void)val;
		for (k = known; *k != NULL; k++)
			if (strcmp(*k, key) == 0)
				break;
		if (*k == NULL) {
			ctl_reply_err(c, "unknown argument \"%s\"", key);
			return false;
		}
	}
	return true;
}

/* ---- the commands --------------------------------------------------- */

#define DESK_ROLES	(ROLE_FRONTDESK | ROLE_MANAGER)
#define SHIFT_ROLES	(ROLE_GUARD | ROLE_FRONTDESK | ROLE_MANAGER)

/* Who may use each command: ROLE_* bits (config/roles.h), or ROLE_EVERYONE
 * for any user the socket admits. A row must say. */
static const struct {
	const char	*name;
	ctl_cmd_fn	*fn;
	unsigned	roles;
} commands[] = {
	{ "status",	ctl_cmd_status,	ROLE_EVERYONE },
	{ "events",	ctl_cmd_events,	ROLE_EVERYONE },
	{ "events.export", ctl_cmd_events_export, ROLE_MANAGER },
	{ "events.export.done", ctl_cmd_events_export_done, ROLE_MANAGER },
	{ "devices",	ctl_cmd_devices,	ROLE_EVERYONE },
	{ "alerts",	ctl_cmd_alerts,	ROLE_EVERYONE },	/* shows only those routed to the caller */
	{ "card.add",	ctl_cmd_card_add,	ROLE_FRONTDESK | ROLE_MANAGER },
	{ "card.remove", ctl_cmd_card_remove, ROLE_FRONTDESK | ROLE_MANAGER },
	{ "card.list",	ctl_cmd_card_list,	ROLE_FRONTDESK | ROLE_MANAGER },
	{ "card.import", ctl_cmd_card_import, ROLE_FRONTDESK | ROLE_MANAGER },
	{ "lane.open",	ctl_cmd_lane_open,	ROLE_GUARD | ROLE_FRONTDESK | ROLE_MANAGER },
	{ "stats",	ctl_cmd_stats,	ROLE_EVERYONE },
	{ "alert.ack",	ctl_cmd_alert_ack, ROLE_EVERYONE },	/* an alert routed to the caller */
	{ "alert.raise", ctl_cmd_alert_raise, ROLE_ALL },
	{ "fire",	ctl_cmd_fire,	ROLE_EVERYONE },
	{ "fire.reset",	ctl_cmd_fire_reset, ROLE_GUARD | ROLE_FRONTDESK | ROLE_MANAGER },
	{ "tickets",	ctl_cmd_tickets, ROLE_ENGINEERING | ROLE_MANAGER },
	{ "tickets.summary", ctl_cmd_tickets_summary, ROLE_ENGINEERING | ROLE_MANAGER },
	{ "ticket.show", ctl_cmd_ticket_show, ROLE_ENGINEERING | ROLE_MANAGER },
	{ "ticket.start", ctl_cmd_ticket_start, ROLE_ENGINEERING | ROLE_MANAGER },
	{ "ticket.note", ctl_cmd_ticket_note, ROLE_ENGINEERING | ROLE_MANAGER },
	{ "ticket.done", ctl_cmd_ticket_done, ROLE_ENGINEERING | ROLE_MANAGER },
	{ "ticket.open", ctl_cmd_ticket_open, ROLE_ENGINEERING | ROLE_MANAGER },
	{ "devices.check", ctl_cmd_devices_check, ROLE_EVERYONE },
	{ "intercom.list", ctl_cmd_icom_list, ROLE_EVERYONE },
	{ "intercom.release", ctl_cmd_icom_release, ROLE_GUARD | ROLE_FRONTDESK | ROLE_MANAGER },
	/* the front desk (ctl_desk.c, ctl_front.c) */
	{ "person.add",	ctl_cmd_person_add, DESK_ROLES },
	{ "person.list", ctl_cmd_person_list, DESK_ROLES },
	{ "person.show", ctl_cmd_person_show, DESK_ROLES },
	{ "person.status", ctl_cmd_person_status, DESK_ROLES },
	{ "pass.issue",	ctl_cmd_pass_issue, DESK_ROLES },
	{ "pass.list",	ctl_cmd_pass_list, DESK_ROLES },
	{ "pass.show",	ctl_cmd_pass_show, DESK_ROLES },
	{ "pass.extend", ctl_cmd_pass_extend, DESK_ROLES },
	{ "pass.revoke", ctl_cmd_pass_revoke, DESK_ROLES },
	{ "visitor.register", ctl_cmd_visitor_register, DESK_ROLES },	/* override: manager */
	{ "visitor.confirm", ctl_cmd_visitor_confirm, DESK_ROLES },
	{ "visitor.answer", ctl_cmd_visitor_answer, ROLE_EVERYONE },	/* the token decides */
	{ "visitor.list", ctl_cmd_visitor_list, DESK_ROLES },
	{ "idcard.last", ctl_cmd_idcard_last, DESK_ROLES },
	{ "visitor.find", ctl_cmd_visitor_find, DESK_ROLES },
	/* the tenant directory (ctl_tenants.c): names only to guards */
	{ "tenant.add",	ctl_cmd_tenant_add, DESK_ROLES },
	{ "tenant.list", ctl_cmd_tenant_list, SHIFT_ROLES },
	{ "tenant.show", ctl_cmd_tenant_show, DESK_ROLES },
	{ "tenant.remove", ctl_cmd_tenant_remove, DESK_ROLES },
	{ "tenant.contact.add", ctl_cmd_tenant_contact_add, DESK_ROLES },
	{ "tenant.contact.remove", ctl_cmd_tenant_contact_remove, DESK_ROLES },
	{ "tenant.import", ctl_cmd_tenant_import, DESK_ROLES },
	{ "permit.add",	ctl_cmd_permit_add, DESK_ROLES },
	{ "permit.list", ctl_cmd_permit_list, DESK_ROLES },
	{ "permit.set",	ctl_cmd_permit_set, DESK_ROLES },
	{ "contractor.add", ctl_cmd_contractor_add, DESK_ROLES },
	{ "watchlist.add", ctl_cmd_watch_add, ROLE_MANAGER },
	{ "watchlist.remove", ctl_cmd_watch_remove, ROLE_MANAGER },
	{ "watchlist.list", ctl_cmd_watch_list, ROLE_GUARD | ROLE_MANAGER },
	{ "inside",	ctl_cmd_inside,	ROLE_EVERYONE },	/* units: front desk, manager */
	{ "shift.note",	ctl_cmd_shift_note, SHIFT_ROLES },
	{ "shift.handover", ctl_cmd_shift_handover, SHIFT_ROLES },
	{ "shift.log",	ctl_cmd_shift_log, SHIFT_ROLES },
	{ "elevators.list", ctl_cmd_elev_list, ROLE_EVERYONE },
	{ "booking.add", ctl_cmd_booking_add, ROLE_FRONTDESK | ROLE_MANAGER },
	{ "booking.list", ctl_cmd_booking_list, ROLE_FRONTDESK | ROLE_MANAGER },
	{ "booking.cancel", ctl_cmd_booking_cancel, ROLE_FRONTDESK | ROLE_MANAGER },
	{ "user.add",	ctl_cmd_user_add, ROLE_MANAGER },
	{ "web.login",	ctl_cmd_web_login, ROLE_EVERYONE },	/* lobbyweb's own user only */
};

ctl_cmd_fn *
ctl_cmd_find(const char *name, unsigned *roles)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0) {
			*roles = commands[i].roles;
			return commands[i].fn;
		}
	}
	return NULL;
}
