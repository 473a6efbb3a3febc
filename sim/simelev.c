/*
 * lobbysim's elevator controllers: a car whose floor, direction, door, mode,
 * fault code and passenger alarm are set from the control socket and shown
 * through a Modbus mapping laid out by the controller's profile; every write
 * of the floor-enable registers is kept with its time and the whole mask.
 */
#include "sim.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"

static void __attribute__((format(printf, 3, 4)))
elev_reply(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

static void
elev_need(int sizes[4], const struct reg_point *pt, int n)
{
	int end = pt->addr + n;

	if (pt->set && end > sizes[pt->table])
		sizes[pt->table] = end;
}

static int
elev_regs(const struct elev_profile *p)
{
	return (p->floors + 15) / 16;
}

int
sim_elev_init(struct sim *sim, int dev)
{
	struct sim_ts *ts = &sim->ts[dev];
	struct sim_elev *el = &sim->elev[dev];
	const struct device_conf *d = &sim->site.devices[dev];
	const struct elev_profile *p;
	struct reg_point en = { .set = true, .table = REG_HOLDING };
	int sizes[4] = { 0, 0, 0, 0 };

	memset(ts, 0, sizeof(*ts));
	memset(el, 0, sizeof(*el));
	if (d->profile < 0 || d->profile >= sim->site.nprofiles ||
	    sim->site.profiles[d->profile].kind != PROFILE_ELEVATOR) {
		log_err("%s: no elevator profile", d->name);
		return -1;
	}
	p = &sim->site.profiles[d->profile].elev;
	elev_need(sizes, &p->floor, p->floor.width == 32 ? 2 : 1);
	elev_need(sizes, &p->dir, p->dir.width == 32 ? 2 : 1);
	elev_need(sizes, &p->door, p->door.width == 32 ? 2 : 1);
	elev_need(sizes, &p->mode, p->mode.width == 32 ? 2 : 1);
	elev_need(sizes, &p->fault_code, p->fault_code.width == 32 ? 2 : 1);
	elev_need(sizes, &p->trapped, p->trapped.width == 32 ? 2 : 1);
	en.addr = p->enable_addr;
	elev_need(sizes, &en, elev_regs(p));
	ts->map = modbus_mapping_new(sizes[REG_COIL], sizes[REG_DISCRETE],
	    sizes[REG_HOLDING], sizes[REG_INPUT]);
	if (ts->map == NULL) {
		log_err("%s: modbus mapping: %s", d->name, modbus_strerror(errno));
		return -1;
	}
	/* The turnstile slot carries the mapping, the unit and the mute. */
	ts->used = true;
	ts->dev = dev;
	ts->conf = d;
	ts->prof = &sim->site.profiles[d->profile];
	ts->state = TS_IDLE;
	ts->pending = -1;
	el->used = true;
	el->floor = 0;
	el->dir = ELEV_DIR_STOPPED;
	el->door = ELEV_DOOR_CLOSED;
	el->mode = ELEV_MODE_NORMAL;
	el->raw_mode = -1;
	sim_elev_publish(sim, dev);
	return 0;
}

static void
elev_put(modbus_mapping_t *m, const struct reg_point *pt, uint32_t v)
{
	uint16_t *r;

	if (!pt->set)
		return;
	switch (pt->table) {
	case REG_COIL:
		m->tab_bits[pt->addr] = v != 0;
		return;
	case REG_DISCRETE:
		m->tab_input_bits[pt->addr] = v != 0;
		return;
	case REG_INPUT:
	case REG_HOLDING:
		r = pt->table == REG_INPUT ? m->tab_input_registers :
		    m->tab_registers;
		if (pt->width == 32) {
			r[pt->addr] = (uint16_t)(v >> 16);
			r[pt->addr + 1] = (uint16_t)v;
		} else {
			r[pt->addr] = (uint16_t)v;
		}
		return;
	}
}

/* The raw value of state s, or that of fallback when the profile has none. */
static uint32_t
raw_of(const int32_t *vals, int s, int fallback)
{
	return (uint32_t)(vals[s] != ELEV_VALUE_UNSET ? vals[s] : vals[fallback]);
}

void
sim_elev_publish(struct sim *sim, int dev)
{
	const struct sim_ts *ts = &sim->ts[dev];
	const struct sim_elev *el = &sim->elev[dev];
	const struct elev_profile *p = &ts->prof->elev;

	elev_put(ts->map, &p->floor, (uint32_t)el->floor);
	elev_put(ts->map, &p->dir, raw_of(p->dir_value, el->dir, ELEV_DIR_STOPPED));
	elev_put(ts->map, &p->door, raw_of(p->door_value, el->door,
	    ELEV_DOOR_CLOSED));
	elev_put(ts->map, &p->mode, el->raw_mode >= 0 ? (uint32_t)el->raw_mode :
	    raw_of(p->mode_value, el->mode, ELEV_MODE_NORMAL));
	elev_put(ts->map, &p->fault_code, el->fault);
	elev_put(ts->map, &p->trapped, el->trapped);
}

void
sim_elev_writes(struct sim *sim, int dev, const uint8_t *pdu, size_t len,
    int64_t t_ns)
{
	const struct elev_profile *p = &sim->ts[dev].prof->elev;
	const modbus_mapping_t *m = sim->ts[dev].map;
	struct sim_elev *el = &sim->elev[dev];
	unsigned addr, n = 1, lo = p->enable_addr, hi;
	uint64_t mask = 0;

	if (len < 5 || (pdu[0] != 0x06 && pdu[0] != 0x10))
		return;
	addr = (unsigned)pdu[1] << 8 | pdu[2];
	if (pdu[0] == 0x10)
		n = (unsigned)pdu[3] << 8 | pdu[4];
	hi = lo + (unsigned)elev_regs(p);
	if (addr + n <= lo || addr >= hi || hi > (unsigned)m->nb_registers)
		return;
	for (unsigned i = 0; i < hi - lo; i++)
		mask |= (uint64_t)m->tab_registers[lo + i] << (16 * i);
	el->mask = mask;
	el->wlog[el->nwrites % SIM_ELEV_WLOG].t_ns = t_ns;
	el->wlog[el->nwrites % SIM_ELEV_WLOG].mask = mask;
	el->nwrites++;
	if (sim->verbose)
		log_info("%s: floors enabled 0x%" PRIx64,
		    sim->site.devices[dev].name, mask);
}

static int
word_of(const char *const *words, int n, const char *w)
{
	for (int i = 1; i < n; i++)
		if (strcmp(words[i], w) == 0)
			return i;
	return -1;
}

static const char *const dir_words[] = { "?", "stopped", "up", "down" };
static const char *const door_words[] = { "?", "closed", "open", "opening",
    "closing" };
static const char *const mode_words[] = { "?", "normal", "independent",
    "fire_service", "out_of_service" };

#define ELEV_USAGE "error usage: elev DEV floor N|dir stopped|up|down|door " \
	"closed|open|opening|closing|mode normal|independent|fire_service|" \
	"out_of_service|RAW|fault CODE|trapped on|off|status|writes [N]"

static bool
parse_num(const char *s, long lo, long hi, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *v >= lo && *v <= hi;
}

void
sim_elev_ctl(struct sim *sim, int argc, char **argv, char *out, size_t size)
{
	struct sim_elev *el;
	size_t off;
	long v;
	int d, k;

	if (argc < 3) {
		elev_reply(out, size, ELEV_USAGE);
		return;
	}
	d = config_device_index(&sim->site, argv[1]);
	if (d < 0 || !sim->elev[d].used) {
		elev_reply(out, size, "error no elevator controller \"%s\"", argv[1]);
		return;
	}
	el = &sim->elev[d];
	if (strcmp(argv[2], "status") == 0 && argc == 3) {
		elev_reply(out, size, "ok floor=%d dir=%s door=%s mode=%s fault=%u "
		    "trapped=%d mask=0x%" PRIx64 " writes=%" PRIu64 " muted=%d",
		    el->floor, dir_words[el->dir], door_words[el->door],
		    mode_words[el->mode], el->fault, el->trapped, el->mask,
		    el->nwrites, sim->ts[d].muted);
		return;
	}
	if (strcmp(argv[2], "writes") == 0 && argc <= 4) {
		uint64_t n;

		v = 64;
		if (argc == 4 && !parse_num(argv[3], 1, SIM_ELEV_WLOG, &v)) {
			elev_reply(out, size, "error writes: N must be 1..%d",
			    SIM_ELEV_WLOG);
			return;
		}
		n = el->nwrites < (uint64_t)v ? el->nwrites : (uint64_t)v;
		off = (size_t)snprintf(out, size, "ok %" PRIu64, n);
		for (uint64_t i = el->nwrites - n; i < el->nwrites && off < size; i++)
			off += (size_t)snprintf(out + off, size - off,
			    " %" PRId64 ":0x%" PRIx64, el->wlog[i % SIM_ELEV_WLOG].t_ns,
			    el->wlog[i % SIM_ELEV_WLOG].mask);
		return;
	}
	if (argc != 4) {
		elev_reply(out, size, ELEV_USAGE);
		return;
	}
	if (strcmp(argv[2], "floor") == 0 && parse_num(argv[3], -32768, 32767, &v)) {
		el->floor = (int)v;
	} else if (strcmp(argv[2], "dir") == 0 && (k = word_of(dir_words, 4,
	    argv[3])) > 0) {
		el->dir = (enum elev_dir)k;
	} else if (strcmp(argv[2], "door") == 0 && (k = word_of(door_words, 5,
	    argv[3])) > 0) {
		el->door = (enum elev_door)k;
	} else if (strcmp(argv[2], "mode") == 0 && (k = word_of(mode_words, 5,
	    argv[3])) > 0) {
		el->mode = (enum elev_mode)k;
		el->raw_mode = -1;
	} else if (strcmp(argv[2], "mode") == 0 && parse_num(argv[3], 0, 65535, &v)) {
		el->raw_mode = (int)v;	/* a value the profile may not name */
	} else if (strcmp(argv[2], "fault") == 0 && parse_num(argv[3], 0, 65535, &v)) {
		el->fault = (unsigned)v;
	} else if (strcmp(argv[2], "trapped") == 0 && (strcmp(argv[3], "on") == 0 ||
	    strcmp(argv[3], "off") == 0)) {
		el->trapped = strcmp(argv[3], "on") == 0;
	} else {
		elev_reply(out, size, ELEV_USAGE);
		return;
	}
	if (sim->verbose)
		log_info("%s: %s %s", argv[1], argv[2], argv[3]);
	sim_elev_publish(sim, d);
	elev_reply(out, size, "ok");
}
