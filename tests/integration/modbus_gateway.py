#!/usr/bin/python3
"""
A Modbus TCP gateway on 127.0.0.1 with misbehaving units behind it, for the
fault tests. Requests for a forwarded unit go on to another Modbus TCP server
(pymodbus_turnstile.py) and its reply comes back unchanged; the other units
answer by themselves, each in its own bad way:

  trickle         a correct reply (registers all 0), one byte every --trickle-s
  wrong-unit      a correct reply at once, with another unit id
  wrong-protocol  ... with protocol id 1 instead of 0
  len0, lenffff   ... with an MBAP length of 0 or 0xFFFF

Each connection has its own thread: a master that gives up on a trickling
reply and connects again is served at once. Prints "serving" when listening
and "request UNIT" for each request read.

  modbus_gateway.py PORT [--forward UNIT:PORT]... [--unit UNIT:MODE]...
"""
import argparse
import socket
import struct
import sys
import threading
import time

MODES = ("trickle", "wrong-unit", "wrong-protocol", "len0", "lenffff")


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def own_reply(tid, unit, pdu, mode):
    """The reply of a unit served here: right for reads and writes, then
    spoiled as its mode says."""
    fc = pdu[0]
    if fc in (3, 4):
        count = struct.unpack(">H", pdu[3:5])[0]
        body = bytes([fc, 2 * count]) + bytes(2 * count)
    elif fc in (1, 2):
        count = struct.unpack(">H", pdu[3:5])[0]
        body = bytes([fc, (count + 7) // 8]) + bytes((count + 7) // 8)
    else:
        body = pdu[:5]              # writes: the echo
    pid, length, uid = 0, len(body) + 1, unit
    if mode == "wrong-unit":
        uid = (unit + 10) & 0xFF
    elif mode == "wrong-protocol":
        pid = 1
    elif mode == "len0":
        length = 0
    elif mode == "lenffff":
        length = 0xFFFF
    return struct.pack(">HHHB", tid, pid, length, uid) + body


def serve(conn, args, forward, modes):
    upstream = {}
    try:
        while True:
            hdr = recv_exact(conn, 7)
            if hdr is None:
                return
            tid, _pid, length, unit = struct.unpack(">HHHB", hdr)
            pdu = recv_exact(conn, length - 1) if length > 1 else None
            if pdu is None:
                return
            print(f"request {unit}", flush=True)
            if unit in forward:
                up = upstream.get(unit)
                if up is None:
                    up = socket.create_connection(("127.0.0.1", forward[unit]), 2)
                    upstream[unit] = up
                up.sendall(hdr + pdu)
                rh = recv_exact(up, 7)
                rest = recv_exact(up, struct.unpack(">H", rh[4:6])[0] - 1) if rh else None
                if rest is None:
                    return
                conn.sendall(rh + rest)
            elif unit in modes:
                reply = own_reply(tid, unit, pdu, modes[unit])
                if modes[unit] == "trickle":
                    for i, b in enumerate(reply):
                        if i > 0:
                            time.sleep(args.trickle_s)
                        conn.sendall(bytes([b]))
                else:
                    conn.sendall(reply)
            # any other unit: no answer, as a gateway with nothing there
    except OSError:
        return
    finally:
        conn.close()
        for up in upstream.values():
            up.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--forward", action="append", default=[])
    ap.add_argument("--unit", action="append", default=[])
    ap.add_argument("--trickle-s", type=float, default=0.4)
    args = ap.parse_args()
    forward = {int(u): int(p) for u, p in (f.split(":") for f in args.forward)}
    modes = {}
    for spec in args.unit:
        u, mode = spec.split(":")
        if mode not in MODES:
            sys.exit(f"unknown mode {mode}")
        modes[int(u)] = mode

    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(8)
    print("serving", flush=True)
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=serve, args=(conn, args, forward, modes),
                         daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
