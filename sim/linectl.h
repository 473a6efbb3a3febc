/*
 * The control socket lobbysim and lobbybus share: a Unix-socket server of
 * one-line commands and one-line replies, whose lines a callback interprets,
 * and the one-shot client behind "lobbysim ctl" and "lobbybus ctl".
 */
#ifndef LOBBYSIM_LINECTL_H
#define LOBBYSIM_LINECTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>

#define LINECTL_MAX_CLIENTS	16
#define LINECTL_MAX_LINE	1024	/* longest command any program takes */

/* What differs between the programs; fixed for the life of the program. */
struct linectl_conf {
	const char	*prog;		/* the client's messages start "prog: " */
	const char	*rival;		/* "another RIVAL is listening here" */
	size_t		line;		/* longest command, with its newline;
					 * at most LINECTL_MAX_LINE */
	size_t		reply;		/* room for a reply, with its NUL */
	int		clients;	/* served at once, at most
					 * LINECTL_MAX_CLIENTS; the backlog too */
	int		send_wait_ms;	/* a client socket that is full: wait
					 * this long for room, else drop it */
	int		reply_wait_ms;	/* the client: longest wait for a reply */
};

/*
 * Interprets one command line (no newline; the callee may cut it up) and
 * writes the reply to out, at most size bytes with its NUL, no newline.
 * Replies begin "ok" or "error".
 */
typedef void linectl_fn(void *arg, char *line, char *out, size_t size);

struct linectl_client {
	int	fd;		/* -1: free slot */
	char	buf[LINECTL_MAX_LINE];
	size_t	len;
};

struct linectl {
	const struct linectl_conf *conf;
	linectl_fn	*execute;
	void		*arg;		/* execute's first argument */
	int		lfd;		/* -1: not listening */
	char		path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	ino_t		ino;		/* of our socket file, removed only if same */
	char		*out;		/* conf->reply + 1 bytes while open */
	struct linectl_client cl[LINECTL_MAX_CLIENTS];
};

/* Not listening, no clients: linectl_close() is safe on it from now on. */
void	linectl_init(struct linectl *, const struct linectl_conf *,
	    linectl_fn *, void *arg);
/* Listens at path; refuses a path that is not a socket or is in use. */
int	linectl_open(struct linectl *, const char *path);
/* Drops every client and removes the socket file if it is still ours. */
void	linectl_close(struct linectl *);
void	linectl_accept(struct linectl *);
/* Reads from one client and answers every whole line it sent. */
void	linectl_input(struct linectl *, struct linectl_client *);
/*
 * Sends argv (argc >= 1), joined by blanks, as one command to the socket at
 * path and prints the reply. Returns the exit status: 0 "ok", 1 an error
 * reply or a command too long, 2 no reply.
 */
int	linectl_client(const struct linectl_conf *, const char *path, int argc,
	    char **argv);
/*
 * Ignores SIGPIPE and returns a signalfd for SIGTERM, SIGINT and SIGHUP,
 * the signals that stop both programs; -1 (logged) on failure.
 */
int	linectl_signals(void);
/* Reads linectl_signals()'s descriptor: true when a signal came, which
 * stops the program (said when verbose). */
bool	linectl_stopped(int sigfd, bool verbose);

#endif
