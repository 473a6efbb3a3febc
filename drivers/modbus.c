/*
 * Modbus TCP and RTU link back-ends: poll every turnstile of the link in turn,
 * one transaction per service() call with queued commands first, and tell the
 * engine about changes of health, status and commands. Here the link: opened
 * and closed, its bus readied for each transaction and its schedule; polls
 * are modbus_poll.c's, commands modbus_cmd.c's. libmodbus opens the
 * connection; each transaction is modbus_wire.c's, under its device's deadline.
 */
#include "link.h"

#include <errno.h>
#include <modbus.h>
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

const char *const mb_table_names[] = {
	[REG_COIL] = "coil", [REG_DISCRETE] = "discrete",
	[REG_INPUT] = "input", [REG_HOLDING] = "holding",
};

/* Gets the bus ready for a transaction: connected. On failure err says
 * what went wrong. */
int
mb_begin(struct link *l, struct mb_link *m, char *err, size_t errsz)
{
	if (!m->connected) {
		if (modbus_connect(m->ctx) == -1) {
			str_printf(err, errsz, "%s %s: %s",
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
int
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
		str_printf(why, whysz, "unit %d: %s: %s", d->conf->unit, what,
		    err);
	errno = e;
	return rc;
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
mb_open(struct link *l)
{
	const struct site_conf *site = l->site;
	const struct link_conf *lc = l->conf;
	bool rtu = lc->type == LINK_MODBUS_RTU;
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
		str_printf(m->where, sizeof(m->where), "%s", lc->path);
		m->ctx = modbus_new_rtu(lc->path, lc->baud, lc->parity,
		    lc->data_bits, lc->stop_bits);
		/* 3.5 characters of 11 bits; fixed above 19200 baud. */
		if (lc->baud > 19200 || lc->baud <= 0)
			m->t35_ns = 1750000;
		else
			m->t35_ns = 38500000000LL / lc->baud;
		m->char_ns = 11000000000LL / (lc->baud > 0 ? lc->baud : 9600);
	} else {
		str_printf(m->where, sizeof(m->where), "%s:%d", lc->host,
		    lc->port);
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

/* TCP and RTU differ only in how the link opens; its type says which. */
const struct link_ops link_modbus_ops = {
	.type = "modbus",
	.open = mb_open,
	.fd = mb_fd,
	.service = mb_service,
	.command = mb_command,
	.close = mb_close,
};
