/*
 * The power-cut VFS (crashvfs.h): a shim over SQLite's unix VFS that keeps a
 * log of what reached the files, and rebuilds the files from that log as a
 * power cut at any point of it would leave them.
 *
 * The disk it models: a write or truncate sits in a volatile cache until the
 * file is synced; a sync makes everything before it on that file durable.
 * What is still cached at the cut is lost, kept, or (a write) torn at a
 * sector boundary. Bytes outside a write are never harmed (SQLite's
 * "powersafe overwrite", which the unix VFS reports), a file created is
 * there, and a delete is durable once its directory was synced. Directory
 * entries are not modelled further.
 */
#include "crashvfs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#define CV_FILES_MAX	8
#define CV_SECTOR	512

enum op_kind { OP_WRITE, OP_TRUNC, OP_SYNC, OP_DELETE, OP_CREATE, OP_DIRSYNC };

struct op {
	uint8_t		kind;
	uint8_t		file;
	bool		dirsync;	/* OP_DELETE: the directory was synced */
	int64_t		off;		/* OP_WRITE: where; OP_TRUNC: the size */
	int64_t		len;
	unsigned char	*data;
};

/* A buffer holding a file's bytes. */
struct buf {
	unsigned char	*p;
	size_t		len, cap;
	bool		exists;
};

/* A file under the directory, by path. */
struct tfile {
	char		path[512];
	const char	*base;		/* last component of path */
	size_t		*idx;		/* its operations' numbers, ascending */
	size_t		nidx, idxcap;
	struct buf	init;		/* what it held when first opened */
	struct buf	dur;		/* its synced bytes, up to ... */
	size_t		dpos;		/* ... its operations before idx[dpos] */
	struct buf	img;		/* cv_image's scratch */
};

/* An open file: the shim's part, then the unix VFS's. */
struct cv_file {
	sqlite3_file	base;
	sqlite3_file	*real;
	int		file;		/* tfile index; -1 not recorded */
	bool		dirsync;	/* its first sync syncs the directory too */
};

static struct {
	sqlite3_vfs	vfs;
	sqlite3_vfs	*real;
	char		dir[512];
	size_t		dirlen;
	bool		recording;
	pthread_mutex_t	mu;
	struct op	*ops;
	size_t		nops, cap, nsyncs;
	size_t		*dirsyncs;	/* the OP_DIRSYNCs' numbers, ascending */
	size_t		ndirsyncs, dscap;
	struct tfile	files[CV_FILES_MAX];
	int		nfiles;
	size_t		built;		/* the last cut cv_image made */
	size_t		dsync;		/* dirsyncs[] before it */
} cv = { .mu = PTHREAD_MUTEX_INITIALIZER };

uint64_t
cv_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL) {
		fprintf(stderr, "crashvfs: out of memory\n");
		abort();
	}
	return p;
}

static void
buf_reserve(struct buf *b, size_t n)
{
	if (n > b->cap) {
		size_t cap = b->cap > 0 ? b->cap : 65536;

		while (cap < n)
			cap *= 2;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
}

static void
buf_write(struct buf *b, int64_t off, const unsigned char *data, size_t n)
{
	size_t end = (size_t)off + n;

	buf_reserve(b, end);
	if ((size_t)off > b->len)
		memset(b->p + b->len, 0, (size_t)off - b->len);
	memcpy(b->p + off, data, n);
	if (end > b->len)
		b->len = end;
}

static void
buf_truncate(struct buf *b, int64_t size)
{
	buf_reserve(b, (size_t)size);
	if ((size_t)size > b->len)
		memset(b->p + b->len, 0, (size_t)size - b->len);
	b->len = (size_t)size;
}

static void
buf_copy(struct buf *dst, const struct buf *src)
{
	buf_reserve(dst, src->len);
	if (src->len > 0)
		memcpy(dst->p, src->p, src->len);
	dst->len = src->len;
	dst->exists = src->exists;
}

/* The tracked file for path, added if new; -1 when the table is full. */
static int
tfile_find(const char *path)
{
	struct tfile *f;
	struct stat st;
	int i, fd;

	for (i = 0; i < cv.nfiles; i++)
		if (strcmp(cv.files[i].path, path) == 0)
			return i;
	if (cv.nfiles == CV_FILES_MAX || strlen(path) >= sizeof(f->path))
		return -1;
	f = &cv.files[cv.nfiles];
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->base = strrchr(f->path, '/') != NULL ? strrchr(f->path, '/') + 1 : f->path;
	/* What it holds already counts as synced. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		if (fstat(fd, &st) == 0 && st.st_size > 0) {
			buf_reserve(&f->dur, (size_t)st.st_size);
			if (read(fd, f->dur.p, (size_t)st.st_size) == st.st_size)
				f->dur.len = (size_t)st.st_size;
		}
		f->dur.exists = true;
		close(fd);
	}
	buf_copy(&f->init, &f->dur);
	return cv.nfiles++;
}

/* Appends an operation on file; data copied. Under cv.mu. */
static void
log_op(int file, enum op_kind kind, int64_t off, const void *data, int64_t len,
    bool dirsync)
{
	struct tfile *f = &cv.files[file];
	struct op *o;

	if (cv.nops == cv.cap) {
		cv.cap = cv.cap > 0 ? cv.cap * 2 : 4096;
		cv.ops = xrealloc(cv.ops, cv.cap * sizeof(*cv.ops));
	}
	o = &cv.ops[cv.nops];
	*o = (struct op){ .kind = kind, .file = (uint8_t)file, .off = off,
	    .len = len, .dirsync = dirsync };
	if (kind == OP_WRITE) {
		o->data = xrealloc(NULL, (size_t)len);
		memcpy(o->data, data, (size_t)len);
	}
	if (f->nidx == f->idxcap) {
		f->idxcap = f->idxcap > 0 ? f->idxcap * 2 : 1024;
		f->idx = xrealloc(f->idx, f->idxcap * sizeof(*f->idx));
	}
	if (kind == OP_DIRSYNC) {
		if (cv.ndirsyncs == cv.dscap) {
			cv.dscap = cv.dscap > 0 ? cv.dscap * 2 : 64;
			cv.dirsyncs = xrealloc(cv.dirsyncs, cv.dscap * sizeof(size_t));
		}
		cv.dirsyncs[cv.ndirsyncs++] = cv.nops++;
		return;
	}
	f->idx[f->nidx++] = cv.nops++;
	if (kind == OP_SYNC)
		cv.nsyncs++;
}

static bool
recorded(const struct cv_file *cf)
{
	return cf->file >= 0 && cv.recording;
}

static int
cv_close(sqlite3_file *pf)
{
	struct cv_file *cf = (struct cv_file *)pf;

	return cf->real->pMethods->xClose(cf->real);
}

static int
cv_read(sqlite3_file *pf, void *p, int n, sqlite3_int64 off)
{
	struct cv_file *cf = (struct cv_file *)pf;

	return cf->real->pMethods->xRead(cf->real, p, n, off);
}

static int
cv_write(sqlite3_file *pf, const void *p, int n, sqlite3_int64 off)
{
	struct cv_file *cf = (struct cv_file *)pf;
	int rc;

	pthread_mutex_lock(&cv.mu);
	rc = cf->real->pMethods->xWrite(cf->real, p, n, off);
	if (rc == SQLITE_OK && recorded(cf))
		log_op(cf->file, OP_WRITE, off, p, n, false);
	pthread_mutex_unlock(&cv.mu);
	return rc;
}

static int
cv_truncate(sqlite3_file *pf, sqlite3_int64 size)
{
	struct cv_file *cf = (struct cv_file *)pf;
	int rc;

	pthread_mutex_lock(&cv.mu);
	rc = cf->real->pMethods->xTruncate(cf->real, size);
	if (rc == SQLITE_OK && recorded(cf))
		log_op(cf->file, OP_TRUNC, size, NULL, 0, false);
	pthread_mutex_unlock(&cv.mu);
	return rc;
}

/*
 * Recorded, never done: the real files are scratch, and fast. As the unix
 * VFS does, the first sync of a journal or WAL opened to be created also
 * syncs its directory: the deletes before it are durable from then on.
 */
static int
cv_sync(sqlite3_file *pf, int flags)
{
	struct cv_file *cf = (struct cv_file *)pf;

	(void)flags;
	pthread_mutex_lock(&cv.mu);
	if (recorded(cf)) {
		log_op(cf->file, OP_SYNC, 0, NULL, 0, false);
		if (cf->dirsync)
			log_op(cf->file, OP_DIRSYNC, 0, NULL, 0, false);
	}
	cf->dirsync = false;
	pthread_mutex_unlock(&cv.mu);
	return SQLITE_OK;
}

static int
cv_size(sqlite3_file *pf, sqlite3_int64 *size)
{
	struct cv_file *cf = (struct cv_file *)pf;

	return cf->real->pMethods->xFileSize(cf->real, size);
}

static int
cv_lock(sqlite3_file *pf, int lock)
{
	struct cv_file *cf = (struct cv_file *)pf;

	return cf->real->pMethods->xLock(cf->real, lock);
}

static int
cv_unlock(sqlite3_file *pf, int lock)
{
	struct cv_file *cf = (struct cv_file *)pf;

	return cf->real->pMethods->xUnlock(cf->real, lock);
}

static int
cv_reserved(sqlite3_file *pf, int *out)
{
	struct cv_file *cf = (struct cv_file *)pf;

	return cf->real->pMethods->xCheckReservedLock(cf->real, out);
}

static int
cv_fcntl(sqlite3_file *pf, int op, void *arg)
{
	struct cv_file *cf = (struct cv_file *)pf;

	return cf->real->pMethods->xFileControl(cf->real, op, arg);
}

static int
cv_sector(sqlite3_file *pf)
{
	struct cv_file *cf = (struct cv_file *)pf;

	return cf->real->pMethods->xSectorSize(cf->real);
}

static int
cv_devchar(sqlite3_file *pf)
{
	struct cv_file *cf = (struct cv_file *)pf;

	return cf->real->pMethods->xDeviceCharacteristics(cf->real);
}

/* The WAL index lives in shared memory, never on the disk we model. */
static int
cv_shm_map(sqlite3_file *pf, int pg, int pgsz, int extend, void volatile **pp)
{
	struct cv_file *cf = (struct cv_file *)pf;

	return cf->real->pMethods->xShmMap(cf->real, pg, pgsz, extend, pp);
}

static int
cv_shm_lock(sqlite3_file *pf, int off, int n, int flags)
{
	struct cv_file *cf = (struct cv_file *)pf;

	return cf->real->pMethods->xShmLock(cf->real, off, n, flags);
}

static void
cv_shm_barrier(sqlite3_file *pf)
{
	struct cv_file *cf = (struct cv_file *)pf;

	cf->real->pMethods->xShmBarrier(cf->real);
}

static int
cv_shm_unmap(sqlite3_file *pf, int del)
{
	struct cv_file *cf = (struct cv_file *)pf;

	return cf->real->pMethods->xShmUnmap(cf->real, del);
}

static int
cv_fetch(sqlite3_file *pf, sqlite3_int64 off, int n, void **pp)
{
	struct cv_file *cf = (struct cv_file *)pf;

	return cf->real->pMethods->xFetch(cf->real, off, n, pp);
}

static int
cv_unfetch(sqlite3_file *pf, sqlite3_int64 off, void *p)
{
	struct cv_file *cf = (struct cv_file *)pf;

	return cf->real->pMethods->xUnfetch(cf->real, off, p);
}

static const sqlite3_io_methods cv_io = {
	.iVersion = 3,
	.xClose = cv_close,
	.xRead = cv_read,
	.xWrite = cv_write,
	.xTruncate = cv_truncate,
	.xSync = cv_sync,
	.xFileSize = cv_size,
	.xLock = cv_lock,
	.xUnlock = cv_unlock,
	.xCheckReservedLock = cv_reserved,
	.xFileControl = cv_fcntl,
	.xSectorSize = cv_sector,
	.xDeviceCharacteristics = cv_devchar,
	.xShmMap = cv_shm_map,
	.xShmLock = cv_shm_lock,
	.xShmBarrier = cv_shm_barrier,
	.xShmUnmap = cv_shm_unmap,
	.xFetch = cv_fetch,
	.xUnfetch = cv_unfetch,
};

static bool
under_dir(const char *path)
{
	return path != NULL && cv.dirlen > 0 &&
	    strncmp(path, cv.dir, cv.dirlen) == 0;
}

static int
cv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *pf, int flags,
    int *outflags)
{
	struct cv_file *cf = (struct cv_file *)pf;
	bool existed;
	int rc;

	(void)vfs;
	cf->real = (sqlite3_file *)(cf + 1);
	cf->file = -1;
	cf->dirsync = (flags & SQLITE_OPEN_CREATE) != 0 && (flags &
	    (SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_WAL | SQLITE_OPEN_SUPER_JOURNAL)) != 0;
	pthread_mutex_lock(&cv.mu);
	existed = name != NULL && access(name, F_OK) == 0;
	rc = cv.real->xOpen(cv.real, name, cf->real, flags, outflags);
	if (rc != SQLITE_OK) {
		pthread_mutex_unlock(&cv.mu);
		cf->base.pMethods = NULL;
		return rc;
	}
	if (cv.recording && under_dir(name) && (flags & (SQLITE_OPEN_MAIN_DB |
	    SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL)) != 0) {
		cf->file = tfile_find(name);
		if (cf->file < 0)
			fprintf(stderr, "crashvfs: %s: too many files\n", name);
		else if (!existed)
			log_op(cf->file, OP_CREATE, 0, NULL, 0, false);
	}
	pthread_mutex_unlock(&cv.mu);
	cf->base.pMethods = &cv_io;
	return SQLITE_OK;
}

static int
cv_delete(sqlite3_vfs *vfs, const char *name, int dirsync)
{
	int rc, i;

	(void)vfs;
	pthread_mutex_lock(&cv.mu);
	rc = cv.real->xDelete(cv.real, name, 0);
	if (rc == SQLITE_OK && cv.recording && under_dir(name)) {
		for (i = 0; i < cv.nfiles; i++)
			if (strcmp(cv.files[i].path, name) == 0)
				log_op(i, OP_DELETE, 0, NULL, 0, dirsync != 0);
	}
	pthread_mutex_unlock(&cv.mu);
	return rc;
}

static int
cv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return cv.real->xAccess(cv.real, name, flags, out);
}

static int
cv_fullpath(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return cv.real->xFullPathname(cv.real, name, n, out);
}

int
cv_register(const char *dir)
{
	cv.real = sqlite3_vfs_find(NULL);
	if (cv.real == NULL || cv.real->iVersion < 2 ||
	    strlen(dir) >= sizeof(cv.dir)) {
		fprintf(stderr, "crashvfs: no default VFS to stand on\n");
		return -1;
	}
	snprintf(cv.dir, sizeof(cv.dir), "%s", dir);
	cv.dirlen = strlen(cv.dir);
	/*
	 * Stand on the default VFS: its clock, sleep, randomness and last error
	 * serve as they are; what names or opens files goes through the shim.
	 */
	cv.vfs = *cv.real;
	cv.vfs.iVersion = 2;
	cv.vfs.szOsFile = (int)sizeof(struct cv_file) + cv.real->szOsFile;
	cv.vfs.pNext = NULL;
	cv.vfs.zName = "crashvfs";
	cv.vfs.xOpen = cv_open;
	cv.vfs.xDelete = cv_delete;
	cv.vfs.xAccess = cv_access;
	cv.vfs.xFullPathname = cv_fullpath;
	if (sqlite3_vfs_register(&cv.vfs, 1) != SQLITE_OK) {
		fprintf(stderr, "crashvfs: cannot register\n");
		return -1;
	}
	return 0;
}

void
cv_record(bool on)
{
	pthread_mutex_lock(&cv.mu);
	cv.recording = on;
	pthread_mutex_unlock(&cv.mu);
}

/* One of the counters the recording threads move. */
static size_t
counter(const size_t *n)
{
	size_t v;

	pthread_mutex_lock(&cv.mu);
	v = *n;
	pthread_mutex_unlock(&cv.mu);
	return v;
}

size_t
cv_nops(void)
{
	return counter(&cv.nops);
}

size_t
cv_nsyncs(void)
{
	return counter(&cv.nsyncs);
}

/* Applies one operation to b; mix: the cut's random choices (NULL: all of it). */
static void
apply(struct buf *b, const struct op *o, uint64_t *mix)
{
	int64_t n = o->len;

	switch (o->kind) {
	case OP_CREATE:
		if (!b->exists) {
			b->exists = true;
			b->len = 0;
		}
		return;
	case OP_DELETE:
		if (mix == NULL || o->dirsync || cv_rand(mix) % 2 == 0) {
			b->exists = false;
			b->len = 0;
		}
		return;
	case OP_TRUNC:
		if (b->exists && (mix == NULL || cv_rand(mix) % 2 == 0))
			buf_truncate(b, o->off);
		return;
	case OP_WRITE:
		if (!b->exists)
			return;
		if (mix != NULL) {
			uint64_t r = cv_rand(mix) % 3;
			int64_t first = o->off / CV_SECTOR;
			int64_t nsec = (o->off + o->len - 1) / CV_SECTOR - first + 1;

			if (r == 0)		/* lost */
				return;
			if (r == 1) {		/* torn: whole sectors up to one */
				int64_t keep = (int64_t)(cv_rand(mix) % (uint64_t)nsec);

				n = (first + keep) * CV_SECTOR - o->off;
				if (n <= 0)
					return;
			}
		}
		buf_write(b, o->off, o->data, (size_t)n);
		return;
	default:
		return;
	}
}

static int
write_file(const char *dir, const char *base, const struct buf *b)
{
	char path[1024];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, base);
	if (!b->exists)
		return unlink(path) == -1 && errno != ENOENT ? -1 : 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	n = b->len > 0 ? write(fd, b->p, b->len) : 0;
	close(fd);
	return n == (ssize_t)b->len ? 0 : -1;
}

void
cv_rewind(void)
{
	for (int i = 0; i < cv.nfiles; i++) {
		buf_copy(&cv.files[i].dur, &cv.files[i].init);
		cv.files[i].dpos = 0;
	}
	cv.built = cv.dsync = 0;
}

int
cv_image(size_t cut, enum cv_mode mode, int lie, uint64_t *rng, const char *dir)
{
	int i;

	if (cut < cv.built || cut > cv.nops) {
		errno = EINVAL;
		return -1;
	}
	cv.built = cut;
	/* The last directory sync before the cut. */
	while (cv.dsync < cv.ndirsyncs && cv.dirsyncs[cv.dsync] < cut)
		cv.dsync++;
	for (i = 0; i < cv.nfiles; i++) {
		struct tfile *f = &cv.files[i];
		size_t end = 0, sync = 0, j;
		int skip = lie;

		/* Its operations before the cut: idx[0..end); synced: up to
		 * and with the last sync among them, idx[0..sync). */
		while (end < f->nidx && f->idx[end] < cut)
			end++;
		for (j = end; j > 0; j--) {
			if (cv.ops[f->idx[j - 1]].kind == OP_SYNC && skip-- <= 0) {
				sync = j;
				break;
			}
		}
		for (; f->dpos < sync; f->dpos++)
			apply(&f->dur, &cv.ops[f->idx[f->dpos]], NULL);
		buf_copy(&f->img, &f->dur);
		for (j = sync; j < end; j++) {
			const struct op *o = &cv.ops[f->idx[j]];

			if (o->kind == OP_CREATE || (o->kind == OP_DELETE &&
			    (o->dirsync || (cv.dsync > 0 &&
			    cv.dirsyncs[cv.dsync - 1] > f->idx[j]))))
				apply(&f->img, o, NULL);
			else if (mode == CV_KEEP)
				apply(&f->img, o, NULL);
			else if (mode == CV_MIX)
				apply(&f->img, o, rng);
		}
		if (write_file(dir, f->base, &f->img) == -1)
			return -1;
	}
	return 0;
}

