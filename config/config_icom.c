/*
 * Intercom stations in the config: the "intercom" profile kind (call state
 * and its values, call button, door state, the release and forward writes)
 * and the station settings of a device (station, next, ring_timeout_s).
 */
#include "config_int.h"

#include <string.h>

#include "../common/util.h"

static const char *const icom_profile_keys[] = { "name", "kind", "call_state",
    "call_values", "call_button", "door_state", "commands", NULL };
/* By enum icom_call from ICOM_IDLE; by enum icom_cmd. */
static const char *const call_value_keys[] = { "idle", "ringing", "connected",
    NULL };
static const char *const icom_command_keys[] = { "release", "forward", NULL };
static const char *const release_keys[] = { "register", "value", "release_ms",
    NULL };
static const char *const forward_keys[] = { "register", NULL };
static const char *const icom_device_keys[] = { "station", "next",
    "ring_timeout_s", NULL };

#define RING_TIMEOUT_DEF	15	/* about three rings */

const char *
config_icom_call_name(enum icom_call c)
{
	return conf_word(call_value_keys, (int)c - 1, "unknown");
}

const char *
config_icom_cmd_name(enum icom_cmd c)
{
	return conf_word(icom_command_keys, (int)c, "?");
}

static void
load_icom_commands(struct load *ld, const struct scope *psc,
    const config_setting_t *pg, struct icom_profile *ic)
{
	const config_setting_t *g, *cg;
	struct scope sc, csc;
	struct reg_point pt;

	if ((g = conf_member(ld, psc, pg, "commands", W_GROUP, false)) == NULL)
		return;
	conf_scope_sub(&sc, psc, "commands");
	conf_check_keys(ld, &sc, g, icom_command_keys, false);

	if ((cg = conf_member(ld, &sc, g, "release", W_GROUP, false)) != NULL) {
		conf_scope_sub(&csc, &sc, "release");
		conf_check_keys(ld, &csc, cg, release_keys, false);
		/* 0 is what a timed release writes to end it. */
		ic->release.set = conf_get_write(ld, &csc, cg, 1, &ic->release);
		conf_get_int(ld, &csc, cg, "release_ms", false, 100, 60000,
		    &ic->release_ms);
	}
	if ((cg = conf_member(ld, &sc, g, "forward", W_GROUP, false)) != NULL) {
		conf_scope_sub(&csc, &sc, "forward");
		conf_check_keys(ld, &csc, cg, forward_keys, false);
		if (conf_get_write_reg(ld, &csc, cg, "register", false, &pt))
			ic->forward = pt;
	}
}

/* Profile I, element E, of kind "intercom". */
void
conf_load_icom_profile(struct load *ld, int i, const config_setting_t *e)
{
	struct icom_profile *ic = &ld->site->profiles[i].icom;
	struct scope sc;

	conf_profile_begin(ld, &sc, i, e, PROFILE_INTERCOM, icom_profile_keys);
	/* The call state tells three values apart: a register, not a bit. */
	conf_get_point(ld, &sc, e, "call_state", true, false, true, &ic->call);
	conf_load_values(ld, &sc, e, "call_values", call_value_keys, 0x7,
	    ic->call.width, ic->call_value, "");
	conf_get_point(ld, &sc, e, "call_button", false, true, false,
	    &ic->button);
	conf_get_point(ld, &sc, e, "door_state", false, true, false, &ic->door);
	load_icom_commands(ld, &sc, e, ic);
}

/* Device DI's "next" chain from DI: true when it comes back to DI. */
static bool
next_loops(const struct site_conf *site, int di, char *path, size_t size)
{
	int d = di, n = 0;
	size_t len;

	str_printf(path, size, "%s", site->devices[di].name);
	while ((d = site->devices[d].next) >= 0 && n++ <= site->ndevices) {
		len = strlen(path);
		str_printf(path + len, size - len, " -> %s",
		    site->devices[d].name);
		if (d == di)
			return true;
		/* Reported once, by the lowest device of the loop. */
		if (d < di)
			return false;
	}
	return false;
}

/*
 * The devices section's intercom settings, once profiles are resolved:
 * a device with an intercom profile is an intercom station and needs a
 * station number; station, next and ring_timeout_s belong to no other
 * device; next names another station, and the chain never loops.
 */
void
conf_icom_devices(struct load *ld)
{
	struct site_conf *site = ld->site;
	const config_setting_t *nm[CONF_MAX_DEVICES] = { NULL };
	const config_setting_t *m;
	struct scope sc;
	char qb[80], path[320];
	int i, j, k, n;

	for (i = 0; i < site->ndevices; i++) {
		site->devices[i].next = -1;
		site->devices[i].ring_timeout_s = RING_TIMEOUT_DEF;
	}
	for (i = 0; i < ld->ndev_sec; i++) {
		struct device_conf *d = &site->devices[i];
		const config_setting_t *e = ld->dev_elem[i];
		bool icom;

		if (e == NULL || !config_setting_is_group(e))
			continue;
		icom = d->profile >= 0 &&
		    site->profiles[d->profile].kind == PROFILE_INTERCOM;
		conf_scope_elem(&sc, "devices", i, e);
		if (!icom) {
			for (k = 0; icom_device_keys[k] != NULL; k++) {
				m = config_setting_get_member(e,
				    icom_device_keys[k]);
				if (m != NULL && d->profile >= 0)
					conf_serr(ld, &sc, m, "%s applies only "
					    "to intercom stations (profile "
					    "\"%s\" is not an intercom profile)",
					    icom_device_keys[k],
					    site->profiles[d->profile].name);
			}
			continue;
		}
		d->kind = DEV_INTERCOM;
		conf_get_int(ld, &sc, e, "station", true, 1, 65535, &d->station);
		conf_get_int(ld, &sc, e, "ring_timeout_s", false, 1, 600,
		    &d->ring_timeout_s);
		nm[i] = conf_get_name(ld, &sc, e, "next", false, NULL);
		if (d->station == 0)
			continue;
		for (j = 0; j < i; j++) {
			if (site->devices[j].kind != DEV_INTERCOM ||
			    site->devices[j].station != d->station)
				continue;
			conf_serr(ld, &sc, config_setting_get_member(e,
			    "station"), "station %d is already used by "
			    "devices[%d] \"%s\"", d->station, j,
			    site->devices[j].name);
			break;
		}
	}
	for (i = 0; i < ld->ndev_sec; i++) {
		const char *name;

		if (nm[i] == NULL)
			continue;
		conf_scope_elem(&sc, "devices", i, ld->dev_elem[i]);
		name = config_setting_get_string(nm[i]);
		n = config_device_index(site, name);
		if (n < 0) {
			conf_serr(ld, &sc, nm[i], "next %s is not defined in "
			    "devices", conf_quote(qb, sizeof(qb), name));
		} else if (site->devices[n].kind != DEV_INTERCOM) {
			conf_serr(ld, &sc, nm[i], "next %s is a %s, not an "
			    "intercom station", conf_quote(qb, sizeof(qb), name),
			    config_device_kind_name(site->devices[n].kind));
		} else if (!site->profiles[site->devices[i].profile].icom.forward.set) {
			conf_serr(ld, &sc, nm[i], "next %s needs a forward "
			    "command in profile \"%s\"", conf_quote(qb,
			    sizeof(qb), name),
			    site->profiles[site->devices[i].profile].name);
		} else {
			site->devices[i].next = n;
		}
	}
	for (i = 0; i < ld->ndev_sec; i++) {
		if (site->devices[i].next < 0 ||
		    !next_loops(site, i, path, sizeof(path)))
			continue;
		conf_scope_elem(&sc, "devices", i, ld->dev_elem[i]);
		conf_serr(ld, &sc, nm[i], "next chain loops back: %s (an "
		    "unanswered call would be forwarded for ever)", path);
	}
	/* A loop is an error already; unlinking it keeps later code simple. */
	for (i = 0; i < ld->ndev_sec; i++)
		if (site->devices[i].next >= 0 && next_loops(site, i, path,
		    sizeof(path)))
			site->devices[i].next = -1;
}
