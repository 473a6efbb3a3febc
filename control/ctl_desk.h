/*
 * The front desk's control commands (control/ctl.h has the protocol):
 * ctl_people.c, ctl_passes.c, ctl_visitors.c and ctl_permits.c make and
 * change people, passes, visitors, permits and contractors' passes (on
 * ctl_desk.c's shared checks and commit); ctl_front.c has the watch list,
 * who is inside, the lists read from the store, and the shift log.
 */
#ifndef LOBBYD_CTL_DESK_H
#define LOBBYD_CTL_DESK_H

#include <stdbool.h>

#include <json-c/json.h>

#include "control_int.h"

ctl_cmd_fn	ctl_cmd_person_add, ctl_cmd_person_list, ctl_cmd_person_show,
		ctl_cmd_person_status, ctl_cmd_pass_issue, ctl_cmd_pass_show,
		ctl_cmd_pass_extend, ctl_cmd_pass_revoke, ctl_cmd_visitor_register,
		ctl_cmd_visitor_confirm, ctl_cmd_permit_add, ctl_cmd_permit_list,
		ctl_cmd_permit_set, ctl_cmd_contractor_add;
ctl_cmd_fn	ctl_cmd_pass_list, ctl_cmd_visitor_list, ctl_cmd_watch_add,
		ctl_cmd_watch_remove, ctl_cmd_watch_list, ctl_cmd_inside,
		ctl_cmd_shift_note, ctl_cmd_shift_handover, ctl_cmd_shift_log;

/* id_type and id_number of args: both, or (not required) neither; the
 * number checked by its document's format (rules/idcheck.h), hashed and
 * masked into p and then wiped, never repeated in an error. A number that
 * fails the check is refused, unless override is a manager's reason (not
 * NULL, not ""): then *overridden says so. 1 given, 0 not given, -1 wrong
 * (error sent). */
int	ctl_desk_id_args(struct ctl_client *, json_object *args, struct person_rec *p,
	    bool required, const char *override, bool *overridden);
/* ctl_idcard.c: args' id_from, a desk identity card reader: the document
 * of its last read (the name too, where p has none) into p. A card expired
 * or with a bad number needs override (a manager's reason): then
 * *over_code names why ("id_card_expired", "id_number_not_valid"), else it
 * is NULL. 1 given (*dev_out: the reader, whose read the caller takes once
 * the registration is made), 0 not given, -1 wrong (error sent). */
int	ctl_idcard_id_args(struct ctl_client *, json_object *args, struct person_rec *p,
	    const char *override, const char **over_code, int *dev_out);
ctl_cmd_fn	ctl_cmd_idcard_last;
/* May this caller see tenants' unit numbers (front desk, manager)? */
bool	ctl_desk_sees_units(const struct ctl_client *);
/* The JSON of a person (row: a struct desk_person) and of a pass (a struct
 * pass_rec), for the caller: ctl_row_fn, as lists take them. */
ctl_row_fn	ctl_person_json, ctl_pass_json;
/* ctl_notify.c: what the pass's host was told, into pass JSON o
 * ("notified", "notices"); and the host's one-time link. */
void	ctl_notice_json(struct ctl_client *, const struct pass_rec *,
	    json_object *o);
ctl_cmd_fn	ctl_cmd_visitor_answer;

/*
 * Desk lists come in pages of CTL_PAGE_ROWS rows ordered by id (a record's
 * first member; passes the newest first); a page's cursor ("more", then
 * "after") is the id of its last row. ctl_desk_after_arg() reads "after" into *after (0:
 * absent): false when it is no such cursor (error sent). ctl_desk_page()
 * replies with the first page of the n rows at rows, each through row.
 */
bool	ctl_desk_after_arg(struct ctl_client *, json_object *args, int64_t *after);
void	ctl_desk_page(struct ctl_client *, const void *rows, size_t n,
	    size_t size, ctl_row_fn *row);
/* The reply to a completed DESK_SHIFT_LIST or DESK_PASS_LIST asked for
 * with limit CTL_PAGE_ROWS + 1; the caller finishes the request. */
void	ctl_desk_rows_page(struct ctl_client *, const struct store_req *,
	    size_t size, ctl_row_fn *row);

#endif
