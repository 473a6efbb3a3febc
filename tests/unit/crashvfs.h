/*
 * A test VFS for power cuts: a shim over SQLite's default (unix) VFS that
 * records every write, truncate, sync and delete made to the files under one
 * directory (a database, its WAL, its journal), and rebuilds those files as a
 * power cut after any one of those operations would have left them.
 */
#ifndef LOBBYD_CRASHVFS_H
#define LOBBYD_CRASHVFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Makes the shim SQLite's default VFS; files whose path starts with dir
 * are recorded while recording is on. The real files get every write but
 * no sync (they are scratch: the record is what counts), nor do files
 * opened while recording is off. 0, or -1 with a message on stderr.
 */
int	cv_register(const char *dir);
void	cv_record(bool on);
/* Operations recorded so far: a cut point is a number in 0..cv_nops(),
 * "the first n operations reached the disk's cache, no more". */
size_t	cv_nops(void);
/* Of which syncs. */
size_t	cv_nsyncs(void);

/* How a cut leaves what was written after a file's last sync. */
enum cv_mode {
	CV_DROP,	/* none of it */
	CV_KEEP,	/* all of it */
	CV_MIX,		/* each write kept, dropped, or torn: a random prefix
			   of its 512-byte sectors kept; each truncate and
			   unsynced delete done or not */
};

/*
 * Writes into dir the files as a power cut after the first cut operations
 * would leave them: for each file, everything up to its last sync before
 * the cut, then what came after as mode says (rng: the random choices'
 * state). lie > 0: a disk that lies, its last lie syncs of each file made
 * nothing durable (the test's own test). Files are named by their last
 * path component; one that does not exist is removed from dir. Calls must
 * come with cut never decreasing, and lie the same (the synced part is
 * built up as it goes), until cv_rewind(). 0, or -1 with errno.
 */
int	cv_image(size_t cut, enum cv_mode mode, int lie, uint64_t *rng,
	    const char *dir);
void	cv_rewind(void);

/* xorshift64*, the random numbers of the test. */
uint64_t cv_rand(uint64_t *state);

#endif
