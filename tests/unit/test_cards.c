/*
 * The engine's card index (engine/cards.c) against a plain reference: random
 * adds, replacements and removals, with uids that collide in the hash's low
 * bits as often as real card numbers do.
 */
#include <stdlib.h>

#include "../../engine/cards.h"
#include "../../common/util.h"
#include "harness.h"

#define N	60000

static struct ref {
	char	uid[32];
	char	holder[64];
	bool	live, enabled;
	int64_t	from, until;
	uint64_t floors;
} ref[N];

static struct card_rec
mkcard(int i, unsigned gen)
{
	struct card_rec c = { .enabled = (i + gen) % 3 != 0 };

	snprintf(c.uid, sizeof(c.uid), "%010X", (unsigned)i * 4096u);
	/* Holders of changing length: in place when shorter, new when longer. */
	snprintf(c.holder, sizeof(c.holder), "%.*s %u", (int)(gen % 40), 
	    "Holder Holder Holder Holder Holder Holder", gen);
	c.valid_from_ms = (int64_t)gen * 1000;
	c.valid_until_ms = (int64_t)gen * 2000 + i;
	c.floors = (uint64_t)1 << (i % 64);
	return c;
}

static bool
same(const struct cards *cs, int i)
{
	struct card_view v;
	bool found = cards_find(cs, ref[i].uid, &v);

	if (found != ref[i].live)
		return false;
	if (!found)
		return true;
	return strcmp(v.uid, ref[i].uid) == 0 && strcmp(v.holder, ref[i].holder) == 0 &&
	    v.enabled == ref[i].enabled && v.valid_from_ms == ref[i].from &&
	    v.valid_until_ms == ref[i].until && v.floors == ref[i].floors;
}

int
main(void)
{
	struct cards *cs = cards_new();
	struct card_view v;
	size_t live = 0, bad = 0;
	unsigned seed = 12345;

	log_init("test_cards", false);
	CHECK(cs != NULL);
	if (cs == NULL)
		return harness_done("test_cards");
	CHECK(!cards_find(cs, "0A00123456", &v));
	CHECK(!cards_del(cs, "0A00123456"));

	for (int i = 0; i < N; i++)
		snprintf(ref[i].uid, sizeof(ref[i].uid), "%010X", (unsigned)i * 4096u);
	for (unsigned round = 0; round < 400000; round++) {
		int i = (int)(rand_r(&seed) % N);
		int op = (int)(rand_r(&seed) % 4);

		if (op < 3) {
			struct card_rec c = mkcard(i, round);

			if (cards_put(cs, &c) != 0) {
				bad++;
				continue;
			}
			live += !ref[i].live;
			ref[i].live = true;
			str_copy(ref[i].holder, c.holder, sizeof(ref[i].holder));
			ref[i].enabled = c.enabled;
			ref[i].from = c.valid_from_ms;
			ref[i].until = c.valid_until_ms;
			ref[i].floors = c.floors;
		} else {
			bool was = cards_del(cs, ref[i].uid);

			if (was != ref[i].live)
				bad++;
			live -= ref[i].live;
			ref[i].live = false;
		}
		if (round % 50000 == 0)
			for (int k = 0; k < N; k++)
				bad += !same(cs, k);
	}
	CHECK_INT(bad, 0);
	for (int k = 0; k < N; k++)
		bad += !same(cs, k);
	CHECK_INT(bad, 0);
	CHECK_INT(cards_count(cs), live);

	/* Everything removed, then added again: nothing left over. */
	for (int k = 0; k < N; k++)
		if (ref[k].live && !cards_del(cs, ref[k].uid))
			bad++;
	CHECK_INT(cards_count(cs), 0);
	for (int k = 0; k < N; k++)
		bad += cards_find(cs, ref[k].uid, &v);
	for (int k = 0; k < 1000; k++) {
		struct card_rec c = mkcard(k, 7);

		bad += cards_put(cs, &c) != 0;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(cards_count(cs), 1000);
	CHECK(cards_find(cs, ref[999].uid, &v) && strcmp(v.holder, "Holder  7") == 0);
	/* A uid that is a prefix of another is a different card. */
	{
		struct card_rec a = { .uid = "ABCD", .holder = "short" };
		struct card_rec b = { .uid = "ABCDE", .holder = "long" };

		CHECK_INT(cards_put(cs, &a), 0);
		CHECK_INT(cards_put(cs, &b), 0);
		CHECK(cards_find(cs, "ABCD", &v) && strcmp(v.holder, "short") == 0);
		CHECK(cards_find(cs, "ABCDE", &v) && strcmp(v.holder, "long") == 0);
		CHECK(!cards_find(cs, "ABC", &v));
	}
	cards_free(cs);
	return harness_done("test_cards");
}
