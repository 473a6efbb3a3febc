/*
 * Wiegand card frames decoded from the edges of a reader's D0 and D1 lines.
 * Pure: no I/O, no clock reads; every edge carries its kernel timestamp and
 * the end of a frame is found on the next edge or by wiegand_expire(now).
 */
#ifndef LOBBYD_WIEGAND_H
#define LOBBYD_WIEGAND_H

#include <stdbool.h>
#include <stdint.h>

#include "msg.h"

/* A frame ends when no bit has come for this long (default; see init). */
#define WIEGAND_GAP_NS		(25 * 1000000LL)
/* A low pulse shorter than this, when its rising edge is seen, is a glitch:
 * dropped and counted, the frame goes on. Readers pulse for 50-100 us. */
#define WIEGAND_MIN_PULSE_NS	(20 * 1000LL)
/* Two bits closer than this (on either line, or one on each) spoil the
 * frame: readers space bits 1-2 ms apart. */
#define WIEGAND_MIN_BIT_NS	(200 * 1000LL)
/* Longest inter-frame gap init accepts. */
#define WIEGAND_GAP_MAX_NS	(10 * 1000 * 1000000LL)
/* Bits kept of a frame (the last ones); longer frames are only counted. */
#define WIEGAND_BITS_HELD	64

enum wiegand_line { WIEGAND_D0, WIEGAND_D1 };

enum wiegand_kind { WIEGAND_CARD, WIEGAND_REJECT };

enum wiegand_reject {
	WIEGAND_REJECT_NONE,	/* a card */
	WIEGAND_REJECT_SHORT,	/* fewer than 26 bits (keypad frames too) */
	WIEGAND_REJECT_LENGTH,	/* 26 bits or more, but not 26, 34 or 37 */
	WIEGAND_REJECT_PARITY,	/* a known length whose parity is wrong */
	WIEGAND_REJECT_NOISE,	/* bits too close together or both lines low */
};

/*
 * What one frame turned out to be. Layouts, bit 1 first on the wire:
 *   26 (H10301): P(even, 1-13) F8 C16 P(odd, 14-26)
 *   34 (H10306): P(even, 1-17) F16 C16 P(odd, 18-34)
 *   37 (H10304): P(even, 1-19) F16 C19 P(odd, 19-37); bit 19 is in both
 * Ranges include the parity bit itself.
 */
struct wiegand_result {
	enum wiegand_kind	kind;
	enum wiegand_reject	reject;	/* WIEGAND_REJECT only */
	uint32_t		bits;	/* bits in the frame */
	uint64_t		raw;	/* last 64 bits, parity included;
					 * the last bit received in bit 0 */
	uint32_t		facility;	/* WIEGAND_CARD only */
	uint32_t		card;		/* WIEGAND_CARD only */
	int64_t			t_ns;	/* falling edge of the last bit */
	/* WIEGAND_CARD: the data bits without parity as upper-case hex,
	 * zero-padded to 6, 8 or 9 digits for 26, 34 or 37 bits. */
	char			uid[MSG_UID_MAX];
};

/* Counters since init; callers read them, only wiegand.c writes them. */
struct wiegand_stats {
	uint64_t	cards;
	uint64_t	short_frames;
	uint64_t	bad_length;
	uint64_t	parity;
	uint64_t	noise;		/* frames rejected as noise */
	uint64_t	glitches;	/* short pulses dropped */
	uint64_t	too_close;	/* bits closer than WIEGAND_MIN_BIT_NS */
	uint64_t	overlaps;	/* bits that fell while the other line
					 * was still low */
};

/* Decoder state. Callers allocate it; the fields belong to wiegand.c except
 * stats, which callers may read. */
struct wiegand {
	int64_t			gap_ns;
	uint64_t		raw;		/* committed bits, last in bit 0 */
	uint32_t		nbits;		/* committed bits, saturating */
	bool			spoiled;
	int64_t			last_bit_ns;	/* last committed bit */
	bool			pend;		/* a bit awaits its rising edge */
	enum wiegand_line	pend_line;
	int64_t			pend_ns;
	bool			pend_overlap;	/* other line low when it fell */
	bool			low[2];		/* line level, if rises are fed */
	bool			rise_seen[2];
	struct wiegand_stats	stats;
};

/*
 * Sets up a decoder with an inter-frame gap of gap_ns, or WIEGAND_GAP_NS if
 * gap_ns is 0. Returns -1 (EINVAL) if gap_ns is not 0 and not within
 * (WIEGAND_MIN_BIT_NS, WIEGAND_GAP_MAX_NS]; the decoder then uses the default.
 */
int	wiegand_init(struct wiegand *, int64_t gap_ns);

/*
 * Takes one edge of line at t_ns (falling: rising is false). A falling edge
 * is a bit; a rising edge, when the GPIO layer delivers them, only measures
 * the width of the pulse it ends, and from a line's first rising edge on the
 * decoder tracks its level: a bit that falls while the other line is still
 * low spoils the frame (so a lost rising edge costs at most the frames until
 * that line pulses again). If the edge came a gap after the frame's last
 * bit, that frame ends first and is stored in *out.
 * Returns 1 if *out was filled, 0 if not, -1 (EINVAL) for a line that is
 * neither D0 nor D1 (nothing changes).
 */
int	wiegand_feed(struct wiegand *, enum wiegand_line line, bool rising,
	    int64_t t_ns, struct wiegand_result *out);

/* Ends the pending frame if its gap has passed at now_ns. Returns 1 if *out
 * was filled, 0 if not. */
int	wiegand_expire(struct wiegand *, int64_t now_ns, struct wiegand_result *out);

/* Ends the pending frame at once (the line was closed). Returns 1/0. */
int	wiegand_flush(struct wiegand *, struct wiegand_result *out);

/* When wiegand_expire() next has work; INT64_MAX if no frame is pending. */
int64_t	wiegand_deadline(const struct wiegand *);

/* True while a frame has bits. */
bool	wiegand_is_pending(const struct wiegand *);

/* "short frame", "bad length", "parity", "noise" (and "none"). */
const char *wiegand_reject_name(enum wiegand_reject);

#endif
