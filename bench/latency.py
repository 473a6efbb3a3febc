"""
Card-frame-complete to open-command-on-the-wire latency, through the real
lobbyd, with lobbysim playing the devices: over Modbus TCP and RTU, with the
link idle (one turnstile) and busy (the same link polling 8 other devices every
20 ms). Prints "name value unit" lines:
  *_own_p50/p99: lobbyd's own share, from the reader worker's timestamp of the
     frame's last byte to the Modbus worker's timestamp just before the write
     (both CLOCK_MONOTONIC, reported by lobbyctl stats);
  *_e2e_p50/p99: from the card command to lobbysim to lobbysim receiving the
     write, which adds the simulator's and the pseudo-terminals' share.
Also the engine's and the workers' resident memory.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from lobbytest import LANE_READERS, TRIPOD_A_PROFILE, Site, wait_for  # noqa: E402

SWIPES = int(os.environ.get("BENCH_SWIPES", "200"))

SITE = TRIPOD_A_PROFILE + """
store = { database = "@DIR@/lobbyd.db"; event_batch_ms = 50; };
control = { socket = "@DIR@/control.sock"; groups = []; };
""" + LANE_READERS + """
lanes = ( { name = "lane"; turnstile = "ts0"; entry_reader = "rd-in"; exit_reader = "rd-out";
	    pass_timeout_ms = 2000; } );
"""
LINKS = {
    "tcp": 'links = ( { name = "l"; type = "modbus-tcp"; host = "127.0.0.1"; port = 15020; '
           'timeout_ms = 200; } );',
    "rtu": 'links = ( { name = "l"; type = "modbus-rtu"; path = "@DIR@/bus"; baud = 115200; '
           'parity = "none"; timeout_ms = 200; } );',
}


def conf(link, busy):
    n = 9 if busy else 1
    devs = ",\n".join(
        f'{{ name = "ts{i}"; link = "l"; unit = {i + 1}; profile = "tripod-a"; '
        f'poll_ms = {20 if busy else 200}; }}' for i in range(n))
    return SITE + LINKS[link] + f"\ndevices = ( {devs} );\n"


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, (len(xs) - 1) * p // 100)]


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def scenario(link, busy):
    s = Site(conf_text=conf(link, busy), batch_ms=50)
    try:
        uids = [f"1A{i:08X}" for i in range(SWIPES)]
        for u in uids:
            s.run_ctl("card", "add", u, "--holder", "bench", check=True)
        wait_for(lambda: all(d["online"] for d in s.ctl("devices")), timeout=10,
                 what="devices online")
        s.sim_cmd("set", "ts0", "pass_delay_ms", 5)
        sent = []
        for i, u in enumerate(uids):
            before = len(s.sim_writes("ts0"))
            t = time.monotonic_ns()
            s.card("rd-in" if i % 2 == 0 else "rd-out", u)
            sent.append(t)
            wait_for(lambda: len(s.sim_writes("ts0")) > before, timeout=3, what="open")
            # The lane is free for the next card once lobbyd saw the passage.
            wait_for(lambda: [e for e in s.ctl("events", "--limit", "3")
                              if e["kind"] == "passage" and e["credential"] == u],
                     timeout=3, what="passage")
        got = s.sim_writes("ts0")[-SWIPES:]
        e2e = [(w[0] - t) / 1e6 for w, t in zip(got, sent)]
        st = s.ctl("stats")
        lat = st["latency_ns"]
        name = f"card_to_command_{link}_{'busy' if busy else 'idle'}"
        print(f"{name}_own_p50 {lat['p50'] / 1e6:.3f} ms")
        print(f"{name}_own_p99 {lat['p99'] / 1e6:.3f} ms")
        print(f"{name}_e2e_p50 {pct(e2e, 50):.3f} ms")
        print(f"{name}_e2e_p99 {pct(e2e, 99):.3f} ms")
        if link == "tcp" and not busy:
            print(f"engine_rss {rss_kb(s.lobbyd.pid) / 1024:.1f} MiB")
            for lname, w in st["links"].items():
                print(f"worker_rss_{lname} {rss_kb(w['pid']) / 1024:.1f} MiB")
        sys.stdout.flush()
        assert lat["count"] >= SWIPES, lat
    finally:
        s.close()


if __name__ == "__main__":
    for link in ("tcp", "rtu"):
        for busy in (False, True):
            scenario(link, busy)
