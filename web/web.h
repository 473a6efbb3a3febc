/*
 * lobbyweb, the front desk's web console: what its parts share. lobbyweb is
 * a client of lobbyd's control socket only; lobbyd decides every request by
 * the web user's role ("as", control/ctl.h) and records the user's name.
 */
#ifndef LOBBYWEB_WEB_H
#define LOBBYWEB_WEB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <microhttpd.h>

/* lobbyweb's config (web/webconf.c). */
struct web_conf {
	char	listen_addr[64];	/* "127.0.0.1" */
	int	port;			/* 8080 */
	char	socket[108];		/* lobbyd's control socket */
	char	static_dir[256];	/* the pages, scripts and catalogs */
	char	tls_cert[256];		/* PEM files; both or neither */
	char	tls_key[256];
	bool	plain_http_anywhere;	/* plain HTTP off loopback: only when said */
	int	session_min;		/* a session lasts this long */
};

/* Reads and checks FILE; every error said as "file:line: what". 0 or -1. */
int	web_conf_load(const char *path, struct web_conf *);

/* ---- lobbyd (web/ctlconn.c) ---- */
/*
 * One request to lobbyd on a connection of its own, as web user as_user
 * with role as_role (both NULL: as lobbyweb itself). Pages of a list are
 * gathered. 0 with *data (the caller puts it); -1 with the error in err
 * (lobbyd's words, or why lobbyd could not be asked).
 */
int	ctl_call(const char *sock, const char *cmd, json_object *args,
	    const char *as_user, const char *as_role, json_object **data,
	    char *err, size_t errlen);
/*
 * One page of a list (card.list): at most want rows (1..1000, sent as
 * "limit"), after args' "after"; lobbyd is asked again while its pages come
 * short with more behind them (a find reads the list a share at a time),
 * for up to 3 s. *more: the next page's "after", "" when there is none.
 */
int	ctl_page(const char *sock, const char *cmd, json_object *args, int want,
	    const char *as_user, const char *as_role, json_object **data,
	    char *more, size_t morelen, char *err, size_t errlen);

/* ---- the live feed (web/feed.c) ---- */
#define FEED_RING	1024	/* items kept for slow readers */

/* Starts the followers of lobbyd's events, alerts (one per role) and fire
 * mode; they reconnect on their own. 0 or -1. */
int	feed_start(const char *sock);
void	feed_stop(void);
/*
 * The next item after *seq that a holder of role may see, as SSE text
 * ("event: ...\ndata: ...\n\n") copied into buf; waits up to wait_ms.
 * Returns its length, 0 when none came, -1 when lobbyweb stops. A reader
 * left too far behind skips to the oldest item still kept.
 */
int	feed_next(uint64_t *seq, const char *role, char *buf, size_t len,
	    int wait_ms);
/* The newest seq, for a reader starting now. */
uint64_t feed_head(void);
/* The fire mode as lobbyd last said it (JSON text), into buf. */
void	feed_fire(char *buf, size_t len);

/* ---- sessions (web/session.c) ---- */
struct web_sess {
	char	token[65];		/* the cookie, 32 random bytes in hex */
	char	csrf[65];		/* sent back on every change */
	char	user[24];
	char	role[16];
	int64_t	expires_ms;
};
/* A new session for user/role, copied into *out: 0 or -1 (full). */
int	sess_new(const char *user, const char *role, int minutes,
	    struct web_sess *out);
/* The live session with this token, copied: true when found. */
bool	sess_get(const char *token, struct web_sess *out);
void	sess_end(const char *token);

/* ---- HTTP (web/http.c) ---- */
struct web_http;
struct web_http *http_start(const struct web_conf *);
void	http_stop(struct web_http *);
/* For the parts that answer requests of their own (web/answer.c): a JSON
 * reply (o put; cookie NULL or a Set-Cookie value), an error reply
 * {code: a catalog key, error: words}, the browser's address, lobbyd's
 * socket, and whether lobbyweb serves HTTPS. */
enum MHD_Result http_reply_json(struct web_http *, struct MHD_Connection *,
	    unsigned status, json_object *o, const char *cookie);
enum MHD_Result http_reply_err(struct web_http *, struct MHD_Connection *,
	    unsigned status, const char *code, const char *words);
void	http_client_addr(struct MHD_Connection *, char *out, size_t len);
const char *http_socket(const struct web_http *);
bool	http_is_tls(const struct web_http *);

/* ---- the host's one-time link (web/answer.c) ---- */
/* Makes the key of the link page's own tokens: once, before serving. */
void	answer_init(void);
/* GET /api/answer?t=TOKEN (the visit, never an answer) and POST
 * /api/answer {t, answer} (the page's token in X-CSRF-Token). */
enum MHD_Result answer_route(struct web_http *, struct MHD_Connection *,
	    bool post, const char *body);

#endif
