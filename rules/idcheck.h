/*
 * Identity document numbers checked by their formats, before a number is
 * hashed (DESIGN invariant 5): the Chinese resident ID card (GB 11643: 18
 * characters, a region code, a real birth date, the ISO 7064 MOD 11-2 check
 * character) and the usual others. Pure: today's date is a parameter.
 */
#ifndef LOBBYD_IDCHECK_H
#define LOBBYD_IDCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "visitor.h"

/*
 * Is number (normalised: upper-case letters and digits, nothing else) a
 * plausible number of a document of this type, issued to someone born by
 * today (YYYYMMDD)? false with why, in words that never repeat the number.
 * ID_OTHER and ID_NONE take anything.
 */
bool	rule_id_check(enum id_type, const char *number, int today_ymd,
	    char *why, size_t len);

/* The GB 11643 check character of the first 17 digits: '0'..'9' or 'X'. */
char	rule_id_check_char(const char *digits17);

#endif
