"""
systemd integration: the unit file verifies and keeps its hardening, and
lobbyd speaks the notify protocol: READY=1 once serving, WATCHDOG=1 fed from
the main loop at half the watchdog interval, STOPPING=1 on SIGTERM.
Run with /usr/bin/python3.
"""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

from lobbytest import BACK_TO_SCHEMA_8, LOBBYD, ROOT, Site, run_tests, test, wait_for

UNIT = os.path.join(ROOT, "systemd", "lobbyd.service")


@test
def the_unit_verifies_and_stays_hardened():
    text = open(UNIT).read()
    for line in ("Type=notify", "WatchdogSec=", "User=lobbyd", "StateDirectory=lobbyd",
                 "RuntimeDirectory=lobbyd", "DeviceAllow=char-ttyUSB rw",
                 "DeviceAllow=char-gpiochip rw", "NoNewPrivileges=yes",
                 "ProtectSystem=strict"):
        assert line in text, f"{line} missing from the unit"
    assert "PrivateDevices=yes" not in text, "PrivateDevices would hide the serial ports"
    tmp = tempfile.mkdtemp(prefix="lobbyd-unit-")
    try:
        unit = os.path.join(tmp, "lobbyd.service")
        with open(unit, "w") as f:
            f.write(text.replace("/usr/sbin/lobbyd", os.path.abspath(LOBBYD)))
        r = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0 and r.stderr.strip() == "", r
        r = subprocess.run(["systemd-analyze", "security", "--offline=yes", unit],
                           capture_output=True, text=True, timeout=60)
        m = re.search(r"Overall exposure level for lobbyd.service: ([0-9.]+)", r.stdout)
        assert m, r.stdout[-500:]
        assert float(m.group(1)) <= 2.5, f"exposure {m.group(1)}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@test
def lobbyd_notifies_ready_feeds_the_watchdog_and_says_stopping():
    s = Site(start_lobbyd=False)
    path = os.path.join(s.dir, "notify.sock")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(path)
    got = []

    # Read all the time, as systemd does: a notify socket holds only a few
    # datagrams (net.unix.max_dgram_qlen), and the pings never stop.
    stop = threading.Event()
    lock = threading.Lock()

    def reader():
        ns.settimeout(0.05)
        while not stop.is_set():
            try:
                m = ns.recv(4096).decode()
            except socket.timeout:
                continue
            with lock:
                got.append(m)

    def drain():
        """What has arrived so far."""
        with lock:
            return list(got)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        s.start_lobbyd(env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"})
        wait_for(lambda: any("READY=1" in m for m in drain()), what="READY=1")
        t0 = time.monotonic()
        n0 = sum("WATCHDOG=1" in m for m in drain())
        time.sleep(1.0)
        n = sum("WATCHDOG=1" in m for m in drain()) - n0
        # Every 100 ms, give or take the loop's timing: at least 5 in a second.
        assert n >= 5, f"{n} watchdog pings in {time.monotonic() - t0:.1f}s"
        ready = [m for m in drain() if "READY=1" in m][0]
        assert "STATUS=" in ready and "links" in ready, ready
        assert s.stop_lobbyd() == 0
        wait_for(lambda: any("STOPPING=1" in m for m in drain()), 3, "STOPPING=1")
    finally:
        stop.set()
        t.join()
        ns.close()
        s.close()


@test
def a_database_upgrade_pushes_the_start_timeout_back():
    """Indexing years of events at an upgrade takes minutes, longer than
    systemd waits for READY=1: lobbyd extends the timeout as it goes."""
    import sqlite3
    s = Site(start_lobbyd=False)
    path = os.path.join(s.dir, "notify.sock")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(path)
    got = []
    try:
        s.start_lobbyd()
        s.stop_lobbyd()
        con = sqlite3.connect(s.db)
        con.executescript(BACK_TO_SCHEMA_8)
        con.close()
        s.start_lobbyd(env={"NOTIFY_SOCKET": path})
        ns.settimeout(5)
        while not any("READY=1" in m for m in got):
            got.append(ns.recv(4096).decode())
        first = got[0]
        assert "EXTEND_TIMEOUT_USEC=" in first and re.search(
            r"STATUS=upgrading the database: schema step 9 of \d+", first), got
        assert "READY=1" not in first, got
    finally:
        ns.close()
        s.close()


if __name__ == "__main__":
    assert shutil.which("systemd-analyze"), "systemd-analyze is needed (package systemd)"
    run_tests("test_systemd")
