/*
 * Publishing to followers: the engine's committed events and its alert
 * changes, heard through the control server's engine_sub, written to each
 * client that follows them (and, for an alert, may see it).
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "ctl_server_int.h"
#include "jbuf.h"
#include "../engine/engine.h"

/* Does the client want item? Its line for followers, written into b. */
typedef bool	wants_fn(const struct ctl_client *, const void *item);
typedef void	line_fn(struct jbuf *b, const void *item);

/*
 * One line to every client that wants item: made once, for the first of
 * them. A client the line cannot be made for (out of memory) is dropped, as
 * one whose replies cannot be queued is.
 */
static void
publish(struct ctl_server *srv, const void *item, wants_fn *wants, line_fn *line)
{
	struct ctl_client *c, *next;
	struct jbuf b = { 0 };

	for (c = srv->clients; c != NULL; c = next) {
		next = c->next;
		if (c->dead || !wants(c, item))
			continue;
		if (b.len == 0)
			line(&b, item);
		if (b.oom)
			c->dead = true;
		else
			ctl_reply_raw(c, b.p, b.len);
		if (c->dead)
			ctl_client_free(c);
	}
	free(b.p);
}

static bool
wants_event(const struct ctl_client *c, const void *ev)
{
	return ctl_follows_event(c, ev);
}

static void
event_line(struct jbuf *b, const void *ev)
{
	jb_put(b, "{\"event\":", 9);
	ctl_event_jb(b, ev);
	jb_put(b, "}", 1);
}

static bool
wants_alert(const struct ctl_client *c, const void *a)
{
	return c->follow_alerts && ctl_sees_alert(c, a);
}

static void
alert_line(struct jbuf *b, const void *a)
{
	json_object *o = json_object_new_object();
	const char *s;

	json_object_object_add(o, "alert", ctl_alert_json(a));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (s != NULL)
		jb_put(b, s, strlen(s));
	else
		b->oom = true;
	json_object_put(o);
}

/* The engine's events, to the clients that follow them. */
void
ctl_publish_event(void *arg, const struct ev_rec *ev)
{
	publish(arg, ev, wants_event, event_line);
}

/* The engine's alerts, to the clients that follow them and may see them. */
void
ctl_publish_alert(void *arg, const struct alert_rec *a)
{
	publish(arg, a, wants_alert, alert_line);
}
