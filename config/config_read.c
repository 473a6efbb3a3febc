/*
 * Reading settings for config loading: every getter checks the setting's
 * type and range, unknown keys are caught, and each error becomes one
 * "FILE:LINE: ..." line, printed in file order once loading is done.
 */
#include "config_int.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"

/* One error line, kept until the end so the lines come out in file order. */
struct conf_err {
	const char	*file;
	bool		included;	/* from an @include, not the main file */
	int		line;
	int		seq;
	char		*text;		/* the whole line, without newline */
};

const struct scope conf_root_scope;

/* ------------------------------------------------------------------ */
/* Error lines                                                          */

/* The name of a file libconfig read: FILE itself, or an @include, which
 * libconfig names as written and opens relative to FILE's directory. */
const char *
conf_file_name(struct load *ld, const char *raw)
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
	return conf_file_name(ld, s != NULL ? config_setting_source_file(s) :
	    NULL);
}

void
conf_add_err_line(struct load *ld, const char *file, int line, const char *text)
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
	conf_add_err_line(ld, setting_file(ld, at),
	    at != NULL ? (int)config_setting_source_line(at) : 0, msg);
}

/* An error about setting AT, without a scope prefix. */
void
conf_err(struct load *ld, const config_setting_t *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(ld, at, NULL, fmt, ap);
	va_end(ap);
}

/* An error about setting AT, as `LABEL: message`. */
void
conf_serr(struct load *ld, const struct scope *sc, const config_setting_t *at,
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
void
conf_flush_errs(struct load *ld)
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
const char *
conf_quote(char *buf, size_t size, const char *s)
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

void
conf_scope_top(struct scope *sc, const char *name)
{
	str_printf(sc->path, sizeof(sc->path), "%s", name);
	str_printf(sc->label, sizeof(sc->label), "%s", name);
	sc->kp[0] = '\0';
}

/* The scope of element I of a list: labelled with its name when it has a
 * valid one, so messages say `devices[1] "ts2"`. */
void
conf_scope_elem(struct scope *sc, const char *list, int i,
    const config_setting_t *elem)
{
	const config_setting_t *n = NULL;
	const char *name;

	str_printf(sc->path, sizeof(sc->path), "%s[%d]", list, i);
	str_printf(sc->label, sizeof(sc->label), "%s", sc->path);
	sc->kp[0] = '\0';
	if (config_setting_is_group(elem))
		n = config_setting_get_member(elem, "name");
	if (n != NULL && config_setting_type(n) == CONFIG_TYPE_STRING) {
		name = config_setting_get_string(n);
		if (name_is_valid(name))
			str_printf(sc->label, sizeof(sc->label),
			    "%s \"%s\"", sc->path, name);
	}
}

/* A group nested in SC under KEY: same label, longer path and key prefix. */
void
conf_scope_sub(struct scope *sub, const struct scope *sc, const char *key)
{
	str_printf(sub->path, sizeof(sub->path), "%s.%s", sc->path, key);
	str_printf(sub->label, sizeof(sub->label), "%s", sc->label);
	str_printf(sub->kp, sizeof(sub->kp), "%s%s.", sc->kp, key);
}

/* Rejects every member of G not in KEYS. TOP: the root, no "in PATH". */
void
conf_check_keys(struct load *ld, const struct scope *sc,
    const config_setting_t *g, const char *const *keys, bool top)
{
	int i, n = config_setting_length(g);

	for (i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *key = config_setting_name(m);

		if (key == NULL || str_in(key, keys))
			continue;
		if (top)
			conf_err(ld, m, "unknown setting \"%s\"", key);
		else
			conf_err(ld, m, "unknown setting \"%s\" in %s", key,
			    sc->path);
	}
}

int
conf_elem_begin(struct load *ld, struct scope *sc, const char *list, int i,
    const config_setting_t *e, const char *const *keys)
{
	conf_scope_elem(sc, list, i, e);
	conf_check_keys(ld, sc, e, keys, false);
	return (int)config_setting_source_line(e);
}

/* ------------------------------------------------------------------ */
/* Getting settings with their types checked                            */

/* G's keys for one kind of a thing: those of KEYS belong; those of OTHERS
 * belong to another kind and "do not apply to WHAT"; the rest are unknown. */
void
conf_check_kind_keys(struct load *ld, const struct scope *sc,
    const config_setting_t *g, const char *const *keys,
    const char *const *others, const char *what)
{
	int j, n = config_setting_length(g);

	for (j = 0; j < n; j++) {
		const config_setting_t *k = config_setting_get_elem(g,
		    (unsigned)j);
		const char *key = config_setting_name(k);

		if (key == NULL || str_in(key, keys))
			continue;
		if (str_in(key, others))
			conf_serr(ld, sc, k, "setting \"%s\" does not apply "
			    "to %s", key, what);
		else
			conf_err(ld, k, "unknown setting \"%s\" in %s", key,
			    sc->path);
	}
}

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
const config_setting_t *
conf_member(struct load *ld, const struct scope *sc, const config_setting_t *g,
    const char *key, enum want want, bool required)
{
	const config_setting_t *m = config_setting_get_member(g, key);

	if (m == NULL) {
		if (required)
			conf_serr(ld, sc, g, "missing required setting "
			    "\"%s%s\"", sc->kp, key);
		return NULL;
	}
	if (!type_fits(m, want)) {
		conf_serr(ld, sc, m, "%s%s must be %s", sc->kp, key,
		    want_name(want));
		return NULL;
	}
	return m;
}

/* Group KEY of the root, its keys checked against KEYS, with *sc its
 * scope; NULL when absent (or not a group, reported). */
const config_setting_t *
conf_root_group(struct load *ld, const config_setting_t *root,
    const char *key, const char *const *keys, struct scope *sc)
{
	const config_setting_t *g;

	conf_scope_top(sc, key);
	if ((g = conf_member(ld, &conf_root_scope, root, key, W_GROUP,
	    false)) != NULL)
		conf_check_keys(ld, sc, g, keys, false);
	return g;
}

void
conf_load_list(struct load *ld, const config_setting_t *root,
    const struct conf_list *cl, int *count)
{
	const config_setting_t *l, *e;
	int i, n;

	if ((l = conf_member(ld, &conf_root_scope, root, cl->key, W_LIST,
	    false)) == NULL)
		return;
	n = config_setting_length(l);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(l, (unsigned)i);
		if (i == cl->max) {
			conf_err(ld, e, "too many %s (at most %d%s)", cl->key,
			    cl->max, cl->note != NULL ? cl->note : "");
			break;
		}
		*count = i + 1;
		if (cl->init != NULL)
			cl->init(ld, i, e);
		if (!config_setting_is_group(e))
			conf_err(ld, e, "%s[%d] must be a group { ... }",
			    cl->key, i);
		else
			cl->load(ld, i, e);
	}
}

bool
conf_name_taken(struct load *ld, const struct scope *sc,
    const config_setting_t *m, const char *list, int before,
    int (*index)(const struct site_conf *, const char *))
{
	const char *name = config_setting_get_string(m);
	char qb[80];
	int j = index(ld->site, name);

	if (j < 0 || j >= before)
		return false;
	conf_serr(ld, sc, m, "name %s is already used by %s[%d]",
	    conf_quote(qb, sizeof(qb), name), list, j);
	return true;
}

void
conf_event_name(struct load *ld, const struct scope *sc,
    const config_setting_t *e, const char *list, int i, char *name)
{
	const struct site_conf *site = ld->site;
	/* In the order they are read. */
	const struct {
		const char	*list;
		int		n;
		int		(*index)(const struct site_conf *, const char *);
	} lists[] = {
		{ "lanes",	site->nlanes,		config_lane_index },
		{ "doors",	site->ndoors,		config_door_index },
		{ "elevators",	site->nelevators,	config_elevator_index },
	};
	const size_t n = sizeof(lists) / sizeof(lists[0]);
	const config_setting_t *m;
	size_t own, k;

	for (own = 0; own < n && strcmp(lists[own].list, list) != 0; own++)
		;
	assert(own < n);
	if ((m = conf_get_name(ld, sc, e, "name", true, name)) == NULL ||
	    conf_name_taken(ld, sc, m, list, i, lists[own].index))
		return;
	for (k = 0; k < n; k++)
		if (k != own && conf_name_taken(ld, sc, m, lists[k].list,
		    lists[k].n, lists[k].index))
			return;
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
		str_printf(txt, size, "%.*s", (int)(d - v), v);
		return true;
	}
	return false;
}

/*
 * Integer KEY of G into *val, its text into txt (as written when too large).
 * Returns 1 when present and an integer, 0 when absent or wrong (reported).
 */
int
conf_get_int_raw(struct load *ld, const struct scope *sc,
    const config_setting_t *g, const char *key, bool required, long long *val,
    char *txt, size_t size, const config_setting_t **where)
{
	const config_setting_t *m = conf_member(ld, sc, g, key, W_INT,
	    required);

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
	str_printf(txt, size, "%lld", *val);
	return 1;
}

/* Integer KEY of G in LO..HI into *out (left alone when absent or bad). */
bool
conf_get_int(struct load *ld, const struct scope *sc, const config_setting_t *g,
    const char *key, bool required, long long lo, long long hi, int *out)
{
	const config_setting_t *m;
	long long v;
	char txt[32];

	if (!conf_get_int_raw(ld, sc, g, key, required, &v, txt, sizeof(txt),
	    &m))
		return false;
	if (v < lo || v > hi) {
		conf_serr(ld, sc, m, "%s%s %s is out of range %lld..%lld",
		    sc->kp, key, txt, lo, hi);
		return false;
	}
	*out = (int)v;
	return true;
}

/* Integer KEY of G, one of SET. */
bool
conf_get_int_of(struct load *ld, const struct scope *sc,
    const config_setting_t *g, const char *key, const int *set, size_t nset,
    int *out)
{
	const config_setting_t *m;
	long long v;
	char txt[32], list[160];
	size_t i;
	int n = 0;

	if (!conf_get_int_raw(ld, sc, g, key, false, &v, txt, sizeof(txt), &m))
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
	conf_serr(ld, sc, m, "%s%s %s is not one of %s", sc->kp, key, txt,
	    list);
	return false;
}

/* String KEY of G, non-empty and shorter than SIZE, copied to BUF. */
const config_setting_t *
conf_get_str(struct load *ld, const struct scope *sc, const config_setting_t *g,
    const char *key, bool required, char *buf, size_t size)
{
	const config_setting_t *m = conf_member(ld, sc, g, key, W_STR,
	    required);
	const char *s;

	if (m == NULL)
		return NULL;
	s = config_setting_get_string(m);
	if (s[0] == '\0') {
		conf_serr(ld, sc, m, "%s%s must not be empty", sc->kp, key);
		return NULL;
	}
	if (strlen(s) >= size) {
		conf_serr(ld, sc, m, "%s%s is too long (%zu bytes, at most "
		    "%zu)", sc->kp, key, strlen(s), size - 1);
		return NULL;
	}
	if (buf != NULL)
		str_copy(buf, s, size);
	return m;
}

/* A name: 1..31 of [A-Za-z0-9_.-]. Returns the setting when valid. */
const config_setting_t *
conf_get_name(struct load *ld, const struct scope *sc,
    const config_setting_t *g, const char *key, bool required, char *buf)
{
	const config_setting_t *m = conf_member(ld, sc, g, key, W_STR,
	    required);
	char qb[80];

	if (m == NULL)
		return NULL;
	if (!name_is_valid(config_setting_get_string(m))) {
		conf_serr(ld, sc, m, "%s%s %s is not a valid name (1 to %d of "
		    "A-Z a-z 0-9 _ . -)", sc->kp, key,
		    conf_quote(qb, sizeof(qb), config_setting_get_string(m)),
		    CONF_NAME_MAX - 1);
		return NULL;
	}
	if (buf != NULL)
		str_copy(buf, config_setting_get_string(m), CONF_NAME_MAX);
	return m;
}

/* String KEY of G, one of CHOICES; its index into *out. */
bool
conf_get_choice(struct load *ld, const struct scope *sc,
    const config_setting_t *g, const char *key, bool required,
    const char *const *choices, int *out)
{
	const config_setting_t *m = conf_member(ld, sc, g, key, W_STR,
	    required);
	const char *s;
	char list[160], qb[80];
	int i, n = 0;

	if (m == NULL)
		return false;
	s = config_setting_get_string(m);
	if ((i = conf_word_index(choices, s)) >= 0) {
		*out = i;
		return true;
	}
	list[0] = '\0';
	for (i = 0; choices[i] != NULL && n >= 0 && (size_t)n < sizeof(list);
	    i++)
		n += snprintf(list + n, sizeof(list) - (size_t)n, "%s\"%s\"",
		    i ? ", " : "", choices[i]);
	conf_serr(ld, sc, m, "%s%s %s is not one of %s", sc->kp, key,
	    conf_quote(qb, sizeof(qb), s), list);
	return false;
}
