/*
 * Device kinds in the engine. Each kind of device is one module that says,
 * in one struct dev_kind, what it keeps (its own struct, in the device's
 * kstate), which worker messages it reads and how, what it raises when it
 * goes offline, its timers, and how its state reads in words. kind.c lists
 * them by config's enum device_kind.
 *
 * A new kind takes a profile or config reader (config/), a worker driver if
 * its wire is new (drivers/), a module here with its struct dev_kind and a
 * line in kind.c's table, a command or two to show it (control/), and its
 * simulation (sim/): see docs/ARCHITECTURE.md.
 */
#ifndef LOBBYD_KIND_H
#define LOBBYD_KIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct engine;
union msg_any;

/* Room each device has for its kind's own state (struct dev_state.kstate). */
#define DEV_KSTATE_MAX	64

struct dev_kind {
	const char	*name;		/* "intercom" */
	const char	*label;		/* "Intercom", in alert messages */
	bool		offline_urgent;	/* its offline alert is urgent (else a
					   warning): a lane that may be blocked */
	size_t		state_size;	/* of its own state; <= DEV_KSTATE_MAX */
	uint32_t	msgs;		/* the worker messages it reads: 1u << MSG_* */

	/* At a (re)load, after the device's state was zeroed: what its state
	 * takes from the site's config; NULL: nothing. */
	void	(*reset)(struct engine *, int dev);

	/* A message of one of those types for device dev; never NULL when
	 * msgs is not 0. */
	void	(*msg)(struct engine *, int dev, const union msg_any *);
	/* Its timers, for every device of the kind at once; NULL: none.
	 * next_deadline: CLOCK_MONOTONIC ns, INT64_MAX none. */
	void	(*tick)(struct engine *, int64_t now_ns);
	int64_t	(*next_deadline)(const struct engine *);
	/* Its state in a word for people ("idle", "ringing"); NULL: "ok".
	 * Called only while the device is online. */
	const char *(*state_name)(const struct engine *, int dev);
	/* When that state began, wall-clock ms; NULL or 0: not known. */
	int64_t	(*state_since_ms)(const struct engine *, int dev);
};

/* The kind of device dev (never NULL for a configured device). */
const struct dev_kind *kind_of(const struct engine *, int dev);
/* Device dev's state in a word for people: "offline", "unknown" (not read
 * yet), or its kind's word ("idle", "active", "ringing", "ok"). */
const char *kind_state_name(const struct engine *, int dev);
/* Since when it has been in that state where that is known (a fault, an
 * input's or a call's last change), else since it came online or went
 * offline. Wall clock, ms. */
int64_t	kind_state_since(const struct engine *, int dev);
/* Every kind's timers, from the engine loop. */
void	kind_tick(struct engine *, int64_t now_ns);
int64_t	kind_next_deadline(const struct engine *);

/* The kinds (their modules). */
extern const struct dev_kind turnstile_kind, reader_kind, input_kind,
	output_kind, icom_kind, elev_kind;

#endif
