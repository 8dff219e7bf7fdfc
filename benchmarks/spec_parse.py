"""Cost of parsing a spec that uses the macros, against the same spec's static expansion.

For specs/python-coverage.spec and a generated spec with markers and extras
(tests/data/specgen/pure-markers-extras), with 3, 8 and 100 runtimes, prints from one run
the median wall time of ``rpmspec -P``

* of the spec's own expansion saved as a static file (the floor: rpm alone),
* with a current compiled registry (zero-fork mode),
* with a stale one (fork-fallback mode as on a system where the package compiled the
  registry: RPM_PYCONFIG_PATH names other directories; ``compile --lua`` runs once, by the
  interpreter the compiled registry names, ``-I -S`` (``rpm_pyconfig._fallback``, no
  ``cli``, no ``os``), the evaluator loaded with it reused),
* without one (fork-fallback mode as on a system where the package is installed and its
  compile failed on a broken drop-in: exactly what that leaves, made by running such a
  compile (``failed_compile()``), the package's ``macros.pyconfig-python`` and the
  evaluator's own bytecode with its macros file (``macros.pyconfig-registry-engine``, which
  compile writes before reading the drop-ins); ``compile --lua`` runs once, by the
  interpreter ``macros.pyconfig-python`` names, and rpm loads the evaluator from that
  bytecode instead of compiling its source; where it was never written, the source is
  compiled, as before: not measured here),
* without either (the macros file alone, as from a checkout: the console script
  ``rpm-pyconfig compile --lua`` runs once, with ``site``; shown, not a target),

their ratios, the zero-fork overhead per runtime, and the processes each parse starts:
calls of rpm-pyconfig (a counting wrapper on PATH) and every execve (strace, when
installed), the static parse's own shown for comparison.  Targets: zero-fork <= 1.2 x
static with 3 and 8 runtimes and <= 1.5 x with 100 (the issue's "100 runtimes <= 1.5 x the
3-runtime time" is printed too, with how much the static expansion itself grows: more than
that, so it cannot hold for any evaluator); fallback (stale, missing): one call,
<= 3 x static.  Exit
status 1 when a target is missed (judged on the better of wall and CPU time, the latter
for machines shared with other work).  With --floors, also what the 3-runtime coverage
parse costs when the stale fallback's command is replaced by ``cat`` of its output, by
an interpreter (``-I -S``) printing it (the floor of any fallback in Python), and by one
that imports ``configparser`` first (what the drop-ins' reader cost before it was ours).
With --zero-fork, only the static and zero-fork parses (the fallback columns show "-"; a
quicker run while working on the evaluator).  With --instructions, also the instructions each
parse executes, every process it starts included (valgrind's callgrind, user space only): a
measure that the machine's load does not move, for comparing versions on a busy machine; the
static and zero-fork parses are counted in four heap layouts (the spec read under names of
four lengths), their medians shown with the range of the ratio.
Usage: python benchmarks/spec_parse.py [--floors] [--zero-fork] [--instructions] [RUNS]
"""

from __future__ import annotations

import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MACROS = REPO / "macros" / "macros.pyconfig"
TOOL = Path(sys.executable).parent / "rpm-pyconfig"
COUNTS = (3, 8, 100)

CONF = """\
[runtime]
name = {name}
implementation = {implementation}
version = {version}
interpreter = {interpreter}
package_prefix = {name}
purelib = {site}
platlib = {site}
soabi = {soabi}
ext_suffix = .{soabi}.so
cache_tag = {soabi}
debug = {debug}
default = {default}
priority = {index}
"""


def make_registry(directory: Path, count: int) -> None:
    """*count* runtimes: CPython, debug and PyPy-like ones, each of its own version (3.9,
    3.10, ... 3.108: runtimes that would ship the same files cannot be compiled)."""
    directory.mkdir()
    for index in range(count):
        kind = index % 3
        minor = 9 + index
        name = ("python3", "python3-debug", "pypy3")[kind] + (f"-{index:03d}" if index > 2 else "")
        (directory / f"{name}.conf").write_text(CONF.format(
            name=name,
            implementation=("cpython", "cpython", "pypy")[kind],
            version=f"3.{minor}.{index % 4}",
            interpreter=sys.executable,
            site=f"/usr/lib/python3.{minor}/site-packages",
            soabi=f"{('cpython', 'cpython', 'pypy')[kind]}-3{minor}{'d' if kind == 1 else ''}",
            debug="true" if kind == 1 else "false",
            default="true" if index == 0 else "false",
            index=index,
        ), encoding="utf-8")


def environment(registry: Path, path_prefix: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{path_prefix}:{TOOL.parent}:{env.get('PATH', '/usr/bin:/bin')}"
    env["RPM_PYCONFIG_PATH"] = str(registry)
    return env


def counting_wrapper(directory: Path) -> Path:
    """A directory with an rpm-pyconfig that logs its calls, then runs the real one."""
    directory.mkdir()
    log = directory / "calls.log"
    wrapper = directory / "rpm-pyconfig"
    wrapper.write_text(f'#!/bin/sh\necho x >> {shlex.quote(str(log))}\n'
                       f'exec {shlex.quote(str(TOOL))} "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return log


def median_ms(commands: list[tuple[list[str], dict[str, str]]], runs: int
              ) -> list[tuple[float, float]]:
    """Median wall and CPU time (user + system, children included) of each command.

    Runs are interleaved so that drift hits all alike, after one untimed round (the first
    run of a command reads its new files from disk: the compiled registry just written, the
    static spec); CPU time is what to read on a machine shared with other work, where wall
    time mostly measures waiting.
    """
    samples: list[list[tuple[float, float]]] = [[] for _ in commands]
    for command, env in commands:
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    for _ in range(runs):
        for (command, env), times in zip(commands, samples):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            times.append((wall, cpu))
    return [(statistics.median(w for w, _ in times) * 1000,
             statistics.median(c for _, c in times) * 1000) for times in samples]


def processes(command: list[str], env: dict[str, str], log: Path, work: Path) -> tuple[int, str]:
    """rpm-pyconfig calls of one parse, and every execve but rpmspec's own (strace)."""
    log.write_text("")
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    calls = len(log.read_text().splitlines())
    if not shutil.which("strace"):
        return calls, "n/a"
    trace = work / "strace.out"
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=execve", "-o", str(trace), *command],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    execs = sum(1 for line in trace.read_text().splitlines() if "execve(" in line
                and "= 0" in line)
    return calls, str(execs - 1)


def failed_compile(directory: Path, path_prefix: Path) -> Path:
    """What the package's compile leaves when it fails on a drop-in (specs/rpm-pyconfig.spec,
    %pyconfig_compile: the compiled registry removed): the evaluator's bytecode and the
    macros file that loads it, which compile writes before it reads the drop-ins."""
    broken = directory / "rpm-pyconfig.d"
    broken.mkdir(parents=True)
    (broken / "broken.conf").write_text("[runtime\n", encoding="utf-8")
    output = directory / "macros.pyconfig-registry"
    done = subprocess.run([str(TOOL), "compile", "-o", str(output)],
                          env=environment(broken, path_prefix), check=False,
                          stderr=subprocess.DEVNULL)
    engine = directory / "macros.pyconfig-registry-engine"
    assert done.returncode != 0 and not output.exists() and engine.exists(), done
    return engine


def counting_python(compiled: Path, log: Path, work: Path) -> Path:
    """A copy of *compiled* whose fallback runs its interpreter through a wrapper that
    logs the call in *log* (for counting only: the wrapper's shell is not timed)."""
    text = compiled.read_text(encoding="ascii")
    lines = [line for line in text.splitlines() if line.startswith("%_pyconfig_python ")]
    if not lines:
        return compiled
    python = lines[0].split(" ", 1)[1]
    wrapper = work / "counting-python"
    wrapper.write_text(f'#!/bin/sh\necho x >> {shlex.quote(str(log))}\n'
                       f'exec {shlex.quote(python)} "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    counted = compiled.with_name(compiled.name + ".counted")
    counted.write_text(text.replace(lines[0], f"%_pyconfig_python {wrapper}"), encoding="ascii")
    return counted


def instructions(command: list[str], env: dict[str, str]) -> float:
    """Millions of instructions *command* and the processes it starts execute in user
    space (valgrind callgrind)."""
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           "--trace-children=yes", *command], env=env, check=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    refs = [line for line in done.stderr.splitlines() if "refs:" in line]
    return sum(int(line.split()[-1].replace(",", "")) for line in refs) / 1e6


#: Lengths added to the spec's file name for the static and zero-fork counts: rpm keeps that
#: name on its heap, so each one gives glibc another layout (allocations grow in steps of 16
#: bytes); the same code measures up to 0.4 M apart from one layout to another, all of it in
#: malloc_consolidate under lua_close.
LAYOUT_PADS = (0, 4, 8, 12)


def instructions_in_layouts(command: list[str], env: dict[str, str], work: Path
                            ) -> list[float]:
    """``instructions()`` of *command* once per ``LAYOUT_PADS``, its spec (the last word)
    read through a symbolic link whose name is that much longer."""
    spec = Path(command[-1])
    counted = []
    for pad in LAYOUT_PADS:
        link = work / f"layout-{'x' * pad}{spec.name}"
        if not link.is_symlink():
            link.symlink_to(spec)
        counted.append(instructions([*command[:-1], str(link)], env))
    return counted


def byte_compile() -> None:
    """Write the package's bytecode first, as an installed package has it: without it
    (PYTHONDONTWRITEBYTECODE, a read-only tree) every fallback call compiles the modules
    it imports again, and the measure is of the compiler."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "rpm_pyconfig")],
                   check=True, stdout=subprocess.DEVNULL)


def floor_rows(spec: Path, stale_compiled: Path, env: dict[str, str], work: Path, runs: int,
               static: tuple[float, float], stale: tuple[float, float]) -> None:
    """The stale fallback of one parse with its command replaced by ever less: where the
    floor of a fallback in Python is (printed as CPU ms and the ratio to static)."""
    output = work / "fallback.lua"
    python = next(line.split(" ", 1)[1] for line in stale_compiled.read_text().splitlines()
                  if line.startswith("%_pyconfig_python "))
    sitedir = next(line.split(" ", 1)[1] for line in stale_compiled.read_text().splitlines()
                   if line.startswith("%_pyconfig_sitedir "))
    code = ("import gc,sys;gc.disable();sys.path.insert(0,sys.argv.pop(1));"
            "from rpm_pyconfig._fallback import run;run()")
    with output.open("w") as stream:
        subprocess.run([python, "-I", "-S", "-c", code, sitedir, "compile", "--lua"], env=env,
                       check=True, stdout=stream)
    printer = f"import sys;sys.stdout.write(open({str(output)!r}).read())"
    tools = {
        "cat of its output (rpm's side only)": f"cat {output} #",
        "python -I -S printing it": f"{python} -I -S -c {shlex.quote(printer)} #",
        "... importing configparser first": (
            f"{python} -I -S -c {shlex.quote('import configparser;' + printer)} #"),
    }
    base = ["rpmspec", "-P", "--load", str(MACROS), "--load", str(stale_compiled)]
    commands = [([*base, "--define", f"pyconfig_tool {tool}", str(spec)], env)
                for tool in tools.values()]
    measured = median_ms(commands, runs)
    print("  floors of the stale fallback, coverage, 3 runtimes (CPU ms, ratio to static): "
          + "; ".join(f"{name} {cpu:.1f} = {cpu / static[1]:.2f}x"
                      for name, (_wall, cpu) in zip(tools, measured))
          + f"; the real one {stale[1]:.1f} = {stale[1] / static[1]:.2f}x")


def main() -> int:
    arguments = sys.argv[1:]
    floors = "--floors" in arguments
    zero_only = "--zero-fork" in arguments
    counting = "--instructions" in arguments
    if "-h" in arguments or "--help" in arguments:
        print(__doc__)
        return 0
    if counting and not shutil.which("valgrind"):
        print("--instructions: valgrind is not installed", file=sys.stderr)
        return 2
    arguments = [word for word in arguments
                 if word not in ("--floors", "--zero-fork", "--instructions")]
    if len(arguments) > 1 or (arguments and not (arguments[0].isdigit() and int(arguments[0]) > 0)):
        print(f"spec_parse.py: unknown arguments {' '.join(arguments)!r}; see --help",
              file=sys.stderr)
        return 2
    runs = int(arguments[0]) if arguments else 10
    failed = False
    byte_compile()
    with tempfile.TemporaryDirectory() as name:
        work = Path(name)
        log = counting_wrapper(work / "bin")
        generated = work / "python-markers.spec"
        subprocess.run([str(TOOL), "spec", str(REPO / "tests/data/specgen/pure-markers-extras"),
                        "-o", str(generated)], check=True, stderr=subprocess.DEVNULL)
        specs = {"python-coverage.spec": REPO / "specs" / "python-coverage.spec",
                 "generated (markers, extras)": generated}
        version = subprocess.run(["rpm", "--version"], capture_output=True, text=True).stdout
        print(f"rpm {version.split()[-1]}, {sys.implementation.name} "
              f"{'.'.join(map(str, sys.version_info[:3]))}: medians of {runs} runs of "
              "rpmspec -P, in ms (wall/cpu)")
        print(f"{'spec':28} {'runtimes':>8} {'static':>11} {'zero-fork':>11} {'ratio':>11} "
              f"{'ms/runtime':>11} {'stale':>11} {'ratio':>11} {'missing':>11} {'ratio':>11}"
              f" {'console':>11} {'ratio':>11}"
              "   processes per parse: static / zero-fork / stale / missing / console "
              "(rpm-pyconfig calls; all execve)")
        times: dict[tuple[str, int], tuple[tuple[float, float], ...]] = {}
        for label, spec in specs.items():
            for count in COUNTS:
                registry = work / f"registry-{count}-{abs(hash(label))}"
                make_registry(registry, count)
                env = environment(registry, work / "bin")
                # the same drop-ins in another directory: a registry compiled there is stale
                elsewhere = work / f"elsewhere-{count}-{abs(hash(label))}"
                shutil.copytree(registry, elsewhere)
                compiled = work / f"compiled-{count}.macros"
                stale_compiled = work / f"stale-{count}.macros"
                for source, target in ((registry, compiled), (elsewhere, stale_compiled)):
                    subprocess.run([str(TOOL), "compile", "-o", str(target)],
                                   env=environment(source, work / "bin"), check=True,
                                   stderr=subprocess.DEVNULL)
                # what the package installs beside macros.pyconfig: the interpreter and
                # package directory the compiled registry names too
                direct = work / "macros.pyconfig-python"
                direct.write_text("".join(
                    line + "\n" for line in stale_compiled.read_text(encoding="ascii").splitlines()
                    if line.startswith(("%_pyconfig_python ", "%_pyconfig_sitedir "))))
                engine = failed_compile(work / f"failed-{count}-{abs(hash(label))}", work / "bin")
                loads = ["--load", str(MACROS)]
                zero = ["rpmspec", "-P", *loads, "--load", str(compiled), str(spec)]
                stale = ["rpmspec", "-P", *loads, "--load", str(stale_compiled), str(spec)]
                missing = ["rpmspec", "-P", *loads, "--load", str(direct), "--load", str(engine),
                           str(spec)]
                console = ["rpmspec", "-P", *loads, str(spec)]
                expanded = subprocess.run(zero, env=env, check=True, capture_output=True,
                                          text=True).stdout
                for command in () if zero_only else (stale, missing, console):
                    again = subprocess.run(command, env=env, check=True, capture_output=True,
                                           text=True).stdout
                    assert again == expanded, f"{command}: another expansion"
                static_spec = work / f"static-{count}.spec"
                static_spec.write_text(expanded.replace("%", "%%"), encoding="utf-8")
                static = ["rpmspec", "-P", str(static_spec)]
                timed = [(static, env), (zero, env)] + ([] if zero_only else
                                                        [(stale, env), (missing, env),
                                                         (console, env)])
                s_t, z_t, st_t, m_t, c_t = (*median_ms(timed, runs), *[(0.0, 0.0)] * 3)[:5]
                times[(label, count)] = (s_t, z_t, st_t, m_t)
                counted_stale = [*stale[:-2], str(counting_python(stale_compiled, log, work)),
                                 stale[-1]]
                counted_missing = [*missing[:-4], str(counting_python(direct, log, work)),
                                   *missing[-3:]]
                counts = [processes(command, env, log, work)
                          for command in ((static, zero) if zero_only else
                                          (static, zero, counted_stale, counted_missing,
                                           console))]

                def pair(a: float, b: float) -> str:
                    return f"{a:5.1f}/{b:5.1f}"

                z_ratio = (z_t[0] / s_t[0], z_t[1] / s_t[1])
                st_ratio = (st_t[0] / s_t[0], st_t[1] / s_t[1])
                m_ratio = (m_t[0] / s_t[0], m_t[1] / s_t[1])
                c_ratio = (c_t[0] / s_t[0], c_t[1] / s_t[1])
                fallback = " ".join([f"{'-':>11}"] * 6) if zero_only else (
                    f"{pair(*st_t):>11} {st_ratio[0]:5.2f}/{st_ratio[1]:5.2f} "
                    f"{pair(*m_t):>11} {m_ratio[0]:5.2f}/{m_ratio[1]:5.2f} "
                    f"{pair(*c_t):>11} {c_ratio[0]:5.2f}/{c_ratio[1]:5.2f}")
                per_runtime = ((z_t[0] - s_t[0]) / count, (z_t[1] - s_t[1]) / count)
                print(f"{label:28} {count:>8} {pair(*s_t):>11} {pair(*z_t):>11} "
                      f"{z_ratio[0]:5.2f}/{z_ratio[1]:5.2f} "
                      f"{per_runtime[0]:5.2f}/{per_runtime[1]:5.2f} "
                      f"{fallback}   "
                      + " / ".join(f"{calls}; {execs}" for calls, execs in counts))
                if counting:
                    named = {"static": static, "zero-fork": zero}
                    if not zero_only:
                        named.update({"stale": stale, "missing": missing, "console": console})
                    layouts = {name: instructions_in_layouts(named[name], env, work)
                               for name in ("static", "zero-fork")}
                    counted = {name: statistics.median(layouts[name]) if name in layouts
                               else instructions(command, env)
                               for name, command in named.items()}
                    ratios = [z / s for s, z in zip(layouts["static"], layouts["zero-fork"])]
                    print("  instructions (millions, every process): " + ", ".join(
                        f"{name} {value:.2f}" + ("" if name == "static" else
                                                 f" = {value / counted['static']:.3f} x")
                        for name, value in counted.items())
                        + f"; static and zero-fork: medians of {len(LAYOUT_PADS)} heap "
                        f"layouts, zero-fork/static {min(ratios):.3f}-{max(ratios):.3f} x "
                        f"(static {min(layouts['static']):.2f}-{max(layouts['static']):.2f}, "
                        f"zero-fork {min(layouts['zero-fork']):.2f}-"
                        f"{max(layouts['zero-fork']):.2f})")
                # zero-fork: <= 1.2 x static with 3 and 8 runtimes; with 100, the tool's own
                # share (the ratio to that size's static expansion) <= 1.5
                if min(z_ratio) > (1.2 if count in (3, 8) else 1.5):
                    failed = True
                if counts[1][0] != 0 or (not zero_only and (
                        min(st_ratio) > 3.0 or min(m_ratio) > 3.0
                        or counts[2][0] != 1 or counts[3][0] != 1 or counts[4][0] != 1)):
                    failed = True
                if floors and not zero_only and label == "python-coverage.spec" and count == 3:
                    floor_rows(spec, stale_compiled, env, work, runs, s_t, st_t)
        print("100 runtimes against 3 (wall/cpu): the issue's target, zero-fork <= 1.5 x the "
              "3-runtime time, cannot hold when the expanded spec itself grows more: what the "
              "tool adds is the zero-fork/static ratio above and its ms per runtime")
        for label in specs:
            (s3, z3, *_), (s100, z100, *_) = times[(label, 3)], times[(label, 100)]
            grows = "/".join(f"{s100[i] / s3[i]:.2f}" for i in (0, 1))
            zero_grows = "/".join(f"{z100[i] / z3[i]:.2f}" for i in (0, 1))
            added = "/".join(f"{(z100[i] - s100[i]) - (z3[i] - s3[i]):.1f}" for i in (0, 1))
            print(f"  {label}: static expansion x {grows}, zero-fork x {zero_grows}; "
                  f"the tool's overhead grows by {added} ms for 97 more runtimes")
    print("targets:", "missed" if failed else "met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
