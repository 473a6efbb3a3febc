/*
 * lobbyd-notify: the notifier (drivers/notifier.h) as a program of its own.
 * lobbyd starts it with the engine's end of their socket as fd 3 and runs
 * nothing else of it; libcurl and its TLS libraries are loaded here, never
 * in lobbyd or its link workers.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../drivers/notifier.h"
#include "../common/util.h"

#define NOTIFY_FD	3

int
main(int argc, char **argv)
{
	struct stat st;

	(void)argv;
	log_init("lobbyd[notifier]", false);
	if (argc != 1 || fstat(NOTIFY_FD, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "lobbyd-notify: lobbyd runs this program itself, "
		    "with its socket as fd 3; it takes no arguments\n");
		return 2;
	}
	return notifier_run(NOTIFY_FD);
}
