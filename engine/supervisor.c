/*
 * The worker supervisor: one process per link, forked from the engine and
 * joined to it by a SOCK_SEQPACKET pair. A worker that exits is restarted
 * with back-off; meanwhile its devices are offline. No other link notices.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../drivers/link.h"
#include "engine.h"
#include "../common/util.h"

#define BACKOFF_MIN_MS	500
#define BACKOFF_MAX_MS	30000
#define STABLE_NS	(60 * 1000 * NS_PER_MS)	/* ran this long: back-off resets */

/* One handler per link, so the callback knows which worker spoke. */
static struct link_handler {
	struct ev_handler	h;
	int			link;
} handlers[CONF_MAX_LINKS];

static void	worker_readable(struct engine *, struct ev_handler *, uint32_t);

void
sup_init(struct engine *e)
{
	for (int i = 0; i < CONF_MAX_LINKS; i++) {
		e->workers[i] = (struct worker){ .fd = -1, .backoff_ms = BACKOFF_MIN_MS };
		handlers[i] = (struct link_handler){ .h = { .fd = -1, .fn = worker_readable },
		    .link = i };
	}
}

static void
child_main(struct engine *e, int link, int fd)
{
	const struct link_conf *lc = &e->site->links[link];
	sigset_t none;
	char ident[64];

	/* The engine blocks its signals for its signalfd; a worker wants them. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGHUP, SIG_IGN);	/* the engine reloads and restarts us */
	if (fd != 3) {
		if (dup2(fd, 3) < 0)
			_exit(1);
	}
	/* Nothing of the engine's (database, control socket, other links). */
	close_range(4, ~0U, 0);
	snprintf(ident, sizeof(ident), "lobbyd[%s]", lc->name);
	log_init(ident, false);
	_exit(worker_run(e->site, link, 3));
}

static int
start_worker(struct engine *e, int link, int64_t now)
{
	struct worker *w = &e->workers[link];
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_err("%s: socketpair: %s", e->site->links[link].name, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		log_err("%s: fork: %s", e->site->links[link].name, strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(e, link, sv[1]);
	}
	close(sv[1]);
	w->pid = pid;
	w->fd = sv[0];
	w->started_ns = w->heard_ns = now;
	w->restart_ns = 0;
	w->bad_msgs = 0;
	handlers[link].h.fd = sv[0];
	if (engine_watch(e, &handlers[link].h, EPOLLIN) < 0) {
		close(sv[0]);
		w->fd = -1;
		kill(pid, SIGKILL);
		return -1;
	}
	log_debug("%s: worker %d started", e->site->links[link].name, (int)pid);
	return 0;
}

void
sup_start_all(struct engine *e)
{
	int64_t now = mono_ns();

	for (int i = 0; i < e->site->nlinks; i++) {
		if (start_worker(e, i, now) < 0)
			e->workers[i].restart_ns = now + BACKOFF_MIN_MS * NS_PER_MS;
	}
}

/* The worker's socket is gone: stop listening, show its devices offline. */
static void
disconnect(struct engine *e, int link, const char *why)
{
	struct worker *w = &e->workers[link];

	if (w->fd < 0)
		return;
	engine_unwatch(e, &handlers[link].h);
	close(w->fd);
	w->fd = -1;
	handlers[link].h.fd = -1;
	engine_link_down(e, link, why);
}

static void
worker_readable(struct engine *e, struct ev_handler *h, uint32_t events)
{
	struct link_handler *lh = (struct link_handler *)h;
	union msg_any m;
	ssize_t n;
	int budget = 256;	/* then let the other links have a turn */

	(void)events;
	while (budget-- > 0) {
		n = msg_recv(h->fd, &m);
		if (n > 0) {
			e->workers[lh->link].heard_ns = mono_ns();
			engine_worker_msg(e, lh->link, &m);
			continue;
		}
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0 && errno == EPROTO) {
			/* Logged once per worker life; a confused worker is
			 * stopped by the liveness check or restarts anyway. */
			if (e->workers[lh->link].bad_msgs++ == 0)
				log_err("%s: worker sent a malformed message; ignored",
				    e->site->links[lh->link].name);
			continue;
		}
		/* EOF or error: the worker is gone; SIGCHLD will reap it. */
		disconnect(e, lh->link, "link worker stopped");
		return;
	}
}

static void
describe_status(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "link worker killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "link worker exited with status %d", WEXITSTATUS(status));
}

void
sup_reap(struct engine *e)
{
	int64_t now = mono_ns();
	char why[80];
	int status;
	pid_t pid;

	/* Each worker by its pid: other children of the engine (alert
	 * commands, notify.c) are reaped by their own module. */
	for (int i = 0; i < e->site->nlinks; i++) {
		struct worker *w = &e->workers[i];

		if (w->pid <= 0 || (pid = waitpid(w->pid, &status, WNOHANG)) != w->pid)
			continue;
		describe_status(status, why, sizeof(why));
		w->pid = 0;
		disconnect(e, i, why);
		if (e->stopping)
			continue;
		if (now - w->started_ns > STABLE_NS)
			w->backoff_ms = BACKOFF_MIN_MS;
		w->restart_ns = now + (int64_t)w->backoff_ms * NS_PER_MS;
		log_warn("%s: %s; restarting in %d ms", e->site->links[i].name,
		    why, w->backoff_ms);
		w->backoff_ms = w->backoff_ms * 2 > BACKOFF_MAX_MS ?
		    BACKOFF_MAX_MS : w->backoff_ms * 2;
	}
}

/* A worker blocks at most one transaction at a time, within its link's
 * timeout or a device's own deadline; one that says nothing for much longer
 * is hung (a stuck driver, a deadlock). */
static int64_t
silence_limit_ns(const struct site_conf *site, int link)
{
	int64_t ms = site->links[link].timeout_ms;

	for (int d = 0; d < site->ndevices; d++)
		if (site->devices[d].link == link &&
		    site->devices[d].deadline_ms > ms)
			ms = site->devices[d].deadline_ms;
	return (3000 + 2 * ms) * NS_PER_MS;
}

void
sup_tick(struct engine *e, int64_t now)
{
	for (int i = 0; i < e->site->nlinks; i++) {
		struct worker *w = &e->workers[i];

		if (w->pid > 0 && w->fd >= 0 &&
		    now - w->heard_ns > silence_limit_ns(e->site, i)) {
			log_warn("%s: link worker %d silent for %" PRId64 " ms; killed",
			    e->site->links[i].name, (int)w->pid,
			    (int64_t)((now - w->heard_ns) / NS_PER_MS));
			kill(w->pid, SIGKILL);
			/* Its devices go offline now; SIGCHLD restarts it. */
			disconnect(e, i, "link worker hung");
			continue;
		}

		if (w->pid != 0 || w->restart_ns == 0 || now < w->restart_ns)
			continue;
		w->restarts++;
		if (start_worker(e, i, now) < 0)
			w->restart_ns = now + (int64_t)w->backoff_ms * NS_PER_MS;
	}
}

int64_t
sup_next_deadline(const struct engine *e)
{
	int64_t next = INT64_MAX;

	for (int i = 0; i < e->site->nlinks; i++) {
		const struct worker *w = &e->workers[i];

		if (w->pid == 0 && w->restart_ns != 0 && w->restart_ns < next)
			next = w->restart_ns;
	}
	return next;
}

int
sup_send(struct engine *e, int link, const void *msg)
{
	struct worker *w = &e->workers[link];

	if (w->fd < 0) {
		errno = ENOTCONN;
		return -1;
	}
	return msg_send(w->fd, msg);
}

/* SIGTERM to every worker, then wait up to two seconds before SIGKILL. */
void
sup_stop_all(struct engine *e)
{
	int64_t give_up = mono_ns() + 2000 * NS_PER_MS;
	bool any;

	for (int i = 0; i < e->site->nlinks; i++) {
		if (e->workers[i].pid > 0)
			kill(e->workers[i].pid, SIGTERM);
		e->workers[i].restart_ns = 0;
	}
	do {
		any = false;
		for (int i = 0; i < e->site->nlinks; i++) {
			struct worker *w = &e->workers[i];
			int status;

			if (w->pid <= 0)
				continue;
			if (waitpid(w->pid, &status, WNOHANG) == w->pid) {
				w->pid = 0;
				continue;
			}
			if (mono_ns() > give_up) {
				kill(w->pid, SIGKILL);
				waitpid(w->pid, &status, 0);
				w->pid = 0;
				continue;
			}
			any = true;
		}
		if (any)
			usleep(10000);
	} while (any);
	for (int i = 0; i < e->site->nlinks; i++) {
		struct worker *w = &e->workers[i];

		if (w->fd >= 0) {
			engine_unwatch(e, &handlers[i].h);
			close(w->fd);
			w->fd = -1;
			handlers[i].h.fd = -1;
		}
	}
}
