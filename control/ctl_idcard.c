/*
 * Identity cards read at the desk (engine/idread.h): "idcard.last" shows the
 * clerk what the card said, and a visitor registration may take its
 * document from the read ("id_from") instead of a typed number.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "control_int.h"
#include "ctl_desk.h"
#include "ctl_desk_int.h"
#include "../engine/engine.h"
#include "../engine/idread.h"
#include "../common/util.h"

/* The desk reader named by args' key: its device index, or -1 (replied). */
static int
idcard_reader_arg(struct ctl_client *c, json_object *args, const char *key,
    bool required)
{
	const struct site_conf *site = c->srv->e->site;
	char name[CONF_NAME_MAX];
	int n, dev;

	if ((n = ctl_arg_str(c, args, key, name, sizeof(name), required)) <= 0)
		return n < 0 ? -1 : -2;
	dev = config_device_index(site, name);
	if (dev < 0 || site->devices[dev].kind != DEV_READER ||
	    site->links[site->devices[dev].link].format != CARD_IDCARD) {
		ctl_reply_err(c, "%s \"%s\" is not an identity card reader (a reader "
		    "with format \"idcard\")", key, name);
		return -1;
	}
	return dev;
}

/* "19900307" as "1990-03-07"; anything else as it is. */
static void
add_date(json_object *o, const char *k, const char *ymd)
{
	char d[16];

	if (strlen(ymd) == 8 && strspn(ymd, "0123456789") == 8) {
		snprintf(d, sizeof(d), "%.4s-%.2s-%.2s", ymd, ymd + 4, ymd + 6);
		ctl_add_str(o, k, d);
	} else {
		ctl_add_str(o, k, ymd);
	}
}

void
ctl_cmd_idcard_last(struct ctl_client *c, json_object *args)
{
	static const char *const known[] = { "reader", NULL };
	const struct id_read *r;
	json_object *o;
	int dev;

	if (!ctl_args_known(c, args, known) ||
	    (dev = idcard_reader_arg(c, args, "reader", true)) < 0)
		return;
	r = idread_last(c->srv->e, dev);
	o = json_object_new_object();
	ctl_add_str(o, "reader", c->srv->e->site->devices[dev].name);
	json_object_object_add(o, "read", json_object_new_boolean(r != NULL));
	if (r == NULL) {
		ctl_reply_ok(c, o);
		return;
	}
	ctl_add_int(o, "read_ms", r->read_ms);
	json_object_object_add(o, "ok", json_object_new_boolean(r->ok));
	if (!r->ok) {
		ctl_add_str(o, "error", r->error);
		ctl_reply_ok(c, o);
		return;
	}
	ctl_add_str(o, "name", r->name);
	ctl_add_str(o, "sex", r->sex == '1' ? "male" : r->sex == '2' ? "female" :
	    "unknown");
	ctl_add_str(o, "nation", r->nation);
	add_date(o, "birth", r->birth);
	add_date(o, "valid_until", r->valid_until);
	json_object_object_add(o, "expired", json_object_new_boolean(r->expired));
	json_object_object_add(o, "number_ok", json_object_new_boolean(r->number_ok));
	if (!r->number_ok)
		ctl_add_str(o, "number_problem", r->number_problem);
	ctl_add_str(o, "id_type", "resident_card");
	ctl_add_str(o, "id_mask", r->id_mask);
	/* Whether the document is on the watch list is for a manager's eyes;
	 * security has had its silent alert. */
	if (ctl_has_role(c, ROLE_MANAGER))
		json_object_object_add(o, "watch", json_object_new_boolean(r->watched));
	ctl_reply_ok(c, o);
}

int
ctl_idcard_id_args(struct ctl_client *c, json_object *args, struct person_rec *p,
    const char *override, const char **over_code, int *dev_out)
{
	const struct id_read *r;
	int dev = idcard_reader_arg(c, args, "id_from", false);

	*dev_out = -1;
	if (dev == -2)
		return 0;		/* not given: the typed document, if any */
	if (dev < 0)
		return -1;
	if (json_object_object_get_ex(args, "id_type", NULL) ||
	    json_object_object_get_ex(args, "id_number", NULL)) {
		ctl_reply_err(c, "id_from takes the document from the card read; "
		    "give it or id_type and id_number, not both");
		return -1;
	}
	if ((r = idread_last(c->srv->e, dev)) == NULL || !r->ok) {
		ctl_reply_err(c, "no identity card read at %s in the last %d minutes%s",
		    c->srv->e->site->devices[dev].name, (int)(IDREAD_KEEP_MS / 60000),
		    r != NULL ? " (the last read failed: read the card again)" : "");
		return -1;
	}
	*over_code = NULL;
	if (!r->number_ok || r->expired) {
		if (override[0] == '\0') {
			ctl_reply_err(c, "the identity card read at %s %s%s (a manager "
			    "may accept it with an override and a reason)",
			    c->srv->e->site->devices[dev].name,
			    r->expired ? "expired on " : "has a number that is not valid: ",
			    r->expired ? r->valid_until : r->number_problem);
			return -1;
		}
		*over_code = r->expired ? "id_card_expired" : "id_number_not_valid";
	}
	if (p->name[0] == '\0')
		str_copy(p->name, r->name, sizeof(p->name));
	str_copy(p->id_type, "resident_card", sizeof(p->id_type));
	str_copy(p->id_hash, r->id_hash, sizeof(p->id_hash));
	str_copy(p->id_mask, r->id_mask, sizeof(p->id_mask));
	*dev_out = dev;
	return 1;
}
