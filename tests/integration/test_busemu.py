#!/usr/bin/python3
# lobbybus, the pacing RS-485 bus: bytes arrive at their wire time, the bus
# is half-duplex and counts collisions, and a Modbus RTU master (mbpoll, and
# frames written from Python) reads lobbysim's turnstiles through it with
# real RTU timing. Every process is stopped by its pid.
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import shutil
import time
import tty

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lobbytest as lt  # noqa: E402

LOBBYBUS = os.path.join(lt.BUILD, "lobbybus")


def char_s(baud, bits):
    return bits / baud


def t35_s(baud):
    """3.5 characters of 11 bits; fixed at 1.75 ms above 19200 baud."""
    return 0.00175 if baud > 19200 else 3.5 * 11 / baud


def rtu_floor_s(baud, nregs):
    """
    The DESIGN.md floor of one Modbus RTU read of nregs registers, 11-bit
    characters: T = (13 + 2N) * 11/baud + 2 * t3.5. The 13 + 2N characters
    are the request (unit, function, address 2, count 2, CRC 2 = 8) and the
    reply (unit, function, byte count, CRC 2 = 5, plus 2N data bytes). The
    two t3.5 are silences: the one that ends the request frame (a slave that
    frames by silence cannot answer sooner) and the one after the reply
    before the master may send again. So T is the period of back-to-back
    transactions with a compliant slave, not a request-to-reply time.
    """
    return (13 + 2 * nregs) * 11 / baud + 2 * t35_s(baud)


def fc4_request(unit, addr, count):
    pdu = struct.pack(">BBHH", unit, 4, addr, count)
    return pdu + struct.pack("<H", lt.crc16(pdu))


class Bus:
    """lobbybus between PATH_M (created) and PATH_S (existing)."""

    def __init__(self, d, slave_path, baud, parity="none", stop_bits=1):
        self.master_path = os.path.join(d, "bus-m")
        self.sock = os.path.join(d, "bus.sock")
        self.proc = lt.Proc([LOBBYBUS, "--baud", str(baud), "--parity", parity,
                             "--stop-bits", str(stop_bits),
                             "--master", self.master_path, "--slave", slave_path,
                             "-s", self.sock, "-v"],
                            os.path.join(d, "bus.log"))
        try:
            lt.wait_for(lambda: os.path.exists(self.sock) and self.cmd("ping"),
                        what="lobbybus control socket")
        except BaseException:
            self.proc.stop()
            raise

    def cmd(self, *words):
        r = subprocess.run([LOBBYBUS, "ctl", self.sock, *words],
                           capture_output=True, text=True, timeout=10)
        if r.returncode != 0:
            raise RuntimeError(f"lobbybus ctl {' '.join(words)}: {r.stdout}{r.stderr}")
        return r.stdout.strip()

    def stats(self):
        return {k: int(v) for k, v in
                (kv.split("=", 1) for kv in self.cmd("stats").split()[1:])}

    def stop(self):
        rc = self.proc.stop()
        out = self.proc.output()
        for word in lt.SANITIZER_WORDS:
            assert word not in out, f"lobbybus: {word}: see {self.proc.log_path}"
        assert rc == 0, f"lobbybus exited with {rc}: {out[-500:]}"
        assert not os.path.lexists(self.master_path), "symlink left behind"


class RawSetup:
    """A pty whose slave plays the devices' serial path, lobbybus on it,
    and PATH_M opened raw: the test holds both ends of the bus."""

    def __init__(self, baud):
        self.dir = tempfile.mkdtemp(prefix="lobbybus-test-")
        self.smaster, sslave = os.openpty()
        tty.setraw(self.smaster)
        tty.setraw(sslave)
        self.slave_path = os.path.join(self.dir, "bus-s")
        os.symlink(os.ttyname(sslave), self.slave_path)
        os.close(sslave)
        self.bus = None
        self.mfd = -1
        try:
            self.bus = Bus(self.dir, self.slave_path, baud)
            self.mfd = os.open(self.bus.master_path, os.O_RDWR | os.O_NOCTTY)
            tty.setraw(self.mfd)
        except BaseException:
            self.close()
            raise

    def close(self):
        if self.mfd != -1:
            os.close(self.mfd)
        try:
            if self.bus is not None:
                self.bus.stop()
        finally:
            os.close(self.smaster)
            shutil.rmtree(self.dir, ignore_errors=True)


def read_timed(fds, want, timeout):
    """Reads until want[fd] bytes came on each fd; [(t, bytes)] per fd."""
    got = {fd: [] for fd in fds}
    left = dict(want)
    end = time.monotonic() + timeout
    while any(v > 0 for v in left.values()) and time.monotonic() < end:
        r, _, _ = select.select([fd for fd in fds if left[fd] > 0], [], [],
                                max(0.0, end - time.monotonic()))
        for fd in r:
            data = os.read(fd, 4096)
            got[fd].append((time.monotonic(), data))
            left[fd] -= len(data)
    return got


@lt.test
def raw_burst_takes_its_wire_time():
    baud, n = 9600, 100
    floor = n * char_s(baud, 10)
    s = RawSetup(baud)
    try:
        # Every burst must take its wire time; the +15% bound is checked on
        # the best of 3, as this reader is an ordinary process that a busy
        # machine may deschedule for longer than the bus is late.
        lasts = []
        for attempt in range(3):
            payload = bytes((i * 7 + attempt) & 0xFF for i in range(n))
            t0 = time.monotonic()
            os.write(s.smaster, payload)
            got = read_timed([s.mfd], {s.mfd: n}, 3.0)[s.mfd]
            data = b"".join(c for _, c in got)
            assert data == payload, f"got {len(data)} bytes, {data[:16]!r}..."
            last = got[-1][0] - t0
            first = got[0][0] - t0
            assert last >= floor, \
                f"last byte after {last * 1e3:.2f} ms < {floor * 1e3:.2f} ms"
            # Paced, not held and dumped: the first byte after one character.
            assert char_s(baud, 10) <= first < floor / 2, \
                f"first byte after {first * 1e3:.2f} ms"
            lasts.append(last)
            time.sleep(0.01)
        assert min(lasts) <= floor * 1.15, \
            f"last byte after {min(lasts) * 1e3:.2f} ms > +15%"
        st = s.bus.stats()
        assert st["bytes_s2m"] == 3 * n and st["bytes_m2s"] == 0, st
        assert st["frames_s2m"] == 3 and st["collisions"] == 0, st
        print(f"     100 bytes at 9600 8N1: {min(lasts) * 1e3:.2f} ms "
              f"(floor {floor * 1e3:.2f} ms); {s.bus.cmd('timing')}")
    finally:
        s.close()


@lt.test
def half_duplex_other_side_waits():
    baud, n = 9600, 50
    ch = char_s(baud, 10)
    s = RawSetup(baud)
    try:
        boths = []
        for attempt in range(3):	# the upper bound on the best of 3
            a = bytes((i + attempt) & 0xFF for i in range(1, n + 1))
            b = bytes((i + attempt) & 0xFF for i in range(101, 101 + n))
            t0 = time.monotonic()
            os.write(s.mfd, a)		# master side talks ...
            os.write(s.smaster, b)	# ... and the slave side at once
            got = read_timed([s.smaster, s.mfd], {s.smaster: n, s.mfd: n}, 3.0)
            to_s, to_m = got[s.smaster], got[s.mfd]
            got_a = b"".join(c for _, c in to_s)
            got_b = b"".join(c for _, c in to_m)
            assert got_a == a, f"master's bytes garbled or lost: {got_a.hex()} for {a.hex()}"
            assert got_b == b, f"slave's bytes garbled or lost: {got_b.hex()} for {b.hex()}"
            first, second = (to_s, to_m) if to_s[-1][0] < to_m[-1][0] else (to_m, to_s)
            # The second burst starts only when the first has left the wire.
            assert second[0][0] - t0 >= (n + 1) * ch, \
                f"second burst's first byte after {(second[0][0] - t0) * 1e3:.2f} ms"
            assert second[0][0] >= first[-1][0], "the bursts overlapped"
            both = second[-1][0] - t0
            assert both >= 2 * n * ch, f"both bursts took {both * 1e3:.2f} ms"
            boths.append(both)
            time.sleep(0.01)
        assert min(boths) <= 2 * n * ch * 1.15, \
            f"both bursts took {min(boths) * 1e3:.2f} ms, wire time {2 * n * ch * 1e3:.2f}"
        st = s.bus.stats()
        assert st["collisions"] >= 3, st
        assert st["frames_m2s"] == 3 and st["frames_s2m"] == 3, st
        assert st["bytes_m2s"] == 3 * n and st["bytes_s2m"] == 3 * n, st
    finally:
        s.close()


@lt.test
def refuses_what_is_not_its_own():
    d = tempfile.mkdtemp(prefix="lobbybus-test-")
    try:
        plain = os.path.join(d, "bus-m")
        with open(plain, "w") as f:
            f.write("keep")
        m, sl = os.openpty()
        spath = os.path.join(d, "bus-s")
        os.symlink(os.ttyname(sl), spath)
        cases = [
            (["--baud", "9600", "--master", plain, "--slave", spath],
             "not a symlink"),
            (["--baud", "9600", "--parity", "mark", "--master", plain + "2",
              "--slave", spath], "--parity"),
            (["--baud", "96k", "--master", plain + "2", "--slave", spath],
             "--baud"),
            (["--baud", "9600", "--stop-bits", "3", "--master", plain + "2",
              "--slave", spath], "--stop-bits"),
            (["--baud", "9600", "--master", plain + "2",
              "--slave", os.path.join(d, "nothing")], "cannot open"),
            (["--baud", "9600", "--master", plain + "2", "--slave", plain],
             "not a serial device"),
        ]
        for argv, word in cases:
            r = subprocess.run([LOBBYBUS, *argv], capture_output=True, text=True,
                               timeout=5)
            assert r.returncode == 1 and word in r.stderr, (argv, r.returncode, r.stderr)
        with open(plain) as f:
            assert f.read() == "keep", "a regular file was replaced"
        assert not os.path.lexists(plain + "2"), "symlink left after a refusal"
        os.close(m)
        os.close(sl)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def mbpoll_read(path, unit):
    r = subprocess.run(["mbpoll", "-m", "rtu", "-b", "19200", "-P", "even",
                        "-a", str(unit), "-t", "3", "-0", "-r", "0", "-c", "4",
                        "-1", "-o", "5", path],
                       capture_output=True, text=True, timeout=10)
    vals = {}
    for line in r.stdout.splitlines():
        line = line.strip()
        if line.startswith("[") and "]:" in line:
            k, v = line[1:].split("]:", 1)
            vals[int(k)] = int(v.strip())
    return r.returncode, vals, r.stdout + r.stderr


@lt.test
def modbus_rtu_through_the_bus():
    baud, nregs = 19200, 4
    site = lt.Site(conf_text=lt.rtu_site_conf(2, 200, "@DIR@/bus1-s"),
                   start_lobbyd=False)
    bus = None
    try:
        bus = Bus(site.dir, os.path.join(site.dir, "bus1-s"), baud, "even")
        site.sim_cmd("set", "ts1", "entry", 111)
        site.sim_cmd("set", "ts2", "exit", 4321)
        rc, vals, out = mbpoll_read(bus.master_path, 1)
        assert rc == 0 and vals == {0: 0, 1: 111, 2: 0, 3: 0}, out
        rc, vals, out = mbpoll_read(bus.master_path, 2)
        assert rc == 0 and vals == {0: 0, 1: 0, 2: 4321, 3: 0}, out

        # Round trips timed from Python: request written, reply's last
        # byte read. lobbysim frames requests by their length and answers
        # at once, so no slave-side t3.5 is in a round trip: its floor here
        # is the characters' wire time, (13 + 2N) * 11/baud. A transaction
        # cycle adds the master's t3.5, as lobbyd waits it; only a slave
        # that waits out t3.5 before it answers would make the cycle T.
        wire = (13 + 2 * nregs) * 11 / baud
        t35 = t35_s(baud)
        req = fc4_request(2, 0, nregs)
        rts, cycles = [], []
        # PATH_M opened raw, as lobbyd's libmodbus does: on a pty the
        # framing settings change nothing, the pacing is lobbybus's.
        port = os.open(bus.master_path, os.O_RDWR | os.O_NOCTTY)
        try:
            tty.setraw(port)
            prev = None
            for _ in range(20):
                t0 = time.monotonic()
                if prev is not None:
                    cycles.append(t0 - prev)
                prev = t0
                os.write(port, req)
                # A generous deadline: lobbybus and lobbysim, two more
                # processes, may wait for a busy machine; the timing
                # bounds below are on the best round trip.
                got = read_timed([port], {port: 5 + 2 * nregs}, 5.0)[port]
                t1 = time.monotonic()
                reply = b"".join(c for _, c in got)
                assert len(reply) == 5 + 2 * nregs, f"short reply {reply!r}"
                assert lt.crc16(reply[:-2]) == struct.unpack("<H", reply[-2:])[0], reply
                assert struct.unpack(">BBB4H", reply[:-2]) == (2, 4, 8, 0, 0, 4321, 0), reply
                rts.append(got[-1][0] - t0)
                while time.monotonic() < t1 + t35:	# the master's silence
                    pass
        finally:
            os.close(port)
        rt = min(rts)
        cyc = min(cycles)
        floor = rtu_floor_s(baud, nregs)
        assert rt >= wire, f"round trip {rt * 1e3:.2f} ms < wire time {wire * 1e3:.2f} ms"
        assert rt <= wire * 1.15 + 0.002, f"round trip {rt * 1e3:.2f} ms: bus too slow"
        assert cyc >= floor - t35, \
            f"cycle {cyc * 1e3:.2f} ms < T - t3.5 = {(floor - t35) * 1e3:.2f} ms"
        # The formula itself, against DESIGN.md's reference figures.
        assert abs(rtu_floor_s(9600, 10) - 0.0458) < 0.00005
        assert abs(rtu_floor_s(19200, 10) - 0.0229) < 0.00005
        assert abs(rtu_floor_s(115200, 10) - 0.0067) < 0.00006
        st = bus.stats()
        assert st["collisions"] == 0 and st["frames_m2s"] == st["frames_s2m"] == 22, st
        assert st["bytes_m2s"] == 22 * 8, st
        print(f"     FC4 x{nregs} at 19200 8E1: round trip {rt * 1e3:.2f} ms "
              f"(wire {wire * 1e3:.2f}), cycle {cyc * 1e3:.2f} ms (T {floor * 1e3:.2f})")
        bus.stop()
        bus = None
    finally:
        try:
            if bus is not None:
                bus.stop()
        finally:
            site.close()


@lt.test
def sigint_stops_cleanly():
    s = RawSetup(9600)
    try:
        os.close(s.mfd)
        s.mfd = -1
        rc = s.bus.proc.stop(signal.SIGINT)
        assert rc == 0, rc
        assert not os.path.lexists(s.bus.master_path), "symlink left behind"
        assert not os.path.exists(s.bus.sock), "control socket left behind"
    finally:
        s.close()


if __name__ == "__main__":
    lt.run_tests("test_busemu")
