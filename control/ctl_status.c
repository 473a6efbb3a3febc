/*
 * "status" and "stats": who lobbyd is and how it is doing (devices online,
 * cards, fire mode, the caller's roles), then its figures (decision latency,
 * the store's queue and failures, each link worker's restarts).
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control_int.h"
#include "../engine/engine.h"
#include "../common/util.h"

void
ctl_cmd_status(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { NULL };
	struct engine *e = c->srv->e;
	json_object *o;
	int online = 0;

	if (!ctl_args_known(c, args, known))
		return;
	for (int d = 0; d < e->site->ndevices; d++)
		online += e->devs[d].online;
	o = json_object_new_object();
	ctl_add_str(o, "site", e->site->site_name);
	ctl_add_str(o, "version", LOBBYD_VERSION);
	ctl_add_int(o, "pid", getpid());
	ctl_add_int(o, "started_ms", e->started_ms);
	ctl_add_int(o, "devices", e->site->ndevices);
	ctl_add_int(o, "online", online);
	ctl_add_int(o, "lanes", e->site->nlanes);
	ctl_add_int(o, "cards", (int64_t)cards_count(e->cards));
	ctl_add_str(o, "user", c->user);
	ctl_add_str(o, "fire_mode", ctl_fire_mode_word(e));
	{
		char roles[64];

		role_str(c->roles, roles, sizeof(roles));
		ctl_add_str(o, "roles", roles);
	}
	ctl_reply_ok(c, o);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

void
ctl_cmd_stats(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { NULL };
	struct engine *e = c->srv->e;
	size_t n = e->lat_count < LAT_SAMPLES ? (size_t)e->lat_count : LAT_SAMPLES;
	json_object *o, *lat, *links;
	struct store_stats ss;
	uint64_t rejects = 0;

	if (!ctl_args_known(c, args, known))
		return;
	o = json_object_new_object();
	lat = json_object_new_object();
	ctl_add_int(lat, "count", (int64_t)e->lat_count);
	if (n > 0) {
		int64_t *s = malloc(n * sizeof(*s));

		if (s != NULL) {
			memcpy(s, e->lat_ns, n * sizeof(*s));
			qsort(s, n, sizeof(*s), cmp_i64);
			ctl_add_int(lat, "p50", s[(n - 1) / 2]);
			ctl_add_int(lat, "p99", s[(n - 1) * 99 / 100]);
			ctl_add_int(lat, "max", s[n - 1]);
			free(s);
		}
	}
	json_object_object_add(o, "latency_ns", lat);
	store_get_stats(e->store, &ss);
	ctl_add_int(o, "events_committed", (int64_t)ss.events_committed);
	ctl_add_int(o, "event_batches", (int64_t)ss.batches);
	ctl_add_int(o, "event_queue", (int64_t)ss.queue_len);
	ctl_add_int(o, "store_failures", (int64_t)ss.failures);
	ctl_add_int(o, "events_purged", (int64_t)e->retention.purged);
	for (int d = 0; d < e->site->ndevices; d++)
		if (e->site->devices[d].kind == DEV_READER)
			rejects += reader_state_of(e, d)->rejects;
	ctl_add_int(o, "reader_rejects", (int64_t)rejects);
	ctl_add_int(o, "command_failures", (int64_t)e->cmd_failures);
	links = json_object_new_object();
	for (int i = 0; i < e->site->nlinks; i++) {
		json_object *w = json_object_new_object();

		ctl_add_int(w, "pid", e->workers[i].pid);
		ctl_add_int(w, "restarts", e->workers[i].restarts);
		json_object_object_add(links, e->site->links[i].name, w);
	}
	json_object_object_add(o, "links", links);
	ctl_reply_ok(c, o);
}
