"""Proof that a chain's repository resolves, without ``--nodeps``: dnf, stubs, imports.

Debian has no RPM that provides what the runtimes themselves provide on an RPM distribution
(``python(abi) = 3.11``, ``/usr/bin/pypy3``), nor the C library an extension links.  So the
proof builds stub packages: one per runtime of the registry (its ``abi_requires`` and its
interpreter path), and one for what the host's shared libraries provide (the ``lib*.so*`` and
``rtld(...)`` requirements rpm's ELF generator wrote), listed by name.  Any other requirement
that nothing provides fails the proof.  dnf then installs the top packages into an empty
root with every ``Requires:`` resolved, and each runtime's interpreter (the host's: the stubs
carry no interpreter) imports the modules from that root alone (``-S``: no site directories
of the host) with ``PYTHONPATH`` set to the root's site directories.  An extension module
imported must be owned by a package built for that runtime's ABI (:func:`own_build`): a
runtime satisfied with another CPython's package would find no module of its own there.

Run as ``python -m tests.chainproof --help`` (scripts/chain-real.sh does), or call
:func:`prove` from tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from rpm_pyconfig.dependencies import requires_prefix
from rpm_pyconfig.registry import load_registry
from rpm_pyconfig.runtime import Runtime

_HOST_LIBRARY_PREFIXES = ("lib", "ld-linux", "rtld(")


def _run(
    command: Sequence[str], *, env: dict[str, str] | None = None, cwd: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command), capture_output=True, text=True, check=False, env=env, cwd=cwd
    )


def _query(paths: Sequence[Path], what: str) -> set[str]:
    found: set[str] = set()
    for path in paths:
        completed = _run(["rpm", "-qp", what, str(path)])
        found.update(line.split(" ")[0] for line in completed.stdout.splitlines() if line)
    return found


def _stub_spec(name: str, provides: Sequence[str], files: Sequence[str]) -> str:
    lines = [
        f"Name: {name}", "Version: 1", "Release: 1", "License: MIT", "BuildArch: noarch",
        "Summary: Test stub standing for what this Debian machine has outside rpm",
        *[f"Provides: {item}" for item in provides],
        "%description", "Test stub: provides what the runtime or the host system provides.",
        "%install",
        *[f"mkdir -p %{{buildroot}}{os.path.dirname(f)} && touch %{{buildroot}}{f}" for f in files],
        "%files", *files, "",
    ]
    return "\n".join(lines)


def build_stub(name: str, provides: Sequence[str], files: Sequence[str], work: Path) -> Path:
    """One stub package *name* that provides *provides* and owns *files* (none written on
    the machine: install it with ``rpm -i --justdb``); its path."""
    work.mkdir(parents=True, exist_ok=True)
    spec = work / f"{name}.spec"
    spec.write_text(_stub_spec(name, provides, files), encoding="utf-8")
    # _tmppath: a failing build section would leave its rpm-tmp.* script behind.
    completed = _run(["rpmbuild", "-bb", "--nodeps", "--define", f"_topdir {work / 'top'}",
                      "--define", f"_tmppath {work}",
                      "--define", f"_rpmdir {work / 'rpms'}", str(spec)])
    if completed.returncode != 0:
        raise AssertionError(f"stub {name} did not build:\n{completed.stderr}")
    (built,) = (work / "rpms").glob(f"*/{name}-1-1.*.rpm")
    return built


def build_stubs(runtimes: Sequence[Runtime], repo: Path, work: Path) -> Path:
    """A repository of stub packages for *runtimes* and the host libraries *repo* needs."""
    stubs = work / "stubs"
    shutil.rmtree(stubs, ignore_errors=True)
    (stubs / "specs").mkdir(parents=True)
    rpms = sorted(p for p in repo.rglob("*.rpm") if not p.name.endswith(".src.rpm"))
    required = _query(rpms, "--requires")
    provided = _query(rpms, "--provides") | _query(rpms, "--list")
    specs: list[tuple[str, str]] = []
    stub_provides: set[str] = set()
    for runtime in runtimes:
        files = [runtime.interpreter]
        provides = []
        if runtime.abi_requires.startswith("/"):
            if runtime.abi_requires not in files:
                files.append(runtime.abi_requires)
        else:
            provides.append(runtime.abi_requires)
        stub_provides.update(files)
        stub_provides.update(item.split(" ")[0] for item in provides)
        name = f"pyconfig-stub-{runtime.name}"
        specs.append((name, _stub_spec(name, provides, files)))
    missing = sorted(
        name for name in required - provided - stub_provides
        if not name.startswith(("rpmlib(", "(", "python3dist(", "pypy3dist("))
        and "dist(" not in name
    )
    host = [name for name in missing if name.startswith(_HOST_LIBRARY_PREFIXES)]
    other = [name for name in missing if name not in host]
    if other:
        raise AssertionError(f"requirements nothing provides (no stub may stand for them): {other}")
    if host:
        specs.append(("pyconfig-stub-host-libraries", _stub_spec(
            "pyconfig-stub-host-libraries", host, [])))
    for name, text in specs:
        spec = stubs / "specs" / f"{name}.spec"
        spec.write_text(text, encoding="utf-8")
        completed = _run(["rpmbuild", "-bb", "--nodeps", "--define", f"_topdir {stubs}",
                          "--define", f"_tmppath {stubs}",
                          "--define", f"_rpmdir {stubs / 'repo'}", str(spec)])
        if completed.returncode != 0:
            raise AssertionError(f"stub {name} did not build:\n{completed.stderr}")
    completed = _run(["createrepo_c", "--quiet", str(stubs / "repo")])
    if completed.returncode != 0:
        raise AssertionError(completed.stderr)
    return stubs / "repo"


def dnf_install(repos: dict[str, Path], root: Path, packages: Sequence[str]) -> str:
    """``dnf install`` *packages* into the empty *root*, dependencies resolved (no --nodeps)."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    command = [
        "dnf", "-y", "--installroot", str(root), "--releasever", "1",
        "--setopt=reposdir=/dev/null", "--setopt=install_weak_deps=False", "--nogpgcheck",
        *[f"--repofrompath={name},{path.resolve()}" for name, path in repos.items()],
        "install", *packages,
    ]
    completed = _run(command)
    if completed.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)}\nfailed ({completed.returncode}):\n{completed.stdout}\n"
            f"{completed.stderr}"
        )
    return completed.stdout


def import_from_root(runtime: Runtime, root: Path, module: str) -> str:
    """Import *module* with *runtime*'s interpreter from *root* only; return its file."""
    paths = [str(root) + runtime.purelib, str(root) + runtime.platlib]
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    code = f"import {module} as m, sys; print(m.__file__)"
    completed = _run([runtime.interpreter, "-S", "-c", code], env=env, cwd="/")
    if completed.returncode != 0:
        raise AssertionError(
            f"{runtime.name}: import {module} from {root} failed:\n{completed.stderr}"
        )
    where = completed.stdout.strip().splitlines()[-1]
    if not where.startswith(str(root)):
        raise AssertionError(f"{runtime.name}: {module} came from {where}, not {root}")
    if where.endswith(".so"):
        return f"{where} ({own_build(runtime, root, where)})"
    return where


def own_build(runtime: Runtime, root: Path, path: str) -> str:
    """The package of *root* that owns the extension module *path*, which must be one built for
    *runtime*'s ABI: it provides ``requires_prefix(runtime)dist(...)`` (python3.13dist, or
    python3.13tdist for a free-threaded build; a debug build's are the normal build's), the
    names its packages require.  Another CPython's package (``python3dist()`` only) fails."""
    inside = "/" + os.path.relpath(path, root)
    owner = _run(["rpm", "--root", str(root), "-qf", "--qf", "%{NAME}\n", inside])
    name = owner.stdout.strip()
    if owner.returncode != 0 or not name or "\n" in name:
        raise AssertionError(f"{runtime.name}: no single package of {root} owns {inside}: "
                             f"{owner.stdout}{owner.stderr}")
    provides = _run(["rpm", "--root", str(root), "-q", "--provides", name]).stdout.splitlines()
    wanted = f"{requires_prefix(runtime)}dist("
    if not any(item.startswith(wanted) for item in provides):
        raise AssertionError(
            f"{runtime.name}: {inside} is {name}'s, which provides no {wanted}...): "
            "a package built for another runtime"
        )
    return name


def prove(
    runtimes: Sequence[Runtime], repo: Path, work: Path, projects: Sequence[str],
    modules: Sequence[str],
) -> list[str]:
    """Stubs, dnf install of every runtime's package of *projects*, imports; the lines said."""
    repo, work = repo.resolve(), work.resolve()
    stubs = build_stubs(runtimes, repo, work)
    root = work / "root"
    packages = [
        f"{runtime.package_prefix}-{project}" for project in projects for runtime in runtimes
    ]
    dnf_install({"chain": repo, "stubs": stubs}, root, packages)
    said = [f"dnf installed {' '.join(packages)} into {root} (no --nodeps)"]
    for runtime in runtimes:
        for item in modules:
            module, _, implementation = item.partition("@")
            if implementation and runtime.implementation != implementation:
                continue
            where = import_from_root(runtime, root, module)
            said.append(f"{runtime.name}: import {module} -> {where}")
    return said


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chainproof", description=__doc__)
    parser.add_argument("--confdir", action="append", required=True)
    parser.add_argument("--repo", required=True, type=Path)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--package", action="append", required=True, help="project name")
    parser.add_argument("--module", action="append", required=True,
                        help="module to import, MODULE@IMPLEMENTATION for one implementation")
    args = parser.parse_args(argv)
    runtimes = load_registry(args.confdir, explicit=True).runtimes
    try:
        said = prove(runtimes, args.repo, args.work, args.package, args.module)
    except AssertionError as error:
        print(f"chainproof: FAILED: {error}", file=sys.stderr)
        return 1
    for line in said:
        print(f"chainproof: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
