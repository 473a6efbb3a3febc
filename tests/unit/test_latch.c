/*
 * The fire-mode latch file (db/latch.c): the newest whole slot wins, a torn
 * or damaged write leaves the one before, and a write needs no new space.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

	/* A file that cannot be made: named in the error. */
	snprintf(path, sizeof(path), "%s/missing/lobbyd.db.fire", dir);
	CHECK_INT(latch_open(path, err, sizeof(err)), -1);
	CHECK(strncmp(err, path, strlen(path)) == 0);

	snprintf(path, sizeof(path), "%s/lobbyd.db.fire", dir);
	unlink(path);
	rmdir(dir);
	return harness_done("test_latch");
}
