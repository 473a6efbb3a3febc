/*
 * Inside config loading: the state of one config_load() and the checked
 * getters and error lines its parts share (config_read.c). Internal names
 * are conf_*, so that they never read as libconfig's own config_* calls.
 */
#ifndef LOBBYD_CONFIG_INT_H
#define LOBBYD_CONFIG_INT_H

#include <libconfig.h>

#include "config.h"

/* A file's text, for looking at integer literals libconfig 1.5 wraps. */
struct src_text {
	char		*name;
	char		*text;
};

#define SRC_MAX	8

/* Where a setting sits: "links[0]" for unknown keys, `links[0] "bus1"` to
 * start a message, "commands.free." in front of nested keys. */
struct scope {
	char		path[96];
	char		label[160];
	char		kp[48];
};

struct load {
	const char	*file;
	FILE		*errs;
	struct site_conf *site;
	config_t	cfg;
	struct conf_err	*ev;			/* error lines, in config_read.c */
	int		nev, cap;
	int		nerr;
	struct src_text	src[SRC_MAX];
	int		nsrc;
	char		*incdir;		/* directory of FILE, with '/' */
	char		*incname[SRC_MAX];	/* included files, as opened */
	int		nincname;

	/* Pending references, resolved once every section is read. */
	int		nlink_sec;		/* links from the links section */
	int		ndev_sec;		/* devices from the devices section */
	const config_setting_t *dev_link[CONF_MAX_DEVICES];
	const config_setting_t *dev_profile[CONF_MAX_DEVICES];
	const config_setting_t *dev_unit[CONF_MAX_DEVICES];
	long long	dev_unit_val[CONF_MAX_DEVICES];
	char		dev_unit_txt[CONF_MAX_DEVICES][24];
	const config_setting_t *dev_elem[CONF_MAX_DEVICES];
	const config_setting_t *link_elem[CONF_MAX_LINKS];
	const config_setting_t *link_path[CONF_MAX_LINKS];
	const config_setting_t *lane_elem[CONF_MAX_LANES];
	const config_setting_t *lane_ts[CONF_MAX_LANES];
	const config_setting_t *lane_in[CONF_MAX_LANES];
	const config_setting_t *lane_out[CONF_MAX_LANES];
};

/* Kinds of value a setting may be asked to be. */
enum want { W_INT, W_STR, W_GROUP, W_LIST, W_STRINGS };

/* The root: top-level settings are named without a prefix. */
extern const struct scope conf_root_scope;

/* config_read.c: error lines, kept until conf_flush_errs() prints them in
 * file order, the main file first. */
const char *conf_file_name(struct load *, const char *raw);
void	conf_add_err_line(struct load *, const char *file, int line,
	    const char *text);
void	conf_err(struct load *, const config_setting_t *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	conf_serr(struct load *, const struct scope *,
	    const config_setting_t *, const char *, ...)
	    __attribute__((format(printf, 4, 5)));
void	conf_flush_errs(struct load *);
const char *conf_quote(char *buf, size_t size, const char *s);

/* config_read.c: scopes, keys and getters. A getter that fails has
 * reported why; an absent optional setting leaves *out alone. */
void	conf_scope_top(struct scope *, const char *name);
void	conf_scope_elem(struct scope *, const char *list, int i,
	    const config_setting_t *elem);
void	conf_scope_sub(struct scope *sub, const struct scope *,
	    const char *key);
void	conf_check_keys(struct load *, const struct scope *,
	    const config_setting_t *g, const char *const *keys, bool top);
/* Element I of LIST, E, begins: its scope into SC and its members checked
 * against KEYS. Returns its line. */
int	conf_elem_begin(struct load *, struct scope *sc, const char *list,
	    int i, const config_setting_t *e, const char *const *keys);
/* Keys of G for one kind: KEYS belong, OTHERS "do not apply to WHAT". */
void	conf_check_kind_keys(struct load *, const struct scope *,
	    const config_setting_t *g, const char *const *keys,
	    const char *const *others, const char *what);
const config_setting_t *conf_member(struct load *, const struct scope *,
	    const config_setting_t *g, const char *key, enum want,
	    bool required);
int	conf_get_int_raw(struct load *, const struct scope *,
	    const config_setting_t *g, const char *key, bool required,
	    long long *val, char *txt, size_t size,
	    const config_setting_t **where);
bool	conf_get_int(struct load *, const struct scope *,
	    const config_setting_t *g, const char *key, bool required,
	    long long lo, long long hi, int *out);
bool	conf_get_int_of(struct load *, const struct scope *,
	    const config_setting_t *g, const char *key, const int *set,
	    size_t nset, int *out);
const config_setting_t *conf_get_str(struct load *, const struct scope *,
	    const config_setting_t *g, const char *key, bool required,
	    char *buf, size_t size);
const config_setting_t *conf_get_name(struct load *, const struct scope *,
	    const config_setting_t *g, const char *key, bool required,
	    char *buf);
bool	conf_get_choice(struct load *, const struct scope *,
	    const config_setting_t *g, const char *key, bool required,
	    const char *const *choices, int *out);

/* config_read.c: the root's group KEY (scope *sc, keys checked against
 * KEYS), NULL when absent; and the root's lists, element by element. */
const config_setting_t *conf_root_group(struct load *,
	    const config_setting_t *root, const char *key,
	    const char *const *keys, struct scope *sc);
struct conf_list {
	const char	*key;		/* "lanes": the list, and in messages */
	int		max;		/* elements kept; more is an error */
	const char	*note;		/* after the limit: ", readers included" */
	/* Readies element I, a group or not (NULL: nothing to ready). */
	void		(*init)(struct load *, int i, const config_setting_t *e);
	/* Reads element I, a group. */
	void		(*load)(struct load *, int i, const config_setting_t *e);
};
/* *count: the elements kept, those reported as not groups included. */
void	conf_load_list(struct load *, const config_setting_t *root,
	    const struct conf_list *, int *count);
/*
 * Name setting M of an element against the first BEFORE of LIST, which
 * INDEX looks names up in: true, and reported, when one of them has it.
 */
bool	conf_name_taken(struct load *, const struct scope *,
	    const config_setting_t *m, const char *list, int before,
	    int (*index)(const struct site_conf *, const char *));
/*
 * The required name of element I, E, of LIST ("lanes", "doors" or
 * "elevators"), copied to NAME: an event names its lane, door or elevator
 * in one place, so the name is unique among the three lists (its own list's
 * elements before it, the others' read so far).
 */
void	conf_event_name(struct load *, const struct scope *,
	    const config_setting_t *e, const char *list, int i, char *name);

/* config_profile.c: profiles[I], element E; how each kind's loader
 * begins one of KIND: as conf_elem_begin, and its name unique among the
 * profiles before it. */
void	conf_load_profile(struct load *, int i, const config_setting_t *e);
void	conf_profile_begin(struct load *, struct scope *sc, int i,
	    const config_setting_t *e, enum profile_kind kind,
	    const char *const *keys);

/* config_profile.c: parses "TABLE:ADDR[:u32]"; NULL, or why not. */
const char *conf_parse_point(const char *s, struct reg_point *pt);
/* config_profile.c: point KEY of G into *pt; NULL (reported, *pt zeroed)
 * when it is none, or a bit where !BITS_OK, or a register where !REGS_OK. */
const config_setting_t *conf_get_point(struct load *, const struct scope *,
	    const config_setting_t *g, const char *key, bool required,
	    bool bits_ok, bool regs_ok, struct reg_point *pt);
/* config_profile.c: register KEY of G that a command writes, "holding:N"
 * or, when COIL_OK, "coil:N"; NULL (reported, *pt zeroed) when not. */
const config_setting_t *conf_get_write_reg(struct load *,
	    const struct scope *, const config_setting_t *g, const char *key,
	    bool coil_ok, struct reg_point *pt);
/* The write of command group CG: its "register" (a holding register or a
 * coil) into W's table and address, its "value" (LO..65535, LO..1 for a
 * coil) into W's value; true when both are good. */
bool	conf_get_write(struct load *, const struct scope *,
	    const config_setting_t *cg, int lo, struct reg_write *w);

/* config_icom.c: intercom profiles, and the devices' station settings
 * once profiles are resolved (before lanes). */
void	conf_load_icom_profile(struct load *, int i, const config_setting_t *e);
void	conf_icom_devices(struct load *);

/* config_elev.c: elevator profiles; the devices using one (once profiles
 * are resolved); after every other list, the elevators and freight groups. */
void	conf_load_elev_profile(struct load *, int i, const config_setting_t *e);
void	conf_elev_devices(struct load *);
void	conf_elev_load(struct load *, const config_setting_t *root);

/* config_devices.c: the lists (profiles, links, devices, readers, lanes)
 * and the references between them. */
void	conf_load_sections(struct load *, const config_setting_t *root);

/* config_profile.c: the named state values of a point (GROUP: KEYS, bit i
 * of REQ: KEYS[i] required) into out[1..], range- and duplicate-checked;
 * note follows a range error. */
void	conf_load_values(struct load *, const struct scope *,
	    const config_setting_t *pg, const char *group,
	    const char *const *keys, unsigned req, int width, int32_t *out,
	    const char *note);

/* config_input.c: devices[I] (element E, scope SC) of kind "input"; and
 * boolean KEY of G into *out (true when present and a boolean). */
void	conf_load_input(struct load *, int i, const config_setting_t *e,
	    const struct scope *sc);
bool	conf_get_bool(struct load *, const struct scope *,
	    const config_setting_t *g, const char *key, bool *out);
/* config_tickets.c: the tickets group (the daily summary's time). */
void	conf_load_tickets(struct load *, const config_setting_t *root);
/* config_gpio.c: a gpio link, a device on one (false: not on a gpio link),
 * and, after every other list, the lines on each chip and the doors. */
void	conf_gpio_link(struct load *, int i, const config_setting_t *e,
	    const struct scope *);
bool	conf_gpio_device(struct load *, int i, const config_setting_t *e);
/*
 * What a lane's, a door's or an elevator's device setting must name: a
 * device of KIND (an input of FUNCTION; -1: any function), WANT in words;
 * LISTS, where such a device is defined; IS, what device D is instead.
 */
struct dev_want {
	enum device_kind kind;
	int		function;
	const char	*want;		/* "a card reader" */
	const char	*lists;		/* "devices or readers" */
	const char	*(*is)(const struct dev_want *,
			    const struct device_conf *d, char *buf, size_t size);
};
/*
 * The device M, setting KEY, names: its index; or -1, reported, when it is
 * not defined, not what W wants, or a reader of identity cards at the desk
 * (a lane, a door or a car cannot use it).
 */
int	conf_device_ref(struct load *, const struct scope *,
	    const config_setting_t *m, const char *key, const struct dev_want *w);
void	conf_gpio_load(struct load *, const config_setting_t *root);
/* config_alerts.c: the roles and alerts sections. */
void	conf_load_roles(struct load *, const config_setting_t *root);
void	conf_load_alerts(struct load *, const config_setting_t *root);
/* config_alerts.c: a command run without a shell (setting M): words split
 * at blanks, the first an absolute path to an executable file. */
void	conf_check_command(struct load *, const struct scope *,
	    const config_setting_t *m, const char *cmd);
/* config_notify.c: the notify section (after the others). */
void	conf_load_notify(struct load *, const config_setting_t *root);
/* config_alerts.c: a list (LIST in messages) of Unix group names into
 * gids[*n..] (and names[*n..], when not NULL); PFX leads "too many". */
void	conf_load_gids(struct load *, const struct scope *,
	    const config_setting_t *a, const char *list, const char *pfx,
	    gid_t *gids, char (*names)[CONF_NAME_MAX], int *n);
/* config_access.c: zones, schedules, holidays, access and visitors (before
 * the lanes, which name zones); a lane's zone, contractors and
 * collects_cards; and, after every section, the defaults that depend on
 * others (visitors.key_file). */
void	conf_load_access(struct load *, const config_setting_t *root);
void	conf_access_lane(struct load *, int i, const config_setting_t *e,
	    const struct scope *);
void	conf_access_finish(struct load *);
/* config.c: an enum's word, WORDS being the config's words for its values in
 * the enum's order (NULL-terminated) and V counted from the first of them;
 * NONE when V is not one of them. */
const char *conf_word(const char *const *words, int v, const char *none);
/* The other way: where S is among WORDS, -1 when it is not there. */
int	conf_word_index(const char *const *words, const char *s);
/* config_input.c: an input's functions, in enum input_function's order. */
extern const char *const conf_input_functions[];

/* config_access.c: "HH:MM-HH:MM" as minutes of the day (the end at most
 * "24:00"); false when it is not such a span. */
bool	conf_parse_span(const char *s, int *from, int *until);

#endif
