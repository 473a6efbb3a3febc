/*
 * The credential map (credmap.h): open addressing with linear probing on an
 * FNV-1a hash, the keys copied in, the table doubled at half full.
 */
#include "credmap.h"

#include <stdlib.h>
#include <string.h>

#include "../common/util.h"

#define KEY_MAX	32

struct credmap_slot {
	char	key[KEY_MAX];		/* "": empty */
	int64_t	id;
};

struct credmap {
	struct credmap_slot	*slot;
	size_t			size, used;	/* size: a power of 2 */
};

static size_t
credmap_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static struct credmap_slot *
credmap_find(const struct credmap *m, const char *key)
{
	size_t mask = m->size - 1, i = credmap_hash(key) & mask;

	while (m->slot[i].key[0] != '\0' && strcmp(m->slot[i].key, key) != 0)
		i = (i + 1) & mask;
	return &m->slot[i];
}

static int
credmap_grow(struct credmap *m)
{
	struct credmap_slot *old = m->slot;
	size_t osize = m->size;

	m->size = osize ? osize * 2 : 64;
	if ((m->slot = calloc(m->size, sizeof(*m->slot))) == NULL) {
		m->slot = old;
		m->size = osize;
		return -1;
	}
	for (size_t i = 0; i < osize; i++)
		if (old[i].key[0] != '\0')
			*credmap_find(m, old[i].key) = old[i];
	free(old);
	return 0;
}

int
credmap_put(struct credmap **mp, const char *key, int64_t id)
{
	struct credmap *m = *mp;
	struct credmap_slot *s;

	if (key[0] == '\0' || strlen(key) >= KEY_MAX)
		return 0;	/* no credential: nothing to find it by */
	if (m == NULL && (m = *mp = calloc(1, sizeof(*m))) == NULL)
		return -1;
	if ((m->used + 1) * 2 > m->size && credmap_grow(m) == -1)
		return -1;
	s = credmap_find(m, key);
	if (s->key[0] == '\0') {
		str_copy(s->key, key, sizeof(s->key));
		m->used++;
	}
	s->id = id;
	return 0;
}

bool
credmap_get(const struct credmap *m, const char *key, int64_t *id)
{
	const struct credmap_slot *s;

	if (m == NULL || key[0] == '\0')
		return false;
	s = credmap_find(m, key);
	if (s->key[0] == '\0')
		return false;
	*id = s->id;
	return true;
}

void
credmap_free(struct credmap *m)
{
	if (m != NULL)
		free(m->slot);
	free(m);
}
