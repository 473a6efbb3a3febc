/*
 * drivers/modbus_wire.c: requests as they go on the wire, a table of replies
 * each checked against its request (one row a fault), and whole transactions
 * on a socket pair against a peer that answers, trickles or hangs up.
 */
#include <errno.h>
#include <modbus.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../common/util.h"
#include "../../drivers/modbus_wire.h"
#include "harness.h"
#include "rtu_crc.h"

/* "00 07 0a" -> bytes; returns how many. */
static size_t
hex(const char *s, uint8_t *out)
{
	size_t n = 0;
	char *end;

	while (*s != '\0') {
		unsigned long v = strtoul(s, &end, 16);

		if (end == s)
			break;
		out[n++] = (uint8_t)v;
		s = end;
	}
	return n;
}

/* Requests: byte for byte what a Modbus master sends. */
static void
test_encode(void)
{
	static const uint16_t two[] = { 0x0001, 0x8000 };
	static const struct {
		const char	*name;
		struct mbw_req	q;
		const char	*want;
	} rows[] = {
		{ "tcp read input", { .tid = 7, .unit = 3, .fc = MBW_READ_INPUT,
		    .addr = 0, .count = 4 },
		    "00 07 00 00 00 06 03 04 00 00 00 04" },
		{ "tcp write coil on", { .tid = 0x1234, .unit = 1,
		    .fc = MBW_WRITE_COIL, .addr = 2, .value = 1 },
		    "12 34 00 00 00 06 01 05 00 02 ff 00" },
		{ "tcp write registers", { .tid = 1, .unit = 20,
		    .fc = MBW_WRITE_REGISTERS, .addr = 0x14, .count = 2,
		    .regs = two },
		    "00 01 00 00 00 0b 14 10 00 14 00 02 04 00 01 80 00" },
		/* The textbook frame: its CRC is C5 CD. */
		{ "rtu read holding", { .rtu = true, .unit = 1,
		    .fc = MBW_READ_HOLDING, .addr = 0, .count = 10 },
		    "01 03 00 00 00 0a c5 cd" },
		{ "rtu write register", { .rtu = true, .unit = 17,
		    .fc = MBW_WRITE_REGISTER, .addr = 1, .value = 3 },
		    NULL },
		{ "read of 0 registers", { .unit = 1, .fc = MBW_READ_INPUT,
		    .addr = 0, .count = 0 }, "" },
		{ "read of 126 registers", { .unit = 1, .fc = MBW_READ_HOLDING,
		    .addr = 0, .count = 126 }, "" },
	};
	uint8_t got[MBW_ADU_MAX], want[MBW_ADU_MAX];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t n = mbw_encode(&rows[i].q, got), w;

		if (rows[i].want == NULL) {	/* RTU: checked by its CRC */
			CHECK_INT(n, 8);
			CHECK_INT(got[6] | got[7] << 8, rtu_crc16(got, 6));
			continue;
		}
		w = hex(rows[i].want, want);
		if (n != w || memcmp(got, want, n) != 0) {
			fprintf(stderr, "encode row \"%s\": wrong bytes (%zu, "
			    "want %zu)\n", rows[i].name, n, w);
			CHECK(0);
		} else {
			CHECK(1);
		}
	}
}

enum crc_fix { CRC_NONE, CRC_GOOD, CRC_BAD };

/* Replies to the request of their row: what a check makes of them. */
static void
test_replies(void)
{
	static const uint16_t two[] = { 7, 9 };
	const struct mbw_req rd = { .tid = 7, .unit = 3, .fc = MBW_READ_INPUT,
	    .addr = 0, .count = 4 };
	const struct mbw_req coil = { .tid = 9, .unit = 1, .fc = MBW_WRITE_COIL,
	    .addr = 2, .value = 1 };
	const struct mbw_req reg = { .tid = 9, .unit = 1,
	    .fc = MBW_WRITE_REGISTER, .addr = 0, .value = 2 };
	const struct mbw_req regs = { .tid = 2, .unit = 20,
	    .fc = MBW_WRITE_REGISTERS, .addr = 0x14, .count = 2, .regs = two };
	const struct mbw_req bits = { .tid = 5, .unit = 2,
	    .fc = MBW_READ_DISCRETE, .addr = 0, .count = 10 };
	const struct mbw_req rrd = { .rtu = true, .unit = 3,
	    .fc = MBW_READ_INPUT, .addr = 0, .count = 2 };
	const struct {
		const char		*name;
		const struct mbw_req	*q;
		const char		*reply;
		enum crc_fix		crc;
		int			err;	/* 0: good */
		const char		*why;	/* in the reason */
	} rows[] = {
		{ "tcp: a good read", &rd, "00 07 00 00 00 0b 03 04 08 "
		    "00 01 00 02 00 03 ff ff", CRC_NONE, 0, NULL },
		{ "tcp: another unit id", &rd, "00 07 00 00 00 0b 0d 04 08 "
		    "00 01 00 02 00 03 00 04", CRC_NONE, EMBBADDATA,
		    "bad reply: unit id 13, asked 3" },
		{ "tcp: protocol id 1", &rd, "00 07 00 01 00 0b 03 04 08 "
		    "00 01 00 02 00 03 00 04", CRC_NONE, EMBBADDATA,
		    "bad reply: protocol id 1, not 0 (Modbus)" },
		{ "tcp: protocol id 0x0100", &rd, "00 07 01 00 00 0b 03 04 08 "
		    "00 01 00 02 00 03 00 04", CRC_NONE, EMBBADDATA,
		    "protocol id 256" },
		{ "tcp: MBAP length 0", &rd, "00 07 00 00 00 00 03 04 08 "
		    "00 01 00 02 00 03 00 04", CRC_NONE, EMBBADDATA,
		    "bad reply: MBAP length 0" },
		{ "tcp: MBAP length 0xFFFF", &rd, "00 07 00 00 ff ff 03 04 08 "
		    "00 01 00 02 00 03 00 04", CRC_NONE, EMBBADDATA,
		    "bad reply: MBAP length 65535" },
		{ "tcp: MBAP length 255", &rd, "00 07 00 00 00 ff 03 04 08",
		    CRC_NONE, EMBBADDATA, "MBAP length 255" },
		{ "tcp: MBAP length one too many", &rd, "00 07 00 00 00 0c 03 04 "
		    "08 00 01 00 02 00 03 00 04 00", CRC_NONE, EMBBADDATA,
		    "MBAP length 12 for function 4, expected 11" },
		{ "tcp: another transaction id", &rd, "00 08 00 00 00 0b 03 04 "
		    "08 00 01 00 02 00 03 00 04", CRC_NONE, EMBBADDATA,
		    "transaction id 8, sent 7" },
		{ "tcp: another function", &rd, "00 07 00 00 00 0b 03 03 08 "
		    "00 01 00 02 00 03 00 04", CRC_NONE, EMBBADDATA,
		    "function 3, asked 4" },
		{ "tcp: a byte count not asked for", &rd, "00 07 00 00 00 0b 03 "
		    "04 06 00 01 00 02 00 03 00 04", CRC_NONE, EMBBADDATA,
		    "byte count 6, expected 8" },
		{ "tcp: cut short", &rd, "00 07 00 00 00 0b 03 04 08 00 01",
		    CRC_NONE, EMBBADDATA, "bad reply: 11 bytes" },
		{ "tcp: an exception", &rd, "00 07 00 00 00 03 03 84 02",
		    CRC_NONE, EMBXILADD, "exception 2" },
		{ "tcp: an unknown exception", &rd, "00 07 00 00 00 03 03 84 "
		    "30", CRC_NONE, EMBUNKEXC, "exception 48" },
		{ "tcp: an exception of another function", &rd,
		    "00 07 00 00 00 03 03 83 02", CRC_NONE, EMBBADDATA,
		    "function 131, asked 4" },
		{ "tcp: a coil written", &coil, "00 09 00 00 00 06 01 05 00 02 "
		    "ff 00", CRC_NONE, 0, NULL },
		{ "tcp: a coil echo of another value", &coil, "00 09 00 00 00 06 "
		    "01 05 00 02 00 00", CRC_NONE, EMBBADDATA,
		    "echo 0x0002=0x0000, sent 0x0002=0xff00" },
		{ "tcp: a register echo of another address", &reg, "00 09 00 00 "
		    "00 06 01 06 00 01 00 02", CRC_NONE, EMBBADDATA,
		    "echo 0x0001=0x0002" },
		{ "tcp: registers written", &regs, "00 02 00 00 00 06 14 10 00 "
		    "14 00 02", CRC_NONE, 0, NULL },
		{ "tcp: registers echo of another count", &regs, "00 02 00 00 "
		    "00 06 14 10 00 14 00 01", CRC_NONE, EMBBADDATA,
		    "echo 0x0014 (1), sent 0x0014 (2)" },
		{ "tcp: bits", &bits, "00 05 00 00 00 05 02 02 02 05 02",
		    CRC_NONE, 0, NULL },
		{ "rtu: a good read", &rrd, "03 04 04 12 34 00 07", CRC_GOOD, 0,
		    NULL },
		{ "rtu: a CRC error", &rrd, "03 04 04 12 34 00 07", CRC_BAD,
		    EMBBADCRC, "bad reply: CRC error" },
		{ "rtu: another unit id", &rrd, "04 04 04 12 34 00 07",
		    CRC_GOOD, EMBBADDATA, "bad reply: unit id 4, asked 3" },
		{ "rtu: a byte count not asked for", &rrd, "03 04 02 12 34",
		    CRC_GOOD, EMBBADDATA, "byte count 2, expected 4" },
		{ "rtu: an exception", &rrd, "03 84 04", CRC_GOOD, EMBXSFAIL,
		    "exception 4" },
	};
	uint8_t adu[MBW_ADU_MAX];
	uint16_t r[8];
	uint8_t b[16];
	char why[96];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t n = hex(rows[i].reply, adu);
		int rc, e;

		if (rows[i].crc != CRC_NONE) {
			uint16_t c = rtu_crc16(adu, n);

			if (rows[i].crc == CRC_BAD)
				c ^= 1;
			adu[n++] = (uint8_t)c;
			adu[n++] = (uint8_t)(c >> 8);
		}
		why[0] = '\0';
		memset(r, 0, sizeof(r));
		errno = 0;
		rc = mbw_decode(rows[i].q, adu, n, r, b, why, sizeof(why));
		e = errno;
		if (rows[i].err == 0 ? rc != 0 :
		    rc != -1 || e != rows[i].err ||
		    strstr(why, rows[i].why) == NULL) {
			fprintf(stderr, "reply row \"%s\": rc %d errno %d \"%s\"; "
			    "want %s %d \"%s\"\n", rows[i].name, rc, e, why,
			    rows[i].err ? "-1" : "0", rows[i].err,
			    rows[i].why ? rows[i].why : "");
			CHECK(0);
		} else {
			CHECK(1);
		}
	}
	/* The values of the good ones. */
	CHECK_INT(mbw_decode(&rd, adu, hex("00 07 00 00 00 0b 03 04 08 00 01 "
	    "00 02 00 03 ff ff", adu), r, b, why, sizeof(why)), 0);
	CHECK(r[0] == 1 && r[1] == 2 && r[2] == 3 && r[3] == 0xffff);
	CHECK_INT(mbw_decode(&bits, adu, hex("00 05 00 00 00 05 02 02 02 05 02",
	    adu), r, b, why, sizeof(why)), 0);
	CHECK(b[0] == 1 && b[1] == 0 && b[2] == 1 && b[3] == 0 && b[8] == 0 &&
	    b[9] == 1);
}

/* How much of a reply must be in before its length is known. */
static void
test_reply_size(void)
{
	const struct mbw_req rd = { .tid = 7, .unit = 3, .fc = MBW_READ_INPUT,
	    .addr = 0, .count = 4 };
	const struct mbw_req rrd = { .rtu = true, .unit = 3,
	    .fc = MBW_READ_INPUT, .addr = 0, .count = 4 };
	uint8_t adu[MBW_ADU_MAX];
	char why[96];
	size_t n, i;

	n = hex("00 07 00 00 00 0b 03 04 08 00 01 00 02 00 03 00 04", adu);
	for (i = 0; i < 9; i++)
		CHECK_INT(mbw_reply_size(&rd, adu, i, why, sizeof(why)), 0);
	for (; i <= n; i++)
		CHECK_INT(mbw_reply_size(&rd, adu, i, why, sizeof(why)), 17);
	/* A bad header is refused as soon as it is in: nothing more is read. */
	n = hex("00 07 00 00 00 00 03", adu);
	CHECK_INT(mbw_reply_size(&rd, adu, n, why, sizeof(why)), -1);
	n = hex("03 04 08", adu);
	CHECK_INT(mbw_reply_size(&rrd, adu, 1, why, sizeof(why)), 0);
	CHECK_INT(mbw_reply_size(&rrd, adu, 2, why, sizeof(why)), 0);
	CHECK_INT(mbw_reply_size(&rrd, adu, 3, why, sizeof(why)), 13);
	CHECK_INT(mbw_reply_size(&rrd, adu, 3, why, sizeof(why)), 13);
	adu[0] = 9;
	CHECK_INT(mbw_reply_size(&rrd, adu, 1, why, sizeof(why)), -1);
}

/* The peer of a transaction on a socket pair: reads the request, then sends
 * `reply` a byte every gap_ms (all at once if 0), or hangs up. */
struct peer {
	int		fd;
	const char	*reply;		/* NULL: close after the request */
	int		gap_ms;
	pthread_t	th;
};

static void *
peer_main(void *arg)
{
	struct peer *p = arg;
	uint8_t buf[MBW_ADU_MAX], out[MBW_ADU_MAX];
	size_t n;

	if (read(p->fd, buf, sizeof(buf)) <= 0 || p->reply == NULL) {
		shutdown(p->fd, SHUT_RDWR);
		return NULL;
	}
	n = hex(p->reply, out);
	if (p->gap_ms == 0) {
		(void)!write(p->fd, out, n);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			usleep((useconds_t)p->gap_ms * 1000);
		if (write(p->fd, out + i, 1) != 1)
			break;
	}
	return NULL;
}

static const char good_reply[] =
    "00 07 00 00 00 0b 03 04 08 00 01 00 02 00 03 00 04";

/* One transaction against a peer: rc, errno, its reason and time taken. */
static int
transact(const char *reply, int gap_ms, int window_ms, int *err, char *why,
    size_t whysz, int64_t *took)
{
	const struct mbw_req rd = { .tid = 7, .unit = 3, .fc = MBW_READ_INPUT,
	    .addr = 0, .count = 4 };
	struct peer p = { .reply = reply, .gap_ms = gap_ms };
	uint16_t r[4];
	int sv[2], rc;
	int64_t t0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return -2;
	p.fd = sv[1];
	pthread_create(&p.th, NULL, peer_main, &p);
	t0 = mono_ns();
	rc = mbw_transact(sv[0], &rd, window_ms * NS_PER_MS, r, NULL, why,
	    whysz);
	*err = errno;
	*took = mono_ns() - t0;
	close(sv[0]);		/* a trickling peer stops at its next byte */
	pthread_join(p.th, NULL);
	close(sv[1]);
	return rc;
}

static void
test_transact(void)
{
	char why[96];
	int64_t took;
	int err, rc;

	/* In time, in one piece or a byte at a time. */
	rc = transact(good_reply, 0, 200, &err, why, sizeof(why), &took);
	CHECK_INT(rc, 0);
	rc = transact(good_reply, 2, 200, &err, why, sizeof(why), &took);
	CHECK_INT(rc, 0);

	/* A byte every 50 ms: each byte is in before any byte timeout, but
	 * the whole reply is not in within 120 ms. */
	rc = transact(good_reply, 50, 120, &err, why, sizeof(why), &took);
	CHECK_INT(rc, -1);
	CHECK_INT(err, ETIMEDOUT);
	CHECK(took >= 120 * NS_PER_MS && took < 170 * NS_PER_MS);
	CHECK_STR(why, "no complete reply within 120 ms (3 bytes)");

	/* Bad framing is refused at once, not waited out. */
	rc = transact("00 07 00 00 ff ff 03 04 08", 0, 500, &err, why,
	    sizeof(why), &took);
	CHECK_INT(rc, -1);
	CHECK_INT(err, EMBBADDATA);
	CHECK_STR(why, "bad reply: MBAP length 65535");
	CHECK(took < 100 * NS_PER_MS);

	/* Hung up after the request; silent. */
	rc = transact(NULL, 0, 200, &err, why, sizeof(why), &took);
	CHECK_INT(rc, -1);
	CHECK_INT(err, ECONNRESET);
	rc = transact("", 0, 80, &err, why, sizeof(why), &took);
	CHECK_INT(rc, -1);
	CHECK_INT(err, ETIMEDOUT);
	CHECK_STR(why, "no reply within 80 ms");
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);	/* a trickling peer finds its reader gone */
	test_encode();
	test_replies();
	test_reply_size();
	test_transact();
	return harness_done("test_modbus_wire");
}
