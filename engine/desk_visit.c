/*
 * A visit as the property manuals ask the desk to run it: a visitor kept
 * waiting for the host's answer past visitors.wait_alert_s alerts the desk
 * and its supervisor; a VIP's or an important guest's registration tells
 * the managers; a new watch-list entry is checked against the people
 * registered today and everyone inside, and the desk gets a discreet cue
 * (visitors.watch_cue) for a visitor it may still have in front of it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desk_int.h"
#include "engine.h"
#include "../common/util.h"

#define WAIT_KIND	"site_wait_"
#define VIP_KIND	"site_vip_"
#define CUE_KIND	"site_cue_"

static const char *const class_names[] = { CONF_VISITOR_CLASS_NAMES };

static const char *
name_of(struct engine *e, int64_t person)
{
	const struct desk_person *p = desk_person(e, person);

	return p != NULL && p->r.name[0] != '\0' ? p->r.name : "(no name)";
}

/* Raises the waiting alert of a pending pass past the wait. */
static void
wait_raise(struct engine *e, const struct pass_rec *p, int64_t now)
{
	char kind[24], msg[256];

	snprintf(kind, sizeof(kind), WAIT_KIND "%" PRId64, p->id);
	if (alert_is_active(e, "site", kind))
		return;
	snprintf(msg, sizeof(msg), "Visitor %.60s has waited %" PRId64 " min for "
	    "the host's answer (%.60s): phone the host again or send someone "
	    "down", name_of(e, p->person), (now - p->issued_ms) / 60000, p->host);
	alert_raise(e, "site", kind, SEV_WARNING, AUD_FRONTDESK | AUD_MANAGER, msg);
}

/* Alerts of this family whose condition is over: collected first, since a
 * clear changes the list of active alerts. */
static void
clear_ended(struct engine *e, const char *prefix,
    bool (*over)(struct engine *, int64_t pass))
{
	size_t n = strlen(prefix), k = 0;
	char (*kinds)[24];

	if (e->nalerts == 0 || (kinds = calloc(e->nalerts, sizeof(*kinds))) == NULL)
		return;
	for (size_t i = 0; i < e->nalerts; i++) {
		const struct alert_active *a = &e->alerts[i];

		if (strcmp(a->source, "site") == 0 && strncmp(a->kind, prefix, n) == 0 &&
		    over(e, strtoll(a->kind + n, NULL, 10)))
			str_copy(kinds[k++], a->kind, sizeof(kinds[0]));
	}
	for (size_t i = 0; i < k; i++)
		alert_clear(e, "site", kinds[i]);
	free(kinds);
}

/* The host answered (confirmed: active; declined: revoked), or the pass
 * ended some other way. */
static bool
wait_over(struct engine *e, int64_t id)
{
	const struct pass_rec *p = desk_pass(e, id);

	return p == NULL || strcmp(p->state, "pending") != 0;
}

/* The guest has arrived (inside), or the pass is over. */
static bool
vip_over(struct engine *e, int64_t id)
{
	const struct pass_rec *p = desk_pass(e, id);
	const struct desk_person *who;

	if (p == NULL || !desk_pass_is_live(p))
		return true;
	who = desk_person(e, p->person);
	return who == NULL || desk_person_inside(e, who) || p->used;
}

void
desk_visit_tick(struct engine *e, int64_t now)
{
	struct desk *d = e->desk;
	int64_t wait = (int64_t)e->site->visitor_wait_alert_s * 1000;

	if (wait > 0)
		for (size_t i = 0; i < d->npasses; i++) {
			const struct pass_rec *p = &d->passes[i];

			if (p->state[0] == 'p' && strcmp(p->state, "pending") == 0 &&
			    now - p->issued_ms >= wait)
				wait_raise(e, p, now);
		}
	clear_ended(e, WAIT_KIND, wait_over);
	clear_ended(e, VIP_KIND, vip_over);
}

void
desk_visit_registered(struct engine *e, const struct person_rec *who,
    const struct pass_rec *p)
{
	int c = config_visitor_class(p->vclass);
	char kind[24], msg[256];

	if (c < 0 || !(e->site->visitor_announce & (1u << c)))
		return;
	snprintf(kind, sizeof(kind), VIP_KIND "%" PRId64, p->id);
	snprintf(msg, sizeof(msg), "%s visitor registered: %.60s for %.60s, "
	    "purpose: %.60s%s", c == 0 ? "VIP" : c == 1 ? "Important" : class_names[c],
	    who->name, p->host, p->purpose, strcmp(p->state, "pending") == 0 ?
	    " (waiting for the host)" : "");
	alert_raise(e, "site", kind, SEV_INFO, AUD_MANAGER, msg);
}

void
desk_watch_cue(struct engine *e, const struct person_rec *who)
{
	char kind[24], msg[256];
	const char *cue = e->site->watch_cue;
	const char *s = strstr(cue, "%s");

	/* The configured words, the name in place of its %s; nothing says
	 * why: the desk is only asked to keep the person there. */
	if (s != NULL)
		snprintf(msg, sizeof(msg), "%.*s%.60s%s", (int)(s - cue), cue,
		    who->name, s + 2);
	else
		str_copy(msg, cue, sizeof(msg));
	snprintf(kind, sizeof(kind), CUE_KIND "%" PRId64, who->id);
	alert_raise(e, "site", kind, SEV_WARNING, AUD_FRONTDESK, msg);
}

/* Registered today: made today, or (a returning visitor, whose record is
 * their first visit's) given a pass today. */
static bool
registered_on(struct engine *e, const struct desk_person *p, int date)
{
	struct desk *d = e->desk;
	struct rule_time t;

	desk_rule_time(p->r.created_ms, &t);
	if (t.date == date)
		return true;
	for (size_t i = d->npasses; i-- > 0;) {
		if (d->passes[i].person != p->r.id)
			continue;
		desk_rule_time(d->passes[i].issued_ms, &t);
		if (t.date == date)
			return true;
	}
	return false;
}

int
desk_watch_sweep(struct engine *e, const struct watch_rec *w)
{
	struct desk *d = e->desk;
	struct rule_time today;
	int matches = 0;

	desk_rule_time(real_ms(), &today);
	for (size_t i = 0; i < d->npeople; i++) {
		const struct desk_person *p = &d->people[i];
		bool inside, registered_today;
		char kind[24], msg[256];

		if (p->r.id_hash[0] == '\0' || strcmp(p->r.id_hash, w->id_hash) != 0)
			continue;
		inside = desk_person_inside(e, p);
		registered_today = registered_on(e, p, today.date);
		if (!inside && !registered_today)
			continue;
		matches++;
		snprintf(kind, sizeof(kind), "site_watch_%" PRId64, p->r.id);
		snprintf(msg, sizeof(msg), "Watch-listed person %s: %.60s, ID %s%s%.15s "
		    "(a new watch-list entry)", inside ? "inside" : "registered today",
		    p->r.name, p->r.id_mask, p->r.unit[0] ? ", unit " : "", p->r.unit);
		alert_raise(e, "site", kind, SEV_URGENT, AUD_SECURITY, msg);
		if (registered_today && !inside && strcmp(p->r.kind, "visitor") == 0)
			desk_watch_cue(e, &p->r);
	}
	return matches;
}

bool
desk_visit_ack_ends(const char *kind)
{
	return strncmp(kind, CUE_KIND, strlen(CUE_KIND)) == 0;
}
