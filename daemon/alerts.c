/*
 * Alerts: raised once per source and condition, cleared when the condition
 * clears, kept across restarts and reloads. Each is stored through the store;
 * followers of `lobbyctl alerts` see every change once it is committed.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "util.h"

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

static const char *const audience_names[] = { "engineering", "security", "frontdesk" };

void
alert_audience_str(unsigned audience, char *out, size_t outlen)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < 3; i++) {
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

	for (unsigned i = 0; i < 3; i++) {
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

static void
alert_cleared(struct store_req *req, void *arg)
{
	struct engine *e = arg;

	if (req->status == 0) {
		ctl_publish_alert(e->ctl, &req->in.alert);
		ticket_alert_cleared(e, &req->in.alert);
	} else
		log_err("alert %" PRId64 ": not cleared: %s", req->in.alert.id, req->error);
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
		log_err("%s: %s alert not stored: %s", r->source, r->kind, req->error);
		if (a != NULL)
			alert_forget(e, a);
	} else {
		ctl_publish_alert(e->ctl, r);
		ticket_alert_stored(e, r);
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

	req->op = STORE_ALERT_RAISE;
	req->in.alert.raised_ms = real_ms();
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
	}
	store_req_free(&req);
	return 0;
}
