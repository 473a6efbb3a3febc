/*
 * The control socket's limits, decided without I/O: whether a user may have
 * one more connection of a kind, and the log of refusals, kept to one line
 * at once and then one count a minute per user and reason. The counts and
 * the time are parameters (ctl_admit.c gathers them), so that every rule is
 * table-tested.
 */
#ifndef LOBBYD_CTL_LIMIT_H
#define LOBBYD_CTL_LIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* One kind of connection: those that send commands, or the followers. */
struct ctl_pool {
	int	max;		/* open at once, in all */
	int	per_user;	/* held by one user */
	int	reserve;	/* the last of max: for managers and root only */
};

enum ctl_verdict {
	CTL_ADMIT,
	CTL_USER_FULL,		/* the user holds per_user already */
	CTL_SHARED_FULL,	/* all but the reserve in use; not a manager */
	CTL_FULL,		/* every one in use */
};

/*
 * May a user who holds `mine` of the pool's `used` connections have one
 * more? privileged: a manager, root or lobbyd's own user, who may also take
 * the reserve. With per_user below max and a reserve, no one user can keep
 * a manager out (DESIGN invariant 7).
 */
enum ctl_verdict ctl_admit(const struct ctl_pool *, int used, int mine,
	    bool privileged);

#define CTL_REFLOG_NS		(60LL * 1000000000LL)	/* one summary a minute */
#define CTL_REFLOG_USERS	32	/* past that, the others share one record */
#define CTL_REFLOG_OTHERS	((uid_t)-1)	/* that record's uid */

/* The refusals of one user for one reason, in the current minute. */
struct ctl_refusal {
	bool		used;
	uid_t		uid;		/* CTL_REFLOG_OTHERS: any user, any reason */
	int		why;		/* the caller's reason code */
	char		user[32];	/* the caller's name for it; "" until set */
	int64_t		until_ns;	/* the end of the minute (CLOCK_MONOTONIC) */
	uint64_t	count;		/* refusals not logged yet */
};

struct ctl_reflog {
	struct ctl_refusal	r[CTL_REFLOG_USERS + 1];	/* the last: others */
};

/*
 * A refusal of uid for reason why at now_ns. *log_now is true for the first
 * one of its record's minute: the caller logs it. The others are counted for
 * the summary. Returns the record (never NULL); its user is the caller's to
 * fill and keep.
 */
struct ctl_refusal *ctl_reflog_note(struct ctl_reflog *, uid_t uid, int why,
	    int64_t now_ns, bool *log_now);
/*
 * A record whose minute ended by now_ns with refusals not yet logged:
 * copied to *out, its count reset, its next minute begun; true. Call until
 * false. A minute without refusals ends the record, so that the next one
 * is logged at once.
 */
bool	ctl_reflog_due(struct ctl_reflog *, int64_t now_ns, struct ctl_refusal *out);
/* When ctl_reflog_due next has something to do; INT64_MAX: never. */
int64_t	ctl_reflog_deadline(const struct ctl_reflog *);

#endif
