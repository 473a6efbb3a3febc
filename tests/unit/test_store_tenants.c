/*
 * db/tenants.c and a returning visitor's lookup (db/desk.c) through the
 * store, against a real SQLite file: companies with units and contacts
 * added, a name or unit taken refused, pages by name, the unit's company
 * for a host, an import committed whole or not at all (a unit moving from
 * one company to another within it), removal; a visitor found by ID hash
 * or by name and phone, their visits counted over every record they had,
 * the newest five; their phone and host reason purged with the rest.
 */
#include "desk_support.h"

static struct tenant_row
company(const char *name, const char *units, int64_t line)
{
	struct tenant_row r;
	char buf[128], *save = NULL;

	memset(&r, 0, sizeof(r));
	str_copy(r.t.name, name, sizeof(r.t.name));
	str_copy(buf, units, sizeof(buf));
	for (char *u = strtok_r(buf, ";", &save); u != NULL; u = strtok_r(NULL, ";", &save))
		str_copy(r.t.units[r.t.nunits++], u, sizeof(r.t.units[0]));
	r.t.line = line;
	return r;
}

static struct tenant_row
contact(const char *name, const char *phone)
{
	struct tenant_row r;

	memset(&r, 0, sizeof(r));
	r.is_contact = true;
	str_copy(r.c.name, name, sizeof(r.c.name));
	str_copy(r.c.phone, phone, sizeof(r.c.phone));
	str_copy(r.c.notify, "phone", sizeof(r.c.notify));
	return r;
}

static struct store_req
treq(enum tenant_action a)
{
	struct store_req r = mkreq(STORE_TENANT);

	r.in.tenant.action = a;
	r.in.tenant.now_ms = NOW;
	str_copy(r.in.tenant.actor, "desk1", sizeof(r.in.tenant.actor));
	return r;
}

/* rows written as action; the request's status (its error in out->error). */
static int
write_rows(struct store *s, enum tenant_action a, const struct tenant_row *rows,
    size_t n, struct store_req *out)
{
	*out = treq(a);
	out->in.tenant.rows = rows;
	out->in.tenant.nrows = n;
	out->in.tenant.file = "t.csv";
	CHECK_INT(store_run(s, out), out->status);
	return out->status;
}

/* The company holding unit: its name ("" none) and contacts; *total: companies. */
static void
host(struct store *s, const char *unit, char *name, size_t len, int *ncontacts,
    int64_t *total)
{
	struct store_req r = treq(TENANT_HOST);
	const struct tenant_row *rows;

	str_copy(r.in.tenant.unit, unit, sizeof(r.in.tenant.unit));
	CHECK_INT(store_run(s, &r), 0);
	rows = r.rows;
	name[0] = '\0';
	*ncontacts = 0;
	if (r.found && r.nrows > 0) {
		str_copy(name, rows[0].t.name, len);
		*ncontacts = (int)r.nrows - 1;
		CHECK_INT(rows[0].t.ncontacts, *ncontacts);
	}
	*total = r.id;
	store_req_free(&r);
}

static void
test_directory(struct store *s)
{
	struct tenant_row acme[] = { company("Acme Ltd", "1203;1205", 0),
	    contact("Li Na", "13800138000"), contact("张伟", "01065529988") };
	struct tenant_row law[] = { company("Harbour Law", "2101", 0) };
	struct tenant_row dup[] = { company("ACME LTD", "3001", 0) };
	struct tenant_row taken[] = { company("Other Co", "3001;1205", 0) };
	struct store_req r;
	char name[64];
	int n;
	int64_t total, acme_id;

	host(s, "1203", name, sizeof(name), &n, &total);
	CHECK_INT(total, 0);
	CHECK_STR(name, "");
	CHECK_INT(write_rows(s, TENANT_PUT, acme, 3, &r), 0);
	acme_id = r.id;
	CHECK_INT(write_rows(s, TENANT_PUT, law, 1, &r), 0);
	/* A name in any case, and a unit, are one company's. */
	CHECK_INT(write_rows(s, TENANT_PUT, dup, 1, &r), -1);
	CHECK(strstr(r.error, "is in the directory already") != NULL);
	CHECK_INT(write_rows(s, TENANT_PUT, taken, 1, &r), -1);
	CHECK_STR(r.error, "unit 1205 is Acme Ltd's already");
	host(s, "3001", name, sizeof(name), &n, &total);
	CHECK_STR(name, "");	/* the refused company left nothing behind */
	host(s, "1205", name, sizeof(name), &n, &total);
	CHECK_STR(name, "Acme Ltd");
	CHECK_INT(n, 2);
	CHECK_INT(total, 2);

	/* Pages by name. */
	r = treq(TENANT_LIST);
	r.in.tenant.limit = 1;
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 1);
	CHECK(r.more);
	CHECK_STR(((const struct tenant_row *)r.rows)[0].t.name, "Acme Ltd");
	CHECK_INT(((const struct tenant_row *)r.rows)[0].t.nunits, 2);
	store_req_free(&r);
	r = treq(TENANT_LIST);
	r.in.tenant.limit = 1;
	r.in.tenant.contacts = true;
	str_copy(r.in.tenant.after, "acme ltd", sizeof(r.in.tenant.after));
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.nrows, 1);
	CHECK(!r.more);
	CHECK_STR(((const struct tenant_row *)r.rows)[0].t.name, "Harbour Law");
	store_req_free(&r);

	/* A contact added and removed. */
	r = treq(TENANT_CONTACT_PUT);
	r.in.tenant.contact = contact("Wang Wu", "13900000000").c;
	r.in.tenant.contact.tenant = acme_id;
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.status, 0);
	host(s, "1203", name, sizeof(name), &n, &total);
	CHECK_INT(n, 3);
	r = treq(TENANT_CONTACT_DEL);
	r.in.tenant.contact.tenant = acme_id + 100;
	r.in.tenant.contact.id = 1;
	CHECK_INT(store_run(s, &r), 0);
	CHECK(!r.found);	/* not that company's */
	r = treq(TENANT_CONTACT_PUT);
	r.in.tenant.contact = contact("X", "13900000001").c;
	r.in.tenant.contact.tenant = 999;
	CHECK_INT(store_run(s, &r), -1);
	CHECK_STR(r.error, "no tenant 999");
	/* An action the store does not know is refused, nothing written. */
	r = treq((enum tenant_action)99);
	CHECK_INT(store_run(s, &r), -1);
	CHECK(strstr(r.error, ": tenant action 99 is not a write") != NULL);
}

static void
test_import(struct store *s)
{
	/* Harbour Law gives 2101 to a new company and takes 2102. */
	struct tenant_row moved[] = { company("Harbour Law", "2102", 2),
	    contact("Chen Jie", "13700000000"), company("Blue Sky", "2101;0801", 4) };
	struct tenant_row clash[] = { company("New Co", "3001", 2),
	    company("Late Co", "1203", 3) };
	struct tenant_row twice[] = { company("New Co", "3001", 2),
	    company("NEW CO", "3002", 5) };
	struct store_req r;
	char name[64];
	int n;
	int64_t total;

	CHECK_INT(write_rows(s, TENANT_IMPORT, moved, 3, &r), 0);
	CHECK_INT(r.in.tenant.added, 1);
	CHECK_INT(r.in.tenant.replaced, 1);
	host(s, "2101", name, sizeof(name), &n, &total);
	CHECK_STR(name, "Blue Sky");
	host(s, "2102", name, sizeof(name), &n, &total);
	CHECK_STR(name, "Harbour Law");
	CHECK_INT(n, 1);
	/* A unit another company holds: the line named, nothing imported. */
	CHECK_INT(write_rows(s, TENANT_IMPORT, clash, 2, &r), -1);
	CHECK_STR(r.error, "t.csv:3: unit 1203 is Acme Ltd's already");
	host(s, "3001", name, sizeof(name), &n, &total);
	CHECK_STR(name, "");
	CHECK_INT(total, 3);
	/* A company twice in one file, whatever the case. */
	CHECK_INT(write_rows(s, TENANT_IMPORT, twice, 2, &r), -1);
	CHECK_STR(r.error, "t.csv:5: NEW CO is in the file twice");
	host(s, "3001", name, sizeof(name), &n, &total);
	CHECK_STR(name, "");
	/* Removed with its units and contacts. */
	r = treq(TENANT_GET);
	str_copy(r.in.tenant.name, "harbour law", sizeof(r.in.tenant.name));
	CHECK_INT(store_run(s, &r), 0);
	CHECK(r.found);
	r.in.tenant.id = ((const struct tenant_row *)r.rows)[0].t.id;
	store_req_free(&r);
	r.in.tenant.action = TENANT_DEL;
	CHECK_INT(store_run(s, &r), 0);
	CHECK(r.found);
	host(s, "2102", name, sizeof(name), &n, &total);
	CHECK_STR(name, "");
	CHECK_INT(total, 2);
}

/* A visit of person on day d (days after NOW), at unit. */
static void
visit(struct store *s, int64_t person, int d, const char *unit, const char *purpose)
{
	struct pass_rec p = mkpass(person, "VP-AAAA", "expired", NOW + d * MS_DAY,
	    NOW + d * MS_DAY + 3600000);

	str_copy(p.host_unit, unit, sizeof(p.host_unit));
	str_copy(p.purpose, purpose, sizeof(p.purpose));
	str_copy(p.host_reason, "walk-in", sizeof(p.host_reason));
	CHECK(pass_put(s, p) > 0);
}

static struct store_req
find(struct store *s, const char *hash, const char *name, const char *phone)
{
	struct store_req r = dreq(DESK_VISITOR_FIND);

	str_copy(r.in.desk.person.id_hash, hash, sizeof(r.in.desk.person.id_hash));
	str_copy(r.in.desk.person.name, name, sizeof(r.in.desk.person.name));
	str_copy(r.in.desk.person.phone, phone, sizeof(r.in.desk.person.phone));
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.status, 0);
	return r;
}

static void
test_returning(struct store *s)
{
	struct person_rec a = mkperson("visitor", "Zhao Lei", NOW), b;
	struct store_req r;
	const struct pass_rec *last;
	int64_t ida, idb;

	str_copy(a.id_hash, "feed01", sizeof(a.id_hash));
	str_copy(a.phone, "18600001111", sizeof(a.phone));
	ida = person_put(s, a);
	/* Before people were reused, the same visitor was a second record. */
	b = a;
	idb = person_put(s, b);
	for (int d = 0; d < 4; d++)
		visit(s, ida, d, "1203", "meeting");
	visit(s, idb, 5, "2101", "contract");
	visit(s, idb, 6, "2101", "last one");
	r = find(s, "feed01", "", "");
	CHECK(r.found);
	CHECK_INT(r.in.desk.person.id, idb);	/* the newest record */
	CHECK_INT(r.id, 6);
	CHECK_INT(r.nrows, DESK_LAST_VISITS);
	last = r.rows;
	CHECK_STR(last[0].purpose, "last one");
	CHECK_STR(last[1].host_unit, "2101");
	CHECK_STR(last[4].purpose, "meeting");
	CHECK(last[0].issued_ms > last[1].issued_ms);
	store_req_free(&r);
	r = find(s, "", "Zhao Lei", "18600001111");
	CHECK(r.found && r.id == 6);
	store_req_free(&r);
	r = find(s, "", "Zhao Lei", "18600001112");
	CHECK(!r.found && r.nrows == 0);
	r = find(s, "feed02", "", "");
	CHECK(!r.found);
	/* Not a visitor: not found. */
	a = mkperson("tenant_staff", "Staff", NOW);
	str_copy(a.id_hash, "feed03", sizeof(a.id_hash));
	person_put(s, a);
	r = find(s, "feed03", "", "");
	CHECK(!r.found);

	/* Purged a year on: name, phone and host reasons go; nobody is found. */
	r = dreq(DESK_PURGE);
	r.in.desk.before_ms = NOW + 365 * MS_DAY;
	r.in.desk.now_ms = NOW + 365 * MS_DAY;
	CHECK_INT(store_run(s, &r), 0);
	CHECK_INT(r.id, 2);
	store_req_free(&r);
	r = find(s, "", "Zhao Lei", "18600001111");
	CHECK(!r.found);
	r = dreq(DESK_PASS_LIST);
	r.in.desk.all = true;
	CHECK_INT(store_run(s, &r), 0);
	for (size_t i = 0; i < r.nrows; i++)
		CHECK_STR(((const struct pass_rec *)r.rows)[i].host_reason, "");
	store_req_free(&r);
	{
		struct desk_load l;

		CHECK_INT(load(s, NOW, &l), 0);
		CHECK_STR(find_person(&l, ida)->phone, "");
		CHECK_STR(find_person(&l, idb)->name, "");
		desk_load_free(&l);
	}
}

/* The tests build on each other's companies, in one store. */
static void
test_tenants(const char *dir)
{
	static store_use_fn *const tests[] = { test_directory, test_import,
		test_returning };

	run_on_store(dir, "tenants.db", 50, tests, NELEM(tests));
}

int
main(void)
{
	static store_test_fn *const tests[] = { test_tenants };

	return store_tests_main("test_store_tenants", tests, NELEM(tests));
}
