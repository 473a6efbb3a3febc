/*
 * The start-of-shift device check (devices.check): every device that is not
 * OK and why. Each device kind has one check function over the engine's
 * state; what every kind shares (offline, active alerts) is checked here.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "control_int.h"
#include "../engine/engine.h"
#include "../common/util.h"

#define BAD_READS_WINDOW_NS	(3600LL * 1000 * NS_PER_MS)	/* the last hour */

/* The problems found so far, and the clocks the check runs at. */
struct check {
	const struct engine	*e;
	json_object		*list;
	int			dev;
	int			nfound;		/* for this device */
	int64_t			now_ms, now_ns;
	char			whats[8][24];	/* what was found for this device */
};

static void __attribute__((format(printf, 4, 5)))
problem(struct check *ck, const char *what, int64_t since_ms, const char *fmt, ...)
{
	const struct device_conf *dc = &ck->e->site->devices[ck->dev];
	json_object *o = json_object_new_object();
	char detail[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	ctl_add_str(o, "name", dc->name);
	ctl_add_str(o, "kind", config_device_kind_name(dc->kind));
	ctl_add_str(o, "what", what);
	ctl_add_str(o, "detail", detail);
	ctl_add_int(o, "since_ms", since_ms);
	json_object_array_add(ck->list, o);
	if (ck->nfound < 8)
		str_copy(ck->whats[ck->nfound], what, sizeof(ck->whats[0]));
	ck->nfound++;
}

static bool
found(const struct check *ck, const char *what)
{
	for (int i = 0; i < ck->nfound && i < 8; i++)
		if (strcmp(ck->whats[i], what) == 0)
			return true;
	return false;
}

/* ---- one function per device kind (online devices only) ----------------- */

typedef void	check_fn(struct check *, const struct dev_state *);

static void
check_turnstile(struct check *ck, const struct dev_state *ds)
{
	const struct turnstile_state *ts = turnstile_state_of(ck->e, ck->dev);

	if (!ds->have_status)
		problem(ck, "state_unknown", ds->since_ms,
		    "answering, but no status read yet");
	else if (ts->state == TS_FAULT || ds->fault_code != 0)
		problem(ck, "fault", ds->fault_since_ms, "in fault, code %" PRIu32,
		    ds->fault_code);
	else if (ts->state == TS_UNKNOWN)
		problem(ck, "fault", ds->fault_since_ms, "in a state its profile does not name "
		    "(nothing opens)");
}

static void
check_reader(struct check *ck, const struct dev_state *ds)
{
	const struct reader_state *rs = reader_state_of(ck->e, ck->dev);
	int64_t ago_ns = ck->now_ns - rs->reject_logged_ns;

	(void)ds;
	/* The first bad frame of each minute is stamped; the rest are counted. */
	if (rs->reject_logged_ns != 0 && ago_ns < BAD_READS_WINDOW_NS)
		problem(ck, "bad_reads", ck->now_ms - ago_ns / NS_PER_MS,
		    "bad reads in the last hour (%" PRIu64 " bad frames since "
		    "lobbyd started)", rs->rejects);
}

static void
check_input(struct check *ck, const struct dev_state *ds)
{
	const struct device_conf *dc = &ck->e->site->devices[ck->dev];
	const struct input_state *is = input_state_of(ck->e, ck->dev);
	int64_t since = is->since_ns != 0 ? ck->now_ms -
	    (ck->now_ns - is->since_ns) / NS_PER_MS : 0;

	if (!ds->have_status || !is->active)
		return;
	switch (dc->function) {
	case IN_FIRE:
		problem(ck, "fire", since, "fire-alarm input active");
		break;
	case IN_POWER:
		problem(ck, "power", since, "mains failure reported (on battery)");
		break;
	case IN_TAMPER:
		problem(ck, "tamper", since, "tamper switch open");
		break;
	case IN_DOOR:		/* an open door is a door alert's business */
	case IN_REX:
		break;
	}
}

static void
check_elevator(struct check *ck, const struct dev_state *ds)
{
	const struct elev_state *st = elev_state_of(ck->e, ck->dev);

	if (!ds->have_status) {
		problem(ck, "state_unknown", 0, "no status read yet");
		return;
	}
	if (st->elev_trapped)
		problem(ck, "trapped", 0, "passenger alarm at floor %d",
		    st->elev_floor);
	if (ds->fault_code != 0)
		problem(ck, "fault", ds->fault_since_ms, "in fault (code %" PRIu32
		    ") at floor %d",
		    ds->fault_code, st->elev_floor);
	if (st->elev_mode != ELEV_MODE_NORMAL)
		problem(ck, st->elev_mode == ELEV_MODE_OUT_OF_SERVICE ?
		    "out_of_service" : "mode", 0, "%s",
		    st->elev_mode == ELEV_MODE_UNKNOWN ?
		    "mode value not in its profile" :
		    config_elev_mode_name((enum elev_mode)st->elev_mode));
}

/* Intercoms and outputs get the common checks until the engine keeps
 * their state; a new kind adds its function here. */
static check_fn *const kind_checks[] = {
	[DEV_TURNSTILE] = check_turnstile,
	[DEV_READER] = check_reader,
	[DEV_ELEVATOR] = check_elevator,
	[DEV_INPUT] = check_input,
};

/* ---- the command ----------------------------------------------------------- */

static void
check_device(struct check *ck)
{
	const struct engine *e = ck->e;
	const struct device_conf *dc = &e->site->devices[ck->dev];
	const struct dev_state *ds = &e->devs[ck->dev];

	ck->nfound = 0;
	if (!ds->online) {
		if (ds->failures > 0)
			problem(ck, "offline", ds->since_ms, "offline: %s (%" PRIu32
			    " failed polls)", ds->reason, ds->failures);
		else
			problem(ck, "offline", ds->since_ms, "offline: %s",
			    ds->reason);
	} else if ((size_t)dc->kind < sizeof(kind_checks) / sizeof(kind_checks[0]) &&
	    kind_checks[dc->kind] != NULL) {
		kind_checks[dc->kind](ck, ds);
	}
	for (size_t i = 0; i < e->nalerts; i++) {
		const struct alert_active *a = &e->alerts[i];

		if (strcmp(a->source, dc->name) != 0 || found(ck, a->kind))
			continue;
		problem(ck, "alert", 0, "%s alert \"%s\" active",
		    alert_severity_name(a->severity), a->kind);
	}
}

void
ctl_cmd_devices_check(struct ctl_client *c, json_object *args)
{
	struct check ck = { .e = c->srv->e };
	json_object *o;
	int not_ok = 0;

	static const char *const known[] = { NULL };

	if (!ctl_args_known(c, args, known))
		return;
	ck.list = json_object_new_array();
	ck.now_ms = real_ms();
	ck.now_ns = mono_ns();
	for (ck.dev = 0; ck.dev < ck.e->site->ndevices; ck.dev++) {
		check_device(&ck);
		not_ok += ck.nfound > 0;
	}
	o = json_object_new_object();
	json_object_object_add(o, "devices", json_object_new_int(ck.e->site->ndevices));
	json_object_object_add(o, "not_ok", json_object_new_int(not_ok));
	json_object_object_add(o, "ok", json_object_new_boolean(not_ok == 0));
	json_object_object_add(o, "problems", ck.list);
	ctl_reply_ok(c, o);
}
