/*
 * The engine on a real store for the tests that drive it (engine_support.h):
 * a small tower's site written to the test's directory and loaded as lobbyd
 * loads it, engine_open() on it, a socketpair in place of each link's
 * worker, and a client on the real control server.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine_support.h"
#include "../../control/control.h"
#include "../../control/ctl.h"
#include "../../common/util.h"
#include "../profiles.h"

/* The tower: two lanes on an RTU bus, one on TCP, a fire contact, two
 * intercom stations, a freight elevator; no roles (every user admitted
 * holds every role). "@DIR@" is the test's directory. */
static const char site_text[] =
"site = { name = \"Test Tower\"; };\n"
"store = { database = \"@DIR@/lobbyd.db\"; event_batch_ms = 50; };\n"
"control = { socket = \"@DIR@/control.sock\"; };\n"
"health = { offline_after = 3; backoff_max_ms = 5000; };\n"
"profiles = (\n"
TEST_PROFILE_TRIPOD_A
TEST_PROFILE_ICOM_A
TEST_PROFILE_ELEV_A
");\n"
"links = (\n"
" { name = \"bus1\"; type = \"modbus-rtu\"; path = \"@DIR@/bus1\"; baud = 19200;\n"
"   parity = \"none\"; data_bits = 8; stop_bits = 1; timeout_ms = 100; },\n"
" { name = \"gate3\"; type = \"modbus-tcp\"; host = \"127.0.0.1\"; port = 15020; timeout_ms = 150; }\n"
");\n"
"devices = (\n"
" { name = \"ts1\"; link = \"bus1\"; unit = 1; profile = \"tripod-a\"; poll_ms = 200; },\n"
" { name = \"ts2\"; link = \"bus1\"; unit = 2; profile = \"tripod-a\"; poll_ms = 200; },\n"
" { name = \"ts3\"; link = \"gate3\"; unit = 1; profile = \"tripod-a\"; poll_ms = 200; },\n"
" { name = \"fire-panel\"; link = \"bus1\"; unit = 30; kind = \"input\";\n"
"   point = \"discrete:0\"; function = \"fire\"; active_low = false; poll_ms = 100; },\n"
" { name = \"icom-lobby\"; link = \"bus1\"; unit = 3; profile = \"icom-a\"; poll_ms = 200;\n"
"   station = 11; next = \"icom-desk2\"; ring_timeout_s = 15; },\n"
" { name = \"icom-desk2\"; link = \"bus1\"; unit = 4; profile = \"icom-a\"; poll_ms = 200;\n"
"   station = 12; ring_timeout_s = 15; },\n"
" { name = \"elev1\"; link = \"bus1\"; unit = 20; profile = \"elev-a\"; poll_ms = 200; }\n"
");\n"
"readers = (\n"
" { name = \"rd1-in\"; path = \"@DIR@/rd1-in\"; baud = 9600; format = \"em4100\"; },\n"
" { name = \"rd1-out\"; path = \"@DIR@/rd1-out\"; baud = 9600; format = \"em4100\"; },\n"
" { name = \"rd2-in\"; path = \"@DIR@/rd2-in\"; baud = 9600; format = \"em4100\"; },\n"
" { name = \"rd3-in\"; path = \"@DIR@/rd3-in\"; baud = 9600; format = \"em4100\"; },\n"
" { name = \"rd3-out\"; path = \"@DIR@/rd3-out\"; baud = 9600; format = \"em4100\"; },\n"
" { name = \"rd-el1\"; path = \"@DIR@/rd-el1\"; baud = 9600; format = \"em4100\"; },\n"
" { name = \"desk-id\"; path = \"@DIR@/desk-id\"; baud = 115200; format = \"idcard\"; }\n"
");\n"
"elevators = ( { name = \"car1\"; controller = \"elev1\"; reader = \"rd-el1\";\n"
"   enable_s = 10; freight = true; } );\n"
"freight = { rush_hours = [ \"08:00-09:30\", \"17:30-19:00\" ]; max_hours = 12; };\n"
"zones = ( { name = \"tower\"; apb = \"soft\"; } );\n"
"lanes = (\n"
" { name = \"lane1\"; turnstile = \"ts1\"; entry_reader = \"rd1-in\"; exit_reader = \"rd1-out\";\n"
"   pass_timeout_ms = 8000; zone = \"tower\"; },\n"
" { name = \"lane2\"; turnstile = \"ts2\"; entry_reader = \"rd2-in\"; pass_timeout_ms = 8000;\n"
"   egress = false; },\n"
" { name = \"lane3\"; turnstile = \"ts3\"; entry_reader = \"rd3-in\"; exit_reader = \"rd3-out\";\n"
"   pass_timeout_ms = 8000; zone = \"tower\"; contractors = true; collects_cards = true; }\n"
");\n";

static struct site_conf	est_site;
static struct engine	est_engine;
static char		est_dir[CONF_PATH_MAX];
static char		est_conf[CONF_PATH_MAX + 16];
static int		test_end[CONF_MAX_LINKS];	/* the worker's side */
static bool		opened;
static int		ctl_fd = -1;
static char		ctl_buf[CTL_REPLY_MAX + 1];	/* one reply line */
static size_t		ctl_len;

int
est_site_load(const char *dir)
{
	FILE *f;
	int n;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	str_copy(est_dir, dir, sizeof(est_dir));
	snprintf(est_conf, sizeof(est_conf), "%s/site.conf", dir);
	if ((f = fopen(est_conf, "w")) == NULL) {
		fprintf(stderr, "%s: %s\n", est_conf, strerror(errno));
		return -1;
	}
	for (const char *p = site_text; *p != '\0'; p++) {
		if (strncmp(p, "@DIR@", 5) == 0) {
			fputs(dir, f);
			p += 4;
		} else {
			fputc(*p, f);
		}
	}
	if (fclose(f) != 0)
		return -1;
	memset(&est_site, 0, sizeof(est_site));
	if ((n = config_load(est_conf, &est_site, stderr)) != 0) {
		fprintf(stderr, "%s: %d errors\n", est_conf, n);
		return -1;
	}
	return 0;
}

struct engine *
est_open(void)
{
	struct engine *e = &est_engine;
	int sv[2];

	memset(e, 0, sizeof(*e));
	if (engine_open(e, est_conf, &est_site) < 0) {
		fprintf(stderr, "engine_open failed\n");
		return NULL;
	}
	for (int i = 0; i < CONF_MAX_LINKS; i++)
		test_end[i] = -1;
	for (int i = 0; i < est_site.nlinks; i++) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0, sv) < 0) {
			fprintf(stderr, "socketpair: %s\n", strerror(errno));
			est_close();
			return NULL;
		}
		e->workers[i].fd = sv[0];
		test_end[i] = sv[1];
	}
	opened = true;
	return e;
}

void
est_close(void)
{
	struct engine *e = &est_engine;

	if (!opened)
		return;
	est_ctl_disconnect();
	if (e->front_state != NULL) {
		/* Every reply is in: nothing is in flight. */
		e->front->quiesce(e->front_state);
		e->front->close(e->front_state);
		e->front_state = NULL;
	}
	for (int i = 0; i < CONF_MAX_LINKS; i++) {
		if (e->workers[i].fd >= 0)
			close(e->workers[i].fd);
		e->workers[i].fd = -1;
		if (test_end[i] >= 0)
			close(test_end[i]);
		test_end[i] = -1;
	}
	engine_close(e);
	opened = false;
}

static int
find(const char *name, int n, size_t stride, const char *base)
{
	for (int i = 0; i < n; i++)
		if (strcmp(base + (size_t)i * stride, name) == 0)
			return i;
	return -1;
}

int
est_dev(const char *name)
{
	return find(name, est_site.ndevices, sizeof(est_site.devices[0]),
	    est_site.devices[0].name);
}

int
est_lane(const char *name)
{
	return find(name, est_site.nlanes, sizeof(est_site.lanes[0]),
	    est_site.lanes[0].name);
}

int
est_link(const char *name)
{
	return find(name, est_site.nlinks, sizeof(est_site.links[0]),
	    est_site.links[0].name);
}

int
est_dev_link(int dev)
{
	return dev >= 0 && dev < est_site.ndevices ? est_site.devices[dev].link : -1;
}

int
est_pump(int ms)
{
	struct epoll_event evs[16];
	int n = epoll_wait(est_engine.epfd, evs, 16, ms);

	for (int i = 0; i < n; i++) {
		struct ev_handler *h = evs[i].data.ptr;

		h->fn(&est_engine, h, evs[i].events);
	}
	return n < 0 ? 0 : n;
}

struct engine *
est_start(const char *name)
{
	char dir[CONF_PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/lobbyd-%s.%d", getenv("TMPDIR") ?
	    getenv("TMPDIR") : "/tmp", name, (int)getpid());
	return est_site_load(dir) < 0 ? NULL : est_open();
}

void
est_finish(void)
{
	static const char *const files[] = { "lobbyd.db", "lobbyd.db-wal",
	    "lobbyd.db-shm", "lobbyd.db.fire", "lobbyd.db.key", "control.sock",
	    "site.conf" };
	char p[CONF_PATH_MAX + 32];

	est_close();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", est_dir, files[i]);
		unlink(p);
	}
	rmdir(est_dir);
}

void
est_from_worker(int link, const void *msg)
{
	engine_worker_msg(&est_engine, link, msg);
}

void
est_dev_state(int dev, bool online)
{
	struct msg_dev_state m;

	memset(&m, 0, sizeof(m));
	msg_init(&m, MSG_DEV_STATE, (uint16_t)dev);
	m.online = online;
	if (!online)
		str_copy(m.reason, "timed out", sizeof(m.reason));
	est_from_worker(est_dev_link(dev), &m);
}

void
est_ts_status(int dev, enum ts_state st)
{
	struct msg_ts_status m;

	memset(&m, 0, sizeof(m));
	msg_init(&m, MSG_TS_STATUS, (uint16_t)dev);
	m.state = (uint8_t)st;
	m.raw_state = st == TS_PASSING ? 1 : 0;
	m.counter_mask = 0xffff;
	est_from_worker(est_dev_link(dev), &m);
}

int
est_to_worker(int link, union msg_any *m)
{
	return msg_recv(test_end[link], m) > 0;
}

int
est_drain_worker(int link)
{
	union msg_any m;
	int n = 0;

	while (est_to_worker(link, &m))
		n++;
	return n;
}

/* ---- a control client ---------------------------------------------------- */

int
est_ctl_connect(void)
{
	struct engine *e = &est_engine;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char err[256];

	if (e->front_state == NULL) {
		e->front = &ctl_front;
		if ((e->front_state = ctl_front.open(e, err, sizeof(err))) == NULL) {
			fprintf(stderr, "control: %s\n", err);
			return -1;
		}
	}
	str_copy(sun.sun_path, est_site.socket_path, sizeof(sun.sun_path));
	ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl_fd < 0 || connect(ctl_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "%s: %s\n", sun.sun_path, strerror(errno));
		return -1;
	}
	ctl_len = 0;
	return 0;
}

void
est_ctl_disconnect(void)
{
	if (ctl_fd < 0)
		return;
	close(ctl_fd);
	ctl_fd = -1;
	/* The server sees the hang-up and frees its client. */
	for (int i = 0; i < 10 && est_pump(0) > 0; i++)
		;
}

long
est_ctl_read(char *reply, size_t size, int ms)
{
	int64_t until = mono_ns() + (int64_t)ms * NS_PER_MS;
	char *nl;

	for (;;) {
		if ((nl = memchr(ctl_buf, '\n', ctl_len)) != NULL) {
			size_t len = (size_t)(nl - ctl_buf);
			size_t cut = len < size - 1 ? len : size - 1;

			memcpy(reply, ctl_buf, cut);
			reply[cut] = '\0';
			ctl_len -= len + 1;
			memmove(ctl_buf, nl + 1, ctl_len);
			return (long)len;
		}
		if (mono_ns() > until) {
			fprintf(stderr, "control: no reply within %d ms\n", ms);
			return -1;
		}
		est_pump(1);
		for (;;) {
			ssize_t n;

			if (ctl_len == sizeof(ctl_buf)) {
				fprintf(stderr, "control: reply longer than %zu bytes\n",
				    sizeof(ctl_buf));
				return -1;
			}
			n = recv(ctl_fd, ctl_buf + ctl_len, sizeof(ctl_buf) - ctl_len,
			    MSG_DONTWAIT);
			if (n == 0)
				return -2;
			if (n < 0)
				break;
			ctl_len += (size_t)n;
		}
	}
}

long
est_ctl_request(const char *line, size_t len, char *reply, size_t size, int ms)
{
	struct pollfd p = { .fd = ctl_fd, .events = POLLOUT };
	size_t off = 0;

	while (off <= len) {
		const char *b = off < len ? line + off : "\n";
		size_t n = off < len ? len - off : 1;
		ssize_t k = send(ctl_fd, b, n, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (k < 0 && errno == EAGAIN) {
			/* The server reads as the loop runs. */
			est_pump(1);
			(void)poll(&p, 1, 0);
			continue;
		}
		if (k <= 0)
			return -2;
		off += (size_t)k;
	}
	return est_ctl_read(reply, size, ms);
}
