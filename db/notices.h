/*
 * Telling a visitor's host, as the store keeps it (schema step 10): each
 * delivery of a notice (a pass's host told on one channel: queued, retrying,
 * sent or failed, and why), and each pass's one-time answer link, kept only
 * as a hash of its token. The SQL is in db/notices.c.
 */
#ifndef LOBBYD_NOTICES_H
#define LOBBYD_NOTICES_H

#include <stdbool.h>
#include <stdint.h>

#define NOTICE_DETAIL_MAX	128

struct notice_rec {
	int64_t	id;			/* the delivery's number, given by the engine */
	int64_t	pass;
	char	channel[32];		/* notify.channels[].name */
	char	to[128];		/* the address, "" none */
	char	state[12];		/* queued, retrying, sent, failed */
	char	detail[NOTICE_DETAIL_MAX];	/* why it failed, or the last try's */
	int	tries;			/* made so far */
	int64_t	queued_ms;
	int64_t	updated_ms;
};

struct token_rec {
	int64_t	pass;
	char	hash[65];		/* hex SHA-256 of the token */
	int64_t	made_ms;
	int64_t	used_ms;		/* 0: not used */
	char	answer[12];		/* "confirm", "decline", "" */
};

/*
 * The requests (db/store.h): STORE_NOTICE_PUT in.notice, inserted or
 * replaced; STORE_TOKEN_PUT in.token, the same; STORE_NOTICE_LOAD the
 * notices of passes issued since in.query.since_ms, by id, into out.rows
 * (notice_rec[]), with out.id the highest id ever given (0: none);
 * STORE_TOKEN_LOAD the unused tokens of pending passes (token_rec[]).
 */

#endif
