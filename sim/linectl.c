/*
 * The line-based control socket of lobbysim and lobbybus: listen, accept,
 * per-client line buffers and one reply line per command; the one-shot
 * client of "lobbysim ctl" and "lobbybus ctl"; the signals that stop them.
 */
#include "linectl.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"

/* ---- server ---- */

void
linectl_init(struct linectl *lc, const struct linectl_conf *conf,
    linectl_fn *execute, void *arg)
{
	int i;

	memset(lc, 0, sizeof(*lc));
	lc->conf = conf;
	lc->execute = execute;
	lc->arg = arg;
	lc->lfd = -1;
	for (i = 0; i < LINECTL_MAX_CLIENTS; i++)
		lc->cl[i].fd = -1;
}

int
linectl_open(struct linectl *lc, const char *path)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (!str_copy(sun.sun_path, path, sizeof(sun.sun_path))) {
		log_err("%s: control socket path longer than %zu bytes", path,
		    sizeof(sun.sun_path) - 1);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_err("%s: exists and is not a socket; not replacing it",
			    path);
			return -1;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe != -1 && connect(probe, (struct sockaddr *)&sun,
		    sizeof(sun)) == 0) {
			close(probe);
			log_err("%s: another %s is listening here", path,
			    lc->conf->rival);
			return -1;
		}
		if (probe != -1)
			close(probe);
		unlink(path);
	}
	if ((lc->out = malloc(lc->conf->reply + 1)) == NULL) {
		log_err("%s: out of memory", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_err("%s: socket: %s", path, strerror(errno));
		goto out_free;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, lc->conf->clients) == -1 || stat(path, &st) == -1) {
		log_err("%s: bind: %s", path, strerror(errno));
		close(fd);
		goto out_free;
	}
	lc->lfd = fd;
	lc->ino = st.st_ino;
	str_copy(lc->path, path, sizeof(lc->path));
	return 0;

out_free:
	free(lc->out);
	lc->out = NULL;
	return -1;
}

static void
linectl_drop(struct linectl_client *c)
{
	close(c->fd);
	c->fd = -1;
}

void
linectl_close(struct linectl *lc)
{
	struct stat st;
	int i;

	for (i = 0; i < LINECTL_MAX_CLIENTS; i++)
		if (lc->cl[i].fd != -1)
			linectl_drop(&lc->cl[i]);
	free(lc->out);
	lc->out = NULL;
	if (lc->lfd == -1)
		return;
	close(lc->lfd);
	lc->lfd = -1;
	/* Only our own socket file: another may have taken the path. */
	if (lstat(lc->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_ino == lc->ino)
		unlink(lc->path);
}

void
linectl_accept(struct linectl *lc)
{
	static const char busy[] = "error too many control connections\n";
	int fd, i;

	while ((fd = accept4(lc->lfd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
		for (i = 0; i < lc->conf->clients; i++)
			if (lc->cl[i].fd == -1)
				break;
		if (i == lc->conf->clients) {
			(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL);
			close(fd);
			continue;
		}
		lc->cl[i].fd = fd;
		lc->cl[i].len = 0;
	}
}

/* Sends all of msg, or drops a client that cannot take it in time. */
static void
linectl_send(struct linectl *lc, struct linectl_client *c, const char *msg)
{
	size_t len = strlen(msg), off = 0;
	ssize_t n;
	struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };

	while (off < len) {
		n = send(c->fd, msg + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
		} else if (n == -1 && errno == EAGAIN &&
		    poll(&pfd, 1, lc->conf->send_wait_ms) == 1) {
			continue;
		} else if (n == -1 && errno == EINTR) {
			continue;
		} else {
			linectl_drop(c);
			return;
		}
	}
}

void
linectl_input(struct linectl *lc, struct linectl_client *c)
{
	size_t line = lc->conf->line, size = lc->conf->reply;
	char *nl, *out = lc->out;
	size_t linelen;
	ssize_t n;

	n = read(c->fd, c->buf + c->len, line - c->len);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		linectl_drop(c);
		return;
	}
	if (n == -1)
		return;
	c->len += (size_t)n;
	while (c->fd != -1 && (nl = memchr(c->buf, '\n', c->len)) != NULL) {
		*nl = '\0';
		linelen = (size_t)(nl - c->buf) + 1;
		if (strlen(c->buf) != linelen - 1)
			snprintf(out, size, "error NUL byte in command");
		else
			lc->execute(lc->arg, c->buf, out, size);
		strcat(out, "\n");
		linectl_send(lc, c, out);
		if (c->fd == -1)
			return;
		memmove(c->buf, c->buf + linelen, c->len - linelen);
		c->len -= linelen;
	}
	if (c->len == line) {
		snprintf(out, size + 1, "error command longer than %zu bytes\n",
		    line - 1);
		linectl_send(lc, c, out);
		if (c->fd != -1)
			linectl_drop(c);
	}
}

/* ---- client ---- */

int
linectl_client(const struct linectl_conf *conf, const char *path, int argc,
    char **argv)
{
	const char *prog = conf->prog;
	struct sockaddr_un sun;
	char line[LINECTL_MAX_LINE], *buf;
	size_t off = 0, len = 0, room = conf->reply + 2;
	struct pollfd pfd;
	int64_t deadline, left;
	ssize_t n;
	int fd, i, w, rc = 2;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (!str_copy(sun.sun_path, path, sizeof(sun.sun_path))) {
		fprintf(stderr, "%s: %s: socket path too long\n", prog, path);
		return 2;
	}
	for (i = 0; i < argc; i++) {
		w = snprintf(line + off, conf->line - off, "%s%s",
		    i > 0 ? " " : "", argv[i]);
		if (w < 0 || (size_t)w >= conf->line - off - 1) {
			fprintf(stderr, "%s: command longer than %zu bytes\n",
			    prog, conf->line - 2);
			return 1;
		}
		off += (size_t)w;
	}
	line[off++] = '\n';
	if ((buf = malloc(room)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 2;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "%s: cannot connect to %s: %s\n", prog, path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		goto out_free;
	}
	if (send(fd, line, off, MSG_NOSIGNAL) != (ssize_t)off) {
		fprintf(stderr, "%s: %s: send: %s\n", prog, path,
		    strerror(errno));
		goto out_close;
	}
	deadline = mono_ns() + conf->reply_wait_ms * NS_PER_MS;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (memchr(buf, '\n', len) == NULL) {
		left = (deadline - mono_ns()) / NS_PER_MS;
		if (left <= 0 || len >= room - 1 ||
		    poll(&pfd, 1, (int)left) <= 0) {
			fprintf(stderr, "%s: %s: no reply\n", prog, path);
			goto out_close;
		}
		n = read(fd, buf + len, room - 1 - len);
		if (n <= 0) {
			fprintf(stderr, "%s: %s: connection closed without "
			    "a reply\n", prog, path);
			goto out_close;
		}
		len += (size_t)n;
	}
	*(char *)memchr(buf, '\n', len) = '\0';
	printf("%s\n", buf);
	rc = strncmp(buf, "ok", 2) == 0 && (buf[2] == '\0' || buf[2] == ' ') ?
	    0 : 1;
out_close:
	close(fd);
out_free:
	free(buf);
	return rc;
}

/* ---- signals ---- */

int
linectl_signals(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	int fd;

	signal(SIGPIPE, SIG_IGN);
	fd = util_signalfd(sigs, sizeof(sigs) / sizeof(sigs[0]));
	if (fd == -1)
		log_err("signalfd: %s", strerror(errno));
	return fd;
}

bool
linectl_stopped(int sigfd, bool verbose)
{
	struct signalfd_siginfo si;

	if (read(sigfd, &si, sizeof(si)) != sizeof(si))
		return false;
	if (verbose)
		log_info("signal %u: stopping", si.ssi_signo);
	return true;
}
