"""
Lists at a tower's size (DESIGN invariant 8): the card list, the people and
the muster list come in pages between lobbyd and lobbyctl, and every row
arrives once, in order, whatever the size; a find reads a page of those it
finds. The site's records are written straight into a
stopped lobbyd's database, as an import would leave them.
"""
import csv
import io
import json
import os
import socket
import sqlite3
import subprocess
import time

from lobbytest import DEMO_CONF, LOBBYCTL, Site, raw_request, run_tests, test

CTL_PAGE_ROWS = 2000    # control/ctl.h: the muster list's pages
CARD_PAGE_ROWS = 1000   # control/ctl_cards.c: card.list's pages


def fill(site, *sql_rows):
    """SQL, rows, [SQL, rows ...] into the stopped lobbyd's database."""
    site.stop_lobbyd()
    db = sqlite3.connect(site.db)
    for sql, rows in zip(sql_rows[::2], sql_rows[1::2]):
        db.executemany(sql, rows)
    db.commit()
    db.close()
    site.start_lobbyd()


@test
def card_list_of_many_pages_has_every_card_once_in_order():
    n = 2 * CARD_PAGE_ROWS + 501
    s = Site()
    try:
        fill(s, "INSERT INTO cards (uid, holder, enabled) VALUES (?, ?, 1)",
             [(f"1{i:09X}", f"Staff {i}") for i in range(n - 1)])
        # Text that JSON must escape, and Chinese, come back as they went in.
        odd = 'Lee "Q" \\ 李明\u00e9'
        s.ctl("card", "add", "1FFFFFFFFF", "--holder", odd, "--floors", "2,4")
        assert s.ctl("status")["cards"] == n
        cards = s.ctl("card", "list")
        uids = [c["uid"] for c in cards]
        assert len(uids) == n and uids == sorted(set(uids)), len(uids)
        assert cards[-1]["holder"] == odd and cards[-1]["floors"] == [2, 4], cards[-1]
        assert cards[-2]["holder"] == f"Staff {n - 2}", cards[-2]
        lines = s.run_ctl("card", "list", check=True).stdout.splitlines()
        assert lines[0].startswith("UID") and len(lines) == n + 1, len(lines)
        assert sorted(ln.split()[0] for ln in lines[1:]) == uids
        # Exactly one page: no second request, no missing row.
        fill(s, "DELETE FROM cards WHERE uid >= ?", [(uids[CARD_PAGE_ROWS],)])
        assert len(s.ctl("card", "list")) == CARD_PAGE_ROWS
    finally:
        s.close()


CARD_SCAN = 50000       # db/store.h: STORE_CARD_SCAN, cards a find reads a request


@test
def a_card_found_by_uid_prefix_or_part_of_its_holder_across_pages():
    n = 2 * CARD_SCAN + 20000
    uid = lambda i: f"1{i:09X}"     # noqa: E731
    # Every 9,001st card is 张伟明's, so a find runs through several reads
    # of the list; 2,500 are "Li Wei"'s, so it has several full pages too.
    holder = lambda i: (f"张伟明{i}" if i % 9001 == 0 else    # noqa: E731
                        f"Li Wei {i}" if i % 48 == 1 else f"Staff {i}")
    zhang = [uid(i) for i in range(n) if i % 9001 == 0]
    li = [uid(i) for i in range(n) if i % 48 == 1 and i % 9001 != 0]
    s = Site()
    try:
        fill(s, "INSERT INTO cards (uid, holder, enabled) VALUES (?, ?, 1)",
             [(uid(i), holder(i)) for i in range(n)])
        assert len(li) > 2 * CARD_PAGE_ROWS
        t0 = time.monotonic()
        got = [c["uid"] for c in s.ctl("card", "list", "--find", "伟明")]
        took = time.monotonic() - t0
        assert got == zhang, (len(got), got[:3])
        print(f"  find 伟明 through {n} cards: {len(got)} found in {took * 1000:.0f} ms")
        assert [c["uid"] for c in s.ctl("card", "list", "--find", "li WEI")] == li
        assert [c["uid"] for c in s.ctl("card", "list", "--find", "LI Wei 1")] == \
            [u for u in li if holder(int(u, 16) - 0x1000000000).startswith("Li Wei 1")]
        # A uid prefix, in any case: the range of cards it starts.
        lo = [c["uid"] for c in s.ctl("card", "list", "--find", "100000a")]
        assert lo == [uid(i) for i in range(0xA000, 0xB000)], (len(lo), lo[:2])
        # The table, too.
        out = s.run_ctl("card", "list", "--find", "张伟明9001", check=True).stdout
        assert [ln.split()[1] for ln in out.splitlines()[1:]] == ["张伟明9001", "张伟明90010"], out
        # The pages themselves: a read of the list is bounded, so a find
        # that finds nothing says where it stopped, and goes on from there.
        r = ask(s, {"cmd": "card.list", "args": {"find": "nobody"}})
        assert r["ok"] and r["data"] == [] and r["more"] == uid(CARD_SCAN - 1), r
        r = ask(s, {"cmd": "card.list", "args": {"find": "nobody", "after": r["more"]}})
        assert r["data"] == [] and r["more"] == uid(2 * CARD_SCAN - 1), r
        r = ask(s, {"cmd": "card.list", "args": {"find": "nobody", "after": r["more"]}})
        assert r["ok"] and r["data"] == [] and "more" not in r, r
        # A full page says its last card; limit makes pages smaller.
        r = ask(s, {"cmd": "card.list", "args": {"find": "Li Wei", "limit": 7}})
        assert [c["uid"] for c in r["data"]] == li[:7] and r["more"] == li[6], r
        r = ask(s, {"cmd": "card.list", "args": {"find": "Li Wei", "limit": 7,
                                                   "after": r["more"]}})
        assert [c["uid"] for c in r["data"]] == li[7:14], r
        r = ask(s, {"cmd": "card.list", "args": {"limit": 3}})
        assert [c["uid"] for c in r["data"]] == [uid(0), uid(1), uid(2)] and r["more"] == uid(2)
        # Bad input: what was wrong, and where.
        refused(s, "card.list", (
            ({"find": "张伟\n明"}, '"find": a control character (0x0a) at character 3'),
            *BAD_FINDS,
            ({"find": "a", "limit": 0}, '"limit" is out of range 1..1000'),
            ({"limit": 1001}, '"limit" is out of range 1..1000'),
            ({"find": "a", "sort": "holder"}, "sort")))
        r = s.run_ctl("card", "list", "--find", " ")
        assert r.returncode == 2 and "--find" in r.stderr, r.stderr
        # A card added with replace false never takes over another's uid.
        r = ask(s, {"cmd": "card.add", "args": {"uid": zhang[1], "holder": "李四",
                                                 "replace": False}})
        assert not r["ok"] and f"card {zhang[1]} is on the card list already " \
            f"(holder 张伟明9001)" in r["error"], r
        assert s.ctl("card", "list", "--find", zhang[1])[0]["holder"] == "张伟明9001"
        # Two clerks adding one new uid at the same moment: one card, the
        # other refused, never one taking the other's over.
        socks = [socket.socket(socket.AF_UNIX) for _ in range(2)]
        try:
            for so in socks:
                so.settimeout(10)
                so.connect(s.sock)
            for so, who in zip(socks, ("王一", "王二")):
                so.sendall((json.dumps({"cmd": "card.add", "args": {
                    "uid": "0D00000001", "holder": who, "replace": False}}) + "\n").encode())
            replies = [json.loads(so.makefile().readline()) for so in socks]
        finally:
            for so in socks:
                so.close()
        won = [r["data"]["holder"] for r in replies if r["ok"]]
        assert len(won) == 1, replies
        lost = [r for r in replies if not r["ok"]][0]
        assert f"(holder {won[0]})" in lost["error"], replies
        assert s.ctl("card", "list", "--find", "0D00000001")[0]["holder"] == won[0]
    finally:
        s.close()


@test
def the_muster_list_of_thousands_comes_whole():
    n = 2 * CTL_PAGE_ROWS + 7
    s = Site()
    try:
        fill(s, "INSERT INTO people (id, kind, status, name, created_ms, "
             "updated_ms) VALUES (?, 'staff', 'active', ?, 0, 0)",
             [(i, f"Staff {i}") for i in range(1, n + 1)],
             "INSERT INTO presence (person, zone, inside, since_ms, lane) "
             "VALUES (?, 'tower', 1, ?, 'lane1')",
             [(i, 1000 * i) for i in range(1, n + 1)])
        inside = s.ctl("inside")
        people = [r["person"] for r in inside]
        assert people == list(range(1, n + 1)), (len(people), people[:3], people[-3:])
        assert len(s.ctl("inside", "--zone", "tower")) == n
        rows = list(csv.reader(io.StringIO(
            s.run_ctl("inside", "--csv", check=True).stdout)))
        assert len(rows) == n + 1, len(rows)
        assert sum(1 for r in rows[1:] if r and "Staff" in ",".join(r)) == n
    finally:
        s.close()


def write(site, name, text):
    path = os.path.join(site.dir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


@test
def card_import_loads_a_whole_file_in_one_go():
    s = Site()
    try:
        rows = ["uid,holder,from,until,floors,disabled"]
        floors = ('"1,3-5"', "", "")
        rows += [f'{0x3000000000 + i:010X},"Lee, Staff {i}",,2031-01-01,'
                 f'{floors[i % 3]},{"yes" if i % 4 == 0 else ""}'
                 for i in range(3 * CTL_PAGE_ROWS)]
        path = write(s, "staff.csv", "\n".join(rows) + "\n")
        r = s.run_ctl("card", "import", path, check=True, timeout=60)
        assert f"imported {3 * CTL_PAGE_ROWS} cards from staff.csv" in r.stdout, r.stdout
        cards = {c["uid"]: c for c in s.ctl("card", "list")}
        assert len(cards) == 3 * CTL_PAGE_ROWS
        c = cards["3000000000"]
        assert c["holder"] == "Lee, Staff 0" and c["enabled"] is False, c
        assert c["floors"] == [1, 3, 4, 5] and c["valid_until_ms"] > 0, c
        assert cards["3000000001"]["enabled"] and cards["3000000001"]["floors"] == []
        ev = s.wait_event(lambda e: e["kind"] == "cards_imported", what="import event")
        assert f"{3 * CTL_PAGE_ROWS} cards from staff.csv" in ev[0]["detail"], ev
        assert ev[0]["actor"] != "", ev
        # The imported cards open lanes at once.
        s.card("rd1-in", "3000000001")
        acc = s.wait_event(lambda e: e["kind"] == "access", what="access")[0]
        assert acc["decision"] == "granted" and acc["credential"] == "3000000001", acc
    finally:
        s.close()


@test
def a_bad_line_imports_nothing_and_says_where():
    s = Site()
    try:
        path = write(s, "bad.csv", "uid,holder,until\n"
                     "0A00000001,Ann,\n"
                     "XYZ,Bob,\n"                     # line 3: not hex
                     "0A00000003,,\n"                 # line 4: no holder
                     "0A00000004,Cy,someday\n"        # line 5: no time
                     "0A00000001,Dee,\n"              # line 6: twice
                     "0A00000007,Eve\n")              # line 7: fields
        r = s.run_ctl("card", "import", path)
        assert r.returncode == 2, r
        err = r.stderr
        for line, what in ((3, "XYZ"), (4, "holder"), (5, "someday"),
                           (6, "again (first on line 2)"), (7, "2 fields")):
            assert f"{path}:{line}: " in err and what in err, (line, what, err)
        assert "nothing imported" in err, err
        assert s.ctl("card", "list") == []
        path = write(s, "head.csv", "uid,name\n0A00000001,Ann\n")
        r = s.run_ctl("card", "import", path)
        assert r.returncode == 2 and f"{path}:1: unknown column \"name\"" in r.stderr, r
        assert s.ctl("card", "list") == []
    finally:
        s.close()


@test
def an_import_cut_off_midway_leaves_nothing():
    s = Site()
    try:
        with socket.socket(socket.AF_UNIX) as so:
            so.connect(s.sock)
            rows = [[i + 2, f"4{i:09X}", f"H {i}", 0, 0, "", True] for i in range(100)]
            so.sendall((json.dumps({"cmd": "card.import", "args": {
                "file": "cut.csv", "rows": rows}}) + "\n").encode())
            reply = json.loads(so.makefile().readline())
            assert reply["ok"] and reply["data"]["received"] == 100, reply
        # The connection is gone before "done": nothing lands, and the next
        # import (another client) is not kept waiting.
        path = write(s, "next.csv", "uid,holder\n0B00000001,Ann\n")
        s.run_ctl("card", "import", path, check=True)
        assert [c["uid"] for c in s.ctl("card", "list")] == ["0B00000001"]
        assert "abandoned" in s.log(), s.log()[-1000:]
    finally:
        s.close()


@test
def the_whole_alert_history_comes_in_pages():
    n = 2500                # ALERT_PAGE_ROWS (control/ctl_alerts.c) is 1000
    s = Site()
    try:
        fill(s, "INSERT INTO alerts (raised_ms, cleared_ms, source, kind, severity, "
             "message, audience) VALUES (?, ?, 'ts1', 'offline', 'urgent', ?, "
             "'engineering,security')",
             [(1000 + i, 2000 + i, f"Turnstile ts1 not answering ({i})") for i in range(n)])
        every = s.ctl("alerts", "--all")
        ids = [a["id"] for a in every]
        assert len(ids) >= n and ids == sorted(set(ids)), (len(ids), ids[:3])
        assert every[n - 1]["message"] == f"Turnstile ts1 not answering ({n - 1})"
        lines = s.run_ctl("alerts", "--all", check=True).stdout.splitlines()
        assert len([ln for ln in lines if "not answering (" in ln]) == n, len(lines)
        # The active list is unchanged: these were all cleared.
        assert not [a for a in s.ctl("alerts") if a["source"] == "ts1"]
    finally:
        s.close()


# What a find (card.list's, person.list's) refuses, and what it says.
BAD_FINDS = (
    ({"find": "Li\u007fWei"}, '"find": a control character (0x7f) at character 3'),
    ({"find": "x" * 64}, '"find" is longer than 63 characters'),
    ({"find": "伟" * 22}, '"find" is longer than 63 characters'),
    ({"find": "   "}, '"find" must not be empty'),
    ({"find": ""}, '"find" must not be empty'),
    ({"find": 12}, '"find"'))


def refused(site, cmd, cases):
    """Each (args, words) of cases: cmd with args refused, saying words."""
    for args, said in cases:
        r = ask(site, {"cmd": cmd, "args": args})
        assert not r["ok"] and said in r["error"], (args, r)


def ask(site, req):
    """One request on lobbyd's control socket, its reply."""
    return json.loads(raw_request(site.sock, req["cmd"], req.get("args", {})))


@test
def the_desk_lists_of_a_tower_come_whole_in_pages():
    # More than the 5,000 rows a list once stopped at, without a word.
    people = 3 * CTL_PAGE_ROWS + 11
    passes = 2 * CTL_PAGE_ROWS + 3
    notes = CTL_PAGE_ROWS + 1
    s = Site()
    try:
        # An empty list is a page of nothing (no array behind it at all).
        assert s.ctl("permit", "list") == [] and s.ctl("person", "list") == []
        now = int(time.time() * 1000)
        # Staff: a visitor's record from long ago would be purged at once.
        fill(s, "INSERT INTO people (id, kind, status, name, created_ms, "
             "updated_ms) VALUES (?, 'staff', 'active', ?, ?, ?)",
             [(i, f"Person {i}", now, now) for i in range(1, people + 1)],
             # Ended long ago: in the database only, not in lobbyd's memory.
             "INSERT INTO passes (id, person, credential, state, valid_from_ms, "
             "valid_until_ms, floors, single_entry, used, issued_ms, ended_ms) "
             "VALUES (?, ?, ?, 'ended', 0, 1, 0, 0, 0, ?, 2)",
             [(i, i, f"V{i:06d}", i) for i in range(1, passes + 1)],
             "INSERT INTO shift_log (ts_ms, actor, kind, text) "
             "VALUES (?, 'guard', 'note', ?)",
             [(now - 1000, f"round {i}") for i in range(notes)])
        ids = [p["id"] for p in s.ctl("person", "list")]
        assert ids == list(range(1, people + 1)), (len(ids), ids[-3:])
        ids = [p["id"] for p in s.ctl("pass", "list", "--all")]
        assert ids == list(range(passes, 0, -1)), (len(ids), ids[:3], ids[-3:])
        texts = [n["text"] for n in s.ctl("shift", "log")]
        assert texts == [f"round {i}" for i in range(notes)], (len(texts), texts[-2:])
        # The pages themselves: full ones say where the next starts, the
        # last does not, and no row comes twice.
        first = ask(s, {"cmd": "person.list"})
        assert len(first["data"]) == CTL_PAGE_ROWS and first["more"] == str(CTL_PAGE_ROWS)
        last = ask(s, {"cmd": "person.list", "args": {"after": str(3 * CTL_PAGE_ROWS)}})
        assert [p["id"] for p in last["data"]] == list(range(3 * CTL_PAGE_ROWS + 1, people + 1))
        assert "more" not in last, last.keys()
        older = ask(s, {"cmd": "pass.list", "args": {"all": True, "after": "3"}})
        assert [p["id"] for p in older["data"]] == [2, 1] and "more" not in older
        for bad in ("x", "-1", "0", "12abc", ""):
            r = ask(s, {"cmd": "person.list", "args": {"after": bad}})
            if bad == "":
                assert r["ok"] and len(r["data"]) == CTL_PAGE_ROWS, r.get("error")
            else:
                assert not r["ok"] and r["error"] == ('"after" is not a cursor '
                    f'from an earlier page: "{bad}"'), r
        # What lobbyctl prints has every row too.
        lines = s.run_ctl("person", "list", check=True).stdout.splitlines()
        assert sum(1 for ln in lines if "Person " in ln) == people, lines[:3]
    finally:
        s.close()


# Guards (group "users") and the front desk ("staff"); root is a manager.
ROLES = """
roles = {
	guard = [ "users" ];
	frontdesk = [ "staff" ];
	manager = [ "root" ];
};
"""


def as_user(site, groups, *args):
    """lobbyctl --json as nobody with these groups: its roles come from them."""
    return subprocess.run(["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup",
                           f"--groups={groups}", os.path.abspath(LOBBYCTL), "-s", site.sock,
                           "--json", *map(str, args)], capture_output=True, text=True,
                          timeout=10)


@test
def people_found_by_part_of_a_name_company_or_unit_a_page_at_a_time():
    n = 3 * CTL_PAGE_ROWS
    # Every 997th is 张伟明's; every 50th works for Acme Trading, the rest
    # for 华信科技; units 0100..3003; every 7th a contractor.
    name = lambda i: f"张伟明{i}" if i % 997 == 0 else f"Person {i}"    # noqa: E731
    company = lambda i: "Acme Trading" if i % 50 == 0 else "华信科技"    # noqa: E731
    unit = lambda i: f"{i % 30 + 1:02d}{i % 4:02d}"                    # noqa: E731
    kind = lambda i: "contractor" if i % 7 == 0 else "tenant_staff"    # noqa: E731
    ids = range(1, n + 1)
    s = Site(open(DEMO_CONF).read() + ROLES)
    try:
        os.chmod(s.dir, 0o755)
        os.chmod(os.path.dirname(os.path.abspath(LOBBYCTL)), 0o755)
        now = int(time.time() * 1000)
        fill(s, "INSERT INTO people (id, kind, status, name, company, unit, id_type, "
             "id_mask, created_ms, updated_ms) VALUES (?, ?, 'active', ?, ?, ?, "
             "'resident_card', ?, ?, ?)",
             [(i, kind(i), name(i), company(i), unit(i), f"4403**********{i % 5000 + 5000}", now, now)
              for i in ids])
        # Part of a Chinese name, through the whole list: every one, in order.
        t0 = time.monotonic()
        got = [p["id"] for p in s.ctl("person", "list", "--find", "伟明")]
        took = time.monotonic() - t0
        assert got == [i for i in ids if i % 997 == 0], got
        r = ask(s, {"cmd": "person.list", "args": {"find": "nobody at all"}})
        t1 = time.monotonic()
        for _ in range(5):
            ask(s, {"cmd": "person.list", "args": {"find": "nobody at all"}})
        miss = (time.monotonic() - t1) / 5
        assert r["ok"] and r["data"] == [] and "more" not in r, r
        print(f"  find 伟明 through {n} people: {len(got)} found in {took * 1000:.0f} ms "
              f"(lobbyctl); nothing found: {miss * 1000:.1f} ms a request")
        # A company in any case of its ASCII letters, a page at a time:
        # a full page says its last, the last says nothing more.
        acme = [i for i in ids if i % 50 == 0]
        assert [p["id"] for p in s.ctl("person", "list", "--find", "aCME trad")] == acme
        r = ask(s, {"cmd": "person.list", "args": {"find": "acme", "limit": 50}})
        assert [p["id"] for p in r["data"]] == acme[:50] and r["more"] == str(acme[49]), r.get("more")
        r = ask(s, {"cmd": "person.list", "args": {"find": "acme", "limit": 50,
                                                     "after": r["more"]}})
        assert [p["id"] for p in r["data"]] == acme[50:100] and r["more"] == str(acme[99])
        r = ask(s, {"cmd": "person.list", "args": {"find": "acme", "limit": 50,
                                                     "after": r["more"]}})
        # Exactly the rest: a page of fewer only at the end, and no "more".
        assert [p["id"] for p in r["data"]] == acme[100:] and "more" not in r, r.get("more")
        r = ask(s, {"cmd": "person.list", "args": {"find": "acme", "limit": 20,
                                                     "after": str(acme[99])}})
        assert [p["id"] for p in r["data"]] == acme[100:] and "more" not in r
        # The masked ID number; and kinds.
        assert [p["id"] for p in s.ctl("person", "list", "--find", "**6234")] == [1234]
        r = ask(s, {"cmd": "person.list", "args": {"find": "伟明", "kind": "contractor"}})
        assert [p["id"] for p in r["data"]] == [i for i in ids if i % 997 == 0 and i % 7 == 0]
        r = ask(s, {"cmd": "person.list", "args": {"kind": "tenant_staff", "limit": 5}})
        assert [p["id"] for p in r["data"]] == [1, 2, 3, 4, 5] and r["more"] == "5", r
        r = ask(s, {"cmd": "person.list", "args": {"kind": "contractor", "limit": 3,
                                                     "after": "7"}})
        assert [p["id"] for p in r["data"]] == [14, 21, 28] and r["more"] == "28", r
        # Without a find, "limit" pages the whole list.
        r = ask(s, {"cmd": "person.list", "args": {"limit": 2000, "after": str(n - 3)}})
        assert [p["id"] for p in r["data"]] == [n - 2, n - 1, n] and "more" not in r
        # A unit: the desk finds by it; guards see no units, and find no one by one.
        by_unit = [i for i in ids if unit(i) == "0703"]
        desk = as_user(s, "staff", "person", "list", "--find", "0703")
        assert desk.returncode == 0, desk.stderr
        assert [p["id"] for p in json.loads(desk.stdout)] == by_unit, desk.stdout[:200]
        guard = as_user(s, "users", "person", "list", "--find", "0703")
        assert guard.returncode == 1 and "needs the role" in guard.stderr, guard
        # The table of lobbyctl, too.
        out = s.run_ctl("person", "list", "--find", "张伟明4985", check=True).stdout
        assert "张伟明4985" in out and len(out.splitlines()) == 2, out
        # Bad input: what was wrong, and where.
        refused(s, "person.list", (
            ({"find": "伟\n明"}, '"find": a control character (0x0a) at character 2; '
             "part of a name, company, unit or masked ID number expected"),
            *BAD_FINDS,
            ({"find": "a", "limit": 0}, '"limit" is out of range 1..2000'),
            ({"limit": 2001}, '"limit" is out of range 1..2000'),
            ({"limit": "20"}, '"limit"'),
            ({"kind": "visitors"}, 'kind "visitors": tenant_staff, property_staff, '
             "contractor or visitor expected"),
            ({"kind": ","}, '"kind" must not be empty'),
            ({"find": "a", "after": "x"}, '"after" is not a cursor'),
            ({"find": "a", "sort": "name"}, "sort")))
        r = s.run_ctl("person", "list", "--find", " ")
        assert r.returncode == 2 and "--find" in r.stderr, r.stderr
        assert s.ctl("person", "list", "--find", "x" * 63) == []
    finally:
        s.close()


run_tests("test_scale")
