#!/usr/bin/python3
"""
An "elev-a" elevator controller (tests/integration/test_elevator.py) served
by pymodbus, Debian's independent Modbus implementation, over TCP as unit 1:
the car at floor 3, stopped, door closed, normal service. Each write of the
floor-enable registers (holding 20, 21) is printed as "write 1 MASK" (hex,
both registers) on stdout.

  pymodbus_elevator.py PORT
"""
import argparse
import asyncio
import sys

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server import StartAsyncTcpServer

ENABLE = 20


class EnableLog(ModbusSequentialDataBlock):
    def setValues(self, address, values):  # noqa: N802 (pymodbus's name)
        super().setValues(address, values)
        if address <= ENABLE + 1 and address + len(values) > ENABLE:
            lo, hi = self.getValues(ENABLE, 2)
            print(f"write 1 {hi << 16 | lo:x}", flush=True)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    a = ap.parse_args()
    ir = ModbusSequentialDataBlock(0, [3, 0, 0, 0, 0, 0])   # floor 3, stopped, closed, normal
    di = ModbusSequentialDataBlock(0, [0, 0])
    hr = EnableLog(0, [0] * 24)
    ctx = ModbusSlaveContext(ir=ir, di=di, hr=hr, co=ModbusSequentialDataBlock(0, [0]),
                             zero_mode=True)
    print("serving tcp", flush=True)
    await StartAsyncTcpServer(context=ModbusServerContext(slaves={1: ctx}, single=False),
                              address=("127.0.0.1", a.port))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
