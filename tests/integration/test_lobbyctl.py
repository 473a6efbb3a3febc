#!/usr/bin/python3
"""lobbyctl against a fake lobbyd (fake_lobbyd.py): the request each command
sends, the tables and JSON it prints from canned replies, its exit status on
refusals, bad replies, a missing socket and usage errors, and --follow.

Runs build/lobbyctl (or $BUILD/lobbyctl, or $LOBBYCTL) with TZ=UTC. Prints
the closing "N passed, M failed" line; exits 1 on any failure.
"""
import calendar
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
LOBBYCTL = os.environ.get("LOBBYCTL") or os.path.join(
    TOP, os.environ.get("BUILD", "build"), "lobbyctl")
RUN_TIMEOUT = 10

passed = failed = 0


def check(what, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s%s" % (what, (": " + str(detail)) if detail else ""))


def utc_ms(*fields):
    return calendar.timegm(tuple(fields) + (0,) * (6 - len(fields))) * 1000


T0 = utc_ms(2026, 11, 23, 18, 2, 3)

EVENTS = [
    {"id": 41, "ts_ms": T0, "kind": "access", "lane": "lane1",
     "device": "rd1-in", "direction": "entry", "credential": "0A00123456",
     "decision": "granted", "reason": "granted",
     "reason_text": "Access granted", "actor": "", "detail": ""},
    {"id": 42, "ts_ms": T0 + 8000, "kind": "passage", "lane": "lane1",
     "device": "ts1", "direction": "entry", "credential": "",
     "decision": "", "reason": "", "reason_text": "", "actor": "",
     "detail": ""},
    {"id": 43, "ts_ms": T0 + 60000, "kind": "manual_open", "lane": "lane2",
     "device": "ts2", "direction": "exit", "credential": "",
     "decision": "granted", "reason": "manual",
     "reason_text": "Opened by hand", "actor": "alice",
     "detail": "stuck visitor"},
]
PUSHED = [
    {"id": 44, "ts_ms": T0 + 120000, "kind": "access", "lane": "lane2",
     "device": "rd2-in", "direction": "entry", "credential": "BEEF0001",
     "decision": "denied", "reason": "unknown_card",
     "reason_text": "Card not known", "actor": "", "detail": ""},
    {"id": 45, "ts_ms": T0 + 180000, "kind": "device_offline",
     "lane": "lane3", "device": "ts3", "direction": "", "credential": "",
     "decision": "", "reason": "", "reason_text": "", "actor": "",
     "detail": "timed out"},
]
DEVICES = [
    {"name": "ts1", "kind": "turnstile", "link": "bus1", "online": True,
     "state": "idle", "fault_code": 0, "entry_count": 120, "exit_count": 97,
     "failures": 0, "reason": "", "since_ms": T0},
    {"name": "ts3", "kind": "turnstile", "link": "tcp1", "online": False,
     "state": "offline", "fault_code": 0, "entry_count": 5,
     "exit_count": 4, "failures": 7, "reason": "connection refused",
     "since_ms": T0 + 1000},
    {"name": "rd1-in", "kind": "reader", "link": "rd1-in", "online": True,
     "state": "ok", "fault_code": 0, "entry_count": 0, "exit_count": 0,
     "failures": 0, "rejects": 12, "reason": "", "since_ms": T0},
]
ALERTS = [
    {"id": 7, "raised_ms": T0, "cleared_ms": 0, "source": "ts3",
     "kind": "offline", "severity": "urgent",
     "message": "ts3 stopped answering"},
]
ALERTS_ALL = ALERTS + [
    {"id": 6, "raised_ms": T0 - 3600000, "cleared_ms": T0 - 1800000,
     "source": "ts1", "kind": "fault", "severity": "warning",
     "message": "ts1 jammed", "acked_ms": T0 - 3500000, "acked_by": "eng1"},
]
CARDS = [
    {"uid": "0A00123456", "holder": "Jane Doe", "enabled": True,
     "valid_from_ms": 0, "valid_until_ms": utc_ms(2027, 1, 1),
     "created_by": "desk", "created_ms": T0},
    {"uid": "BEEF0001", "holder": "\x1b[31mMallory", "enabled": False,
     "valid_from_ms": utc_ms(2026, 11, 1), "valid_until_ms": 0,
     "created_by": "desk", "created_ms": T0},
]
STATUS = {"site": "Demo Tower", "version": "0.1.0", "pid": 4242,
          "started_ms": utc_ms(2026, 11, 23, 18), "devices": 6, "online": 5,
          "lanes": 3}
STATS = {"latency_ns": {"count": 12, "p50": 1500000, "p99": 4000000,
                        "max": 5250000},
         "events_committed": 420, "reader_rejects": 2}

SCRIPT = {
    "status": {"reply": {"ok": True, "data": STATUS}},
    "events": {"reply": {"ok": True, "data": EVENTS}},
    "devices": {"reply": {"ok": True, "data": DEVICES}},
    "alerts": {"reply": {"ok": True, "data": ALERTS}},
    "card.add": {"reply": {"ok": True, "data": CARDS[0]}},
    "card.remove": {"reply": {"ok": True, "data": {"uid": "0A00123456"}}},
    "card.list": {"reply": {"ok": True, "data": CARDS}},
    "lane.open": {"reply": {"ok": True, "data": {
        "lane": "lane1", "direction": "entry", "event_id": 99}}},
    "stats": {"reply": {"ok": True, "data": STATS}},
}


class Fake:
    """The fake server, its script and its log, in a temporary directory."""

    def __init__(self, tmp):
        self.sock = os.path.join(tmp, "control.sock")
        self.script = os.path.join(tmp, "script.json")
        self.log = os.path.join(tmp, "requests.log")
        self.set(SCRIPT)
        open(self.log, "w").close()
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(HERE, "fake_lobbyd.py"),
             self.sock, self.script, self.log])
        deadline = time.monotonic() + 5
        while not os.path.exists(self.sock):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("fake_lobbyd did not start")
            time.sleep(0.02)

    def set(self, script):
        tmp = self.script + ".new"
        with open(tmp, "w") as f:
            json.dump(script, f)
        os.rename(tmp, self.script)

    def with_cmd(self, cmd, what):
        s = dict(SCRIPT)
        s[cmd] = what
        self.set(s)

    def entries(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


def env(extra=None):
    e = dict(os.environ)
    e["TZ"] = "UTC"
    e.pop("LOBBYD_SOCKET", None)
    if extra:
        e.update(extra)
    return e


def run(fake, *args, sock=True, extra_env=None, stdin=""):
    """Runs lobbyctl with stdin as its standard input; returns (status,
    stdout, stderr, the requests it sent)."""
    before = len(fake.entries())
    argv = [LOBBYCTL] + (["-s", fake.sock] if sock else []) + list(args)
    p = subprocess.run(argv, capture_output=True, text=True, input=stdin,
                       timeout=RUN_TIMEOUT, env=env(extra_env))
    new = fake.entries()[before:]
    return p.returncode, p.stdout, p.stderr, new


def requests(new):
    return [e["request"] for e in new if "request" in e]


def cols(line):
    return re.split(r"  +", line.strip())


def find_row(out, first):
    for line in out.splitlines():
        if line.lstrip().startswith(first):
            return cols(line)
    return None


def test_status(fake):
    rc, out, err, new = run(fake, "status")
    check("status exits 0", rc == 0, err)
    check("status request", requests(new) == [{"cmd": "status", "args": {}}],
          new)
    check("status shows the site", re.search(r"^site: +Demo Tower$", out,
                                              re.M), out)
    check("status shows started in local time",
          re.search(r"^started: +2026-11-23 18:00:00$", out, re.M), out)
    check("status shows devices", re.search(r"^devices: +6$", out, re.M), out)
    rc, out, err, new = run(fake, "--json", "status")
    check("status --json parses to the data",
          rc == 0 and json.loads(out) == STATUS, out + err)
    rc, out, err, new = run(fake, "status", "--json")
    check("--json after the command", rc == 0 and json.loads(out) == STATUS,
          out + err)
    # $LOBBYD_SOCKET when there is no -s.
    rc, out, err, new = run(fake, "status", sock=False,
                            extra_env={"LOBBYD_SOCKET": fake.sock})
    check("$LOBBYD_SOCKET is used", rc == 0 and len(requests(new)) == 1, err)


def test_events(fake):
    rc, out, err, new = run(fake, "events")
    check("events exits 0", rc == 0, err)
    check("events request", requests(new) == [{"cmd": "events", "args": {}}],
          new)
    lines = out.splitlines()
    check("events header", lines and cols(lines[0]) == [
        "TIME", "LANE", "DEVICE", "DIR", "CARD", "RESULT", "REASON", "BY"],
        lines[:1])
    check("events: access row", find_row(out, "2026-11-23 18:02:03") == [
        "2026-11-23 18:02:03", "lane1", "rd1-in", "entry", "0A00123456",
        "granted", "Access granted"], out)
    check("events: passage row", find_row(out, "2026-11-23 18:02:11") == [
        "2026-11-23 18:02:11", "lane1", "ts1", "entry", "passed"], out)
    check("events: manual open row", find_row(out, "2026-11-23 18:03:03") == [
        "2026-11-23 18:03:03", "lane2", "ts2", "exit", "manual open",
        "Opened by hand: stuck visitor", "alice"], out)
    # Columns line up with the header.
    if len(lines) == 4:
        check("events: columns aligned",
              lines[0].index("DEVICE") == lines[1].index("rd1-in") ==
              lines[2].index("ts1") and lines[0].index("RESULT") ==
              lines[1].index("granted") == lines[2].index("passed"), out)
    else:
        check("events: 4 lines", False, out)
    check("events: no trailing blanks",
          all(not l.endswith(" ") for l in lines), out)

    rc, out, err, new = run(fake, "events", "--json")
    check("events --json parses to the data",
          rc == 0 and json.loads(out) == EVENTS, out + err)

    rc, out, err, new = run(fake, "events", "--since", "2026-11-23 18:00",
                            "--lane", "lane1", "--limit", "5")
    check("events with filters: request", requests(new) == [
        {"cmd": "events", "args": {"since_ms": utc_ms(2026, 11, 23, 18),
                                   "lane": "lane1", "limit": 5}}], new)
    t0 = int(time.time() * 1000)
    rc, out, err, new = run(fake, "events", "--since=2h")
    t1 = int(time.time() * 1000)
    req = requests(new)
    since = req[0]["args"].get("since_ms", -1) if req else -1
    check("events --since 2h is two hours ago",
          t0 - 7200000 - 1000 <= since <= t1 - 7200000, (since, t0))

    fake.with_cmd("events", {"reply": {"ok": True, "data": []}})
    rc, out, err, new = run(fake, "events")
    check("events: none", rc == 0 and out.strip() == "no events", out + err)
    fake.set(SCRIPT)


def test_event_pages(fake):
    """A list in pages: each next request asks for the rows after the
    cursor and only as many as still wanted; the pages print as one table
    or one JSON list; --limit is never exceeded."""
    rows = EVENTS + [dict(EVENTS[0], id=50, ts_ms=EVENTS[0]["ts_ms"] + 180000),
                     dict(EVENTS[1], id=51, ts_ms=EVENTS[1]["ts_ms"] + 240000)]
    pages = [{"ok": True, "data": rows[:2], "more": "c1"},
             {"ok": True, "data": rows[2:4], "more": "c2"},
             {"ok": True, "data": rows[4:]}]
    fake.with_cmd("events", {"replies": pages})
    rc, out, err, new = run(fake, "events", "--limit", "10", "--card",
                            "0a00123456")
    check("pages: exits 0", rc == 0, err)
    check("pages: each request after the last cursor, for what is left",
          requests(new) == [
              {"cmd": "events", "args": {"card": "0A00123456", "limit": 10}},
              {"cmd": "events", "args": {"card": "0A00123456", "limit": 8,
                                         "after": "c1"}},
              {"cmd": "events", "args": {"card": "0A00123456", "limit": 6,
                                         "after": "c2"}}], new)
    lines = out.splitlines()
    check("pages: one header, then every row in order",
          len(lines) == 1 + len(rows) and lines[0].startswith("TIME") and
          [cols(l)[0] for l in lines[1:]] == [
              "2026-11-23 18:02:03", "2026-11-23 18:02:11",
              "2026-11-23 18:03:03", "2026-11-23 18:05:03",
              "2026-11-23 18:06:11"], out)
    check("pages: later pages line up with the first",
          len({l.index("lane") for l in lines[1:] if "lane" in l}) == 1 and
          lines[0].index("LANE") == lines[1].index("lane"), out)
    rc, out, err, new = run(fake, "--json", "events", "--limit", "10")
    check("pages --json: one list of every row",
          rc == 0 and json.loads(out) == rows, out + err)

    # lobbyd handing back more than asked: lobbyctl still stops at --limit.
    rc, out, err, new = run(fake, "--json", "events", "--limit", "3")
    check("pages: --limit 3 shows 3 and asks no further",
          rc == 0 and json.loads(out) == rows[:3] and len(requests(new)) == 2,
          (out, requests(new)))
    rc, out, err, new = run(fake, "events", "--person", "12", "--until",
                            "2026-11-23", "--limit", "2")
    check("events --person --until: request", requests(new) == [
        {"cmd": "events", "args": {"until_ms": utc_ms(2026, 11, 24),
                                   "person": 12, "limit": 2}}], new)
    check("events --limit 2: 2 rows", len(out.splitlines()) == 3, out)
    fake.set(SCRIPT)


def test_devices_alerts(fake):
    rc, out, err, new = run(fake, "devices")
    check("devices request", rc == 0 and requests(new) == [
        {"cmd": "devices", "args": {}}], (rc, err, new))
    check("devices: online row", find_row(out, "ts1") == [
        "ts1", "turnstile", "bus1", "online idle", "120", "97",
        "2026-11-23 18:02:03"], out)
    check("devices: offline row", find_row(out, "ts3") == [
        "ts3", "turnstile", "tcp1", "offline", "5", "4",
        "2026-11-23 18:02:04", "connection refused (7 failures)"], out)
    check("devices: reader row shows bad reads, no counters", find_row(out, "rd1-in") == [
        "rd1-in", "reader", "rd1-in", "online ok", "12", "2026-11-23 18:02:03"], out)
    check("devices header", out.startswith("NAME"), out)
    # SINCE is when the state shown began: a fault's start, an input's change.
    fake.with_cmd("devices", {"reply": {"ok": True, "data": DEVICES + [
        {"name": "ts2", "kind": "turnstile", "link": "bus1", "online": True,
         "state": "fault", "fault_code": 17, "entry_count": 3, "exit_count": 2,
         "failures": 0, "reason": "", "since_ms": T0,
         "fault_since_ms": T0 + 7000, "state_since_ms": T0 + 7000},
        {"name": "fire-panel", "kind": "input", "link": "bus1", "online": True,
         "state": "active", "fault_code": 0, "failures": 0, "reason": "",
         "since_ms": T0, "fault_since_ms": 0, "state_since_ms": T0 + 60000}]}})
    rc, out, err, new = run(fake, "devices")
    check("devices: a fault shows when it began", find_row(out, "ts2") == [
        "ts2", "turnstile", "bus1", "online fault", "17", "3", "2",
        "2026-11-23 18:02:10"], out)
    check("devices: an input shows active and since when", find_row(out, "fire-panel") == [
        "fire-panel", "input", "bus1", "online active", "2026-11-23 18:03:03"], out)
    fake.set(SCRIPT)

    rc, out, err, new = run(fake, "alerts")
    check("alerts request", rc == 0 and requests(new) == [
        {"cmd": "alerts", "args": {}}], (rc, err, new))
    check("alerts row", find_row(out, "ID") == [
        "ID", "RAISED", "SEVERITY", "SOURCE", "KIND", "STATE", "MESSAGE"] and
        find_row(out, "7") == ["7", "2026-11-23 18:02:03", "urgent", "ts3",
                               "offline", "open", "ts3 stopped answering"], out)
    fake.with_cmd("alerts", {"reply": {"ok": True, "data": ALERTS_ALL}})
    rc, out, err, new = run(fake, "alerts", "--all")
    check("alerts --all request", rc == 0 and requests(new) == [
        {"cmd": "alerts", "args": {"all": True}}], (rc, err, new))
    check("alerts --all shows CLEARED", find_row(out, "6") == [
        "6", "2026-11-23 17:02:03", "2026-11-23 17:32:03", "warning", "ts1",
        "fault", "acked by eng1", "ts1 jammed"] and "CLEARED" in out.splitlines()[0], out)
    fake.set(SCRIPT)


def test_cards(fake):
    rc, out, err, new = run(fake, "card", "add", "0a00123456", "--holder",
                            "Jane Doe", "--from", "2026-11-23 08:00",
                            "--until", "2026-12-31")
    check("card add exits 0", rc == 0, err)
    check("card add request", requests(new) == [
        {"cmd": "card.add", "args": {
            "uid": "0A00123456", "holder": "Jane Doe", "enabled": True,
            "valid_from_ms": utc_ms(2026, 11, 23, 8),
            "valid_until_ms": utc_ms(2027, 1, 1)}}], new)
    check("card add shows the card", find_row(out, "0A00123456") == [
        "0A00123456", "Jane Doe", "yes", "-", "2027-01-01 00:00:00"], out)

    t0 = int(time.time() * 1000)
    rc, out, err, new = run(fake, "card", "add", "beef0001", "--holder", "Bob",
                            "--until", "+8h", "--disabled")
    t1 = int(time.time() * 1000)
    req = requests(new)
    args = req[0]["args"] if req else {}
    check("card add --until +8h",
          t0 + 8 * 3600000 - 1000 <= args.get("valid_until_ms", 0) <=
          t1 + 8 * 3600000, (args, t0))
    check("card add --disabled", args.get("enabled") is False and
          "valid_from_ms" not in args and args.get("uid") == "BEEF0001", args)

    rc, out, err, new = run(fake, "card", "remove", "0a00123456")
    check("card remove", rc == 0 and requests(new) == [
        {"cmd": "card.remove", "args": {"uid": "0A00123456"}}] and
        "0A00123456" in out, (rc, out, err, new))

    rc, out, err, new = run(fake, "card", "list")
    check("card list request", rc == 0 and requests(new) == [
        {"cmd": "card.list", "args": {}}], (rc, err, new))
    check("card list rows", find_row(out, "UID") == [
        "UID", "HOLDER", "ENABLED", "FROM", "UNTIL", "FLOORS"] and
        find_row(out, "BEEF0001") == ["BEEF0001", "?[31mMallory", "no",
                                      "2026-11-01 00:00:00", "-"], out)
    check("no escape sequence reaches the terminal", "\x1b" not in out, out)
    rc, out, err, new = run(fake, "--json", "card", "list")
    check("card list --json", rc == 0 and json.loads(out) == CARDS, out + err)
    rc, out, err, new = run(fake, "card", "list", "--find", "明华")
    check("card list --find request", rc == 0 and requests(new) == [
        {"cmd": "card.list", "args": {"find": "明华"}}], (rc, err, new))
    for argv in (["card", "list", "--find", " "], ["card", "list", "--find", "a\tb"],
                 ["card", "list", "--find", "x" * 64], ["card", "remove", "0A00", "--find", "x"]):
        rc, out, err, new = run(fake, *argv)
        check("bad --find %r exits 2 unasked" % argv[3:], rc == 2 and not requests(new),
              (rc, err, new))


def test_lane_stats(fake):
    rc, out, err, new = run(fake, "lane", "open", "lane1", "entry",
                            "--reason", "stuck visitor")
    check("lane open request", rc == 0 and requests(new) == [
        {"cmd": "lane.open", "args": {"lane": "lane1", "direction": "entry",
                                      "reason": "stuck visitor"}}],
          (rc, err, new))
    check("lane open says so", "lane1" in out and "99" in out, out)
    check("a plain open does not say forced", "forced" not in out, out)
    fake.with_cmd("lane.open", {"reply": {"ok": True, "data": {
        "lane": "lane1", "direction": "entry", "event_id": 100, "forced": True}}})
    rc, out, err, new = run(fake, "lane", "open", "lane1", "entry",
                            "--reason", "jammed with a child inside", "--force")
    check("lane open --force request", rc == 0 and requests(new) == [
        {"cmd": "lane.open", "args": {"lane": "lane1", "direction": "entry",
                                      "reason": "jammed with a child inside",
                                      "force": True}}], (rc, err, new))
    check("lane open --force says so", "forced" in out and "100" in out, out)
    fake.with_cmd("lane.open", SCRIPT["lane.open"])
    rc, out, err, new = run(fake, "lane", "open", "lane1", "entry",
                            "--reason", "x", "--force=yes")
    check("--force takes no value", rc == 2 and not requests(new), (rc, err))

    rc, out, err, new = run(fake, "stats")
    check("stats request", rc == 0 and requests(new) == [
        {"cmd": "stats", "args": {}}], (rc, err, new))
    check("stats latency in ms",
          re.search(r"^latency p50: +1\.500 ms$", out, re.M) and
          re.search(r"^latency count: +12$", out, re.M), out)
    check("stats counters",
          re.search(r"^events committed: +420$", out, re.M), out)
    rc, out, err, new = run(fake, "stats", "--json")
    check("stats --json", rc == 0 and json.loads(out) == STATS, out + err)


def test_failures(fake):
    fake.with_cmd("card.remove", {"reply": {
        "ok": False, "error": "no card 0A00123456"}})
    rc, out, err, new = run(fake, "card", "remove", "0A00123456")
    check("refusal exits 1 with lobbyd's words",
          rc == 1 and err.strip() == "lobbyctl: no card 0A00123456" and
          out == "", (rc, out, err))

    for what, raw in (("not JSON", "this is not json\n"),
                      ("no ok", '{"data": []}\n'),
                      ("not an object", "[1, 2]\n"),
                      ("data of the wrong shape", '{"ok": true, "data": 5}\n'),
                      ("trailing bytes", '{"ok": true, "data": []} x\n'),
                      ("closed without a reply", "")):
        fake.with_cmd("events", {"raw": raw, "close": True})
        rc, out, err, new = run(fake, "events")
        check("bad reply (%s) exits 1" % what,
              rc == 1 and (err.startswith("lobbyctl: bad reply from lobbyd")
                           or "without a reply" in err), (rc, out, err))
    fake.set(SCRIPT)

    missing = os.path.join(os.path.dirname(fake.sock), "nowhere.sock")
    p = subprocess.run([LOBBYCTL, "-s", missing, "status"],
                       capture_output=True, text=True, timeout=RUN_TIMEOUT,
                       env=env())
    check("missing socket exits 3 naming it", p.returncode == 3 and
          err_is(p.stderr, "lobbyctl: cannot connect to %s: "
                 "No such file or directory" % missing), (p.returncode,
                                                           p.stderr))


def err_is(err, want):
    return err.strip() == want


def test_usage(fake):
    cases = [
        ([], None),
        (["bogus"], "unknown command"),
        (["events", "--since", "xyz"],
         'lobbyctl: --since: cannot read "xyz" as a time (YYYY-MM-DD '
         '[HH:MM], HH:MM, 15m, 2h, 3d)'),
        (["events", "--since", "+2h"], "cannot read"),
        (["events", "--limit", "0"], "--limit"),
        (["events", "--limit", "10000001"], "--limit"),
        (["events", "--card", "xyz"], "--card"),
        (["events", "--person", "-3"], "--person"),
        (["events", "--out", "f.csv"], "does not apply"),
        (["events", "export"], "--until T is needed"),
        (["events", "export", "--until", "+2h"], "cannot read"),
        (["events", "export", "--until", "2h", "--since", "1h"],
         "not before"),
        (["--json", "events", "export", "--until", "2h"], "--json"),
        (["events", "export", "--until", "2h", "--limit", "3"],
         "does not apply"),
        (["events", "--bogus"], "unknown option"),
        (["status", "--follow"], "does not apply"),
        (["status", "extra"], "unexpected argument"),
        (["card", "add", "12zz", "--holder", "X"], "hex digits"),
        (["card", "add", "abc", "--holder", "X"], "hex digits"),
        (["card", "add", "ABCD"], "--holder"),
        (["card", "add", "ABCD", "--holder", ""], "--holder"),
        (["card", "add", "ABCD", "--holder", "X", "--until", "soon"],
         "--until"),
        (["card", "add", "ABCD", "--holder", "X", "--from", "2026-11-24",
          "--until", "2026-11-23 12:00"], "not after"),
        (["card", "remove"], "which card"),
        (["card", "frobnicate"], "unknown command"),
        (["lane", "open", "lane1", "sideways", "--reason", "x"],
         "entry or exit"),
        (["lane", "open", "lane1", "entry"], "--reason"),
        (["lane", "open", "lane1", "entry", "--reason", "  "], "--reason"),
        (["lane", "open", "lane1", "entry", "--reason", "a\nb"], "--reason"),
        (["events", "--since"], "needs a value"),
    ]
    for argv, want in cases:
        rc, out, err, new = run(fake, *argv)
        check("usage error %s exits 2" % argv, rc == 2, (rc, err))
        check("usage error %s does not connect" % argv, new == [], new)
        if want is not None and want.startswith("lobbyctl:"):
            check("usage error %s message" % argv, err_is(err, want), err)
        elif want is not None:
            check("usage error %s message" % argv, want in err, err)
    p = subprocess.run([LOBBYCTL, "--help"], capture_output=True, text=True,
                       timeout=RUN_TIMEOUT, env=env())
    check("--help exits 0 with the usage",
          p.returncode == 0 and p.stdout.startswith("usage: lobbyctl") and
          "lane open LANE entry|exit --reason TEXT" in p.stdout, p.stdout)


def read_until(proc, needle, seconds):
    """Reads proc's stdout until needle shows up or time runs out."""
    buf = ""
    deadline = time.monotonic() + seconds
    fd = proc.stdout.fileno()
    while needle not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buf += chunk.decode("utf-8", "replace")
    return buf


def test_follow(fake):
    fake.with_cmd("events", {"reply": {"ok": True, "data": EVENTS[:1]},
                             "push": [{"event": e} for e in PUSHED],
                             "push_delay": 0.2})
    rc, out, err, new = run(fake, "events", "--follow")
    check("events --follow exits 0 when lobbyd closes", rc == 0, err)
    check("events --follow request", requests(new) == [
        {"cmd": "events", "args": {"follow": True}}], new)
    lines = out.splitlines()
    check("events --follow: initial then pushed rows", len(lines) == 4 and
          lines[1].startswith("2026-11-23 18:02:03") and
          cols(lines[2]) == ["2026-11-23 18:04:03", "lane2", "rd2-in",
                             "entry", "BEEF0001", "denied",
                             "Card not known"] and
          cols(lines[3]) == ["2026-11-23 18:05:03", "lane3", "ts3",
                             "offline", "timed out"], out)
    check("events --follow: pushed rows line up",
          len(lines) == 4 and lines[0].index("RESULT") ==
          lines[2].index("denied") == lines[3].index("offline"), out)

    rc, out, err, new = run(fake, "events", "--follow", "--json")
    got = [json.loads(l) for l in out.splitlines()] if rc == 0 else None
    check("events --follow --json: one object a line",
          got == EVENTS[:1] + PUSHED, out + err)

    fake.with_cmd("events", {"reply": {"ok": True, "data": []},
                             "push": [{"event": PUSHED[0]}, {"bogus": 1}]})
    rc, out, err, new = run(fake, "events", "--follow")
    check("events --follow: a bad update exits 1",
          rc == 1 and "bad reply" in err and "BEEF0001" in out,
          (rc, out, err))

    # Held open: lobbyctl keeps following until SIGINT, then exits 0.
    alert = dict(ALERTS[0], id=8, message="ts1 jammed again")
    fake.with_cmd("alerts", {"reply": {"ok": True, "data": ALERTS},
                             "push": [{"alert": alert}], "push_delay": 0.1,
                             "hold": True})
    proc = subprocess.Popen([LOBBYCTL, "-s", fake.sock, "alerts", "--follow"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env())
    try:
        out = read_until(proc, "ts1 jammed again", 5)
        check("alerts --follow prints the pushed alert",
              "ts3 stopped answering" in out and "ts1 jammed again" in out,
              out)
        check("alerts --follow keeps running", proc.poll() is None)
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=5)
        check("alerts --follow exits 0 on SIGINT", rc == 0, rc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        proc.stdout.close()
        proc.stderr.close()
    fake.set(SCRIPT)


# ---- the front desk -------------------------------------------------------

PERSON = {"id": 5, "kind": "tenant_staff", "status": "active",
          "name": "Ann Lee", "id_type": "passport", "id_mask": "E1****78",
          "company": "Acme", "unit": "12A", "schedule": "office",
          "created_ms": T0, "created_by": "desk1", "purged": False}
PASS = {"id": 9, "person": 5, "name": "Ann Lee", "kind": "tenant_staff",
        "credential": "0A00123456", "state": "active", "valid_from_ms": T0,
        "valid_until_ms": utc_ms(2026, 12, 1), "lanes": "lane1,lane2",
        "floors": "3,5-7", "single_entry": False, "used": False, "permit": 0,
        "issued_ms": T0, "issued_by": "desk1", "confirmed_ms": 0,
        "confirmed_by": "", "ended_ms": 0, "ended_by": "", "end_reason": "",
        "class": "", "host": "", "unit": "12A", "purpose": "", "party": 0,
        "appointment": False, "override_by": "", "id_mask": "E1****78"}
VISIT = dict(PASS, id=11, person=6, name="Bo Chan", kind="visitor",
             credential="", state="pending", code="V7KQ2M9X",
             valid_until_ms=utc_ms(2026, 11, 24), host="Ann Lee",
             unit="12A", **{"class": "ordinary"}, purpose="meeting", party=2)
PERMIT = {"id": 3, "unit": "12A", "company": "Fix-It, Ltd", "from": 20261201,
          "until": 20261215, "days": "mon-fri",
          "hours": "08:00-12:00,14:00-18:00", "floor": 12, "fees_paid": True,
          "state": "active", "created_ms": T0, "created_by": "desk1",
          "updated_ms": T0, "updated_by": "desk1", "passes": 2}
WATCH = {"id": 4, "id_type": "resident_card", "id_mask": "4403****1234",
         "name": "M. Smith", "note": "bulletin 12", "added_ms": T0,
         "added_by": "mgr"}
INSIDE = [
    {"person": 5, "name": "Ann Lee", "kind": "tenant_staff",
     "id_mask": "E1****78", "unit": "12A", "zone": "lobby",
     "since_ms": T0, "lane": "lane1"},
    {"person": 7, "name": "Lee, \"Big\" Tom", "kind": "contractor",
     "id_mask": "", "unit": "", "zone": "floor12",
     "since_ms": T0 + 60000, "lane": "lane2\nback"},
]
SHIFTS = [
    {"id": 1, "ts_ms": T0, "actor": "guard1", "kind": "note",
     "text": "side door sticks"},
    {"id": 2, "ts_ms": T0 + 60000, "actor": "guard1", "kind": "handover",
     "text": "2 visitors still inside\nalert 7 open"},
]

DESK_SCRIPT = dict(SCRIPT)
DESK_SCRIPT.update({
    "person.add": {"reply": {"ok": True, "data": PERSON}},
    "person.list": {"reply": {"ok": True, "data": [PERSON]}},
    "person.show": {"reply": {"ok": True, "data": dict(PERSON,
                                                       passes=[PASS])}},
    "person.status": {"reply": {"ok": True, "data": dict(
        PERSON, status="suspended")}},
    "pass.issue": {"reply": {"ok": True, "data": PASS}},
    "pass.list": {"reply": {"ok": True, "data": [PASS, VISIT]}},
    "pass.show": {"reply": {"ok": True, "data": PASS}},
    "pass.extend": {"reply": {"ok": True, "data": PASS}},
    "pass.revoke": {"reply": {"ok": True, "data": dict(PASS,
                                                       state="revoked")}},
    "visitor.register": {"reply": {"ok": True, "data": VISIT}},
    "visitor.confirm": {"reply": {"ok": True, "data": dict(
        VISIT, state="active")}},
    "visitor.list": {"reply": {"ok": True, "data": [VISIT]}},
    "permit.add": {"reply": {"ok": True, "data": PERMIT}},
    "permit.list": {"reply": {"ok": True, "data": [PERMIT]}},
    "permit.set": {"reply": {"ok": True, "data": dict(
        PERMIT, state="suspended", passes_ended=2)}},
    "contractor.add": {"reply": {"ok": True, "data": dict(
        PASS, id=12, kind="contractor", permit=3)}},
    "watchlist.add": {"reply": {"ok": True, "data": WATCH}},
    "watchlist.remove": {"reply": {"ok": True, "data": {"id": 4}}},
    "watchlist.list": {"reply": {"ok": True, "data": [WATCH]}},
    "inside": {"reply": {"ok": True, "data": INSIDE}},
    "shift.note": {"reply": {"ok": True, "data": SHIFTS[0]}},
    "shift.handover": {"reply": {"ok": True, "data": SHIFTS[1]}},
    "shift.log": {"reply": {"ok": True, "data": SHIFTS}},
})

SECRET = "E12345678"

DESK_REQUESTS = [
    (["person", "add", "--kind", "tenant_staff", "--name", "Ann Lee",
      "--id-type", "passport", "--id", "-", "--company", "Acme",
      "--unit", "12A", "--schedule", "office"],
     "person.add", {"kind": "tenant_staff", "name": "Ann Lee",
                    "id_type": "passport", "id_number": SECRET,
                    "company": "Acme", "unit": "12A", "schedule": "office"}),
    (["person", "add", "--kind", "contractor", "--name", "Bo"],
     "person.add", {"kind": "contractor", "name": "Bo"}),
    (["person", "list"], "person.list", {}),
    (["person", "show", "5"], "person.show", {"id": 5}),
    (["person", "suspend", "5", "--reason", "left the company"],
     "person.status", {"id": 5, "status": "suspended",
                       "reason": "left the company"}),
    (["person", "terminate", "5", "--reason", "x"],
     "person.status", {"id": 5, "status": "terminated", "reason": "x"}),
    (["person", "activate", "5", "--reason", "back"],
     "person.status", {"id": 5, "status": "active", "reason": "back"}),
    (["pass", "issue", "--person", "5", "--card", "0a00123456",
      "--from", "2026-11-23 18:00", "--until", "2026-11-30",
      "--lanes", "lane1,lane2", "--floors", "7,5-6,3", "--single"],
     "pass.issue", {"person": 5, "credential": "0A00123456",
                    "valid_from_ms": utc_ms(2026, 11, 23, 18),
                    "valid_until_ms": utc_ms(2026, 12, 1),
                    "lanes": "lane1,lane2", "floors": "3,5-7",
                    "single_entry": True}),
    (["pass", "list"], "pass.list", {}),
    (["pass", "list", "--all"], "pass.list", {"all": True}),
    (["pass", "show", "9"], "pass.show", {"id": 9}),
    (["pass", "extend", "9", "--until", "2026-12-24 18:30"],
     "pass.extend", {"id": 9, "valid_until_ms": utc_ms(2026, 12, 24, 18, 30)}),
    (["pass", "revoke", "9", "--reason", "lost card"],
     "pass.revoke", {"id": 9, "reason": "lost card"}),
    (["visitor", "register", "--name", "Bo Chan", "--id-type",
      "resident_card", "--id", "-", "--host-unit", "12A", "--host",
      "Ann Lee", "--class", "ordinary", "--purpose", "meeting", "--party",
      "2", "--until", "2026-11-24", "--appointment", "--floors", "12",
      "--card", "beef0001"],
     "visitor.register", {"name": "Bo Chan", "id_type": "resident_card",
                          "id_number": SECRET, "host_unit": "12A",
                          "host": "Ann Lee", "class": "ordinary",
                          "purpose": "meeting", "party": 2,
                          "valid_until_ms": utc_ms(2026, 11, 25),
                          "appointment": True, "floors": "12",
                          "card": "BEEF0001"}),
    (["visitor", "register", "--name", "S", "--id-type", "other", "--id",
      "-", "--host-unit", "3", "--host", "H", "--class", "service",
      "--purpose", "p", "--category", "sales", "--override", "expected"],
     "visitor.register", {"name": "S", "id_type": "other", "id_number": "X1",
                          "host_unit": "3", "host": "H", "class": "service",
                          "purpose": "p", "category": "sales",
                          "override": "expected"}),
    (["visitor", "confirm", "11"], "visitor.confirm", {"id": 11}),
    (["visitor", "list"], "visitor.list", {}),
    (["visitor", "list", "--today"], "visitor.list", {"today": True}),
    (["permit", "add", "--unit", "12A", "--company", "Fix-It, Ltd",
      "--from", "2026-12-01", "--until", "2026-12-15", "--days", "mon-fri",
      "--hours", "08:00-12:00,14:00-18:00", "--floor", "12", "--paid"],
     "permit.add", {"unit": "12A", "company": "Fix-It, Ltd",
                    "from": 20261201, "until": 20261215, "days": "mon-fri",
                    "hours": "08:00-12:00,14:00-18:00", "floor": 12,
                    "fees_paid": True}),
    (["permit", "list"], "permit.list", {}),
    (["permit", "suspend", "3"], "permit.set", {"id": 3, "state": "suspended"}),
    (["permit", "close", "3"], "permit.set", {"id": 3, "state": "closed"}),
    (["permit", "resume", "3"], "permit.set", {"id": 3, "state": "active"}),
    (["permit", "paid", "3"], "permit.set", {"id": 3, "fees_paid": True}),
    (["contractor", "add", "--permit", "3", "--name", "Tom", "--id-type",
      "passport", "--id", "-", "--card", "abcd1234", "--company", "Fix"],
     "contractor.add", {"permit": 3, "name": "Tom", "id_type": "passport",
                        "id_number": SECRET, "credential": "ABCD1234",
                        "company": "Fix"}),
    (["watchlist", "add", "--id-type", "resident_card", "--id", "-",
      "--name", "M. Smith", "--note", "bulletin 12"],
     "watchlist.add", {"id_type": "resident_card", "id_number": SECRET,
                       "name": "M. Smith", "note": "bulletin 12"}),
    (["watchlist", "remove", "4"], "watchlist.remove", {"id": 4}),
    (["watchlist", "list"], "watchlist.list", {}),
    (["inside"], "inside", {}),
    (["inside", "--zone", "lobby", "--csv"], "inside", {"zone": "lobby"}),
    (["shift", "note", "side door sticks"], "shift.note",
     {"text": "side door sticks"}),
    (["shift", "handover"], "shift.handover", {}),
    (["shift", "handover", "--note", "quiet night"], "shift.handover",
     {"note": "quiet night"}),
    (["shift", "log", "--since", "2026-11-23 08:00"], "shift.log",
     {"since_ms": utc_ms(2026, 11, 23, 8)}),
]

VISIT_ARGS = ["visitor", "register", "--name", "B", "--id-type", "passport",
              "--id", "-", "--host-unit", "12A", "--host", "H",
              "--class", "vip", "--purpose", "p"]
PERMIT_ARGS = ["permit", "add", "--unit", "12A", "--company", "C",
               "--days", "mon-fri", "--hours", "08:00-12:00", "--floor", "3"]

DESK_USAGE = [
    (["person"], "person: what to do? (add, list, show, suspend, terminate, "
     "activate)"),
    (["person", "fire"], 'person: unknown command "fire"'),
    (["person", "show"], "person show: ID is needed"),
    (["person", "show", "x"], 'ID: "x" is not a record number'),
    (["person", "show", "0"], "is not a record number"),
    (["person", "show", "5", "6"], 'unexpected argument "6"'),
    (["person", "add", "--name", "A"], "person add: --kind is needed"),
    (["person", "add", "--kind", "visitor", "--name", "A"],
     '--kind: "visitor" is not one of tenant_staff, property_staff, '
     'contractor'),
    (["person", "add", "--kind", "contractor", "--name", " "],
     "--name: must not be empty"),
    (["person", "add", "--kind", "contractor", "--name", "A" * 64],
     "--name: too long"),
    (["person", "add", "--kind", "contractor", "--name", "A",
      "--id", "-"], "--id-type and --id go together"),
    (["person", "add", "--kind", "contractor", "--name", "A",
      "--id-type", "passport", "--id", "-"], "--id: ", SECRET + "!\n"),
    (["person", "add", "--kind", "contractor", "--name", "A",
      "--id-type", "passport", "--id", "-"], "--id: ", SECRET * 5 + "\n"),
    (["person", "add", "--kind", "contractor", "--name", "A",
      "--id-type", "licence", "--id", "-"], '--id-type: "licence"'),
    # Never on the command line, where ps and the shell history show it;
    # the message says how to give it, and never says it back.
    (["person", "add", "--kind", "contractor", "--name", "A",
      "--id-type", "passport", "--id", SECRET],
     "--id: an ID number is not taken on the command line"),
    (VISIT_ARGS[:7] + [SECRET] + VISIT_ARGS[8:], "give --id - and type it"),
    (["watchlist", "add", "--id-type", "passport", "--id=" + SECRET],
     "or send it on standard input"),
    (["contractor", "add", "--permit", "3", "--name", "T", "--id-type",
      "passport", "--id", SECRET, "--card", "ABCD"], "--id: an ID number"),
    # --id - with nothing on standard input.
    (VISIT_ARGS, "--id -: nothing to read on standard input", ""),
    (VISIT_ARGS, "--id -: the line on standard input is too long",
     "1" * 300 + "\n"),
    (VISIT_ARGS, "--id: an ID number is 1 to 40", "\n"),
    (["person", "suspend", "5"], "person suspend: --reason is needed"),
    (["person", "list", "--zone", "a"], "person list: --zone does not apply"),
    (["person", "list", "--holder", "a"], "--holder does not apply"),
    (["status", "--floors", "3"], "status: --floors does not apply"),
    (["pass", "issue", "--card", "ABCD"], "pass issue: --person is needed"),
    (["pass", "issue", "--person", "5"], "pass issue: --card is needed"),
    (["pass", "issue", "--person", "5", "--card", "xyz1"], "--card: "),
    (["pass", "issue", "--person", "5", "--card", "ABC"], "hex digits"),
    (["pass", "issue", "--person", "5", "--card", "ABCD", "--floors", "64"],
     '--floors: "64" is not a list of floors'),
    (["pass", "issue", "--person", "5", "--card", "ABCD", "--floors",
      "5-3"], "--floors"),
    (["pass", "issue", "--person", "5", "--card", "ABCD", "--lanes",
      "a,,b"], "--lanes"),
    (["pass", "issue", "--person", "5", "--card", "ABCD", "--from",
      "2026-11-24", "--until", "2026-11-23 12:00"], "--until is not after"),
    (["pass", "issue", "--person", "5", "--card", "ABCD", "--until", "soon"],
     '--until: "soon" cannot be read as a time'),
    (["pass", "issue", "--person", "5", "--card", "ABCD", "--single=yes"],
     "--single takes no value"),
    (["pass", "extend", "9"], "pass extend: --until is needed"),
    (["pass", "list", "--today"], "--today does not apply"),
    (VISIT_ARGS[:-2], "visitor register: --purpose is needed"),
    ([a for a in VISIT_ARGS if a not in ("--id", "-")],
     "visitor register: --id-type and --id go together"),
    (VISIT_ARGS + ["--party", "0"], '--party: "0" is not a number from 1'),
    (VISIT_ARGS + ["--party", "51"], "--party"),
    (VISIT_ARGS + ["--class", "friend"], '--class: "friend"'),
    (VISIT_ARGS + ["--category", "charity"], '--category: "charity"'),
    (VISIT_ARGS + ["--card", "nope"], "--card"),
    (["visitor", "confirm"], "visitor confirm: PASS_ID is needed"),
    (PERMIT_ARGS + ["--from", "2026-02-30", "--until", "2026-03-01"],
     '--from: "2026-02-30" is not a date'),
    (PERMIT_ARGS + ["--from", "2026-03-01", "--until", "2026-3-5"],
     "--until"),
    (PERMIT_ARGS + ["--from", "2026-03-02", "--until", "2026-03-01"],
     "--until is before --from"),
    (PERMIT_ARGS + ["--from", "2026-03-01"], "permit add: --until is needed"),
    ([a if a != "mon-fri" else "fri-mon" for a in PERMIT_ARGS] +
     ["--from", "2026-03-01", "--until", "2026-03-02"], "--days"),
    ([a if a != "08:00-12:00" else "12:00-08:00" for a in PERMIT_ARGS] +
     ["--from", "2026-03-01", "--until", "2026-03-02"], "--hours"),
    (PERMIT_ARGS[:-1] + ["64", "--from", "2026-03-01", "--until",
                         "2026-03-02"], '--floor: "64"'),
    (["permit", "frob", "3"], 'permit: unknown command "frob"'),
    (["contractor", "add", "--name", "T", "--id-type", "passport", "--id",
      "-", "--card", "ABCD"], "contractor add: --permit is needed"),
    (["watchlist", "add", "--id-type", "passport"],
     "watchlist add: --id is needed"),
    (["inside", "--csv", "--json"], "--csv and --json do not go together"),
    (["inside", "--all"], "inside: --all does not apply"),
    (["shift", "note"], "shift note: TEXT is needed"),
    (["shift", "note", "a\x1bb"], "TEXT: control characters"),
    (["shift", "log", "--since", "+2h"], "--since"),
]


def test_desk_requests(fake):
    fake.set(DESK_SCRIPT)
    for argv, cmd, args in DESK_REQUESTS:
        # An ID number comes on standard input, a line end or none after it.
        rc, out, err, new = run(fake, *argv, stdin=args.get("id_number", "") +
                                ("\r\n" if cmd == "watchlist.add" else "\n"))
        check("%s exits 0" % " ".join(argv[:2]), rc == 0, (argv, rc, err))
        check("%s request" % " ".join(argv[:2]), requests(new) == [
            {"cmd": cmd, "args": args}], (argv, new))
    for argv, want, *stdin in DESK_USAGE:
        rc, out, err, new = run(fake, *argv,
                                stdin=stdin[0] if stdin else SECRET + "\n")
        check("desk usage %s exits 2" % argv, rc == 2, (rc, err))
        check("desk usage %s sends nothing" % argv, new == [], new)
        check("desk usage %s message" % argv,
              err.startswith("lobbyctl: ") and want in err, err)
        check("desk usage %s keeps the ID number out" % argv,
              SECRET not in err and SECRET not in out, err)
    fake.set(SCRIPT)


def read_for(fd, needle, seconds):
    """Bytes read from fd until needle is among them or the time is up."""
    got = b""
    end = time.monotonic() + seconds
    while needle not in got and time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:     # a pty whose other side is closed
                break
            if not chunk:
                break
            got += chunk
    return got


def test_id_prompt(fake):
    """--id - on a terminal: a prompt on stderr, the typing not echoed, the
    terminal as it was afterwards; the number reaches lobbyd alone."""
    import termios
    fake.set(DESK_SCRIPT)
    before = len(fake.entries())
    master, slave = os.openpty()
    p = subprocess.Popen([LOBBYCTL, "-s", fake.sock] + VISIT_ARGS[:],
                         stdin=slave, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env())
    try:
        prompt = read_for(p.stderr.fileno(), b"(not shown): ", RUN_TIMEOUT)
        check("--id - prompts on a terminal",
              prompt == b"ID number (not shown): ", prompt)
        check("echo is off while it waits",
              not termios.tcgetattr(slave)[3] & termios.ECHO)
        os.write(master, (SECRET + "\n").encode())
        out, err = p.communicate(timeout=RUN_TIMEOUT)
        echoed = read_for(master, b"never", 0.3)
        check("the number typed is not echoed", SECRET.encode() not in echoed,
              echoed)
        check("prompted register exits 0", p.returncode == 0, (p.returncode, err))
        check("the number typed reaches lobbyd",
              [r["args"].get("id_number") for r in
               requests(fake.entries()[before:])] == [SECRET],
              fake.entries()[before:])
        check("the terminal echoes again afterwards",
              termios.tcgetattr(slave)[3] & termios.ECHO)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)
        os.close(master)
        os.close(slave)
    # Interrupted at the prompt: the terminal is put back all the same.
    master, slave = os.openpty()
    p = subprocess.Popen([LOBBYCTL, "-s", fake.sock] + VISIT_ARGS[:],
                         stdin=slave, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env())
    try:
        read_for(p.stderr.fileno(), b"(not shown): ", RUN_TIMEOUT)
        os.kill(p.pid, signal.SIGINT)
        p.wait(RUN_TIMEOUT)
        check("SIGINT at the prompt ends lobbyctl", p.returncode == -signal.SIGINT,
              p.returncode)
        check("... and gives the echo back",
              termios.tcgetattr(slave)[3] & termios.ECHO)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)
        p.stdout.close()
        p.stderr.close()
        os.close(master)
        os.close(slave)
    fake.set(SCRIPT)


def run_bytes(fake, *args):
    """Runs lobbyctl; (status, stdout, stderr) with line ends as written."""
    p = subprocess.run([LOBBYCTL, "-s", fake.sock] + list(args),
                       capture_output=True, timeout=RUN_TIMEOUT, env=env())
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def kv(out, key):
    m = re.search(r"^%s: +(.*)$" % re.escape(key), out, re.M)
    return m.group(1) if m else None


def test_desk_show(fake):
    fake.set(DESK_SCRIPT)
    rc, out, err, new = run(fake, "pass", "list")
    lines = out.splitlines()
    check("pass list header", rc == 0 and lines and cols(lines[0]) == [
        "ID", "NAME", "KIND", "STATE", "FROM", "UNTIL", "CREDENTIAL", "HOST",
        "UNIT"], out + err)
    check("pass list: a card pass", find_row(out, "9 ") == [
        "9", "Ann Lee", "tenant_staff", "active", "2026-11-23 18:02:03",
        "2026-12-01 00:00:00", "0A00123456", "12A"], out)
    check("pass list: a visitor pass", find_row(out, "11 ") == [
        "11", "Bo Chan", "visitor", "pending", "2026-11-23 18:02:03",
        "2026-11-24 00:00:00", "Ann Lee", "12A"], out)
    check("pass list: columns aligned", len(lines) == 3 and
          lines[0].index("UNTIL") == lines[1].index("2026-12-01") ==
          lines[2].index("2026-11-24"), out)

    rc, out, err, new = run(fake, "pass", "show", "9")
    check("pass show: every field", rc == 0 and kv(out, "pass") == "9" and
          kv(out, "valid until") == "2026-12-01 00:00:00" and
          kv(out, "floors") == "3,5-7" and kv(out, "lanes") == "lane1,lane2"
          and kv(out, "single entry") == "no" and
          kv(out, "issued by") == "desk1" and kv(out, "ended") == "-" and
          kv(out, "ID number") == "E1****78" and
          len(out.splitlines()) == len(PASS), out + err)
    fake.with_cmd("pass.show", {"reply": {"ok": True, "data": dict(
        PASS, floors=(1 << 3) | (7 << 5), new_field="x", later_ms=T0)}})
    rc, out, err, new = run(fake, "pass", "show", "9")
    check("pass show: a floor mask in words, unknown fields as sent",
          kv(out, "floors") == "3,5-7" and kv(out, "new field") == "x" and
          kv(out, "later") == "2026-11-23 18:02:03", out + err)
    fake.set(DESK_SCRIPT)

    rc, out, err, new = run(fake, "person", "show", "5")
    check("person show: the record", rc == 0 and
          kv(out, "person") == "5" and kv(out, "name") == "Ann Lee" and
          kv(out, "ID number") == "E1****78" and
          kv(out, "created") == "2026-11-23 18:02:03" and
          kv(out, "purged") == "no", out + err)
    check("person show: its passes", "\npasses:\n" in out and
          find_row(out, "9 ") is not None and
          find_row(out, "9 ")[6] == "0A00123456", out)

    rc, out, err, new = run(fake, "person", "list")
    check("person list row", rc == 0 and find_row(out, "5 ") == [
        "5", "Ann Lee", "tenant_staff", "active", "E1****78", "Acme", "12A",
        "office"], out + err)

    rc, out, err, new = run(fake, "visitor", "register", *VISIT_ARGS[2:],
                            stdin=SECRET + "\n")
    check("visitor register: pending said clearly", rc == 0 and
          out.splitlines()[:2] == [
              "visitor pass 11 for Bo Chan: pending",
              "waiting for the host's confirmation: lobbyctl visitor "
              "confirm 11"], out + err)
    check("visitor register: code and until",
          kv(out, "visitor code") == "V7KQ2M9X (print it as a QR code)" and
          kv(out, "valid until") == "2026-11-24 00:00:00" and
          kv(out, "host") == "Ann Lee, unit 12A", out)
    fake.with_cmd("visitor.register", {"reply": {"ok": True, "data": dict(
        VISIT, state="active", code="", credential="BEEF0001")}})
    rc, out, err, new = run(fake, "visitor", "register", *VISIT_ARGS[2:],
                            stdin=SECRET + "\n")
    check("visitor register: active with a card",
          out.startswith("visitor pass 11 for Bo Chan: active\n") and
          "confirm" not in out and kv(out, "card") == "BEEF0001", out + err)
    fake.with_cmd("visitor.register", {"reply": {
        "ok": False, "error": "door-to-door sales are not let in"}})
    rc, out, err, new = run(fake, "visitor", "register", *VISIT_ARGS[2:],
                            stdin=SECRET + "\n")
    check("visitor register: a refusal is lobbyd's words, exit 1",
          rc == 1 and out == "" and
          err.strip() == "lobbyctl: door-to-door sales are not let in",
          (rc, out, err))
    fake.set(DESK_SCRIPT)

    rc, out, err, new = run(fake, "permit", "list")
    check("permit list: dates as dates", rc == 0 and find_row(out, "3 ") == [
        "3", "12A", "Fix-It, Ltd", "2026-12-01", "2026-12-15", "mon-fri",
        "08:00-12:00,14:00-18:00", "12", "yes", "active", "2"], out + err)
    rc, out, err, new = run(fake, "permit", "suspend", "3")
    check("permit suspend: the permit and the passes ended",
          rc == 0 and kv(out, "state") == "suspended" and
          kv(out, "passes ended") == "2" and kv(out, "from") == "2026-12-01",
          out + err)

    rc, out, err, new = run(fake, "watchlist", "list")
    check("watchlist list row", rc == 0 and find_row(out, "4 ") == [
        "4", "resident_card", "4403****1234", "M. Smith", "bulletin 12",
        "2026-11-23 18:02:03", "mgr"], out + err)
    rc, out, err, new = run(fake, "watchlist", "remove", "4")
    check("watchlist remove", rc == 0 and
          out == "removed watch list entry 4\n", out + err)

    rc, out, err, new = run(fake, "inside")
    lines = out.splitlines()
    check("inside header", rc == 0 and lines and cols(lines[0]) == [
        "NAME", "KIND", "ID", "UNIT", "ZONE", "SINCE", "LANE"], out + err)
    check("inside row", find_row(out, "Ann Lee") == [
        "Ann Lee", "tenant_staff", "E1****78", "12A", "lobby",
        "2026-11-23 18:02:03", "lane1"], out)
    check("inside: a line break in a cell is not sent to the terminal",
          len(lines) == 3 and "lane2?back" in lines[2], out)

    rc, out, err = run_bytes(fake, "inside", "--csv")
    check("inside --csv: RFC 4180", rc == 0 and out ==
          "NAME,KIND,ID,UNIT,ZONE,SINCE,LANE\r\n"
          "Ann Lee,tenant_staff,E1****78,12A,lobby,2026-11-23 18:02:03,"
          "lane1\r\n"
          "\"Lee, \"\"Big\"\" Tom\",contractor,,,floor12,"
          "2026-11-23 18:03:03,\"lane2\nback\"\r\n", repr(out) + err)
    import csv
    import io
    rows = list(csv.reader(io.StringIO(out, newline="")))
    check("inside --csv reads back", rows[2][0] == 'Lee, "Big" Tom' and
          rows[2][6] == "lane2\nback" and len(rows) == 3, rows)
    fake.with_cmd("inside", {"reply": {"ok": True, "data": []}})
    rc, out, err = run_bytes(fake, "inside", "--csv")
    check("inside --csv: nobody, the header alone",
          rc == 0 and out == "NAME,KIND,ID,UNIT,ZONE,SINCE,LANE\r\n", out)
    rc, out, err, new = run(fake, "inside")
    check("inside: nobody", rc == 0 and out == "nobody inside\n", out)
    fake.set(DESK_SCRIPT)

    rc, out, err, new = run(fake, "shift", "handover")
    check("shift handover: the open items, one a line", rc == 0 and
          out == "handover recorded (shift log 2)\nopen items:\n"
          "  2 visitors still inside\n  alert 7 open\n", out + err)
    rc, out, err, new = run(fake, "shift", "log")
    lines = out.splitlines()
    check("shift log: a handover's lines on rows of their own",
          rc == 0 and len(lines) == 4 and
          cols(lines[2]) == ["2026-11-23 18:03:03", "guard1", "handover",
                             "2 visitors still inside"] and
          cols(lines[3]) == ["alert 7 open"] and
          lines[3].index("alert") == lines[0].index("TEXT"), out + err)
    rc, out, err, new = run(fake, "shift", "note", "side door sticks")
    check("shift note", rc == 0 and out == "noted in the shift log (1)\n",
          out + err)

    for argv, data in ((["pass", "list"], [PASS, VISIT]),
                       (["person", "show", "5"], dict(PERSON, passes=[PASS])),
                       (["inside"], INSIDE)):
        rc, out, err, new = run(fake, "--json", *argv)
        check("%s --json is the data" % argv,
              rc == 0 and json.loads(out) == data, out + err)
    fake.with_cmd("pass.list", {"reply": {"ok": True, "data": {"id": 1}}})
    rc, out, err, new = run(fake, "pass", "list")
    check("pass list: not a list is a bad reply",
          rc == 1 and "bad reply" in err, (rc, err))
    fake.with_cmd("pass.list", {"reply": {"ok": True, "data": [5]}})
    rc, out, err, new = run(fake, "pass", "list")
    check("pass list: an item not an object is a bad reply",
          rc == 1 and "bad reply" in err, (rc, err))
    fake.set(SCRIPT)


def main():
    t0 = time.monotonic()
    if not (os.path.isfile(LOBBYCTL) and os.access(LOBBYCTL, os.X_OK)):
        print("FAIL: no lobbyctl program at %s" % LOBBYCTL)
        print("test_lobbyctl: 0 passed, 1 failed")
        return 1
    with tempfile.TemporaryDirectory(prefix="lobbyctl-test-") as tmp:
        fake = Fake(tmp)
        try:
            for t in (test_status, test_events, test_event_pages,
                      test_devices_alerts,
                      test_cards, test_lane_stats, test_failures, test_usage,
                      test_follow, test_desk_requests, test_desk_show,
                      test_id_prompt):
                try:
                    t(fake)
                except (subprocess.TimeoutExpired, OSError, ValueError,
                        KeyError, IndexError) as e:
                    check("%s ran to the end" % t.__name__, False, repr(e))
        finally:
            fake.stop()
    print("test_lobbyctl: %d passed, %d failed (%.1fs)" % (passed, failed, time.monotonic() - t0))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
