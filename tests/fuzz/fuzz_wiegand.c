/*
 * Fuzzes the Wiegand decoder (drivers/wiegand.c) with edge streams and checks
 * each frame against an independent reading of its bits: a card has a known
 * length, both parities right, and its uid, facility and number are its data
 * bits; a reject names the true reason when the reason is in the bits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/wiegand.h"

#define FAIL(...) do { fprintf(stderr, "fuzz_wiegand: " __VA_ARGS__); \
	fputc('\n', stderr); abort(); } while (0)

/* Bit i (1 = first on the wire) of an n-bit frame in raw, last bit in bit 0. */
static int
bit(uint64_t raw, unsigned n, unsigned i)
{
	return (int)((raw >> (n - i)) & 1);
}

static int
ones(uint64_t raw, unsigned n, unsigned a, unsigned b)
{
	int k = 0;

	for (unsigned i = a; i <= b; i++)
		k += bit(raw, n, i);
	return k;
}

/* Parity halves of each known length: even 1..e, odd o..n. */
static bool
layout(unsigned n, unsigned *e, unsigned *o, unsigned *card_bits)
{
	switch (n) {
	case 26: *e = 13; *o = 14; *card_bits = 16; return true;
	case 34: *e = 17; *o = 18; *card_bits = 16; return true;
	case 37: *e = 19; *o = 19; *card_bits = 19; return true;
	default: return false;
	}
}

static void
check(const struct wiegand_result *r, uint64_t *cards)
{
	unsigned e, o, cb, n = r->bits;
	bool known = layout(n, &e, &o, &cb);
	bool parity_ok = known && ones(r->raw, n, 1, e) % 2 == 0 &&
	    ones(r->raw, n, o, n) % 2 == 1;
	char want[MSG_UID_MAX];

	if (n == 0)
		FAIL("a frame of no bits");
	if (r->kind == WIEGAND_CARD) {
		uint64_t data = 0;

		(*cards)++;
		if (!known || !parity_ok)
			FAIL("card of %u bits, parity %d", n, parity_ok);
		for (unsigned i = 2; i < n; i++)
			data = data << 1 | (uint64_t)bit(r->raw, n, i);
		snprintf(want, sizeof(want), "%0*llX", (int)((n - 2 + 3) / 4),
		    (unsigned long long)data);
		if (strcmp(want, r->uid) != 0)
			FAIL("%u bits: uid %s, data bits say %s", n, r->uid, want);
		if (((uint64_t)r->facility << cb | r->card) != data)
			FAIL("facility %u card %u are not the data bits",
			    r->facility, r->card);
		return;
	}
	if (r->kind != WIEGAND_REJECT)
		FAIL("kind %d", r->kind);
	if (r->uid[0] != '\0')
		FAIL("a reject with uid %s", r->uid);
	switch (r->reject) {
	case WIEGAND_REJECT_SHORT:
		if (n >= 26)
			FAIL("short frame of %u bits", n);
		break;
	case WIEGAND_REJECT_LENGTH:
		if (n < 26 || known)
			FAIL("bad length %u", n);
		break;
	case WIEGAND_REJECT_PARITY:
		if (!known || parity_ok)
			FAIL("parity reject of %u bits with good parity", n);
		break;
	case WIEGAND_REJECT_NOISE:
		break;
	default:
		FAIL("reject reason %d", r->reject);
	}
}

/*
 * Input: a gap byte, then 3-byte edges: line and direction in the low bits
 * of the first, then the time since the last edge in microseconds (16 bits).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wiegand w;
	struct wiegand_result r;
	uint64_t cards = 0;
	int64_t t = 5000000000LL;
	size_t i;
	int rc;

	if (size < 1)
		return 0;
	/* Gaps of 1..256 ms, all valid. */
	if (wiegand_init(&w, ((int64_t)data[0] + 1) * 1000000LL) != 0)
		FAIL("init refused a valid gap");
	for (i = 1; i + 3 <= size; i += 3) {
		int line = data[i] & 1;
		bool rising = (data[i] & 2) != 0;

		t += (int64_t)(data[i + 1] << 8 | data[i + 2]) * 1000;
		if ((data[i] & 0xfc) == 0xfc) {
			/* Now and then, time passes with no edge. */
			if ((rc = wiegand_expire(&w, t, &r)) == 1)
				check(&r, &cards);
			if (rc == 1 && wiegand_is_pending(&w))
				FAIL("a frame still pending after expiry");
			continue;
		}
		memset(&r, 0, sizeof(r));
		rc = wiegand_feed(&w, (enum wiegand_line)line, rising, t, &r);
		if (rc < 0)
			FAIL("feed refused a valid line");
		if (rc == 1)
			check(&r, &cards);
		if (wiegand_is_pending(&w) && wiegand_deadline(&w) <= t - w.gap_ns)
			FAIL("deadline before the last edge");
	}
	if (wiegand_feed(&w, (enum wiegand_line)2, false, t, &r) != -1 ||
	    errno != EINVAL)
		FAIL("line 2 taken");
	memset(&r, 0, sizeof(r));
	if (wiegand_flush(&w, &r) == 1)
		check(&r, &cards);
	if (wiegand_is_pending(&w))
		FAIL("pending after flush");
	if (w.stats.cards != cards)
		FAIL("stats say %llu cards, %llu seen",
		    (unsigned long long)w.stats.cards, (unsigned long long)cards);
	return 0;
}
