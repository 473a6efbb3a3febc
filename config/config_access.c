/*
 * The front desk's settings in the config: zones (anti-passback), schedules
 * (days and periods of the day), site holidays, the access and visitors
 * groups, and the lanes' zone, contractor and card-collecting settings.
 */
#include "config_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"

#define MIN_PER_DAY		1440
#define DEF_RETENTION_DAYS	90
#define DEF_VISITOR_UNTIL	(23 * 60 + 59)
#define FLOOR_MAX		63	/* office_floors is a 64-bit mask */
#define KEY_SUFFIX		".key"

static const char *const zone_keys[] = { "name", "apb", NULL };
static const char *const apb_names[] = { "off", "soft", "hard", NULL };
static const char *const schedule_keys[] = { "name", "days", "periods",
    "holidays", NULL };
static const char *const access_keys[] = { "apb_reset", "watch_policy", NULL };
static const char *const watch_names[] = { "let_through", "hold", NULL };
static const char *const visitors_keys[] = { "retention_days", "key_file",
    "default_until", "office_floors", "hold", "wait_alert_s", "announce",
    "watch_cue", NULL };
/* NULL-terminated: the keys of visitors.hold too. */
static const char *const class_names[] = { CONF_VISITOR_CLASS_NAMES, NULL };
static const char *const hold_names[] = { "never", "unannounced", "always",
    NULL };
/* Days in the order a week is written here; the bit of each is 1 << wday. */
static const char *const day_names[] = { "mon", "tue", "wed", "thu", "fri",
    "sat", "sun", NULL };

/* ------------------------------------------------------------------ */
/* Words: times, days, dates, floors                                    */

/* "HH:MM" (N bytes at S) as minutes of the day; "24:00" only when ALLOW_24;
 * -1 if bad. */
static int
hhmm_n(const char *s, size_t n, bool allow_24)
{
	int h, m;

	if (n != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[3]) ||
	    !isdigit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && (!allow_24 || m != 0)))
		return -1;
	return h * 60 + m;
}

static int
parse_hhmm(const char *s, bool allow_24)
{
	return hhmm_n(s, strlen(s), allow_24);
}

/* "HH:MM-HH:MM" as minutes of the day, the end "24:00" at most; whether it
 * ends after it starts is the caller's to check. */
bool
conf_parse_span(const char *s, int *from, int *until)
{
	const char *dash = strchr(s, '-');

	return dash != NULL &&
	    (*from = hhmm_n(s, (size_t)(dash - s), false)) >= 0 &&
	    (*until = parse_hhmm(dash + 1, true)) >= 0;
}

/* Position of day word W (LEN bytes, any case) in day_names; -1: none. */
static int
day_index(const char *w, size_t len)
{
	int i;

	for (i = 0; day_names[i] != NULL; i++)
		if (len == 3 && strncasecmp(w, day_names[i], 3) == 0)
			return i;
	return -1;
}

static int
day_wday(int pos)
{
	return (pos + 1) % 7;		/* mon = 1 ... sat = 6, sun = 0 */
}

/*
 * "mon-fri", "sat,sun", "mon,wed-fri", "daily" or "all" as day bits. A range
 * may wrap past Sunday ("fri-mon"). Returns 0 when S is not a list of days,
 * with the offending word in BAD.
 */
static uint8_t
parse_days(const char *s, char *bad, size_t badsize)
{
	uint8_t days = 0;
	const char *p = s;

	bad[0] = '\0';
	if (strcasecmp(s, "daily") == 0 || strcasecmp(s, "all") == 0)
		return 0x7f;
	for (;;) {
		const char *end = strchr(p, ',');
		const char *dash;
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		int a, b;

		dash = memchr(p, '-', len);
		if (dash != NULL) {
			a = day_index(p, (size_t)(dash - p));
			b = day_index(dash + 1, len - (size_t)(dash - p) - 1);
		} else {
			a = b = day_index(p, len);
		}
		if (a < 0 || b < 0) {
			/* Name the word that is wrong: "frei" of "mon-frei". */
			if (dash != NULL && a >= 0)
				str_printf(bad, badsize, "%.*s",
				    (int)(len - (size_t)(dash - p) - 1), dash + 1);
			else
				str_printf(bad, badsize, "%.*s", (int)(dash !=
				    NULL ? (size_t)(dash - p) : len), p);
			return 0;
		}
		for (;;) {
			days |= (uint8_t)(1u << day_wday(a));
			if (a == b)
				break;
			a = (a + 1) % 7;
		}
		if (end == NULL)
			return days;
		p = end + 1;
	}
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* "YYYY-MM-DD", a real calendar date, as YYYYMMDD; -1 otherwise. */
static int
parse_date(const char *s)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, m, d, i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	y = atoi(s);
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1)
		return -1;
	if (d > mdays[m - 1] + (m == 2 && is_leap(y)))
		return -1;
	return y * 10000 + m * 100 + d;
}

/* A floor number 0..FLOOR_MAX at *pp, which is advanced; -1 if none. */
static int
parse_floor(const char **pp)
{
	const char *p = *pp;
	int v = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (*p++ - '0');
		if (v > FLOOR_MAX)
			return -1;
	}
	*pp = p;
	return v;
}

/* "3-30", "1,3,5-9" as a bit mask of floors; false when it is not one. */
static bool
parse_floors(const char *s, uint64_t *out)
{
	const char *p = s;
	uint64_t mask = 0;
	int a, b;

	for (;;) {
		if ((a = parse_floor(&p)) < 0)
			return false;
		b = a;
		if (*p == '-') {
			p++;
			if ((b = parse_floor(&p)) < 0 || b < a)
				return false;
		}
		for (; a <= b; a++)
			mask |= 1ULL << a;
		if (*p == '\0')
			break;
		if (*p++ != ',')
			return false;
	}
	*out = mask;
	return true;
}

/* ------------------------------------------------------------------ */
/* zones, schedules, holidays                                           */

static void
load_zone(struct load *ld, int i, const config_setting_t *e)
{
	struct zone_conf *z = &ld->site->zones[i];
	const config_setting_t *m;
	struct scope sc;
	int apb;

	z->line = conf_elem_begin(ld, &sc, "zones", i, e, zone_keys);
	z->apb = CONF_APB_OFF;
	if ((m = conf_get_name(ld, &sc, e, "name", true, z->name)) != NULL &&
	    conf_name_taken(ld, &sc, m, "zones", i, config_zone_index))
		z->name[0] = '\0';	/* lanes find the first */
	if (conf_get_choice(ld, &sc, e, "apb", false, apb_names, &apb))
		z->apb = (enum conf_apb)apb;
}

static int
period_cmp(const void *a, const void *b)
{
	const int16_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

static void
load_periods(struct load *ld, const struct scope *sc, struct schedule_conf *s,
    const config_setting_t *a)
{
	int i, j, n = config_setting_length(a);
	char qb[80];

	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(a,
		    (unsigned)i);
		const char *str;
		int f, u;

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_serr(ld, sc, e, "periods[%d] must be a string", i);
			continue;
		}
		if (i == CONF_MAX_PERIODS) {
			conf_serr(ld, sc, e, "too many periods (at most %d)",
			    CONF_MAX_PERIODS);
			return;
		}
		str = config_setting_get_string(e);
		if (!conf_parse_span(str, &f, &u)) {
			conf_serr(ld, sc, e, "periods[%d] %s is not a period of "
			    "the day (HH:MM-HH:MM, until at most 24:00)", i,
			    conf_quote(qb, sizeof(qb), str));
			continue;
		}
		if (f >= u) {
			conf_serr(ld, sc, e, "periods[%d] %s ends before it "
			    "starts", i, conf_quote(qb, sizeof(qb), str));
			continue;
		}
		for (j = 0; j < s->nperiods; j++) {
			if (f < s->periods[j].until && s->periods[j].from < u)
				break;
		}
		if (j < s->nperiods) {
			conf_serr(ld, sc, e, "periods[%d] %s overlaps "
			    "%02d:%02d-%02d:%02d", i, conf_quote(qb, sizeof(qb),
			    str), s->periods[j].from / 60,
			    s->periods[j].from % 60, s->periods[j].until / 60,
			    s->periods[j].until % 60);
			continue;
		}
		s->periods[s->nperiods].from = (int16_t)f;
		s->periods[s->nperiods].until = (int16_t)u;
		s->nperiods++;
	}
	qsort(s->periods, (size_t)s->nperiods, sizeof(s->periods[0]),
	    period_cmp);
}

static void
load_schedule(struct load *ld, int i, const config_setting_t *e)
{
	struct schedule_conf *s = &ld->site->schedules[i];
	const config_setting_t *m;
	struct scope sc;
	char qb[80], qd[60], bad[40];

	s->line = conf_elem_begin(ld, &sc, "schedules", i, e, schedule_keys);
	s->holidays = true;
	if ((m = conf_get_name(ld, &sc, e, "name", true, s->name)) != NULL &&
	    conf_name_taken(ld, &sc, m, "schedules", i, config_schedule_index))
		s->name[0] = '\0';
	if ((m = conf_member(ld, &sc, e, "days", W_STR, true)) != NULL &&
	    (s->days = parse_days(config_setting_get_string(m), bad,
	    sizeof(bad))) == 0)
		conf_serr(ld, &sc, m, "days %s: %s is not a day (mon tue wed "
		    "thu fri sat sun, a range \"mon-fri\", a list \"sat,sun\", "
		    "or \"daily\")", conf_quote(qb, sizeof(qb),
		    config_setting_get_string(m)), conf_quote(qd,
		    sizeof(qd), bad));
	if ((m = conf_member(ld, &sc, e, "periods", W_STRINGS, false)) != NULL)
		load_periods(ld, &sc, s, m);
	conf_get_bool(ld, &sc, e, "holidays", &s->holidays);
}

static int
int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

static void
load_holidays(struct load *ld, const config_setting_t *root)
{
	struct site_conf *site = ld->site;
	const config_setting_t *a;
	struct scope sc;
	char qb[80];
	int i, j, n, d;

	conf_scope_top(&sc, "holidays");
	if ((a = conf_member(ld, &conf_root_scope, root, "holidays", W_STRINGS,
	    false)) == NULL)
		return;
	n = config_setting_length(a);
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(a,
		    (unsigned)i);
		const char *s;

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_err(ld, e, "holidays[%d] must be a string", i);
			continue;
		}
		s = config_setting_get_string(e);
		if ((d = parse_date(s)) < 0) {
			conf_err(ld, e, "holidays[%d] %s is not a date "
			    "(YYYY-MM-DD, a day that exists)", i,
			    conf_quote(qb, sizeof(qb), s));
			continue;
		}
		for (j = 0; j < site->nholidays; j++)
			if (site->holidays[j] == d)
				break;
		if (j < site->nholidays) {
			conf_err(ld, e, "holidays[%d] %s is listed twice", i,
			    conf_quote(qb, sizeof(qb), s));
			continue;
		}
		if (site->nholidays == CONF_MAX_HOLIDAYS) {
			conf_err(ld, e, "too many holidays (at most %d)",
			    CONF_MAX_HOLIDAYS);
			break;
		}
		site->holidays[site->nholidays++] = d;
	}
	qsort(site->holidays, (size_t)site->nholidays, sizeof(int), int_cmp);
}

/* ------------------------------------------------------------------ */
/* access, visitors                                                     */

/* Time of day KEY of G ("HH:MM") into *out in minutes. */
static void
get_hhmm(struct load *ld, const struct scope *sc, const config_setting_t *g,
    const char *key, int *out)
{
	const config_setting_t *m;
	char qb[40];
	int t;

	if ((m = conf_member(ld, sc, g, key, W_STR, false)) == NULL)
		return;
	if ((t = parse_hhmm(config_setting_get_string(m), false)) < 0) {
		conf_serr(ld, sc, m, "%s %s is not a time of day (HH:MM, 00:00 "
		    "to 23:59)", key, conf_quote(qb, sizeof(qb),
		    config_setting_get_string(m)));
		return;
	}
	*out = t;
}

static void
load_access_group(struct load *ld, const config_setting_t *root)
{
	struct site_conf *site = ld->site;
	const config_setting_t *g;
	struct scope sc;
	int w;

	site->apb_reset_min = -1;
	site->watch_hold = false;
	if ((g = conf_root_group(ld, root, "access", access_keys, &sc)) == NULL)
		return;
	get_hhmm(ld, &sc, g, "apb_reset", &site->apb_reset_min);
	if (conf_get_choice(ld, &sc, g, "watch_policy", false, watch_names, &w))
		site->watch_hold = w == 1;
}

static void
visitor_defaults(struct site_conf *site)
{
	for (int c = 0; c < CONF_VISITOR_CLASSES; c++)
		site->visitor_hold[c] = c == 3 || c == 4 ? HOLD_ALWAYS : HOLD_NEVER;
	site->visitor_wait_alert_s = 180;
	site->visitor_announce = 1u << 0 | 1u << 1;	/* vip, important */
	str_copy(site->watch_cue, "Please ask %s to wait a moment at the desk: "
	    "a check is still open.", sizeof(site->watch_cue));
}

int
config_visitor_class(const char *name)
{
	return conf_word_index(class_names, name);
}

/* hold, wait_alert_s, announce and watch_cue of the visitors group G. */
static void
load_visitor_policy(struct load *ld, const struct scope *sc,
    const config_setting_t *g)
{
	const config_setting_t *h, *m;
	struct scope hsc;
	char qb[80];
	int v;

	if ((h = conf_member(ld, sc, g, "hold", W_GROUP, false)) != NULL) {
		conf_scope_sub(&hsc, sc, "hold");
		conf_check_keys(ld, &hsc, h, class_names, false);
		for (int c = 0; c < CONF_VISITOR_CLASSES; c++)
			if (conf_get_choice(ld, &hsc, h, class_names[c], false,
			    hold_names, &v))
				ld->site->visitor_hold[c] = (enum visitor_hold)v;
	}
	conf_get_int(ld, sc, g, "wait_alert_s", false, 0, 3600,
	    &ld->site->visitor_wait_alert_s);
	if (ld->site->visitor_wait_alert_s > 0 && ld->site->visitor_wait_alert_s < 30 &&
	    (m = config_setting_get_member(g, "wait_alert_s")) != NULL)
		conf_serr(ld, sc, m, "wait_alert_s %d is too short to phone a host "
		    "(30 or more, or 0 for never)", ld->site->visitor_wait_alert_s);
	if ((m = conf_member(ld, sc, g, "announce", W_STRINGS, false)) != NULL) {
		ld->site->visitor_announce = 0;
		for (int i = 0; i < config_setting_length(m); i++) {
			const char *s = config_setting_get_string_elem(m, i);
			int c = config_visitor_class(s);

			if (c < 0)
				conf_serr(ld, sc, m, "announce: %s is not a visitor "
				    "class (vip, important, ordinary, applicant, service, "
				    "internal)", conf_quote(qb, sizeof(qb), s));
			else
				ld->site->visitor_announce |= 1u << c;
		}
	}
	if ((m = conf_get_str(ld, sc, g, "watch_cue", false, ld->site->watch_cue,
	    sizeof(ld->site->watch_cue))) != NULL) {
		const char *p = strchr(ld->site->watch_cue, '%');

		if (p != NULL && (p[1] != 's' || strchr(p + 2, '%') != NULL))
			conf_serr(ld, sc, m, "watch_cue: only one %%s (the visitor's "
			    "name) may stand in it");
	}
}

static void
load_visitors(struct load *ld, const config_setting_t *root)
{
	struct site_conf *site = ld->site;
	const config_setting_t *g, *m;
	struct scope sc;
	char qb[80];
	int until = DEF_VISITOR_UNTIL;

	site->visitor_retention_days = DEF_RETENTION_DAYS;
	site->visitor_until_min = DEF_VISITOR_UNTIL;
	site->office_floors = 0;
	visitor_defaults(site);
	if ((g = conf_root_group(ld, root, "visitors", visitors_keys,
	    &sc)) == NULL)
		return;
	load_visitor_policy(ld, &sc, g);
	conf_get_int(ld, &sc, g, "retention_days", false, 1, 3650,
	    &site->visitor_retention_days);
	conf_get_str(ld, &sc, g, "key_file", false, site->key_path,
	    sizeof(site->key_path));
	get_hhmm(ld, &sc, g, "default_until", &until);
	if (until == 0 && (m = config_setting_get_member(g, "default_until")))
		conf_serr(ld, &sc, m, "default_until \"00:00\" would end every "
		    "pass before it starts");
	else
		site->visitor_until_min = until;
	if ((m = conf_member(ld, &sc, g, "office_floors", W_STR, false)) !=
	    NULL && !parse_floors(config_setting_get_string(m),
	    &site->office_floors))
		conf_serr(ld, &sc, m, "office_floors %s is not a list of floors "
		    "(\"3-30\", \"1,3,5-9\"; floors 0 to %d, ranges upwards)",
		    conf_quote(qb, sizeof(qb), config_setting_get_string(m)),
		    FLOOR_MAX);
}

/* ------------------------------------------------------------------ */

void
conf_load_access(struct load *ld, const config_setting_t *root)
{
	static const struct conf_list zones = { "zones", CONF_MAX_ZONES,
	    NULL, NULL, load_zone };
	static const struct conf_list schedules = { "schedules",
	    CONF_MAX_SCHEDULES, NULL, NULL, load_schedule };

	conf_load_list(ld, root, &zones, &ld->site->nzones);
	conf_load_list(ld, root, &schedules, &ld->site->nschedules);
	load_holidays(ld, root);
	load_access_group(ld, root);
	load_visitors(ld, root);
}

void
conf_access_lane(struct load *ld, int i, const config_setting_t *e,
    const struct scope *sc)
{
	struct lane_conf *ln = &ld->site->lanes[i];
	const config_setting_t *m;
	char qb[80];

	ln->zone = -1;
	ln->contractors = false;
	ln->collects_cards = false;
	if ((m = conf_get_name(ld, sc, e, "zone", false, NULL)) != NULL &&
	    (ln->zone = config_zone_index(ld->site,
	    config_setting_get_string(m))) < 0)
		conf_serr(ld, sc, m, "zone %s is not defined in zones",
		    conf_quote(qb, sizeof(qb), config_setting_get_string(m)));
	conf_get_bool(ld, sc, e, "contractors", &ln->contractors);
	conf_get_bool(ld, sc, e, "collects_cards", &ln->collects_cards);
	if (ln->collects_cards &&
	    config_setting_get_member(e, "exit_reader") == NULL) {
		conf_serr(ld, sc, config_setting_get_member(e, "collects_cards"),
		    "collects_cards needs an exit_reader: cards are collected "
		    "on the way out");
		ln->collects_cards = false;
	}
}

void
conf_access_finish(struct load *ld)
{
	struct site_conf *site = ld->site;

	if (site->key_path[0] != '\0')
		return;
	if (strlen(site->db_path) + strlen(KEY_SUFFIX) >= sizeof(site->key_path)) {
		/* Only a database path set in the file can be this long. */
		conf_err(ld, config_lookup(&ld->cfg, "store.database"),
		    "store: database + \"%s\" is too long for the default "
		    "visitors.key_file (at most %zu bytes); set "
		    "visitors.key_file", KEY_SUFFIX, sizeof(site->key_path) - 1);
		return;
	}
	str_printf(site->key_path, sizeof(site->key_path), "%s%s",
	    site->db_path, KEY_SUFFIX);
}
