"""Describe a live Python interpreter as a ``Runtime``, and write it as a drop-in.

``probe()`` runs the interpreter once (``-I``, site enabled) with a small script that
prints JSON; ``runtime_from_probe()`` turns that JSON into a ``Runtime`` and is a pure
function, so the Debian and Fedora layouts are unit-tested with recorded answers.

Site directories: the *system-managed* ones, never ``/usr/local``.  Debian patches
sysconfig with a ``deb_system`` scheme (``/usr/lib/python3/dist-packages``, which
Debian's PyPy also has on ``sys.path``); Fedora keeps the unpatched layout as
``rpm_prefix`` (its ``posix_prefix`` points into ``/usr/local``); elsewhere
``posix_prefix`` with base ``/usr``.  The chosen directories must be on the
interpreter's ``sys.path``.

Not on the spec-parse path: the CLI imports this module only for ``probe``.
"""

# Paths are plain strings throughout (Runtime fields are str): os.path is deliberate.

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from rpm_pyconfig._files import write_atomically
from rpm_pyconfig.dropin import check_runtime, format_conf
from rpm_pyconfig.errors import ConfigError, ProbeError
from rpm_pyconfig.runtime import FIELDS, Runtime, check_value, parse_version

__all__ = [
    "MAIN_PYPY",
    "MAIN_PYTHON",
    "OS_PREFIX",
    "PROBE_SCRIPT",
    "SITE_SCHEMES",
    "find_interpreters",
    "probe",
    "probe_all",
    "run_probe_script",
    "runtime_from_probe",
    "select_site_dirs",
    "write_conf",
]

#: The platform's main CPython: the interpreter this link resolves to is ``python3``.
MAIN_PYTHON = "/usr/bin/python3"
#: The platform's main PyPy: the interpreter this link resolves to is ``pypy3``.
MAIN_PYPY = "/usr/bin/pypy3"
#: sysconfig schemes naming the system-managed site directories, first present wins.
SITE_SCHEMES = ("deb_system", "rpm_prefix", "posix_prefix")
#: Only interpreters installed under this prefix are OS runtimes (``probe_all``).
OS_PREFIX = "/usr"

#: Run by the probed interpreter as ``-I -c PROBE_SCRIPT OS_PREFIX *SITE_SCHEMES``: the
#: paths of each scheme it has, with base ``OS_PREFIX``.  Must work on CPython 3.6+ and PyPy.
PROBE_SCRIPT = """\
import json, sys, sysconfig
names = sysconfig.get_scheme_names()
schemes = {}
prefix = sys.argv[1]
for scheme in sys.argv[2:]:
    if scheme in names:
        paths = sysconfig.get_paths(scheme, vars={"base": prefix, "platbase": prefix})
        schemes[scheme] = {"purelib": paths["purelib"], "platlib": paths["platlib"]}
try:
    import site
    site_packages = list(site.getsitepackages())
except Exception:
    site_packages = []
v = sys.version_info
pre = {"alpha": "a", "beta": "b", "candidate": "rc"}.get(v.releaselevel)
config = sysconfig.get_config_var
json.dump({
    "implementation": sys.implementation.name,
    "version": "%d.%d.%d" % tuple(v[:3]) + (pre + str(v.serial) if pre else ""),
    "executable": sys.executable,
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "abiflags": getattr(sys, "abiflags", ""),
    "cache_tag": sys.implementation.cache_tag,
    "soabi": config("SOABI"),
    "ext_suffix": config("EXT_SUFFIX"),
    "include": config("INCLUDEPY"),
    "py_debug": bool(config("Py_DEBUG")) or hasattr(sys, "gettotalrefcount"),
    "gil_disabled": bool(config("Py_GIL_DISABLED")),
    "schemes": schemes,
    "sys_path": sys.path,
    "site_packages": site_packages,
}, sys.stdout)
"""

#: Fedora's shebang options, most wanted first: -s (no user site directory) and -P (no
#: script directory on sys.path, CPython >= 3.11 and some PyPy).  ``probe_shebang_flags``
#: keeps the first set the interpreter both accepts and honours.
SHEBANG_CANDIDATES = ("-sP", "-s")
#: Run as ``INTERPRETER -E FLAGS -c SHEBANG_SCRIPT``: prints 1 when -s took effect, then 1
#: when -P did (no '' at the head of sys.path, which -c puts there otherwise).
SHEBANG_SCRIPT = (
    "import sys; print(int(bool(sys.flags.no_user_site)), int(sys.path[:1] != ['']))"
)

_INTERPRETER_NAME = re.compile(r"python3(?:\.[0-9]+(?:d|t|-dbg)?|-dbg)?|pypy3(?:\.[0-9]+)?")
_VERSIONED_NAME = re.compile(r"python([0-9]+\.[0-9]+)")


# -- running the interpreter -----------------------------------------------------------------


def _resolve(interpreter: str) -> str:
    """An absolute path: bare names are looked up on PATH, symlinks are kept."""
    if os.sep not in interpreter:
        found = shutil.which(interpreter)
        if found is None:
            raise ProbeError(f"{interpreter}: no such command on PATH")
        interpreter = found
    return os.path.abspath(interpreter)


def run_probe_script(interpreter: str, *, timeout: float = 30) -> dict[str, object]:
    """Run ``PROBE_SCRIPT`` with ``interpreter`` (an absolute path) and return its answer.

    Raises ``ProbeError`` naming the interpreter (and stderr's last line) when it is
    missing, not executable, crashes, hangs longer than ``timeout`` seconds or answers
    something that is not a JSON object.
    """
    if not os.path.exists(interpreter):
        raise ProbeError(f"{interpreter}: no such file")
    if os.path.isdir(interpreter) or not os.access(interpreter, os.X_OK):
        raise ProbeError(f"{interpreter}: not an executable file")
    try:
        process = subprocess.Popen(
            [interpreter, "-I", "-c", PROBE_SCRIPT, OS_PREFIX, *SITE_SCHEMES],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd="/",
            start_new_session=True,  # so that a timeout kills wrapper scripts' children too
        )
    except OSError as exc:
        raise ProbeError(f"{interpreter}: cannot run: {exc.strerror}") from None
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        _, stderr = process.communicate()
        raise ProbeError(
            f"{interpreter}: no answer within {timeout:g} s{_last_line(stderr)}"
        ) from None
    except BaseException:  # KeyboardInterrupt: leave no interpreter behind
        _kill(process)
        process.communicate()
        raise
    returncode = process.returncode
    if returncode < 0:
        try:
            how = f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            how = f"killed by signal {-returncode}"
        raise ProbeError(f"{interpreter}: {how}{_last_line(stderr)}")
    if returncode != 0:
        raise ProbeError(f"{interpreter}: exited with status {returncode}{_last_line(stderr)}")
    try:
        data = json.loads(stdout)
    except ValueError:
        shown = stdout[:200].decode("utf-8", "replace")
        raise ProbeError(
            f"{interpreter}: answered {shown!r}, not JSON{_last_line(stderr)}"
        ) from None
    if not isinstance(data, dict):
        raise ProbeError(f"{interpreter}: answered {data!r}, not a JSON object")
    return data


def probe_shebang_flags(interpreter: str, *, timeout: float = 30) -> str:
    """The options of ``SHEBANG_CANDIDATES`` that *interpreter* accepts and honours, or ''.

    Decided by running it (never by its version): each candidate until one works.
    """
    for flags in SHEBANG_CANDIDATES:
        try:
            ran = subprocess.run(
                [interpreter, "-E", flags, "-c", SHEBANG_SCRIPT],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                cwd="/",
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        wanted = "1 1" if "P" in flags else "1 "
        if ran.returncode == 0 and ran.stdout.decode("ascii", "replace").startswith(wanted):
            return flags
    return ""


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the probe's whole process group (its own session)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:  # already gone
        process.kill()


def _last_line(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return f": {lines[-1]}" if lines else ""


# -- from the answer to a Runtime (pure) -----------------------------------------------------


def _str(data: Mapping[str, object], key: str, interpreter: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ProbeError(f"{interpreter}: probe answer has no {key} (got {value!r})")
    return value


def _header_file(data: Mapping[str, object]) -> str:
    """The path of the runtime's ``Python.h`` (sysconfig's INCLUDEPY), as a file dependency
    that whichever package ships the headers satisfies; ``""`` when the answer has none."""
    include = data.get("include")
    if not isinstance(include, str) or not include.startswith("/"):
        return ""
    return os.path.join(os.path.normpath(include), "Python.h")


_INCLUDE_FIELD = next(field for field in FIELDS if field.name == "include")


def _include_dir(data: Mapping[str, object]) -> str | None:
    """The runtime's C headers directory (sysconfig's INCLUDEPY); None (the registry then
    derives it) when the answer has none, or none a drop-in could hold."""
    include = data.get("include")
    if not isinstance(include, str) or not include.startswith("/"):
        return None
    include = os.path.normpath(include)
    return None if check_value(_INCLUDE_FIELD, include) else include


def _str_list(data: Mapping[str, object], key: str, interpreter: str) -> list[str]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ProbeError(f"{interpreter}: probe answer has no list {key} (got {value!r})")
    return value


def select_site_dirs(data: Mapping[str, object], interpreter: str) -> tuple[str, str, str]:
    """``(scheme, purelib, platlib)``: the system-managed site directories in the answer.

    The first of ``SITE_SCHEMES`` the interpreter has wins; both of its directories must
    be on the interpreter's ``sys.path`` and outside ``/usr/local``, else ``ProbeError``.
    """
    schemes = data.get("schemes")
    if not isinstance(schemes, dict):
        raise ProbeError(f"{interpreter}: probe answer has no schemes (got {schemes!r})")
    for scheme in SITE_SCHEMES:
        paths = schemes.get(scheme)
        if paths is not None:
            break
    else:
        raise ProbeError(
            f"{interpreter}: sysconfig has none of the schemes {', '.join(SITE_SCHEMES)}"
        )
    if not isinstance(paths, dict):
        raise ProbeError(f"{interpreter}: probe answer has a bad scheme {scheme} ({paths!r})")
    purelib = _str(paths, "purelib", interpreter)
    platlib = _str(paths, "platlib", interpreter)
    on_path = {
        os.path.normpath(entry) for entry in _str_list(data, "sys_path", interpreter) if entry
    }
    for kind, directory in (("purelib", purelib), ("platlib", platlib)):
        if directory == "/usr/local" or directory.startswith("/usr/local/"):
            raise ProbeError(
                f"{interpreter}: {kind} of sysconfig scheme {scheme} is {directory}, "
                f"which is for the administrator, not for packages"
            )
        if directory not in on_path:
            prefix = data.get("base_prefix")
            hint = (
                f" (its prefix is {prefix}, not {OS_PREFIX}: is it an OS interpreter?)"
                if prefix != OS_PREFIX
                else ""
            )
            raise ProbeError(
                f"{interpreter}: {kind} {directory} (sysconfig scheme {scheme}) is not on "
                f"its sys.path{hint}"
            )
    return scheme, purelib, platlib


def runtime_from_probe(
    data: Mapping[str, object],
    *,
    interpreter: str,
    name: str | None = None,
    is_main_python: bool = False,
    is_main_pypy: bool = False,
    main_version: str | None = None,
    shebang_flags: str = "",
) -> Runtime:
    """The ``Runtime`` for a probe answer (``run_probe_script``).  Pure.

    ``interpreter`` is recorded as given.  ``is_main_python``/``is_main_pypy``: it is what
    ``/usr/bin/python3``/``/usr/bin/pypy3`` resolves to; ``main_version`` (``3.11``) is
    the main python3's version, whose debug build is ``python3-debug``.  Default names
    (also the package prefix) and priorities:

    - main python3: ``python3``, priority 10, ``default = true``;
    - other CPython: ``python3.X``, 20;
    - debug build: ``python3-debug`` (of the main version) or ``python3.X-debug``, 30;
    - free-threaded: ``python3.Xt`` (``python3.Xt-debug``), 40;
    - PyPy: ``pypy3`` (the main one) or ``pypy3.X``, 50;
    - other implementations: ``NAME3.X``, 60.

    ``name`` overrides the runtime name (not the package prefix).  Raises ``ProbeError``
    for a virtual environment, missing values, or site directories not on ``sys.path``.
    """
    implementation = _str(data, "implementation", interpreter)
    version = _str(data, "version", interpreter)
    prefix, base_prefix = data.get("prefix"), data.get("base_prefix")
    if prefix != base_prefix:
        raise ProbeError(
            f"{interpreter}: is a virtual environment (prefix {prefix}); "
            f"probe its base interpreter in {base_prefix} instead"
        )
    _, purelib, platlib = select_site_dirs(data, interpreter)
    abiflags = data.get("abiflags") or ""
    if not isinstance(abiflags, str):
        raise ProbeError(f"{interpreter}: probe answer has a bad abiflags ({abiflags!r})")
    debug = data.get("py_debug") is True
    free_threaded = data.get("gil_disabled") is True

    parsed = parse_version(version)
    if parsed is None:
        raise ProbeError(f"{interpreter}: probe answer has a bad version ({version!r})")
    major = str(parsed[0][0])
    short = f"{major}.{parsed[0][1]}"
    default = False
    if implementation == "cpython":
        if free_threaded:
            canonical, priority = f"python{short}t", 40
            if debug:
                canonical += "-debug"
        elif debug:
            stem = f"python{major}" if short == main_version else f"python{short}"
            canonical, priority = f"{stem}-debug", 30
        elif is_main_python:
            canonical, priority, default = f"python{major}", 10, True
        else:
            canonical, priority = f"python{short}", 20
    elif implementation == "pypy":
        canonical = f"pypy{major}" if is_main_pypy else f"pypy{short}"
        priority = 50
    else:
        canonical, priority = f"{implementation}{short}", 60
    try:
        runtime = Runtime(
            name=name or canonical,
            implementation=implementation,
            version=version,
            interpreter=interpreter,
            package_prefix=canonical,
            purelib=purelib,
            platlib=platlib,
            soabi=_str(data, "soabi", interpreter),
            ext_suffix=_str(data, "ext_suffix", interpreter),
            cache_tag=_str(data, "cache_tag", interpreter),
            abiflags=abiflags,
            debug=debug,
            free_threaded=free_threaded,
            default=default,
            priority=priority,
            shebang_flags=shebang_flags,
            devel_requires=_header_file(data),
            include=_include_dir(data),
            origin=f"probe:{interpreter}",
        )
    except ConfigError as error:
        raise ProbeError(str(error)) from None
    problems = check_runtime(runtime)
    if problems:
        # A bad --name also spoils the script_suffix derived from it: report the cause only.
        cause = [problem for problem in problems if problem.key == "name"]
        raise ProbeError("\n".join(str(problem) for problem in cause or problems))
    return runtime


# -- probing this machine --------------------------------------------------------------------


def _same_file(path: str, other: str) -> bool:
    try:
        return os.path.samefile(path, other)
    except OSError:
        return False


def _main_version(main_python: str) -> str | None:
    """``3.11`` when ``main_python`` resolves to ``.../python3.11``."""
    match = _VERSIONED_NAME.fullmatch(os.path.basename(os.path.realpath(main_python)))
    return match.group(1) if match else None


def probe(interpreter: str, *, name: str | None = None, timeout: float = 30) -> Runtime:
    """Describe the interpreter at ``interpreter`` (a path, or a bare name looked up on PATH).

    Runs it once (and once or twice for ``probe_shebang_flags``).  The path is recorded
    as given when absolute (``/usr/bin/python3`` stays, symlinks are not resolved).  See
    ``runtime_from_probe`` for names and priorities.  Raises ``ProbeError``.
    """
    path = _resolve(interpreter)
    data = run_probe_script(path, timeout=timeout)
    return _runtime(path, data, name, probe_shebang_flags(path, timeout=timeout))


def _runtime(
    path: str, data: Mapping[str, object], name: str | None, shebang_flags: str = ""
) -> Runtime:
    return runtime_from_probe(
        data,
        interpreter=path,
        name=name,
        is_main_python=_same_file(path, MAIN_PYTHON),
        is_main_pypy=_same_file(path, MAIN_PYPY),
        main_version=_main_version(MAIN_PYTHON),
        shebang_flags=shebang_flags,
    )


def find_interpreters(path: str) -> list[str]:
    """Interpreters on the colon-separated ``path`` (usually ``$PATH``), in search order.

    Looks for ``python3``, ``python3.N``, ``python3.Nd``, ``python3.Nt``, ``python3.N-dbg``,
    ``python3-dbg``, ``pypy3`` and ``pypy3.N``; the first name found for each real file
    is kept (names sort so that ``python3`` comes before ``python3.11``).  Directories of
    virtual environments are skipped: their ``python3`` links to the system interpreter and
    would otherwise take its place.
    """
    found: list[str] = []
    seen: set[str] = set()
    for directory in path.split(os.pathsep):
        if not directory or os.path.exists(os.path.join(directory, os.pardir, "pyvenv.cfg")):
            continue
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for entry in names:
            if not _INTERPRETER_NAME.fullmatch(entry):
                continue
            candidate = os.path.join(directory, entry)
            real = os.path.realpath(candidate)
            if real in seen or not os.path.isfile(real) or not os.access(real, os.X_OK):
                continue
            seen.add(real)
            found.append(os.path.abspath(candidate))
    return found


def probe_all(path: str, *, timeout: float = 30) -> tuple[list[Runtime], list[tuple[str, str]]]:
    """Probe every interpreter ``find_interpreters(path)`` finds.

    Keeps OS runtimes only (installed in ``/usr``, not a virtual environment); of
    identical runtimes (same implementation, version, abiflags and purelib) keeps the
    one with the canonical name.  Returns the runtimes, ordered by (priority, name),
    and the skipped interpreters as ``(path, reason)`` pairs.
    """
    candidates = find_interpreters(path)
    order = {exe: index for index, exe in enumerate(candidates)}
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda exe: _try_probe(exe, timeout), candidates))
    runtimes: list[Runtime] = []
    skipped: list[tuple[str, str]] = []
    for exe, answer in zip(candidates, answers):
        if isinstance(answer, str):
            skipped.append((exe, answer))
        else:
            runtimes.append(answer)

    def preference(runtime: Runtime) -> tuple[int, bool, int]:
        canonical = os.path.basename(runtime.interpreter) == runtime.name
        return (runtime.priority, not canonical, order[runtime.interpreter])

    kept: dict[tuple[str, str, str, str], Runtime] = {}
    names: dict[str, Runtime] = {}
    for runtime in sorted(runtimes, key=preference):
        key = (runtime.implementation, runtime.version, runtime.abiflags, runtime.purelib)
        same = kept.get(key)
        if same is not None:
            skipped.append((runtime.interpreter, f"same runtime as {same.interpreter}"))
            continue
        clash = names.get(runtime.name)
        if clash is not None:
            skipped.append(
                (runtime.interpreter, f"name {runtime.name!r} already used by {clash.interpreter}")
            )
            continue
        kept[key] = names[runtime.name] = runtime
    skipped.sort(key=lambda item: order[item[0]])
    return sorted(kept.values(), key=lambda rt: (rt.priority, rt.name)), skipped


def _try_probe(interpreter: str, timeout: float) -> Runtime | str:
    """The runtime, or why ``interpreter`` is skipped."""
    try:
        data = run_probe_script(interpreter, timeout=timeout)
        if data.get("prefix") != data.get("base_prefix"):
            return f"virtual environment (prefix {data.get('prefix')})"
        if data.get("base_prefix") != OS_PREFIX:
            return f"not an OS runtime (prefix {data.get('base_prefix')}, not {OS_PREFIX})"
        flags = probe_shebang_flags(interpreter, timeout=timeout)
        return _runtime(interpreter, data, None, flags)
    except ProbeError as exc:
        message, prefix = str(exc), f"{interpreter}: "
        return message[len(prefix) :] if message.startswith(prefix) else message


# -- writing ---------------------------------------------------------------------------------


def write_conf(
    runtime: Runtime, directory: str, *, force: bool = False, header: str | None = None
) -> str:
    """Write ``runtime`` to ``DIRECTORY/NAME.conf`` atomically; return the path.

    Written by ``_files.write_atomically`` (its hidden temporary file is ignored by the
    registry): an existing file is never replaced without ``force``, and ``PyConfigError``
    names it.  ``header`` defaults to a note naming the interpreter.
    """
    if header is None:
        header = (
            f"Python runtime {runtime.name!r} for rpm-pyconfig: {runtime.implementation} "
            f"{runtime.version} at {runtime.interpreter}.\n"
            f"Keys left out take their documented defaults."
        )
    target = os.path.join(directory, f"{runtime.name}.conf")
    write_atomically(target, format_conf(runtime, header=header).encode("utf-8"), replace=force)
    return target

