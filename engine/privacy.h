/*
 * ID-document numbers are never stored or logged raw (DESIGN invariant 5):
 * a keyed hash (HMAC-SHA256 with the site key) for matching, and a masked
 * form ("4403**********1234") for display. The site key lives in a file
 * created on first start, readable by lobbyd alone.
 */
#ifndef LOBBYD_PRIVACY_H
#define LOBBYD_PRIVACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRIVACY_KEY_LEN		32
#define PRIVACY_HASH_HEX	65	/* 64 hex digits and the NUL */
#define PRIVACY_ID_MAX		40	/* longest ID number accepted, normalised */

struct privacy_key {
	uint8_t	bytes[PRIVACY_KEY_LEN];
};

/*
 * Reads the key at path, or creates it (mode 0600, random) when there is
 * none. Refuses a key file that is not a regular file of exactly
 * PRIVACY_KEY_LEN bytes, or that group or others may read or write. 0, or -1
 * with the reason, naming path, in err.
 */
int	privacy_key_load(const char *path, struct privacy_key *, char *err, size_t errlen);

/*
 * The ID number as it is matched: letters upper-cased, spaces and dashes
 * dropped. Anything else but letters and digits, an empty number or one
 * longer than PRIVACY_ID_MAX is refused: -1 with the reason in err.
 */
int	privacy_id_normalise(const char *number, char *out, size_t outlen,
	    char *err, size_t errlen);

/* Hex HMAC-SHA256 of "type:normalised number" under the site key. */
void	privacy_id_hash(const struct privacy_key *, const char *id_type,
	    const char *normalised, char out[PRIVACY_HASH_HEX]);

/* Hex HMAC-SHA256 of data under key, for any key length. */
void	privacy_hmac_hex(const uint8_t *key, size_t keylen, const void *data,
	    size_t len, char out[PRIVACY_HASH_HEX]);

/* The masked form: a quarter at each end shown (at most 4), the rest '*'. */
void	privacy_id_mask(const char *normalised, char *out, size_t outlen);

#endif
