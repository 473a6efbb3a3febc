/*
 * lobbyd's tables, as a list of migrations. A database is brought forward one
 * step at a time; a step is never edited once shipped, only followed by more.
 */
#include "schema.h"

#include <stdio.h>

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

int
schema_migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	char sql[64];
	int v;

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
		if (schema_exec(db, schema_steps[v], path, v + 1, err,
		    errlen) == -1)
			goto out_rollback;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (schema_exec(db, sql, path, v + 1, err, errlen) == -1)
			goto out_rollback;
		if (schema_exec(db, "COMMIT", path, v + 1, err, errlen) == -1)
			goto out_rollback;
	}
	return schema_exec(db, "COMMIT", path, v, err, errlen);

out_rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}
