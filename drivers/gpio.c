/*
 * The GPIO link worker: debounced contact inputs, relays driven by the
 * engine's commands (pulses end on the worker's own timer), and Wiegand
 * readers decoded from kernel-stamped edges, over either chip back-end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "gpio.h"
#include "link.h"
#include "wiegand.h"

#define READ_ROUNDS		8		/* reads per service() call */
#define EDGES_MAX		64		/* per read */
#define HELD_MAX		256		/* edges held back for ordering */
#define IDLE_WAKE_NS		(1000 * NS_PER_MS)
#define HOLD_WAKE_NS		(1 * NS_PER_MS)
/* Kernel timestamps before Linux 5.7 were CLOCK_REALTIME: far ahead. */
#define FUTURE_NS		(1000 * NS_PER_MS)

struct gin {
	int		dev;
	unsigned	line;
	bool		active_low;
	int64_t		debounce_ns;
	bool		level;		/* physical, as last seen */
	int64_t		changed_ns;	/* its last edge */
	bool		sent;		/* a reading went to the engine */
	bool		sent_active;
};

struct gout {
	int		dev;
	unsigned	line;
	bool		active_low;
	bool		on;
	int64_t		pulse_end_ns;	/* 0: no pulse under way */
};

struct gwg {
	int		dev;
	unsigned	d0, d1;
	struct wiegand	w;
};

struct gpio_link {
	struct link		*link;
	const struct gpio_backend *be;
	struct gpio_io		*io;		/* NULL while the chip is closed */
	struct gin		in[CONF_MAX_DEVICES];
	int			nin;
	struct gout		out[CONF_MAX_DEVICES];
	int			nout;
	struct gwg		wg[CONF_MAX_DEVICES];
	int			nwg;
	bool			online;
	bool			said;		/* online/offline told once */
	uint32_t		failures;
	struct link_retry	retry;
	/* Edges read but later than the horizon of their read: another
	 * line's queue may still hold older ones (libgpiod v1 has one queue
	 * per line). Sorted by time. */
	struct gpio_edge	held[HELD_MAX];
	int			nheld;
	bool			future_logged;
};

static const char *
dev_name(const struct gpio_link *g, int dev)
{
	return g->link->site->devices[dev].name;
}

static const char *
chip_name(const struct gpio_link *g)
{
	return g->link->conf->gpio_sim ? g->link->conf->path :
	    g->link->conf->chip;
}

static void
emit_state(struct gpio_link *g, bool online, const char *reason)
{
	const struct site_conf *site = g->link->site;
	struct msg_dev_state m;
	int d;

	for (d = 0; d < site->ndevices; d++) {
		if (site->devices[d].link != g->link->index)
			continue;
		msg_init(&m, MSG_DEV_STATE, (uint16_t)d);
		m.online = online;
		m.failures = g->failures;
		str_copy(m.reason, reason, sizeof(m.reason));
		link_emit(g->link, &m);
	}
}

/* Tells the engine and the log when the chip comes or goes; only then. */
static void
set_online(struct gpio_link *g, bool online, const char *reason)
{
	if (g->said && g->online == online)
		return;
	g->said = true;
	g->online = online;
	if (online)
		log_notice("%s: online on %s", g->link->conf->name,
		    chip_name(g));
	else
		log_warn("%s: offline: %s", g->link->conf->name, reason);
	emit_state(g, online, reason);
}

static void
emit_input(struct gpio_link *g, struct gin *in)
{
	struct msg_input m;
	bool active = in->level != in->active_low;

	msg_init(&m, MSG_INPUT, (uint16_t)in->dev);
	m.active = active;
	m.t_ns = in->changed_ns;
	in->sent = true;
	in->sent_active = active;
	log_debug("%s: %s", dev_name(g, in->dev), active ? "active" :
	    "inactive");
	link_emit(g->link, &m);
}

static void
emit_wiegand(struct gpio_link *g, struct gwg *r,
    const struct wiegand_result *res)
{
	if (res->kind == WIEGAND_CARD) {
		struct msg_card m;

		msg_init(&m, MSG_CARD, (uint16_t)r->dev);
		/* The frame is known complete one gap after its last bit. */
		m.t_frame_ns = res->t_ns + r->w.gap_ns;
		m.format = (uint8_t)(res->bits == 26 ? CARD_WIEGAND_26 :
		    res->bits == 34 ? CARD_WIEGAND_34 : CARD_WIEGAND_37);
		str_copy(m.uid, res->uid, sizeof(m.uid));
		log_debug("%s: card %s (%u bits)", dev_name(g, r->dev), m.uid,
		    res->bits);
		link_emit(g->link, &m);
	} else {
		struct msg_reader_reject m;

		msg_init(&m, MSG_READER_REJECT, (uint16_t)r->dev);
		switch (res->reject) {
		case WIEGAND_REJECT_SHORT:
			m.kind = REJECT_SHORT;
			break;
		case WIEGAND_REJECT_PARITY:
			m.kind = REJECT_PARITY;
			break;
		default:	/* an unknown length, or noise */
			m.kind = REJECT_NOISE;
			break;
		}
		m.bytes = res->bits;
		log_debug("%s: %u-bit frame rejected: %s", dev_name(g, r->dev),
		    res->bits, wiegand_reject_name(res->reject));
		link_emit(g->link, &m);
	}
}

/* ---- the chip: open, lose, reopen ------------------------------------- */

static void
try_open(struct gpio_link *g, int64_t now)
{
	struct gpio_request *req;
	char err[CONF_PATH_MAX + 160];
	int i, v;

	if ((req = calloc(1, sizeof(*req))) == NULL) {
		snprintf(err, sizeof(err), "%s: out of memory", chip_name(g));
		goto out_fail;
	}
	for (i = 0; i < g->nin; i++)
		req->in[req->nin++] = g->in[i].line;
	for (i = 0; i < g->nwg; i++) {
		req->in[req->nin++] = g->wg[i].d0;
		req->in[req->nin++] = g->wg[i].d1;
	}
	/* Outputs start off, whatever they were before (invariant 1). */
	for (i = 0; i < g->nout; i++) {
		g->out[i].on = false;
		g->out[i].pulse_end_ns = 0;
		req->out_level[req->nout] = g->out[i].active_low;
		req->out[req->nout++] = g->out[i].line;
	}
	g->io = g->be->open(g->link->conf, req, err, sizeof(err));
	free(req);
	if (g->io == NULL)
		goto out_fail;
	for (i = 0; i < g->nin; i++) {
		if ((v = g->be->get(g->io, g->in[i].line, err,
		    sizeof(err))) < 0) {
			g->be->close(g->io);
			g->io = NULL;
			goto out_fail;
		}
		g->in[i].level = v != 0;
		g->in[i].changed_ns = now;
		g->in[i].sent = false;
	}
	for (i = 0; i < g->nwg; i++)
		wiegand_init(&g->wg[i].w, 0);
	g->nheld = 0;
	g->retry.opened_ns = now;
	g->failures = 0;
	set_online(g, true, "");
	/* The first reading of every input, at once. */
	for (i = 0; i < g->nin; i++)
		emit_input(g, &g->in[i]);
	return;

out_fail:
	g->failures++;
	set_online(g, false, err);
	link_retry_failed(&g->retry, g->link, now, false);
}

static void
lose_chip(struct gpio_link *g, int64_t now, const char *reason)
{
	struct wiegand_result res;
	int i;

	/* A frame cut short is judged as it stands. */
	for (i = 0; i < g->nwg; i++)
		if (wiegand_flush(&g->wg[i].w, &res) == 1)
			emit_wiegand(g, &g->wg[i], &res);
	g->be->close(g->io);
	g->io = NULL;
	for (i = 0; i < g->nout; i++) {
		g->out[i].on = false;
		g->out[i].pulse_end_ns = 0;
	}
	g->failures = 1;
	set_online(g, false, reason);
	link_retry_failed(&g->retry, g->link, now, true);
}

/* ---- edges ------------------------------------------------------------ */

static void
edge(struct gpio_link *g, const struct gpio_edge *e)
{
	struct wiegand_result res;
	int i;

	for (i = 0; i < g->nin; i++) {
		struct gin *in = &g->in[i];

		if (in->line != e->line)
			continue;
		in->level = e->rising;
		in->changed_ns = e->t_ns;
		return;
	}
	for (i = 0; i < g->nwg; i++) {
		struct gwg *r = &g->wg[i];

		if (r->d0 != e->line && r->d1 != e->line)
			continue;
		if (wiegand_feed(&r->w, r->d0 == e->line ? WIEGAND_D0 :
		    WIEGAND_D1, e->rising, e->t_ns, &res) == 1)
			emit_wiegand(g, r, &res);
		return;
	}
	/* A line we did not ask for: the back-end filters these. */
}

static void
hold(struct gpio_link *g, const struct gpio_edge *e)
{
	int i;

	if (g->nheld == HELD_MAX) {
		edge(g, &g->held[0]);	/* the oldest goes now */
		memmove(g->held, g->held + 1, (HELD_MAX - 1) * sizeof(*e));
		g->nheld--;
	}
	for (i = g->nheld; i > 0 && g->held[i - 1].t_ns > e->t_ns; i--)
		g->held[i] = g->held[i - 1];
	g->held[i] = *e;
	g->nheld++;
}

/* Feeds the held edges no later than horizon, oldest first. */
static void
release(struct gpio_link *g, int64_t horizon)
{
	int i, n = 0;

	while (n < g->nheld && g->held[n].t_ns <= horizon)
		n++;
	for (i = 0; i < n; i++)
		edge(g, &g->held[i]);
	memmove(g->held, g->held + n, (size_t)(g->nheld - n) * sizeof(*g->held));
	g->nheld -= n;
}

/*
 * Reads what waits. Every edge that happened before the read began is in
 * some line's queue by then, so edges up to that horizon go to the inputs
 * and decoders in time order; later ones wait for the next round.
 * Returns 1 if more may wait, 0 when drained, -1 when the chip is gone.
 */
static int
read_edges(struct gpio_link *g, int64_t *horizon, char *err, size_t errlen)
{
	struct gpio_edge ev[EDGES_MAX];
	int r, n, i;

	for (r = 0; r < READ_ROUNDS; r++) {
		*horizon = mono_ns();
		n = g->be->read(g->io, ev, EDGES_MAX, err, errlen);
		if (n < 0)
			return -1;
		for (i = 0; i < n; i++) {
			if (ev[i].t_ns > *horizon + FUTURE_NS) {
				if (!g->future_logged)
					log_warn("%s: edge timestamps are not "
					    "CLOCK_MONOTONIC (Linux before "
					    "5.7?); using the time read",
					    chip_name(g));
				g->future_logged = true;
				ev[i].t_ns = *horizon;
			}
			hold(g, &ev[i]);
		}
		release(g, *horizon);
		if (n < EDGES_MAX)
			return 0;
	}
	return 1;
}

/* ---- outputs ---------------------------------------------------------- */

static int
drive(struct gpio_link *g, struct gout *o, bool on, char *err, size_t errlen)
{
	if (g->be->set(g->io, o->line, on != o->active_low, err, errlen) < 0)
		return -1;
	if (o->on != on)
		log_debug("%s: %s", dev_name(g, o->dev), on ? "on" : "off");
	o->on = on;
	return 0;
}

/* A GPIO command is done when it returns: its answer is now. */
static void
cmd_reply(struct gpio_link *g, const struct msg_cmd *c, enum msg_cmd_status st,
    int64_t t_wire, const char *error)
{
	link_cmd_result(g->link, c, st, t_wire, mono_ns(), error);
}

static int
gpio_command(struct link *l, const struct msg_cmd *c)
{
	struct gpio_link *g = l->priv;
	struct gout *o = NULL;
	char err[CONF_PATH_MAX + 160];
	int64_t now = mono_ns(), t_wire;
	int i;

	for (i = 0; i < g->nout; i++)
		if (g->out[i].dev == c->h.dev)
			o = &g->out[i];
	if (o == NULL) {
		cmd_reply(g, c, CMD_FAILED, 0, "not an output on this link");
		return -1;
	}
	if (c->cmd > OUT_CMD_PULSE) {
		snprintf(err, sizeof(err), "unknown output command %u", c->cmd);
		cmd_reply(g, c, CMD_FAILED, 0, err);
		return -1;
	}
	if (c->cmd == OUT_CMD_PULSE && (c->value < 1 ||
	    c->value > MSG_PULSE_MAX_MS)) {
		snprintf(err, sizeof(err), "pulse of %u ms is out of range "
		    "1..%d", c->value, MSG_PULSE_MAX_MS);
		cmd_reply(g, c, CMD_FAILED, 0, err);
		return -1;
	}
	if (c->expires_ns != 0 && now > c->expires_ns) {
		cmd_reply(g, c, CMD_EXPIRED, 0, "arrived after it expired");
		return -1;
	}
	if (g->io == NULL) {
		cmd_reply(g, c, CMD_OFFLINE, 0, "chip not open");
		return -1;
	}
	t_wire = mono_ns();
	if (drive(g, o, c->cmd != OUT_CMD_OFF, err, sizeof(err)) < 0) {
		cmd_reply(g, c, CMD_FAILED, t_wire, err);
		lose_chip(g, mono_ns(), err);
		return -1;
	}
	o->pulse_end_ns = c->cmd == OUT_CMD_PULSE ?
	    t_wire + (int64_t)c->value * NS_PER_MS : 0;
	cmd_reply(g, c, CMD_OK, t_wire, "");
	return 0;
}

/* ---- the link ops ----------------------------------------------------- */

static int
gpio_open(struct link *l)
{
	const struct site_conf *site = l->site;
	struct gpio_link *g;
	int d;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		log_err("%s: out of memory", l->conf->name);
		return -1;
	}
	g->link = l;
	g->be = l->conf->gpio_sim ? &gpio_backend_sim : &gpio_backend_chip;
	link_retry_init(&g->retry);
	for (d = 0; d < site->ndevices; d++) {
		const struct device_conf *dc = &site->devices[d];

		if (dc->link != l->index)
			continue;
		switch (dc->kind) {
		case DEV_INPUT:
			g->in[g->nin++] = (struct gin){ .dev = d,
			    .line = (unsigned)dc->gpio_line,
			    .active_low = dc->active_low,
			    .debounce_ns = (int64_t)dc->debounce_ms * NS_PER_MS };
			break;
		case DEV_OUTPUT:
			g->out[g->nout++] = (struct gout){ .dev = d,
			    .line = (unsigned)dc->gpio_line,
			    .active_low = dc->active_low };
			break;
		case DEV_READER:
			g->wg[g->nwg].dev = d;
			g->wg[g->nwg].d0 = (unsigned)dc->gpio_d0;
			g->wg[g->nwg].d1 = (unsigned)dc->gpio_d1;
			wiegand_init(&g->wg[g->nwg].w, 0);
			g->nwg++;
			break;
		default:
			log_err("%s: device %s is of a kind a gpio link "
			    "cannot serve", l->conf->name, dc->name);
			free(g);
			return -1;
		}
	}
	l->priv = g;
	try_open(g, mono_ns());
	return 0;
}

static int
gpio_fd(struct link *l)
{
	struct gpio_link *g = l->priv;

	return g->io != NULL ? g->be->fd(g->io) : -1;
}

static int64_t
gpio_service(struct link *l, int64_t now, short revents)
{
	struct gpio_link *g = l->priv;
	struct wiegand_result res;
	char err[CONF_PATH_MAX + 160];
	int64_t next = now + IDLE_WAKE_NS, horizon = now, t;
	int i, more = 0;

	(void)revents;	/* read() finds out whether anything waits */
	if (g->io == NULL) {
		if (now < g->retry.at_ns)
			return g->retry.at_ns;
		try_open(g, now);
		if (g->io == NULL)
			return g->retry.at_ns;
	}
	if ((more = read_edges(g, &horizon, err, sizeof(err))) < 0) {
		lose_chip(g, now, err);
		return g->retry.at_ns;
	}
	now = mono_ns();
	/* Pulses end here, whatever the engine does meanwhile. */
	for (i = 0; i < g->nout; i++) {
		struct gout *o = &g->out[i];

		if (o->pulse_end_ns == 0)
			continue;
		if (now >= o->pulse_end_ns) {
			o->pulse_end_ns = 0;
			if (drive(g, o, false, err, sizeof(err)) < 0) {
				lose_chip(g, now, err);
				return g->retry.at_ns;
			}
		} else if (o->pulse_end_ns < next) {
			next = o->pulse_end_ns;
		}
	}
	/* Inputs that have settled since their last edge. */
	for (i = 0; i < g->nin; i++) {
		struct gin *in = &g->in[i];
		bool active = in->level != in->active_low;

		if (in->sent && in->sent_active == active)
			continue;
		t = in->changed_ns + in->debounce_ns;
		if (now >= t)
			emit_input(g, in);
		else if (t < next)
			next = t;
	}
	/* Frames whose gap has passed: only up to what has been read. */
	for (i = 0; i < g->nwg; i++) {
		struct gwg *r = &g->wg[i];

		if (wiegand_expire(&r->w, horizon, &res) == 1)
			emit_wiegand(g, r, &res);
		if ((t = wiegand_deadline(&r->w)) < next)
			next = t;
	}
	if (g->nheld > 0 && now + HOLD_WAKE_NS < next)
		next = now + HOLD_WAKE_NS;
	return more ? now : next;
}

static void
gpio_close(struct link *l)
{
	struct gpio_link *g = l->priv;
	char err[CONF_PATH_MAX + 160];
	int i;

	if (g == NULL)
		return;
	if (g->io != NULL) {
		/* Nothing stays energised behind a worker that stops. */
		for (i = 0; i < g->nout; i++)
			if (g->out[i].on && drive(g, &g->out[i], false, err,
			    sizeof(err)) < 0)
				log_err("%s: %s", dev_name(g, g->out[i].dev), err);
		g->be->close(g->io);
	}
	free(g);
	l->priv = NULL;
}

const struct link_ops link_gpio_ops = {
	.type = "gpio",
	.open = gpio_open,
	.fd = gpio_fd,
	.service = gpio_service,
	.command = gpio_command,
	.close = gpio_close,
};
