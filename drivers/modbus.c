/*
 * Modbus TCP and RTU link back-ends: poll every turnstile of the link in turn,
 * one transaction per service() call with queued commands first, and tell the
 * engine about changes of health, status and commands. libmodbus opens the
 * connection; each transaction is modbus_wire.c's, under its device's deadline.
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

#define MB_CMD_QUEUE	8	/* commands waiting per link */
#define MB_NPOINTS	6	/* state, entry, exit, fault; elevators: MBE_NPOINTS */
#define MB_MAX_READS	MB_NPOINTS

enum mb_health { MB_UNKNOWN, MB_ONLINE, MB_OFFLINE };

/* One covering read of a poll: a range of one table. */
struct mb_read {
	enum reg_table	table;
	uint16_t	addr;
	uint16_t	count;
};

struct mb_dev {
	int			index;		/* in site->devices */
	const struct device_conf *conf;
	const struct profile	*prof;
	struct mb_read		reads[MB_MAX_READS];
	int			nreads;
	int			cur;		/* next read of the poll under way */
	uint32_t		val[MB_NPOINTS];	/* values of that poll */
	enum mb_health		health;
	uint32_t		failures;	/* failed polls in a row */
	int64_t			next_ns;	/* next regular poll */
	int64_t			backoff_ns;	/* interval while offline */
	int64_t			deadline_ns;	/* of one whole transaction */
	bool			urgent;		/* poll at once: a command was written */
	bool			have_status;	/* last was sent since coming online */
	struct msg_ts_status	last;
	struct profile		input_prof;	/* DEV_INPUT: its point (modbus_input.c) */
	bool			input_active;	/* DEV_INPUT: as last sent */
	struct mbi_state	icom;		/* intercom stations */
	struct mbe_state	elev;		/* elevator controllers */
};

struct mb_link {
	modbus_t	*ctx;
	bool		rtu;
	bool		connected;
	int64_t		t35_ns;		/* RTU silence between frames; 0 for TCP */
	int64_t		char_ns;	/* RTU: one character on the wire */
	uint16_t	tid;		/* TCP: last transaction id sent */
	int64_t		last_end_ns;	/* when the last transaction ended */
	char		where[CONF_PATH_MAX + 8];
	struct mb_dev	*devs;
	int		ndevs;
	int		polling;	/* device with a poll under way, -1 none */
	int		rr;		/* device polled last, for round robin */
	struct msg_cmd	queue[MB_CMD_QUEUE];
	int		qhead;
	int		qlen;
};

static const char *const mb_table_names[] = {
	[REG_COIL] = "coil", [REG_DISCRETE] = "discrete",
	[REG_INPUT] = "input", [REG_HOLDING] = "holding",
};

/* snprintf that may cut: reasons are short texts for the engine. */
static void __attribute__((format(printf, 3, 4)))
mb_say(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

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
static int
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

static void
mb_emit_result(struct link *l, const struct msg_cmd *c,
    enum msg_cmd_status status, int64_t t_wire, int64_t t_done,
    const char *error)
{
	struct msg_cmd_result r;

	msg_init(&r, MSG_CMD_RESULT, c->h.dev);
	r.id = c->id;
	r.status = (uint8_t)status;
	r.t_frame_ns = c->t_frame_ns;
	r.t_wire_ns = t_wire;
	r.t_done_ns = t_done;
	if (error != NULL)
		str_copy(r.error, error, sizeof(r.error));
	(void)link_emit(l, &r);
}

static struct mb_dev *
mb_find_dev(struct mb_link *m, int index)
{
	int i;

	for (i = 0; i < m->ndevs; i++)
		if (m->devs[i].index == index)
			return &m->devs[i];
	return NULL;
}

/* Gets the bus ready for a transaction: connected. On failure err says
 * what went wrong. */
static int
mb_begin(struct link *l, struct mb_link *m, char *err, size_t errsz)
{
	if (!m->connected) {
		if (modbus_connect(m->ctx) == -1) {
			mb_say(err, errsz, "%s %s: %s",
			    m->rtu ? "open" : "connect", m->where,
			    modbus_strerror(errno));
			m->last_end_ns = mono_ns();
			return -1;
		}
		m->connected = true;
		log_debug("%s: connected to %s", l->conf->name, m->where);
	}
	return 0;
}

/* After a transaction: note when the bus went quiet, and what to undo. */
static void
mb_end(struct mb_link *m, bool ok, int err)
{
	m->last_end_ns = mono_ns();
	/* An exception reply leaves the line clean. */
	if (ok || (err >= EMBXILFUN && err <= EMBXGTAR) || err == EMBUNKEXC)
		return;
	switch (err) {
	case ECONNREFUSED:
	case ECONNRESET:
	case EPIPE:
	case EBADF:
	case ENOTCONN:
	case EIO:
	case ENXIO:
	case ENODEV:
		/* The connection or the port is gone: reopen at the next try. */
		modbus_close(m->ctx);
		m->connected = false;
		break;
	default:
		/* A late, trickling or malformed reply may go on arriving and be
		 * taken for the next one. On TCP a new connection starts clean
		 * (a shared gateway's other units included); on RTU what came
		 * before a request is dropped as it goes out (modbus_wire.c). */
		if (!m->rtu) {
			modbus_close(m->ctx);
			m->connected = false;
		}
		break;
	}
}

/*
 * One transaction with d within its deadline; the caller fills in q's
 * function and operands. On failure errno says what failed and why is the
 * reason the engine shows for the device: its unit, `what` was tried, and
 * what went wrong.
 */
static int
mb_transact(struct mb_link *m, const struct mb_dev *d, struct mbw_req *q,
    uint16_t *regs, uint8_t *bits, const char *what, char *why, size_t whysz)
{
	char err[MSG_TEXT_MAX];
	int rc, e;

	q->rtu = m->rtu;
	q->tid = ++m->tid;
	q->unit = (uint8_t)d->conf->unit;
	q->char_ns = m->char_ns;
	rc = mbw_transact(modbus_get_socket(m->ctx), q, d->deadline_ns, regs,
	    bits, err, sizeof(err));
	e = errno;
	mb_end(m, rc == 0, e);
	if (rc == -1)
		mb_say(why, whysz, "unit %d: %s: %s", d->conf->unit, what, err);
	errno = e;
	return rc;
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
static void
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
	mb_say(what, sizeof(what), "read %s 0x%04x", mb_table_names[r->table],
	    r->addr);
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

/* Writes an elevator's floor-enable mask (c->floors; 0 for a clear, c NULL)
 * and reports a command's result. */
static bool
mb_elev_write(struct link *l, struct mb_link *m, struct mb_dev *d,
    const struct msg_cmd *c, int64_t t_wire)
{
	uint16_t regs[MBE_NREGS_MAX];
	uint64_t mask = c != NULL ? c->floors : 0;
	int n = mbe_regs(d->prof, mask, regs);
	struct mbw_req q = { .fc = MBW_WRITE_REGISTERS,
	    .addr = d->prof->elev.enable_addr, .count = (uint16_t)n,
	    .regs = regs };
	char err[MSG_TEXT_MAX], what[40];
	int64_t t_done;
	bool ok;

	mb_say(what, sizeof(what), "write holding 0x%04x (%d)",
	    d->prof->elev.enable_addr, n);
	ok = mb_transact(m, d, &q, NULL, NULL, what, err, sizeof(err)) == 0;
	t_done = m->last_end_ns;
	d->urgent = true;
	mbe_written(&d->elev, mask, c != NULL ? (int)c->value : 0, ok, t_done);
	if (ok) {
		if (c != NULL)
			mb_emit_result(l, c, CMD_OK, t_wire, t_done, NULL);
		return true;
	}
	if (c != NULL) {
		log_warn("%s/unit %d (%s): floor enable command %u: %s",
		    l->conf->name, d->conf->unit, d->conf->name, c->id, err);
		mb_emit_result(l, c, CMD_FAILED, t_wire, t_done, err);
	} else if (d->health != MB_OFFLINE) {
		log_warn("%s/unit %d (%s): disabling the floors: %s; trying "
		    "again", l->conf->name, d->conf->unit, d->conf->name, err);
	}
	return false;
}

/* Disables the floors of an elevator whose grant is over or that was
 * (re)connected: false when none is due. */
static bool
mb_elev_clear_step(struct link *l, struct mb_link *m, int64_t now)
{
	char why[MSG_TEXT_MAX];
	struct mb_dev *d = NULL;
	int i;

	for (i = 0; i < m->ndevs && d == NULL; i++)
		if (m->devs[i].prof->kind == PROFILE_ELEVATOR &&
		    mbe_clear_due(&m->devs[i].elev,
		    m->devs[i].health == MB_OFFLINE, now))
			d = &m->devs[i];
	if (d == NULL)
		return false;
	if (mb_begin(l, m, why, sizeof(why)) == -1) {
		mbe_written(&d->elev, 0, 0, false, mono_ns());
		return true;
	}
	(void)mb_elev_write(l, m, d, NULL, mono_ns());
	return true;
}

/* Writes the command at the head of the queue, unless it may not be. */
static void
mb_command_step(struct link *l, struct mb_link *m)
{
	struct msg_cmd c = m->queue[m->qhead];
	struct mb_dev *d;
	const struct reg_write *w;
	struct reg_write iw;
	char err[MSG_TEXT_MAX], why[MSG_TEXT_MAX], what[40];
	struct mbw_req q;
	int64_t t_wire, t_done;
	bool ok;

	m->qhead = (m->qhead + 1) % MB_CMD_QUEUE;
	m->qlen--;
	d = mb_find_dev(m, c.h.dev);	/* checked when queued */
	w = &d->prof->cmd[c.cmd];
	if (d->prof->kind == PROFILE_INTERCOM) {
		(void)mbi_cmd_write(d->prof, &c, &iw, NULL, 0);
		w = &iw;
	}
	if (mono_ns() >= c.expires_ns) {
		mb_emit_result(l, &c, CMD_EXPIRED, 0, 0, "expired before it was sent");
		return;
	}
	/* A device that stopped answering is not sent what was meant for it
	 * before: the engine decides again when it is back (invariant 1). */
	if (d->health == MB_OFFLINE) {
		mb_emit_result(l, &c, CMD_OFFLINE, 0, 0, "device offline");
		return;
	}
	if (mb_begin(l, m, why, sizeof(why)) == -1) {
		mb_emit_result(l, &c, CMD_FAILED, 0, mono_ns(), why);
		return;
	}
	t_wire = mono_ns();
	if (t_wire >= c.expires_ns) {
		mb_emit_result(l, &c, CMD_EXPIRED, 0, 0, "expired before it was sent");
		return;
	}
	if (d->prof->kind == PROFILE_ELEVATOR) {
		(void)mb_elev_write(l, m, d, &c, t_wire);
		return;
	}
	q = (struct mbw_req){ .fc = w->table == REG_COIL ? MBW_WRITE_COIL :
	    MBW_WRITE_REGISTER, .addr = w->addr, .value = w->value };
	mb_say(what, sizeof(what), "write %s 0x%04x", mb_table_names[w->table],
	    w->addr);
	ok = mb_transact(m, d, &q, NULL, NULL, what, err, sizeof(err)) == 0;
	t_done = m->last_end_ns;
	/* Read back at once: the change shows, or a lost reply is found out. */
	d->urgent = true;
	if (ok) {
		if (d->prof->kind == PROFILE_INTERCOM)
			mbi_cmd_written(&d->icom, d->prof, &c, t_done);
		mb_emit_result(l, &c, CMD_OK, t_wire, t_done, NULL);
		return;
	}
	log_warn("%s/unit %d (%s): %s command %u: %s", l->conf->name,
	    d->conf->unit, d->conf->name,
	    d->prof->kind == PROFILE_INTERCOM ?
	    mbi_cmd_name(c.cmd) :
	    c.cmd == TS_CMD_OPEN_ENTRY ? "open-entry" :
	    c.cmd == TS_CMD_OPEN_EXIT ? "open-exit" :
	    c.cmd == TS_CMD_FREE ? "free" : "lock", c.id, err);
	mb_emit_result(l, &c, CMD_FAILED, t_wire, t_done, err);
}

/* Ends a timed door release that is due, whether or not the station was
 * answering lately: returns false when none is. */
static bool
mb_icom_off_step(struct link *l, struct mb_link *m, int64_t now)
{
	struct reg_write w;
	char why[MSG_TEXT_MAX], what[40];
	struct mb_dev *d = NULL;
	struct mbw_req q;
	int i;
	bool ok;

	for (i = 0; i < m->ndevs && d == NULL; i++)
		if (m->devs[i].prof->kind == PROFILE_INTERCOM &&
		    mbi_off_due(&m->devs[i].icom, m->devs[i].prof, now, &w))
			d = &m->devs[i];
	if (d == NULL)
		return false;
	if (mb_begin(l, m, why, sizeof(why)) == -1) {
		mbi_off_done(&d->icom, false, mono_ns());
		return true;
	}
	q = (struct mbw_req){ .fc = w.table == REG_COIL ? MBW_WRITE_COIL :
	    MBW_WRITE_REGISTER, .addr = w.addr, .value = 0 };
	mb_say(what, sizeof(what), "write %s 0x%04x", mb_table_names[w.table],
	    w.addr);
	ok = mb_transact(m, d, &q, NULL, NULL, what, why, sizeof(why)) == 0;
	mbi_off_done(&d->icom, ok, m->last_end_ns);
	if (!ok && d->health != MB_OFFLINE)
		log_warn("%s/unit %d (%s): ending the door release: %s; trying "
		    "again", l->conf->name, d->conf->unit, d->conf->name, why);
	d->urgent = true;
	return true;
}

static bool
mb_is_due(const struct mb_dev *d, int64_t now)
{
	return d->urgent || d->next_ns <= now;
}

/* The device to poll now: the one under way, else the next due in turn. */
static struct mb_dev *
mb_pick(struct mb_link *m, int64_t now)
{
	int i, k;

	if (m->polling >= 0)
		return &m->devs[m->polling];
	for (i = 1; i <= m->ndevs; i++) {
		k = (m->rr + i) % m->ndevs;
		if (mb_is_due(&m->devs[k], now)) {
			m->rr = k;
			return &m->devs[k];
		}
	}
	return NULL;
}

static int64_t
mb_next_deadline(const struct mb_link *m, int64_t now)
{
	int64_t next = INT64_MAX, quiet;
	int i;

	if (m->qlen > 0 || m->polling >= 0)
		next = now;
	for (i = 0; i < m->ndevs && next > now; i++) {
		const struct mb_dev *d = &m->devs[i];
		int64_t t = d->urgent ? now : d->next_ns;

		if (d->icom.off_ns != 0 && d->icom.off_ns < t)
			t = d->icom.off_ns;
		if (d->prof->kind == PROFILE_ELEVATOR && d->health != MB_OFFLINE &&
		    mbe_next_ns(&d->elev) < t)
			t = mbe_next_ns(&d->elev);
		if (t < next)
			next = t;
	}
	if (next == INT64_MAX)
		next = now + 1000 * NS_PER_MS;
	quiet = m->last_end_ns + m->t35_ns;
	return next < quiet ? quiet : next;
}

static int64_t
mb_service(struct link *l, int64_t now, short revents)
{
	struct mb_link *m = l->priv;
	struct mb_dev *d;

	(void)revents;
	/* RTU: a frame may not start before 3.5 characters of silence. */
	if (now < m->last_end_ns + m->t35_ns)
		return mb_next_deadline(m, now);
	if (m->qlen > 0) {
		mb_command_step(l, m);
	} else if (mb_icom_off_step(l, m, now)) {
		/* a door release ended */
	} else if (mb_elev_clear_step(l, m, now)) {
		/* an elevator's floors disabled */
	} else if ((d = mb_pick(m, now)) != NULL) {
		mb_poll_step(l, m, d);
	}
	return mb_next_deadline(m, mono_ns());
}

static int
mb_command(struct link *l, const struct msg_cmd *c)
{
	struct mb_link *m = l->priv;
	struct mb_dev *d;
	char err[MSG_TEXT_MAX];
	int slot;

	d = mb_find_dev(m, c->h.dev);
	if (d == NULL) {
		mb_say(err, sizeof(err), "device %u is not a turnstile on %s",
		    c->h.dev, l->conf->name);
		goto refuse;
	}
	if (d->prof->kind == PROFILE_INTERCOM) {
		struct reg_write w;

		if (mbi_cmd_write(d->prof, c, &w, err, sizeof(err)) == -1)
			goto refuse;
	} else if (d->prof->kind == PROFILE_ELEVATOR) {
		if (mbe_cmd_check(d->prof, c, err, sizeof(err)) == -1)
			goto refuse;
	} else if (c->cmd >= TS_CMD_COUNT || !d->prof->cmd[c->cmd].set) {
		mb_say(err, sizeof(err), "command %u unknown to profile %s",
		    c->cmd, d->prof->name);
		goto refuse;
	}
	if (d->prof->kind == PROFILE_TURNSTILE &&
	    d->prof->cmd[c->cmd].table != REG_COIL &&
	    d->prof->cmd[c->cmd].table != REG_HOLDING) {
		mb_say(err, sizeof(err), "profile %s: command %u register is "
		    "not writable", d->prof->name, c->cmd);
		goto refuse;
	}
	if (m->qlen == MB_CMD_QUEUE) {
		log_warn("%s/unit %d (%s): command %u refused: queue full",
		    l->conf->name, d->conf->unit, d->conf->name, c->id);
		mb_emit_result(l, c, CMD_FAILED, 0, 0, "queue full");
		errno = ENOBUFS;
		return -1;
	}
	slot = (m->qhead + m->qlen) % MB_CMD_QUEUE;
	m->queue[slot] = *c;
	m->qlen++;
	return 0;

refuse:
	log_err("%s: command %u refused: %s", l->conf->name, c->id, err);
	mb_emit_result(l, c, CMD_FAILED, 0, 0, err);
	errno = EINVAL;
	return -1;
}

static int
mb_fd(struct link *l)
{
	(void)l;
	return -1;	/* request/response: nothing arrives unasked */
}

static void
mb_close(struct link *l)
{
	struct mb_link *m = l->priv;

	if (m == NULL)
		return;
	if (m->ctx != NULL) {
		if (m->connected)
			modbus_close(m->ctx);
		modbus_free(m->ctx);
	}
	free(m->devs);
	free(m);
	l->priv = NULL;
}

static int
mb_open(struct link *l, bool rtu)
{
	const struct site_conf *site = l->site;
	const struct link_conf *lc = l->conf;
	struct mb_link *m;
	struct mb_dev *d;
	int i, ms;
	int64_t now = mono_ns();

	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		log_err("%s: %s", lc->name, strerror(errno));
		return -1;
	}
	l->priv = m;
	m->rtu = rtu;
	m->polling = -1;
	m->rr = -1;
	m->devs = calloc((size_t)(site->ndevices > 0 ? site->ndevices : 1),
	    sizeof(*m->devs));
	if (m->devs == NULL) {
		log_err("%s: %s", lc->name, strerror(errno));
		goto out_close;
	}
	for (i = 0; i < site->ndevices; i++) {
		const struct device_conf *dc = &site->devices[i];

		if (dc->link != l->index)
			continue;
		d = &m->devs[m->ndevs];
		if (dc->kind == DEV_INPUT && dc->point.set && dc->poll_ms > 0) {
			modbus_input_profile(dc, &d->input_prof);
			d->prof = &d->input_prof;
		} else if ((dc->kind != DEV_TURNSTILE && dc->kind != DEV_INTERCOM &&
		    dc->kind != DEV_ELEVATOR) ||
		    dc->profile < 0 || dc->profile >= site->nprofiles ||
		    dc->poll_ms <= 0 || (dc->kind == DEV_INTERCOM) !=
		    (site->profiles[dc->profile].kind == PROFILE_INTERCOM) ||
		    (dc->kind == DEV_ELEVATOR) !=
		    (site->profiles[dc->profile].kind == PROFILE_ELEVATOR)) {
			log_err("%s/unit %d (%s): not a turnstile with a profile "
			    "or an input with a point, and a poll interval",
			    lc->name, dc->unit, dc->name);
			goto out_close;
		} else {
			d->prof = &site->profiles[dc->profile];
		}
		d->index = i;
		d->conf = dc;
		d->cur = -1;
		d->next_ns = now;
		d->deadline_ns = (int64_t)(dc->deadline_ms > 0 ? dc->deadline_ms :
		    lc->timeout_ms > 0 ? lc->timeout_ms : 1000) * NS_PER_MS;
		if (mb_plan_reads(l, d) == -1)
			goto out_close;
		if (d->prof->kind == PROFILE_INTERCOM)
			mbi_start(&d->icom, d->prof, now);
		/* A worker that starts (again) first disables every floor: a
		   grant of a previous one may still be on. */
		if (d->prof->kind == PROFILE_ELEVATOR)
			mbe_reset(&d->elev, now);
		m->ndevs++;
	}

	if (rtu) {
		mb_say(m->where, sizeof(m->where), "%s", lc->path);
		m->ctx = modbus_new_rtu(lc->path, lc->baud, lc->parity,
		    lc->data_bits, lc->stop_bits);
		/* 3.5 characters of 11 bits; fixed above 19200 baud. */
		if (lc->baud > 19200 || lc->baud <= 0)
			m->t35_ns = 1750000;
		else
			m->t35_ns = 38500000000LL / lc->baud;
		m->char_ns = 11000000000LL / (lc->baud > 0 ? lc->baud : 9600);
	} else {
		mb_say(m->where, sizeof(m->where), "%s:%d", lc->host, lc->port);
		m->ctx = modbus_new_tcp(lc->host, lc->port);
	}
	if (m->ctx == NULL) {
		log_err("%s: %s: %s", lc->name, m->where, modbus_strerror(errno));
		goto out_close;
	}
	/* Recovery is done here, without libmodbus's sleeps and reconnects
	 * inside a call; libmodbus's response timeout bounds a TCP connect. */
	modbus_set_error_recovery(m->ctx, MODBUS_ERROR_RECOVERY_NONE);
	ms = lc->timeout_ms > 0 ? lc->timeout_ms : 1000;
	if (modbus_set_response_timeout(m->ctx, (uint32_t)(ms / 1000),
	    (uint32_t)(ms % 1000) * 1000) == -1) {
		log_err("%s: response timeout %d ms: %s", lc->name, ms,
		    modbus_strerror(errno));
		goto out_close;
	}
	/* The port is opened now so that its absence shows at once; TCP
	 * connects at the first transaction. Failing here is not fatal: every
	 * poll retries and the devices go offline meanwhile. */
	if (rtu) {
		if (modbus_connect(m->ctx) == 0)
			m->connected = true;
		else
			log_debug("%s: open %s: %s", lc->name, lc->path,
			    modbus_strerror(errno));
	}
	return 0;

out_close:
	mb_close(l);
	return -1;
}

static int
mb_open_tcp(struct link *l)
{
	return mb_open(l, false);
}

static int
mb_open_rtu(struct link *l)
{
	return mb_open(l, true);
}

const struct link_ops link_modbus_tcp_ops = {
	.type = "modbus-tcp",
	.open = mb_open_tcp,
	.fd = mb_fd,
	.service = mb_service,
	.command = mb_command,
	.close = mb_close,
};

const struct link_ops link_modbus_rtu_ops = {
	.type = "modbus-rtu",
	.open = mb_open_rtu,
	.fd = mb_fd,
	.service = mb_service,
	.command = mb_command,
	.close = mb_close,
};
