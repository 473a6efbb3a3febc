/*
 * The resident identity card reader's serial protocol (idcard.h): request
 * frames, the reply parser, and the base-information block's fields.
 */
#include <stdio.h>
#include <string.h>

#include "idcard.h"
#include "../common/util.h"

static const uint8_t preamble[] = { 0xaa, 0xaa, 0xaa, 0x96, 0x69 };
#define PRE_LEN		sizeof(preamble)
#define HEAD_LEN	(PRE_LEN + 2)	/* preamble and the length word */
#define REPLY_MIN	4		/* SW1 SW2 SW3 and the checksum */

/* The base block's fields: their byte offsets and sizes (UCS-2LE). */
static const struct field {
	const char	*name;
	size_t		off, size;
} fields[] = {
	{ "name", 0, 30 }, { "sex", 30, 2 }, { "nation", 32, 4 },
	{ "birth date", 36, 16 }, { "address", 52, 70 }, { "number", 122, 36 },
	{ "issuing authority", 158, 30 }, { "valid from", 188, 16 },
	{ "valid until", 204, 16 },
};
enum { F_NAME, F_SEX, F_NATION, F_BIRTH, F_ADDRESS, F_NUMBER, F_AUTHORITY,
	F_FROM, F_UNTIL, F_COUNT };

static uint8_t
xor_of(const uint8_t *p, size_t n)
{
	uint8_t x = 0;

	while (n-- > 0)
		x ^= *p++;
	return x;
}

size_t
idcard_request(enum idcard_cmd cmd, uint8_t out[IDCARD_REQUEST_LEN])
{
	memcpy(out, preamble, PRE_LEN);
	out[5] = 0x00;
	out[6] = 0x03;				/* cmd, param, checksum */
	out[7] = (uint8_t)(cmd >> 8);
	out[8] = (uint8_t)cmd;
	out[9] = xor_of(out + PRE_LEN, 4);
	return IDCARD_REQUEST_LEN;
}

size_t
idcard_reply_frame(uint8_t sw3, const uint8_t *data, size_t ndata, uint8_t *out,
    size_t outlen)
{
	size_t body = 3 + ndata + 1;

	if (body > 0xffff || HEAD_LEN + body > outlen)
		return 0;
	memcpy(out, preamble, PRE_LEN);
	out[5] = (uint8_t)(body >> 8);
	out[6] = (uint8_t)body;
	out[7] = 0x00;
	out[8] = 0x00;
	out[9] = sw3;
	if (ndata > 0)
		memcpy(out + 10, data, ndata);
	out[HEAD_LEN + body - 1] = xor_of(out + PRE_LEN, 2 + body - 1);
	return HEAD_LEN + body;
}

const char *
idcard_status_name(uint8_t sw3)
{
	switch (sw3) {
	case IDCARD_SW_OK:		return "ok";
	case IDCARD_SW_FOUND:		return "card found";
	case IDCARD_SW_NO_CARD:		return "no card";
	case IDCARD_SW_SELECT_FAIL:	return "card could not be selected";
	case IDCARD_SW_READ_FAIL:	return "card removed during the read";
	case IDCARD_SW_BAD_SUM:		return "the reader got a bad checksum";
	case IDCARD_SW_BAD_LEN:		return "the reader got a bad length";
	case IDCARD_SW_BAD_CMD:		return "the reader does not know the command";
	default:			return "unknown status";
	}
}

/* ---- the reply parser ------------------------------------------------------ */

void
idcard_rx_reset(struct idcard_rx *rx)
{
	rx->len = 0;
}

/* How many leading bytes of buf[0..n) cannot begin a preamble. */
static size_t
noise_len(const uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = n - i < PRE_LEN ? n - i : PRE_LEN;

		if (memcmp(buf + i, preamble, k) == 0)
			return i;
	}
	return n;
}

static void
rx_drop(struct idcard_rx *rx, size_t n)
{
	memmove(rx->buf, rx->buf + n, rx->len - n);
	rx->len -= n;
}

enum idcard_rx_result
idcard_rx_feed(struct idcard_rx *rx, const uint8_t *in, size_t len, size_t *used,
    struct idcard_reply *reply, char *err, size_t errlen)
{
	size_t u = 0, body = 0, noise;

	/* A frame's bytes are taken only as far as the frame goes, so what
	 * follows it stays with the caller for the next call. */
	for (;;) {
		size_t want, take;

		if (rx->len < HEAD_LEN) {
			want = HEAD_LEN - rx->len;
		} else {
			body = (size_t)rx->buf[5] << 8 | rx->buf[6];
			if (body < REPLY_MIN || HEAD_LEN + body > sizeof(rx->buf)) {
				rx_drop(rx, PRE_LEN);
				*used = u;
				snprintf(err, errlen, "frame length %zu out of range", body);
				return IDCARD_RX_BAD;
			}
			want = HEAD_LEN + body - rx->len;
		}
		if (want == 0)
			break;
		if (u == len) {
			*used = u;
			return IDCARD_RX_MORE;
		}
		take = want < len - u ? want : len - u;
		memcpy(rx->buf + rx->len, in + u, take);
		rx->len += take;
		u += take;
		if (rx->len <= HEAD_LEN && (noise = noise_len(rx->buf, rx->len)) > 0) {
			rx_drop(rx, noise);
			*used = u;
			snprintf(err, errlen, "%zu byte(s) before a frame's preamble", noise);
			return IDCARD_RX_BAD;
		}
	}
	*used = u;
	rx->len = 0;	/* the frame stays in buf until the next feed */
	if (xor_of(rx->buf + PRE_LEN, 2 + body - 1) != rx->buf[HEAD_LEN + body - 1]) {
		snprintf(err, errlen, "bad checksum in a %zu-byte frame", HEAD_LEN + body);
		return IDCARD_RX_BAD;
	}
	reply->sw1 = rx->buf[7];
	reply->sw2 = rx->buf[8];
	reply->sw3 = rx->buf[9];
	reply->data = rx->buf + 10;
	reply->ndata = body - REPLY_MIN;
	return IDCARD_RX_FRAME;
}

/* ---- the base information ---------------------------------------------------- */

/* UTF-8 of one UCS-2 character; returns its length. */
static size_t
utf8_put(unsigned c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | c >> 12);
	out[1] = (char)(0x80 | (c >> 6 & 0x3f));
	out[2] = (char)(0x80 | (c & 0x3f));
	return 3;
}

/* A field's UCS-2LE text as UTF-8, trailing spaces and NULs trimmed. */
static int
field_text(const uint8_t *base, const struct field *f, char *out, size_t outlen,
    char *err, size_t errlen)
{
	size_t n = f->size / 2, o = 0;

	while (n > 0) {
		unsigned c = base[f->off + 2 * (n - 1)] | base[f->off + 2 * (n - 1) + 1] << 8;

		if (c != 0x20 && c != 0 && c != 0x3000)
			break;
		n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned c = base[f->off + 2 * i] | base[f->off + 2 * i + 1] << 8;

		if (c < 0x20 || c == 0x7f || (c >= 0xd800 && c <= 0xdfff) ||
		    c == 0xfffe || c == 0xffff) {
			snprintf(err, errlen, "%s: character %zu is U+%04X, not text",
			    f->name, i + 1, c);
			return -1;
		}
		if (o + (c < 0x80 ? 1 : c < 0x800 ? 2 : 3) >= outlen) {
			snprintf(err, errlen, "%s: too long", f->name);
			return -1;
		}
		o += utf8_put(c, out + o);
	}
	out[o] = '\0';
	return 0;
}

static bool
all_digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int
idcard_decode(const uint8_t *data, size_t ndata, struct idcard_info *info,
    char *err, size_t errlen)
{
	char sex[8];
	size_t text_len;
	const uint8_t *base;

	memset(info, 0, sizeof(*info));
	if (ndata < 4) {
		snprintf(err, errlen, "base read: %zu bytes, no length words", ndata);
		return -1;
	}
	text_len = (size_t)data[0] << 8 | data[1];
	if (text_len != IDCARD_BASE_LEN || ndata < 4 + text_len) {
		snprintf(err, errlen, "base read: text of %zu bytes in %zu (want %d)",
		    text_len, ndata, IDCARD_BASE_LEN);
		return -1;
	}
	base = data + 4;
	if (field_text(base, &fields[F_NAME], info->name, sizeof(info->name), err, errlen) < 0 ||
	    field_text(base, &fields[F_SEX], sex, sizeof(sex), err, errlen) < 0 ||
	    field_text(base, &fields[F_NATION], info->nation, sizeof(info->nation), err, errlen) < 0 ||
	    field_text(base, &fields[F_BIRTH], info->birth, sizeof(info->birth), err, errlen) < 0 ||
	    field_text(base, &fields[F_ADDRESS], info->address, sizeof(info->address), err, errlen) < 0 ||
	    field_text(base, &fields[F_NUMBER], info->number, sizeof(info->number), err, errlen) < 0 ||
	    field_text(base, &fields[F_AUTHORITY], info->authority, sizeof(info->authority), err, errlen) < 0 ||
	    field_text(base, &fields[F_FROM], info->valid_from, sizeof(info->valid_from), err, errlen) < 0 ||
	    field_text(base, &fields[F_UNTIL], info->valid_until, sizeof(info->valid_until), err, errlen) < 0)
		return -1;

	if (info->name[0] == '\0')
		snprintf(err, errlen, "name: empty");
	else if (strlen(sex) != 1 || strchr("0129", sex[0]) == NULL)
		snprintf(err, errlen, "sex: \"%s\" is not a code (0, 1, 2, 9)", sex);
	else if (!all_digits(info->nation, 2))
		snprintf(err, errlen, "nation: \"%s\" is not a two-digit code", info->nation);
	/* Neither the birth date nor the number is repeated: the refusal is
	 * logged, recorded and shown, and a raw ID number never may be. */
	else if (!all_digits(info->birth, 8))
		snprintf(err, errlen, "birth date: %zu characters, not YYYYMMDD",
		    strlen(info->birth));
	else if (ymd_parse(info->birth) < 0)
		snprintf(err, errlen, "birth date: not a day of the calendar");
	else if (strlen(info->number) != 18 || strspn(info->number, "0123456789") < 17 ||
	    strchr("0123456789X", info->number[17]) == NULL)
		snprintf(err, errlen, "number: %zu characters, not 17 digits and a "
		    "check character (0-9 or X)", strlen(info->number));
	else if (ymd_parse(info->valid_from) < 0)
		snprintf(err, errlen, "valid from: \"%s\" is not YYYYMMDD", info->valid_from);
	else if (ymd_parse(info->valid_until) < 0 && strcmp(info->valid_until, "长期") != 0)
		snprintf(err, errlen, "valid until: \"%s\" is neither YYYYMMDD nor 长期",
		    info->valid_until);
	else {
		info->sex = sex[0];
		return 0;
	}
	return -1;
}

/* ---- the reverse, for the simulator and the tests ---------------------------- */

/* The next character of UTF-8 text s (BMP only); 0 at the end. */
static unsigned
utf8_next(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	unsigned c;

	if (*p == 0)
		return 0;
	if (*p < 0x80) {
		*s += 1;
		return *p;
	}
	if ((*p & 0xe0) == 0xc0 && p[1] != 0) {
		c = (unsigned)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
		*s += 2;
		return c;
	}
	if ((*p & 0xf0) == 0xe0 && p[1] != 0 && p[2] != 0) {
		c = (unsigned)(p[0] & 0x0f) << 12 | (unsigned)(p[1] & 0x3f) << 6 |
		    (p[2] & 0x3f);
		*s += 3;
		return c;
	}
	*s += 1;
	return '?';
}

static void
field_put(uint8_t *base, const struct field *f, const char *text)
{
	size_t i = 0;
	unsigned c;

	while (i < f->size / 2 && (c = utf8_next(&text)) != 0) {
		base[f->off + 2 * i] = (uint8_t)c;
		base[f->off + 2 * i + 1] = (uint8_t)(c >> 8);
		i++;
	}
	for (; i < f->size / 2; i++) {
		base[f->off + 2 * i] = 0x20;
		base[f->off + 2 * i + 1] = 0x00;
	}
}

void
idcard_encode_base(const struct idcard_info *info, uint8_t out[IDCARD_BASE_LEN])
{
	char sex[2] = { info->sex, '\0' };

	memset(out, 0, IDCARD_BASE_LEN);
	for (size_t i = 220; i < IDCARD_BASE_LEN; i += 2)
		out[i] = 0x20;			/* the reserved tail */
	field_put(out, &fields[F_NAME], info->name);
	field_put(out, &fields[F_SEX], sex);
	field_put(out, &fields[F_NATION], info->nation);
	field_put(out, &fields[F_BIRTH], info->birth);
	field_put(out, &fields[F_ADDRESS], info->address);
	field_put(out, &fields[F_NUMBER], info->number);
	field_put(out, &fields[F_AUTHORITY], info->authority);
	field_put(out, &fields[F_FROM], info->valid_from);
	field_put(out, &fields[F_UNTIL], info->valid_until);
}
