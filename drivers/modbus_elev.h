/*
 * Elevator controllers on a Modbus link: what drivers/modbus.c asks of the
 * elevator profile (the points a poll reads, the status it makes) and the
 * floor-enable registers, which the worker itself clears after a grant's
 * time and sets to 0 (all disabled) when it starts and whenever the
 * controller comes back: a communication failure or its end never enables
 * a floor (DESIGN invariant 1).
 */
#ifndef LOBBYD_MODBUS_ELEV_H
#define LOBBYD_MODBUS_ELEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link.h"

#define MBE_NPOINTS	6	/* floor, direction, door, mode, fault, trapped */
#define MBE_NREGS_MAX	(ELEV_FLOORS_MAX / 16)

/* Per controller, inside the Modbus worker. */
struct mbe_state {
	struct msg_elev_status	last;		/* sent last */
	bool			zero_owed;	/* write all floors disabled */
	int64_t			retry_ns;	/* a failed clear: not before */
	int64_t			clear_ns;	/* enabled floors end then; 0: none */
	uint64_t		enabled;	/* mask as last written */
};

/* Point I of a poll (0..MBE_NPOINTS-1); unset ones are not read. */
const struct reg_point *mbe_point(const struct profile *, int i);
/* After a complete poll with the values of mbe_point(0..): sends the
 * status when it is the first since *have_status went false, or changed. */
void	mbe_poll_done(struct link *, struct mbe_state *, const struct profile *,
	    int dev, const uint32_t *val, bool *have_status);
/* 0 when C is an enable this profile can take; -1 with err filled. */
int	mbe_cmd_check(const struct profile *, const struct msg_cmd *c,
	    char *err, size_t errlen);
/* The registers that hold mask (16 floors each, floor 0 in bit 0 of the
 * first): their number. */
int	mbe_regs(const struct profile *, uint64_t mask,
	    uint16_t regs[MBE_NREGS_MAX]);
/* At the worker's start, and when the controller answers again after
 * being offline (or for the first time): every floor is to be disabled. */
void	mbe_reset(struct mbe_state *, int64_t now_ns);
/* The controller went offline: nothing is written to it meanwhile, and
 * every floor is disabled once it answers again. */
void	mbe_offline(struct mbe_state *);
/* The clearing write due now (a grant's time is over, or a reset), for a
 * controller not known to be offline: true, and *mask the value (0). */
bool	mbe_clear_due(const struct mbe_state *, bool offline, int64_t now_ns);
/* When the next clearing write falls due; INT64_MAX: none. */
int64_t	mbe_next_ns(const struct mbe_state *);
/* A write of mask went out (ok) or failed at now; enable_ms > 0 for a
 * grant, whose floors the worker clears after that long. */
void	mbe_written(struct mbe_state *, uint64_t mask, int enable_ms, bool ok,
	    int64_t now_ns);

#endif
