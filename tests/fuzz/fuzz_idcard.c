/*
 * Fuzzes the desk identity card reader's reply parser and base-block reader
 * (drivers/idcard.c): bytes fed in chunks never report more taken than fed,
 * a frame returned is a run of the bytes fed whose checksum holds by an XOR
 * computed here, and a base block that decodes has fields of their shape.
 *
 * Input: the first byte sets the chunk size (0: everything at once, else
 * 1 to 32 bytes), the rest is the reader's side of the line. The same rest
 * is also handed to idcard_decode as a base read's data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/idcard.h"

#define FAIL(...) do { fprintf(stderr, "fuzz_idcard: " __VA_ARGS__); \
	fputc('\n', stderr); abort(); } while (0)

static const uint8_t preamble[] = { 0xaa, 0xaa, 0xaa, 0x96, 0x69 };

static bool
digits(const char *s, size_t n)
{
	if (strnlen(s, n + 1) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static void
terminated(const char *what, const char *s, size_t size)
{
	if (strnlen(s, size) == size)
		FAIL("%s not terminated", what);
}

/* A decoded base block: every field ends within its array and has the
 * shape the header promises. */
static void
check_info(const struct idcard_info *in)
{
	terminated("name", in->name, sizeof(in->name));
	terminated("nation", in->nation, sizeof(in->nation));
	terminated("birth", in->birth, sizeof(in->birth));
	terminated("address", in->address, sizeof(in->address));
	terminated("number", in->number, sizeof(in->number));
	terminated("authority", in->authority, sizeof(in->authority));
	terminated("valid_from", in->valid_from, sizeof(in->valid_from));
	terminated("valid_until", in->valid_until, sizeof(in->valid_until));
	if (in->name[0] == '\0')
		FAIL("empty name accepted");
	if (in->sex != '0' && in->sex != '1' && in->sex != '2' && in->sex != '9')
		FAIL("sex 0x%02x accepted", (unsigned char)in->sex);
	if (!digits(in->nation, 2))
		FAIL("nation \"%s\" accepted", in->nation);
	if (strlen(in->number) != 18 || strspn(in->number, "0123456789") < 17 ||
	    !((in->number[17] >= '0' && in->number[17] <= '9') ||
	    in->number[17] == 'X'))
		FAIL("number of %zu characters accepted", strlen(in->number));
	if (!digits(in->birth, 8))
		FAIL("birth date \"%s\" accepted", in->birth);
	if (!digits(in->valid_from, 8))
		FAIL("valid_from \"%s\" accepted", in->valid_from);
	if (!digits(in->valid_until, 8) && strcmp(in->valid_until, "长期") != 0)
		FAIL("valid_until \"%s\" accepted", in->valid_until);
}

/* A frame the parser returned: in its buffer, whole, with a right XOR,
 * and made of bytes fed, in order. */
static void
check_frame(const struct idcard_rx *rx, const struct idcard_reply *r,
    const uint8_t *all, size_t nall)
{
	const uint8_t *f = rx->buf;
	size_t body, flen;
	uint8_t x = 0;
	bool found = false;

	if (r->data != f + 10)
		FAIL("reply data not after the status bytes");
	if (memcmp(f, preamble, sizeof(preamble)) != 0)
		FAIL("frame without its preamble");
	body = (size_t)f[5] << 8 | f[6];
	flen = 7 + body;
	if (body < 4 || flen > sizeof(rx->buf))
		FAIL("frame length %zu taken", body);
	if (r->ndata != body - 4)
		FAIL("%zu data bytes in a body of %zu", r->ndata, body);
	if (r->sw1 != f[7] || r->sw2 != f[8] || r->sw3 != f[9])
		FAIL("status bytes not the frame's");
	for (size_t i = 5; i < flen - 1; i++)
		x ^= f[i];
	if (x != f[flen - 1])
		FAIL("frame with a bad checksum taken (0x%02x, want 0x%02x)",
		    f[flen - 1], x);
	for (size_t i = 0; !found && i + flen <= nall; i++)
		found = memcmp(all + i, f, flen) == 0;
	if (!found)
		FAIL("a %zu-byte frame that is not in the bytes fed", flen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct idcard_rx rx;
	struct idcard_info info;
	char err[160];
	size_t chunk, off = 0, steps = 0;

	if (size < 1)
		return 0;
	chunk = data[0] == 0 ? size : (size_t)(data[0] % 32) + 1;
	data++;
	size--;

	idcard_rx_reset(&rx);
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		size_t k = 0;

		/* A chunk is fed until the parser has taken all of it. */
		while (k < n) {
			struct idcard_reply r;
			size_t used = (size_t)-1;
			enum idcard_rx_result res;

			err[0] = '\0';
			res = idcard_rx_feed(&rx, data + off + k, n - k, &used, &r, err,
			    sizeof(err));
			if (used > n - k)
				FAIL("took %zu bytes of %zu", used, n - k);
			if (rx.len > sizeof(rx.buf))
				FAIL("buffer holds %zu bytes", rx.len);
			switch (res) {
			case IDCARD_RX_MORE:
				if (used != n - k)
					FAIL("more wanted with %zu of %zu bytes left",
					    n - k - used, n - k);
				break;
			case IDCARD_RX_FRAME:
				check_frame(&rx, &r, data, off + k + used);
				if (r.sw3 == IDCARD_SW_OK &&
				    idcard_decode(r.data, r.ndata, &info, err,
				    sizeof(err)) == 0)
					check_info(&info);
				break;
			case IDCARD_RX_BAD:
				if (err[0] == '\0')
					FAIL("a discard without a reason");
				break;
			default:
				FAIL("result %d", (int)res);
			}
			k += used;
			/* Each call takes a byte or drops some it held. */
			if (++steps > 4 * (size + 1))
				FAIL("no progress after %zu calls", steps);
		}
		off += n;
	}

	/* The same bytes as a base read's data. */
	err[0] = '\0';
	if (idcard_decode(data, size, &info, err, sizeof(err)) == 0)
		check_info(&info);
	else if (err[0] == '\0')
		FAIL("decode refused without a reason");
	return 0;
}
