/*
 * lobbybus: a pacing RS-485 bus between two pseudo-terminals. A pty moves
 * bytes at once whatever the baud rate; lobbybus delivers every byte at its
 * wire time, one direction at a time, so Modbus RTU timing is real on ptys.
 * Here its options, its loop and its control commands; the ends and the
 * wire are buswire.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <termios.h>
#include <unistd.h>

#include "../common/util.h"
#include "linectl.h"
#include "busemu_int.h"

/* Replies are short: a socket that cannot take one is dropped. */
static const struct linectl_conf bus_ctl_conf = {
	.prog = "lobbybus",
	.rival = "program",
	.line = 256,
	.reply = 512,
	.clients = BUS_CTL_CLIENTS,
	.send_wait_ms = 0,
	.reply_wait_ms = 5000,
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: lobbybus --baud B [--parity none|even|odd] [--stop-bits 1|2]\n"
	    "                --master PATH_M --slave PATH_S [-s CTL_SOCKET] [-v]\n"
	    "       lobbybus ctl CTL_SOCKET COMMAND\n"
	    "commands: stats, timing, reset, ping, quit\n");
	exit(1);
}

/* ---- control commands ---- */

/* Lateness at quantile q (0..1) from the histogram, in microseconds. */
static int64_t
bus_late_quantile(const struct bus *bus, double q)
{
	uint64_t want = (uint64_t)(q * (double)bus->late_n), seen = 0;
	int i;

	for (i = 0; i <= BUS_LATE_BINS; i++) {
		seen += bus->late_hist[i];
		if (seen > want)
			return i;
	}
	return BUS_LATE_BINS;
}

static double
bus_turn_mean_us(const struct bus *bus, int side)
{
	if (bus->turn_n[side] == 0)
		return 0.0;
	return (double)bus->turn_sum_ns[side] / 1000.0 /
	    (double)bus->turn_n[side];
}

static void
bus_ctl_execute(void *arg, char *line, char *out, size_t size)
{
	struct bus *bus = arg;
	char cmd[LINECTL_MAX_LINE];
	size_t n;

	/* One word, surrounding blanks ignored. */
	while (*line == ' ' || *line == '\t')
		line++;
	n = strcspn(line, " \t\r");
	memcpy(cmd, line, n);
	cmd[n] = '\0';
	line += n;
	while (*line == ' ' || *line == '\t' || *line == '\r')
		line++;
	if (*line != '\0') {
		snprintf(out, size, "error %s takes no arguments", cmd);
	} else if (strcmp(cmd, "ping") == 0) {
		snprintf(out, size, "ok");
	} else if (strcmp(cmd, "quit") == 0) {
		bus->quit = true;
		snprintf(out, size, "ok");
	} else if (strcmp(cmd, "stats") == 0) {
		snprintf(out, size, "ok bytes_m2s=%" PRIu64 " bytes_s2m=%" PRIu64
		    " frames_m2s=%" PRIu64 " frames_s2m=%" PRIu64
		    " collisions=%" PRIu64 " max_lateness_us=%" PRId64
		    " dropped=%" PRIu64,
		    bus->bytes[SIDE_M], bus->bytes[SIDE_S], bus->frames[SIDE_M],
		    bus->frames[SIDE_S], bus->collisions,
		    bus->max_late_ns / 1000, bus->dropped);
	} else if (strcmp(cmd, "timing") == 0) {
		snprintf(out, size, "ok char_us=%.1f wake_us=%.1f samples=%"
		    PRIu64 " mean_us=%.1f p50_us=%" PRId64 " p99_us=%" PRId64
		    " max_us=%" PRId64 " turn_m_n=%" PRIu64 " turn_m_mean_us=%.1f"
		    " turn_m_max_us=%" PRId64 " turn_s_n=%" PRIu64
		    " turn_s_mean_us=%.1f turn_s_max_us=%" PRId64,
		    (double)bus->char_ns / 1000.0, (double)bus->wake_ns / 1000.0,
		    bus->late_n, bus->late_n > 0 ?
		    (double)bus->late_sum_ns / 1000.0 / (double)bus->late_n : 0.0,
		    bus_late_quantile(bus, 0.5), bus_late_quantile(bus, 0.99),
		    bus->max_late_ns / 1000,
		    bus->turn_n[SIDE_M], bus_turn_mean_us(bus, SIDE_M),
		    bus->turn_max_ns[SIDE_M] / 1000,
		    bus->turn_n[SIDE_S], bus_turn_mean_us(bus, SIDE_S),
		    bus->turn_max_ns[SIDE_S] / 1000);
	} else if (strcmp(cmd, "reset") == 0) {
		memset(bus->bytes, 0, sizeof(bus->bytes));
		memset(bus->frames, 0, sizeof(bus->frames));
		memset(bus->late_hist, 0, sizeof(bus->late_hist));
		memset(bus->turn_n, 0, sizeof(bus->turn_n));
		memset(bus->turn_sum_ns, 0, sizeof(bus->turn_sum_ns));
		memset(bus->turn_max_ns, 0, sizeof(bus->turn_max_ns));
		bus->collisions = bus->dropped = bus->late_n = 0;
		bus->max_late_ns = bus->late_sum_ns = 0;
		snprintf(out, size, "ok");
	} else {
		snprintf(out, size, "error unknown command \"%.64s\" (commands: "
		    "stats timing reset ping quit)", cmd);
	}
}

/* ---- the loop ---- */

/* Arms the timer for the next byte due or the next reopen; 0: disarmed. */
static int
bus_arm(struct bus *bus, int tfd)
{
	struct itimerspec its;
	int64_t at = 0;

	if (bus->len > 0)
		at = bus->q[bus->head].due_ns;
	if (bus->sfd == -1 && (at == 0 || bus->reopen_ns < at))
		at = bus->reopen_ns;
	if (at > 0 && bus->len > 0 && at == bus->q[bus->head].due_ns) {
		at -= bus->wake_ns;
	}
	bus->armed_ns = at;
	memset(&its, 0, sizeof(its));
	if (at > 0) {
		its.it_value.tv_sec = (time_t)(at / 1000000000LL);
		its.it_value.tv_nsec = (long)(at % 1000000000LL);
	}
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) == -1) {
		log_err("timerfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Learns how late the kernel wakes us: a running estimate of the 90th
 * percentile (up 9 us when later, down 1 us when earlier), which one
 * stray wake-up of a busy machine does not throw off.
 */
static void
bus_note_wake(struct bus *bus)
{
	int64_t late;

	if (bus->armed_ns == 0)
		return;
	late = mono_ns() - bus->armed_ns;
	if (late > bus->wake_ns)
		bus->wake_ns += 9000;
	else if (bus->wake_ns >= 1000)
		bus->wake_ns -= 1000;
	if (bus->wake_ns > BUS_SPIN_MAX_NS)
		bus->wake_ns = BUS_SPIN_MAX_NS;
}

enum { PF_SIG, PF_TIMER, PF_MASTER, PF_SLAVE, PF_LISTEN, PF_CLIENT };

static int
bus_run(struct bus *bus, int sigfd, int tfd)
{
	struct pollfd pfd[5 + BUS_CTL_CLIENTS];
	int kind[5 + BUS_CTL_CLIENTS], idx[5 + BUS_CTL_CLIENTS];
	uint64_t ticks;
	int n, i, c;
	bool room;

	while (!bus->quit) {
		bus_deliver(bus);
		if (bus->sfd == -1 && mono_ns() >= bus->reopen_ns) {
			if (bus_open_slave(bus, true) == 0)
				log_notice("%s: slave side back", bus->slave_path);
			else
				bus->reopen_ns = mono_ns() +
				    BUS_REOPEN_MS * NS_PER_MS;
		}
		if (bus_arm(bus, tfd) == -1)
			return -1;
		room = bus->len + 4096 <= BUS_QUEUE;
		n = 0;
#define ADD(f, k, x) do { pfd[n].fd = (f); pfd[n].events = POLLIN; \
	pfd[n].revents = 0; kind[n] = (k); idx[n] = (x); n++; } while (0)
		ADD(sigfd, PF_SIG, 0);
		ADD(tfd, PF_TIMER, 0);
		if (room)
			ADD(bus->mpty.master, PF_MASTER, 0);
		if (room && bus->sfd != -1)
			ADD(bus->sfd, PF_SLAVE, 0);
		if (bus->ctl.lfd != -1)
			ADD(bus->ctl.lfd, PF_LISTEN, 0);
		for (c = 0; c < BUS_CTL_CLIENTS; c++)
			if (bus->ctl.cl[c].fd != -1)
				ADD(bus->ctl.cl[c].fd, PF_CLIENT, c);
#undef ADD
		if (poll(pfd, (nfds_t)n, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			return -1;
		}
		for (i = 0; i < n && !bus->quit; i++) {
			if (pfd[i].revents == 0)
				continue;
			switch (kind[i]) {
			case PF_SIG:
				if (linectl_stopped(sigfd, bus->verbose))
					bus->quit = true;
				break;
			case PF_TIMER:
				(void)!read(tfd, &ticks, sizeof(ticks));
				bus_note_wake(bus);
				break;
			case PF_MASTER:
				/* We hold the slave: no hangup to expect. */
				(void)bus_input(bus, SIDE_M);
				break;
			case PF_SLAVE:
				if (!bus_input(bus, SIDE_S) ||
				    (pfd[i].revents & (POLLHUP | POLLERR))) {
					log_warn("%s: the slave side hung up; "
					    "reopening every %d ms",
					    bus->slave_path, BUS_REOPEN_MS);
					close(bus->sfd);
					bus->sfd = -1;
					bus->reopen_ns = mono_ns() +
					    BUS_REOPEN_MS * NS_PER_MS;
				}
				break;
			case PF_LISTEN:
				linectl_accept(&bus->ctl);
				break;
			case PF_CLIENT:
				if (bus->ctl.cl[idx[i]].fd == pfd[i].fd)
					linectl_input(&bus->ctl,
					    &bus->ctl.cl[idx[i]]);
				break;
			}
		}
	}
	return 0;
}

/* ---- options ---- */

static bool
parse_int(const char *s, long min, long max, int *v)
{
	char *end;
	long l;

	errno = 0;
	l = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || l < min || l > max)
		return false;
	*v = (int)l;
	return true;
}

/* Refuses option NAME's value ARG, which is not WANT: -1. */
static int
bad_option(const char *name, const char *arg, const char *want)
{
	fprintf(stderr, "lobbybus: --%s: \"%s\" is not %s\n", name, arg, want);
	return -1;
}

static int
bus_options(struct bus *bus, int argc, char **argv, const char **sock)
{
	static const struct option longopts[] = {
		{ "baud", required_argument, NULL, 'b' },
		{ "parity", required_argument, NULL, 'p' },
		{ "stop-bits", required_argument, NULL, 't' },
		{ "master", required_argument, NULL, 'm' },
		{ "slave", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "s:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			if (!parse_int(optarg, 50, 4000000, &bus->baud))
				return bad_option("baud", optarg,
				    "a rate of 50..4000000");
			break;
		case 'p':
			if (strcmp(optarg, "none") == 0)
				bus->parity = 'N';
			else if (strcmp(optarg, "even") == 0)
				bus->parity = 'E';
			else if (strcmp(optarg, "odd") == 0)
				bus->parity = 'O';
			else
				return bad_option("parity", optarg,
				    "none, even or odd");
			break;
		case 't':
			if (!parse_int(optarg, 1, 2, &bus->stop_bits))
				return bad_option("stop-bits", optarg, "1 or 2");
			break;
		case 'm':
			bus->master_path = optarg;
			break;
		case 'S':
			bus->slave_path = optarg;
			break;
		case 's':
			*sock = optarg;
			break;
		case 'v':
			bus->verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc) {
		fprintf(stderr, "lobbybus: unexpected argument \"%s\"\n",
		    argv[optind]);
		return -1;
	}
	if (bus->baud == 0 || bus->master_path == NULL ||
	    bus->slave_path == NULL) {
		fprintf(stderr, "lobbybus: --baud, --master and --slave are "
		    "required\n");
		return -1;
	}
	if (bus->master_path[0] == '\0' || bus->slave_path[0] == '\0' ||
	    strlen(bus->master_path) >= BUS_PATH_MAX ||
	    strlen(bus->slave_path) >= BUS_PATH_MAX) {
		fprintf(stderr, "lobbybus: --master and --slave must be paths of "
		    "1..%d bytes\n", BUS_PATH_MAX - 1);
		return -1;
	}
	if (strcmp(bus->master_path, bus->slave_path) == 0) {
		fprintf(stderr, "lobbybus: --master and --slave are the same "
		    "path\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *sock = NULL;
	struct sched_param sp;
	struct bus *bus;
	int sigfd, tfd, rc = 1;

	if (argc >= 2 && strcmp(argv[1], "ctl") == 0) {
		if (argc < 4)
			usage();
		return linectl_client(&bus_ctl_conf, argv[2], argc - 3,
		    argv + 3);
	}
	if ((bus = calloc(1, sizeof(*bus))) == NULL) {
		fprintf(stderr, "lobbybus: out of memory\n");
		return 1;
	}
	bus->parity = 'N';
	bus->stop_bits = 1;
	bus->mpty.master = bus->mpty.slave = bus->sfd = -1;
	bus->wire_from = -1;
	bus->wake_ns = 100 * 1000;
	linectl_init(&bus->ctl, &bus_ctl_conf, bus_ctl_execute, bus);
	if (bus_options(bus, argc, argv, &sock) == -1)
		goto out_free;
	log_init("lobbybus", bus->verbose);
	bus->bits = 1 + 8 + (bus->parity != 'N') + bus->stop_bits;
	bus->char_ns = (int64_t)bus->bits * 1000000000LL / bus->baud;
	bus->t35_ns = bus->char_ns * 7 / 2;
	/* The default 50 us timer slack would be the whole error budget. */
	if (prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL) == -1)
		log_warn("timer slack: %s", strerror(errno));
	/*
	 * A build on the same machine preempts us for milliseconds, longer
	 * than a character: ask for a real-time priority where allowed. Every
	 * busy wait is bounded (BUS_SPIN_MAX_NS), so nobody starves.
	 */
	sp.sched_priority = 10;
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) == -1)
		log_debug("no real-time priority (%s): expect late bytes on a "
		    "busy machine", strerror(errno));

	if ((sigfd = linectl_signals()) == -1)
		goto out_free;
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tfd == -1) {
		log_err("timerfd: %s", strerror(errno));
		goto out_close_sig;
	}
	if (bus_open_slave(bus, false) == -1)
		goto out_close_timer;
	if (bus_open_master(bus) == -1)
		goto out_close_slave;
	if (sock != NULL && linectl_open(&bus->ctl, sock) == -1)
		goto out_close_master;
	log_notice("%s -> %s <-> %s: %d baud, %d bits a character "
	    "(%.1f us)%s%s", bus->master_path, bus->mpty.slave_name,
	    bus->slave_path, bus->baud, bus->bits,
	    (double)bus->char_ns / 1000.0, sock != NULL ? "; control on " : "",
	    sock != NULL ? sock : "");
	rc = bus_run(bus, sigfd, tfd) == 0 ? 0 : 1;
	if (bus->verbose)
		log_info("stopped: %" PRIu64 " bytes to the slave side, %" PRIu64
		    " to the master side, %" PRIu64 " collisions, lateness max "
		    "%" PRId64 " us", bus->bytes[SIDE_M], bus->bytes[SIDE_S],
		    bus->collisions, bus->max_late_ns / 1000);
	linectl_close(&bus->ctl);
out_close_master:
	sim_pty_close(&bus->mpty);
out_close_slave:
	if (bus->sfd != -1)
		close(bus->sfd);
out_close_timer:
	close(tfd);
out_close_sig:
	close(sigfd);
out_free:
	free(bus);
	return rc;
}
