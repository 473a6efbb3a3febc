/*
 * The fire-mode latch: a small file beside the database that keeps the fire
 * mode through a restart even when the database could not take its write
 * (a full disk, an I/O error: DESIGN invariant 2).
 *
 * The file is made at start, while there is room: two fixed 256-byte slots,
 * allocated and synced once. A write overwrites the older slot in place
 * (pwrite, then fdatasync), so it needs no new block on a full disk, and a
 * write torn by a power cut leaves the other slot whole. Each slot carries a
 * sequence number and a CRC-32; the newest whole slot is the latch.
 */
#ifndef LOBBYD_LATCH_H
#define LOBBYD_LATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

/* Opens path, making and allocating it if it is missing or short. The fd,
 * or -1 with err naming the file. */
int	latch_open(const char *path, char *err, size_t errlen);
/* The newest whole slot into *out: 1 read, 0 none (a new file), -1 error. */
int	latch_read(int fd, struct fire_rec *out, char *err, size_t errlen);
/* Writes f over the older slot and syncs it: 0, or -1 with err. */
int	latch_write(int fd, const struct fire_rec *f, char *err, size_t errlen);
void	latch_close(int fd);

/*
 * Writing the latch without waiting for the disk (latch_writer.c): a thread
 * of its own writes the newest mode posted to the open latch fd (through a
 * descriptor of its own; path names it in the log, where a failed write is
 * said). latch_post() returns at once; latch_writer_wait() returns once all
 * that was posted is written (or failed); latch_writer_stop() writes what
 * is still posted, then ends the thread (the caller's fd stays open); a
 * write that hangs past 3 s is left to the process's end, said in the log.
 * start: NULL with err when there is no thread.
 */
struct latch_writer;

struct latch_writer *latch_writer_start(int fd, const char *path, char *err,
	    size_t errlen);
void	latch_post(struct latch_writer *, const struct fire_rec *);
void	latch_writer_wait(struct latch_writer *);
void	latch_writer_stop(struct latch_writer *);

#endif
