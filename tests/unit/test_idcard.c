/*
 * drivers/idcard.c: the resident ID card reader's frames against the
 * protocol's own byte strings, a base read split at every place, noise,
 * bad checksums and lengths resynchronised, the base block's fields
 * checked one by one, and the poll cycle against a scripted reader.
 */
#include <stdlib.h>

#include "../../drivers/idcard.h"
#include "../../drivers/idpoll.h"
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
		{ "born on 30 February", sample, "birth date: not a day of the calendar" },
		{ "validity start in month 13", sample, "valid from:" },
		{ "validity end on 29 February of no leap year", sample, "valid until:" },
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
	strcpy(cases[10].info.birth, "19900230");
	strcpy(cases[11].info.valid_from, "20251301");
	strcpy(cases[12].info.valid_until, "20350229");
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

/*
 * A refusal names the field, never what the card holds there: the error is
 * logged, stored as an idcard_unread event (which guards read) and shown at
 * the desk, and no raw ID number may reach any of them.
 */
static void
test_decode_error_keeps_number(void)
{
	static const char *const numbers[] = { "11010119900307803x",
	    "1101011990030780Y3", "11010119900307803", "1101011990 307803X" };
	uint8_t data[4 + IDCARD_BASE_LEN];
	struct idcard_info in = sample, got;
	char err[120];

	data[0] = 0x01, data[1] = 0x00, data[2] = 0x00, data[3] = 0x00;
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		strcpy(in.number, numbers[i]);
		idcard_encode_base(&in, data + 4);
		err[0] = '\0';
		CHECK_ROW(idcard_decode(data, sizeof(data), &got, err, sizeof(err)) < 0 &&
		    strncmp(err, "number:", 7) == 0, "%s: got \"%s\"", numbers[i], err);
		CHECK_ROW(strstr(err, "1101011990") == NULL && strstr(err, "0307803") == NULL,
		    "%s: the refusal repeats the number: \"%s\"", numbers[i], err);
	}
	in = sample;
	strcpy(in.birth, "1990O307");
	idcard_encode_base(&in, data + 4);
	CHECK(idcard_decode(data, sizeof(data), &got, err, sizeof(err)) < 0);
	CHECK_ROW(strstr(err, "1990") == NULL, "the birth date repeated: \"%s\"", err);
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


/* ---- the poll cycle, against a scripted reader ------------------------------ */

#define MS	1000000LL

/* The reader's side: a card or none, and what goes wrong next. */
struct module {
	bool	card;
	bool	silent;		/* answers nothing */
	int	remove_on_read;	/* the card leaves during the next read */
	int	garble_read;	/* the next read's reply has a bad checksum */
	int	finds, selects, reads;
};

/* What the cycle reported. */
struct seen {
	int	reads, fails, rejects, up, down;
	char	last_error[160];
	char	last_name[48];
};

static void
on_read(void *arg, const struct idcard_info *info, const char *error, int64_t t)
{
	struct seen *s = arg;

	(void)t;
	if (info != NULL) {
		s->reads++;
		strcpy(s->last_name, info->name);
	} else {
		s->fails++;
		snprintf(s->last_error, sizeof(s->last_error), "%s", error);
	}
}

static void
on_reject(void *arg, enum msg_reject_kind k, uint32_t bytes, const char *why)
{
	(void)k, (void)bytes, (void)why;
	((struct seen *)arg)->rejects++;
}

static void
on_answering(void *arg, bool yes, const char *why)
{
	struct seen *s = arg;

	(void)why;
	if (yes)
		s->up++;
	else
		s->down++;
}

/* The module's reply to request req; its length, 0 for silence. */
static size_t
module_reply(struct module *m, const uint8_t *req, uint8_t *out, size_t outlen)
{
	uint8_t four[4] = { 0 }, eight[8] = { 0 };
	unsigned cmd = (unsigned)req[7] << 8 | req[8];
	size_t n;

	if (m->silent)
		return 0;
	switch (cmd) {
	case IDCARD_FIND:
		m->finds++;
		return m->card ? idcard_reply_frame(IDCARD_SW_FOUND, four, 4, out, outlen) :
		    idcard_reply_frame(IDCARD_SW_NO_CARD, NULL, 0, out, outlen);
	case IDCARD_SELECT:
		m->selects++;
		return idcard_reply_frame(m->card ? IDCARD_SW_OK : IDCARD_SW_SELECT_FAIL,
		    eight, m->card ? 8 : 0, out, outlen);
	case IDCARD_READ:
		m->reads++;
		if (m->remove_on_read && m->remove_on_read-- == 1) {
			m->card = false;
			return idcard_reply_frame(IDCARD_SW_READ_FAIL, NULL, 0, out, outlen);
		}
		n = base_reply(&sample, out, outlen);
		if (m->garble_read && m->garble_read-- == 1)
			out[n - 1] ^= 0x55;
		return n;
	}
	return 0;
}

/* Runs the cycle for ms milliseconds of simulated time, the reader
 * answering each request at once. */
static void
run_for(struct idpoll *p, struct module *m, struct seen *s, int64_t *now, int ms)
{
	const struct idpoll_out o = { .arg = s, .read = on_read,
	    .reject = on_reject, .answering = on_answering };
	static uint8_t out[IDCARD_REPLY_MAX];
	int64_t end = *now + ms * MS;

	while (*now < end) {
		uint8_t req[IDCARD_REQUEST_LEN];
		size_t reqlen, n;
		int64_t next = idpoll_step(p, *now, req, &reqlen, &o);

		if (reqlen > 0 && (n = module_reply(m, req, out, sizeof(out))) > 0) {
			*now += 5 * MS;		/* the reply's time on the wire */
			idpoll_feed(p, out, n, *now, &o);
			continue;
		}
		*now = next > *now ? (next < end ? next : end) : *now + MS;
	}
}

static void
test_poll_cycle(void)
{
	struct idpoll p;
	struct module m = { 0 };
	struct seen s = { 0 };
	int64_t now = 1000 * MS;

	idpoll_init(&p, now);
	run_for(&p, &m, &s, &now, 1000);
	CHECK_INT(s.up, 1);		/* answering: online */
	CHECK_INT(s.reads, 0);
	CHECK(m.finds >= 3 && m.finds <= 5);	/* every 250 ms */
	CHECK_INT(m.selects, 0);

	/* A card laid on the reader is read once, however long it stays. */
	m.card = true;
	run_for(&p, &m, &s, &now, 3000);
	CHECK_INT(s.reads, 1);
	CHECK_STR(s.last_name, "张伟");
	CHECK_INT(m.reads, 1);
	/* Taken away and laid down again: a second read. */
	m.card = false;
	run_for(&p, &m, &s, &now, 600);
	m.card = true;
	run_for(&p, &m, &s, &now, 600);
	CHECK_INT(s.reads, 2);

	/* Removed during the read: the clerk is told, nothing is read. */
	m.card = false;
	run_for(&p, &m, &s, &now, 600);
	m.card = true;
	m.remove_on_read = 1;
	run_for(&p, &m, &s, &now, 600);
	CHECK_INT(s.reads, 2);
	CHECK_INT(s.fails, 1);
	CHECK_STR(s.last_error, "card removed during the read");

	/* A garbled read is a reject, and the card is read again at once. */
	m.card = true;
	m.garble_read = 1;
	run_for(&p, &m, &s, &now, 1000);
	CHECK_INT(s.rejects, 1);
	CHECK_INT(s.reads, 3);
	CHECK_INT(s.fails, 1);

	/* Silent: offline after three unanswered requests, once; back online
	 * at its first answer. */
	m.silent = true;
	run_for(&p, &m, &s, &now, 5000);
	CHECK_INT(s.down, 1);
	m.silent = false;
	m.card = false;
	run_for(&p, &m, &s, &now, 600);
	CHECK_INT(s.up, 2);
}

/* A read that is never answered is a failed read, named as such. */
static void
test_poll_read_timeout(void)
{
	const struct idpoll_out o = { .arg = NULL, .read = on_read,
	    .reject = on_reject, .answering = on_answering };
	struct seen s = { 0 };
	struct idpoll p;
	struct idpoll_out os = o;
	uint8_t req[IDCARD_REQUEST_LEN], out[64];
	size_t reqlen, n;
	int64_t now = 5000 * MS;
	struct module m = { .card = true };

	os.arg = &s;
	idpoll_init(&p, now);
	for (int i = 0; i < 2; i++) {		/* find, select: answered */
		idpoll_step(&p, now, req, &reqlen, &os);
		CHECK_INT(reqlen, IDCARD_REQUEST_LEN);
		n = module_reply(&m, req, out, sizeof(out));
		idpoll_feed(&p, out, n, now, &os);
	}
	idpoll_step(&p, now, req, &reqlen, &os);
	CHECK_INT(req[7], 0x30);		/* the read went out */
	/* half a reply, then nothing */
	n = idcard_reply_frame(IDCARD_SW_OK, (const uint8_t *)"\x01\x00\x04\x00", 4,
	    out, sizeof(out));
	idpoll_feed(&p, out, 6, now, &os);
	CHECK_INT(idpoll_step(&p, now + MS, req, &reqlen, &os), now + IDPOLL_READ_NS);
	CHECK_INT(reqlen, 0);
	idpoll_step(&p, now + IDPOLL_READ_NS, req, &reqlen, &os);
	CHECK_INT(s.fails, 1);
	CHECK_STR(s.last_error, "no answer during the read (card removed?)");
	CHECK_INT(s.rejects, 1);		/* the half reply */
	CHECK_INT(s.down, 0);			/* one miss is not silence */
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
	test_decode_error_keeps_number();
	test_decode_raw();
	test_random();
	test_poll_cycle();
	test_poll_read_timeout();
	return harness_done("test_idcard");
}
