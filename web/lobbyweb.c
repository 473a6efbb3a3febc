/*
 * lobbyweb: the front desk's web console. Reads its config, follows lobbyd
 * for the live feed and serves the pages until SIGTERM or SIGINT. It holds
 * no data of its own but sessions; lobbyd decides and records everything.
 */
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "web.h"
#include "../common/util.h"

static void
usage(void)
{
	fprintf(stderr, "usage: lobbyweb [-d] [-n] -c FILE\n"
	    "  -c FILE  lobbyweb's config (listen, socket, static_dir, tls_cert, ...)\n"
	    "  -n       check the config and exit 0 or 1\n"
	    "  -d       log debug lines too\n");
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	bool check = false, debug = false;
	struct web_conf conf;
	struct web_http *h;
	sigset_t set;
	int opt, sig;

	while ((opt = getopt(argc, argv, "c:dn")) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'd': debug = true; break;
		case 'n': check = true; break;
		default: usage(); return 2;
		}
	}
	if (path == NULL || optind != argc) {
		usage();
		return 2;
	}
	log_init("lobbyweb", debug);
	if (web_conf_load(path, &conf) == -1)
		return 1;
	if (check)
		return 0;
	if (sodium_init() < 0) {
		log_err("lobbyweb: libsodium would not start");
		return 1;
	}
	answer_init();
	/* The signals are taken by sigwait below, in this thread only. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (feed_start(conf.socket) == -1)
		return 1;
	if ((h = http_start(&conf)) == NULL) {
		feed_stop();
		return 1;
	}
	log_info("lobbyweb: listening on %s://%s:%d, lobbyd at %s",
	    conf.tls_cert[0] ? "https" : "http", conf.listen_addr, conf.port,
	    conf.socket);
	do {
		if (sigwait(&set, &sig) != 0)
			break;
	} while (sig == SIGHUP);
	feed_stop();	/* the live streams end first, then the server */
	http_stop(h);
	return 0;
}
