/*
 * Fuzzes the serial reader frame parser (drivers/cardfmt.c) for each format
 * and checks what it reports: a card is a well-formed frame of its format
 * found in the bytes fed, and no more bytes are reported than were fed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/cardfmt.h"

/* What the callback saw, for checking after each chunk. */
struct seen {
	enum card_format	format;
	const uint8_t		*all;		/* every byte fed so far */
	size_t			nall;
	uint64_t		bytes;		/* sum of reported bytes */
	int			calls;
	int64_t			now;
};

#define FAIL(...) do { fprintf(stderr, "fuzz_cardfmt: " __VA_ARGS__); \
	fputc('\n', stderr); abort(); } while (0)

/* True if uid occurs in the bytes fed, ignoring case. */
static bool
uid_in_input(const struct seen *s, const char *uid)
{
	size_t n = strlen(uid);

	for (size_t i = 0; i + n <= s->nall; i++) {
		size_t k = 0;

		while (k < n && toupper(s->all[i + k]) == (unsigned char)uid[k])
			k++;
		if (k == n)
			return true;
	}
	return false;
}

static void
check_card(const struct seen *s, const char *uid)
{
	size_t n = strnlen(uid, MSG_UID_MAX);

	if (n == MSG_UID_MAX)
		FAIL("uid not terminated");
	for (size_t i = 0; i < n; i++) {
		char c = uid[i];
		bool hex = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');

		if (s->format == CARD_QR ?
		    !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '-') :
		    !hex)
			FAIL("uid %s: bad character 0x%02x", uid, (unsigned char)c);
	}
	if (s->format == CARD_EM4100 && n != 10)
		FAIL("EM4100 uid %s: %zu digits, not 10", uid, n);
	if (s->format == CARD_WIEGAND_ASCII && (n < 4 || n > 16))
		FAIL("Wiegand ASCII uid %s: %zu digits", uid, n);
	if (s->format == CARD_QR && (n < 4 || n > MSG_UID_MAX - 1))
		FAIL("QR code %s: %zu characters", uid, n);
	if (!uid_in_input(s, uid))
		FAIL("uid %s was never in the input", uid);
}

static void
on_result(void *arg, const struct cardfmt_result *r)
{
	struct seen *s = arg;

	s->calls++;
	s->bytes += r->bytes;
	if (r->t_ns != s->now)
		FAIL("result at %lld, chunk at %lld", (long long)r->t_ns,
		    (long long)s->now);
	if (r->kind == CARDFMT_CARD)
		check_card(s, r->uid);
	else if (r->kind != CARDFMT_REJECT || r->bytes == 0)
		FAIL("kind %d, %u bytes", r->kind, r->bytes);
	if (s->bytes > s->nall)
		FAIL("%llu bytes reported of %zu fed",
		    (unsigned long long)s->bytes, s->nall);
}

/*
 * Input: a format byte, then chunks: a length byte, a gap byte (ms since the
 * last chunk), and that many bytes.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cardfmt p;
	struct seen s = { 0 };
	uint8_t *all;
	size_t i = 1;
	int n;

	if (size < 1)
		return 0;
	s.format = (enum card_format)(data[0] % 3);
	if ((all = malloc(size)) == NULL)
		return 0;
	s.all = all;
	cardfmt_init(&p, s.format);
	s.now = 1000000000LL;
	while (i + 2 <= size) {
		size_t len = data[i];
		int64_t gap = (int64_t)data[i + 1] * 1000000LL;

		i += 2;
		if (len > size - i)
			len = size - i;
		memcpy(all + s.nall, data + i, len);
		s.nall += len;
		s.now += gap;
		s.calls = 0;
		/* Before the chunk: a stale frame expires at its deadline. */
		if (cardfmt_is_pending(&p) && cardfmt_deadline(&p) <= s.now) {
			n = cardfmt_expire(&p, s.now, on_result, &s);
			if (n != s.calls || n != 1 || cardfmt_is_pending(&p))
				FAIL("expire at the deadline: %d calls", n);
			s.calls = 0;
		}
		n = cardfmt_feed(&p, data + i, len, s.now, on_result, &s);
		if (n != s.calls)
			FAIL("feed returned %d, made %d calls", n, s.calls);
		if (cardfmt_is_pending(&p) != (cardfmt_deadline(&p) != INT64_MAX))
			FAIL("pending and deadline disagree");
		if (cardfmt_is_pending(&p) && cardfmt_deadline(&p) <= s.now)
			FAIL("deadline already passed");
		i += len;
	}
	s.calls = 0;
	n = cardfmt_flush(&p, s.now, on_result, &s);
	if (n != s.calls || cardfmt_is_pending(&p))
		FAIL("flush left a frame pending");
	free(all);
	return 0;
}
