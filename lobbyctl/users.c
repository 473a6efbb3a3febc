/*
 * lobbyctl user add NAME --role ROLE: a web console account. The password
 * is read at a prompt (or from standard input) and hashed here, argon2id
 * with libsodium, so that neither it nor the hashing's time reaches lobbyd.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lobbyctl_int.h"
#include "../control/ctl.h"

#define PASSWORD_MIN	10	/* bytes: a short one falls to guessing */

static int
users_usage(void)
{
	lobbyctl_say(_("usage: lobbyctl [-s SOCKET] user add NAME --role "
	    "guard|frontdesk|engineering|manager  (the password: at a prompt, "
	    "or one line on standard input)"));
	return EXIT_USAGE;
}

/* The hash of a password typed twice (once from a pipe): 0 or an exit status. */
static int
read_hash(char *hash)
{
	char pw[128], again[128];
	int rc;

	if ((rc = secret_read("password", _("Password: "), pw, sizeof(pw))) != 0)
		return rc;
	if (isatty(0) && (rc = secret_read("password", _("Again: "), again,
	    sizeof(again))) != 0)
		goto out_wipe;
	if (isatty(0) && strcmp(pw, again) != 0) {
		lobbyctl_say(_("password: the two differ; nothing changed"));
		rc = EXIT_USAGE;
	} else if (strlen(pw) < PASSWORD_MIN) {
		lobbyctl_say(_("password: at least %d characters"), PASSWORD_MIN);
		rc = EXIT_USAGE;
	} else if (crypto_pwhash_str(hash, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		lobbyctl_say(_("password: hashing it ran out of memory"));
		rc = EXIT_REFUSED;
	}
out_wipe:
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(again, sizeof(again));
	return rc;
}

int
users_main(int argc, char **argv)
{
	const char *path = NULL, *name = NULL, *role = NULL;
	struct json_object *req, *args, *reply, *data;
	char hash[crypto_pwhash_STRBYTES];
	bool json = false, add = false;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
			role = argv[++i];
		else if (strcmp(argv[i], "user") == 0 && !add && i + 1 < argc &&
		    strcmp(argv[i + 1], "add") == 0)
			add = true, i++;
		else if (add && name == NULL && argv[i][0] != '-')
			name = argv[i];
		else
			return users_usage();
	}
	if (!add || name == NULL || role == NULL)
		return users_usage();
	if (sodium_init() < 0) {
		lobbyctl_say(_("libsodium would not start"));
		return EXIT_REFUSED;
	}
	if ((rc = read_hash(hash)) != 0)
		return rc;
	path = conn_socket_path(path);
	req = json_object_new_object();
	args = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("user.add"));
	json_object_object_add(args, "name", json_object_new_string(name));
	json_object_object_add(args, "role", json_object_new_string(role));
	json_object_object_add(args, "hash", json_object_new_string(hash));
	json_object_object_add(req, "args", args);
	if ((rc = conn_ask(path, req, args, &reply, &data)) == 0 &&
	    reply != NULL) {
		if (json)
			show_json(data);
		else
			printf(_("web user %s: %s%s\n"), show_jstr(data, "name"),
			    show_jstr(data, "role"), show_jbool(data, "replaced") ?
			    _(" (password and role replaced)") : "");
		json_object_put(reply);
	}
	json_object_put(req);
	return rc;
}
