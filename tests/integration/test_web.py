"""
lobbyweb, the front desk's web console, in a real browser: Debian's headless
chromium driven by chromedriver (python3-selenium) against the real lobbyweb,
the real lobbyd and lobbysim. Each page's screenshot (1366x768) is saved in
the site's temp dir (kept when a test fails, or with KEEP_TMP=1).
"""
import json
import os
import shutil
import signal
import socket
import tempfile
import time

from lobbytest import BUILD, ROOT, Proc, Site, free_port, run_tests, test, wait_for

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

LOBBYWEB = os.path.join(BUILD, "lobbyweb")
STATIC = os.path.join(ROOT, "web", "static")
PASSWORD = {"clerk": "desk-pass-2024", "guard": "gate-pass-2024"}
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

    def fetch(self, url, method="GET", headers=None, body=None):
        """A fetch from the page, with its cookies: (status, text)."""
        return self.drv.execute_async_script("""
            const [url, method, headers, body, done] = arguments;
            fetch(url, {method, headers, body, credentials: 'same-origin'})
              .then(async r => done([r.status, await r.text()]))
              .catch(e => done([0, String(e)]));""", url, method, headers or {}, body)


def web_site():
    s = Site()
    for user, role in (("clerk", "frontdesk"), ("guard", "guard")):
        r = s.run_ctl("user", "add", user, "--role", role, stdin=PASSWORD[user] + "\n")
        assert r.returncode == 0, r.stderr
    return s


def with_web(fn):
    """Runs fn(site, web); everything stopped by pid afterwards."""
    def run():
        s = web_site()
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


if __name__ == "__main__":
    run_tests(__file__)
