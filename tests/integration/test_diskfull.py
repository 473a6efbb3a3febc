"""
A database that cannot be written (DESIGN invariant 2): lobbyd's database on
a 16 MB tmpfs that is then filled up. The fire alarm and an offline alert
still reach people, are held and stored once there is room again; the fire
mode survives a restart whose database write had failed; an urgent alert
says the records cannot be written, and clears when they can; a stop with
the disk full ends inside the unit's stop timeout.

The tmpfs needs root and mount(2); elsewhere the same faults are made with a
file-size limit on lobbyd (prlimit), which SQLite sees as a full disk.
"""
import errno
import os
import re
import shutil
import subprocess
import time

from lobbytest import DEMO_CONF, Site, run_tests, test, wait_for

STOP_TIMEOUT_S = 15     # systemd/lobbyd.service: TimeoutStopSec
FS_SIZE = "16m"      # room for the database and its WAL (checkpointed at 4 MB)


def unit_stop_timeout():
    text = open(os.path.join(os.path.dirname(DEMO_CONF), "..", "..", "systemd",
                             "lobbyd.service")).read()
    return int(re.search(r"^TimeoutStopSec=(\d+)s$", text, re.M).group(1))


class SmallDisk:
    """A directory whose filesystem can be filled and emptied again: a tmpfs
    when mount works, else a plain directory and prlimit on lobbyd."""

    def __init__(self):
        import tempfile
        self.dir = tempfile.mkdtemp(prefix="lobbyd-dbfs-")
        self.mounted = False
        if os.geteuid() == 0 and shutil.which("mount") and \
                not os.environ.get("LOBBYD_TEST_NO_MOUNT"):
            r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={FS_SIZE}",
                                "lobbyd-test", self.dir], capture_output=True)
            self.mounted = r.returncode == 0
        if not self.mounted:
            print(f"  note: no tmpfs here (not root, or mount refused): the full "
                  f"disk is a file-size limit on lobbyd instead")
        self.filler = os.path.join(self.dir, "filler")
        self.pid = None

    def fill(self, pid):
        """Leaves no room for lobbyd's next write."""
        self.pid = pid
        if not self.mounted:
            self.limit(pid)
            return
        with open(self.filler, "ab", buffering=0) as f:
            chunk = b"\0" * 4096
            try:
                for _ in range(100000):     # 400 MB at most: bounded
                    f.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc

    def limit(self, pid):
        self.pid = pid
        # Every file lobbyd has open stays at its size: the next page a
        # commit adds is refused (EFBIG), as on a full disk.
        sizes = [os.path.getsize(os.path.join(self.dir, n)) for n in os.listdir(self.dir)]
        subprocess.run(["prlimit", f"--pid={pid}", f"--fsize={max(sizes) + 1}:"],
                       check=True)

    def empty(self):
        if self.mounted:
            os.unlink(self.filler)
        else:
            subprocess.run(["prlimit", f"--pid={self.pid}", "--fsize=unlimited:"],
                           check=True)

    def close(self):
        if self.mounted:
            subprocess.run(["umount", "-l", self.dir], check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def site_conf(dbdir):
    text = open(DEMO_CONF).read()
    assert 'database = "@DIR@/lobbyd.db";' in text
    return text.replace('database = "@DIR@/lobbyd.db";',
                        f'database = "{dbdir}/lobbyd.db";')


def ready(site):
    def ok():
        devs = {d["name"]: d for d in site.ctl("devices")}
        return all(devs[n]["online"] for n in ("ts1", "ts3", "fire-panel")) and \
            all(v == "inactive" for v in site.ctl("fire")["inputs"].values())
    wait_for(ok, 10, "devices online and the fire input read")


def alerts(site, kind):
    return [a for a in site.ctl("alerts") if a["kind"] == kind]


def store_alert(site, prefix):
    """Something to write (unknown cards at a reader) until the store says
    it cannot: told within 5 s of the first failed commit."""
    for i in range(40):
        site.card("rd1-in", f"{prefix}{i:06d}")
        if alerts(site, "site_store"):
            break
        time.sleep(0.25)
    return wait_for(lambda: alerts(site, "site_store"), 5, "the store alert")[0]


def frees(site, dev):
    return [c for _, c in site.sim_writes(dev)].count("free")


@test
def test_full_disk_keeps_fire_alarm_and_latch():
    disk = SmallDisk()
    s = None
    try:
        s = Site(site_conf(disk.dir))
        ready(s)
        assert s.ctl("fire")["mode"] == "off"
        disk.fill(s.lobbyd.pid)

        a = store_alert(s, "0BAD")
        assert a["severity"] == "urgent" and a["stored"] is False, a
        assert a["audience"] == "engineering,security", a
        assert "cannot be written" in a["message"], a
        assert "cannot be written" in s.log()

        # The fire alarm on the full disk: lanes freed, the alert told now.
        n_free = frees(s, "ts1")
        s.sim_cmd("input", "fire-panel", "on")
        wait_for(lambda: s.ctl("fire")["active"], 5, "fire mode on")
        wait_for(lambda: frees(s, "ts1") > n_free, 5, "FREE written to ts1")
        fire = wait_for(lambda: alerts(s, "site_fire"), 5, "the fire alert")[0]
        assert fire["stored"] is False and fire["severity"] == "emergency", fire
        wait_for(lambda: re.search(r"alert 0 raised: emergency site site_fire", s.log()),
                 5, "the fire alert in the journal before it is stored")
        # A device that goes offline meanwhile: alerted as well.
        s.sim_cmd("mute", "ts3")
        off = wait_for(lambda: [a for a in alerts(s, "offline") if a["source"] == "ts3"],
                       10, "ts3 offline alert")[0]
        assert off["stored"] is False, off

        # Stopped with the disk still full: inside the unit's stop timeout.
        t0 = time.monotonic()
        rc = s.stop_lobbyd()
        took = time.monotonic() - t0
        assert rc == 0, rc
        assert took < unit_stop_timeout(), f"stop took {took:.1f}s"
        assert unit_stop_timeout() == STOP_TIMEOUT_S

        # Started again, the disk still full: the fire mode is on, from its
        # latch file, though the database never took it.
        s.start_lobbyd()
        if not disk.mounted:
            disk.limit(s.lobbyd.pid)
        st = s.ctl("fire")
        assert st["mode"] == "on" and st["source"] == "fire-panel", st
        assert "kept by its latch file" in s.log(), s.log()[-2000:]
        store_alert(s, "0BAE")

        # Room again: the held alerts are stored, the store alert clears.
        disk.empty()
        for i in range(20):
            s.card("rd1-in", f"0BAF{i:06d}")
            fire = alerts(s, "site_fire")
            if fire and fire[0]["stored"] and not alerts(s, "site_store"):
                break
            time.sleep(1)
        fire = alerts(s, "site_fire")
        assert len(fire) == 1 and fire[0]["stored"] and fire[0]["id"] > 0, fire
        wait_for(lambda: not alerts(s, "site_store"), 10, "the store alert cleared")
        hist = [a for a in s.ctl("alerts", "--all") if a["kind"] == "site_store"]
        assert hist and all(a["cleared_ms"] > 0 for a in hist), hist

        # Reset once the input clears; a restart then comes back off.
        s.sim_cmd("input", "fire-panel", "off")
        wait_for(lambda: s.ctl("fire")["awaiting_reset"], 5, "awaiting reset")
        s.run_ctl("fire", "reset", check=True)
        assert s.ctl("fire")["mode"] == "off"
        assert s.stop_lobbyd() == 0
        s.start_lobbyd()
        assert s.ctl("fire")["mode"] == "off"
    finally:
        if s is not None:
            s.close()
        disk.close()


run_tests("test_diskfull")
