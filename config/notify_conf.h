/*
 * The notify section: how hosts are told of their visitors. Named channels
 * (a webhook with a JSON body template, a mail over SMTP, a command), and
 * which channel and address tell the host of each unit. Read and checked
 * by config_notify.c; used by engine/hostnote.c.
 */
#ifndef LOBBYD_NOTIFY_CONF_H
#define LOBBYD_NOTIFY_CONF_H

#define NOTIFY_MAX_CHANNELS	16
#define NOTIFY_MAX_HOSTS	1024
#define NOTIFY_MAX_RETRIES	8
#define NOTIFY_TEMPLATE_MAX	4096	/* a template file, and its output */
#define NOTIFY_URL_MAX		512
#define NOTIFY_ADDR_MAX		128	/* a mail address, or a webhook's @ */

enum notify_type { NOTIFY_WEBHOOK, NOTIFY_SMTP, NOTIFY_EXEC };

struct notify_channel {
	char		name[32];
	enum notify_type type;
	char		url[NOTIFY_URL_MAX];	/* webhook: http(s)://; smtp:
						   smtp:// or smtps:// */
	/* webhook: the JSON body; smtp: the mail's text ("": the built-in
	 * one, Chinese and English); exec: unused (the notice's JSON goes to
	 * the command's standard input). */
	char		tmpl[NOTIFY_TEMPLATE_MAX];
	char		subject[200];		/* smtp; "": the built-in one */
	char		from[NOTIFY_ADDR_MAX];	/* smtp */
	char		user[64];		/* smtp login; "": none */
	char		password_file[256];	/* smtp: read at each send */
	/* webhook: a DingTalk robot's signing secret ("SEC..."), read at each
	 * try; "": the URL as it is. */
	char		sign_secret_file[256];
	char		command[256];		/* exec: as alerts.command */
};

/* The host of a unit, and how to tell them. unit "*": any unit not named. */
struct notify_host {
	char		unit[16];
	int		channel;		/* index in channels */
	char		to[NOTIFY_ADDR_MAX];	/* smtp: the address; webhook:
						   {{to}} in the template */
};

struct notify_conf {
	struct notify_channel channels[NOTIFY_MAX_CHANNELS];
	int		nchannels;
	struct notify_host hosts[NOTIFY_MAX_HOSTS];
	int		nhosts;
	/* The one-time link's start: the token is appended (the web
	 * console's "https://desk.example.com/answer?t="); "": no links. */
	char		answer_url[256];
	int		retry_s[NOTIFY_MAX_RETRIES];	/* waits between tries */
	int		nretry;
	int		timeout_s;		/* one try at most */
};

/* The placeholders a template may use, NULL-terminated. */
extern const char *const notify_placeholders[];

#endif
