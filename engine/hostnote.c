/*
 * Telling a visitor's host (hostnote.h): the notices made when a visitor is
 * registered, handed to the notifier process, their states as it reports
 * them, and the one-time answer links. The engine only ever sends to the
 * notifier without waiting: a full socket fails that one delivery, logged
 * and shown, and nothing at a lane notices.
 */
#include "hostnote.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/template.h"
#include "../drivers/notifier.h"
#include "engine.h"
#include "../common/util.h"

#define BACKOFF_MIN_MS	1000
#define BACKOFF_MAX_MS	60000
#define PRUNE_NS	(60 * 1000 * NS_PER_MS)
#define KEEP_DAYS	3		/* notices read back at start */
#define HOSTS_MAX	8		/* channels told about one visitor */
#define STOP_WAIT_NS	(1000 * NS_PER_MS)

static const char mail_subject[] = "访客 {{visitor}} 来访 / Visitor {{visitor}} "
    "for unit {{unit}}";
static const char mail_body[] =
    "{{site}}\n\n"
    "您有一位访客登记到访。\nA visitor has been registered for you.\n\n"
    "访客 Visitor: {{visitor}} ({{party}} 人 / people)\n"
    "受访单位 Unit: {{unit}}    联系人 Host: {{host}}\n"
    "来访事由 Purpose: {{purpose}}\n"
    "登记时间 Registered: {{time}}    有效至 Valid until: {{until}}\n"
    "状态 Status: {{status}}\n\n"
    "确认放行 Confirm: {{confirm_url}}\n"
    "拒绝 Decline: {{decline_url}}\n\n"
    "链接仅可使用一次；也可致电前台确认。\n"
    "The link works once; you may also call the front desk.\n";

struct token {
	int64_t		pass;
	char		hash[65];
	bool		used;
};

static struct {
	pid_t		pid;		/* the notifier; 0: not running */
	struct ev_handler h;		/* its socket; fd -1: none */
	int64_t		restart_ns;	/* 0: not due */
	int		backoff_ms;
	struct notice_rec *n;		/* by id, ascending */
	size_t		nn, ncap;
	struct token	*t;
	size_t		nt, tcap;
	int64_t		next_id;
	int64_t		prune_ns;
	char		prog[PATH_MAX];	/* lobbyd-notify, beside lobbyd */
	struct engine_sub sub;
} hn = { .h = { .fd = -1 } };

static void	notifier_readable(struct engine *, struct ev_handler *, uint32_t);

/* ---- the records --------------------------------------------------------- */

static struct notice_rec *
notice_find(int64_t id)
{
	size_t lo = 0, hi = hn.nn;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (hn.n[mid].id == id)
			return &hn.n[mid];
		if (hn.n[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void *
grow(void *p, size_t *cap, size_t n, size_t size)
{
	void *q;

	if (n < *cap)
		return p;
	if ((q = realloc(p, (*cap ? *cap * 2 : 64) * size)) == NULL)
		return NULL;
	*cap = *cap ? *cap * 2 : 64;
	return q;
}

/* Stored when it can be; a lost write only leaves an older state there. */
static void
store_put(struct engine *e, enum store_op op, const void *rec, size_t size)
{
	struct store_req *req = calloc(1, sizeof(*req));

	if (req == NULL) {
		log_err("host notice: not stored: out of memory");
		return;
	}
	req->op = op;
	memcpy(op == STORE_NOTICE_PUT ? (void *)&req->in.notice :
	    (void *)&req->in.token, rec, size);
	req->done = engine_bg_done;
	req->arg = "host notice";
	store_submit(e->store, req);
}

static void
notice_event(struct engine *e, const struct notice_rec *n, const char *kind)
{
	const struct pass_rec *p = desk_pass(e, n->pass);
	struct ev_rec ev;

	engine_ev_init(&ev, kind);
	if (p != NULL) {
		ev.person = p->person;
		str_copy(ev.credential, p->credential, sizeof(ev.credential));
	}
	/* The channel, never the address: tenants' details stay at the desk. */
	if (snprintf(ev.detail, sizeof(ev.detail), "pass %" PRId64 ": %s%s%.90s",
	    n->pass, n->channel, n->detail[0] ? ": " : "", n->detail) < 0)
		ev.detail[0] = '\0';
	engine_event(e, &ev);
}

/* A delivery's new state: kept, stored, and its end an event. */
static void
notice_set(struct engine *e, struct notice_rec *n, const char *state,
    int tries, const char *detail)
{
	str_copy(n->state, state, sizeof(n->state));
	str_copy(n->detail, detail, sizeof(n->detail));
	if (tries > 0)
		n->tries = tries;
	n->updated_ms = real_ms();
	store_put(e, STORE_NOTICE_PUT, n, sizeof(*n));
	if (strcmp(state, "sent") == 0)
		notice_event(e, n, "host_notified");
	else if (strcmp(state, "failed") == 0)
		notice_event(e, n, "host_notify_failed");
}

/* ---- the notifier process ------------------------------------------------ */

/* The notifier's program: lobbyd-notify in lobbyd's own directory (as
 * installed, and in a build tree). -1 when lobbyd cannot tell where it is
 * (logged: hosts are then not told; out stays ""). */
static int
notifier_path(char *out, size_t len)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0) {
		log_err("notifier: where lobbyd is (/proc/self/exe): %s; hosts "
		    "are not told", strerror(errno));
		return -1;
	}
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	if ((size_t)snprintf(out, len, "%s/lobbyd-notify", self) >= len) {
		log_err("notifier: %s/lobbyd-notify: path too long; hosts are "
		    "not told", self);
		return -1;
	}
	return 0;
}

static void
notifier_start(struct engine *e)
{
	int sv[2];
	pid_t pid;

	hn.restart_ns = 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_err("notifier: socketpair: %s", strerror(errno));
		goto out_retry;
	}
	if ((pid = fork()) < 0) {
		log_err("notifier: fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		goto out_retry;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGCHLD, SIG_DFL);	/* it reaps its commands */
		signal(SIGHUP, SIG_IGN);
		signal(SIGTERM, SIG_DFL);
		close(sv[0]);
		/* fd 3 across the exec: dup2() clears close-on-exec, and
		 * one already at 3 has it cleared by hand. */
		if (sv[1] != 3 ? dup2(sv[1], 3) < 0 : fcntl(3, F_SETFD, 0) < 0)
			_exit(1);
		close_range(4, ~0U, 0);
		/* A program of its own: libcurl is loaded there, not here. */
		execl(hn.prog, "lobbyd-notify", (char *)NULL);
		log_err("notifier: cannot run %s: %s", hn.prog, strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	hn.pid = pid;
	hn.h.fd = sv[0];
	hn.h.fn = notifier_readable;
	if (engine_watch(e, &hn.h, EPOLLIN) < 0) {
		close(sv[0]);
		hn.h.fd = -1;
		kill(pid, SIGKILL);
		return;		/* reaped, then started again */
	}
	log_debug("notifier: pid %d", (int)pid);
	return;

out_retry:
	hn.restart_ns = mono_ns() + (int64_t)hn.backoff_ms * NS_PER_MS;
}

/* Its socket is gone: what it held will not be sent. */
static void
notifier_gone(struct engine *e, const char *why)
{
	char detail[NOTICE_DETAIL_MAX];

	if (hn.h.fd >= 0) {
		engine_unwatch(e, &hn.h);
		close(hn.h.fd);
		hn.h.fd = -1;
	}
	snprintf(detail, sizeof(detail), "the notifier stopped (%s)", why);
	for (size_t i = 0; i < hn.nn; i++)
		if (strcmp(hn.n[i].state, "queued") == 0 ||
		    strcmp(hn.n[i].state, "retrying") == 0)
			notice_set(e, &hn.n[i], "failed", 0, detail);
}

static void
report_take(struct engine *e, const char *buf, size_t len)
{
	char *copy = strndup(buf, len);
	json_object *o = copy ? json_tokener_parse(copy) : NULL, *v;
	struct notice_rec *n = NULL;
	const char *state = "", *detail = "";
	int tries = 0;

	free(copy);
	if (o != NULL && json_object_object_get_ex(o, "id", &v))
		n = notice_find(json_object_get_int64(v));
	if (json_object_object_get_ex(o, "state", &v))
		state = json_object_get_string(v);
	if (json_object_object_get_ex(o, "detail", &v))
		detail = json_object_get_string(v);
	if (json_object_object_get_ex(o, "tries", &v))
		tries = json_object_get_int(v);
	if (n != NULL && (strcmp(state, "sent") == 0 ||
	    strcmp(state, "retrying") == 0 || strcmp(state, "failed") == 0))
		notice_set(e, n, state, tries, detail);
	json_object_put(o);
}

static void
notifier_readable(struct engine *e, struct ev_handler *h, uint32_t events)
{
	static char buf[4096];
	int budget = 64;

	(void)events;
	while (budget-- > 0) {
		ssize_t n = recv(h->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0)
			report_take(e, buf, (size_t)n);
		else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && errno == EAGAIN)
			return;
		else {
			notifier_gone(e, n == 0 ? "its socket closed" :
			    strerror(errno));
			return;
		}
	}
}

void
hostnote_reap(struct engine *e)
{
	int status;

	if (hn.pid <= 0 || waitpid(hn.pid, &status, WNOHANG) != hn.pid)
		return;
	if (!e->stopping)
		log_err("notifier: pid %d %s %d; restarting in %d ms", (int)hn.pid,
		    WIFSIGNALED(status) ? "killed by signal" : "exited with status",
		    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
		    hn.backoff_ms);
	hn.pid = 0;
	notifier_gone(e, "it exited");
	hn.restart_ns = mono_ns() + (int64_t)hn.backoff_ms * NS_PER_MS;
	if ((hn.backoff_ms *= 2) > BACKOFF_MAX_MS)
		hn.backoff_ms = BACKOFF_MAX_MS;
}

/* ---- making a notice ------------------------------------------------------ */

static void
local_time(int64_t ms, char *out, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms == 0 || localtime_r(&t, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%d %H:%M", &tm) == 0)
		str_copy(out, "", len);
}

int
hostnote_lookup(const struct engine *e, const char *unit, int *ch,
    const char **to, int max)
{
	const struct notify_conf *nc = &e->site->notify;
	int k = 0;

	for (int any = 0; any < 2 && k == 0; any++)
		for (int i = 0; i < nc->nhosts && k < max; i++)
			if (strcmp(nc->hosts[i].unit, any ? "*" : unit) == 0) {
				ch[k] = nc->hosts[i].channel;
				to[k++] = nc->hosts[i].to;
			}
	return unit[0] != '\0' ? k : 0;
}

/* A new token for pass: its text into tok, its hash kept and stored. */
static bool
token_make(struct engine *e, int64_t pass, char tok[HOSTNOTE_TOKEN_LEN + 1])
{
	unsigned char r[32], h[crypto_hash_sha256_BYTES];
	struct token_rec rec = { .pass = pass, .made_ms = real_ms() };
	struct token *t;

	if ((t = grow(hn.t, &hn.tcap, hn.nt, sizeof(*t))) == NULL)
		return false;
	hn.t = t;
	randombytes_buf(r, sizeof(r));
	sodium_bin2base64(tok, HOSTNOTE_TOKEN_LEN + 1, r, sizeof(r),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_hash_sha256(h, (const unsigned char *)tok, strlen(tok));
	sodium_bin2hex(rec.hash, sizeof(rec.hash), h, sizeof(h));
	t = &hn.t[hn.nt++];
	*t = (struct token){ .pass = pass };
	str_copy(t->hash, rec.hash, sizeof(t->hash));
	store_put(e, STORE_TOKEN_PUT, &rec, sizeof(rec));
	return true;
}

/* The job for the notifier, as text (malloc'd); NULL and why on failure. */
static char *
job_make(struct engine *e, const struct notice_rec *n,
    const struct notify_channel *ch, const struct tmpl_val *vals, size_t nv,
    char *why, size_t whylen)
{
	const struct notify_conf *nc = &e->site->notify;
	static char body[NOTIFY_TEMPLATE_MAX * 2], subject[512];	/* not on the stack */
	json_object *o = json_object_new_object(), *a;
	char *out = NULL;

#define ADD(k, v)	json_object_object_add(o, k, json_object_new_string(v))
	json_object_object_add(o, "id", json_object_new_int64(n->id));
	ADD("type", ch->type == NOTIFY_WEBHOOK ? "webhook" :
	    ch->type == NOTIFY_SMTP ? "smtp" : "exec");
	if (ch->type == NOTIFY_EXEC) {
		json_object *b = json_object_new_object();

		json_object_object_add(b, "event",
		    json_object_new_string("visitor_registered"));
		json_object_object_add(b, "channel", json_object_new_string(ch->name));
		for (size_t i = 0; i < nv; i++)
			json_object_object_add(b, vals[i].name,
			    json_object_new_string(vals[i].value));
		ADD("body", json_object_to_json_string_ext(b,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(b);
		ADD("command", ch->command);
	} else {
		if (tmpl_render(ch->tmpl[0] ? ch->tmpl : mail_body, vals, nv,
		    ch->type == NOTIFY_WEBHOOK ? TMPL_JSON : TMPL_TEXT, body,
		    sizeof(body), why, whylen) < 0)
			goto out;
		ADD("body", body);
		ADD("url", ch->url);
		if (ch->type == NOTIFY_WEBHOOK && ch->sign_secret_file[0] != '\0')
			ADD("sign_secret_file", ch->sign_secret_file);
	}
	if (ch->type == NOTIFY_SMTP) {
		if (tmpl_render(ch->subject[0] ? ch->subject : mail_subject, vals,
		    nv, TMPL_TEXT, subject, sizeof(subject), why, whylen) < 0)
			goto out;
		ADD("subject", subject);
		ADD("from", ch->from);
		ADD("to", n->to);
		ADD("user", ch->user);
		ADD("password_file", ch->password_file);
	}
#undef ADD
	json_object_object_add(o, "timeout_s", json_object_new_int(nc->timeout_s));
	a = json_object_new_array();
	for (int i = 0; i < nc->nretry; i++)
		json_object_array_add(a, json_object_new_int(nc->retry_s[i]));
	json_object_object_add(o, "retry_s", a);
	out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	if (out == NULL)
		snprintf(why, whylen, "out of memory");
out:
	json_object_put(o);
	/* The text held the host's one-time link: not left lying about. */
	sodium_memzero(body, sizeof(body));
	sodium_memzero(subject, sizeof(subject));
	return out;
}

/* One notice: recorded, and handed to the notifier (or failed at once). */
static void
notice_send(struct engine *e, const struct pass_rec *p, int chi,
    const char *to, struct tmpl_val *vals, size_t nv)
{
	const struct notify_channel *ch = &e->site->notify.channels[chi];
	struct notice_rec *n;
	char why[NOTICE_DETAIL_MAX] = "";
	char *job;

	if ((n = grow(hn.n, &hn.ncap, hn.nn, sizeof(*n))) == NULL) {
		log_err("pass %" PRId64 ": host not told: out of memory", p->id);
		return;
	}
	hn.n = n;
	n = &hn.n[hn.nn++];
	*n = (struct notice_rec){ .id = ++hn.next_id, .pass = p->id,
	    .queued_ms = real_ms() };
	n->updated_ms = n->queued_ms;
	str_copy(n->channel, ch->name, sizeof(n->channel));
	str_copy(n->to, to, sizeof(n->to));
	str_copy(n->state, "queued", sizeof(n->state));
	vals[nv - 1].value = n->to;	/* {{to}} */
	if ((job = job_make(e, n, ch, vals, nv, why, sizeof(why))) == NULL)
		;
	else if (hn.h.fd < 0)
		snprintf(why, sizeof(why), "the notifier is not running");
	else if (strlen(job) > NOTIFIER_MSG_MAX)
		snprintf(why, sizeof(why), "the notice is longer than %d bytes",
		    NOTIFIER_MSG_MAX);
	else if (send(hn.h.fd, job, strlen(job), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		snprintf(why, sizeof(why), "%s", errno == EAGAIN ?
		    "the notifier's queue is full" : strerror(errno));
	free(job);
	if (why[0] != '\0') {
		log_err("pass %" PRId64 ": %s: host not told: %s", p->id,
		    ch->name, why);
		notice_set(e, n, "failed", 0, why);
		return;
	}
	store_put(e, STORE_NOTICE_PUT, n, sizeof(*n));
}

/* A visitor was registered (and stored): their host is told. */
static void
registered(struct engine *e, const struct pass_rec *p)
{
	const struct notify_conf *nc = &e->site->notify;
	const struct desk_person *who = desk_person(e, p->person);
	char tok[HOSTNOTE_TOKEN_LEN + 1] = "", link[3][320], party[16],
	    when[24], until[24], pass[24];
	const char *to[HOSTS_MAX];
	int ch[HOSTS_MAX], k;
	bool pending = strcmp(p->state, "pending") == 0;

	if (who == NULL || (k = hostnote_lookup(e, who->r.unit, ch, to,
	    HOSTS_MAX)) == 0)
		return;
	memset(link, 0, sizeof(link));
	if (pending && nc->answer_url[0] != '\0' && token_make(e, p->id, tok)) {
		const char *sep = strchr(nc->answer_url, '?') ? "&" : "?";

		snprintf(link[0], sizeof(link[0]), "%s%s", nc->answer_url, tok);
		/* answer_url is at most 255 bytes: each fits. */
		if (snprintf(link[1], sizeof(link[1]), "%.300s%sa=confirm", link[0],
		    sep) < 0 || snprintf(link[2], sizeof(link[2]), "%.300s%sa=decline",
		    link[0], sep) < 0)
			link[1][0] = link[2][0] = '\0';
	}
	snprintf(party, sizeof(party), "%d", p->party > 0 ? p->party : 1);
	snprintf(pass, sizeof(pass), "%" PRId64, p->id);
	local_time(p->issued_ms, when, sizeof(when));
	local_time(p->valid_until_ms, until, sizeof(until));
	{
		/* notify_placeholders' order; {{to}} last, set per notice. */
		struct tmpl_val vals[] = {
			{ "visitor", who->r.name }, { "host", p->host },
			{ "unit", who->r.unit }, { "purpose", p->purpose },
			{ "party", party }, { "class", p->vclass },
			{ "time", when }, { "until", until },
			{ "confirm_url", link[1] }, { "decline_url", link[2] },
			{ "answer_url", link[0] }, { "site", e->site->site_name },
			{ "status", pending ? "待您确认 / waiting for your "
			    "confirmation" : "已放行 / admitted" },
			{ "pass", pass }, { "to", "" },
		};

		for (int i = 0; i < k; i++)
			notice_send(e, p, ch[i], to[i], vals,
			    sizeof(vals) / sizeof(vals[0]));
	}
	sodium_memzero(tok, sizeof(tok));
	sodium_memzero(link, sizeof(link));
}

/* Committed events: a registration tells the host. */
static void
event_seen(void *arg, const struct ev_rec *ev)
{
	struct engine *e = arg;
	struct pass_rec *p;

	if (strcmp(ev->kind, "visitor_registered") != 0 ||
	    e->site->notify.nhosts == 0)
		return;
	p = desk_pass_live(e, ev->credential);
	if (p != NULL && p->person == ev->person)
		registered(e, p);
}

/* ---- answers, lookups, the loop ------------------------------------------ */

int64_t
hostnote_token_pass(const struct engine *e, const char *token)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[65];

	(void)e;
	if (strlen(token) != HOSTNOTE_TOKEN_LEN)
		return 0;
	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	for (size_t i = 0; i < hn.nt; i++)
		if (!hn.t[i].used && sodium_memcmp(hn.t[i].hash, hex, 64) == 0)
			return hn.t[i].pass;
	return 0;
}

void
hostnote_token_used(struct engine *e, int64_t pass, const char *answer)
{
	for (size_t i = 0; i < hn.nt; i++) {
		struct token_rec rec = { .pass = pass, .used_ms = real_ms() };

		if (hn.t[i].pass != pass || hn.t[i].used)
			continue;
		hn.t[i].used = true;
		str_copy(rec.hash, hn.t[i].hash, sizeof(rec.hash));
		str_copy(rec.answer, answer, sizeof(rec.answer));
		rec.made_ms = rec.used_ms;	/* the row is replaced whole */
		store_put(e, STORE_TOKEN_PUT, &rec, sizeof(rec));
	}
}

size_t
hostnote_of_pass(const struct engine *e, int64_t pass,
    const struct notice_rec **out, size_t max)
{
	size_t k = 0;

	(void)e;
	for (size_t i = 0; i < hn.nn; i++)
		if (hn.n[i].pass == pass) {
			if (k < max)
				out[k] = &hn.n[i];
			k++;
		}
	return k;
}

/* Notices of passes the desk no longer holds, and tokens of passes no
 * longer pending, are forgotten (the store keeps them). */
static void
prune(struct engine *e)
{
	size_t i, k;

	for (i = k = 0; i < hn.nn; i++)
		if (desk_pass(e, hn.n[i].pass) != NULL)
			hn.n[k++] = hn.n[i];
	hn.nn = k;
	for (i = k = 0; i < hn.nt; i++) {
		const struct pass_rec *p = desk_pass(e, hn.t[i].pass);

		if (!hn.t[i].used && p != NULL && strcmp(p->state, "pending") == 0)
			hn.t[k++] = hn.t[i];
	}
	hn.nt = k;
}

int
hostnote_init(struct engine *e)
{
	struct store_req req = { .op = STORE_NOTICE_LOAD };
	int rc = 0;

	hn.backoff_ms = BACKOFF_MIN_MS;
	req.in.query.since_ms = real_ms() - (int64_t)KEEP_DAYS * 86400000;
	if (store_run(e->store, &req) < 0) {
		log_err("%s", req.error);
		rc = -1;
	} else {
		hn.next_id = req.id;
		hn.n = req.rows;
		hn.nn = hn.ncap = req.nrows;
		req.rows = NULL;
	}
	store_req_free(&req);
	req = (struct store_req){ .op = STORE_TOKEN_LOAD };
	if (rc == 0 && store_run(e->store, &req) < 0) {
		log_err("%s", req.error);
		rc = -1;
	}
	for (size_t i = 0; rc == 0 && i < req.nrows; i++) {
		const struct token_rec *r = &((const struct token_rec *)req.rows)[i];
		struct token *t = grow(hn.t, &hn.tcap, hn.nt, sizeof(*t));

		if (t == NULL)
			break;
		hn.t = t;
		hn.t[hn.nt] = (struct token){ .pass = r->pass };
		str_copy(hn.t[hn.nt++].hash, r->hash, sizeof(hn.t[0].hash));
	}
	store_req_free(&req);
	if (rc < 0)
		return -1;
	/* What was on its way when lobbyd stopped will not be sent now. */
	for (size_t i = 0; i < hn.nn; i++)
		if (strcmp(hn.n[i].state, "queued") == 0 ||
		    strcmp(hn.n[i].state, "retrying") == 0)
			notice_set(e, &hn.n[i], "failed", 0, "lobbyd restarted "
			    "before it was sent");
	hn.sub = (struct engine_sub){ .event = event_seen, .arg = e };
	engine_subscribe(e, &hn.sub);
	hn.prune_ns = mono_ns() + PRUNE_NS;
	if (notifier_path(hn.prog, sizeof(hn.prog)) == 0 &&
	    e->site->notify.nchannels > 0)
		notifier_start(e);
	return 0;
}

void
hostnote_tick(struct engine *e, int64_t now_ns)
{
	if (hn.pid == 0 && hn.prog[0] != '\0' && e->site->notify.nchannels > 0 &&
	    !e->stopping && (hn.restart_ns == 0 || now_ns >= hn.restart_ns))
		notifier_start(e);
	if (now_ns >= hn.prune_ns) {
		prune(e);
		hn.prune_ns = now_ns + PRUNE_NS;
		/* A notifier that has run a while starts again quickly. */
		if (hn.pid > 0)
			hn.backoff_ms = BACKOFF_MIN_MS;
	}
}

int64_t
hostnote_next_deadline(const struct engine *e)
{
	int64_t next = hn.prune_ns;

	if (hn.pid == 0 && e->site->notify.nchannels > 0 && hn.restart_ns != 0 &&
	    hn.restart_ns < next)
		next = hn.restart_ns;
	return next;
}

void
hostnote_stop(struct engine *e)
{
	int64_t give_up = mono_ns() + STOP_WAIT_NS;
	size_t waiting = 0;
	int status;

	for (size_t i = 0; i < hn.nn; i++)
		waiting += strcmp(hn.n[i].state, "queued") == 0 ||
		    strcmp(hn.n[i].state, "retrying") == 0;
	if (waiting > 0)
		log_warn("notifier: lobbyd stopping: %zu deliveries not sent",
		    waiting);
	if (hn.h.fd >= 0) {
		engine_unwatch(e, &hn.h);
		close(hn.h.fd);		/* the notifier sees its end close */
		hn.h.fd = -1;
	}
	while (hn.pid > 0) {
		if (waitpid(hn.pid, &status, WNOHANG) == hn.pid)
			hn.pid = 0;
		else if (mono_ns() > give_up) {
			kill(hn.pid, SIGKILL);
			waitpid(hn.pid, &status, 0);
			hn.pid = 0;
		} else
			usleep(10000);
	}
	engine_unsubscribe(e, &hn.sub);
	free(hn.n);
	free(hn.t);
	hn.n = NULL;
	hn.t = NULL;
	hn.nn = hn.ncap = hn.nt = hn.tcap = 0;
}
