/*
 * lobbybus's two ends and its wire: the devices' serial path and lobbyd's
 * pty set raw at the bus's speed, and every byte either side writes queued
 * and handed to the other side at the time its last bit leaves the wire.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "../common/util.h"
#include "busemu_int.h"

static const char *side_name[2] = { "master", "slave" };

/* ---- serial setup ---- */

static speed_t
bus_speed(int baud)
{
	static const struct { int baud; speed_t sp; } map[] = {
		{ 1200, B1200 }, { 2400, B2400 }, { 4800, B4800 },
		{ 9600, B9600 }, { 19200, B19200 }, { 38400, B38400 },
		{ 57600, B57600 }, { 115200, B115200 }, { 230400, B230400 },
		{ 460800, B460800 }, { 921600, B921600 },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].baud == baud)
			return map[i].sp;
	return B0;
}

/*
 * Raw 8-bit mode with the bus's framing. A pty ignores speed and parity, but
 * a real port would not, and tools reading the termios see the truth. Rates
 * termios cannot name leave the speed as it was: only the pacing uses them.
 */
static int
bus_raw(int fd, void *arg)
{
	struct bus *bus = arg;
	struct termios tio;
	speed_t sp = bus_speed(bus->baud);

	if (tcgetattr(fd, &tio) == -1)
		return -1;
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cflag &= ~(PARENB | PARODD | CSTOPB);
	if (bus->parity != 'N')
		tio.c_cflag |= PARENB;
	if (bus->parity == 'O')
		tio.c_cflag |= PARODD;
	if (bus->stop_bits == 2)
		tio.c_cflag |= CSTOPB;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (sp != B0) {
		cfsetispeed(&tio, sp);
		cfsetospeed(&tio, sp);
	}
	return tcsetattr(fd, TCSANOW, &tio);
}

/* The devices' side: an existing serial path, non-blocking. */
int
bus_open_slave(struct bus *bus, bool quiet)
{
	int fd;

	fd = open(bus->slave_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		if (!quiet)
			log_err("%s: cannot open the slave side: %s",
			    bus->slave_path, strerror(errno));
		return -1;
	}
	if (!isatty(fd)) {
		if (!quiet)
			log_err("%s: not a serial device", bus->slave_path);
		goto out_close;
	}
	if (bus_raw(fd, bus) == -1) {
		if (!quiet)
			log_err("%s: termios: %s", bus->slave_path,
			    strerror(errno));
		goto out_close;
	}
	bus->sfd = fd;
	return 0;

out_close:
	close(fd);
	return -1;
}

int
bus_open_master(struct bus *bus)
{
	return sim_pty_open(&bus->mpty, "master", bus->master_path, bus_raw,
	    bus);
}

/* ---- the wire ---- */

/*
 * Puts n bytes written by one side at time now on the wire. The wire is one
 * resource: a byte starts when it was written or when the byte before it
 * (from either side) has left, whichever is later, and takes one character
 * time. Bytes that arrive while the other side is talking are a collision on
 * a real bus; here they are counted and wait their turn.
 */
static void
bus_enqueue(struct bus *bus, int from, const uint8_t *buf, size_t n,
    int64_t now)
{
	struct bus_byte *e;
	int64_t start;
	size_t i;

	if (n > 0 && bus->wire_from != -1 && bus->wire_from != from &&
	    bus->wire_free_ns > now) {
		bus->collisions++;
		if (bus->verbose)
			log_info("collision: %zu bytes from the %s side while "
			    "the %s side holds the wire for %" PRId64 " us more",
			    n, side_name[from], side_name[bus->wire_from],
			    (bus->wire_free_ns - now) / 1000);
	}
	if (n > 0 && bus->wire_from != -1 && bus->wire_from != from &&
	    bus->wire_free_ns <= now) {
		int64_t turn = now - bus->wire_free_ns;

		bus->turn_n[from]++;
		bus->turn_sum_ns[from] += turn;
		if (turn > bus->turn_max_ns[from])
			bus->turn_max_ns[from] = turn;
	}
	for (i = 0; i < n; i++) {
		e = &bus->q[(bus->head + bus->len) % BUS_QUEUE];
		start = now > bus->wire_free_ns ? now : bus->wire_free_ns;
		e->b = buf[i];
		e->from = (uint8_t)from;
		e->frame_start = bus->wire_from != from ||
		    start - bus->wire_free_ns >= bus->t35_ns;
		e->due_ns = start + bus->char_ns;
		bus->wire_free_ns = e->due_ns;
		bus->wire_from = from;
		bus->len++;
	}
}

static void
bus_note_late(struct bus *bus, int64_t late_ns)
{
	int64_t us = late_ns / 1000;

	if (late_ns > bus->max_late_ns)
		bus->max_late_ns = late_ns;
	bus->late_n++;
	bus->late_sum_ns += late_ns;
	bus->late_hist[us < BUS_LATE_BINS ? us : BUS_LATE_BINS]++;
}

/* Hands every byte whose time has come to the other side, in runs. */
void
bus_deliver(struct bus *bus)
{
	uint8_t out[512];
	struct bus_byte *e;
	int64_t now = mono_ns();
	size_t n;
	ssize_t w;
	int64_t due, early;
	int from, fd;

	/*
	 * The timer fires early by the usual wake-up latency, and
	 * the rest is waited out on the clock: a timer alone is late by 50 to
	 * 100 us on a virtual machine, which is a tenth of a character.
	 */
	early = bus->wake_ns + 20 * 1000;
	if (early > BUS_SPIN_MAX_NS)
		early = BUS_SPIN_MAX_NS;
	if (bus->len > 0) {
		due = bus->q[bus->head].due_ns;
		if (due > now && due - now <= early)
			while ((now = mono_ns()) < due)
				;
	}
	while (bus->len > 0 && bus->q[bus->head].due_ns <= now) {
		from = bus->q[bus->head].from;
		n = 0;
		while (n < sizeof(out) && bus->len > 0) {
			e = &bus->q[bus->head];
			if (e->due_ns > now || e->from != from)
				break;
			out[n++] = e->b;
			bus_note_late(bus, now - e->due_ns);
			if (e->frame_start)
				bus->frames[from]++;
			bus->head = (bus->head + 1) % BUS_QUEUE;
			bus->len--;
		}
		bus->bytes[from] += n;
		fd = from == SIDE_M ? bus->sfd : bus->mpty.master;
		w = fd == -1 ? 0 : write(fd, out, n);
		if (w < 0)
			w = 0;
		if ((size_t)w < n) {
			/* Nobody reading, or the other end is gone: a real
			 * wire loses these too. */
			bus->dropped += n - (size_t)w;
			if (bus->verbose)
				log_info("%zu bytes for the %s side dropped",
				    n - (size_t)w, side_name[!from]);
		}
		now = mono_ns();
	}
}

/* Reads what one side wrote; false when the side hung up. */
bool
bus_input(struct bus *bus, int from)
{
	uint8_t buf[4096];
	size_t room = BUS_QUEUE - bus->len;
	int fd = from == SIDE_M ? bus->mpty.master : bus->sfd;
	ssize_t n;

	if (room > sizeof(buf))
		room = sizeof(buf);
	n = read(fd, buf, room);
	if (n > 0) {
		bus_enqueue(bus, from, buf, (size_t)n, mono_ns());
		return true;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return true;
	return false;
}
