/*
 * Inside lobbyctl's tenant commands: the options tenants.c reads, and
 * the CSV import and export (tenants_csv.c).
 */
#ifndef LOBBYCTL_TENANTS_INT_H
#define LOBBYCTL_TENANTS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "lobbyctl_int.h"

#define TN_WORDS_MAX	6

struct tn_opts {
	const char	*socket;
	bool		json;
	const char	*name, *short_name, *units, *floors;
	const char	*contact, *phone, *role, *notify, *notify_detail;
	const char	*out;
	const char	*words[TN_WORDS_MAX];	/* "tenant", the verb, ... */
	int		nwords;
};

/* The units of a company lobbyd sent, as "1203;1205". */
void	tn_units_str(json_object *tenant, char *buf, size_t len);
/* tenant import FILE, tenant export [--out FILE]: 0 or an exit status. */
int	tenants_import(const struct tn_opts *, const char *path);
int	tenants_export(const struct tn_opts *, const char *path);

#endif
