/*
 * The lane and fire-mode table (tests/model/lane.tbl), replayed against the
 * C: the Promela model is checked with these rows (tests/model/run), and
 * here each row is played on the real engine (engine/lanes.c, fire.c, the
 * control server's fire.reset) on a real store, and what the C does must be
 * the row's result. A changed row fails here as it fails the model.
 * Usage: test_lane_tbl [TABLE]  (default tests/model/lane.tbl)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "engine_support.h"
#include "../../db/latch.h"
#include "../../common/util.h"

/* Commands as the table names them: NONE 0, OPEN 1, LOCK 2, FREE 3. */
enum { T_NONE, T_OPEN, T_LOCK, T_FREE };
static const char *const tcmd_names[] = { "NONE", "OPEN", "LOCK", "FREE" };

static char dir[64];
static struct engine *e;
static int ts, lane, link_ts, rd, link_rd, fire_in, link_fire;

static int
tcmd_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, tcmd_names[i]) == 0)
			return i;
	return atoi(s);
}

static int
tcmd_of(uint8_t cmd)
{
	switch (cmd) {
	case TS_CMD_OPEN_ENTRY:
	case TS_CMD_OPEN_EXIT:	return T_OPEN;
	case TS_CMD_LOCK:	return T_LOCK;
	case TS_CMD_FREE:	return T_FREE;
	default:		return -1;
	}
}

static enum ts_cmd
ts_cmd_of(int t)
{
	return t == T_OPEN ? TS_CMD_OPEN_ENTRY : t == T_LOCK ? TS_CMD_LOCK :
	    TS_CMD_FREE;
}

/* ---- the engine, fresh for each row ------------------------------------ */

static void
wipe(void)
{
	static const char *const files[] = { "lobbyd.db", "lobbyd.db-wal",
	    "lobbyd.db-shm", "lobbyd.db.fire", "lobbyd.db.key", "control.sock" };
	char p[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
}

static bool
fresh(void)
{
	est_close();
	wipe();
	return (e = est_open()) != NULL;
}

/* The fire input answering, read active or not. */
static void
fire_signal(bool active)
{
	struct msg_input m;

	est_dev_state(fire_in, true);
	memset(&m, 0, sizeof(m));
	msg_init(&m, MSG_INPUT, (uint16_t)fire_in);
	m.active = active;
	m.t_ns = mono_ns();
	est_from_worker(link_fire, &m);
}

/* The turnstile answering, idle; then (held) fire mode by its input. */
static void
setup(bool online, bool held)
{
	if (online) {
		est_dev_state(ts, true);
		est_ts_status(ts, TS_IDLE);
	}
	if (held)
		fire_signal(true);
	est_drain_worker(link_ts);
}

/* The first command sent to the turnstile from now: T_*, T_NONE none. */
static int
sent(void)
{
	union msg_any m;

	while (est_to_worker(link_ts, &m))
		if (m.h.type == MSG_CMD && m.h.dev == ts)
			return tcmd_of(m.cmd.cmd);
	return T_NONE;
}

/* ---- the rows ----------------------------------------------------------- */

/* grant HELD ONLINE: a valid card at the lane's entry reader. 1: OPEN sent. */
static int
row_grant(int held, int online)
{
	struct card_rec c = { .uid = "0A00123456", .holder = "Test Holder",
	    .enabled = true };
	struct msg_card m;

	setup(online, held);
	CHECK(engine_card_put(e, &c) == 0);
	memset(&m, 0, sizeof(m));
	msg_init(&m, MSG_CARD, (uint16_t)rd);
	str_copy(m.uid, c.uid, sizeof(m.uid));
	m.t_frame_ns = mono_ns();
	est_from_worker(link_rd, &m);
	return sent() == T_OPEN;
}

/* send HELD CMD: the command given to the engine. 1: it reached the worker. */
static int
row_send(int held, int cmd)
{
	char err[160];
	union msg_any m;
	int got = 0;

	setup(true, held);
	(void)engine_send_cmd(e, ts, ts_cmd_of(cmd), 0, err, sizeof(err));
	while (est_to_worker(link_ts, &m))
		got |= m.h.type == MSG_CMD && tcmd_of(m.cmd.cmd) == cmd;
	return got;
}

/* answer HELD OWED: the turnstile, offline, answers again (online, its
 * first status). OWED: the LOCK a reset could not write is owed. */
static int
row_answer(int held, int owed)
{
	setup(false, held);
	e->fire.lock_owed[lane] = owed;
	est_dev_state(ts, true);
	est_ts_status(ts, TS_IDLE);
	return sent();
}

/* status HELD: the answering, free turnstile reports idle (locked). */
static int
row_status(int held)
{
	setup(true, held);
	est_ts_status(ts, TS_PASSING);
	est_drain_worker(link_ts);
	est_ts_status(ts, TS_IDLE);
	return sent();
}

/* reset ON KNOWN ACTIVE: an operator's fire.reset through the control
 * server. KNOWN: the fire input answers; ACTIVE: it reads active. 1: taken. */
static int
row_reset(int on, int known, int active)
{
	char reply[4096];
	const char req[] = "{\"cmd\":\"fire.reset\"}";
	long n;

	setup(true, false);
	if (on)
		fire_signal(true);
	if (known)
		fire_signal(active);
	else
		est_dev_state(fire_in, false);
	/* An input read active turns the mode on: the table's row says off. */
	if (!on)
		e->fire.active = false;
	if (est_ctl_connect() < 0)
		return -1;
	n = est_ctl_request(req, sizeof(req) - 1, reply, sizeof(reply), 5000);
	est_ctl_disconnect();
	if (n < 0)
		return -1;
	return strncmp(reply, "{\"ok\":true", 10) == 0 && !fire_mode_active(e);
}

/* load DB LATCH: lobbyd starts with the database's row and the latch file
 * saying so. 1: the mode is on. */
static int
row_load(int db, int latch)
{
	struct fire_rec f = { .active = db, .since_ms = real_ms(),
	    .source = "fire-panel" };
	struct store_req req = { .op = STORE_FIRE_PUT };
	char path[128], err[160];
	int fd;

	req.in.fire = f;
	if (store_run(e->store, &req) < 0)
		fprintf(stderr, "fire row: %s\n", req.error);
	store_req_free(&req);
	est_close();
	snprintf(path, sizeof(path), "%s/lobbyd.db.fire", dir);
	f.active = latch;
	if ((fd = latch_open(path, err, sizeof(err))) < 0 ||
	    latch_write(fd, &f, err, sizeof(err)) < 0)
		fprintf(stderr, "%s: %s\n", path, err);
	latch_close(fd);
	if ((e = est_open()) == NULL)
		return -1;
	return fire_mode_active(e);
}

/* One row of the table: replayed on a fresh engine, checked. */
static void
row(const char *line, int lineno)
{
	char kind[16], a[3][8], res[8];
	int n, got, want, x, y, z;

	n = sscanf(line, "%15s %7s %7s %7s", kind, a[0], a[1], a[2]);
	if (n < 2 || strstr(line, "->") == NULL ||
	    sscanf(strstr(line, "->") + 2, "%7s", res) != 1) {
		CHECK_ROW(false, "lane.tbl:%d: not a row: %s", lineno, line);
		return;
	}
	if (!fresh()) {
		CHECK_ROW(false, "lane.tbl:%d: engine did not open", lineno);
		return;
	}
	x = tcmd_parse(a[0]);
	y = tcmd_parse(a[1]);
	z = tcmd_parse(a[2]);
	want = tcmd_parse(res);
	if (strcmp(kind, "grant") == 0)
		got = row_grant(x, y);
	else if (strcmp(kind, "send") == 0)
		got = row_send(x, y);
	else if (strcmp(kind, "answer") == 0)
		got = row_answer(x, y);
	else if (strcmp(kind, "status") == 0)
		got = row_status(x);
	else if (strcmp(kind, "reset") == 0)
		got = row_reset(x, y, z);
	else if (strcmp(kind, "load") == 0)
		got = row_load(x, y);
	else {
		CHECK_ROW(false, "lane.tbl:%d: unknown row kind %s", lineno, kind);
		return;
	}
	if (strcmp(kind, "grant") == 0 || strcmp(kind, "send") == 0 ||
	    strcmp(kind, "reset") == 0 || strcmp(kind, "load") == 0)
		CHECK_ROW(got == want, "lane.tbl:%d: %s: the C gives %d", lineno,
		    line, got);
	else
		CHECK_ROW(got == want, "lane.tbl:%d: %s: the C sends %s", lineno,
		    line, got >= 0 && got < 4 ? tcmd_names[got] : "?");
}

int
main(int argc, char **argv)
{
	const char *tbl = argc > 1 ? argv[1] : "tests/model/lane.tbl";
	char line[256];
	int lineno = 0, rows = 0;
	FILE *f;

	log_init("test_lane_tbl", false);
	if ((f = fopen(tbl, "r")) == NULL) {
		fprintf(stderr, "%s: %s\n", tbl, strerror(errno));
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/lobbyd-lanetbl.%d",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	if (est_site_load(dir) < 0)
		return 1;
	ts = est_dev("ts1");
	lane = est_lane("lane1");
	rd = est_dev("rd1-in");
	fire_in = est_dev("fire-panel");
	link_ts = est_dev_link(ts);
	link_rd = est_dev_link(rd);
	link_fire = est_dev_link(fire_in);
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		row(line, lineno);
		rows++;
	}
	fclose(f);
	est_close();
	wipe();
	snprintf(line, sizeof(line), "%s/site.conf", dir);
	unlink(line);
	rmdir(dir);
	/* The table has its 28 rows: none was lost on the way. */
	CHECK_INT(rows, 28);
	return harness_done("test_lane_tbl");
}
