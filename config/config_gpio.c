/*
 * GPIO in the config: a chip link (real or lobbysim's simulated one), the
 * inputs, relays and Wiegand readers on its lines, and the doors made of
 * them. Every line is range-checked and claimed by one device only.
 */
#include "config_int.h"

#include <string.h>

#include "../common/util.h"

#define DEBOUNCE_DEF_MS		50
#define UNLOCK_DEF_MS		5000
#define HELD_OPEN_DEF_S		30

static const char *const gpio_link_keys[] = { "name", "type", "chip", "sim",
    NULL };
/* Keys of other links, and of devices, which are errors on a gpio link. */
static const char *const not_gpio_link_keys[] = { "path", "host", "port",
    "baud", "parity", "data_bits", "stop_bits", "timeout_ms", "link", "kind",
    "line", "function", "active_low", "debounce_ms", "d0", "d1", NULL };
static const char *const kind_names[] = { "input", "output", "wiegand",
    NULL };
static const char *const input_keys[] = { "name", "link", "kind", "line",
    "function", "active_low", "debounce_ms", NULL };
static const char *const output_keys[] = { "name", "link", "kind", "line",
    "active_low", NULL };
static const char *const wiegand_keys[] = { "name", "link", "kind", "d0",
    "d1", NULL };
static const char *const any_keys[] = { "name", "link", "kind", "line",
    "function", "active_low", "debounce_ms", "d0", "d1", NULL };
static const char *const door_keys[] = { "name", "contact", "strike",
    "reader", "rex", "unlock_ms", "held_open_s", NULL };

/* Link I (element E, scope SC) has type "gpio": one of chip or sim. */
void
conf_gpio_link(struct load *ld, int i, const config_setting_t *e,
    const struct scope *sc)
{
	struct link_conf *l = &ld->site->links[i];
	const config_setting_t *chip, *sim;

	conf_check_kind_keys(ld, sc, e, gpio_link_keys, not_gpio_link_keys,
	    "a gpio link");
	chip = conf_get_str(ld, sc, e, "chip", false, l->chip,
	    sizeof(l->chip));
	sim = conf_get_str(ld, sc, e, "sim", false, l->path, 108);
	if (config_setting_get_member(e, "chip") != NULL &&
	    config_setting_get_member(e, "sim") != NULL)
		conf_serr(ld, sc, config_setting_get_member(e, "sim"),
		    "a gpio link has a chip or a sim socket, not both");
	else if (config_setting_get_member(e, "chip") == NULL &&
	    config_setting_get_member(e, "sim") == NULL)
		conf_serr(ld, sc, e, "a gpio link needs \"chip\" (a GPIO "
		    "chip) or \"sim\" (lobbysim's socket)");
	l->gpio_sim = sim != NULL && chip == NULL;
}

/* The gpio link the device element E names, or -1. */
static int
gpio_link_of(const struct load *ld, const config_setting_t *e)
{
	const config_setting_t *m = config_setting_get_member(e, "link");
	const char *name;
	int i;

	if (m == NULL || config_setting_type(m) != CONFIG_TYPE_STRING)
		return -1;
	name = config_setting_get_string(m);
	for (i = 0; i < ld->nlink_sec; i++)
		if (ld->site->links[i].type == LINK_GPIO &&
		    strcmp(ld->site->links[i].name, name) == 0)
			return i;
	return -1;
}

/*
 * Device I (element E) when its link is a gpio link: loaded here, and true.
 * False for any other device, which the caller loads.
 */
bool
conf_gpio_device(struct load *ld, int i, const config_setting_t *e)
{
	struct device_conf *d = &ld->site->devices[i];
	const char *const *keys = any_keys;
	struct scope sc;
	int li = gpio_link_of(ld, e), kind = -1, fn = 0;

	if (li < 0)
		return false;
	conf_scope_elem(&sc, "devices", i, e);
	d->line = (int)config_setting_source_line(e);
	d->link = li;
	d->profile = -1;
	d->unit = 0;
	d->gpio_line = d->gpio_d0 = d->gpio_d1 = -1;
	d->debounce_ms = DEBOUNCE_DEF_MS;
	conf_get_name(ld, &sc, e, "name", true, d->name);
	if (conf_get_choice(ld, &sc, e, "kind", true, kind_names, &kind))
		keys = kind == 0 ? input_keys : kind == 1 ? output_keys :
		    wiegand_keys;
	{
		int j, n = config_setting_length(e);

		for (j = 0; j < n; j++) {
			const config_setting_t *k = config_setting_get_elem(e,
			    (unsigned)j);
			const char *key = config_setting_name(k);

			if (str_in(key, keys))
				continue;
			if (kind >= 0 && str_in(key, any_keys))
				conf_serr(ld, &sc, k, "setting \"%s\" does not "
				    "apply to %s", key, kind == 0 ? "an input" :
				    kind == 1 ? "an output" : "a wiegand reader");
			else
				conf_err(ld, k, "unknown setting \"%s\" in %s%s",
				    key, sc.path, strcmp(key, "unit") == 0 ||
				    strcmp(key, "profile") == 0 ? " (a device "
				    "on a gpio link)" : "");
		}
	}
	switch (kind) {
	case 0:
		d->kind = DEV_INPUT;
		conf_get_int(ld, &sc, e, "line", true, 0, CONF_GPIO_LINES - 1,
		    &d->gpio_line);
		if (conf_get_choice(ld, &sc, e, "function", true,
		    conf_input_functions, &fn))
			d->function = (enum input_function)fn;
		conf_get_bool(ld, &sc, e, "active_low", &d->active_low);
		conf_get_int(ld, &sc, e, "debounce_ms", false, 1, 5000,
		    &d->debounce_ms);
		break;
	case 1:
		d->kind = DEV_OUTPUT;
		conf_get_int(ld, &sc, e, "line", true, 0, CONF_GPIO_LINES - 1,
		    &d->gpio_line);
		conf_get_bool(ld, &sc, e, "active_low", &d->active_low);
		break;
	case 2:
		d->kind = DEV_READER;
		conf_get_int(ld, &sc, e, "d0", true, 0, CONF_GPIO_LINES - 1,
		    &d->gpio_d0);
		conf_get_int(ld, &sc, e, "d1", true, 0, CONF_GPIO_LINES - 1,
		    &d->gpio_d1);
		if (d->gpio_d0 >= 0 && d->gpio_d0 == d->gpio_d1) {
			conf_serr(ld, &sc, config_setting_get_member(e, "d1"),
			    "d1 %d is the same line as d0", d->gpio_d1);
			d->gpio_d1 = -1;
		}
		break;
	default:
		d->kind = DEV_INPUT;	/* a kind was wrong: reported above */
		break;
	}
	return true;
}

/* Line LINE of device I, in its setting KEY, against devices before it. */
static void
check_line(struct load *ld, int i, const char *key, int line)
{
	const struct site_conf *site = ld->site;
	const struct device_conf *d = &site->devices[i];
	struct scope sc;
	int j;

	if (line < 0)
		return;
	for (j = 0; j < i; j++) {
		const struct device_conf *o = &site->devices[j];

		if (o->link != d->link || site->links[o->link].type != LINK_GPIO)
			continue;
		if (o->gpio_line != line && o->gpio_d0 != line &&
		    o->gpio_d1 != line)
			continue;
		conf_scope_elem(&sc, "devices", i, ld->dev_elem[i]);
		conf_serr(ld, &sc, config_setting_get_member(ld->dev_elem[i],
		    key), "line %d on link \"%s\" is already used by "
		    "devices[%d]%s%s%s", line, site->links[d->link].name, j,
		    o->name[0] ? " \"" : "", o->name, o->name[0] ? "\"" : "");
		return;
	}
}

static void
check_lines(struct load *ld)
{
	const struct site_conf *site = ld->site;
	int i;

	for (i = 0; i < ld->ndev_sec; i++) {
		const struct device_conf *d = &site->devices[i];

		if (d->link < 0 || site->links[d->link].type != LINK_GPIO)
			continue;
		check_line(ld, i, "line", d->gpio_line);
		check_line(ld, i, "d0", d->gpio_d0);
		check_line(ld, i, "d1", d->gpio_d1);
	}
}

/* A door's device D, in words, when it is not what the door wants. */
static const char *
door_dev_is(const struct dev_want *w, const struct device_conf *d, char *buf,
    size_t size)
{
	(void)w;
	(void)buf;
	(void)size;
	switch (d->kind) {
	case DEV_TURNSTILE:	return "a turnstile";
	case DEV_READER:	return "a card reader";
	case DEV_ELEVATOR:	return "an elevator";
	case DEV_INTERCOM:	return "an intercom";
	case DEV_OUTPUT:	return "an output";
	case DEV_INPUT:
		switch (d->function) {
		case IN_DOOR:	return "a door contact";
		case IN_REX:	return "an exit button";
		case IN_FIRE:	return "a fire-alarm input";
		case IN_POWER:	return "a power-failure input";
		case IN_TAMPER:	return "a tamper input";
		}
	}
	return "?";
}

static const struct dev_want door_contact = { DEV_INPUT, IN_DOOR,
    "a door contact (an input with function \"door\")", "devices",
    door_dev_is };
static const struct dev_want door_strike = { DEV_OUTPUT, -1, "an output",
    "devices", door_dev_is };
static const struct dev_want door_reader = { DEV_READER, -1, "a card reader",
    "devices or readers", door_dev_is };
static const struct dev_want door_rex = { DEV_INPUT, IN_REX,
    "an exit button (an input with function \"rex\")", "devices",
    door_dev_is };

/* Door setting KEY naming a device W wants; its index or -1. */
static int
door_dev(struct load *ld, const struct scope *sc, const config_setting_t *e,
    const char *key, bool required, const struct dev_want *w)
{
	const config_setting_t *m = conf_get_name(ld, sc, e, key, required,
	    NULL);

	return m != NULL ? conf_device_ref(ld, sc, m, key, w) : -1;
}

/* Device DI, door I's KEY, is not in an earlier door nor in a lane. */
static void
door_dev_unique(struct load *ld, const struct scope *sc, int i,
    const config_setting_t *e, const char *key, int di)
{
	static const char *const dkeys[] = { "contact", "strike", "reader",
	    "rex" };
	const struct site_conf *site = ld->site;
	const config_setting_t *m = config_setting_get_member(e, key);
	int j, k;

	if (di < 0)
		return;
	for (j = 0; j < i; j++) {
		const struct door_conf *o = &site->doors[j];
		const int used[] = { o->contact, o->strike, o->reader, o->rex };

		for (k = 0; k < 4; k++) {
			if (used[k] != di)
				continue;
			conf_serr(ld, sc, m, "%s \"%s\" is already the %s of "
			    "doors[%d]%s%s%s", key, site->devices[di].name,
			    dkeys[k], j, o->name[0] ? " \"" : "", o->name,
			    o->name[0] ? "\"" : "");
			return;
		}
	}
	for (j = 0; j < site->nlanes; j++) {
		const struct lane_conf *ln = &site->lanes[j];

		if (ln->entry_reader != di && ln->exit_reader != di)
			continue;
		conf_serr(ld, sc, m, "%s \"%s\" is already the %s of "
		    "lanes[%d]%s%s%s", key, site->devices[di].name,
		    ln->entry_reader == di ? "entry_reader" : "exit_reader", j,
		    ln->name[0] ? " \"" : "", ln->name, ln->name[0] ? "\"" : "");
		return;
	}
}

static void
load_door(struct load *ld, int i, const config_setting_t *e)
{
	struct door_conf *dr = &ld->site->doors[i];
	struct scope sc;

	dr->line = conf_elem_begin(ld, &sc, "doors", i, e, door_keys);
	dr->unlock_ms = UNLOCK_DEF_MS;
	dr->held_open_s = HELD_OPEN_DEF_S;
	conf_event_name(ld, &sc, e, "doors", i, dr->name);
	dr->contact = door_dev(ld, &sc, e, "contact", true, &door_contact);
	dr->strike = door_dev(ld, &sc, e, "strike", true, &door_strike);
	dr->reader = door_dev(ld, &sc, e, "reader", false, &door_reader);
	dr->rex = door_dev(ld, &sc, e, "rex", false, &door_rex);
	door_dev_unique(ld, &sc, i, e, "contact", dr->contact);
	door_dev_unique(ld, &sc, i, e, "strike", dr->strike);
	door_dev_unique(ld, &sc, i, e, "reader", dr->reader);
	door_dev_unique(ld, &sc, i, e, "rex", dr->rex);
	conf_get_int(ld, &sc, e, "unlock_ms", false, 500, CONF_PULSE_MAX_MS,
	    &dr->unlock_ms);
	conf_get_int(ld, &sc, e, "held_open_s", false, 5, 3600,
	    &dr->held_open_s);
}

/* A door names none of its devices until it is read. */
static void
init_door(struct load *ld, int i, const config_setting_t *e)
{
	struct door_conf *dr = &ld->site->doors[i];

	(void)e;
	dr->contact = dr->strike = dr->reader = dr->rex = -1;
}

/* After every other list: lines on each chip, then the doors. */
void
conf_gpio_load(struct load *ld, const config_setting_t *root)
{
	static const struct conf_list doors = { "doors", CONF_MAX_DOORS, NULL,
	    init_door, load_door };

	check_lines(ld);
	conf_load_list(ld, root, &doors, &ld->site->ndoors);
}
