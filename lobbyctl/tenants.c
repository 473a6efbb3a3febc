/*
 * lobbyctl tenant ...: the tenant directory (companies, their units and
 * floors, their contacts). Each command is one request (control/ctl.h);
 * import and export are tenants_csv.c's. A guard sees the companies' names
 * only: lobbyd sends nothing more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../control/ctl.h"
#include "../rules/tenant.h"
#include "format.h"
#include "lobbyctl_int.h"
#include "tenants_int.h"

static const char usage[] =
"usage: lobbyctl [-s SOCKET] [--json] tenant COMMAND ...\n"
"  tenant add --name COMPANY --units 1203[;1205] [--short-name S]\n"
"      [--floors 12-13] [--contact NAME --phone P [--role R]\n"
"      [--notify phone] [--notify-detail TEXT]]\n"
"  tenant list                      (guards: the companies' names only)\n"
"  tenant show TENANT | tenant remove TENANT      TENANT: its id or name\n"
"  tenant contact add TENANT --contact NAME --phone P [--role R]\n"
"      [--notify phone] [--notify-detail TEXT]\n"
"  tenant contact remove TENANT CONTACT_ID\n"
"  tenant import FILE.csv   header: company,units and any of short_name,\n"
"      floors,contact,phone,role,notify,notify_detail; one line a contact,\n"
"      a company's lines together or apart; all or nothing\n"
"  tenant export [--out FILE]       the directory as such a CSV\n";

static void
tn_help(FILE *f)
{
	fputs(usage, f);
}

/* A mistake in the command's shape: the message, then how it is used. */
#define tn_usage(...)	lobbyctl_usage_error(tn_help, __VA_ARGS__)

/* The options, by name; each value or NULL. */
static const struct {
	const char	*name;
	size_t		off;
	size_t		max;		/* bytes */
} opt_defs[] = {
	{ "--name", offsetof(struct tn_opts, name), TENANT_NAME_MAX - 1 },
	{ "--short-name", offsetof(struct tn_opts, short_name), TENANT_SHORT_MAX - 1 },
	{ "--units", offsetof(struct tn_opts, units), 400 },
	{ "--floors", offsetof(struct tn_opts, floors), 160 },
	{ "--contact", offsetof(struct tn_opts, contact), TENANT_NAME_MAX - 1 },
	{ "--phone", offsetof(struct tn_opts, phone), 40 },
	{ "--role", offsetof(struct tn_opts, role), TENANT_ROLE_MAX - 1 },
	{ "--notify", offsetof(struct tn_opts, notify), TENANT_NOTIFY_MAX - 1 },
	{ "--notify-detail", offsetof(struct tn_opts, notify_detail), TENANT_DETAIL_MAX - 1 },
	{ "--out", offsetof(struct tn_opts, out), 4096 },
};

static int
tn_parse(int argc, char **argv, struct tn_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		size_t k;

		if (strcmp(a, "-s") == 0 && i + 1 < argc) {
			o->socket = argv[++i];
			continue;
		}
		if (strncmp(a, "-s", 2) == 0 && a[1] == 's' && a[2] != '\0') {
			o->socket = a + 2;
			continue;
		}
		if (strcmp(a, "--json") == 0) {
			o->json = true;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			tn_help(stdout);
			exit(0);
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (o->nwords == TN_WORDS_MAX)
				return tn_usage("unexpected argument \"%s\"", a);
			o->words[o->nwords++] = a;
			continue;
		}
		for (k = 0; k < sizeof(opt_defs) / sizeof(opt_defs[0]); k++)
			if (strcmp(opt_defs[k].name, a) == 0)
				break;
		if (k == sizeof(opt_defs) / sizeof(opt_defs[0]))
			return tn_usage("unknown option %s", a);
		if (i + 1 >= argc)
			return tn_usage("%s needs a value", a);
		*(const char **)((char *)o + opt_defs[k].off) = argv[++i];
		if (lobbyctl_text_ok(a, argv[i], opt_defs[k].max, false) != 0)
			return EXIT_USAGE;
	}
	return 0;
}

/* Only the options a command takes (a mask of those named). */
static int
tn_only(const struct tn_opts *o, const char *const *allowed, const char *cmd)
{
	for (size_t k = 0; k < sizeof(opt_defs) / sizeof(opt_defs[0]); k++) {
		const char *const *a;

		if (*(const char *const *)((const char *)o + opt_defs[k].off) == NULL)
			continue;
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, opt_defs[k].name) == 0)
				break;
		if (*a == NULL) {
			lobbyctl_say("tenant %s does not take %s", cmd, opt_defs[k].name);
			return EXIT_USAGE;
		}
	}
	return 0;
}

static void
add_str(json_object *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, k, json_object_new_string(v));
}

/* TENANT on the command line: an id (digits) or a name. */
static void
add_key(json_object *args, const char *key, const char *word)
{
	char *end;
	long long id = strtoll(word, &end, 10);

	if (word[0] >= '1' && word[0] <= '9' && *end == '\0' && id > 0)
		json_object_object_add(args, key, json_object_new_int64(id));
	else
		json_object_object_add(args, key, json_object_new_string(word));
}

/* A contact from the options, checked as lobbyd will: NULL after saying why. */
static json_object *
contact_arg(const struct tn_opts *o)
{
	struct tenant_csv csv = { .company = "-", .contact = o->contact,
	    .phone = o->phone, .role = o->role, .notify = o->notify,
	    .notify_detail = o->notify_detail };
	struct tenant_line l;
	json_object *k;
	char err[160];

	if (!rule_tenant_line(&csv, &l, err, sizeof(err))) {
		lobbyctl_say("%s", err);
		return NULL;
	}
	k = json_object_new_object();
	add_str(k, "name", l.contact);
	add_str(k, "phone", l.phone);
	add_str(k, "role", o->role);
	add_str(k, "notify", l.notify);
	add_str(k, "notify_detail", o->notify_detail);
	return k;
}

/* The request's args for the command words; 0 or an exit status. */
static int
tn_build(const struct tn_opts *o, const char **cmd, json_object *args)
{
	static const char *const add_opts[] = { "--name", "--short-name", "--units",
	    "--floors", "--contact", "--phone", "--role", "--notify",
	    "--notify-detail", NULL };
	static const char *const contact_opts[] = { "--contact", "--phone", "--role",
	    "--notify", "--notify-detail", NULL };
	static const char *const none[] = { NULL };
	const char *verb = o->nwords > 1 ? o->words[1] : "";
	int n = o->nwords, rc;

	if (strcmp(verb, "add") == 0 && n == 2) {
		struct tenant_csv csv = { .company = o->name, .units = o->units,
		    .floors = o->floors, .short_name = o->short_name };
		struct tenant_line l;
		char err[160];

		if ((rc = tn_only(o, add_opts, verb)) != 0)
			return rc;
		if (o->name == NULL || o->units == NULL)
			return tn_usage("tenant add: --name and --units are needed");
		if (!rule_tenant_line(&csv, &l, err, sizeof(err))) {
			lobbyctl_say("%s", err);
			return EXIT_USAGE;
		}
		*cmd = "tenant.add";
		add_str(args, "name", l.company);
		add_str(args, "short_name", o->short_name);
		add_str(args, "units", o->units);
		add_str(args, "floors", o->floors);
		if (o->contact != NULL || o->phone != NULL) {
			json_object *k = contact_arg(o), *a;

			if (k == NULL)
				return EXIT_USAGE;
			a = json_object_new_array();
			json_object_array_add(a, k);
			json_object_object_add(args, "contacts", a);
		}
		return 0;
	}
	if (strcmp(verb, "list") == 0 && n == 2) {
		*cmd = "tenant.list";
		return tn_only(o, none, verb);
	}
	if ((strcmp(verb, "show") == 0 || strcmp(verb, "remove") == 0) && n == 3) {
		*cmd = verb[0] == 's' ? "tenant.show" : "tenant.remove";
		add_key(args, "tenant", o->words[2]);
		return tn_only(o, none, verb);
	}
	if (strcmp(verb, "contact") == 0 && n >= 3) {
		if (strcmp(o->words[2], "add") == 0 && n == 4) {
			json_object *k;

			if ((rc = tn_only(o, contact_opts, "contact add")) != 0)
				return rc;
			if (o->contact == NULL)
				return tn_usage("tenant contact add: --contact NAME is "
				    "needed");
			if ((k = contact_arg(o)) == NULL)
				return EXIT_USAGE;
			*cmd = "tenant.contact.add";
			add_key(args, "tenant", o->words[3]);
			json_object_object_add(args, "contact", k);
			return 0;
		}
		if (strcmp(o->words[2], "remove") == 0 && n == 5) {
			char *end;
			long long id = strtoll(o->words[4], &end, 10);

			if (*end != '\0' || id <= 0)
				return tn_usage("CONTACT_ID \"%s\": a number expected",
				    o->words[4]);
			*cmd = "tenant.contact.remove";
			add_key(args, "tenant", o->words[3]);
			json_object_object_add(args, "id", json_object_new_int64(id));
			return tn_only(o, none, "contact remove");
		}
	}
	if (n < 2)
		return tn_usage("tenant: what to do?");
	return tn_usage("tenant %s: not a tenant command, or its arguments are "
	    "wrong", verb);
}

/* ---- showing ------------------------------------------------------------------ */

static void
show_contacts(json_object *list)
{
	static const struct fmt_col cols[] = { { "ID", 0, 0, true },
	    { "CONTACT", 0, 30, false }, { "PHONE", 0, 0, false },
	    { "ROLE", 0, 20, false }, { "NOTIFY", 0, 0, false },
	    { "DETAIL", 0, 40, false } };
	struct fmt_table *t = fmt_table_new(cols, 6);

	for (size_t i = 0; t != NULL && i < json_object_array_length(list); i++) {
		json_object *k = json_object_array_get_idx(list, i);
		char id[24];
		const char *cells[6];

		snprintf(id, sizeof(id), "%lld", (long long)show_jint(k, "id"));
		cells[0] = id;
		cells[1] = show_jstr(k, "name");
		cells[2] = show_jstr(k, "phone");
		cells[3] = show_jstr(k, "role");
		cells[4] = show_jstr(k, "notify");
		cells[5] = show_jstr(k, "notify_detail");
		fmt_table_add(t, cells);
	}
	if (t != NULL && fmt_table_rows(t) > 0)
		fmt_table_print(t, stdout);
	else
		puts("(no contacts)");
	fmt_table_free(t);
}

/* "1203;1205" from a list of units. */
void
tn_units_str(json_object *o, char *buf, size_t len)
{
	json_object *u = show_jval(o, "units");
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; u != NULL && json_object_is_type(u, json_type_array) &&
	    i < json_object_array_length(u) && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ";" : "",
		    json_object_get_string(json_object_array_get_idx(u, i)));
}

static void
show_tenant(json_object *d)
{
	static const char *const keys[] = { "tenant", "name", "short name",
	    "units", "floors", "updated" };
	char id[24], units[1200], when[FMT_TIME_LEN + 40];
	const char *vals[6];
	json_object *list;

	snprintf(id, sizeof(id), "%lld", (long long)show_jint(d, "id"));
	tn_units_str(d, units, sizeof(units));
	fmt_time(show_jint(d, "updated_ms"), when, FMT_TIME_LEN);
	snprintf(when + strlen(when), sizeof(when) - strlen(when), " by %s",
	    show_jstr(d, "updated_by"));
	vals[0] = id;
	vals[1] = show_jstr(d, "name");
	vals[2] = show_jstr(d, "short_name");
	vals[3] = units;
	vals[4] = show_jstr(d, "floors");
	vals[5] = when;
	fmt_kv_print(keys, vals, 6, stdout);
	if ((list = show_jval(d, "contacts")) != NULL &&
	    json_object_is_type(list, json_type_array))
		show_contacts(list);
}

static int
show_list(json_object *data)
{
	static const struct fmt_col full[] = { { "ID", 0, 0, true },
	    { "NAME", 0, 40, false }, { "SHORT", 0, 20, false },
	    { "UNITS", 0, 40, false }, { "FLOORS", 0, 20, false },
	    { "CONTACTS", 0, 0, true } };
	bool names_only = json_object_array_length(data) > 0 &&
	    show_jval(json_object_array_get_idx(data, 0), "id") == NULL;
	struct fmt_table *t = names_only ? fmt_table_new(full + 1, 2) :
	    fmt_table_new(full, 6);

	if (t == NULL) {
		lobbyctl_say("out of memory");
		return EXIT_REFUSED;
	}
	for (size_t i = 0; i < json_object_array_length(data); i++) {
		json_object *o = json_object_array_get_idx(data, i);
		char id[24], units[1200], n[24];
		const char *cells[6] = { id, show_jstr(o, "name"),
		    show_jstr(o, "short_name"), units, show_jstr(o, "floors"), n };

		snprintf(id, sizeof(id), "%lld", (long long)show_jint(o, "id"));
		snprintf(n, sizeof(n), "%lld", (long long)show_jint(o, "contacts_count"));
		tn_units_str(o, units, sizeof(units));
		fmt_table_add(t, names_only ? cells + 1 : cells);
	}
	fmt_table_print(t, stdout);
	fmt_table_free(t);
	return 0;
}

int
tenants_main(int argc, char **argv)
{
	struct tn_opts o = { 0 };
	json_object *req, *args, *reply = NULL, *data;
	const char *cmd = NULL, *path;
	int rc;

	if ((rc = tn_parse(argc, argv, &o)) != 0)
		return rc;
	path = conn_socket_path(o.socket);
	if (o.nwords >= 2 && strcmp(o.words[1], "import") == 0)
		return o.nwords == 3 && o.out == NULL ? tenants_import(&o, path) :
		    tn_usage("tenant import FILE");
	if (o.nwords >= 2 && strcmp(o.words[1], "export") == 0)
		return o.nwords == 2 ? tenants_export(&o, path) :
		    tn_usage("tenant export [--out FILE]");
	req = json_object_new_object();
	args = json_object_new_object();
	json_object_object_add(req, "args", args);
	if ((rc = tn_build(&o, &cmd, args)) != 0)
		goto out_put;
	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	if ((rc = conn_ask(path, req, args, &reply, &data)) != 0 || reply == NULL)
		goto out_put;
	if (o.json)
		show_json(data);
	else if (strcmp(cmd, "tenant.list") == 0)
		rc = show_list(data);
	else if (strcmp(cmd, "tenant.remove") == 0)
		printf("tenant %lld removed: %s\n", (long long)show_jint(data, "id"),
		    show_jstr(data, "name"));
	else if (strcmp(cmd, "tenant.contact.remove") == 0)
		printf("contact %lld of %s removed\n", (long long)show_jint(data, "id"),
		    show_jstr(data, "name"));
	else
		show_tenant(data);
	json_object_put(reply);
out_put:
	json_object_put(req);
	return lobbyctl_flushed(rc);
}
