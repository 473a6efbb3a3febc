/*
 * lobbyctl: secrets read from standard input rather than the command line,
 * where every local user sees them (ps, /proc/PID/cmdline) and the shell
 * keeps them in its history. On a terminal: a prompt, the typing not shown.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "lobbyctl_int.h"

#define SECRET_LINE_MAX	256	/* a longer line is refused, not cut */

/* The terminal as it was, put back if a signal ends lobbyctl mid-prompt. */
static struct termios saved_tio;
static volatile sig_atomic_t tio_changed;

static void
restore_and_die(int sig)
{
	if (tio_changed)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int fatal_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NFATAL	(sizeof(fatal_sigs) / sizeof(fatal_sigs[0]))

/* Echo off, the prompt said: 0, or an exit status after saying why not. */
static int
quiet_prompt(const char *label, const char *prompt)
{
	struct sigaction sa = { .sa_handler = restore_and_die };
	struct termios quiet;

	if (tcgetattr(STDIN_FILENO, &saved_tio) == -1) {
		lobbyctl_say(_("%s: cannot read the terminal's settings: %s"), label,
		    strerror(errno));
		return EXIT_USAGE;
	}
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NFATAL; i++)
		sigaction(fatal_sigs[i], &sa, NULL);
	quiet = saved_tio;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;	/* the Enter key still shows */
	tio_changed = 1;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == -1) {
		lobbyctl_say(_("%s: cannot turn the terminal's echo off: %s"), label,
		    strerror(errno));
		return EXIT_USAGE;
	}
	/* Said only once the echo is off: nothing typed after it shows. */
	fputs(prompt, stderr);
	fflush(stderr);
	return 0;
}

int
secret_read(const char *label, const char *prompt, char *out, size_t len)
{
	struct sigaction old[NFATAL];
	char line[SECRET_LINE_MAX];
	bool tty = isatty(STDIN_FILENO) == 1;
	int rc = 0;
	size_t n;

	/* No copy of it in stdio's buffer: one read of a byte at a time. */
	setvbuf(stdin, NULL, _IONBF, 0);
	if (tty)
		for (size_t i = 0; i < NFATAL; i++)
			sigaction(fatal_sigs[i], NULL, &old[i]);
	if (tty && (rc = quiet_prompt(label, prompt)) == 0 &&
	    fgets(line, sizeof(line), stdin) == NULL)
		rc = -1;
	else if (!tty && fgets(line, sizeof(line), stdin) == NULL)
		rc = -1;
	if (tty) {
		if (tio_changed)
			(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
		tio_changed = 0;
		for (size_t i = 0; i < NFATAL; i++)
			sigaction(fatal_sigs[i], &old[i], NULL);
	}
	if (rc == -1) {
		lobbyctl_say(_("%s -: nothing to read on standard input"), label);
		rc = EXIT_USAGE;
	}
	if (rc != 0)
		goto out_wipe;
	n = strlen(line);
	if (n > 0 && line[n - 1] != '\n' && !feof(stdin)) {
		lobbyctl_say(_("%s -: the line on standard input is too long"), label);
		rc = EXIT_USAGE;
		goto out_wipe;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n >= len) {
		lobbyctl_say(_("%s -: too long (at most %zu bytes)"), label, len - 1);
		rc = EXIT_USAGE;
		goto out_wipe;
	}
	memcpy(out, line, n + 1);
out_wipe:
	explicit_bzero(line, sizeof(line));
	return rc;
}
