/*
 * drivers/modbus.c and drivers/worker.c over Modbus RTU: a worker against
 * libmodbus units on a pseudo-terminal, and RTU ports that cannot be used.
 */
#include <fcntl.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdatomic.h>
#include <termios.h>
#include <unistd.h>

#include "../../common/util.h"
#include "../../drivers/link.h"
#include "harness.h"
#include "modbus_support.h"

/* Two units on an RTU line, one absent, paced at 3.5 characters. */
static void
test_rtu(void)
{
	static struct site_conf site;
	struct mbt_server *sv = mbt_server_new();
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
		mbt_server_free(sv);
		return;
	}
	fcntl(master, F_SETFD, FD_CLOEXEC);
	fcntl(slave, F_SETFD, FD_CLOEXEC);
	sv->master = master;
	mbt_set_reg(sv, 1, REG_INPUT, 0, 1);	/* passing */
	mbt_set_reg(sv, 1, REG_INPUT, 1, 100);
	mbt_set_reg(sv, 1, REG_INPUT, 2, 200);
	mbt_set_reg(sv, 2, REG_INPUT, 0, 2);	/* fault 7 */
	mbt_set_reg(sv, 2, REG_INPUT, 1, 65535);
	mbt_set_reg(sv, 2, REG_INPUT, 3, 7);
	modbus_mapping_free(sv->map[3]);	/* unit 3 does not answer */
	sv->map[3] = NULL;

	mbt_site_init(&site);
	link = mbt_site_link_rtu(&site, "bus1", path);
	d0 = mbt_site_device(&site, "ts1", link, 1, 0, 50);
	d1 = mbt_site_device(&site, "ts2", link, 2, 0, 50);
	d2 = mbt_site_device(&site, "ts9", link, 3, 0, 50);

	pid = mbt_start_worker(&site, link, &efd, -1);
	CHECK(pid > 0);
	if (pid <= 0)
		goto out;
	atomic_store(&sv->stop, false);
	CHECK(pthread_create(&sv->th, NULL, mbt_rtu_server, sv) == 0);

	mbt_nlog = 0;
	CHECK(mbt_await(efd, 0, MSG_HELLO, -1, -1, 2000) == 0);
	k = mbt_await(efd, 0, MSG_TS_STATUS, d0, -1, 3000);
	CHECK(k > mbt_find(0, MSG_DEV_STATE, d0, 1));
	if (k >= 0)
		mbt_check_status(&mbt_log[k], TS_PASSING, 100, 200, 0xffff, 0, 1);
	k = mbt_await(efd, 0, MSG_TS_STATUS, d1, -1, 3000);
	CHECK(k > mbt_find(0, MSG_DEV_STATE, d1, 1));
	if (k >= 0)
		mbt_check_status(&mbt_log[k], TS_FAULT, 65535, 0, 0xffff, 7, 2);
	k = mbt_await(efd, 0, MSG_DEV_STATE, d2, 0, 3000);
	CHECK(k >= 0);
	if (k >= 0) {
		CHECK_STR(mbt_log[k].dev_state.reason,
		    "unit 3: read input 0x0000: no reply within 100 ms");
		CHECK_INT(mbt_log[k].dev_state.failures, 3);
	}
	CHECK_INT(mbt_count(0, MSG_DEV_STATE, d2, 1), 0);
	CHECK_INT(mbt_count(0, MSG_TS_STATUS, d2, -1), 0);

	/* A command on the second unit. */
	mark = mbt_nlog;
	mbt_send_cmd(efd, d1, 21, TS_CMD_FREE, mono_ns() + 2000 * NS_PER_MS);
	r = mbt_await_result(efd, mark, 21, 2000);
	CHECK(r != NULL && r->status == CMD_OK && r->t_wire_ns > 0);
	CHECK_INT(mbt_get_reg(sv, 2, REG_HOLDING, 0), 3);
	CHECK_INT(mbt_get_reg(sv, 1, REG_HOLDING, 0), 0);

	/* Both units polled in turn; never a frame within 3.5 characters. */
	mbt_drain(efd, 300);
	CHECK(mbt_server_count(sv, 0, 1, 4, 0, 4) >= 4);
	CHECK(mbt_server_count(sv, 0, 2, 4, 0, 4) >= 4);
	CHECK(mbt_server_count(sv, 0, 3, 4, 0, 4) >= 2);
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
	CHECK_INT(mbt_reap(pid, 3000), 0);
	close(efd);
	mbt_server_stop(sv);
out:
	close(slave);
	close(master);
	mbt_server_free(sv);
}

/* An RTU port that is not there: the worker runs, the device goes offline. */
static void
test_rtu_missing(void)
{
	static struct site_conf site;
	int efd = -1, link, d0, k;
	pid_t pid;

	mbt_site_init(&site);
	link = mbt_site_link_rtu(&site, "bus9", "/nonexistent/ttyLOBBY");
	d0 = mbt_site_device(&site, "ts1", link, 1, 0, 20);
	pid = mbt_start_worker(&site, link, &efd, -1);
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	mbt_nlog = 0;
	CHECK(mbt_await(efd, 0, MSG_HELLO, -1, -1, 2000) == 0);
	k = mbt_await(efd, 0, MSG_DEV_STATE, d0, 0, 2000);
	CHECK(k >= 0);
	if (k >= 0)
		CHECK_STR(mbt_log[k].dev_state.reason,
		    "open /nonexistent/ttyLOBBY: No such file or directory");
	close(efd);
	CHECK_INT(mbt_reap(pid, 3000), 0);

	/* Settings libmodbus refuses: the worker cannot run, exits 1. */
	site.links[link].parity = 'X';
	pid = mbt_start_worker(&site, link, &efd, -1);
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	CHECK_INT(mbt_reap(pid, 3000), 1);
	mbt_nlog = 0;
	CHECK(mbt_take(efd, 100) == -1);	/* EOF, and no HELLO before it */
	CHECK_INT(mbt_nlog, 0);
	close(efd);
}


int
main(void)
{
	log_init("test_modbus_rtu", false);
	test_rtu();
	test_rtu_missing();
	return harness_done("test_modbus_rtu");
}
