/*
 * lobbyctl's event log: "events" read page after page until --limit rows
 * are shown or lobbyd has no more, each page printed as it comes; "events
 * export", the log before a time written out as CSV and recorded in lobbyd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../common/util.h"
#include "format.h"
#include "lobbyctl_int.h"

/* The reply's cursor for the next page, or NULL on the last. */
static const char *
reply_more(struct json_object *reply)
{
	struct json_object *m;

	if (!json_object_object_get_ex(reply, "more", &m) || m == NULL ||
	    !json_object_is_type(m, json_type_string))
		return NULL;
	return json_object_get_string(m);
}

/* Sets args' "after" to the cursor (copied) and "limit" to n. */
static void
next_page(struct json_object *args, const char *more, int64_t n)
{
	json_object_object_add(args, "after", json_object_new_string(more));
	json_object_object_add(args, "limit", json_object_new_int64(n));
}

int
events_list(struct conn *c, struct json_object *req, bool json, bool follow)
{
	struct json_object *args, *reply, *data, *lim;
	struct show_pager pg;
	const char *more;
	int64_t want = 100;	/* lobbyd's default */
	int rc;

	if (json_object_object_get_ex(req, "args", &args) &&
	    json_object_object_get_ex(args, "limit", &lim))
		want = json_object_get_int64(lim);
	show_pager_init(&pg, SHOW_EVENTS, json, follow);
	for (;;) {
		if ((rc = conn_request(c, req, &reply, &data)) != 0)
			goto out;
		if (reply == NULL)	/* SIGINT or SIGTERM while waiting */
			goto out;
		if (!show_data_is_list(data)) {
			rc = EXIT_REFUSED;
			json_object_put(reply);
			goto out;
		}
		more = reply_more(reply);
		/* Never more than asked for: a follower shows the events that
		 * arrived meanwhile too, as it would once following. */
		rc = show_pager_add(&pg, data, follow ? SIZE_MAX :
		    (size_t)(want - (int64_t)pg.shown), more == NULL);
		if (rc == 0 && more != NULL && (follow ||
		    (int64_t)pg.shown < want))
			next_page(args, more, follow && (int64_t)pg.shown >= want ?
			    (int64_t)LIMIT_MAX : want - (int64_t)pg.shown);
		else
			more = NULL;
		json_object_put(reply);
		if (rc != 0 || more == NULL)
			break;
		if (fflush(stdout) == EOF) {
			rc = EXIT_REFUSED;
			goto out;
		}
	}
	if (rc == 0)
		rc = show_pager_end(&pg);
	if (rc == 0 && follow)
		rc = conn_follow(c, SHOW_EVENTS, json, pg.table);
out:
	fmt_table_free(pg.table);
	return rc;
}

/* ---- export ----------------------------------------------------------- */

static const char *const csv_cols[] = { "id", "time", "ts_ms", "kind", "lane",
    "device", "direction", "credential", "person", "decision", "reason",
    "reason_text", "actor", "detail" };
#define NCSV	(sizeof(csv_cols) / sizeof(csv_cols[0]))

/* One event as a CSV record (RFC 4180: CRLF ends it); -1 out of memory. */
static int
csv_event(FILE *f, struct json_object *ev)
{
	char t[FMT_TIME_ISO_LEN], num[3][24];
	const char *cell[NCSV];
	size_t i;

	snprintf(num[0], sizeof(num[0]), "%lld", (long long)show_jint(ev, "id"));
	fmt_time_iso(show_jint(ev, "ts_ms"), t, sizeof(t));
	snprintf(num[1], sizeof(num[1]), "%lld", (long long)show_jint(ev, "ts_ms"));
	if (show_jint(ev, "person") != 0)
		snprintf(num[2], sizeof(num[2]), "%lld",
		    (long long)show_jint(ev, "person"));
	else
		num[2][0] = '\0';
	cell[0] = num[0];
	cell[1] = t;
	cell[2] = num[1];
	for (i = 3; i < NCSV; i++)
		cell[i] = i == 8 ? num[2] : show_jstr(ev, csv_cols[i]);
	for (i = 0; i < NCSV; i++) {
		char *field = fmt_csv_field(cell[i]);

		if (field == NULL)
			return -1;
		fputs(field, f);
		fputs(i + 1 < NCSV ? "," : "\r\n", f);
		free(field);
	}
	return 0;
}

/* The file is complete on the disk, or why not. */
static int
out_finish(FILE *f, bool is_file, const char *name)
{
	if (fflush(f) == EOF || ferror(f) ||
	    (is_file && fsync(fileno(f)) == -1)) {
		lobbyctl_say(_("%s: cannot write: %s"), name, strerror(errno));
		return -1;
	}
	return 0;
}

/* The directory holding path made durable: a new name in it survives a
 * crash once this returns 0. */
static int
dir_sync(const char *path)
{
	char *dir = strdup(path), *slash;
	int fd, rc = -1;

	if (dir == NULL)
		return -1;
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		rc = fsync(fd);
		close(fd);
	}
	free(dir);
	return rc;
}

/*
 * The export goes to a file beside the one named, which takes its name
 * only once complete and on the disk (never over an existing file: it may
 * be an earlier export, all that is left of those events); only then is
 * it recorded in lobbyd, which lets retention delete what it holds.
 */
int
events_export(struct conn *c, struct json_object *req, const char *out)
{
	struct json_object *args, *reply, *data, *page, *pargs;
	int64_t since, until, upto, rows = 0;
	const char *name = out != NULL ? out : _("standard output");
	char t1[FMT_TIME_LEN], t2[FMT_TIME_LEN], tmp[4096] = "";
	FILE *f = stdout;
	int rc, fd;
	size_t i;

	if (out != NULL && access(out, F_OK) == 0) {
		lobbyctl_say(_("%s exists: an export is never written over "
		    "another file"), out);
		return EXIT_USAGE;
	}

	/* Where it starts and ends, and the newest event it may hold. */
	if ((rc = conn_request(c, req, &reply, &data)) != 0)
		return rc;
	if (reply == NULL) {
		lobbyctl_say(_("interrupted: nothing exported"));
		return EXIT_REFUSED;
	}
	if (!show_data_is_object(data)) {
		json_object_put(reply);
		return EXIT_REFUSED;
	}
	since = show_jint(data, "since_ms");
	until = show_jint(data, "until_ms");
	upto = show_jint(data, "upto_id");
	json_object_put(reply);

	if (out != NULL) {
		snprintf(tmp, sizeof(tmp), "%s.partXXXXXX", out);
		fd = mkostemp(tmp, O_CLOEXEC);
		if (fd == -1 || fchmod(fd, 0640) == -1 ||
		    (f = fdopen(fd, "w")) == NULL) {
			lobbyctl_say("%s: %s", fd == -1 ? out : tmp,
			    strerror(errno));
			if (fd != -1) {
				close(fd);
				unlink(tmp);
			}
			return EXIT_REFUSED;
		}
	}
	for (i = 0; i < NCSV; i++)
		fprintf(f, "%s%s", csv_cols[i], i + 1 < NCSV ? "," : "\r\n");

	if ((page = json_object_new_object()) == NULL ||
	    (pargs = json_object_new_object()) == NULL) {
		lobbyctl_say(_("out of memory"));
		json_object_put(page);
		rc = EXIT_REFUSED;
		goto out_unlink;
	}
	json_object_object_add(page, "cmd", json_object_new_string("events"));
	json_object_object_add(page, "args", pargs);
	json_object_object_add(pargs, "since_ms", json_object_new_int64(since));
	json_object_object_add(pargs, "until_ms", json_object_new_int64(until));
	if (upto > 0)
		json_object_object_add(pargs, "upto_id", json_object_new_int64(upto));
	json_object_object_add(pargs, "oldest", json_object_new_boolean(1));
	json_object_object_add(pargs, "limit", json_object_new_int64(LIMIT_MAX));
	for (;;) {
		const char *more;
		size_t n;

		if ((rc = conn_request(c, page, &reply, &data)) != 0 ||
		    reply == NULL) {
			if (rc == 0) {
				lobbyctl_say(_("interrupted: nothing exported"));
				rc = EXIT_REFUSED;
			}
			break;
		}
		if (!show_data_is_list(data)) {
			json_object_put(reply);
			rc = EXIT_REFUSED;
			break;
		}
		n = json_object_array_length(data);
		for (i = 0; i < n && rc == 0; i++) {
			if (csv_event(f, json_object_array_get_idx(data, i)) == -1) {
				lobbyctl_say(_("out of memory"));
				rc = EXIT_REFUSED;
			}
		}
		rows += (int64_t)n;
		more = reply_more(reply);
		if (more != NULL && rc == 0)
			next_page(pargs, more, LIMIT_MAX);
		json_object_put(reply);
		if (more == NULL || rc != 0)
			break;
		if (ferror(f)) {
			lobbyctl_say(_("%s: cannot write: %s"), name, strerror(errno));
			rc = EXIT_REFUSED;
			break;
		}
	}
	json_object_put(page);
	if (rc != 0 || out_finish(f, out != NULL, name) == -1) {
		rc = EXIT_REFUSED;
		goto out_unlink;
	}
	if (out != NULL) {
		rc = fclose(f);
		f = NULL;
		if (rc == EOF || link(tmp, out) == -1 || dir_sync(out) == -1) {
			lobbyctl_say("%s: %s", out, strerror(errno));
			rc = EXIT_REFUSED;
			goto out_unlink;
		}
		unlink(tmp);
	}

	/* Written out: now lobbyd may let retention delete them. */
	json_object_object_add(req, "cmd",
	    json_object_new_string("events.export.done"));
	if (!json_object_object_get_ex(req, "args", &args))
		return EXIT_REFUSED;
	json_object_object_add(args, "since_ms", json_object_new_int64(since));
	json_object_object_add(args, "until_ms", json_object_new_int64(until));
	json_object_object_add(args, "upto_id", json_object_new_int64(upto));
	json_object_object_add(args, "rows", json_object_new_int64(rows));
	if (out != NULL)
		json_object_object_add(args, "file", json_object_new_string(out));
	if ((rc = conn_request(c, req, &reply, &data)) != 0 || reply == NULL) {
		lobbyctl_say(_("%s holds the events, but lobbyd did not record "
		    "the export: retention keeps them until an export is "
		    "recorded"), name);
		return rc != 0 ? rc : EXIT_REFUSED;
	}
	json_object_put(reply);
	fmt_time(since, t1, sizeof(t1));
	fmt_time(until, t2, sizeof(t2));
	fprintf(out != NULL ? stdout : stderr, _("exported %lld events from %s "
	    "to %s into %s\n"), (long long)rows, since > 0 ? t1 : _("the start"),
	    t2, name);
	return 0;

out_unlink:
	if (out != NULL) {
		if (f != NULL)
			fclose(f);
		unlink(tmp);
	}
	return rc;
}
