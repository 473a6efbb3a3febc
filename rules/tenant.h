/*
 * The tenant directory's rules: what a unit number, a phone number and a
 * line of the directory's CSV must look like, how the lines of one company
 * agree, and whether a visitor's host may be taken (a contact of the unit
 * in the directory, or a host outside it with a reason). Pure: the facts
 * are parameters, the verdict the result.
 */
#ifndef LOBBYD_TENANT_H
#define LOBBYD_TENANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TENANT_NAME_MAX		64	/* bytes with the NUL: names, contacts */
#define TENANT_SHORT_MAX	32
#define TENANT_UNIT_MAX		16	/* a unit number with its NUL */
#define TENANT_UNITS_MAX	64	/* units one company holds at most */
#define TENANT_CONTACTS_MAX	100	/* contacts of one company at most */
#define TENANT_PHONE_MAX	24	/* a phone number as kept, with its NUL */
#define TENANT_ROLE_MAX		32
#define TENANT_NOTIFY_MAX	16
#define TENANT_DETAIL_MAX	100

/* How a contact is told of a visitor: "phone" (the desk calls) for now. */
extern const char *const rule_notify_words[];

/*
 * A unit number: 1 to 15 of letters, digits, '-', '/' and '.' ("1203",
 * "12F-1203", "B2/05"). Upper-cased into out (TENANT_UNIT_MAX bytes).
 */
bool	rule_unit_parse(const char *s, char *out);
/*
 * "1203;1205" (';', ',' or blanks between them) into units[], each checked
 * and named once; false with what was wrong in err.
 */
bool	rule_units_parse(const char *s, char units[][TENANT_UNIT_MAX], int *n,
	    char *err, size_t errlen);
/* The units joined by ';' into out. */
void	rule_units_str(char units[][TENANT_UNIT_MAX], int n, char *out, size_t len);
/*
 * A phone number as people write it ("138 0013 8000", "+86-10-6552-9988",
 * "(0755) 8888 8888"): an optional '+', then digits with blanks, '-', '(',
 * ')' between them; kept as '+' and digits only, 5 to 20 digits. false with
 * what was wrong in err.
 */
bool	rule_phone_parse(const char *s, char out[TENANT_PHONE_MAX], char *err,
	    size_t errlen);
/*
 * Do two names of a person or company name the same one? Blanks at either
 * end and runs of blanks inside do not count, nor the case of Latin
 * letters; Chinese characters must be the same.
 */
bool	rule_name_same(const char *a, const char *b);

/* One line of the directory's CSV, as split into its fields (NULL or "":
 * not given). */
struct tenant_csv {
	const char	*company, *short_name, *units, *floors;
	const char	*contact, *phone, *role, *notify, *notify_detail;
};

/* What a line says, checked. */
struct tenant_line {
	char		company[TENANT_NAME_MAX];
	char		short_name[TENANT_SHORT_MAX];
	char		units[TENANT_UNITS_MAX][TENANT_UNIT_MAX];
	int		nunits;		/* 0: not given on this line */
	uint64_t	floors;		/* bit n = floor n */
	bool		has_floors;
	bool		has_contact;
	char		contact[TENANT_NAME_MAX];
	char		phone[TENANT_PHONE_MAX];
	char		role[TENANT_ROLE_MAX];
	char		notify[TENANT_NOTIFY_MAX];	/* "phone" when not given */
	char		notify_detail[TENANT_DETAIL_MAX];
};

/* A line checked into *out; false with what was wrong in err. */
bool	rule_tenant_line(const struct tenant_csv *, struct tenant_line *out,
	    char *err, size_t errlen);
/*
 * A further line of the same company (first: what its first line said,
 * units and floors filled in as the lines went): a short name, units or
 * floors given again must be the same. false with what differs in err.
 */
bool	rule_tenant_line_agrees(struct tenant_line *first,
	    const struct tenant_line *next, char *err, size_t errlen);

/* What the store found for a visitor's host. */
struct host_facts {
	bool	directory_empty;	/* no tenant at all: nothing to check */
	bool	unit_known;		/* a tenant holds the host unit */
	int	ncontacts;		/* that tenant's contacts */
	bool	contact_matched;	/* the host is one of them */
	bool	has_reason;		/* a host_reason was given */
};

enum host_code {
	HOST_LISTED,		/* a contact of the unit's tenant */
	HOST_UNCHECKED,		/* the directory is empty */
	HOST_OUTSIDE,		/* not in the directory; the reason recorded */
	HOST_UNKNOWN_UNIT,	/* refused: no tenant holds the unit */
	HOST_NOT_CONTACT,	/* refused: not a contact of the unit's tenant */
};

struct host_verdict {
	bool		allowed;
	enum host_code	code;
	bool		record_reason;	/* keep host_reason on the pass */
};

struct host_verdict rule_host_check(const struct host_facts *);
/* "host_outside": as recorded; "the host unit is not in the tenant
 * directory": as the desk reads it. */
const char *rule_host_code(enum host_code);
const char *rule_host_text(enum host_code);

#endif
