/*
 * Operator roles: what a lobbyctl user may do, taken from its Unix groups
 * (the config's roles section), and which alerts reach which role.
 */
#ifndef LOBBYD_ROLES_H
#define LOBBYD_ROLES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"

/* A caller's roles, and the roles a command needs: sets of these bits.
 * Their order is the config's (site_conf.role_groups[i] holds bit 1 << i). */
#define ROLE_GUARD		0x1u
#define ROLE_FRONTDESK		0x2u
#define ROLE_ENGINEERING	0x4u
#define ROLE_MANAGER		0x8u
#define ROLE_ALL		0xfu
/* Not a role: a command that every peer admitted to the socket may use,
 * whether it holds a role or none. */
#define ROLE_EVERYONE		0x100u

/* Who an alert is for: a set of these bits. */
#define AUD_ENGINEERING	0x1u
#define AUD_SECURITY	0x2u
#define AUD_FRONTDESK	0x4u
#define AUD_ALL		0x7u
#define AUD_MANAGER	0x8u	/* added when an alert is escalated */

/* "guard", "frontdesk", "engineering", "manager"; NULL past the last. */
const char *role_name(int i);

/*
 * The roles of a peer whose primary group is gid and whose supplementary
 * groups are groups[0..n): every role when the site has no roles section.
 */
unsigned role_of_groups(const struct site_conf *, gid_t gid,
	    const gid_t *groups, size_t n);

/* "guard,manager", or "none"; ROLE_EVERYONE reads "anyone". */
void	role_str(unsigned roles, char *out, size_t len);

/*
 * Is an alert for this audience (engine.h's AUD_* bits) routed to a holder
 * of these roles? Engineering alerts reach engineering; security alerts the
 * guards and the manager; front-desk alerts the front desk and the manager;
 * escalated ones (AUD_MANAGER) the manager; emergencies everyone.
 */
bool	role_sees_alert(unsigned roles, bool emergency, unsigned audience);

#endif
