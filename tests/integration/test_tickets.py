"""
Repair tickets end to end: a jammed lobbysim turnstile opens an urgent
ticket, clearing adds a note, people start, note and close it with their
names; the daily summary at its configured time (and made late, once, by a
lobbyd that was down); `lobbyctl devices --check` and its exit status.
Run with /usr/bin/python3.
"""
import datetime
import json
import os
import pwd
import socket
import sqlite3
import time

from lobbytest import DEMO_CONF, Site, clear_of_midnight, run_tests, test, wait_for

ME = pwd.getpwuid(os.getuid()).pw_name


def tickets(s, *args):
    return s.ctl("tickets", *args)


def show(s, tid):
    return s.ctl("ticket", "show", tid)


def actions(s, tid):
    return [n["action"] for n in show(s, tid)["notes"]]


def raw(s, cmd, args):
    """One request on the control socket as JSON, bypassing lobbyctl's checks."""
    with socket.socket(socket.AF_UNIX) as c:
        c.settimeout(5)
        c.connect(s.sock)
        c.sendall((json.dumps({"cmd": cmd, "args": args}) + "\n").encode())
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = c.recv(65536)
            if not chunk:
                break
            buf += chunk
    return json.loads(buf)


def with_summary_at(hhmmss):
    return open(DEMO_CONF).read() + f'\ntickets = {{ summary_at = "{hhmmss}"; }};\n'


@test
def a_jam_opens_one_urgent_ticket_that_people_work_to_done():
    s = Site()
    try:
        wait_for(lambda: s.device("ts1")["online"] and s.device("ts1")["state"] == "idle",
                 what="ts1 idle")
        t0 = time.monotonic()
        s.sim_cmd("jam", "ts1", 7)
        t = wait_for(lambda: tickets(s), timeout=2.0, what="a ticket for the jam")
        took = time.monotonic() - t0
        assert len(t) == 1, t
        t = t[0]
        assert took < 2.0, f"ticket after {took:.2f}s"
        assert t["source"] == "ts1" and t["kind"] == "fault", t
        assert t["urgency"] == "urgent" and t["state"] == "open", t
        assert "code 7" in t["title"] and t["opened_by"] == "lobbyd", t
        assert t["alert_id"] > 0, t
        tid = t["id"]

        # Cleared: a note, and the ticket stays until a person closes it.
        s.sim_cmd("clear", "ts1")
        wait_for(lambda: "cleared" in actions(s, tid), what="cleared note")
        assert [x["id"] for x in tickets(s)] == [tid]
        assert show(s, tid)["notes"][-1]["text"] == "condition cleared"
        # Jammed again while unfinished: the same ticket, "raised again".
        s.sim_cmd("jam", "ts1", 9)
        wait_for(lambda: "raised_again" in actions(s, tid), what="raised again")
        s.sim_cmd("clear", "ts1")
        wait_for(lambda: actions(s, tid).count("cleared") == 2, what="second clear")
        assert len(tickets(s, "--all")) == 1

        # People work it; each change is recorded with who did it.
        r = s.run_ctl("ticket", "start", tid)
        assert r.returncode == 0 and "in progress" in r.stdout, r
        r = s.run_ctl("ticket", "note", tid, "arm sensor replaced")
        assert r.returncode == 0, r
        r = s.run_ctl("ticket", "done", tid, "tested ten passages")
        assert r.returncode == 0 and "done" in r.stdout, r
        notes = show(s, tid)["notes"]
        assert [n["action"] for n in notes] == ["opened", "cleared", "raised_again",
                                                "cleared", "started", "note", "done"], notes
        assert [n["actor"] for n in notes[-3:]] == [ME, ME, ME], notes
        assert notes[-2]["text"] == "arm sensor replaced", notes
        assert notes[-1]["text"] == "tested ten passages", notes
        shown = show(s, tid)
        assert shown["state"] == "done" and shown["closed_ms"] > 0, shown
        assert tickets(s) == []
        out = s.run_ctl("ticket", "show", tid, check=True).stdout
        assert "arm sensor replaced" in out and ME in out, out

        # Illegal changes and unknown tickets are refused, nothing recorded.
        r = s.run_ctl("ticket", "start", tid)
        assert r.returncode == 1 and "cannot be started again" in r.stderr, r
        r = s.run_ctl("ticket", "done", tid)
        assert r.returncode == 1 and "done already" in r.stderr, r
        r = s.run_ctl("ticket", "note", 9999, "x")
        assert r.returncode == 1 and "no ticket 9999" in r.stderr, r
        assert len(show(s, tid)["notes"]) == 7
        r = raw(s, "ticket.note", {"id": tid, "text": "a\u0007b"})
        assert not r["ok"] and "control character" in r["error"], r
        r = raw(s, "ticket.note", {"id": tid, "text": "   "})
        assert not r["ok"] and "must not be empty" in r["error"], r
        r = raw(s, "ticket.start", {"id": "1"})
        assert not r["ok"] and "integer" in r["error"], r
        r = raw(s, "ticket.start", {"id": tid, "extra": 1})
        assert not r["ok"] and "unknown argument" in r["error"], r
        r = s.run_ctl("ticket", "note", tid, "bell\x07")
        assert r.returncode == 2 and "control characters" in r.stderr, r
        r = s.run_ctl("ticket", "start", "abc")
        assert r.returncode == 2 and "not a ticket number" in r.stderr, r
        r = s.run_ctl("ticket", "done", tid, "two", "words")
        assert r.returncode == 2 and 'unexpected argument "words"' in r.stderr, r
        r = s.run_ctl("ticket", "close", tid)
        assert r.returncode == 2 and 'unknown command "close"' in r.stderr, r
        assert len(show(s, tid)["notes"]) == 7

        # The problem back after done: a new ticket.
        s.sim_cmd("jam", "ts1", 7)
        new = wait_for(lambda: tickets(s), timeout=3, what="a new ticket")
        assert len(new) == 1 and new[0]["id"] != tid and new[0]["state"] == "open", new
        # The front desk's feed carries the changes, with who.
        kinds = [(e["kind"], e["actor"]) for e in s.events() if e["kind"].startswith("ticket_")]
        for want in (("ticket_opened", ""), ("ticket_started", ME), ("ticket_note", ME),
                     ("ticket_done", ME)):
            assert want in kinds, kinds
    finally:
        s.close()


@test
def engineering_opens_a_ticket_by_hand_and_the_list_puts_urgent_first():
    s = Site()
    try:
        r = s.run_ctl("ticket", "open", "--source", "lane2", "--title", "Glass panel loose")
        assert r.returncode == 0 and "opened ticket" in r.stdout, r
        r = s.run_ctl("ticket", "open", "--source", "ts2", "--title", "Arm squeaks",
                      "--urgent")
        assert r.returncode == 0, r
        t = tickets(s)
        assert [x["title"] for x in t] == ["Arm squeaks", "Glass panel loose"], t
        assert t[0]["urgency"] == "urgent" and t[1]["urgency"] == "normal", t
        assert all(x["opened_by"] == ME and x["kind"] == "manual" for x in t), t
        out = s.run_ctl("tickets", check=True).stdout.splitlines()
        assert out[0].split() == ["ID", "URGENCY", "STATE", "AGE", "SOURCE", "TITLE"], out
        assert "Arm squeaks" in out[1] and "urgent" in out[1], out
        r = s.run_ctl("ticket", "open", "--source", "nowhere", "--title", "x")
        assert r.returncode == 1 and 'no device or lane "nowhere"' in r.stderr, r
        r = s.run_ctl("ticket", "open", "--title", "x")
        assert r.returncode == 2 and "--source" in r.stderr, r
        r = s.run_ctl("ticket", "open", "--source", "site", "--title", "")
        assert r.returncode == 2 and "must not be empty" in r.stderr, r
        assert len(tickets(s)) == 2
    finally:
        s.close()


@test
def the_daily_summary_fires_at_its_time_and_lists_open_and_closed_tickets():
    clear_of_midnight(before_s=40, after_s=5)
    at = (datetime.datetime.now() + datetime.timedelta(seconds=8)).strftime("%H:%M:%S")
    s = Site(conf_text=with_summary_at(at))
    try:
        wait_for(lambda: s.device("ts1")["online"], what="ts1 online")
        r = s.run_ctl("tickets", "summary")
        assert r.returncode == 1 and "no ticket summary yet" in r.stderr, r
        s.sim_cmd("jam", "ts1", 4)
        jam = wait_for(lambda: tickets(s), what="jam ticket")[0]
        fixed = s.ctl("ticket", "open", "--source", "lane3", "--title", "Card slot cover")
        s.ctl("ticket", "done", fixed["id"], "refitted")

        summ = wait_for(lambda: s.ctl("tickets", "summary"), timeout=20,
                        what="the summary at " + at)
        assert summ["day"] == datetime.date.today().isoformat(), summ
        assert not summ["late"], summ
        assert [t["id"] for t in summ["open"]] == [jam["id"]], summ
        assert summ["open"][0]["age_days"] == 0 and summ["open"][0]["urgency"] == "urgent"
        assert [t["id"] for t in summ["closed"]] == [fixed["id"]], summ
        assert sorted(t["id"] for t in summ["opened"]) == sorted([jam["id"], fixed["id"]])
        assert summ["open_count"] == 1 and summ["urgent_count"] == 1, summ
        assert summ["closed_count"] == 1, summ
        # Logged one line per ticket, recorded as an event.
        log = wait_for(lambda: (lambda l: l if "Card slot cover" in l else None)(s.log()),
                       what="summary in the log")
        assert "daily summary for " + summ["day"] in log, log
        assert any(f"ticket {jam['id']} urgent, open" in l for l in log.splitlines()), log
        ev = s.wait_event(lambda e: e["kind"] == "ticket_summary", what="summary event")
        assert len(ev) == 1 and "1 open" in ev[0]["detail"], ev
        out = s.run_ctl("tickets", "summary", "--date", summ["day"], check=True).stdout
        assert "Still open:" in out and "Card slot cover" in out, out
        r = s.run_ctl("tickets", "summary", "--date", "2001-01-01")
        assert r.returncode == 1 and "no ticket summary for 2001-01-01" in r.stderr, r
        r = s.run_ctl("tickets", "summary", "--date", "2001-13-01")
        assert r.returncode == 2, r

        # Restarted the same day: the summary is not made again.
        s.stop_lobbyd()
        s.start_lobbyd()
        time.sleep(2.5)
        again = s.ctl("tickets", "summary")
        assert again["made_ms"] == summ["made_ms"], (again, summ)
        assert len([e for e in s.events() if e["kind"] == "ticket_summary"]) == 1
    finally:
        s.close()


@test
def a_missed_summary_is_made_late_at_start_once():
    clear_of_midnight(before_s=30, after_s=130)
    s = Site(conf_text=with_summary_at("00:00"), start_lobbyd=False)
    try:
        # The database as a lobbyd left it: its last summary was yesterday.
        s.start_lobbyd()
        s.stop_lobbyd()
        yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
        db = sqlite3.connect(s.db)
        db.execute("INSERT INTO ticket_summaries (day, made_ms, since_ms, late)"
                   " VALUES (?, ?, 0, 0)", (yesterday, int(time.time() * 1000) - 86400000))
        db.commit()
        db.close()

        s.start_lobbyd()
        summ = wait_for(lambda: (lambda x: x if x["day"] != yesterday else None)(
            s.ctl("tickets", "summary")), timeout=10, what="the late summary")
        assert summ["day"] == datetime.date.today().isoformat() and summ["late"], summ
        assert "lobbyd was not running" in s.run_ctl("tickets", "summary").stdout
        assert "late" in s.log()
        s.stop_lobbyd()
        s.start_lobbyd()
        time.sleep(2.5)
        assert s.ctl("tickets", "summary")["made_ms"] == summ["made_ms"]
        assert len([e for e in s.events() if e["kind"] == "ticket_summary"]) == 1
    finally:
        s.close()


def check(s):
    r = s.run_ctl("devices", "--check")
    return r


@test
def devices_check_names_what_is_not_ok_and_exits_by_it():
    s = Site()
    try:
        r = wait_for(lambda: (lambda r: r if r.returncode == 0 else None)(check(s)),
                     timeout=10, what="every device OK")
        n = len(s.ctl("devices"))
        assert r.stdout.strip() == f"all {n} devices OK", r.stdout

        s.sim_cmd("mute", "ts3")
        wait_for(lambda: not s.device("ts3")["online"], timeout=5, what="ts3 offline")
        r = check(s)
        assert r.returncode == 1, r
        lines = [l for l in r.stdout.splitlines() if l.startswith("ts3 ")]
        assert lines and "offline" in lines[0], r.stdout
        assert f"1 of {n} devices not OK" in r.stdout, r.stdout
        js = s.run_ctl("--json", "devices", "--check")
        assert js.returncode == 1, js
        d = json.loads(js.stdout)
        assert not d["ok"] and d["not_ok"] == 1 and d["devices"] == n, d
        p = [x for x in d["problems"] if x["name"] == "ts3"]
        assert p[0]["what"] == "offline" and p[0]["since_ms"] > 0 and p[0]["detail"], p
        # The offline alert is the same problem: not listed twice.
        assert len(p) == 1, p

        # A jam is a fault with its code; noise on a reader is a bad read.
        s.sim_cmd("jam", "ts1", 12)
        s.sim_cmd("garbage", "rd2-in", 64)
        d = wait_for(lambda: (lambda d: d if d["not_ok"] == 3 else None)(
            json.loads(s.run_ctl("--json", "devices", "--check").stdout)), what="three")
        by = {x["name"]: x for x in d["problems"]}
        assert by["ts1"]["what"] == "fault" and "code 12" in by["ts1"]["detail"], by
        assert by["rd2-in"]["what"] == "bad_reads", by

        s.sim_cmd("unmute", "ts3")
        s.sim_cmd("clear", "ts1")
        wait_for(lambda: [x["name"] for x in json.loads(
            s.run_ctl("--json", "devices", "--check").stdout)["problems"]] == ["rd2-in"],
            timeout=10, what="only the reader left")
        r = s.run_ctl("devices", "--check", "--all")
        assert r.returncode == 2, r
    finally:
        s.close()


if __name__ == "__main__":
    run_tests("test_tickets")
