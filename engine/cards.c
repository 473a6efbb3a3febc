/*
 * The card index (cards.h). Records live in fixed chunks (no large realloc,
 * no copy as the list grows), strings in an arena of 1 MiB blocks addressed
 * by 32-bit offsets, and the hash table holds 32-bit record numbers with
 * linear probing at a load of at most one half.
 */
#include "cards.h"

#include <stdlib.h>
#include <string.h>

#define REC_CHUNK_SHIFT	16
#define REC_CHUNK	(1u << REC_CHUNK_SHIFT)		/* records a chunk */
#define ARENA_SHIFT	20
#define ARENA_BLOCK	(1u << ARENA_SHIFT)		/* bytes an arena block */
#define SLOT_EMPTY	UINT32_MAX
#define SLOT_GONE	(UINT32_MAX - 1)		/* removed: probing goes on */
#define NO_REC		UINT32_MAX

/* 40 bytes a card, plus its two strings and 8 to 16 bytes of table. */
struct card_mem {
	uint32_t	uid;		/* arena offsets */
	uint32_t	holder;
	int64_t		valid_from_ms;
	int64_t		valid_until_ms;
	uint64_t	floors;
	uint8_t		enabled;
	uint8_t		live;		/* 0: on the free list */
};

struct cards {
	struct card_mem	**chunks;
	size_t		nchunks;
	uint32_t	nrecs;		/* records ever made */
	uint32_t	free_rec;	/* a removed record to reuse, NO_REC none */
	size_t		count;		/* live cards */

	uint32_t	*table;		/* record numbers; size tsize, a power of 2 */
	size_t		tsize, tused;	/* tused: live and SLOT_GONE entries */

	char		**blocks;
	size_t		nblocks;
	size_t		top;		/* used bytes of the last block */
	size_t		waste;		/* bytes of strings no longer referred to */
};

static uint32_t
cards_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static struct card_mem *
rec(const struct cards *c, uint32_t i)
{
	return &c->chunks[i >> REC_CHUNK_SHIFT][i & (REC_CHUNK - 1)];
}

static const char *
str_at(const struct cards *c, uint32_t off)
{
	return c->blocks[off >> ARENA_SHIFT] + (off & (ARENA_BLOCK - 1));
}

/* Copies s into the arena: its offset, or UINT32_MAX out of memory. */
static uint32_t
str_add(struct cards *c, const char *s)
{
	size_t n = strlen(s) + 1;

	if (c->nblocks == 0 || c->top + n > ARENA_BLOCK) {
		char **nb;

		if (c->nblocks == (UINT32_MAX >> ARENA_SHIFT))
			return UINT32_MAX;
		if ((nb = realloc(c->blocks, (c->nblocks + 1) * sizeof(*nb))) == NULL)
			return UINT32_MAX;
		c->blocks = nb;
		if ((nb[c->nblocks] = malloc(ARENA_BLOCK)) == NULL)
			return UINT32_MAX;
		if (c->nblocks > 0)
			c->waste += ARENA_BLOCK - c->top;
		c->nblocks++;
		c->top = 0;
	}
	memcpy(c->blocks[c->nblocks - 1] + c->top, s, n);
	c->top += n;
	return (uint32_t)(((c->nblocks - 1) << ARENA_SHIFT) | (c->top - n));
}

/* The table slot that holds uid, or where it would go (*found false). */
static size_t
slot_of(const struct cards *c, const char *uid, bool *found)
{
	size_t mask = c->tsize - 1, i = cards_hash(uid) & mask, gone = SIZE_MAX;

	for (;;) {
		uint32_t r = c->table[i];

		if (r == SLOT_EMPTY) {
			*found = false;
			return gone != SIZE_MAX ? gone : i;
		}
		if (r == SLOT_GONE) {
			if (gone == SIZE_MAX)
				gone = i;
		} else if (strcmp(str_at(c, rec(c, r)->uid), uid) == 0) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

/* A table of nsize slots holding every live card: 0, or -1 (unchanged). */
static int
rehash(struct cards *c, size_t nsize)
{
	uint32_t *old = c->table;
	size_t osize = c->tsize;
	bool found;

	if ((c->table = malloc(nsize * sizeof(*c->table))) == NULL) {
		c->table = old;
		return -1;
	}
	memset(c->table, 0xff, nsize * sizeof(*c->table));	/* SLOT_EMPTY */
	c->tsize = nsize;
	c->tused = 0;
	for (size_t i = 0; i < osize; i++) {
		uint32_t r = old[i];

		if (r == SLOT_EMPTY || r == SLOT_GONE)
			continue;
		c->table[slot_of(c, str_at(c, rec(c, r)->uid), &found)] = r;
		c->tused++;
	}
	free(old);
	return 0;
}

struct cards *
cards_new(void)
{
	struct cards *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->free_rec = NO_REC;
	c->tsize = 1024;
	if ((c->table = malloc(c->tsize * sizeof(*c->table))) == NULL) {
		free(c);
		return NULL;
	}
	memset(c->table, 0xff, c->tsize * sizeof(*c->table));
	return c;
}

void
cards_free(struct cards *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nchunks; i++)
		free(c->chunks[i]);
	for (size_t i = 0; i < c->nblocks; i++)
		free(c->blocks[i]);
	free(c->chunks);
	free(c->blocks);
	free(c->table);
	free(c);
}

/* A record number to fill: a freed one, or a new one. NO_REC: no memory. */
static uint32_t
rec_new(struct cards *c)
{
	uint32_t r;

	if ((r = c->free_rec) != NO_REC) {
		c->free_rec = rec(c, r)->uid;	/* the free list runs through uid */
		return r;
	}
	if (c->nrecs == NO_REC - 1)
		return NO_REC;
	if ((c->nrecs >> REC_CHUNK_SHIFT) == c->nchunks) {
		struct card_mem **nc = realloc(c->chunks,
		    (c->nchunks + 1) * sizeof(*nc));

		if (nc == NULL)
			return NO_REC;
		c->chunks = nc;
		if ((nc[c->nchunks] = malloc(REC_CHUNK * sizeof(**nc))) == NULL)
			return NO_REC;
		c->nchunks++;
	}
	return c->nrecs++;
}

static void
rec_release(struct cards *c, uint32_t r)
{
	struct card_mem *m = rec(c, r);

	m->live = 0;
	m->uid = c->free_rec;
	c->free_rec = r;
}

/* The holder's name into m: in place when it fits where the old one was. */
static int
holder_set(struct cards *c, struct card_mem *m, const char *holder, bool fresh)
{
	uint32_t off;

	if (!fresh) {
		char *old = c->blocks[m->holder >> ARENA_SHIFT] +
		    (m->holder & (ARENA_BLOCK - 1));
		size_t oldlen = strlen(old), n = strlen(holder);

		if (n <= oldlen) {
			memcpy(old, holder, n + 1);
			c->waste += oldlen - n;
			return 0;
		}
	}
	if ((off = str_add(c, holder)) == UINT32_MAX)
		return -1;
	if (!fresh)
		c->waste += strlen(str_at(c, m->holder)) + 1;
	m->holder = off;
	return 0;
}

int
cards_put(struct cards *c, const struct card_rec *cr)
{
	struct card_mem *m;
	uint32_t r, uid;
	size_t s;
	bool found;

	if ((c->tused + 1) * 2 > c->tsize &&
	    rehash(c, c->count * 2 + 2 > c->tsize ? c->tsize * 2 : c->tsize) < 0)
		return -1;
	s = slot_of(c, cr->uid, &found);
	if (found) {
		m = rec(c, c->table[s]);
		if (holder_set(c, m, cr->holder, false) < 0)
			return -1;
	} else {
		if ((r = rec_new(c)) == NO_REC)
			return -1;
		m = rec(c, r);
		if ((uid = str_add(c, cr->uid)) == UINT32_MAX) {
			rec_release(c, r);
			return -1;
		}
		m->uid = uid;
		if (holder_set(c, m, cr->holder, true) < 0) {
			rec_release(c, r);
			return -1;
		}
		if (c->table[s] == SLOT_EMPTY)
			c->tused++;
		c->table[s] = r;
		c->count++;
	}
	m->live = 1;
	m->enabled = cr->enabled;
	m->valid_from_ms = cr->valid_from_ms;
	m->valid_until_ms = cr->valid_until_ms;
	m->floors = cr->floors;
	return 0;
}

/* The card uid names, or NULL when there is none; *s: its table slot. */
static struct card_mem *
card_of(const struct cards *c, const char *uid, size_t *s)
{
	bool found;

	*s = slot_of(c, uid, &found);
	return found ? rec(c, c->table[*s]) : NULL;
}

bool
cards_del(struct cards *c, const char *uid)
{
	size_t s;
	struct card_mem *m = card_of(c, uid, &s);

	if (m == NULL)
		return false;
	c->waste += strlen(str_at(c, m->uid)) + strlen(str_at(c, m->holder)) + 2;
	rec_release(c, c->table[s]);
	c->table[s] = SLOT_GONE;
	c->count--;
	return true;
}

bool
cards_find(const struct cards *c, const char *uid, struct card_view *v)
{
	size_t s;
	const struct card_mem *m = card_of(c, uid, &s);

	if (m == NULL)
		return false;
	v->uid = str_at(c, m->uid);
	v->holder = str_at(c, m->holder);
	v->enabled = m->enabled;
	v->valid_from_ms = m->valid_from_ms;
	v->valid_until_ms = m->valid_until_ms;
	v->floors = m->floors;
	return true;
}

size_t
cards_count(const struct cards *c)
{
	return c->count;
}

size_t
cards_bytes(const struct cards *c)
{
	return sizeof(*c) + c->nchunks * REC_CHUNK * sizeof(struct card_mem) +
	    c->tsize * sizeof(*c->table) + c->nblocks * (size_t)ARENA_BLOCK;
}
