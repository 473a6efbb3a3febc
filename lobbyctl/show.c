/*
 * How lobbyctl shows lobbyd's replies: lists as aligned tables, status and
 * stats as "key: value" lines, and with --json the reply's data as JSON.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../common/floors.h"
#include "format.h"
#include "lobbyctl_int.h"
#include "show_table.h"

struct json_object *
show_jval(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* Fields of an object from lobbyd, absent ones empty. */
const char *
show_jstr(struct json_object *o, const char *key)
{
	struct json_object *v = show_jval(o, key);
	const char *s = v != NULL ? json_object_get_string(v) : NULL;

	return s != NULL ? s : "";
}

int64_t
show_jint(struct json_object *o, const char *key)
{
	struct json_object *v = show_jval(o, key);

	return v != NULL ? json_object_get_int64(v) : 0;
}

bool
show_jbool(struct json_object *o, const char *key)
{
	struct json_object *v = show_jval(o, key);

	return v != NULL && json_object_get_boolean(v);
}

void
show_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

bool
show_data_is_object(struct json_object *data)
{
	if (data != NULL && json_object_is_type(data, json_type_object))
		return true;
	lobbyctl_say(_("bad reply from lobbyd: \"data\" is not an object"));
	return false;
}

bool
show_data_is_list(struct json_object *data)
{
	size_t i, n;

	if (data == NULL || !json_object_is_type(data, json_type_array)) {
		lobbyctl_say(_("bad reply from lobbyd: \"data\" is not a list"));
		return false;
	}
	n = json_object_array_length(data);
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(data, i);

		if (o == NULL || !json_object_is_type(o, json_type_object)) {
			lobbyctl_say(_("bad reply from lobbyd: item %zu of "
			    "\"data\" is not an object"), i);
			return false;
		}
	}
	return true;
}

struct fmt_table *
show_table(struct json_object *data, const struct fmt_col *cols, int ncols,
    show_row_fn *row)
{
	struct fmt_table *t;
	struct show_row r;
	size_t i, n;

	if (!show_data_is_list(data))
		return NULL;
	if ((t = fmt_table_new(cols, ncols)) == NULL) {
		lobbyctl_say(_("out of memory"));
		return NULL;
	}
	n = json_object_array_length(data);
	for (i = 0; i < n; i++) {
		memset(r.cell, 0, sizeof(r.cell));
		row(json_object_array_get_idx(data, i), &r);
		if (fmt_table_add(t, r.cell) == -1) {
			lobbyctl_say(_("out of memory"));
			fmt_table_free(t);
			return NULL;
		}
	}
	return t;
}

int
show_list(struct json_object *data, const struct fmt_col *cols, int ncols,
    const char *none, show_row_fn *row)
{
	struct fmt_table *t = show_table(data, cols, ncols, row);

	if (t == NULL)
		return EXIT_REFUSED;
	if (json_object_array_length(data) == 0)
		printf("%s\n", none);
	else
		fmt_table_print(t, stdout);
	fmt_table_free(t);
	return 0;
}

static const struct fmt_col event_cols[] = {
	{ N_("TIME"),	19, 0,  false },
	{ N_("LANE"),	6,  16, false },
	{ N_("DEVICE"),	8,  16, false },
	{ N_("DIR"),	5,  0,  false },
	{ N_("CARD"),	10, 31, false },
	{ N_("RESULT"),	10, 16, false },
	{ N_("REASON"),	24, 48, false },
	{ N_("BY"),		0,  16, false },
};

static void
event_row(struct json_object *ev, struct show_row *r)
{
	const char *decision = show_jstr(ev, "decision");
	const char *kind = show_jstr(ev, "kind");
	const char *why = show_jstr(ev, "reason_text");
	const char *detail = show_jstr(ev, "detail");

	if (why[0] == '\0')
		why = show_jstr(ev, "reason");
	fmt_time(show_jint(ev, "ts_ms"), r->t1, sizeof(r->t1));
	if (why[0] != '\0' && detail[0] != '\0' && strcmp(why, detail) != 0)
		snprintf(r->text, sizeof(r->text), "%s: %s", why, detail);
	else
		snprintf(r->text, sizeof(r->text), "%s",
		    why[0] != '\0' ? why : detail);
	r->cell[0] = r->t1;
	r->cell[1] = show_jstr(ev, "lane");
	r->cell[2] = show_jstr(ev, "device");
	r->cell[3] = show_word(show_jstr(ev, "direction"));
	r->cell[4] = show_jstr(ev, "credential");
	/* A decision for card reads; the kind for the rest, a manual open
	   included (its "granted" says less than "manual open"). */
	if (decision[0] != '\0' && (strcmp(kind, "access") == 0 ||
	    kind[0] == '\0'))
		r->cell[5] = show_word(decision);
	else
		r->cell[5] = fmt_kind_words(kind, r->words, sizeof(r->words));
	r->cell[6] = r->text;
	r->cell[7] = show_jstr(ev, "actor");
}

const char *
show_word(const char *word)
{
	static const char *const known[] = { N_("turnstile"), N_("reader"),
		N_("input"), N_("output"), N_("intercom"), N_("elevator"),
		N_("idle"), N_("passing"), N_("fault"), N_("unknown"), N_("ok"),
		N_("active"), N_("ringing"), N_("connected"),
		N_("trapped"), N_("normal"), N_("independent"),
		N_("fire_service"), N_("out_of_service"),
		N_("info"), N_("warning"), N_("urgent"), N_("emergency"),
		N_("pending"), N_("revoked"), N_("expired"), N_("suspended"),
		N_("terminated"), N_("closed"), N_("cancelled"), N_("done"),
		N_("tenant_staff"), N_("property_staff"), N_("contractor"),
		N_("visitor"), N_("entry"), N_("exit"), N_("granted"),
		N_("denied"), N_("stopped"), N_("up"), N_("down"), N_("opening"),
		N_("closing"),
		N_("site"), N_("version"), N_("pid"), N_("started"),
		N_("devices"), N_("online"), N_("lanes"), N_("cards"), N_("user"),
		N_("roles"), N_("fire mode"), N_("latency"),
		N_("events committed"), N_("event batches"), N_("event queue"),
		N_("store failures"), N_("events purged"), N_("reader rejects"),
		N_("command failures"), N_("links"), N_("male"), N_("female"),
		N_("resident_card") };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i], word) == 0)
			return _(known[i]);
	return word;
}

static const struct fmt_col device_cols[] = {
	{ N_("NAME"),	0, 24, false },
	{ N_("KIND"),	0, 0,  false },
	{ N_("LINK"),	0, 16, false },
	{ N_("STATE"),	0, 20, false },
	{ N_("FAULT"),	0, 0,  true },
	{ N_("ENTRY"),	0, 0,  true },
	{ N_("EXIT"),	0, 0,  true },
	{ N_("BAD READS"),	0, 0,  true },
	{ N_("SINCE"),	0, 0,  false },
	{ N_("REASON"),	0, 60, false },
};

static void
device_row(struct json_object *d, struct show_row *r)
{
	const char *reason = show_jstr(d, "reason");
	int64_t failures = show_jint(d, "failures"), fault = show_jint(d, "fault_code");

	if (!show_jbool(d, "online"))
		snprintf(r->words, sizeof(r->words), "%s", _("offline"));
	else if (strcmp(show_jstr(d, "state"), "active") == 0)
		snprintf(r->words, sizeof(r->words), _("online %s"),
		    C_("input", "active"));
	else if (strcmp(show_jstr(d, "state"), "inactive") == 0)
		snprintf(r->words, sizeof(r->words), _("online %s"),
		    C_("input", "inactive"));
	else
		snprintf(r->words, sizeof(r->words), _("online %s"),
		    show_word(show_jstr(d, "state")));
	if (fault != 0)
		snprintf(r->n1, sizeof(r->n1), "%lld", (long long)fault);
	else
		r->n1[0] = '\0';
	/* Passage counters are a turnstile's; bad frames are a reader's. */
	r->n2[0] = r->n3[0] = r->n4[0] = '\0';
	if (strcmp(show_jstr(d, "kind"), "reader") == 0) {
		snprintf(r->n4, sizeof(r->n4), "%lld", (long long)show_jint(d, "rejects"));
	} else if (strcmp(show_jstr(d, "kind"), "turnstile") == 0) {
		snprintf(r->n2, sizeof(r->n2), "%lld",
		    (long long)show_jint(d, "entry_count"));
		snprintf(r->n3, sizeof(r->n3), "%lld",
		    (long long)show_jint(d, "exit_count"));
	}
	/* Since when it has been in the state shown (a fault: since it
	   began); a lobbyd that does not say: since online or offline. */
	fmt_time(show_jint(d, "state_since_ms") != 0 ?
	    show_jint(d, "state_since_ms") : show_jint(d, "since_ms"),
	    r->t1, sizeof(r->t1));
	if (failures > 0)
		snprintf(r->text, sizeof(r->text), _("%s%s(%lld failures)"),
		    reason, reason[0] != '\0' ? " " : "", (long long)failures);
	else
		snprintf(r->text, sizeof(r->text), "%s", reason);
	r->cell[0] = show_jstr(d, "name");
	r->cell[1] = show_word(show_jstr(d, "kind"));
	r->cell[2] = show_jstr(d, "link");
	r->cell[3] = r->words;
	r->cell[4] = r->n1;
	r->cell[5] = r->n2;
	r->cell[6] = r->n3;
	r->cell[7] = r->n4;
	r->cell[8] = r->t1;
	r->cell[9] = r->text;
}

/* With --all or --follow the table has CLEARED: a followed alert may be
   one that has just cleared. */
static const struct fmt_col alert_cols[] = {
	{ N_("ID"),		4,  0,  true },
	{ N_("RAISED"),	19, 0,  false },
	{ N_("SEVERITY"),	9,  0,  false },
	{ N_("SOURCE"),	10, 24, false },
	{ N_("KIND"),	7,  16, false },
	{ N_("STATE"),	9,  28, false },
	{ N_("MESSAGE"),	0,  72, false },
};
static const struct fmt_col alert_all_cols[] = {
	{ N_("ID"),		4,  0,  true },
	{ N_("RAISED"),	19, 0,  false },
	{ N_("CLEARED"),	19, 0,  false },
	{ N_("SEVERITY"),	9,  0,  false },
	{ N_("SOURCE"),	10, 24, false },
	{ N_("KIND"),	7,  16, false },
	{ N_("STATE"),	9,  28, false },
	{ N_("MESSAGE"),	0,  72, false },
};

static void
alert_row_with(struct json_object *al, bool cleared_col, struct show_row *r)
{
	int i = 0;
	int64_t cleared = show_jint(al, "cleared_ms");

	if (show_jint(al, "id") > 0)
		snprintf(r->n1, sizeof(r->n1), "%lld", (long long)show_jint(al, "id"));
	else
		snprintf(r->n1, sizeof(r->n1), "-");
	fmt_time(show_jint(al, "raised_ms"), r->t1, sizeof(r->t1));
	if (cleared != 0)
		fmt_time(cleared, r->t2, sizeof(r->t2));
	else
		snprintf(r->t2, sizeof(r->t2), "%s", C_("alert", "active"));
	r->cell[i++] = r->n1;
	r->cell[i++] = r->t1;
	if (cleared_col)
		r->cell[i++] = r->t2;
	r->cell[i++] = show_word(show_jstr(al, "severity"));
	r->cell[i++] = show_jstr(al, "source");
	r->cell[i++] = show_jstr(al, "kind");
	/* open, escalated (nobody acknowledged it in time), who took it, or
	 * not stored: the database cannot be written, it is held in memory */
	if (show_jint(al, "id") == 0)
		snprintf(r->words, sizeof(r->words), "%s", _("unstored"));
	else if (show_jstr(al, "acked_by")[0] != '\0')
		snprintf(r->words, sizeof(r->words), _("acked by %s"),
		    show_jstr(al, "acked_by"));
	else
		snprintf(r->words, sizeof(r->words), "%s",
		    show_jbool(al, "escalated") ? _("escalated") : _("open"));
	r->cell[i++] = r->words;
	r->cell[i++] = show_jstr(al, "message");
}

static const struct fmt_col card_cols[] = {
	{ N_("UID"),	0, 0,  false },
	{ N_("HOLDER"),	0, 40, false },
	{ N_("ENABLED"),	0, 0,  false },
	{ N_("FROM"),	0, 0,  false },
	{ N_("UNTIL"),	0, 0,  false },
	{ N_("FLOORS"),	0, 40, false },
};

static void
card_row(struct json_object *cd, struct show_row *r)
{
	fmt_time(show_jint(cd, "valid_from_ms"), r->t1, sizeof(r->t1));
	fmt_time(show_jint(cd, "valid_until_ms"), r->t2, sizeof(r->t2));
	r->cell[0] = show_jstr(cd, "uid");
	r->cell[1] = show_jstr(cd, "holder");
	r->cell[2] = show_jbool(cd, "enabled") ? _("yes") : _("no");
	r->cell[3] = r->t1;
	r->cell[4] = r->t2;
	{
		struct json_object *fl;
		uint64_t mask = 0;

		if (json_object_object_get_ex(cd, "floors", &fl) &&
		    json_object_is_type(fl, json_type_array))
			for (size_t i = 0; i < json_object_array_length(fl); i++) {
				int64_t f = json_object_get_int64(
				    json_object_array_get_idx(fl, i));

				if (f >= 0 && f <= FLOORS_TOP)
					mask |= UINT64_C(1) << f;
			}
		floors_str(mask, r->text, sizeof(r->text));
		r->cell[5] = r->text;
	}
}

/* Alerts with the CLEARED column (--all, --follow) or without. */
static void
alert_row_all(struct json_object *al, struct show_row *r)
{
	alert_row_with(al, true, r);
}

static void
alert_row(struct json_object *al, struct show_row *r)
{
	alert_row_with(al, false, r);
}

/* How a row of the table of WHAT is made; ALL: alerts with CLEARED. */
static show_row_fn *
row_of(enum show_what what, bool all)
{
	switch (what) {
	case SHOW_EVENTS:
		return event_row;
	case SHOW_DEVICES:
		return device_row;
	case SHOW_ALERTS:
		return all ? alert_row_all : alert_row;
	default:
		return card_row;
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
	/* the key in words (out holds them until the value is written) */
	snprintf(k, sizeof(kv->key[0]), "%s", show_word(key_words(key, cut,
	    out, vl)));
	if (unit_ns != NULL) {
		size_t kl = strlen(k);

		snprintf(k + kl, sizeof(kv->key[0]) - kl, " %s", unit_ns);
	}
	if (v == NULL)
		snprintf(out, vl, "-");
	else if (json_object_is_type(v, json_type_boolean))
		snprintf(out, vl, "%s", json_object_get_boolean(v) ? _("yes") : _("no"));
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

int
show_reply(enum show_what what, bool json, bool follow, bool all,
    struct json_object *data, struct fmt_table **tablep)
{
	bool icom = what == SHOW_ICOM_LIST || what == SHOW_ICOM_RELEASE;
	bool elev = what >= SHOW_ELEV_LIST && what <= SHOW_BOOKING_CANCEL;
	const struct fmt_col *cols;
	struct fmt_table *t;
	struct show_row r;
	size_t i, n;
	int ncols;

	/* Their JSON is the data as lobbyd sent it. */
	if (json && (icom || elev)) {
		show_json(data);
		return 0;
	}
	if (icom)
		return show_icom(what, data);
	if (elev)
		return show_elev(what, data);
	if (what >= SHOW_TICKETS && what <= SHOW_DEVICES_CHECK)	/* tickets.c */
		return tickets_show(what, json, data);
	switch (what) {
	case SHOW_EVENTS:
		cols = event_cols;
		ncols = 8;
		break;
	case SHOW_DEVICES:
		cols = device_cols;
		ncols = 10;
		break;
	case SHOW_ALERTS:
		cols = all ? alert_all_cols : alert_cols;
		ncols = all ? 8 : 7;
		break;
	case SHOW_CARD_LIST:
		cols = card_cols;
		ncols = 6;
		break;
	default:
		if (!show_data_is_object(data))
			return EXIT_REFUSED;
		if (json) {
			show_json(data);
		} else if (what == SHOW_CARD_ADD) {
			t = fmt_table_new(card_cols, 6);
			if (t == NULL)
				return EXIT_REFUSED;
			memset(r.cell, 0, sizeof(r.cell));
			card_row(data, &r);
			fmt_table_add(t, r.cell);
			fmt_table_print(t, stdout);
			fmt_table_free(t);
		} else if (what == SHOW_CARD_REMOVE) {
			printf(_("removed card %s\n"), show_jstr(data, "uid"));
		} else if (what == SHOW_FIRE_RESET) {
			char *who = fmt_clean(show_jstr(data, "reset_by"), 32);

			printf(_("fire mode off (reset by %s): egress lanes are "
			    "being locked\n"), who != NULL ? who : "");
			free(who);
		} else if (what == SHOW_ALERT_ACK) {
			char *src = fmt_clean(show_jstr(data, "source"), 40);
			char *kind = fmt_clean(show_jstr(data, "kind"), 24);

			printf(_("acknowledged alert %lld (%s %s)\n"),
			    (long long)show_jint(data, "id"), src != NULL ? src : "",
			    kind != NULL ? kind : "");
			free(src);
			free(kind);
		} else if (what == SHOW_LANE_OPEN) {
			char *lane = fmt_clean(show_jstr(data, "lane"), 40);
			char *dir = fmt_clean(show_jstr(data, "direction"), 8);

			printf(_("opened %s for %s (event %lld)%s\n"),
			    lane != NULL ? lane : "", dir != NULL ? dir : "",
			    (long long)show_jint(data, "event_id"),
			    show_jbool(data, "forced") ?
			    _(", forced past the turnstile's fault") : "");
			free(lane);
			free(dir);
		} else {
			print_kv(data);
		}
		return 0;
	}

	if (json) {
		if (data == NULL || !json_object_is_type(data, json_type_array)) {
			lobbyctl_say(_("bad reply from lobbyd: \"data\" is not a "
			    "list"));
			return EXIT_REFUSED;
		}
		if (!follow) {
			show_json(data);
			return 0;
		}
		n = json_object_array_length(data);
		for (i = 0; i < n; i++)
			show_json(json_object_array_get_idx(data, i));
		return 0;
	}
	if ((t = show_table(data, cols, ncols, row_of(what, all))) == NULL)
		return EXIT_REFUSED;
	if (json_object_array_length(data) == 0 && !follow) {
		printf("%s\n", what == SHOW_EVENTS ? _("no events") :
		    what == SHOW_DEVICES ? _("no devices") :
		    what == SHOW_CARD_LIST ? _("no cards") :
		    all ? _("no alerts") : _("no active alerts"));
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

/* ---- lists in pages --------------------------------------------------- */

void
show_pager_init(struct show_pager *p, enum show_what what, bool json,
    bool follow)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->json = json;
	p->follow = follow;
}

/*
 * The first page is laid out as any list; when pages follow (or updates,
 * with follow), its columns are widened to their minimum first, and later
 * rows are printed in the same widths. JSON without follow is one list
 * across the pages: its brackets and commas are written as rows come.
 */
int
show_pager_add(struct show_pager *p, struct json_object *data, size_t max,
    bool last)
{
	size_t i, n = json_object_array_length(data);
	struct show_row r;

	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(data, i);

		if (p->json && p->follow) {
			show_json(item);
		} else if (p->json) {
			fputs(p->shown + i == 0 ? "[" : ",", stdout);
			fputs(json_object_to_json_string_ext(item,
			    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
			    stdout);
		} else {
			if (p->table == NULL &&
			    (p->table = fmt_table_new(event_cols, 8)) == NULL) {
				lobbyctl_say(_("out of memory"));
				return EXIT_REFUSED;
			}
			memset(r.cell, 0, sizeof(r.cell));
			row_of(p->what, true)(item, &r);
			if (p->started) {
				fmt_table_print_row(p->table, r.cell, stdout);
			} else if (fmt_table_add(p->table, r.cell) == -1) {
				lobbyctl_say(_("out of memory"));
				return EXIT_REFUSED;
			}
		}
	}
	p->shown += n;
	if (!p->json && !p->started && (p->shown > 0 || p->follow)) {
		if (p->table == NULL &&
		    (p->table = fmt_table_new(event_cols, 8)) == NULL) {
			lobbyctl_say(_("out of memory"));
			return EXIT_REFUSED;
		}
		if (!last || p->follow)
			fmt_table_widen(p->table);
		fmt_table_print(p->table, stdout);
		p->started = true;
	}
	return 0;
}

int
show_pager_end(struct show_pager *p)
{
	if (p->json && !p->follow)
		fputs(p->shown == 0 ? "[]\n" : "]\n", stdout);
	else if (!p->json && p->shown == 0 && !p->follow)
		printf("%s\n", _("no events"));
	return 0;
}

void
show_update(enum show_what what, bool json, struct fmt_table *t,
    struct json_object *item)
{
	struct show_row r;

	if (json) {
		show_json(item);
		return;
	}
	memset(r.cell, 0, sizeof(r.cell));
	row_of(what, true)(item, &r);
	fmt_table_print_row(t, r.cell, stdout);
}
