/*
 * lobbyctl: the front desk's, the guards' and engineering's view into lobbyd.
 * Reads the command line and builds the one request it asks for; conn.c
 * carries it over the control socket (daemon/ctl.h), show.c prints the reply.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../control/ctl.h"
#include "../common/floors.h"
#include "../common/util.h"
#include "format.h"
#include "lobbyctl_int.h"

#define LIMIT_MAX		100000
#define LANE_MAX		31	/* bytes, as the store keeps them */
#define HOLDER_MAX		63
#define REASON_MAX		99	/* lobbyd keeps 99 bytes */
#define NOTE_MAX		99

static const char usage_text[] =
"usage: lobbyctl [-s SOCKET] [--json] COMMAND ...\n"
"  status\n"
"  events [--follow] [--since T] [--lane L] [--limit N]\n"
"  devices\n"
"  alerts [--all] [--follow]\n"
"  card add UID --holder NAME [--from T] [--until T] [--disabled]\n"
"           [--floors 1,3-5]     elevator floors the holder may go to\n"
"  card remove UID\n"
"  card list\n"
"  card import FILE    a CSV card list: header uid,holder[,from,until,floors,\n"
"                      disabled]; all or nothing, errors as FILE:LINE\n"
"  lane open LANE entry|exit --reason TEXT [--force]\n"
"                      --force: a manager's open of a turnstile in fault\n"
"  stats\n"
"  fire                fire-alarm mode: on or off, since, which input\n"
"  fire reset          end the fire mode once every fire input is inactive\n"
"  devices --check                      start-of-shift check: exit 0 all OK, 1 not\n"
"  tickets [--all]                      repair tickets (unfinished; --all: done too)\n"
"  tickets summary [--date YYYY-MM-DD]  the latest (or that day's) daily summary\n"
"  ticket show|start ID\n"
"  ticket note ID TEXT | ticket done ID [TEXT]\n"
"  ticket open --source NAME --title TEXT [--urgent]\n"
"  intercom\n"
"  intercom release STATION --reason TEXT\n"
"  alert ack ID [--note TEXT]\n"
"front desk:\n"
"  person add --kind tenant_staff|property_staff|contractor --name NAME\n"
"      [--id-type resident_card|passport|other --id -] [--company C]\n"
"      [--unit U] [--schedule S]\n"
"  person list | person show ID\n"
"  person suspend|terminate|activate ID --reason TEXT\n"
"  pass issue --person ID --card UID [--from T] [--until T] [--lanes a,b]\n"
"      [--floors 3,5-7] [--single]\n"
"  pass list [--all] | pass show ID | pass extend ID --until T\n"
"  pass revoke ID --reason TEXT\n"
"  visitor register --name NAME --id-type T --id - --host-unit U\n"
"      --host NAME --class vip|important|ordinary|applicant|service|internal\n"
"      --purpose TEXT [--party N] [--until T] [--appointment]\n"
"      [--category sales|insurance|advertising] [--override REASON]\n"
"      [--floors F] [--card UID]\n"
"  visitor confirm PASS_ID | visitor list [--today]\n"
"  permit add --unit U --company C --from YYYY-MM-DD --until YYYY-MM-DD\n"
"      --days mon-fri --hours 08:00-12:00,14:00-18:00 --floor N [--paid]\n"
"  permit list | permit suspend|close|resume ID | permit paid ID\n"
"  contractor add --permit ID --name NAME --id-type T --id - --card UID\n"
"      [--company C]\n"
"  watchlist add --id-type T --id - [--name NAME] [--note TEXT]\n"
"  watchlist remove ID | watchlist list\n"
"  inside [--zone Z] [--csv]            who is inside (the muster list)\n"
"  shift note TEXT | shift handover [--note TEXT] | shift log [--since T]\n"
"  elevators                            every elevator controller and its car\n"
"  booking add --unit U --elevator E --card UID --from T --until T\n"
"  booking list [--all] | booking cancel ID   freight-elevator bookings\n"
"\n"
"  -s SOCKET  lobbyd's control socket (else $" CTL_ENV_SOCKET ", else\n"
"             " CTL_DEFAULT_SOCKET ")\n"
"  --json     print the reply's data as JSON (--follow: one object a line)\n"
"\n"
"Times T: YYYY-MM-DD, \"YYYY-MM-DD HH:MM[:SS]\", YYYY-MM-DDTHH:MM[:SS],\n"
"HH:MM (today), now, or an age: 30s, 15m, 2h, 3d (that long ago).\n"
"--from and --until also take +8h, +2d (from now); --until DATE means to\n"
"the end of that day. Card UIDs: 4 to 31 hex digits. Floors: 0 to 63.\n"
"ID numbers: --id - asks for the number (not shown as it is typed), or\n"
"reads one line of standard input; never on the command line, where other\n"
"users can read it. They go to lobbyd only; lobbyctl shows them masked.\n"
"\n"
"Exit status: 0 ok, 1 lobbyd refused or failed the request (devices --check:\n"
"or some device is not OK), 2 usage error, 3 cannot connect.\n";

/* Options; a command accepts only those in its mask. */
enum {
	O_FOLLOW = 1 << 0, O_SINCE = 1 << 1, O_LANE = 1 << 2,
	O_LIMIT = 1 << 3, O_ALL = 1 << 4, O_HOLDER = 1 << 5,
	O_FROM = 1 << 6, O_UNTIL = 1 << 7, O_DISABLED = 1 << 8,
	O_REASON = 1 << 9,
	O_SOURCE = 1 << 10, O_TITLE = 1 << 11, O_URGENT = 1 << 12,
	O_DATE = 1 << 13, O_CHECK = 1 << 14, O_NOTE = 1 << 15,
	O_DESK = 1 << 16,	/* any of desk.c's own options */
	O_FLOORS = 1 << 17, O_UNIT = 1 << 18, O_ELEVATOR = 1 << 19,
	O_CARD = 1 << 20, O_FORCE = 1 << 21,
};
/* What the front-desk commands take of this table (desk.c checks each). */
#define O_DESK_SHARED	(O_DESK | O_FROM | O_UNTIL | O_REASON | O_NOTE | \
			 O_SINCE | O_ALL | O_FLOORS | O_UNIT | O_CARD)

#define NPOS_MAX	8

struct opts {
	const char	*socket;
	bool		json;
	unsigned	seen;		/* O_* given */
	const char	*since, *lane, *limit, *holder, *from, *until, *reason;
	const char	*source, *title, *date;
	const char	*note;
	const char	*desk[DO_COUNT];	/* desk.c's; "" a flag given */
	const char	*floors, *unit, *elevator, *card;
	const char	*pos[NPOS_MAX];
	int		npos;
};

static const struct opt_def {
	const char	*name;
	unsigned	bit;
	size_t		value;		/* offset of the value, 0: a flag */
	int		desk;		/* DO_* + 1: handed to desk.c too */
} opt_defs[] = {
	{ "--follow",	O_FOLLOW,	0, 0 },
	{ "--all",	O_ALL,		0, DO_ALL + 1 },
	{ "--disabled",	O_DISABLED,	0, 0 },
	{ "--since",	O_SINCE,	offsetof(struct opts, since), DO_SINCE + 1 },
	{ "--lane",	O_LANE,		offsetof(struct opts, lane), 0 },
	{ "--limit",	O_LIMIT,	offsetof(struct opts, limit), 0 },
	{ "--holder",	O_HOLDER,	offsetof(struct opts, holder), 0 },
	{ "--from",	O_FROM,		offsetof(struct opts, from), DO_FROM + 1 },
	{ "--until",	O_UNTIL,	offsetof(struct opts, until), DO_UNTIL + 1 },
	{ "--reason",	O_REASON,	offsetof(struct opts, reason), DO_REASON + 1 },
	{ "--urgent",	O_URGENT,	0, 0 },
	{ "--force",	O_FORCE,	0, 0 },
	{ "--check",	O_CHECK,	0, 0 },
	{ "--source",	O_SOURCE,	offsetof(struct opts, source), 0 },
	{ "--title",	O_TITLE,	offsetof(struct opts, title), 0 },
	{ "--date",	O_DATE,		offsetof(struct opts, date), 0 },
	{ "--note",	O_NOTE,		offsetof(struct opts, note), DO_NOTE + 1 },
	{ "--floors",	O_FLOORS,	offsetof(struct opts, floors), DO_FLOORS + 1 },
	{ "--unit",	O_UNIT,		offsetof(struct opts, unit), DO_UNIT + 1 },
	{ "--elevator",	O_ELEVATOR,	offsetof(struct opts, elevator), 0 },
	{ "--card",	O_CARD,		offsetof(struct opts, card), DO_CARD + 1 },
};

static const struct cmd_def {
	const char	*name;		/* as typed: "card add" */
	const char	*cmd;		/* on the wire: "card.add" */
	enum show_what	what;
	int		nargs;		/* words after the name */
	unsigned	allowed;
} cmd_defs[] = {
	{ "status",	 "status",	SHOW_STATUS,		0, 0 },
	{ "events",	 "events",	SHOW_EVENTS,		0,
	    O_FOLLOW | O_SINCE | O_LANE | O_LIMIT },
	{ "devices",	 "devices",	SHOW_DEVICES,		0, O_CHECK },
	{ "alerts",	 "alerts",	SHOW_ALERTS,		0,
	    O_ALL | O_FOLLOW },
	{ "card add",	 "card.add",	SHOW_CARD_ADD,		1,
	    O_HOLDER | O_FROM | O_UNTIL | O_DISABLED | O_FLOORS },
	{ "card remove", "card.remove",	SHOW_CARD_REMOVE,	1, 0 },
	{ "card list",	 "card.list",	SHOW_CARD_LIST,		0, 0 },
	{ "card import", "card.import",	SHOW_CARD_IMPORT,	1, 0 },
	{ "lane open",	 "lane.open",	SHOW_LANE_OPEN,		2,
	    O_REASON | O_FORCE },
	{ "stats",	 "stats",	SHOW_STATS,		0, 0 },
	{ "fire reset",	 "fire.reset",	SHOW_FIRE_RESET,	0, 0 },
	{ "fire",	 "fire",	SHOW_FIRE,		0, 0 },
	{ "tickets summary", "tickets.summary", SHOW_TICKET_SUMMARY, 0, O_DATE },
	{ "tickets",	 "tickets",	SHOW_TICKETS,		0, O_ALL },
	{ "ticket show", "ticket.show",	SHOW_TICKET,		1, 0 },
	{ "ticket start", "ticket.start", SHOW_TICKET_START,	1, 0 },
	{ "ticket note", "ticket.note",	SHOW_TICKET_NOTE,	2, 0 },
	{ "ticket done", "ticket.done",	SHOW_TICKET_DONE,	1, 0 },	/* [TEXT] */
	{ "ticket open", "ticket.open",	SHOW_TICKET_OPEN,	0,
	    O_SOURCE | O_TITLE | O_URGENT },
	{ "intercom release", "intercom.release", SHOW_ICOM_RELEASE, 1,
	    O_REASON },
	{ "intercom",	 "intercom.list", SHOW_ICOM_LIST,	0, 0 },
	{ "alert ack",	 "alert.ack",	SHOW_ALERT_ACK,		1, O_NOTE },
	{ "elevators",	 "elevators.list", SHOW_ELEV_LIST,	0, 0 },
	{ "booking add", "booking.add",	SHOW_BOOKING_ADD,	0,
	    O_UNIT | O_ELEVATOR | O_CARD | O_FROM | O_UNTIL },
	{ "booking list", "booking.list", SHOW_BOOKING_LIST,	0, O_ALL },
	{ "booking cancel", "booking.cancel", SHOW_BOOKING_CANCEL, 1, 0 },
};

/* devices --check is a request of its own: the start-of-shift check. */
static const struct cmd_def devices_check_def =
	{ "devices --check", "devices.check", SHOW_DEVICES_CHECK, 0, O_CHECK };

static void __attribute__((format(printf, 1, 0)))
vsay(const char *fmt, va_list ap)
{
	fputs("lobbyctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
lobbyctl_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

/* A mistake in the command's shape: the message, then how it is used. */
static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

/* 0, or an exit status after saying what was wrong. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	bool options_end = false;
	const char *arg, *eq, *val;
	size_t i, nlen;
	int a;

	for (a = 1; a < argc; a++) {
		arg = argv[a];
		if (options_end || arg[0] != '-' || arg[1] == '\0') {
			if (o->npos == NPOS_MAX)
				return usage_error("too many arguments");
			o->pos[o->npos++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			options_end = true;
			continue;
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			fputs(usage_text, stdout);
			exit(0);
		}
		if (strcmp(arg, "--json") == 0) {
			o->json = true;
			continue;
		}
		if (strncmp(arg, "-s", 2) == 0 &&
		    strncmp(arg, "--", 2) != 0) {
			if (arg[2] != '\0')
				o->socket = arg + 2;
			else if (a + 1 < argc)
				o->socket = argv[++a];
			else
				return usage_error("-s needs a socket path");
			continue;
		}
		if (strncmp(arg, "--socket", 8) == 0 &&
		    (arg[8] == '\0' || arg[8] == '=')) {
			if (arg[8] == '=')
				o->socket = arg + 9;
			else if (a + 1 < argc)
				o->socket = argv[++a];
			else
				return usage_error("--socket needs a socket path");
			continue;
		}
		eq = strchr(arg, '=');
		nlen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		for (i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
			if (strlen(opt_defs[i].name) == nlen &&
			    strncmp(opt_defs[i].name, arg, nlen) == 0)
				break;
		if (i == sizeof(opt_defs) / sizeof(opt_defs[0])) {
			bool flag;
			int d = desk_opt_find(arg, nlen, &flag);

			if (d == -1)
				return usage_error("unknown option %s", arg);
			o->seen |= O_DESK;
			if (flag && eq != NULL)
				return usage_error("%s takes no value",
				    desk_opt_name(d));
			if (flag)
				o->desk[d] = "";
			else if (eq != NULL)
				o->desk[d] = eq + 1;
			else if (a + 1 < argc)
				o->desk[d] = argv[++a];
			else
				return usage_error("%s needs a value",
				    desk_opt_name(d));
			continue;
		}
		o->seen |= opt_defs[i].bit;
		if (opt_defs[i].value == 0) {
			if (eq != NULL)
				return usage_error("%s takes no value",
				    opt_defs[i].name);
			continue;
		}
		if (eq != NULL)
			val = eq + 1;
		else if (a + 1 < argc)
			val = argv[++a];
		else
			return usage_error("%s needs a value", opt_defs[i].name);
		*(const char **)((char *)o + opt_defs[i].value) = val;
	}
	return 0;
}

/* The command named by the first words, and for SHOW_DESK desk.c's row;
   an exit status if none fits. */
static int
find_cmd(const struct opts *o, const struct cmd_def **out,
    const struct desk_cmd **deskp)
{
	static struct cmd_def desk_def;
	const struct cmd_def *c = NULL;
	size_t i, nwords;
	unsigned extra;
	int rc;

	if (o->npos == 0)
		return usage_error("no command given");
	for (i = 0; i < sizeof(cmd_defs) / sizeof(cmd_defs[0]); i++) {
		c = &cmd_defs[i];
		nwords = strchr(c->name, ' ') != NULL ? 2 : 1;
		if (nwords == 1 && strcmp(c->name, o->pos[0]) == 0)
			break;
		if (nwords == 2 && o->npos >= 2 &&
		    strncmp(c->name, o->pos[0], strlen(o->pos[0])) == 0 &&
		    c->name[strlen(o->pos[0])] == ' ' &&
		    strcmp(c->name + strlen(o->pos[0]) + 1, o->pos[1]) == 0)
			break;
	}
	if (i == sizeof(cmd_defs) / sizeof(cmd_defs[0])) {
		const struct desk_cmd *dc = desk_find(o->pos, o->npos, &rc);

		if (rc != 0)
			return rc;
		if (dc != NULL) {
			desk_def = (struct cmd_def){ desk_name(dc), desk_wire(dc),
			    SHOW_DESK, 0, O_DESK_SHARED };
			c = &desk_def;
			*deskp = dc;
			goto found;
		}
		if (strcmp(o->pos[0], "ticket") == 0) {
			if (o->npos < 2)
				return usage_error("ticket: what to do? (show, "
				    "start, note, done, open)");
			return usage_error("ticket: unknown command \"%s\"",
			    o->pos[1]);
		}
		if (strcmp(o->pos[0], "booking") == 0) {
			if (o->npos < 2)
				return usage_error("booking: what to do? (add, "
				    "list, cancel)");
			return usage_error("booking: unknown command \"%s\"",
			    o->pos[1]);
		}
		if (strcmp(o->pos[0], "card") == 0 || strcmp(o->pos[0], "lane") == 0 ||
		    strcmp(o->pos[0], "alert") == 0) {
			if (o->npos < 2)
				return usage_error("%s: what to do? (%s)",
				    o->pos[0], o->pos[0][0] == 'c' ?
				    "add, remove, list" : o->pos[0][0] == 'l' ?
				    "open" : "ack");
			return usage_error("%s: unknown command \"%s\"",
			    o->pos[0], o->pos[1]);
		}
		return usage_error("unknown command \"%s\"", o->pos[0]);
	}
	nwords = strchr(c->name, ' ') != NULL ? 2 : 1;
	if ((size_t)o->npos < nwords + (size_t)c->nargs) {
		switch (c->what) {
		case SHOW_CARD_ADD:
		case SHOW_CARD_REMOVE:
			return usage_error("%s: which card? (a UID)", c->name);
		case SHOW_CARD_IMPORT:
			return usage_error("%s: which file? (CSV)", c->name);
		case SHOW_LANE_OPEN:
			return usage_error("%s: which lane, and entry or exit?",
			    c->name);
		case SHOW_TICKET_NOTE:
			return usage_error("%s: which ticket, and what note?",
			    c->name);
		case SHOW_TICKET:
		case SHOW_TICKET_START:
		case SHOW_TICKET_DONE:
			return usage_error("%s: which ticket? (its number)",
			    c->name);
		case SHOW_ICOM_RELEASE:
			return usage_error("%s: which station?", c->name);
		case SHOW_ALERT_ACK:
			return usage_error("%s: which alert? (its ID)", c->name);
		case SHOW_BOOKING_CANCEL:
			return usage_error("%s: which booking? (its ID)", c->name);
		default:
			return usage_error("%s: missing argument", c->name);
		}
	}
	/* "ticket done ID" may take one more word: the closing note. */
	nwords += (size_t)c->nargs + (c->what == SHOW_TICKET_DONE ? 1 : 0);
	if ((size_t)o->npos > nwords)
		return usage_error("%s: unexpected argument \"%s\"", c->name,
		    o->pos[nwords]);
found:
	extra = o->seen & ~c->allowed;
	if (extra == O_DESK) {
		for (i = 0; i < DO_COUNT && o->desk[i] == NULL; i++)
			;
		return usage_error("%s: %s does not apply here", c->name,
		    desk_opt_name((enum desk_opt)i));
	}
	if (extra != 0) {
		extra &= ~(unsigned)O_DESK;
		for (i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
			if (extra & opt_defs[i].bit)
				break;
		return usage_error("%s: %s does not apply here", c->name,
		    opt_defs[i].name);
	}
	*out = c;
	return 0;
}

static int
bad_time(const char *opt, const char *val, enum fmt_time_use use)
{
	lobbyctl_say("%s: cannot read \"%s\" as a time (YYYY-MM-DD [HH:MM], HH:MM, "
	    "15m, 2h, 3d%s)", opt, val, use == FMT_T_PAST ? "" : ", +8h");
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
		lobbyctl_say("%s: must not be empty", what);
		return EXIT_USAGE;
	}
	if (strlen(val) > max) {
		lobbyctl_say("%s: too long (at most %zu bytes)", what, max);
		return EXIT_USAGE;
	}
	if (!fmt_text_is_clean(val)) {
		lobbyctl_say("%s: control characters or bytes that are not UTF-8", what);
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

		lobbyctl_say("card UID \"%s\" is not %d to %d hex digits",
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
			lobbyctl_say("booking add: %s is needed", need[i].name);
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
			lobbyctl_say("--card: \"%s\" is not %d to %d hex digits",
			    o->card, FMT_UID_MIN, FMT_UID_MAX);
			return EXIT_USAGE;
		}
		json_object_object_add(args, "card", json_object_new_string(uid));
	}
	return 0;
}

/* The "args" of the request; 0, or an exit status after saying why not. */
static int
build_args(const struct cmd_def *c, const struct desk_cmd *dc,
    const struct opts *o, struct json_object *args)
{
	int64_t now = real_ms(), from = 0, until = 0, since;
	const char *const *w = o->pos + 2;	/* after "card add" */
	char *end;
	long limit;
	int rc;

	switch (c->what) {
	case SHOW_DESK: {
		const char *dv[DO_COUNT];
		int nw = strchr(c->name, ' ') != NULL ? 2 : 1;
		size_t i;

		memcpy(dv, o->desk, sizeof(dv));
		for (i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
			if (opt_defs[i].desk != 0 && (o->seen & opt_defs[i].bit))
				dv[opt_defs[i].desk - 1] = opt_defs[i].value == 0 ?
				    "" : *(const char *const *)((const char *)o +
				    opt_defs[i].value);
		dv[DO_WORD] = o->npos > nw ? o->pos[nw] : NULL;
		if (o->json && dv[DO_CSV] != NULL) {
			lobbyctl_say("%s: --csv and --json do not go together",
			    c->name);
			return EXIT_USAGE;
		}
		return desk_args(dc, dv, args);
	}
	case SHOW_EVENTS:
		if (o->seen & O_SINCE) {
			if (fmt_time_parse(o->since, now, FMT_T_PAST, &since) == -1)
				return bad_time("--since", o->since, FMT_T_PAST);
			json_object_object_add(args, "since_ms",
			    json_object_new_int64(since));
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
				lobbyctl_say("--limit: \"%s\" is not a number from 1 to %d",
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
			lobbyctl_say("card add: --holder NAME is needed");
			return EXIT_USAGE;
		}
		if ((rc = lobbyctl_text_ok("--holder", o->holder, HOLDER_MAX, false)) != 0)
			return rc;
		json_object_object_add(args, "holder",
		    json_object_new_string(o->holder));
		json_object_object_add(args, "enabled",
		    json_object_new_boolean(!(o->seen & O_DISABLED)));
		if (o->seen & O_FROM) {
			if (fmt_time_parse(o->from, now, FMT_T_START, &from) == -1)
				return bad_time("--from", o->from, FMT_T_START);
			json_object_object_add(args, "valid_from_ms",
			    json_object_new_int64(from));
		}
		if (o->seen & O_UNTIL) {
			if (fmt_time_parse(o->until, now, FMT_T_END, &until) == -1)
				return bad_time("--until", o->until, FMT_T_END);
			if ((o->seen & O_FROM) && until <= from) {
				lobbyctl_say("--until \"%s\" is not after --from \"%s\"",
				    o->until, o->from);
				return EXIT_USAGE;
			}
			json_object_object_add(args, "valid_until_ms",
			    json_object_new_int64(until));
		}
		if (o->seen & O_FLOORS) {
			uint64_t mask;
			char err[160];

			if (floors_parse(o->floors, &mask, err, sizeof(err)) == -1) {
				lobbyctl_say("--floors: %s", err);
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
			lobbyctl_say("booking cancel: \"%s\" is not a booking ID "
			    "(a positive number)", w[0]);
			return EXIT_USAGE;
		}
		json_object_object_add(args, "id", json_object_new_int64(limit));
		return 0;
	case SHOW_CARD_REMOVE:
		return add_uid(args, w[0]);
	case SHOW_CARD_IMPORT:
		return 0;	/* import.c reads the file */
	case SHOW_LANE_OPEN:
		if ((rc = lobbyctl_text_ok("lane", w[0], LANE_MAX, false)) != 0)
			return rc;
		if (strcmp(w[1], "entry") != 0 && strcmp(w[1], "exit") != 0) {
			char *clean = fmt_clean(w[1], 40);

			lobbyctl_say("lane open: direction \"%s\" is not entry or exit",
			    clean != NULL ? clean : "");
			free(clean);
			return EXIT_USAGE;
		}
		if (!(o->seen & O_REASON)) {
			lobbyctl_say("lane open: --reason TEXT is needed (it is recorded "
			    "with your name)");
			return EXIT_USAGE;
		}
		if ((rc = lobbyctl_text_ok("--reason", o->reason, REASON_MAX, false)) != 0)
			return rc;
		json_object_object_add(args, "lane",
		    json_object_new_string(w[0]));
		json_object_object_add(args, "direction",
		    json_object_new_string(w[1]));
		json_object_object_add(args, "reason",
		    json_object_new_string(o->reason));
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
		if (!(o->seen & O_REASON)) {
			lobbyctl_say("intercom release: --reason TEXT is needed "
			    "(it is recorded with your name)");
			return EXIT_USAGE;
		}
		if ((rc = lobbyctl_text_ok("--reason", o->reason, REASON_MAX, false)) != 0)
			return rc;
		json_object_object_add(args, "station",
		    json_object_new_string(w[0]));
		json_object_object_add(args, "reason",
		    json_object_new_string(o->reason));
		return 0;
	case SHOW_ALERT_ACK:
		errno = 0;
		limit = strtol(w[0], &end, 10);
		if (errno != 0 || end == w[0] || *end != '\0' || limit < 1) {
			char *clean = fmt_clean(w[0], 40);

			lobbyctl_say("alert ack: \"%s\" is not an alert ID (a "
			    "positive number)", clean != NULL ? clean : "");
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

/*
 * A list that comes in pages (daemon/ctl.h) is printed as each page
 * arrives, so a million cards never sit in lobbyctl's memory: a table keeps
 * the first page's columns (widened, as for --follow), JSON stays one array.
 * *reply is the first page's, and then each next one's.
 */
static int
show_paged(struct conn *conn, const struct cmd_def *c, struct json_object *req,
    struct json_object *args, struct json_object **reply, bool json)
{
	struct fmt_table *table = NULL;
	struct json_object *data, *more, *item;
	size_t rows = 0;
	int rc = 0;

	for (;;) {
		if (!json_object_object_get_ex(*reply, "data", &data) ||
		    !json_object_is_type(data, json_type_array)) {
			lobbyctl_say("bad reply from lobbyd: \"data\" is not a list");
			rc = EXIT_REFUSED;
			break;
		}
		if (json) {
			for (size_t i = 0; i < json_object_array_length(data); i++) {
				item = json_object_array_get_idx(data, i);
				fputs(rows++ == 0 ? "[" : ",\n", stdout);
				fputs(json_object_to_json_string_ext(item,
				    JSON_C_TO_STRING_PLAIN |
				    JSON_C_TO_STRING_NOSLASHESCAPE), stdout);
			}
		} else if (table == NULL) {
			if ((rc = show_reply(c->what, false, true, false, data,
			    &table)) != 0)
				break;
		} else {
			for (size_t i = 0; i < json_object_array_length(data); i++)
				show_update(c->what, false, table,
				    json_object_array_get_idx(data, i));
		}
		if (!json_object_object_get_ex(*reply, "more", &more) ||
		    !json_object_is_type(more, json_type_string))
			break;
		json_object_object_add(args, "after",
		    json_object_new_string(json_object_get_string(more)));
		json_object_put(*reply);
		if ((rc = conn_request_page(conn, req, reply, &data)) != 0 ||
		    *reply == NULL)
			break;
	}
	if (json)
		puts(rows == 0 ? "[]" : "]");
	fmt_table_free(table);
	return rc;
}

/*
 * The front desk's lists in pages (the muster list of a whole tower): the
 * pages' rows are gathered into the first page's data, which is shown as a
 * whole (tables, CSV). A few tens of thousands of rows at most.
 */
static int
gather_pages(struct conn *conn, struct json_object *req, struct json_object *args,
    struct json_object *first, struct json_object *all)
{
	struct json_object *reply = NULL, *more, *data;
	const char *cursor;
	int rc = 0;

	if (!json_object_is_type(all, json_type_array))
		return 0;
	json_object_object_get_ex(first, "more", &more);
	while (more != NULL && json_object_is_type(more, json_type_string)) {
		cursor = json_object_get_string(more);
		json_object_object_add(args, "after", json_object_new_string(cursor));
		json_object_put(reply);
		if ((rc = conn_request_page(conn, req, &reply, &data)) != 0 ||
		    reply == NULL)
			break;
		if (data == NULL || !json_object_is_type(data, json_type_array)) {
			lobbyctl_say("bad reply from lobbyd: \"data\" is not a list");
			rc = EXIT_REFUSED;
			break;
		}
		for (size_t i = 0; i < json_object_array_length(data); i++)
			json_object_array_add(all, json_object_get(
			    json_object_array_get_idx(data, i)));
		if (!json_object_object_get_ex(reply, "more", &more))
			more = NULL;
	}
	json_object_put(reply);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	const struct cmd_def *c = NULL;
	const struct desk_cmd *dc = NULL;
	struct json_object *req, *args, *reply, *data;
	struct fmt_table *table = NULL;
	struct conn conn;
	const char *path;
	bool follow;
	int rc;

	for (int i = 1; i < argc && i < 4; i++)	/* [-s SOCKET] [--json] user */
		if (strcmp(argv[i], "user") == 0)
			return users_main(argc, argv);
	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc;
	if ((rc = find_cmd(&o, &c, &dc)) != 0)
		return rc;
	if (c->what == SHOW_DEVICES && (o.seen & O_CHECK))
		c = &devices_check_def;
	if ((req = json_object_new_object()) == NULL ||
	    (args = json_object_new_object()) == NULL) {
		lobbyctl_say("out of memory");
		return EXIT_REFUSED;
	}
	json_object_object_add(req, "cmd", json_object_new_string(c->cmd));
	json_object_object_add(req, "args", args);
	if ((rc = build_args(c, dc, &o, args)) != 0)
		goto out_put_req;

	path = o.socket;
	if (path == NULL || path[0] == '\0')
		path = getenv(CTL_ENV_SOCKET);
	if (path == NULL || path[0] == '\0')
		path = CTL_DEFAULT_SOCKET;
	follow = (o.seen & O_FOLLOW) != 0;

	if ((rc = conn_open(&conn, path, follow)) != 0)
		goto out_put_req;
	if (c->what == SHOW_CARD_IMPORT) {
		rc = card_import(&conn, o.pos[2], o.json);
		goto out_close_conn;
	}
	if ((rc = conn_request(&conn, req, &reply, &data)) != 0 ||
	    reply == NULL)
		goto out_close_conn;
	if (json_object_object_get_ex(reply, "more", NULL) && dc == NULL) {
		rc = show_paged(&conn, c, req, args, &reply, o.json);
		json_object_put(reply);
		goto out_close_conn;
	}
	if (json_object_object_get_ex(reply, "more", NULL) &&
	    (rc = gather_pages(&conn, req, args, reply, data)) != 0)
		goto out_put_reply;
	if (dc != NULL)
		rc = desk_show(dc, o.json, o.desk[DO_CSV] != NULL, data);
	else
		rc = show_reply(c->what, o.json, follow,
		    (o.seen & (O_ALL | O_FOLLOW)) != 0, data, &table);
	if (rc == 0 && follow)
		rc = conn_follow(&conn, c->what, o.json, table);

	fmt_table_free(table);
out_put_reply:
	json_object_put(reply);
out_close_conn:
	conn_close(&conn);
out_put_req:
	json_object_put(req);
	if (fflush(stdout) == EOF && rc == 0)
		rc = EXIT_REFUSED;
	return rc;
}
