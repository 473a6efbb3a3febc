/*
 * drivers/cardfmt.c: EM4100 and Wiegand ASCII frames and QR scanner lines
 * from tables of byte streams with their arrival times, frames split at
 * every place, and random noise that must never turn into a card.
 */
#include <ctype.h>
#include <stdlib.h>

#include "../../drivers/cardfmt.h"
#include "harness.h"

#define MS	1000000LL
#define T0	(1000000 * MS)	/* an arbitrary monotonic start */
#define MAXR	64

/* Results rendered as text: "C<uid>" for a card, "F<n>", "K<n>", "O<n>" for
 * framing, checksum and overlong rejects of n bytes; comma separated. */
struct rec {
	char	text[1024];
	int	n;
	int	cards;
	long	bytes;
	char	last_uid[MSG_UID_MAX];
	int64_t	last_t;
};

static void
collect(void *arg, const struct cardfmt_result *r)
{
	struct rec *x = arg;
	size_t off = strlen(x->text);
	char item[48];

	if (r->kind == CARDFMT_CARD) {
		snprintf(item, sizeof(item), "C%s", r->uid);
		x->cards++;
		memcpy(x->last_uid, r->uid, sizeof(x->last_uid));
	} else {
		snprintf(item, sizeof(item), "%c%u",
		    r->reject == REJECT_CHECKSUM ? 'K' :
		    r->reject == REJECT_OVERLONG ? 'O' : 'F', r->bytes);
	}
	snprintf(x->text + off, sizeof(x->text) - off, "%s%s",
	    off ? "," : "", item);
	x->n++;
	x->bytes += r->bytes;
	x->last_t = r->t_ns;
}

/* A whole EM4100 frame for 10 hex digits; bad: checksum off by one bit. */
static size_t
em_frame(uint8_t *out, const char *data, bool bad)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned sum = 0, v;
	int i;

	out[0] = 0x02;
	memcpy(out + 1, data, 10);
	for (i = 0; i < 10; i += 2) {
		sscanf(data + i, "%2x", &v);
		sum ^= v;
	}
	if (bad)
		sum ^= 0x10;
	out[11] = (uint8_t)hex[sum >> 4];
	out[12] = (uint8_t)hex[sum & 15];
	out[13] = 0x03;
	return 14;
}

/* Expands "{0F00A2B3C4}" to a valid frame, "{0F00A2B3C4!}" to one with a
 * bad checksum; every other byte is taken as it is. */
static size_t
expand(uint8_t *out, const char *spec)
{
	size_t n = 0;

	while (*spec != '\0') {
		if (*spec == '{' && strchr(spec, '}') != NULL) {
			char data[11];

			memcpy(data, spec + 1, 10);
			data[10] = '\0';
			n += em_frame(out + n, data, spec[11] == '!');
			spec = strchr(spec, '}') + 1;
		} else {
			out[n++] = (uint8_t)*spec++;
		}
	}
	return n;
}

struct step {
	int		t_ms;		/* arrival, after T0 */
	const char	*in;		/* NULL: end of steps */
};

struct row {
	const char	*name;
	enum card_format fmt;
	struct step	steps[6];
	int		expire_ms;	/* cardfmt_expire() at this time; -1: none */
	const char	*want;
};

#define EM	CARD_EM4100
#define WG	CARD_WIEGAND_ASCII
#define QR	CARD_QR
#define A40	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static const struct row rows[] = {
	{ "em valid", EM, { { 0, "{0F00A2B3C4}" } }, -1, "C0F00A2B3C4" },
	/* Worked by hand: 0F^00^A2^B3^C4 = DA. */
	{ "em hand-checked frame", EM, { { 0, "\x02" "0F00A2B3C4DA\x03" } }, -1,
	    "C0F00A2B3C4" },
	{ "em lower-case digits", EM, { { 0, "\x02" "0f00a2b3c4da\x03" } }, -1,
	    "C0F00A2B3C4" },
	{ "em all zero", EM, { { 0, "\x02" "000000000000\x03" } }, -1, "C0000000000" },
	{ "em bad checksum", EM, { { 0, "{0F00A2B3C4!}" } }, -1, "K14" },
	{ "em checksum digit wrong", EM, { { 0, "\x02" "0F00A2B3C4DB\x03" } }, -1, "K14" },
	{ "em non-hex digit", EM, { { 0, "\x02" "0F00G2B3C4DA\x03" } }, -1, "F14" },
	{ "em non-hex then frame", EM, { { 0, "\x02" "0F0Z{1122334455}" } }, -1,
	    "F5,C1122334455" },
	{ "em missing ETX, next frame", EM,
	    { { 0, "\x02" "0F00A2B3C4DAX{1122334455}" } }, -1, "F14,C1122334455" },
	{ "em missing ETX, silence", EM, { { 0, "\x02" "0F00A2B3C4DAXY" } }, 51,
	    "F15" },
	{ "em short frame", EM, { { 0, "\x02" "0F00A2\x03" } }, -1, "F8" },
	{ "em long frame", EM, { { 0, "\x02" "0F00A2B3C4DA00\x03" } }, -1, "F16" },
	{ "em empty frame", EM, { { 0, "\x02\x03" } }, -1, "F2" },
	{ "em noise before", EM, { { 0, "abc{0F00A2B3C4}" } }, -1, "F3,C0F00A2B3C4" },
	{ "em noise between", EM, { { 0, "{0F00A2B3C4}xyz\r\n{1122334455}" } }, -1,
	    "C0F00A2B3C4,F5,C1122334455" },
	{ "em noise ended by ETX", EM, { { 0, "ab\x03" "cd{0F00A2B3C4}" } }, -1,
	    "F3,F2,C0F00A2B3C4" },
	{ "em noise after, silence", EM, { { 0, "{0F00A2B3C4}\xff\xfe" } }, 60,
	    "C0F00A2B3C4,F2" },
	{ "em long noise is one reject", EM, { { 0, A40 A40 A40 } }, 100, "F120" },
	{ "em STX restarts", EM, { { 0, "\x02" "0F00{1122334455}" } }, -1,
	    "F5,C1122334455" },
	{ "em STX restarts after 12 digits", EM,
	    { { 0, "\x02" "0F00A2B3C4DA{1122334455}" } }, -1, "F13,C1122334455" },
	{ "em stale partial expired", EM, { { 0, "\x02" "0F00A" } }, 51, "F6" },
	{ "em partial not yet stale", EM, { { 0, "\x02" "0F00A" } }, 50, "" },
	{ "em stale partial, next byte", EM,
	    { { 0, "\x02" "0F00A" }, { 100, "{1122334455}" } }, -1, "F6,C1122334455" },
	{ "em slow but not stale", EM,
	    { { 0, "\x02" "0F00A2" }, { 40, "B3C4" }, { 80, "DA\x03" } }, -1,
	    "C0F00A2B3C4" },
	{ "em noise runs split by silence", EM, { { 0, "xx" }, { 100, "yyy" } }, 200,
	    "F2,F3" },
	{ "em repeats suppressed", EM,
	    { { 0, "{0F00A2B3C4}{0F00A2B3C4}" }, { 300, "{0F00A2B3C4}" },
	      { 600, "{0F00A2B3C4}" }, { 1599, "{0F00A2B3C4}" },
	      { 2600, "{0F00A2B3C4}" } }, -1, "C0F00A2B3C4,C0F00A2B3C4" },
	{ "em repeat after hold-off", EM,
	    { { 0, "{0F00A2B3C4}" }, { 1000, "{0F00A2B3C4}" } }, -1,
	    "C0F00A2B3C4,C0F00A2B3C4" },
	{ "em different card at once", EM,
	    { { 0, "{0F00A2B3C4}" }, { 10, "{1122334455}" }, { 20, "{0F00A2B3C4}" } },
	    -1, "C0F00A2B3C4,C1122334455,C0F00A2B3C4" },
	{ "em bad frame does not end hold-off", EM,
	    { { 0, "{0F00A2B3C4}" }, { 100, "{0F00A2B3C4!}" }, { 200, "{0F00A2B3C4}" } },
	    -1, "C0F00A2B3C4,K14" },

	{ "wg CR", WG, { { 0, "0A1B2C3D\r" } }, -1, "C0A1B2C3D" },
	{ "wg CRLF lower-case", WG, { { 0, "0a1b2c3d\r\n" } }, -1, "C0A1B2C3D" },
	{ "wg lone LF", WG, { { 0, "1234\n" } }, -1, "C1234" },
	{ "wg two lines", WG, { { 0, "1234\r\n5678\r\n" } }, -1, "C1234,C5678" },
	{ "wg 16 digits", WG, { { 0, "0123456789abcdef\r" } }, -1,
	    "C0123456789ABCDEF" },
	{ "wg too short", WG, { { 0, "123\r" } }, -1, "F4" },
	{ "wg too long", WG, { { 0, "0123456789ABCDEF0\r" } }, -1, "F18" },
	{ "wg junk", WG, { { 0, "12 34\r" } }, -1, "F6" },
	{ "wg junk then card", WG, { { 0, "\x01\xff\r\n1234\r\n" } }, -1, "F3,C1234" },
	{ "wg empty lines", WG, { { 0, "\r\n\n\r" } }, -1, "F1,F1,F1" },
	{ "wg 64 bytes is not overlong", WG, { { 0, A40 "AAAAAAAAAAAAAAAAAAAAAAAA\r" } },
	    -1, "F65" },
	{ "wg 65 bytes is overlong", WG, { { 0, A40 "AAAAAAAAAAAAAAAAAAAAAAAAA\r" } },
	    -1, "O66" },
	{ "wg overlong then card", WG, { { 0, A40 A40 A40 "\r\n9999\r\n" } }, -1,
	    "O121,C9999" },
	{ "wg repeat suppressed", WG, { { 0, "1234\r1234\r" }, { 500, "1234\r" } }, -1,
	    "C1234" },
	{ "wg different card at once", WG, { { 0, "1234\r5678\r1234\r" } }, -1,
	    "C1234,C5678,C1234" },
	{ "wg stale partial line", WG, { { 0, "12" } }, 100, "F2" },
	{ "wg stale partial, next line", WG, { { 0, "12" }, { 100, "3456\r" } }, -1,
	    "F2,C3456" },

	{ "qr CRLF", QR, { { 0, "VP-7K3M9Q2X\r\n" } }, -1, "CVP-7K3M9Q2X" },
	{ "qr CR", QR, { { 0, "VP-7K3M9Q2X\r" } }, -1, "CVP-7K3M9Q2X" },
	{ "qr LF", QR, { { 0, "VP-7K3M9Q2X\n" } }, -1, "CVP-7K3M9Q2X" },
	{ "qr lower-case is upper-cased", QR, { { 0, "vp-7k3m9q2x\r\n" } }, -1,
	    "CVP-7K3M9Q2X" },
	{ "qr 4 characters", QR, { { 0, "AB-1\r\n" } }, -1, "CAB-1" },
	{ "qr too short", QR, { { 0, "AB1\r\n" } }, -1, "F4" },
	{ "qr 31 characters", QR,
	    { { 0, "VP-0123456789ABCDEFGHIJKLMNOPQR\r\n" } }, -1,
	    "CVP-0123456789ABCDEFGHIJKLMNOPQR" },
	{ "qr 32 characters is overlong", QR,
	    { { 0, "VP-0123456789ABCDEFGHIJKLMNOPQRS\r\n" } }, -1, "O33" },
	{ "qr a URL", QR, { { 0, "https://example.com/p?VP-7K3M9Q2X\r\n" } }, -1,
	    "O34" },
	{ "qr bad characters", QR, { { 0, "VP 7K3M\r\nVP_7K3M\r\nVP-7K3M.\r\n" } },
	    -1, "F8,F8,F9" },
	{ "qr control byte", QR, { { 0, "\x1bVP-7K3M9Q2X\r\n" } }, -1, "F13" },
	{ "qr high byte", QR, { { 0, "VP-7K3M9Q2X\xe9\r\n" } }, -1, "F13" },
	{ "qr empty lines", QR, { { 0, "\r\n\n\r" } }, -1, "F1,F1,F1" },
	{ "qr LF CR is two line ends", QR, { { 0, "ABCD\n\r" } }, -1, "CABCD,F1" },
	{ "qr split across reads", QR,
	    { { 0, "VP-7K" }, { 5, "3M9Q2X\r" }, { 10, "\n" } }, -1, "CVP-7K3M9Q2X" },
	{ "qr noise then a good line", QR,
	    { { 0, "\x01\xff#!\r\nVP-7K3M9Q2X\r\n" } }, -1, "F5,CVP-7K3M9Q2X" },
	{ "qr overlong then a good line", QR, { { 0, A40 "\r\nVP-7K3M9Q2X\r\n" } },
	    -1, "O41,CVP-7K3M9Q2X" },
	{ "qr repeat suppressed", QR,
	    { { 0, "VP-7K3M9Q2X\r\nVP-7K3M9Q2X\r\n" }, { 900, "vp-7k3m9q2x\r\n" } },
	    -1, "CVP-7K3M9Q2X" },
	{ "qr repeat after hold-off", QR,
	    { { 0, "VP-7K3M9Q2X\r\n" }, { 1000, "VP-7K3M9Q2X\r\n" } }, -1,
	    "CVP-7K3M9Q2X,CVP-7K3M9Q2X" },
	{ "qr different code at once", QR,
	    { { 0, "VP-AAAA\r\nVP-BBBB\r\nVP-AAAA\r\n" } }, -1,
	    "CVP-AAAA,CVP-BBBB,CVP-AAAA" },
	{ "qr stale partial line", QR, { { 0, "VP-7K" } }, 100, "F5" },
	{ "qr stale partial, next line", QR,
	    { { 0, "VP-7K" }, { 100, "VP-7K3M9Q2X\r\n" } }, -1, "F5,CVP-7K3M9Q2X" },
};

static void
run_row(const struct row *rw)
{
	struct cardfmt p;
	struct rec rec;
	uint8_t buf[512];
	size_t n;
	int i, calls = 0;

	memset(&rec, 0, sizeof(rec));
	cardfmt_init(&p, rw->fmt);
	for (i = 0; i < 6 && rw->steps[i].in != NULL; i++) {
		n = expand(buf, rw->steps[i].in);
		calls += cardfmt_feed(&p, buf, n, T0 + rw->steps[i].t_ms * MS,
		    collect, &rec);
	}
	if (rw->expire_ms >= 0)
		calls += cardfmt_expire(&p, T0 + rw->expire_ms * MS, collect, &rec);
	if (strcmp(rec.text, rw->want) != 0)
		fprintf(stderr, "row \"%s\":\n", rw->name);
	CHECK_STR(rec.text, rw->want);
	if (calls != rec.n)
		fprintf(stderr, "row \"%s\": %d calls counted, %d made\n",
		    rw->name, calls, rec.n);
	CHECK_INT(calls, rec.n);
}

/* Every way to cut a frame in two, and byte by byte. */
static void
test_splits(enum card_format fmt, const char *spec, const char *want_uid)
{
	uint8_t buf[64];
	size_t n = expand(buf, spec), k, end;
	int bad = 0;

	/* The byte that completes the frame: the ETX, or the CR. */
	end = fmt == CARD_EM4100 ? n - 1 :
	    (size_t)((uint8_t *)memchr(buf, '\r', n) - buf);

	for (k = 0; k <= n; k++) {
		struct cardfmt p;
		struct rec rec;

		memset(&rec, 0, sizeof(rec));
		cardfmt_init(&p, fmt);
		cardfmt_feed(&p, buf, k, T0, collect, &rec);
		cardfmt_feed(&p, buf + k, n - k, T0 + 5 * MS, collect, &rec);
		if (rec.n != 1 || rec.cards != 1 || strcmp(rec.last_uid, want_uid) != 0 ||
		    rec.last_t != T0 + (k > end ? 0 : 5 * MS) || cardfmt_is_pending(&p)) {
			fprintf(stderr, "split %s at %zu: \"%s\"\n", want_uid, k, rec.text);
			bad++;
		}
	}
	CHECK_INT(bad, 0);

	{
		struct cardfmt p;
		struct rec rec;

		memset(&rec, 0, sizeof(rec));
		cardfmt_init(&p, fmt);
		for (k = 0; k < n; k++)
			cardfmt_feed(&p, buf + k, 1, T0 + (int64_t)k * MS, collect, &rec);
		CHECK_INT(rec.cards, 1);
		CHECK_STR(rec.last_uid, want_uid);
		CHECK_INT(rec.last_t, T0 + (int64_t)end * MS);
	}
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/*
 * The visitor codes in BUF, from first principles: lines ended by CR, LF or
 * CR LF, each 4..31 of A-Z a-z 0-9 -. The last one, upper-cased, in LAST.
 */
static int
qr_codes(const uint8_t *buf, size_t n, char last[MSG_UID_MAX])
{
	size_t i, start = 0;
	int codes = 0;

	for (i = 0; i < n; i++) {
		size_t len = i - start, k;
		bool ok;

		if (buf[i] != '\r' && buf[i] != '\n')
			continue;
		ok = len >= 4 && len <= 31;
		for (k = start; ok && k < i; k++)
			ok = isalnum(buf[k]) || buf[k] == '-';
		if (ok) {
			for (k = 0; k < len; k++)
				last[k] = (char)toupper(buf[start + k]);
			last[len] = '\0';
			codes++;
		}
		start = i + 1;
	}
	return codes;
}

/*
 * Random bytes, sometimes with a valid frame of a random card embedded: a
 * card comes out only when one was embedded, and it is that card; every
 * byte fed is accounted for in a card or a reject.
 */
static void
test_random(enum card_format fmt)
{
	struct cardfmt p;
	int iter, wrong_cards = 0, missed = 0, lost_bytes = 0;
	int64_t t = T0;

	cardfmt_init(&p, fmt);
	for (iter = 0; iter < 3000; iter++) {
		uint8_t buf[600];
		char uid[MSG_UID_MAX] = "";
		size_t n = 0, pre = rnd() % 200, post = rnd() % 200, i, off;
		long fed = 0, ignored = 0;
		struct rec rec;
		bool embed = rnd() % 2 == 0;

		for (i = 0; i < pre; i++)
			buf[n++] = (uint8_t)rnd();
		if (embed && fmt == CARD_EM4100) {
			for (i = 0; i < 10; i++)
				uid[i] = "0123456789ABCDEF"[rnd() % 16];
			uid[10] = '\0';
			n += em_frame(buf + n, uid, false);
		} else if (embed && fmt == CARD_QR) {
			static const char qrc[] = "0123456789"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-";
			size_t len = 4 + rnd() % 28;

			for (i = 0; i < len; i++)
				uid[i] = qrc[rnd() % (sizeof(qrc) - 1)];
			uid[len] = '\0';
			n += (size_t)sprintf((char *)buf + n, "\r%s\r", uid);
			for (i = 0; i < len; i++)
				if (uid[i] >= 'a' && uid[i] <= 'z')
					uid[i] = (char)(uid[i] - 'a' + 'A');
		} else if (embed) {
			size_t len = 4 + rnd() % 13;

			for (i = 0; i < len; i++)
				uid[i] = "0123456789ABCDEF"[rnd() % 16];
			uid[len] = '\0';
			n += (size_t)sprintf((char *)buf + n, "\r%s\r", uid);
		}
		for (i = 0; i < post; i++)
			buf[n++] = (uint8_t)rnd();

		/* Wiegand ASCII and QR ignore an LF right after a CR. */
		for (i = 1; fmt != CARD_EM4100 && i < n; i++)
			if (buf[i] == '\n' && buf[i - 1] == '\r')
				ignored++;

		memset(&rec, 0, sizeof(rec));
		for (off = 0; off < n; off += i) {
			i = 1 + rnd() % 40;
			if (i > n - off)
				i = n - off;
			cardfmt_feed(&p, buf + off, i, t, collect, &rec);
			fed += (long)i;
		}
		cardfmt_expire(&p, t + 51 * MS, collect, &rec);
		if (fmt == CARD_QR) {
			/* Noise may hold a valid code between two line ends:
			 * the cards are exactly the lines that are codes. */
			char last[MSG_UID_MAX];
			int want = qr_codes(buf, n, last);

			if (rec.cards != want ||
			    (want > 0 && strcmp(rec.last_uid, last) != 0))
				wrong_cards++;
			if (embed && (want == 0 || strstr(rec.text, uid) == NULL))
				missed++;
		} else {
			if (embed && (rec.cards != 1 ||
			    strcmp(rec.last_uid, uid) != 0))
				missed++;
			if (!embed && rec.cards != 0)
				wrong_cards++;
		}
		if (rec.bytes != fed - ignored || cardfmt_is_pending(&p))
			lost_bytes++;
		t += 2000 * MS;		/* past the hold-off: a repeat is new */
	}
	CHECK_INT(wrong_cards, 0);
	CHECK_INT(missed, 0);
	CHECK_INT(lost_bytes, 0);
}

/* A NUL cannot be in a row's C string: fed here, inside a line and alone. */
static void
test_qr_nul(void)
{
	static const uint8_t in[] = "VP-7K\0003M9Q2X\r\n\0\r\nVP-7K3M9Q2X\r\n";
	struct cardfmt p;
	struct rec rec;

	memset(&rec, 0, sizeof(rec));
	cardfmt_init(&p, CARD_QR);
	CHECK_INT(cardfmt_feed(&p, in, sizeof(in) - 1, T0, collect, &rec), 3);
	CHECK_STR(rec.text, "F13,F2,CVP-7K3M9Q2X");
	CHECK(!cardfmt_is_pending(&p));
}

static void
test_deadline(void)
{
	struct cardfmt p;
	struct rec rec;

	memset(&rec, 0, sizeof(rec));
	cardfmt_init(&p, CARD_EM4100);
	CHECK(!cardfmt_is_pending(&p));
	CHECK_INT(cardfmt_deadline(&p), INT64_MAX);
	cardfmt_feed(&p, (const uint8_t *)"\x02" "12", 3, T0, collect, &rec);
	CHECK(cardfmt_is_pending(&p));
	CHECK(cardfmt_deadline(&p) > T0 + CARDFMT_STALE_NS);
	CHECK(cardfmt_deadline(&p) <= T0 + CARDFMT_STALE_NS + MS);
	CHECK_INT(cardfmt_expire(&p, cardfmt_deadline(&p) - 1, collect, &rec), 0);
	CHECK_INT(cardfmt_expire(&p, cardfmt_deadline(&p), collect, &rec), 1);
	CHECK_STR(rec.text, "F3");
	CHECK_INT(rec.last_t, T0 + CARDFMT_STALE_NS + 1);
	CHECK_INT(cardfmt_deadline(&p), INT64_MAX);

	/* Flushing (the port closed) ends a partial frame at once. */
	cardfmt_feed(&p, (const uint8_t *)"\x02" "1234", 5, T0 + 1000 * MS, collect, &rec);
	CHECK_INT(cardfmt_flush(&p, T0 + 1001 * MS, collect, &rec), 1);
	CHECK_STR(rec.text, "F3,F5");
	CHECK_INT(cardfmt_flush(&p, T0 + 1002 * MS, collect, &rec), 0);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(&rows[i]);

	test_splits(CARD_EM4100, "{0F00A2B3C4}", "0F00A2B3C4");
	test_splits(CARD_EM4100, "{FFFFFFFFFF}", "FFFFFFFFFF");
	test_splits(CARD_WIEGAND_ASCII, "00ab12cd\r\n", "00AB12CD");
	test_splits(CARD_WIEGAND_ASCII, "beef\r", "BEEF");
	test_splits(CARD_QR, "VP-7K3M9Q2X\r\n", "VP-7K3M9Q2X");
	test_splits(CARD_QR, "vp-abcd\r", "VP-ABCD");

	test_deadline();
	test_qr_nul();
	test_random(CARD_EM4100);
	test_random(CARD_WIEGAND_ASCII);
	test_random(CARD_QR);

	return harness_done("test_cardfmt");
}
