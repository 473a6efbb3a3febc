/*
 * Identity cards read at the desk (idread.h). The number is checked and
 * hashed here, the moment it arrives, and never kept in the clear: what the
 * desk is offered is the keyed hash, the mask and what the card says of the
 * person. A number on the watch list raises the silent alert at once.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "idread.h"
#include "privacy.h"
#include "../common/util.h"
#include "../rules/idcheck.h"

/* Reader dev's slot, made with the first read; NULL without memory. */
static struct id_read *
slot(struct engine *e, int dev)
{
	if (e->idreads == NULL &&
	    (e->idreads = calloc(CONF_MAX_DEVICES, sizeof(*e->idreads))) == NULL) {
		log_err("%s: identity card read: out of memory; not offered to "
		    "the desk", e->site->devices[dev].name);
		return NULL;
	}
	return &e->idreads[dev];
}

/* "20350101" before today (local)? "长期" never is. */
static bool
expired(const char *until, int today)
{
	return strlen(until) == 8 && atoi(until) < today;
}

/* The silent alert: security alone is told that this document was shown. */
static void
watch_alert(struct engine *e, int dev, const struct id_read *r)
{
	char kind[32], msg[256];

	snprintf(kind, sizeof(kind), "site_watch_id_%.12s", r->id_hash);
	snprintf(msg, sizeof(msg), "Watch-listed document read at %s: %s, ID %s",
	    e->site->devices[dev].name, r->name, r->id_mask);
	alert_raise(e, "site", kind, SEV_URGENT, AUD_SECURITY, msg);
}

void
idread_msg(struct engine *e, int dev, const struct msg_idcard *m)
{
	const struct idcard_info *in = &m->info;
	struct id_read *r = slot(e, dev);
	struct rule_time today;
	struct ev_rec ev;
	char detail[256];

	if (r == NULL)
		return;
	memset(r, 0, sizeof(*r));
	r->read_ms = real_ms();
	desk_rule_time(r->read_ms, &today);
	engine_ev_init(&ev, m->ok ? "idcard_read" : "idcard_unread");
	engine_ev_dev(e, &ev, dev);
	if (!m->ok) {
		str_copy(r->error, m->error, sizeof(r->error));
		str_copy(ev.detail, m->error, sizeof(ev.detail));
		engine_event(e, &ev);
		return;
	}
	r->ok = true;
	str_copy(r->name, in->name, sizeof(r->name));
	r->sex = in->sex;
	str_copy(r->nation, in->nation, sizeof(r->nation));
	str_copy(r->birth, in->birth, sizeof(r->birth));
	str_copy(r->valid_until, in->valid_until, sizeof(r->valid_until));
	r->expired = expired(in->valid_until, today.date);
	r->number_ok = rule_id_check(ID_RESIDENT_CARD, in->number, today.date,
	    r->number_problem, sizeof(r->number_problem));
	privacy_id_hash(&e->desk->key, rule_id_type_name(ID_RESIDENT_CARD),
	    in->number, r->id_hash);
	privacy_id_mask(in->number, r->id_mask, sizeof(r->id_mask));
	r->watched = desk_hash_watched(e, r->id_hash);
	/* The log says what was read, not who: the name stays at the desk. */
	snprintf(detail, sizeof(detail), "ID %s%s%s%s%s", r->id_mask,
	    r->expired ? ", expired " : "", r->expired ? in->valid_until : "",
	    r->number_ok ? "" : ", number not valid: ",
	    r->number_ok ? "" : r->number_problem);
	str_copy(ev.detail, detail, sizeof(ev.detail));
	engine_event(e, &ev);
	if (r->watched)
		watch_alert(e, dev, r);
}

const struct id_read *
idread_last(const struct engine *e, int dev)
{
	const struct id_read *r;

	if (e->idreads == NULL || dev < 0 || dev >= CONF_MAX_DEVICES)
		return NULL;
	r = &e->idreads[dev];
	return r->read_ms != 0 && real_ms() - r->read_ms <= IDREAD_KEEP_MS ? r : NULL;
}

void
idread_take(struct engine *e, int dev)
{
	if (e->idreads != NULL && dev >= 0 && dev < CONF_MAX_DEVICES)
		sodium_memzero(&e->idreads[dev], sizeof(e->idreads[dev]));
}

void
idread_clear(struct engine *e)
{
	if (e->idreads == NULL)
		return;
	sodium_memzero(e->idreads, CONF_MAX_DEVICES * sizeof(*e->idreads));
	free(e->idreads);
	e->idreads = NULL;
}
