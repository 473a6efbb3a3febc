"""
Intercom stations, lobbysim playing them over Modbus TCP: an unanswered call
is forwarded down its station's next chain with an alert that clears when it
is answered and turns urgent at the end of the chain; the front desk releases
a door with lobbyctl (recorded with who), never an offline one; losing and
regaining a station releases nothing. The same call scenario against a
pymodbus intercom. Run with /usr/bin/python3.
"""
import os
import pwd
import tempfile
import time

from lobbytest import LOBBYD, LOBBYSIM, Proc, Site, free_port, run_tests, test, wait_for
import lobbytest

HERE = os.path.dirname(os.path.abspath(__file__))
PM_INTERCOM = os.path.join(HERE, "pymodbus_intercom.py")

COMMON = """
store = { database = "@DIR@/lobbyd.db"; event_batch_ms = 20; };
control = { socket = "@DIR@/control.sock"; groups = []; };
health = { offline_after = 2; backoff_max_ms = 500; };
"""

ICOM_PROFILE = """
profiles = ( {
	name = "icom-a"; kind = "intercom";
	call_state = "input:0"; call_values = { idle = 0; ringing = 1; connected = 2; };
	call_button = "discrete:0"; door_state = "discrete:1";
	commands = {
		release = { register = "coil:0"; value = 1; release_ms = 400; };
		forward = { register = "holding:10"; };
	};
} );
"""

# lobby -> desk2 (which waits long: the first test answers there); side ->
# desk3, the end of its chain after one more second.
SITE = COMMON + ICOM_PROFILE + """
links = ( { name = "ic"; type = "modbus-tcp"; host = "127.0.0.1"; port = 15020; timeout_ms = 150; } );
devices = (
	{ name = "icom-lobby"; link = "ic"; unit = 1; profile = "icom-a"; poll_ms = 100;
	  station = 11; next = "icom-desk2"; ring_timeout_s = 1; },
	{ name = "icom-desk2"; link = "ic"; unit = 2; profile = "icom-a"; poll_ms = 100;
	  station = 12; ring_timeout_s = 60; },
	{ name = "icom-side"; link = "ic"; unit = 3; profile = "icom-a"; poll_ms = 100;
	  station = 13; next = "icom-desk3"; ring_timeout_s = 1; },
	{ name = "icom-desk3"; link = "ic"; unit = 4; profile = "icom-a"; poll_ms = 100;
	  station = 14; ring_timeout_s = 1; }
);
"""

USER = pwd.getpwuid(os.getuid()).pw_name


def station(s, name):
    for st in s.ctl("intercom"):
        if st["name"] == name:
            return st
    raise KeyError(name)


def icom_writes(s, dev):
    """[(kind, value)] of the release and forward writes lobbysim took."""
    words = s.sim_cmd("icom", dev, "writes", 256).split()[2:]
    return [(w.split(":")[1], int(w.split(":")[2])) for w in words]


def alerts_of(s, source, kind="call_unanswered"):
    return [a for a in s.ctl("alerts") if a["source"] == source and a["kind"] == kind]


def events_of(s, dev, kind):
    return [e for e in s.events() if e["device"] == dev and e["kind"] == kind]


def all_online(s):
    wait_for(lambda: all(st["online"] and st["call"] == "idle" for st in s.ctl("intercom")),
             timeout=8, what="every station online and idle")


@test
def unanswered_call_is_forwarded_and_clears_when_answered():
    s = Site(conf_text=SITE)
    try:
        all_online(s)
        s.sim_cmd("icom", "icom-lobby", "ring")
        ring = s.wait_event(lambda e: e["kind"] == "call_ringing"
                            and e["device"] == "icom-lobby")
        wait_for(lambda: station(s, "icom-lobby")["call"] == "ringing", what="ringing shown")
        fwd = s.wait_event(lambda e: e["kind"] == "call_forwarded", timeout=6)
        assert fwd[0]["device"] == "icom-lobby" and "icom-desk2" in fwd[0]["detail"], fwd
        # Not before its ring_timeout_s (1 s).
        assert fwd[0]["ts_ms"] - ring[0]["ts_ms"] >= 1000, (ring, fwd)
        wait_for(lambda: ("forward", 12) in icom_writes(s, "icom-lobby"),
                 what="station 12 written to icom-lobby's forward register")
        al = wait_for(lambda: alerts_of(s, "icom-lobby"), what="call_unanswered alert")
        assert al[0]["severity"] == "warning", al
        assert set(al[0]["audience"].split(",")) == {"frontdesk", "security"}, al
        st = station(s, "icom-lobby")
        assert st["forwarded_to"] == "icom-desk2" and st["call"] == "ringing", st
        # lobbyctl's table shows the station, its call and how long.
        out = s.run_ctl("intercom", check=True).stdout
        assert "icom-lobby" in out and "ringing" in out and "icom-desk2" in out, out

        s.sim_cmd("icom", "icom-lobby", "answer")
        ans = s.wait_event(lambda e: e["kind"] == "call_answered")
        assert "forwarded to icom-desk2" in ans[0]["detail"], ans
        assert "answered after" in ans[0]["detail"], ans
        wait_for(lambda: not alerts_of(s, "icom-lobby"), what="alert cleared on answer")
        # icom-desk2 waits 60 s: the call went no further.
        assert [w for w in icom_writes(s, "icom-lobby") if w[0] == "forward"] == [("forward", 12)]
        s.sim_cmd("icom", "icom-lobby", "hangup")
        end = s.wait_event(lambda e: e["kind"] == "call_ended")
        assert end[0]["detail"].startswith("call of"), end
        # Nobody released the door on the way.
        assert ("release", 1) not in icom_writes(s, "icom-lobby")
    finally:
        s.close()


@test
def end_of_chain_gives_an_urgent_alert_that_clears_when_the_call_ends():
    s = Site(conf_text=SITE)
    try:
        all_online(s)
        s.sim_cmd("icom", "icom-side", "ring")
        s.wait_event(lambda e: e["kind"] == "call_forwarded" and e["device"] == "icom-side",
                     timeout=6)
        wait_for(lambda: ("forward", 14) in icom_writes(s, "icom-side"), what="forward to 14")
        un = s.wait_event(lambda e: e["kind"] == "call_unanswered"
                          and e["device"] == "icom-side", timeout=6)
        assert "no station left" in un[0]["detail"], un
        al = wait_for(lambda: [a for a in alerts_of(s, "icom-side") if a["severity"] == "urgent"],
                      what="urgent call_unanswered alert")
        assert len(alerts_of(s, "icom-side")) == 1, s.ctl("alerts")
        assert "frontdesk" in al[0]["audience"], al
        # Nothing further is forwarded past the end of the chain.
        time.sleep(1.5)
        assert [w for w in icom_writes(s, "icom-side") if w[0] == "forward"] == [("forward", 14)]
        s.sim_cmd("icom", "icom-side", "hangup")
        end = s.wait_event(lambda e: e["kind"] == "call_ended" and e["device"] == "icom-side")
        assert end[0]["detail"].startswith("unanswered"), end
        wait_for(lambda: not alerts_of(s, "icom-side"), what="alert cleared when the call ended")
    finally:
        s.close()


@test
def release_writes_the_release_and_records_who_and_why():
    s = Site(conf_text=SITE)
    try:
        all_online(s)
        r = s.run_ctl("intercom", "release", "icom-desk2", "--reason", "courier at the door")
        assert r.returncode == 0, r.stderr
        assert "released icom-desk2" in r.stdout, r.stdout
        # Recorded (committed before the reply) with who and why.
        ev = events_of(s, "icom-desk2", "door_release")
        assert len(ev) == 1 and ev[0]["actor"] == USER, ev
        assert ev[0]["detail"] == "courier at the door", ev
        wait_for(lambda: ("release", 1) in icom_writes(s, "icom-desk2"), what="release written")
        # release_ms: lobbyd itself ends the release.
        wait_for(lambda: icom_writes(s, "icom-desk2")[-1] == ("release", 0),
                 what="release ended by lobbyd")
        # Bad input is refused with a reason, and releases nothing.
        n = len(icom_writes(s, "icom-desk2"))
        r = s.run_ctl("intercom", "release", "icom-desk2")
        assert r.returncode == 2 and "--reason" in r.stderr, r
        r = s.run_ctl("intercom", "release", "nobody", "--reason", "x")
        assert r.returncode == 1 and "no intercom station" in r.stderr, r
        assert len(icom_writes(s, "icom-desk2")) == n
    finally:
        s.close()


@test
def release_is_refused_for_an_offline_station():
    s = Site(conf_text=SITE)
    try:
        all_online(s)
        before = icom_writes(s, "icom-desk3")
        s.sim_cmd("mute", "icom-desk3")
        wait_for(lambda: not station(s, "icom-desk3")["online"], timeout=6, what="offline")
        al = wait_for(lambda: alerts_of(s, "icom-desk3", "offline"), what="offline alert")
        assert "Intercom icom-desk3" in al[0]["message"], al
        assert station(s, "icom-desk3")["call"] == "offline"
        r = s.run_ctl("intercom", "release", "icom-desk3", "--reason", "visitor")
        assert r.returncode == 1 and "not answering" in r.stderr, r
        assert not events_of(s, "icom-desk3", "door_release")
        s.sim_cmd("unmute", "icom-desk3")
        wait_for(lambda: station(s, "icom-desk3")["online"], timeout=6, what="back")
        time.sleep(0.5)
        assert icom_writes(s, "icom-desk3") == before, icom_writes(s, "icom-desk3")
    finally:
        s.close()


@test
def losing_and_regaining_a_station_releases_nothing():
    s = Site(conf_text=SITE)
    try:
        all_online(s)
        s.sim_cmd("icom", "icom-lobby", "ring")
        s.wait_event(lambda e: e["kind"] == "call_ringing")
        for _ in range(2):
            s.sim_cmd("mute", "icom-lobby")
            wait_for(lambda: not station(s, "icom-lobby")["online"], timeout=6, what="offline")
            s.sim_cmd("unmute", "icom-lobby")
            wait_for(lambda: station(s, "icom-lobby")["online"], timeout=6, what="online")
        time.sleep(0.5)
        assert ("release", 1) not in icom_writes(s, "icom-lobby"), icom_writes(s, "icom-lobby")
        assert not [e for e in s.events() if e["kind"] == "door_release"]
        # The call it was ringing with goes on, and is still escalated.
        s.wait_event(lambda e: e["kind"] == "call_forwarded", timeout=6)
        wait_for(lambda: alerts_of(s, "icom-lobby"), what="call_unanswered alert")
        assert ("release", 1) not in icom_writes(s, "icom-lobby")
    finally:
        s.close()


class PymodbusSite(lobbytest.Site):
    """pymodbus plays the two stations; lobbysim is not needed."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="lobbyd-icom-pm-")
        self.sock = os.path.join(self.dir, "control.sock")
        self.sim_sock = os.path.join(self.dir, "sim.sock")
        self.fifo = os.path.join(self.dir, "icom.fifo")
        self.port = free_port()
        self.lobbyd = self.sim = self.pm = None
        self.conf = os.path.join(self.dir, "site.conf")
        with open(self.conf, "w") as f:
            f.write((SITE.replace("15020", str(self.port))).replace("@DIR@", self.dir))

    def start_pymodbus(self):
        self.pm = Proc(["/usr/bin/python3", PM_INTERCOM, str(self.port), self.fifo,
                        "--units", "1,2,3,4"], os.path.join(self.dir, "pymodbus.log"))
        wait_for(lambda: "serving" in self.pm.output(), what="pymodbus intercom")

    def pm_do(self, line):
        with open(self.fifo, "w") as f:
            f.write(line + "\n")

    def pm_writes(self, unit):
        return [tuple(ln.split()[2:4]) for ln in self.pm.output().splitlines()
                if ln.startswith(f"write {unit} ")]

    def close(self):
        if self.pm is not None and self.pm.alive():
            self.pm.stop()
        super().close()


@test
def call_scenario_against_a_pymodbus_intercom():
    s = PymodbusSite()
    try:
        s.start_pymodbus()
        s.start_lobbyd()
        all_online(s)
        s.pm_do("1 ring")
        s.wait_event(lambda e: e["kind"] == "call_ringing" and e["device"] == "icom-lobby")
        s.wait_event(lambda e: e["kind"] == "call_forwarded", timeout=6)
        wait_for(lambda: ("forward", "12") in s.pm_writes(1), what="forward 12 at pymodbus")
        wait_for(lambda: alerts_of(s, "icom-lobby"), what="call_unanswered alert")
        s.pm_do("1 answer")
        s.wait_event(lambda e: e["kind"] == "call_answered")
        wait_for(lambda: not alerts_of(s, "icom-lobby"), what="alert cleared")
        r = s.run_ctl("intercom", "release", "icom-lobby", "--reason", "guest of 12F")
        assert r.returncode == 0, r.stderr
        wait_for(lambda: ("release", "1") in s.pm_writes(1), what="release at pymodbus")
        wait_for(lambda: s.pm_writes(1)[-1] == ("release", "0"), what="release ended")
        st = station(s, "icom-lobby")
        assert st["call"] == "connected" and st["door_open"] is False, st
    finally:
        s.close()


if __name__ == "__main__":
    assert os.access(LOBBYD, os.X_OK) and os.access(LOBBYSIM, os.X_OK)
    run_tests("test_intercom")
