/*
 * What the front desk's control commands share (control/ctl.h): the JSON of
 * people and passes, the checks of credentials, ID numbers, floors and
 * dates, and the commit. Each command (ctl_people.c, ctl_passes.c,
 * ctl_visitors.c, ctl_permits.c) checks its arguments and makes the record;
 * the reply goes once the store has committed it, the engine's copy
 * (engine/desk.c) follows the commit, and an event says who did what. ID
 * numbers are hashed and masked on arrival and go no further.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../rules/hours.h"
#include "../rules/idcheck.h"
#include "../rules/visitor.h"
#include "control_int.h"
#include "ctl.h"
#include "ctl_desk.h"
#include "ctl_desk_int.h"
#include "../common/util.h"


/* ---- JSON of the records ------------------------------------------------ */

/* Tenants' units only to those who need them (the front desk, managers). */
bool
ctl_desk_sees_units(const struct ctl_client *c)
{
	return ctl_has_role(c, ROLE_FRONTDESK | ROLE_MANAGER);
}

json_object *
ctl_person_json(struct ctl_client *c, const void *row)
{
	const struct desk_person *p = row;
	json_object *o = ctl_fields_json(&p->r, CTL_FIELDS(
	    CTL_FIELD(person_rec, id), CTL_FIELD(person_rec, kind),
	    CTL_FIELD(person_rec, status), CTL_FIELD(person_rec, name),
	    CTL_FIELD(person_rec, id_type), CTL_FIELD(person_rec, id_mask),
	    CTL_FIELD(person_rec, company), CTL_FIELD(person_rec, schedule),
	    CTL_FIELD(person_rec, phone), CTL_FIELD(person_rec, created_ms),
	    CTL_FIELD(person_rec, created_by)));

	ctl_add_str(o, "unit", ctl_desk_sees_units(c) ? p->r.unit : "");
	ctl_add_bool(o, "purged", p->r.purged_ms != 0);
	return o;
}

json_object *
ctl_pass_json(struct ctl_client *c, const void *row)
{
	const struct pass_rec *p = row;
	json_object *o = ctl_fields_json(p, CTL_FIELDS(CTL_FIELD(pass_rec, id),
	    CTL_FIELD(pass_rec, person), CTL_FIELD(pass_rec, credential),
	    CTL_FIELD(pass_rec, state), CTL_FIELD(pass_rec, valid_from_ms),
	    CTL_FIELD(pass_rec, valid_until_ms), CTL_FIELD(pass_rec, lanes),
	    CTL_FIELD(pass_rec, single_entry), CTL_FIELD(pass_rec, used),
	    CTL_FIELD(pass_rec, permit), CTL_FIELD(pass_rec, issued_ms),
	    CTL_FIELD(pass_rec, issued_by), CTL_FIELD(pass_rec, confirmed_ms),
	    CTL_FIELD(pass_rec, confirmed_by), CTL_FIELD(pass_rec, ended_ms),
	    CTL_FIELD(pass_rec, ended_by), CTL_FIELD(pass_rec, end_reason),
	    CTL_FIELD_AS(pass_rec, vclass, "class"), CTL_FIELD(pass_rec, host),
	    CTL_FIELD(pass_rec, purpose), CTL_FIELD(pass_rec, party),
	    CTL_FIELD(pass_rec, appointment), CTL_FIELD(pass_rec, override_by),
	    CTL_FIELD(pass_rec, override_reason), CTL_FIELD(pass_rec, host_reason)));
	const struct desk_person *who = desk_person(c->srv->e, p->person);
	char floors[200];

	/* The person's name, kind and masked document; the unit only to
	 * those who see units. */
	ctl_add_str(o, "name", who != NULL ? who->r.name : "");
	ctl_add_str(o, "kind", who != NULL ? who->r.kind : "");
	ctl_add_str(o, "id_mask", who != NULL ? who->r.id_mask : "");
	ctl_add_str(o, "unit", !ctl_desk_sees_units(c) ? "" : p->host_unit[0] ?
	    p->host_unit : who != NULL ? who->r.unit : "");
	rule_floors_str(p->floors, floors, sizeof(floors));
	ctl_add_str(o, "floors", floors);
	ctl_notice_json(c, p, o);
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
bool
ctl_desk_credential_free(struct ctl_client *c, const char *cred)
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
    bool required, const char *override, bool *overridden)
{
	char type[16] = "", number[64] = "", norm[PRIVACY_ID_MAX + 1], err[128];
	struct rule_time today;
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
		ctl_reply_err(c, "id_type \"%s\": resident_card, passport, "
		    "hk_macao_permit, taiwan_permit, foreign_pr_card or other "
		    "expected", type);
		goto out_wipe;
	}
	if (privacy_id_normalise(number, norm, sizeof(norm), err, sizeof(err)) == -1) {
		ctl_reply_err(c, "id_number: %s", err);
		goto out_wipe;
	}
	desk_rule_time(real_ms(), &today);
	if (overridden != NULL)
		*overridden = false;
	if (!rule_id_check((enum id_type)t, norm, today.date, err, sizeof(err))) {
		if (override == NULL || override[0] == '\0') {
			ctl_reply_err(c, "id_number is not a valid %s number: %s (%s)",
			    rule_id_type_name((enum id_type)t), err, override != NULL ?
			    "a manager may accept it with an override and a reason" :
			    "a document of another kind is id_type other");
			sodium_memzero(norm, sizeof(norm));
			goto out_wipe;
		}
		if (overridden != NULL)
			*overridden = true;
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

int
ctl_desk_floors_arg(struct ctl_client *c, json_object *args, uint64_t *floors)
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

bool
ctl_desk_after_arg(struct ctl_client *c, json_object *args, int64_t *after)
{
	char s[24] = "", *end;

	*after = 0;
	if (ctl_arg_str(c, args, "after", s, sizeof(s), false) < 0)
		return false;
	if (s[0] == '\0')
		return true;
	errno = 0;
	*after = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || !isdigit((unsigned char)s[0]) ||
	    *after < 1) {
		ctl_reply_err(c, "\"after\" is not a cursor from an earlier "
		    "page: \"%s\"", s);
		return false;
	}
	return true;
}

void
ctl_desk_page(struct ctl_client *c, const void *rows, size_t n, size_t size,
    ctl_row_fn *row)
{
	size_t k = n < CTL_PAGE_ROWS ? n : CTL_PAGE_ROWS;
	char more[24];

	if (k < n)
		snprintf(more, sizeof(more), "%" PRId64,
		    *(const int64_t *)((const char *)rows + (k - 1) * size));
	ctl_reply_page(c, ctl_rows_json(c, rows, k, size, row),
	    k < n ? more : NULL);
}

void
ctl_desk_list(struct ctl_client *c, json_object *args, const void *rows, size_t n,
    size_t size, ctl_row_fn *row)
{
	static const char *const known[] = { "after", NULL };
	int64_t after;
	size_t i;

	if (!ctl_args_known(c, args, known) || !ctl_desk_after_arg(c, args, &after))
		return;
	i = desk_index_after(rows, n, size, after);
	/* An empty list may have no array at all. */
	ctl_desk_page(c, i < n ? (const char *)rows + i * size : NULL, n - i,
	    size, row);
}

void
ctl_desk_rows_page(struct ctl_client *c, const struct store_req *req,
    size_t size, ctl_row_fn *row)
{
	if (req->status != 0)
		ctl_reply_err(c, "%s", req->error);
	else
		ctl_desk_page(c, req->rows, req->nrows, size, row);
}

/* Local midnight starting the day YYYYMMDD, in ms; plus days. */
int64_t
ctl_desk_date_ms(int date, int plus_days)
{
	struct tm tm = { .tm_year = date / 10000 - 1900, .tm_mon = date / 100 % 100 - 1,
	    .tm_mday = date % 100 + plus_days, .tm_isdst = -1 };

	return (int64_t)mktime(&tm) * 1000;
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
	/* The visitor is at the desk now: the clerk is asked to keep them. */
	if (strcmp(p->kind, "visitor") == 0)
		desk_watch_cue(c->srv->e, p);
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
		if (in->action == DESK_REGISTER && strcmp(in->person.kind, "visitor") == 0)
			desk_visit_registered(e, &in->person, &in->pass);
		o = ctl_pass_json(c, &in->pass);
		if (strcmp(in->person.kind, "visitor") == 0 &&
		    strncmp(in->pass.credential, "VP-", 3) == 0)
			ctl_add_str(o, "code", in->pass.credential);
		if (in->returning) {	/* ctl_visits.c: the person reused */
			ctl_add_bool(o, "returning", true);
			ctl_add_int(o, "earlier_visits", in->earlier);
		}
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
		o = ctl_permit_json(c, &in->permit);
		ctl_add_bool(o, "passes_ended", req->found);
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

void
ctl_desk_submit(struct ctl_client *c, const struct desk_in *in)
{
	ctl_request(c, STORE_DESK, desk_written, &(union store_in){ .desk = *in });
}
