/*
 * The front desk's visitors: visitor.register (the person, the host, the
 * hours, a pass with a code to show at the lane) and visitor.confirm.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../rules/hours.h"
#include "../rules/tenant.h"
#include "../rules/visitor.h"
#include "control_int.h"
#include "ctl_desk.h"
#include "ctl_desk_int.h"
#include "ctl_tenants.h"
#include "../common/util.h"

/* "VP-" and 8 characters of Crockford's base32: the code on a visitor's QR. */
static void
visitor_code(struct engine *e, char out[32])
{
	static const char alpha[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

	do {
		uint8_t r[8];

		randombytes_buf(r, sizeof(r));
		memcpy(out, "VP-", 3);
		for (int i = 0; i < 8; i++)
			out[3 + i] = alpha[r[i] & 31];
		out[11] = '\0';
	} while (desk_pass_live(e, out) != NULL);
}

static int
category_parse(const char *s)
{
	static const char *const names[VCAT_COUNT] = { [VCAT_NONE] = "none",
	    [VCAT_SALES] = "sales", [VCAT_INSURANCE] = "insurance",
	    [VCAT_ADVERTISING] = "advertising" };

	for (int i = 0; i < VCAT_COUNT; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* Today at the site's visitor end of day, or 0 when that has passed. */
static int64_t
visitor_default_until(const struct engine *e, int64_t now)
{
	struct rule_time t;
	int64_t until;

	desk_rule_time(now, &t);
	/* The configured minute, 23:59 when none is set. */
	until = ctl_desk_date_ms(t.date, 0) + (int64_t)(e->site->visitor_until_min > 0 ?
	    e->site->visitor_until_min : 1439) * 60000 + 59999;
	return until > now ? until : 0;
}

void
ctl_cmd_visitor_register(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "name", "id_type", "id_number",
	    "id_from", "host_unit", "host", "class", "purpose", "party",
	    "valid_until_ms", "appointment", "category", "override", "floors",
	    "card", "phone", "host_reason", NULL };
	struct engine *e = c->srv->e;
	struct person_rec p = { 0 };
	struct pass_rec ps = { 0 };
	struct visitor_reg reg = { .party_size = 1 };
	struct visitor_verdict v;
	char cls[16], cat[16] = "none", over[DESK_TEXT_MAX] = "", card[32] = "";
	char phone[48] = "", host_reason[DESK_TEXT_MAX] = "", why[DESK_TEXT_MAX], err[120];
	int64_t party = 1, now = real_ms();
	int k, has_id, id_dev;
	bool id_over = false;
	const char *id_over_code = "id_number_not_valid";

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "name", p.name, sizeof(p.name),
	    !json_object_object_get_ex(args, "id_from", NULL)) < 0 ||
	    ctl_arg_str(c, args, "host_unit", p.unit, sizeof(p.unit), false) < 0 ||
	    ctl_arg_str(c, args, "host", ps.host, sizeof(ps.host), false) < 0 ||
	    ctl_arg_str(c, args, "class", cls, sizeof(cls), true) < 0 ||
	    ctl_arg_str(c, args, "purpose", ps.purpose, sizeof(ps.purpose), true) < 0 ||
	    ctl_arg_int(c, args, "party", &party, 1, 1000) < 0 ||
	    ctl_arg_int(c, args, "valid_until_ms", &ps.valid_until_ms, 0, INT64_MAX) < 0 ||
	    ctl_arg_bool(c, args, "appointment", &ps.appointment) < 0 ||
	    ctl_arg_str(c, args, "category", cat, sizeof(cat), false) < 0 ||
	    ctl_arg_str(c, args, "override", over, sizeof(over), false) < 0 ||
	    ctl_desk_floors_arg(c, args, &ps.floors) < 0 ||
	    ctl_arg_str(c, args, "card", card, sizeof(card), false) < 0 ||
	    ctl_arg_str(c, args, "phone", phone, sizeof(phone), false) < 0 ||
	    ctl_arg_str(c, args, "host_reason", host_reason, sizeof(host_reason),
	    false) < 0)
		return;
	if (phone[0] != '\0' && !rule_phone_parse(phone, p.phone, err, sizeof(err))) {
		ctl_reply_err(c, "%s", err);
		return;
	}
	if ((k = rule_visitor_class_parse(cls)) < 0) {
		ctl_reply_err(c, "class \"%s\": vip, important, ordinary, applicant, "
		    "service or internal expected", cls);
		return;
	}
	reg.cls = (enum visitor_class)k;
	if ((k = category_parse(cat)) < 0) {
		ctl_reply_err(c, "category \"%s\": sales, insurance or advertising "
		    "expected (or none)", cat);
		return;
	}
	reg.category = (enum visitor_category)k;
	if (over[0] != '\0' && !ctl_has_role(c, ROLE_MANAGER)) {
		ctl_reply_err(c, "an override needs the role manager; you (%s) do not "
		    "hold it", c->user);
		return;
	}
	/* The document from a card read at the desk, or as typed. */
	if ((has_id = ctl_idcard_id_args(c, args, &p, over, &id_over_code,
	    &id_dev)) < 0)
		return;
	if (has_id > 0)
		id_over = id_over_code != NULL;
	else if ((has_id = ctl_desk_id_args(c, args, &p, false, over, &id_over)) < 0)
		return;
	if (p.name[0] == '\0') {
		ctl_reply_err(c, "name must not be empty");
		return;
	}
	reg.id_type = has_id ? (enum id_type)rule_id_type_parse(p.id_type) : ID_NONE;
	reg.has_id_number = has_id > 0;
	reg.has_host = p.unit[0] != '\0' && ps.host[0] != '\0';
	reg.has_appointment = ps.appointment;
	reg.party_size = (int)party;
	reg.manager_override = over[0] != '\0';
	reg.hold = e->site->visitor_hold[reg.cls];
	v = rule_visitor_register(&reg);
	if (!v.allowed) {
		ctl_reply_err(c, "not registered: %s%s", rule_reg_reason_text(v.reason),
		    v.reason == RR_PARTY_SIZE ? "" : " (a manager may override, "
		    "with a reason)");
		return;
	}
	if (ps.valid_until_ms == 0 &&
	    (ps.valid_until_ms = visitor_default_until(e, now)) == 0) {
		ctl_reply_err(c, "the visitors' end of day has passed: give "
		    "valid_until_ms");
		return;
	}
	if (ps.valid_until_ms <= now) {
		ctl_reply_err(c, "valid until must be in the future");
		return;
	}
	if (card[0] != '\0') {
		if (!ctl_desk_credential_free(c, card))
			return;
		str_copy(ps.credential, card, sizeof(ps.credential));
	} else
		visitor_code(e, ps.credential);
	if (!v.office_floors)
		ps.floors &= ~e->site->office_floors;

	str_copy(p.kind, "visitor", sizeof(p.kind));
	str_copy(p.status, "active", sizeof(p.status));
	str_copy(p.company, ps.host, sizeof(p.company));
	p.created_ms = p.updated_ms = now;
	str_copy(p.created_by, c->user, sizeof(p.created_by));
	str_copy(ps.state, v.pending ? "pending" : "active", sizeof(ps.state));
	ps.valid_from_ms = now;
	ps.issued_ms = now;
	str_copy(ps.issued_by, c->user, sizeof(ps.issued_by));
	str_copy(ps.vclass, rule_visitor_class_name(reg.cls), sizeof(ps.vclass));
	ps.party = (int)party;
	if (v.overridden || id_over) {
		/* Recorded with who and why; the number itself never. */
		str_copy(ps.override_by, c->user, sizeof(ps.override_by));
		snprintf(ps.override_reason, sizeof(ps.override_reason), "%s%s%s: %s",
		    v.overridden ? rule_reg_reason_code(v.reason) : "",
		    v.overridden && id_over ? ", " : "",
		    id_over ? id_over_code : "", over);
	}
	str_copy(ps.host_unit, p.unit, sizeof(ps.host_unit));
	/* The event log is read by guards too: no tenant's unit in it. */
	snprintf(why, sizeof(why), "%s%s", ps.vclass,
	    v.overridden || id_over ? ", manager's override" : "");
	/* The visitor met before and the host in the directory, then the commit. */
	/* The read is taken by the registration once it is committed (one
	 * read, one registration), not by one refused on the way. */
	ctl_visit_register(c, &p, &ps, host_reason, why, over[0] != '\0', id_dev);
}

void
ctl_cmd_visitor_confirm(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "id", NULL };
	struct pass_rec *p, n;
	const struct desk_person *who;

	if (!ctl_args_known(c, args, known) || (p = ctl_desk_pass_arg(c, args)) == NULL)
		return;
	who = desk_person(c->srv->e, p->person);
	if (who == NULL || strcmp(who->r.kind, "visitor") != 0) {
		ctl_reply_err(c, "pass %" PRId64 " is not a visitor's", p->id);
		return;
	}
	if (strcmp(p->state, "pending") != 0) {
		ctl_reply_err(c, "pass %" PRId64 " is %s: only a pending pass is "
		    "confirmed", p->id, p->state);
		return;
	}
	n = *p;
	str_copy(n.state, "active", sizeof(n.state));
	n.confirmed_ms = real_ms();
	str_copy(n.confirmed_by, c->user, sizeof(n.confirmed_by));
	ctl_desk_pass_change(c, &n, "visitor_confirmed", "host confirmed");
}
