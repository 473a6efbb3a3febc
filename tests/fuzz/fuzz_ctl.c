/*
 * Fuzzes the control server with its real command handlers (control/ctl_*.c)
 * on a real engine and store (tests/unit/engine_support.c): each input is a
 * session of request lines on one connection, played on a fresh copy of a
 * new database. Every reply must be one JSON object of the documented shape
 * (control/ctl.h): {"ok": true, "data": ...} with the data a command's
 * documented object or list, or {"ok": false, "error": "words"}; and a
 * request refused changes nothing in the store: every table the same
 * (a digest read through a second connection), save the records that a
 * refusal itself makes (a refused manual open, a failed login).
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <sanitizer/common_interface_defs.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../unit/engine_support.h"
#include "../../control/control_int.h"
#include "../../control/ctl.h"
#include "../../common/util.h"

static int out_fd = 2;		/* the real stderr; 2 is /dev/null meanwhile */

#define FAIL(...) do { dprintf(out_fd, "fuzz_ctl: " __VA_ARGS__); \
	dprintf(out_fd, "\n"); dup2(out_fd, 2); abort(); } while (0)

#define MAX_REQUESTS	32
#define REPLY_WAIT_MS	5000

static char dir[96], db_path[128];
static char *tmpl;		/* the new database's bytes */
static size_t tmpl_len;
static struct engine *e;
static sqlite3 *rdb;		/* the test's own connection, read only */
static char reply[CTL_REPLY_MAX + 1];

/* ---- the documented shapes (control/ctl.h) ------------------------------ */

#define K_EVENT	"id,ts_ms,kind,lane,device,direction,credential,decision,reason," \
		"reason_text,person,actor,detail"
#define K_DEVICE "name,kind,link,online,state,fault_code,entry_count,exit_count," \
		"failures,reason,since_ms"
#define K_CARD	"uid,holder,enabled,valid_from_ms,valid_until_ms,created_by,created_ms"
#define K_TICKET "id,opened_ms,updated_ms,closed_ms,alert_id,source,kind,title," \
		"urgency,state,opened_by"
#define K_ALERT	"id,raised_ms,cleared_ms,source,kind,severity,audience,message," \
		"acked_ms,acked_by,ack_note,escalated,escalated_ms"
#define K_STATION "name,station,next,ring_timeout_s,online,reason,call," \
		"call_since_ms,forwarded_to,button,door_open,release"
#define K_ELEV	"name,link,online,reason,since_ms,floor,direction,door,mode," \
		"fault_code,trapped,floors,elevators"
#define K_BOOKING "id,unit,elevator,card,from_ms,until_ms,booked_by,booked_ms," \
		"state,cancelled_by,cancelled_ms"
#define K_PERSON "id,kind,status,name,id_type,id_mask,company,unit,schedule," \
		"created_ms,created_by,purged"
#define K_PASS	"id,person,name,kind,credential,state,valid_from_ms,valid_until_ms," \
		"lanes,floors,single_entry,used,permit,issued_ms,issued_by," \
		"confirmed_ms,confirmed_by,ended_ms,ended_by,end_reason,class,host," \
		"unit,purpose,party,appointment,override_by,id_mask"
#define K_PERMIT "id,unit,company,from,until,days,hours,floor,fees_paid,state," \
		"created_ms,created_by,updated_ms,updated_by,passes"
#define K_WATCH	"id,id_type,id_mask,name,note,added_ms,added_by"
#define K_PRESENCE "person,name,kind,id_mask,unit,zone,since_ms,lane"
#define K_SHIFT	"id,ts_ms,actor,kind,text"

/* A command's data: an object ('o') or a list of them ('a'), with at least
 * these keys. */
static const struct shape {
	const char	*cmd;
	char		type;
	const char	*keys;
} shapes[] = {
	{ "status", 'o', "site,version,pid,started_ms,devices,online,lanes,fire_mode" },
	{ "events", 'a', K_EVENT },
	{ "events.export", 'o', "since_ms,until_ms,upto_id,exported_until_ms" },
	{ "events.export.done", 'o', "id,since_ms,until_ms,upto_id,rows" },
	{ "devices", 'a', K_DEVICE },
	{ "alerts", 'a', K_ALERT },
	{ "card.add", 'o', K_CARD },
	{ "card.remove", 'o', "uid" },
	{ "card.list", 'a', K_CARD },
	{ "card.import", 'o', "" },
	{ "lane.open", 'o', "lane,direction,event_id" },
	{ "stats", 'o', "latency_ns,events_committed,reader_rejects" },
	{ "alert.ack", 'o', K_ALERT },
	{ "fire", 'o', "mode,active,since_ms,source,awaiting_reset,inputs" },
	{ "fire.reset", 'o', "mode,reset_by,ended_ms" },
	{ "tickets", 'a', K_TICKET },
	{ "tickets.summary", 'o', "day,made_ms,since_ms,late,open_count,urgent_count,"
	    "opened_count,closed_count,open,opened,closed" },
	{ "ticket.show", 'o', K_TICKET ",notes" },
	{ "ticket.start", 'o', K_TICKET },
	{ "ticket.note", 'o', K_TICKET },
	{ "ticket.done", 'o', K_TICKET },
	{ "ticket.open", 'o', K_TICKET },
	{ "devices.check", 'o', "devices,not_ok,ok,problems" },
	{ "intercom.list", 'a', K_STATION },
	{ "intercom.release", 'o', "station,event_id" },
	{ "elevators.list", 'a', K_ELEV },
	{ "booking.add", 'o', K_BOOKING },
	{ "booking.list", 'a', K_BOOKING },
	{ "booking.cancel", 'o', K_BOOKING },
	{ "person.add", 'o', K_PERSON },
	{ "person.list", 'a', K_PERSON },
	{ "person.show", 'o', K_PERSON ",passes" },
	{ "person.status", 'o', K_PERSON },
	{ "pass.issue", 'o', K_PASS },
	{ "pass.list", 'a', K_PASS },
	{ "pass.show", 'o', K_PASS },
	{ "pass.extend", 'o', K_PASS },
	{ "pass.revoke", 'o', K_PASS },
	{ "visitor.register", 'o', K_PASS ",code" },
	{ "visitor.confirm", 'o', K_PASS },
	{ "visitor.list", 'a', K_PASS },
	{ "permit.add", 'o', K_PERMIT },
	{ "permit.list", 'a', K_PERMIT },
	{ "permit.set", 'o', K_PERMIT ",passes_ended" },
	{ "contractor.add", 'o', K_PASS },
	{ "watchlist.add", 'o', K_WATCH },
	{ "watchlist.remove", 'o', "id" },
	{ "watchlist.list", 'a', K_WATCH },
	{ "inside", 'a', K_PRESENCE },
	{ "shift.note", 'o', K_SHIFT },
	{ "shift.handover", 'o', K_SHIFT },
	{ "shift.log", 'a', K_SHIFT },
	{ "user.add", 'o', "name,role,replaced" },
	{ "web.login", 'o', "name,role" },
};

static const struct shape *
shape_of(const char *cmd)
{
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		if (strcmp(shapes[i].cmd, cmd) == 0)
			return &shapes[i];
	return NULL;
}

static void
check_keys(const char *cmd, json_object *o, const char *keys)
{
	char k[64];

	if (!json_object_is_type(o, json_type_object))
		FAIL("%s: data is not an object: %s", cmd,
		    json_object_to_json_string(o));
	for (const char *p = keys; *p != '\0';) {
		size_t n = strcspn(p, ",");

		snprintf(k, sizeof(k), "%.*s", (int)n, p);
		if (!json_object_object_get_ex(o, k, NULL))
			FAIL("%s: no \"%s\" in %s", cmd, k, json_object_to_json_string(o));
		p += n + (p[n] == ',');
	}
}

/* The reply to a request: one line, one JSON object of the documented
 * shape. *ok: it was {"ok": true}. */
static void
check_reply(const char *cmd, const char *line, long len, bool *ok)
{
	json_tokener *tok = json_tokener_new();
	json_object *r, *v, *data;
	const struct shape *sh;

	if (len > CTL_REPLY_MAX)
		FAIL("%s: a reply of %ld bytes", cmd, len);
	r = json_tokener_parse_ex(tok, line, (int)len);
	if (r == NULL || tok->char_offset != (int)len ||
	    !json_object_is_type(r, json_type_object))
		FAIL("%s: reply is not one JSON object: %.300s", cmd, line);
	json_tokener_free(tok);
	if (!json_object_object_get_ex(r, "ok", &v) ||
	    !json_object_is_type(v, json_type_boolean))
		FAIL("%s: reply without \"ok\": %.300s", cmd, line);
	*ok = json_object_get_boolean(v);
	json_object_object_foreach(r, key, val) {
		(void)val;
		if (strcmp(key, "ok") != 0 && (*ok ? strcmp(key, "data") != 0 &&
		    strcmp(key, "more") != 0 : strcmp(key, "error") != 0))
			FAIL("%s: reply with \"%s\": %.300s", cmd, key, line);
	}
	if (!*ok) {
		if (!json_object_object_get_ex(r, "error", &v) ||
		    !json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) == 0)
			FAIL("%s: a refusal without its words: %.300s", cmd, line);
		json_object_put(r);
		return;
	}
	if (json_object_object_get_ex(r, "more", &v) &&
	    !json_object_is_type(v, json_type_string))
		FAIL("%s: \"more\" is not a cursor: %.300s", cmd, line);
	if (!json_object_object_get_ex(r, "data", &data))
		FAIL("%s: ok without data: %.300s", cmd, line);
	if (cmd == NULL || (sh = shape_of(cmd)) == NULL)
		FAIL("%s: an unknown command taken: %.300s", cmd ? cmd : "?", line);
	if (sh->type == 'a') {
		if (!json_object_is_type(data, json_type_array))
			FAIL("%s: data is not a list: %.300s", cmd, line);
		for (size_t i = 0; i < json_object_array_length(data); i++)
			check_keys(cmd, json_object_array_get_idx(data, i), sh->keys);
	} else {
		check_keys(cmd, data, sh->keys);
	}
	json_object_put(r);
}

/* ---- what the store holds ----------------------------------------------- */

/* Records a refusal may make: the event kinds, and the one table a failed
 * login changes (its failures in a row, DESIGN: 5 pause the account). */
static const char *const refusal_events[] = {
	"manual_open_refused", "web_login_failed", "fire_reset_failed", NULL,
};

struct digest {
	char		tables[32][32];
	uint64_t	hash[32];
	int		n;
	int64_t		last_event;
};

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static sqlite3_stmt *
prep(const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(rdb, sql, -1, &st, NULL) != SQLITE_OK)
		FAIL("%s: %s", sql, sqlite3_errmsg(rdb));
	return st;
}

/* The input's statements: one per table but the events, and the newest
 * event's id (prepared once: the schema does not change meanwhile). */
static sqlite3_stmt *tables[32], *last_event;
static char table_names[32][32];
static int ntables;

static void
digest_open(void)
{
	sqlite3_stmt *tl;
	char sql[96];

	tl = prep("SELECT name FROM sqlite_master WHERE type = 'table' "
	    "AND name <> 'events' ORDER BY name");
	for (ntables = 0; sqlite3_step(tl) == SQLITE_ROW && ntables < 32; ntables++) {
		snprintf(table_names[ntables], sizeof(table_names[0]), "%s",
		    (const char *)sqlite3_column_text(tl, 0));
		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"",
		    table_names[ntables]);
		tables[ntables] = prep(sql);
	}
	sqlite3_finalize(tl);
	last_event = prep("SELECT coalesce(max(id), 0) FROM events");
}

static void
digest_close(void)
{
	for (int i = 0; i < ntables; i++)
		sqlite3_finalize(tables[i]);
	sqlite3_finalize(last_event);
	ntables = 0;
}

/* Every table but the events, row by row; the newest event's id. The
 * engine's store has committed all before (store_run waits its turn). */
static void
digest(struct digest *d)
{
	struct store_req barrier = { .op = STORE_FIRE_GET };

	if (store_run(e->store, &barrier) < 0)
		FAIL("store: %s", barrier.error);
	store_req_free(&barrier);
	memset(d, 0, sizeof(*d));
	sqlite3_exec(rdb, "BEGIN", NULL, NULL, NULL);
	for (d->n = 0; d->n < ntables; d->n++) {
		sqlite3_stmt *st = tables[d->n];
		uint64_t h = 0xcbf29ce484222325ULL;

		snprintf(d->tables[d->n], sizeof(d->tables[0]), "%s",
		    table_names[d->n]);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				int t = sqlite3_column_type(st, c);
				const void *b = sqlite3_column_blob(st, c);

				h = fnv(h, &t, sizeof(t));
				h = fnv(h, b, b ? (size_t)sqlite3_column_bytes(st, c) : 0);
			}
			h = fnv(h, "\n", 1);
		}
		sqlite3_reset(st);
		d->hash[d->n] = h;
	}
	if (sqlite3_step(last_event) == SQLITE_ROW)
		d->last_event = sqlite3_column_int64(last_event, 0);
	sqlite3_reset(last_event);
	sqlite3_exec(rdb, "COMMIT", NULL, NULL, NULL);
}

/* A refused cmd: the same tables, and only refusal records added. */
static void
check_unchanged(const char *cmd, const struct digest *a, const struct digest *b,
    const char *req)
{
	sqlite3_stmt *st;

	if (a->n != b->n)
		FAIL("%s refused, and the tables changed (%d, then %d): %.300s",
		    cmd, a->n, b->n, req);
	for (int i = 0; i < a->n; i++) {
		if (a->hash[i] == b->hash[i])
			continue;
		if (cmd != NULL && strcmp(cmd, "web.login") == 0 &&
		    strcmp(a->tables[i], "web_users") == 0)
			continue;	/* its failures in a row */
		FAIL("%s refused, and table %s changed: %.300s", cmd ? cmd : "?",
		    a->tables[i], req);
	}
	st = prep("SELECT kind FROM events WHERE id > ?");
	sqlite3_bind_int64(st, 1, a->last_event);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		const char *const *k;

		for (k = refusal_events; *k != NULL; k++)
			if (strcmp(*k, kind) == 0)
				break;
		if (*k == NULL)
			FAIL("%s refused, and a %s event recorded: %.300s",
			    cmd ? cmd : "?", kind, req);
	}
	sqlite3_finalize(st);
}

/* ---- the session -------------------------------------------------------- */

static void
setup(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	struct stat sb;
	int fd;

	log_init("fuzz_ctl", false);
	snprintf(dir, sizeof(dir), "%s/lobbyd-fuzzctl.%d", base, (int)getpid());
	snprintf(db_path, sizeof(db_path), "%s/lobbyd.db", dir);
	if (est_site_load(dir) < 0 || est_open() == NULL)
		FAIL("the engine does not open in %s", dir);
	est_close();
	/* The new database, checkpointed at the close, as each input's start. */
	if ((fd = open(db_path, O_RDONLY)) < 0 || fstat(fd, &sb) < 0 ||
	    (tmpl = malloc((size_t)sb.st_size)) == NULL ||
	    read(fd, tmpl, (size_t)sb.st_size) != sb.st_size)
		FAIL("%s: %s", db_path, strerror(errno));
	tmpl_len = (size_t)sb.st_size;
	close(fd);
}

static void
fresh_db(void)
{
	static const char *const gone[] = { "-wal", "-shm", ".fire" };
	char p[160];
	int fd;

	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", db_path, gone[i]);
		unlink(p);
	}
	if ((fd = open(db_path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    write(fd, tmpl, tmpl_len) != (ssize_t)tmpl_len)
		FAIL("%s: %s", db_path, strerror(errno));
	close(fd);
}

/* The request's command, if it names one ("" otherwise). */
static void
cmd_of(const char *line, size_t len, char *cmd, size_t size)
{
	json_tokener *tok = json_tokener_new();
	json_object *r = json_tokener_parse_ex(tok, line, (int)len), *c;

	cmd[0] = '\0';
	if (r != NULL && json_object_is_type(r, json_type_object) &&
	    json_object_object_get_ex(r, "cmd", &c) &&
	    json_object_is_type(c, json_type_string))
		snprintf(cmd, size, "%s", json_object_get_string(c));
	json_object_put(r);
	json_tokener_free(tok);
}

static bool
following(void)
{
	const struct ctl_server *srv = e->front_state;

	return srv != NULL && srv->clients != NULL &&
	    (srv->clients->follow_events || srv->clients->follow_alerts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	static struct digest before, now;	/* the store before a request, after it */
	const char *p = (const char *)data, *end = p + size;
	int devnull, nreq = 0;

	if (tmpl == NULL) {
		setup();
		quiet = getenv("FUZZ_CTL_LOG") == NULL;
		out_fd = dup(2);
		__sanitizer_set_report_fd((void *)(intptr_t)out_fd);
	}
	/* The engine's log would fill the run's: kept only when asked. */
	if (quiet && (devnull = open("/dev/null", O_WRONLY)) >= 0) {
		dup2(devnull, 2);
		close(devnull);
	}
	fresh_db();
	if ((e = est_open()) == NULL)
		FAIL("the engine does not open");
	if (sqlite3_open_v2(db_path, &rdb, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		FAIL("%s: %s", db_path, sqlite3_errmsg(rdb));
	if (est_ctl_connect() < 0)
		FAIL("no control connection");
	digest_open();
	digest(&before);
	while (p < end && nreq < MAX_REQUESTS) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		char cmd[64];
		long n;
		bool ok;

		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len == 0) {		/* no request: the server skips it */
			p = nl ? nl + 1 : end;
			continue;
		}
		cmd_of(p, len, cmd, sizeof(cmd));
		n = est_ctl_request(p, len, reply, sizeof(reply), REPLY_WAIT_MS);
		if (n == -1)
			FAIL("%s: no reply: %.*s", cmd, (int)(len < 300 ? len : 300), p);
		if (n == -2)
			break;		/* closed: a request too long */
		if (!quiet)	/* replaying one input: each reply, shortened */
			dprintf(out_fd, "%s -> %.200s\n", cmd, reply);
		check_reply(cmd[0] ? cmd : NULL, reply, n, &ok);
		digest(&now);
		if (!ok)
			check_unchanged(cmd[0] ? cmd : NULL, &before, &now, reply);
		before = now;
		nreq++;
		if (following())
			break;		/* it sends no more requests */
		p = nl ? nl + 1 : end;
	}
	digest_close();
	sqlite3_close(rdb);
	rdb = NULL;
	est_close();
	if (quiet)
		dup2(out_fd, 2);
	return 0;
}
