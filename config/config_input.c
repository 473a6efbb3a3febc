/*
 * Contact inputs in the config: a devices[] element of kind "input" is one
 * point of a Modbus unit (a coil, a discrete input or a register) read as
 * on/off, with what the contact means (door, rex, fire, power, tamper).
 */
#include "config_int.h"

#include <string.h>

#include "../common/util.h"

static const char *const input_keys[] = { "name", "link", "unit", "kind",
    "point", "function", "active_low", "poll_ms", "deadline_ms", NULL };
/* Keys of other kinds of device, which are errors of their own here. */
static const char *const other_device_keys[] = { "profile", NULL };
const char *const conf_input_functions[] = { "door", "rex", "fire",
    "power", "tamper", NULL };

#define INPUT_POLL_MS	100	/* a fire contact is worth a fast poll */

const char *
config_input_function_name(enum input_function f)
{
	return conf_word(conf_input_functions, (int)f, "?");
}

bool
conf_get_bool(struct load *ld, const struct scope *sc,
    const config_setting_t *g, const char *key, bool *out)
{
	const config_setting_t *m = config_setting_get_member(g, key);

	if (m == NULL)
		return false;
	if (config_setting_type(m) != CONFIG_TYPE_BOOL) {
		conf_serr(ld, sc, m, "%s%s must be true or false", sc->kp, key);
		return false;
	}
	*out = config_setting_get_bool(m) != 0;
	return true;
}

void
conf_load_input(struct load *ld, int i, const config_setting_t *e,
    const struct scope *sc)
{
	struct device_conf *d = &ld->site->devices[i];
	int fn;

	d->kind = DEV_INPUT;
	d->line = (int)config_setting_source_line(e);
	d->link = -1;
	d->profile = -1;
	d->poll_ms = INPUT_POLL_MS;
	ld->dev_elem[i] = e;
	ld->dev_profile[i] = NULL;

	conf_check_kind_keys(ld, sc, e, input_keys, other_device_keys,
	    "an input");
	conf_get_name(ld, sc, e, "name", true, d->name);
	ld->dev_link[i] = conf_get_name(ld, sc, e, "link", true, NULL);
	if (!conf_get_int_raw(ld, sc, e, "unit", true, &ld->dev_unit_val[i],
	    ld->dev_unit_txt[i], sizeof(ld->dev_unit_txt[i]), &ld->dev_unit[i]))
		ld->dev_unit[i] = NULL;
	conf_get_int(ld, sc, e, "poll_ms", false, 20, 60000, &d->poll_ms);
	conf_get_int(ld, sc, e, "deadline_ms", false, 10, 1000,
	    &d->deadline_ms);
	conf_get_point(ld, sc, e, "point", true, true, true, &d->point);
	if (conf_get_choice(ld, sc, e, "function", true, conf_input_functions, &fn))
		d->function = (enum input_function)fn;
	conf_get_bool(ld, sc, e, "active_low", &d->active_low);
}
