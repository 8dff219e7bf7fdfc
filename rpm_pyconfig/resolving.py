"""What a chain must build: the dependency closure of some requirements, per runtime.

A chain starts from PEP 508 requirements (``textual==0.62.0``) and walks ``Requires-Dist``
of each project's sdist, with each runtime's markers (never the build host's) and the
extras asked for.  Build requirements (``[build-system] requires``) are walked too: a
build backend plugin may itself have to be built first.

A requirement is *reused* instead of built when the target already has it: an RPM that
provides the runtime's own ``python3.13dist(name)`` (:func:`~rpm_pyconfig.dependencies.dist_name`,
what the generated specs require) in a satisfying version, in the rpm database or in a
repository given (:class:`Provided`).  Build requirements may also be met by the build
machine's own interpreters (:class:`HostDistributions`; on Debian the build tools come
from apt, not from RPMs): the builds run with those interpreters, so that is what they use.
Run-time requirements never are: the packages built must install from RPMs alone.

Requirements come from each sdist's metadata as the spec generator reads it: where PKG-INFO
cannot vouch for ``Requires-Dist`` (an old ``Metadata-Version`` that lists none, a field
marked ``Dynamic``), the project's own build backend is asked (a
:class:`~rpm_pyconfig.backend.MetadataBackend`); without one the walk refuses instead of
leaving out what the built package will require.

Versions are chosen here, without pip's resolver: the highest version of an available
sdist that satisfies every specifier seen for the project (:class:`SdistSource`; a local
directory, or pip downloading into a cache keyed by the sdists' hashes).  A later
specifier that rules out the version picked makes the walk start again with all
specifiers known so far; no sdist satisfying them all is an error naming who asked what.
"""

from __future__ import annotations

import gzip
import json
import lzma
import os
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ElementTree
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from ._files import sha256_of
from .backend import MetadataBackend
from .dependencies import (
    dist_name,
    evaluate_marker,
    marker_environment,
    parse_requirement,
)
from .errors import MetadataError, PyConfigError
from .metadata import ProjectMetadata, read_metadata
from .runtime import Runtime
from .sources import read_regular, utf8_text
from .specgen import package_name

__all__ = [
    "ChainProject",
    "Closure",
    "HostDistributions",
    "LocalSdists",
    "PipSdists",
    "Provided",
    "ResolutionError",
    "Reused",
    "Sdist",
    "SdistSource",
    "SdistSources",
    "read_requirements",
    "resolve",
]

_SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")


class ResolutionError(PyConfigError):
    """The closure cannot be resolved: no sdist, conflicting specifiers, a broken sdist."""


# -- sdists ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sdist:
    """One source distribution file."""

    #: PEP 503 name.
    name: NormalizedName
    #: Its version, as in the file name (its metadata must agree, else the walk stops).
    version: Version
    #: The file.
    path: Path
    #: Its SHA-256, hex.
    sha256: str



def _sdist_name_version(filename: str) -> tuple[NormalizedName, Version] | None:
    """``foo_bar-1.0.tar.gz`` -> (foo-bar, 1.0); None for a file that is no sdist."""
    for suffix in _SDIST_SUFFIXES:
        if filename.endswith(suffix):
            stem = filename[: -len(suffix)]
            name, dash, version = stem.rpartition("-")
            if not dash or not name or any(c.isspace() for c in stem):
                return None  # (Version() strips blanks: "x-0.1\n.tar.gz" would read as 0.1)
            try:
                return canonicalize_name(name), Version(version)
            except InvalidVersion:
                return None
    return None


class SdistSource:
    """Where the sdists of a chain come from."""

    def find(
        self, name: NormalizedName, specifier: SpecifierSet, python_version: str | None = None
    ) -> Sdist | None:
        """The highest version of *name* satisfying *specifier*, or None.  *python_version*
        (the oldest runtime's) lets a source that knows ``Requires-Python`` before fetching
        (an index) skip releases that runtime cannot build; the walk checks every one."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


class LocalSdists(SdistSource):
    """The sdists in one directory (and its immediate subdirectories): offline."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise ResolutionError(f"{self.directory}: no such directory of sdists")
        self._scan()

    def _scan(self) -> None:
        self._files: dict[NormalizedName, list[tuple[Version, Path]]] = {}
        candidates = [*self.directory.iterdir()]
        candidates += [p for d in self.directory.iterdir() if d.is_dir() for p in d.iterdir()]
        for path in sorted(candidates):
            parsed = _sdist_name_version(path.name) if path.is_file() else None
            if parsed:
                self._files.setdefault(parsed[0], []).append((parsed[1], path))

    def find(
        self, name: NormalizedName, specifier: SpecifierSet, python_version: str | None = None
    ) -> Sdist | None:
        matches = [
            (version, path)
            for version, path in self._files.get(name, [])
            if specifier.contains(version, prereleases=True)
        ]
        if not matches:
            return None
        version, path = max(matches, key=lambda item: item[0])
        return Sdist(name=name, version=version, path=path, sha256=sha256_of(path))

    def describe(self) -> str:
        return str(self.directory)


class SdistSources(SdistSource):
    """Several sources, asked in order: the first that has a satisfying sdist wins."""

    def __init__(self, sources: Sequence[SdistSource]) -> None:
        self.sources = list(sources)

    def find(
        self, name: NormalizedName, specifier: SpecifierSet, python_version: str | None = None
    ) -> Sdist | None:
        for source in self.sources:
            found = source.find(name, specifier, python_version)
            if found is not None:
                return found
        return None

    def describe(self) -> str:
        return ", ".join(source.describe() for source in self.sources)


class PipSdists(SdistSource):
    """Sdists already in *cache* (``CACHE/SHA256/FILE``), else downloaded with pip.

    pip picks the newest sdist matching the name and specifier (``pip download --no-deps
    --no-binary NAME``); every dependency decision stays here.  A file is kept under its
    hash, so a second run finds it without the network.
    """

    def __init__(
        self, cache: str | os.PathLike[str], *, pip: Sequence[str] = ("python3", "-m", "pip")
    ) -> None:
        self.cache = Path(cache)
        self.cache.mkdir(parents=True, exist_ok=True)
        self.pip = list(pip)
        self.downloaded: list[Sdist] = []

    def find(
        self, name: NormalizedName, specifier: SpecifierSet, python_version: str | None = None
    ) -> Sdist | None:
        found = LocalSdists(self.cache).find(name, specifier)
        if found is not None:
            return found
        with tempfile.TemporaryDirectory(dir=self.cache, prefix=".download-") as temporary:
            command = [
                *self.pip, "download", "--quiet", "--disable-pip-version-check", "--no-deps",
                "--no-binary", str(name), "--dest", temporary, f"{name}{specifier}",
            ]
            if python_version is not None:  # the index's Requires-Python, before downloading
                command[-1:-1] = ["--python-version", python_version]
            completed = subprocess.run(
                command, capture_output=True, text=True, check=False,
                stdin=subprocess.DEVNULL,
            )
            files = [p for p in Path(temporary).iterdir() if _sdist_name_version(p.name)]
            if completed.returncode != 0 or len(files) != 1:
                lines = completed.stderr.splitlines()
                message = [line.strip() for line in lines if "ERROR" in line]
                # pip's own verdict on NAME, not one of the build backend's installation that
                # pip runs to read the sdist's metadata (indented, under "Failed to build")
                if any(line.startswith("ERROR: No matching distribution") for line in lines):
                    return None
                raise ResolutionError(
                    f"pip download {name}{specifier} failed (exit {completed.returncode}): "
                    + ("; ".join(message) or completed.stderr.strip()[-500:])
                )
            digest = sha256_of(files[0])
            target = self.cache / digest / files[0].name
            target.parent.mkdir(exist_ok=True)
            os.replace(files[0], target)
        parsed = _sdist_name_version(target.name)
        if parsed is None or parsed[0] != name:
            raise ResolutionError(f"pip download {name}{specifier} gave {target.name}")
        sdist = Sdist(name=name, version=parsed[1], path=target, sha256=digest)
        self.downloaded.append(sdist)
        return sdist

    def describe(self) -> str:
        return f"{self.cache} (pip download)"


# -- what the target has ----------------------------------------------------------------------


class Provided:
    """Provides (name -> versions, and which package) of RPMs the target already has."""

    def __init__(self) -> None:
        self._provides: dict[str, list[tuple[str, str, str]]] = {}

    def add(self, name: str, version: str, package: str, origin: str) -> None:
        self._provides.setdefault(name, []).append((version, package, origin))

    def match(self, name: str, specifier: SpecifierSet) -> str | None:
        """``PACKAGE (ORIGIN)`` providing *name* in a version satisfying *specifier*, or None."""
        for version, package, origin in self._provides.get(name, []):
            if not version and not str(specifier):
                return f"{package} ({origin})"
            try:
                if version and specifier.contains(Version(version), prereleases=True):
                    return f"{package} ({origin})"
            except ValueError:  # InvalidVersion, or a number past int()'s digit limit
                continue
        return None

    @classmethod
    def from_rpmdb(cls, *, root: str | None = None, dbpath: str | None = None) -> Provided:
        """What the rpm database of this machine (or of *root*, at *dbpath* in it) provides."""
        provided = cls()
        if shutil.which("rpm") is None:
            return provided
        command = ["rpm", "-qa"]
        if root:
            command += ["--root", root]
        if dbpath:  # after --root: rpm takes it as a path inside the root then
            command += ["--dbpath", dbpath]
        command += ["--qf", r"[%{PROVIDENAME}\t%{PROVIDEVERSION}\t%{=NAME}\n]"]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        if completed.returncode != 0 or "error:" in completed.stderr:
            raise ResolutionError(f"rpm -qa failed: {completed.stderr.strip()}")
        origin = f"rpm database{' of ' + root if root else ''}"
        for line in completed.stdout.splitlines():
            parts = line.split("\t")
            if len(parts) == 3:
                provided.add(parts[0], _strip_epoch(parts[1]), parts[2], origin)
        return provided

    @classmethod
    def from_repository(cls, directory: str | os.PathLike[str]) -> Provided:
        """What the packages of a repository (its ``repodata/primary.xml``) provide."""
        provided = cls()
        provided.add_repository(directory)
        return provided

    def add_repository(self, directory: str | os.PathLike[str]) -> None:
        root = Path(directory)
        primary = _primary_xml(root)
        namespace = {"c": "http://linux.duke.edu/metadata/common",
                     "rpm": "http://linux.duke.edu/metadata/rpm"}
        try:
            document = ElementTree.fromstring(primary)
        except ElementTree.ParseError as error:
            raise ResolutionError(f"{root}: its primary metadata is not XML ({error})") from None
        for package in document.findall("c:package", namespace):
            if package.findtext("c:arch", default="", namespaces=namespace) == "src":
                continue
            name = package.findtext("c:name", default="?", namespaces=namespace)
            for entry in package.findall("c:format/rpm:provides/rpm:entry", namespace):
                self.add(entry.get("name", ""), entry.get("ver", ""), name, f"repository {root}")


def _strip_epoch(version: str) -> str:
    return version.split(":", 1)[1] if ":" in version else version


def _primary_xml(root: Path) -> bytes:
    """The uncompressed primary.xml of the repository at *root*."""
    repomd = root / "repodata" / "repomd.xml"
    try:
        document = ElementTree.parse(repomd).getroot()
    except (OSError, ElementTree.ParseError) as error:
        raise ResolutionError(f"{repomd}: not a repository ({error})") from None
    namespace = {"r": "http://linux.duke.edu/metadata/repo"}
    for data in document.findall("r:data", namespace):
        if data.get("type") == "primary":
            location = data.find("r:location", namespace)
            href = location.get("href", "") if location is not None else ""
            path = root / href
            # Only a regular file of the repository: an href out of it (../../etc/passwd), a
            # FIFO or a device is refused, named, instead of read.
            if not href or root.resolve() not in path.resolve().parents or not path.is_file():
                raise ResolutionError(
                    f"{repomd}: its primary metadata {href!r} is not a file of the repository"
                )
            try:
                raw = path.read_bytes()
                if href.endswith(".gz"):
                    return gzip.decompress(raw)
                if href.endswith(".xz"):
                    return lzma.decompress(raw)
            except (OSError, EOFError, lzma.LZMAError, zlib.error) as error:
                raise ResolutionError(f"{path}: unreadable ({error})") from None
            if href.endswith(".zst"):
                if shutil.which("zstd") is None:
                    raise ResolutionError(f"{path}: zstd-compressed, and no zstd command")
                completed = subprocess.run(["zstd", "-dc", str(path)], capture_output=True,
                                           check=False)
                if completed.returncode != 0:
                    said = completed.stderr.decode("utf-8", "replace").strip()
                    raise ResolutionError(f"{path}: unreadable (zstd: {said})")
                return completed.stdout
            return raw
    raise ResolutionError(f"{repomd}: no primary metadata")


_HOST_QUERY = (
    "import json, importlib.metadata as m\n"
    "print(json.dumps(sorted({(d.metadata['Name'] or '', d.version) "
    "for d in m.distributions()})))\n"
)


class HostDistributions:
    """The distributions each runtime's interpreter has installed (Debian's build tools)."""

    def __init__(self, runtimes: Sequence[Runtime]) -> None:
        self._installed: dict[str, dict[NormalizedName, Version]] = {}
        for runtime in runtimes:
            completed = subprocess.run(
                [runtime.interpreter, "-s", "-c", _HOST_QUERY],
                capture_output=True, text=True, check=False, cwd="/",
            )
            # A runtime that cannot list its distributions would silently reuse nothing and
            # rebuild what the machine already has: an error, naming the interpreter.
            try:
                if completed.returncode != 0:
                    status = f"exit status {completed.returncode}"
                    raise ValueError(completed.stderr.strip() or status)
                listed = json.loads(completed.stdout)
            except ValueError as error:
                raise ResolutionError(
                    f"{runtime.name}: {runtime.interpreter} could not list its installed "
                    f"distributions: {error}"
                ) from None
            found: dict[NormalizedName, Version] = {}
            for name, version in listed:
                try:
                    found.setdefault(canonicalize_name(name), Version(version))
                except InvalidVersion:
                    continue
            self._installed[runtime.name] = found

    def match(self, runtime: Runtime, name: NormalizedName, specifier: SpecifierSet) -> str | None:
        version = self._installed.get(runtime.name, {}).get(name)
        if version is not None and specifier.contains(version, prereleases=True):
            return f"{name} {version} ({runtime.interpreter})"
        return None


# -- the closure ------------------------------------------------------------------------------


@dataclass
class ChainProject:
    """One project the chain builds."""

    name: NormalizedName
    sdist: Sdist
    metadata: ProjectMetadata
    #: Runtimes that need it.
    runtimes: set[str] = field(default_factory=set)
    #: Projects of the chain it needs built first: name -> "build" or "run".
    needs: dict[str, str] = field(default_factory=dict)
    #: Who asked for it, e.g. ``rich (markdown-it-py>=2.2.0)``.
    wanted_by: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Reused:
    """A requirement the target already meets."""

    requirement: str
    runtime: str
    by: str


@dataclass
class Closure:
    """The projects to build (by name, in discovery order) and what was reused."""

    projects: dict[str, ChainProject]
    reused: list[Reused]
    #: The requested top-level project names.
    top: list[str]


def read_requirements(path: str | os.PathLike[str],
                      _reading: tuple[str, ...] = ()) -> list[str]:
    """The requirements of a requirements file: one per line, ``#`` comments, ``-r`` nesting.

    Only a regular UTF-8 file of at most 16 MiB is read (a FIFO or ``/dev/zero`` named by a
    ``-r`` line neither hangs nor fills memory), and a file that includes itself is an error.
    """
    source = Path(path)
    real = os.path.realpath(source)
    if real in _reading:
        chain = " -> ".join([*_reading[_reading.index(real):], real])
        raise ResolutionError(f"{source}: -r includes a file already being read ({chain})")
    lines = _requirements_text(source).splitlines()
    found: list[str] = []
    for number, raw in enumerate(lines, 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")):
            found += read_requirements(source.parent / line.split(None, 1)[1], (*_reading, real))
            continue
        if line.startswith("-"):
            raise ResolutionError(f"{source}:{number}: unsupported option {line!r}")
        origin = f"{source}:{number}"
        _no_url(parse_requirement(line, origin=origin), line, origin)
        found.append(line)
    return found


def _requirements_text(source: Path) -> str:
    """*source*'s text, if it is a regular UTF-8 file of at most MAX_FILE_SIZE bytes."""
    try:
        data = read_regular(str(source), str(source))
        if data is None:
            raise MetadataError(f"{source}: not a regular file")
        return utf8_text(data, str(source))
    except MetadataError as error:
        raise ResolutionError(str(error)) from None


def _no_url(requirement: Requirement, text: str, origin: str) -> Requirement:
    """*requirement*, refused if it names a URL (``name @ URL``): the chain takes every
    sdist from its sources and would otherwise ignore the URL silently."""
    if requirement.url:
        raise ResolutionError(
            f"{origin}: unsupported requirement {text!r}: a direct reference "
            "(@ URL) is ignored by the chain; "
            "give the sdist's path or its version (the sdists come from --sdists/--download)"
        )
    return requirement


def _sdist_requirement(path: Path) -> str:
    """An sdist given on the command line, as the exact requirement it satisfies."""
    meta = read_metadata(path)
    return f"{meta.canonical_name}=={meta.version}"


def resolve(
    requirements: Iterable[str],
    runtimes: Sequence[Runtime],
    source: SdistSource,
    *,
    provided: Provided | None = None,
    host: HostDistributions | None = None,
    constraints: Iterable[str] = (),
    rounds: int = 20,
    backend: MetadataBackend | None = None,
) -> Closure:
    """The projects to build for *requirements* on *runtimes*, and what was reused.

    *requirements* are PEP 508 strings or sdist paths; *constraints* narrow versions
    without asking for a project; *backend* computes the requirements an sdist's PKG-INFO
    cannot vouch for (without it such an sdist is an error).
    """
    if not runtimes:
        raise ResolutionError("no runtime to resolve for")
    tops: list[Requirement] = []
    for item in requirements:
        if os.sep in item or item.endswith(_SDIST_SUFFIXES):
            path = Path(item)
            if not path.is_file():
                raise ResolutionError(f"{item}: no such sdist")
            tops.append(parse_requirement(_sdist_requirement(path)))
        else:
            tops.append(_no_url(parse_requirement(item, origin="requirement"), item, "requirement"))
    specifiers: dict[NormalizedName, list[tuple[SpecifierSet, str]]] = {}
    for item in constraints:
        req = _no_url(parse_requirement(item, origin="constraint"), item, "constraint")
        # Only the name and the specifier narrow the walk: anything else would be ignored.
        if req.marker is not None or req.extras or not req.specifier:
            what = ("an environment marker" if req.marker is not None else
                    "extras" if req.extras else "no version specifier")
            hint = " (-c takes a SPEC such as 'pygments<2.18', not a file)" if (
                not req.specifier and Path(item).exists()) else ""
            raise ResolutionError(
                f"constraint: unsupported constraint {item!r}: {what}; a constraint is NAME "
                f"and version specifiers only{hint}"
            )
        specifiers.setdefault(canonicalize_name(req.name), []).append(
            (req.specifier, f"constraint {item}")
        )
    read = _MetadataReader(backend)
    for _ in range(rounds):
        walk = _Walk(runtimes, source, provided or Provided(), host, specifiers, read)
        walk.run(tops)
        if not walk.restart:
            _check_package_names(walk.projects)
            return Closure(walk.projects, walk.reused, [canonicalize_name(r.name) for r in tops])
    raise ResolutionError(f"versions did not settle after {rounds} rounds")


def _check_package_names(projects: dict[str, ChainProject]) -> None:
    """Two projects whose packages would have one name (``x`` and ``python-x``: Fedora's
    rule drops the prefix) stop the walk: the second build would replace the first's spec,
    source RPM and packages in the repository."""
    by_package: dict[str, list[str]] = {}
    for name in sorted(projects):
        by_package.setdefault(package_name(name), []).append(name)
    clashes = [f"{' and '.join(names)} would both be packaged as python-{package} "
               f"(PREFIX-{package}): one build would replace the other's"
               for package, names in by_package.items() if len(names) > 1]
    if clashes:
        raise ResolutionError("; ".join(clashes))


class _Walk:
    """One walk of the closure with the specifiers known so far."""

    def __init__(
        self,
        runtimes: Sequence[Runtime],
        source: SdistSource,
        provided: Provided,
        host: HostDistributions | None,
        specifiers: dict[NormalizedName, list[tuple[SpecifierSet, str]]],
        read: _MetadataReader,
    ) -> None:
        self.runtimes = runtimes
        self.read = read
        self.source = source
        self.provided = provided
        self.host = host
        self.specifiers = specifiers
        self.projects: dict[str, ChainProject] = {}
        self.reused: list[Reused] = []
        self.restart = False
        self._done: set[tuple[NormalizedName, str, frozenset[str]]] = set()
        self._build_walked: set[tuple[NormalizedName, str]] = set()

    def run(self, tops: list[Requirement]) -> None:
        queue: list[tuple[str | None, Requirement, Runtime, str]] = []
        for runtime in self.runtimes:
            environment = marker_environment(runtime)
            for req in tops:
                if req.marker is None or _true(req, environment, "requirement", runtime):
                    queue.append((None, req, runtime, "run"))
        while queue and not self.restart:
            requirer, req, runtime, kind = queue.pop(0)
            queue += self._need(requirer, req, runtime, kind)

    def _need(
        self, requirer: str | None, req: Requirement, runtime: Runtime, kind: str
    ) -> list[tuple[str | None, Requirement, Runtime, str]]:
        name = canonicalize_name(req.name)
        extras = frozenset(canonicalize_name(extra) for extra in req.extras)
        who = f"{requirer} ({req})" if requirer else f"requested ({req})"
        known = self.specifiers.setdefault(name, [])
        if (req.specifier, who) not in known:
            known.append((req.specifier, who))
        if name not in self.projects:
            reused = self._reused(name, extras, req, runtime, kind)
            if reused is not None:
                entry = Reused(str(req), runtime.name, reused)
                if entry not in self.reused:
                    self.reused.append(entry)
                return []
        project = self._project(name)
        if project is None:
            return []
        if not self._supports(project, runtime):
            return []
        if requirer is not None:
            requirer_project = self.projects[canonicalize_name(requirer)]
            if requirer_project.needs.get(name) != "build":
                requirer_project.needs[name] = kind
        project.runtimes.add(runtime.name)
        project.wanted_by.add(who)
        key = (name, runtime.name, extras)
        if key in self._done:
            return []
        self._done.add(key)
        follow: list[tuple[str | None, Requirement, Runtime, str]] = []
        # Messages name where a requirement was written: pyproject.toml's own table (an
        # extra's), else the field it was read from (PKG-INFO, the backend's metadata).
        meta = project.metadata
        read_from = meta.origins.get("requires_dist", f"{project.sdist.path.name} Requires-Dist")
        base = marker_environment(runtime)
        for line in meta.requires_dist:
            origin = meta.requirement_origins.get(line, read_from)
            dep = parse_requirement(line, origin=origin)
            if dep.marker is None or _true(dep, base, origin, runtime):
                follow.append((name, dep, runtime, "run"))
            else:
                # An extra's requirements: needed by whoever asked for the extra, so that
                # project's checks (and only its) wait for them.
                for extra in sorted(extras):
                    if _true(dep, marker_environment(runtime, extra=extra), origin, runtime):
                        follow.append((requirer or name, dep, runtime, "run"))
                        break
        if (name, runtime.name) not in self._build_walked:
            self._build_walked.add((name, runtime.name))
            built_by = meta.origins.get("build_requires",
                                        f"{project.sdist.path.name} build-system")
            for line in meta.build_requires:
                dep = parse_requirement(line, origin=built_by)
                if dep.marker is None or _true(dep, base, built_by, runtime):
                    follow.append((name, dep, runtime, "build"))
        return follow

    def _reused(
        self, name: NormalizedName, extras: frozenset[str], req: Requirement, runtime: Runtime,
        kind: str,
    ) -> str | None:
        specifier = self._combined(name)
        # The names the generated Requires: name (python3.13dist(x)): another CPython's package
        # providing python3dist(x) would not satisfy them.
        names = [dist_name(name, runtime)]
        names += [dist_name(name, runtime, extra=extra) for extra in sorted(extras)]
        matches = [self.provided.match(provide, specifier) for provide in names]
        if all(matches):
            return matches[0]
        if kind == "build" and self.host is not None:
            return self.host.match(runtime, name, specifier)
        return None

    def _supports(self, project: ChainProject, runtime: Runtime) -> bool:
        """Whether *runtime*'s Python is in the project's ``Requires-Python``; if not, that
        release is ruled out and the walk starts again (an older one may fit)."""
        requires_python = project.metadata.requires_python
        if not requires_python or SpecifierSet(requires_python).contains(
            runtime.version, prereleases=True
        ):
            return True
        self.specifiers.setdefault(project.name, []).append((
            SpecifierSet(f"!={project.sdist.version}"),
            f"{project.sdist.path.name} Requires-Python {requires_python} "
            f"(not {runtime.name}'s Python {runtime.version})",
        ))
        self.restart = True
        return False

    def _combined(self, name: NormalizedName) -> SpecifierSet:
        combined = SpecifierSet()
        for specifier, _ in self.specifiers.get(name, []):
            combined &= specifier
        return combined

    def _project(self, name: NormalizedName) -> ChainProject | None:
        specifier = self._combined(name)
        project = self.projects.get(name)
        if project is not None:
            if specifier.contains(project.sdist.version, prereleases=True):
                return project
            self.restart = True  # the version picked no longer fits: walk again
            return None
        oldest = min((runtime.version for runtime in self.runtimes), key=Version)
        sdist = self.source.find(name, specifier, oldest)
        if sdist is None:
            asked = "; ".join(f"{who}" for _, who in self.specifiers.get(name, []))
            raise ResolutionError(
                f"no sdist of {name} satisfies {str(specifier) or 'any version'} in "
                f"{self.source.describe()} (asked by: {asked})"
            )
        metadata = self.read(sdist.path)
        if canonicalize_name(metadata.name) != name:
            raise ResolutionError(f"{sdist.path}: PKG-INFO names {metadata.name!r}, not {name}")
        if Version(metadata.version) != sdist.version:
            # the release was chosen by its file name: one renamed file would defeat a pin
            raise ResolutionError(
                f"{sdist.path}: its file name says version {sdist.version}, its metadata "
                f"{metadata.version} ({metadata.origins.get('version', 'PKG-INFO Version')})")
        project = ChainProject(name=name, sdist=sdist, metadata=metadata)
        self.projects[name] = project
        return project


class _MetadataReader:
    """Each sdist's metadata, read once for every walk (a backend call takes seconds)."""

    def __init__(self, backend: MetadataBackend | None) -> None:
        self.backend = backend
        self.cache: dict[Path, ProjectMetadata] = {}

    def __call__(self, path: Path) -> ProjectMetadata:
        if path not in self.cache:
            try:
                metadata = read_metadata(path, backend=self.backend)
            except PyConfigError as error:
                text = str(error)  # most messages name the sdist (or a file in it) already
                raise ResolutionError(
                    text if text.startswith(str(path)) else f"{path}: {text}"
                ) from None
            if metadata.untrusted:
                # Walking on would leave out requirements the built package has.
                raise ResolutionError("; ".join(metadata.untrusted) +
                                      ", and no build backend was given to ask")
            self.cache[path] = metadata
        return self.cache[path]


def _true(requirement: Requirement, environment: dict[str, str], origin: str,
          runtime: Runtime) -> bool:
    """Whether the marker of *requirement* (from *origin*) holds for *runtime*'s
    *environment*; one that cannot be evaluated stops the walk, named with all of them."""
    try:
        return evaluate_marker(requirement, environment, origin, runtime)
    except MetadataError as error:
        raise ResolutionError(str(error)) from None
