"""Cost of reading a registry of 100 drop-ins in-process, against a bare interpreter start.

Once a unit test's wall-clock assertion (100 drop-ins under 40 ms); a ratio here instead.
Prints the best of RUNS ``load_registry`` calls on 100 drop-ins, divided by the median of
``-I -c pass`` of the same interpreter.  Target: <= 0.5 x baseline (every spec parse pays
it once).  Exit status 1 when the target is missed.
Usage: python benchmarks/registry_load.py [RUNS]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

from rpm_pyconfig.registry import load_registry

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from foreach_eval import make_registry  # the same drop-ins as that benchmark


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    starts = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", "pass"], check=True)
        starts.append(time.perf_counter() - start)
    base = statistics.median(starts) * 1000
    with tempfile.TemporaryDirectory() as directory:
        make_registry(directory, 100)
        loads = []
        for _ in range(runs):
            start = time.perf_counter()
            registry = load_registry([directory], explicit=True)
            loads.append(time.perf_counter() - start)
        assert len(registry) == 100
    best = min(loads) * 1000
    ratio = best / base
    print(f"interpreter: {sys.executable} ({runs} runs each)")
    print(f"baseline  -I -c pass (median):     {base:6.1f} ms")
    print(f"load_registry, 100 drop-ins (best): {best:6.1f} ms = {ratio:.2f} x baseline "
          "(target <= 0.5)")
    ok = ratio <= 0.5
    print("result:", "target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
