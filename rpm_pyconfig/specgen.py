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
from collections.abc import Sequence

from . import __version__, spectext
from ._files import write_atomically
from .errors import PyConfigError
from .metadata import ProjectMetadata, read_metadata
from .rendering import render
from .runtime import Runtime
from .spectext import SpecText

__all__ = ["GeneratedSpec", "changelog_today", "generate_spec", "write_spec"]


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
    test: bool = False,
    buildrequires: Sequence[str] = (),
) -> GeneratedSpec:
    """Read *source* (project directory, sdist or wheel) and write its spec text.

    *runtimes* matter only with *static*: the stanzas are expanded for them, in order.
    *selection_args* are the rpm-pyconfig options a static spec's install step repeats.
    *test*: ``%check`` also runs the project's tests with pytest (``%pyconfig_test``), whose
    build dependencies include the requirements of a ``test``, ``tests`` or ``testing`` extra.
    *buildrequires*: rpm dependencies no metadata names (C libraries the extension modules
    link, such as ``libffi-devel``), written as ``BuildRequires:``.
    """
    meta = read_metadata(source)
    if static and not runtimes:
        raise PyConfigError("a static spec needs at least one runtime")
    origins = meta.origins
    where = meta.origin
    pkgname = spectext.name(meta.canonical_name, field=origins.get("name", where))
    pypi_name = spectext.name(meta.name, field=origins.get("name", where))
    pypi_version = spectext.version(meta.version, field=origins.get("version", where))
    warnings = list(meta.license.warnings) + list(meta.warnings)
    extra_buildrequires = [spectext.rpm_dependency(item, field="--buildrequires")
                           for item in buildrequires]
    if meta.has_ext_modules and not extra_buildrequires:
        warnings.append(
            "extension modules: review BuildRequires; the C libraries they link (libffi for "
            "cffi...) are in no metadata (rpm-pyconfig spec --buildrequires NAME)"
        )
    if meta.has_ext_modules and static:
        headless = [rt.name for rt in runtimes if not rt.devel_requires]
        if headless:
            warnings.append(
                "extension modules: the registry names no headers (devel_requires) for "
                + ", ".join(headless) + "; add their BuildRequires by hand"
            )
    if not meta.import_names:
        warnings.append(
            "no importable module found: set pyconfig_modules for %check by hand"
        )
    summary = _one_line(meta.summary, origins.get("summary", where)) or (
        f"The {meta.name} Python project"
    )
    requires_field = origins.get("requires_dist", where)
    build_field = f"{where} [build-system] requires"
    source_name = os.path.basename(os.fspath(source).rstrip("/")) or os.fspath(source)
    values = {
        "meta": meta,
        "pkgname": pkgname,
        "pypi_name": pypi_name,
        "pypi_version": pypi_version,
        "modules": spectext.join(
            [spectext.module(module, field=f"{where} import names")
             for module in meta.import_names or [pkgname.replace("-", "_")]],
            " ",
        ),
        "extras": spectext.join(
            [spectext.extra(extra, field=origins.get("provides_extra", where))
             for extra in meta.extras],
            " ",
        ),
        "requires_dist": spectext.expand_lines(meta.requires_dist, field=requires_field),
        "build_requires": spectext.expand_lines(meta.build_requires, field=build_field),
        "compiled": spectext.syntax("1" if meta.has_ext_modules else ""),
        "test": test,
        "test_requires": spectext.syntax("pytest" if test else ""),
        "test_extras": spectext.join(
            [spectext.extra(extra, field=origins.get("provides_extra", where))
             for extra in meta.extras if test and extra in _TEST_EXTRAS],
            " ",
        ),
        "extra_buildrequires": extra_buildrequires,
        "rpm_version": meta.rpm_version,
        "version_evr": meta.rpm_version.evr,
        "summary": spectext.line(summary, field=origins.get("summary", where)),
        "summary_macro": spectext.define_value(summary, field=origins.get("summary", where)),
        "description": _description(summary, meta.name, origins.get("summary", where)),
        "license": spectext.license_expression(
            meta.license.expression, field=origins.get("license_expression", where)
        ),
        "url": spectext.url(meta.homepage, field=origins.get("urls", where))
        if meta.homepage else "",
        "source_url": _source_url(meta, pypi_name),
        "source_name": spectext.line(source_name, field="source path"),
        "source_comment": spectext.comment(source_name),
        "source_kind": spectext.line(meta.source_kind),
        "archive_dir": _archive_dir(meta),
        "warnings": [spectext.comment(warning) for warning in warnings],
        "static": static,
        "embed_registry": static,
        "tool": "rpm-pyconfig",
        "tool_version": __version__,
        "selection_args": selection_args,
        "changelog_date": (changelog_date or changelog_today()).strftime("%a %b %d %Y"),
    }
    text = render("spec", runtimes if static else (), values)
    return GeneratedSpec(text, f"python-{pkgname}.spec", warnings, meta)


#: Extras whose requirements ``--test`` adds to the tests' build dependencies.
_TEST_EXTRAS = ("test", "tests", "testing")


def write_spec(spec: GeneratedSpec, path: str, *, force: bool = False) -> None:
    """Write *spec* to *path* whole or not at all; never replace a file unless *force*."""
    write_atomically(path, spec.text.encode("utf-8"), replace=force)


def changelog_today() -> datetime.date:
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


def _archive_dir(meta: ProjectMetadata) -> SpecText:
    """The directory the sdist unpacks to: read from the sdist, else PEP 625's ``NAME-V``."""
    raw = meta.source_dir or f"{meta.canonical_name.replace('-', '_')}-{meta.version}"
    return _with_version_macro(
        spectext.filename(raw, field=f"{meta.origin}: top directory"), meta.version
    )


def _with_version_macro(text: SpecText, version: str) -> SpecText:
    """``foo-1.0.tar.gz`` -> ``foo-%{pypi_version}.tar.gz``: the spec names the version once.

    *text* is a checked file name, so its pieces are spec text too."""
    head, found, tail = text.rpartition(f"-{version}")
    if found and (not tail or tail.startswith(".")):
        return spectext.syntax(f"{head}-%{{pypi_version}}{tail}")
    return text


def _source_url(meta: ProjectMetadata, name: SpecText) -> SpecText:
    """PyPI's stable URL of an sdist: /packages/source/INITIAL/NAME/FILE."""
    archive = _with_version_macro(
        spectext.filename(_archive_name(meta), field=f"{meta.origin}: sdist file name"),
        meta.version,
    )
    return spectext.syntax(
        f"https://files.pythonhosted.org/packages/source/{name[0]}/{name}/{archive}"
    )


def _one_line(text: str, field: str) -> str:
    """The summary on one line: blanks and line breaks become one space.  Other control
    characters are refused (NUL, escape sequences...)."""
    spectext.line(text.replace("\n", " ").replace("\r", " ").replace("\t", " "), field=field)
    return " ".join(text.split()).rstrip(".")


def _description(summary: str, name: str, field: str) -> SpecText:
    """The summary as a paragraph: a README is no package description, and may hold markup.

    After the expansion rpm reads these lines as spec lines, so a word that starts with
    ``%`` or ``#`` never starts one: it stays on the line before; when the summary itself
    starts so, the paragraph starts with the project's name.
    """
    words = (summary + ".").split(" ")
    if words[0].startswith(("%", "#")):
        words.insert(0, name + ":")
    lines: list[str] = []
    for word in words:
        if lines and (len(lines[-1]) + 1 + len(word) <= 79 or word.startswith(("%", "#"))):
            lines[-1] += " " + word
        else:
            lines.append(word)
    return spectext.define_lines(lines, field=field, value=summary)
