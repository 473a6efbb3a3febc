/*
 * Inside the control server: what the socket side (control.c, ctl_client.c,
 * ctl_admit.c) and the commands (ctl_cmds.c's table, the ctl_*.c files)
 * share. Not for the rest of lobbyd: see engine.h.
 */
#ifndef LOBBYD_CONTROL_INT_H
#define LOBBYD_CONTROL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "ctl_limit.h"
#include "jbuf.h"
#include "../engine/engine.h"
#include "../config/roles.h"

struct ctl_client {
	struct ev_handler	h;		/* first: epoll hands it back */
	struct ctl_server	*srv;
	uid_t			uid;
	pid_t			pid;		/* at connect, for the log */
	char			user[32];	/* the actor of the request being run:
						   the peer, or the web user it acts
						   as (ctl_web_as) */
	unsigned		roles;		/* ROLE_* bits, from its groups at connect,
						   or the web user's role */
	char			peer_user[32];	/* who connected, and their roles */
	unsigned		peer_roles;
	bool			privileged;	/* manager, root or lobbyd: may take
						   the reserve (ctl_limit.h) */
	char			*in;
	size_t			inlen;
	struct jbuf		out;		/* replies waiting to be sent */
	bool			busy;		/* a store request is in flight */
	bool			dead;		/* socket closed; freed when not busy */
	bool			eof;		/* peer sends no more; replies still go */
	uint32_t		armed;		/* epoll events registered now */
	bool			wants_follow;	/* asked to, with the request in flight */
	bool			follow_events, follow_alerts;
	bool			follower;	/* counted among the followers: it
						   follows, or asked to */
	int64_t			active_ns;	/* last request taken or answered
						   (mono_ns); idle from then */
	char			follow_lane[32];	/* "": every lane */
	char			follow_card[32];	/* "": every card */
	int64_t			follow_person;		/* 0: anyone */
	struct ctl_client	*next;
};

struct ctl_server {
	struct ev_handler	h;
	struct engine		*e;
	char			path[108];
	struct ctl_client	*clients;
	bool			closing;	/* no new requests: lobbyd is stopping */
	struct ctl_import	*import;	/* the card import under way (one) */
	struct ctl_timport	*timport;	/* the tenant import under way (one) */
	struct engine_sub	sub;		/* followers hear the engine through it */
	struct ctl_reflog	refusals;	/* who was turned away, for the log */
	struct ctl_websess	*websess;	/* web users logged in (ctl_web.c) */
	size_t			nwebsess;
};

/* ctl_client.c: replies (each takes the JSON it is given) and store requests. */
void	ctl_reply_ok(struct ctl_client *, json_object *data);
/* A reply line already written out as JSON (without its newline). */
void	ctl_reply_raw(struct ctl_client *, const char *line, size_t len);
/* A reply line written into b (jbuf.h), or "what: out of memory" when it
 * could not be; b is freed. */
void	ctl_reply_jb(struct ctl_client *, struct jbuf *b, const char *what);
/* One page of a list (ctl.h): more is the cursor of the next, NULL none. */
void	ctl_reply_page(struct ctl_client *, json_object *data, const char *more);
void	ctl_reply_err(struct ctl_client *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * A row of a list as JSON, for ctl_reply_array(): row points at one element
 * of the list; NULL leaves the row out (one the client may not see).
 */
typedef json_object	*ctl_row_fn(struct ctl_client *, const void *row);
/* An array of the n rows (each size bytes) at rows; ctl_reply_array()
 * replies with it. */
json_object *ctl_rows_json(struct ctl_client *, const void *rows, size_t n,
	    size_t size, ctl_row_fn *row);
void	ctl_reply_array(struct ctl_client *, const void *rows, size_t n,
	    size_t size, ctl_row_fn *row);
/*
 * The reply to a completed store request that lists rows: "what: error"
 * (just the error when what is NULL) when it failed, else its rows, each
 * size bytes, through row. The caller finishes the request. true: the rows
 * were sent.
 */
bool	ctl_reply_rows(struct ctl_client *, const struct store_req *, const char *what,
	    size_t size, ctl_row_fn *row);
/* NULL (error sent) when out of memory; the client is req's arg. */
struct store_req *ctl_req_new(struct ctl_client *, enum store_op,
	    void (*done)(struct store_req *, void *));
/* The client takes no other request until ctl_req_finish(). */
void	ctl_req_submit(struct ctl_client *, struct store_req *);
/* The two in one: a request for op with a copy of in, submitted. false:
 * none (out of memory; the error is sent). */
bool	ctl_request(struct ctl_client *, enum store_op,
	    void (*done)(struct store_req *, void *), const union store_in *in);
/* Common ending of a store completion: free, then go on with the client. */
void	ctl_req_finish(struct ctl_client *, struct store_req *);
/*
 * ctl_admit.c, for a request that asks to follow: true when the client may,
 * and is counted among the followers from now on (back among the others if
 * its request ends without following); false when the user's or everyone's
 * followers are too many: the reply, saying so, is sent.
 */
bool	ctl_follow_admit(struct ctl_client *);

/* ctl_cmds.c: the table of commands; each command is one of these. */
typedef void	ctl_cmd_fn(struct ctl_client *, json_object *args);

/*
 * ctl_cmds.c: arguments, the same rules for every command. Each getter
 * returns 1 found and right, 0 absent (an error, already sent, when
 * required), -1 wrong (error sent). Text with a control character is
 * refused: it goes to the log, the database and the guards' screens.
 */
int	ctl_arg_str(struct ctl_client *, json_object *args, const char *k,
	    char *out, size_t len, bool required);
int	ctl_arg_int(struct ctl_client *, json_object *args, const char *k,
	    int64_t *out, int64_t min, int64_t max);
int	ctl_arg_bool(struct ctl_client *, json_object *args, const char *k, bool *out);
/* The same, required: 1, or -1 (error sent; absent: "k is required"). */
int	ctl_arg_int_required(struct ctl_client *, json_object *args, const char *k,
	    int64_t *out, int64_t min, int64_t max);
/* A required id, 1 or more: 1, or -1 (error sent; below 1: "k must be
 * what"). */
int	ctl_arg_id(struct ctl_client *, json_object *args, const char *k,
	    int64_t *out, const char *what);
/* A list of at most max items, null not taken for absent: *out the list
 * or NULL; -1 when it is something else ("k must be a list of at most
 * max k" sent). */
int	ctl_arg_list(struct ctl_client *, json_object *args, const char *k,
	    int max, json_object **out);
/* "find" of a list: printable text, not blank, at most len - 1 bytes; a
 * refusal says which character is wrong and where, and that what (words:
 * "part of a holder's name") was expected. 1, 0 absent, -1 (error sent). */
int	ctl_arg_find(struct ctl_client *, json_object *args, char *out,
	    size_t len, const char *what);
/* Only the arguments a command knows: false (error sent) on any other. */
bool	ctl_args_known(struct ctl_client *, json_object *args, const char *const *known);
/* Reply fields: text (empty stays empty), integers, true/false. */
void	ctl_add_str(json_object *, const char *k, const char *v);
void	ctl_add_int(json_object *, const char *k, int64_t v);
void	ctl_add_bool(json_object *, const char *k, bool v);

/*
 * What a reply shows of a record, as a list of its fields: each one's key,
 * where it is in the record and its C type (a char array is text). The list
 * is also the record's gate: a field not named (a document's hash) never
 * leaves lobbyd. CTL_FIELD(rec, f) shows field f of struct rec under its own
 * name, CTL_FIELD_AS under another; CTL_FIELDS ends the list.
 */
enum ctl_field_type { CF_I64, CF_INT, CF_BOOL, CF_TEXT };

struct ctl_field {
	const char	*key;
	enum ctl_field_type type;
	size_t		off;
};

#define CTL_FIELD_TYPE(field)	_Generic((field), \
	int64_t: CF_I64, int: CF_INT, bool: CF_BOOL, char *: CF_TEXT)
#define CTL_FIELD_AS(rec, f, key) \
	{ key, CTL_FIELD_TYPE(((struct rec *)0)->f), offsetof(struct rec, f) }
#define CTL_FIELD(rec, f)	CTL_FIELD_AS(rec, f, #f)
#define CTL_FIELDS(...)	((const struct ctl_field[]){ __VA_ARGS__, { .key = NULL } })

/* The fields of rec, in the list's order, added to o; o. */
json_object	*ctl_add_fields(json_object *o, const void *rec,
		    const struct ctl_field *fields);
/* The same into a new object. */
json_object	*ctl_fields_json(const void *rec, const struct ctl_field *fields);
/* The command called NAME, or NULL; *roles: the ROLE_* bits that may use
 * it, or ROLE_EVERYONE (each row of the table states them). */
ctl_cmd_fn	*ctl_cmd_find(const char *name, unsigned *roles);

/* ctl_status.c: "status", "stats"; ctl_devices.c: "devices". */
ctl_cmd_fn	ctl_cmd_status, ctl_cmd_stats, ctl_cmd_devices;
/*
 * ctl_devices.c: the reply to a list of the devices of one kind, or of
 * every kind (CTL_ALL_KINDS); such a list takes no arguments. Each device's
 * row starts with its name, and row adds the rest; known says the device
 * answers and its status has been read.
 */
#define CTL_ALL_KINDS	(-1)
typedef void	ctl_dev_row_fn(struct ctl_client *, int d, const struct device_conf *,
		    const struct dev_state *, bool known, json_object *o);
void	ctl_list_kind(struct ctl_client *, json_object *args, int kind,
	    ctl_dev_row_fn *row);
/* ctl_events.c: the event log (events, events.export, events.export.done);
 * an event's JSON (ctl.h "event"; pages and followers) written into b, and
 * its reason in words (or ""); whether a follower of the log is to be sent
 * ev. */
ctl_cmd_fn	ctl_cmd_events, ctl_cmd_events_export, ctl_cmd_events_export_done;
void	ctl_event_jb(struct jbuf *b, const struct ev_rec *);
const char	*ctl_event_reason_text(const struct ev_rec *);
bool	ctl_follows_event(const struct ctl_client *, const struct ev_rec *);
/* ctl_alerts.c: "alerts", and an alert's JSON (listings and followers). */
ctl_cmd_fn	ctl_cmd_alerts;
json_object	*ctl_alert_json(const struct alert_rec *);
/* ctl_cards.c: card.add, card.remove, card.list. */
ctl_cmd_fn	ctl_cmd_card_add, ctl_cmd_card_remove, ctl_cmd_card_list;
/* ctl_lane.c: lane.open. */
ctl_cmd_fn	ctl_cmd_lane_open;

/* ctl_fire.c: "fire", "fire.reset", and the mode in words for "status". */
ctl_cmd_fn	ctl_cmd_fire, ctl_cmd_fire_reset;
const char	*ctl_fire_mode_word(const struct engine *);
/* ctl_tickets.c: repair tickets; devcheck.c: the start-of-shift check. */
ctl_cmd_fn	ctl_cmd_tickets, ctl_cmd_tickets_summary, ctl_cmd_ticket_show,
		ctl_cmd_ticket_start, ctl_cmd_ticket_note, ctl_cmd_ticket_done,
		ctl_cmd_ticket_open, ctl_cmd_devices_check;
/* ctl_elev.c: elevators.list and the freight bookings. */
ctl_cmd_fn	ctl_cmd_elev_list, ctl_cmd_booking_add, ctl_cmd_booking_list,
		ctl_cmd_booking_cancel;
/* ctl_icom.c: intercom.list, intercom.release. */
ctl_cmd_fn	ctl_cmd_icom_list;
ctl_cmd_fn	ctl_cmd_icom_release;
/* ctl_admit.c: does the client hold one of these roles (ROLE_* bits)?
 * ROLE_EVERYONE: any client does. */
bool	ctl_has_role(const struct ctl_client *, unsigned roles);
/* ctl_alerts.c: is the alert routed to the client's roles? */
bool	ctl_sees_alert(const struct ctl_client *, const struct alert_rec *);
/* ctl_cards.c: a card uid as lobbyd keeps them: 4 or more upper-case hex
 * digits; a card change in the log of events, by the client's user. */
bool	ctl_card_uid_valid(const char *uid);
void	ctl_card_audit(struct ctl_client *, const char *kind, const char *uid,
	    const char *detail);
/* ctl_import.c: card.import, and an import's end when its client goes. */
ctl_cmd_fn	ctl_cmd_card_import;
void	ctl_import_client_gone(struct ctl_client *);
/*
 * What every import (card.import, tenant.import) begins with: the client
 * that sends it, one at a time, and the file's name as lobbyctl gave it.
 */
struct ctl_import_head {
	struct ctl_client	*owner;
	char			file[64];
};
/*
 * A batch of an import of what: only "rows", "file" and "done", the last
 * two into file and *done, and no import under way (running, NULL: none)
 * by another client: 0, or -1 with the error sent. "rows" is the caller's.
 */
int	ctl_import_args(struct ctl_client *, json_object *args, const char *what,
	    const struct ctl_import_head *running, char *file, size_t len,
	    bool *done);
/* A new import by c of file: size bytes zeroed, a struct that begins with
 * its ctl_import_head; NULL with "out of memory" sent. */
void	*ctl_import_new(struct ctl_client *, size_t size, const char *file);
/* Whether the import of what running (NULL: none) is c's, which went away:
 * then said in the log, and the caller ends it. */
bool	ctl_import_orphaned(const struct ctl_import_head *running,
	    const struct ctl_client *c, const char *what);
/* ctl_web.c: web accounts and logins (lobbyweb). ctl_web_as sets the
 * client's user and roles for one request from its "as" (or back to the
 * peer's own): 0, or -1 with the error sent. */
ctl_cmd_fn	ctl_cmd_user_add, ctl_cmd_web_login;
int	ctl_web_as(struct ctl_client *, json_object *req);
/* ctl_alerts.c: alert.ack {id, note?} */
void	ctl_cmd_alert_ack(struct ctl_client *, json_object *args);
void	ctl_cmd_alert_raise(struct ctl_client *, json_object *args);

#endif
