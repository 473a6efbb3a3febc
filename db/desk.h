/*
 * The front desk's records as the store keeps them: people, their passes
 * (visitor registrations included), renovation permits, the watch list, who
 * is inside which zone, and the shift log. The engine holds a copy of the
 * live ones in memory (engine/desk.c); the SQL is in db/desk.c.
 *
 * ID-document numbers never reach this layer raw (DESIGN invariant 5): a
 * person carries the keyed hash and the masked form only.
 */
#ifndef LOBBYD_DESK_H
#define LOBBYD_DESK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DESK_NAME_MAX	64
#define DESK_TEXT_MAX	100
#define DESK_HASH_MAX	65	/* hex HMAC-SHA256 and the NUL */
#define DESK_MASK_MAX	44

/* Strings hold the words of rules/pass.h and rules/visitor.h, as lobbyctl
 * spells them: kind "tenant_staff", status "active", state "pending", ... */
struct person_rec {
	int64_t	id;
	char	kind[16];		/* tenant_staff, property_staff, visitor, contractor */
	char	status[12];		/* active, suspended, terminated */
	char	name[DESK_NAME_MAX];	/* "" once purged */
	char	id_type[16];		/* resident_card, passport, other; "" none */
	char	id_hash[DESK_HASH_MAX];	/* "" none, or purged */
	char	id_mask[DESK_MASK_MAX];
	char	company[DESK_NAME_MAX];
	char	unit[16];		/* tenant's own unit, or a visitor's host unit */
	char	schedule[32];		/* config schedule name; "" any time */
	int64_t	created_ms;
	char	created_by[32];
	int64_t	updated_ms;
	int64_t	purged_ms;		/* personal data removed; 0 not */
	char	phone[24];		/* a visitor's: '+' and digits; "" none (step 10) */
};

/* A pass, and for a visitor the registration it was issued for. */
struct pass_rec {
	int64_t	id;
	int64_t	person;
	char	credential[32];		/* card uid, or a visitor code */
	char	state[12];		/* pending, active, expired, revoked, returned */
	int64_t	valid_from_ms;		/* 0: no start */
	int64_t	valid_until_ms;		/* 0: no end */
	char	lanes[128];		/* "lane1,lane3"; "": every lane */
	uint64_t floors;		/* bit n = floor n */
	bool	single_entry;
	bool	used;			/* single entry made */
	int64_t	permit;			/* contractors: the permit; 0 none */
	int64_t	issued_ms;
	char	issued_by[32];
	int64_t	confirmed_ms;		/* a pending pass confirmed by the host */
	char	confirmed_by[32];
	int64_t	ended_ms;		/* expired, revoked or returned */
	char	ended_by[32];
	char	end_reason[DESK_TEXT_MAX];
	/* visitors */
	char	vclass[12];		/* vip, important, ordinary, applicant, service, internal */
	char	host[DESK_NAME_MAX];	/* the contact person or company */
	char	purpose[DESK_TEXT_MAX];
	int	party;
	bool	appointment;
	char	override_by[32];	/* a manager let a refused category in */
	char	override_reason[DESK_TEXT_MAX];
	/* schema step 10: the visit's own host unit (a returning visitor's
	 * person keeps only the latest), and why a host outside the tenant
	 * directory was taken */
	char	host_unit[16];
	char	host_reason[DESK_TEXT_MAX];
};

struct permit_rec {
	int64_t	id;
	char	unit[16];
	char	company[DESK_NAME_MAX];
	int	from_date, until_date;	/* YYYYMMDD, both included */
	uint8_t	days;			/* bit (1 << wday) */
	char	hours[64];		/* "08:00-12:00,14:00-18:00" */
	int	floor;
	bool	fees_paid;
	char	state[12];		/* active, suspended, closed */
	int64_t	created_ms;
	char	created_by[32];
	int64_t	updated_ms;
	char	updated_by[32];
};

struct watch_rec {
	int64_t	id;
	char	id_type[16];
	char	id_hash[DESK_HASH_MAX];
	char	id_mask[DESK_MASK_MAX];
	char	name[DESK_NAME_MAX];
	char	note[DESK_TEXT_MAX];	/* the bulletin it came from */
	int64_t	added_ms;
	char	added_by[32];
};

/* Where a person was last seen, per zone. */
struct presence_rec {
	int64_t	person;
	char	zone[32];
	bool	inside;
	int64_t	since_ms;
	char	lane[32];
};

struct shift_rec {
	int64_t	id;
	int64_t	ts_ms;
	char	actor[32];
	char	kind[12];		/* "note", "handover" */
	char	text[1024];		/* a handover: its open items, one a line */
};

/* Everything the engine keeps in memory, read at start (STORE_DESK_LOAD). */
struct desk_load {
	struct person_rec	*people;	size_t npeople;
	struct pass_rec		*passes;	size_t npasses;
	struct permit_rec	*permits;	size_t npermits;
	struct watch_rec	*watch;		size_t nwatch;
	struct presence_rec	*presence;	size_t npresence;
};
void	desk_load_free(struct desk_load *);

enum desk_action {
	DESK_LOAD,		/* in.load: filled (live passes, and those ended
				   within the last 2 days) */
	DESK_PERSON_PUT,	/* person: id 0 inserts (out id), else replaces */
	DESK_PASS_PUT,		/* pass: id 0 inserts (out id), else replaces */
	DESK_REGISTER,		/* person and pass, inserted together; out id
				   (the pass), person.id, pass.person */
	DESK_PERMIT_PUT,	/* permit (id 0 inserts); with end_passes, its
				   live passes are revoked (end_reason, ended_*),
				   out found: any were */
	DESK_WATCH_PUT,		/* watch, inserted; out id */
	DESK_WATCH_DEL,		/* id; out found */
	DESK_PRESENCE,		/* presence: replaces the (person, zone) row;
				   zone "" forgets every row (the daily reset) */
	DESK_SHIFT_ADD,		/* shift; out id */
	DESK_SHIFT_LIST,	/* since_ms; out rows: shift_rec[], oldest first */
	DESK_PASS_LIST,		/* all (else live only), since_ms (issued); out
				   rows: pass_rec[], newest first */
	DESK_PURGE,		/* before_ms: visitors whose passes all ended
				   before it lose their personal data; out id:
				   how many, rows: their ids (int64_t[]) */
	DESK_VISITOR_FIND,	/* person.id_hash, or (hash "") person.name and
				   phone: the visitors (not purged) with it; out
				   found, person: the newest of them, id: their
				   passes in all, rows: the newest
				   DESK_LAST_VISITS of those (pass_rec[]) */
};

#define DESK_LAST_VISITS	5

struct desk_in {
	enum desk_action	action;
	struct person_rec	person;
	struct pass_rec		pass;
	struct permit_rec	permit;
	struct watch_rec	watch;
	struct presence_rec	presence;
	struct shift_rec	shift;
	bool			end_passes;
	bool			all;
	int64_t			id;
	int64_t			since_ms, before_ms, now_ms;
	/* DESK_SHIFT_LIST, DESK_PASS_LIST: at most limit rows (0: all) after
	 * the row with id after (0: from the first), in the list's order. */
	int64_t			after;
	int			limit;
	struct desk_load	*load;
	/* The caller's own, carried through unchanged (control/ctl_desk.c:
	 * the event to record once committed, and its words). */
	char			tag[24];
	char			why[DESK_TEXT_MAX];
	/* DESK_REGISTER of a returning visitor (their person reused): their
	 * passes before this one; the caller's, for the reply. */
	bool			returning;
	int64_t			earlier;
};

#endif
