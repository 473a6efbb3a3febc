/*
 * What the Modbus unit tests share: libmodbus servers (TCP on 127.0.0.1, RTU
 * on a pty), a hand-built site, a worker on a socketpair, and the engine's log.
 */
#ifndef LOBBYD_MODBUS_SUPPORT_H
#define LOBBYD_MODBUS_SUPPORT_H

#include <modbus.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../drivers/link.h"
#include "harness.h"

/* ---- the site ---------------------------------------------------------- */

/* Test Tower: profiles 0 tripod-a, 1 gate-b, 2 wide; no links, no devices. */
void	mbt_site_init(struct site_conf *);
/* Each adds one and returns its index. */
int	mbt_site_link_tcp(struct site_conf *, const char *name, int port);
int	mbt_site_link_rtu(struct site_conf *, const char *name,
	    const char *path);
int	mbt_site_device(struct site_conf *, const char *name, int link,
	    int unit, int profile, int poll_ms);

/* ---- the engine's side ------------------------------------------------- */

#define MBT_LOG_MAX	1024

/* Every message the test has read from a worker, in order. */
extern union msg_any	mbt_log[MBT_LOG_MAX];
extern int		mbt_nlog;

/* One message within ms, appended to the log: 1, 0 on timeout, -1 at EOF. */
int	mbt_take(int fd, int ms);
/* online: -1 any; for MSG_DEV_STATE 0 or 1. dev -1: any device. */
int	mbt_find(int from, int type, int dev, int online);
int	mbt_count(int from, int type, int dev, int online);
/* Reads until the log from `from` holds such a message; its index or -1. */
int	mbt_await(int fd, int from, int type, int dev, int online, int ms);
/* Everything that arrives within ms. */
void	mbt_drain(int fd, int ms);
/* The result for command id, or NULL within ms. */
const struct msg_cmd_result *mbt_await_result(int fd, int from, uint32_t id,
	    int ms);
/* worker_run(s, link) in a child; *engine_fd is the engine's end. */
pid_t	mbt_start_worker(const struct site_conf *, int link, int *engine_fd,
	    int keep_open);
/* Exit status of pid within ms, or -1 (then it is killed and reaped). */
int	mbt_reap(pid_t pid, int ms);

/* ---- Modbus servers ---------------------------------------------------- */

struct mbt_req {
	uint8_t		unit, fc;
	uint16_t	addr, n;
	int64_t		t;		/* when the request was read */
};

#define MBT_REQ_MAX	4096

/* How a unit of the raw TCP server (mbt_raw_start) answers. */
enum mbt_fault {
	MBT_FAULT_NONE,		/* from its mapping, as libmodbus does */
	MBT_FAULT_TRICKLE,	/* a right reply, one byte every trickle_ms */
	MBT_FAULT_WRONG_UNIT,	/* a right reply at once, but unit id + 10 */
	MBT_FAULT_WRONG_PROTO,	/* ... but protocol id 1 */
	MBT_FAULT_LEN0,		/* ... but MBAP length 0 */
	MBT_FAULT_LENFFFF,	/* ... but MBAP length 0xFFFF */
};

/* Units 1..3 answer from their own mappings; mu guards all below it. */
struct mbt_server {
	pthread_mutex_t		mu;
	modbus_mapping_t	*map[4];	/* by unit; NULL: no such unit */
	struct mbt_req		reqs[MBT_REQ_MAX];
	int			nreqs;
	int			writes;
	int64_t			min_gap_ns;	/* RTU: reply end to next request */
	int64_t			last_reply_ns;
	/* TCP */
	int			port;
	int			lfd;
	uint8_t			fault[256];	/* raw server: enum mbt_fault */
	int			trickle_ms;
	/* RTU */
	int			master;
	atomic_bool		stop;
	pthread_t		th;
	/* The server thread's context, reachable from here too: a worker
	 * forked meanwhile (without that thread) does not see it leaked. */
	modbus_t		*ctx;
};

struct mbt_server *mbt_server_new(void);
void	mbt_server_free(struct mbt_server *);
/* Requests from index `from` to unit; fc -1: any, else that fc, addr, n. */
int	mbt_server_count(struct mbt_server *, int from, int unit, int fc,
	    int addr, int n);
int	mbt_server_writes(struct mbt_server *);
int	mbt_server_nreqs(struct mbt_server *);
void	mbt_set_reg(struct mbt_server *, int unit, enum reg_table, int addr,
	    int v);
/* Several registers or bits set under one lock: a change a poll cannot see
 * half of. */
struct mbt_reg {
	enum reg_table	t;
	int		addr, v;
};
void	mbt_set_regs(struct mbt_server *, int unit, const struct mbt_reg *, size_t n);
int	mbt_get_reg(struct mbt_server *, int unit, enum reg_table, int addr);
/* A listening socket on 127.0.0.1:port (0: any free port), or -1. */
int	mbt_listen_on(int port);
/* sv listening on a free port of 127.0.0.1 (sv->lfd, sv->port): 0, or -1. */
int	mbt_listen_any(struct mbt_server *);
/* Serves sv->lfd (listening on sv->port if -1) in a thread. */
int	mbt_tcp_start(struct mbt_server *);
/* The same, but units with a fault answer with it (registers all 0) and
 * the others from their mappings; one client at a time, a new one
 * replacing the old (and ending its trickle). */
int	mbt_raw_start(struct mbt_server *);
/* The RTU server thread, on sv->master; for pthread_create. */
void	*mbt_rtu_server(void *);
void	mbt_server_stop(struct mbt_server *);

/*
 * These two check as they go, so they live here as static inline: each test
 * program counts their checks with its own.
 */
static inline void
mbt_send_cmd(int fd, int dev, uint32_t id, enum ts_cmd cmd, int64_t expires)
{
	struct msg_cmd c;

	msg_init(&c, MSG_CMD, (uint16_t)dev);
	c.id = id;
	c.cmd = (uint8_t)cmd;
	c.t_frame_ns = 1000 + id;
	c.expires_ns = expires;
	CHECK(msg_send(fd, &c) == 0);
}

static inline void
mbt_check_status(const union msg_any *m, int state, uint32_t entry,
    uint32_t exit_, uint32_t mask, uint32_t fault, int32_t raw)
{
	CHECK_INT(m->ts_status.state, state);
	CHECK_INT(m->ts_status.entry_count, entry);
	CHECK_INT(m->ts_status.exit_count, exit_);
	CHECK_INT(m->ts_status.counter_mask, mask);
	CHECK_INT(m->ts_status.fault_code, fault);
	CHECK_INT(m->ts_status.raw_state, raw);
}

#endif
