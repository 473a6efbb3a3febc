/*
 * Fuzzes msg_recv() (drivers/msg.c) with datagrams a confused or hostile
 * worker could send over the engine's SOCK_SEQPACKET socketpair: it takes a
 * message exactly when it has a known type and that type's size in both the
 * datagram and the header, delivers it unchanged, and terminates its text.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../drivers/msg.h"

#define FAIL(...) do { fprintf(stderr, "fuzz_msg: " __VA_ARGS__); \
	fputc('\n', stderr); abort(); } while (0)

static int sv[2] = { -1, -1 };

static void
check(const uint8_t *d, size_t len)
{
	union msg_any m;
	struct msg_hdr h = { 0 };
	size_t want;
	bool valid;
	ssize_t n;

	if (send(sv[0], d, len, MSG_DONTWAIT) != (ssize_t)len)
		return;		/* too big for the socket: never reaches it */
	memcpy(&h, d, len < sizeof(h) ? len : sizeof(h));
	want = msg_size(h.type);
	valid = len >= sizeof(h) && want != 0 && want == len && h.len == len;
	memset(&m, 0xa5, sizeof(m));
	n = msg_recv(sv[1], &m);
	if (len == 0 && n == 0)
		return;		/* an empty datagram reads as EOF */
	if (!valid) {
		if (n != -1 || errno != EPROTO)
			FAIL("a %zu-byte datagram of type %u, len %u: %zd (%s)",
			    len, h.type, h.len, n, strerror(errno));
		return;
	}
	if (n != (ssize_t)len)
		FAIL("a valid %zu-byte message of type %u: %zd (%s)", len,
		    h.type, n, strerror(errno));
	switch (h.type) {
	case MSG_DEV_STATE:
		if (m.dev_state.reason[MSG_TEXT_MAX - 1] != '\0')
			FAIL("reason not terminated");
		m.dev_state.reason[MSG_TEXT_MAX - 1] = (char)d[len - 1];
		break;
	case MSG_CARD:
		if (m.card.uid[MSG_UID_MAX - 1] != '\0')
			FAIL("uid not terminated");
		m.card.uid[MSG_UID_MAX - 1] = (char)d[len - 1];
		break;
	case MSG_CMD_RESULT:
		if (m.cmd_result.error[MSG_TEXT_MAX - 1] != '\0')
			FAIL("error not terminated");
		m.cmd_result.error[MSG_TEXT_MAX - 1] = (char)d[len - 1];
		break;
	case MSG_IDCARD: {
		/* Each text field's last byte: terminated by the receiver, put
		 * back as sent for the comparison below. */
#define IDC(f)	{ offsetof(struct msg_idcard, f), sizeof(((struct msg_idcard *)0)->f) }
		static const struct { size_t off, size; } f[] = {
			IDC(info.name), IDC(info.nation), IDC(info.birth),
			IDC(info.address), IDC(info.number), IDC(info.authority),
			IDC(info.valid_from), IDC(info.valid_until), IDC(error),
		};
#undef IDC
		unsigned char *mb = (unsigned char *)&m;

		for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
			size_t last = f[k].off + f[k].size - 1;

			if (mb[last] != '\0')
				FAIL("identity card field at %zu not terminated", f[k].off);
			mb[last] = d[last];
		}
		break;
	}
	}
	/* The text fields are last in their structs: the rest is as sent. */
	if (memcmp(&m, d, len) != 0)
		FAIL("message of type %u changed on the way", h.type);
}

/* Input: datagrams, each a length byte (0xff: as long as the message of
 * the type in the next two bytes) and its bytes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[sizeof(union msg_any) + 64];
	size_t i = 0, len;

	if (sv[0] < 0 && socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		FAIL("socketpair: %s", strerror(errno));
	while (i < size) {
		len = data[i++];
		if (len == 0xff && i + 2 <= size)
			len = msg_size((unsigned)(data[i] | data[i + 1] << 8));
		if (len > sizeof(buf))
			len = sizeof(buf);
		memset(buf, 0, sizeof(buf));
		memcpy(buf, data + i, len <= size - i ? len : size - i);
		/* A length byte of 0xff also fixes up the header's len. */
		if (data[i - 1] == 0xff && len >= sizeof(struct msg_hdr)) {
			buf[2] = (uint8_t)len;
			buf[3] = (uint8_t)(len >> 8);
		}
		check(buf, len);
		i += len <= size - i ? len : size - i;
	}
	return 0;
}
