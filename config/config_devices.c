/*
 * The lists of a site in the config: profiles, links, devices, readers (each
 * a link and a device of its own) and lanes, then the names they refer to
 * resolved and checked across lists.
 */
#include "config_int.h"

#include <string.h>

#include "../common/util.h"

static const int baud_rates[] = { 1200, 2400, 4800, 9600, 19200, 38400,
    57600, 115200, 230400 };

static const char *const link_keys[] = { "name", "type", "host", "port",
    "path", "baud", "parity", "data_bits", "stop_bits", "timeout_ms", "chip",
    "sim", NULL };
static const char *const tcp_keys[] = { "name", "type", "host", "port",
    "timeout_ms", NULL };
static const char *const rtu_keys[] = { "name", "type", "path", "baud",
    "parity", "data_bits", "stop_bits", "timeout_ms", NULL };
static const char *const device_keys[] = { "name", "link", "unit", "profile",
    "poll_ms", "deadline_ms", "kind", "station", "next", "ring_timeout_s",
    NULL };
/* A device is a turnstile unless its kind says otherwise. */
static const char *const device_kind_names[] = { "turnstile", "input", NULL };
static const char *const reader_keys[] = { "name", "path", "baud", "format",
    NULL };
static const char *const lane_keys[] = { "name", "turnstile", "entry_reader",
    "exit_reader", "pass_timeout_ms", "egress", "zone", "contractors",
    "collects_cards", NULL };

static const char *const link_type_names[] = { "modbus-tcp", "modbus-rtu",
    "gpio", NULL };
static const char *const parity_names[] = { "none", "even", "odd", NULL };
static const char parity_chars[] = { 'N', 'E', 'O' };
/* In enum card_format's order. */
static const char *const format_names[] = { "em4100", "wiegand-ascii", "qr",
    "idcard", NULL };

const char *
config_card_format_name(enum card_format f)
{
	/* The three Wiegand frames are one format in the config. */
	if (f >= CARD_WIEGAND_26 && f <= CARD_WIEGAND_37)
		return "wiegand";
	return conf_word(format_names, (int)f, "?");
}

static void
load_link(struct load *ld, int i, const config_setting_t *e)
{
	struct link_conf *l = &ld->site->links[i];
	const config_setting_t *m;
	struct scope sc;
	char what[32];
	int type = -1, par = 1;

	conf_scope_elem(&sc, "links", i, e);
	l->line = (int)config_setting_source_line(e);
	l->timeout_ms = 200;
	ld->link_elem[i] = e;

	if ((m = conf_get_name(ld, &sc, e, "name", true, l->name)) != NULL)
		conf_name_taken(ld, &sc, m, "links", i, config_link_index);
	if (conf_get_choice(ld, &sc, e, "type", true, link_type_names, &type))
		l->type = type == 0 ? LINK_MODBUS_TCP : type == 1 ?
		    LINK_MODBUS_RTU : LINK_GPIO;
	if (type == 2) {
		conf_gpio_link(ld, i, e, &sc);	/* config_gpio.c */
		return;
	}
	/* Keys of the other type are errors; with no valid type, only keys
	 * that belong to no link at all are. */
	if (type < 0) {
		conf_check_keys(ld, &sc, e, link_keys, false);
	} else {
		str_printf(what, sizeof(what), "a %s link",
		    link_type_names[type]);
		conf_check_kind_keys(ld, &sc, e, type == 0 ? tcp_keys :
		    rtu_keys, link_keys, what);
	}
	/* At most 1000: a command waits behind one transaction at most, and
	 * must reach the wire well within its lifetime (engine/lanes.c). */
	conf_get_int(ld, &sc, e, "timeout_ms", false, 10, 1000,
	    &l->timeout_ms);
	if (type == 0) {
		l->port = 502;
		conf_get_str(ld, &sc, e, "host", true, l->host,
		    sizeof(l->host));
		conf_get_int(ld, &sc, e, "port", false, 1, 65535, &l->port);
	} else if (type == 1) {
		/* 8E1 is the Modbus RTU default framing. */
		l->baud = 9600;
		l->parity = 'E';
		l->data_bits = 8;
		l->stop_bits = 1;
		ld->link_path[i] = conf_get_str(ld, &sc, e, "path", true,
		    l->path, sizeof(l->path));
		conf_get_int_of(ld, &sc, e, "baud", baud_rates,
		    sizeof(baud_rates) / sizeof(baud_rates[0]), &l->baud);
		if (conf_get_choice(ld, &sc, e, "parity", false, parity_names,
		    &par))
			l->parity = parity_chars[par];
		conf_get_int_of(ld, &sc, e, "data_bits", (const int[]){ 7, 8 },
		    2, &l->data_bits);
		conf_get_int_of(ld, &sc, e, "stop_bits", (const int[]){ 1, 2 },
		    2, &l->stop_bits);
	}
}

static void
load_device(struct load *ld, int i, const config_setting_t *e)
{
	struct device_conf *d = &ld->site->devices[i];
	struct scope sc;
	int kind = 0;

	if (conf_gpio_device(ld, i, e))		/* on a gpio link */
		return;
	conf_scope_elem(&sc, "devices", i, e);
	if (config_setting_get_member(e, "kind") != NULL &&
	    (!conf_get_choice(ld, &sc, e, "kind", false, device_kind_names,
	    &kind) || kind == 1)) {
		/* An input, or a kind that is not known: only the settings
		 * every device has are checked further. */
		if (kind == 1)
			conf_load_input(ld, i, e, &sc);
		else
			conf_get_name(ld, &sc, e, "name", true, d->name);
		return;
	}
	conf_check_keys(ld, &sc, e, device_keys, false);
	d->kind = DEV_TURNSTILE;
	d->line = (int)config_setting_source_line(e);
	d->link = -1;
	d->profile = -1;
	d->poll_ms = 250;
	ld->dev_elem[i] = e;
	conf_get_name(ld, &sc, e, "name", true, d->name);
	ld->dev_link[i] = conf_get_name(ld, &sc, e, "link", true, NULL);
	ld->dev_profile[i] = conf_get_name(ld, &sc, e, "profile", true, NULL);
	if (!conf_get_int_raw(ld, &sc, e, "unit", true, &ld->dev_unit_val[i],
	    ld->dev_unit_txt[i], sizeof(ld->dev_unit_txt[i]), &ld->dev_unit[i]))
		ld->dev_unit[i] = NULL;
	conf_get_int(ld, &sc, e, "poll_ms", false, 20, 60000, &d->poll_ms);
	/* At most 1000, as a link's timeout_ms: a command may wait behind one
	 * transaction of any device on its link. */
	conf_get_int(ld, &sc, e, "deadline_ms", false, 10, 1000,
	    &d->deadline_ms);
}

/* Reader J becomes link LI and device DI. */
static void
load_reader(struct load *ld, int j, const config_setting_t *e, int li, int di)
{
	struct link_conf *l = &ld->site->links[li];
	struct device_conf *d = &ld->site->devices[di];
	struct scope sc;
	int fmt = 0;

	l->line = conf_elem_begin(ld, &sc, "readers", j, e, reader_keys);
	l->type = LINK_SERIAL_READER;
	l->baud = 9600;
	l->parity = 'N';
	l->data_bits = 8;
	l->stop_bits = 1;
	conf_get_name(ld, &sc, e, "name", true, l->name);
	ld->link_path[li] = conf_get_str(ld, &sc, e, "path", true, l->path,
	    sizeof(l->path));
	conf_get_int_of(ld, &sc, e, "baud", baud_rates,
	    sizeof(baud_rates) / sizeof(baud_rates[0]), &l->baud);
	if (conf_get_choice(ld, &sc, e, "format", false, format_names, &fmt))
		l->format = (enum card_format)fmt;
	/* Desk ID card readers mostly run at 115200 baud. */
	if (l->format == CARD_IDCARD && config_setting_get_member(e, "baud") == NULL)
		l->baud = 115200;
	str_copy(d->name, l->name, sizeof(d->name));
	d->kind = DEV_READER;
	d->link = li;
	d->unit = 0;
	d->profile = -1;
	d->line = l->line;
}

static void
load_lane(struct load *ld, int i, const config_setting_t *e)
{
	struct lane_conf *ln = &ld->site->lanes[i];
	struct scope sc;

	ln->line = conf_elem_begin(ld, &sc, "lanes", i, e, lane_keys);
	ln->turnstile = ln->entry_reader = ln->exit_reader = -1;
	ln->pass_timeout_ms = 8000;
	ld->lane_elem[i] = e;
	conf_event_name(ld, &sc, e, "lanes", i, ln->name);
	ld->lane_ts[i] = conf_get_name(ld, &sc, e, "turnstile", true, NULL);
	ld->lane_in[i] = conf_get_name(ld, &sc, e, "entry_reader", false, NULL);
	ld->lane_out[i] = conf_get_name(ld, &sc, e, "exit_reader", false, NULL);
	if (config_setting_get_member(e, "entry_reader") == NULL &&
	    config_setting_get_member(e, "exit_reader") == NULL)
		conf_serr(ld, &sc, e, "needs an entry_reader, an exit_reader "
		    "or both");
	conf_get_int(ld, &sc, e, "pass_timeout_ms", false, 1000, 60000,
	    &ln->pass_timeout_ms);
	ln->egress = true;
	conf_get_bool(ld, &sc, e, "egress", &ln->egress);
	conf_access_lane(ld, i, e, &sc);	/* config_access.c */
}

/* Names device index DI by where it came from: "devices[0]", "readers[1]". */
static void
dev_where(const struct load *ld, int di, char *buf, size_t size)
{
	if (di < ld->ndev_sec)
		str_printf(buf, size, "devices[%d]", di);
	else
		str_printf(buf, size, "readers[%d]", di - ld->ndev_sec);
}

static int
find_link_sec(const struct load *ld, const char *name)
{
	int i;

	for (i = 0; i < ld->nlink_sec; i++)
		if (strcmp(ld->site->links[i].name, name) == 0)
			return i;
	return -1;
}

/* Reader names clash with earlier devices and readers, and with links. */
static void
check_reader_names(struct load *ld, int first_link, int first_dev, int n)
{
	struct site_conf *site = ld->site;
	struct scope sc;
	char qb[80], wb[96];
	int j, k, li, di;

	for (j = 0; j < n; j++) {
		const struct link_conf *l = &site->links[first_link + j];
		const config_setting_t *e = ld->link_elem[first_link + j];
		const config_setting_t *nm;

		if (l->name[0] == '\0')
			continue;
		conf_scope_elem(&sc, "readers", j, e);
		nm = config_setting_get_member(e, "name");
		di = first_dev + j;
		for (k = 0; k < di; k++) {
			if (strcmp(site->devices[k].name, l->name) != 0)
				continue;
			dev_where(ld, k, wb, sizeof(wb));
			conf_serr(ld, &sc, nm, "name %s is already used by "
			    "%s%s", conf_quote(qb, sizeof(qb), l->name), wb,
			    k < ld->ndev_sec ? " (a reader is a device too)" :
			    "");
			break;
		}
		if (k < di)
			continue;
		if ((li = find_link_sec(ld, l->name)) >= 0)
			conf_serr(ld, &sc, nm, "name %s is already used by "
			    "links[%d] (a reader is a link of its own too)",
			    conf_quote(qb, sizeof(qb), l->name), li);
	}
}

/* Two serial links (buses or readers) on one port cannot both open it. */
static void
check_paths(struct load *ld)
{
	struct site_conf *site = ld->site;
	struct scope sc;
	char qb[80];
	int i, j;

	for (i = 0; i < site->nlinks; i++) {
		if (ld->link_path[i] == NULL)
			continue;
		for (j = 0; j < i; j++) {
			if (ld->link_path[j] == NULL ||
			    strcmp(site->links[i].path, site->links[j].path))
				continue;
			if (i < ld->nlink_sec)
				conf_scope_elem(&sc, "links", i,
				    ld->link_elem[i]);
			else
				conf_scope_elem(&sc, "readers",
				    i - ld->nlink_sec, ld->link_elem[i]);
			conf_serr(ld, &sc, ld->link_path[i], "path %s is "
			    "already used by %s[%d]%s%s%s",
			    conf_quote(qb, sizeof(qb), site->links[i].path),
			    j < ld->nlink_sec ? "links" :
			    "readers", j < ld->nlink_sec ? j : j - ld->nlink_sec,
			    site->links[j].name[0] ? " \"" : "",
			    site->links[j].name, site->links[j].name[0] ? "\"" :
			    "");
			break;
		}
	}
}

static void
resolve_devices(struct load *ld)
{
	struct site_conf *site = ld->site;
	struct scope sc;
	char qb[80];
	int i, j, li, pi;

	for (i = 0; i < ld->ndev_sec; i++) {
		struct device_conf *d = &site->devices[i];
		const config_setting_t *m;
		long long lo = 0, hi = 255, u;

		conf_scope_elem(&sc, "devices", i, ld->dev_elem[i]);
		if ((m = ld->dev_link[i]) != NULL) {
			const char *name = config_setting_get_string(m);

			li = find_link_sec(ld, name);
			if (li >= 0)
				d->link = li;
			else if (config_device_index(site, name) >= ld->ndev_sec)
				conf_serr(ld, &sc, m, "link %s is a card "
				    "reader, not a Modbus link",
				    conf_quote(qb, sizeof(qb), name));
			else
				conf_serr(ld, &sc, m, "link %s is not defined "
				    "in links", conf_quote(qb, sizeof(qb),
				    name));
		}
		if ((m = ld->dev_profile[i]) != NULL) {
			const char *name = config_setting_get_string(m);

			if ((pi = config_profile_index(site, name)) >= 0)
				d->profile = pi;
			else
				conf_serr(ld, &sc, m, "profile %s is not "
				    "defined in profiles", conf_quote(qb,
				    sizeof(qb), name));
		}
		if ((m = ld->dev_unit[i]) == NULL)
			continue;
		u = ld->dev_unit_val[i];
		if (d->link >= 0 && site->links[d->link].type == LINK_MODBUS_RTU)
			lo = 1, hi = 247;
		if (u < lo || u > hi) {
			if (d->link >= 0)
				conf_serr(ld, &sc, m, "unit %s is out of range "
				    "%lld..%lld for %s link \"%s\"",
				    ld->dev_unit_txt[i], lo, hi,
				    config_link_type_name(site->links[d->link].type),
				    site->links[d->link].name);
			else
				conf_serr(ld, &sc, m, "unit %s is out of range "
				    "%lld..%lld", ld->dev_unit_txt[i], lo, hi);
			ld->dev_unit[i] = NULL;
			continue;
		}
		d->unit = (int)u;
		if (d->link < 0)
			continue;
		for (j = 0; j < i; j++) {
			if (ld->dev_unit[j] == NULL ||
			    site->devices[j].link != d->link ||
			    site->devices[j].unit != d->unit)
				continue;
			conf_serr(ld, &sc, m, "unit %d on link \"%s\" is "
			    "already used by devices[%d]%s%s%s", d->unit,
			    site->links[d->link].name, j,
			    site->devices[j].name[0] ? " \"" : "",
			    site->devices[j].name,
			    site->devices[j].name[0] ? "\"" : "");
			break;
		}
	}
}

int
conf_device_ref(struct load *ld, const struct scope *sc,
    const config_setting_t *m, const char *key, const struct dev_want *w)
{
	const char *name = config_setting_get_string(m);
	int di = config_device_index(ld->site, name);
	const struct device_conf *d;
	char qb[80], is[40];

	if (di < 0) {
		conf_serr(ld, sc, m, "%s %s is not defined in %s", key,
		    conf_quote(qb, sizeof(qb), name), w->lists);
		return -1;
	}
	d = &ld->site->devices[di];
	if (d->kind != w->kind || (w->function >= 0 &&
	    (int)d->function != w->function)) {
		conf_serr(ld, sc, m, "%s %s is %s, not %s", key,
		    conf_quote(qb, sizeof(qb), name),
		    w->is(w, d, is, sizeof(is)), w->want);
		return -1;
	}
	if (d->kind == DEV_READER && d->link >= 0 &&
	    ld->site->links[d->link].format == CARD_IDCARD) {
		conf_serr(ld, sc, m, "%s %s reads identity cards at the desk "
		    "(format \"idcard\"); it opens nothing", key,
		    conf_quote(qb, sizeof(qb), d->name));
		return -1;
	}
	return di;
}

/* A lane's turnstile or reader D, when it is not what W wants. */
static const char *
lane_dev_is(const struct dev_want *w, const struct device_conf *d, char *buf,
    size_t size)
{
	(void)buf;
	(void)size;
	if (d->kind == DEV_INPUT)
		return "an input";
	return w->kind == DEV_TURNSTILE ? "a card reader" : "a turnstile";
}

static const struct dev_want lane_turnstile = { DEV_TURNSTILE, -1,
    "a turnstile", "devices", lane_dev_is };
static const struct dev_want lane_reader = { DEV_READER, -1,
    "a card reader", "readers", lane_dev_is };

static void
resolve_lanes(struct load *ld)
{
	struct site_conf *site = ld->site;
	/* Per device: the lane it serves (-1: none), a reader's direction. */
	int ts_lane[CONF_MAX_DEVICES], rd_lane[CONF_MAX_DEVICES];
	int rd_dir[CONF_MAX_DEVICES];
	static const char *const dirs[] = { "entry_reader", "exit_reader" };
	struct scope sc;
	char qb[80];
	int i, d, di, k;

	for (i = 0; i < CONF_MAX_DEVICES; i++)
		ts_lane[i] = rd_lane[i] = -1;

	for (i = 0; i < site->nlanes; i++) {
		struct lane_conf *ln = &site->lanes[i];
		const config_setting_t *rm[2] = { ld->lane_in[i], ld->lane_out[i] };
		int *slot[2] = { &ln->entry_reader, &ln->exit_reader };

		conf_scope_elem(&sc, "lanes", i, ld->lane_elem[i]);
		if (ld->lane_ts[i] != NULL &&
		    (di = conf_device_ref(ld, &sc, ld->lane_ts[i], "turnstile",
		    &lane_turnstile)) >= 0) {
			if ((k = ts_lane[di]) >= 0)
				conf_serr(ld, &sc, ld->lane_ts[i], "turnstile "
				    "%s is already in lanes[%d]%s%s%s",
				    conf_quote(qb, sizeof(qb),
				    site->devices[di].name), k,
				    site->lanes[k].name[0] ? " \"" : "",
				    site->lanes[k].name,
				    site->lanes[k].name[0] ? "\"" : "");
			else
				ts_lane[di] = i;
			ln->turnstile = di;
		}
		for (d = 0; d < 2; d++) {
			if (rm[d] == NULL || (di = conf_device_ref(ld, &sc,
			    rm[d], dirs[d], &lane_reader)) < 0)
				continue;
			*slot[d] = di;
			if ((k = rd_lane[di]) < 0) {
				rd_lane[di] = i;
				rd_dir[di] = d;
			} else if (k == i) {
				conf_serr(ld, &sc, rm[d], "%s %s is already "
				    "this lane's %s", dirs[d], conf_quote(qb,
				    sizeof(qb), site->devices[di].name),
				    dirs[rd_dir[di]]);
			} else {
				conf_serr(ld, &sc, rm[d], "%s %s is already "
				    "the %s of lanes[%d]%s%s%s", dirs[d],
				    conf_quote(qb, sizeof(qb),
				    site->devices[di].name),
				    dirs[rd_dir[di]], k,
				    site->lanes[k].name[0] ? " \"" : "",
				    site->lanes[k].name,
				    site->lanes[k].name[0] ? "\"" : "");
			}
		}
	}
}

/* What a list's element is before it is read, a group or not. */
static void
init_link(struct load *ld, int i, const config_setting_t *e)
{
	ld->link_elem[i] = e;
}

static void
init_device(struct load *ld, int i, const config_setting_t *e)
{
	ld->dev_elem[i] = e;
	ld->site->devices[i].link = ld->site->devices[i].profile = -1;
}

static void
init_lane(struct load *ld, int i, const config_setting_t *e)
{
	struct lane_conf *ln = &ld->site->lanes[i];

	ld->lane_elem[i] = e;
	ln->turnstile = ln->entry_reader = ln->exit_reader = ln->zone = -1;
}

void
conf_load_sections(struct load *ld, const config_setting_t *root)
{
	static const struct conf_list profiles = { "profiles",
	    CONF_MAX_PROFILES, NULL, NULL, conf_load_profile };
	static const struct conf_list links = { "links", CONF_MAX_LINKS,
	    ", readers included", init_link, load_link };
	static const struct conf_list devices = { "devices", CONF_MAX_DEVICES,
	    ", readers included", init_device, load_device };
	static const struct conf_list lanes = { "lanes", CONF_MAX_LANES, NULL,
	    init_lane, load_lane };
	struct site_conf *site = ld->site;
	const config_setting_t *l, *e;
	int i, n, nr, first_link, first_dev;

	conf_load_list(ld, root, &profiles, &site->nprofiles);
	conf_load_list(ld, root, &links, &site->nlinks);
	ld->nlink_sec = site->nlinks;
	conf_load_list(ld, root, &devices, &site->ndevices);
	ld->ndev_sec = site->ndevices;
	for (i = 0; i < ld->ndev_sec; i++) {
		struct scope sc;

		if (site->devices[i].name[0] == '\0')
			continue;
		conf_scope_elem(&sc, "devices", i, ld->dev_elem[i]);
		conf_name_taken(ld, &sc,
		    config_setting_get_member(ld->dev_elem[i], "name"),
		    "devices", i, config_device_index);
	}

	first_link = site->nlinks;
	first_dev = site->ndevices;
	nr = 0;
	if ((l = conf_member(ld, &conf_root_scope, root, "readers", W_LIST,
	    false)) != NULL) {
		n = config_setting_length(l);
		for (i = 0; i < n; i++) {
			int li = site->nlinks, di = site->ndevices;

			e = config_setting_get_elem(l, (unsigned)i);
			if (li == CONF_MAX_LINKS || di == CONF_MAX_DEVICES) {
				conf_err(ld, e, "too many %s (at most %d, "
				    "readers included)", li == CONF_MAX_LINKS ?
				    "links" : "devices", li == CONF_MAX_LINKS ?
				    CONF_MAX_LINKS : CONF_MAX_DEVICES);
				break;
			}
			site->nlinks++;
			site->ndevices++;
			ld->link_elem[li] = e;
			ld->dev_elem[di] = e;
			site->devices[di].link = li;
			site->devices[di].profile = -1;
			site->devices[di].kind = DEV_READER;
			nr++;
			if (!config_setting_is_group(e))
				conf_err(ld, e, "readers[%d] must be a group "
				    "{ ... }", i);
			else
				load_reader(ld, i, e, li, di);
		}
	}
	check_reader_names(ld, first_link, first_dev, nr);
	check_paths(ld);
	resolve_devices(ld);
	conf_icom_devices(ld);
	conf_elev_devices(ld);
	conf_load_list(ld, root, &lanes, &site->nlanes);
	resolve_lanes(ld);
	conf_gpio_load(ld, root);		/* GPIO lines, doors */
}
