/*
 * The Modbus unit tests' common ground: the site they build by hand, a worker
 * started on a socketpair with the test as its engine, and libmodbus servers.
 */
#include <errno.h>
#include <modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/util.h"
#include "../../drivers/link.h"
#include "../../drivers/modbus_wire.h"
#include "modbus_support.h"
#include "rtu_crc.h"

/* ---- the site ---------------------------------------------------------- */

/* Register points and command writes, as a profile holds them. */
#define PT(t, a, w)	{ .set = true, .table = (t), .addr = (a), .width = (w) }
#define WR(t, a, v)	{ .set = true, .table = (t), .addr = (a), .value = (v) }

/* The turnstile models of the test site: profiles[0] and [1]. */
static const struct profile test_profiles[] = {
	/* tripod-a of the demo site: input 0..3, commands to holding 0. */
	{ .name = "tripod-a", .state = PT(REG_INPUT, 0, 16),
	  .state_value = { [TS_IDLE] = 0, [TS_PASSING] = 1, [TS_FAULT] = 2 },
	  .entry_count = PT(REG_INPUT, 1, 16),
	  .exit_count = PT(REG_INPUT, 2, 16),
	  .fault_code = PT(REG_INPUT, 3, 16),
	  .cmd = { [TS_CMD_OPEN_ENTRY] = WR(REG_HOLDING, 0, 1),
	      [TS_CMD_OPEN_EXIT] = WR(REG_HOLDING, 0, 2),
	      [TS_CMD_FREE] = WR(REG_HOLDING, 0, 3),
	      [TS_CMD_LOCK] = WR(REG_HOLDING, 0, 4) } },
	/* gate-b: state and fault in holding 100..101, u32 counters, coil
	 * commands. */
	{ .name = "gate-b", .state = PT(REG_HOLDING, 100, 16),
	  .state_value = { [TS_IDLE] = 1, [TS_PASSING] = 2, [TS_FAULT] = 9 },
	  .entry_count = PT(REG_INPUT, 10, 32),
	  .exit_count = PT(REG_INPUT, 12, 32),
	  .fault_code = PT(REG_HOLDING, 101, 16),
	  .cmd = { [TS_CMD_OPEN_ENTRY] = WR(REG_COIL, 0, 1),
	      [TS_CMD_OPEN_EXIT] = WR(REG_COIL, 1, 1),
	      [TS_CMD_FREE] = WR(REG_COIL, 2, 1),
	      [TS_CMD_LOCK] = WR(REG_COIL, 2, 0) } },
};

void
mbt_site_init(struct site_conf *s)
{
	memset(s, 0, sizeof(*s));
	str_copy(s->site_name, "Test Tower", sizeof(s->site_name));
	s->offline_after = 3;
	s->backoff_max_ms = 400;
	memcpy(s->profiles, test_profiles, sizeof(test_profiles));
	/* wide: tripod-a's points too far apart for one read, no fault code,
	 * mixed counter widths. */
	s->profiles[2] = test_profiles[0];
	str_copy(s->profiles[2].name, "wide", sizeof(s->profiles[2].name));
	s->profiles[2].entry_count.addr = 130;
	s->profiles[2].entry_count.width = 32;
	s->profiles[2].fault_code.set = false;
	s->nprofiles = 3;
}

int
mbt_site_link_tcp(struct site_conf *s, const char *name, int port)
{
	struct link_conf *l = &s->links[s->nlinks];

	str_copy(l->name, name, sizeof(l->name));
	l->type = LINK_MODBUS_TCP;
	str_copy(l->host, "127.0.0.1", sizeof(l->host));
	l->port = port;
	l->timeout_ms = 200;
	return s->nlinks++;
}

int
mbt_site_link_rtu(struct site_conf *s, const char *name, const char *path)
{
	struct link_conf *l = &s->links[s->nlinks];

	str_copy(l->name, name, sizeof(l->name));
	l->type = LINK_MODBUS_RTU;
	str_copy(l->path, path, sizeof(l->path));
	l->baud = 19200;
	l->parity = 'N';
	l->data_bits = 8;
	l->stop_bits = 1;
	l->timeout_ms = 100;
	return s->nlinks++;
}

int
mbt_site_device(struct site_conf *s, const char *name, int link, int unit,
    int profile, int poll_ms)
{
	struct device_conf *d = &s->devices[s->ndevices];

	str_copy(d->name, name, sizeof(d->name));
	d->kind = DEV_TURNSTILE;
	d->link = link;
	d->unit = unit;
	d->profile = profile;
	d->poll_ms = poll_ms;
	return s->ndevices++;
}

/* ---- the engine's side ------------------------------------------------- */

union msg_any	mbt_log[MBT_LOG_MAX];
int		mbt_nlog;

/* One message within ms, appended to the log: 1, 0 on timeout, -1 at EOF. */
int
mbt_take(int fd, int ms)
{
	int64_t end = mono_ns() + ms * NS_PER_MS, left;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	union msg_any m;
	ssize_t n;

	for (;;) {
		n = msg_recv(fd, &m);
		if (n > 0) {
			if (mbt_nlog < MBT_LOG_MAX)
				mbt_log[mbt_nlog++] = m;
			return 1;
		}
		if (n == 0 || errno != EAGAIN)
			return -1;
		left = end - mono_ns();
		if (left <= 0)
			return 0;
		(void)poll(&p, 1, (int)(left / NS_PER_MS) + 1);
	}
}

/* online: -1 any; for MSG_DEV_STATE 0 or 1. dev -1: any device. */
static bool
matches(const union msg_any *m, int type, int dev, int online)
{
	if (m->h.type != type || (dev >= 0 && m->h.dev != dev))
		return false;
	if (type == MSG_DEV_STATE && online >= 0 && m->dev_state.online != online)
		return false;
	return true;
}

int
mbt_find(int from, int type, int dev, int online)
{
	int i;

	for (i = from; i < mbt_nlog; i++)
		if (matches(&mbt_log[i], type, dev, online))
			return i;
	return -1;
}

int
mbt_count(int from, int type, int dev, int online)
{
	int i, n = 0;

	for (i = from; i < mbt_nlog; i++)
		if (matches(&mbt_log[i], type, dev, online))
			n++;
	return n;
}

/* Reads until the log from `from` holds such a message; its index or -1. */
int
mbt_await(int fd, int from, int type, int dev, int online, int ms)
{
	int64_t end = mono_ns() + ms * NS_PER_MS;
	int i;

	while ((i = mbt_find(from, type, dev, online)) < 0) {
		int64_t left = end - mono_ns();

		if (left <= 0 || mbt_take(fd, (int)(left / NS_PER_MS) + 1) < 0)
			return mbt_find(from, type, dev, online);
	}
	return i;
}

/* Everything that arrives within ms. */
void
mbt_drain(int fd, int ms)
{
	int64_t end = mono_ns() + ms * NS_PER_MS, left;

	while ((left = end - mono_ns()) > 0)
		if (mbt_take(fd, (int)(left / NS_PER_MS) + 1) < 0)
			return;
}

/* The result for command id, or NULL within ms. */
const struct msg_cmd_result *
mbt_await_result(int fd, int from, uint32_t id, int ms)
{
	int64_t end = mono_ns() + ms * NS_PER_MS;
	int i;

	for (;;) {
		for (i = from; i < mbt_nlog; i++)
			if (mbt_log[i].h.type == MSG_CMD_RESULT &&
			    mbt_log[i].cmd_result.id == id)
				return &mbt_log[i].cmd_result;
		if (mono_ns() >= end || mbt_take(fd, 20) < 0)
			return NULL;
	}
}

pid_t
mbt_start_worker(const struct site_conf *s, int link, int *engine_fd,
    int keep_open)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int fd;

		/* The engine closes everything but the worker's own socket. */
		for (fd = 3; fd < 1024; fd++)
			if (fd != sv[1] && fd != keep_open)
				close(fd);
		exit(worker_run(s, link, sv[1]));
	}
	close(sv[1]);
	if (pid == -1) {
		close(sv[0]);
		return -1;
	}
	*engine_fd = sv[0];
	return pid;
}

/* Exit status of pid within ms, or -1 (then it is killed and reaped). */
int
mbt_reap(pid_t pid, int ms)
{
	int64_t end = mono_ns() + ms * NS_PER_MS;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r == -1 || mono_ns() >= end)
			break;
		usleep(5000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/* ---- Modbus servers ---------------------------------------------------- */

static void
server_note(struct mbt_server *sv, const uint8_t *pdu_unit, int64_t t)
{
	const uint8_t *p = pdu_unit + 1;
	struct mbt_req *r;

	if (sv->nreqs >= MBT_REQ_MAX)
		return;
	r = &sv->reqs[sv->nreqs++];
	r->unit = pdu_unit[0];
	r->fc = p[0];
	r->addr = (uint16_t)(p[1] << 8 | p[2]);
	r->n = (uint16_t)(p[3] << 8 | p[4]);
	r->t = t;
	if (r->fc == MODBUS_FC_WRITE_SINGLE_COIL ||
	    r->fc == MODBUS_FC_WRITE_SINGLE_REGISTER)
		sv->writes++;
}

int
mbt_server_count(struct mbt_server *sv, int from, int unit, int fc, int addr,
    int n)
{
	int i, c = 0;

	pthread_mutex_lock(&sv->mu);
	for (i = from; i < sv->nreqs; i++) {
		const struct mbt_req *r = &sv->reqs[i];

		if (r->unit == unit && (fc < 0 || (r->fc == fc &&
		    r->addr == addr && r->n == n)))
			c++;
	}
	pthread_mutex_unlock(&sv->mu);
	return c;
}

int
mbt_listen_on(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(port) };
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(fd, 4) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
mbt_listen_any(struct mbt_server *sv)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);

	sv->lfd = mbt_listen_on(0);
	if (sv->lfd < 0 ||
	    getsockname(sv->lfd, (struct sockaddr *)&a, &alen) == -1)
		return -1;
	sv->port = ntohs(a.sin_port);
	return 0;
}

/* The end of a server thread: its client, its listening socket, its context. */
static void
server_close(struct mbt_server *sv, int client, modbus_t *ctx)
{
	if (client >= 0)
		close(client);
	close(sv->lfd);
	sv->lfd = -1;
	if (ctx != NULL) {
		modbus_set_socket(ctx, -1);
		modbus_free(ctx);
	}
	sv->ctx = NULL;
}

/* Listens on sv's port (once) and starts its server thread fn. */
static int
server_start(struct mbt_server *sv, void *(*fn)(void *))
{
	if (sv->lfd < 0)
		sv->lfd = mbt_listen_on(sv->port);
	if (sv->lfd < 0)
		return -1;
	atomic_store(&sv->stop, false);
	return pthread_create(&sv->th, NULL, fn, sv) == 0 ? 0 : -1;
}

static void *
tcp_server(void *arg)
{
	struct mbt_server *sv = arg;
	uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
	modbus_t *ctx = sv->ctx = modbus_new_tcp("127.0.0.1", sv->port);
	int client = -1, rc;

	while (!atomic_load(&sv->stop) && ctx != NULL) {
		struct pollfd p[2] = { { .fd = sv->lfd, .events = POLLIN },
		    { .fd = client, .events = POLLIN } };

		if (poll(p, 2, 20) <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			int c = accept4(sv->lfd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0) {
				if (client >= 0)
					close(client);
				client = c;
			}
			continue;
		}
		if (client < 0 || p[1].revents == 0)
			continue;
		modbus_set_socket(ctx, client);
		rc = modbus_receive(ctx, req);
		if (rc <= 0) {
			close(client);
			client = -1;
			continue;
		}
		pthread_mutex_lock(&sv->mu);
		server_note(sv, req + 6, mono_ns());
		if (req[6] < 4 && sv->map[req[6]] != NULL)
			(void)modbus_reply(ctx, req, rc, sv->map[req[6]]);
		pthread_mutex_unlock(&sv->mu);
	}
	server_close(sv, client, ctx);
	return NULL;
}

int
mbt_tcp_start(struct mbt_server *sv)
{
	return server_start(sv, tcp_server);
}

/* A faulty unit's reply to req (a whole request ADU): right for reads and
 * single writes, from registers all 0, then spoiled as its fault says. */
static size_t
raw_reply(const uint8_t *req, enum mbt_fault fault, uint8_t *out)
{
	uint8_t fc = req[7];
	int n = req[10] << 8 | req[11], i;
	size_t len;

	memcpy(out, req, 8);
	if (fc <= MODBUS_FC_READ_INPUT_REGISTERS) {
		int bytes = fc <= MODBUS_FC_READ_DISCRETE_INPUTS ? (n + 7) / 8 :
		    2 * n;

		out[8] = (uint8_t)bytes;
		for (i = 0; i < bytes; i++)
			out[9 + i] = 0;
		len = 9 + (size_t)bytes;
	} else {
		memcpy(out + 8, req + 8, 4);	/* the echo */
		len = 12;
	}
	out[2] = 0;
	out[3] = fault == MBT_FAULT_WRONG_PROTO ? 1 : 0;
	out[4] = (uint8_t)((len - 6) >> 8);
	out[5] = (uint8_t)(len - 6);
	if (fault == MBT_FAULT_LEN0)
		out[4] = out[5] = 0;
	if (fault == MBT_FAULT_LENFFFF)
		out[4] = out[5] = 0xff;
	if (fault == MBT_FAULT_WRONG_UNIT)
		out[6] = (uint8_t)(req[6] + 10);
	return len;
}

static void *
raw_server(void *arg)
{
	struct mbt_server *sv = arg;
	uint8_t in[MODBUS_TCP_MAX_ADU_LENGTH], out[MODBUS_TCP_MAX_ADU_LENGTH];
	modbus_t *ctx = sv->ctx = modbus_new_tcp("127.0.0.1", sv->port);
	size_t inlen = 0, outlen = 0, outpos = 0, need;
	int64_t next_ns = 0, now;
	int client = -1, wait;
	ssize_t k;

	while (!atomic_load(&sv->stop) && ctx != NULL) {
		/* While a reply trickles, the client's next request waits. */
		struct pollfd p[2] = { { .fd = sv->lfd, .events = POLLIN },
		    { .fd = client, .events = outpos < outlen ? 0 : POLLIN } };

		now = mono_ns();
		wait = 20;
		if (outpos < outlen && next_ns - now < wait * NS_PER_MS)
			wait = next_ns > now ? (int)((next_ns - now) / NS_PER_MS) : 0;
		(void)poll(p, 2, wait);
		if (p[0].revents & POLLIN) {
			int c = accept4(sv->lfd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0) {
				if (client >= 0)
					close(client);
				client = c;
				inlen = outlen = outpos = 0;
			}
			continue;
		}
		if (client >= 0 && outpos < outlen && mono_ns() >= next_ns) {
			if (send(client, out + outpos, 1, MSG_NOSIGNAL) != 1) {
				close(client);
				client = -1;
				continue;
			}
			outpos++;
			next_ns += (int64_t)sv->trickle_ms * NS_PER_MS;
			continue;
		}
		if (client < 0 || p[1].revents == 0)
			continue;
		k = read(client, in + inlen, sizeof(in) - inlen);
		if (k <= 0) {
			close(client);
			client = -1;
			continue;
		}
		inlen += (size_t)k;
		if (inlen < 7)
			continue;
		need = 6 + (size_t)(in[4] << 8 | in[5]);
		if (need > sizeof(in) || need < 8) {
			close(client);
			client = -1;
			continue;
		}
		if (inlen < need)
			continue;
		pthread_mutex_lock(&sv->mu);
		server_note(sv, in + 6, mono_ns());
		if (sv->fault[in[6]] != MBT_FAULT_NONE) {
			outlen = raw_reply(in, (enum mbt_fault)sv->fault[in[6]],
			    out);
			if (sv->fault[in[6]] == MBT_FAULT_TRICKLE) {
				outpos = 0;	/* the first byte at once */
				next_ns = mono_ns();
			} else {
				(void)send(client, out, outlen, MSG_NOSIGNAL);
				outlen = 0;
			}
		} else if (in[6] < 4 && sv->map[in[6]] != NULL) {
			modbus_set_socket(ctx, client);
			(void)modbus_reply(ctx, in, (int)need, sv->map[in[6]]);
		}
		pthread_mutex_unlock(&sv->mu);
		inlen -= need;
		memmove(in, in + need, inlen);
	}
	server_close(sv, client, ctx);
	return NULL;
}

int
mbt_raw_start(struct mbt_server *sv)
{
	return server_start(sv, raw_server);
}

void
mbt_server_stop(struct mbt_server *sv)
{
	atomic_store(&sv->stop, true);
	pthread_join(sv->th, NULL);
}

/*
 * RTU slaves for several units on one line. libmodbus's RTU server answers
 * one slave id, so frames are cut here (every request lobbyd sends is 8
 * bytes) and handed to modbus_reply with the addressed unit's mapping.
 */
void *
mbt_rtu_server(void *arg)
{
	struct mbt_server *sv = arg;
	modbus_t *ctx = sv->ctx = modbus_new_rtu("/dev/null", 19200, 'N', 8, 1);
	uint8_t buf[256];
	int len = 0;
	ssize_t n;

	if (ctx == NULL)
		return NULL;
	modbus_set_socket(ctx, sv->master);
	while (!atomic_load(&sv->stop)) {
		struct pollfd p = { .fd = sv->master, .events = POLLIN };
		int64_t t;

		if (poll(&p, 1, 20) <= 0)
			continue;
		n = read(sv->master, buf + len, sizeof(buf) - (size_t)len);
		t = mono_ns();
		if (n <= 0) {
			usleep(10000);
			continue;
		}
		if (len == 0 && sv->last_reply_ns != 0 &&
		    t - sv->last_reply_ns < sv->min_gap_ns)
			sv->min_gap_ns = t - sv->last_reply_ns;
		len += (int)n;
		while (len >= 8) {
			uint16_t crc = mbw_crc16(buf, 6);

			pthread_mutex_lock(&sv->mu);
			if ((buf[6] | buf[7] << 8) == crc) {
				server_note(sv, buf, t);
				if (buf[0] < 4 && sv->map[buf[0]] != NULL) {
					/* Timed as it starts: a pty write is
					 * immediate, and this thread may wait
					 * to run again after it (a busy
					 * machine, valgrind), which would
					 * shorten the silence seen. */
					sv->last_reply_ns = mono_ns();
					modbus_set_slave(ctx, buf[0]);
					(void)modbus_reply(ctx, buf, 8, sv->map[buf[0]]);
				}
				len -= 8;
				memmove(buf, buf + 8, (size_t)len);
			} else {
				len = 0;	/* resynchronise on the next frame */
			}
			pthread_mutex_unlock(&sv->mu);
		}
	}
	modbus_set_socket(ctx, -1);
	modbus_free(ctx);
	sv->ctx = NULL;
	return NULL;
}

/*
 * A register of the unit's map, written first when set: its value after,
 * read under the server's lock; -1 for a table it does not know.
 */
static int
reg_access(struct mbt_server *sv, int unit, enum reg_table t, int addr,
    bool set, int v)
{
	modbus_mapping_t *m = sv->map[unit];
	uint8_t *bit = NULL;
	uint16_t *reg = NULL;

	switch (t) {
	case REG_COIL:		bit = &m->tab_bits[addr]; break;
	case REG_DISCRETE:	bit = &m->tab_input_bits[addr]; break;
	case REG_INPUT:		reg = &m->tab_input_registers[addr]; break;
	case REG_HOLDING:	reg = &m->tab_registers[addr]; break;
	}
	pthread_mutex_lock(&sv->mu);
	if (set && bit != NULL)
		*bit = (uint8_t)v;
	else if (set && reg != NULL)
		*reg = (uint16_t)v;
	v = bit != NULL ? *bit : reg != NULL ? *reg : -1;
	pthread_mutex_unlock(&sv->mu);
	return v;
}

void
mbt_set_reg(struct mbt_server *sv, int unit, enum reg_table t, int addr, int v)
{
	(void)reg_access(sv, unit, t, addr, true, v);
}

void
mbt_set_regs(struct mbt_server *sv, int unit, const struct mbt_reg *r, size_t n)
{
	modbus_mapping_t *m = sv->map[unit];

	pthread_mutex_lock(&sv->mu);
	for (size_t i = 0; i < n; i++) {
		if (r[i].t == REG_COIL)
			m->tab_bits[r[i].addr] = (uint8_t)r[i].v;
		else if (r[i].t == REG_DISCRETE)
			m->tab_input_bits[r[i].addr] = (uint8_t)r[i].v;
		else if (r[i].t == REG_INPUT)
			m->tab_input_registers[r[i].addr] = (uint16_t)r[i].v;
		else
			m->tab_registers[r[i].addr] = (uint16_t)r[i].v;
	}
	pthread_mutex_unlock(&sv->mu);
}

int
mbt_get_reg(struct mbt_server *sv, int unit, enum reg_table t, int addr)
{
	return reg_access(sv, unit, t, addr, false, 0);
}

/* One of the server's counters, read under its lock. */
static int
counter(struct mbt_server *sv, const int *n)
{
	int v;

	pthread_mutex_lock(&sv->mu);
	v = *n;
	pthread_mutex_unlock(&sv->mu);
	return v;
}

int
mbt_server_writes(struct mbt_server *sv)
{
	return counter(sv, &sv->writes);
}

int
mbt_server_nreqs(struct mbt_server *sv)
{
	return counter(sv, &sv->nreqs);
}

struct mbt_server *
mbt_server_new(void)
{
	struct mbt_server *sv = calloc(1, sizeof(*sv));
	int u;

	if (sv == NULL)
		return NULL;
	pthread_mutex_init(&sv->mu, NULL);
	for (u = 1; u < 4; u++)
		sv->map[u] = modbus_mapping_new(256, 256, 256, 256);
	sv->lfd = -1;
	sv->master = -1;
	sv->min_gap_ns = INT64_MAX;
	return sv;
}

void
mbt_server_free(struct mbt_server *sv)
{
	int u;

	for (u = 1; u < 4; u++)
		if (sv->map[u] != NULL)
			modbus_mapping_free(sv->map[u]);
	pthread_mutex_destroy(&sv->mu);
	free(sv);
}
