"""Cost of ``rpm-pyconfig --foreach --eval`` (paid on every spec parse) against a bare interpreter.

Prints, from one run, the median wall time of

    rpm-pyconfig --confdir D --foreach --eval '@confpkg-foo'

with 3 and with 100 runtimes, divided by the median of the same interpreter running
``-I -c pass``.  Targets: 3 runtimes <= 2.0 x baseline; 100 runtimes <= 1.3 x the 3-runtime
time.  Exit status 1 when a target is missed.  Usage: python benchmarks/foreach_eval.py [RUNS]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import rpm_pyconfig

CONF = """\
[runtime]
name = {name}
implementation = cpython
version = 3.{minor}.2
interpreter = /usr/bin/python3.{minor}
package_prefix = {name}
purelib = /usr/lib/python3/dist-packages
platlib = /usr/lib/python3/dist-packages
soabi = cpython-3{minor}-x86_64-linux-gnu
ext_suffix = .cpython-3{minor}-x86_64-linux-gnu.so
cache_tag = cpython-3{minor}
priority = {priority}
"""


def make_registry(directory: str, count: int) -> None:
    for index in range(count):
        name = f"python3-r{index:03d}"
        text = CONF.format(name=name, minor=10 + index % 5, priority=index)
        with open(os.path.join(directory, f"{name}.conf"), "w", encoding="utf-8") as conf:
            conf.write(text)


def medians_ms(commands: list[list[str]], runs: int) -> list[float]:
    """Median wall time of each command; runs are interleaved so drift hits all alike."""
    samples: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for command, times in zip(commands, samples):
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
    return [statistics.median(times) * 1000 for times in samples]


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    tool = shutil.which("rpm-pyconfig", path=os.path.dirname(sys.executable))
    if tool is None:
        print("rpm-pyconfig is not installed next to this interpreter", file=sys.stderr)
        return 2
    with open(tool, encoding="utf-8") as script:
        interpreter = script.readline()[2:].strip()
    # Installed packages are byte-compiled; make sure ours is (PYTHONDONTWRITEBYTECODE may be set).
    subprocess.run(
        [interpreter, "-m", "compileall", "-q", os.path.dirname(rpm_pyconfig.__file__)], check=True
    )
    with tempfile.TemporaryDirectory() as three, tempfile.TemporaryDirectory() as hundred:
        make_registry(three, 3)
        make_registry(hundred, 100)
        eval_args = ["--foreach", "--eval", "@confpkg-foo"]
        # Warm the page cache first.
        for directory in (three, hundred):
            subprocess.run([tool, "--confdir", directory, *eval_args], check=True,
                           stdout=subprocess.DEVNULL)
        base, t3, t100 = medians_ms(
            [
                [interpreter, "-I", "-c", "pass"],
                [tool, "--confdir", three, *eval_args],
                [tool, "--confdir", hundred, *eval_args],
            ],
            runs,
        )
    ratio3, ratio100 = t3 / base, t100 / t3
    print(f"interpreter: {interpreter} ({runs} runs each, medians)")
    print(f"baseline  {interpreter} -I -c pass: {base:6.1f} ms")
    print(f"3 runtimes:   {t3:6.1f} ms  = {ratio3:.2f} x baseline     (target <= 2.0)")
    print(f"100 runtimes: {t100:6.1f} ms  = {ratio100:.2f} x 3 runtimes (target <= 1.3)")
    ok = ratio3 <= 2.0 and ratio100 <= 1.3
    print("result:", "targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
