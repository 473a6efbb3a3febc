/*
 * The notify section (notify_conf.h): the channels that tell a visitor's
 * host (a webhook with a JSON template, a mail over SMTP, a command), the
 * hosts by unit, the one-time link and the retries. A template is read
 * here and filled with sample values, so a broken one stops lobbyd -n,
 * not a visitor.
 */
#include "config_int.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/template.h"
#include "../common/util.h"

#define DEF_TIMEOUT_S	10

const char *const notify_placeholders[] = { "visitor", "host", "unit",
    "purpose", "party", "class", "time", "until", "confirm_url",
    "decline_url", "answer_url", "site", "status", "to", "pass", NULL };

static const char *const notify_keys[] = { "channels", "hosts", "answer_url",
    "retry_s", "timeout_s", NULL };
static const char *const channel_keys[] = { "name", "type", "url",
    "template", "subject", "from", "user", "password_file", "sign_secret_file",
    "command", NULL };
static const char *const host_keys[] = { "unit", "channel", "to", NULL };
static const char *const type_names[] = { "webhook", "smtp", "exec", NULL };
static const int def_retry_s[] = { 5, 30, 120, 600 };

/* The template file at path (relative: to the config's directory) into
 * out; false, reported, when it cannot be read or is too long. */
static bool
read_template(struct load *ld, const struct scope *sc,
    const config_setting_t *m, const char *path, char *out, size_t len)
{
	char full[CONF_PATH_MAX * 2], qb[80];
	size_t n;
	FILE *fp;

	if (path[0] != '/' && ld->incdir != NULL)
		snprintf(full, sizeof(full), "%s%s", ld->incdir, path);
	else
		str_copy(full, path, sizeof(full));
	if ((fp = fopen(full, "re")) == NULL) {
		conf_serr(ld, sc, m, "template %s: %s",
		    conf_quote(qb, sizeof(qb), full), strerror(errno));
		return false;
	}
	n = fread(out, 1, len - 1, fp);
	out[n] = '\0';
	if (n == len - 1 && fgetc(fp) != EOF) {
		conf_serr(ld, sc, m, "template %s is longer than %zu bytes",
		    conf_quote(qb, sizeof(qb), full), len - 1);
		fclose(fp);
		return false;
	}
	fclose(fp);
	if (strlen(out) != n) {
		conf_serr(ld, sc, m, "template %s contains a NUL byte",
		    conf_quote(qb, sizeof(qb), full));
		return false;
	}
	return true;
}

/* Filled with sample values (quotes and a newline among them): every
 * placeholder known, and a webhook's body still one JSON object. */
static void
check_template(struct load *ld, const struct scope *sc,
    const config_setting_t *m, const struct notify_channel *ch)
{
	struct tmpl_val vals[32];
	static char out[NOTIFY_TEMPLATE_MAX * 2];
	char err[160];
	size_t n = 0;
	json_object *o;

	for (n = 0; notify_placeholders[n] != NULL && n < 32; n++) {
		vals[n].name = notify_placeholders[n];
		vals[n].value = "\"Sample\"\n\\ 样例";
	}
	if (tmpl_render(ch->tmpl, vals, n, ch->type == NOTIFY_WEBHOOK ?
	    TMPL_JSON : TMPL_TEXT, out, sizeof(out), err, sizeof(err)) < 0) {
		conf_serr(ld, sc, m, "template: %s", err);
		return;
	}
	if (ch->type != NOTIFY_WEBHOOK)
		return;
	o = json_tokener_parse(out);
	if (o == NULL || !json_object_is_type(o, json_type_object))
		conf_serr(ld, sc, m, "template: not one JSON object once its "
		    "placeholders are filled in (they go inside JSON strings)");
	json_object_put(o);
}

/* A secret's file (key: password_file, sign_secret_file): there, and not
 * readable by everyone. */
static void
check_secret(struct load *ld, const struct scope *sc,
    const config_setting_t *m, const char *key, const char *path)
{
	struct stat st;
	char qb[80];

	if (stat(path, &st) == -1)
		conf_serr(ld, sc, m, "%s %s: %s", key,
		    conf_quote(qb, sizeof(qb), path), strerror(errno));
	else if (!S_ISREG(st.st_mode))
		conf_serr(ld, sc, m, "%s %s is not a file", key,
		    conf_quote(qb, sizeof(qb), path));
	else if (st.st_mode & S_IROTH)
		conf_serr(ld, sc, m, "%s %s may be read by anyone (chmod o-r it)",
		    key, conf_quote(qb, sizeof(qb), path));
}

static bool
url_scheme(const char *url, const char *a, const char *b)
{
	return strncmp(url, a, strlen(a)) == 0 ||
	    (b != NULL && strncmp(url, b, strlen(b)) == 0);
}

static void
load_channel(struct load *ld, int i, const config_setting_t *e)
{
	struct notify_conf *nc = &ld->site->notify;
	struct notify_channel *ch = &nc->channels[i];
	const config_setting_t *m;
	char path[CONF_PATH_MAX];
	struct scope sc;
	int type = 0;

	conf_scope_elem(&sc, "notify.channels", i, e);
	conf_check_keys(ld, &sc, e, channel_keys, false);
	conf_get_str(ld, &sc, e, "name", true, ch->name, sizeof(ch->name));
	for (int j = 0; j < i; j++)
		if (ch->name[0] != '\0' && strcmp(nc->channels[j].name,
		    ch->name) == 0)
			conf_serr(ld, &sc, e, "name \"%s\" is taken by "
			    "notify.channels[%d]", ch->name, j);
	if (!conf_get_choice(ld, &sc, e, "type", true, type_names, &type))
		return;
	ch->type = (enum notify_type)type;
	m = conf_get_str(ld, &sc, e, "url", type != NOTIFY_EXEC, ch->url,
	    sizeof(ch->url));
	if (m != NULL && type == NOTIFY_WEBHOOK &&
	    !url_scheme(ch->url, "http://", "https://"))
		conf_serr(ld, &sc, m, "url of a webhook must start with "
		    "http:// or https://");
	if (m != NULL && type == NOTIFY_SMTP &&
	    !url_scheme(ch->url, "smtp://", "smtps://"))
		conf_serr(ld, &sc, m, "url of an smtp channel must start with "
		    "smtp:// or smtps://");
	if (m != NULL && type == NOTIFY_EXEC)
		conf_serr(ld, &sc, m, "url does not apply to an exec channel");
	if ((m = conf_get_str(ld, &sc, e, "template", type == NOTIFY_WEBHOOK,
	    path, sizeof(path))) != NULL) {
		if (type == NOTIFY_EXEC)
			conf_serr(ld, &sc, m, "template does not apply to an exec "
			    "channel (the command reads the notice as JSON)");
		else if (read_template(ld, &sc, m, path, ch->tmpl,
		    sizeof(ch->tmpl)))
			check_template(ld, &sc, m, ch);
	}
	m = conf_get_str(ld, &sc, e, "from", type == NOTIFY_SMTP, ch->from,
	    sizeof(ch->from));
	if (m != NULL && type != NOTIFY_SMTP)
		conf_serr(ld, &sc, m, "from applies to smtp channels only");
	if ((m = conf_get_str(ld, &sc, e, "subject", false, ch->subject,
	    sizeof(ch->subject))) != NULL) {
		struct notify_channel tmp = { .type = NOTIFY_SMTP };

		str_copy(tmp.tmpl, ch->subject, sizeof(tmp.tmpl));
		if (type != NOTIFY_SMTP)
			conf_serr(ld, &sc, m, "subject applies to smtp channels "
			    "only");
		else
			check_template(ld, &sc, m, &tmp);
	}
	conf_get_str(ld, &sc, e, "user", false, ch->user, sizeof(ch->user));
	m = conf_get_str(ld, &sc, e, "password_file", ch->user[0] != '\0',
	    ch->password_file, sizeof(ch->password_file));
	if (m != NULL && ch->user[0] == '\0')
		conf_serr(ld, &sc, m, "password_file needs a user");
	else if (m != NULL)
		check_secret(ld, &sc, m, "password_file", ch->password_file);
	m = conf_get_str(ld, &sc, e, "sign_secret_file", false,
	    ch->sign_secret_file, sizeof(ch->sign_secret_file));
	if (m != NULL && type != NOTIFY_WEBHOOK)
		conf_serr(ld, &sc, m, "sign_secret_file applies to webhook "
		    "channels only (a DingTalk robot's signing secret)");
	else if (m != NULL)
		check_secret(ld, &sc, m, "sign_secret_file", ch->sign_secret_file);
	if ((m = conf_get_str(ld, &sc, e, "command", type == NOTIFY_EXEC,
	    ch->command, sizeof(ch->command))) != NULL) {
		if (type != NOTIFY_EXEC)
			conf_serr(ld, &sc, m, "command applies to exec channels "
			    "only");
		else
			conf_check_command(ld, &sc, m, ch->command);
	}
}

static void
load_host(struct load *ld, int i, const config_setting_t *e)
{
	struct notify_conf *nc = &ld->site->notify;
	struct notify_host *h = &nc->hosts[i];
	const config_setting_t *m;
	char name[32];
	struct scope sc;

	conf_scope_elem(&sc, "notify.hosts", i, e);
	conf_check_keys(ld, &sc, e, host_keys, false);
	conf_get_str(ld, &sc, e, "unit", true, h->unit, sizeof(h->unit));
	h->channel = -1;
	if ((m = conf_get_str(ld, &sc, e, "channel", true, name,
	    sizeof(name))) != NULL) {
		for (int j = 0; j < nc->nchannels; j++)
			if (strcmp(nc->channels[j].name, name) == 0)
				h->channel = j;
		if (h->channel < 0)
			conf_serr(ld, &sc, m, "channel \"%s\" is not one of "
			    "notify.channels", name);
	}
	m = conf_get_str(ld, &sc, e, "to", h->channel >= 0 &&
	    nc->channels[h->channel].type == NOTIFY_SMTP, h->to, sizeof(h->to));
	if (m != NULL && h->channel >= 0 &&
	    nc->channels[h->channel].type == NOTIFY_SMTP &&
	    (strchr(h->to, '@') == NULL || strpbrk(h->to, " <>,;") != NULL))
		conf_serr(ld, &sc, m, "to \"%s\" is not one mail address", h->to);
}

/* A list member KEY of G, element by element through fn, at most max. */
static int
load_elems(struct load *ld, const struct scope *sc, const config_setting_t *g,
    const char *key, int max, void (*fn)(struct load *, int,
    const config_setting_t *))
{
	const config_setting_t *l, *e;
	int n, i;

	if ((l = conf_member(ld, sc, g, key, W_LIST, false)) == NULL)
		return 0;
	n = config_setting_length(l);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(l, (unsigned)i);
		if (i == max) {
			conf_serr(ld, sc, e, "%s: too many (at most %d)", key, max);
			return max;
		}
		if (!config_setting_is_group(e)) {
			conf_serr(ld, sc, e, "%s[%d] must be a group { ... }", key, i);
			continue;
		}
		fn(ld, i, e);
	}
	return n;
}

void
conf_load_notify(struct load *ld, const config_setting_t *root)
{
	struct notify_conf *nc = &ld->site->notify;
	const config_setting_t *g, *m;
	struct scope sc;

	memcpy(nc->retry_s, def_retry_s, sizeof(def_retry_s));
	nc->nretry = (int)(sizeof(def_retry_s) / sizeof(def_retry_s[0]));
	nc->timeout_s = DEF_TIMEOUT_S;
	if ((g = conf_root_group(ld, root, "notify", notify_keys, &sc)) == NULL)
		return;
	nc->nchannels = load_elems(ld, &sc, g, "channels", NOTIFY_MAX_CHANNELS,
	    load_channel);
	nc->nhosts = load_elems(ld, &sc, g, "hosts", NOTIFY_MAX_HOSTS, load_host);
	if ((m = conf_get_str(ld, &sc, g, "answer_url", false, nc->answer_url,
	    sizeof(nc->answer_url))) != NULL &&
	    !url_scheme(nc->answer_url, "http://", "https://"))
		conf_serr(ld, &sc, m, "answer_url must start with http:// or "
		    "https://");
	conf_get_int(ld, &sc, g, "timeout_s", false, 1, 300, &nc->timeout_s);
	if ((m = conf_member(ld, &sc, g, "retry_s", W_STRINGS, false)) != NULL) {
		int n = config_setting_length(m);

		if (n > NOTIFY_MAX_RETRIES)
			conf_serr(ld, &sc, m, "retry_s: at most %d waits",
			    NOTIFY_MAX_RETRIES);
		nc->nretry = 0;
		for (int i = 0; i < n && i < NOTIFY_MAX_RETRIES; i++) {
			const config_setting_t *e = config_setting_get_elem(m,
			    (unsigned)i);
			int v = config_setting_type(e) == CONFIG_TYPE_INT ?
			    config_setting_get_int(e) : -1;

			if (v < 1 || v > 86400)
				conf_serr(ld, &sc, e, "retry_s[%d] must be a number "
				    "of seconds, 1 to 86400", i);
			else
				nc->retry_s[nc->nretry++] = v;
		}
	}
}
