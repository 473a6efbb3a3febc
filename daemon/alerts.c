/*
 * Alerts: one per device and condition, raised once, cleared when the
 * condition clears, kept with their device across restarts and reloads.
 * Stored through the store; followers of `lobbyctl alerts` see each change.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "util.h"

struct alert_ctx {
	struct engine	*e;
	char		device[CONF_NAME_MAX];
	char		kind[24];
};

static int64_t *
alert_slot(struct engine *e, int dev, const char *kind, bool **clear)
{
	struct dev_state *ds = &e->devs[dev];

	if (strcmp(kind, "fault") == 0) {
		*clear = &ds->clear_fault;
		return &ds->alert_fault;
	}
	*clear = &ds->clear_offline;
	return &ds->alert_offline;
}

static void
alert_cleared(struct store_req *req, void *arg)
{
	struct engine *e = arg;

	if (req->status == 0)
		ctl_publish_alert(e->ctl, &req->in.alert);
	else
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
	struct alert_ctx *ax = arg;
	struct engine *e = ax->e;
	int dev = config_device_index(e->site, ax->device);
	int64_t *slot = NULL;
	bool *clear = NULL;

	req->in.alert.id = req->id;
	if (dev >= 0)
		slot = alert_slot(e, dev, ax->kind, &clear);
	if (req->status != 0) {
		log_err("%s: alert not stored: %s", ax->device, req->error);
		if (slot != NULL)
			*slot = 0;
	} else {
		ctl_publish_alert(e->ctl, &req->in.alert);
		if (slot == NULL || *clear) {
			alert_clear_rec(e, &req->in.alert);
			if (slot != NULL)
				*slot = 0;
		} else {
			*slot = req->id;
		}
	}
	if (clear != NULL)
		*clear = false;
	free(ax);
	store_req_free(req);
	free(req);
}

void
alert_raise(struct engine *e, int dev, const char *kind, const char *severity,
    const char *message)
{
	const struct device_conf *dc = &e->site->devices[dev];
	struct store_req *req;
	struct alert_ctx *ax;
	bool *clear;
	int64_t *slot = alert_slot(e, dev, kind, &clear);

	if (*slot != 0) {
		*clear = false;		/* raised again before a pending clear */
		return;
	}
	req = calloc(1, sizeof(*req));
	ax = calloc(1, sizeof(*ax));
	if (req == NULL || ax == NULL) {
		log_err("%s: alert not raised: out of memory", dc->name);
		free(req);
		free(ax);
		return;
	}
	ax->e = e;
	str_copy(ax->device, dc->name, sizeof(ax->device));
	str_copy(ax->kind, kind, sizeof(ax->kind));
	req->op = STORE_ALERT_RAISE;
	req->in.alert.raised_ms = real_ms();
	str_copy(req->in.alert.source, dc->name, sizeof(req->in.alert.source));
	str_copy(req->in.alert.kind, kind, sizeof(req->in.alert.kind));
	str_copy(req->in.alert.severity, severity, sizeof(req->in.alert.severity));
	str_copy(req->in.alert.message, message, sizeof(req->in.alert.message));
	req->done = alert_raised;
	req->arg = ax;
	*slot = -1;
	store_submit(e->store, req);
}

void
alert_clear(struct engine *e, int dev, const char *kind)
{
	bool *clear;
	int64_t *slot = alert_slot(e, dev, kind, &clear);
	struct alert_rec a = { .id = *slot };

	if (*slot == 0)
		return;
	if (*slot < 0) {
		*clear = true;		/* still being stored: clear when it is */
		return;
	}
	*slot = 0;
	str_copy(a.source, e->site->devices[dev].name, sizeof(a.source));
	str_copy(a.kind, kind, sizeof(a.kind));
	alert_clear_rec(e, &a);
}

/* Alerts still active from before a restart stay with their devices, so a
 * device that is still down is not alerted twice and one that is back clears. */
int
alert_adopt(struct engine *e)
{
	struct store_req req = { .op = STORE_ALERT_LIST };
	const struct alert_rec *a;

	if (store_run(e->store, &req) < 0) {
		log_err("alerts: %s", req.error);
		store_req_free(&req);
		return -1;
	}
	a = req.rows;
	for (size_t i = 0; i < req.nrows; i++) {
		int dev = config_device_index(e->site, a[i].source);
		bool *clear;
		int64_t *slot;

		if (dev < 0 || (strcmp(a[i].kind, "fault") != 0 &&
		    strcmp(a[i].kind, "offline") != 0)) {
			alert_clear_rec(e, &a[i]);	/* its device is no more */
			continue;
		}
		slot = alert_slot(e, dev, a[i].kind, &clear);
		if (*slot > 0)
			alert_clear_rec(e, &a[i]);	/* a duplicate */
		else
			*slot = a[i].id;
	}
	store_req_free(&req);
	return 0;
}
