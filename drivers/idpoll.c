/*
 * A desk identity card reader's poll cycle (idpoll.h): find, select, read,
 * one request at a time, each with its deadline.
 */
#include <stdio.h>
#include <string.h>

#include "idpoll.h"

void
idpoll_init(struct idpoll *p, int64_t now_ns)
{
	memset(p, 0, sizeof(*p));
	idcard_rx_reset(&p->rx);
	p->phase = IDP_IDLE;
	p->want = IDCARD_FIND;
	p->due_ns = now_ns;
	p->heard = -1;
}

/* The next request: want at when. */
static void
next(struct idpoll *p, enum idcard_cmd want, int64_t when)
{
	p->phase = IDP_IDLE;
	p->want = want;
	p->due_ns = when;
}

static void
heard(struct idpoll *p, bool yes, const char *why, const struct idpoll_out *o)
{
	if (p->heard == (int)yes)
		return;
	p->heard = yes;
	o->answering(o->arg, yes, why);
}

static void
read_failed(struct idpoll *p, const char *why, int64_t now_ns,
    const struct idpoll_out *o)
{
	p->present = false;
	o->read(o->arg, NULL, why, now_ns);
}

/* A whole reply to the request under way. */
static void
reply(struct idpoll *p, const struct idcard_reply *r, int64_t now_ns,
    const struct idpoll_out *o)
{
	struct idcard_info info;
	char err[120], why[160];
	int64_t later = now_ns + IDPOLL_EVERY_NS;

	p->misses = 0;
	heard(p, true, "", o);
	switch (p->phase) {
	case IDP_FIND:
		if (r->sw3 == IDCARD_SW_FOUND && !p->present)
			next(p, IDCARD_SELECT, now_ns);
		else {
			if (r->sw3 != IDCARD_SW_FOUND)
				p->present = false;	/* it has left */
			next(p, IDCARD_FIND, later);
		}
		break;
	case IDP_SELECT:
		next(p, r->sw3 == IDCARD_SW_OK ? IDCARD_READ : IDCARD_FIND,
		    r->sw3 == IDCARD_SW_OK ? now_ns : later);
		break;
	case IDP_READ:
		if (r->sw3 != IDCARD_SW_OK) {
			read_failed(p, idcard_status_name(r->sw3), now_ns, o);
		} else if (idcard_decode(r->data, r->ndata, &info, err, sizeof(err)) < 0) {
			/* A card that reads but says nothing sensible: kept as
			 * read, so it is not read again and again. */
			snprintf(why, sizeof(why), "card not readable: %s", err);
			read_failed(p, why, now_ns, o);
			p->present = true;
		} else {
			p->present = true;
			o->read(o->arg, &info, NULL, now_ns);
		}
		next(p, IDCARD_FIND, later);
		break;
	case IDP_IDLE:
		/* Nothing was asked: a reply from nowhere is noise. */
		o->reject(o->arg, REJECT_FRAMING, (uint32_t)(10 + r->ndata),
		    "a reply to no request");
		break;
	}
}

void
idpoll_feed(struct idpoll *p, const uint8_t *buf, size_t len, int64_t now_ns,
    const struct idpoll_out *o)
{
	while (len > 0) {
		struct idcard_reply r;
		char err[96];
		size_t used;

		switch (idcard_rx_feed(&p->rx, buf, len, &used, &r, err, sizeof(err))) {
		case IDCARD_RX_FRAME:
			reply(p, &r, now_ns, o);
			break;
		case IDCARD_RX_BAD:
			o->reject(o->arg, strncmp(err, "bad checksum", 12) == 0 ?
			    REJECT_CHECKSUM : REJECT_FRAMING, (uint32_t)used, err);
			/* A garbled reply: the reader is there; ask again at
			 * once (a read is retried as a whole). */
			if (p->phase != IDP_IDLE && strncmp(err, "bad checksum", 12) == 0) {
				heard(p, true, "", o);
				next(p, p->phase == IDP_READ ? IDCARD_FIND : p->want, now_ns);
				p->present = false;
			}
			break;
		case IDCARD_RX_MORE:
			break;
		}
		buf += used;
		len -= used;
	}
}

int64_t
idpoll_step(struct idpoll *p, int64_t now_ns, uint8_t req[IDCARD_REQUEST_LEN],
    size_t *reqlen, const struct idpoll_out *o)
{
	char why[96];

	*reqlen = 0;
	if (p->phase != IDP_IDLE && now_ns >= p->due_ns) {
		/* No whole reply in time: what came of it is discarded. */
		if (p->rx.len > 0)
			o->reject(o->arg, REJECT_FRAMING, (uint32_t)p->rx.len,
			    "a reply cut short");
		idcard_rx_reset(&p->rx);
		if (p->phase == IDP_READ)
			read_failed(p, "no answer during the read (card removed?)",
			    now_ns, o);
		if (++p->misses >= IDPOLL_MISSES) {
			snprintf(why, sizeof(why), "no answer to %d requests in a row",
			    p->misses);
			heard(p, false, why, o);
		}
		next(p, IDCARD_FIND, now_ns + IDPOLL_EVERY_NS);
	}
	if (p->phase == IDP_IDLE && now_ns >= p->due_ns) {
		*reqlen = idcard_request(p->want, req);
		p->phase = p->want == IDCARD_FIND ? IDP_FIND :
		    p->want == IDCARD_SELECT ? IDP_SELECT : IDP_READ;
		p->due_ns = now_ns + (p->want == IDCARD_READ ? IDPOLL_READ_NS :
		    IDPOLL_REPLY_NS);
	}
	return p->due_ns;
}
