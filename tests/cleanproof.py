"""Proof that generated specs build in a clean build root: only what they declare, dnf, no --nodeps.

For each sdist or project directory: ``rpm-pyconfig spec`` writes its dynamic spec; an empty
root gets an empty rpm database; ``rpmbuild -br`` (dependencies checked against that database
alone, ``--dbpath``) runs ``%generate_buildrequires`` and writes what the build needs, which
dnf installs into the root from the chain's repository and the stubs, round after round until
``rpmbuild -br`` is satisfied; then ``rpmbuild -ba`` with the same database, **without
--nodeps**, and ``%pyconfig_deps_root`` set to the root (the site directories of the installed
build dependencies, as a chain build has them), runs ``%check`` (every runtime's import check
and, for a spec made with ``--test``, the project's own test suite with every runtime,
``%pyconfig_test``: pytest's summary per runtime is reported).  Last, dnf installs every
runtime's package just built into a second empty root and each interpreter imports the
project from that root alone (``-S``: never the host's site directories), like
tests/chainproof.py does for a chain.

What stands for Debian's own packages (no RPM provides them here), and nothing else:
:func:`tests.chainproof.build_stubs` (the runtimes: ``python(abi)``, interpreter paths, the host's
C library), and one stub per runtime for the build tools the chain took from that runtime's
interpreter (its report's ``reused`` entries, e.g. ``python3.11dist(setuptools) = 66.1.1``)
plus pip, which every generated spec's build requires, and the runtime's C headers
(``devel_requires``); and ``/bin/sh`` (the scriptlets' shell) and ``gcc``.  The run-time
dependencies of the projects always come from RPMs of the chain's repository.
``BuildRequires: rpm-pyconfig`` is met by this checkout's own RPM (specs/rpm-pyconfig.spec,
given with ``--repo``).

Which rpm-pyconfig runs: the spec is written by this checkout's (the packager's machine, like
the chain); the clean build uses only what dnf installed in the root.  rpmbuild loads the root's
macros (``ROOT%{_rpmconfigdir}/macros.d/macros.*``: macros.pyconfig, and its
macros.pyconfig-python with the package directory under the root), and the command on PATH,
for the parse and every scriptlet (``%generate_buildrequires``, ``%build``, ``%install``,
``%check``), is the root's ``%{_bindir}/rpm-pyconfig`` run by its shebang's interpreter (a stub
for the host's) with ``-I -S`` and the root's site directories alone (:func:`root_tool`): a
library missing from rpm-pyconfig's RPM Requires fails the build, naming the module.  PATH
keeps no directory with another rpm-pyconfig (this checkout's .venv).  The first ``-br`` round
has no pyconfig macros yet: the spec's static ``BuildRequires: rpm-pyconfig`` installs them.
The compiled registry is not in the root (dnf runs no scriptlets: its %posttrans makes it), so
the macros ask the root's tool.

Honest limits: rpmbuild runs with the host's interpreters, whose Debian site directories stay on
``sys.path`` during ``%check`` (the root's directories come first on ``PYTHONPATH``); the final
``-S`` imports are what proves the installed packages need nothing from the host.

Run as ``python -m tests.cleanproof --help`` (scripts/clean-proof.sh does).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.9/3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

from rpm_pyconfig.dependencies import requires_prefix
from rpm_pyconfig.errors import PyConfigError
from rpm_pyconfig.metadata import DEFAULT_BUILD_BACKEND, read_metadata
from rpm_pyconfig.registry import load_registry
from rpm_pyconfig.runtime import Runtime
from tests.chainproof import (
    _HOST_LIBRARY_PREFIXES,
    _stub_spec,
    build_stubs,
    dnf_install,
    import_from_root,
)

#: rpmbuild -br's exit status when build dependencies are missing (rpm >= 4.15).
MISSING = 11
ROUNDS = 6
_NEEDED = re.compile(r"^\t(.+) is needed by ", re.MULTILINE)
#: %pyconfig_test's line before each runtime's run, and pytest's closing summary line.
_TESTING = re.compile(r"^rpm-pyconfig: testing with (\S+) \(\d+/\d+\)$")
_SUMMARY = re.compile(r"^=+ (.*\d+ (?:passed|failed|skipped|deselected|errors?)\b.*) in "
                      r"[0-9.]+s(?: \([0-9:]+\))? =+$")


def _run(command: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, check=False, env=env,
                          cwd=cwd)


def _macro_path(root: Path) -> str:
    """rpm's own macro path, then the macro files the clean root's packages installed.

    The build machine's own rpm-pyconfig macros (a farm root has them in macros.d) are left
    out: only the root's may answer.  rpm's globs are expanded here to leave them out."""
    completed = _run(["rpm", "--showrc"])
    for line in completed.stdout.splitlines():
        if line.startswith("Macro path: "):
            return ":".join([*_without_ours(line[len("Macro path: "):].split(":")),
                             f"{root}{_rpm_eval('%{_rpmconfigdir}')}/macros.d/macros.*"])
    raise AssertionError("rpm --showrc names no macro path")


def _without_ours(entries: Sequence[str]) -> list[str]:
    """*entries* of a macro path with each glob of a directory holding ``macros.pyconfig*``
    replaced by its other files."""
    kept: list[str] = []
    for entry in entries:
        found = sorted(glob.glob(entry)) if not entry.startswith("~") and "%" not in entry else []
        if any(os.path.basename(path).startswith("macros.pyconfig") for path in found):
            kept += [path for path in found
                     if not os.path.basename(path).startswith("macros.pyconfig")]
        else:
            kept.append(entry)
    return kept


def _rpm_eval(expression: str, *options: str) -> str:
    return _run(["rpm", *options, "--eval", expression]).stdout.strip()


#: the wrapper's program: the root's script with the root's site directories (and .pth files)
#: in place of the host's
_ROOT_TOOL = ("import runpy, site, sys\n"
              "script, sites = sys.argv[1], sys.argv[2].split(':')\n"
              "del sys.argv[1:3]\n"
              "sys.argv[0] = script\n"
              "for directory in sites:\n"
              "    site.addsitedir(directory)\n"
              "runpy.run_path(script, run_name='__main__')\n")


def clean_env(env: dict[str, str], tools: Path) -> dict[str, str]:
    """*env* for rpmbuild in a clean root: *tools* (the root's command) first on PATH, and no
    directory that holds another rpm-pyconfig (this checkout's .venv) or a virtual env."""
    kept = [entry for entry in env.get("PATH", "/usr/bin:/bin").split(os.pathsep)
            if entry and not os.access(os.path.join(entry, "rpm-pyconfig"), os.X_OK)]
    clean = {key: value for key, value in env.items() if key != "VIRTUAL_ENV"}
    clean["PATH"] = os.pathsep.join([str(tools), *kept])
    return clean


def root_tool(root: Path, runtimes: Sequence[Runtime], tools: Path) -> list[str]:
    """Write *tools*/rpm-pyconfig, the clean root's own command as the root would run it: its
    ``%{_bindir}/rpm-pyconfig`` by the interpreter of its shebang (the host's: a stub), isolated
    (``-I -S``: neither the host's site directories nor PYTHONPATH), with the root's site
    directories of that runtime alone.  Returns rpmbuild's options that put the root under
    the package directory of the root's macros.pyconfig-python (the macros' direct fallback).
    Nothing (no wrapper) while rpm-pyconfig is not installed in the root."""
    script = root / _rpm_eval("%{_bindir}").lstrip("/") / "rpm-pyconfig"
    wrapper = tools / "rpm-pyconfig"
    if not script.is_file():
        wrapper.unlink(missing_ok=True)
        return []
    first = script.read_text(encoding="utf-8").split("\n", 1)[0]
    words = first[2:].split() if first.startswith("#!") else []
    runtime = next((rt for rt in runtimes if words and (
        rt.interpreter == words[0] or os.path.realpath(rt.interpreter) == os.path.realpath(words[0])
    )), None)
    if runtime is None:
        raise AssertionError(f"{script}: line 1: {first!r}: no runtime of the registry has "
                             "this interpreter")
    sites = ":".join(dict.fromkeys(f"{root}{directory}" for directory in
                                   (runtime.purelib, runtime.platlib)))
    tools.mkdir(parents=True, exist_ok=True)
    wrapper.write_text(
        "#!/bin/sh\n# the clean root's rpm-pyconfig with the root's site directories alone\n"
        f"exec {shlex.quote(runtime.interpreter)} -I -S -c {shlex.quote(_ROOT_TOOL)} "
        f"{shlex.quote(str(script))} {shlex.quote(sites)} \"$@\"\n", encoding="utf-8")
    wrapper.chmod(0o755)
    macros = root / _rpm_eval("%{_rpmconfigdir}").lstrip("/") / "macros.d"
    direct = macros / "macros.pyconfig-python"
    if not direct.is_file():
        return []
    sitedir = _rpm_eval("%{?_pyconfig_sitedir}", "--macros", str(direct))
    return ["--define", f"_pyconfig_sitedir {root}{sitedir}"] if sitedir else []


def _dbpath() -> str:
    return _run(["rpm", "--eval", "%{_dbpath}"]).stdout.strip()


def _stub(name: str, provides: Sequence[str], files: Sequence[str], work: Path) -> None:
    spec = work / "specs" / f"{name}.spec"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(_stub_spec(name, sorted(provides), files), encoding="utf-8")
    completed = _run(["rpmbuild", "-bb", "--nodeps", "--define", f"_topdir {work}",
                      "--define", f"_rpmdir {work / 'repo'}", str(spec)])
    if completed.returncode != 0:
        raise AssertionError(f"stub {name} did not build:\n{completed.stderr}")


def _installed_version(runtime: Runtime, name: str) -> str:
    code = "import sys, importlib.metadata as m; print(m.version(sys.argv[1]))"
    completed = _run([runtime.interpreter, "-s", "-c", code, name])
    if completed.returncode != 0:
        raise AssertionError(f"{runtime.name}: {runtime.interpreter} has no {name}: "
                             f"{completed.stderr.strip()}")
    return completed.stdout.strip()


def host_tools_repo(runtimes: Sequence[Runtime], report: Path, work: Path) -> Path:
    """Stubs for the build tools the chain of *report* took from each runtime's interpreter,
    and pip: ``PREFIXdist(NAME) = VERSION``, the names generated specs build-require; and the
    runtime's C headers (its ``devel_requires``)."""
    stubs = work / "host-tools"
    shutil.rmtree(stubs, ignore_errors=True)
    reused = json.loads(report.read_text(encoding="utf-8")).get("reused", [])
    for runtime in runtimes:
        provides = {f"{requires_prefix(runtime)}dist(pip) = "
                    f"{_installed_version(runtime, 'pip')}"}
        for entry in reused:
            by = entry["by"]  # "NAME VERSION (INTERPRETER)"
            if entry["runtime"] == runtime.name and by.endswith(f" ({runtime.interpreter})"):
                name, version = by.split(" ")[:2]
                provides.add(f"{requires_prefix(runtime)}dist({name}) = {version}")
        # the runtime's C headers (devel_requires: Debian's python3-dev, pypy3-dev), a file
        # or a package name that compiled projects build-require
        files = []
        if runtime.devel_requires.startswith("/"):
            files.append(runtime.devel_requires)
        elif runtime.devel_requires:
            provides.add(runtime.devel_requires)
        _stub(f"pyconfig-stub-host-tools-{runtime.name}", sorted(provides), files, stubs)
    # the shell of scriptlets (rpm-pyconfig's own %transfiletrigger...) and the C compiler
    # compiled specs build-require: Debian's dash and gcc
    _stub("pyconfig-stub-host-system", ["gcc"], ["/bin/sh"], stubs)
    completed = _run(["createrepo_c", "--quiet", str(stubs / "repo")])
    if completed.returncode != 0:
        raise AssertionError(completed.stderr)
    return stubs / "repo"


def _requires_of(nosrc: Path) -> list[str]:
    completed = _run(["rpm", "-qp", "--requires", str(nosrc)])
    return [line for line in completed.stdout.splitlines()
            if line and not line.startswith("rpmlib(")]


def _dnf(repos: dict[str, Path], root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return _run([
        "dnf", "-y", "--installroot", str(root), "--releasever", "1",
        "--setopt=reposdir=/dev/null", "--setopt=install_weak_deps=False", "--nogpgcheck",
        # no scriptlets: the root's /bin/sh is a stub (rpm 6 runs them chrooted, and a failed
        # %posttrans of rpm-pyconfig's registry compilation fails the transaction there)
        "--setopt=tsflags=noscripts",
        *[f"--repofrompath={name},{path.resolve()}" for name, path in repos.items()],
        *arguments,
    ])


class Result:
    """One project's clean build: what dnf installed, the runtimes checked, the time."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.installed: list[str] = []
        self.imports: list[str] = []
        self.checks: list[str] = []
        #: (runtime, pytest's summary) of each %pyconfig_test run, in order
        self.tests: list[tuple[str, str]] = []
        self.seconds = 0.0

    def line(self) -> str:
        return (f"{self.name}: built in a clean root in {self.seconds:.0f} s; "
                f"{len(self.installed)} build dependencies installed by dnf; %check: "
                f"{', '.join(self.checks) or 'none'}; test suites: "
                f"{'; '.join(f'{name}: {summary}' for name, summary in self.tests) or 'none'}; "
                f"imports from an installed root: {', '.join(self.imports)}")


def pytest_summaries(output: str) -> list[tuple[str, str]]:
    """(runtime, pytest's summary) for each runtime %pyconfig_test ran, from a build log in
    which stdout and stderr are one stream; a runtime whose run printed no summary gets
    ``no summary``."""
    found: list[tuple[str, str]] = []
    for text in output.splitlines():
        testing = _TESTING.match(text)
        if testing:
            found.append((testing.group(1), "no summary"))
            continue
        summary = _SUMMARY.match(text)
        if summary and found and found[-1][1] == "no summary":
            found[-1] = (found[-1][0], summary.group(1))
    return found


def clean_build(source: Path, repos: dict[str, Path], runtimes: Sequence[Runtime],
                confdir: Path, work: Path, env: dict[str, str],
                spec_options: Sequence[str] = ()) -> Result:
    """Spec, clean root, -br rounds with dnf, rpmbuild -ba with deps checked, -S imports."""
    started = time.monotonic()
    top = work / source.name.split(".tar")[0]
    shutil.rmtree(top, ignore_errors=True)
    sources = top / "SOURCES"
    sources.mkdir(parents=True)
    if source.is_dir():
        source = _sdist_of(source, _backend_of(source), runtimes, top)
    meta = read_metadata(source)
    result = Result(meta.name)
    shutil.copy2(source, sources / source.name)
    spec = top / f"python-{meta.canonical_name}.spec"
    made = _run(["rpm-pyconfig", "--confdir", str(confdir), "spec", str(source), "-o", str(spec),
                 *spec_options], env=env)
    if made.returncode != 0:
        raise AssertionError(f"{source}: rpm-pyconfig spec failed:\n{made.stderr}")
    root = top / "root"
    root.mkdir()
    dbpath = str(root) + _dbpath()
    # _dbpath, not --dbpath: rpmbuild 4.20 checks build dependencies against the default
    # database when given --dbpath (measured in the Debian 13 root)
    rpmbuild = ["rpmbuild", "--macros", _macro_path(root), "--define", f"_dbpath {dbpath}",
                "--define", f"_topdir {top}", "--define", f"_sourcedir {sources}",
                "--define", f"pyconfig_deps_root {root}"]
    # the root's own rpm-pyconfig, never this checkout's (the spec above is the packager's)
    tools = top / "tools"
    tools.mkdir()
    rpmbuild_env = clean_env(env, tools)
    init = _run(["rpm", "--dbpath", dbpath, "--initdb"])
    if init.returncode != 0:
        raise AssertionError(init.stderr)
    for _ in range(ROUNDS):
        shutil.rmtree(top / "SRPMS", ignore_errors=True)
        asked = _run([*rpmbuild, *root_tool(root, runtimes, tools), "-br", str(spec)],
                     env=rpmbuild_env)
        if asked.returncode == 0:
            break
        if asked.returncode != MISSING:
            raise AssertionError(f"{meta.name}: rpmbuild -br failed ({asked.returncode}):\n"
                                 f"{asked.stderr[-3000:]}")
        # rpmbuild -br stops before %generate_buildrequires when a static BuildRequires is
        # missing (it says which); after it, the buildreqs.nosrc.rpm holds the whole list
        nosrc = sorted((top / "SRPMS").glob("*.buildreqs.nosrc.rpm"))
        wanted = _requires_of(nosrc[0]) if nosrc else [
            match.group(1) for match in _NEEDED.finditer(asked.stderr)]
        if not wanted:
            raise AssertionError(f"{meta.name}: rpmbuild -br misses dependencies but names "
                                 f"none:\n{asked.stderr[-3000:]}")
        installed = _dnf(repos, root, "install", *wanted)
        if installed.returncode != 0:
            raise AssertionError(f"{meta.name}: dnf cannot install the build dependencies "
                                 f"{wanted}:\n{installed.stdout[-3000:]}\n{installed.stderr}")
        result.installed = sorted(set(result.installed) | set(wanted))
    else:
        raise AssertionError(f"{meta.name}: rpmbuild -br still misses dependencies after "
                             f"{ROUNDS} rounds")
    direct = root_tool(root, runtimes, tools)
    if not (tools / "rpm-pyconfig").exists():
        raise AssertionError(f"{meta.name}: rpm-pyconfig is not installed in the clean root")
    # one stream, so that each pytest summary follows the line naming its runtime
    built = subprocess.run([*rpmbuild, *direct, "-ba", str(spec)], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, check=False, env=rpmbuild_env)
    output = built.stdout
    (top / "rpmbuild-ba.log").write_text(output, encoding="utf-8")
    if built.returncode != 0:
        raise AssertionError(f"{meta.name}: rpmbuild -ba in the clean root failed:\n"
                             f"{output[-4000:]}")
    result.checks = [line.split("rpm-pyconfig: ", 1)[1] for line in output.splitlines()
                     if "imported" in line and "module(s) from" in line and "rpm-pyconfig" in line]
    result.tests = pytest_summaries(output)
    rpms = sorted(p for p in (top / "RPMS").rglob("*.rpm"))
    local = top / "built"
    local.mkdir()
    for path in rpms:
        shutil.copy2(path, local / path.name)
    if _run(["createrepo_c", "--quiet", str(local)]).returncode != 0:
        raise AssertionError("createrepo_c failed")
    # every runtime the spec selected on this machine has its package
    name = _package_name(meta.canonical_name)
    names = {_run(["rpm", "-qp", "--qf", "%{NAME}", str(path)]).stdout for path in rpms}
    built_for = [runtime for runtime in runtimes if f"{runtime.package_prefix}-{name}" in names]
    if not built_for:
        raise AssertionError(f"{meta.name}: no runtime's package among {[p.name for p in rpms]}")
    packages = [f"{runtime.package_prefix}-{name}" for runtime in built_for]
    # the host's shared libraries the new extension modules link (libffi for cffi), as the
    # chain's proof stubs them for the chain's packages
    libraries = top / "libraries"
    needed = sorted({line.split(" ")[0] for path in rpms
                     for line in _run(["rpm", "-qp", "--requires", str(path)]).stdout.splitlines()
                     if line.startswith(_HOST_LIBRARY_PREFIXES)})
    _stub(f"pyconfig-stub-host-libraries-{meta.canonical_name}", needed, [], libraries)
    if _run(["createrepo_c", "--quiet", str(libraries / "repo")]).returncode != 0:
        raise AssertionError("createrepo_c failed")
    dnf_install({**repos, "built": local, "libraries": libraries / "repo"}, top / "installed",
                packages)
    modules = meta.import_names or [meta.canonical_name.replace("-", "_")]
    for runtime in built_for:
        for module in modules:
            where = import_from_root(runtime, top / "installed", module)
            result.imports.append(f"{runtime.name}:{module}")
            del where
    result.seconds = time.monotonic() - started
    return result


def _backend_of(project: Path) -> str:
    """``[build-system] build-backend`` of a fixture directory (PEP 517's legacy default)."""
    table = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    backend = table.get("build-system", {}).get("build-backend")
    return backend if isinstance(backend, str) else DEFAULT_BUILD_BACKEND


def _sdist_of(project: Path, backend: str, runtimes: Sequence[Runtime], top: Path) -> Path:
    """The sdist of a fixture directory, made offline by its own backend with the default
    runtime's interpreter (the spec's Source0)."""
    interpreter = next((rt for rt in runtimes if rt.default), runtimes[0]).interpreter
    copy = top / "project"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns("expected*.spec", "__pycache__"))
    module, _, attribute = backend.partition(":")
    script = ("import importlib, sys\nbackend = importlib.import_module(sys.argv[1])\n"
              + (f"backend = backend.{attribute}\n" if attribute else "")
              + "print(backend.build_sdist(sys.argv[2]))\n")
    made = _run([interpreter, "-c", script, module, str(top)], cwd=copy,
                env={"PATH": "/usr/bin:/bin", "HOME": str(top), "SOURCE_DATE_EPOCH": "1767225600"})
    if made.returncode != 0:
        raise AssertionError(f"{project}: no sdist:\n{made.stderr[-3000:]}")
    return top / made.stdout.strip().splitlines()[-1]


def _package_name(canonical: str) -> str:
    """The generated spec's package name after the runtime prefix (no doubled python-)."""
    return canonical[len("python-"):] if canonical.startswith("python-") else canonical


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.cleanproof", description=__doc__)
    parser.add_argument("--confdir", required=True, type=Path)
    parser.add_argument("--chain", required=True, type=Path, help="a chain's directory")
    parser.add_argument("--repo", action="append", default=[], type=Path,
                        help="another repository (this project's own RPM)")
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--spec-options", action="append", default=[], metavar="NAME=OPTIONS",
                        help="options of rpm-pyconfig spec for project NAME (shell words), e.g. "
                        "cffi=--where \"implementation_name == 'cpython'\"")
    parser.add_argument("sources", nargs="+", type=Path,
                        help="sdists, or fixture directories (their sdist is made here)")
    args = parser.parse_args(argv)
    runtimes = load_registry([str(args.confdir)], explicit=True).runtimes
    work = args.work.resolve()
    chain_repo = (args.chain / "repo").resolve()
    env = dict(os.environ)
    env["RPM_PYCONFIG_PATH"] = str(args.confdir.resolve())
    options: dict[str, list[str]] = {}
    for item in args.spec_options:
        project, _, words = item.partition("=")
        # several --spec-options for one project add up (tests.txt's lines, the script's own)
        options.setdefault(canonicalize_name(project), []).extend(shlex.split(words))
    failed = 0
    try:
        repos = {
            "chain": chain_repo,
            "stubs": build_stubs(runtimes, chain_repo, work),
            "hosttools": host_tools_repo(runtimes, args.chain / "report.json", work),
            **{f"extra{index}": path.resolve() for index, path in enumerate(args.repo)},
        }
    except AssertionError as error:
        print(f"cleanproof: FAILED: {error}", file=sys.stderr)
        return 1
    for source in args.sources:
        try:
            # options by the sdist's project name or the fixture directory's name
            key = source.name if source.is_dir() else read_metadata(source).name
            result = clean_build(
                source.resolve(), repos, runtimes, args.confdir.resolve(), work, env,
                options.get(canonicalize_name(key), []))
        except (AssertionError, PyConfigError) as error:
            failed += 1
            print(f"cleanproof: FAILED: {source.name}: {error}", file=sys.stderr, flush=True)
            continue
        print(f"cleanproof: {result.line()}", flush=True)
    print(f"cleanproof: {len(args.sources) - failed} of {len(args.sources)} built in a clean root",
          flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
