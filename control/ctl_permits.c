/*
 * Renovation permits and contractors' passes: permit.add, permit.list,
 * permit.set (ending the passes of a permit that ends), contractor.add.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../rules/hours.h"
#include "../rules/visitor.h"
#include "control_int.h"
#include "ctl_desk.h"
#include "ctl_desk_int.h"
#include "../common/util.h"

/* ---- permits and contractors ---------------------------------------------------- */

static int
live_passes_of_permit(struct engine *e, int64_t permit)
{
	int n = 0;

	for (size_t i = 0; i < e->desk->npasses; i++)
		if (e->desk->passes[i].permit == permit && (strcmp(e->desk->passes[i].state,
		    "active") == 0 || strcmp(e->desk->passes[i].state, "pending") == 0))
			n++;
	return n;
}

json_object *
ctl_permit_json(struct ctl_client *c, const void *row)
{
	const struct permit_rec *p = row;
	json_object *o = ctl_fields_json(p, CTL_FIELDS(CTL_FIELD(permit_rec, id),
	    CTL_FIELD(permit_rec, unit), CTL_FIELD(permit_rec, company),
	    CTL_FIELD_AS(permit_rec, from_date, "from"),
	    CTL_FIELD_AS(permit_rec, until_date, "until"),
	    CTL_FIELD(permit_rec, hours), CTL_FIELD(permit_rec, floor),
	    CTL_FIELD(permit_rec, fees_paid), CTL_FIELD(permit_rec, state),
	    CTL_FIELD(permit_rec, created_ms), CTL_FIELD(permit_rec, created_by),
	    CTL_FIELD(permit_rec, updated_ms), CTL_FIELD(permit_rec, updated_by)));
	char days[40];

	rule_days_str(p->days, days, sizeof(days));
	ctl_add_str(o, "days", days);
	ctl_add_int(o, "passes", live_passes_of_permit(c->srv->e, p->id));
	return o;
}

static bool
permit_date_valid(int64_t d)
{
	return d >= 20000101 && d <= 29991231 &&
	    date_valid((int)(d / 10000), (int)(d / 100 % 100), (int)(d % 100));
}

void
ctl_cmd_permit_add(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "unit", "company", "from", "until",
	    "days", "hours", "floor", "fees_paid", NULL };
	struct permit_rec p = { 0 };
	struct rule_period per[RULE_MAX_PERIODS];
	struct desk_in in = { .action = DESK_PERMIT_PUT, .tag = "permit_added" };
	char days[40], err[160];
	int64_t from = 0, until = 0, floor = -1;
	int n;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "unit", p.unit, sizeof(p.unit), true) < 0 ||
	    ctl_arg_str(c, args, "company", p.company, sizeof(p.company), true) < 0 ||
	    ctl_arg_int(c, args, "from", &from, 0, 99999999) < 0 ||
	    ctl_arg_int(c, args, "until", &until, 0, 99999999) < 0 ||
	    ctl_arg_str(c, args, "days", days, sizeof(days), true) < 0 ||
	    ctl_arg_str(c, args, "hours", p.hours, sizeof(p.hours), true) < 0 ||
	    ctl_arg_int(c, args, "floor", &floor, 0, 63) < 0 ||
	    ctl_arg_bool(c, args, "fees_paid", &p.fees_paid) < 0)
		return;
	if (p.unit[0] == '\0' || p.company[0] == '\0') {
		ctl_reply_err(c, "unit and company must not be empty");
		return;
	}
	if (!permit_date_valid(from) || !permit_date_valid(until) || until < from) {
		ctl_reply_err(c, "from and until: dates YYYYMMDD, until not before "
		    "from");
		return;
	}
	if (floor < 0) {
		ctl_reply_err(c, "\"floor\" is required");
		return;
	}
	if (rule_days_parse(days, &p.days, err, sizeof(err)) == -1) {
		ctl_reply_err(c, "days: %s", err);
		return;
	}
	if (rule_periods_parse(p.hours, per, RULE_MAX_PERIODS, &n, err,
	    sizeof(err)) == -1 || n == 0) {
		ctl_reply_err(c, "hours: %s", n == 0 ? "no working hours given" : err);
		return;
	}
	p.from_date = (int)from;
	p.until_date = (int)until;
	p.floor = (int)floor;
	str_copy(p.state, "active", sizeof(p.state));
	p.created_ms = p.updated_ms = real_ms();
	str_copy(p.created_by, c->user, sizeof(p.created_by));
	str_copy(p.updated_by, c->user, sizeof(p.updated_by));
	in.permit = p;
	ctl_desk_submit(c, &in);
}

void
ctl_cmd_permit_list(struct ctl_client *c, json_object *args)
{
	struct desk *d = c->srv->e->desk;

	ctl_desk_list(c, args, d->permits, d->npermits, sizeof(*d->permits),
	    ctl_permit_json);
}

void
ctl_cmd_permit_set(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "id", "state", "fees_paid", NULL };
	static const char *const states[] = { "active", "suspended", "closed", NULL };
	struct permit_rec *p, n;
	struct desk_in in = { .action = DESK_PERMIT_PUT, .tag = "permit_changed" };
	int64_t id = 0;
	char state[12] = "";
	int rs;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_int(c, args, "id", &id, 0, INT64_MAX) < 0 ||
	    (rs = ctl_arg_str(c, args, "state", state, sizeof(state), false)) < 0)
		return;
	if (id == 0) {
		ctl_reply_err(c, "\"id\" is required");
		return;
	}
	if ((p = desk_permit(c->srv->e, id)) == NULL) {
		ctl_reply_err(c, "no permit %" PRId64, id);
		return;
	}
	n = *p;
	if (ctl_arg_bool(c, args, "fees_paid", &n.fees_paid) < 0)
		return;
	if (rs > 0 && !str_in(state, states)) {
		ctl_reply_err(c, "state \"%s\": active, suspended or closed expected",
		    state);
		return;
	}
	if (strcmp(p->state, "closed") == 0) {
		ctl_reply_err(c, "permit %" PRId64 " is closed: a new permit is "
		    "needed", p->id);
		return;
	}
	if (rs > 0)
		str_copy(n.state, state, sizeof(n.state));
	n.updated_ms = real_ms();
	str_copy(n.updated_by, c->user, sizeof(n.updated_by));
	in.permit = n;
	/* Suspended or closed: every pass made out against it ends now. */
	in.end_passes = strcmp(n.state, "active") != 0 &&
	    strcmp(p->state, n.state) != 0;
	snprintf(in.pass.end_reason, sizeof(in.pass.end_reason),
	    "permit %" PRId64 " %s", n.id, n.state);
	snprintf(in.why, sizeof(in.why), "%s%s", n.state,
	    n.fees_paid != p->fees_paid ? ", fees paid" : "");
	ctl_desk_submit(c, &in);
}

void
ctl_cmd_contractor_add(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "permit", "name", "id_type", "id_number",
	    "credential", "company", NULL };
	struct engine *e = c->srv->e;
	struct person_rec p = { 0 };
	struct pass_rec ps = { 0 };
	const struct permit_rec *pm;
	const struct pass_rec *held;
	struct desk_in in = { .action = DESK_REGISTER, .tag = "contractor_added" };
	int64_t permit = 0, now = real_ms();

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_int(c, args, "permit", &permit, 0, INT64_MAX) < 0 ||
	    ctl_arg_str(c, args, "name", p.name, sizeof(p.name), true) < 0 ||
	    ctl_arg_str(c, args, "credential", ps.credential, sizeof(ps.credential),
	    true) < 0 ||
	    ctl_arg_str(c, args, "company", p.company, sizeof(p.company), false) < 0)
		return;
	if ((pm = desk_permit(e, permit)) == NULL) {
		ctl_reply_err(c, "no permit %" PRId64, permit);
		return;
	}
	if (strcmp(pm->state, "active") != 0 || !pm->fees_paid) {
		ctl_reply_err(c, "permit %" PRId64 " is %s: passes are made out only "
		    "against an active permit with its fees paid", pm->id,
		    strcmp(pm->state, "active") != 0 ? pm->state : "unpaid");
		return;
	}
	if (p.name[0] == '\0') {
		ctl_reply_err(c, "name must not be empty");
		return;
	}
	/* One pass per person, made out against their own ID. */
	if (ctl_desk_id_args(c, args, &p, true, NULL, NULL) <= 0 || !ctl_desk_credential_free(c, ps.credential))
		return;
	if ((held = desk_pass_live_of_hash(e, p.id_hash, "contractor")) != NULL) {
		ctl_reply_err(c, "this person holds contractor's pass %" PRId64
		    " already (one pass per person)", held->id);
		return;
	}
	str_copy(p.kind, "contractor", sizeof(p.kind));
	str_copy(p.status, "active", sizeof(p.status));
	if (p.company[0] == '\0')
		str_copy(p.company, pm->company, sizeof(p.company));
	str_copy(p.unit, pm->unit, sizeof(p.unit));
	p.created_ms = p.updated_ms = now;
	str_copy(p.created_by, c->user, sizeof(p.created_by));
	str_copy(ps.state, "active", sizeof(ps.state));
	ps.permit = pm->id;
	ps.floors = UINT64_C(1) << pm->floor;
	ps.valid_from_ms = ctl_desk_date_ms(pm->from_date, 0);
	ps.valid_until_ms = ctl_desk_date_ms(pm->until_date, 1);
	ps.issued_ms = now;
	str_copy(ps.issued_by, c->user, sizeof(ps.issued_by));
	in.person = p;
	in.pass = ps;
	snprintf(in.why, sizeof(in.why), "permit %" PRId64
	    ", unit %s", pm->id, pm->unit);
	ctl_desk_submit(c, &in);
}
