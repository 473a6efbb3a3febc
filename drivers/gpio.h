/*
 * The GPIO link: one worker per chip, serving contact inputs (debounced),
 * relays (on, off, timed pulses) and Wiegand readers on pairs of lines. The
 * chip itself is behind a small back-end table: libgpiod v1 for a real chip,
 * or lobbysim's simulated chip over a Unix socket, whose protocol is here.
 */
#ifndef LOBBYD_GPIO_H
#define LOBBYD_GPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../config/config.h"

#define GPIO_CONSUMER	"lobbyd"

/* One edge on one line, stamped by the kernel (CLOCK_MONOTONIC). */
struct gpio_edge {
	unsigned	line;
	bool		rising;
	int64_t		t_ns;
};

/* The lines a worker takes: inputs with both edges reported (contacts and
 * Wiegand data lines), outputs driven to their initial physical level. */
struct gpio_request {
	unsigned	in[CONF_GPIO_LINES];
	int		nin;
	unsigned	out[CONF_GPIO_LINES];
	bool		out_level[CONF_GPIO_LINES];
	int		nout;
};

struct gpio_io;

/*
 * A chip back-end. Levels are physical (true: high); active_low is the
 * worker's business. Failures fill err with the chip first and return -1
 * (NULL from open); the worker logs them once and reopens with back-off.
 */
struct gpio_backend {
	const char	*name;
	struct gpio_io	*(*open)(const struct link_conf *,
			    const struct gpio_request *, char *err, size_t errlen);
	/* Readable when edges wait. */
	int		(*fd)(struct gpio_io *);
	/* Up to max edges that wait, each line's in time order; 0 when none,
	 * -1 when the chip is gone. */
	int		(*read)(struct gpio_io *, struct gpio_edge *, int max,
			    char *err, size_t errlen);
	/* An input's level now: 0 or 1, -1 on failure. */
	int		(*get)(struct gpio_io *, unsigned line, char *err,
			    size_t errlen);
	int		(*set)(struct gpio_io *, unsigned line, bool level,
			    char *err, size_t errlen);
	void		(*close)(struct gpio_io *);
};

extern const struct gpio_backend gpio_backend_chip;	/* gpio_chip.c */
extern const struct gpio_backend gpio_backend_sim;	/* gpio_sim.c */

/*
 * lobbysim's simulated chip: a SOCK_SEQPACKET Unix socket at the link's
 * "sim" path, one struct gpio_sim_msg per datagram. The worker connects,
 * sends one GSIM_REQUEST per line and GSIM_READY; the chip answers with
 * GSIM_LEVEL for each input line and GSIM_READY, or GSIM_ERROR with why.
 * Then the chip sends GSIM_EDGE as lines change, stamped with the time the
 * edge happened, and the worker sends GSIM_SET to drive an output. When the
 * worker's connection closes, its outputs go low, as a released line would.
 */
enum gpio_sim_type {
	GSIM_REQUEST = 1,	/* worker: line, dir (0 in, 1 out), value */
	GSIM_READY,		/* both: end of the request / of the levels */
	GSIM_LEVEL,		/* chip: line, value: an input's level */
	GSIM_ERROR,		/* chip: the request is refused; text says why */
	GSIM_EDGE,		/* chip: line, value (1 rising), t_ns */
	GSIM_SET,		/* worker: line, value */
};

struct gpio_sim_msg {
	uint16_t	type;		/* enum gpio_sim_type */
	uint16_t	line;		/* < CONF_GPIO_LINES */
	uint8_t		dir;
	uint8_t		value;
	uint8_t		pad[2];
	int64_t		t_ns;		/* CLOCK_MONOTONIC */
	char		text[64];	/* GSIM_ERROR, NUL-terminated */
};

#endif
