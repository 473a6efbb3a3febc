/*
 * lobbyctl's repair-ticket commands and the start-of-shift device check: the
 * arguments they send and how their replies are shown. Anything lobbyd sends
 * is cleaned before it reaches the terminal.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../common/util.h"
#include "format.h"
#include "lobbyctl_int.h"

#define TITLE_MAX	127	/* bytes lobbyd keeps */
#define TEXT_MAX	255
#define SOURCE_MAX	31

/* ---- arguments --------------------------------------------------------- */

static int
id_arg(const char *cmd, const char *val, struct json_object *args)
{
	char *end;
	long long id;

	errno = 0;
	id = strtoll(val, &end, 10);
	if (errno != 0 || end == val || *end != '\0' || id < 1) {
		char *clean = fmt_clean(val, 40);

		lobbyctl_say(_("%s: \"%s\" is not a ticket number"), cmd,
		    clean != NULL ? clean : "");
		free(clean);
		return EXIT_USAGE;
	}
	json_object_object_add(args, "id", json_object_new_int64(id));
	return 0;
}

int
tickets_args(enum show_what what, const char *const *words, int nwords,
    const struct ticket_opts *to, struct json_object *args)
{
	int rc;

	switch (what) {
	case SHOW_TICKETS:
		if (to->all)
			json_object_object_add(args, "all",
			    json_object_new_boolean(1));
		return 0;
	case SHOW_TICKET_SUMMARY:
		if (to->date != NULL) {
			int y, m, d;
			char tail;

			if (strlen(to->date) != 10 || sscanf(to->date,
			    "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
			    to->date[4] != '-' || to->date[7] != '-' ||
			    m < 1 || m > 12 || d < 1 || d > 31) {
				char *clean = fmt_clean(to->date, 40);

				lobbyctl_say(_("--date: \"%s\" is not a date "
				    "(YYYY-MM-DD)"), clean != NULL ? clean : "");
				free(clean);
				return EXIT_USAGE;
			}
			json_object_object_add(args, "date",
			    json_object_new_string(to->date));
		}
		return 0;
	case SHOW_TICKET:
	case SHOW_TICKET_START:
		return id_arg("ticket", words[0], args);
	case SHOW_TICKET_NOTE:
	case SHOW_TICKET_DONE:
		if ((rc = id_arg("ticket", words[0], args)) != 0)
			return rc;
		if (nwords < 2)
			return 0;
		if ((rc = lobbyctl_text_ok("note", words[1], TEXT_MAX, false)) != 0)
			return rc;
		json_object_object_add(args, "text",
		    json_object_new_string(words[1]));
		return 0;
	case SHOW_TICKET_OPEN:
		if (to->source == NULL || to->title == NULL) {
			lobbyctl_say(_("ticket open: --source NAME and --title TEXT "
			    "are needed"));
			return EXIT_USAGE;
		}
		if ((rc = lobbyctl_text_ok("--source", to->source, SOURCE_MAX, false)) != 0 ||
		    (rc = lobbyctl_text_ok("--title", to->title, TITLE_MAX, false)) != 0)
			return rc;
		json_object_object_add(args, "source",
		    json_object_new_string(to->source));
		json_object_object_add(args, "title",
		    json_object_new_string(to->title));
		if (to->urgent)
			json_object_object_add(args, "urgent",
			    json_object_new_boolean(1));
		return 0;
	default:
		return 0;
	}
}

/* ---- showing ------------------------------------------------------------- */

/* How long ago, in the largest whole unit: "3d", "5h", "12m", "40s". */
static void
age_str(int64_t from_ms, int64_t now_ms, char *buf, size_t len)
{
	int64_t s = (now_ms - from_ms) / 1000;

	if (from_ms <= 0 || s < 0)
		snprintf(buf, len, "-");
	else if (s >= 86400)
		snprintf(buf, len, "%lldd", (long long)(s / 86400));
	else if (s >= 3600)
		snprintf(buf, len, "%lldh", (long long)(s / 3600));
	else if (s >= 60)
		snprintf(buf, len, "%lldm", (long long)(s / 60));
	else
		snprintf(buf, len, "%llds", (long long)s);
}

static const char *
state_words(const char *state)
{
	static const char *const known[] = { N_("open"), N_("done") };

	if (strcmp(state, "in_progress") == 0)
		return _("in progress");
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(state, known[i]) == 0)
			return _(known[i]);
	return state;
}


static const char *
urgency_word(const char *u)
{
	return strcmp(u, "normal") == 0 ? C_("urgency", "normal") : show_word(u);
}

static const struct fmt_col ticket_cols[] = {
	{ N_("ID"),		0, 0,  true },
	{ N_("URGENCY"),	0, 0,  false },
	{ N_("STATE"),	0, 0,  false },
	{ N_("AGE"),	0, 0,  true },
	{ N_("SOURCE"),	0, 24, false },
	{ N_("TITLE"),	0, 80, false },
};

/* A table of tickets; age is days from the summary when days is set, else
 * the time since opened. -1 on a bad reply (said). */
static int
print_tickets(struct json_object *a, bool days, const char *none)
{
	int64_t now = real_ms();
	struct fmt_table *t;
	size_t n;

	if (a == NULL || !json_object_is_type(a, json_type_array)) {
		lobbyctl_say(_("bad reply from lobbyd: a list of tickets expected"));
		return -1;
	}
	n = json_object_array_length(a);
	if (n == 0) {
		printf("%s\n", none);
		return 0;
	}
	if ((t = fmt_table_new(ticket_cols, 6)) == NULL) {
		lobbyctl_say(_("out of memory"));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		char id[24], age[24];
		const char *cells[6];

		if (o == NULL || !json_object_is_type(o, json_type_object))
			continue;
		snprintf(id, sizeof(id), "%lld", (long long)show_jint(o, "id"));
		if (days)
			snprintf(age, sizeof(age), "%lldd",
			    (long long)show_jint(o, "age_days"));
		else
			age_str(show_jint(o, "opened_ms"), now, age, sizeof(age));
		cells[0] = id;
		cells[1] = urgency_word(show_jstr(o, "urgency"));
		cells[2] = state_words(show_jstr(o, "state"));
		cells[3] = age;
		cells[4] = show_jstr(o, "source");
		cells[5] = show_jstr(o, "title");
		fmt_table_add(t, cells);
	}
	fmt_table_print(t, stdout);
	fmt_table_free(t);
	return 0;
}

static const struct fmt_col note_cols[] = {
	{ N_("TIME"),	19, 0,  false },
	{ N_("BY"),		0,  16, false },
	{ N_("WHAT"),	0,  0,  false },
	{ N_("TEXT"),	0,  100, false },
};

static void
show_ticket(struct json_object *d)
{
	static const char *const keys_en[] = { N_("ticket"), N_("title"),
	    N_("source"), N_("urgency"), N_("state"), N_("opened"), N_("closed") };
	const char *keys[7];
	char id[24], src[80], opened[160], closed[FMT_TIME_LEN], t[FMT_TIME_LEN];
	const char *vals[7];
	struct json_object *notes;
	struct fmt_table *tb;

	for (int i = 0; i < 7; i++)
		keys[i] = _(keys_en[i]);
	snprintf(id, sizeof(id), "%lld", (long long)show_jint(d, "id"));
	snprintf(src, sizeof(src), "%s (%s)", show_jstr(d, "source"), show_jstr(d, "kind"));
	fmt_time(show_jint(d, "opened_ms"), t, sizeof(t));
	if (show_jint(d, "alert_id") != 0)
		snprintf(opened, sizeof(opened), _("%s by %s (alert %lld)"), t,
		    show_jstr(d, "opened_by"), (long long)show_jint(d, "alert_id"));
	else
		snprintf(opened, sizeof(opened), _("%s by %s"), t,
		    show_jstr(d, "opened_by"));
	fmt_time(show_jint(d, "closed_ms"), closed, sizeof(closed));
	vals[0] = id;
	vals[1] = show_jstr(d, "title");
	vals[2] = src;
	vals[3] = urgency_word(show_jstr(d, "urgency"));
	vals[4] = state_words(show_jstr(d, "state"));
	vals[5] = opened;
	vals[6] = closed;
	for (int i = 0; i < 7; i++) {
		char *clean = fmt_clean(vals[i], 0);

		vals[i] = clean;
	}
	fmt_kv_print(keys, vals, 7, stdout);
	for (int i = 0; i < 7; i++)
		free((char *)vals[i]);

	if (!json_object_object_get_ex(d, "notes", &notes) ||
	    !json_object_is_type(notes, json_type_array) ||
	    (tb = fmt_table_new(note_cols, 4)) == NULL)
		return;
	putchar('\n');
	for (size_t i = 0; i < json_object_array_length(notes); i++) {
		struct json_object *n = json_object_array_get_idx(notes, i);
		char words[32];
		const char *cells[4];

		fmt_time(show_jint(n, "ts_ms"), t, sizeof(t));
		cells[0] = t;
		cells[1] = show_jstr(n, "actor");
		cells[2] = fmt_kind_words(show_jstr(n, "action"), words, sizeof(words));
		cells[3] = show_jstr(n, "text");
		fmt_table_add(tb, cells);
	}
	fmt_table_print(tb, stdout);
	fmt_table_free(tb);
}

static int
show_summary(struct json_object *d)
{
	static const struct {
		const char	*key, *heading, *none;
	} sections[] = {
		{ "open", N_("Still open:"), N_("  none") },
		{ "opened", N_("Opened since the summary before:"), N_("  none") },
		{ "closed", N_("Closed since the summary before:"), N_("  none") },
	};
	char made[FMT_TIME_LEN], since[FMT_TIME_LEN];
	char *day = fmt_clean(show_jstr(d, "day"), 12);

	fmt_time(show_jint(d, "made_ms"), made, sizeof(made));
	fmt_time(show_jint(d, "since_ms"), since, sizeof(since));
	printf(_("Daily ticket summary for %s, made %s%s\n"), day != NULL ? day : "",
	    made, show_jbool(d, "late") ? _(" (late: lobbyd was not running at its time)") : "");
	free(day);
	printf(_("%lld open (%lld urgent); %lld opened and %lld closed since %s\n"),
	    (long long)show_jint(d, "open_count"), (long long)show_jint(d, "urgent_count"),
	    (long long)show_jint(d, "opened_count"), (long long)show_jint(d, "closed_count"),
	    show_jint(d, "since_ms") > 0 ? since : _("the start"));
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		struct json_object *a = NULL;

		printf("\n%s\n", _(sections[i].heading));
		json_object_object_get_ex(d, sections[i].key, &a);
		if (print_tickets(a, true, _(sections[i].none)) == -1)
			return EXIT_REFUSED;
	}
	return 0;
}

static const struct fmt_col problem_cols[] = {
	{ N_("DEVICE"),	0, 24, false },
	{ N_("KIND"),	0, 0,  false },
	{ N_("PROBLEM"),	0, 0,  false },
	{ N_("SINCE"),	0, 0,  false },
	{ N_("DETAIL"),	0, 90, false },
};

/* 0 when every device is OK, 1 when not. */
static int
show_check(struct json_object *d, bool json)
{
	struct json_object *a = NULL;
	struct fmt_table *t;
	int64_t ndev = show_jint(d, "devices"), bad = show_jint(d, "not_ok");
	bool ok = show_jbool(d, "ok");

	if (json) {
		show_json(d);
		return ok ? 0 : EXIT_NOT_OK;
	}
	if (ok) {
		printf(_("all %lld devices OK\n"), (long long)ndev);
		return 0;
	}
	if (!json_object_object_get_ex(d, "problems", &a) ||
	    !json_object_is_type(a, json_type_array)) {
		lobbyctl_say(_("bad reply from lobbyd: \"problems\" is not a list"));
		return EXIT_REFUSED;
	}
	if ((t = fmt_table_new(problem_cols, 5)) == NULL) {
		lobbyctl_say(_("out of memory"));
		return EXIT_REFUSED;
	}
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *p = json_object_array_get_idx(a, i);
		char since[FMT_TIME_LEN], words[32];
		const char *cells[5];

		fmt_time(show_jint(p, "since_ms"), since, sizeof(since));
		cells[0] = show_jstr(p, "name");
		cells[1] = show_word(show_jstr(p, "kind"));
		cells[2] = fmt_kind_words(show_jstr(p, "what"), words, sizeof(words));
		cells[3] = since;
		cells[4] = show_jstr(p, "detail");
		fmt_table_add(t, cells);
	}
	fmt_table_print(t, stdout);
	fmt_table_free(t);
	printf(_("%lld of %lld devices not OK\n"), (long long)bad, (long long)ndev);
	return EXIT_NOT_OK;
}

int
tickets_show(enum show_what what, bool json, struct json_object *data)
{
	bool is_list = what == SHOW_TICKETS;
	char *s;

	if (data == NULL || !json_object_is_type(data, is_list ?
	    json_type_array : json_type_object)) {
		lobbyctl_say("%s", is_list ?
		    _("bad reply from lobbyd: \"data\" is not a list") :
		    _("bad reply from lobbyd: \"data\" is not an object"));
		return EXIT_REFUSED;
	}
	if (what == SHOW_DEVICES_CHECK)
		return show_check(data, json);
	if (json) {
		show_json(data);
		return 0;
	}
	switch (what) {
	case SHOW_TICKETS:
		return print_tickets(data, false, _("no unfinished tickets")) == -1 ?
		    EXIT_REFUSED : 0;
	case SHOW_TICKET_SUMMARY:
		return show_summary(data);
	case SHOW_TICKET:
		show_ticket(data);
		return 0;
	default:
		break;
	}
	s = fmt_clean(show_jstr(data, "title"), 80);
	switch (what) {
	case SHOW_TICKET_START:
		printf(_("ticket %lld: in progress\n"), (long long)show_jint(data, "id"));
		break;
	case SHOW_TICKET_NOTE:
		printf(_("ticket %lld: note added\n"), (long long)show_jint(data, "id"));
		break;
	case SHOW_TICKET_DONE:
		printf(_("ticket %lld: done\n"), (long long)show_jint(data, "id"));
		break;
	default:
		printf(_("opened ticket %lld (%s): %s\n"), (long long)show_jint(data, "id"),
		    urgency_word(strcmp(show_jstr(data, "urgency"), "urgent") == 0 ?
		    "urgent" : "normal"), s != NULL ? s : "");
		break;
	}
	free(s);
	return 0;
}
