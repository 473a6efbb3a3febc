/*
 * drivers/gpio.c over its simulated-chip back-end: the test plays the chip
 * on a Unix socket (a thread answers the worker's request, then the test
 * sends stamped edges and reads the output changes) and a socketpair stands
 * in for the engine. Debounce, Wiegand frames, pulses, losing the chip.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../common/util.h"
#include "../../drivers/gpio.h"
#include "../../drivers/link.h"
#include "../../drivers/wiegand.h"
#include "harness.h"
#include "link_support.h"

#define L_DOOR		4
#define L_REX		5
#define L_STRIKE	7
#define L_D0		2
#define L_D1		3
enum { DEV_DOOR, DEV_REXB, DEV_STRIKE, DEV_WG, DEV_COUNT };

/* The fake chip: what the worker asked for, and its connection. */
struct chip {
	int		lfd;
	int		cfd;
	bool		req_in[CONF_GPIO_LINES];
	bool		req_out[CONF_GPIO_LINES];
	bool		out_level[CONF_GPIO_LINES];
	bool		level[CONF_GPIO_LINES];	/* inputs, sent as LEVEL */
	pthread_t	th;
};

static struct site_conf site;
static char sock_path[108];

/* ---- the chip ---- */

static void *
chip_serve(void *arg)
{
	struct chip *c = arg;
	struct gpio_sim_msg m;

	/* A connection the worker gave up on is skipped: take the next. */
again:
	if ((c->cfd = accept(c->lfd, NULL, NULL)) < 0)
		return NULL;
	memset(c->req_in, 0, sizeof(c->req_in));
	memset(c->req_out, 0, sizeof(c->req_out));
	for (;;) {
		if (recv(c->cfd, &m, sizeof(m), 0) != (ssize_t)sizeof(m)) {
			close(c->cfd);
			c->cfd = -1;
			goto again;
		}
		if (m.type == GSIM_REQUEST && m.dir == 0) {
			c->req_in[m.line] = true;
		} else if (m.type == GSIM_REQUEST) {
			c->req_out[m.line] = true;
			c->out_level[m.line] = m.value;
		} else if (m.type == GSIM_READY) {
			for (unsigned i = 0; i < CONF_GPIO_LINES; i++) {
				if (!c->req_in[i])
					continue;
				memset(&m, 0, sizeof(m));
				m.type = GSIM_LEVEL;
				m.line = (uint16_t)i;
				m.value = c->level[i];
				send(c->cfd, &m, sizeof(m), 0);
			}
			memset(&m, 0, sizeof(m));
			m.type = GSIM_READY;
			send(c->cfd, &m, sizeof(m), 0);
			break;
		}
	}
	return NULL;
}

static void
chip_listen(struct chip *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(c, 0, sizeof(*c));
	c->cfd = -1;
	c->level[L_DOOR] = c->level[L_REX] = true;	/* active low: at rest */
	c->level[L_D0] = c->level[L_D1] = true;
	str_copy(sa.sun_path, sock_path, sizeof(sa.sun_path));
	unlink(sock_path);
	c->lfd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (c->lfd < 0 || bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(c->lfd, 4) < 0) {
		perror("chip socket");
		exit(2);
	}
}

static void
chip_start(struct chip *c)
{
	if (pthread_create(&c->th, NULL, chip_serve, c) != 0) {
		perror("pthread_create");
		exit(2);
	}
}

static void
chip_joined(struct chip *c)
{
	pthread_join(c->th, NULL);
}

static void
chip_edge(struct chip *c, unsigned line, bool rising, int64_t t)
{
	struct gpio_sim_msg m;

	memset(&m, 0, sizeof(m));
	m.type = GSIM_EDGE;
	m.line = (uint16_t)line;
	m.value = rising;
	m.t_ns = t;
	if (send(c->cfd, &m, sizeof(m), 0) != (ssize_t)sizeof(m)) {
		perror("chip send");
		exit(2);
	}
}

/* The next SET from the worker within ms: 1 with *line, *level, *at. */
static int
chip_set(struct chip *c, int ms, unsigned *line, bool *level, int64_t *at)
{
	struct pollfd p = { .fd = c->cfd, .events = POLLIN };
	struct gpio_sim_msg m;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	if (recv(c->cfd, &m, sizeof(m), MSG_DONTWAIT) != (ssize_t)sizeof(m) ||
	    m.type != GSIM_SET)
		return 0;
	*line = m.line;
	*level = m.value;
	*at = mono_ns();
	return 1;
}

/* Bits of a 26-bit H10301 frame for 24 data bits, bit 1 first. */
static void
frame26(uint32_t data, bool bits[27])
{
	int k, ones;

	for (k = 0; k < 24; k++)
		bits[2 + k] = (data >> (23 - k)) & 1;
	for (ones = 0, k = 2; k <= 13; k++)
		ones += bits[k];
	bits[1] = ones & 1;
	for (ones = 0, k = 14; k <= 25; k++)
		ones += bits[k];
	bits[26] = !(ones & 1);
}

/*
 * Sends NBITS of a frame as edges, bit 1 falling at t0, 2 ms apart, 50 us
 * low; with glitch, a 5 us pulse on the other line between bits.
 */
static void
chip_frame(struct chip *c, const bool *bits, int nbits, int64_t t0, bool glitch)
{
	for (int i = 1; i <= nbits; i++) {
		int64_t t = t0 + (int64_t)(i - 1) * 2 * NS_PER_MS;
		unsigned line = bits[i] ? L_D1 : L_D0;

		chip_edge(c, line, false, t);
		chip_edge(c, line, true, t + 50000);
		if (glitch && i < nbits) {
			chip_edge(c, bits[i] ? L_D0 : L_D1, false, t + NS_PER_MS);
			chip_edge(c, bits[i] ? L_D0 : L_D1, true, t + NS_PER_MS + 5000);
		}
	}
}

/* ---- the worker under test ---- */

/* The door on the simulated chip: its contact and exit button (active low),
 * the strike and a Wiegand reader; a line not used is -1. */
static const struct device_conf door_devs[DEV_COUNT] = {
	[DEV_DOOR] = { .name = "contact", .kind = DEV_INPUT, .function = IN_DOOR,
	    .profile = -1, .gpio_line = L_DOOR, .gpio_d0 = -1, .gpio_d1 = -1,
	    .active_low = true, .debounce_ms = 50 },
	[DEV_REXB] = { .name = "rex", .kind = DEV_INPUT, .function = IN_REX,
	    .profile = -1, .gpio_line = L_REX, .gpio_d0 = -1, .gpio_d1 = -1,
	    .active_low = true, .debounce_ms = 20 },
	[DEV_STRIKE] = { .name = "strike", .kind = DEV_OUTPUT, .profile = -1,
	    .gpio_line = L_STRIKE, .gpio_d0 = -1, .gpio_d1 = -1, .debounce_ms = 50 },
	[DEV_WG] = { .name = "reader", .kind = DEV_READER, .profile = -1,
	    .gpio_line = -1, .gpio_d0 = L_D0, .gpio_d1 = L_D1, .debounce_ms = 50 },
};

static void
site_init(void)
{
	struct link_conf *l = &site.links[0];

	memset(&site, 0, sizeof(site));
	site.nlinks = 1;
	site.backoff_max_ms = 1000;
	str_copy(l->name, "gpio0", sizeof(l->name));
	l->type = LINK_GPIO;
	l->gpio_sim = true;
	str_copy(l->path, sock_path, sizeof(l->path));
	site.ndevices = DEV_COUNT;
	memcpy(site.devices, door_devs, sizeof(door_devs));
}

static void
send_cmd(struct tl *t, int dev, int cmd, uint32_t value, int64_t expires)
{
	union msg_any m;
	static uint32_t id;

	msg_init(&m.cmd, MSG_CMD, (uint16_t)dev);
	m.cmd.id = ++id;
	m.cmd.cmd = (uint8_t)cmd;
	m.cmd.value = value;
	m.cmd.expires_ns = expires;
	t->l.ops->command(&t->l, &m.cmd);
}

/* ---- the tests ---- */

static void
test_start(struct tl *t, struct chip *c)
{
	const union msg_any *m;
	int i, inputs = 0;

	chip_start(c);
	CHECK_INT(t->l.ops->open(&t->l), 0);
	chip_joined(c);
	CHECK(c->req_in[L_DOOR] && c->req_in[L_REX]);
	CHECK(c->req_in[L_D0] && c->req_in[L_D1]);
	CHECK(c->req_out[L_STRIKE]);
	CHECK_INT(c->out_level[L_STRIKE], 0);	/* off at start */
	tl_run(t, 0, 50);
	for (i = 0; i < t->n; i++) {
		m = &t->msgs[i];
		if (m->h.type == MSG_INPUT) {
			inputs++;
			CHECK_INT(m->input.active, 0);	/* both at rest */
		}
	}
	CHECK_INT(inputs, 2);
	CHECK_INT(tl_count(t, 0, MSG_DEV_STATE), DEV_COUNT);
	CHECK(t->msgs[0].h.type == MSG_DEV_STATE && t->msgs[0].dev_state.online);
	t->seen = t->n;
}

static void
test_debounce(struct tl *t, struct chip *c)
{
	const union msg_any *m;
	int64_t t0;
	int from = t->n;

	/* A 10 ms bounce on a 50 ms input: nothing. */
	t0 = mono_ns();
	chip_edge(c, L_DOOR, false, t0);
	chip_edge(c, L_DOOR, true, t0 + 10 * NS_PER_MS);
	CHECK(tl_run(t, MSG_INPUT, 200) == NULL);
	/* Three bounces, then it stays low: one change, stamped with the
	 * edge it settled after, sent no earlier than debounce_ms later. */
	t0 = mono_ns();
	chip_edge(c, L_DOOR, false, t0);
	chip_edge(c, L_DOOR, true, t0 + 5 * NS_PER_MS);
	chip_edge(c, L_DOOR, false, t0 + 12 * NS_PER_MS);
	m = tl_run(t, MSG_INPUT, 500);
	CHECK(m != NULL);
	if (m != NULL) {
		CHECK_INT(m->h.dev, DEV_DOOR);
		CHECK_INT(m->input.active, 1);
		CHECK_INT(m->input.t_ns, t0 + 12 * NS_PER_MS);
		CHECK(t->at[t->seen - 1] >= t0 + 62 * NS_PER_MS);
	}
	CHECK_INT(tl_count(t, from, MSG_INPUT), 1);
	/* Back to rest: inactive. */
	chip_edge(c, L_DOOR, true, mono_ns());
	m = tl_run(t, MSG_INPUT, 500);
	CHECK(m != NULL && m->input.active == 0);
	/* The exit button has its own, shorter debounce. */
	t0 = mono_ns();
	chip_edge(c, L_REX, false, t0);
	m = tl_run(t, MSG_INPUT, 500);
	CHECK(m != NULL && m->h.dev == DEV_REXB && m->input.active == 1);
	chip_edge(c, L_REX, true, mono_ns());
	CHECK(tl_run(t, MSG_INPUT, 500) != NULL);
}

static void
test_wiegand(struct tl *t, struct chip *c)
{
	const union msg_any *m;
	bool bits[27];

	/* A good frame, the whole of it in the past, sent at once. */
	frame26(0x0A1234, bits);
	chip_frame(c, bits, 26, mono_ns() - 80 * NS_PER_MS, false);
	m = tl_run(t, MSG_CARD, 500);
	CHECK(m != NULL);
	if (m != NULL) {
		CHECK_INT(m->h.dev, DEV_WG);
		CHECK_STR(m->card.uid, "0A1234");
		CHECK_INT(m->card.format, CARD_WIEGAND_26);
	}
	/* A frame played as it happens, in real time. A pause of this test
	 * between two bits as long as a frame gap (a busy machine) ends the
	 * frame there, as it should: that play does not count, and the frame
	 * is played again. */
	frame26(0xFFFFFE, bits);
	for (int play = 0; play < 10; play++) {
		int64_t last = mono_ns(), longest = 0;

		for (int i = 1; i <= 26; i++) {
			int64_t now = mono_ns();

			if (now - last > longest)
				longest = now - last;
			last = now;
			chip_edge(c, bits[i] ? L_D1 : L_D0, false, now);
			chip_edge(c, bits[i] ? L_D1 : L_D0, true, now + 50000);
			tl_run(t, 0, 2);
		}
		m = tl_run(t, MSG_CARD, 500);
		if (longest < WIEGAND_GAP_NS / 2)
			break;
		tl_run(t, 0, 100);
		t->seen = t->n;		/* what the broken play made */
	}
	CHECK(m != NULL && strcmp(m->card.uid, "FFFFFE") == 0);
	/* The even parity bit flipped: a parity reject, no card. */
	frame26(0x0A1234, bits);
	bits[1] = !bits[1];
	chip_frame(c, bits, 26, mono_ns() - 80 * NS_PER_MS, false);
	m = tl_run(t, MSG_READER_REJECT, 500);
	CHECK(m != NULL && m->reject.kind == REJECT_PARITY);
	CHECK(tl_run(t, MSG_CARD, 100) == NULL);
	/* 20 bits: short. */
	frame26(0x0A1234, bits);
	chip_frame(c, bits, 20, mono_ns() - 80 * NS_PER_MS, false);
	m = tl_run(t, MSG_READER_REJECT, 500);
	CHECK(m != NULL && m->reject.kind == REJECT_SHORT);
	/* Glitches between bits are dropped: still the card. */
	chip_frame(c, bits, 26, mono_ns() - 80 * NS_PER_MS, true);
	m = tl_run(t, MSG_CARD, 500);
	CHECK(m != NULL && strcmp(m->card.uid, "0A1234") == 0);
	/* Both lines low at once: noise. */
	{
		int64_t t0 = mono_ns() - 80 * NS_PER_MS;

		chip_frame(c, bits, 12, t0, false);
		chip_edge(c, L_D0, false, t0 + 24 * NS_PER_MS);
		chip_edge(c, L_D1, false, t0 + 24 * NS_PER_MS + 10000);
		chip_edge(c, L_D0, true, t0 + 24 * NS_PER_MS + 50000);
		chip_edge(c, L_D1, true, t0 + 24 * NS_PER_MS + 60000);
		chip_frame(c, bits + 12, 14, t0 + 26 * NS_PER_MS, false);
	}
	m = tl_run(t, MSG_READER_REJECT, 500);
	CHECK(m != NULL && m->reject.kind == REJECT_NOISE);
}

static void
test_outputs(struct tl *t, struct chip *c)
{
	const union msg_any *m;
	unsigned line;
	bool level;
	int64_t at_on, at_off, t0;

	/* A 150 ms pulse: on at once, off by the worker's own timer. */
	t0 = mono_ns();
	send_cmd(t, DEV_STRIKE, OUT_CMD_PULSE, 150, t0 + 1000 * NS_PER_MS);
	CHECK_INT(chip_set(c, 200, &line, &level, &at_on), 1);
	CHECK_INT(line, L_STRIKE);
	CHECK_INT(level, 1);
	m = tl_run(t, MSG_CMD_RESULT, 100);
	CHECK(m != NULL && m->cmd_result.status == CMD_OK);
	tl_run(t, 0, 400);
	CHECK_INT(chip_set(c, 100, &line, &level, &at_off), 1);
	CHECK_INT(level, 0);
	CHECK(at_off - t0 >= 150 * NS_PER_MS);
	CHECK(at_off - t0 < 600 * NS_PER_MS);
	/* Nothing more: the pulse ended once. */
	tl_run(t, 0, 100);
	CHECK_INT(chip_set(c, 50, &line, &level, &at_off), 0);

	/* Expired, out of range, not an output: refused, nothing driven. */
	send_cmd(t, DEV_STRIKE, OUT_CMD_ON, 0, mono_ns() - NS_PER_MS);
	m = tl_run(t, MSG_CMD_RESULT, 100);
	CHECK(m != NULL && m->cmd_result.status == CMD_EXPIRED);
	send_cmd(t, DEV_STRIKE, OUT_CMD_PULSE, 0, 0);
	m = tl_run(t, MSG_CMD_RESULT, 100);
	CHECK(m != NULL && m->cmd_result.status == CMD_FAILED);
	send_cmd(t, DEV_STRIKE, OUT_CMD_PULSE, MSG_PULSE_MAX_MS + 1, 0);
	m = tl_run(t, MSG_CMD_RESULT, 100);
	CHECK(m != NULL && m->cmd_result.status == CMD_FAILED);
	send_cmd(t, DEV_DOOR, OUT_CMD_ON, 0, 0);
	m = tl_run(t, MSG_CMD_RESULT, 100);
	CHECK(m != NULL && m->cmd_result.status == CMD_FAILED);
	send_cmd(t, DEV_STRIKE, 9, 0, 0);
	m = tl_run(t, MSG_CMD_RESULT, 100);
	CHECK(m != NULL && m->cmd_result.status == CMD_FAILED);
	CHECK_INT(chip_set(c, 50, &line, &level, &at_off), 0);
}

/* The chip goes away mid-pulse: offline; back: online, the strike off. */
static void
test_lose_chip(struct tl *t, struct chip *c)
{
	const union msg_any *m;
	unsigned line;
	bool level;
	int64_t at;
	int from;

	send_cmd(t, DEV_STRIKE, OUT_CMD_PULSE, 5000, 0);
	CHECK_INT(chip_set(c, 200, &line, &level, &at), 1);
	CHECK_INT(level, 1);
	tl_run(t, MSG_CMD_RESULT, 100);
	from = t->n;
	close(c->cfd);
	c->cfd = -1;
	m = tl_run(t, MSG_DEV_STATE, 500);
	CHECK(m != NULL && !m->dev_state.online);
	tl_run(t, 0, 50);
	CHECK_INT(tl_count(t, from, MSG_DEV_STATE), DEV_COUNT);
	/* While it is gone, a command is answered "offline". */
	send_cmd(t, DEV_STRIKE, OUT_CMD_ON, 0, 0);
	m = tl_run(t, MSG_CMD_RESULT, 100);
	CHECK(m != NULL && m->cmd_result.status == CMD_OFFLINE);

	/* The door was opened meanwhile: the new first reading says so. */
	c->level[L_DOOR] = false;
	chip_start(c);
	from = t->n;
	m = tl_run(t, MSG_INPUT, 3000);
	chip_joined(c);
	CHECK(m != NULL && m->h.dev == DEV_DOOR && m->input.active == 1);
	CHECK(c->req_out[L_STRIKE] && c->out_level[L_STRIKE] == 0);
	CHECK(tl_count(t, from, MSG_DEV_STATE) == DEV_COUNT);
	/* Restored, the strike stays off: nothing is set on its own. */
	tl_run(t, 0, 200);
	CHECK_INT(chip_set(c, 50, &line, &level, &at), 0);
}

/* Closing the worker mid-pulse drives the strike off first. */
static void
test_close(struct tl *t, struct chip *c)
{
	unsigned line;
	bool level;
	int64_t at;

	send_cmd(t, DEV_STRIKE, OUT_CMD_PULSE, 5000, 0);
	CHECK_INT(chip_set(c, 200, &line, &level, &at), 1);
	t->l.ops->close(&t->l);
	CHECK_INT(chip_set(c, 200, &line, &level, &at), 1);
	CHECK_INT(line, L_STRIKE);
	CHECK_INT(level, 0);
}

int
main(void)
{
	struct tl *t = calloc(1, sizeof(*t));
	struct chip *c = calloc(1, sizeof(*c));
	char dir[] = "/tmp/lobbyd-gpio.XXXXXX";

	if (t == NULL || c == NULL || mkdtemp(dir) == NULL) {
		perror("setup");
		return 2;
	}
	log_init("test_gpio", false);
	snprintf(sock_path, sizeof(sock_path), "%s/gpio0.sock", dir);
	site_init();
	chip_listen(c);
	tl_init(t, &link_gpio_ops, &site, 0);

	test_start(t, c);
	test_debounce(t, c);
	test_wiegand(t, c);
	test_outputs(t, c);
	test_lose_chip(t, c);
	test_close(t, c);

	close(c->lfd);
	if (c->cfd >= 0)
		close(c->cfd);
	unlink(sock_path);
	rmdir(dir);
	close(t->peer);
	close(t->l.engine_fd);
	free(t);
	free(c);
	return harness_done("test_gpio");
}
