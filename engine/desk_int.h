/*
 * Inside the front desk's engine side: what engine/desk.c (records and
 * decisions) and engine/desk_timers.c (expiry, overstay, resets, purge)
 * share. Not for the rest of lobbyd: see desk.h.
 */
#ifndef LOBBYD_DESK_INT_H
#define LOBBYD_DESK_INT_H

#include "desk.h"

/* Pending or active. */
bool	desk_pass_is_live(const struct pass_rec *);
/* A write nobody waits for: logged if it fails. */
void	desk_bg_submit(struct engine *, const struct desk_in *);
void	desk_bg_pass(struct engine *, const struct pass_rec *);
/* Inside any zone? */
bool	desk_person_inside(const struct engine *, const struct desk_person *);
/* desk_visit.c: the waiting and VIP alerts' raises and clears. */
void	desk_visit_tick(struct engine *, int64_t now_ms);
/* A permit as the rules take it. */
void	desk_permit_rule(const struct engine *, const struct permit_rec *,
	    struct rule_permit *);

#endif
