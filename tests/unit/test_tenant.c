/*
 * rules/tenant.c from tables: a visitor's host against the directory, a
 * line of the directory's CSV, how a company's lines agree, unit and phone
 * numbers, and names that are the same.
 */
#include <string.h>

#include "../../rules/tenant.h"
#include "harness.h"

/* A host in the directory; rows change what they test. */
#pragma GCC diagnostic ignored "-Woverride-init"
#define FACTS(...) { .unit_known = true, .ncontacts = 2, .contact_matched = true, \
	__VA_ARGS__ }

static const struct {
	const char		*what;
	struct host_facts	f;
	bool			allowed;
	enum host_code		code;
	bool			record;
} hosts[] = {
	{ "a contact of the unit's tenant", FACTS(), true, HOST_LISTED, false },
	{ "listed, a reason given anyway: not needed", FACTS(.has_reason = true), true, HOST_LISTED, false },
	{ "not a contact of the unit's tenant", FACTS(.contact_matched = false), false, HOST_NOT_CONTACT, false },
	{ "a unit with no contacts", FACTS(.ncontacts = 0, .contact_matched = false), false, HOST_NOT_CONTACT, false },
	{ "a unit nobody holds", FACTS(.unit_known = false, .ncontacts = 0, .contact_matched = false), false, HOST_UNKNOWN_UNIT, false },
	{ "not a contact, with a reason", FACTS(.contact_matched = false, .has_reason = true), true, HOST_OUTSIDE, true },
	{ "unknown unit, with a reason", FACTS(.unit_known = false, .contact_matched = false, .has_reason = true), true, HOST_OUTSIDE, true },
	{ "empty directory: not checked", FACTS(.directory_empty = true, .unit_known = false, .contact_matched = false), true, HOST_UNCHECKED, false },
	{ "empty directory, a reason kept", FACTS(.directory_empty = true, .unit_known = false, .contact_matched = false, .has_reason = true), true, HOST_UNCHECKED, true },
};

#define CSV(...) { .company = "Acme Ltd", .units = "1203", __VA_ARGS__ }

static const struct {
	const char		*what;
	struct tenant_csv	in;
	const char		*err;		/* NULL: accepted */
	int			nunits;
	const char		*phone;		/* as kept */
} lines[] = {
	{ "company and unit only", CSV(), NULL, 1, "" },
	{ "units by ';'", CSV(.units = "1203;1205"), NULL, 2, "" },
	{ "units by ',' and blanks", CSV(.units = " 12f-1203, 1205  b2/05 "), NULL, 3, "" },
	{ "units left for the first line", CSV(.units = ""), NULL, 0, "" },
	{ "a contact with a mobile", CSV(.contact = "张伟", .phone = "138 0013 8000", .role = "前台"), NULL, 1, "13800138000" },
	{ "a landline with brackets", CSV(.contact = "Li Na", .phone = "(0755) 8888-8888"), NULL, 1, "075588888888" },
	{ "an international number", CSV(.contact = "Li Na", .phone = "+86 10 6552 9988"), NULL, 1, "+861065529988" },
	{ "notify phone, any case", CSV(.contact = "Li Na", .phone = "13800138000", .notify = "Phone"), NULL, 1, "13800138000" },
	{ "floors with ';'", CSV(.floors = "12;13-14"), NULL, 1, "" },
	{ "no company", CSV(.company = " "), "the company is empty", 0, NULL },
	{ "a bad unit", CSV(.units = "12#3"), "unit \"12#3\": 1 to 15 letters, digits, '-', '/' or '.' expected", 0, NULL },
	{ "a unit twice", CSV(.units = "1203;1203"), "unit 1203 is named twice", 0, NULL },
	{ "a unit too long", CSV(.units = "1234567890123456"), "unit \"1234567890123456\": 1 to 15 letters, digits, '-', '/' or '.' expected", 0, NULL },
	{ "a contact without a phone", CSV(.contact = "Li Na"), "contact Li Na has no phone", 0, NULL },
	{ "a phone without a contact", CSV(.phone = "13800138000"), "a phone, role or notify without a contact's name", 0, NULL },
	{ "a phone with letters", CSV(.contact = "Li Na", .phone = "1380013800O"), "phone: only digits, an opening '+', blanks, '-' and brackets expected", 0, NULL },
	{ "a phone too short", CSV(.contact = "Li Na", .phone = "1234"), "phone: 5 to 20 digits expected", 0, NULL },
	{ "a phone too long", CSV(.contact = "Li Na", .phone = "123456789012345678901"), "phone: 5 to 20 digits expected", 0, NULL },
	{ "notify by e-mail: not yet", CSV(.contact = "Li Na", .phone = "13800138000", .notify = "email"), "notify \"email\": phone expected (the only way for now)", 0, NULL },
	{ "bad floors", CSV(.floors = "12-99"), "floors: ", 0, NULL },
	{ "a company name too long", CSV(.company = "0123456789012345678901234567890123456789012345678901234567890123456789"), "the company is longer than 63 bytes", 0, NULL },
};

static void
test_lines(void)
{
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct tenant_line out;
		char err[160] = "";
		bool ok = rule_tenant_line(&lines[i].in, &out, err, sizeof(err));

		if (ok != (lines[i].err == NULL) || (!ok &&
		    strncmp(err, lines[i].err, strlen(lines[i].err)) != 0) ||
		    (ok && (out.nunits != lines[i].nunits ||
		    strcmp(out.phone, lines[i].phone) != 0))) {
			fprintf(stderr, "csv line \"%s\": %s (%s)\n", lines[i].what,
			    ok ? "accepted" : "refused", err);
			harness_fail++;
		} else
			harness_pass++;
	}
}

static void
test_agree(void)
{
	struct tenant_csv a = CSV(.short_name = "Acme", .units = "1203;1205",
	    .floors = "12"), b = CSV(.units = "1205 1203", .contact = "Li Na",
	    .phone = "13800138000"), c = CSV(.units = "1203"), d = CSV(.short_name =
	    "ACME2"), e = CSV(.units = "", .floors = "13");
	struct tenant_line first, next;
	char err[160];

	CHECK(rule_tenant_line(&a, &first, err, sizeof(err)));
	CHECK(rule_tenant_line(&b, &next, err, sizeof(err)));
	CHECK(rule_tenant_line_agrees(&first, &next, err, sizeof(err)));	/* same units */
	CHECK(rule_tenant_line(&c, &next, err, sizeof(err)));
	CHECK(!rule_tenant_line_agrees(&first, &next, err, sizeof(err)));
	CHECK_STR(err, "Acme Ltd: its units differ from those on its first line");
	CHECK(rule_tenant_line(&d, &next, err, sizeof(err)));
	CHECK(!rule_tenant_line_agrees(&first, &next, err, sizeof(err)));
	CHECK_STR(err, "Acme Ltd: short name ACME2 differs from Acme on its first line");
	CHECK(rule_tenant_line(&e, &next, err, sizeof(err)));
	CHECK(!rule_tenant_line_agrees(&first, &next, err, sizeof(err)));
	CHECK_STR(err, "Acme Ltd: its floors differ from those on its first line");
	/* A first line without units takes the next one's. */
	CHECK(rule_tenant_line(&e, &first, err, sizeof(err)));
	CHECK(rule_tenant_line(&c, &next, err, sizeof(err)));
	CHECK(rule_tenant_line_agrees(&first, &next, err, sizeof(err)));
	CHECK_INT(first.nunits, 1);
	CHECK_STR(first.units[0], "1203");
}

static const struct {
	const char	*a, *b;
	bool		same;
} names[] = {
	{ "Li Na", "Li Na", true },
	{ "Li Na", "  li   NA ", true },
	{ "张伟", "张伟", true },
	{ "张伟", " 张伟", true },
	{ "张伟", "张 伟", false },
	{ "Li Na", "Li Nan", false },
	{ "Li Na", "LiNa", false },
	{ "", "", false },
	{ " ", "", false },
};

int
main(void)
{
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		struct host_verdict v = rule_host_check(&hosts[i].f);

		if (v.allowed != hosts[i].allowed || v.code != hosts[i].code ||
		    v.record_reason != hosts[i].record) {
			fprintf(stderr, "host \"%s\": allowed %d code %s record %d\n",
			    hosts[i].what, v.allowed, rule_host_code(v.code),
			    v.record_reason);
			harness_fail++;
		} else
			harness_pass++;
	}
	test_lines();
	test_agree();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (rule_name_same(names[i].a, names[i].b) != names[i].same) {
			fprintf(stderr, "names \"%s\" and \"%s\"\n", names[i].a,
			    names[i].b);
			harness_fail++;
		} else
			harness_pass++;
	}
	CHECK_STR(rule_host_text(HOST_NOT_CONTACT),
	    "The host is not a contact of the unit's tenant");
	return harness_done("test_tenant");
}
