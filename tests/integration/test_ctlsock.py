"""
The control socket under a user who holds on to it, against the real lobbyd
and lobbyctl: a guard's idle connections are capped per user and never keep
root or a manager out (DESIGN invariant 7); refused users are told why
before the connection closes, and lobbyctl prints it; idle connections that
follow nothing are closed; followers are counted apart; refusals reach the
log at a bounded rate, with a summary. Run with /usr/bin/python3.
"""
import json
import os
import re
import socket
import subprocess
import time

from lobbytest import DEMO_CONF, LOBBYCTL, Site, run_tests, test, wait_for

SETPRIV = "/usr/bin/setpriv"
CLERK = 4100        # a front-desk clerk's uid (no name needed)

ROLES = """
roles = {
	guard = [ "users" ];
	frontdesk = [ "staff" ];
	manager = [ "root" ];
};
"""

# A user's many connections, driven line by line on stdin; each command
# answers with one JSON line. Every loop is bounded.
#	open N       N connections, each asked "status": how many were
#	             admitted, and what the refused ones were told
#	follow K     K of the admitted ones start following events
#	check S      after S seconds, which admitted ones lobbyd closed, and what
#	             it said
#	flood S      connect and close for S seconds (at most 20000 times)
#	quit
HOG = r'''
import json, select, socket, sys, time

path = sys.argv[1]
held = []       # admitted, still open
follows = []


def ask(s, line, timeout=5.0):
    """Sends a line, reads one line back: (text, closed_after)."""
    try:
        s.sendall(line)
    except OSError:
        pass        # refused before the request: what it was told is still there
    s.settimeout(timeout)
    buf = b""
    try:
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    except OSError:
        pass
    return buf.decode(errors="replace").strip()


def open_one():
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    reply = ask(s, b'{"cmd": "status"}\n')
    try:
        ok = json.loads(reply).get("ok") is True
    except ValueError:
        ok = False
    if ok:
        held.append(s)
        return None
    s.close()
    try:
        return json.loads(reply).get("error", "")
    except ValueError:
        return reply        # "" when closed without a word


for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    if words[0] == "open":
        before = len(held)
        refused = [r for r in (open_one() for _ in range(int(words[1]))) if r is not None]
        print(json.dumps({"admitted": len(held) - before, "refused": refused}))
    elif words[0] == "follow":
        out = []
        for s in [x for x in held if x not in follows][:int(words[1])]:
            r = ask(s, b'{"cmd": "events", "args": {"follow": true, "limit": 1}}\n')
            out.append(r)
            if r.replace(" ", "").startswith('{"ok":true'):
                follows.append(s)
        print(json.dumps({"replies": out}))
    elif words[0] == "check":
        time.sleep(float(words[1]))
        closed, said = 0, []
        for s in list(held):
            if s in follows:
                continue
            r, _, _ = select.select([s], [], [], 0)
            if not r:
                continue
            s.settimeout(1.0)
            buf = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
            except OSError:
                pass
            closed += 1
            said.append(buf.decode(errors="replace").strip())
            held.remove(s)
            s.close()
        print(json.dumps({"closed": closed, "said": said, "open": len(held),
                          "following": len(follows)}))
    elif words[0] == "flood":
        end = time.monotonic() + float(words[1])
        n = 0
        while time.monotonic() < end and n < 20000:
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(path)
                s.settimeout(2.0)
                s.recv(4096)
            except OSError:
                pass
            s.close()
            n += 1
        print(json.dumps({"tries": n}))
    elif words[0] == "quit":
        break
    sys.stdout.flush()
'''


class Hog:
    """A python process as user (a name or a number) with these groups,
    holding connections to lobbyd; stopped by its pid."""

    def __init__(self, s, user, groups):
        path = os.path.join(s.dir, "hog.py")
        if not os.path.exists(path):
            with open(path, "w") as f:
                f.write(HOG)
        self.p = subprocess.Popen(
            [SETPRIV, f"--reuid={user}", "--regid=nogroup", f"--groups={groups}",
             "/usr/bin/python3", path, s.sock],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def do(self, *words):
        self.p.stdin.write(" ".join(map(str, words)) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        assert line, f"hog ended without answering {words}"
        return json.loads(line)

    def stop(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.write("quit\n")
                self.p.stdin.close()
                self.p.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self.p.kill()
                self.p.wait(5)


def site(control=""):
    """The demo site with roles; control settings added to its control
    section; readable by nobody."""
    text = open(DEMO_CONF).read().replace(
        'socket = "@DIR@/control.sock";', 'socket = "@DIR@/control.sock"; ' + control) + ROLES
    s = Site(text)
    os.chmod(s.dir, 0o755)
    os.chmod(os.path.dirname(os.path.abspath(LOBBYCTL)), 0o755)
    return s


def as_user(s, user, groups, *args, timeout=10):
    argv = [SETPRIV, f"--reuid={user}", "--regid=nogroup", f"--groups={groups}",
            os.path.abspath(LOBBYCTL), "-s", s.sock, *map(str, args)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def refusal_lines(s):
    return [ln for ln in s.log().splitlines() if "control: refused" in ln]


@test(slow=True)
def a_guard_with_many_connections_keeps_nobody_out_and_the_log_stays_short():
    s = site()      # the defaults: 64 connections, 16 kept for managers, 8 per user
    hogs = []
    try:
        guard = Hog(s, "nobody", "users")
        hogs.append(guard)
        r = guard.do("open", 70)
        assert r["admitted"] == 8, r
        assert len(r["refused"]) == 62, r
        for msg in r["refused"]:
            assert "connection refused: you (nobody) already hold 8 connections to " \
                   "lobbyd, the limit per user" in msg, r["refused"][:3]
        # lobbyctl says so, in lobbyd's words, and exits 1.
        c = as_user(s, "nobody", "users", "status")
        assert c.returncode == 1, c
        assert c.stderr.startswith("lobbyctl: connection refused: you (nobody) already "
                                   "hold 8 connections"), c.stderr
        assert "Broken pipe" not in c.stderr, c.stderr

        # Root, a manager, gets in and works a lane; another user (a
        # front-desk clerk) is not kept out either.
        assert s.ctl("status")["roles"] == "manager"
        r0 = s.run_ctl("lane", "open", "lane1", "entry", "--reason", "hog test")
        assert r0.returncode == 0, r0.stderr
        d = as_user(s, CLERK, "staff", "--json", "status")
        assert d.returncode == 0, d.stderr
        assert json.loads(d.stdout)["roles"] == "frontdesk"

        # A user who may not use lobbyd at all is told so.
        n = as_user(s, "nobody", "nogroup", "status")
        assert n.returncode == 1, n
        assert n.stderr.startswith("lobbyctl: not authorised: you (nobody) are not in a "
                                   "group allowed to use lobbyd"), n.stderr

        # Reconnecting as fast as it can: thousands of refusals, a few lines.
        t0 = time.monotonic()
        f = guard.do("flood", 2)
        assert f["tries"] > 200, f
        mine = [ln for ln in refusal_lines(s) if "nobody" in ln]
        assert len(mine) == 2, mine     # the guard's first, the stranger's
        assert any("the limit per user" in ln for ln in mine), mine
        assert s.lobbyd.alive() and s.ctl("status")

        # Five more guards at their cap: 48 connections, all but those kept
        # for managers. A sixth guard and a front-desk clerk find no room;
        # root still gets in and works.
        for uid in range(4001, 4006):
            hogs.append(Hog(s, uid, "users"))
            r = hogs[-1].do("open", 8)
            assert r["admitted"] == 8, (uid, r)
        hogs.append(Hog(s, 4006, "users"))
        r = hogs[-1].do("open", 2)
        assert r["admitted"] == 0, r
        assert "lobbyd is busy: the 48 connections open to users other than managers " \
               "are in use" in r["refused"][0], r
        d = as_user(s, CLERK, "staff", "status")
        assert d.returncode == 1 and "lobbyctl: lobbyd is busy" in d.stderr, d
        assert s.ctl("status")["roles"] == "manager"
        r0 = s.run_ctl("lane", "open", "lane2", "entry", "--reason", "still in")
        assert r0.returncode == 0, r0.stderr

        # Within a minute of the first refusal, without any further one,
        # one line sums up the rest with their count.
        def summary():
            return [ln for ln in refusal_lines(s) if re.search(
                r"refused nobody \(uid 65534\) \d+ more times in the last 60 s", ln)]
        got = wait_for(summary, timeout=75 - (time.monotonic() - t0),
                       what="the refusals' summary")
        count = int(re.search(r"\) (\d+) more times", got[0]).group(1))
        assert count >= f["tries"], (count, f)
        lines = refusal_lines(s)
        # The guard's first and summary, the stranger's, the sixth guard's
        # first and summary, the clerk's: never a line a refusal.
        assert len(lines) <= 6, lines
    finally:
        for h in hogs:
            h.stop()
        s.close()


@test
def idle_connections_close_and_followers_count_apart():
    s = site("idle_timeout_s = 2; per_user = 4; followers_per_user = 6;")
    guard = None
    try:
        guard = Hog(s, "nobody", "users")
        r = guard.do("open", 4)
        assert r["admitted"] == 4 and not r["refused"], r
        # Followers are counted apart: the four become followers, and the
        # user may open four more to send commands.
        f = guard.do("follow", 4)
        assert all(x.replace(" ", "").startswith('{"ok":true') for x in f["replies"]), f
        r = guard.do("open", 5)
        assert r["admitted"] == 4 and len(r["refused"]) == 1, r
        assert "the limit per user" in r["refused"][0], r
        # Up to six followers; the seventh is refused with the reason, and
        # lobbyctl shows it.
        f = guard.do("follow", 3)
        assert [x.replace(" ", "").startswith('{"ok":true') for x in f["replies"]] == \
            [True, True, False], f
        assert "too many followers: you (nobody) already follow with 6 connections, " \
               "the limit per user" in f["replies"][2], f
        c = as_user(s, "nobody", "users", "events", "--follow", timeout=15)
        assert c.returncode == 1, c
        assert c.stderr.startswith("lobbyctl: too many followers: you (nobody)"), c.stderr

        # A connection that keeps asking is not idle.
        busy = socket.socket(socket.AF_UNIX)
        busy.connect(s.sock)
        busy.settimeout(3)
        for _ in range(4):
            busy.sendall(b'{"cmd": "status"}\n')
            assert b'"ok"' in busy.recv(65536)
            time.sleep(1.0)
        # Idle ones (no request for 2 s, the loop above took 4) are closed
        # with a word; followers stay and still get what happens.
        chk = guard.do("check", 0.1)
        assert chk["closed"] == 2 and chk["following"] == 6, chk
        assert all("idle for 2 s" in x for x in chk["said"]), chk
        busy.sendall(b'{"cmd": "status"}\n')
        assert b'"ok"' in busy.recv(65536)
        busy.close()
        follower = subprocess.Popen([LOBBYCTL, "-s", s.sock, "--json", "events",
                                     "--follow", "--since", "now"],
                                    stdout=subprocess.PIPE, text=True)
        try:
            time.sleep(3.0)     # longer than the idle timeout
            s.run_ctl("lane", "open", "lane1", "entry", "--reason", "follow test", check=True)
            seen = []
            for _ in range(20):     # the reply's rows, then the updates
                line = follower.stdout.readline()
                if not line:
                    break
                seen.append(line)
                if line.startswith("{") and json.loads(line).get("kind") == "manual_open":
                    break
            assert seen and "manual_open" in seen[-1], seen
        finally:
            follower.terminate()
            follower.wait(5)
        # The guard has room again.
        assert as_user(s, "nobody", "users", "status").returncode == 0
        # Refusals counted and not yet summed up are not lost at a stop.
        r = guard.do("open", 7)
        assert r["admitted"] == 4 and len(r["refused"]) == 3, r
        assert s.stop_lobbyd() == 0
        assert re.search(r"refused nobody \(uid 65534\) 3 more times in the last 60 s: "
                         r"at its limit of connections", s.log()), refusal_lines(s)
        assert re.search(r"refused nobody \(uid 65534\) 1 more times in the last 60 s: "
                         r"at its limit of followers", s.log()), refusal_lines(s)
    finally:
        if guard is not None:
            guard.stop()
        s.close()


@test
def a_long_list_read_through_a_pager_is_not_cut_short():
    s = site("idle_timeout_s = 2;")
    try:
        path = os.path.join(s.dir, "cards.csv")
        with open(path, "w") as f:
            f.write("uid,holder\n")
            for i in range(5000):
                f.write(f"4{i:09X},Holder {i}\n")
        s.run_ctl("card", "import", path, check=True)
        # The first page fills the pipe; nobody reads it for longer than
        # lobbyd keeps an idle connection. lobbyctl asks for the next page
        # again on a new connection and the list arrives whole.
        p = subprocess.Popen([LOBBYCTL, "-s", s.sock, "card", "list"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3.5)
        out, err = p.communicate(timeout=30)
        assert p.returncode == 0 and err == "", (p.returncode, err)
        assert out.count("\n") == 5001, out.count("\n")
        assert "Holder 0 " in out and "Holder 4999" in out, out[-300:]
    finally:
        s.close()


if __name__ == "__main__":
    run_tests("ctlsock", case_jobs=3)
