/*
 * The front desk in the engine: people, passes, permits and the watch list
 * held in memory (decisions never wait on the disk), the pass decision at a
 * lane, what a passage changes (who is inside, single-entry passes used,
 * visitor cards collected), and the timers: passes expiring, contractors
 * overstaying, the daily anti-passback reset and the visitor data purge.
 * The control commands that change these records are control/ctl_desk.c.
 */
#ifndef LOBBYD_DESK_ENGINE_H
#define LOBBYD_DESK_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "../db/desk.h"
#include "../config/config.h"
#include "../rules/pass.h"
#include "privacy.h"

struct engine;

/* Presence slots: one per configured zone, and one for lanes in no zone
 * (the "site"), so that the muster list works without zones. */
#define DESK_NZONES	(CONF_MAX_ZONES + 1)

struct desk_where {
	bool		inside;
	int64_t		since_ms;
	char		lane[32];
};

struct desk_person {
	struct person_rec	r;
	bool			watch;		/* matches a watch-list entry */
	bool			overstay;	/* overstay alert raised */
	struct desk_where	where[DESK_NZONES];	/* index: zone, or nzones */
};

/* What a granted passage will change once it is seen on the counters. */
struct desk_grant {
	int64_t		person;		/* 0: a plain card, nothing to change */
	int64_t		pass;
	int		zone;		/* presence slot */
	bool		entry;
	bool		use_entry;	/* single-entry pass: now used */
	bool		collect;	/* visitor card swallowed: pass returned */
};

/* A pass decision at a lane, ready to record. */
struct desk_verdict {
	bool		grant;
	char		reason[32];	/* code, as rule_pass_reason_code() */
	char		detail[128];	/* who: "Li Wei, visitor (pass 12)" */
	int64_t		person;
	struct desk_grant fx;
};

struct credmap;

struct desk {
	struct privacy_key	key;
	struct desk_person	*people;	/* by id, ascending */
	size_t			npeople, people_cap;
	struct pass_rec		*passes;	/* by id, ascending */
	size_t			npasses, passes_cap;
	struct credmap		*pass_of;	/* credential -> its newest pass */
	struct permit_rec	*permits;
	size_t			npermits, permits_cap;
	struct watch_rec	*watch;
	size_t			nwatch, watch_cap;
	int64_t			next_tick_ns;
	int			apb_reset_date;	/* YYYYMMDD of the last reset */
	int			purge_date;	/* YYYYMMDD of the last purge */
};

/* At start, before the loop: the site key and the stored records. -1: fatal. */
int	desk_init(struct engine *);
void	desk_free(struct engine *);

/* The local civil time of ms, for the rules. */
void	desk_rule_time(int64_t ms, struct rule_time *);

/*
 * The credential read at lane l in direction entry (or exit): false when no
 * pass carries it (the plain card list decides); true with the decision in
 * *v, its silent and terminated-person alerts raised. The lane's own state
 * (answering, in fault) is the caller's to check.
 */
bool	desk_decide(struct engine *, int lane, bool entry, const char *credential,
	    int64_t now_ms, struct desk_verdict *v);
/*
 * The floors the credential's pass opens at an elevator reader now: false
 * when no pass carries it; true with *floors (bit n = floor n; 0 when
 * refused) and the reason code in reason. The same person, pass, permit and
 * schedule rules as at a lane, without lanes or anti-passback.
 */
bool	desk_floors(struct engine *, const char *credential, int64_t now_ms,
	    uint64_t *floors, char reason[32]);
/* A granted passage was seen at lane l: presence, used, returned. */
void	desk_passage(struct engine *, int lane, const struct desk_grant *);
/* The words for a pass or registration reason code; NULL if not one. */
const char *desk_reason_text(const char *code);

void	desk_tick(struct engine *, int64_t now_ns);
int64_t	desk_next_deadline(const struct engine *);

/* Lookups; NULL when there is none. */
struct desk_person *desk_person(struct engine *, int64_t id);
/* Of n records of size bytes sorted by id (their first member, as the
 * desk's lists are): the index of the first with an id above id. */
size_t	desk_index_after(const void *rows, size_t n, size_t size, int64_t id);
struct pass_rec	*desk_pass(struct engine *, int64_t id);
struct permit_rec *desk_permit(struct engine *, int64_t id);
/* The live (pending or active) pass carrying credential, or NULL. */
struct pass_rec	*desk_pass_live(struct engine *, const char *credential);
/* Does a live pass belong to the person with this ID hash? */
struct pass_rec	*desk_pass_live_of_hash(struct engine *, const char *id_hash,
	    const char *kind);
/* desk_visit.c. A visitor's registration, stored: the managers are told
 * of a class in visitors.announce. */
void	desk_visit_registered(struct engine *, const struct person_rec *,
	    const struct pass_rec *);
/* The desk is asked, discreetly (visitors.watch_cue), to keep this person
 * at the desk; never told why. */
void	desk_watch_cue(struct engine *, const struct person_rec *);
/* A watch-list entry just added: everyone matching it who is inside or was
 * registered today raises security's silent alert (and the cue, for a
 * visitor registered today who is not inside). Returns the matches. */
int	desk_watch_sweep(struct engine *, const struct watch_rec *);
/* Does acknowledging an alert of this kind end it (a cue)? */
bool	desk_visit_ack_ends(const char *kind);
/* Is this ID hash on the watch list? */
bool	desk_hash_watched(const struct engine *, const char *id_hash);

/* A record was committed: the memory copy follows (insert or replace). */
int	desk_put_person(struct engine *, const struct person_rec *);
int	desk_put_pass(struct engine *, const struct pass_rec *);
int	desk_put_permit(struct engine *, const struct permit_rec *);
int	desk_put_watch(struct engine *, const struct watch_rec *);
void	desk_del_watch(struct engine *, int64_t id);
/* The permit's live passes were revoked in the store: the same here. */
void	desk_end_permit_passes(struct engine *, int64_t permit, int64_t ended_ms,
	    const char *by, const char *why);

/* "Li Wei, visitor" (or "visitor 12" once purged) for events and lists. */
void	desk_person_label(const struct desk_person *, char *out, size_t len);

#endif
