/*
 * Inside lobbyctl's front-desk commands: the shape of a row of desk.c's
 * table (what a command sends, how each option is checked, how its reply is
 * shown), read by desk_args.c and desk_show.c.
 */
#ifndef LOBBYCTL_DESK_INT_H
#define LOBBYCTL_DESK_INT_H

#include <stdbool.h>

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
#define PHONE_MAX_B	40	/* with blanks, '-' and brackets */
#define NARGS_MAX	20

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
	S_SHIFT, S_HANDOVER, S_SHIFTS, S_IDCARD, S_RAISED, S_VISITS,
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

#endif
