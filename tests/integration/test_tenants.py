"""
The tenant directory and returning visitors end to end, through the real
lobbyd and lobbyctl: companies with their units and contacts added, shown
and removed; a guard given the companies' names and nothing more; a CSV
import that is all or nothing, errors as FILE:LINE, and an export that
imports again; a visitor's host checked against the directory (a host
outside it only with a reason); a visitor met before found by document or
by name and phone, and reused with their last visits. Run with
/usr/bin/python3.
"""
import json
import os
import subprocess

from lobbytest import LOBBYCTL, ONE_TURNSTILE, Site, run_tests, test, wait_for

SETPRIV = "/usr/bin/setpriv"

ID_A = "440301199001011234"
ID_B = "E12345678"

SITE = """
site = { name = "Tenant Test Tower"; };
store = { database = "@DIR@/lobbyd.db"; event_batch_ms = 20; };
control = { socket = "@DIR@/control.sock"; groups = [ "users", "staff" ]; };
""" + ONE_TURNSTILE + """
lanes = ( { name = "lane1"; turnstile = "ts1"; entry_reader = "rd1-in"; exit_reader = "rd1-out";
	  pass_timeout_ms = 3000; } );
roles = {
	guard = [ "users" ];
	frontdesk = [ "staff" ];
	engineering = [ "src" ];
	manager = [ "root" ];
};
"""


def site():
    s = Site(SITE)
    os.chmod(s.dir, 0o755)
    os.chmod(os.path.dirname(os.path.abspath(LOBBYCTL)), 0o755)
    return s


def as_user(s, groups, *args, stdin=""):
    argv = [SETPRIV, "--reuid=nobody", "--regid=nogroup", f"--groups={groups}",
            os.path.abspath(LOBBYCTL), "-s", s.sock, *map(str, args)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=10,
                          input=stdin)


def desk(s, *args, stdin=""):
    """A front-desk user's command with --json; its data."""
    r = as_user(s, "staff", "--json", *args, stdin=stdin)
    assert r.returncode == 0, f"lobbyctl {' '.join(map(str, args))}: {r.stderr}"
    return json.loads(r.stdout)


def refused(s, groups, *args, stdin=""):
    r = as_user(s, groups, *args, stdin=stdin)
    assert r.returncode != 0, f"lobbyctl {' '.join(map(str, args))} was not refused: {r.stdout}"
    return r.stderr


def add_acme(s):
    return desk(s, "tenant", "add", "--name", "Acme Ltd", "--short-name", "Acme",
                "--units", "1203;12f-1205", "--floors", "12", "--contact", "Li Na",
                "--phone", "138 0013 8000", "--role", "前台")


def register(s, *extra, name="Zhao Lei", idn=ID_A, unit="1203", host="Li Na",
             groups="staff"):
    args = ["visitor", "register", "--name", name, "--host-unit", unit, "--host", host,
            "--class", "ordinary", "--purpose", "meeting", *extra]
    if idn is not None:
        args += ["--id-type", "resident_card" if idn == ID_A else "passport", "--id", "-"]
    return as_user(s, groups, "--json", *args, stdin=(idn or "") + "\n")


@test
def the_directory_at_the_desk_and_only_names_for_a_guard():
    s = site()
    try:
        t = add_acme(s)
        assert t["name"] == "Acme Ltd" and t["units"] == ["1203", "12F-1205"], t
        assert t["floors"] == "12" and t["created_by"] == "nobody", t
        assert [(k["name"], k["phone"], k["role"], k["notify"]) for k in t["contacts"]] == \
            [("Li Na", "13800138000", "前台", "phone")], t
        t = desk(s, "tenant", "contact", "add", "Acme Ltd", "--contact", "张伟",
                 "--phone", "010-6552-9988", "--role", "负责人")
        assert [k["name"] for k in t["contacts"]] == ["Li Na", "张伟"], t
        desk(s, "tenant", "add", "--name", "Harbour Law", "--units", "2101")
        # The desk sees everything.
        rows = desk(s, "tenant", "list")
        assert [(r["name"], r["units"], r["contacts_count"]) for r in rows] == \
            [("Acme Ltd", ["1203", "12F-1205"], 2), ("Harbour Law", ["2101"], 0)], rows
        assert desk(s, "tenant", "show", t["id"])["contacts"][1]["phone"] == "01065529988"
        # A guard: the companies' names, never a unit or a phone.
        r = as_user(s, "users", "--json", "tenant", "list")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout) == [{"name": "Acme Ltd", "short_name": "Acme"},
                                        {"name": "Harbour Law", "short_name": ""}], r.stdout
        r = as_user(s, "users", "tenant", "list")
        assert r.returncode == 0 and "Acme Ltd" in r.stdout, r
        for secret in ("1203", "1205", "2101", "13800138000", "65529988", "Li Na"):
            assert secret not in r.stdout, r.stdout
        err = refused(s, "users", "tenant", "show", "Acme Ltd")
        assert "frontdesk" in err and "1203" not in err, err
        err = refused(s, "users", "tenant", "export")
        assert "frontdesk or manager" in err, err
        # Names and units are one company's.
        err = refused(s, "staff", "tenant", "add", "--name", "ACME LTD", "--units", "3001")
        assert "is in the directory already" in err, err
        err = refused(s, "staff", "tenant", "add", "--name", "Other Co", "--units", "1203")
        assert "unit 1203 is Acme Ltd's already" in err, err
        err = refused(s, "staff", "tenant", "add", "--name", "Other Co", "--units", "12#3")
        assert "unit \"12#3\"" in err, err
        err = refused(s, "staff", "tenant", "contact", "add", "Acme Ltd", "--contact", "X",
                      "--phone", "12")
        assert "5 to 20 digits" in err, err
        # Contacts and companies removed, and the log says who.
        k = [c for c in t["contacts"] if c["name"] == "张伟"][0]
        desk(s, "tenant", "contact", "remove", "Acme Ltd", k["id"])
        assert [c["name"] for c in desk(s, "tenant", "show", "Acme Ltd")["contacts"]] == ["Li Na"]
        err = refused(s, "staff", "tenant", "contact", "remove", "Acme Ltd", k["id"])
        assert "has no contact" in err, err
        assert desk(s, "tenant", "remove", "Harbour Law")["name"] == "Harbour Law"
        err = refused(s, "staff", "tenant", "show", "Harbour Law")
        assert "no tenant called Harbour Law" in err, err
        kinds = [(e["kind"], e["actor"]) for e in s.events() if e["kind"].startswith("tenant")]
        assert ("tenant_added", "nobody") in kinds and ("tenant_removed", "nobody") in kinds \
            and ("tenant_contact_removed", "nobody") in kinds, kinds
    finally:
        s.close()


GOOD_CSV = (
    "\ufeffcompany,short_name,units,floors,contact,phone,role,notify,notify_detail\n"
    "Acme Ltd,Acme,1203;1205,\"12,13\",Li Na,138 0013 8000,前台,phone,\n"
    "Harbour Law,,2101,21,,,,,\n"
    "\n"
    "Acme Ltd,,,,张伟,010-6552-9988,负责人,,wecom:zhangwei\n"
    "\"Blue Sky, Inc.\",Blue,0801,8,Wang Wu,+86 21 5555 0101,行政,,\n"
)

BAD_CSV = (
    "company,units,floors,contact,phone\n"
    "Acme Ltd,1203,12,Li Na,13800138000\n"
    ",1301,13,,\n"
    "Bad Unit Co,13#01,13,,\n"
    "Acme Ltd,1299,12,Zhao,13800138001\n"
    "No Phone Co,1401,14,Sun Qi,\n"
    "Floors Co,1501,99,,\n"
    "Unitless Co,,,,\n"
)


@test
def a_csv_import_is_all_or_nothing_and_an_export_imports_again():
    s = site()
    try:
        bad = os.path.join(s.dir, "bad.csv")
        with open(bad, "w") as f:
            f.write(BAD_CSV)
        os.chmod(bad, 0o644)
        r = as_user(s, "staff", "tenant", "import", bad)
        assert r.returncode == 2, r
        lines = [l for l in r.stderr.splitlines() if l.startswith(bad + ":")]
        assert [l.split(":")[1] for l in lines] == ["3", "4", "5", "6", "7", "8"], r.stderr
        assert "the company is empty" in lines[0] and "unit \"13#01\"" in lines[1], lines
        assert "its units differ" in lines[2] and "Sun Qi has no phone" in lines[3], lines
        assert "floors:" in lines[4] and "no units on any of its lines" in lines[5], lines
        assert "nothing imported" in r.stderr, r.stderr
        assert desk(s, "tenant", "list") == []

        good = os.path.join(s.dir, "tenants.csv")
        with open(good, "w") as f:
            f.write(GOOD_CSV)
        os.chmod(good, 0o644)
        r = desk(s, "tenant", "import", good)
        assert (r["added"], r["replaced"], r["contacts"]) == (3, 0, 3), r
        rows = desk(s, "tenant", "list")
        assert [(t["name"], t["units"], t["floors"], t["contacts_count"]) for t in rows] == [
            ("Acme Ltd", ["1203", "1205"], "12,13", 2), ("Blue Sky, Inc.", ["0801"], "8", 1),
            ("Harbour Law", ["2101"], "21", 0)], rows
        acme = desk(s, "tenant", "show", "acme ltd")
        assert acme["contacts"][1]["notify_detail"] == "wecom:zhangwei", acme

        # A unit held by a company the file does not name: refused by
        # lobbyd, naming the line, and nothing changes.
        clash = os.path.join(s.dir, "clash.csv")
        with open(clash, "w") as f:
            f.write("company,units\nNew Co,3001\nOther Co,2101\n")
        os.chmod(clash, 0o644)
        r = as_user(s, "staff", "tenant", "import", clash)
        assert r.returncode == 1, r
        assert "clash.csv:3: unit 2101 is Harbour Law's already" in r.stderr, r.stderr
        assert len(desk(s, "tenant", "list")) == 3

        # The export, imported again, replaces each company with itself.
        out = os.path.join(s.dir, "export.csv")
        r = as_user(s, "staff", "tenant", "export")
        assert r.returncode == 0, r.stderr
        with open(out, "w") as f:
            f.write(r.stdout)
        os.chmod(out, 0o644)
        assert r.stdout.splitlines()[0] == \
            "company,short_name,units,floors,contact,phone,role,notify,notify_detail"
        assert "\"Blue Sky, Inc.\",Blue,0801,8,Wang Wu,+862155550101,行政,phone," in r.stdout
        r = desk(s, "tenant", "import", out)
        assert (r["added"], r["replaced"], r["contacts"]) == (0, 3, 3), r
        again = desk(s, "tenant", "list")
        assert [(t["name"], t["units"], t["floors"], t["contacts_count"]) for t in again] == \
            [(t["name"], t["units"], t["floors"], t["contacts_count"]) for t in rows]
        # A unit moves from one company to another within one import.
        move = os.path.join(s.dir, "move.csv")
        with open(move, "w") as f:
            f.write("company,units\nHarbour Law,2102\nBlue Sky Inc 2,2101\n")
        os.chmod(move, 0o644)
        r = desk(s, "tenant", "import", move)
        assert (r["added"], r["replaced"]) == (1, 1), r
        assert desk(s, "tenant", "show", "Blue Sky Inc 2")["units"] == ["2101"]
    finally:
        s.close()


@test
def registration_takes_the_host_from_the_directory():
    s = site()
    try:
        # An empty directory checks nothing: sites that have not loaded it
        # register as before.
        r = register(s, host="Anybody", unit="7777")
        assert r.returncode == 0, r.stderr
        add_acme(s)
        desk(s, "tenant", "contact", "add", "Acme Ltd", "--contact", "张伟",
             "--phone", "13900000000")
        # A contact of the unit: taken as the directory spells it.
        r = register(s, host="  li   NA", unit="1203", idn=ID_B)
        assert r.returncode == 0, r.stderr
        p = json.loads(r.stdout)
        assert p["host"] == "Li Na" and p["unit"] == "1203" and p["host_reason"] == "", p
        r = register(s, host="张伟", unit="12f-1205", idn="E22345678")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["unit"] == "12F-1205", r.stdout
        # Not a contact there: refused, with how many contacts the unit
        # has and none of their names.
        r = register(s, host="Wang Wu", unit="1203", idn="E32345678")
        assert r.returncode == 1, r
        assert "Wang Wu is not a contact of unit 1203" in r.stderr, r.stderr
        assert "2 contacts" in r.stderr and "Li Na" not in r.stderr \
            and "张伟" not in r.stderr, r.stderr
        r = register(s, host="Li Na", unit="9999", idn="E32345678")
        assert r.returncode == 1 and "unit 9999 is not in the tenant directory" in r.stderr, r
        # A host outside the directory with a reason: let in, the reason kept.
        r = register(s, "--host-reason", "new hire, not in the directory yet",
                     host="Wang Wu", unit="1203", idn="E32345678")
        assert r.returncode == 0, r.stderr
        p = json.loads(r.stdout)
        assert p["host_reason"] == "new hire, not in the directory yet", p
        assert desk(s, "pass", "show", p["id"])["host_reason"] == p["host_reason"]
        r = as_user(s, "staff", "visitor", "register", "--name", "Text Out",
                    "--id-type", "passport", "--id", "-", "--host-unit", "1203",
                    "--host", "Nobody", "--host-reason", "walk-in to the landlord",
                    "--class", "ordinary", "--purpose", "meeting", stdin="E42345678\n")
        assert r.returncode == 0 and "host outside the directory" in r.stdout, r
        ev = [e for e in s.events() if e["kind"] == "visitor_registered"]
        assert "host_outside" in ev[-1]["detail"], ev[-1]
    finally:
        s.close()


@test
def a_returning_visitor_is_found_and_reused():
    s = site()
    try:
        add_acme(s)
        desk(s, "tenant", "add", "--name", "Harbour Law", "--units", "2101",
             "--contact", "Chen Jie", "--phone", "13700000000")
        r = register(s, "--phone", "186 0000 1111", host="Li Na", unit="1203")
        assert r.returncode == 0, r.stderr
        first = json.loads(r.stdout)
        assert "returning" not in first, first
        r = register(s, host="Chen Jie", unit="2101")
        assert r.returncode == 0, r.stderr
        second = json.loads(r.stdout)
        assert second["returning"] is True and second["earlier_visits"] == 1, second
        assert second["person"] == first["person"], (first, second)
        assert second["unit"] == "2101" and desk(s, "pass", "show", first["id"])["unit"] == "1203"
        r = as_user(s, "staff", "visitor", "register", "--name", "Zhao Lei", "--id-type",
                    "resident_card", "--id", "-", "--host-unit", "1203", "--host", "Li Na",
                    "--class", "ordinary", "--purpose", "contract", stdin=ID_A + "\n")
        assert r.returncode == 0 and "returning visitor, 2 earlier visits" in r.stdout, r
        people = [p for p in desk(s, "person", "list") if p["kind"] == "visitor"]
        assert len(people) == 1 and people[0]["phone"] == "18600001111", people
        # Found by document, newest visit first.
        f = desk(s, "visitor", "find", "--id-type", "resident_card", "--id", "-",
                 stdin=ID_A + "\n")
        assert f["found"] and f["person"]["id"] == first["person"] and f["visits"] == 3, f
        assert [(v["host"], v["unit"], v["purpose"]) for v in f["last"]] == [
            ("Li Na", "1203", "contract"), ("Chen Jie", "2101", "meeting"),
            ("Li Na", "1203", "meeting")], f
        # ... or by name and phone, however the phone is written.
        f = desk(s, "visitor", "find", "--name", "Zhao Lei", "--phone", "186-0000-1111")
        assert f["found"] and f["person"]["id"] == first["person"], f
        r = as_user(s, "staff", "visitor", "find", "--name", "Zhao Lei", "--phone",
                    "18600001111")
        assert r.returncode == 0 and "3 visits on record" in r.stdout \
            and "contract" in r.stdout, r
        f = desk(s, "visitor", "find", "--id-type", "passport", "--id", "-", stdin="E99999999\n")
        assert f == {"found": False, "person": None, "visits": 0, "last": []}, f
        err = refused(s, "staff", "visitor", "find", "--name", "Zhao Lei")
        assert "name and phone" in err, err
        err = refused(s, "users", "visitor", "find", "--name", "Zhao Lei", "--phone",
                      "18600001111")
        assert "needs the role" in err, err
        # Without a document, a name with a phone says who came back.
        r = as_user(s, "root", "--json", "visitor", "register", "--name", "Zhao Lei",
                    "--phone", "18600001111", "--host-unit", "1203", "--host", "Li Na",
                    "--class", "ordinary", "--purpose", "forgot the ID", "--override",
                    "known to the desk")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["person"] == first["person"], r.stdout
        # The same document with another name: a typo, or someone else's
        # document; a manager may let the record take the new name.
        r = register(s, name="Zhao Leo", host="Li Na", unit="1203")
        assert r.returncode == 1, r
        assert "this document is on record as Zhao Lei (person %d)" % first["person"] \
            in r.stderr, r.stderr
        r = register(s, "--override", "name corrected from the card", name="Zhao Leo",
                     host="Li Na", unit="1203", groups="root")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["name"] == "Zhao Leo", r.stdout
        # A visitor the desk barred stays barred.
        s.ctl("person", "terminate", first["person"], "--reason", "abusive to staff")
        r = register(s, name="Zhao Leo", host="Li Na", unit="1203")
        assert r.returncode == 1, r
        assert "is terminated" in r.stderr and "person activate" in r.stderr, r.stderr
        assert ID_A not in r.stderr
    finally:
        s.close()


run_tests("test_tenants")
