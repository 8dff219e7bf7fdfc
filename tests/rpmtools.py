"""Running the real rpm tools from tests: rpmbuild, rpmspec and rpm-pyconfig on PATH.

Nothing here mocks rpm: these helpers only build command lines and environments.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rpm_pyconfig.runtime import Runtime

REPO = Path(__file__).resolve().parent.parent
MACROS = REPO / "macros" / "macros.pyconfig"
SOURCES = REPO / "out" / "sources"
#: The directory holding the rpm-pyconfig command of the interpreter running the tests.
TOOL_BIN = Path(sys.executable).parent
#: Under CI=true a missing tool or runtime a test needs is a failure, not a skip.
STRICT = os.environ.get("CI") == "true"


def have_rpm_tools() -> bool:
    return all(shutil.which(tool) for tool in ("rpmbuild", "rpmspec", "rpm"))


def require(what: str, available: object) -> None:
    """Skip the test when *what* is not *available*; under CI=true fail it instead."""
    if available:
        return
    if STRICT:
        pytest.fail(f"{what} is missing (CI=true: a missing tool or runtime is a failure)")
    pytest.skip(f"{what} is missing")


@functools.cache
def machine_runtimes() -> tuple[Runtime, ...]:
    """This machine's runtimes, found as ``rpm-pyconfig probe --all`` finds them (on PATH)."""
    from rpm_pyconfig.probe import probe_all

    runtimes, _skipped = probe_all(os.environ.get("PATH", os.defpath))
    return tuple(runtimes)


def main_runtime() -> Runtime:
    """The default runtime: the distribution's python3."""
    found = [rt for rt in machine_runtimes() if rt.default]
    require("the distribution's python3 (a probed default runtime)", found)
    return found[0]


def debug_runtime() -> Runtime:
    """The debug build of the main python3 (python3-dbg)."""
    main = main_runtime()
    found = [
        rt
        for rt in machine_runtimes()
        if rt.debug and rt.implementation == "cpython" and rt.short_version == main.short_version
    ]
    require(f"a debug build of CPython {main.short_version} (python3-dbg)", found)
    return found[0]


def pypy_runtime() -> Runtime:
    """The distribution's main PyPy (pypy3)."""
    found = [rt for rt in machine_runtimes() if rt.implementation == "pypy"]
    require("PyPy (pypy3)", found)
    return found[0]


def trio() -> tuple[Runtime, Runtime, Runtime]:
    """python3, its debug build and pypy3: the runtimes the rpm tests build for."""
    return main_runtime(), debug_runtime(), pypy_runtime()


def repo_pythonpath() -> str:
    """PYTHONPATH for running this checkout's tool: the checkout, then the tests' own
    PYTHONPATH (scripts/test.sh's newer packaging for a runtime whose own is too old)."""
    return os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])


def tool_env(registry: Path | str | None, *, path: str | None = None) -> dict[str, str]:
    """The environment rpm runs the tool in: our bin dir first on PATH, the registry chosen."""
    env = dict(os.environ)
    env["PATH"] = path if path is not None else f"{TOOL_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("RPM_PYCONFIG_PATH", None)
    if registry is not None:
        env["RPM_PYCONFIG_PATH"] = str(registry)
    return env


def private_tmppath(command: list[str]) -> list[str]:
    """*command*, and if it runs ``rpmbuild``: ``--define "_tmppath TOPDIR/tmp"`` after its
    (last) ``--define "_topdir TOPDIR"``, which every test build has.

    rpmbuild writes each build section to ``%{_tmppath}/rpm-tmp.XXXXXX`` and leaves the file
    there when the section fails: kept in the build's own topdir, a failing test leaks
    nothing into /var/tmp.  Beside the ``_topdir`` define, not before: rpm reads its macro
    files at the first ``--define``, so a ``--macros`` after it would be ignored.
    """
    if not any(Path(word).name == "rpmbuild" for word in command):
        return command
    topdirs = [
        index
        for index, (option, value) in enumerate(zip(command, command[1:]))
        if option == "--define" and value.startswith("_topdir ")
    ]
    assert topdirs, f"a test's rpmbuild names its own _topdir: {command}"
    at = topdirs[-1] + 2
    tmppath = Path(command[at - 1].split(None, 1)[1]) / "tmp"
    tmppath.mkdir(parents=True, exist_ok=True)
    return [*command[:at], "--define", f"_tmppath {tmppath}", *command[at:]]


def run(
    command: list[str], env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """*command* with its output captured; an rpmbuild gets a private ``_tmppath``."""
    return subprocess.run(
        private_tmppath(command),
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def rpmbuild(
    spec: Path,
    topdir: Path,
    env: dict[str, str],
    *options: str,
    macros: bool = True,
    sourcedir: Path = SOURCES,
) -> subprocess.CompletedProcess[str]:
    """``rpmbuild OPTIONS --nodeps`` (Debian's rpm database is empty) with a private topdir.

    ``--rebuild`` removes the sources it unpacked (it implies ``--rmsource``): give it a
    private *sourcedir*, never the shared one.
    """
    command = [
        "rpmbuild",
        *options,
        "--nodeps",
        "--define",
        f"_topdir {topdir}",
        "--define",
        f"_sourcedir {sourcedir}",
    ]
    if macros:
        command[1:1] = macros_options()
    return run([*command, str(spec)], env)


def probe_registry(directory: Path) -> Path:
    """A registry of python3, its debug build and pypy3, probed with the real tool.

    The interpreters come from ``probe --all`` (``trio``); other runtimes of the machine
    are left out so that the tests build the same three subpackages everywhere.
    """
    directory.mkdir(parents=True, exist_ok=True)
    interpreters = [runtime.interpreter for runtime in trio()]
    # The tool run by the interpreter running the tests, from this checkout: under another
    # runtime's unit tests (scripts/test.sh) there is no console script beside it.
    env = dict(tool_env(None), PYTHONPATH=repo_pythonpath())
    completed = run(
        [sys.executable, "-m", "rpm_pyconfig", "probe", "--write", str(directory), *interpreters],
        env,
    )
    assert completed.returncode == 0, completed.stderr
    return directory


@functools.cache
def rpm_macro_path() -> str:
    """rpm's own macro path (``rpm --showrc``), which ``--macros`` replaces."""
    completed = subprocess.run(["rpm", "--showrc"], stdout=subprocess.PIPE, text=True, check=True)
    for line in completed.stdout.splitlines():
        if line.startswith("Macro path: "):
            return line[len("Macro path: ") :]
    raise AssertionError("rpm --showrc names no 'Macro path'")


def macros_options(macros: Path = MACROS) -> list[str]:
    """``--macros PATH``: rpm's own macro path, then *macros* (macros.pyconfig).

    ``--load FILE`` is lost on rpm >= 4.20 when rpmbuild re-reads its configuration for a
    ``BuildArch: noarch`` spec; a file on the macro path is read every time.
    """
    return ["--macros", f"{rpm_macro_path()}:{macros}"]


def rpmbuild_options(topdir: Path, sourcedir: Path, db: Path, spec: Path) -> list[str]:
    """rpmbuild's options for a test build of *spec* whose build dependencies are checked
    against the test's own rpm database *db*: the macros (``macros_options``), its topdir and
    sources, then *spec*.  *db* is given as ``_dbpath``: rpmbuild 4.20.1 and 6.1.0 check
    build dependencies against the default database when given ``--dbpath`` (rpm 4.18
    takes either)."""
    return [*macros_options(), "--define", f"_topdir {topdir}", "--define",
            f"_sourcedir {sourcedir}", "--define", f"_dbpath {db}", str(spec)]


def rpm_query(package: Path, *query: str) -> list[str]:
    completed = subprocess.run(
        ["rpm", "-qp", *query, str(package)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        check=True,
    )
    return completed.stdout.splitlines()


def rpm_macro(name: str) -> str:
    """The value of an rpm macro, empty when undefined."""
    completed = subprocess.run(
        ["rpm", "--eval", f"%{{?{name}}}"], stdout=subprocess.PIPE, text=True, check=True
    )
    return completed.stdout.strip()


def debuginfo_packages(name: str, subpackages: list[str]) -> list[str]:
    """The -debuginfo/-debugsource packages this rpm adds to an arch build (rpm >= 4.20 does).

    Per its macros: none without ``_enable_debug_packages``; one per subpackage with
    ``_debuginfo_subpackages``, else one for *name*; a -debugsource with
    ``_debugsource_packages``.
    """
    if rpm_macro("_enable_debug_packages") not in ("1",):
        return []
    if rpm_macro("_debuginfo_subpackages") == "1":
        packages = [f"{package}-debuginfo" for package in subpackages]
    else:
        packages = [f"{name}-debuginfo"]
    if rpm_macro("_debugsource_packages") == "1":
        packages.append(f"{name}-debugsource")
    return packages
