/*
 * What the tests that drive the engine itself share (test_lane_tbl,
 * tests/fuzz/fuzz_ctl.c): a small tower's site, the engine opened on a real
 * store in a directory of the test's (engine_open: no loop, no workers),
 * each link's worker played by the test through a socketpair, and a
 * control client on the real control server.
 */
#ifndef LOBBYD_ENGINE_SUPPORT_H
#define LOBBYD_ENGINE_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "../../engine/engine.h"

/* The site, its files in dir (made if missing): 0, or -1 (said on stderr). */
int	est_site_load(const char *dir);
/* The engine on that site's database (made if missing), its links' workers
 * connected to the test: NULL (said on stderr) when it does not open. */
struct engine *est_open(void);
/* Closes the control server and client (if open), then the engine. */
void	est_close(void);
/* The two in one for a test of one engine: the site in a directory of its
 * own under $TMPDIR (name and the pid), and the engine opened on it: NULL
 * (said on stderr) when either fails. est_finish() closes it and removes
 * the directory with its files. */
struct engine *est_start(const char *name);
void	est_finish(void);
/* The index of the named device, lane or link; -1 none. */
int	est_dev(const char *name);
int	est_lane(const char *name);
int	est_link(const char *name);
/* The link of device dev. */
int	est_dev_link(int dev);
/* One round of the loop: what is ready within ms is handled (the store's
 * completions, the control socket). The number of handlers run. */
int	est_pump(int ms);
/* A message from link's worker, as if read from its socket: the device's
 * kind takes it (engine_worker_msg). */
void	est_from_worker(int link, const void *msg);
/* Device dev answering (online) or not, as its worker says it. */
void	est_dev_state(int dev, bool online);
/* Turnstile dev reporting state st (passing: its raw state 1). */
void	est_ts_status(int dev, enum ts_state st);
/* One message the engine sent to link's worker: 1, or 0 when none waits. */
int	est_to_worker(int link, union msg_any *m);
/* Drops what waits for link's worker; how many messages. */
int	est_drain_worker(int link);

/* The control server opened (ctl_front) and one client connected: 0/-1. */
int	est_ctl_connect(void);
/*
 * Sends one request line (without its newline) and waits up to ms for the
 * reply line: its length (without the newline) in reply (NUL-terminated,
 * cut at size - 1); -1 when none came (said on stderr), -2 when the
 * connection was closed.
 */
long	est_ctl_request(const char *line, size_t len, char *reply, size_t size,
	    int ms);
/* Reads further lines (followers' items) within ms into reply: as above. */
long	est_ctl_read(char *reply, size_t size, int ms);
/* Closes the client's connection (the server stays). */
void	est_ctl_disconnect(void);

#endif
