/*
 * The latch file's writer (latch.h): a thread of its own, so that the engine
 * never waits for the disk (DESIGN invariant 4), even when a sync takes
 * seconds. It writes the newest mode posted; one posted while a write is
 * under way is written next, and a third replaces the second unwritten: the
 * latch is the mode now, not its history.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "latch.h"
#include "../config/config.h"
#include "../common/util.h"

#define LATCH_STOP_WAIT_S	3	/* for what is due, at lobbyd's stop */

struct latch_writer {
	int		fd;		/* its own: a dup of the latch's */
	char		path[CONF_PATH_MAX + 8];
	pthread_t	thread;
	pthread_mutex_t	mu;
	pthread_cond_t	wake;		/* posted, or stopping */
	pthread_cond_t	idle;		/* nothing posted is unwritten */
	struct fire_rec	next;		/* posted, not yet taken */
	bool		posted, writing, stopping;
	bool		left;		/* its stop gave up: it frees itself */
};

static void
writer_free(struct latch_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

static void *
writer_main(void *arg)
{
	struct latch_writer *w = arg;
	struct fire_rec f;
	char err[160];
	bool left;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->posted && !w->stopping)
			pthread_cond_wait(&w->wake, &w->mu);
		if (!w->posted)
			break;
		f = w->next;
		w->posted = false;
		w->writing = true;
		pthread_mutex_unlock(&w->mu);
		if (latch_write(w->fd, &f, err, sizeof(err)) < 0)
			log_err("%s: %s; fire mode %s is kept by the database only",
			    w->path, err, f.active ? "on" : "off");
		pthread_mutex_lock(&w->mu);
		w->writing = false;
		if (!w->posted)
			pthread_cond_broadcast(&w->idle);
	}
	left = w->left;
	pthread_mutex_unlock(&w->mu);
	if (left)
		writer_free(w);
	return NULL;
}

struct latch_writer *
latch_writer_start(int fd, const char *path, char *err, size_t errlen)
{
	struct latch_writer *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	int rc;

	if (w == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	/* Its own descriptor: one given up on at lobbyd's stop may still
	 * write after the latch's own is closed. */
	if ((w->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(w);
		return NULL;
	}
	str_copy(w->path, path, sizeof(w->path));
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->wake, NULL);
	/* The stop's wait is timed on the monotonic clock: setting the wall
	 * clock back must not lengthen it. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->idle, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = thread_start(&w->thread, writer_main, w)) != 0) {
		snprintf(err, errlen, "%s: starting its writer: %s", path,
		    strerror(rc));
		writer_free(w);
		return NULL;
	}
	return w;
}

void
latch_post(struct latch_writer *w, const struct fire_rec *f)
{
	pthread_mutex_lock(&w->mu);
	w->next = *f;
	w->posted = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
}

void
latch_writer_wait(struct latch_writer *w)
{
	pthread_mutex_lock(&w->mu);
	while (w->posted || w->writing)
		pthread_cond_wait(&w->idle, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

void
latch_writer_stop(struct latch_writer *w)
{
	struct timespec until;
	int rc = 0;

	if (w == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &until);	/* the idle cond's clock */
	until.tv_sec += LATCH_STOP_WAIT_S;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_signal(&w->wake);
	while ((w->posted || w->writing) && rc == 0)
		rc = pthread_cond_timedwait(&w->idle, &w->mu, &until);
	if (w->posted || w->writing) {	/* timed out: it has yet to see left */
		/* A sync that hangs must not hold lobbyd's stop: the thread is
		 * left to finish (or to the process's end) and frees itself. */
		w->left = true;
		pthread_detach(w->thread);
		log_err("%s: a write still under way after %d s; left unfinished",
		    w->path, LATCH_STOP_WAIT_S);
		pthread_mutex_unlock(&w->mu);
		return;
	}
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	writer_free(w);
}
