"""
Tower-scale figures (DESIGN invariant 8), through the real lobbyd and
lobbyctl on a site whose database is built straight with the project's own
schema (lobbyd makes it, then sqlite3 fills it in big transactions):
  start-up and engine memory with N cards; card.add at N cards; a card import
  of N; the muster list of 20,000 people; the whole card list streamed; a
  card found by name or uid prefix (card.list find); and card-to-command
  while that card list streams, a card find reads it, or a person find reads
  the 20,000 people (person.list find, in the engine), against the same site
  idle.
N is 200,000; BENCH_SCALE=1 makes it 1,000,000. Prints "name value unit".
"""
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from lobbytest import LANE_READERS, LOBBYCTL, TRIPOD_A_PROFILE, Site, wait_for  # noqa: E402
from latency import pct, rss_kb  # noqa: E402

SCALE = os.environ.get("BENCH_SCALE", "") == "1"
N = 1_000_000 if SCALE else 200_000
PEOPLE = 20_000
SWIPES = int(os.environ.get("BENCH_SWIPES", "100"))

SITE = TRIPOD_A_PROFILE + """
store = { database = "@DIR@/lobbyd.db"; event_batch_ms = 50; };
control = { socket = "@DIR@/control.sock"; groups = []; };
zones = ( { name = "tower"; apb = "off"; } );
""" + LANE_READERS + """
links = ( { name = "l"; type = "modbus-tcp"; host = "127.0.0.1"; port = 15020; timeout_ms = 200; } );
devices = ( { name = "ts0"; link = "l"; unit = 1; profile = "tripod-a"; poll_ms = 200; } );
lanes = ( { name = "lane"; turnstile = "ts0"; entry_reader = "rd-in"; exit_reader = "rd-out";
	    pass_timeout_ms = 2000; zone = "tower"; } );
"""


def uid(i):
    return f"1{i:09X}"


def fill(site, cards, people):
    site.stop_lobbyd()
    db = sqlite3.connect(site.db)
    db.execute("PRAGMA synchronous=OFF")
    db.executemany("INSERT INTO cards (uid, holder, enabled) VALUES (?, ?, 1)",
                   ((uid(i), f"Staff {i}") for i in range(cards)))
    db.executemany("INSERT INTO people (id, kind, status, name, created_ms, "
                   "updated_ms) VALUES (?, 'staff', 'active', ?, 0, 0)",
                   ((i, f"Staff {i}") for i in range(1, people + 1)))
    db.executemany("INSERT INTO presence (person, zone, inside, since_ms, lane) "
                   "VALUES (?, 'tower', 1, ?, 'lane')",
                   ((i, 1000 * i) for i in range(1, people + 1)))
    db.commit()
    db.close()


def start(site):
    t0 = time.monotonic()
    site.start_lobbyd()
    return time.monotonic() - t0


def request(sock, cmd, args):
    sock.sendall((json.dumps({"cmd": cmd, "args": args}) + "\n").encode())
    line = sock.makefile().readline()
    return json.loads(line)


def swipes(site, first):
    """SWIPES cards through the lane; lobbyd's own card-to-command figures."""
    wait_for(lambda: all(d["online"] for d in site.ctl("devices")), timeout=10,
             what="devices online")
    site.sim_cmd("set", "ts0", "pass_delay_ms", 5)
    for k in range(SWIPES):
        u = uid(first + k)
        before = len(site.sim_writes("ts0"))
        site.card("rd-in" if k % 2 == 0 else "rd-out", u)
        wait_for(lambda: len(site.sim_writes("ts0")) > before, timeout=5, what="open")
        wait_for(lambda: [e for e in site.ctl("events", "--limit", "3")
                          if e["kind"] == "passage" and e["credential"] == u],
                 timeout=5, what="passage")
    return site.ctl("stats")["latency_ns"]


def finds(site):
    """card.list with a find at N cards: through lobbyctl (every page), and
    request by request, the longest one what the store is held up by."""
    for what, find, want in (("miss", "王芳", 0), ("name", "Staff 123456", 1),
                             ("uid_prefix", "1000012", 4096)):
        t = time.monotonic()
        out = subprocess.run([LOBBYCTL, "-s", site.sock, "--json", "card", "list",
                              "--find", find], capture_output=True, text=True,
                             check=True).stdout
        took = time.monotonic() - t
        assert len(json.loads(out)) == want, (find, len(json.loads(out)))
        print(f"card_find_{what}_{N} {took * 1000:.0f} ms")
    with socket.socket(socket.AF_UNIX) as so:
        so.connect(site.sock)
        args, ts = {"find": "王芳"}, []
        while True:
            t = time.monotonic()
            r = request(so, "card.list", args)
            ts.append((time.monotonic() - t) * 1000)
            assert r["ok"], r
            if "more" not in r:
                break
            args["after"] = r["more"]
    print(f"card_find_requests_{N} {len(ts)} requests")
    print(f"card_find_request_max {max(ts):.1f} ms")
    print(f"card_find_request_p50 {pct(ts, 50):.1f} ms")


def during(site, argv, first):
    """lobbyd restarted, lobbyctl ARGV run again and again while SWIPES cards
    go through the lane: lobbyd's own card-to-command figures, and how many
    times ARGV ran."""
    site.stop_lobbyd()
    start(site)
    stop, runs = threading.Event(), [0]

    def again():
        while not stop.is_set():
            subprocess.run([LOBBYCTL, "-s", site.sock, *argv],
                           stdout=subprocess.DEVNULL, check=True)
            runs[0] += 1
    th = threading.Thread(target=again)
    th.start()
    try:
        busy = swipes(site, first)
    finally:
        stop.set()
        th.join()
    return busy, runs[0]


def main():
    s = Site(conf_text=SITE, batch_ms=50)
    try:
        fill(s, N, PEOPLE)
        took = start(s)
        print(f"startup_{N}_cards {took:.2f} s")
        print(f"engine_rss_{N}_cards_{PEOPLE}_people {rss_kb(s.lobbyd.pid) / 1024:.1f} MiB")

        # card.add at N cards: one connection, each reply after its commit.
        with socket.socket(socket.AF_UNIX) as so:
            so.connect(s.sock)
            ts = []
            for i in range(200):
                t = time.monotonic()
                r = request(so, "card.add", {"uid": f"2{i:09X}", "holder": "Added"})
                ts.append((time.monotonic() - t) * 1000)
                assert r["ok"], r
        print(f"card_add_at_{N}_p50 {pct(ts, 50):.2f} ms")
        print(f"card_add_at_{N}_p99 {pct(ts, 99):.2f} ms")

        t = time.monotonic()
        out = subprocess.run([LOBBYCTL, "-s", s.sock, "inside"], capture_output=True,
                             text=True, check=True).stdout
        took = time.monotonic() - t
        assert out.count("\n") == PEOPLE + 1, out.count("\n")
        print(f"inside_{PEOPLE}_people {took:.2f} s")

        t = time.monotonic()
        out = subprocess.run([LOBBYCTL, "-s", s.sock, "card", "list"],
                             capture_output=True, text=True, check=True).stdout
        took = time.monotonic() - t
        assert out.count("\n") == N + 200 + 1, out.count("\n")
        print(f"card_list_{N} {took:.2f} s")

        finds(s)

        idle = swipes(s, 0)
        print(f"card_to_command_idle_p99 {idle['p99'] / 1e6:.3f} ms")
        print(f"card_to_command_idle_max {idle['max'] / 1e6:.3f} ms")
        # The same while lobbyctl reads the whole card list, a clerk's card
        # search reads every card, and one for a person reads every person,
        # each again and again (lobbyd restarted: the figures of each alone).
        for k, (what, runs, argv) in enumerate((
                ("listing", "card_lists", ["card", "list"]),
                ("finding", "card_finds", ["card", "list", "--find", "王芳"]),
                ("person_finding", "person_finds", ["person", "list", "--find", "王芳"]))):
            busy, n = during(s, argv, (k + 1) * SWIPES)
            print(f"card_to_command_{what}_p99 {busy['p99'] / 1e6:.3f} ms")
            print(f"card_to_command_{what}_max {busy['max'] / 1e6:.3f} ms")
            print(f"{runs}_during_swipes {n} runs")
        sys.stdout.flush()
    finally:
        s.close()

    # A fresh site: the same N cards through lobbyctl card import.
    s = Site(conf_text=SITE, batch_ms=50)
    try:
        path = os.path.join(s.dir, "cards.csv")
        with open(path, "w") as f:
            f.write("uid,holder,until,floors\n")
            for i in range(N):
                f.write(f'{uid(i)},"Staff, {i}",2031-12-31,{"" if i % 2 else "1-3"}\n')
        t = time.monotonic()
        subprocess.run([LOBBYCTL, "-s", s.sock, "card", "import", path],
                       stdout=subprocess.DEVNULL, check=True, timeout=600)
        print(f"card_import_{N} {time.monotonic() - t:.1f} s")
        print(f"engine_rss_{N}_cards {rss_kb(s.lobbyd.pid) / 1024:.1f} MiB")
        s.stop_lobbyd()
        took = start(s)
        print(f"startup_{N}_cards_only {took:.2f} s")
        print(f"engine_rss_{N}_cards_after_restart {rss_kb(s.lobbyd.pid) / 1024:.1f} MiB")
    finally:
        s.close()


if __name__ == "__main__":
    main()
