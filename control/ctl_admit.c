/*
 * Who may use the control socket, and how many at once: a peer checked by
 * its credentials and groups, held to the site's limits (ctl_limit.h), and
 * told why when turned away, the refusals logged at a bounded rate.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control_int.h"
#include "ctl_server_int.h"
#include "../engine/engine.h"
#include "../common/util.h"

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

/* A manager, root or lobbyd's own user: may take the reserve. */
static bool
peer_privileged(uid_t uid, unsigned roles)
{
	return uid == 0 || uid == geteuid() || (roles & ROLE_MANAGER) != 0;
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

/* The refusals counted in the minutes that ended by now_ns, one line each. */
void
ctl_refusals_log(struct ctl_server *srv, int64_t now_ns)
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

bool
ctl_admit_peer(struct ctl_server *srv, int fd, struct ctl_peer *p)
{
	const struct site_conf *site = srv->e->site;
	struct ctl_pool pool = pool_of(site, false);
	struct ucred cred;
	socklen_t len = sizeof(cred), glen;
	gid_t groups[256];
	size_t ngroups;
	char detail[128], msg[256];
	enum ctl_verdict v;
	int used, mine;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_err("control: SO_PEERCRED: %s", strerror(errno));
		close(fd);
		return false;
	}
	/* More than 256 groups: only the primary group counts. */
	glen = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) < 0)
		glen = 0;
	ngroups = glen / sizeof(gid_t);
	p->roles = role_of_groups(site, cred.gid, groups, ngroups);
	if (!peer_allowed(site, &cred, groups, ngroups, p->roles)) {
		refusal_note(srv, cred.uid, cred.pid, REF_NOT_ALLOWED, NULL,
		    refusal_words[REF_NOT_ALLOWED], p->user, sizeof(p->user));
		snprintf(msg, sizeof(msg), "not authorised: you (%s) are "
		    "not in a group allowed to use lobbyd", p->user);
		refuse(fd, msg);
		return false;
	}
	/* Followers are counted apart, once they follow. */
	p->privileged = peer_privileged(cred.uid, p->roles);
	pool_count(srv, false, cred.uid, &used, &mine);
	if ((v = ctl_admit(&pool, used, mine, p->privileged)) != CTL_ADMIT) {
		limit_detail(v, false, &pool, detail, sizeof(detail));
		refusal_note(srv, cred.uid, cred.pid, v == CTL_USER_FULL ?
		    REF_USER_FULL : REF_BUSY, NULL, detail, p->user,
		    sizeof(p->user));
		limit_message(v, false, &pool, p->user, msg, sizeof(msg));
		refuse(fd, msg);
		return false;
	}
	peer_name(cred.uid, p->user, sizeof(p->user));
	p->uid = cred.uid;
	p->pid = cred.pid;
	return true;
}
