/*
 * What lanes.c gives the engine's other modules beyond engine.h: the lane
 * a turnstile serves (fire mode asks it too), and the lane's side of a card
 * read and of a passage, for the reader and turnstile kinds.
 */
#ifndef LOBBYD_LANES_H
#define LOBBYD_LANES_H

#include "engine.h"

/* The lane whose turnstile is device dev, or -1 when it serves none. */
int	lane_of_turnstile(const struct engine *, int dev);
/* A card read at reader dev, which serves no door or elevator: decided for
 * its lane (or recorded, for a reader in no lane). */
void	lane_card_read(struct engine *, int dev, const struct msg_card *);
/* One passage seen on the counters of turnstile dev. */
void	lane_passage(struct engine *, int dev, enum dir);

#endif
