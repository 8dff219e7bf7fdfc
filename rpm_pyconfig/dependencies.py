"""PEP 508 requirements as RPM (rich) dependencies, per runtime.

Names
    ``{prefix}dist(canonical_name)`` -- ``python3.13dist(foo)``, ``pypy3.10dist(foo)`` -- and
    ``{prefix}dist(canonical_name[extra])`` for a requirement on an extra.  A requirement on
    several extras (``foo[a,b]``) becomes one dependency per extra.  The prefix is the
    runtime's ``versioned_dist_prefix`` (see :func:`requires_prefix`), never the unversioned
    ``python3``: every CPython's packages provide ``python3dist(foo)``, so a dependency on it
    would let dnf pick another CPython's package, of another ABI and site directory.

Specifiers (``N`` is the name; versions as :func:`~rpm_pyconfig.versions.dependency_version`,
i.e. trailing zeros trimmed, like the provides rpm's ``pythondistdeps.py`` writes)::

    ~=2.4.8        (N >= 2.4.8 with N < 2.5)
    ==2.4.*        (N >= 2.4 with N < 2.5)
    !=2.4.*        (N < 2.4 or N >= 2.5)
    ==2.4.8        N = 2.4.8                   ==2.0 -> N = 2
    !=2.4.8        (N < 2.4.8 or N > 2.4.8)
    <2.4.8         N < 2.4.8~~                 the pre-releases of 2.4.8 are excluded
    <2.4.8rc1      N < 2.4.8~rc1               ... unless V itself is a pre-release
    <=2.4.8        N <= 2.4.8                  2.4.8^post1 sorts above 2.4.8: excluded
    >=2.4.8        N >= 2.4.8
    >2.4.8         N > 2.4.8.0                 see below
    >2.4.8.post1   N > 2.4.8^post1             V a post- or dev-release
    ===1.0         N = 1                       see below

Several specifiers are joined into one ``(A with B with ...)``, lower bounds first.

``>V``
    PEP 440 says ``>V`` must not match the post-releases of ``V`` unless ``V`` is one.  In
    RPM, ``2.4.8^post1`` sorts after ``2.4.8`` but before ``2.4.8.0``, and a trimmed provide
    never ends in ``.0``: ``N > 2.4.8.0`` is exactly "greater than 2.4.8, not a post-release
    of it".  (``>1.0`` therefore reads ``N > 1.0``, and means what it says.)

Boundaries of ``~=`` and ``==V.*``
    These follow the project's conversion rules (and Fedora's generator): the upper bound
    ``< 2.5`` admits the pre-releases of ``2.5`` and the lower bound of ``==2.4.*`` rejects
    the pre-releases of ``2.4``, where PEP 440 says the opposite.  Pre-releases are rarely
    packaged; the readable form wins.

``===``
    Arbitrary string equality has no RPM equivalent.  Best effort: a value that is a valid
    PEP 440 version is converted like ``==`` (``===1.0`` -> ``N = 1``); any other value is
    used as it stands when it is a valid RPM version (``===foobar`` -> ``N = foobar``), and
    is an error otherwise.

Local versions
    RPM versions carry no local part, so ``==1.0+abc`` becomes ``N = 1`` and ``!=1.0+abc``
    is dropped (rejecting every ``1.0`` build would be wrong).  Direct references
    (``foo @ https://...``) become a bare ``N``.

Markers are evaluated for each runtime, never for the build host: see
:func:`marker_environment`.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from typing import Union

from packaging.markers import InvalidMarker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from rpm_pyconfig.errors import MetadataError, located
from rpm_pyconfig.runtime import Runtime, marker_values
from rpm_pyconfig.versions import dependency_version, release_string

__all__ = [
    "applicable",
    "dist_name",
    "evaluate_marker",
    "extras_of",
    "marker_environment",
    "parse_requirement",
    "requirement_dependencies",
    "requires_prefix",
    "runtime_requires",
    "specifier_dependency",
]

RequirementLike = Union[str, Requirement]

#: Order of operators at the same version, lower bounds first.
_OPERATOR_RANK = {">=": 0, ">": 1, "~=": 2, "==": 3, "===": 4, "!=": 5, "<=": 6, "<": 7}

#: Characters RPM accepts in a version (``-`` separates the release, so it is not one).
_RPM_VERSION = re.compile(r"^[A-Za-z0-9._+~^]+$")

#: ``extra == "name"`` or ``"name" == extra`` in a serialised marker.
_EXTRA_IN_MARKER = re.compile(r'\bextra\s*==\s*"([^"]*)"|"([^"]*)"\s*==\s*extra\b')


# -- names ----------------------------------------------------------------------------------


def requires_prefix(runtime: Runtime) -> str:
    """The prefix of ``runtime``'s dependencies on distributions: ``python3.13``, ``pypy3.10``.

    Its ``versioned_dist_prefix``, which only packages of the same language version provide.
    A free-threaded build adds ``t`` (``python3.13t``): it loads only extension modules built
    for it, from its own site directories, and its packages provide that name
    (templates/subpackages.j2).  A debug build adds nothing: it loads the normal build's
    extension modules (same ABI since 3.8) from the same site directories, so the normal
    build's packages satisfy it; its own ABI-qualified provides (``python3.13ddist``) are
    never required.  The Lua mirror is ``requires_prefix`` in pyconfig.lua.
    """
    prefix = runtime.versioned_dist_prefix
    if runtime.free_threaded and not prefix.endswith("t"):
        prefix += "t"
    return prefix


def dist_name(
    name: str, runtime: Runtime, *, extra: str | None = None, versioned: bool = True
) -> str:
    """``python3.11dist(foo)``, ``python3.11dist(foo[cli])`` (as :func:`requires_prefix`) or,
    unversioned, ``python3dist(foo)`` (what every CPython's packages provide)."""
    prefix = requires_prefix(runtime) if versioned else runtime.dist_prefix
    inside: str = canonicalize_name(name)
    if extra is not None:
        inside += f"[{canonicalize_name(extra)}]"
    return f"{prefix}dist({inside})"


def marker_environment(
    runtime: Runtime, *, extra: str = "", platform_machine: str | None = None
) -> dict[str, str]:
    """The PEP 508 marker environment of ``runtime`` (not of the interpreter running us).

    ``python_version``/``python_full_version`` come from the runtime's version,
    ``implementation_name`` from its implementation and ``platform_python_implementation``
    is its display name (``CPython``, ``PyPy``).  The OS is Linux (``sys_platform`` linux,
    ``platform_system`` Linux, ``os_name`` posix).  ``platform_machine`` defaults to the build
    host's ``os.uname().machine``: RPMs are built on the architecture they target (noarch
    packages whose requirements depend on the machine are wrong anyway).  The runtime record
    has no implementation version, so ``implementation_version`` is the language version:
    right for CPython, an approximation for PyPy.  ``platform_release`` and
    ``platform_version`` are the build host's.
    """
    uname = os.uname()
    return {
        **marker_values(runtime),
        "os_name": "posix",
        "platform_machine": platform_machine if platform_machine is not None else uname.machine,
        "platform_release": uname.release,
        "platform_system": "Linux",
        "platform_version": uname.version,
        "sys_platform": "linux",
        "extra": canonicalize_name(extra) if extra else "",
    }


#: What packaging raises when a marker cannot be evaluated (UndefinedEnvironmentName is a
#: KeyError since packaging 25, a ValueError before).
#: What ``Marker.evaluate`` raises for a marker a runtime cannot answer.  packaging 25.0
#: raises a bare ``KeyError`` for a variable missing from the environment (``extras``,
#: ``dependency_groups``), later versions ``UndefinedEnvironmentName`` (a ``KeyError`` too).
MARKER_ERRORS = (UndefinedComparison, UndefinedEnvironmentName, InvalidVersion, KeyError)


def marker_error(error: Exception) -> str:
    """Why a marker could not be evaluated, from one of ``MARKER_ERRORS``."""
    if isinstance(error, (UndefinedEnvironmentName, KeyError)):
        # extras and dependency_groups exist only in lock files (PEP 751), not for a runtime
        # args: ('NAME',) since packaging 25, ("'NAME' does not exist ...",) before
        text = str(error.args[0]) if error.args else ""
        name = text.split("'")[1] if text.count("'") >= 2 else text
        return f"{name!r} is not a variable of a runtime's environment"
    return str(error)


def evaluate_marker(requirement: Requirement, environment: dict[str, str], origin: str,
                    runtime: Runtime | None = None) -> bool:
    """Whether the marker of *requirement* (from *origin*) holds in *environment*; one that
    cannot be evaluated raises :class:`MetadataError` naming both, and *runtime* if given
    (the message of every place that evaluates markers)."""
    assert requirement.marker is not None
    try:
        return requirement.marker.evaluate(environment)
    except MARKER_ERRORS as error:
        reason = marker_error(error)
        if runtime is not None:
            reason = (f"{reason.rstrip('.')} (evaluated for runtime {runtime.name}, "
                      f"{runtime.implementation} {runtime.version})")
        raise MetadataError(located(
            origin, f"cannot evaluate the marker of requirement {str(requirement)!r}: {reason}",
        )) from None


# -- requirements ---------------------------------------------------------------------------


def parse_requirement(requirement: RequirementLike, *, origin: str = "") -> Requirement:
    """A :class:`Requirement`; a string that is none raises :class:`MetadataError` naming it."""
    if isinstance(requirement, Requirement):
        return requirement
    if "\x00" in requirement:
        # ast.literal_eval, which packaging runs on marker strings, raises SyntaxError for a
        # NUL on CPython and ValueError on PyPy: refused here, the same on every runtime.
        message = f"invalid requirement {requirement!r}: a NUL character"
        raise MetadataError(located(origin, message))
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    if limit and re.search(rf"\d{{{limit + 1}}}", requirement):
        # packaging parses it, then int() refuses the number where a version is compared
        shown = requirement if len(requirement) <= 100 else requirement[:60] + "..."
        message = f"invalid requirement {shown!r}: a number with more than {limit} digits"
        raise MetadataError(located(origin, message))
    try:
        return Requirement(requirement)
    except (InvalidRequirement, InvalidMarker, InvalidSpecifier, InvalidVersion,
            SyntaxError) as error:
        # packaging 23 (Debian 12) lets ast's SyntaxError out for a newline in a marker string
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        message = f"invalid requirement {requirement!r}: {reason}"
        raise MetadataError(located(origin, message)) from None


def requirement_dependencies(requirement: RequirementLike, runtime: Runtime) -> list[str]:
    """RPM dependencies of one requirement for ``runtime``, ignoring its marker."""
    req = parse_requirement(requirement)
    extras = sorted({canonicalize_name(extra) for extra in req.extras})
    names = (
        [dist_name(req.name, runtime, extra=extra) for extra in extras]
        if extras
        else [dist_name(req.name, runtime)]
    )
    return [specifier_dependency(name, req.specifier) for name in names]


def runtime_requires(
    requirements: Iterable[RequirementLike],
    runtime: Runtime,
    *,
    extra: str | None = None,
    origin: str = "",
    platform_machine: str | None = None,
) -> list[str]:
    """Sorted, de-duplicated RPM dependencies of ``requirements`` for ``runtime``.

    Only requirements whose marker is true for the runtime count.  With ``extra=None``: those
    needed without any extra (marker true with ``extra == ""``).  With ``extra="cli"``: only
    those the extra adds (true with ``extra == "cli"``, false without it), so extras never
    leak into the base package.  ``origin`` names the file and field in error messages.
    """
    wanted = canonicalize_name(extra) if extra is not None else None
    base_env = marker_environment(runtime, platform_machine=platform_machine)
    extra_env = (
        marker_environment(runtime, extra=wanted, platform_machine=platform_machine)
        if wanted is not None
        else base_env
    )
    found: set[str] = set()
    for item in requirements:
        req = parse_requirement(item, origin=origin)
        if req.marker is None:
            selected = wanted is None
        else:
            in_base = evaluate_marker(req, base_env, origin, runtime)
            if wanted is None:
                selected = in_base
            else:
                selected = not in_base and evaluate_marker(req, extra_env, origin, runtime)
        if selected:
            try:
                found.update(requirement_dependencies(req, runtime))
            except MetadataError as error:  # a specifier rpm cannot express: say whose
                raise MetadataError(located(origin, f"requirement {str(req)!r}: {error}")) \
                    from None
    return sorted(found)


def applicable(
    requirements: Iterable[RequirementLike], runtime: Runtime, *, origin: str = "",
) -> list[Requirement]:
    """The requirements ``runtime`` needs without any extra (marker true with ``extra ==
    ""``), parsed, in order: those whose presence can be checked before a build."""
    environment = marker_environment(runtime)
    found = []
    for item in requirements:
        req = parse_requirement(item, origin=origin)
        if req.marker is None or evaluate_marker(req, environment, origin, runtime):
            found.append(req)
    return found


def extras_of(
    requirements: Iterable[RequirementLike],
    provides_extra: Iterable[str] = (),
    *,
    origin: str = "",
) -> list[str]:
    """Sorted, normalised extra names: ``Provides-Extra`` plus those markers test for."""
    names = {canonicalize_name(extra) for extra in provides_extra}
    for item in requirements:
        req = parse_requirement(item, origin=origin)
        if req.marker is None:
            continue
        for match in _EXTRA_IN_MARKER.finditer(str(req.marker)):
            names.add(canonicalize_name(match.group(1) or match.group(2) or ""))
    names.discard("")
    return sorted(names)


# -- specifiers -----------------------------------------------------------------------------


def specifier_dependency(name: str, specifier: SpecifierSet | str) -> str:
    """One RPM dependency on ``name`` (already an RPM name) satisfying every specifier."""
    specifiers = SpecifierSet(specifier) if isinstance(specifier, str) else specifier
    terms: list[str] = []
    for spec in sorted(specifiers, key=_specifier_key):
        for term in _convert(name, spec):
            if term not in terms:
                terms.append(term)
    if not terms:
        return name
    if len(terms) == 1:
        return terms[0]
    return "(" + " with ".join(terms) + ")"


def _specifier_key(spec: Specifier) -> tuple[int, Version, int]:
    try:
        version = Version(spec.version[:-2] if spec.version.endswith(".*") else spec.version)
    except InvalidVersion:  # an arbitrary === string: last
        return (1, Version("0"), _OPERATOR_RANK[spec.operator])
    return (0, version, _OPERATOR_RANK[spec.operator])


def _evr(epoch: int, release: tuple[int, ...]) -> str:
    text = release_string(release, trim=True)
    return f"{epoch}:{text}" if epoch else text


def _bump(release: tuple[int, ...]) -> tuple[int, ...]:
    return (*release[:-1], release[-1] + 1)


def _convert(name: str, spec: Specifier) -> list[str]:
    """The terms (joined with ``with`` by the caller) of one specifier."""
    operator, text = spec.operator, spec.version
    if operator == "===":
        try:
            return [f"{name} = {dependency_version(Version(text))}"]
        except InvalidVersion:
            if _RPM_VERSION.match(text):
                return [f"{name} = {text}"]
            raise MetadataError(
                f"cannot express {str(spec)!r} as an RPM dependency: {text!r} is not an RPM "
                "version"
            ) from None
    if text.endswith(".*"):
        prefix = Version(text[:-2])
        lower = _evr(prefix.epoch, prefix.release)
        upper = _evr(prefix.epoch, _bump(prefix.release))
        if operator == "==":
            return [f"{name} >= {lower}", f"{name} < {upper}"]
        return [f"({name} < {lower} or {name} >= {upper})"]  # !=
    version = Version(text)
    evr = dependency_version(version)
    if operator == "~=":
        upper = _evr(version.epoch, _bump(version.release[:-1]))
        return [f"{name} >= {evr}", f"{name} < {upper}"]
    if operator == "==":
        return [f"{name} = {evr}"]
    if operator == "!=":
        return [] if version.local is not None else [f"({name} < {evr} or {name} > {evr})"]
    if operator == "<":
        return [f"{name} < {evr}" if version.is_prerelease else f"{name} < {evr}~~"]
    if operator == ">":
        plain = version.post is None and version.dev is None
        return [f"{name} > {evr}.0" if plain else f"{name} > {evr}"]
    return [f"{name} {operator} {evr}"]  # <=, >=
