/*
 * lobbysim's simulated GPIO chips: one listening socket per "sim" gpio link
 * (protocol in drivers/gpio.h). Control commands set contact inputs, play
 * Wiegand frames as timed edges (good, bad parity, short, with glitches or
 * noise), and report what the outputs did.
 */
#include "sim.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/util.h"
#include "../drivers/gpio.h"

#define QMAX		4096		/* edges scheduled at once */
#define WG_PULSE_NS	(50 * 1000LL)	/* a Wiegand bit: 50 us low */
#define WG_PERIOD_NS	(2 * NS_PER_MS)	/* ... every 2 ms */
#define WG_GLITCH_NS	(5 * 1000LL)	/* a glitch: 5 us low */
#define WG_SHORT_BITS	20

struct sched_edge {
	unsigned	line;
	bool		level;
	int64_t		due_ns;
};

struct sim_gpio {
	int		lfd;		/* listening, -1 if not */
	int		cfd;		/* the worker, -1 if none */
	char		path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool		ready;		/* the worker's request is served */
	bool		req_in[CONF_GPIO_LINES];
	bool		req_out[CONF_GPIO_LINES];
	bool		level[CONF_GPIO_LINES];	/* physical */
	bool		off_level[CONF_GPIO_LINES];	/* outputs, at rest */
	struct sched_edge q[QMAX];	/* by due time */
	int		nq;
	uint64_t	edges_sent;
	/* outputs: completed on-periods, the last one's length */
	uint32_t	pulses[CONF_GPIO_LINES];
	int64_t		on_since[CONF_GPIO_LINES];
	int64_t		last_on_ms[CONF_GPIO_LINES];
};

/* The chip's socket at path, listening for the worker: one that an earlier
 * run left is replaced, anything else is not. -1 logged (link NAME). */
static int
chip_listen(const char *name, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	str_copy(sa.sun_path, path, sizeof(sa.sun_path));
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_err("%s: %s exists and is not a socket", name, path);
			return -1;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4) < 0) {
		log_err("%s: %s: %s", name, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int
sim_gpio_open(struct sim *sim, struct sim_link *l)
{
	const struct site_conf *site = &sim->site;
	struct sim_gpio *g;
	int d;

	if (!l->conf->gpio_sim) {
		log_err("%s: a real GPIO chip (%s); lobbysim plays only "
		    "\"sim\" gpio links", l->conf->name, l->conf->chip);
		return -1;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		log_err("%s: out of memory", l->conf->name);
		return -1;
	}
	g->lfd = g->cfd = -1;
	for (d = 0; d < site->ndevices; d++) {
		const struct device_conf *dc = &site->devices[d];

		if (dc->link != l->index)
			continue;
		if (dc->kind == DEV_INPUT)
			g->level[dc->gpio_line] = dc->active_low;
		else if (dc->kind == DEV_OUTPUT)
			g->level[dc->gpio_line] = g->off_level[dc->gpio_line] =
			    dc->active_low;
		else if (dc->kind == DEV_READER)	/* Wiegand idles high */
			g->level[dc->gpio_d0] = g->level[dc->gpio_d1] = true;
	}
	str_copy(g->path, l->conf->path, sizeof(g->path));
	if ((g->lfd = chip_listen(l->conf->name, g->path)) < 0) {
		free(g);
		return -1;
	}
	l->gpio = g;
	return 0;
}

/* The worker is gone: its outputs fall back to rest, as a relay board's
 * pull resistors make them. */
static void
drop_client(struct sim_gpio *g, int64_t now)
{
	unsigned i;

	if (g->cfd < 0)
		return;
	close(g->cfd);
	g->cfd = -1;
	g->ready = false;
	for (i = 0; i < CONF_GPIO_LINES; i++) {
		if (g->req_out[i] && g->level[i] != g->off_level[i]) {
			g->level[i] = g->off_level[i];
			g->pulses[i]++;
			g->last_on_ms[i] = (now - g->on_since[i]) / NS_PER_MS;
		}
		g->req_in[i] = g->req_out[i] = false;
	}
}

void
sim_gpio_close(struct sim_link *l)
{
	struct sim_gpio *g = l->gpio;
	struct stat st;

	if (g == NULL)
		return;
	drop_client(g, mono_ns());
	if (g->lfd >= 0) {
		close(g->lfd);
		if (lstat(g->path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(g->path);
	}
	free(g);
	l->gpio = NULL;
}

int
sim_gpio_fd(const struct sim_link *l, int which)
{
	if (l->gpio == NULL)
		return -1;
	return which == 0 ? l->gpio->lfd : l->gpio->cfd;
}

static int
send_msg(struct sim_gpio *g, enum gpio_sim_type type, unsigned line,
    bool value, int64_t t_ns, const char *text)
{
	struct gpio_sim_msg m;

	memset(&m, 0, sizeof(m));
	m.type = (uint16_t)type;
	m.line = (uint16_t)line;
	m.value = value;
	m.t_ns = t_ns;
	if (text != NULL)
		str_copy(m.text, text, sizeof(m.text));
	return send(g->cfd, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT) ==
	    (ssize_t)sizeof(m) ? 0 : -1;
}

static void
set_output(struct sim *sim, struct sim_link *l, unsigned line, bool level,
    int64_t now)
{
	struct sim_gpio *g = l->gpio;
	bool was_on = g->level[line] != g->off_level[line];
	bool on = level != g->off_level[line];

	g->level[line] = level;
	if (on && !was_on)
		g->on_since[line] = now;
	if (!on && was_on) {
		g->pulses[line]++;
		g->last_on_ms[line] = (now - g->on_since[line]) / NS_PER_MS;
	}
	if (sim->verbose && on != was_on)
		log_info("%s: line %u %s", l->conf->name, line, on ? "on" : "off");
}

static void
client_input(struct sim *sim, struct sim_link *l)
{
	struct sim_gpio *g = l->gpio;
	struct gpio_sim_msg m;
	int64_t now = mono_ns();
	ssize_t n;
	unsigned i;

	for (;;) {
		n = recv(g->cfd, &m, sizeof(m), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n != (ssize_t)sizeof(m) || m.line >= CONF_GPIO_LINES) {
			if (n != 0)
				log_warn("%s: bad message from the worker; "
				    "dropping it", l->conf->name);
			drop_client(g, now);
			return;
		}
		switch (m.type) {
		case GSIM_REQUEST:
			if (g->ready || g->req_in[m.line] || g->req_out[m.line]) {
				send_msg(g, GSIM_ERROR, m.line, 0, 0,
				    g->ready ? "request after ready" :
				    "line requested twice");
				drop_client(g, now);
				return;
			}
			if (m.dir == 0) {
				g->req_in[m.line] = true;
			} else {
				g->req_out[m.line] = true;
				set_output(sim, l, m.line, m.value != 0, now);
			}
			break;
		case GSIM_READY:
			for (i = 0; i < CONF_GPIO_LINES; i++)
				if (g->req_in[i] && send_msg(g, GSIM_LEVEL, i,
				    g->level[i], 0, NULL) < 0)
					break;
			send_msg(g, GSIM_READY, 0, 0, 0, NULL);
			g->ready = true;
			if (sim->verbose)
				log_info("%s: worker connected", l->conf->name);
			break;
		case GSIM_SET:
			if (!g->ready || !g->req_out[m.line]) {
				log_warn("%s: set of line %u, not a requested "
				    "output; dropping the worker", l->conf->name,
				    m.line);
				drop_client(g, now);
				return;
			}
			set_output(sim, l, m.line, m.value != 0, now);
			break;
		default:
			log_warn("%s: message type %u from the worker; dropping "
			    "it", l->conf->name, m.type);
			drop_client(g, now);
			return;
		}
	}
}

void
sim_gpio_input(struct sim *sim, struct sim_link *l, int which)
{
	struct sim_gpio *g = l->gpio;
	int fd;

	if (which == 1) {
		client_input(sim, l);
		return;
	}
	if ((fd = accept4(g->lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return;
	/* A new worker takes the chip: the old one is gone or going. */
	drop_client(g, mono_ns());
	g->cfd = fd;
}

/* Sends the edges that are due; returns the next due time, or -1. */
int64_t
sim_gpio_tick(struct sim *sim, int64_t now)
{
	int64_t next = -1;
	int i, k;

	for (i = 0; i < sim->site.nlinks; i++) {
		struct sim_gpio *g = sim->links[i].gpio;

		if (g == NULL)
			continue;
		for (k = 0; k < g->nq && g->q[k].due_ns <= now; k++) {
			const struct sched_edge *e = &g->q[k];

			if (g->level[e->line] == e->level)
				continue;
			g->level[e->line] = e->level;
			if (g->cfd >= 0 && g->ready && g->req_in[e->line] &&
			    send_msg(g, GSIM_EDGE, e->line, e->level, e->due_ns,
			    NULL) == 0)
				g->edges_sent++;
		}
		memmove(g->q, g->q + k, (size_t)(g->nq - k) * sizeof(*g->q));
		g->nq -= k;
		if (g->nq > 0 && (next < 0 || g->q[0].due_ns < next))
			next = g->q[0].due_ns;
	}
	return next;
}

static int
schedule(struct sim_gpio *g, unsigned line, bool level, int64_t due)
{
	int i;

	if (g->nq == QMAX)
		return -1;
	for (i = g->nq; i > 0 && g->q[i - 1].due_ns > due; i--)
		g->q[i] = g->q[i - 1];
	g->q[i] = (struct sched_edge){ .line = line, .level = level,
	    .due_ns = due };
	g->nq++;
	return 0;
}

/* The level a line will have once everything scheduled has happened. */
static bool
final_level(const struct sim_gpio *g, unsigned line)
{
	bool v = g->level[line];

	for (int i = 0; i < g->nq; i++)
		if (g->q[i].line == line)
			v = g->q[i].level;
	return v;
}

/* ---- control commands ------------------------------------------------ */

static int
find_dev(struct sim *sim, const char *name, enum device_kind kind,
    char *out, size_t size)
{
	int d = config_device_index(&sim->site, name);

	if (d < 0 || sim->site.devices[d].kind != kind ||
	    sim->site.links[sim->site.devices[d].link].type != LINK_GPIO ||
	    sim->links[sim->site.devices[d].link].gpio == NULL) {
		str_printf(out, size, "error no gpio %s \"%s\"", kind == DEV_INPUT ?
		    "input" : kind == DEV_OUTPUT ? "output" : "wiegand reader",
		    name);
		return -1;
	}
	return d;
}

/*
 * The bits of a Wiegand frame for the data in hex: 6 digits make 26 bits,
 * 8 make 34, 9 make 37 (the data bits are 24, 32 or 35). Parity as
 * drivers/wiegand.h lays it out. Returns the bit count, 0 if hex is bad.
 */
static int
wiegand_bits(const char *hex, bool bits[40])
{
	size_t n = strlen(hex), i;
	int nbits, ndata, even_last, odd_first, ones, k;
	uint64_t data = 0;

	if (n == 6)
		nbits = 26, even_last = 13, odd_first = 14;
	else if (n == 8)
		nbits = 34, even_last = 17, odd_first = 18;
	else if (n == 9)
		nbits = 37, even_last = 19, odd_first = 19;
	else
		return 0;
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)hex[i]))
			return 0;
		data = data << 4 | (uint64_t)(isdigit((unsigned char)hex[i]) ?
		    hex[i] - '0' : (tolower((unsigned char)hex[i]) - 'a' + 10));
	}
	ndata = nbits - 2;
	if (data >> ndata != 0)
		return 0;	/* 37 bits: 35 data bits, the top digit <= 7 */
	for (k = 0; k < ndata; k++)	/* bit 2 is the data's top bit */
		bits[2 + k] = (data >> (ndata - 1 - k)) & 1;
	for (ones = 0, k = 2; k <= even_last; k++)
		ones += bits[k];
	bits[1] = ones & 1;			/* even */
	for (ones = 0, k = odd_first; k < nbits; k++)
		ones += bits[k];
	bits[nbits] = !(ones & 1);		/* odd */
	return nbits;
}

static void
cmd_wiegand(struct sim *sim, int argc, char **argv, char *out, size_t size)
{
	static const char *const modes[] = { "good", "parity", "short",
	    "glitch", "noise", NULL };
	const struct device_conf *dc;
	struct sim_gpio *g;
	bool bits[40] = { false };
	int d, nbits, mode = 0, sent, i, qn;
	int64_t t;

	if (argc < 3 || argc > 4) {
		str_printf(out, size, "error usage: wiegand READER HEX "
		    "[good|parity|short|glitch|noise]");
		return;
	}
	if ((d = find_dev(sim, argv[1], DEV_READER, out, size)) < 0)
		return;
	if (argc == 4) {
		for (mode = 0; modes[mode] != NULL; mode++)
			if (strcmp(argv[3], modes[mode]) == 0)
				break;
		if (modes[mode] == NULL) {
			str_printf(out, size, "error wiegand: mode \"%.32s\" is not "
			    "good, parity, short, glitch or noise", argv[3]);
			return;
		}
	}
	if ((nbits = wiegand_bits(argv[2], bits)) == 0) {
		str_printf(out, size, "error wiegand: HEX must be 6, 8 or 9 "
		    "hex digits (26, 34 or 37 bits; 9 digits at most 7FFFFFFFF), "
		    "got \"%.40s\"", argv[2]);
		return;
	}
	dc = &sim->site.devices[d];
	g = sim->links[dc->link].gpio;
	if (mode == 1)
		bits[1] = !bits[1];	/* the even parity bit, wrong */
	sent = mode == 2 ? WG_SHORT_BITS : nbits;
	qn = g->nq;
	/* Start after anything still being played on these lines. */
	t = mono_ns() + NS_PER_MS;
	for (i = 0; i < g->nq; i++)
		if ((g->q[i].line == (unsigned)dc->gpio_d0 ||
		    g->q[i].line == (unsigned)dc->gpio_d1) &&
		    g->q[i].due_ns + 50 * NS_PER_MS > t)
			t = g->q[i].due_ns + 50 * NS_PER_MS;
	for (i = 1; i <= sent; i++, t += WG_PERIOD_NS) {
		unsigned line = (unsigned)(bits[i] ? dc->gpio_d1 : dc->gpio_d0);
		unsigned other = (unsigned)(bits[i] ? dc->gpio_d0 : dc->gpio_d1);
		int rc = schedule(g, line, false, t) |
		    schedule(g, line, true, t + WG_PULSE_NS);

		if (mode == 3)	/* a glitch on the other line between bits */
			rc |= schedule(g, other, false, t + WG_PERIOD_NS / 2) |
			    schedule(g, other, true, t + WG_PERIOD_NS / 2 +
			    WG_GLITCH_NS);
		if (mode == 4 && i == nbits / 2)	/* both lines low */
			rc |= schedule(g, other, false, t + WG_PULSE_NS / 4) |
			    schedule(g, other, true, t + WG_PULSE_NS * 2);
		if (rc != 0) {
			g->nq = qn;	/* queue full: nothing of it */
			str_printf(out, size, "error wiegand: too much already "
			    "scheduled on %s", sim->site.links[dc->link].name);
			return;
		}
	}
	if (sim->verbose)
		log_info("%s: wiegand %s, %d of %d bits (%s)", dc->name,
		    argv[2], sent, nbits, modes[mode]);
	str_printf(out, size, "ok %d", sent);
}

static void
cmd_input(struct sim *sim, int argc, char **argv, char *out, size_t size)
{
	const struct device_conf *dc;
	struct sim_gpio *g;
	bool active, level;
	long n = 0, ms = 0;
	int d, i;
	int64_t t;

	if ((strcmp(argv[0], "input") == 0 && argc != 3) ||
	    (strcmp(argv[0], "bounce") == 0 && argc != 4)) {
		str_printf(out, size, "error usage: input DEV active|inactive "
		    "| bounce DEV N MS");
		return;
	}
	if ((d = find_dev(sim, argv[1], DEV_INPUT, out, size)) < 0)
		return;
	dc = &sim->site.devices[d];
	g = sim->links[dc->link].gpio;
	t = mono_ns();
	if (strcmp(argv[0], "bounce") == 0) {
		char *end;

		n = strtol(argv[2], &end, 10);
		if (*end != '\0' || n < 1 || n > 100) {
			str_printf(out, size, "error bounce: N must be 1..100");
			return;
		}
		ms = strtol(argv[3], &end, 10);
		if (*end != '\0' || ms < 1 || ms > 10000) {
			str_printf(out, size, "error bounce: MS must be 1..10000");
			return;
		}
		/* N changes MS apart: an even N ends where it began. */
		level = final_level(g, (unsigned)dc->gpio_line);
		for (i = 0; i < n; i++) {
			level = !level;
			if (schedule(g, (unsigned)dc->gpio_line, level,
			    t + i * ms * NS_PER_MS) < 0) {
				str_printf(out, size, "error bounce: queue full");
				return;
			}
		}
		str_printf(out, size, "ok");
		return;
	}
	if (strcmp(argv[2], "active") != 0 && strcmp(argv[2], "inactive") != 0) {
		str_printf(out, size, "error input: say active or inactive, "
		    "not \"%.32s\"", argv[2]);
		return;
	}
	active = strcmp(argv[2], "active") == 0;
	if (schedule(g, (unsigned)dc->gpio_line, active != dc->active_low,
	    t) < 0) {
		str_printf(out, size, "error input: queue full");
		return;
	}
	if (sim->verbose)
		log_info("%s: %s", dc->name, argv[2]);
	str_printf(out, size, "ok");
}

static void
cmd_output(struct sim *sim, int argc, char **argv, char *out, size_t size)
{
	const struct device_conf *dc;
	struct sim_gpio *g;
	unsigned line;
	int d;

	if (argc != 2) {
		str_printf(out, size, "error usage: output DEV");
		return;
	}
	if ((d = find_dev(sim, argv[1], DEV_OUTPUT, out, size)) < 0)
		return;
	dc = &sim->site.devices[d];
	g = sim->links[dc->link].gpio;
	line = (unsigned)dc->gpio_line;
	str_printf(out, size, "ok on=%d level=%d pulses=%" PRIu32 " last_ms=%" PRId64
	    " requested=%d", g->level[line] != g->off_level[line],
	    g->level[line], g->pulses[line], g->last_on_ms[line],
	    g->req_out[line]);
}

static void
cmd_chip(struct sim *sim, int argc, char **argv, char *out, size_t size)
{
	int li;
	struct sim_gpio *g;

	if (argc != 2) {
		str_printf(out, size, "error usage: gpio LINK");
		return;
	}
	li = config_link_index(&sim->site, argv[1]);
	if (li < 0 || (g = sim->links[li].gpio) == NULL) {
		str_printf(out, size, "error no gpio link \"%.40s\"", argv[1]);
		return;
	}
	str_printf(out, size, "ok connected=%d edges=%" PRIu64 " scheduled=%d",
	    g->cfd >= 0 && g->ready, g->edges_sent, g->nq);
}

bool
sim_gpio_ctl(struct sim *sim, int argc, char **argv, char *out, size_t size)
{
	if (strcmp(argv[0], "wiegand") == 0)
		cmd_wiegand(sim, argc, argv, out, size);
	else if (strcmp(argv[0], "input") == 0 || strcmp(argv[0], "bounce") == 0)
		cmd_input(sim, argc, argv, out, size);
	else if (strcmp(argv[0], "output") == 0)
		cmd_output(sim, argc, argv, out, size);
	else if (strcmp(argv[0], "gpio") == 0)
		cmd_chip(sim, argc, argv, out, size);
	else
		return false;
	return true;
}
