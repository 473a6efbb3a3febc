/*
 * lobbyweb's config: where it listens, lobbyd's socket, its pages, TLS.
 * Every setting is checked; an unknown one or a plain-HTTP address off
 * loopback (unless said explicitly) is an error naming file and line.
 */
#include <arpa/inet.h>
#include <libconfig.h>
#include <stdio.h>
#include <string.h>

#include "web.h"
#include "../common/util.h"
#include "../control/ctl.h"

static const char *const known[] = { "listen", "socket", "static_dir",
	"tls_cert", "tls_key", "plain_http_anywhere", "session_minutes", NULL };

static int
get_str(config_setting_t *root, const char *path, const char *key, char *out,
    size_t len)
{
	config_setting_t *s = config_setting_get_member(root, key);

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    !str_copy(out, config_setting_get_string(s), len)) {
		log_err("%s:%d: %s: a string of at most %zu bytes", path,
		    config_setting_source_line(s), key, len - 1);
		return -1;
	}
	return 0;
}

int
web_conf_load(const char *path, struct web_conf *c)
{
	config_t cf;
	config_setting_t *root, *s;
	char listen[80] = "127.0.0.1:8080", *colon;
	struct in_addr a;
	int errors = 0, port;

	memset(c, 0, sizeof(*c));
	str_copy(c->socket, CTL_DEFAULT_SOCKET, sizeof(c->socket));
	str_copy(c->static_dir, "/usr/share/lobbyd/web", sizeof(c->static_dir));
	c->session_min = 480;
	config_init(&cf);
	if (!config_read_file(&cf, path)) {
		log_err("%s:%d: %s", path, config_error_line(&cf),
		    config_error_text(&cf) ? config_error_text(&cf) : "cannot read");
		config_destroy(&cf);
		return -1;
	}
	root = config_root_setting(&cf);
	for (int i = 0; (s = config_setting_get_elem(root, i)) != NULL; i++) {
		bool ok = false;

		for (int k = 0; known[k] != NULL; k++)
			ok |= strcmp(known[k], config_setting_name(s)) == 0;
		if (!ok) {
			log_err("%s:%d: %s: no such setting", path,
			    config_setting_source_line(s), config_setting_name(s));
			errors++;
		}
	}
	errors -= get_str(root, path, "listen", listen, sizeof(listen));
	errors -= get_str(root, path, "socket", c->socket, sizeof(c->socket));
	errors -= get_str(root, path, "static_dir", c->static_dir, sizeof(c->static_dir));
	errors -= get_str(root, path, "tls_cert", c->tls_cert, sizeof(c->tls_cert));
	errors -= get_str(root, path, "tls_key", c->tls_key, sizeof(c->tls_key));
	if ((s = config_setting_get_member(root, "plain_http_anywhere")) != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
			log_err("%s:%d: plain_http_anywhere: true or false", path,
			    config_setting_source_line(s));
			errors++;
		} else {
			c->plain_http_anywhere = config_setting_get_bool(s);
		}
	}
	if ((s = config_setting_get_member(root, "session_minutes")) != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_INT ||
		    config_setting_get_int(s) < 5 || config_setting_get_int(s) > 1440) {
			log_err("%s:%d: session_minutes: a whole number, 5 to 1440",
			    path, config_setting_source_line(s));
			errors++;
		} else {
			c->session_min = config_setting_get_int(s);
		}
	}
	colon = strrchr(listen, ':');
	if (colon == NULL || sscanf(colon + 1, "%d", &port) != 1 || port < 1 ||
	    port > 65535 || (*colon = '\0', inet_pton(AF_INET, listen, &a) != 1)) {
		log_err("%s: listen: \"IPv4-ADDRESS:PORT\", as \"127.0.0.1:8080\"", path);
		errors++;
	} else {
		str_copy(c->listen_addr, listen, sizeof(c->listen_addr));
		c->port = port;
		if (c->tls_cert[0] == '\0' && (ntohl(a.s_addr) >> 24) != 127 &&
		    !c->plain_http_anywhere) {
			log_err("%s: listen: %s is not loopback; plain HTTP there needs "
			    "tls_cert and tls_key, or plain_http_anywhere = true", path,
			    listen);
			errors++;
		}
	}
	if ((c->tls_cert[0] == '\0') != (c->tls_key[0] == '\0')) {
		log_err("%s: tls_cert and tls_key go together", path);
		errors++;
	}
	config_destroy(&cf);
	return errors == 0 ? 0 : -1;
}
