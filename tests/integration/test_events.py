"""
The event log at a tower's scale, through the real lobbyd and lobbyctl:
history by card, person and lane read across many pages (every row once, in
order, the limit exact), the CSV export read back by Python's csv module,
retention deleting only exported old events, and a database of the schema
before brought forward. History is made by writing rows into a stopped
lobbyd's database with sqlite3. Run with /usr/bin/python3.
"""
import csv
import datetime
import json
import os
import re
import sqlite3
import time

from lobbytest import BACK_TO_SCHEMA_8, Site, raw_request, run_tests, test, wait_for

DAY_MS = 86400 * 1000
CARD = "AB00001234"     # the card with a long history
PERSON = 4242


def history(db, now_ms, n=6000, card_every=2, start_days=60):
    """n old access events over start_days days up to a day ago: every
    card_every-th one by CARD (person PERSON), the rest by other cards;
    lanes lane1/lane2 in turn. Returns the rows as inserted."""
    rows = []
    t0 = now_ms - start_days * DAY_MS
    step = (start_days - 1) * DAY_MS // n
    for i in range(n):
        mine = i % card_every == 0
        rows.append((t0 + i * step, "access", "lane%d" % (1 + i % 2), "rd1-in",
                     "entry", CARD if mine else "CD%08X" % i, "granted", "ok",
                     None, "h%d" % i, PERSON if mine else None))
    con = sqlite3.connect(db)
    con.executemany("INSERT INTO events (ts_ms, kind, lane, device, direction, "
                    "credential, decision, reason, actor, detail, person) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.commit()
    con.close()
    return rows


def db_ids(db, where, args=()):
    con = sqlite3.connect(db)
    ids = [r[0] for r in con.execute("SELECT id FROM events WHERE " + where +
                                     " ORDER BY ts_ms, id", args)]
    con.close()
    return ids


def site_with_history(conf_extra=None, **kw):
    s = Site(start_lobbyd=False)
    if conf_extra:
        with open(s.conf) as f:
            text = f.read()
        text = text.replace("store = {", "store = {\n" + conf_extra, 1)
        with open(s.conf, "w") as f:
            f.write(text)
    # The schema comes from lobbyd itself: start it once, then stop it.
    s.start_lobbyd()
    s.stop_lobbyd()
    now = int(time.time() * 1000)
    rows = history(s.db, now, **kw)
    s.start_lobbyd()
    return s, now, rows


@test
def a_cards_history_comes_in_pages_every_row_once_in_order():
    s, now, rows = site_with_history()
    try:
        want = db_ids(s.db, "credential = ?", (CARD,))
        assert len(want) == 3000, len(want)

        # The whole history: two pages of 2000 and one of the rest, as
        # one JSON list.
        got = s.ctl("events", "--card", CARD.lower(), "--limit", "10000000")
        assert [e["id"] for e in got] == want, (len(got), len(want))
        assert all(e["credential"] == CARD and e["person"] == PERSON for e in got)

        # The limit is exact, and the newest that many, oldest first.
        got = s.ctl("events", "--card", CARD, "--limit", "2345")
        assert [e["id"] for e in got] == want[-2345:], len(got)
        got = s.ctl("events", "--person", str(PERSON), "--limit", "4100")
        assert [e["id"] for e in got] == want, len(got)

        # Lane and time: the table, header and a row a line, columns in line.
        since_ms = now - 30 * DAY_MS
        want_lane = db_ids(s.db, "lane = 'lane2' AND ts_ms >= ?", (since_ms,))
        assert len(want_lane) > 1000
        since = datetime.datetime.fromtimestamp(since_ms / 1000).strftime(
            "%Y-%m-%d %H:%M:%S")
        r = s.run_ctl("events", "--lane", "lane2", "--since", since,
                      "--limit", "100000", check=True, timeout=30)
        lines = r.stdout.rstrip("\n").split("\n")
        assert lines[0].startswith("TIME") and len(lines) == 1 + len(want_lane), \
            (len(lines), len(want_lane))
        card_col = lines[0].index("CARD")
        assert all(l[card_col - 2:card_col] == "  " for l in lines[1:]), lines[:3]
        got = s.ctl("events", "--lane", "lane2", "--since", since, "--limit", "100000")
        assert [e["id"] for e in got] == want_lane

        # On the wire: a page of 2000, under 1 MiB, and where the next starts.
        line = raw_request(s.sock, "events", {"card": CARD, "limit": 5000})
        assert len(line) < 1 << 20, len(line)
        reply = json.loads(line)
        assert reply["ok"] and len(reply["data"]) == 2000 and "more" in reply, \
            {k: v for k, v in reply.items() if k != "data"}
        line = raw_request(s.sock, "events", {"card": CARD, "limit": 3000,
                                              "after": reply["more"]})
        reply2 = json.loads(line)
        assert [e["id"] for e in reply["data"] + reply2["data"]] == want, \
            "two pages"
        assert "more" not in reply2
        bad = json.loads(raw_request(s.sock, "events", {"after": "12x"}))
        assert not bad["ok"] and "cursor" in bad["error"], bad
        too_many = s.run_ctl("events", "--limit", "10000001")
        assert too_many.returncode == 2 and "--limit" in too_many.stderr
    finally:
        s.close()


@test
def a_limit_past_a_hundred_thousand_is_exact():
    """lobbyd finds where the newest N start 25,000 events a request, so
    that a big --limit never holds its store up: still exactly N, in order."""
    s, now, rows = site_with_history(n=130000, card_every=1000)
    try:
        until = datetime.datetime.fromtimestamp((now - DAY_MS // 2) / 1000)
        # 123,456 events: seconds of work for a sanitizer build on a busy
        # machine; the test is of what comes, not how fast.
        got = s.ctl("events", "--until", until.strftime("%Y-%m-%d %H:%M:%S"),
                    "--limit", "123456", timeout=120)
        want = db_ids(s.db, "ts_ms < ?", (int(until.timestamp()) * 1000,))[-123456:]
        assert [e["id"] for e in got] == want, (len(got), got[:1], want[:1])
    finally:
        s.close()


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


@test
def export_writes_csv_a_parser_reads_back_and_is_recorded():
    s, now, rows = site_with_history(n=3000, card_every=3)
    try:
        until_ms = now - 20 * DAY_MS
        until = datetime.datetime.fromtimestamp(until_ms / 1000)
        until_s = until.strftime("%Y-%m-%d %H:%M:%S")
        until_ms = int(until.timestamp()) * 1000    # as lobbyctl reads it
        out = os.path.join(s.dir, "jan.csv")
        r = s.run_ctl("events", "export", "--until", until_s, "--out", out,
                      check=True, timeout=30)
        want = db_ids(s.db, "ts_ms < ?", (until_ms,))
        assert re.search(r"exported %d events from the start to " % len(want),
                         r.stdout), r.stdout
        table = read_csv(out)
        assert table[0] == ["id", "time", "ts_ms", "kind", "lane", "device",
                            "direction", "credential", "person", "decision",
                            "reason", "reason_text", "actor", "detail"], table[0]
        body = table[1:]
        assert [int(x[0]) for x in body] == want, (len(body), len(want))
        con = sqlite3.connect(s.db)
        for x in body[:50] + body[-50:]:
            ts, kind, lane, cred, person, detail = con.execute(
                "SELECT ts_ms, kind, lane, credential, person, detail FROM events "
                "WHERE id = ?", (int(x[0]),)).fetchone()
            assert int(x[2]) == ts and x[3] == kind and x[4] == lane, x
            assert x[7] == cred and x[8] == (str(person) if person else ""), x
            assert x[13] == detail, x
            local = datetime.datetime.fromtimestamp(ts / 1000).astimezone()
            assert x[1] == local.isoformat(timespec="milliseconds"), (x[1], local)
        con.close()
        with open(out, "rb") as f:
            assert f.read().split(b"\n")[0].endswith(b"\r"), "CRLF (RFC 4180)"

        # Recorded: in the log with who, and not again by default.
        ev = s.wait_event(lambda e: e["kind"] == "events_exported")[0]
        assert ev["actor"] and str(len(want)) in ev["detail"], ev
        again = s.run_ctl("events", "export", "--until", until_s, "--out",
                          out + "2")
        assert again.returncode == 1 and "exported already" in again.stderr, \
            again.stderr
        assert not os.path.exists(out + "2")
        # Never over an existing file; never in the future.
        r = s.run_ctl("events", "export", "--until", "now", "--out", out)
        assert r.returncode == 2 and "exists" in r.stderr, r.stderr
        r = s.run_ctl("events", "export", "--until", "+2h")
        assert r.returncode == 2, r.stderr
        # The next export goes on from where this one ended, to stdout.
        r = s.run_ctl("events", "export", "--until", "1d", check=True, timeout=30)
        nxt = list(csv.reader(r.stdout.splitlines()))
        want = db_ids(s.db, "ts_ms >= ? AND ts_ms < ?", (until_ms, now - DAY_MS))
        assert [int(x[0]) for x in nxt[1:]] == want, (len(nxt), len(want))
        assert "exported %d events from " % len(want) in r.stderr, r.stderr
    finally:
        s.close()


@test
def retention_deletes_only_exported_old_events():
    s, now, rows = site_with_history(conf_extra="\tevents_keep_days = 30;\n",
                                     n=3000, card_every=3)
    try:
        older = db_ids(s.db, "ts_ms < ?", (now - 30 * DAY_MS,))
        assert len(older) > 1000
        # Nothing exported: nothing goes; an alert says why they stay.
        a = wait_for(lambda: [a for a in s.ctl("alerts")
                              if a["kind"] == "site_events_unexported"],
                     timeout=15, what="site_events_unexported alert")[0]
        assert a["severity"] == "info", a
        assert len(db_ids(s.db, "ts_ms < ?", (now - 30 * DAY_MS,))) == len(older)

        # Export the oldest part: those go, the rest stays.
        cut = datetime.datetime.fromtimestamp((now - 45 * DAY_MS) / 1000)
        cut_ms = int(cut.timestamp()) * 1000
        exported = db_ids(s.db, "ts_ms < ?", (cut_ms,))
        s.run_ctl("events", "export", "--until", cut.strftime("%Y-%m-%d %H:%M:%S"),
                  "--out", os.path.join(s.dir, "a.csv"), check=True, timeout=30)
        ev = s.wait_event(lambda e: e["kind"] == "events_purged", timeout=15)[0]
        assert ev["detail"].startswith("%d events older than 30 days" % len(exported)), ev
        assert db_ids(s.db, "ts_ms < ?", (cut_ms,)) == []
        left = db_ids(s.db, "ts_ms < ?", (now - 30 * DAY_MS,))
        assert len(left) == len(older) - len(exported) > 0
        assert any(a["kind"] == "site_events_unexported" for a in s.ctl("alerts"))
        st = s.ctl("stats")
        assert st["events_purged"] == len(exported), st

        # The rest exported too: they go, and the alert clears.
        s.run_ctl("events", "export", "--until", "30d", "--out",
                  os.path.join(s.dir, "b.csv"), check=True, timeout=30)
        wait_for(lambda: not db_ids(s.db, "ts_ms < ?", (now - 30 * DAY_MS,)),
                 timeout=15, what="the rest deleted")
        wait_for(lambda: not [a for a in s.ctl("alerts")
                              if a["kind"] == "site_events_unexported"],
                 timeout=15, what="alert cleared")
        # Newer events are untouched.
        assert len(db_ids(s.db, "ts_ms >= ?", (now - 30 * DAY_MS,))) >= \
            len([r for r in rows if r[0] >= now - 30 * DAY_MS])
    finally:
        s.close()


@test
def a_database_of_the_schema_before_is_brought_forward():
    s = Site(start_lobbyd=False)
    try:
        s.start_lobbyd()
        s.stop_lobbyd()
        con = sqlite3.connect(s.db)
        con.executescript(BACK_TO_SCHEMA_8)
        con.close()
        history(s.db, int(time.time() * 1000), n=500)
        s.start_lobbyd()
        log = s.log()
        m = re.search(r"upgrading the database from schema 8 to (\d+)", log)
        assert m and int(m.group(1)) >= 9, log
        assert re.search(r"database upgraded to schema %s in [0-9.]+ s" % m.group(1), log), log
        con = sqlite3.connect(s.db)
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        con.close()
        assert {"events_credential_ts", "events_person_ts"} <= names, names
        assert "events_person" not in names, names
        got = s.ctl("events", "--card", CARD, "--limit", "1000")
        assert len(got) == 250, len(got)
    finally:
        s.close()


if __name__ == "__main__":
    run_tests("test_events")
