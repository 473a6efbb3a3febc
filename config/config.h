/*
 * The site as configured: links, devices, device profiles, lanes, the store
 * and the control socket. config_load() parses with libconfig and validates
 * every setting; the result is plain data with no pointers into libconfig,
 * so a forked link worker can use it as it is.
 */
#ifndef LOBBYD_CONFIG_H
#define LOBBYD_CONFIG_H

/* The longest output pulse (a door strike) a config may ask for, in ms;
 * drivers/msg.h carries it as MSG_PULSE_MAX_MS. */
#define CONF_PULSE_MAX_MS	60000

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "notify_conf.h"

#define CONF_NAME_MAX	32	/* names of links, devices, lanes, profiles */
#define CONF_PATH_MAX	256
#define CONF_MAX_LINKS	64
#define CONF_MAX_DEVICES 256
#define CONF_MAX_LANES	64
#define CONF_MAX_PROFILES 32
#define CONF_MAX_GROUPS	8
#define CTL_MAX_CONNS	256	/* control.clients, control.followers: each
				   costs a descriptor and a 64 KiB buffer */
#define CONF_MAX_DOORS	32
#define CONF_GPIO_LINES	256	/* line offsets on a GPIO chip: 0..255 */
#define CONF_NROLES	4	/* guard, frontdesk, engineering, manager: config/roles.h */
#define CONF_CMD_ARGS	16	/* words of alerts.command */
#define CONF_MAX_ZONES	16
#define CONF_MAX_SCHEDULES 16
#define CONF_MAX_PERIODS 4	/* = RULE_MAX_PERIODS (rules/pass.h) */
#define CONF_MAX_HOLIDAYS 64
#define CONF_MAX_ELEVATORS 32	/* elevators: readers tied to a controller */
#define CONF_MAX_RUSH	8	/* freight.rush_hours */

enum link_type {
	LINK_MODBUS_TCP,
	LINK_MODBUS_RTU,
	LINK_SERIAL_READER,	/* one card reader on one serial port */
	LINK_GPIO,		/* one GPIO chip: inputs, relays, Wiegand readers */
};

/* The four Modbus data tables. */
enum reg_table { REG_COIL, REG_DISCRETE, REG_INPUT, REG_HOLDING };

/* Visitor classes, as rules/visitor.h's enum visitor_class orders them. */
#define CONF_VISITOR_CLASSES	6
#define CONF_VISITOR_CLASS_NAMES "vip", "important", "ordinary", "applicant", \
	"service", "internal"
/* Whether a class's pass waits for the host: never, unless the visitor
 * had an appointment ("unannounced": did not call ahead), or always. */
enum visitor_hold { HOLD_NEVER, HOLD_UNANNOUNCED, HOLD_ALWAYS };
/* The visitor class called name (its index in CONF_VISITOR_CLASS_NAMES),
 * or -1. */
int	config_visitor_class(const char *name);

/* Card frame formats a serial reader delivers. */
enum card_format {
	CARD_EM4100,		/* 0x02, 10 hex digits, 2 hex XOR checksum, 0x03 (RDM6300) */
	CARD_WIEGAND_ASCII,	/* Wiegand-to-RS232 converter: hex digits, then CR */
	CARD_QR,		/* QR / barcode scanner: a visitor code, then CR or LF */
	CARD_IDCARD,		/* resident ID card reader at the desk (drivers/idcard.h):
				   reads documents, opens nothing */
	/* Wiegand on GPIO lines (drivers/gpio.c), by frame length */
	CARD_WIEGAND_26,
	CARD_WIEGAND_34,
	CARD_WIEGAND_37,
};

/* A value read from a device: "input:3" (16 bit) or "input:3:u32" (two
 * registers, high word first). Coils and discrete inputs are 1 bit. */
struct reg_point {
	bool		set;
	enum reg_table	table;
	uint16_t	addr;
	uint8_t		width;		/* 1, 16 or 32 bits */
};

/* A write that means a command: "holding:0" = 3, or "coil:5" = 1. */
struct reg_write {
	bool		set;
	enum reg_table	table;		/* REG_COIL or REG_HOLDING */
	uint16_t	addr;
	uint16_t	value;
};

enum profile_kind { PROFILE_TURNSTILE, PROFILE_ELEVATOR, PROFILE_INTERCOM };

enum ts_state { TS_UNKNOWN, TS_IDLE, TS_PASSING, TS_FAULT };

enum ts_cmd {
	TS_CMD_OPEN_ENTRY,	/* let one person in */
	TS_CMD_OPEN_EXIT,	/* let one person out */
	TS_CMD_FREE,		/* free passage (both ways) */
	TS_CMD_LOCK,		/* locked, back to normal card operation */
	TS_CMD_COUNT
};

/* Intercom stations (PROFILE_INTERCOM, DEV_INTERCOM): config/config_icom.c. */
enum icom_call { ICOM_UNKNOWN, ICOM_IDLE, ICOM_RINGING, ICOM_CONNECTED };

enum icom_cmd {
	ICOM_CMD_RELEASE,	/* door release; msg_cmd.value unused */
	ICOM_CMD_FORWARD,	/* route the call: msg_cmd.value = station number */
	ICOM_CMD_COUNT
};

struct icom_profile {
	struct reg_point call;			/* required: call state */
	int32_t		call_value[4];		/* raw value for ICOM_IDLE..CONNECTED */
	struct reg_point button;		/* optional: call button pressed = 1 */
	struct reg_point door;			/* optional: door open = 1 */
	struct reg_write release;		/* optional: door release write */
	int		release_ms;		/* > 0: the worker writes 0 after this */
	struct reg_point forward;		/* optional: holding register for the
						   target station number */
};

/* Elevator controllers (PROFILE_ELEVATOR, DEV_ELEVATOR): config/config_elev.c. */
enum elev_dir { ELEV_DIR_UNKNOWN, ELEV_DIR_STOPPED, ELEV_DIR_UP, ELEV_DIR_DOWN,
	ELEV_DIR_COUNT };
enum elev_door { ELEV_DOOR_UNKNOWN, ELEV_DOOR_CLOSED, ELEV_DOOR_OPEN,
	ELEV_DOOR_OPENING, ELEV_DOOR_CLOSING, ELEV_DOOR_COUNT };
enum elev_mode { ELEV_MODE_UNKNOWN, ELEV_MODE_NORMAL, ELEV_MODE_INDEPENDENT,
	ELEV_MODE_FIRE_SERVICE, ELEV_MODE_OUT_OF_SERVICE, ELEV_MODE_COUNT };

/* MSG_CMD.cmd for an elevator controller: enable msg_cmd.floors (bit n =
 * floor n) for msg_cmd.value ms; the worker writes 0 again on its own timer. */
enum elev_cmd { ELEV_CMD_ENABLE, ELEV_CMD_COUNT };

#define ELEV_FLOORS_MAX		64	/* floors 0..63 */
#define ELEV_ENABLE_MAX_S	300
#define ELEV_VALUE_UNSET	INT32_MIN	/* a state the profile does not map */

struct elev_profile {
	struct reg_point floor;			/* required: car position */
	struct reg_point dir;			/* required: direction */
	int32_t		dir_value[ELEV_DIR_COUNT];	/* raw, by enum elev_dir */
	struct reg_point door;			/* required: door state */
	int32_t		door_value[ELEV_DOOR_COUNT];
	struct reg_point mode;			/* required: operating mode */
	int32_t		mode_value[ELEV_MODE_COUNT];
	struct reg_point fault_code;		/* optional: 0 means no fault */
	struct reg_point trapped;		/* optional: passenger alarm, nonzero */
	uint16_t	enable_addr;		/* floor_enable: first holding register */
	int		floors;			/* 1..64: 16 floors per register */
};

/* What a model's registers mean. A new turnstile model is a new profile. */
struct profile {
	char		name[CONF_NAME_MAX];
	enum profile_kind kind;
	struct reg_point state;			/* required */
	int32_t		state_value[4];		/* raw value for TS_IDLE..TS_FAULT; [0] unused */
	struct reg_point entry_count;		/* required */
	struct reg_point exit_count;		/* required */
	struct reg_point fault_code;		/* optional: 0 means no fault */
	struct reg_write cmd[TS_CMD_COUNT];	/* all four required */
	struct icom_profile icom;		/* PROFILE_INTERCOM */
	struct elev_profile elev;		/* PROFILE_ELEVATOR */
};

struct link_conf {
	char		name[CONF_NAME_MAX];
	enum link_type	type;
	int		line;			/* config line, for messages */
	/* modbus-tcp */
	char		host[64];
	int		port;
	/* modbus-rtu and serial readers */
	char		path[CONF_PATH_MAX];
	int		baud;
	char		parity;			/* 'N', 'E', 'O' */
	int		data_bits;
	int		stop_bits;
	/* modbus */
	int		timeout_ms;		/* a device's whole transaction
						   (and a TCP connect) within this */
	/* serial readers */
	enum card_format format;
	/* gpio: a chip ("gpiochip0", "/dev/gpiochip0", a label), or, when
	 * gpio_sim is set, path is lobbysim's socket for a simulated chip */
	char		chip[64];
	bool		gpio_sim;
};

enum device_kind {
	DEV_TURNSTILE,
	DEV_READER,		/* serial card reader, or Wiegand on a GPIO link */
	DEV_ELEVATOR,		/* elevator controller (one car) */
	DEV_INTERCOM,		/* intercom station */
	DEV_INPUT,		/* a contact: door position, exit button, fire alarm, ... */
	DEV_OUTPUT,		/* a relay: door strike, ... */
};

/* What a DEV_INPUT contact means; "active" is the alarm / open / pressed side. */
enum input_function {
	IN_DOOR,		/* door position: active = open */
	IN_REX,			/* request-to-exit button: active = pressed */
	IN_FIRE,		/* fire-alarm panel output: active = alarm */
	IN_POWER,		/* UPS on battery / mains failure: active = failure */
	IN_TAMPER,		/* enclosure tamper switch: active = opened */
};

struct device_conf {
	char		name[CONF_NAME_MAX];
	enum device_kind kind;
	int		link;			/* index into site_conf.links */
	int		unit;			/* modbus unit id 1..247 (TCP: 0..255) */
	int		profile;		/* index into site_conf.profiles, -1 for readers */
	int		poll_ms;		/* modbus poll interval */
	int		deadline_ms;		/* modbus: a whole transaction within
						   this; 0: the link's timeout_ms */
	int		line;
	/* DEV_INPUT */
	enum input_function function;
	struct reg_point point;			/* Modbus inputs: nonzero = on */
	bool		active_low;		/* on (0 = off) means inactive */
	/* On a GPIO link: the line of an input or output, or a Wiegand
	 * reader's two data lines (-1: none); active_low inverts the level. */
	int		gpio_line;
	int		gpio_d0, gpio_d1;
	int		debounce_ms;		/* inputs: level stable this long */
	/* DEV_INTERCOM */
	int		station;		/* station number, 1..65535 */
	int		next;			/* device index to forward to, -1 none */
	int		ring_timeout_s;		/* unanswered after this */
};

/* A door: its position contact, its strike relay, and optionally a card
 * reader and an exit button (device indices, -1 when none). */
struct door_conf {
	char		name[CONF_NAME_MAX];
	int		contact;		/* DEV_INPUT, function door */
	int		strike;			/* DEV_OUTPUT */
	int		reader;			/* DEV_READER or -1 */
	int		rex;			/* DEV_INPUT, function rex, or -1 */
	int		unlock_ms;		/* strike pulse on a grant or exit */
	int		held_open_s;		/* open longer: door_held alert */
	int		line;
};

/* A card reader tied to an elevator controller (device indices); a grant
 * there enables the holder's floors for enable_s. A freight elevator answers
 * only holders of a booking in its window. */
struct elevator_conf {
	char		name[CONF_NAME_MAX];
	int		controller;		/* DEV_ELEVATOR */
	int		reader;			/* DEV_READER */
	int		enable_s;		/* 1..ELEV_ENABLE_MAX_S */
	bool		freight;
	int		line;
};

struct lane_conf {
	char		name[CONF_NAME_MAX];
	int		turnstile;		/* device index */
	int		entry_reader;		/* device index, -1 if none */
	int		exit_reader;		/* device index, -1 if none */
	int		pass_timeout_ms;	/* grant without passage after this */
	int		line;
	bool		egress;			/* freed in fire mode (default true) */
	int		zone;			/* index into site_conf.zones; -1: none
						   (no anti-passback) */
	bool		contractors;		/* contractors may use it (default false) */
	bool		collects_cards;		/* its exit reader swallows visitor
						   cards: the pass is returned */
};

/* Anti-passback per zone (rules/pass.h enum apb_mode has the same order). */
enum conf_apb { CONF_APB_OFF, CONF_APB_SOFT, CONF_APB_HARD };

/* An area entered through lanes; who is inside is kept per zone. */
struct zone_conf {
	char		name[CONF_NAME_MAX];
	enum conf_apb	apb;			/* default off */
	int		line;
};

/* When a group of people may come in: "mon-fri", periods "07:00-19:30". */
struct schedule_conf {
	char		name[CONF_NAME_MAX];
	uint8_t		days;			/* bit (1 << wday), 0 Sunday */
	int		nperiods;		/* 0: all day on its days */
	struct {
		int16_t	from, until;		/* minutes of the day, [from, until);
						   until may be 1440 ("24:00") */
	}		periods[CONF_MAX_PERIODS];
	bool		holidays;		/* closed on site holidays (default true) */
	int		line;
};

struct site_conf {
	char		path[CONF_PATH_MAX];	/* the file it came from */
	char		site_name[64];
	char		db_path[CONF_PATH_MAX];
	char		socket_path[108];
	char		group_names[CONF_MAX_GROUPS][CONF_NAME_MAX];
	gid_t		groups[CONF_MAX_GROUPS];	/* may use lobbyctl */
	int		ngroups;
	/* control: what one user may hold of the socket (control/ctl_limit.h).
	 * Connections that send commands and followers are counted apart;
	 * the last ctl_manager_reserve of each are for managers and root. */
	int		ctl_clients;		/* connections sending commands */
	int		ctl_per_user;		/* of those, one user's */
	int		ctl_manager_reserve;
	int		ctl_followers;		/* connections following */
	int		ctl_followers_per_user;
	int		ctl_idle_timeout_s;	/* a non-follower's silence */
	int		event_batch_ms;		/* events committed within this delay */
	/* The event log's retention (engine/retention.c). */
	int		events_keep_days;	/* events older are deleted, 0..36500;
						   0: kept for ever; default 1825 */
	int		events_max_mb;		/* the database's pages in use kept
						   under this, deleting the oldest
						   events; 0 (default): no ceiling */
	bool		events_export_required;	/* only exported events are deleted
						   (lobbyctl events export); default
						   true */
	int		offline_after;		/* failed polls in a row */
	int		backoff_max_ms;		/* slowest poll of an offline device */
	int		ticket_summary_s;	/* daily ticket summary: seconds
						   after local midnight */

	struct profile	profiles[CONF_MAX_PROFILES];
	int		nprofiles;
	struct link_conf links[CONF_MAX_LINKS];
	int		nlinks;
	struct device_conf devices[CONF_MAX_DEVICES];
	int		ndevices;
	struct lane_conf lanes[CONF_MAX_LANES];
	int		nlanes;
	struct door_conf doors[CONF_MAX_DOORS];
	int		ndoors;
	struct elevator_conf elevators[CONF_MAX_ELEVATORS];
	int		nelevators;
	/* freight: booking rules (rules/booking.h). Rush hours are minutes
	 * after local midnight, [start, end); a window touching one on any
	 * day it spans is refused. */
	int		rush[CONF_MAX_RUSH][2];
	int		nrush;
	int		booking_max_h;		/* longest window, hours */

	/* roles (config/roles.h): the Unix groups that hold each role. No
	 * roles section: everyone admitted to the socket holds every role. */
	bool		roles_set;
	gid_t		role_groups[CONF_NROLES][CONF_MAX_GROUPS];
	int		nrole_groups[CONF_NROLES];
	/* alerts: escalation and delivery (engine/alerts.c, engine/notify.c) */
	int		escalate_after_s[4];	/* by severity, engine.h's order
						   (info, warning, urgent,
						   emergency); 0: never */
	char		alert_command[CONF_PATH_MAX];	/* "": none */
	int		alert_command_timeout_s;

	/* The front desk's rules (rules/pass.h, rules/visitor.h). */
	struct zone_conf zones[CONF_MAX_ZONES];
	int		nzones;
	struct schedule_conf schedules[CONF_MAX_SCHEDULES];
	int		nschedules;
	int		holidays[CONF_MAX_HOLIDAYS];	/* YYYYMMDD, ascending, unique */
	int		nholidays;
	int		apb_reset_min;		/* access.apb_reset "03:00": minute of
						   the day everyone's zone state is
						   forgotten; -1 (default): never */
	bool		watch_hold;		/* access.watch_policy "hold": a
						   watch-listed person meets "please
						   see the front desk"; default
						   "let_through" */
	int		visitor_retention_days;	/* visitors.retention_days, 1..3650,
						   default 90 */
	char		key_path[CONF_PATH_MAX];	/* visitors.key_file; default: the
						   database path + ".key" */
	int		visitor_until_min;	/* visitors.default_until "23:59":
						   a visitor pass ends then today */
	uint64_t	office_floors;		/* visitors.office_floors "3-30":
						   bit n = floor n, 0..63; applicants
						   without an appointment get none */
	/* visitors.hold { ordinary = "unannounced"; ... }: by visitor class,
	 * in CONF_VISITOR_CLASS_NAMES' order, whether the pass waits for
	 * the host's confirmation. Default: applicants and service workers
	 * always, the others never. */
	enum visitor_hold visitor_hold[CONF_VISITOR_CLASSES];
	int		visitor_wait_alert_s;	/* visitors.wait_alert_s: a visitor
						   waiting for the host this long
						   alerts the desk and the manager;
						   default 180, 0 never */
	unsigned	visitor_announce;	/* visitors.announce [ "vip" ]: bit
						   c = class c's registration tells
						   the managers; default vip and
						   important */
	char		watch_cue[128];		/* visitors.watch_cue: what the desk
						   is asked, discreetly, when a
						   visitor it registered turns out to
						   be watch-listed ("%s": the name) */
	struct notify_conf notify;		/* notify: telling hosts */
};

/*
 * Reads and validates FILE into *site (zeroed first). Every error is written
 * to errs as "FILE:LINE: message\n"; returns the number of errors (0: the
 * site is valid and complete), or -1 with one line when FILE cannot be read.
 */
int	config_load(const char *file, struct site_conf *site, FILE *errs);

/* Lookups by name; -1 when there is none. */
int	config_device_index(const struct site_conf *, const char *name);
int	config_lane_index(const struct site_conf *, const char *name);
int	config_link_index(const struct site_conf *, const char *name);
int	config_profile_index(const struct site_conf *, const char *name);
int	config_door_index(const struct site_conf *, const char *name);
int	config_zone_index(const struct site_conf *, const char *name);
int	config_schedule_index(const struct site_conf *, const char *name);
int	config_elevator_index(const struct site_conf *, const char *name);

const char *config_link_type_name(enum link_type);
const char *config_device_kind_name(enum device_kind);
/* "em4100", "wiegand-ascii", "qr", "idcard" (the config's words), "wiegand" */
const char *config_card_format_name(enum card_format);
/* "door", "rex", "fire", "power", "tamper": also the config's words */
const char *config_input_function_name(enum input_function);
const char *config_ts_cmd_name(enum ts_cmd);
const char *config_ts_state_name(enum ts_state);
/* "unknown", "idle", "ringing", "connected"; "release", "forward" */
const char *config_icom_call_name(enum icom_call);
const char *config_icom_cmd_name(enum icom_cmd);
/* "stopped", "up", "down"; "closed", "open", "opening", "closing";
 * "normal", "independent", "fire_service", "out_of_service"; "unknown" */
const char *config_elev_dir_name(enum elev_dir);
const char *config_elev_door_name(enum elev_door);
const char *config_elev_mode_name(enum elev_mode);
/* Splits alerts.command in buf (modified) at runs of blanks into argv,
 * NULL-terminated; the number of words, or -1 when more than max - 1. */
int	config_command_split(char *buf, char **argv, int max);

#endif
