/*
 * Power loss: lobbyd's store (db/store.c and the rest of db/, the real schema
 * and PRAGMAs) runs a workload of operators' actions and batched events over
 * the power-cut VFS (crashvfs.c), which records every write and sync. Then, at
 * POWER_CUTS random points of that record (1000), the files are rebuilt as a
 * power cut there would leave them, and each image must open with
 * store_open(), pass PRAGMA integrity_check, and hold every action whose
 * store_run() had returned before the cut, exactly once and whole; an action
 * under way at the cut is there at most once, one not begun is not there;
 * the batched events are a prefix of those queued, holding every one queued
 * before an acknowledged action. Last, the test's own test: with a disk that
 * loses the last sync, acknowledged actions must be found missing.
 *
 * POWER_SEED (1; 0: one from the clock) picks the workload and the cuts,
 * POWER_ACTIONS (300) sizes the workload.
 */
#include <stdarg.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "crashvfs.h"
#include "desk_support.h"

enum akind { A_CARD_PUT, A_CARD_DEL, A_TICKET, A_VISITOR, A_SHIFT, A_EVSYNC,
	A_ALERT, A_FIRE, A_NKINDS };
static const char *const akind_name[A_NKINDS] = { "card put", "card remove",
	"ticket", "visitor", "shift note", "event", "alert", "fire mode" };

struct action {
	enum akind	kind;
	char		key[40];	/* uid, title, name, text, detail, message */
	int64_t		val;		/* fire: since_ms; event: ts_ms */
	size_t		begin, done;	/* cv_nops() before and after store_run */
	int64_t		queued;		/* batched events queued before it */
};

#define RUNS	3			/* the workload opens and closes the store so often */

static struct action *acts;
static size_t nacts;
static int64_t nqueued;

static const char *
env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : dflt;
}

/* Runs one action on the store and records it. */
static void
act(struct store *s, struct action *a, uint64_t *rng, int i)
{
	struct store_req r = mkreq(STORE_CARD_PUT);
	char code[32];

	switch (a->kind) {
	case A_CARD_PUT:
		snprintf(a->key, sizeof(a->key), "C%08X", i);
		str_copy(r.in.card.uid, a->key, sizeof(r.in.card.uid));
		str_copy(r.in.card.holder, "Holder", sizeof(r.in.card.holder));
		r.in.card.enabled = true;
		break;
	case A_CARD_DEL:
		r = mkreq(STORE_CARD_DEL);
		str_copy(r.in.key, a->key, sizeof(r.in.key));
		break;
	case A_TICKET:
		r = mkreq(STORE_TICKET_OPEN);
		snprintf(a->key, sizeof(a->key), "ticket %d", i);
		str_copy(r.in.ticket.rec.source, "site", sizeof(r.in.ticket.rec.source));
		str_copy(r.in.ticket.rec.title, a->key, sizeof(r.in.ticket.rec.title));
		str_copy(r.in.ticket.rec.urgency, "normal", sizeof(r.in.ticket.rec.urgency));
		str_copy(r.in.ticket.actor, "desk1", sizeof(r.in.ticket.actor));
		r.in.ticket.ts_ms = NOW + i;
		break;
	case A_VISITOR:
		r = dreq(DESK_REGISTER);
		snprintf(a->key, sizeof(a->key), "visitor %d", i);
		snprintf(code, sizeof(code), "VP-%08d", i);
		r.in.desk.person = mkperson("visitor", a->key, NOW + i);
		r.in.desk.pass = mkpass(0, code, "active", NOW + i, 0);
		str_copy(r.in.desk.pass.vclass, "ordinary", sizeof(r.in.desk.pass.vclass));
		str_copy(r.in.desk.pass.purpose, "meeting", sizeof(r.in.desk.pass.purpose));
		break;
	case A_SHIFT:
		r = dreq(DESK_SHIFT_ADD);
		snprintf(a->key, sizeof(a->key), "note %d", i);
		r.in.desk.shift.ts_ms = NOW + i;
		str_copy(r.in.desk.shift.actor, "desk1", sizeof(r.in.desk.shift.actor));
		str_copy(r.in.desk.shift.kind, "note", sizeof(r.in.desk.shift.kind));
		str_copy(r.in.desk.shift.text, a->key, sizeof(r.in.desk.shift.text));
		break;
	case A_EVSYNC:
		r = mkreq(STORE_EVENT_SYNC);
		snprintf(a->key, sizeof(a->key), "sync %d", i);
		a->val = NOW + i;
		r.in.event = mkev(a->val, "card_added", "", a->key);
		break;
	case A_ALERT:
		r = mkreq(STORE_ALERT_RAISE);
		snprintf(a->key, sizeof(a->key), "alert %d", i);
		r.in.alert.raised_ms = NOW + i;
		str_copy(r.in.alert.source, "ts1", sizeof(r.in.alert.source));
		str_copy(r.in.alert.kind, "offline", sizeof(r.in.alert.kind));
		str_copy(r.in.alert.severity, "urgent", sizeof(r.in.alert.severity));
		str_copy(r.in.alert.message, a->key, sizeof(r.in.alert.message));
		break;
	case A_FIRE:
		r = mkreq(STORE_FIRE_PUT);
		a->val = NOW + i;
		r.in.fire.active = cv_rand(rng) % 2 == 0;
		r.in.fire.since_ms = a->val;
		str_copy(r.in.fire.source, "fire-panel", sizeof(r.in.fire.source));
		break;
	default:
		break;
	}
	a->queued = nqueued;
	a->begin = cv_nops();
	CHECK_ROW(store_run(s, &r) == 0, "%s %s: %s", akind_name[a->kind],
	    a->key, r.error);
	a->done = cv_nops();
	store_req_free(&r);
}

/* The workload: RUNS times lobbyd's store opened, actions and events, closed. */
static void
workload(const char *path, int total, uint64_t *rng)
{
	char err[256];
	struct store *s;
	int i = 0;

	acts = calloc((size_t)total, sizeof(*acts));
	if (acts == NULL)
		abort();
	for (int run = 0; run < RUNS; run++) {
		if ((s = store_open(path, 5, err, sizeof(err))) == NULL) {
			CHECK_ROW(false, "store_open: %s", err);
			return;
		}
		for (; i < total * (run + 1) / RUNS; i++) {
			struct action *a = &acts[nacts];
			int nev = (int)(cv_rand(rng) % 12);

			/* Device events, committed in batches, acknowledged to
			 * nobody; their ts_ms is their number, from 1. */
			for (int k = 0; k < nev; k++) {
				struct ev_rec ev = mkev(++nqueued, "passage", "lane1",
				    "a passage event, long enough to fill a page or "
				    "two of the write-ahead log");

				store_event_add(s, &ev);
			}
			a->kind = (enum akind)(cv_rand(rng) % A_NKINDS);
			if (a->kind == A_CARD_DEL) {
				/* Remove a card put earlier, if any. */
				size_t j = nacts > 0 ? cv_rand(rng) % nacts : 0;

				if (nacts == 0 || acts[j].kind != A_CARD_PUT)
					a->kind = A_CARD_PUT;
				else
					str_copy(a->key, acts[j].key, sizeof(a->key));
			}
			act(s, a, rng, i);
			nacts++;
		}
		store_close(s);
	}
}

/* An action's fate at a cut: done, under way, or not begun. */
enum fate { F_DONE, F_UNDER_WAY, F_NOT_BEGUN };

static enum fate
fate(const struct action *a, size_t cut)
{
	if (a->done <= cut)
		return F_DONE;
	return a->begin < cut ? F_UNDER_WAY : F_NOT_BEGUN;
}

/* The statements of one image's checks, made once each (by their text). */
static struct {
	const char	*sql;
	sqlite3_stmt	*st;
} qcache[16];

static void
q_finalize(void)
{
	for (size_t i = 0; i < sizeof(qcache) / sizeof(qcache[0]); i++) {
		sqlite3_finalize(qcache[i].st);
		qcache[i].sql = NULL;
		qcache[i].st = NULL;
	}
}

/* The integer the query gives with key bound as ?1 (and num as ?2, if it
 * has one); -1 on error. */
static int64_t
q_num(sqlite3 *db, const char *sql, const char *key, int64_t num)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	size_t i;

	for (i = 0; i < sizeof(qcache) / sizeof(qcache[0]); i++) {
		if (qcache[i].sql == sql) {
			st = qcache[i].st;
			break;
		}
		if (qcache[i].sql == NULL) {
			if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
				return -1;
			qcache[i].sql = sql;
			qcache[i].st = st;
			break;
		}
	}
	if (st == NULL)
		abort();	/* more statements than qcache holds */
	if (key != NULL)
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) > 1)
		sqlite3_bind_int64(st, 2, num);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

static int64_t
q_int(sqlite3 *db, const char *sql, const char *key)
{
	return q_num(db, sql, key, 0);
}

/* Adds a problem line to out (the first few are kept). */
static int
problem(char *out, size_t size, int n, const char *fmt, ...)
{
	size_t len = strlen(out);
	va_list ap;

	if (n < 4 && len + 2 < size) {
		va_start(ap, fmt);
		if (len > 0)
			out[len++] = ';', out[len++] = ' ', out[len] = '\0';
		vsnprintf(out + len, size - len, fmt, ap);
		va_end(ap);
	}
	return n + 1;
}

/* How many rows the action left, or -2 when they are not whole. */
static int64_t
rows_of(sqlite3 *db, const struct action *a)
{
	int64_t n, m;

	switch (a->kind) {
	case A_CARD_PUT:
	case A_CARD_DEL:
		return q_int(db, "SELECT count(*) FROM cards WHERE uid = ?1", a->key);
	case A_TICKET:
		n = q_int(db, "SELECT count(*) FROM tickets WHERE title = ?1", a->key);
		m = q_int(db, "SELECT count(*) FROM tickets t JOIN ticket_notes n ON "
		    "n.ticket = t.id AND n.action = 'opened' WHERE t.title = ?1", a->key);
		return n == m ? n : -2;
	case A_VISITOR:
		n = q_int(db, "SELECT count(*) FROM people WHERE name = ?1", a->key);
		m = q_int(db, "SELECT count(*) FROM people p JOIN passes s ON "
		    "s.person = p.id WHERE p.name = ?1", a->key);
		return n == m ? n : -2;
	case A_SHIFT:
		return q_int(db, "SELECT count(*) FROM shift_log WHERE text = ?1", a->key);
	case A_EVSYNC:
		/* By its time (indexed), which is its own. */
		return q_num(db, "SELECT count(*) FROM events WHERE ts_ms = ?2 AND "
		    "detail = ?1", a->key, a->val);
	case A_ALERT:
		return q_int(db, "SELECT count(*) FROM alerts WHERE message = ?1", a->key);
	default:
		return -1;
	}
}

/*
 * Checks the image at path against the actions' fates at cut. 0 when it
 * holds, else the number of problems, the first few in why.
 */
static int
check_image(const char *path, size_t cut, char *why, size_t whysize)
{
	char err[256], uid_state[64];
	struct store *s;
	sqlite3 *db = NULL;
	int64_t fire_done = -1, fire_under = -1, fire_now, nbatch, maxbatch;
	int64_t need_batch = 0;
	int bad = 0;

	why[0] = '\0';
	/* lobbyd starts on it (recovery, migrations)... */
	if ((s = store_open(path, 5, err, sizeof(err))) == NULL)
		return problem(why, whysize, bad, "store_open: %s", err);
	/* ...and it is whole. */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		bad = problem(why, whysize, bad, "open: %s", sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_busy_timeout(db, 2000);
	/* One read transaction for every check: one snapshot, one lock. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		bad = problem(why, whysize, bad, "begin: %s", sqlite3_errmsg(db));
		goto out;
	}
	{
		sqlite3_stmt *st;
		const unsigned char *t;

		if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st,
		    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
		    (t = sqlite3_column_text(st, 0)) == NULL ||
		    strcmp((const char *)t, "ok") != 0)
			bad = problem(why, whysize, bad, "integrity_check: %s",
			    sqlite3_errmsg(db));
		sqlite3_finalize(st);
	}
	for (size_t i = 0; i < nacts; i++) {
		const struct action *a = &acts[i];
		enum fate f = fate(a, cut);
		int64_t n;

		if (f == F_DONE && a->queued > need_batch)
			need_batch = a->queued;
		if (a->kind == A_FIRE) {
			if (f == F_DONE)
				fire_done = a->val, fire_under = -1;
			else if (f == F_UNDER_WAY)
				fire_under = a->val;
			continue;
		}
		if (a->kind == A_CARD_PUT || a->kind == A_CARD_DEL) {
			/* A card's later put or removal decides; see below. */
			continue;
		}
		n = rows_of(db, a);
		if (n < 0 || (f == F_DONE && n != 1) || (f == F_UNDER_WAY && n > 1) ||
		    (f == F_NOT_BEGUN && n != 0))
			bad = problem(why, whysize, bad, "%s \"%s\" (%s): %lld rows%s",
			    akind_name[a->kind], a->key, f == F_DONE ? "acknowledged" :
			    f == F_UNDER_WAY ? "under way" : "not begun", (long long)n,
			    n == -2 ? " not whole" : "");
	}
	/* Each card: its last acknowledged put or removal decides, unless a
	 * later one was under way. */
	for (size_t i = 0; i < nacts; i++) {
		const struct action *a = &acts[i];
		int want = 0;		/* 0 absent, 1 present, 2 either */
		int64_t n;

		if (a->kind != A_CARD_PUT)
			continue;
		for (size_t j = i; j < nacts; j++) {
			const struct action *b = &acts[j];
			enum fate f;

			if ((b->kind != A_CARD_PUT && b->kind != A_CARD_DEL) ||
			    strcmp(b->key, a->key) != 0)
				continue;
			if ((f = fate(b, cut)) == F_NOT_BEGUN)
				break;
			want = f == F_UNDER_WAY ? 2 : b->kind == A_CARD_PUT;
		}
		n = rows_of(db, a);
		snprintf(uid_state, sizeof(uid_state), "%s", want == 2 ? "either" :
		    want ? "present" : "absent");
		if (n < 0 || n > 1 || (want != 2 && n != want))
			bad = problem(why, whysize, bad, "card %s (%s): %lld rows",
			    a->key, uid_state, (long long)n);
	}
	fire_now = q_int(db, "SELECT coalesce((SELECT since_ms FROM fire_mode), 0)",
	    NULL);
	if (fire_now != (fire_done < 0 ? 0 : fire_done) &&
	    (fire_under < 0 || fire_now != fire_under))
		bad = problem(why, whysize, bad, "fire mode since %lld, want %lld",
		    (long long)fire_now, (long long)fire_done);
	/* The batches: in order, none lost that came before an acknowledged
	 * request. */
	nbatch = q_int(db, "SELECT count(*) FROM events WHERE kind = 'passage'", NULL);
	maxbatch = q_int(db, "SELECT coalesce(max(ts_ms), 0) FROM events "
	    "WHERE kind = 'passage'", NULL);
	if (nbatch != maxbatch || nbatch < need_batch)
		bad = problem(why, whysize, bad, "%lld batched events up to %lld, "
		    "want a prefix of at least %lld", (long long)nbatch,
		    (long long)maxbatch, (long long)need_batch);
	q_finalize();
	(void)sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
out:
	q_finalize();
	sqlite3_close(db);
	store_close(s);
	return bad;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static void
clear_img(const char *img)
{
	char p[600];

	snprintf(p, sizeof(p), "%s-shm", img);
	unlink(p);
}

int
main(void)
{
	char base[] = "/dev/shm/lobbyd-power-XXXXXX", tmpl[] = "/tmp/lobbyd-power-XXXXXX";
	char run[300], img[300], dbpath[320], imgdb[320], why[600];
	uint64_t seed = strtoull(env_or("POWER_SEED", "1"), NULL, 10);
	long ncuts = strtol(env_or("POWER_CUTS", "1000"), NULL, 10);
	int total = (int)strtol(env_or("POWER_ACTIONS", "300"), NULL, 10);
	uint64_t rng;
	size_t *cuts, nops, caught = 0, lie_cuts = 0;
	int64_t t0 = mono_ns();
	long failed = 0, modes[3] = { 0, 0, 0 };
	char *dir;

	if (seed == 0)
		seed = (uint64_t)real_ms() % 1000000007;
	rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	if (ncuts < 1 || total < RUNS) {
		fprintf(stderr, "POWER_CUTS and POWER_ACTIONS must be positive\n");
		return 2;
	}
	/* tmpfs if there is one: the images are written a thousand times. */
	if ((dir = mkdtemp(base)) == NULL && (dir = mkdtemp(tmpl)) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(run, sizeof(run), "%s/run", dir);
	snprintf(img, sizeof(img), "%s/img", dir);
	snprintf(dbpath, sizeof(dbpath), "%s/lobbyd.db", run);
	snprintf(imgdb, sizeof(imgdb), "%s/lobbyd.db", img);
	if (mkdir(run, 0700) == -1 || mkdir(img, 0700) == -1) {
		perror(dir);
		return 1;
	}
	snprintf(why, sizeof(why), "%s/", run);
	if (cv_register(why) == -1)
		return 1;
	log_init("test_powerloss", false);

	cv_record(true);
	workload(dbpath, total, &rng);
	cv_record(false);
	nops = cv_nops();
	printf("seed %llu; workload: %zu actions, %lld batched events, %zu writes and syncs "
	    "recorded (%zu syncs), %.1f s\n", (unsigned long long)seed, nacts, (long long)nqueued, nops,
	    cv_nsyncs(), (double)(mono_ns() - t0) / 1e9);

	/* The cuts, in order: anywhere in the record. */
	if ((cuts = calloc((size_t)ncuts, sizeof(*cuts))) == NULL)
		abort();
	for (long i = 0; i < ncuts; i++)
		cuts[i] = (size_t)(cv_rand(&rng) % (nops + 1));
	qsort(cuts, (size_t)ncuts, sizeof(*cuts), cmp_size);
	for (long i = 0; i < ncuts; i++) {
		enum cv_mode mode = (enum cv_mode)(cv_rand(&rng) % 3);
		int bad;

		modes[mode]++;
		if (cv_image(cuts[i], mode, 0, &rng, img) == -1) {
			CHECK_ROW(false, "cut %zu: writing the image: %s", cuts[i],
			    strerror(errno));
			break;
		}
		clear_img(imgdb);
		bad = check_image(imgdb, cuts[i], why, sizeof(why));
		CHECK_ROW(bad == 0, "cut %zu of %zu (%s): %d problems: %s", cuts[i],
		    nops, mode == CV_DROP ? "unsynced dropped" : mode == CV_KEEP ?
		    "unsynced kept" : "unsynced mixed and torn", bad, why);
		failed += bad != 0;
	}
	printf("%ld cuts (%ld unsynced dropped, %ld kept, %ld mixed and torn): "
	    "%ld failed, %.1f s\n", ncuts, modes[CV_DROP], modes[CV_KEEP],
	    modes[CV_MIX], failed, (double)(mono_ns() - t0) / 1e9);

	/* The test's own test: a disk that loses each file's last sync must
	 * lose acknowledged actions, and this test must see it. Cut right
	 * after actions were acknowledged. */
	cv_rewind();
	for (size_t i = 0; i < nacts; i += nacts / 50 + 1) {
		if (cv_image(acts[i].done, CV_DROP, 1, &rng, img) == -1)
			break;
		clear_img(imgdb);
		lie_cuts++;
		caught += check_image(imgdb, acts[i].done, why, sizeof(why)) != 0;
	}
	printf("a disk losing the last sync: %zu of %zu cuts seen to lose "
	    "acknowledged actions\n", caught, lie_cuts);
	CHECK(caught > lie_cuts / 2);

	free(cuts);
	rm_dir(img);
	rm_dir(run);
	if (rmdir(dir) == -1)
		perror(dir);
	printf("%.1f s in all\n", (double)(mono_ns() - t0) / 1e9);
	return harness_done("test_powerloss");
}
