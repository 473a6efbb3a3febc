/*
 * A link worker: one process per configured link (a Modbus bus or endpoint, a
 * card reader port). It speaks one wire protocol, parses untrusted bytes, and
 * talks to the engine only through drivers/msg.h messages. It never touches
 * the database.
 */
#ifndef LOBBYD_LINK_H
#define LOBBYD_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "../config/config.h"
#include "msg.h"

struct link;

/* What the worker loop needs from one kind of link. */
struct link_ops {
	const char	*type;		/* "modbus", "serial-reader", ... */
	/* Allocate link->priv and try to open the link. Failing to reach the
	 * device is not an error here (service() retries); -1 only when the
	 * worker cannot run at all (out of memory, bad settings). */
	int	(*open)(struct link *);
	/* File descriptor to poll for input, or -1: timers only. */
	int	(*fd)(struct link *);
	/*
	 * Do the work that is due at now_ns (CLOCK_MONOTONIC): read input when
	 * revents says so, one poll transaction, queued commands first. Returns
	 * the CLOCK_MONOTONIC time at which it wants to be called again (<= now
	 * means at once, after the engine socket has been looked at).
	 */
	int64_t	(*service)(struct link *, int64_t now_ns, short revents);
	/* Queue or perform a command from the engine. NULL: link takes none. */
	int	(*command)(struct link *, const struct msg_cmd *);
	void	(*close)(struct link *);
};

struct link {
	const struct link_ops	*ops;
	const struct site_conf	*site;
	const struct link_conf	*conf;
	int			index;		/* in site->links */
	int			engine_fd;	/* SOCK_SEQPACKET to the engine */
	void			*priv;
};

extern const struct link_ops link_modbus_ops;	/* modbus-tcp and -rtu */
extern const struct link_ops link_serial_reader_ops;
extern const struct link_ops link_gpio_ops;

/*
 * Reopening a port or chip that failed: the first try LINK_RETRY_START_MS
 * after the failure, each next one twice as long, up to the site's
 * backoff_max_ms. One that stayed open that long before it dropped starts
 * afresh; one that keeps dropping at once backs off further.
 */
#define LINK_RETRY_START_MS	500

struct link_retry {
	int	ms;		/* the next wait */
	int64_t	at_ns;		/* reopen at, while closed */
	int64_t	opened_ns;	/* when it last opened */
};

void	link_retry_init(struct link_retry *);
/* It failed to open (dropped: it was open and failed) at now_ns: the next
 * try is at at_ns. */
void	link_retry_failed(struct link_retry *, const struct link *, int64_t now_ns,
	    bool dropped);

/* The ops for a link type; NULL if none is built in. */
const struct link_ops *link_ops_for(enum link_type);

/* Send a message to the engine. Logs and returns -1 if the engine is gone. */
int	link_emit(struct link *, const void *msg);
/* Tells the engine how command c ended: when it went on the wire and when
 * its answer came (0: it did not), and why it failed (NULL or "": it did
 * not). As link_emit. */
int	link_cmd_result(struct link *, const struct msg_cmd *c,
	    enum msg_cmd_status, int64_t t_wire_ns, int64_t t_done_ns,
	    const char *error);

/*
 * The worker's whole life, in the child after fork(): opens the link, runs
 * the loop until the engine's socket closes or SIGTERM, closes the link.
 * Returns the process exit status.
 */
int	worker_run(const struct site_conf *, int link_index, int engine_fd);

#endif
