/*
 * Intercom stations on a Modbus link: what drivers/modbus.c asks of the
 * intercom profile (the points a poll reads, the status it makes, the write
 * a command becomes) and the timed end of a door release.
 */
#ifndef LOBBYD_MODBUS_ICOM_H
#define LOBBYD_MODBUS_ICOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link.h"

/* Per station, inside the Modbus worker. */
struct mbi_state {
	struct msg_icom_status	last;		/* sent last */
	int64_t			off_ns;		/* release to end then; 0: none */
};

/* Point I of a poll: 0 call state, 1 call button, 2 door; unset beyond. */
const struct reg_point *mbi_point(const struct profile *, int i);
/* After a complete poll with the values of mbi_point(0..): sends the status
 * when it is the first since *have_status went false, or when it changed. */
void	mbi_poll_done(struct link *, struct mbi_state *, const struct profile *,
	    int dev, const uint32_t *val, bool *have_status);
/* The write command C means; -1 with err filled when it cannot be. */
int	mbi_cmd_write(const struct profile *, const struct msg_cmd *c,
	    struct reg_write *w, char *err, size_t errlen);
/* "release", "forward" */
const char *mbi_cmd_name(unsigned cmd);
/* A command write succeeded at now: a timed release is ended later. */
void	mbi_cmd_written(struct mbi_state *, const struct profile *,
	    const struct msg_cmd *, int64_t now_ns);
/* At the worker's start: a release a previous worker left on is ended. */
void	mbi_start(struct mbi_state *, const struct profile *, int64_t now_ns);
/* The write that ends a release, if one is due by now. */
bool	mbi_off_due(const struct mbi_state *, const struct profile *,
	    int64_t now_ns, struct reg_write *w);
/* The ending write went out (ok) or must be tried again. */
void	mbi_off_done(struct mbi_state *, bool ok, int64_t now_ns);

#endif
