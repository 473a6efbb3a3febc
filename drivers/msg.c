/*
 * Sending and checking engine<->worker messages.
 */
#include "msg.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

size_t
msg_size(unsigned type)
{
	switch (type) {
	case MSG_HELLO:		return sizeof(struct msg_hello);
	case MSG_DEV_STATE:	return sizeof(struct msg_dev_state);
	case MSG_TS_STATUS:	return sizeof(struct msg_ts_status);
	case MSG_CARD:		return sizeof(struct msg_card);
	case MSG_READER_REJECT:	return sizeof(struct msg_reader_reject);
	case MSG_CMD:		return sizeof(struct msg_cmd);
	case MSG_CMD_RESULT:	return sizeof(struct msg_cmd_result);
	case MSG_INPUT:		return sizeof(struct msg_input);
	case MSG_ICOM_STATUS:	return sizeof(struct msg_icom_status);
	case MSG_ELEV_STATUS:	return sizeof(struct msg_elev_status);
	case MSG_IDCARD:	return sizeof(struct msg_idcard);
	default:		return 0;
	}
}

void
msg_init(void *msg, enum msg_type type, uint16_t dev)
{
	struct msg_hdr *h = msg;
	size_t size = msg_size(type);

	memset(msg, 0, size);
	h->type = (uint16_t)type;
	h->len = (uint16_t)size;
	h->dev = dev;
}

int
msg_send(int fd, const void *msg)
{
	const struct msg_hdr *h = msg;
	ssize_t n;

	do {
		n = send(fd, msg, h->len, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != h->len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

ssize_t
msg_recv(int fd, union msg_any *out)
{
	ssize_t n;
	size_t want;

	do {
		n = recv(fd, out, sizeof(*out), MSG_DONTWAIT | MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n;
	if ((size_t)n < sizeof(struct msg_hdr) || (size_t)n > sizeof(*out)) {
		errno = EPROTO;
		return -1;
	}
	want = msg_size(out->h.type);
	if (want == 0 || want != (size_t)n || out->h.len != want) {
		errno = EPROTO;
		return -1;
	}
	/* Text fields are the sender's; terminate them here, whatever it sent. */
	switch (out->h.type) {
	case MSG_DEV_STATE:
		out->dev_state.reason[MSG_TEXT_MAX - 1] = '\0';
		break;
	case MSG_CARD:
		out->card.uid[MSG_UID_MAX - 1] = '\0';
		break;
	case MSG_CMD_RESULT:
		out->cmd_result.error[MSG_TEXT_MAX - 1] = '\0';
		break;
	case MSG_IDCARD: {
		struct idcard_info *i = &out->idcard.info;

#define TERMINATE(a)	((a)[sizeof(a) - 1] = '\0')
		TERMINATE(i->name);
		TERMINATE(i->nation);
		TERMINATE(i->birth);
		TERMINATE(i->address);
		TERMINATE(i->number);
		TERMINATE(i->authority);
		TERMINATE(i->valid_from);
		TERMINATE(i->valid_until);
#undef TERMINATE
		out->idcard.error[MSG_TEXT_MAX - 1] = '\0';
		break;
	}
	}
	return n;
}
