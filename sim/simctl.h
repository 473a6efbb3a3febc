/*
 * lobbysim's control socket: a line-based Unix socket that takes orders
 * (cards, jams, mutes, passages), and "lobbysim ctl", its one-shot client.
 */
#ifndef LOBBYSIM_SIMCTL_H
#define LOBBYSIM_SIMCTL_H

#include <stdbool.h>

#include "linectl.h"

struct sim;

struct sim_ctl {
	struct linectl	lc;
	struct sim	*sim;
	bool		quit;		/* stop the simulator: "quit" or a signal */
};

int	sim_ctl_open(struct sim_ctl *, struct sim *, const char *path);
/*
 * "lobbysim ctl": argv is SOCKET COMMAND [ARGS...] (argc >= 2). Prints the
 * reply; returns the exit status: 0 "ok", 1 an error, 2 no reply.
 */
int	sim_ctl_client(int argc, char **argv);

#endif
