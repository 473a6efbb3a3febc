/*
 * lobbysim's Modbus RTU buses: requests framed by their length and CRC from
 * a pseudo-terminal, each answered after the line has been silent for t3.5,
 * as a real slave does (simmodbus.c builds the reply).
 */
#include "sim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/util.h"
#include "../drivers/modbus_wire.h"

#define RTU_STALE_NS	(100 * NS_PER_MS)	/* a half frame older than this is noise */

int
sim_rtu_open(struct sim *sim, struct sim_link *l)
{
	(void)sim;
	l->mb = modbus_new_rtu(l->conf->path, l->conf->baud > 0 ?
	    l->conf->baud : 19200, l->conf->parity ? l->conf->parity : 'N',
	    l->conf->data_bits ? l->conf->data_bits : 8,
	    l->conf->stop_bits ? l->conf->stop_bits : 1);
	if (l->mb == NULL) {
		log_err("%s: modbus context: %s", l->conf->name,
		    modbus_strerror(errno));
		return -1;
	}
	if (sim_pty_open(&l->pty, l->conf->name, l->conf->path, NULL,
	    NULL) == -1) {
		modbus_free(l->mb);
		l->mb = NULL;
		return -1;
	}
	modbus_set_socket(l->mb, l->pty.master);
	return 0;
}

/*
 * A real slave keeps the line silent for 3.5 characters after a request
 * before it answers (11-bit characters; 1.75 ms above 19200 baud, as the
 * Modbus serial line guide fixes it), so a reply is held that long from
 * the request's last byte.
 */
static int64_t
rtu_t35_ns(int baud)
{
	if (baud > 19200 || baud <= 0)
		return 1750000;
	return 38500000000LL / baud;
}

static void
rtu_answer_held(struct sim *sim, struct sim_link *l)
{
	int len = l->held_len;

	l->held_len = 0;
	sim_serve(sim, l, l->held, len, 1, l->held_t_ns);
}

int64_t
sim_rtu_tick(struct sim *sim, int64_t now)
{
	int64_t next = -1;

	for (int i = 0; i < sim->site.nlinks; i++) {
		struct sim_link *l = &sim->links[i];

		if (l->conf == NULL || l->conf->type != LINK_MODBUS_RTU ||
		    l->held_len == 0)
			continue;
		if (l->held_due_ns <= now)
			rtu_answer_held(sim, l);
		else if (next < 0 || l->held_due_ns < next)
			next = l->held_due_ns;
	}
	return next;
}

/* Length of the request at the start of buf: >0 known, 0 need more, -1 junk. */
static int
rtu_request_len(const uint8_t *buf, size_t len)
{
	if (len < 2)
		return 0;
	switch (buf[1]) {
	case 1: case 2: case 3: case 4: case 5: case 6:
		return 8;
	case 15: case 16:
		if (len < 7)
			return 0;
		return 9 + buf[6];
	default:
		return -1;
	}
}

void
sim_rtu_input(struct sim *sim, struct sim_link *l)
{
	ssize_t n;
	int64_t t;
	int flen;

	n = read(l->pty.master, l->rx + l->rxlen, sizeof(l->rx) - l->rxlen);
	if (n <= 0)
		return;		/* EAGAIN, or EIO: nobody on the slave (we hold it) */
	t = mono_ns();
	if (l->rxlen > 0 && t - l->rx_last_ns > RTU_STALE_NS) {
		/* The tail of an old frame: drop it, keep the new bytes. */
		memmove(l->rx, l->rx + l->rxlen, (size_t)n);
		l->dropped += l->rxlen;
		l->rxlen = 0;
	}
	l->rxlen += (size_t)n;
	l->rx_last_ns = t;
	while (l->rxlen >= 2) {
		flen = rtu_request_len(l->rx, l->rxlen);
		if (flen == 0 || (flen > 0 && (size_t)flen > l->rxlen))
			break;
		if (flen > 0) {
			uint16_t crc = mbw_crc16(l->rx, (size_t)flen - 2);

			if ((l->rx[flen - 2] | l->rx[flen - 1] << 8) == crc) {
				l->resyncing = false;
				l->frames++;
				/* A master that did not wait for the last
				 * reply gets it now, before the new one. */
				if (l->held_len > 0)
					rtu_answer_held(sim, l);
				memcpy(l->held, l->rx, (size_t)flen);
				l->held_len = flen;
				l->held_t_ns = t;
				l->held_due_ns = t + rtu_t35_ns(l->conf->baud);
				memmove(l->rx, l->rx + flen, l->rxlen - (size_t)flen);
				l->rxlen -= (size_t)flen;
				continue;
			}
			if (!l->resyncing) {
				l->bad_crc++;
				if (sim->verbose)
					log_info("%s: bad CRC (unit %u, function "
					    "%u); dropped", l->conf->name,
					    l->rx[0], l->rx[1]);
			}
		}
		/* Junk or a bad frame: slide one byte and look again. */
		l->resyncing = true;
		l->dropped++;
		memmove(l->rx, l->rx + 1, l->rxlen - 1);
		l->rxlen--;
	}
	if (l->rxlen == sizeof(l->rx)) {
		l->dropped += l->rxlen;
		l->rxlen = 0;
	}
}

