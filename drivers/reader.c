/*
 * The serial card-reader link: one reader on one serial port. Bytes are
 * parsed into card and reject messages for the engine; a port that cannot be
 * opened, or goes away, is reported offline once and reopened with back-off.
 * A desk identity card reader (format "idcard") is asked, not listened to:
 * its poll cycle (idpoll.c) writes the requests, and it is online while it
 * answers them.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/util.h"
#include "cardfmt.h"
#include "idpoll.h"
#include "link.h"
#include "serial.h"

#define READ_BUDGET		16		/* reads per service() call */
#define IDLE_WAKE_NS		(1000 * NS_PER_MS)

enum reader_state { RD_UNKNOWN, RD_ONLINE, RD_OFFLINE };

struct reader {
	struct link		*link;
	int			dev;		/* index in site->devices */
	struct serial_port	*port;		/* NULL while closed */
	struct cardfmt		parser;
	struct idpoll		*idp;		/* format idcard only */
	enum reader_state	state;
	uint32_t		failures;	/* failed opens in a row */
	struct link_retry	retry;		/* while closed */
};

static const char *
reader_name(const struct reader *r)
{
	return r->link->site->devices[r->dev].name;
}

/* Tells the engine and the log when the reader comes or goes; only then. */
static void
set_state(struct reader *r, enum reader_state state, const char *reason)
{
	struct msg_dev_state m;

	if (r->state == state)
		return;
	r->state = state;
	if (state == RD_ONLINE)
		log_notice("%s: online on %s", reader_name(r), r->link->conf->path);
	else
		log_warn("%s: offline: %s", reader_name(r), reason);
	msg_init(&m, MSG_DEV_STATE, (uint16_t)r->dev);
	m.online = state == RD_ONLINE;
	m.failures = r->failures;
	str_copy(m.reason, reason, sizeof(m.reason));
	link_emit(r->link, &m);
}

static void
try_open(struct reader *r, int64_t now)
{
	char err[CONF_PATH_MAX + 128];

	r->port = serial_open(r->link->conf, err, sizeof(err));
	if (r->port == NULL) {
		r->failures++;
		set_state(r, RD_OFFLINE, err);
		link_retry_failed(&r->retry, r->link, now, false);
		return;
	}
	r->retry.opened_ns = now;
	r->failures = 0;
	cardfmt_init(&r->parser, r->link->conf->format);
	if (r->idp != NULL)
		idpoll_init(r->idp, now);	/* online once it answers */
	else
		set_state(r, RD_ONLINE, "");
}

static void
on_result(void *arg, const struct cardfmt_result *res)
{
	struct reader *r = arg;

	if (res->kind == CARDFMT_CARD) {
		struct msg_card m;

		msg_init(&m, MSG_CARD, (uint16_t)r->dev);
		m.t_frame_ns = res->t_ns;
		m.format = (uint8_t)r->link->conf->format;
		str_copy(m.uid, res->uid, sizeof(m.uid));
		log_debug("%s: card %s", reader_name(r), m.uid);
		link_emit(r->link, &m);
	} else {
		struct msg_reader_reject m;

		msg_init(&m, MSG_READER_REJECT, (uint16_t)r->dev);
		m.kind = (uint8_t)res->reject;
		m.bytes = res->bytes;
		log_debug("%s: %u bytes rejected (kind %d)", reader_name(r),
		    m.bytes, (int)m.kind);
		link_emit(r->link, &m);
	}
}

/* ---- a desk identity card reader ---------------------------------------- */

static void
id_read(void *arg, const struct idcard_info *info, const char *error, int64_t t_ns)
{
	struct reader *r = arg;
	struct msg_idcard m;

	msg_init(&m, MSG_IDCARD, (uint16_t)r->dev);
	m.t_ns = t_ns;
	m.ok = info != NULL;
	if (info != NULL)
		m.info = *info;
	else
		str_copy(m.error, error, sizeof(m.error));
	log_debug("%s: identity card %s", reader_name(r), info != NULL ? "read" : error);
	link_emit(r->link, &m);
}

static void
id_reject(void *arg, enum msg_reject_kind kind, uint32_t bytes, const char *why)
{
	struct reader *r = arg;
	struct msg_reader_reject m;

	msg_init(&m, MSG_READER_REJECT, (uint16_t)r->dev);
	m.kind = (uint8_t)kind;
	m.bytes = bytes;
	log_debug("%s: %u bytes rejected: %s", reader_name(r), bytes, why);
	link_emit(r->link, &m);
}

static void
id_answering(void *arg, bool yes, const char *why)
{
	struct reader *r = arg;

	r->failures = yes ? 0 : IDPOLL_MISSES;
	set_state(r, yes ? RD_ONLINE : RD_OFFLINE, why);
}

static struct idpoll_out
id_out(struct reader *r)
{
	return (struct idpoll_out){ .arg = r, .read = id_read, .reject = id_reject,
	    .answering = id_answering };
}

/* The poll cycle's next request, written whole. Returns when it wants to be
 * called again, or -1 when the port is gone (reason in err). */
static int64_t
id_step(struct reader *r, int64_t now, char *err, size_t errlen)
{
	struct idpoll_out o = id_out(r);
	uint8_t req[IDCARD_REQUEST_LEN];
	size_t n;
	int64_t next = idpoll_step(r->idp, now, req, &n, &o);
	ssize_t w;

	if (n == 0)
		return next;
	while ((w = write(serial_fd(r->port), req, n)) < 0 && errno == EINTR)
		;
	if (w < 0 && errno != EAGAIN) {
		snprintf(err, errlen, "%s: write: %s", r->link->conf->path,
		    strerror(errno));
		return -1;
	}
	/* A full line buffer loses the request: its deadline passes and it
	 * counts as unanswered. */
	return next;
}

/* The port went away: what was pending is a reject, then retry later. */
static void
lose_port(struct reader *r, int64_t now, const char *reason)
{
	if (r->idp == NULL)
		cardfmt_flush(&r->parser, now, on_result, r);
	serial_close(r->port);
	r->port = NULL;
	r->failures = 1;
	set_state(r, RD_OFFLINE, reason);
	link_retry_failed(&r->retry, r->link, now, true);
}

/*
 * Reads what is waiting. Returns 1 if more may be waiting (budget spent),
 * 0 when drained, -1 when the port is gone (reason in err).
 */
static int
read_input(struct reader *r, short revents, char *err, size_t errlen)
{
	uint8_t buf[256];
	ssize_t n;
	int i;

	for (i = 0; i < READ_BUDGET; i++) {
		n = read(serial_fd(r->port), buf, sizeof(buf));
		if (n > 0 && r->idp != NULL) {
			struct idpoll_out o = id_out(r);

			idpoll_feed(r->idp, buf, (size_t)n, mono_ns(), &o);
			continue;
		}
		if (n > 0) {
			/* The time the frame's last byte was seen. */
			cardfmt_feed(&r->parser, buf, (size_t)n, mono_ns(),
			    on_result, r);
			continue;
		}
		if (n == 0) {
			snprintf(err, errlen, "%s: hung up", r->link->conf->path);
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			break;
		snprintf(err, errlen, "%s: read: %s", r->link->conf->path,
		    strerror(errno));
		return -1;
	}
	if (i == READ_BUDGET)
		return 1;
	/* Nothing to read, yet poll says the line is down: it is. */
	if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		snprintf(err, errlen, "%s: hung up", r->link->conf->path);
		return -1;
	}
	return 0;
}

static int
reader_open(struct link *l)
{
	struct reader *r;
	int i, dev = -1;

	for (i = 0; i < l->site->ndevices; i++) {
		if (l->site->devices[i].link == l->index &&
		    l->site->devices[i].kind == DEV_READER) {
			dev = i;
			break;
		}
	}
	if (dev < 0) {
		log_err("%s: no card reader is configured on this link", l->conf->name);
		return -1;
	}
	if (l->conf->format != CARD_EM4100 && l->conf->format != CARD_WIEGAND_ASCII &&
	    l->conf->format != CARD_QR && l->conf->format != CARD_IDCARD) {
		log_err("%s: unknown card format %d", l->conf->name, (int)l->conf->format);
		return -1;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		log_err("%s: out of memory", l->conf->name);
		return -1;
	}
	r->link = l;
	r->dev = dev;
	r->state = RD_UNKNOWN;
	link_retry_init(&r->retry);
	cardfmt_init(&r->parser, l->conf->format);
	if (l->conf->format == CARD_IDCARD &&
	    (r->idp = calloc(1, sizeof(*r->idp))) == NULL) {
		log_err("%s: out of memory", l->conf->name);
		free(r);
		return -1;
	}
	l->priv = r;
	try_open(r, mono_ns());
	return 0;
}

static int
reader_fd(struct link *l)
{
	struct reader *r = l->priv;

	return r->port != NULL ? serial_fd(r->port) : -1;
}

static int64_t
reader_service(struct link *l, int64_t now_ns, short revents)
{
	struct reader *r = l->priv;
	char err[CONF_PATH_MAX + 128];
	int64_t next;
	int more;

	if (r->port == NULL) {
		if (now_ns < r->retry.at_ns)
			return r->retry.at_ns;
		try_open(r, now_ns);
		if (r->port == NULL)
			return r->retry.at_ns;
		revents = 0;	/* they were about a port now closed */
	}
	more = read_input(r, revents, err, sizeof(err));
	if (more < 0) {
		lose_port(r, now_ns, err);
		return r->retry.at_ns;
	}
	if (more > 0)
		return now_ns;
	if (r->idp != NULL) {
		if ((next = id_step(r, now_ns, err, sizeof(err))) < 0) {
			lose_port(r, now_ns, err);
			return r->retry.at_ns;
		}
		return next < now_ns + IDLE_WAKE_NS ? next : now_ns + IDLE_WAKE_NS;
	}
	cardfmt_expire(&r->parser, now_ns, on_result, r);
	next = cardfmt_deadline(&r->parser);
	return next < now_ns + IDLE_WAKE_NS ? next : now_ns + IDLE_WAKE_NS;
}

static void
reader_close(struct link *l)
{
	struct reader *r = l->priv;

	if (r == NULL)
		return;
	serial_close(r->port);
	free(r->idp);
	free(r);
	l->priv = NULL;
}

const struct link_ops link_serial_reader_ops = {
	.type = "serial-reader",
	.open = reader_open,
	.fd = reader_fd,
	.service = reader_service,
	.command = NULL,
	.close = reader_close,
};
