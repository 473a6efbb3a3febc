/*
 * Desk readers for second-generation resident identity cards (the SAM
 * module's serial protocol): request frames, a streaming reply parser, and
 * the 256-byte base-information block read into UTF-8 fields. Pure: no I/O,
 * no clock. The photo block that follows the text is skipped, never kept.
 *
 * A frame is the preamble AA AA AA 96 69, a two-byte big-endian length of
 * what follows it, then (request) command and parameter bytes or (reply)
 * three status bytes SW1 SW2 SW3 and data, and last an XOR of every byte
 * from the length on.
 */
#ifndef LOBBYD_IDCARD_H
#define LOBBYD_IDCARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDCARD_REQUEST_LEN	10	/* preamble, length, cmd, param, xor */
#define IDCARD_BASE_LEN		256	/* the text block of a base read */
/* Largest reply: base text and photo (and its two length words). */
#define IDCARD_REPLY_MAX	(5 + 2 + 3 + 4 + IDCARD_BASE_LEN + 1024 + 1 + 512)

/* Commands: the command byte, then its parameter. */
enum idcard_cmd {
	IDCARD_FIND	= 0x2001,	/* is a card in the field? */
	IDCARD_SELECT	= 0x2002,	/* select it for reading */
	IDCARD_READ	= 0x3001,	/* read base information (text, photo) */
};

/* SW3, the status a reply carries. */
enum idcard_status {
	IDCARD_SW_OK		= 0x90,	/* done */
	IDCARD_SW_FOUND		= 0x9f,	/* find: a card is there */
	IDCARD_SW_NO_CARD	= 0x80,	/* find: none */
	IDCARD_SW_SELECT_FAIL	= 0x81,	/* select failed (card moved) */
	IDCARD_SW_READ_FAIL	= 0x41,	/* read failed (card removed) */
	IDCARD_SW_BAD_SUM	= 0x10,	/* the module got a bad checksum */
	IDCARD_SW_BAD_LEN	= 0x11,
	IDCARD_SW_BAD_CMD	= 0x21,
};

/* Builds a request; returns its length (IDCARD_REQUEST_LEN). */
size_t	idcard_request(enum idcard_cmd, uint8_t out[IDCARD_REQUEST_LEN]);

/* A reply found by the parser; data points into the parser's buffer and is
 * valid until the next feed. */
struct idcard_reply {
	uint8_t		sw1, sw2, sw3;
	const uint8_t	*data;
	size_t		ndata;
};

enum idcard_rx_result {
	IDCARD_RX_MORE,		/* all bytes taken, no whole frame yet */
	IDCARD_RX_FRAME,	/* *reply is a frame; *used bytes taken */
	IDCARD_RX_BAD,		/* *used bytes discarded: err says why */
};

/* Reply parser state; callers allocate it, idcard.c owns the fields. */
struct idcard_rx {
	uint8_t		buf[IDCARD_REPLY_MAX];
	size_t		len;
};

void	idcard_rx_reset(struct idcard_rx *);
/*
 * Takes bytes in[0..len). Bytes before a preamble are noise and discarded
 * (IDCARD_RX_BAD once, with how many); a frame whose length is out of range
 * or whose checksum is wrong is discarded whole. Call again with the rest
 * (in + *used) until it returns IDCARD_RX_MORE.
 */
enum idcard_rx_result idcard_rx_feed(struct idcard_rx *, const uint8_t *in,
	    size_t len, size_t *used, struct idcard_reply *, char *err, size_t errlen);

/* The base information, in UTF-8 with the padding trimmed. Dates are
 * YYYYMMDD; valid_until is YYYYMMDD or "长期" (no end). */
struct idcard_info {
	char	name[48];		/* 15 UCS-2 characters at most */
	char	sex;			/* '1' male, '2' female, '0' or '9' */
	char	nation[4];		/* GB 3304 code, "01" to "58" */
	char	birth[9];
	char	address[112];		/* 35 characters */
	char	number[19];		/* 18 characters: 17 digits, a check */
	char	authority[48];		/* issuing police office */
	char	valid_from[9];
	char	valid_until[16];
};

/*
 * Reads a base-read reply's data (the length words, the text, the photo):
 * 0, or -1 with err saying which field is wrong (a field that is not
 * UCS-2 text, a date or a number of the wrong shape).
 */
int	idcard_decode(const uint8_t *data, size_t ndata, struct idcard_info *,
	    char *err, size_t errlen);
/* The reverse, for lobbysim and the tests: the 256-byte text block of info
 * (fields as above; a field too long for its place is cut). */
void	idcard_encode_base(const struct idcard_info *, uint8_t out[IDCARD_BASE_LEN]);
/* A whole reply frame with status sw3 and data; returns its length, or 0 if
 * it does not fit in outlen. */
size_t	idcard_reply_frame(uint8_t sw3, const uint8_t *data, size_t ndata,
	    uint8_t *out, size_t outlen);
/* A status in words: "no card", "card removed during the read", ... */
const char *idcard_status_name(uint8_t sw3);

#endif
