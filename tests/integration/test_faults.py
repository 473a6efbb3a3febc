"""
Reliability under faults on a Modbus TCP link: behind one gateway, a healthy
turnstile (pymodbus) shares the link with units that trickle their replies or
send malformed ones. Only the bad units go offline, each with its own reason;
the turnstile stays online and opens for a card; the worker is never taken
for hung. Run with /usr/bin/python3.
"""
import os
import tempfile
import time

from lobbytest import (LANE_READERS, LOBBYSIM, TRIPOD_A_PROFILE, Proc, free_port,
                       run_tests, test, wait_for)
import lobbytest

HERE = os.path.dirname(os.path.abspath(__file__))
TURNSTILE = os.path.join(HERE, "pymodbus_turnstile.py")
GATEWAY = os.path.join(HERE, "modbus_gateway.py")
STAFF = "0A00123456"

COMMON = """
store = { database = "@DIR@/lobbyd.db"; event_batch_ms = 20; };
control = { socket = "@DIR@/control.sock"; groups = []; };
health = { offline_after = 3; backoff_max_ms = 1000; };
"""


class GatewaySite(lobbytest.Site):
    """lobbysim plays the readers, pymodbus the turnstile "ts" (unit 1),
    modbus_gateway.py the gateway in front of it and the bad units."""

    def __init__(self, bad_units, timeout_ms=300):
        self.dir = tempfile.mkdtemp(prefix="lobbyd-faults-")
        self.sock = os.path.join(self.dir, "control.sock")
        self.sim_sock = os.path.join(self.dir, "sim.sock")
        self.lobbyd = self.sim = self.pm = self.gw = None
        self.bad_units = bad_units          # {unit: mode}
        self.port = free_port()
        self.pm_port = free_port()
        devs = "".join(
            f'\t{{ name = "u{u}"; link = "gw"; unit = {u}; profile = "tripod-a";'
            f' poll_ms = 100; }},\n' for u in bad_units)
        sim_conf = (COMMON + LANE_READERS).replace("@DIR@", self.dir)
        full = (COMMON + TRIPOD_A_PROFILE + LANE_READERS + f"""
links = ( {{ name = "gw"; type = "modbus-tcp"; host = "127.0.0.1"; port = {self.port};
	     timeout_ms = {timeout_ms}; }} );
devices = (
{devs}	{{ name = "ts"; link = "gw"; unit = 1; profile = "tripod-a"; poll_ms = 100; }}
);
lanes = ( {{ name = "lane"; turnstile = "ts"; entry_reader = "rd-in"; exit_reader = "rd-out";
	    pass_timeout_ms = 3000; }} );
""").replace("@DIR@", self.dir)
        self.sim_conf = os.path.join(self.dir, "readers.conf")
        self.conf = os.path.join(self.dir, "site.conf")
        with open(self.sim_conf, "w") as f:
            f.write(sim_conf)
        with open(self.conf, "w") as f:
            f.write(full)

    def start_all(self):
        self.sim = Proc([LOBBYSIM, "-c", self.sim_conf, "-s", self.sim_sock],
                        os.path.join(self.dir, "sim.log"))
        wait_for(lambda: os.path.exists(self.sim_sock) and self.sim_cmd("ping"),
                 what="lobbysim")
        self.pm = Proc(["/usr/bin/python3", TURNSTILE, "tcp", str(self.pm_port)],
                       os.path.join(self.dir, "pymodbus.log"))
        wait_for(lambda: "serving" in self.pm.output(), what="pymodbus server")
        argv = ["/usr/bin/python3", GATEWAY, str(self.port),
                "--forward", f"1:{self.pm_port}"]
        for u, mode in self.bad_units.items():
            argv += ["--unit", f"{u}:{mode}"]
        self.gw = Proc(argv, os.path.join(self.dir, "gateway.log"))
        wait_for(lambda: "serving" in self.gw.output(), what="gateway")
        self.start_lobbyd()

    def close(self):
        for p in (self.gw, self.pm):
            if p is not None and p.alive():
                p.stop()
        super().close()


def devices(s):
    return {d["name"]: d for d in s.ctl("devices")}


@test
def a_trickling_unit_goes_offline_alone_and_its_neighbour_keeps_working():
    s = GatewaySite({3: "trickle"})
    try:
        s.start_all()
        s.ctl("card", "add", STAFF, "--holder", "Ana Silva")
        wait_for(lambda: s.device("ts")["online"], timeout=10, what="ts online")
        wait_for(lambda: not devices(s)["u3"]["online"] and devices(s)["u3"]["reason"],
                 timeout=5, what="u3 offline")
        # ~10 s of samples, as the front desk's screen would see them.
        online = samples = 0
        end = time.monotonic() + 10
        while time.monotonic() < end:
            d = devices(s)
            samples += 1
            online += d["ts"]["online"]
            assert not d["u3"]["online"], d["u3"]
            time.sleep(0.1)
        share = online / samples
        print(f"  ts online in {online}/{samples} samples ({100 * share:.0f} %)")
        assert share > 0.95, f"ts online in {100 * share:.0f} % of samples"
        reason = devices(s)["u3"]["reason"]
        print(f"  u3: {reason}")
        assert "unit 3" in reason and "no complete reply within 300 ms" in reason, reason
        # A card at the healthy turnstile opens it and the passage is seen.
        s.card("rd-in", STAFF)
        p = s.wait_event(lambda e: e["kind"] == "passage", timeout=5)[0]
        assert p["direction"] == "entry" and p["credential"] == STAFF, p
        # The worker was never taken for hung and restarted.
        link = s.ctl("stats")["links"]["gw"]
        assert link["restarts"] == 0, link
        assert "silent" not in s.log() and "hung" not in s.log(), s.log()
    finally:
        s.close()


@test
def malformed_replies_are_refused_with_their_reason():
    bad = {3: "wrong-unit", 4: "wrong-protocol", 5: "len0", 6: "lenffff"}
    words = {3: "unit id 13", 4: "protocol id 1", 5: "length 0", 6: "length 65535"}
    s = GatewaySite(bad)
    try:
        s.start_all()
        wait_for(lambda: s.device("ts")["online"], timeout=5, what="ts online")
        wait_for(lambda: (lambda d: all(not d[f"u{u}"]["online"] and
                                        "bad reply" in d[f"u{u}"]["reason"]
                                        for u in words))(devices(s)),
                 timeout=15, what="every bad unit offline")
        time.sleep(1)           # a back-off round: ts stays online, the link is kept
        d = devices(s)
        for u, w in words.items():
            r = d[f"u{u}"]
            print(f"  u{u}: {r['reason']}")
            assert not r["online"] and f"unit {u}" in r["reason"], r
            assert "bad reply" in r["reason"] and w in r["reason"], r
        assert d["ts"]["online"], d["ts"]
        assert s.ctl("stats")["links"]["gw"]["restarts"] == 0
        assert s.lobbyd.alive()
    finally:
        s.close()


if __name__ == "__main__":
    assert os.access(lobbytest.LOBBYD, os.X_OK), lobbytest.LOBBYD
    run_tests("test_faults")
