/*
 * Roles and alert routing: the roles a peer's groups give it, their names,
 * which alerts reach which role (a table), and how alerts.command is split
 * into words.
 */
#include <string.h>

#include "../../config/config.h"
#include "../../engine/engine.h"
#include "../../config/roles.h"
#include "harness.h"

static struct site_conf site;

static void
test_groups(void)
{
	gid_t none[1] = { 0 };
	gid_t sup[3] = { 100, 50, 7 };

	/* No roles section: every role. */
	CHECK_INT(role_of_groups(&site, 1000, none, 0), ROLE_ALL);

	site.roles_set = true;
	site.role_groups[0][0] = 100;	/* guard: users */
	site.nrole_groups[0] = 1;
	site.role_groups[1][0] = 50;	/* frontdesk: staff */
	site.role_groups[1][1] = 51;
	site.nrole_groups[1] = 2;
	site.role_groups[3][0] = 0;	/* manager: root */
	site.nrole_groups[3] = 1;
	CHECK_INT(role_of_groups(&site, 1000, none, 0), 0);
	CHECK_INT(role_of_groups(&site, 100, none, 0), ROLE_GUARD);	/* primary */
	CHECK_INT(role_of_groups(&site, 1000, sup, 3), ROLE_GUARD | ROLE_FRONTDESK);
	CHECK_INT(role_of_groups(&site, 0, sup + 2, 1), ROLE_MANAGER);
	CHECK_INT(role_of_groups(&site, 7, sup + 2, 1), 0);
}

static void
test_names(void)
{
	char buf[64];

	CHECK_STR(role_name(0), "guard");
	CHECK_STR(role_name(3), "manager");
	CHECK(role_name(4) == NULL);
	CHECK(role_name(-1) == NULL);
	role_str(0, buf, sizeof(buf));
	CHECK_STR(buf, "none");
	role_str(ROLE_FRONTDESK | ROLE_MANAGER, buf, sizeof(buf));
	CHECK_STR(buf, "frontdesk,manager");
	role_str(ROLE_ALL, buf, sizeof(buf));
	CHECK_STR(buf, "guard,frontdesk,engineering,manager");
	role_str(ROLE_EVERYONE, buf, sizeof(buf));
	CHECK_STR(buf, "anyone");
	role_str(ROLE_ALL, buf, 10);	/* cut, still terminated */
	CHECK_STR(buf, "guard,fro");
}

static const struct {
	unsigned	roles;
	bool		emergency;
	unsigned	audience;
	bool		sees;
} routes[] = {
	{ ROLE_ENGINEERING, false, AUD_ENGINEERING, true },
	{ ROLE_GUARD,	    false, AUD_ENGINEERING, false },
	{ ROLE_FRONTDESK,   false, AUD_ENGINEERING, false },
	{ ROLE_MANAGER,	    false, AUD_ENGINEERING, false },	/* until escalated */
	{ ROLE_MANAGER,	    false, AUD_ENGINEERING | AUD_MANAGER, true },
	{ ROLE_GUARD,	    false, AUD_ENGINEERING | AUD_MANAGER, false },
	{ ROLE_GUARD,	    false, AUD_SECURITY, true },
	{ ROLE_MANAGER,	    false, AUD_SECURITY, true },
	{ ROLE_FRONTDESK,   false, AUD_SECURITY, false },	/* a watch list stays hidden */
	{ ROLE_ENGINEERING, false, AUD_SECURITY, false },
	{ ROLE_FRONTDESK,   false, AUD_FRONTDESK, true },
	{ ROLE_MANAGER,	    false, AUD_FRONTDESK, true },
	{ ROLE_GUARD,	    false, AUD_FRONTDESK, false },
	{ ROLE_FRONTDESK,   false, AUD_ENGINEERING | AUD_SECURITY, false },
	{ ROLE_GUARD,	    false, AUD_ENGINEERING | AUD_SECURITY, true },
	{ 0,		    false, AUD_ALL, false },
	{ 0,		    true,  AUD_ENGINEERING, true },	/* emergencies: everyone */
	{ ROLE_FRONTDESK,   true,  AUD_SECURITY, true },
	{ ROLE_ALL,	    false, 0, false },			/* for nobody */
};

static void
test_routing(void)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		bool got = role_sees_alert(routes[i].roles, routes[i].emergency,
		    routes[i].audience);

		if (got != routes[i].sees)
			fprintf(stderr, "routes[%zu]: got %d\n", i, got);
		CHECK(got == routes[i].sees);
	}
}

static void
test_split(void)
{
	char buf[128], *argv[4];

	strcpy(buf, "  /usr/local/bin/notify-staff\t--site  tower ");
	CHECK_INT(config_command_split(buf, argv, 4), 3);
	CHECK_STR(argv[0], "/usr/local/bin/notify-staff");
	CHECK_STR(argv[1], "--site");
	CHECK_STR(argv[2], "tower");
	CHECK(argv[3] == NULL);
	strcpy(buf, "/bin/a b c d");
	CHECK_INT(config_command_split(buf, argv, 4), -1);	/* 3 words fit */
	strcpy(buf, "   ");
	CHECK_INT(config_command_split(buf, argv, 4), 0);
	CHECK(argv[0] == NULL);
}

int
main(void)
{
	test_groups();
	test_names();
	test_routing();
	test_split();
	return harness_done("test_roles");
}
