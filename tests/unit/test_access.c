/*
 * rules/access.c from a table: card, lane state, time -> decision, reason.
 */
#include "../../rules/access.h"
#include "harness.h"

#define T0	1790000000000LL		/* a wall-clock instant, ms */
#define HOUR	3600000LL

static const struct access_card ok_card = { .enabled = true };
static const struct access_card off_card = { .enabled = false };
static const struct access_card window = { .enabled = true,
	.valid_from_ms = T0, .valid_until_ms = T0 + 8 * HOUR };
static const struct access_card off_expired = { .enabled = false,
	.valid_until_ms = T0 - HOUR };

static const struct access_lane up = { .online = true };
static const struct access_lane down = { .online = false };
static const struct access_lane fault = { .online = true, .fault = true };
static const struct access_lane busy = { .online = true, .busy = true };
static const struct access_lane down_fault = { .online = false, .fault = true };
static const struct access_lane unknown = { .online = true, .unknown = true };
static const struct access_lane fault_unknown = { .online = true, .fault = true,
	.unknown = true };
static const struct access_lane busy_unknown = { .online = true, .busy = true,
	.unknown = true };

static const struct {
	const char		*what;
	const struct access_card *card;
	const struct access_lane *lane;
	int64_t			now;
	bool			grant;
	enum reason		reason;
} cases[] = {
	{ "known card, lane up",	&ok_card, &up,	 T0, true,  R_GRANTED },
	{ "unknown card",		NULL,	  &up,	 T0, false, R_UNKNOWN_CARD },
	{ "unknown card, lane down",	NULL,	  &down, T0, false, R_UNKNOWN_CARD },
	{ "disabled card",		&off_card, &up,	 T0, false, R_DISABLED },
	{ "disabled beats expired",	&off_expired, &up, T0, false, R_DISABLED },
	{ "window: 1 ms before start",	&window,  &up,	 T0 - 1, false, R_NOT_YET_VALID },
	{ "window: at start",		&window,  &up,	 T0, true,  R_GRANTED },
	{ "window: last ms",		&window,  &up,	 T0 + 8 * HOUR - 1, true, R_GRANTED },
	{ "window: at end",		&window,  &up,	 T0 + 8 * HOUR, false, R_EXPIRED },
	{ "window: a day after",	&window,  &up,	 T0 + 24 * HOUR, false, R_EXPIRED },
	{ "lane offline never grants",	&ok_card, &down, T0, false, R_LANE_OFFLINE },
	{ "lane fault",			&ok_card, &fault, T0, false, R_LANE_FAULT },
	{ "offline beats fault",	&ok_card, &down_fault, T0, false, R_LANE_OFFLINE },
	{ "lane busy",			&ok_card, &busy, T0, false, R_LANE_BUSY },
	{ "state not understood",	&ok_card, &unknown, T0, false, R_LANE_STATE_UNKNOWN },
	{ "fault beats unknown state",	&ok_card, &fault_unknown, T0, false, R_LANE_FAULT },
	{ "unknown state beats busy",	&ok_card, &busy_unknown, T0, false, R_LANE_STATE_UNKNOWN },
	{ "unknown card, unknown state", NULL,	  &unknown, T0, false, R_UNKNOWN_CARD },
	{ "expired card, lane down",	&window,  &down, T0 + 9 * HOUR, false, R_EXPIRED },
	{ "early card, lane fault",	&window,  &fault, T0 - HOUR, false, R_NOT_YET_VALID },
};

int
main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct access_decision d = rule_card_decide(cases[i].card,
		    cases[i].lane, cases[i].now);

		if (d.grant != cases[i].grant || d.reason != cases[i].reason)
			fprintf(stderr, "case \"%s\": got %s/%s\n", cases[i].what,
			    d.grant ? "grant" : "deny", rule_reason_code(d.reason));
		CHECK(d.grant == cases[i].grant);
		CHECK_INT(d.reason, cases[i].reason);
	}
	/* Every reason has a code and words. */
	for (int r = 0; r < R_COUNT; r++) {
		CHECK(strcmp(rule_reason_code((enum reason)r), "invalid") != 0);
		CHECK(strlen(rule_reason_text((enum reason)r)) > 0);
	}
	CHECK_STR(rule_reason_code(R_COUNT), "invalid");
	CHECK_STR(rule_reason_text(R_COUNT), "Invalid reason");
	return harness_done("test_access");
}
