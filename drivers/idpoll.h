/*
 * The poll cycle of a desk identity card reader (drivers/idcard.h): find a
 * card, select it, read its base information, once per presentation; then
 * wait for it to leave. Pure: the caller writes the requests it is handed
 * and feeds back the bytes it reads, with the time; reader.c does the I/O.
 */
#ifndef LOBBYD_IDPOLL_H
#define LOBBYD_IDPOLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idcard.h"
#include "msg.h"

#define IDPOLL_EVERY_NS		(250 * 1000000LL)	/* a find this often */
#define IDPOLL_REPLY_NS		(500 * 1000000LL)	/* find and select */
#define IDPOLL_READ_NS		(2500 * 1000000LL)	/* 1.3 KB at 9600 baud */
#define IDPOLL_MISSES		3	/* unanswered requests in a row: silent */

/* What the cycle tells its caller. */
struct idpoll_out {
	void	*arg;
	/* A read ended: info, or error (the card left mid-read, ...). */
	void	(*read)(void *arg, const struct idcard_info *, const char *error,
		    int64_t t_ns);
	/* Bytes that were not a good frame. */
	void	(*reject)(void *arg, enum msg_reject_kind, uint32_t bytes,
		    const char *why);
	/* The reader answers again, or has stopped answering (why). */
	void	(*answering)(void *arg, bool yes, const char *why);
};

enum idpoll_phase { IDP_IDLE, IDP_FIND, IDP_SELECT, IDP_READ };

/* State; callers allocate it, idpoll.c owns the fields. */
struct idpoll {
	struct idcard_rx	rx;
	enum idpoll_phase	phase;		/* the request awaiting a reply */
	enum idcard_cmd		want;		/* idle: the next request */
	int64_t			due_ns;		/* idle: when to send it; else
						   the reply's deadline */
	int			misses;		/* unanswered, in a row */
	int			heard;		/* -1 not yet known, 0 silent,
						   1 answering */
	bool			present;	/* this card was read: wait
						   for it to leave */
};

void	idpoll_init(struct idpoll *, int64_t now_ns);
/* Bytes read from the port at now_ns. */
void	idpoll_feed(struct idpoll *, const uint8_t *, size_t, int64_t now_ns,
	    const struct idpoll_out *);
/*
 * What is due at now_ns: a request to write goes in req (its length in
 * *reqlen, 0 if none). Returns when to be called again (CLOCK_MONOTONIC).
 */
int64_t	idpoll_step(struct idpoll *, int64_t now_ns,
	    uint8_t req[IDCARD_REQUEST_LEN], size_t *reqlen, const struct idpoll_out *);

#endif
