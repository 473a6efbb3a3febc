/*
 * lobbysim's elevator controllers: a car whose floor, direction, door, mode,
 * fault code and passenger alarm are set from the control socket and shown
 * through a Modbus mapping laid out by the controller's profile; every write
 * of the floor-enable registers is kept with its time and the whole mask.
 */
#include "sim.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../common/util.h"

static int
elev_regs(const struct elev_profile *p)
{
	return (p->floors + 15) / 16;
}

void
sim_elev_need(int sizes[4], const struct profile *prof)
{
	const struct elev_profile *p = &prof->elev;

	sim_map_need_point(sizes, &p->floor);
	sim_map_need_point(sizes, &p->dir);
	sim_map_need_point(sizes, &p->door);
	sim_map_need_point(sizes, &p->mode);
	sim_map_need_point(sizes, &p->fault_code);
	sim_map_need_point(sizes, &p->trapped);
	sim_map_need(sizes, true, REG_HOLDING, p->enable_addr, elev_regs(p));
}

/* A car at rest: stopped at floor 0, its door closed, in normal service. */
void
sim_elev_start(struct sim *sim, int dev)
{
	sim->elev[dev] = (struct sim_elev){ .used = true, .floor = 0,
	    .dir = ELEV_DIR_STOPPED, .door = ELEV_DOOR_CLOSED,
	    .mode = ELEV_MODE_NORMAL, .raw_mode = -1 };
	sim_elev_publish(sim, dev);
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

	sim_map_put(ts->map, &p->floor, (uint32_t)el->floor);
	sim_map_put(ts->map, &p->dir, raw_of(p->dir_value, el->dir, ELEV_DIR_STOPPED));
	sim_map_put(ts->map, &p->door, raw_of(p->door_value, el->door,
	    ELEV_DOOR_CLOSED));
	sim_map_put(ts->map, &p->mode, el->raw_mode >= 0 ? (uint32_t)el->raw_mode :
	    raw_of(p->mode_value, el->mode, ELEV_MODE_NORMAL));
	sim_map_put(ts->map, &p->fault_code, el->fault);
	sim_map_put(ts->map, &p->trapped, el->trapped);
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

void
sim_elev_ctl(struct sim *sim, int argc, char **argv, char *out, size_t size)
{
	struct sim_elev *el;
	size_t off;
	long v;
	int d, k;

	if (argc < 3) {
		str_printf(out, size, ELEV_USAGE);
		return;
	}
	if ((d = sim_unit_find(sim, argv[1], DEV_ELEVATOR,
	    "elevator controller", out, size)) < 0)
		return;
	el = &sim->elev[d];
	if (strcmp(argv[2], "status") == 0 && argc == 3) {
		str_printf(out, size, "ok floor=%d dir=%s door=%s mode=%s fault=%u "
		    "trapped=%d mask=0x%" PRIx64 " writes=%" PRIu64 " muted=%d",
		    el->floor, dir_words[el->dir], door_words[el->door],
		    mode_words[el->mode], el->fault, el->trapped, el->mask,
		    el->nwrites, sim->ts[d].muted);
		return;
	}
	if (strcmp(argv[2], "writes") == 0 && argc <= 4) {
		uint64_t n;

		v = 64;
		if (argc == 4 && !sim_parse_long(argv[3], 1, SIM_ELEV_WLOG, &v)) {
			str_printf(out, size, "error writes: N must be 1..%d",
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
		str_printf(out, size, ELEV_USAGE);
		return;
	}
	if (strcmp(argv[2], "floor") == 0 && sim_parse_long(argv[3], -32768, 32767, &v)) {
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
	} else if (strcmp(argv[2], "mode") == 0 && sim_parse_long(argv[3], 0, 65535, &v)) {
		el->raw_mode = (int)v;	/* a value the profile may not name */
	} else if (strcmp(argv[2], "fault") == 0 && sim_parse_long(argv[3], 0, 65535, &v)) {
		el->fault = (unsigned)v;
	} else if (strcmp(argv[2], "trapped") == 0 && (strcmp(argv[3], "on") == 0 ||
	    strcmp(argv[3], "off") == 0)) {
		el->trapped = strcmp(argv[3], "on") == 0;
	} else {
		str_printf(out, size, ELEV_USAGE);
		return;
	}
	if (sim->verbose)
		log_info("%s: %s %s", argv[1], argv[2], argv[3]);
	sim_elev_publish(sim, d);
	str_printf(out, size, "ok");
}
