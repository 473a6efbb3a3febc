/*
 * Config loading: libconfig parses the file, config_read.c checks each
 * setting, and this module reads the top-level groups (site, store, control,
 * health) into a plain struct site_conf. Errors are "FILE:LINE: ..."
 */
#include "config_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/util.h"

#define DEF_DB_PATH	"/var/lib/lobbyd/lobbyd.db"
#define DEF_SOCKET	"/run/lobbyd/control.sock"
#define DEF_SITE_NAME	"lobbyd"
#define SOCKET_PATH_MAX	108	/* sizeof(sockaddr_un.sun_path) */

static const char *const top_keys[] = { "site", "store", "control", "health",
    "profiles", "links", "devices", "readers", "lanes",
    "tickets", "doors", "roles", "alerts", "elevators", "freight",
    "zones", "schedules", "holidays", "access", "visitors", "notify", NULL };
static const char *const site_keys[] = { "name", NULL };
static const char *const store_keys[] = { "database", "event_batch_ms",
    "events_keep_days", "events_max_mb", "events_export_required", NULL };
static const char *const control_keys[] = { "socket", "groups", "clients",
    "per_user", "manager_reserve", "followers", "followers_per_user",
    "idle_timeout_s", NULL };
static const char *const health_keys[] = { "offline_after", "backoff_max_ms",
    NULL };

/* ------------------------------------------------------------------ */
/* The global groups                                                    */

static void
load_site(struct load *ld, const config_setting_t *root)
{
	struct site_conf *site = ld->site;
	const config_setting_t *g;
	struct scope sc;

	str_copy(site->site_name, DEF_SITE_NAME, sizeof(site->site_name));
	if ((g = conf_root_group(ld, root, "site", site_keys, &sc)) == NULL)
		return;
	conf_get_str(ld, &sc, g, "name", true, site->site_name,
	    sizeof(site->site_name));
}

static void
load_store(struct load *ld, const config_setting_t *root)
{
	struct site_conf *site = ld->site;
	const config_setting_t *g;
	struct scope sc;

	str_copy(site->db_path, DEF_DB_PATH, sizeof(site->db_path));
	site->event_batch_ms = 50;
	/* Five years, and only what was exported: nothing is lost unless
	   someone has written it out first. */
	site->events_keep_days = 1825;
	site->events_max_mb = 0;
	site->events_export_required = true;
	if ((g = conf_root_group(ld, root, "store", store_keys, &sc)) == NULL)
		return;
	conf_get_str(ld, &sc, g, "database", false, site->db_path,
	    sizeof(site->db_path));
	conf_get_int(ld, &sc, g, "event_batch_ms", false, 1, 1000,
	    &site->event_batch_ms);
	conf_get_int(ld, &sc, g, "events_keep_days", false, 0, 36500,
	    &site->events_keep_days);
	conf_get_int(ld, &sc, g, "events_max_mb", false, 0, 16 << 20,
	    &site->events_max_mb);
	conf_get_bool(ld, &sc, g, "events_export_required",
	    &site->events_export_required);
}

/*
 * What one user may hold of the control socket. A user may never hold every
 * connection of a kind, and the managers' reserve must leave room for the
 * others: otherwise one user, or the reserve itself, could keep people out.
 * A total that is wrong is reported once; what depends on it is then only
 * checked against the largest total.
 */
static void
load_control_limits(struct load *ld, const struct scope *sc,
    const config_setting_t *g)
{
	struct site_conf *site = ld->site;
	int clients = CTL_MAX_CONNS, followers = CTL_MAX_CONNS;

	if (conf_get_int(ld, sc, g, "clients", false, 2, CTL_MAX_CONNS,
	    &site->ctl_clients) || config_setting_get_member(g, "clients") == NULL)
		clients = site->ctl_clients;
	if (conf_get_int(ld, sc, g, "followers", false, 2, CTL_MAX_CONNS,
	    &site->ctl_followers) ||
	    config_setting_get_member(g, "followers") == NULL)
		followers = site->ctl_followers;
	conf_get_int(ld, sc, g, "per_user", false, 1, clients - 1,
	    &site->ctl_per_user);
	conf_get_int(ld, sc, g, "followers_per_user", false, 1, followers - 1,
	    &site->ctl_followers_per_user);
	conf_get_int(ld, sc, g, "manager_reserve", false, 0,
	    (clients < followers ? clients : followers) - 1,
	    &site->ctl_manager_reserve);
	conf_get_int(ld, sc, g, "idle_timeout_s", false, 1, 86400,
	    &site->ctl_idle_timeout_s);
}

static void
load_control(struct load *ld, const config_setting_t *root)
{
	struct site_conf *site = ld->site;
	const config_setting_t *g, *m;
	struct scope sc;

	str_copy(site->socket_path, DEF_SOCKET, sizeof(site->socket_path));
	site->ctl_clients = 64;
	site->ctl_per_user = 8;
	site->ctl_manager_reserve = 16;
	site->ctl_followers = 64;
	site->ctl_followers_per_user = 16;
	site->ctl_idle_timeout_s = 60;
	if ((g = conf_root_group(ld, root, "control", control_keys, &sc)) == NULL)
		return;
	/* conf_get_str says "at most 107 bytes": what fits in sockaddr_un. */
	conf_get_str(ld, &sc, g, "socket", false, site->socket_path,
	    SOCKET_PATH_MAX);
	if ((m = conf_member(ld, &sc, g, "groups", W_STRINGS, false)) != NULL)
		conf_load_gids(ld, &sc, m, "groups", "", site->groups,
		    site->group_names, &site->ngroups);
	load_control_limits(ld, &sc, g);
}

static void
load_health(struct load *ld, const config_setting_t *root)
{
	struct site_conf *site = ld->site;
	const config_setting_t *g;
	struct scope sc;

	site->offline_after = 3;
	site->backoff_max_ms = 5000;
	if ((g = conf_root_group(ld, root, "health", health_keys, &sc)) == NULL)
		return;
	conf_get_int(ld, &sc, g, "offline_after", false, 1, 100,
	    &site->offline_after);
	conf_get_int(ld, &sc, g, "backoff_max_ms", false, 100, 600000,
	    &site->backoff_max_ms);
}

/* ------------------------------------------------------------------ */

int
config_load(const char *file, struct site_conf *site, FILE *errs)
{
	struct load *ld;
	struct stat st;
	FILE *fp;
	const char *slash;
	int i, nerr;

	memset(site, 0, sizeof(*site));
	if ((fp = fopen(file, "r")) == NULL) {
		if (errs != NULL)
			fprintf(errs, "%s: cannot read: %s\n", file,
			    strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		if (errs != NULL)
			fprintf(errs, "%s: cannot read: %s\n", file,
			    strerror(EISDIR));
		fclose(fp);
		return -1;
	}
	if ((ld = calloc(1, sizeof(*ld))) == NULL) {
		if (errs != NULL)
			fprintf(errs, "%s: cannot read: %s\n", file,
			    strerror(ENOMEM));
		fclose(fp);
		return -1;
	}
	ld->file = file;
	ld->errs = errs;
	ld->site = site;
	str_copy(site->path, file, sizeof(site->path));

	config_init(&ld->cfg);
	/* @include names are relative to the including file's directory. */
	if ((slash = strrchr(file, '/')) != NULL &&
	    (ld->incdir = strndup(file, (size_t)(slash - file) + 1)) != NULL)
		config_set_include_dir(&ld->cfg, ld->incdir);
	if (config_read(&ld->cfg, fp) != CONFIG_TRUE) {
		const char *ef = config_error_file(&ld->cfg);
		const char *et = config_error_text(&ld->cfg);

		conf_add_err_line(ld, conf_file_name(ld, ef),
		    config_error_line(&ld->cfg), et != NULL ? et :
		    "syntax error");
	} else {
		const config_setting_t *root = config_root_setting(&ld->cfg);

		conf_check_keys(ld, &conf_root_scope, root, top_keys, true);
		load_site(ld, root);
		load_store(ld, root);
		load_control(ld, root);
		load_health(ld, root);
		conf_load_tickets(ld, root);	/* config_tickets.c */
		conf_load_access(ld, root);	/* config_access.c */
		conf_load_sections(ld, root);
		conf_elev_load(ld, root);	/* config_elev.c */
		conf_load_roles(ld, root);
		conf_load_alerts(ld, root);
		conf_load_notify(ld, root);	/* config_notify.c */
		conf_access_finish(ld);
	}
	fclose(fp);
	/* Error lines name files by libconfig's strings: print, then destroy. */
	conf_flush_errs(ld);
	config_destroy(&ld->cfg);
	for (i = 0; i < ld->nsrc; i++) {
		free(ld->src[i].name);
		free(ld->src[i].text);
	}
	for (i = 0; i < ld->nincname; i++)
		free(ld->incname[i]);
	free(ld->incdir);
	nerr = ld->nerr;
	free(ld);
	return nerr;
}

/* ------------------------------------------------------------------ */
/* Lookups and names                                                    */

/* Index of NAME among N records STRIDE bytes apart, the first record's
 * name at FIRST; -1 when none has it or NAME is empty. */
static int
name_index(const char *first, size_t stride, int n, const char *name)
{
	int i;

	if (name == NULL || name[0] == '\0')
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(first + (size_t)i * stride, name) == 0)
			return i;
	return -1;
}

#define INDEX_OF(list, n, name) \
	name_index((list)[0].name, sizeof((list)[0]), (n), (name))

int
config_device_index(const struct site_conf *site, const char *name)
{
	return INDEX_OF(site->devices, site->ndevices, name);
}

int
config_lane_index(const struct site_conf *site, const char *name)
{
	return INDEX_OF(site->lanes, site->nlanes, name);
}

int
config_link_index(const struct site_conf *site, const char *name)
{
	return INDEX_OF(site->links, site->nlinks, name);
}

int
config_profile_index(const struct site_conf *site, const char *name)
{
	return INDEX_OF(site->profiles, site->nprofiles, name);
}

int
config_door_index(const struct site_conf *site, const char *name)
{
	return INDEX_OF(site->doors, site->ndoors, name);
}

int
config_zone_index(const struct site_conf *site, const char *name)
{
	return INDEX_OF(site->zones, site->nzones, name);
}

int
config_schedule_index(const struct site_conf *site, const char *name)
{
	return INDEX_OF(site->schedules, site->nschedules, name);
}

int
config_elevator_index(const struct site_conf *site, const char *name)
{
	return INDEX_OF(site->elevators, site->nelevators, name);
}

const char *
conf_word(const char *const *words, int v, const char *none)
{
	int i;

	for (i = 0; v >= 0 && words[i] != NULL; i++)
		if (i == v)
			return words[i];
	return none;
}

int
conf_word_index(const char *const *words, const char *s)
{
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(s, words[i]) == 0)
			return i;
	return -1;
}

const char *
config_device_kind_name(enum device_kind k)
{
	/* In enum device_kind's order. */
	static const char *const kinds[] = { "turnstile", "reader",
	    "elevator", "intercom", "input", "output", NULL };

	return conf_word(kinds, (int)k, "?");
}

const char *
config_link_type_name(enum link_type t)
{
	/* In enum link_type's order. */
	static const char *const types[] = { "modbus-tcp", "modbus-rtu",
	    "serial-reader", "gpio", NULL };

	return conf_word(types, (int)t, "?");
}
