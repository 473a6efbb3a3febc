/*
 * Telling hosts, at the control socket: what a pass's host was told (the
 * "notified" summary and the "notices" of pass JSON), and visitor.answer,
 * the host's one-time link: the token alone says who may answer, so the
 * web console can take it without a login.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "../engine/hostnote.h"
#include "control_int.h"
#include "ctl_desk.h"
#include "ctl_desk_int.h"
#include "../common/util.h"

#define NOTICES_SHOWN	16

void
ctl_notice_json(struct ctl_client *c, const struct pass_rec *p, json_object *o)
{
	const struct notice_rec *n[NOTICES_SHOWN];
	size_t k = hostnote_of_pass(c->srv->e, p->id, n, NOTICES_SHOWN);
	json_object *a = json_object_new_array();
	char sum[512] = "";
	size_t len = 0;

	for (size_t i = 0; i < k && i < NOTICES_SHOWN; i++) {
		int w;

		json_object_array_add(a, ctl_fields_json(n[i], CTL_FIELDS(
		    CTL_FIELD(notice_rec, channel), CTL_FIELD(notice_rec, to),
		    CTL_FIELD(notice_rec, state), CTL_FIELD(notice_rec, detail),
		    CTL_FIELD(notice_rec, tries), CTL_FIELD(notice_rec, queued_ms),
		    CTL_FIELD(notice_rec, updated_ms))));
		/* "wecom-acme: sent; mail: failed: HTTP 500; gave up ..." */
		w = snprintf(sum + len, sizeof(sum) - len, "%s%s: %s%s%s",
		    i ? "; " : "", n[i]->channel, n[i]->state,
		    n[i]->detail[0] ? ": " : "", n[i]->detail);
		if (w > 0 && (size_t)w < sizeof(sum) - len)
			len += (size_t)w;
	}
	ctl_add_str(o, "notified", sum);
	json_object_object_add(o, "notices", a);
}

/* What the host sees before answering: the visit, not the visitor's
 * documents. */
static json_object *
answer_view(struct ctl_client *c, const struct pass_rec *p)
{
	const struct desk_person *who = desk_person(c->srv->e, p->person);
	json_object *o = ctl_fields_json(p, CTL_FIELDS(
	    CTL_FIELD_AS(pass_rec, id, "pass"), CTL_FIELD(pass_rec, host),
	    CTL_FIELD(pass_rec, purpose), CTL_FIELD(pass_rec, party),
	    CTL_FIELD_AS(pass_rec, vclass, "class"), CTL_FIELD(pass_rec, state),
	    CTL_FIELD(pass_rec, issued_ms), CTL_FIELD(pass_rec, valid_until_ms)));

	ctl_add_str(o, "name", who != NULL ? who->r.name : "");
	return o;
}

void
ctl_cmd_visitor_answer(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "token", "answer", NULL };
	struct engine *e = c->srv->e;
	char token[64], answer[12] = "";
	struct pass_rec *p, n;
	int64_t id;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "token", token, sizeof(token), true) < 0 ||
	    ctl_arg_str(c, args, "answer", answer, sizeof(answer), false) < 0)
		return;
	if (answer[0] != '\0' && strcmp(answer, "confirm") != 0 &&
	    strcmp(answer, "decline") != 0) {
		ctl_reply_err(c, "answer \"%s\": confirm or decline expected", answer);
		return;
	}
	/* One answer for a token that is wrong, used, or whose pass is no
	 * longer waiting: nothing to learn by trying tokens. */
	if ((id = hostnote_token_pass(e, token)) == 0 ||
	    (p = desk_pass(e, id)) == NULL || strcmp(p->state, "pending") != 0 ||
	    (p->valid_until_ms != 0 && p->valid_until_ms <= real_ms())) {
		ctl_reply_err(c, "this link is not valid: it was used already, or "
		    "the visit is no longer waiting for an answer");
		return;
	}
	if (answer[0] == '\0') {
		ctl_reply_ok(c, answer_view(c, p));
		return;
	}
	n = *p;
	hostnote_token_used(e, p->id, answer);
	if (strcmp(answer, "confirm") == 0) {
		str_copy(n.state, "active", sizeof(n.state));
		n.confirmed_ms = real_ms();
		str_copy(n.confirmed_by, "host (link)", sizeof(n.confirmed_by));
		ctl_desk_pass_change(c, &n, "visitor_confirmed",
		    "host confirmed through the one-time link");
	} else {
		str_copy(n.state, "revoked", sizeof(n.state));
		n.ended_ms = real_ms();
		str_copy(n.ended_by, "host (link)", sizeof(n.ended_by));
		str_copy(n.end_reason, "host declined", sizeof(n.end_reason));
		ctl_desk_pass_change(c, &n, "pass_revoked",
		    "host declined through the one-time link");
	}
}
