/*
 * Card frames from serial readers: a streaming parser for EM4100 (RDM6300)
 * and Wiegand-to-ASCII frames, and the visitor codes of QR scanners. Pure:
 * no I/O, no clock reads; the time of every chunk of bytes is passed in.
 */
#ifndef LOBBYD_CARDFMT_H
#define LOBBYD_CARDFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../config/config.h"
#include "msg.h"

/* A partial frame with no new byte for this long is discarded. At 9600
 * baud a whole EM4100 frame takes about 15 ms. */
#define CARDFMT_STALE_NS	(50 * 1000000LL)
/* The same card read again within this long of its last read is the same
 * presentation: RDM6300 readers repeat the frame while a card is held. */
#define CARDFMT_HOLDOFF_NS	(1000 * 1000000LL)
/* Longest Wiegand ASCII line kept; longer is REJECT_OVERLONG. A QR line
 * longer than a visitor code (MSG_UID_MAX - 1) is REJECT_OVERLONG too. */
#define CARDFMT_LINE_MAX	64

enum cardfmt_kind { CARDFMT_CARD, CARDFMT_REJECT };

/* One thing the parser found, handed to the caller's callback. */
struct cardfmt_result {
	enum cardfmt_kind	kind;
	enum msg_reject_kind	reject;		/* CARDFMT_REJECT only */
	uint32_t		bytes;		/* bytes of the frame, or discarded */
	int64_t			t_ns;		/* time of the chunk that ended it */
	char			uid[MSG_UID_MAX];	/* CARDFMT_CARD: upper-case hex;
							   QR: the code, upper-cased */
};

typedef void (*cardfmt_fn)(void *arg, const struct cardfmt_result *);

/* Parser state. Callers allocate it; the fields belong to cardfmt.c. */
struct cardfmt {
	enum card_format	format;
	int			state;
	uint8_t			buf[CARDFMT_LINE_MAX];
	size_t			len;		/* bytes held in buf */
	uint32_t		discard;	/* bytes in the run being discarded */
	enum msg_reject_kind	discard_kind;
	bool			skip_lf;	/* an LF now ends no line (after CR) */
	int64_t			last_ns;	/* last byte of the pending frame/run */
	char			last_uid[MSG_UID_MAX];	/* "" if none */
	int64_t			last_uid_ns;	/* last read of last_uid */
};

void	cardfmt_init(struct cardfmt *, enum card_format);

/*
 * Parses len bytes that arrived at now_ns. Calls fn once per card (repeats
 * of the last card within the hold-off are suppressed) and once per reject,
 * in order. Returns the number of calls made.
 */
int	cardfmt_feed(struct cardfmt *, const uint8_t *buf, size_t len,
	    int64_t now_ns, cardfmt_fn fn, void *arg);

/* Discards a partial frame or run of noise that has been idle past the
 * inter-byte timeout at now_ns, as a reject. Returns the calls made (0/1). */
int	cardfmt_expire(struct cardfmt *, int64_t now_ns, cardfmt_fn fn, void *arg);

/* Discards whatever is pending, at once (the port closed). Returns 0/1. */
int	cardfmt_flush(struct cardfmt *, int64_t now_ns, cardfmt_fn fn, void *arg);

/* When cardfmt_expire() has work to do; INT64_MAX if nothing is pending. */
int64_t	cardfmt_deadline(const struct cardfmt *);

/* True while a partial frame or a run of noise is held. */
bool	cardfmt_is_pending(const struct cardfmt *);

#endif
