/*
 * Card frames from serial readers, parsed byte by byte as they arrive: every
 * byte ends up in a card, a reject, or a suppressed repeat, and a frame cut
 * short by a silent reader is discarded after the inter-byte timeout.
 */
#include "cardfmt.h"

#include <string.h>

#include "../common/util.h"

#define STX	0x02
#define ETX	0x03
#define CR	'\r'
#define LF	'\n'

/* EM4100 frame: STX, 10 data + 2 checksum hex digits, ETX. */
#define EM_DIGITS	12
#define EM_FRAME	(1 + EM_DIGITS + 1)
#define WG_MIN		4
#define WG_MAX		16
/* QR visitor codes: "VP-7K3M9Q2X", 4..31 of A-Z a-z 0-9 -. */
#define QR_MIN		4
#define QR_MAX		(MSG_UID_MAX - 1)

enum { ST_IDLE, ST_FRAME, ST_DISCARD };

struct out {
	cardfmt_fn	fn;
	void		*arg;
	int		calls;
};

static bool
is_hex(uint8_t c)
{
	return hex_digit(c) >= 0;
}

static char
ascii_upper(uint8_t c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : (char)c;
}

static bool
is_qr_char(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z') || c == '-';
}

static uint32_t
add_sat(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

void
cardfmt_init(struct cardfmt *p, enum card_format format)
{
	memset(p, 0, sizeof(*p));
	p->format = format;
	p->state = ST_IDLE;
}

static void
emit_reject(struct out *o, enum msg_reject_kind kind, uint32_t bytes, int64_t now)
{
	struct cardfmt_result r;

	memset(&r, 0, sizeof(r));
	r.kind = CARDFMT_REJECT;
	r.reject = kind;
	r.bytes = bytes;
	r.t_ns = now;
	o->fn(o->arg, &r);
	o->calls++;
}

/* A card unless it repeats the last one within the hold-off; a repeat
 * extends the hold-off, so a card held in the field reads once. */
static void
emit_card(struct cardfmt *p, struct out *o, const char *uid, uint32_t bytes,
    int64_t now)
{
	struct cardfmt_result r;

	if (p->last_uid[0] != '\0' && strcmp(uid, p->last_uid) == 0 &&
	    now - p->last_uid_ns < CARDFMT_HOLDOFF_NS) {
		p->last_uid_ns = now;
		return;
	}
	memcpy(p->last_uid, uid, sizeof(p->last_uid));
	p->last_uid_ns = now;

	memset(&r, 0, sizeof(r));
	r.kind = CARDFMT_CARD;
	r.bytes = bytes;
	r.t_ns = now;
	memcpy(r.uid, uid, sizeof(r.uid));
	o->fn(o->arg, &r);
	o->calls++;
}

/* Ends the pending partial frame or discarded run as one reject. */
static void
end_pending(struct cardfmt *p, struct out *o, int64_t now)
{
	switch (p->state) {
	case ST_FRAME:
		/* The EM4100 STX is not kept in buf but was received. */
		emit_reject(o, REJECT_FRAMING, (uint32_t)p->len +
		    (p->format == CARD_EM4100 ? 1 : 0), now);
		break;
	case ST_DISCARD:
		emit_reject(o, p->discard_kind, p->discard, now);
		break;
	default:
		break;
	}
	p->state = ST_IDLE;
	p->len = 0;
	p->discard = 0;
}

static void
start_discard(struct cardfmt *p, enum msg_reject_kind kind, uint32_t bytes)
{
	p->state = ST_DISCARD;
	p->discard_kind = kind;
	p->discard = bytes;
	p->len = 0;
}

static void
em_frame_done(struct cardfmt *p, struct out *o, int64_t now)
{
	char uid[MSG_UID_MAX];
	uint8_t sum = 0, byte;
	int i;

	for (i = 0; i < EM_DIGITS; i += 2) {
		byte = (uint8_t)(hex_digit(p->buf[i]) << 4 |
		    hex_digit(p->buf[i + 1]));
		if (i < EM_DIGITS - 2)
			sum ^= byte;
		else if (sum != byte) {
			emit_reject(o, REJECT_CHECKSUM, EM_FRAME, now);
			return;
		}
	}
	for (i = 0; i < EM_DIGITS - 2; i++)
		uid[i] = ascii_upper(p->buf[i]);
	uid[i] = '\0';
	emit_card(p, o, uid, EM_FRAME, now);
}

/*
 * EM4100: a frame starts at STX, wherever it comes; a broken frame or noise
 * is discarded up to and including the next ETX, or up to the next STX.
 */
static void
em_byte(struct cardfmt *p, struct out *o, uint8_t c, int64_t now)
{
	if (c == STX) {
		end_pending(p, o, now);
		p->state = ST_FRAME;
		p->len = 0;
		return;
	}
	switch (p->state) {
	case ST_IDLE:
		start_discard(p, REJECT_FRAMING, 1);
		if (c == ETX)
			end_pending(p, o, now);
		break;
	case ST_DISCARD:
		p->discard = add_sat(p->discard, 1);
		if (c == ETX)
			end_pending(p, o, now);
		break;
	case ST_FRAME:
		if (p->len == EM_DIGITS && c == ETX) {
			em_frame_done(p, o, now);
			p->state = ST_IDLE;
			p->len = 0;
		} else if (p->len < EM_DIGITS && is_hex(c)) {
			p->buf[p->len++] = c;
		} else {
			/* Non-hex digit, early ETX, or no ETX after 12 digits. */
			start_discard(p, REJECT_FRAMING, (uint32_t)p->len + 2);
			if (c == ETX)
				end_pending(p, o, now);
		}
		break;
	}
}

/* A whole line, its end not in buf: a Wiegand converter's hex digits or a
 * QR scanner's visitor code, upper-cased; anything else is a framing reject
 * of the whole line. */
static void
line_done(struct cardfmt *p, struct out *o, int64_t now)
{
	bool qr = p->format == CARD_QR;
	char uid[MSG_UID_MAX];
	size_t i;
	bool ok = qr ? p->len >= QR_MIN && p->len <= QR_MAX :
	    p->len >= WG_MIN && p->len <= WG_MAX;

	for (i = 0; ok && i < p->len; i++)
		ok = qr ? is_qr_char(p->buf[i]) : is_hex(p->buf[i]);
	if (!ok) {
		emit_reject(o, REJECT_FRAMING, (uint32_t)p->len + 1, now);
		return;
	}
	for (i = 0; i < p->len; i++)
		uid[i] = ascii_upper(p->buf[i]);
	uid[i] = '\0';
	emit_card(p, o, uid, (uint32_t)p->len + 1, now);
}

/*
 * Wiegand ASCII and QR: one line per card, ended by CR, CRLF or LF. A line
 * longer than the format's longest is discarded up to its end as overlong.
 */
static void
line_byte(struct cardfmt *p, struct out *o, uint8_t c, int64_t now)
{
	size_t max = p->format == CARD_QR ? QR_MAX : CARDFMT_LINE_MAX;
	bool skip_lf = p->skip_lf;

	p->skip_lf = c == CR;
	if (c == LF && skip_lf)
		return;
	if (c == CR || c == LF) {
		switch (p->state) {
		case ST_IDLE:
			emit_reject(o, REJECT_FRAMING, 1, now);	/* empty line */
			break;
		case ST_FRAME:
			line_done(p, o, now);
			break;
		case ST_DISCARD:
			p->discard = add_sat(p->discard, 1);
			end_pending(p, o, now);
			break;
		}
		p->state = ST_IDLE;
		p->len = 0;
		return;
	}
	switch (p->state) {
	case ST_IDLE:
		p->state = ST_FRAME;
		p->len = 0;
		/* FALLTHROUGH */
	case ST_FRAME:
		if (p->len < max)
			p->buf[p->len++] = c;
		else
			start_discard(p, REJECT_OVERLONG, (uint32_t)p->len + 1);
		break;
	case ST_DISCARD:
		p->discard = add_sat(p->discard, 1);
		break;
	}
}

static void
expire(struct cardfmt *p, struct out *o, int64_t now)
{
	if (now - p->last_ns <= CARDFMT_STALE_NS)
		return;
	end_pending(p, o, now);
	p->skip_lf = false;
}

int
cardfmt_feed(struct cardfmt *p, const uint8_t *buf, size_t len, int64_t now_ns,
    cardfmt_fn fn, void *arg)
{
	struct out o = { fn, arg, 0 };
	size_t i;

	if (len == 0)
		return 0;
	/* A chunk after a silence: what was pending before it is stale. */
	expire(p, &o, now_ns);
	for (i = 0; i < len; i++) {
		if (p->format == CARD_EM4100)
			em_byte(p, &o, buf[i], now_ns);
		else
			line_byte(p, &o, buf[i], now_ns);
	}
	p->last_ns = now_ns;
	return o.calls;
}

int
cardfmt_expire(struct cardfmt *p, int64_t now_ns, cardfmt_fn fn, void *arg)
{
	struct out o = { fn, arg, 0 };

	expire(p, &o, now_ns);
	return o.calls;
}

int
cardfmt_flush(struct cardfmt *p, int64_t now_ns, cardfmt_fn fn, void *arg)
{
	struct out o = { fn, arg, 0 };

	end_pending(p, &o, now_ns);
	p->skip_lf = false;
	return o.calls;
}

bool
cardfmt_is_pending(const struct cardfmt *p)
{
	return p->state != ST_IDLE;
}

int64_t
cardfmt_deadline(const struct cardfmt *p)
{
	if (!cardfmt_is_pending(p))
		return INT64_MAX;
	return p->last_ns + CARDFMT_STALE_NS + 1;
}
