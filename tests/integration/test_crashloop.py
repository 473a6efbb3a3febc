"""
The crash loop: lobbyd killed with SIGKILL at random moments, again and again,
while operators' actions (lobbyctl card add / card remove / shift note /
ticket open / person add / visitor register) and a stream of cards on the
lanes' readers (lobbysim) run. After each restart it checks:

- every action that lobbyctl reported done is in the database exactly once
  (a card removed: gone), one whose reply never came is there at most once,
  whole (a visitor with their pass, a ticket with its "opened" note), and one
  that could not connect is not there;
- PRAGMA integrity_check says ok;
- no process of the killed lobbyd's process group is left (its link workers);
- no turnstile was opened but for a card: every open a turnstile took matches a
  valid card shown on that lane's reader in that direction, by the lobbyd
  running at the time (a reader's input is flushed when its worker opens it, so
  a restarted lobbyd can only open for cards shown since it started), and no
  other command (free, lock) reached a turnstile at all.

CYCLES (default 20) is how many kills while running; about one in four
cycles also kills lobbyd while it is starting. CRASH_SEED picks the moments
(printed; the timing of the machine still varies). Run with /usr/bin/python3.
"""
import os
import random
import signal
import sqlite3
import threading
import time

from lobbytest import LOBBYD, Proc, Site, run_tests, test, wait_for

CYCLES = int(os.environ.get("CYCLES", "20"))
SEED = int(os.environ.get("CRASH_SEED", "0")) or random.SystemRandom().randrange(1, 2**31)
STAFF = [f"0A0000C0{i:02X}" for i in range(8)]     # valid on every lane
STRANGERS = [f"0B0000D0{i:02X}" for i in range(4)]  # no such card
# Reader -> (turnstile, the command a grant on it writes).
READERS = {"rd1-in": ("ts1", "open_entry"), "rd1-out": ("ts1", "open_exit"),
           "rd3-in": ("ts3", "open_entry"), "rd3-out": ("ts3", "open_exit")}
TURNSTILES = ("ts1", "ts2", "ts3")
MATCH_S = 3.0           # a grant's command follows its card within this
GONE_S = 5.0            # a killed lobbyd's workers are gone within this
# A frame lobbysim wrote to a reader's pty just before a lobbyd started can
# still be in the kernel's pty buffer (its flip buffer is pushed by a kernel
# worker) when the new reader worker flushes its input, and is read after:
# a valid card shown that recently may be decided by the new lobbyd.
IN_FLIGHT_S = 1.0
# What lobbyctl says when lobbyd went away before answering (exit 1, as
# for a refusal): the action may or may not have been done.
NO_ANSWER = ("closed the connection", "no reply from lobbyd within",
             "in the middle of a line", ": read: ", ": poll: ")


def proc_group(pgid):
    """[(pid, name)] of the live (not zombie) processes in process group pgid."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read()
        except OSError:
            continue
        name = st[st.index("(") + 1:st.rindex(")")]
        fields = st[st.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            out.append((int(d), name))
    return out


def group_is_lobbyd_and_workers(site):
    """Does lobbyd's process group hold lobbyd and the worker of each of
    its links (lobbyctl stats), and nothing else? What the check after a
    kill looks at is then where the workers are."""
    pid = site.lobbyd.pid
    links = site.ctl("stats")["links"]
    workers = {v["pid"] for v in links.values()}
    return (0 not in workers and len(workers) == len(links) and
            {p for p, _ in proc_group(pid)} == workers | {pid})


class Ledger:
    """What the operators asked for and what lobbyd answered. An action's
    state: "acked" (lobbyctl exited 0), "never" (lobbyctl could not connect)
    or "unknown" (no answer, or not yet). Cards also "removed" (a remove
    was acknowledged)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.actions = {}       # (kind, key) -> state
        self.n = 0
        self.tries = self.acked = self.refused = self.unreached = 0
        self.refusals = []

    def begin(self, kind, key):
        """The action's state before (None: new)."""
        with self.lock:
            before = self.actions.get((kind, key))
            self.actions[(kind, key)] = "unknown"
            self.tries += 1
            return before

    def end(self, kind, key, state):
        with self.lock:
            self.actions[(kind, key)] = state
            if state != "never":
                self.acked += 1

    def snapshot(self):
        with self.lock:
            return dict(self.actions)


class Operators(threading.Thread):
    """Runs lobbyctl actions one after another until stopped."""

    def __init__(self, site, ledger, rng):
        super().__init__(daemon=True)
        self.s, self.led, self.rng = site, ledger, rng
        self.stop = threading.Event()

    def act(self, kind, key, args, stdin=None, done="acked"):
        before = self.led.begin(kind, key)
        try:
            r = self.s.run_ctl(*args, timeout=10, stdin=stdin)
        except Exception:       # a timeout: no answer
            return
        if r.returncode == 0:
            self.led.end(kind, key, done)
        elif r.returncode == 3:         # never reached lobbyd
            self.led.end(kind, key, before or "never")
            self.led.unreached += 1
            self.stop.wait(0.005)
        elif not any(w in r.stderr for w in NO_ANSWER):
            with self.led.lock:
                self.led.refused += 1
                self.led.refusals.append(r.stderr.strip())

    def run(self):
        i = 0
        while not self.stop.is_set():
            i += 1
            k = self.rng.randrange(6)
            if k == 0:
                self.act("card", f"C1{i:08X}", ("card", "add", f"C1{i:08X}",
                                                 "--holder", f"H-{i}"))
            elif k == 1:
                with self.led.lock:
                    cards = [key for (kind, key), st in self.led.actions.items()
                             if kind == "card" and st == "acked" and key not in STAFF]
                if cards:
                    uid = self.rng.choice(cards)
                    self.act("card", uid, ("card", "remove", uid), done="removed")
            elif k == 2:
                self.act("note", f"note-{i}", ("shift", "note", f"note-{i}"))
            elif k == 3:
                self.act("ticket", f"T-{i}", ("ticket", "open", "--source", "site",
                                              "--title", f"T-{i}"))
            elif k == 4:
                self.act("person", f"P-{i}", ("person", "add", "--kind",
                                              "tenant_staff", "--name", f"P-{i}"))
            else:
                self.act("visitor", f"V-{i}", (
                    "visitor", "register", "--name", f"V-{i}", "--id-type", "passport",
                    "--id", "-", "--host-unit", "12F-1203", "--host", "Acme",
                    "--class", "ordinary", "--purpose", "meeting", "--appointment"),
                    stdin=f"E{i:08d}\n")
            self.stop.wait(self.rng.uniform(0, 0.006))


class Cards(threading.Thread):
    """Shows cards on the lanes' readers until stopped; each one lobbysim
    took is recorded with the monotonic times (ns) before and after."""

    def __init__(self, site, rng):
        super().__init__(daemon=True)
        self.s, self.rng = site, rng
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.shown = []         # (t0_ns, t1_ns, reader, uid, valid)

    def run(self):
        while not self.stop.is_set():
            reader = self.rng.choice(list(READERS))
            valid = self.rng.random() < 0.8
            uid = self.rng.choice(STAFF if valid else STRANGERS)
            t0 = time.monotonic_ns()
            try:
                self.s.card(reader, uid)
            except Exception:   # the reader's port not open: not shown
                pass
            else:
                with self.lock:
                    self.shown.append((t0, time.monotonic_ns(), reader, uid, valid))
            self.stop.wait(self.rng.uniform(0.03, 0.1))


class Turnstiles:
    """Reads each simulated turnstile's new command writes."""

    def __init__(self, site):
        self.s = site
        self.seen = {d: 0 for d in TURNSTILES}
        self.writes = []        # (t_ns, dev, cmd)

    def poll(self):
        for d in TURNSTILES:
            total = int(self.s.sim_status(d)["writes"])
            new = total - self.seen[d]
            assert 0 <= new <= 1024, f"{d}: {new} writes since the last look"
            if new:
                self.writes += [(t, d, c) for t, c in self.s.sim_writes(d)[-new:]]
            self.seen[d] = total


class Matcher:
    """Matches each turnstile write, oldest first, to a valid card shown for
    it, each card to one write at most; what is left over is a problem."""

    def __init__(self):
        self.used = set()
        self.done = 0           # writes looked at
        self.matched = 0
        self.problems = []

    def check(self, writes, shown, epochs, upto):
        """writes, shown: all so far; epochs: when each lobbyd was started;
        upto: look at the writes made before this (ns) only."""
        cands = sorted((t0, t1, r) for t0, t1, r, _, valid in shown if valid)
        todo = sorted(writes)[self.done:]
        for t_w, dev, cmd in todo:
            if t_w >= upto:
                break
            self.done += 1
            self.match(t_w, dev, cmd, cands, epochs)

    def match(self, t_w, dev, cmd, cands, epochs):
        if cmd not in ("open_entry", "open_exit"):
            self.problems.append(f"{dev}: {cmd} at {t_w}: nothing but a "
                                 "grant's open should reach a turnstile here")
            return
        # The lobbyd that sent it: the last started before it. Its readers'
        # input was flushed as it opened them, so its card was shown after
        # it started (the one before it was gone, and lobbysim done with
        # its last commands, when it started), or at most IN_FLIGHT_S
        # before, its bytes still on their way through the pty.
        start = max([e for e in epochs if e <= t_w], default=0)
        for i, (t0, t1, reader) in enumerate(cands):
            if (i not in self.used and READERS[reader] == (dev, cmd) and
                    t0 <= t_w and t_w - t0 <= MATCH_S * 1e9 and
                    t1 >= start - IN_FLIGHT_S * 1e9):
                self.used.add(i)
                self.matched += 1
                return
        self.problems.append(f"{dev}: {cmd} at {t_w} with no valid card shown "
                             f"for it since lobbyd started at {start}")


def check_store(db, ledger):
    """Counts each action's rows; returns a list of problems. The operators
    go on meanwhile: an action whose state changed while the database was
    read (a card removed in between) may be either way."""
    before = ledger.snapshot()
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10,
                        isolation_level=None)
    try:
        problems = []
        c.execute("BEGIN")      # one snapshot for every count
        ic = c.execute("PRAGMA integrity_check").fetchall()
        if ic != [("ok",)]:
            problems.append(f"integrity_check: {ic[:5]}")
        counts = {
            "card": dict(c.execute("SELECT uid, count(*) FROM cards GROUP BY uid")),
            "note": dict(c.execute("SELECT text, count(*) FROM shift_log "
                                   "WHERE kind = 'note' GROUP BY text")),
            "ticket": dict(c.execute(
                "SELECT t.title, count(*) FROM tickets t JOIN ticket_notes n "
                "ON n.ticket = t.id AND n.action = 'opened' GROUP BY t.title")),
            "person": dict(c.execute("SELECT name, count(*) FROM people "
                                     "WHERE kind = 'tenant_staff' GROUP BY name")),
            "visitor": dict(c.execute(
                "SELECT p.name, count(*) FROM people p JOIN passes s "
                "ON s.person = p.id WHERE p.kind = 'visitor' GROUP BY p.name")),
        }
        # Whole or not at all: a ticket without its note, a visitor without
        # a pass would be counted apart from the tables' own rows.
        bare = {
            "ticket": dict(c.execute("SELECT title, count(*) FROM tickets "
                                     "WHERE kind = 'manual' GROUP BY title")),
            "visitor": dict(c.execute("SELECT name, count(*) FROM people "
                                      "WHERE kind = 'visitor' GROUP BY name")),
        }
        c.execute("COMMIT")
    finally:
        c.close()
    after = ledger.snapshot()
    snap = {k: (v if after.get(k) == v else "unknown") for k, v in before.items()}
    for (kind, key), state in snap.items():
        n = counts[kind].get(key, 0)
        if kind in bare and bare[kind].get(key, 0) != n:
            problems.append(f"{kind} {key}: {bare[kind].get(key, 0)} rows but "
                            f"{n} whole")
        want = {"acked": (1,), "removed": (0,), "never": (0,),
                "unknown": (0, 1)}[state]
        if n not in want:
            problems.append(f"{kind} {key} ({state}): {n} rows")
    return problems


@test
def acknowledged_actions_survive_kill_9_and_a_restart_opens_no_lane():
    rng = random.Random(SEED)
    print(f"  seed {SEED}, {CYCLES} cycles")
    s = Site(start_lobbyd=False)
    led = Ledger()
    ops = cards = None
    epochs = []
    match = Matcher()
    log = os.path.join(s.dir, "lobbyd.log")
    stats = {"start_kills": 0, "workers": 0}
    t0 = time.monotonic()

    def spawn():
        epochs.append(time.monotonic_ns())
        s.lobbyd = Proc([LOBBYD, "-d", "-c", s.conf], log, start_new_session=True)

    def kill():
        pid = s.lobbyd.pid
        group = proc_group(pid)
        os.kill(pid, signal.SIGKILL)
        s.lobbyd.p.wait(10)
        s.lobbyd.stop()         # closes its log
        stats["workers"] += len(group) - 1
        try:
            wait_for(lambda: not proc_group(pid), timeout=GONE_S,
                     what=f"lobbyd {pid}'s workers to exit")
        except AssertionError:
            left = proc_group(pid)
            for p, _ in left:
                os.kill(p, signal.SIGKILL)
            raise AssertionError(f"left behind by lobbyd {pid}: {left}")
        # lobbysim finishes what the last workers wrote (an RTU frame ends
        # with 1.75 ms of silence) before the next lobbyd starts.
        time.sleep(0.02)
        s.sim_cmd("ping")
        s.sim_cmd("ping")

    def ready():
        wait_for(lambda: s.ctl("status"), timeout=10, what="lobbyd control socket")

    try:
        spawn()
        ready()
        for uid in STAFF:
            s.ctl("card", "add", uid, "--holder", f"Staff {uid}")
            led.begin("card", uid)
            led.end("card", uid, "acked")
        wait_for(lambda: s.device("ts1")["online"] and s.device("ts3")["online"],
                 timeout=10, what="turnstiles online")
        ts = Turnstiles(s)
        ops = Operators(s, led, random.Random(rng.random()))
        cards = Cards(s, random.Random(rng.random()))
        ops.start()
        cards.start()
        for cycle in range(CYCLES):
            time.sleep(rng.uniform(0.05, 0.8))
            kill()
            if rng.random() < 0.25:         # once more, while it starts
                spawn()
                time.sleep(rng.uniform(0, 0.04))
                kill()
                stats["start_kills"] += 1
            spawn()
            ready()
            wait_for(lambda: group_is_lobbyd_and_workers(s), timeout=10,
                     what="lobbyd's group: lobbyd and a worker for each link")
            problems = check_store(s.db, led)
            assert not problems, f"cycle {cycle}: " + "; ".join(problems[:10])
            # The writes of two seconds ago and before: their cards are
            # recorded by now.
            ts.poll()
            with cards.lock:
                shown = list(cards.shown)
            match.check(ts.writes, shown, epochs, time.monotonic_ns() - int(2e9))
            assert not match.problems, f"cycle {cycle}: " + "; ".join(match.problems[:10])
        time.sleep(0.3)
        ops.stop.set()
        cards.stop.set()
        ops.join(15)
        cards.join(15)
        assert not ops.is_alive() and not cards.is_alive(), "load threads hung"
        time.sleep(1.0)         # the last grants reach their turnstiles
        ts.poll()
        with cards.lock:
            shown = list(cards.shown)
        match.check(ts.writes, shown, epochs, time.monotonic_ns())
        assert not match.problems, "at the end: " + "; ".join(match.problems[:10])
        assert match.matched > 0, "no turnstile opened: the card stream is not working"
        problems = check_store(s.db, led)
        assert not problems, "at the end: " + "; ".join(problems[:10])
        assert led.refused == 0, \
            f"{led.refused} actions refused: {led.refusals[:5]}"
        n_unknown = sum(1 for v in led.snapshot().values() if v == "unknown")
        print(f"  {CYCLES} kills while running, each followed by a restart and "
              f"its checks, and {stats['start_kills']} while starting; {stats['workers']} workers "
              f"the killed lobbyds left, all gone; {len(shown)} cards shown, "
              f"{match.matched} turnstile opens each matched to one; "
              f"{time.monotonic() - t0:.1f} s")
        print(f"  actions: {led.acked} acknowledged, {n_unknown} unanswered, "
              f"{led.unreached} could not connect, of {led.tries}")
    finally:
        for th in (ops, cards):
            if th is not None:
                th.stop.set()
                th.join(15)
        s.close()


if __name__ == "__main__":
    run_tests("test_crashloop")
