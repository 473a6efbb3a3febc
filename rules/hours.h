/*
 * The words people type for days, hours and floors, read into the rules'
 * own terms: "mon-fri", "08:00-12:00,14:00-18:00", "3,5-7". Pure: no I/O.
 * Each parser returns 0, or -1 with what is wrong in err.
 */
#ifndef LOBBYD_HOURS_H
#define LOBBYD_HOURS_H

#include <stddef.h>
#include <stdint.h>

#include "pass.h"

/* "mon-fri", "sat,sun", "mon,wed-fri", "daily": bits (1 << wday). */
int	rule_days_parse(const char *, uint8_t *days, char *err, size_t errlen);
/* "08:00-12:00,14:00-18:00": ascending, not overlapping, until may be
 * "24:00"; at most max periods, *n of them. */
int	rule_periods_parse(const char *, struct rule_period *, int max, int *n,
	    char *err, size_t errlen);
/* "3,5-7": bit n = floor n, 0..63. */
int	rule_floors_parse(const char *, uint64_t *floors, char *err, size_t errlen);
/* The same words back: "mon-fri", "3,5-7". */
void	rule_days_str(uint8_t days, char *out, size_t outlen);
void	rule_floors_str(uint64_t floors, char *out, size_t outlen);

#endif
