/*
 * drivers/reader.c and drivers/serial.c on pseudo-terminals: the reader's
 * ops are driven directly with a socketpair standing in for the engine; the
 * test writes frames to the pty master, and unplugs and replugs the "reader"
 * by closing the master and making a new pty behind the same symlink.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "../../common/util.h"
#include "../../drivers/cardfmt.h"
#include "../../drivers/link.h"
#include "../../drivers/serial.h"
#include "harness.h"
#include "link_support.h"


static struct site_conf site;
static char dir[64], link_path[128];

/* A new pty; link_path (re)pointed at its slave, atomically. */
static int
new_pty(char *slave_path, size_t size)
{
	char tmp[160];
	int master, slave;

	if (openpty(&master, &slave, NULL, NULL, NULL) < 0) {
		perror("openpty");
		exit(2);
	}
	str_copy(slave_path, ptsname(master), size);
	close(slave);
	snprintf(tmp, sizeof(tmp), "%s.new", link_path);
	unlink(tmp);
	if (symlink(slave_path, tmp) < 0 || rename(tmp, link_path) < 0) {
		perror("symlink");
		exit(2);
	}
	return master;
}

static void
write_all(int fd, const char *s, size_t n)
{
	if (write(fd, s, n) != (ssize_t)n) {
		perror("write to pty master");
		exit(2);
	}
}

static void
em_write(int fd, const char *data)
{
	char frame[15];
	unsigned sum = 0, v;
	int i;

	for (i = 0; i < 10; i += 2) {
		sscanf(data + i, "%2x", &v);
		sum ^= v;
	}
	snprintf(frame, sizeof(frame), "\x02%s%02X\x03", data, sum);
	write_all(fd, frame, 14);
}

static void
setup_site(void)
{
	snprintf(dir, sizeof(dir), "/tmp/lobbyd-test-reader-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(link_path, sizeof(link_path), "%s/rd1-in", dir);

	str_copy(site.site_name, "test", sizeof(site.site_name));
	site.backoff_max_ms = 1000;
	site.offline_after = 3;

	/* Link 0: a Modbus bus with a turnstile, so the reader is not device 0. */
	site.links[0] = (struct link_conf){ .name = "bus1",
		.type = LINK_MODBUS_RTU };
	site.devices[0] = (struct device_conf){ .name = "ts1",
		.kind = DEV_TURNSTILE, .link = 0 };

	/* Link 1: an EM4100 reader behind a symlink; link 2: Wiegand ASCII. */
	site.links[1] = (struct link_conf){ .name = "rd1-in",
		.type = LINK_SERIAL_READER, .baud = 9600, .parity = 'N',
		.data_bits = 8, .stop_bits = 1, .format = CARD_EM4100 };
	str_copy(site.links[1].path, link_path, sizeof(site.links[1].path));
	site.links[2] = site.links[1];
	str_copy(site.links[2].name, "rd2-in", sizeof(site.links[2].name));
	site.links[2].format = CARD_WIEGAND_ASCII;
	site.nlinks = 3;

	site.devices[1] = (struct device_conf){ .name = "rd2-in",
		.kind = DEV_READER, .link = 2, .profile = -1 };
	site.devices[2] = (struct device_conf){ .name = "rd1-in",
		.kind = DEV_READER, .link = 1, .profile = -1 };
	site.ndevices = 3;
}

static void
test_em4100(void)
{
	static struct tl t;
	const union msg_any *m;
	char slave[64];
	int master, mark;
	int64_t t0, t1;

	tl_init(&t, &link_serial_reader_ops, &site, 1);
	CHECK(t.l.ops->command == NULL);

	/* No reader at the path yet: offline once, naming the path. */
	CHECK_INT(t.l.ops->open(&t.l), 0);
	CHECK_INT(t.l.ops->fd(&t.l), -1);
	tl_drain(&t);
	CHECK_INT(t.n, 1);
	CHECK_INT(t.msgs[0].h.type, MSG_DEV_STATE);
	CHECK_INT(t.msgs[0].h.dev, 2);
	CHECK_INT(t.msgs[0].dev_state.online, 0);
	{
		char want[200];

		snprintf(want, sizeof(want), "%s: cannot open: No such file or directory",
		    link_path);
		CHECK_STR(t.msgs[0].dev_state.reason, want);
	}
	/* Retries (at 0.5 s and 1.5 s) fail quietly. */
	t.seen = t.n;
	CHECK(tl_run(&t, MSG_DEV_STATE, 1700) == NULL);
	CHECK_INT(t.n, 1);

	/* The reader appears behind the symlink: online within the back-off. */
	master = new_pty(slave, sizeof(slave));
	m = tl_run(&t, MSG_DEV_STATE, 2500);
	CHECK(m != NULL && m->dev_state.online == 1 && m->h.dev == 2);
	CHECK(t.l.ops->fd(&t.l) >= 0);

	/* A card, stamped when its last byte was read. */
	t0 = mono_ns();
	em_write(master, "0F00A2B3C4");
	m = tl_run(&t, MSG_CARD, 1000);
	t1 = mono_ns();
	CHECK(m != NULL);
	if (m != NULL) {
		CHECK_STR(m->card.uid, "0F00A2B3C4");
		CHECK_INT(m->card.format, CARD_EM4100);
		CHECK_INT(m->h.dev, 2);
		CHECK(m->card.t_frame_ns >= t0 && m->card.t_frame_ns <= t1);
	}

	/* The card held in the field repeats its frame: no new card. Another
	 * card is delivered at once. */
	mark = t.n;
	em_write(master, "0F00A2B3C4");
	em_write(master, "0F00A2B3C4");
	tl_run(&t, 0, 150);
	CHECK_INT(tl_count(&t, mark, MSG_CARD), 0);
	CHECK_INT(tl_count(&t, mark, MSG_READER_REJECT), 0);
	em_write(master, "1122334455");
	m = tl_run(&t, MSG_CARD, 1000);
	CHECK(m != NULL && strcmp(m->card.uid, "1122334455") == 0);

	/* Garbage: one reject for the run, no card. */
	mark = t.n;
	t.seen = t.n;
	write_all(master, "hello\x03", 6);
	m = tl_run(&t, MSG_READER_REJECT, 1000);
	CHECK(m != NULL && m->reject.kind == REJECT_FRAMING && m->reject.bytes == 6);
	write_all(master, "\x02" "0F00A2B3C4DB\x03", 14);
	m = tl_run(&t, MSG_READER_REJECT, 1000);
	CHECK(m != NULL && m->reject.kind == REJECT_CHECKSUM && m->reject.bytes == 14);
	tl_run(&t, 0, 100);
	CHECK_INT(tl_count(&t, mark, MSG_CARD), 0);

	/* A frame the reader never finishes is dropped by the inter-byte timeout,
	 * with no further byte arriving. */
	t0 = mono_ns();
	write_all(master, "\x02" "12345", 6);
	m = tl_run(&t, MSG_READER_REJECT, 1000);
	t1 = mono_ns();
	CHECK(m != NULL && m->reject.kind == REJECT_FRAMING && m->reject.bytes == 6);
	CHECK(t1 - t0 >= CARDFMT_STALE_NS);
	CHECK(t1 - t0 < 500 * NS_PER_MS);

	/* A frame arriving in two pieces is one card. */
	mark = t.n;
	write_all(master, "\x02" "A1B2C", 6);
	tl_run(&t, 0, 10);
	write_all(master, "3D4E5", 5);
	write_all(master, "E1\x03", 3);	/* A1^B2^C3^D4^E5 = E1 */
	m = tl_run(&t, MSG_CARD, 1000);
	CHECK(m != NULL && strcmp(m->card.uid, "A1B2C3D4E5") == 0);
	CHECK_INT(tl_count(&t, mark, MSG_READER_REJECT), 0);

	/* Unplugged: offline, naming the path; the fd is gone. */
	close(master);
	m = tl_run(&t, MSG_DEV_STATE, 1000);
	CHECK(m != NULL && m->dev_state.online == 0);
	CHECK(m != NULL && strncmp(m->dev_state.reason, link_path, strlen(link_path)) == 0);
	CHECK_INT(t.l.ops->fd(&t.l), -1);

	/* Plugged in again (a new pty behind the same name): online, reading. */
	master = new_pty(slave, sizeof(slave));
	m = tl_run(&t, MSG_DEV_STATE, 3000);
	CHECK(m != NULL && m->dev_state.online == 1);
	em_write(master, "5566778899");
	m = tl_run(&t, MSG_CARD, 1000);
	CHECK(m != NULL && strcmp(m->card.uid, "5566778899") == 0);

	t.l.ops->close(&t.l);
	CHECK(t.l.priv == NULL);
	close(master);
	close(t.l.engine_fd);
	close(t.peer);
}

/*
 * Link 2, the serial reader, reading lines in format fmt from a new pty (the
 * slave's own path, no symlink): online, then good is a card with uid, and
 * bad is refused as framing, its length in bytes.
 */
static void
check_line_reader(enum card_format fmt, const char *good, const char *uid,
    const char *bad, uint32_t bad_bytes)
{
	static struct tl t;
	const union msg_any *m;
	int master, slave;

	site.links[2].format = fmt;
	if (openpty(&master, &slave, NULL, NULL, NULL) < 0) {
		perror("openpty");
		exit(2);
	}
	str_copy(site.links[2].path, ptsname(master), sizeof(site.links[2].path));
	tl_init(&t, &link_serial_reader_ops, &site, 2);
	CHECK_INT(t.l.ops->open(&t.l), 0);
	m = tl_run(&t, MSG_DEV_STATE, 100);
	CHECK(m != NULL && m->dev_state.online == 1 && m->h.dev == 1);

	write_all(master, good, strlen(good));
	m = tl_run(&t, MSG_CARD, 1000);
	CHECK(m != NULL && strcmp(m->card.uid, uid) == 0 &&
	    m->card.format == fmt);
	write_all(master, bad, strlen(bad));
	m = tl_run(&t, MSG_READER_REJECT, 1000);
	CHECK(m != NULL && m->reject.kind == REJECT_FRAMING &&
	    m->reject.bytes == bad_bytes);

	t.l.ops->close(&t.l);
	close(slave);
	close(master);
	close(t.l.engine_fd);
	close(t.peer);
	site.links[2].format = CARD_WIEGAND_ASCII;
}

static void
test_wiegand(void)
{
	check_line_reader(CARD_WIEGAND_ASCII, "0a1b2c3d\r\n", "0A1B2C3D",
	    "12\r\n", 3);
}

/* The same link as a QR scanner: a visitor code is the card's uid. */
static void
test_qr(void)
{
	check_line_reader(CARD_QR, "vp-7k3m9q2x\r\n", "VP-7K3M9Q2X",
	    "VP_7K3M\r\n", 8);
}

/* serial_open's own refusals, each naming the path. */
static void
test_serial_open(void)
{
	struct link_conf c = site.links[1];
	struct serial_port *p;
	char err[256], file[160];
	int fd, master, slave;

	snprintf(file, sizeof(file), "%s/plain-file", dir);
	fd = open(file, O_CREAT | O_WRONLY, 0600);
	CHECK(fd >= 0);
	close(fd);
	str_copy(c.path, file, sizeof(c.path));
	err[0] = '\0';
	CHECK(serial_open(&c, err, sizeof(err)) == NULL);
	CHECK(strncmp(err, file, strlen(file)) == 0 && strstr(err, "not a serial port"));

	if (openpty(&master, &slave, NULL, NULL, NULL) < 0) {
		perror("openpty");
		exit(2);
	}
	str_copy(c.path, ptsname(master), sizeof(c.path));
	c.baud = 12345;
	CHECK(serial_open(&c, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "baud rate 12345") != NULL);
	c.baud = 19200;
	c.parity = 'X';
	CHECK(serial_open(&c, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "parity") != NULL);

	/* 7E2 on a pty: raw, at the speed and stop bits asked for. */
	c.parity = 'E';
	c.data_bits = 7;
	c.stop_bits = 2;
	p = serial_open(&c, err, sizeof(err));
	CHECK(p != NULL);
	if (p != NULL) {
		struct termios tio;

		CHECK(serial_is_pty(p));
		CHECK(tcgetattr(serial_fd(p), &tio) == 0);
		CHECK(cfgetispeed(&tio) == B19200);
		/* Linux ptys force CS8 without parity whatever is asked. */
		CHECK((tio.c_cflag & (CLOCAL | CREAD)) == (CLOCAL | CREAD));
		CHECK(tio.c_cc[VMIN] == 1 && tio.c_cc[VTIME] == 0);
		CHECK((tio.c_cflag & CSTOPB) != 0);
		CHECK((tio.c_lflag & ICANON) == 0);
		CHECK((fcntl(serial_fd(p), F_GETFL) & O_NONBLOCK) != 0);
		/* Nothing waiting reads as EAGAIN, not as a hang-up. */
		{
			char b;

			CHECK(read(serial_fd(p), &b, 1) == -1 && errno == EAGAIN);
		}
		serial_close(p);
	}
	close(slave);
	close(master);

	/* Listing real ports works whether or not the machine has any. */
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		int n = serial_list(f);

		fclose(f);
		CHECK(n >= 0);
		if (n == 0)
			CHECK_INT(len, 0);
		free(buf);
	}
	unlink(file);
}

int
main(void)
{
	log_init("test_reader", false);
	setup_site();

	test_em4100();
	test_wiegand();
	test_qr();
	test_serial_open();

	unlink(link_path);
	rmdir(dir);
	return harness_done("test_reader");
}
