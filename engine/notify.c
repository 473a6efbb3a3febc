/*
 * Alert delivery: alerts.command runs once for each raise, escalation,
 * acknowledgement and clear, with the alert as one JSON object on its
 * standard input. The engine never waits for it: the command is spawned
 * without a shell, its input goes through a non-blocking pipe, a few run at
 * once and the rest queue; one that runs past its timeout is killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "../common/util.h"

#define NOTIFY_RUNNING_MAX	4	/* commands at once */
#define NOTIFY_QUEUE_MAX	256	/* waiting their turn; beyond: logged, dropped */
#define NOTIFY_STOP_WAIT_NS	(2000 * NS_PER_MS)

/* One delivery: the JSON and what it is about, for the log. */
struct job {
	char		*json;		/* with its newline */
	size_t		len;
	int64_t		alert_id;
	char		event[16];
};

struct child {
	struct ev_handler h;		/* the pipe to its stdin; fd -1: closed */
	pid_t		pid;		/* 0: slot free */
	struct job	job;
	size_t		off;		/* bytes of job.json written */
	int64_t		deadline_ns;
	bool		killed;
};

static struct child running[NOTIFY_RUNNING_MAX];
static struct job queue[NOTIFY_QUEUE_MAX];
static size_t qhead, qlen;

static void	child_writable(struct engine *, struct ev_handler *, uint32_t);

static void
close_stdin(struct engine *e, struct child *c)
{
	if (c->h.fd < 0)
		return;
	engine_unwatch(e, &c->h);
	close(c->h.fd);
	c->h.fd = -1;
}

/* Writes what the pipe takes now; the rest when it is writable again. */
static void
child_feed(struct engine *e, struct child *c)
{
	while (c->off < c->job.len) {
		ssize_t n = write(c->h.fd, c->job.json + c->off,
		    c->job.len - c->off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (c->h.fn == NULL) {
				c->h.fn = child_writable;
				if (engine_watch(e, &c->h, EPOLLOUT) < 0)
					break;
			}
			return;
		}
		if (n < 0) {
			/* EPIPE: it exited without reading; its status says more. */
			log_debug("alerts.command: alert %" PRId64 " %s: stdin: %s",
			    c->job.alert_id, c->job.event, strerror(errno));
			break;
		}
		c->off += (size_t)n;
	}
	close_stdin(e, c);
}

static void
child_writable(struct engine *e, struct ev_handler *h, uint32_t events)
{
	(void)events;
	child_feed(e, (struct child *)h);
}

/* Starts job in slot c; -1 (logged) when it cannot be run. */
static int
child_start(struct engine *e, struct child *c, struct job *job)
{
	const struct site_conf *site = e->site;
	char buf[CONF_PATH_MAX], *argv[CONF_CMD_ARGS];
	sigset_t dfl;
	int p[2], rc;
	pid_t pid;

	str_copy(buf, site->alert_command, sizeof(buf));
	if (config_command_split(buf, argv, CONF_CMD_ARGS) < 1)
		return -1;	/* the config check refuses this */
	if (pipe2(p, O_CLOEXEC) < 0) {
		log_err("alerts.command: alert %" PRId64 " %s: pipe: %s",
		    job->alert_id, job->event, strerror(errno));
		return -1;
	}
	/* Only lobbyd's end is non-blocking: the command reads as usual. */
	if (fcntl(p[1], F_SETFL, O_NONBLOCK) < 0)
		goto out_close;
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);	/* lobbyd ignores it; a command should not */
	sigaddset(&dfl, SIGCHLD);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGINT);
	/* Its own process group, so a timeout kills what it started too. */
	rc = spawn_fed(&pid, argv, p[0], &dfl);
	close(p[0]);
	if (rc != 0) {
		log_err("alerts.command: %s: alert %" PRId64 " %s not delivered: %s",
		    argv[0], job->alert_id, job->event, strerror(rc));
		close(p[1]);
		return -1;
	}
	memset(c, 0, sizeof(*c));
	c->h.fd = p[1];
	c->pid = pid;
	c->job = *job;
	c->deadline_ns = mono_ns() + (int64_t)site->alert_command_timeout_s *
	    1000 * NS_PER_MS;
	log_debug("alerts.command: alert %" PRId64 " %s: pid %d", job->alert_id,
	    job->event, (int)pid);
	child_feed(e, c);
	return 0;

out_close:
	log_err("alerts.command: alert %" PRId64 " %s: pipe: %s",
	    job->alert_id, job->event, strerror(errno));
	close(p[0]);
	close(p[1]);
	return -1;
}

static struct child *
free_slot(void)
{
	for (int i = 0; i < NOTIFY_RUNNING_MAX; i++)
		if (running[i].pid == 0)
			return &running[i];
	return NULL;
}

/* Runs queued jobs while there is room. */
static void
run_queue(struct engine *e)
{
	struct child *c;

	while (qlen > 0 && (c = free_slot()) != NULL) {
		struct job job = queue[qhead];

		qhead = (qhead + 1) % NOTIFY_QUEUE_MAX;
		qlen--;
		if (child_start(e, c, &job) < 0)
			free(job.json);
	}
}

static void
add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void
add_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

void
notify_alert(struct engine *e, const struct alert_rec *r, const char *event)
{
	json_object *o;
	const char *s;
	struct job job = { .alert_id = r->id };

	if (e->site->alert_command[0] == '\0')
		return;
	str_copy(job.event, event, sizeof(job.event));
	if (e->stopping) {
		log_warn("alerts.command: alert %" PRId64 " %s (%s %s) not "
		    "delivered: lobbyd is stopping", r->id, event, r->source,
		    r->kind);
		return;
	}
	if (qlen == NOTIFY_QUEUE_MAX) {
		log_err("alerts.command: %zu deliveries waiting already; alert %"
		    PRId64 " %s (%s %s) not delivered", qlen, r->id, event,
		    r->source, r->kind);
		return;
	}
	o = json_object_new_object();
	add_int(o, "id", r->id);
	add_str(o, "event", event);
	add_str(o, "site", e->site->site_name);
	add_str(o, "severity", r->severity);
	add_str(o, "audience", r->audience);
	add_str(o, "source", r->source);
	add_str(o, "kind", r->kind);
	add_str(o, "message", r->message);
	add_int(o, "raised_ms", r->raised_ms);
	add_int(o, "cleared_ms", r->cleared_ms);
	add_int(o, "acked_ms", r->acked_ms);
	add_str(o, "acked_by", r->acked_by);
	add_str(o, "ack_note", r->ack_note);
	json_object_object_add(o, "escalated",
	    json_object_new_boolean(r->escalated_ms != 0));
	add_int(o, "escalated_ms", r->escalated_ms);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL || asprintf(&job.json, "%s\n", s) < 0) {
		log_err("alerts.command: alert %" PRId64 " %s not delivered: out "
		    "of memory", r->id, event);
		json_object_put(o);
		return;
	}
	job.len = strlen(job.json);
	json_object_put(o);
	queue[(qhead + qlen) % NOTIFY_QUEUE_MAX] = job;
	qlen++;
	run_queue(e);
}

/* Frees slot c once its process is reaped. */
static void
child_done(struct engine *e, struct child *c, int status)
{
	if (c->killed)
		;	/* logged when it was killed */
	else if (WIFSIGNALED(status))
		log_warn("alerts.command: alert %" PRId64 " %s: killed by signal %d",
		    c->job.alert_id, c->job.event, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		log_warn("alerts.command: alert %" PRId64 " %s: exited with status %d",
		    c->job.alert_id, c->job.event, WEXITSTATUS(status));
	close_stdin(e, c);
	free(c->job.json);
	memset(c, 0, sizeof(*c));
	c->h.fd = -1;
}

/* SIGCHLD: only our own children, by pid; the supervisor reaps its workers
 * the same way, so neither takes the other's exit status. */
void
notify_reap(struct engine *e)
{
	int status;

	for (int i = 0; i < NOTIFY_RUNNING_MAX; i++) {
		struct child *c = &running[i];

		if (c->pid > 0 && waitpid(c->pid, &status, WNOHANG) == c->pid)
			child_done(e, c, status);
	}
	run_queue(e);
}

void
notify_tick(struct engine *e, int64_t now_ns)
{
	for (int i = 0; i < NOTIFY_RUNNING_MAX; i++) {
		struct child *c = &running[i];

		if (c->pid <= 0 || c->killed || now_ns < c->deadline_ns)
			continue;
		log_warn("alerts.command: alert %" PRId64 " %s: pid %d still "
		    "running after %d s; killed", c->job.alert_id, c->job.event,
		    (int)c->pid, e->site->alert_command_timeout_s);
		/* Not reaped yet, so the group id is still this one's. */
		kill(-c->pid, SIGKILL);
		kill(c->pid, SIGKILL);
		c->killed = true;
		close_stdin(e, c);
	}
}

int64_t
notify_next_deadline(const struct engine *e)
{
	int64_t next = INT64_MAX;

	(void)e;
	for (int i = 0; i < NOTIFY_RUNNING_MAX; i++)
		if (running[i].pid > 0 && !running[i].killed &&
		    running[i].deadline_ns < next)
			next = running[i].deadline_ns;
	return next;
}

void
notify_stop(struct engine *e)
{
	int64_t give_up = mono_ns() + NOTIFY_STOP_WAIT_NS;
	bool any;
	int status;

	if (qlen > 0)
		log_warn("alerts.command: lobbyd stopping: %zu queued deliveries "
		    "not run", qlen);
	while (qlen > 0) {
		free(queue[qhead].json);
		qhead = (qhead + 1) % NOTIFY_QUEUE_MAX;
		qlen--;
	}
	do {
		any = false;
		for (int i = 0; i < NOTIFY_RUNNING_MAX; i++) {
			struct child *c = &running[i];

			if (c->pid <= 0)
				continue;
			close_stdin(e, c);	/* all it will get: EOF */
			if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
				child_done(e, c, status);
				continue;
			}
			if (mono_ns() > give_up) {
				log_warn("alerts.command: alert %" PRId64 " %s: pid %d "
				    "killed: lobbyd stopping", c->job.alert_id,
				    c->job.event, (int)c->pid);
				kill(-c->pid, SIGKILL);
				kill(c->pid, SIGKILL);
				c->killed = true;
				if (waitpid(c->pid, &status, 0) == c->pid)
					child_done(e, c, status);
				else
					memset(c, 0, sizeof(*c));
				continue;
			}
			any = true;
		}
		if (any)
			usleep(10000);
	} while (any);
}
