/*
 * lobbyweb's requests to lobbyd: one connection per request, so that no
 * browser waits behind another's, each line a JSON request with the web
 * user's "as"; the pages of a long list are gathered (control/ctl.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "web.h"
#include "../control/ctl.h"
#include "../common/util.h"

#define CTL_WAIT_MS	10000	/* lobbyd answers in this, or is called stuck */
#define CTL_PAGE_MS	3000	/* a page that fills slowly goes back unfilled */

static int
ctl_connect(const char *sock, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "lobbyd (%s): %s", sock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* One line from fd into *line (malloc'd, without its newline): 0 or -1. */
static int
read_line(int fd, char **line, char *err, size_t errlen)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);

	if (buf == NULL)
		goto out_nomem;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, CTL_WAIT_MS) <= 0) {
			snprintf(err, errlen, "lobbyd did not answer in %d s",
			    CTL_WAIT_MS / 1000);
			goto out_free;
		}
		if (len + 4096 > cap) {
			char *nb;

			if (cap >= CTL_REPLY_MAX + 4096u) {
				snprintf(err, errlen, "lobbyd's reply is too long");
				goto out_free;
			}
			if ((nb = realloc(buf, cap * 2)) == NULL)
				goto out_nomem;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "lobbyd closed the connection");
			goto out_free;
		}
		len += (size_t)n;
		buf[len] = '\0';
		if (memchr(buf + len - n, '\n', (size_t)n) != NULL) {
			*strchr(buf, '\n') = '\0';
			*line = buf;
			return 0;
		}
	}
out_nomem:
	snprintf(err, errlen, "out of memory");
out_free:
	free(buf);
	return -1;
}

/* One request and its reply on fd: 0 with *reply, or -1. */
static int
exchange(int fd, json_object *req, json_object **reply, char *err, size_t errlen)
{
	const char *s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(s), off = 0;
	char *line;

	while (off < len) {
		ssize_t n = send(fd, s + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "lobbyd: %s", strerror(errno));
			return -1;
		}
		off += (size_t)n;
	}
	if (send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
		snprintf(err, errlen, "lobbyd: %s", strerror(errno));
		return -1;
	}
	if (read_line(fd, &line, err, errlen) == -1)
		return -1;
	*reply = json_tokener_parse(line);
	free(line);
	if (*reply == NULL || !json_object_is_type(*reply, json_type_object)) {
		json_object_put(*reply);
		snprintf(err, errlen, "lobbyd's reply is not JSON");
		return -1;
	}
	return 0;
}

/*
 * The request, asked again with "after" while lobbyd says there is "more":
 * every page gathered (want 0), or until want rows came or CTL_PAGE_MS went
 * by (a find's pages may hold fewer; control/ctl.h); *more the cursor to go
 * on from ("" when the list is done).
 */
static int
call(const char *sock, const char *cmd, json_object *args, const char *as_user,
    const char *as_role, int want, json_object **data, char *more_out,
    size_t morelen, char *err, size_t errlen)
{
	json_object *req = json_object_new_object(), *reply = NULL, *v, *more;
	json_object *all = NULL, *a;
	int64_t t0 = mono_ns();
	int fd, rc = -1;
	size_t have = 0;

	*data = NULL;
	if (more_out != NULL)
		more_out[0] = '\0';
	if ((fd = ctl_connect(sock, err, errlen)) < 0) {
		json_object_put(req);
		json_object_put(args);
		return -1;
	}
	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	json_object_object_add(req, "args", args ? args : json_object_new_object());
	json_object_object_get_ex(req, "args", &a);
	if (as_user != NULL) {
		json_object *as = json_object_new_object();

		json_object_object_add(as, "user", json_object_new_string(as_user));
		json_object_object_add(as, "role", json_object_new_string(as_role));
		json_object_object_add(req, "as", as);
	}
	for (;;) {
		if (want > 0)
			json_object_object_add(a, "limit",
			    json_object_new_int(want - (int)have));
		if (exchange(fd, req, &reply, err, errlen) == -1)
			goto out;
		if (!json_object_object_get_ex(reply, "ok", &v) ||
		    !json_object_get_boolean(v)) {
			snprintf(err, errlen, "%s",
			    json_object_object_get_ex(reply, "error", &v) ?
			    json_object_get_string(v) : "lobbyd said no");
			goto out;
		}
		json_object_object_get_ex(reply, "data", &v);
		if (all == NULL) {
			all = json_object_get(v);
		} else {
			for (size_t i = 0; i < json_object_array_length(v); i++)
				json_object_array_add(all, json_object_get(
				    json_object_array_get_idx(v, i)));
		}
		if (!json_object_object_get_ex(reply, "more", &more) ||
		    !json_object_is_type(all, json_type_array))
			break;
		have = json_object_array_length(all);
		if (want > 0 && ((int)have >= want ||
		    mono_ns() - t0 >= (int64_t)CTL_PAGE_MS * NS_PER_MS)) {
			if (more_out != NULL)
				snprintf(more_out, morelen, "%s",
				    json_object_get_string(more));
			break;
		}
		json_object_object_add(a, "after", json_object_get(more));
		json_object_put(reply);
		reply = NULL;
	}
	*data = all;
	all = NULL;
	rc = 0;
out:
	json_object_put(all);
	json_object_put(reply);
	json_object_put(req);
	close(fd);
	return rc;
}

int
ctl_call(const char *sock, const char *cmd, json_object *args,
    const char *as_user, const char *as_role, json_object **data, char *err,
    size_t errlen)
{
	return call(sock, cmd, args, as_user, as_role, 0, data, NULL, 0, err,
	    errlen);
}

int
ctl_page(const char *sock, const char *cmd, json_object *args, int want,
    const char *as_user, const char *as_role, json_object **data, char *more,
    size_t morelen, char *err, size_t errlen)
{
	return call(sock, cmd, args, as_user, as_role, want, data, more, morelen,
	    err, errlen);
}
