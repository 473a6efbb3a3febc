/*
 * lobbysim's control socket and its command interpreter (cards, garbage,
 * jams, mutes, passages, counters, write logs), and "lobbysim ctl", the
 * matching one-shot client.
 */
#include "simctl.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "sim.h"

#define CTL_MAX_ARGS	8

static const struct linectl_conf sim_ctl_conf = {
	.prog = "lobbysim",
	.rival = "lobbysim",
	.line = 1024,
	.reply = 64 + SIM_WLOG * 32,	/* room for a full "writes" */
	.clients = 16,
	.send_wait_ms = 1000,
	.reply_wait_ms = 10000,
};

/* ---- arguments ---- */

bool
sim_parse_long(const char *s, long min, long max, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *v >= min && *v <= max;
}

static uint64_t
rng_next(struct sim *sim)
{
	/* xorshift64*: deterministic, so a seeded garbage run repeats. */
	sim->rng ^= sim->rng >> 12;
	sim->rng ^= sim->rng << 25;
	sim->rng ^= sim->rng >> 27;
	return sim->rng * 0x2545f4914f6cdd1dULL;
}

static struct sim_ts *
find_ts(struct sim *sim, const char *name, char *out, size_t size)
{
	int d = config_device_index(&sim->site, name);

	if (d < 0) {
		str_printf(out, size, "error no device \"%s\"", name);
		return NULL;
	}
	if (!sim->ts[d].used) {
		str_printf(out, size, "error %s is not a turnstile", name);
		return NULL;
	}
	return &sim->ts[d];
}

static struct sim_link *
find_reader(struct sim *sim, const char *name, char *out, size_t size)
{
	int d = config_device_index(&sim->site, name);
	int l = -1;

	if (d >= 0 && sim->site.devices[d].kind == DEV_READER)
		l = sim->site.devices[d].link;
	else if (d < 0)
		l = config_link_index(&sim->site, name);
	if (l < 0 || l >= sim->site.nlinks ||
	    sim->site.links[l].type != LINK_SERIAL_READER ||
	    sim->links[l].conf == NULL) {
		str_printf(out, size, "error no card reader \"%s\"", name);
		return NULL;
	}
	return &sim->links[l];
}

static void
cmd_reader(struct sim *sim, int argc, char **argv, char *out, size_t size)
{
	uint8_t buf[SIM_FRAME_MAX];
	char err[256];
	struct sim_link *l;
	size_t i, n;
	long v;

	if (argc != 3 && !(argc == 4 && strcmp(argv[0], "garbage") == 0)) {
		str_printf(out, size, "error usage: %s READER %s", argv[0],
		    strcmp(argv[0], "card") == 0 ? "UID" :
		    strcmp(argv[0], "raw") == 0 ? "HEX" : "N [SEED]");
		return;
	}
	if ((l = find_reader(sim, argv[1], out, size)) == NULL)
		return;
	if (strcmp(argv[0], "card") == 0) {
		if (sim_reader_card(l, argv[2], err, sizeof(err)) == -1) {
			str_printf(out, size, "error %s", err);
			return;
		}
		if (sim->verbose)
			log_info("%s: card %s", argv[1], argv[2]);
		str_printf(out, size, "ok");
		return;
	}
	if (strcmp(argv[0], "garbage") == 0) {
		if (!sim_parse_long(argv[2], 1, SIM_FRAME_MAX, &v)) {
			str_printf(out, size, "error garbage: N must be 1..%d, got "
			    "\"%s\"", SIM_FRAME_MAX, argv[2]);
			return;
		}
		if (argc == 4) {
			long seed;

			if (!sim_parse_long(argv[3], 1, LONG_MAX, &seed)) {
				str_printf(out, size, "error garbage: SEED must be a "
				    "positive integer, got \"%s\"", argv[3]);
				return;
			}
			sim->rng = (uint64_t)seed;
		}
		n = (size_t)v;
		for (i = 0; i < n; i++)
			buf[i] = (uint8_t)(rng_next(sim) >> 56);
	} else {
		const char *h = argv[2];
		size_t hl = strlen(h);

		if (hl == 0 || hl % 2 != 0 || hl / 2 > SIM_FRAME_MAX) {
			str_printf(out, size, "error raw: HEX must be an even number "
			    "of hex digits (at most %d bytes)", SIM_FRAME_MAX);
			return;
		}
		n = hl / 2;
		for (i = 0; i < n; i++) {
			int hi = hex_digit(h[2 * i]);
			int lo = hex_digit(h[2 * i + 1]);

			if (hi < 0 || lo < 0) {
				str_printf(out, size, "error raw: \"%c%c\" at byte %zu "
				    "is not hex", h[2 * i], h[2 * i + 1], i);
				return;
			}
			buf[i] = (uint8_t)(hi << 4 | lo);
		}
	}
	if (sim_reader_write(l, buf, n, err, sizeof(err)) == -1) {
		str_printf(out, size, "error %s", err);
		return;
	}
	if (sim->verbose)
		log_info("%s: %s, %zu bytes", argv[1], argv[0], n);
	str_printf(out, size, "ok %zu", n);
}

static void
cmd_status(struct sim_ts *ts, char *out, size_t size)
{
	str_printf(out, size, "ok state=%s entry=%" PRIu32 " exit=%" PRIu32
	    " fault=%u muted=%d writes=%" PRIu64, sim_ts_state_name(ts->state),
	    ts->entry, ts->exit, ts->fault, ts->muted, ts->nwrites);
}

/* The last up to MAX accepted command writes, oldest first. */
static void
cmd_writes(struct sim_ts *ts, uint64_t max, char *out, size_t size)
{
	uint64_t n = ts->nwrites < max ? ts->nwrites : max;
	uint64_t i;
	size_t off;

	off = (size_t)snprintf(out, size, "ok %" PRIu64, n);
	for (i = ts->nwrites - n; i < ts->nwrites && off < size; i++) {
		const struct sim_write *w = &ts->wlog[i % SIM_WLOG];

		off += (size_t)snprintf(out + off, size - off, " %" PRId64 ":%s",
		    w->t_ns, sim_ts_cmd_name(w->cmd));
	}
}

static void
cmd_link_stats(struct sim *sim, const char *name, char *out, size_t size)
{
	int li = config_link_index(&sim->site, name), i, nc = 0;
	struct sim_link *l;

	if (li < 0 || sim->links[li].conf == NULL) {
		str_printf(out, size, "error no link \"%s\"", name);
		return;
	}
	l = &sim->links[li];
	if (l->conf->type == LINK_MODBUS_TCP)
		for (i = 0; i < SIM_MAX_CONNS; i++)
			nc += l->conns[i].fd != -1;
	if (l->conf->type == LINK_MODBUS_TCP)
		str_printf(out, size, "ok frames=%" PRIu64 " clients=%d listening=%d",
		    l->frames, nc, l->lfd != -1);
	else if (l->conf->type == LINK_MODBUS_RTU)
		str_printf(out, size, "ok frames=%" PRIu64 " bad_crc=%" PRIu64
		    " dropped=%" PRIu64, l->frames, l->bad_crc, l->dropped);
	else
		str_printf(out, size, "ok path=%s slave=%s", l->conf->path,
		    l->pty.slave_name);
}

/* Turnstile commands: DEV is argv[1]. */
static void
cmd_ts(struct sim *sim, int argc, char **argv, char *out, size_t size)
{
	const char *c = argv[0];
	struct sim_ts *ts;
	long v;

	if (argc < 2) {
		str_printf(out, size, "error usage: %s DEV ...", c);
		return;
	}
	if ((ts = find_ts(sim, argv[1], out, size)) == NULL)
		return;
	if (ts->input && strcmp(c, "mute") != 0 && strcmp(c, "unmute") != 0) {
		str_printf(out, size, "error %s is an input: input DEV [on|off], "
		    "mute, unmute", argv[1]);
		return;
	}
	if (strcmp(c, "status") == 0 && argc == 2) {
		cmd_status(ts, out, size);
	} else if (strcmp(c, "writes") == 0 && argc <= 3) {
		v = SIM_WLOG_SHOWN;
		if (argc == 3 && !sim_parse_long(argv[2], 1, SIM_WLOG, &v)) {
			str_printf(out, size, "error writes: N must be 1..%d, got "
			    "\"%s\"", SIM_WLOG, argv[2]);
			return;
		}
		cmd_writes(ts, (uint64_t)v, out, size);
	} else if (strcmp(c, "jam") == 0 && argc <= 3) {
		v = 17;
		if (argc == 3 && !sim_parse_long(argv[2], 1, 65535, &v)) {
			str_printf(out, size, "error jam: CODE must be 1..65535, got "
			    "\"%s\"", argv[2]);
			return;
		}
		sim_ts_jam(ts, (uint16_t)v);
		if (sim->verbose)
			log_info("%s: jammed, fault code %ld", ts->conf->name, v);
		str_printf(out, size, "ok");
	} else if (strcmp(c, "clear") == 0 && argc == 2) {
		sim_ts_clear(ts);
		if (sim->verbose)
			log_info("%s: fault cleared", ts->conf->name);
		str_printf(out, size, "ok");
	} else if ((strcmp(c, "mute") == 0 || strcmp(c, "unmute") == 0) &&
	    argc == 2) {
		struct sim_link *l = &sim->links[ts->conf->link];

		ts->muted = strcmp(c, "mute") == 0;
		if (sim->verbose)
			log_info("%s: %s", ts->conf->name, ts->muted ? "muted" :
			    "unmuted");
		if (l->conf->type == LINK_MODBUS_TCP &&
		    sim_tcp_update_mute(sim, l) == -1) {
			str_printf(out, size, "error %s: cannot listen again "
			    "on %s:%d", l->conf->name, l->conf->host, l->conf->port);
			return;
		}
		str_printf(out, size, "ok");
	} else if (strcmp(c, "passage") == 0 && argc == 3 &&
	    (strcmp(argv[2], "entry") == 0 || strcmp(argv[2], "exit") == 0)) {
		sim_ts_passage(ts, strcmp(argv[2], "entry") == 0);
		if (sim->verbose)
			log_info("%s: unauthorised passage %s", ts->conf->name,
			    argv[2]);
		str_printf(out, size, "ok");
	} else if (strcmp(c, "nopass") == 0 && argc == 3 &&
	    (strcmp(argv[2], "on") == 0 || strcmp(argv[2], "off") == 0)) {
		ts->nopass = strcmp(argv[2], "on") == 0;
		str_printf(out, size, "ok");
	} else if (strcmp(c, "set") == 0 && argc == 4 &&
	    strcmp(argv[2], "pass_delay_ms") == 0) {
		if (!sim_parse_long(argv[3], 0, 600000, &v)) {
			str_printf(out, size, "error set: pass_delay_ms must "
			    "be 0..600000, got \"%s\"", argv[3]);
			return;
		}
		ts->pass_delay_ms = (int)v;
		str_printf(out, size, "ok");
	} else if (strcmp(c, "set") == 0 && argc == 4 &&
	    (strcmp(argv[2], "entry") == 0 || strcmp(argv[2], "exit") == 0)) {
		long long cnt;
		char *end;

		errno = 0;
		cnt = strtoll(argv[3], &end, 10);
		if (errno != 0 || end == argv[3] || *end != '\0' || cnt < 0 ||
		    cnt > UINT32_MAX) {
			str_printf(out, size, "error set: %s counter must be "
			    "0..4294967295, got \"%s\"", argv[2], argv[3]);
			return;
		}
		if (strcmp(argv[2], "entry") == 0)
			ts->entry = (uint32_t)cnt;
		else
			ts->exit = (uint32_t)cnt;
		sim_ts_publish(ts);
		str_printf(out, size, "ok");
	} else if (strcmp(c, "set") == 0) {
		str_printf(out, size, "error usage: set DEV pass_delay_ms|entry|exit N");
	} else if (strcmp(c, "passage") == 0) {
		str_printf(out, size, "error usage: passage DEV entry|exit");
	} else if (strcmp(c, "nopass") == 0) {
		str_printf(out, size, "error usage: nopass DEV on|off");
	} else if (strcmp(c, "jam") == 0) {
		str_printf(out, size, "error usage: jam DEV [CODE]");
	} else {
		str_printf(out, size, "error usage: %s DEV", c);
	}
}

/* Is "input DEV ..." about a contact on a simulated GPIO chip? */
static bool
input_on_gpio(const struct sim *sim, int argc, char **argv)
{
	int d = argc > 1 ? config_device_index(&sim->site, argv[1]) : -1;

	return d >= 0 && sim->site.links[sim->site.devices[d].link].type == LINK_GPIO;
}

/* Runs one control line; the reply goes to out without a newline. */
static void
ctl_execute(void *arg, char *line, char *out, size_t size)
{
	struct sim_ctl *ctl = arg;
	struct sim *sim = ctl->sim;
	char *argv[CTL_MAX_ARGS + 1], *tok, *save = NULL;
	int argc = 0;

	for (tok = strtok_r(line, " \t\r", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t\r", &save)) {
		if (argc == CTL_MAX_ARGS) {
			str_printf(out, size, "error too many arguments");
			return;
		}
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	if (argc == 0) {
		str_printf(out, size, "error empty command");
		return;
	}
	if (sim->verbose)
		log_info("control: %s%s%s%s%s", argv[0], argc > 1 ? " " : "",
		    argc > 1 ? argv[1] : "", argc > 2 ? " " : "",
		    argc > 2 ? argv[2] : "");
	if (strcmp(argv[0], "ping") == 0 && argc == 1) {
		str_printf(out, size, "ok");
	} else if (strcmp(argv[0], "quit") == 0 && argc == 1) {
		ctl->quit = true;
		str_printf(out, size, "ok");
	} else if (strcmp(argv[0], "card") == 0 ||
	    strcmp(argv[0], "garbage") == 0 || strcmp(argv[0], "raw") == 0) {
		cmd_reader(sim, argc, argv, out, size);
	} else if (strcmp(argv[0], "input") == 0 && !input_on_gpio(sim, argc, argv)) {
		sim_input_cmd(sim, argc, argv, out, size);	/* Modbus: siminput.c */
	} else if (strcmp(argv[0], "stats") == 0 && argc == 2) {
		cmd_link_stats(sim, argv[1], out, size);
	} else if (strcmp(argv[0], "jam") == 0 || strcmp(argv[0], "clear") == 0 ||
	    strcmp(argv[0], "mute") == 0 || strcmp(argv[0], "unmute") == 0 ||
	    strcmp(argv[0], "passage") == 0 || strcmp(argv[0], "nopass") == 0 ||
	    strcmp(argv[0], "set") == 0 || strcmp(argv[0], "status") == 0 ||
	    strcmp(argv[0], "writes") == 0) {
		cmd_ts(sim, argc, argv, out, size);
	} else if (sim_gpio_ctl(sim, argc, argv, out, size)) {
		/* input, bounce, wiegand, output, gpio: simgpio.c */
	} else if (strcmp(argv[0], "icom") == 0) {
		sim_icom_ctl(sim, argc, argv, out, size);
	} else if (strcmp(argv[0], "elev") == 0) {
		sim_elev_ctl(sim, argc, argv, out, size);
	} else if (strcmp(argv[0], "idcard") == 0) {
		sim_idcard_ctl(sim, argc, argv, out, size);
	} else if (strcmp(argv[0], "ping") == 0 || strcmp(argv[0], "quit") == 0 ||
	    strcmp(argv[0], "stats") == 0) {
		str_printf(out, size, "error usage: %s%s", argv[0],
		    strcmp(argv[0], "stats") == 0 ? " LINK" : "");
	} else {
		str_printf(out, size, "error unknown command \"%.64s\" (commands: card "
		    "garbage raw jam clear mute unmute passage nopass set status "
		    "writes stats input bounce wiegand output gpio icom elev idcard "
		    "ping quit)",
		    argv[0]);
	}
}

/* ---- control socket ---- */

int
sim_ctl_open(struct sim_ctl *ctl, struct sim *sim, const char *path)
{
	ctl->sim = sim;
	ctl->quit = false;
	linectl_init(&ctl->lc, &sim_ctl_conf, ctl_execute, ctl);
	return linectl_open(&ctl->lc, path);
}

int
sim_ctl_client(int argc, char **argv)
{
	return linectl_client(&sim_ctl_conf, argv[0], argc - 1, argv + 1);
}
