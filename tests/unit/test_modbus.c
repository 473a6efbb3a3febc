/*
 * drivers/modbus.c and drivers/worker.c against libmodbus servers: a TCP
 * gateway on 127.0.0.1 and an RTU bus on a pseudo-terminal, with the test
 * playing the engine on the worker's socketpair.
 */
#include <errno.h>
#include <fcntl.h>
#include <modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "../../daemon/util.h"
#include "../../drivers/link.h"
#include "harness.h"

/* ---- the site ---------------------------------------------------------- */

static struct reg_point
pt(enum reg_table t, uint16_t addr, uint8_t width)
{
	return (struct reg_point){ .set = true, .table = t, .addr = addr,
	    .width = width };
}

static struct reg_write
wr(enum reg_table t, uint16_t addr, uint16_t value)
{
	return (struct reg_write){ .set = true, .table = t, .addr = addr,
	    .value = value };
}

/* tripod-a of the demo site: input 0..3, commands to holding 0. */
static void
profile_tripod(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	str_copy(p->name, "tripod-a", sizeof(p->name));
	p->state = pt(REG_INPUT, 0, 16);
	p->state_value[TS_IDLE] = 0;
	p->state_value[TS_PASSING] = 1;
	p->state_value[TS_FAULT] = 2;
	p->entry_count = pt(REG_INPUT, 1, 16);
	p->exit_count = pt(REG_INPUT, 2, 16);
	p->fault_code = pt(REG_INPUT, 3, 16);
	p->cmd[TS_CMD_OPEN_ENTRY] = wr(REG_HOLDING, 0, 1);
	p->cmd[TS_CMD_OPEN_EXIT] = wr(REG_HOLDING, 0, 2);
	p->cmd[TS_CMD_FREE] = wr(REG_HOLDING, 0, 3);
	p->cmd[TS_CMD_LOCK] = wr(REG_HOLDING, 0, 4);
}

/* gate-b: state and fault in holding 100..101, u32 counters, coil commands. */
static void
profile_gate(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	str_copy(p->name, "gate-b", sizeof(p->name));
	p->state = pt(REG_HOLDING, 100, 16);
	p->state_value[TS_IDLE] = 1;
	p->state_value[TS_PASSING] = 2;
	p->state_value[TS_FAULT] = 9;
	p->entry_count = pt(REG_INPUT, 10, 32);
	p->exit_count = pt(REG_INPUT, 12, 32);
	p->fault_code = pt(REG_HOLDING, 101, 16);
	p->cmd[TS_CMD_OPEN_ENTRY] = wr(REG_COIL, 0, 1);
	p->cmd[TS_CMD_OPEN_EXIT] = wr(REG_COIL, 1, 1);
	p->cmd[TS_CMD_FREE] = wr(REG_COIL, 2, 1);
	p->cmd[TS_CMD_LOCK] = wr(REG_COIL, 2, 0);
}

/* Points too far apart for one read; no fault code; mixed counter widths. */
static void
profile_wide(struct profile *p)
{
	profile_tripod(p);
	str_copy(p->name, "wide", sizeof(p->name));
	p->entry_count = pt(REG_INPUT, 130, 32);
	p->fault_code.set = false;
}

static void
site_init(struct site_conf *s)
{
	memset(s, 0, sizeof(*s));
	str_copy(s->site_name, "Test Tower", sizeof(s->site_name));
	s->offline_after = 3;
	s->backoff_max_ms = 400;
	profile_tripod(&s->profiles[0]);
	profile_gate(&s->profiles[1]);
	profile_wide(&s->profiles[2]);
	s->nprofiles = 3;
}

static int
site_link_tcp(struct site_conf *s, const char *name, int port)
{
	struct link_conf *l = &s->links[s->nlinks];

	str_copy(l->name, name, sizeof(l->name));
	l->type = LINK_MODBUS_TCP;
	str_copy(l->host, "127.0.0.1", sizeof(l->host));
	l->port = port;
	l->timeout_ms = 200;
	return s->nlinks++;
}

static int
site_link_rtu(struct site_conf *s, const char *name, const char *path)
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

static int
site_device(struct site_conf *s, const char *name, int link, int unit,
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

#define LOG_MAX	1024

static union msg_any	mlog[LOG_MAX];
static int		nlog;

/* One message within ms, appended to the log: 1, 0 on timeout, -1 at EOF. */
static int
take(int fd, int ms)
{
	int64_t end = mono_ns() + ms * NS_PER_MS, left;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	union msg_any m;
	ssize_t n;

	for (;;) {
		n = msg_recv(fd, &m);
		if (n > 0) {
			if (nlog < LOG_MAX)
				mlog[nlog++] = m;
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

static int
find(int from, int type, int dev, int online)
{
	int i;

	for (i = from; i < nlog; i++)
		if (matches(&mlog[i], type, dev, online))
			return i;
	return -1;
}

static int
count(int from, int type, int dev, int online)
{
	int i, n = 0;

	for (i = from; i < nlog; i++)
		if (matches(&mlog[i], type, dev, online))
			n++;
	return n;
}

/* Reads until the log from `from` holds such a message; its index or -1. */
static int
await(int fd, int from, int type, int dev, int online, int ms)
{
	int64_t end = mono_ns() + ms * NS_PER_MS;
	int i;

	while ((i = find(from, type, dev, online)) < 0) {
		int64_t left = end - mono_ns();

		if (left <= 0 || take(fd, (int)(left / NS_PER_MS) + 1) < 0)
			return find(from, type, dev, online);
	}
	return i;
}

/* Everything that arrives within ms. */
static void
drain(int fd, int ms)
{
	int64_t end = mono_ns() + ms * NS_PER_MS, left;

	while ((left = end - mono_ns()) > 0)
		if (take(fd, (int)(left / NS_PER_MS) + 1) < 0)
			return;
}

static void
send_cmd(int fd, int dev, uint32_t id, enum ts_cmd cmd, int64_t expires)
{
	struct msg_cmd c;

	msg_init(&c, MSG_CMD, (uint16_t)dev);
	c.id = id;
	c.cmd = (uint8_t)cmd;
	c.t_frame_ns = 1000 + id;
	c.expires_ns = expires;
	CHECK(msg_send(fd, &c) == 0);
}

/* The result for command id, or NULL within ms. */
static const struct msg_cmd_result *
await_result(int fd, int from, uint32_t id, int ms)
{
	int64_t end = mono_ns() + ms * NS_PER_MS;
	int i;

	for (;;) {
		for (i = from; i < nlog; i++)
			if (mlog[i].h.type == MSG_CMD_RESULT &&
			    mlog[i].cmd_result.id == id)
				return &mlog[i].cmd_result;
		if (mono_ns() >= end || take(fd, 20) < 0)
			return NULL;
	}
}

static pid_t
start_worker(const struct site_conf *s, int link, int *engine_fd, int keep_open)
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
static int
reap(pid_t pid, int ms)
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

struct req {
	uint8_t		unit, fc;
	uint16_t	addr, n;
	int64_t		t;		/* when the request was read */
};

#define REQ_MAX	4096

struct server {
	pthread_mutex_t		mu;
	modbus_mapping_t	*map[4];	/* by unit; NULL: no such unit */
	struct req		reqs[REQ_MAX];
	int			nreqs;
	int			writes;
	int64_t			min_gap_ns;	/* RTU: reply end to next request */
	int64_t			last_reply_ns;
	/* TCP */
	int			port;
	int			lfd;
	/* RTU */
	int			master;
	atomic_bool		stop;
	pthread_t		th;
};

static void
server_note(struct server *sv, const uint8_t *pdu_unit, int64_t t)
{
	const uint8_t *p = pdu_unit + 1;
	struct req *r;

	if (sv->nreqs >= REQ_MAX)
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

static int
server_count(struct server *sv, int from, int unit, int fc, int addr, int n)
{
	int i, c = 0;

	pthread_mutex_lock(&sv->mu);
	for (i = from; i < sv->nreqs; i++) {
		const struct req *r = &sv->reqs[i];

		if (r->unit == unit && (fc < 0 || (r->fc == fc &&
		    r->addr == addr && r->n == n)))
			c++;
	}
	pthread_mutex_unlock(&sv->mu);
	return c;
}

static int
listen_on(int port)
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

static void *
tcp_server(void *arg)
{
	struct server *sv = arg;
	uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
	modbus_t *ctx = modbus_new_tcp("127.0.0.1", sv->port);
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
	if (client >= 0)
		close(client);
	close(sv->lfd);
	sv->lfd = -1;
	if (ctx != NULL) {
		modbus_set_socket(ctx, -1);
		modbus_free(ctx);
	}
	return NULL;
}

static int
tcp_start(struct server *sv)
{
	if (sv->lfd < 0)
		sv->lfd = listen_on(sv->port);
	if (sv->lfd < 0)
		return -1;
	atomic_store(&sv->stop, false);
	return pthread_create(&sv->th, NULL, tcp_server, sv) == 0 ? 0 : -1;
}

static void
server_stop(struct server *sv)
{
	atomic_store(&sv->stop, true);
	pthread_join(sv->th, NULL);
}

static uint16_t
crc16(const uint8_t *b, int n)
{
	uint16_t crc = 0xffff;
	int i, k;

	for (i = 0; i < n; i++) {
		crc ^= b[i];
		for (k = 0; k < 8; k++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xa001) :
			    (uint16_t)(crc >> 1);
	}
	return crc;
}

/*
 * RTU slaves for several units on one line. libmodbus's RTU server answers
 * one slave id, so frames are cut here (every request lobbyd sends is 8
 * bytes) and handed to modbus_reply with the addressed unit's mapping.
 */
static void *
rtu_server(void *arg)
{
	struct server *sv = arg;
	modbus_t *ctx = modbus_new_rtu("/dev/null", 19200, 'N', 8, 1);
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
			uint16_t crc = crc16(buf, 6);

			pthread_mutex_lock(&sv->mu);
			if ((buf[6] | buf[7] << 8) == crc) {
				server_note(sv, buf, t);
				if (buf[0] < 4 && sv->map[buf[0]] != NULL) {
					modbus_set_slave(ctx, buf[0]);
					(void)modbus_reply(ctx, buf, 8, sv->map[buf[0]]);
					sv->last_reply_ns = mono_ns();
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
	return NULL;
}

static void
set_reg(struct server *sv, int unit, enum reg_table t, int addr, int v)
{
	modbus_mapping_t *m = sv->map[unit];

	pthread_mutex_lock(&sv->mu);
	switch (t) {
	case REG_COIL:		m->tab_bits[addr] = (uint8_t)v; break;
	case REG_DISCRETE:	m->tab_input_bits[addr] = (uint8_t)v; break;
	case REG_INPUT:		m->tab_input_registers[addr] = (uint16_t)v; break;
	case REG_HOLDING:	m->tab_registers[addr] = (uint16_t)v; break;
	}
	pthread_mutex_unlock(&sv->mu);
}

static int
get_reg(struct server *sv, int unit, enum reg_table t, int addr)
{
	modbus_mapping_t *m = sv->map[unit];
	int v = -1;

	pthread_mutex_lock(&sv->mu);
	switch (t) {
	case REG_COIL:		v = m->tab_bits[addr]; break;
	case REG_DISCRETE:	v = m->tab_input_bits[addr]; break;
	case REG_INPUT:		v = m->tab_input_registers[addr]; break;
	case REG_HOLDING:	v = m->tab_registers[addr]; break;
	}
	pthread_mutex_unlock(&sv->mu);
	return v;
}

static int
server_writes(struct server *sv)
{
	int n;

	pthread_mutex_lock(&sv->mu);
	n = sv->writes;
	pthread_mutex_unlock(&sv->mu);
	return n;
}

static int
server_nreqs(struct server *sv)
{
	int n;

	pthread_mutex_lock(&sv->mu);
	n = sv->nreqs;
	pthread_mutex_unlock(&sv->mu);
	return n;
}

static struct server *
server_new(void)
{
	struct server *sv = calloc(1, sizeof(*sv));
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

static void
server_free(struct server *sv)
{
	int u;

	for (u = 1; u < 4; u++)
		if (sv->map[u] != NULL)
			modbus_mapping_free(sv->map[u]);
	pthread_mutex_destroy(&sv->mu);
	free(sv);
}

/* ---- the tests --------------------------------------------------------- */

static void
check_status(const union msg_any *m, int state, uint32_t entry, uint32_t exit_,
    uint32_t mask, uint32_t fault, int32_t raw)
{
	CHECK_INT(m->ts_status.state, state);
	CHECK_INT(m->ts_status.entry_count, entry);
	CHECK_INT(m->ts_status.exit_count, exit_);
	CHECK_INT(m->ts_status.counter_mask, mask);
	CHECK_INT(m->ts_status.fault_code, fault);
	CHECK_INT(m->ts_status.raw_state, raw);
}

/* Three turnstiles behind one TCP gateway, one of them switched off and on. */
static void
test_tcp(void)
{
	static struct site_conf site;
	struct server *sv = server_new();
	const struct msg_cmd_result *r;
	int efd = -1, link, d0, d1, d2, i, mark, w0, q0, n0;
	int64_t t0;
	pid_t pid;

	CHECK(sv != NULL);
	if (sv == NULL)
		return;
	sv->lfd = listen_on(0);
	CHECK(sv->lfd >= 0);
	{
		struct sockaddr_in a;
		socklen_t alen = sizeof(a);

		CHECK(getsockname(sv->lfd, (struct sockaddr *)&a, &alen) == 0);
		sv->port = ntohs(a.sin_port);
	}
	/* tripod-a at unit 1: idle, 7 in, 3 out. */
	set_reg(sv, 1, REG_INPUT, 0, 0);
	set_reg(sv, 1, REG_INPUT, 1, 7);
	set_reg(sv, 1, REG_INPUT, 2, 3);
	/* gate-b at unit 2: fault 42, u32 counters high word first. */
	set_reg(sv, 2, REG_HOLDING, 100, 9);
	set_reg(sv, 2, REG_HOLDING, 101, 42);
	set_reg(sv, 2, REG_INPUT, 10, 0x0001);
	set_reg(sv, 2, REG_INPUT, 11, 0x0002);
	set_reg(sv, 2, REG_INPUT, 12, 0xffff);
	set_reg(sv, 2, REG_INPUT, 13, 0xfffe);
	/* wide at unit 3: a state no profile value names. */
	set_reg(sv, 3, REG_INPUT, 0, 5);
	set_reg(sv, 3, REG_INPUT, 2, 9);
	set_reg(sv, 3, REG_INPUT, 130, 0x1234);
	set_reg(sv, 3, REG_INPUT, 131, 0x5678);

	site_init(&site);
	link = site_link_tcp(&site, "gate3", sv->port);
	d0 = site_device(&site, "ts1", link, 1, 0, 50);
	d1 = site_device(&site, "ts2", link, 2, 1, 50);
	d2 = site_device(&site, "ts3", link, 3, 2, 50);

	pid = start_worker(&site, link, &efd, -1);
	CHECK(pid > 0);
	if (pid <= 0) {
		close(sv->lfd);
		server_free(sv);
		return;
	}
	CHECK(tcp_start(sv) == 0);

	nlog = 0;
	CHECK(await(efd, 0, MSG_HELLO, -1, -1, 2000) == 0);
	CHECK_INT(mlog[0].hello.pid, pid);

	/* Each device: online, then its status. */
	for (i = d0; i <= d2; i++) {
		int on = await(efd, 0, MSG_DEV_STATE, i, 1, 2000);
		int st = await(efd, 0, MSG_TS_STATUS, i, -1, 2000);

		CHECK(on > 0);
		CHECK(st > on);
		if (st < 0)
			goto out_stop;	/* nothing below could pass */
	}
	check_status(&mlog[find(0, MSG_TS_STATUS, d0, -1)], TS_IDLE, 7, 3,
	    0xffff, 0, 0);
	check_status(&mlog[find(0, MSG_TS_STATUS, d1, -1)], TS_FAULT,
	    0x00010002, 0xfffffffe, 0xffffffff, 42, 9);
	check_status(&mlog[find(0, MSG_TS_STATUS, d2, -1)], TS_UNKNOWN,
	    0x12345678, 9, 0xffff, 0, 5);

	/* Covering reads: one per table, split where the points lie far apart. */
	CHECK(server_count(sv, 0, 1, 4, 0, 4) >= 1);
	CHECK_INT(server_count(sv, 0, 1, -1, 0, 0), server_count(sv, 0, 1, 4, 0, 4));
	CHECK(server_count(sv, 0, 2, 3, 100, 2) >= 1);
	CHECK(server_count(sv, 0, 2, 4, 10, 4) >= 1);
	CHECK(server_count(sv, 0, 3, 4, 0, 3) >= 1);
	CHECK(server_count(sv, 0, 3, 4, 130, 2) >= 1);
	CHECK_INT(server_count(sv, 0, 3, -1, 0, 0),
	    server_count(sv, 0, 3, 4, 0, 3) + server_count(sv, 0, 3, 4, 130, 2));

	/* Unchanged polls say nothing, at a steady 50 ms; only the heartbeat
	 * (MSG_HELLO, every MSG_HEARTBEAT_MS) says the worker lives. */
	drain(efd, 100);
	mark = nlog;
	q0 = server_count(sv, 0, 1, -1, 0, 0);
	drain(efd, 1100);
	{
		int hello = 0, other = 0;

		for (i = mark; i < nlog; i++) {
			if (mlog[i].h.type == MSG_HELLO)
				hello++;
			else
				other++;
		}
		CHECK_INT(other, 0);
		CHECK(hello >= 1 && hello <= 3);
	}
	n0 = server_count(sv, 0, 1, -1, 0, 0) - q0;
	CHECK(n0 >= 14 && n0 <= 24);

	/* A change shows once. */
	mark = nlog;
	set_reg(sv, 2, REG_HOLDING, 100, 2);
	set_reg(sv, 2, REG_INPUT, 11, 0x0003);
	i = await(efd, mark, MSG_TS_STATUS, d1, -1, 1000);
	CHECK(i >= 0);
	if (i >= 0)
		check_status(&mlog[i], TS_PASSING, 0x00010003, 0xfffffffe,
		    0xffffffff, 42, 2);
	drain(efd, 200);
	CHECK_INT(count(mark, MSG_TS_STATUS, d1, -1), 1);
	CHECK_INT(count(mark, MSG_TS_STATUS, -1, -1), 1);

	/* Commands: a holding register, then coils on and off. */
	mark = nlog;
	w0 = server_writes(sv);
	t0 = mono_ns();
	send_cmd(efd, d0, 11, TS_CMD_OPEN_EXIT, t0 + 2000 * NS_PER_MS);
	r = await_result(efd, mark, 11, 2000);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_INT(r->status, CMD_OK);
		CHECK_INT(r->h.dev, d0);
		CHECK_INT(r->t_frame_ns, 1011);
		CHECK(r->t_wire_ns >= t0);
		CHECK(r->t_done_ns >= r->t_wire_ns);
		/* Waited at most one transaction, not a poll cycle. */
		CHECK(r->t_wire_ns - t0 < 250 * NS_PER_MS);
	}
	CHECK_INT(get_reg(sv, 1, REG_HOLDING, 0), 2);
	CHECK_INT(server_writes(sv), w0 + 1);

	send_cmd(efd, d1, 12, TS_CMD_FREE, mono_ns() + 2000 * NS_PER_MS);
	r = await_result(efd, mark, 12, 2000);
	CHECK(r != NULL && r->status == CMD_OK);
	CHECK_INT(get_reg(sv, 2, REG_COIL, 2), 1);
	send_cmd(efd, d1, 13, TS_CMD_LOCK, mono_ns() + 2000 * NS_PER_MS);
	r = await_result(efd, mark, 13, 2000);
	CHECK(r != NULL && r->status == CMD_OK);
	CHECK_INT(get_reg(sv, 2, REG_COIL, 2), 0);
	CHECK_INT(server_writes(sv), w0 + 3);

	/* A command past its time is not written. */
	set_reg(sv, 1, REG_HOLDING, 0, 0);
	w0 = server_writes(sv);
	send_cmd(efd, d0, 14, TS_CMD_OPEN_ENTRY, mono_ns() - 1);
	r = await_result(efd, mark, 14, 2000);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_INT(r->status, CMD_EXPIRED);
		CHECK_INT(r->t_wire_ns, 0);
	}
	drain(efd, 100);
	CHECK_INT(get_reg(sv, 1, REG_HOLDING, 0), 0);
	CHECK_INT(server_writes(sv), w0);

	/* Commands for no device of this link are refused. */
	send_cmd(efd, 40, 15, TS_CMD_OPEN_ENTRY, mono_ns() + 2000 * NS_PER_MS);
	r = await_result(efd, mark, 15, 2000);
	CHECK(r != NULL && r->status == CMD_FAILED && r->error[0] != '\0');

	/* The gateway goes away: each device offline after three failed polls. */
	drain(efd, 100);
	mark = nlog;
	server_stop(sv);
	t0 = mono_ns();
	for (i = d0; i <= d2; i++) {
		int k = await(efd, mark, MSG_DEV_STATE, i, 0, 3000);

		CHECK(k >= 0);
		if (k < 0)
			continue;
		CHECK_INT(mlog[k].dev_state.failures, 3);
		CHECK(strstr(mlog[k].dev_state.reason, ": ") != NULL);
		fprintf(stderr, "offline reason: %s\n", mlog[k].dev_state.reason);
	}
	CHECK(mono_ns() - t0 >= 80 * NS_PER_MS);
	CHECK_INT(count(mark, MSG_DEV_STATE, -1, 1), 0);

	/* Offline: a command is answered at once and never kept for later. */
	send_cmd(efd, d0, 16, TS_CMD_OPEN_ENTRY, mono_ns() + 5000 * NS_PER_MS);
	r = await_result(efd, mark, 16, 2000);
	CHECK(r != NULL && r->status == CMD_OFFLINE);
	CHECK_INT(count(mark, MSG_TS_STATUS, -1, -1), 0);

	/* Back: online and a fresh status, and nothing written on the way. */
	mark = nlog;
	q0 = server_nreqs(sv);
	CHECK(tcp_start(sv) == 0);
	for (i = d0; i <= d2; i++) {
		int on = await(efd, mark, MSG_DEV_STATE, i, 1, 3000);
		int st = await(efd, mark, MSG_TS_STATUS, i, -1, 3000);

		CHECK(on >= 0);
		CHECK(st > on);
	}
	drain(efd, 200);
	CHECK_INT(get_reg(sv, 1, REG_HOLDING, 0), 0);
	CHECK_INT(server_writes(sv), w0);
	CHECK(server_nreqs(sv) > q0);

	/* The engine closes its end: the worker stops in order. */
	close(efd);
	CHECK_INT(reap(pid, 3000), 0);
	server_stop(sv);
	server_free(sv);
	return;

out_stop:
	close(efd);
	(void)reap(pid, 0);
	server_stop(sv);
	server_free(sv);
}

/* Two units on an RTU line, one absent, paced at 3.5 characters. */
static void
test_rtu(void)
{
	static struct site_conf site;
	struct server *sv = server_new();
	const struct msg_cmd_result *r;
	struct termios raw;
	char path[128];
	int master, slave, efd = -1, link, d0, d1, d2, k, mark;
	pid_t pid;

	CHECK(sv != NULL);
	if (sv == NULL)
		return;
	memset(&raw, 0, sizeof(raw));
	cfmakeraw(&raw);
	cfsetspeed(&raw, B19200);
	if (openpty(&master, &slave, path, &raw, NULL) == -1) {
		CHECK(!"openpty");
		server_free(sv);
		return;
	}
	fcntl(master, F_SETFD, FD_CLOEXEC);
	fcntl(slave, F_SETFD, FD_CLOEXEC);
	sv->master = master;
	set_reg(sv, 1, REG_INPUT, 0, 1);	/* passing */
	set_reg(sv, 1, REG_INPUT, 1, 100);
	set_reg(sv, 1, REG_INPUT, 2, 200);
	set_reg(sv, 2, REG_INPUT, 0, 2);	/* fault 7 */
	set_reg(sv, 2, REG_INPUT, 1, 65535);
	set_reg(sv, 2, REG_INPUT, 3, 7);
	modbus_mapping_free(sv->map[3]);	/* unit 3 does not answer */
	sv->map[3] = NULL;

	site_init(&site);
	link = site_link_rtu(&site, "bus1", path);
	d0 = site_device(&site, "ts1", link, 1, 0, 50);
	d1 = site_device(&site, "ts2", link, 2, 0, 50);
	d2 = site_device(&site, "ts9", link, 3, 0, 50);

	pid = start_worker(&site, link, &efd, -1);
	CHECK(pid > 0);
	if (pid <= 0)
		goto out;
	atomic_store(&sv->stop, false);
	CHECK(pthread_create(&sv->th, NULL, rtu_server, sv) == 0);

	nlog = 0;
	CHECK(await(efd, 0, MSG_HELLO, -1, -1, 2000) == 0);
	k = await(efd, 0, MSG_TS_STATUS, d0, -1, 3000);
	CHECK(k > find(0, MSG_DEV_STATE, d0, 1));
	if (k >= 0)
		check_status(&mlog[k], TS_PASSING, 100, 200, 0xffff, 0, 1);
	k = await(efd, 0, MSG_TS_STATUS, d1, -1, 3000);
	CHECK(k > find(0, MSG_DEV_STATE, d1, 1));
	if (k >= 0)
		check_status(&mlog[k], TS_FAULT, 65535, 0, 0xffff, 7, 2);
	k = await(efd, 0, MSG_DEV_STATE, d2, 0, 3000);
	CHECK(k >= 0);
	if (k >= 0) {
		CHECK_STR(mlog[k].dev_state.reason,
		    "read input 0x0000: Connection timed out");
		CHECK_INT(mlog[k].dev_state.failures, 3);
	}
	CHECK_INT(count(0, MSG_DEV_STATE, d2, 1), 0);
	CHECK_INT(count(0, MSG_TS_STATUS, d2, -1), 0);

	/* A command on the second unit. */
	mark = nlog;
	send_cmd(efd, d1, 21, TS_CMD_FREE, mono_ns() + 2000 * NS_PER_MS);
	r = await_result(efd, mark, 21, 2000);
	CHECK(r != NULL && r->status == CMD_OK && r->t_wire_ns > 0);
	CHECK_INT(get_reg(sv, 2, REG_HOLDING, 0), 3);
	CHECK_INT(get_reg(sv, 1, REG_HOLDING, 0), 0);

	/* Both units polled in turn; never a frame within 3.5 characters. */
	drain(efd, 300);
	CHECK(server_count(sv, 0, 1, 4, 0, 4) >= 4);
	CHECK(server_count(sv, 0, 2, 4, 0, 4) >= 4);
	CHECK(server_count(sv, 0, 3, 4, 0, 4) >= 2);
	pthread_mutex_lock(&sv->mu);
	{
		int i, last1 = -1, bad = 0;

		/* Between two reads of unit 1 comes one of another unit. */
		for (i = 0; i < sv->nreqs; i++) {
			if (sv->reqs[i].unit != 1 || sv->reqs[i].fc != 4)
				continue;
			if (last1 >= 0 && i == last1 + 1)
				bad++;
			last1 = i;
		}
		CHECK_INT(bad, 0);
		fprintf(stderr, "rtu: %d requests, shortest silence %.3f ms\n",
		    sv->nreqs, (double)sv->min_gap_ns / 1e6);
		CHECK(sv->min_gap_ns >= 38500000000LL / 19200);
	}
	pthread_mutex_unlock(&sv->mu);

	/* SIGTERM: orderly stop. */
	kill(pid, SIGTERM);
	CHECK_INT(reap(pid, 3000), 0);
	close(efd);
	server_stop(sv);
out:
	close(slave);
	close(master);
	server_free(sv);
}

/* An RTU port that is not there: the worker runs, the device goes offline. */
static void
test_rtu_missing(void)
{
	static struct site_conf site;
	int efd = -1, link, d0, k;
	pid_t pid;

	site_init(&site);
	link = site_link_rtu(&site, "bus9", "/nonexistent/ttyLOBBY");
	d0 = site_device(&site, "ts1", link, 1, 0, 20);
	pid = start_worker(&site, link, &efd, -1);
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	nlog = 0;
	CHECK(await(efd, 0, MSG_HELLO, -1, -1, 2000) == 0);
	k = await(efd, 0, MSG_DEV_STATE, d0, 0, 2000);
	CHECK(k >= 0);
	if (k >= 0)
		CHECK_STR(mlog[k].dev_state.reason,
		    "open /nonexistent/ttyLOBBY: No such file or directory");
	close(efd);
	CHECK_INT(reap(pid, 3000), 0);

	/* Settings libmodbus refuses: the worker cannot run, exits 1. */
	site.links[link].parity = 'X';
	pid = start_worker(&site, link, &efd, -1);
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	CHECK_INT(reap(pid, 3000), 1);
	nlog = 0;
	CHECK(take(efd, 100) == -1);	/* EOF, and no HELLO before it */
	CHECK_INT(nlog, 0);
	close(efd);
}

/*
 * The ops on their own, on a port where nothing listens: the command queue
 * and its limit, and the back-off of an offline device.
 */
static void
test_ops_direct(void)
{
	static struct site_conf site;
	struct link l;
	int sv[2], fd, port, i, k, d0;
	int64_t now, next, gap, want;
	int64_t want_gaps[] = { 20, 40, 80, 160, 160 };

	site_init(&site);
	site.offline_after = 2;
	site.backoff_max_ms = 160;
	/* A port nobody listens on: bound and closed again. */
	fd = listen_on(0);
	{
		struct sockaddr_in a;
		socklen_t alen = sizeof(a);

		getsockname(fd, (struct sockaddr *)&a, &alen);
		port = ntohs(a.sin_port);
	}
	close(fd);
	i = site_link_tcp(&site, "dead", port);
	d0 = site_device(&site, "ts1", i, 1, 0, 20);
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);

	memset(&l, 0, sizeof(l));
	l.site = &site;
	l.conf = &site.links[i];
	l.index = i;
	l.engine_fd = sv[1];
	l.ops = link_ops_for(LINK_MODBUS_TCP);
	CHECK(l.ops == &link_modbus_tcp_ops);
	CHECK(link_ops_for(LINK_MODBUS_RTU) == &link_modbus_rtu_ops);
	CHECK_INT(l.ops->open(&l), 0);
	CHECK_INT(l.ops->fd(&l), -1);

	/* Eight wait; the ninth is refused at once. */
	for (i = 0; i < 8; i++) {
		struct msg_cmd c;

		msg_init(&c, MSG_CMD, (uint16_t)d0);
		c.id = (uint32_t)(100 + i);
		c.cmd = TS_CMD_OPEN_ENTRY;
		c.expires_ns = mono_ns() - 1;	/* all stale */
		CHECK_INT(l.ops->command(&l, &c), 0);
	}
	{
		struct msg_cmd c;

		msg_init(&c, MSG_CMD, (uint16_t)d0);
		c.id = 108;
		c.cmd = TS_CMD_LOCK;
		c.expires_ns = mono_ns() + 1000 * NS_PER_MS;
		CHECK_INT(l.ops->command(&l, &c), -1);
		c.id = 109;
		c.cmd = 7;
		CHECK_INT(l.ops->command(&l, &c), -1);
	}
	nlog = 0;
	CHECK_INT(take(sv[0], 100), 1);
	CHECK_INT(mlog[0].cmd_result.id, 108);
	CHECK_INT(mlog[0].cmd_result.status, CMD_FAILED);
	CHECK_STR(mlog[0].cmd_result.error, "queue full");
	CHECK_INT(take(sv[0], 100), 1);
	CHECK_INT(mlog[1].cmd_result.id, 109);
	CHECK_INT(mlog[1].cmd_result.status, CMD_FAILED);

	/* The queue is served first, in order, all of it expired. */
	nlog = 0;
	for (i = 0; i < 8; i++) {
		next = l.ops->service(&l, mono_ns(), 0);
		CHECK(next <= mono_ns());
	}
	for (i = 0; i < 8; i++) {
		CHECK_INT(take(sv[0], 100), 1);
		CHECK_INT(mlog[i].h.type, MSG_CMD_RESULT);
		CHECK_INT(mlog[i].cmd_result.id, 100 + i);
		CHECK_INT(mlog[i].cmd_result.status, CMD_EXPIRED);
	}

	/* Polls fail: at the poll rate, then offline, then doubling to 160 ms. */
	nlog = 0;
	next = l.ops->service(&l, mono_ns(), 0);
	for (k = 0; k < 5; k++) {
		now = mono_ns();
		gap = next - now;
		want = want_gaps[k] * NS_PER_MS;
		/* The first keeps the fixed rate; after it, the back-off. */
		CHECK(gap <= want && (k == 0 || gap > want - 15 * NS_PER_MS));
		if (gap > 0)
			usleep((useconds_t)(gap / 1000));
		while (mono_ns() < next)
			;
		next = l.ops->service(&l, mono_ns(), 0);
	}
	drain(sv[0], 20);
	CHECK_INT(count(0, MSG_DEV_STATE, d0, 0), 1);
	CHECK_INT(count(0, MSG_DEV_STATE, -1, -1), 1);
	k = find(0, MSG_DEV_STATE, d0, 0);
	if (k >= 0) {
		CHECK_INT(mlog[k].dev_state.failures, 2);
		CHECK(strstr(mlog[k].dev_state.reason, "connect 127.0.0.1:") ==
		    mlog[k].dev_state.reason);
		CHECK(strstr(mlog[k].dev_state.reason, "Connection refused") != NULL);
	}
	l.ops->close(&l);
	CHECK(l.priv == NULL);
	close(sv[0]);
	close(sv[1]);
}

int
main(void)
{
	log_init("test_modbus", false);
	test_ops_direct();
	test_tcp();
	test_rtu();
	test_rtu_missing();
	return harness_done("test_modbus");
}
