/*
 * lobbyctl's front-desk commands, the request: each option a command takes
 * checked as its row of desk.c's table says, and added to the "args" sent.
 * ID-document numbers are read apart (secret.c) and never echoed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../common/floors.h"
#include "../common/util.h"
#include "format.h"
#include "lobbyctl_int.h"
#include "desk_int.h"

/* "--kind" or, for the word after the name, its label ("ID"). */
static const char *
arg_label(const struct desk_cmd *dc, const struct desk_arg *a)
{
	return a->opt == DO_WORD ? dc->word : desk_opt_name(a->opt);
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
		lobbyctl_say(_("%s: an ID number is 1 to %d letters and digits "
		    "(spaces and dashes allowed between them)"), label, IDNUM_MAX);
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
		lobbyctl_say(_("%s: too long (at most %d bytes)"), label, LANES_MAX_B);
		return EXIT_USAGE;
	}
	for (;;) {
		n = strcspn(p, ",");
		if (n == 0 || n > SHORT_MAX_B || memchr(p, ' ', n) != NULL)
			return bad_value(label, val, _("is not a list of lanes "
			    "(names of at most %d bytes, no blanks, comma "
			    "between: lane1,lane2)"), SHORT_MAX_B);
		memcpy(lane, p, n);
		lane[n] = '\0';
		if (!fmt_text_is_clean(lane)) {
			lobbyctl_say(_("%s: control characters or bytes that are "
			    "not UTF-8"), label);
			return EXIT_USAGE;
		}
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

/* The check of a value sent as it was typed (text, a word of a list,
   lanes, weekdays, hours): 0, or an exit status said. */
static int
typed_check(const char *label, const struct desk_arg *a, const char *val)
{
	char list[160] = "";
	size_t l = 0;
	int i;

	switch (a->conv) {
	case C_TEXT:
		return lobbyctl_text_ok(label, val, (size_t)a->max, false);
	case C_ENUM:
		if (str_in(val, a->words))
			return 0;
		for (i = 0; a->words[i] != NULL; i++, l = strlen(list))
			snprintf(list + l, sizeof(list) - l, "%s%s",
			    i > 0 ? ", " : "", a->words[i]);
		return bad_value(label, val, _("is not one of %s"), list);
	case C_LANES:
		return lanes_check(label, val);
	case C_DAYS:
		if (!fmt_days_are_valid(val))
			return bad_value(label, val, _("is not a list of weekdays "
			    "(mon-fri, sat,sun)"));
		return 0;
	case C_HOURS:
		if (!fmt_hours_are_valid(val))
			return bad_value(label, val, _("is not a list of periods "
			    "HH:MM-HH:MM in order (08:00-12:00,14:00-18:00)"));
		return 0;
	default:
		return 0;
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
	int rc;

	switch (a->conv) {
	case C_FLAG:
		v = json_object_new_boolean(1);
		break;
	case C_TEXT:
	case C_ENUM:
	case C_LANES:
	case C_DAYS:
	case C_HOURS:
		if ((rc = typed_check(label, a, val)) != 0)
			return rc;
		v = json_object_new_string(val);
		break;
	case C_IDNUM: {
		char idnum[IDNUM_LINE_MAX + 1];

		/* Never on the command line: every local user can read it
		   there, and the shell keeps it. Never said back either. */
		if (strcmp(val, "-") != 0) {
			lobbyctl_say(_("%s: an ID number is not taken on the command "
			    "line, where other users of this computer can read it "
			    "and the shell history keeps it; give %s - and type it "
			    "at the prompt (it is not shown), or send it on "
			    "standard input"), label, label);
			return EXIT_USAGE;
		}
		if ((rc = secret_read(label, _("ID number (not shown): "), idnum,
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
			return bad_value(label, val, _("is not a record number "
			    "(1 or more)"));
		if (a->conv == C_INT && (errno != 0 || end == val || *end != '\0' ||
		    n < a->lo || n > a->max))
			return bad_value(label, val, _("is not a number from %d to %d"),
			    a->lo, a->max);
		*num = n;
		v = json_object_new_int64(n);
		break;
	case C_UID:
		if (fmt_uid_normalize(val, buf) == -1)
			return bad_value(label, val, _("is not a card UID (%d to %d "
			    "hex digits)"), FMT_UID_MIN, FMT_UID_MAX);
		v = json_object_new_string(buf);
		break;
	case C_PAST:
	case C_START:
	case C_END:
		if (fmt_time_parse(val, now, a->conv == C_PAST ? FMT_T_PAST :
		    a->conv == C_START ? FMT_T_START : FMT_T_END, num) == -1)
			return bad_value(label, val, _("cannot be read as a time "
			    "(YYYY-MM-DD [HH:MM], HH:MM, 15m, 2h, 3d%s)"),
			    a->conv == C_PAST ? "" : ", +8h");
		v = json_object_new_int64(*num);
		break;
	case C_DATE:
		if ((*num = fmt_date_parse(val)) == -1)
			return bad_value(label, val, _("is not a date (YYYY-MM-DD, "
			    "a day the calendar has)"));
		v = json_object_new_int((int)*num);
		break;
	case C_FLOORS:
		if (fmt_floors_parse(val, &floors) == -1)
			return bad_value(label, val, _("is not a list of floors "
			    "0 to %d (3,5-7)"), FMT_FLOOR_MAX);
		floors_str_runs(floors, buf, sizeof(buf));
		v = json_object_new_string(buf);
		break;
	case C_LOCAL:
		return 0;
	}
	if (v == NULL) {
		lobbyctl_say(_("out of memory"));
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
			lobbyctl_say(_("%s: %s does not apply here"), dc->name,
			    desk_opt_name(i));
			return EXIT_USAGE;
		}
	for (i = 0; i < NARGS_MAX && dc->args[i].key != NULL; i++) {
		a = &dc->args[i];
		if (opt[a->opt] == NULL) {
			if (a->required) {
				lobbyctl_say(_("%s: %s is needed"), dc->name,
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
		lobbyctl_say(_("%s: --id-type and --id go together"), dc->name);
		return EXIT_USAGE;
	}
	if (opt[DO_FROM] != NULL && opt[DO_UNTIL] != NULL) {
		bool dates = find_arg(dc, DO_FROM)->conv == C_DATE;

		if (dates ? num[DO_UNTIL] < num[DO_FROM] :
		    num[DO_UNTIL] <= num[DO_FROM]) {
			lobbyctl_say(dates ? _("%s: --until is before --from") :
			    _("%s: --until is not after --from"), dc->name);
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
