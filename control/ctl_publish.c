/*
 * Publishing to followers: the engine's committed events and its alert
 * changes, heard through the control server's engine_sub, written to each
 * client that follows them (and, for an alert, may see it).
 */
#include <json-c/json.h>
#include <string.h>

#include "control_int.h"
#include "ctl_server_int.h"
#include "../engine/engine.h"

/* The engine's events, to the clients that follow them. */
void
ctl_publish_event(void *arg, const struct ev_rec *ev)
{
	struct ctl_server *srv = arg;
	struct ctl_client *c, *next;

	for (c = srv->clients; c != NULL; c = next) {
		next = c->next;
		if (!c->dead && ctl_follows_event(c, ev)) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "event", ctl_event_json(ev));
			ctl_client_write(c, o);
			if (c->dead)
				ctl_client_free(c);
		}
	}
}

/* The engine's alerts, to the clients that follow them and may see them. */
void
ctl_publish_alert(void *arg, const struct alert_rec *a)
{
	struct ctl_server *srv = arg;
	struct ctl_client *c, *next;

	for (c = srv->clients; c != NULL; c = next) {
		next = c->next;
		if (c->follow_alerts && !c->dead && ctl_sees_alert(c, a)) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "alert", ctl_alert_json(a));
			ctl_client_write(c, o);
			if (c->dead)
				ctl_client_free(c);
		}
	}
}
