/*
 * The host's one-time link (/answer?t=TOKEN): no login, the token alone
 * says who may answer (lobbyd's visitor.answer, asked as lobbyweb itself).
 * Looking never answers: chat apps fetch links to preview them. Only the
 * page's button answers, with a POST that carries this page's own token.
 */
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "web.h"
#include "../common/util.h"

#define TOKEN_LEN	43		/* lobbyd's: 32 bytes, base64url */
#define PAGE_MAX_AGE_S	3600		/* the page's token lasts this long */
#define FAIL_WINDOW_MS	(10 * 60000)	/* wrong tokens counted over this */
#define FAIL_MAX	10		/* ... and refused after this many */
#define FAIL_DELAY_MS	500		/* a wrong token is answered this late */
#define ADDRS		256		/* addresses remembered */

/*
 * The page's token: a random nonce in a cookie (HttpOnly, SameSite=Strict,
 * only for /api/answer) and, in the page, HMAC(key, nonce, link token). A
 * POST needs both, for the same link: another site can neither read the
 * page's token nor send the cookie. The key is lobbyweb's, made at start.
 */
static unsigned char key[crypto_auth_hmacsha256_KEYBYTES];

/* Wrong tokens per address, a little: guessing 32 random bytes is hopeless
 * anyway, but nobody gets to try fast. */
static struct {
	pthread_mutex_t	mu;
	struct fails {
		char	addr[64];
		int64_t	since_ms;
		int	n;
	} a[ADDRS];
} fails = { .mu = PTHREAD_MUTEX_INITIALIZER };

void
answer_init(void)
{
	crypto_auth_hmacsha256_keygen(key);
}

static bool
token_ok(const char *t)
{
	return t != NULL && strlen(t) == TOKEN_LEN && strspn(t,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
	    TOKEN_LEN;
}

/* The page's token for nonce (64 hex) and link token t, in hex. */
static void
page_token(const char *nonce, const char *t, char out[65])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, key, sizeof(key));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"answer:", 7);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)nonce, 64);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)":", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)t, strlen(t));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, 65, mac, sizeof(mac));
}

/* The address's slot (found, a free or stale one, or the oldest). Held
 * under fails.mu. */
static struct fails *
fails_slot(const char *addr, int64_t now)
{
	struct fails *old = &fails.a[0];

	for (int i = 0; i < ADDRS; i++) {
		struct fails *f = &fails.a[i];

		if (strcmp(f->addr, addr) == 0)
			return f;
		if (f->since_ms < old->since_ms)
			old = f;
	}
	memset(old, 0, sizeof(*old));
	str_copy(old->addr, addr, sizeof(old->addr));
	old->since_ms = now;
	return old;
}

/* Whether addr has had its wrong tokens for now; with count, one more. */
static bool
fails_over(const char *addr, bool count)
{
	int64_t now = real_ms();
	struct fails *f;
	bool over;

	pthread_mutex_lock(&fails.mu);
	f = fails_slot(addr, now);
	if (now - f->since_ms > FAIL_WINDOW_MS) {
		f->since_ms = now;
		f->n = 0;
	}
	if (count && ++f->n == FAIL_MAX)
		log_warn("lobbyweb: %s: %d links that are not valid in %d minutes; "
		    "its links are refused for a while", addr, FAIL_MAX,
		    FAIL_WINDOW_MS / 60000);
	over = f->n >= FAIL_MAX;
	pthread_mutex_unlock(&fails.mu);
	return over;
}

/* A wrong, used or stale token: one answer for all, late, counted. */
static enum MHD_Result
not_valid(struct web_http *h, struct MHD_Connection *conn, const char *addr)
{
	struct timespec ts = { 0, FAIL_DELAY_MS * 1000000L };

	fails_over(addr, true);
	nanosleep(&ts, NULL);
	return http_reply_err(h, conn, 404, "ans.invalid", "this link is not valid");
}

/* A POST from this page and no other: the browser's own word on where it
 * comes from, when it gives one, then JSON (which a form on another site
 * cannot send without asking first). */
static bool
same_origin(struct MHD_Connection *conn)
{
	const char *site = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Sec-Fetch-Site");
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Origin");
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Host");
	const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Content-Type");
	const char *o;

	if (site != NULL && strcmp(site, "same-origin") != 0)
		return false;
	if (origin != NULL) {
		o = strstr(origin, "://");
		if (host == NULL || o == NULL || strcmp(o + 3, host) != 0)
			return false;
	}
	return type != NULL && strncmp(type, "application/json", 16) == 0;
}

/* GET /api/answer?t=TOKEN: the visit, and the page's token. */
static enum MHD_Result
answer_look(struct web_http *h, struct MHD_Connection *conn, const char *addr)
{
	const char *t = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "t");
	const char *old = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "lw_answer");
	json_object *args, *data, *o;
	unsigned char b[32];
	char err[256], nonce[65], csrf[65], cookie[200];

	if (!token_ok(t))
		return not_valid(h, conn, addr);
	args = json_object_new_object();
	json_object_object_add(args, "token", json_object_new_string(t));
	if (ctl_call(http_socket(h), "visitor.answer", args, NULL, NULL, &data,
	    err, sizeof(err)) == -1)
		return strstr(err, "not valid") ? not_valid(h, conn, addr) :
		    http_reply_err(h, conn, 503, "err.lobbyd", err);
	/* The browser's nonce, if it holds one, is kept: a page opened
	 * earlier (another visitor's link, the same link in another tab)
	 * still answers, its token being made with it. A fresh one
	 * otherwise. Knowing a nonce is no help without lobbyweb's key. */
	if (old != NULL && strlen(old) == 64 && strspn(old, "0123456789abcdef") == 64) {
		str_copy(nonce, old, sizeof(nonce));
	} else {
		randombytes_buf(b, sizeof(b));
		sodium_bin2hex(nonce, sizeof(nonce), b, sizeof(b));
	}
	page_token(nonce, t, csrf);
	snprintf(cookie, sizeof(cookie), "lw_answer=%s; Path=/api/answer; HttpOnly; "
	    "SameSite=Strict; Max-Age=%d%s", nonce, PAGE_MAX_AGE_S,
	    http_is_tls(h) ? "; Secure" : "");
	o = json_object_new_object();
	json_object_object_add(o, "data", data);
	json_object_object_add(o, "csrf", json_object_new_string(csrf));
	return http_reply_json(h, conn, 200, o, cookie);
}

/* POST /api/answer {t, answer}, X-CSRF-Token: the page's token. */
static enum MHD_Result
answer_post(struct web_http *h, struct MHD_Connection *conn, const char *addr,
    const char *body)
{
	const char *nonce = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND,
	    "lw_answer");
	const char *csrf = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "X-CSRF-Token");
	json_object *in = body != NULL ? json_tokener_parse(body) : NULL;
	json_object *t, *a, *args, *data, *o;
	char want[65], err[256];

	if (in == NULL || !json_object_object_get_ex(in, "t", &t) ||
	    !json_object_object_get_ex(in, "answer", &a) ||
	    !json_object_is_type(t, json_type_string) ||
	    !json_object_is_type(a, json_type_string)) {
		json_object_put(in);
		return http_reply_err(h, conn, 400, "err.bad_request", "t and answer");
	}
	if (!token_ok(json_object_get_string(t))) {
		json_object_put(in);
		return not_valid(h, conn, addr);
	}
	if (nonce != NULL && strlen(nonce) == 64 && strspn(nonce,
	    "0123456789abcdef") == 64)
		page_token(nonce, json_object_get_string(t), want);
	else
		want[0] = '\0';
	if (!same_origin(conn) || want[0] == '\0' || csrf == NULL ||
	    strlen(csrf) != 64 || sodium_memcmp(csrf, want, 64) != 0) {
		json_object_put(in);
		return http_reply_err(h, conn, 403, "err.csrf",
		    "this page's token is missing or wrong; open the link again");
	}
	args = json_object_new_object();
	json_object_object_add(args, "token", json_object_get(t));
	json_object_object_add(args, "answer", json_object_get(a));
	json_object_put(in);
	if (ctl_call(http_socket(h), "visitor.answer", args, NULL, NULL, &data,
	    err, sizeof(err)) == -1)
		return strstr(err, "not valid") ? not_valid(h, conn, addr) :
		    http_reply_err(h, conn, strstr(err, "answer \"") ? 400 : 503,
		    "err.lobbyd", err);
	o = json_object_new_object();
	json_object_object_add(o, "state", json_object_get(
	    json_object_object_get(data, "state")));
	json_object_put(data);
	return http_reply_json(h, conn, 200, o, NULL);
}

enum MHD_Result
answer_route(struct web_http *h, struct MHD_Connection *conn, bool post,
    const char *body)
{
	char addr[64];

	http_client_addr(conn, addr, sizeof(addr));
	if (fails_over(addr, false))
		return http_reply_err(h, conn, 429, "ans.too_many",
		    "too many wrong links from this address; try again later");
	return post ? answer_post(h, conn, addr, body) : answer_look(h, conn, addr);
}
