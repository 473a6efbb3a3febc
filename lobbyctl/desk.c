/*
 * lobbyctl's front-desk commands: people and their passes, visitors,
 * renovation permits and their contractors, the watch list, who is inside,
 * the shift log. One table says, per command, what it sends and how each
 * option is checked; replies are shown from tables of fields.
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

#define NAME_MAX_B	63	/* bytes lobbyd keeps: names, companies, hosts */
#define TEXT_MAX_B	99	/* reasons, purposes, notes */
#define UNIT_MAX_B	15
#define SHORT_MAX_B	31	/* schedules, zones, lane names */
#define LANES_MAX_B	127
#define SHIFT_MAX_B	1000	/* a shift-log note */
#define HANDOVER_MAX_B	255
#define IDNUM_MAX	40	/* letters and digits, as lobbyd matches them */
#define IDNUM_LINE_MAX	80	/* with the spaces and dashes between them */
#define PARTY_MAX	50
#define NARGS_MAX	16

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
	[DO_FROM] = { "--from", false },	[DO_UNTIL] = { "--until", false },
	[DO_REASON] = { "--reason", false },	[DO_NOTE] = { "--note", false },
	[DO_SINCE] = { "--since", false },	[DO_ALL] = { "--all", true },
	[DO_WORD] = { "", false },
};

/* How an option's value is checked and sent. */
enum conv {
	C_FLAG,		/* true */
	C_TEXT,		/* operator text, at most max bytes */
	C_ENUM,		/* one of words */
	C_IDNUM,	/* an ID-document number: "-", read from standard
			   input (secret.c), never echoed */
	C_ID,		/* a record's number, 1 and up */
	C_INT,		/* lo..max */
	C_UID,		/* a card UID, upper-cased */
	C_PAST,		/* a time, ms: --since */
	C_START,	/* a time, ms: --from */
	C_END,		/* a time, ms: --until (a date: to its end) */
	C_DATE,		/* YYYY-MM-DD -> YYYYMMDD */
	C_FLOORS,	/* "3,5-7", sent in its shortest form */
	C_LANES,	/* "lane1,lane2" */
	C_DAYS,		/* "mon-fri" */
	C_HOURS,	/* "08:00-12:00,14:00-18:00" */
	C_LOCAL,	/* changes the showing only, not sent */
};

struct desk_arg {
	enum desk_opt	opt;
	enum conv	conv;
	const char	*key;		/* on the wire */
	bool		required;
	int		lo, max;	/* C_TEXT: bytes; C_INT: the range */
	const char *const *words;	/* C_ENUM, NULL-terminated */
};

/* How the reply is shown. */
enum shape {
	S_PERSON, S_PEOPLE, S_PERSON_FULL, S_PASS, S_PASSES, S_VISITOR,
	S_PERMIT, S_PERMITS, S_WATCH, S_WATCHES, S_REMOVED, S_INSIDE,
	S_SHIFT, S_HANDOVER, S_SHIFTS,
};

struct desk_cmd {
	const char	*name;		/* as typed: "person add" */
	const char	*cmd;		/* on the wire: "person.add" */
	const char	*word;		/* the word after the name: "ID", NULL none */
	enum shape	shape;
	const char	*fixed_key;	/* sent always: "status": "suspended" */
	const char	*fixed_val;	/* NULL: true */
	struct desk_arg	args[NARGS_MAX];
};

static const char *const kinds[] = { "tenant_staff", "property_staff",
	"contractor", NULL };
static const char *const id_types[] = { "resident_card", "passport", "other",
	NULL };
static const char *const classes[] = { "vip", "important", "ordinary",
	"applicant", "service", "internal", NULL };
static const char *const categories[] = { "sales", "insurance",
	"advertising", NULL };

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
	{ "person list", "person.list", NULL, S_PEOPLE, NULL, NULL, { { 0 } } },
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

	{ "visitor register", "visitor.register", NULL, S_VISITOR, NULL, NULL, {
	    TEXT(DO_NAME, "name", NAME_MAX_B, REQ),
	    ID_PAIR(REQ),
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
	    IS(DO_CARD, C_UID, "card", OPT) } },
	{ "visitor confirm", "visitor.confirm", "PASS_ID", S_PASS, NULL, NULL,
	    { ID_WORD } },
	{ "visitor list", "visitor.list", NULL, S_PASSES, NULL, NULL,
	    { IS(DO_TODAY, C_FLAG, "today", OPT) } },

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

const struct desk_cmd *
desk_find(const char *const *words, int nwords, int *rc)
{
	const struct desk_cmd *dc = NULL, *noun = NULL;
	char verbs[160];
	size_t i, n, vl = 0;
	int need;

	*rc = 0;
	for (i = 0; i < NCMDS && dc == NULL; i++) {
		const char *name = desk_cmds[i].name;

		n = noun_len(name);
		if (strlen(words[0]) != n || strncmp(name, words[0], n) != 0)
			continue;
		noun = &desk_cmds[i];
		if (name[n] == '\0' || (nwords >= 2 &&
		    strcmp(name + n + 1, words[1]) == 0))
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
			lobbyctl_say("%s: what to do? (%s)", words[0], verbs);
		} else {
			char *clean = fmt_clean(words[1], 40);

			lobbyctl_say("%s: unknown command \"%s\" (%s)", words[0],
			    clean != NULL ? clean : "", verbs);
			free(clean);
		}
		*rc = EXIT_USAGE;
		return NULL;
	}
	need = (strchr(dc->name, ' ') != NULL ? 2 : 1) + (dc->word != NULL);
	if (nwords < need) {
		lobbyctl_say("%s: %s is needed", dc->name, dc->word);
		*rc = EXIT_USAGE;
		return NULL;
	}
	if (nwords > need) {
		char *clean = fmt_clean(words[need], 40);

		lobbyctl_say("%s: unexpected argument \"%s\"", dc->name,
		    clean != NULL ? clean : "");
		free(clean);
		*rc = EXIT_USAGE;
		return NULL;
	}
	return dc;
}

/* ---- arguments --------------------------------------------------------- */

/* "--kind" or, for the word after the name, its label ("ID"). */
static const char *
arg_label(const struct desk_cmd *dc, const struct desk_arg *a)
{
	return a->opt == DO_WORD ? dc->word : opt_names[a->opt].name;
}

static int __attribute__((format(printf, 3, 4)))
bad_value(const char *label, const char *val, const char *fmt, ...)
{
	char *clean = fmt_clean(val, 40);
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	lobbyctl_say("%s: \"%s\" %s", label, clean != NULL ? clean : "", why);
	free(clean);
	return EXIT_USAGE;
}

/* Letters, digits, spaces and dashes, 1 to IDNUM_MAX letters and digits:
   what lobbyd accepts. The number itself is never said. */
static int
idnum_check(const char *label, const char *val)
{
	size_t n = 0;
	bool stray = false;

	for (const char *p = val; *p != '\0'; p++) {
		if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z'))
			n++;
		else if (*p != ' ' && *p != '-')
			stray = true;
	}
	if (stray || n == 0 || n > IDNUM_MAX) {
		lobbyctl_say("%s: an ID number is 1 to %d letters and digits "
		    "(spaces and dashes allowed between them)", label, IDNUM_MAX);
		return EXIT_USAGE;
	}
	return 0;
}

static int
lanes_check(const char *label, const char *val)
{
	const char *p = val;
	char lane[SHORT_MAX_B + 2];
	size_t n;

	if (strlen(val) > LANES_MAX_B) {
		lobbyctl_say("%s: too long (at most %d bytes)", label, LANES_MAX_B);
		return EXIT_USAGE;
	}
	for (;;) {
		n = strcspn(p, ",");
		if (n == 0 || n > SHORT_MAX_B || memchr(p, ' ', n) != NULL)
			return bad_value(label, val, "is not a list of lanes "
			    "(names of at most %d bytes, no blanks, comma "
			    "between: lane1,lane2)", SHORT_MAX_B);
		memcpy(lane, p, n);
		lane[n] = '\0';
		if (!fmt_text_is_clean(lane)) {
			lobbyctl_say("%s: control characters or bytes that are "
			    "not UTF-8", label);
			return EXIT_USAGE;
		}
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

/* One argument checked and added to args; 0, or an exit status said.
   *num gets the number, time or date read, for the checks of order. */
static int
add_arg(const struct desk_cmd *dc, const struct desk_arg *a, const char *val,
    struct json_object *args, int64_t *num)
{
	const char *label = arg_label(dc, a);
	int64_t now = real_ms();
	struct json_object *v = NULL;
	char buf[FMT_FLOORS_LEN];
	uint64_t floors;
	long long n;
	char *end;
	int rc, i;

	switch (a->conv) {
	case C_FLAG:
		v = json_object_new_boolean(1);
		break;
	case C_TEXT:
		if ((rc = lobbyctl_text_ok(label, val, (size_t)a->max, false)) != 0)
			return rc;
		v = json_object_new_string(val);
		break;
	case C_ENUM:
		for (i = 0; a->words[i] != NULL; i++)
			if (strcmp(a->words[i], val) == 0)
				break;
		if (a->words[i] == NULL) {
			char list[160] = "";
			size_t l = 0;

			for (i = 0; a->words[i] != NULL; i++, l = strlen(list))
				snprintf(list + l, sizeof(list) - l, "%s%s",
				    i > 0 ? ", " : "", a->words[i]);
			return bad_value(label, val, "is not one of %s", list);
		}
		v = json_object_new_string(val);
		break;
	case C_IDNUM: {
		char idnum[IDNUM_LINE_MAX + 1];

		/* Never on the command line: every local user can read it
		   there, and the shell keeps it. Never said back either. */
		if (strcmp(val, "-") != 0) {
			lobbyctl_say("%s: an ID number is not taken on the command "
			    "line, where other users of this computer can read it "
			    "and the shell history keeps it; give %s - and type it "
			    "at the prompt (it is not shown), or send it on "
			    "standard input", label, label);
			return EXIT_USAGE;
		}
		if ((rc = secret_read(label, "ID number (not shown): ", idnum,
		    sizeof(idnum))) != 0)
			return rc;
		if ((rc = idnum_check(label, idnum)) == 0)
			v = json_object_new_string(idnum);
		explicit_bzero(idnum, sizeof(idnum));
		if (rc != 0)
			return rc;
		break;
	}
	case C_ID:
	case C_INT:
		errno = 0;
		n = strtoll(val, &end, 10);
		if (a->conv == C_ID && (errno != 0 || end == val || *end != '\0' ||
		    n < 1))
			return bad_value(label, val, "is not a record number "
			    "(1 or more)");
		if (a->conv == C_INT && (errno != 0 || end == val || *end != '\0' ||
		    n < a->lo || n > a->max))
			return bad_value(label, val, "is not a number from %d to %d",
			    a->lo, a->max);
		*num = n;
		v = json_object_new_int64(n);
		break;
	case C_UID:
		if (fmt_uid_normalize(val, buf) == -1)
			return bad_value(label, val, "is not a card UID (%d to %d "
			    "hex digits)", FMT_UID_MIN, FMT_UID_MAX);
		v = json_object_new_string(buf);
		break;
	case C_PAST:
	case C_START:
	case C_END:
		if (fmt_time_parse(val, now, a->conv == C_PAST ? FMT_T_PAST :
		    a->conv == C_START ? FMT_T_START : FMT_T_END, num) == -1)
			return bad_value(label, val, "cannot be read as a time "
			    "(YYYY-MM-DD [HH:MM], HH:MM, 15m, 2h, 3d%s)",
			    a->conv == C_PAST ? "" : ", +8h");
		v = json_object_new_int64(*num);
		break;
	case C_DATE:
		if ((*num = fmt_date_parse(val)) == -1)
			return bad_value(label, val, "is not a date (YYYY-MM-DD, "
			    "a day the calendar has)");
		v = json_object_new_int((int)*num);
		break;
	case C_FLOORS:
		if (fmt_floors_parse(val, &floors) == -1)
			return bad_value(label, val, "is not a list of floors "
			    "0 to %d (3,5-7)", FMT_FLOOR_MAX);
		fmt_floors_str(floors, buf, sizeof(buf));
		v = json_object_new_string(buf);
		break;
	case C_LANES:
		if ((rc = lanes_check(label, val)) != 0)
			return rc;
		v = json_object_new_string(val);
		break;
	case C_DAYS:
		if (!fmt_days_are_valid(val))
			return bad_value(label, val, "is not a list of weekdays "
			    "(mon-fri, sat,sun)");
		v = json_object_new_string(val);
		break;
	case C_HOURS:
		if (!fmt_hours_are_valid(val))
			return bad_value(label, val, "is not a list of periods "
			    "HH:MM-HH:MM in order (08:00-12:00,14:00-18:00)");
		v = json_object_new_string(val);
		break;
	case C_LOCAL:
		return 0;
	}
	if (v == NULL) {
		lobbyctl_say("out of memory");
		return EXIT_REFUSED;
	}
	json_object_object_add(args, a->key, v);
	return 0;
}

/* The row of dc's table for option o, or NULL. */
static const struct desk_arg *
find_arg(const struct desk_cmd *dc, enum desk_opt o)
{
	for (int i = 0; i < NARGS_MAX && dc->args[i].key != NULL; i++)
		if (dc->args[i].opt == o)
			return &dc->args[i];
	return NULL;
}

int
desk_args(const struct desk_cmd *dc, const char *const *opt,
    struct json_object *args)
{
	int64_t num[DO_COUNT] = { 0 };
	const struct desk_arg *a;
	int rc, i;

	for (i = 0; i < DO_COUNT; i++)
		if (opt[i] != NULL && i != DO_WORD && find_arg(dc, i) == NULL) {
			lobbyctl_say("%s: %s does not apply here", dc->name,
			    opt_names[i].name);
			return EXIT_USAGE;
		}
	for (i = 0; i < NARGS_MAX && dc->args[i].key != NULL; i++) {
		a = &dc->args[i];
		if (opt[a->opt] == NULL) {
			if (a->required) {
				lobbyctl_say("%s: %s is needed", dc->name,
				    arg_label(dc, a));
				return EXIT_USAGE;
			}
			continue;
		}
		if (a->conv == C_IDNUM)
			continue;	/* below */
		if ((rc = add_arg(dc, a, opt[a->opt], args, &num[a->opt])) != 0)
			return rc;
	}
	if ((opt[DO_ID_TYPE] == NULL) != (opt[DO_ID] == NULL)) {
		lobbyctl_say("%s: --id-type and --id go together", dc->name);
		return EXIT_USAGE;
	}
	if (opt[DO_FROM] != NULL && opt[DO_UNTIL] != NULL) {
		bool dates = find_arg(dc, DO_FROM)->conv == C_DATE;

		if (dates ? num[DO_UNTIL] < num[DO_FROM] :
		    num[DO_UNTIL] <= num[DO_FROM]) {
			lobbyctl_say("%s: --until is %s --from", dc->name,
			    dates ? "before" : "not after");
			return EXIT_USAGE;
		}
	}
	/* The ID number last: asked for once everything else is right. */
	if (opt[DO_ID] != NULL && (a = find_arg(dc, DO_ID)) != NULL &&
	    (rc = add_arg(dc, a, opt[DO_ID], args, &num[DO_ID])) != 0)
		return rc;
	if (dc->fixed_key != NULL)
		json_object_object_add(args, dc->fixed_key, dc->fixed_val != NULL ?
		    json_object_new_string(dc->fixed_val) :
		    json_object_new_boolean(1));
	return 0;
}

/* ---- showing ------------------------------------------------------------- */

enum ftype {
	F_STR,
	F_TIME,		/* ms, local time; 0 "-" */
	F_BOOL,		/* yes, no */
	F_NUM,
	F_DATE,		/* YYYYMMDD -> YYYY-MM-DD; 0 "" */
	F_FLOORS,	/* a list, or a mask of floors */
	F_ANY,		/* a string as it is, anything else as JSON */
};

struct field {
	const char	*key;
	const char	*label;
	enum ftype	type;
};

static const struct field person_fields[] = {
	{ "id", "person", F_NUM },		{ "name", "name", F_STR },
	{ "kind", "kind", F_STR },		{ "status", "status", F_STR },
	{ "id_type", "ID type", F_STR },	{ "id_mask", "ID number", F_STR },
	{ "company", "company", F_STR },	{ "unit", "unit", F_STR },
	{ "schedule", "schedule", F_STR },	{ "created_ms", "created", F_TIME },
	{ "created_by", "created by", F_STR },	{ "purged", "purged", F_BOOL },
};

static const struct field pass_fields[] = {
	{ "id", "pass", F_NUM },		{ "person", "person", F_NUM },
	{ "name", "name", F_STR },		{ "kind", "kind", F_STR },
	{ "state", "state", F_STR },		{ "credential", "credential", F_STR },
	{ "code", "visitor code", F_STR },
	{ "valid_from_ms", "valid from", F_TIME },
	{ "valid_until_ms", "valid until", F_TIME },
	{ "lanes", "lanes", F_STR },		{ "floors", "floors", F_FLOORS },
	{ "single_entry", "single entry", F_BOOL }, { "used", "used", F_BOOL },
	{ "permit", "permit", F_NUM },		{ "issued_ms", "issued", F_TIME },
	{ "issued_by", "issued by", F_STR },
	{ "confirmed_ms", "confirmed", F_TIME },
	{ "confirmed_by", "confirmed by", F_STR },
	{ "ended_ms", "ended", F_TIME },	{ "ended_by", "ended by", F_STR },
	{ "end_reason", "end reason", F_STR },	{ "class", "class", F_STR },
	{ "host", "host", F_STR },		{ "unit", "unit", F_STR },
	{ "purpose", "purpose", F_STR },	{ "party", "party", F_NUM },
	{ "appointment", "appointment", F_BOOL },
	{ "override_by", "override by", F_STR },
	{ "id_mask", "ID number", F_STR },	{ "watch", "watch list", F_ANY },
};

static const struct field permit_fields[] = {
	{ "id", "permit", F_NUM },		{ "unit", "unit", F_STR },
	{ "company", "company", F_STR },	{ "from", "from", F_DATE },
	{ "until", "until", F_DATE },		{ "days", "days", F_ANY },
	{ "hours", "hours", F_STR },		{ "floor", "floor", F_NUM },
	{ "fees_paid", "fees paid", F_BOOL },	{ "state", "state", F_STR },
	{ "passes", "live passes", F_NUM },
	{ "passes_ended", "passes ended", F_NUM },
	{ "created_ms", "created", F_TIME },	{ "created_by", "created by", F_STR },
	{ "updated_ms", "updated", F_TIME },	{ "updated_by", "updated by", F_STR },
};

static const struct field watch_fields[] = {
	{ "id", "watch list entry", F_NUM },	{ "id_type", "ID type", F_STR },
	{ "id_mask", "ID number", F_STR },	{ "name", "name", F_STR },
	{ "note", "note", F_STR },		{ "added_ms", "added", F_TIME },
	{ "added_by", "added by", F_STR },
};

#define NF(a)	((int)(sizeof(a) / sizeof(a[0])))

/* One field of o in words, in buf or a string of o's. */
static const char *
field_text(struct json_object *o, const char *key, enum ftype type, char *buf,
    size_t len)
{
	struct json_object *v = NULL;
	uint64_t floors;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return type == F_TIME ? "-" : "";
	switch (type) {
	case F_TIME:
		fmt_time(json_object_get_int64(v), buf, len);
		return buf;
	case F_BOOL:
		return json_object_get_boolean(v) ? "yes" : "no";
	case F_NUM:
		snprintf(buf, len, "%lld", (long long)json_object_get_int64(v));
		return buf;
	case F_DATE:
		n = json_object_get_int64(v);
		if (n <= 0)
			return "";
		snprintf(buf, len, "%04lld-%02lld-%02lld", (long long)(n / 10000),
		    (long long)(n / 100 % 100), (long long)(n % 100));
		return buf;
	case F_FLOORS:
		if (json_object_is_type(v, json_type_int)) {
			floors = (uint64_t)json_object_get_int64(v);
			fmt_floors_str(floors, buf, len);
			return buf;
		}
		/* FALLTHROUGH */
	case F_STR:
	case F_ANY:
		if (json_object_is_type(v, json_type_string) || type == F_STR)
			return show_jstr(o, key);
		snprintf(buf, len, "%s", json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		return buf;
	}
	return "";
}

#define KV_MAX		48
#define CELL_LEN	1100	/* a handover's text, a purpose */

/* "key: value" lines for every field lobbyd sent: those in f first, in
   their order, then any other ones but lists, as sent. */
static int
print_record(const struct field *f, int nf, struct json_object *o)
{
	const char *keys[KV_MAX], *vals[KV_MAX];
	char (*buf)[CELL_LEN] = calloc(KV_MAX, CELL_LEN);
	char (*kbuf)[64] = calloc(KV_MAX, 64);
	int n = 0;

	if (buf == NULL || kbuf == NULL) {
		free(buf);
		free(kbuf);
		lobbyctl_say("out of memory");
		return EXIT_REFUSED;
	}
	for (int i = 0; i < nf && n < KV_MAX; i++) {
		if (!json_object_object_get_ex(o, f[i].key, NULL))
			continue;
		keys[n] = f[i].label;
		vals[n] = field_text(o, f[i].key, f[i].type, buf[n], CELL_LEN);
		n++;
	}
	json_object_object_foreach(o, key, val) {
		size_t kl = strlen(key);
		int i;
		bool ms = kl > 3 && strcmp(key + kl - 3, "_ms") == 0;

		for (i = 0; i < nf && strcmp(f[i].key, key) != 0; i++)
			;
		if (i < nf || n == KV_MAX || (val != NULL &&
		    (json_object_is_type(val, json_type_array) ||
		    json_object_is_type(val, json_type_object))))
			continue;
		snprintf(kbuf[n], 64, "%.*s", (int)(ms ? kl - 3 : kl), key);
		for (char *c = kbuf[n]; *c != '\0'; c++)
			if (*c == '_')
				*c = ' ';
		keys[n] = kbuf[n];
		vals[n] = field_text(o, key, ms ? F_TIME : F_ANY, buf[n], CELL_LEN);
		n++;
	}
	fmt_kv_print(keys, vals, n, stdout);
	free(buf);
	free(kbuf);
	return 0;
}

/* A column of a list: the heading, the field, how it is shown. */
struct dcol {
	struct fmt_col	col;
	const char	*key;
	enum ftype	type;
	bool		lines;	/* each line of the text on a row of its own */
};

#define COL(h, k, t, max, right)	{ { h, 0, max, right }, k, t, false }

static const struct dcol pass_cols[] = {
	COL("ID", "id", F_NUM, 0, true),
	COL("NAME", "name", F_STR, 32, false),
	COL("KIND", "kind", F_STR, 0, false),
	COL("STATE", "state", F_STR, 0, false),
	COL("FROM", "valid_from_ms", F_TIME, 0, false),
	COL("UNTIL", "valid_until_ms", F_TIME, 0, false),
	COL("CREDENTIAL", "credential", F_STR, 0, false),
	COL("HOST", "host", F_STR, 24, false),
	COL("UNIT", "unit", F_STR, 0, false),
};

static const struct dcol person_cols[] = {
	COL("ID", "id", F_NUM, 0, true),
	COL("NAME", "name", F_STR, 32, false),
	COL("KIND", "kind", F_STR, 0, false),
	COL("STATUS", "status", F_STR, 0, false),
	COL("DOCUMENT", "id_mask", F_STR, 0, false),
	COL("COMPANY", "company", F_STR, 24, false),
	COL("UNIT", "unit", F_STR, 0, false),
	COL("SCHEDULE", "schedule", F_STR, 0, false),
};

static const struct dcol permit_cols[] = {
	COL("ID", "id", F_NUM, 0, true),
	COL("UNIT", "unit", F_STR, 0, false),
	COL("COMPANY", "company", F_STR, 24, false),
	COL("FROM", "from", F_DATE, 0, false),
	COL("UNTIL", "until", F_DATE, 0, false),
	COL("DAYS", "days", F_ANY, 0, false),
	COL("HOURS", "hours", F_STR, 0, false),
	COL("FLOOR", "floor", F_NUM, 0, true),
	COL("PAID", "fees_paid", F_BOOL, 0, false),
	COL("STATE", "state", F_STR, 0, false),
	COL("PASSES", "passes", F_NUM, 0, true),
};

static const struct dcol watch_cols[] = {
	COL("ID", "id", F_NUM, 0, true),
	COL("TYPE", "id_type", F_STR, 0, false),
	COL("NUMBER", "id_mask", F_STR, 0, false),
	COL("NAME", "name", F_STR, 32, false),
	COL("NOTE", "note", F_STR, 48, false),
	COL("ADDED", "added_ms", F_TIME, 0, false),
	COL("BY", "added_by", F_STR, 16, false),
};

/* The muster list; --csv has the same columns. */
static const struct dcol inside_cols[] = {
	COL("NAME", "name", F_STR, 32, false),
	COL("KIND", "kind", F_STR, 0, false),
	COL("ID", "id_mask", F_STR, 0, false),
	COL("UNIT", "unit", F_STR, 0, false),
	COL("ZONE", "zone", F_STR, 0, false),
	COL("SINCE", "since_ms", F_TIME, 0, false),
	COL("LANE", "lane", F_STR, 0, false),
};

static const struct dcol shift_cols[] = {
	COL("TIME", "ts_ms", F_TIME, 0, false),
	COL("BY", "actor", F_STR, 16, false),
	COL("KIND", "kind", F_STR, 0, false),
	{ { "TEXT", 0, 100, false }, "text", F_STR, true },
};

#define NCOLS_MAX	12

static int
bad_list(void)
{
	lobbyctl_say("bad reply from lobbyd: \"data\" is not a list of objects");
	return EXIT_REFUSED;
}

/* Adds the cells of o, and for a "lines" column a row for each more line. */
static int
add_rows(struct fmt_table *t, const struct dcol *c, int nc,
    struct json_object *o)
{
	char (*buf)[CELL_LEN] = calloc((size_t)nc, CELL_LEN);
	const char *cells[NCOLS_MAX] = { 0 };
	char *text = NULL, *line, *save = NULL;
	int rc = 0, lc = -1;

	if (buf == NULL)
		return -1;
	for (int i = 0; i < nc; i++) {
		cells[i] = field_text(o, c[i].key, c[i].type, buf[i], CELL_LEN);
		if (c[i].lines && strchr(cells[i], '\n') != NULL)
			lc = i;
	}
	if (lc == -1) {
		rc = fmt_table_add(t, cells);
		goto out_free;
	}
	if ((text = strdup(cells[lc])) == NULL) {
		rc = -1;
		goto out_free;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL && rc == 0;
	    line = strtok_r(NULL, "\n", &save)) {
		cells[lc] = line;
		rc = fmt_table_add(t, cells);
		for (int i = 0; i < nc; i++)
			if (i != lc)
				cells[i] = NULL;
	}
	free(text);
out_free:
	free(buf);
	return rc;
}

/* A table of the objects in a; none when there are none. */
static int
print_list(const struct dcol *c, int nc, struct json_object *a,
    const char *none)
{
	struct fmt_col cols[NCOLS_MAX];
	struct fmt_table *t;
	size_t n;

	if (a == NULL || !json_object_is_type(a, json_type_array))
		return bad_list();
	if ((n = json_object_array_length(a)) == 0) {
		printf("%s\n", none);
		return 0;
	}
	for (int i = 0; i < nc; i++)
		cols[i] = c[i].col;
	if ((t = fmt_table_new(cols, nc)) == NULL)
		goto out_oom;
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(a, i);

		if (o == NULL || !json_object_is_type(o, json_type_object)) {
			fmt_table_free(t);
			return bad_list();
		}
		if (add_rows(t, c, nc, o) == -1) {
			fmt_table_free(t);
			goto out_oom;
		}
	}
	fmt_table_print(t, stdout);
	fmt_table_free(t);
	return 0;
out_oom:
	lobbyctl_say("out of memory");
	return EXIT_REFUSED;
}

/* The objects of a as CSV (RFC 4180): a header line, CRLF line ends. */
static int
print_csv(const struct dcol *c, int nc, struct json_object *a)
{
	char buf[CELL_LEN], *field;
	size_t n;

	if (a == NULL || !json_object_is_type(a, json_type_array))
		return bad_list();
	n = json_object_array_length(a);
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(a, i);

		if (o == NULL || !json_object_is_type(o, json_type_object))
			return bad_list();
	}
	for (int i = 0; i < nc; i++)
		printf("%s%s", i > 0 ? "," : "", c[i].col.name);
	fputs("\r\n", stdout);
	for (size_t r = 0; r < n; r++) {
		struct json_object *o = json_object_array_get_idx(a, r);

		for (int i = 0; i < nc; i++) {
			field = fmt_csv_field(field_text(o, c[i].key, c[i].type,
			    buf, sizeof(buf)));
			if (field == NULL) {
				lobbyctl_say("out of memory");
				return EXIT_REFUSED;
			}
			printf("%s%s", i > 0 ? "," : "", field);
			free(field);
		}
		fputs("\r\n", stdout);
	}
	return 0;
}

static int
show_visitor(struct json_object *d)
{
	const char *keys[5], *vals[5];
	char until[FMT_TIME_LEN], code[80], host[140];
	char *name = fmt_clean(show_jstr(d, "name"), 64);
	char *state = fmt_clean(show_jstr(d, "state"), 16);
	long long id = (long long)show_jint(d, "id");
	int n = 0;

	printf("visitor pass %lld for %s: %s\n", id, name != NULL ? name : "",
	    state != NULL ? state : "");
	if (strcmp(show_jstr(d, "state"), "pending") == 0)
		printf("waiting for the host's confirmation: lobbyctl visitor "
		    "confirm %lld\n", id);
	free(name);
	free(state);
	if (show_jstr(d, "code")[0] != '\0') {
		snprintf(code, sizeof(code), "%s (print it as a QR code)",
		    show_jstr(d, "code"));
		keys[n] = "visitor code";
		vals[n++] = code;
	} else {
		keys[n] = "card";
		vals[n++] = show_jstr(d, "credential");
	}
	fmt_time(show_jint(d, "valid_until_ms"), until, sizeof(until));
	keys[n] = "valid until";
	vals[n++] = until;
	snprintf(host, sizeof(host), "%s, unit %s", show_jstr(d, "host"),
	    show_jstr(d, "unit"));
	keys[n] = "host";
	vals[n++] = host;
	if (show_jstr(d, "override_by")[0] != '\0') {
		keys[n] = "override by";
		vals[n++] = show_jstr(d, "override_by");
	}
	fmt_kv_print(keys, vals, n, stdout);
	return 0;
}

/* The open items of a handover, one a line. */
static void
show_handover(struct json_object *d)
{
	char *text = strdup(show_jstr(d, "text")), *line, *save = NULL;
	int n = 0;

	printf("handover recorded (shift log %lld)\n",
	    (long long)show_jint(d, "id"));
	if (text == NULL)
		return;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *clean = fmt_clean(line, 0);

		if (n++ == 0)
			printf("open items:\n");
		printf("  %s\n", clean != NULL ? clean : "");
		free(clean);
	}
	if (n == 0)
		printf("no open items\n");
	free(text);
}

int
desk_show(const struct desk_cmd *dc, bool json, bool csv,
    struct json_object *data)
{
	bool list = dc->shape == S_PEOPLE || dc->shape == S_PASSES ||
	    dc->shape == S_PERMITS || dc->shape == S_WATCHES ||
	    dc->shape == S_INSIDE || dc->shape == S_SHIFTS;
	struct json_object *passes = NULL;
	int rc;

	if (data == NULL || !json_object_is_type(data, list ? json_type_array :
	    json_type_object)) {
		lobbyctl_say("bad reply from lobbyd: \"data\" is not %s",
		    list ? "a list" : "an object");
		return EXIT_REFUSED;
	}
	if (json) {
		show_json(data);
		return 0;
	}
	switch (dc->shape) {
	case S_PERSON:
		return print_record(person_fields, NF(person_fields), data);
	case S_PERSON_FULL:
		if ((rc = print_record(person_fields, NF(person_fields),
		    data)) != 0)
			return rc;
		if (!json_object_object_get_ex(data, "passes", &passes))
			return 0;
		printf("\npasses:\n");
		return print_list(pass_cols, NF(pass_cols), passes, "  none");
	case S_PEOPLE:
		return print_list(person_cols, NF(person_cols), data, "no people");
	case S_PASS:
		return print_record(pass_fields, NF(pass_fields), data);
	case S_PASSES:
		return print_list(pass_cols, NF(pass_cols), data,
		    dc->name[0] == 'v' ? "no visitors" : "no passes");
	case S_VISITOR:
		return show_visitor(data);
	case S_PERMIT:
		return print_record(permit_fields, NF(permit_fields), data);
	case S_PERMITS:
		return print_list(permit_cols, NF(permit_cols), data, "no permits");
	case S_WATCH:
		return print_record(watch_fields, NF(watch_fields), data);
	case S_WATCHES:
		return print_list(watch_cols, NF(watch_cols), data,
		    "the watch list is empty");
	case S_REMOVED:
		printf("removed watch list entry %lld\n",
		    (long long)show_jint(data, "id"));
		return 0;
	case S_INSIDE:
		if (csv)
			return print_csv(inside_cols, NF(inside_cols), data);
		return print_list(inside_cols, NF(inside_cols), data,
		    "nobody inside");
	case S_SHIFT:
		printf("noted in the shift log (%lld)\n",
		    (long long)show_jint(data, "id"));
		return 0;
	case S_HANDOVER:
		show_handover(data);
		return 0;
	case S_SHIFTS:
		return print_list(shift_cols, NF(shift_cols), data,
		    "nothing in the shift log");
	}
	return 0;
}
