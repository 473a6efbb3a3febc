"""
Hosts told of their visitors, against real receivers on 127.0.0.1: a web
server standing in for the WeCom robot (the POSTed JSON is the shipped
template with the values filled in), one that fails and then answers (the
retries, with their waits), one that always fails or says errcode (given up,
shown on the pass and as an event), an SMTP server (aiosmtpd: the mail in
Chinese and English), a command, the one-time link (confirm, decline, never
twice), and a receiver that hangs for 30 s while cards are decided at a
lane as fast as ever. Run with /usr/bin/python3.
"""
import base64
import email
import email.header
import email.policy
import hashlib
import hmac
import http.server
import json
import os
import re
import shutil
import signal
import socket
import threading
import time
import urllib.parse
import zlib

from aiosmtpd.controller import Controller

from lobbytest import LOBBYD, ONE_TURNSTILE, ROOT, Site, run_tests, test, wait_for

WECOM = os.path.join(ROOT, "conf", "notify", "wecom.json")
DINGTALK = os.path.join(ROOT, "conf", "notify", "dingtalk.json")
# A DingTalk robot's signing secret, of the shape the robot gives.
DING_SECRET = "SEC8a3f0c9d2b7e41f6a5c3d8e9b0f1a2c4d6e8f0a1b3c5d7e9f2a4b6c8d0e1f3a5"

SITE = """
site = { name = "Notify Test Tower"; };
store = { database = "@DIR@/lobbyd.db"; event_batch_ms = 20; };
control = { socket = "@DIR@/control.sock"; groups = []; };
health = { offline_after = 2; backoff_max_ms = 500; };
""" + ONE_TURNSTILE + """
lanes = ( { name = "lane1"; turnstile = "ts1"; entry_reader = "rd1-in"; exit_reader = "rd1-out";
	    pass_timeout_ms = 1000; } );
"""


class Receiver(http.server.ThreadingHTTPServer):
    """Records every POST; answers by path: /ok, /flaky (500 twice, then
    ok), /fail (always 500), /errcode (200 with a robot's error), /hang
    (nothing for 30 s)."""
    daemon_threads = True

    def __init__(self):
        self.posts = []
        self.lock = threading.Lock()
        self.stop_hang = threading.Event()
        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def bodies(self, path):
        with self.lock:
            return [p for p in self.posts if p["path"] == path]

    def close(self):
        self.stop_hang.set()
        self.shutdown()
        self.server_close()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        srv = self.server
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with srv.lock:
            srv.posts.append({"path": self.path, "t": time.monotonic(),
                              "type": self.headers["Content-Type"],
                              "body": body.decode()})
            n = len([p for p in srv.posts if p["path"] == self.path])
        if self.path == "/hang":
            srv.stop_hang.wait(30)
        code, answer = 200, {"errcode": 0, "errmsg": "ok"}
        if self.path == "/fail" or (self.path == "/flaky" and n <= 2):
            code, answer = 500, {"error": "down"}
        elif self.path == "/errcode":
            answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
        out = json.dumps(answer).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)
        except OSError:
            pass


class Mails:
    async def handle_DATA(self, server, session, envelope):
        self.got.append(envelope)
        return "250 OK"

    def __init__(self):
        self.got = []


def smtp_sink():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    h = Mails()
    c = Controller(h, hostname="127.0.0.1", port=port)
    c.start()
    return c, h, port


def notify_conf(rx, smtp_port, tmp, timeout_s=10):
    hook = os.path.join(tmp, "hook.sh")
    with open(hook, "w") as f:
        # It also notes what it was handed beyond its standard streams.
        f.write(f"#!/bin/sh\ncat > {tmp}/hook.$$.json\n"
                f"for f in /proc/$$/fd/*; do n=${{f##*/}}; [ \"$n\" -ge 3 ] && "
                f"echo \"$n $(readlink $f)\"; done > {tmp}/hook.$$.fds\n"
                f"grep SigIgn /proc/$$/status > {tmp}/hook.$$.sig\n")
    os.chmod(hook, 0o755)
    secret = os.path.join(tmp, "ding.secret")
    with open(secret, "w") as f:
        f.write(DING_SECRET + "\n")
    os.chmod(secret, 0o640)
    return f"""
notify = {{
  answer_url = "https://desk.example.com/answer?t=";
  retry_s = [ 1, 1, 1 ];
  timeout_s = {timeout_s};
  channels = (
    {{ name = "wecom"; type = "webhook"; url = "{rx.url}/ok"; template = "{WECOM}"; }},
    {{ name = "flaky"; type = "webhook"; url = "{rx.url}/flaky"; template = "{WECOM}"; }},
    {{ name = "down"; type = "webhook"; url = "{rx.url}/fail"; template = "{WECOM}"; }},
    {{ name = "robot-err"; type = "webhook"; url = "{rx.url}/errcode"; template = "{WECOM}"; }},
    {{ name = "slow"; type = "webhook"; url = "{rx.url}/hang"; template = "{WECOM}"; }},
    {{ name = "mail"; type = "smtp"; url = "smtp://127.0.0.1:{smtp_port}";
       from = "lobby@tower.example.com"; }},
    {{ name = "hook"; type = "exec"; command = "{hook}"; }},
    {{ name = "ding"; type = "webhook"; url = "{rx.url}/ding?access_token=t0k3n";
       template = "{DINGTALK}"; sign_secret_file = "{secret}"; }}
  );
  hosts = (
    {{ unit = "1203"; channel = "wecom"; }},
    {{ unit = "1203"; channel = "mail"; to = "reception@acme.example.com"; }},
    {{ unit = "1300"; channel = "flaky"; }},
    {{ unit = "1400"; channel = "down"; }},
    {{ unit = "1401"; channel = "robot-err"; }},
    {{ unit = "1500"; channel = "hook"; }},
    {{ unit = "1600"; channel = "slow"; }},
    {{ unit = "1700"; channel = "ding"; }}
  );
}};
"""


class Env:
    def __init__(self, timeout_s=10):
        self.rx = Receiver()
        self.smtp, self.mails, port = smtp_sink()
        self.s = None
        try:
            import tempfile
            self.tmp = tempfile.mkdtemp(prefix="lobbyd-notify-")
            os.chmod(self.tmp, 0o755)
            self.s = Site(SITE + notify_conf(self.rx, port, self.tmp, timeout_s))
            wait_for(lambda: all(d["online"] for d in self.s.ctl("devices")),
                     timeout=10, what="turnstile and readers online")
        except BaseException:
            self.close()
            raise

    def close(self):
        try:
            if self.s is not None:
                self.s.close()
        finally:
            self.rx.close()
            self.smtp.stop()


def passport_of(name):
    """A made-up passport number of its own for each name: one document is
    one person (a second name on it is refused as a mismatch)."""
    return "E%08d" % (zlib.crc32(name.encode()) % 100000000)


def register(s, name, unit, cls="service", purpose="delivery"):
    return s.ctl("visitor", "register", "--name", name, "--id-type", "passport",
                 "--id", "-", "--host-unit", unit, "--host", "Acme Ltd",
                 "--class", cls, "--purpose", purpose, stdin=passport_of(name))


def notices(s, pass_id):
    return s.ctl("pass", "show", pass_id)["notices"]


def settled(s, pass_id, n=1):
    """The pass's notices once each is sent or failed."""
    return wait_for(lambda: (lambda ns: ns if len(ns) == n and all(
        x["state"] in ("sent", "failed") for x in ns) else None)(notices(s, pass_id)),
        timeout=15, what=f"pass {pass_id}'s notices settled")


def local(ms):
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ms / 1000))


def expected_body(p, token, name, unit, purpose):
    """The shipped template, filled in the way a reader of its format
    would: each value escaped as a JSON string's inside."""
    link = "https://desk.example.com/answer?t=" + token
    vals = {"visitor": name, "host": "Acme Ltd", "unit": unit, "purpose": purpose,
            "party": "1", "class": p["class"], "time": local(p["issued_ms"]),
            "until": local(p["valid_until_ms"]), "confirm_url": link + "&a=confirm",
            "decline_url": link + "&a=decline", "answer_url": link,
            "site": "Notify Test Tower", "to": "", "pass": str(p["id"]),
            "status": "待您确认 / waiting for your confirmation"}
    text = open(WECOM).read()
    for k, v in vals.items():
        text = text.replace("{{" + k + "}}", json.dumps(v, ensure_ascii=False)[1:-1])
    return json.loads(text)


@test
def webhook_and_mail_filled_in_and_the_link_works_once():
    env = Env()
    s = env.s
    try:
        name, purpose = '王小明 "Tom"', "送货 delivery\\parts"
        p = register(s, name, "1203", purpose=purpose)
        assert p["state"] == "pending", p
        ns = settled(s, p["id"], 2)
        assert [(x["channel"], x["state"], x["tries"]) for x in ns] == \
            [("wecom", "sent", 1), ("mail", "sent", 1)], ns
        posts = env.rx.bodies("/ok")
        assert len(posts) == 1, posts
        assert posts[0]["type"].startswith("application/json"), posts[0]
        got = json.loads(posts[0]["body"])
        m = re.search(r"answer\?t=([A-Za-z0-9_-]{43})&a=confirm", got["markdown"]["content"])
        assert m, got
        token = m.group(1)
        assert got == expected_body(p, token, name, "1203", purpose), got
        # The mail: to the host's address, its text in Chinese and English.
        wait_for(lambda: env.mails.got, timeout=5, what="the mail")
        env_ = env.mails.got[0]
        assert env_.rcpt_tos == ["reception@acme.example.com"], env_.rcpt_tos
        assert env_.mail_from == "lobby@tower.example.com", env_.mail_from
        msg = email.message_from_bytes(env_.content, policy=email.policy.default)
        assert name in str(msg["Subject"]) and "1203" in str(msg["Subject"]), msg["Subject"]
        body = msg.get_content()
        for want in ("访客", "Visitor", name, purpose, "确认放行 Confirm",
                     f"answer?t={token}&a=confirm", f"answer?t={token}&a=decline"):
            assert want in body, (want, body)
        # The desk sees what the host was told; the events say so too.
        show = s.ctl("pass", "show", p["id"])
        assert show["notified"] == "wecom: sent; mail: sent", show["notified"]
        r = s.run_ctl("pass", "show", str(p["id"]), check=True)
        assert "host told" in r.stdout and "wecom: sent" in r.stdout, r.stdout
        evs = s.wait_event(lambda e: e["kind"] == "host_notified", what="host_notified")
        assert len(evs) == 2 and all(f"pass {p['id']}" in e["detail"] for e in evs), evs
        assert not any("acme.example.com" in e["detail"] for e in evs), evs
        # The token is stored only as a hash.
        with open(s.db, "rb") as f:
            assert token.encode() not in f.read()
        # The link shows the visit, then confirms it, once.
        r = s.run_ctl("--json", "visitor", "confirm", "--token", token, check=True)
        c = json.loads(r.stdout)
        assert c["state"] == "active" and c["confirmed_by"] == "host (link)", c
        r = s.run_ctl("visitor", "confirm", "--token", token)
        assert r.returncode != 0 and "not valid" in r.stderr, (r.returncode, r.stderr)
        r = s.run_ctl("visitor", "decline", "--token", "x" * 43)
        assert r.returncode != 0 and "not valid" in r.stderr, r.stderr
        # After a restart: the states are still there.
        s.stop_lobbyd()
        s.start_lobbyd()
        assert s.ctl("pass", "show", p["id"])["notified"] == "wecom: sent; mail: sent"
    finally:
        env.close()


@test
def retried_with_back_off_then_sent():
    env = Env()
    s = env.s
    try:
        p = register(s, "Zhao Lei", "1300")
        seen = wait_for(lambda: [x for x in notices(s, p["id"]) if x["state"] == "retrying"],
                        timeout=5, what="a retrying notice")
        assert seen[0]["detail"] == "HTTP 500; next try in 1 s", seen
        ns = settled(s, p["id"])
        assert ns[0]["state"] == "sent" and ns[0]["tries"] == 3, ns
        posts = env.rx.bodies("/flaky")
        assert len(posts) == 3, posts
        assert len({x["body"] for x in posts}) == 1, "every try sends the same notice"
        gaps = [b["t"] - a["t"] for a, b in zip(posts, posts[1:])]
        assert all(0.9 <= g <= 2.5 for g in gaps), gaps
    finally:
        env.close()


@test
def given_up_and_robot_errors_shown():
    env = Env()
    s = env.s
    try:
        p = register(s, "Sun Li", "1400")
        q = register(s, "Zhou Yu", "1401")
        ns = settled(s, p["id"])
        assert ns[0]["state"] == "failed" and ns[0]["tries"] == 4, ns
        assert ns[0]["detail"] == "HTTP 500; gave up after 4 tries", ns
        assert len(env.rx.bodies("/fail")) == 4
        ns = settled(s, q["id"])
        assert ns[0]["state"] == "failed", ns
        assert "errcode 93000: invalid webhook url" in ns[0]["detail"], ns
        evs = s.wait_event(lambda e: e["kind"] == "host_notify_failed", what="failed")
        assert any(f"pass {p['id']}: down: HTTP 500" in e["detail"] for e in evs), evs
        assert "down: failed: HTTP 500" in s.ctl("pass", "show", p["id"])["notified"]
    finally:
        env.close()


@test
def command_channel_and_declined_by_link():
    env = Env()
    s = env.s
    try:
        p = register(s, "Wu Fang", "1500", cls="applicant", purpose="interview")
        ns = settled(s, p["id"])
        assert ns[0]["state"] == "sent", ns
        files = [f for f in os.listdir(env.tmp) if f.startswith("hook.") and f.endswith(".json")]
        assert len(files) == 1, files
        got = json.load(open(os.path.join(env.tmp, files[0])))
        assert got["event"] == "visitor_registered" and got["visitor"] == "Wu Fang", got
        assert got["unit"] == "1500" and got["purpose"] == "interview", got
        # The command is handed the notice, not the notifier's line to the
        # engine (through which it could report deliveries of its making).
        fds = open(os.path.join(env.tmp, files[0][:-5] + ".fds")).read()
        assert "socket:" not in fds, fds
        # ... and it runs with SIGPIPE and SIGHUP as a command should (lobbyd
        # and its notifier ignore them).
        ign = int(open(os.path.join(env.tmp, files[0][:-5] + ".sig")).read().split()[1], 16)
        for sig in (signal.SIGPIPE, signal.SIGHUP):
            assert not ign & (1 << (sig - 1)), (sig, hex(ign))
        token = re.search(r"t=([A-Za-z0-9_-]{43})$", got["answer_url"]).group(1)
        # Looking does not use the link; declining does.
        r = s.run_ctl("--json", "visitor", "decline", "--token", token, check=True)
        d = json.loads(r.stdout)
        assert d["state"] == "revoked" and d["end_reason"] == "host declined", d
        r = s.run_ctl("visitor", "confirm", "--token", token)
        assert r.returncode != 0, r.stdout
        assert s.ctl("pass", "show", p["id"])["state"] == "revoked"
    finally:
        env.close()


def decision_ms(s, reader, card, n_before):
    t0 = time.time()
    s.card(reader, card)
    ev = wait_for(lambda: (lambda d: d[n_before] if len(d) > n_before else None)(
        [e for e in s.events() if e["kind"] == "access" and e["credential"] == card]),
        timeout=5, what="decision")
    return ev, ev["ts_ms"] - t0 * 1000


@test
def a_hanging_receiver_never_delays_a_lane():
    env = Env(timeout_s=60)
    s = env.s
    card = "0E00000001"
    try:
        s.ctl("card", "add", card, "--holder", "Ana Silva")
        _, before = decision_ms(s, "rd1-in", card, 0)
        # Ten visitors for the unit whose robot hangs: the notifier holds
        # eight tries open at once and queues the rest.
        ids = [register(s, f"Guest {i}", "1600")["id"] for i in range(10)]
        wait_for(lambda: len(env.rx.bodies("/hang")) >= 8, timeout=5, what="hanging posts")
        worst = 0
        for i in range(4):
            time.sleep(1.3)
            ev, ms = decision_ms(s, "rd1-in" if i % 2 else "rd1-out", card, i + 1)
            assert ev["decision"] in ("granted", "denied"), ev
            worst = max(worst, ms)
        print(f"  card to decision: {before:.0f} ms before, worst {worst:.0f} ms "
              f"during the hang")
        assert worst < 250, worst
        assert all(x["state"] == "queued" for i in ids for x in notices(s, i))
        assert len(env.rx.bodies("/hang")) == 8, "at most eight at once"
    finally:
        env.close()


@test
def a_dingtalk_robot_secured_by_signature_gets_a_signed_url():
    env = Env()
    s = env.s
    try:
        t0 = time.time() * 1000
        p = register(s, "Wu Fang", "1700", purpose="meeting")
        ns = settled(s, p["id"])
        assert ns[0]["state"] == "sent", ns
        posts = [x for x in env.rx.posts if x["path"].startswith("/ding?")]
        assert len(posts) == 1, env.rx.posts
        q = urllib.parse.parse_qs(posts[0]["path"].split("?", 1)[1],
                                  keep_blank_values=True)
        assert q["access_token"] == ["t0k3n"], q
        ts = q["timestamp"][0]
        assert t0 - 1000 <= int(ts) <= time.time() * 1000 + 1000, (ts, t0)
        # The robot's own check: Base64 of HMAC-SHA256 over "ts\nsecret".
        want = base64.b64encode(hmac.new(DING_SECRET.encode(),
                                         f"{ts}\n{DING_SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
        assert q["sign"] == [want], (q["sign"], want)
        assert "Wu Fang" in json.loads(posts[0]["body"])["text"]["content"]
        # The secret itself never leaves lobbyd.
        assert DING_SECRET not in posts[0]["path"] + posts[0]["body"]
    finally:
        env.close()


@test
def a_notifier_that_cannot_start_fails_its_notices_and_the_lanes_go_on():
    env = Env()
    s = env.s
    card = "0E00000002"
    try:
        # lobbyd alone in a directory: no lobbyd-notify beside it.
        lone = os.path.join(env.tmp, "lobbyd")
        shutil.copy(LOBBYD, lone)
        s.stop_lobbyd()
        s.start_lobbyd(binary=lone)
        wait_for(lambda: all(d["online"] for d in s.ctl("devices")),
                 timeout=10, what="turnstile and readers online")
        p = register(s, "Qian Mo", "1400")
        ns = settled(s, p["id"])
        assert ns[0]["state"] == "failed", ns
        assert not env.rx.bodies("/fail"), "nothing can have been sent"
        log = open(s.lobbyd.log_path, errors="replace").read()
        assert f"notifier: cannot run {env.tmp}/lobbyd-notify: No such file" in log
        s.ctl("card", "add", card, "--holder", "Ana Silva")
        ev, _ = decision_ms(s, "rd1-in", card, 0)
        assert ev["decision"] == "granted", ev
    finally:
        env.close()


run_tests("test_notify")
