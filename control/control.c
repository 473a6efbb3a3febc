/*
 * The control server: lobbyctl's Unix socket. Peers are checked by their
 * credentials and held to the site's limits (ctl_limit.h) before a byte is
 * read; requests are JSON lines (daemon/ctl.h) run by ctl_cmds.c, answered
 * in order, each change only once committed.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "control_int.h"
#include "ctl.h"
#include "../engine/engine.h"
#include "../common/util.h"

#define OUT_MAX		(8u << 20)	/* a follower that stops reading is dropped */
#define ACCEPT_BURST	64	/* taken per wake-up: a flood of connections
				   never holds up the loop's other work */
#define NS_PER_S	1000000000LL

/* Why a peer was turned away: its refusals are logged apart by these. */
enum refusal {
	REF_NOT_ALLOWED,
	REF_USER_FULL,
	REF_BUSY,
	REF_FOLLOW_USER_FULL,
	REF_FOLLOW_BUSY,
};
static const char *const refusal_words[] = {
	[REF_NOT_ALLOWED] = "not in an allowed group",
	[REF_USER_FULL] = "at its limit of connections",
	[REF_BUSY] = "no free connection",
	[REF_FOLLOW_USER_FULL] = "at its limit of followers",
	[REF_FOLLOW_BUSY] = "no free follower connection",
};

static void	client_process(struct ctl_client *);
static void	client_free(struct ctl_client *);
static void	client_rearm(struct ctl_client *);

/* ---- output ----------------------------------------------------------- */

/*
 * What to wait for: input while there is room for it and the peer still
 * sends, output while replies wait. Level-triggered epoll must never be left
 * watching input nobody will read (a full buffer, an EOF): it would spin.
 */
static void
client_rearm(struct ctl_client *c)
{
	uint32_t want = 0;

	if (c->dead || c->h.fd < 0)
		return;
	if (!c->eof && c->inlen < CTL_LINE_MAX)
		want |= EPOLLIN;
	if (c->outlen > 0)
		want |= EPOLLOUT;
	if (want != c->armed) {
		struct epoll_event ev = { .events = want, .data.ptr = &c->h };

		epoll_ctl(c->srv->e->epfd, EPOLL_CTL_MOD, c->h.fd, &ev);
		c->armed = want;
	}
}

static void
client_flush(struct ctl_client *c)
{
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
	client_rearm(c);
}

static void
client_write(struct ctl_client *c, json_object *obj)
{
	if (!c->dead) {
		const char *s = json_object_to_json_string_ext(obj,
		    JSON_C_TO_STRING_PLAIN);

		ctl_reply_raw(c, s, strlen(s));
	}
	json_object_put(obj);
}

void
ctl_reply_raw(struct ctl_client *c, const char *s, size_t len)
{
	if (c->dead)
		return;
	if (c->outlen + len + 1 > OUT_MAX) {
		log_warn("control: %s: not reading its replies; disconnected", c->user);
		c->dead = true;
		return;
	}
	if (c->outlen + len + 1 > c->outcap) {
		size_t cap = (c->outlen + len + 1) * 2;
		char *n = realloc(c->out, cap);

		if (n == NULL) {
			c->dead = true;
			return;
		}
		c->out = n;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, s, len);
	c->out[c->outlen + len] = '\n';
	c->outlen += len + 1;
	client_flush(c);
}

void
ctl_reply_ok(struct ctl_client *c, json_object *data)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "ok", json_object_new_boolean(1));
	json_object_object_add(r, "data", data ? data : json_object_new_object());
	client_write(c, r);
}

void
ctl_reply_page(struct ctl_client *c, json_object *data, const char *more)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "ok", json_object_new_boolean(1));
	json_object_object_add(r, "data", data);
	if (more != NULL)
		json_object_object_add(r, "more", json_object_new_string(more));
	client_write(c, r);
}

void
ctl_reply_err(struct ctl_client *c, const char *fmt, ...)
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

/* ---- store requests --------------------------------------------------- */

struct store_req *
ctl_req_new(struct ctl_client *c, enum store_op op, void (*done)(struct store_req *, void *))
{
	struct store_req *req = calloc(1, sizeof(*req));

	if (req == NULL) {
		ctl_reply_err(c, "out of memory");
		if (!c->follow_events && !c->follow_alerts)
			c->follower = false;	/* it will not follow after all */
		return NULL;
	}
	req->op = op;
	req->done = done;
	req->arg = c;
	return req;
}

void
ctl_req_submit(struct ctl_client *c, struct store_req *req)
{
	c->busy = true;
	store_submit(c->srv->e->store, req);
}

void
ctl_req_finish(struct ctl_client *c, struct store_req *req)
{
	store_req_free(req);
	free(req);
	c->busy = false;
	c->active_ns = mono_ns();
	/* Asked to follow and refused (a bad lane, a store error): it sends
	 * commands again, and is counted with those that do. */
	if (c->follower && !c->follow_events && !c->follow_alerts)
		c->follower = false;
	if (c->dead)
		client_free(c);
	else
		client_process(c);
}

/* ---- requests and clients --------------------------------------------- */

/* One request line: parsed, checked, and handed to its command. */
static void
handle_line(struct ctl_client *c, const char *line, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *req, *cmd, *args;
	const char *name;
	ctl_cmd_fn *fn;
	unsigned need;

	req = json_tokener_parse_ex(tok, line, (int)len);
	if (req == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len) {
		ctl_reply_err(c, "request is not one JSON object: %s",
		    req == NULL ? json_tokener_error_desc(json_tokener_get_error(tok)) :
		    "text after the object");
		goto out;
	}
	if (!json_object_is_type(req, json_type_object) ||
	    !json_object_object_get_ex(req, "cmd", &cmd) ||
	    !json_object_is_type(cmd, json_type_string)) {
		ctl_reply_err(c, "request needs \"cmd\": a string");
		goto out;
	}
	if (!json_object_object_get_ex(req, "args", &args) ||
	    json_object_is_type(args, json_type_null))
		args = NULL;
	else if (!json_object_is_type(args, json_type_object)) {
		ctl_reply_err(c, "\"args\" must be an object");
		goto out;
	}
	if (ctl_web_as(c, req) == -1)
		goto out;
	name = json_object_get_string(cmd);
	if ((fn = ctl_cmd_find(name, &need)) != NULL) {
		json_object *empty;

		if (!ctl_has_role(c, need)) {
			char want[64], have[64];

			role_str(need, want, sizeof(want));
			role_str(c->roles, have, sizeof(have));
			log_warn("control: %s refused %s: needs %s, has %s", c->user,
			    name, want, have);
			ctl_reply_err(c, "%s needs the role %s; you (%s) have %s", name,
			    want, c->user, have);
			goto out;
		}
		empty = args ? NULL : json_object_new_object();

		fn(c, args ? args : empty);
		json_object_put(empty);
		goto out;
	}
	ctl_reply_err(c, "unknown command \"%.40s\"", name);
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
		c->active_ns = mono_ns();
		if (len > 0)
			handle_line(c, c->in, len);
		c->inlen -= (size_t)(nl - c->in) + 1;
		memmove(c->in, nl + 1, c->inlen);
	}
	/* A peer that said all it had (half-close) goes once answered. */
	if (c->eof && !c->busy && c->outlen == 0 &&
	    (memchr(c->in, '\n', c->inlen) == NULL || c->srv->closing))
		c->dead = true;
	if (c->dead && !c->busy)
		client_free(c);
	else
		client_rearm(c);
}

static void
client_unlink(struct ctl_client *c)
{
	struct ctl_client **pp;

	for (pp = &c->srv->clients; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
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
	ctl_import_client_gone(c);
	client_unlink(c);
	free(c->in);
	free(c->out);
	free(c);
}

static void
client_event(struct engine *e, struct ev_handler *h, uint32_t events)
{
	struct ctl_client *c = (struct ctl_client *)h;
	bool following = c->follow_events || c->follow_alerts;
	char sink[512];

	(void)e;
	if (events & (EPOLLHUP | EPOLLERR)) {
		/* Gone both ways: nothing to read, nobody to answer. */
		c->dead = true;
		client_process(c);
		return;
	}
	if (events & EPOLLOUT)
		client_flush(c);	/* client_process below frees a finished one */
	while ((events & EPOLLIN) && !c->eof && !c->dead) {
		char *buf = following ? sink : c->in + c->inlen;
		size_t room = following ? sizeof(sink) : CTL_LINE_MAX - c->inlen;
		ssize_t n;

		if (room == 0) {
			if (memchr(c->in, '\n', c->inlen) == NULL) {
				ctl_reply_err(c, "request longer than %d bytes", CTL_LINE_MAX);
				c->eof = true;	/* answered; goes once flushed */
			}
			break;	/* full of requests: read more once they ran */
		}
		n = recv(c->h.fd, buf, room, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			c->dead = true;
			break;
		}
		if (n == 0) {
			c->eof = true;
			if (following)
				c->dead = true;	/* a follower that closes is done */
			break;
		}
		/* A follower only listens: what it sends is dropped. */
		if (!following)
			c->inlen += (size_t)n;
	}
	client_process(c);
}

/*
 * May this peer use lobbyd? root, lobbyd's own user, a member of a
 * configured group, or a holder of a role. The groups are the peer
 * process's own (SO_PEERGROUPS, in groups[0..n)), so no name service is
 * asked: an LDAP server that hangs must not hang the engine (invariant 4).
 */
static bool
peer_allowed(const struct site_conf *site, const struct ucred *cred,
    const gid_t *groups, size_t n, unsigned roles)
{
	if (cred->uid == 0 || cred->uid == geteuid())
		return true;
	if (site->roles_set && (roles & ROLE_ALL) != 0)
		return true;
	for (int i = 0; i < site->ngroups; i++)
		if (site->groups[i] == cred->gid)
			return true;
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < site->ngroups; j++)
			if (groups[i] == site->groups[j])
				return true;
	return false;
}

bool
ctl_has_role(const struct ctl_client *c, unsigned roles)
{
	return (roles & ROLE_EVERYONE) != 0 || (c->roles & roles & ROLE_ALL) != 0;
}

/* The user's name from /etc/passwd, read as a file: local and quick, never
 * a name-service call. Others are recorded as "uid N". */
static void
peer_name(uid_t uid, char *out, size_t len)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;

	snprintf(out, len, "uid %u", (unsigned)uid);
	if (f == NULL)
		return;
	while ((pw = fgetpwent(f)) != NULL) {
		if (pw->pw_uid == uid) {
			str_copy(out, pw->pw_name, len);
			break;
		}
	}
	fclose(f);
}

/* ---- limits and refusals ---------------------------------------------- */

/* The site's limits for one kind of connection. */
static struct ctl_pool
pool_of(const struct site_conf *site, bool followers)
{
	struct ctl_pool p = {
		.max = followers ? site->ctl_followers : site->ctl_clients,
		.per_user = followers ? site->ctl_followers_per_user :
		    site->ctl_per_user,
		.reserve = site->ctl_manager_reserve,
	};

	return p;
}

/* How many connections of a kind are open, and how many of them are uid's. */
static void
pool_count(const struct ctl_server *srv, bool followers, uid_t uid, int *used,
    int *mine)
{
	const struct ctl_client *c;

	*used = *mine = 0;
	for (c = srv->clients; c != NULL; c = c->next) {
		if (c->dead || c->follower != followers)
			continue;
		(*used)++;
		if (c->uid == uid)
			(*mine)++;
	}
}

/* A verdict against a limit, in the log's words. */
static void
limit_detail(enum ctl_verdict v, bool followers, const struct ctl_pool *p,
    char *buf, size_t len)
{
	const char *kind = followers ? "follower connections" : "connections";

	if (v == CTL_USER_FULL)
		snprintf(buf, len, "%s %d connections already, the limit per "
		    "user", followers ? "following with" : "holding",
		    p->per_user);
	else if (v == CTL_SHARED_FULL)
		snprintf(buf, len, "the %d %s open to users other than managers "
		    "are in use", p->max - p->reserve, kind);
	else
		snprintf(buf, len, "all %d %s are in use", p->max, kind);
}

/* The same, as the user turned away reads it. */
static void
limit_message(enum ctl_verdict v, bool followers, const struct ctl_pool *p,
    const char *user, char *buf, size_t len)
{
	const char *kind = followers ? "follower connections" : "connections";

	if (v == CTL_USER_FULL && followers)
		snprintf(buf, len, "too many followers: you (%s) already follow "
		    "with %d connections, the limit per user; stop one and try "
		    "again", user, p->per_user);
	else if (v == CTL_USER_FULL)
		snprintf(buf, len, "connection refused: you (%s) already hold %d "
		    "connections to lobbyd, the limit per user; close one and "
		    "try again", user, p->per_user);
	else if (v == CTL_SHARED_FULL)
		snprintf(buf, len, "lobbyd is busy: the %d %s open to users other "
		    "than managers are in use; try again later",
		    p->max - p->reserve, kind);
	else
		snprintf(buf, len, "lobbyd is busy: all %d %s are in use; try "
		    "again later", p->max, kind);
}

/*
 * A refusal, for the log: the first of a user's minute for each reason is
 * logged now, the rest are counted and summed up by ctl_tick. *user gets
 * the name to tell the peer (name: the one known, or NULL to look it up,
 * once a minute rather than at every connection of a flood).
 */
static void
refusal_note(struct ctl_server *srv, uid_t uid, pid_t pid, enum refusal why,
    const char *name, const char *detail, char *user, size_t len)
{
	struct ctl_refusal *r;
	bool first;

	r = ctl_reflog_note(&srv->refusals, uid, (int)why, mono_ns(), &first);
	if (name != NULL)
		str_copy(user, name, len);
	else if (r->uid == uid && r->user[0] != '\0')
		str_copy(user, r->user, len);
	else
		peer_name(uid, user, len);
	if (r->user[0] == '\0')
		str_copy(r->user, r->uid == uid ? user : "other users",
		    sizeof(r->user));
	if (first)
		log_warn("control: refused %s (uid %u, pid %d): %s", user,
		    (unsigned)uid, (int)pid, detail);
}

/*
 * Tells a peer turned away why, in one reply line, and closes. The socket is
 * new, so its buffer takes the line at once; the peer reads it even when the
 * request it sent meanwhile found the connection closed.
 */
static void
refuse(int fd, const char *msg)
{
	json_object *r = json_object_new_object();
	char line[512];
	int n;

	json_object_object_add(r, "ok", json_object_new_boolean(0));
	json_object_object_add(r, "error", json_object_new_string(msg));
	n = snprintf(line, sizeof(line), "%s\n",
	    json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN));
	if (n > 0 && (size_t)n < sizeof(line))
		(void)send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	json_object_put(r);
	close(fd);
}

bool
ctl_follow_admit(struct ctl_client *c)
{
	struct ctl_pool pool = pool_of(c->srv->e->site, true);
	char detail[128], msg[256], user[32];
	enum ctl_verdict v;
	int used, mine;

	if (c->follower)
		return true;
	pool_count(c->srv, true, c->uid, &used, &mine);
	v = ctl_admit(&pool, used, mine, c->privileged);
	if (v != CTL_ADMIT) {
		limit_detail(v, true, &pool, detail, sizeof(detail));
		refusal_note(c->srv, c->uid, c->pid, v == CTL_USER_FULL ?
		    REF_FOLLOW_USER_FULL : REF_FOLLOW_BUSY, c->user, detail, user,
		    sizeof(user));
		limit_message(v, true, &pool, user, msg, sizeof(msg));
		ctl_reply_err(c, "%s", msg);
		return false;
	}
	c->follower = true;
	return true;
}

/* Is c waiting for its next request (neither following nor answered yet)? */
static bool
client_waits(const struct ctl_client *c)
{
	return !c->dead && !c->busy && !c->follower;
}

/* The last reply of a connection closed for idleness ("closed": "idle",
 * so that a client may ask again on a new one: it read nothing since). */
static void
client_idle_close(struct ctl_client *c, int idle_s)
{
	json_object *r = json_object_new_object();
	char msg[64];

	snprintf(msg, sizeof(msg), "idle for %d s: lobbyd closed the connection",
	    idle_s);
	json_object_object_add(r, "ok", json_object_new_boolean(0));
	json_object_object_add(r, "error", json_object_new_string(msg));
	json_object_object_add(r, "closed", json_object_new_string("idle"));
	client_write(c, r);
}

/* The refusals counted in the minutes that ended by now_ns, one line each. */
static void
refusals_log(struct ctl_server *srv, int64_t now_ns)
{
	struct ctl_refusal r;

	while (ctl_reflog_due(&srv->refusals, now_ns, &r)) {
		if (r.uid == CTL_REFLOG_OTHERS)
			log_warn("control: refused other users %" PRIu64 " more "
			    "times in the last %lld s", r.count,
			    CTL_REFLOG_NS / NS_PER_S);
		else
			log_warn("control: refused %s (uid %u) %" PRIu64 " more "
			    "times in the last %lld s: %s", r.user,
			    (unsigned)r.uid, r.count, CTL_REFLOG_NS / NS_PER_S,
			    refusal_words[r.why]);
	}
}

static void
ctl_tick(struct ctl_server *srv, int64_t now_ns)
{
	struct ctl_client *c, *next;
	int idle_s;

	if (srv == NULL)
		return;
	refusals_log(srv, now_ns);
	idle_s = srv->e->site->ctl_idle_timeout_s;
	for (c = srv->clients; c != NULL; c = next) {
		next = c->next;
		if (!client_waits(c) || now_ns - c->active_ns < idle_s * NS_PER_S)
			continue;
		log_debug("control: %s (pid %d): idle for %d s; closed", c->user,
		    (int)c->pid, idle_s);
		client_idle_close(c, idle_s);
		c->dead = true;
		client_free(c);
	}
}

static int64_t
ctl_next_deadline(const struct ctl_server *srv)
{
	const struct ctl_client *c;
	int64_t next, idle_ns;

	if (srv == NULL)
		return INT64_MAX;
	next = ctl_reflog_deadline(&srv->refusals);
	idle_ns = srv->e->site->ctl_idle_timeout_s * NS_PER_S;
	for (c = srv->clients; c != NULL; c = c->next)
		if (client_waits(c) && c->active_ns + idle_ns < next)
			next = c->active_ns + idle_ns;
	return next;
}

/* A manager, root or lobbyd's own user: may take the reserve. */
static bool
peer_privileged(uid_t uid, unsigned roles)
{
	return uid == 0 || uid == geteuid() || (roles & ROLE_MANAGER) != 0;
}

static void
server_accept(struct engine *e, struct ev_handler *h, uint32_t events)
{
	struct ctl_server *srv = (struct ctl_server *)h;
	struct ctl_pool pool = pool_of(e->site, false);
	struct ctl_client *c;
	struct ucred cred;
	socklen_t len = sizeof(cred), glen;
	gid_t groups[256];
	size_t ngroups;
	unsigned roles;
	char user[32], detail[128], msg[256];
	enum ctl_verdict v;
	bool privileged;
	int fd, used, mine;

	(void)events;
	/* Level-triggered: connections left waiting wake the loop again. */
	for (int n = 0; n < ACCEPT_BURST; n++) {
		fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
			log_err("control: SO_PEERCRED: %s", strerror(errno));
			close(fd);
			continue;
		}
		/* More than 256 groups: only the primary group counts. */
		glen = sizeof(groups);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) < 0)
			glen = 0;
		ngroups = glen / sizeof(gid_t);
		roles = role_of_groups(e->site, cred.gid, groups, ngroups);
		if (!peer_allowed(e->site, &cred, groups, ngroups, roles)) {
			refusal_note(srv, cred.uid, cred.pid, REF_NOT_ALLOWED, NULL,
			    refusal_words[REF_NOT_ALLOWED], user, sizeof(user));
			snprintf(msg, sizeof(msg), "not authorised: you (%s) are "
			    "not in a group allowed to use lobbyd", user);
			refuse(fd, msg);
			continue;
		}
		/* Followers are counted apart, once they follow. */
		privileged = peer_privileged(cred.uid, roles);
		pool_count(srv, false, cred.uid, &used, &mine);
		if ((v = ctl_admit(&pool, used, mine, privileged)) != CTL_ADMIT) {
			limit_detail(v, false, &pool, detail, sizeof(detail));
			refusal_note(srv, cred.uid, cred.pid, v == CTL_USER_FULL ?
			    REF_USER_FULL : REF_BUSY, NULL, detail, user,
			    sizeof(user));
			limit_message(v, false, &pool, user, msg, sizeof(msg));
			refuse(fd, msg);
			continue;
		}
		peer_name(cred.uid, user, sizeof(user));
		c = calloc(1, sizeof(*c));
		if (c == NULL || (c->in = malloc(CTL_LINE_MAX)) == NULL) {
			free(c);
			close(fd);
			continue;
		}
		c->h = (struct ev_handler){ .fd = fd, .fn = client_event };
		c->srv = srv;
		c->uid = cred.uid;
		c->pid = cred.pid;
		c->roles = roles;
		c->privileged = privileged;
		c->active_ns = mono_ns();
		str_copy(c->user, user, sizeof(c->user));
		str_copy(c->peer_user, user, sizeof(c->peer_user));
		c->peer_roles = roles;
		c->armed = EPOLLIN;
		if (engine_watch(e, &c->h, EPOLLIN) < 0) {
			free(c->in);
			free(c);
			close(fd);
			continue;
		}
		c->next = srv->clients;
		srv->clients = c;
	}
}

/* The engine's events, to the clients that follow them. */
static void
ctl_publish_event(void *arg, const struct ev_rec *ev)
{
	struct ctl_server *srv = arg;
	struct ctl_client *c, *next;

	for (c = srv->clients; c != NULL; c = next) {
		next = c->next;
		if (c->follow_events && !c->dead && (c->follow_lane[0] == '\0' ||
		    strcmp(c->follow_lane, ev->lane) == 0)) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "event", ctl_event_json(ev));
			client_write(c, o);
			if (c->dead)
				client_free(c);
		}
	}
}

/* The engine's alerts, to the clients that follow them and may see them. */
static void
ctl_publish_alert(void *arg, const struct alert_rec *a)
{
	struct ctl_server *srv = arg;
	struct ctl_client *c, *next;

	for (c = srv->clients; c != NULL; c = next) {
		next = c->next;
		if (c->follow_alerts && !c->dead && ctl_sees_alert(c, a)) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "alert", ctl_alert_json(a));
			client_write(c, o);
			if (c->dead)
				client_free(c);
		}
	}
}

static struct ctl_server *
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
	/* Anyone may connect; the peer-credential check decides, tells the
	 * peer, and logs the refusal (file modes could only name one group,
	 * silently). */
	chmod(site->socket_path, 0666);
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		snprintf(err, errlen, "control: out of memory");
		close(fd);
		return NULL;
	}
	if (!site->roles_set)
		log_notice("control: no roles configured: every user admitted to "
		    "the socket holds every role");
	srv->h = (struct ev_handler){ .fd = fd, .fn = server_accept };
	srv->e = e;
	str_copy(srv->path, site->socket_path, sizeof(srv->path));
	if (engine_watch(e, &srv->h, EPOLLIN) < 0) {
		snprintf(err, errlen, "control: cannot watch the socket");
		close(fd);
		free(srv);
		return NULL;
	}
	srv->sub = (struct engine_sub){ .event = ctl_publish_event,
	    .alert = ctl_publish_alert, .arg = srv };
	engine_subscribe(e, &srv->sub);
	return srv;
}

static void
ctl_quiesce(struct ctl_server *srv)
{
	if (srv != NULL)
		srv->closing = true;
}

static void
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
	/* Every minute under way ends now: its count would be lost. */
	refusals_log(srv, mono_ns() + CTL_REFLOG_NS);
	engine_unsubscribe(srv->e, &srv->sub);
	engine_unwatch(srv->e, &srv->h);
	close(srv->h.fd);
	unlink(srv->path);
	free(srv->websess);
	free(srv);
}

/* ---- plugged into the engine ------------------------------------------- */

static void *
front_open(struct engine *e, char *err, size_t errlen)
{
	return ctl_open(e, err, errlen);
}

static void
front_tick(void *srv, int64_t now_ns)
{
	ctl_tick(srv, now_ns);
}

static int64_t
front_next_deadline(const void *srv)
{
	return ctl_next_deadline(srv);
}

static void
front_quiesce(void *srv)
{
	ctl_quiesce(srv);
}

static void
front_close(void *srv)
{
	ctl_close(srv);
}

const struct engine_front ctl_front = {
	.open = front_open,
	.tick = front_tick,
	.next_deadline = front_next_deadline,
	.quiesce = front_quiesce,
	.close = front_close,
};
