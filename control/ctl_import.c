/*
 * card.import: a card list of a whole tower loaded from lobbyctl in batches
 * (control/ctl.h). Each row is checked again here; the rows are staged in the
 * store and committed in one transaction when the last batch says "done",
 * then the engine's copy is refreshed from the store a page at a time, so no
 * step holds a decision up for long. One import runs at a time; a bad row,
 * or its client going away, abandons it and nothing is imported.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "ctl.h"
#include "../engine/engine.h"
#include "../common/floors.h"
#include "../common/util.h"

#define IMPORT_BATCH_MAX	500	/* rows one request carries at most */
#define IMPORT_REFRESH_ROWS	5000	/* cards read back a page at a time */

struct ctl_import {
	struct ctl_import_head	h;
	size_t			received;	/* rows staged so far */
	int64_t			lines[IMPORT_BATCH_MAX];	/* this batch's */
	bool			done;		/* the last batch: commit after it */
	int64_t			imported;
	bool			replaced;
	size_t			lost;		/* not taken into memory */
};

static void
import_end(struct ctl_server *srv)
{
	free(srv->import);
	srv->import = NULL;
}

static void
import_dropped(struct store_req *req, void *arg)
{
	(void)arg;
	if (req->status != 0)
		log_warn("card import: %s", req->error);
	store_req_free(req);
	free(req);
}

/* Forgets what was staged: a request of its own, nobody waits for it. */
static void
import_drop_staged(struct engine *e)
{
	struct store_req *req = calloc(1, sizeof(*req));

	if (req == NULL)
		return;		/* the staging table goes with the next import */
	req->op = STORE_CARD_STAGE_DROP;
	req->done = import_dropped;
	store_submit(e->store, req);
}

static void
import_abandon(struct ctl_client *c)
{
	import_drop_staged(c->srv->e);
	import_end(c->srv);
}

int
ctl_import_args(struct ctl_client *c, json_object *args, const char *what,
    const struct ctl_import_head *running, char *file, size_t len, bool *done)
{
	static const char *const known[] = { "rows", "file", "done", NULL };

	if (!ctl_args_known(c, args, known) ||
	    ctl_arg_str(c, args, "file", file, len, false) < 0 ||
	    ctl_arg_bool(c, args, "done", done) < 0)
		return -1;
	if (running != NULL && running->owner != c) {
		ctl_reply_err(c, "another %s import is under way (by %s); try "
		    "again when it is done", what, running->owner->user);
		return -1;
	}
	return 0;
}

void *
ctl_import_new(struct ctl_client *c, size_t size, const char *file)
{
	struct ctl_import_head *h = calloc(1, size);

	if (h == NULL) {
		ctl_reply_err(c, "out of memory");
		return NULL;
	}
	h->owner = c;
	str_copy(h->file, file, sizeof(h->file));
	return h;
}

bool
ctl_import_orphaned(const struct ctl_import_head *running,
    const struct ctl_client *c, const char *what)
{
	if (running == NULL || running->owner != c)
		return false;
	log_warn("%s import from %s by %s abandoned: the client went away; "
	    "nothing was imported", what, running->file, c->user);
	return true;
}

void
ctl_import_client_gone(struct ctl_client *c)
{
	struct ctl_import *im = c->srv->import;

	if (ctl_import_orphaned(im != NULL ? &im->h : NULL, c, "card"))
		import_abandon(c);
}

/* One row, [line, uid, holder, from_ms, until_ms, floors, enabled], into
 * *card; false with the error sent. */
static bool
import_row(struct ctl_client *c, json_object *row, size_t i,
    struct card_rec *card, int64_t *line)
{
	const char *file = c->srv->import->h.file;
	json_object *f[7];
	char err[160];

	if (!json_object_is_type(row, json_type_array) ||
	    json_object_array_length(row) != 7) {
		ctl_reply_err(c, "%s: \"rows\"[%zu]: 7 fields expected", file, i);
		return false;
	}
	for (int k = 0; k < 7; k++)
		f[k] = json_object_array_get_idx(row, (size_t)k);
	if (!json_object_is_type(f[0], json_type_int) ||
	    !json_object_is_type(f[1], json_type_string) ||
	    !json_object_is_type(f[2], json_type_string) ||
	    !json_object_is_type(f[3], json_type_int) ||
	    !json_object_is_type(f[4], json_type_int) ||
	    !json_object_is_type(f[5], json_type_string) ||
	    !json_object_is_type(f[6], json_type_boolean)) {
		ctl_reply_err(c, "%s: \"rows\"[%zu]: [line, uid, holder, from_ms, "
		    "until_ms, floors, enabled] expected", file, i);
		return false;
	}
	*line = json_object_get_int64(f[0]);
	memset(card, 0, sizeof(*card));
	if (!str_copy(card->uid, json_object_get_string(f[1]), sizeof(card->uid)) ||
	    !ctl_card_uid_valid(card->uid)) {
		ctl_reply_err(c, "%s:%" PRId64 ": card uid \"%.40s\": 4 to %d "
		    "upper-case hex digits expected", file, *line,
		    json_object_get_string(f[1]), MSG_UID_MAX - 1);
		return false;
	}
	if (!str_copy(card->holder, json_object_get_string(f[2]),
	    sizeof(card->holder)) || card->holder[0] == '\0') {
		ctl_reply_err(c, "%s:%" PRId64 ": the holder must be 1 to %zu "
		    "bytes", file, *line, sizeof(card->holder) - 1);
		return false;
	}
	for (const char *p = card->holder; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			ctl_reply_err(c, "%s:%" PRId64 ": the holder contains a "
			    "control character", file, *line);
			return false;
		}
	}
	card->valid_from_ms = json_object_get_int64(f[3]);
	card->valid_until_ms = json_object_get_int64(f[4]);
	if (card->valid_from_ms < 0 || card->valid_until_ms < 0 ||
	    (card->valid_from_ms != 0 && card->valid_until_ms != 0 &&
	    card->valid_until_ms <= card->valid_from_ms)) {
		ctl_reply_err(c, "%s:%" PRId64 ": card %s: valid until must be "
		    "after valid from", file, *line, card->uid);
		return false;
	}
	if (json_object_get_string(f[5])[0] != '\0' &&
	    floors_parse(json_object_get_string(f[5]), &card->floors, err,
	    sizeof(err)) == -1) {
		ctl_reply_err(c, "%s:%" PRId64 ": floors: %s", file, *line, err);
		return false;
	}
	card->enabled = json_object_get_boolean(f[6]);
	str_copy(card->created_by, c->user, sizeof(card->created_by));
	card->created_ms = real_ms();
	return true;
}

static void	import_step_done(struct store_req *, void *);

/* The same request again, for the next step of the import (a card page
 * after "after" for STORE_CARD_LIST). */
static void
import_next(struct ctl_client *c, struct store_req *req, enum store_op op,
    const char *after)
{
	store_req_free(req);	/* in.stage.rows went with its step */
	memset(&req->in, 0, sizeof(req->in));
	req->op = op;
	if (op == STORE_CARD_LIST) {
		str_copy(req->in.page.after, after, sizeof(req->in.page.after));
		req->in.page.limit = IMPORT_REFRESH_ROWS;
	}
	req->done = import_step_done;
	req->arg = c;
	store_submit(c->srv->e->store, req);
}

static void
import_finish_err(struct ctl_client *c, struct store_req *req)
{
	import_abandon(c);
	ctl_req_finish(c, req);
}

static void
import_step_done(struct store_req *req, void *arg)
{
	struct ctl_client *c = arg;
	struct ctl_import *im = c->srv->import;
	const struct card_rec *rows = req->rows;
	json_object *o;

	if (im == NULL || im->h.owner != c ||
	    (c->dead && req->op == STORE_CARD_STAGE)) {
		/* Gone while staging: nothing was imported. Once committed,
		 * the audit and the engine's copy go on with nobody to tell. */
		if (req->op == STORE_CARD_STAGE) {
			free(req->in.stage.rows);
			req->in.stage.rows = NULL;
		}
		if (im != NULL && im->h.owner == c)
			import_abandon(c);
		ctl_req_finish(c, req);
		return;
	}
	switch (req->op) {
	case STORE_CARD_STAGE:
		free(req->in.stage.rows);
		req->in.stage.rows = NULL;
		if (req->status != 0) {
			size_t i = (size_t)req->id;

			ctl_reply_err(c, "%s:%" PRId64 ": %s; nothing imported",
			    im->h.file, i < IMPORT_BATCH_MAX ? im->lines[i] : 0,
			    req->error);
			import_finish_err(c, req);
			return;
		}
		im->received += req->in.stage.n;
		if (im->done) {
			import_next(c, req, STORE_CARD_STAGE_COMMIT, NULL);
			return;
		}
		o = json_object_new_object();
		ctl_add_int(o, "received", (int64_t)im->received);
		ctl_reply_ok(c, o);
		ctl_req_finish(c, req);
		return;
	case STORE_CARD_STAGE_COMMIT:
		if (req->status != 0) {
			ctl_reply_err(c, "%s: not imported: %s", im->h.file, req->error);
			import_finish_err(c, req);
			return;
		}
		im->imported = req->id;
		im->replaced = req->found;
		{
			char detail[128];

			snprintf(detail, sizeof(detail), "%" PRId64 " cards from "
			    "%.60s", im->imported, im->h.file);
			ctl_card_audit(c, "cards_imported", "", detail);
			log_notice("%s by %s", detail, c->user);
		}
		import_next(c, req, STORE_CARD_LIST, "");
		return;
	case STORE_CARD_LIST:
		/* Committed: the engine's copy follows, a page at a time. */
		if (req->status == 0) {
			for (size_t i = 0; i < req->nrows; i++)
				if (engine_card_put(c->srv->e, &rows[i]) < 0)
					im->lost++;
			if (req->nrows == IMPORT_REFRESH_ROWS) {
				char after[32];

				str_copy(after, rows[req->nrows - 1].uid, sizeof(after));
				import_next(c, req, STORE_CARD_LIST, after);
				return;
			}
			if (im->lost > 0) {
				ctl_reply_err(c, "%s: %" PRId64 " cards imported, but "
				    "lobbyd is out of memory and will not know %zu of "
				    "them until restarted", im->h.file, im->imported,
				    im->lost);
			} else {
				o = json_object_new_object();
				ctl_add_int(o, "imported", im->imported);
				ctl_add_bool(o, "replaced", im->replaced);
				ctl_reply_ok(c, o);
			}
		} else {
			ctl_reply_err(c, "%s: imported, but lobbyd could not read "
			    "them back (%s): they are in use after a restart",
			    im->h.file, req->error);
		}
		import_end(c->srv);
		ctl_req_finish(c, req);
		return;
	default:
		ctl_reply_err(c, "%s: not imported: an unknown step", im->h.file);
		import_finish_err(c, req);
		return;
	}
}

void
ctl_cmd_card_import(struct ctl_client *c, json_object *args)
{
	struct ctl_server *srv = c->srv;
	struct ctl_import *im = srv->import;
	struct card_rec *cards = NULL;
	struct store_req *req;
	json_object *rows = NULL;
	char file[64] = "import";
	bool done = false;
	size_t n = 0;

	if (ctl_import_args(c, args, "card", im != NULL ? &im->h : NULL, file,
	    sizeof(file), &done) < 0)
		return;
	if (ctl_arg_list(c, args, "rows", IMPORT_BATCH_MAX, &rows) < 0)
		return;
	if (im == NULL) {
		if ((im = ctl_import_new(c, sizeof(*im), file)) == NULL)
			return;
		srv->import = im;
	}
	n = rows != NULL ? json_object_array_length(rows) : 0;
	if (n > 0 && (cards = calloc(n, sizeof(*cards))) == NULL) {
		ctl_reply_err(c, "out of memory");
		import_abandon(c);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!import_row(c, json_object_array_get_idx(rows, i), i,
		    &cards[i], &im->lines[i])) {
			free(cards);
			import_abandon(c);
			return;
		}
	}
	im->done = done;
	if (n == 0 && done && im->received == 0) {
		ctl_reply_err(c, "%s: no cards to import", im->h.file);
		import_abandon(c);
		return;
	}
	if (n == 0 && !done) {
		/* Nothing to stage, and not the end: only "done" commits. */
		json_object *o = json_object_new_object();

		ctl_add_int(o, "received", (int64_t)im->received);
		ctl_reply_ok(c, o);
		return;
	}
	if ((req = ctl_req_new(c, n > 0 ? STORE_CARD_STAGE : STORE_CARD_STAGE_COMMIT,
	    import_step_done)) == NULL) {
		free(cards);
		import_abandon(c);
		return;
	}
	req->in.stage.rows = cards;
	req->in.stage.n = n;
	req->in.stage.first = im->received == 0;
	ctl_req_submit(c, req);
}
