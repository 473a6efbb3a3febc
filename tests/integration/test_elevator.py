"""
Elevator controllers end to end, lobbysim playing them over Modbus TCP: a
trapped passenger is an emergency alert for everyone with an urgent repair
ticket; a grant enables exactly the holder's floors and the worker clears
them after enable_s; an unknown card, a controller off the bus (and back),
and the fire mode enable nothing; a freight elevator answers only a booking
in its window; bookings are refused with the reason. The same grant against
a pymodbus controller. Run with /usr/bin/python3.
"""
import os
import sqlite3
import tempfile
import time

from lobbytest import LOBBYD, LOBBYSIM, Proc, Site, free_port, run_tests, test, wait_for
import lobbytest

HERE = os.path.dirname(os.path.abspath(__file__))
PM_ELEVATOR = os.path.join(HERE, "pymodbus_elevator.py")

SITE = """
store = { database = "@DIR@/lobbyd.db"; event_batch_ms = 20; };
control = { socket = "@DIR@/control.sock"; groups = []; };
health = { offline_after = 2; backoff_max_ms = 500; };
profiles = ( {
	name = "elev-a"; kind = "elevator";
	floor = "input:0";
	direction = "input:1"; direction_values = { stopped = 0; up = 1; down = 2; };
	door = "input:2"; door_values = { closed = 0; open = 1; };
	mode = "input:3";
	mode_values = { normal = 0; independent = 1; fire_service = 2; out_of_service = 3; };
	fault_code = "input:4"; trapped = "discrete:0";
	floor_enable = "holding:20"; floors = 32;
} );
links = ( { name = "el"; type = "modbus-tcp"; host = "127.0.0.1"; port = 15020; timeout_ms = 150; } );
devices = (
	{ name = "elev1"; link = "el"; unit = 1; profile = "elev-a"; poll_ms = 100; },
	{ name = "elev2"; link = "el"; unit = 2; profile = "elev-a"; poll_ms = 100; },
	{ name = "fire-panel"; link = "el"; unit = 9; kind = "input"; point = "discrete:0";
	  function = "fire"; poll_ms = 100; }
);
readers = (
	{ name = "rd-el1"; path = "@DIR@/rd-el1"; format = "em4100"; },
	{ name = "rd-fr1"; path = "@DIR@/rd-fr1"; format = "em4100"; }
);
elevators = (
	{ name = "car1"; controller = "elev1"; reader = "rd-el1"; enable_s = 1; },
	{ name = "freight1"; controller = "elev2"; reader = "rd-fr1"; enable_s = 1; freight = true; }
);
freight = { rush_hours = [ "08:00-09:30", "17:30-19:00" ]; max_hours = 12; };
"""

ANN = "0A00000001"      # floors 1,3-5
BOB = "0A00000002"      # floors 40 only: none of a 32-floor car's


def writes(s, dev):
    """[(t_ns, mask)] of the floor-enable writes lobbysim took."""
    words = s.sim_cmd("elev", dev, "writes", 256).split()[2:]
    return [(int(w.split(":")[0]), int(w.split(":")[1], 16)) for w in words]


def elevator(s, name):
    for e in s.ctl("elevators"):
        if e["name"] == name:
            return e
    raise KeyError(name)


def access(s, uid, lane):
    return [e for e in s.events() if e["kind"] == "access" and e["credential"] == uid
            and e["lane"] == lane]


def ready(s):
    wait_for(lambda: all(e["online"] and e["mode"] == "normal" for e in s.ctl("elevators")),
             timeout=8, what="every controller online and normal")
    # The worker's start: every floor disabled first.
    wait_for(lambda: writes(s, "elev1") and writes(s, "elev1")[-1][1] == 0,
             what="floors disabled at the worker's start")
    s.ctl("card", "add", ANN, "--holder", "Ann Lee", "--floors", "1,3-5")
    s.ctl("card", "add", BOB, "--holder", "Bob Kim", "--floors", "40")


@test
def trapped_passenger_is_an_emergency_with_an_urgent_ticket_within_a_second():
    s = Site(conf_text=SITE)
    try:
        ready(s)
        s.sim_cmd("elev", "elev1", "floor", 7)
        t0 = time.time()
        s.sim_cmd("elev", "elev1", "trapped", "on")
        al = wait_for(lambda: [a for a in s.ctl("alerts") if a["kind"] == "trapped"],
                      timeout=2, what="trapped alert")
        assert al[0]["severity"] == "emergency" and al[0]["source"] == "elev1", al
        assert set(al[0]["audience"].split(",")) == {"engineering", "security", "frontdesk"}, al
        assert "floor 7" in al[0]["message"], al
        tk = wait_for(lambda: [t for t in s.ctl("tickets") if t["source"] == "elev1"],
                      timeout=2, what="ticket for the trapped passenger")
        assert tk[0]["urgency"] == "urgent" and tk[0]["kind"] == "trapped", tk
        assert tk[0]["opened_ms"] / 1000 - t0 < 1.0, (tk, t0)
        ev = s.wait_event(lambda e: e["kind"] == "elevator_trapped")
        assert "floor 7" in ev[0]["detail"], ev
        assert elevator(s, "elev1")["trapped"] is True
        chk = s.run_ctl("devices", "--check")
        assert chk.returncode == 1 and "elev1" in chk.stdout, chk.stdout
        # A car with a trapped passenger takes no card either.
        s.card("rd-el1", ANN)
        d = wait_for(lambda: access(s, ANN, "car1"), what="access event")
        assert d[0]["reason"] == "elevator_unavailable", d
        s.sim_cmd("elev", "elev1", "trapped", "off")
        wait_for(lambda: not [a for a in s.ctl("alerts") if a["kind"] == "trapped"],
                 what="trapped alert cleared")
        s.wait_event(lambda e: e["kind"] == "elevator_trap_cleared")
        # Fault and out of service: engineering alerts, cleared when over.
        s.sim_cmd("elev", "elev1", "fault", 31)
        f = wait_for(lambda: [a for a in s.ctl("alerts") if a["kind"] == "fault"], what="fault")
        assert f[0]["severity"] == "urgent" and f[0]["audience"] == "engineering", f
        s.sim_cmd("elev", "elev1", "fault", 0)
        wait_for(lambda: not [a for a in s.ctl("alerts") if a["kind"] == "fault"], what="cleared")
        s.sim_cmd("elev", "elev1", "mode", "out_of_service")
        o = wait_for(lambda: [a for a in s.ctl("alerts") if a["kind"] == "out_of_service"],
                     what="out of service")
        assert o[0]["severity"] == "warning", o
        s.sim_cmd("elev", "elev1", "mode", "normal")
        wait_for(lambda: not [a for a in s.ctl("alerts") if a["kind"] == "out_of_service"],
                 what="back in service")
        assert [w for w in writes(s, "elev1") if w[1] != 0] == []
    finally:
        s.close()


@test
def grant_enables_exactly_the_holders_floors_and_the_worker_clears_them():
    s = Site(conf_text=SITE)
    try:
        ready(s)
        n = len(writes(s, "elev1"))
        s.card("rd-el1", ANN)
        g = wait_for(lambda: access(s, ANN, "car1"), what="grant")
        assert g[0]["decision"] == "granted" and "floors 1,3-5" in g[0]["detail"], g
        w = wait_for(lambda: len(writes(s, "elev1")) >= n + 2 and writes(s, "elev1"),
                     timeout=4, what="enable and clear")
        on, off = w[n], w[n + 1]
        assert on[1] == 0b111010, hex(on[1])       # floors 1, 3, 4, 5
        assert off[1] == 0
        assert 0.9 <= (off[0] - on[0]) / 1e9 <= 1.8, (on, off)
        out = s.run_ctl("card", "list", check=True).stdout
        assert "1,3-5" in out, out
        # Unknown card, and a card with none of this car's floors: nothing.
        n = len(writes(s, "elev1"))
        s.card("rd-el1", "0BADC0FFEE")
        d = wait_for(lambda: access(s, "0BADC0FFEE", "car1"), what="denial")
        assert d[0]["decision"] == "denied" and d[0]["reason"] == "unknown_card", d
        s.card("rd-el1", BOB)
        d = wait_for(lambda: access(s, BOB, "car1"), what="denial")
        assert d[0]["reason"] == "no_floors", d
        time.sleep(0.5)
        assert len(writes(s, "elev1")) == n, writes(s, "elev1")
        out = s.run_ctl("elevators", check=True).stdout
        assert "elev1" in out and "normal" in out and "car1" in out, out
    finally:
        s.close()


@test
def a_visitors_pass_enables_its_floors_and_a_revoked_one_none():
    s = Site(conf_text=SITE)
    card = "0E00000077"
    try:
        ready(s)
        p = s.ctl("visitor", "register", "--name", "Mia Wong", "--id-type", "passport",
                  "--id", "-", "--host-unit", "0401", "--host", "Nine Ltd",
                  "--class", "ordinary", "--purpose", "meeting", "--floors", "4",
                  "--card", card, stdin="K2345678\n")
        n = len(writes(s, "elev1"))
        s.card("rd-el1", card)
        g = wait_for(lambda: access(s, card, "car1"), what="grant")
        assert g[0]["decision"] == "granted", g
        w = wait_for(lambda: len(writes(s, "elev1")) > n and writes(s, "elev1"),
                     timeout=4, what="enable")
        assert w[n][1] == 0b10000, hex(w[n][1])     # floor 4 only
        wait_for(lambda: len(writes(s, "elev1")) > n + 1 and writes(s, "elev1")[-1][1] == 0,
                 what="the floors cleared after enable_s")
        s.ctl("pass", "revoke", p["id"], "--reason", "left early")
        n = len(writes(s, "elev1"))
        s.card("rd-el1", card)
        d = wait_for(lambda: access(s, card, "car1")[1:], what="denial")
        assert d[0]["decision"] == "denied" and d[0]["reason"] == "pass_revoked", d
        time.sleep(0.5)
        assert len(writes(s, "elev1")) == n, writes(s, "elev1")
    finally:
        s.close()


@test
def controller_off_the_bus_and_back_enables_no_floor():
    s = Site(conf_text=SITE)
    try:
        ready(s)
        n = len(writes(s, "elev1"))
        s.sim_cmd("mute", "elev1")
        wait_for(lambda: not elevator(s, "elev1")["online"], timeout=6, what="offline")
        wait_for(lambda: [a for a in s.ctl("alerts") if a["kind"] == "offline"
                          and a["source"] == "elev1"], what="offline alert")
        s.card("rd-el1", ANN)
        d = wait_for(lambda: access(s, ANN, "car1"), what="denial")
        assert d[0]["reason"] == "elevator_offline", d
        s.sim_cmd("unmute", "elev1")
        wait_for(lambda: elevator(s, "elev1")["online"], timeout=6, what="back")
        # Coming back: the worker writes all floors disabled, never a mask.
        wait_for(lambda: len(writes(s, "elev1")) > n, what="the reset write")
        time.sleep(0.5)
        assert all(m == 0 for _, m in writes(s, "elev1")[n:]), writes(s, "elev1")
    finally:
        s.close()


@test
def fire_mode_sends_no_floor_command():
    s = Site(conf_text=SITE)
    try:
        ready(s)
        n = len(writes(s, "elev1"))
        s.sim_cmd("input", "fire-panel", "on")
        wait_for(lambda: s.ctl("fire")["active"], what="fire mode")
        s.card("rd-el1", ANN)
        d = wait_for(lambda: access(s, ANN, "car1"), what="denial")
        assert d[0]["decision"] == "denied" and d[0]["reason"] == "fire_mode", d
        time.sleep(0.5)
        assert len(writes(s, "elev1")) == n, writes(s, "elev1")
        s.sim_cmd("input", "fire-panel", "off")
    finally:
        s.close()


def insert_booking(db, uid, from_ms, until_ms, state="active"):
    con = sqlite3.connect(db)
    con.execute("INSERT INTO bookings (unit, elevator, card, from_ms, until_ms, booked_by,"
                " booked_ms, state) VALUES ('12F-1203', 'freight1', ?, ?, ?, 'test', ?, ?)",
                (uid, from_ms, until_ms, from_ms, state))
    con.commit()
    con.close()


@test
def freight_elevator_answers_only_a_booking_in_its_window():
    s = Site(conf_text=SITE)
    try:
        ready(s)
        s.card("rd-fr1", ANN)
        d = wait_for(lambda: access(s, ANN, "freight1"), what="denial")
        assert d[0]["reason"] == "no_booking", d
        # Bookings made the day before, as the store keeps them: one in its
        # window for Ann, one later today for Bob's other card.
        now = int(time.time() * 1000)
        s.stop_lobbyd()
        insert_booking(s.db, ANN, now - 3600_000, now + 3600_000)
        insert_booking(s.db, "0A00000003", now + 7200_000, now + 10800_000)
        insert_booking(s.db, "0A00000004", now - 3600_000, now + 3600_000, "cancelled")
        s.start_lobbyd()
        wait_for(lambda: all(e["online"] for e in s.ctl("elevators")), timeout=8,
                 what="online again")
        s.ctl("card", "add", "0A00000003", "--holder", "Cy", "--floors", "2")
        s.ctl("card", "add", "0A00000004", "--holder", "Di", "--floors", "2")
        n = len(writes(s, "elev2"))
        s.card("rd-fr1", ANN)
        g = wait_for(lambda: [e for e in access(s, ANN, "freight1") if e["decision"] == "granted"],
                     what="grant in the window")
        assert "floors 1,3-5" in g[0]["detail"], g
        wait_for(lambda: [m for _, m in writes(s, "elev2")[n:]] == [0b111010, 0],
                 timeout=4, what="enabled, then cleared")
        for uid in ("0A00000003", "0A00000004"):
            s.card("rd-fr1", uid)
            d = wait_for(lambda: access(s, uid, "freight1"), what="denial")
            assert d[0]["reason"] == "no_booking", d
        rows = s.ctl("booking", "list")
        assert {r["card"] for r in rows} == {ANN, "0A00000003"}, rows
    finally:
        s.close()


@test
def bookings_are_refused_with_the_reason():
    s = Site(conf_text=SITE)
    try:
        ready(s)
        day = time.strftime("%Y-%m-%d", time.localtime(time.time() + 2 * 86400))
        r = s.run_ctl("booking", "add", "--unit", "12F-1203", "--elevator", "freight1",
                      "--card", ANN, "--from", "+1h", "--until", "+3h")
        assert r.returncode == 1 and "too_soon" in r.stderr and "24 hours" in r.stderr, r.stderr
        r = s.run_ctl("booking", "add", "--unit", "12F-1203", "--elevator", "freight1",
                      "--card", ANN, "--from", f"{day} 08:30", "--until", f"{day} 10:00")
        assert r.returncode == 1 and "rush hours 08:00-09:30" in r.stderr, r.stderr
        r = s.run_ctl("booking", "add", "--unit", "12F-1203", "--elevator", "car1",
                      "--card", ANN, "--from", f"{day} 10:00", "--until", f"{day} 12:00")
        assert r.returncode == 1 and "not a freight elevator" in r.stderr, r.stderr
        r = s.run_ctl("booking", "add", "--unit", "12F-1203", "--elevator", "freight1",
                      "--card", ANN, "--from", f"{day} 10:00", "--until", f"{day} 12:00")
        assert r.returncode == 0 and "made booking" in r.stdout, (r.stdout, r.stderr)
        r = s.run_ctl("booking", "add", "--unit", "9F", "--elevator", "freight1",
                      "--card", BOB, "--from", f"{day} 11:00", "--until", f"{day} 13:00")
        assert r.returncode == 1 and "overlap" in r.stderr, r.stderr
        b = s.ctl("booking", "list")
        assert len(b) == 1 and b[0]["state"] == "active" and b[0]["unit"] == "12F-1203", b
        assert s.events() and [e for e in s.events() if e["kind"] == "booking_added"]
        r = s.run_ctl("booking", "cancel", b[0]["id"])
        assert r.returncode == 0, r.stderr
        r = s.run_ctl("booking", "cancel", b[0]["id"])
        assert r.returncode == 1 and "cancelled already" in r.stderr, r.stderr
        assert s.ctl("booking", "list") == []
        assert s.ctl("booking", "list", "--all")[0]["state"] == "cancelled"
    finally:
        s.close()


class PymodbusSite(lobbytest.Site):
    """pymodbus plays elev1; lobbysim plays only the card readers."""

    def __init__(self):
        self.pm = None
        self.pm_port = free_port()
        conf = SITE.replace('port = 15020', f'port = {self.pm_port}')
        conf = conf.replace('links = (', 'links = ( { name = "sim"; type = "modbus-tcp";'
                            ' host = "127.0.0.1"; port = 15020; },')
        # Only elev1 on pymodbus's link; the rest moves to lobbysim's.
        conf = conf.replace('{ name = "elev2"; link = "el"', '{ name = "elev2"; link = "sim"')
        conf = conf.replace('{ name = "fire-panel"; link = "el"', '{ name = "fire-panel"; link = "sim"')
        super().__init__(conf_text=conf, start_lobbyd=False)
        self.pm = Proc(["/usr/bin/python3", PM_ELEVATOR, str(self.pm_port)],
                       os.path.join(self.dir, "pymodbus.log"))
        wait_for(lambda: "serving" in self.pm.output(), what="pymodbus elevator")

    def start_sim(self):
        # lobbysim plays the readers, elev2 and the fire input; its copy of
        # elev1 listens elsewhere, so that lobbyd's elev1 is pymodbus's.
        sim_conf = os.path.join(self.dir, "sim-site.conf")
        with open(self.conf) as f, open(sim_conf, "w") as g:
            g.write(f.read().replace(f"port = {self.pm_port}", f"port = {free_port()}"))
        self.sim = Proc([LOBBYSIM, "-c", sim_conf, "-s", self.sim_sock, "-v"],
                        os.path.join(self.dir, "sim.log"))
        wait_for(lambda: os.path.exists(self.sim_sock) and self.sim_cmd("ping"),
                 what="lobbysim control socket")

    def pm_writes(self):
        return [int(ln.split()[2], 16) for ln in self.pm.output().splitlines()
                if ln.startswith("write 1 ")]

    def close(self):
        if self.pm is not None and self.pm.alive():
            self.pm.stop()
        super().close()


@test
def grant_against_a_pymodbus_elevator():
    s = PymodbusSite()
    try:
        s.start_lobbyd()
        wait_for(lambda: elevator(s, "elev1")["online"] and elevator(s, "elev1")["mode"] == "normal",
                 timeout=8, what="pymodbus controller online")
        wait_for(lambda: s.pm_writes() == [0], what="floors disabled at start")
        assert elevator(s, "elev1")["floor"] == 3
        s.ctl("card", "add", ANN, "--holder", "Ann Lee", "--floors", "1,3-5,17")
        s.card("rd-el1", ANN)
        wait_for(lambda: s.pm_writes() == [0, 0x2003a, 0], timeout=4,
                 what="enable 1,3-5,17 in two registers, then cleared")
    finally:
        s.close()


if __name__ == "__main__":
    assert os.access(LOBBYD, os.X_OK) and os.access(LOBBYSIM, os.X_OK)
    run_tests("test_elevator")
