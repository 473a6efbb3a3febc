/*
 * The front desk's people: person.add (tenants' and the property's staff,
 * contractors), person.list (a page at a time, all or those a find finds),
 * person.show with their passes, person.status.
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
#include "ctl.h"
#include "ctl_desk.h"
#include "ctl_desk_int.h"
#include "../common/util.h"

static const char *const person_kinds[] = { "tenant_staff", "property_staff",
	"contractor", NULL };

void
ctl_cmd_person_add(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "kind", "name", "id_type", "id_number",
	    "company", "unit", "schedule", NULL };
	struct desk_in in = { .action = DESK_PERSON_PUT, .tag = "person_added" };
	struct person_rec *p = &in.person;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "kind", p->kind, sizeof(p->kind), true) < 0 ||
	    ctl_arg_str(c, args, "name", p->name, sizeof(p->name), true) < 0 ||
	    ctl_arg_str(c, args, "company", p->company, sizeof(p->company), false) < 0 ||
	    ctl_arg_str(c, args, "unit", p->unit, sizeof(p->unit), false) < 0 ||
	    ctl_arg_str(c, args, "schedule", p->schedule, sizeof(p->schedule), false) < 0)
		return;
	if (!str_in(p->kind, person_kinds)) {
		ctl_reply_err(c, "kind \"%s\": tenant_staff, property_staff or "
		    "contractor expected (visitors: visitor.register)", p->kind);
		return;
	}
	if (p->name[0] == '\0') {
		ctl_reply_err(c, "name must not be empty");
		return;
	}
	if (p->schedule[0] != '\0' &&
	    config_schedule_index(c->srv->e->site, p->schedule) < 0) {
		ctl_reply_err(c, "schedule \"%s\" is not in the configuration",
		    p->schedule);
		return;
	}
	if (ctl_desk_id_args(c, args, p, false, NULL, NULL) < 0)
		return;
	str_copy(p->status, "active", sizeof(p->status));
	p->created_ms = p->updated_ms = real_ms();
	str_copy(p->created_by, c->user, sizeof(p->created_by));
	ctl_desk_submit(c, &in);
}

bool
ctl_person_found(const struct person_rec *p, const char *find, bool units)
{
	return str_has_fold(p->name, find) || str_has_fold(p->company, find) ||
	    str_has_fold(p->id_mask, find) || (units && str_has_fold(p->unit, find));
}

/* "kind": one kind or several ("tenant_staff,contractor") into a bit per
 * kind of kinds[]; absent: every kind. 1, 0 absent, -1 (error sent). */
static int
kinds_arg(struct ctl_client *c, json_object *args, unsigned *mask)
{
	static const char *const kinds[] = { "tenant_staff", "property_staff",
	    "contractor", "visitor", NULL };
	char buf[64], *word, *save = NULL;
	int rc, k;

	*mask = ~0u;
	if ((rc = ctl_arg_str(c, args, "kind", buf, sizeof(buf), false)) <= 0)
		return rc;
	*mask = 0;
	for (word = strtok_r(buf, ",", &save); word != NULL;
	    word = strtok_r(NULL, ",", &save)) {
		for (k = 0; kinds[k] != NULL && strcmp(kinds[k], word) != 0; k++)
			;
		if (kinds[k] == NULL) {
			ctl_reply_err(c, "kind \"%s\": tenant_staff, property_staff, "
			    "contractor or visitor expected (several: "
			    "\"tenant_staff,contractor\")", word);
			return -1;
		}
		*mask |= 1u << k;
	}
	if (*mask == 0) {
		ctl_reply_err(c, "\"kind\" must not be empty");
		return -1;
	}
	return 1;
}

/* Is kind one of mask's? Every kind is when "kind" was not given, the
 * kinds of older records too. */
static bool
kind_in(const char *kind, unsigned mask)
{
	return mask == ~0u || (mask & 1u << 0 && strcmp(kind, "tenant_staff") == 0) ||
	    (mask & 1u << 1 && strcmp(kind, "property_staff") == 0) ||
	    (mask & 1u << 2 && strcmp(kind, "contractor") == 0) ||
	    (mask & 1u << 3 && strcmp(kind, "visitor") == 0);
}

/*
 * A page of the people in memory, by id after "after": all of them, or
 * those of "kind" a find finds. The rest of the list is read on to the next
 * one found, so "more" is said only when there is more: a page holds fewer
 * than "limit" only at the end. A find that finds nothing reads the whole
 * list in memory: 2 to 3.5 ms at 30,000 people, less than a full page of
 * 2,000 people costs to write out (test_scale.py prints it).
 */
void
ctl_cmd_person_list(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "after", "find", "limit", "kind",
	    NULL };
	struct desk *d = c->srv->e->desk;
	bool units = ctl_desk_sees_units(c);
	char find[64] = "", folded[64];
	int64_t after, limit = CTL_PAGE_ROWS;
	unsigned kinds;
	json_object *arr;
	char more[24];
	size_t i, k = 0;
	int64_t last = 0;

	if (!ctl_args_known(c, args, known) || !ctl_desk_after_arg(c, args, &after) ||
	    ctl_arg_find(c, args, find, sizeof(find), "part of a name, company, "
	    "unit or masked ID number") < 0 ||
	    ctl_arg_int(c, args, "limit", &limit, 1, CTL_PAGE_ROWS) < 0 ||
	    kinds_arg(c, args, &kinds) < 0)
		return;
	str_fold_ascii(folded, find, sizeof(folded));
	arr = json_object_new_array();
	more[0] = '\0';
	for (i = desk_index_after(d->people, d->npeople, sizeof(*d->people), after);
	    i < d->npeople; i++) {
		const struct desk_person *p = &d->people[i];

		if (!kind_in(p->r.kind, kinds) || !ctl_person_found(&p->r, folded, units))
			continue;
		if (k == (size_t)limit) {
			snprintf(more, sizeof(more), "%" PRId64, last);
			break;
		}
		json_object_array_add(arr, ctl_person_json(c, p));
		last = p->r.id;
		k++;
	}
	ctl_reply_page(c, arr, more[0] != '\0' ? more : NULL);
}

/* The person named by "id": NULL (error sent) when there is none. */
struct desk_person *
ctl_desk_person_arg(struct ctl_client *c, json_object *args, const char *key)
{
	int64_t id = 0;
	struct desk_person *p;

	if (ctl_arg_int_required(c, args, key, &id, 1, INT64_MAX) < 0)
		return NULL;
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

	if (!ctl_args_known(c, args, known) || (p = ctl_desk_person_arg(c, args, "id")) == NULL)
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
	struct desk_in in = { .action = DESK_PERSON_PUT, .tag = "person_status" };
	char status[12], reason[DESK_TEXT_MAX];

	if (!ctl_args_known(c, args, known) || (p = ctl_desk_person_arg(c, args, "id")) == NULL ||
	    ctl_arg_str(c, args, "status", status, sizeof(status), true) < 0 ||
	    ctl_arg_str(c, args, "reason", reason, sizeof(reason), true) < 0)
		return;
	if (!str_in(status, statuses)) {
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
	in.person = p->r;
	str_copy(in.person.status, status, sizeof(in.person.status));
	in.person.updated_ms = real_ms();
	snprintf(in.why, sizeof(in.why), "%s: %.80s", status, reason);
	ctl_desk_submit(c, &in);
}
