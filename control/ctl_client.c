/*
 * One control client's connection: its requests read as JSON lines and run
 * one at a time, its replies queued and written in order, its store requests
 * and its end. Admission is ctl_admit.c; the listening socket is control.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control_int.h"
#include "ctl_server_int.h"
#include "ctl.h"
#include "ctl_tenants.h"
#include "../engine/engine.h"
#include "../common/util.h"

#define OUT_MAX		(8u << 20)	/* a follower that stops reading is dropped */

static void	client_process(struct ctl_client *);
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
	if (c->out.len > 0)
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

	while (off < c->out.len && !c->dead) {
		ssize_t n = send(c->h.fd, c->out.p + off, c->out.len - off,
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
	memmove(c->out.p, c->out.p + off, c->out.len - off);
	c->out.len -= off;
	client_rearm(c);
}

void
ctl_client_write(struct ctl_client *c, json_object *obj)
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
	if (c->out.len + len + 1 > OUT_MAX) {
		log_warn("control: %s: not reading its replies; disconnected", c->user);
		c->dead = true;
		return;
	}
	jb_put(&c->out, s, len);
	jb_put(&c->out, "\n", 1);
	if (c->out.oom) {
		c->dead = true;
		return;
	}
	client_flush(c);
}

void
ctl_reply_jb(struct ctl_client *c, struct jbuf *b, const char *what)
{
	if (b->oom)
		ctl_reply_err(c, "%s: out of memory", what);
	else
		ctl_reply_raw(c, b->p, b->len);
	free(b->p);
	*b = (struct jbuf){ 0 };
}

void
ctl_reply_ok(struct ctl_client *c, json_object *data)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "ok", json_object_new_boolean(1));
	json_object_object_add(r, "data", data ? data : json_object_new_object());
	ctl_client_write(c, r);
}

void
ctl_reply_page(struct ctl_client *c, json_object *data, const char *more)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "ok", json_object_new_boolean(1));
	json_object_object_add(r, "data", data);
	if (more != NULL)
		json_object_object_add(r, "more", json_object_new_string(more));
	ctl_client_write(c, r);
}

json_object *
ctl_rows_json(struct ctl_client *c, const void *rows, size_t n, size_t size,
    ctl_row_fn *row)
{
	json_object *a = json_object_new_array();
	const char *p = rows;

	for (size_t i = 0; i < n; i++, p += size) {
		json_object *o = row(c, p);

		if (o != NULL)
			json_object_array_add(a, o);
	}
	return a;
}

void
ctl_reply_array(struct ctl_client *c, const void *rows, size_t n, size_t size,
    ctl_row_fn *row)
{
	ctl_reply_ok(c, ctl_rows_json(c, rows, n, size, row));
}

bool
ctl_reply_rows(struct ctl_client *c, const struct store_req *req, const char *what,
    size_t size, ctl_row_fn *row)
{
	if (req->status != 0) {
		ctl_reply_err(c, "%s%s%s", what != NULL ? what : "",
		    what != NULL ? ": " : "", req->error);
		return false;
	}
	ctl_reply_array(c, req->rows, req->nrows, size, row);
	return true;
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
	ctl_client_write(c, r);
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

bool
ctl_request(struct ctl_client *c, enum store_op op,
    void (*done)(struct store_req *, void *), const union store_in *in)
{
	struct store_req *req = ctl_req_new(c, op, done);

	if (req == NULL)
		return false;
	req->in = *in;
	ctl_req_submit(c, req);
	return true;
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
		ctl_client_free(c);
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
	if (c->eof && !c->busy && c->out.len == 0 &&
	    (memchr(c->in, '\n', c->inlen) == NULL || c->srv->closing))
		c->dead = true;
	if (c->dead && !c->busy)
		ctl_client_free(c);
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

void
ctl_client_free(struct ctl_client *c)
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
	ctl_tenant_import_gone(c);
	client_unlink(c);
	free(c->in);
	free(c->out.p);
	free(c);
}

void
ctl_client_event(struct engine *e, struct ev_handler *h, uint32_t events)
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
