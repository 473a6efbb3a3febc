/*
 * Returning visitors and the host of a visit. visitor.find looks a visitor
 * up on the store thread (by the keyed hash of their ID document, or by
 * name and phone) with their last visits; visitor.register, once its own
 * checks passed (ctl_visitors.c), asks the store the same, reuses the
 * person it finds, checks the host against the tenant directory, and only
 * then commits the registration (ctl_desk.c's commit).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "../rules/tenant.h"
#include "control_int.h"
#include "ctl_desk.h"
#include "ctl_desk_int.h"
#include "ctl_tenants.h"
#include "../engine/idread.h"

/* ---- visitor.find ------------------------------------------------------------ */

static json_object *
visit_json(const struct pass_rec *p)
{
	return ctl_fields_json(p, CTL_FIELDS(CTL_FIELD_AS(pass_rec, id, "pass"),
	    CTL_FIELD_AS(pass_rec, issued_ms, "date_ms"), CTL_FIELD(pass_rec, host),
	    CTL_FIELD_AS(pass_rec, host_unit, "unit"), CTL_FIELD(pass_rec, purpose),
	    CTL_FIELD_AS(pass_rec, vclass, "class"), CTL_FIELD(pass_rec, state)));
}

static void
find_done(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct pass_rec *last = req->rows;
	struct desk_person who = { .r = req->in.desk.person };
	json_object *o, *a;

	if (req->status != 0) {
		ctl_reply_err(c, "%s", req->error);
		goto out;
	}
	o = json_object_new_object();
	ctl_add_bool(o, "found", req->found);
	/* The record as the store has it now. */
	json_object_object_add(o, "person", req->found ? ctl_person_json(c, &who) :
	    NULL);
	ctl_add_int(o, "visits", req->found ? req->id : 0);
	a = json_object_new_array();
	for (size_t i = 0; i < req->nrows; i++)
		json_object_array_add(a, visit_json(&last[i]));
	json_object_object_add(o, "last", a);
	ctl_reply_ok(c, o);
out:
	ctl_req_finish(c, req);
}

void
ctl_cmd_visitor_find(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "id_type", "id_number", "name",
	    "phone", NULL };
	struct person_rec p = { 0 };
	char phone[48] = "", err[120];
	struct store_req *req;
	int has_id;

	if (!ctl_args_known(c, args, known) ||
	    (has_id = ctl_desk_id_args(c, args, &p, false, NULL, NULL)) < 0 ||
	    ctl_arg_str(c, args, "name", p.name, sizeof(p.name), false) < 0 ||
	    ctl_arg_str(c, args, "phone", phone, sizeof(phone), false) < 0)
		return;
	if (has_id == 0) {
		if (p.name[0] == '\0' || phone[0] == '\0') {
			ctl_reply_err(c, "give id_type and id_number, or name and phone");
			return;
		}
		if (!rule_phone_parse(phone, p.phone, err, sizeof(err))) {
			ctl_reply_err(c, "%s", err);
			return;
		}
	} else if (p.name[0] != '\0' || phone[0] != '\0') {
		ctl_reply_err(c, "give id_type and id_number, or name and phone, "
		    "not both");
		return;
	}
	if ((req = ctl_req_new(c, STORE_DESK, find_done)) == NULL)
		return;
	req->in.desk.action = DESK_VISITOR_FIND;
	req->in.desk.person = p;
	ctl_req_submit(c, req);
}

/* ---- visitor.register's last steps --------------------------------------------- */

struct visit_reg {
	struct ctl_client	*c;
	struct person_rec	p;
	struct pass_rec		ps;
	char			host_reason[DESK_TEXT_MAX];
	char			why[DESK_TEXT_MAX];
	bool			manager_override;
	bool			returning;
	int64_t			earlier;
	int			id_dev;		/* the read's reader; -1 none */
	int64_t			id_read_ms;	/* and when it was made */
};

static void	visit_found(struct store_req *, void *);
static void	visit_host(struct store_req *, void *);

/* The next step's request in place of req (freed), the client still busy;
 * NULL when the client is gone or memory is short (the client finished). */
static struct store_req *
visit_next(struct visit_reg *v, struct store_req *req, enum store_op op,
    void (*done)(struct store_req *, void *))
{
	struct ctl_client *c = v->c;
	struct store_req *next;

	if (c->dead || (next = ctl_req_new(c, op, done)) == NULL) {
		free(v);
		ctl_req_finish(c, req);
		return NULL;
	}
	store_req_free(req);
	free(req);
	next->arg = c;
	return next;
}

/* The identity card read the document came from is still the one the
 * registration began with (not taken meanwhile, nor replaced by the next
 * card): taken now, one read, one registration. Else the reply says so. */
static bool
visit_take_read(struct visit_reg *v)
{
	struct engine *e = v->c->srv->e;
	const struct id_read *r;

	if (v->id_dev < 0)
		return true;
	r = idread_last(e, v->id_dev);
	if (r == NULL || !r->ok || r->read_ms != v->id_read_ms ||
	    strcmp(r->id_hash, v->p.id_hash) != 0) {
		ctl_reply_err(v->c, "not registered: the identity card read at %s "
		    "was taken by another registration or is no longer offered; "
		    "read the card again", e->site->devices[v->id_dev].name);
		return false;
	}
	idread_take(e, v->id_dev);
	return true;
}

/* The registration committed as ctl_visitors.c would have. */
static void
visit_commit(struct visit_reg *v, struct store_req *req)
{
	struct ctl_client *c = v->c;
	struct desk_in in = { .action = DESK_REGISTER, .tag = "visitor_registered" };

	if (c->dead || !visit_take_read(v)) {
		free(v);
		ctl_req_finish(c, req);
		return;
	}
	store_req_free(req);
	free(req);
	in.person = v->p;
	in.pass = v->ps;
	in.returning = v->returning;
	in.earlier = v->earlier;
	str_copy(in.why, v->why, sizeof(in.why));
	free(v);
	ctl_desk_submit(c, &in);
}

/* The host asked about, or (none named) the registration committed. */
static void
visit_ask_host(struct visit_reg *v, struct store_req *req)
{
	struct store_req *next;
	char unit[TENANT_UNIT_MAX] = "";

	if (v->p.unit[0] == '\0' || v->ps.host[0] == '\0') {
		visit_commit(v, req);
		return;
	}
	if ((next = visit_next(v, req, STORE_TENANT, visit_host)) == NULL)
		return;
	next->arg = v;
	next->in.tenant.action = TENANT_HOST;
	/* A unit that is no unit number is in no company's hands. */
	if (rule_unit_parse(v->p.unit, unit))
		str_copy(v->p.unit, unit, sizeof(v->p.unit));
	str_copy(v->ps.host_unit, v->p.unit, sizeof(v->ps.host_unit));
	str_copy(next->in.tenant.unit, unit, sizeof(next->in.tenant.unit));
	store_submit(v->c->srv->e->store, next);
}

static void
visit_fail(struct visit_reg *v, struct store_req *req)
{
	struct ctl_client *c = v->c;

	free(v);
	ctl_req_finish(c, req);
}

static void
visit_found(struct store_req *req, void *arg)
{
	struct visit_reg *v = arg;
	const struct person_rec *old = &req->in.desk.person;
	size_t n;

	if (req->status != 0) {
		ctl_reply_err(v->c, "not registered: %s", req->error);
		visit_fail(v, req);
		return;
	}
	if (req->found) {
		if (strcmp(old->status, "active") != 0) {
			ctl_reply_err(v->c, "not registered: this visitor (person %"
			    PRId64 ") is %s; a manager may make them active again "
			    "(lobbyctl person activate %" PRId64 ")", old->id,
			    old->status, old->id);
			visit_fail(v, req);
			return;
		}
		/* One document, one person: another name for it is a typo, or
		 * someone else's document, until a manager says otherwise. */
		if (!rule_name_same(old->name, v->p.name) && !v->manager_override) {
			ctl_reply_err(v->c, "not registered: this document is on "
			    "record as %s (person %" PRId64 "); check the name and the "
			    "document (a manager may override: the record then takes "
			    "the new name)", old->name, old->id);
			visit_fail(v, req);
			return;
		}
		/* The same person: their record, this visit's details. */
		v->p.id = old->id;
		v->p.created_ms = old->created_ms;
		str_copy(v->p.created_by, old->created_by, sizeof(v->p.created_by));
		str_copy(v->p.status, old->status, sizeof(v->p.status));
		if (v->p.phone[0] == '\0')
			str_copy(v->p.phone, old->phone, sizeof(v->p.phone));
		if (v->p.id_hash[0] == '\0') {
			str_copy(v->p.id_type, old->id_type, sizeof(v->p.id_type));
			str_copy(v->p.id_hash, old->id_hash, sizeof(v->p.id_hash));
			str_copy(v->p.id_mask, old->id_mask, sizeof(v->p.id_mask));
		}
		v->returning = true;
		v->earlier = req->id;
		n = strlen(v->why);
		snprintf(v->why + n, sizeof(v->why) - n, ", returning visitor (%"
		    PRId64 " earlier visits)", v->earlier);
	}
	visit_ask_host(v, req);
}

static void
visit_host(struct store_req *req, void *arg)
{
	struct visit_reg *v = arg;
	const struct tenant_row *r = req->rows;
	const struct tenant_rec *t = NULL;
	const struct contact_rec *match = NULL;
	struct host_facts f = { 0 };
	struct host_verdict hv;
	size_t n;

	if (req->status != 0) {
		ctl_reply_err(v->c, "not registered: %s", req->error);
		visit_fail(v, req);
		return;
	}
	f.directory_empty = req->id == 0;
	f.unit_known = req->found && req->nrows > 0;
	if (f.unit_known)
		t = &r[0].t;
	for (size_t i = 1; f.unit_known && i < req->nrows; i++) {
		f.ncontacts++;
		if (match == NULL && rule_name_same(r[i].c.name, v->ps.host))
			match = &r[i].c;
	}
	f.contact_matched = match != NULL;
	f.has_reason = v->host_reason[0] != '\0';
	hv = rule_host_check(&f);
	if (!hv.allowed) {
		if (hv.code == HOST_UNKNOWN_UNIT)
			ctl_reply_err(v->c, "not registered: unit %s is not in the "
			    "tenant directory (host_reason: why a host outside it "
			    "is let in)", v->p.unit);
		else
			ctl_reply_err(v->c, "not registered: %s is not a contact of "
			    "unit %s in the tenant directory (%s has %d contact%s "
			    "there: pick one, or give host_reason)", v->ps.host,
			    v->p.unit, t->name, f.ncontacts, f.ncontacts == 1 ? "" : "s");
		visit_fail(v, req);
		return;
	}
	if (match != NULL) {
		/* As the directory spells them. */
		str_copy(v->ps.host, match->name, sizeof(v->ps.host));
		str_copy(v->p.company, t->name, sizeof(v->p.company));
	}
	if (hv.record_reason) {
		str_copy(v->ps.host_reason, v->host_reason, sizeof(v->ps.host_reason));
		n = strlen(v->why);
		snprintf(v->why + n, sizeof(v->why) - n, ", %s", rule_host_code(hv.code));
	}
	visit_commit(v, req);
}

void
ctl_visit_register(struct ctl_client *c, const struct person_rec *p,
    const struct pass_rec *ps, const char *host_reason, const char *why,
    bool manager_override, int id_dev)
{
	struct visit_reg *v = calloc(1, sizeof(*v));
	const struct id_read *r;
	struct store_req *req;

	if (v == NULL) {
		ctl_reply_err(c, "out of memory");
		return;
	}
	v->c = c;
	v->id_dev = -1;
	if (id_dev >= 0 && (r = idread_last(c->srv->e, id_dev)) != NULL) {
		v->id_dev = id_dev;
		v->id_read_ms = r->read_ms;
	}
	v->p = *p;
	v->ps = *ps;
	str_copy(v->host_reason, host_reason, sizeof(v->host_reason));
	str_copy(v->why, why, sizeof(v->why));
	v->manager_override = manager_override;
	if ((req = ctl_req_new(c, STORE_DESK, visit_found)) == NULL) {
		free(v);
		return;
	}
	req->arg = v;
	req->in.desk.action = DESK_VISITOR_FIND;
	/* Only a document, or a name with a phone, says who came back. */
	str_copy(req->in.desk.person.id_hash, p->id_hash,
	    sizeof(req->in.desk.person.id_hash));
	if (p->id_hash[0] == '\0' && p->phone[0] != '\0') {
		str_copy(req->in.desk.person.name, p->name,
		    sizeof(req->in.desk.person.name));
		str_copy(req->in.desk.person.phone, p->phone,
		    sizeof(req->in.desk.person.phone));
	} else if (p->id_hash[0] == '\0') {
		/* Nobody to look for: the host next. */
		c->busy = true;
		visit_ask_host(v, req);
		return;
	}
	c->busy = true;
	store_submit(c->srv->e->store, req);
}
