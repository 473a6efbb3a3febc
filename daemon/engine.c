/*
 * The engine: one epoll loop over the link workers, the control socket, a
 * signalfd and the store's completions. It owns every decision: card ->
 * rule -> turnstile command, passage confirmation, device health and alerts.
 * Nothing on this thread waits on the disk, the network or another link.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "engine.h"
#include "util.h"

#define CMD_TTL_MS		1500	/* an open not on the wire by then is dropped */
#define REJECT_EVENT_NS		(60 * 1000 * NS_PER_MS)	/* one reader_reject event a minute */
#define COUNTER_JUMP_MAX	50	/* more passages than this at once: a reset */

static struct engine the_engine;	/* large; one per process */

static void	alert_raise(struct engine *, int dev, const char *kind,
		    const char *severity, const char *message);
static void	alert_clear(struct engine *, int dev, const char *kind);

const char *
engine_dir_name(enum dir d)
{
	return d == DIR_ENTRY ? "entry" : "exit";
}

int
engine_watch(struct engine *e, struct ev_handler *h, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, h->fd, &ev) < 0) {
		log_err("epoll_ctl add fd %d: %s", h->fd, strerror(errno));
		return -1;
	}
	return 0;
}

void
engine_unwatch(struct engine *e, struct ev_handler *h)
{
	if (h->fd >= 0)
		epoll_ctl(e->epfd, EPOLL_CTL_DEL, h->fd, NULL);
}

/* ---- events ---------------------------------------------------------- */

static void
ev_init(struct ev_rec *ev, const char *kind)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_ms = real_ms();
	str_copy(ev->kind, kind, sizeof(ev->kind));
}

static void
ev_dev(struct engine *e, struct ev_rec *ev, int dev)
{
	const struct device_conf *d = &e->site->devices[dev];

	str_copy(ev->device, d->name, sizeof(ev->device));
	for (int l = 0; l < e->site->nlanes; l++) {
		const struct lane_conf *lc = &e->site->lanes[l];

		if (lc->turnstile == dev || lc->entry_reader == dev ||
		    lc->exit_reader == dev) {
			str_copy(ev->lane, lc->name, sizeof(ev->lane));
			break;
		}
	}
}

/* Queued for the next batch; followers see it once it is committed. */
void
engine_event(struct engine *e, struct ev_rec *ev)
{
	store_event_add(e->store, ev);
}

static void
event_committed(const struct ev_rec *ev, void *arg)
{
	struct engine *e = arg;

	ctl_publish_event(e->ctl, ev);
}

/* ---- cards: an in-memory copy of the cards table, sorted by uid ------- */

static int
card_cmp(const void *a, const void *b)
{
	return strcmp(((const struct card_rec *)a)->uid, ((const struct card_rec *)b)->uid);
}

const struct card_rec *
engine_card_find(const struct engine *e, const char *uid)
{
	struct card_rec key;

	if (e->ncards == 0)
		return NULL;
	str_copy(key.uid, uid, sizeof(key.uid));
	return bsearch(&key, e->cards, e->ncards, sizeof(*e->cards), card_cmp);
}

void
engine_card_put(struct engine *e, const struct card_rec *c)
{
	struct card_rec *old = (struct card_rec *)engine_card_find(e, c->uid);

	if (old != NULL) {
		*old = *c;
		return;
	}
	if (e->ncards == e->cards_cap) {
		size_t cap = e->cards_cap ? e->cards_cap * 2 : 256;
		struct card_rec *n = realloc(e->cards, cap * sizeof(*n));

		if (n == NULL) {
			/* The card is stored; it is found again at the next start. */
			log_err("cards: out of memory for %zu cards", cap);
			return;
		}
		e->cards = n;
		e->cards_cap = cap;
	}
	e->cards[e->ncards++] = *c;
	qsort(e->cards, e->ncards, sizeof(*e->cards), card_cmp);
}

void
engine_card_del(struct engine *e, const char *uid)
{
	struct card_rec *c = (struct card_rec *)engine_card_find(e, uid);

	if (c == NULL)
		return;
	memmove(c, c + 1, (size_t)((e->cards + e->ncards) - (c + 1)) * sizeof(*c));
	e->ncards--;
}

/* ---- commands to turnstiles ------------------------------------------ */

int
engine_send_cmd(struct engine *e, int dev, enum ts_cmd cmd, int64_t t_frame_ns,
    char *err, size_t errlen)
{
	const struct device_conf *d = &e->site->devices[dev];
	struct msg_cmd m;

	msg_init(&m, MSG_CMD, (uint16_t)dev);
	m.id = ++e->next_cmd_id;
	m.cmd = (uint8_t)cmd;
	m.t_frame_ns = t_frame_ns;
	m.expires_ns = mono_ns() + CMD_TTL_MS * NS_PER_MS;
	if (sup_send(e, d->link, &m) < 0) {
		snprintf(err, errlen, "%s: %s not sent: link %s: %s", d->name,
		    config_ts_cmd_name(cmd), e->site->links[d->link].name,
		    errno == ENOTCONN ? "worker not running" : strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- lanes ------------------------------------------------------------ */

static int
lane_of_turnstile(const struct engine *e, int dev)
{
	for (int l = 0; l < e->site->nlanes; l++)
		if (e->site->lanes[l].turnstile == dev)
			return l;
	return -1;
}

static void
card_read(struct engine *e, int dev, const struct msg_card *m)
{
	const struct dev_state *rd = &e->devs[dev];
	const struct card_rec *c;
	struct access_card ac;
	struct access_lane al;
	struct access_decision d;
	struct lane_state *ls;
	const struct lane_conf *lc;
	const struct dev_state *ts;
	struct ev_rec ev;
	char err[160];

	ev_init(&ev, "access");
	ev_dev(e, &ev, dev);
	str_copy(ev.credential, m->uid, sizeof(ev.credential));
	if (rd->lane < 0) {
		/* A reader in no lane opens nothing; the read is still recorded. */
		str_copy(ev.kind, "card_read", sizeof(ev.kind));
		engine_event(e, &ev);
		return;
	}
	lc = &e->site->lanes[rd->lane];
	ls = &e->lanes[rd->lane];
	ts = &e->devs[lc->turnstile];
	str_copy(ev.direction, engine_dir_name(rd->dir), sizeof(ev.direction));

	c = engine_card_find(e, m->uid);
	if (c != NULL)
		ac = (struct access_card){ .enabled = c->enabled,
		    .valid_from_ms = c->valid_from_ms, .valid_until_ms = c->valid_until_ms };
	al = (struct access_lane){
		.online = ts->online && ts->have_status,
		.fault = ts->state == TS_FAULT || ts->fault_code != 0,
		.busy = ls->pending,
	};
	d = rule_card_decide(c != NULL ? &ac : NULL, &al, ev.ts_ms);
	if (d.grant && engine_send_cmd(e, lc->turnstile,
	    rd->dir == DIR_ENTRY ? TS_CMD_OPEN_ENTRY : TS_CMD_OPEN_EXIT,
	    m->t_frame_ns, err, sizeof(err)) < 0) {
		log_err("%s: %s", lc->name, err);
		d = (struct access_decision){ .grant = false, .reason = R_LANE_OFFLINE };
	}
	str_copy(ev.decision, d.grant ? "granted" : "denied", sizeof(ev.decision));
	str_copy(ev.reason, rule_reason_code(d.reason), sizeof(ev.reason));
	if (c != NULL)
		str_copy(ev.detail, c->holder, sizeof(ev.detail));
	if (d.grant) {
		ls->pending = true;
		ls->dir = rd->dir;
		ls->deadline_ns = mono_ns() + (int64_t)lc->pass_timeout_ms * NS_PER_MS;
		str_copy(ls->credential, m->uid, sizeof(ls->credential));
		ls->actor[0] = '\0';
	}
	engine_event(e, &ev);
}

/* One passage seen on the counters of lane l's turnstile. */
static void
passage(struct engine *e, int dev, enum dir dir)
{
	int l = lane_of_turnstile(e, dev);
	struct lane_state *ls = l >= 0 ? &e->lanes[l] : NULL;
	struct ev_rec ev;

	ev_init(&ev, "passage");
	ev_dev(e, &ev, dev);
	str_copy(ev.direction, engine_dir_name(dir), sizeof(ev.direction));
	if (ls != NULL && ls->pending && ls->dir == dir) {
		str_copy(ev.credential, ls->credential, sizeof(ev.credential));
		str_copy(ev.actor, ls->actor, sizeof(ev.actor));
		ls->pending = false;
	} else {
		/* Nobody was let through this way: pushed through, or free mode. */
		str_copy(ev.kind, "unexpected_passage", sizeof(ev.kind));
	}
	engine_event(e, &ev);
}

static void
lanes_tick(struct engine *e, int64_t now)
{
	for (int l = 0; l < e->site->nlanes; l++) {
		struct lane_state *ls = &e->lanes[l];
		struct ev_rec ev;

		if (!ls->pending || now < ls->deadline_ns)
			continue;
		ls->pending = false;
		ev_init(&ev, "no_passage");
		ev_dev(e, &ev, e->site->lanes[l].turnstile);
		str_copy(ev.direction, engine_dir_name(ls->dir), sizeof(ev.direction));
		str_copy(ev.credential, ls->credential, sizeof(ev.credential));
		str_copy(ev.actor, ls->actor, sizeof(ev.actor));
		str_copy(ev.detail, "granted, not passed", sizeof(ev.detail));
		engine_event(e, &ev);
	}
}

static int64_t
lanes_next_deadline(const struct engine *e)
{
	int64_t next = INT64_MAX;

	for (int l = 0; l < e->site->nlanes; l++)
		if (e->lanes[l].pending && e->lanes[l].deadline_ns < next)
			next = e->lanes[l].deadline_ns;
	return next;
}

/* ---- device health ---------------------------------------------------- */

static void
dev_went(struct engine *e, int dev, bool online, const char *reason)
{
	struct dev_state *ds = &e->devs[dev];
	const struct device_conf *dc = &e->site->devices[dev];
	struct ev_rec ev;
	char msg[128];

	if (ds->online == online && ds->since_ms != 0)
		return;
	ds->online = online;
	ds->since_ms = real_ms();
	str_copy(ds->reason, online ? "" : reason, sizeof(ds->reason));
	if (!online)
		ds->have_status = false;	/* counters need a new baseline */
	ev_init(&ev, online ? "device_online" : "device_offline");
	ev_dev(e, &ev, dev);
	str_copy(ev.detail, online ? "" : reason, sizeof(ev.detail));
	engine_event(e, &ev);
	/* The worker that saw it has logged it; the supervisor logs a death. */
	if (online) {
		log_debug("%s: online", dc->name);
		alert_clear(e, dev, "offline");
	} else {
		log_debug("%s: offline: %s", dc->name, reason);
		snprintf(msg, sizeof(msg), "%s %s not answering: %s",
		    dc->kind == DEV_TURNSTILE ? "Turnstile" : "Reader", dc->name, reason);
		alert_raise(e, dev, "offline",
		    dc->kind == DEV_TURNSTILE ? "urgent" : "warning", msg);
	}
}

/* Counter difference since the last status, in its own width. */
static uint32_t
counter_delta(uint32_t now, uint32_t before, uint32_t mask)
{
	return (now - before) & mask;
}

static void
ts_status(struct engine *e, int dev, const struct msg_ts_status *m)
{
	struct dev_state *ds = &e->devs[dev];
	const struct device_conf *dc = &e->site->devices[dev];
	bool was_fault = ds->have_status &&
	    (ds->state == TS_FAULT || ds->fault_code != 0);
	bool is_fault = m->state == TS_FAULT || m->fault_code != 0;
	uint32_t mask = m->counter_mask ? m->counter_mask : 0xffff;

	if (!ds->online)
		dev_went(e, dev, true, "");
	if (ds->have_status) {
		uint32_t din = counter_delta(m->entry_count, ds->entry_count, mask);
		uint32_t dout = counter_delta(m->exit_count, ds->exit_count, mask);

		if (din > COUNTER_JUMP_MAX || dout > COUNTER_JUMP_MAX) {
			struct ev_rec ev;

			ev_init(&ev, "counter_reset");
			ev_dev(e, &ev, dev);
			snprintf(ev.detail, sizeof(ev.detail),
			    "passage counters jumped (entry +%u, exit +%u); new baseline",
			    din, dout);
			engine_event(e, &ev);
		} else {
			while (din-- > 0)
				passage(e, dev, DIR_ENTRY);
			while (dout-- > 0)
				passage(e, dev, DIR_EXIT);
		}
	}
	ds->have_status = true;
	ds->state = (enum ts_state)m->state;
	ds->entry_count = m->entry_count;
	ds->exit_count = m->exit_count;
	ds->counter_mask = mask;
	ds->fault_code = m->fault_code;

	if (is_fault && !was_fault) {
		struct ev_rec ev;
		char msg[128];

		ev_init(&ev, "fault");
		ev_dev(e, &ev, dev);
		snprintf(ev.detail, sizeof(ev.detail), "fault code %u", m->fault_code);
		engine_event(e, &ev);
		snprintf(msg, sizeof(msg), "Turnstile %s in fault (code %u)",
		    dc->name, m->fault_code);
		log_warn("%s: fault code %u", dc->name, m->fault_code);
		alert_raise(e, dev, "fault", "urgent", msg);
	} else if (!is_fault && was_fault) {
		struct ev_rec ev;

		ev_init(&ev, "fault_cleared");
		ev_dev(e, &ev, dev);
		engine_event(e, &ev);
		log_notice("%s: fault cleared", dc->name);
		alert_clear(e, dev, "fault");
	}
}

static void
reader_reject(struct engine *e, int dev, const struct msg_reader_reject *m)
{
	static const char *const kinds[] = { "bad checksum", "bad framing", "overlong line" };
	struct dev_state *ds = &e->devs[dev];
	int64_t now = mono_ns();

	ds->rejects++;
	ds->rejects_unlogged++;
	/* Noise is counted always, recorded at most once a minute per reader. */
	if (ds->reject_logged_ns == 0 || now - ds->reject_logged_ns >= REJECT_EVENT_NS) {
		struct ev_rec ev;

		ev_init(&ev, "reader_reject");
		ev_dev(e, &ev, dev);
		snprintf(ev.detail, sizeof(ev.detail), "%" PRIu64 " bad frame(s), last: %s",
		    ds->rejects_unlogged, m->kind < 3 ? kinds[m->kind] : "unknown");
		engine_event(e, &ev);
		ds->reject_logged_ns = now;
		ds->rejects_unlogged = 0;
	}
}

static void
cmd_result(struct engine *e, int dev, const struct msg_cmd_result *m)
{
	if (m->status == CMD_OK) {
		if (m->t_frame_ns != 0 && m->t_wire_ns >= m->t_frame_ns)
			e->lat_ns[e->lat_count++ % LAT_SAMPLES] = m->t_wire_ns - m->t_frame_ns;
		return;
	}
	e->cmd_failures++;
	{
		static const char *const st[] = { "ok", "failed", "expired", "offline" };
		struct ev_rec ev;

		ev_init(&ev, "command_failed");
		ev_dev(e, &ev, dev);
		snprintf(ev.detail, sizeof(ev.detail), "command %u %s%s%s", m->id,
		    m->status < 4 ? st[m->status] : "?", m->error[0] ? ": " : "", m->error);
		engine_event(e, &ev);
	}
}

void
engine_worker_msg(struct engine *e, int link, const union msg_any *m)
{
	int dev = m->h.dev;

	if (m->h.type == MSG_HELLO)
		return;
	if (dev >= e->site->ndevices || e->site->devices[dev].link != link) {
		log_err("%s: message for device %d, which is not on this link; ignored",
		    e->site->links[link].name, dev);
		return;
	}
	switch (m->h.type) {
	case MSG_DEV_STATE:
		e->devs[dev].failures = m->dev_state.failures;
		dev_went(e, dev, m->dev_state.online, m->dev_state.reason);
		break;
	case MSG_TS_STATUS:
		if (e->site->devices[dev].kind == DEV_TURNSTILE)
			ts_status(e, dev, &m->ts_status);
		break;
	case MSG_CARD:
		if (e->site->devices[dev].kind == DEV_READER)
			card_read(e, dev, &m->card);
		break;
	case MSG_READER_REJECT:
		reader_reject(e, dev, &m->reject);
		break;
	case MSG_CMD_RESULT:
		cmd_result(e, dev, &m->cmd_result);
		break;
	default:
		log_err("%s: unexpected message type %u; ignored",
		    e->site->links[link].name, m->h.type);
	}
}

/* A worker is gone: every device on its link is offline until it is back. */
void
engine_link_down(struct engine *e, int link, const char *reason)
{
	for (int d = 0; d < e->site->ndevices; d++)
		if (e->site->devices[d].link == link)
			dev_went(e, d, false, reason);
}

/* ---- alerts: one per device and condition ------------------------------ */

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

static void
alert_submit_clear(struct engine *e, const struct alert_rec *a)
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
			alert_submit_clear(e, &req->in.alert);
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

static void
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

static void
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
	alert_submit_clear(e, &a);
}

/* Alerts still active from before a restart stay with their devices, so a
 * device that is still down is not alerted twice and one that is back clears. */
static int
alerts_adopt(struct engine *e)
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
			alert_submit_clear(e, &a[i]);	/* its device is no more */
			continue;
		}
		slot = alert_slot(e, dev, a[i].kind, &clear);
		if (*slot > 0)
			alert_submit_clear(e, &a[i]);	/* a duplicate */
		else
			*slot = a[i].id;
	}
	store_req_free(&req);
	return 0;
}

static int
cards_load(struct engine *e)
{
	struct store_req req = { .op = STORE_CARD_LIST };

	if (store_run(e->store, &req) < 0) {
		log_err("cards: %s", req.error);
		store_req_free(&req);
		return -1;
	}
	free(e->cards);
	e->cards = req.rows;
	e->ncards = e->cards_cap = req.nrows;
	req.rows = NULL;
	if (e->ncards > 1)	/* the store's order, made sure of for bsearch */
		qsort(e->cards, e->ncards, sizeof(*e->cards), card_cmp);
	return 0;
}

/* ---- setup, reload, the loop ------------------------------------------ */

static void
devs_reset(struct engine *e)
{
	memset(e->devs, 0, sizeof(e->devs));
	memset(e->lanes, 0, sizeof(e->lanes));
	for (int d = 0; d < e->site->ndevices; d++) {
		e->devs[d].lane = -1;
		str_copy(e->devs[d].reason, "not heard from yet", sizeof(e->devs[d].reason));
	}
	for (int l = 0; l < e->site->nlanes; l++) {
		const struct lane_conf *lc = &e->site->lanes[l];

		if (lc->entry_reader >= 0) {
			e->devs[lc->entry_reader].lane = l;
			e->devs[lc->entry_reader].dir = DIR_ENTRY;
		}
		if (lc->exit_reader >= 0) {
			e->devs[lc->exit_reader].lane = l;
			e->devs[lc->exit_reader].dir = DIR_EXIT;
		}
	}
}

/* SIGHUP: a config that does not validate changes nothing. One that does
 * replaces the site; workers restart on it. Alerts follow devices by name. */
static void
reload(struct engine *e)
{
	struct site_conf *next = calloc(1, sizeof(*next));
	struct { char name[CONF_NAME_MAX]; int64_t off, fault; } *keep;
	char *errs = NULL;
	size_t errlen = 0;
	FILE *ef;
	int n;

	keep = calloc(CONF_MAX_DEVICES, sizeof(*keep));
	ef = open_memstream(&errs, &errlen);
	if (next == NULL || keep == NULL || ef == NULL) {
		log_err("reload: out of memory; configuration unchanged");
		goto out;
	}
	n = config_load(e->conf_path, next, ef);
	fclose(ef);
	ef = NULL;
	if (n != 0) {
		for (char *line = strtok(errs, "\n"); line; line = strtok(NULL, "\n"))
			log_err("%s", line);
		log_err("reload: %s has errors; configuration unchanged", e->conf_path);
		goto out;
	}
	if (strcmp(next->db_path, e->site->db_path) != 0 ||
	    strcmp(next->socket_path, e->site->socket_path) != 0)
		log_warn("reload: store and control settings take effect at the next start");
	str_copy(next->db_path, e->site->db_path, sizeof(next->db_path));
	str_copy(next->socket_path, e->site->socket_path, sizeof(next->socket_path));

	sup_stop_all(e);
	for (int d = 0; d < e->site->ndevices; d++) {
		str_copy(keep[d].name, e->site->devices[d].name, sizeof(keep[d].name));
		keep[d].off = e->devs[d].alert_offline;
		keep[d].fault = e->devs[d].alert_fault;
	}
	n = e->site->ndevices;
	*e->site = *next;
	devs_reset(e);
	for (int d = 0; d < n; d++) {
		int nd = config_device_index(e->site, keep[d].name);
		struct alert_rec a = { 0 };

		str_copy(a.source, keep[d].name, sizeof(a.source));
		if (nd >= 0) {
			e->devs[nd].alert_offline = keep[d].off > 0 ? keep[d].off : 0;
			e->devs[nd].alert_fault = keep[d].fault > 0 ? keep[d].fault : 0;
			continue;
		}
		if ((a.id = keep[d].off) > 0)
			alert_submit_clear(e, &a);
		if ((a.id = keep[d].fault) > 0)
			alert_submit_clear(e, &a);
	}
	sup_init(e);
	sup_start_all(e);
	log_notice("reload: %s: %d links, %d devices, %d lanes", e->conf_path,
	    e->site->nlinks, e->site->ndevices, e->site->nlanes);
out:
	if (ef != NULL)
		fclose(ef);
	free(errs);
	free(keep);
	free(next);
}

static void
signal_readable(struct engine *e, struct ev_handler *h, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(h->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			e->stopping = true;
			break;
		case SIGHUP:
			e->reload = true;
			break;
		case SIGCHLD:
			sup_reap(e);
			break;
		}
	}
}

static void
store_readable(struct engine *e, struct ev_handler *h, uint32_t events)
{
	(void)h;
	(void)events;
	store_complete(e->store);
}

static void
lifecycle_event(struct engine *e, const char *kind, const char *detail)
{
	struct ev_rec ev;

	ev_init(&ev, kind);
	str_copy(ev.detail, detail, sizeof(ev.detail));
	engine_event(e, &ev);
}

int
engine_run(const char *conf_path, struct site_conf *site)
{
	struct engine *e = &the_engine;
	struct ev_handler sig_h = { .fn = signal_readable };
	struct ev_handler store_h = { .fn = store_readable };
	struct epoll_event evs[32];
	char err[256];
	sigset_t mask;
	int rc = 1;

	e->site = site;
	e->conf_path = conf_path;
	e->started_ms = real_ms();
	devs_reset(e);
	sup_init(e);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	e->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->sigfd < 0 || e->epfd < 0) {
		log_err("signalfd/epoll: %s", strerror(errno));
		return 1;
	}

	e->store = store_open(site->db_path, site->event_batch_ms, err, sizeof(err));
	if (e->store == NULL) {
		log_err("%s", err);
		return 1;
	}
	if (cards_load(e) < 0 || alerts_adopt(e) < 0)
		goto out_store;
	store_set_event_cb(e->store, event_committed, e);
	e->ctl = ctl_open(e, err, sizeof(err));
	if (e->ctl == NULL) {
		log_err("%s", err);
		goto out_store;
	}
	sig_h.fd = e->sigfd;
	store_h.fd = store_fd(e->store);
	if (engine_watch(e, &sig_h, EPOLLIN) < 0 || engine_watch(e, &store_h, EPOLLIN) < 0)
		goto out_ctl;

	lifecycle_event(e, "lobbyd_start", site->site_name);
	sup_start_all(e);
	if (sd_watchdog_enabled(0, &e->watchdog_usec) <= 0)
		e->watchdog_usec = 0;
	sd_notifyf(0, "READY=1\nSTATUS=%d links, %d devices, %d lanes, %zu cards",
	    site->nlinks, site->ndevices, site->nlanes, e->ncards);
	log_notice("%s: running: %d links, %d devices, %d lanes, %zu cards",
	    site->site_name, site->nlinks, site->ndevices, site->nlanes, e->ncards);

	while (!e->stopping) {
		int64_t now = mono_ns(), next = INT64_MAX, t;
		int timeout, n;

		if ((t = lanes_next_deadline(e)) < next)
			next = t;
		if ((t = sup_next_deadline(e)) < next)
			next = t;
		if (e->watchdog_usec != 0 && e->watchdog_next_ns < next)
			next = e->watchdog_next_ns;
		if (next == INT64_MAX)
			timeout = 1000;
		else if (next <= now)
			timeout = 0;
		else
			timeout = (int)((next - now + NS_PER_MS - 1) / NS_PER_MS);
		if (timeout > 1000)
			timeout = 1000;

		n = epoll_wait(e->epfd, evs, 32, timeout);
		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct ev_handler *h = evs[i].data.ptr;

			h->fn(e, h, evs[i].events);
		}
		now = mono_ns();
		lanes_tick(e, now);
		sup_tick(e, now);
		if (e->watchdog_usec != 0 && now >= e->watchdog_next_ns) {
			sd_notify(0, "WATCHDOG=1");
			e->watchdog_next_ns = now + (int64_t)e->watchdog_usec * 1000 / 2;
		}
		if (e->reload) {
			e->reload = false;
			sd_notify(0, "RELOADING=1");
			reload(e);
			sd_notify(0, "READY=1");
		}
	}
	rc = e->stopping ? 0 : 1;
	sd_notify(0, "STOPPING=1");
	log_notice("stopping");
	sup_stop_all(e);
	ctl_quiesce(e->ctl);
	{
		/* Committed, with everything before it; store_run also runs the
		 * completions still due, so every client gets its reply. */
		struct store_req req = { .op = STORE_EVENT_SYNC };

		req.in.event.ts_ms = real_ms();
		str_copy(req.in.event.kind, "lobbyd_stop", sizeof(req.in.event.kind));
		if (store_run(e->store, &req) < 0)
			log_err("stop event: %s", req.error);
		store_req_free(&req);
	}
out_ctl:
	ctl_close(e->ctl);
	e->ctl = NULL;
out_store:
	store_close(e->store);	/* commits everything still queued */
	e->store = NULL;
	free(e->cards);
	e->cards = NULL;
	close(e->epfd);
	close(e->sigfd);
	return rc;
}
