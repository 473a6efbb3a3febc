/*
 * The tenant directory as the store keeps it: companies, the units they
 * hold (a unit is one company's) and the floors they are on, and their
 * contacts for the front desk (name, phone, role, how they are told of a
 * visitor). The SQL is db/tenants.c; the rules for what a unit, a phone
 * or a line of the directory's CSV must be are rules/tenant.c.
 */
#ifndef LOBBYD_TENANTS_H
#define LOBBYD_TENANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TENANT_REC_UNITS	64	/* rules/tenant.h's TENANT_UNITS_MAX */
#define TENANT_REC_CONTACTS	100	/* TENANT_CONTACTS_MAX */

struct tenant_rec {
	int64_t	id;
	char	name[64];		/* unique, whatever the case of its letters */
	char	short_name[32];
	char	units[TENANT_REC_UNITS][16];
	int	nunits;
	uint64_t floors;		/* bit n = floor n */
	int64_t	created_ms;
	char	created_by[32];
	int64_t	updated_ms;
	char	updated_by[32];
	int	ncontacts;		/* read back: how many it has */
	int64_t	line;			/* an import's: its first line; not kept */
};

struct contact_rec {
	int64_t	id;
	int64_t	tenant;
	char	name[64];
	char	phone[24];		/* '+' and digits */
	char	role[32];		/* 前台, 行政, 负责人, ... */
	char	notify[16];		/* "phone" */
	char	notify_detail[100];	/* kept for the channels to come */
	int64_t	line;			/* an import's: its line; not kept */
};

/* A company or one of its contacts, in a list where each company comes
 * before its own contacts. */
struct tenant_row {
	bool			is_contact;
	struct tenant_rec	t;	/* !is_contact */
	struct contact_rec	c;	/* is_contact */
};

enum tenant_action {
	TENANT_PUT,		/* rows: a new company and its contacts (the
				   caller's); a name or unit taken fails; out id */
	TENANT_DEL,		/* id: the company, its units and contacts; out found */
	TENANT_GET,		/* id, or name when id is 0: out found, rows
				   (the company, then its contacts) */
	TENANT_LIST,		/* the companies by name after "after" ("": from
				   the start), limit of them; with contacts, each
				   followed by its own; out rows, more */
	TENANT_CONTACT_PUT,	/* contact (id 0 inserts; contact.tenant must
				   exist and have room); out id */
	TENANT_CONTACT_DEL,	/* contact.tenant, contact.id; out found */
	TENANT_IMPORT,		/* rows (the caller's): companies, each with its
				   contacts, added or replacing the company of
				   the same name, in one transaction; out added,
				   replaced; a unit another company holds fails,
				   naming its line */
	TENANT_HOST,		/* unit: out found (a company holds it), rows (it,
				   then its contacts), id: companies in all */
};

struct tenant_in {
	enum tenant_action	action;
	int64_t			id;
	char			name[64];
	char			unit[16];
	char			after[64];
	int			limit;
	bool			contacts;
	struct contact_rec	contact;
	const struct tenant_row	*rows;		/* TENANT_PUT, TENANT_IMPORT */
	size_t			nrows;
	char			actor[32];
	int64_t			now_ms;
	int64_t			added, replaced;	/* out: TENANT_IMPORT */
	const char		*file;		/* TENANT_IMPORT: named in errors */
	int			then;		/* the caller's: its next step */
};

#endif
