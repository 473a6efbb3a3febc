/*
 * The engine's state, shared by its modules: engine.c (the loop, lanes,
 * device health, alerts), supervisor.c (link workers) and control.c (the
 * lobbyctl socket). Everything here lives on the engine's one thread.
 */
#ifndef LOBBYD_ENGINE_H
#define LOBBYD_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../db/store.h"
#include "../drivers/msg.h"
#include "../rules/access.h"
#include "config.h"

enum dir { DIR_ENTRY, DIR_EXIT };

/* What the engine knows of one device right now. */
struct dev_state {
	bool		online;		/* answering; false until it says so */
	bool		have_status;	/* counters below are a baseline */
	uint32_t	failures;
	char		reason[MSG_TEXT_MAX];	/* why offline */
	int64_t		since_ms;	/* of the last online/offline change */
	/* turnstiles */
	enum ts_state	state;
	uint32_t	entry_count, exit_count, counter_mask;
	uint32_t	fault_code;
	/* readers */
	uint64_t	rejects;
	int64_t		reject_logged_ns;	/* last reader_reject event */
	uint64_t	rejects_unlogged;
	int		lane;		/* lane served, -1 none */
	enum dir	dir;		/* direction it reads for */
	/* contact inputs */
	bool		input_active;
	int64_t		input_since_ns;	/* CLOCK_MONOTONIC of the last change */
};

/* A grant that waits for its passage. */
struct lane_state {
	bool		pending;
	enum dir	dir;
	int64_t		deadline_ns;
	char		credential[MSG_UID_MAX];
	char		actor[32];	/* operator for manual opens, "" for cards */
	uint32_t	cmd_id;		/* the open command sent for it */
};

struct worker {
	pid_t		pid;		/* 0: not running */
	int		fd;		/* -1: not connected */
	int64_t		started_ns;
	int64_t		heard_ns;	/* last message from it */
	int64_t		restart_ns;	/* when to start it again; 0: not due */
	int		backoff_ms;
	unsigned	restarts;
	unsigned	bad_msgs;	/* malformed messages this life */
};

#define LAT_SAMPLES	8192

enum alert_severity { SEV_INFO, SEV_WARNING, SEV_URGENT, SEV_EMERGENCY, SEV_COUNT };

/* Who an alert is for: a set of these bits. */
#define AUD_ENGINEERING	0x1u
#define AUD_SECURITY	0x2u
#define AUD_FRONTDESK	0x4u
#define AUD_ALL		0x7u
#define AUD_MANAGER	0x8u	/* added when an alert is escalated */

/* An alert raised and not yet cleared: one per (source, kind). */
struct alert_active {
	char		source[CONF_NAME_MAX];
	char		kind[24];
	int64_t		id;		/* store id; -1 while being stored */
	bool		clear_pending;	/* cleared before it was stored */
	enum alert_severity severity;
	unsigned	audience;	/* AUD_* bits */
	/* Its life cycle: acknowledged, or escalated once when it was not
	 * acknowledged within site_conf.escalate_after_s of raised_ms. */
	int64_t		raised_ms;
	bool		acked;
	bool		escalated;
};

struct ctl_server;

struct engine {
	struct site_conf	*site;
	const char		*conf_path;
	struct store		*store;
	int			epfd;
	int			sigfd;
	bool			stopping;
	bool			reload;
	int64_t			started_ms;

	struct dev_state	devs[CONF_MAX_DEVICES];
	struct lane_state	lanes[CONF_MAX_LANES];
	struct worker		workers[CONF_MAX_LINKS];

	/* Cards, sorted by uid: decisions never wait on the disk. */
	struct card_rec		*cards;
	size_t			ncards, cards_cap;

	uint32_t		next_cmd_id;
	int64_t			lat_ns[LAT_SAMPLES];	/* card frame -> command on the wire */
	uint64_t		lat_count;
	uint64_t		cmd_failures;

	/* Alerts raised and not cleared (alerts.c). */
	struct alert_active	*alerts;
	size_t			nalerts, alerts_cap;

	struct ctl_server	*ctl;
	uint64_t		watchdog_usec;
	int64_t			watchdog_next_ns;
};

/* What an epoll registration calls back. */
struct ev_handler {
	int	fd;
	void	(*fn)(struct engine *, struct ev_handler *, uint32_t events);
};
int	engine_watch(struct engine *, struct ev_handler *, uint32_t events);
void	engine_unwatch(struct engine *, struct ev_handler *);

/* engine.c */
int	engine_run(const char *conf_path, struct site_conf *site);
/* An event stamped now, of this kind; engine_ev_dev() adds device and lane. */
void	engine_ev_init(struct ev_rec *, const char *kind);
void	engine_ev_dev(struct engine *, struct ev_rec *, int dev);
/* Queued for the next batch; followers see it once it is committed. */
void	engine_event(struct engine *, struct ev_rec *);
const struct card_rec *engine_card_find(const struct engine *, const char *uid);
/* -1: out of memory (the card is stored, but unknown until a restart). */
int	engine_card_put(struct engine *, const struct card_rec *);
void	engine_card_del(struct engine *, const char *uid);

/* lanes.c: decisions, passages, device health */
void	engine_worker_msg(struct engine *, int link, const union msg_any *);
void	engine_link_down(struct engine *, int link, const char *reason);
int	engine_send_cmd(struct engine *, int dev, enum ts_cmd, int64_t t_frame_ns,
	    char *err, size_t errlen);
const char *engine_dir_name(enum dir);
/* The device answered: online, if it was not (records and clears alerts). */
void	engine_dev_online(struct engine *, int dev);
void	lane_tick(struct engine *, int64_t now_ns);
int64_t	lane_next_deadline(const struct engine *);

/*
 * alerts.c. An alert is raised once per source (a device or lane name, or
 * "site") and kind ("offline", "fault", "trapped", "door_held", ...): raising
 * it again while active does nothing, clearing it when none is active does
 * nothing. Kinds starting "site_" are not tied to a configured device.
 */
void	alert_raise(struct engine *, const char *source, const char *kind,
	    enum alert_severity, unsigned audience, const char *message);
void	alert_clear(struct engine *, const char *source, const char *kind);
bool	alert_is_active(const struct engine *, const char *source, const char *kind);
/* The same, for the device with index dev. */
void	alert_dev_raise(struct engine *, int dev, const char *kind,
	    enum alert_severity, unsigned audience, const char *message);
void	alert_dev_clear(struct engine *, int dev, const char *kind);
/* Clears a stored alert by its record (id, source, kind). */
void	alert_clear_rec(struct engine *, const struct alert_rec *);
/* Takes back the alerts still active in the store (at start). */
int	alert_adopt(struct engine *);
/* After a reload: clears the alerts of devices that are no more. */
void	alert_prune(struct engine *);
const char *alert_severity_name(enum alert_severity);
int	alert_severity_parse(const char *);	/* -1: not a severity */
/* "engineering,security" and back; unknown words are ignored. */
void	alert_audience_str(unsigned audience, char *out, size_t outlen);
unsigned alert_audience_parse(const char *);
/* Escalation timers, from the engine loop. */
void	alert_tick(struct engine *, int64_t now_ns);
int64_t	alert_next_deadline(const struct engine *);
/* The active, stored alert with this id, or NULL. */
struct alert_active *alert_by_id(struct engine *, int64_t id);
/* An acknowledgement of r by user was committed: followers, log, delivery. */
void	alert_ack_done(struct engine *, const struct alert_rec *r,
	    const char *user);

/* notify.c: runs alerts.command for each change of an alert, never waiting
 * for it; event is "raised", "escalated", "acknowledged" or "cleared". */
void	notify_alert(struct engine *, const struct alert_rec *, const char *event);
void	notify_reap(struct engine *);
void	notify_tick(struct engine *, int64_t now_ns);
int64_t	notify_next_deadline(const struct engine *);
/* At shutdown: a short wait for running commands, then they are killed. */
void	notify_stop(struct engine *);

/* inputs.c: a contact input changed (or was first read). */
void	input_msg(struct engine *, int dev, const struct msg_input *);

/* fire.c: the fire-alarm input went active or inactive. */
void	fire_input(struct engine *, int dev, bool active);

/* supervisor.c */
void	sup_init(struct engine *);
void	sup_start_all(struct engine *);
void	sup_stop_all(struct engine *);
void	sup_reap(struct engine *);
void	sup_tick(struct engine *, int64_t now_ns);
int64_t	sup_next_deadline(const struct engine *);
int	sup_send(struct engine *, int link, const void *msg);

/* control.c */
struct ctl_server *ctl_open(struct engine *, char *err, size_t errlen);
/* Stop taking requests; replies to those in flight still go out. */
void	ctl_quiesce(struct ctl_server *);
/* Every request must be finished (see engine_run's shutdown). */
void	ctl_close(struct ctl_server *);
void	ctl_publish_event(struct ctl_server *, const struct ev_rec *);
void	ctl_publish_alert(struct ctl_server *, const struct alert_rec *);

#endif
