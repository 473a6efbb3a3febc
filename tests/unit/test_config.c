/*
 * Config loading: a valid site loads into exactly the expected values
 * (defaults, resolved indexes, readers as link + device), and broken ones
 * give one "FILE:LINE: message" per mistake.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../config/config.h"
#include "harness.h"

static char	tmpdir[] = "/tmp/test_config.XXXXXX";
static struct site_conf site;

/* Writes TEXT to a file in tmpdir and returns its path (static buffer). */
static const char *
write_conf(const char *name, const char *text)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, fp);
	fclose(fp);
	return path;
}

/* Loads a file; its error lines land in errbuf. config_load's result. */
static char	errbuf[16384];

static int
load_file(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *errs = open_memstream(&buf, &len);
	int r;

	if (errs == NULL) {
		perror("open_memstream");
		exit(1);
	}
	r = config_load(path, &site, errs);
	fclose(errs);
	snprintf(errbuf, sizeof(errbuf), "%s", buf ? buf : "");
	free(buf);
	return r;
}

/* Loads TEXT, written to the file name in tmpdir, as load_file does. */
static int
load_text(const char *name, const char *text)
{
	return load_file(write_conf(name, text));
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* True when errbuf holds a line "PATH:LINE: ...SUB..." for the file NAME. */
static bool
has_err(const char *name, int line, const char *sub)
{
	char prefix[300];
	const char *p = errbuf;

	snprintf(prefix, sizeof(prefix), "%s/%s:%d: ", tmpdir, name, line);
	while (*p != '\0') {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char l[1024];

		snprintf(l, sizeof(l), "%.*s", (int)n, p);
		if (strncmp(l, prefix, strlen(prefix)) == 0 &&
		    strstr(l + strlen(prefix), sub) != NULL)
			return true;
		p += n + (end != NULL);
	}
	fprintf(stderr, "no error %s:%d: ...%s... in:\n%s", name, line, sub,
	    errbuf);
	return false;
}

static const char good[] =
    "site = { name = \"Harbour Tower\"; };\n"			/* 1 */
    "control = { groups = [ \"root\" ]; };\n"			/* 2 */
    "profiles = (\n"						/* 3 */
    "  { name = \"tri\"; kind = \"turnstile\"; state = \"holding:0x10\";\n"
    "    state_values = { idle = 5; passing = 6; fault = 7; };\n"
    "    entry_counter = \"input:2:u32\"; exit_counter = \"holding:4\";\n"
    "    commands = {\n"
    "      open_entry = { register = \"coil:1\"; value = 1; };\n"
    "      open_exit = { register = \"coil:2\"; value = 1; };\n"
    "      free = { register = \"holding:9\"; value = 65535; };\n"
    "      lock = { register = \"holding:9\"; value = 0; }; }; }\n"
    ");\n"							/* 12 */
    "links = (\n"
    "  { name = \"bus1\"; type = \"modbus-rtu\"; path = \"/dev/ttyUSB0\"; },\n"
    "  { name = \"gw\"; type = \"modbus-tcp\"; host = \"10.0.0.5\"; port = 1502;\n"
    "    timeout_ms = 300; }\n"
    ");\n"
    "devices = (\n"						/* 18 */
    "  { name = \"ts1\"; link = \"bus1\"; unit = 247; profile = \"tri\"; },\n"
    "  { name = \"ts2\"; link = \"gw\"; unit = 0; profile = \"tri\"; poll_ms = 100; }\n"
    ");\n"
    "readers = (\n"						/* 22 */
    "  { name = \"r-in\"; path = \"/dev/ttyS1\"; },\n"
    "  { name = \"r.out\"; path = \"/dev/ttyS2\"; baud = 115200; format = \"wiegand-ascii\"; },\n"
    "  { name = \"r-3\"; path = \"/dev/ttyS3\"; }\n"
    ");\n"
    "lanes = (\n"						/* 27 */
    "  { name = \"north\"; turnstile = \"ts1\"; entry_reader = \"r-in\"; exit_reader = \"r.out\"; },\n"
    "  { name = \"south\"; turnstile = \"ts2\"; exit_reader = \"r-3\"; pass_timeout_ms = 1000; }\n"
    ");\n";

/* TEXT with its first FROM replaced by TO, in a static buffer. */
static const char *
replace(const char *text, const char *from, const char *to)
{
	static char buf[8192];
	const char *at = strstr(text, from);

	if (at == NULL) {
		fprintf(stderr, "replace: \"%s\" not found\n", from);
		exit(1);
	}
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - text), text, to,
	    at + strlen(from));
	return buf;
}

/* A serial line as loaded: as named, with 8 data bits and 1 stop bit. */
static void
check_serial(const struct link_conf *l, const char *name, enum link_type type,
    const char *path, int baud, int parity)
{
	CHECK_STR(l->name, name);
	CHECK_INT(l->type, type);
	CHECK_STR(l->path, path);
	CHECK_INT(l->baud, baud);
	CHECK_INT(l->parity, parity);
	CHECK_INT(l->data_bits, 8);
	CHECK_INT(l->stop_bits, 1);
}

static void
test_good(void)
{
	const struct profile *p;
	const struct link_conf *l;
	const struct device_conf *d;

	/* A reader serves one lane in one direction. */
	CHECK_INT(load_text("two-lanes.conf", replace(good,
	    "exit_reader = \"r-3\"", "exit_reader = \"r-in\"")), 1);
	CHECK(has_err("two-lanes.conf", 29, "lanes[1] \"south\": exit_reader "
	    "\"r-in\" is already the entry_reader of lanes[0] \"north\""));
	CHECK_INT(load_text("two-dirs.conf", replace(good,
	    "exit_reader = \"r.out\"", "exit_reader = \"r-in\"")), 1);
	CHECK(has_err("two-dirs.conf", 28, "lanes[0] \"north\": exit_reader "
	    "\"r-in\" is already this lane's entry_reader"));
	CHECK_INT(load_text("two-ts.conf", replace(good,
	    "turnstile = \"ts2\"", "turnstile = \"ts1\"")), 1);
	CHECK(has_err("two-ts.conf", 29, "turnstile \"ts1\" is already in "
	    "lanes[0] \"north\""));

	CHECK_INT(load_text("good.conf", good), 0);
	CHECK_STR(errbuf, "");

	CHECK(strstr(site.path, "/good.conf") != NULL);
	CHECK_STR(site.site_name, "Harbour Tower");
	CHECK_STR(site.db_path, "/var/lib/lobbyd/lobbyd.db");
	CHECK_STR(site.socket_path, "/run/lobbyd/control.sock");
	CHECK_INT(site.ngroups, 1);
	CHECK_STR(site.group_names[0], "root");
	CHECK_INT(site.groups[0], 0);
	CHECK_INT(site.event_batch_ms, 50);
	CHECK_INT(site.offline_after, 3);
	CHECK_INT(site.backoff_max_ms, 5000);

	CHECK_INT(site.nprofiles, 1);
	p = &site.profiles[0];
	CHECK_STR(p->name, "tri");
	CHECK_INT(p->kind, PROFILE_TURNSTILE);
	CHECK(p->state.set);
	CHECK_INT(p->state.table, REG_HOLDING);
	CHECK_INT(p->state.addr, 16);
	CHECK_INT(p->state.width, 16);
	CHECK_INT(p->state_value[TS_IDLE], 5);
	CHECK_INT(p->state_value[TS_PASSING], 6);
	CHECK_INT(p->state_value[TS_FAULT], 7);
	CHECK_INT(p->entry_count.table, REG_INPUT);
	CHECK_INT(p->entry_count.addr, 2);
	CHECK_INT(p->entry_count.width, 32);
	CHECK_INT(p->exit_count.table, REG_HOLDING);
	CHECK_INT(p->exit_count.addr, 4);
	CHECK_INT(p->exit_count.width, 16);
	CHECK(!p->fault_code.set);
	CHECK(p->cmd[TS_CMD_OPEN_ENTRY].set);
	CHECK_INT(p->cmd[TS_CMD_OPEN_ENTRY].table, REG_COIL);
	CHECK_INT(p->cmd[TS_CMD_OPEN_ENTRY].addr, 1);
	CHECK_INT(p->cmd[TS_CMD_OPEN_ENTRY].value, 1);
	CHECK_INT(p->cmd[TS_CMD_OPEN_EXIT].addr, 2);
	CHECK_INT(p->cmd[TS_CMD_FREE].table, REG_HOLDING);
	CHECK_INT(p->cmd[TS_CMD_FREE].addr, 9);
	CHECK_INT(p->cmd[TS_CMD_FREE].value, 65535);
	CHECK(p->cmd[TS_CMD_LOCK].set);
	CHECK_INT(p->cmd[TS_CMD_LOCK].value, 0);

	/* Two links, then one per reader. */
	CHECK_INT(site.nlinks, 5);
	l = &site.links[0];
	check_serial(l, "bus1", LINK_MODBUS_RTU, "/dev/ttyUSB0", 9600, 'E');
	CHECK_INT(l->timeout_ms, 200);
	CHECK_INT(l->line, 14);
	l = &site.links[1];
	CHECK_STR(l->name, "gw");
	CHECK_INT(l->type, LINK_MODBUS_TCP);
	CHECK_STR(l->host, "10.0.0.5");
	CHECK_INT(l->port, 1502);
	CHECK_INT(l->timeout_ms, 300);
	l = &site.links[2];
	check_serial(l, "r-in", LINK_SERIAL_READER, "/dev/ttyS1", 9600, 'N');
	CHECK_INT(l->format, CARD_EM4100);
	CHECK_INT(l->line, 23);
	l = &site.links[3];
	CHECK_STR(l->name, "r.out");
	CHECK_INT(l->baud, 115200);
	CHECK_INT(l->format, CARD_WIEGAND_ASCII);
	CHECK_STR(site.links[4].name, "r-3");

	/* Two turnstiles, then one device per reader. */
	CHECK_INT(site.ndevices, 5);
	d = &site.devices[0];
	CHECK_STR(d->name, "ts1");
	CHECK_INT(d->kind, DEV_TURNSTILE);
	CHECK_INT(d->link, 0);
	CHECK_INT(d->unit, 247);
	CHECK_INT(d->profile, 0);
	CHECK_INT(d->poll_ms, 250);
	CHECK_INT(d->deadline_ms, 0);	/* the link's timeout_ms */
	CHECK_INT(d->line, 19);
	d = &site.devices[1];
	CHECK_INT(d->link, 1);
	CHECK_INT(d->unit, 0);
	CHECK_INT(d->poll_ms, 100);
	d = &site.devices[2];
	CHECK_STR(d->name, "r-in");
	CHECK_INT(d->kind, DEV_READER);
	CHECK_INT(d->link, 2);
	CHECK_INT(d->profile, -1);
	CHECK_INT(d->unit, 0);
	CHECK_INT(site.devices[3].link, 3);
	CHECK_INT(site.devices[4].link, 4);

	CHECK_INT(site.nlanes, 2);
	CHECK_STR(site.lanes[0].name, "north");
	CHECK_INT(site.lanes[0].turnstile, 0);
	CHECK_INT(site.lanes[0].entry_reader, 2);
	CHECK_INT(site.lanes[0].exit_reader, 3);
	CHECK_INT(site.lanes[0].pass_timeout_ms, 8000);
	CHECK_INT(site.lanes[0].line, 28);
	CHECK_INT(site.lanes[1].turnstile, 1);
	CHECK_INT(site.lanes[1].entry_reader, -1);
	CHECK_INT(site.lanes[1].exit_reader, 4);
	CHECK_INT(site.lanes[1].pass_timeout_ms, 1000);

	CHECK_INT(config_device_index(&site, "ts2"), 1);
	CHECK_INT(config_device_index(&site, "r.out"), 3);
	CHECK_INT(config_device_index(&site, "nope"), -1);
	CHECK_INT(config_device_index(&site, ""), -1);
	CHECK_INT(config_lane_index(&site, "south"), 1);
	CHECK_INT(config_lane_index(&site, "east"), -1);
	CHECK_INT(config_link_index(&site, "gw"), 1);
	CHECK_INT(config_link_index(&site, "r-3"), 4);
	CHECK_INT(config_link_index(&site, "ts1"), -1);
}

/* The control socket's limits as loaded, in this order: clients, per_user,
 * manager_reserve, followers, followers_per_user, idle_timeout_s. */
static void
check_ctl_limits(const char *what, const int want[6])
{
	const int got[6] = { site.ctl_clients, site.ctl_per_user,
		site.ctl_manager_reserve, site.ctl_followers,
		site.ctl_followers_per_user, site.ctl_idle_timeout_s };

	for (int i = 0; i < 6; i++)
		CHECK_ROW(got[i] == want[i], "%s: control limit %d is %d, want %d",
		    what, i, got[i], want[i]);
}

static void
test_empty_and_minimal(void)
{
	CHECK_INT(load_text("empty.conf", "# nothing\n"), 0);
	CHECK_STR(errbuf, "");
	CHECK_INT(site.nlanes, 0);
	CHECK_INT(site.event_batch_ms, 50);
	CHECK_INT(site.events_keep_days, 1825);	/* five years, */
	CHECK(site.events_export_required);	/* exported events only */
	/* The control socket's limits, by default. */
	check_ctl_limits("by default", (int[6]){ 64, 8, 16, 64, 16, 60 });

	CHECK_INT(load_text("limits.conf", "control = { clients = 10; per_user = 9;"
	    " manager_reserve = 9; followers = 20; followers_per_user = 19;"
	    " idle_timeout_s = 5; };\n"), 0);
	CHECK_STR(errbuf, "");
	check_ctl_limits("limits.conf", (int[6]){ 10, 9, 9, 20, 19, 5 });

	CHECK_INT(load_text("store.conf", "store = { database = \"/srv/l.db\";"
	    " event_batch_ms = 1000; events_keep_days = 0; events_max_mb = 2048;"
	    " events_export_required = false; };\nhealth = { offline_after = 100;"
	    " backoff_max_ms = 100; };\ncontrol = { socket = \"/tmp/c.sock\"; };\n"),
	    0);
	CHECK_STR(site.db_path, "/srv/l.db");
	CHECK_INT(site.event_batch_ms, 1000);
	CHECK_INT(site.events_keep_days, 0);
	CHECK_INT(site.events_max_mb, 2048);
	CHECK(!site.events_export_required);
	CHECK_INT(site.offline_after, 100);
	CHECK_INT(site.backoff_max_ms, 100);
	CHECK_STR(site.socket_path, "/tmp/c.sock");
	CHECK_INT(site.ngroups, 0);
}

static void
test_unreadable(void)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	CHECK_INT(load_file(path), -1);
	CHECK(strstr(errbuf, "missing.conf: cannot read: No such file or directory\n") != NULL);
	CHECK_INT(count_lines(errbuf), 1);
}

/* Broken files and what loading each must say: config_load's count, one
 * line apiece, among them "FILE:LINE: ...part..." for every row of errs. */
static const char access_bad[] =
    "zones = ( { name = \"a\"; }, { name = \"a\"; apb = \"on\"; } );\n" /* 1 */
    "schedules = ( { name = \"s\"; days = \"mon-xyz\";\n"	/* 2 */
    "  periods = [ \"08:00-09:00\", \"08:30-10:00\", \"10:00-09:00\",\n" /* 3 */
    "    \"24:00-24:00\", \"01:00-02:00\", \"02:00-03:00\", \"04:00-05:00\" ]; },\n" /* 4 */
    "  { periods = [ \"7-9\" ]; } );\n"			/* 5 */
    "holidays = [ \"2026-13-01\", \"2100-02-29\", \"2000-02-29\", \"2000-02-29\" ];\n" /* 6 */
    "access = { apb_reset = \"24:00\"; watch_policy = 1; };\n"	/* 7 */
    "visitors = { office_floors = \"9-3\"; default_until = \"00:00\"; };\n"; /* 8 */

static const struct bad_conf {
	const char	*name, *text;
	int		nerrs;
	struct { int line; const char *part; } errs[18];	/* to line 0 */
} bad_confs[] = {
	{ "syntax.conf", "site = {\n  name = \"x\"\n  bad\n};\n", 1, { { 4, "syntax error" } } },
	{ "types.conf",
	    "site = { name = 5; };\n"					/* 1 */
	    "store = { event_batch_ms = 1001; flush = 1; };\n"		/* 2 */
	    "health = { offline_after = 1.5; backoff_max_ms = 99; };\n"	/* 3 */
	    "links = ( { name = \"b\"; type = \"modbus-tcp\"; host = \"h\";\n" /* 4 */
	    "  port = 65536; timeout_ms = \"200\"; parity = \"none\"; } );\n" /* 5 */
	    "devices = ( { name = \"d\"; link = \"b\"; unit = 4294967297;\n" /* 6 */
	    "  profile = \"p\"; } );\n"					/* 7 */
	    "control = { groups = [ \"root\", \"no-such-group-xyz\" ]; };\n", /* 8 */
	    11, {
		{ 1, "site: name must be a string" },
		{ 2, "store: event_batch_ms 1001 is out of range 1..1000" },
		{ 2, "unknown setting \"flush\" in store" },
		{ 3, "health: offline_after must be an integer" },
		{ 3, "backoff_max_ms 99 is out of range 100..600000" },
		{ 5, "links[0] \"b\": port 65536 is out of range" },
		{ 5, "links[0] \"b\": timeout_ms must be an integer" },
		{ 5, "setting \"parity\" does not apply to a modbus-tcp link" },
		/* libconfig 1.5 wraps this to 1; it must not pass as unit 1. */
		{ 6, "unit 4294967297 is out of range 0..255 for modbus-tcp link \"b\"" },
		{ 7, "profile \"p\" is not defined in profiles" },
		{ 8, "groups[1] \"no-such-group-xyz\" is not a known Unix group" },
	} },
	{ "prof.conf",
	    "profiles = (\n"						/* 1 */
	    " { name = \"a\"; kind = \"turnstile\"; state = \"discrete:3\";\n" /* 2 */
	    "   state_values = { idle = 1; passing = 1; };\n"		/* 3 */
	    "   entry_counter = \"coil:1\"; exit_counter = \"holding:0x10000\";\n" /* 4 */
	    "   fault_code = \"input:7:u32\";\n"			/* 5 */
	    "   commands = { open_entry = { register = \"holding:1:u32\"; value = 1; };\n" /* 6 */
	    "     open_exit = { register = \"coil:2\"; value = 2; };\n" /* 7 */
	    "     free = { register = \"holding:3\"; value = -1; };\n"	/* 8 */
	    "     lock = { register = \"holding:3\"; }; }; },\n"	/* 9 */
	    " { name = \"a\"; kind = \"turnstile\"; state = \"input:0\";\n" /* 10 */
	    "   state_values = { idle = 0; passing = 1; fault = 2; };\n" /* 11 */
	    "   entry_counter = \"input:1\"; exit_counter = \"input:2\"; }\n" /* 12 */
	    ");\n",
	    11, {
		{ 2, "state \"discrete:3\" is a single bit" },
		{ 3, "missing required setting \"state_values.fault\"" },
		{ 3, "state_values.passing 1 is the same as state_values.idle" },
		{ 4, "entry_counter \"coil:1\" must be an input or holding register" },
		{ 4, "exit_counter \"holding:0x10000\" has a bad address" },
		{ 6, "commands.open_entry.register \"holding:1:u32\" must be" },
		{ 7, "commands.open_exit.value 2 is out of range 0..1 for a coil" },
		{ 8, "commands.free.value -1 is out of range 0..65535" },
		{ 9, "missing required setting \"commands.lock.value\"" },
		{ 10, "profiles[1] \"a\": name \"a\" is already used by profiles[0]" },
		{ 10, "profiles[1] \"a\": missing required setting \"commands\"" },
	} },
	/* Four devices name the missing profile "p": 16 in all. */
	{ "refs.conf",
	    "links = ( { name = \"bus1\"; type = \"modbus-rtu\"; path = \"/dev/a\"; },\n" /* 1 */
	    "  { name = \"bus1\"; type = \"modbus-tcp\"; host = \"x\"; },\n"	/* 2 */
	    "  { name = \"a very long name that goes on and on\"; type = \"modbus-tcp\"; host = \"y\"; } );\n" /* 3 */
	    "devices = ( { name = \"t1\"; link = \"bus1\"; unit = 0; profile = \"p\"; },\n" /* 4 */
	    "  { name = \"t2\"; link = \"rd\"; unit = 1; profile = \"p\"; },\n"	/* 5 */
	    "  { name = \"t3\"; link = \"bus1\"; unit = 5; profile = \"p\"; },\n" /* 6 */
	    "  { name = \"t4\"; link = \"bus1\"; unit = 5; profile = \"p\"; } );\n" /* 7 */
	    "readers = ( { name = \"rd\"; path = \"/dev/a\"; },\n"		/* 8 */
	    "  { name = \"t1\"; path = \"/dev/b\"; } );\n"			/* 9 */
	    "lanes = ( { name = \"l1\"; turnstile = \"rd\"; entry_reader = \"t3\"; },\n" /* 10 */
	    "  { name = \"l2\"; turnstile = \"t9\"; exit_reader = \"r9\"; },\n"	/* 11 */
	    "  { name = \"l3\"; turnstile = \"t3\"; } );\n",			/* 12 */
	    16, {
		{ 2, "links[1] \"bus1\": name \"bus1\" is already used by links[0]" },
		{ 3, "links[2]: name \"a very long name" },
		{ 4, "unit 0 is out of range 1..247 for modbus-rtu link \"bus1\"" },
		{ 5, "link \"rd\" is a card reader, not a Modbus link" },
		{ 7, "unit 5 on link \"bus1\" is already used by devices[2] \"t3\"" },
		{ 8, "path \"/dev/a\" is already used by links[0] \"bus1\"" },
		{ 9, "readers[1] \"t1\": name \"t1\" is already used by devices[0]" },
		{ 10, "turnstile \"rd\" is a card reader, not a turnstile" },
		{ 10, "entry_reader \"t3\" is a turnstile, not a card reader" },
		{ 11, "turnstile \"t9\" is not defined in devices" },
		{ 11, "exit_reader \"r9\" is not defined in readers" },
		{ 12, "lanes[2] \"l3\": needs an entry_reader, an exit_reader or both" },
	} },
	/* Errors name the setting and its line; all of them are reported. */
	{ "access-bad.conf", access_bad, 17, {
		{ 1, "zones[1] \"a\": name \"a\" is already used by zones[0]" },
		{ 1, "apb \"on\" is not one of \"off\", \"soft\", \"hard\"" },
		{ 2, "days \"mon-xyz\": \"xyz\" is not a day" },
		{ 3, "periods[1] \"08:30-10:00\" overlaps 08:00-09:00" },
		{ 3, "periods[2] \"10:00-09:00\" ends before it starts" },
		{ 4, "periods[3] \"24:00-24:00\" is not a period" },
		{ 4, "too many periods (at most 4)" },
		{ 5, "schedules[1]: missing required setting \"name\"" },
		{ 5, "schedules[1]: missing required setting \"days\"" },
		{ 5, "periods[0] \"7-9\" is not a period" },
		{ 6, "holidays[0] \"2026-13-01\" is not a date" },
		{ 6, "holidays[1] \"2100-02-29\" is not a date" },
		{ 6, "holidays[3] \"2000-02-29\" is listed twice" },
		{ 7, "access: apb_reset \"24:00\" is not a time of day" },
		{ 7, "access: watch_policy must be a string" },
		{ 8, "visitors: office_floors \"9-3\" is not a list of floors" },
		{ 8, "default_until \"00:00\" would end every pass" },
	} },
};

static void
test_bad_files(void)
{
	for (size_t i = 0; i < NELEM(bad_confs); i++) {
		const struct bad_conf *b = &bad_confs[i];
		int r = load_text(b->name, b->text);

		CHECK_ROW(r == b->nerrs, "%s: %d errors, want %d", b->name, r, b->nerrs);
		CHECK_ROW(count_lines(errbuf) == r, "%s: not one line an error", b->name);
		for (int j = 0; b->errs[j].line != 0; j++)
			CHECK(has_err(b->name, b->errs[j].line, b->errs[j].part));
	}
}

static void
test_limits(void)
{
	char *text = malloc(64 * 1024);
	size_t n = 0;
	int i, r;

	n += (size_t)sprintf(text + n, "links = (\n");
	for (i = 0; i < 62; i++)
		n += (size_t)sprintf(text + n, "%s{ name = \"tcp%d\"; type = "
		    "\"modbus-tcp\"; host = \"h%d\"; }\n", i ? "," : "", i, i);
	n += (size_t)sprintf(text + n, ");\nreaders = (\n");	/* line 64 */
	for (i = 0; i < 4; i++)
		n += (size_t)sprintf(text + n, "%s{ name = \"r%d\"; path = "
		    "\"/dev/r%d\"; }\n", i ? "," : "", i, i);
	n += (size_t)sprintf(text + n, ");\nprofiles = (\n");
	for (i = 0; i < 33; i++)
		n += (size_t)sprintf(text + n, "%s{ name = \"p%d\"; kind = "
		    "\"turnstile\"; state = \"input:0\"; state_values = { idle = 0; "
		    "passing = 1; fault = 2; }; entry_counter = \"input:1\"; "
		    "exit_counter = \"input:2\"; commands = { open_entry = { "
		    "register = \"coil:0\"; value = 1; }; open_exit = { register "
		    "= \"coil:1\"; value = 1; }; free = { register = \"coil:2\"; "
		    "value = 1; }; lock = { register = \"coil:2\"; value = 0; }; "
		    "}; }\n", i ? "," : "", i);
	n += (size_t)sprintf(text + n, ");\n");
	r = load_text("limits.conf", text);
	free(text);
	CHECK_INT(r, 2);
	CHECK(has_err("limits.conf", 68, "too many links (at most 64, readers included)"));
	CHECK(has_err("limits.conf", 104, "too many profiles (at most 32)"));
	CHECK_INT(site.nlinks, 64);
	CHECK_INT(site.nprofiles, 32);
}

/* An @include is read relative to the including file and named so. */
static void
test_include(void)
{
	write_conf("inc-part.conf", "health = { offline_after = 4294967297; };\n");
	CHECK_INT(load_text("inc-main.conf", "site = { name = \"I\"; };\n"
	    "@include \"inc-part.conf\"\nstore = { event_batch_ms = 0; };\n"), 2);
	CHECK(has_err("inc-main.conf", 3, "store: event_batch_ms 0 is out of range"));
	CHECK(has_err("inc-part.conf", 1, "health: offline_after 4294967297 is "
	    "out of range 1..100"));
	/* The main file's lines come first. */
	CHECK(strstr(errbuf, "inc-main.conf:3") < strstr(errbuf, "inc-part.conf:1"));
}

/* Contact inputs and egress lanes: what a valid file becomes. */
static void
test_inputs(void)
{
	const struct device_conf *d;
	int di;

	CHECK_INT(load_text("inputs.conf", replace(good,
	    "poll_ms = 100; }\n",
	    "poll_ms = 100; },\n"
	    "  { name = \"fire\"; link = \"gw\"; unit = 9; kind = \"input\";"
	    " point = \"discrete:3\"; function = \"fire\"; },\n"
	    "  { name = \"ups\"; link = \"bus1\"; unit = 5; kind = \"input\";"
	    " point = \"holding:0x20\"; function = \"power\";"
	    " active_low = true; poll_ms = 500; deadline_ms = 40; },\n"
	    "  { name = \"ts3\"; link = \"bus1\"; unit = 3; kind = \"turnstile\";"
	    " profile = \"tri\"; deadline_ms = 1000; }\n")), 0);
	CHECK_STR(errbuf, "");
	if ((di = config_device_index(&site, "fire")) >= 0) {
		d = &site.devices[di];
		CHECK_INT(d->kind, DEV_INPUT);
		CHECK_INT(d->function, IN_FIRE);
		CHECK(d->point.set);
		CHECK_INT(d->point.table, REG_DISCRETE);
		CHECK_INT(d->point.addr, 3);
		CHECK(!d->active_low);
		CHECK_INT(d->poll_ms, 100);
		CHECK_INT(d->profile, -1);
		CHECK_STR(site.links[d->link].name, "gw");
	} else {
		CHECK(di >= 0);
	}
	if ((di = config_device_index(&site, "ups")) >= 0) {
		d = &site.devices[di];
		CHECK_INT(d->function, IN_POWER);
		CHECK_INT(d->point.table, REG_HOLDING);
		CHECK_INT(d->point.addr, 0x20);
		CHECK(d->active_low);
		CHECK_INT(d->poll_ms, 500);
		CHECK_INT(d->deadline_ms, 40);
	} else {
		CHECK(di >= 0);
	}
	di = config_device_index(&site, "ts3");
	CHECK(di >= 0 && site.devices[di].kind == DEV_TURNSTILE);
	CHECK(di >= 0 && site.devices[di].deadline_ms == 1000);
	/* Lanes are egress lanes unless they say not. */
	CHECK(site.lanes[0].egress);
	CHECK(site.lanes[1].egress);
	CHECK_INT(load_text("egress.conf", replace(good, "pass_timeout_ms = 1000;",
	    "pass_timeout_ms = 1000; egress = false;")), 0);
	CHECK(site.lanes[0].egress);
	CHECK(!site.lanes[1].egress);
}

/* Zones, schedules, holidays, the access and visitors groups, and the
 * lanes' settings that go with them: what a valid file becomes. */
static const char access_text[] =
    "zones = ( { name = \"tower\"; apb = \"hard\"; },\n"
    "  { name = \"lobby\"; apb = \"soft\"; }, { name = \"garage\"; } );\n"
    "schedules = (\n"
    "  { name = \"office-hours\"; days = \"mon-fri\";\n"
    "    periods = [ \"13:00-19:30\", \"07:00-12:00\" ]; holidays = true; },\n"
    "  { name = \"weekend\"; days = \"Sat,sun\"; holidays = false; },\n"
    "  { name = \"mixed\"; days = \"mon,wed-fri\"; periods = [ \"12:00-24:00\" ]; },\n"
    "  { name = \"night\"; days = \"fri-mon\"; periods = [ \"00:00-06:00\", \"06:00-07:00\" ]; },\n"
    "  { name = \"always\"; days = \"daily\"; periods = []; }\n"
    ");\n"
    "holidays = [ \"2027-01-01\", \"2026-12-25\", \"2028-02-29\", \"2026-01-01\" ];\n"
    "access = { apb_reset = \"03:00\"; watch_policy = \"hold\"; };\n"
    "visitors = { retention_days = 3650; key_file = \"/etc/lobbyd/site.key\";\n"
    "  default_until = \"18:30\"; office_floors = \"1,3,5-9,63\"; };\n";

static void
test_access(void)
{
	const struct schedule_conf *s;
	char text[8192];

	/* Lanes of the good site in zones; south collects cards at its exit. */
	snprintf(text, sizeof(text), "%s%s", access_text, replace(good,
	    "exit_reader = \"r.out\"; }",
	    "exit_reader = \"r.out\"; zone = \"lobby\"; contractors = true; }"));
	CHECK_INT(load_text("access.conf", replace(text,
	    "pass_timeout_ms = 1000;",
	    "pass_timeout_ms = 1000; zone = \"tower\"; collects_cards = true;")),
	    0);
	CHECK_STR(errbuf, "");

	CHECK_INT(site.nzones, 3);
	CHECK_STR(site.zones[0].name, "tower");
	CHECK_INT(site.zones[0].apb, CONF_APB_HARD);
	CHECK_INT(site.zones[0].line, 1);
	CHECK_INT(site.zones[1].apb, CONF_APB_SOFT);
	CHECK_INT(site.zones[2].apb, CONF_APB_OFF);
	CHECK_INT(config_zone_index(&site, "garage"), 2);
	CHECK_INT(config_zone_index(&site, "attic"), -1);
	CHECK_INT(config_zone_index(&site, ""), -1);

	CHECK_INT(site.nschedules, 5);
	s = &site.schedules[0];
	CHECK_STR(s->name, "office-hours");
	CHECK_INT(s->days, 0x3e);		/* Monday (1) to Friday (5) */
	CHECK_INT(s->nperiods, 2);		/* sorted */
	CHECK_INT(s->periods[0].from, 7 * 60);
	CHECK_INT(s->periods[0].until, 12 * 60);
	CHECK_INT(s->periods[1].from, 13 * 60);
	CHECK_INT(s->periods[1].until, 19 * 60 + 30);
	CHECK(s->holidays);
	CHECK_INT(s->line, 4);
	s = &site.schedules[1];
	CHECK_INT(s->days, 0x41);		/* Sunday (0) and Saturday (6) */
	CHECK_INT(s->nperiods, 0);
	CHECK(!s->holidays);
	s = &site.schedules[2];
	CHECK_INT(s->days, 0x3a);		/* mon, wed, thu, fri */
	CHECK_INT(s->periods[0].until, 1440);
	CHECK(s->holidays);			/* the default */
	s = &site.schedules[3];
	CHECK_INT(s->days, 0x63);		/* fri, sat, sun, mon */
	CHECK_INT(s->nperiods, 2);		/* touching is not overlapping */
	CHECK_INT(site.schedules[4].days, 0x7f);
	CHECK_INT(site.schedules[4].nperiods, 0);
	CHECK_INT(config_schedule_index(&site, "night"), 3);
	CHECK_INT(config_schedule_index(&site, "tower"), -1);

	CHECK_INT(site.nholidays, 4);
	CHECK_INT(site.holidays[0], 20260101);
	CHECK_INT(site.holidays[1], 20261225);
	CHECK_INT(site.holidays[2], 20270101);
	CHECK_INT(site.holidays[3], 20280229);

	CHECK_INT(site.apb_reset_min, 180);
	CHECK(site.watch_hold);
	CHECK_INT(site.visitor_retention_days, 3650);
	CHECK_STR(site.key_path, "/etc/lobbyd/site.key");
	CHECK_INT(site.visitor_until_min, 18 * 60 + 30);
	CHECK(site.office_floors == (1ULL << 1 | 1ULL << 3 | 0x3e0ULL |
	    1ULL << 63));

	CHECK_INT(site.lanes[0].zone, 1);
	CHECK(site.lanes[0].contractors);
	CHECK(!site.lanes[0].collects_cards);
	CHECK_INT(site.lanes[1].zone, 0);
	CHECK(!site.lanes[1].contractors);
	CHECK(site.lanes[1].collects_cards);

	/* Every default. */
	CHECK_INT(load_text("access-def.conf", good), 0);
	CHECK_INT(site.nzones, 0);
	CHECK_INT(site.nschedules, 0);
	CHECK_INT(site.nholidays, 0);
	CHECK_INT(site.apb_reset_min, -1);
	CHECK(!site.watch_hold);
	CHECK_INT(site.visitor_retention_days, 90);
	CHECK_STR(site.key_path, "/var/lib/lobbyd/lobbyd.db.key");
	CHECK_INT(site.visitor_until_min, 23 * 60 + 59);
	CHECK(site.office_floors == 0);
	CHECK_INT(site.lanes[0].zone, -1);
	CHECK(!site.lanes[0].contractors);
	CHECK(!site.lanes[1].collects_cards);

	/* The key file follows the database, wherever the store section is. */
	CHECK_INT(load_text("access-key.conf", "visitors = { retention_days = 1; };\n"
	    "store = { database = \"/srv/lobby/l.db\"; };\n"), 0);
	CHECK_STR(site.key_path, "/srv/lobby/l.db.key");
	CHECK_INT(site.visitor_retention_days, 1);

	/* A broken file keeps the settings it could read. */
	load_text("access-bad.conf", access_bad);
	CHECK_INT(site.nholidays, 1);	/* 2000-02-29 */
	CHECK_INT(site.schedules[0].nperiods, 1);
}

/* An elevator profile, its controller, two readers tied to it (one freight)
 * and the freight rules, read back; an unknown top-level key next to them is
 * still caught. */
static void
test_elevators(void)
{
	static const char text[] =
	    "profiles = ( { name = \"el\"; kind = \"elevator\"; floor = \"input:0\";\n"
	    "  direction = \"input:1\"; direction_values = { stopped = 0; up = 1; down = 2; };\n"
	    "  door = \"input:2\"; door_values = { closed = 0; open = 1; closing = 3; };\n"
	    "  mode = \"input:3\"; mode_values = { normal = 0; fire_service = 2; out_of_service = 3; };\n"
	    "  fault_code = \"input:4\"; trapped = \"discrete:0\";\n"
	    "  floor_enable = \"holding:20\"; floors = 32; } );\n"
	    "links = ( { name = \"gw\"; type = \"modbus-tcp\"; host = \"127.0.0.1\"; } );\n"
	    "devices = ( { name = \"elev1\"; link = \"gw\"; unit = 3; profile = \"el\"; } );\n"
	    "readers = ( { name = \"rd1\"; path = \"/dev/ttyS5\"; },\n"
	    "  { name = \"rd2\"; path = \"/dev/ttyS6\"; } );\n"
	    "elevators = ( { name = \"car1\"; controller = \"elev1\"; reader = \"rd1\"; },\n"
	    "  { name = \"freight1\"; controller = \"elev1\"; reader = \"rd2\"; enable_s = 60;\n"
	    "    freight = true; } );\n"
	    "freight = { rush_hours = [ \"08:00-09:30\", \"17:30-19:00\" ]; max_hours = 8; };\n";
	const struct elev_profile *ep;

	CHECK_INT(load_text("elevators.conf", text), 0);
	CHECK_INT(site.nprofiles, 1);
	CHECK_INT(site.profiles[0].kind, PROFILE_ELEVATOR);
	ep = &site.profiles[0].elev;
	CHECK_INT(ep->floors, 32);
	CHECK_INT(ep->enable_addr, 20);
	CHECK_INT(ep->dir_value[ELEV_DIR_DOWN], 2);
	CHECK_INT(ep->door_value[ELEV_DOOR_CLOSING], 3);
	CHECK(ep->door_value[ELEV_DOOR_OPENING] == ELEV_VALUE_UNSET);
	CHECK(ep->mode_value[ELEV_MODE_INDEPENDENT] == ELEV_VALUE_UNSET);
	CHECK_INT(ep->mode_value[ELEV_MODE_OUT_OF_SERVICE], 3);
	CHECK(ep->trapped.set && ep->trapped.table == REG_DISCRETE);
	CHECK_INT(site.devices[0].kind, DEV_ELEVATOR);
	CHECK_INT(site.nelevators, 2);
	CHECK_INT(site.elevators[0].controller, 0);
	CHECK_INT(site.elevators[0].enable_s, 10);
	CHECK(!site.elevators[0].freight);
	CHECK_INT(site.elevators[1].enable_s, 60);
	CHECK(site.elevators[1].freight);
	CHECK_INT(site.elevators[1].reader, config_device_index(&site, "rd2"));
	CHECK_INT(config_elevator_index(&site, "freight1"), 1);
	CHECK_INT(site.nrush, 2);
	CHECK_INT(site.rush[1][0], 17 * 60 + 30);
	CHECK_INT(site.rush[1][1], 19 * 60);
	CHECK_INT(site.booking_max_h, 8);
	CHECK_STR(config_elev_mode_name(ELEV_MODE_FIRE_SERVICE), "fire_service");
	CHECK_STR(config_elev_door_name(ELEV_DOOR_UNKNOWN), "unknown");

	CHECK(load_text("elev-extra.conf", replace(text, "freight = { rush",
	    "profiles2 = 1;\nfreight = { rush")) > 0);
	CHECK(has_err("elev-extra.conf", 14, "unknown setting \"profiles2\""));
}

int
main(void)
{
	static void (*const tests[])(void) = { test_good,
		test_empty_and_minimal, test_unreadable, test_bad_files,
		test_limits, test_include, test_inputs, test_access,
		test_elevators };
	char cmd[300];
	int r;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	for (size_t i = 0; i < NELEM(tests); i++)
		tests[i]();

	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", tmpdir);
	r = system(cmd);
	(void)r;
	return harness_done("test_config");
}
