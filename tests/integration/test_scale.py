"""
Lists at a tower's size (DESIGN invariant 8): the card list and the muster
list come in pages between lobbyd and lobbyctl, and every row arrives once,
in order, whatever the size. The site's records are written straight into a
stopped lobbyd's database, as an import would leave them.
"""
import csv
import io
import sqlite3

from lobbytest import Site, run_tests, test

CTL_PAGE_ROWS = 2000    # daemon/ctl.h


def fill(site, sql, rows):
    site.stop_lobbyd()
    db = sqlite3.connect(site.db)
    db.executemany(sql, rows)
    db.commit()
    db.close()
    site.start_lobbyd()


@test
def card_list_of_many_pages_has_every_card_once_in_order():
    n = 2 * CTL_PAGE_ROWS + 501
    s = Site()
    try:
        fill(s, "INSERT INTO cards (uid, holder, enabled) VALUES (?, ?, 1)",
             [(f"1{i:09X}", f"Staff {i}") for i in range(n)])
        assert s.ctl("status")["cards"] == n
        cards = s.ctl("card", "list")
        uids = [c["uid"] for c in cards]
        assert len(uids) == n and uids == sorted(set(uids)), len(uids)
        assert cards[-1]["holder"] == f"Staff {n - 1}", cards[-1]
        lines = s.run_ctl("card", "list", check=True).stdout.splitlines()
        assert lines[0].startswith("UID") and len(lines) == n + 1, len(lines)
        assert sorted(ln.split()[0] for ln in lines[1:]) == uids
        # Exactly one page: no second request, no missing row.
        fill(s, "DELETE FROM cards WHERE uid >= ?", [(uids[CTL_PAGE_ROWS],)])
        assert len(s.ctl("card", "list")) == CTL_PAGE_ROWS
    finally:
        s.close()


@test
def the_muster_list_of_thousands_comes_whole():
    n = 2 * CTL_PAGE_ROWS + 7
    s = Site()
    try:
        s.stop_lobbyd()
        db = sqlite3.connect(s.db)
        db.executemany("INSERT INTO people (id, kind, status, name, created_ms, "
                       "updated_ms) VALUES (?, 'staff', 'active', ?, 0, 0)",
                       [(i, f"Staff {i}") for i in range(1, n + 1)])
        db.executemany("INSERT INTO presence (person, zone, inside, since_ms, lane) "
                       "VALUES (?, 'tower', 1, ?, 'lane1')",
                       [(i, 1000 * i) for i in range(1, n + 1)])
        db.commit()
        db.close()
        s.start_lobbyd()
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


run_tests("test_scale")
