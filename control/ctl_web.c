/*
 * The web console's side of the control socket: web accounts (user.add),
 * the check of a web login (web.login), and the "as" of a request that
 * lobbyweb makes on behalf of a logged-in web user, so that lobbyd decides
 * by that user's role and records that user's name as the actor.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control_int.h"
#include "../engine/engine.h"
#include "../common/util.h"

#define WEB_PEER	"lobbyweb"	/* the Unix user lobbyweb runs as */
#define WEB_SESS_MS	(12LL * 3600 * 1000)	/* an "as" is taken this long
						   after the user's login */
#define WEB_SESS_MAX	1024

/* A web user who logged in: lobbyweb may act as them until until_ms. */
struct ctl_websess {
	char	name[24];
	unsigned roles;
	int64_t	until_ms;
};

/* Is the peer lobbyweb's own user? Root and lobbyd's own user may be
 * anyone already (the demo runs lobbyweb as lobbyd's user). */
static bool
peer_is_web(const struct ctl_client *c)
{
	return c->uid == 0 || c->uid == geteuid() ||
	    strcmp(c->peer_user, WEB_PEER) == 0;
}

/* A web user's name: 1-23 of [a-z0-9._-], starting with a letter. */
static bool
web_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(((struct ctl_websess *)0)->name) ||
	    s[0] < 'a' || s[0] > 'z')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* The ROLE_* bit of a role's name, 0 when there is no such role. */
static unsigned
role_bit(const char *name)
{
	for (int i = 0; role_name(i) != NULL; i++)
		if (strcmp(role_name(i), name) == 0)
			return 1u << i;
	return 0;
}

static void
web_event(struct ctl_client *c, const char *kind, const char *actor,
    const char *detail)
{
	struct ev_rec ev = { .ts_ms = real_ms() };

	str_copy(ev.kind, kind, sizeof(ev.kind));
	str_copy(ev.actor, actor, sizeof(ev.actor));
	str_copy(ev.detail, detail, sizeof(ev.detail));
	engine_event(c->srv->e, &ev);
}

static struct ctl_websess *
sess_find(struct ctl_server *srv, const char *name)
{
	for (size_t i = 0; i < srv->nwebsess; i++)
		if (strcmp(srv->websess[i].name, name) == 0)
			return &srv->websess[i];
	return NULL;
}

/* Remembers a login; the oldest is forgotten when the table is full. */
static void
sess_note(struct ctl_server *srv, const char *name, unsigned roles)
{
	struct ctl_websess *s = sess_find(srv, name);

	if (s == NULL && srv->nwebsess < WEB_SESS_MAX) {
		struct ctl_websess *n = realloc(srv->websess,
		    (srv->nwebsess + 1) * sizeof(*n));

		if (n != NULL) {
			srv->websess = n;
			s = &n[srv->nwebsess++];
		}
	}
	if (s == NULL) {
		s = &srv->websess[0];
		for (size_t i = 1; i < srv->nwebsess; i++)
			if (srv->websess[i].until_ms < s->until_ms)
				s = &srv->websess[i];
	}
	str_copy(s->name, name, sizeof(s->name));
	s->roles = roles;
	s->until_ms = real_ms() + WEB_SESS_MS;
}

int
ctl_web_as(struct ctl_client *c, json_object *req)
{
	json_object *as, *u, *r;
	const char *user, *role;
	struct ctl_websess *s;
	unsigned bit;

	str_copy(c->user, c->peer_user, sizeof(c->user));
	c->roles = c->peer_roles;
	if (!json_object_object_get_ex(req, "as", &as) ||
	    json_object_is_type(as, json_type_null))
		return 0;
	if (!peer_is_web(c)) {
		log_warn("control: %s (pid %d) sent \"as\": only %s may", c->user,
		    (int)c->pid, WEB_PEER);
		ctl_reply_err(c, "\"as\" is only for lobbyweb's own user (%s); "
		    "you (%s) are not", WEB_PEER, c->user);
		return -1;
	}
	if (!json_object_is_type(as, json_type_object) ||
	    !json_object_object_get_ex(as, "user", &u) ||
	    !json_object_is_type(u, json_type_string) ||
	    !json_object_object_get_ex(as, "role", &r) ||
	    !json_object_is_type(r, json_type_string)) {
		ctl_reply_err(c, "\"as\" needs {\"user\": a name, \"role\": a role}");
		return -1;
	}
	user = json_object_get_string(u);
	role = json_object_get_string(r);
	if ((bit = role_bit(role)) == 0) {
		ctl_reply_err(c, "\"as\": no role \"%.20s\"", role);
		return -1;
	}
	/* lobbyweb acting as itself only narrows its roles (its followers). */
	if (strcmp(user, c->peer_user) == 0) {
		c->roles = bit;
		return 0;
	}
	s = web_name_valid(user) ? sess_find(c->srv, user) : NULL;
	if (s == NULL || s->until_ms < real_ms() || (s->roles & bit) == 0) {
		ctl_reply_err(c, "\"as\": web user \"%.23s\" has no login in lobbyd "
		    "with the role %s; log in again", user, role);
		return -1;
	}
	snprintf(c->user, sizeof(c->user), "%.23s@web", user);
	c->roles = bit;
	return 0;
}

/* ---- user.add {name, role, hash} ------------------------------------- */

static void
user_added(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	const struct web_in *w = &req->in.web;
	char detail[96];

	if (req->status != 0) {
		ctl_reply_err(c, "web user %s not stored: %s", w->name, req->error);
	} else {
		json_object *o = json_object_new_object();

		snprintf(detail, sizeof(detail), "web user %.23s as %.15s%s", w->name,
		    w->role, req->found ? " (replaced)" : "");
		web_event(c, "web_user_added", c->user, detail);
		ctl_add_str(o, "name", w->name);
		ctl_add_str(o, "role", w->role);
		json_object_object_add(o, "replaced",
		    json_object_new_boolean(req->found));
		ctl_reply_ok(c, o);
	}
	ctl_req_finish(c, req);
}

void
ctl_cmd_user_add(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "name", "role", "hash", NULL };
	struct web_in w = { .ts_ms = real_ms() };
	struct store_req *req;

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "name", w.name, sizeof(w.name), true) != 1 ||
	    ctl_arg_str(c, args, "role", w.role, sizeof(w.role), true) != 1 ||
	    ctl_arg_str(c, args, "hash", w.hash, sizeof(w.hash), true) != 1)
		return;
	if (!web_name_valid(w.name)) {
		ctl_reply_err(c, "user name \"%s\": 1 to 23 of a-z 0-9 . _ -, "
		    "starting with a letter", w.name);
		return;
	}
	if (role_bit(w.role) == 0) {
		ctl_reply_err(c, "role \"%s\": one of guard, frontdesk, "
		    "engineering, manager", w.role);
		return;
	}
	if (strncmp(w.hash, "$argon2id$", 10) != 0) {
		ctl_reply_err(c, "hash: an argon2id hash from crypto_pwhash_str "
		    "(\"$argon2id$...\"), never a password");
		return;
	}
	str_copy(w.actor, c->user, sizeof(w.actor));
	if ((req = ctl_req_new(c, STORE_WEB_USER_PUT, user_added)) == NULL)
		return;
	req->in.web = w;
	ctl_req_submit(c, req);
}

/* ---- web.login {name, password, from?} ------------------------------- */

static void
login_checked(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	struct web_in *w = &req->in.web;
	char actor[32], detail[128];
	const char *from = w->hash;	/* the browser's address, kept there */

	snprintf(actor, sizeof(actor), "%.23s@web", w->name);
	if (req->status != 0) {
		ctl_reply_err(c, "web login of %s not checked: %s", w->name,
		    req->error);
	} else if (req->found) {
		json_object *o = json_object_new_object();

		sess_note(c->srv, w->name, role_bit(w->role));
		snprintf(detail, sizeof(detail), "from %.60s", from);
		web_event(c, "web_login", actor, detail);
		ctl_add_str(o, "name", w->name);
		ctl_add_str(o, "role", w->role);
		ctl_reply_ok(c, o);
	} else {
		snprintf(detail, sizeof(detail), "from %.60s: %s (%" PRId64 " before "
		    "in a row)", from, w->locked ? "paused after failures" :
		    "wrong name or password", req->id);
		web_event(c, "web_login_failed", actor, detail);
		ctl_reply_err(c, w->locked ? "too many failed logins: try again "
		    "in a minute" : "wrong name or password");
	}
	ctl_req_finish(c, req);
}

void
ctl_cmd_web_login(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "name", "password", "from", NULL };
	struct store_req *req;
	struct web_in *w;

	if (!peer_is_web(c) || c->roles != c->peer_roles) {
		log_warn("control: %s (pid %d) refused web.login: only %s may",
		    c->user, (int)c->pid, WEB_PEER);
		ctl_reply_err(c, "web.login is only for lobbyweb's own user (%s)",
		    WEB_PEER);
		return;
	}
	if (!ctl_args_known(c, args, known) ||
	    (req = ctl_req_new(c, STORE_WEB_LOGIN, login_checked)) == NULL)
		return;
	w = &req->in.web;
	w->ts_ms = real_ms();
	if (ctl_arg_str(c, args, "name", w->name, sizeof(w->name), true) != 1 ||
	    ctl_arg_str(c, args, "password", w->password, sizeof(w->password),
	    true) != 1 || ctl_arg_str(c, args, "from", w->hash, sizeof(w->hash),
	    false) == -1) {
		sodium_memzero(w->password, sizeof(w->password));
		store_req_free(req);
		free(req);
		return;
	}
	if (!web_name_valid(w->name)) {
		sodium_memzero(w->password, sizeof(w->password));
		store_req_free(req);
		free(req);
		ctl_reply_err(c, "wrong name or password");
		return;
	}
	ctl_req_submit(c, req);
}
