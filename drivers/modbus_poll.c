/*
 * Polling the devices of a Modbus link: the reads that cover a device's
 * points, planned once, then one read per service() call; the values
 * decoded into a status, sent to the engine when it changed, and the
 * device's health (online, offline, backing off) kept from the outcome.
 */
#include "link.h"

#include <errno.h>
#include <modbus.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "modbus_input.h"
#include "modbus_icom.h"
#include "modbus_elev.h"
#include "modbus_wire.h"
#include "modbus_int.h"

static const struct reg_point mb_none;

static const struct reg_point *
mb_point(const struct profile *p, int i)
{
	if (p->kind == PROFILE_INTERCOM)
		return mbi_point(p, i);
	if (p->kind == PROFILE_ELEVATOR)
		return mbe_point(p, i);
	switch (i) {
	case 0:		return &p->state;
	case 1:		return &p->entry_count;
	case 2:		return &p->exit_count;
	case 3:		return &p->fault_code;
	default:	return &mb_none;
	}
}

static bool
mb_table_is_bits(enum reg_table t)
{
	return t == REG_COIL || t == REG_DISCRETE;
}

/* Registers (or bits) a point takes. */
static int
mb_point_size(const struct reg_point *pt)
{
	if (mb_table_is_bits(pt->table))
		return 1;
	return pt->width == 32 ? 2 : 1;
}

/*
 * Groups the profile's points per table into as few reads as cover them,
 * each within the protocol's limit (125 registers, 2000 bits).
 */
int
mb_plan_reads(struct link *l, struct mb_dev *d)
{
	const struct reg_point *pts[MB_NPOINTS], *tmp;
	int t, i, j, n, limit, start, end, pend;

	d->nreads = 0;
	for (t = REG_COIL; t <= REG_HOLDING; t++) {
		n = 0;
		for (i = 0; i < MB_NPOINTS; i++) {
			const struct reg_point *pt = mb_point(d->prof, i);

			if (!pt->set || (int)pt->table != t)
				continue;
			if ((int)pt->addr + mb_point_size(pt) > 65536) {
				log_err("%s/unit %d (%s): profile %s: %s 0x%04x "
				    "runs past the last address", l->conf->name,
				    d->conf->unit, d->conf->name, d->prof->name,
				    mb_table_names[t], pt->addr);
				return -1;
			}
			for (j = n; j > 0 && pts[j - 1]->addr > pt->addr; j--)
				pts[j] = pts[j - 1];
			pts[j] = pt;
			n++;
		}
		if (n == 0)
			continue;
		limit = mb_table_is_bits(t) ? MODBUS_MAX_READ_BITS :
		    MODBUS_MAX_READ_REGISTERS;
		start = pts[0]->addr;
		end = start + mb_point_size(pts[0]);
		for (i = 1; i <= n; i++) {
			tmp = i < n ? pts[i] : NULL;
			if (tmp != NULL) {
				pend = tmp->addr + mb_point_size(tmp);
				if (pend < end)
					pend = end;
				if (pend - start <= limit) {
					end = pend;
					continue;
				}
			}
			d->reads[d->nreads].table = (enum reg_table)t;
			d->reads[d->nreads].addr = (uint16_t)start;
			d->reads[d->nreads].count = (uint16_t)(end - start);
			d->nreads++;
			if (tmp != NULL) {
				start = tmp->addr;
				end = start + mb_point_size(tmp);
			}
		}
	}
	if (d->nreads == 0) {
		log_err("%s/unit %d (%s): profile %s has no point to read",
		    l->conf->name, d->conf->unit, d->conf->name, d->prof->name);
		return -1;
	}
	return 0;
}

static uint32_t
mb_extract(const struct mb_read *r, const uint16_t *regs, const uint8_t *bits,
    const struct reg_point *pt)
{
	int o = pt->addr - r->addr;

	if (mb_table_is_bits(r->table))
		return bits[o] ? 1 : 0;
	if (pt->width == 32)
		return (uint32_t)regs[o] << 16 | regs[o + 1];
	return regs[o];
}

static uint32_t
mb_counter_mask(const struct reg_point *pt)
{
	if (mb_table_is_bits(pt->table))
		return 1;
	return pt->width == 32 ? 0xffffffffu : 0xffffu;
}

/* The status a completed poll read. */
static void
mb_decode(const struct mb_dev *d, struct msg_ts_status *st)
{
	const struct profile *p = d->prof;
	uint32_t raw = d->val[0], m1, m2;
	int s;

	msg_init(st, MSG_TS_STATUS, (uint16_t)d->index);
	st->state = TS_UNKNOWN;
	for (s = TS_IDLE; s <= TS_FAULT; s++) {
		if ((int64_t)p->state_value[s] == (int64_t)raw) {
			st->state = (uint8_t)s;
			break;
		}
	}
	st->raw_state = (int32_t)raw;
	/* One mask for both counters: the narrower one, so a difference taken
	 * modulo it is right for both. */
	m1 = mb_counter_mask(&p->entry_count);
	m2 = mb_counter_mask(&p->exit_count);
	st->counter_mask = m1 < m2 ? m1 : m2;
	st->entry_count = d->val[1] & m1;
	st->exit_count = d->val[2] & m2;
	st->fault_code = p->fault_code.set ? d->val[3] : 0;
}

static bool
mb_status_differs(const struct msg_ts_status *a, const struct msg_ts_status *b)
{
	return a->state != b->state || a->entry_count != b->entry_count ||
	    a->exit_count != b->exit_count || a->counter_mask != b->counter_mask ||
	    a->fault_code != b->fault_code || a->raw_state != b->raw_state;
}

/* Next regular poll at a fixed rate: never drifts, skips what was missed. */
static void
mb_advance(struct mb_dev *d, int64_t now)
{
	int64_t period = (int64_t)d->conf->poll_ms * NS_PER_MS;

	if (d->next_ns > now)
		return;
	d->next_ns += ((now - d->next_ns) / period + 1) * period;
}

static void
mb_poll_failed(struct link *l, struct mb_link *m, struct mb_dev *d,
    const char *reason, int64_t now)
{
	const struct site_conf *site = l->site;
	uint32_t after = site->offline_after > 0 ? (uint32_t)site->offline_after : 1;
	int64_t poll = (int64_t)d->conf->poll_ms * NS_PER_MS;
	int64_t max = (int64_t)site->backoff_max_ms * NS_PER_MS;
	struct msg_dev_state ds;

	m->polling = -1;
	d->cur = -1;
	d->urgent = false;
	if (d->failures < UINT32_MAX)
		d->failures++;
	if (max < poll)
		max = poll;
	if (d->health != MB_OFFLINE && d->failures >= after) {
		d->health = MB_OFFLINE;
		d->have_status = false;
		if (d->prof->kind == PROFILE_ELEVATOR)
			mbe_offline(&d->elev);
		d->backoff_ns = poll;
		msg_init(&ds, MSG_DEV_STATE, (uint16_t)d->index);
		ds.online = 0;
		ds.failures = d->failures;
		str_copy(ds.reason, reason, sizeof(ds.reason));
		(void)link_emit(l, &ds);
		log_warn("%s/unit %d (%s): offline after %u failed polls: %s",
		    l->conf->name, d->conf->unit, d->conf->name, d->failures,
		    reason);
	}
	if (d->health == MB_OFFLINE) {
		d->backoff_ns = d->backoff_ns > max / 2 ? max : d->backoff_ns * 2;
		d->next_ns = now + d->backoff_ns;
	} else {
		mb_advance(d, now);
	}
}

static void
mb_poll_done(struct link *l, struct mb_link *m, struct mb_dev *d, int64_t now)
{
	struct msg_ts_status st;
	struct msg_dev_state ds;

	m->polling = -1;
	d->cur = -1;
	d->urgent = false;
	d->failures = 0;
	if (d->health != MB_ONLINE) {
		/* Back after an outage: its floors start disabled, never as
		   they were before it (the worker's start has its own reset). */
		if (d->prof->kind == PROFILE_ELEVATOR && d->health == MB_OFFLINE)
			mbe_reset(&d->elev, now);
		d->health = MB_ONLINE;
		d->have_status = false;
		d->next_ns = now + (int64_t)d->conf->poll_ms * NS_PER_MS;
		msg_init(&ds, MSG_DEV_STATE, (uint16_t)d->index);
		ds.online = 1;
		(void)link_emit(l, &ds);
		log_notice("%s/unit %d (%s): online", l->conf->name,
		    d->conf->unit, d->conf->name);
	} else {
		mb_advance(d, now);
	}
	if (d->conf->kind == DEV_INPUT) {
		modbus_input_report(l, d->conf, d->index, d->val[0], now,
		    &d->have_status, &d->input_active);
		return;
	}
	if (d->prof->kind == PROFILE_INTERCOM) {
		mbi_poll_done(l, &d->icom, d->prof, d->index, d->val,
		    &d->have_status);
		return;
	}
	if (d->prof->kind == PROFILE_ELEVATOR) {
		mbe_poll_done(l, &d->elev, d->prof, d->index, d->val,
		    &d->have_status);
		return;
	}
	mb_decode(d, &st);
	if (d->have_status && !mb_status_differs(&st, &d->last))
		return;
	if (link_emit(l, &st) == 0) {
		d->last = st;
		d->have_status = true;
	}
}

/* One read of d's poll; the poll completes or fails with the last one. */
void
mb_poll_step(struct link *l, struct mb_link *m, struct mb_dev *d)
{
	static const uint8_t fcs[] = {
		[REG_COIL] = MBW_READ_COILS, [REG_DISCRETE] = MBW_READ_DISCRETE,
		[REG_INPUT] = MBW_READ_INPUT, [REG_HOLDING] = MBW_READ_HOLDING,
	};
	uint16_t regs[MODBUS_MAX_READ_REGISTERS];
	uint8_t bits[MODBUS_MAX_READ_BITS];
	char reason[MSG_TEXT_MAX], what[40];
	const struct mb_read *r;
	struct mbw_req q;
	int i;

	if (d->cur < 0 || d->cur >= d->nreads) {
		d->cur = 0;
		memset(d->val, 0, sizeof(d->val));
	}
	m->polling = (int)(d - m->devs);
	r = &d->reads[d->cur];
	if (mb_begin(l, m, reason, sizeof(reason)) == -1) {
		mb_poll_failed(l, m, d, reason, mono_ns());
		return;
	}
	q = (struct mbw_req){ .fc = fcs[r->table], .addr = r->addr,
	    .count = r->count };
	str_printf(what, sizeof(what), "read %s 0x%04x",
	    mb_table_names[r->table], r->addr);
	if (mb_transact(m, d, &q, regs, bits, what, reason,
	    sizeof(reason)) == -1) {
		mb_poll_failed(l, m, d, reason, m->last_end_ns);
		return;
	}
	for (i = 0; i < MB_NPOINTS; i++) {
		const struct reg_point *pt = mb_point(d->prof, i);

		if (pt->set && pt->table == r->table && pt->addr >= r->addr &&
		    pt->addr + mb_point_size(pt) <= r->addr + r->count)
			d->val[i] = mb_extract(r, regs, bits, pt);
	}
	if (++d->cur >= d->nreads)
		mb_poll_done(l, m, d, m->last_end_ns);
}
