/*
 * Elevators in the config: the "elevator" profile kind (car position,
 * direction, door, mode, fault code, passenger alarm, the floor-enable
 * registers), the devices that use one, the elevators section (a reader tied
 * to a controller) and the freight group (rush hours, longest booking).
 */
#include "config_int.h"

#include <string.h>

static const char *const elev_profile_keys[] = { "name", "kind", "floor",
    "direction", "direction_values", "door", "door_values", "mode",
    "mode_values", "fault_code", "trapped", "floor_enable", "floors", NULL };
/* Value names by enum order from 1. */
static const char *const dir_keys[] = { "stopped", "up", "down", NULL };
static const char *const door_keys[] = { "closed", "open", "opening",
    "closing", NULL };
static const char *const mode_keys[] = { "normal", "independent",
    "fire_service", "out_of_service", NULL };
static const char *const elevator_keys[] = { "name", "controller", "reader",
    "enable_s", "freight", NULL };
static const char *const freight_keys[] = { "rush_hours", "max_hours", NULL };

#define ENABLE_DEF_S		10
#define BOOKING_MAX_DEF_H	12

const char *
config_elev_dir_name(enum elev_dir d)
{
	return conf_word(dir_keys, (int)d - 1, "unknown");
}

const char *
config_elev_door_name(enum elev_door d)
{
	return conf_word(door_keys, (int)d - 1, "unknown");
}

const char *
config_elev_mode_name(enum elev_mode m)
{
	return conf_word(mode_keys, (int)m - 1, "unknown");
}

/* Point KEY of G: a register, or a bit when BITS_OK. */
static void
elev_point(struct load *ld, const struct scope *sc, const config_setting_t *g,
    const char *key, bool required, bool bits_ok, struct reg_point *pt)
{
	const config_setting_t *m = conf_get_point(ld, sc, g, key, required,
	    true, true, pt);
	char qb[80];

	if (m == NULL || pt->width != 1 || bits_ok)
		return;
	conf_serr(ld, sc, m, "%s%s %s is a single bit and cannot hold several "
	    "values: use an input or holding register", sc->kp, key,
	    conf_quote(qb, sizeof(qb), config_setting_get_string(m)));
	memset(pt, 0, sizeof(*pt));
}

/* GROUP's named raw values (KEYS; bit i of REQ: KEYS[i] is required) into
 * out[1..], ELEV_VALUE_UNSET for those absent. */
static void
elev_values(struct load *ld, const struct scope *psc,
    const config_setting_t *pg, const char *group, const char *const *keys,
    unsigned req, int width, int32_t *out)
{
	int i;

	for (i = 0; keys[i] != NULL; i++)
		out[i + 1] = ELEV_VALUE_UNSET;
	conf_load_values(ld, psc, pg, group, keys, req, width, out, "");
}

/* floor_enable and floors: holding registers of 16 floors each. */
static void
elev_enable(struct load *ld, const struct scope *sc, const config_setting_t *e,
    struct elev_profile *p)
{
	struct reg_point pt;
	const config_setting_t *m = conf_get_write_reg(ld, sc, e,
	    "floor_enable", false, &pt);
	char qb[80];
	int nregs;

	p->floors = 0;
	if (!conf_get_int(ld, sc, e, "floors", true, 1, ELEV_FLOORS_MAX,
	    &p->floors))
		p->floors = 0;
	if (m == NULL)
		return;
	nregs = p->floors > 0 ? (p->floors + 15) / 16 : 1;
	if ((int)pt.addr + nregs > 65536) {
		conf_serr(ld, sc, m, "%sfloor_enable %s: %d floors need %d "
		    "registers, past the last address", sc->kp, conf_quote(qb,
		    sizeof(qb), config_setting_get_string(m)), p->floors, nregs);
		return;
	}
	p->enable_addr = pt.addr;
}

/* Profile I, element E, of kind "elevator". */
void
conf_load_elev_profile(struct load *ld, int i, const config_setting_t *e)
{
	struct elev_profile *ep = &ld->site->profiles[i].elev;
	struct scope sc;

	conf_profile_begin(ld, &sc, i, e, PROFILE_ELEVATOR, elev_profile_keys);
	elev_point(ld, &sc, e, "floor", true, false, &ep->floor);
	elev_point(ld, &sc, e, "direction", true, false, &ep->dir);
	elev_values(ld, &sc, e, "direction_values", dir_keys, 0x7,
	    ep->dir.width, ep->dir_value);
	elev_point(ld, &sc, e, "door", true, false, &ep->door);
	elev_values(ld, &sc, e, "door_values", door_keys, 0x3, ep->door.width,
	    ep->door_value);
	elev_point(ld, &sc, e, "mode", true, false, &ep->mode);
	/* independent and fire_service are optional: not every controller
	   reports them; an unnamed value reads as "unknown". */
	elev_values(ld, &sc, e, "mode_values", mode_keys, 0x9, ep->mode.width,
	    ep->mode_value);
	elev_point(ld, &sc, e, "fault_code", false, false, &ep->fault_code);
	elev_point(ld, &sc, e, "trapped", false, true, &ep->trapped);
	elev_enable(ld, &sc, e, ep);
}

/* The devices whose profile is an elevator's are elevator controllers. */
void
conf_elev_devices(struct load *ld)
{
	struct site_conf *site = ld->site;
	int i;

	for (i = 0; i < ld->ndev_sec; i++) {
		struct device_conf *d = &site->devices[i];

		if (d->kind == DEV_TURNSTILE && d->profile >= 0 &&
		    site->profiles[d->profile].kind == PROFILE_ELEVATOR)
			d->kind = DEV_ELEVATOR;
	}
}

/* An elevator's controller or reader D, when it is not what W wants. */
static const char *
elev_dev_is(const struct dev_want *w, const struct device_conf *d, char *buf,
    size_t size)
{
	const char *k = config_device_kind_name(d->kind);

	(void)w;
	snprintf(buf, size, "%s %s", strchr("aeiou", k[0]) != NULL ? "an" : "a",
	    k);
	return buf;
}

static const struct dev_want elev_controller = { DEV_ELEVATOR, -1,
    "an elevator controller (a device with an elevator profile)", "devices",
    elev_dev_is };
static const struct dev_want elev_reader = { DEV_READER, -1, "a card reader",
    "readers or devices", elev_dev_is };

/* Setting KEY of elevator E names a device W wants; its index or -1. */
static int
elev_dev(struct load *ld, const struct scope *sc, const config_setting_t *e,
    const char *key, const struct dev_want *w)
{
	const config_setting_t *m = conf_get_name(ld, sc, e, key, true, NULL);

	return m != NULL ? conf_device_ref(ld, sc, m, key, w) : -1;
}

/* Reader DI of elevator I serves nothing else: no lane, door, elevator. */
static void
elev_reader_unique(struct load *ld, const struct scope *sc, int i,
    const config_setting_t *e, int di)
{
	const struct site_conf *site = ld->site;
	const config_setting_t *m = config_setting_get_member(e, "reader");
	int j;

	for (j = 0; j < site->nlanes; j++) {
		const struct lane_conf *ln = &site->lanes[j];

		if (ln->entry_reader == di || ln->exit_reader == di) {
			conf_serr(ld, sc, m, "reader \"%s\" is already the %s "
			    "of lanes[%d] \"%s\"", site->devices[di].name,
			    ln->entry_reader == di ? "entry_reader" :
			    "exit_reader", j, ln->name);
			return;
		}
	}
	for (j = 0; j < site->ndoors; j++) {
		if (site->doors[j].reader == di) {
			conf_serr(ld, sc, m, "reader \"%s\" is already the "
			    "reader of doors[%d] \"%s\"", site->devices[di].name,
			    j, site->doors[j].name);
			return;
		}
	}
	for (j = 0; j < i; j++) {
		if (site->elevators[j].reader == di) {
			conf_serr(ld, sc, m, "reader \"%s\" is already the "
			    "reader of elevators[%d] \"%s\"",
			    site->devices[di].name, j, site->elevators[j].name);
			return;
		}
	}
}

static void
load_elevator(struct load *ld, int i, const config_setting_t *e)
{
	struct elevator_conf *el = &ld->site->elevators[i];
	struct scope sc;

	el->line = conf_elem_begin(ld, &sc, "elevators", i, e, elevator_keys);
	el->enable_s = ENABLE_DEF_S;
	conf_event_name(ld, &sc, e, "elevators", i, el->name);
	el->controller = elev_dev(ld, &sc, e, "controller", &elev_controller);
	el->reader = elev_dev(ld, &sc, e, "reader", &elev_reader);
	if (el->reader >= 0)
		elev_reader_unique(ld, &sc, i, e, el->reader);
	conf_get_int(ld, &sc, e, "enable_s", false, 1, ELEV_ENABLE_MAX_S,
	    &el->enable_s);
	conf_get_bool(ld, &sc, e, "freight", &el->freight);
}

static void
load_rush(struct load *ld, const struct scope *sc, const config_setting_t *a)
{
	struct site_conf *site = ld->site;
	int i, j, n = config_setting_length(a), start, end;
	char qb[80];

	for (i = 0; i < n; i++) {
		const config_setting_t *r = config_setting_get_elem(a,
		    (unsigned)i);
		const char *s;

		if (config_setting_type(r) != CONFIG_TYPE_STRING) {
			conf_serr(ld, sc, r, "rush_hours[%d] must be a string "
			    "\"HH:MM-HH:MM\"", i);
			continue;
		}
		s = config_setting_get_string(r);
		if (!conf_parse_span(s, &start, &end)) {
			conf_serr(ld, sc, r, "rush_hours[%d] %s is not a span "
			    "of local time \"HH:MM-HH:MM\" (00:00 to 24:00)", i,
			    conf_quote(qb, sizeof(qb), s));
			continue;
		}
		if (end <= start) {
			conf_serr(ld, sc, r, "rush_hours[%d] %s ends before it "
			    "starts (a span over midnight is two spans: "
			    "\"22:00-24:00\", \"00:00-02:00\")", i,
			    conf_quote(qb, sizeof(qb), s));
			continue;
		}
		if (site->nrush == CONF_MAX_RUSH) {
			conf_serr(ld, sc, r, "too many rush_hours (at most %d)",
			    CONF_MAX_RUSH);
			return;
		}
		for (j = 0; j < site->nrush; j++)
			if (start < site->rush[j][1] && site->rush[j][0] < end)
				break;
		if (j < site->nrush) {
			conf_serr(ld, sc, r, "rush_hours[%d] %s overlaps an "
			    "earlier span", i, conf_quote(qb, sizeof(qb), s));
			continue;
		}
		site->rush[site->nrush][0] = start;
		site->rush[site->nrush][1] = end;
		site->nrush++;
	}
}

/* An elevator names no controller and no reader until it is read. */
static void
init_elevator(struct load *ld, int i, const config_setting_t *e)
{
	(void)e;
	ld->site->elevators[i].controller = ld->site->elevators[i].reader = -1;
}

/* After the devices, lanes and doors: the elevators and freight groups. */
void
conf_elev_load(struct load *ld, const config_setting_t *root)
{
	static const struct conf_list elevators = { "elevators",
	    CONF_MAX_ELEVATORS, NULL, init_elevator, load_elevator };
	struct site_conf *site = ld->site;
	const config_setting_t *g, *m;
	struct scope sc;

	site->booking_max_h = BOOKING_MAX_DEF_H;
	if ((g = conf_root_group(ld, root, "freight", freight_keys,
	    &sc)) != NULL) {
		if ((m = conf_member(ld, &sc, g, "rush_hours", W_STRINGS,
		    false)) != NULL)
			load_rush(ld, &sc, m);
		conf_get_int(ld, &sc, g, "max_hours", false, 1, 24 * 7,
		    &site->booking_max_h);
	}
	conf_load_list(ld, root, &elevators, &site->nelevators);
}
