/*
 * lobbysim: plays every device of a lobbyd site (turnstiles on Modbus RTU
 * pseudo-terminals and Modbus TCP on loopback, card readers on ptys) and is
 * driven by tests and the demo through a line-based control socket.
 */
#ifndef LOBBYSIM_SIM_H
#define LOBBYSIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <modbus.h>

#include "../config/config.h"
#include "simpty.h"

#define SIM_MAX_CONNS	16		/* Modbus TCP clients per link */
#define SIM_WLOG	1024		/* command writes remembered per turnstile */
#define SIM_WLOG_SHOWN	64		/* "writes DEV" lists this many by default */
#define SIM_PASS_DELAY_MS 300		/* default time a passage takes */
#define SIM_RTU_BUF	512
#define SIM_TCP_BUF	(6 + 255)	/* MBAP header and the largest PDU */
#define SIM_FRAME_MAX	4096		/* largest raw/garbage write to a reader */


struct sim_conn {
	int		fd;		/* -1: free slot */
	uint8_t		buf[SIM_TCP_BUF];
	size_t		len;
};

struct sim_link {
	const struct link_conf *conf;
	int		index;
	/* modbus-tcp */
	int		lfd;		/* listener, -1 while closed */
	struct sim_conn	conns[SIM_MAX_CONNS];
	/* modbus-rtu and readers */
	struct sim_pty	pty;
	uint8_t		rx[SIM_RTU_BUF];
	size_t		rxlen;
	int64_t		rx_last_ns;
	bool		resyncing;
	uint64_t	frames, bad_crc, dropped;
	/* modbus */
	modbus_t	*mb;		/* used only to build replies */
	/* gpio (simgpio.c) */
	struct sim_gpio	*gpio;
	/* a desk identity card reader (simidcard.c) */
	struct sim_idcard *idc;
	/* modbus-rtu: a request waits t3.5 for its reply, as on a real bus */
	uint8_t		held[SIM_RTU_BUF];
	int		held_len;	/* 0: none */
	int64_t		held_t_ns;	/* its last byte read */
	int64_t		held_due_ns;	/* reply then */
};

struct sim_write {
	int64_t		t_ns;		/* CLOCK_MONOTONIC, request frame complete */
	enum ts_cmd	cmd;
};

/* One simulated turnstile: the model is authoritative, the mapping shows it. */
struct sim_ts {
	bool		used;
	int		dev;		/* index in site.devices */
	const struct device_conf *conf;
	const struct profile *prof;
	modbus_mapping_t *map;
	enum ts_state	state;
	uint32_t	entry, exit;
	uint16_t	fault;
	bool		muted, nopass, free_mode;
	bool		input, input_on;	/* a contact input (siminput.c) */
	int		pending;	/* TS_CMD_OPEN_ENTRY/EXIT in progress, or -1 */
	int64_t		due_ns;
	int		pass_delay_ms;
	uint64_t	nwrites;
	struct sim_write wlog[SIM_WLOG];	/* ring, nwrites % SIM_WLOG next */
};

/* One intercom station (simicom.c): its Modbus mapping is that of the
 * sim_ts of the same index; this is the model and the writes it took. */
#define SIM_ICOM_WLOG	256
#define SIM_ICOM_PULSE_MS 1000		/* a station's own release pulse */
struct sim_icom_write {
	int64_t		t_ns;
	int		cmd;		/* enum icom_cmd */
	unsigned	value;		/* release: 0 ends it; forward: station */
};

struct sim_icom {
	bool		used;
	enum icom_call	call;
	bool		button, door_open;
	unsigned	released;	/* release register as last written */
	int64_t		pulse_end_ns;	/* station ends its own release; 0 none */
	unsigned	forward;	/* last station number written */
	uint64_t	nwrites;
	struct sim_icom_write wlog[SIM_ICOM_WLOG];
};

/* One elevator controller (simelev.c): its mapping is that of the sim_ts of
 * the same index; this is the car and the floor-enable writes it took. */
#define SIM_ELEV_WLOG	256
struct sim_elev_write {
	int64_t		t_ns;
	uint64_t	mask;		/* the whole floor-enable mask after it */
};

struct sim_elev {
	bool		used;
	int		floor;
	enum elev_dir	dir;
	enum elev_door	door;
	enum elev_mode	mode;
	int		raw_mode;	/* >= 0: shown instead of mode's value */
	unsigned	fault;
	bool		trapped;
	uint64_t	mask;		/* floors enabled now */
	uint64_t	nwrites;
	struct sim_elev_write wlog[SIM_ELEV_WLOG];
};

struct sim {
	struct site_conf site;
	bool		verbose;
	struct sim_link	links[CONF_MAX_LINKS];
	struct sim_ts	ts[CONF_MAX_DEVICES];	/* by device index */
	struct sim_icom	icom[CONF_MAX_DEVICES];	/* by device index */
	struct sim_elev	elev[CONF_MAX_DEVICES];	/* by device index */
	uint64_t	rng;			/* for "garbage" */
};

/* simmodbus.c: the mapping of a unit, which every kind of device on a Modbus
 * link shows its model through. sim_unit_init makes device DEV's mapping,
 * sized by its kind's points, and starts its model there (0; 0 too for a
 * device that is no Modbus unit; -1 logged); a kind's sim_*_need grows the
 * table sizes for a profile's points, and its sim_*_start puts its model at
 * rest and shows it. sim_map_need grows the table sizes so that N bits or
 * registers from ADDR fit (when SET); sim_map_put shows V at point PT (a
 * bit: V != 0; u32: high word first). */
int	sim_unit_init(struct sim *, int dev);
/* For a control command: the index of device NAME when it is a unit of
 * KIND; -1 after "error no WHAT "NAME"" in out. */
int	sim_unit_find(const struct sim *, const char *name, enum device_kind kind,
	    const char *what, char *out, size_t size);
void	sim_map_need(int sizes[4], bool set, enum reg_table t, unsigned addr,
	    int n);
void	sim_map_need_point(int sizes[4], const struct reg_point *pt);
void	sim_map_put(modbus_mapping_t *, const struct reg_point *pt, uint32_t v);
/* Calls fn for each value a write request (PDU, function code first) that
 * libmodbus took into unit ts's mapping put there, in the order written. */
typedef void sim_write_fn(struct sim *, struct sim_ts *, enum reg_table,
    unsigned addr, unsigned value, int64_t t_ns);
void	sim_pdu_writes(struct sim *, struct sim_ts *ts, const uint8_t *pdu,
	    size_t len, int64_t t_ns, sim_write_fn *fn);

/* simmodbus.c: turnstiles and the Modbus links. */
void	sim_ts_free(struct sim_ts *);
void	sim_ts_publish(struct sim_ts *);
int64_t	sim_ts_tick(struct sim *, int64_t now_ns);
void	sim_ts_jam(struct sim_ts *, uint16_t code);
void	sim_ts_clear(struct sim_ts *);
void	sim_ts_passage(struct sim_ts *, bool entry);
const char *sim_ts_state_name(enum ts_state);
const char *sim_ts_cmd_name(enum ts_cmd);
int	sim_tcp_open(struct sim *, struct sim_link *);
void	sim_tcp_close(struct sim_link *);
void	sim_tcp_accept(struct sim *, struct sim_link *);
void	sim_tcp_input(struct sim *, struct sim_link *, int conn);
/* Answers one complete request (RTU CRC included) for the unit it names;
 * hdr: the offset of the function code (7 on TCP, 1 on RTU). */
void	sim_serve(struct sim *, struct sim_link *, const uint8_t *req, int len,
	    int hdr, int64_t t_ns);
/* simrtu.c: RTU buses on pseudo-terminals. */
int	sim_rtu_open(struct sim *, struct sim_link *);
void	sim_rtu_input(struct sim *, struct sim_link *);
void	sim_link_close(struct sim_link *);
bool	sim_link_all_muted(const struct sim *, int link);
/* Apply mute state of a TCP link (close or reopen its listener). */
int	sim_tcp_update_mute(struct sim *, struct sim_link *);

/* simctl.c: a whole number of s within lo..hi. */
bool	sim_parse_long(const char *s, long lo, long hi, long *v);

/* siminput.c: contact inputs, one point of a unit; prof is NULL. */
void	sim_input_start(struct sim *, int dev);
void	sim_input_publish(struct sim_ts *);
void	sim_input_cmd(struct sim *, int argc, char **argv, char *out, size_t size);
/* Answers RTU requests held for their t3.5; returns the next due or -1. */
int64_t	sim_rtu_tick(struct sim *, int64_t now_ns);

/* simicom.c: intercom stations. */
void	sim_icom_need(int sizes[4], const struct profile *);
void	sim_icom_start(struct sim *, int dev);
void	sim_icom_publish(struct sim *, int dev);
/* The release and forward writes in a request PDU libmodbus accepted. */
void	sim_icom_writes(struct sim *, int dev, const uint8_t *pdu, size_t len,
	    int64_t t_ns);
int64_t	sim_icom_tick(struct sim *, int64_t now_ns);
/* "icom DEV ring|answer|hangup|door open|closed|status|writes [N]" */
void	sim_icom_ctl(struct sim *, int argc, char **argv, char *out, size_t size);

/* simelev.c: elevator controllers. */
void	sim_elev_need(int sizes[4], const struct profile *);
void	sim_elev_start(struct sim *, int dev);
void	sim_elev_publish(struct sim *, int dev);
/* The floor-enable writes in a request PDU libmodbus accepted. */
void	sim_elev_writes(struct sim *, int dev, const uint8_t *pdu, size_t len,
	    int64_t t_ns);
/* "elev DEV floor|dir|door|mode|fault|trapped V | status | writes [N]" */
void	sim_elev_ctl(struct sim *, int argc, char **argv, char *out, size_t size);

/* simreader.c: card readers. */
int	sim_reader_open(struct sim *, struct sim_link *);
int	sim_reader_card(struct sim_link *, const char *uid, char *err, size_t errsz);
int	sim_reader_write(struct sim_link *, const uint8_t *, size_t, char *err,
	    size_t errsz);
int	sim_em4100_frame(const char *uid, uint8_t out[14]);
/* simidcard.c: a desk identity card reader's requests on its pty, and the
 * "idcard" control command. */
void	sim_idcard_input(struct sim *, struct sim_link *);
void	sim_idcard_ctl(struct sim *, int argc, char **argv, char *out, size_t size);
void	sim_idcard_free(struct sim_link *);

/* simgpio.c: simulated GPIO chips. fd/input: which 0 is the listening
 * socket, 1 the worker's connection (-1 when none). */
int	sim_gpio_open(struct sim *, struct sim_link *);
void	sim_gpio_close(struct sim_link *);
int	sim_gpio_fd(const struct sim_link *, int which);
void	sim_gpio_input(struct sim *, struct sim_link *, int which);
int64_t	sim_gpio_tick(struct sim *, int64_t now_ns);
/* A gpio control command (input, bounce, wiegand, output, gpio): true if
 * argv[0] is one, with the reply in out. */
bool	sim_gpio_ctl(struct sim *, int argc, char **argv, char *out, size_t size);

#endif
