/*
 * The control server: lobbyctl's Unix socket. Peers are checked by their
 * credentials before a byte is read; requests are JSON lines (daemon/ctl.h);
 * a request that changes data is answered only once the store committed it.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <grp.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "engine.h"
#include "util.h"

#define OUT_MAX		(8u << 20)	/* a follower that stops reading is dropped */
#define MAX_CLIENTS	64

struct ctl_client {
	struct ev_handler	h;		/* first: epoll hands it back */
	struct ctl_server	*srv;
	uid_t			uid;
	char			user[32];
	char			*in;
	size_t			inlen;
	char			*out;
	size_t			outlen, outcap;
	bool			busy;		/* a store request is in flight */
	bool			dead;		/* socket closed; freed when not busy */
	bool			want_out;	/* EPOLLOUT registered */
	bool			follow_events, follow_alerts;
	struct ctl_client	*next;
};

struct ctl_server {
	struct ev_handler	h;
	struct engine		*e;
	char			path[108];
	struct ctl_client	*clients;
	int			nclients;
	bool			closing;	/* no new requests: lobbyd is stopping */
};

static void	client_process(struct ctl_client *);
static void	client_free(struct ctl_client *);

/* ---- output ----------------------------------------------------------- */

static void
client_flush(struct ctl_client *c)
{
	struct engine *e = c->srv->e;
	size_t off = 0;

	while (off < c->outlen && !c->dead) {
		ssize_t n = send(c->h.fd, c->out + off, c->outlen - off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			c->dead = true;
			break;
		}
		off += (size_t)n;
	}
	memmove(c->out, c->out + off, c->outlen - off);
	c->outlen -= off;
	if (!c->dead && (c->outlen > 0) != c->want_out) {
		struct epoll_event ev = { .events = EPOLLIN | (c->outlen ? EPOLLOUT : 0),
		    .data.ptr = &c->h };

		epoll_ctl(e->epfd, EPOLL_CTL_MOD, c->h.fd, &ev);
		c->want_out = c->outlen > 0;
	}
}

static void
client_write(struct ctl_client *c, json_object *obj)
{
	const char *s;
	size_t len;

	if (c->dead) {
		json_object_put(obj);
		return;
	}
	s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	len = strlen(s);
	if (c->outlen + len + 1 > OUT_MAX) {
		log_warn("control: %s: not reading its replies; disconnected", c->user);
		c->dead = true;
		json_object_put(obj);
		return;
	}
	if (c->outlen + len + 1 > c->outcap) {
		size_t cap = (c->outlen + len + 1) * 2;
		char *n = realloc(c->out, cap);

		if (n == NULL) {
			c->dead = true;
			json_object_put(obj);
			return;
		}
		c->out = n;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, s, len);
	c->out[c->outlen + len] = '\n';
	c->outlen += len + 1;
	json_object_put(obj);
	client_flush(c);
}

static void
reply_ok(struct ctl_client *c, json_object *data)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "ok", json_object_new_boolean(1));
	json_object_object_add(r, "data", data ? data : json_object_new_object());
	client_write(c, r);
}

static void
reply_err(struct ctl_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
reply_err(struct ctl_client *c, const char *fmt, ...)
{
	json_object *r = json_object_new_object();
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(r, "ok", json_object_new_boolean(0));
	json_object_object_add(r, "error", json_object_new_string(msg));
	client_write(c, r);
}

/* ---- JSON of the records ---------------------------------------------- */

static void
add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static void
add_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static enum reason
reason_from_code(const char *code)
{
	for (int r = 0; r < R_COUNT; r++)
		if (strcmp(rule_reason_code((enum reason)r), code) == 0)
			return (enum reason)r;
	return R_COUNT;
}

static json_object *
event_json(const struct ev_rec *ev)
{
	json_object *o = json_object_new_object();
	enum reason r = reason_from_code(ev->reason);

	add_int(o, "id", ev->id);
	add_int(o, "ts_ms", ev->ts_ms);
	add_str(o, "kind", ev->kind);
	add_str(o, "lane", ev->lane);
	add_str(o, "device", ev->device);
	add_str(o, "direction", ev->direction);
	add_str(o, "credential", ev->credential);
	add_str(o, "decision", ev->decision);
	add_str(o, "reason", ev->reason);
	add_str(o, "reason_text", r < R_COUNT ? rule_reason_text(r) : "");
	add_str(o, "actor", ev->actor);
	add_str(o, "detail", ev->detail);
	return o;
}

static json_object *
alert_json(const struct alert_rec *a)
{
	json_object *o = json_object_new_object();

	add_int(o, "id", a->id);
	add_int(o, "raised_ms", a->raised_ms);
	add_int(o, "cleared_ms", a->cleared_ms);
	add_str(o, "source", a->source);
	add_str(o, "kind", a->kind);
	add_str(o, "severity", a->severity);
	add_str(o, "message", a->message);
	return o;
}

static json_object *
card_json(const struct card_rec *c)
{
	json_object *o = json_object_new_object();

	add_str(o, "uid", c->uid);
	add_str(o, "holder", c->holder);
	json_object_object_add(o, "enabled", json_object_new_boolean(c->enabled));
	add_int(o, "valid_from_ms", c->valid_from_ms);
	add_int(o, "valid_until_ms", c->valid_until_ms);
	add_str(o, "created_by", c->created_by);
	add_int(o, "created_ms", c->created_ms);
	return o;
}

/* ---- arguments -------------------------------------------------------- */

/* Each getter: 1 found and right, 0 absent, -1 wrong (error already sent). */
static int
arg_str(struct ctl_client *c, json_object *args, const char *k, char *out,
    size_t len, bool required)
{
	json_object *v;

	if (!json_object_object_get_ex(args, k, &v) || json_object_is_type(v, json_type_null)) {
		if (required) {
			reply_err(c, "\"%s\" is required", k);
			return -1;
		}
		return 0;
	}
	if (!json_object_is_type(v, json_type_string)) {
		reply_err(c, "\"%s\" must be a string", k);
		return -1;
	}
	if (!str_copy(out, json_object_get_string(v), len)) {
		reply_err(c, "\"%s\" is longer than %zu characters", k, len - 1);
		return -1;
	}
	return 1;
}

static int
arg_int(struct ctl_client *c, json_object *args, const char *k, int64_t *out,
    int64_t min, int64_t max)
{
	json_object *v;

	if (!json_object_object_get_ex(args, k, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_int)) {
		reply_err(c, "\"%s\" must be an integer", k);
		return -1;
	}
	errno = 0;
	*out = json_object_get_int64(v);
	if (errno != 0 || *out < min || *out > max) {
		reply_err(c, "\"%s\" is out of range %" PRId64 "..%" PRId64, k, min, max);
		return -1;
	}
	return 1;
}

static int
arg_bool(struct ctl_client *c, json_object *args, const char *k, bool *out)
{
	json_object *v;

	if (!json_object_object_get_ex(args, k, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		reply_err(c, "\"%s\" must be true or false", k);
		return -1;
	}
	*out = json_object_get_boolean(v);
	return 1;
}

/* Only the arguments a command knows: a typo is an error, not a no-op. */
static bool
args_known(struct ctl_client *c, json_object *args, const char *const *known)
{
	json_object_object_foreach(args, key, val) {
		const char *const *k;

		(void)val;
		for (k = known; *k != NULL; k++)
			if (strcmp(*k, key) == 0)
				break;
		if (*k == NULL) {
			reply_err(c, "unknown argument \"%s\"", key);
			return false;
		}
	}
	return true;
}

/* ---- commands --------------------------------------------------------- */

static struct store_req *
req_new(struct ctl_client *c, enum store_op op, void (*done)(struct store_req *, void *))
{
	struct store_req *req = calloc(1, sizeof(*req));

	if (req == NULL) {
		reply_err(c, "out of memory");
		return NULL;
	}
	req->op = op;
	req->done = done;
	req->arg = c;
	return req;
}

static void
req_submit(struct ctl_client *c, struct store_req *req)
{
	c->busy = true;
	store_submit(c->srv->e->store, req);
}

/* Common ending of a store completion: free, then go on with the client. */
static void
req_finish(struct ctl_client *c, struct store_req *req)
{
	store_req_free(req);
	free(req);
	c->busy = false;
	if (c->dead)
		client_free(c);
	else
		client_process(c);
}

static void
cmd_status(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { NULL };
	struct engine *e = c->srv->e;
	json_object *o;
	int online = 0;

	if (!args_known(c, args, known))
		return;
	for (int d = 0; d < e->site->ndevices; d++)
		online += e->devs[d].online;
	o = json_object_new_object();
	add_str(o, "site", e->site->site_name);
	add_str(o, "version", LOBBYD_VERSION);
	add_int(o, "pid", getpid());
	add_int(o, "started_ms", e->started_ms);
	add_int(o, "devices", e->site->ndevices);
	add_int(o, "online", online);
	add_int(o, "lanes", e->site->nlanes);
	add_int(o, "cards", (int64_t)e->ncards);
	add_str(o, "user", c->user);
	reply_ok(c, o);
}

static void
events_done(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct ev_rec *ev = req->rows;

	if (req->status != 0) {
		reply_err(c, "events: %s", req->error);
	} else {
		json_object *a = json_object_new_array();

		for (size_t i = 0; i < req->nrows; i++)
			json_object_array_add(a, event_json(&ev[i]));
		reply_ok(c, a);
		/* Committed events after this reply reach the follower in order:
		 * the store completes requests and batches in commit order. */
		c->follow_events = req->in.query.all;
	}
	req_finish(c, req);
}

static void
cmd_events(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "since_ms", "lane", "limit", "follow", NULL };
	struct store_req *req;
	int64_t since = 0, limit = 100;
	bool follow = false;
	char lane[32] = "";

	if (!args_known(c, args, known) ||
	    arg_int(c, args, "since_ms", &since, 0, INT64_MAX) < 0 ||
	    arg_int(c, args, "limit", &limit, 1, 100000) < 0 ||
	    arg_bool(c, args, "follow", &follow) < 0 ||
	    arg_str(c, args, "lane", lane, sizeof(lane), false) < 0)
		return;
	if (lane[0] && config_lane_index(c->srv->e->site, lane) < 0) {
		reply_err(c, "no lane \"%s\"", lane);
		return;
	}
	if ((req = req_new(c, STORE_EVENT_QUERY, events_done)) == NULL)
		return;
	req->in.query.since_ms = since;
	req->in.query.limit = (int)limit;
	str_copy(req->in.query.lane, lane, sizeof(req->in.query.lane));
	req->in.query.all = follow;	/* carried to events_done */
	req_submit(c, req);
}

static const char *
dev_state_name(const struct dev_state *ds, const struct device_conf *dc)
{
	if (!ds->online)
		return "offline";
	if (dc->kind == DEV_READER)
		return "ok";
	if (!ds->have_status)
		return "unknown";
	if (ds->fault_code != 0)
		return "fault";
	return config_ts_state_name(ds->state);
}

static void
cmd_devices(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { NULL };
	struct engine *e = c->srv->e;
	json_object *a;

	if (!args_known(c, args, known))
		return;
	a = json_object_new_array();
	for (int d = 0; d < e->site->ndevices; d++) {
		const struct device_conf *dc = &e->site->devices[d];
		const struct dev_state *ds = &e->devs[d];
		json_object *o = json_object_new_object();

		add_str(o, "name", dc->name);
		add_str(o, "kind", dc->kind == DEV_TURNSTILE ? "turnstile" : "reader");
		add_str(o, "link", e->site->links[dc->link].name);
		json_object_object_add(o, "online", json_object_new_boolean(ds->online));
		add_str(o, "state", dev_state_name(ds, dc));
		add_int(o, "fault_code", ds->fault_code);
		add_int(o, "entry_count", ds->entry_count);
		add_int(o, "exit_count", ds->exit_count);
		add_int(o, "failures", ds->failures);
		add_int(o, "rejects", (int64_t)ds->rejects);
		add_str(o, "reason", ds->online ? "" : ds->reason);
		add_int(o, "since_ms", ds->since_ms);
		json_object_array_add(a, o);
	}
	reply_ok(c, a);
}

static void
alerts_done(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct alert_rec *al = req->rows;

	if (req->status != 0) {
		reply_err(c, "alerts: %s", req->error);
	} else {
		json_object *a = json_object_new_array();

		for (size_t i = 0; i < req->nrows; i++)
			json_object_array_add(a, alert_json(&al[i]));
		reply_ok(c, a);
		c->follow_alerts = req->in.query.limit == 1;
	}
	req_finish(c, req);
}

static void
cmd_alerts(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "all", "follow", NULL };
	struct store_req *req;
	bool all = false, follow = false;

	if (!args_known(c, args, known) || arg_bool(c, args, "all", &all) < 0 ||
	    arg_bool(c, args, "follow", &follow) < 0)
		return;
	if ((req = req_new(c, STORE_ALERT_LIST, alerts_done)) == NULL)
		return;
	req->in.query.all = all;
	req->in.query.limit = follow ? 1 : 0;	/* carried to alerts_done */
	req_submit(c, req);
}

static bool
uid_valid(const char *uid)
{
	size_t n = strlen(uid);

	if (n < 4 || n >= MSG_UID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((uid[i] >= '0' && uid[i] <= '9') || (uid[i] >= 'A' && uid[i] <= 'F')))
			return false;
	return true;
}

static void
card_audit(struct ctl_client *c, const char *kind, const char *uid, const char *detail)
{
	struct ev_rec ev = { .ts_ms = real_ms() };

	str_copy(ev.kind, kind, sizeof(ev.kind));
	str_copy(ev.credential, uid, sizeof(ev.credential));
	str_copy(ev.actor, c->user, sizeof(ev.actor));
	str_copy(ev.detail, detail, sizeof(ev.detail));
	engine_event(c->srv->e, &ev);
}

static void
card_added(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;

	if (req->status != 0) {
		reply_err(c, "card %s not stored: %s", req->in.card.uid, req->error);
	} else {
		engine_card_put(c->srv->e, &req->in.card);
		card_audit(c, "card_added", req->in.card.uid, req->in.card.holder);
		reply_ok(c, card_json(&req->in.card));
	}
	req_finish(c, req);
}

static void
cmd_card_add(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "uid", "holder", "enabled", "valid_from_ms",
	    "valid_until_ms", NULL };
	struct card_rec card = { .enabled = true };
	struct store_req *req;

	if (!args_known(c, args, known) ||
	    arg_str(c, args, "uid", card.uid, sizeof(card.uid), true) < 0 ||
	    arg_str(c, args, "holder", card.holder, sizeof(card.holder), true) < 0 ||
	    arg_bool(c, args, "enabled", &card.enabled) < 0 ||
	    arg_int(c, args, "valid_from_ms", &card.valid_from_ms, 0, INT64_MAX) < 0 ||
	    arg_int(c, args, "valid_until_ms", &card.valid_until_ms, 0, INT64_MAX) < 0)
		return;
	if (!uid_valid(card.uid)) {
		reply_err(c, "card uid \"%s\": 4 to %d upper-case hex digits expected",
		    card.uid, MSG_UID_MAX - 1);
		return;
	}
	if (card.holder[0] == '\0') {
		reply_err(c, "holder must not be empty");
		return;
	}
	if (card.valid_from_ms && card.valid_until_ms &&
	    card.valid_until_ms <= card.valid_from_ms) {
		reply_err(c, "card %s: valid until must be after valid from", card.uid);
		return;
	}
	str_copy(card.created_by, c->user, sizeof(card.created_by));
	card.created_ms = real_ms();
	if ((req = req_new(c, STORE_CARD_PUT, card_added)) == NULL)
		return;
	req->in.card = card;
	req_submit(c, req);
}

static void
card_removed(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;

	if (req->status != 0) {
		reply_err(c, "card %s not removed: %s", req->in.key, req->error);
	} else if (!req->found) {
		reply_err(c, "no card %s", req->in.key);
	} else {
		json_object *o = json_object_new_object();

		engine_card_del(c->srv->e, req->in.key);
		card_audit(c, "card_removed", req->in.key, "");
		add_str(o, "uid", req->in.key);
		reply_ok(c, o);
	}
	req_finish(c, req);
}

static void
cmd_card_remove(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "uid", NULL };
	struct store_req *req;
	char uid[32];

	if (!args_known(c, args, known) || arg_str(c, args, "uid", uid, sizeof(uid), true) < 0)
		return;
	if (!uid_valid(uid)) {
		reply_err(c, "card uid \"%s\": 4 to %d upper-case hex digits expected",
		    uid, MSG_UID_MAX - 1);
		return;
	}
	if ((req = req_new(c, STORE_CARD_DEL, card_removed)) == NULL)
		return;
	str_copy(req->in.key, uid, sizeof(req->in.key));
	req_submit(c, req);
}

static void
cmd_card_list(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { NULL };
	struct engine *e = c->srv->e;
	json_object *a;

	if (!args_known(c, args, known))
		return;
	/* The engine's copy is the table as committed; no disk read needed. */
	a = json_object_new_array();
	for (size_t i = 0; i < e->ncards; i++)
		json_object_array_add(a, card_json(&e->cards[i]));
	reply_ok(c, a);
}

static void
lane_opened(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;

	if (req->status != 0) {
		reply_err(c, "lane %s opened but not recorded: %s", req->in.event.lane,
		    req->error);
	} else {
		json_object *o = json_object_new_object();

		add_str(o, "lane", req->in.event.lane);
		add_str(o, "direction", req->in.event.direction);
		add_int(o, "event_id", req->id);
		reply_ok(c, o);
	}
	req_finish(c, req);
}

static void
cmd_lane_open(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "lane", "direction", "reason", NULL };
	struct engine *e = c->srv->e;
	const struct lane_conf *lc;
	struct lane_state *ls;
	struct store_req *req;
	char lane[32], dir[8], reason[100], err[160];
	enum dir d;
	int l;

	if (!args_known(c, args, known) ||
	    arg_str(c, args, "lane", lane, sizeof(lane), true) < 0 ||
	    arg_str(c, args, "direction", dir, sizeof(dir), true) < 0 ||
	    arg_str(c, args, "reason", reason, sizeof(reason), true) < 0)
		return;
	if ((l = config_lane_index(e->site, lane)) < 0) {
		reply_err(c, "no lane \"%s\"", lane);
		return;
	}
	if (strcmp(dir, "entry") == 0)
		d = DIR_ENTRY;
	else if (strcmp(dir, "exit") == 0)
		d = DIR_EXIT;
	else {
		reply_err(c, "direction \"%s\": entry or exit expected", dir);
		return;
	}
	if (reason[0] == '\0') {
		reply_err(c, "a reason is required to open a lane by hand");
		return;
	}
	lc = &e->site->lanes[l];
	if (!e->devs[lc->turnstile].online) {
		/* The worker would refuse it too: an offline device gets no command. */
		reply_err(c, "lane %s not opened: turnstile %s is not answering (%s)", lane,
		    e->site->devices[lc->turnstile].name, e->devs[lc->turnstile].reason);
		return;
	}
	if (engine_send_cmd(e, lc->turnstile, d == DIR_ENTRY ? TS_CMD_OPEN_ENTRY :
	    TS_CMD_OPEN_EXIT, 0, err, sizeof(err)) < 0) {
		reply_err(c, "lane %s not opened: %s", lane, err);
		return;
	}
	ls = &e->lanes[l];
	ls->pending = true;
	ls->dir = d;
	ls->deadline_ns = mono_ns() + (int64_t)lc->pass_timeout_ms * NS_PER_MS;
	ls->credential[0] = '\0';
	str_copy(ls->actor, c->user, sizeof(ls->actor));
	log_notice("%s: opened for %s by %s: %s", lane, dir, c->user, reason);

	if ((req = req_new(c, STORE_EVENT_SYNC, lane_opened)) == NULL)
		return;
	req->in.event.ts_ms = real_ms();
	str_copy(req->in.event.kind, "manual_open", sizeof(req->in.event.kind));
	str_copy(req->in.event.lane, lane, sizeof(req->in.event.lane));
	str_copy(req->in.event.device, e->site->devices[lc->turnstile].name,
	    sizeof(req->in.event.device));
	str_copy(req->in.event.direction, dir, sizeof(req->in.event.direction));
	str_copy(req->in.event.decision, "granted", sizeof(req->in.event.decision));
	str_copy(req->in.event.reason, rule_reason_code(R_MANUAL), sizeof(req->in.event.reason));
	str_copy(req->in.event.actor, c->user, sizeof(req->in.event.actor));
	str_copy(req->in.event.detail, reason, sizeof(req->in.event.detail));
	req_submit(c, req);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void
cmd_stats(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { NULL };
	struct engine *e = c->srv->e;
	size_t n = e->lat_count < LAT_SAMPLES ? (size_t)e->lat_count : LAT_SAMPLES;
	json_object *o, *lat, *links;
	struct store_stats ss;
	uint64_t rejects = 0;

	if (!args_known(c, args, known))
		return;
	o = json_object_new_object();
	lat = json_object_new_object();
	add_int(lat, "count", (int64_t)e->lat_count);
	if (n > 0) {
		int64_t *s = malloc(n * sizeof(*s));

		if (s != NULL) {
			memcpy(s, e->lat_ns, n * sizeof(*s));
			qsort(s, n, sizeof(*s), cmp_i64);
			add_int(lat, "p50", s[(n - 1) / 2]);
			add_int(lat, "p99", s[(n - 1) * 99 / 100]);
			add_int(lat, "max", s[n - 1]);
			free(s);
		}
	}
	json_object_object_add(o, "latency_ns", lat);
	store_get_stats(e->store, &ss);
	add_int(o, "events_committed", (int64_t)ss.events_committed);
	add_int(o, "event_batches", (int64_t)ss.batches);
	add_int(o, "event_queue", (int64_t)ss.queue_len);
	add_int(o, "store_failures", (int64_t)ss.failures);
	for (int d = 0; d < e->site->ndevices; d++)
		rejects += e->devs[d].rejects;
	add_int(o, "reader_rejects", (int64_t)rejects);
	add_int(o, "command_failures", (int64_t)e->cmd_failures);
	links = json_object_new_object();
	for (int i = 0; i < e->site->nlinks; i++) {
		json_object *w = json_object_new_object();

		add_int(w, "pid", e->workers[i].pid);
		add_int(w, "restarts", e->workers[i].restarts);
		json_object_object_add(links, e->site->links[i].name, w);
	}
	json_object_object_add(o, "links", links);
	reply_ok(c, o);
}

static const struct {
	const char	*name;
	void		(*fn)(struct ctl_client *, json_object *args);
} commands[] = {
	{ "status",	cmd_status },
	{ "events",	cmd_events },
	{ "devices",	cmd_devices },
	{ "alerts",	cmd_alerts },
	{ "card.add",	cmd_card_add },
	{ "card.remove", cmd_card_remove },
	{ "card.list",	cmd_card_list },
	{ "lane.open",	cmd_lane_open },
	{ "stats",	cmd_stats },
};

static void
handle_line(struct ctl_client *c, const char *line, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *req, *cmd, *args;
	const char *name;

	req = json_tokener_parse_ex(tok, line, (int)len);
	if (req == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len) {
		reply_err(c, "request is not one JSON object: %s",
		    req == NULL ? json_tokener_error_desc(json_tokener_get_error(tok)) :
		    "text after the object");
		goto out;
	}
	if (!json_object_is_type(req, json_type_object) ||
	    !json_object_object_get_ex(req, "cmd", &cmd) ||
	    !json_object_is_type(cmd, json_type_string)) {
		reply_err(c, "request needs \"cmd\": a string");
		goto out;
	}
	if (!json_object_object_get_ex(req, "args", &args) ||
	    json_object_is_type(args, json_type_null))
		args = NULL;
	else if (!json_object_is_type(args, json_type_object)) {
		reply_err(c, "\"args\" must be an object");
		goto out;
	}
	name = json_object_get_string(cmd);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0) {
			json_object *empty = args ? NULL : json_object_new_object();

			commands[i].fn(c, args ? args : empty);
			json_object_put(empty);
			goto out;
		}
	}
	reply_err(c, "unknown command \"%.40s\"", name);
out:
	json_object_put(req);
	json_tokener_free(tok);
}

/* Runs buffered requests, one at a time: replies keep the request order. */
static void
client_process(struct ctl_client *c)
{
	while (!c->busy && !c->dead && !c->follow_events && !c->follow_alerts &&
	    !c->srv->closing) {
		char *nl = memchr(c->in, '\n', c->inlen);
		size_t len;

		if (nl == NULL)
			break;
		len = (size_t)(nl - c->in);
		if (len > 0 && c->in[len - 1] == '\r')
			len--;
		if (len > 0)
			handle_line(c, c->in, len);
		c->inlen -= (size_t)(nl - c->in) + 1;
		memmove(c->in, nl + 1, c->inlen);
	}
	if (c->dead && !c->busy)
		client_free(c);
}

static void
client_unlink(struct ctl_client *c)
{
	struct ctl_client **pp;

	for (pp = &c->srv->clients; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			c->srv->nclients--;
			return;
		}
	}
}

static void
client_free(struct ctl_client *c)
{
	if (c->h.fd >= 0) {
		engine_unwatch(c->srv->e, &c->h);
		close(c->h.fd);
		c->h.fd = -1;
	}
	c->dead = true;
	if (c->busy)
		return;		/* its store request still points here */
	client_unlink(c);
	free(c->in);
	free(c->out);
	free(c);
}

static void
client_event(struct engine *e, struct ev_handler *h, uint32_t events)
{
	struct ctl_client *c = (struct ctl_client *)h;

	(void)e;
	if (events & EPOLLOUT)
		client_flush(c);
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		for (;;) {
			ssize_t n;

			if (c->inlen >= CTL_LINE_MAX) {
				if (memchr(c->in, '\n', c->inlen) == NULL) {
					reply_err(c, "request longer than %d bytes", CTL_LINE_MAX);
					c->dead = true;
				}
				break;
			}
			n = recv(c->h.fd, c->in + c->inlen, CTL_LINE_MAX - c->inlen,
			    MSG_DONTWAIT);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				break;
			if (n <= 0) {
				c->dead = true;
				break;
			}
			c->inlen += (size_t)n;
		}
	}
	client_process(c);
}

/* May this peer use lobbyd? root, lobbyd's own user, or a configured group. */
static bool
peer_allowed(const struct site_conf *site, uid_t uid, gid_t gid, const char *user)
{
	gid_t groups[256];
	int ng = 256;
	struct passwd *pw;

	if (uid == 0 || uid == geteuid())
		return true;
	for (int i = 0; i < site->ngroups; i++)
		if (site->groups[i] == gid)
			return true;
	if ((pw = getpwnam(user)) == NULL)
		return false;
	if (getgrouplist(user, pw->pw_gid, groups, &ng) < 0)
		return false;
	for (int i = 0; i < ng; i++)
		for (int j = 0; j < site->ngroups; j++)
			if (groups[i] == site->groups[j])
				return true;
	return false;
}

static void
server_accept(struct engine *e, struct ev_handler *h, uint32_t events)
{
	struct ctl_server *srv = (struct ctl_server *)h;
	struct ctl_client *c;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct passwd *pw;
	char user[32];
	int fd;

	(void)events;
	while ((fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
			log_err("control: SO_PEERCRED: %s", strerror(errno));
			close(fd);
			continue;
		}
		if ((pw = getpwuid(cred.uid)) != NULL)
			str_copy(user, pw->pw_name, sizeof(user));
		else
			snprintf(user, sizeof(user), "uid %u", (unsigned)cred.uid);
		if (!peer_allowed(e->site, cred.uid, cred.gid, user)) {
			log_warn("control: refused %s (uid %u, pid %d): not in an allowed group",
			    user, (unsigned)cred.uid, (int)cred.pid);
			close(fd);
			continue;
		}
		if (srv->nclients >= MAX_CLIENTS) {
			log_warn("control: refused %s: %d clients already", user, MAX_CLIENTS);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL || (c->in = malloc(CTL_LINE_MAX)) == NULL) {
			free(c);
			close(fd);
			continue;
		}
		c->h = (struct ev_handler){ .fd = fd, .fn = client_event };
		c->srv = srv;
		c->uid = cred.uid;
		str_copy(c->user, user, sizeof(c->user));
		if (engine_watch(e, &c->h, EPOLLIN) < 0) {
			free(c->in);
			free(c);
			close(fd);
			continue;
		}
		c->next = srv->clients;
		srv->clients = c;
		srv->nclients++;
	}
}

void
ctl_publish_event(struct ctl_server *srv, const struct ev_rec *ev)
{
	struct ctl_client *c, *next;

	if (srv == NULL)
		return;
	for (c = srv->clients; c != NULL; c = next) {
		next = c->next;
		if (c->follow_events && !c->dead) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "event", event_json(ev));
			client_write(c, o);
			if (c->dead)
				client_free(c);
		}
	}
}

void
ctl_publish_alert(struct ctl_server *srv, const struct alert_rec *a)
{
	struct ctl_client *c, *next;

	if (srv == NULL)
		return;
	for (c = srv->clients; c != NULL; c = next) {
		next = c->next;
		if (c->follow_alerts && !c->dead) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "alert", alert_json(a));
			client_write(c, o);
			if (c->dead)
				client_free(c);
		}
	}
}

struct ctl_server *
ctl_open(struct engine *e, char *err, size_t errlen)
{
	const struct site_conf *site = e->site;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_server *srv;
	int fd, probe;

	if (!str_copy(sun.sun_path, site->socket_path, sizeof(sun.sun_path))) {
		snprintf(err, errlen, "%s: socket path too long", site->socket_path);
		return NULL;
	}
	/* A socket that still answers belongs to a running lobbyd. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(probe);
		snprintf(err, errlen, "%s: another lobbyd is running on this socket",
		    site->socket_path);
		return NULL;
	}
	if (probe >= 0)
		close(probe);
	unlink(site->socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fd, 16) < 0) {
		snprintf(err, errlen, "%s: %s", site->socket_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	/* The file mode is the first gate, the peer check the second. */
	chmod(site->socket_path, 0660);
	if (site->ngroups > 0 && geteuid() == 0 &&
	    chown(site->socket_path, (uid_t)-1, site->groups[0]) < 0)
		log_warn("%s: chown to group %s: %s", site->socket_path,
		    site->group_names[0], strerror(errno));
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		snprintf(err, errlen, "control: out of memory");
		close(fd);
		return NULL;
	}
	srv->h = (struct ev_handler){ .fd = fd, .fn = server_accept };
	srv->e = e;
	str_copy(srv->path, site->socket_path, sizeof(srv->path));
	if (engine_watch(e, &srv->h, EPOLLIN) < 0) {
		snprintf(err, errlen, "control: cannot watch the socket");
		close(fd);
		free(srv);
		return NULL;
	}
	return srv;
}

void
ctl_quiesce(struct ctl_server *srv)
{
	if (srv != NULL)
		srv->closing = true;
}

void
ctl_close(struct ctl_server *srv)
{
	if (srv == NULL)
		return;
	while (srv->clients != NULL) {
		struct ctl_client *c = srv->clients;

		/* After ctl_quiesce() and a drained store, nothing is in flight. */
		assert(!c->busy);
		client_free(c);
	}
	engine_unwatch(srv->e, &srv->h);
	close(srv->h.fd);
	unlink(srv->path);
	free(srv);
}
