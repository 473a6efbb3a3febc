/*
 * lobbyctl's connection to lobbyd: connects to the control socket, sends one
 * request, reads the reply line by line and checks it, and follows updates.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../control/ctl.h"
#include "../common/util.h"
#include "format.h"
#include "lobbyctl_int.h"

#define REPLY_TIMEOUT_MS	30000

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}


/* Text from the wire, made safe for the terminal. */
static void
say_wire(const char *prefix, const char *text)
{
	char *clean = fmt_clean(text, 200);

	lobbyctl_say("%s%s", prefix, clean != NULL ? clean : "");
	free(clean);
}

/* A new connection to c->path in c->fd: 0, or an exit status, said. */
static int
conn_connect(struct conn *c)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	c->len = c->used = 0;
	if (!str_copy(sun.sun_path, c->path, sizeof(sun.sun_path))) {
		lobbyctl_say(_("cannot connect to %s: path too long "
		    "(at most %zu bytes)"), c->path, sizeof(sun.sun_path) - 1);
		return EXIT_CONNECT;
	}
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		lobbyctl_say(_("cannot connect to %s: socket: %s"), c->path,
		    strerror(errno));
		return EXIT_CONNECT;
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		lobbyctl_say(_("cannot connect to %s: %s"), c->path,
		    strerror(errno));
		close(c->fd);
		return EXIT_CONNECT;
	}
	return 0;
}

int
conn_open(struct conn *c, const char *path, bool follow)
{
	struct sigaction sa;
	sigset_t block;

	/* SIGINT and SIGTERM reach us only while we wait for lobbyd, so a
	   followed stream ends between lines, with status 0. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (follow) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigprocmask(SIG_BLOCK, &block, &c->waitmask);
	} else {
		sigprocmask(SIG_SETMASK, NULL, &c->waitmask);
	}

	c->path = path;
	if ((c->buf = malloc(CTL_REPLY_MAX + 1)) == NULL) {
		lobbyctl_say(_("out of memory"));
		return EXIT_REFUSED;
	}
	if (conn_connect(c) != 0) {
		free(c->buf);
		return EXIT_CONNECT;
	}
	return 0;
}

void
conn_close(struct conn *c)
{
	close(c->fd);
	free(c->buf);
}

/*
 * 0 sent; 1 lobbyd has closed the connection (unsaid: it may have said why
 * first, which the caller reads); -1 any other failure, said.
 */
static int
conn_send(struct conn *c, const char *line, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(c->fd, line, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EPIPE || errno == ECONNRESET))
			return 1;
		if (n == -1) {
			lobbyctl_say(_("%s: cannot send the request: %s"), c->path,
			    strerror(errno));
			return -1;
		}
		line += n;
		len -= (size_t)n;
	}
	return 0;
}

enum { LINE_EOF = 0, LINE_OK = 1, LINE_ERR = -1, LINE_STOP = -2 };

/*
 * The next line from lobbyd, NUL-terminated without its newline, in *line
 * (valid until the next call). deadline_ns (mono_ns) 0: wait as long as it
 * takes, returning LINE_STOP on SIGINT or SIGTERM. LINE_ERR has been said.
 */
static int
conn_read_line(struct conn *c, int64_t deadline_ns, char **line)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	struct timespec ts, *tsp;
	char *nl;
	ssize_t n;
	int64_t left;
	int rc;

	if (c->used > 0) {
		memmove(c->buf, c->buf + c->used, c->len - c->used);
		c->len -= c->used;
		c->used = 0;
	}
	for (;;) {
		if ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
			*nl = '\0';
			c->used = (size_t)(nl - c->buf) + 1;
			*line = c->buf;
			return LINE_OK;
		}
		if (c->len >= CTL_REPLY_MAX) {
			lobbyctl_say(_("bad reply from lobbyd: a line longer "
			    "than %d bytes"), CTL_REPLY_MAX);
			return LINE_ERR;
		}
		tsp = NULL;
		if (deadline_ns != 0) {
			left = deadline_ns - mono_ns();
			if (left <= 0) {
				lobbyctl_say(_("%s: no reply from lobbyd within "
				    "%d s"), c->path, REPLY_TIMEOUT_MS / 1000);
				return LINE_ERR;
			}
			ts.tv_sec = left / 1000000000LL;
			ts.tv_nsec = left % 1000000000LL;
			tsp = &ts;
		}
		rc = ppoll(&pfd, 1, tsp, &c->waitmask);
		if (rc == -1 && errno == EINTR) {
			if (interrupted)
				return LINE_STOP;
			continue;
		}
		if (rc == -1) {
			lobbyctl_say(_("%s: poll: %s"), c->path, strerror(errno));
			return LINE_ERR;
		}
		if (rc == 0)
			continue;
		n = read(c->fd, c->buf + c->len, CTL_REPLY_MAX - c->len);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1 && errno == ECONNRESET)
			n = 0;	/* closed with our request unread: closed */
		if (n == -1) {
			lobbyctl_say(_("%s: read: %s"), c->path, strerror(errno));
			return LINE_ERR;
		}
		if (n == 0) {
			if (c->len > 0) {
				lobbyctl_say(_("bad reply from lobbyd: the "
				    "connection closed in the middle of a "
				    "line"));
				return LINE_ERR;
			}
			return LINE_EOF;
		}
		c->len += (size_t)n;
	}
}

/* A line as a JSON object, or NULL after saying why it is not one. */
static struct json_object *
parse_line(const char *line)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t len = strlen(line);

	if ((tok = json_tokener_new()) == NULL) {
		lobbyctl_say(_("out of memory"));
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, line, (int)len);
	jerr = json_tokener_get_error(tok);
	if (obj == NULL || jerr != json_tokener_success ||
	    json_tokener_get_parse_end(tok) < len ||
	    !json_object_is_type(obj, json_type_object)) {
		char *clean = fmt_clean(line, 80);

		lobbyctl_say(_("bad reply from lobbyd: %s: \"%s\""),
		    obj == NULL || jerr != json_tokener_success ?
		    json_tokener_error_desc(jerr == json_tokener_success ?
		    json_tokener_continue : jerr) :
		    "not one JSON object", clean != NULL ? clean : "");
		free(clean);
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

/* Did lobbyd close the connection for idleness (control/ctl.h)? */
static bool
reply_is_idle_close(struct json_object *reply)
{
	struct json_object *closed;

	return json_object_object_get_ex(reply, "closed", &closed) &&
	    json_object_is_type(closed, json_type_string) &&
	    strcmp(json_object_get_string(closed), "idle") == 0;
}

/* conn_request; again: once more on a new connection after an idle close. */
static int
request(struct conn *c, struct json_object *req, struct json_object **reply,
    struct json_object **data, bool again)
{
	struct json_object *okv, *err;
	const char *text;
	char *line, *out;
	size_t len;
	int rc, sent = -1;

	*reply = NULL;
	*data = NULL;
	text = json_object_to_json_string_ext(req,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(text);
	if ((out = malloc(len + 2)) == NULL)
		return EXIT_REFUSED;
	memcpy(out, text, len);
	out[len] = '\n';
	out[len + 1] = '\0';
	if (len + 1 > CTL_LINE_MAX)
		lobbyctl_say(_("request too long (%zu bytes)"), len + 1);
	else
		sent = conn_send(c, out, len + 1);
	free(out);
	if (sent < 0)
		return EXIT_REFUSED;

	/* Closed before the request (sent == 1): a user lobbyd turns away
	 * (not authorised, too many connections) is told why in one line. */
	rc = conn_read_line(c, mono_ns() + REPLY_TIMEOUT_MS * NS_PER_MS, &line);
	if (rc == LINE_STOP)
		return 0;
	if (rc == LINE_EOF && sent == 1)
		lobbyctl_say(_("%s: lobbyd closed the connection before the "
		    "request, without saying why"), c->path);
	else if (rc == LINE_EOF)
		lobbyctl_say(_("%s: lobbyd closed the connection without a reply"),
		    c->path);
	if (rc != LINE_OK)
		return EXIT_REFUSED;
	if ((*reply = parse_line(line)) == NULL)
		return EXIT_REFUSED;
	if (!json_object_object_get_ex(*reply, "ok", &okv) || okv == NULL ||
	    !json_object_is_type(okv, json_type_boolean)) {
		say_wire(_("bad reply from lobbyd: no \"ok\": "), line);
		goto out_put_reply;
	}
	if (!json_object_get_boolean(okv) && again &&
	    reply_is_idle_close(*reply)) {
		/* lobbyd read nothing of the request: asking again is safe. */
		json_object_put(*reply);
		close(c->fd);
		if ((rc = conn_connect(c)) != 0) {
			c->fd = -1;
			return rc;
		}
		return request(c, req, reply, data, false);
	}
	if (!json_object_get_boolean(okv)) {
		if (json_object_object_get_ex(*reply, "error", &err) &&
		    err != NULL && json_object_get_string(err)[0] != '\0')
			say_wire("", json_object_get_string(err));
		else
			lobbyctl_say(_("lobbyd refused the request without "
			    "saying why"));
		goto out_put_reply;
	}
	if (!json_object_object_get_ex(*reply, "data", data))
		*data = NULL;
	return 0;

out_put_reply:
	json_object_put(*reply);
	*reply = NULL;
	return EXIT_REFUSED;
}

int
conn_request(struct conn *c, struct json_object *req,
    struct json_object **reply, struct json_object **data)
{
	return request(c, req, reply, data, false);
}

int
conn_request_page(struct conn *c, struct json_object *req,
    struct json_object **reply, struct json_object **data)
{
	return request(c, req, reply, data, true);
}

const char *
conn_socket_path(const char *given)
{
	const char *path = given;

	if (path == NULL || path[0] == '\0')
		path = getenv(CTL_ENV_SOCKET);
	if (path == NULL || path[0] == '\0')
		path = CTL_DEFAULT_SOCKET;
	return path;
}

int
conn_gather_pages(struct conn *c, struct json_object *req,
    struct json_object *args, struct json_object *first, struct json_object *all)
{
	struct json_object *reply = NULL, *more, *data;
	int rc = 0;

	if (!json_object_is_type(all, json_type_array))
		return 0;
	if (!json_object_object_get_ex(first, "more", &more))
		more = NULL;
	while (more != NULL && json_object_is_type(more, json_type_string)) {
		json_object_object_add(args, "after",
		    json_object_new_string(json_object_get_string(more)));
		json_object_put(reply);
		if ((rc = conn_request_page(c, req, &reply, &data)) != 0 ||
		    reply == NULL)
			break;
		if (data == NULL || !json_object_is_type(data, json_type_array)) {
			lobbyctl_say(_("bad reply from lobbyd: \"data\" is not a list"));
			rc = EXIT_REFUSED;
			break;
		}
		for (size_t i = 0; i < json_object_array_length(data); i++)
			json_object_array_add(all, json_object_get(
			    json_object_array_get_idx(data, i)));
		if (!json_object_object_get_ex(reply, "more", &more))
			more = NULL;
	}
	json_object_put(reply);
	return rc;
}

int
conn_ask(const char *path, struct json_object *req, struct json_object *args,
    struct json_object **reply, struct json_object **data)
{
	struct conn c;
	int rc;

	*reply = NULL;
	*data = NULL;
	if ((rc = conn_open(&c, path, false)) != 0)
		return rc;
	if ((rc = conn_request(&c, req, reply, data)) == 0 && *reply != NULL &&
	    json_object_object_get_ex(*reply, "more", NULL) &&
	    (rc = conn_gather_pages(&c, req, args, *reply, *data)) != 0) {
		json_object_put(*reply);
		*reply = NULL;
	}
	conn_close(&c);
	return rc;
}

int
conn_follow(struct conn *c, enum show_what what, bool json,
    struct fmt_table *t)
{
	const char *key = what == SHOW_EVENTS ? "event" : "alert";
	struct json_object *msg, *item;
	char *line;
	int rc;

	for (;;) {
		if (fflush(stdout) == EOF)
			return EXIT_REFUSED;
		rc = conn_read_line(c, 0, &line);
		if (rc == LINE_EOF || rc == LINE_STOP)
			return 0;
		if (rc == LINE_ERR)
			return EXIT_REFUSED;
		if ((msg = parse_line(line)) == NULL)
			return EXIT_REFUSED;
		if (!json_object_object_get_ex(msg, key, &item) ||
		    item == NULL || !json_object_is_type(item, json_type_object)) {
			struct json_object *err;

			if (json_object_object_get_ex(msg, "error", &err))
				say_wire("", json_object_get_string(err));
			else
				say_wire(_("bad reply from lobbyd: expected an "
				    "update, got "), line);
			json_object_put(msg);
			return EXIT_REFUSED;
		}
		show_update(what, json, t, item);
		json_object_put(msg);
	}
}
