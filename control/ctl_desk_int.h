/*
 * Inside the front desk's commands: what ctl_desk.c (the records' JSON, the
 * shared checks, the commit and what follows it) gives ctl_people.c,
 * ctl_passes.c, ctl_visitors.c and ctl_permits.c, and what they give each other.
 */
#ifndef LOBBYD_CTL_DESK_INT_H
#define LOBBYD_CTL_DESK_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "control_int.h"

/* The credential may go on a new pass: well formed, on no live pass and no
 * plain card; false: the error is sent. */
bool	ctl_desk_credential_free(struct ctl_client *, const char *cred);
/* "floors" of args into *floors: 1 given, 0 absent, -1 wrong (error sent). */
int	ctl_desk_floors_arg(struct ctl_client *, json_object *args, uint64_t *floors);
/* Local midnight starting the day YYYYMMDD, in ms; plus days. */
int64_t	ctl_desk_date_ms(int date, int plus_days);
/* The reply to a list of the engine's desk records, sorted by id (it takes
 * "after" only): a page of the n rows at rows. */
void	ctl_desk_list(struct ctl_client *, json_object *args, const void *rows,
	    size_t n, size_t size, ctl_row_fn *row);
/* Stores the change in (its action; its tag, the kind of the event that
 * records it; why, the event's words): once committed, the engine's copy
 * is updated, the event recorded, and the reply sent. */
void	ctl_desk_submit(struct ctl_client *, const struct desk_in *in);

/* ctl_people.c: does find (folded: str_fold_ascii) find person p? Part of
 * the name, the company, the masked ID number, or (units: to those who see
 * units, ctl_desk_sees_units) the unit holds it. */
bool	ctl_person_found(const struct person_rec *p, const char *find, bool units);
/* ctl_people.c: the person named by args' key; NULL (error sent): none. */
struct desk_person *ctl_desk_person_arg(struct ctl_client *, json_object *args,
	    const char *key);
/* ctl_passes.c: the pass named by "id" (in memory: live, or ended in the
 * last two days); NULL (error sent): none. */
struct pass_rec *ctl_desk_pass_arg(struct ctl_client *, json_object *args);
/* Submits a changed copy of pass p, recorded as tag with why. */
void	ctl_desk_pass_change(struct ctl_client *, const struct pass_rec *p,
	    const char *tag, const char *why);
/* ctl_permits.c: a permit's JSON (row: a struct permit_rec), with the
 * passes still live on it. */
ctl_row_fn	ctl_permit_json;

#endif
