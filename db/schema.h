/*
 * The database schema and its migrations, private to db/: each step moves
 * PRAGMA user_version up by one, in its own transaction.
 */
#ifndef LOBBYD_SCHEMA_H
#define LOBBYD_SCHEMA_H

#include <stddef.h>

#include <sqlite3.h>

/* The user_version this lobbyd brings a database to. */
int	schema_latest(void);

/*
 * Applies the migrations the database at path (already open as db) lacks.
 * Refuses a database newer than schema_latest(). 0, or -1 with a message
 * naming path in err. An existing database brought forward calls tell
 * (if not NULL) as each step starts and every SCHEMA_TELL_MS while one
 * runs, with what it is doing in words.
 */
#define SCHEMA_TELL_MS	2000
int	schema_migrate(sqlite3 *db, const char *path, char *err, size_t errlen,
	    void (*tell)(const char *what, void *arg), void *arg);

#endif
