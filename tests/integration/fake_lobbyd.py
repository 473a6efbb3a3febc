#!/usr/bin/python3
"""A stand-in for lobbyd's control socket, to test lobbyctl alone.

    fake_lobbyd.py SOCKET SCRIPT LOG

Listens on the Unix socket SOCKET. For each request line it appends what it
got to LOG (one JSON object a line: {"conn": N} when a client connects,
{"request": {...}} or {"unparsed": "..."} per line) and answers from SCRIPT,
a JSON file read again for every request so a test can change it between
runs. SCRIPT maps a command name to what to do:

    {"reply": {...}}        send this object as the reply line
    {"replies": [{...}, ...]}  the first for the connection's first request
                            of this command, the next for the next, ...
                            (the last again once they run out): pages
    {"raw": "text"}         send these bytes instead of a reply
    {"raw": "", "close": true}  close the connection after sending
    {"push": [{...}, ...],  after the reply, send these lines one by one,
     "push_delay": 0.1,     this many seconds apart,
     "hold": false}         then close (hold: keep the connection open
                            until the client closes it)

A command not in SCRIPT gets {"ok": false, "error": "fake: unknown command"}.
"""
import json
import os
import signal
import socket
import sys
import threading
import time

log_lock = threading.Lock()


def log(path, obj):
    with log_lock:
        with open(path, "a") as f:
            f.write(json.dumps(obj) + "\n")


def serve(conn, n, script_path, log_path):
    log(log_path, {"conn": n})
    buf = b""
    asked = {}      # command -> requests of it on this connection
    try:
        conn.settimeout(30)
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                try:
                    req = json.loads(line)
                    log(log_path, {"request": req})
                except ValueError:
                    log(log_path, {"unparsed": line.decode("utf-8", "replace")})
                    conn.sendall(b'{"ok": false, "error": "fake: not JSON"}\n')
                    continue
                with open(script_path) as f:
                    script = json.load(f)
                what = script.get(req.get("cmd") if isinstance(req, dict) else None)
                if what is None:
                    conn.sendall(b'{"ok": false, "error": "fake: unknown command"}\n')
                    continue
                if "raw" in what:
                    conn.sendall(what["raw"].encode())
                elif "replies" in what:
                    i = asked.get(req["cmd"], 0)
                    asked[req["cmd"]] = i + 1
                    reply = what["replies"][min(i, len(what["replies"]) - 1)]
                    conn.sendall((json.dumps(reply) + "\n").encode())
                else:
                    conn.sendall((json.dumps(what["reply"]) + "\n").encode())
                if "push" in what:
                    for item in what["push"]:
                        time.sleep(what.get("push_delay", 0.1))
                        conn.sendall((json.dumps(item) + "\n").encode())
                    if not what.get("hold"):
                        return
                if what.get("close"):
                    return
    except OSError:
        return
    finally:
        conn.close()


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: fake_lobbyd.py SOCKET SCRIPT LOG\n")
        return 2
    sock_path, script_path, log_path = sys.argv[1:]
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # The socket appears under its name only once it listens: a client that
    # sees the file never finds it refusing.
    srv.bind(sock_path + ".new")
    srv.listen(8)
    os.rename(sock_path + ".new", sock_path)
    n = 0
    while True:
        conn, _ = srv.accept()
        n += 1
        threading.Thread(target=serve, args=(conn, n, script_path, log_path),
                         daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
