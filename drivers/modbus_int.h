/*
 * Inside the Modbus TCP and RTU link back-end: one link's state and its
 * devices', and what modbus.c (the link, its bus and its schedule),
 * modbus_poll.c (polls and their status) and modbus_cmd.c (commands) share.
 */
#ifndef LOBBYD_MODBUS_INT_H
#define LOBBYD_MODBUS_INT_H

#include <modbus.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link.h"
#include "modbus_icom.h"
#include "modbus_elev.h"
#include "modbus_wire.h"

#define MB_CMD_QUEUE	8	/* commands waiting per link */
#define MB_NPOINTS	6	/* state, entry, exit, fault; elevators: MBE_NPOINTS */
#define MB_MAX_READS	MB_NPOINTS

enum mb_health { MB_UNKNOWN, MB_ONLINE, MB_OFFLINE };

/* One covering read of a poll: a range of one table. */
struct mb_read {
	enum reg_table	table;
	uint16_t	addr;
	uint16_t	count;
};

struct mb_dev {
	int			index;		/* in site->devices */
	const struct device_conf *conf;
	const struct profile	*prof;
	struct mb_read		reads[MB_MAX_READS];
	int			nreads;
	int			cur;		/* next read of the poll under way */
	uint32_t		val[MB_NPOINTS];	/* values of that poll */
	enum mb_health		health;
	uint32_t		failures;	/* failed polls in a row */
	int64_t			next_ns;	/* next regular poll */
	int64_t			backoff_ns;	/* interval while offline */
	int64_t			deadline_ns;	/* of one whole transaction */
	bool			urgent;		/* poll at once: a command was written */
	bool			have_status;	/* last was sent since coming online */
	struct msg_ts_status	last;
	struct profile		input_prof;	/* DEV_INPUT: its point (modbus_input.c) */
	bool			input_active;	/* DEV_INPUT: as last sent */
	struct mbi_state	icom;		/* intercom stations */
	struct mbe_state	elev;		/* elevator controllers */
};

struct mb_link {
	modbus_t	*ctx;
	bool		rtu;
	bool		connected;
	int64_t		t35_ns;		/* RTU silence between frames; 0 for TCP */
	int64_t		char_ns;	/* RTU: one character on the wire */
	uint16_t	tid;		/* TCP: last transaction id sent */
	int64_t		last_end_ns;	/* when the last transaction ended */
	char		where[CONF_PATH_MAX + 8];
	struct mb_dev	*devs;
	int		ndevs;
	int		polling;	/* device with a poll under way, -1 none */
	int		rr;		/* device polled last, for round robin */
	struct msg_cmd	queue[MB_CMD_QUEUE];
	int		qhead;
	int		qlen;
};

/* modbus.c: the tables' names, for messages ("holding", "coil", ...). */
extern const char *const mb_table_names[];
/* Gets the bus ready for a transaction: connected. 0, or -1 with err
 * saying what went wrong. */
int	mb_begin(struct link *, struct mb_link *, char *err, size_t errsz);
/*
 * One transaction with d within its deadline; the caller fills in q's
 * function and operands. On failure (-1) errno says what failed and why is
 * the reason the engine shows for the device: its unit, `what` was tried,
 * and what went wrong.
 */
int	mb_transact(struct mb_link *, const struct mb_dev *d, struct mbw_req *q,
	    uint16_t *regs, uint8_t *bits, const char *what, char *why,
	    size_t whysz);

/* modbus_poll.c: the reads that cover d's points; 0, or -1 (logged). */
int	mb_plan_reads(struct link *, struct mb_dev *d);
/* One read of d's poll; the poll completes or fails with the last one. */
void	mb_poll_step(struct link *, struct mb_link *, struct mb_dev *d);

/* modbus_cmd.c: the steps of service() ahead of the polls, each one
 * transaction at most. Writes the command at the head of the queue. */
void	mb_command_step(struct link *, struct mb_link *);
/* Ends a timed door release that is due: false when none is. */
bool	mb_icom_off_step(struct link *, struct mb_link *, int64_t now);
/* Disables the floors of an elevator whose grant is over or that was
 * (re)connected: false when none is due. */
bool	mb_elev_clear_step(struct link *, struct mb_link *, int64_t now);
/* The link op: a command queued for its device. */
int	mb_command(struct link *, const struct msg_cmd *c);

#endif
