/*
 * The fire-mode latch file (db/latch.c): the newest whole slot wins, a torn
 * or damaged write leaves the one before, and a write needs no new space.
 * Its writer (db/latch_writer.c) never makes the poster wait for the disk,
 * and what it leaves is the newest mode posted.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../common/util.h"
#include "../../db/latch.h"
#include "harness.h"

static struct fire_rec
mkfire(bool active, int64_t since, const char *source, const char *by)
{
	struct fire_rec f = { .active = active, .since_ms = since };

	str_copy(f.source, source, sizeof(f.source));
	str_copy(f.reset_by, by, sizeof(f.reset_by));
	if (!active)
		f.ended_ms = since + 1000;
	return f;
}

/* Flips one byte at off: a write torn by a power cut, or a bad sector. */
static void
damage(const char *path, off_t off)
{
	int fd = open(path, O_RDWR);
	unsigned char c;

	CHECK(fd >= 0 && pread(fd, &c, 1, off) == 1);
	c ^= 0x5a;
	CHECK(pwrite(fd, &c, 1, off) == 1);
	close(fd);
}

static int
reads(int fd, struct fire_rec *f)
{
	char err[160];

	memset(f, 0, sizeof(*f));
	return latch_read(fd, f, err, sizeof(err));
}

/*
 * A disk whose syncs hang until the test lets them go: the latch's own
 * fdatasync() is this one (the program's definition wins over libc's).
 */
static struct {
	pthread_mutex_t	mu;
	pthread_cond_t	cv;
	bool		hang;		/* syncs wait for go */
	int		inside;		/* syncs waiting */
	bool		go;
} disk = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0, false };

int	fdatasync(int fd);

int
fdatasync(int fd)
{
	pthread_mutex_lock(&disk.mu);
	if (disk.hang) {
		disk.inside++;
		pthread_cond_broadcast(&disk.cv);
		while (!disk.go)
			pthread_cond_wait(&disk.cv, &disk.mu);
		disk.inside--;
	}
	pthread_mutex_unlock(&disk.mu);
	return (int)syscall(SYS_fdatasync, fd);
}

/*
 * The wall clock as the program reads it, skew_s ahead of the kernel's: as
 * if the clock were set back by skew_s (NTP stepping it, an operator
 * setting it) just after it was read. CLOCK_MONOTONIC is never stepped.
 */
static volatile int skew_s;

int	clock_gettime(clockid_t clk, struct timespec *ts);

int
clock_gettime(clockid_t clk, struct timespec *ts)
{
	int rc = (int)syscall(SYS_clock_gettime, clk, ts);

	if (rc == 0 && clk == CLOCK_REALTIME)
		ts->tv_sec += skew_s;
	return rc;
}

/* A writer on fd whose disk hangs, stuck in the sync of posted mode f;
 * NULL (checked) when it does not start. */
static struct latch_writer *
hung_writer(int fd, const char *path, const struct fire_rec *f)
{
	struct latch_writer *w;
	char err[200];

	w = latch_writer_start(fd, path, err, sizeof(err));
	CHECK(w != NULL);
	if (w == NULL)
		return NULL;
	pthread_mutex_lock(&disk.mu);
	disk.hang = true;
	disk.go = false;
	pthread_mutex_unlock(&disk.mu);
	latch_post(w, f);
	pthread_mutex_lock(&disk.mu);
	while (disk.inside == 0)
		pthread_cond_wait(&disk.cv, &disk.mu);
	pthread_mutex_unlock(&disk.mu);
	return w;
}

/* The disk answers again: the hung sync and every later one go on. */
static void
disk_answers(void)
{
	pthread_mutex_lock(&disk.mu);
	disk.go = true;
	disk.hang = false;
	pthread_cond_broadcast(&disk.cv);
	pthread_mutex_unlock(&disk.mu);
}

static void *
stop_main(void *arg)
{
	latch_writer_stop(arg);
	return NULL;
}

/* The writer while its disk hangs: posting never waits, the newest wins. */
static void
test_writer(int fd, const char *path)
{
	struct latch_writer *w;
	struct fire_rec f, on = mkfire(true, 7000, "fire-panel", ""),
	    off = mkfire(false, 8000, "fire-panel", "mgr"),
	    on2 = mkfire(true, 9000, "fire-panel-2", "");

	/* A watchdog: a post that waited for the disk would hang here. */
	alarm(20);
	if ((w = hung_writer(fd, path, &on)) == NULL)
		return;
	/* The writer is stuck in its sync; the poster goes on. */
	latch_post(w, &off);
	latch_post(w, &on2);
	pthread_mutex_lock(&disk.mu);
	CHECK_INT(disk.inside, 1);
	pthread_mutex_unlock(&disk.mu);
	disk_answers();
	latch_writer_wait(w);
	CHECK_INT(reads(fd, &f), 1);
	CHECK(f.active && f.since_ms == 9000 && strcmp(f.source, "fire-panel-2") == 0);

	/* Stopping writes what is still posted. */
	latch_post(w, &off);
	latch_writer_stop(w);
	CHECK_INT(reads(fd, &f), 1);
	CHECK(!f.active && f.since_ms == 8000 && strcmp(f.reset_by, "mgr") == 0);
	alarm(0);
}

/*
 * The writer's stop while a sync hangs and the wall clock is set back an
 * hour: it still gives up after its 3 s, not after an hour and 3 s (the
 * time it waits is not the wall clock's).
 */
static void
test_stop_clock_set_back(int fd, const char *path)
{
	struct latch_writer *w;
	struct fire_rec on = mkfire(true, 7000, "fire-panel", "");
	pthread_t t;
	int64_t t0;
	bool returned = false;
	void *ret;

	if ((w = hung_writer(fd, path, &on)) == NULL)
		return;

	skew_s = 3600;
	t0 = mono_ns();
	CHECK_INT(pthread_create(&t, NULL, stop_main, w), 0);
	/* 3 s and some slack; a stop still waiting at 8 s waits for the
	 * wall clock's hour. */
	while (mono_ns() - t0 < 8000 * NS_PER_MS && !returned) {
		usleep(50 * 1000);
		returned = pthread_tryjoin_np(t, &ret) == 0;
	}
	CHECK(returned);
	CHECK(!returned || mono_ns() - t0 >= 3000 * NS_PER_MS);

	/* The disk answers: the writer ends (and a stop still waiting then
	 * returns). */
	disk_answers();
	if (!returned)
		pthread_join(t, &ret);
	skew_s = 0;
	usleep(100 * 1000);	/* the writer left running finishes */
}

int
main(void)
{
	char dir[] = "/tmp/test_latch.XXXXXX", path[600], err[200];
	struct fire_rec f, w;
	struct rlimit rl;
	struct stat st;
	int fd;

	log_init("test_latch", false);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/lobbyd.db.fire", dir);

	/* A new file: both slots allocated, nothing latched. */
	fd = latch_open(path, err, sizeof(err));
	CHECK(fd >= 0);
	CHECK(stat(path, &st) == 0 && st.st_size == 512);
	CHECK_INT(reads(fd, &f), 0);

	/* On, then off: the newest wins, through a reopen. */
	w = mkfire(true, 1000, "fire-panel", "");
	CHECK_INT(latch_write(fd, &w, err, sizeof(err)), 0);
	CHECK_INT(reads(fd, &f), 1);
	CHECK(f.active);
	CHECK_INT(f.since_ms, 1000);
	CHECK_STR(f.source, "fire-panel");
	w = mkfire(false, 1000, "fire-panel", "guard1");
	CHECK_INT(latch_write(fd, &w, err, sizeof(err)), 0);
	latch_close(fd);
	fd = latch_open(path, err, sizeof(err));
	CHECK(fd >= 0);
	CHECK(stat(path, &st) == 0 && st.st_size == 512);
	CHECK_INT(reads(fd, &f), 1);
	CHECK(!f.active);
	CHECK_STR(f.reset_by, "guard1");
	CHECK_INT(f.ended_ms, 2000);

	/* The reset's slot torn (slot 1 holds it): the mode reads on again,
	 * the safe side, and the next write goes over the torn slot. */
	damage(path, 256 + 40);
	CHECK_INT(reads(fd, &f), 1);
	CHECK(f.active);
	w = mkfire(false, 1000, "fire-panel", "guard2");
	CHECK_INT(latch_write(fd, &w, err, sizeof(err)), 0);
	CHECK_INT(reads(fd, &f), 1);
	CHECK(!f.active);
	CHECK_STR(f.reset_by, "guard2");
	/* Both damaged: nothing latched, which the database then decides. */
	damage(path, 10);
	damage(path, 256 + 10);
	CHECK_INT(reads(fd, &f), 0);

	/* Many changes: always the last one. */
	for (int i = 0; i < 1000; i++) {
		w = mkfire(i % 2 == 0, i, "fire-b", "");
		CHECK(latch_write(fd, &w, err, sizeof(err)) == 0 || i < 0);
	}
	CHECK_INT(reads(fd, &f), 1);
	CHECK(!f.active);
	CHECK_INT(f.since_ms, 999);

	/* A full disk (no file may grow past its 512 bytes): the latch is
	 * still written, in place. */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &rl);
	rl.rlim_cur = 512;
	setrlimit(RLIMIT_FSIZE, &rl);
	w = mkfire(true, 5000, "fire-panel", "");
	CHECK_INT(latch_write(fd, &w, err, sizeof(err)), 0);
	CHECK_INT(reads(fd, &f), 1);
	CHECK(f.active && f.since_ms == 5000);
	rl.rlim_cur = RLIM_INFINITY;
	setrlimit(RLIMIT_FSIZE, &rl);
	latch_close(fd);

	fd = latch_open(path, err, sizeof(err));
	CHECK(fd >= 0);
	test_writer(fd, path);
	test_stop_clock_set_back(fd, path);
	latch_close(fd);

	/* A file that cannot be made: named in the error. */
	snprintf(path, sizeof(path), "%s/missing/lobbyd.db.fire", dir);
	CHECK_INT(latch_open(path, err, sizeof(err)), -1);
	CHECK(strncmp(err, path, strlen(path)) == 0);

	snprintf(path, sizeof(path), "%s/lobbyd.db.fire", dir);
	unlink(path);
	rmdir(dir);
	return harness_done("test_latch");
}
