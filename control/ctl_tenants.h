/*
 * The tenant directory's commands (ctl_tenants.c) and a returning
 * visitor's (ctl_visits.c): visitor.find, and what visitor.register asks
 * the store before it registers (the visitor met before, the host in the
 * directory). control/ctl.h has the protocol.
 */
#ifndef LOBBYD_CTL_TENANTS_H
#define LOBBYD_CTL_TENANTS_H

#include <stdbool.h>

#include <json-c/json.h>

#include "control_int.h"

ctl_cmd_fn	ctl_cmd_tenant_add, ctl_cmd_tenant_list, ctl_cmd_tenant_show,
		ctl_cmd_tenant_remove, ctl_cmd_tenant_contact_add,
		ctl_cmd_tenant_contact_remove, ctl_cmd_tenant_import,
		ctl_cmd_visitor_find;

/* A tenant import's end when its client goes: nothing is imported. */
void	ctl_tenant_import_gone(struct ctl_client *);

/*
 * visitor.register's last steps, from ctl_visitors.c once its own checks
 * passed: p and ps are the person and pass it made (p's ID hash, or its name
 * and phone, find a returning visitor, whose person is reused), host_reason
 * the caller's ("" none). The host is checked against the tenant directory
 * (rules/tenant.h) and the registration committed; the reply says whether
 * the visitor is returning. A returning visitor's document with another
 * name is refused unless manager_override (a manager gave a reason). why:
 * the words of the event. id_dev: the desk reader whose read gave p's
 * document (-1 none); that read is taken only when the registration, all
 * its checks passed, is committed, and only if it is still the same read.
 */
void	ctl_visit_register(struct ctl_client *, const struct person_rec *p,
	    const struct pass_rec *ps, const char *host_reason, const char *why,
	    bool manager_override, int id_dev);

#endif
