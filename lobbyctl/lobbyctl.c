/*
 * lobbyctl: the front desk's, the guards' and engineering's view into lobbyd.
 * The command line read (cmdline.c), the one request it asks for built
 * (request.c), carried over the control socket by conn.c (control/ctl.h), and
 * the reply shown by show.c: a list that comes in pages, page by page.
 */
#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../control/ctl.h"
#include "format.h"
#include "lobbyctl_int.h"
#include "cmdline_int.h"

void
lobbyctl_vsay(const char *fmt, va_list ap)
{
	fputs("lobbyctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
lobbyctl_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lobbyctl_vsay(fmt, ap);
	va_end(ap);
}

int
lobbyctl_usage_error(void (*usage)(FILE *), const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lobbyctl_vsay(fmt, ap);
	va_end(ap);
	usage(stderr);
	return EXIT_USAGE;
}

int
lobbyctl_flushed(int rc)
{
	return fflush(stdout) == EOF && rc == 0 ? EXIT_REFUSED : rc;
}

/*
 * A list that comes in pages (control/ctl.h) is printed as each page
 * arrives, so a million cards never sit in lobbyctl's memory: a table keeps
 * the first page's columns (widened, as for --follow), JSON stays one array.
 * *reply is the first page's, and then each next one's.
 */
static int
show_paged(struct conn *conn, const struct cmd_def *c, struct json_object *req,
    struct json_object *args, struct json_object **reply, bool json)
{
	struct fmt_table *table = NULL;
	struct json_object *data, *more, *item;
	size_t rows = 0;
	int rc = 0;

	for (;;) {
		if (!json_object_object_get_ex(*reply, "data", &data) ||
		    !json_object_is_type(data, json_type_array)) {
			lobbyctl_say(_("bad reply from lobbyd: \"data\" is not a list"));
			rc = EXIT_REFUSED;
			break;
		}
		if (json) {
			for (size_t i = 0; i < json_object_array_length(data); i++) {
				item = json_object_array_get_idx(data, i);
				fputs(rows++ == 0 ? "[" : ",\n", stdout);
				fputs(json_object_to_json_string_ext(item,
				    JSON_C_TO_STRING_PLAIN |
				    JSON_C_TO_STRING_NOSLASHESCAPE), stdout);
			}
		} else if (table == NULL) {
			/* "all": further rows come as show_update() makes
			 * them, with every column (alerts: CLEARED too). */
			if ((rc = show_reply(c->what, false, true, true, data,
			    &table)) != 0)
				break;
		} else {
			for (size_t i = 0; i < json_object_array_length(data); i++)
				show_update(c->what, false, table,
				    json_object_array_get_idx(data, i));
		}
		if (!json_object_object_get_ex(*reply, "more", &more) ||
		    !json_object_is_type(more, json_type_string))
			break;
		json_object_object_add(args, "after",
		    json_object_new_string(json_object_get_string(more)));
		json_object_put(*reply);
		if ((rc = conn_request_page(conn, req, reply, &data)) != 0 ||
		    *reply == NULL)
			break;
	}
	if (json)
		puts(rows == 0 ? "[]" : "]");
	fmt_table_free(table);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	const struct cmd_def *c = NULL;
	const struct desk_cmd *dc = NULL;
	struct json_object *req, *args, *reply, *data;
	struct fmt_table *table = NULL;
	struct conn conn;
	const char *path;
	bool follow;
	int rc;

	/* Messages in the user's language; numbers, and so JSON, stay as C
	 * writes and reads them. LOBBYCTL_LOCALEDIR: catalogs not installed. */
	setlocale(LC_CTYPE, "");
	setlocale(LC_MESSAGES, "");
	bindtextdomain(LOBBYCTL_DOMAIN, getenv("LOBBYCTL_LOCALEDIR") != NULL ?
	    getenv("LOBBYCTL_LOCALEDIR") : LOCALEDIR);
	textdomain(LOBBYCTL_DOMAIN);

	/* [-s SOCKET] [--json] user ...: the first word after the options. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0) {
			i++;
			continue;
		}
		if (strcmp(argv[i], "--json") == 0 || strncmp(argv[i], "-s", 2) == 0)
			continue;
		if (strcmp(argv[i], "user") == 0)
			return users_main(argc, argv);
		if (strcmp(argv[i], "tenant") == 0)
			return tenants_main(argc, argv);
		break;
	}
	if ((rc = cmdline_parse(argc, argv, &o)) != 0)
		return rc;
	if ((rc = cmdline_find(&o, &c, &dc)) != 0)
		return rc;
	if (c->what == SHOW_DEVICES && (o.seen & O_CHECK))
		c = &cmdline_devices_check;
	if ((req = json_object_new_object()) == NULL ||
	    (args = json_object_new_object()) == NULL) {
		lobbyctl_say(_("out of memory"));
		return EXIT_REFUSED;
	}
	json_object_object_add(req, "cmd", json_object_new_string(c->cmd));
	json_object_object_add(req, "args", args);
	if ((rc = request_build_args(c, dc, &o, args)) != 0)
		goto out_put_req;

	path = conn_socket_path(o.socket);
	follow = (o.seen & O_FOLLOW) != 0;

	/* An export stops cleanly on SIGINT too: nothing half-written. */
	if ((rc = conn_open(&conn, path, follow ||
	    c->what == SHOW_EVENTS_EXPORT)) != 0)
		goto out_put_req;
	if (c->what == SHOW_CARD_IMPORT) {
		rc = card_import(&conn, o.pos[2], o.json);
		goto out_close_conn;
	}
	if (c->what == SHOW_EVENTS) {
		rc = events_list(&conn, req, o.json, follow);
		goto out_close_conn;
	}
	if (c->what == SHOW_EVENTS_EXPORT) {
		rc = events_export(&conn, req, (o.seen & O_OUT) ? o.out : NULL);
		goto out_close_conn;
	}
	if ((rc = conn_request(&conn, req, &reply, &data)) != 0 ||
	    reply == NULL)
		goto out_close_conn;
	if (json_object_object_get_ex(reply, "more", NULL) && dc == NULL) {
		rc = show_paged(&conn, c, req, args, &reply, o.json);
		json_object_put(reply);
		goto out_close_conn;
	}
	if (json_object_object_get_ex(reply, "more", NULL) &&
	    (rc = conn_gather_pages(&conn, req, args, reply, data)) != 0)
		goto out_put_reply;
	if (dc != NULL)
		rc = desk_show(dc, o.json, o.desk[DO_CSV] != NULL, data);
	else
		rc = show_reply(c->what, o.json, follow,
		    (o.seen & (O_ALL | O_FOLLOW)) != 0, data, &table);
	if (rc == 0 && follow)
		rc = conn_follow(&conn, c->what, o.json, table);

	fmt_table_free(table);
out_put_reply:
	json_object_put(reply);
out_close_conn:
	conn_close(&conn);
out_put_req:
	json_object_put(req);
	return lobbyctl_flushed(rc);
}
