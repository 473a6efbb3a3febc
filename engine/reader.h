/*
 * Card readers in the engine (reader.c): the device kind reader_kind and
 * each reader's own state: the lane it reads for and its bad frames.
 * Included by engine.h.
 */
#ifndef LOBBYD_READER_H
#define LOBBYD_READER_H

#include <stdint.h>

struct engine;

/* Bad frames are counted always; the first is recorded at once, those in
 * the minute after a record when that minute ends. */
struct reader_state {
	int		lane;		/* lane served, -1 none */
	enum dir	dir;		/* direction it reads for */
	uint64_t	rejects;
	int64_t		reject_logged_ns;	/* last reader_reject event */
	uint64_t	rejects_unlogged;	/* since then */
	uint8_t		reject_last;	/* enum reject_kind of the last one */
};

/* Reader dev's state (dev must be a reader). */
const struct reader_state *reader_state_of(const struct engine *, int dev);
/* Records the bad frames not yet recorded now (before a reload or a stop). */
void	reader_rejects_flush(struct engine *);

#endif
