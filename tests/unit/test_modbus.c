/*
 * drivers/modbus.c and drivers/worker.c over Modbus TCP: the link ops on their
 * own, then a worker polling a libmodbus gateway on 127.0.0.1.
 */
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../common/util.h"
#include "../../drivers/link.h"
#include "harness.h"
#include "modbus_support.h"

/* Starts sv's raw server, then link's worker behind it, the log emptied; a
 * worker that did not start is counted a failure. */
static pid_t
start_behind_raw(const struct site_conf *site, int link, struct mbt_server *sv,
    int *efd)
{
	pid_t pid;

	CHECK(mbt_raw_start(sv) == 0);
	pid = mbt_start_worker(site, link, efd, -1);
	CHECK(pid > 0);
	mbt_nlog = 0;
	return pid;
}

/* A new server listening on a free loopback port; NULL if none was made. */
static struct mbt_server *
server_listening(void)
{
	struct mbt_server *sv = mbt_server_new();

	CHECK(sv != NULL);
	if (sv != NULL)
		CHECK(mbt_listen_any(sv) == 0);
	return sv;
}

/* The end of a test: the engine closes its end, the worker stops in order;
 * the server stopped and freed. */
static void
stop_all(int efd, pid_t pid, struct mbt_server *sv)
{
	close(efd);
	CHECK_INT(mbt_reap(pid, 3000), 0);
	mbt_server_stop(sv);
	mbt_server_free(sv);
}

/* Starts link's worker, then sv's TCP server behind it, the log emptied;
 * a worker that did not start is counted a failure and sv is freed. */
static pid_t
start_with_server(const struct site_conf *site, int link, struct mbt_server *sv,
    int *efd)
{
	pid_t pid = mbt_start_worker(site, link, efd, -1);

	CHECK(pid > 0);
	if (pid <= 0) {
		close(sv->lfd);
		mbt_server_free(sv);
		return pid;
	}
	CHECK(mbt_tcp_start(sv) == 0);
	mbt_nlog = 0;
	return pid;
}

/* What the three turnstiles' registers hold at first. */
static const struct {
	int		unit;
	enum reg_table	table;
	int		addr, value;
} tcp_regs[] = {
	/* tripod-a at unit 1: idle, 7 in, 3 out. */
	{ 1, REG_INPUT, 0, 0 }, { 1, REG_INPUT, 1, 7 }, { 1, REG_INPUT, 2, 3 },
	/* gate-b at unit 2: fault 42, u32 counters high word first. */
	{ 2, REG_HOLDING, 100, 9 }, { 2, REG_HOLDING, 101, 42 },
	{ 2, REG_INPUT, 10, 0x0001 }, { 2, REG_INPUT, 11, 0x0002 },
	{ 2, REG_INPUT, 12, 0xffff }, { 2, REG_INPUT, 13, 0xfffe },
	/* wide at unit 3: a state no profile value names. */
	{ 3, REG_INPUT, 0, 5 }, { 3, REG_INPUT, 2, 9 },
	{ 3, REG_INPUT, 130, 0x1234 }, { 3, REG_INPUT, 131, 0x5678 },
};

/* Three turnstiles behind one TCP gateway, one of them switched off and on. */
static void
test_tcp(void)
{
	static struct site_conf site;
	struct mbt_server *sv;
	const struct msg_cmd_result *r;
	int efd = -1, link, d0, d1, d2, i, mark, w0, q0, n0;
	int64_t t0;
	pid_t pid;

	if ((sv = server_listening()) == NULL)
		return;
	for (i = 0; i < (int)NELEM(tcp_regs); i++)
		mbt_set_reg(sv, tcp_regs[i].unit, tcp_regs[i].table,
		    tcp_regs[i].addr, tcp_regs[i].value);

	mbt_site_init(&site);
	link = mbt_site_link_tcp(&site, "gate3", sv->port);
	d0 = mbt_site_device(&site, "ts1", link, 1, 0, 50);
	d1 = mbt_site_device(&site, "ts2", link, 2, 1, 50);
	d2 = mbt_site_device(&site, "ts3", link, 3, 2, 50);

	if ((pid = start_with_server(&site, link, sv, &efd)) <= 0)
		return;
	CHECK(mbt_await(efd, 0, MSG_HELLO, -1, -1, 2000) == 0);
	CHECK_INT(mbt_log[0].hello.pid, pid);

	/* Each device: online, then its status. */
	for (i = d0; i <= d2; i++) {
		int on = mbt_await(efd, 0, MSG_DEV_STATE, i, 1, 2000);
		int st = mbt_await(efd, 0, MSG_TS_STATUS, i, -1, 2000);

		CHECK(on > 0);
		CHECK(st > on);
		if (st < 0)
			goto out_stop;	/* nothing below could pass */
	}
	mbt_check_status(&mbt_log[mbt_find(0, MSG_TS_STATUS, d0, -1)], TS_IDLE, 7, 3,
	    0xffff, 0, 0);
	mbt_check_status(&mbt_log[mbt_find(0, MSG_TS_STATUS, d1, -1)], TS_FAULT,
	    0x00010002, 0xfffffffe, 0xffffffff, 42, 9);
	mbt_check_status(&mbt_log[mbt_find(0, MSG_TS_STATUS, d2, -1)], TS_UNKNOWN,
	    0x12345678, 9, 0xffff, 0, 5);

	/* Covering reads: one per table, split where the points lie far apart. */
	CHECK(mbt_server_count(sv, 0, 1, 4, 0, 4) >= 1);
	CHECK_INT(mbt_server_count(sv, 0, 1, -1, 0, 0), mbt_server_count(sv, 0, 1, 4, 0, 4));
	CHECK(mbt_server_count(sv, 0, 2, 3, 100, 2) >= 1);
	CHECK(mbt_server_count(sv, 0, 2, 4, 10, 4) >= 1);
	CHECK(mbt_server_count(sv, 0, 3, 4, 0, 3) >= 1);
	CHECK(mbt_server_count(sv, 0, 3, 4, 130, 2) >= 1);
	CHECK_INT(mbt_server_count(sv, 0, 3, -1, 0, 0),
	    mbt_server_count(sv, 0, 3, 4, 0, 3) + mbt_server_count(sv, 0, 3, 4, 130, 2));

	/* Unchanged polls say nothing, at a steady 50 ms; only the heartbeat
	 * (MSG_HELLO, every MSG_HEARTBEAT_MS) says the worker lives. */
	mbt_drain(efd, 100);
	mark = mbt_nlog;
	q0 = mbt_server_count(sv, 0, 1, -1, 0, 0);
	mbt_drain(efd, 1100);
	{
		int hello = 0, other = 0;

		for (i = mark; i < mbt_nlog; i++) {
			if (mbt_log[i].h.type == MSG_HELLO)
				hello++;
			else
				other++;
		}
		CHECK_INT(other, 0);
		CHECK(hello >= 1 && hello <= 3);
	}
	n0 = mbt_server_count(sv, 0, 1, -1, 0, 0) - q0;
	CHECK(n0 >= 14 && n0 <= 24);

	/* A change shows once. */
	mark = mbt_nlog;
	mbt_set_regs(sv, 2, (const struct mbt_reg[]){ { REG_HOLDING, 100, 2 },
	    { REG_INPUT, 11, 0x0003 } }, 2);
	i = mbt_await(efd, mark, MSG_TS_STATUS, d1, -1, 1000);
	CHECK(i >= 0);
	if (i >= 0)
		mbt_check_status(&mbt_log[i], TS_PASSING, 0x00010003, 0xfffffffe,
		    0xffffffff, 42, 2);
	mbt_drain(efd, 200);
	CHECK_INT(mbt_count(mark, MSG_TS_STATUS, d1, -1), 1);
	CHECK_INT(mbt_count(mark, MSG_TS_STATUS, -1, -1), 1);

	/* Commands: a holding register, then coils on and off. */
	mark = mbt_nlog;
	w0 = mbt_server_writes(sv);
	t0 = mono_ns();
	mbt_send_cmd(efd, d0, 11, TS_CMD_OPEN_EXIT, t0 + 2000 * NS_PER_MS);
	r = mbt_await_result(efd, mark, 11, 2000);
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
	CHECK_INT(mbt_get_reg(sv, 1, REG_HOLDING, 0), 2);
	CHECK_INT(mbt_server_writes(sv), w0 + 1);

	mbt_send_cmd(efd, d1, 12, TS_CMD_FREE, mono_ns() + 2000 * NS_PER_MS);
	r = mbt_await_result(efd, mark, 12, 2000);
	CHECK(r != NULL && r->status == CMD_OK);
	CHECK_INT(mbt_get_reg(sv, 2, REG_COIL, 2), 1);
	mbt_send_cmd(efd, d1, 13, TS_CMD_LOCK, mono_ns() + 2000 * NS_PER_MS);
	r = mbt_await_result(efd, mark, 13, 2000);
	CHECK(r != NULL && r->status == CMD_OK);
	CHECK_INT(mbt_get_reg(sv, 2, REG_COIL, 2), 0);
	CHECK_INT(mbt_server_writes(sv), w0 + 3);

	/* A command past its time is not written. */
	mbt_set_reg(sv, 1, REG_HOLDING, 0, 0);
	w0 = mbt_server_writes(sv);
	mbt_send_cmd(efd, d0, 14, TS_CMD_OPEN_ENTRY, mono_ns() - 1);
	r = mbt_await_result(efd, mark, 14, 2000);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_INT(r->status, CMD_EXPIRED);
		CHECK_INT(r->t_wire_ns, 0);
	}
	mbt_drain(efd, 100);
	CHECK_INT(mbt_get_reg(sv, 1, REG_HOLDING, 0), 0);
	CHECK_INT(mbt_server_writes(sv), w0);

	/* Commands for no device of this link are refused. */
	mbt_send_cmd(efd, 40, 15, TS_CMD_OPEN_ENTRY, mono_ns() + 2000 * NS_PER_MS);
	r = mbt_await_result(efd, mark, 15, 2000);
	CHECK(r != NULL && r->status == CMD_FAILED && r->error[0] != '\0');

	/* The gateway goes away: each device offline after three failed polls. */
	mbt_drain(efd, 100);
	mark = mbt_nlog;
	mbt_server_stop(sv);
	t0 = mono_ns();
	for (i = d0; i <= d2; i++) {
		int k = mbt_await(efd, mark, MSG_DEV_STATE, i, 0, 3000);

		CHECK(k >= 0);
		if (k < 0)
			continue;
		CHECK_INT(mbt_log[k].dev_state.failures, 3);
		CHECK(strstr(mbt_log[k].dev_state.reason, ": ") != NULL);
		fprintf(stderr, "offline reason: %s\n", mbt_log[k].dev_state.reason);
	}
	CHECK(mono_ns() - t0 >= 80 * NS_PER_MS);
	CHECK_INT(mbt_count(mark, MSG_DEV_STATE, -1, 1), 0);

	/* Offline: a command is answered at once and never kept for later. */
	mbt_send_cmd(efd, d0, 16, TS_CMD_OPEN_ENTRY, mono_ns() + 5000 * NS_PER_MS);
	r = mbt_await_result(efd, mark, 16, 2000);
	CHECK(r != NULL && r->status == CMD_OFFLINE);
	CHECK_INT(mbt_count(mark, MSG_TS_STATUS, -1, -1), 0);

	/* Back: online and a fresh status, and nothing written on the way. */
	mark = mbt_nlog;
	q0 = mbt_server_nreqs(sv);
	CHECK(mbt_tcp_start(sv) == 0);
	for (i = d0; i <= d2; i++) {
		int on = mbt_await(efd, mark, MSG_DEV_STATE, i, 1, 3000);
		int st = mbt_await(efd, mark, MSG_TS_STATUS, i, -1, 3000);

		CHECK(on >= 0);
		CHECK(st > on);
	}
	mbt_drain(efd, 200);
	CHECK_INT(mbt_get_reg(sv, 1, REG_HOLDING, 0), 0);
	CHECK_INT(mbt_server_writes(sv), w0);
	CHECK(mbt_server_nreqs(sv) > q0);

	stop_all(efd, pid, sv);
	return;

out_stop:
	close(efd);
	(void)mbt_reap(pid, 0);
	mbt_server_stop(sv);
	mbt_server_free(sv);
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

	mbt_site_init(&site);
	site.offline_after = 2;
	site.backoff_max_ms = 160;
	/* A port nobody listens on: bound and closed again. */
	fd = mbt_listen_on(0);
	{
		struct sockaddr_in a;
		socklen_t alen = sizeof(a);

		getsockname(fd, (struct sockaddr *)&a, &alen);
		port = ntohs(a.sin_port);
	}
	close(fd);
	i = mbt_site_link_tcp(&site, "dead", port);
	d0 = mbt_site_device(&site, "ts1", i, 1, 0, 20);
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);

	memset(&l, 0, sizeof(l));
	l.site = &site;
	l.conf = &site.links[i];
	l.index = i;
	l.engine_fd = sv[1];
	l.ops = link_ops_for(LINK_MODBUS_TCP);
	CHECK(l.ops == &link_modbus_ops);
	CHECK(link_ops_for(LINK_MODBUS_RTU) == &link_modbus_ops);
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
	mbt_nlog = 0;
	CHECK_INT(mbt_take(sv[0], 100), 1);
	CHECK_INT(mbt_log[0].cmd_result.id, 108);
	CHECK_INT(mbt_log[0].cmd_result.status, CMD_FAILED);
	CHECK_STR(mbt_log[0].cmd_result.error, "queue full");
	CHECK_INT(mbt_take(sv[0], 100), 1);
	CHECK_INT(mbt_log[1].cmd_result.id, 109);
	CHECK_INT(mbt_log[1].cmd_result.status, CMD_FAILED);

	/* The queue is served first, in order, all of it expired. */
	mbt_nlog = 0;
	for (i = 0; i < 8; i++) {
		next = l.ops->service(&l, mono_ns(), 0);
		CHECK(next <= mono_ns());
	}
	for (i = 0; i < 8; i++) {
		CHECK_INT(mbt_take(sv[0], 100), 1);
		CHECK_INT(mbt_log[i].h.type, MSG_CMD_RESULT);
		CHECK_INT(mbt_log[i].cmd_result.id, 100 + i);
		CHECK_INT(mbt_log[i].cmd_result.status, CMD_EXPIRED);
	}

	/* Polls fail: at the poll rate, then offline, then doubling to 160 ms. */
	mbt_nlog = 0;
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
	mbt_drain(sv[0], 20);
	CHECK_INT(mbt_count(0, MSG_DEV_STATE, d0, 0), 1);
	CHECK_INT(mbt_count(0, MSG_DEV_STATE, -1, -1), 1);
	k = mbt_find(0, MSG_DEV_STATE, d0, 0);
	if (k >= 0) {
		CHECK_INT(mbt_log[k].dev_state.failures, 2);
		CHECK(strstr(mbt_log[k].dev_state.reason, "connect 127.0.0.1:") ==
		    mbt_log[k].dev_state.reason);
		CHECK(strstr(mbt_log[k].dev_state.reason, "Connection refused") != NULL);
	}
	l.ops->close(&l);
	CHECK(l.priv == NULL);
	close(sv[0]);
	close(sv[1]);
}


/* The input at index k of the log, or NULL: dev's MSG_INPUT from `from`. */
static const struct msg_input *
input_msg_at(int k)
{
	return k >= 0 ? &mbt_log[k].input : NULL;
}

/*
 * Contact inputs on a Modbus TCP unit: a discrete input read as it is and a
 * holding register read active low; MSG_INPUT on the first read and on each
 * change only; no command taken; a fresh first read after an outage.
 */
static void
test_inputs(void)
{
	static struct site_conf site;
	struct mbt_server *sv;
	const struct msg_cmd_result *r;
	const struct msg_input *in;
	int efd = -1, link, d0, d1, mark;
	pid_t pid;

	if ((sv = server_listening()) == NULL)
		return;
	mbt_set_reg(sv, 1, REG_DISCRETE, 5, 0);
	mbt_set_reg(sv, 2, REG_HOLDING, 7, 1);	/* active low: inactive */
	mbt_site_init(&site);
	link = mbt_site_link_tcp(&site, "io", sv->port);
	d0 = mbt_site_device(&site, "fire", link, 1, -1, 30);
	d1 = mbt_site_device(&site, "door", link, 2, -1, 30);
	site.devices[d0].kind = DEV_INPUT;
	site.devices[d0].function = IN_FIRE;
	site.devices[d0].point = (struct reg_point){ .set = true,
	    .table = REG_DISCRETE, .addr = 5, .width = 1 };
	site.devices[d1].kind = DEV_INPUT;
	site.devices[d1].function = IN_DOOR;
	site.devices[d1].active_low = true;
	site.devices[d1].point = (struct reg_point){ .set = true,
	    .table = REG_HOLDING, .addr = 7, .width = 16 };

	if ((pid = start_with_server(&site, link, sv, &efd)) <= 0)
		return;
	CHECK(mbt_await(efd, 0, MSG_DEV_STATE, d0, 1, 2000) >= 0);
	CHECK(mbt_await(efd, 0, MSG_DEV_STATE, d1, 1, 2000) >= 0);
	in = input_msg_at(mbt_await(efd, 0, MSG_INPUT, d0, -1, 2000));
	CHECK(in != NULL && in->active == 0 && in->t_ns > 0);
	in = input_msg_at(mbt_await(efd, 0, MSG_INPUT, d1, -1, 2000));
	CHECK(in != NULL && in->active == 0);
	CHECK(mbt_server_count(sv, 0, 1, 2, 5, 1) > 0);	/* read discrete inputs */
	CHECK(mbt_server_count(sv, 0, 2, 3, 7, 1) > 0);	/* read holding */

	/* Quiet polls send nothing more. */
	mark = mbt_nlog;
	mbt_drain(efd, 300);
	CHECK_INT(mbt_count(mark, MSG_INPUT, -1, -1), 0);

	mark = mbt_nlog;
	mbt_set_reg(sv, 1, REG_DISCRETE, 5, 1);
	in = input_msg_at(mbt_await(efd, mark, MSG_INPUT, d0, -1, 2000));
	CHECK(in != NULL && in->active == 1);
	mbt_set_reg(sv, 2, REG_HOLDING, 7, 0);	/* active low: active */
	in = input_msg_at(mbt_await(efd, mark, MSG_INPUT, d1, -1, 2000));
	CHECK(in != NULL && in->active == 1);
	mbt_drain(efd, 200);
	CHECK_INT(mbt_count(mark, MSG_INPUT, -1, -1), 2);

	/* An input takes no command. */
	mbt_send_cmd(efd, d0, 7, TS_CMD_FREE, mono_ns() + 5000 * NS_PER_MS);
	r = mbt_await_result(efd, mark, 7, 2000);
	CHECK(r != NULL && r->status == CMD_FAILED);
	CHECK_INT(mbt_server_writes(sv), 0);

	/* Gone, and back: offline, then a first read again. */
	mark = mbt_nlog;
	mbt_server_stop(sv);
	CHECK(mbt_await(efd, mark, MSG_DEV_STATE, d0, 0, 3000) >= 0);
	CHECK_INT(mbt_count(mark, MSG_INPUT, -1, -1), 0);
	mark = mbt_nlog;
	CHECK(mbt_tcp_start(sv) == 0);
	CHECK(mbt_await(efd, mark, MSG_DEV_STATE, d0, 1, 6000) >= 0);
	in = input_msg_at(mbt_await(efd, mark, MSG_INPUT, d0, -1, 3000));
	CHECK(in != NULL && in->active == 1);
	stop_all(efd, pid, sv);
}

/*
 * Behind one gateway, a unit that trickles its reply a byte every 400 ms
 * (each byte well within libmodbus's byte timeout) next to a healthy
 * turnstile: the slow one is offline with its own reason within its own
 * deadline (deadline_ms 150, the link's timeout is 200), and the turnstile
 * goes on being polled and commanded; the worker's heartbeat never stops.
 */
static void
test_trickle(void)
{
	static struct site_conf site;
	struct mbt_server *sv;
	const struct msg_cmd_result *r;
	int efd = -1, link, d0, d3, k, mark, q0, polls;
	int64_t t0;
	pid_t pid;

	if ((sv = server_listening()) == NULL || sv->lfd < 0)
		return;
	sv->fault[3] = MBT_FAULT_TRICKLE;
	sv->trickle_ms = 400;
	mbt_set_reg(sv, 1, REG_INPUT, 1, 5);
	mbt_site_init(&site);
	link = mbt_site_link_tcp(&site, "gw", sv->port);
	d3 = mbt_site_device(&site, "slow", link, 3, 0, 50);
	site.devices[d3].deadline_ms = 150;
	d0 = mbt_site_device(&site, "ts1", link, 1, 0, 50);
	if ((pid = start_behind_raw(&site, link, sv, &efd)) <= 0)
		goto out_server;
	t0 = mono_ns();
	k = mbt_await(efd, 0, MSG_DEV_STATE, d3, 0, 3000);
	CHECK(k >= 0);
	if (k >= 0) {
		CHECK_STR(mbt_log[k].dev_state.reason, "unit 3: read input "
		    "0x0000: no complete reply within 150 ms (1 byte)");
		CHECK_INT(mbt_log[k].dev_state.failures, 3);
		/* Three polls, each given up at its deadline. */
		CHECK(mono_ns() - t0 < 1000 * NS_PER_MS);
	}
	k = mbt_await(efd, 0, MSG_TS_STATUS, d0, -1, 2000);
	CHECK(k > mbt_find(0, MSG_DEV_STATE, d0, 1));
	if (k < 0)
		goto out_worker;

	/* Two seconds on: the turnstile polled all along, the slow unit
	 * tried at its back-off, the heartbeat on time. */
	mark = mbt_nlog;
	q0 = mbt_server_nreqs(sv);
	polls = mbt_server_count(sv, 0, 1, -1, 0, 0);
	mbt_drain(efd, 2000);
	polls = mbt_server_count(sv, 0, 1, -1, 0, 0) - polls;
	fprintf(stderr, "trickle: %d polls of the healthy unit in 2 s, %d of "
	    "the slow one\n", polls, mbt_server_nreqs(sv) - q0 - polls);
	CHECK(polls >= 15);
	CHECK(mbt_server_count(sv, 0, 3, -1, 0, 0) > 3);
	CHECK(mbt_count(mark, MSG_HELLO, -1, -1) >= 3);
	CHECK_INT(mbt_count(0, MSG_DEV_STATE, d0, 0), 0);
	CHECK_INT(mbt_count(0, MSG_DEV_STATE, d3, 1), 0);

	/* A command reaches the turnstile within a deadline of the slow unit. */
	mark = mbt_nlog;
	t0 = mono_ns();
	mbt_send_cmd(efd, d0, 31, TS_CMD_OPEN_ENTRY, t0 + 2000 * NS_PER_MS);
	r = mbt_await_result(efd, mark, 31, 2000);
	CHECK(r != NULL && r->status == CMD_OK);
	if (r != NULL)
		CHECK(r->t_wire_ns - t0 < 250 * NS_PER_MS);
	CHECK_INT(mbt_get_reg(sv, 1, REG_HOLDING, 0), 1);

out_worker:
	close(efd);
	CHECK_INT(mbt_reap(pid, 3000), 0);
out_server:
	mbt_server_stop(sv);
	mbt_server_free(sv);
}

/*
 * Replies that libmodbus 3.1.6 takes as good: another unit id, protocol id
 * 1, MBAP length 0 or 0xFFFF. Each unit that sends one is offline with the
 * fault as its reason, never online; its neighbour is not disturbed.
 */
static void
test_bad_replies(void)
{
	static const struct {
		int		unit;
		enum mbt_fault	fault;
		const char	*reason;
	} rows[] = {
		{ 4, MBT_FAULT_WRONG_UNIT, "unit 4: read input 0x0000: bad reply: "
		    "unit id 14, asked 4" },
		{ 5, MBT_FAULT_WRONG_PROTO, "unit 5: read input 0x0000: bad "
		    "reply: protocol id 1, not 0 (Modbus)" },
		{ 6, MBT_FAULT_LEN0, "unit 6: read input 0x0000: bad reply: "
		    "MBAP length 0" },
		{ 7, MBT_FAULT_LENFFFF, "unit 7: read input 0x0000: bad reply: "
		    "MBAP length 65535" },
	};
	enum { NROWS = sizeof(rows) / sizeof(rows[0]) };
	static struct site_conf site;
	struct mbt_server *sv;
	int efd = -1, link, d0, dev[NROWS], i, k, polls;
	pid_t pid;

	if ((sv = server_listening()) == NULL || sv->lfd < 0)
		return;
	mbt_site_init(&site);
	link = mbt_site_link_tcp(&site, "gw", sv->port);
	for (i = 0; i < NROWS; i++) {
		sv->fault[rows[i].unit] = (uint8_t)rows[i].fault;
		dev[i] = mbt_site_device(&site, "bad", link, rows[i].unit, 0, 50);
	}
	d0 = mbt_site_device(&site, "ts1", link, 1, 0, 50);
	if ((pid = start_behind_raw(&site, link, sv, &efd)) <= 0)
		goto out_server;
	for (i = 0; i < NROWS; i++) {
		k = mbt_await(efd, 0, MSG_DEV_STATE, dev[i], 0, 3000);
		if (k < 0) {
			fprintf(stderr, "unit %d: not offline\n", rows[i].unit);
			CHECK(k >= 0);
			continue;
		}
		CHECK_STR(mbt_log[k].dev_state.reason, rows[i].reason);
	}
	CHECK(mbt_await(efd, 0, MSG_TS_STATUS, d0, -1, 2000) >= 0);
	polls = mbt_server_count(sv, 0, 1, -1, 0, 0);
	mbt_drain(efd, 500);
	CHECK(mbt_server_count(sv, 0, 1, -1, 0, 0) - polls >= 5);
	for (i = 0; i < NROWS; i++)
		CHECK_INT(mbt_count(0, MSG_DEV_STATE, dev[i], 1), 0);
	CHECK_INT(mbt_count(0, MSG_DEV_STATE, d0, 0), 0);

	close(efd);
	CHECK_INT(mbt_reap(pid, 3000), 0);
out_server:
	mbt_server_stop(sv);
	mbt_server_free(sv);
}

int
main(void)
{
	log_init("test_modbus", false);
	test_ops_direct();
	test_tcp();
	test_inputs();
	test_trickle();
	test_bad_replies();
	return harness_done("test_modbus");
}
