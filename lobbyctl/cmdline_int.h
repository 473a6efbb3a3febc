/*
 * Inside lobbyctl's command line: the options and the commands as
 * cmdline.c reads them, for request.c to build the request from and for
 * lobbyctl.c to send it and show the reply.
 */
#ifndef LOBBYCTL_CMDLINE_INT_H
#define LOBBYCTL_CMDLINE_INT_H

#include <stdbool.h>

#include "lobbyctl_int.h"

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
	O_CARD = 1 << 20, O_FORCE = 1 << 21, O_PERSON = 1 << 22,
	O_OUT = 1 << 23, O_FIND = 1 << 24,
};

#define NPOS_MAX	8

struct opts {
	const char	*socket;
	bool		json;
	unsigned	seen;		/* O_* given */
	const char	*since, *lane, *limit, *holder, *from, *until, *reason;
	const char	*source, *title, *date;
	const char	*note;
	const char	*desk[DO_COUNT];	/* desk.c's; "" a flag given */
	const char	*floors, *unit, *elevator, *card, *person, *out;
	const char	*find;
	const char	*pos[NPOS_MAX];
	int		npos;
};

/* A command of lobbyctl's own table (the front desk's are desk.c's). */
struct cmd_def {
	const char	*name;		/* as typed: "card add" */
	const char	*cmd;		/* on the wire: "card.add" */
	enum show_what	what;
	int		nargs;		/* words after the name */
	unsigned	allowed;
};

/* cmdline.c: argv read into *o; 0, or an exit status after saying what
   was wrong. */
int	cmdline_parse(int argc, char **argv, struct opts *o);
/* The command o names: *out, and for a front-desk command *desk (else
   NULL); 0, or an exit status after saying what was wrong. */
int	cmdline_find(const struct opts *o, const struct cmd_def **out,
	    const struct desk_cmd **desk);
/* devices --check is a request of its own: the start-of-shift check. */
extern const struct cmd_def cmdline_devices_check;
/* The options a front-desk command is handed, desk.c's own and those of
   lobbyctl's table it takes (--from, --until, ...): dv[DO_*], NULL for one
   not given, "" for a flag given. */
void	cmdline_desk_opts(const struct opts *o, const char *dv[DO_COUNT]);

/* request.c: the "args" of the request; 0, or an exit status after saying
   why not. */
int	request_build_args(const struct cmd_def *c, const struct desk_cmd *dc,
	    const struct opts *o, struct json_object *args);

#endif
