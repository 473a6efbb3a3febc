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
/* By enum ts_state from TS_IDLE; by enum ts_cmd. */
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

const char *
config_ts_state_name(enum ts_state s)
{
	return s == TS_UNKNOWN ? "unknown" :
	    conf_word(state_value_keys, (int)s - 1, "?");
}

const char *
config_ts_cmd_name(enum ts_cmd c)
{
	return conf_word(command_keys, (int)c, "?");
}

/* Parses "TABLE:ADDR" or "TABLE:ADDR:u32". Returns NULL, or why not. */
const char *
conf_parse_point(const char *s, struct reg_point *pt)
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
	if ((t = conf_word_index(table_names, table)) < 0)
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

const config_setting_t *
conf_get_point(struct load *ld, const struct scope *sc,
    const config_setting_t *g, const char *key, bool required, bool bits_ok,
    bool regs_ok, struct reg_point *pt)
{
	const config_setting_t *m = conf_member(ld, sc, g, key, W_STR,
	    required);
	const char *why, *s;
	char qb[80];

	if (m == NULL)
		return NULL;
	s = config_setting_get_string(m);
	if ((why = conf_parse_point(s, pt)) != NULL) {
		memset(pt, 0, sizeof(*pt));
		conf_serr(ld, sc, m, "%s%s %s %s", sc->kp, key,
		    conf_quote(qb, sizeof(qb), s), why);
		return NULL;
	}
	if ((pt->width == 1 && !bits_ok) || (pt->width != 1 && !regs_ok)) {
		conf_serr(ld, sc, m, "%s%s %s must be %s", sc->kp, key,
		    conf_quote(qb, sizeof(qb), s), bits_ok ?
		    "a coil or discrete input" : "an input or holding register");
		memset(pt, 0, sizeof(*pt));
		return NULL;
	}
	return m;
}

/* Register KEY of G that a command writes: a holding register, or a coil
 * when COIL_OK; NULL (reported, *pt zeroed) when not. */
const config_setting_t *
conf_get_write_reg(struct load *ld, const struct scope *sc,
    const config_setting_t *g, const char *key, bool coil_ok,
    struct reg_point *pt)
{
	const config_setting_t *m = conf_member(ld, sc, g, key, W_STR, true);
	char qb[80];

	if (m == NULL)
		return NULL;
	memset(pt, 0, sizeof(*pt));
	if (conf_parse_point(config_setting_get_string(m), pt) != NULL ||
	    pt->width == 32 || (pt->table != REG_HOLDING &&
	    !(coil_ok && pt->table == REG_COIL))) {
		conf_serr(ld, sc, m, "%s%s %s must be %s (N 0..65535)", sc->kp,
		    key, conf_quote(qb, sizeof(qb),
		    config_setting_get_string(m)), coil_ok ?
		    "\"coil:N\" or \"holding:N\"" : "\"holding:N\"");
		memset(pt, 0, sizeof(*pt));
		return NULL;
	}
	return m;
}

/*
 * A group of named values (GROUP: KEYS, NULL-terminated, at most eight; bit
 * i of REQ: KEYS[i] is required) that a point reads in each state: each
 * within the point's width, no two the same. out[1..] gets them, in the
 * order of KEYS; an absent one leaves its slot alone. NOTE follows the
 * range in an out-of-range message.
 */
void
conf_load_values(struct load *ld, const struct scope *psc,
    const config_setting_t *pg, const char *group, const char *const *keys,
    unsigned req, int width, int32_t *out, const char *note)
{
	const config_setting_t *g, *m[8] = { NULL };
	struct scope sc;
	long long v[8], hi = width == 32 ? INT32_MAX : 65535;
	char txt[32];
	int i, j;

	if ((g = conf_member(ld, psc, pg, group, W_GROUP, true)) == NULL)
		return;
	conf_scope_sub(&sc, psc, group);
	conf_check_keys(ld, &sc, g, keys, false);
	for (i = 0; keys[i] != NULL && i < 8; i++) {
		if (!conf_get_int_raw(ld, &sc, g, keys[i], (req >> i) & 1, &v[i],
		    txt, sizeof(txt), &m[i]))
			continue;
		if (v[i] < 0 || v[i] > hi) {
			conf_serr(ld, &sc, m[i], "%s%s %s is out of range "
			    "0..%lld%s", sc.kp, keys[i], txt, hi, note);
			m[i] = NULL;
			continue;
		}
		for (j = 0; j < i; j++) {
			if (m[j] != NULL && v[j] == v[i]) {
				conf_serr(ld, &sc, m[i], "%s%s %lld is the "
				    "same as %s%s", sc.kp, keys[i], v[i], sc.kp,
				    keys[j]);
				break;
			}
		}
		if (j == i)
			out[i + 1] = (int32_t)v[i];
		else
			m[i] = NULL;
	}
}

static void
load_state_values(struct load *ld, const struct scope *psc,
    const config_setting_t *pg, struct profile *p, bool state_ok)
{
	/* Without a good state point, 16 bits is assumed. */
	conf_load_values(ld, psc, pg, "state_values", state_value_keys, 0x7,
	    p->state.width, p->state_value, state_ok ? (p->state.width == 32 ?
	    " for a u32 state" : " for a 16-bit state") : "");
}

bool
conf_get_write(struct load *ld, const struct scope *sc,
    const config_setting_t *cg, int lo, struct reg_write *w)
{
	const config_setting_t *vm;
	struct reg_point pt;
	long long v;
	char txt[32];
	bool reg_ok;
	int hi = 65535;

	reg_ok = conf_get_write_reg(ld, sc, cg, "register", true, &pt) != NULL;
	if (reg_ok) {
		w->table = pt.table;
		w->addr = pt.addr;
		if (pt.table == REG_COIL)
			hi = 1;
	}
	if (!conf_get_int_raw(ld, sc, cg, "value", true, &v, txt, sizeof(txt),
	    &vm))
		return false;
	if (v < lo || v > hi) {
		conf_serr(ld, sc, vm, "%svalue %s is out of range %d..%d%s",
		    sc->kp, txt, lo, hi, hi == 1 ? " for a coil" : "");
		return false;
	}
	w->value = (uint16_t)v;
	return reg_ok;
}

static void
load_commands(struct load *ld, const struct scope *psc,
    const config_setting_t *pg, struct profile *p)
{
	const config_setting_t *g, *cg;
	struct scope sc, csc;
	int c;

	if ((g = conf_member(ld, psc, pg, "commands", W_GROUP, true)) == NULL)
		return;
	conf_scope_sub(&sc, psc, "commands");
	conf_check_keys(ld, &sc, g, command_keys, false);
	for (c = 0; c < TS_CMD_COUNT; c++) {
		cg = conf_member(ld, &sc, g, command_keys[c], W_GROUP, true);
		if (cg == NULL)
			continue;
		conf_scope_sub(&csc, &sc, command_keys[c]);
		conf_check_keys(ld, &csc, cg, write_keys, false);
		p->cmd[c].set = conf_get_write(ld, &csc, cg, 0, &p->cmd[c]);
	}
}

/* Kinds of profile read elsewhere, by the "kind" they name. */
static const struct {
	const char	*kind;
	void		(*load)(struct load *, int i, const config_setting_t *e);
} kind_loaders[] = {
	{ "intercom",	conf_load_icom_profile },	/* config_icom.c */
	{ "elevator",	conf_load_elev_profile },	/* config_elev.c */
};

void
conf_load_profile(struct load *ld, int i, const config_setting_t *e)
{
	const config_setting_t *k = config_setting_get_member(e, "kind");
	struct profile *p = &ld->site->profiles[i];
	struct scope sc;
	const config_setting_t *m;
	char qb[80];
	int kind = 0;
	size_t n;
	bool state_ok;

	for (n = 0; k != NULL && config_setting_type(k) == CONFIG_TYPE_STRING &&
	    n < sizeof(kind_loaders) / sizeof(kind_loaders[0]); n++) {
		if (strcmp(config_setting_get_string(k),
		    kind_loaders[n].kind) == 0) {
			kind_loaders[n].load(ld, i, e);
			return;
		}
	}
	conf_profile_begin(ld, &sc, i, e, PROFILE_TURNSTILE, profile_keys);
	if (conf_get_choice(ld, &sc, e, "kind", true, kind_names, &kind))
		p->kind = (enum profile_kind)kind;
	state_ok = false;
	if ((m = conf_get_point(ld, &sc, e, "state", true, true, true,
	    &p->state)) != NULL) {
		if (p->state.width == 1)
			conf_serr(ld, &sc, m, "state %s is a single bit and "
			    "cannot tell idle, passing and fault apart: use an "
			    "input or holding register", conf_quote(qb,
			    sizeof(qb), config_setting_get_string(m)));
		else
			state_ok = true;
	}
	load_state_values(ld, &sc, e, p, state_ok);
	conf_get_point(ld, &sc, e, "entry_counter", true, false, true,
	    &p->entry_count);
	conf_get_point(ld, &sc, e, "exit_counter", true, false, true,
	    &p->exit_count);
	conf_get_point(ld, &sc, e, "fault_code", false, true, true,
	    &p->fault_code);
	load_commands(ld, &sc, e, p);
}

void
conf_profile_begin(struct load *ld, struct scope *sc, int i,
    const config_setting_t *e, enum profile_kind kind,
    const char *const *keys)
{
	const config_setting_t *m;

	ld->site->profiles[i].kind = kind;
	conf_elem_begin(ld, sc, "profiles", i, e, keys);
	m = conf_get_name(ld, sc, e, "name", true, ld->site->profiles[i].name);
	if (m != NULL)
		conf_name_taken(ld, sc, m, "profiles", i, config_profile_index);
}
