"""
A desk identity card reader end to end: lobbysim plays the reader's side of
the protocol on a pty (find, select, read; a garbled reply, a card taken
away mid-read, a reader gone silent); lobbyd's worker reads each card once,
the engine checks, hashes and masks the number, and the clerk registers the
visitor from the read. A watch-listed document raises security's silent
alert at the read. No raw number reaches the database or a log. Run with
/usr/bin/python3.
"""
import json
import os
import subprocess
import time

from lobbytest import LOBBYCTL, Site, run_tests, test, wait_for

SETPRIV = "/usr/bin/setpriv"

SITE = """
site = { name = "ID Reader Tower"; };
store = { database = "@DIR@/lobbyd.db"; event_batch_ms = 20; };
control = { socket = "@DIR@/control.sock"; groups = [ "users", "staff" ]; };
health = { offline_after = 2; backoff_max_ms = 500; };
roles = { guard = [ "users" ]; frontdesk = [ "staff" ]; manager = [ "root" ]; };
links = ( );
devices = ( );
readers = (
	{ name = "desk-id"; path = "@DIR@/desk-id"; format = "idcard"; }
);
lanes = ( );
"""


def check_char(d17):
    """GB 11643's check character (ISO 7064 MOD 11-2) of 17 digits."""
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * k for c, k in zip(d17, w)) % 11]


def resident(d17):
    return d17 + check_char(d17)


ID_OK = resident("11010119900307803")
ID_OLD = resident("11010119550101123")
ID_WATCHED = resident("31010419800202345")
ID_BAD = ID_OK[:17] + ("0" if ID_OK[17] != "0" else "1")	# wrong check character
ALL_IDS = (ID_OK, ID_OLD, ID_WATCHED, ID_BAD)


def site():
    s = Site(SITE)
    os.chmod(s.dir, 0o755)
    os.chmod(os.path.dirname(os.path.abspath(LOBBYCTL)), 0o755)
    wait_for(lambda: s.device("desk-id")["online"], timeout=10,
             what="the desk reader online (answering)")
    return s


def as_user(s, groups, *args):
    argv = [SETPRIV, "--reuid=nobody", "--regid=nogroup", f"--groups={groups}",
            os.path.abspath(LOBBYCTL), "-s", s.sock, "--json", *map(str, args)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=10, input="")


def desk(s, *args):
    r = as_user(s, "staff", *args)
    assert r.returncode == 0, f"lobbyctl {' '.join(map(str, args))}: {r.stderr}"
    return json.loads(r.stdout)


def idsim(s, *words):
    return s.sim_cmd("idcard", "desk-id", *words)


def sim_reads(s):
    return int(dict(kv.split("=", 1) for kv in idsim(s, "status").split()[1:])["reads"])


def last_read(s, who=None):
    return desk(s, "idcard", "desk-id") if who is None else s.ctl("idcard", "desk-id")


def wait_read(s, pred=lambda r: r["read"], what="a read"):
    return wait_for(lambda: (lambda r: r if pred(r) else None)(last_read(s)),
                    timeout=5, what=what)


def register(s, *extra, user="staff"):
    return as_user(s, user, "visitor", "register", "--id-from", "desk-id",
                   "--host-unit", "1203", "--host", "Acme Ltd", "--class", "ordinary",
                   "--purpose", "meeting", *extra)


def assert_no_raw_ids(s):
    s.stop_lobbyd()
    for name in os.listdir(s.dir):
        path = os.path.join(s.dir, name)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                data = f.read()
            for n in ALL_IDS:
                assert n.encode() not in data, f"{n} found in {name}"


@test
def a_card_laid_on_the_reader_is_read_once_and_fills_the_registration():
    s = site()
    try:
        idsim(s, "put", ID_OK, "张伟")
        r = wait_read(s)
        assert r["ok"] and r["name"] == "张伟" and r["number_ok"], r
        assert r["birth"] == "1990-03-07" and r["sex"] == "male", r
        assert r["id_type"] == "resident_card" and ID_OK not in json.dumps(r), r
        assert r["id_mask"].endswith(ID_OK[-4:]) and "*" in r["id_mask"], r
        assert "watch" not in r, "the front desk is never told of the watch list"
        # Left on the reader, it is not read again.
        time.sleep(1.5)
        assert sim_reads(s) == 1
        # The clerk's command line shows it in words.
        out = subprocess.run([LOBBYCTL, "-s", s.sock, "idcard", "desk-id"],
                             capture_output=True, text=True, timeout=10).stdout
        assert "张伟" in out and "resident_card" in out and ID_OK not in out, out
        # Registered from the read: no name typed, no number typed.
        p = register(s)
        assert p.returncode == 0, p.stderr
        p = json.loads(p.stdout)
        assert p["state"] == "active", p
        person = desk(s, "person", "show", p["person"])
        assert person["name"] == "张伟" and person["id_type"] == "resident_card", person
        assert person["id_mask"] == r["id_mask"], person
        # One read, one registration: the read is taken.
        assert last_read(s)["read"] is False
        r2 = register(s)
        assert r2.returncode != 0 and "no identity card read at desk-id" in r2.stderr, r2
        # The same card again, after it was taken away: read again, and the
        # same document (the same keyed hash) as the first visit's.
        idsim(s, "remove")
        time.sleep(0.6)
        idsim(s, "put", ID_OK, "张伟")
        wait_read(s)
        assert sim_reads(s) == 2
        ev = [e for e in s.events() if e["kind"] == "idcard_read"]
        assert len(ev) == 2 and ev[0]["device"] == "desk-id", ev
        assert "张伟" not in json.dumps(ev) and r["id_mask"] in ev[0]["detail"], ev
        # Typed and read together: refused.
        both = as_user(s, "staff", "visitor", "register", "--id-from", "desk-id",
                       "--id-type", "passport", "--id", "-", "--host-unit", "1203",
                       "--host", "Acme Ltd", "--class", "ordinary", "--purpose", "x")
        assert both.returncode != 0, both
        assert_no_raw_ids(s)
    finally:
        s.close()


@test
def a_card_taken_away_mid_read_a_garbled_reply_and_a_silent_reader():
    s = site()
    try:
        idsim(s, "pull")
        idsim(s, "put", ID_OK, "李娜", "sex=2")
        r = wait_read(s, what="the failed read")
        assert r["ok"] is False and r["error"] == "card removed during the read", r
        assert [e for e in s.events() if e["kind"] == "idcard_unread" and
                e["detail"] == "card removed during the read"]
        out = subprocess.run([LOBBYCTL, "-s", s.sock, "idcard", "desk-id"],
                             capture_output=True, text=True, timeout=10).stdout
        assert "failed: card removed during the read" in out, out
        # A garbled reply: counted as a bad frame, and the card read anyway.
        rejects = s.device("desk-id")["rejects"]
        idsim(s, "badsum")
        idsim(s, "put", ID_OK, "李娜", "sex=2")
        r = wait_read(s, lambda r: r["read"] and r["ok"], "the good read")
        assert r["name"] == "李娜" and r["sex"] == "female", r
        assert s.device("desk-id")["rejects"] > rejects
        # A reader that stops answering is offline, and back when it answers.
        idsim(s, "silent", "on")
        d = wait_for(lambda: (lambda d: d if not d["online"] else None)(
            s.device("desk-id")), timeout=5, what="the silent reader offline")
        assert "no answer" in d["reason"], d
        idsim(s, "silent", "off")
        wait_for(lambda: s.device("desk-id")["online"], timeout=5,
                 what="the reader online again")
    finally:
        s.close()


@test
def an_expired_card_or_a_bad_number_needs_a_managers_override():
    s = site()
    try:
        idsim(s, "put", ID_OLD, "王芳", "until=20200101")
        r = wait_read(s)
        assert r["expired"] and r["valid_until"] == "2020-01-01", r
        p = register(s)
        assert p.returncode != 0 and "expired on 20200101" in p.stderr, p.stderr
        p = register(s, "--override", "the visitor showed a temporary ID slip",
                     user="root")
        assert p.returncode == 0, p.stderr
        p = json.loads(p.stdout)
        assert p["override_by"], p
        idsim(s, "remove")
        time.sleep(0.6)
        idsim(s, "put", ID_BAD, "赵强")
        r = wait_read(s)
        assert r["number_ok"] is False and "check" in r["number_problem"], r
        p = register(s)
        assert p.returncode != 0 and "not valid" in p.stderr, p.stderr
        assert_no_raw_ids(s)
    finally:
        s.close()


@test
def a_registration_refused_after_its_own_checks_leaves_the_read_offered():
    s = site()
    try:
        idsim(s, "put", ID_OK, "张伟")
        wait_read(s)
        p = register(s)
        assert p.returncode == 0, p.stderr
        # The same document again, read under another name: refused on the
        # store's answer (this document is on record as 张伟) ...
        idsim(s, "remove")
        time.sleep(0.6)
        idsim(s, "put", ID_OK, "张卫")
        wait_read(s, lambda r: r["read"] and r["name"] == "张卫", "the second read")
        p = register(s)
        assert p.returncode != 0 and "on record as 张伟" in p.stderr, p.stderr
        # ... and the read, which registered nobody, is still offered: the
        # card lies on the reader and is not read again.
        assert last_read(s)["read"] is True, "a refused registration took the read"
        p = register(s, "--override", "renamed; saw the household register",
                     user="root")
        assert p.returncode == 0, p.stderr
        assert last_read(s)["read"] is False
        assert sim_reads(s) == 2
    finally:
        s.close()


@test
def a_watch_listed_document_alerts_security_at_the_read():
    s = site()
    try:
        s.ctl("watchlist", "add", "--id-type", "resident_card", "--id", "-",
              "--name", "X", "--note", "bulletin 2026-301", stdin=ID_WATCHED)
        idsim(s, "put", ID_WATCHED, "陈明")
        r = wait_read(s)
        assert "watch" not in r, r		# the desk sees nothing unusual
        assert desk(s, "alerts") == []
        g = wait_for(lambda: [a for a in json.loads(as_user(s, "users", "alerts").stdout)
                              if a["kind"].startswith("site_watch_id")],
                     timeout=3, what="security's alert")[0]
        assert "陈明" in g["message"] and "desk-id" in g["message"], g
        assert g["audience"] == "security", g
        m = s.ctl("idcard", "desk-id")		# a manager does see it
        assert m["watch"] is True, m
        assert_no_raw_ids(s)
    finally:
        s.close()


if __name__ == "__main__":
    run_tests("test_idcard")
