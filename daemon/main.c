/*
 * lobbyd: the lobby access-control daemon. Parses the command line, loads
 * and checks the configuration, and hands over to the engine.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../drivers/serial.h"
#include "../config/config.h"
#include "../control/control.h"
#include "../engine/engine.h"
#include "../common/util.h"

#define DEFAULT_CONF	"/etc/lobbyd/lobbyd.conf"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: lobbyd [-d] [-c FILE]      run the daemon\n"
	    "       lobbyd -n [-c FILE]        check the configuration and exit\n"
	    "       lobbyd --list-ports        list serial ports (with USB ids)\n"
	    "       lobbyd -V                  print the version\n"
	    "  -c FILE  configuration (default " DEFAULT_CONF ")\n"
	    "  -d       debug logging\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "list-ports", no_argument, NULL, 'L' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = DEFAULT_CONF;
	bool check = false, debug = false;
	static struct site_conf site;	/* large: not on the stack */
	int ch, n;

	while ((ch = getopt_long(argc, argv, "c:ndVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'L':
			return serial_list(stdout) < 0 ? 1 : 0;
		case 'V':
			printf("lobbyd %s\n", LOBBYD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "lobbyd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	n = config_load(conf, &site, stderr);
	if (check)
		return n == 0 ? 0 : 1;
	if (n != 0) {
		fprintf(stderr, "lobbyd: %s: not started: the configuration has errors\n", conf);
		return 1;
	}
	log_init("lobbyd", debug);
	return engine_run(conf, &site, &ctl_front);
}
