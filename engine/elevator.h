/*
 * Elevator controllers in the engine (elevator.c): the device kind elev_kind,
 * each car's own state, the card readers in its car, and the freight
 * bookings. Included by engine.h; the state is read by the control server.
 */
#ifndef LOBBYD_ELEVATOR_H
#define LOBBYD_ELEVATOR_H

#include <stdbool.h>
#include <stdint.h>

#include "../db/store.h"
#include "../drivers/msg.h"
#include "../rules/access.h"

struct engine;

/* A car as its controller last said (the fault code is every device's). */
struct elev_state {
	int32_t		elev_floor;
	uint8_t		elev_dir, elev_door, elev_mode;	/* enum elev_* */
	bool		elev_trapped;
};

/* Controller dev's state (dev must be an elevator controller). */
const struct elev_state *elev_state_of(const struct engine *, int dev);

/*
 * elevator.c: elevator controllers (status, events, alerts) and the card
 * readers tied to them. elevator_card: a card at an elevator's reader
 * (false: the reader is in no elevator), decided and recorded there.
 */
bool	elevator_card(struct engine *, int dev, const struct msg_card *);
/*
 * The one place that says which floors a credential's holder may go to:
 * true and *floors (bit n = floor n) when the card rules grant it at
 * now_ms (wall clock) and it permits a floor; false and *why otherwise
 * (unknown_card, card_disabled, not_yet_valid, expired, no_floors). A
 * credential on a front-desk pass is decided by its pass (desk_floors):
 * then pass_reason holds the pass rule's code when it refused, else "".
 * Never waits: it reads the engine's copy of the cards.
 */
bool	elevator_floors_for(struct engine *, const char *uid, int64_t now_ms,
	    uint64_t *floors, enum reason *why, char pass_reason[32]);
/* The active bookings: loaded at start (-1: the store failed), added once
 * committed, dropped when cancelled. -1 from put: out of memory. */
int	elevator_bookings_load(struct engine *);
int	elevator_booking_put(struct engine *, const struct booking_rec *);
void	elevator_booking_del(struct engine *, int64_t id);
void	elevator_bookings_free(struct engine *);

#endif
