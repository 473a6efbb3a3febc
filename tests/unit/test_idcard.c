/*
 * drivers/idcard.c: the resident ID card reader's frames against the
 * protocol's own byte strings, a base read split at every place, noise,
 * bad checksums and lengths resynchronised, and the base block's fields
 * checked one by one.
 */
#include <stdlib.h>

#include "../../drivers/idcard.h"
#include "harness.h"

static const struct idcard_info sample = {
	.name = "张伟", .sex = '1', .nation = "01", .birth = "19900307",
	.address = "北京市东城区景山前街4号", .number = "11010119900307803X",
	.authority = "北京市公安局东城分局", .valid_from = "20150101",
	.valid_until = "20350101",
};

static size_t
hex(const char *s, uint8_t *out)
{
	size_t n = 0;
	char *end;

	for (unsigned long v = strtoul(s, &end, 16); end != s; v = strtoul(s, &end, 16)) {
		out[n++] = (uint8_t)v;
		s = end;
	}
	return n;
}

/* A base-read reply: the length words, the text, a photo of 1024 bytes. */
static size_t
base_reply(const struct idcard_info *info, uint8_t *out, size_t outlen)
{
	static uint8_t data[4 + IDCARD_BASE_LEN + 1024];

	data[0] = 0x01, data[1] = 0x00, data[2] = 0x04, data[3] = 0x00;
	idcard_encode_base(info, data + 4);
	memset(data + 4 + IDCARD_BASE_LEN, 0x5a, 1024);
	return idcard_reply_frame(IDCARD_SW_OK, data, sizeof(data), out, outlen);
}

static void
test_requests(void)
{
	static const struct { enum idcard_cmd cmd; const char *bytes; } rows[] = {
		{ IDCARD_FIND, "AA AA AA 96 69 00 03 20 01 22" },
		{ IDCARD_SELECT, "AA AA AA 96 69 00 03 20 02 21" },
		{ IDCARD_READ, "AA AA AA 96 69 00 03 30 01 32" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t want[16], got[IDCARD_REQUEST_LEN];
		size_t n = hex(rows[i].bytes, want);

		CHECK_INT(idcard_request(rows[i].cmd, got), n);
		CHECK_ROW(memcmp(got, want, n) == 0, "request %04x", rows[i].cmd);
	}
}

/* The module's own replies: card found, and no card. */
static void
test_reply_vectors(void)
{
	static const struct { const char *bytes; uint8_t sw3; size_t ndata; } rows[] = {
		{ "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", IDCARD_SW_FOUND, 4 },
		{ "AA AA AA 96 69 00 04 00 00 80 84", IDCARD_SW_NO_CARD, 0 },
		{ "AA AA AA 96 69 00 04 00 00 41 45", IDCARD_SW_READ_FAIL, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t in[32], made[32];
		size_t n = hex(rows[i].bytes, in), used;
		struct idcard_rx rx;
		struct idcard_reply r;
		char err[80];
		uint8_t zeros[4] = { 0 };

		idcard_rx_reset(&rx);
		CHECK_ROW(idcard_rx_feed(&rx, in, n, &used, &r, err, sizeof(err)) ==
		    IDCARD_RX_FRAME, "row %zu", i);
		CHECK_INT(used, n);
		CHECK_INT(r.sw3, rows[i].sw3);
		CHECK_INT(r.ndata, rows[i].ndata);
		/* and the simulator's side makes the same bytes */
		CHECK_INT(idcard_reply_frame(rows[i].sw3, zeros, rows[i].ndata, made,
		    sizeof(made)), n);
		CHECK_ROW(memcmp(made, in, n) == 0, "made row %zu", i);
	}
	CHECK_STR(idcard_status_name(IDCARD_SW_READ_FAIL), "card removed during the read");
}

static bool
info_equal(const struct idcard_info *a, const struct idcard_info *b)
{
	return strcmp(a->name, b->name) == 0 && a->sex == b->sex &&
	    strcmp(a->nation, b->nation) == 0 && strcmp(a->birth, b->birth) == 0 &&
	    strcmp(a->address, b->address) == 0 && strcmp(a->number, b->number) == 0 &&
	    strcmp(a->authority, b->authority) == 0 &&
	    strcmp(a->valid_from, b->valid_from) == 0 &&
	    strcmp(a->valid_until, b->valid_until) == 0;
}

/* A whole base read, fed in two pieces split at every byte. */
static void
test_base_read_split(void)
{
	static uint8_t frame[IDCARD_REPLY_MAX];
	size_t n = base_reply(&sample, frame, sizeof(frame));
	int bad = 0;

	CHECK_INT(n, 5 + 2 + 0x0508);
	CHECK_INT(frame[5], 0x05);
	CHECK_INT(frame[6], 0x08);
	for (size_t cut = 0; cut <= n; cut++) {
		struct idcard_rx rx;
		struct idcard_reply r;
		struct idcard_info got;
		char err[120];
		size_t used, off = 0, frames = 0;

		idcard_rx_reset(&rx);
		for (int piece = 0; piece < 2; piece++) {
			size_t end = piece == 0 ? cut : n;

			while (off < end) {
				enum idcard_rx_result res = idcard_rx_feed(&rx, frame + off,
				    end - off, &used, &r, err, sizeof(err));

				off += used;
				if (res == IDCARD_RX_FRAME) {
					frames++;
					if (r.sw3 != IDCARD_SW_OK ||
					    idcard_decode(r.data, r.ndata, &got, err, sizeof(err)) < 0 ||
					    !info_equal(&got, &sample))
						bad++;
				} else if (res == IDCARD_RX_BAD) {
					bad++;
				} else if (used == 0) {
					break;
				}
			}
		}
		if (frames != 1)
			bad++;
	}
	CHECK_INT(bad, 0);
}

/* Noise, a bad checksum and a bad length are each discarded, and the good
 * frame after them is still found. */
static void
test_resync(void)
{
	static const char *const rows[] = {
		"01 02 AA 03",				/* noise */
		"AA AA AA 96 69 00 04 00 00 80 85",	/* bad checksum */
		"AA AA AA 96 69 00 01",			/* length below a reply's */
		"AA AA AA 96 69 FF FF",			/* longer than any reply */
		"AA AA 96 69",				/* a broken preamble */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t in[64];
		size_t n = hex(rows[i], in), used, off = 0;
		int frames = 0, bads = 0;
		struct idcard_rx rx;
		struct idcard_reply r;
		char err[80] = "";

		n += hex("AA AA AA 96 69 00 04 00 00 80 84", in + n);
		idcard_rx_reset(&rx);
		for (int guard = 0; off < n && guard < 64; guard++) {
			enum idcard_rx_result res = idcard_rx_feed(&rx, in + off, n - off,
			    &used, &r, err, sizeof(err));

			off += used;
			frames += res == IDCARD_RX_FRAME && r.sw3 == IDCARD_SW_NO_CARD;
			bads += res == IDCARD_RX_BAD;
		}
		CHECK_ROW(frames == 1 && bads >= 1 && off == n,
		    "row %zu: %d frame(s), %d bad, %zu of %zu taken (%s)", i, frames,
		    bads, off, n, err);
	}
}

/* Two replies in one read: the second is not lost with the first. */
static void
test_back_to_back(void)
{
	uint8_t in[64];
	size_t n = hex("AA AA AA 96 69 00 04 00 00 80 84 AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", in);
	size_t used, off = 0;
	struct idcard_rx rx;
	struct idcard_reply r;
	char err[80];
	uint8_t seen[2] = { 0 };
	int k = 0;

	idcard_rx_reset(&rx);
	while (off < n && k < 2) {
		if (idcard_rx_feed(&rx, in + off, n - off, &used, &r, err, sizeof(err)) ==
		    IDCARD_RX_FRAME)
			seen[k++] = r.sw3;
		off += used;
	}
	CHECK_INT(k, 2);
	CHECK_INT(seen[0], IDCARD_SW_NO_CARD);
	CHECK_INT(seen[1], IDCARD_SW_FOUND);
}

/* Each field's shape is checked, with the field named. */
static void
test_decode_fields(void)
{
	/* err: the start of the refusal; NULL: accepted */
	struct { const char *what; struct idcard_info info; const char *err; } cases[] = {
		{ "sample", sample, NULL },
		{ "no end date", sample, NULL },
		{ "minority name", sample, NULL },
		{ "number too short", sample, "number:" },
		{ "number with a letter", sample, "number:" },
		{ "birth date with a letter", sample, "birth date:" },
		{ "empty name", sample, "name: empty" },
		{ "sex not a code", sample, "sex:" },
		{ "nation with a letter", sample, "nation:" },
		{ "validity end not a date", sample, "valid until:" },
	};
	uint8_t data[4 + IDCARD_BASE_LEN];
	struct idcard_info got;
	char err[120];

	strcpy(cases[1].info.valid_until, "长期");
	strcpy(cases[2].info.name, "阿依古丽·买买提");
	strcpy(cases[3].info.number, "1101011990030780");
	strcpy(cases[4].info.number, "11010119900307A03X");
	strcpy(cases[5].info.birth, "1990O307");
	cases[6].info.name[0] = '\0';
	cases[7].info.sex = 'M';
	strcpy(cases[8].info.nation, "0A");
	strcpy(cases[9].info.valid_until, "2035");
	data[0] = 0x01, data[1] = 0x00, data[2] = 0x00, data[3] = 0x00;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		idcard_encode_base(&cases[i].info, data + 4);
		err[0] = '\0';
		rc = idcard_decode(data, sizeof(data), &got, err, sizeof(err));
		if (cases[i].err == NULL)
			CHECK_ROW(rc == 0 && info_equal(&got, &cases[i].info),
			    "%s: refused: %s", cases[i].what, err);
		else
			CHECK_ROW(rc < 0 && strncmp(err, cases[i].err,
			    strlen(cases[i].err)) == 0, "%s: got \"%s\", want \"%s...\"",
			    cases[i].what, rc < 0 ? err : "accepted", cases[i].err);
	}
}

/* Characters that are not text (a control, half a surrogate pair) and a
 * text length word other than 256 are refused, named. */
static void
test_decode_raw(void)
{
	uint8_t data[4 + IDCARD_BASE_LEN];
	struct idcard_info got;
	char err[120];

	data[0] = 0x01, data[1] = 0x00, data[2] = 0x00, data[3] = 0x00;
	idcard_encode_base(&sample, data + 4);
	data[4 + 2] = 0x07, data[4 + 3] = 0x00;		/* name's 2nd char: BEL */
	CHECK(idcard_decode(data, sizeof(data), &got, err, sizeof(err)) < 0);
	CHECK_STR(err, "name: character 2 is U+0007, not text");
	idcard_encode_base(&sample, data + 4);
	data[4 + 52] = 0x00, data[4 + 53] = 0xd8;	/* address: a lone surrogate */
	CHECK(idcard_decode(data, sizeof(data), &got, err, sizeof(err)) < 0);
	CHECK_STR(err, "address: character 1 is U+D800, not text");
	idcard_encode_base(&sample, data + 4);
	data[0] = 0x00, data[1] = 0xff;
	CHECK(idcard_decode(data, sizeof(data), &got, err, sizeof(err)) < 0);
	CHECK(strstr(err, "text of 255 bytes") != NULL);
	CHECK(idcard_decode(data, 3, &got, err, sizeof(err)) < 0);
}

/* Random bytes: never more taken than fed, never stuck, and any frame found
 * decodes or is refused with a reason, never read out of its buffer. */
static void
test_random(void)
{
	static uint8_t in[8192];
	struct idcard_rx rx;
	struct idcard_reply r;
	struct idcard_info info;
	char err[120];
	int stuck = 0;

	srand(7);
	for (int round = 0; round < 200; round++) {
		size_t n = (size_t)(rand() % (int)sizeof(in)), off = 0, used;

		for (size_t i = 0; i < n; i++)
			in[i] = rand() % 4 == 0 ? 0xaa : (uint8_t)rand();
		idcard_rx_reset(&rx);
		while (off < n) {
			enum idcard_rx_result res = idcard_rx_feed(&rx, in + off,
			    n - off, &used, &r, err, sizeof(err));

			if (used > n - off || (used == 0 && res == IDCARD_RX_MORE)) {
				stuck++;
				break;
			}
			off += used;
			if (res == IDCARD_RX_FRAME)
				(void)idcard_decode(r.data, r.ndata, &info, err, sizeof(err));
		}
	}
	CHECK_INT(stuck, 0);
}

int
main(void)
{
	test_requests();
	test_reply_vectors();
	test_base_read_split();
	test_resync();
	test_back_to_back();
	test_decode_fields();
	test_decode_raw();
	test_random();
	return harness_done("test_idcard");
}
