/*
 * lobbyd's tables, as a list of migrations. A database is brought forward one
 * step at a time; a step is never edited once shipped, only followed by more.
 */
#include "schema.h"

#include <inttypes.h>
#include <stdio.h>

#include "../common/util.h"

static const char *const schema_steps[] = {
	/* 1: the event log, the card list and the alerts. */
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  ts_ms INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  lane TEXT,"
	"  device TEXT,"
	"  direction TEXT,"
	"  credential TEXT,"
	"  decision TEXT,"
	"  reason TEXT,"
	"  actor TEXT,"
	"  detail TEXT"
	");"
	"CREATE INDEX events_ts ON events (ts_ms);"
	"CREATE INDEX events_lane_ts ON events (lane, ts_ms);"
	"CREATE TABLE cards ("
	"  uid TEXT PRIMARY KEY,"
	"  holder TEXT,"
	"  enabled INTEGER NOT NULL DEFAULT 1,"
	"  valid_from_ms INTEGER NOT NULL DEFAULT 0,"
	"  valid_until_ms INTEGER NOT NULL DEFAULT 0,"
	"  created_by TEXT,"
	"  created_ms INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE alerts ("
	"  id INTEGER PRIMARY KEY,"
	"  raised_ms INTEGER NOT NULL,"
	"  cleared_ms INTEGER,"
	"  source TEXT,"
	"  kind TEXT,"
	"  severity TEXT,"
	"  message TEXT"
	");"
	"CREATE INDEX alerts_cleared ON alerts (cleared_ms);",

	/* 2: who each alert is for. */
	"ALTER TABLE alerts ADD COLUMN audience TEXT;",

	/* 3: the fire-alarm mode, one row, so that it outlives a restart. */
	"CREATE TABLE fire_mode ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  active INTEGER NOT NULL,"
	"  since_ms INTEGER NOT NULL,"
	"  source TEXT,"
	"  ended_ms INTEGER,"
	"  reset_by TEXT"
	");",
	/* 4: repair tickets, their notes, and the daily ticket summaries. */
	"CREATE TABLE tickets ("
	"  id INTEGER PRIMARY KEY,"
	"  opened_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL,"
	"  closed_ms INTEGER,"
	"  alert_id INTEGER,"
	"  source TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  title TEXT NOT NULL,"
	"  urgency TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  opened_by TEXT"
	");"
	"CREATE INDEX tickets_problem ON tickets (source, kind, state);"
	"CREATE TABLE ticket_notes ("
	"  id INTEGER PRIMARY KEY,"
	"  ticket INTEGER NOT NULL REFERENCES tickets (id),"
	"  ts_ms INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  text TEXT"
	");"
	"CREATE INDEX ticket_notes_ticket ON ticket_notes (ticket, id);"
	"CREATE TABLE ticket_summaries ("
	"  id INTEGER PRIMARY KEY,"
	"  day TEXT NOT NULL UNIQUE,"
	"  made_ms INTEGER NOT NULL,"
	"  since_ms INTEGER NOT NULL,"
	"  late INTEGER NOT NULL,"
	"  nopen INTEGER NOT NULL DEFAULT 0,"
	"  nurgent INTEGER NOT NULL DEFAULT 0,"
	"  nopened INTEGER NOT NULL DEFAULT 0,"
	"  nclosed INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE ticket_summary_items ("
	"  summary INTEGER NOT NULL REFERENCES ticket_summaries (id),"
	"  section TEXT NOT NULL,"
	"  age_days INTEGER NOT NULL,"
	"  ticket INTEGER NOT NULL,"
	"  opened_ms INTEGER NOT NULL,"
	"  closed_ms INTEGER,"
	"  source TEXT,"
	"  kind TEXT,"
	"  title TEXT,"
	"  urgency TEXT,"
	"  state TEXT"
	");"
	"CREATE INDEX ticket_summary_items_summary ON ticket_summary_items (summary);",
	/* 5: alerts acknowledged (who, when, a note) and escalated. */
	"ALTER TABLE alerts ADD COLUMN acked_ms INTEGER;"
	"ALTER TABLE alerts ADD COLUMN acked_by TEXT;"
	"ALTER TABLE alerts ADD COLUMN ack_note TEXT;"
	"ALTER TABLE alerts ADD COLUMN escalated_ms INTEGER;",
	/* 6: the front desk: people, passes (visitor registrations among
	 * them), renovation permits, the watch list, who is inside, the shift
	 * log; events name the person they concern. ID numbers are kept only
	 * as keyed hashes and masks (DESIGN invariant 5). */
	"CREATE TABLE people ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  name TEXT,"
	"  id_type TEXT,"
	"  id_hash TEXT,"
	"  id_mask TEXT,"
	"  company TEXT,"
	"  unit TEXT,"
	"  schedule TEXT,"
	"  created_ms INTEGER NOT NULL,"
	"  created_by TEXT,"
	"  updated_ms INTEGER NOT NULL,"
	"  purged_ms INTEGER"
	");"
	"CREATE INDEX people_id_hash ON people (id_hash);"
	"CREATE TABLE permits ("
	"  id INTEGER PRIMARY KEY,"
	"  unit TEXT NOT NULL,"
	"  company TEXT NOT NULL,"
	"  from_date INTEGER NOT NULL,"
	"  until_date INTEGER NOT NULL,"
	"  days INTEGER NOT NULL,"
	"  hours TEXT,"
	"  floor INTEGER NOT NULL,"
	"  fees_paid INTEGER NOT NULL,"
	"  state TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  created_by TEXT,"
	"  updated_ms INTEGER NOT NULL,"
	"  updated_by TEXT"
	");"
	"CREATE TABLE passes ("
	"  id INTEGER PRIMARY KEY,"
	"  person INTEGER NOT NULL REFERENCES people (id),"
	"  credential TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  valid_from_ms INTEGER NOT NULL,"
	"  valid_until_ms INTEGER NOT NULL,"
	"  lanes TEXT,"
	"  floors INTEGER NOT NULL,"
	"  single_entry INTEGER NOT NULL,"
	"  used INTEGER NOT NULL,"
	"  permit INTEGER REFERENCES permits (id),"
	"  issued_ms INTEGER NOT NULL,"
	"  issued_by TEXT,"
	"  confirmed_ms INTEGER,"
	"  confirmed_by TEXT,"
	"  ended_ms INTEGER,"
	"  ended_by TEXT,"
	"  end_reason TEXT,"
	"  vclass TEXT,"
	"  host TEXT,"
	"  purpose TEXT,"
	"  party INTEGER,"
	"  appointment INTEGER,"
	"  override_by TEXT,"
	"  override_reason TEXT"
	");"
	"CREATE INDEX passes_credential ON passes (credential);"
	"CREATE INDEX passes_person ON passes (person);"
	"CREATE INDEX passes_live ON passes (ended_ms);"
	"CREATE TABLE watchlist ("
	"  id INTEGER PRIMARY KEY,"
	"  id_type TEXT NOT NULL,"
	"  id_hash TEXT NOT NULL,"
	"  id_mask TEXT NOT NULL,"
	"  name TEXT,"
	"  note TEXT,"
	"  added_ms INTEGER NOT NULL,"
	"  added_by TEXT"
	");"
	"CREATE TABLE presence ("
	"  person INTEGER NOT NULL,"
	"  zone TEXT NOT NULL,"
	"  inside INTEGER NOT NULL,"
	"  since_ms INTEGER NOT NULL,"
	"  lane TEXT,"
	"  PRIMARY KEY (person, zone)"
	");"
	"CREATE TABLE shift_log ("
	"  id INTEGER PRIMARY KEY,"
	"  ts_ms INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  text TEXT NOT NULL"
	");"
	"ALTER TABLE events ADD COLUMN person INTEGER;"
	"CREATE INDEX events_person ON events (person);",
	/* 7: the elevator floors a card's holder may go to (bit n = floor n),
	   and freight-elevator bookings. */
	"ALTER TABLE cards ADD COLUMN floors INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE bookings ("
	"  id INTEGER PRIMARY KEY,"
	"  unit TEXT NOT NULL,"
	"  elevator TEXT NOT NULL,"
	"  card TEXT NOT NULL,"
	"  from_ms INTEGER NOT NULL,"
	"  until_ms INTEGER NOT NULL,"
	"  booked_by TEXT,"
	"  booked_ms INTEGER NOT NULL,"
	"  state TEXT NOT NULL,"
	"  cancelled_by TEXT,"
	"  cancelled_ms INTEGER"
	");"
	"CREATE INDEX bookings_until ON bookings (state, until_ms);",
	/* 8: the web console's accounts (lobbyweb): an argon2id hash, never
	   the password, and the failed logins that slow the next ones. */
	"CREATE TABLE web_users ("
	"  name TEXT PRIMARY KEY,"
	"  role TEXT NOT NULL,"
	"  hash TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  created_by TEXT,"
	"  failed INTEGER NOT NULL DEFAULT 0,"
	"  failed_ms INTEGER NOT NULL DEFAULT 0"
	");",
	/* 9: a tower's years of events. The history of one card and of one
	   person comes from an index each, in time order (SQLite keeps the
	   rowid at the end of every index: equal times go by id), replacing
	   the index on person alone. event_exports records what
	   "lobbyctl events export" wrote out: [since_ms, until_ms) as far as
	   event upto_id; retention deletes only rows an export covered. */
	"CREATE INDEX events_credential_ts ON events (credential, ts_ms);"
	"DROP INDEX events_person;"
	"CREATE INDEX events_person_ts ON events (person, ts_ms);"
	"CREATE TABLE event_exports ("
	"  id INTEGER PRIMARY KEY,"
	"  since_ms INTEGER NOT NULL,"
	"  until_ms INTEGER NOT NULL,"
	"  upto_id INTEGER NOT NULL,"
	"  nrows INTEGER NOT NULL,"
	"  done_ms INTEGER NOT NULL,"
	"  actor TEXT,"
	"  file TEXT"
	");"
	"CREATE INDEX event_exports_since ON event_exports (since_ms);",
	/* 10: hosts told of their visitors (db/notices.h): each delivery's
	   state, and the one-time answer links, as hashes of their tokens. */
	"CREATE TABLE pass_notices ("
	"  id INTEGER PRIMARY KEY,"
	"  pass INTEGER NOT NULL,"
	"  channel TEXT NOT NULL,"
	"  to_addr TEXT,"
	"  state TEXT NOT NULL,"
	"  detail TEXT,"
	"  tries INTEGER NOT NULL,"
	"  queued_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL"
	");"
	"CREATE INDEX pass_notices_pass ON pass_notices (pass);"
	"CREATE TABLE pass_tokens ("
	"  pass INTEGER PRIMARY KEY,"
	"  hash TEXT NOT NULL UNIQUE,"
	"  made_ms INTEGER NOT NULL,"
	"  used_ms INTEGER,"
	"  answer TEXT"
	");",
	/* 11: the tenant directory (companies, the units each holds, their
	   contacts), a visitor's phone, and what a returning visitor needs:
	   the person found by ID hash or by name and phone, and each pass
	   keeping its own host unit (and why a host outside the directory
	   was taken); the passes so far take their person's unit. */
	"CREATE TABLE tenants ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  short_name TEXT,"
	"  floors INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL,"
	"  created_by TEXT,"
	"  updated_ms INTEGER NOT NULL,"
	"  updated_by TEXT"
	");"
	"CREATE TABLE tenant_units ("
	"  unit TEXT PRIMARY KEY,"
	"  tenant INTEGER NOT NULL REFERENCES tenants (id),"
	"  pos INTEGER NOT NULL"
	");"
	"CREATE INDEX tenant_units_tenant ON tenant_units (tenant);"
	"CREATE TABLE tenant_contacts ("
	"  id INTEGER PRIMARY KEY,"
	"  tenant INTEGER NOT NULL REFERENCES tenants (id),"
	"  name TEXT NOT NULL,"
	"  phone TEXT NOT NULL,"
	"  role TEXT,"
	"  notify TEXT NOT NULL,"
	"  notify_detail TEXT"
	");"
	"CREATE INDEX tenant_contacts_tenant ON tenant_contacts (tenant);"
	"ALTER TABLE people ADD COLUMN phone TEXT;"
	"CREATE INDEX people_phone ON people (phone);"
	"ALTER TABLE passes ADD COLUMN host_unit TEXT;"
	"ALTER TABLE passes ADD COLUMN host_reason TEXT;"
	"UPDATE passes SET host_unit = (SELECT unit FROM people WHERE"
	"  people.id = passes.person);",
	/* 12: a card found by part of its holder's name (card.list's find)
	   is looked for in this index, in uid order, without reading the
	   table: a million cards in a fraction of a second. */
	"CREATE INDEX cards_uid_holder ON cards (uid, holder);",
};

#define SCHEMA_NSTEPS	((int)(sizeof(schema_steps) / sizeof(schema_steps[0])))

int
schema_latest(void)
{
	return SCHEMA_NSTEPS;
}

/* PRAGMA user_version, or -1 with the reason in err. */
static int
schema_version(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc, v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else
		snprintf(err, errlen, "%s: reading the schema version: %s", path,
		    sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return v;
}

static int
schema_exec(sqlite3 *db, const char *sql, const char *path, int step,
    char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s: schema migration %d: %s", path, step,
	    msg != NULL ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

/* The events table's highest id: about how many rows an index built over
 * it has to read (a rowid lookup, instant at any size). 0 if none. */
static int64_t
schema_events_estimate(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t n = 0;

	if (sqlite3_prepare_v2(db, "SELECT max(id) FROM events", -1, &st,
	    NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* An existing database brought forward is said in the log, with how long
 * it took: building an index over years of events takes minutes, and the
 * person watching a restart should know why lobbyd is not up yet. */
static void
schema_log_start(sqlite3 *db, const char *path, int from)
{
	int64_t n = schema_events_estimate(db);

	if (from < 9 && n >= 100000)
		log_notice("%s: upgrading the database from schema %d to %d: "
		    "indexing about %" PRId64 " events by card and person "
		    "(about 2 s a million; lobbyd starts when it is done)",
		    path, from, SCHEMA_NSTEPS, n);
	else
		log_notice("%s: upgrading the database from schema %d to %d",
		    path, from, SCHEMA_NSTEPS);
}

/* Who hears how an upgrade goes, from SQLite's progress handler too. */
struct schema_tell {
	void	(*fn)(const char *, void *);
	void	*arg;
	int	step;
	int64_t	t0, next_ns;	/* the upgrade's start; the next word */
};

static void
schema_say(struct schema_tell *t)
{
	char what[96];

	snprintf(what, sizeof(what), "upgrading the database: schema step %d "
	    "of %d, %d s so far", t->step, SCHEMA_NSTEPS,
	    (int)((mono_ns() - t->t0) / 1000000000LL));
	t->next_ns = mono_ns() + SCHEMA_TELL_MS * NS_PER_MS;
	t->fn(what, t->arg);
}

static int
schema_progress(void *arg)
{
	struct schema_tell *t = arg;

	if (mono_ns() >= t->next_ns)
		schema_say(t);
	return 0;	/* go on */
}

int
schema_migrate(sqlite3 *db, const char *path, char *err, size_t errlen,
    void (*tell)(const char *what, void *arg), void *arg)
{
	struct schema_tell t = { tell, arg, 0, 0, 0 };
	char sql[64];
	int v, from = -1;
	int64_t t0 = 0;

	for (;;) {
		/* Read the version inside the write lock, so a second lobbyd
		   opening the same file cannot apply a step twice. */
		if (schema_exec(db, "BEGIN IMMEDIATE", path, 0, err, errlen) == -1)
			return -1;
		if ((v = schema_version(db, path, err, errlen)) == -1)
			goto out_rollback;
		if (v > SCHEMA_NSTEPS) {
			snprintf(err, errlen, "%s: database schema version %d is "
			    "newer than this lobbyd (%d)", path, v, SCHEMA_NSTEPS);
			goto out_rollback;
		}
		if (v == SCHEMA_NSTEPS)
			break;
		if (from == -1) {
			from = v;
			t.t0 = t0 = mono_ns();
			if (v > 0)
				schema_log_start(db, path, v);
			/* SQLite calls back every so many of its steps. */
			if (v > 0 && tell != NULL)
				sqlite3_progress_handler(db, 100000,
				    schema_progress, &t);
		}
		if (v > 0 && tell != NULL) {
			t.step = v + 1;
			schema_say(&t);
		}
		if (schema_exec(db, schema_steps[v], path, v + 1, err,
		    errlen) == -1)
			goto out_rollback;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (schema_exec(db, sql, path, v + 1, err, errlen) == -1)
			goto out_rollback;
		if (schema_exec(db, "COMMIT", path, v + 1, err, errlen) == -1)
			goto out_rollback;
	}
	sqlite3_progress_handler(db, 0, NULL, NULL);
	if (schema_exec(db, "COMMIT", path, v, err, errlen) == -1)
		return -1;
	if (from > 0)
		log_notice("%s: database upgraded to schema %d in %.1f s", path,
		    v, (double)(mono_ns() - t0) / 1e9);
	return 0;

out_rollback:
	sqlite3_progress_handler(db, 0, NULL, NULL);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}
