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

The files are read by :mod:`~rpm_pyconfig.sources` and :mod:`~rpm_pyconfig.wheelinfo`, parsed
by :mod:`~rpm_pyconfig.pyproject` and :mod:`~rpm_pyconfig.coremetadata` (packaging's), what the
project installs is guessed by :mod:`~rpm_pyconfig.layout`; this module decides which source
each field comes from and validates the result.
"""

from __future__ import annotations

import lzma
import os
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from rpm_pyconfig import _packaging, coremetadata, layout, pyproject, sources, spectext
from rpm_pyconfig.backend import MetadataBackend
from rpm_pyconfig.coremetadata import Core
from rpm_pyconfig.dependencies import extras_of, parse_requirement
from rpm_pyconfig.errors import MetadataError
from rpm_pyconfig.layout import DEFAULT_BUILD_BACKEND, DEFAULT_BUILD_REQUIRES, Found, SourceKind
from rpm_pyconfig.licenses import LicenseResult, license_for
from rpm_pyconfig.versions import RpmVersion, parse_version, rpm_version
from rpm_pyconfig.wheelinfo import read_wheel

__all__ = ["DEFAULT_BUILD_BACKEND", "DEFAULT_BUILD_REQUIRES", "ProjectMetadata", "read_metadata"]


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
    #: The license as an SPDX expression (none when unknown), where it came from, warnings.
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
    #: Where a ``requires_dist`` line was written, where that is more precise than
    #: ``origins["requires_dist"]``: ``FILE [project] optional-dependencies.NAME`` for an
    #: extra's requirement (which the line carries with ``extra == "NAME"`` added).
    requirement_origins: dict[str, str] = field(default_factory=dict, compare=False,
                                                repr=False)

    @property
    def rpm_version(self) -> RpmVersion:
        """The ``Epoch:``/``Version:`` tags (:func:`~rpm_pyconfig.versions.rpm_version`)."""
        return rpm_version(self.version)


# -- reading ----------------------------------------------------------------------------------


def read_metadata(
    source: str | os.PathLike[str], *, backend: MetadataBackend | None = None
) -> ProjectMetadata:
    """Read the metadata of a project directory, an sdist or a wheel (see the module doc).

    *backend* computes the fields PKG-INFO cannot vouch for; without it they are listed in
    :attr:`ProjectMetadata.untrusted`.
    """
    _packaging.require()
    path = Path(os.fspath(source))
    if not path.exists():
        raise MetadataError(f"{path}: no such file or directory")
    if path.is_dir():
        return _from_tree(sources.DirTree(path), kind="directory", source_file="", backend=backend)
    if not path.is_file():
        raise MetadataError(f"{path}: not a regular file")
    lower = path.name.lower()
    try:
        if lower.endswith(".whl"):
            with zipfile.ZipFile(path) as archive:
                return _finish(read_wheel(archive, path))
        if lower.endswith(sources.TAR_SUFFIXES):
            with tarfile.open(path) as tar:
                return _from_tree(sources.TarTree(path, tar), kind="sdist",
                                  source_file=path.name, backend=backend)
        if lower.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                return _from_tree(sources.ZipTree(path, archive), kind="sdist",
                                  source_file=path.name, backend=backend)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, zlib.error,
            lzma.LZMAError) as error:
        reason = str(error)
        if isinstance(error, tarfile.ReadError) and reason.startswith("file could not be opened"):
            reason = "not a tar archive (plain, gzip, bzip2 or xz)"  # not tarfile's list of tries
        raise MetadataError(f"{path}: cannot read the archive: {' '.join(reason.split())}"
                            ) from None
    except UnicodeDecodeError as error:  # zipfile: a member name flagged UTF-8 that is not
        raise MetadataError(f"{path}: cannot read the archive: a member name is not UTF-8 "
                            f"({error.object[:80]!r})") from None
    raise MetadataError(
        f"{path}: not a project directory, an sdist (.tar.gz, .zip) or a wheel (.whl)"
    )


# -- merging pyproject.toml, PKG-INFO and the build backend -----------------------------------


def _from_tree(
    tree: sources.Tree, *, kind: SourceKind, source_file: str, backend: MetadataBackend | None
) -> ProjectMetadata:
    """``[project]``, with PKG-INFO's fields where it says ``dynamic`` and the build
    backend's where PKG-INFO cannot vouch for them (see the module doc)."""
    pyproject_where = tree.where("pyproject.toml")
    pkg_info_where = tree.where("PKG-INFO")
    raw_pyproject = tree.read("pyproject.toml")
    raw_pkg_info = tree.read("PKG-INFO")
    toml = pyproject.load(raw_pyproject, pyproject_where) if raw_pyproject is not None else None
    pkg_info = (
        coremetadata.parse(raw_pkg_info, pkg_info_where) if raw_pkg_info is not None else None
    )
    warnings: list[str] = []
    hint = "build an sdist with `python -m build --sdist` and pass it instead"
    build_requires, build_backend = pyproject.build_system(toml, pyproject_where)
    backend_path = pyproject.backend_path(toml, pyproject_where)

    def computed(reason: str) -> Core:
        assert backend is not None
        return _ask_backend(tree, backend, build_backend, backend_path, reason)

    project = toml.get("project") if toml is not None else None
    scripts: dict[str, list[str]] = {"scripts": [], "gui-scripts": []}
    dynamic: list[str] = []
    #: Core field -> why PKG-INFO cannot vouch for it.
    untrusted: dict[str, str] = {}
    reason = ""
    from_backend: list[str] = []
    if project is None:
        dynamic = ["scripts", "gui-scripts"]
        if pkg_info is None:
            if backend is not None and (toml is not None or tree.read("setup.py")):
                core = computed(f"{tree.where('')}: no PKG-INFO and no [project] table")
                from_backend = ["all fields"]
            elif toml is None:
                raise MetadataError(f"{tree.where('')}: no pyproject.toml and no PKG-INFO")
            else:
                raise MetadataError(
                    f"{pyproject_where}: no [project] table (the metadata must be in setup.py "
                    f"or setup.cfg) and no PKG-INFO: {hint}"
                )
        else:
            core = pkg_info
            untrusted = coremetadata.distrust(pkg_info, list(coremetadata.PKG_INFO_HEADERS))
    elif not isinstance(project, dict):
        raise MetadataError(f"{pyproject_where} [project]: expected a table, got "
                            f"{pyproject.toml_type(project)}")
    else:
        core, dynamic, scripts = pyproject.project_core(project, tree, pyproject_where)
        wanted = [name for name in dynamic if name in pyproject.DYNAMIC_FROM_PKG_INFO]
        keys = list(dict.fromkeys(
            key for name in wanted for key in pyproject.DYNAMIC_FROM_PKG_INFO[name]
        ))
        if wanted and pkg_info is None:
            reason = (f"{pyproject_where} [project] dynamic: {', '.join(wanted)} "
                      f"{'is' if len(wanted) == 1 else 'are'} computed by the build backend "
                      f"and no PKG-INFO supplies {'it' if len(wanted) == 1 else 'them'}")
            if backend is None:
                raise MetadataError(f"{reason}: {hint}")
            untrusted = dict.fromkeys(keys, "no PKG-INFO")
        elif pkg_info is not None:
            untrusted = coremetadata.distrust(pkg_info, keys)
            for key in keys:
                if key not in untrusted:
                    _take(core, pkg_info, key)

    if untrusted and backend is not None:
        reason = reason or "; ".join(coremetadata.describe(untrusted, pkg_info_where))
        answer = computed(reason)
        for key in untrusted:
            _take(core, answer, key)
        from_backend = sorted({coremetadata.PKG_INFO_NAMES[key] for key in untrusted})
        untrusted = {}
    # Only fields a spec needs whole are refused; the others are warnings.
    minor = {key: why for key, why in untrusted.items() if key not in coremetadata.SPEC_CRITICAL}
    warnings += [f"{text}; the value used may differ from the built package's"
                 for text in coremetadata.describe(minor, pkg_info_where)]
    critical = {key: why for key, why in untrusted.items() if key in coremetadata.SPEC_CRITICAL}
    untrusted_messages = [f"{text}; only the build backend ({build_backend}) knows the values"
                          for text in coremetadata.describe(critical, pkg_info_where)]

    script_names = scripts["scripts"] + scripts["gui-scripts"]
    if "scripts" in dynamic or "gui-scripts" in dynamic:
        found = layout.egg_info_scripts(tree)
        if found is None:
            if project is not None:
                warnings.append(
                    f"{pyproject_where} [project] dynamic: scripts are computed by the build "
                    "backend and no *.egg-info/entry_points.txt lists them"
                )
        else:
            script_names += found

    tool = toml.get("tool") if toml is not None else None
    tool = tool if isinstance(tool, dict) else {}
    import_names = layout.import_names(tree, tool, core.name, build_backend)
    has_ext = layout.has_ext_modules(tree, tool, build_requires, build_backend, import_names)
    if toml is not None and "build-system" in toml:
        core.origins["build_requires"] = f"{pyproject_where} [build-system] requires"
    test_requires, test_origin = pyproject.test_group(toml, pyproject_where)
    if test_origin:
        core.origins["test_requires"] = test_origin
    return _finish(Found(
        core, kind, tree.where(""), source_file, import_names, has_ext, script_names,
        source_dir=tree.top if isinstance(tree, sources.ArchiveTree) else "",
        build_requires=build_requires, build_backend=build_backend, warnings=warnings,
        untrusted=untrusted_messages, from_backend=from_backend,
        test_requires=test_requires,
    ))


def _take(core: Core, source: Core, key: str) -> None:
    """Field *key* of *core* replaced by *source*'s, and where it came from with it (an
    extra's table no longer names lines that PKG-INFO or the backend now supplies)."""
    setattr(core, key, getattr(source, key))
    core.origins[key] = source.origins[key]
    if key == "requires_dist":
        core.requirement_origins = dict(source.requirement_origins)


def _ask_backend(
    tree: sources.Tree, backend: MetadataBackend, build_backend: str, backend_path: list[str],
    reason: str,
) -> Core:
    """The backend's METADATA for the project, computed in a temporary copy of its files."""
    with tempfile.TemporaryDirectory(prefix="rpm-pyconfig-project-") as top:
        project = os.path.join(top, "project")
        sources.unpack(tree, project)
        data = backend.prepare_metadata(
            project, build_backend=build_backend, backend_path=backend_path, reason=reason,
        )
    return coremetadata.parse(data, f"{tree.where('')}: METADATA computed by {build_backend}")


# -- validating -------------------------------------------------------------------------------


def _finish(found: Found) -> ProjectMetadata:
    """Validate the collected fields and build the record."""
    from packaging.utils import InvalidName  # not in packaging 23.0: never at import time

    core = found.core
    where = core.origins
    try:
        canonical_name = canonicalize_name(core.name, validate=True)
    except InvalidName:
        raise MetadataError(f"{where['name']}: invalid project name {core.name!r}") from None
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
    coremetadata.check(core, license_result.expression if license_result.source == "pep639"
                       else None)
    urls = dict(core.urls)
    source_url = _pick_url(urls, ("source", "sourcecode", "repository", "code", "github",
                                  "gitlab"))
    homepage = _pick_url(urls, ("homepage", "home")) or source_url or next(iter(urls.values()),
                                                                           "")
    return ProjectMetadata(
        name=core.name,
        canonical_name=canonical_name,
        version=core.version,
        summary=core.summary,
        description=core.description,
        description_content_type=core.description_content_type,
        license=license_result,
        requires_python=core.requires_python,
        requires_dist=list(core.requires_dist),
        extras=extras_of(core.requires_dist, core.provides_extra, origin=where["requires_dist"]),
        build_requires=found.build_requires,
        build_backend=found.build_backend,
        urls=urls,
        homepage=homepage,
        source_url=source_url,
        import_names=found.import_names,
        has_ext_modules=found.has_ext_modules,
        scripts=sorted(set(found.scripts)),
        classifiers=list(core.classifiers),
        source_file=found.source_file,
        source_dir=found.source_dir,
        source_kind=found.kind,
        origin=found.origin,
        warnings=found.warnings,
        untrusted=list(found.untrusted),
        from_backend=list(found.from_backend),
        test_requires=list(found.test_requires),
        origins=dict(where),
        requirement_origins=dict(core.requirement_origins),
    )


def _pick_url(urls: dict[str, str], keys: tuple[str, ...]) -> str:
    by_key = {coremetadata.url_key(label): url for label, url in urls.items()}
    for key in keys:
        if key in by_key:
            return by_key[key]
    return ""

