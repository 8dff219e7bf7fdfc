"""Read a Python project's metadata, offline, from a directory, an sdist or a wheel.

:func:`read_metadata` accepts

* a project directory: ``pyproject.toml``'s PEP 621 ``[project]`` table; fields listed in
  ``[project] dynamic`` come from a ``PKG-INFO`` next to it (an unpacked sdist has one);
* an sdist (``.tar.gz``, ``.tgz``, ``.tar.bz2``, ``.tar.xz``, ``.tar``, ``.zip``): its
  top-level ``pyproject.toml`` and ``PKG-INFO`` are read from the archive, never extracted;
  dynamic fields come from ``PKG-INFO``, and so does everything when there is no
  ``[project]`` table (a ``setup.py`` project);
* a wheel (``.whl``): ``*.dist-info/METADATA``, ``WHEEL``, ``top_level.txt``/``RECORD`` and
  ``entry_points.txt``.

``PKG-INFO`` is believed only where it can be: not for a field PEP 643 marks ``Dynamic``, and
not for an absent ``Requires-Dist`` before ``Metadata-Version`` 2.2 (older tools wrote no
promise that it was complete).  Such fields come from the project's own build backend when
a :class:`~rpm_pyconfig.backend.MetadataBackend` is given (the project is unpacked into a
temporary directory for it), else they are listed in :attr:`ProjectMetadata.untrusted`.

Every problem is a :class:`~rpm_pyconfig.errors.MetadataError` naming the file, the field and
the offending value; problems found while checking ``[project]`` are reported together.
Paths inside an archive are shown as ``/path/foo-1.0.tar.gz/foo-1.0/pyproject.toml``.
"""

from __future__ import annotations

import configparser
import email.parser
import email.policy
import lzma
import os
import posixpath
import re
import stat
import sys
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from packaging.requirements import Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from rpm_pyconfig import spectext
from rpm_pyconfig.backend import MetadataBackend
from rpm_pyconfig.dependencies import extras_of, parse_requirement
from rpm_pyconfig.errors import MetadataError
from rpm_pyconfig.licenses import LicenseResult, license_for
from rpm_pyconfig.versions import RpmVersion, parse_version, rpm_version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = ["DEFAULT_BUILD_BACKEND", "DEFAULT_BUILD_REQUIRES", "ProjectMetadata", "read_metadata"]

#: PEP 517's fallback for a project without ``[build-system]``: setuptools' legacy backend.
DEFAULT_BUILD_BACKEND = "setuptools.build_meta:__legacy__"
#: What pip installs for that backend.
DEFAULT_BUILD_REQUIRES = ("setuptools>=40.8.0",)

SourceKind = Literal["directory", "sdist", "wheel"]


@dataclass(frozen=True)
class ProjectMetadata:
    """What the spec generator needs to know about one project."""

    #: The name as the project spells it (``Foo.Bar``).
    name: str
    #: PEP 503 normalised name (``foo-bar``), as used in ``python3dist()``.
    canonical_name: str
    #: The upstream version string, unchanged (for source URLs); see :attr:`rpm_version`.
    version: str
    #: One-line summary (``[project] description`` / ``Summary``).
    summary: str
    #: Long description (the readme); ``""`` when there is none.
    description: str
    #: Its content type (``text/markdown``...), ``""`` when unknown.
    description_content_type: str
    #: The ``License:`` tag, with where it came from and warnings.
    license: LicenseResult
    #: ``Requires-Python`` specifier, ``""`` when unrestricted.
    requires_python: str
    #: Every requirement as in ``Requires-Dist`` (extras carry ``extra == "..."`` markers).
    requires_dist: list[str]
    #: Normalised extra names (``Provides-Extra`` and those the markers test for).
    extras: list[str]
    #: ``[build-system] requires`` (PEP 517's setuptools default when there is none).
    build_requires: list[str]
    #: ``[build-system] build-backend`` (or PEP 517's legacy setuptools default).
    build_backend: str
    #: Project URLs by label, as given (``Homepage``, ``Source``...).
    urls: dict[str, str]
    #: The home page: the ``Homepage`` URL, else the source URL, else the first one, else ``""``.
    homepage: str
    #: The source repository URL (``Source``/``Repository``...), ``""`` when none is labelled so.
    source_url: str
    #: Top-level importable names (packages and modules), best effort, sorted.
    import_names: list[str]
    #: Whether the project builds extension modules (best effort).
    has_ext_modules: bool
    #: Names of the commands it installs (console and GUI scripts), sorted.
    scripts: list[str]
    #: Trove classifiers.
    classifiers: list[str]
    #: File name of the sdist or wheel read, ``""`` for a directory.
    source_file: str
    #: The sdist's top-level directory (what ``%autosetup -n`` needs), ``""`` otherwise.
    source_dir: str
    #: What was read: ``directory``, ``sdist`` or ``wheel``.
    source_kind: SourceKind
    #: The path that was read.
    origin: str
    #: Things a packager should check (missing scripts...); license ones are in ``license``.
    warnings: list[str] = field(default_factory=list)
    #: Fields PKG-INFO cannot vouch for and no backend was asked about: one message each
    #: (file, field, why).  A spec must not be made from such metadata.
    untrusted: list[str] = field(default_factory=list)
    #: PKG-INFO field names whose values the build backend computed.
    from_backend: list[str] = field(default_factory=list)
    #: Requirements of ``pyproject.toml``'s PEP 735 test group (``[dependency-groups]``
    #: ``test``, ``tests`` or ``testing``, include-groups resolved), what ``%pyconfig_test``
    #: needs besides the run-time requirements; ``[]`` when the project has none.
    test_requires: list[str] = field(default_factory=list)
    #: Where each field came from (``FILE [project] urls``), for messages about its value.
    origins: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def rpm_version(self) -> RpmVersion:
        """The ``Epoch:``/``Version:`` tags (:func:`~rpm_pyconfig.versions.rpm_version`)."""
        return rpm_version(self.version)


# -- reading ----------------------------------------------------------------------------------

_TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar")

#: Limits on what an archive may hold: beyond them it is refused, not read into memory.
MAX_MEMBERS = 100_000
#: Total size of the members once unpacked.
MAX_TOTAL_SIZE = 1 << 30
#: Unpacked size over archive size, for archives that unpack to more than 64 MiB.
MAX_RATIO = 100
#: Any one file read (metadata, readme, license).
MAX_FILE_SIZE = 16 << 20


def read_metadata(
    source: str | os.PathLike[str], *, backend: MetadataBackend | None = None
) -> ProjectMetadata:
    """Read the metadata of a project directory, an sdist or a wheel (see the module doc).

    *backend* computes the fields PKG-INFO cannot vouch for; without it they are listed in
    :attr:`ProjectMetadata.untrusted`.
    """
    path = Path(os.fspath(source))
    if not path.exists():
        raise MetadataError(f"{path}: no such file or directory")
    if path.is_dir():
        return _from_tree(_DirTree(path), kind="directory", source_file="", backend=backend)
    if not path.is_file():
        raise MetadataError(f"{path}: not a regular file")
    lower = path.name.lower()
    try:
        if lower.endswith(".whl"):
            with zipfile.ZipFile(path) as archive:
                return _from_wheel(archive, path)
        if lower.endswith(_TAR_SUFFIXES):
            with tarfile.open(path) as tar:
                return _from_tree(_TarTree(path, tar), kind="sdist", source_file=path.name,
                                  backend=backend)
        if lower.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                return _from_tree(_ZipTree(path, archive), kind="sdist", source_file=path.name,
                                  backend=backend)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, zlib.error,
            lzma.LZMAError) as error:
        raise MetadataError(f"{path}: cannot read the archive: {error}") from None
    raise MetadataError(
        f"{path}: not a project directory, an sdist (.tar.gz, .zip) or a wheel (.whl)"
    )


# -- project trees: a directory or the inside of an sdist ----------------------------------

#: Directories never worth scanning for modules.
_PRUNE = frozenset(["__pycache__", "build", "dist", "node_modules", "venv", "site-packages"])


class _Tree:
    """The files of a project, by POSIX path relative to its top directory."""

    def where(self, relpath: str) -> str:
        raise NotImplementedError

    def read(self, relpath: str) -> bytes | None:
        raise NotImplementedError

    def names(self) -> list[str]:
        raise NotImplementedError


class _DirTree(_Tree):
    def __init__(self, root: Path) -> None:
        self.root = root
        self._names: list[str] | None = None

    def where(self, relpath: str) -> str:
        return str(self.root / relpath) if relpath else str(self.root)

    def read(self, relpath: str) -> bytes | None:
        """A regular file inside the project (symlinks are followed only within it), of
        bounded size; None when there is none.  Never blocks on a FIFO or a device."""
        target = self.root / relpath
        if not target.exists():
            return None
        real = os.path.realpath(target)
        top = os.path.realpath(self.root)
        if os.path.commonpath([real, top]) != top:
            raise MetadataError(f"{target}: is outside the project (it leads to {real})")
        try:
            fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as error:
            raise MetadataError(f"{target}: cannot read: {error.strerror}") from None
        with os.fdopen(fd, "rb") as stream:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                return None
            if not stat.S_ISREG(info.st_mode):
                raise MetadataError(f"{target}: not a regular file")
            data = stream.read(MAX_FILE_SIZE + 1)
        if len(data) > MAX_FILE_SIZE:
            raise MetadataError(f"{target}: larger than {MAX_FILE_SIZE} bytes")
        return data

    def names(self) -> list[str]:
        if self._names is None:
            found: list[str] = []
            for top, dirs, files in os.walk(self.root):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _PRUNE)
                rel = Path(top).relative_to(self.root).as_posix()
                prefix = "" if rel == "." else rel + "/"
                found.extend(prefix + name for name in files)
            self._names = sorted(found)
        return self._names


class _ArchiveTree(_Tree):
    """An sdist: every file below its one top-level directory."""

    def __init__(self, path: Path, members: dict[str, str]) -> None:
        # members: normalised name (no leading "./") -> name in the archive
        self.path = path
        markers = sorted(
            m for m in members if m.count("/") == 1 and m.endswith(("/PKG-INFO", "/pyproject.toml"))
        )
        tops = {m.split("/", 1)[0] for m in members if "/" in m}
        if markers:
            self.top = markers[0].split("/", 1)[0]
        elif len(tops) == 1:
            self.top = tops.pop()
        else:
            raise MetadataError(f"{path}: no PKG-INFO or pyproject.toml at the top of the sdist")
        prefix = self.top + "/"
        self.members = {
            m[len(prefix):]: real for m, real in members.items() if m.startswith(prefix)
        }

    def where(self, relpath: str) -> str:
        return f"{self.path}/{self.top}/{relpath}" if relpath else str(self.path)

    def names(self) -> list[str]:
        return sorted(self.members)


def _normalised(name: str) -> str:
    return name[2:] if name.startswith("./") else name


def _check_member_name(path: Path, name: str) -> None:
    """Refuse what would unpack outside the tree: absolute names, ``..``, odd characters."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith("/") or ".." in parts or not name.isprintable():
        raise MetadataError(f"{path}: member {name!r} would unpack outside the tree or has "
                            "control characters in its name; refusing the archive")


class _Budget:
    """Counts members and unpacked bytes against the limits, while listing an archive."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.members = 0
        self.total = 0
        self.packed = max(path.stat().st_size, 1)

    def add(self, size: int) -> None:
        self.members += 1
        self.total += max(size, 0)
        if self.members > MAX_MEMBERS:
            raise MetadataError(f"{self.path}: more than {MAX_MEMBERS} members; refusing it")
        if self.total > MAX_TOTAL_SIZE:
            raise MetadataError(
                f"{self.path}: unpacks to more than {MAX_TOTAL_SIZE} bytes; refusing it"
            )
        if self.total > 64 << 20 and self.total > MAX_RATIO * self.packed:
            raise MetadataError(
                f"{self.path}: unpacks to more than {MAX_RATIO} times its size "
                f"({self.packed} bytes); refusing it as a decompression bomb"
            )


class _TarTree(_ArchiveTree):
    def __init__(self, path: Path, tar: tarfile.TarFile) -> None:
        self.tar = tar
        budget = _Budget(path)
        files: dict[str, tarfile.TarInfo] = {}
        while True:
            member = tar.next()
            if member is None:
                break
            budget.add(member.size)
            _check_member_name(path, member.name)
            if member.isdev() or member.isfifo():
                raise MetadataError(f"{path}: member {member.name!r} is a device or a FIFO; "
                                    "refusing the archive")
            if member.issym() or member.islnk():
                _check_link(path, member)
            if member.isfile():
                files[_normalised(member.name)] = member
        self.infos = files
        super().__init__(path, {name: name for name in files})

    def read(self, relpath: str) -> bytes | None:
        name = self.members.get(relpath)
        if name is None:
            return None
        member = self.infos[name]
        if member.size > MAX_FILE_SIZE:
            raise MetadataError(f"{self.where(relpath)}: larger than {MAX_FILE_SIZE} bytes")
        handle = self.tar.extractfile(member)
        return handle.read(MAX_FILE_SIZE) if handle is not None else None


def _check_link(path: Path, member: tarfile.TarInfo) -> None:
    """A link must stay inside the tree: relative, and not climbing above its top."""
    target = member.linkname
    base = posixpath.dirname(member.name) if member.issym() else ""
    resolved = posixpath.normpath(posixpath.join(base, target))
    if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
        raise MetadataError(f"{path}: member {member.name!r} links to {target!r}, outside the "
                            "tree; refusing the archive")


class _ZipTree(_ArchiveTree):
    def __init__(self, path: Path, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        _check_zip(path, archive)
        super().__init__(
            path, {_normalised(n): n for n in archive.namelist() if not n.endswith("/")}
        )

    def read(self, relpath: str) -> bytes | None:
        member = self.members.get(relpath)
        return None if member is None else _zip_read(self.archive, member, self.where(relpath))


def _check_zip(path: Path, archive: zipfile.ZipFile) -> None:
    """Members, sizes and names of a zip (an sdist or a wheel) within the limits."""
    budget = _Budget(path)
    for info in archive.infolist():
        budget.add(info.file_size)
        _check_member_name(path, info.filename)
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0: no type recorded (a plain file)
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise MetadataError(f"{path}: member {info.filename!r} is not a regular file or "
                                "a directory (a link, a device, a FIFO); refusing the archive")


def _zip_read(archive: zipfile.ZipFile, name: str, where: str) -> bytes:
    """One member, never more than MAX_FILE_SIZE bytes whatever its header claims."""
    with archive.open(name) as stream:
        data = stream.read(MAX_FILE_SIZE + 1)
    if len(data) > MAX_FILE_SIZE:
        raise MetadataError(f"{where}: larger than {MAX_FILE_SIZE} bytes")
    return data


# -- the fields both pyproject.toml and PKG-INFO supply --------------------------------------


@dataclass
class _Core:
    """Core metadata fields while they are being collected (mutable, module-internal)."""

    name: str = ""
    version: str = ""
    summary: str = ""
    description: str = ""
    description_content_type: str = ""
    license_expression: str | None = None
    license_text: str | None = None
    requires_python: str = ""
    requires_dist: list[str] = field(default_factory=list)
    provides_extra: list[str] = field(default_factory=list)
    classifiers: list[str] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    #: ``Metadata-Version`` of a PKG-INFO/METADATA, ``""`` for ``[project]``.
    metadata_version: str = ""
    #: PEP 643 ``Dynamic`` field names of a PKG-INFO, lower case.
    dynamic: list[str] = field(default_factory=list)
    #: Field name -> where it came from, for error messages.
    origins: dict[str, str] = field(default_factory=dict, compare=False, repr=False)


#: ``[project] dynamic`` entries PKG-INFO can fill in, and the ``_Core`` fields they cover.
_DYNAMIC_FROM_PKG_INFO: dict[str, tuple[str, ...]] = {
    "version": ("version",),
    "description": ("summary",),
    "readme": ("description", "description_content_type"),
    "requires-python": ("requires_python",),
    "license": ("license_expression", "license_text"),
    "classifiers": ("classifiers",),
    "urls": ("urls",),
    "dependencies": ("requires_dist", "provides_extra"),
    "optional-dependencies": ("requires_dist", "provides_extra"),
}

#: The same fields' names in PKG-INFO, for messages.
_PKG_INFO_NAMES = {
    "name": "Name",
    "version": "Version",
    "summary": "Summary",
    "description": "Description",
    "description_content_type": "Description-Content-Type",
    "license_expression": "License-Expression",
    "license_text": "License",
    "requires_python": "Requires-Python",
    "requires_dist": "Requires-Dist",
    "provides_extra": "Provides-Extra",
    "classifiers": "Classifier",
    "urls": "Project-URL",
}


#: The PKG-INFO headers behind each ``_Core`` field, lower case, as PEP 643 ``Dynamic`` names them.
_PKG_INFO_HEADERS: dict[str, tuple[str, ...]] = {
    "summary": ("summary",),
    "description": ("description",),
    "description_content_type": ("description-content-type",),
    "license_expression": ("license-expression",),
    "license_text": ("license",),
    "requires_python": ("requires-python",),
    "requires_dist": ("requires-dist",),
    "provides_extra": ("provides-extra",),
    "classifiers": ("classifier",),
    "urls": ("project-url", "home-page", "download-url"),
}

#: Fields a spec cannot do without: refused when untrusted (the rest are warnings).
_SPEC_CRITICAL = frozenset(["requires_dist", "provides_extra"])


def _distrust(pkg_info: _Core, keys: list[str]) -> dict[str, str]:
    """Which of *keys* PKG-INFO cannot vouch for, and why.

    From ``Metadata-Version`` 2.2 on, PEP 643 makes every field not listed in ``Dynamic``
    final.  Before it nothing was promised; an absent ``Requires-Dist`` is the case that
    bites (setuptools wrote none for ``install_requires`` given in ``setup.py`` only).
    Present values are believed: they are what the backend wrote when it made the sdist.
    """
    version = pkg_info.metadata_version or "(none)"
    if _version_tuple(pkg_info.metadata_version) < (2, 2):
        if ("requires_dist" in keys or "provides_extra" in keys) and not (
            pkg_info.requires_dist or pkg_info.provides_extra
        ):
            why = (f"Metadata-Version {version} lists no Requires-Dist, and before 2.2 that "
                   "does not mean there is none")
            return {"requires_dist": why, "provides_extra": why}
        return {}
    found: dict[str, str] = {}
    for key in keys:
        for header in _PKG_INFO_HEADERS.get(key, ()):
            if header in pkg_info.dynamic:
                found[key] = f"marked Dynamic (PEP 643, Metadata-Version {version})"
    if "requires_dist" in found or "provides_extra" in found:  # one list carries both
        found.setdefault("requires_dist", found.get("provides_extra", ""))
        found.setdefault("provides_extra", found["requires_dist"])
    return found


def _describe(untrusted: dict[str, str], where: str) -> list[str]:
    """``FILE Provides-Extra, Requires-Dist: WHY``, one line per reason."""
    by_reason: dict[str, list[str]] = {}
    for key, why in sorted(untrusted.items()):
        by_reason.setdefault(why, []).append(_PKG_INFO_NAMES[key])
    return [f"{where} {', '.join(sorted(names))}: {why}" for why, names in by_reason.items()]


def _version_tuple(text: str) -> tuple[int, ...]:
    """``2.1`` -> (2, 1); an absent or odd version counts as the oldest."""
    parts = text.strip().split(".")
    if not all(part.isdigit() for part in parts):
        return (0,)
    return tuple(int(part) for part in parts)


def _ask_backend(
    tree: _Tree, backend: MetadataBackend, build_backend: str, backend_path: list[str],
    reason: str,
) -> _Core:
    """The backend's METADATA for the project, computed in a temporary copy of its files."""
    with tempfile.TemporaryDirectory(prefix="rpm-pyconfig-project-") as top:
        project = os.path.join(top, "project")
        _unpack(tree, project)
        data = backend.prepare_metadata(
            project, build_backend=build_backend, backend_path=backend_path, reason=reason,
        )
    return _parse_core_metadata(data, f"{tree.where('')}: METADATA computed by {build_backend}")


def _unpack(tree: _Tree, destination: str) -> None:
    """Write the project's regular files below *destination* (the names are checked)."""
    os.makedirs(destination)
    for name in tree.names():
        data = tree.read(name)
        if data is None:
            continue
        target = os.path.join(destination, *name.split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as stream:
            stream.write(data)


def _parse_core_metadata(data: bytes, where: str) -> _Core:
    """PKG-INFO / METADATA (an email-header format) into a ``_Core``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MetadataError(
            f"{where}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
    message = email.parser.Parser(policy=email.policy.compat32).parsestr(text)

    def one(key: str) -> str:
        value = message.get(key)
        return str(value).strip() if value is not None else ""

    def many(key: str) -> list[str]:
        return [str(v).strip() for v in message.get_all(key) or []]

    core = _Core(
        name=one("Name"),
        version=one("Version"),
        summary=one("Summary"),
        description_content_type=one("Description-Content-Type"),
        license_expression=one("License-Expression") or None,
        license_text=one("License") or None,
        requires_python=one("Requires-Python"),
        requires_dist=many("Requires-Dist"),
        provides_extra=many("Provides-Extra"),
        classifiers=many("Classifier"),
        metadata_version=one("Metadata-Version"),
        dynamic=[name.lower() for name in many("Dynamic")],
    )
    body = message.get_payload()
    if isinstance(body, str) and body.strip():
        core.description = body.strip("\n") + "\n"
    elif message.get("Description") is not None:
        core.description = _unfold_description(str(message.get("Description")))
    for entry in many("Project-URL"):
        label, _, url = entry.partition(",")
        if url.strip():
            core.urls[label.strip()] = url.strip()
    home = one("Home-page")
    if home and home.upper() != "UNKNOWN" and not any(
        _url_key(label) in ("homepage", "home") for label in core.urls
    ):
        core.urls = {"Homepage": home, **core.urls}
    download = one("Download-URL")
    if download and download.upper() != "UNKNOWN":
        core.urls.setdefault("Download", download)
    if core.license_text is not None and core.license_text.upper() == "UNKNOWN":
        core.license_text = None
    core.origins = {key: f"{where} {name}" for key, name in _PKG_INFO_NAMES.items()}
    for key in ("name", "version"):
        if not getattr(core, key):
            raise MetadataError(f"{where}: no {_PKG_INFO_NAMES[key]} field")
    return core


def _unfold_description(value: str) -> str:
    """The old ``Description:`` header: continuation lines start with 8 spaces or ``       |``."""
    lines = value.splitlines()
    out = lines[:1]
    for line in lines[1:]:
        if line.startswith(("       |", " " * 8)):
            out.append(line[8:])
        else:
            out.append(line.lstrip())
    return "\n".join(out).strip("\n") + "\n"


def _url_key(label: str) -> str:
    """PEP 753 normalised URL label: ``Home-Page`` -> ``homepage``."""
    return re.sub(r"[\s\-_.:]+", "", label).lower()


# -- pyproject.toml ---------------------------------------------------------------------------

_TOML_TYPES = {
    str: "a string",
    list: "an array",
    dict: "a table",
    bool: "a boolean",
    int: "an integer",
    float: "a float",
}


def _toml_type(value: object) -> str:
    for kind, name in _TOML_TYPES.items():
        if type(value) is kind:
            return name
    return f"a {type(value).__name__}"


def _load_toml(data: bytes, where: str) -> dict[str, object]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MetadataError(
            f"{where}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
    try:
        table: dict[str, object] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if found is not None:
            reason = message[: found.start()]
            raise MetadataError(
                f"{where}:{found.group(1)}:{found.group(2)}: invalid TOML: {reason}"
            ) from None
        raise MetadataError(f"{where}: invalid TOML: {message}") from None
    return table


class _Checker:
    """Type checks of a TOML table; collects every problem before raising once."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[str] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"{self.where} {key}: {message}")

    def string(self, table: dict[str, object], key: str, label: str) -> str | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(label, f"expected a string, got {_toml_type(value)} ({value!r})")
            return None
        return value

    def strings(self, table: dict[str, object], key: str, label: str) -> list[str]:
        value = table.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(label, f"expected an array of strings, got {_toml_type(value)} "
                                f"({value!r})")
            return []
        good = []
        for index, item in enumerate(value):
            if isinstance(item, str):
                good.append(item)
            else:
                self.problem(f"{label}[{index}]",
                             f"expected a string, got {_toml_type(item)} ({item!r})")
        return good

    def table(self, table: dict[str, object], key: str, label: str) -> dict[str, object]:
        value = table.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(label, f"expected a table, got {_toml_type(value)} ({value!r})")
            return {}
        return value

    def string_table(self, table: dict[str, object], key: str, label: str) -> dict[str, str]:
        good: dict[str, str] = {}
        for name, value in self.table(table, key, label).items():
            if isinstance(value, str):
                good[name] = value
            else:
                self.problem(f"{label}.{name}",
                             f"expected a string, got {_toml_type(value)} ({value!r})")
        return good

    def done(self) -> None:
        if self.problems:
            raise MetadataError("\n".join(self.problems))


def _readme_type(filename: str) -> str:
    lower = filename.lower()
    if lower.endswith(".md"):
        return "text/markdown"
    if lower.endswith(".rst"):
        return "text/x-rst"
    return "text/plain"


def _read_text(tree: _Tree, relpath: str, label: str) -> str:
    """A file the metadata refers to (readme, license file), relative to the project."""
    clean = posixpath.normpath(relpath.replace("\\", "/"))
    if clean == ".." or clean.startswith(("../", "/")):
        raise MetadataError(f"{label}: {relpath!r} is outside the project")
    data = tree.read(clean)
    if data is None:
        raise MetadataError(f"{label}: {relpath!r} does not exist ({tree.where(clean)})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise MetadataError(f"{label}: {tree.where(clean)} is not UTF-8 text") from None


def _project_core(
    project: dict[str, object], tree: _Tree, where: str
) -> tuple[_Core, list[str], dict[str, list[str]]]:
    """``[project]`` into a ``_Core``, its ``dynamic`` list and its scripts."""
    check = _Checker(f"{where} [project]")
    core = _Core()
    name = project.get("name")
    if name is None:
        check.problem("name", "missing (it is required and cannot be dynamic)")
    elif not isinstance(name, str):
        check.problem("name", f"expected a string, got {_toml_type(name)} ({name!r})")
    else:
        core.name = name
    dynamic = check.strings(project, "dynamic", "dynamic")
    if "name" in dynamic:
        check.problem("dynamic", "'name' cannot be dynamic")
    core.version = check.string(project, "version", "version") or ""
    if "version" not in project and "version" not in dynamic:
        check.problem("version", "missing (and not listed in dynamic)")
    core.summary = check.string(project, "description", "description") or ""
    core.requires_python = check.string(project, "requires-python", "requires-python") or ""
    core.classifiers = check.strings(project, "classifiers", "classifiers")
    core.urls = check.string_table(project, "urls", "urls")

    readme = project.get("readme")
    if isinstance(readme, str):
        core.description = _read_text(tree, readme, f"{where} [project] readme")
        core.description_content_type = _readme_type(readme)
    elif isinstance(readme, dict):
        content_type = check.string(readme, "content-type", "readme.content-type")
        text = check.string(readme, "text", "readme.text")
        file = check.string(readme, "file", "readme.file")
        if text is not None and file is not None:
            check.problem("readme", "has both 'file' and 'text'")
        elif file is not None:
            core.description = _read_text(tree, file, f"{where} [project] readme.file")
        elif text is not None:
            core.description = text
        core.description_content_type = content_type or _readme_type(file or "")
    elif readme is not None:
        check.problem("readme", f"expected a string or a table, got {_toml_type(readme)} "
                                f"({readme!r})")

    license_value = project.get("license")
    if isinstance(license_value, str):
        core.license_expression = license_value
    elif isinstance(license_value, dict):
        text = check.string(license_value, "text", "license.text")
        file = check.string(license_value, "file", "license.file")
        if text is not None:
            core.license_text = text
        elif file is not None:
            core.license_text = _read_text(tree, file, f"{where} [project] license.file")
    elif license_value is not None:
        check.problem("license", f"expected a string or a table, got "
                                 f"{_toml_type(license_value)} ({license_value!r})")

    core.requires_dist = check.strings(project, "dependencies", "dependencies")
    optional = check.table(project, "optional-dependencies", "optional-dependencies")
    for extra, requirements in optional.items():
        label = f"optional-dependencies.{extra}"
        if not isinstance(requirements, list) or not all(
            isinstance(item, str) for item in requirements
        ):
            check.problem(label, f"expected an array of strings, got {requirements!r}")
            continue
        try:
            spectext.extra(extra, field=f"{where} [project] optional-dependencies")
        except MetadataError as error:
            check.problems.append(str(error))
            continue
        core.provides_extra.append(extra)
        for item in requirements:
            req = parse_requirement(item, origin=f"{where} [project] {label}")
            core.requires_dist.append(_with_extra_marker(req, extra))

    scripts = {
        "scripts": list(check.string_table(project, "scripts", "scripts")),
        "gui-scripts": list(check.string_table(project, "gui-scripts", "gui-scripts")),
    }
    entry_points = check.table(project, "entry-points", "entry-points")
    for group in ("console_scripts", "gui_scripts"):
        if group in entry_points:
            check.problem(f"entry-points.{group}",
                          "not allowed: use [project.scripts] or [project.gui-scripts]")
    check.done()

    labels = {
        "name": "name", "version": "version", "summary": "description",
        "description": "readme", "description_content_type": "readme",
        "license_expression": "license", "license_text": "license",
        "requires_python": "requires-python", "requires_dist": "dependencies",
        "provides_extra": "optional-dependencies", "classifiers": "classifiers",
        "urls": "urls",
    }
    core.origins = {key: f"{where} [project] {label}" for key, label in labels.items()}
    return core, dynamic, scripts


def _with_extra_marker(req: Requirement, extra: str) -> str:
    """``foo>=1; python_version < "3.10"`` of extra ``cli`` as a ``Requires-Dist`` line."""
    marker = req.marker
    req = Requirement(str(req))
    req.marker = None
    base = str(req)
    separator = " ; " if req.url else "; "
    condition = f'extra == "{canonicalize_name(extra)}"'
    if marker is not None:
        condition = f"({marker}) and {condition}"
    return f"{base}{separator}{condition}"


# -- assembling -------------------------------------------------------------------------------


def _from_tree(
    tree: _Tree, *, kind: SourceKind, source_file: str, backend: MetadataBackend | None
) -> ProjectMetadata:
    pyproject_where = tree.where("pyproject.toml")
    pkg_info_where = tree.where("PKG-INFO")
    raw_pyproject = tree.read("pyproject.toml")
    raw_pkg_info = tree.read("PKG-INFO")
    pyproject = _load_toml(raw_pyproject, pyproject_where) if raw_pyproject is not None else None
    pkg_info = (
        _parse_core_metadata(raw_pkg_info, pkg_info_where) if raw_pkg_info is not None else None
    )
    warnings: list[str] = []
    hint = "build an sdist with `python -m build --sdist` and pass it instead"
    build_requires, build_backend = _build_system(pyproject, pyproject_where)
    backend_path = _backend_path(pyproject, pyproject_where)

    def computed(reason: str) -> _Core:
        assert backend is not None
        return _ask_backend(tree, backend, build_backend, backend_path, reason)

    project = pyproject.get("project") if pyproject is not None else None
    scripts: dict[str, list[str]] = {"scripts": [], "gui-scripts": []}
    dynamic: list[str] = []
    #: _Core field -> why PKG-INFO cannot vouch for it.
    untrusted: dict[str, str] = {}
    reason = ""
    from_backend: list[str] = []
    if project is None:
        dynamic = ["scripts", "gui-scripts"]
        if pkg_info is None:
            if backend is not None and (pyproject is not None or tree.read("setup.py")):
                core = computed(f"{tree.where('')}: no PKG-INFO and no [project] table")
                from_backend = ["all fields"]
            elif pyproject is None:
                raise MetadataError(f"{tree.where('')}: no pyproject.toml and no PKG-INFO")
            else:
                raise MetadataError(
                    f"{pyproject_where}: no [project] table (the metadata must be in setup.py "
                    f"or setup.cfg) and no PKG-INFO: {hint}"
                )
        else:
            core = pkg_info
            untrusted = _distrust(pkg_info, list(_PKG_INFO_HEADERS))
    elif not isinstance(project, dict):
        raise MetadataError(f"{pyproject_where} [project]: expected a table, got "
                            f"{_toml_type(project)}")
    else:
        core, dynamic, scripts = _project_core(project, tree, pyproject_where)
        wanted = [name for name in dynamic if name in _DYNAMIC_FROM_PKG_INFO]
        keys = list(dict.fromkeys(key for name in wanted for key in _DYNAMIC_FROM_PKG_INFO[name]))
        if wanted and pkg_info is None:
            if backend is None:
                raise MetadataError(
                    f"{pyproject_where} [project] dynamic: {', '.join(wanted)} "
                    f"{'is' if len(wanted) == 1 else 'are'} computed by the build backend and "
                    f"no PKG-INFO supplies {'it' if len(wanted) == 1 else 'them'}: {hint}"
                )
            untrusted = dict.fromkeys(keys, "no PKG-INFO")
            reason = (f"{pyproject_where} [project] dynamic: {', '.join(wanted)} "
                      f"{'is' if len(wanted) == 1 else 'are'} computed by the build backend "
                      f"and no PKG-INFO supplies {'it' if len(wanted) == 1 else 'them'}")
        elif pkg_info is not None:
            untrusted = _distrust(pkg_info, keys)
            for key in keys:
                if key not in untrusted:
                    setattr(core, key, getattr(pkg_info, key))
                    core.origins[key] = pkg_info.origins[key]

    if untrusted and backend is not None:
        reason = reason or "; ".join(_describe(untrusted, pkg_info_where))
        answer = computed(reason)
        for key in untrusted:
            setattr(core, key, getattr(answer, key))
            core.origins[key] = answer.origins[key]
        from_backend = sorted({_PKG_INFO_NAMES[key] for key in untrusted})
        untrusted = {}
    # Only fields a spec needs whole are refused; the others are warnings.
    minor = {key: why for key, why in untrusted.items() if key not in _SPEC_CRITICAL}
    warnings += [f"{text}; the value used may differ from the built package's"
                 for text in _describe(minor, pkg_info_where)]
    critical = {key: why for key, why in untrusted.items() if key in _SPEC_CRITICAL}
    untrusted_messages = [f"{text}; only the build backend ({build_backend}) knows the values"
                          for text in _describe(critical, pkg_info_where)]

    script_names = scripts["scripts"] + scripts["gui-scripts"]
    if "scripts" in dynamic or "gui-scripts" in dynamic:
        found = _egg_info_scripts(tree)
        if found is None:
            if project is not None:
                warnings.append(
                    f"{pyproject_where} [project] dynamic: scripts are computed by the build "
                    "backend and no *.egg-info/entry_points.txt lists them"
                )
        else:
            script_names += found

    tool = pyproject.get("tool") if pyproject is not None else None
    tool = tool if isinstance(tool, dict) else {}
    import_names = _tree_import_names(tree, tool, core.name, build_backend)
    has_ext = _tree_has_ext_modules(tree, tool, build_requires, build_backend, import_names)
    return _finish(
        core,
        kind=kind,
        origin=tree.where(""),
        source_file=source_file,
        source_dir=tree.top if isinstance(tree, _ArchiveTree) else "",
        build_requires=build_requires,
        build_backend=build_backend,
        import_names=import_names,
        has_ext_modules=has_ext,
        scripts=script_names,
        warnings=warnings,
        untrusted=untrusted_messages,
        from_backend=from_backend,
        test_requires=_test_group(pyproject, pyproject_where),
    )


#: PEP 735 group names (normalised) whose requirements %pyconfig_test needs, first found wins.
TEST_GROUPS = ("test", "tests", "testing")


def _test_group(pyproject: dict[str, object] | None, where: str) -> list[str]:
    """The requirements of the first PEP 735 test group of ``[dependency-groups]``, with its
    ``{include-group = NAME}`` entries resolved; a malformed group is an error naming it."""
    if pyproject is None or "dependency-groups" not in pyproject:
        return []
    label = f"{where} [dependency-groups]"
    table = pyproject["dependency-groups"]
    if not isinstance(table, dict):
        raise MetadataError(f"{label}: expected a table, got {_toml_type(table)}")
    groups: dict[str, tuple[str, object]] = {}
    for name, value in table.items():
        key = canonicalize_name(name)
        if key in groups:
            raise MetadataError(f"{label}: groups {groups[key][0]!r} and {name!r} have the "
                                "same normalised name")
        groups[key] = (name, value)
    for wanted in TEST_GROUPS:
        if wanted in groups:
            return _group_requirements(groups, wanted, label, ())
    return []


def _group_requirements(
    groups: dict[str, tuple[str, object]], key: str, label: str, seen: tuple[str, ...]
) -> list[str]:
    name, value = groups[key]
    if key in seen:
        cycle = " -> ".join([*(groups[k][0] for k in seen), name])
        raise MetadataError(f"{label}: include-group cycle {cycle}")
    if not isinstance(value, list):
        raise MetadataError(f"{label} {name}: expected an array, got {_toml_type(value)}")
    found: list[str] = []
    for index, item in enumerate(value):
        origin = f"{label} {name}[{index}]"
        if isinstance(item, str):
            parse_requirement(item, origin=origin)
            found.append(item)
        elif isinstance(item, dict) and set(item) == {"include-group"} and isinstance(
                item["include-group"], str):
            included = canonicalize_name(item["include-group"])
            if included not in groups:
                raise MetadataError(f"{origin}: include-group {item['include-group']!r}: "
                                    "no such group")
            found += _group_requirements(groups, included, label, (*seen, key))
        else:
            raise MetadataError(f"{origin}: expected a requirement string or "
                                f"{{include-group = NAME}}, got {item!r}")
    return list(dict.fromkeys(found))


def _build_system(
    pyproject: dict[str, object] | None, where: str
) -> tuple[list[str], str]:
    if pyproject is None or "build-system" not in pyproject:
        return list(DEFAULT_BUILD_REQUIRES), DEFAULT_BUILD_BACKEND
    check = _Checker(f"{where} [build-system]")
    table = check.table(pyproject, "build-system", "")
    if table and "requires" not in table:
        check.problem("requires", "missing (PEP 518 makes it mandatory)")
    requires = check.strings(table, "requires", "requires")
    backend = check.string(table, "build-backend", "build-backend")
    check.done()
    for item in requires:
        parse_requirement(item, origin=f"{where} [build-system] requires")
    return requires, backend or DEFAULT_BUILD_BACKEND


def _backend_path(pyproject: dict[str, object] | None, where: str) -> list[str]:
    """``[build-system] backend-path``: directories inside the project (PEP 517)."""
    if pyproject is None:
        return []
    check = _Checker(f"{where} [build-system]")
    table = check.table(pyproject, "build-system", "")
    paths = check.strings(table, "backend-path", "backend-path")
    for index, path in enumerate(paths):
        clean = posixpath.normpath(path.replace("\\", "/"))
        if clean.startswith(("/", "../")) or clean == "..":
            check.problem(f"backend-path[{index}]", f"{path!r} is outside the project")
    check.done()
    return paths


def _finish(
    core: _Core,
    *,
    kind: SourceKind,
    origin: str,
    source_file: str,
    source_dir: str = "",
    build_requires: list[str],
    build_backend: str,
    import_names: list[str],
    has_ext_modules: bool,
    scripts: list[str],
    warnings: list[str],
    untrusted: list[str] | None = None,
    from_backend: list[str] | None = None,
    test_requires: list[str] | None = None,
) -> ProjectMetadata:
    """Validate the collected fields and build the record."""
    where = core.origins
    if not re.match(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])\Z", core.name, re.IGNORECASE):
        raise MetadataError(f"{where['name']}: invalid project name {core.name!r}")
    parse_version(core.version, origin=where["version"])
    if core.requires_python:
        try:
            SpecifierSet(core.requires_python)
        except InvalidSpecifier:
            raise MetadataError(
                f"{where['requires_python']}: invalid specifier {core.requires_python!r}"
            ) from None
    for extra in core.provides_extra:
        spectext.extra(extra, field=where["provides_extra"])
    for item in core.requires_dist:
        parse_requirement(item, origin=where["requires_dist"])
    license_result = license_for(
        expression=core.license_expression,
        text=core.license_text,
        classifiers=core.classifiers,
        origin=where["license_expression" if core.license_expression else "license_text"],
    )
    urls = dict(core.urls)
    source_url = _pick_url(urls, ("source", "sourcecode", "repository", "code", "github",
                                  "gitlab"))
    homepage = _pick_url(urls, ("homepage", "home")) or source_url or next(iter(urls.values()),
                                                                           "")
    return ProjectMetadata(
        name=core.name,
        canonical_name=canonicalize_name(core.name),
        version=core.version,
        summary=core.summary,
        description=core.description,
        description_content_type=core.description_content_type,
        license=license_result,
        requires_python=core.requires_python,
        requires_dist=list(core.requires_dist),
        extras=extras_of(core.requires_dist, core.provides_extra, origin=where["requires_dist"]),
        build_requires=build_requires,
        build_backend=build_backend,
        urls=urls,
        homepage=homepage,
        source_url=source_url,
        import_names=import_names,
        has_ext_modules=has_ext_modules,
        scripts=sorted(set(scripts)),
        classifiers=list(core.classifiers),
        source_file=source_file,
        source_dir=source_dir,
        source_kind=kind,
        origin=origin,
        warnings=warnings,
        untrusted=list(untrusted or []),
        from_backend=list(from_backend or []),
        test_requires=list(test_requires or []),
        origins=dict(where),
    )


def _pick_url(urls: dict[str, str], keys: tuple[str, ...]) -> str:
    by_key = {_url_key(label): url for label, url in urls.items()}
    for key in keys:
        if key in by_key:
            return by_key[key]
    return ""


# -- scripts ----------------------------------------------------------------------------------


def _entry_point_scripts(data: bytes, where: str) -> list[str]:
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    try:
        parser.read_string(data.decode("utf-8"), source=where)
    except (configparser.Error, UnicodeDecodeError) as error:
        raise MetadataError(f"{where}: cannot parse: {error}") from None
    names: list[str] = []
    for group in ("console_scripts", "gui_scripts"):
        if parser.has_section(group):
            names.extend(parser.options(group))
    return names


def _egg_info_scripts(tree: _Tree) -> list[str] | None:
    """Scripts listed by a setuptools ``*.egg-info/entry_points.txt`` shipped in an sdist."""
    for name in tree.names():
        parts = name.split("/")
        if len(parts) <= 3 and parts[-1] == "entry_points.txt" and parts[-2].endswith(
            ".egg-info"
        ):
            data = tree.read(name)
            if data is not None:
                return _entry_point_scripts(data, tree.where(name))
    return None


# -- import names and extension modules -------------------------------------------------------

#: Top-level directories of a flat layout that are not packages (setuptools' own list, roughly).
_NOT_PACKAGES = frozenset(
    [
        "bench", "benchmark", "benchmarks", "bin", "build", "ci", "conf", "dist", "doc", "docs",
        "example", "examples", "script", "scripts", "site", "test", "tests", "tools", "tox",
        "util", "utils",
    ]
)
_EXTENSION_SOURCES = (".c", ".cc", ".cpp", ".cxx", ".pyx", ".rs")
_EXTENSION_BACKENDS = ("scikit_build_core", "mesonpy", "maturin", "py_build_cmake", "enscons")
_EXTENSION_BUILD_REQUIRES = frozenset(
    ["cython", "setuptools-rust", "pybind11", "scikit-build", "scikit-build-core",
     "meson-python", "maturin", "nanobind", "cffi"]
)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _str_items(value: object) -> Iterator[str]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, str))


def _table(value: object, key: str) -> dict[str, object]:
    if isinstance(value, dict):
        inner = value.get(key)
        if isinstance(inner, dict):
            return inner
    return {}


def _configured_import_names(tool: dict[str, object]) -> list[str]:
    """Top-level names the build backend's own configuration declares, if it does."""
    names: list[str] = []
    setuptools = _table(tool, "setuptools")
    packages = setuptools.get("packages")
    names += [p.split(".")[0] for p in _str_items(packages)]
    names += [m.split(".")[0] for m in _str_items(setuptools.get("py-modules"))]
    wheel = _table(_table(_table(tool, "hatch"), "build"), "targets")
    for path in _str_items(_table(wheel, "wheel").get("packages")):
        names.append(posixpath.basename(path.rstrip("/")))
    module = _table(_table(tool, "flit"), "module").get("name")
    if isinstance(module, str):
        names.append(module.split(".")[0])
    poetry_packages = _table(tool, "poetry").get("packages")
    if isinstance(poetry_packages, list):
        for entry in poetry_packages:
            include = entry.get("include") if isinstance(entry, dict) else None
            if isinstance(include, str):
                names.append(include.split("/")[0].removesuffix(".py"))
    maturin_module = _table(tool, "maturin").get("module-name")
    if isinstance(maturin_module, str):
        names.append(maturin_module.split(".")[0])
    return sorted({n for n in names if _IDENTIFIER.match(n)})


def _flit_module(tree: _Tree, project_name: str) -> str | None:
    """flit_core's one module when ``[tool.flit.module]`` names none: the project name with
    ``-`` as ``_``, a package or a ``.py`` file at the top or in ``src/``."""
    module = project_name.replace("-", "_")
    names = set(tree.names())
    for prefix in ("", "src/"):
        if f"{prefix}{module}/__init__.py" in names or f"{prefix}{module}.py" in names:
            return module
    return None


def _tree_import_names(
    tree: _Tree, tool: dict[str, object], project_name: str, build_backend: str = ""
) -> list[str]:
    """Best effort: the backend's configuration (flit_core: the project's name), else the
    src/ or flat layout of the tree."""
    configured = _configured_import_names(tool)
    if configured:
        return configured
    if build_backend.startswith("flit_core"):
        # flit ships exactly one module; test helpers next to it in src/ are not installed.
        module = _flit_module(tree, project_name)
        if module is not None:
            return [module]
    names = tree.names()
    found: set[str] = set()
    src = [n[4:] for n in names if n.startswith("src/")]
    candidates = src if src else names
    for name in candidates:
        parts = name.split("/")
        if len(parts) >= 2 and parts[-1] == "__init__.py":
            top = parts[0]
            if _IDENTIFIER.match(top) and (src or top not in _NOT_PACKAGES):
                found.add(top)
        elif src and len(parts) == 1 and parts[0].endswith(".py"):
            found.add(parts[0][:-3])
    if not found:
        module = canonicalize_name(project_name).replace("-", "_")
        if f"{module}.py" in names:
            found.add(module)
        elif src:  # namespace packages: src/NAME/**/*.py without __init__.py
            found.update(n.split("/")[0] for n in src if n.endswith(".py") and "/" in n)
    return sorted(n for n in found if _IDENTIFIER.match(n))


def _tree_has_ext_modules(
    tree: _Tree,
    tool: dict[str, object],
    build_requires: Iterable[str],
    build_backend: str,
    import_names: list[str],
) -> bool:
    """Best effort: a compiling backend, a compiler helper in the build requirements,
    ``ext-modules``/``Extension(`` in the setuptools configuration, or C/C++/Cython/Rust
    sources in the package tree (``src/`` or the import packages) or a ``Cargo.toml``."""
    if build_backend.startswith(_EXTENSION_BACKENDS):
        return True
    for item in build_requires:
        if canonicalize_name(Requirement(item).name) in _EXTENSION_BUILD_REQUIRES:
            return True
    if "ext-modules" in _table(tool, "setuptools"):
        return True
    setup_py = tree.read("setup.py")
    if setup_py is not None and re.search(
        rb"\bext_modules\b|Extension\s*\(|\bcythonize\s*\(", setup_py
    ):
        return True
    names = tree.names()
    if "Cargo.toml" in names:
        return True
    roots = ("src/", *(f"{name}/" for name in import_names))
    return any(n.startswith(roots) and n.endswith(_EXTENSION_SOURCES) for n in names)


# -- wheels -----------------------------------------------------------------------------------


def _from_wheel(archive: zipfile.ZipFile, path: Path) -> ProjectMetadata:
    _check_zip(path, archive)
    members = archive.namelist()
    dist_infos = sorted(
        {m.split("/")[0] for m in members
         if m.count("/") == 1 and m.endswith("/METADATA") and m.split("/")[0].endswith(
             ".dist-info")}
    )
    if len(dist_infos) != 1:
        found = ", ".join(dist_infos) or "none"
        raise MetadataError(
            f"{path}: expected one *.dist-info/METADATA in the wheel, found {found}"
        )
    dist_info = dist_infos[0]

    def where(name: str) -> str:
        return f"{path}/{dist_info}/{name}"

    def read(name: str) -> bytes | None:
        member = f"{dist_info}/{name}"
        return _zip_read(archive, member, where(name)) if member in members else None

    metadata = read("METADATA")
    assert metadata is not None  # the dist-info was chosen for having one
    core = _parse_core_metadata(metadata, where("METADATA"))

    has_ext = False
    wheel = read("WHEEL")
    if wheel is not None:
        headers = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(wheel)
        has_ext = str(headers.get("Root-Is-Purelib", "true")).strip().lower() != "true"

    top_level = read("top_level.txt")
    if top_level is not None:
        import_names = sorted(
            {line.strip().split("/")[0] for line in top_level.decode("utf-8").splitlines()
             if _IDENTIFIER.match(line.strip().split("/")[0])}
        )
    else:
        import_names = _record_import_names(members, dist_info)

    entry_points = read("entry_points.txt")
    scripts = _entry_point_scripts(entry_points, where("entry_points.txt")) if entry_points else []
    return _finish(
        core,
        kind="wheel",
        origin=str(path),
        source_file=path.name,
        build_requires=list(DEFAULT_BUILD_REQUIRES),
        build_backend=DEFAULT_BUILD_BACKEND,
        import_names=import_names,
        has_ext_modules=has_ext,
        scripts=scripts,
        warnings=[],
    )


def _record_import_names(members: list[str], dist_info: str) -> list[str]:
    """Top-level modules of a wheel from its file list (``foo/``, ``foo.py``, ``_foo.*.so``)."""
    data_dir = dist_info[: -len(".dist-info")] + ".data"
    names: set[str] = set()
    for member in members:
        top = member.split("/")[0]
        if top in (dist_info, data_dir) or member.endswith("/"):
            continue
        if "/" in member:
            names.add(top)
        elif top.endswith((".py", ".so", ".pyd")):
            names.add(top.split(".")[0])
    return sorted(n for n in names if _IDENTIFIER.match(n))
