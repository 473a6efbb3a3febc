"""
The lobby end to end: the real lobbyd and lobbyctl against lobbysim's
turnstiles (Modbus RTU on a pty, Modbus TCP on 127.0.0.1) and card readers
(ptys). Run with /usr/bin/python3.
"""
import json
import os
import signal
import subprocess
import time

from lobbytest import LOBBYD, Site, run_tests, test, wait_for

STAFF = "0A00123456"
STAFF2 = "0B00ABCDEF"
UNKNOWN = "0C99999999"


def writes(site, dev):
    return [c for _, c in site.sim_writes(dev)]


def access_events(site, uid):
    return [e for e in site.events() if e["kind"] == "access" and e["credential"] == uid]


@test
def swipe_opens_the_right_lane_and_the_passage_is_confirmed():
    s = Site()
    try:
        s.ctl("card", "add", STAFF, "--holder", "Ana Silva")
        wait_for(lambda: s.device("ts1")["online"], what="ts1 online")
        s.card("rd1-in", STAFF)
        ev = s.wait_event(lambda e: e["kind"] == "access" and e["credential"] == STAFF)[0]
        assert ev["decision"] == "granted", ev
        assert ev["lane"] == "lane1" and ev["direction"] == "entry", ev
        assert ev["device"] == "rd1-in", ev
        # The grant is committed in a batch; the write goes out on the bus
        # meanwhile, and either may be seen first.
        wait_for(lambda: writes(s, "ts1") == ["open_entry"], what="open_entry written")
        assert writes(s, "ts2") == [] and writes(s, "ts3") == []
        p = s.wait_event(lambda e: e["kind"] == "passage")[0]
        assert p["lane"] == "lane1" and p["credential"] == STAFF and p["direction"] == "entry", p
        # The exit reader opens the same lane the other way.
        s.card("rd1-out", STAFF)
        s.wait_event(lambda e: e["kind"] == "passage" and e["direction"] == "exit")
        assert writes(s, "ts1") == ["open_entry", "open_exit"]
        # The front desk's table shows it in words.
        out = s.run_ctl("events", "--lane", "lane1", check=True).stdout
        assert "granted" in out and STAFF in out, out
    finally:
        s.close()


@test
def unknown_disabled_and_expired_cards_are_denied_with_their_reason():
    s = Site()
    try:
        now_ms = int(time.time() * 1000)
        s.ctl("card", "add", STAFF2, "--holder", "Old Badge", "--disabled")
        s.ctl("card", "add", "0D00000001", "--holder", "Temp", "--from", "2020-01-01",
              "--until", "2020-01-02")
        s.ctl("card", "add", "0E00000001", "--holder", "Future", "--from", "2099-01-01")
        wait_for(lambda: s.device("ts3")["online"], what="ts3 online")
        for uid in (UNKNOWN, STAFF2, "0D00000001", "0E00000001"):
            s.card("rd3-in", uid)
        want = {UNKNOWN: "unknown_card", STAFF2: "card_disabled",
                "0D00000001": "expired", "0E00000001": "not_yet_valid"}
        got = wait_for(lambda: (lambda m: m if len(m) == 4 else None)(
            {e["credential"]: e for e in s.events() if e["kind"] == "access"}),
            what="four decisions")
        for uid, reason in want.items():
            assert got[uid]["decision"] == "denied", got[uid]
            assert got[uid]["reason"] == reason, got[uid]
            assert got[uid]["reason_text"], got[uid]
        time.sleep(0.5)
        assert writes(s, "ts3") == [], "a denial opened the gate"
        assert all(e["ts_ms"] >= now_ms - 1000 for e in got.values())
    finally:
        s.close()


@test
def a_grant_without_passage_is_recorded_as_not_passed():
    s = Site(pass_timeout_ms=1000)
    try:
        s.ctl("card", "add", STAFF, "--holder", "Ana Silva")
        wait_for(lambda: s.device("ts2")["online"], what="ts2 online")
        s.sim_cmd("nopass", "ts2", "on")
        s.card("rd2-in", STAFF)
        ev = s.wait_event(lambda e: e["kind"] == "no_passage", timeout=5)[0]
        assert ev["lane"] == "lane2" and ev["credential"] == STAFF, ev
        assert not [e for e in s.events() if e["kind"] == "passage"]
    finally:
        s.close()


@test
def a_silent_turnstile_goes_offline_opens_nothing_and_comes_back():
    s = Site()
    try:
        s.ctl("card", "add", STAFF, "--holder", "Ana Silva")
        wait_for(lambda: s.device("ts3")["online"], what="ts3 online")
        t0 = time.monotonic()
        s.sim_cmd("mute", "ts3")
        # 3 polls of 200 ms: offline with an alert within 3 poll intervals
        # (plus the response timeout of the last poll and a margin).
        wait_for(lambda: not s.device("ts3")["online"], timeout=3, what="ts3 offline")
        took = time.monotonic() - t0
        alerts = wait_for(lambda: [a for a in s.ctl("alerts") if a["source"] == "ts3"],
                          what="offline alert")
        assert alerts[0]["kind"] == "offline" and alerts[0]["cleared_ms"] == 0, alerts
        assert took < 2.0, f"offline after {took:.2f}s"
        # Other lanes do not notice.
        assert s.device("ts1")["online"] and s.device("ts2")["online"]
        s.card("rd3-in", STAFF)
        ev = s.wait_event(lambda e: e["kind"] == "access")[0]
        assert ev["decision"] == "denied" and ev["reason"] == "lane_offline", ev
        s.sim_cmd("unmute", "ts3")
        wait_for(lambda: s.device("ts3")["online"], timeout=8, what="ts3 back")
        wait_for(lambda: not [a for a in s.ctl("alerts") if a["source"] == "ts3"],
                 what="alert cleared")
        every = s.ctl("alerts", "--all")
        assert [a for a in every if a["source"] == "ts3" and a["cleared_ms"] > 0]
        time.sleep(0.5)
        # Neither the failure nor the restoration released anything.
        assert writes(s, "ts3") == [], writes(s, "ts3")
        kinds = [e["kind"] for e in s.events() if e["device"] == "ts3"]
        assert "device_offline" in kinds and "device_online" in kinds, kinds
    finally:
        s.close()


@test
def rtu_unit_that_stops_answering_leaves_its_bus_neighbour_alone():
    s = Site()
    try:
        s.ctl("card", "add", STAFF, "--holder", "Ana Silva")
        wait_for(lambda: s.device("ts1")["online"] and s.device("ts2")["online"],
                 what="bus1 online")
        s.sim_cmd("mute", "ts2")
        wait_for(lambda: not s.device("ts2")["online"], timeout=3, what="ts2 offline")
        assert s.device("ts1")["online"]
        s.card("rd1-in", STAFF)
        ev = s.wait_event(lambda e: e["kind"] == "passage")[0]
        assert ev["lane"] == "lane1", ev
        assert writes(s, "ts2") == []
    finally:
        s.close()


@test
def passages_while_offline_are_recorded_as_such():
    """Counters that moved while lobbyd could not read them are recorded as
    having moved while offline: not passages, not a silent new baseline."""
    s = Site()
    try:
        wait_for(lambda: s.device("ts2")["online"], what="ts2 online")
        s.sim_cmd("mute", "ts2")
        wait_for(lambda: not s.device("ts2")["online"], timeout=3, what="ts2 offline")
        s.sim_cmd("passage", "ts2", "entry")
        s.sim_cmd("passage", "ts2", "entry")
        s.sim_cmd("passage", "ts2", "exit")
        s.sim_cmd("unmute", "ts2")
        wait_for(lambda: s.device("ts2")["online"], timeout=8, what="ts2 back")
        ev = s.wait_event(lambda e: e["kind"] == "counters_moved", what="counters_moved")
        assert ev[0]["device"] == "ts2", ev
        assert ev[0]["detail"] == "entry counter moved by 2, exit counter by 1 " \
            "while offline", ev
        time.sleep(0.5)
        assert not [e for e in s.events() if e["device"] == "ts2" and
                    e["kind"] in ("passage", "unexpected_passage")], s.events()
    finally:
        s.close()


@test
def a_killed_worker_is_restarted_and_other_lanes_keep_working():
    s = Site()
    try:
        s.ctl("card", "add", STAFF, "--holder", "Ana Silva")
        wait_for(lambda: s.device("ts3")["online"] and s.device("ts1")["online"],
                 what="online")
        pid = s.ctl("stats")["links"]["gate3"]["pid"]
        assert pid > 0
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not s.device("ts3")["online"], timeout=2, what="ts3 offline")
        # lane1 is on another worker and goes on granting meanwhile.
        s.card("rd1-in", STAFF)
        s.wait_event(lambda e: e["kind"] == "passage" and e["lane"] == "lane1")
        wait_for(lambda: s.ctl("stats")["links"]["gate3"]["pid"] not in (0, pid),
                 timeout=5, what="worker restarted")
        wait_for(lambda: s.device("ts3")["online"], timeout=5, what="ts3 back")
        assert s.ctl("stats")["links"]["gate3"]["restarts"] == 1
        assert writes(s, "ts3") == [], "the restart released the gate"
        s.card("rd3-in", STAFF)
        s.wait_event(lambda e: e["kind"] == "passage" and e["lane"] == "lane3")
    finally:
        s.close()


@test
def a_hung_worker_is_noticed_killed_and_restarted():
    s = Site()
    try:
        s.ctl("card", "add", STAFF, "--holder", "Ana Silva")
        wait_for(lambda: s.device("ts1")["online"] and s.device("ts2")["online"],
                 what="bus1 online")
        pid = s.ctl("stats")["links"]["bus1"]["pid"]
        os.kill(pid, signal.SIGSTOP)    # alive, but saying nothing
        # Silent for 3 s plus twice its 100 ms response timeout: hung.
        wait_for(lambda: not s.device("ts1")["online"], timeout=6, what="ts1 offline")
        assert s.device("ts2")["online"] is False
        s.card("rd1-in", STAFF)
        ev = s.wait_event(lambda e: e["kind"] == "access")[0]
        assert ev["reason"] == "lane_offline", ev
        wait_for(lambda: s.ctl("stats")["links"]["bus1"]["pid"] not in (0, pid),
                 timeout=5, what="worker restarted")
        wait_for(lambda: s.device("ts1")["online"], timeout=5, what="ts1 back")
        assert "silent" in s.log() and "killed" in s.log()
        assert writes(s, "ts1") == [], "the hang or the restart opened the lane"
        time.sleep(1.1)     # past the reader's hold-off
        s.card("rd1-in", STAFF)
        s.wait_event(lambda e: e["kind"] == "passage")
    finally:
        s.close()


@test
def garbage_on_a_reader_is_counted_and_never_grants():
    s = Site()
    try:
        s.ctl("card", "add", STAFF, "--holder", "Ana Silva")
        wait_for(lambda: s.device("ts1")["online"] and s.device("rd1-in")["online"],
                 what="online")
        s.sim_cmd("garbage", "rd1-in", 2000)
        s.sim_cmd("raw", "rd1-in", "02" + "3041303031323334353600".encode().hex()[:20] + "0003")
        # A frame with a wrong checksum for a known card.
        s.sim_cmd("raw", "rd1-in", "02" + (STAFF + "00").encode().hex() + "03")
        wait_for(lambda: s.device("rd1-in")["rejects"] > 0, what="rejects counted")
        time.sleep(0.3)
        assert writes(s, "ts1") == [], "garbage opened the lane"
        assert not [e for e in s.events() if e["kind"] == "access"]
        assert s.lobbyd.alive()
        assert [e for e in s.events() if e["kind"] == "reader_reject"]
        # The reader still works after the noise.
        s.card("rd1-in", STAFF)
        s.wait_event(lambda e: e["kind"] == "passage")
    finally:
        s.close()


@test
def a_jammed_turnstile_raises_a_fault_alert_and_denies_until_cleared():
    s = Site()
    try:
        s.ctl("card", "add", STAFF, "--holder", "Ana Silva")
        wait_for(lambda: s.device("ts1")["online"], what="ts1 online")
        s.sim_cmd("jam", "ts1", 23)
        wait_for(lambda: s.device("ts1")["state"] == "fault", what="fault state")
        a = wait_for(lambda: [a for a in s.ctl("alerts") if a["kind"] == "fault"],
                     what="fault alert")[0]
        assert a["source"] == "ts1" and "23" in a["message"], a
        assert s.device("ts1")["fault_code"] == 23
        s.card("rd1-in", STAFF)
        ev = s.wait_event(lambda e: e["kind"] == "access")[0]
        assert ev["reason"] == "lane_fault", ev
        s.sim_cmd("clear", "ts1")
        wait_for(lambda: not [a for a in s.ctl("alerts") if a["kind"] == "fault"],
                 what="fault alert cleared")
        assert writes(s, "ts1") == []
        kinds = [e["kind"] for e in s.events()]
        assert "fault" in kinds and "fault_cleared" in kinds, kinds
    finally:
        s.close()


@test
def a_fault_that_ends_while_lobbyd_is_stopped_clears_its_alert_at_start():
    s = Site()
    try:
        wait_for(lambda: s.device("ts1")["online"], what="ts1 online")
        s.sim_cmd("jam", "ts1", 23)
        wait_for(lambda: [a for a in s.ctl("alerts") if a["kind"] == "fault"],
                 what="fault alert")
        s.stop_lobbyd()
        s.sim_cmd("clear", "ts1")
        s.start_lobbyd()
        wait_for(lambda: s.device("ts1")["online"], what="ts1 back")
        wait_for(lambda: not [a for a in s.ctl("alerts") if a["kind"] == "fault"],
                 what="fault alert cleared after the restart")
        kinds = [e["kind"] for e in s.events()]
        assert kinds.count("fault_cleared") == 1, kinds
    finally:
        s.close()


@test
def a_lane_opened_by_hand_is_recorded_with_who_and_why():
    s = Site()
    try:
        wait_for(lambda: s.device("ts2")["online"], what="ts2 online")
        r = s.ctl("lane", "open", "lane2", "entry", "--reason", "courier with a trolley")
        assert r["lane"] == "lane2" and r["event_id"] > 0, r
        # Acknowledged means committed: the event is there at once.
        ev = [e for e in s.events() if e["kind"] == "manual_open"]
        assert len(ev) == 1 and ev[0]["id"] == r["event_id"], ev
        import pwd
        assert ev[0]["actor"] == pwd.getpwuid(os.getuid()).pw_name, ev
        assert ev[0]["detail"] == "courier with a trolley"
        wait_for(lambda: writes(s, "ts2") == ["open_entry"], what="open written")
        p = s.wait_event(lambda e: e["kind"] == "passage")[0]
        assert p["actor"] == ev[0]["actor"]
        bad = s.run_ctl("lane", "open", "lane9", "entry", "--reason", "x")
        assert bad.returncode == 1 and "lane9" in bad.stderr, bad
        bad = s.run_ctl("lane", "open", "lane2", "sideways", "--reason", "x")
        assert bad.returncode != 0, bad
    finally:
        s.close()


@test
def cards_and_events_survive_a_restart():
    s = Site()
    try:
        s.ctl("card", "add", STAFF, "--holder", "Ana Silva")
        wait_for(lambda: s.device("ts1")["online"], what="ts1 online")
        s.card("rd1-in", STAFF)
        s.wait_event(lambda e: e["kind"] == "passage")
        before = s.events()
        assert s.stop_lobbyd() == 0
        s.start_lobbyd()
        cards = s.ctl("card", "list")
        assert [c["uid"] for c in cards] == [STAFF], cards
        after = s.events()
        ids = {e["id"] for e in after}
        assert all(e["id"] in ids for e in before)
        kinds = [e["kind"] for e in after]
        assert "lobbyd_stop" in kinds and kinds.count("lobbyd_start") == 2, kinds
        wait_for(lambda: s.device("ts1")["online"], what="ts1 online again")
        s.card("rd1-in", STAFF)
        wait_for(lambda: len([e for e in s.events() if e["kind"] == "passage"]) == 2,
                 what="second passage")
        s.ctl("card", "remove", STAFF)
        s.card("rd1-out", STAFF)
        ev = s.wait_event(lambda e: e["kind"] == "access" and e["direction"] == "exit")[0]
        assert ev["reason"] == "unknown_card", ev
    finally:
        s.close()


@test
def a_broken_config_is_refused_with_file_and_line():
    s = Site(start_lobbyd=False)
    try:
        bad = os.path.join(s.dir, "bad.conf")
        text = open(s.conf).read().replace('profile = "tripod-a"; poll_ms = 200; },\n\t{ name = "ts2"',
                                           'profile = "tripod-x"; poll_ms = 200; },\n\t{ name = "ts2"')
        text = text.replace("timeout_ms = 150;", "timeout_ms = 0;")
        with open(bad, "w") as f:
            f.write(text)
        r = subprocess.run([LOBBYD, "-n", "-c", bad], capture_output=True, text=True, timeout=10)
        assert r.returncode == 1, r
        lines = [ln for ln in r.stderr.splitlines() if ln]
        assert len(lines) == 2, lines
        assert all(ln.startswith(bad + ":") for ln in lines), lines
        assert any("tripod-x" in ln for ln in lines) and any("timeout_ms" in ln for ln in lines)
        r = subprocess.run([LOBBYD, "-c", bad], capture_output=True, text=True, timeout=10)
        assert r.returncode == 1 and not os.path.exists(s.sock), r
        r = subprocess.run([LOBBYD, "-n", "-c", s.conf], capture_output=True, text=True,
                           timeout=10)
        assert r.returncode == 0 and r.stderr == "", r
    finally:
        s.close()


@test
def sighup_with_a_broken_config_keeps_the_old_one_and_a_good_one_applies():
    s = Site()
    try:
        wait_for(lambda: s.device("ts1")["online"], what="online")
        ndev = len(s.ctl("devices"))
        good = open(s.conf).read()
        with open(s.conf, "w") as f:
            f.write(good.replace("lanes = (", "lanes = ( oops"))
        os.kill(s.lobbyd.pid, signal.SIGHUP)
        wait_for(lambda: "configuration unchanged" in s.log(), what="reload refused")
        assert s.lobbyd.alive() and len(s.ctl("devices")) == ndev
        # Drop lane2 (and its reader): applied on SIGHUP.
        text = good.replace('{ name = "rd2-in";  path = "' + s.dir + '/rd2-in";  baud = 9600; '
                            'format = "wiegand-ascii"; },\n', "")
        text = text.replace('{ name = "lane2"; turnstile = "ts2"; entry_reader = "rd2-in"; '
                            'pass_timeout_ms = 1500; },\n', "")
        assert text != good
        with open(s.conf, "w") as f:
            f.write(text)
        os.kill(s.lobbyd.pid, signal.SIGHUP)
        wait_for(lambda: len(s.ctl("devices")) == ndev - 1, what="reloaded site")
        wait_for(lambda: s.device("ts1")["online"], what="online after reload")
    finally:
        s.close()


@test
def only_allowed_users_reach_the_control_socket():
    s = Site()
    try:
        os.chmod(s.dir, 0o755)
        os.chmod(s.sock, 0o666)     # leave only the peer-credential check
        os.chmod(os.path.dirname(os.path.abspath(LOBBYD)), 0o755)
        r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                            os.path.abspath(os.path.join(os.path.dirname(LOBBYD), "lobbyctl")),
                            "-s", s.sock, "status"],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode != 0, r
        wait_for(lambda: "refused nobody" in s.log(), what="refusal logged")
        assert s.ctl("status")["site"] == "Demo Tower"
    finally:
        s.close()


@test
def bad_requests_get_clear_errors_and_no_crash():
    import socket
    s = Site()
    try:
        def ask(raw):
            with socket.socket(socket.AF_UNIX) as c:
                c.settimeout(3)
                c.connect(s.sock)
                c.sendall(raw)
                buf = b""
                while not buf.endswith(b"\n"):
                    chunk = c.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
            return json.loads(buf.decode().splitlines()[0]) if buf else None
        cases = [
            (b"not json\n", "JSON"),
            (b'{"cmd": 5}\n', "cmd"),
            (b'{"cmd": "explode"}\n', "unknown command"),
            (b'{"cmd": "events", "args": {"limit": "ten"}}\n', "limit"),
            (b'{"cmd": "events", "args": {"lane": "nowhere"}}\n', "nowhere"),
            (b'{"cmd": "card.add", "args": {"uid": "XYZ123", "holder": "a"}}\n', "hex"),
            (b'{"cmd": "card.add", "args": {"uid": "0A0011", "holder": "a", "colour": 1}}\n',
             "colour"),
            (b'{"cmd": "lane.open", "args": {"lane": "lane1", "direction": "entry", '
             b'"reason": ""}}\n', "reason"),
            (b'{"cmd": "card.add", "args": {"uid": "0A\\u0000BC", "holder": "a"}}\n',
             "control character"),
            (b'{"cmd": "card.add", "args": {"uid": "0A00BC", "holder": "a\\nb"}}\n',
             "control character"),
        ]
        for raw, word in cases:
            r = ask(raw)
            assert r is not None and r["ok"] is False and word in r["error"], (raw, r)
        r = ask(b"x" * 70000 + b"\n")
        assert r is not None and r["ok"] is False, r
        assert s.lobbyd.alive() and s.ctl("status")
        assert not [e for e in s.events() if e["kind"] in ("manual_open", "card_added")]
    finally:
        s.close()


def proc_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])    # utime + stime


@test
def control_clients_that_misbehave_cost_nothing_and_half_close_is_answered():
    import socket
    s = Site()
    try:
        # A follower that floods requests: dropped, and no busy loop.
        f = socket.socket(socket.AF_UNIX)
        f.connect(s.sock)
        f.sendall(b'{"cmd": "events", "args": {"follow": true, "limit": 1}}\n')
        f.settimeout(3)
        assert b'"ok": true' in f.recv(65536).replace(b'"ok":true', b'"ok": true')
        f.sendall(b'{"cmd": "status"}\n' * 5000)
        time.sleep(0.3)
        t0 = proc_ticks(s.lobbyd.pid)
        time.sleep(1.0)
        used = proc_ticks(s.lobbyd.pid) - t0
        assert used < 30, f"lobbyd used {used} ticks in 1 s with a flooding follower"
        f.close()
        time.sleep(0.3)
        t0 = proc_ticks(s.lobbyd.pid)
        time.sleep(1.0)
        assert proc_ticks(s.lobbyd.pid) - t0 < 30, "busy after the follower left"
        # A request and then a half-close: answered, and done.
        h = socket.socket(socket.AF_UNIX)
        h.connect(s.sock)
        h.sendall(b'{"cmd": "card.add", "args": {"uid": "0F00000001", "holder": "Half"}}\n')
        h.shutdown(socket.SHUT_WR)
        h.settimeout(5)
        reply = b""
        while True:
            chunk = h.recv(65536)
            if not chunk:
                break
            reply += chunk
        h.close()
        assert json.loads(reply.decode())["ok"] is True, reply
        assert [c for c in s.ctl("card", "list") if c["uid"] == "0F00000001"]
        assert s.ctl("status")["cards"] == 1
    finally:
        s.close()


@test
def following_one_lane_shows_only_that_lane():
    import subprocess as sp
    s = Site()
    try:
        s.ctl("card", "add", STAFF, "--holder", "Ana Silva")
        wait_for(lambda: s.device("ts1")["online"] and s.device("ts2")["online"],
                 what="online")
        out_path = os.path.join(s.dir, "follow.out")
        # From the next whole second, before anything below happens: the
        # follower sees it all however late it starts to follow.
        time.sleep(1 - time.time() % 1)
        since = time.strftime("%Y-%m-%d %H:%M:%S")
        with open(out_path, "w") as out:
            p = sp.Popen([os.path.join(os.path.dirname(LOBBYD), "lobbyctl"), "-s", s.sock,
                          "--json", "events", "--follow", "--lane", "lane2",
                          "--since", since], stdout=out, stderr=sp.STDOUT)
        try:
            s.card("rd1-in", STAFF)
            s.wait_event(lambda e: e["kind"] == "passage" and e["lane"] == "lane1")
            s.ctl("lane", "open", "lane2", "entry", "--reason", "delivery")
            s.wait_event(lambda e: e["kind"] == "passage" and e["lane"] == "lane2")

            def followed():
                rows = [json.loads(ln) for ln in open(out_path)
                        if ln.strip().startswith("{")]
                return rows if "passage" in [r.get("kind") for r in rows] else None
            wait_for(followed, timeout=10, what="the follower's passage at lane2")
            time.sleep(0.3)     # anything else it would show (it must not)
        finally:
            os.kill(p.pid, signal.SIGTERM)
            p.wait(5)
        rows = [json.loads(ln) for ln in open(out_path) if ln.strip().startswith("{")]
        lanes = {r.get("lane") for r in rows}
        kinds = [r.get("kind") for r in rows]
        assert lanes == {"lane2"}, rows
        assert "manual_open" in kinds and "passage" in kinds, kinds
    finally:
        s.close()


@test
def a_lane_is_not_opened_by_hand_while_a_granted_passage_is_under_way():
    s = Site(pass_timeout_ms=3000)
    try:
        s.ctl("card", "add", STAFF, "--holder", "Ana Silva")
        wait_for(lambda: s.device("ts2")["online"], what="ts2 online")
        s.sim_cmd("nopass", "ts2", "on")
        s.card("rd2-in", STAFF)
        s.wait_event(lambda e: e["kind"] == "access" and e["decision"] == "granted")
        r = s.run_ctl("lane", "open", "lane2", "entry", "--reason", "courier")
        assert r.returncode == 1 and "under way" in r.stderr, r
        assert not [e for e in s.events() if e["kind"] == "manual_open"]
        s.wait_event(lambda e: e["kind"] == "no_passage", timeout=6)
        s.ctl("lane", "open", "lane2", "entry", "--reason", "courier")
        # The reply follows the commit; the write follows on the bus.
        wait_for(lambda: writes(s, "ts2") == ["open_entry", "open_entry"],
                 what="the second open written")
    finally:
        s.close()


def me():
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name


@test
def a_refused_manual_open_is_recorded_with_who_what_and_why():
    s = Site(pass_timeout_ms=3000)
    try:
        s.ctl("card", "add", STAFF, "--holder", "Ana Silva")
        wait_for(lambda: s.device("ts2")["online"] and s.device("ts3")["online"],
                 what="ts2 and ts3 online")
        # Offline: nothing is sent, and the refusal is on record at once.
        s.sim_cmd("mute", "ts3")
        wait_for(lambda: not s.device("ts3")["online"], timeout=3, what="ts3 offline")
        r = s.run_ctl("lane", "open", "lane3", "exit", "--reason", "courier")
        assert r.returncode == 1 and "not answering" in r.stderr, r
        ev = [e for e in s.events() if e["kind"] == "manual_open_refused"]
        assert len(ev) == 1, ev
        assert ev[0]["lane"] == "lane3" and ev[0]["device"] == "ts3", ev
        assert ev[0]["direction"] == "exit" and ev[0]["decision"] == "denied", ev
        assert ev[0]["actor"] == me() and ev[0]["reason"] == "lane_offline", ev
        assert "turnstile ts3 is not answering" in ev[0]["detail"], ev
        assert ev[0]["detail"] in r.stderr, (ev, r.stderr)
        # A passage under way.
        s.sim_cmd("nopass", "ts2", "on")
        s.card("rd2-in", STAFF)
        s.wait_event(lambda e: e["kind"] == "access" and e["decision"] == "granted")
        r = s.run_ctl("lane", "open", "lane2", "entry", "--reason", "courier")
        assert r.returncode == 1 and "under way" in r.stderr, r
        ev = [e for e in s.events() if e["kind"] == "manual_open_refused"
              and e["lane"] == "lane2"]
        assert len(ev) == 1 and ev[0]["reason"] == "lane_busy", ev
        assert ev[0]["actor"] == me() and "card granted" in ev[0]["detail"], ev
        # The guard's table says it in words.
        out = s.run_ctl("events", "--lane", "lane2", check=True).stdout
        row = [ln for ln in out.splitlines() if "manual open" in ln]
        assert len(row) == 1 and "Previous passage not finished" in row[0], out
        assert row[0].split()[-1] == me(), out
        assert writes(s, "ts3") == [] and writes(s, "ts2") == ["open_entry"]
        assert not [e for e in s.events() if e["kind"] == "manual_open"]
    finally:
        s.close()


@test
def a_turnstile_in_fault_is_opened_by_hand_only_when_a_manager_forces_it():
    s = Site()
    try:
        s.ctl("card", "add", STAFF, "--holder", "Ana Silva")
        wait_for(lambda: s.device("ts1")["online"], what="ts1 online")
        s.sim_cmd("jam", "ts1", 17)
        wait_for(lambda: s.device("ts1")["state"] == "fault", what="fault state")
        # A card is refused there; so is an operator without --force.
        s.card("rd1-in", STAFF)
        ev = s.wait_event(lambda e: e["kind"] == "access")[0]
        assert ev["reason"] == "lane_fault", ev
        r = s.run_ctl("lane", "open", "lane1", "entry", "--reason", "courier")
        assert r.returncode == 1, r
        assert "turnstile ts1 is in fault (code 17)" in r.stderr, r.stderr
        assert "--force" in r.stderr, r.stderr
        time.sleep(0.3)
        assert writes(s, "ts1") == [], writes(s, "ts1")
        ev = [e for e in s.events() if e["kind"] == "manual_open_refused"]
        assert len(ev) == 1 and ev[0]["reason"] == "lane_fault", ev
        assert ev[0]["actor"] == me() and ev[0]["lane"] == "lane1", ev
        assert not [e for e in s.events() if e["kind"] == "manual_open"]
        # A manager (every user, on a site without roles) may force it:
        # recorded as forced, with who, then written.
        r = s.run_ctl("lane", "open", "lane1", "entry", "--reason",
                      "child stuck in the jammed lane", "--force", check=True)
        assert "forced" in r.stdout, r.stdout
        ev = [e for e in s.events() if e["kind"] == "manual_open"]
        assert len(ev) == 1 and ev[0]["actor"] == me(), ev
        assert ev[0]["detail"] == "forced (fault code 17): child stuck in the jammed lane", ev
        wait_for(lambda: writes(s, "ts1") == ["open_entry"], what="forced open written")
        # --force overrides a fault, never a passage under way.
        r = s.run_ctl("lane", "open", "lane1", "entry", "--reason", "again", "--force")
        assert r.returncode == 1 and "under way" in r.stderr, r
    finally:
        s.close()


BAD_FRAME = "02" + (STAFF + "00").encode().hex() + "03"     # wrong checksum


def rejects(s):
    return [e for e in s.events() if e["kind"] == "reader_reject"]


@test(slow=True)
def bad_reader_frames_are_summed_up_when_their_minute_ends():
    s = Site()
    try:
        wait_for(lambda: s.device("rd1-in")["online"], what="rd1-in online")
        s.sim_cmd("raw", "rd1-in", BAD_FRAME)
        first = s.wait_event(lambda e: e["kind"] == "reader_reject")
        assert len(first) == 1 and first[0]["detail"] == "1 bad frame(s), last: bad checksum", first
        for _ in range(2):
            s.sim_cmd("raw", "rd1-in", BAD_FRAME)
        wait_for(lambda: s.device("rd1-in")["rejects"] == 3, what="3 rejects counted")
        assert len(rejects(s)) == 1, rejects(s)
        # No more bad frames: the two are recorded when the minute ends,
        # not whenever the next bad frame comes.
        ev = wait_for(lambda: rejects(s)[1:], timeout=65, what="the minute's summary")
        took = (ev[0]["ts_ms"] - first[0]["ts_ms"]) / 1000
        assert 59.5 <= took <= 62.5, took
        assert ev[0]["detail"] == "2 more bad frame(s) within a minute of the last " \
            "report, last: bad checksum", ev
        assert s.device("rd1-in")["rejects"] == 3
    finally:
        s.close()


@test
def bad_reader_frames_not_yet_summed_up_are_recorded_at_a_stop_or_reload():
    s = Site()
    try:
        wait_for(lambda: s.device("rd1-in")["online"], what="rd1-in online")
        for _ in range(3):
            s.sim_cmd("raw", "rd1-in", BAD_FRAME)
        wait_for(lambda: s.device("rd1-in")["rejects"] == 3, what="3 rejects counted")
        s.stop_lobbyd()
        s.start_lobbyd()
        details = [e["detail"] for e in rejects(s)]
        assert details == ["1 bad frame(s), last: bad checksum",
                           "2 more bad frame(s) within a minute of the last report, "
                           "last: bad checksum"], details
        # The same before a reload, which starts the readers' counts anew.
        for _ in range(2):
            s.sim_cmd("raw", "rd1-in", BAD_FRAME)
        wait_for(lambda: s.device("rd1-in")["rejects"] == 2, what="2 more counted")
        wait_for(lambda: len(rejects(s)) == 3, what="the first after the restart")
        os.kill(s.lobbyd.pid, signal.SIGHUP)
        wait_for(lambda: rejects(s)[3:], what="the reload's summary")
        assert rejects(s)[3]["detail"].startswith("1 more bad frame(s)"), rejects(s)
    finally:
        s.close()


def device_row(s, name):
    """The cells of a device's row in lobbyctl devices (the time is one)."""
    out = s.run_ctl("devices", check=True).stdout
    row = [ln for ln in out.splitlines() if ln.split()[:1] == [name]]
    assert len(row) == 1, out
    return row[0]


def local_time(ms):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000))


@test
def devices_shows_a_contact_input_active_or_inactive_and_when_a_fault_began():
    s = Site()
    try:
        wait_for(lambda: s.device("fire-panel")["online"] and s.device("ts1")["online"],
                 what="fire-panel and ts1 online")
        # The fire panel's contact: its own words, never a turnstile's.
        wait_for(lambda: s.device("fire-panel")["state"] == "inactive",
                 what="fire-panel inactive")
        assert " online inactive " in device_row(s, "fire-panel")
        t0 = int(time.time() * 1000)
        s.sim_cmd("input", "fire-panel", "on")
        wait_for(lambda: s.device("fire-panel")["state"] == "active",
                 what="fire-panel active")
        d = s.device("fire-panel")
        assert t0 - 1000 <= d["state_since_ms"] <= int(time.time() * 1000), (t0, d)
        assert " online active " in device_row(s, "fire-panel")
        s.sim_cmd("input", "fire-panel", "off")
        wait_for(lambda: s.device("fire-panel")["state"] == "inactive",
                 what="fire-panel inactive again")

        # A fault: since when, in the reply and in the table's SINCE.
        time.sleep(1.1)     # a fault time apart from the online time
        t0 = int(time.time() * 1000)
        s.sim_cmd("jam", "ts1", 17)
        wait_for(lambda: s.device("ts1")["state"] == "fault", what="fault state")
        t1 = int(time.time() * 1000)
        d = s.device("ts1")
        assert t0 <= d["fault_since_ms"] <= t1, (t0, d, t1)
        assert d["state_since_ms"] == d["fault_since_ms"], d
        assert d["since_ms"] < t0, d
        row = device_row(s, "ts1")
        assert " online fault " in row and local_time(d["fault_since_ms"]) in row, row
        r = s.run_ctl("--json", "devices", "--check")
        assert r.returncode == 1, r     # not all OK
        check = json.loads(r.stdout)
        p = [p for p in check["problems"] if p["name"] == "ts1" and p["what"] == "fault"]
        assert p and p[0]["since_ms"] == d["fault_since_ms"], check
        # A restart of lobbyd does not move it: the fault began before.
        since = d["fault_since_ms"]
        s.stop_lobbyd()
        s.start_lobbyd()
        wait_for(lambda: s.device("ts1")["state"] == "fault", what="fault after restart")
        assert s.device("ts1")["fault_since_ms"] == since, s.device("ts1")
        s.sim_cmd("clear", "ts1")
        # (idle, or passing: the fire mode above still holds egress lanes free)
        wait_for(lambda: s.device("ts1")["state"] in ("idle", "passing"),
                 what="fault cleared")
        assert s.device("ts1")["fault_since_ms"] == 0
    finally:
        s.close()


if __name__ == "__main__":
    run_tests("test_lobby", case_jobs=2)
