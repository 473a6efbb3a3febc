/*
 * Inside lobbyctl: what the command line (lobbyctl.c), the connection to
 * lobbyd (conn.c) and the showing of replies (show.c) share.
 */
#ifndef LOBBYCTL_INT_H
#define LOBBYCTL_INT_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#include "format.h"
#include "i18n.h"

#define EXIT_REFUSED	1	/* lobbyd said no, or answered nonsense */
#define EXIT_USAGE	2
#define EXIT_CONNECT	3
#define EXIT_NOT_OK	1	/* devices --check: some device is not OK */

#define LIMIT_MAX	10000000	/* events --limit: lobbyd's most */

/* "lobbyctl: " and the message on stderr. */
void	lobbyctl_say(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	lobbyctl_vsay(const char *fmt, va_list ap)
	    __attribute__((format(printf, 1, 0)));
/* The same, then how the command is used (usage(stderr)): EXIT_USAGE, for
 * a mistake in the command line's shape. */
int	lobbyctl_usage_error(void (*usage)(FILE *), const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* rc, or EXIT_REFUSED when what went to stdout could not all be written (a
 * closed pipe, a full disk) and nothing else failed. */
int	lobbyctl_flushed(int rc);

/* What was asked, and how its reply is shown. */
enum show_what { SHOW_STATUS, SHOW_EVENTS, SHOW_DEVICES, SHOW_ALERTS,
	SHOW_CARD_ADD, SHOW_CARD_REMOVE, SHOW_CARD_LIST, SHOW_CARD_IMPORT,
	SHOW_LANE_OPEN,
	SHOW_STATS, SHOW_FIRE, SHOW_FIRE_RESET,
	SHOW_TICKETS, SHOW_TICKET_SUMMARY, SHOW_TICKET, SHOW_TICKET_START,
	SHOW_TICKET_NOTE, SHOW_TICKET_DONE, SHOW_TICKET_OPEN, SHOW_DEVICES_CHECK,
	SHOW_ICOM_LIST, SHOW_ICOM_RELEASE, SHOW_ALERT_ACK,
	SHOW_DESK,	/* desk.c's commands: the row of its table says which */
	SHOW_ELEV_LIST, SHOW_BOOKING_ADD, SHOW_BOOKING_LIST, SHOW_BOOKING_CANCEL,
	SHOW_EVENTS_EXPORT };

/*
 * The reply's data on stdout: tables, "key: value" lines or, with json, JSON.
 * follow: the table is kept in *tablep for the updates to come (the caller
 * frees it). all: alerts with their CLEARED column (--all or --follow).
 * 0, or an exit status after saying what was wrong.
 */
int	show_reply(enum show_what what, bool json, bool follow, bool all,
	    struct json_object *data, struct fmt_table **tablep);
/* request.c: operator text for lobbyd, checked (not blank unless
 * may_be_empty, at most max bytes, clean UTF-8): 0, or EXIT_USAGE, said. */
int	lobbyctl_text_ok(const char *what, const char *val, size_t max,
	    bool may_be_empty);

/* A field of an object lobbyd sent; NULL when absent or null. */
struct json_object *show_jval(struct json_object *, const char *key);
/* Fields of an object lobbyd sent, absent ones empty, 0 or false. */
const char *show_jstr(struct json_object *, const char *key);
int64_t	show_jint(struct json_object *, const char *key);
bool	show_jbool(struct json_object *, const char *key);
/* A word lobbyd sends (a device's kind or state, as engine/kind.c and each
 * kind's state_name name them; a severity, an urgency; a key of status and
 * stats) in the user's language; a word lobbyctl does not know as sent. */
const char *show_word(const char *word);
/* The object as one line of JSON on stdout. */
void	show_json(struct json_object *);
/* Whether a reply's data is an object, or a list of objects; if not, after
 * saying so. */
bool	show_data_is_object(struct json_object *data);
bool	show_data_is_list(struct json_object *data);
/* show_icom.c: the intercom replies (intercom, intercom release), not
 * --json. */
int	show_icom(enum show_what what, struct json_object *data);
/* show_elev.c: the elevator replies (elevators, booking add|list|cancel),
 * not --json. */
int	show_elev(enum show_what what, struct json_object *data);
/*
 * A list that lobbyd sends in pages (events), printed as the pages come:
 * add each page's data (a list of objects; at most max rows of it shown;
 * last: no page follows), then end. table: the layout the rows went out
 * in, for the updates of a follow; the caller frees it.
 */
struct show_pager {
	enum show_what	what;
	bool		json, follow;
	bool		started;	/* the table's header is out */
	size_t		shown;		/* rows printed */
	struct fmt_table *table;
};
void	show_pager_init(struct show_pager *, enum show_what, bool json,
	    bool follow);
int	show_pager_add(struct show_pager *, struct json_object *data,
	    size_t max, bool last);
int	show_pager_end(struct show_pager *);
/* One update of a followed reply: a row of t, or a line of JSON. */
void	show_update(enum show_what what, bool json, struct fmt_table *t,
	    struct json_object *item);

/* tickets.c: the ticket commands and devices --check. */
struct ticket_opts {
	const char	*source, *title, *date;	/* NULL: not given */
	bool		urgent, all;
};
/* The "args" for what; words are those after the command's name. 0, or an
   exit status after saying what was wrong. */
int	tickets_args(enum show_what what, const char *const *words, int nwords,
	    const struct ticket_opts *, struct json_object *args);
/* The reply shown; 0, or an exit status (devices --check: EXIT_NOT_OK). */
int	tickets_show(enum show_what what, bool json, struct json_object *data);

/*
 * desk.c: the front-desk commands (people, passes, visitors, permits,
 * contractors, the watch list, who is inside, the shift log). Their options
 * by index; lobbyctl.c reads them into a "const char *[DO_COUNT]", NULL for
 * one not given, "" for a flag given.
 */
enum desk_opt {
	DO_KIND, DO_NAME, DO_ID_TYPE, DO_ID, DO_COMPANY, DO_UNIT, DO_SCHEDULE,
	DO_PERSON, DO_CARD, DO_LANES, DO_FLOORS, DO_SINGLE, DO_HOST_UNIT,
	DO_HOST, DO_CLASS, DO_PURPOSE, DO_PARTY, DO_APPOINTMENT, DO_CATEGORY,
	DO_OVERRIDE, DO_TODAY, DO_DAYS, DO_HOURS, DO_FLOOR, DO_PAID, DO_PERMIT,
	DO_ZONE, DO_CSV, DO_ID_FROM, DO_TO, DO_TEXT, DO_SEVERITY, DO_TOKEN,
	DO_PHONE, DO_HOST_REASON,
	/* read by lobbyctl.c's own table, handed on */
	DO_FROM, DO_UNTIL, DO_REASON, DO_NOTE, DO_SINCE, DO_ALL, DO_FIND,
	DO_WORD,	/* the word after the command's name: ID or TEXT */
	DO_COUNT
};
struct desk_cmd;
/* The desk-only option called name (nlen bytes): its DO_* and whether it
   is a flag; -1 when there is none. */
int	desk_opt_find(const char *name, size_t nlen, bool *flag);
const char *desk_opt_name(enum desk_opt);
/* The desk command the words name, its arguments counted: the row, or NULL
   with *rc 0 (not a desk command) or an exit status after saying why. */
const struct desk_cmd *desk_find(const char *const *words, int nwords,
	    const char *const *opts,
	    int *rc);
const char *desk_name(const struct desk_cmd *);	/* "person add" */
const char *desk_wire(const struct desk_cmd *);	/* "person.add" */
/* desk_args.c: the "args" from the options (and the word in opt[DO_WORD]);
   0, or an exit status after saying what was wrong. */
int	desk_args(const struct desk_cmd *, const char *const *opt,
	    struct json_object *args);
/* desk_show.c: the reply shown: 0, or an exit status. csv: inside --csv. */
int	desk_show(const struct desk_cmd *, bool json, bool csv,
	    struct json_object *data);

/*
 * secret.c: one line of standard input, for option label's "-" (an ID
 * number), into out (len bytes with its NUL), the line end dropped. On a
 * terminal, prompt is said on stderr and the typing is not echoed; the
 * terminal is put back however lobbyctl ends. 0, or an exit status, said.
 */
int	secret_read(const char *label, const char *prompt, char *out, size_t len);

/* One connection to lobbyd and the bytes read from it; private to conn.c. */
struct conn {
	int		fd;
	const char	*path;
	char		*buf;		/* CTL_REPLY_MAX + 1 */
	size_t		len;
	size_t		used;		/* bytes of the last line handed out */
	sigset_t	waitmask;	/* signals let in while waiting */
};

/*
 * Connects to lobbyd's socket at path. follow: SIGINT and SIGTERM end the
 * wait for lobbyd instead of lobbyctl. 0, or an exit status after saying why.
 */
int	conn_open(struct conn *, const char *path, bool follow);
void	conn_close(struct conn *);
/*
 * Sends req and reads lobbyd's answer. 0 when lobbyd said ok: *reply is the
 * answer (the caller puts it) and *data its "data" (NULL if none); 0 with
 * *reply NULL when SIGINT or SIGTERM came first; else an exit status, said.
 */
/* import.c: card import FILE over conn; 0 or an exit status, said. */
int	card_import(struct conn *, const char *path, bool json);
/*
 * One batch of an import (cmd: card.import, tenant.import) named name,
 * rows (given away), done on the last: as conn_request().
 */
int	import_send(struct conn *, const char *cmd, const char *name,
	    struct json_object *rows, bool done, struct json_object **reply,
	    struct json_object **data);
int	conn_request(struct conn *, struct json_object *req,
	    struct json_object **reply, struct json_object **data);
/*
 * The same, for the next page of a list. Printing a page can wait on its
 * reader (a pager) longer than lobbyd keeps an idle connection; when lobbyd
 * closed it for that, the page is asked for again on a new connection (a
 * page request changes nothing).
 */
int	conn_request_page(struct conn *, struct json_object *req,
	    struct json_object **reply, struct json_object **data);
/*
 * The pages after first (a reply with "more") asked for with req, whose
 * args get each page's "after", and their rows added to all, first's data
 * (a list; anything else is left alone): 0 or an exit status, said.
 */
int	conn_gather_pages(struct conn *, struct json_object *req,
	    struct json_object *args, struct json_object *first,
	    struct json_object *all);
/*
 * req on a connection of its own to path, closed again, and for a list in
 * pages every page after the first gathered into *data (req's args get the
 * "after"): as conn_request().
 */
int	conn_ask(const char *path, struct json_object *req,
	    struct json_object *args, struct json_object **reply,
	    struct json_object **data);
/* The socket to use: given (--socket) when set, else $LOBBYD_SOCKET, else
 * the default. */
const char *conn_socket_path(const char *given);
/*
 * The updates lobbyd pushes after a followed reply, shown in t, until it
 * closes or SIGINT or SIGTERM comes: 0, or an exit status.
 */
int	conn_follow(struct conn *, enum show_what what, bool json,
	    struct fmt_table *t);

/*
 * events.c. events_list: req ("events") and the pages after it until its
 * "limit" (100 when absent) is shown or lobbyd has no more; follow: then
 * the updates. events_export: req ("events.export"), the events it names
 * as CSV into the file out (NULL: standard output), then recorded as
 * exported. 0, or an exit status after saying what was wrong.
 */
int	events_list(struct conn *, struct json_object *req, bool json,
	    bool follow);
int	events_export(struct conn *, struct json_object *req, const char *out);
/* users.c: "user add NAME --role ROLE", whole: an exit status. */
int	users_main(int argc, char **argv);
/* tenants.c: "tenant ..." (the tenant directory), whole: an exit status. */
int	tenants_main(int argc, char **argv);

#endif
