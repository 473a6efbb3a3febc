/*
 * The front desk's passes: pass.issue to a person on record, pass.show,
 * pass.extend and pass.revoke, each change recorded with who made it and why.
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

/* The lanes a pass names: each must exist. */
static bool
lanes_ok(struct ctl_client *c, const char *lanes)
{
	char buf[128], *save = NULL;

	str_copy(buf, lanes, sizeof(buf));
	for (char *w = strtok_r(buf, ",", &save); w != NULL;
	    w = strtok_r(NULL, ",", &save))
		if (config_lane_index(c->srv->e->site, w) < 0) {
			ctl_reply_err(c, "lanes: no lane \"%s\"", w);
			return false;
		}
	return true;
}

void
ctl_cmd_pass_issue(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "person", "credential", "valid_from_ms",
	    "valid_until_ms", "lanes", "floors", "single_entry", NULL };
	struct pass_rec p = { 0 };
	struct desk_person *who;
	struct desk_in in = { .action = DESK_PASS_PUT, .tag = "pass_issued" };

	if (!ctl_args_known(c, args, known) ||
	    (who = ctl_desk_person_arg(c, args, "person")) == NULL ||
	    ctl_arg_str(c, args, "credential", p.credential, sizeof(p.credential),
	    true) < 0 ||
	    ctl_arg_int(c, args, "valid_from_ms", &p.valid_from_ms, 0, INT64_MAX) < 0 ||
	    ctl_arg_int(c, args, "valid_until_ms", &p.valid_until_ms, 0, INT64_MAX) < 0 ||
	    ctl_arg_str(c, args, "lanes", p.lanes, sizeof(p.lanes), false) < 0 ||
	    ctl_desk_floors_arg(c, args, &p.floors) < 0 ||
	    ctl_arg_bool(c, args, "single_entry", &p.single_entry) < 0)
		return;
	if (strcmp(who->r.kind, "visitor") == 0 || strcmp(who->r.kind,
	    "contractor") == 0) {
		ctl_reply_err(c, "person %" PRId64 " is a %s: their passes come from "
		    "%s", who->r.id, who->r.kind, who->r.kind[0] == 'v' ?
		    "visitor.register" : "contractor.add (against a permit)");
		return;
	}
	if (p.valid_until_ms != 0 && p.valid_until_ms <= p.valid_from_ms) {
		ctl_reply_err(c, "valid until must be after valid from");
		return;
	}
	if (!ctl_desk_credential_free(c, p.credential) || !lanes_ok(c, p.lanes))
		return;
	p.person = who->r.id;
	str_copy(p.state, "active", sizeof(p.state));
	p.issued_ms = real_ms();
	str_copy(p.issued_by, c->user, sizeof(p.issued_by));
	in.pass = p;
	str_copy(in.person.kind, who->r.kind, sizeof(in.person.kind));
	ctl_desk_submit(c, &in);
}

/* The pass named by "id" (in memory: live, or ended in the last two days). */
struct pass_rec *
ctl_desk_pass_arg(struct ctl_client *c, json_object *args)
{
	int64_t id = 0;
	struct pass_rec *p;

	if (ctl_arg_int_required(c, args, "id", &id, 1, INT64_MAX) < 0)
		return NULL;
	if ((p = desk_pass(c->srv->e, id)) == NULL)
		ctl_reply_err(c, "no pass %" PRId64 " (passes ended more than two "
		    "days ago: pass.list all)", id);
	return p;
}

static bool
pass_live_or_say(struct ctl_client *c, const struct pass_rec *p)
{
	if (strcmp(p->state, "active") == 0 || strcmp(p->state, "pending") == 0)
		return true;
	ctl_reply_err(c, "pass %" PRId64 " is %s already", p->id, p->state);
	return false;
}

void
ctl_cmd_pass_show(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "id", NULL };
	struct pass_rec *p;

	if (ctl_args_known(c, args, known) && (p = ctl_desk_pass_arg(c, args)) != NULL)
		ctl_reply_ok(c, ctl_pass_json(c, p));
}

/* Submits a changed copy of pass p, recorded as tag with why. */
void
ctl_desk_pass_change(struct ctl_client *c, const struct pass_rec *p, const char *tag,
    const char *why)
{
	const struct desk_person *who = desk_person(c->srv->e, p->person);
	struct desk_in in = { .action = DESK_PASS_PUT, .pass = *p };

	if (who != NULL)
		in.person = who->r;
	str_copy(in.tag, tag, sizeof(in.tag));
	str_copy(in.why, why, sizeof(in.why));
	ctl_desk_submit(c, &in);
}

void
ctl_cmd_pass_extend(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "id", "valid_until_ms", NULL };
	struct pass_rec *p, n;
	int64_t until = 0, now = real_ms();
	char why[64];

	if (!ctl_args_known(c, args, known) || (p = ctl_desk_pass_arg(c, args)) == NULL ||
	    ctl_arg_int_required(c, args, "valid_until_ms", &until, 1, INT64_MAX) < 0)
		return;
	if (!pass_live_or_say(c, p))
		return;
	if (until <= now || until <= p->valid_from_ms) {
		ctl_reply_err(c, "pass %" PRId64 ": the new end must be in the future "
		    "and after its start", p->id);
		return;
	}
	n = *p;
	n.valid_until_ms = until;
	snprintf(why, sizeof(why), "valid until changed");
	ctl_desk_pass_change(c, &n, "pass_extended", why);
}

void
ctl_cmd_pass_revoke(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "id", "reason", NULL };
	struct pass_rec *p, n;
	char reason[DESK_TEXT_MAX];

	if (!ctl_args_known(c, args, known) || (p = ctl_desk_pass_arg(c, args)) == NULL ||
	    ctl_arg_str(c, args, "reason", reason, sizeof(reason), true) < 0)
		return;
	if (reason[0] == '\0') {
		ctl_reply_err(c, "reason must not be empty");
		return;
	}
	if (!pass_live_or_say(c, p))
		return;
	n = *p;
	str_copy(n.state, "revoked", sizeof(n.state));
	n.ended_ms = real_ms();
	str_copy(n.ended_by, c->user, sizeof(n.ended_by));
	str_copy(n.end_reason, reason, sizeof(n.end_reason));
	ctl_desk_pass_change(c, &n, "pass_revoked", reason);
}
