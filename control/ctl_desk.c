/*
 * The front desk's control commands (daemon/ctl.h): people, passes, visitor
 * registration and confirmation, renovation permits and contractors' passes.
 * Each checks its arguments, makes the record, and replies once the store has
 * committed it; the engine's copy (daemon/desk.c) follows the commit, and an
 * event says who did what. ID numbers are hashed and masked on arrival and
 * go no further.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../rules/hours.h"
#include "../rules/visitor.h"
#include "control_int.h"
#include "ctl_desk.h"
#include "../common/util.h"

#define MS_PER_DAY	86400000LL

/* ---- JSON of the records ------------------------------------------------ */

static void
add_bool(json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

/* Tenants' units only to those who need them (the front desk, managers). */
bool
ctl_desk_sees_units(const struct ctl_client *c)
{
	return ctl_has_role(c, ROLE_FRONTDESK | ROLE_MANAGER);
}

json_object *
ctl_person_json(const struct ctl_client *c, const struct desk_person *p)
{
	json_object *o = json_object_new_object();

	ctl_add_int(o, "id", p->r.id);
	ctl_add_str(o, "kind", p->r.kind);
	ctl_add_str(o, "status", p->r.status);
	ctl_add_str(o, "name", p->r.name);
	ctl_add_str(o, "id_type", p->r.id_type);
	ctl_add_str(o, "id_mask", p->r.id_mask);
	ctl_add_str(o, "company", p->r.company);
	ctl_add_str(o, "unit", ctl_desk_sees_units(c) ? p->r.unit : "");
	ctl_add_str(o, "schedule", p->r.schedule);
	ctl_add_int(o, "created_ms", p->r.created_ms);
	ctl_add_str(o, "created_by", p->r.created_by);
	add_bool(o, "purged", p->r.purged_ms != 0);
	return o;
}

json_object *
ctl_pass_json(struct ctl_client *c, const struct pass_rec *p)
{
	json_object *o = json_object_new_object();
	const struct desk_person *who = desk_person(c->srv->e, p->person);
	char floors[200];

	rule_floors_str(p->floors, floors, sizeof(floors));
	ctl_add_int(o, "id", p->id);
	ctl_add_int(o, "person", p->person);
	ctl_add_str(o, "name", who != NULL ? who->r.name : "");
	ctl_add_str(o, "kind", who != NULL ? who->r.kind : "");
	ctl_add_str(o, "id_mask", who != NULL ? who->r.id_mask : "");
	ctl_add_str(o, "unit", who != NULL && ctl_desk_sees_units(c) ? who->r.unit : "");
	ctl_add_str(o, "credential", p->credential);
	ctl_add_str(o, "state", p->state);
	ctl_add_int(o, "valid_from_ms", p->valid_from_ms);
	ctl_add_int(o, "valid_until_ms", p->valid_until_ms);
	ctl_add_str(o, "lanes", p->lanes);
	ctl_add_str(o, "floors", floors);
	add_bool(o, "single_entry", p->single_entry);
	add_bool(o, "used", p->used);
	ctl_add_int(o, "permit", p->permit);
	ctl_add_int(o, "issued_ms", p->issued_ms);
	ctl_add_str(o, "issued_by", p->issued_by);
	ctl_add_int(o, "confirmed_ms", p->confirmed_ms);
	ctl_add_str(o, "confirmed_by", p->confirmed_by);
	ctl_add_int(o, "ended_ms", p->ended_ms);
	ctl_add_str(o, "ended_by", p->ended_by);
	ctl_add_str(o, "end_reason", p->end_reason);
	ctl_add_str(o, "class", p->vclass);
	ctl_add_str(o, "host", p->host);
	ctl_add_str(o, "purpose", p->purpose);
	ctl_add_int(o, "party", p->party);
	add_bool(o, "appointment", p->appointment);
	ctl_add_str(o, "override_by", p->override_by);
	ctl_add_str(o, "override_reason", p->override_reason);
	return o;
}

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

static json_object *
permit_json(struct ctl_client *c, const struct permit_rec *p)
{
	json_object *o = json_object_new_object();
	char days[40];

	rule_days_str(p->days, days, sizeof(days));
	ctl_add_int(o, "id", p->id);
	ctl_add_str(o, "unit", p->unit);
	ctl_add_str(o, "company", p->company);
	ctl_add_int(o, "from", p->from_date);
	ctl_add_int(o, "until", p->until_date);
	ctl_add_str(o, "days", days);
	ctl_add_str(o, "hours", p->hours);
	ctl_add_int(o, "floor", p->floor);
	add_bool(o, "fees_paid", p->fees_paid);
	ctl_add_str(o, "state", p->state);
	ctl_add_int(o, "created_ms", p->created_ms);
	ctl_add_str(o, "created_by", p->created_by);
	ctl_add_int(o, "updated_ms", p->updated_ms);
	ctl_add_str(o, "updated_by", p->updated_by);
	ctl_add_int(o, "passes", live_passes_of_permit(c->srv->e, p->id));
	return o;
}

/* ---- shared checks --------------------------------------------------------- */

/* A card uid or a visitor code: 4..31 of [0-9A-Z-]. */
static bool
credential_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 4 || n > 31)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    s[i] == '-'))
			return false;
	return true;
}

/* The credential is free: no live pass and no plain card carries it. */
static bool
credential_free(struct ctl_client *c, const char *cred)
{
	struct engine *e = c->srv->e;
	const struct pass_rec *p = desk_pass_live(e, cred);

	if (!credential_ok(cred)) {
		ctl_reply_err(c, "credential \"%s\": 4 to 31 upper-case letters, "
		    "digits or '-' expected", cred);
		return false;
	}
	if (p != NULL) {
		ctl_reply_err(c, "credential %s is carried by pass %" PRId64
		    " already (%s)", cred, p->id, p->state);
		return false;
	}
	if (engine_card_find(e, cred, &(struct card_view){ 0 })) {
		ctl_reply_err(c, "credential %s is a card on the card list "
		    "(lobbyctl card remove it first)", cred);
		return false;
	}
	return true;
}

/*
 * id_type and id_number: both or (when !required) neither. The number is
 * normalised, hashed and masked into p; it is never copied anywhere else,
 * and no error repeats it. 1 given, 0 not given, -1 wrong (error sent).
 */
int
ctl_desk_id_args(struct ctl_client *c, json_object *args, struct person_rec *p,
    bool required)
{
	char type[16] = "", number[64] = "", norm[PRIVACY_ID_MAX + 1], err[128];
	int t, nt, nn;

	if ((nt = ctl_arg_str(c, args, "id_type", type, sizeof(type), required)) < 0)
		return -1;
	nn = ctl_arg_str(c, args, "id_number", number, sizeof(number), required);
	if (nn < 0)
		goto out_wipe;
	if (nt == 0 && nn == 0)
		return 0;
	if (nt == 0 || nn == 0) {
		ctl_reply_err(c, "id_type and id_number go together");
		goto out_wipe;
	}
	if ((t = rule_id_type_parse(type)) <= 0) {
		ctl_reply_err(c, "id_type \"%s\": resident_card, passport or other "
		    "expected", type);
		goto out_wipe;
	}
	if (privacy_id_normalise(number, norm, sizeof(norm), err, sizeof(err)) == -1) {
		ctl_reply_err(c, "id_number: %s", err);
		goto out_wipe;
	}
	str_copy(p->id_type, rule_id_type_name((enum id_type)t), sizeof(p->id_type));
	privacy_id_hash(&c->srv->e->desk->key, p->id_type, norm, p->id_hash);
	privacy_id_mask(norm, p->id_mask, sizeof(p->id_mask));
	sodium_memzero(number, sizeof(number));
	sodium_memzero(norm, sizeof(norm));
	return 1;

out_wipe:
	sodium_memzero(number, sizeof(number));
	return -1;
}

static const char *const person_kinds[] = { "tenant_staff", "property_staff",
	"contractor", NULL };

static bool
word_in(const char *w, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strcmp(w, *words) == 0)
			return true;
	return false;
}

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

static int
floors_arg(struct ctl_client *c, json_object *args, uint64_t *floors)
{
	char buf[128], err[160];
	int rc = ctl_arg_str(c, args, "floors", buf, sizeof(buf), false);

	if (rc <= 0)
		return rc;
	if (rule_floors_parse(buf, floors, err, sizeof(err)) == -1) {
		ctl_reply_err(c, "floors: %s", err);
		return -1;
	}
	return 1;
}

/* Local midnight starting the day YYYYMMDD, in ms; plus days. */
static int64_t
date_ms(int date, int plus_days)
{
	struct tm tm = { .tm_year = date / 10000 - 1900, .tm_mon = date / 100 % 100 - 1,
	    .tm_mday = date % 100 + plus_days, .tm_isdst = -1 };

	return (int64_t)mktime(&tm) * 1000;
}

static bool
date_valid(int64_t d)
{
	struct tm tm = { .tm_year = (int)(d / 10000) - 1900,
	    .tm_mon = (int)(d / 100 % 100) - 1, .tm_mday = (int)(d % 100),
	    .tm_hour = 12, .tm_isdst = -1 };

	if (d < 20000101 || d > 29991231)
		return false;
	mktime(&tm);
	return tm.tm_year == (int)(d / 10000) - 1900 &&
	    tm.tm_mon == (int)(d / 100 % 100) - 1 && tm.tm_mday == (int)(d % 100);
}

/* ---- committing, and what follows a commit ---------------------------------- */

static void
audit(struct ctl_client *c, const char *kind, int64_t person, const char *cred,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
audit(struct ctl_client *c, const char *kind, int64_t person, const char *cred,
    const char *fmt, ...)
{
	struct ev_rec ev;
	va_list ap;

	engine_ev_init(&ev, kind);
	str_copy(ev.actor, c->user, sizeof(ev.actor));
	str_copy(ev.credential, cred != NULL ? cred : "", sizeof(ev.credential));
	ev.person = person;
	va_start(ap, fmt);
	vsnprintf(ev.detail, sizeof(ev.detail), fmt, ap);
	va_end(ap);
	engine_event(c->srv->e, &ev);
}

/* A person, just stored, whose ID is on the watch list: security hears of
 * it; the reply to the desk is the same as for anyone. */
static void
watch_check(struct ctl_client *c, const struct person_rec *p, const char *what)
{
	char kind[24], msg[200];

	if (!desk_hash_watched(c->srv->e, p->id_hash))
		return;
	snprintf(kind, sizeof(kind), "site_watch_%" PRId64, p->id);
	snprintf(msg, sizeof(msg), "Watch-listed person %s by %s: %.60s, ID %s%s%.15s",
	    what, c->user, p->name, p->id_mask, p->unit[0] ? ", unit " : "", p->unit);
	alert_raise(c->srv->e, "site", kind, SEV_URGENT, AUD_SECURITY, msg);
}

static void
desk_written(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	struct engine *e = c->srv->e;
	struct desk_in *in = &req->in.desk;
	json_object *o;
	char label[96];

	if (req->status != 0) {
		ctl_reply_err(c, "not stored: %s", req->error);
		goto out;
	}
	switch (in->action) {
	case DESK_PERSON_PUT:
		in->person.id = req->id;
		if (desk_put_person(e, &in->person) == -1)
			goto out_oom;
		snprintf(label, sizeof(label), "%.60s, %s", in->person.name,
		    in->person.kind);
		audit(c, in->tag, in->person.id, NULL, "person %" PRId64 " %s%s%s",
		    in->person.id, label, in->why[0] ? ": " : "", in->why);
		if (strcmp(in->tag, "person_added") == 0)
			watch_check(c, &in->person, "added");
		ctl_reply_ok(c, ctl_person_json(c, desk_person(e, in->person.id)));
		break;
	case DESK_REGISTER:
		if (desk_put_person(e, &in->person) == -1)
			goto out_oom;
		/* fall through */
	case DESK_PASS_PUT:
		in->pass.id = req->id;
		if (desk_put_pass(e, &in->pass) == -1)
			goto out_oom;
		audit(c, in->tag, in->pass.person, in->pass.credential, "pass %"
		    PRId64 " (%s)%s%s", in->pass.id, in->pass.state,
		    in->why[0] ? ": " : "", in->why);
		if (in->action == DESK_REGISTER)
			watch_check(c, &in->person, strcmp(in->person.kind, "visitor") ?
			    "given a contractor's pass" : "registered as a visitor");
		o = ctl_pass_json(c, &in->pass);
		if (strcmp(in->person.kind, "visitor") == 0 &&
		    strncmp(in->pass.credential, "VP-", 3) == 0)
			ctl_add_str(o, "code", in->pass.credential);
		ctl_reply_ok(c, o);
		break;
	case DESK_PERMIT_PUT:
		in->permit.id = req->id;
		if (desk_put_permit(e, &in->permit) == -1)
			goto out_oom;
		if (in->end_passes)
			desk_end_permit_passes(e, in->permit.id, in->permit.updated_ms,
			    c->user, in->pass.end_reason);
		audit(c, in->tag, 0, NULL, "permit %" PRId64 " unit %s %s (%s)%s%s",
		    in->permit.id, in->permit.unit, in->permit.company, in->permit.state,
		    in->why[0] ? ": " : "", in->why);
		o = permit_json(c, &in->permit);
		add_bool(o, "passes_ended", req->found);
		ctl_reply_ok(c, o);
		break;
	default:
		ctl_reply_err(c, "internal: unexpected front desk reply");
		break;
	}
out:
	ctl_req_finish(c, req);
	return;
out_oom:
	ctl_reply_err(c, "stored, but lobbyd is out of memory and will not know it "
	    "until restarted");
	ctl_req_finish(c, req);
}

/* A store request for this action, to be filled and then submitted. */
static struct store_req *
desk_req(struct ctl_client *c, enum desk_action action, const char *tag)
{
	struct store_req *req = ctl_req_new(c, STORE_DESK, desk_written);

	if (req != NULL) {
		req->in.desk.action = action;
		str_copy(req->in.desk.tag, tag, sizeof(req->in.desk.tag));
	}
	return req;
}

/* ---- people ---------------------------------------------------------------- */

void
ctl_cmd_person_add(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "kind", "name", "id_type", "id_number",
	    "company", "unit", "schedule", NULL };
	struct person_rec p = { 0 };
	struct store_req *req;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "kind", p.kind, sizeof(p.kind), true) < 0 ||
	    ctl_arg_str(c, args, "name", p.name, sizeof(p.name), true) < 0 ||
	    ctl_arg_str(c, args, "company", p.company, sizeof(p.company), false) < 0 ||
	    ctl_arg_str(c, args, "unit", p.unit, sizeof(p.unit), false) < 0 ||
	    ctl_arg_str(c, args, "schedule", p.schedule, sizeof(p.schedule), false) < 0)
		return;
	if (!word_in(p.kind, person_kinds)) {
		ctl_reply_err(c, "kind \"%s\": tenant_staff, property_staff or "
		    "contractor expected (visitors: visitor.register)", p.kind);
		return;
	}
	if (p.name[0] == '\0') {
		ctl_reply_err(c, "name must not be empty");
		return;
	}
	if (p.schedule[0] != '\0' &&
	    config_schedule_index(c->srv->e->site, p.schedule) < 0) {
		ctl_reply_err(c, "schedule \"%s\" is not in the configuration",
		    p.schedule);
		return;
	}
	if (ctl_desk_id_args(c, args, &p, false) < 0)
		return;
	str_copy(p.status, "active", sizeof(p.status));
	p.created_ms = p.updated_ms = real_ms();
	str_copy(p.created_by, c->user, sizeof(p.created_by));
	if ((req = desk_req(c, DESK_PERSON_PUT, "person_added")) == NULL)
		return;
	req->in.desk.person = p;
	ctl_req_submit(c, req);
}

void
ctl_cmd_person_list(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { NULL };
	struct desk *d = c->srv->e->desk;
	json_object *arr;

	if (!ctl_args_known(c, args, known))
		return;
	arr = json_object_new_array();
	for (size_t i = 0; i < d->npeople && i < DESK_LIST_MAX; i++)
		json_object_array_add(arr, ctl_person_json(c, &d->people[i]));
	ctl_reply_ok(c, arr);
}

/* The person named by "id": NULL (error sent) when there is none. */
static struct desk_person *
person_arg(struct ctl_client *c, json_object *args, const char *key)
{
	int64_t id = 0;
	struct desk_person *p;
	int rc = ctl_arg_int(c, args, key, &id, 1, INT64_MAX);

	if (rc <= 0) {
		if (rc == 0)
			ctl_reply_err(c, "\"%s\" is required", key);
		return NULL;
	}
	if ((p = desk_person(c->srv->e, id)) == NULL)
		ctl_reply_err(c, "no person %" PRId64, id);
	return p;
}

void
ctl_cmd_person_show(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "id", NULL };
	struct desk *d = c->srv->e->desk;
	struct desk_person *p;
	json_object *o, *arr;

	if (!ctl_args_known(c, args, known) || (p = person_arg(c, args, "id")) == NULL)
		return;
	o = ctl_person_json(c, p);
	arr = json_object_new_array();
	for (size_t i = 0; i < d->npasses; i++)
		if (d->passes[i].person == p->r.id)
			json_object_array_add(arr, ctl_pass_json(c, &d->passes[i]));
	json_object_object_add(o, "passes", arr);
	ctl_reply_ok(c, o);
}

void
ctl_cmd_person_status(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "id", "status", "reason", NULL };
	static const char *const statuses[] = { "active", "suspended", "terminated",
	    NULL };
	struct desk_person *p;
	struct store_req *req;
	char status[12], reason[DESK_TEXT_MAX];

	if (!ctl_args_known(c, args, known) || (p = person_arg(c, args, "id")) == NULL ||
	    ctl_arg_str(c, args, "status", status, sizeof(status), true) < 0 ||
	    ctl_arg_str(c, args, "reason", reason, sizeof(reason), true) < 0)
		return;
	if (!word_in(status, statuses)) {
		ctl_reply_err(c, "status \"%s\": active, suspended or terminated "
		    "expected", status);
		return;
	}
	if (reason[0] == '\0') {
		ctl_reply_err(c, "reason must not be empty");
		return;
	}
	if (p->r.purged_ms != 0) {
		ctl_reply_err(c, "person %" PRId64 ": personal data purged", p->r.id);
		return;
	}
	if ((req = desk_req(c, DESK_PERSON_PUT, "person_status")) == NULL)
		return;
	req->in.desk.person = p->r;
	str_copy(req->in.desk.person.status, status, sizeof(req->in.desk.person.status));
	req->in.desk.person.updated_ms = real_ms();
	snprintf(req->in.desk.why, sizeof(req->in.desk.why), "%s: %.80s", status,
	    reason);
	ctl_req_submit(c, req);
}

/* ---- passes ------------------------------------------------------------------ */

void
ctl_cmd_pass_issue(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "person", "credential", "valid_from_ms",
	    "valid_until_ms", "lanes", "floors", "single_entry", NULL };
	struct pass_rec p = { 0 };
	struct desk_person *who;
	struct store_req *req;

	if (!ctl_args_known(c, args, known) ||
	    (who = person_arg(c, args, "person")) == NULL ||
	    ctl_arg_str(c, args, "credential", p.credential, sizeof(p.credential),
	    true) < 0 ||
	    ctl_arg_int(c, args, "valid_from_ms", &p.valid_from_ms, 0, INT64_MAX) < 0 ||
	    ctl_arg_int(c, args, "valid_until_ms", &p.valid_until_ms, 0, INT64_MAX) < 0 ||
	    ctl_arg_str(c, args, "lanes", p.lanes, sizeof(p.lanes), false) < 0 ||
	    floors_arg(c, args, &p.floors) < 0 ||
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
	if (!credential_free(c, p.credential) || !lanes_ok(c, p.lanes))
		return;
	p.person = who->r.id;
	str_copy(p.state, "active", sizeof(p.state));
	p.issued_ms = real_ms();
	str_copy(p.issued_by, c->user, sizeof(p.issued_by));
	if ((req = desk_req(c, DESK_PASS_PUT, "pass_issued")) == NULL)
		return;
	req->in.desk.pass = p;
	str_copy(req->in.desk.person.kind, who->r.kind, sizeof(req->in.desk.person.kind));
	ctl_req_submit(c, req);
}

/* The pass named by "id" (in memory: live, or ended in the last two days). */
static struct pass_rec *
pass_arg(struct ctl_client *c, json_object *args)
{
	int64_t id = 0;
	struct pass_rec *p;
	int rc = ctl_arg_int(c, args, "id", &id, 1, INT64_MAX);

	if (rc <= 0) {
		if (rc == 0)
			ctl_reply_err(c, "\"id\" is required");
		return NULL;
	}
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

	if (ctl_args_known(c, args, known) && (p = pass_arg(c, args)) != NULL)
		ctl_reply_ok(c, ctl_pass_json(c, p));
}

/* Submits a changed copy of pass p, recorded as tag with why. */
static void
pass_change(struct ctl_client *c, const struct pass_rec *p, const char *tag,
    const char *why)
{
	struct store_req *req = desk_req(c, DESK_PASS_PUT, tag);
	const struct desk_person *who = desk_person(c->srv->e, p->person);

	if (req == NULL)
		return;
	req->in.desk.pass = *p;
	if (who != NULL)
		req->in.desk.person = who->r;
	str_copy(req->in.desk.why, why, sizeof(req->in.desk.why));
	ctl_req_submit(c, req);
}

void
ctl_cmd_pass_extend(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "id", "valid_until_ms", NULL };
	struct pass_rec *p, n;
	int64_t until = 0, now = real_ms();
	char why[64];

	if (!ctl_args_known(c, args, known) || (p = pass_arg(c, args)) == NULL ||
	    ctl_arg_int(c, args, "valid_until_ms", &until, 1, INT64_MAX) < 0)
		return;
	if (until == 0) {
		ctl_reply_err(c, "\"valid_until_ms\" is required");
		return;
	}
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
	pass_change(c, &n, "pass_extended", why);
}

void
ctl_cmd_pass_revoke(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "id", "reason", NULL };
	struct pass_rec *p, n;
	char reason[DESK_TEXT_MAX];

	if (!ctl_args_known(c, args, known) || (p = pass_arg(c, args)) == NULL ||
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
	pass_change(c, &n, "pass_revoked", reason);
}

/* ---- visitors ---------------------------------------------------------------- */

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
	until = date_ms(t.date, 0) + (int64_t)(e->site->visitor_until_min > 0 ?
	    e->site->visitor_until_min : 1439) * 60000 + 59999;
	return until > now ? until : 0;
}

void
ctl_cmd_visitor_register(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "name", "id_type", "id_number",
	    "host_unit", "host", "class", "purpose", "party", "valid_until_ms",
	    "appointment", "category", "override", "floors", "card", NULL };
	struct engine *e = c->srv->e;
	struct person_rec p = { 0 };
	struct pass_rec ps = { 0 };
	struct visitor_reg reg = { .party_size = 1 };
	struct visitor_verdict v;
	struct store_req *req;
	char cls[16], cat[16] = "none", over[DESK_TEXT_MAX] = "", card[32] = "";
	int64_t party = 1, now = real_ms();
	int k, has_id;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "name", p.name, sizeof(p.name), true) < 0 ||
	    ctl_arg_str(c, args, "host_unit", p.unit, sizeof(p.unit), false) < 0 ||
	    ctl_arg_str(c, args, "host", ps.host, sizeof(ps.host), false) < 0 ||
	    ctl_arg_str(c, args, "class", cls, sizeof(cls), true) < 0 ||
	    ctl_arg_str(c, args, "purpose", ps.purpose, sizeof(ps.purpose), true) < 0 ||
	    ctl_arg_int(c, args, "party", &party, 1, 1000) < 0 ||
	    ctl_arg_int(c, args, "valid_until_ms", &ps.valid_until_ms, 0, INT64_MAX) < 0 ||
	    ctl_arg_bool(c, args, "appointment", &ps.appointment) < 0 ||
	    ctl_arg_str(c, args, "category", cat, sizeof(cat), false) < 0 ||
	    ctl_arg_str(c, args, "override", over, sizeof(over), false) < 0 ||
	    floors_arg(c, args, &ps.floors) < 0 ||
	    ctl_arg_str(c, args, "card", card, sizeof(card), false) < 0)
		return;
	if (p.name[0] == '\0') {
		ctl_reply_err(c, "name must not be empty");
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
	if ((has_id = ctl_desk_id_args(c, args, &p, false)) < 0)
		return;
	reg.id_type = has_id ? (enum id_type)rule_id_type_parse(p.id_type) : ID_NONE;
	reg.has_id_number = has_id > 0;
	reg.has_host = p.unit[0] != '\0' && ps.host[0] != '\0';
	reg.has_appointment = ps.appointment;
	reg.party_size = (int)party;
	reg.manager_override = over[0] != '\0';
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
		if (!credential_free(c, card))
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
	if (v.overridden) {
		str_copy(ps.override_by, c->user, sizeof(ps.override_by));
		snprintf(ps.override_reason, sizeof(ps.override_reason), "%s: %s",
		    rule_reg_reason_code(v.reason), over);
	}
	if ((req = desk_req(c, DESK_REGISTER, "visitor_registered")) == NULL)
		return;
	req->in.desk.person = p;
	req->in.desk.pass = ps;
	snprintf(req->in.desk.why, sizeof(req->in.desk.why), "%s, host unit %s%s",
	    ps.vclass, p.unit, v.overridden ? ", manager's override" : "");
	ctl_req_submit(c, req);
}

void
ctl_cmd_visitor_confirm(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "id", NULL };
	struct pass_rec *p, n;
	const struct desk_person *who;

	if (!ctl_args_known(c, args, known) || (p = pass_arg(c, args)) == NULL)
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
	pass_change(c, &n, "visitor_confirmed", "host confirmed");
}

/* ---- permits and contractors ---------------------------------------------------- */

void
ctl_cmd_permit_add(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "unit", "company", "from", "until",
	    "days", "hours", "floor", "fees_paid", NULL };
	struct permit_rec p = { 0 };
	struct rule_period per[RULE_MAX_PERIODS];
	struct store_req *req;
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
	if (!date_valid(from) || !date_valid(until) || until < from) {
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
	if ((req = desk_req(c, DESK_PERMIT_PUT, "permit_added")) == NULL)
		return;
	req->in.desk.permit = p;
	ctl_req_submit(c, req);
}

void
ctl_cmd_permit_list(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { NULL };
	struct desk *d = c->srv->e->desk;
	json_object *arr;

	if (!ctl_args_known(c, args, known))
		return;
	arr = json_object_new_array();
	for (size_t i = 0; i < d->npermits && i < DESK_LIST_MAX; i++)
		json_object_array_add(arr, permit_json(c, &d->permits[i]));
	ctl_reply_ok(c, arr);
}

void
ctl_cmd_permit_set(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "id", "state", "fees_paid", NULL };
	static const char *const states[] = { "active", "suspended", "closed", NULL };
	struct permit_rec *p, n;
	struct store_req *req;
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
	if (rs > 0 && !word_in(state, states)) {
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
	if ((req = desk_req(c, DESK_PERMIT_PUT, "permit_changed")) == NULL)
		return;
	req->in.desk.permit = n;
	/* Suspended or closed: every pass made out against it ends now. */
	req->in.desk.end_passes = strcmp(n.state, "active") != 0 &&
	    strcmp(p->state, n.state) != 0;
	snprintf(req->in.desk.pass.end_reason, sizeof(req->in.desk.pass.end_reason),
	    "permit %" PRId64 " %s", n.id, n.state);
	snprintf(req->in.desk.why, sizeof(req->in.desk.why), "%s%s", n.state,
	    n.fees_paid != p->fees_paid ? ", fees paid" : "");
	ctl_req_submit(c, req);
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
	struct store_req *req;
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
	if (ctl_desk_id_args(c, args, &p, true) <= 0 || !credential_free(c, ps.credential))
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
	ps.valid_from_ms = date_ms(pm->from_date, 0);
	ps.valid_until_ms = date_ms(pm->until_date, 1);
	ps.issued_ms = now;
	str_copy(ps.issued_by, c->user, sizeof(ps.issued_by));
	if ((req = desk_req(c, DESK_REGISTER, "contractor_added")) == NULL)
		return;
	req->in.desk.person = p;
	req->in.desk.pass = ps;
	snprintf(req->in.desk.why, sizeof(req->in.desk.why), "permit %" PRId64
	    ", unit %s", pm->id, pm->unit);
	ctl_req_submit(c, req);
}
