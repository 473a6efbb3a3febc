/*
 * Commands on a Modbus link: queued by the engine, each written ahead of
 * the polls (a turnstile's open or lock, an intercom's door release and its
 * timed end, an elevator's enabled floors and their clearing), and each
 * outcome sent back to the engine.
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

static struct mb_dev *
mb_find_dev(struct mb_link *m, int index)
{
	int i;

	for (i = 0; i < m->ndevs; i++)
		if (m->devs[i].index == index)
			return &m->devs[i];
	return NULL;
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

	str_printf(what, sizeof(what), "write holding 0x%04x (%d)",
	    d->prof->elev.enable_addr, n);
	ok = mb_transact(m, d, &q, NULL, NULL, what, err, sizeof(err)) == 0;
	t_done = m->last_end_ns;
	d->urgent = true;
	mbe_written(&d->elev, mask, c != NULL ? (int)c->value : 0, ok, t_done);
	if (ok) {
		if (c != NULL)
			link_cmd_result(l, c, CMD_OK, t_wire, t_done, NULL);
		return true;
	}
	if (c != NULL) {
		log_warn("%s/unit %d (%s): floor enable command %u: %s",
		    l->conf->name, d->conf->unit, d->conf->name, c->id, err);
		link_cmd_result(l, c, CMD_FAILED, t_wire, t_done, err);
	} else if (d->health != MB_OFFLINE) {
		log_warn("%s/unit %d (%s): disabling the floors: %s; trying "
		    "again", l->conf->name, d->conf->unit, d->conf->name, err);
	}
	return false;
}

/* Disables the floors of an elevator whose grant is over or that was
 * (re)connected: false when none is due. */
bool
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
void
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
		link_cmd_result(l, &c, CMD_EXPIRED, 0, 0,
		    "expired before it was sent");
		return;
	}
	/* A device that stopped answering is not sent what was meant for it
	 * before: the engine decides again when it is back (invariant 1). */
	if (d->health == MB_OFFLINE) {
		link_cmd_result(l, &c, CMD_OFFLINE, 0, 0, "device offline");
		return;
	}
	if (mb_begin(l, m, why, sizeof(why)) == -1) {
		link_cmd_result(l, &c, CMD_FAILED, 0, mono_ns(), why);
		return;
	}
	t_wire = mono_ns();
	if (t_wire >= c.expires_ns) {
		link_cmd_result(l, &c, CMD_EXPIRED, 0, 0,
		    "expired before it was sent");
		return;
	}
	if (d->prof->kind == PROFILE_ELEVATOR) {
		(void)mb_elev_write(l, m, d, &c, t_wire);
		return;
	}
	q = (struct mbw_req){ .fc = w->table == REG_COIL ? MBW_WRITE_COIL :
	    MBW_WRITE_REGISTER, .addr = w->addr, .value = w->value };
	str_printf(what, sizeof(what), "write %s 0x%04x",
	    mb_table_names[w->table], w->addr);
	ok = mb_transact(m, d, &q, NULL, NULL, what, err, sizeof(err)) == 0;
	t_done = m->last_end_ns;
	/* Read back at once: the change shows, or a lost reply is found out. */
	d->urgent = true;
	if (ok) {
		if (d->prof->kind == PROFILE_INTERCOM)
			mbi_cmd_written(&d->icom, d->prof, &c, t_done);
		link_cmd_result(l, &c, CMD_OK, t_wire, t_done, NULL);
		return;
	}
	log_warn("%s/unit %d (%s): %s command %u: %s", l->conf->name,
	    d->conf->unit, d->conf->name,
	    d->prof->kind == PROFILE_INTERCOM ?
	    mbi_cmd_name(c.cmd) :
	    c.cmd == TS_CMD_OPEN_ENTRY ? "open-entry" :
	    c.cmd == TS_CMD_OPEN_EXIT ? "open-exit" :
	    c.cmd == TS_CMD_FREE ? "free" : "lock", c.id, err);
	link_cmd_result(l, &c, CMD_FAILED, t_wire, t_done, err);
}

/* Ends a timed door release that is due, whether or not the station was
 * answering lately: returns false when none is. */
bool
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
	str_printf(what, sizeof(what), "write %s 0x%04x",
	    mb_table_names[w.table], w.addr);
	ok = mb_transact(m, d, &q, NULL, NULL, what, why, sizeof(why)) == 0;
	mbi_off_done(&d->icom, ok, m->last_end_ns);
	if (!ok && d->health != MB_OFFLINE)
		log_warn("%s/unit %d (%s): ending the door release: %s; trying "
		    "again", l->conf->name, d->conf->unit, d->conf->name, why);
	d->urgent = true;
	return true;
}

int
mb_command(struct link *l, const struct msg_cmd *c)
{
	struct mb_link *m = l->priv;
	struct mb_dev *d;
	char err[MSG_TEXT_MAX];
	int slot;

	d = mb_find_dev(m, c->h.dev);
	if (d == NULL) {
		str_printf(err, sizeof(err), "device %u is not a turnstile "
		    "on %s", c->h.dev, l->conf->name);
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
		str_printf(err, sizeof(err), "command %u unknown to profile %s",
		    c->cmd, d->prof->name);
		goto refuse;
	}
	if (d->prof->kind == PROFILE_TURNSTILE &&
	    d->prof->cmd[c->cmd].table != REG_COIL &&
	    d->prof->cmd[c->cmd].table != REG_HOLDING) {
		str_printf(err, sizeof(err), "profile %s: command %u "
		    "register is not writable", d->prof->name, c->cmd);
		goto refuse;
	}
	if (m->qlen == MB_CMD_QUEUE) {
		log_warn("%s/unit %d (%s): command %u refused: queue full",
		    l->conf->name, d->conf->unit, d->conf->name, c->id);
		link_cmd_result(l, c, CMD_FAILED, 0, 0, "queue full");
		errno = ENOBUFS;
		return -1;
	}
	slot = (m->qhead + m->qlen) % MB_CMD_QUEUE;
	m->queue[slot] = *c;
	m->qlen++;
	return 0;

refuse:
	log_err("%s: command %u refused: %s", l->conf->name, c->id, err);
	link_cmd_result(l, c, CMD_FAILED, 0, 0, err);
	errno = EINVAL;
	return -1;
}
