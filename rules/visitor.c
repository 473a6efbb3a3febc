/*
 * Visitor registration: sales, insurance and advertising callers, and anyone
 * who cannot name a contact or show an ID, are refused unless a manager makes
 * an exception. A pass waits for the host to confirm as the class's policy
 * says (by default applicants and service workers); an applicant without an
 * appointment stays off the office floors.
 */
#include "visitor.h"

#include <stddef.h>
#include <string.h>

_Static_assert(VC_COUNT == CONF_VISITOR_CLASSES,
    "config.h's visitor classes are rules/visitor.h's");

static const char *const class_names[VC_COUNT] = {
	[VC_VIP] = "vip", [VC_IMPORTANT] = "important", [VC_ORDINARY] = "ordinary",
	[VC_APPLICANT] = "applicant", [VC_SERVICE] = "service",
	[VC_INTERNAL] = "internal",
};

static const char *const id_names[ID_COUNT] = {
	[ID_NONE] = "none", [ID_RESIDENT_CARD] = "resident-id",
	[ID_PASSPORT] = "passport", [ID_OTHER] = "other",
	[ID_HK_MACAO_PERMIT] = "hk_macao_permit",
	[ID_TAIWAN_PERMIT] = "taiwan_permit", [ID_FOREIGN_PR] = "foreign_pr_card",
};

static const struct {
	const char *code;
	const char *text;
} reasons[RR_COUNT] = {
	[RR_OK]		 = { "ok",		"Registered" },
	[RR_SALES]	 = { "door_to_door_sales", "Door-to-door sales are not admitted" },
	[RR_INSURANCE]	 = { "insurance_promotion", "Insurance promotion is not admitted" },
	[RR_ADVERTISING] = { "advertising",	"Advertising is not admitted" },
	[RR_NO_HOST]	 = { "no_host",		"No contact person named" },
	[RR_NO_ID]	 = { "no_id",		"No identity document shown" },
	[RR_PARTY_SIZE]	 = { "party_size",	"Party size must be 1 to 50" },
};

struct visitor_verdict
rule_visitor_register(const struct visitor_reg *r)
{
	struct visitor_verdict v = { .allowed = false, .reason = RR_OK };

	if (r->party_size < 1 || r->party_size > VISITOR_PARTY_MAX) {
		v.reason = RR_PARTY_SIZE;
		return v;
	}
	if (r->category == VCAT_SALES)
		v.reason = RR_SALES;
	else if (r->category == VCAT_INSURANCE)
		v.reason = RR_INSURANCE;
	else if (r->category == VCAT_ADVERTISING)
		v.reason = RR_ADVERTISING;
	else if (!r->has_host)
		v.reason = RR_NO_HOST;
	else if (r->id_type == ID_NONE || !r->has_id_number)
		v.reason = RR_NO_ID;
	if (v.reason != RR_OK) {
		if (!r->manager_override)
			return v;
		v.overridden = true;
	}
	v.allowed = true;
	/* Held for the host: as the class's policy says, "unannounced"
	 * meaning a visitor who did not call ahead. */
	v.pending = r->hold == HOLD_ALWAYS ||
	    (r->hold == HOLD_UNANNOUNCED && !r->has_appointment);
	v.office_floors = !(r->cls == VC_APPLICANT && !r->has_appointment);
	return v;
}

/* The index of s in names[0..n), or -1. */
static int
name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

int
rule_visitor_class_parse(const char *s)
{
	return name_index(class_names, VC_COUNT, s);
}

const char *
rule_visitor_class_name(enum visitor_class c)
{
	return (unsigned)c < VC_COUNT ? class_names[c] : "?";
}

int
rule_id_type_parse(const char *s)
{
	/* "resident_card": lobbyctl's spelling, as the control protocol
	 * documents it */
	if (strcmp(s, "resident_card") == 0)
		return ID_RESIDENT_CARD;
	return name_index(id_names, ID_COUNT, s);
}

const char *
rule_id_type_name(enum id_type t)
{
	return (unsigned)t < ID_COUNT ? id_names[t] : "?";
}

const char *
rule_reg_reason_code(enum reg_reason r)
{
	return (unsigned)r < RR_COUNT ? reasons[r].code : "invalid";
}

const char *
rule_reg_reason_text(enum reg_reason r)
{
	return (unsigned)r < RR_COUNT ? reasons[r].text : "Invalid reason";
}
