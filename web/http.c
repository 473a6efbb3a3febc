/*
 * lobbyweb's HTTP side (libmicrohttpd, a thread per connection): the pages
 * and catalogs from its static directory, the login, the API that turns a
 * browser's request into one lobbyd request as the web user, the muster CSV
 * and the live feed as Server-Sent Events. Every change needs the session's
 * CSRF token; cookies are HttpOnly, SameSite=Strict, Secure over HTTPS.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "web.h"
#include "../common/util.h"

#define BODY_MAX	65536
#define SSE_WAIT_MS	15000	/* a keep-alive comment at least this often */
#define LOGIN_FAIL_MS	1000	/* a failed login is answered this late */

/* What a page or file is: its URL, its file under static_dir, its type,
 * and whether it needs a session (else: a redirect to the login). */
static const struct file_def {
	const char	*url, *file, *type;
	bool		session;
} files[] = {
	{ "/",		"feed.html",	"text/html; charset=utf-8", true },
	{ "/devices",	"devices.html",	"text/html; charset=utf-8", true },
	{ "/muster",	"muster.html",	"text/html; charset=utf-8", true },
	{ "/visitors",	"visitors.html", "text/html; charset=utf-8", true },
	{ "/passes",	"passes.html",	"text/html; charset=utf-8", true },
	{ "/permits",	"permits.html",	"text/html; charset=utf-8", true },
	{ "/freight",	"freight.html",	"text/html; charset=utf-8", true },
	{ "/tickets",	"tickets.html",	"text/html; charset=utf-8", true },
	{ "/shift",	"shift.html",	"text/html; charset=utf-8", true },
	{ "/people",	"people.html",	"text/html; charset=utf-8", true },
	{ "/watchlist",	"watchlist.html", "text/html; charset=utf-8", true },
	{ "/cards",	"cards.html",	"text/html; charset=utf-8", true },
	{ "/login",	"login.html",	"text/html; charset=utf-8", false },
	{ "/answer",	"answer.html",	"text/html; charset=utf-8", false },
	{ "/answer.js",	"answer.js",	"text/javascript; charset=utf-8", false },
	{ "/people.js",	"people.js",	"text/javascript; charset=utf-8", false },
	{ "/pick.js",	"pick.js",	"text/javascript; charset=utf-8", false },
	{ "/cards.js",	"cards.js",	"text/javascript; charset=utf-8", false },
	{ "/idcard.js",	"idcard.js",	"text/javascript; charset=utf-8", false },
	{ "/app.js",	"app.js",	"text/javascript; charset=utf-8", false },
	{ "/lib.js",	"lib.js",	"text/javascript; charset=utf-8", false },
	{ "/desk.js",	"desk.js",	"text/javascript; charset=utf-8", false },
	{ "/work.js",	"work.js",	"text/javascript; charset=utf-8", false },
	{ "/style.css",	"style.css",	"text/css; charset=utf-8", false },
	{ "/i18n/zh-CN.json", "i18n/zh-CN.json", "application/json; charset=utf-8", false },
	{ "/i18n/en.json", "i18n/en.json", "application/json; charset=utf-8", false },
};
#define NFILES	(sizeof(files) / sizeof(files[0]))

/* The requests a browser may make, read (GET) or change (POST); lobbyd
 * decides each by the web user's role. */
static const char *const reads[] = { "status", "events", "devices", "alerts",
	"fire", "inside", "visitor.list", "pass.list", "pass.show", "devices.check",
	"permit.list", "booking.list", "elevators.list", "tickets",
	"ticket.show", "shift.log", "tenant.list", "watchlist.list", "idcard.last",
	NULL };
static const char *const changes[] = { "visitor.register", "visitor.confirm",
	"alert.ack", "fire.reset", "lane.open", "pass.issue", "pass.extend",
	"pass.revoke", "permit.add", "permit.set", "contractor.add", "booking.add",
	"booking.cancel", "ticket.open", "ticket.start", "ticket.note",
	"ticket.done", "shift.note", "shift.handover", "alert.raise",
	"watchlist.add", "watchlist.remove", "person.add", "person.status",
	"card.add", "card.remove", NULL };
/* The lists a browser reads a page at a time (GET /api/page/CMD), never
 * whole: a tower's million cards, its tens of thousands of people. */
static const char *const paged[] = { "card.list", "person.list", NULL };
#define PAGE_ROWS_MAX	1000	/* card.list's own page (person.list's: 2,000) */

struct web_http {
	struct MHD_Daemon	*d;
	const struct web_conf	*conf;
	bool			tls;
	char			*body[NFILES];
	size_t			len[NFILES];
	json_object		*cat_zh, *cat_en;
	char			*cert, *key;
};

/* A request's uploaded body, gathered over the handler's calls. */
struct upload {
	char	*buf;
	size_t	len;
	bool	too_long;
};

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

/* A field of lobbyd's reply: "" or 0 when absent. */
static const char *
show_str(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v,
	    json_type_string) ? json_object_get_string(v) : "";
}

static int64_t
show_int(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

/* Equal tokens, in a time that does not tell how much matched. */
static bool
token_eq(const char *a, const char *b)
{
	return strlen(a) == strlen(b) && sodium_memcmp(a, b, strlen(a)) == 0;
}

static bool
listed(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static enum MHD_Result
respond(struct web_http *h, struct MHD_Connection *conn, unsigned status,
    const char *type, const char *body, size_t len, bool copy,
    const char *cookie)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len,
	    (void *)body, copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Content-Security-Policy", "default-src 'self'; "
	    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (h->tls)
		MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
	if (cookie != NULL)
		MHD_add_response_header(r, "Set-Cookie", cookie);
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
respond_json(struct web_http *h, struct MHD_Connection *conn, unsigned status,
    json_object *o, const char *cookie)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	enum MHD_Result rc = respond(h, conn, status,
	    "application/json; charset=utf-8", s, strlen(s), true, cookie);

	json_object_put(o);
	return rc;
}

/* {"error": words, "code": a catalog key the page shows in its language} */
static enum MHD_Result
respond_err(struct web_http *h, struct MHD_Connection *conn, unsigned status,
    const char *code, const char *words)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "error", json_object_new_string(words));
	return respond_json(h, conn, status, o, NULL);
}

enum MHD_Result
http_reply_json(struct web_http *h, struct MHD_Connection *conn, unsigned status,
    json_object *o, const char *cookie)
{
	return respond_json(h, conn, status, o, cookie);
}

enum MHD_Result
http_reply_err(struct web_http *h, struct MHD_Connection *conn, unsigned status,
    const char *code, const char *words)
{
	return respond_err(h, conn, status, code, words);
}

const char *
http_socket(const struct web_http *h)
{
	return h->conf->socket;
}

bool
http_is_tls(const struct web_http *h)
{
	return h->tls;
}

static bool
session_of(struct MHD_Connection *conn, struct web_sess *s)
{
	return sess_get(MHD_lookup_connection_value(conn, MHD_COOKIE_KIND,
	    "lw_session"), s);
}

/* "zh-CN" or "en": the switch's cookie, else the browser's first choice
 * between the two, else Chinese. */
static const char *
lang_of(struct MHD_Connection *conn)
{
	const char *c = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "lw_lang");
	const char *al = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Accept-Language");
	const char *en, *zh;

	if (c != NULL)
		return strcmp(c, "en") == 0 ? "en" : "zh-CN";
	if (al == NULL)
		return "zh-CN";
	en = strstr(al, "en");
	zh = strstr(al, "zh");
	return en != NULL && (zh == NULL || en < zh) ? "en" : "zh-CN";
}

static const char *
msg(struct web_http *h, const char *lang, const char *key)
{
	json_object *v;

	if (json_object_object_get_ex(strcmp(lang, "en") == 0 ? h->cat_en :
	    h->cat_zh, key, &v))
		return json_object_get_string(v);
	return key;
}

void
http_client_addr(struct MHD_Connection *conn, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	snprintf(out, len, "?");
	if (ci != NULL && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)ci->client_addr)->sin_addr,
		    out, (socklen_t)len);
}

static void
nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* POST /api/login {name, password}: lobbyd checks; a session on success. */
static enum MHD_Result
api_login(struct web_http *h, struct MHD_Connection *conn, struct upload *up)
{
	json_object *body = up->buf ? json_tokener_parse(up->buf) : NULL;
	json_object *args, *data, *n, *p, *o;
	struct web_sess s;
	char err[256], from[64], cookie[256];
	enum MHD_Result rc;

	if (body == NULL || !json_object_object_get_ex(body, "name", &n) ||
	    !json_object_object_get_ex(body, "password", &p)) {
		json_object_put(body);
		return respond_err(h, conn, 400, "err.bad_request", "name and password");
	}
	http_client_addr(conn, from, sizeof(from));
	args = json_object_new_object();
	json_object_object_add(args, "name", json_object_get(n));
	json_object_object_add(args, "password", json_object_get(p));
	json_object_object_add(args, "from", json_object_new_string(from));
	json_object_put(body);
	if (ctl_call(h->conf->socket, "web.login", args, NULL, NULL, &data, err,
	    sizeof(err)) == -1) {
		nap_ms(LOGIN_FAIL_MS);	/* a guesser gets one try a second */
		return respond_err(h, conn, 401, strstr(err, "too many") ?
		    "err.login_paused" : strstr(err, "wrong") ? "err.login" :
		    "err.lobbyd", err);
	}
	if (sess_new(show_str(data, "name"), show_str(data, "role"),
	    h->conf->session_min, &s) == -1) {
		json_object_put(data);
		return respond_err(h, conn, 503, "err.busy", "too many sessions");
	}
	json_object_put(data);
	snprintf(cookie, sizeof(cookie), "lw_session=%s; Path=/; HttpOnly; "
	    "SameSite=Strict; Max-Age=%d%s", s.token, h->conf->session_min * 60,
	    h->tls ? "; Secure" : "");
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(s.user));
	json_object_object_add(o, "role", json_object_new_string(s.role));
	json_object_object_add(o, "csrf", json_object_new_string(s.csrf));
	rc = respond_json(h, conn, 200, o, cookie);
	return rc;
}

/* The muster list as CSV, in the page's language, for a spreadsheet. */
static enum MHD_Result
api_muster_csv(struct web_http *h, struct MHD_Connection *conn,
    const struct web_sess *s)
{
	const char *lang = lang_of(conn);
	json_object *data;
	char err[256];
	size_t cap = 4096, len = 0;
	char *out;
	enum MHD_Result rc;

	if (ctl_call(h->conf->socket, "inside", NULL, s->user, s->role, &data,
	    err, sizeof(err)) == -1)
		return respond_err(h, conn, 403, "err.lobbyd", err);
	if ((out = malloc(cap)) == NULL) {
		json_object_put(data);
		return MHD_NO;
	}
	len = (size_t)snprintf(out, cap, "\xEF\xBB\xBF%s,%s,%s,%s,%s,%s,%s\r\n",
	    msg(h, lang, "csv.zone"), msg(h, lang, "csv.name"),
	    msg(h, lang, "csv.kind"), msg(h, lang, "csv.id"),
	    msg(h, lang, "csv.unit"), msg(h, lang, "csv.since"),
	    msg(h, lang, "csv.lane"));
	for (size_t i = 0; i < json_object_array_length(data); i++) {
		json_object *r = json_object_array_get_idx(data, i);
		const char *f[] = { show_str(r, "zone"), show_str(r, "name"),
		    show_str(r, "kind"), show_str(r, "id_mask"), show_str(r, "unit"),
		    NULL, show_str(r, "lane") };
		char since[32];
		time_t t = (time_t)(show_int(r, "since_ms") / 1000);
		struct tm tm;

		strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S",
		    localtime_r(&t, &tm));
		f[5] = since;
		for (int k = 0; k < 7; k++) {
			size_t need = len + 2 * strlen(f[k]) + 8;

			if (need > cap) {
				char *n = realloc(out, need * 2);

				if (n == NULL)
					goto out_nomem;
				out = n;
				cap = need * 2;
			}
			/* Quoted, quotes doubled; a leading =+-@ made text so
			 * that a spreadsheet never runs it as a formula. */
			out[len++] = '"';
			if (strchr("=+-@", f[k][0]) != NULL && f[k][0] != '\0')
				out[len++] = '\'';
			for (const char *c = f[k]; *c; c++) {
				if (*c == '"')
					out[len++] = '"';
				out[len++] = *c;
			}
			out[len++] = '"';
			out[len++] = k < 6 ? ',' : '\r';
		}
		out[len++] = '\n';
	}
	json_object_put(data);
	{
		struct MHD_Response *r = MHD_create_response_from_buffer(len, out,
		    MHD_RESPMEM_MUST_FREE);

		MHD_add_response_header(r, "Content-Type", "text/csv; charset=utf-8");
		MHD_add_response_header(r, "Content-Disposition",
		    "attachment; filename=\"muster.csv\"");
		MHD_add_response_header(r, "Cache-Control", "no-store");
		MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
		rc = MHD_queue_response(conn, 200, r);
		MHD_destroy_response(r);
	}
	return rc;
out_nomem:
	free(out);
	json_object_put(data);
	return MHD_NO;
}

/* ---- Server-Sent Events ---------------------------------------------- */

struct sse {
	uint64_t	seq;
	char		token[65];
	char		role[16];
	bool		started;
};

static ssize_t
sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse *st = cls;
	struct web_sess s;
	int n;

	(void)pos;
	if (!sess_get(st->token, &s))
		return MHD_CONTENT_READER_END_OF_STREAM;	/* logged out or expired */
	if (!st->started) {
		char fire[512];

		st->started = true;
		feed_fire(fire, sizeof(fire));
		n = snprintf(buf, max, "retry: 1000\nevent: fire\ndata: %s\n\n", fire);
		return n > 0 && (size_t)n < max ? n : MHD_CONTENT_READER_END_WITH_ERROR;
	}
	n = feed_next(&st->seq, st->role, buf, max, SSE_WAIT_MS);
	if (n < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n == 0)
		return snprintf(buf, max, ": still here\n\n");
	return n;
}

static enum MHD_Result
api_stream(struct web_http *h, struct MHD_Connection *conn,
    const struct web_sess *s)
{
	struct sse *st = calloc(1, sizeof(*st));
	struct MHD_Response *r;
	enum MHD_Result rc;

	(void)h;
	if (st == NULL)
		return MHD_NO;
	st->seq = feed_head();
	str_copy(st->token, s->token, sizeof(st->token));
	str_copy(st->role, s->role, sizeof(st->role));
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, sse_read,
	    st, free);
	if (r == NULL) {
		free(st);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	rc = MHD_queue_response(conn, 200, r);
	MHD_destroy_response(r);
	return rc;
}

/* ---- the API --------------------------------------------------------- */

/* GET /api/q/CMD?a=JSON and POST /api/do/CMD with JSON args: one lobbyd
 * request as the web user. */
static enum MHD_Result
api_cmd(struct web_http *h, struct MHD_Connection *conn, const struct web_sess *s,
    const char *cmd, const char *argtext)
{
	json_object *args = NULL, *data;
	char err[256];

	if (argtext != NULL && argtext[0] != '\0' &&
	    ((args = json_tokener_parse(argtext)) == NULL ||
	    !json_object_is_type(args, json_type_object))) {
		json_object_put(args);
		return respond_err(h, conn, 400, "err.bad_request", "args: a JSON object");
	}
	if (ctl_call(h->conf->socket, cmd, args, s->user, s->role, &data, err,
	    sizeof(err)) == -1)
		return respond_err(h, conn, strstr(err, "needs the role") ? 403 : 400,
		    strstr(err, "needs the role") ? "err.role" : "err.lobbyd", err);
	{
		json_object *o = json_object_new_object();

		json_object_object_add(o, "data", data);
		return respond_json(h, conn, 200, o, NULL);
	}
}

/* GET /api/page/CMD?a=JSON: one page, {data, more} (more: the page after's
 * "after", absent at the end); args' "limit" the rows a page (50). */
static enum MHD_Result
api_page(struct web_http *h, struct MHD_Connection *conn,
    const struct web_sess *s, const char *cmd, const char *argtext)
{
	json_object *args = NULL, *data, *v, *o;
	char err[256], more[64];
	int want = 50;

	if (argtext != NULL && argtext[0] != '\0' &&
	    ((args = json_tokener_parse(argtext)) == NULL ||
	    !json_object_is_type(args, json_type_object))) {
		json_object_put(args);
		return respond_err(h, conn, 400, "err.bad_request", "args: a JSON object");
	}
	if (args != NULL && json_object_object_get_ex(args, "limit", &v)) {
		want = json_object_get_int(v);
		json_object_object_del(args, "limit");
		if (want < 1 || want > PAGE_ROWS_MAX) {
			json_object_put(args);
			return respond_err(h, conn, 400, "err.bad_request",
			    "limit: 1 to 1000 rows");
		}
	}
	if (ctl_page(h->conf->socket, cmd, args, want, s->user, s->role, &data,
	    more, sizeof(more), err, sizeof(err)) == -1)
		return respond_err(h, conn, strstr(err, "needs the role") ? 403 : 400,
		    strstr(err, "needs the role") ? "err.role" : "err.lobbyd", err);
	o = json_object_new_object();
	json_object_object_add(o, "data", data);
	if (more[0] != '\0')
		json_object_object_add(o, "more", json_object_new_string(more));
	return respond_json(h, conn, 200, o, NULL);
}

static enum MHD_Result
route(struct web_http *h, struct MHD_Connection *conn, const char *url,
    const char *method, struct upload *up)
{
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	bool post = strcmp(method, "POST") == 0;
	struct web_sess s;
	bool have = session_of(conn, &s);
	const char *csrf;

	for (size_t i = 0; i < NFILES; i++) {
		if (strcmp(url, files[i].url) != 0)
			continue;
		if (!get)
			return respond_err(h, conn, 405, "err.bad_request", "GET only");
		if (files[i].session && !have) {
			struct MHD_Response *r = MHD_create_response_from_buffer(0, "",
			    MHD_RESPMEM_PERSISTENT);
			enum MHD_Result rc;

			MHD_add_response_header(r, "Location", "/login");
			rc = MHD_queue_response(conn, 303, r);
			MHD_destroy_response(r);
			return rc;
		}
		return respond(h, conn, 200, files[i].type, h->body[i], h->len[i],
		    false, NULL);
	}
	if (strcmp(url, "/api/login") == 0 && post)
		return api_login(h, conn, up);
	/* The host's link: no session; its own token (web/answer.c). */
	if (strcmp(url, "/api/answer") == 0 && (get || post))
		return up->too_long ? respond_err(h, conn, 413, "err.bad_request",
		    "too long") : answer_route(h, conn, post, up->buf);
	if (strncmp(url, "/api/", 5) != 0)
		return respond_err(h, conn, 404, "err.not_found", url);
	if (!have)
		return respond_err(h, conn, 401, "err.login_needed", "log in first");
	if (post) {
		csrf = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CSRF-Token");
		if (csrf == NULL || strlen(csrf) != 64 ||
		    !token_eq(csrf, s.csrf))
			return respond_err(h, conn, 403, "err.csrf",
			    "the page's CSRF token is missing or wrong; reload the page");
		if (up->too_long)
			return respond_err(h, conn, 413, "err.bad_request", "too long");
	}
	if (get && strcmp(url, "/api/me") == 0) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(s.user));
		json_object_object_add(o, "role", json_object_new_string(s.role));
		json_object_object_add(o, "csrf", json_object_new_string(s.csrf));
		json_object_object_add(o, "lang", json_object_new_string(lang_of(conn)));
		return respond_json(h, conn, 200, o, NULL);
	}
	if (get && strcmp(url, "/api/stream") == 0)
		return api_stream(h, conn, &s);
	if (get && strcmp(url, "/api/muster.csv") == 0)
		return api_muster_csv(h, conn, &s);
	if (post && strcmp(url, "/api/logout") == 0) {
		sess_end(s.token);
		return respond(h, conn, 200, "application/json", "{}", 2, false,
		    "lw_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	}
	if (get && strncmp(url, "/api/q/", 7) == 0 && listed(reads, url + 7))
		return api_cmd(h, conn, &s, url + 7, MHD_lookup_connection_value(conn,
		    MHD_GET_ARGUMENT_KIND, "a"));
	if (get && strncmp(url, "/api/page/", 10) == 0 && listed(paged, url + 10))
		return api_page(h, conn, &s, url + 10, MHD_lookup_connection_value(conn,
		    MHD_GET_ARGUMENT_KIND, "a"));
	if (post && strncmp(url, "/api/do/", 8) == 0 && listed(changes, url + 8))
		return api_cmd(h, conn, &s, url + 8, up->buf);
	return respond_err(h, conn, 404, "err.not_found", url);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *data, size_t *size,
    void **con_cls)
{
	struct upload *up = *con_cls;

	(void)version;
	if (up == NULL) {
		if ((up = calloc(1, sizeof(*up))) == NULL)
			return MHD_NO;
		*con_cls = up;
		return MHD_YES;
	}
	if (*size > 0) {
		if (up->len + *size > BODY_MAX) {
			up->too_long = true;
		} else {
			char *n = realloc(up->buf, up->len + *size + 1);

			if (n == NULL)
				return MHD_NO;
			memcpy(n + up->len, data, *size);
			up->buf = n;
			up->len += *size;
			up->buf[up->len] = '\0';
		}
		*size = 0;
		return MHD_YES;
	}
	return route(cls, conn, url, method, up);
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode why)
{
	struct upload *up = *con_cls;

	(void)cls, (void)conn, (void)why;
	if (up != NULL) {
		if (up->buf != NULL)
			sodium_memzero(up->buf, up->len);	/* may hold a password */
		free(up->buf);
		free(up);
	}
	*con_cls = NULL;
}

struct web_http *
http_start(const struct web_conf *conf)
{
	struct web_http *h = calloc(1, sizeof(*h));
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG;
	char path[512];
	size_t n;

	if (h == NULL)
		return NULL;
	h->conf = conf;
	for (size_t i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", conf->static_dir, files[i].file);
		if ((h->body[i] = slurp(path, &h->len[i])) == NULL) {
			log_err("%s: cannot read it", path);
			goto out_free;
		}
	}
	snprintf(path, sizeof(path), "%s/i18n/zh-CN.json", conf->static_dir);
	h->cat_zh = json_object_from_file(path);
	snprintf(path, sizeof(path), "%s/i18n/en.json", conf->static_dir);
	h->cat_en = json_object_from_file(path);
	if (h->cat_zh == NULL || h->cat_en == NULL) {
		log_err("%s/i18n: a catalog is not JSON", conf->static_dir);
		goto out_free;
	}
	if (conf->tls_cert[0] != '\0') {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			log_err("lobbyweb: this libmicrohttpd has no TLS");
			goto out_free;
		}
		if ((h->cert = slurp(conf->tls_cert, &n)) == NULL ||
		    (h->key = slurp(conf->tls_key, &n)) == NULL) {
			log_err("%s: cannot read the certificate or its key",
			    h->cert == NULL ? conf->tls_cert : conf->tls_key);
			goto out_free;
		}
		h->tls = true;
		flags |= MHD_USE_TLS;
	}
	sa.sin_port = htons((uint16_t)conf->port);
	inet_pton(AF_INET, conf->listen_addr, &sa.sin_addr);
	h->d = h->tls ?
	    MHD_start_daemon(flags, 0, NULL, NULL, handler, h,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
		MHD_OPTION_CONNECTION_LIMIT, 200u,
		MHD_OPTION_CONNECTION_TIMEOUT, 60u,
		MHD_OPTION_HTTPS_MEM_CERT, h->cert,
		MHD_OPTION_HTTPS_MEM_KEY, h->key, MHD_OPTION_END) :
	    MHD_start_daemon(flags, 0, NULL, NULL, handler, h,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
		MHD_OPTION_CONNECTION_LIMIT, 200u,
		MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
	if (h->d == NULL) {
		log_err("lobbyweb: cannot listen on %s:%d", conf->listen_addr, conf->port);
		goto out_free;
	}
	return h;
out_free:
	http_stop(h);
	return NULL;
}

void
http_stop(struct web_http *h)
{
	if (h == NULL)
		return;
	if (h->d != NULL)
		MHD_stop_daemon(h->d);
	for (size_t i = 0; i < NFILES; i++)
		free(h->body[i]);
	json_object_put(h->cat_zh);
	json_object_put(h->cat_en);
	free(h->cert);
	free(h->key);
	free(h);
}
