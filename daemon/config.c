/*
 * Config loading: libconfig parses the file, this module checks every setting
 * (unknown keys, types, ranges, names and the references between them) and
 * copies the result into a plain struct site_conf. Errors are "FILE:LINE: ..."
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

#define DEF_DB_PATH	"/var/lib/lobbyd/lobbyd.db"
#define DEF_SOCKET	"/run/lobbyd/control.sock"
#define DEF_SITE_NAME	"lobbyd"
#define SOCKET_PATH_MAX	108	/* sizeof(sockaddr_un.sun_path) */

/* One error line, kept until the end so the lines come out in file order. */
struct conf_err {
	const char	*file;
	bool		included;	/* from an @include, not the main file */
	int		line;
	int		seq;
	char		*text;		/* the whole line, without newline */
};

/* A file's text, for looking at integer literals libconfig 1.5 wraps. */
struct src_text {
	char		*name;
	char		*text;
};

#define SRC_MAX	8

/* Where a setting sits: "links[0]" for unknown keys, `links[0] "bus1"` to
 * start a message, "commands.free." in front of nested keys. */
struct scope {
	char		path[96];
	char		label[160];
	char		kp[48];
};

struct load {
	const char	*file;
	FILE		*errs;
	struct site_conf *site;
	config_t	cfg;
	struct conf_err	*ev;
	int		nev, cap;
	int		nerr;
	struct src_text	src[SRC_MAX];
	int		nsrc;
	char		*incdir;		/* directory of FILE, with '/' */
	char		*incname[SRC_MAX];	/* included files, as opened */
	int		nincname;

	/* Pending references, resolved once every section is read. */
	int		nlink_sec;		/* links from the links section */
	int		ndev_sec;		/* devices from the devices section */
	int		nreaders;
	const config_setting_t *dev_link[CONF_MAX_DEVICES];
	const config_setting_t *dev_profile[CONF_MAX_DEVICES];
	const config_setting_t *dev_unit[CONF_MAX_DEVICES];
	long long	dev_unit_val[CONF_MAX_DEVICES];
	char		dev_unit_txt[CONF_MAX_DEVICES][24];
	const config_setting_t *dev_elem[CONF_MAX_DEVICES];
	const config_setting_t *link_elem[CONF_MAX_LINKS];
	const config_setting_t *link_path[CONF_MAX_LINKS];
	const config_setting_t *lane_elem[CONF_MAX_LANES];
	const config_setting_t *lane_ts[CONF_MAX_LANES];
	const config_setting_t *lane_in[CONF_MAX_LANES];
	const config_setting_t *lane_out[CONF_MAX_LANES];
	const config_setting_t *prof_elem[CONF_MAX_PROFILES];
};

static const int baud_rates[] = { 1200, 2400, 4800, 9600, 19200, 38400,
    57600, 115200, 230400 };

static const char *const top_keys[] = { "site", "store", "control", "health",
    "profiles", "links", "devices", "readers", "lanes", NULL };
static const char *const site_keys[] = { "name", NULL };
static const char *const store_keys[] = { "database", "event_batch_ms", NULL };
static const char *const control_keys[] = { "socket", "groups", NULL };
static const char *const health_keys[] = { "offline_after", "backoff_max_ms",
    NULL };
static const char *const profile_keys[] = { "name", "kind", "state",
    "state_values", "entry_counter", "exit_counter", "fault_code", "commands",
    NULL };
static const char *const state_value_keys[] = { "idle", "passing", "fault",
    NULL };
static const char *const command_keys[] = { "open_entry", "open_exit", "free",
    "lock", NULL };
static const char *const write_keys[] = { "register", "value", NULL };
static const char *const link_keys[] = { "name", "type", "host", "port",
    "path", "baud", "parity", "data_bits", "stop_bits", "timeout_ms", NULL };
static const char *const tcp_keys[] = { "name", "type", "host", "port",
    "timeout_ms", NULL };
static const char *const rtu_keys[] = { "name", "type", "path", "baud",
    "parity", "data_bits", "stop_bits", "timeout_ms", NULL };
static const char *const device_keys[] = { "name", "link", "unit", "profile",
    "poll_ms", NULL };
static const char *const reader_keys[] = { "name", "path", "baud", "format",
    NULL };
static const char *const lane_keys[] = { "name", "turnstile", "entry_reader",
    "exit_reader", "pass_timeout_ms", NULL };

static const char *const link_type_names[] = { "modbus-tcp", "modbus-rtu",
    NULL };
static const char *const parity_names[] = { "none", "even", "odd", NULL };
static const char parity_chars[] = { 'N', 'E', 'O' };
static const char *const format_names[] = { "em4100", "wiegand-ascii", NULL };
static const char *const kind_names[] = { "turnstile", NULL };
static const char *const table_names[] = { "coil", "discrete", "input",
    "holding", NULL };

/* The root: top-level settings are named without a prefix. */
static const struct scope root_scope;

/* Kinds of value a setting may be asked to be. */
enum want { W_INT, W_STR, W_GROUP, W_LIST, W_STRINGS };

/* ------------------------------------------------------------------ */
/* Error lines                                                          */

/* snprintf where cutting a long name short is fine. */
static void bufprintf(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void
bufprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* The name of a file libconfig read: FILE itself, or an @include, which
 * libconfig names as written and opens relative to FILE's directory. */
static const char *
file_name(struct load *ld, const char *raw)
{
	char *name;
	int i;

	if (raw == NULL)
		return ld->file;
	if (raw[0] == '/' || ld->incdir == NULL)
		return raw;
	for (i = 0; i < ld->nincname; i++)
		if (strcmp(ld->incname[i] + strlen(ld->incdir), raw) == 0)
			return ld->incname[i];
	if (ld->nincname == SRC_MAX ||
	    asprintf(&name, "%s%s", ld->incdir, raw) < 0)
		return raw;
	ld->incname[ld->nincname++] = name;
	return name;
}

static const char *
setting_file(struct load *ld, const config_setting_t *s)
{
	return file_name(ld, s != NULL ? config_setting_source_file(s) : NULL);
}

static void
add_err_line(struct load *ld, const char *file, int line, const char *text)
{
	struct conf_err *e;

	ld->nerr++;
	if (ld->nev == ld->cap) {
		int ncap = ld->cap ? ld->cap * 2 : 16;
		struct conf_err *nv = realloc(ld->ev, (size_t)ncap * sizeof(*nv));

		if (nv == NULL)
			goto out_print;
		ld->ev = nv;
		ld->cap = ncap;
	}
	e = &ld->ev[ld->nev];
	if ((e->text = strdup(text)) == NULL)
		goto out_print;
	e->file = file;
	e->included = file != ld->file;
	e->line = line;
	e->seq = ld->nev++;
	return;

out_print:
	/* Out of memory: the line still goes out, only not in file order. */
	if (ld->errs != NULL)
		fprintf(ld->errs, "%s:%d: %s\n", file, line, text);
}

static void
verr(struct load *ld, const config_setting_t *at, const char *prefix,
    const char *fmt, va_list ap)
{
	char msg[512];
	int n = 0;

	if (prefix != NULL && prefix[0] != '\0')
		n = snprintf(msg, sizeof(msg), "%s: ", prefix);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	add_err_line(ld, setting_file(ld, at),
	    at != NULL ? (int)config_setting_source_line(at) : 0, msg);
}

/* An error about setting AT, without a scope prefix. */
static void conf_err(struct load *, const config_setting_t *, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void
conf_err(struct load *ld, const config_setting_t *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(ld, at, NULL, fmt, ap);
	va_end(ap);
}

/* An error about setting AT, as `LABEL: message`. */
static void serr(struct load *, const struct scope *, const config_setting_t *,
    const char *, ...) __attribute__((format(printf, 4, 5)));
static void
serr(struct load *ld, const struct scope *sc, const config_setting_t *at,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(ld, at, sc->label, fmt, ap);
	va_end(ap);
}

static int
err_cmp(const void *a, const void *b)
{
	const struct conf_err *x = a, *y = b;
	int c;

	if (x->included != y->included)
		return x->included ? 1 : -1;
	if (x->file != y->file) {
		c = strcmp(x->file, y->file);
		if (c != 0)
			return c;
	}
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Prints the lines: the main file first in line order, then any included. */
static void
flush_errs(struct load *ld)
{
	int i;

	if (ld->nev > 0)
		qsort(ld->ev, (size_t)ld->nev, sizeof(*ld->ev), err_cmp);
	for (i = 0; i < ld->nev; i++) {
		if (ld->errs != NULL)
			fprintf(ld->errs, "%s:%d: %s\n", ld->ev[i].file,
			    ld->ev[i].line, ld->ev[i].text);
		free(ld->ev[i].text);
	}
	free(ld->ev);
	ld->ev = NULL;
	ld->nev = ld->cap = 0;
}

/* A string from the file, quoted for a message: printable, bounded. */
static const char *
q(char *buf, size_t size, const char *s)
{
	size_t n = 0;

	if (size < 8)
		return "\"\"";
	buf[n++] = '"';
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (n + 8 >= size) {
			memcpy(buf + n, "...", 3);
			n += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return buf;
}

/* ------------------------------------------------------------------ */
/* Scopes and names                                                     */

static bool
name_is_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n >= CONF_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static void
scope_top(struct scope *sc, const char *name)
{
	bufprintf(sc->path, sizeof(sc->path), "%s", name);
	bufprintf(sc->label, sizeof(sc->label), "%s", name);
	sc->kp[0] = '\0';
}

/* The scope of element I of a list: labelled with its name when it has a
 * valid one, so messages say `devices[1] "ts2"`. */
static void
scope_elem(struct scope *sc, const char *list, int i,
    const config_setting_t *elem)
{
	const config_setting_t *n = NULL;
	const char *name;

	bufprintf(sc->path, sizeof(sc->path), "%s[%d]", list, i);
	bufprintf(sc->label, sizeof(sc->label), "%s", sc->path);
	sc->kp[0] = '\0';
	if (config_setting_is_group(elem))
		n = config_setting_get_member(elem, "name");
	if (n != NULL && config_setting_type(n) == CONFIG_TYPE_STRING) {
		name = config_setting_get_string(n);
		if (name_is_valid(name))
			bufprintf(sc->label, sizeof(sc->label), "%s \"%s\"",
			    sc->path, name);
	}
}

/* A group nested in SC under KEY: same label, longer path and key prefix. */
static void
scope_sub(struct scope *sub, const struct scope *sc, const char *key)
{
	bufprintf(sub->path, sizeof(sub->path), "%s.%s", sc->path, key);
	bufprintf(sub->label, sizeof(sub->label), "%s", sc->label);
	bufprintf(sub->kp, sizeof(sub->kp), "%s%s.", sc->kp, key);
}

static bool
key_in(const char *key, const char *const *keys)
{
	for (; *keys != NULL; keys++)
		if (strcmp(key, *keys) == 0)
			return true;
	return false;
}

/* Rejects every member of G not in KEYS. TOP: the root, no "in PATH". */
static void
check_keys(struct load *ld, const struct scope *sc, const config_setting_t *g,
    const char *const *keys, bool top)
{
	int i, n = config_setting_length(g);

	for (i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *key = config_setting_name(m);

		if (key == NULL || key_in(key, keys))
			continue;
		if (top)
			conf_err(ld, m, "unknown setting \"%s\"", key);
		else
			conf_err(ld, m, "unknown setting \"%s\" in %s", key,
			    sc->path);
	}
}

/* ------------------------------------------------------------------ */
/* Getting settings with their types checked                            */

static bool
type_fits(const config_setting_t *s, enum want want)
{
	int t = config_setting_type(s);

	switch (want) {
	case W_INT:
		return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
	case W_STR:
		return t == CONFIG_TYPE_STRING;
	case W_GROUP:
		return t == CONFIG_TYPE_GROUP;
	case W_LIST:
		/* "()" is a list, "[]" an empty array: both are empty lists. */
		return t == CONFIG_TYPE_LIST ||
		    (t == CONFIG_TYPE_ARRAY && config_setting_length(s) == 0);
	case W_STRINGS:
		return t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST;
	}
	return false;
}

static const char *
want_name(enum want want)
{
	switch (want) {
	case W_INT:
		return "an integer";
	case W_STR:
		return "a string";
	case W_GROUP:
		return "a group { ... }";
	case W_LIST:
		return "a list ( ... )";
	case W_STRINGS:
		return "a list of strings [ ... ]";
	}
	return "?";
}

/* Member KEY of G when present and of the wanted type; NULL otherwise, after
 * an error if it was required or is of the wrong type. */
static const config_setting_t *
member(struct load *ld, const struct scope *sc, const config_setting_t *g,
    const char *key, enum want want, bool required)
{
	const config_setting_t *m = config_setting_get_member(g, key);

	if (m == NULL) {
		if (required)
			serr(ld, sc, g, "missing required setting \"%s%s\"",
			    sc->kp, key);
		return NULL;
	}
	if (!type_fits(m, want)) {
		serr(ld, sc, m, "%s%s must be %s", sc->kp, key, want_name(want));
		return NULL;
	}
	return m;
}

/* Looks at the line of integer setting S for its literal: libconfig 1.5
 * silently wraps decimal and hex integers beyond 32 bits (4294967297 reads
 * as 1), so a literal too large for an int is found here and kept as text. */
static const char *
src_text(struct load *ld, const char *file)
{
	struct src_text *st;
	FILE *fp;
	char *text;
	long size;
	size_t got;
	int i;

	for (i = 0; i < ld->nsrc; i++)
		if (strcmp(ld->src[i].name, file) == 0)
			return ld->src[i].text;
	if (ld->nsrc == SRC_MAX || (fp = fopen(file, "r")) == NULL)
		return NULL;
	text = NULL;
	if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0 ||
	    (text = malloc((size_t)size + 1)) == NULL)
		goto out_close;
	got = fread(text, 1, (size_t)size, fp);
	text[got] = '\0';
	st = &ld->src[ld->nsrc];
	if ((st->name = strdup(file)) == NULL) {
		free(text);
		text = NULL;
		goto out_close;
	}
	st->text = text;
	ld->nsrc++;
out_close:
	fclose(fp);
	return text;
}

static bool
is_ident_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*';
}

/* True when the literal of int setting S (named KEY) does not fit 32 bits;
 * its text goes to TXT. */
static bool
int_literal_too_big(struct load *ld, const config_setting_t *s,
    const char *key, char *txt, size_t size)
{
	const char *text = src_text(ld, setting_file(ld, s));
	int line = (int)config_setting_source_line(s), l;
	size_t klen = strlen(key);
	const char *p, *end;

	if (text == NULL || line < 1)
		return false;
	for (p = text, l = 1; l < line && *p != '\0'; p++)
		if (*p == '\n')
			l++;
	end = strchr(p, '\n');
	if (end == NULL)
		end = p + strlen(p);
	for (; p + klen <= end; p++) {
		const char *v, *d;
		char *ep;
		unsigned long long u;
		bool hex, neg = false;

		if (strncmp(p, key, klen) != 0 ||
		    (p > text && is_ident_char(p[-1])) ||
		    is_ident_char(p[klen]))
			continue;
		v = p + klen;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		if (v >= end || (*v != '=' && *v != ':'))
			continue;
		v++;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		d = v;
		if (d < end && (*d == '-' || *d == '+'))
			neg = *d++ == '-';
		hex = end - d > 2 && d[0] == '0' && (d[1] == 'x' || d[1] == 'X');
		errno = 0;
		u = strtoull(hex ? d + 2 : d, &ep, hex ? 16 : 10);
		d = ep;
		if (d == v || *d == 'L' || *d == '.' || *d == 'e' || *d == 'E')
			continue;
		if (errno != ERANGE && u <= (neg ? 2147483648ULL : 2147483647ULL))
			continue;
		bufprintf(txt, size, "%.*s", (int)(d - v), v);
		return true;
	}
	return false;
}

/*
 * Integer KEY of G into *val, its text into txt (as written when too large).
 * Returns 1 when present and an integer, 0 when absent or wrong (reported).
 */
static int
get_int_raw(struct load *ld, const struct scope *sc, const config_setting_t *g,
    const char *key, bool required, long long *val, char *txt, size_t size,
    const config_setting_t **where)
{
	const config_setting_t *m = member(ld, sc, g, key, W_INT, required);

	if (where != NULL)
		*where = m;
	if (m == NULL)
		return 0;
	*val = config_setting_get_int64(m);
	if (config_setting_type(m) == CONFIG_TYPE_INT &&
	    int_literal_too_big(ld, m, key, txt, size)) {
		*val = LLONG_MAX;
		return 1;
	}
	bufprintf(txt, size, "%lld", *val);
	return 1;
}

/* Integer KEY of G in LO..HI into *out (left alone when absent or bad). */
static bool
get_int(struct load *ld, const struct scope *sc, const config_setting_t *g,
    const char *key, bool required, long long lo, long long hi, int *out)
{
	const config_setting_t *m;
	long long v;
	char txt[32];

	if (!get_int_raw(ld, sc, g, key, required, &v, txt, sizeof(txt), &m))
		return false;
	if (v < lo || v > hi) {
		serr(ld, sc, m, "%s%s %s is out of range %lld..%lld", sc->kp,
		    key, txt, lo, hi);
		return false;
	}
	*out = (int)v;
	return true;
}

/* Integer KEY of G, one of SET. */
static bool
get_int_of(struct load *ld, const struct scope *sc, const config_setting_t *g,
    const char *key, const int *set, size_t nset, int *out)
{
	const config_setting_t *m;
	long long v;
	char txt[32], list[160];
	size_t i;
	int n = 0;

	if (!get_int_raw(ld, sc, g, key, false, &v, txt, sizeof(txt), &m))
		return false;
	for (i = 0; i < nset; i++) {
		if (v == set[i]) {
			*out = set[i];
			return true;
		}
	}
	list[0] = '\0';
	for (i = 0; i < nset && n >= 0 && (size_t)n < sizeof(list); i++)
		n += snprintf(list + n, sizeof(list) - (size_t)n, "%s%d",
		    i ? ", " : "", set[i]);
	serr(ld, sc, m, "%s%s %s is not one of %s", sc->kp, key, txt, list);
	return false;
}

/* String KEY of G, non-empty and shorter than SIZE, copied to BUF. */
static const config_setting_t *
get_str(struct load *ld, const struct scope *sc, const config_setting_t *g,
    const char *key, bool required, char *buf, size_t size)
{
	const config_setting_t *m = member(ld, sc, g, key, W_STR, required);
	const char *s;

	if (m == NULL)
		return NULL;
	s = config_setting_get_string(m);
	if (s[0] == '\0') {
		serr(ld, sc, m, "%s%s must not be empty", sc->kp, key);
		return NULL;
	}
	if (strlen(s) >= size) {
		serr(ld, sc, m, "%s%s is too long (%zu bytes, at most %zu)",
		    sc->kp, key, strlen(s), size - 1);
		return NULL;
	}
	if (buf != NULL)
		str_copy(buf, s, size);
	return m;
}

/* A name: 1..31 of [A-Za-z0-9_.-]. Returns the setting when valid. */
static const config_setting_t *
get_name(struct load *ld, const struct scope *sc, const config_setting_t *g,
    const char *key, bool required, char *buf)
{
	const config_setting_t *m = member(ld, sc, g, key, W_STR, required);
	char qb[80];

	if (m == NULL)
		return NULL;
	if (!name_is_valid(config_setting_get_string(m))) {
		serr(ld, sc, m, "%s%s %s is not a valid name (1 to %d of "
		    "A-Z a-z 0-9 _ . -)", sc->kp, key,
		    q(qb, sizeof(qb), config_setting_get_string(m)),
		    CONF_NAME_MAX - 1);
		return NULL;
	}
	if (buf != NULL)
		str_copy(buf, config_setting_get_string(m), CONF_NAME_MAX);
	return m;
}

/* String KEY of G, one of CHOICES; its index into *out. */
static bool
get_choice(struct load *ld, const struct scope *sc, const config_setting_t *g,
    const char *key, bool required, const char *const *choices, int *out)
{
	const config_setting_t *m = member(ld, sc, g, key, W_STR, required);
	const char *s;
	char list[160], qb[80];
	int i, n = 0;

	if (m == NULL)
		return false;
	s = config_setting_get_string(m);
	for (i = 0; choices[i] != NULL; i++) {
		if (strcmp(s, choices[i]) == 0) {
			*out = i;
			return true;
		}
	}
	list[0] = '\0';
	for (i = 0; choices[i] != NULL && n >= 0 && (size_t)n < sizeof(list);
	    i++)
		n += snprintf(list + n, sizeof(list) - (size_t)n, "%s\"%s\"",
		    i ? ", " : "", choices[i]);
	serr(ld, sc, m, "%s%s %s is not one of %s", sc->kp, key,
	    q(qb, sizeof(qb), s), list);
	return false;
}

/* ------------------------------------------------------------------ */
/* The global groups                                                    */

static void
load_site(struct load *ld, const config_setting_t *root)
{
	struct site_conf *site = ld->site;
	const config_setting_t *g;
	struct scope sc;

	str_copy(site->site_name, DEF_SITE_NAME, sizeof(site->site_name));
	scope_top(&sc, "site");
	if ((g = member(ld, &root_scope, root, "site", W_GROUP, false)) == NULL)
		return;
	check_keys(ld, &sc, g, site_keys, false);
	get_str(ld, &sc, g, "name", true, site->site_name,
	    sizeof(site->site_name));
}

static void
load_store(struct load *ld, const config_setting_t *root)
{
	struct site_conf *site = ld->site;
	const config_setting_t *g;
	struct scope sc;

	str_copy(site->db_path, DEF_DB_PATH, sizeof(site->db_path));
	site->event_batch_ms = 50;
	scope_top(&sc, "store");
	if ((g = member(ld, &root_scope, root, "store", W_GROUP, false)) == NULL)
		return;
	check_keys(ld, &sc, g, store_keys, false);
	get_str(ld, &sc, g, "database", false, site->db_path,
	    sizeof(site->db_path));
	get_int(ld, &sc, g, "event_batch_ms", false, 1, 1000,
	    &site->event_batch_ms);
}

static void
load_groups(struct load *ld, const struct scope *sc, const config_setting_t *a)
{
	struct site_conf *site = ld->site;
	int i, n = config_setting_length(a);
	char qb[80];

	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(a,
		    (unsigned)i);
		const char *s;
		struct group *gr;

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			serr(ld, sc, e, "groups[%d] must be a string", i);
			continue;
		}
		s = config_setting_get_string(e);
		if (s[0] == '\0' || strlen(s) >= CONF_NAME_MAX) {
			serr(ld, sc, e, "groups[%d] %s is not a valid group name",
			    i, q(qb, sizeof(qb), s));
			continue;
		}
		if ((gr = getgrnam(s)) == NULL) {
			serr(ld, sc, e, "groups[%d] %s is not a known Unix group",
			    i, q(qb, sizeof(qb), s));
			continue;
		}
		if (site->ngroups == CONF_MAX_GROUPS) {
			serr(ld, sc, e, "too many groups (at most %d)",
			    CONF_MAX_GROUPS);
			return;
		}
		str_copy(site->group_names[site->ngroups], s, CONF_NAME_MAX);
		site->groups[site->ngroups++] = gr->gr_gid;
	}
}

static void
load_control(struct load *ld, const config_setting_t *root)
{
	struct site_conf *site = ld->site;
	const config_setting_t *g, *m;
	struct scope sc;

	str_copy(site->socket_path, DEF_SOCKET, sizeof(site->socket_path));
	scope_top(&sc, "control");
	if ((g = member(ld, &root_scope, root, "control", W_GROUP, false)) == NULL)
		return;
	check_keys(ld, &sc, g, control_keys, false);
	/* get_str says "at most 107 bytes": what fits in sockaddr_un. */
	get_str(ld, &sc, g, "socket", false, site->socket_path,
	    SOCKET_PATH_MAX);
	if ((m = member(ld, &sc, g, "groups", W_STRINGS, false)) != NULL)
		load_groups(ld, &sc, m);
}

static void
load_health(struct load *ld, const config_setting_t *root)
{
	struct site_conf *site = ld->site;
	const config_setting_t *g;
	struct scope sc;

	site->offline_after = 3;
	site->backoff_max_ms = 5000;
	scope_top(&sc, "health");
	if ((g = member(ld, &root_scope, root, "health", W_GROUP, false)) == NULL)
		return;
	check_keys(ld, &sc, g, health_keys, false);
	get_int(ld, &sc, g, "offline_after", false, 1, 100,
	    &site->offline_after);
	get_int(ld, &sc, g, "backoff_max_ms", false, 100, 600000,
	    &site->backoff_max_ms);
}

/* ------------------------------------------------------------------ */
/* Profiles                                                             */

/* Parses "TABLE:ADDR" or "TABLE:ADDR:u32". Returns NULL, or why not. */
static const char *
parse_point(const char *s, struct reg_point *pt)
{
	char table[16];
	const char *colon = strchr(s, ':'), *a;
	char *end;
	unsigned long addr;
	size_t tlen;
	int t;

	if (colon == NULL || (tlen = (size_t)(colon - s)) >= sizeof(table))
		return "is not a register point (TABLE:ADDR or TABLE:ADDR:u32, "
		    "TABLE one of coil, discrete, input, holding)";
	memcpy(table, s, tlen);
	table[tlen] = '\0';
	for (t = 0; table_names[t] != NULL; t++)
		if (strcmp(table, table_names[t]) == 0)
			break;
	if (table_names[t] == NULL)
		return "has an unknown table (coil, discrete, input or holding)";
	a = colon + 1;
	if (!(*a >= '0' && *a <= '9'))
		return "has a bad address (0..65535, decimal or 0x hex)";
	errno = 0;
	if (a[0] == '0' && (a[1] == 'x' || a[1] == 'X')) {
		if (!((a[2] >= '0' && a[2] <= '9') ||
		    (a[2] >= 'a' && a[2] <= 'f') || (a[2] >= 'A' && a[2] <= 'F')))
			return "has a bad address (0..65535, decimal or 0x hex)";
		addr = strtoul(a + 2, &end, 16);
	} else {
		addr = strtoul(a, &end, 10);
	}
	if (errno == ERANGE || addr > 65535 || (*end != '\0' && *end != ':'))
		return "has a bad address (0..65535, decimal or 0x hex)";
	pt->set = true;
	pt->table = (enum reg_table)t;
	pt->addr = (uint16_t)addr;
	pt->width = t == REG_COIL || t == REG_DISCRETE ? 1 : 16;
	if (*end == ':') {
		if (strcmp(end + 1, "u32") != 0)
			return "has an unknown width (only \":u32\" may follow "
			    "the address)";
		if (pt->width == 1)
			return "is a single bit: u32 applies only to input and "
			    "holding registers";
		if (addr > 65534)
			return "needs two registers for u32: address at most "
			    "65534";
		pt->width = 32;
	}
	return NULL;
}

static const config_setting_t *
get_point(struct load *ld, const struct scope *sc, const config_setting_t *g,
    const char *key, bool required, struct reg_point *pt)
{
	const config_setting_t *m = member(ld, sc, g, key, W_STR, required);
	const char *why;
	char qb[80];

	if (m == NULL)
		return NULL;
	if ((why = parse_point(config_setting_get_string(m), pt)) != NULL) {
		memset(pt, 0, sizeof(*pt));
		serr(ld, sc, m, "%s%s %s %s", sc->kp, key,
		    q(qb, sizeof(qb), config_setting_get_string(m)), why);
		return NULL;
	}
	return m;
}

static void
load_state_values(struct load *ld, const struct scope *psc,
    const config_setting_t *pg, struct profile *p, bool state_ok)
{
	const config_setting_t *g, *m[4] = { NULL };
	struct scope sc;
	long long v[4], hi;
	char txt[32];
	int i, j;

	if ((g = member(ld, psc, pg, "state_values", W_GROUP, true)) == NULL)
		return;
	scope_sub(&sc, psc, "state_values");
	check_keys(ld, &sc, g, state_value_keys, false);
	hi = p->state.width == 32 ? INT32_MAX : 65535;
	for (i = TS_IDLE; i <= TS_FAULT; i++) {
		const char *key = state_value_keys[i - TS_IDLE];

		if (!get_int_raw(ld, &sc, g, key, true, &v[i], txt,
		    sizeof(txt), &m[i]))
			continue;
		if (v[i] < 0 || v[i] > hi) {
			/* Without a good state point, 16 bits is assumed. */
			serr(ld, &sc, m[i], "%s%s %s is out of range 0..%lld%s",
			    sc.kp, key, txt, hi, state_ok ?
			    (p->state.width == 32 ? " for a u32 state" :
			    " for a 16-bit state") : "");
			m[i] = NULL;
			continue;
		}
		p->state_value[i] = (int32_t)v[i];
		for (j = TS_IDLE; j < i; j++) {
			if (m[j] != NULL && v[j] == v[i]) {
				serr(ld, &sc, m[i], "%s%s %lld is the same as "
				    "%s%s", sc.kp, key, v[i], sc.kp,
				    state_value_keys[j - TS_IDLE]);
				break;
			}
		}
	}
}

static void
load_commands(struct load *ld, const struct scope *psc,
    const config_setting_t *pg, struct profile *p)
{
	const config_setting_t *g, *cg, *rm;
	struct scope sc, csc;
	struct reg_point pt;
	struct reg_write *w;
	const char *why;
	const config_setting_t *vm;
	long long v;
	char qb[80], txt[32];
	int c, hi;

	if ((g = member(ld, psc, pg, "commands", W_GROUP, true)) == NULL)
		return;
	scope_sub(&sc, psc, "commands");
	check_keys(ld, &sc, g, command_keys, false);
	for (c = 0; c < TS_CMD_COUNT; c++) {
		w = &p->cmd[c];
		cg = member(ld, &sc, g, command_keys[c], W_GROUP, true);
		if (cg == NULL)
			continue;
		scope_sub(&csc, &sc, command_keys[c]);
		check_keys(ld, &csc, cg, write_keys, false);
		hi = 65535;
		if ((rm = member(ld, &csc, cg, "register", W_STR, true)) != NULL) {
			memset(&pt, 0, sizeof(pt));
			why = parse_point(config_setting_get_string(rm), &pt);
			if (why != NULL || pt.width == 32 ||
			    (pt.table != REG_COIL && pt.table != REG_HOLDING)) {
				serr(ld, &csc, rm, "%sregister %s must be "
				    "\"coil:N\" or \"holding:N\" (N 0..65535)",
				    csc.kp, q(qb, sizeof(qb),
				    config_setting_get_string(rm)));
			} else {
				w->table = pt.table;
				w->addr = pt.addr;
				if (pt.table == REG_COIL)
					hi = 1;
			}
		}
		if (!get_int_raw(ld, &csc, cg, "value", true, &v, txt,
		    sizeof(txt), &vm))
			continue;
		if (v < 0 || v > hi) {
			serr(ld, &csc, vm, "%svalue %s is out of range 0..%d%s",
			    csc.kp, txt, hi, hi == 1 ? " for a coil" : "");
			continue;
		}
		w->value = (uint16_t)v;
		w->set = true;
	}
}

static void
load_profile(struct load *ld, int i, const config_setting_t *e)
{
	struct profile *p = &ld->site->profiles[i];
	struct scope sc;
	const config_setting_t *m;
	char qb[80];
	int kind = 0, j;
	bool state_ok;

	scope_elem(&sc, "profiles", i, e);
	check_keys(ld, &sc, e, profile_keys, false);
	if ((m = get_name(ld, &sc, e, "name", true, p->name)) != NULL) {
		for (j = 0; j < i; j++) {
			if (strcmp(ld->site->profiles[j].name, p->name) == 0) {
				serr(ld, &sc, m, "name %s is already used by "
				    "profiles[%d]", q(qb, sizeof(qb), p->name), j);
				break;
			}
		}
	}
	if (get_choice(ld, &sc, e, "kind", true, kind_names, &kind))
		p->kind = (enum profile_kind)kind;
	state_ok = false;
	if ((m = get_point(ld, &sc, e, "state", true, &p->state)) != NULL) {
		if (p->state.width == 1)
			serr(ld, &sc, m, "state %s is a single bit and cannot "
			    "tell idle, passing and fault apart: use an input "
			    "or holding register",
			    q(qb, sizeof(qb), config_setting_get_string(m)));
		else
			state_ok = true;
	}
	load_state_values(ld, &sc, e, p, state_ok);
	if ((m = get_point(ld, &sc, e, "entry_counter", true,
	    &p->entry_count)) != NULL && p->entry_count.width == 1)
		serr(ld, &sc, m, "entry_counter %s must be an input or holding "
		    "register", q(qb, sizeof(qb), config_setting_get_string(m)));
	if ((m = get_point(ld, &sc, e, "exit_counter", true,
	    &p->exit_count)) != NULL && p->exit_count.width == 1)
		serr(ld, &sc, m, "exit_counter %s must be an input or holding "
		    "register", q(qb, sizeof(qb), config_setting_get_string(m)));
	get_point(ld, &sc, e, "fault_code", false, &p->fault_code);
	load_commands(ld, &sc, e, p);
}

/* ------------------------------------------------------------------ */
/* Links, devices, readers, lanes                                       */

static void
load_link(struct load *ld, int i, const config_setting_t *e)
{
	struct link_conf *l = &ld->site->links[i];
	const config_setting_t *m;
	struct scope sc;
	const char *const *keys;
	char qb[80];
	int type = -1, par = 1, j, n;

	scope_elem(&sc, "links", i, e);
	l->line = (int)config_setting_source_line(e);
	l->timeout_ms = 200;
	ld->link_elem[i] = e;

	if ((m = get_name(ld, &sc, e, "name", true, l->name)) != NULL) {
		for (j = 0; j < i; j++) {
			if (strcmp(ld->site->links[j].name, l->name) == 0) {
				serr(ld, &sc, m, "name %s is already used by "
				    "links[%d]", q(qb, sizeof(qb), l->name), j);
				break;
			}
		}
	}
	if (get_choice(ld, &sc, e, "type", true, link_type_names, &type))
		l->type = type == 0 ? LINK_MODBUS_TCP : LINK_MODBUS_RTU;
	/* Keys of the other type are errors; with no valid type, only keys
	 * that belong to no link at all are. */
	keys = type == 0 ? tcp_keys : type == 1 ? rtu_keys : link_keys;
	n = config_setting_length(e);
	for (j = 0; j < n; j++) {
		const config_setting_t *k = config_setting_get_elem(e,
		    (unsigned)j);
		const char *key = config_setting_name(k);

		if (key_in(key, keys))
			continue;
		if (key_in(key, link_keys))
			serr(ld, &sc, k, "setting \"%s\" does not apply to a "
			    "%s link", key, link_type_names[type]);
		else
			conf_err(ld, k, "unknown setting \"%s\" in %s", key,
			    sc.path);
	}
	get_int(ld, &sc, e, "timeout_ms", false, 10, 10000, &l->timeout_ms);
	if (type == 0) {
		l->port = 502;
		get_str(ld, &sc, e, "host", true, l->host, sizeof(l->host));
		get_int(ld, &sc, e, "port", false, 1, 65535, &l->port);
	} else if (type == 1) {
		/* 8E1 is the Modbus RTU default framing. */
		l->baud = 9600;
		l->parity = 'E';
		l->data_bits = 8;
		l->stop_bits = 1;
		ld->link_path[i] = get_str(ld, &sc, e, "path", true, l->path,
		    sizeof(l->path));
		get_int_of(ld, &sc, e, "baud", baud_rates,
		    sizeof(baud_rates) / sizeof(baud_rates[0]), &l->baud);
		if (get_choice(ld, &sc, e, "parity", false, parity_names, &par))
			l->parity = parity_chars[par];
		get_int_of(ld, &sc, e, "data_bits", (const int[]){ 7, 8 }, 2,
		    &l->data_bits);
		get_int_of(ld, &sc, e, "stop_bits", (const int[]){ 1, 2 }, 2,
		    &l->stop_bits);
	}
}

static void
load_device(struct load *ld, int i, const config_setting_t *e)
{
	struct device_conf *d = &ld->site->devices[i];
	struct scope sc;

	scope_elem(&sc, "devices", i, e);
	check_keys(ld, &sc, e, device_keys, false);
	d->kind = DEV_TURNSTILE;
	d->line = (int)config_setting_source_line(e);
	d->link = -1;
	d->profile = -1;
	d->poll_ms = 250;
	ld->dev_elem[i] = e;
	get_name(ld, &sc, e, "name", true, d->name);
	ld->dev_link[i] = get_name(ld, &sc, e, "link", true, NULL);
	ld->dev_profile[i] = get_name(ld, &sc, e, "profile", true, NULL);
	if (!get_int_raw(ld, &sc, e, "unit", true, &ld->dev_unit_val[i],
	    ld->dev_unit_txt[i], sizeof(ld->dev_unit_txt[i]), &ld->dev_unit[i]))
		ld->dev_unit[i] = NULL;
	get_int(ld, &sc, e, "poll_ms", false, 20, 60000, &d->poll_ms);
}

/* Reader J becomes link LI and device DI. */
static void
load_reader(struct load *ld, int j, const config_setting_t *e, int li, int di)
{
	struct link_conf *l = &ld->site->links[li];
	struct device_conf *d = &ld->site->devices[di];
	struct scope sc;
	int fmt = 0;

	scope_elem(&sc, "readers", j, e);
	check_keys(ld, &sc, e, reader_keys, false);
	l->type = LINK_SERIAL_READER;
	l->line = (int)config_setting_source_line(e);
	l->baud = 9600;
	l->parity = 'N';
	l->data_bits = 8;
	l->stop_bits = 1;
	get_name(ld, &sc, e, "name", true, l->name);
	ld->link_path[li] = get_str(ld, &sc, e, "path", true, l->path,
	    sizeof(l->path));
	get_int_of(ld, &sc, e, "baud", baud_rates,
	    sizeof(baud_rates) / sizeof(baud_rates[0]), &l->baud);
	if (get_choice(ld, &sc, e, "format", false, format_names, &fmt))
		l->format = (enum card_format)fmt;
	str_copy(d->name, l->name, sizeof(d->name));
	d->kind = DEV_READER;
	d->link = li;
	d->unit = 0;
	d->profile = -1;
	d->line = l->line;
}

static void
load_lane(struct load *ld, int i, const config_setting_t *e)
{
	struct lane_conf *ln = &ld->site->lanes[i];
	const config_setting_t *m;
	struct scope sc;
	char qb[80];
	int j;

	scope_elem(&sc, "lanes", i, e);
	check_keys(ld, &sc, e, lane_keys, false);
	ln->line = (int)config_setting_source_line(e);
	ln->turnstile = ln->entry_reader = ln->exit_reader = -1;
	ln->pass_timeout_ms = 8000;
	ld->lane_elem[i] = e;
	if ((m = get_name(ld, &sc, e, "name", true, ln->name)) != NULL) {
		for (j = 0; j < i; j++) {
			if (strcmp(ld->site->lanes[j].name, ln->name) == 0) {
				serr(ld, &sc, m, "name %s is already used by "
				    "lanes[%d]", q(qb, sizeof(qb), ln->name), j);
				break;
			}
		}
	}
	ld->lane_ts[i] = get_name(ld, &sc, e, "turnstile", true, NULL);
	ld->lane_in[i] = get_name(ld, &sc, e, "entry_reader", false, NULL);
	ld->lane_out[i] = get_name(ld, &sc, e, "exit_reader", false, NULL);
	if (config_setting_get_member(e, "entry_reader") == NULL &&
	    config_setting_get_member(e, "exit_reader") == NULL)
		serr(ld, &sc, e, "needs an entry_reader, an exit_reader or "
		    "both");
	get_int(ld, &sc, e, "pass_timeout_ms", false, 1000, 60000,
	    &ln->pass_timeout_ms);
}

/*
 * The list KEY of the root: every element must be a group; at most MAX of
 * them are kept. Returns the list (NULL when absent or not a list) and its
 * length in *n.
 */
static const config_setting_t *
get_list(struct load *ld, const config_setting_t *root, const char *key,
    int *n)
{
	const config_setting_t *l;

	*n = 0;
	if ((l = member(ld, &root_scope, root, key, W_LIST, false)) == NULL)
		return NULL;
	*n = config_setting_length(l);
	return l;
}

static bool
elem_is_group(struct load *ld, const char *list, int i,
    const config_setting_t *e)
{
	if (config_setting_is_group(e))
		return true;
	conf_err(ld, e, "%s[%d] must be a group { ... }", list, i);
	return false;
}

/* Names device index DI by where it came from: "devices[0]", "readers[1]". */
static void
dev_where(const struct load *ld, int di, char *buf, size_t size)
{
	if (di < ld->ndev_sec)
		bufprintf(buf, size, "devices[%d]", di);
	else
		bufprintf(buf, size, "readers[%d]", di - ld->ndev_sec);
}

static int
find_link_sec(const struct load *ld, const char *name)
{
	int i;

	for (i = 0; i < ld->nlink_sec; i++)
		if (strcmp(ld->site->links[i].name, name) == 0)
			return i;
	return -1;
}

/* Reader names clash with earlier devices and readers, and with links. */
static void
check_reader_names(struct load *ld, int first_link, int first_dev, int n)
{
	struct site_conf *site = ld->site;
	struct scope sc;
	char qb[80], wb[96];
	int j, k, li, di;

	for (j = 0; j < n; j++) {
		const struct link_conf *l = &site->links[first_link + j];
		const config_setting_t *e = ld->link_elem[first_link + j];
		const config_setting_t *nm;

		if (l->name[0] == '\0')
			continue;
		scope_elem(&sc, "readers", j, e);
		nm = config_setting_get_member(e, "name");
		di = first_dev + j;
		for (k = 0; k < di; k++) {
			if (strcmp(site->devices[k].name, l->name) != 0)
				continue;
			dev_where(ld, k, wb, sizeof(wb));
			serr(ld, &sc, nm, "name %s is already used by %s%s",
			    q(qb, sizeof(qb), l->name), wb, k < ld->ndev_sec ?
			    " (a reader is a device too)" : "");
			break;
		}
		if (k < di)
			continue;
		if ((li = find_link_sec(ld, l->name)) >= 0)
			serr(ld, &sc, nm, "name %s is already used by links[%d] "
			    "(a reader is a link of its own too)",
			    q(qb, sizeof(qb), l->name), li);
	}
}

/* Two serial links (buses or readers) on one port cannot both open it. */
static void
check_paths(struct load *ld)
{
	struct site_conf *site = ld->site;
	struct scope sc;
	char qb[80];
	int i, j;

	for (i = 0; i < site->nlinks; i++) {
		if (ld->link_path[i] == NULL)
			continue;
		for (j = 0; j < i; j++) {
			if (ld->link_path[j] == NULL ||
			    strcmp(site->links[i].path, site->links[j].path))
				continue;
			if (i < ld->nlink_sec)
				scope_elem(&sc, "links", i, ld->link_elem[i]);
			else
				scope_elem(&sc, "readers", i - ld->nlink_sec,
				    ld->link_elem[i]);
			serr(ld, &sc, ld->link_path[i], "path %s is already "
			    "used by %s[%d]%s%s%s", q(qb, sizeof(qb),
			    site->links[i].path), j < ld->nlink_sec ? "links" :
			    "readers", j < ld->nlink_sec ? j : j - ld->nlink_sec,
			    site->links[j].name[0] ? " \"" : "",
			    site->links[j].name, site->links[j].name[0] ? "\"" :
			    "");
			break;
		}
	}
}

static void
resolve_devices(struct load *ld)
{
	struct site_conf *site = ld->site;
	struct scope sc;
	char qb[80];
	int i, j, li, pi;

	for (i = 0; i < ld->ndev_sec; i++) {
		struct device_conf *d = &site->devices[i];
		const config_setting_t *m;
		long long lo = 0, hi = 255, u;

		scope_elem(&sc, "devices", i, ld->dev_elem[i]);
		if ((m = ld->dev_link[i]) != NULL) {
			const char *name = config_setting_get_string(m);

			li = find_link_sec(ld, name);
			if (li >= 0)
				d->link = li;
			else if (config_device_index(site, name) >= ld->ndev_sec)
				serr(ld, &sc, m, "link %s is a card reader, not a "
				    "Modbus link", q(qb, sizeof(qb), name));
			else
				serr(ld, &sc, m, "link %s is not defined in links",
				    q(qb, sizeof(qb), name));
		}
		if ((m = ld->dev_profile[i]) != NULL) {
			const char *name = config_setting_get_string(m);

			for (pi = 0; pi < site->nprofiles; pi++)
				if (strcmp(site->profiles[pi].name, name) == 0)
					break;
			if (pi < site->nprofiles)
				d->profile = pi;
			else
				serr(ld, &sc, m, "profile %s is not defined in "
				    "profiles", q(qb, sizeof(qb), name));
		}
		if ((m = ld->dev_unit[i]) == NULL)
			continue;
		u = ld->dev_unit_val[i];
		if (d->link >= 0 && site->links[d->link].type == LINK_MODBUS_RTU)
			lo = 1, hi = 247;
		if (u < lo || u > hi) {
			if (d->link >= 0)
				serr(ld, &sc, m, "unit %s is out of range "
				    "%lld..%lld for %s link \"%s\"",
				    ld->dev_unit_txt[i], lo, hi,
				    config_link_type_name(site->links[d->link].type),
				    site->links[d->link].name);
			else
				serr(ld, &sc, m, "unit %s is out of range "
				    "%lld..%lld", ld->dev_unit_txt[i], lo, hi);
			ld->dev_unit[i] = NULL;
			continue;
		}
		d->unit = (int)u;
		if (d->link < 0)
			continue;
		for (j = 0; j < i; j++) {
			if (ld->dev_unit[j] == NULL ||
			    site->devices[j].link != d->link ||
			    site->devices[j].unit != d->unit)
				continue;
			serr(ld, &sc, m, "unit %d on link \"%s\" is already used "
			    "by devices[%d]%s%s%s", d->unit,
			    site->links[d->link].name, j,
			    site->devices[j].name[0] ? " \"" : "",
			    site->devices[j].name,
			    site->devices[j].name[0] ? "\"" : "");
			break;
		}
	}
}

/* A lane's reference KEY (in setting M) to a device of KIND; -1 if bad. */
static int
resolve_lane_dev(struct load *ld, const struct scope *sc,
    const config_setting_t *m, const char *key, enum device_kind kind)
{
	const char *name = config_setting_get_string(m);
	int di = config_device_index(ld->site, name);
	char qb[80];

	if (di < 0) {
		serr(ld, sc, m, "%s %s is not defined in %s", key,
		    q(qb, sizeof(qb), name),
		    kind == DEV_TURNSTILE ? "devices" : "readers");
		return -1;
	}
	if (ld->site->devices[di].kind != kind) {
		serr(ld, sc, m, "%s %s is %s", key, q(qb, sizeof(qb), name),
		    kind == DEV_TURNSTILE ? "a card reader, not a turnstile" :
		    "a turnstile, not a card reader");
		return -1;
	}
	return di;
}

static void
resolve_lanes(struct load *ld)
{
	struct site_conf *site = ld->site;
	/* Per device: the lane it serves (-1: none), a reader's direction. */
	int ts_lane[CONF_MAX_DEVICES], rd_lane[CONF_MAX_DEVICES];
	int rd_dir[CONF_MAX_DEVICES];
	static const char *const dirs[] = { "entry_reader", "exit_reader" };
	struct scope sc;
	char qb[80];
	int i, d, di, k;

	for (i = 0; i < CONF_MAX_DEVICES; i++)
		ts_lane[i] = rd_lane[i] = -1;

	for (i = 0; i < site->nlanes; i++) {
		struct lane_conf *ln = &site->lanes[i];
		const config_setting_t *rm[2] = { ld->lane_in[i], ld->lane_out[i] };
		int *slot[2] = { &ln->entry_reader, &ln->exit_reader };

		scope_elem(&sc, "lanes", i, ld->lane_elem[i]);
		if (ld->lane_ts[i] != NULL &&
		    (di = resolve_lane_dev(ld, &sc, ld->lane_ts[i], "turnstile",
		    DEV_TURNSTILE)) >= 0) {
			if ((k = ts_lane[di]) >= 0)
				serr(ld, &sc, ld->lane_ts[i], "turnstile %s is "
				    "already in lanes[%d]%s%s%s",
				    q(qb, sizeof(qb), site->devices[di].name), k,
				    site->lanes[k].name[0] ? " \"" : "",
				    site->lanes[k].name,
				    site->lanes[k].name[0] ? "\"" : "");
			else
				ts_lane[di] = i;
			ln->turnstile = di;
		}
		for (d = 0; d < 2; d++) {
			if (rm[d] == NULL || (di = resolve_lane_dev(ld, &sc,
			    rm[d], dirs[d], DEV_READER)) < 0)
				continue;
			*slot[d] = di;
			if ((k = rd_lane[di]) < 0) {
				rd_lane[di] = i;
				rd_dir[di] = d;
			} else if (k == i) {
				serr(ld, &sc, rm[d], "%s %s is already this "
				    "lane's %s", dirs[d], q(qb, sizeof(qb),
				    site->devices[di].name), dirs[rd_dir[di]]);
			} else {
				serr(ld, &sc, rm[d], "%s %s is already the %s "
				    "of lanes[%d]%s%s%s", dirs[d],
				    q(qb, sizeof(qb), site->devices[di].name),
				    dirs[rd_dir[di]], k,
				    site->lanes[k].name[0] ? " \"" : "",
				    site->lanes[k].name,
				    site->lanes[k].name[0] ? "\"" : "");
			}
		}
	}
}

static void
load_sections(struct load *ld, const config_setting_t *root)
{
	struct site_conf *site = ld->site;
	const config_setting_t *l, *e;
	int i, n, nr, first_link, first_dev;

	if ((l = get_list(ld, root, "profiles", &n)) != NULL) {
		for (i = 0; i < n; i++) {
			e = config_setting_get_elem(l, (unsigned)i);
			if (i == CONF_MAX_PROFILES) {
				conf_err(ld, e, "too many profiles (at most %d)",
				    CONF_MAX_PROFILES);
				break;
			}
			ld->prof_elem[i] = e;
			site->nprofiles = i + 1;
			if (elem_is_group(ld, "profiles", i, e))
				load_profile(ld, i, e);
		}
	}
	if ((l = get_list(ld, root, "links", &n)) != NULL) {
		for (i = 0; i < n; i++) {
			e = config_setting_get_elem(l, (unsigned)i);
			if (i == CONF_MAX_LINKS) {
				conf_err(ld, e, "too many links (at most %d, "
				    "readers included)", CONF_MAX_LINKS);
				break;
			}
			site->nlinks = i + 1;
			ld->link_elem[i] = e;
			if (elem_is_group(ld, "links", i, e))
				load_link(ld, i, e);
		}
	}
	ld->nlink_sec = site->nlinks;
	if ((l = get_list(ld, root, "devices", &n)) != NULL) {
		for (i = 0; i < n; i++) {
			e = config_setting_get_elem(l, (unsigned)i);
			if (i == CONF_MAX_DEVICES) {
				conf_err(ld, e, "too many devices (at most %d, "
				    "readers included)", CONF_MAX_DEVICES);
				break;
			}
			site->ndevices = i + 1;
			ld->dev_elem[i] = e;
			site->devices[i].link = site->devices[i].profile = -1;
			if (elem_is_group(ld, "devices", i, e))
				load_device(ld, i, e);
		}
	}
	ld->ndev_sec = site->ndevices;
	for (i = 0; i < ld->ndev_sec; i++) {
		const struct device_conf *d = &site->devices[i];
		int j;
		struct scope sc;
		char qb[80];

		if (d->name[0] == '\0')
			continue;
		for (j = 0; j < i; j++) {
			if (strcmp(site->devices[j].name, d->name) != 0)
				continue;
			scope_elem(&sc, "devices", i, ld->dev_elem[i]);
			serr(ld, &sc, config_setting_get_member(ld->dev_elem[i],
			    "name"), "name %s is already used by devices[%d]",
			    q(qb, sizeof(qb), d->name), j);
			break;
		}
	}

	first_link = site->nlinks;
	first_dev = site->ndevices;
	nr = 0;
	if ((l = get_list(ld, root, "readers", &n)) != NULL) {
		bool full = false;

		for (i = 0; i < n; i++) {
			int li = site->nlinks, di = site->ndevices;

			e = config_setting_get_elem(l, (unsigned)i);
			if (!full && (li == CONF_MAX_LINKS ||
			    di == CONF_MAX_DEVICES)) {
				conf_err(ld, e, "too many %s (at most %d, "
				    "readers included)", li == CONF_MAX_LINKS ?
				    "links" : "devices", li == CONF_MAX_LINKS ?
				    CONF_MAX_LINKS : CONF_MAX_DEVICES);
				full = true;
			}
			if (full)
				break;
			site->nlinks++;
			site->ndevices++;
			ld->link_elem[li] = e;
			ld->dev_elem[di] = e;
			site->devices[di].link = li;
			site->devices[di].profile = -1;
			site->devices[di].kind = DEV_READER;
			nr++;
			if (elem_is_group(ld, "readers", i, e))
				load_reader(ld, i, e, li, di);
		}
	}
	check_reader_names(ld, first_link, first_dev, nr);
	check_paths(ld);
	resolve_devices(ld);

	if ((l = get_list(ld, root, "lanes", &n)) != NULL) {
		for (i = 0; i < n; i++) {
			e = config_setting_get_elem(l, (unsigned)i);
			if (i == CONF_MAX_LANES) {
				conf_err(ld, e, "too many lanes (at most %d)",
				    CONF_MAX_LANES);
				break;
			}
			site->nlanes = i + 1;
			ld->lane_elem[i] = e;
			site->lanes[i].turnstile = -1;
			site->lanes[i].entry_reader = -1;
			site->lanes[i].exit_reader = -1;
			if (elem_is_group(ld, "lanes", i, e))
				load_lane(ld, i, e);
		}
	}
	resolve_lanes(ld);
}

/* ------------------------------------------------------------------ */

int
config_load(const char *file, struct site_conf *site, FILE *errs)
{
	struct load *ld;
	struct stat st;
	FILE *fp;
	const char *slash;
	int i, nerr;

	memset(site, 0, sizeof(*site));
	if ((fp = fopen(file, "r")) == NULL) {
		if (errs != NULL)
			fprintf(errs, "%s: cannot read: %s\n", file,
			    strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		if (errs != NULL)
			fprintf(errs, "%s: cannot read: %s\n", file,
			    strerror(EISDIR));
		fclose(fp);
		return -1;
	}
	if ((ld = calloc(1, sizeof(*ld))) == NULL) {
		if (errs != NULL)
			fprintf(errs, "%s: cannot read: %s\n", file,
			    strerror(ENOMEM));
		fclose(fp);
		return -1;
	}
	ld->file = file;
	ld->errs = errs;
	ld->site = site;
	str_copy(site->path, file, sizeof(site->path));

	config_init(&ld->cfg);
	/* @include names are relative to the including file's directory. */
	if ((slash = strrchr(file, '/')) != NULL &&
	    (ld->incdir = strndup(file, (size_t)(slash - file) + 1)) != NULL)
		config_set_include_dir(&ld->cfg, ld->incdir);
	if (config_read(&ld->cfg, fp) != CONFIG_TRUE) {
		const char *ef = config_error_file(&ld->cfg);
		const char *et = config_error_text(&ld->cfg);

		add_err_line(ld, file_name(ld, ef),
		    config_error_line(&ld->cfg), et != NULL ? et :
		    "syntax error");
	} else {
		const config_setting_t *root = config_root_setting(&ld->cfg);

		check_keys(ld, &root_scope, root, top_keys, true);
		load_site(ld, root);
		load_store(ld, root);
		load_control(ld, root);
		load_health(ld, root);
		load_sections(ld, root);
	}
	fclose(fp);
	/* Error lines name files by libconfig's strings: print, then destroy. */
	flush_errs(ld);
	config_destroy(&ld->cfg);
	for (i = 0; i < ld->nsrc; i++) {
		free(ld->src[i].name);
		free(ld->src[i].text);
	}
	for (i = 0; i < ld->nincname; i++)
		free(ld->incname[i]);
	free(ld->incdir);
	nerr = ld->nerr;
	free(ld);
	return nerr;
}

/* ------------------------------------------------------------------ */
/* Lookups and names                                                    */

int
config_device_index(const struct site_conf *site, const char *name)
{
	int i;

	if (name == NULL || name[0] == '\0')
		return -1;
	for (i = 0; i < site->ndevices; i++)
		if (strcmp(site->devices[i].name, name) == 0)
			return i;
	return -1;
}

int
config_lane_index(const struct site_conf *site, const char *name)
{
	int i;

	if (name == NULL || name[0] == '\0')
		return -1;
	for (i = 0; i < site->nlanes; i++)
		if (strcmp(site->lanes[i].name, name) == 0)
			return i;
	return -1;
}

int
config_link_index(const struct site_conf *site, const char *name)
{
	int i;

	if (name == NULL || name[0] == '\0')
		return -1;
	for (i = 0; i < site->nlinks; i++)
		if (strcmp(site->links[i].name, name) == 0)
			return i;
	return -1;
}

const char *
config_link_type_name(enum link_type t)
{
	switch (t) {
	case LINK_MODBUS_TCP:
		return "modbus-tcp";
	case LINK_MODBUS_RTU:
		return "modbus-rtu";
	case LINK_SERIAL_READER:
		return "serial-reader";
	}
	return "?";
}

const char *
config_ts_cmd_name(enum ts_cmd c)
{
	switch (c) {
	case TS_CMD_OPEN_ENTRY:
		return "open_entry";
	case TS_CMD_OPEN_EXIT:
		return "open_exit";
	case TS_CMD_FREE:
		return "free";
	case TS_CMD_LOCK:
		return "lock";
	case TS_CMD_COUNT:
		break;
	}
	return "?";
}

const char *
config_ts_state_name(enum ts_state s)
{
	switch (s) {
	case TS_UNKNOWN:
		return "unknown";
	case TS_IDLE:
		return "idle";
	case TS_PASSING:
		return "passing";
	case TS_FAULT:
		return "fault";
	}
	return "?";
}
