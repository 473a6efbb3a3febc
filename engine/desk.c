/*
 * The front desk in the engine (engine/desk.h): the records in memory, the
 * pass decision at a lane, what a passage changes, and the desk's timers.
 * Writes the engine makes on its own (presence, a pass used or expired) go
 * to the store without anyone waiting for them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../rules/hours.h"
#include "../rules/visitor.h"
#include "credmap.h"
#include "desk.h"
#include "desk_int.h"
#include "engine.h"
#include "../common/util.h"


/* ---- time -------------------------------------------------------------- */

void
desk_rule_time(int64_t ms, struct rule_time *t)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&s, &tm);
	t->ms = ms;
	t->date = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
	t->wday = tm.tm_wday;
	t->minute = tm.tm_hour * 60 + tm.tm_min;
}

/* ---- the records in memory ------------------------------------------- */

/* Index of id in a by-id array of n records of size sz, or where it goes. */
static size_t
by_id(const void *arr, size_t n, size_t sz, int64_t id, bool *found)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int64_t v = *(const int64_t *)((const char *)arr + mid * sz);

		if (v == id) {
			*found = true;
			return mid;
		}
		if (v < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* Inserts or replaces rec (its first member is its int64_t id); out of
 * memory, logged: what it is (a "permit"), and how it is then known
 * ("known", "matched") only after a restart. */
static int
put_by_id(void **arr, size_t *n, size_t *cap, size_t sz, const void *rec,
    const char *what, const char *known)
{
	int64_t id = *(const int64_t *)rec;
	bool found;
	size_t i = by_id(*arr, *n, sz, id, &found);

	if (!found) {
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 64;
			void *p = realloc(*arr, nc * sz);

			if (p == NULL) {
				log_err("%s %" PRId64 ": out of memory: %s after "
				    "a restart", what, id, known);
				return -1;
			}
			*arr = p;
			*cap = nc;
		}
		memmove((char *)*arr + (i + 1) * sz, (char *)*arr + i * sz,
		    (*n - i) * sz);
		(*n)++;
		memset((char *)*arr + i * sz, 0, sz);
	}
	memcpy((char *)*arr + i * sz, rec, sz);
	return 0;
}

size_t
desk_index_after(const void *rows, size_t n, size_t size, int64_t id)
{
	bool found;
	size_t i = by_id(rows, n, size, id, &found);

	return found ? i + 1 : i;
}

static void *
get_by_id(void *arr, size_t n, size_t sz, int64_t id)
{
	bool found;
	size_t i = by_id(arr, n, sz, id, &found);

	return found ? (char *)arr + i * sz : NULL;
}

struct desk_person *
desk_person(struct engine *e, int64_t id)
{
	struct desk *d = e->desk;

	return get_by_id(d->people, d->npeople, sizeof(*d->people), id);
}

struct pass_rec *
desk_pass(struct engine *e, int64_t id)
{
	struct desk *d = e->desk;

	return get_by_id(d->passes, d->npasses, sizeof(*d->passes), id);
}

struct permit_rec *
desk_permit(struct engine *e, int64_t id)
{
	struct desk *d = e->desk;

	return get_by_id(d->permits, d->npermits, sizeof(*d->permits), id);
}

bool
desk_pass_is_live(const struct pass_rec *p)
{
	return strcmp(p->state, "pending") == 0 || strcmp(p->state, "active") == 0;
}

/*
 * The newest pass that carried the credential. A credential is given to a
 * new pass only while no live pass carries it (ctl_desk.c), so the live one,
 * if any, is the newest: one lookup, then one search by id, on every swipe.
 */
static struct pass_rec *
pass_newest(struct engine *e, const char *credential)
{
	struct pass_rec *p;
	int64_t id;

	if (!credmap_get(e->desk->pass_of, credential, &id) ||
	    (p = desk_pass(e, id)) == NULL || strcmp(p->credential, credential) != 0)
		return NULL;
	return p;
}

struct pass_rec *
desk_pass_live(struct engine *e, const char *credential)
{
	struct pass_rec *p = pass_newest(e, credential);

	return p != NULL && desk_pass_is_live(p) ? p : NULL;
}

struct pass_rec *
desk_pass_live_of_hash(struct engine *e, const char *id_hash, const char *kind)
{
	struct desk *d = e->desk;

	if (id_hash[0] == '\0')
		return NULL;
	for (size_t i = d->npasses; i-- > 0;) {
		struct pass_rec *p = &d->passes[i];
		struct desk_person *who;

		if (!desk_pass_is_live(p) || (who = desk_person(e, p->person)) == NULL)
			continue;
		if (strcmp(who->r.id_hash, id_hash) == 0 &&
		    strcmp(who->r.kind, kind) == 0)
			return p;
	}
	return NULL;
}

bool
desk_hash_watched(const struct engine *e, const char *id_hash)
{
	const struct desk *d = e->desk;

	if (id_hash[0] == '\0')
		return false;
	for (size_t i = 0; i < d->nwatch; i++)
		if (strcmp(d->watch[i].id_hash, id_hash) == 0)
			return true;
	return false;
}

/* The credential's pass: the live one, else the newest that carried it
 * (so that a returned or revoked pass is refused with its own reason). */
static struct pass_rec *
pass_for(struct engine *e, const char *credential)
{
	return pass_newest(e, credential);
}

static void
rematch_watch(struct engine *e)
{
	struct desk *d = e->desk;

	for (size_t i = 0; i < d->npeople; i++)
		d->people[i].watch = desk_hash_watched(e, d->people[i].r.id_hash);
}

int
desk_put_person(struct engine *e, const struct person_rec *r)
{
	struct desk *d = e->desk;
	struct desk_person *old = desk_person(e, r->id), n;

	memset(&n, 0, sizeof(n));
	if (old != NULL)
		n = *old;
	n.r = *r;
	n.watch = desk_hash_watched(e, r->id_hash);
	return put_by_id((void **)&d->people, &d->npeople, &d->people_cap,
	    sizeof(n), &n, "person", "known");
}

int
desk_put_pass(struct engine *e, const struct pass_rec *p)
{
	struct desk *d = e->desk;
	int64_t newest;

	if (put_by_id((void **)&d->passes, &d->npasses, &d->passes_cap,
	    sizeof(*p), p, "pass", "known") == -1)
		return -1;
	if ((!credmap_get(d->pass_of, p->credential, &newest) || newest <= p->id) &&
	    credmap_put(&d->pass_of, p->credential, p->id) == -1) {
		log_err("pass %" PRId64 ": out of memory: known after a restart",
		    p->id);
		return -1;
	}
	return 0;
}

int
desk_put_permit(struct engine *e, const struct permit_rec *p)
{
	struct desk *d = e->desk;

	return put_by_id((void **)&d->permits, &d->npermits, &d->permits_cap,
	    sizeof(*p), p, "permit", "known");
}

int
desk_put_watch(struct engine *e, const struct watch_rec *w)
{
	struct desk *d = e->desk;

	if (put_by_id((void **)&d->watch, &d->nwatch, &d->watch_cap,
	    sizeof(*w), w, "watch list", "matched") == -1)
		return -1;
	rematch_watch(e);
	return 0;
}

void
desk_del_watch(struct engine *e, int64_t id)
{
	struct desk *d = e->desk;
	bool found;
	size_t i = by_id(d->watch, d->nwatch, sizeof(*d->watch), id, &found);

	if (!found)
		return;
	memmove(&d->watch[i], &d->watch[i + 1], (d->nwatch - i - 1) *
	    sizeof(*d->watch));
	d->nwatch--;
	rematch_watch(e);
}

void
desk_end_permit_passes(struct engine *e, int64_t permit, int64_t ended_ms,
    const char *by, const char *why)
{
	struct desk *d = e->desk;

	for (size_t i = 0; i < d->npasses; i++) {
		struct pass_rec *p = &d->passes[i];

		if (p->permit != permit || !desk_pass_is_live(p))
			continue;
		str_copy(p->state, "revoked", sizeof(p->state));
		p->ended_ms = ended_ms;
		str_copy(p->ended_by, by, sizeof(p->ended_by));
		str_copy(p->end_reason, why, sizeof(p->end_reason));
	}
}

void
desk_person_label(const struct desk_person *p, char *out, size_t len)
{
	const char *kind = p->r.kind;

	if (p->r.purged_ms != 0 || p->r.name[0] == '\0')
		snprintf(out, len, "%.15s %" PRId64, kind, p->r.id);
	else
		snprintf(out, len, "%.63s, %.15s", p->r.name, kind);
}

/* ---- background writes -------------------------------------------------- */

/* A write nobody waits for: logged if it fails. */
void
desk_bg_submit(struct engine *e, const struct desk_in *in)
{
	struct store_req *req = calloc(1, sizeof(*req));

	if (req == NULL) {
		log_err("front desk: out of memory: a change is not stored");
		return;
	}
	req->op = STORE_DESK;
	req->in.desk = *in;
	req->done = engine_bg_done;
	req->arg = "front desk: not stored";
	store_submit(e->store, req);
}

void
desk_bg_pass(struct engine *e, const struct pass_rec *p)
{
	struct desk_in in = { .action = DESK_PASS_PUT, .pass = *p };

	desk_bg_submit(e, &in);
}

/* ---- start ------------------------------------------------------------- */

static int
zone_slot(const struct engine *e, const char *zone)
{
	int z;

	if (strcmp(zone, "site") == 0)
		return e->site->nzones;
	z = config_zone_index(e->site, zone);
	return z;
}

static const char *
slot_name(const struct engine *e, int slot)
{
	return slot < e->site->nzones ? e->site->zones[slot].name : "site";
}

int
desk_init(struct engine *e)
{
	struct desk *d = calloc(1, sizeof(*d));
	struct store_req req = { .op = STORE_DESK };
	struct desk_load l = { 0 };
	char err[256], keypath[CONF_PATH_MAX + 8];

	if (d == NULL) {
		log_err("front desk: out of memory");
		return -1;
	}
	e->desk = d;
	if (e->site->key_path[0] != '\0')
		str_copy(keypath, e->site->key_path, sizeof(keypath));
	else
		snprintf(keypath, sizeof(keypath), "%s.key", e->site->db_path);
	if (privacy_key_load(keypath, &d->key, err, sizeof(err)) == -1) {
		log_err("%s", err);
		return -1;
	}
	req.in.desk.action = DESK_LOAD;
	req.in.desk.load = &l;
	req.in.desk.now_ms = real_ms();
	if (store_run(e->store, &req) == -1) {
		log_err("front desk records: %s", req.error);
		return -1;
	}
	for (size_t i = 0; i < l.nwatch; i++)
		if (desk_put_watch(e, &l.watch[i]) == -1)
			goto out_free;
	for (size_t i = 0; i < l.npeople; i++)
		if (desk_put_person(e, &l.people[i]) == -1)
			goto out_free;
	for (size_t i = 0; i < l.npasses; i++)
		if (desk_put_pass(e, &l.passes[i]) == -1)
			goto out_free;
	for (size_t i = 0; i < l.npermits; i++)
		if (desk_put_permit(e, &l.permits[i]) == -1)
			goto out_free;
	for (size_t i = 0; i < l.npresence; i++) {
		const struct presence_rec *pr = &l.presence[i];
		struct desk_person *p = desk_person(e, pr->person);
		int z = zone_slot(e, pr->zone);

		if (p == NULL || z < 0)
			continue;	/* a zone no longer configured */
		p->where[z].inside = pr->inside;
		p->where[z].since_ms = pr->since_ms;
		str_copy(p->where[z].lane, pr->lane, sizeof(p->where[z].lane));
	}
	/* Started after today's reset time: the next reset is tomorrow's. */
	{
		struct rule_time t;

		desk_rule_time(real_ms(), &t);
		d->apb_reset_date = t.minute >= e->site->apb_reset_min ? t.date : -1;
	}
	log_info("front desk: %zu people, %zu passes, %zu permits, %zu on the "
	    "watch list", d->npeople, d->npasses, d->npermits, d->nwatch);
	desk_load_free(&l);
	return 0;

out_free:
	desk_load_free(&l);
	return -1;
}

void
desk_free(struct engine *e)
{
	struct desk *d = e->desk;

	if (d == NULL)
		return;
	free(d->people);
	free(d->passes);
	credmap_free(d->pass_of);
	free(d->permits);
	free(d->watch);
	free(d);
	e->desk = NULL;
}

/* ---- the decision -------------------------------------------------------- */

static const struct { const char *word; int v; } kinds[] = {
	{ "tenant_staff", PERSON_TENANT_STAFF },
	{ "property_staff", PERSON_PROPERTY_STAFF },
	{ "visitor", PERSON_VISITOR }, { "contractor", PERSON_CONTRACTOR },
}, statuses[] = {
	{ "active", PERSON_ACTIVE }, { "suspended", PERSON_SUSPENDED },
	{ "terminated", PERSON_TERMINATED },
}, pass_states[] = {
	{ "pending", PASS_PENDING }, { "active", PASS_ACTIVE },
	{ "expired", PASS_EXPIRED }, { "revoked", PASS_REVOKED },
	{ "returned", PASS_RETURNED },
}, permit_states[] = {
	{ "active", PERMIT_ACTIVE }, { "suspended", PERMIT_SUSPENDED },
	{ "closed", PERMIT_CLOSED },
};

#define WORD(tab, w, dflt)	word_value(tab, sizeof(tab) / sizeof(tab[0]), w, dflt)

static int
word_value(const void *tab, size_t n, const char *w, int dflt)
{
	const struct { const char *word; int v; } *t = tab;

	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].word, w) == 0)
			return t[i].v;
	return dflt;
}

/* The lanes a pass names, as rule_pass.lanes bits; an unknown name is a
 * lane that was removed from the config and opens nothing. */
static uint64_t
lane_bits(const struct engine *e, const char *lanes)
{
	char buf[128], *save = NULL;
	uint64_t bits = 0;

	if (lanes[0] == '\0')
		return 0;
	str_copy(buf, lanes, sizeof(buf));
	for (char *w = strtok_r(buf, ",", &save); w != NULL;
	    w = strtok_r(NULL, ",", &save)) {
		int l = config_lane_index(e->site, w);

		if (l >= 0 && l < 64)
			bits |= UINT64_C(1) << l;
	}
	/* None of them exists any more: no lane at all, not every lane. */
	return bits != 0 ? bits : UINT64_C(1) << 63;
}

static void
schedule_of(const struct engine *e, const struct schedule_conf *sc,
    struct rule_schedule *s)
{
	memset(s, 0, sizeof(*s));
	s->days = sc->days;
	s->nperiods = sc->nperiods < RULE_MAX_PERIODS ? sc->nperiods : RULE_MAX_PERIODS;
	for (int i = 0; i < s->nperiods; i++) {
		s->periods[i].from = sc->periods[i].from;
		s->periods[i].until = sc->periods[i].until;
	}
	if (sc->holidays) {
		s->holidays = e->site->holidays;
		s->nholidays = e->site->nholidays;
	}
}

/* A permit's rule form; its hours were checked when it was made, so a
 * string that no longer reads is taken as no hours at all: closed. */
void
desk_permit_rule(const struct engine *e, const struct permit_rec *pm,
    struct rule_permit *rp)
{
	char err[128];

	memset(rp, 0, sizeof(*rp));
	rp->state = WORD(permit_states, pm->state, PERMIT_CLOSED);
	rp->fees_paid = pm->fees_paid;
	rp->from_date = pm->from_date;
	rp->until_date = pm->until_date;
	rp->hours.days = pm->days;
	rp->hours.holidays = e->site->holidays;
	rp->hours.nholidays = e->site->nholidays;
	if (pm->hours[0] != '\0' && rule_periods_parse(pm->hours,
	    rp->hours.periods, RULE_MAX_PERIODS, &rp->hours.nperiods, err,
	    sizeof(err)) == -1)
		rp->hours.days = 0;
}

static int
lane_slot(const struct engine *e, int lane)
{
	int z = e->site->lanes[lane].zone;

	return z >= 0 && z < e->site->nzones ? z : e->site->nzones;
}

static enum apb_mode
lane_apb(const struct engine *e, int lane)
{
	int z = e->site->lanes[lane].zone;

	if (z < 0 || z >= e->site->nzones)
		return APB_OFF;
	return (enum apb_mode)e->site->zones[z].apb;
}

/* A watch-listed person or a terminated one at a lane: security is told,
 * nothing on the reader or in the front desk's view says so. */
static void
person_alerts(struct engine *e, const struct desk_person *p, int lane,
    bool entry, const struct pass_decision *pd)
{
	char kind[24], msg[256], who[96];

	desk_person_label(p, who, sizeof(who));
	if (pd->silent_alert) {
		snprintf(kind, sizeof(kind), "site_watch_%" PRId64, p->r.id);
		snprintf(msg, sizeof(msg), "Watch-listed person at %s (%s): %s, "
		    "ID %s", e->site->lanes[lane].name, entry ? "entry" : "exit",
		    who, p->r.id_mask);
		alert_raise(e, "site", kind, SEV_URGENT, AUD_SECURITY, msg);
	}
	if (pd->terminated_alert) {
		snprintf(kind, sizeof(kind), "site_terminated_%" PRId64, p->r.id);
		snprintf(msg, sizeof(msg), "Card of a terminated person at %s: %s",
		    e->site->lanes[lane].name, who);
		alert_raise(e, "site", kind, SEV_URGENT, AUD_SECURITY, msg);
	}
}

/* What the rules are given about a person and their pass. */
struct subject {
	struct rule_subject	who;
	struct rule_pass	pass;
	struct rule_permit	permit;
	struct rule_schedule	sched;
};

static void
subject_of(struct engine *e, const struct desk_person *p,
    const struct pass_rec *pass, int slot, struct subject *sub)
{
	const struct permit_rec *pm;
	int s;

	memset(sub, 0, sizeof(*sub));
	sub->pass = (struct rule_pass){
		.state = WORD(pass_states, pass->state, PASS_REVOKED),
		.valid_from_ms = pass->valid_from_ms,
		.valid_until_ms = pass->valid_until_ms,
		.lanes = lane_bits(e, pass->lanes),
		.single_entry = pass->single_entry, .used = pass->used,
	};
	sub->who = (struct rule_subject){
		.kind = WORD(kinds, p->r.kind, PERSON_VISITOR),
		.status = WORD(statuses, p->r.status, PERSON_SUSPENDED),
		.watch_listed = p->watch,
		.pass = &sub->pass,
		.where = slot < 0 || p->where[slot].since_ms == 0 ? APB_UNKNOWN :
		    p->where[slot].inside ? APB_INSIDE : APB_OUTSIDE,
	};
	if (pass->permit != 0 && (pm = desk_permit(e, pass->permit)) != NULL) {
		desk_permit_rule(e, pm, &sub->permit);
		sub->who.permit = &sub->permit;
	}
	if (p->r.schedule[0] != '\0') {
		/* A schedule that left the config: no hours, not all hours. */
		if ((s = config_schedule_index(e->site, p->r.schedule)) >= 0)
			schedule_of(e, &e->site->schedules[s], &sub->sched);
		sub->who.schedule = &sub->sched;
	}
}

bool
desk_floors(struct engine *e, const char *credential, int64_t now_ms,
    uint64_t *floors, char reason[32])
{
	struct pass_rec *pass = pass_for(e, credential);
	struct desk_person *p;
	struct subject sub;
	struct rule_point pt = { .lane = -1, .entry = true, .contractors = true };
	struct rule_time t;
	struct pass_decision pd;

	if (pass == NULL || (p = desk_person(e, pass->person)) == NULL)
		return false;
	desk_rule_time(now_ms, &t);
	subject_of(e, p, pass, -1, &sub);
	sub.pass.lanes = 0;		/* an elevator is no lane */
	pd = rule_pass_decide(&sub.who, &pt, &t, e->site->watch_hold ?
	    WATCH_HOLD : WATCH_LET_THROUGH);
	*floors = pd.grant ? pass->floors : 0;
	str_copy(reason, rule_pass_reason_code(pd.reason), 32);
	return true;
}

bool
desk_decide(struct engine *e, int lane, bool entry, const char *credential,
    int64_t now_ms, struct desk_verdict *v)
{
	const struct lane_conf *lc = &e->site->lanes[lane];
	struct pass_rec *pass = pass_for(e, credential);
	struct desk_person *p;
	struct subject sub;
	struct rule_point pt;
	struct rule_time t;
	struct pass_decision pd;
	int slot = lane_slot(e, lane);
	char label[96];

	memset(v, 0, sizeof(*v));
	if (pass == NULL || (p = desk_person(e, pass->person)) == NULL)
		return false;
	desk_rule_time(now_ms, &t);
	subject_of(e, p, pass, slot, &sub);
	pt = (struct rule_point){
		.lane = lane, .entry = entry, .contractors = lc->contractors,
		.collects_cards = lc->collects_cards, .apb = lane_apb(e, lane),
	};
	pd = rule_pass_decide(&sub.who, &pt, &t, e->site->watch_hold ? WATCH_HOLD :
	    WATCH_LET_THROUGH);
	person_alerts(e, p, lane, entry, &pd);

	v->grant = pd.grant;
	v->person = p->r.id;
	str_copy(v->reason, rule_pass_reason_code(pd.reason), sizeof(v->reason));
	desk_person_label(p, label, sizeof(label));
	snprintf(v->detail, sizeof(v->detail), "%.80s (pass %" PRId64 ")%s", label,
	    pass->id, pd.apb_violation ? ": anti-passback, let through" : "");
	v->fx = (struct desk_grant){
		.person = p->r.id, .pass = pass->id, .zone = slot, .entry = entry,
		.use_entry = pd.use_entry, .collect = pd.collect_card,
	};
	if (pd.apb_violation)
		log_info("%s: %s: anti-passback (soft): %s without %s", lc->name,
		    label, entry ? "entry" : "exit", entry ? "an exit" : "an entry");
	return true;
}

const char *
desk_reason_text(const char *code)
{
	for (int r = 0; r < PR_COUNT; r++)
		if (strcmp(rule_pass_reason_code((enum pass_reason)r), code) == 0)
			return rule_pass_reason_text((enum pass_reason)r);
	return NULL;
}

/* ---- passages ------------------------------------------------------------ */

static void
presence_store(struct engine *e, const struct desk_person *p, int slot)
{
	struct desk_in in = { .action = DESK_PRESENCE };

	in.presence.person = p->r.id;
	str_copy(in.presence.zone, slot_name(e, slot), sizeof(in.presence.zone));
	in.presence.inside = p->where[slot].inside;
	in.presence.since_ms = p->where[slot].since_ms;
	str_copy(in.presence.lane, p->where[slot].lane, sizeof(in.presence.lane));
	desk_bg_submit(e, &in);
}

void
desk_passage(struct engine *e, int lane, const struct desk_grant *g)
{
	struct desk_person *p = desk_person(e, g->person);
	struct pass_rec *pass = desk_pass(e, g->pass);
	int64_t now = real_ms();

	if (p == NULL)
		return;
	p->where[g->zone].inside = g->entry;
	p->where[g->zone].since_ms = now;
	str_copy(p->where[g->zone].lane, e->site->lanes[lane].name,
	    sizeof(p->where[g->zone].lane));
	presence_store(e, p, g->zone);
	if (pass == NULL)
		return;
	if (g->use_entry && !pass->used) {
		pass->used = true;
		desk_bg_pass(e, pass);
	}
	if (g->collect && desk_pass_is_live(pass)) {
		struct ev_rec ev;

		str_copy(pass->state, "returned", sizeof(pass->state));
		pass->ended_ms = now;
		str_copy(pass->ended_by, "lobbyd", sizeof(pass->ended_by));
		snprintf(pass->end_reason, sizeof(pass->end_reason),
		    "card collected at %s", e->site->lanes[lane].name);
		desk_bg_pass(e, pass);
		engine_ev_init(&ev, "pass_returned");
		str_copy(ev.lane, e->site->lanes[lane].name, sizeof(ev.lane));
		str_copy(ev.credential, pass->credential, sizeof(ev.credential));
		ev.person = p->r.id;
		snprintf(ev.detail, sizeof(ev.detail), "pass %" PRId64 ": card "
		    "collected", pass->id);
		engine_event(e, &ev);
	}
}
