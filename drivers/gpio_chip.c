/*
 * The libgpiod v1 back-end: a real GPIO chip through the character device.
 * Inputs are requested for both edges (one event queue per line, polled
 * through one epoll descriptor); the kernel stamps each event with
 * CLOCK_MONOTONIC (Linux 5.7 and later). Not exercised by the test suite:
 * no chip exists on the build machines.
 */
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "../common/util.h"
#include "gpio.h"

#define EVENTS_PER_LINE	16	/* the kernel's queue per line */

struct gpio_io {
	struct gpiod_chip	*chip;
	const char		*name;
	int			epfd;
	struct gpiod_line	*line[CONF_GPIO_LINES];	/* requested ones */
	bool			is_out[CONF_GPIO_LINES];
};

static struct gpio_io *
chip_open(const struct link_conf *conf, const struct gpio_request *req,
    char *err, size_t errlen)
{
	struct gpiod_line_bulk bulk;
	struct epoll_event ev;
	struct gpio_io *io;
	unsigned nlines;
	int i;

	if ((io = calloc(1, sizeof(*io))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", conf->chip);
		return NULL;
	}
	io->name = conf->chip;
	if ((io->chip = gpiod_chip_open_lookup(conf->chip)) == NULL) {
		snprintf(err, errlen, "%s: %s", conf->chip, strerror(errno));
		goto out_free;
	}
	nlines = gpiod_chip_num_lines(io->chip);
	if (req->nin > GPIOD_LINE_BULK_MAX_LINES) {
		snprintf(err, errlen, "%s: %d input lines, at most %d", conf->chip,
		    req->nin, GPIOD_LINE_BULK_MAX_LINES);
		goto out_chip;
	}
	gpiod_line_bulk_init(&bulk);
	for (i = 0; i < req->nin + req->nout; i++) {
		unsigned off = i < req->nin ? req->in[i] : req->out[i - req->nin];

		if (off >= nlines) {
			snprintf(err, errlen, "%s: line %u does not exist (the "
			    "chip has %u)", conf->chip, off, nlines);
			goto out_chip;
		}
		if ((io->line[off] = gpiod_chip_get_line(io->chip, off)) == NULL) {
			snprintf(err, errlen, "%s: line %u: %s", conf->chip, off,
			    strerror(errno));
			goto out_chip;
		}
		if (i < req->nin)
			gpiod_line_bulk_add(&bulk, io->line[off]);
	}
	if (req->nin > 0 &&
	    gpiod_line_request_bulk_both_edges_events(&bulk, GPIO_CONSUMER) < 0) {
		snprintf(err, errlen, "%s: request inputs: %s", conf->chip,
		    strerror(errno));
		goto out_chip;
	}
	for (i = 0; i < req->nout; i++) {
		if (gpiod_line_request_output(io->line[req->out[i]],
		    GPIO_CONSUMER, req->out_level[i]) < 0) {
			snprintf(err, errlen, "%s: request output line %u: %s",
			    conf->chip, req->out[i], strerror(errno));
			goto out_chip;
		}
		io->is_out[req->out[i]] = true;
	}
	if ((io->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: epoll: %s", conf->chip,
		    strerror(errno));
		goto out_chip;
	}
	for (i = 0; i < req->nin; i++) {
		ev.events = EPOLLIN;
		ev.data.u32 = req->in[i];
		if (epoll_ctl(io->epfd, EPOLL_CTL_ADD,
		    gpiod_line_event_get_fd(io->line[req->in[i]]), &ev) < 0) {
			snprintf(err, errlen, "%s: epoll line %u: %s",
			    conf->chip, req->in[i], strerror(errno));
			goto out_epfd;
		}
	}
	return io;

out_epfd:
	close(io->epfd);
out_chip:
	gpiod_chip_close(io->chip);	/* releases what was requested */
out_free:
	free(io);
	return NULL;
}

static int
chip_fd(struct gpio_io *io)
{
	return io->epfd;
}

static int
chip_read(struct gpio_io *io, struct gpio_edge *out, int max, char *err,
    size_t errlen)
{
	struct epoll_event ready[8];
	struct gpiod_line_event ev[EVENTS_PER_LINE];
	int nr, i, j, k, n = 0;

	nr = epoll_wait(io->epfd, ready, 8, 0);
	if (nr < 0) {
		if (errno == EINTR)
			return 0;
		snprintf(err, errlen, "%s: epoll: %s", io->name, strerror(errno));
		return -1;
	}
	for (i = 0; i < nr && n < max; i++) {
		unsigned off = ready[i].data.u32;
		int room = max - n < EVENTS_PER_LINE ? max - n : EVENTS_PER_LINE;

		k = gpiod_line_event_read_fd_multiple(
		    gpiod_line_event_get_fd(io->line[off]), ev, (unsigned)room);
		if (k < 0) {
			snprintf(err, errlen, "%s: line %u: read events: %s",
			    io->name, off, strerror(errno));
			return -1;
		}
		for (j = 0; j < k; j++) {
			out[n].line = off;
			out[n].rising = ev[j].event_type ==
			    GPIOD_LINE_EVENT_RISING_EDGE;
			out[n].t_ns = (int64_t)ev[j].ts.tv_sec * 1000000000LL +
			    ev[j].ts.tv_nsec;
			n++;
		}
	}
	return n;
}

static int
chip_get(struct gpio_io *io, unsigned line, char *err, size_t errlen)
{
	int v;

	if (line >= CONF_GPIO_LINES || io->line[line] == NULL) {
		snprintf(err, errlen, "%s: line %u is not requested", io->name,
		    line);
		return -1;
	}
	if ((v = gpiod_line_get_value(io->line[line])) < 0)
		snprintf(err, errlen, "%s: line %u: read: %s", io->name, line,
		    strerror(errno));
	return v;
}

static int
chip_set(struct gpio_io *io, unsigned line, bool level, char *err,
    size_t errlen)
{
	if (line >= CONF_GPIO_LINES || !io->is_out[line]) {
		snprintf(err, errlen, "%s: line %u is not an output here",
		    io->name, line);
		return -1;
	}
	if (gpiod_line_set_value(io->line[line], level) < 0) {
		snprintf(err, errlen, "%s: line %u: set: %s", io->name, line,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void
chip_close(struct gpio_io *io)
{
	close(io->epfd);
	gpiod_chip_close(io->chip);
	free(io);
}

const struct gpio_backend gpio_backend_chip = {
	.name = "libgpiod",
	.open = chip_open,
	.fd = chip_fd,
	.read = chip_read,
	.get = chip_get,
	.set = chip_set,
	.close = chip_close,
};
