"""
The front desk end to end, through the real lobbyd and lobbyctl and
lobbysim's lanes: a visitor's whole day (registered, waiting for the host,
confirmed, in, out with the card collected), visitor codes at a QR reader,
refused categories and a manager's override, a contractor's working hours,
the second entry, the overstay alert and a suspended permit, the silent
watch-list alert, hard anti-passback, a pass that expires (and stays
expired across a restart), a terminated person's card, and no raw ID
number in the database, its WAL or the logs. Run with /usr/bin/python3.
"""
import datetime
import json
import os
import sqlite3
import subprocess
import time

from lobbytest import LOBBYCTL, Site, local_clock_at, run_tests, test, wait_for

SETPRIV = "/usr/bin/setpriv"

# Made-up ID numbers: none of them may ever reach a file.
ID_VISITOR = "440301199001011234"
ID_VISITOR2 = "E12345678"
ID_SALES = "P7654321"
ID_CONTRACTOR = "110101198001010010"
ID_WATCHED = "G55501234"
ID_STAFF = "X1234567"
ALL_IDS = (ID_VISITOR, ID_VISITOR2, ID_SALES, ID_CONTRACTOR, ID_WATCHED, ID_STAFF)

ROLES = """
roles = {
	guard = [ "users" ];
	frontdesk = [ "staff" ];
	engineering = [ "src" ];
	manager = [ "root" ];
};
"""

SITE = """
site = { name = "Desk Test Tower"; };
store = { database = "@DIR@/lobbyd.db"; event_batch_ms = 20; };
control = { socket = "@DIR@/control.sock"; groups = [ "users", "staff" ]; };
health = { offline_after = 2; backoff_max_ms = 500; };
profiles = ( {
	name = "tripod-a"; kind = "turnstile";
	state = "input:0"; state_values = { idle = 0; passing = 1; fault = 2; };
	entry_counter = "input:1"; exit_counter = "input:2"; fault_code = "input:3";
	commands = {
		open_entry = { register = "holding:0"; value = 1; };
		open_exit  = { register = "holding:0"; value = 2; };
		free       = { register = "holding:0"; value = 3; };
		lock       = { register = "holding:0"; value = 4; };
	};
} );
links = ( { name = "bus1"; type = "modbus-rtu"; path = "@DIR@/bus1";
	    baud = 19200; parity = "none"; data_bits = 8; stop_bits = 1; timeout_ms = 100; } );
devices = (
	{ name = "ts1"; link = "bus1"; unit = 1; profile = "tripod-a"; poll_ms = 100; },
	{ name = "ts2"; link = "bus1"; unit = 2; profile = "tripod-a"; poll_ms = 100; },
	{ name = "ts3"; link = "bus1"; unit = 3; profile = "tripod-a"; poll_ms = 100; },
	{ name = "ts4"; link = "bus1"; unit = 4; profile = "tripod-a"; poll_ms = 100; }
);
readers = (
	{ name = "rd1-in";  path = "@DIR@/rd1-in";  baud = 9600; format = "em4100"; },
	{ name = "rd1-out"; path = "@DIR@/rd1-out"; baud = 9600; format = "em4100"; },
	{ name = "qr2-in";  path = "@DIR@/qr2-in";  baud = 9600; format = "qr"; },
	{ name = "qr2-out"; path = "@DIR@/qr2-out"; baud = 9600; format = "qr"; },
	{ name = "rd3-in";  path = "@DIR@/rd3-in";  baud = 9600; format = "em4100"; },
	{ name = "rd3-out"; path = "@DIR@/rd3-out"; baud = 9600; format = "em4100"; },
	{ name = "rd4-in";  path = "@DIR@/rd4-in";  baud = 9600; format = "em4100"; },
	{ name = "rd4-out"; path = "@DIR@/rd4-out"; baud = 9600; format = "em4100"; }
);
zones = ( { name = "tower"; apb = "hard"; } );
lanes = (
	{ name = "lane1"; turnstile = "ts1"; entry_reader = "rd1-in"; exit_reader = "rd1-out";
	  pass_timeout_ms = 3000; zone = "tower"; },
	{ name = "lane2"; turnstile = "ts2"; entry_reader = "qr2-in"; exit_reader = "qr2-out";
	  pass_timeout_ms = 3000; zone = "tower"; },
	{ name = "lane3"; turnstile = "ts3"; entry_reader = "rd3-in"; exit_reader = "rd3-out";
	  pass_timeout_ms = 3000; zone = "tower"; collects_cards = true; },
	{ name = "service"; turnstile = "ts4"; entry_reader = "rd4-in"; exit_reader = "rd4-out";
	  pass_timeout_ms = 3000; zone = "tower"; contractors = true; }
);
visitors = { retention_days = 90; office_floors = "3-30"; };
"""


def site(extra="", visitors=None):
    """visitors: the visitors group's settings, in place of the usual ones."""
    text = SITE if visitors is None else SITE.replace(
        'visitors = { retention_days = 90; office_floors = "3-30"; };',
        'visitors = { retention_days = 90; office_floors = "3-30"; ' + visitors + ' };')
    s = Site(text + ROLES + extra)
    os.chmod(s.dir, 0o755)
    os.chmod(os.path.dirname(os.path.abspath(LOBBYCTL)), 0o755)
    wait_for(lambda: all(d["online"] for d in s.ctl("devices")),
             timeout=10, what="turnstiles and readers online")
    return s


def as_user(s, groups, *args, stdin=""):
    """lobbyctl --json as nobody with these groups: its roles come from them.
    stdin: its standard input (an ID number for --id -)."""
    argv = [SETPRIV, "--reuid=nobody", "--regid=nogroup", f"--groups={groups}",
            os.path.abspath(LOBBYCTL), "-s", s.sock, "--json", *map(str, args)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=10,
                          input=stdin)


def desk(s, *args, stdin=""):
    """A front-desk user's command; its data, parsed."""
    r = as_user(s, "staff", *args, stdin=stdin)
    assert r.returncode == 0, f"lobbyctl {' '.join(map(str, args))}: {r.stderr}"
    return json.loads(r.stdout)


def decisions(s, cred):
    return [e for e in s.events() if e["kind"] == "access" and e["credential"] == cred]


_last_read = {}


def present(s, reader, cred, n_before=None):
    """Presents cred at reader; the decision event it produced. A reader
    holds off a card read again within a second: keep clear of that."""
    n = len(decisions(s, cred)) if n_before is None else n_before
    since = time.monotonic() - _last_read.get((reader, cred), -10.0)
    if since < 1.3:
        time.sleep(1.3 - since)
    s.card(reader, cred)
    _last_read[(reader, cred)] = time.monotonic()
    return wait_for(lambda: (lambda d: d[n] if len(d) > n else None)(decisions(s, cred)),
                    timeout=5, what=f"decision for {cred} at {reader}")


def passed(s, cred, direction):
    """Waits for the passage of a granted cred."""
    return wait_for(lambda: [e for e in s.events() if e["kind"] == "passage" and
                             e["credential"] == cred and e["direction"] == direction],
                    timeout=6, what=f"{direction} passage of {cred}")


def inside(s, *args):
    return desk(s, "inside", *args)


def assert_no_raw_ids(s):
    """No raw ID number in the database, its WAL, or either log."""
    s.stop_lobbyd()
    for name in os.listdir(s.dir):
        path = os.path.join(s.dir, name)
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            data = f.read()
        for n in ALL_IDS:
            assert n.encode() not in data, f"{n} found in {name}"


def seconds_to_next_minute():
    now = datetime.datetime.now()
    return 60 - now.second - now.microsecond / 1e6


@test
def a_visitors_whole_day():
    s = site()
    card = "0D00000001"
    try:
        # A delivery needs the host's confirmation: the pass waits.
        p = desk(s, "visitor", "register", "--name", "Li Wei", "--id-type", "resident_card",
                 "--id", "-", "--host-unit", "1203", "--host", "Acme Ltd",
                 "--class", "service", "--purpose", "delivery", "--card", card,
                 stdin=ID_VISITOR)
        assert p["state"] == "pending" and p["credential"] == card, p
        assert p["id_mask"] == "4403**********1234", p
        d = present(s, "rd1-in", card)
        assert d["decision"] == "denied" and d["reason"] == "pass_pending", d
        assert d["reason_text"], d
        # The front desk phones the host, then confirms.
        c = desk(s, "visitor", "confirm", p["id"])
        assert c["state"] == "active" and c["confirmed_by"] == "nobody", c
        d = present(s, "rd1-in", card)
        assert d["decision"] == "granted", d
        passed(s, card, "entry")
        who = inside(s)
        assert [(w["name"], w["kind"], w["unit"], w["zone"]) for w in who] == \
            [("Li Wei", "visitor", "1203", "tower")], who
        assert who[0]["id_mask"] == "4403**********1234", who
        # A guard sees the muster list too, without tenants' units.
        r = as_user(s, "users", "inside")
        assert r.returncode == 0, r
        assert json.loads(r.stdout)[0]["unit"] == "", r.stdout
        # Out through the card-collecting lane: the pass is returned.
        d = present(s, "rd3-out", card)
        assert d["decision"] == "granted", d
        passed(s, card, "exit")
        wait_for(lambda: desk(s, "pass", "show", p["id"])["state"] == "returned",
                 what="pass returned")
        assert inside(s) == []
        d = present(s, "rd1-in", card)
        assert d["decision"] == "denied" and d["reason"] == "pass_returned", d
        today = desk(s, "visitor", "list", "--today")
        assert [v["id"] for v in today] == [p["id"]], today
        assert_no_raw_ids(s)
    finally:
        s.close()


@test
def a_visitor_code_opens_the_qr_lane_and_an_applicant_gets_no_office_floor():
    s = site()
    try:
        p = desk(s, "visitor", "register", "--name", "Ana Costa", "--id-type", "passport",
                 "--id", "-", "--host-unit", "2101", "--host", "Harbour Law",
                 "--class", "ordinary", "--purpose", "meeting", "--party", "2",
                 "--floors", "21", stdin=ID_VISITOR2)
        code = p["code"]
        assert code.startswith("VP-") and p["state"] == "active", p
        assert p["floors"] == "21" and p["party"] == 2, p
        d = present(s, "qr2-in", code)
        assert d["decision"] == "granted", d
        passed(s, code, "entry")
        d = present(s, "qr2-out", code)
        assert d["decision"] == "granted", d
        # An applicant without an appointment waits for the host and is
        # kept off the office floors.
        a = desk(s, "visitor", "register", "--name", "Job Seeker", "--id-type", "passport",
                 "--id", "-", "--host-unit", "2101", "--host", "Harbour Law",
                 "--class", "applicant", "--purpose", "interview", "--floors", "1,21",
                 stdin="A0000001\n")
        assert a["state"] == "pending" and a["floors"] == "1", a
        d = present(s, "qr2-in", a["code"])
        assert d["decision"] == "denied" and d["reason"] == "pass_pending", d
        # The handover lists the pending confirmation.
        h = desk(s, "shift", "handover", "--note", "quiet morning")
        assert "pending confirmation: pass %d" % a["id"] in h["text"], h
        assert "quiet morning" in h["text"], h
        assert [x["kind"] for x in desk(s, "shift", "log")] == ["handover"]
    finally:
        s.close()


@test
def id_numbers_are_checked_and_a_manager_may_accept_a_bad_one():
    s = site()
    try:
        args = ["visitor", "register", "--name", "Zhao Lei", "--id-type", "resident_card",
                "--id", "-", "--host-unit", "1203", "--host", "Acme Ltd",
                "--class", "ordinary", "--purpose", "meeting"]
        # The example: "E5555" is no resident ID; nor is a number
        # with a wrong check character (a digit mistyped).
        for bad, why in (("E5555", "18 characters"),
                         ("440301199001011235", "check character"),
                         ("440301199013011234", "birth date")):
            r = as_user(s, "staff", *args, stdin=bad + "\n")
            assert r.returncode == 1, r
            assert "not a valid resident-id number" in r.stderr and why in r.stderr, r.stderr
            assert bad not in r.stderr, r.stderr
        # The other documents by their formats.
        r = as_user(s, "staff", "visitor", "register", "--name", "Chan Tai Man",
                    "--id-type", "hk_macao_permit", "--id", "-", "--host-unit", "1203",
                    "--host", "Acme Ltd", "--class", "ordinary", "--purpose", "meeting",
                    stdin="H1234\n")
        assert r.returncode == 1 and "H or M and 8 digits" in r.stderr, r.stderr
        p = desk(s, "visitor", "register", "--name", "Chan Tai Man",
                 "--id-type", "hk_macao_permit", "--id", "-", "--host-unit", "1203",
                 "--host", "Acme Ltd", "--class", "ordinary", "--purpose", "meeting",
                 stdin="H12345678\n")
        assert p["id"] > 0, p
        # A front-desk user cannot accept a bad number; a manager can, with
        # a reason, and it is recorded (never the number).
        r = as_user(s, "staff", *args, "--override", "old card, checked by hand",
                    stdin="440301199001011235\n")
        assert r.returncode == 1 and "manager" in r.stderr, r
        p = s.ctl(*args, "--override", "old card, checked by hand",
                  stdin="440301199001011235\n")
        assert p["override_by"] == "root", p
        assert "id_number_not_valid" in p["override_reason"], p
        assert "checked by hand" in p["override_reason"], p
        assert_no_raw_ids(s)
    finally:
        s.close()


@test
def refused_categories_and_a_managers_override():
    s = site()
    try:
        args = ["visitor", "register", "--name", "Sam Seller", "--id-type", "passport",
                "--id", "-", "--host-unit", "1203", "--host", "Acme Ltd",
                "--class", "ordinary", "--purpose", "sell phones", "--category", "sales"]
        r = as_user(s, "staff", *args, stdin=ID_SALES)
        assert r.returncode == 1, r
        assert "Door-to-door sales are not admitted" in r.stderr, r.stderr
        assert ID_SALES not in r.stderr
        # A front-desk user cannot override; a manager can, with a reason.
        r = as_user(s, "staff", *args, "--override", "invited by the tenant",
                    stdin=ID_SALES)
        assert r.returncode == 1 and "manager" in r.stderr, r
        p = s.ctl(*args, "--override", "invited by the tenant", stdin=ID_SALES)
        assert p["override_by"] == "root", p
        assert "invited by the tenant" in p["override_reason"], p
        # No contact person: refused.
        r = s.run_ctl("--json", "visitor", "register", "--name", "Nobody Known",
                      "--id-type", "passport", "--id", "-", "--class", "ordinary",
                      "--purpose", "walk-in", stdin="N0000001\n")
        assert r.returncode != 0 and "host" in r.stderr, r
        assert "N0000001" not in r.stderr, r
        assert_no_raw_ids(s)
    finally:
        s.close()


@test(slow=True)
def a_contractors_working_hours_overstay_and_suspended_permit():
    # Local time reads 12:00:45: the window, from the next minute for one
    # minute, starts 15 s from now rather than at the wall clock's next
    # minute (and not across midnight).
    local_clock_at(12 * 3600 + 45)
    s = site()
    card = "0C00000001"
    try:
        if seconds_to_next_minute() < 8:        # a slow start
            time.sleep(seconds_to_next_minute() + 0.5)
        start = (datetime.datetime.now() + datetime.timedelta(minutes=1)).replace(
            second=0, microsecond=0)
        end = start + datetime.timedelta(minutes=1)
        today = start.strftime("%Y-%m-%d")
        pm = desk(s, "permit", "add", "--unit", "1203", "--company", "BuildCo",
                  "--from", today, "--until", today, "--days", "daily",
                  "--hours", f"{start:%H:%M}-{end:%H:%M}", "--floor", "12", "--paid")
        c = desk(s, "contractor", "add", "--permit", pm["id"], "--name", "Wang Gang",
                 "--id-type", "resident_card", "--id", "-", "--card", card,
                 stdin=ID_CONTRACTOR)
        assert c["permit"] == pm["id"] and c["floors"] == "12", c
        # One pass per person, against their own ID.
        r = as_user(s, "staff", "contractor", "add", "--permit", pm["id"], "--name",
                    "Wang Gang", "--id-type", "resident_card", "--id", "-",
                    "--card", "0C00000002", stdin=ID_CONTRACTOR)
        assert r.returncode == 1 and "one pass per person" in r.stderr, r
        # Before the hours (the 07:59 of the scenario): denied.
        d = present(s, "rd4-in", card)
        assert d["decision"] == "denied" and d["reason"] == "working_hours", d
        # Not through the main lanes at any time.
        time.sleep(max(0.0, (start - datetime.datetime.now()).total_seconds()) + 0.3)
        d = present(s, "rd1-in", card)
        assert d["decision"] == "denied" and d["reason"] == "not_contractor_lane", d
        # At the start of the hours (08:00): in.
        d = present(s, "rd4-in", card)
        assert d["decision"] == "granted", d
        passed(s, card, "entry")
        # Badge out before badging in again.
        d = present(s, "rd4-in", card)
        assert d["decision"] == "denied" and d["reason"] == "already_inside", d
        # Still inside after the hours: the overstay alert, for security
        # and the front desk.
        time.sleep(max(0.0, (end - datetime.datetime.now()).total_seconds()))
        a = wait_for(lambda: [x for x in desk(s, "alerts")
                              if x["kind"].startswith("site_overstay")],
                     timeout=6, what="overstay alert")[0]
        assert "Wang Gang" in a["message"] and "1203" in a["message"], a
        # The permit is suspended: its pass ends at once.
        p = desk(s, "permit", "suspend", pm["id"])
        assert p["passes_ended"] is True, p
        assert desk(s, "pass", "show", c["id"])["state"] == "revoked"
        # Leaving is still possible; the overstay alert clears.
        d = present(s, "rd4-out", card)
        assert d["decision"] == "granted", d
        passed(s, card, "exit")
        wait_for(lambda: not [x for x in desk(s, "alerts")
                              if x["kind"].startswith("site_overstay")],
                 timeout=6, what="overstay alert cleared")
        d = present(s, "rd4-in", card)
        assert d["decision"] == "denied" and d["reason"] == "pass_revoked", d
        assert_no_raw_ids(s)
    finally:
        s.close()


@test
def a_watch_listed_registration_alerts_security_only():
    s = site()
    try:
        w = s.ctl("watchlist", "add", "--id-type", "passport", "--id", "-",
                  "--name", "J. Doe", "--note", "bulletin 2026-117", stdin=ID_WATCHED)
        assert w["id_mask"] and ID_WATCHED not in json.dumps(w), w
        # The front desk may not read the watch list.
        r = as_user(s, "staff", "watchlist", "list")
        assert r.returncode == 1, r
        p = desk(s, "visitor", "register", "--name", "John Doe", "--id-type", "passport",
                 "--id", "-", "--host-unit", "1203", "--host", "Acme Ltd",
                 "--class", "ordinary", "--purpose", "meeting", stdin=ID_WATCHED)
        # Nothing in the reply says so...
        assert p["state"] == "active" and "watch" not in json.dumps(p).lower(), p
        # ... nor in the front desk's alerts (only the cue to keep the
        # visitor at the desk, which names no list) or event feed ...
        cue = wait_for(lambda: desk(s, "alerts"), timeout=3, what="the desk's cue")
        assert [a["kind"].startswith("site_cue_") for a in cue] == [True], cue
        assert "John Doe" in cue[0]["message"], cue
        assert "watch" not in json.dumps(cue).lower() and "bulletin" not in json.dumps(cue)
        assert not [e for e in desk(s, "events") if "watch" in json.dumps(e).lower()]
        # ... but security has it.
        g = wait_for(lambda: [a for a in json.loads(as_user(s, "users", "alerts").stdout)
                              if a["kind"].startswith("site_watch")],
                     timeout=3, what="security's alert")[0]
        assert "John Doe" in g["message"] and "1203" in g["message"], g
        assert g["audience"] == "security", g
        # The visitor's code at the reader: let through (the default policy),
        # and the reader shows nothing unusual.
        d = present(s, "qr2-in", p["code"])
        assert d["decision"] == "granted" and d["reason"] == "granted", d
        assert_no_raw_ids(s)
    finally:
        s.close()


@test
def hard_anti_passback_denies_a_second_entry_and_a_terminated_card_alerts():
    s = site()
    card = "0A00000001"
    try:
        who = desk(s, "person", "add", "--kind", "tenant_staff", "--name", "Ana Silva",
                   "--id-type", "passport", "--id", "-", "--company", "Acme Ltd",
                   "--unit", "1203", stdin=ID_STAFF)
        desk(s, "pass", "issue", "--person", who["id"], "--card", card)
        d = present(s, "rd1-in", card)
        assert d["decision"] == "granted", d
        passed(s, card, "entry")
        d = present(s, "rd1-in", card)
        assert d["decision"] == "denied" and d["reason"] == "already_inside", d
        d = present(s, "rd1-out", card)
        assert d["decision"] == "granted", d
        passed(s, card, "exit")
        d = present(s, "rd1-in", card)
        assert d["decision"] == "granted", d
        passed(s, card, "entry")
        # Dismissed: the card is refused with its own reason, security told.
        desk(s, "person", "terminate", who["id"], "--reason", "contract ended")
        d = present(s, "rd1-out", card)
        assert d["decision"] == "denied" and d["reason"] == "person_terminated", d
        g = wait_for(lambda: [a for a in json.loads(as_user(s, "users", "alerts").stdout)
                              if a["kind"].startswith("site_terminated")],
                     timeout=3, what="terminated-person alert")[0]
        assert "Ana Silva" in g["message"], g
        assert_no_raw_ids(s)
    finally:
        s.close()


@test
def a_pass_that_expires_denies_after_its_end_and_across_a_restart():
    s = site()
    card = "0A00000002"
    try:
        who = desk(s, "person", "add", "--kind", "property_staff", "--name", "Temp Cleaner")
        p = desk(s, "pass", "issue", "--person", who["id"], "--card", card,
                 "--until", "+6s")
        d = present(s, "rd1-in", card)
        assert d["decision"] == "granted", d
        passed(s, card, "entry")
        d = present(s, "rd1-out", card)
        assert d["decision"] == "granted", d
        passed(s, card, "exit")
        time.sleep(max(0.0, p["valid_until_ms"] / 1000 - time.time()) + 1.0)
        d = present(s, "rd1-in", card)
        assert d["decision"] == "denied" and d["reason"] == "pass_expired", d
        wait_for(lambda: desk(s, "pass", "show", p["id"])["state"] == "expired",
                 what="pass marked expired")
        s.stop_lobbyd()
        s.start_lobbyd()
        wait_for(lambda: s.device("ts1")["online"], what="ts1 online again")
        d = present(s, "rd1-in", card)
        assert d["decision"] == "denied" and d["reason"] == "pass_expired", d
        assert desk(s, "pass", "show", p["id"])["state"] == "expired"
    finally:
        s.close()


def alerts_of(s, groups, prefix):
    return [a for a in json.loads(as_user(s, groups, "alerts").stdout)
            if a["kind"].startswith(prefix)]


@test
def an_unannounced_guest_waits_for_the_host_and_a_long_wait_alerts_the_desk():
    s = site(visitors='hold = { ordinary = "unannounced"; }; wait_alert_s = 180;')
    try:
        reg = ("visitor", "register", "--name", "Zhou Min", "--id-type", "passport",
               "--host-unit", "1203", "--host", "Acme Ltd", "--class", "ordinary",
               "--purpose", "meeting", "--id", "-")
        # Did not call ahead: held for the host. Called ahead: goes up.
        p = desk(s, *reg, stdin=ID_SALES)
        assert p["state"] == "pending", p
        q = desk(s, *reg, "--appointment", stdin=ID_VISITOR2)
        assert q["state"] == "active", q
        assert not alerts_of(s, "staff", "site_wait_")
        # Three minutes on (the pass's issue time moved back while lobbyd
        # is stopped: the wait counts from it, across a restart too).
        s.stop_lobbyd()
        with sqlite3.connect(s.db) as c:
            c.execute("UPDATE passes SET issued_ms = issued_ms - 200000 WHERE id = ?",
                      (p["id"],))
        s.start_lobbyd()
        a = wait_for(lambda: alerts_of(s, "staff", f"site_wait_{p['id']}"), timeout=6,
                     what="the waiting alert")[0]
        assert "Zhou Min" in a["message"] and "min" in a["message"], a
        assert "frontdesk" in a["audience"] and "manager" in a["audience"], a
        assert alerts_of(s, "root", f"site_wait_{p['id']}")	# the supervisor
        # The host confirms: the alert is over.
        desk(s, "visitor", "confirm", p["id"])
        wait_for(lambda: not alerts_of(s, "staff", "site_wait_"), timeout=6,
                 what="the waiting alert cleared")
    finally:
        s.close()


@test
def a_vips_registration_tells_the_managers_until_the_guest_arrives():
    s = site()
    try:
        p = desk(s, "visitor", "register", "--name", "Chairman Wu", "--id-type",
                 "passport", "--id", "-", "--host-unit", "1203", "--host", "Acme Ltd",
                 "--class", "vip", "--purpose", "board meeting", stdin=ID_SALES)
        a = wait_for(lambda: alerts_of(s, "root", f"site_vip_{p['id']}"), timeout=3,
                     what="the managers told")[0]
        assert "Chairman Wu" in a["message"] and a["severity"] == "info", a
        assert not alerts_of(s, "staff", "site_vip_")	# the managers only
        d = present(s, "qr2-in", p["code"])
        assert d["decision"] == "granted", d
        passed(s, p["code"], "entry")
        wait_for(lambda: not alerts_of(s, "root", "site_vip_"), timeout=6,
                 what="the notice cleared once the guest is in")
        # An ordinary guest tells nobody.
        desk(s, "visitor", "register", "--name", "Li Lei", "--id-type", "passport",
             "--id", "-", "--host-unit", "1203", "--host", "Acme Ltd", "--class",
             "ordinary", "--purpose", "meeting", stdin=ID_VISITOR2)
        time.sleep(0.5)
        assert not alerts_of(s, "root", "site_vip_")
    finally:
        s.close()


@test
def a_new_watch_list_entry_is_checked_against_today_and_the_desk_is_cued():
    s = site(visitors='watch_cue = "请 %s 在前台稍候，手续还在办理。";')
    try:
        p = desk(s, "visitor", "register", "--name", "Wang Qiang", "--id-type",
                 "passport", "--id", "-", "--host-unit", "1203", "--host", "Acme Ltd",
                 "--class", "ordinary", "--purpose", "meeting", stdin=ID_WATCHED)
        time.sleep(0.3)
        assert not alerts_of(s, "users", "site_watch")
        # The bulletin arrives after the registration.
        w = s.ctl("watchlist", "add", "--id-type", "passport", "--id", "-",
                  "--note", "bulletin 2026-332", stdin=ID_WATCHED)
        assert w["matches"] == 1, w
        g = wait_for(lambda: alerts_of(s, "users", "site_watch_"), timeout=3,
                     what="security's alert")[0]
        assert "Wang Qiang" in g["message"] and "registered today" in g["message"], g
        # The desk: a cue with the configured words, nothing about a watch list.
        cue = wait_for(lambda: alerts_of(s, "staff", "site_cue_"), timeout=3,
                       what="the desk's cue")[0]
        assert cue["message"] == "请 Wang Qiang 在前台稍候，手续还在办理。", cue
        assert "watch" not in json.dumps(cue).lower() and "bulletin" not in cue["message"]
        assert not alerts_of(s, "staff", "site_watch")
        # The clerk acknowledges the cue: it is gone.
        r = as_user(s, "staff", "alert", "ack", cue["id"])
        assert r.returncode == 0, r.stderr
        wait_for(lambda: not alerts_of(s, "staff", "site_cue_"), timeout=3,
                 what="the cue ended")
        # Someone who was neither inside nor registered today: no match.
        w2 = s.ctl("watchlist", "add", "--id-type", "passport", "--id", "-",
                   stdin="G99999999")
        assert w2["matches"] == 0, w2
        del p
    finally:
        s.close()


@test
def a_new_watch_list_entry_finds_a_returning_visitor_registered_today():
    s = site()
    try:
        args = ("visitor", "register", "--name", "Wang Qiang", "--id-type", "passport",
                "--id", "-", "--host-unit", "1203", "--host", "Acme Ltd", "--class",
                "ordinary", "--purpose", "meeting")
        first = desk(s, *args, stdin=ID_WATCHED)
        # That first visit was two days ago.
        s.stop_lobbyd()
        back = 2 * 86400000
        db = sqlite3.connect(s.db)
        db.execute("UPDATE people SET created_ms = created_ms - ?, updated_ms = "
                   "updated_ms - ? WHERE id = ?", (back, back, first["person"]))
        db.execute("UPDATE passes SET issued_ms = issued_ms - ?, valid_from_ms = "
                   "valid_from_ms - ?, valid_until_ms = valid_until_ms - ? WHERE id = ?",
                   (back, back, back, first["id"]))
        db.commit()
        db.close()
        s.start_lobbyd()
        # Today's visit: the same person, at the desk now.
        again = desk(s, *args, stdin=ID_WATCHED)
        assert again["person"] == first["person"], (first, again)
        w = s.ctl("watchlist", "add", "--id-type", "passport", "--id", "-",
                  "--note", "bulletin 2026-340", stdin=ID_WATCHED)
        assert w["matches"] == 1, w
        g = wait_for(lambda: alerts_of(s, "users", "site_watch_"), timeout=3,
                     what="security's alert")[0]
        assert "Wang Qiang" in g["message"] and "registered today" in g["message"], g
        wait_for(lambda: alerts_of(s, "staff", "site_cue_"), timeout=3,
                 what="the desk's cue")
    finally:
        s.close()


run_tests("test_desk", case_jobs=3)
