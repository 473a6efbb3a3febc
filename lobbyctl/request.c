/*
 * lobbyctl's request built: the "args" of the command the command line
 * names, each value checked as lobbyd will (times, card UIDs, floors,
 * operator text) so that a mistake is said before anything is sent.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../common/floors.h"
#include "../common/util.h"
#include "format.h"
#include "lobbyctl_int.h"
#include "cmdline_int.h"

#define LANE_MAX		31	/* bytes, as the store keeps them */
#define HOLDER_MAX		63
#define REASON_MAX		99	/* lobbyd keeps 99 bytes */
#define NOTE_MAX		99

static int
bad_time(const char *opt, const char *val, enum fmt_time_use use)
{
	lobbyctl_say(_("%s: cannot read \"%s\" as a time (YYYY-MM-DD [HH:MM], HH:MM, "
	    "15m, 2h, 3d%s)"), opt, val, use == FMT_T_PAST ? "" : ", +8h");
	return EXIT_USAGE;
}

/* Operator text bound for the store: names, reasons, notes. */
int
lobbyctl_text_ok(const char *what, const char *val, size_t max, bool may_be_empty)
{
	const char *p;

	for (p = val; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '\0' && !may_be_empty) {
		lobbyctl_say(_("%s: must not be empty"), what);
		return EXIT_USAGE;
	}
	if (strlen(val) > max) {
		lobbyctl_say(_("%s: too long (at most %zu bytes)"), what, max);
		return EXIT_USAGE;
	}
	if (!fmt_text_is_clean(val)) {
		lobbyctl_say(_("%s: control characters or bytes that are not UTF-8"), what);
		return EXIT_USAGE;
	}
	return 0;
}

static int
add_uid(struct json_object *args, const char *val)
{
	char uid[FMT_UID_MAX + 1];

	if (fmt_uid_normalize(val, uid) == -1) {
		char *clean = fmt_clean(val, 40);

		lobbyctl_say(_("card UID \"%s\" is not %d to %d hex digits"),
		    clean != NULL ? clean : "", FMT_UID_MIN, FMT_UID_MAX);
		free(clean);
		return EXIT_USAGE;
	}
	json_object_object_add(args, "uid", json_object_new_string(uid));
	return 0;
}

/* booking add: every option is needed; the times as for card add. */
static int
booking_args(const struct opts *o, int64_t now, struct json_object *args)
{
	static const struct { unsigned bit; const char *name; } need[] = {
		{ O_UNIT, "--unit U" }, { O_ELEVATOR, "--elevator E" },
		{ O_CARD, "--card UID" }, { O_FROM, "--from T" },
		{ O_UNTIL, "--until T" },
	};
	int64_t from, until;
	int rc;

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!(o->seen & need[i].bit)) {
			lobbyctl_say(_("booking add: %s is needed"), need[i].name);
			return EXIT_USAGE;
		}
	}
	if ((rc = lobbyctl_text_ok("--unit", o->unit, LANE_MAX, false)) != 0 ||
	    (rc = lobbyctl_text_ok("--elevator", o->elevator, LANE_MAX,
	    false)) != 0)
		return rc;
	if (fmt_time_parse(o->from, now, FMT_T_START, &from) == -1)
		return bad_time("--from", o->from, FMT_T_START);
	if (fmt_time_parse(o->until, now, FMT_T_END, &until) == -1)
		return bad_time("--until", o->until, FMT_T_END);
	json_object_object_add(args, "unit", json_object_new_string(o->unit));
	json_object_object_add(args, "elevator",
	    json_object_new_string(o->elevator));
	json_object_object_add(args, "from_ms", json_object_new_int64(from));
	json_object_object_add(args, "until_ms", json_object_new_int64(until));
	{
		char uid[FMT_UID_MAX + 1];

		if (fmt_uid_normalize(o->card, uid) == -1) {
			lobbyctl_say(_("--card: \"%s\" is not %d to %d hex digits"),
			    o->card, FMT_UID_MIN, FMT_UID_MAX);
			return EXIT_USAGE;
		}
		json_object_object_add(args, "card", json_object_new_string(uid));
	}
	return 0;
}

/* events export: --until is needed; times as for --since (a date alone
   is its midnight: "--until 2026-01-01" exports 2025 and before). */
static int
export_args(const struct opts *o, int64_t now, struct json_object *args)
{
	int64_t since, until;

	if (o->json) {
		lobbyctl_say(_("events export: --json does not apply here (it "
		    "writes CSV)"));
		return EXIT_USAGE;
	}
	if (!(o->seen & O_UNTIL)) {
		lobbyctl_say(_("events export: --until T is needed (the events "
		    "before T are exported)"));
		return EXIT_USAGE;
	}
	if (fmt_time_parse(o->until, now, FMT_T_PAST, &until) == -1)
		return bad_time("--until", o->until, FMT_T_PAST);
	if (until > now) {
		lobbyctl_say(_("--until \"%s\" is in the future: only past "
		    "events can be exported"), o->until);
		return EXIT_USAGE;
	}
	json_object_object_add(args, "until_ms", json_object_new_int64(until));
	if (o->seen & O_SINCE) {
		if (fmt_time_parse(o->since, now, FMT_T_PAST, &since) == -1)
			return bad_time("--since", o->since, FMT_T_PAST);
		if (since >= until) {
			lobbyctl_say(_("--since \"%s\" is not before --until "
			    "\"%s\""), o->since, o->until);
			return EXIT_USAGE;
		}
		json_object_object_add(args, "since_ms",
		    json_object_new_int64(since));
	}
	if ((o->seen & O_OUT) && o->out[0] == '\0') {
		lobbyctl_say(_("--out: an empty file name"));
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * A period given by two optional times into args: --since (events, as a
 * past time) or --from (card add, a start), then --until (an end), which
 * must come after the first when both are given.
 */
static int
period_args(const struct opts *o, int64_t now, bool since, const char *from_key,
    const char *until_key, struct json_object *args)
{
	unsigned from_bit = since ? O_SINCE : O_FROM;
	const char *from_opt = since ? "--since" : "--from";
	const char *from_val = since ? o->since : o->from;
	enum fmt_time_use use = since ? FMT_T_PAST : FMT_T_START;
	int64_t from = 0, until;

	if (o->seen & from_bit) {
		if (fmt_time_parse(from_val, now, use, &from) == -1)
			return bad_time(from_opt, from_val, use);
		json_object_object_add(args, from_key, json_object_new_int64(from));
	}
	if (o->seen & O_UNTIL) {
		if (fmt_time_parse(o->until, now, FMT_T_END, &until) == -1)
			return bad_time("--until", o->until, FMT_T_END);
		if ((o->seen & from_bit) && until <= from) {
			lobbyctl_say(since ?
			    _("--until \"%s\" is not after --since \"%s\"") :
			    _("--until \"%s\" is not after --from \"%s\""),
			    o->until, from_val);
			return EXIT_USAGE;
		}
		json_object_object_add(args, until_key, json_object_new_int64(until));
	}
	return 0;
}

/* The --reason an action is recorded with, which it needs, into args. */
static int
reason_args(const struct cmd_def *c, const struct opts *o,
    struct json_object *args)
{
	int rc;

	if (!(o->seen & O_REASON)) {
		lobbyctl_say(_("%s: --reason TEXT is needed (it is recorded with "
		    "your name)"), c->name);
		return EXIT_USAGE;
	}
	if ((rc = lobbyctl_text_ok("--reason", o->reason, REASON_MAX, false)) != 0)
		return rc;
	json_object_object_add(args, "reason", json_object_new_string(o->reason));
	return 0;
}

int
request_build_args(const struct cmd_def *c, const struct desk_cmd *dc,
    const struct opts *o, struct json_object *args)
{
	int64_t now = real_ms();
	const char *const *w = o->pos + 2;	/* after "card add" */
	char *end;
	long limit;
	int rc;

	switch (c->what) {
	case SHOW_DESK: {
		const char *dv[DO_COUNT];
		int nw = strchr(c->name, ' ') != NULL ? 2 : 1;

		cmdline_desk_opts(o, dv);
		dv[DO_WORD] = o->npos > nw ? o->pos[nw] : NULL;
		if (o->json && dv[DO_CSV] != NULL) {
			lobbyctl_say(_("%s: --csv and --json do not go together"),
			    c->name);
			return EXIT_USAGE;
		}
		return desk_args(dc, dv, args);
	}
	case SHOW_EVENTS_EXPORT:
		return export_args(o, now, args);
	case SHOW_EVENTS:
		if ((rc = period_args(o, now, true, "since_ms", "until_ms",
		    args)) != 0)
			return rc;
		if (o->seen & O_CARD) {
			char uid[FMT_UID_MAX + 1];

			if (fmt_uid_normalize(o->card, uid) == -1) {
				char *clean = fmt_clean(o->card, 40);

				lobbyctl_say(_("--card: \"%s\" is not %d to %d hex "
				    "digits"), clean != NULL ? clean : "",
				    FMT_UID_MIN, FMT_UID_MAX);
				free(clean);
				return EXIT_USAGE;
			}
			json_object_object_add(args, "card",
			    json_object_new_string(uid));
		}
		if (o->seen & O_PERSON) {
			errno = 0;
			limit = strtol(o->person, &end, 10);
			if (errno != 0 || end == o->person || *end != '\0' ||
			    limit < 1) {
				char *clean = fmt_clean(o->person, 40);

				lobbyctl_say(_("--person: \"%s\" is not a person's "
				    "ID (a positive number)"), clean != NULL ?
				    clean : "");
				free(clean);
				return EXIT_USAGE;
			}
			json_object_object_add(args, "person",
			    json_object_new_int64(limit));
		}
		if (o->seen & O_LANE) {
			if ((rc = lobbyctl_text_ok("--lane", o->lane, LANE_MAX, false)) != 0)
				return rc;
			json_object_object_add(args, "lane",
			    json_object_new_string(o->lane));
		}
		if (o->seen & O_LIMIT) {
			errno = 0;
			limit = strtol(o->limit, &end, 10);
			if (errno != 0 || end == o->limit || *end != '\0' ||
			    limit < 1 || limit > LIMIT_MAX) {
				lobbyctl_say(_("--limit: \"%s\" is not a number from 1 to %d"),
				    o->limit, LIMIT_MAX);
				return EXIT_USAGE;
			}
			json_object_object_add(args, "limit",
			    json_object_new_int((int)limit));
		}
		/* FALLTHROUGH */
	case SHOW_ALERTS:
		if (o->seen & O_ALL)
			json_object_object_add(args, "all",
			    json_object_new_boolean(1));
		if (o->seen & O_FOLLOW)
			json_object_object_add(args, "follow",
			    json_object_new_boolean(1));
		return 0;
	case SHOW_CARD_ADD:
		if ((rc = add_uid(args, w[0])) != 0)
			return rc;
		if (!(o->seen & O_HOLDER)) {
			lobbyctl_say(_("card add: --holder NAME is needed"));
			return EXIT_USAGE;
		}
		if ((rc = lobbyctl_text_ok("--holder", o->holder, HOLDER_MAX, false)) != 0)
			return rc;
		json_object_object_add(args, "holder",
		    json_object_new_string(o->holder));
		json_object_object_add(args, "enabled",
		    json_object_new_boolean(!(o->seen & O_DISABLED)));
		if ((rc = period_args(o, now, false, "valid_from_ms",
		    "valid_until_ms", args)) != 0)
			return rc;
		if (o->seen & O_FLOORS) {
			uint64_t mask;
			char err[160];

			if (floors_parse(o->floors, &mask, err, sizeof(err)) == -1) {
				lobbyctl_say(_("--floors: %s"), err);
				return EXIT_USAGE;
			}
			json_object_object_add(args, "floors",
			    json_object_new_string(o->floors));
		}
		return 0;
	case SHOW_BOOKING_ADD:
		return booking_args(o, now, args);
	case SHOW_BOOKING_LIST:
		if (o->seen & O_ALL)
			json_object_object_add(args, "all",
			    json_object_new_boolean(1));
		return 0;
	case SHOW_BOOKING_CANCEL:
		errno = 0;
		limit = strtol(w[0], &end, 10);
		if (errno != 0 || end == w[0] || *end != '\0' || limit < 1) {
			lobbyctl_say(_("booking cancel: \"%s\" is not a booking ID "
			    "(a positive number)"), w[0]);
			return EXIT_USAGE;
		}
		json_object_object_add(args, "id", json_object_new_int64(limit));
		return 0;
	case SHOW_CARD_REMOVE:
		return add_uid(args, w[0]);
	case SHOW_CARD_LIST:
		if (!(o->seen & O_FIND))
			return 0;
		if ((rc = lobbyctl_text_ok("--find", o->find, HOLDER_MAX, false)) != 0)
			return rc;
		json_object_object_add(args, "find", json_object_new_string(o->find));
		return 0;
	case SHOW_CARD_IMPORT:
		return 0;	/* import.c reads the file */
	case SHOW_LANE_OPEN:
		if ((rc = lobbyctl_text_ok("lane", w[0], LANE_MAX, false)) != 0)
			return rc;
		if (strcmp(w[1], "entry") != 0 && strcmp(w[1], "exit") != 0) {
			char *clean = fmt_clean(w[1], 40);

			lobbyctl_say(_("lane open: direction \"%s\" is not entry or exit"),
			    clean != NULL ? clean : "");
			free(clean);
			return EXIT_USAGE;
		}
		json_object_object_add(args, "lane",
		    json_object_new_string(w[0]));
		json_object_object_add(args, "direction",
		    json_object_new_string(w[1]));
		if ((rc = reason_args(c, o, args)) != 0)
			return rc;
		if (o->seen & O_FORCE)
			json_object_object_add(args, "force",
			    json_object_new_boolean(1));
		return 0;
	case SHOW_TICKETS:
	case SHOW_TICKET_SUMMARY:
	case SHOW_TICKET:
	case SHOW_TICKET_START:
	case SHOW_TICKET_NOTE:
	case SHOW_TICKET_DONE:
	case SHOW_TICKET_OPEN: {
		struct ticket_opts to = { .source = o->source, .title = o->title,
		    .date = o->date, .urgent = (o->seen & O_URGENT) != 0,
		    .all = (o->seen & O_ALL) != 0 };
		int nw = strchr(c->name, ' ') != NULL ? 2 : 1;

		return tickets_args(c->what, o->pos + nw, o->npos - nw, &to, args);
	}
	case SHOW_ICOM_RELEASE:
		if ((rc = lobbyctl_text_ok("station", w[0], LANE_MAX, false)) != 0)
			return rc;
		json_object_object_add(args, "station",
		    json_object_new_string(w[0]));
		return reason_args(c, o, args);
	case SHOW_ALERT_ACK:
		errno = 0;
		limit = strtol(w[0], &end, 10);
		if (errno != 0 || end == w[0] || *end != '\0' || limit < 1) {
			char *clean = fmt_clean(w[0], 40);

			lobbyctl_say(_("alert ack: \"%s\" is not an alert ID (a "
			    "positive number)"), clean != NULL ? clean : "");
			free(clean);
			return EXIT_USAGE;
		}
		json_object_object_add(args, "id", json_object_new_int64(limit));
		if (o->seen & O_NOTE) {
			if ((rc = lobbyctl_text_ok("--note", o->note, NOTE_MAX, false)) != 0)
				return rc;
			json_object_object_add(args, "note",
			    json_object_new_string(o->note));
		}
		return 0;
	default:
		return 0;
	}
}
