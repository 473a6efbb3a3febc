"""
make demo's scene (conf/demo/run) plays through, shows what the front desk
should see, and stops every process it started, after the scene (--once) and
on Ctrl-C. Run with /usr/bin/python3.
"""
import os
import re
import shutil
import signal
import subprocess
import time

from lobbytest import BUILD, ROOT, free_port, run_tests, test, wait_for

RUN = os.path.join(ROOT, "conf", "demo", "run")


def pids_of(out):
    m = re.search(r"lobbyd pid (\d+), lobbysim pid (\d+)", out)
    assert m, out
    return int(m.group(1)), int(m.group(2))


def forget(out):
    """Removes the demo's directory (it keeps it for a person to look at)."""
    m = re.search(r"its files \(database, logs\) are in (/tmp/lobbyd-demo\.\w+)", out)
    if m:
        shutil.rmtree(m.group(1), ignore_errors=True)


def gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def demo_env():
    """The demo's web console on a port of its own, not 8080: another demo
    or test may be running."""
    return {**os.environ, "LOBBYWEB_PORT": str(free_port())}


@test
def the_scene_plays_and_everything_stops():
    r = subprocess.run([RUN, BUILD, "--once"], capture_output=True, text=True, timeout=120,
                       env=demo_env())
    out = r.stdout
    assert r.returncode == 0, (r.returncode, out[-2000:], r.stderr[-2000:])
    for want in ("Access granted", "Card not known", "Card disabled", "Card expired",
                 "passed", "Turnstile not answering", "Turnstile in fault",
                 "courier with a trolley", "bad read", "not answering: connect"):
        assert want in out, f"{want!r} missing from the demo's output:\n{out}"
    # The courier, registered with the ID number on standard input, is
    # inside: confirmed by the host and let in.
    scene = out.split("The host confirms by phone")[1].split("Devices at the end")[0]
    assert "Li Wei" in scene, out
    assert "lobbyctl: " not in r.stderr, r.stderr
    # The devices table at the end: everything back online.
    table = out.split("Devices at the end of the scene")[1].split("Alerts raised")[0]
    rows = [ln for ln in table.splitlines() if ln.startswith(("ts", "rd"))]
    assert len(rows) == 9 and all("online" in ln for ln in rows), table  # rd-el1 too
    for pid in pids_of(out):
        wait_for(lambda: gone(pid), timeout=3, what=f"pid {pid} gone")
    forget(out)


@test
def ctrl_c_stops_every_process_it_started():
    # As from a terminal: Ctrl-C's signal not ignored, even when this test
    # runs under a runner started in the background, which ignores it (and a
    # shell cannot trap a signal ignored when it started).
    p = subprocess.Popen([RUN, BUILD], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, env=demo_env(),
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    out = ""
    try:
        end = time.monotonic() + 90
        while "Following the event feed" not in out and time.monotonic() < end:
            line = p.stdout.readline()
            if not line:
                break
            out += line
        assert "Following the event feed" in out, out
        os.kill(p.pid, signal.SIGINT)
        rest, _ = p.communicate(timeout=15)
        out += rest
        assert p.returncode == 0, (p.returncode, out[-1500:])
        assert "demo stopped" in out
        for pid in pids_of(out):
            wait_for(lambda: gone(pid), timeout=3, what=f"pid {pid} gone")
        children = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True)
        assert children.stdout.strip() == "", children.stdout
        forget(out)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)


if __name__ == "__main__":
    run_tests("test_demo", case_jobs=2)
