/*
 * The engine: one epoll loop over the link workers, the control socket, a
 * signalfd and the store's completions; setup, reload and shutdown. The
 * decisions themselves are in engine/lanes.c, the alerts in engine/alerts.c.
 * Nothing on this thread waits on the disk, the network or another link.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "engine.h"
#include "hostnote.h"
#include "idread.h"
#include "../common/util.h"

static struct engine the_engine;	/* large; one per process */

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

void
engine_bg_done(struct store_req *req, void *what)
{
	if (req->status != 0)
		log_err("%s: %s", (const char *)what, req->error);
	store_req_free(req);
	free(req);
}

void
engine_ev_init(struct ev_rec *ev, const char *kind)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_ms = real_ms();
	str_copy(ev->kind, kind, sizeof(ev->kind));
}

void
engine_ev_dev(struct engine *e, struct ev_rec *ev, int dev)
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

void
engine_ev_source(struct engine *e, struct ev_rec *ev, const char *source)
{
	int dev = config_device_index(e->site, source);

	if (dev >= 0)
		engine_ev_dev(e, ev, dev);
	else if (config_lane_index(e->site, source) >= 0)
		str_copy(ev->lane, source, sizeof(ev->lane));
}

/* Queued for the next batch; followers see it once it is committed. */
void
engine_event(struct engine *e, struct ev_rec *ev)
{
	store_event_add(e->store, ev);
}

void
engine_dev_event(struct engine *e, int dev, const char *kind,
    const char *detail)
{
	struct ev_rec ev;

	engine_ev_init(&ev, kind);
	engine_ev_dev(e, &ev, dev);
	str_copy(ev.detail, detail, sizeof(ev.detail));
	engine_event(e, &ev);
}

static void
store_health(bool failing, const char *why, void *arg)
{
	alert_store_health(arg, failing, why);
}

/* ---- publishing ------------------------------------------------------- */

void
engine_subscribe(struct engine *e, struct engine_sub *sub)
{
	struct engine_sub **p = &e->subs;

	while (*p != NULL)
		p = &(*p)->next;
	sub->next = NULL;
	*p = sub;
}

void
engine_unsubscribe(struct engine *e, struct engine_sub *sub)
{
	for (struct engine_sub **p = &e->subs; *p != NULL; p = &(*p)->next) {
		if (*p == sub) {
			*p = sub->next;
			return;
		}
	}
}

void
engine_publish_alert(struct engine *e, const struct alert_rec *r)
{
	for (struct engine_sub *s = e->subs, *next; s != NULL; s = next) {
		next = s->next;		/* a subscriber may leave meanwhile */
		if (s->alert != NULL)
			s->alert(s->arg, r);
	}
}

static void
event_committed(const struct ev_rec *ev, void *arg)
{
	struct engine *e = arg;

	for (struct engine_sub *s = e->subs, *next; s != NULL; s = next) {
		next = s->next;
		if (s->event != NULL)
			s->event(s->arg, ev);
	}
}

/* ---- cards: the engine's copy of the cards table (cards.c) ------------ */

bool
engine_card_find(const struct engine *e, const char *uid, struct card_view *v)
{
	return cards_find(e->cards, uid, v);
}

int
engine_card_put(struct engine *e, const struct card_rec *c)
{
	if (cards_put(e->cards, c) < 0) {
		/* The card is stored; it is found again at the next start. */
		log_err("cards: out of memory for card %s (%zu cards)", c->uid,
		    cards_count(e->cards));
		return -1;
	}
	return 0;
}

void
engine_card_del(struct engine *e, const char *uid)
{
	cards_del(e->cards, uid);
}

/* Runs on the store thread while the engine waits in store_run(). */
static void
card_loaded(const void *row, void *arg)
{
	struct engine *e = arg;

	if (cards_put(e->cards, row) < 0 && e->cards_lost++ == 0)
		log_err("cards: out of memory loading the card list");
}

static int
cards_load(struct engine *e)
{
	struct store_req req = { .op = STORE_CARD_LIST, .each = card_loaded,
	    .each_arg = e };
	int64_t t0 = mono_ns();

	if ((e->cards = cards_new()) == NULL) {
		log_err("cards: out of memory");
		return -1;
	}
	if (store_run(e->store, &req) < 0) {
		log_err("cards: %s", req.error);
		store_req_free(&req);
		return -1;
	}
	store_req_free(&req);
	if (e->cards_lost > 0)
		return -1;
	log_info("cards: %zu loaded in %lld ms, %zu KiB", cards_count(e->cards),
	    (long long)((mono_ns() - t0) / NS_PER_MS), cards_bytes(e->cards) / 1024);
	return 0;
}

/* ---- setup, reload, the loop ------------------------------------------ */

static void
devs_reset(struct engine *e)
{
	idread_clear(e);
	memset(e->devs, 0, sizeof(e->devs));
	memset(e->lanes, 0, sizeof(e->lanes));
	for (int d = 0; d < e->site->ndevices; d++) {
		const struct dev_kind *k = kind_of(e, d);

		str_copy(e->devs[d].reason, "not heard from yet", sizeof(e->devs[d].reason));
		if (k->reset != NULL)
			k->reset(e, d);
	}
}

/* SIGHUP: a config that does not validate changes nothing. One that does
 * replaces the site; workers restart on it. Alerts follow devices by name. */
static void
reload(struct engine *e)
{
	struct site_conf *next = calloc(1, sizeof(*next));
	char *errs = NULL;
	size_t errlen = 0;
	FILE *ef;
	int n;

	ef = open_memstream(&errs, &errlen);
	if (next == NULL || ef == NULL) {
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
	reader_rejects_flush(e);
	*e->site = *next;
	devs_reset(e);
	alert_prune(e);
	sup_init(e);
	sup_start_all(e);
	log_notice("reload: %s: %d links, %d devices, %d lanes", e->conf_path,
	    e->site->nlinks, e->site->ndevices, e->site->nlanes);
out:
	if (ef != NULL)
		fclose(ef);
	free(errs);
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
			notify_reap(e);
			hostnote_reap(e);
			break;
		}
	}
}

static void
lifecycle_event(struct engine *e, const char *kind, const char *detail)
{
	struct ev_rec ev;

	engine_ev_init(&ev, kind);
	str_copy(ev.detail, detail, sizeof(ev.detail));
	engine_event(e, &ev);
}

/*
 * A database upgrade at start can take minutes: systemd's start timeout is
 * pushed back, and its watchdog fed, as long as the upgrade goes on; the
 * log hears about it every half minute.
 */
static void
store_upgrading(const char *what, void *arg)
{
	static int64_t logged_ns;
	int64_t now = mono_ns();

	(void)arg;
	sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%d\nWATCHDOG=1\nSTATUS=%s",
	    30 * 1000000, what);
	if (logged_ns == 0 || now - logged_ns >= 30000 * NS_PER_MS) {
		if (logged_ns != 0)
			log_notice("%s", what);
		logged_ns = now;
	}
}

/* Whose timers the loop waits for: each says when it is next due. */
static int64_t (*const timers[])(const struct engine *) = {
	lane_next_deadline, sup_next_deadline, ticket_next_deadline,
	desk_next_deadline, kind_next_deadline, alert_next_deadline,
	notify_next_deadline, hostnote_next_deadline, retention_next_deadline,
};

static void
store_readable(struct engine *e, struct ev_handler *h, uint32_t events)
{
	(void)h;
	(void)events;
	store_complete(e->store);
}

int
engine_open(struct engine *e, const char *conf_path, struct site_conf *site)
{
	char err[256];

	e->site = site;
	e->conf_path = conf_path;
	e->started_ms = real_ms();
	e->fire.latch_fd = -1;
	e->fire.latch = NULL;
	e->sigfd = -1;
	devs_reset(e);
	sup_init(e);
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0) {
		log_err("epoll: %s", strerror(errno));
		return -1;
	}
	store_set_upgrade_cb(store_upgrading, NULL);
	e->store = store_open(site->db_path, site->event_batch_ms, err, sizeof(err));
	if (e->store == NULL) {
		log_err("%s", err);
		goto out_epoll;
	}
	/* Before anything is written: a disk that is full at start is told. */
	store_set_health_cb(e->store, store_health, e);
	if (cards_load(e) < 0 || ticket_init(e) < 0 || alert_adopt(e) < 0 ||
	    fire_load(e) < 0 || desk_init(e) < 0 || elevator_bookings_load(e) < 0 ||
	    hostnote_init(e) < 0)
		goto out_state;
	store_set_event_cb(e->store, event_committed, e);
	e->store_h = (struct ev_handler){ .fd = store_fd(e->store),
	    .fn = store_readable };
	if (engine_watch(e, &e->store_h, EPOLLIN) < 0)
		goto out_state;
	return 0;
out_state:
	engine_close(e);
	return -1;
out_epoll:
	close(e->epfd);
	e->epfd = -1;
	return -1;
}

void
engine_close(struct engine *e)
{
	store_close(e->store);	/* commits everything still queued */
	e->store = NULL;
	fire_close(e);
	ticket_free(e);
	idread_clear(e);
	desk_free(e);
	elevator_bookings_free(e);
	cards_free(e->cards);
	e->cards = NULL;
	free(e->alerts);
	e->alerts = NULL;
	e->nalerts = e->alerts_cap = 0;
	close(e->epfd);
	e->epfd = -1;
}

int
engine_run(const char *conf_path, struct site_conf *site,
    const struct engine_front *front)
{
	struct engine *e = &the_engine;
	struct ev_handler sig_h = { .fn = signal_readable };
	struct epoll_event evs[32];
	char err[256];
	sigset_t mask;
	int rc = 1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (engine_open(e, conf_path, site) < 0)
		return 1;
	e->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (e->sigfd < 0) {
		log_err("signalfd: %s", strerror(errno));
		goto out_engine;
	}
	e->front = front;
	e->front_state = front->open(e, err, sizeof(err));
	if (e->front_state == NULL) {
		log_err("%s", err);
		goto out_engine;
	}
	sig_h.fd = e->sigfd;
	if (engine_watch(e, &sig_h, EPOLLIN) < 0)
		goto out_ctl;

	lifecycle_event(e, "lobbyd_start", site->site_name);
	sup_start_all(e);
	if (sd_watchdog_enabled(0, &e->watchdog_usec) <= 0)
		e->watchdog_usec = 0;
	sd_notifyf(0, "READY=1\nSTATUS=%d links, %d devices, %d lanes, %zu cards",
	    site->nlinks, site->ndevices, site->nlanes, cards_count(e->cards));
	log_notice("%s: running: %d links, %d devices, %d lanes, %zu cards",
	    site->site_name, site->nlinks, site->ndevices, site->nlanes,
	    cards_count(e->cards));

	while (!e->stopping) {
		int64_t now = mono_ns(), next = INT64_MAX, t;
		int timeout, n;

		for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++)
			if ((t = timers[i](e)) < next)
				next = t;
		if ((t = front->next_deadline(e->front_state)) < next)
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
		lane_tick(e, now);
		sup_tick(e, now);
		ticket_tick(e, now);
		desk_tick(e, now);
		kind_tick(e, now);
		alert_tick(e, now);
		notify_tick(e, now);
		hostnote_tick(e, now);
		retention_tick(e, now);
		front->tick(e->front_state, now);
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
	reader_rejects_flush(e);
	notify_stop(e);
	hostnote_stop(e);
	front->quiesce(e->front_state);
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
	if (e->front_state != NULL)
		front->close(e->front_state);
	e->front_state = NULL;
out_engine:
	if (e->sigfd >= 0)
		close(e->sigfd);
	engine_close(e);
	return rc;
}
