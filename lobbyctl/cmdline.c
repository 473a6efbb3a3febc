/*
 * lobbyctl's command line read: the options (a command accepts only its
 * own), the command named by the first words (or a front-desk command of
 * desk.c's table), and how lobbyctl is used when the shape is wrong.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../control/ctl.h"
#include "format.h"
#include "lobbyctl_int.h"
#include "cmdline_int.h"

/* What the front-desk commands take of this table (desk.c checks each). */
#define O_DESK_SHARED	(O_DESK | O_FROM | O_UNTIL | O_REASON | O_NOTE | \
			 O_SINCE | O_ALL | O_FLOORS | O_UNIT | O_CARD | O_PERSON | \
			 O_FIND)

/* How lobbyctl is used, in parts a translator takes whole. */
static const char usage_cmds[] = N_(
"usage: lobbyctl [-s SOCKET] [--json] COMMAND ...\n"
"  status\n"
"  events [--follow] [--since T] [--until T] [--lane L] [--card UID]\n"
"         [--person ID] [--limit N]   the newest N (100), oldest first\n"
"  events export --until T [--since T] [--out FILE]\n"
"                      the events before T as CSV, recorded as exported\n"
"  devices\n"
"  alerts [--all] [--follow]\n"
"  card add UID --holder NAME [--from T] [--until T] [--disabled]\n"
"           [--floors 1,3-5]     elevator floors the holder may go to\n"
"  card remove UID\n"
"  card list [--find TEXT]\n"
"                      a uid prefix, or part of the holder's name\n"
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
"  alert raise --to security[,frontdesk,engineering,manager] --text TEXT\n"
"      [--severity urgent|warning]   by hand; its acknowledgement ends it\n");
static const char usage_desk[] = N_(
"front desk:\n"
"  person add --kind tenant_staff|property_staff|contractor --name NAME\n"
"      [--id-type resident_card|passport|hk_macao_permit|taiwan_permit|\n"
"       foreign_pr_card|other --id -] [--company C]\n"
"      [--unit U] [--schedule S]\n"
"  person list [--find TEXT] | person show ID\n"
"  person suspend|terminate|activate ID --reason TEXT\n"
"  pass issue --person ID --card UID [--from T] [--until T] [--lanes a,b]\n"
"      [--floors 3,5-7] [--single]\n"
"  pass list [--all] | pass show ID | pass extend ID --until T\n"
"  pass revoke ID --reason TEXT\n"
"  visitor register (--name NAME --id-type T --id - | --id-from READER)\n"
"      --host-unit U --host NAME\n"
"      --class vip|important|ordinary|applicant|service|internal\n"
"      --purpose TEXT [--party N] [--until T] [--appointment]\n"
"      [--category sales|insurance|advertising] [--override REASON]\n"
"      [--floors F] [--card UID] [--phone P] [--host-reason TEXT]\n"
"      the host: a contact of the unit in the tenant directory, or a\n"
"      --host-reason; a visitor met before (same document) is reused\n"
"  visitor find --id-type T --id - | visitor find --name NAME --phone P\n"
"      a visitor met before and their last 5 visits\n"
"  visitor confirm PASS_ID | visitor confirm|decline --token T (the host's link)\n"
"  visitor list [--today]\n"
"  idcard READER       what the identity card last read at a desk reader said\n"
"  permit add --unit U --company C --from YYYY-MM-DD --until YYYY-MM-DD\n"
"      --days mon-fri --hours 08:00-12:00,14:00-18:00 --floor N [--paid]\n"
"  permit list | permit suspend|close|resume ID | permit paid ID\n"
"  contractor add --permit ID --name NAME --id-type T --id - --card UID\n"
"      [--company C]\n"
"  watchlist add --id-type T --id - [--name NAME] [--note TEXT]\n"
"  watchlist remove ID | watchlist list\n"
"  inside [--zone Z] [--csv]            who is inside (the muster list)\n"
"  tenant add|list|show|remove|contact|import|export   the tenant directory\n"
"                      (lobbyctl tenant --help)\n"
"  shift note TEXT | shift handover [--note TEXT] | shift log [--since T]\n"
"  elevators                            every elevator controller and its car\n"
"  booking add --unit U --elevator E --card UID --from T --until T\n"
"  booking list [--all] | booking cancel ID   freight-elevator bookings\n");
static const char usage_times[] = N_(
"Times T: YYYY-MM-DD, \"YYYY-MM-DD HH:MM[:SS]\", YYYY-MM-DDTHH:MM[:SS],\n"
"HH:MM (today), now, or an age: 30s, 15m, 2h, 3d (that long ago).\n"
"--from and --until also take +8h, +2d (from now); --until DATE means to\n"
"the end of that day. Card UIDs: 4 to 31 hex digits. Floors: 0 to 63.\n"
"ID numbers: --id - asks for the number (not shown as it is typed), or\n"
"reads one line of standard input; never on the command line, where other\n"
"users can read it. They go to lobbyd only; lobbyctl shows them masked.\n"
"\n");
static const char usage_exit[] = N_(
"Exit status: 0 ok, 1 lobbyd refused or failed the request (devices --check:\n"
"or some device is not OK), 2 usage error, 3 cannot connect.\n");

static void
usage(FILE *f)
{
	fputs(_(usage_cmds), f);
	fputs(_(usage_desk), f);
	fprintf(f, _("\n"
	    "  -s SOCKET  lobbyd's control socket (else $%s, else\n"
	    "             %s)\n"
	    "  --json     print the reply's data as JSON (--follow: one object a line)\n"
	    "\n"), CTL_ENV_SOCKET,
	    CTL_DEFAULT_SOCKET);
	fputs(_(usage_times), f);
	fputs(_(usage_exit), f);
}

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
	{ "--person",	O_PERSON,	offsetof(struct opts, person), DO_PERSON + 1 },
	{ "--out",	O_OUT,		offsetof(struct opts, out), 0 },
	{ "--find",	O_FIND,		offsetof(struct opts, find), DO_FIND + 1 },
};

static const struct cmd_def cmd_defs[] = {
	{ "status",	 "status",	SHOW_STATUS,		0, 0 },
	{ "events export", "events.export", SHOW_EVENTS_EXPORT,	0,
	    O_SINCE | O_UNTIL | O_OUT },
	{ "events",	 "events",	SHOW_EVENTS,		0,
	    O_FOLLOW | O_SINCE | O_UNTIL | O_LANE | O_LIMIT | O_CARD | O_PERSON },
	{ "devices",	 "devices",	SHOW_DEVICES,		0, O_CHECK },
	{ "alerts",	 "alerts",	SHOW_ALERTS,		0,
	    O_ALL | O_FOLLOW },
	{ "card add",	 "card.add",	SHOW_CARD_ADD,		1,
	    O_HOLDER | O_FROM | O_UNTIL | O_DISABLED | O_FLOORS },
	{ "card remove", "card.remove",	SHOW_CARD_REMOVE,	1, 0 },
	{ "card list",	 "card.list",	SHOW_CARD_LIST,		0, O_FIND },
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

const struct cmd_def cmdline_devices_check =
	{ "devices --check", "devices.check", SHOW_DEVICES_CHECK, 0, O_CHECK };

/* A mistake in the command's shape: the message, then how it is used. */
#define usage_error(...)	lobbyctl_usage_error(usage, __VA_ARGS__)

int
cmdline_parse(int argc, char **argv, struct opts *o)
{
	bool options_end = false, flag;
	const char *arg, *eq, *val, *name, **slot;
	size_t i, nlen;
	int a, d;

	for (a = 1; a < argc; a++) {
		arg = argv[a];
		if (options_end || arg[0] != '-' || arg[1] == '\0') {
			if (o->npos == NPOS_MAX)
				return usage_error(_("too many arguments"));
			o->pos[o->npos++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			options_end = true;
			continue;
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			usage(stdout);
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
				return usage_error(_("-s needs a socket path"));
			continue;
		}
		if (strncmp(arg, "--socket", 8) == 0 &&
		    (arg[8] == '\0' || arg[8] == '=')) {
			if (arg[8] == '=')
				o->socket = arg + 9;
			else if (a + 1 < argc)
				o->socket = argv[++a];
			else
				return usage_error(_("--socket needs a socket path"));
			continue;
		}
		eq = strchr(arg, '=');
		nlen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		for (i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
			if (strlen(opt_defs[i].name) == nlen &&
			    strncmp(opt_defs[i].name, arg, nlen) == 0)
				break;
		/* lobbyctl's own (a flag is only seen), or desk.c's: each
		   read the same way from here on */
		if (i < sizeof(opt_defs) / sizeof(opt_defs[0])) {
			o->seen |= opt_defs[i].bit;
			name = opt_defs[i].name;
			flag = opt_defs[i].value == 0;
			slot = flag ? NULL :
			    (const char **)((char *)o + opt_defs[i].value);
		} else if ((d = desk_opt_find(arg, nlen, &flag)) != -1) {
			o->seen |= O_DESK;
			name = desk_opt_name(d);
			slot = &o->desk[d];
		} else {
			return usage_error(_("unknown option %s"), arg);
		}
		if (flag && eq != NULL)
			return usage_error(_("%s takes no value"), name);
		if (flag)
			val = "";
		else if (eq != NULL)
			val = eq + 1;
		else if (a + 1 < argc)
			val = argv[++a];
		else
			return usage_error(_("%s needs a value"), name);
		if (slot != NULL)
			*slot = val;
	}
	return 0;
}

/* The command named by the first words, and for SHOW_DESK desk.c's row;
   an exit status if none fits. */
int
cmdline_find(const struct opts *o, const struct cmd_def **out,
    const struct desk_cmd **deskp)
{
	static struct cmd_def desk_def;
	const struct cmd_def *c = NULL;
	size_t i, nwords;
	unsigned extra;
	int rc;

	if (o->npos == 0)
		return usage_error(_("no command given"));
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
		const struct desk_cmd *dc = desk_find(o->pos, o->npos, o->desk, &rc);

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
				return usage_error(_("ticket: what to do? (show, "
				    "start, note, done, open)"));
			return usage_error(_("ticket: unknown command \"%s\""),
			    o->pos[1]);
		}
		if (strcmp(o->pos[0], "booking") == 0) {
			if (o->npos < 2)
				return usage_error(_("booking: what to do? (add, "
				    "list, cancel)"));
			return usage_error(_("booking: unknown command \"%s\""),
			    o->pos[1]);
		}
		if (strcmp(o->pos[0], "card") == 0 || strcmp(o->pos[0], "lane") == 0 ||
		    strcmp(o->pos[0], "alert") == 0) {
			if (o->npos < 2)
				return usage_error(_("%s: what to do? (%s)"),
				    o->pos[0], o->pos[0][0] == 'c' ?
				    "add, remove, list" : o->pos[0][0] == 'l' ?
				    "open" : "ack");
			return usage_error(_("%s: unknown command \"%s\""),
			    o->pos[0], o->pos[1]);
		}
		return usage_error(_("unknown command \"%s\""), o->pos[0]);
	}
	nwords = strchr(c->name, ' ') != NULL ? 2 : 1;
	if ((size_t)o->npos < nwords + (size_t)c->nargs) {
		switch (c->what) {
		case SHOW_CARD_ADD:
		case SHOW_CARD_REMOVE:
			return usage_error(_("%s: which card? (a UID)"), c->name);
		case SHOW_CARD_IMPORT:
			return usage_error(_("%s: which file? (CSV)"), c->name);
		case SHOW_LANE_OPEN:
			return usage_error(_("%s: which lane, and entry or exit?"),
			    c->name);
		case SHOW_TICKET_NOTE:
			return usage_error(_("%s: which ticket, and what note?"),
			    c->name);
		case SHOW_TICKET:
		case SHOW_TICKET_START:
		case SHOW_TICKET_DONE:
			return usage_error(_("%s: which ticket? (its number)"),
			    c->name);
		case SHOW_ICOM_RELEASE:
			return usage_error(_("%s: which station?"), c->name);
		case SHOW_ALERT_ACK:
			return usage_error(_("%s: which alert? (its ID)"), c->name);
		case SHOW_BOOKING_CANCEL:
			return usage_error(_("%s: which booking? (its ID)"), c->name);
		default:
			return usage_error(_("%s: missing argument"), c->name);
		}
	}
	/* "ticket done ID" may take one more word: the closing note. */
	nwords += (size_t)c->nargs + (c->what == SHOW_TICKET_DONE ? 1 : 0);
	if ((size_t)o->npos > nwords)
		return usage_error(_("%s: unexpected argument \"%s\""), c->name,
		    o->pos[nwords]);
found:
	extra = o->seen & ~c->allowed;
	if (extra == O_DESK) {
		for (i = 0; i < DO_COUNT && o->desk[i] == NULL; i++)
			;
		return usage_error(_("%s: %s does not apply here"), c->name,
		    desk_opt_name((enum desk_opt)i));
	}
	if (extra != 0) {
		extra &= ~(unsigned)O_DESK;
		for (i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
			if (extra & opt_defs[i].bit)
				break;
		return usage_error(_("%s: %s does not apply here"), c->name,
		    opt_defs[i].name);
	}
	*out = c;
	return 0;
}

void
cmdline_desk_opts(const struct opts *o, const char *dv[DO_COUNT])
{
	memcpy(dv, o->desk, DO_COUNT * sizeof(dv[0]));
	for (size_t i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
		if (opt_defs[i].desk != 0 && (o->seen & opt_defs[i].bit))
			dv[opt_defs[i].desk - 1] = opt_defs[i].value == 0 ?
			    "" : *(const char *const *)((const char *)o +
			    opt_defs[i].value);
}
