"""
A door on a simulated GPIO chip, through the real lobbyd, lobbysim and
lobbyctl: Wiegand frames (bad and good) at its reader, the strike pulsed on a
grant and on the exit button, forced-open and held-open alarms, and a GPIO
worker killed mid-pulse that comes back with the strike off.
"""
import os
import signal
import time

from lobbytest import Site, run_tests, test, wait_for

UNLOCK_MS = 1500
HELD_S = 5

SITE = """
site = { name = "GPIO door test"; };
store = { database = "@DIR@/lobbyd.db"; event_batch_ms = 20; };
control = { socket = "@DIR@/control.sock"; groups = []; };
health = { offline_after = 3; backoff_max_ms = 1000; };
links = (
	{ name = "gpio0"; type = "gpio"; sim = "@DIR@/gpio0.sock"; }
);
devices = (
	{ name = "d1-contact"; link = "gpio0"; kind = "input"; line = 4; function = "door";
	  active_low = true; debounce_ms = 50; },
	{ name = "d1-rex"; link = "gpio0"; kind = "input"; line = 5; function = "rex";
	  active_low = true; debounce_ms = 30; },
	{ name = "d1-strike"; link = "gpio0"; kind = "output"; line = 7; },
	{ name = "d1-reader"; link = "gpio0"; kind = "wiegand"; d0 = 2; d1 = 3; }
);
doors = (
	{ name = "door1"; contact = "d1-contact"; strike = "d1-strike"; reader = "d1-reader";
	  rex = "d1-rex"; unlock_ms = %d; held_open_s = %d; }
);
""" % (UNLOCK_MS, HELD_S)


def door_site():
    s = Site(SITE)
    try:
        wait_for(lambda: all(d["online"] for d in s.ctl("devices")), timeout=10,
                 what="every GPIO device online")
        # The first readings are in: the door is known closed.
        wait_for(lambda: s.sim_cmd("gpio", "gpio0").split()[1] == "connected=1",
                 what="worker connected")
    except BaseException:
        s.close()
        raise
    return s


def strike(s):
    reply = s.sim_cmd("output", "d1-strike")
    return {k: int(v) for k, v in (kv.split("=") for kv in reply.split()[1:])}


def active_alerts(s, kind):
    return [a for a in s.ctl("alerts") if a["kind"] == kind]


def door_events(s, kind):
    return [e for e in s.events() if e["kind"] == kind and e["lane"] == "door1"]


def settle(s, seconds=0.4):
    """Gives lobbyd time to act on what was sent, before asserting an absence."""
    time.sleep(seconds)


@test
def a_wiegand_frame_with_a_parity_error_is_rejected_and_a_good_one_grants():
    s = door_site()
    try:
        s.ctl("card", "add", "0A1234", "--holder", "Ana")
        s.sim_cmd("wiegand", "d1-reader", "0A1234", "parity")
        wait_for(lambda: s.ctl("stats")["reader_rejects"] == 1, what="parity reject counted")
        s.sim_cmd("wiegand", "d1-reader", "0A1234", "short")
        wait_for(lambda: s.ctl("stats")["reader_rejects"] == 2, what="short frame counted")
        settle(s)
        assert door_events(s, "access") == []
        assert strike(s)["pulses"] == 0 and strike(s)["on"] == 0

        s.sim_cmd("wiegand", "d1-reader", "0A1234")
        ev = s.wait_event(lambda e: e["kind"] == "access", what="access event")[0]
        assert ev["decision"] == "granted" and ev["lane"] == "door1", ev
        assert ev["device"] == "d1-reader" and ev["credential"] == "0A1234", ev
        assert "wiegand 26-bit" in ev["detail"], ev
        wait_for(lambda: strike(s)["pulses"] == 1, timeout=UNLOCK_MS / 1000 + 5,
                 what="strike pulse ended")
        st = strike(s)
        assert st["on"] == 0 and UNLOCK_MS - 50 <= st["last_ms"] < UNLOCK_MS + 1500, st

        # A frame with glitches between its bits still reads; a card nobody
        # knows is denied and opens nothing.
        s.sim_cmd("wiegand", "d1-reader", "0A1234", "glitch")
        wait_for(lambda: len(door_events(s, "access")) == 2, what="glitched frame read")
        assert door_events(s, "access")[-1]["decision"] == "granted"
        wait_for(lambda: strike(s)["pulses"] == 2, timeout=UNLOCK_MS / 1000 + 5,
                 what="second pulse ended")
        s.sim_cmd("wiegand", "d1-reader", "FFFFFE")
        wait_for(lambda: len(door_events(s, "access")) == 3, what="unknown card")
        ev = door_events(s, "access")[-1]
        assert ev["decision"] == "denied" and ev["reason"] == "unknown_card", ev
        settle(s)
        assert strike(s)["pulses"] == 2 and strike(s)["on"] == 0
        assert s.ctl("stats")["reader_rejects"] == 2
    finally:
        s.close()


@test
def a_door_held_open_raises_its_alarm_and_closing_clears_it():
    s = door_site()
    try:
        s.sim_cmd("input", "d1-rex", "active")
        wait_for(lambda: strike(s)["on"] == 1, what="strike released by the exit button")
        s.sim_cmd("input", "d1-rex", "inactive")
        s.sim_cmd("input", "d1-contact", "active")
        s.wait_event(lambda e: e["kind"] == "door_open", what="door open")
        settle(s)
        assert active_alerts(s, "door_held") == []
        a = wait_for(lambda: active_alerts(s, "door_held"), timeout=HELD_S + 5,
                     what="door_held alert")[0]
        assert a["source"] == "d1-contact" and a["severity"] == "warning", a
        assert "security" in a["audience"] and "frontdesk" in a["audience"], a
        assert "door1" in a["message"], a
        assert door_events(s, "door_held")
        assert active_alerts(s, "door_forced") == []
        s.sim_cmd("input", "d1-contact", "inactive")
        wait_for(lambda: active_alerts(s, "door_held") == [], what="door_held cleared")
        s.wait_event(lambda e: e["kind"] == "door_closed", what="door closed")
        cleared = [x for x in s.ctl("alerts", "--all") if x["kind"] == "door_held"]
        assert len(cleared) == 1 and cleared[0]["cleared_ms"] > 0, cleared
    finally:
        s.close()


@test
def a_forced_door_raises_its_alarm_and_opens_nothing():
    s = door_site()
    try:
        # A bounce shorter than the debounce is not an opening.
        s.sim_cmd("bounce", "d1-contact", 2, 10)
        settle(s, 0.5)
        assert door_events(s, "door_forced") == [] and door_events(s, "door_open") == []

        s.sim_cmd("input", "d1-contact", "active")
        a = wait_for(lambda: active_alerts(s, "door_forced"), what="door_forced alert")[0]
        assert a["severity"] == "urgent" and a["audience"] == "security", a
        assert a["source"] == "d1-contact" and "door1" in a["message"], a
        assert door_events(s, "door_forced")
        s.sim_cmd("input", "d1-contact", "inactive")
        wait_for(lambda: active_alerts(s, "door_forced") == [], what="door_forced cleared")
        assert strike(s)["pulses"] == 0 and strike(s)["on"] == 0
    finally:
        s.close()


@test
def the_exit_button_pulses_the_strike_without_an_alarm():
    s = door_site()
    try:
        s.sim_cmd("input", "d1-rex", "active")
        wait_for(lambda: strike(s)["on"] == 1, what="strike released")
        s.sim_cmd("input", "d1-rex", "inactive")
        s.sim_cmd("input", "d1-contact", "active")
        ev = s.wait_event(lambda e: e["kind"] == "door_open", what="door open")[0]
        assert "exit button" in ev["detail"], ev
        s.sim_cmd("input", "d1-contact", "inactive")
        s.wait_event(lambda e: e["kind"] == "door_closed", what="door closed")
        wait_for(lambda: strike(s)["pulses"] == 1, timeout=UNLOCK_MS / 1000 + 5,
                 what="pulse ended")
        assert UNLOCK_MS - 50 <= strike(s)["last_ms"] < UNLOCK_MS + 1500, strike(s)
        assert door_events(s, "exit_request"), s.events()
        assert active_alerts(s, "door_forced") == [] and door_events(s, "door_forced") == []
    finally:
        s.close()


@test
def a_gpio_worker_killed_mid_pulse_comes_back_with_the_strike_off():
    s = door_site()
    try:
        s.ctl("card", "add", "0A1234", "--holder", "Ana")
        pid = s.ctl("stats")["links"]["gpio0"]["pid"]
        s.sim_cmd("wiegand", "d1-reader", "0A1234")
        wait_for(lambda: strike(s)["on"] == 1, what="strike on")
        os.kill(pid, signal.SIGKILL)
        # The chip sees its user go: the strike drops at once, not at the
        # pulse's end; the new worker takes the line and leaves it off.
        wait_for(lambda: strike(s)["on"] == 0, timeout=1, what="strike off")
        wait_for(lambda: s.ctl("stats")["links"]["gpio0"]["pid"] not in (0, pid),
                 timeout=10, what="worker restarted")
        wait_for(lambda: all(d["online"] for d in s.ctl("devices")), timeout=10,
                 what="back online")
        wait_for(lambda: strike(s)["requested"] == 1, what="strike line taken again")
        settle(s, UNLOCK_MS / 1000 + 0.5)
        st = strike(s)
        assert st["on"] == 0 and st["pulses"] == 1, st
        assert len(door_events(s, "access")) == 1
        assert active_alerts(s, "door_forced") == []
    finally:
        s.close()


if __name__ == "__main__":
    run_tests("test_gpio")
