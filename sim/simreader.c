/*
 * lobbysim's card readers: a pty (simpty.c) with the configured path as a
 * symlink to its slave, and the card frames a reader writes on it (EM4100,
 * Wiegand ASCII, a QR scanner's line).
 */
#include "sim.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/util.h"

/* Longest code a simulated QR scanner sends: longer than any visitor code,
 * so that lobbyd's overlong rejects can be played. */
#define SIM_QR_MAX	128

int
sim_reader_open(struct sim *sim, struct sim_link *l)
{
	(void)sim;
	return sim_pty_open(&l->pty, l->conf->name, l->conf->path, NULL, NULL);
}

static bool
is_hex(const char *s, size_t *len)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!isxdigit((unsigned char)s[n]))
			return false;
	*len = n;
	return n > 0;
}

/*
 * An EM4100 frame as an RDM6300 sends it: STX, the 10 hex digits of the
 * card, two hex digits of the XOR of its 5 bytes, ETX. Returns 0, or -1
 * when UID is not exactly 10 hex digits.
 */
int
sim_em4100_frame(const char *uid, uint8_t out[14])
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned int x = 0, b;
	size_t n, i;
	char pair[3];

	if (!is_hex(uid, &n) || n != 10)
		return -1;
	out[0] = 0x02;
	for (i = 0; i < 10; i++)
		out[1 + i] = (uint8_t)toupper((unsigned char)uid[i]);
	for (i = 0; i < 10; i += 2) {
		pair[0] = uid[i];
		pair[1] = uid[i + 1];
		pair[2] = '\0';
		sscanf(pair, "%x", &b);
		x ^= b;
	}
	out[11] = (uint8_t)hex[(x >> 4) & 0xf];
	out[12] = (uint8_t)hex[x & 0xf];
	out[13] = 0x03;
	return 0;
}

/* Writes bytes to the reader's line; all or nothing as far as a pty allows. */
int
sim_reader_write(struct sim_link *l, const uint8_t *buf, size_t len, char *err,
    size_t errsz)
{
	ssize_t n;

	if (l->pty.master == -1) {
		snprintf(err, errsz, "%s: port is not open", l->conf->name);
		return -1;
	}
	n = write(l->pty.master, buf, len);
	if (n == -1) {
		snprintf(err, errsz, "%s: write: %s", l->conf->name,
		    errno == EAGAIN ? "line buffer full (nobody reading)" :
		    strerror(errno));
		return -1;
	}
	if ((size_t)n != len) {
		snprintf(err, errsz, "%s: line buffer full: wrote %zd of %zu "
		    "bytes", l->conf->name, n, len);
		return -1;
	}
	return 0;
}

int
sim_reader_card(struct sim_link *l, const char *uid, char *err, size_t errsz)
{
	uint8_t frame[SIM_QR_MAX + 2];
	size_t n, len;

	switch (l->conf->format) {
	case CARD_EM4100:
		if (sim_em4100_frame(uid, frame) == -1) {
			snprintf(err, errsz, "%s: em4100 uid must be exactly 10 "
			    "hex digits, got \"%s\"", l->conf->name, uid);
			return -1;
		}
		len = 14;
		break;
	case CARD_WIEGAND_ASCII:
		if (!is_hex(uid, &n) || n > 32) {
			snprintf(err, errsz, "%s: wiegand-ascii uid must be 1 to "
			    "32 hex digits, got \"%s\"", l->conf->name, uid);
			return -1;
		}
		for (len = 0; len < n; len++)
			frame[len] = (uint8_t)toupper((unsigned char)uid[len]);
		frame[len++] = '\r';
		frame[len++] = '\n';
		break;
	case CARD_QR:
		/* A scanner sends whatever the code says, then CR LF: what is
		 * not a visitor code is lobbyd's to refuse. */
		for (n = 0; uid[n] != '\0' && n <= SIM_QR_MAX &&
		    uid[n] > ' ' && uid[n] < 0x7f; n++)
			;
		if (n == 0 || n > SIM_QR_MAX || uid[n] != '\0') {
			snprintf(err, errsz, "%s: qr code must be 1 to %d "
			    "printable characters, got \"%.80s\"", l->conf->name,
			    SIM_QR_MAX, uid);
			return -1;
		}
		memcpy(frame, uid, n);
		len = n;
		frame[len++] = '\r';
		frame[len++] = '\n';
		break;
	default:
		snprintf(err, errsz, "%s: unknown card format", l->conf->name);
		return -1;
	}
	return sim_reader_write(l, frame, len, err, errsz);
}
