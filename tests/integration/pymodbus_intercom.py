#!/usr/bin/python3
"""
"icom-a" intercom stations (tests/integration/test_intercom.py) served by
pymodbus, Debian's independent Modbus implementation, over TCP: one station
per unit. Lines read from FIFO drive them: "UNIT ring", "UNIT answer",
"UNIT hangup", "UNIT door open|closed". Each release or forward write is
printed as "write UNIT release|forward VALUE" on stdout.

  pymodbus_intercom.py PORT FIFO [--units 1,2]
"""
import argparse
import asyncio
import os
import sys
import threading

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server import StartAsyncTcpServer

CALL = {"hangup": 0, "ring": 1, "answer": 2}
FORWARD_REG = 10


class WriteLog(ModbusSequentialDataBlock):
    """Coil 0 (the release) or holding register 10 (forward): logged."""

    def __init__(self, unit, kind, size):
        super().__init__(0, [0] * size)
        self.unit, self.kind = unit, kind

    def setValues(self, address, values):  # noqa: N802 (pymodbus's name)
        super().setValues(address, values)
        for i, v in enumerate(values):
            addr = address + i
            if self.kind == "release" and addr == 0:
                print(f"write {self.unit} release {int(bool(v))}", flush=True)
            elif self.kind == "forward" and addr == FORWARD_REG:
                print(f"write {self.unit} forward {int(v)}", flush=True)


class Station:
    def __init__(self, unit):
        self.ir = ModbusSequentialDataBlock(0, [0] * 2)      # input:0 call state
        self.di = ModbusSequentialDataBlock(0, [0] * 2)      # discrete:0 button, 1 door
        self.co = WriteLog(unit, "release", 2)
        self.hr = WriteLog(unit, "forward", 12)
        self.ctx = ModbusSlaveContext(ir=self.ir, di=self.di, co=self.co, hr=self.hr,
                                      zero_mode=True)

    def do(self, words):
        if words[0] in CALL and len(words) == 1:
            self.ir.setValues(0, [CALL[words[0]]])
            self.di.setValues(0, [1 if words[0] == "ring" else 0])
        elif words[0] == "door" and len(words) == 2 and words[1] in ("open", "closed"):
            self.di.setValues(1, [1 if words[1] == "open" else 0])
        else:
            print(f"bad command {' '.join(words)}", flush=True)


def read_fifo(path, stations):
    while True:
        with open(path) as f:
            for line in f:
                words = line.split()
                if len(words) < 2 or not words[0].isdigit() or int(words[0]) not in stations:
                    print(f"bad line {line.strip()}", flush=True)
                    continue
                stations[int(words[0])].do(words[1:])
                print(f"did {line.strip()}", flush=True)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("fifo")
    ap.add_argument("--units", default="1")
    a = ap.parse_args()

    stations = {int(u): Station(int(u)) for u in a.units.split(",")}
    if not os.path.exists(a.fifo):
        os.mkfifo(a.fifo)
    threading.Thread(target=read_fifo, args=(a.fifo, stations), daemon=True).start()
    context = ModbusServerContext(slaves={u: s.ctx for u, s in stations.items()},
                                  single=False)
    print("serving tcp", flush=True)
    await StartAsyncTcpServer(context=context, address=("127.0.0.1", a.port))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
