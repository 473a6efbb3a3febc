/*
 * lobbyctl's front-desk commands: people and their passes, visitors,
 * renovation permits and their contractors, the watch list, who is inside,
 * the shift log. One table says, per command, what it sends and how each
 * option is checked (desk_args.c) and how its reply is shown (desk_show.c).
 * ID-document numbers go to lobbyd only: never echoed, never printed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../common/util.h"
#include "format.h"
#include "lobbyctl_int.h"
#include "desk_int.h"

/* ---- the options and the commands -------------------------------------- */

static const struct {
	const char	*name;
	bool		flag;
} opt_names[DO_COUNT] = {
	[DO_KIND] = { "--kind", false },	[DO_NAME] = { "--name", false },
	[DO_ID_TYPE] = { "--id-type", false },	[DO_ID] = { "--id", false },
	[DO_COMPANY] = { "--company", false },	[DO_UNIT] = { "--unit", false },
	[DO_SCHEDULE] = { "--schedule", false },
	[DO_PERSON] = { "--person", false },	[DO_CARD] = { "--card", false },
	[DO_LANES] = { "--lanes", false },	[DO_FLOORS] = { "--floors", false },
	[DO_SINGLE] = { "--single", true },
	[DO_HOST_UNIT] = { "--host-unit", false },
	[DO_HOST] = { "--host", false },	[DO_CLASS] = { "--class", false },
	[DO_PURPOSE] = { "--purpose", false },	[DO_PARTY] = { "--party", false },
	[DO_APPOINTMENT] = { "--appointment", true },
	[DO_CATEGORY] = { "--category", false },
	[DO_OVERRIDE] = { "--override", false },
	[DO_TODAY] = { "--today", true },	[DO_DAYS] = { "--days", false },
	[DO_HOURS] = { "--hours", false },	[DO_FLOOR] = { "--floor", false },
	[DO_PAID] = { "--paid", true },		[DO_PERMIT] = { "--permit", false },
	[DO_ZONE] = { "--zone", false },	[DO_CSV] = { "--csv", true },
	[DO_ID_FROM] = { "--id-from", false },
	[DO_TO] = { "--to", false },		[DO_TEXT] = { "--text", false },
	[DO_SEVERITY] = { "--severity", false },
	[DO_TOKEN] = { "--token", false },
	[DO_PHONE] = { "--phone", false },
	[DO_HOST_REASON] = { "--host-reason", false },
	[DO_FROM] = { "--from", false },	[DO_UNTIL] = { "--until", false },
	[DO_REASON] = { "--reason", false },	[DO_NOTE] = { "--note", false },
	[DO_SINCE] = { "--since", false },	[DO_ALL] = { "--all", true },
	[DO_FIND] = { "--find", false },
	[DO_WORD] = { "", false },
};

static const char *const kinds[] = { "tenant_staff", "property_staff",
	"contractor", NULL };
static const char *const id_types[] = { "resident_card", "passport", "other",
	"hk_macao_permit", "taiwan_permit", "foreign_pr_card",
	NULL };
static const char *const classes[] = { "vip", "important", "ordinary",
	"applicant", "service", "internal", NULL };
static const char *const categories[] = { "sales", "insurance",
	"advertising", NULL };
static const char *const severities[] = { "urgent", "warning", NULL };

#define REQ	true
#define OPT	false
#define TEXT(o, k, m, r)	{ o, C_TEXT, k, r, 0, m, NULL }
#define ENUM(o, k, w, r)	{ o, C_ENUM, k, r, 0, 0, w }
#define IS(o, c, k, r)		{ o, c, k, r, 0, 0, NULL }
#define ID_WORD			IS(DO_WORD, C_ID, "id", REQ)
#define ID_PAIR(r)		ENUM(DO_ID_TYPE, "id_type", id_types, r), \
				IS(DO_ID, C_IDNUM, "id_number", r)

static const struct desk_cmd desk_cmds[] = {
	{ "person add", "person.add", NULL, S_PERSON, NULL, NULL, {
	    ENUM(DO_KIND, "kind", kinds, REQ),
	    TEXT(DO_NAME, "name", NAME_MAX_B, REQ),
	    ID_PAIR(OPT),
	    TEXT(DO_COMPANY, "company", NAME_MAX_B, OPT),
	    TEXT(DO_UNIT, "unit", UNIT_MAX_B, OPT),
	    TEXT(DO_SCHEDULE, "schedule", SHORT_MAX_B, OPT) } },
	/* --find: part of the name, company, unit or masked ID number. */
	{ "person list", "person.list", NULL, S_PEOPLE, NULL, NULL,
	    { TEXT(DO_FIND, "find", NAME_MAX_B, OPT) } },
	{ "person show", "person.show", "ID", S_PERSON_FULL, NULL, NULL,
	    { ID_WORD } },
	{ "person suspend", "person.status", "ID", S_PERSON, "status",
	    "suspended", { ID_WORD, TEXT(DO_REASON, "reason", TEXT_MAX_B, REQ) } },
	{ "person terminate", "person.status", "ID", S_PERSON, "status",
	    "terminated", { ID_WORD, TEXT(DO_REASON, "reason", TEXT_MAX_B, REQ) } },
	{ "person activate", "person.status", "ID", S_PERSON, "status",
	    "active", { ID_WORD, TEXT(DO_REASON, "reason", TEXT_MAX_B, REQ) } },

	{ "pass issue", "pass.issue", NULL, S_PASS, NULL, NULL, {
	    IS(DO_PERSON, C_ID, "person", REQ),
	    IS(DO_CARD, C_UID, "credential", REQ),
	    IS(DO_FROM, C_START, "valid_from_ms", OPT),
	    IS(DO_UNTIL, C_END, "valid_until_ms", OPT),
	    IS(DO_LANES, C_LANES, "lanes", OPT),
	    IS(DO_FLOORS, C_FLOORS, "floors", OPT),
	    IS(DO_SINGLE, C_FLAG, "single_entry", OPT) } },
	{ "pass list", "pass.list", NULL, S_PASSES, NULL, NULL,
	    { IS(DO_ALL, C_FLAG, "all", OPT) } },
	{ "pass show", "pass.show", "ID", S_PASS, NULL, NULL, { ID_WORD } },
	{ "pass extend", "pass.extend", "ID", S_PASS, NULL, NULL,
	    { ID_WORD, IS(DO_UNTIL, C_END, "valid_until_ms", REQ) } },
	{ "pass revoke", "pass.revoke", "ID", S_PASS, NULL, NULL,
	    { ID_WORD, TEXT(DO_REASON, "reason", TEXT_MAX_B, REQ) } },

	/* The document typed (--id-type, --id), or read at a desk reader
	 * (--id-from READER, which gives the name too): lobbyd says which
	 * is missing. */
	{ "visitor register", "visitor.register", NULL, S_VISITOR, NULL, NULL, {
	    TEXT(DO_NAME, "name", NAME_MAX_B, OPT),
	    ID_PAIR(OPT),
	    TEXT(DO_ID_FROM, "id_from", SHORT_MAX_B, OPT),
	    TEXT(DO_HOST_UNIT, "host_unit", UNIT_MAX_B, REQ),
	    TEXT(DO_HOST, "host", NAME_MAX_B, REQ),
	    ENUM(DO_CLASS, "class", classes, REQ),
	    TEXT(DO_PURPOSE, "purpose", TEXT_MAX_B, REQ),
	    { DO_PARTY, C_INT, "party", OPT, 1, PARTY_MAX, NULL },
	    IS(DO_UNTIL, C_END, "valid_until_ms", OPT),
	    IS(DO_APPOINTMENT, C_FLAG, "appointment", OPT),
	    ENUM(DO_CATEGORY, "category", categories, OPT),
	    TEXT(DO_OVERRIDE, "override", TEXT_MAX_B, OPT),
	    IS(DO_FLOORS, C_FLOORS, "floors", OPT),
	    IS(DO_CARD, C_UID, "card", OPT),
	    TEXT(DO_PHONE, "phone", PHONE_MAX_B, OPT),
	    TEXT(DO_HOST_REASON, "host_reason", TEXT_MAX_B, OPT) } },
	{ "visitor find", "visitor.find", NULL, S_VISITS, NULL, NULL, {
	    ID_PAIR(OPT),
	    TEXT(DO_NAME, "name", NAME_MAX_B, OPT),
	    TEXT(DO_PHONE, "phone", PHONE_MAX_B, OPT) } },
	{ "visitor confirm", "visitor.confirm", "PASS_ID", S_PASS, NULL, NULL,
	    { ID_WORD } },
	/* The host's one-time link, as the host would click it. */
	{ "visitor confirm", "visitor.answer", NULL, S_PASS, "answer", "confirm",
	    { TEXT(DO_TOKEN, "token", 63, REQ) } },
	{ "visitor decline", "visitor.answer", NULL, S_PASS, "answer", "decline",
	    { TEXT(DO_TOKEN, "token", 63, REQ) } },
	{ "visitor list", "visitor.list", NULL, S_PASSES, NULL, NULL,
	    { IS(DO_TODAY, C_FLAG, "today", OPT) } },
	{ "idcard", "idcard.last", "READER", S_IDCARD, NULL, NULL,
	    { TEXT(DO_WORD, "reader", SHORT_MAX_B, REQ) } },

	{ "permit add", "permit.add", NULL, S_PERMIT, NULL, NULL, {
	    TEXT(DO_UNIT, "unit", UNIT_MAX_B, REQ),
	    TEXT(DO_COMPANY, "company", NAME_MAX_B, REQ),
	    IS(DO_FROM, C_DATE, "from", REQ),
	    IS(DO_UNTIL, C_DATE, "until", REQ),
	    IS(DO_DAYS, C_DAYS, "days", REQ),
	    IS(DO_HOURS, C_HOURS, "hours", REQ),
	    { DO_FLOOR, C_INT, "floor", REQ, 0, FMT_FLOOR_MAX, NULL },
	    IS(DO_PAID, C_FLAG, "fees_paid", OPT) } },
	{ "permit list", "permit.list", NULL, S_PERMITS, NULL, NULL, { { 0 } } },
	{ "permit suspend", "permit.set", "ID", S_PERMIT, "state", "suspended",
	    { ID_WORD } },
	{ "permit close", "permit.set", "ID", S_PERMIT, "state", "closed",
	    { ID_WORD } },
	{ "permit resume", "permit.set", "ID", S_PERMIT, "state", "active",
	    { ID_WORD } },
	{ "permit paid", "permit.set", "ID", S_PERMIT, "fees_paid", NULL,
	    { ID_WORD } },

	{ "contractor add", "contractor.add", NULL, S_PASS, NULL, NULL, {
	    IS(DO_PERMIT, C_ID, "permit", REQ),
	    TEXT(DO_NAME, "name", NAME_MAX_B, REQ),
	    ID_PAIR(REQ),
	    IS(DO_CARD, C_UID, "credential", REQ),
	    TEXT(DO_COMPANY, "company", NAME_MAX_B, OPT) } },

	{ "watchlist add", "watchlist.add", NULL, S_WATCH, NULL, NULL, {
	    ID_PAIR(REQ),
	    TEXT(DO_NAME, "name", NAME_MAX_B, OPT),
	    TEXT(DO_NOTE, "note", TEXT_MAX_B, OPT) } },
	{ "watchlist remove", "watchlist.remove", "ID", S_REMOVED, NULL, NULL,
	    { ID_WORD } },
	{ "watchlist list", "watchlist.list", NULL, S_WATCHES, NULL, NULL,
	    { { 0 } } },

	{ "inside", "inside", NULL, S_INSIDE, NULL, NULL, {
	    TEXT(DO_ZONE, "zone", SHORT_MAX_B, OPT),
	    IS(DO_CSV, C_LOCAL, "csv", OPT) } },	/* not sent */

	/* For a suspicious person or a troublemaker: whoever is told
	 * acknowledges it, and that ends it. */
	{ "alert raise", "alert.raise", NULL, S_RAISED, NULL, NULL, {
	    TEXT(DO_TO, "to", SHORT_MAX_B + 32, REQ),
	    TEXT(DO_TEXT, "text", 159, REQ),
	    ENUM(DO_SEVERITY, "severity", severities, OPT) } },

	{ "shift note", "shift.note", "TEXT", S_SHIFT, NULL, NULL,
	    { TEXT(DO_WORD, "text", SHIFT_MAX_B, REQ) } },
	{ "shift handover", "shift.handover", NULL, S_HANDOVER, NULL, NULL,
	    { TEXT(DO_NOTE, "note", HANDOVER_MAX_B, OPT) } },
	{ "shift log", "shift.log", NULL, S_SHIFTS, NULL, NULL,
	    { IS(DO_SINCE, C_PAST, "since_ms", OPT) } },
};

#define NCMDS	(sizeof(desk_cmds) / sizeof(desk_cmds[0]))

int
desk_opt_find(const char *name, size_t nlen, bool *flag)
{
	for (int i = 0; i < DO_COUNT; i++)
		if (strlen(opt_names[i].name) == nlen && nlen > 0 &&
		    strncmp(opt_names[i].name, name, nlen) == 0) {
			*flag = opt_names[i].flag;
			return i;
		}
	return -1;
}

const char *
desk_opt_name(enum desk_opt o)
{
	return opt_names[o].name;
}

const char *
desk_name(const struct desk_cmd *dc)
{
	return dc->name;
}

const char *
desk_wire(const struct desk_cmd *dc)
{
	return dc->cmd;
}

/* The length of the first word of a command's name. */
static size_t
noun_len(const char *name)
{
	return strcspn(name, " ");
}

/* Are dc's required options (other than its word) all among opts? */
static bool
options_given(const struct desk_cmd *dc, const char *const *opts)
{
	for (size_t k = 0; k < NARGS_MAX && dc->args[k].key != NULL; k++)
		if (dc->args[k].required && dc->args[k].opt != DO_WORD &&
		    opts[dc->args[k].opt] == NULL)
			return false;
	return true;
}

const struct desk_cmd *
desk_find(const char *const *words, int nwords, const char *const *opts, int *rc)
{
	const struct desk_cmd *dc = NULL, *noun = NULL;
	char verbs[160];
	size_t i, n, vl = 0;
	int need;

	*rc = 0;
	for (i = 0; i < NCMDS; i++) {
		const char *name = desk_cmds[i].name;

		n = noun_len(name);
		if (strlen(words[0]) != n || strncmp(name, words[0], n) != 0)
			continue;
		noun = &desk_cmds[i];
		/* Two rows of one name differ by their word: "visitor confirm
		 * ID", "visitor confirm --token T"; the first, unless the
		 * second fits the words and the options given. */
		if ((name[n] == '\0' || (nwords >= 2 &&
		    strcmp(name + n + 1, words[1]) == 0)) && (dc == NULL ||
		    (nwords == (name[n] ? 2 : 1) + (desk_cmds[i].word != NULL) &&
		    options_given(&desk_cmds[i], opts))))
			dc = &desk_cmds[i];
	}
	if (noun == NULL)
		return NULL;
	if (dc == NULL) {
		/* "person": what to do? The verbs from the table. */
		verbs[0] = '\0';
		for (i = 0; i < NCMDS; i++) {
			const char *name = desk_cmds[i].name;

			n = noun_len(name);
			if (strncmp(name, words[0], n) == 0 && words[0][n] == '\0')
				snprintf(verbs + vl, sizeof(verbs) - vl, "%s%s",
				    vl > 0 ? ", " : "", name + n + 1);
			vl = strlen(verbs);
		}
		if (nwords < 2) {
			lobbyctl_say(_("%s: what to do? (%s)"), words[0], verbs);
		} else {
			char *clean = fmt_clean(words[1], 40);

			lobbyctl_say(_("%s: unknown command \"%s\" (%s)"), words[0],
			    clean != NULL ? clean : "", verbs);
			free(clean);
		}
		*rc = EXIT_USAGE;
		return NULL;
	}
	need = (strchr(dc->name, ' ') != NULL ? 2 : 1) + (dc->word != NULL);
	if (nwords < need) {
		lobbyctl_say(_("%s: %s is needed"), dc->name, dc->word);
		*rc = EXIT_USAGE;
		return NULL;
	}
	if (nwords > need) {
		char *clean = fmt_clean(words[need], 40);

		lobbyctl_say(_("%s: unexpected argument \"%s\""), dc->name,
		    clean != NULL ? clean : "");
		free(clean);
		*rc = EXIT_USAGE;
		return NULL;
	}
	return dc;
}
