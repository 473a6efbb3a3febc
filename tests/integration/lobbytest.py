"""
Integration-test support: a temporary site served by lobbysim, the real
lobbyd on it, and the real lobbyctl to drive it. Every process started here
is stopped by its pid. Run tests with /usr/bin/python3.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
LOBBYD = os.path.join(BUILD, "lobbyd")
LOBBYCTL = os.path.join(BUILD, "lobbyctl")
LOBBYSIM = os.path.join(BUILD, "lobbysim")
DEMO_CONF = os.path.join(ROOT, "conf", "demo", "site.conf")
SANITIZER_WORDS = ("runtime error:", "AddressSanitizer", "LeakSanitizer")

# The demo's turnstile profile, for sites a test or a benchmark builds itself.
TRIPOD_A_PROFILE = """
profiles = ( {
	name = "tripod-a"; kind = "turnstile";
	state = "input:0"; state_values = { idle = 0; passing = 1; fault = 2; };
	entry_counter = "input:1"; exit_counter = "input:2"; fault_code = "input:3";
	commands = {
		open_entry = { register = "holding:0"; value = 1; };
		open_exit  = { register = "holding:0"; value = 2; };
		free       = { register = "holding:0"; value = 3; };
		lock       = { register = "holding:0"; value = 4; };
	};
} );
"""
# The entry and exit card readers of one lane, EM4100 frames on @DIR@ ptys.
LANE_READERS = """
readers = (
	{ name = "rd-in"; path = "@DIR@/rd-in"; format = "em4100"; },
	{ name = "rd-out"; path = "@DIR@/rd-out"; format = "em4100"; }
);
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout=5.0, what="condition"):
    """Polls pred() until it returns something true; bounded."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = pred()
        except Exception as exc:  # a process not ready yet
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def crc16(data):
    """Modbus RTU's CRC-16 (polynomial 0xA001, initial 0xFFFF)."""
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def rtu_site_conf(nunits, poll_ms, path, baud=19200):
    """The demo site with its links and devices replaced by nunits tripod-a
    turnstiles (units 1..nunits, ts1..) on one 8E1 Modbus RTU link "bus1"
    at path."""
    demo = open(DEMO_CONF).read()
    head = demo[:demo.index("profiles = (")]
    profiles = demo[demo.index("profiles = ("):demo.index("links = (")]
    devs = ",\n".join(
        f'\t{{ name = "ts{i}"; link = "bus1"; unit = {i}; profile = "tripod-a";'
        f' poll_ms = {poll_ms}; }}' for i in range(1, nunits + 1))
    return (head + profiles +
            f'links = (\n\t{{ name = "bus1"; type = "modbus-rtu"; path = "{path}";\n'
            f'\t  baud = {baud}; parity = "even"; data_bits = 8; stop_bits = 1;'
            ' timeout_ms = 100; }\n);\n'
            f"devices = (\n{devs}\n);\n")

class Proc:
    """A child process with its output in a file; stopped by pid. popen:
    more of subprocess.Popen's arguments (start_new_session=True)."""

    def __init__(self, argv, log_path, env=None, **popen):
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.p = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, env=env, **popen)
        self.pid = self.p.pid

    def alive(self):
        return self.p.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        if self.p.poll() is None:
            os.kill(self.pid, sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.p.wait(5)
        self.log.close()
        return self.p.returncode

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")


class Site:
    """The demo site in a temporary directory: lobbysim plus lobbyd."""

    def __init__(self, conf_text=None, start_lobbyd=True, batch_ms=20,
                 pass_timeout_ms=1500):
        self.dir = tempfile.mkdtemp(prefix="lobbyd-test-")
        self.port = free_port()
        text = conf_text if conf_text is not None else open(DEMO_CONF).read()
        text = text.replace("@DIR@", self.dir).replace("15020", str(self.port))
        text = re.sub(r"event_batch_ms = \d+", f"event_batch_ms = {batch_ms}", text)
        text = re.sub(r"pass_timeout_ms = \d+", f"pass_timeout_ms = {pass_timeout_ms}", text)
        text = re.sub(r'groups = \[[^\]]*\];', "groups = [];", text)
        self.conf = os.path.join(self.dir, "site.conf")
        with open(self.conf, "w") as f:
            f.write(text)
        self.sock = os.path.join(self.dir, "control.sock")
        self.sim_sock = os.path.join(self.dir, "sim.sock")
        self.db = os.path.join(self.dir, "lobbyd.db")
        self.sim = None
        self.lobbyd = None
        try:
            self.start_sim()
            if start_lobbyd:
                self.start_lobbyd()
        except BaseException:
            self.close()
            raise

    # -- processes --
    def start_sim(self):
        self.sim = Proc([LOBBYSIM, "-c", self.conf, "-s", self.sim_sock, "-v"],
                        os.path.join(self.dir, "sim.log"))
        wait_for(lambda: os.path.exists(self.sim_sock) and self.sim_cmd("ping"),
                 what="lobbysim control socket")

    def start_lobbyd(self, extra=(), env=None):
        self.lobbyd = Proc([LOBBYD, "-d", "-c", self.conf, *extra],
                           os.path.join(self.dir, "lobbyd.log"),
                           env=None if env is None else {**os.environ, **env})
        wait_for(lambda: os.path.exists(self.sock) and self.ctl("status"),
                 what="lobbyd control socket")
        return self.lobbyd

    def stop_lobbyd(self, sig=signal.SIGTERM):
        rc = self.lobbyd.stop(sig)
        return rc

    def close(self):
        """Stops everything; fails the test if lobbyd did not stop cleanly
        or a sanitizer spoke (the SAN=1 suite relies on this)."""
        problems = []
        for name, p in (("lobbyd", self.lobbyd), ("lobbysim", self.sim)):
            if p is None:
                continue
            if p.alive():
                rc = p.stop()
                if rc != 0:
                    problems.append(f"{name} exited with status {rc} on SIGTERM")
            out = p.output()
            for word in SANITIZER_WORDS:
                if word in out:
                    problems.append(f"{name}: {word}: see {p.log_path}")
        keep = os.environ.get("KEEP_TMP") or problems
        if keep:
            print(f"  kept {self.dir}", file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        if problems:
            raise AssertionError("; ".join(problems))

    # -- lobbysim control --
    def sim_cmd(self, *words):
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(3)
            s.connect(self.sim_sock)
            s.sendall((" ".join(str(w) for w in words) + "\n").encode())
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
        reply = buf.decode().strip()
        if not reply.startswith("ok"):
            raise RuntimeError(f"lobbysim {' '.join(map(str, words))}: {reply}")
        return reply

    def sim_status(self, dev):
        reply = self.sim_cmd("status", dev)
        return dict(kv.split("=", 1) for kv in reply.split()[1:])

    def sim_writes(self, dev):
        """[(t_ns, command)] of the accepted command writes."""
        words = self.sim_cmd("writes", dev, 1024).split()[2:]
        out = []
        for w in words:
            t, cmd = w.split(":", 1)
            out.append((int(t), cmd))
        return out

    # -- lobbyctl --
    def run_ctl(self, *args, check=False, timeout=10, stdin=None):
        """lobbyctl ARGS; stdin: the text on its standard input (an ID
        number for --id -), else none."""
        r = subprocess.run([LOBBYCTL, "-s", self.sock, *map(str, args)],
                           capture_output=True, text=True, timeout=timeout,
                           input=stdin if stdin is not None else "")
        if check and r.returncode != 0:
            raise AssertionError(f"lobbyctl {' '.join(map(str, args))}: "
                                 f"exit {r.returncode}: {r.stderr}")
        return r

    def ctl(self, *args, stdin=None):
        """lobbyctl --json ARGS, parsed; raises on failure."""
        r = self.run_ctl("--json", *args, check=True, stdin=stdin)
        return json.loads(r.stdout)

    def events(self, *args):
        return self.ctl("events", "--limit", "1000", *args)

    def device(self, name):
        for d in self.ctl("devices"):
            if d["name"] == name:
                return d
        raise KeyError(name)

    def wait_event(self, pred, timeout=5.0, what="event"):
        return wait_for(lambda: [e for e in self.events() if pred(e)], timeout, what)

    def card(self, reader, uid):
        self.sim_cmd("card", reader, uid)

    def log(self):
        return self.lobbyd.output() if self.lobbyd else ""


_tests = []


def test(fn):
    _tests.append(fn)
    return fn


def run_tests(name):
    """Runs every @test in order; prints one line each and the closing line."""
    passed = failed = 0
    only = os.environ.get("ONLY")
    for fn in _tests:
        if only and only not in fn.__name__:
            continue
        t0 = time.monotonic()
        try:
            fn()
            passed += 1
            print(f"ok   {fn.__name__} ({time.monotonic() - t0:.1f}s)")
        except Exception:
            failed += 1
            print(f"FAIL {fn.__name__}")
            traceback.print_exc()
        sys.stdout.flush()
    print(f"{name}: {passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 else 1)
