/*
 * Fuzzes the Modbus reply checker (drivers/modbus_wire.c): a request made
 * from the input, then reply bytes. A reply the checker takes must answer
 * that request (unit, function, transaction id, length, CRC, echo), its
 * values must be the bytes sent, and the size it predicts from a prefix
 * must not change as more bytes arrive. A well-formed reply built here for
 * the request must be taken.
 */
#include <errno.h>
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/modbus_wire.h"
#include "../unit/rtu_crc.h"

#define FAIL(...) do { fprintf(stderr, "fuzz_modbus: " __VA_ARGS__); \
	fputc('\n', stderr); abort(); } while (0)

static const uint8_t fcs[] = { 1, 2, 3, 4, 5, 6, 16 };

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool
is_read(uint8_t fc)
{
	return fc <= 4;
}

static size_t
read_bytes(const struct mbw_req *q)
{
	return q->fc <= 2 ? (q->count + 7u) / 8u : 2u * q->count;
}

/* The one reply ADU that answers q with the values in v; its length. */
static size_t
make_reply(const struct mbw_req *q, const uint8_t *v, size_t nv, uint8_t *adu)
{
	uint8_t *pdu = adu + (q->rtu ? 1 : 7);
	size_t plen, n;

	pdu[0] = q->fc;
	if (is_read(q->fc)) {
		pdu[1] = (uint8_t)read_bytes(q);
		for (size_t i = 0; i < pdu[1]; i++)
			pdu[2 + i] = nv ? v[i % nv] : 0;
		plen = 2 + pdu[1];
	} else {
		uint16_t val = q->fc == 5 ? (q->value ? 0xff00 : 0) :
		    q->fc == 6 ? q->value : q->count;

		pdu[1] = (uint8_t)(q->addr >> 8);
		pdu[2] = (uint8_t)q->addr;
		pdu[3] = (uint8_t)(val >> 8);
		pdu[4] = (uint8_t)val;
		plen = 5;
	}
	if (q->rtu) {
		uint16_t crc;

		adu[0] = q->unit;
		n = 1 + plen;
		crc = rtu_crc16(adu, n);
		adu[n++] = (uint8_t)crc;
		adu[n++] = (uint8_t)(crc >> 8);
		return n;
	}
	adu[0] = (uint8_t)(q->tid >> 8);
	adu[1] = (uint8_t)q->tid;
	adu[2] = adu[3] = 0;
	adu[4] = (uint8_t)((plen + 1) >> 8);
	adu[5] = (uint8_t)(plen + 1);
	adu[6] = q->unit;
	return 7 + plen;
}

/* What a reply the checker took must be. */
static void
check_taken(const struct mbw_req *q, const uint8_t *adu, size_t len,
    const uint16_t *regs, const uint8_t *bits)
{
	const uint8_t *pdu = adu + (q->rtu ? 1 : 7);
	size_t plen = is_read(q->fc) ? 2 + read_bytes(q) : 5;

	if (len != (q->rtu ? 3 : 7) + plen)
		FAIL("took %zu bytes for function %u count %u", len, q->fc,
		    q->count);
	if ((q->rtu ? adu[0] : adu[6]) != q->unit || pdu[0] != q->fc)
		FAIL("took a reply from unit %u function %u",
		    q->rtu ? adu[0] : adu[6], pdu[0]);
	if (q->rtu && (adu[len - 2] | adu[len - 1] << 8) != rtu_crc16(adu, len - 2))
		FAIL("took a reply with a bad CRC");
	if (!q->rtu && (get16(adu) != q->tid || get16(adu + 2) != 0 ||
	    get16(adu + 4) != plen + 1))
		FAIL("took a reply with a bad MBAP header");
	if (is_read(q->fc)) {
		if (pdu[1] != read_bytes(q))
			FAIL("took byte count %u", pdu[1]);
		for (unsigned i = 0; i < q->count; i++) {
			if (q->fc <= 2 && bits[i] != ((pdu[2 + i / 8] >> (i % 8)) & 1))
				FAIL("bit %u not as sent", i);
			if (q->fc > 2 && regs[i] != get16(pdu + 2 + 2 * i))
				FAIL("register %u not as sent", i);
		}
	} else if (get16(pdu + 1) != q->addr) {
		FAIL("took an echo of another address");
	}
}

/* The size mbw_reply_size predicts must agree with every longer prefix. */
static void
check_prefixes(const struct mbw_req *q, const uint8_t *adu, size_t len)
{
	char why[160];
	int first = 0, rc;

	for (size_t have = 0; have <= len; have++) {
		rc = mbw_reply_size(q, adu, have, why, sizeof(why));
		if (rc > MBW_ADU_MAX)
			FAIL("predicted %d bytes", rc);
		if (first == 0)
			first = rc;
		else if (rc != first)
			FAIL("predicted %d, then %d at %zu bytes", first, rc, have);
	}
}

/*
 * Input: rtu, unit, function, addr (2), count (2), value (2), tid (2), then
 * the reply's bytes.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t regs[MODBUS_MAX_READ_REGISTERS + 1];
	uint8_t bits[MODBUS_MAX_READ_BITS + 1];
	uint8_t req[MBW_ADU_MAX], good[MBW_ADU_MAX];
	uint16_t wregs[MODBUS_MAX_WRITE_REGISTERS];
	struct mbw_req q = { 0 };
	char why[160];
	size_t n, glen, rlen;
	int rc;

	if (size < 11)
		return 0;
	q.rtu = data[0] & 1;
	q.unit = data[1];
	q.fc = fcs[data[2] % sizeof(fcs)];
	q.addr = get16(data + 3);
	q.count = get16(data + 5);
	q.value = get16(data + 7);
	q.tid = get16(data + 9);
	memset(wregs, 0, sizeof(wregs));
	q.regs = wregs;
	if (is_read(q.fc))
		q.count = (uint16_t)(1 + q.count % (q.fc <= 2 ?
		    MODBUS_MAX_READ_BITS : MODBUS_MAX_READ_REGISTERS));
	else if (q.fc == 16)
		q.count = (uint16_t)(1 + q.count % MODBUS_MAX_WRITE_REGISTERS);
	if ((n = mbw_encode(&q, req)) == 0 || n > MBW_ADU_MAX)
		FAIL("a request in range not encoded (%zu)", n);
	data += 11;
	size -= 11;
	rlen = size < MBW_ADU_MAX ? size : MBW_ADU_MAX;

	/* The fuzzer's reply. */
	check_prefixes(&q, data, rlen);
	memset(regs, 0, sizeof(regs));
	memset(bits, 0, sizeof(bits));
	rc = mbw_decode(&q, data, rlen, regs, bits, why, sizeof(why));
	if (rc == 0)
		check_taken(&q, data, rlen, regs, bits);
	else if (why[0] == '\0')
		FAIL("refused with no reason");

	/* The right reply, with the fuzzer's values: taken, and as sent. */
	glen = make_reply(&q, data, rlen, good);
	check_prefixes(&q, good, glen);
	if (mbw_reply_size(&q, good, glen, why, sizeof(why)) != (int)glen)
		FAIL("a right reply's size not predicted: %s", why);
	if (mbw_decode(&q, good, glen, regs, bits, why, sizeof(why)) != 0)
		FAIL("a right reply refused: %s", why);
	check_taken(&q, good, glen, regs, bits);
	return 0;
}
