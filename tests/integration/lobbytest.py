"""
Integration-test support: a temporary site served by lobbysim, the real
lobbyd on it, and the real lobbyctl to drive it. Every process started here
is stopped by its pid. Run tests with /usr/bin/python3.
"""
import json
import os
import random
import re
import select
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
# What the schema steps after 9 made, dropped: a database of the latest
# schema taken back to step 9's (a new step adds its own lines here).
DROP_AFTER_SCHEMA_9 = ("DROP TABLE pass_notices; DROP TABLE pass_tokens;"
                       "DROP TABLE tenant_contacts; DROP TABLE tenant_units;"
                       "DROP TABLE tenants; DROP INDEX people_phone;"
                       "ALTER TABLE people DROP COLUMN phone;"
                       "ALTER TABLE passes DROP COLUMN host_unit;"
                       "ALTER TABLE passes DROP COLUMN host_reason;"
                       "DROP INDEX cards_uid_holder;")
# The same taken back to schema 8, as an older lobbyd left it.
BACK_TO_SCHEMA_8 = ("DROP INDEX events_credential_ts; DROP INDEX events_person_ts;"
                    "DROP TABLE event_exports;"
                    "CREATE INDEX events_person ON events (person);" +
                    DROP_AFTER_SCHEMA_9 + "PRAGMA user_version = 8;")
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


# One tripod turnstile on an RTU bus with its entry and exit readers, for a
# site of one lane (the test adds the lane with its own timeout).
ONE_TURNSTILE = TRIPOD_A_PROFILE + """
links = ( { name = "bus1"; type = "modbus-rtu"; path = "@DIR@/bus1";
	    baud = 19200; parity = "none"; data_bits = 8; stop_bits = 1; timeout_ms = 100; } );
devices = ( { name = "ts1"; link = "bus1"; unit = 1; profile = "tripod-a"; poll_ms = 100; } );
readers = (
	{ name = "rd1-in";  path = "@DIR@/rd1-in";  baud = 9600; format = "em4100"; },
	{ name = "rd1-out"; path = "@DIR@/rd1-out"; baud = 9600; format = "em4100"; }
);
"""

_port_claims = []   # held until this program ends


def _port_range():
    """The ports below the kernel's ephemeral range (where no outgoing
    connection takes one while a test is about to listen on it)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    return max(1024, low - 12000), max(1025, low)


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on and no other test
    program is given, even one of another suite run at once: the port is
    claimed by binding a UDP socket to the same number (UDP and TCP ports
    are apart), held until this program ends; the TCP port is then tried."""
    lo, hi = _port_range()
    start = random.randrange(lo, hi)
    for i in range(hi - lo):
        port = lo + (start - lo + i) % (hi - lo)
        claim = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            claim.bind(("127.0.0.1", port))
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", port))
        except OSError:
            claim.close()
            continue
        _port_claims.append(claim)
        return port
    raise RuntimeError(f"no free port in {lo}-{hi}")


def local_clock_at(second_of_day):
    """Sets TZ, for this program and every process it starts from now on,
    so that local time reads second_of_day (seconds past local midnight)
    now: a test of a rule by the hour or the day need not wait for the wall
    clock (past midnight, to the next minute). run_tests puts TZ back after
    each test. A POSIX TZ offset is west-positive, whole seconds."""
    utc = int(time.time()) % 86400
    off = (second_of_day - utc) % 86400
    if off > 43200:
        off -= 86400
    west = -off
    sign = "-" if west < 0 else "+"
    west = abs(west)
    os.environ["TZ"] = (f"LOB{sign}{west // 3600}:{west // 60 % 60:02d}:"
                        f"{west % 60:02d}")
    time.tzset()


def clear_of_midnight(before_s, after_s):
    """Local time at least after_s past midnight and before_s short of the
    next one: when the wall clock is not, local_clock_at moves it to the same
    minute and second past noon."""
    n = time.localtime()
    sod = n.tm_hour * 3600 + n.tm_min * 60 + n.tm_sec
    if sod < after_s or sod > 86400 - before_s:
        local_clock_at(43200 + sod % 3600)


def wait_for(pred, timeout=10.0, what="condition"):
    """Polls pred() until it returns something true; bounded. The deadline
    is generous: it costs nothing when the condition comes, and a shared or
    busy machine can be slow."""
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


class Follower:
    """lobbyctl --json ... --follow: its lines read as they come."""

    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL)
        self.seen = []      # the JSON objects so far
        self.ended = False  # its output ended
        self._buf = b""

    def _read(self, until):
        r, _, _ = select.select([self.p.stdout], [], [], max(0.0, until - time.monotonic()))
        if not r:
            return False
        chunk = os.read(self.p.stdout.fileno(), 65536)
        if not chunk:
            self.ended = True
            return False
        self._buf += chunk
        *lines, self._buf = self._buf.split(b"\n")
        self.seen += [json.loads(ln) for ln in lines if ln.strip().startswith(b"{")]
        return True

    def wait_for(self, pred, timeout=10.0, what="followed objects"):
        """Reads until pred(seen) is true; returns seen."""
        end = time.monotonic() + timeout
        while not pred(self.seen):
            if self.ended or time.monotonic() >= end:
                why = "its output ended" if self.ended else f"timed out after {timeout}s"
                raise AssertionError(f"{why} waiting for {what} (seen: {self.seen!r})")
            self._read(end)
        return self.seen

    def stop(self, sig=signal.SIGINT):
        """Stops it (Ctrl-C by default); returns (everything seen, stderr)."""
        if self.p.poll() is None:
            self.p.send_signal(sig)
        out, err = self.p.communicate(timeout=10)
        self._buf += out or b""
        self.seen += [json.loads(ln) for ln in self._buf.split(b"\n")
                      if ln.strip().startswith(b"{")]
        self._buf = b""
        return self.seen, err.decode(errors="replace")

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait(5)



def raw_request(sock, cmd, args):
    """One request on lobbyd's socket; the reply line as bytes."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(sock)
        s.sendall(json.dumps({"cmd": cmd, "args": args}).encode() + b"\n")
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            buf += chunk
    return buf

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

    def start_lobbyd(self, extra=(), env=None, binary=LOBBYD):
        self.lobbyd = Proc([binary, "-d", "-c", self.conf, *extra],
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

    def ctl(self, *args, stdin=None, timeout=10):
        """lobbyctl --json ARGS, parsed; raises on failure."""
        r = self.run_ctl("--json", *args, check=True, stdin=stdin, timeout=timeout)
        return json.loads(r.stdout)

    def events(self, *args):
        return self.ctl("events", "--limit", "1000", *args)

    def device(self, name):
        for d in self.ctl("devices"):
            if d["name"] == name:
                return d
        raise KeyError(name)

    def wait_event(self, pred, timeout=10.0, what="event"):
        return wait_for(lambda: [e for e in self.events() if pred(e)], timeout, what)

    def card(self, reader, uid):
        self.sim_cmd("card", reader, uid)

    def log(self):
        return self.lobbyd.output() if self.lobbyd else ""


_tests = []


def test(fn=None, *, slow=False):
    """@test, or @test(slow=True) for one that waits out a long product
    time (a minute's summary): run apart, it is started first."""
    def add(f):
        f.slow = slow
        _tests.append(f)
        return f
    return add(fn) if fn is not None else add


def _run_one(fn):
    """One test, its line printed; True when it passed. TZ is put back
    after it (local_clock_at)."""
    tz = os.environ.get("TZ")
    t0 = time.monotonic()
    try:
        fn()
        print(f"ok   {fn.__name__} ({time.monotonic() - t0:.1f}s)")
        return True
    except Exception:
        print(f"FAIL {fn.__name__} ({time.monotonic() - t0:.1f}s)")
        traceback.print_exc(file=sys.stdout)
        return False
    finally:
        if tz is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = tz
        time.tzset()
        sys.stdout.flush()


def _terminated(signum, frame):
    """SIGTERM (tests/run stopping the suite, or its time limit): the
    test's finally blocks stop its processes on the way out."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(128 + signum)


def _run_apart(fns, jobs):
    """Runs the tests jobs at a time, each in a process of its own (this
    program again, LOBBYTEST_CASE naming the one test); prints each one's
    output whole when it ends. Returns (passed, failed)."""
    passed = failed = 0
    waiting = sorted(fns, key=lambda f: not f.slow)
    running = {}    # Popen -> (name, output file)
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                fn = waiting.pop(0)
                out = tempfile.TemporaryFile()
                p = subprocess.Popen([sys.executable, sys.argv[0]], stdout=out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env={**os.environ, "LOBBYTEST_CASE": fn.__name__})
                running[p] = (fn.__name__, out)
            pid, status = os.wait()
            p = next((q for q in running if q.pid == pid), None)
            if p is None:
                continue
            p.returncode = os.waitstatus_to_exitcode(status)
            name, out = running.pop(p)
            out.seek(0)
            text = out.read().decode(errors="replace")
            out.close()
            sys.stdout.write(text)
            if p.returncode == 0 and f"ok   {name} " in text:
                passed += 1
            else:
                failed += 1
                if f"FAIL {name} " not in text:
                    print(f"FAIL {name} (exit status {p.returncode})")
            sys.stdout.flush()
    finally:
        for p in running:
            p.terminate()
        for p in running:
            p.wait()
    return passed, failed


def run_tests(name, case_jobs=1):
    """Runs every @test; prints one line each, with its time, and the
    closing line with the program's. case_jobs > 1 (a program whose tests
    share nothing) runs that many at once, each in its own process;
    CASE_JOBS=N overrides it (1: one after another, in this process).
    ONLY=WORD runs only the tests whose name holds WORD."""
    t0 = time.monotonic()
    signal.signal(signal.SIGTERM, _terminated)
    one = os.environ.get("LOBBYTEST_CASE")
    if one:
        fn = [f for f in _tests if f.__name__ == one]
        sys.exit(0 if fn and _run_one(fn[0]) else 1)
    only = os.environ.get("ONLY")
    fns = [f for f in _tests if not only or only in f.__name__]
    jobs = int(os.environ.get("CASE_JOBS", case_jobs))
    if jobs > 1 and len(fns) > 1:
        passed, failed = _run_apart(fns, jobs)
    else:
        passed = failed = 0
        for fn in fns:
            if _run_one(fn):
                passed += 1
            else:
                failed += 1
    print(f"{name}: {passed} passed, {failed} failed ({time.monotonic() - t0:.1f}s)")
    sys.exit(0 if failed == 0 else 1)
