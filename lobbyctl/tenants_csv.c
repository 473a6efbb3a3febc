/*
 * lobbyctl tenant import FILE and tenant export: the tenant directory as
 * CSV, one line a contact (a company without contacts: one line), the
 * company's fields on its first line at least. The import checks every
 * line by the directory's rules (rules/tenant.c), tells every error as
 * FILE:LINE: what, and sends nothing when any line is wrong; otherwise the
 * companies go to lobbyd in batches, committed together at the end.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "../common/floors.h"
#include "../common/util.h"
#include "../control/ctl.h"
#include "../rules/tenant.h"
#include "csv.h"
#include "format.h"
#include "lobbyctl_int.h"
#include "tenants_int.h"

#define BATCH_BYTES	(CTL_LINE_MAX - 8192)

enum { K_COMPANY, K_SHORT, K_UNITS, K_FLOORS, K_CONTACT, K_PHONE, K_ROLE,
	K_NOTIFY, K_DETAIL, K_COUNT };
static const char *const col_names[K_COUNT] = { "company", "short_name",
	"units", "floors", "contact", "phone", "role", "notify", "notify_detail" };

struct contact {
	long	line;
	char	name[TENANT_NAME_MAX], phone[TENANT_PHONE_MAX], role[TENANT_ROLE_MAX];
	char	notify[TENANT_NOTIFY_MAX], detail[TENANT_DETAIL_MAX];
};

struct company {
	long			line;		/* its first */
	struct tenant_line	l;
	struct contact		*c;
	size_t			nc, capc;
};

struct tin {
	struct csv_in	in;
	int		col[K_COUNT + 8];	/* header position -> K_*, -1 */
	int		ncols;
	struct company	*co;
	size_t		nco, capco;
	size_t		*slot;		/* companies by name: index + 1, 0 free */
	size_t		nslot;		/* a power of two, over twice nco */
};

static bool
tin_header(struct tin *t, char *buf)
{
	char *f[K_COUNT + 8];
	bool seen[K_COUNT] = { false };
	int n;

	if ((n = csv_header(&t->in, buf, f, K_COUNT + 8, "empty file: a header "
	    "line (company,units,...) expected")) < 0)
		return false;
	t->ncols = n;
	for (int i = 0; i < n; i++) {
		const char *name = f[i] + strspn(f[i], " ");
		int k = csv_column(name, " ", col_names, K_COUNT);

		if (k < 0) {
			csv_err(&t->in, "unknown column \"%.30s\" (company, short_name, "
			    "units, floors, contact, phone, role, notify, "
			    "notify_detail)", name);
			return false;
		}
		if (seen[k]) {
			csv_err(&t->in, "column %s twice", col_names[k]);
			return false;
		}
		seen[k] = true;
		t->col[i] = k;
	}
	if (!seen[K_COMPANY] || !seen[K_UNITS]) {
		csv_err(&t->in, "the header must name the columns company and units");
		return false;
	}
	return true;
}

/* FNV-1a of a name as rule_name_same() compares it: blanks at the ends
 * dropped, runs of them as one, Latin letters lower-cased. */
static size_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	bool blank = false;

	for (s += strspn(s, " \t"); *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == ' ' || c == '\t') {
			blank = true;
			continue;
		}
		if (blank)
			h = (h ^ ' ') * 16777619u;
		blank = false;
		h = (h ^ (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c)) * 16777619u;
	}
	return h;
}

/* The slot of name: its company's, or the free one where it would go. */
static size_t *
slot_of(struct tin *t, const char *name)
{
	size_t i = name_hash(name) & (t->nslot - 1);

	while (t->slot[i] != 0 && !rule_name_same(t->co[t->slot[i] - 1].l.company, name))
		i = (i + 1) & (t->nslot - 1);
	return &t->slot[i];
}

/* Room in the table for one more company; false out of memory. */
static bool
slots_grow(struct tin *t)
{
	size_t *old = t->slot, nold = t->nslot;

	if (t->nslot > 2 * (t->nco + 1))
		return true;
	t->nslot = t->nslot ? t->nslot * 2 : 256;
	if ((t->slot = calloc(t->nslot, sizeof(*t->slot))) == NULL) {
		t->slot = old;
		t->nslot = nold;
		return false;
	}
	for (size_t i = 0; i < nold; i++)
		if (old[i] != 0)
			*slot_of(t, t->co[old[i] - 1].l.company) = old[i];
	free(old);
	return true;
}

static struct company *
tin_company(struct tin *t, const struct tenant_line *l)
{
	struct company *c;
	size_t *slot;

	if (!slots_grow(t))
		return NULL;
	if (*(slot = slot_of(t, l->company)) != 0)
		return &t->co[*slot - 1];
	if (t->nco == t->capco) {
		size_t cap = t->capco ? t->capco * 2 : 64;

		if ((c = realloc(t->co, cap * sizeof(*c))) == NULL)
			return NULL;
		t->co = c;
		t->capco = cap;
	}
	c = &t->co[t->nco++];
	*slot = t->nco;
	memset(c, 0, sizeof(*c));
	c->line = t->in.line;
	c->l = *l;
	c->l.has_contact = false;
	return c;
}

static void
tin_contact(struct tin *t, struct company *co, const struct tenant_line *l)
{
	struct contact *k;

	for (size_t i = 0; i < co->nc; i++)
		if (rule_name_same(co->c[i].name, l->contact) &&
		    strcmp(co->c[i].phone, l->phone) == 0) {
			csv_err(&t->in, "%s: contact %s again (line %ld)", co->l.company,
			    l->contact, co->c[i].line);
			return;
		}
	if (co->nc == TENANT_CONTACTS_MAX) {
		csv_err(&t->in, "%s: more than %d contacts", co->l.company,
		    TENANT_CONTACTS_MAX);
		return;
	}
	if (co->nc == co->capc) {
		size_t cap = co->capc ? co->capc * 2 : 4;

		if ((k = realloc(co->c, cap * sizeof(*k))) == NULL) {
			csv_err(&t->in, "out of memory");
			return;
		}
		co->c = k;
		co->capc = cap;
	}
	k = &co->c[co->nc++];
	k->line = t->in.line;
	str_copy(k->name, l->contact, sizeof(k->name));
	str_copy(k->phone, l->phone, sizeof(k->phone));
	str_copy(k->role, l->role, sizeof(k->role));
	str_copy(k->notify, l->notify, sizeof(k->notify));
	str_copy(k->detail, l->notify_detail, sizeof(k->detail));
}

/* Every line read and checked into t->co; false when any was wrong. */
static bool
tin_check(struct tin *t)
{
	char buf[CSV_LINE_MAX];

	if (!tin_header(t, buf))
		return false;
	while (csv_read(&t->in, buf) != NULL) {
		const char *v[K_COUNT] = { NULL };
		struct tenant_csv csv;
		struct tenant_line l;
		struct company *co;
		char *f[K_COUNT + 8], err[200];
		int n = csv_split(&t->in, buf, f, K_COUNT + 8);

		if (n < 0)
			continue;
		if (n > t->ncols) {
			csv_err(&t->in, "%d fields, the header names %d", n, t->ncols);
			continue;
		}
		for (int i = 0; i < n; i++)
			v[t->col[i]] = f[i];
		csv = (struct tenant_csv){ v[K_COMPANY], v[K_SHORT], v[K_UNITS],
		    v[K_FLOORS], v[K_CONTACT], v[K_PHONE], v[K_ROLE], v[K_NOTIFY],
		    v[K_DETAIL] };
		if (!rule_tenant_line(&csv, &l, err, sizeof(err))) {
			csv_err(&t->in, "%s", err);
			continue;
		}
		if ((co = tin_company(t, &l)) == NULL) {
			csv_err(&t->in, "out of memory");
			break;
		}
		if (co->line != t->in.line && !rule_tenant_line_agrees(&co->l, &l, err,
		    sizeof(err))) {
			csv_err(&t->in, "%s", err);
			continue;
		}
		if (l.has_contact)
			tin_contact(t, co, &l);
	}
	for (size_t i = 0; i < t->nco; i++)
		if (t->co[i].l.nunits == 0) {
			t->in.line = t->co[i].line;
			csv_err(&t->in, "%s: no units on any of its lines",
			    t->co[i].l.company);
		}
	if (t->nco == 0 && t->in.nerr == 0)
		csv_err(&t->in, "no tenants in the file");
	csv_err_untold(&t->in);
	return t->in.nerr == 0;
}

static json_object *
company_json(const struct company *co)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	char units[1200], floors[FMT_FLOORS_LEN];

	rule_units_str((char (*)[TENANT_UNIT_MAX])co->l.units, co->l.nunits, units,
	    sizeof(units));
	json_object_object_add(o, "line", json_object_new_int64(co->line));
	json_object_object_add(o, "name", json_object_new_string(co->l.company));
	json_object_object_add(o, "short_name", json_object_new_string(co->l.short_name));
	json_object_object_add(o, "units", json_object_new_string(units));
	if (co->l.has_floors) {
		floors_str_runs(co->l.floors, floors, sizeof(floors));
		json_object_object_add(o, "floors", json_object_new_string(floors));
	}
	for (size_t i = 0; i < co->nc; i++) {
		json_object *k = json_object_new_object();

		json_object_object_add(k, "line", json_object_new_int64(co->c[i].line));
		json_object_object_add(k, "name", json_object_new_string(co->c[i].name));
		json_object_object_add(k, "phone", json_object_new_string(co->c[i].phone));
		json_object_object_add(k, "role", json_object_new_string(co->c[i].role));
		json_object_object_add(k, "notify", json_object_new_string(co->c[i].notify));
		json_object_object_add(k, "notify_detail",
		    json_object_new_string(co->c[i].detail));
		json_object_array_add(a, k);
	}
	json_object_object_add(o, "contacts", a);
	return o;
}

static void
tin_free(struct tin *t)
{
	for (size_t i = 0; i < t->nco; i++)
		free(t->co[i].c);
	free(t->co);
	free(t->slot);
	if (t->in.f != NULL)
		fclose(t->in.f);
}

int
tenants_import(const struct tn_opts *o, const char *path)
{
	struct tin t = { .in = { .path = o->words[2], .text_only = true,
	    .blank = " \t," } };
	const char *base = strrchr(t.in.path, '/') != NULL ? strrchr(t.in.path, '/') + 1 :
	    t.in.path;
	json_object *rows, *reply = NULL, *data = NULL;
	struct conn conn;
	char name[64];
	size_t bytes = 0;
	int rc = 0;

	snprintf(name, sizeof(name), "%s", base);
	if (!fmt_text_is_clean(name))
		snprintf(name, sizeof(name), "import");
	if ((t.in.f = fopen(t.in.path, "r")) == NULL) {
		lobbyctl_say("%s: %s", t.in.path, strerror(errno));
		return EXIT_USAGE;
	}
	if (!tin_check(&t)) {
		lobbyctl_say("%s: nothing imported", t.in.path);
		tin_free(&t);
		return EXIT_USAGE;
	}
	if ((rc = conn_open(&conn, path, false)) != 0) {
		tin_free(&t);
		return rc;
	}
	rows = json_object_new_array();
	for (size_t i = 0; rc == 0 && i < t.nco; i++) {
		json_object *co = company_json(&t.co[i]);
		size_t len = strlen(json_object_to_json_string_ext(co,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) + 1;

		if (bytes + len > BATCH_BYTES && json_object_array_length(rows) > 0) {
			rc = import_send(&conn, "tenant.import", name, rows, false,
			    &reply, &data);
			json_object_put(reply);
			reply = NULL;
			rows = json_object_new_array();
			bytes = 0;
		}
		json_object_array_add(rows, co);
		bytes += len;
	}
	if (rc == 0 && (rc = import_send(&conn, "tenant.import", name, rows, true,
	    &reply, &data)) == 0 &&
	    reply != NULL) {
		if (o->json)
			show_json(data);
		else
			printf("imported %zu tenants from %s: %lld added, %lld "
			    "replaced, %lld contacts\n", t.nco, name,
			    (long long)show_jint(data, "added"),
			    (long long)show_jint(data, "replaced"),
			    (long long)show_jint(data, "contacts"));
		json_object_put(reply);
	} else if (rc == 0)
		rc = EXIT_REFUSED;
	conn_close(&conn);
	tin_free(&t);
	return rc;
}

static void
csv_out(FILE *f, const char *const *v, int n)
{
	for (int i = 0; i < n; i++) {
		char *s = fmt_csv_field(v[i] != NULL ? v[i] : "");

		fprintf(f, "%s%s", i ? "," : "", s != NULL ? s : "");
		free(s);
	}
	fputc('\n', f);
}

/* One page of companies with their contacts, as CSV lines. */
static void
export_page(FILE *f, json_object *data)
{
	for (size_t i = 0; i < json_object_array_length(data); i++) {
		json_object *o = json_object_array_get_idx(data, i);
		json_object *list = show_jval(o, "contacts");
		size_t n = list != NULL && json_object_is_type(list, json_type_array) ?
		    json_object_array_length(list) : 0;
		char units[1200];
		const char *v[K_COUNT] = { show_jstr(o, "name"),
		    show_jstr(o, "short_name"), units, show_jstr(o, "floors") };

		tn_units_str(o, units, sizeof(units));
		if (n == 0)
			csv_out(f, v, K_COUNT);
		for (size_t k = 0; k < n; k++) {
			json_object *c = json_object_array_get_idx(list, k);

			v[K_CONTACT] = show_jstr(c, "name");
			v[K_PHONE] = show_jstr(c, "phone");
			v[K_ROLE] = show_jstr(c, "role");
			v[K_NOTIFY] = show_jstr(c, "notify");
			v[K_DETAIL] = show_jstr(c, "notify_detail");
			csv_out(f, v, K_COUNT);
		}
	}
}

int
tenants_export(const struct tn_opts *o, const char *path)
{
	json_object *req = json_object_new_object(), *args = json_object_new_object();
	json_object *reply = NULL, *data, *more;
	struct conn conn;
	FILE *f = stdout;
	int rc;

	json_object_object_add(req, "cmd", json_object_new_string("tenant.list"));
	json_object_object_add(args, "contacts", json_object_new_boolean(true));
	json_object_object_add(req, "args", args);
	if ((rc = conn_open(&conn, path, false)) != 0)
		goto out_put;
	if ((rc = conn_request(&conn, req, &reply, &data)) != 0 || reply == NULL)
		goto out_close;
	if (o->out != NULL && (f = fopen(o->out, "w")) == NULL) {
		lobbyctl_say("%s: %s", o->out, strerror(errno));
		rc = EXIT_USAGE;
		goto out_close;
	}
	csv_out(f, col_names, K_COUNT);
	for (;;) {
		if (data == NULL || !json_object_is_type(data, json_type_array)) {
			lobbyctl_say("bad reply from lobbyd: \"data\" is not a list");
			rc = EXIT_REFUSED;
			break;
		}
		export_page(f, data);
		if (!json_object_object_get_ex(reply, "more", &more) ||
		    !json_object_is_type(more, json_type_string))
			break;
		json_object_object_add(args, "after",
		    json_object_new_string(json_object_get_string(more)));
		json_object_put(reply);
		if ((rc = conn_request_page(&conn, req, &reply, &data)) != 0 ||
		    reply == NULL)
			break;
	}
	if (f != stdout && fclose(f) == EOF && rc == 0) {
		lobbyctl_say("%s: %s", o->out, strerror(errno));
		rc = EXIT_REFUSED;
	}
out_close:
	json_object_put(reply);
	conn_close(&conn);
out_put:
	json_object_put(req);
	return rc;
}
