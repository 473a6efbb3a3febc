/*
 * Visitor registration policy, from the front-desk manuals: who is refused,
 * who needs the host's confirmation first, and who does not get office
 * floors. Pure: the registration is a parameter, the verdict the result.
 */
#ifndef LOBBYD_VISITOR_H
#define LOBBYD_VISITOR_H

#include <stdbool.h>

#include "../config/config.h"

enum visitor_class {
	VC_VIP,
	VC_IMPORTANT,		/* important guest */
	VC_ORDINARY,		/* ordinary guest */
	VC_APPLICANT,		/* job applicant */
	VC_SERVICE,		/* on-site service worker, delivery */
	VC_INTERNAL,		/* internal staff of another site */
	VC_COUNT
};

/* Categories the manuals tell the desk to turn away. */
enum visitor_category {
	VCAT_NONE,
	VCAT_SALES,		/* door-to-door sales */
	VCAT_INSURANCE,		/* insurance promotion */
	VCAT_ADVERTISING,
	VCAT_COUNT
};

/* The identity documents a front desk takes; their numbers are checked by
 * rule_id_check() (idcheck.h), except "other". */
enum id_type { ID_NONE, ID_RESIDENT_CARD, ID_PASSPORT, ID_OTHER,
	ID_HK_MACAO_PERMIT,	/* Mainland Travel Permit for HK and Macao Residents */
	ID_TAIWAN_PERMIT,	/* Mainland Travel Permit for Taiwan Residents */
	ID_FOREIGN_PR,		/* Foreigner's Permanent Residence ID Card */
	ID_COUNT };

struct visitor_reg {
	enum visitor_class	cls;
	enum visitor_category	category;
	enum id_type		id_type;
	bool			has_id_number;
	bool			has_host;	/* a contact person and unit named */
	bool			has_appointment;
	int			party_size;
	bool			manager_override; /* by a manager, with a reason */
	enum visitor_hold	hold;		/* the class's policy (config.h) */
};

enum reg_reason {
	RR_OK,
	RR_SALES,
	RR_INSURANCE,
	RR_ADVERTISING,
	RR_NO_HOST,
	RR_NO_ID,
	RR_PARTY_SIZE,		/* never overridden: a data error */
	RR_COUNT
};

struct visitor_verdict {
	bool		allowed;
	enum reg_reason	reason;		/* RR_OK, or why refused (or overridden) */
	bool		overridden;	/* allowed only by the manager's override */
	bool		pending;	/* pass waits for the host's confirmation */
	bool		office_floors;	/* may go up to the office floors */
};

#define VISITOR_PARTY_MAX	50

struct visitor_verdict rule_visitor_register(const struct visitor_reg *);

/* "vip", "important", ... as lobbyctl spells them; -1 when unknown. */
int	rule_visitor_class_parse(const char *);
const char *rule_visitor_class_name(enum visitor_class);
int	rule_id_type_parse(const char *);
const char *rule_id_type_name(enum id_type);
/* "no_host": stored; "No contact person named": shown to the desk. */
const char *rule_reg_reason_code(enum reg_reason);
const char *rule_reg_reason_text(enum reg_reason);

#endif
