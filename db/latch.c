/*
 * The fire-mode latch file (latch.h): two checksummed slots written in
 * place, the newer of them read back at start.
 */
#include "latch.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"

#define LATCH_SLOT	256
#define LATCH_MAGIC	"lobbyd fire latch 1"

/* One slot as it lies on disk; the rest of the 256 bytes is zero. */
struct latch_slot {
	char		magic[20];
	uint64_t	seq;		/* higher is newer */
	uint8_t		active;
	int64_t		since_ms;
	int64_t		ended_ms;
	char		source[32];
	char		reset_by[32];
	uint32_t	crc;		/* CRC-32 of everything before it */
};

_Static_assert(sizeof(struct latch_slot) <= LATCH_SLOT, "latch slot too big");

static uint32_t
latch_crc(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t c = 0xffffffffu;

	while (n-- > 0) {
		c ^= *b++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static bool
latch_slot_ok(const struct latch_slot *sl)
{
	return memcmp(sl->magic, LATCH_MAGIC, sizeof(LATCH_MAGIC)) == 0 &&
	    sl->crc == latch_crc(sl, offsetof(struct latch_slot, crc));
}

/* The directory's entry of a file just made, synced: it survives a power
 * cut with the file. */
static int
latch_sync_dir(const char *path)
{
	char dir[4096], *slash;
	int fd, rc;

	if (!str_copy(dir, path, sizeof(dir)))
		return -1;
	if ((slash = strrchr(dir, '/')) == NULL)
		str_copy(dir, ".", sizeof(dir));
	else
		slash[slash == dir] = '\0';	/* "/x" keeps its "/" */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
latch_open(const char *path, char *err, size_t errlen)
{
	char zero[2 * LATCH_SLOT] = { 0 };
	struct stat st;
	int fd;

	bool made = access(path, F_OK) != 0;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out_close;
	}
	if (st.st_size < (off_t)sizeof(zero)) {
		/* Both slots exist on disk before they are ever needed. */
		errno = 0;
		if (pwrite(fd, zero + st.st_size, sizeof(zero) - (size_t)st.st_size,
		    st.st_size) != (ssize_t)(sizeof(zero) - (size_t)st.st_size) ||
		    fsync(fd) < 0 || (made && latch_sync_dir(path) < 0)) {
			snprintf(err, errlen, "%s: allocating: %s", path,
			    strerror(errno != 0 ? errno : ENOSPC));
			goto out_close;
		}
	}
	return fd;

out_close:
	close(fd);
	return -1;
}

/* Reads both slots; *newest: the index of the newest whole one, or -1. */
static int
latch_slots(int fd, struct latch_slot sl[2], int *newest, char *err,
    size_t errlen)
{
	*newest = -1;
	for (int i = 0; i < 2; i++) {
		ssize_t n = pread(fd, &sl[i], sizeof(sl[i]), (off_t)i * LATCH_SLOT);

		if (n < 0) {
			snprintf(err, errlen, "fire latch: reading: %s",
			    strerror(errno));
			return -1;
		}
		if (n != (ssize_t)sizeof(sl[i]) || !latch_slot_ok(&sl[i]))
			continue;
		if (*newest < 0 || sl[i].seq > sl[*newest].seq)
			*newest = i;
	}
	return 0;
}

int
latch_read(int fd, struct fire_rec *out, char *err, size_t errlen)
{
	struct latch_slot sl[2];
	const struct latch_slot *l;
	int newest;

	if (latch_slots(fd, sl, &newest, err, errlen) < 0)
		return -1;
	if (newest < 0)
		return 0;
	l = &sl[newest];
	memset(out, 0, sizeof(*out));
	out->active = l->active != 0;
	out->since_ms = l->since_ms;
	out->ended_ms = l->ended_ms;
	memcpy(out->source, l->source, sizeof(out->source));
	out->source[sizeof(out->source) - 1] = '\0';
	memcpy(out->reset_by, l->reset_by, sizeof(out->reset_by));
	out->reset_by[sizeof(out->reset_by) - 1] = '\0';
	return 1;
}

int
latch_write(int fd, const struct fire_rec *f, char *err, size_t errlen)
{
	struct latch_slot sl[2];
	union {
		struct latch_slot	s;
		char			b[LATCH_SLOT];
	} buf = { .b = { 0 } };
	struct latch_slot *w = &buf.s;
	int newest, slot;

	if (latch_slots(fd, sl, &newest, err, errlen) < 0)
		return -1;
	slot = newest < 0 ? 0 : 1 - newest;	/* never the newest whole one */
	memcpy(w->magic, LATCH_MAGIC, sizeof(LATCH_MAGIC));
	w->seq = newest < 0 ? 1 : sl[newest].seq + 1;
	w->active = f->active ? 1 : 0;
	w->since_ms = f->since_ms;
	w->ended_ms = f->ended_ms;
	str_copy(w->source, f->source, sizeof(w->source));
	str_copy(w->reset_by, f->reset_by, sizeof(w->reset_by));
	w->crc = latch_crc(w, offsetof(struct latch_slot, crc));
	errno = 0;
	if (pwrite(fd, buf.b, sizeof(buf.b), (off_t)slot * LATCH_SLOT) !=
	    (ssize_t)sizeof(buf.b)) {
		snprintf(err, errlen, "fire latch: writing: %s",
		    strerror(errno != 0 ? errno : ENOSPC));
		return -1;
	}
	if (fdatasync(fd) < 0) {
		snprintf(err, errlen, "fire latch: syncing: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void
latch_close(int fd)
{
	if (fd >= 0)
		close(fd);
}
