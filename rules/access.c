/*
 * Staff-card rule: a card known to the store, enabled and inside its validity
 * window, at a lane whose turnstile is answering, not in fault, and in a
 * state its profile names: anything lobbyd does not understand is a denial.
 */
#include "access.h"

#include <stddef.h>

static const struct {
	const char *code;
	const char *text;
} reasons[R_COUNT] = {
	[R_GRANTED]	  = { "granted",	"Access granted" },
	[R_UNKNOWN_CARD]  = { "unknown_card",	"Card not known" },
	[R_DISABLED]	  = { "card_disabled",	"Card disabled" },
	[R_NOT_YET_VALID] = { "not_yet_valid",	"Card not valid yet" },
	[R_EXPIRED]	  = { "expired",	"Card expired" },
	[R_LANE_OFFLINE]  = { "lane_offline",	"Turnstile not answering" },
	[R_LANE_FAULT]	  = { "lane_fault",	"Turnstile in fault" },
	[R_LANE_STATE_UNKNOWN] = { "lane_state_unknown", "Turnstile state not understood" },
	[R_LANE_BUSY]	  = { "lane_busy",	"Previous passage not finished" },
	[R_NO_READER]	  = { "no_reader",	"No reader for this direction" },
	[R_MANUAL]	  = { "manual",		"Opened by an operator" },
	[R_FIRE_MODE]	  = { "fire_mode",	"Fire alarm: lane held free" },
	[R_NO_FLOORS]	  = { "no_floors",	"No floors permitted on this elevator" },
	[R_ELEV_OFFLINE]  = { "elevator_offline", "Elevator controller not answering" },
	[R_ELEV_UNAVAILABLE] = { "elevator_unavailable", "Elevator not in normal service" },
	[R_NO_BOOKING]	  = { "no_booking",	"No freight booking for this card now" },
};

struct access_decision
rule_card_decide(const struct access_card *card, const struct access_lane *lane,
    int64_t now_ms)
{
	struct access_decision d = { .grant = false };

	/* Card checks come first: the guard wants to know about the card. */
	if (card == NULL)
		d.reason = R_UNKNOWN_CARD;
	else if (!card->enabled)
		d.reason = R_DISABLED;
	else if (card->valid_from_ms != 0 && now_ms < card->valid_from_ms)
		d.reason = R_NOT_YET_VALID;
	else if (card->valid_until_ms != 0 && now_ms >= card->valid_until_ms)
		d.reason = R_EXPIRED;
	else
		d.reason = rule_lane_check(lane);
	d.grant = d.reason == R_GRANTED;
	return d;
}

enum reason
rule_lane_check(const struct access_lane *lane)
{
	if (!lane->online)
		return R_LANE_OFFLINE;
	if (lane->fault)
		return R_LANE_FAULT;
	if (lane->unknown)
		return R_LANE_STATE_UNKNOWN;
	if (lane->busy)
		return R_LANE_BUSY;
	return R_GRANTED;
}

const char *
rule_reason_code(enum reason r)
{
	return (unsigned)r < R_COUNT ? reasons[r].code : "invalid";
}

const char *
rule_reason_text(enum reason r)
{
	return (unsigned)r < R_COUNT ? reasons[r].text : "Invalid reason";
}
