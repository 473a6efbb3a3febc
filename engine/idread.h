/*
 * Identity cards read at the desk's readers (idread.c): each read is
 * checked (the number, the validity, the watch list) and kept, briefly and
 * only as a keyed hash and a mask, for the clerk's next registration.
 */
#ifndef LOBBYD_IDREAD_H
#define LOBBYD_IDREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "../db/desk.h"
#include "../drivers/msg.h"

struct engine;

/* A read is offered to the desk for this long. */
#define IDREAD_KEEP_MS	(10 * 60 * 1000LL)

/* The last read at one reader, as the desk may see it. */
struct id_read {
	int64_t	read_ms;		/* wall clock */
	bool	ok;			/* false: error says why */
	char	error[MSG_TEXT_MAX];
	char	name[48];
	char	sex;			/* '1' male, '2' female, '0'/'9' */
	char	nation[4];
	char	birth[9];		/* YYYYMMDD */
	char	valid_until[16];	/* YYYYMMDD or 长期 */
	bool	expired;		/* before today */
	bool	number_ok;		/* passes rule_id_check */
	char	number_problem[96];	/* why not */
	bool	watched;		/* on the watch list (security only) */
	char	id_hash[DESK_HASH_MAX];
	char	id_mask[DESK_MASK_MAX];
};

/* A MSG_IDCARD from reader dev (the reader kind passes it on). */
void	idread_msg(struct engine *, int dev, const struct msg_idcard *);
/* Reader dev's last read, if one was made in the last IDREAD_KEEP_MS and
 * not yet taken; else NULL. */
const struct id_read *idread_last(const struct engine *, int dev);
/* The read is used (a registration took it): not offered again. */
void	idread_take(struct engine *, int dev);
/* Forgets every read (a reload renumbers the devices; at the end). */
void	idread_clear(struct engine *);

#endif
