/*
 * Telling a visitor's host (the notify section, config/notify_conf.h): when
 * a visitor is registered, each channel the host's unit names gets a
 * notice, handed to the notifier process (drivers/notifier.h), which the
 * engine starts and never waits for; each delivery's state comes back,
 * is stored (db/notices.h) and shown on the pass, and its end is an event
 * (host_notified, host_notify_failed). A pending pass gets a one-time
 * answer link: a random token, kept only as its hash, good once, while the
 * pass is pending.
 */
#ifndef LOBBYD_HOSTNOTE_H
#define LOBBYD_HOSTNOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../db/notices.h"

struct engine;
struct pass_rec;

#define HOSTNOTE_TOKEN_LEN	43	/* base64url of 32 random bytes */

/* At start, before the loop: the stored notices and tokens, the event
 * subscription, the notifier. -1: fatal (the store failed). */
int	hostnote_init(struct engine *);
/* SIGCHLD: the notifier, if it was ours, is restarted after a back-off. */
void	hostnote_reap(struct engine *);
void	hostnote_tick(struct engine *, int64_t now_ns);
int64_t	hostnote_next_deadline(const struct engine *);
/* At the end: the notifier is stopped; what it still held is not sent. */
void	hostnote_stop(struct engine *);

/*
 * Who to tell about a visitor to unit: up to max (channel index, address)
 * pairs into ch[] and to[]; how many. The config's notify.hosts today; the
 * tenant directory's contacts once there is one.
 */
int	hostnote_lookup(const struct engine *, const char *unit, int *ch,
	    const char **to, int max);

/* The deliveries for pass, oldest first: up to max pointers into out;
 * how many there are in all. */
size_t	hostnote_of_pass(const struct engine *, int64_t pass,
	    const struct notice_rec **out, size_t max);

/* The pass whose unused answer token this is, 0 when none. */
int64_t	hostnote_token_pass(const struct engine *, const char *token);
/* The pass's token was used, for answer ("confirm", "decline"): it works
 * no more, and the store hears of it. */
void	hostnote_token_used(struct engine *, int64_t pass, const char *answer);

#endif
