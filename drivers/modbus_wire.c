/*
 * Modbus requests and replies on the wire, TCP and RTU, with one deadline for
 * the whole transaction; libmodbus only opens and closes the connection.
 */
#include "modbus_wire.h"

#include <errno.h>
#include <modbus.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../common/util.h"

#define MBW_TCP_HDR	7	/* transaction, protocol, length, unit */
#define MBW_RTU_EXTRA	3	/* unit before the PDU, CRC after it */

/* A reply that does not answer the request. */
static int __attribute__((format(printf, 3, 4)))
mbw_bad(char *why, size_t whysz, const char *fmt, ...)
{
	char what[80];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	str_printf(why, whysz, "bad reply: %s", what);
	errno = EMBBADDATA;
	return -1;
}

uint16_t
mbw_crc16(const uint8_t *b, size_t n)
{
	uint16_t crc = 0xffff;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		crc ^= b[i];
		for (k = 0; k < 8; k++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xa001) :
			    (uint16_t)(crc >> 1);
	}
	return crc;
}

static void
mbw_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
mbw_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool
mbw_is_read(uint8_t fc)
{
	return fc >= MBW_READ_COILS && fc <= MBW_READ_INPUT;
}

/* Data bytes a read returns. */
static size_t
mbw_read_bytes(const struct mbw_req *q)
{
	if (q->fc == MBW_READ_COILS || q->fc == MBW_READ_DISCRETE)
		return (q->count + 7u) / 8u;
	return 2u * q->count;
}

/* The PDU (function code on) of a reply that is not an exception. */
static size_t
mbw_reply_pdu(const struct mbw_req *q)
{
	return mbw_is_read(q->fc) ? 2 + mbw_read_bytes(q) : 5;
}

size_t
mbw_encode(const struct mbw_req *q, uint8_t *adu)
{
	uint8_t *pdu = adu + (q->rtu ? 1 : MBW_TCP_HDR);
	size_t plen = 5, n;
	uint16_t crc;
	int i;

	pdu[0] = q->fc;
	mbw_put16(pdu + 1, q->addr);
	switch (q->fc) {
	case MBW_WRITE_COIL:
		mbw_put16(pdu + 3, q->value != 0 ? 0xff00 : 0x0000);
		break;
	case MBW_WRITE_REGISTER:
		mbw_put16(pdu + 3, q->value);
		break;
	case MBW_WRITE_REGISTERS:
		if (q->count == 0 || q->count > MODBUS_MAX_WRITE_REGISTERS)
			return 0;
		mbw_put16(pdu + 3, q->count);
		pdu[5] = (uint8_t)(2 * q->count);
		for (i = 0; i < q->count; i++)
			mbw_put16(pdu + 6 + 2 * i, q->regs[i]);
		plen = 6 + 2u * q->count;
		break;
	default:
		if (!mbw_is_read(q->fc) || q->count == 0 ||
		    q->count > ((q->fc <= MBW_READ_DISCRETE) ?
		    MODBUS_MAX_READ_BITS : MODBUS_MAX_READ_REGISTERS))
			return 0;
		mbw_put16(pdu + 3, q->count);
		break;
	}
	if (q->rtu) {
		adu[0] = q->unit;
		n = 1 + plen;
		crc = mbw_crc16(adu, n);
		adu[n++] = (uint8_t)crc;		/* low byte first */
		adu[n++] = (uint8_t)(crc >> 8);
		return n;
	}
	mbw_put16(adu, q->tid);
	mbw_put16(adu + 2, 0);				/* Modbus */
	mbw_put16(adu + 4, (uint16_t)(plen + 1));	/* unit and PDU */
	adu[6] = q->unit;
	return MBW_TCP_HDR + plen;
}

/*
 * The reply PDU's length, judged from its first `have` bytes at pdu: the
 * function code must be the request's or its exception, a read's byte count
 * what was asked for. 0 while more is needed, -1 when it cannot answer.
 */
static int
mbw_pdu_size(const struct mbw_req *q, const uint8_t *pdu, size_t have,
    char *why, size_t whysz)
{
	if (have < 1)
		return 0;
	if (pdu[0] == (q->fc | 0x80))
		return 2;
	if (pdu[0] != q->fc)
		return mbw_bad(why, whysz, "function %u, asked %u", pdu[0],
		    q->fc);
	if (mbw_is_read(q->fc)) {
		if (have < 2)
			return 0;
		if (pdu[1] != mbw_read_bytes(q))
			return mbw_bad(why, whysz, "byte count %u, expected %zu",
			    pdu[1], mbw_read_bytes(q));
	}
	return (int)mbw_reply_pdu(q);
}

int
mbw_reply_size(const struct mbw_req *q, const uint8_t *adu, size_t have,
    char *why, size_t whysz)
{
	unsigned len;
	int plen;

	if (q->rtu) {
		if (have < 1)
			return 0;
		if (adu[0] != q->unit)
			return mbw_bad(why, whysz, "unit id %u, asked %u",
			    adu[0], q->unit);
		plen = mbw_pdu_size(q, adu + 1, have - 1, why, whysz);
		return plen <= 0 ? plen : plen + MBW_RTU_EXTRA;
	}
	if (have < MBW_TCP_HDR)
		return 0;
	/* The header first: a reply that does not frame is not read on. */
	if (mbw_get16(adu + 2) != 0)
		return mbw_bad(why, whysz, "protocol id %u, not 0 (Modbus)",
		    mbw_get16(adu + 2));
	len = mbw_get16(adu + 4);
	if (len < 3 || len > 1 + MODBUS_MAX_PDU_LENGTH)
		return mbw_bad(why, whysz, "MBAP length %u", len);
	if (mbw_get16(adu) != q->tid)
		return mbw_bad(why, whysz, "transaction id %u, sent %u",
		    mbw_get16(adu), q->tid);
	if (adu[6] != q->unit)
		return mbw_bad(why, whysz, "unit id %u, asked %u", adu[6],
		    q->unit);
	plen = mbw_pdu_size(q, adu + MBW_TCP_HDR, have - MBW_TCP_HDR, why,
	    whysz);
	if (plen <= 0)
		return plen;
	if (len != (unsigned)plen + 1)
		return mbw_bad(why, whysz, "MBAP length %u for function %u, "
		    "expected %d", len, adu[7], plen + 1);
	return MBW_TCP_HDR - 1 + (int)len;
}

int
mbw_decode(const struct mbw_req *q, const uint8_t *adu, size_t len,
    uint16_t *regs, uint8_t *bits, char *why, size_t whysz)
{
	const uint8_t *pdu;
	int size = mbw_reply_size(q, adu, len, why, whysz);
	uint16_t want;
	size_t i;

	if (size < 0)
		return -1;
	if (size == 0 || (size_t)size != len)
		return mbw_bad(why, whysz, "%zu bytes", len);
	if (q->rtu) {
		uint16_t crc = mbw_crc16(adu, len - 2);

		if ((adu[len - 2] | adu[len - 1] << 8) != crc) {
			str_printf(why, whysz, "bad reply: CRC error");
			errno = EMBBADCRC;
			return -1;
		}
		pdu = adu + 1;
	} else {
		pdu = adu + MBW_TCP_HDR;
	}
	if (pdu[0] & 0x80) {
		errno = pdu[1] >= MODBUS_EXCEPTION_ILLEGAL_FUNCTION &&
		    pdu[1] <= MODBUS_EXCEPTION_GATEWAY_TARGET ?
		    MODBUS_ENOBASE + pdu[1] : EMBUNKEXC;
		str_printf(why, whysz, "exception %u: %s", pdu[1],
		    modbus_strerror(errno));
		return -1;
	}
	switch (q->fc) {
	case MBW_READ_COILS:
	case MBW_READ_DISCRETE:
		for (i = 0; i < q->count; i++)
			bits[i] = (pdu[2 + i / 8] >> (i % 8)) & 1;
		return 0;
	case MBW_READ_HOLDING:
	case MBW_READ_INPUT:
		for (i = 0; i < q->count; i++)
			regs[i] = mbw_get16(pdu + 2 + 2 * i);
		return 0;
	case MBW_WRITE_COIL:
	case MBW_WRITE_REGISTER:
		want = q->fc == MBW_WRITE_REGISTER ? q->value :
		    q->value != 0 ? 0xff00 : 0x0000;
		if (mbw_get16(pdu + 1) != q->addr || mbw_get16(pdu + 3) != want)
			return mbw_bad(why, whysz, "echo 0x%04x=0x%04x, sent "
			    "0x%04x=0x%04x", mbw_get16(pdu + 1),
			    mbw_get16(pdu + 3), q->addr, want);
		return 0;
	default:
		if (mbw_get16(pdu + 1) != q->addr || mbw_get16(pdu + 3) != q->count)
			return mbw_bad(why, whysz, "echo 0x%04x (%u), sent "
			    "0x%04x (%u)", mbw_get16(pdu + 1),
			    mbw_get16(pdu + 3), q->addr, q->count);
		return 0;
	}
}

/* Waits until fd is ready for events or the deadline passes: 1, 0 at the
 * deadline, -1 on error. */
static int
mbw_wait(int fd, short events, int64_t deadline, short *revents)
{
	struct pollfd p = { .fd = fd, .events = events };
	struct timespec ts;
	int64_t left;
	int rc;

	for (;;) {
		left = deadline - mono_ns();
		if (left <= 0)
			return 0;
		ts.tv_sec = (time_t)(left / 1000000000LL);
		ts.tv_nsec = (long)(left % 1000000000LL);
		rc = ppoll(&p, 1, &ts, NULL);
		if (rc > 0) {
			*revents = p.revents;
			return 1;
		}
		if (rc == -1 && errno != EINTR)
			return -1;
	}
}

static long long
mbw_ms(int64_t ns)
{
	return (long long)((ns + NS_PER_MS / 2) / NS_PER_MS);
}

int
mbw_transact(int fd, const struct mbw_req *q, int64_t window_ns,
    uint16_t *regs, uint8_t *bits, char *why, size_t whysz)
{
	uint8_t req[MBW_ADU_MAX], rsp[MBW_ADU_MAX];
	int64_t deadline = mono_ns() + window_ns;
	size_t n = mbw_encode(q, req), done = 0, have = 0, want;
	short rev = 0;
	ssize_t k;
	int size, w;

	if (n == 0) {
		str_printf(why, whysz, "request too long");
		errno = EINVAL;
		return -1;
	}
	/* RTU: both frames on the wire and 3.5 characters of silence after
	 * the request are not the device's delay. Bytes that came before the
	 * request (the end of a late reply, a slave's noise) cannot be its
	 * reply: they are dropped, not taken for its first bytes. */
	if (q->rtu) {
		deadline += q->char_ns * (int64_t)(n + 4 + mbw_reply_pdu(q) +
		    MBW_RTU_EXTRA);
		(void)tcflush(fd, TCIFLUSH);
	}
	while (done < n) {
		if ((w = mbw_wait(fd, POLLOUT, deadline, &rev)) <= 0)
			goto out_wait;
		k = write(fd, req + done, n - done);
		if (k < 0 && errno != EAGAIN && errno != EINTR) {
			str_printf(why, whysz, "write: %s", strerror(errno));
			return -1;
		}
		if (k > 0)
			done += (size_t)k;
	}
	/* Read no further than this reply: what the device sends beyond it
	 * stays for the next one to refuse. */
	want = q->rtu ? 1 : MBW_TCP_HDR;
	for (;;) {
		while (have < want) {
			if ((w = mbw_wait(fd, POLLIN, deadline, &rev)) <= 0)
				goto out_wait;
			k = read(fd, rsp + have, want - have);
			if (k > 0) {
				have += (size_t)k;
				continue;
			}
			if (k < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (k == 0 && q->rtu && !(rev & (POLLHUP | POLLERR)))
				continue;	/* a serial port with nothing yet */
			if (k == 0) {
				str_printf(why, whysz, "connection closed by "
				    "the device");
				errno = ECONNRESET;
				return -1;
			}
			str_printf(why, whysz, "read: %s", strerror(errno));
			return -1;
		}
		size = mbw_reply_size(q, rsp, have, why, whysz);
		if (size < 0)
			return -1;
		if (size > 0 && have >= (size_t)size)
			break;
		want = size > 0 ? (size_t)size : have + 1;
	}
	return mbw_decode(q, rsp, have, regs, bits, why, whysz);

out_wait:
	if (w < 0) {
		str_printf(why, whysz, "poll: %s", strerror(errno));
		return -1;
	}
	if (done < n)
		str_printf(why, whysz, "request not sent within %lld ms",
		    mbw_ms(window_ns));
	else if (have == 0)
		str_printf(why, whysz, "no reply within %lld ms", mbw_ms(window_ns));
	else
		str_printf(why, whysz, "no complete reply within %lld ms (%zu "
		    "byte%s)", mbw_ms(window_ns), have, have == 1 ? "" : "s");
	errno = ETIMEDOUT;
	return -1;
}
