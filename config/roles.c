/*
 * Operator roles: names, the roles a peer's groups give it, and the routing
 * of alerts to roles. Pure: the groups come from the socket, not the name
 * service.
 */
#include "roles.h"

#include <stdio.h>
#include <string.h>


static const char *const role_names[CONF_NROLES] = {
	"guard", "frontdesk", "engineering", "manager",
};

const char *
role_name(int i)
{
	return i >= 0 && i < CONF_NROLES ? role_names[i] : NULL;
}

static bool
role_has_gid(const struct site_conf *site, int r, gid_t gid)
{
	for (int i = 0; i < site->nrole_groups[r]; i++)
		if (site->role_groups[r][i] == gid)
			return true;
	return false;
}

unsigned
role_of_groups(const struct site_conf *site, gid_t gid, const gid_t *groups,
    size_t n)
{
	unsigned roles = 0;

	if (!site->roles_set)
		return ROLE_ALL;
	for (int r = 0; r < CONF_NROLES; r++) {
		if (role_has_gid(site, r, gid)) {
			roles |= 1u << r;
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			if (role_has_gid(site, r, groups[i])) {
				roles |= 1u << r;
				break;
			}
		}
	}
	return roles;
}

void
role_str(unsigned roles, char *out, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return;
	out[0] = '\0';
	if (roles & ROLE_EVERYONE) {
		snprintf(out, len, "anyone");
		return;
	}
	for (int r = 0; r < CONF_NROLES; r++) {
		if (!(roles & (1u << r)))
			continue;
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s",
		    n > 0 ? "," : "", role_names[r]);
	}
	if (n == 0)
		snprintf(out, len, "none");
}

bool
role_sees_alert(unsigned roles, bool emergency, unsigned audience)
{
	if (emergency)
		return true;
	if ((audience & AUD_ENGINEERING) && (roles & ROLE_ENGINEERING))
		return true;
	if ((audience & AUD_SECURITY) && (roles & (ROLE_GUARD | ROLE_MANAGER)))
		return true;
	if ((audience & AUD_FRONTDESK) &&
	    (roles & (ROLE_FRONTDESK | ROLE_MANAGER)))
		return true;
	if ((audience & AUD_MANAGER) && (roles & ROLE_MANAGER))
		return true;
	return false;
}
