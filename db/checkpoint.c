/*
 * WAL checkpoints on a thread and a connection of their own. Copying the
 * WAL back into the database takes 10-20 ms per 4 MiB here, and SQLite
 * does it inside whichever commit crosses the threshold: on the store
 * thread, ahead of every event batch and request queued behind it.
 * PASSIVE checkpoints never block the store's writes.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../common/util.h"
#include "store_int.h"

#define CKPT_PAGES	1000	/* WAL pages that make a checkpoint due (SQLite's own default) */
#define CKPT_PAGES_MAX	4000	/* the store thread checkpoints itself */

/*
 * After each commit on the store's connection, with the WAL's size. The
 * WAL starts again from its beginning only once a checkpoint has caught
 * up with every commit; one running beside a store that never stops
 * writing may not, and then the store thread does one itself, as SQLite
 * would have, so that the WAL file stays bounded.
 */
static int
ckpt_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store *s = arg;

	if (pages >= CKPT_PAGES_MAX)
		(void)sqlite3_wal_checkpoint_v2(db, name,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	else if (pages >= CKPT_PAGES) {
		pthread_mutex_lock(&s->ckpt_mu);
		s->ckpt_due = true;
		pthread_cond_signal(&s->ckpt_wake);
		pthread_mutex_unlock(&s->ckpt_mu);
	}
	return SQLITE_OK;
}

static void *
ckpt_main(void *arg)
{
	struct store *s = arg;
	int rc, nlog, nckpt;

	pthread_mutex_lock(&s->ckpt_mu);
	for (;;) {
		while (!s->ckpt_due && !s->ckpt_stop)
			pthread_cond_wait(&s->ckpt_wake, &s->ckpt_mu);
		if (s->ckpt_stop)
			break;
		s->ckpt_due = false;
		s->ckpt_busy = true;
		pthread_mutex_unlock(&s->ckpt_mu);
		rc = sqlite3_wal_checkpoint_v2(s->ckpt_db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt);
		/* A full disk fails the commits too, and says so there: the
		 * checkpoint logs only its own change of state. */
		if (rc != SQLITE_OK && !s->ckpt_failing)
			log_warn("%s: checkpoint: %s; the WAL file grows until "
			    "one succeeds", s->path, sqlite3_errmsg(s->ckpt_db));
		else if (rc == SQLITE_OK && s->ckpt_failing)
			log_notice("%s: checkpoints succeed again", s->path);
		s->ckpt_failing = rc != SQLITE_OK;
		pthread_mutex_lock(&s->ckpt_mu);
		s->ckpt_busy = false;
		if (rc == SQLITE_OK && nlog >= 0)
			s->checkpoints++;
	}
	pthread_mutex_unlock(&s->ckpt_mu);
	return NULL;
}

void
store_ckpt_start(struct store *s)
{
	int rc;

	pthread_mutex_init(&s->ckpt_mu, NULL);
	pthread_cond_init(&s->ckpt_wake, NULL);
	rc = sqlite3_open_v2(s->path, &s->ckpt_db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_warn("%s: a connection for checkpoints: %s; the store "
		    "thread does them", s->path, s->ckpt_db != NULL ?
		    sqlite3_errmsg(s->ckpt_db) : sqlite3_errstr(rc));
		goto out_close;
	}
	/* A connection knows the database is in WAL mode only once it has
	 * read it: until then a checkpoint does nothing, and says OK. */
	if (sqlite3_exec(s->ckpt_db, "SELECT count(*) FROM sqlite_master", NULL,
	    NULL, NULL) != SQLITE_OK) {
		log_warn("%s: a connection for checkpoints: %s; the store "
		    "thread does them", s->path, sqlite3_errmsg(s->ckpt_db));
		goto out_close;
	}
	if ((rc = thread_start(&s->ckpt_thread, ckpt_main, s)) != 0) {
		log_warn("%s: starting the checkpoint thread: %s; the store "
		    "thread does them", s->path, strerror(rc));
		goto out_close;
	}
	s->ckpt_running = true;
	/* Replaces SQLite's own checkpoints after commits. */
	sqlite3_wal_hook(s->db, ckpt_wal_hook, s);
	return;

out_close:
	sqlite3_close(s->ckpt_db);
	s->ckpt_db = NULL;
}

bool
store_ckpt_pending(struct store *s)
{
	bool pending;

	if (!s->ckpt_running)
		return false;
	pthread_mutex_lock(&s->ckpt_mu);
	pending = s->ckpt_due || s->ckpt_busy;
	pthread_mutex_unlock(&s->ckpt_mu);
	return pending;
}

void
store_ckpt_stop(struct store *s)
{
	if (s->ckpt_running) {
		sqlite3_wal_hook(s->db, NULL, NULL);
		pthread_mutex_lock(&s->ckpt_mu);
		s->ckpt_stop = true;
		pthread_cond_signal(&s->ckpt_wake);
		pthread_mutex_unlock(&s->ckpt_mu);
		pthread_join(s->ckpt_thread, NULL);
		s->ckpt_running = false;
		if (sqlite3_close(s->ckpt_db) != SQLITE_OK)
			log_err("%s: closing the checkpoint connection: %s",
			    s->path, sqlite3_errmsg(s->ckpt_db));
		s->ckpt_db = NULL;
	}
	pthread_cond_destroy(&s->ckpt_wake);
	pthread_mutex_destroy(&s->ckpt_mu);
}
