"""
lobbyweb, the front desk's web console, in a real browser: Debian's headless
chromium driven by chromedriver (python3-selenium) against the real lobbyweb,
the real lobbyd and lobbysim. Each page's screenshot (1366x768) is saved in
the site's temp dir (kept when a test fails, or with KEEP_TMP=1).
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import tempfile
import time

from lobbytest import BUILD, ROOT, Proc, Site, free_port, run_tests, test, wait_for

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

LOBBYWEB = os.path.join(BUILD, "lobbyweb")
STATIC = os.path.join(ROOT, "web", "static")
PASSWORD = {"clerk": "desk-pass-2024", "guard": "gate-pass-2024", "eng": "fix-it-2024-x",
            "boss": "run-the-site-24"}
ROLE = {"clerk": "frontdesk", "guard": "guard", "eng": "engineering", "boss": "manager"}
EN = json.load(open(os.path.join(STATIC, "i18n", "en.json")))
ID_NUMBER = "440301199001011234"
CARD = "0A0000C0DE"
ZH = json.load(open(os.path.join(STATIC, "i18n", "zh-CN.json")))


class Web:
    """lobbyweb on a site, and one headless chromium at 1366x768."""

    def __init__(self, site):
        self.site = site
        self.port = free_port()
        self.conf = os.path.join(site.dir, "lobbyweb.conf")
        with open(self.conf, "w") as f:
            f.write(f'listen = "127.0.0.1:{self.port}";\nsocket = "{site.sock}";\n'
                    f'static_dir = "{STATIC}";\n')
        self.url = f"http://127.0.0.1:{self.port}"
        self.shots = os.path.join(site.dir, "screenshots")
        os.makedirs(self.shots, exist_ok=True)
        self.proc = None
        self.start()
        self.profile = tempfile.mkdtemp(prefix="lobbyweb-chromium-", dir=site.dir)
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for a in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1366,768",
                  f"--user-data-dir={self.profile}", "--lang=zh-CN",
                  "--no-first-run", "--disable-extensions", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"):
            opts.add_argument(a)
        opts.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
        self.drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver",
                                                    log_path=os.path.join(site.dir, "chromedriver.log")),
                                    options=opts)
        # The page itself 1366x768, as on a clerk's screen.
        self.drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False})

    def start(self):
        self.proc = Proc([LOBBYWEB, "-d", "-c", self.conf], os.path.join(self.site.dir, "lobbyweb.log"))

        def up():
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return True
            except OSError:
                return False
        wait_for(up, 5, "lobbyweb listening")

    def close(self):
        try:
            self.drv.quit()
        finally:
            if self.proc is not None and self.proc.alive():
                rc = self.proc.stop()
                assert rc == 0, f"lobbyweb exited with {rc} on SIGTERM"

    # -- the browser --
    def get(self, path):
        self.drv.get(self.url + path)
        if path != "/login":
            wait_for(lambda: self.drv.execute_script("return document.body.dataset.ready === '1' "
                                                     "|| location.pathname === '/login'"),
                     5, f"{path} loaded")

    def text(self, css="body"):
        return self.drv.find_element(By.CSS_SELECTOR, css).text

    def shot(self, name):
        path = os.path.join(self.shots, name + ".png")
        self.drv.save_screenshot(path)
        return path

    def login(self, name, password):
        self.drv.delete_all_cookies()
        self.get("/login")
        wait_for(lambda: self.text("#login h2"), 5, "login form translated")
        f = self.drv.find_element(By.ID, "login")
        f.find_element(By.NAME, "name").send_keys(name)
        f.find_element(By.NAME, "password").send_keys(password)
        f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    def log_in_as(self, name, path):
        """Logs in as name and opens path."""
        self.login(name, PASSWORD[name])
        wait_for(lambda: self.drv.current_url == self.url + "/", 5, f"{name} logged in")
        self.get(path)

    def form(self, form_id, fields, submit=None):
        """Fills a form (each value typed; a select's option by value; a
        checkbox by True/False) and
        submits it (with the submit button whose value is submit)."""
        f = self.drv.find_element(By.ID, form_id)
        for k, v in fields.items():
            e = f.find_element(By.NAME, k)
            kind = e.get_attribute("type")
            if e.tag_name == "select" or kind == "number":
                self.drv.execute_script("arguments[0].value = arguments[1];", e, str(v))
            elif kind == "checkbox":
                if e.is_selected() != bool(v):
                    e.click()
            else:
                e.clear()
                e.send_keys(v)
        f.find_element(By.CSS_SELECTOR, "button[type=submit]" +
                       (f"[value={submit}]" if submit else "")).click()

    def field_error(self, form_id, name, want=None):
        """The refusal shown next to a form's field, once there (with want:
        once it says want; a refusal from an earlier try may still show)."""
        css = f"#{form_id} [name={name}]"

        def said():
            e = self.drv.find_element(By.CSS_SELECTOR, css)
            if e.get_attribute("aria-invalid") != "true":
                return ""
            text = self.drv.execute_script(
                "const l = arguments[0].closest('fieldset') || arguments[0].closest('label');"
                "const s = l && l.querySelector('.ferr'); return s ? s.textContent : '';", e)
            return text if want is None or text == want else ""
        return wait_for(said, 5, f"the error next to {name}" + (f": {want}" if want else ""))

    def out(self, form_id):
        return self.text(f"#{form_id} .out")

    def accept(self):
        """Says yes to the page's confirm() dialog."""
        wait_for(lambda: self._alert(), 3, "the confirmation dialog")
        self.drv.switch_to.alert.accept()

    def _alert(self):
        try:
            self.drv.switch_to.alert
            return True
        except Exception:
            return False

    def nav(self):
        return [a.get_attribute("href")[len(self.url):] for a in
                self.drv.find_elements(By.CSS_SELECTOR, "#top nav a")]

    def fetch(self, url, method="GET", headers=None, body=None):
        """A fetch from the page, with its cookies: (status, text)."""
        return self.drv.execute_async_script("""
            const [url, method, headers, body, done] = arguments;
            fetch(url, {method, headers, body, credentials: 'same-origin'})
              .then(async r => done([r.status, await r.text()]))
              .catch(e => done([0, String(e)]));""", url, method, headers or {}, body)


def web_site(conf_text=None):
    s = Site(conf_text)
    for user, role in ROLE.items():
        r = s.run_ctl("user", "add", user, "--role", role, stdin=PASSWORD[user] + "\n")
        assert r.returncode == 0, r.stderr
    return s


def with_web(fn=None, *, conf_text=None):
    """Runs fn(site, web); everything stopped by pid afterwards."""
    if fn is None:
        return lambda f: with_web(f, conf_text=conf_text)

    def run():
        s = web_site(conf_text)
        w = None
        try:
            w = Web(s)
            fn(s, w)
        except BaseException:
            if w is not None:
                try:
                    w.shot("failure")
                except Exception:
                    pass
            os.environ["KEEP_TMP"] = "1"
            raise
        finally:
            try:
                if w is not None:
                    w.close()
            finally:
                s.close()
    run.__name__ = fn.__name__
    return run


def feed_has(w, *words):
    rows = w.drv.find_elements(By.CSS_SELECTOR, "#events tbody tr")
    return [r.text for r in rows if all(x in r.text for x in words)]


@test
@with_web
def test_the_front_desk_in_a_browser(s, w):
    # A wrong password is refused, slowly, and recorded by lobbyd.
    t0 = time.monotonic()
    w.login("clerk", "not-the-password")
    wait_for(lambda: w.text("#out") == ZH["err.login"], 5, "login refused")
    assert time.monotonic() - t0 >= 1.0, "a failed login must be slowed"
    assert w.drv.current_url.endswith("/login")
    w.shot("login-refused")
    assert [e for e in s.events() if e["kind"] == "web_login_failed" and
            e["actor"] == "clerk@web"], "failed login not recorded"
    # The right one: the live feed, in Chinese.
    w.login("clerk", PASSWORD["clerk"])
    wait_for(lambda: w.drv.current_url == w.url + "/", 5, "logged in")
    w.get("/")
    assert ZH["feed.events"] in w.text() and "clerk" in w.text("#top")
    # Register a visitor in Chinese, with a card, pending the host.
    w.get("/visitors")
    f = w.drv.find_element(By.ID, "reg")
    for k, v in (("name", "李伟"), ("id_number", ID_NUMBER), ("host_unit", "1203"),
                 ("host", "华信科技 王经理"), ("purpose", "送货"), ("card", CARD)):
        f.find_element(By.NAME, k).send_keys(v)
    f.find_element(By.CSS_SELECTOR, "select[name=class] option[value=service]").click()
    f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(lambda: ZH["vis.saved"] in w.text("#regout"), 5, "visitor registered")
    wait_for(lambda: "李伟" in w.text("#today"), 5, "visitor listed")
    assert ID_NUMBER not in w.text() and "4403**********1234" in w.text("#today")
    w.shot("visitors-pending")
    # The host confirms by phone; the clerk says so.
    w.drv.find_element(By.CSS_SELECTOR, "#today tbody tr.pending button").click()
    wait_for(lambda: ZH["pass.active"] in w.text("#today"), 5, "visitor confirmed")
    w.shot("visitors-confirmed")
    # The card at the lane: its passage on the feed within 1 s.
    w.get("/")
    s.card("rd1-in", CARD)
    t0 = time.monotonic()
    wait_for(lambda: feed_has(w, CARD, ZH["ev.access"], ZH["dec.granted"]), 1.0,
             "the card's grant on the feed within 1 s")
    grant_s = time.monotonic() - t0
    passage = s.wait_event(lambda e: e["kind"] == "passage" and e["credential"] == CARD,
                           5, "the passage committed")[0]
    t1 = time.monotonic()
    wait_for(lambda: feed_has(w, CARD, ZH["ev.passage"]), 1.0,
             "the passage on the feed within 1 s of its commit")
    print(f"  grant on screen after {grant_s * 1000:.0f} ms, passage "
          f"{(time.monotonic() - t1) * 1000:.0f} ms after lobbyctl saw it ({passage['id']})")
    w.shot("feed")
    # Devices, in words.
    w.get("/devices")
    wait_for(lambda: ZH["state.idle"] in w.text("#devices"), 5, "turnstiles ready in words")
    w.shot("devices")
    # The muster list and its CSV.
    w.get("/muster")
    wait_for(lambda: "李伟" in w.text("#muster"), 5, "the visitor inside")
    w.shot("muster")
    st, csv = w.fetch("/api/muster.csv")
    assert st == 200 and csv.lstrip("\ufeff").startswith(
        ",".join([ZH["csv.zone"], ZH["csv.name"], ZH["csv.kind"]])), csv
    assert "李伟" in csv and "4403**********1234" in csv and ID_NUMBER not in csv, csv
    # A change without the CSRF token is refused, and changes nothing.
    st, body = w.fetch("/api/do/visitor.confirm", "POST",
                       {"Content-Type": "application/json"}, json.dumps({"id": 1}))
    assert st == 403 and json.loads(body)["code"] == "err.csrf", (st, body)
    st, body = w.fetch("/api/do/shift.note", "POST",
                       {"Content-Type": "application/json", "X-CSRF-Token": "0" * 64},
                       json.dumps({"text": "forged"}))
    assert st == 403, (st, body)
    # Every action is lobbyd's, with the web user's name.
    acts = [e for e in s.events() if e["actor"] == "clerk@web"]
    assert {"web_login", "web_login_failed"} <= {e["kind"] for e in acts}, acts
    assert [p for p in s.ctl("visitor", "list") if p["confirmed_by"] == "clerk@web"]


@test
@with_web
def test_a_guard_sees_no_id_numbers(s, w):
    r = s.run_ctl("--json", "visitor", "register", "--name", "Ana Costa", "--id-type",
                  "passport", "--id", "-", "--host-unit", "2101", "--host", "Harbour Law",
                  "--class", "ordinary", "--purpose", "meeting", "--card", CARD,
                  stdin="E12345678\n")
    assert r.returncode == 0, r.stderr
    s.card("rd1-in", CARD)
    s.wait_event(lambda e: e["kind"] == "passage" and e["credential"] == CARD, 6, "passage")
    w.login("guard", PASSWORD["guard"])
    wait_for(lambda: w.drv.current_url == w.url + "/", 5, "guard logged in")
    w.get("/muster")
    wait_for(lambda: "Ana Costa" in w.text("#muster"), 5, "the guard's muster list")
    assert "*" not in w.text("#muster") and "E123" not in w.text(), w.text("#muster")
    assert ZH["nav.visitors"] not in w.text("#top")
    w.shot("muster-guard")
    st, body = w.fetch("/api/q/visitor.list")
    assert st == 403 and json.loads(body)["code"] == "err.role", (st, body)
    st, csv = w.fetch("/api/muster.csv")
    assert st == 200 and "Ana Costa" in csv and "*" not in csv, csv
    r = [e for e in s.events() if e["kind"] == "web_login" and e["actor"] == "guard@web"]
    assert r, "the guard's login not recorded"


@test
@with_web
def test_fire_takes_over_every_page_and_lobbyweb_is_no_part_of_the_lanes(s, w):
    w.login("clerk", PASSWORD["clerk"])
    wait_for(lambda: w.drv.current_url == w.url + "/", 5, "logged in")
    # lobbyweb killed outright: the lanes go on deciding as before.
    s.ctl("card", "add", CARD, "--holder", "Staff")
    w.proc.stop(signal.SIGKILL)
    n = len(s.ctl("events", "--limit", "1000"))
    s.card("rd1-in", CARD)
    e = s.wait_event(lambda e: e["kind"] == "access" and e["credential"] == CARD, 3, "decision")
    assert e[0]["decision"] == "granted", e
    wait_for(lambda: "open_entry" in [c for _, c in s.sim_writes("ts1")], 3, "lane opened")
    assert len(s.ctl("events", "--limit", "1000")) > n and s.lobbyd.alive()
    w.start()
    # Sessions live in lobbyweb's memory: its restart asks for a login again.
    w.get("/devices")
    assert w.drv.current_url.endswith("/login")
    w.login("clerk", PASSWORD["clerk"])
    wait_for(lambda: w.drv.current_url == w.url + "/", 5, "logged in again")
    # Fire: the banner is on the page within 1 s, and has no close.
    w.get("/devices")
    s.sim_cmd("input", "fire-panel", "on")
    t0 = time.monotonic()
    wait_for(lambda: w.drv.find_element(By.ID, "fire").is_displayed(), 1.0,
             "the fire banner within 1 s")
    print(f"  fire banner after {(time.monotonic() - t0) * 1000:.0f} ms")
    assert ZH["fire.banner"] in w.text("#fire")
    assert not w.drv.find_elements(By.CSS_SELECTOR, "#fire button"), \
        "no reset while the input is active"
    w.shot("fire-devices")
    for path in ("/", "/muster", "/visitors"):
        w.get(path)
        wait_for(lambda: w.drv.find_element(By.ID, "fire").is_displayed(), 1.0,
                 f"the fire banner on {path}")
    w.shot("fire-visitors")
    w.drv.execute_script("document.getElementById('fire').hidden = false;")
    st, _ = w.fetch("/api/q/fire")
    assert st == 200


def pick_person(w, form_id, field, text, pid):
    """Types text into a form's person field and picks person pid from
    those it finds."""
    e = w.drv.find_element(By.CSS_SELECTOR, f"#{form_id} [name={field}]")
    e.clear()
    e.send_keys(text)
    css = f"#{form_id} ul.picks li[role=option]"
    no = re.compile(re.escape(ZH["pick.no"].replace("{1}", str(pid))) + r"(?!\d)")

    def picked():
        # Each key typed asks again: a later answer may redraw the list
        # between finding a row and clicking it; then it is found anew.
        try:
            rows = [li for li in w.drv.find_elements(By.CSS_SELECTOR, css)
                    if no.search(li.text)]
            if rows:
                rows[0].click()
                return True
        except StaleElementReferenceException:
            pass
        return False
    wait_for(picked, 5, f"person {pid} found by {text}")
    wait_for(lambda: w.drv.find_element(By.CSS_SELECTOR, f"#{form_id} ul.picks").get_attribute("hidden")
             is not None, 5, "the list closed")


def by_actor(s, user, kind):
    return [e for e in s.events() if e["actor"] == user + "@web" and e["kind"] == kind]


def register(s, name, cls="service", idn="E12345678"):
    r = s.run_ctl("--json", "visitor", "register", "--name", name, "--id-type", "passport",
                  "--id", "-", "--host-unit", "1203", "--host", "华信科技", "--class", cls,
                  "--purpose", "送货", stdin=idn + "\n")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@test
@with_web
def test_the_hosts_answer_and_passes(s, w):
    yes, no = register(s, "张伟"), register(s, "赵敏", idn="E12345679")
    w.log_in_as("clerk", "/visitors")
    wait_for(lambda: "赵敏" in w.text("#pending") and "张伟" in w.text("#pending"), 5,
             "both visitors waiting for their host")
    w.shot("visitors-waiting")
    # The host of one says no: the pending pass is revoked, with why.
    rows = w.drv.find_elements(By.CSS_SELECTOR, "#pending tbody tr")
    [r for r in rows if "赵敏" in r.text][0].find_element(By.CSS_SELECTOR, "button.stop").click()
    w.accept()
    wait_for(lambda: "赵敏" not in w.text("#pending"), 5, "declined visitor off the waiting list")
    [r for r in w.drv.find_elements(By.CSS_SELECTOR, "#pending tbody tr")
     if "张伟" in r.text][0].find_element(By.CSS_SELECTOR, "button.go").click()
    wait_for(lambda: ZH["vis.none_pending"] in w.text("#pending"), 5, "nobody waiting")
    assert ZH["vis.declined"] in w.text("#today")
    w.shot("visitors-answered")
    p = {v["id"]: v for v in s.ctl("pass", "list", "--all")}
    assert p[no["id"]]["state"] == "revoked" and p[no["id"]]["ended_by"] == "clerk@web", p[no["id"]]
    assert p[yes["id"]]["state"] == "active" and p[yes["id"]]["confirmed_by"] == "clerk@web"
    assert by_actor(s, "clerk", "pass_revoked") and by_actor(s, "clerk", "visitor_confirmed")

    # A pass for a tenant's employee: a refusal next to its field, in Chinese.
    who = s.ctl("person", "add", "--kind", "tenant_staff", "--name", "陈静")
    w.get("/passes")
    pick_person(w, "issue", "person", "陈静", who["id"])
    assert "陈静" in w.text("#who"), w.text("#issue")
    w.form("issue", {"credential": "x1"})
    err = w.field_error("issue", "credential")
    assert err == ZH["lerr.cred_format"], err
    w.shot("passes-refused")
    w.form("issue", {"credential": "0A0000BEEF"})
    wait_for(lambda: "0A0000BEEF" in w.text("#passes"), 5, "the pass listed")
    issued = [v for v in s.ctl("pass", "list") if v["credential"] == "0A0000BEEF"][0]
    assert issued["issued_by"] == "clerk@web" and issued["person"] == who["id"], issued
    # Extended: chosen by clicking its row, a new end typed.
    w.drv.find_element(By.CSS_SELECTOR, f"#passes tr[data-id='{issued['id']}']").click()
    end = time.strftime("%Y-%m-%d 18:30", time.localtime(time.time() + 3 * 86400))
    w.form("change", {"valid_until_ms": end}, "extend")
    wait_for(lambda: "18:30" in w.out("change"), 5, "extended")
    # Revoked: the reason is needed, and said where it goes.
    w.form("change", {"reason": ""}, "revoke")
    err = w.field_error("change", "reason")
    assert ZH["pass.reason"] in err, err
    w.drv.find_element(By.CSS_SELECTOR, "#change [name=reason]").send_keys("卡片遗失\n")
    wait_for(lambda: ZH["pass.revoked_ok"].replace("{1}", str(issued["id"])) in w.out("change"),
             5, "revoked")
    w.shot("passes")
    got = [v for v in s.ctl("pass", "list", "--all") if v["id"] == issued["id"]][0]
    assert got["state"] == "revoked" and got["end_reason"] == "卡片遗失", got
    assert time.strftime("%H:%M", time.localtime(got["valid_until_ms"] / 1000)) == "18:30", got
    for kind in ("pass_issued", "pass_extended", "pass_revoked"):
        assert by_actor(s, "clerk", kind), kind
    w.drv.add_cookie({"name": "lw_lang", "value": "en", "path": "/"})
    w.get("/permits")
    assert EN["pm.add_title"] in w.text("main"), w.text("main")
    w.shot("permits-en")
    w.drv.delete_cookie("lw_lang")
    # The guard has no pass pages, and lobbyd refuses them all the same.
    w.log_in_as("guard", "/passes")
    assert not {"/visitors", "/passes", "/permits", "/freight", "/tickets"} & set(w.nav()), w.nav()
    assert "/shift" in w.nav()
    wait_for(lambda: w.text("#msg") == ZH["err.role"], 5, "the guard refused")
    assert not w.drv.find_element(By.TAG_NAME, "main").is_displayed()
    w.shot("passes-guard")
    csrf = json.loads(w.fetch("/api/me")[1])["csrf"]
    st, body = w.fetch("/api/do/pass.extend", "POST", {"Content-Type": "application/json",
                       "X-CSRF-Token": csrf}, json.dumps({"id": yes["id"], "valid_until_ms": 1}))
    assert st == 403 and json.loads(body)["code"] == "err.role", (st, body)


@test
@with_web
def test_the_host_picked_from_the_tenant_directory(s, w):
    s.ctl("tenant", "add", "--name", "华信科技", "--short-name", "华信", "--units", "1203;1205",
          "--contact", "王经理", "--phone", "13800138000", "--role", "负责人")
    s.ctl("tenant", "add", "--name", "Harbour Law", "--units", "2101", "--contact", "Chen Jie",
          "--phone", "13700000000")
    w.log_in_as("clerk", "/visitors")
    f = w.drv.find_element(By.ID, "reg")
    wait_for(lambda: len(f.find_elements(By.CSS_SELECTOR, "select[name=tenant] option")) == 3, 5,
             "the companies to pick from")
    # The company picked: its first unit, and its only contact, filled in.
    f.find_element(By.CSS_SELECTOR, "select[name=tenant] option[value='1']").click()
    assert f.find_element(By.NAME, "host_unit").get_attribute("value") == "1203"
    assert f.find_element(By.NAME, "host").get_attribute("value") == "王经理"
    assert [o.get_attribute("value") for o in
            w.drv.find_elements(By.CSS_SELECTOR, "#units option")] == ["1203", "1205"]
    for k, v in (("name", "李伟"), ("id_number", ID_NUMBER), ("purpose", "洽谈"),
                 ("phone", "186 0000 1111")):
        f.find_element(By.NAME, k).send_keys(v)
    w.shot("visitors-host-picked")
    f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(lambda: ZH["vis.saved"] in w.text("#regout"), 5, "visitor registered")
    # A host the directory does not know: refused next to the field, in Chinese.
    w.form("reg", {"name": "李伟", "id_number": ID_NUMBER, "host_unit": "2101",
                   "host": "Wang Wu", "purpose": "洽谈"})
    err = w.field_error("reg", "host")
    assert err == ZH["lerr.host_not_contact"].replace("{1}", "Wang Wu").replace(
        "{2}", "2101").replace("{4}", "1"), err
    assert "Chen Jie" not in w.text("#reg")
    w.shot("visitors-host-refused")
    # With a reason it is let in; the visitor met before is said so.
    w.form("reg", {"host_reason": "物业安排的面试"})
    wait_for(lambda: ZH["vis.returning"].replace("{1}", "1") in w.text("#regout"), 5,
             "a returning visitor")
    w.shot("visitors-returning")
    passes = [p for p in s.ctl("visitor", "list") if p["name"] == "李伟"]
    assert sorted((p["unit"], p["host"], p["host_reason"]) for p in passes) == [
        ("1203", "王经理", ""), ("2101", "Wang Wu", "物业安排的面试")], passes
    assert len({p["person"] for p in passes}) == 1, passes


FREIGHT_CONF = open(os.path.join(ROOT, "conf", "demo", "site.conf")).read().replace(
    'reader = "rd-el1"; enable_s = 10; freight = false;', 'reader = "rd-el1"; enable_s = 10; freight = true;')


@test
@with_web(conf_text=FREIGHT_CONF)
def test_contractors_and_freight_bookings(s, w):
    w.log_in_as("clerk", "/permits")
    today = time.strftime("%Y-%m-%d")
    for day in w.drv.find_elements(By.CSS_SELECTOR, "#permit input[name=days]:checked"):
        day.click()
    w.form("permit", {"unit": "1203", "company": "安居装饰", "hours": "8点到12点", "floor": "12"})
    err = w.field_error("permit", "days")
    assert err == ZH["lerr.required"].replace("{f}", ZH["pm.days"]), err
    for d in ("mon", "tue", "wed", "thu", "fri"):
        w.drv.find_element(By.CSS_SELECTOR, f"#permit input[name=days][value={d}]").click()
    w.form("permit", {})
    err = w.field_error("permit", "hours")
    assert err == ZH["lerr.hours"], err
    w.shot("permits-refused")
    w.form("permit", {"hours": "08:00-12:00,14:00-18:00"})
    wait_for(lambda: "安居装饰" in w.text("#permits"), 5, "the permit listed")
    permit = s.ctl("permit", "list")[0]
    assert permit["days"] and permit["from"] == int(today.replace("-", "")), permit
    # Its fees unpaid: no contractor's pass, and the form says why.
    w.form("contractor", {"permit": str(permit["id"]), "name": "刘强", "id_number": ID_NUMBER,
                          "credential": "0A0000C0C0"})
    err = w.field_error("contractor", "permit")
    assert err == ZH["lerr.permit_unusable"].replace("{1}", str(permit["id"])), err
    [b for b in w.drv.find_elements(By.CSS_SELECTOR, "#permits button")
     if b.text == ZH["pm.mark_paid"]][0].click()
    wait_for(lambda: ZH["pm.paid"] in w.text("#permits"), 5, "fees paid")
    w.form("contractor", {"permit": str(permit["id"])})
    wait_for(lambda: "刘强" in w.text("#contractors"), 5, "the contractor's pass")
    assert ID_NUMBER not in w.text() and "4403**********1234" in w.text("#contractors")
    w.shot("permits")
    # Suspended: every pass of the permit ends at once.
    [b for b in w.drv.find_elements(By.CSS_SELECTOR, "#permits button")
     if b.text == ZH["pm.suspend"]][0].click()
    w.accept()
    wait_for(lambda: ZH["pst.suspended"] in w.text("#permits"), 5, "suspended")
    cons = [p for p in s.ctl("pass", "list", "--all") if p["kind"] == "contractor"]
    assert cons and cons[0]["state"] == "revoked" and cons[0]["issued_by"] == "clerk@web", cons
    for kind in ("permit_added", "permit_changed", "contractor_added"):
        assert by_actor(s, "clerk", kind), kind

    # The freight elevator: a booking too soon is refused next to its start.
    s.ctl("card", "add", "0A0000F00D", "--holder", "安居装饰 搬运")
    w.get("/freight")
    soon = time.strftime("%Y-%m-%d %H:%M", time.localtime(time.time() + 3600))
    w.form("booking", {"unit": "1203", "elevator": "car1", "card": "0A0000F00D",
                       "from_ms": soon})
    err = w.field_error("booking", "from_ms")
    assert err == ZH["lerr.bk_too_soon"], err
    w.shot("freight-refused")
    # The page's own suggestion (two days on, 10:00 to 12:00) is taken.
    w.drv.refresh()
    w.get("/freight")
    w.form("booking", {"unit": "1203", "card": "0A0000F00D"})
    wait_for(lambda: "0A0000F00D" in w.text("#bookings"), 5, "the booking listed")
    w.shot("freight")
    b = s.ctl("booking", "list")[0]
    assert b["booked_by"] == "clerk@web" and b["elevator"] == "car1", b
    assert time.strftime("%H:%M", time.localtime(b["from_ms"] / 1000)) == "10:00", b
    w.drv.find_element(By.CSS_SELECTOR, "#bookings button.stop").click()
    w.accept()
    wait_for(lambda: "0A0000F00D" not in w.text("#bookings"), 5, "cancelled")
    assert by_actor(s, "clerk", "booking_added") and by_actor(s, "clerk", "booking_cancelled")
    # Engineering books nothing and issues no contractor's pass.
    w.log_in_as("eng", "/freight")
    assert "/freight" not in w.nav() and "/permits" not in w.nav(), w.nav()
    wait_for(lambda: w.text("#msg") == ZH["err.role"], 5, "engineering refused")
    w.get("/permits")
    wait_for(lambda: w.text("#msg") == ZH["err.role"], 5, "engineering refused permits")


@test
@with_web
def test_repair_tickets_and_the_shift_log(s, w):
    w.log_in_as("eng", "/tickets")
    assert "/tickets" in w.nav() and "/shift" not in w.nav(), w.nav()
    w.form("topen", {"source": "ts9", "title": "闸机异响"})
    err = w.field_error("topen", "source")
    assert err == ZH["lerr.no_source"].replace("{1}", "ts9"), err
    w.form("topen", {"source": "ts1", "urgent": True})
    wait_for(lambda: "闸机异响" in w.text("#tickets"), 5, "the ticket listed")
    tk = [k for k in s.ctl("tickets") if k["title"] == "闸机异响"][0]
    assert tk["urgency"] == "urgent" and tk["opened_by"] == "eng@web", tk
    w.drv.find_element(By.CSS_SELECTOR, "#tickets button.go").click()
    wait_for(lambda: ZH["tks.in_progress"] in w.text("#tickets"), 5, "started")
    w.form("tnote", {"text": "更换了棘轮"}, "note")
    wait_for(lambda: "更换了棘轮" in w.text("#notes"), 5, "the note shown")
    w.shot("tickets")
    w.form("tnote", {"text": "已修复"}, "done")
    wait_for(lambda: "闸机异响" not in w.text("#tickets"), 5, "done, off the open list")
    got = s.ctl("ticket", "show", tk["id"])
    assert got["state"] == "done" and [n for n in got["notes"] if n["actor"] == "eng@web"
                                       and n["text"] == "更换了棘轮"], got
    for kind in ("ticket_opened", "ticket_started", "ticket_note", "ticket_done"):
        assert by_actor(s, "eng", kind), kind
    # A turnstile stops answering: engineering acknowledges its alert on the
    # feed, with a note beside it.
    w.get("/")
    wait_for(lambda: s.device("ts3")["online"], 8, "ts3 online")
    s.sim_cmd("mute", "ts3")
    a = wait_for(lambda: [a for a in s.ctl("alerts") if a["source"] == "ts3"], 8, "ts3's alert")[0]
    row = wait_for(lambda: w.drv.find_elements(By.CSS_SELECTOR, f"#alerts tr[data-id='{a['id']}']"),
                   5, "the alert on the feed")[0]
    row.find_element(By.TAG_NAME, "button").click()
    w.form("alerts", {"note": "已派人去三号闸"})
    wait_for(lambda: "已派人去三号闸" in w.text("#alerts") and ZH["feed.acked"] in w.text("#alerts"),
             5, "acknowledged with the note")
    w.shot("feed-acked")
    got = [x for x in s.ctl("alerts") if x["id"] == a["id"]][0]
    assert got["acked_by"] == "eng@web" and got["ack_note"] == "已派人去三号闸", got
    assert by_actor(s, "eng", "alert_acked")

    # The guard keeps the shift log and hands over; tickets are not theirs.
    register(s, "孙丽")		# a visitor still waiting for the host
    w.log_in_as("guard", "/shift")
    assert "/tickets" not in w.nav()
    w.form("snote", {"text": ""})
    err = w.field_error("snote", "text")
    assert ZH["sh.text"] in err, err
    w.form("snote", {"text": "东门闸机夜间已锁"})
    wait_for(lambda: "东门闸机夜间已锁" in w.text("#shiftlog"), 5, "the note in the log")
    w.form("handover", {"note": "注意三号闸"})
    wait_for(lambda: w.drv.find_element(By.ID, "handtext").is_displayed(), 5, "the handover")
    hand = w.text("#handtext")
    assert ZH["sh.i_note"].replace("{1}", "注意三号闸") in hand, hand
    assert ZH["sh.i_pending"].split("{")[0] + "孙丽" in hand, hand
    w.shot("shift")
    assert by_actor(s, "guard", "shift_note") and by_actor(s, "guard", "shift_handover")
    log = s.ctl("shift", "log")
    assert [r for r in log if r["actor"] == "guard@web" and r["kind"] == "handover"], log
    w.get("/tickets")
    wait_for(lambda: w.text("#msg") == ZH["err.role"], 5, "the guard refused tickets")
    st, body = w.fetch("/api/q/tickets")
    assert st == 403 and json.loads(body)["code"] == "err.role", (st, body)
    # The manager has every page; in English the header still holds them
    # on one line of a 1366-wide screen.
    w.log_in_as("boss", "/shift")
    w.drv.add_cookie({"name": "lw_lang", "value": "en", "path": "/"})
    w.get("/tickets")
    assert w.nav() == ["/", "/devices", "/muster", "/visitors", "/passes", "/permits",
                       "/people", "/cards", "/freight", "/tickets", "/shift", "/watchlist"], w.nav()
    assert EN["tk.list_title"] in w.text("main") and "/tickets" in w.nav()
    assert w.drv.find_element(By.ID, "top").size["height"] < 70
    w.get("/shift")
    wait_for(lambda: "handover" in w.text("#shiftlog").lower() or EN["shk.handover"] in w.text("#shiftlog"),
             5, "the shift log in English")
    w.shot("shift-manager-en")


# The host is told by a command that keeps the notice (one JSON object).
LINK_CONF = open(os.path.join(ROOT, "conf", "demo", "site.conf")).read() + """
notify = {
  answer_url = "https://desk.example.com/answer?t=";
  channels = ( { name = "keep"; type = "exec"; command = "/usr/bin/tee @DIR@/notice.json"; } );
  hosts = ( { unit = "1203"; channel = "keep"; } );
};
"""


def answer_api(w, method, token=None, body=None, headers=None, cookie=None):
    """/api/answer from outside any browser: (status, JSON, Set-Cookie)."""
    c = http.client.HTTPConnection("127.0.0.1", w.port, timeout=10)
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    c.request(method, "/api/answer" + (f"?t={token}" if token else ""),
              body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse()
    out = (r.status, json.loads(r.read() or b"{}"), r.getheader("Set-Cookie") or "")
    c.close()
    return out


@test
@with_web(conf_text=LINK_CONF)
def test_the_hosts_one_time_link(s, w):
    p = register(s, "周杰")
    assert p["state"] == "pending", p
    notice = os.path.join(s.dir, "notice.json")
    wait_for(lambda: os.path.exists(notice) and os.path.getsize(notice) > 0, 5, "the host told")
    token = re.search(r"t=([A-Za-z0-9_-]{43})$", json.load(open(notice))["answer_url"]).group(1)
    # Opened as a chat app's preview would, and as the host does: no login,
    # the visit shown, nothing answered.
    w.drv.delete_all_cookies()
    for _ in range(2):
        w.get(f"/answer?t={token}&a=confirm")
    wait_for(lambda: w.drv.find_element(By.ID, "visit").is_displayed(), 5, "the visit shown")
    assert "周杰" in w.text("#visit") and "华信科技" in w.text("#visit"), w.text("#visit")
    assert ZH["cls.service"] in w.text("#visit") and ZH["ans.ask_confirm"] in w.text("#ask")
    assert w.drv.switch_to.active_element.get_attribute("id") == "confirm"
    assert "E12345678" not in w.text() and "1203" not in w.text(), w.text()
    w.shot("answer")
    st, look, cookie = answer_api(w, "GET", token)
    assert st == 200 and look["data"]["name"] == "周杰" and len(look["csrf"]) == 64, (st, look)
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/api/answer" in cookie
    assert s.ctl("pass", "show", p["id"])["state"] == "pending", "a GET answered"
    # A POST without this page's token, or from another site, answers nothing.
    nonce = cookie.split(";")[0]
    # The link opened again (another tab, or another visitor's link): the
    # browser's nonce is kept, so the page opened first still answers.
    st, look2, cookie2 = answer_api(w, "GET", token, cookie=nonce)
    assert st == 200 and cookie2.split(";")[0] == nonce, (cookie, cookie2)
    assert look2["csrf"] == look["csrf"], (look, look2)
    for headers, ck in (({"Content-Type": "application/json"}, None),
                        ({"Content-Type": "application/json", "X-CSRF-Token": look["csrf"]}, None),
                        ({"Content-Type": "application/json", "X-CSRF-Token": "0" * 64}, nonce),
                        ({"Content-Type": "application/json", "X-CSRF-Token": look["csrf"],
                          "Origin": "https://evil.example"}, nonce),
                        ({"Content-Type": "text/plain", "X-CSRF-Token": look["csrf"]}, nonce)):
        st, j, _ = answer_api(w, "POST", body={"t": token, "answer": "decline"},
                              headers=headers, cookie=ck)
        assert st == 403 and j["code"] == "err.csrf", (headers, ck, st, j)
    st, j = w.fetch("/api/answer", "POST", {"Content-Type": "application/json"},
                    json.dumps({"t": token, "answer": "decline"}))
    assert st == 403, (st, j)
    assert s.ctl("pass", "show", p["id"])["state"] == "pending", "answered without the page"
    # The host's button: confirmed, by the link.
    w.drv.find_element(By.ID, "confirm").click()
    wait_for(lambda: w.text("#out") == ZH["ans.confirmed"], 5, "confirmed on the page")
    w.shot("answer-confirmed")
    got = s.ctl("pass", "show", p["id"])
    assert got["state"] == "active" and got["confirmed_by"] == "host (link)", got
    assert [e for e in s.events() if e["kind"] == "visitor_confirmed" and
            "one-time link" in e["detail"]], "the link's answer not recorded"
    # Once only: the page says so, and a POST with a good page token too.
    w.get(f"/answer?t={token}&a=decline")
    wait_for(lambda: w.text("#title") == ZH["ans.invalid"], 5, "the used link refused")
    assert not w.drv.find_element(By.ID, "acts").is_displayed()
    w.shot("answer-used")
    st, j, _ = answer_api(w, "POST", body={"t": token, "answer": "decline"}, cookie=nonce,
                          headers={"Content-Type": "application/json", "X-CSRF-Token": look["csrf"]})
    assert st == 404 and j["code"] == "ans.invalid", (st, j)
    assert s.ctl("pass", "show", p["id"])["state"] == "active"
    # In English, a wrong token says the same.
    w.drv.add_cookie({"name": "lw_lang", "value": "en", "path": "/"})
    w.get("/answer?t=" + "x" * 43)
    wait_for(lambda: w.text("#title") == EN["ans.invalid"], 5, "a wrong link refused")
    w.shot("answer-invalid-en")
    # The answer is not a web user's command: lobbyweb's list has no door to it.
    w.log_in_as("clerk", "/")
    csrf = json.loads(w.fetch("/api/me")[1])["csrf"]
    st, _ = w.fetch("/api/do/visitor.answer", "POST", {"Content-Type": "application/json",
                    "X-CSRF-Token": csrf}, json.dumps({"token": token}))
    assert st == 404, st
    # Wrong tokens from one address: slowed, then refused for a while (the
    # used link twice and the wrong one above were the first three of ten).
    t0 = time.monotonic()
    codes = [answer_api(w, "GET", "y" * 43)[0] for _ in range(10)]
    assert codes == [404] * 7 + [429] * 3, codes
    assert time.monotonic() - t0 >= 3.5, "wrong tokens must be slowed"
    st, j, _ = answer_api(w, "GET", token)
    assert st == 429 and j["code"] == "ans.too_many", (st, j)
    assert "links that are not valid" in w.proc.output(), "the refusal not logged"


@test
@with_web
def test_alerts_by_hand_the_watch_list_and_people(s, w):
    # A guard raises an alert from the feed: to security and the manager.
    w.log_in_as("guard", "/")
    w.drv.find_element(By.ID, "raise").click()
    for box in w.drv.find_elements(By.CSS_SELECTOR, "#raiseform input[name=to]:checked"):
        box.click()
    w.form("raiseform", {"text": "大堂有人闹事"})
    err = w.field_error("raiseform", "to")
    assert err == ZH["lerr.empty"].replace("{f}", ZH["ar.to"]), err
    for to in ("security", "manager"):
        w.drv.find_element(By.CSS_SELECTOR, f"#raiseform input[name=to][value={to}]").click()
    w.form("raiseform", {})
    wait_for(lambda: ZH["ar.raised"].split("{")[0] in w.out("raiseform"), 5, "raised")
    wait_for(lambda: "大堂有人闹事" in w.text("#alerts"), 5, "the alert on the guard's feed")
    w.shot("feed-raised")
    a = [x for x in s.ctl("alerts") if "大堂有人闹事" in x["message"]]
    assert a and a[0]["severity"] == "urgent" and a[0]["audience"] == "security,manager" and \
        "guard@web" in a[0]["message"], a
    assert by_actor(s, "guard", "alert_raised_by_hand")
    # Watch list: a guard reads it, adds nothing; engineering does not see it.
    w.get("/watchlist")
    assert "/watchlist" in w.nav() and "/people" not in w.nav(), w.nav()
    assert not w.drv.find_element(By.ID, "wadd-box").is_displayed()
    wait_for(lambda: ZH["wl.empty"] in w.text("#watch"), 5, "the empty list")
    w.log_in_as("eng", "/watchlist")
    assert "/watchlist" not in w.nav()
    wait_for(lambda: w.text("#msg") == ZH["err.role"], 5, "engineering refused the watch list")
    assert "大堂有人闹事" not in w.text(), "an alert for security on engineering's feed"
    # The manager adds two entries and removes one; the number is never shown.
    w.log_in_as("boss", "/watchlist")
    for num, name in (("E99887766", "赵某"), ("G11223344", "钱某")):
        w.form("wadd", {"id_type": "passport", "id_number": num, "name": name, "note": "协查通报 118"})
        wait_for(lambda: name in w.text("#watch"), 5, f"{name} listed")
        assert w.drv.find_element(By.CSS_SELECTOR, "#wadd [name=id_number]").get_attribute("value") == ""
    assert "E99887766" not in w.text() and "E9*****66" in w.text("#watch"), w.text("#watch")
    wl = s.ctl("watchlist", "list")
    assert {x["name"] for x in wl} == {"赵某", "钱某"} and all(x["added_by"] == "boss@web" for x in wl), wl
    [r for r in w.drv.find_elements(By.CSS_SELECTOR, "#watch tbody tr") if "钱某" in r.text][0] \
        .find_element(By.CSS_SELECTOR, "button.stop").click()
    w.accept()
    wait_for(lambda: "钱某" not in w.text("#watch"), 5, "removed")
    w.shot("watchlist")
    assert [x["name"] for x in s.ctl("watchlist", "list")] == ["赵某"]
    # The guard sees the entry, without a remove button.
    w.log_in_as("guard", "/watchlist")
    wait_for(lambda: "赵某" in w.text("#watch"), 5, "the guard's list")
    assert not w.drv.find_elements(By.CSS_SELECTOR, "#watch button")
    w.shot("watchlist-guard")

    # People: the desk adds one, suspends (a reason needed) and activates.
    w.log_in_as("clerk", "/people")
    assert "/people" in w.nav() and "/watchlist" not in w.nav(), w.nav()
    w.form("padd", {"kind": "tenant_staff", "name": "陈静", "id_type": "resident_card",
                    "id_number": ID_NUMBER, "company": "华信科技", "unit": "1203"})
    wait_for(lambda: "陈静" in w.text("#people"), 5, "the person listed")
    assert ID_NUMBER not in w.text() and "4403**********1234" in w.text("#people")
    who = [x for x in s.ctl("person", "list") if x["name"] == "陈静"][0]
    assert who["created_by"] == "clerk@web" and who["unit"] == "1203", who
    w.drv.find_element(By.CSS_SELECTOR, f"#people tr[data-id='{who['id']}']").click()
    w.form("pstatus", {"reason": ""}, "suspended")
    err = w.field_error("pstatus", "reason")
    assert err == ZH["lerr.empty"].replace("{f}", ZH["pp.reason"]), err
    w.form("pstatus", {"reason": "长期休假"}, "suspended")
    wait_for(lambda: ZH["ps.suspended"] in w.out("pstatus"), 5, "suspended")
    assert s.ctl("person", "show", who["id"])["status"] == "suspended"
    w.shot("people")
    w.form("pstatus", {"reason": "恢复在职"}, "active")
    wait_for(lambda: ZH["ps.active"] in w.out("pstatus"), 5, "active again")
    assert s.ctl("person", "show", who["id"])["status"] == "active"
    assert len(by_actor(s, "clerk", "person_status")) == 2 and by_actor(s, "clerk", "person_added")
    w.get("/watchlist")
    wait_for(lambda: w.text("#msg") == ZH["err.role"], 5, "the desk refused the watch list")
    w.log_in_as("guard", "/people")
    wait_for(lambda: w.text("#msg") == ZH["err.role"], 5, "the guard refused people")


def resident(d17):
    """A resident ID number: 17 digits and GB 11643's check character."""
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return d17 + "10X98765432"[sum(int(c) * k for c, k in zip(d17, w)) % 11]


@test
@with_web
def test_a_visitor_registered_from_the_identity_card(s, w):
    wait_for(lambda: s.device("desk-id")["online"], 10, "the desk's ID reader online")
    assert s.device("desk-id")["format"] == "idcard" and s.device("rd1-in")["format"] == "em4100"
    w.log_in_as("clerk", "/visitors")
    btn = w.drv.find_element(By.CSS_SELECTOR, "#reg .idcard button.go")
    assert btn.text == ZH["idc.read"]
    opts = [o.get_attribute("value") for o in
            w.drv.find_elements(By.CSS_SELECTOR, "#reg select[name=idreader] option")]
    assert opts == ["desk-id"], opts
    btn.click()
    wait_for(lambda: ZH["idc.none"] in w.text("#reg .idread"), 5, "nothing read yet")
    # An expired card: said in red; the clerk reads it all the same.
    old = resident("11010119550101123")
    s.sim_cmd("idcard", "desk-id", "put", old, "钱老", "until=20200101")
    wait_for(lambda: s.ctl("idcard", "desk-id")["read"], 5, "the old card read")
    btn.click()
    wait_for(lambda: "钱老" in w.text("#reg .idread"), 5, "the old card shown")
    assert ZH["idc.expired"].replace("{1}", "2020-01-01") in w.text("#reg .idread")
    s.sim_cmd("idcard", "desk-id", "remove")
    time.sleep(0.6)		# the reader's poll sees the card gone
    # A good card: shown, the name filled, the number masked and not typed.
    num = resident("11010119900307803")
    s.sim_cmd("idcard", "desk-id", "put", num, "张伟")
    wait_for(lambda: (lambda r: r["read"] and r.get("name") == "张伟")(s.ctl("idcard", "desk-id")),
             5, "the card read")
    btn.click()
    wait_for(lambda: "张伟" in w.text("#reg .idread"), 5, "the read shown")
    shown = w.text("#reg .idread")
    assert ZH["sex.male"] in shown and "1990-03-07" in shown and num not in w.text(), shown
    assert ZH["idc.expired"].split("（")[0] not in shown, shown
    f = w.drv.find_element(By.ID, "reg")
    assert f.find_element(By.NAME, "name").get_attribute("value") == "张伟"
    assert not f.find_element(By.NAME, "id_number").is_enabled()
    w.shot("visitors-idcard")
    for k, v in (("host_unit", "1203"), ("host", "华信科技 王经理"), ("purpose", "开会")):
        f.find_element(By.NAME, k).send_keys(v)
    f.find_element(By.CSS_SELECTOR, "select[name=class] option[value=ordinary]").click()
    f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(lambda: ZH["vis.saved"] in w.text("#regout"), 5, "registered from the card")
    assert f.find_element(By.NAME, "id_number").is_enabled(), "the form typed again after"
    v = [x for x in s.ctl("visitor", "list", "--today") if x["name"] == "张伟"][0]
    person = s.ctl("person", "show", v["person"])
    assert person["id_type"] == "resident_card" and person["id_mask"].endswith(num[-4:]), person
    assert v["issued_by"] == "clerk@web", v
    # A guard may not read the desk's reader.
    w.log_in_as("guard", "/")
    st, body = w.fetch("/api/q/idcard.last?a=" + json.dumps({"reader": "desk-id"}))
    assert st == 403 and json.loads(body)["code"] == "err.role", (st, body)


@test
@with_web
def test_a_refused_kind_of_call_needs_a_managers_reason(s, w):
    fields = {"name": "推销员", "id_type": "passport", "id_number": "E22334455",
              "host_unit": "1203", "host": "华信科技", "purpose": "推销", "category": "sales"}
    # The clerk: no override field; a salesman is refused, the reason said.
    w.log_in_as("clerk", "/visitors")
    assert not w.drv.find_element(By.ID, "override").is_displayed()
    w.form("reg", fields)
    wait_for(lambda: "Door-to-door sales" in (w.text("#regout") +
             (w.drv.find_element(By.CSS_SELECTOR, "#regout").get_attribute("title") or "")),
             5, "the refusal said")
    assert not [v for v in s.ctl("visitor", "list", "--today") if v["name"] == "推销员"]
    # The manager sees the field and lets him in with a reason, recorded.
    w.log_in_as("boss", "/visitors")
    assert w.drv.find_element(By.ID, "override").is_displayed()
    w.shot("visitors-override")
    w.form("reg", {**fields, "override": "物业经理同意，陪同上楼"})
    wait_for(lambda: ZH["vis.saved"] in w.text("#regout"), 5, "registered with the override")
    v = [x for x in s.ctl("visitor", "list", "--today") if x["name"] == "推销员"][0]
    assert v["override_by"] == "boss@web", v


@test
def test_the_two_catalogs_say_the_same_things():
    """zh-CN.json and en.json have the same keys, and every key a page or a
    script names (data-i18n, data-ph, data-key, t('...'), button('...')) is
    in them."""
    assert set(ZH) == set(EN), sorted(set(ZH) ^ set(EN))
    for name in sorted(os.listdir(STATIC)):
        text = open(os.path.join(STATIC, name)).read() if name.endswith((".html", ".js")) else ""
        keys = set(re.findall(r'data-(?:i18n|ph|key)="([^"]+)"', text)) | \
            set(re.findall(r"\b(?:t|button)\('([a-z]+\.[a-z_0-9]+)'", text))
        assert keys <= set(ZH), (name, sorted(keys - set(ZH)))
    assert "cd.remove_ask" in ZH and "nav.cards" in EN


def card_rows(w):
    return [r.text for r in w.drv.find_elements(By.CSS_SELECTOR, "#cards tbody tr[data-uid]")]


def card_uids(w):
    return [r.get_attribute("data-uid") for r in
            w.drv.find_elements(By.CSS_SELECTOR, "#cards tbody tr[data-uid]")]


@test
@with_web
def test_the_card_list_a_page_at_a_time(s, w):
    # 50 cards on the list, from an import: pages of 20.
    path = os.path.join(s.dir, "cards.csv")
    with open(path, "w") as f:
        f.write("uid,holder,floors\n")
        for i in range(50):
            f.write(f"0C{i:08X},{'王明华' if i == 37 else f'Staff {i}'},{'2' if i % 2 else ''}\n")
    s.run_ctl("card", "import", path, check=True)
    w.log_in_as("clerk", "/cards")
    assert "/cards" in w.nav(), w.nav()
    wait_for(lambda: len(card_uids(w)) == 20, 5, "the first page")
    assert card_uids(w) == [f"0C{i:08X}" for i in range(20)], card_uids(w)[:3]
    assert w.text("#cpage") == ZH["cd.page"].replace("{1}", "1")
    assert not w.drv.find_element(By.ID, "cprev").is_enabled()
    w.drv.find_element(By.ID, "cnext").click()
    wait_for(lambda: card_uids(w)[:1] == ["0C00000014"], 5, "the second page")
    w.drv.find_element(By.ID, "cnext").click()
    wait_for(lambda: card_uids(w) == [f"0C{i:08X}" for i in range(40, 50)], 5, "the last page")
    assert w.text("#cpage") == ZH["cd.page_last"].replace("{1}", "3")
    assert not w.drv.find_element(By.ID, "cnext").is_enabled()
    w.drv.find_element(By.ID, "cprev").click()
    wait_for(lambda: card_uids(w)[:1] == ["0C00000014"], 5, "back to the second page")

    # A card added from the form: its uid typed in lower case, a Chinese
    # holder, an end and floors; the list then shows it, found by its uid.
    w.form("cadd", {"uid": "0b00c0ffee", "holder": "欧阳明华", "valid_until_ms": "2031-12-31 18:00",
                    "floors": "3,5-7"})
    wait_for(lambda: ZH["cd.added"].replace("{1}", "0B00C0FFEE").replace("{2}", "欧阳明华")
             == w.out("cadd"), 5, "the card added")
    wait_for(lambda: card_uids(w) == ["0B00C0FFEE"], 5, "the new card listed")
    row = card_rows(w)[0]
    assert "欧阳明华" in row and "2031-12-31 18:00" in row and "3,5-7" in row and \
        ZH["cd.on"] in row, row
    c = s.ctl("card", "list", "--find", "0B00C0FFEE")
    assert len(c) == 1 and c[0]["created_by"] == "clerk@web" and c[0]["floors"] == [3, 5, 6, 7], c
    # The same uid again is refused next to the field: no card taken over.
    w.form("cadd", {"uid": "0B00C0FFEE", "holder": "李四"})
    err = w.field_error("cadd", "uid")
    assert err == ZH["lerr.card_exists"].replace("{1}", "0B00C0FFEE").replace("{2}", "欧阳明华"), err
    assert s.ctl("card", "list", "--find", "0B00C0FFEE")[0]["holder"] == "欧阳明华"
    w.form("cadd", {"uid": "0B0G", "holder": "李四"})
    w.field_error("cadd", "uid", want=ZH["lerr.card_uid"])

    # Found by part of the holder's Chinese name, and by a uid prefix in
    # lower case.
    w.form("cfind", {"find": "明华"})
    wait_for(lambda: card_uids(w) == ["0B00C0FFEE", "0C00000025"], 5, "found by 明华")
    assert ZH["cd.found"].replace("{1}", "明华") == w.text("#cstate")
    assert w.text("#cpage") == ZH["cd.page_last"].replace("{1}", "1")
    w.shot("cards-found")
    w.form("cfind", {"find": "0b00c0"})
    wait_for(lambda: card_uids(w) == ["0B00C0FFEE"], 5, "found by a uid prefix")
    w.form("cfind", {"find": "没有这个人"})
    wait_for(lambda: ZH["cd.none_found"] in w.text("#cards"), 5, "nothing found")

    # Removed, after a confirmation; a "no" first leaves it.
    w.form("cfind", {"find": "欧阳"})
    wait_for(lambda: card_uids(w) == ["0B00C0FFEE"], 5, "found by 欧阳")
    w.drv.find_element(By.CSS_SELECTOR, "#cards tr[data-uid='0B00C0FFEE'] button.stop").click()
    wait_for(lambda: w._alert(), 3, "the confirmation")
    assert "0B00C0FFEE" in w.drv.switch_to.alert.text and "欧阳明华" in w.drv.switch_to.alert.text
    w.drv.switch_to.alert.dismiss()
    assert s.ctl("card", "list", "--find", "0B00C0FFEE")
    w.drv.find_element(By.CSS_SELECTOR, "#cards tr[data-uid='0B00C0FFEE'] button.stop").click()
    w.accept()
    wait_for(lambda: ZH["cd.none_found"] in w.text("#cards"), 5, "the card gone from the page")
    assert w.text("#cout") == ZH["cd.removed"].replace("{1}", "0B00C0FFEE").replace("{2}", "欧阳明华")
    assert s.ctl("card", "list", "--find", "0B00C0FFEE") == []
    assert by_actor(s, "clerk", "card_added") and by_actor(s, "clerk", "card_removed")
    w.drv.find_element(By.ID, "call").click()
    wait_for(lambda: len(card_uids(w)) == 20, 5, "the whole list again")
    w.shot("cards")
    # In English too.
    w.drv.find_element(By.ID, "lang").click()
    wait_for(lambda: w.text("#cadd button[type=submit]") == EN["cd.add"], 5, "English")
    wait_for(lambda: len(card_uids(w)) == 20, 5, "the list in English")
    w.shot("cards-en")
    w.drv.find_element(By.ID, "lang").click()

    # A guard has no link, and lobbyd refuses the list all the same.
    w.log_in_as("guard", "/cards")
    assert "/cards" not in w.nav(), w.nav()
    wait_for(lambda: w.text("#msg") == ZH["err.role"], 5, "the guard refused")
    assert not w.drv.find_element(By.CSS_SELECTOR, "main").is_displayed()
    st, body = w.fetch("/api/page/card.list")
    assert st == 403 and json.loads(body)["code"] == "err.role", (st, body)
    # The whole list is never read through the API that gathers every page.
    w.log_in_as("clerk", "/cards")
    st, body = w.fetch("/api/q/card.list")
    assert st == 404, (st, body)


def people_ids(w):
    return [int(r.get_attribute("data-id")) for r in
            w.drv.find_elements(By.CSS_SELECTOR, "#people tbody tr[data-id]")]


@test
@with_web
def test_the_people_found_a_page_at_a_time(s, w):
    # 46 people and a visitor: pages of 20, the visitor on none of them.
    ids = []
    for i in range(45):
        p = s.ctl("person", "add", "--kind", "tenant_staff", "--name", f"员工{i:02d}",
                  "--company", "华信科技" if i % 3 == 0 else "安居装饰", "--unit", f"12{i:02d}")
        ids.append(p["id"])
    ou = s.ctl("person", "add", "--kind", "property_staff", "--name", "欧阳明华",
               "--company", "大厦物业")
    ids.append(ou["id"])
    gone = s.ctl("person", "add", "--kind", "tenant_staff", "--name", "欧阳明亮")
    s.ctl("person", "suspend", gone["id"], "--reason", "长期休假")
    ids.append(gone["id"])
    register(s, "欧阳明")
    w.log_in_as("clerk", "/people")
    wait_for(lambda: people_ids(w) == ids[:20], 5, "the first page")
    rows = lambda: w.text("#pcount")    # noqa: E731
    assert rows() == ZH["pp.rows"].replace("{1}", "1").replace("{2}", "1").replace("{3}", "20"), rows()
    assert w.text("#pstate") == ZH["pp.all"]
    w.drv.find_element(By.ID, "pnext").click()
    wait_for(lambda: people_ids(w) == ids[20:40], 5, "the second page")
    w.drv.find_element(By.ID, "pnext").click()
    wait_for(lambda: people_ids(w) == ids[40:], 5, "the last page")
    assert rows() == ZH["pp.rows_last"].replace("{1}", "3").replace("{2}", "41") \
        .replace("{3}", "47"), rows()
    assert not w.drv.find_element(By.ID, "pnext").is_enabled()
    w.shot("people-last-page")
    w.drv.find_element(By.ID, "pprev").click()
    wait_for(lambda: people_ids(w) == ids[20:40], 5, "back to the second page")
    # Found as it is typed: part of a Chinese name (the visitor not among
    # them), a company over two pages, a unit.
    f = w.drv.find_element(By.CSS_SELECTOR, "#pfind [name=find]")
    f.send_keys("欧阳明")
    wait_for(lambda: people_ids(w) == [ou["id"], gone["id"]], 5, "found by 欧阳明")
    assert w.text("#pstate") == ZH["pp.found"].replace("{1}", "欧阳明")
    assert rows() == ZH["pp.rows_all"].replace("{3}", "2"), rows()
    w.shot("people-found")
    f.clear()
    f.send_keys("安居\n")
    anju = [pid for i, pid in enumerate(ids[:45]) if i % 3 != 0]
    wait_for(lambda: people_ids(w) == anju[:20], 5, "found by company")
    w.drv.find_element(By.ID, "pnext").click()
    wait_for(lambda: people_ids(w) == anju[20:], 5, "the company's second page")
    f.clear()
    f.send_keys("1207\n")
    wait_for(lambda: people_ids(w) == [ids[7]], 5, "found by unit")
    f.clear()
    f.send_keys("没有这个人\n")
    wait_for(lambda: ZH["pp.none_found"] in w.text("#people"), 5, "nobody found")
    assert rows() == "", rows()
    # Too long a find: lobbyd's refusal next to the field.
    f.clear()
    f.send_keys("长" * 22 + "\n")
    err = w.field_error("pfind", "find")
    assert err == ZH["lerr.find_long"].replace("{f}", ZH["pp.find"]), err
    w.shot("people-find-refused")
    w.drv.find_element(By.ID, "pall").click()
    wait_for(lambda: people_ids(w) == ids[:20], 5, "everyone again")
    # The suspend form's person picked by typing: at most a page of them.
    w.drv.find_element(By.CSS_SELECTOR, "#pstatus [name=who]").send_keys("员工")
    wait_for(lambda: w.drv.find_elements(By.CSS_SELECTOR, "#pstatus ul.picks li.note"), 5, "the list")
    w.shot("people-pick-list")
    pick_person(w, "pstatus", "who", "员工", ids[3])
    assert "员工03" in w.text("#pwho"), w.text("#pwho")
    w.shot("people-picked")
    w.form("pstatus", {"reason": "已离职"}, "suspended")
    wait_for(lambda: ZH["ps.suspended"] in w.out("pstatus"), 5, "suspended")
    assert s.ctl("person", "show", ids[3])["status"] == "suspended"
    picks = w.drv.find_elements(By.CSS_SELECTOR, "#pstatus ul.picks li")
    assert len([li for li in picks if li.get_attribute("role") == "option"]) == 20, len(picks)
    assert picks[-1].get_attribute("textContent") == ZH["pick.more"].replace("{1}", "20")
    # Nothing picked: said next to the field, nothing sent.
    w.form("pstatus", {"who": "员工0", "reason": "x"}, "suspended")
    err = w.field_error("pstatus", "who")
    assert err == ZH["lerr.pick_person"].replace("{f}", ZH["pp.who"]), err
    # The pass form's pick: the suspended one shown, and why, not picked.
    w.get("/passes")
    e = w.drv.find_element(By.CSS_SELECTOR, "#issue [name=person]")
    e.send_keys("欧阳")
    wait_for(lambda: len(w.drv.find_elements(By.CSS_SELECTOR, "#issue ul.picks li[role=option]")) == 2,
             5, "two found")
    off = w.drv.find_element(By.CSS_SELECTOR, "#issue ul.picks li[aria-disabled]")
    assert "欧阳明亮" in off.text and ZH["pick.not_active_suspended"] in off.text, off.text
    w.shot("passes-pick")
    off.click()
    assert w.text("#who") == "", w.text("#who")
    pick_person(w, "issue", "person", "明华", ou["id"])
    assert "欧阳明华" in w.text("#who") and "大厦物业" in w.text("#who"), w.text("#who")
    w.form("issue", {"credential": "0A0000FACE"})
    wait_for(lambda: ZH["pass.issued"].split("{")[0] in w.out("issue"), 5, "issued")
    got = [v for v in s.ctl("pass", "list") if v["credential"] == "0A0000FACE"]
    assert got and got[0]["person"] == ou["id"], got
    # In English.
    w.drv.add_cookie({"name": "lw_lang", "value": "en", "path": "/"})
    w.get("/people")
    wait_for(lambda: people_ids(w) == ids[:20], 5, "the first page in English")
    assert w.text("#pcount") == EN["pp.rows"].replace("{1}", "1").replace("{2}", "1") \
        .replace("{3}", "20"), w.text("#pcount")
    w.shot("people-en")
    w.drv.delete_cookie("lw_lang")
    # The whole list is never read through the API that gathers every page.
    st, body = w.fetch("/api/q/person.list")
    assert st == 404, (st, body)


if __name__ == "__main__":
    run_tests(__file__)
