/*
 * The engine's copy of the card list, for decisions that never wait on the
 * disk (DESIGN invariant 4), sized for a million cards (invariant 8): a
 * compact record per card, its strings in an arena, and an open-addressing
 * hash on the uid, so a lookup, an add and a removal are O(1).
 */
#ifndef LOBBYD_CARDS_H
#define LOBBYD_CARDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../db/store.h"

struct cards;

/* One card as the rules need it. The strings point into the index: valid
 * until the index next changes. */
struct card_view {
	const char	*uid;
	const char	*holder;
	bool		enabled;
	int64_t		valid_from_ms;	/* 0: no start */
	int64_t		valid_until_ms;	/* 0: no end */
	uint64_t	floors;		/* bit n = floor n */
};

struct cards *cards_new(void);		/* NULL: out of memory */
void	cards_free(struct cards *);
/* Inserts or replaces by uid: 0, or -1 when memory ran out (unchanged). */
int	cards_put(struct cards *, const struct card_rec *);
/* false: no such card. */
bool	cards_del(struct cards *, const char *uid);
bool	cards_find(const struct cards *, const char *uid, struct card_view *);
size_t	cards_count(const struct cards *);
/* Bytes held, for the benchmarks and lobbyctl stats. */
size_t	cards_bytes(const struct cards *);

#endif
