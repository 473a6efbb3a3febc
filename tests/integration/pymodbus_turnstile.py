#!/usr/bin/python3
"""
A "tripod-a" turnstile (conf/demo/site.conf) served by pymodbus, Debian's
independent Modbus implementation, over TCP or over RTU on a pseudo-terminal.
Opening it for entry or exit moves the passage counter after --pass-delay;
with --reply-delay the reply to an open comes that much later (the turnstile
opens at once, its answer is late). Each accepted command is printed as
"write <name>" on stdout.

  pymodbus_turnstile.py tcp PORT [--unit N]
  pymodbus_turnstile.py rtu LINK_PATH [--unit N] [--baud B]
      (makes a null-modem pair of ptys; LINK_PATH becomes a symlink to the
       end lobbyd opens, pymodbus serves the other end)
"""
import argparse
import asyncio
import os
import sys
import threading
import time
import tty

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server import StartAsyncSerialServer, StartAsyncTcpServer
from pymodbus.transaction import ModbusRtuFramer

IDLE, PASSING, FAULT = 0, 1, 2
COMMANDS = {1: "open_entry", 2: "open_exit", 3: "free", 4: "lock"}


class Turnstile:
    def __init__(self, pass_delay, reply_delay=0.0):
        self.inputs = ModbusSequentialDataBlock(0, [IDLE, 0, 0, 0])
        self.pass_delay = pass_delay
        self.reply_delay = reply_delay
        self.lock = threading.Lock()

    def command(self, value):
        name = COMMANDS.get(value)
        if name is None:
            return
        print(f"write {name}", flush=True)
        if name in ("open_entry", "open_exit"):
            self.inputs.setValues(0, [PASSING])
            reg = 1 if name == "open_entry" else 2
            threading.Timer(self.pass_delay, self.passed, args=(reg,)).start()
            if self.reply_delay > 0:
                time.sleep(self.reply_delay)    # holds this reply back

    def passed(self, reg):
        with self.lock:
            count = self.inputs.getValues(reg, 1)[0]
            self.inputs.setValues(reg, [(count + 1) & 0xFFFF])
            self.inputs.setValues(0, [IDLE])


class CommandBlock(ModbusSequentialDataBlock):
    def __init__(self, turnstile):
        super().__init__(0, [0] * 8)
        self.turnstile = turnstile

    def setValues(self, address, values):  # noqa: N802 (pymodbus's name)
        super().setValues(address, values)
        if address == 0 and values:
            self.turnstile.command(values[0])


def null_modem(link_path):
    """Two ptys joined back to back; returns the path pymodbus should open."""
    ends = []
    for _ in range(2):
        master, slave = os.openpty()
        tty.setraw(slave)
        ends.append((master, slave, os.ttyname(slave)))
    (ma, _, path_a), (mb, _, path_b) = ends

    def pump(src, dst):
        while True:
            try:
                data = os.read(src, 4096)
            except OSError:
                return
            os.write(dst, data)

    for src, dst in ((ma, mb), (mb, ma)):
        threading.Thread(target=pump, args=(src, dst), daemon=True).start()
    if os.path.islink(link_path):
        os.unlink(link_path)
    os.symlink(path_b, link_path)
    return path_a


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("tcp", "rtu"))
    ap.add_argument("where")
    ap.add_argument("--unit", type=int, default=1)
    ap.add_argument("--baud", type=int, default=19200)
    ap.add_argument("--pass-delay", type=float, default=0.2)
    ap.add_argument("--reply-delay", type=float, default=0.0)
    a = ap.parse_args()

    ts = Turnstile(a.pass_delay, a.reply_delay)
    slave = ModbusSlaveContext(ir=ts.inputs, hr=CommandBlock(ts), zero_mode=True)
    context = ModbusServerContext(slaves={a.unit: slave}, single=False)
    if a.mode == "tcp":
        print("serving tcp", flush=True)
        await StartAsyncTcpServer(context=context, address=("127.0.0.1", int(a.where)))
    else:
        port = null_modem(a.where)
        print("serving rtu", flush=True)
        await StartAsyncSerialServer(context=context, framer=ModbusRtuFramer, port=port,
                                     baudrate=a.baud, bytesize=8, parity="N", stopbits=1,
                                     ignore_missing_slaves=True)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
