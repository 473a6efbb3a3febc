/*
 * The simulators' pseudo-terminals, lobbysim's readers and RTU buses and
 * lobbybus's master side: a pty pair with a symlink to its slave.
 */
#include "simpty.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "../common/util.h"

static int
pty_raw(int fd, void *arg)
{
	struct termios tio;

	(void)arg;
	if (tcgetattr(fd, &tio) == -1)
		return -1;
	cfmakeraw(&tio);
	cfsetispeed(&tio, B19200);
	cfsetospeed(&tio, B19200);
	return tcsetattr(fd, TCSANOW, &tio);
}

int
sim_pty_open(struct sim_pty *p, const char *what, const char *path,
    sim_pty_setup_fn *setup, void *arg)
{
	struct stat st;
	char name[64];
	int fl;

	p->master = p->slave = -1;
	p->link_path[0] = '\0';
	if (lstat(path, &st) == 0) {
		if (!S_ISLNK(st.st_mode)) {
			log_err("%s: %s exists and is not a symlink; "
			    "not replacing it", what, path);
			return -1;
		}
		if (unlink(path) == -1) {
			log_err("%s: %s: cannot remove old symlink: %s", what,
			    path, strerror(errno));
			return -1;
		}
	} else if (errno != ENOENT) {
		log_err("%s: %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (openpty(&p->master, &p->slave, name, NULL, NULL) == -1) {
		log_err("%s: openpty: %s", what, strerror(errno));
		p->master = p->slave = -1;
		return -1;
	}
	str_copy(p->slave_name, name, sizeof(p->slave_name));
	if ((setup != NULL ? setup : pty_raw)(p->slave, arg) == -1)
		goto out_close;
	fl = fcntl(p->master, F_GETFL);
	if (fl == -1 || fcntl(p->master, F_SETFL, fl | O_NONBLOCK) == -1)
		goto out_close;
	if (fcntl(p->master, F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(p->slave, F_SETFD, FD_CLOEXEC) == -1)
		goto out_close;
	if (symlink(p->slave_name, path) == -1) {
		log_err("%s: symlink %s -> %s: %s", what, path, p->slave_name,
		    strerror(errno));
		goto out_close_quiet;
	}
	str_copy(p->link_path, path, sizeof(p->link_path));
	return 0;

out_close:
	log_err("%s: pty %s: %s", what, p->slave_name, strerror(errno));
out_close_quiet:
	close(p->master);
	close(p->slave);
	p->master = p->slave = -1;
	return -1;
}

void
sim_pty_close(struct sim_pty *p)
{
	char target[sizeof(p->slave_name)];
	ssize_t n;

	if (p->link_path[0] != '\0') {
		n = readlink(p->link_path, target, sizeof(target) - 1);
		if (n >= 0) {
			target[n] = '\0';
			if (strcmp(target, p->slave_name) == 0)
				unlink(p->link_path);
		}
		p->link_path[0] = '\0';
	}
	if (p->master != -1)
		close(p->master);
	if (p->slave != -1)
		close(p->slave);
	p->master = p->slave = -1;
}
