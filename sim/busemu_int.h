/*
 * Inside lobbybus: the bus, its two ends and the bytes on its wire, shared
 * by busemu.c (options, the loop, control commands) and buswire.c (the ends
 * opened and the bytes paced to their wire time).
 */
#ifndef LOBBYD_BUSEMU_INT_H
#define LOBBYD_BUSEMU_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linectl.h"
#include "simpty.h"

#define BUS_QUEUE	65536		/* bytes on, or waiting for, the wire */
#define BUS_CTL_CLIENTS	8
#define BUS_REOPEN_MS	500		/* retry of a slave path that went away */
#define BUS_LATE_BINS	10000		/* lateness histogram: 1 us bins */
#define BUS_PATH_MAX	512
#define BUS_SPIN_MAX_NS	(400 * 1000LL)	/* longest busy wait before a byte */

/* The two ends of the bus, and the direction a byte travels in. */
enum { SIDE_M, SIDE_S };		/* lobbyd's pty, the devices' path */

struct bus_byte {
	int64_t		due_ns;		/* its last bit leaves the wire */
	uint8_t		b;
	uint8_t		from;		/* SIDE_M or SIDE_S */
	bool		frame_start;
};

struct bus {
	/* what the wire is */
	int		baud;
	int		bits;		/* per character, start and stop included */
	char		parity;		/* 'N', 'E', 'O' */
	int		stop_bits;
	int64_t		char_ns;
	int64_t		t35_ns;		/* frame gap: 3.5 characters */
	const char	*master_path;
	const char	*slave_path;
	bool		verbose;
	/* the master side: a pty of ours, symlinked at master_path, lobbyd
	 * on its slave */
	struct sim_pty	mpty;
	/* the slave side: an existing serial path */
	int		sfd;		/* -1 while it is gone */
	int64_t		reopen_ns;
	/* the wire: a FIFO in the order the bytes were written */
	struct bus_byte	q[BUS_QUEUE];
	size_t		head, len;
	int64_t		wire_free_ns;	/* end of the last byte scheduled */
	int		wire_from;	/* its sender, -1 before the first */
	/* figures */
	uint64_t	bytes[2], frames[2], collisions, dropped;
	int64_t		max_late_ns;
	uint64_t	late_n, late_hist[BUS_LATE_BINS + 1];
	int64_t		late_sum_ns;
	/* turnaround: a side's silence between the end of the other side's
	 * frame and the start of its own answer (both on the wire) */
	uint64_t	turn_n[2];
	int64_t		turn_sum_ns[2], turn_max_ns[2];
	/* timer: the kernel wakes us late by up to wake_ns, 9 times in 10 */
	int64_t		armed_ns;	/* when the timer should fire, 0: off */
	int64_t		wake_ns;
	struct linectl	ctl;
	bool		quit;
};

/* buswire.c: the devices' side, an existing serial path, non-blocking;
 * quiet: its failures not logged (a retry). 0 or -1. */
int	bus_open_slave(struct bus *, bool quiet);
/* lobbyd's side: a new pty whose slave is symlinked at master_path. An
 * existing symlink there is replaced; anything else is refused. 0 or -1. */
int	bus_open_master(struct bus *);
/* Hands every byte whose time has come to the other side, in runs. */
void	bus_deliver(struct bus *);
/* Reads what one side (SIDE_M, SIDE_S) wrote; false when it hung up. */
bool	bus_input(struct bus *, int from);

#endif
