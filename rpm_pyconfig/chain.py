"""Build a dependency closure in order, into one repository: ``rpm-pyconfig chain``.

:func:`plan` orders the projects of a :class:`~rpm_pyconfig.resolving.Closure` so that each
build finds its build requirements and the run-time requirements its ``%check`` imports
already built.  A cycle of run-time requirements is broken the way distributions do: the
first members are built ``--without check`` (a bootstrap), the last one normally, then the
bootstrapped ones again with their checks.  A cycle through build requirements has no such
way out and is an error naming it.

:func:`build_chain` generates a spec per project, builds it (SRPM and RPMs) with
``rpmbuild``, and installs what it built into ``CHAIN/root`` with ``rpm --root``: later
builds see that tree's site directories through ``%pyconfig_deps_root`` (``%build`` for
build backends and their plugins, ``%check`` for imports).  Nothing is written outside the
chain's directory: ``_topdir``, ``_tmppath``, ``TMPDIR`` and the root all live there.
Honest limits: the host's interpreters and build tools (pip, setuptools...) are used as they
are, rpmbuild runs with ``--nodeps`` (on Debian the rpm database is empty; the chain itself
checked that every requirement is built or reused), and ``rpm --root`` installs with
``--nodeps``.  Proving that the ``Requires:`` resolve is a separate step: install the top
package from the repository with dnf (the tests do).

Each build is recorded in ``CHAIN/state.json`` (what built stays built: a later run skips a
project whose sdist and spec are unchanged and whose packages exist).  The repository
(``CHAIN/repo``, ``createrepo_c``) holds the RPMs and SRPMs; ``CHAIN/report.txt`` and
``report.json`` say what happened to each project.

The same SRPMs on another distribution: with :attr:`ChainSettings.srpms` (from
:func:`srpms_from_report`, the report of a chain built elsewhere), a project of the closure
found there at the same version is rebuilt from that SRPM (``rpmbuild --rebuild``) with this
machine's registry, which decides its subpackages; only what this machine needs besides
(a build backend its distribution has in another version) gets a spec generated here.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NoReturn

from ._files import sha256_of, write_atomically
from .backend import MetadataBackend
from .errors import PyConfigError
from .resolving import ChainProject, Closure
from .sources import read_regular
from .specgen import changelog_today, generate_spec

__all__ = [
    "ChainBuildError",
    "ChainReport",
    "ChainSettings",
    "CycleError",
    "PackageResult",
    "Step",
    "build_chain",
    "find_macros",
    "plan",
    "srpms_from_report",
]

Progress = Callable[[str], None]


class CycleError(PyConfigError):
    """Projects need each other to build; no bootstrap order exists."""


class ChainBuildError(PyConfigError):
    """One project of the chain failed: which, in which phase, and where its log is."""

    def __init__(self, package: str, phase: str, log: str, detail: str = "") -> None:
        self.package = package
        self.phase = phase
        self.log = log
        message = f"{package}: failed in {phase}; log: {log}"
        super().__init__(message + (f"\n{detail}" if detail else ""))


# -- order ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One build: a project, normally or as a bootstrap without ``%check``."""

    name: str
    bootstrap: bool = False


def plan(closure: Closure) -> list[Step]:
    """The builds of *closure* in an order where every build finds what it needs."""
    projects = closure.projects
    steps: list[Step] = []
    for component in _components(projects):
        if len(component) == 1:
            steps.append(Step(component[0]))
            continue
        members = sorted(component)
        inside = set(members)
        for name in members:
            for dep, kind in projects[name].needs.items():
                if kind == "build" and dep in inside:
                    raise CycleError(
                        "dependency cycle through build requirements, no bootstrap possible: "
                        + _describe_cycle(projects, members)
                    )
        built: set[str] = set()
        bootstrapped: list[str] = []
        for name in members:
            waits = {dep for dep in projects[name].needs if dep in inside and dep != name}
            if waits - built:
                steps.append(Step(name, bootstrap=True))
                bootstrapped.append(name)
            else:
                steps.append(Step(name))
            built.add(name)
        steps += [Step(name) for name in bootstrapped]
    return steps


def _components(projects: Mapping[str, ChainProject]) -> list[list[str]]:
    """Strongly connected components, each after every component it needs (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(name: str) -> None:
        # Iterative depth-first search: chains can be deeper than Python's recursion limit.
        work: list[tuple[str, list[str]]] = []
        index[name] = low[name] = len(index)
        stack.append(name)
        on_stack.add(name)
        work.append((name, sorted(d for d in projects[name].needs if d in projects)))
        while work:
            node, pending = work[-1]
            if pending:
                dep = pending.pop(0)
                if dep not in index:
                    index[dep] = low[dep] = len(index)
                    stack.append(dep)
                    on_stack.add(dep)
                    work.append((dep, sorted(d for d in projects[dep].needs if d in projects)))
                elif dep in on_stack:
                    low[node] = min(low[node], index[dep])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(sorted(component))

    for name in sorted(projects):
        if name not in index:
            visit(name)
    return found


def _describe_cycle(
    projects: Mapping[str, ChainProject], members: Sequence[str]
) -> str:
    """``a -(build)-> b -(run)-> a``: one path around the cycle."""
    inside = set(members)
    path = [members[0]]
    while True:
        current = path[-1]
        following = sorted(d for d in projects[current].needs if d in inside)
        nxt = next((d for d in following if d not in path), None)
        if nxt is None:
            nxt = next(d for d in following if d in path)
            path.append(nxt)
            break
        path.append(nxt)
    start = path.index(path[-1])
    cycle = path[start:]
    parts: list[str] = [cycle[0]]
    for before, after in zip(cycle, cycle[1:]):
        parts.append(f"-({projects[before].needs[after]})-> {after}")
    return " ".join(parts)


# -- building ---------------------------------------------------------------------------------


@dataclass
class ChainSettings:
    """Where and how a chain builds."""

    #: The chain's own directory: everything it writes goes there.
    directory: Path
    #: Registry directories the builds use (``RPM_PYCONFIG_PATH``); empty: the default path.
    confdirs: Sequence[str] = ()
    #: ``macros.pyconfig`` to load; None when rpm already has the macros installed.
    macros: Path | None = None
    #: A directory holding the ``rpm-pyconfig`` command the builds run (first on PATH).
    tool_bin: Path | None = None
    #: More ``rpmbuild`` options (``--define``...).
    rpmbuild_options: Sequence[str] = ()
    #: Every runtime of the registry: a project needed by fewer is built for those only
    #: (``%pyconfig_select``), e.g. a backport that only PyPy's older Python version needs.
    all_runtimes: Sequence[str] = ()
    #: SRPMs built elsewhere, by project name: rebuilt as they are instead of generating a
    #: spec here (:func:`srpms_from_report`).
    srpms: Mapping[str, Path] = field(default_factory=dict)


@dataclass
class PackageResult:
    """One line of the report."""

    package: str
    version: str
    runtimes: list[str]
    result: str
    seconds: float
    log: str
    rpms: list[str] = field(default_factory=list)
    srpm: str = ""
    sha256: str = ""
    spec_sha256: str = ""


@dataclass
class ChainReport:
    """What a chain did: one result per build, what was reused, where the repository is."""

    results: list[PackageResult]
    reused: list[str]
    repository: str
    top: list[str]

    def table(self) -> str:
        rows = [("PACKAGE", "VERSION", "RUNTIMES", "RESULT", "TIME", "LOG")]
        for item in self.results:
            rows.append((
                item.package, item.version, ",".join(item.runtimes), item.result,
                f"{item.seconds:.1f}s", item.log,
            ))
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[5]
                 for row in rows]
        lines = [line.rstrip() for line in lines]
        if self.reused:
            lines.append("")
            lines.append("Reused (not built):")
            lines += [f"  {entry}" for entry in self.reused]
        lines.append("")
        lines.append(f"Repository: {self.repository}")
        return "\n".join(lines) + "\n"


def build_chain(
    closure: Closure,
    steps: Sequence[Step],
    settings: ChainSettings,
    *,
    progress: Progress | None = None,
) -> ChainReport:
    """Build *steps* of *closure* in order; see the module doc.

    Raises :class:`ChainBuildError` at the first failure, after writing the report and the
    repository of what was built so far.
    """
    builder = _Builder(closure, settings, progress or (lambda _message: None))
    return builder.run(steps)


#: Where rpmbuild is, from the lines it prints as it goes: each section's script, then
#: making the packages from the buildroot (after %check: a file list names a missing file,
#: a generator fails), then the check for files no package has.
_PHASES = (
    (re.compile(r"^Executing\((%\w+)\)"), None),
    (re.compile(r"^Processing files: "), "making the packages (%files)"),
    (re.compile(r"^Checking for unpackaged file\(s\): "), "the check for unpackaged files"),
)
_WROTE = re.compile(r"^Wrote: (\S+)$")
_PLAIN = re.compile(r"^[A-Za-z0-9._+/@=,-]+\Z")


def _failed_phase(output: str) -> str:
    """The phase a failed rpmbuild stopped in, from its *output*: the last one it began."""
    phase = "spec parsing"
    for line in output.splitlines():
        for pattern, name in _PHASES:
            found = pattern.match(line)
            if found:
                phase = name or found.group(1)
                break
    return phase


class _Builder:
    def __init__(self, closure: Closure, settings: ChainSettings, progress: Progress) -> None:
        self.closure = closure
        self.settings = settings
        self.progress = progress
        top = settings.directory.resolve()
        for what, value in [("chain directory", str(top)),
                            *[("runtime name", name) for name in settings.all_runtimes]]:
            # Both end up in rpm --define values and in shell lines of the specs' scriptlets.
            if not _PLAIN.match(value):
                raise PyConfigError(
                    f"{what} {value!r}: only letters, digits and . _ + - / @ = , are allowed "
                    "(it is written into rpm macros and shell commands)"
                )
        if settings.macros is not None and not _PLAIN.match(str(settings.macros)):
            # rpmbuild --macros expands macros in its value (a %(...) runs) and splits it at
            # ':' into globs: only a plain path names the one file, literally.
            raise PyConfigError(
                f"--macros {str(settings.macros)!r}: only letters, digits and . _ + - / @ = , "
                "are allowed (rpmbuild --macros expands macros and globs in it)"
            )
        self.top = top
        self.root = top / "root"
        self.repo = top / "repo"
        self.logs = top / "logs"
        self.tmp = top / "tmp"
        for directory in (top, self.root, self.repo / "SRPMS", self.logs, self.tmp,
                          top / "specs", top / "sources", top / "rpmbuild"):
            directory.mkdir(parents=True, exist_ok=True)
        self.state_path = top / "state.json"
        self.state: dict[str, dict[str, object]] = {}
        if self.state_path.exists():
            try:
                loaded = _read_json(self.state_path)
            except (PyConfigError, ValueError, RecursionError) as error:
                # (RecursionError: arrays nested deeper than the json module recurses)
                raise PyConfigError(f"{self.state_path}: unreadable ({error})") from None
            if isinstance(loaded, dict):
                self.state = loaded
            for name, entry in self.state.items():
                if not isinstance(entry, dict):
                    raise PyConfigError(
                        f"{self.state_path}: {name}: not a state of this tool ({entry!r})")
                dated = entry.get("changelog_date", "")
                if not isinstance(dated, str) or (dated and not _is_date(dated)):
                    raise PyConfigError(f"{self.state_path}: {name}: not a state of this tool "
                                        f"(changelog_date {dated!r})")
        self.results: list[PackageResult] = []
        self.dates: dict[str, datetime.date] = {}  # project -> its spec's changelog date

    # -- the loop --------------------------------------------------------------------------

    def run(self, steps: Sequence[Step]) -> ChainReport:
        total = len(steps)
        try:
            for number, step in enumerate(steps, 1):
                self._step(step, f"[{number}/{total}]")
        except ChainBuildError:
            self._repository(quiet=True)
            self._write_report()
            raise
        self._repository(quiet=False)
        return self._write_report()

    def _step(self, step: Step, counter: str) -> None:
        project = self.closure.projects[step.name]
        version = str(project.sdist.version)
        label = f"{counter} {project.name} {version}"
        log = self.logs / f"{project.name}{'-bootstrap' if step.bootstrap else ''}.log"
        runtimes = sorted(project.runtimes)
        started = time.monotonic()
        srpm = self.settings.srpms.get(project.name)
        try:
            spec_path = self._spec(project, log) if srpm is None else srpm
        except PyConfigError as error:
            write_atomically(str(log), f"{error}\n".encode(), replace=True)
            self._fail(project, version, runtimes, "spec generation", log, str(error))
        spec_sha = sha256_of(spec_path)
        previous = self.state.get(project.name)
        if self._still_built(previous, project.sdist.sha256, spec_sha, step.bootstrap):
            assert previous is not None
            self._install([Path(p) for p in _strings(previous.get("rpms"))], project, log)
            what = "bootstrap" if previous.get("bootstrap") else "full"
            self.progress(f"{label}: already built ({what}), kept")
            self.results.append(PackageResult(
                package=project.name, version=version, runtimes=runtimes,
                result="kept" + (" (bootstrap)" if previous.get("bootstrap") else ""),
                seconds=0.0, log=str(log), rpms=_strings(previous.get("rpms")),
                srpm=str(previous.get("srpm", "")), sha256=project.sdist.sha256,
                spec_sha256=spec_sha,
            ))
            return
        how = "bootstrap build without %check" if step.bootstrap else "building"
        if srpm is not None:
            how = f"re{how} {srpm.name}"
        self.progress(f"{label}: {how} for {', '.join(runtimes)} (log: {log})")
        rpms, built_srpm = self._rpmbuild(
            project, version, runtimes, spec_path, log, step.bootstrap, rebuild=srpm is not None
        )
        self._install(rpms, project, log)
        self._remove_superseded(previous, [*rpms, built_srpm], label)
        seconds = time.monotonic() - started
        outcome = "rebuilt" if srpm is not None else "built"
        result = PackageResult(
            package=project.name, version=version, runtimes=runtimes,
            result=f"bootstrap ({outcome})" if step.bootstrap and srpm else
            "bootstrap" if step.bootstrap else outcome, seconds=round(seconds, 1),
            log=str(log), rpms=[str(p) for p in rpms], srpm=str(built_srpm),
            sha256=project.sdist.sha256, spec_sha256=spec_sha,
        )
        self.results.append(result)
        day = self.dates.get(project.name)
        self.state[project.name] = {
            **asdict(result), "bootstrap": step.bootstrap,
            "changelog_date": day.isoformat() if day else "",
        }
        write_atomically(
            str(self.state_path),
            (json.dumps(self.state, indent=2, sort_keys=True) + "\n").encode(),
            replace=True,
        )
        self.progress(f"{label}: {result.result} in {seconds:.1f} s, {len(rpms)} RPMs")

    def _remove_superseded(
        self, previous: Mapping[str, object] | None, built: Sequence[Path], label: str
    ) -> None:
        """The repository's packages of the project's earlier build that this one did not
        write again (another version, a runtime gone from the registry): dnf would still see
        them.  Only files the chain recorded, inside its repository."""
        if not previous:
            return
        kept = {path.resolve() for path in built}
        repo = self.repo.resolve()
        removed = 0
        for name in [*_strings(previous.get("rpms")), str(previous.get("srpm", ""))]:
            path = Path(name).resolve()
            if name and path not in kept and repo in path.parents and path.is_file():
                path.unlink()
                removed += 1
        if removed:
            self.progress(f"{label}: removed {removed} package(s) of its earlier build "
                          "from the repository")

    def _still_built(
        self, previous: Mapping[str, object] | None, sha256: str, spec_sha: str, bootstrap: bool
    ) -> bool:
        """Whether *previous* (the state's record) stands for this build: the same sdist and
        spec, and every package it names still a file of the chain's repository (only those
        are the chain's own builds: a state naming packages elsewhere would have them
        installed into the root and reported as this chain's)."""
        if not previous:
            return False
        if previous.get("sha256") != sha256 or previous.get("spec_sha256") != spec_sha:
            return False
        if previous.get("bootstrap") and not bootstrap:
            return False  # a bootstrap build does not stand for a full one
        repo = self.repo.resolve()
        files = [*_strings(previous.get("rpms")), str(previous.get("srpm", ""))]
        return all(name and Path(name).is_file() and repo in Path(name).resolve().parents
                   for name in files)

    # -- phases ----------------------------------------------------------------------------

    def _spec(self, project: ChainProject, log: Path) -> Path:
        sources = self.top / "sources" / project.name
        sources.mkdir(parents=True, exist_ok=True)
        target = sources / project.sdist.path.name
        if not target.exists() or sha256_of(target) != project.sdist.sha256:
            shutil.copyfile(project.sdist.path, target)
        # The date of the spec's changelog entry is the first build's: a chain resumed on
        # another day regenerates the same spec, so what built stays built.
        dated = self.state.get(project.name, {}).get("changelog_date")
        day = datetime.date.fromisoformat(dated) if isinstance(dated, str) and dated else None
        day = day or self.dates.setdefault(project.name, changelog_today())
        self.dates[project.name] = day
        spec = generate_spec(target, changelog_date=day,
                             backend=MetadataBackend(self._backend_interpreter))
        path = self.top / "specs" / spec.filename
        write_atomically(str(path), spec.text.encode("utf-8"), replace=True)
        return path

    def _backend_interpreter(self) -> str:
        """The registry's default runtime: it asks a build backend for the metadata that an
        sdist's PKG-INFO cannot vouch for."""
        from .registry import load_registry, search_path
        from .selection import pick_one

        dirs, explicit = search_path(list(self.settings.confdirs) or None, os.environ)
        return pick_one(load_registry(dirs, explicit=explicit).runtimes).interpreter

    def _rpmbuild(
        self, project: ChainProject, version: str, runtimes: list[str], spec: Path, log: Path,
        bootstrap: bool, *, rebuild: bool = False,
    ) -> tuple[list[Path], Path]:
        """``rpmbuild -ba SPEC``, or ``--rebuild SRPM`` (*rebuild*: the SRPM joins the repo)."""
        command = ["rpmbuild"]
        if self.settings.macros is not None:
            # First: rpm reads --macros when it sees it, after earlier --with/--define.
            command += ["--macros", f"{_default_macro_path()}:{self.settings.macros}"]
        command += ["--rebuild" if rebuild else "-ba", "--nodeps"]
        if bootstrap:
            command += ["--without", "check"]
        defines = {
            "_topdir": self.top / "rpmbuild",
            "_sourcedir": self.top / "sources" / project.name,
            "_rpmdir": self.repo,
            "_srcrpmdir": self.repo / "SRPMS",
            "_tmppath": self.tmp,
            "pyconfig_deps_root": self.root,
        }
        for name, value in defines.items():
            command += ["--define", f"{name} {value}"]
        if set(self.settings.all_runtimes) - set(runtimes):
            only = " ".join(f"--only {shlex.quote(runtime)}" for runtime in runtimes)
            command += ["--define", f"pyconfig_select {only}"]
        command += [*self.settings.rpmbuild_options, str(spec)]
        env = dict(os.environ)
        if self.settings.tool_bin is not None:
            env["PATH"] = f"{self.settings.tool_bin}{os.pathsep}{env.get('PATH', '')}"
        if self.settings.confdirs:
            env["RPM_PYCONFIG_PATH"] = os.pathsep.join(
                os.path.abspath(directory) for directory in self.settings.confdirs
            )
        env["TMPDIR"] = str(self.tmp)
        # Build backends ask git which files are ignored (poetry-core excludes them, hatch-vcs and
        # setuptools-scm take versions from tags): a chain kept inside some checkout must not
        # see that checkout.  Measured: textual built in a git-ignored out/ shipped no modules.
        env["GIT_CEILING_DIRECTORIES"] = str(self.top)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPATH", None)
        with log.open("w", encoding="utf-8") as stream:
            stream.write("$ " + " ".join(command) + "\n")
            stream.flush()
            completed = subprocess.run(
                command, stdout=stream, stderr=subprocess.STDOUT, env=env, check=False,
                stdin=subprocess.DEVNULL, cwd=self.tmp,
            )
        text = log.read_text(encoding="utf-8", errors="replace")
        if completed.returncode != 0:
            phase = _failed_phase(text)
            errors = [
                line for line in text.splitlines() if line.startswith(("error:", "rpm-pyconfig:"))
            ]
            self._fail(project, version, runtimes, phase, log, "\n".join(errors[-5:]))
        wrote = [Path(m.group(1)) for line in text.splitlines() if (m := _WROTE.match(line))]
        srpms = [p for p in wrote if p.name.endswith(".src.rpm")]
        rpms = [p for p in wrote if not p.name.endswith(".src.rpm")]
        if rebuild and not srpms:
            srpms = [self.repo / "SRPMS" / spec.name]
            if spec.resolve() != srpms[0].resolve():
                shutil.copyfile(spec, srpms[0])
        if len(srpms) != 1 or not rpms:
            self._fail(project, version, runtimes, "rpmbuild output", log,
                       f"expected one SRPM and RPMs, rpmbuild wrote {len(wrote)} files")
        return rpms, srpms[0]

    def _install(self, rpms: Sequence[Path], project: ChainProject, log: Path) -> None:
        """Put *rpms* into the chain's root, for the next builds (``--nodeps``: see the doc)."""
        if not rpms:
            return
        command = [
            "rpm", "-U", "--root", str(self.root), "--dbpath", "/var/lib/rpm", "--nodeps",
            "--noscripts", "--replacepkgs", "--replacefiles", "--oldpackage",
            *[str(p) for p in rpms],
        ]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        with log.open("a", encoding="utf-8") as stream:
            stream.write("$ " + " ".join(command) + "\n" + completed.stdout + completed.stderr)
        if completed.returncode != 0:
            self._fail(project, str(project.sdist.version), sorted(project.runtimes),
                       "installing into the chain root", log, completed.stderr.strip())

    def _fail(
        self, project: ChainProject, version: str, runtimes: list[str], phase: str, log: Path,
        detail: str,
    ) -> NoReturn:
        self.results.append(PackageResult(
            package=project.name, version=version, runtimes=runtimes,
            result=f"FAILED ({phase})", seconds=0.0, log=str(log),
        ))
        self.progress(f"{project.name} {version}: FAILED in {phase}; log: {log}")
        raise ChainBuildError(project.name, phase, str(log), detail)

    def _repository(self, *, quiet: bool) -> None:
        if shutil.which("createrepo_c") is None:
            if quiet:
                return
            raise PyConfigError("createrepo_c is not installed: cannot write the repository")
        completed = subprocess.run(
            ["createrepo_c", "--quiet", "--general-compress-type=gz", str(self.repo)],
            capture_output=True, text=True, check=False,
        )
        if completed.returncode != 0 and not quiet:
            raise PyConfigError(f"createrepo_c {self.repo} failed: {completed.stderr.strip()}")

    def _write_report(self) -> ChainReport:
        reused = sorted({f"{r.requirement} [{r.runtime}]: {r.by}" for r in self.closure.reused})
        report = ChainReport(
            results=self.results, reused=reused, repository=str(self.repo),
            top=list(self.closure.top),
        )
        data = {
            "top": report.top,
            "repository": report.repository,
            "results": [asdict(item) for item in self.results],
            "reused": [asdict(item) for item in self.closure.reused],
        }
        write_atomically(str(self.top / "report.json"),
                         (json.dumps(data, indent=2) + "\n").encode(), replace=True)
        write_atomically(str(self.top / "report.txt"), report.table().encode(), replace=True)
        return report


def srpms_from_report(report: Path, closure: Closure) -> dict[str, Path]:
    """The SRPMs of the chain whose ``report.json`` is *report*, for *closure*'s projects.

    A project is taken when the report built it at the version *closure* resolved; its SRPM
    is looked up by file name in the report's own ``repo/SRPMS`` (the chain directory may
    have been copied elsewhere since).
    """
    try:
        data = _read_json(report)
        results = data["results"]  # type: ignore[index]
    except (PyConfigError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise PyConfigError(f"{report}: not a chain report ({error})") from None
    found: dict[str, Path] = {}
    for item in results if isinstance(results, list) else []:
        if not isinstance(item, dict) or not item.get("srpm"):
            continue
        name, version = str(item.get("package", "")), str(item.get("version", ""))
        project = closure.projects.get(name)
        if project is None or str(project.sdist.version) != version:
            continue
        path = report.parent / "repo" / "SRPMS" / Path(str(item["srpm"])).name
        if not path.is_file():
            raise PyConfigError(f"{report}: {name} {version}: its SRPM {path} is missing")
        found[name] = path
    return found


def _read_json(path: Path) -> object:
    """The JSON document of the regular file *path* (a FIFO or a device is refused, never
    read: ``--rebuild-from FIFO`` hung)."""
    data = read_regular(str(path), str(path))
    if data is None:
        raise PyConfigError(f"{path}: a directory")
    return json.loads(data.decode("utf-8"))


def _is_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _strings(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []



def find_macros(given: str | None) -> Path | None:
    """The macros file to load: *given*, or None when rpm has ``macros.pyconfig`` already."""
    if given:
        path = Path(given).resolve()
        if not path.is_file():
            raise PyConfigError(f"{given}: no such macros file")
        return path
    completed = subprocess.run(
        ["rpm", "--eval", "%{?pyconfig_tool}"], capture_output=True, text=True, check=False
    )
    if not completed.stdout.strip():
        raise PyConfigError(
            "rpm has no rpm-pyconfig macros: install macros.pyconfig into rpm's macros.d, "
            "or pass --macros FILE"
        )
    return None


def _default_macro_path() -> str:
    """rpm's own macro file path, so ``--macros`` can add a file without losing it.

    (``--load`` would be simpler, but rpm 4.20 ignores it for noarch builds.)
    """
    completed = subprocess.run(
        ["rpm", "--showrc"], capture_output=True, text=True, check=False
    )
    for line in completed.stdout.splitlines():
        if line.startswith("Macro path:"):
            return line.split(":", 1)[1].strip()
    raise PyConfigError("cannot read rpm's macro path from rpm --showrc")
