/*
 * Intercom stations: each call is recorded (ringing, forwarded, answered,
 * ended, with how long it took), and a call left ringing past its station's
 * ring_timeout_s is forwarded down the station's "next" chain with an alert
 * for the front desk and security that turns urgent at the end of the chain.
 */
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "engine.h"
#include "../common/util.h"

#define ICOM_CMD_TTL_MS	2000	/* a release not on the wire by then is dropped */
#define ALERT_KIND	"call_unanswered"

static struct icom_state *
st_of(struct engine *e, int dev)
{
	return (struct icom_state *)(void *)e->devs[dev].kstate;
}

const struct icom_state *
icom_state_of(const struct engine *e, int dev)
{
	return (const struct icom_state *)(const void *)e->devs[dev].kstate;
}

/* Tenths of a second from a to b, for "17.3 s". */
static void
secs(char *buf, size_t size, int64_t a_ns, int64_t b_ns)
{
	int64_t ds = (b_ns - a_ns) / (100 * NS_PER_MS);

	if (ds < 0)
		ds = 0;
	snprintf(buf, size, "%lld.%lld s", (long long)(ds / 10),
	    (long long)(ds % 10));
}

int
icom_send_cmd(struct engine *e, int dev, enum icom_cmd cmd, uint32_t value,
    char *err, size_t errlen)
{
	struct msg_cmd m = { .cmd = (uint8_t)cmd, .value = value };

	return command_send(e, dev, &m, ICOM_CMD_TTL_MS, config_icom_cmd_name(cmd),
	    err, errlen);
}

/*
 * Raises the unanswered-call alert at severity sev, or raises the one that
 * is up to sev. An alert still being stored cannot be replaced yet: false,
 * and the tick tries again.
 */
static bool
icom_alert(struct engine *e, int dev, enum alert_severity sev, const char *msg)
{
	const char *name = e->site->devices[dev].name;

	for (size_t i = 0; i < e->nalerts; i++) {
		const struct alert_active *a = &e->alerts[i];

		if (strcmp(a->source, name) != 0 || strcmp(a->kind, ALERT_KIND) != 0)
			continue;
		if (a->severity >= sev)
			return true;
		if (a->id < 0)
			return false;
		alert_clear(e, name, ALERT_KIND);
		break;
	}
	alert_raise(e, name, ALERT_KIND, sev, AUD_FRONTDESK | AUD_SECURITY, msg);
	return true;
}

static void
call_over(struct engine *e, int dev)
{
	struct icom_state *st = st_of(e, dev);

	st->ring_deadline_ns = 0;
	st->call_urgent = false;
	st->call_at = dev;
	alert_dev_clear(e, dev, ALERT_KIND);
}

/* The kind's message: a station's status. */
static void
icom_status(struct engine *e, int dev, const union msg_any *any)
{
	const struct msg_icom_status *m = &any->icom_status;
	struct dev_state *ds = &e->devs[dev];
	struct icom_state *st = st_of(e, dev);
	const struct device_conf *dc = &e->site->devices[dev];
	enum icom_call was = st->call, now_call;
	bool first = !ds->have_status;
	int64_t now = mono_ns();
	char t[24], detail[128];

	if (!ds->online)
		engine_dev_online(e, dev);
	ds->have_status = true;
	st->icom_button = m->button;
	st->icom_door = m->door;
	now_call = m->call <= ICOM_CONNECTED ? (enum icom_call)m->call :
	    ICOM_UNKNOWN;
	if (now_call == was) {
		if (first && was != ICOM_RINGING)
			call_over(e, dev);	/* an alert from before a restart */
		return;
	}
	if (now_call == ICOM_UNKNOWN)
		log_warn("%s: call state value %d is not in profile %s",
		    dc->name, m->raw_call, e->site->profiles[dc->profile].name);

	if (was == ICOM_RINGING && now_call == ICOM_CONNECTED) {
		secs(t, sizeof(t), st->call_since_ns, now);
		if (st->call_at != dev)
			snprintf(detail, sizeof(detail), "answered after %s, "
			    "forwarded to %s", t, e->site->devices[st->call_at].name);
		else
			snprintf(detail, sizeof(detail), "answered after %s", t);
		engine_dev_event(e, dev, "call_answered", detail);
	} else if (was == ICOM_RINGING && now_call == ICOM_IDLE) {
		secs(t, sizeof(t), st->call_since_ns, now);
		snprintf(detail, sizeof(detail), "unanswered, ended after %s", t);
		engine_dev_event(e, dev, "call_ended", detail);
	} else if (was == ICOM_CONNECTED && now_call == ICOM_IDLE) {
		secs(t, sizeof(t), st->call_since_ns, now);
		snprintf(detail, sizeof(detail), "call of %s ended", t);
		engine_dev_event(e, dev, "call_ended", detail);
	} else if (was == ICOM_IDLE && now_call == ICOM_CONNECTED) {
		engine_dev_event(e, dev, "call_answered", "answered at once");
	}
	if (now_call == ICOM_RINGING) {
		snprintf(detail, sizeof(detail), "station %d ringing", dc->station);
		engine_dev_event(e, dev, "call_ringing", detail);
		st->call_at = dev;
		st->call_urgent = false;
		st->ring_deadline_ns = now + (int64_t)dc->ring_timeout_s * 1000 *
		    NS_PER_MS;
	} else if (now_call != ICOM_UNKNOWN) {
		call_over(e, dev);
	}
	/* A value the profile does not name keeps the call as it was: an
	 * alert is not cleared on a value lobbyd does not understand. */
	if (now_call != ICOM_UNKNOWN || was == ICOM_UNKNOWN) {
		st->call = now_call;
		st->call_since_ns = now;
		st->call_since_ms = real_ms();
	}
}

/* Station dev's call has rung past the deadline of the station it is at. */
static void
escalate(struct engine *e, int dev, int64_t now)
{
	struct icom_state *st = st_of(e, dev);
	const struct device_conf *dc = &e->site->devices[dev];
	int at = st->call_at >= 0 ? st->call_at : dev;
	int next = e->site->devices[at].next;
	char t[24], detail[128], msg[128], err[160];

	secs(t, sizeof(t), st->call_since_ns, now);
	if (next >= 0 && next != dev) {
		const struct device_conf *nc = &e->site->devices[next];

		snprintf(detail, sizeof(detail), "unanswered after %s at %s; "
		    "forwarded to %s (station %d)", t, e->site->devices[at].name,
		    nc->name, nc->station);
		if (icom_send_cmd(e, dev, ICOM_CMD_FORWARD, (uint32_t)nc->station,
		    err, sizeof(err)) < 0) {
			log_err("%s: %s", dc->name, err);
			snprintf(detail, sizeof(detail), "unanswered after %s; "
			    "forward to %s not sent", t, nc->name);
		}
		engine_dev_event(e, dev, "call_forwarded", detail);
		snprintf(msg, sizeof(msg), "Call at %s unanswered for %s; "
		    "forwarded to %s", dc->name, t, nc->name);
		(void)icom_alert(e, dev, SEV_WARNING, msg);
		st->call_at = next;
		st->ring_deadline_ns = now + (int64_t)nc->ring_timeout_s * 1000 *
		    NS_PER_MS;
		return;
	}
	/* The end of the chain: nobody else to ring. */
	if (!st->call_urgent) {
		snprintf(detail, sizeof(detail), "unanswered after %s; no "
		    "station left to forward to", t);
		engine_dev_event(e, dev, "call_unanswered", detail);
		st->call_urgent = true;
	}
	snprintf(msg, sizeof(msg), "Call at %s unanswered for %s: nobody "
	    "answered along its chain", dc->name, t);
	if (icom_alert(e, dev, SEV_URGENT, msg))
		st->ring_deadline_ns = 0;
	else
		st->ring_deadline_ns = now + 100 * NS_PER_MS;
}

static void
icom_tick(struct engine *e, int64_t now)
{
	for (int d = 0; d < e->site->ndevices; d++) {
		struct dev_state *ds = &e->devs[d];
		struct icom_state *st;

		if (e->site->devices[d].kind != DEV_INTERCOM)
			continue;
		st = st_of(e, d);
		if (st->call != ICOM_RINGING || st->ring_deadline_ns == 0 ||
		    now < st->ring_deadline_ns)
			continue;
		/* A station not answering cannot be told to forward: the call
		 * waits, and goes on when the station is back. */
		if (!ds->online)
			continue;
		escalate(e, d, now);
	}
}

static int64_t
icom_next_deadline(const struct engine *e)
{
	int64_t next = INT64_MAX;

	for (int d = 0; d < e->site->ndevices; d++) {
		const struct dev_state *ds = &e->devs[d];
		const struct icom_state *st;

		if (e->site->devices[d].kind != DEV_INTERCOM)
			continue;
		st = icom_state_of(e, d);
		if (st->call == ICOM_RINGING && ds->online &&
		    st->ring_deadline_ns != 0 && st->ring_deadline_ns < next)
			next = st->ring_deadline_ns;
	}
	return next;
}

/* ---- the kind ----------------------------------------------------------- */

static const char *
icom_state_name(const struct engine *e, int dev)
{
	return config_icom_call_name(icom_state_of(e, dev)->call);
}

static int64_t
icom_state_since(const struct engine *e, int dev)
{
	return icom_state_of(e, dev)->call_since_ms;
}

const struct dev_kind icom_kind = {
	.name = "intercom",
	.label = "Intercom",
	.state_size = sizeof(struct icom_state),
	.msgs = 1u << MSG_ICOM_STATUS,
	.msg = icom_status,
	.tick = icom_tick,
	.next_deadline = icom_next_deadline,
	.state_name = icom_state_name,
	.state_since_ms = icom_state_since,
};
