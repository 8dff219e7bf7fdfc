"""A multi-runtime ``python-NAME.spec`` from a project's metadata.

The generated spec builds one subpackage per runtime through the macros (the build
machine's registry decides), or, ``static=True``, has the stanzas expanded for given
runtimes by the very templates the macros render.  Either way the metadata rules of
``versions``, ``dependencies`` and ``licenses`` apply: PEP 440 versions kept whole,
markers evaluated per runtime, extras in their own subpackages, SPDX licenses.

Metadata that PKG-INFO cannot vouch for comes from the project's build backend (a
:class:`~rpm_pyconfig.backend.MetadataBackend`) or the spec is refused: a spec never lacks
dependencies silently.  Package names follow Fedora's rule (``python-dateutil`` is packaged
as ``python3-dateutil``, its provides keep ``python3dist(python-dateutil)``).  The spec names
the sources by their file name only, so it is the same whatever directory they were read in.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence

from packaging.utils import canonicalize_name

from . import __version__, extras, spectext
from ._files import write_atomically
from .backend import MetadataBackend
from .contexts import SpecContext, StanzaContext
from .dependencies import parse_requirement, runtime_requires
from .errors import MetadataError, PyConfigError, located
from .licenses import LicenseResult
from .metadata import ProjectMetadata, read_metadata
from .pyproject import TEST_GROUPS
from .rendering import render
from .runtime import Runtime
from .spectext import SpecText

__all__ = [
    "PLACEHOLDER", "GeneratedSpec", "changelog_today", "declarative_problem", "generate_spec",
    "license_tag", "package_name", "write_spec",
]

#: The ``License:`` tag when the metadata says no usable license.  Deliberately not a valid
#: SPDX expression (a ``LicenseRef-`` would be valid and pass every check): rpmlint's
#: ``invalid-license`` and Fedora's license validators flag it, and FIXME shows in every review.
PLACEHOLDER = "FIXME-UNKNOWN-LICENSE"

#: The first rpm with declarative build systems (``BuildSystem:``, ``BuildOption()``).
BUILDSYSTEM_RPM = (4, 20)


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


def license_tag(result: LicenseResult, origin: str, warnings: list[str]) -> str:
    """The ``License:`` tag for *result*, its warnings added to *warnings*: the SPDX
    expression, or :data:`PLACEHOLDER` with a warning when the metadata says none."""
    warnings += result.warnings
    if result.expression is not None:
        return result.expression
    warnings.append(located(
        origin,
        f"no usable license metadata: License is set to {PLACEHOLDER}; "
        "replace it with the SPDX expression of the project's license",
    ))
    return PLACEHOLDER


def generate_spec(
    source: str | os.PathLike[str],
    *,
    static: bool = False,
    declarative: bool = False,
    runtimes: Sequence[Runtime] = (),
    selection_args: str = "",
    select: str = "",
    changelog_date: datetime.date | None = None,
    backend: MetadataBackend | None = None,
    wanted_extras: str | None = None,
    test: bool = False,
    buildrequires: Sequence[str] = (),
    test_requires: Sequence[str] = (),
    test_calls: Sequence[str] = (),
    test_extras: str | None = None,
    known_runtimes: Sequence[Runtime] = (),
) -> GeneratedSpec:
    """Read *source* (project directory, sdist or wheel) and write its spec text.

    *runtimes* matter only with *static*: the stanzas are expanded for them, in order.
    *selection_args* are the rpm-pyconfig options a static spec's install step repeats;
    *select* the runtime selection (shell words) a dynamic spec sets as ``pyconfig_select``.
    *declarative*: ``BuildSystem: pyconfig`` (rpm >= 4.20) instead of build sections.
    *backend* computes what PKG-INFO cannot vouch for (without it such a project is
    refused).  *wanted_extras* is ``NAME[,NAME...]``, ``all`` (``None``) or ``none``.
    *test*: ``%check`` also runs the project's tests with pytest (``%pyconfig_test``), whose
    build dependencies include the requirements of a ``test``, ``tests`` or ``testing`` extra.
    *buildrequires*: rpm dependencies no metadata names (C libraries the extension modules
    link, such as ``libffi-devel``), written as ``BuildRequires:``.  *test_requires*: PEP 508
    requirements of the tests no metadata names (``pretend``); *test_calls*: the words of one
    ``%pyconfig_test`` line each (``--where COND -- ARGS``), in place of the bare one;
    *test_extras*: ``NAME[,NAME...]`` or ``none``, the extras the tests need (``None``: a
    ``test``, ``tests`` or ``testing`` extra).  Any of them implies *test*.
    *known_runtimes* (default: *runtimes*): every requirement is evaluated for each of them
    now, as the build will for the build machine's runtimes, so that a marker or specifier
    that cannot be evaluated stops here, named with its file and field.
    """
    test = test or bool(test_requires) or bool(test_calls) or test_extras is not None
    if test_calls and static:
        raise PyConfigError(
            "--test-call writes %pyconfig_test lines, which a static spec does not have: write "
            "its checks by hand"
        )
    if static and declarative:
        raise PyConfigError(
            "--static and --declarative exclude each other: a declarative spec calls the macros"
        )
    meta = read_metadata(source, backend=backend)
    if meta.untrusted:
        raise MetadataError(
            "\n".join(meta.untrusted)
            + "\nrefusing to write a spec whose dependencies may be missing: let the build "
            "backend compute them (rpm-pyconfig spec without --no-backend runs it with the "
            "registry's default runtime) or pass a wheel"
        )
    if static and not runtimes:
        raise PyConfigError("a static spec needs at least one runtime")
    origins = meta.origins
    where = meta.origin
    distname = spectext.name(meta.canonical_name, field=origins.get("name", where))
    pkgname = spectext.name(package_name(meta.canonical_name), field=origins.get("name", where))
    pypi_name = spectext.name(meta.name, field=origins.get("name", where))
    pypi_version = spectext.version(meta.version, field=origins.get("version", where))
    chosen = extras.choose(meta.extras, wanted_extras)
    review = extras.development(chosen)
    left_out = [extra for extra in meta.extras if extra not in chosen]
    warnings: list[str] = []
    license_text = license_tag(meta.license, origins.get("license_text", where), warnings)
    warnings += meta.warnings
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
    build_field = origins.get("build_requires",
                              f"{where}: the default build requirements (no [build-system])")
    source_name = os.path.basename(os.fspath(source).rstrip("/")) or os.fspath(source)
    notes = []
    if meta.from_backend:
        notes.append(f"{', '.join(meta.from_backend)}: computed by the project's build "
                     f"backend ({meta.build_backend}); no static metadata vouched for them")
    if review:
        notes.append(f"REVIEW extras that look like development-only ones: {', '.join(review)} "
                     "(rpm-pyconfig spec --extras NAME,... keeps only the ones named)")
    if left_out:
        notes.append(f"extras left out (--extras): {', '.join(left_out)}")
    chosen_test_extras = _test_extras(meta, test_extras) if test else []
    _evaluate_now(known_runtimes or runtimes, [
        *((lines, field, [None, *chosen, *chosen_test_extras])
          for field, lines in _by_origin(meta.requires_dist, meta.requirement_origins,
                                         requires_field).items()),
        (meta.build_requires, build_field, [None]),
        *([(meta.test_requires, _test_group_field(meta), [None]),
           (list(test_requires), "--test-requires", [None])] if test else []),
    ])
    stanza = StanzaContext({
        "pkgname": pkgname,
        "distname": distname,
        "modules": [spectext.module(module, field=f"{where} import names")
                    for module in meta.import_names or [pkgname.replace("-", "_")]],
        "extras": [spectext.extra(extra, field=origins.get("provides_extra", where))
                   for extra in chosen],
        "requires_dist": spectext.expand_lines(meta.requires_dist, field=requires_field),
        "build_requires": spectext.expand_lines(meta.build_requires, field=build_field),
        "compiled": meta.has_ext_modules,
        "test_requires": _test_requires(meta, test_requires) if test
        else spectext.syntax(""),
        "test_extras": [spectext.extra(extra, field=origins.get("provides_extra", where))
                        for extra in chosen_test_extras],
        "version_evr": meta.rpm_version.evr,
        "summary": spectext.line(summary, field=origins.get("summary", where)),
        "embed_registry": static,
        "tool": "rpm-pyconfig",
        "selection_args": selection_args,
    })
    context = SpecContext(
        stanza,
        meta=meta,
        pypi_name=pypi_name,
        pypi_version=pypi_version,
        test=test,
        extra_buildrequires=extra_buildrequires,
        rpm_version=meta.rpm_version,
        summary_macro=spectext.define_value(summary, field=origins.get("summary", where)),
        description=_description(summary, meta.name, origins.get("summary", where)),
        license=spectext.license_expression(
            license_text, field=origins.get("license_expression", where)
        ),
        url=spectext.url(meta.homepage, field=origins.get("urls", where))
        if meta.homepage else "",
        source_url=_source_url(meta, pypi_name),
        source_name=spectext.line(source_name, field="source path"),
        source_comment=spectext.comment(source_name),
        source_kind=spectext.line(meta.source_kind),
        archive_dir=_archive_dir(meta),
        warnings=[spectext.comment(_portable(warning, source, source_name))
                  for warning in warnings],
        notes=[spectext.comment(note) for note in notes],
        static=static,
        declarative=declarative,
        select=spectext.define_value(select, field="runtime selection") if select else "",
        tool_version=__version__,
        changelog_date=(changelog_date or changelog_today()).strftime("%a %b %d %Y"),
        test_calls=[spectext.macro_arguments(call, field="--test-call") for call in test_calls],
    )
    text = render("spec", runtimes if static else (), context)
    return GeneratedSpec(text, f"python-{pkgname}.spec", warnings, meta)


def declarative_problem(rpm: str = "rpm") -> str | None:
    """Why this machine's rpm cannot build a declarative spec, or None when it can (>= 4.20).

    Asks ``rpm --version``; the spec is for the build machine, so this is the caller's
    warning to give, never written into the spec (which stops an older rpm by itself).
    """
    import re
    import subprocess

    try:
        answer = subprocess.run(
            [rpm, "--version"], capture_output=True, text=True, check=False, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        return (
            f"cannot run {rpm} --version ({error}): the declarative spec (BuildSystem: pyconfig) "
            "needs rpm >= 4.20 where it is built"
        )
    found = re.search(r"([0-9]+)\.([0-9]+)[0-9.]*", answer)
    if found is None:
        return f"{rpm} --version said {answer.strip()!r}: the declarative spec needs rpm >= 4.20"
    if (int(found.group(1)), int(found.group(2))) >= BUILDSYSTEM_RPM:
        return None
    return (
        f"this machine's rpm is {found.group(0)}, which has no BuildSystem: the declarative "
        "spec builds only with rpm >= 4.20 (older rpm stops at its first lines with an error); "
        "generate it without --declarative for this machine"
    )


def package_name(canonical_name: str) -> str:
    """The name after the runtime prefix (``python3-NAME``): Fedora's rule drops a leading
    ``python-`` so that ``python-dateutil`` is ``python3-dateutil``, not
    ``python3-python-dateutil`` (the ``pythonXdist()`` provides keep the project's name)."""
    stripped = canonical_name[len("python-"):] if canonical_name.startswith("python-") else ""
    return stripped or canonical_name


def _portable(message: str, source: str | os.PathLike[str], source_name: str) -> str:
    """*message* with the generating machine's path of the source cut down to its file name:
    a spec must not depend on where it was made (temporary directories above all)."""
    given = os.fspath(source).rstrip("/")
    for path in sorted({given, os.path.abspath(given)}, key=len, reverse=True):
        if path and path != source_name:
            message = message.replace(path, source_name)
    return message
#: Extras whose requirements ``--test`` adds to the tests' build dependencies.
_TEST_EXTRAS = ("test", "tests", "testing")


def _test_extras(meta: ProjectMetadata, wanted: str | None) -> list[str]:
    """The extras ``%pyconfig_test_extras`` names: *wanted* (``--test-extras``), each one an
    extra of the project, or ``none``; by default a test, tests or testing extra."""
    if wanted is None:
        return [extra for extra in meta.extras if extra in _TEST_EXTRAS]
    if wanted.strip() == "none":
        return []
    names = [name.strip() for name in wanted.split(",")]
    unknown = [name for name in names if name not in meta.extras]
    if unknown or not all(names):
        named = ", ".join(repr(name) for name in unknown) or "an empty name"
        raise PyConfigError(
            f"--test-extras {wanted!r}: {named} is no extra of {meta.name} (it has: "
            f"{', '.join(meta.extras) or 'none'}); give NAME[,NAME...] or none"
        )
    return names


def _test_group_field(meta: ProjectMetadata) -> str:
    """How messages name the project's PEP 735 test group: its own table when it has one."""
    return meta.origins.get("test_requires",
                            f"{meta.origin} [dependency-groups] {'/'.join(TEST_GROUPS)}")


def _test_requires(meta: ProjectMetadata, given: Sequence[str] = ()) -> SpecText:
    """What ``%pyconfig_test`` needs: pytest, then the PEP 735 test group's requirements
    (pytest alone when the group names pytest itself), then the packager's (*given*)."""
    group = meta.test_requires
    for item in given:
        parse_requirement(item, origin="--test-requires")
    names = {canonicalize_name(parse_requirement(item).name) for item in [*group, *given]}
    lines = ([] if "pytest" in names else ["pytest"]) + group
    parts = [spectext.expand_lines(lines, field=_test_group_field(meta))] if lines else []
    if given:
        parts.append(spectext.expand_lines(list(given), field="--test-requires"))
    return spectext.join(parts, "\n")


def _evaluate_now(runtimes: Sequence[Runtime],
                  groups: Sequence[tuple[Sequence[str], str, Sequence[str | None]]]) -> None:
    """Each group's requirements (lines, the field they come from, the extras asked: None
    for none) evaluated for each runtime as the build will (the run-time ones when rpm parses
    the spec, the build and test ones in ``%generate_buildrequires``): a marker that parses
    but cannot be evaluated (``python_version ~= '3'``, named with the runtime) or a
    specifier rpm cannot express is an error of the metadata, not of a later rpm run."""
    for runtime in runtimes:
        for lines, field, wanted in groups:
            for extra in dict.fromkeys(wanted):
                runtime_requires(lines, runtime, extra=extra, origin=field)


def _by_origin(lines: Sequence[str], origins: dict[str, str], default: str
               ) -> dict[str, list[str]]:
    """*lines* grouped by where each was written (*origins*, else *default*), in order: a
    requirement's error names its own table (an extra's), not the field they merge into."""
    groups: dict[str, list[str]] = {}
    for line in lines:
        groups.setdefault(origins.get(line, default), []).append(line)
    return groups


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
    Filled by :func:`spectext.paragraph` (starting with the project's name when the summary
    starts with ``%`` or ``#``)."""
    lines = spectext.paragraph(summary + ".", lead=name + ":", field=field)
    return spectext.define_lines(lines, field=field, value=summary)
