/*
 * lobbyctl: the front desk's, the guards' and engineering's view into lobbyd.
 * Reads the command line, sends one request over the control socket
 * (daemon/ctl.h), and prints the reply as tables or, with --json, as JSON.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../daemon/ctl.h"
#include "../daemon/util.h"
#include "format.h"

#define EXIT_REFUSED	1	/* lobbyd said no, or answered nonsense */
#define EXIT_USAGE	2
#define EXIT_CONNECT	3

#define REPLY_TIMEOUT_MS	30000
#define LIMIT_MAX		100000
#define LANE_MAX		31	/* bytes, as the store keeps them */
#define HOLDER_MAX		63
#define REASON_MAX		99	/* lobbyd keeps 99 bytes */

static const char usage_text[] =
"usage: lobbyctl [-s SOCKET] [--json] COMMAND ...\n"
"  status\n"
"  events [--follow] [--since T] [--lane L] [--limit N]\n"
"  devices\n"
"  alerts [--all] [--follow]\n"
"  card add UID --holder NAME [--from T] [--until T] [--disabled]\n"
"  card remove UID\n"
"  card list\n"
"  lane open LANE entry|exit --reason TEXT\n"
"  stats\n"
"\n"
"  -s SOCKET  lobbyd's control socket (else $" CTL_ENV_SOCKET ", else\n"
"             " CTL_DEFAULT_SOCKET ")\n"
"  --json     print the reply's data as JSON (--follow: one object a line)\n"
"\n"
"Times T: YYYY-MM-DD, \"YYYY-MM-DD HH:MM[:SS]\", YYYY-MM-DDTHH:MM[:SS],\n"
"HH:MM (today), now, or an age: 30s, 15m, 2h, 3d (that long ago).\n"
"--from and --until also take +8h, +2d (from now); --until DATE means to\n"
"the end of that day. Card UIDs: 4 to 31 hex digits.\n"
"\n"
"Exit status: 0 ok, 1 lobbyd refused or failed the request, 2 usage error,\n"
"3 cannot connect.\n";

/* Options; a command accepts only those in its mask. */
enum {
	O_FOLLOW = 1 << 0, O_SINCE = 1 << 1, O_LANE = 1 << 2,
	O_LIMIT = 1 << 3, O_ALL = 1 << 4, O_HOLDER = 1 << 5,
	O_FROM = 1 << 6, O_UNTIL = 1 << 7, O_DISABLED = 1 << 8,
	O_REASON = 1 << 9,
};

#define NPOS_MAX	8

struct opts {
	const char	*socket;
	bool		json;
	unsigned	seen;		/* O_* given */
	const char	*since, *lane, *limit, *holder, *from, *until, *reason;
	const char	*pos[NPOS_MAX];
	int		npos;
};

static const struct opt_def {
	const char	*name;
	unsigned	bit;
	size_t		value;		/* offset of the value, 0: a flag */
} opt_defs[] = {
	{ "--follow",	O_FOLLOW,	0 },
	{ "--all",	O_ALL,		0 },
	{ "--disabled",	O_DISABLED,	0 },
	{ "--since",	O_SINCE,	offsetof(struct opts, since) },
	{ "--lane",	O_LANE,		offsetof(struct opts, lane) },
	{ "--limit",	O_LIMIT,	offsetof(struct opts, limit) },
	{ "--holder",	O_HOLDER,	offsetof(struct opts, holder) },
	{ "--from",	O_FROM,		offsetof(struct opts, from) },
	{ "--until",	O_UNTIL,	offsetof(struct opts, until) },
	{ "--reason",	O_REASON,	offsetof(struct opts, reason) },
};

/* What was asked, and how its reply is shown. */
enum what { W_STATUS, W_EVENTS, W_DEVICES, W_ALERTS, W_CARD_ADD,
	W_CARD_REMOVE, W_CARD_LIST, W_LANE_OPEN, W_STATS };

static const struct cmd_def {
	const char	*name;		/* as typed: "card add" */
	const char	*cmd;		/* on the wire: "card.add" */
	enum what	what;
	int		nargs;		/* words after the name */
	unsigned	allowed;
} cmd_defs[] = {
	{ "status",	 "status",	W_STATUS,	0, 0 },
	{ "events",	 "events",	W_EVENTS,	0,
	    O_FOLLOW | O_SINCE | O_LANE | O_LIMIT },
	{ "devices",	 "devices",	W_DEVICES,	0, 0 },
	{ "alerts",	 "alerts",	W_ALERTS,	0, O_ALL | O_FOLLOW },
	{ "card add",	 "card.add",	W_CARD_ADD,	1,
	    O_HOLDER | O_FROM | O_UNTIL | O_DISABLED },
	{ "card remove", "card.remove",	W_CARD_REMOVE,	1, 0 },
	{ "card list",	 "card.list",	W_CARD_LIST,	0, 0 },
	{ "lane open",	 "lane.open",	W_LANE_OPEN,	2, O_REASON },
	{ "stats",	 "stats",	W_STATS,	0, 0 },
};

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list ap;

	fputs("lobbyctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A mistake in the command's shape: the message, then how it is used. */
static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("lobbyctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

/* Text from the wire, made safe for the terminal. */
static void
say_wire(const char *prefix, const char *text)
{
	char *clean = fmt_clean(text, 200);

	say("%s%s", prefix, clean != NULL ? clean : "");
	free(clean);
}

/* 0, or an exit status after saying what was wrong. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	bool options_end = false;
	const char *arg, *eq, *val;
	size_t i, nlen;
	int a;

	for (a = 1; a < argc; a++) {
		arg = argv[a];
		if (options_end || arg[0] != '-' || arg[1] == '\0') {
			if (o->npos == NPOS_MAX)
				return usage_error("too many arguments");
			o->pos[o->npos++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			options_end = true;
			continue;
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			fputs(usage_text, stdout);
			exit(0);
		}
		if (strcmp(arg, "--json") == 0) {
			o->json = true;
			continue;
		}
		if (strncmp(arg, "-s", 2) == 0 &&
		    strncmp(arg, "--", 2) != 0) {
			if (arg[2] != '\0')
				o->socket = arg + 2;
			else if (a + 1 < argc)
				o->socket = argv[++a];
			else
				return usage_error("-s needs a socket path");
			continue;
		}
		if (strncmp(arg, "--socket", 8) == 0 &&
		    (arg[8] == '\0' || arg[8] == '=')) {
			if (arg[8] == '=')
				o->socket = arg + 9;
			else if (a + 1 < argc)
				o->socket = argv[++a];
			else
				return usage_error("--socket needs a socket path");
			continue;
		}
		eq = strchr(arg, '=');
		nlen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		for (i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
			if (strlen(opt_defs[i].name) == nlen &&
			    strncmp(opt_defs[i].name, arg, nlen) == 0)
				break;
		if (i == sizeof(opt_defs) / sizeof(opt_defs[0]))
			return usage_error("unknown option %s", arg);
		o->seen |= opt_defs[i].bit;
		if (opt_defs[i].value == 0) {
			if (eq != NULL)
				return usage_error("%s takes no value",
				    opt_defs[i].name);
			continue;
		}
		if (eq != NULL)
			val = eq + 1;
		else if (a + 1 < argc)
			val = argv[++a];
		else
			return usage_error("%s needs a value", opt_defs[i].name);
		*(const char **)((char *)o + opt_defs[i].value) = val;
	}
	return 0;
}

/* The command named by the first words; an exit status if none fits. */
static int
find_cmd(const struct opts *o, const struct cmd_def **out)
{
	const struct cmd_def *c = NULL;
	size_t i, nwords;
	unsigned extra;

	if (o->npos == 0)
		return usage_error("no command given");
	for (i = 0; i < sizeof(cmd_defs) / sizeof(cmd_defs[0]); i++) {
		c = &cmd_defs[i];
		nwords = strchr(c->name, ' ') != NULL ? 2 : 1;
		if (nwords == 1 && strcmp(c->name, o->pos[0]) == 0)
			break;
		if (nwords == 2 && o->npos >= 2 &&
		    strncmp(c->name, o->pos[0], strlen(o->pos[0])) == 0 &&
		    c->name[strlen(o->pos[0])] == ' ' &&
		    strcmp(c->name + strlen(o->pos[0]) + 1, o->pos[1]) == 0)
			break;
	}
	if (i == sizeof(cmd_defs) / sizeof(cmd_defs[0])) {
		if (strcmp(o->pos[0], "card") == 0 || strcmp(o->pos[0], "lane") == 0) {
			if (o->npos < 2)
				return usage_error("%s: what to do? (%s)",
				    o->pos[0], o->pos[0][0] == 'c' ?
				    "add, remove, list" : "open");
			return usage_error("%s: unknown command \"%s\"",
			    o->pos[0], o->pos[1]);
		}
		return usage_error("unknown command \"%s\"", o->pos[0]);
	}
	nwords = strchr(c->name, ' ') != NULL ? 2 : 1;
	if ((size_t)o->npos < nwords + (size_t)c->nargs) {
		switch (c->what) {
		case W_CARD_ADD:
		case W_CARD_REMOVE:
			return usage_error("%s: which card? (a UID)", c->name);
		case W_LANE_OPEN:
			return usage_error("%s: which lane, and entry or exit?",
			    c->name);
		default:
			return usage_error("%s: missing argument", c->name);
		}
	}
	if ((size_t)o->npos > nwords + (size_t)c->nargs)
		return usage_error("%s: unexpected argument \"%s\"", c->name,
		    o->pos[nwords + (size_t)c->nargs]);
	extra = o->seen & ~c->allowed;
	if (extra != 0) {
		for (i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
			if (extra & opt_defs[i].bit)
				break;
		return usage_error("%s: %s does not apply here", c->name,
		    opt_defs[i].name);
	}
	*out = c;
	return 0;
}

static int
bad_time(const char *opt, const char *val, enum fmt_time_use use)
{
	say("%s: cannot read \"%s\" as a time (YYYY-MM-DD [HH:MM], HH:MM, "
	    "15m, 2h, 3d%s)", opt, val, use == FMT_T_PAST ? "" : ", +8h");
	return EXIT_USAGE;
}

/* Operator text bound for the store: names, reasons. */
static int
check_text(const char *opt, const char *val, size_t max)
{
	const char *p;

	for (p = val; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '\0') {
		say("%s: must not be empty", opt);
		return EXIT_USAGE;
	}
	if (strlen(val) > max) {
		say("%s: too long (at most %zu bytes)", opt, max);
		return EXIT_USAGE;
	}
	if (!fmt_text_is_clean(val)) {
		say("%s: control characters or bytes that are not UTF-8", opt);
		return EXIT_USAGE;
	}
	return 0;
}

static int
add_uid(struct json_object *args, const char *val)
{
	char uid[FMT_UID_MAX + 1];

	if (fmt_uid_normalize(val, uid) == -1) {
		char *clean = fmt_clean(val, 40);

		say("card UID \"%s\" is not %d to %d hex digits",
		    clean != NULL ? clean : "", FMT_UID_MIN, FMT_UID_MAX);
		free(clean);
		return EXIT_USAGE;
	}
	json_object_object_add(args, "uid", json_object_new_string(uid));
	return 0;
}

/* The "args" of the request; 0, or an exit status after saying why not. */
static int
build_args(const struct cmd_def *c, const struct opts *o,
    struct json_object *args)
{
	int64_t now = real_ms(), from = 0, until = 0, since;
	const char *const *w = o->pos + 2;	/* after "card add" */
	char *end;
	long limit;
	int rc;

	switch (c->what) {
	case W_EVENTS:
		if (o->seen & O_SINCE) {
			if (fmt_time_parse(o->since, now, FMT_T_PAST, &since) == -1)
				return bad_time("--since", o->since, FMT_T_PAST);
			json_object_object_add(args, "since_ms",
			    json_object_new_int64(since));
		}
		if (o->seen & O_LANE) {
			if ((rc = check_text("--lane", o->lane, LANE_MAX)) != 0)
				return rc;
			json_object_object_add(args, "lane",
			    json_object_new_string(o->lane));
		}
		if (o->seen & O_LIMIT) {
			errno = 0;
			limit = strtol(o->limit, &end, 10);
			if (errno != 0 || end == o->limit || *end != '\0' ||
			    limit < 1 || limit > LIMIT_MAX) {
				say("--limit: \"%s\" is not a number from 1 to %d",
				    o->limit, LIMIT_MAX);
				return EXIT_USAGE;
			}
			json_object_object_add(args, "limit",
			    json_object_new_int((int)limit));
		}
		/* FALLTHROUGH */
	case W_ALERTS:
		if (o->seen & O_ALL)
			json_object_object_add(args, "all",
			    json_object_new_boolean(1));
		if (o->seen & O_FOLLOW)
			json_object_object_add(args, "follow",
			    json_object_new_boolean(1));
		return 0;
	case W_CARD_ADD:
		if ((rc = add_uid(args, w[0])) != 0)
			return rc;
		if (!(o->seen & O_HOLDER)) {
			say("card add: --holder NAME is needed");
			return EXIT_USAGE;
		}
		if ((rc = check_text("--holder", o->holder, HOLDER_MAX)) != 0)
			return rc;
		json_object_object_add(args, "holder",
		    json_object_new_string(o->holder));
		json_object_object_add(args, "enabled",
		    json_object_new_boolean(!(o->seen & O_DISABLED)));
		if (o->seen & O_FROM) {
			if (fmt_time_parse(o->from, now, FMT_T_START, &from) == -1)
				return bad_time("--from", o->from, FMT_T_START);
			json_object_object_add(args, "valid_from_ms",
			    json_object_new_int64(from));
		}
		if (o->seen & O_UNTIL) {
			if (fmt_time_parse(o->until, now, FMT_T_END, &until) == -1)
				return bad_time("--until", o->until, FMT_T_END);
			if ((o->seen & O_FROM) && until <= from) {
				say("--until \"%s\" is not after --from \"%s\"",
				    o->until, o->from);
				return EXIT_USAGE;
			}
			json_object_object_add(args, "valid_until_ms",
			    json_object_new_int64(until));
		}
		return 0;
	case W_CARD_REMOVE:
		return add_uid(args, w[0]);
	case W_LANE_OPEN:
		if ((rc = check_text("lane", w[0], LANE_MAX)) != 0)
			return rc;
		if (strcmp(w[1], "entry") != 0 && strcmp(w[1], "exit") != 0) {
			char *clean = fmt_clean(w[1], 40);

			say("lane open: direction \"%s\" is not entry or exit",
			    clean != NULL ? clean : "");
			free(clean);
			return EXIT_USAGE;
		}
		if (!(o->seen & O_REASON)) {
			say("lane open: --reason TEXT is needed (it is recorded "
			    "with your name)");
			return EXIT_USAGE;
		}
		if ((rc = check_text("--reason", o->reason, REASON_MAX)) != 0)
			return rc;
		json_object_object_add(args, "lane",
		    json_object_new_string(w[0]));
		json_object_object_add(args, "direction",
		    json_object_new_string(w[1]));
		json_object_object_add(args, "reason",
		    json_object_new_string(o->reason));
		return 0;
	default:
		return 0;
	}
}

/* One connection to lobbyd and the bytes read from it. */
struct conn {
	int		fd;
	const char	*path;
	char		*buf;		/* CTL_LINE_MAX + 1 */
	size_t		len;
	size_t		used;		/* bytes of the last line handed out */
};

static int
conn_open(struct conn *c, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	c->path = path;
	c->len = c->used = 0;
	if (!str_copy(sun.sun_path, path, sizeof(sun.sun_path))) {
		say("cannot connect to %s: path too long (at most %zu bytes)",
		    path, sizeof(sun.sun_path) - 1);
		return EXIT_CONNECT;
	}
	if ((c->buf = malloc(CTL_LINE_MAX + 1)) == NULL) {
		say("out of memory");
		return EXIT_REFUSED;
	}
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		say("cannot connect to %s: socket: %s", path, strerror(errno));
		goto out_free_buf;
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		say("cannot connect to %s: %s", path, strerror(errno));
		goto out_close_fd;
	}
	return 0;

out_close_fd:
	close(c->fd);
out_free_buf:
	free(c->buf);
	return EXIT_CONNECT;
}

static void
conn_close(struct conn *c)
{
	close(c->fd);
	free(c->buf);
}

static int
conn_send(struct conn *c, const char *line, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(c->fd, line, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			say("%s: cannot send the request: %s", c->path,
			    strerror(errno));
			return -1;
		}
		line += n;
		len -= (size_t)n;
	}
	return 0;
}

enum { LINE_EOF = 0, LINE_OK = 1, LINE_ERR = -1, LINE_STOP = -2 };

/*
 * The next line from lobbyd, NUL-terminated without its newline, in *line
 * (valid until the next call). deadline_ns (mono_ns) 0: wait as long as it
 * takes, returning LINE_STOP on SIGINT or SIGTERM. LINE_ERR has been said.
 */
static int
conn_read_line(struct conn *c, int64_t deadline_ns, const sigset_t *waitmask,
    char **line)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	struct timespec ts, *tsp;
	char *nl;
	ssize_t n;
	int64_t left;
	int rc;

	if (c->used > 0) {
		memmove(c->buf, c->buf + c->used, c->len - c->used);
		c->len -= c->used;
		c->used = 0;
	}
	for (;;) {
		if ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
			*nl = '\0';
			c->used = (size_t)(nl - c->buf) + 1;
			*line = c->buf;
			return LINE_OK;
		}
		if (c->len >= CTL_LINE_MAX) {
			say("bad reply from lobbyd: a line longer than %d bytes",
			    CTL_LINE_MAX);
			return LINE_ERR;
		}
		tsp = NULL;
		if (deadline_ns != 0) {
			left = deadline_ns - mono_ns();
			if (left <= 0) {
				say("%s: no reply from lobbyd within %d s",
				    c->path, REPLY_TIMEOUT_MS / 1000);
				return LINE_ERR;
			}
			ts.tv_sec = left / 1000000000LL;
			ts.tv_nsec = left % 1000000000LL;
			tsp = &ts;
		}
		rc = ppoll(&pfd, 1, tsp, waitmask);
		if (rc == -1 && errno == EINTR) {
			if (interrupted)
				return LINE_STOP;
			continue;
		}
		if (rc == -1) {
			say("%s: poll: %s", c->path, strerror(errno));
			return LINE_ERR;
		}
		if (rc == 0)
			continue;
		n = read(c->fd, c->buf + c->len, CTL_LINE_MAX - c->len);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1) {
			say("%s: read: %s", c->path, strerror(errno));
			return LINE_ERR;
		}
		if (n == 0) {
			if (c->len > 0) {
				say("bad reply from lobbyd: the connection "
				    "closed in the middle of a line");
				return LINE_ERR;
			}
			return LINE_EOF;
		}
		c->len += (size_t)n;
	}
}

/* A line as a JSON object, or NULL after saying why it is not one. */
static struct json_object *
parse_line(const char *line)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t len = strlen(line);

	if ((tok = json_tokener_new()) == NULL) {
		say("out of memory");
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, line, (int)len);
	jerr = json_tokener_get_error(tok);
	if (obj == NULL || jerr != json_tokener_success ||
	    json_tokener_get_parse_end(tok) < len ||
	    !json_object_is_type(obj, json_type_object)) {
		char *clean = fmt_clean(line, 80);

		say("bad reply from lobbyd: %s: \"%s\"",
		    obj == NULL || jerr != json_tokener_success ?
		    json_tokener_error_desc(jerr == json_tokener_success ?
		    json_tokener_continue : jerr) :
		    "not one JSON object", clean != NULL ? clean : "");
		free(clean);
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

/* Fields of an object from lobbyd, absent ones empty. */
static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "";
	s = json_object_get_string(v);
	return s != NULL ? s : "";
}

static int64_t
jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	return json_object_get_int64(v);
}

static bool
jbool(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return false;
	return json_object_get_boolean(v);
}

static void
print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* One row of a table from one object lobbyd sent. */
#define ROW_MAX		10
struct row {
	const char	*cell[ROW_MAX];
	char		t1[FMT_TIME_LEN], t2[FMT_TIME_LEN], t3[FMT_TIME_LEN];
	char		words[48];
	char		n1[24], n2[24], n3[24];
	char		text[400];
};

static const struct fmt_col event_cols[] = {
	{ "TIME",	19, 0,  false },
	{ "LANE",	6,  16, false },
	{ "DEVICE",	8,  16, false },
	{ "DIR",	5,  0,  false },
	{ "CARD",	10, 31, false },
	{ "RESULT",	10, 16, false },
	{ "REASON",	24, 48, false },
	{ "BY",		0,  16, false },
};

static void
event_row(struct json_object *ev, struct row *r)
{
	const char *decision = jstr(ev, "decision");
	const char *kind = jstr(ev, "kind");
	const char *why = jstr(ev, "reason_text");
	const char *detail = jstr(ev, "detail");

	if (why[0] == '\0')
		why = jstr(ev, "reason");
	fmt_time(jint(ev, "ts_ms"), r->t1, sizeof(r->t1));
	if (why[0] != '\0' && detail[0] != '\0' && strcmp(why, detail) != 0)
		snprintf(r->text, sizeof(r->text), "%s: %s", why, detail);
	else
		snprintf(r->text, sizeof(r->text), "%s",
		    why[0] != '\0' ? why : detail);
	r->cell[0] = r->t1;
	r->cell[1] = jstr(ev, "lane");
	r->cell[2] = jstr(ev, "device");
	r->cell[3] = jstr(ev, "direction");
	r->cell[4] = jstr(ev, "credential");
	/* A decision for card reads; the kind for the rest, a manual open
	   included (its "granted" says less than "manual open"). */
	if (decision[0] != '\0' && (strcmp(kind, "access") == 0 ||
	    kind[0] == '\0'))
		r->cell[5] = decision;
	else
		r->cell[5] = fmt_kind_words(kind, r->words, sizeof(r->words));
	r->cell[6] = r->text;
	r->cell[7] = jstr(ev, "actor");
}

static const struct fmt_col device_cols[] = {
	{ "NAME",	0, 24, false },
	{ "KIND",	0, 0,  false },
	{ "LINK",	0, 16, false },
	{ "STATE",	0, 20, false },
	{ "FAULT",	0, 0,  true },
	{ "ENTRY",	0, 0,  true },
	{ "EXIT",	0, 0,  true },
	{ "SINCE",	0, 0,  false },
	{ "REASON",	0, 60, false },
};

static void
device_row(struct json_object *d, struct row *r)
{
	const char *reason = jstr(d, "reason");
	int64_t failures = jint(d, "failures"), fault = jint(d, "fault_code");

	if (!jbool(d, "online"))
		snprintf(r->words, sizeof(r->words), "offline");
	else
		snprintf(r->words, sizeof(r->words), "online %s",
		    jstr(d, "state"));
	if (fault != 0)
		snprintf(r->n1, sizeof(r->n1), "%lld", (long long)fault);
	else
		r->n1[0] = '\0';
	snprintf(r->n2, sizeof(r->n2), "%lld",
	    (long long)jint(d, "entry_count"));
	snprintf(r->n3, sizeof(r->n3), "%lld",
	    (long long)jint(d, "exit_count"));
	fmt_time(jint(d, "since_ms"), r->t1, sizeof(r->t1));
	if (failures > 0)
		snprintf(r->text, sizeof(r->text), "%s%s(%lld failures)",
		    reason, reason[0] != '\0' ? " " : "", (long long)failures);
	else
		snprintf(r->text, sizeof(r->text), "%s", reason);
	r->cell[0] = jstr(d, "name");
	r->cell[1] = jstr(d, "kind");
	r->cell[2] = jstr(d, "link");
	r->cell[3] = r->words;
	r->cell[4] = r->n1;
	r->cell[5] = r->n2;
	r->cell[6] = r->n3;
	r->cell[7] = r->t1;
	r->cell[8] = r->text;
}

/* With --all or --follow the table has CLEARED: a followed alert may be
   one that has just cleared. */
static const struct fmt_col alert_cols[] = {
	{ "ID",		4,  0,  true },
	{ "RAISED",	19, 0,  false },
	{ "SEVERITY",	9,  0,  false },
	{ "SOURCE",	10, 24, false },
	{ "KIND",	7,  16, false },
	{ "MESSAGE",	0,  72, false },
};
static const struct fmt_col alert_all_cols[] = {
	{ "ID",		4,  0,  true },
	{ "RAISED",	19, 0,  false },
	{ "CLEARED",	19, 0,  false },
	{ "SEVERITY",	9,  0,  false },
	{ "SOURCE",	10, 24, false },
	{ "KIND",	7,  16, false },
	{ "MESSAGE",	0,  72, false },
};

static void
alert_row(struct json_object *al, bool cleared_col, struct row *r)
{
	int i = 0;
	int64_t cleared = jint(al, "cleared_ms");

	snprintf(r->n1, sizeof(r->n1), "%lld", (long long)jint(al, "id"));
	fmt_time(jint(al, "raised_ms"), r->t1, sizeof(r->t1));
	if (cleared != 0)
		fmt_time(cleared, r->t2, sizeof(r->t2));
	else
		snprintf(r->t2, sizeof(r->t2), "active");
	r->cell[i++] = r->n1;
	r->cell[i++] = r->t1;
	if (cleared_col)
		r->cell[i++] = r->t2;
	r->cell[i++] = jstr(al, "severity");
	r->cell[i++] = jstr(al, "source");
	r->cell[i++] = jstr(al, "kind");
	r->cell[i++] = jstr(al, "message");
}

static const struct fmt_col card_cols[] = {
	{ "UID",	0, 0,  false },
	{ "HOLDER",	0, 40, false },
	{ "ENABLED",	0, 0,  false },
	{ "FROM",	0, 0,  false },
	{ "UNTIL",	0, 0,  false },
};

static void
card_row(struct json_object *cd, struct row *r)
{
	fmt_time(jint(cd, "valid_from_ms"), r->t1, sizeof(r->t1));
	fmt_time(jint(cd, "valid_until_ms"), r->t2, sizeof(r->t2));
	r->cell[0] = jstr(cd, "uid");
	r->cell[1] = jstr(cd, "holder");
	r->cell[2] = jbool(cd, "enabled") ? "yes" : "no";
	r->cell[3] = r->t1;
	r->cell[4] = r->t2;
}

/* Builds one table row from an object of the reply. */
static void
make_row(enum what what, bool all, struct json_object *o, struct row *r)
{
	memset(r->cell, 0, sizeof(r->cell));
	switch (what) {
	case W_EVENTS:
		event_row(o, r);
		break;
	case W_DEVICES:
		device_row(o, r);
		break;
	case W_ALERTS:
		alert_row(o, all, r);
		break;
	default:
		card_row(o, r);
		break;
	}
}

/* "events_committed" -> "events committed", in buf. */
static const char *
key_words(const char *key, size_t cut, char *buf, size_t len)
{
	size_t i;

	for (i = 0; key[i] != '\0' && i < cut && i + 1 < len; i++)
		buf[i] = key[i] == '_' ? ' ' : key[i];
	buf[i] = '\0';
	return buf;
}

static bool
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n >= m && strcmp(s + n - m, tail) == 0;
}

#define KV_MAX	64

struct kv {
	char	key[KV_MAX][64];
	char	val[KV_MAX][160];
	const char *keys[KV_MAX], *vals[KV_MAX];
	int	n;
};

static void
kv_add_value(struct kv *kv, const char *key, size_t cut, const char *unit_ns,
    struct json_object *v)
{
	char *k, *out;
	size_t vl;

	if (kv->n == KV_MAX)
		return;
	k = kv->key[kv->n];
	out = kv->val[kv->n];
	vl = sizeof(kv->val[0]);
	key_words(key, cut, k, sizeof(kv->key[0]));
	if (unit_ns != NULL) {
		size_t kl = strlen(k);

		snprintf(k + kl, sizeof(kv->key[0]) - kl, " %s", unit_ns);
	}
	if (v == NULL)
		snprintf(out, vl, "-");
	else if (json_object_is_type(v, json_type_boolean))
		snprintf(out, vl, "%s", json_object_get_boolean(v) ? "yes" : "no");
	else if (json_object_is_type(v, json_type_string))
		snprintf(out, vl, "%s", json_object_get_string(v));
	else
		snprintf(out, vl, "%s", json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	kv->keys[kv->n] = k;
	kv->vals[kv->n] = out;
	kv->n++;
}

/*
 * status and stats as "key: value" lines: times ("_ms") in local time,
 * nanosecond figures ("_ns") in milliseconds, one level of nesting flattened
 * ("latency p99: 1.250 ms"). Keys lobbyctl does not know are shown as sent.
 */
static void
print_kv(struct json_object *data)
{
	struct kv *kv = calloc(1, sizeof(*kv));
	size_t cut;

	if (kv == NULL)
		return;
	json_object_object_foreach(data, key, val) {
		if (ends_with(key, "_ms") && val != NULL &&
		    json_object_is_type(val, json_type_int)) {
			char t[FMT_TIME_LEN];
			struct json_object *s;

			fmt_time(json_object_get_int64(val), t, sizeof(t));
			s = json_object_new_string(t);
			kv_add_value(kv, key, strlen(key) - 3, NULL, s);
			json_object_put(s);
		} else if (val != NULL &&
		    json_object_is_type(val, json_type_object)) {
			bool ns = ends_with(key, "_ns");

			cut = strlen(key) - (ns ? 3 : 0);
			json_object_object_foreach(val, sub, sv) {
				char k[128], v[160];
				struct json_object *s = NULL;

				snprintf(k, sizeof(k), "%.*s", (int)cut, key);
				if (sv != NULL && json_object_is_type(sv,
				    json_type_object)) {
					/* "links": {"bus1": {"pid": 7}} */
					size_t vl = 0;

					v[0] = '\0';
					json_object_object_foreach(sv, k2, v2) {
						snprintf(v + vl, sizeof(v) - vl,
						    "%s%s %s", vl > 0 ? ", " : "",
						    k2, v2 != NULL ?
						    json_object_get_string(v2) :
						    "-");
						vl = strlen(v);
					}
					s = json_object_new_string(v);
				} else if (ns && strcmp(sub, "count") != 0 &&
				    sv != NULL && (json_object_is_type(sv,
				    json_type_int) || json_object_is_type(sv,
				    json_type_double))) {
					snprintf(v, sizeof(v), "%.3f ms",
					    json_object_get_double(sv) / 1e6);
					s = json_object_new_string(v);
				}
				kv_add_value(kv, k, sizeof(k), sub,
				    s != NULL ? s : sv);
				json_object_put(s);
			}
		} else {
			kv_add_value(kv, key, strlen(key), NULL, val);
		}
	}
	fmt_kv_print(kv->keys, kv->vals, kv->n, stdout);
	free(kv);
}

/* The reply's data, shown; 0 or an exit status. */
static int
show(const struct cmd_def *c, const struct opts *o, struct json_object *data,
    struct fmt_table **tablep)
{
	const struct fmt_col *cols;
	struct fmt_table *t;
	struct row r;
	size_t i, n;
	int ncols;
	bool follow = (o->seen & O_FOLLOW) != 0;
	bool all = (o->seen & (O_ALL | O_FOLLOW)) != 0;
	struct json_object *item;

	switch (c->what) {
	case W_EVENTS:
		cols = event_cols;
		ncols = 8;
		break;
	case W_DEVICES:
		cols = device_cols;
		ncols = 9;
		break;
	case W_ALERTS:
		cols = all ? alert_all_cols : alert_cols;
		ncols = all ? 7 : 6;
		break;
	case W_CARD_LIST:
		cols = card_cols;
		ncols = 5;
		break;
	default:
		if (data == NULL || !json_object_is_type(data, json_type_object)) {
			say("bad reply from lobbyd: \"data\" is not an object");
			return EXIT_REFUSED;
		}
		if (o->json) {
			print_json(data);
		} else if (c->what == W_CARD_ADD) {
			t = fmt_table_new(card_cols, 5);
			if (t == NULL)
				return EXIT_REFUSED;
			card_row(data, &r);
			fmt_table_add(t, r.cell);
			fmt_table_print(t, stdout);
			fmt_table_free(t);
		} else if (c->what == W_CARD_REMOVE) {
			printf("removed card %s\n", jstr(data, "uid"));
		} else if (c->what == W_LANE_OPEN) {
			char *lane = fmt_clean(jstr(data, "lane"), 40);
			char *dir = fmt_clean(jstr(data, "direction"), 8);

			printf("opened %s for %s (event %lld)\n",
			    lane != NULL ? lane : "", dir != NULL ? dir : "",
			    (long long)jint(data, "event_id"));
			free(lane);
			free(dir);
		} else {
			print_kv(data);
		}
		return 0;
	}

	if (data == NULL || !json_object_is_type(data, json_type_array)) {
		say("bad reply from lobbyd: \"data\" is not a list");
		return EXIT_REFUSED;
	}
	n = json_object_array_length(data);
	if (o->json && !follow) {
		print_json(data);
		return 0;
	}
	if (o->json) {
		for (i = 0; i < n; i++)
			print_json(json_object_array_get_idx(data, i));
		return 0;
	}
	if ((t = fmt_table_new(cols, ncols)) == NULL) {
		say("out of memory");
		return EXIT_REFUSED;
	}
	for (i = 0; i < n; i++) {
		item = json_object_array_get_idx(data, i);
		if (item == NULL || !json_object_is_type(item, json_type_object)) {
			say("bad reply from lobbyd: item %zu of \"data\" is not "
			    "an object", i);
			fmt_table_free(t);
			return EXIT_REFUSED;
		}
		make_row(c->what, all, item, &r);
		if (fmt_table_add(t, r.cell) == -1) {
			say("out of memory");
			fmt_table_free(t);
			return EXIT_REFUSED;
		}
	}
	if (n == 0 && !follow) {
		printf("no %s\n", c->what == W_EVENTS ? "events" :
		    c->what == W_DEVICES ? "devices" :
		    c->what == W_CARD_LIST ? "cards" :
		    all ? "alerts" : "active alerts");
		fmt_table_free(t);
		return 0;
	}
	if (follow)
		fmt_table_widen(t);
	fmt_table_print(t, stdout);
	if (tablep != NULL && follow)
		*tablep = t;
	else
		fmt_table_free(t);
	return 0;
}

/* The lines lobbyd pushes after a followed reply, until it closes or we
   are interrupted. */
static int
follow(struct conn *conn, const struct cmd_def *c, const struct opts *o,
    struct fmt_table *t, const sigset_t *waitmask)
{
	const char *key = c->what == W_EVENTS ? "event" : "alert";
	struct json_object *msg, *item;
	struct row r;
	char *line;
	int rc;

	for (;;) {
		if (fflush(stdout) == EOF)
			return EXIT_REFUSED;
		rc = conn_read_line(conn, 0, waitmask, &line);
		if (rc == LINE_EOF || rc == LINE_STOP)
			return 0;
		if (rc == LINE_ERR)
			return EXIT_REFUSED;
		if ((msg = parse_line(line)) == NULL)
			return EXIT_REFUSED;
		if (!json_object_object_get_ex(msg, key, &item) ||
		    item == NULL || !json_object_is_type(item, json_type_object)) {
			struct json_object *err;

			if (json_object_object_get_ex(msg, "error", &err))
				say_wire("", json_object_get_string(err));
			else
				say_wire("bad reply from lobbyd: expected an "
				    "update, got ", line);
			json_object_put(msg);
			return EXIT_REFUSED;
		}
		if (o->json) {
			print_json(item);
		} else {
			make_row(c->what, true, item, &r);
			fmt_table_print_row(t, r.cell, stdout);
		}
		json_object_put(msg);
	}
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	const struct cmd_def *c = NULL;
	struct json_object *req, *args, *reply, *okv, *err, *data;
	struct fmt_table *table = NULL;
	struct conn conn;
	struct sigaction sa;
	sigset_t block, waitmask;
	const char *path, *text;
	char *line;
	int rc;

	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc;
	if ((rc = find_cmd(&o, &c)) != 0)
		return rc;
	if ((req = json_object_new_object()) == NULL ||
	    (args = json_object_new_object()) == NULL) {
		say("out of memory");
		return EXIT_REFUSED;
	}
	json_object_object_add(req, "cmd", json_object_new_string(c->cmd));
	json_object_object_add(req, "args", args);
	if ((rc = build_args(c, &o, args)) != 0)
		goto out_put_req;

	path = o.socket;
	if (path == NULL || path[0] == '\0')
		path = getenv(CTL_ENV_SOCKET);
	if (path == NULL || path[0] == '\0')
		path = CTL_DEFAULT_SOCKET;

	/* SIGINT and SIGTERM reach us only while we wait for lobbyd, so a
	   followed stream ends between lines, with status 0. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (o.seen & O_FOLLOW) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigprocmask(SIG_BLOCK, &block, &waitmask);
	} else {
		sigprocmask(SIG_SETMASK, NULL, &waitmask);
	}

	if ((rc = conn_open(&conn, path)) != 0)
		goto out_put_req;
	text = json_object_to_json_string_ext(req,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	{
		size_t len = strlen(text);
		char *out = malloc(len + 2);

		rc = EXIT_REFUSED;
		if (out == NULL)
			goto out_close_conn;
		memcpy(out, text, len);
		out[len] = '\n';
		out[len + 1] = '\0';
		if (len + 1 > CTL_LINE_MAX)
			say("request too long (%zu bytes)", len + 1);
		else
			rc = conn_send(&conn, out, len + 1) == 0 ? 0 :
			    EXIT_REFUSED;
		free(out);
		if (rc != 0)
			goto out_close_conn;
	}

	rc = conn_read_line(&conn, mono_ns() + REPLY_TIMEOUT_MS * NS_PER_MS,
	    &waitmask, &line);
	if (rc == LINE_STOP) {
		rc = 0;
		goto out_close_conn;
	}
	if (rc == LINE_EOF)
		say("%s: lobbyd closed the connection without a reply", path);
	if (rc != LINE_OK) {
		rc = EXIT_REFUSED;
		goto out_close_conn;
	}
	rc = EXIT_REFUSED;
	if ((reply = parse_line(line)) == NULL)
		goto out_close_conn;
	if (!json_object_object_get_ex(reply, "ok", &okv) || okv == NULL ||
	    !json_object_is_type(okv, json_type_boolean)) {
		say_wire("bad reply from lobbyd: no \"ok\": ", line);
		goto out_put_reply;
	}
	if (!json_object_get_boolean(okv)) {
		if (json_object_object_get_ex(reply, "error", &err) &&
		    err != NULL && json_object_get_string(err)[0] != '\0')
			say_wire("", json_object_get_string(err));
		else
			say("lobbyd refused the request without saying why");
		goto out_put_reply;
	}
	if (!json_object_object_get_ex(reply, "data", &data))
		data = NULL;
	if ((rc = show(c, &o, data, &table)) != 0)
		goto out_put_reply;
	if (o.seen & O_FOLLOW)
		rc = follow(&conn, c, &o, table, &waitmask);

out_put_reply:
	fmt_table_free(table);
	json_object_put(reply);
out_close_conn:
	conn_close(&conn);
out_put_req:
	json_object_put(req);
	if (fflush(stdout) == EOF && rc == 0)
		rc = EXIT_REFUSED;
	return rc;
}
