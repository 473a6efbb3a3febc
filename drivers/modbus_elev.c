/*
 * Elevator controllers on a Modbus link: the status a poll makes of an
 * elevator profile's points, the floor-enable mask as holding registers, and
 * the worker's own timer that disables the floors again after a grant.
 */
#include "modbus_elev.h"

#include <stdio.h>
#include <string.h>

#include "../common/util.h"

#define MBE_RETRY_NS	(1000 * NS_PER_MS)

static const struct reg_point mbe_none;

const struct reg_point *
mbe_point(const struct profile *p, int i)
{
	switch (i) {
	case 0:		return &p->elev.floor;
	case 1:		return &p->elev.dir;
	case 2:		return &p->elev.door;
	case 3:		return &p->elev.mode;
	case 4:		return &p->elev.fault_code;
	case 5:		return &p->elev.trapped;
	default:	return &mbe_none;
	}
}

/* The enum value whose raw value in vals[1..n-1] is raw; 0 (unknown) if none. */
static uint8_t
mbe_lookup(const int32_t *vals, int n, uint32_t raw)
{
	for (int s = 1; s < n; s++)
		if (vals[s] != ELEV_VALUE_UNSET && (int64_t)vals[s] == (int64_t)raw)
			return (uint8_t)s;
	return 0;
}

void
mbe_poll_done(struct link *l, struct mbe_state *s, const struct profile *p,
    int dev, const uint32_t *val, bool *have_status)
{
	const struct elev_profile *ep = &p->elev;
	struct msg_elev_status st;

	msg_init(&st, MSG_ELEV_STATUS, (uint16_t)dev);
	/* A 16-bit floor register is signed: basements read as -1, -2. */
	st.floor = ep->floor.width == 16 ? (int16_t)val[0] : (int32_t)val[0];
	st.dir = mbe_lookup(ep->dir_value, ELEV_DIR_COUNT, val[1]);
	st.door = mbe_lookup(ep->door_value, ELEV_DOOR_COUNT, val[2]);
	st.mode = mbe_lookup(ep->mode_value, ELEV_MODE_COUNT, val[3]);
	st.fault_code = ep->fault_code.set ? val[4] : 0;
	st.trapped = ep->trapped.set && val[5] != 0;
	st.raw_dir = (int32_t)val[1];
	st.raw_door = (int32_t)val[2];
	st.raw_mode = (int32_t)val[3];
	if (*have_status && memcmp(&st, &s->last, sizeof(st)) == 0)
		return;
	if (link_emit(l, &st) == 0) {
		s->last = st;
		*have_status = true;
	}
}

int
mbe_cmd_check(const struct profile *p, const struct msg_cmd *c, char *err,
    size_t errlen)
{
	int floors = p->elev.floors;

	if (c->cmd != ELEV_CMD_ENABLE) {
		snprintf(err, errlen, "command %u unknown to elevator profile %s",
		    c->cmd, p->name);
		return -1;
	}
	if (c->value < 1 || c->value > ELEV_ENABLE_MAX_S * 1000) {
		snprintf(err, errlen, "enable for %u ms: out of range 1..%d",
		    c->value, ELEV_ENABLE_MAX_S * 1000);
		return -1;
	}
	if (c->floors == 0 || (floors < 64 && (c->floors >> floors) != 0)) {
		snprintf(err, errlen, "floors 0x%llx: none, or beyond the %d "
		    "floors of profile %s", (unsigned long long)c->floors, floors,
		    p->name);
		return -1;
	}
	return 0;
}

int
mbe_regs(const struct profile *p, uint64_t mask, uint16_t regs[MBE_NREGS_MAX])
{
	int n = (p->elev.floors + 15) / 16;

	for (int i = 0; i < n && i < MBE_NREGS_MAX; i++)
		regs[i] = (uint16_t)(mask >> (16 * i));
	return n < MBE_NREGS_MAX ? n : MBE_NREGS_MAX;
}

void
mbe_reset(struct mbe_state *s, int64_t now)
{
	s->zero_owed = true;
	s->clear_ns = 0;
	s->retry_ns = now;
}

void
mbe_offline(struct mbe_state *s)
{
	/* What it had enabled may still be on: disabled when it is back. */
	s->zero_owed = true;
	s->clear_ns = 0;
}

bool
mbe_clear_due(const struct mbe_state *s, bool offline, int64_t now)
{
	if (offline || now < s->retry_ns)
		return false;
	return s->zero_owed || (s->clear_ns != 0 && now >= s->clear_ns);
}

int64_t
mbe_next_ns(const struct mbe_state *s)
{
	int64_t t = INT64_MAX;

	if (s->zero_owed)
		t = s->retry_ns;
	else if (s->clear_ns != 0)
		t = s->clear_ns > s->retry_ns ? s->clear_ns : s->retry_ns;
	return t;
}

void
mbe_written(struct mbe_state *s, uint64_t mask, int enable_ms, bool ok,
    int64_t now)
{
	if (!ok) {
		/* A clear that failed is tried again. A grant that failed may
		   still have reached the controller (a lost reply): it is
		   cleared too, as soon as the controller takes it. */
		s->zero_owed = true;
		s->retry_ns = now + MBE_RETRY_NS;
		return;
	}
	s->enabled = mask;
	s->retry_ns = 0;
	s->zero_owed = false;
	s->clear_ns = enable_ms > 0 ? now + (int64_t)enable_ms * NS_PER_MS : 0;
}
