/*
 * Messages between the engine and its link workers: the whole protocol in one
 * header. One message per SOCK_SEQPACKET datagram; every type has one fixed
 * size, and msg_recv() refuses anything else, so a confused worker can never
 * make the engine read past a buffer.
 */
#ifndef LOBBYD_MSG_H
#define LOBBYD_MSG_H

#include <stdint.h>
#include <sys/types.h>

#include "../config/config.h"
#include "idcard.h"

#define MSG_UID_MAX	32	/* card identifier, as printable text */
#define MSG_HEARTBEAT_MS 500	/* a worker silent much longer is hung */
#define MSG_TEXT_MAX	96

enum msg_type {
	/* worker -> engine */
	MSG_HELLO = 1,		/* worker is serving: at start, then at least
				   every MSG_HEARTBEAT_MS while it is alive */
	MSG_DEV_STATE,		/* device went online or offline */
	MSG_TS_STATUS,		/* turnstile status changed (or first read) */
	MSG_CARD,		/* a valid card frame was read */
	MSG_READER_REJECT,	/* bytes that were not a valid frame */
	MSG_CMD_RESULT,		/* a command was written, or could not be */
	MSG_INPUT,		/* a contact input changed (debounced), or first read */
	MSG_ELEV_STATUS,	/* elevator controller status changed (or first read) */
	MSG_ICOM_STATUS,	/* intercom station status changed (or first read) */
	MSG_IDCARD,		/* an identity card read at a desk reader, or not */
	/* engine -> worker */
	MSG_CMD,		/* write a turnstile command */
	MSG_TYPE_MAX
};

struct msg_hdr {
	uint16_t	type;		/* enum msg_type */
	uint16_t	len;		/* whole message, header included */
	uint16_t	dev;		/* device index in site_conf.devices */
	uint16_t	pad;
};

struct msg_hello {
	struct msg_hdr	h;		/* dev: unused */
	int32_t		pid;
};

struct msg_dev_state {
	struct msg_hdr	h;
	uint8_t		online;
	uint8_t		pad[3];
	uint32_t	failures;	/* failed polls in a row */
	char		reason[MSG_TEXT_MAX];	/* "timed out", "connection refused" */
};

struct msg_ts_status {
	struct msg_hdr	h;
	uint8_t		state;		/* enum ts_state */
	uint8_t		pad[3];
	uint32_t	entry_count;	/* raw counter, wraps at its width */
	uint32_t	exit_count;
	uint32_t	counter_mask;	/* 0xffff or 0xffffffff: where it wraps */
	uint32_t	fault_code;	/* 0: none */
	int32_t		raw_state;	/* value read, for unknown states */
};

struct msg_card {
	struct msg_hdr	h;
	int64_t		t_frame_ns;	/* CLOCK_MONOTONIC when the last byte arrived */
	uint8_t		format;		/* enum card_format */
	uint8_t		pad[7];
	char		uid[MSG_UID_MAX];	/* NUL-terminated, e.g. "0A00123456" */
};

enum msg_reject_kind {
	REJECT_CHECKSUM, REJECT_FRAMING, REJECT_OVERLONG,
	REJECT_SHORT,		/* Wiegand: fewer bits than any known format */
	REJECT_PARITY,		/* Wiegand: parity check failed */
	REJECT_NOISE,		/* Wiegand: glitches, both lines low, unknown length */
};

struct msg_reader_reject {
	struct msg_hdr	h;
	uint8_t		kind;		/* enum msg_reject_kind */
	uint8_t		pad[3];
	uint32_t	bytes;		/* bytes discarded */
};

/* An identity card read at a desk reader (format "idcard"): the card's base
 * information, or why the read failed. The photo is never sent. */
struct msg_idcard {
	struct msg_hdr	h;
	int64_t		t_ns;		/* CLOCK_MONOTONIC: the read ended */
	uint8_t		ok;		/* 0: error says why (card removed, ...) */
	uint8_t		pad[7];
	struct idcard_info info;	/* ok only */
	char		error[MSG_TEXT_MAX];
};

struct msg_input {
	struct msg_hdr	h;
	uint8_t		active;		/* enum input_function says what active means */
	uint8_t		pad[7];
	int64_t		t_ns;		/* CLOCK_MONOTONIC of the change (the edge) */
};

/* An intercom station's state; button and door are ICOM_BIT_NONE when the
 * profile has no such point. */
#define ICOM_BIT_NONE	0xff
struct msg_icom_status {
	struct msg_hdr	h;
	uint8_t		call;		/* enum icom_call */
	uint8_t		button;		/* 1 pressed, 0 not */
	uint8_t		door;		/* 1 open, 0 closed */
	uint8_t		pad;
	int32_t		raw_call;	/* value read, for unknown states */
};

/* An elevator controller's state (profile kind "elevator"); the raw values
 * are kept for states the profile does not name. trapped and fault_code are
 * 0 when the profile has no such point. */
struct msg_elev_status {
	struct msg_hdr	h;
	int32_t		floor;		/* car position as read */
	uint8_t		dir;		/* enum elev_dir */
	uint8_t		door;		/* enum elev_door */
	uint8_t		mode;		/* enum elev_mode */
	uint8_t		trapped;	/* 1: passenger alarm / trapped passenger */
	uint32_t	fault_code;	/* 0: none */
	int32_t		raw_dir, raw_door, raw_mode;
};

struct msg_cmd {
	struct msg_hdr	h;
	uint32_t	id;		/* echoed in MSG_CMD_RESULT */
	uint8_t		cmd;		/* by device kind: enum ts_cmd, ... */
	uint8_t		pad[3];
	uint32_t	value;		/* command argument: pulse ms, an
					   elevator's enable ms, ... */
	uint32_t	pad2;
	int64_t		t_frame_ns;	/* card frame that caused it, 0 if none */
	int64_t		expires_ns;	/* CLOCK_MONOTONIC: never written after this */
	uint64_t	floors;		/* elevator: floors to enable, bit n = floor n */
};

/* MSG_CMD.cmd for a relay (DEV_OUTPUT): off, on, or on for value ms, ended
 * by the worker's own timer. A new command replaces a pulse under way. */
enum out_cmd { OUT_CMD_OFF, OUT_CMD_ON, OUT_CMD_PULSE };
#define MSG_PULSE_MAX_MS	CONF_PULSE_MAX_MS	/* config/config.h */

enum msg_cmd_status { CMD_OK, CMD_FAILED, CMD_EXPIRED, CMD_OFFLINE };

struct msg_cmd_result {
	struct msg_hdr	h;
	uint32_t	id;
	uint8_t		status;		/* enum msg_cmd_status */
	uint8_t		pad[3];
	int64_t		t_frame_ns;	/* copied from the command */
	int64_t		t_wire_ns;	/* just before the request went out */
	int64_t		t_done_ns;	/* reply received */
	char		error[MSG_TEXT_MAX];
};

union msg_any {
	struct msg_hdr		h;
	struct msg_hello	hello;
	struct msg_dev_state	dev_state;
	struct msg_ts_status	ts_status;
	struct msg_card		card;
	struct msg_reader_reject reject;
	struct msg_input	input;
	struct msg_cmd		cmd;
	struct msg_cmd_result	cmd_result;
	struct msg_icom_status	icom_status;
	struct msg_elev_status	elev_status;
	struct msg_idcard	idcard;
};

/* Fills in h.type and h.len. */
void	msg_init(void *msg, enum msg_type, uint16_t dev);
/* 0, or -1 with errno (EAGAIN if the socket is full, EPIPE if gone). */
int	msg_send(int fd, const void *msg);
/*
 * Reads one message. Returns its size; 0 on orderly EOF; -1 with errno:
 * EAGAIN (nothing to read), EPROTO (unknown type, or size not the type's own).
 */
ssize_t	msg_recv(int fd, union msg_any *out);
/* Size of a message type, 0 if unknown. */
size_t	msg_size(unsigned type);

#endif
