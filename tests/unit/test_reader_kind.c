/*
 * The reader kind (engine/reader.c) on the real engine: a desk's identity
 * card reader sends identity card reads and nothing else, and no lane's or
 * elevator's reader sends one. A message that does not fit its reader is
 * dropped and counted; it opens nothing and offers the desk nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "engine_support.h"
#include "../../engine/idread.h"
#include "../../engine/reader.h"
#include "../../common/util.h"

static struct engine *e;

/* A read of a well-formed card (GB 11643's own example number). */
static void
idcard_from(int dev)
{
	struct msg_idcard m;

	memset(&m, 0, sizeof(m));
	msg_init(&m, MSG_IDCARD, (uint16_t)dev);
	m.t_ns = mono_ns();
	m.ok = 1;
	str_copy(m.info.name, "张三", sizeof(m.info.name));
	m.info.sex = '1';
	str_copy(m.info.nation, "01", sizeof(m.info.nation));
	str_copy(m.info.birth, "19491231", sizeof(m.info.birth));
	str_copy(m.info.number, "11010519491231002X", sizeof(m.info.number));
	str_copy(m.info.valid_until, "长期", sizeof(m.info.valid_until));
	est_from_worker(est_dev_link(dev), &m);
}

/* A card a lane would open for, from reader dev. */
static void
card_from(int dev, const char *uid)
{
	struct msg_card m;

	memset(&m, 0, sizeof(m));
	msg_init(&m, MSG_CARD, (uint16_t)dev);
	str_copy(m.uid, uid, sizeof(m.uid));
	m.t_frame_ns = mono_ns();
	est_from_worker(est_dev_link(dev), &m);
}

/* Did turnstile dev's worker get OPEN? */
static bool
opened(int link, int dev)
{
	union msg_any m;

	while (est_to_worker(link, &m))
		if (m.h.type == MSG_CMD && m.h.dev == dev && m.cmd.cmd == TS_CMD_OPEN_ENTRY)
			return true;
	return false;
}

static void
test_reads_go_to_the_desk_reader_only(void)
{
	int desk = est_dev("desk-id"), lane_rd = est_dev("rd1-in");
	struct msg_reader_reject rj;
	const struct id_read *r;

	CHECK(desk >= 0 && lane_rd >= 0);
	idcard_from(desk);
	r = idread_last(e, desk);
	CHECK(r != NULL && r->ok && r->number_ok && strcmp(r->name, "张三") == 0);
	CHECK_INT(e->workers[est_dev_link(desk)].bad_msgs, 0);

	/* A garbled reply is the desk reader's to report, as any reader's. */
	memset(&rj, 0, sizeof(rj));
	msg_init(&rj, MSG_READER_REJECT, (uint16_t)desk);
	rj.bytes = 12;
	est_from_worker(est_dev_link(desk), &rj);
	CHECK_INT(reader_state_of(e, desk)->rejects, 1);
	CHECK_INT(e->workers[est_dev_link(desk)].bad_msgs, 0);

	/* A lane's reader has no business reading identity cards. */
	idcard_from(lane_rd);
	CHECK(idread_last(e, lane_rd) == NULL);
	CHECK_INT(e->workers[est_dev_link(lane_rd)].bad_msgs, 1);
}

static void
test_a_card_from_the_desk_reader_opens_nothing(void)
{
	struct card_rec c = { .uid = "0A00123456", .holder = "Test Holder",
	    .enabled = true };
	int desk = est_dev("desk-id"), lane_rd = est_dev("rd1-in");
	int link_ts = est_dev_link(est_dev("ts1"));
	unsigned before = e->workers[est_dev_link(desk)].bad_msgs;

	CHECK(engine_card_put(e, &c) == 0);
	est_dev_state(est_dev("ts1"), true);
	est_ts_status(est_dev("ts1"), TS_IDLE);
	est_drain_worker(link_ts);
	card_from(desk, c.uid);
	CHECK_INT(est_drain_worker(link_ts), 0);
	CHECK_INT(e->workers[est_dev_link(desk)].bad_msgs, before + 1);
	/* The same card at the lane's own reader opens it: the turnstile
	 * was there to be told. */
	card_from(lane_rd, c.uid);
	CHECK(opened(link_ts, est_dev("ts1")));
}

int
main(void)
{
	log_init("test_reader_kind", false);
	if ((e = est_start("readerkind")) == NULL)
		return 1;
	test_reads_go_to_the_desk_reader_only();
	test_a_card_from_the_desk_reader_opens_nothing();
	est_finish();
	return harness_done("test_reader_kind");
}
