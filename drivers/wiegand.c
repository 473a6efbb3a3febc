/*
 * Wiegand frames from D0/D1 edges: each falling edge is a bit, rising edges
 * (when delivered) weed out glitches, and a frame is judged when the lines
 * have been quiet for the inter-frame gap: a card, or a reject with a reason.
 */
#include "wiegand.h"

#include <errno.h>
#include <string.h>

/*
 * The formats decoded. Bits are numbered from 1, the first on the wire.
 * Even parity covers bits 1..even_last, odd parity odd_first..bits (both
 * ranges include their parity bit). The data bits are 2..bits-1: facility
 * first, then the card number.
 *
 * 34 bits is HID's H10306 (16-bit facility, 16-bit card). Other 34-bit
 * layouts exist (e.g. an 8-bit site code and a 24-bit number under the same
 * parity); the uid, which is all the card table matches on, is the same 32
 * data bits whichever layout the issuer meant, only facility/card differ.
 */
static const struct layout {
	uint32_t	bits;
	uint32_t	card_bits;
	uint32_t	even_last;
	uint32_t	odd_first;
} layouts[] = {
	{ 26, 16, 13, 14 },	/* H10301: F8 C16 */
	{ 34, 16, 17, 18 },	/* H10306: F16 C16 */
	{ 37, 19, 19, 19 },	/* H10304: F16 C19, bit 19 in both halves */
};

#define FRAME_MIN	26	/* shorter is a short frame */

static int64_t
elapsed(int64_t from, int64_t to)
{
	int64_t d;

	if (__builtin_sub_overflow(to, from, &d))
		return to > from ? INT64_MAX : INT64_MIN;
	return d;
}

static int64_t
add_sat(int64_t t, int64_t d)
{
	int64_t r;

	if (__builtin_add_overflow(t, d, &r))
		return d > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static uint64_t
mask(uint32_t n)
{
	return n >= 64 ? UINT64_MAX : (1ULL << n) - 1;
}

/* Ones among bits a..b (numbered from 1) of an n-bit frame held in raw. */
static int
ones(uint64_t raw, uint32_t n, uint32_t a, uint32_t b)
{
	return __builtin_popcountll(raw & (mask(b - a + 1) << (n - b)));
}

int
wiegand_init(struct wiegand *w, int64_t gap_ns)
{
	memset(w, 0, sizeof(*w));
	w->gap_ns = WIEGAND_GAP_NS;
	if (gap_ns == 0)
		return 0;
	if (gap_ns <= WIEGAND_MIN_BIT_NS || gap_ns > WIEGAND_GAP_MAX_NS) {
		errno = EINVAL;
		return -1;
	}
	w->gap_ns = gap_ns;
	return 0;
}

bool
wiegand_is_pending(const struct wiegand *w)
{
	return w->nbits > 0 || w->pend;
}

static int64_t
frame_last_ns(const struct wiegand *w)
{
	return w->pend ? w->pend_ns : w->last_bit_ns;
}

int64_t
wiegand_deadline(const struct wiegand *w)
{
	if (!wiegand_is_pending(w))
		return INT64_MAX;
	return add_sat(frame_last_ns(w), w->gap_ns);
}

/* The pending bit is a bit: judge its spacing and take it into the frame. */
static void
commit_pending(struct wiegand *w)
{
	if (!w->pend)
		return;
	w->pend = false;
	if (w->nbits > 0 && elapsed(w->last_bit_ns, w->pend_ns) < WIEGAND_MIN_BIT_NS) {
		w->spoiled = true;
		w->stats.too_close++;
	}
	if (w->pend_overlap) {
		w->spoiled = true;
		w->stats.overlaps++;
	}
	w->raw = (w->raw << 1) | (w->pend_line == WIEGAND_D1 ? 1 : 0);
	if (w->nbits < UINT32_MAX)
		w->nbits++;
	w->last_bit_ns = w->pend_ns;
}

/* The low digits*4 bits of data as upper-case hex; digits < MSG_UID_MAX. */
static void
hex_uid(uint64_t data, uint32_t digits, char *uid)
{
	static const char hex[] = "0123456789ABCDEF";
	uint32_t i;

	for (i = 0; i < digits; i++)
		uid[i] = hex[(data >> (4 * (digits - 1 - i))) & 0xf];
	uid[digits] = '\0';
}

static void
reject(struct wiegand_result *r, enum wiegand_reject why, uint64_t *counter)
{
	r->kind = WIEGAND_REJECT;
	r->reject = why;
	(*counter)++;
}

static void
decode(struct wiegand *w, struct wiegand_result *r)
{
	const struct layout *l = NULL;
	uint64_t data;
	size_t i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].bits == r->bits)
			l = &layouts[i];
	if (w->spoiled) {
		reject(r, WIEGAND_REJECT_NOISE, &w->stats.noise);
		return;
	}
	if (r->bits < FRAME_MIN) {
		reject(r, WIEGAND_REJECT_SHORT, &w->stats.short_frames);
		return;
	}
	if (l == NULL) {
		reject(r, WIEGAND_REJECT_LENGTH, &w->stats.bad_length);
		return;
	}
	if (ones(r->raw, l->bits, 1, l->even_last) % 2 != 0 ||
	    ones(r->raw, l->bits, l->odd_first, l->bits) % 2 != 1) {
		reject(r, WIEGAND_REJECT_PARITY, &w->stats.parity);
		return;
	}
	data = (r->raw >> 1) & mask(l->bits - 2);
	r->kind = WIEGAND_CARD;
	r->reject = WIEGAND_REJECT_NONE;
	r->card = (uint32_t)(data & mask(l->card_bits));
	r->facility = (uint32_t)(data >> l->card_bits);
	hex_uid(data, (l->bits - 2 + 3) / 4, r->uid);
	w->stats.cards++;
}

/* Ends the frame: fills *r and clears the frame (not the line levels). */
static int
finish(struct wiegand *w, struct wiegand_result *r)
{
	commit_pending(w);
	if (w->nbits == 0)
		return 0;
	memset(r, 0, sizeof(*r));
	r->bits = w->nbits;
	r->raw = w->raw;
	r->t_ns = w->last_bit_ns;
	decode(w, r);
	w->raw = 0;
	w->nbits = 0;
	w->spoiled = false;
	return 1;
}

int
wiegand_expire(struct wiegand *w, int64_t now_ns, struct wiegand_result *out)
{
	if (!wiegand_is_pending(w) ||
	    elapsed(frame_last_ns(w), now_ns) < w->gap_ns)
		return 0;
	return finish(w, out);
}

int
wiegand_flush(struct wiegand *w, struct wiegand_result *out)
{
	return finish(w, out);
}

int
wiegand_feed(struct wiegand *w, enum wiegand_line line, bool rising,
    int64_t t_ns, struct wiegand_result *out)
{
	enum wiegand_line other;
	int n;

	if (line != WIEGAND_D0 && line != WIEGAND_D1) {
		errno = EINVAL;
		return -1;
	}
	n = wiegand_expire(w, t_ns, out);

	if (rising) {
		w->low[line] = false;
		w->rise_seen[line] = true;
		if (w->pend && w->pend_line == line) {
			if (elapsed(w->pend_ns, t_ns) < WIEGAND_MIN_PULSE_NS) {
				w->pend = false;
				w->stats.glitches++;
			} else
				commit_pending(w);
		}
		return n;
	}

	/*
	 * A falling edge: the bit before it is now a bit whatever its width,
	 * and this one waits for its rising edge (or the next bit, or the end
	 * of the frame) to show it is not a glitch. Levels are only trusted on
	 * a line whose rising edges are being delivered.
	 */
	commit_pending(w);
	other = line == WIEGAND_D0 ? WIEGAND_D1 : WIEGAND_D0;
	w->pend = true;
	w->pend_line = line;
	w->pend_ns = t_ns;
	w->pend_overlap = w->rise_seen[other] && w->low[other];
	w->low[line] = true;
	return n;
}

const char *
wiegand_reject_name(enum wiegand_reject why)
{
	switch (why) {
	case WIEGAND_REJECT_NONE:
		return "none";
	case WIEGAND_REJECT_SHORT:
		return "short frame";
	case WIEGAND_REJECT_LENGTH:
		return "bad length";
	case WIEGAND_REJECT_PARITY:
		return "parity";
	case WIEGAND_REJECT_NOISE:
		return "noise";
	}
	return "unknown";
}
