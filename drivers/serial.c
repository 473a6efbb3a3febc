/*
 * Serial ports for card readers and RTU buses. Real ports go through
 * libserialport; pseudo-terminals (tests, the simulator, the demo) through
 * termios, since libserialport 0.1.1 refuses them. Both paths end in the same
 * raw, non-blocking fd.
 */
#include "serial.h"

#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "../common/util.h"

/* UNIX98 pty slaves (/dev/pts/N) have majors 136..143. */
#define PTY_SLAVE_MAJOR_MIN	136
#define PTY_SLAVE_MAJOR_MAX	143

struct serial_port {
	int		fd;
	struct sp_port	*sp;		/* NULL for a pty */
};

static bool
is_pty_slave(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && major(st->st_rdev) >= PTY_SLAVE_MAJOR_MIN &&
	    major(st->st_rdev) <= PTY_SLAVE_MAJOR_MAX;
}

static bool
baud_speed(int baud, speed_t *speed)
{
	static const struct { int baud; speed_t speed; } map[] = {
		{ 1200, B1200 }, { 2400, B2400 }, { 4800, B4800 },
		{ 9600, B9600 }, { 19200, B19200 }, { 38400, B38400 },
		{ 57600, B57600 }, { 115200, B115200 }, { 230400, B230400 },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].baud == baud) {
			*speed = map[i].speed;
			return true;
		}
	}
	return false;
}

static int
check_settings(const struct link_conf *conf, char *err, size_t errlen)
{
	speed_t speed;

	if (!baud_speed(conf->baud, &speed))
		snprintf(err, errlen, "%s: baud rate %d not supported", conf->path,
		    conf->baud);
	else if (conf->data_bits < 5 || conf->data_bits > 8)
		snprintf(err, errlen, "%s: %d data bits not supported", conf->path,
		    conf->data_bits);
	else if (conf->parity != 'N' && conf->parity != 'E' && conf->parity != 'O')
		snprintf(err, errlen, "%s: parity '%c' not supported", conf->path,
		    conf->parity ? conf->parity : '?');
	else if (conf->stop_bits != 1 && conf->stop_bits != 2)
		snprintf(err, errlen, "%s: %d stop bits not supported", conf->path,
		    conf->stop_bits);
	else
		return 0;
	return -1;
}

/*
 * VMIN=1 rather than 0: with O_NONBLOCK an empty port then reads as EAGAIN,
 * and a read of 0 means only that the line hung up (a USB reader unplugged).
 * With VMIN=0 both read as 0.
 */
static void
set_read_mode(struct termios *tio)
{
	tio->c_cc[VMIN] = 1;
	tio->c_cc[VTIME] = 0;
}

static int
open_pty(const struct link_conf *conf, const char *real, char *err, size_t errlen)
{
	static const tcflag_t csize[] = { CS5, CS6, CS7, CS8 };
	struct termios tio;
	struct stat st;
	speed_t speed;
	int fd;

	fd = open(real, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", conf->path, strerror(errno));
		return -1;
	}
	/* What was opened, not what the path named a moment ago. */
	if (fstat(fd, &st) < 0 || !is_pty_slave(&st)) {
		snprintf(err, errlen, "%s: changed while being opened", conf->path);
		goto out_close_fd;
	}
	if (tcgetattr(fd, &tio) < 0) {
		snprintf(err, errlen, "%s: cannot read settings: %s", conf->path,
		    strerror(errno));
		goto out_close_fd;
	}
	if (!baud_speed(conf->baud, &speed)) {	/* checked already */
		snprintf(err, errlen, "%s: baud rate %d not supported", conf->path,
		    conf->baud);
		goto out_close_fd;
	}
	cfmakeraw(&tio);
	cfsetispeed(&tio, speed);
	cfsetospeed(&tio, speed);
	tio.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
	tio.c_cflag |= CLOCAL | CREAD | csize[conf->data_bits - 5];
	if (conf->parity != 'N') {
		tio.c_cflag |= PARENB | (conf->parity == 'O' ? PARODD : 0);
		tio.c_iflag |= INPCK;	/* a parity error reads as NUL: a reject */
	}
	if (conf->stop_bits == 2)
		tio.c_cflag |= CSTOPB;
	set_read_mode(&tio);
	if (tcsetattr(fd, TCSANOW, &tio) < 0) {
		snprintf(err, errlen, "%s: cannot set line settings: %s", conf->path,
		    strerror(errno));
		goto out_close_fd;
	}
	tcflush(fd, TCIFLUSH);
	return fd;

out_close_fd:
	close(fd);
	return -1;
}

/* libserialport keeps the OS error for SP_ERR_FAIL only. */
static void
sp_error(const struct link_conf *conf, const char *what, enum sp_return ret,
    char *err, size_t errlen)
{
	char *msg;

	if (ret == SP_ERR_FAIL && (msg = sp_last_error_message()) != NULL) {
		snprintf(err, errlen, "%s: %s: %s", conf->path, what, msg);
		sp_free_error_message(msg);
	} else {
		snprintf(err, errlen, "%s: %s: %s", conf->path, what,
		    ret == SP_ERR_SUPP ? "not supported by the port" :
		    ret == SP_ERR_MEM ? "out of memory" : "invalid setting");
	}
}

static struct sp_port *
open_sp(const struct link_conf *conf, const char *real, int *fdp, char *err,
    size_t errlen)
{
	struct sp_port *sp;
	struct termios tio;
	enum sp_return ret;
	const char *what;
	int fd, flags;

	if ((ret = sp_get_port_by_name(real, &sp)) != SP_OK) {
		if (ret == SP_ERR_ARG)
			snprintf(err, errlen, "%s: not a serial port", conf->path);
		else
			sp_error(conf, "cannot look up", ret, err, errlen);
		return NULL;
	}
	if ((ret = sp_open(sp, SP_MODE_READ_WRITE)) != SP_OK) {
		sp_error(conf, "cannot open", ret, err, errlen);
		goto out_free_port;
	}
	what = "baud rate";
	if ((ret = sp_set_baudrate(sp, conf->baud)) != SP_OK)
		goto out_sp_setting;
	what = "data bits";
	if ((ret = sp_set_bits(sp, conf->data_bits)) != SP_OK)
		goto out_sp_setting;
	what = "parity";
	if ((ret = sp_set_parity(sp, conf->parity == 'E' ? SP_PARITY_EVEN :
	    conf->parity == 'O' ? SP_PARITY_ODD : SP_PARITY_NONE)) != SP_OK)
		goto out_sp_setting;
	what = "stop bits";
	if ((ret = sp_set_stopbits(sp, conf->stop_bits)) != SP_OK)
		goto out_sp_setting;
	what = "flow control";
	if ((ret = sp_set_flowcontrol(sp, SP_FLOWCONTROL_NONE)) != SP_OK)
		goto out_sp_setting;
	what = "handle";
	if ((ret = sp_get_port_handle(sp, &fd)) != SP_OK)
		goto out_sp_setting;

	/* The read mode and O_NONBLOCK are ours, whatever sp_open chose. */
	if (tcgetattr(fd, &tio) == 0) {
		set_read_mode(&tio);
		if (tcsetattr(fd, TCSANOW, &tio) < 0)
			goto out_errno;
	}
	if ((flags = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		goto out_errno;
	*fdp = fd;
	return sp;

out_errno:
	snprintf(err, errlen, "%s: cannot set line settings: %s", conf->path,
	    strerror(errno));
	goto out_sp_close;
out_sp_setting:
	sp_error(conf, what, ret, err, errlen);
out_sp_close:
	sp_close(sp);
out_free_port:
	sp_free_port(sp);
	return NULL;
}

struct serial_port *
serial_open(const struct link_conf *conf, char *err, size_t errlen)
{
	struct serial_port *port;
	char real[PATH_MAX];
	struct stat st;

	if (check_settings(conf, err, errlen) < 0)
		return NULL;
	if (realpath(conf->path, real) == NULL || stat(real, &st) < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", conf->path, strerror(errno));
		return NULL;
	}
	if (!S_ISCHR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a serial port (not a character device)",
		    conf->path);
		return NULL;
	}
	if ((port = calloc(1, sizeof(*port))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", conf->path);
		return NULL;
	}
	if (is_pty_slave(&st))
		port->fd = open_pty(conf, real, err, errlen);
	else if ((port->sp = open_sp(conf, real, &port->fd, err, errlen)) == NULL)
		port->fd = -1;
	if (port->fd < 0) {
		free(port);
		return NULL;
	}
	return port;
}

int
serial_fd(const struct serial_port *port)
{
	return port->fd;
}

bool
serial_is_pty(const struct serial_port *port)
{
	return port->sp == NULL;
}

void
serial_close(struct serial_port *port)
{
	if (port == NULL)
		return;
	if (port->sp != NULL) {
		sp_close(port->sp);
		sp_free_port(port->sp);
	} else {
		close(port->fd);
	}
	free(port);
}

int
serial_list(FILE *out)
{
	struct sp_port **ports;
	enum sp_return ret;
	const char *desc;
	int i, vid, pid;

	if ((ret = sp_list_ports(&ports)) != SP_OK) {
		char *msg = ret == SP_ERR_FAIL ? sp_last_error_message() : NULL;

		log_err("serial ports: cannot list: %s", msg ? msg : "libserialport error");
		if (msg != NULL)
			sp_free_error_message(msg);
		return -1;
	}
	for (i = 0; ports[i] != NULL; i++) {
		desc = sp_get_port_description(ports[i]);
		fprintf(out, "%s\t%s", sp_get_port_name(ports[i]), desc ? desc : "");
		if (sp_get_port_transport(ports[i]) == SP_TRANSPORT_USB &&
		    sp_get_port_usb_vid_pid(ports[i], &vid, &pid) == SP_OK)
			fprintf(out, "\tusb %04x:%04x", (unsigned)vid, (unsigned)pid);
		fputc('\n', out);
	}
	sp_free_port_list(ports);
	return i;
}
