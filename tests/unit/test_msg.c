/*
 * drivers/msg.c: sizes are checked on receipt, text is terminated, and a
 * message of the wrong size for its type is refused.
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../drivers/msg.h"
#include "harness.h"

/* m sent through sv and received whole: size bytes, its type and device. */
static void
pass_through(const int sv[2], const void *m, size_t size, union msg_any *in)
{
	const struct msg_hdr *h = m;

	CHECK(msg_send(sv[0], m) == 0);
	CHECK_INT(msg_recv(sv[1], in), size);
	CHECK_INT(in->h.type, h->type);
	CHECK_INT(in->h.dev, h->dev);
}

int
main(void)
{
	union msg_any in;
	struct msg_card card;
	struct msg_cmd cmd;
	int sv[2];

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);

	msg_init(&card, MSG_CARD, 7);
	memcpy(card.uid, "0A0012345600000000000000000000FF", MSG_UID_MAX);	/* no NUL */
	card.t_frame_ns = 42;
	pass_through(sv, &card, sizeof(struct msg_card), &in);
	CHECK_INT(in.card.t_frame_ns, 42);
	CHECK_INT(strlen(in.card.uid), MSG_UID_MAX - 1);

	/* Nothing waiting. */
	CHECK(msg_recv(sv[1], &in) == -1 && errno == EAGAIN);

	/* A command cut short is refused. */
	msg_init(&cmd, MSG_CMD, 1);
	CHECK(send(sv[0], &cmd, sizeof(cmd) - 4, 0) == (ssize_t)sizeof(cmd) - 4);
	CHECK(msg_recv(sv[1], &in) == -1 && errno == EPROTO);

	/* A header that lies about its type is refused. */
	cmd.h.type = MSG_HELLO;
	CHECK(send(sv[0], &cmd, sizeof(cmd), 0) == (ssize_t)sizeof(cmd));
	CHECK(msg_recv(sv[1], &in) == -1 && errno == EPROTO);

	/* An unknown type is refused. */
	cmd.h.type = 999;
	CHECK(send(sv[0], &cmd, sizeof(cmd), 0) == (ssize_t)sizeof(cmd));
	CHECK(msg_recv(sv[1], &in) == -1 && errno == EPROTO);

	/* A datagram larger than any message is refused, not truncated quietly. */
	{
		char big[sizeof(union msg_any) + 16];

		memset(big, 0, sizeof(big));
		((struct msg_hdr *)big)->type = MSG_CARD;
		((struct msg_hdr *)big)->len = sizeof(struct msg_card);
		CHECK(send(sv[0], big, sizeof(big), 0) == (ssize_t)sizeof(big));
		CHECK(msg_recv(sv[1], &in) == -1 && errno == EPROTO);
	}

	/* An intercom status goes through whole, and only at its own size. */
	{
		struct msg_icom_status st;

		msg_init(&st, MSG_ICOM_STATUS, 3);
		st.call = 2;
		st.button = 0;
		st.door = ICOM_BIT_NONE;
		st.raw_call = 7;
		pass_through(sv, &st, sizeof(struct msg_icom_status), &in);
		CHECK_INT(in.icom_status.call, 2);
		CHECK_INT(in.icom_status.door, ICOM_BIT_NONE);
		CHECK_INT(in.icom_status.raw_call, 7);
		CHECK(send(sv[0], &st, sizeof(st) - 1, 0) == (ssize_t)sizeof(st) - 1);
		CHECK(msg_recv(sv[1], &in) == -1 && errno == EPROTO);
	}

	{
		/* Elevator status and an enable with a 64-bit floor mask. */
		struct msg_elev_status st;
		struct msg_cmd c;

		msg_init(&st, MSG_ELEV_STATUS, 5);
		st.floor = -2;
		st.mode = 4 /* out of service */;
		st.trapped = 1;
		st.fault_code = 31;
		pass_through(sv, &st, sizeof(struct msg_elev_status), &in);
		CHECK_INT(in.elev_status.floor, -2);
		CHECK_INT(in.elev_status.mode, 4);
		CHECK_INT(in.elev_status.trapped, 1);
		CHECK_INT(in.elev_status.fault_code, 31);
		CHECK(send(sv[0], &st, sizeof(st) - 4, 0) == (ssize_t)sizeof(st) - 4);
		CHECK(msg_recv(sv[1], &in) == -1 && errno == EPROTO);
		CHECK(msg_size(MSG_ELEV_STATUS) == sizeof(struct msg_elev_status));

		msg_init(&c, MSG_CMD, 5);
		c.cmd = 0;	/* enable */
		c.value = 10000;
		c.floors = UINT64_C(1) << 63 | 0x3a;
		pass_through(sv, &c, sizeof(struct msg_cmd), &in);
		CHECK(in.cmd.floors == (UINT64_C(1) << 63 | 0x3a));
		CHECK_INT(in.cmd.value, 10000);
	}

	/* An identity card read: every text field is terminated on receipt,
	 * whatever the worker (which parsed the card's bytes) sent. */
	{
		struct msg_idcard id;
		const struct idcard_info *got = &in.idcard.info;

		msg_init(&id, MSG_IDCARD, 2);
		id.ok = 1;
		memset(&id.info, 'A', sizeof(id.info));
		memset(id.error, 'B', sizeof(id.error));
		pass_through(sv, &id, sizeof(struct msg_idcard), &in);
		CHECK(strnlen(got->name, sizeof(got->name)) < sizeof(got->name));
		CHECK(strnlen(got->nation, sizeof(got->nation)) < sizeof(got->nation));
		CHECK(strnlen(got->birth, sizeof(got->birth)) < sizeof(got->birth));
		CHECK(strnlen(got->address, sizeof(got->address)) < sizeof(got->address));
		CHECK(strnlen(got->number, sizeof(got->number)) < sizeof(got->number));
		CHECK(strnlen(got->authority, sizeof(got->authority)) <
		    sizeof(got->authority));
		CHECK(strnlen(got->valid_from, sizeof(got->valid_from)) <
		    sizeof(got->valid_from));
		CHECK(strnlen(got->valid_until, sizeof(got->valid_until)) <
		    sizeof(got->valid_until));
		CHECK(strnlen(in.idcard.error, MSG_TEXT_MAX) < MSG_TEXT_MAX);
		CHECK_INT(strlen(got->number), sizeof(got->number) - 1);
	}

	/* EOF when the peer is gone. */
	close(sv[0]);
	CHECK_INT(msg_recv(sv[1], &in), 0);
	close(sv[1]);
	return harness_done("test_msg");
}
