/*
 * rules/visitor.c from a table: class, category, ID, host, appointment,
 * party size and a manager's override -> allowed, why, pending, floors.
 */
#include <string.h>

#include "../../rules/visitor.h"
#include "harness.h"

/* A complete ordinary registration; rows change what they test (so the
 * overridden initialisers are the point). */
#pragma GCC diagnostic ignored "-Woverride-init"
#define REG(...) { .cls = VC_ORDINARY, .category = VCAT_NONE,		\
	.id_type = ID_RESIDENT_CARD, .has_id_number = true, .has_host = true, \
	.party_size = 1, .hold = HOLD_NEVER, __VA_ARGS__ }
#define HELD	.hold = HOLD_ALWAYS

static const struct {
	const char		*what;
	struct visitor_reg	reg;
	bool			allowed;
	enum reg_reason		reason;
	bool			overridden, pending, office;
} cases[] = {
	{ "ordinary guest", REG(), true, RR_OK, false, false, true },
	{ "VIP", REG(.cls = VC_VIP), true, RR_OK, false, false, true },
	{ "important guest", REG(.cls = VC_IMPORTANT), true, RR_OK, false, false, true },
	{ "internal staff", REG(.cls = VC_INTERNAL), true, RR_OK, false, false, true },
	{ "passport", REG(.id_type = ID_PASSPORT), true, RR_OK, false, false, true },
	{ "other ID", REG(.id_type = ID_OTHER), true, RR_OK, false, false, true },
	{ "service worker waits for the host", REG(.cls = VC_SERVICE, HELD), true, RR_OK, false, true, true },
	{ "applicant with appointment", REG(.cls = VC_APPLICANT, .has_appointment = true, HELD), true, RR_OK, false, true, true },
	{ "applicant without appointment: no office floors", REG(.cls = VC_APPLICANT, HELD), true, RR_OK, false, true, false },
	{ "guest without appointment keeps floors", REG(.has_appointment = false), true, RR_OK, false, false, true },
	{ "unannounced guest waits (policy unannounced)", REG(.hold = HOLD_UNANNOUNCED), true, RR_OK, false, true, true },
	{ "guest who called ahead goes up (policy unannounced)", REG(.hold = HOLD_UNANNOUNCED, .has_appointment = true), true, RR_OK, false, false, true },
	{ "VIP held when the policy says always", REG(.cls = VC_VIP, HELD, .has_appointment = true), true, RR_OK, false, true, true },
	{ "service worker not held (policy never)", REG(.cls = VC_SERVICE), true, RR_OK, false, false, true },
	{ "party of 50", REG(.party_size = 50), true, RR_OK, false, false, true },
	{ "party of 51", REG(.party_size = 51), false, RR_PARTY_SIZE, false, false, false },
	{ "party of 0", REG(.party_size = 0), false, RR_PARTY_SIZE, false, false, false },
	{ "party of -3", REG(.party_size = -3), false, RR_PARTY_SIZE, false, false, false },
	{ "party size is not overridden", REG(.party_size = 0, .manager_override = true), false, RR_PARTY_SIZE, false, false, false },
	{ "door-to-door sales", REG(.category = VCAT_SALES), false, RR_SALES, false, false, false },
	{ "insurance promotion", REG(.category = VCAT_INSURANCE), false, RR_INSURANCE, false, false, false },
	{ "advertising", REG(.category = VCAT_ADVERTISING), false, RR_ADVERTISING, false, false, false },
	{ "no host", REG(.has_host = false), false, RR_NO_HOST, false, false, false },
	{ "no ID type", REG(.id_type = ID_NONE), false, RR_NO_ID, false, false, false },
	{ "ID type without number", REG(.has_id_number = false), false, RR_NO_ID, false, false, false },
	{ "sales beats no host", REG(.category = VCAT_SALES, .has_host = false), false, RR_SALES, false, false, false },
	{ "no host beats no ID", REG(.has_host = false, .id_type = ID_NONE), false, RR_NO_HOST, false, false, false },
	{ "VIP selling insurance", REG(.cls = VC_VIP, .category = VCAT_INSURANCE), false, RR_INSURANCE, false, false, false },
	{ "sales, manager override", REG(.category = VCAT_SALES, .manager_override = true), true, RR_SALES, true, false, true },
	{ "no ID, manager override", REG(.id_type = ID_NONE, .manager_override = true), true, RR_NO_ID, true, false, true },
	{ "no host, override, service worker", REG(.cls = VC_SERVICE, .has_host = false, .manager_override = true, HELD), true, RR_NO_HOST, true, true, true },
	{ "override on a clean registration", REG(.manager_override = true), true, RR_OK, false, false, true },
	{ "applicant, no ID, override, no appointment", REG(.cls = VC_APPLICANT, .id_type = ID_NONE, .manager_override = true, HELD), true, RR_NO_ID, true, true, false },
	{ "advertising applicant", REG(.cls = VC_APPLICANT, .category = VCAT_ADVERTISING), false, RR_ADVERTISING, false, false, false },
};

int
main(void)
{
	size_t n = sizeof(cases) / sizeof(cases[0]);

	for (size_t i = 0; i < n; i++) {
		struct visitor_verdict v = rule_visitor_register(&cases[i].reg);
		bool ok = v.allowed == cases[i].allowed && v.reason == cases[i].reason &&
		    v.overridden == cases[i].overridden;

		if (v.allowed)
			ok = ok && v.pending == cases[i].pending &&
			    v.office_floors == cases[i].office;
		CHECK(ok);
		if (!ok)
			fprintf(stderr, "  row \"%s\": got %s %s%s%s%s\n", cases[i].what,
			    v.allowed ? "allowed" : "refused",
			    rule_reg_reason_code(v.reason),
			    v.overridden ? " overridden" : "",
			    v.pending ? " pending" : "",
			    v.office_floors ? " office" : "");
	}
	for (int c = 0; c < VC_COUNT; c++)
		CHECK_INT(rule_visitor_class_parse(rule_visitor_class_name((enum visitor_class)c)), c);
	for (int t = 0; t < ID_COUNT; t++)
		CHECK_INT(rule_id_type_parse(rule_id_type_name((enum id_type)t)), t);
	CHECK_INT(rule_visitor_class_parse("Vip"), -1);
	CHECK_INT(rule_visitor_class_parse(""), -1);
	CHECK_INT(rule_id_type_parse("drivers-licence"), -1);
	for (int r = 0; r < RR_COUNT; r++)
		CHECK(strcmp(rule_reg_reason_code((enum reg_reason)r), "invalid") != 0);
	CHECK_STR(rule_reg_reason_code(RR_COUNT), "invalid");
	CHECK_STR(rule_reg_reason_text(RR_COUNT), "Invalid reason");
	printf("test_visitor: %zu table cases\n", n);
	return harness_done("test_visitor");
}
