/*
 * The simulators' pseudo-terminals: a pty pair whose slave a symlink names,
 * where lobbyd looks for a serial port, and that symlink's tidy removal.
 */
#ifndef LOBBYSIM_SIMPTY_H
#define LOBBYSIM_SIMPTY_H

#define SIM_PTY_PATH_MAX	512

/* One pseudo-terminal a simulator plays the device end of. */
struct sim_pty {
	int		master;		/* -1: not open */
	int		slave;		/* held open so the master never sees EIO */
	char		slave_name[64];
	char		link_path[SIM_PTY_PATH_MAX];	/* our symlink, "" if none */
};

/* Puts the slave's line in the mode the device would use; 0, or -1 with
 * errno. */
typedef int sim_pty_setup_fn(int fd, void *arg);

/*
 * Opens a pty pair, sets its slave up with setup (NULL: raw 8-bit at 19200
 * baud: no echo, no CR/LF mangling), and makes path a symlink to the slave.
 * An existing symlink is replaced; anything else at path is left alone and
 * refused. what names the pty in messages. 0, or -1 logged.
 */
int	sim_pty_open(struct sim_pty *, const char *what, const char *path,
	    sim_pty_setup_fn *setup, void *arg);
/* Closes the pair and removes the symlink if it still points at our slave. */
void	sim_pty_close(struct sim_pty *);

#endif
