/*
 * The control server: lobbyctl's Unix socket, opened and closed with the
 * engine, its connections accepted once ctl_admit.c lets the peer in (before
 * a byte is read), idle ones closed. A client's requests and replies are
 * ctl_client.c; the commands are ctl_cmds.c's table.
 */
#include <assert.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "control_int.h"
#include "ctl_server_int.h"
#include "ctl.h"
#include "../engine/engine.h"
#include "../common/util.h"

#define ACCEPT_BURST	64	/* taken per wake-up: a flood of connections
				   never holds up the loop's other work */

/* Is c waiting for its next request (neither following nor answered yet)? */
static bool
client_waits(const struct ctl_client *c)
{
	return !c->dead && !c->busy && !c->follower;
}

/* The last reply of a connection closed for idleness ("closed": "idle",
 * so that a client may ask again on a new one: it read nothing since). */
static void
client_idle_close(struct ctl_client *c, int idle_s)
{
	json_object *r = json_object_new_object();
	char msg[64];

	snprintf(msg, sizeof(msg), "idle for %d s: lobbyd closed the connection",
	    idle_s);
	json_object_object_add(r, "ok", json_object_new_boolean(0));
	json_object_object_add(r, "error", json_object_new_string(msg));
	json_object_object_add(r, "closed", json_object_new_string("idle"));
	ctl_client_write(c, r);
}

static void
ctl_tick(struct ctl_server *srv, int64_t now_ns)
{
	struct ctl_client *c, *next;
	int idle_s;

	if (srv == NULL)
		return;
	ctl_refusals_log(srv, now_ns);
	idle_s = srv->e->site->ctl_idle_timeout_s;
	for (c = srv->clients; c != NULL; c = next) {
		next = c->next;
		if (!client_waits(c) || now_ns - c->active_ns < idle_s * NS_PER_S)
			continue;
		log_debug("control: %s (pid %d): idle for %d s; closed", c->user,
		    (int)c->pid, idle_s);
		client_idle_close(c, idle_s);
		c->dead = true;
		ctl_client_free(c);
	}
}

static int64_t
ctl_next_deadline(const struct ctl_server *srv)
{
	const struct ctl_client *c;
	int64_t next, idle_ns;

	if (srv == NULL)
		return INT64_MAX;
	next = ctl_reflog_deadline(&srv->refusals);
	idle_ns = srv->e->site->ctl_idle_timeout_s * NS_PER_S;
	for (c = srv->clients; c != NULL; c = c->next)
		if (client_waits(c) && c->active_ns + idle_ns < next)
			next = c->active_ns + idle_ns;
	return next;
}

static void
server_accept(struct engine *e, struct ev_handler *h, uint32_t events)
{
	struct ctl_server *srv = (struct ctl_server *)h;
	struct ctl_client *c;
	struct ctl_peer peer;
	int fd;

	(void)events;
	/* Level-triggered: connections left waiting wake the loop again. */
	for (int n = 0; n < ACCEPT_BURST; n++) {
		fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		if (!ctl_admit_peer(srv, fd, &peer))
			continue;
		c = calloc(1, sizeof(*c));
		if (c == NULL || (c->in = malloc(CTL_LINE_MAX)) == NULL) {
			free(c);
			close(fd);
			continue;
		}
		c->h = (struct ev_handler){ .fd = fd, .fn = ctl_client_event };
		c->srv = srv;
		c->uid = peer.uid;
		c->pid = peer.pid;
		c->roles = peer.roles;
		c->privileged = peer.privileged;
		c->active_ns = mono_ns();
		str_copy(c->user, peer.user, sizeof(c->user));
		str_copy(c->peer_user, peer.user, sizeof(c->peer_user));
		c->peer_roles = peer.roles;
		c->armed = EPOLLIN;
		if (engine_watch(e, &c->h, EPOLLIN) < 0) {
			free(c->in);
			free(c);
			close(fd);
			continue;
		}
		c->next = srv->clients;
		srv->clients = c;
	}
}

static struct ctl_server *
ctl_open(struct engine *e, char *err, size_t errlen)
{
	const struct site_conf *site = e->site;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_server *srv;
	int fd, probe;

	if (!str_copy(sun.sun_path, site->socket_path, sizeof(sun.sun_path))) {
		snprintf(err, errlen, "%s: socket path too long", site->socket_path);
		return NULL;
	}
	/* A socket that still answers belongs to a running lobbyd. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(probe);
		snprintf(err, errlen, "%s: another lobbyd is running on this socket",
		    site->socket_path);
		return NULL;
	}
	if (probe >= 0)
		close(probe);
	unlink(site->socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fd, 16) < 0) {
		snprintf(err, errlen, "%s: %s", site->socket_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	/* Anyone may connect; the peer-credential check decides, tells the
	 * peer, and logs the refusal (file modes could only name one group,
	 * silently). */
	chmod(site->socket_path, 0666);
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		snprintf(err, errlen, "control: out of memory");
		close(fd);
		return NULL;
	}
	if (!site->roles_set)
		log_notice("control: no roles configured: every user admitted to "
		    "the socket holds every role");
	srv->h = (struct ev_handler){ .fd = fd, .fn = server_accept };
	srv->e = e;
	str_copy(srv->path, site->socket_path, sizeof(srv->path));
	if (engine_watch(e, &srv->h, EPOLLIN) < 0) {
		snprintf(err, errlen, "control: cannot watch the socket");
		close(fd);
		free(srv);
		return NULL;
	}
	srv->sub = (struct engine_sub){ .event = ctl_publish_event,
	    .alert = ctl_publish_alert, .arg = srv };
	engine_subscribe(e, &srv->sub);
	return srv;
}

static void
ctl_quiesce(struct ctl_server *srv)
{
	if (srv != NULL)
		srv->closing = true;
}

static void
ctl_close(struct ctl_server *srv)
{
	if (srv == NULL)
		return;
	while (srv->clients != NULL) {
		struct ctl_client *c = srv->clients;

		/* After ctl_quiesce() and a drained store, nothing is in flight. */
		assert(!c->busy);
		ctl_client_free(c);
	}
	/* Every minute under way ends now: its count would be lost. */
	ctl_refusals_log(srv, mono_ns() + CTL_REFLOG_NS);
	engine_unsubscribe(srv->e, &srv->sub);
	engine_unwatch(srv->e, &srv->h);
	close(srv->h.fd);
	unlink(srv->path);
	free(srv->websess);
	free(srv);
}

/* ---- plugged into the engine ------------------------------------------- */

static void *
front_open(struct engine *e, char *err, size_t errlen)
{
	return ctl_open(e, err, errlen);
}

static void
front_tick(void *srv, int64_t now_ns)
{
	ctl_tick(srv, now_ns);
}

static int64_t
front_next_deadline(const void *srv)
{
	return ctl_next_deadline(srv);
}

static void
front_quiesce(void *srv)
{
	ctl_quiesce(srv);
}

static void
front_close(void *srv)
{
	ctl_close(srv);
}

const struct engine_front ctl_front = {
	.open = front_open,
	.tick = front_tick,
	.next_deadline = front_next_deadline,
	.quiesce = front_quiesce,
	.close = front_close,
};
