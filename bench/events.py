"""
The event log at a tower's scale (DESIGN invariant 8), through the real
lobbyd: N events over five years of a tower of 30,000 staff, written straight
into a database of the schema before this one (lobbyd makes it, sqlite3 fills
it in big transactions), so that lobbyd's upgrade builds the card and person
indexes as it would on a real site. Then, on one connection to the control
socket, the latency of a reply (the store's query, the engine's JSON, the
socket) for a card's, a person's and a lane's events, a page of 2000, the
first page of the whole log; an export through lobbyctl; and the retention
batches that delete what was exported.
N is 1,000,000; BENCH_SCALE=1 makes it 10,000,000 (BENCH_ROWS=N: any other).
Prints "name value unit".
"""
import json
import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from lobbytest import (DROP_AFTER_SCHEMA_9, LANE_READERS, LOBBYCTL, LOBBYD,  # noqa: E402
                       TRIPOD_A_PROFILE, Proc, Site, wait_for)

SCALE = os.environ.get("BENCH_SCALE", "") == "1"
N = int(os.environ.get("BENCH_ROWS", 0)) or (10_000_000 if SCALE else 1_000_000)
STAFF = 30_000
LANES = 12
DAY_MS = 86_400_000
YEARS_DAYS = 5 * 365
KEEP_DAYS = YEARS_DAYS - 30     # the oldest month is past retention
QUERIES = 1000

# One lane of the twelve is configured ("lane1"): the one queried.
SITE = TRIPOD_A_PROFILE + """
store = { database = "@DIR@/lobbyd.db"; event_batch_ms = 50;
	  events_keep_days = %d; };
control = { socket = "@DIR@/control.sock"; groups = []; };
""" % KEEP_DAYS + LANE_READERS + """
links = ( { name = "l"; type = "modbus-tcp"; host = "127.0.0.1"; port = 15020; timeout_ms = 200; } );
devices = ( { name = "ts0"; link = "l"; unit = 1; profile = "tripod-a"; poll_ms = 200; } );
lanes = ( { name = "lane1"; turnstile = "ts0"; entry_reader = "rd-in"; exit_reader = "rd-out";
	    pass_timeout_ms = 2000; } );
"""


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, (len(xs) - 1) * p // 100)]


def card(i):
    return f"5{i:09X}"


def fill(db_path, now_ms):
    """N events oldest first, one every 5 years / N; taken back to schema 8
    (no card or person index) so that lobbyd's upgrade builds them."""
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA synchronous=OFF")
    db.executescript("DROP INDEX events_credential_ts; DROP INDEX events_person_ts;"
                     "DROP TABLE event_exports; DROP INDEX events_ts;"
                     "DROP INDEX events_lane_ts;" + DROP_AFTER_SCHEMA_9)
    t0 = now_ms - YEARS_DAYS * DAY_MS
    step = YEARS_DAYS * DAY_MS // N
    rnd = random.Random(1)
    chunk = 200_000
    t = time.monotonic()
    for first in range(0, N, chunk):
        rows = []
        for i in range(first, min(N, first + chunk)):
            who = rnd.randrange(STAFF)
            lane = f"lane{rnd.randrange(LANES) + 1}"
            r = rnd.random()
            if r < 0.6:
                rows.append((t0 + i * step, "access", lane, lane + "-in", "entry",
                             card(who), "granted", "ok", None, None, who + 1))
            elif r < 0.95:
                rows.append((t0 + i * step, "passage", lane, lane + "-ts", "entry",
                             card(who), None, None, None, None, who + 1))
            else:
                rows.append((t0 + i * step, "access", lane, lane + "-in", "entry",
                             f"6{i:09X}", "denied", "unknown_card", None, None,
                             None))
        db.executemany("INSERT INTO events (ts_ms, kind, lane, device, direction, "
                       "credential, decision, reason, actor, detail, person) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        db.commit()
    fill_s = time.monotonic() - t
    t = time.monotonic()
    db.executescript("CREATE INDEX events_ts ON events (ts_ms);"
                     "CREATE INDEX events_lane_ts ON events (lane, ts_ms);"
                     "CREATE INDEX events_person ON events (person);"
                     "PRAGMA user_version = 8;")
    db.close()
    print(f"bench_events: {N} rows written in {fill_s:.0f} s, the schema 8 "
          f"indexes in {time.monotonic() - t:.0f} s", file=sys.stderr)
    return t0, step


class Client:
    """One connection to lobbyd's socket; each request timed to its reply."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(path)
        self.f = self.s.makefile("rb")

    def ask(self, cmd, args):
        req = (json.dumps({"cmd": cmd, "args": args}) + "\n").encode()
        t = time.perf_counter()
        self.s.sendall(req)
        line = self.f.readline()
        took = (time.perf_counter() - t) * 1000     # to the reply's last byte
        reply = json.loads(line)
        assert reply.get("ok"), reply
        return reply, took, len(line)


def main():
    s = Site(conf_text=SITE, start_lobbyd=False)
    try:
        s.start_lobbyd()
        s.stop_lobbyd()
        now = int(time.time() * 1000)
        t0, step = fill(s.db, now)

        # The upgrade: lobbyd logs how long the new indexes took.
        s.lobbyd = Proc([LOBBYD, "-d", "-c", s.conf],
                        os.path.join(s.dir, "lobbyd.log"))
        end = time.monotonic() + 1800
        while not (os.path.exists(s.sock) and s.run_ctl("status").returncode == 0):
            assert s.lobbyd.alive(), "lobbyd stopped: " + s.log()[-400:]
            assert time.monotonic() < end, "lobbyd not up 30 minutes after the upgrade"
            time.sleep(0.2)
        m = re.search(r"database upgraded to schema \d+ in ([0-9.]+) s", s.log())
        print(f"events_upgrade_indexes_{N} {float(m.group(1)):.1f} s")
        print(f"events_db_size_{N} {os.path.getsize(s.db) / 2**20:.0f} MiB")

        c = Client(s.sock)
        rnd = random.Random(2)
        ts = [c.ask("events", {"card": card(rnd.randrange(STAFF))})[1]
              for _ in range(QUERIES)]
        print(f"events_card_at_{N}_p50 {pct(ts, 50):.2f} ms")
        print(f"events_card_at_{N}_p99 {pct(ts, 99):.2f} ms")
        ts = [c.ask("events", {"card": card(rnd.randrange(STAFF)),
                               "limit": 10_000_000})[1] for _ in range(200)]
        print(f"events_card_all_at_{N}_p99 {pct(ts, 99):.2f} ms "
              f"(every event of a card, ~{N // STAFF})")
        ts = [c.ask("events", {"person": rnd.randrange(STAFF) + 1})[1]
              for _ in range(QUERIES)]
        print(f"events_person_at_{N}_p99 {pct(ts, 99):.2f} ms")
        ts = []
        for _ in range(QUERIES):
            since = t0 + rnd.randrange(YEARS_DAYS) * DAY_MS
            ts.append(c.ask("events", {"lane": "lane1", "since_ms": since})[1])
        print(f"events_lane_since_at_{N}_p99 {pct(ts, 99):.2f} ms")
        ts = [c.ask("events", {})[1] for _ in range(200)]
        print(f"events_newest_at_{N}_p99 {pct(ts, 99):.2f} ms")

        # Pages of 2000 through a lane's month, as lobbyctl reads them.
        ts, sizes = [], []
        since = t0 + 30 * DAY_MS
        reply, took, size = c.ask("events", {"lane": "lane1", "since_ms": since,
                                             "oldest": True, "limit": 10_000_000})
        while "more" in reply and len(ts) < 200:
            reply, took, size = c.ask("events", {"lane": "lane1", "since_ms": since,
                                                 "oldest": True, "limit": 10_000_000,
                                                 "after": reply["more"]})
            if len(reply["data"]) == 2000:
                ts.append(took)
                sizes.append(size)
        print(f"events_page_2000_p50 {pct(ts, 50):.2f} ms")
        print(f"events_page_2000_p99 {pct(ts, 99):.2f} ms")
        print(f"events_page_2000_bytes {sum(sizes) / len(sizes) / 1024:.0f} KiB")

        # The newest 10,000,000 of everything: the first page has to find
        # where they start, a walk back through the time index.
        _, took, _ = c.ask("events", {"limit": 10_000_000})
        print(f"events_first_page_of_all_{N} {took:.0f} ms")

        # An export of the oldest month, then retention deletes it.
        out = os.path.join(s.dir, "oldest.csv")
        until = time.strftime("%Y-%m-%d %H:%M:%S",
                              time.localtime((now - KEEP_DAYS * DAY_MS) / 1000))
        t = time.monotonic()
        subprocess.run([LOBBYCTL, "-s", s.sock, "events", "export", "--until",
                        until, "--out", out], check=True, stdout=subprocess.DEVNULL,
                       timeout=3600)
        took = time.monotonic() - t
        with open(out, "rb") as f:
            rows = sum(1 for _ in f) - 1
        print(f"events_export_rows_per_s {rows / took:.0f} rows/s ({rows} rows)")
        t = time.monotonic()
        wait_for(lambda: "event retention: deleted" in s.log(), timeout=3600,
                 what="retention")
        took = time.monotonic() - t
        batches = [float(x) for x in re.findall(
            r"event retention: batch of up to \d+: [1-9]\d* deleted in ([0-9.]+) ms",
            s.log())]
        print(f"events_purge_rows_per_s {rows / took:.0f} rows/s")
        print(f"events_purge_batch_p50 {pct(batches, 50):.1f} ms")
        print(f"events_purge_batch_p99 {pct(batches, 99):.1f} ms "
              f"({len(batches)} batches)")
        sizes = [int(x) for x in re.findall(r"event retention: batch of up to (\d+)",
                                            s.log())]
        print(f"events_purge_batch_rows_max {max(sizes)} rows")
        # The store keeps committing events meanwhile; nothing queued up.
        print(f"events_queue_after_purge {s.ctl('stats')['event_queue']} events")
        sys.stdout.flush()
    finally:
        s.close()


if __name__ == "__main__":
    main()
