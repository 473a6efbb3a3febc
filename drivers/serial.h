/*
 * Opening a serial port for a link: libserialport for real ports, plain
 * termios for pseudo-terminals (libserialport 0.1.1 refuses those), and a
 * listing of the ports present with their USB ids.
 */
#ifndef LOBBYD_SERIAL_H
#define LOBBYD_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../config/config.h"

struct serial_port;	/* opaque: the fd and, for a real port, its sp_port */

/*
 * Opens conf->path (a symlink is followed) in raw mode at conf's baud rate,
 * data bits, parity and stop bits, no flow control; the fd is non-blocking
 * and close-on-exec. Reads return -1/EAGAIN when nothing is waiting and 0
 * or -1/EIO once the port has gone away. Returns NULL with a message that
 * starts with the path in err ("/dev/ttyUSB3: cannot open: No such file or
 * directory"); does not log.
 */
struct serial_port *serial_open(const struct link_conf *, char *err, size_t errlen);
/* The fd to poll and read; owned by the port. */
int	serial_fd(const struct serial_port *);
/* True if the port is a pseudo-terminal, opened with termios. */
bool	serial_is_pty(const struct serial_port *);
void	serial_close(struct serial_port *);

/*
 * Writes one line per serial port the system has: name, description, and
 * "usb VID:PID" for a USB port, tab separated. Returns the number of ports,
 * or -1 if they cannot be listed (logged).
 */
int	serial_list(FILE *out);

#endif
