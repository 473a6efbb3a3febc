/*
 * Config loading of the roles section (which Unix groups hold the guard,
 * front-desk, engineering and manager roles) and the alerts section (when
 * unacknowledged alerts escalate, and the command that delivers them).
 */
#include "config_int.h"

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "roles.h"
#include "../common/util.h"

#define ESCALATE_MAX_S	(7 * 86400)
#define DEF_CMD_TIMEOUT_S 10

static const char *const alerts_keys[] = { "escalate_after_s", "command",
    "command_timeout_s", NULL };
/* engine.h's severities, in order; info is named only to be refused. */
static const char *const sev_keys[] = { "info", "warning", "urgent",
    "emergency", NULL };
static const int def_escalate_s[4] = { 0, 900, 300, 60 };

/*
 * Unix group names, list A (LIST in messages), resolved into gids[*n..],
 * at most CONF_MAX_GROUPS; NAMES, when not NULL, keeps each name too. PFX
 * goes in front of "too many groups".
 */
void
conf_load_gids(struct load *ld, const struct scope *sc,
    const config_setting_t *a, const char *list, const char *pfx,
    gid_t *gids, char (*names)[CONF_NAME_MAX], int *n)
{
	int i, len = config_setting_length(a);
	char qb[80];

	for (i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_get_elem(a,
		    (unsigned)i);
		const char *s;
		struct group *gr;

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_serr(ld, sc, e, "%s[%d] must be a string", list, i);
			continue;
		}
		s = config_setting_get_string(e);
		if (s[0] == '\0' || strlen(s) >= CONF_NAME_MAX) {
			conf_serr(ld, sc, e, "%s[%d] %s is not a valid group "
			    "name", list, i, conf_quote(qb, sizeof(qb), s));
			continue;
		}
		if ((gr = getgrnam(s)) == NULL) {
			conf_serr(ld, sc, e, "%s[%d] %s is not a known Unix "
			    "group", list, i, conf_quote(qb, sizeof(qb), s));
			continue;
		}
		if (*n == CONF_MAX_GROUPS) {
			conf_serr(ld, sc, e, "%stoo many groups (at most %d)",
			    pfx, CONF_MAX_GROUPS);
			return;
		}
		if (names != NULL)
			str_copy(names[*n], s, CONF_NAME_MAX);
		gids[(*n)++] = gr->gr_gid;
	}
}

/* One role's list of group names, resolved to gids. */
static void
load_role(struct load *ld, const struct scope *sc, int r,
    const config_setting_t *a)
{
	char pfx[CONF_NAME_MAX + 2];

	str_printf(pfx, sizeof(pfx), "%s: ", role_name(r));
	conf_load_gids(ld, sc, a, role_name(r), pfx, ld->site->role_groups[r],
	    NULL, &ld->site->nrole_groups[r]);
}

void
conf_load_roles(struct load *ld, const config_setting_t *root)
{
	const char *keys[CONF_NROLES + 1];
	const config_setting_t *g, *m;
	struct scope sc;
	int r;

	for (r = 0; r < CONF_NROLES; r++)
		keys[r] = role_name(r);
	keys[r] = NULL;
	if ((g = conf_root_group(ld, root, "roles", keys, &sc)) == NULL)
		return;
	ld->site->roles_set = true;
	for (r = 0; r < CONF_NROLES; r++)
		if ((m = conf_member(ld, &sc, g, role_name(r), W_STRINGS,
		    false)) != NULL)
			load_role(ld, &sc, r, m);
}

int
config_command_split(char *buf, char **argv, int max)
{
	int n = 0;
	char *p = buf;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (n == max - 1)
			return -1;
		argv[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	argv[n] = NULL;
	return n;
}

/* The command: words split at blanks, the first an absolute path to an
 * executable file. No shell: quotes would not mean what they seem. */
void
conf_check_command(struct load *ld, const struct scope *sc,
    const config_setting_t *m, const char *cmd)
{
	char buf[CONF_PATH_MAX], *argv[CONF_CMD_ARGS], qb[80];
	struct stat st;
	int n;

	if (strpbrk(cmd, "\"'\\$`|;&<>") != NULL) {
		conf_serr(ld, sc, m, "command %s: quotes, backslashes and shell "
		    "characters are not interpreted (it runs without a shell); "
		    "put them in a script", conf_quote(qb, sizeof(qb), cmd));
		return;
	}
	str_copy(buf, cmd, sizeof(buf));
	n = config_command_split(buf, argv, CONF_CMD_ARGS);
	if (n == -1) {
		conf_serr(ld, sc, m, "command has more than %d words",
		    CONF_CMD_ARGS - 1);
		return;
	}
	if (n == 0) {
		conf_serr(ld, sc, m, "command must not be empty");
		return;
	}
	if (argv[0][0] != '/') {
		conf_serr(ld, sc, m, "command %s must start with an absolute path",
		    conf_quote(qb, sizeof(qb), argv[0]));
		return;
	}
	if (stat(argv[0], &st) == -1) {
		conf_serr(ld, sc, m, "command %s: %s",
		    conf_quote(qb, sizeof(qb), argv[0]), strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode) || access(argv[0], X_OK) == -1)
		conf_serr(ld, sc, m, "command %s is not an executable file",
		    conf_quote(qb, sizeof(qb), argv[0]));
}

void
conf_load_alerts(struct load *ld, const config_setting_t *root)
{
	struct site_conf *site = ld->site;
	const config_setting_t *g, *m, *esc;
	struct scope sc, esc_sc;
	int s;

	memcpy(site->escalate_after_s, def_escalate_s,
	    sizeof(site->escalate_after_s));
	site->alert_command_timeout_s = DEF_CMD_TIMEOUT_S;
	if ((g = conf_root_group(ld, root, "alerts", alerts_keys, &sc)) == NULL)
		return;
	if ((esc = conf_member(ld, &sc, g, "escalate_after_s", W_GROUP,
	    false)) != NULL) {
		conf_scope_sub(&esc_sc, &sc, "escalate_after_s");
		conf_check_keys(ld, &esc_sc, esc, sev_keys, false);
		if ((m = config_setting_get_member(esc, "info")) != NULL)
			conf_serr(ld, &sc, m, "escalate_after_s.info: info "
			    "alerts never escalate");
		for (s = 1; s < 4; s++)
			conf_get_int(ld, &esc_sc, esc, sev_keys[s], false, 0,
			    ESCALATE_MAX_S, &site->escalate_after_s[s]);
	}
	if ((m = conf_get_str(ld, &sc, g, "command", false,
	    site->alert_command, sizeof(site->alert_command))) != NULL)
		conf_check_command(ld, &sc, m, site->alert_command);
	conf_get_int(ld, &sc, g, "command_timeout_s", false, 1, 600,
	    &site->alert_command_timeout_s);
}
