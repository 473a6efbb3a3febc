/*
 * Intercom stations in the engine (intercom.c): the device kind icom_kind,
 * each station's own state, and the commands the front desk sends them.
 * Included by engine.h; the state is read by the control server to show it.
 */
#ifndef LOBBYD_INTERCOM_H
#define LOBBYD_INTERCOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../drivers/msg.h"

struct engine;

/* A station's call, kept while it is offline: the call goes on. */
struct icom_state {
	enum icom_call	call;
	int64_t		call_since_ms;	/* wall clock of the last call change */
	int64_t		call_since_ns;	/* the same, CLOCK_MONOTONIC */
	int64_t		ring_deadline_ns;	/* next escalation; 0 none */
	int		call_at;	/* station ringing now: itself or the one
					   the call was forwarded to */
	bool		call_urgent;	/* the chain ended unanswered */
	uint8_t		icom_button, icom_door;	/* ICOM_BIT_NONE: no point */
};

/* Station dev's state (dev must be an intercom station). */
const struct icom_state *icom_state_of(const struct engine *, int dev);
/* Sends command cmd (value: a forward's station number) to station dev. */
int	icom_send_cmd(struct engine *, int dev, enum icom_cmd, uint32_t value,
	    char *err, size_t errlen);

#endif
