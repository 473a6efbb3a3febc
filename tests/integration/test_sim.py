#!/usr/bin/python3
# lobbysim against independent masters: mbpoll (Debian) for Modbus TCP and
# RTU, raw sockets and raw-mode ptys from Python for frames, the control
# socket for the simulator's own commands. Every process is stopped by pid.
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import time
import tty

from lobbytest import crc16, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", "build")
SIM = os.path.join(ROOT, BUILD, "lobbysim")
DEMO = os.path.join(ROOT, "conf", "demo", "site.conf")

passed = 0
failed = 0
procs = []


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL %s%s" % (name, (": " + str(detail)) if detail != "" else ""))



def write_conf(d, port, edit=None, name="site.conf"):
    with open(DEMO) as f:
        text = f.read()
    text = text.replace("@DIR@", d).replace("port = 15020", "port = %d" % port)
    if edit:
        text = edit(text)
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def add_qr_reader(text, d):
    """The demo site with a QR scanner as well (in no lane)."""
    readers = text.index("readers = (")
    at = text.index("\n);", readers)     # after the last reader
    return text[:at] + ',\n\t{ name = "rdq-in"; path = "%s/rdq-in"; format = "qr"; }' % d + text[at:]


def rtu(frame):
    c = crc16(frame)
    return bytes(frame) + bytes([c & 0xFF, c >> 8])


class Sim:
    def __init__(self, conf, sock, logpath):
        self.sock = sock
        self.log = open(logpath, "wb")
        self.proc = subprocess.Popen([SIM, "-c", conf, "-s", sock, "-v"],
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        procs.append(self.proc)

    def wait_ready(self, secs=5.0):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                return False
            if os.path.exists(self.sock):
                try:
                    if self.ctl("ping") == "ok":
                        return True
                except OSError:
                    pass
            time.sleep(0.02)
        return False

    def ctl(self, line, timeout=3.0):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(self.sock)
            s.sendall(line.encode() + b"\n")
            buf = b""
            while b"\n" not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
        finally:
            s.close()
        return buf.split(b"\n")[0].decode()

    def status(self, dev):
        r = self.ctl("status " + dev)
        return dict(kv.split("=") for kv in r.split()[1:]) if r.startswith("ok") else {}

    def stop(self, secs=5.0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=secs)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
            return None


def mbpoll(args, timeout=5):
    """Runs mbpoll once (0-based references); returns (rc, {ref: value})."""
    try:
        p = subprocess.run(["mbpoll", "-0", "-1", "-o", "0.5"] + args,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, {}
    out = p.stdout.decode(errors="replace")
    vals = {int(m.group(1)): int(m.group(2))
            for m in re.finditer(r"^\[(\d+)\]:\s+(-?\d+)", out, re.M)}
    if p.returncode == 0 and "failed" in out:
        return 1, vals
    return p.returncode, vals


def tcp_read(port, unit, table, ref, count=1):
    return mbpoll(["-m", "tcp", "-p", str(port), "-a", str(unit), "-t", table,
                   "-r", str(ref), "-c", str(count), "127.0.0.1"])


def tcp_write(port, unit, table, ref, value):
    return mbpoll(["-m", "tcp", "-p", str(port), "-a", str(unit), "-t", table,
                   "-r", str(ref), "127.0.0.1", str(value)])


def rtu_args(path, unit, table, ref):
    return ["-m", "rtu", "-b", "19200", "-P", "none", "-a", str(unit), "-t", table,
            "-r", str(ref), path]


def rtu_read(path, unit, table, ref, count=1):
    return mbpoll(["-c", str(count)] + rtu_args(path, unit, table, ref))


def rtu_write(path, unit, table, ref, value):
    return mbpoll(rtu_args(path, unit, table, ref) + [str(value)])


def wait_for(pred, secs=3.0, step=0.02):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def open_raw(path):
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    tty.setraw(fd)
    termios.tcflush(fd, termios.TCIOFLUSH)
    return fd


def read_bytes(fd, n, secs=2.0):
    buf = b""
    end = time.monotonic() + secs
    while len(buf) < n:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            break
        try:
            buf += os.read(fd, n - len(buf))
        except BlockingIOError:
            pass
    return buf


def em4100(uid):
    x = 0
    for i in range(0, 10, 2):
        x ^= int(uid[i:i + 2], 16)
    return b"\x02" + uid.upper().encode() + ("%02X" % x).encode() + b"\x03"


def test_tcp(sim, port):
    rc, v = tcp_read(port, 1, "4", 100, 2)
    check("tcp gate-b idle state and no fault", rc == 0 and v == {100: 1, 101: 0}, (rc, v))
    rc, v = tcp_read(port, 1, "3", 10, 4)
    check("tcp gate-b u32 counters zero", rc == 0 and v == {10: 0, 11: 0, 12: 0, 13: 0}, (rc, v))

    check("set pass delay", sim.ctl("set ts3 pass_delay_ms 400") == "ok")
    t0 = time.monotonic_ns()
    rc, _ = tcp_write(port, 1, "0", 0, 1)       # open_entry = coil:0 1
    t1 = time.monotonic_ns()
    check("tcp write open_entry coil", rc == 0, rc)
    rc, v = tcp_read(port, 1, "4", 100)
    check("gate-b passing after open_entry", rc == 0 and v.get(100) == 2, (rc, v))
    ok = wait_for(lambda: tcp_read(port, 1, "3", 10, 2)[1] == {10: 0, 11: 1}, 3)
    check("gate-b u32 entry counter counts the passage", ok)
    rc, v = tcp_read(port, 1, "4", 100)
    check("gate-b idle after the passage", v.get(100) == 1, v)

    r = sim.ctl("writes ts3").split()
    good = len(r) == 3 and r[0] == "ok" and r[1] == "1" and r[2].endswith(":open_entry")
    check("writes lists open_entry", good, r)
    if good:
        t = int(r[2].split(":")[0])
        check("write time is monotonic ns within the request", t0 <= t <= t1, (t0, t, t1))

    # free and lock share coil 2 with values 1 and 0
    tcp_write(port, 1, "0", 2, 1)
    time.sleep(0.5)
    rc, v = tcp_read(port, 1, "4", 100)
    check("gate-b free stays passing", v.get(100) == 2, v)
    tcp_write(port, 1, "0", 2, 0)
    rc, v = tcp_read(port, 1, "4", 100)
    check("gate-b lock returns to idle", v.get(100) == 1, v)
    r = sim.ctl("writes ts3")
    check("writes lists free then lock", r.startswith("ok 3 ") and
          r.split()[3].endswith(":free") and r.split()[4].endswith(":lock"), r)
    # writing coil 0 to 0 is not a command
    tcp_write(port, 1, "0", 0, 0)
    check("non-command write not recorded", sim.status("ts3").get("writes") == "3",
          sim.status("ts3"))

    # 32-bit counters: high word first, and they wrap like the device's
    check("set entry counter", sim.ctl("set ts3 entry 70000") == "ok")
    rc, v = tcp_read(port, 1, "3", 10, 2)
    check("u32 counter high word first", v == {10: 1, 11: 70000 - 65536}, v)
    sim.ctl("set ts3 exit 4294967295")
    sim.ctl("passage ts3 exit")
    rc, v = tcp_read(port, 1, "3", 12, 2)
    check("u32 counter wraps to zero", v == {12: 0, 13: 0}, v)
    check("status shows counters", sim.status("ts3").get("entry") == "70000", sim.status("ts3"))

    check("jam default code", sim.ctl("jam ts3") == "ok")
    rc, v = tcp_read(port, 1, "4", 100, 2)
    check("gate-b fault state and code 17", v == {100: 9, 101: 17}, v)
    sim.ctl("clear ts3")
    rc, v = tcp_read(port, 1, "4", 100, 2)
    check("gate-b cleared", v == {100: 1, 101: 0}, v)

    # unknown unit: exception 0x0B (gateway target failed to respond)
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    s.sendall(struct.pack(">HHHBBHH", 7, 0, 6, 9, 3, 100, 1))
    try:
        rsp = s.recv(64)
    except socket.timeout:
        rsp = b""
    check("unknown unit gets exception 0x0B",
          rsp == struct.pack(">HHHBBB", 7, 0, 3, 9, 0x83, 0x0B), rsp.hex())

    # two clients at once; a half request on one does not hold up the other
    s2 = socket.create_connection(("127.0.0.1", port), timeout=2)
    s.sendall(struct.pack(">HHHBB", 8, 0, 6, 1, 3))        # first half only
    s2.sendall(struct.pack(">HHHBBHH", 9, 0, 6, 1, 3, 100, 1))
    try:
        rsp2 = s2.recv(64)
    except socket.timeout:
        rsp2 = b""
    check("second client answered while first is mid-frame",
          rsp2 == struct.pack(">HHHBBBH", 9, 0, 5, 1, 3, 2, 1), rsp2.hex())
    s.sendall(struct.pack(">HH", 100, 1))
    try:
        rsp = s.recv(64)
    except socket.timeout:
        rsp = b""
    check("first client's completed frame answered",
          rsp == struct.pack(">HHHBBBH", 8, 0, 5, 1, 3, 2, 1), rsp.hex())
    s.close()
    s2.close()

    # mute: the only unit on the link, so connections are refused
    check("mute ts3", sim.ctl("mute ts3") == "ok")
    rc, v = tcp_read(port, 1, "4", 100)
    check("muted tcp device does not answer", rc != 0 and v == {}, (rc, v))
    refused = False
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        refused = True
    check("muted only unit: connection refused", refused)
    check("status shows muted", sim.status("ts3").get("muted") == "1")
    check("unmute ts3", sim.ctl("unmute ts3") == "ok")
    rc, v = tcp_read(port, 1, "4", 100)
    check("unmuted tcp device answers again", rc == 0 and v == {100: 1}, (rc, v))

    # the write log keeps more than the 64 shown by default
    before = int(sim.status("ts3").get("writes", "-1"))
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    answered = 0
    for i in range(70):
        req = struct.pack(">HHHBBHH", i, 0, 6, 1, 5, 2, 0)    # lock: coil 2 = 0
        s.sendall(req)
        try:
            answered += s.recv(64) == req
        except socket.timeout:
            break
    s.close()
    check("70 lock writes echoed", answered == 70, answered)
    check("status counts every write", sim.status("ts3").get("writes") == str(before + 70),
          sim.status("ts3"))
    r = sim.ctl("writes ts3").split()
    check("writes shows the last 64", r[1] == "64" and len(r) == 66 and
          all(w.endswith(":lock") for w in r[2:]), r[:3])
    r = sim.ctl("writes ts3 70").split()
    ts = [int(w.split(":")[0]) for w in r[2:]]
    check("writes N shows N, oldest first", r[1] == "70" and len(ts) == 70 and ts == sorted(ts),
          r[:3])


def test_rtu(sim, d):
    bus = os.path.join(d, "bus1")
    check("rtu symlink made", os.path.islink(bus))
    rc, v = rtu_read(bus, 1, "3", 0, 4)
    check("rtu unit 1 idle registers", rc == 0 and v == {0: 0, 1: 0, 2: 0, 3: 0}, (rc, v))
    rc, v = rtu_read(bus, 2, "3", 0, 4)
    check("rtu unit 2 answers on the same bus", rc == 0 and v == {0: 0, 1: 0, 2: 0, 3: 0}, (rc, v))
    rc, v = rtu_read(bus, 5, "3", 0, 1)
    check("rtu unknown unit: no reply", rc != 0 and v == {}, (rc, v))

    rc, _ = rtu_write(bus, 1, "4", 0, 1)       # open_entry = holding:0 1
    check("rtu write open_entry", rc == 0, rc)
    rc, v = rtu_read(bus, 1, "3", 0, 3)
    check("tripod passing after open_entry", v.get(0) == 1, v)
    ok = wait_for(lambda: rtu_read(bus, 1, "3", 0, 3)[1] == {0: 0, 1: 1, 2: 0}, 3)
    check("tripod entry counter counts, state idle", ok, rtu_read(bus, 1, "3", 0, 3))

    rtu_write(bus, 1, "4", 0, 2)               # open_exit: same register, value 2
    ok = wait_for(lambda: rtu_read(bus, 1, "3", 0, 3)[1] == {0: 0, 1: 1, 2: 1}, 3)
    check("tripod exit counter counts", ok)
    r = sim.ctl("writes ts1").split()
    check("writes ts1 lists open_entry then open_exit", len(r) == 4 and
          r[1] == "2" and r[2].endswith(":open_entry") and r[3].endswith(":open_exit"), r)

    check("nopass on", sim.ctl("nopass ts2 on") == "ok")
    check("short pass delay", sim.ctl("set ts2 pass_delay_ms 50") == "ok")
    rtu_write(bus, 2, "4", 0, 1)
    ok = wait_for(lambda: sim.status("ts2").get("state") == "idle", 2)
    st = sim.status("ts2")
    check("nopass: back to idle with no passage", ok and st.get("entry") == "0", st)
    sim.ctl("nopass ts2 off")

    check("passage with no command", sim.ctl("passage ts2 exit") == "ok")
    rc, v = rtu_read(bus, 2, "3", 2)
    check("pushed-through exit counted", v.get(2) == 1, v)

    check("jam ts2 33", sim.ctl("jam ts2 33") == "ok")
    rc, v = rtu_read(bus, 2, "3", 0, 4)
    check("rtu fault state and code", v.get(0) == 2 and v.get(3) == 33, v)
    check("status shows fault", sim.status("ts2").get("fault") == "33", sim.status("ts2"))
    rtu_write(bus, 2, "4", 0, 1)
    check("jammed turnstile ignores open", sim.status("ts2").get("state") == "fault")
    sim.ctl("clear ts2")
    rc, v = rtu_read(bus, 2, "3", 0, 4)
    check("rtu cleared", v.get(0) == 0 and v.get(3) == 0, v)

    check("mute ts1", sim.ctl("mute ts1") == "ok")
    rc, v = rtu_read(bus, 1, "3", 0, 1)
    check("muted rtu unit times out", rc != 0 and v == {}, (rc, v))
    rc, v = rtu_read(bus, 2, "3", 0, 1)
    check("other unit still answers", rc == 0 and 0 in v, (rc, v))
    sim.ctl("unmute ts1")
    rc, v = rtu_read(bus, 1, "3", 0, 1)
    check("unmuted rtu unit answers", rc == 0 and v == {0: 0}, (rc, v))

    # raw frames from Python: a bad CRC is dropped and counted, the next
    # good frame is answered
    fd = open_raw(bus)
    try:
        before = sim.ctl("stats bus1")
        bad = bytearray(rtu([1, 4, 0, 0, 0, 1]))
        bad[-1] ^= 0xFF
        os.write(fd, bytes(bad))
        got = read_bytes(fd, 1, 0.3)
        check("bad CRC gets no reply", got == b"", got.hex())
        after = sim.ctl("stats bus1")
        nb = lambda s: int(re.search(r"bad_crc=(\d+)", s).group(1))
        check("bad CRC counted", nb(after) == nb(before) + 1, (before, after))
        os.write(fd, rtu([2, 4, 0, 2, 0, 1]))
        got = read_bytes(fd, 7)
        check("good frame after bad one answered", got == rtu([2, 4, 2, 0, 1]), got.hex())
        os.write(fd, rtu([9, 3, 0, 0, 0, 1]))
        got = read_bytes(fd, 1, 0.3)
        check("unknown rtu unit: silence", got == b"", got.hex())
    finally:
        os.close(fd)


def test_readers(sim, d):
    fd = open_raw(os.path.join(d, "rd1-in"))
    try:
        check("card em4100", sim.ctl("card rd1-in 0a1B2c3D4e") == "ok")
        got = read_bytes(fd, 14)
        check("em4100 frame and checksum", got == em4100("0a1B2c3D4e"), got)
        check("em4100 checksum value", got[11:13] == b"%02X" % (0x0A ^ 0x1B ^ 0x2C ^ 0x3D ^ 0x4E), got)
        r = sim.ctl("card rd1-in 1234ABCD")
        check("em4100 needs 10 hex digits", r.startswith("error ") and "10 hex" in r, r)
        r = sim.ctl("card rd1-in 0A1B2C3D4G")
        check("em4100 rejects non-hex", r.startswith("error "), r)
        check("nothing written on bad uid", read_bytes(fd, 1, 0.2) == b"")
    finally:
        os.close(fd)
    fd = open_raw(os.path.join(d, "rd2-in"))
    try:
        check("card wiegand-ascii", sim.ctl("card rd2-in 1234ABCD") == "ok")
        got = read_bytes(fd, 10)
        check("wiegand-ascii frame", got == b"1234ABCD\r\n", got)
    finally:
        os.close(fd)
    fd = open_raw(os.path.join(d, "rdq-in"))
    try:
        check("card qr", sim.ctl("card rdq-in VP-7k3m9Q2X") == "ok")
        got = read_bytes(fd, 13)
        check("qr frame: the code as scanned, CR LF", got == b"VP-7k3m9Q2X\r\n", got)
        check("qr: what a scanner reads is sent", sim.ctl("card rdq-in https://x.example/p?q=1") == "ok")
        got = read_bytes(fd, 26)
        check("qr: any printable code", got == b"https://x.example/p?q=1\r\n", got)
        r = sim.ctl("card rdq-in " + "A" * 129)
        check("qr code longer than 128 refused", r.startswith("error ") and "128" in r, r)
        check("nothing written on a refused code", read_bytes(fd, 1, 0.2) == b"")
    finally:
        os.close(fd)
    fd = open_raw(os.path.join(d, "rd3-in"))
    try:
        check("raw bytes", sim.ctl("raw rd3-in 02ff0d0a00") == "ok 5")
        got = read_bytes(fd, 5)
        check("raw bytes delivered unmangled", got == b"\x02\xff\x0d\x0a\x00", got)
        check("garbage seeded", sim.ctl("garbage rd3-in 32 7") == "ok 32")
        g1 = read_bytes(fd, 32)
        sim.ctl("garbage rd3-in 32 7")
        g2 = read_bytes(fd, 32)
        check("garbage is repeatable with a seed", len(g1) == 32 and g1 == g2, (g1, g2))
    finally:
        os.close(fd)
    r = sim.ctl("card nosuch 0A1B2C3D4E")
    check("card on unknown reader", r.startswith("error ") and "nosuch" in r, r)
    r = sim.ctl("card ts1 0A1B2C3D4E")
    check("card on a turnstile", r.startswith("error "), r)


def test_control(sim):
    for line in ["bogus", "jam nosuch", "jam ts1 abc", "jam ts1 70000",
                 "set ts1 pass_delay_ms -5", "set ts1 colour red",
                 "set ts1 entry -1", "set ts1 exit 4294967296",
                 "passage ts1 sideways", "nopass ts1 maybe", "status",
                 "status rd1-in", "raw rd3-in 0g", "raw rd3-in 123",
                 "garbage rd3-in 0", "garbage rd3-in 99999", "ping extra",
                 "card rd1-in", "writes ts1 ts2", "writes ts1 0", "writes ts1 1025", "stats nosuch", "stats", " ", "a b c d e f g h i j"]:
        r = sim.ctl(line)
        check("bad command %r gets an error" % line, r.startswith("error ") and len(r) > 7, r)
    r = sim.ctl("x" * 2000)
    check("overlong line gets an error", r.startswith("error "), r[:80])
    check("still alive after bad commands", sim.ctl("ping") == "ok")

    p = subprocess.run([SIM, "ctl", sim.sock, "status", "ts1"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=5)
    check("client mode ok exits 0", p.returncode == 0 and
          p.stdout.decode().startswith("ok state="), (p.returncode, p.stdout))
    p = subprocess.run([SIM, "ctl", sim.sock, "status", "nosuch"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=5)
    check("client mode error exits 1", p.returncode == 1 and
          p.stdout.decode().startswith("error "), (p.returncode, p.stdout))
    p = subprocess.run([SIM, "ctl", sim.sock + ".none", "ping"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=5)
    check("client mode cannot connect exits 2", p.returncode == 2, p.returncode)


def test_refusals(d, port):
    def run_bad(conf):
        sock = os.path.join(d, "bad.sock")
        try:
            p = subprocess.run([SIM, "-c", conf, "-s", sock], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=10)
        except subprocess.TimeoutExpired:
            return None, ""
        return p.returncode, p.stderr.decode(errors="replace")

    conf = write_conf(d, port, lambda t: t.replace('turnstile = "ts2"', 'turnstile = "nosuch"'),
                      "invalid.conf")
    rc, err = run_bad(conf)
    check("invalid config refused", rc not in (0, None), rc)
    check("config error on stderr", (conf + ":") in err and "nosuch" in err, err)

    conf = write_conf(d, port, lambda t: t.replace('host = "127.0.0.1"', 'host = "192.0.2.1"'),
                      "remote.conf")
    rc, err = run_bad(conf)
    check("non-loopback host refused", rc not in (0, None), rc)
    check("non-loopback host error names the rule", "127.0.0.0/8" in err or "192.0.2.1" in err, err)

    sub = os.path.join(d, "occupied")
    os.mkdir(sub)
    conf = write_conf(sub, free_port(), None, "site.conf")
    with open(os.path.join(sub, "bus1"), "w") as f:
        f.write("keep me\n")
    rc, err = run_bad(conf)
    check("path that is not a symlink refused", rc not in (0, None) and "not a symlink" in err,
          (rc, err))
    with open(os.path.join(sub, "bus1")) as f:
        check("existing file left alone", f.read() == "keep me\n")
    check("no symlinks left after refusal", not os.path.lexists(os.path.join(sub, "rd1-in")))


def test_sigterm(d):
    sub = os.path.join(d, "term")
    os.mkdir(sub)
    os.symlink("/dev/null", os.path.join(sub, "rd1-in"))      # a stale symlink is replaced
    conf = write_conf(sub, free_port())
    sim = Sim(conf, os.path.join(sub, "sim.sock"), os.path.join(sub, "sim.log"))
    check("second instance ready", sim.wait_ready())
    check("stale symlink replaced", os.readlink(os.path.join(sub, "rd1-in")) != "/dev/null")
    rc = sim.stop()
    check("SIGTERM: clean exit", rc == 0, rc)
    left = [n for n in ("bus1", "rd1-in", "rd2-in", "sim.sock") if os.path.lexists(os.path.join(sub, n))]
    check("SIGTERM: symlinks and socket removed", left == [], left)


def main():
    t0 = time.monotonic()
    if not os.access(SIM, os.X_OK):
        print("test_sim: %s not built" % SIM)
        print("test_sim: 0 passed, 1 failed")
        return 1
    with tempfile.TemporaryDirectory(prefix="lobbysim-") as d:
        port = free_port()
        conf = write_conf(d, port, lambda t: add_qr_reader(t, d))
        sock = os.path.join(d, "sim.sock")
        sim = Sim(conf, sock, os.path.join(d, "sim.log"))
        try:
            ready = sim.wait_ready()
            check("lobbysim starts", ready)
            if ready:
                for name, fn in (("tcp", lambda: test_tcp(sim, port)),
                                 ("rtu", lambda: test_rtu(sim, d)),
                                 ("readers", lambda: test_readers(sim, d)),
                                 ("control", lambda: test_control(sim))):
                    try:
                        fn()
                    except Exception as e:      # a broken step is a failure, not a crash
                        check("%s tests ran to the end" % name, False, repr(e))
                check("quit", sim.ctl("quit") == "ok")
                try:
                    rc = sim.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    rc = None
                check("quit: clean exit", rc == 0, rc)
                left = [n for n in ("bus1", "rd1-in", "rd1-out", "rd2-in", "rd3-in",
                                    "rd3-out", "rdq-in", "sim.sock") if os.path.lexists(os.path.join(d, n))]
                check("quit: symlinks and socket removed", left == [], left)
            test_refusals(d, free_port())
            test_sigterm(d)
        finally:
            for p in procs:
                if p.poll() is None:
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait(timeout=5)
            if failed:
                with open(os.path.join(d, "sim.log"), "rb") as f:
                    sys.stdout.write("--- lobbysim log (tail) ---\n")
                    sys.stdout.write(b"".join(f.readlines()[-30:]).decode(errors="replace"))
    print("test_sim: %d passed, %d failed (%.1fs)" % (passed, failed, time.monotonic() - t0))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
