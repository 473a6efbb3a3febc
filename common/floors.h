/*
 * Sets of elevator floors as lobbyd keeps them (bit n = floor n, floors
 * 0..63) and as people write them: "1,3-5". Shared by lobbyd and lobbyctl.
 */
#ifndef LOBBYD_FLOORS_H
#define LOBBYD_FLOORS_H

#include <stddef.h>
#include <stdint.h>

#define FLOORS_TOP	63		/* highest floor number */
#define FLOORS_STR_MAX	200		/* "0,2,4,...,62": fits */

/* "1,3-5" (blanks allowed around the parts) into *mask; 0, or -1 with
 * what was wrong in err. An empty string is an error. */
int	floors_parse(const char *s, uint64_t *mask, char *err, size_t errlen);
/* The set as "1,3-5"; "" when empty. Two floors in a row are written
 * "2,3"; floors_str_runs() writes any run of two or more as a range, "2-3"
 * (as the front desk's records have them). */
void	floors_str(uint64_t mask, char *buf, size_t len);
void	floors_str_runs(uint64_t mask, char *buf, size_t len);

#endif
