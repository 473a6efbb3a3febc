/*
 * lobbysim's turnstiles and Modbus links: each turnstile is a model (state,
 * counters, fault) shown through a Modbus mapping laid out by its profile;
 * TCP endpoints (here) and RTU buses (simrtu.c) frame requests themselves
 * and let libmodbus build the replies, so one process serves every unit of
 * a bus.
 */
#include "sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/util.h"


const char *
sim_ts_state_name(enum ts_state s)
{
	switch (s) {
	case TS_IDLE:		return "idle";
	case TS_PASSING:	return "passing";
	case TS_FAULT:		return "fault";
	default:		return "unknown";
	}
}

const char *
sim_ts_cmd_name(enum ts_cmd c)
{
	switch (c) {
	case TS_CMD_OPEN_ENTRY:	return "open_entry";
	case TS_CMD_OPEN_EXIT:	return "open_exit";
	case TS_CMD_FREE:	return "free";
	case TS_CMD_LOCK:	return "lock";
	default:		return "unknown";
	}
}

void
sim_map_need(int sizes[4], bool set, enum reg_table t, unsigned addr, int n)
{
	int end = (int)addr + n;

	if (set && end > sizes[t])
		sizes[t] = end;
}

void
sim_map_need_point(int sizes[4], const struct reg_point *pt)
{
	sim_map_need(sizes, pt->set, pt->table, pt->addr,
	    pt->width == 32 ? 2 : 1);
}

/* The mapping of unit dev, sized to SIZES; readies its sim_ts slot, which
 * carries the mapping, the unit and the mute for every kind. */
static int
map_new(struct sim *sim, int dev, const int sizes[4], const struct profile *prof)
{
	struct sim_ts *ts = &sim->ts[dev];
	const struct device_conf *d = &sim->site.devices[dev];

	ts->map = modbus_mapping_new(sizes[REG_COIL], sizes[REG_DISCRETE],
	    sizes[REG_HOLDING], sizes[REG_INPUT]);
	if (ts->map == NULL) {
		log_err("%s: modbus mapping: %s", d->name,
		    modbus_strerror(errno));
		return -1;
	}
	ts->used = true;
	ts->dev = dev;
	ts->conf = d;
	ts->prof = prof;
	ts->state = TS_IDLE;
	ts->pending = -1;
	return 0;
}

static void
ts_need(int sizes[4], const struct profile *p)
{
	int i;

	sim_map_need_point(sizes, &p->state);
	sim_map_need_point(sizes, &p->entry_count);
	sim_map_need_point(sizes, &p->exit_count);
	sim_map_need_point(sizes, &p->fault_code);
	for (i = 0; i < TS_CMD_COUNT; i++)
		sim_map_need(sizes, p->cmd[i].set, p->cmd[i].table,
		    p->cmd[i].addr, 1);
}

/* A turnstile at rest: idle, its counters at 0. */
static void
ts_start(struct sim *sim, int dev)
{
	sim->ts[dev].pass_delay_ms = SIM_PASS_DELAY_MS;
	sim_ts_publish(&sim->ts[dev]);
}

/* What a unit of each kind of device needs: a profile (of a kind, or any),
 * room in the mapping for that profile's points, and its model at rest,
 * shown in the mapping. A contact input needs no profile: its one point is
 * in its own config. */
struct unit_kind {
	int		profile;	/* -1: any kind */
	const char	*what;		/* in "no WHATprofile"; NULL: needs none */
	void		(*need)(int sizes[4], const struct profile *);
	void		(*start)(struct sim *, int dev);
};

static const struct unit_kind unit_kinds[] = {
	[DEV_TURNSTILE] = { -1, "", ts_need, ts_start },
	[DEV_INPUT] = { -1, NULL, NULL, sim_input_start },
	[DEV_INTERCOM] = { PROFILE_INTERCOM, "intercom ", sim_icom_need,
	    sim_icom_start },
	[DEV_ELEVATOR] = { PROFILE_ELEVATOR, "elevator ", sim_elev_need,
	    sim_elev_start },
};

/* Device d's profile, when it is of kind k's; NULL after "no WHATprofile". */
static const struct profile *
unit_profile(const struct sim *sim, const struct device_conf *d,
    const struct unit_kind *k)
{
	if (d->profile < 0 || d->profile >= sim->site.nprofiles ||
	    (k->profile >= 0 &&
	    (int)sim->site.profiles[d->profile].kind != k->profile)) {
		log_err("%s: no %sprofile", d->name, k->what);
		return NULL;
	}
	return &sim->site.profiles[d->profile];
}

int
sim_unit_init(struct sim *sim, int dev)
{
	const struct device_conf *d = &sim->site.devices[dev];
	const struct unit_kind *k;
	const struct profile *prof = NULL;
	int sizes[4] = { 0, 0, 0, 0 };

	if ((size_t)d->kind >= sizeof(unit_kinds) / sizeof(unit_kinds[0]) ||
	    unit_kinds[d->kind].start == NULL ||
	    sim->site.links[d->link].type == LINK_GPIO)
		return 0;	/* not a unit on a Modbus link */
	k = &unit_kinds[d->kind];
	memset(&sim->ts[dev], 0, sizeof(sim->ts[dev]));
	if (k->what != NULL) {
		if ((prof = unit_profile(sim, d, k)) == NULL)
			return -1;
		k->need(sizes, prof);
	} else if (d->point.set) {
		sim_map_need_point(sizes, &d->point);
	} else {
		log_err("%s: input without a point", d->name);
		return -1;
	}
	if (map_new(sim, dev, sizes, prof) == -1)
		return -1;
	k->start(sim, dev);
	return 0;
}

int
sim_unit_find(const struct sim *sim, const char *name, enum device_kind kind,
    const char *what, char *out, size_t size)
{
	int d = config_device_index(&sim->site, name);

	if (d < 0 || sim->site.devices[d].kind != kind || !sim->ts[d].used) {
		str_printf(out, size, "error no %s \"%s\"", what, name);
		return -1;
	}
	return d;
}

void
sim_ts_free(struct sim_ts *ts)
{
	if (ts->map != NULL)
		modbus_mapping_free(ts->map);
	ts->map = NULL;
	ts->used = false;
}

void
sim_map_put(modbus_mapping_t *m, const struct reg_point *pt, uint32_t v)
{
	uint16_t *r;

	if (!pt->set)
		return;
	switch (pt->table) {
	case REG_COIL:
		m->tab_bits[pt->addr] = v != 0;
		return;
	case REG_DISCRETE:
		m->tab_input_bits[pt->addr] = v != 0;
		return;
	case REG_INPUT:
	case REG_HOLDING:
		r = pt->table == REG_INPUT ? m->tab_input_registers :
		    m->tab_registers;
		if (pt->width == 32) {	/* high word first */
			r[pt->addr] = (uint16_t)(v >> 16);
			r[pt->addr + 1] = (uint16_t)v;
		} else {
			r[pt->addr] = (uint16_t)v;
		}
		return;
	}
}

/* Shows the model in the mapping (a master may have written over it). */
void
sim_ts_publish(struct sim_ts *ts)
{
	const struct profile *p = ts->prof;
	int s = ts->state >= TS_IDLE && ts->state <= TS_FAULT ? ts->state :
	    TS_IDLE;

	if (ts->input) {
		sim_input_publish(ts);
		return;
	}
	sim_map_put(ts->map, &p->state, (uint32_t)p->state_value[s]);
	sim_map_put(ts->map, &p->entry_count, ts->entry);
	sim_map_put(ts->map, &p->exit_count, ts->exit);
	sim_map_put(ts->map, &p->fault_code, ts->fault);
}

static void
ts_command(struct sim *sim, struct sim_ts *ts, enum ts_cmd cmd, int64_t t_ns)
{
	struct sim_write *w = &ts->wlog[ts->nwrites % SIM_WLOG];

	w->t_ns = t_ns;
	w->cmd = cmd;
	ts->nwrites++;
	if (sim->verbose)
		log_info("%s: command %s%s", ts->conf->name, sim_ts_cmd_name(cmd),
		    ts->state == TS_FAULT ? " (ignored: in fault)" : "");
	if (ts->state == TS_FAULT)
		return;
	switch (cmd) {
	case TS_CMD_OPEN_ENTRY:
	case TS_CMD_OPEN_EXIT:
		if (ts->free_mode)
			break;
		ts->state = TS_PASSING;
		ts->pending = (int)cmd;
		ts->due_ns = t_ns + (int64_t)ts->pass_delay_ms * NS_PER_MS;
		break;
	case TS_CMD_FREE:
		ts->free_mode = true;
		ts->pending = -1;
		ts->state = TS_PASSING;
		break;
	case TS_CMD_LOCK:
		ts->free_mode = false;
		ts->pending = -1;
		ts->state = TS_IDLE;
		break;
	default:
		break;
	}
	sim_ts_publish(ts);
}

/* Completes the passages that are due; returns the next due time or -1. */
int64_t
sim_ts_tick(struct sim *sim, int64_t now_ns)
{
	int64_t next = -1;
	int i;

	for (i = 0; i < sim->site.ndevices; i++) {
		struct sim_ts *ts = &sim->ts[i];

		if (!ts->used || ts->pending < 0)
			continue;
		if (ts->due_ns <= now_ns) {
			if (!ts->nopass) {
				if (ts->pending == TS_CMD_OPEN_ENTRY)
					ts->entry++;
				else
					ts->exit++;
			}
			if (sim->verbose)
				log_info("%s: %s", ts->conf->name, ts->nopass ?
				    "no passage, relocked" :
				    ts->pending == TS_CMD_OPEN_ENTRY ?
				    "passage entry" : "passage exit");
			ts->pending = -1;
			ts->state = ts->free_mode ? TS_PASSING : TS_IDLE;
			sim_ts_publish(ts);
		} else if (next < 0 || ts->due_ns < next) {
			next = ts->due_ns;
		}
	}
	return next;
}

void
sim_ts_jam(struct sim_ts *ts, uint16_t code)
{
	ts->state = TS_FAULT;
	ts->fault = code;
	ts->pending = -1;
	ts->free_mode = false;
	sim_ts_publish(ts);
}

void
sim_ts_clear(struct sim_ts *ts)
{
	ts->state = TS_IDLE;
	ts->fault = 0;
	ts->pending = -1;
	ts->free_mode = false;
	sim_ts_publish(ts);
}

void
sim_ts_passage(struct sim_ts *ts, bool entry)
{
	if (entry)
		ts->entry++;
	else
		ts->exit++;
	sim_ts_publish(ts);
}

/* Does [addr, addr+n) fit in table T of the mapping? */
static bool
fits(const modbus_mapping_t *m, enum reg_table t, unsigned addr, unsigned n)
{
	int size = t == REG_COIL ? m->nb_bits : t == REG_DISCRETE ?
	    m->nb_input_bits : t == REG_INPUT ? m->nb_input_registers :
	    m->nb_registers;

	return n > 0 && addr + n <= (unsigned)size;
}

static void
match_write(struct sim *sim, struct sim_ts *ts, enum reg_table t,
    unsigned addr, unsigned value, int64_t t_ns)
{
	int i;

	for (i = 0; i < TS_CMD_COUNT; i++) {
		const struct reg_write *w = &ts->prof->cmd[i];

		if (w->set && w->table == t && w->addr == addr &&
		    w->value == value)
			ts_command(sim, ts, (enum ts_cmd)i, t_ns);
	}
}

void
sim_pdu_writes(struct sim *sim, struct sim_ts *ts, const uint8_t *pdu,
    size_t len, int64_t t_ns, sim_write_fn *fn)
{
	unsigned addr, n, i, v;

	if (len < 5)
		return;
	addr = (unsigned)pdu[1] << 8 | pdu[2];
	v = (unsigned)pdu[3] << 8 | pdu[4];
	switch (pdu[0]) {
	case 0x05:
		if ((v != 0xff00 && v != 0) || !fits(ts->map, REG_COIL, addr, 1))
			return;
		fn(sim, ts, REG_COIL, addr, v ? 1 : 0, t_ns);
		break;
	case 0x06:
		if (!fits(ts->map, REG_HOLDING, addr, 1))
			return;
		fn(sim, ts, REG_HOLDING, addr, v, t_ns);
		break;
	case 0x0f:
		n = v;
		if (len < 6 || n < 1 || n > 0x7b0 || pdu[5] != (n + 7) / 8 ||
		    len < 6 + (size_t)pdu[5] || !fits(ts->map, REG_COIL, addr, n))
			return;
		for (i = 0; i < n; i++)
			fn(sim, ts, REG_COIL, addr + i,
			    (pdu[6 + i / 8] >> (i % 8)) & 1, t_ns);
		break;
	case 0x10:
		n = v;
		if (len < 6 || n < 1 || n > 0x7b || pdu[5] != n * 2 ||
		    len < 6 + (size_t)pdu[5] ||
		    !fits(ts->map, REG_HOLDING, addr, n))
			return;
		for (i = 0; i < n; i++)
			fn(sim, ts, REG_HOLDING, addr + i,
			    (unsigned)pdu[6 + 2 * i] << 8 | pdu[7 + 2 * i], t_ns);
		break;
	default:
		break;
	}
}

/* A request libmodbus has answered from unit ts's mapping: what its writes
 * did to the unit's model, shown back in the mapping. */
static void
unit_took(struct sim *sim, struct sim_ts *ts, const uint8_t *pdu, size_t len,
    int64_t t_ns)
{
	if (!ts->input)
		sim_pdu_writes(sim, ts, pdu, len, t_ns, match_write);
	sim_ts_publish(ts);
	if (ts->prof != NULL && ts->prof->kind == PROFILE_INTERCOM) {
		sim_icom_writes(sim, ts->dev, pdu, len, t_ns);
		sim_icom_publish(sim, ts->dev);
	}
	if (ts->prof != NULL && ts->prof->kind == PROFILE_ELEVATOR) {
		sim_elev_writes(sim, ts->dev, pdu, len, t_ns);
		sim_elev_publish(sim, ts->dev);
	}
}

static struct sim_ts *
find_unit(struct sim *sim, int link, int unit)
{
	int i;

	for (i = 0; i < sim->site.ndevices; i++)
		if (sim->ts[i].used && sim->ts[i].conf->link == link &&
		    sim->ts[i].conf->unit == unit)
			return &sim->ts[i];
	return NULL;
}

bool
sim_link_all_muted(const struct sim *sim, int link)
{
	int i, n = 0;

	for (i = 0; i < sim->site.ndevices; i++) {
		if (!sim->ts[i].used || sim->ts[i].conf->link != link)
			continue;
		if (!sim->ts[i].muted)
			return false;
		n++;
	}
	return n > 0;
}

/*
 * Answers one complete request (header included, RTU CRC included) for the
 * unit it names. hdr is the offset of the function code.
 */
void
sim_serve(struct sim *sim, struct sim_link *l, const uint8_t *req, int len,
    int hdr, int64_t t_ns)
{
	bool tcp = l->conf->type == LINK_MODBUS_TCP;
	int unit = req[hdr - 1];
	int pdu_len = len - hdr - (tcp ? 0 : 2);
	struct sim_ts *ts;
	int i;

	if (!tcp && unit == 0) {
		/* Broadcast: every unit applies a write, none answers. */
		for (i = 0; i < sim->site.ndevices; i++) {
			ts = &sim->ts[i];
			if (!ts->used || ts->conf->link != l->index || ts->muted)
				continue;
			modbus_set_slave(l->mb, ts->conf->unit);
			modbus_reply(l->mb, req, len, ts->map);
			unit_took(sim, ts, req + hdr, (size_t)pdu_len, t_ns);
		}
		return;
	}
	ts = find_unit(sim, l->index, unit);
	if (ts == NULL) {
		if (tcp) {
			if (modbus_reply_exception(l->mb, req,
			    MODBUS_EXCEPTION_GATEWAY_TARGET) == -1 && sim->verbose)
				log_info("%s: reply: %s", l->conf->name,
				    modbus_strerror(errno));
		}
		return;
	}
	if (ts->muted)
		return;
	modbus_set_slave(l->mb, unit);
	if (modbus_reply(l->mb, req, len, ts->map) == -1 && sim->verbose)
		log_info("%s: reply: %s", ts->conf->name, modbus_strerror(errno));
	unit_took(sim, ts, req + hdr, (size_t)pdu_len, t_ns);
}

/* ---- Modbus TCP ---- */

static int
tcp_listen(struct sim_link *l)
{
	const struct link_conf *c = l->conf;
	struct sockaddr_in sin;
	const char *host = c->host;
	int fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)c->port);
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1 ||
	    (ntohl(sin.sin_addr.s_addr) >> 24) != 127) {
		log_err("%s: host \"%s\": lobbysim only listens on loopback "
		    "(127.0.0.0/8) addresses", c->name, c->host);
		return -1;
	}
	if (c->port < 1 || c->port > 65535) {
		log_err("%s: port %d out of range", c->name, c->port);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_err("%s: socket: %s", c->name, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 16) == -1) {
		log_err("%s: listen on %s:%d: %s", c->name, c->host, c->port,
		    strerror(errno));
		close(fd);
		return -1;
	}
	l->lfd = fd;
	return 0;
}

int
sim_tcp_open(struct sim *sim, struct sim_link *l)
{
	int i;

	(void)sim;
	l->lfd = -1;
	for (i = 0; i < SIM_MAX_CONNS; i++)
		l->conns[i].fd = -1;
	l->mb = modbus_new_tcp("127.0.0.1", l->conf->port > 0 ?
	    l->conf->port : 502);
	if (l->mb == NULL) {
		log_err("%s: modbus context: %s", l->conf->name,
		    modbus_strerror(errno));
		return -1;
	}
	if (tcp_listen(l) == -1) {
		modbus_free(l->mb);
		l->mb = NULL;
		return -1;
	}
	return 0;
}

static void
conn_close(struct sim_conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
}

void
sim_tcp_close(struct sim_link *l)
{
	int i;

	for (i = 0; i < SIM_MAX_CONNS; i++)
		conn_close(&l->conns[i]);
	if (l->lfd != -1)
		close(l->lfd);
	l->lfd = -1;
}

/* A TCP link whose every unit is muted refuses connections altogether. */
int
sim_tcp_update_mute(struct sim *sim, struct sim_link *l)
{
	bool muted = sim_link_all_muted(sim, l->index);

	if (muted && l->lfd != -1) {
		sim_tcp_close(l);
		if (sim->verbose)
			log_info("%s: listener closed (all units muted)",
			    l->conf->name);
	} else if (!muted && l->lfd == -1) {
		if (tcp_listen(l) == -1)
			return -1;
		if (sim->verbose)
			log_info("%s: listening again on %s:%d", l->conf->name,
			    l->conf->host, l->conf->port);
	}
	return 0;
}

void
sim_tcp_accept(struct sim *sim, struct sim_link *l)
{
	int fd, i;

	for (;;) {
		fd = accept4(l->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("%s: accept: %s", l->conf->name,
				    strerror(errno));
			return;
		}
		for (i = 0; i < SIM_MAX_CONNS; i++)
			if (l->conns[i].fd == -1)
				break;
		if (i == SIM_MAX_CONNS) {
			log_warn("%s: more than %d clients; closing the new one",
			    l->conf->name, SIM_MAX_CONNS);
			close(fd);
			continue;
		}
		l->conns[i].fd = fd;
		l->conns[i].len = 0;
		if (sim->verbose)
			log_info("%s: client connected", l->conf->name);
	}
}

void
sim_tcp_input(struct sim *sim, struct sim_link *l, int ci)
{
	struct sim_conn *c = &l->conns[ci];
	size_t need;
	ssize_t n;
	int64_t t;

	n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		if (sim->verbose)
			log_info("%s: client closed", l->conf->name);
		conn_close(c);
		return;
	}
	if (n == -1)
		return;
	c->len += (size_t)n;
	t = mono_ns();
	while (c->len >= 6) {
		unsigned proto = (unsigned)c->buf[2] << 8 | c->buf[3];
		unsigned mlen = (unsigned)c->buf[4] << 8 | c->buf[5];

		if (proto != 0 || mlen < 2 || mlen > 254) {
			log_warn("%s: bad MBAP header (protocol %u, length %u); "
			    "closing the connection", l->conf->name, proto, mlen);
			conn_close(c);
			return;
		}
		need = 6 + mlen;
		if (c->len < need)
			break;
		l->frames++;
		modbus_set_socket(l->mb, c->fd);
		sim_serve(sim, l, c->buf, (int)need, 7, t);
		modbus_set_socket(l->mb, -1);
		if (c->fd == -1)
			return;
		memmove(c->buf, c->buf + need, c->len - need);
		c->len -= need;
	}
}

void
sim_link_close(struct sim_link *l)
{
	if (l->conf == NULL)
		return;
	if (l->conf->type == LINK_MODBUS_TCP)
		sim_tcp_close(l);
	else
		sim_pty_close(&l->pty);
	if (l->mb != NULL) {
		modbus_set_socket(l->mb, -1);
		modbus_free(l->mb);
		l->mb = NULL;
	}
	l->conf = NULL;
}
