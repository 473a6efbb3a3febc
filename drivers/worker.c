/*
 * The link worker's main loop: in the child the engine forked for one link,
 * wait on the engine socket and the link, hand commands to the back-end and
 * call its service() when due, until the engine goes away or SIGTERM.
 */
#include "link.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "../common/util.h"

const struct link_ops *
link_ops_for(enum link_type type)
{
	switch (type) {
	case LINK_MODBUS_TCP:
	case LINK_MODBUS_RTU:		return &link_modbus_ops;
	case LINK_SERIAL_READER:	return &link_serial_reader_ops;
	case LINK_GPIO:			return &link_gpio_ops;
	}
	return NULL;
}

/* SIGTERM and SIGINT arrive on a descriptor the loop polls. */
static int
worker_signals(const char *name)
{
	static const int sigs[] = { SIGTERM, SIGINT };
	int fd;

	signal(SIGPIPE, SIG_IGN);
	fd = util_signalfd(sigs, sizeof(sigs) / sizeof(sigs[0]));
	if (fd == -1)
		log_err("%s: signalfd: %s", name, strerror(errno));
	return fd;
}

/* A message the worker does not take: said once per kind, then ignored. */
static void
worker_ignore(struct link *l, uint64_t *logged, unsigned kind, const char *what)
{
	uint64_t bit = 1ULL << (kind < 63 ? kind : 63);

	if (*logged & bit)
		return;
	*logged |= bit;
	log_warn("%s: ignoring %s from the engine", l->conf->name, what);
}

/*
 * Reads every message waiting on the engine socket. Returns 1 when the
 * socket is still open, 0 at EOF or error.
 */
static int
worker_read_engine(struct link *l, uint64_t *logged)
{
	union msg_any m;
	char what[32];
	ssize_t n;

	for (;;) {
		n = msg_recv(l->engine_fd, &m);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 1;
			if (errno == EPROTO) {
				worker_ignore(l, logged, 0, "a malformed message");
				continue;
			}
			log_err("%s: engine socket: %s", l->conf->name,
			    strerror(errno));
			return 0;
		}
		if (m.h.type != MSG_CMD) {
			snprintf(what, sizeof(what), "message type %u", m.h.type);
			worker_ignore(l, logged, m.h.type, what);
			continue;
		}
		if (l->ops->command == NULL) {
			worker_ignore(l, logged, m.h.type, "commands");
			link_cmd_result(l, &m.cmd, CMD_FAILED, 0, 0,
			    "link takes no commands");
			continue;
		}
		/* The back-end answers a command it refuses itself. */
		(void)l->ops->command(l, &m.cmd);
	}
}

int
worker_run(const struct site_conf *site, int link_index, int engine_fd)
{
	struct link l;
	struct msg_hello hello;
	struct pollfd pfd[3];
	struct timespec ts;
	char pname[16];
	uint64_t logged = 0;
	int64_t deadline, now, wait, last_hello;
	int sigfd, lfd, nfds, rc, status = 0;

	if (link_index < 0 || link_index >= site->nlinks) {
		log_err("worker: no link %d", link_index);
		return 1;
	}
	memset(&l, 0, sizeof(l));
	l.site = site;
	l.conf = &site->links[link_index];
	l.index = link_index;
	l.engine_fd = engine_fd;

	snprintf(pname, sizeof(pname), "lk:%s", l.conf->name);
	(void)prctl(PR_SET_NAME, pname, 0, 0, 0);
	sigfd = worker_signals(l.conf->name);
	if (sigfd == -1)
		return 1;

	l.ops = link_ops_for(l.conf->type);
	if (l.ops == NULL) {
		log_err("%s: link type %d is not built in", l.conf->name,
		    (int)l.conf->type);
		status = 1;
		goto out_sigfd;
	}
	if (l.ops->open(&l) == -1) {
		status = 1;
		goto out_sigfd;
	}
	msg_init(&hello, MSG_HELLO, 0);
	hello.pid = (int32_t)getpid();
	if (link_emit(&l, &hello) == -1)
		goto out_close;

	deadline = last_hello = mono_ns();
	for (;;) {
		/* The engine restarts a worker that stays silent: say we live. */
		if (deadline > last_hello + MSG_HEARTBEAT_MS * NS_PER_MS)
			deadline = last_hello + MSG_HEARTBEAT_MS * NS_PER_MS;
		nfds = 0;
		pfd[nfds++] = (struct pollfd){ .fd = engine_fd, .events = POLLIN };
		pfd[nfds++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		lfd = l.ops->fd != NULL ? l.ops->fd(&l) : -1;
		if (lfd >= 0)
			pfd[nfds++] = (struct pollfd){ .fd = lfd, .events = POLLIN };

		now = mono_ns();
		wait = deadline > now ? deadline - now : 0;
		ts.tv_sec = (time_t)(wait / 1000000000LL);
		ts.tv_nsec = (long)(wait % 1000000000LL);
		rc = ppoll(pfd, (nfds_t)nfds, &ts, NULL);
		if (rc == -1) {
			if (errno == EINTR)
				continue;
			log_err("%s: poll: %s", l.conf->name, strerror(errno));
			break;
		}
		if (pfd[1].revents != 0)
			break;		/* SIGTERM or SIGINT: orderly stop */
		if (pfd[0].revents & POLLIN) {
			if (worker_read_engine(&l, &logged) == 0)
				break;
		} else if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			break;
		}
		deadline = l.ops->service(&l, mono_ns(),
		    nfds > 2 ? pfd[2].revents : 0);
		now = mono_ns();
		if (now - last_hello >= MSG_HEARTBEAT_MS * NS_PER_MS) {
			if (link_emit(&l, &hello) == -1)
				break;
			last_hello = now;
		}
	}

out_close:
	l.ops->close(&l);
out_sigfd:
	close(sigfd);
	return status;
}
