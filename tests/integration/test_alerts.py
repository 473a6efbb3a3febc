"""
The alert life cycle against the real lobbyd, lobbysim and lobbyctl:
acknowledgement (who, when, a note; the event; followers), escalation of an
alert nobody acknowledged (stored, delivered again, computed from when it
was raised across a restart), delivery through alerts.command (JSON on its
stdin; a command that hangs is killed while lanes keep working), and
operator roles (refused commands, alerts routed by role).
Run with /usr/bin/python3.
"""
import json
import os
import sqlite3
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lobbytest import (DEMO_CONF, LOBBYCTL, LOBBYD, Follower, Site, run_tests, test,  # noqa: E402
                       wait_for)

STAFF = "0A00123456"
SETPRIV = "/usr/bin/setpriv"
SCRIPT_DIRS = []    # removed at the end

# Appends each JSON object it is given to a file, one a line.
RECORD_SCRIPT = """#!/bin/sh
cat >> "{out}"
"""
# Never reads, never ends: writes its pid, then sleeps in its place.
HANG_SCRIPT = """#!/bin/sh
echo $$ >> "{out}"
exec sleep 60
"""


def site_conf(alerts="", roles=""):
    return open(DEMO_CONF).read() + alerts + roles


def write_script(site_dir, name, text, **kw):
    path = os.path.join(site_dir, name)
    with open(path, "w") as f:
        f.write(text.format(**kw))
    os.chmod(path, 0o755)
    return path


def start_site(alerts_tmpl, roles="", script=RECORD_SCRIPT, seed=None, groups=None):
    """A site whose alerts section names a script (@CMD@ in alerts_tmpl);
    returns (site, path of what the script wrote). seed(db_path), if given,
    runs between a first start and the real one; groups replaces
    control.groups (the harness empties it)."""
    sdir = tempfile.mkdtemp(prefix="lobbyd-notify-")
    os.chmod(sdir, 0o755)
    out = os.path.join(sdir, "delivered.jsonl")
    cmd = write_script(sdir, "notify.sh", script, out=out)
    SCRIPT_DIRS.append(sdir)
    s = Site(site_conf(alerts_tmpl.replace("@CMD@", cmd), roles), start_lobbyd=False)
    try:
        if groups is not None:
            with open(s.conf) as f:
                text = f.read()
            with open(s.conf, "w") as f:
                f.write(text.replace("groups = [];", f"groups = {groups};"))
        s.start_lobbyd()
        if seed is not None:
            s.stop_lobbyd()
            seed(s.db)
            s.start_lobbyd()
        return s, out
    except BaseException:
        s.close()
        raise


def delivered(path):
    """The JSON objects the command received, in order (each must parse)."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def ts3_alert(s, stored=False):
    """ts3's offline alert (stored: only once it has its id)."""
    return [a for a in s.ctl("alerts") if a["source"] == "ts3" and a["kind"] == "offline"
            and (a["id"] > 0 or not stored)]


def mute_ts3(s):
    """Mutes ts3 once it is online with no alert up (a busy machine may
    have raised and cleared one as the site started); its offline alert."""
    wait_for(lambda: s.device("ts3")["online"] and not ts3_alert(s), timeout=8,
             what="ts3 online")
    s.sim_cmd("mute", "ts3")
    return wait_for(lambda: ts3_alert(s, stored=True), timeout=8,
                    what="ts3 offline alert, stored")[0]


@test
def an_acknowledged_alert_records_who_and_when_and_never_escalates():
    s, out = start_site('alerts = { escalate_after_s = { urgent = 6; }; '
                        'command = "@CMD@"; };\n')
    follower = None
    try:
        follower = Follower([LOBBYCTL, "-s", s.sock, "--json", "alerts", "--follow"])
        a = mute_ts3(s)
        assert a["severity"] == "urgent" and a["acked_by"] == "" and not a["escalated"], a
        r = s.run_ctl("alert", "ack", a["id"], "--note", "technician on the way")
        assert r.returncode == 0, r
        assert f"acknowledged alert {a['id']} (ts3 offline)" in r.stdout, r.stdout
        now = s.ctl("alerts")
        b = [x for x in now if x["id"] == a["id"]][0]
        assert b["acked_by"] == "root" and b["ack_note"] == "technician on the way", b
        assert b["acked_ms"] >= a["raised_ms"], b
        ev = s.wait_event(lambda e: e["kind"] == "alert_acked", what="alert_acked event")[0]
        assert ev["actor"] == "root" and ev["device"] == "ts3", ev
        assert f"alert {a['id']}" in ev["detail"] and "technician" in ev["detail"], ev
        # The table says who took it.
        r = s.run_ctl("alerts", check=True)
        assert "acked by root" in r.stdout, r.stdout
        # Twice, an unknown id, a bad id: clear errors.
        r = s.run_ctl("alert", "ack", a["id"])
        assert r.returncode == 1 and "already acknowledged by root" in r.stderr, r
        r = s.run_ctl("alert", "ack", 999999)
        assert r.returncode == 1 and "no alert 999999" in r.stderr, r
        r = s.run_ctl("alert", "ack", "12x")
        assert r.returncode == 2 and "not an alert ID" in r.stderr, r
        # Past its escalation time, an acknowledged alert stays as it is.
        time.sleep(max(0.0, a["raised_ms"] / 1000 + 7.5 - time.time()))
        b = [x for x in s.ctl("alerts") if x["id"] == a["id"]][0]
        assert not b["escalated"] and b["escalated_ms"] == 0, b
        assert not [e for e in s.events() if e["kind"] == "alert_escalated"]
        s.sim_cmd("unmute", "ts3")
        wait_for(lambda: not ts3_alert(s), timeout=10, what="alert cleared")
        r = s.run_ctl("alert", "ack", a["id"])
        assert r.returncode == 1 and "is cleared" in r.stderr, r
        # The follower saw it raised, acknowledged, cleared.
        follower.wait_for(lambda seen: [x for x in seen if x["id"] == a["id"] and
                                        x["cleared_ms"] > 0], what="the clear followed")
        seen, _ = follower.stop()
        mine = [x for x in seen if x["id"] == a["id"]]
        assert mine[0]["acked_by"] == "" and mine[0]["cleared_ms"] == 0, mine
        assert any(x["acked_by"] == "root" and x["cleared_ms"] == 0 for x in mine), mine
        assert mine[-1]["cleared_ms"] > 0 and mine[-1]["acked_by"] == "root", mine
        # Each delivery once. Up to four commands run at once, so two
        # spawned moments apart may finish in either order: the JSON's
        # event says which is which, not the order they wrote in.
        wait_for(lambda: len([x for x in delivered(out) if x["id"] == a["id"]]) >= 3,
                 what="three deliveries")
        assert sorted(x["event"] for x in delivered(out) if x["id"] == a["id"]) == \
            ["acknowledged", "cleared", "raised"], delivered(out)
    finally:
        if follower is not None:
            follower.kill()
        s.close()


@test
def the_delivery_command_gets_the_alert_as_json_on_raise_and_clear():
    s, out = start_site('alerts = { command = "@CMD@ --ignored-word"; };\n')
    try:
        a = mute_ts3(s)
        s.sim_cmd("unmute", "ts3")
        wait_for(lambda: not ts3_alert(s), timeout=10, what="alert cleared")
        # Raised and cleared moments apart: their commands may finish in
        # either order (up to four run at once).
        def mine():
            return [x for x in delivered(out) if x["id"] == a["id"]]
        got = wait_for(lambda: {"raised", "cleared"} <= {x["event"] for x in mine()}
                       and mine(), what="deliveries")
        assert len(got) == 2, (a, delivered(out))
        raised, cleared = sorted(got, key=lambda x: x["event"] != "raised")
        for k in ("id", "event", "severity", "audience", "source", "kind", "message",
                  "raised_ms", "cleared_ms", "acked_ms", "acked_by", "escalated"):
            assert k in raised and k in cleared, (k, raised, cleared)
        assert raised["event"] == "raised" and cleared["event"] == "cleared", got
        assert raised["id"] == cleared["id"] == a["id"], got
        assert raised["source"] == "ts3" and raised["kind"] == "offline", raised
        assert raised["severity"] == "urgent", raised
        assert raised["audience"] == "engineering,security", raised
        assert raised["cleared_ms"] == 0 and cleared["cleared_ms"] >= raised["raised_ms"], got
        assert "ts3" in raised["message"] and raised["site"] == "Demo Tower", raised
        # The journal line, at the severity's priority (urgent: crit).
        assert f"crit: alert {a['id']} raised: urgent ts3 offline" in s.log(), s.log()
        assert f"crit: alert {a['id']} cleared" in s.log(), s.log()
    finally:
        s.close()


@test
def an_unacknowledged_alert_escalates_once_and_is_delivered_again():
    s, out = start_site('alerts = { escalate_after_s = { urgent = 2; }; '
                        'command = "@CMD@"; };\n')
    try:
        a = mute_ts3(s)
        b = wait_for(lambda: [x for x in s.ctl("alerts") if x["id"] == a["id"] and
                              x["escalated"]], timeout=10, what="escalation")[0]
        assert "manager" in b["audience"] and "engineering" in b["audience"], b
        assert b["escalated_ms"] >= b["raised_ms"] + 2000, b
        ev = s.wait_event(lambda e: e["kind"] == "alert_escalated", what="escalation event")[0]
        assert f"alert {a['id']}" in ev["detail"], ev
        esc = wait_for(lambda: [x for x in delivered(out) if x["event"] == "escalated"],
                       what="escalation delivered")
        assert esc[0]["id"] == a["id"] and esc[0]["escalated"] is True, esc
        assert "manager" in esc[0]["audience"], esc
        assert f"alert {a['id']} escalated" in s.log(), s.log()
        # Once: not again later, nor after a restart.
        time.sleep(1.5)
        s.stop_lobbyd()
        s.start_lobbyd()
        time.sleep(2.5)
        assert len([x for x in delivered(out) if x["event"] == "escalated"]) == 1, delivered(out)
        assert len([e for e in s.events() if e["kind"] == "alert_escalated"]) == 1
        # Still acknowledgeable once escalated, by the manager.
        r = s.run_ctl("alert", "ack", a["id"])
        assert r.returncode == 0, r
    finally:
        s.close()


@test
def escalation_time_counts_from_the_raise_across_a_restart():
    s, out = start_site('alerts = { escalate_after_s = { urgent = 6; }; '
                        'command = "@CMD@"; };\n')
    try:
        a = mute_ts3(s)
        s.stop_lobbyd()
        # Down past the alert's escalation time; ts3 stays silent.
        time.sleep(max(0.0, a["raised_ms"] / 1000 + 7 - time.time()))
        started_ms = int(time.time() * 1000)
        s.start_lobbyd()
        b = wait_for(lambda: [x for x in s.ctl("alerts") if x["id"] == a["id"] and
                              x["escalated"]], timeout=10, what="escalation after restart")[0]
        # Overdue at start: escalated then, not 6 s after the restart.
        assert b["escalated_ms"] < started_ms + 6000, (b, started_ms)
        assert [x["id"] for x in ts3_alert(s)] == [a["id"]], "adopted, not raised again"
    finally:
        s.close()


@test
def a_hanging_command_is_killed_after_its_timeout_while_lanes_keep_working():
    s, out = start_site('alerts = { command = "@CMD@"; command_timeout_s = 2; };\n',
                        script=HANG_SCRIPT)
    try:
        s.ctl("card", "add", STAFF, "--holder", "Ana Silva")
        wait_for(lambda: s.device("ts1")["online"], timeout=8, what="ts1 online")
        mute_ts3(s)
        pid = int(wait_for(lambda: open(out).read().split(), what="command started")[0])
        assert os.path.exists(f"/proc/{pid}")
        # The command hangs; the lobby does not.
        s.card("rd1-in", STAFF)
        ev = s.wait_event(lambda e: e["kind"] == "access" and e["credential"] == STAFF,
                          what="card decision")[0]
        assert ev["decision"] == "granted", ev
        assert os.path.exists(f"/proc/{pid}"), "decided while the command still ran"
        wait_for(lambda: "still running after 2 s; killed" in s.log(), timeout=10,
                 what="timeout logged")
        wait_for(lambda: not os.path.exists(f"/proc/{pid}"), timeout=5, what="command reaped")
        # Workers are still reaped and supervised as before.
        assert s.ctl("status")["online"] >= 2
        assert s.lobbyd.alive()
    finally:
        s.close()


ROLES = """
roles = {
	guard = [ "users" ];
	frontdesk = [ "staff" ];
	engineering = [ "src" ];
	manager = [ "root" ];
};
"""


def as_user(s, groups, *args, follow=False):
    argv = [SETPRIV, "--reuid=nobody", "--regid=nogroup", f"--groups={groups}",
            os.path.abspath(LOBBYCTL), "-s", s.sock, "--json", *map(str, args)]
    if follow:
        return Follower(argv)
    return subprocess.run(argv, capture_output=True, text=True, timeout=10)


def seed_engineering_alert(db):
    """An alert for engineering alone, left by an earlier run. Its kind is
    one no status of ts1 clears (a fault would clear at ts1's first status
    without one), so it stays up for the whole test."""
    with sqlite3.connect(db) as c:
        c.execute("INSERT INTO alerts (raised_ms, source, kind, severity, message, audience)"
                  " VALUES (?, 'ts1', 'motor_temp', 'warning', 'Turnstile ts1 motor hot',"
                  " 'engineering')", (int(time.time() * 1000),))


@test
def roles_refuse_commands_and_route_alerts():
    s, out = start_site("", roles=ROLES, seed=seed_engineering_alert,
                        groups='[ "daemon" ]')
    followers = []
    try:
        os.chmod(s.dir, 0o755)
        os.chmod(os.path.dirname(os.path.abspath(LOBBYD)), 0o755)
        r = as_user(s, "users", "status")
        assert r.returncode == 0, r
        assert json.loads(r.stdout)["roles"] == "guard", r.stdout
        assert s.ctl("status")["roles"] == "manager"
        # A guard may not add cards: told what is needed and what it has.
        r = as_user(s, "users", "card", "add", STAFF, "--holder", "Ana Silva")
        assert r.returncode == 1, r
        assert "card.add needs the role frontdesk,manager; you (nobody) have guard" in \
            r.stderr, r.stderr
        wait_for(lambda: "nobody refused card.add: needs frontdesk,manager, has guard"
                 in s.log(), what="refusal logged")
        assert not s.ctl("card", "list")
        # The front desk may.
        r = as_user(s, "staff", "card", "add", STAFF, "--holder", "Ana Silva")
        assert r.returncode == 0, r
        # A user with no role reaches nothing that needs one.
        r = as_user(s, "daemon", "lane", "open", "lane1", "entry", "--reason", "x")
        assert r.returncode == 1 and "you (nobody) have none" in r.stderr, r
        assert not [e for e in s.events() if e["kind"] == "manual_open"]

        # The seeded engineering alert: engineering sees it, a guard and the
        # manager (until escalated) do not.
        eng = json.loads(as_user(s, "src", "alerts").stdout)
        assert [a for a in eng if a["message"] == "Turnstile ts1 motor hot"], eng
        guard = json.loads(as_user(s, "users", "alerts").stdout)
        assert not [a for a in guard if a["source"] == "ts1"], guard
        assert not [a for a in s.ctl("alerts") if a["source"] == "ts1"]
        seeded = [a for a in eng if a["source"] == "ts1"][0]
        r = as_user(s, "users", "alert", "ack", seeded["id"])
        assert r.returncode == 1 and "not routed to your roles (guard)" in r.stderr, r

        # Followers get only what is routed to them.
        # (Either one, following late, would list the alert first: routed
        # the same way.)
        followers = [as_user(s, g, "alerts", "--follow", follow=True)
                     for g in ("users", "staff")]
        a = mute_ts3(s)     # engineering and security
        guard_f, desk_f = followers
        guard_f.wait_for(lambda seen: [x for x in seen if x["id"] == a["id"]],
                         what="the guard's follower told")
        time.sleep(0.3)     # the front desk's, told at the same time, must not be
        gseen, _ = guard_f.stop()
        dseen, derr = desk_f.stop()
        assert any(x["id"] == a["id"] for x in gseen), gseen
        assert not dseen, (dseen, derr)
        # Listing: the guard sees it, the front desk does not.
        assert [x for x in json.loads(as_user(s, "users", "alerts").stdout)
                if x["id"] == a["id"]]
        assert not [x for x in json.loads(as_user(s, "staff", "alerts").stdout)
                    if x["id"] == a["id"]]
        r = as_user(s, "staff", "alert", "ack", a["id"])
        assert r.returncode == 1 and "not routed to your roles (frontdesk)" in r.stderr, r
        r = as_user(s, "users", "alert", "ack", a["id"], "--note", "guard at lane3")
        assert r.returncode == 0, r
        b = [x for x in s.ctl("alerts") if x["id"] == a["id"]][0]
        assert b["acked_by"] == "nobody" and b["ack_note"] == "guard at lane3", b
    finally:
        for f in followers:
            f.kill()
        s.close()


@test
def an_alert_raised_by_hand_reaches_its_roles_and_ends_when_acknowledged():
    s, out = start_site("", roles=ROLES, groups='[ "daemon" ]')
    try:
        os.chmod(s.dir, 0o755)
        os.chmod(os.path.dirname(os.path.abspath(LOBBYD)), 0o755)
        # The desk raises it for security: a troublemaker in the lobby.
        r = as_user(s, "staff", "alert", "raise", "--to", "security",
                    "--text", "大堂有人闹事，请保安到前台")
        assert r.returncode == 0, r.stderr
        a = json.loads(r.stdout)
        assert a["kind"].startswith("site_raised_") and a["audience"] == "security", a
        assert a["severity"] == "urgent" and "raised by" in a["message"], a
        # Security (the guard role) has it; engineering does not.
        g = wait_for(lambda: [x for x in json.loads(as_user(s, "users", "alerts").stdout)
                              if x["kind"] == a["kind"]], timeout=3, what="security's alert")[0]
        assert "闹事" in g["message"], g
        assert not [x for x in json.loads(as_user(s, "src", "alerts").stdout)
                    if x["kind"] == a["kind"]]
        ev = s.wait_event(lambda e: e["kind"] == "alert_raised_by_hand", what="the event")[0]
        assert ev["actor"] and "for security" in ev["detail"], ev
        assert a["kind"] in ev["detail"], ev
        # The event log is everyone's: the words are the alert's, for its
        # roles only, and stay out of it.
        assert "闹事" not in ev["detail"], ev
        r = as_user(s, "src", "events")
        assert r.returncode == 0 and "闹事" not in r.stdout, r
        # Wrong words are refused, named.
        r = as_user(s, "staff", "alert", "raise", "--to", "police", "--text", "x")
        assert r.returncode != 0 and "police" in r.stderr, r
        r = as_user(s, "staff", "alert", "raise", "--to", "security", "--text", "x",
                    "--severity", "emergency")
        assert r.returncode != 0, r
        # The guard who dealt with it acknowledges it: it is over.
        r = as_user(s, "users", "alert", "ack", g["id"], "--note", "escorted out")
        assert r.returncode == 0, r.stderr
        wait_for(lambda: not [x for x in json.loads(as_user(s, "users", "alerts").stdout)
                              if x["kind"] == a["kind"]], timeout=3, what="the alert cleared")
        delivered_kinds = [(d["event"], d["kind"]) for d in delivered(out)]
        assert ("raised", a["kind"]) in delivered_kinds or not delivered_kinds
    finally:
        s.close()


@test
def alerts_raised_by_hand_at_once_are_each_kept():
    s, out = start_site("", roles=ROLES, groups='[ "daemon" ]')
    try:
        # Twenty raised in one go, as a script would: every one is an alert
        # of its own, none taken for another raised in the same millisecond.
        n = 20
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(s.sock)
        c.sendall(b"".join(json.dumps({"cmd": "alert.raise", "args": {
            "to": "security", "text": f"lobby check {i}"}}).encode() + b"\n"
            for i in range(n)))
        f = c.makefile("rb")
        replies = [json.loads(f.readline()) for _ in range(n)]
        c.close()
        assert all(r["ok"] for r in replies), replies
        kinds = [r["data"]["kind"] for r in replies]
        assert len(set(kinds)) == n, kinds
        got = wait_for(lambda: (lambda a: a if len(a) == n else None)(
            [x for x in s.ctl("alerts") if x["kind"].startswith("site_raised_")]),
            timeout=5, what="every alert raised")
        assert sorted(x["message"] for x in got) == sorted(
            f"lobby check {i} (raised by root)" for i in range(n)), got
    finally:
        s.close()


@test
def only_a_manager_may_force_open_a_turnstile_in_fault():
    s, out = start_site("", roles=ROLES, groups='[ "daemon" ]')
    try:
        os.chmod(s.dir, 0o755)
        os.chmod(os.path.dirname(os.path.abspath(LOBBYD)), 0o755)
        wait_for(lambda: s.device("ts1")["online"], what="ts1 online")
        s.sim_cmd("jam", "ts1", 17)
        wait_for(lambda: s.device("ts1")["state"] == "fault", what="fault state")
        r = as_user(s, "users", "lane", "open", "lane1", "entry", "--reason",
                    "stuck", "--force")
        assert r.returncode == 1, r
        assert "--force needs the role manager, which nobody does not hold" in \
            r.stderr, r.stderr
        ev = [e for e in s.events() if e["kind"] == "manual_open_refused"]
        assert len(ev) == 1 and ev[0]["actor"] == "nobody", ev
        assert ev[0]["reason"] == "lane_fault", ev
        time.sleep(0.3)
        assert not [c for _, c in s.sim_writes("ts1")]
        # The manager (root) may.
        r = s.run_ctl("--json", "lane", "open", "lane1", "entry", "--reason",
                      "stuck", "--force", check=True)
        assert json.loads(r.stdout)["forced"] is True, r.stdout
        ev = [e for e in s.events() if e["kind"] == "manual_open"]
        assert len(ev) == 1 and ev[0]["actor"] == "root", ev
        assert ev[0]["detail"].startswith("forced (fault code 17)"), ev
    finally:
        s.close()


@test
def without_roles_everyone_admitted_has_every_role():
    s = Site()
    try:
        assert s.ctl("status")["roles"] == "guard,frontdesk,engineering,manager"
        assert "no roles configured" in s.log()
    finally:
        s.close()


if __name__ == "__main__":
    try:
        run_tests("test_alerts", case_jobs=2)
    finally:
        for d in SCRIPT_DIRS:
            shutil.rmtree(d, ignore_errors=True)
