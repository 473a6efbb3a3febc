"""
The Modbus RTU poll cycle with real wire timing: lobbyd polls 8 tripod-a
turnstiles (one read of 4 input registers each) every 20 ms on one link at
19200 8E1, so the bus is saturated; lobbybus paces the bytes between lobbyd's
pty and lobbysim's. Prints "name value unit" lines:
  rtu_poll_cycle_8_units_19200: time for all 8 units to be polled once,
     from lobbybus's request frame count over a 5 s window;
  rtu_poll_cycle_floor_19200: 8 * T, T = (13 + 2N) * 11/baud + 2 * t3.5;
  rtu_poll_cycle_ratio: measured / floor (target <= 1.2);
and where one transaction's time goes: the characters on the wire, the
master's silence from a reply's last byte to its next request (lobbyd's t3.5
and its own latency), the slave's from a request's last byte to its reply
(lobbysim's latency), and how late lobbybus delivered bytes.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import lobbytest as lt  # noqa: E402

BAUD = 19200
UNITS = 8
NREGS = 4
POLL_MS = 20
WINDOW_S = float(os.environ.get("BENCH_RTU_WINDOW_S", "5"))
LOBBYBUS = os.path.join(lt.BUILD, "lobbybus")


def bus_cmd(sock, *words):
    r = subprocess.run([LOBBYBUS, "ctl", sock, *words], capture_output=True,
                       text=True, timeout=10)
    if r.returncode != 0:
        raise RuntimeError(f"lobbybus ctl {' '.join(words)}: {r.stdout}{r.stderr}")
    return {k: float(v) for k, v in
            (kv.split("=", 1) for kv in r.stdout.split()[1:])}


def main():
    t35 = 0.00175 if BAUD > 19200 else 3.5 * 11 / BAUD
    wire = (13 + 2 * NREGS) * 11 / BAUD
    floor = UNITS * (wire + 2 * t35)

    site = lt.Site(conf_text=lt.rtu_site_conf(UNITS, POLL_MS, "@DIR@/bus1-s", BAUD),
                   start_lobbyd=False)
    bus = None
    try:
        sock = os.path.join(site.dir, "bus.sock")
        bus = lt.Proc([LOBBYBUS, "--baud", str(BAUD), "--parity", "even",
                       "--master", os.path.join(site.dir, "bus1-m"),
                       "--slave", os.path.join(site.dir, "bus1-s"), "-s", sock],
                      os.path.join(site.dir, "bus.log"))
        lt.wait_for(lambda: os.path.exists(sock) and bus_cmd(sock, "ping") is not None,
                    what="lobbybus control socket")
        # lobbyd's config differs only in the link's path: lobbybus's pty.
        conf_m = os.path.join(site.dir, "lobbyd.conf")
        with open(site.conf) as f:
            text = f.read()
        with open(conf_m, "w") as f:
            f.write(text.replace(os.path.join(site.dir, "bus1-s"),
                                 os.path.join(site.dir, "bus1-m")))
        site.conf = conf_m
        site.start_lobbyd()
        lt.wait_for(lambda: all(d.get("online") for d in site.ctl("devices")
                                if d["name"].startswith("ts")),
                    timeout=10, what="all units online")
        time.sleep(0.5)
        bus_cmd(sock, "reset")
        s0 = bus_cmd(sock, "stats")
        sim0 = int(site.sim_cmd("stats", "bus1").split()[1].split("=")[1])
        t0 = time.monotonic()
        time.sleep(WINDOW_S)
        s1 = bus_cmd(sock, "stats")
        sim1 = int(site.sim_cmd("stats", "bus1").split()[1].split("=")[1])
        t1 = time.monotonic()
        tm = bus_cmd(sock, "timing")

        frames = s1["frames_m2s"] - s0["frames_m2s"]
        if frames < UNITS or sim1 - sim0 < UNITS:
            raise AssertionError(f"only {frames:.0f} requests in {WINDOW_S} s")
        txn = (t1 - t0) / frames
        cycle = txn * UNITS
        print(f"rtu_poll_cycle_8_units_19200 {cycle * 1e3:.1f} ms")
        print(f"rtu_poll_cycle_floor_19200 {floor * 1e3:.1f} ms")
        print(f"rtu_poll_cycle_ratio {cycle / floor:.2f}")
        print(f"rtu_transaction_19200 {txn * 1e3:.2f} ms")
        print(f"rtu_transaction_wire_19200 {wire * 1e3:.2f} ms")
        print(f"rtu_master_turnaround_19200 {tm['turn_m_mean_us'] / 1e3:.2f} ms")
        print(f"rtu_slave_turnaround_19200 {tm['turn_s_mean_us'] / 1e3:.2f} ms")
        print(f"rtu_bus_lateness_p99_19200 {tm['p99_us']:.0f} us")
        print(f"rtu_bus_lateness_max_19200 {tm['max_us']:.0f} us")
        print(f"rtu_bus_collisions_19200 {s1['collisions'] - s0['collisions']:.0f} count")
        print(f"rtu_sim_frames_19200 {sim1 - sim0} count")
        site.stop_lobbyd()
        rc = bus.stop()
        bus = None
        if rc != 0:
            raise AssertionError(f"lobbybus exited with {rc}")
    finally:
        if bus is not None:
            bus.stop()
        site.close()


if __name__ == "__main__":
    main()
