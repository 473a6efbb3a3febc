/*
 * drivers/wiegand.c: Wiegand frames decoded from D0/D1 edge streams built
 * here from bit strings and card values, with glitches, gaps, jitter, and a
 * long random stream that must never yield a card with bad parity.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../drivers/wiegand.h"
#include "harness.h"

#define US	1000LL
#define MS	1000000LL
#define EDGES_MAX	4096
#define RESULTS_MAX	64

struct edge {
	enum wiegand_line	line;
	bool			rising;
	int64_t			t;
};

/* How the test reader puts bits on the wire. width 0: falling edges only,
 * as a GPIO layer that asks for falling edges delivers them. */
struct timing {
	int64_t		width;
	int64_t		interval;
	int64_t		jitter;		/* interval is interval + [0, jitter] */
};

static const struct timing std_timing = { 80 * US, 2 * MS, 0 };

/* The results of one run, in order. */
struct sink {
	struct wiegand_result	r[RESULTS_MAX];
	int			n;
};

static uint32_t rng_state;

static uint32_t
rng(void)
{
	/* xorshift32: the same stream on every machine. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static int64_t
rng_range(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rng() % (uint32_t)(hi - lo + 1));
}

/* Field widths and parity ranges (bits numbered from 1, parity included),
 * written out here independently of the decoder's table. */
static bool
format_of(unsigned bits, unsigned *card_bits, unsigned *even_last,
    unsigned *odd_first)
{
	switch (bits) {
	case 26:
		*card_bits = 16, *even_last = 13, *odd_first = 14;
		return true;
	case 34:
		*card_bits = 16, *even_last = 17, *odd_first = 18;
		return true;
	case 37:
		*card_bits = 19, *even_last = 19, *odd_first = 19;
		return true;
	}
	return false;
}

static int
count_ones(const char *s, unsigned a, unsigned b)
{
	int n = 0;
	unsigned i;

	for (i = a; i <= b; i++)
		n += s[i - 1] == '1';
	return n;
}

/* The frame for facility/card as a string of '0'/'1', parity set. */
static void
frame_string(unsigned bits, uint32_t facility, uint32_t card, char *s)
{
	unsigned cb, el, of, i;
	uint64_t data;

	if (!format_of(bits, &cb, &el, &of))
		abort();
	data = ((uint64_t)facility << cb) | card;
	for (i = 2; i < bits; i++)
		s[i - 1] = (data >> (bits - 1 - i)) & 1 ? '1' : '0';
	s[0] = '0';
	s[bits - 1] = '0';
	s[bits] = '\0';
	s[0] = count_ones(s, 1, el) % 2 ? '1' : '0';
	s[bits - 1] = count_ones(s, of, bits) % 2 ? '0' : '1';
}

/* Appends the edges of the bits in s from t0 on; returns the new count.
 * *t_last is set to the falling edge of the last bit. */
static size_t
edges_from_string(const char *s, int64_t t0, const struct timing *tm,
    struct edge *e, size_t n, int64_t *t_last)
{
	int64_t t = t0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		enum wiegand_line line = s[i] == '1' ? WIEGAND_D1 : WIEGAND_D0;

		if (i > 0)
			t += tm->interval + (tm->jitter ? rng_range(0, tm->jitter) : 0);
		if (n + 2 > EDGES_MAX)
			abort();
		e[n++] = (struct edge){ line, false, t };
		if (tm->width > 0)
			e[n++] = (struct edge){ line, true, t + tm->width };
		if (t_last != NULL)
			*t_last = t;
	}
	return n;
}

/* The edge stream of a card of the given format, from t0. */
static size_t
wiegand_encode(unsigned bits, uint32_t facility, uint32_t card, int64_t t0,
    const struct timing *tm, struct edge *e, size_t n, int64_t *t_last)
{
	char s[64];

	frame_string(bits, facility, card, s);
	return edges_from_string(s, t0, tm, e, n, t_last);
}

/* Edges are built in order of bits; a pulse's rising edge may fall after a
 * later edge of the other line, so sort by time (stable) before feeding. */
static void
sort_edges(struct edge *e, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct edge x = e[i];

		for (j = i; j > 0 && e[j - 1].t > x.t; j--)
			e[j] = e[j - 1];
		e[j] = x;
	}
}

static void
feed_all(struct wiegand *w, const struct edge *e, size_t n, struct sink *k)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct wiegand_result r;

		if (wiegand_feed(w, e[i].line, e[i].rising, e[i].t, &r) == 1 &&
		    k->n < RESULTS_MAX)
			k->r[k->n++] = r;
	}
}

static void
expire_all(struct wiegand *w, int64_t now, struct sink *k)
{
	struct wiegand_result r;

	if (wiegand_expire(w, now, &r) == 1 && k->n < RESULTS_MAX)
		k->r[k->n++] = r;
}

/* Decodes one stream on a fresh decoder and ends it by expiry. */
static void
run_stream(struct wiegand *w, struct edge *e, size_t n, struct sink *k)
{
	memset(k, 0, sizeof(*k));
	wiegand_init(w, 0);
	sort_edges(e, n);
	feed_all(w, e, n, k);
	expire_all(w, n > 0 ? e[n - 1].t + WIEGAND_GAP_NS : 0, k);
}

/*
 * Published-style frames as bit strings, checked by hand. For the first:
 * facility 123 = 0x7B = 0111 1011, card 4567 = 0x11D7 = 0001 0001 1101 0111.
 *   bits 2-13 (data 1-12):  0111 1011 0001  -> 3+3+1 = 7 ones, so the even
 *     parity bit 1 is 1 (1-13 then hold 8 ones);
 *   bits 14-25 (data 13-24): 0001 1101 0111 -> 1+3+3 = 7 ones, already odd,
 *     so the odd parity bit 26 is 0;
 *   frame: 1 01111011 0001000111010111 0, uid 7B11D7.
 * 37 bits, facility 1, card 1: bits 2-19 hold one 1 (bit 17) -> P1 = 1;
 * bits 19-36 hold one 1 (bit 36) -> already odd -> P37 = 0.
 */
static const struct example {
	const char	*bits;
	uint32_t	facility;
	uint32_t	card;
	const char	*uid;
} examples[] = {
	{ "10111101100010001110101110", 123, 4567, "7B11D7" },
	{ "00000000000000000000000001", 0, 0, "000000" },
	{ "01111111111111111111111111", 255, 65535, "FFFFFF" },
	{ "1000100100011010001010110011110001", 0x1234, 0x5678, "12345678" },
	{ "1000000000000000100000000000000100", 1, 2, "00010002" },
	{ "0101010111100110111111111111111111111", 0xABCD, 0x7FFFF, "55E6FFFFF" },
	{ "1000000000000000100000000000000000010", 1, 1, "000080001" },
	{ "0000000001100100010010010011111000000", 200, 300000, "0064493E0" },
};

static void
test_examples(void)
{
	static struct edge e[EDGES_MAX];
	struct wiegand w;
	struct sink k;
	size_t i, n;
	int64_t t_last = 0;

	for (i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		const struct example *x = &examples[i];

		n = edges_from_string(x->bits, 1 * MS, &std_timing, e, 0, &t_last);
		run_stream(&w, e, n, &k);
		CHECK_INT(k.n, 1);
		CHECK_INT(k.r[0].kind, WIEGAND_CARD);
		CHECK_INT(k.r[0].bits, strlen(x->bits));
		CHECK_INT(k.r[0].facility, x->facility);
		CHECK_INT(k.r[0].card, x->card);
		CHECK_STR(k.r[0].uid, x->uid);
		CHECK_INT(k.r[0].t_ns, t_last);
	}
}

/* Cards built from values by the encoder; uids written out by hand. */
static const struct value_case {
	unsigned	bits;
	uint32_t	facility;
	uint32_t	card;
	const char	*uid;
} value_cases[] = {
	{ 26, 1, 1, "010001" },
	{ 26, 18, 54321, "12D431" },
	{ 26, 128, 32768, "808000" },
	{ 34, 0, 0, "00000000" },
	{ 34, 65535, 65535, "FFFFFFFF" },
	{ 34, 100, 1000, "006403E8" },
	{ 37, 0, 0, "000000000" },
	{ 37, 65535, 524287, "7FFFFFFFF" },
	{ 37, 4096, 65536, "080010000" },
};

static void
test_values(void)
{
	static struct edge e[EDGES_MAX];
	struct wiegand w;
	struct sink k;
	size_t i, n;

	for (i = 0; i < sizeof(value_cases) / sizeof(value_cases[0]); i++) {
		const struct value_case *c = &value_cases[i];

		n = wiegand_encode(c->bits, c->facility, c->card, 5 * MS,
		    &std_timing, e, 0, NULL);
		run_stream(&w, e, n, &k);
		CHECK(k.n == 1 && k.r[0].kind == WIEGAND_CARD);
		CHECK(k.r[0].bits == c->bits && k.r[0].facility == c->facility &&
		    k.r[0].card == c->card);
		CHECK_STR(k.r[0].uid, c->uid);
		CHECK_INT(w.stats.cards, 1);
	}
}

/* Every single-bit flip of a valid frame breaks the parity of the half it
 * is in (both halves for bit 19 of 37): always a parity reject. */
static void
test_bit_flips(void)
{
	static struct edge e[EDGES_MAX];
	static const unsigned fmts[] = { 26, 34, 37 };
	struct wiegand w;
	struct sink k;
	char s[64];
	size_t f, n;
	unsigned i, rejected;

	for (f = 0; f < 3; f++) {
		rejected = 0;
		for (i = 0; i < fmts[f]; i++) {
			frame_string(fmts[f], 123, 4567, s);
			s[i] = s[i] == '1' ? '0' : '1';
			n = edges_from_string(s, 1 * MS, &std_timing, e, 0, NULL);
			run_stream(&w, e, n, &k);
			if (fmts[f] == 26) {
				/* one check per flip for the standard format */
				CHECK(k.n == 1 && k.r[0].kind == WIEGAND_REJECT &&
				    k.r[0].reject == WIEGAND_REJECT_PARITY);
			}
			if (k.n == 1 && k.r[0].reject == WIEGAND_REJECT_PARITY &&
			    w.stats.parity == 1 && w.stats.cards == 0)
				rejected++;
		}
		CHECK_INT(rejected, fmts[f]);
	}
}

/* Lengths other than 26, 34 and 37, with random contents. */
static const struct length_case {
	unsigned		bits;
	enum wiegand_reject	why;
} length_cases[] = {
	{ 1, WIEGAND_REJECT_SHORT },
	{ 4, WIEGAND_REJECT_SHORT },	/* a keypad key */
	{ 8, WIEGAND_REJECT_SHORT },
	{ 25, WIEGAND_REJECT_SHORT },
	{ 27, WIEGAND_REJECT_LENGTH },
	{ 33, WIEGAND_REJECT_LENGTH },
	{ 35, WIEGAND_REJECT_LENGTH },
	{ 36, WIEGAND_REJECT_LENGTH },
	{ 38, WIEGAND_REJECT_LENGTH },
	{ 64, WIEGAND_REJECT_LENGTH },
	{ 100, WIEGAND_REJECT_LENGTH },	/* longer than the bits held */
};

static void
test_lengths(void)
{
	static struct edge e[EDGES_MAX];
	struct wiegand w;
	struct sink k;
	char s[128];
	size_t i, n;
	unsigned b;

	rng_state = 12345;
	for (i = 0; i < sizeof(length_cases) / sizeof(length_cases[0]); i++) {
		const struct length_case *c = &length_cases[i];

		for (b = 0; b < c->bits; b++)
			s[b] = rng() & 1 ? '1' : '0';
		s[c->bits] = '\0';
		n = edges_from_string(s, 1 * MS, &std_timing, e, 0, NULL);
		run_stream(&w, e, n, &k);
		CHECK(k.n == 1 && k.r[0].kind == WIEGAND_REJECT);
		CHECK_INT(k.r[0].reject, c->why);
		CHECK_INT(k.r[0].bits, c->bits);
	}
	CHECK_INT(w.stats.bad_length, 1);
	CHECK_STR(wiegand_reject_name(WIEGAND_REJECT_SHORT), "short frame");
	CHECK_STR(wiegand_reject_name(WIEGAND_REJECT_LENGTH), "bad length");
}

/* Pulse widths and bit intervals at and around the limits. */
static const struct timing_case {
	struct timing		tm;
	int			results;	/* 0: nothing at all */
	enum wiegand_kind	kind;
	enum wiegand_reject	why;
	uint64_t		glitches;
} timing_cases[] = {
	{ { 50 * US, 2 * MS, 0 }, 1, WIEGAND_CARD, WIEGAND_REJECT_NONE, 0 },
	{ { 100 * US, 1 * MS, 0 }, 1, WIEGAND_CARD, WIEGAND_REJECT_NONE, 0 },
	{ { 0, 2 * MS, 0 }, 1, WIEGAND_CARD, WIEGAND_REJECT_NONE, 0 },
	{ { 20 * US, 200 * US, 0 }, 1, WIEGAND_CARD, WIEGAND_REJECT_NONE, 0 },
	{ { 50 * US, 199 * US, 0 }, 1, WIEGAND_REJECT, WIEGAND_REJECT_NOISE, 0 },
	{ { 0, 150 * US, 0 }, 1, WIEGAND_REJECT, WIEGAND_REJECT_NOISE, 0 },
	{ { 19 * US, 2 * MS, 0 }, 0, WIEGAND_REJECT, WIEGAND_REJECT_NONE, 26 },
	{ { 80 * US, 24 * MS, 0 }, 1, WIEGAND_CARD, WIEGAND_REJECT_NONE, 0 },
	{ { 80 * US, 25 * MS, 0 }, 26, WIEGAND_REJECT, WIEGAND_REJECT_SHORT, 0 },
};

static void
test_timing(void)
{
	static struct edge e[EDGES_MAX];
	struct wiegand w;
	struct sink k;
	size_t i, n;

	for (i = 0; i < sizeof(timing_cases) / sizeof(timing_cases[0]); i++) {
		const struct timing_case *c = &timing_cases[i];

		n = wiegand_encode(26, 7, 777, 1 * MS, &c->tm, e, 0, NULL);
		run_stream(&w, e, n, &k);
		CHECK_INT(k.n, c->results);
		if (k.n > 0) {
			CHECK(k.r[0].kind == c->kind && k.r[0].reject == c->why);
			CHECK(c->kind != WIEGAND_CARD || k.r[0].card == 777);
		}
		CHECK_INT(w.stats.glitches, c->glitches);
	}
}

/* Extra pulses laid over a valid 26-bit frame sent 2 ms per bit. */
static void
test_glitches(void)
{
	static struct edge e[EDGES_MAX];
	struct wiegand w;
	struct sink k;
	size_t n;
	int64_t t10;

	/* A 5 us pulse on D1 halfway between bits 10 and 11: dropped. */
	/* run_stream() sorts e in place: each case builds the frame anew */
	t10 = 1 * MS + 9 * 2 * MS;		/* falling edge of bit 10 */
	n = wiegand_encode(26, 123, 4567, 1 * MS, &std_timing, e, 0, NULL);
	e[n++] = (struct edge){ WIEGAND_D1, false, t10 + 1 * MS };
	e[n++] = (struct edge){ WIEGAND_D1, true, t10 + 1 * MS + 5 * US };
	run_stream(&w, e, n, &k);
	CHECK(k.n == 1 && k.r[0].kind == WIEGAND_CARD);
	CHECK_STR(k.r[0].uid, "7B11D7");
	CHECK_INT(w.stats.glitches, 1);
	CHECK_INT(w.stats.noise, 0);

	/* Bit 10 is a 0, on D0. A 5 us pulse on D1 30 us into its pulse, and
	 * one on D0 150 us after it: both dropped, nothing spoiled. */
	n = wiegand_encode(26, 123, 4567, 1 * MS, &std_timing, e, 0, NULL);
	e[n++] = (struct edge){ WIEGAND_D1, false, t10 + 30 * US };
	e[n++] = (struct edge){ WIEGAND_D1, true, t10 + 35 * US };
	e[n++] = (struct edge){ WIEGAND_D0, false, t10 + 150 * US };
	e[n++] = (struct edge){ WIEGAND_D0, true, t10 + 155 * US };
	run_stream(&w, e, n, &k);
	CHECK(k.n == 1 && k.r[0].kind == WIEGAND_CARD);
	CHECK_INT(k.r[0].card, 4567);
	CHECK_INT(w.stats.glitches, 2);

	/* Both lines low together at bit 10 (D1 falls 10 us after D0): noise. */
	n = wiegand_encode(26, 123, 4567, 1 * MS, &std_timing, e, 0, NULL);
	e[n++] = (struct edge){ WIEGAND_D1, false, t10 + 10 * US };
	e[n++] = (struct edge){ WIEGAND_D1, true, t10 + 90 * US };
	run_stream(&w, e, n, &k);
	CHECK(k.n == 1 && k.r[0].reject == WIEGAND_REJECT_NOISE);
	CHECK_INT(w.stats.noise, 1);
	CHECK_INT(w.stats.cards, 0);

	/* The same with falling edges only (no widths known): still noise. */
	n = wiegand_encode(26, 123, 4567, 1 * MS,
	    &(struct timing){ 0, 2 * MS, 0 }, e, 0, NULL);
	e[n++] = (struct edge){ WIEGAND_D1, false, t10 + 10 * US };
	run_stream(&w, e, n, &k);
	CHECK(k.n == 1 && k.r[0].reject == WIEGAND_REJECT_NOISE);

	/* D0 stays low for 1 ms at bit 10 and D1 falls 500 us into it: the
	 * bits are far enough apart, but both lines were low: noise. */
	n = wiegand_encode(26, 123, 4567, 1 * MS, &std_timing, e, 0, NULL);
	e[n++] = (struct edge){ WIEGAND_D0, true, t10 + 1 * MS };
	e[n++] = (struct edge){ WIEGAND_D1, false, t10 + 500 * US };
	e[n++] = (struct edge){ WIEGAND_D1, true, t10 + 580 * US };
	sort_edges(e, n);
	/* drop bit 10's own 80 us rising edge */
	{
		size_t i, j = 0;

		for (i = 0; i < n; i++)
			if (!(e[i].rising && e[i].t == t10 + std_timing.width))
				e[j++] = e[i];
		n = j;
	}
	run_stream(&w, e, n, &k);
	CHECK(k.n == 1 && k.r[0].reject == WIEGAND_REJECT_NOISE);
	CHECK_INT(w.stats.overlaps, 1);
	CHECK_INT(w.stats.too_close, 0);

	/* A contact bounce: D1 falls twice 100 us apart, each 40 us wide. */
	n = wiegand_encode(26, 123, 4567, 1 * MS, &std_timing, e, 0, NULL);
	e[n++] = (struct edge){ WIEGAND_D1, false, t10 + 1 * MS };
	e[n++] = (struct edge){ WIEGAND_D1, true, t10 + 1 * MS + 40 * US };
	e[n++] = (struct edge){ WIEGAND_D1, false, t10 + 1 * MS + 100 * US };
	e[n++] = (struct edge){ WIEGAND_D1, true, t10 + 1 * MS + 140 * US };
	run_stream(&w, e, n, &k);
	CHECK(k.n == 1 && k.r[0].reject == WIEGAND_REJECT_NOISE);
	CHECK_INT(w.stats.too_close, 1);
}

/* Gaps: a frame cut by a pause past the timeout is two rejects; two frames
 * a timeout apart are two cards; a longer configured gap joins them. */
static void
test_gaps(void)
{
	static struct edge e[EDGES_MAX];
	struct wiegand w;
	struct sink k;
	char s[64], first[16], second[16];
	size_t n;
	int64_t t13, t2, t_last1, t_last2;

	frame_string(26, 123, 4567, s);
	memcpy(first, s, 13);
	first[13] = '\0';
	memcpy(second, s + 13, 14);
	n = edges_from_string(first, 1 * MS, &std_timing, e, 0, &t13);
	n = edges_from_string(second, t13 + 30 * MS, &std_timing, e, n, NULL);
	run_stream(&w, e, n, &k);
	CHECK_INT(k.n, 2);
	CHECK(k.r[0].reject == WIEGAND_REJECT_SHORT && k.r[0].bits == 13);
	CHECK_INT(k.r[0].t_ns, t13);
	CHECK(k.r[1].reject == WIEGAND_REJECT_SHORT && k.r[1].bits == 13);
	CHECK_INT(w.stats.short_frames, 2);

	/* The same pause under a 50 ms gap: one card. */
	memset(&k, 0, sizeof(k));
	CHECK_INT(wiegand_init(&w, 50 * MS), 0);
	sort_edges(e, n);
	feed_all(&w, e, n, &k);
	CHECK_INT(k.n, 0);
	CHECK_INT(wiegand_deadline(&w), e[n - 2].t + 50 * MS);
	expire_all(&w, e[n - 2].t + 50 * MS, &k);
	CHECK(k.n == 1 && k.r[0].kind == WIEGAND_CARD && k.r[0].card == 4567);

	/* Back to back, the second starting exactly one gap after the first. */
	n = wiegand_encode(26, 10, 1001, 1 * MS, &std_timing, e, 0, &t_last1);
	t2 = t_last1 + WIEGAND_GAP_NS;
	n = wiegand_encode(34, 20, 2002, t2, &std_timing, e, n, &t_last2);
	memset(&k, 0, sizeof(k));
	wiegand_init(&w, 0);
	feed_all(&w, e, n, &k);
	CHECK_INT(k.n, 1);		/* the first, on the second's first edge */
	expire_all(&w, t_last2 + WIEGAND_GAP_NS, &k);
	CHECK_INT(k.n, 2);
	CHECK(k.r[0].kind == WIEGAND_CARD && k.r[0].card == 1001);
	CHECK_INT(k.r[0].t_ns, t_last1);
	CHECK(k.r[1].kind == WIEGAND_CARD && k.r[1].card == 2002);
	CHECK_STR(k.r[1].uid, "001407D2");
	CHECK_INT(w.stats.cards, 2);
}

/* expire() and deadline(): the frame ends on time with no further edges. */
static void
test_expire(void)
{
	static struct edge e[EDGES_MAX];
	struct wiegand w;
	struct wiegand_result r;
	struct sink k;
	size_t n;
	int64_t t_last;

	CHECK_INT(wiegand_init(&w, 0), 0);
	CHECK_INT(wiegand_deadline(&w), INT64_MAX);
	CHECK(!wiegand_is_pending(&w));
	CHECK_INT(wiegand_expire(&w, 1000 * MS, &r), 0);

	n = wiegand_encode(37, 300, 400000, 1 * MS, &std_timing, e, 0, &t_last);
	memset(&k, 0, sizeof(k));
	feed_all(&w, e, n, &k);
	CHECK_INT(k.n, 0);
	CHECK(wiegand_is_pending(&w));
	/* measured from the last falling edge, not its rising edge */
	CHECK_INT(wiegand_deadline(&w), t_last + WIEGAND_GAP_NS);
	CHECK_INT(wiegand_expire(&w, t_last + WIEGAND_GAP_NS - 1, &r), 0);
	CHECK_INT(wiegand_expire(&w, t_last + WIEGAND_GAP_NS, &r), 1);
	CHECK(r.kind == WIEGAND_CARD && r.facility == 300 && r.card == 400000);
	CHECK_INT(wiegand_deadline(&w), INT64_MAX);
	CHECK_INT(wiegand_expire(&w, t_last + 2 * WIEGAND_GAP_NS, &r), 0);

	/* flush ends it at once */
	n = wiegand_encode(26, 1, 2, 200 * MS, &std_timing, e, 0, NULL);
	feed_all(&w, e, n, &k);
	CHECK_INT(wiegand_flush(&w, &r), 1);
	CHECK(r.kind == WIEGAND_CARD && r.card == 2);
	CHECK_INT(wiegand_flush(&w, &r), 0);

	/* bad arguments */
	CHECK_INT(wiegand_init(&w, -1), -1);
	CHECK_INT(w.gap_ns, WIEGAND_GAP_NS);
	CHECK_INT(wiegand_init(&w, 100 * US), -1);
	CHECK_INT(wiegand_init(&w, 11000 * MS), -1);
	CHECK_INT(wiegand_feed(&w, (enum wiegand_line)2, false, 1 * MS, &r), -1);
	CHECK(!wiegand_is_pending(&w));
}

/* Bit intervals drawn from 0.5-3 ms, pulse widths 40-100 us: every frame
 * still decodes to its own card. */
static void
test_jitter(void)
{
	static struct edge e[EDGES_MAX];
	static const unsigned fmts[] = { 26, 34, 37 };
	struct wiegand w;
	struct sink k;
	int i, good = 0;
	size_t n;

	rng_state = 2024;
	for (i = 0; i < 300; i++) {
		unsigned bits = fmts[rng() % 3];
		uint32_t fac = rng() % (bits == 26 ? 256 : 65536);
		uint32_t card = rng() % (bits == 37 ? 524288 : 65536);
		struct timing tm = { rng_range(40, 100) * US, 500 * US, 2500 * US };

		n = wiegand_encode(bits, fac, card, 1 * MS, &tm, e, 0, NULL);
		run_stream(&w, e, n, &k);
		if (k.n == 1 && k.r[0].kind == WIEGAND_CARD &&
		    k.r[0].bits == bits && k.r[0].facility == fac &&
		    k.r[0].card == card)
			good++;
	}
	CHECK_INT(good, 300);
}

/* Is r a card whose fields agree with its raw bits and parity? Checked
 * with the test's own parity arithmetic. */
static bool
card_is_sound(const struct wiegand_result *r)
{
	unsigned cb, el, of, i;
	char s[64], uid[MSG_UID_MAX];
	uint64_t data;

	if (!format_of(r->bits, &cb, &el, &of))
		return false;
	for (i = 0; i < r->bits; i++)
		s[i] = (r->raw >> (r->bits - 1 - i)) & 1 ? '1' : '0';
	s[r->bits] = '\0';
	if (count_ones(s, 1, el) % 2 != 0 || count_ones(s, of, r->bits) % 2 != 1)
		return false;
	data = (r->raw >> 1) & ((1ULL << (r->bits - 2)) - 1);
	for (i = 0; i < (r->bits + 1) / 4; i++)
		uid[i] = "0123456789ABCDEF"[(data >> (4 * ((r->bits + 1) / 4 - 1 - i))) & 0xf];
	uid[i] = '\0';
	return strcmp(uid, r->uid) == 0 && r->card == (data & ((1ULL << cb) - 1)) &&
	    r->facility == (data >> cb);
}

/* Does the verdict on a clean frame of random bits s agree with the test's
 * own reading of its length and parity? */
static bool
verdict_is_right(const char *s, const struct wiegand_result *r)
{
	unsigned cb, el, of, n = (unsigned)strlen(s);
	bool parity_ok;

	if (r->bits != n)
		return false;
	if (!format_of(n, &cb, &el, &of))
		return r->kind == WIEGAND_REJECT && r->reject ==
		    (n < 26 ? WIEGAND_REJECT_SHORT : WIEGAND_REJECT_LENGTH);
	parity_ok = count_ones(s, 1, el) % 2 == 0 && count_ones(s, of, n) % 2 == 1;
	if (!parity_ok)
		return r->kind == WIEGAND_REJECT && r->reject == WIEGAND_REJECT_PARITY;
	return r->kind == WIEGAND_CARD && card_is_sound(r);
}

/*
 * Well-timed frames of random bits and random lengths 20-40 (jittered
 * intervals, sometimes falling edges only): each verdict must match the
 * test's own length and parity arithmetic; some pass by chance, most not.
 */
static void
test_random_frames(void)
{
	static struct edge e[EDGES_MAX];
	struct wiegand w;
	struct sink k;
	char s[64];
	int i, right = 0, frames = 3000, cards = 0, parity = 0;
	unsigned b, len;
	size_t n;

	rng_state = 4242;
	for (i = 0; i < frames; i++) {
		struct timing tm = { rng() % 4 == 0 ? 0 : rng_range(30, 100) * US,
		    500 * US, 2500 * US };

		len = (unsigned)rng_range(20, 40);
		for (b = 0; b < len; b++)
			s[b] = rng() & 1 ? '1' : '0';
		s[len] = '\0';
		n = edges_from_string(s, 1 * MS, &tm, e, 0, NULL);
		run_stream(&w, e, n, &k);
		if (k.n == 1 && verdict_is_right(s, &k.r[0])) {
			right++;
			cards += k.r[0].kind == WIEGAND_CARD;
			parity += k.r[0].reject == WIEGAND_REJECT_PARITY;
		} else
			fprintf(stderr, "random frame %d: %s: wrong verdict\n", i, s);
	}
	CHECK_INT(right, frames);
	/* about 1/7 of the lengths are formats, and a quarter of those pass */
	CHECK(cards > 10 && parity > 3 * cards);
}

/*
 * A long random stream: edges on either line at random spacings from 1 us
 * to 40 ms, with a valid card slipped in now and then. No card may have bad
 * parity, the deadline always lies ahead, and every result is counted.
 */
static void
test_random(void)
{
	static struct edge e[EDGES_MAX];
	struct wiegand w;
	struct wiegand_result r;
	const struct wiegand_stats *st = &w.stats;
	int64_t t = 1 * MS;
	uint64_t results = 0, unsound = 0, late = 0, slipped = 0;
	int i, got;
	size_t j, n;

	rng_state = 777;
	wiegand_init(&w, 0);
	for (i = 0; i < 40000; i++) {
		switch (rng() % 5) {
		case 0:
			t += rng_range(1, 30) * US;
			break;
		case 1:
			t += rng_range(50, 150) * US;
			break;
		case 2:
		case 3:
			t += rng_range(300, 3000) * US;
			break;
		default:
			t += rng_range(1, 40) * MS;
			break;
		}
		if (rng() % 500 == 0) {
			/* a valid card after a gap, once both lines are
			 * back high */
			t += 30 * MS;
			got = wiegand_feed(&w, WIEGAND_D0, true, t, &r);
			got += wiegand_feed(&w, WIEGAND_D1, true, t, &r);
			results += got;
			unsound += got == 1 && r.kind == WIEGAND_CARD && !card_is_sound(&r);
			t += 1 * MS;
			n = wiegand_encode(26, rng() % 256, rng() % 65536, t,
			    &std_timing, e, 0, &t);
			for (j = 0; j < n; j++) {
				got = wiegand_feed(&w, e[j].line, e[j].rising,
				    e[j].t, &r);
				if (got == 1) {
					results++;
					unsound += r.kind == WIEGAND_CARD && !card_is_sound(&r);
				}
			}
			slipped++;
			t += 30 * MS;
		}
		got = wiegand_feed(&w, rng() & 1 ? WIEGAND_D1 : WIEGAND_D0,
		    rng() % 3 == 0, t, &r);
		if (got == 1) {
			results++;
			unsound += r.kind == WIEGAND_CARD && !card_is_sound(&r);
		}
		if (wiegand_is_pending(&w) && wiegand_deadline(&w) <= t)
			late++;
		if (rng() % 7 == 0 && wiegand_expire(&w, t + rng_range(0, 30) * MS, &r) == 1) {
			results++;
			unsound += r.kind == WIEGAND_CARD && !card_is_sound(&r);
		}
	}
	if (wiegand_flush(&w, &r) == 1) {
		results++;
		unsound += r.kind == WIEGAND_CARD && !card_is_sound(&r);
	}
	CHECK_INT(unsound, 0);
	CHECK_INT(late, 0);
	CHECK(slipped > 0 && st->cards >= slipped);
	CHECK(st->noise > 0 && st->short_frames > 0 && st->glitches > 0);
	CHECK_INT(results, st->cards + st->short_frames + st->bad_length +
	    st->parity + st->noise);
}

int
main(void)
{
	test_examples();
	test_values();
	test_bit_flips();
	test_lengths();
	test_timing();
	test_glitches();
	test_gaps();
	test_expire();
	test_jitter();
	test_random_frames();
	test_random();
	return harness_done("test_wiegand");
}
