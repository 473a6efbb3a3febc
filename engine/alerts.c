/*
 * Alerts: raised once per source and condition, cleared when the condition
 * clears, kept across restarts and reloads; acknowledged by an operator, or
 * escalated once when nobody did in time. Each change is stored through the
 * store; once committed, followers of `lobbyctl alerts` see it, the journal
 * gets one line and alerts.command is run (notify.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "engine.h"
#include "../common/util.h"

static const char *const severity_names[] = {
	[SEV_INFO] = "info", [SEV_WARNING] = "warning",
	[SEV_URGENT] = "urgent", [SEV_EMERGENCY] = "emergency",
};

const char *
alert_severity_name(enum alert_severity s)
{
	return (unsigned)s < SEV_COUNT ? severity_names[s] : "?";
}

int
alert_severity_parse(const char *name)
{
	for (int s = 0; s < SEV_COUNT; s++)
		if (strcmp(name, severity_names[s]) == 0)
			return s;
	return -1;
}

static const char *const audience_names[] = { "engineering", "security", "frontdesk",
    "manager" };
#define AUD_NAMES	(sizeof(audience_names) / sizeof(audience_names[0]))

void
alert_audience_str(unsigned audience, char *out, size_t outlen)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < AUD_NAMES; i++) {
		if (!(audience & (1u << i)))
			continue;
		n += (size_t)snprintf(out + n, n < outlen ? outlen - n : 0, "%s%s",
		    n > 0 ? "," : "", audience_names[i]);
	}
}

unsigned
alert_audience_parse(const char *s)
{
	unsigned aud = 0;

	for (unsigned i = 0; i < AUD_NAMES; i++) {
		const char *p = strstr(s, audience_names[i]);

		if (p != NULL)
			aud |= 1u << i;
	}
	return aud;
}

/* The active alert for source and kind, or NULL. */
static struct alert_active *
alert_find(const struct engine *e, const char *source, const char *kind)
{
	for (size_t i = 0; i < e->nalerts; i++) {
		struct alert_active *a = &e->alerts[i];

		if (strcmp(a->source, source) == 0 && strcmp(a->kind, kind) == 0)
			return a;
	}
	return NULL;
}

/* A zeroed slot at the end of the active table, or NULL. */
static struct alert_active *
alert_new(struct engine *e)
{
	struct alert_active *a;

	if (e->nalerts == e->alerts_cap) {
		size_t cap = e->alerts_cap ? e->alerts_cap * 2 : 32;
		struct alert_active *na = realloc(e->alerts, cap * sizeof(*na));

		if (na == NULL)
			return NULL;
		e->alerts = na;
		e->alerts_cap = cap;
	}
	a = &e->alerts[e->nalerts++];
	memset(a, 0, sizeof(*a));
	return a;
}

static void
alert_forget(struct engine *e, struct alert_active *a)
{
	size_t i = (size_t)(a - e->alerts);

	e->alerts[i] = e->alerts[--e->nalerts];
}

bool
alert_is_active(const struct engine *e, const char *source, const char *kind)
{
	return alert_find(e, source, kind) != NULL;
}

int64_t
alert_raised_ms(const struct engine *e, const char *source, const char *kind)
{
	const struct alert_active *a = alert_find(e, source, kind);

	return a != NULL ? a->raised_ms : 0;
}

/* The journal's priority for an alert of this severity. */
static enum log_prio
alert_prio(const char *severity)
{
	switch (alert_severity_parse(severity)) {
	case SEV_INFO:
		return LOG_P_INFO;
	case SEV_URGENT:
		return LOG_P_CRIT;
	case SEV_EMERGENCY:
		return LOG_P_ALERT;
	default:
		return LOG_P_WARNING;
	}
}

/*
 * One journal line per change of an alert. Under systemd the line carries
 * the alert's id and severity as fields of their own (LOBBYD_ALERT_ID,
 * LOBBYD_SEVERITY, LOBBYD_ALERT_EVENT), so `journalctl LOBBYD_SEVERITY=urgent`
 * finds them; elsewhere it is an ordinary log line.
 */
static void
alert_log(const struct alert_rec *r, const char *event, enum log_prio prio,
    const char *actor)
{
	char line[512];

	if (actor != NULL)
		snprintf(line, sizeof(line), "alert %" PRId64 " %s by %s: %s %s %s%s%s",
		    r->id, event, actor, r->severity, r->source, r->kind,
		    r->ack_note[0] != '\0' ? ": " : "", r->ack_note);
	else
		snprintf(line, sizeof(line), "alert %" PRId64 " %s: %s %s %s for %s: %s",
		    r->id, event, r->severity, r->source, r->kind, r->audience,
		    r->message);
	if (log_to_journal() && sd_journal_send("MESSAGE=lobbyd: %s", line,
	    "PRIORITY=%d", (int)prio, "SYSLOG_IDENTIFIER=lobbyd",
	    "LOBBYD_ALERT_ID=%" PRId64, r->id, "LOBBYD_SEVERITY=%s", r->severity,
	    "LOBBYD_ALERT_EVENT=%s", event, "LOBBYD_ALERT_SOURCE=%s", r->source,
	    NULL) >= 0)
		return;
	log_msg(prio, "%s", line);
}

/* A committed change of r reaches the journal and alerts.command. */
static void
alert_deliver(struct engine *e, const struct alert_rec *r, const char *event)
{
	alert_log(r, event, alert_prio(r->severity), NULL);
	notify_alert(e, r, event);
}

/*
 * An alert the database cannot take yet is told to people at once, as
 * alert 0: the journal, followers and alerts.command get it now, and its
 * stored id follows when the write succeeds (DESIGN invariant 2).
 */
void
alert_active_rec(const struct alert_active *a, struct alert_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->id = a->id > 0 ? a->id : 0;
	r->raised_ms = a->raised_ms;
	str_copy(r->source, a->source, sizeof(r->source));
	str_copy(r->kind, a->kind, sizeof(r->kind));
	str_copy(r->severity, alert_severity_name(a->severity), sizeof(r->severity));
	alert_audience_str(a->audience, r->audience, sizeof(r->audience));
	str_copy(r->message, a->message, sizeof(r->message));
}

static void
alert_deliver_unstored(struct engine *e, struct alert_active *a)
{
	struct alert_rec r;

	alert_active_rec(a, &r);
	a->delivered = true;
	engine_publish_alert(e, &r);
	alert_deliver(e, &r, "raised");
}

/* An alert life-cycle event in the log, tied to the device when it is one. */
static void
alert_event(struct engine *e, const struct alert_rec *r, const char *kind,
    const char *actor, const char *detail)
{
	struct ev_rec ev;

	engine_ev_init(&ev, kind);
	engine_ev_source(e, &ev, r->source);
	if (actor != NULL)
		str_copy(ev.actor, actor, sizeof(ev.actor));
	snprintf(ev.detail, sizeof(ev.detail), "alert %" PRId64 " %s %s%s%s",
	    r->id, r->source, r->kind, detail[0] != '\0' ? ": " : "", detail);
	engine_event(e, &ev);
}

static void
alert_cleared(struct store_req *req, void *arg)
{
	struct engine *e = arg;

	if (req->status != 0) {
		log_err("alert %" PRId64 ": not cleared: %s", req->in.alert.id, req->error);
	} else if (req->found && req->nrows == 1) {
		const struct alert_rec *r = req->rows;

		engine_publish_alert(e, r);
		alert_deliver(e, r, "cleared");
		ticket_alert_cleared(e, r);
	}
	store_req_free(req);
	free(req);
}

void
alert_clear_rec(struct engine *e, const struct alert_rec *a)
{
	struct store_req *req = calloc(1, sizeof(*req));

	if (req == NULL) {
		log_err("alert %" PRId64 ": out of memory", a->id);
		return;
	}
	req->op = STORE_ALERT_CLEAR;
	req->held = true;
	req->in.alert = *a;
	req->in.alert.cleared_ms = real_ms();
	req->done = alert_cleared;
	req->arg = e;
	store_submit(e->store, req);
}

static void
alert_raised(struct store_req *req, void *arg)
{
	struct engine *e = arg;
	struct alert_rec *r = &req->in.alert;
	struct alert_active *a = alert_find(e, r->source, r->kind);

	r->id = req->id;
	if (req->status != 0) {
		/* Held writes fail only when lobbyd stops unable to write. */
		log_err("%s: %s alert not stored: %s", r->source, r->kind, req->error);
		if (a != NULL && !a->delivered)
			alert_deliver_unstored(e, a);	/* told, if never stored */
		if (a != NULL)
			alert_forget(e, a);
	} else {
		engine_publish_alert(e, r);
		ticket_alert_stored(e, r);
		if (a == NULL || !a->delivered)
			alert_deliver(e, r, "raised");
		if (a == NULL || a->clear_pending) {
			alert_clear_rec(e, r);
			if (a != NULL)
				alert_forget(e, a);
		} else {
			a->id = req->id;
		}
	}
	store_req_free(req);
	free(req);
}

void
alert_raise(struct engine *e, const char *source, const char *kind,
    enum alert_severity sev, unsigned audience, const char *message)
{
	struct alert_active *a = alert_find(e, source, kind);
	struct store_req *req;

	if (a != NULL) {
		a->clear_pending = false;	/* raised again before a pending clear */
		return;
	}
	req = calloc(1, sizeof(*req));
	if (req == NULL || (a = alert_new(e)) == NULL) {
		log_err("%s: %s alert not raised: out of memory", source, kind);
		free(req);
		return;
	}
	str_copy(a->source, source, sizeof(a->source));
	str_copy(a->kind, kind, sizeof(a->kind));
	a->id = -1;
	a->severity = sev;
	a->audience = audience;
	a->raised_ms = real_ms();
	str_copy(a->message, message, sizeof(a->message));

	req->op = STORE_ALERT_RAISE;
	req->held = true;
	req->in.alert.raised_ms = a->raised_ms;
	str_copy(req->in.alert.source, source, sizeof(req->in.alert.source));
	str_copy(req->in.alert.kind, kind, sizeof(req->in.alert.kind));
	str_copy(req->in.alert.severity, alert_severity_name(sev),
	    sizeof(req->in.alert.severity));
	alert_audience_str(audience, req->in.alert.audience,
	    sizeof(req->in.alert.audience));
	str_copy(req->in.alert.message, message, sizeof(req->in.alert.message));
	req->done = alert_raised;
	req->arg = e;
	store_submit(e->store, req);
	if (e->store_failing)
		alert_deliver_unstored(e, a);
}

void
alert_clear(struct engine *e, const char *source, const char *kind)
{
	struct alert_active *a = alert_find(e, source, kind);
	struct alert_rec r = { 0 };

	if (a == NULL)
		return;
	if (a->id < 0) {
		a->clear_pending = true;	/* still being stored: clear when it is */
		return;
	}
	r.id = a->id;
	str_copy(r.source, source, sizeof(r.source));
	str_copy(r.kind, kind, sizeof(r.kind));
	alert_forget(e, a);
	alert_clear_rec(e, &r);
}

void
alert_dev_raise(struct engine *e, int dev, const char *kind,
    enum alert_severity sev, unsigned audience, const char *message)
{
	alert_raise(e, e->site->devices[dev].name, kind, sev, audience, message);
}

void
alert_dev_clear(struct engine *e, int dev, const char *kind)
{
	alert_clear(e, e->site->devices[dev].name, kind);
}

/* Device alerts ("offline", "fault", ...) belong to a configured device;
 * others (kind prefixed "site_") to the site as a whole. */
static bool
alert_source_exists(const struct engine *e, const char *source, const char *kind)
{
	return strncmp(kind, "site_", 5) == 0 ||
	    config_device_index(e->site, source) >= 0 ||
	    config_lane_index(e->site, source) >= 0;
}

void
alert_prune(struct engine *e)
{
	for (size_t i = 0; i < e->nalerts;) {
		struct alert_active *a = &e->alerts[i];

		if (alert_source_exists(e, a->source, a->kind) || a->id < 0) {
			i++;
			continue;
		}
		alert_clear(e, a->source, a->kind);	/* moves the last into i */
	}
}

/* Alerts still active from before a restart are taken back, so a device that
 * is still down is not alerted twice and one that is back clears. */
int
alert_adopt(struct engine *e)
{
	struct store_req req = { .op = STORE_ALERT_LIST };
	const struct alert_rec *r;

	if (store_run(e->store, &req) < 0) {
		log_err("alerts: %s", req.error);
		store_req_free(&req);
		return -1;
	}
	r = req.rows;
	for (size_t i = 0; i < req.nrows; i++) {
		struct alert_active *a;
		int sev = alert_severity_parse(r[i].severity);

		if (!alert_source_exists(e, r[i].source, r[i].kind) ||
		    alert_find(e, r[i].source, r[i].kind) != NULL) {
			alert_clear_rec(e, &r[i]);	/* gone, or a duplicate */
			continue;
		}
		if ((a = alert_new(e)) == NULL) {
			log_err("alerts: out of memory");
			store_req_free(&req);
			return -1;
		}
		str_copy(a->source, r[i].source, sizeof(a->source));
		str_copy(a->kind, r[i].kind, sizeof(a->kind));
		a->id = r[i].id;
		a->severity = sev < 0 ? SEV_WARNING : (enum alert_severity)sev;
		a->audience = alert_audience_parse(r[i].audience);
		a->raised_ms = r[i].raised_ms;
		a->acked = r[i].acked_ms != 0;
		a->escalated = r[i].escalated_ms != 0;
	}
	store_req_free(&req);
	return 0;
}

/* ---- acknowledgement and escalation ----------------------------------- */

struct alert_active *
alert_by_id(struct engine *e, int64_t id)
{
	for (size_t i = 0; i < e->nalerts; i++)
		if (e->alerts[i].id == id && id >= 0 && !e->alerts[i].clear_pending)
			return &e->alerts[i];
	return NULL;
}

void
alert_ack_done(struct engine *e, const struct alert_rec *r, const char *user)
{
	struct alert_active *a = alert_by_id(e, r->id);

	if (a != NULL)
		a->acked = true;	/* no escalation any more */
	alert_event(e, r, "alert_acked", user, r->ack_note);
	alert_log(r, "acknowledged", LOG_P_NOTICE, user);
	engine_publish_alert(e, r);
	notify_alert(e, r, "acknowledged");
	/* One raised by hand ends when someone has dealt with it. */
	if (strncmp(r->kind, "site_raised_", 12) == 0 || desk_visit_ack_ends(r->kind))
		alert_clear(e, r->source, r->kind);
}

/* When a (not acknowledged, not escalated) escalates, in wall-clock ms since
 * the epoch: from raised_ms, so a restart does not postpone it. */
static int64_t
alert_escalate_at(const struct engine *e, const struct alert_active *a)
{
	int after;

	if (a->id < 0 || a->acked || a->escalated || a->clear_pending ||
	    (unsigned)a->severity >= SEV_COUNT)
		return INT64_MAX;
	after = e->site->escalate_after_s[a->severity];
	if (a->severity == SEV_INFO || after <= 0)
		return INT64_MAX;
	return a->raised_ms + (int64_t)after * 1000;
}

static void
alert_escalated(struct store_req *req, void *arg)
{
	struct engine *e = arg;

	if (req->status != 0) {
		log_err("alert %" PRId64 ": not escalated: %s", req->in.alert.id,
		    req->error);
	} else if (req->found && req->nrows == 1) {
		const struct alert_rec *r = req->rows;
		char why[64];

		snprintf(why, sizeof(why), "not acknowledged within %d s",
		    (int)((r->escalated_ms - r->raised_ms + 999) / 1000));
		alert_event(e, r, "alert_escalated", NULL, why);
		engine_publish_alert(e, r);
		alert_deliver(e, r, "escalated");
	}
	store_req_free(req);
	free(req);
}

/* Once: marked, its audience widened to the manager, stored, delivered. */
static void
alert_escalate(struct engine *e, struct alert_active *a, int64_t now_ms)
{
	struct store_req *req = calloc(1, sizeof(*req));

	a->escalated = true;	/* never twice, even if storing it fails */
	if (req == NULL) {
		log_err("alert %" PRId64 ": not escalated: out of memory", a->id);
		return;
	}
	a->audience |= AUD_MANAGER;
	req->op = STORE_ALERT_ESCALATE;
	req->held = true;
	req->in.alert.id = a->id;
	req->in.alert.escalated_ms = now_ms;
	alert_audience_str(a->audience, req->in.alert.audience,
	    sizeof(req->in.alert.audience));
	req->done = alert_escalated;
	req->arg = e;
	store_submit(e->store, req);
}

void
alert_tick(struct engine *e, int64_t now_ns)
{
	int64_t now_ms = real_ms();

	(void)now_ns;	/* escalation runs on the wall clock, like raised_ms */
	for (size_t i = 0; i < e->nalerts; i++)
		if (alert_escalate_at(e, &e->alerts[i]) <= now_ms)
			alert_escalate(e, &e->alerts[i], now_ms);
}

int64_t
alert_next_deadline(const struct engine *e)
{
	int64_t next = INT64_MAX, now_ms;

	for (size_t i = 0; i < e->nalerts; i++) {
		int64_t at = alert_escalate_at(e, &e->alerts[i]);

		if (at < next)
			next = at;
	}
	if (next == INT64_MAX)
		return INT64_MAX;
	now_ms = real_ms();
	return mono_ns() + (next > now_ms ? (next - now_ms) * NS_PER_MS : 0);
}

/* ---- a database that cannot be written -------------------------------- */

#define STORE_ALERT_SOURCE	"site"
#define STORE_ALERT_KIND	"site_store"

void
alert_store_health(struct engine *e, bool failing, const char *why)
{
	const char *cause = strrchr(why, ':');
	char msg[128];

	e->store_failing = failing;
	if (!failing) {
		log_notice("the database takes writes again");
		alert_clear(e, STORE_ALERT_SOURCE, STORE_ALERT_KIND);
		return;
	}
	log_crit("the database cannot be written: %s", why);
	/* Alerts raised since the disk failed were waiting for it: now. */
	for (size_t i = 0; i < e->nalerts; i++)
		if (e->alerts[i].id < 0 && !e->alerts[i].delivered)
			alert_deliver_unstored(e, &e->alerts[i]);
	cause = cause != NULL ? cause + 1 + strspn(cause + 1, " ") : why;
	if (*cause == '\0')
		cause = why;
	snprintf(msg, sizeof(msg), "Records cannot be written (%.60s); events "
	    "and alerts are held in memory", cause);
	alert_raise(e, STORE_ALERT_SOURCE, STORE_ALERT_KIND, SEV_URGENT,
	    AUD_ENGINEERING | AUD_SECURITY, msg);
}
