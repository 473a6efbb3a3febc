/*
 * The control socket's limits: who may have one more connection (a table of
 * rows), and the refusals' log: one line at once, a count a minute, a quiet
 * minute starting afresh, and a crowd of users sharing one record.
 */
#include <stdio.h>

#include "../../control/ctl_limit.h"
#include "harness.h"

#define S	1000000000LL	/* a second, in ns */

/* The pool: 64 in all, 8 a user, the last 16 for managers; and one
 * without a reserve. */
static const struct ctl_pool pool = { .max = 64, .per_user = 8, .reserve = 16 };
static const struct ctl_pool none = { .max = 4, .per_user = 3, .reserve = 0 };

static const struct {
	const char	*what;
	const struct ctl_pool *pool;
	int		used, mine;
	bool		privileged;
	enum ctl_verdict want;
} admit_rows[] = {
	{ "an empty socket",			&pool, 0, 0, false, CTL_ADMIT },
	{ "a user's eighth",			&pool, 20, 7, false, CTL_ADMIT },
	{ "a user's ninth",			&pool, 20, 8, false, CTL_USER_FULL },
	{ "a manager's ninth, too",		&pool, 20, 8, true, CTL_USER_FULL },
	{ "the last shared one",		&pool, 47, 0, false, CTL_ADMIT },
	{ "the reserve, to a guard",		&pool, 48, 0, false, CTL_SHARED_FULL },
	{ "the reserve, to a manager",		&pool, 48, 0, true, CTL_ADMIT },
	{ "the last of the reserve",		&pool, 63, 7, true, CTL_ADMIT },
	{ "nothing left, a manager",		&pool, 64, 0, true, CTL_FULL },
	{ "nothing left, a guard",		&pool, 64, 0, false, CTL_FULL },
	{ "over a lowered limit (reload)",	&pool, 70, 9, false, CTL_USER_FULL },
	{ "over a lowered total (reload)",	&pool, 70, 0, true, CTL_FULL },
	{ "no reserve: a guard takes the last",	&none, 3, 0, false, CTL_ADMIT },
	{ "no reserve: nothing left",		&none, 4, 0, false, CTL_FULL },
};

static void
test_admit(void)
{
	for (size_t i = 0; i < NELEM(admit_rows); i++) {
		enum ctl_verdict got = ctl_admit(admit_rows[i].pool,
		    admit_rows[i].used, admit_rows[i].mine,
		    admit_rows[i].privileged);

		CHECK_ROW(got == admit_rows[i].want, "%s: verdict %d, want %d",
		    admit_rows[i].what, got, admit_rows[i].want);
	}
}

static void
test_reflog(void)
{
	static struct ctl_reflog l;
	struct ctl_refusal out, *r;
	bool now;
	int logged;
	int64_t t0 = 1000 * S;

	CHECK(ctl_reflog_deadline(&l) == INT64_MAX);
	CHECK(!ctl_reflog_due(&l, t0, &out));

	/* The first refusal is logged; the rest of the minute counted. */
	r = ctl_reflog_note(&l, 65534, 1, t0, &now);
	CHECK(now);
	CHECK_INT(r->uid, 65534);
	snprintf(r->user, sizeof(r->user), "nobody");
	logged = 0;
	for (int i = 0; i < 5000; i++) {
		r = ctl_reflog_note(&l, 65534, 1, t0 + i * (S / 1000), &now);
		logged += now;
	}
	CHECK_INT(logged, 0);
	CHECK_STR(r->user, "nobody");	/* kept for the next refusals */
	/* Another reason, or another user: a line of its own. */
	ctl_reflog_note(&l, 65534, 2, t0 + S, &now);
	CHECK(now);
	ctl_reflog_note(&l, 1000, 1, t0 + 2 * S, &now);
	CHECK(now);

	/* Nothing due before the minute ends; then one summary, by the timer,
	 * with no refusal needed to bring it out. */
	CHECK_INT(ctl_reflog_deadline(&l), t0 + 60 * S);
	CHECK(!ctl_reflog_due(&l, t0 + 60 * S - 1, &out));
	CHECK(ctl_reflog_due(&l, t0 + 60 * S, &out));
	CHECK_INT(out.uid, 65534);
	CHECK_INT(out.why, 1);
	CHECK_INT(out.count, 5000);
	CHECK_STR(out.user, "nobody");
	/* The others had no more refusals: their records end quietly. */
	CHECK(!ctl_reflog_due(&l, t0 + 62 * S, &out));
	CHECK_INT(ctl_reflog_deadline(&l), t0 + 120 * S);

	/* Still refused in the second minute: counted, summed up at its end. */
	ctl_reflog_note(&l, 65534, 1, t0 + 61 * S, &now);
	CHECK(!now);
	ctl_reflog_note(&l, 1000, 1, t0 + 61 * S, &now);
	CHECK(now);		/* its record ended: logged at once again */
	CHECK(ctl_reflog_due(&l, t0 + 120 * S, &out));
	CHECK_INT(out.count, 1);
	CHECK(!ctl_reflog_due(&l, t0 + 120 * S, &out));
	/* A quiet minute: the next refusal is logged at once. */
	CHECK(!ctl_reflog_due(&l, t0 + 180 * S, &out));
	ctl_reflog_note(&l, 65534, 1, t0 + 181 * S, &now);
	CHECK(now);
	/* A loop that was late does not bring a burst of summaries. */
	ctl_reflog_note(&l, 65534, 1, t0 + 182 * S, &now);
	CHECK(ctl_reflog_due(&l, t0 + 400 * S, &out));
	CHECK_INT(ctl_reflog_deadline(&l), t0 + 460 * S);
}

static void
test_reflog_crowd(void)
{
	static struct ctl_reflog l;
	struct ctl_refusal out, *r;
	bool now;
	int logged = 0, summaries = 0;
	uint64_t counted = 0;

	/* 100 users, each refused 10 times: 32 records of their own, then one
	 * for the others, whose first refusal only is logged. */
	for (int n = 0; n < 10; n++)
		for (uid_t u = 2000; u < 2100; u++) {
			r = ctl_reflog_note(&l, u, 1, S, &now);
			logged += now;
			CHECK_ROW(r != NULL, "uid %u", (unsigned)u);
		}
	CHECK_INT(logged, CTL_REFLOG_USERS + 1);
	while (ctl_reflog_due(&l, 61 * S, &out)) {
		summaries++;
		counted += out.count;
		if (out.uid == CTL_REFLOG_OTHERS)
			CHECK_INT(out.count, 68 * 10 - 1);
	}
	CHECK_INT(summaries, CTL_REFLOG_USERS + 1);
	CHECK_INT(counted + (uint64_t)logged, 1000);
}

int
main(void)
{
	test_admit();
	test_reflog();
	test_reflog_crowd();
	return harness_done("test_ctl_limit");
}
