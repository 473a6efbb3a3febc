/*
 * A map from a credential (a card uid or visitor code, up to 31 bytes) to a
 * record id, for the front desk's lookups on every swipe: O(1), never a scan
 * of every pass. Entries are only added or replaced; a stale one is told
 * apart by its caller, who checks the record it leads to.
 */
#ifndef LOBBYD_CREDMAP_H
#define LOBBYD_CREDMAP_H

#include <stdbool.h>
#include <stdint.h>

struct credmap;

/* Sets key's id (a new map when *m is NULL): 0, or -1 out of memory. */
int	credmap_put(struct credmap **m, const char *key, int64_t id);
bool	credmap_get(const struct credmap *, const char *key, int64_t *id);
void	credmap_free(struct credmap *);

#endif
