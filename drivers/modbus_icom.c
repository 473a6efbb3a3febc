/*
 * Intercom stations on a Modbus link: the points of an intercom profile, the
 * status message a poll makes of them, the writes of the release and forward
 * commands, and the end of a timed door release, which the worker writes
 * itself and retries until the station takes it.
 */
#include "modbus_icom.h"

#include <stdio.h>
#include <string.h>

#include "../common/util.h"

#define MBI_OFF_RETRY_NS	(1000 * NS_PER_MS)

static const struct reg_point mbi_none;

const struct reg_point *
mbi_point(const struct profile *p, int i)
{
	switch (i) {
	case 0:		return &p->icom.call;
	case 1:		return &p->icom.button;
	case 2:		return &p->icom.door;
	default:	return &mbi_none;
	}
}

static void
mbi_decode(const struct profile *p, int dev, const uint32_t *val,
    struct msg_icom_status *st)
{
	int s;

	msg_init(st, MSG_ICOM_STATUS, (uint16_t)dev);
	st->call = ICOM_UNKNOWN;
	for (s = ICOM_IDLE; s <= ICOM_CONNECTED; s++) {
		if ((int64_t)p->icom.call_value[s] == (int64_t)val[0]) {
			st->call = (uint8_t)s;
			break;
		}
	}
	st->raw_call = (int32_t)val[0];
	st->button = p->icom.button.set ? (val[1] != 0) : ICOM_BIT_NONE;
	st->door = p->icom.door.set ? (val[2] != 0) : ICOM_BIT_NONE;
}

void
mbi_poll_done(struct link *l, struct mbi_state *s, const struct profile *p,
    int dev, const uint32_t *val, bool *have_status)
{
	struct msg_icom_status st;

	mbi_decode(p, dev, val, &st);
	if (*have_status && st.call == s->last.call &&
	    st.button == s->last.button && st.door == s->last.door &&
	    st.raw_call == s->last.raw_call)
		return;
	if (link_emit(l, &st) == 0) {
		s->last = st;
		*have_status = true;
	}
}

const char *
mbi_cmd_name(unsigned cmd)
{
	return cmd == ICOM_CMD_RELEASE ? "release" :
	    cmd == ICOM_CMD_FORWARD ? "forward" : "unknown";
}

int
mbi_cmd_write(const struct profile *p, const struct msg_cmd *c,
    struct reg_write *w, char *err, size_t errlen)
{
	const struct icom_profile *ic = &p->icom;

	switch (c->cmd) {
	case ICOM_CMD_RELEASE:
		if (!ic->release.set)
			break;
		*w = ic->release;
		return 0;
	case ICOM_CMD_FORWARD:
		if (!ic->forward.set)
			break;
		if (c->value < 1 || c->value > 65535) {
			if (err != NULL)
				snprintf(err, errlen, "forward: station %u out "
				    "of range 1..65535", c->value);
			return -1;
		}
		w->set = true;
		w->table = REG_HOLDING;
		w->addr = ic->forward.addr;
		w->value = (uint16_t)c->value;
		return 0;
	default:
		break;
	}
	if (err != NULL)
		snprintf(err, errlen, "command %u unknown to intercom profile %s",
		    c->cmd, p->name);
	return -1;
}

void
mbi_cmd_written(struct mbi_state *s, const struct profile *p,
    const struct msg_cmd *c, int64_t now)
{
	if (c->cmd == ICOM_CMD_RELEASE && p->icom.release_ms > 0)
		s->off_ns = now + (int64_t)p->icom.release_ms * NS_PER_MS;
}

void
mbi_start(struct mbi_state *s, const struct profile *p, int64_t now)
{
	memset(s, 0, sizeof(*s));
	/* A worker that died mid-release left the door released: end it
	 * first thing. Starting again must never leave a door open. */
	if (p->icom.release.set && p->icom.release_ms > 0)
		s->off_ns = now;
}

bool
mbi_off_due(const struct mbi_state *s, const struct profile *p, int64_t now,
    struct reg_write *w)
{
	if (s->off_ns == 0 || s->off_ns > now || !p->icom.release.set)
		return false;
	*w = p->icom.release;
	w->value = 0;
	return true;
}

void
mbi_off_done(struct mbi_state *s, bool ok, int64_t now)
{
	s->off_ns = ok ? 0 : now + MBI_OFF_RETRY_NS;
}
