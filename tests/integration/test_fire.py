"""
The fire-alarm mode (DESIGN invariant 2) end to end: lobbysim plays the
demo site's fire-panel contact (a discrete input on the RTU bus) and the
turnstiles; lobbyd is driven with the real lobbyctl. The turnstiles' write
logs in lobbysim show what reached the wire.
"""
import re
import signal
import time

from lobbytest import DEMO_CONF, Site, run_tests, test, wait_for

EGRESS = ("ts1", "ts3")         # lane1, lane3
NON_EGRESS = "ts2"              # lane2: egress = false below
CARD = "0A00123456"


def site_conf():
    """The demo site, lane2 not an egress lane, and a second fire input on
    the Modbus TCP link: a holding register, active low."""
    text = open(DEMO_CONF).read()
    lane2 = '{ name = "lane2"; turnstile = "ts2"; entry_reader = "rd2-in";'
    assert lane2 in text
    text = text.replace(lane2, lane2 + " egress = false;")
    panel = 'function = "fire"; active_low = false; poll_ms = 100; }'
    assert text.count(panel) == 1
    text = text.replace(panel, panel + ',\n'
                        '\t{ name = "fire-b"; link = "gate3"; unit = 5; kind = "input";\n'
                        '\t  point = "holding:3"; function = "fire"; active_low = true;'
                        ' poll_ms = 100; }')
    return text


def at_least(n, items):
    return items if len(items) >= n else None


def cmds(site, dev):
    return [c for _, c in site.sim_writes(dev)]


def ready(site):
    """Every turnstile and both fire inputs answering, the inputs read."""
    def ok():
        devs = {d["name"]: d for d in site.ctl("devices")}
        return all(devs[n]["online"] for n in ("ts1", "ts2", "ts3", "fire-panel",
                                               "fire-b", "rd1-in", "rd2-in")) and \
            all(v == "inactive" for v in site.ctl("fire")["inputs"].values())
    wait_for(ok, 10, "devices online and fire inputs read")


def fire_on(site, dev="fire-panel"):
    site.sim_cmd("input", dev, "on")
    wait_for(lambda: site.ctl("fire")["active"], 5, "fire mode on")
    for ts in EGRESS:
        wait_for(lambda ts=ts: "free" in cmds(site, ts), 5, f"FREE written to {ts}")


@test
def test_fire_frees_egress_lanes_and_holds_them():
    s = Site(site_conf())
    try:
        ready(s)
        s.ctl("card", "add", CARD, "--holder", "Ann Lee")
        status = s.ctl("status")
        assert status["fire_mode"] == "off", status
        before = {ts: len(cmds(s, ts)) for ts in ("ts1", "ts2", "ts3")}

        fire_on(s)
        st = s.ctl("fire")
        assert st["mode"] == "on" and st["source"] == "fire-panel", st
        assert st["inputs"] == {"fire-panel": "active", "fire-b": "inactive"}, st
        assert st["awaiting_reset"] is False and "still active" in st["reset_blocked"], st
        assert s.ctl("status")["fire_mode"] == "on"
        for ts in EGRESS:
            assert cmds(s, ts)[before[ts]:] == ["free"], (ts, cmds(s, ts))
        # The time from the input's arrival to FREE on the wire, per lane.
        frees = wait_for(lambda: at_least(2, [e for e in s.events()
                                              if e["kind"] == "fire_free"]),
                         5, "a fire_free event per egress lane")
        assert sorted(e["device"] for e in frees) == sorted(EGRESS), frees
        for e in frees:
            m = re.search(r"FREE on the wire (\d+)\.(\d+) ms after the input", e["detail"])
            assert m, e
            # lobbyd's own share; the target is 100 ms, bounded generously
            # here because the test machine is shared.
            assert int(m.group(1)) < 500, e
        # The non-egress lane is not freed.
        time.sleep(0.3)
        assert cmds(s, NON_EGRESS)[before[NON_EGRESS]:] == [], cmds(s, NON_EGRESS)

        alerts = s.ctl("alerts")
        fire = [a for a in alerts if a["kind"] == "site_fire"]
        assert len(fire) == 1 and fire[0]["severity"] == "emergency", alerts
        assert fire[0]["audience"] == "engineering,security,frontdesk", fire
        assert "fire-panel" in fire[0]["message"], fire

        # A card at an egress lane: recorded, nothing opened or locked.
        s.card("rd1-in", CARD)
        ev = s.wait_event(lambda e: e["kind"] == "access" and e["lane"] == "lane1",
                          5, "card read at lane1")[-1]
        assert ev["reason"] == "fire_mode" and ev["decision"] == "", ev
        assert ev["detail"] == "Ann Lee", ev
        # A manual open is refused, and says why.
        r = s.run_ctl("lane", "open", "lane1", "exit", "--reason", "wheelchair")
        assert r.returncode == 1 and "fire mode" in r.stderr, r
        ev = [e for e in s.events() if e["kind"] == "manual_open_refused"]
        assert len(ev) == 1 and ev[0]["reason"] == "fire_mode", ev
        assert ev[0]["lane"] == "lane1" and ev[0]["direction"] == "exit", ev
        assert ev[0]["actor"] != "" and "fire mode" in ev[0]["detail"], ev
        # The non-egress lane works as usual: the card opens it.
        s.card("rd2-in", CARD)
        wait_for(lambda: "open_entry" in cmds(s, NON_EGRESS), 5, "open at lane2")
        ev = s.wait_event(lambda e: e["kind"] == "access" and e["lane"] == "lane2",
                          5, "card at lane2")[-1]
        assert ev["decision"] == "granted", ev

        # Reset is refused while the input is active.
        r = s.run_ctl("fire", "reset")
        assert r.returncode == 1, r
        assert "fire input fire-panel is still active" in r.stderr, r.stderr
        # The input clears: the lanes stay free until an operator resets.
        s.sim_cmd("input", "fire-panel", "off")
        wait_for(lambda: s.ctl("fire")["awaiting_reset"], 5, "awaiting reset")
        assert s.ctl("status")["fire_mode"] == "on, awaiting reset"
        time.sleep(0.5)
        for ts in EGRESS:
            assert cmds(s, ts)[before[ts]:] == ["free"], (ts, cmds(s, ts))
        assert s.sim_status("ts1")["state"] == "passing"

        r = s.run_ctl("fire", "reset")
        assert r.returncode == 0, r
        assert "reset by" in r.stdout, r.stdout
        for ts in EGRESS:
            wait_for(lambda ts=ts: cmds(s, ts)[-1] == "lock", 5, f"LOCK to {ts}")
        assert "lock" not in cmds(s, NON_EGRESS)
        assert s.ctl("fire")["mode"] == "off"
        wait_for(lambda: not [a for a in s.ctl("alerts") if a["kind"] == "site_fire"],
                 5, "fire alert cleared")
        ev = s.wait_event(lambda e: e["kind"] == "fire_reset", 5, "fire_reset event")[-1]
        assert ev["actor"] != "", ev
        # Cards are decided again as usual (the exit reader: a reader
        # ignores the same card again within a second).
        n = len(cmds(s, "ts1"))
        s.card("rd1-out", CARD)
        wait_for(lambda: "open_exit" in cmds(s, "ts1")[n:], 5, "open at lane1")
        r = s.run_ctl("fire", "reset")
        assert r.returncode == 1 and "not on" in r.stderr, r
    finally:
        s.close()


@test
def test_fire_mode_survives_restart():
    s = Site(site_conf())
    try:
        ready(s)
        fire_on(s)
        s.wait_event(lambda e: e["kind"] == "fire_mode_on", 5, "fire_mode_on recorded")
        assert s.stop_lobbyd(signal.SIGTERM) == 0
        # The alarm clears while lobbyd is down: the mode stays on all the same.
        s.sim_cmd("input", "fire-panel", "off")
        counts = {ts: len(cmds(s, ts)) for ts in ("ts1", "ts2", "ts3")}
        s.start_lobbyd()
        st = s.ctl("fire")
        assert st["active"] is True and st["source"] == "fire-panel", st
        for ts in EGRESS:
            wait_for(lambda ts=ts: cmds(s, ts)[counts[ts]:] == ["free"], 10,
                     f"{ts} freed again after the restart")
        wait_for(lambda: s.ctl("fire")["awaiting_reset"], 5, "awaiting reset")
        s.card("rd1-in", CARD)
        ev = s.wait_event(lambda e: e["kind"] == "access" and e["lane"] == "lane1",
                          5, "card read at lane1")[-1]
        assert ev["reason"] == "fire_mode", ev
        time.sleep(0.5)
        for ts in ("ts1", "ts2", "ts3"):
            assert "lock" not in cmds(s, ts), (ts, cmds(s, ts))
        assert cmds(s, NON_EGRESS)[counts[NON_EGRESS]:] == []
        assert [a for a in s.ctl("alerts") if a["kind"] == "site_fire"]
        r = s.run_ctl("fire", "reset")
        assert r.returncode == 0, r
        for ts in EGRESS:
            wait_for(lambda ts=ts: cmds(s, ts)[-1] == "lock", 5, f"LOCK to {ts}")
        # Off is stored too: a restart now frees nothing.
        assert s.stop_lobbyd(signal.SIGTERM) == 0
        counts = {ts: len(cmds(s, ts)) for ts in EGRESS}
        s.start_lobbyd()
        assert s.ctl("fire")["active"] is False
        ready(s)
        time.sleep(0.5)
        for ts in EGRESS:
            assert cmds(s, ts)[counts[ts]:] == [], (ts, cmds(s, ts))
    finally:
        s.close()


@test
def test_fire_refrees_turnstile_that_relocks():
    s = Site(site_conf())
    try:
        ready(s)
        fire_on(s, "fire-b")        # the active-low holding register on TCP
        assert s.ctl("fire")["source"] == "fire-b"
        # A turnstile that reports locked (idle) again while answering.
        n = len(cmds(s, "ts3"))
        s.sim_cmd("clear", "ts3")
        wait_for(lambda: cmds(s, "ts3")[n:] == ["free"], 5, "ts3 freed again")
        # One that stops answering and comes back locked (a reboot).
        s.sim_cmd("mute", "ts1")
        wait_for(lambda: not s.device("ts1")["online"], 10, "ts1 offline")
        s.sim_cmd("clear", "ts1")
        n = len(cmds(s, "ts1"))
        s.sim_cmd("unmute", "ts1")
        wait_for(lambda: cmds(s, "ts1")[n:] == ["free"], 10, "ts1 freed when back")
        wait_for(lambda: s.sim_status("ts1")["state"] == "passing", 5, "ts1 free")
        for ts in ("ts1", "ts3"):
            assert "lock" not in cmds(s, ts) and "open_entry" not in cmds(s, ts)
    finally:
        s.close()


@test
def test_fire_input_offline_releases_nothing():
    s = Site(site_conf())
    try:
        ready(s)
        counts = {ts: len(cmds(s, ts)) for ts in ("ts1", "ts2", "ts3")}
        # A fire input that stops answering is a fault, not an alarm.
        s.sim_cmd("mute", "fire-panel")
        wait_for(lambda: not s.device("fire-panel")["online"], 10, "panel offline")
        assert s.ctl("fire")["active"] is False
        assert s.ctl("fire")["inputs"]["fire-panel"] == "unknown"
        offline = [a for a in s.ctl("alerts") if a["source"] == "fire-panel"]
        assert offline and offline[0]["kind"] == "offline", offline
        assert "Input fire-panel not answering" in offline[0]["message"], offline
        time.sleep(0.3)
        for ts in counts:
            assert cmds(s, ts)[counts[ts]:] == [], (ts, cmds(s, ts))
        # The other input starts the mode; reset waits for the silent one.
        fire_on(s, "fire-b")
        s.sim_cmd("input", "fire-b", "off")
        wait_for(lambda: s.ctl("fire")["inputs"]["fire-b"] == "inactive", 5, "fire-b off")
        r = s.run_ctl("fire", "reset")
        assert r.returncode == 1 and "fire-panel is not answering" in r.stderr, r
        s.sim_cmd("unmute", "fire-panel")
        wait_for(lambda: s.ctl("fire")["awaiting_reset"], 10, "awaiting reset")
        assert s.run_ctl("fire", "reset").returncode == 0
    finally:
        s.close()


@test
def test_lobbysim_input_commands():
    s = Site(site_conf(), start_lobbyd=False)
    try:
        assert s.sim_cmd("input", "fire-panel") == "ok on=0 muted=0"
        assert s.sim_cmd("input", "fire-panel", "on") == "ok on=1 muted=0"
        for bad, want in ((("input", "ts1", "on"), "not an input"),
                          (("input", "nope", "on"), "no device"),
                          (("input", "fire-panel", "maybe"), "usage"),
                          (("jam", "fire-panel"), "is an input")):
            try:
                s.sim_cmd(*bad)
                raise AssertionError(f"{bad} accepted")
            except RuntimeError as exc:
                assert want in str(exc), exc
    finally:
        s.close()


if __name__ == "__main__":
    run_tests("test_fire")
