"""
The layers of the source tree (docs/ARCHITECTURE.md), checked from the
#include lines: a file may include its own folder's headers and those of
lower layers, never a higher one or a neighbour of its own layer. Prints one
line per breach and the closing "N passed, N failed" line tests/run counts.
"""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
LAYERS = {
    "common": 0,
    "config": 1,
    "drivers": 2, "db": 2, "rules": 2,
    "engine": 3,
    "control": 4,
    "daemon": 5, "lobbyctl": 5, "sim": 5, "web": 5,
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main():
    passed = failed = 0
    for folder, rank in sorted(LAYERS.items()):
        for name in sorted(os.listdir(os.path.join(ROOT, folder))):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(folder, name)
            with open(os.path.join(ROOT, path)) as f:
                text = f.read()
            for inc in INCLUDE.findall(text):
                target = os.path.normpath(os.path.join(folder, inc))
                tfolder = target.split(os.sep)[0]
                if tfolder == folder:
                    passed += 1
                    continue
                trank = LAYERS.get(tfolder)
                if trank is None or trank >= rank:
                    failed += 1
                    why = "outside the layers" if trank is None else \
                        "a higher layer" if trank > rank else "a neighbour of its layer"
                    print(f"{path}: includes {target}: {why}")
                else:
                    passed += 1
    print(f"layers: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
