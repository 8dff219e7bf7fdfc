"""Running the real rpm tools from tests: rpmbuild, rpmspec and rpm-pyconfig on PATH.

Nothing here mocks rpm: these helpers only build command lines and environments.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MACROS = REPO / "macros" / "macros.pyconfig"
SOURCES = REPO / "out" / "sources"
#: The directory holding the rpm-pyconfig command of the interpreter running the tests.
TOOL_BIN = Path(sys.executable).parent
INTERPRETERS = ("/usr/bin/python3.11", "/usr/bin/python3.11-dbg", "/usr/bin/pypy3")


def have_rpm_tools() -> bool:
    return all(shutil.which(tool) for tool in ("rpmbuild", "rpmspec", "rpm"))


def tool_env(registry: Path | str | None, *, path: str | None = None) -> dict[str, str]:
    """The environment rpm runs the tool in: our bin dir first on PATH, the registry chosen."""
    env = dict(os.environ)
    env["PATH"] = path if path is not None else f"{TOOL_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("RPM_PYCONFIG_PATH", None)
    if registry is not None:
        env["RPM_PYCONFIG_PATH"] = str(registry)
    return env


def run(
    command: list[str], env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
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
        command[1:1] = ["--load", str(MACROS)]
    return run([*command, str(spec)], env)


def probe_registry(directory: Path) -> Path:
    """A registry probed with the real tool from this machine's three interpreters."""
    directory.mkdir(parents=True, exist_ok=True)
    completed = run(
        [str(TOOL_BIN / "rpm-pyconfig"), "probe", "--write", str(directory), *INTERPRETERS],
        tool_env(None),
    )
    assert completed.returncode == 0, completed.stderr
    return directory


def rpm_query(package: Path, *query: str) -> list[str]:
    completed = subprocess.run(
        ["rpm", "-qp", *query, str(package)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        check=True,
    )
    return completed.stdout.splitlines()
