/*
 * What the unit programs of the link workers (test_gpio, test_reader) share:
 * one link driven as the worker loop drives it, with a socketpair standing
 * in for the engine and every message it sent kept with its arrival time.
 */
#ifndef LOBBYD_LINK_SUPPORT_H
#define LOBBYD_LINK_SUPPORT_H

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "../../common/util.h"
#include "../../drivers/link.h"
#include "harness.h"

#define TL_MAXMSG	512

/* One link under test, and what it sent to the "engine". */
struct tl {
	struct link	l;
	int		peer;
	union msg_any	msgs[TL_MAXMSG];
	int64_t		at[TL_MAXMSG];	/* when each arrived */
	int		n;
	int		seen;		/* messages looked at by tl_run() */
};

/* Link INDEX of SITE, run by OPS, behind a new socketpair. */
static inline void
tl_init(struct tl *t, const struct link_ops *ops, struct site_conf *site,
    int index)
{
	int sv[2];

	memset(t, 0, sizeof(*t));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0) {
		perror("socketpair");
		exit(2);
	}
	t->l.ops = ops;
	t->l.site = site;
	t->l.conf = &site->links[index];
	t->l.index = index;
	t->l.engine_fd = sv[0];
	t->peer = sv[1];
}

/* Every message waiting from the link. */
static inline void
tl_drain(struct tl *t)
{
	while (t->n < TL_MAXMSG && msg_recv(t->peer, &t->msgs[t->n]) > 0)
		t->at[t->n++] = mono_ns();
}

/*
 * Runs the link as the worker loop would, for at most ms milliseconds or
 * until a message of the given type (0: none) arrives past t->seen.
 * Returns that message, or NULL.
 */
static inline const union msg_any *
tl_run(struct tl *t, int type, int ms)
{
	int64_t end = mono_ns() + ms * NS_PER_MS, next = 0, now;
	const struct link_ops *ops = t->l.ops;

	while ((now = mono_ns()) < end) {
		struct pollfd p = { .fd = ops->fd(&t->l), .events = POLLIN };
		int64_t wait = (next < end ? next : end) - now;
		int n, timeout = wait <= 0 ? 0 :
		    (int)((wait + NS_PER_MS - 1) / NS_PER_MS);

		n = poll(&p, p.fd >= 0 ? 1 : 0, timeout);
		now = mono_ns();
		if (n > 0 || now >= next)
			next = ops->service(&t->l, now, n > 0 ? p.revents : 0);
		tl_drain(t);
		for (; type != 0 && t->seen < t->n; t->seen++) {
			if (t->msgs[t->seen].h.type == type)
				return &t->msgs[t->seen++];
		}
	}
	return NULL;
}

/* Messages of TYPE from message FROM on. */
static inline int
tl_count(const struct tl *t, int from, int type)
{
	int c = 0;

	for (int i = from; i < t->n; i++)
		c += t->msgs[i].h.type == type;
	return c;
}

#endif
