/*
 * The control socket's limits: who may have one more connection, and the
 * refusals' log kept short (one line at once, then a count a minute). Pure:
 * no I/O, no clock; ctl_admit.c does the rest.
 */
#include "ctl_limit.h"

#include <string.h>

enum ctl_verdict
ctl_admit(const struct ctl_pool *p, int used, int mine, bool privileged)
{
	if (mine >= p->per_user)
		return CTL_USER_FULL;
	if (used >= p->max)
		return CTL_FULL;
	if (!privileged && used >= p->max - p->reserve)
		return CTL_SHARED_FULL;
	return CTL_ADMIT;
}

struct ctl_refusal *
ctl_reflog_note(struct ctl_reflog *l, uid_t uid, int why, int64_t now_ns,
    bool *log_now)
{
	struct ctl_refusal *r, *free_r = NULL;
	struct ctl_refusal *others = &l->r[CTL_REFLOG_USERS];

	for (int i = 0; i < CTL_REFLOG_USERS; i++) {
		r = &l->r[i];
		if (!r->used) {
			if (free_r == NULL)
				free_r = r;
			continue;
		}
		if (r->uid == uid && r->why == why) {
			r->count++;
			*log_now = false;
			return r;
		}
	}
	if (free_r == NULL) {
		/* Too many users at once: the rest share one record, whose
		 * first refusal is logged like anyone's. */
		r = others;
		if (r->used) {
			r->count++;
			*log_now = false;
			return r;
		}
		uid = CTL_REFLOG_OTHERS;
		why = -1;
	} else {
		r = free_r;
	}
	memset(r, 0, sizeof(*r));
	r->used = true;
	r->uid = uid;
	r->why = why;
	r->until_ns = now_ns + CTL_REFLOG_NS;
	*log_now = true;
	return r;
}

bool
ctl_reflog_due(struct ctl_reflog *l, int64_t now_ns, struct ctl_refusal *out)
{
	for (int i = 0; i <= CTL_REFLOG_USERS; i++) {
		struct ctl_refusal *r = &l->r[i];

		if (!r->used || r->until_ns > now_ns)
			continue;
		if (r->count == 0) {
			r->used = false;	/* a quiet minute: start afresh */
			continue;
		}
		*out = *r;
		r->count = 0;
		r->until_ns += CTL_REFLOG_NS;
		if (r->until_ns <= now_ns)	/* the loop was late */
			r->until_ns = now_ns + CTL_REFLOG_NS;
		return true;
	}
	return false;
}

int64_t
ctl_reflog_deadline(const struct ctl_reflog *l)
{
	int64_t next = INT64_MAX;

	for (int i = 0; i <= CTL_REFLOG_USERS; i++)
		if (l->r[i].used && l->r[i].until_ns < next)
			next = l->r[i].until_ns;
	return next;
}
