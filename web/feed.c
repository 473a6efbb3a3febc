/*
 * lobbyweb's live feed: followers of lobbyd's events, of its alerts (one
 * per role, so that lobbyd decides who sees which) and of the fire mode,
 * fanned out to every browser's Server-Sent Events stream through a ring.
 * A follower that loses lobbyd reconnects; nothing here can slow lobbyd.
 */
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "web.h"
#include "../common/util.h"

#define FIRE_POLL_MS	200	/* the banner must be up within 1 s */
#define RETRY_MS	1000

static const char *const roles[] = { "guard", "frontdesk", "engineering", "manager" };
#define NROLES	(sizeof(roles) / sizeof(roles[0]))
#define ALL_ROLES	((1u << NROLES) - 1)

struct item {
	uint64_t	seq;
	unsigned	rolemask;
	char		*text;
};

static struct {
	pthread_mutex_t	mu;
	pthread_cond_t	cv;
	struct item	ring[FEED_RING];
	uint64_t	head;		/* seq of the newest item, 0: none */
	atomic_bool	stopping;	/* set under mu, for the waiters; read
					   without it by the followers' loops */
	char		fire[512];
	char		sock[108];
	char		self[32];	/* lobbyweb's own user, for its "as" */
	pthread_t	threads[NROLES + 2];
	int		nthreads;
} feed = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
	   .fire = "{\"mode\":\"unknown\"}" };

static unsigned
role_mask(const char *role)
{
	for (size_t i = 0; i < NROLES; i++)
		if (strcmp(roles[i], role) == 0)
			return 1u << i;
	return 0;
}

static void
feed_push(const char *kind, const char *json, unsigned mask)
{
	size_t len = strlen(kind) + strlen(json) + 32;
	char *text = malloc(len);
	struct item *it;

	if (text == NULL)
		return;
	snprintf(text, len, "event: %s\ndata: %s\n\n", kind, json);
	pthread_mutex_lock(&feed.mu);
	it = &feed.ring[(feed.head + 1) % FEED_RING];
	free(it->text);
	it->seq = ++feed.head;
	it->rolemask = mask;
	it->text = text;
	pthread_cond_broadcast(&feed.cv);
	pthread_mutex_unlock(&feed.mu);
}

static void
nap(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Follows one kind of item ("events" or "alerts" as role) until lobbyd
 * goes; each line pushed to the ring for mask. */
static void
follow_once(const char *cmd, const char *role, unsigned mask)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char req[256], *buf;
	size_t len = 0, cap = 1 << 20;
	bool first = true;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", feed.sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto out_close;
	if (role != NULL)
		snprintf(req, sizeof(req), "{\"cmd\":\"%s\",\"args\":{\"follow\":true},"
		    "\"as\":{\"user\":\"%s\",\"role\":\"%s\"}}\n", cmd, feed.self, role);
	else
		snprintf(req, sizeof(req), "{\"cmd\":\"%s\",\"args\":{\"follow\":true,"
		    "\"limit\":1}}\n", cmd);
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
		goto out_close;
	if ((buf = malloc(cap)) == NULL)
		goto out_close;
	while (!feed.stopping) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char *nl;
		ssize_t n;

		if (poll(&p, 1, 500) == 0)
			continue;
		if (len + 1 >= cap || (n = read(fd, buf + len, cap - len - 1)) <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		while ((nl = memchr(buf, '\n', len)) != NULL) {
			json_object *o, *v;

			*nl = '\0';
			o = json_tokener_parse(buf);
			if (first) {	/* the reply to the follow request */
				first = false;
				if (o == NULL || !json_object_object_get_ex(o, "ok", &v) ||
				    !json_object_get_boolean(v))
					log_warn("lobbyweb: following %s: %s", cmd, buf);
			} else if (o != NULL && (json_object_object_get_ex(o, "event", &v) ||
			    json_object_object_get_ex(o, "alert", &v))) {
				feed_push(json_object_object_get_ex(o, "event", NULL) ?
				    "ev" : "alert", json_object_to_json_string_ext(v,
				    JSON_C_TO_STRING_PLAIN), mask);
			}
			json_object_put(o);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
	}
	free(buf);
out_close:
	close(fd);
}

static void *
follow_events(void *arg)
{
	(void)arg;
	while (!feed.stopping) {
		follow_once("events", NULL, ALL_ROLES);
		nap(RETRY_MS);
	}
	return NULL;
}

static void *
follow_alerts(void *arg)
{
	const char *role = arg;

	while (!feed.stopping) {
		follow_once("alerts", role, role_mask(role));
		nap(RETRY_MS);
	}
	return NULL;
}

/* The fire mode, asked for every FIRE_POLL_MS; a change is pushed to all. */
static void *
follow_fire(void *arg)
{
	char err[256], last[512] = "";

	(void)arg;
	while (!feed.stopping) {
		json_object *data;
		const char *s;

		if (ctl_call(feed.sock, "fire", NULL, NULL, NULL, &data, err,
		    sizeof(err)) == -1) {
			s = "{\"mode\":\"unknown\"}";
			data = NULL;
		} else {
			s = json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN);
		}
		if (strcmp(s, last) != 0) {
			snprintf(last, sizeof(last), "%s", s);
			pthread_mutex_lock(&feed.mu);
			snprintf(feed.fire, sizeof(feed.fire), "%s", s);
			pthread_mutex_unlock(&feed.mu);
			feed_push("fire", s, ALL_ROLES);
		}
		json_object_put(data);
		nap(FIRE_POLL_MS);
	}
	return NULL;
}

int
feed_start(const char *sock)
{
	struct passwd *pw = getpwuid(geteuid());

	snprintf(feed.sock, sizeof(feed.sock), "%s", sock);
	snprintf(feed.self, sizeof(feed.self), "%s", pw ? pw->pw_name : "lobbyweb");
	if (pthread_create(&feed.threads[feed.nthreads++], NULL, follow_events, NULL) ||
	    pthread_create(&feed.threads[feed.nthreads++], NULL, follow_fire, NULL)) {
		log_err("lobbyweb: cannot start the feed's threads");
		return -1;
	}
	for (size_t i = 0; i < NROLES; i++)
		if (pthread_create(&feed.threads[feed.nthreads++], NULL,
		    follow_alerts, (void *)roles[i])) {
			log_err("lobbyweb: cannot start the feed's threads");
			return -1;
		}
	return 0;
}

void
feed_stop(void)
{
	pthread_mutex_lock(&feed.mu);
	feed.stopping = true;
	pthread_cond_broadcast(&feed.cv);
	pthread_mutex_unlock(&feed.mu);
	for (int i = 0; i < feed.nthreads; i++)
		pthread_join(feed.threads[i], NULL);
	for (size_t i = 0; i < FEED_RING; i++)
		free(feed.ring[i].text);
}

uint64_t
feed_head(void)
{
	uint64_t h;

	pthread_mutex_lock(&feed.mu);
	h = feed.head;
	pthread_mutex_unlock(&feed.mu);
	return h;
}

void
feed_fire(char *buf, size_t len)
{
	pthread_mutex_lock(&feed.mu);
	snprintf(buf, len, "%s", feed.fire);
	pthread_mutex_unlock(&feed.mu);
}

int
feed_next(uint64_t *seq, const char *role, char *buf, size_t len, int wait_ms)
{
	unsigned mask = role_mask(role);
	struct timespec until;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&feed.mu);
	for (;;) {
		if (feed.stopping) {
			rc = -1;
			break;
		}
		if (feed.head > FEED_RING && *seq < feed.head - FEED_RING)
			*seq = feed.head - FEED_RING;
		while (*seq < feed.head) {
			const struct item *it = &feed.ring[(*seq + 1) % FEED_RING];

			(*seq)++;
			if ((it->rolemask & mask) != 0 && strlen(it->text) < len) {
				snprintf(buf, len, "%s", it->text);
				rc = (int)strlen(buf);
				goto out;
			}
		}
		if (pthread_cond_timedwait(&feed.cv, &feed.mu, &until) == ETIMEDOUT)
			break;
	}
out:
	pthread_mutex_unlock(&feed.mu);
	return rc;
}
