/*
 * The simulated GPIO chip back-end: lobbysim plays the chip at the link's
 * "sim" socket (protocol in gpio.h), sending kernel-like stamped edges, so
 * everything above the back-end runs as it would on a real chip.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/util.h"
#include "gpio.h"

#define HANDSHAKE_MS	1000

struct gpio_io {
	int		fd;
	const char	*path;
	bool		is_in[CONF_GPIO_LINES];
	bool		is_out[CONF_GPIO_LINES];
	bool		level[CONF_GPIO_LINES];
};

static int
sim_send(struct gpio_io *io, enum gpio_sim_type type, unsigned line,
    unsigned dir, bool value, char *err, size_t errlen)
{
	struct gpio_sim_msg m;

	memset(&m, 0, sizeof(m));
	m.type = (uint16_t)type;
	m.line = (uint16_t)line;
	m.dir = (uint8_t)dir;
	m.value = value;
	if (send(io->fd, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m)) {
		snprintf(err, errlen, "%s: send: %s", io->path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* One message; 1, or 0 when none waits (non-blocking), or -1. */
static int
sim_recv(struct gpio_io *io, struct gpio_sim_msg *m, char *err, size_t errlen)
{
	ssize_t n = recv(io->fd, m, sizeof(*m), 0);

	if (n == (ssize_t)sizeof(*m)) {
		if (m->line >= CONF_GPIO_LINES) {
			snprintf(err, errlen, "%s: message about line %u, "
			    "beyond %d", io->path, m->line, CONF_GPIO_LINES - 1);
			return -1;
		}
		return 1;
	}
	if (n == 0) {
		snprintf(err, errlen, "%s: the simulated chip closed",
		    io->path);
		return -1;
	}
	if (n > 0) {
		snprintf(err, errlen, "%s: malformed message (%zd bytes, "
		    "want %zu)", io->path, n, sizeof(*m));
		return -1;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	snprintf(err, errlen, "%s: %s", io->path, errno == ETIMEDOUT ?
	    "no answer from the simulated chip" : strerror(errno));
	return -1;
}

static int
handshake(struct gpio_io *io, const struct gpio_request *req, char *err,
    size_t errlen)
{
	struct gpio_sim_msg m;
	int i, rc;

	for (i = 0; i < req->nin; i++)
		if (sim_send(io, GSIM_REQUEST, req->in[i], 0, false, err,
		    errlen) < 0)
			return -1;
	for (i = 0; i < req->nout; i++)
		if (sim_send(io, GSIM_REQUEST, req->out[i], 1,
		    req->out_level[i], err, errlen) < 0)
			return -1;
	if (sim_send(io, GSIM_READY, 0, 0, false, err, errlen) < 0)
		return -1;
	for (;;) {
		if ((rc = sim_recv(io, &m, err, errlen)) <= 0) {
			if (rc == 0)
				snprintf(err, errlen, "%s: no answer from the "
				    "simulated chip", io->path);
			return -1;
		}
		switch (m.type) {
		case GSIM_LEVEL:
			io->level[m.line] = m.value != 0;
			break;
		case GSIM_READY:
			return 0;
		case GSIM_ERROR:
			m.text[sizeof(m.text) - 1] = '\0';
			snprintf(err, errlen, "%s: %s", io->path, m.text);
			return -1;
		default:
			/* An edge before READY: its level is what counts. */
			if (m.type == GSIM_EDGE)
				io->level[m.line] = m.value != 0;
			break;
		}
	}
}

static struct gpio_io *
sim_open(const struct link_conf *conf, const struct gpio_request *req,
    char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = HANDSHAKE_MS / 1000,
	    .tv_usec = (HANDSHAKE_MS % 1000) * 1000 };
	struct gpio_io *io;
	int i, fl;

	if ((io = calloc(1, sizeof(*io))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", conf->path);
		return NULL;
	}
	io->path = conf->path;
	for (i = 0; i < req->nin; i++)
		io->is_in[req->in[i]] = true;
	for (i = 0; i < req->nout; i++)
		io->is_out[req->out[i]] = true;
	if (!str_copy(sa.sun_path, conf->path, sizeof(sa.sun_path))) {
		snprintf(err, errlen, "%s: path too long for a socket",
		    conf->path);
		goto out_free;
	}
	io->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (io->fd < 0) {
		snprintf(err, errlen, "%s: socket: %s", conf->path,
		    strerror(errno));
		goto out_free;
	}
	/* Bounded waits: a chip that does not take or answer the connection
	 * in time is retried later, the worker loop is never stuck on it. */
	if (setsockopt(io->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(io->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		snprintf(err, errlen, "%s: setsockopt: %s", conf->path,
		    strerror(errno));
		goto out_close_fd;
	}
	if (connect(io->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "%s: connect: %s", conf->path,
		    strerror(errno));
		goto out_close_fd;
	}
	if (handshake(io, req, err, errlen) < 0)
		goto out_close_fd;
	fl = fcntl(io->fd, F_GETFL);
	if (fl < 0 || fcntl(io->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "%s: fcntl: %s", conf->path,
		    strerror(errno));
		goto out_close_fd;
	}
	return io;

out_close_fd:
	close(io->fd);
out_free:
	free(io);
	return NULL;
}

static int
sim_fd(struct gpio_io *io)
{
	return io->fd;
}

static int
sim_read(struct gpio_io *io, struct gpio_edge *ev, int max, char *err,
    size_t errlen)
{
	struct gpio_sim_msg m;
	int n = 0, rc;

	while (n < max) {
		if ((rc = sim_recv(io, &m, err, errlen)) < 0)
			return -1;
		if (rc == 0)
			break;
		if (m.type != GSIM_EDGE) {
			snprintf(err, errlen, "%s: unexpected message type %u",
			    io->path, m.type);
			return -1;
		}
		if (!io->is_in[m.line])
			continue;	/* not ours: a chip reports only ours */
		io->level[m.line] = m.value != 0;
		ev[n].line = m.line;
		ev[n].rising = m.value != 0;
		ev[n].t_ns = m.t_ns;
		n++;
	}
	return n;
}

static int
sim_get(struct gpio_io *io, unsigned line, char *err, size_t errlen)
{
	if (line >= CONF_GPIO_LINES || !io->is_in[line]) {
		snprintf(err, errlen, "%s: line %u is not an input here",
		    io->path, line);
		return -1;
	}
	return io->level[line];
}

static int
sim_set(struct gpio_io *io, unsigned line, bool level, char *err,
    size_t errlen)
{
	if (line >= CONF_GPIO_LINES || !io->is_out[line]) {
		snprintf(err, errlen, "%s: line %u is not an output here",
		    io->path, line);
		return -1;
	}
	return sim_send(io, GSIM_SET, line, 1, level, err, errlen);
}

static void
sim_close(struct gpio_io *io)
{
	close(io->fd);
	free(io);
}

const struct gpio_backend gpio_backend_sim = {
	.name = "sim",
	.open = sim_open,
	.fd = sim_fd,
	.read = sim_read,
	.get = sim_get,
	.set = sim_set,
	.close = sim_close,
};
