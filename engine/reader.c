/*
 * Card readers (the device kind reader_kind): a card goes to the door or the
 * elevator the reader serves, else to its lane (lanes.c); bad frames are
 * counted always and recorded at most once a minute per reader.
 */
#include <inttypes.h>
#include <stdio.h>

#include "engine.h"
#include "idread.h"
#include "lanes.h"
#include "../common/util.h"

#define REJECT_EVENT_NS		(60 * 1000 * NS_PER_MS)	/* one reader_reject event a minute */

const struct reader_state *
reader_state_of(const struct engine *e, int dev)
{
	return engine_kstate_of(e, dev);
}

/* ---- bad frames --------------------------------------------------------- */

/* A reader_reject event for the bad frames not yet recorded: the first
 * after a quiet minute, or the summary of those that followed a report. */
static void
reject_record(struct engine *e, int dev, int64_t now, bool summary)
{
	static const char *const kinds[] = {
		[REJECT_CHECKSUM] = "bad checksum", [REJECT_FRAMING] = "bad framing",
		[REJECT_OVERLONG] = "overlong line", [REJECT_SHORT] = "short frame",
		[REJECT_PARITY] = "parity error", [REJECT_NOISE] = "noise",
	};
	struct reader_state *rs = engine_kstate(e, dev);
	struct ev_rec ev;

	engine_ev_init(&ev, "reader_reject");
	engine_ev_dev(e, &ev, dev);
	snprintf(ev.detail, sizeof(ev.detail), "%" PRIu64 "%s bad frame(s)%s, "
	    "last: %s", rs->rejects_unlogged, summary ? " more" : "",
	    summary ? " within a minute of the last report" : "",
	    rs->reject_last < sizeof(kinds) / sizeof(kinds[0]) &&
	    kinds[rs->reject_last] != NULL ? kinds[rs->reject_last] : "unknown");
	engine_event(e, &ev);
	rs->reject_logged_ns = now;
	rs->rejects_unlogged = 0;
}

/*
 * Noise is counted always and recorded at most once a minute per reader:
 * the first bad frame at once, the others of the minute that follows when
 * it ends (reader_tick), not at the next bad frame, which may never come.
 */
static void
reader_reject(struct engine *e, int dev, const struct msg_reader_reject *m)
{
	struct reader_state *rs = engine_kstate(e, dev);
	int64_t now = mono_ns();

	rs->rejects++;
	rs->rejects_unlogged++;
	rs->reject_last = m->kind;
	if (rs->reject_logged_ns == 0 || now - rs->reject_logged_ns >= REJECT_EVENT_NS)
		reject_record(e, dev, now, false);
}

static int64_t
reject_deadline(const struct reader_state *rs)
{
	return rs->rejects_unlogged > 0 ? rs->reject_logged_ns + REJECT_EVENT_NS :
	    INT64_MAX;
}

static bool
is_reader(const struct engine *e, int dev)
{
	return e->site->devices[dev].kind == DEV_READER;
}

void
reader_rejects_flush(struct engine *e)
{
	for (int d = 0; d < e->site->ndevices; d++)
		if (is_reader(e, d) && reader_state_of(e, d)->rejects_unlogged > 0)
			reject_record(e, d, mono_ns(), true);
}

static void
reader_tick(struct engine *e, int64_t now)
{
	for (int d = 0; d < e->site->ndevices; d++)
		if (is_reader(e, d) && now >= reject_deadline(reader_state_of(e, d)))
			reject_record(e, d, now, true);
}

static int64_t
reader_next_deadline(const struct engine *e)
{
	int64_t next = INT64_MAX;

	for (int d = 0; d < e->site->ndevices; d++)
		if (is_reader(e, d) && reject_deadline(reader_state_of(e, d)) < next)
			next = reject_deadline(reader_state_of(e, d));
	return next;
}

/* ---- the kind ----------------------------------------------------------- */

/* The lane and direction the reader reads for, from the site's lanes. */
static void
reader_reset(struct engine *e, int dev)
{
	struct reader_state *rs = engine_kstate(e, dev);

	rs->lane = -1;
	for (int l = 0; l < e->site->nlanes; l++) {
		const struct lane_conf *lc = &e->site->lanes[l];

		if (lc->entry_reader == dev || lc->exit_reader == dev) {
			rs->lane = l;
			rs->dir = lc->entry_reader == dev ? DIR_ENTRY : DIR_EXIT;
			return;
		}
	}
}

/* A card goes to the door or the elevator it serves, else to its lane. A
 * desk's identity card reader sends identity card reads (and rejects), never
 * a card, and no other reader sends an identity card read: what does not
 * fit is dropped, said once. */
static void
reader_msg(struct engine *e, int dev, const union msg_any *m)
{
	const struct device_conf *dc = &e->site->devices[dev];
	bool desk = e->site->links[dc->link].format == CARD_IDCARD;

	if ((m->h.type == MSG_IDCARD && !desk) || (m->h.type == MSG_CARD && desk)) {
		if (e->workers[dc->link].bad_msgs++ == 0)
			log_err("%s: %s from reader %s, which %s; ignored",
			    e->site->links[dc->link].name, m->h.type == MSG_IDCARD ?
			    "an identity card read" : "a card", dc->name, desk ?
			    "reads identity cards at the desk" :
			    "reads no identity cards");
		return;
	}
	if (m->h.type == MSG_READER_REJECT)
		reader_reject(e, dev, &m->reject);
	else if (m->h.type == MSG_IDCARD)
		idread_msg(e, dev, &m->idcard);
	else if (!door_card(e, dev, &m->card) && !elevator_card(e, dev, &m->card))
		lane_card_read(e, dev, &m->card);
}

const struct dev_kind reader_kind = {
	.name = "reader",
	.label = "Reader",
	.state_size = sizeof(struct reader_state),
	.msgs = 1u << MSG_CARD | 1u << MSG_READER_REJECT | 1u << MSG_IDCARD,
	.reset = reader_reset,
	.msg = reader_msg,
	.tick = reader_tick,
	.next_deadline = reader_next_deadline,
};
