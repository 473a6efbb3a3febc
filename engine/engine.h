/*
 * The engine's state, shared by its modules: engine.c (the loop, lanes,
 * device health, alerts), supervisor.c (link workers) and control.c (the
 * lobbyctl socket). Everything here lives on the engine's one thread.
 */
#ifndef LOBBYD_ENGINE_H
#define LOBBYD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../db/store.h"
#include "../drivers/msg.h"
#include "../rules/access.h"
#include "cards.h"
#include "kind.h"
#include "../config/config.h"
#include "../config/roles.h"
#include "desk.h"

enum dir { DIR_ENTRY, DIR_EXIT };

/* What the engine knows of one device right now. */
struct dev_state {
	bool		online;		/* answering; false until it says so */
	bool		have_status;	/* counters below are a baseline */
	uint32_t	failures;
	char		reason[MSG_TEXT_MAX];	/* why offline */
	int64_t		since_ms;	/* of the last online/offline change */
	/* A fault the device reports (turnstiles and elevators): its code, 0
	 * none, and the wall clock it began (engine_dev_fault). */
	uint32_t	fault_code;
	int64_t		fault_since_ms;
	/* The device's kind's own state (kind.h): struct turnstile_state
	 * (turnstile.h), reader_state (reader.h), input_state (input.h),
	 * icom_state (intercom.h), elev_state (elevator.h); zeroed with the
	 * rest at a (re)load, then set up by its kind's reset. */
	_Alignas(max_align_t) unsigned char kstate[DEV_KSTATE_MAX];
};

/* A grant that waits for its passage. */
struct lane_state {
	bool		pending;
	enum dir	dir;
	int64_t		deadline_ns;
	char		credential[MSG_UID_MAX];
	char		actor[32];	/* operator for manual opens, "" for cards */
	bool		forced;		/* a manager's open past a turnstile fault */
	uint32_t	cmd_id;		/* the open command sent for it */
	struct desk_grant grant;	/* what the passage changes (desk.c) */
};

/* A door right now (doors.c); reset by its contact's first reading. */
struct door_state {
	bool		open;
	int64_t		opened_ns;	/* CLOCK_MONOTONIC of the opening edge */
	int64_t		unlocked_from_ns;	/* the strike's last pulse: an */
	int64_t		unlocked_until_ns;	/* opening in this span is let */
	char		unlocked_by[MSG_UID_MAX];	/* card uid, "" for exit */
	int64_t		rex_ns;		/* the exit button's last press */
	bool		held;		/* door_held raised for this opening */
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


/* An alert raised and not yet cleared: one per (source, kind). */
struct alert_active {
	char		source[CONF_NAME_MAX];
	char		kind[24];
	int64_t		id;		/* store id; -1 while being stored */
	bool		clear_pending;	/* cleared before it was stored */
	bool		delivered;	/* told to people before it was stored
					   (the database could not be written) */
	char		message[128];
	enum alert_severity severity;
	unsigned	audience;	/* AUD_* bits */
	/* Its life cycle: acknowledged, or escalated once when it was not
	 * acknowledged within site_conf.escalate_after_s of raised_ms. */
	int64_t		raised_ms;
	bool		acked;
	bool		escalated;
};

/* fire.c: the fire-alarm mode (DESIGN invariant 2). */
#define FIRE_TRACK	128	/* FREE and LOCK commands followed to the wire */

struct fire_cmd {
	uint32_t	id;		/* command id; 0: slot unused */
	uint8_t		cmd;		/* TS_CMD_FREE or TS_CMD_LOCK */
	uint8_t		tries;		/* sent this many times */
	int		lane;
	int64_t		t_input_ns;	/* the fire input's arrival; 0: a re-free */
	char		why[48];
};

struct fire_state {
	bool		active;		/* egress lanes free; nothing re-locks */
	bool		resetting;	/* an operator's reset is being committed */
	int		latch_fd;	/* the latch file (db/latch.h); -1 none */
	struct latch_writer *latch;	/* its writer; NULL: written here */
	int64_t		since_ms;
	char		source[CONF_NAME_MAX];	/* the input that turned it on */
	struct fire_cmd	sent[FIRE_TRACK];	/* ring */
	unsigned	nsent;
	bool		lock_owed[CONF_MAX_LANES];	/* reset, LOCK not written */
	int64_t		free_sent_ns[CONF_MAX_LANES];	/* the last FREE tried */
	bool		free_ok[CONF_MAX_LANES];	/* and it was written */
};

/* retention.c: the event log's retention, run by run. */
struct retention {
	int64_t		next_ns;	/* next batch or check; 0: not started */
	bool		busy;		/* a batch is with the store */
	bool		failed;		/* the last batch failed (logged once) */
	int		batch;		/* rows the next batch deletes at most */
	int64_t		run_age, run_size;	/* deleted in this run so far */
	int64_t		used_bytes;	/* the database's pages in use, last seen */
	uint64_t	purged;		/* events deleted since start */
	bool		waiting, over;	/* their alerts are raised */
};

struct ticket_sched;

/*
 * What answers people beside the loop, on the engine's thread: the control
 * server (control/), plugged in by the program (daemon/main.c), so that the
 * engine never calls up into it. open: once the state is loaded (NULL, with
 * err: lobbyd does not start); tick and next_deadline: its timers; quiesce:
 * no new requests, as lobbyd stops (replies in flight still go); close: at
 * the very end, with every request finished.
 */
struct engine_front {
	void	*(*open)(struct engine *, char *err, size_t errlen);
	void	(*tick)(void *, int64_t now_ns);
	int64_t	(*next_deadline)(const void *);
	void	(*quiesce)(void *);
	void	(*close)(void *);
};

/*
 * Who hears what the engine publishes: each event once it is committed,
 * each change of an alert (raised, escalated, acknowledged, cleared; and a
 * raise told before it could be stored, with id 0). The control server's
 * followers subscribe so; a web console or an uplink would too. Either
 * hook may be NULL. Subscribers are called in the order they subscribed.
 */
struct engine_sub {
	void	(*event)(void *arg, const struct ev_rec *);
	void	(*alert)(void *arg, const struct alert_rec *);
	void	*arg;
	struct engine_sub *next;	/* the engine's */
};

/* What an epoll registration calls back. */
struct ev_handler {
	int	fd;
	void	(*fn)(struct engine *, struct ev_handler *, uint32_t events);
};

struct engine {
	struct site_conf	*site;
	const char		*conf_path;
	struct store		*store;
	int			epfd;
	int			sigfd;		/* -1: none (engine_open without the loop) */
	struct ev_handler	store_h;	/* the store's completions */
	bool			stopping;
	bool			reload;
	int64_t			started_ms;

	struct dev_state	devs[CONF_MAX_DEVICES];
	struct lane_state	lanes[CONF_MAX_LANES];
	struct door_state	doors[CONF_MAX_DOORS];
	struct worker		workers[CONF_MAX_LINKS];

	/* The card list: decisions never wait on the disk (cards.c). */
	struct cards		*cards;
	size_t			cards_lost;	/* not loaded for want of memory */
	/* Active freight-elevator bookings, the same way (elevator.c). */
	struct booking_rec	*bookings;
	size_t			nbookings, bookings_cap;

	uint32_t		next_cmd_id;
	int64_t			lat_ns[LAT_SAMPLES];	/* card frame -> command on the wire */
	uint64_t		lat_count;
	uint64_t		cmd_failures;

	/* Alerts raised and not cleared (alerts.c). */
	struct alert_active	*alerts;
	size_t			nalerts, alerts_cap;

	const struct engine_front *front;
	void			*front_state;	/* what front->open returned */
	struct engine_sub	*subs;		/* engine_subscribe() */
	bool			store_failing;	/* the database takes no writes */
	struct fire_state	fire;		/* fire.c */
	struct ticket_sched	*tickets;	/* the daily summary (tickets.c) */
	struct desk		*desk;		/* the front desk (desk.c) */
	struct id_read		*idreads;	/* by device: the last identity
						   card read (idread.c) */
	struct retention	retention;	/* retention.c */
	uint64_t		watchdog_usec;
	int64_t			watchdog_next_ns;
};

int	engine_watch(struct engine *, struct ev_handler *, uint32_t events);
void	engine_unwatch(struct engine *, struct ev_handler *);

/* engine.c */
/*
 * The engine without its loop, for engine_run and the tests that drive
 * commands against a real store: e set up for site, the store opened, its
 * state loaded (cards, tickets, alerts, fire mode, front desk, bookings)
 * and the store's completions watched on e->epfd. No worker is started and
 * no signal is taken. -1 (logged): nothing is left open. engine_close
 * commits what is queued and frees it all.
 */
int	engine_open(struct engine *, const char *conf_path, struct site_conf *);
void	engine_close(struct engine *);
int	engine_run(const char *conf_path, struct site_conf *site,
	    const struct engine_front *);
/* An event stamped now, of this kind; engine_ev_dev() adds device and lane. */
void	engine_ev_init(struct ev_rec *, const char *kind);
/*
 * The done callback of a calloc'ed write nobody waits for: a failure is
 * logged after what, the text its arg points to; the request is freed.
 */
void	engine_bg_done(struct store_req *, void *what);
void	engine_ev_dev(struct engine *, struct ev_rec *, int dev);
/* The device or lane source names, if it names one ("site" names none). */
void	engine_ev_source(struct engine *, struct ev_rec *, const char *source);
/* Queued for the next batch; followers see it once it is committed. */
void	engine_event(struct engine *, struct ev_rec *);
/* An event of this kind at device dev (and its lane), with detail. */
void	engine_dev_event(struct engine *, int dev, const char *kind,
	    const char *detail);
/* Publishing (struct engine_sub): a subscriber stays until it leaves. */
void	engine_subscribe(struct engine *, struct engine_sub *);
void	engine_unsubscribe(struct engine *, struct engine_sub *);
void	engine_publish_alert(struct engine *, const struct alert_rec *);
/* The card with this uid into *v; false: not on the card list. */
bool	engine_card_find(const struct engine *, const char *uid, struct card_view *v);
/* -1: out of memory (the card is stored, but unknown until a restart). */
int	engine_card_put(struct engine *, const struct card_rec *);
void	engine_card_del(struct engine *, const char *uid);

/* lanes.c: decisions, passages, device health */
void	engine_worker_msg(struct engine *, int link, const union msg_any *);
void	engine_link_down(struct engine *, int link, const char *reason);
int	engine_send_cmd(struct engine *, int dev, enum ts_cmd, int64_t t_frame_ns,
	    char *err, size_t errlen);
const char *engine_dir_name(enum dir);
/* Lane l's turnstile and passage as the access rules see them: a card and
 * an operator's open are refused for the same lane states. */
void	lane_access_state(const struct engine *, int lane, struct access_lane *);
/* The device answered: online, if it was not (records and clears alerts). */
void	engine_dev_online(struct engine *, int dev);
/* The device is in fault, or not: keeps fault_since_ms, from the fault's
 * alert where there is one (it is older than an outage or a restart). */
void	engine_dev_fault(struct engine *, int dev, bool in_fault);
/* Passage timeouts and door timers. */
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
/* When the active alert was raised (wall clock, ms); 0: none is active. */
int64_t	alert_raised_ms(const struct engine *, const char *source, const char *kind);
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
/* An active alert as a record: id 0 while it is not stored yet. */
void	alert_active_rec(const struct alert_active *, struct alert_rec *);
/* The store's health changed (store_set_health_cb): while the database
 * cannot be written, the "site_store" alert is on and every alert is
 * delivered at once, before it is stored. */
void	alert_store_health(struct engine *, bool failing, const char *why);

/* notify.c: runs alerts.command for each change of an alert, never waiting
 * for it; event is "raised", "escalated", "acknowledged" or "cleared". */
void	notify_alert(struct engine *, const struct alert_rec *, const char *event);
void	notify_reap(struct engine *);
void	notify_tick(struct engine *, int64_t now_ns);
int64_t	notify_next_deadline(const struct engine *);
/* At shutdown: a short wait for running commands, then they are killed. */
void	notify_stop(struct engine *);

/*
 * tickets.c: repair tickets. An alert whose audience includes engineering
 * opens one once it is stored (or adds a note to the unfinished one for the
 * same source and kind); its clearing, once stored, adds a note. The daily
 * summary runs from the loop: ticket_tick/ticket_next_deadline.
 */
int	ticket_init(struct engine *);	/* at start, before the loop; -1: fatal */
void	ticket_free(struct engine *);
void	ticket_alert_stored(struct engine *, const struct alert_rec *);
void	ticket_alert_cleared(struct engine *, const struct alert_rec *);
void	ticket_tick(struct engine *, int64_t now_ns);
int64_t	ticket_next_deadline(const struct engine *);
/* A ticket's change in the event log ("ticket_opened", ...), by actor. */
void	ticket_event(struct engine *, const char *kind, const struct ticket_rec *,
	    const char *actor, const char *what);

/*
 * retention.c: the event log's retention (store.events_keep_days,
 * events_max_mb, events_export_required) from the loop; kick: an export
 * was recorded, look again now. A run that deleted events records an
 * events_purged event; the alerts "site_events_unexported" (old events
 * wait for an export) and "site_events_ceiling" (over events_max_mb with
 * nothing exported left to delete) follow what the store finds.
 */
void	retention_tick(struct engine *, int64_t now_ns);
int64_t	retention_next_deadline(const struct engine *);
void	retention_kick(struct engine *);


/*
 * doors.c: a card at a door's reader (false: the reader is in no door); a
 * door contact or exit button changed (false: in no door), recorded there;
 * the held-open timers.
 */
bool	door_card(struct engine *, int dev, const struct msg_card *);
bool	door_input(struct engine *, int dev, bool active, bool first,
	    int64_t t_ns);
void	door_tick(struct engine *, int64_t now_ns);
int64_t	door_next_deadline(const struct engine *);

/* fire.c: the fire-alarm input went active or inactive. */
void	fire_input(struct engine *, int dev, bool active);
/* The fire-alarm mode is on: elevators get no access commands either. */
bool	fire_mode_active(const struct engine *);
/* At start, before the loop: takes back the stored mode, from the database
 * and from the latch file beside it; on if either says so. -1: the store
 * failed. fire_close() at the end closes the latch file. */
int	fire_load(struct engine *);
void	fire_close(struct engine *);
/* Lane l is held free by the fire mode (an egress lane while it is on). */
bool	fire_lane_held(const struct engine *, int lane);
/* True when cmd to turnstile dev would fight the fire mode: anything but
 * FREE to an egress lane while it is on. */
bool	fire_blocks_cmd(const struct engine *, int dev, enum ts_cmd);
/* A turnstile's status arrived (first: the first since it came online,
 * before: its state until now); a turnstile found not free is freed. */
void	fire_ts_status(struct engine *, int dev, bool first, enum ts_state before);
/* A command result: FREE commands of the fire mode are timed and recorded. */
void	fire_cmd_result(struct engine *, int dev, const struct msg_cmd_result *);
/* Operator reset (ctl_fire.c): NULL when it may be done now, else why not,
 * in buf. */
const char *fire_reset_refusal(const struct engine *, char *buf, size_t len);
/* Fills req (STORE_FIRE_PUT) to end the mode, recorded as done by user. */
void	fire_reset_begin(struct engine *, const char *user, struct store_req *);
/* Its completion: 0 the mode is off and the lanes locked; -1 and why. */
int	fire_reset_done(struct engine *, const struct store_req *, char *err,
	    size_t errlen);


/* supervisor.c */
void	sup_init(struct engine *);
void	sup_start_all(struct engine *);
void	sup_stop_all(struct engine *);
void	sup_reap(struct engine *);
void	sup_tick(struct engine *, int64_t now_ns);
int64_t	sup_next_deadline(const struct engine *);
int	sup_send(struct engine *, int link, const void *msg);


/* Device dev's kind's own state, for its kind's module to read as its
 * struct (kind.h; kind.c checks each fits). */
static inline void *
engine_kstate(struct engine *e, int dev)
{
	return e->devs[dev].kstate;
}

static inline const void *
engine_kstate_of(const struct engine *e, int dev)
{
	return e->devs[dev].kstate;
}

#include "turnstile.h"
#include "reader.h"
#include "input.h"
#include "elevator.h"
#include "intercom.h"

#endif
