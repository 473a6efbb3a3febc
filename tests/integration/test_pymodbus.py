"""
Interop: the lane's turnstile is served by pymodbus (Debian's Modbus stack,
which nobody here wrote) instead of lobbysim, over TCP and over RTU on a
pseudo-terminal. lobbysim only plays the card readers. Run with /usr/bin/python3.
"""
import os
import signal
import tempfile
import time

from lobbytest import (LANE_READERS, LOBBYD, LOBBYSIM, TRIPOD_A_PROFILE, Proc, free_port,
                       run_tests, test, wait_for)
import lobbytest

HERE = os.path.dirname(os.path.abspath(__file__))
TURNSTILE = os.path.join(HERE, "pymodbus_turnstile.py")
STAFF = "0A00123456"

COMMON = """
store = { database = "@DIR@/lobbyd.db"; event_batch_ms = 20; };
control = { socket = "@DIR@/control.sock"; groups = []; };
health = { offline_after = 3; backoff_max_ms = 1000; };
"""


class InteropSite(lobbytest.Site):
    """lobbysim plays the readers; pymodbus plays the turnstile."""

    def __init__(self, link):
        self.dir = tempfile.mkdtemp(prefix="lobbyd-interop-")
        self.sock = os.path.join(self.dir, "control.sock")
        self.sim_sock = os.path.join(self.dir, "sim.sock")
        self.lobbyd = self.sim = self.pm = None
        sim_conf = (COMMON + LANE_READERS).replace("@DIR@", self.dir)
        full = (COMMON + TRIPOD_A_PROFILE + LANE_READERS + link + """
devices = ( { name = "ts"; link = "pm"; unit = 1; profile = "tripod-a"; poll_ms = 100; } );
lanes = ( { name = "lane"; turnstile = "ts"; entry_reader = "rd-in"; exit_reader = "rd-out";
	    pass_timeout_ms = 3000; } );
""").replace("@DIR@", self.dir)
        self.sim_conf = os.path.join(self.dir, "readers.conf")
        self.conf = os.path.join(self.dir, "site.conf")
        with open(self.sim_conf, "w") as f:
            f.write(sim_conf)
        with open(self.conf, "w") as f:
            f.write(full)

    def start_sim(self):
        self.sim = Proc([LOBBYSIM, "-c", self.sim_conf, "-s", self.sim_sock],
                        os.path.join(self.dir, "sim.log"))
        wait_for(lambda: os.path.exists(self.sim_sock) and self.sim_cmd("ping"),
                 what="lobbysim")

    def start_pymodbus(self, *args):
        self.pm = Proc(["/usr/bin/python3", TURNSTILE, *args],
                       os.path.join(self.dir, "pymodbus.log"))
        wait_for(lambda: "serving" in self.pm.output(), what="pymodbus server")

    def pm_writes(self):
        return [ln.split()[1] for ln in self.pm.output().splitlines()
                if ln.startswith("write ")]

    def close(self):
        if self.pm is not None and self.pm.alive():
            self.pm.stop()
        super().close()


def lane_scenario(s, restart, unplug=None):
    """Grant -> the pymodbus turnstile gets the write -> passage confirmed;
    pymodbus gone -> offline alert, denial; back -> online, nothing opened.
    unplug(), if given, runs once pymodbus is killed (the RTU link's path
    goes, as a USB adapter's would)."""
    s.start_sim()
    s.start_lobbyd()
    s.ctl("card", "add", STAFF, "--holder", "Ana Silva")
    wait_for(lambda: s.device("ts")["online"], what="ts online")
    s.card("rd-in", STAFF)
    card_in = time.monotonic()
    p = s.wait_event(lambda e: e["kind"] == "passage")[0]
    assert p["direction"] == "entry" and p["credential"] == STAFF, p
    s.card("rd-out", STAFF)
    s.wait_event(lambda e: e["kind"] == "passage" and e["direction"] == "exit")
    assert s.pm_writes() == ["open_entry", "open_exit"], s.pm_writes()

    s.pm.stop(signal.SIGKILL)
    if unplug is not None:
        unplug()
    wait_for(lambda: not s.device("ts")["online"], what="ts offline")
    wait_for(lambda: [a for a in s.ctl("alerts") if a["source"] == "ts"], what="alert")
    # Past the reader's hold-off (1 s) for the card still in its field.
    time.sleep(max(0.0, card_in + 1.1 - time.monotonic()))
    s.card("rd-in", STAFF)
    ev = s.wait_event(lambda e: e["kind"] == "access" and e["reason"] == "lane_offline")
    assert ev[0]["decision"] == "denied"
    written = len(s.pm_writes())   # the restarted server logs to the same file
    restart()
    wait_for(lambda: s.device("ts")["online"], timeout=15, what="ts back")
    wait_for(lambda: not s.ctl("alerts"), what="alert cleared")
    time.sleep(0.5)     # what a restoration would wrongly send
    assert len(s.pm_writes()) == written, "the restoration opened the lane"


@test
def modbus_tcp_turnstile_served_by_pymodbus():
    port = free_port()
    s = InteropSite(f"""
links = ( {{ name = "pm"; type = "modbus-tcp"; host = "127.0.0.1"; port = {port};
	     timeout_ms = 200; }} );
""")
    try:
        s.start_pymodbus("tcp", str(port))
        lane_scenario(s, lambda: s.start_pymodbus("tcp", str(port)))
    finally:
        s.close()


@test
def modbus_rtu_turnstile_served_by_pymodbus_on_a_pty():
    s = InteropSite("""
links = ( { name = "pm"; type = "modbus-rtu"; path = "@DIR@/bus"; baud = 19200;
	    parity = "none"; data_bits = 8; stop_bits = 1; timeout_ms = 200; } );
""")
    s_conf = open(s.conf).read().replace("@DIR@", s.dir)
    with open(s.conf, "w") as f:
        f.write(s_conf)
    bus = os.path.join(s.dir, "bus")
    try:
        s.start_pymodbus("rtu", bus)
        # Killed, pymodbus leaves its link a dangling symlink to a pty
        # number the kernel soon gives another program (another test's, in
        # a parallel run): gone, as an unplugged adapter's device is.
        lane_scenario(s, lambda: s.start_pymodbus("rtu", bus),
                      unplug=lambda: os.unlink(bus))
    finally:
        s.close()


@test
def late_reply_to_an_open_is_the_holders_passage():
    """The turnstile opens, but its reply comes after timeout_ms: the
    command's outcome is unknown, and the passage that follows is the card
    holder's, never a forced passage."""
    port = free_port()
    s = InteropSite(f"""
links = ( {{ name = "pm"; type = "modbus-tcp"; host = "127.0.0.1"; port = {port};
	     timeout_ms = 150; }} );
""")
    try:
        s.start_pymodbus("tcp", str(port), "--reply-delay", "0.4", "--pass-delay", "0.1")
        s.start_sim()
        s.start_lobbyd()
        s.ctl("card", "add", STAFF, "--holder", "Ana Silva")
        wait_for(lambda: s.device("ts")["online"], timeout=5, what="ts online")
        s.card("rd-in", STAFF)
        p = s.wait_event(lambda e: e["kind"] in ("passage", "unexpected_passage"),
                         timeout=8, what="the passage")[0]
        assert p["kind"] == "passage", p
        assert p["credential"] == STAFF and p["direction"] == "entry", p
        evs = s.events()
        unknown = [e for e in evs if e["kind"] == "command_unknown"]
        assert len(unknown) == 1 and unknown[0]["credential"] == STAFF, evs
        assert "outcome unknown" in unknown[0]["detail"], unknown
        assert unknown[0]["id"] < p["id"], (unknown, p)
        assert not [e for e in evs if e["kind"] in ("command_failed", "no_passage",
                                                    "unexpected_passage")], evs
        assert s.pm_writes() == ["open_entry"], s.pm_writes()
    finally:
        s.close()


if __name__ == "__main__":
    assert os.access(LOBBYD, os.X_OK), LOBBYD
    run_tests("test_pymodbus")
