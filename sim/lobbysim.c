/*
 * lobbysim: plays every device of a lobbyd site for tests and the demo; this
 * is its start, options, poll loop and shutdown. The control socket that
 * takes its orders, and "lobbysim ctl", are in simctl.c.
 */
#include "sim.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/util.h"
#include "simctl.h"

/* What a pollfd stands for. */
enum pf_kind { PF_SIG, PF_TCP_LISTEN, PF_TCP_CONN, PF_PTY, PF_CTL_LISTEN,
	PF_CTL_CLIENT, PF_GPIO };
struct pf_tag {
	enum pf_kind	kind;
	int		link;
	int		idx;
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: lobbysim -c SITE.conf -s CTL_SOCKET [-v]\n"
	    "       lobbysim ctl CTL_SOCKET COMMAND [ARGS...]\n");
	exit(1);
}

/* ---- the simulator ---- */

static void
sim_close(struct sim *sim)
{
	int i;

	for (i = 0; i < sim->site.nlinks; i++) {
		sim_link_close(&sim->links[i]);
		sim_gpio_close(&sim->links[i]);
		sim_idcard_free(&sim->links[i]);
	}
	for (i = 0; i < sim->site.ndevices; i++)
		sim_ts_free(&sim->ts[i]);
}

static int
sim_open(struct sim *sim)
{
	/* How a link of each type opens. */
	static int (*const link_open[])(struct sim *, struct sim_link *) = {
		[LINK_MODBUS_TCP] = sim_tcp_open,
		[LINK_MODBUS_RTU] = sim_rtu_open,
		[LINK_SERIAL_READER] = sim_reader_open,
		[LINK_GPIO] = sim_gpio_open,
	};
	int i, rc;

	for (i = 0; i < sim->site.nlinks; i++) {
		struct sim_link *l = &sim->links[i];

		l->index = i;
		l->lfd = -1;
		l->pty.master = l->pty.slave = -1;
		for (int c = 0; c < SIM_MAX_CONNS; c++)
			l->conns[c].fd = -1;
	}
	for (i = 0; i < sim->site.ndevices; i++)
		if (sim_unit_init(sim, i) == -1)
			return -1;
	for (i = 0; i < sim->site.nlinks; i++) {
		struct sim_link *l = &sim->links[i];

		l->conf = &sim->site.links[i];
		if ((size_t)l->conf->type >= sizeof(link_open) /
		    sizeof(link_open[0]) || link_open[l->conf->type] == NULL) {
			log_err("%s: unknown link type", l->conf->name);
			rc = -1;
		} else {
			rc = link_open[l->conf->type](sim, l);
		}
		if (rc == -1) {
			l->conf = NULL;
			return -1;
		}
		if (!sim->verbose)
			continue;
		if (l->conf->type == LINK_MODBUS_TCP)
			log_info("%s: modbus-tcp on %s:%d", l->conf->name,
			    l->conf->host, l->conf->port);
		else if (l->conf->type == LINK_GPIO)
			log_info("%s: simulated gpio chip on %s", l->conf->name,
			    l->conf->path);
		else
			log_info("%s: %s on %s -> %s", l->conf->name,
			    config_link_type_name(l->conf->type), l->conf->path,
			    l->pty.slave_name);
	}
	return 0;
}

static void
pf_add(struct pollfd *pfd, struct pf_tag *tag, int *n, int fd,
    enum pf_kind kind, int link, int idx)
{
	pfd[*n].fd = fd;
	pfd[*n].events = POLLIN;
	pfd[*n].revents = 0;
	tag[*n].kind = kind;
	tag[*n].link = link;
	tag[*n].idx = idx;
	(*n)++;
}

static void
drain(int fd)
{
	uint8_t junk[256];

	while (read(fd, junk, sizeof(junk)) > 0)
		;
}

static int
run(struct sim *sim, struct sim_ctl *ctl, int sigfd)
{
	size_t cap = 2 + LINECTL_MAX_CLIENTS +
	    (size_t)sim->site.nlinks * (1 + SIM_MAX_CONNS);
	struct pollfd *pfd = calloc(cap, sizeof(*pfd));
	struct pf_tag *tag = calloc(cap, sizeof(*tag));
	int64_t now, next, t;
	struct timespec ts, *tsp;
	int n, i, c, rc = 0;

	if (pfd == NULL || tag == NULL) {
		log_err("out of memory");
		free(pfd);
		free(tag);
		return -1;
	}
	while (!ctl->quit) {
		n = 0;
		pf_add(pfd, tag, &n, sigfd, PF_SIG, -1, -1);
		for (i = 0; i < sim->site.nlinks; i++) {
			struct sim_link *l = &sim->links[i];

			if (l->conf == NULL)
				continue;
			if (l->conf->type == LINK_MODBUS_TCP) {
				if (l->lfd != -1)
					pf_add(pfd, tag, &n, l->lfd, PF_TCP_LISTEN,
					    i, -1);
				for (c = 0; c < SIM_MAX_CONNS; c++)
					if (l->conns[c].fd != -1)
						pf_add(pfd, tag, &n, l->conns[c].fd,
						    PF_TCP_CONN, i, c);
			} else if (l->conf->type == LINK_GPIO) {
				for (c = 0; c < 2; c++)
					if (sim_gpio_fd(l, c) != -1)
						pf_add(pfd, tag, &n, sim_gpio_fd(l, c),
						    PF_GPIO, i, c);
			} else if (l->pty.master != -1) {
				pf_add(pfd, tag, &n, l->pty.master, PF_PTY, i, -1);
			}
		}
		pf_add(pfd, tag, &n, ctl->lc.lfd, PF_CTL_LISTEN, -1, -1);
		for (c = 0; c < LINECTL_MAX_CLIENTS; c++)
			if (ctl->lc.cl[c].fd != -1)
				pf_add(pfd, tag, &n, ctl->lc.cl[c].fd, PF_CTL_CLIENT,
				    -1, c);

		now = mono_ns();
		next = sim_ts_tick(sim, now);
		if ((t = sim_gpio_tick(sim, now)) >= 0 && (next < 0 || t < next))
			next = t;
		if ((t = sim_icom_tick(sim, now)) >= 0 && (next < 0 || t < next))
			next = t;
		/* RTU replies wait t3.5 to the microsecond: ppoll, not poll. */
		if ((t = sim_rtu_tick(sim, now)) >= 0 && (next < 0 || t < next))
			next = t;
		tsp = NULL;
		if (next >= 0) {
			t = next > now ? next - now : 0;
			ts.tv_sec = (time_t)(t / 1000000000);
			ts.tv_nsec = (long)(t % 1000000000);
			tsp = &ts;
		}
		if (ppoll(pfd, (nfds_t)n, tsp, NULL) == -1) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			rc = -1;
			break;
		}
		for (i = 0; i < n && !ctl->quit; i++) {
			struct sim_link *l = tag[i].link >= 0 ?
			    &sim->links[tag[i].link] : NULL;

			if (pfd[i].revents == 0)
				continue;
			switch (tag[i].kind) {
			case PF_SIG:
				if (linectl_stopped(sigfd, sim->verbose))
					ctl->quit = true;
				break;
			case PF_TCP_LISTEN:
				if (l->lfd == pfd[i].fd)
					sim_tcp_accept(sim, l);
				break;
			case PF_TCP_CONN:
				if (l->conns[tag[i].idx].fd == pfd[i].fd)
					sim_tcp_input(sim, l, tag[i].idx);
				break;
			case PF_PTY:
				if (l->conf->type == LINK_MODBUS_RTU)
					sim_rtu_input(sim, l);
				else if (l->conf->format == CARD_IDCARD)
					sim_idcard_input(sim, l);
				else
					drain(l->pty.master);
				break;
			case PF_GPIO:
				if (sim_gpio_fd(l, tag[i].idx) == pfd[i].fd)
					sim_gpio_input(sim, l, tag[i].idx);
				break;
			case PF_CTL_LISTEN:
				linectl_accept(&ctl->lc);
				break;
			case PF_CTL_CLIENT:
				if (ctl->lc.cl[tag[i].idx].fd == pfd[i].fd)
					linectl_input(&ctl->lc,
					    &ctl->lc.cl[tag[i].idx]);
				break;
			}
		}
	}
	free(pfd);
	free(tag);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *conf = NULL, *sock = NULL;
	struct sim_ctl ctl;
	struct sim *sim;
	int ch, nerr, sigfd, rc = 1;
	bool verbose = false;

	if (argc >= 2 && strcmp(argv[1], "ctl") == 0) {
		if (argc < 4)
			usage();
		return sim_ctl_client(argc - 2, argv + 2);
	}
	while ((ch = getopt(argc, argv, "c:s:vh")) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || conf == NULL || sock == NULL)
		usage();
	log_init("lobbysim", verbose);

	if ((sim = calloc(1, sizeof(*sim))) == NULL) {
		log_err("out of memory");
		return 1;
	}
	sim->verbose = verbose;
	sim->rng = 0x9e3779b97f4a7c15ULL;
	nerr = config_load(conf, &sim->site, stderr);
	if (nerr != 0) {
		log_err("%s: %s; not starting", conf, nerr < 0 ?
		    "cannot read the config" : "the config has errors");
		goto out_free;
	}
	if ((sigfd = linectl_signals()) == -1)
		goto out_free;
	if (sim_open(sim) == -1)
		goto out_close_sim;
	if (sim_ctl_open(&ctl, sim, sock) == -1)
		goto out_close_sim;
	log_notice("%s: %d links, %d devices; control on %s", sim->site.path,
	    sim->site.nlinks, sim->site.ndevices, sock);
	rc = run(sim, &ctl, sigfd) == 0 ? 0 : 1;
	linectl_close(&ctl.lc);
	if (verbose)
		log_info("stopped");
out_close_sim:
	sim_close(sim);
	close(sigfd);
out_free:
	free(sim);
	return rc;
}
