/*
 * Inside the socket side of the control server: what control.c (the
 * listening socket), ctl_client.c (a client's I/O), ctl_admit.c (who is let
 * in) and ctl_publish.c (followers) share. The commands do not need it.
 */
#ifndef LOBBYD_CTL_SERVER_INT_H
#define LOBBYD_CTL_SERVER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "control_int.h"

#define NS_PER_S	1000000000LL

/* ctl_client.c: writes one reply line and takes obj (written or not). */
void	ctl_client_write(struct ctl_client *, json_object *obj);
/* Closes the socket; frees the client, or marks it dead while a store
 * request still points at it (ctl_req_finish frees it then). */
void	ctl_client_free(struct ctl_client *);
/* The epoll handler of a client's socket. */
void	ctl_client_event(struct engine *, struct ev_handler *, uint32_t events);

/* ctl_admit.c: a peer let in, as a new client takes it. */
struct ctl_peer {
	uid_t		uid;
	pid_t		pid;
	unsigned	roles;		/* ROLE_* bits, from its groups */
	bool		privileged;	/* may take the reserve */
	char		user[32];
};
/*
 * May the peer on a newly accepted fd use lobbyd? true: *p says who it is;
 * false: refused, told why and logged (at a bounded rate), fd closed.
 */
bool	ctl_admit_peer(struct ctl_server *, int fd, struct ctl_peer *p);
/* Logs the refusals counted in the minutes that ended by now_ns. */
void	ctl_refusals_log(struct ctl_server *, int64_t now_ns);

/* ctl_publish.c: the engine_sub hooks (arg: the struct ctl_server). */
void	ctl_publish_event(void *arg, const struct ev_rec *);
void	ctl_publish_alert(void *arg, const struct alert_rec *);

#endif
