/*
 * Device profiles in the config: what a turnstile model's registers mean,
 * read from "TABLE:ADDR" register points, state values and the four
 * command writes.
 */
#include "config_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const profile_keys[] = { "name", "kind", "state",
    "state_values", "entry_counter", "exit_counter", "fault_code", "commands",
    NULL };
static const char *const state_value_keys[] = { "idle", "passing", "fault",
    NULL };
static const char *const command_keys[] = { "open_entry", "open_exit", "free",
    "lock", NULL };
static const char *const write_keys[] = { "register", "value", NULL };
/* By enum profile_kind; elevators and intercoms are read elsewhere. */
static const char *const kind_names[] = { "turnstile", "elevator", "intercom",
    NULL };
static const char *const table_names[] = { "coil", "discrete", "input",
    "holding", NULL };

/* Parses "TABLE:ADDR" or "TABLE:ADDR:u32". Returns NULL, or why not. */
static const char *
parse_point(const char *s, struct reg_point *pt)
{
	char table[16];
	const char *colon = strchr(s, ':'), *a;
	char *end;
	unsigned long addr;
	size_t tlen;
	int t;

	if (colon == NULL || (tlen = (size_t)(colon - s)) >= sizeof(table))
		return "is not a register point (TABLE:ADDR or TABLE:ADDR:u32, "
		    "TABLE one of coil, discrete, input, holding)";
	memcpy(table, s, tlen);
	table[tlen] = '\0';
	for (t = 0; table_names[t] != NULL; t++)
		if (strcmp(table, table_names[t]) == 0)
			break;
	if (table_names[t] == NULL)
		return "has an unknown table (coil, discrete, input or holding)";
	a = colon + 1;
	if (!(*a >= '0' && *a <= '9'))
		return "has a bad address (0..65535, decimal or 0x hex)";
	errno = 0;
	if (a[0] == '0' && (a[1] == 'x' || a[1] == 'X')) {
		if (!((a[2] >= '0' && a[2] <= '9') ||
		    (a[2] >= 'a' && a[2] <= 'f') || (a[2] >= 'A' && a[2] <= 'F')))
			return "has a bad address (0..65535, decimal or 0x hex)";
		addr = strtoul(a + 2, &end, 16);
	} else {
		addr = strtoul(a, &end, 10);
	}
	if (errno == ERANGE || addr > 65535 || (*end != '\0' && *end != ':'))
		return "has a bad address (0..65535, decimal or 0x hex)";
	pt->set = true;
	pt->table = (enum reg_table)t;
	pt->addr = (uint16_t)addr;
	pt->width = t == REG_COIL || t == REG_DISCRETE ? 1 : 16;
	if (*end == ':') {
		if (strcmp(end + 1, "u32") != 0)
			return "has an unknown width (only \":u32\" may follow "
			    "the address)";
		if (pt->width == 1)
			return "is a single bit: u32 applies only to input and "
			    "holding registers";
		if (addr > 65534)
			return "needs two registers for u32: address at most "
			    "65534";
		pt->width = 32;
	}
	return NULL;
}

static const config_setting_t *
get_point(struct load *ld, const struct scope *sc, const config_setting_t *g,
    const char *key, bool required, struct reg_point *pt)
{
	const config_setting_t *m = conf_member(ld, sc, g, key, W_STR,
	    required);
	const char *why;
	char qb[80];

	if (m == NULL)
		return NULL;
	if ((why = parse_point(config_setting_get_string(m), pt)) != NULL) {
		memset(pt, 0, sizeof(*pt));
		conf_serr(ld, sc, m, "%s%s %s %s", sc->kp, key,
		    conf_quote(qb, sizeof(qb), config_setting_get_string(m)),
		    why);
		return NULL;
	}
	return m;
}

/*
 * A group of named values (GROUP: KEYS, NULL-terminated, three of them)
 * that a point reads in each state: each within the point's width, no two
 * the same. out[1..3] gets them, in the order of KEYS. note follows the
 * range in an out-of-range message.
 */
void
conf_load_values(struct load *ld, const struct scope *psc,
    const config_setting_t *pg, const char *group, const char *const *keys,
    int width, int32_t out[4], const char *note)
{
	const config_setting_t *g, *m[4] = { NULL };
	struct scope sc;
	long long v[4], hi;
	char txt[32];
	int i, j;

	if ((g = conf_member(ld, psc, pg, group, W_GROUP, true)) == NULL)
		return;
	conf_scope_sub(&sc, psc, group);
	conf_check_keys(ld, &sc, g, keys, false);
	hi = width == 32 ? INT32_MAX : 65535;
	for (i = 1; i <= 3; i++) {
		const char *key = keys[i - 1];

		if (!conf_get_int_raw(ld, &sc, g, key, true, &v[i], txt,
		    sizeof(txt), &m[i]))
			continue;
		if (v[i] < 0 || v[i] > hi) {
			conf_serr(ld, &sc, m[i], "%s%s %s is out of range "
			    "0..%lld%s", sc.kp, key, txt, hi, note);
			m[i] = NULL;
			continue;
		}
		out[i] = (int32_t)v[i];
		for (j = 1; j < i; j++) {
			if (m[j] != NULL && v[j] == v[i]) {
				conf_serr(ld, &sc, m[i], "%s%s %lld is the "
				    "same as %s%s", sc.kp, key, v[i], sc.kp,
				    keys[j - 1]);
				break;
			}
		}
	}
}

static void
load_state_values(struct load *ld, const struct scope *psc,
    const config_setting_t *pg, struct profile *p, bool state_ok)
{
	/* Without a good state point, 16 bits is assumed. */
	conf_load_values(ld, psc, pg, "state_values", state_value_keys,
	    p->state.width, p->state_value, state_ok ? (p->state.width == 32 ?
	    " for a u32 state" : " for a 16-bit state") : "");
}

static void
load_commands(struct load *ld, const struct scope *psc,
    const config_setting_t *pg, struct profile *p)
{
	const config_setting_t *g, *cg, *rm;
	struct scope sc, csc;
	struct reg_point pt;
	struct reg_write *w;
	const char *why;
	const config_setting_t *vm;
	long long v;
	char qb[80], txt[32];
	int c, hi;

	if ((g = conf_member(ld, psc, pg, "commands", W_GROUP, true)) == NULL)
		return;
	conf_scope_sub(&sc, psc, "commands");
	conf_check_keys(ld, &sc, g, command_keys, false);
	for (c = 0; c < TS_CMD_COUNT; c++) {
		w = &p->cmd[c];
		cg = conf_member(ld, &sc, g, command_keys[c], W_GROUP, true);
		if (cg == NULL)
			continue;
		conf_scope_sub(&csc, &sc, command_keys[c]);
		conf_check_keys(ld, &csc, cg, write_keys, false);
		hi = 65535;
		if ((rm = conf_member(ld, &csc, cg, "register", W_STR,
		    true)) != NULL) {
			memset(&pt, 0, sizeof(pt));
			why = parse_point(config_setting_get_string(rm), &pt);
			if (why != NULL || pt.width == 32 ||
			    (pt.table != REG_COIL && pt.table != REG_HOLDING)) {
				conf_serr(ld, &csc, rm, "%sregister %s must be "
				    "\"coil:N\" or \"holding:N\" (N 0..65535)",
				    csc.kp, conf_quote(qb, sizeof(qb),
				    config_setting_get_string(rm)));
			} else {
				w->table = pt.table;
				w->addr = pt.addr;
				if (pt.table == REG_COIL)
					hi = 1;
			}
		}
		if (!conf_get_int_raw(ld, &csc, cg, "value", true, &v, txt,
		    sizeof(txt), &vm))
			continue;
		if (v < 0 || v > hi) {
			conf_serr(ld, &csc, vm, "%svalue %s is out of range "
			    "0..%d%s", csc.kp, txt, hi,
			    hi == 1 ? " for a coil" : "");
			continue;
		}
		w->value = (uint16_t)v;
		w->set = true;
	}
}

void
conf_load_profile(struct load *ld, int i, const config_setting_t *e)
{
	struct profile *p = &ld->site->profiles[i];
	struct scope sc;
	const config_setting_t *m;
	char qb[80];
	int kind = 0, j;
	bool state_ok;

	if (conf_icom_is_profile(e)) {
		conf_load_icom_profile(ld, i, e);
		return;
	}
	if (conf_elev_is_profile(e)) {
		conf_load_elev_profile(ld, i, e);
		return;
	}
	conf_scope_elem(&sc, "profiles", i, e);
	conf_check_keys(ld, &sc, e, profile_keys, false);
	if ((m = conf_get_name(ld, &sc, e, "name", true, p->name)) != NULL) {
		for (j = 0; j < i; j++) {
			if (strcmp(ld->site->profiles[j].name, p->name) == 0) {
				conf_serr(ld, &sc, m, "name %s is already used "
				    "by profiles[%d]",
				    conf_quote(qb, sizeof(qb), p->name), j);
				break;
			}
		}
	}
	if (conf_get_choice(ld, &sc, e, "kind", true, kind_names, &kind))
		p->kind = (enum profile_kind)kind;
	state_ok = false;
	if ((m = get_point(ld, &sc, e, "state", true, &p->state)) != NULL) {
		if (p->state.width == 1)
			conf_serr(ld, &sc, m, "state %s is a single bit and "
			    "cannot tell idle, passing and fault apart: use an "
			    "input or holding register", conf_quote(qb,
			    sizeof(qb), config_setting_get_string(m)));
		else
			state_ok = true;
	}
	load_state_values(ld, &sc, e, p, state_ok);
	if ((m = get_point(ld, &sc, e, "entry_counter", true,
	    &p->entry_count)) != NULL && p->entry_count.width == 1)
		conf_serr(ld, &sc, m, "entry_counter %s must be an input or "
		    "holding register", conf_quote(qb, sizeof(qb),
		    config_setting_get_string(m)));
	if ((m = get_point(ld, &sc, e, "exit_counter", true,
	    &p->exit_count)) != NULL && p->exit_count.width == 1)
		conf_serr(ld, &sc, m, "exit_counter %s must be an input or "
		    "holding register", conf_quote(qb, sizeof(qb),
		    config_setting_get_string(m)));
	get_point(ld, &sc, e, "fault_code", false, &p->fault_code);
	load_commands(ld, &sc, e, p);
}

/* The same points, for contact inputs (config_input.c). */
const char *
conf_parse_point(const char *s, struct reg_point *pt)
{
	return parse_point(s, pt);
}
