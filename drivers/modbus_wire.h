/*
 * One Modbus transaction on the wire, in TCP (MBAP header) or RTU (CRC)
 * framing, under a total deadline: the worker writes the request and reads
 * the whole reply itself with poll(), so a device that trickles its reply
 * holds the link no longer than the deadline (libmodbus restarts its byte
 * timeout at every byte). Every reply is checked against its request —
 * protocol id, length, transaction id, unit id, function, byte count, echo,
 * CRC — before a value of it is used.
 */
#ifndef LOBBYD_MODBUS_WIRE_H
#define LOBBYD_MODBUS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MBW_ADU_MAX	260	/* the longest TCP ADU; RTU's is 256 */

/* The functions lobbyd uses (Modbus function codes). */
enum mbw_fc {
	MBW_READ_COILS = 1,
	MBW_READ_DISCRETE = 2,
	MBW_READ_HOLDING = 3,
	MBW_READ_INPUT = 4,
	MBW_WRITE_COIL = 5,
	MBW_WRITE_REGISTER = 6,
	MBW_WRITE_REGISTERS = 16,
};

struct mbw_req {
	bool		rtu;		/* RTU framing, else TCP */
	uint16_t	tid;		/* TCP: transaction id */
	uint8_t		unit;
	uint8_t		fc;		/* enum mbw_fc */
	uint16_t	addr;
	uint16_t	count;		/* reads, MBW_WRITE_REGISTERS: how many */
	uint16_t	value;		/* MBW_WRITE_REGISTER; coil: 0 off, else on */
	const uint16_t	*regs;		/* MBW_WRITE_REGISTERS: count values */
	int64_t		char_ns;	/* RTU: one character's wire time */
};

/* Writes the request ADU into adu (MBW_ADU_MAX bytes); returns its length,
 * 0 for a request the protocol cannot carry. */
size_t	mbw_encode(const struct mbw_req *, uint8_t *adu);

/* The length the reply ADU must have, from its first bytes: > 0 once
 * enough is in to tell, 0 while more is needed. -1 when those bytes cannot
 * answer the request (wrong protocol id, length, unit, function, byte count):
 * errno EMBBADDATA and why says what. */
int	mbw_reply_size(const struct mbw_req *, const uint8_t *adu, size_t have,
	    char *why, size_t whysz);

/* Checks a whole reply ADU of len bytes and copies what a read returned
 * into regs (count registers) or bits (count bytes, 0 or 1). 0, or -1 with
 * errno: EMBBADDATA or EMBBADCRC (why says what), or the exception the
 * device answered (EMBXILFUN..EMBXGTAR, EMBUNKEXC). */
int	mbw_decode(const struct mbw_req *, const uint8_t *adu, size_t len,
	    uint16_t *regs, uint8_t *bits, char *why, size_t whysz);

/*
 * The whole transaction on fd (a connected TCP socket or an open serial
 * port): writes the request and reads the reply, all within window_ns of
 * the call; on RTU the window also has the wire time of both frames and
 * of the silence between them (char_ns a character). 0, or -1 with errno and why saying what went wrong:
 * ETIMEDOUT (no complete reply in time; the connection or line may still
 * carry the rest of it), ECONNRESET (the device closed the connection), a
 * read or write error, or as mbw_decode.
 */
int	mbw_transact(int fd, const struct mbw_req *, int64_t window_ns,
	    uint16_t *regs, uint8_t *bits, char *why, size_t whysz);

/* The RTU CRC of n bytes; a frame carries it low byte first. */
uint16_t mbw_crc16(const uint8_t *, size_t n);

#endif
