"""
lobbyweb, the front desk's web console, on the demo site on loopback: the
real lobbyd, lobbysim and lobbyweb, driven by plain HTTP from Python (no
browser). Prints "name value unit" lines:
  web_page_load_PAGE_p99: one page as a browser opening it loads it, on a new
     connection, one request after the other: its HTML, the style sheet, the
     scripts, the catalog, /api/me and the page's first request to lobbyd
     (BENCH_WEB_LOADS times each page; web_page_load_p50/p99 over them all);
  web_event_to_screen_p50/p99: from the card put on the reader with lobbysim
     to its access event arriving on the Server-Sent Events feed, over every
     one of 50 clients following it;
  lobbyweb_rss: lobbyweb's resident memory at the end, the 50 still following;
  card_to_command_web_{idle,50_browsers}_own_p50/p99: lobbyd's own card frame
     to command on the wire (lobbyctl stats, as bench/latency.py), on lane1 of
     the demo's Modbus RTU bus, with nobody and with 50 clients following the
     feed (lobbyd restarted in between, so that each run has its own figures);
     card_to_command_web_ratio_p99: the second over the first.
The issue's targets: page load p99 <= 300 ms, event-to-screen p99 <= 1 s,
RSS <= 16 MB, and the ratio <= 2.
"""
import http.client
import json
import os
import re
import selectors
import socket
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from lobbytest import BUILD, ROOT, DEMO_CONF, Proc, Site, free_port, wait_for  # noqa: E402
from latency import pct, rss_kb  # noqa: E402

SWIPES = int(os.environ.get("BENCH_SWIPES", "200"))
LOADS = int(os.environ.get("BENCH_WEB_LOADS", "200"))
BROWSERS = 50
USER, PASSWORD = "boss", "bench-pass-2024"	# a manager: every page is theirs

ASSETS = ["/style.css", "/app.js", "/lib.js", "/desk.js", "/work.js", "/i18n/zh-CN.json"]
# Each page and the first request its script makes to lobbyd (web/static/*.js).
PAGES = {
    "login": ("/login", None, None),
    "feed": ("/", "events", {"limit": 50}),
    "devices": ("/devices", "devices", None),
    "muster": ("/muster", "inside", None),
    "visitors": ("/visitors", "visitor.list", {"today": True}),
    "passes": ("/passes", "person.list", None),
    "permits": ("/permits", "permit.list", None),
    "freight": ("/freight", "booking.list", None),
    "tickets": ("/tickets", "tickets", None),
    "shift": ("/shift", "shift.log", None),
}


class Web:
    """lobbyweb on the site's control socket, plain HTTP on loopback."""

    def __init__(self, site):
        self.port = free_port()
        conf = os.path.join(site.dir, "lobbyweb.conf")
        with open(conf, "w") as f:
            f.write(f'listen = "127.0.0.1:{self.port}";\nsocket = "{site.sock}";\n'
                    f'static_dir = "{os.path.join(ROOT, "web", "static")}";\n')
        self.proc = Proc([os.path.join(BUILD, "lobbyweb"), "-c", conf],
                         os.path.join(site.dir, "lobbyweb.log"))
        wait_for(lambda: socket.create_connection(("127.0.0.1", self.port), 0.2).close() or True,
                 5, "lobbyweb listening")

    def conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def login(self):
        """A new session: its cookie."""
        c = self.conn()
        c.request("POST", "/api/login", json.dumps({"name": USER, "password": PASSWORD}),
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        body = r.read()
        c.close()
        assert r.status == 200, (r.status, body)
        return re.match(r"(lw_session=[0-9a-f]+);", r.getheader("Set-Cookie")).group(1)

    def load(self, page, cookie):
        """One page as a browser loads it: seconds taken."""
        path, cmd, args = PAGES[page]
        urls = [path] + ASSETS
        if cmd is not None:
            q = "?a=" + urllib.parse.quote(json.dumps(args)) if args else ""
            urls += ["/api/me", f"/api/q/{cmd}{q}"]
        t0 = time.monotonic()
        c = self.conn()
        for u in urls:
            c.request("GET", u, headers={"Cookie": cookie, "Accept-Language": "zh-CN"})
            r = c.getresponse()
            body = r.read()
            assert r.status == 200 and body, (u, r.status, body[:200])
        c.close()
        return time.monotonic() - t0


class Followers:
    """n clients following /api/stream, each on its own session, read in
    one thread; the time each access event arrived at each, by card."""

    def __init__(self, web, n):
        self.sel = selectors.DefaultSelector()
        self.arrived = {}		# credential -> [monotonic seconds], one a client
        self.lock = threading.Lock()
        self.stop = False
        self.socks = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", web.port), 5)
            # HTTP/1.0: the stream comes unchunked, as lines.
            s.sendall(f"GET /api/stream HTTP/1.0\r\nCookie: {web.login()}\r\n"
                      "Accept: text/event-stream\r\n\r\n".encode())
            s.setblocking(False)
            self.socks.append(s)
            self.sel.register(s, selectors.EVENT_READ, {"buf": b"", "head": True, "event": ""})
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            for key, _ in self.sel.select(0.2):
                try:
                    data = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                now = time.monotonic()
                if not data:
                    self.sel.unregister(key.fileobj)
                    continue
                st = key.data
                st["buf"] += data
                if st["head"]:
                    if b"\r\n\r\n" not in st["buf"]:
                        continue
                    head, st["buf"] = st["buf"].split(b"\r\n\r\n", 1)
                    assert head.startswith(b"HTTP/1.") and b" 200 " in head.split(b"\r\n")[0], head
                    st["head"] = False
                *lines, st["buf"] = st["buf"].split(b"\n")
                for line in lines:
                    if line.startswith(b"event: "):
                        st["event"] = line[7:].decode()
                    elif line.startswith(b"data: ") and st["event"] == "ev":
                        e = json.loads(line[6:])
                        if e.get("kind") == "access":
                            with self.lock:
                                self.arrived.setdefault(e.get("credential"), []).append(now)

    def times(self, cred):
        with self.lock:
            return list(self.arrived.get(cred, []))

    def close(self):
        self.stop = True
        self.thread.join(5)
        for s in self.socks:
            s.close()


def swipes(s, uids, followers=None):
    """Each card in at lane1, then out, one at a time as latency.py does;
    with followers, waits for the access event on every stream: seconds from
    the card to each arrival."""
    lat = []
    for i, u in enumerate(uids):
        before = len(s.sim_writes("ts1"))
        t = time.monotonic()
        s.card("rd1-in" if i % 2 == 0 else "rd1-out", u)
        wait_for(lambda: len(s.sim_writes("ts1")) > before, 3, "open")
        if followers is not None:
            got = wait_for(lambda: len(followers.times(u)) >= BROWSERS and followers.times(u),
                           5, f"{u} on every stream")
            lat += [a - t for a in got]
        wait_for(lambda: [e for e in s.ctl("events", "--limit", "3")
                          if e["kind"] == "passage" and e["credential"] == u], 3, "passage")
    return lat


def own(s, name):
    lat = s.ctl("stats")["latency_ns"]
    assert lat["count"] >= SWIPES, lat
    print(f"card_to_command_web_{name}_own_p50 {lat['p50'] / 1e6:.3f} ms")
    print(f"card_to_command_web_{name}_own_p99 {lat['p99'] / 1e6:.3f} ms")
    return lat["p99"]


def lane_ready(s):
    wait_for(lambda: s.device("ts1")["online"] and s.device("rd1-in")["online"], 10, "lane1 online")
    s.sim_cmd("set", "ts1", "pass_delay_ms", 5)


def main():
    batch = int(re.search(r"event_batch_ms = (\d+)", open(DEMO_CONF).read()).group(1))
    s = Site(batch_ms=batch)
    web = followers = None
    try:
        r = s.run_ctl("user", "add", USER, "--role", "manager", stdin=PASSWORD + "\n")
        assert r.returncode == 0, r.stderr
        uids = [f"1B{i:08X}" for i in range(2 * SWIPES + 1)]
        for u in uids:
            s.run_ctl("card", "add", u, "--holder", "bench", check=True)
        web = Web(s)
        lane_ready(s)
        # lobbyd with lobbyweb up and nobody following its feed.
        swipes(s, uids[:SWIPES])
        idle = own(s, "idle")
        # The pages, the event log now holding the swipes above.
        cookie = web.login()
        every = []
        for page in PAGES:
            t = [web.load(page, cookie) for _ in range(LOADS)]
            every += t
            print(f"web_page_load_{page}_p99 {pct(t, 99) * 1000:.1f} ms")
        print(f"web_page_load_p50 {pct(every, 50) * 1000:.1f} ms")
        print(f"web_page_load_p99 {pct(every, 99) * 1000:.1f} ms")
        sys.stdout.flush()
        # A fresh lobbyd for its own figures; lobbyweb follows it again.
        s.stop_lobbyd()
        s.start_lobbyd()
        lane_ready(s)
        followers = Followers(web, BROWSERS)
        swipes(s, uids[-1:], followers)		# every stream is following
        lat = swipes(s, uids[SWIPES:2 * SWIPES], followers)
        busy = own(s, f"{BROWSERS}_browsers")
        print(f"card_to_command_web_ratio_p99 {busy / idle:.2f} x")
        print(f"web_event_to_screen_p50 {pct(lat, 50) * 1000:.1f} ms")
        print(f"web_event_to_screen_p99 {pct(lat, 99) * 1000:.1f} ms")
        print(f"lobbyweb_rss {rss_kb(web.proc.pid) / 1024:.1f} MiB")
        sys.stdout.flush()
    finally:
        if followers is not None:
            followers.close()
        if web is not None:
            rc = web.proc.stop()
            if rc != 0:
                print(f"lobbyweb exited with {rc} on SIGTERM", file=sys.stderr)
        s.close()


if __name__ == "__main__":
    main()
