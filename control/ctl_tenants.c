/*
 * The tenant directory's commands (control/ctl.h): companies with their
 * units, floors and contacts added, shown, listed a page at a time,
 * removed and imported whole from lobbyctl's CSV in batches (staged here,
 * committed in one transaction). Every read runs on the store thread.
 * Tenants' units and phones go only to the front desk and managers: anyone
 * else is given the companies' names.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/floors.h"
#include "../common/util.h"
#include "../rules/tenant.h"
#include "control_int.h"
#include "ctl_desk.h"
#include "ctl_tenants.h"

#define TENANT_PAGE		1000	/* companies a page */
#define TENANT_PAGE_CONTACTS	100	/* ... with their contacts */
#define IMPORT_ROWS_MAX		100000	/* companies and contacts in one import */

/* What a command does once its first store request is back. */
enum tn_then { T_SHOW, T_ADD, T_REMOVE, T_CONTACT_ADD, T_CONTACT_REMOVE, T_IMPORT };

struct ctl_timport {
	struct ctl_import_head	h;
	struct tenant_row	*rows;
	size_t			n, cap;
	size_t			companies, contacts;
};

/* ---- JSON ----------------------------------------------------------------- */

static json_object *
contact_json(const struct contact_rec *k)
{
	return ctl_fields_json(k, CTL_FIELDS(CTL_FIELD(contact_rec, id),
	    CTL_FIELD(contact_rec, name), CTL_FIELD(contact_rec, phone),
	    CTL_FIELD(contact_rec, role), CTL_FIELD(contact_rec, notify),
	    CTL_FIELD(contact_rec, notify_detail)));
}

/* A company: its name (and short name) for anyone, the rest for the desk. */
static json_object *
tenant_json(const struct ctl_client *c, const struct tenant_rec *t)
{
	json_object *o = ctl_fields_json(t, CTL_FIELDS(CTL_FIELD(tenant_rec, name),
	    CTL_FIELD(tenant_rec, short_name))), *u;
	char floors[FLOORS_STR_MAX];

	if (!ctl_desk_sees_units(c))
		return o;
	ctl_add_fields(o, t, CTL_FIELDS(CTL_FIELD(tenant_rec, id),
	    CTL_FIELD_AS(tenant_rec, ncontacts, "contacts_count"),
	    CTL_FIELD(tenant_rec, created_ms), CTL_FIELD(tenant_rec, created_by),
	    CTL_FIELD(tenant_rec, updated_ms), CTL_FIELD(tenant_rec, updated_by)));
	u = json_object_new_array();
	for (int i = 0; i < t->nunits; i++)
		json_object_array_add(u, json_object_new_string(t->units[i]));
	json_object_object_add(o, "units", u);
	floors_str(t->floors, floors, sizeof(floors));
	ctl_add_str(o, "floors", floors);
	return o;
}

/* rows (a company, then its contacts) as a list of companies; with
 * contacts, each carries its own in "contacts". */
static json_object *
rows_json(const struct ctl_client *c, const struct tenant_row *rows, size_t n,
    bool contacts)
{
	json_object *a = json_object_new_array(), *cur = NULL, *list = NULL;

	for (size_t i = 0; i < n; i++) {
		if (!rows[i].is_contact) {
			cur = tenant_json(c, &rows[i].t);
			json_object_array_add(a, cur);
			if (contacts && ctl_desk_sees_units(c)) {
				list = json_object_new_array();
				json_object_object_add(cur, "contacts", list);
			}
		} else if (list != NULL)
			json_object_array_add(list, contact_json(&rows[i].c));
	}
	return a;
}

/* ---- checks ----------------------------------------------------------------- */

/* A company's fields checked into *t; false with "AT: what" sent. */
static bool
company_from(struct ctl_client *c, const char *at, const struct tenant_csv *csv,
    struct tenant_rec *t)
{
	struct tenant_line l;
	char err[160];

	if (!rule_tenant_line(csv, &l, err, sizeof(err))) {
		ctl_reply_err(c, "%s%s", at, err);
		return false;
	}
	if (l.nunits == 0) {
		ctl_reply_err(c, "%s%s: no unit given", at, l.company);
		return false;
	}
	memset(t, 0, sizeof(*t));
	str_copy(t->name, l.company, sizeof(t->name));
	str_copy(t->short_name, l.short_name, sizeof(t->short_name));
	for (int i = 0; i < l.nunits; i++)
		str_copy(t->units[i], l.units[i], sizeof(t->units[i]));
	t->nunits = l.nunits;
	t->floors = l.floors;
	return true;
}

/* A contact's fields (of an object o) checked into *k; false, error sent. */
static bool
contact_from(struct ctl_client *c, const char *at, json_object *o,
    struct contact_rec *k)
{
	static const char *const known[] = { "name", "phone", "role", "notify",
	    "notify_detail", "line", NULL };
	char name[TENANT_NAME_MAX * 2], phone[48], role[TENANT_ROLE_MAX * 2],
	    notify[TENANT_NOTIFY_MAX * 2], detail[TENANT_DETAIL_MAX * 2], err[160];
	struct tenant_csv csv = { .company = "-", .contact = name, .phone = phone,
	    .role = role, .notify = notify, .notify_detail = detail };
	struct tenant_line l;

	name[0] = phone[0] = role[0] = notify[0] = detail[0] = '\0';
	if (!json_object_is_type(o, json_type_object)) {
		ctl_reply_err(c, "%sa contact must be an object", at);
		return false;
	}
	if (!ctl_args_known(c, o, known) ||
	    ctl_arg_str(c, o, "name", name, sizeof(name), true) < 0 ||
	    ctl_arg_str(c, o, "phone", phone, sizeof(phone), true) < 0 ||
	    ctl_arg_str(c, o, "role", role, sizeof(role), false) < 0 ||
	    ctl_arg_str(c, o, "notify", notify, sizeof(notify), false) < 0 ||
	    ctl_arg_str(c, o, "notify_detail", detail, sizeof(detail), false) < 0)
		return false;
	if (name[strspn(name, " \t")] == '\0') {
		ctl_reply_err(c, "%sa contact's name must not be empty", at);
		return false;
	}
	if (!rule_tenant_line(&csv, &l, err, sizeof(err))) {
		ctl_reply_err(c, "%s%s", at, err);
		return false;
	}
	memset(k, 0, sizeof(*k));
	str_copy(k->name, l.contact, sizeof(k->name));
	str_copy(k->phone, l.phone, sizeof(k->phone));
	str_copy(k->role, l.role, sizeof(k->role));
	str_copy(k->notify, l.notify, sizeof(k->notify));
	str_copy(k->notify_detail, l.notify_detail, sizeof(k->notify_detail));
	return true;
}

/* A company given as o's "key" ({"id": N} or a name), into in: false, error
 * sent. */
static bool
tenant_key(struct ctl_client *c, json_object *args, const char *key,
    struct tenant_in *in)
{
	json_object *v;

	if (!json_object_object_get_ex(args, key, &v) ||
	    json_object_is_type(v, json_type_null)) {
		ctl_reply_err(c, "\"%s\" is required", key);
		return false;
	}
	if (json_object_is_type(v, json_type_int)) {
		int64_t id;

		if (ctl_arg_int(c, args, key, &id, 1, INT64_MAX) < 0)
			return false;
		in->id = id;
		return true;
	}
	if (ctl_arg_str(c, args, key, in->name, sizeof(in->name), true) < 0)
		return false;
	if (in->name[0] == '\0') {
		ctl_reply_err(c, "\"%s\" must not be empty", key);
		return false;
	}
	return true;
}

/* ---- store requests and their ends ------------------------------------------ */

static void
tn_audit(struct ctl_client *c, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
tn_audit(struct ctl_client *c, const char *kind, const char *fmt, ...)
{
	struct ev_rec ev;
	va_list ap;

	engine_ev_init(&ev, kind);
	str_copy(ev.actor, c->user, sizeof(ev.actor));
	va_start(ap, fmt);
	vsnprintf(ev.detail, sizeof(ev.detail), fmt, ap);
	va_end(ap);
	engine_event(c->srv->e, &ev);
}

static void	tenant_done(struct store_req *, void *);

static struct store_req *
tn_req(struct ctl_client *c, enum tenant_action action, enum tn_then then)
{
	struct store_req *req = ctl_req_new(c, STORE_TENANT, tenant_done);

	if (req != NULL) {
		req->in.tenant.action = action;
		req->in.tenant.then = (int)then;
		req->in.tenant.now_ms = real_ms();
		str_copy(req->in.tenant.actor, c->user, sizeof(req->in.tenant.actor));
	}
	return req;
}

/* The same request again, as action, for the next step; the client stays
 * busy. A client gone meanwhile ends it instead. */
static void
tn_again(struct ctl_client *c, struct store_req *req, enum tenant_action action)
{
	if (c->dead) {
		ctl_req_finish(c, req);
		return;
	}
	store_req_free(req);
	req->status = 0;
	req->error[0] = '\0';
	req->found = req->more = false;
	req->in.tenant.action = action;
	store_submit(c->srv->e->store, req);
}

static void
import_end(struct ctl_server *srv)
{
	if (srv->timport != NULL) {
		free(srv->timport->rows);
		free(srv->timport);
		srv->timport = NULL;
	}
}

/* The company a step found (rows[0]), or NULL after replying so. */
static const struct tenant_rec *
found_or_say(struct ctl_client *c, struct store_req *req)
{
	const struct tenant_in *in = &req->in.tenant;

	if (req->found && req->nrows > 0)
		return &((const struct tenant_row *)req->rows)[0].t;
	if (in->id != 0)
		ctl_reply_err(c, "no tenant %" PRId64, in->id);
	else
		ctl_reply_err(c, "no tenant called %s in the directory", in->name);
	return NULL;
}

static void
tenant_done(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	struct tenant_in *in = &req->in.tenant;
	const struct tenant_rec *t;
	int64_t ncontacts = 0;
	json_object *o;

	if (in->action == TENANT_PUT || in->action == TENANT_IMPORT) {
		if (in->action == TENANT_PUT)
			free((void *)in->rows);
		in->rows = NULL;
		if (in->then == T_IMPORT && c->srv->timport != NULL) {
			ncontacts = (int64_t)c->srv->timport->contacts;
			import_end(c->srv);
		}
	}
	if (req->status != 0) {
		ctl_reply_err(c, "%s%s", in->action == TENANT_IMPORT ||
		    in->action == TENANT_PUT ? "not stored: " : "", req->error);
		goto out;
	}
	switch (in->action) {
	case TENANT_PUT:
		tn_audit(c, "tenant_added", "tenant %" PRId64 " %.60s", req->id,
		    in->name);
		in->id = req->id;
		in->then = T_SHOW;
		tn_again(c, req, TENANT_GET);
		return;
	case TENANT_IMPORT:
		tn_audit(c, "tenant_import", "%.40s: %" PRId64 " added, %" PRId64
		    " replaced", in->name, in->added, in->replaced);
		o = json_object_new_object();
		ctl_add_int(o, "added", in->added);
		ctl_add_int(o, "replaced", in->replaced);
		ctl_add_int(o, "contacts", ncontacts);
		ctl_reply_ok(c, o);
		break;
	case TENANT_GET:
		if ((t = found_or_say(c, req)) == NULL)
			break;
		in->id = t->id;
		str_copy(in->name, t->name, sizeof(in->name));
		switch (in->then) {
		case T_REMOVE:
			tn_again(c, req, TENANT_DEL);
			return;
		case T_CONTACT_ADD:
			in->contact.tenant = t->id;
			tn_again(c, req, TENANT_CONTACT_PUT);
			return;
		case T_CONTACT_REMOVE:
			in->contact.tenant = t->id;
			tn_again(c, req, TENANT_CONTACT_DEL);
			return;
		default:
			o = rows_json(c, req->rows, req->nrows, true);
			ctl_reply_ok(c, json_object_get(json_object_array_get_idx(o, 0)));
			json_object_put(o);
			break;
		}
		break;
	case TENANT_DEL:
		tn_audit(c, "tenant_removed", "tenant %" PRId64 " %.60s", in->id,
		    in->name);
		o = json_object_new_object();
		ctl_add_int(o, "id", in->id);
		ctl_add_str(o, "name", in->name);
		ctl_reply_ok(c, o);
		break;
	case TENANT_CONTACT_PUT:
		tn_audit(c, "tenant_contact_added", "tenant %" PRId64 " %.50s: "
		    "contact %" PRId64, in->id, in->name, req->id);
		in->then = T_SHOW;
		tn_again(c, req, TENANT_GET);
		return;
	case TENANT_CONTACT_DEL:
		if (!req->found) {
			ctl_reply_err(c, "tenant %s has no contact %" PRId64, in->name,
			    in->contact.id);
			break;
		}
		tn_audit(c, "tenant_contact_removed", "tenant %" PRId64 " %.50s: "
		    "contact %" PRId64, in->id, in->name, in->contact.id);
		o = json_object_new_object();
		ctl_add_int(o, "id", in->contact.id);
		ctl_add_int(o, "tenant", in->id);
		ctl_add_str(o, "name", in->name);
		ctl_reply_ok(c, o);
		break;
	case TENANT_LIST:
		o = rows_json(c, req->rows, req->nrows, in->contacts);
		if (req->more) {
			const struct tenant_row *r = req->rows;
			const char *last = "";

			for (size_t i = 0; i < req->nrows; i++)
				if (!r[i].is_contact)
					last = r[i].t.name;
			ctl_reply_page(c, o, last);
		} else
			ctl_reply_page(c, o, NULL);
		break;
	default:
		ctl_reply_err(c, "internal: unexpected tenant reply");
		break;
	}
out:
	ctl_req_finish(c, req);
}

/* ---- the commands ------------------------------------------------------------- */

void
ctl_cmd_tenant_add(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "name", "short_name", "units",
	    "floors", "contacts", NULL };
	char name[TENANT_NAME_MAX * 2], shortn[TENANT_SHORT_MAX * 2], units[400],
	    floors[FLOORS_STR_MAX];
	struct tenant_csv csv = { .company = name, .short_name = shortn,
	    .units = units, .floors = floors };
	struct tenant_row *rows;
	struct store_req *req;
	json_object *list = NULL;
	size_t n = 0;

	name[0] = shortn[0] = units[0] = floors[0] = '\0';
	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "name", name, sizeof(name), true) < 0 ||
	    ctl_arg_str(c, args, "short_name", shortn, sizeof(shortn), false) < 0 ||
	    ctl_arg_str(c, args, "units", units, sizeof(units), true) < 0 ||
	    ctl_arg_str(c, args, "floors", floors, sizeof(floors), false) < 0 ||
	    ctl_arg_list(c, args, "contacts", TENANT_CONTACTS_MAX, &list) < 0)
		return;
	n = list != NULL ? json_object_array_length(list) : 0;
	if ((rows = calloc(n + 1, sizeof(*rows))) == NULL) {
		ctl_reply_err(c, "out of memory");
		return;
	}
	if (!company_from(c, "", &csv, &rows[0].t))
		goto out_free;
	for (size_t i = 0; i < n; i++) {
		rows[i + 1].is_contact = true;
		if (!contact_from(c, "", json_object_array_get_idx(list, i),
		    &rows[i + 1].c))
			goto out_free;
	}
	if ((req = tn_req(c, TENANT_PUT, T_ADD)) == NULL)
		goto out_free;
	req->in.tenant.rows = rows;
	req->in.tenant.nrows = n + 1;
	str_copy(req->in.tenant.name, rows[0].t.name, sizeof(req->in.tenant.name));
	ctl_req_submit(c, req);
	return;

out_free:
	free(rows);
}

void
ctl_cmd_tenant_list(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "after", "contacts", NULL };
	struct store_req *req;
	char after[64] = "";
	bool contacts = false;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "after", after, sizeof(after), false) < 0 ||
	    ctl_arg_bool(c, args, "contacts", &contacts) < 0)
		return;
	if (contacts && !ctl_desk_sees_units(c)) {
		ctl_reply_err(c, "tenants' contacts need the role frontdesk or "
		    "manager; you (%s) may see the companies' names", c->user);
		return;
	}
	if ((req = tn_req(c, TENANT_LIST, T_SHOW)) == NULL)
		return;
	str_copy(req->in.tenant.after, after, sizeof(req->in.tenant.after));
	req->in.tenant.contacts = contacts;
	req->in.tenant.limit = contacts ? TENANT_PAGE_CONTACTS : TENANT_PAGE;
	ctl_req_submit(c, req);
}

/* show, remove: {"tenant": id or name}. */
static void
tenant_by_key(struct ctl_client *c, json_object *args, enum tn_then then)
{
	static const char *const known[] = { "tenant", NULL };
	struct tenant_in key = { 0 };
	struct store_req *req;

	if (!ctl_args_known(c, args, known) || !tenant_key(c, args, "tenant", &key) ||
	    (req = tn_req(c, TENANT_GET, then)) == NULL)
		return;
	req->in.tenant.id = key.id;
	str_copy(req->in.tenant.name, key.name, sizeof(req->in.tenant.name));
	ctl_req_submit(c, req);
}

void
ctl_cmd_tenant_show(struct ctl_client *c, json_object *args)
{
	tenant_by_key(c, args, T_SHOW);
}

void
ctl_cmd_tenant_remove(struct ctl_client *c, json_object *args)
{
	tenant_by_key(c, args, T_REMOVE);
}

void
ctl_cmd_tenant_contact_add(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "tenant", "contact", NULL };
	struct tenant_in key = { 0 };
	struct contact_rec k;
	struct store_req *req;
	json_object *o;

	if (!ctl_args_known(c, args, known) || !tenant_key(c, args, "tenant", &key))
		return;
	if (!json_object_object_get_ex(args, "contact", &o)) {
		ctl_reply_err(c, "\"contact\" is required");
		return;
	}
	if (!contact_from(c, "", o, &k) ||
	    (req = tn_req(c, TENANT_GET, T_CONTACT_ADD)) == NULL)
		return;
	req->in.tenant.id = key.id;
	str_copy(req->in.tenant.name, key.name, sizeof(req->in.tenant.name));
	req->in.tenant.contact = k;
	ctl_req_submit(c, req);
}

void
ctl_cmd_tenant_contact_remove(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "tenant", "id", NULL };
	struct tenant_in key = { 0 };
	struct store_req *req;
	int64_t id = 0;

	if (!ctl_args_known(c, args, known) || !tenant_key(c, args, "tenant", &key) ||
	    ctl_arg_int(c, args, "id", &id, 1, INT64_MAX) < 0)
		return;
	if (id == 0) {
		ctl_reply_err(c, "\"id\" is required");
		return;
	}
	if ((req = tn_req(c, TENANT_GET, T_CONTACT_REMOVE)) == NULL)
		return;
	req->in.tenant.id = key.id;
	str_copy(req->in.tenant.name, key.name, sizeof(req->in.tenant.name));
	req->in.tenant.contact.id = id;
	ctl_req_submit(c, req);
}

/* ---- the import ------------------------------------------------------------- */

void
ctl_tenant_import_gone(struct ctl_client *c)
{
	struct ctl_timport *im = c->srv->timport;

	if (ctl_import_orphaned(im != NULL ? &im->h : NULL, c, "tenant"))
		import_end(c->srv);
}

static struct tenant_row *
import_push(struct ctl_client *c, struct ctl_timport *im)
{
	if (im->n == im->cap) {
		size_t cap = im->cap ? im->cap * 2 : 64;
		struct tenant_row *r;

		if (cap > IMPORT_ROWS_MAX || (r = realloc(im->rows,
		    cap * sizeof(*r))) == NULL) {
			ctl_reply_err(c, "%s: too many rows (at most %d companies and "
			    "contacts), or out of memory", im->h.file, IMPORT_ROWS_MAX);
			return NULL;
		}
		im->rows = r;
		im->cap = cap;
	}
	memset(&im->rows[im->n], 0, sizeof(im->rows[0]));
	return &im->rows[im->n++];
}

/* One company of a batch, {line, name, short_name, units, floors,
 * contacts: [{line, name, phone, ...}]}, staged; false, error sent. */
static bool
import_company(struct ctl_client *c, struct ctl_timport *im, json_object *o)
{
	static const char *const known[] = { "line", "name", "short_name", "units",
	    "floors", "contacts", NULL };
	char name[TENANT_NAME_MAX * 2] = "", shortn[TENANT_SHORT_MAX * 2] = "",
	    units[400] = "", floors[FLOORS_STR_MAX] = "", at[96];
	struct tenant_csv csv = { .company = name, .short_name = shortn,
	    .units = units, .floors = floors };
	struct tenant_row *r;
	json_object *list = NULL;
	int64_t line = 0;

	if (!json_object_is_type(o, json_type_object)) {
		ctl_reply_err(c, "%s: each row must be an object", im->h.file);
		return false;
	}
	if (!ctl_args_known(c, o, known) ||
	    ctl_arg_int(c, o, "line", &line, 1, INT64_MAX) < 0)
		return false;
	snprintf(at, sizeof(at), "%s:%" PRId64 ": ", im->h.file, line);
	if (ctl_arg_str(c, o, "name", name, sizeof(name), true) < 0 ||
	    ctl_arg_str(c, o, "short_name", shortn, sizeof(shortn), false) < 0 ||
	    ctl_arg_str(c, o, "units", units, sizeof(units), true) < 0 ||
	    ctl_arg_str(c, o, "floors", floors, sizeof(floors), false) < 0)
		return false;
	if ((r = import_push(c, im)) == NULL || !company_from(c, at, &csv, &r->t))
		return false;
	/* A company twice in the file: the store says so (db/tenants.c), where
	 * looking takes no time from the lanes. */
	r->t.line = line;
	im->companies++;
	if (json_object_object_get_ex(o, "contacts", &list) &&
	    !json_object_is_type(list, json_type_array)) {
		ctl_reply_err(c, "%s\"contacts\" must be a list", at);
		return false;
	}
	for (size_t i = 0; list != NULL && i < json_object_array_length(list); i++) {
		json_object *k = json_object_array_get_idx(list, i), *lv;

		if (i >= TENANT_CONTACTS_MAX) {
			ctl_reply_err(c, "%s%s has more than %d contacts", at, name,
			    TENANT_CONTACTS_MAX);
			return false;
		}
		if (json_object_is_type(k, json_type_object) &&
		    json_object_object_get_ex(k, "line", &lv) &&
		    json_object_is_type(lv, json_type_int))
			snprintf(at, sizeof(at), "%s:%" PRId64 ": ", im->h.file,
			    json_object_get_int64(lv));
		if ((r = import_push(c, im)) == NULL)
			return false;
		r->is_contact = true;
		if (!contact_from(c, at, k, &r->c))
			return false;
		im->contacts++;
	}
	return true;
}

void
ctl_cmd_tenant_import(struct ctl_client *c, json_object *args)
{
	struct ctl_server *srv = c->srv;
	struct ctl_timport *im = srv->timport;
	struct store_req *req;
	json_object *rows = NULL, *o;
	char file[64] = "import";
	bool done = false;

	if (ctl_import_args(c, args, "tenant", im != NULL ? &im->h : NULL, file,
	    sizeof(file), &done) < 0)
		return;
	if (json_object_object_get_ex(args, "rows", &rows) &&
	    !json_object_is_type(rows, json_type_array)) {
		ctl_reply_err(c, "\"rows\" must be a list");
		return;
	}
	if (im == NULL) {
		if ((im = ctl_import_new(c, sizeof(*im), file)) == NULL)
			return;
		srv->timport = im;
	}
	for (size_t i = 0; rows != NULL && i < json_object_array_length(rows); i++)
		if (!import_company(c, im, json_object_array_get_idx(rows, i))) {
			import_end(srv);
			return;
		}
	if (!done) {
		o = json_object_new_object();
		ctl_add_int(o, "received", (int64_t)im->companies);
		ctl_reply_ok(c, o);
		return;
	}
	if (im->companies == 0) {
		ctl_reply_err(c, "%s: no tenants to import", im->h.file);
		import_end(srv);
		return;
	}
	if ((req = tn_req(c, TENANT_IMPORT, T_IMPORT)) == NULL) {
		import_end(srv);
		return;
	}
	req->in.tenant.rows = im->rows;
	req->in.tenant.nrows = im->n;
	req->in.tenant.file = im->h.file;
	str_copy(req->in.tenant.name, im->h.file, sizeof(req->in.tenant.name));
	ctl_req_submit(c, req);
}
