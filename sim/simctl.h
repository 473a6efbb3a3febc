/*
 * lobbysim's control socket: a line-based Unix socket that takes orders
 * (cards, jams, mutes, passages), and "lobbysim ctl", its one-shot client.
 */
#ifndef LOBBYSIM_SIMCTL_H
#define LOBBYSIM_SIMCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>

#define SIM_CTL_MAX_CLIENTS	16
#define SIM_CTL_LINE		1024	/* longest command, with its newline */

struct sim;

struct sim_ctl_client {
	int	fd;		/* -1: free slot */
	char	buf[SIM_CTL_LINE];
	size_t	len;
};

struct sim_ctl {
	int		lfd;
	char		path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	ino_t		ino;		/* of our socket file, removed only if same */
	struct sim_ctl_client cl[SIM_CTL_MAX_CLIENTS];
	bool		quit;		/* stop the simulator: "quit" or a signal */
};

int	sim_ctl_open(struct sim_ctl *, const char *path);
void	sim_ctl_close(struct sim_ctl *);
void	sim_ctl_accept(struct sim_ctl *);
/* Reads from one client and answers every whole line it sent. */
void	sim_ctl_input(struct sim_ctl *, struct sim *, struct sim_ctl_client *);
/*
 * "lobbysim ctl": argv is SOCKET COMMAND [ARGS...] (argc >= 2). Prints the
 * reply; returns the exit status: 0 "ok", 1 an error, 2 no reply.
 */
int	sim_ctl_client(int argc, char **argv);

#endif
