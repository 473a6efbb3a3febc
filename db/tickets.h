/*
 * Repair tickets as the store keeps them: the records, the request a ticket
 * operation carries (store_req.in.ticket) and the words used for states,
 * urgencies and note actions. The SQL is in db/tickets.c.
 */
#ifndef LOBBYD_TICKETS_H
#define LOBBYD_TICKETS_H

#include <stdbool.h>
#include <stdint.h>

#define TICKET_TITLE_MAX	128	/* bytes with the NUL */
#define TICKET_TEXT_MAX		256

/* One repair ticket. Strings are NUL-terminated, empty when absent. */
struct ticket_rec {
	int64_t	id;
	int64_t	opened_ms;
	int64_t	updated_ms;	/* of the last note */
	int64_t	closed_ms;	/* 0 until done */
	int64_t	alert_id;	/* the alert that opened it; 0 when opened by hand */
	char	source[32];	/* device or lane name, or "site" */
	char	kind[24];	/* the alert's kind; "manual" when opened by hand */
	char	title[TICKET_TITLE_MAX];
	char	urgency[8];	/* "urgent" or "normal" */
	char	state[12];	/* "open", "in_progress" or "done" */
	char	opened_by[32];	/* the user, or "lobbyd" for an alert */
};

/* Who changed what and when: every change to a ticket is one note. */
struct ticket_note {
	int64_t	id;
	int64_t	ticket;
	int64_t	ts_ms;
	char	actor[32];	/* the user, or "lobbyd" */
	char	action[16];	/* "opened", "raised_again", "cleared", "started",
				   "note", "done" */
	char	text[TICKET_TEXT_MAX];
};

/* A daily summary's header. */
struct ticket_summary {
	int64_t	id;
	int64_t	made_ms;
	int64_t	since_ms;	/* made_ms of the summary before it; 0: none */
	char	day[12];	/* "YYYY-MM-DD", the local day it is for */
	bool	late;		/* made at start: lobbyd was not running at the time */
	int	nopen, nurgent, nopened, nclosed;
};

/* One line of a summary: a ticket as it was when the summary was made. */
struct ticket_item {
	char	section[8];	/* "open" (unfinished), "opened" or "closed"
				   (since the summary before) */
	int	age_days;	/* whole days from opened to the summary */
	struct ticket_rec t;
};

enum ticket_result {
	TICKET_OK,
	TICKET_NONE,		/* no ticket with that id */
	TICKET_ILLEGAL,		/* the change does not apply in its state */
};

/*
 * What a ticket operation carries in, and its results besides rows, status
 * and found (see enum store_op for which fields each one reads).
 */
struct ticket_in {
	int64_t		id;		/* the ticket */
	int64_t		ts_ms;		/* when the change happened */
	char		actor[32];
	char		action[16];	/* STORE_TICKET_UPDATE: "start", "note", "done" */
	char		text[TICKET_TEXT_MAX];
	bool		all;		/* STORE_TICKET_LIST: done ones too */
	struct ticket_rec rec;		/* in: a new ticket; out: the ticket now */
	struct ticket_summary sum;	/* in: day (made_ms, late); out: header */
	enum ticket_result result;	/* out: STORE_TICKET_UPDATE */
};

#endif
