"""A multi-runtime ``python-NAME.spec`` from a project's metadata.

The generated spec builds one subpackage per runtime through the macros (the build
machine's registry decides), or, ``static=True``, has the stanzas expanded for given
runtimes by the very templates the macros render.  Either way the metadata rules of
``versions``, ``dependencies`` and ``licenses`` apply: PEP 440 versions kept whole,
markers evaluated per runtime, extras in their own subpackages, SPDX licenses.
"""

from __future__ import annotations

import datetime
import os
import textwrap
from collections.abc import Sequence

from . import __version__
from ._files import write_atomically
from .errors import PyConfigError
from .metadata import ProjectMetadata, read_metadata
from .rendering import SpecText, render
from .runtime import Runtime

__all__ = ["GeneratedSpec", "generate_spec", "write_spec"]


class GeneratedSpec:
    """A spec's text, its conventional file name, and what the packager must check."""

    __slots__ = ("filename", "metadata", "text", "warnings")

    def __init__(
        self, text: str, filename: str, warnings: list[str], metadata: ProjectMetadata
    ) -> None:
        #: The whole spec.
        self.text = text
        #: ``python-NAME.spec``.
        self.filename = filename
        #: Guesses and placeholders, also written as ``# WARNING:`` lines at the top.
        self.warnings = warnings
        #: The metadata it was made from.
        self.metadata = metadata


def generate_spec(
    source: str | os.PathLike[str],
    *,
    static: bool = False,
    runtimes: Sequence[Runtime] = (),
    selection_args: str = "",
    changelog_date: datetime.date | None = None,
) -> GeneratedSpec:
    """Read *source* (project directory, sdist or wheel) and write its spec text.

    *runtimes* matter only with *static*: the stanzas are expanded for them, in order.
    *selection_args* are the rpm-pyconfig options a static spec's install step repeats.
    """
    meta = read_metadata(source)
    if static and not runtimes:
        raise PyConfigError("a static spec needs at least one runtime")
    pkgname = meta.canonical_name
    archive = _with_version_macro(_archive_name(meta), meta.version)
    archive_dir = _with_version_macro(_archive_dir(meta), meta.version)
    warnings = list(meta.license.warnings) + list(meta.warnings)
    if meta.has_ext_modules:
        warnings.append(
            "extension modules: add BuildRequires for each runtime's headers "
            "(python3-devel, pypy3-devel...), which the registry does not name"
        )
    if not meta.import_names:
        warnings.append(
            "no importable module found: set pyconfig_modules for %check by hand"
        )
    values = {
        "meta": meta,
        "pkgname": pkgname,
        "modules": " ".join(meta.import_names) or pkgname.replace("-", "_"),
        "extras": " ".join(meta.extras),
        "requires_dist": "\n".join(meta.requires_dist),
        "build_requires": "\n".join(meta.build_requires),
        "rpm_version": meta.rpm_version,
        "version_evr": meta.rpm_version.evr,
        "summary": _one_line(meta.summary) or f"The {meta.name} Python project",
        "description": _description(meta),
        "source_url": SpecText(_source_url(meta, archive)),
        "source_name": os.path.basename(os.fspath(source).rstrip("/")) or os.fspath(source),
        "archive_dir": SpecText(archive_dir),
        "warnings": warnings,
        "static": static,
        "embed_registry": static,
        "tool": "rpm-pyconfig",
        "tool_version": __version__,
        "selection_args": selection_args,
        "changelog_date": (changelog_date or _today()).strftime("%a %b %d %Y"),
    }
    text = render("spec", runtimes if static else (), values)
    return GeneratedSpec(text, f"python-{pkgname}.spec", warnings, meta)


def write_spec(spec: GeneratedSpec, path: str, *, force: bool = False) -> None:
    """Write *spec* to *path* whole or not at all; never replace a file unless *force*."""
    write_atomically(path, spec.text.encode("utf-8"), replace=force)


def _today() -> datetime.date:
    """The changelog date: SOURCE_DATE_EPOCH when set, for reproducible output."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc).date()
    return datetime.date.today()


def _archive_name(meta: ProjectMetadata) -> str:
    """The sdist's file name: the one given, else PEP 625's ``name_with_underscores-V.tar.gz``."""
    if meta.source_kind == "sdist" and meta.source_file:
        return meta.source_file
    return f"{meta.canonical_name.replace('-', '_')}-{meta.version}.tar.gz"


def _archive_dir(meta: ProjectMetadata) -> str:
    """The directory the sdist unpacks to: read from the sdist, else PEP 625's ``NAME-V``."""
    return meta.source_dir or f"{meta.canonical_name.replace('-', '_')}-{meta.version}"


def _with_version_macro(text: str, version: str) -> str:
    """``foo-1.0.tar.gz`` -> ``foo-%{pypi_version}.tar.gz``: the spec names the version once."""
    head, found, tail = text.rpartition(f"-{version}")
    if found and (not tail or tail.startswith(".")):
        return f"{head}-%{{pypi_version}}{tail}"
    return text


def _source_url(meta: ProjectMetadata, archive: str) -> str:
    """PyPI's stable URL of an sdist: /packages/source/INITIAL/NAME/FILE."""
    return f"https://files.pythonhosted.org/packages/source/{meta.name[0]}/{meta.name}/{archive}"


def _one_line(text: str) -> str:
    return " ".join(text.split()).rstrip(".")


def _description(meta: ProjectMetadata) -> str:
    """The summary as a paragraph: a README is no package description, and may hold markup."""
    summary = _one_line(meta.summary).rstrip("\\") or meta.name
    return "\n".join(textwrap.wrap(summary + ".", width=79))
