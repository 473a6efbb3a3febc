/*
 * Fuzzes the Modbus link worker (drivers/modbus*.c) as it polls and commands
 * a turnstile, a gate, two contact inputs, an intercom station and an
 * elevator controller, through a fake transport: the link's socket is one
 * end of a socketpair whose other end is a fake bus in a thread here, which
 * answers each request as the input says: a right reply (its values from
 * the input), an exception, a right reply with a byte changed, cut short,
 * or bytes of the input's own (then it closes the connection, so nothing
 * waits for a timeout). Properties: every status, input and online report
 * is made of values that came in replies right for their requests (a
 * malformed reply never yields a grant-worthy state, nor any state that was
 * not in the bytes); a device goes offline only after offline_after failed
 * polls in a row, with that count, and online only after a whole poll was
 * answered; every command gets one result, CMD_OK only when its write was
 * answered right.
 */
#include <errno.h>
#include <modbus.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../drivers/link.h"
#include "../../drivers/modbus_int.h"
#include "../../drivers/msg.h"
#include "../../common/util.h"
#include "../profiles.h"

#define FAIL(...) do { fprintf(stderr, "fuzz_drivers: " __VA_ARGS__); \
	fputc('\n', stderr); abort(); } while (0)

#define MAX_STEPS	300
#define NUNITS		256
#define LOG_MAX		4096

static const char site_text[] =
"site = { name = \"Fuzz Tower\"; };\n"
"store = { database = \"/nonexistent/lobbyd.db\"; };\n"
"health = { offline_after = 2; backoff_max_ms = 5000; };\n"
"profiles = (\n"
TEST_PROFILE_TRIPOD_A
" { name = \"gate-b\"; kind = \"turnstile\"; state = \"holding:100\";\n"
"   state_values = { idle = 1; passing = 2; fault = 9; };\n"
"   entry_counter = \"input:10:u32\"; exit_counter = \"input:12:u32\";\n"
"   fault_code = \"holding:101\";\n"
"   commands = { open_entry = { register = \"coil:0\"; value = 1; };\n"
"     open_exit = { register = \"coil:1\"; value = 1; };\n"
"     free = { register = \"coil:2\"; value = 1; };\n"
"     lock = { register = \"coil:2\"; value = 0; }; }; },\n"
TEST_PROFILE_ICOM_A
TEST_PROFILE_ELEV_A
");\n"
"links = ( { name = \"gw\"; type = \"modbus-tcp\"; host = \"127.0.0.1\"; port = 1;\n"
"   timeout_ms = 1000; } );\n"
"devices = (\n"
" { name = \"ts1\"; link = \"gw\"; unit = 1; profile = \"tripod-a\"; poll_ms = 100; },\n"
" { name = \"gate\"; link = \"gw\"; unit = 2; profile = \"gate-b\"; poll_ms = 100; },\n"
" { name = \"fire\"; link = \"gw\"; unit = 30; kind = \"input\"; point = \"discrete:0\";\n"
"   function = \"fire\"; active_low = false; poll_ms = 100; },\n"
" { name = \"power\"; link = \"gw\"; unit = 31; kind = \"input\"; point = \"holding:5\";\n"
"   function = \"power\"; active_low = true; poll_ms = 100; },\n"
" { name = \"icom\"; link = \"gw\"; unit = 3; profile = \"icom-a\"; poll_ms = 100;\n"
"   station = 11; ring_timeout_s = 15; },\n"
" { name = \"elev1\"; link = \"gw\"; unit = 20; profile = \"elev-a\"; poll_ms = 100; }\n"
");\n";

static struct site_conf site;
static struct link lk;
static struct mb_link *mbl;
static int engine_fd[2] = { -1, -1 };	/* [1]: the worker's, [0]: ours */
static int handoff[2] = { -1, -1 };	/* fds of new connections to the bus */

/* The input, read by the bus thread while a transaction is under way and
 * by the main thread between service() calls, never both at once. */
static const uint8_t *in;
static size_t in_len, in_off;

static int
next(void)
{
	return in_off < in_len ? in[in_off++] : -1;
}

/* What the bus saw of one transaction, and whether its reply was right. */
struct txn {
	uint8_t		unit, fc;
	uint16_t	addr, count;
	bool		right;		/* a right, non-exception reply was sent */
};
static struct txn txlog[LOG_MAX];
static atomic_int ntx;

/* Values sent in right replies, by unit, table and address: what the
 * worker may report. */
static uint16_t shadow[NUNITS][4][256];
static bool known[NUNITS][4][256];

/* ---- the fake bus ------------------------------------------------------- */

static bool
read_all(int fd, uint8_t *b, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(fd, b + got, n - got);

		if (k <= 0)
			return false;
		got += (size_t)k;
	}
	return true;
}

static enum reg_table
table_of(uint8_t fc)
{
	return fc == 1 || fc == 5 ? REG_COIL : fc == 2 ? REG_DISCRETE :
	    fc == 4 ? REG_INPUT : REG_HOLDING;
}

/* The right reply to the request (its ADU in rq), its values from the
 * input; its length. */
static size_t
right_reply(const uint8_t *rq, uint8_t *out)
{
	uint8_t fc = rq[7];
	uint16_t count = (uint16_t)(rq[10] << 8 | rq[11]);
	size_t plen;

	memcpy(out, rq, 7);
	out[7] = fc;
	if (fc <= 4) {
		size_t bc = fc <= 2 ? (count + 7u) / 8u : 2u * count;

		out[8] = (uint8_t)bc;
		memset(out + 9, 0, bc);
		for (unsigned i = 0; i < count; i++) {
			int v = next();

			if (v < 0)
				v = 0;
			if (fc <= 2)
				out[9 + i / 8] |= (uint8_t)((v & 1) << (i % 8));
			else
				out[9 + 2 * i + 1] = (uint8_t)v;
		}
		plen = 2 + bc;
	} else {
		memcpy(out + 8, rq + 8, 4);	/* the echo */
		plen = 5;
	}
	out[4] = (uint8_t)((plen + 1) >> 8);
	out[5] = (uint8_t)(plen + 1);
	return 7 + plen;
}

/*
 * Whether the first bytes of the n sent answer the request right, by the
 * protocol (the same transaction, protocol, length, unit, function, byte
 * count or echo): the worker may take those and no others. If so, the
 * values they carry go into the shadow.
 */
static bool
reply_right(const uint8_t *rq, const uint8_t *rs, size_t n)
{
	uint8_t unit = rq[6], fc = rq[7];
	uint16_t addr = (uint16_t)(rq[8] << 8 | rq[9]);
	uint16_t count = (uint16_t)(rq[10] << 8 | rq[11]);
	size_t bc = fc <= 2 ? (count + 7u) / 8u : 2u * count;
	size_t plen = fc <= 4 ? 2 + bc : 5;

	if (n < 7 + plen || memcmp(rs, rq, 4) != 0 || rs[4] != (plen + 1) >> 8 ||
	    rs[5] != (uint8_t)(plen + 1) || rs[6] != unit || rs[7] != fc)
		return false;
	if (fc >= 5)
		return memcmp(rs + 8, rq + 8, 4) == 0;
	if (rs[8] != bc)
		return false;
	for (unsigned i = 0; i < count; i++) {
		unsigned a = addr + i;
		uint16_t v = fc <= 2 ? (rs[9 + i / 8] >> (i % 8)) & 1 :
		    (uint16_t)(rs[9 + 2 * i] << 8 | rs[10 + 2 * i]);

		if (a < 256) {
			shadow[unit][table_of(fc)][a] = v;
			known[unit][table_of(fc)][a] = true;
		}
	}
	return true;
}

static void *
bus_main(void *arg)
{
	uint8_t rq[MBW_ADU_MAX], rs[MBW_ADU_MAX + 64];
	int fd = -1;
	bool shut = false;

	(void)arg;
	for (;;) {
		struct txn *t;
		size_t n = 0, len;
		int op, v;

		if (fd < 0) {
			if (read(handoff[0], &fd, sizeof(fd)) != sizeof(fd) || fd < 0)
				return NULL;	/* the end */
			shut = false;
		}
		if (!read_all(fd, rq, 7) ||
		    (len = (size_t)(rq[4] << 8 | rq[5])) < 2 || len > 253 ||
		    !read_all(fd, rq + 7, len - 1)) {
			close(fd);
			fd = -1;
			continue;
		}
		t = &txlog[atomic_load(&ntx) % LOG_MAX];
		*t = (struct txn){ .unit = rq[6], .fc = rq[7],
		    .addr = (uint16_t)(rq[8] << 8 | rq[9]),
		    .count = (uint16_t)(rq[10] << 8 | rq[11]) };
		if (shut) {
			atomic_fetch_add(&ntx, 1);
			continue;	/* no reply: the connection ends */
		}
		op = next();
		switch (op < 0 ? 0 : op % 8) {
		default:	/* a right reply */
			n = right_reply(rq, rs);
			break;
		case 4:		/* an exception */
			memcpy(rs, rq, 7);
			rs[5] = 3;
			rs[7] = (uint8_t)(rq[7] | 0x80);
			rs[8] = (uint8_t)((v = next()) < 0 ? 2 : v);
			n = 9;
			break;
		case 5:		/* a right reply with one byte changed */
			n = right_reply(rq, rs);
			if ((v = next()) >= 0)
				rs[(size_t)v % n] ^= (uint8_t)(next() | 1);
			shut = true;
			break;
		case 6:		/* the input's own bytes */
			for (v = next() % 40; v > 0 && n < sizeof(rs); v--)
				rs[n++] = (uint8_t)next();
			shut = true;
			break;
		case 7:		/* a right reply cut short */
			n = right_reply(rq, rs);
			n = (v = next()) < 0 ? 0 : (size_t)v % n;
			shut = true;
			break;
		}
		/* A changed byte may have left it right (a value changed), and
		 * bytes of the input may happen to be right. */
		t->right = reply_right(rq, rs, n);
		/* Logged before the reply goes: the worker has it once the
		 * reply has arrived. */
		atomic_fetch_add(&ntx, 1);
		if (n > 0 && write(fd, rs, n) != (ssize_t)n)
			shut = true;
		if (shut)
			shutdown(fd, SHUT_WR);
	}
}

/* ---- the worker's side -------------------------------------------------- */

/* What the test knows of each of the link's devices. */
struct devtrack {
	int		unit;
	int		progress;	/* reads answered right in this poll */
	uint32_t	fails;		/* polls failed in a row */
	bool		polled;		/* a whole poll answered since last look */
	int		health;		/* 0 unknown, 1 online, 2 offline */
	unsigned	writes_right;	/* writes answered right */
};
static struct devtrack tr[CONF_MAX_DEVICES];

/* Commands sent, waiting for their result. */
static struct {
	uint32_t	id;
	int		dev;
	unsigned	writes_right;	/* the device's, when it was sent */
} pending[64];
static int npending;
static uint32_t next_id;

static struct mb_dev *
dev_of(int index)
{
	for (int i = 0; i < mbl->ndevs; i++)
		if (mbl->devs[i].index == index)
			return &mbl->devs[i];
	return NULL;
}

static int
dev_of_unit(int unit)
{
	for (int i = 0; i < mbl->ndevs; i++)
		if (mbl->devs[i].conf->unit == unit)
			return mbl->devs[i].index;
	return -1;
}

/* A point's value as the right replies gave it. */
static uint32_t
value_of(int unit, const struct reg_point *pt, const char *what)
{
	const bool bits = pt->table == REG_COIL || pt->table == REG_DISCRETE;
	int n = bits ? 1 : pt->width == 32 ? 2 : 1;
	uint32_t v = 0;

	for (int i = 0; i < n; i++) {
		if (!known[unit][pt->table][pt->addr + i])
			FAIL("unit %d: %s reported, never sent in a right reply",
			    unit, what);
		v = v << 16 | shadow[unit][pt->table][pt->addr + i];
	}
	return v;
}

static void
check_ts(const struct msg_ts_status *m)
{
	struct mb_dev *d = dev_of(m->h.dev);
	const struct profile *p = d->prof;
	int unit = d->conf->unit, want = TS_UNKNOWN;
	uint32_t raw = value_of(unit, &p->state, "state");

	for (int s = TS_IDLE; s <= TS_FAULT; s++)
		if ((int64_t)p->state_value[s] == (int64_t)raw) {
			want = s;
			break;
		}
	if (m->state != want || (uint32_t)m->raw_state != raw)
		FAIL("%s: state %u (raw %d) reported, %d (raw %u) sent", d->conf->name,
		    m->state, m->raw_state, want, raw);
	if (m->entry_count != (value_of(unit, &p->entry_count, "entry") & m->counter_mask) ||
	    m->exit_count != (value_of(unit, &p->exit_count, "exit") & m->counter_mask))
		FAIL("%s: counters %u/%u reported, not as sent", d->conf->name,
		    m->entry_count, m->exit_count);
	if (m->fault_code != (p->fault_code.set ?
	    value_of(unit, &p->fault_code, "fault") : 0))
		FAIL("%s: fault code %u reported, not as sent", d->conf->name,
		    m->fault_code);
}

static void
check_input(const struct msg_input *m)
{
	struct mb_dev *d = dev_of(m->h.dev);
	bool on = value_of(d->conf->unit, &d->conf->point, "input") != 0;

	if (m->active != (on != d->conf->active_low))
		FAIL("%s: input %s reported, %u sent", d->conf->name,
		    m->active ? "active" : "inactive", on);
}

static void
check_icom(const struct msg_icom_status *m)
{
	struct mb_dev *d = dev_of(m->h.dev);
	int unit = d->conf->unit;

	if ((uint32_t)m->raw_call != value_of(unit, mbi_point(d->prof, 0), "call") ||
	    m->button != (value_of(unit, mbi_point(d->prof, 1), "button") != 0) ||
	    m->door != (value_of(unit, mbi_point(d->prof, 2), "door") != 0))
		FAIL("%s: intercom status not as sent", d->conf->name);
}

static void
check_elev(const struct msg_elev_status *m)
{
	struct mb_dev *d = dev_of(m->h.dev);
	int unit = d->conf->unit;

	if (m->floor != (int16_t)value_of(unit, mbe_point(d->prof, 0), "floor") ||
	    (uint32_t)m->raw_dir != value_of(unit, mbe_point(d->prof, 1), "dir") ||
	    (uint32_t)m->raw_door != value_of(unit, mbe_point(d->prof, 2), "door") ||
	    (uint32_t)m->raw_mode != value_of(unit, mbe_point(d->prof, 3), "mode") ||
	    m->fault_code != value_of(unit, mbe_point(d->prof, 4), "fault") ||
	    m->trapped != (value_of(unit, mbe_point(d->prof, 5), "trapped") != 0))
		FAIL("%s: elevator status not as sent", d->conf->name);
}

static void
check_result(const struct msg_cmd_result *m)
{
	int i;

	for (i = 0; i < npending && pending[i].id != m->id; i++)
		;
	if (i == npending)
		FAIL("a result for command %u, not sent or answered twice", m->id);
	if (m->status == CMD_OK &&
	    tr[pending[i].dev].writes_right == pending[i].writes_right)
		FAIL("command %u: CMD_OK without a right reply to its write", m->id);
	pending[i] = pending[--npending];
}

static void
check_dev_state(const struct msg_dev_state *m)
{
	struct devtrack *t = &tr[m->h.dev];
	uint32_t after = (uint32_t)site.offline_after;

	if (m->online) {
		if (!t->polled || t->health == 1)
			FAIL("device %u: online without a whole poll answered (health %d)",
			    m->h.dev, t->health);
		t->health = 1;
		return;
	}
	if (t->health == 2 || t->fails < after || m->failures != t->fails)
		FAIL("device %u: offline with %u failures, %u polls failed in a row "
		    "(health %d)", m->h.dev, m->failures, t->fails, t->health);
	t->health = 2;
}

/* Messages checked, by type (printed with FUZZ_DRIVERS_LOG set). */
static unsigned seen_types[MSG_TYPE_MAX];

/* What the worker sent: each message checked. */
static void
drain(void)
{
	union msg_any m;

	while (msg_recv(engine_fd[0], &m) > 0) {
		if (m.h.type < MSG_TYPE_MAX)
			seen_types[m.h.type]++;
		switch (m.h.type) {
		case MSG_TS_STATUS:	check_ts(&m.ts_status); break;
		case MSG_INPUT:		check_input(&m.input); break;
		case MSG_ICOM_STATUS:	check_icom(&m.icom_status); break;
		case MSG_ELEV_STATUS:	check_elev(&m.elev_status); break;
		case MSG_CMD_RESULT:	check_result(&m.cmd_result); break;
		case MSG_DEV_STATE:	check_dev_state(&m.dev_state); break;
		default:
			FAIL("unexpected message type %u", m.h.type);
		}
	}
	for (int i = 0; i < site.ndevices; i++)
		tr[i].polled = false;
}

/* The transactions of the last service() call, as the bus saw them. */
static void
account(int from, int to)
{
	for (int k = from; k < to; k++) {
		const struct txn *x = &txlog[k % LOG_MAX];
		int dev = dev_of_unit(x->unit);
		struct devtrack *t;
		struct mb_dev *d;

		if (dev < 0)
			FAIL("a request to unit %u, which no device has", x->unit);
		t = &tr[dev];
		d = dev_of(dev);
		if (x->fc >= 5) {
			t->writes_right += x->right;
			continue;
		}
		if (!x->right) {
			t->fails++;
			t->progress = 0;
		} else if (++t->progress >= d->nreads) {
			t->progress = 0;
			t->fails = 0;
			t->polled = true;
		}
	}
}

/* A fresh connection for the link when it has none (the worker would
 * connect at its next transaction). */
static void
connect_bus(void)
{
	int sv[2];

	if (mbl->connected)
		return;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		FAIL("socketpair: %s", strerror(errno));
	modbus_set_socket(mbl->ctx, sv[0]);
	mbl->connected = true;
	if (write(handoff[1], &sv[1], sizeof(sv[1])) != sizeof(sv[1]))
		FAIL("handoff: %s", strerror(errno));
}

static void
command(void)
{
	static const int kinds[] = { 0, 1, 4, 5 };	/* ts1, gate, icom, elev1 */
	int which = next(), cmd = next(), dev;
	struct msg_cmd c;
	struct mb_dev *d;

	if (which < 0 || cmd < 0 || npending == 64)
		return;
	dev = kinds[which % 4];
	d = dev_of(dev);
	memset(&c, 0, sizeof(c));
	msg_init(&c, MSG_CMD, (uint16_t)dev);
	c.id = ++next_id;
	c.expires_ns = mono_ns() + 3600 * 1000000000LL;
	if (d->prof->kind == PROFILE_ELEVATOR) {
		c.cmd = ELEV_CMD_ENABLE;
		c.floors = (uint64_t)cmd << 3;
		c.value = 10000;
	} else {
		c.cmd = (uint8_t)(cmd % (d->prof->kind == PROFILE_INTERCOM ? 2 :
		    TS_CMD_COUNT));
		c.value = 3;
	}
	pending[npending].id = c.id;
	pending[npending].dev = dev;
	pending[npending].writes_right = tr[dev].writes_right;
	npending++;
	(void)lk.ops->command(&lk, &c);
}

static void
setup(void)
{
	char path[] = "/tmp/lobbyd-fuzzdrv.XXXXXX";
	pthread_t t;
	int fd = mkstemp(path);

	log_init("fuzz_drivers", false);
	if (fd < 0 || write(fd, site_text, sizeof(site_text) - 1) !=
	    (ssize_t)sizeof(site_text) - 1)
		FAIL("%s: %s", path, strerror(errno));
	close(fd);
	if (config_load(path, &site, stderr) != 0)
		FAIL("the site does not load");
	unlink(path);
	if (pipe(handoff) < 0 ||
	    pthread_create(&t, NULL, bus_main, NULL) != 0)
		FAIL("the bus does not start");
	pthread_detach(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	int64_t vnow;
	int done;

	if (!ready) {
		setup();
		ready = true;
	}
	in = data;
	in_len = size;
	in_off = 0;
	memset(shadow, 0, sizeof(shadow));
	memset(known, 0, sizeof(known));
	memset(tr, 0, sizeof(tr));
	npending = 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    engine_fd) < 0)
		FAIL("socketpair: %s", strerror(errno));
	lk = (struct link){ .ops = &link_modbus_ops, .site = &site,
	    .conf = &site.links[0], .index = 0, .engine_fd = engine_fd[1] };
	if (lk.ops->open(&lk) < 0)
		FAIL("the link does not open");
	mbl = lk.priv;
	vnow = mono_ns();
	done = atomic_load(&ntx);
	/* The input's steps; then, while commands wait, steps to finish them. */
	for (int step = 0; step < MAX_STEPS + 64; step++) {
		int op = next(), seen, spins = 0;
		uint16_t tid = mbl->tid;

		if ((op < 0 || step >= MAX_STEPS) && npending == 0 && mbl->qlen == 0)
			break;		/* the input is over, and so is its work */
		if (op >= 0xe0)
			command();
		connect_bus();
		/* Every device due: the worker's own clock reads far behind. */
		vnow += 1000 * 1000000000LL;
		(void)lk.ops->service(&lk, vnow, 0);
		/* Each transaction the worker made is the bus's to log. */
		seen = done + (uint16_t)(mbl->tid - tid);
		while (atomic_load(&ntx) < seen) {
			if (++spins > 1000000)
				FAIL("the bus lost a request");
			sched_yield();
		}
		account(done, seen);
		done = seen;
		drain();
	}
	if (npending != 0)
		FAIL("%d command(s) without a result", npending);
	if (getenv("FUZZ_DRIVERS_LOG") != NULL)
		fprintf(stderr, "fuzz_drivers: %d transactions; online/offline %u, "
		    "status %u, input %u, intercom %u, elevator %u, results %u\n",
		    done, seen_types[MSG_DEV_STATE], seen_types[MSG_TS_STATUS],
		    seen_types[MSG_INPUT], seen_types[MSG_ICOM_STATUS],
		    seen_types[MSG_ELEV_STATUS], seen_types[MSG_CMD_RESULT]);
	lk.ops->close(&lk);	/* closes the bus's connection: it waits again */
	close(engine_fd[0]);
	close(engine_fd[1]);
	/* The bus has read the last request before it sees the end. */
	while (atomic_load(&ntx) < done)
		sched_yield();
	return 0;
}
