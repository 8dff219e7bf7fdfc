"""What a project's build backend itself adds to its build requirements, per runtime.

``[build-system] requires`` is not the whole story: a backend may need more to build a
wheel, and only its ``get_requires_for_build_wheel`` hook (PEP 517) says what: setuptools'
``setup_requires``, ``wheel`` for setuptools before 70.1, the tools scikit-build or maturin
add.  ``%pyconfig_generate_buildrequires`` runs :func:`backend_requires` in the build root
(``rpm-pyconfig backend-requires``) for each runtime, on its copy of the sources, the way
Fedora's ``%pyproject_buildrequires`` does: while the ``[build-system]`` requirements are
not all installed for that runtime nothing is asked (the section printed them; rpm
installs them and runs it again); once they are, the backend is asked with that runtime's
interpreter, offline, without build isolation (:class:`~rpm_pyconfig.backend.MetadataBackend`),
and a failure is an error.  A runtime that would wait while rpm's database already provides
what it waits for would wait forever (rpm has nothing new to install and never runs the
section again): that is an error naming both views.  The answer is untrusted: each item
must be a PEP 508 requirement; markers are evaluated for that runtime and names are the
runtime's own (``dependencies.runtime_requires``, as ``buildrequires.j2`` writes the static ones).
"""

from __future__ import annotations

import os
import re
import subprocess

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from . import pyproject, spectext
from .backend import DEFAULT_TIMEOUT, MetadataBackend
from .dependencies import applicable, runtime_requires
from .errors import MetadataError
from .runtime import Runtime

__all__ = ["BackendRequires", "backend_requires"]

#: The largest pyproject.toml read (a project's own file; a bound all the same).
_MAX_PYPROJECT = 16 * 1024 * 1024
#: Seconds one ``rpm -q --whatprovides`` may take.
_RPM_TIMEOUT = 60.0


class BackendRequires:
    """One runtime's answer: the rpm dependencies the backend adds, or what must be
    installed before it can be asked."""

    __slots__ = ("backend", "dependencies", "runtime", "waiting")

    def __init__(self, runtime: str, backend: str, dependencies: list[str],
                 waiting: list[str]) -> None:
        self.runtime = runtime
        #: The build backend (``module:object``).
        self.backend = backend
        #: rpm dependencies (``python3.11dist(wheel)``), sorted, each once.
        self.dependencies = dependencies
        #: ``[build-system]`` requirements not installed for the runtime yet: then the
        #: backend was not asked and ``dependencies`` is empty.
        self.waiting = waiting


def backend_requires(
    runtime: Runtime, project_dir: str, *, paths: tuple[str, ...] = (),
    timeout: float = DEFAULT_TIMEOUT, rpm_dbpath: str | None = None,
) -> BackendRequires:
    """What the build backend of the project in *project_dir* (*runtime*'s copy of the
    sources) adds for *runtime*; *paths* come first on its ``sys.path`` (a chain's tree);
    *rpm_dbpath*: the build's rpm database (rpm's default without it), asked whether it
    already provides what the runtime would wait for."""
    if not os.path.isdir(project_dir):
        raise MetadataError(
            f"runtime {runtime.name}: no copy of the sources in {project_dir}: the build "
            "backend is asked there (%pyconfig_prep in %prep makes it)"
        )
    where = os.path.join(project_dir, "pyproject.toml")
    toml = _read_pyproject(where)
    requires, build_backend = pyproject.build_system(toml, where)
    backend_path = pyproject.backend_path(toml, where)
    needed = applicable(requires, runtime, origin=f"{where} [build-system] requires")
    reason = f"{where} [build-system] for runtime {runtime.name}"
    backend = MetadataBackend(runtime.interpreter, timeout=timeout, paths=paths)
    installed = backend.installed(reason=reason)
    pending = [(req, why) for req in needed
               if (why := _unsatisfied(req, installed)) is not None]
    if pending:
        _check_rpm_agrees(runtime, [req for req, _ in pending], installed, reason, rpm_dbpath)
        return BackendRequires(runtime.name, build_backend, [], [why for _, why in pending])
    answer = backend.requires_for_build_wheel(
        project_dir, build_backend=build_backend, backend_path=backend_path, reason=reason,
    )
    origin = (f"{reason}: get_requires_for_build_wheel of {build_backend!r} "
              f"run by {runtime.interpreter}")
    if not isinstance(answer, list) or not all(isinstance(item, str) for item in answer):
        raise MetadataError(f"{origin}: not a list of requirement strings, got "
                            f"{_shortened(repr(answer))}")
    dependencies = runtime_requires(answer, runtime, origin=origin)
    for dependency in dependencies:
        spectext.generated_dependency(dependency, field=origin)
    return BackendRequires(runtime.name, build_backend, dependencies, [])


def _read_pyproject(where: str) -> dict[str, object] | None:
    """The project's pyproject.toml, or None without one (PEP 517's setuptools default)."""
    try:
        with open(where, "rb") as stream:
            data = stream.read(_MAX_PYPROJECT + 1)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise MetadataError(f"{where}: cannot read it: {error.strerror}") from None
    if len(data) > _MAX_PYPROJECT:
        raise MetadataError(f"{where}: larger than {_MAX_PYPROJECT} bytes")
    return pyproject.load(data, where)


def _unsatisfied(requirement: Requirement, installed: dict[str, str]) -> str | None:
    """None when a distribution *installed* (canonical name -> version) meets *requirement*
    (its extras are rpm's business: their requirements were printed too), else why not: the
    requirement, and the installed distribution when its version is not PEP 440."""
    name = canonicalize_name(requirement.name)
    version = installed.get(name)
    if version is None:
        return str(requirement)
    try:
        parsed = Version(version)
    except InvalidVersion:
        return (f"{requirement} (the installed {name} {version!r} is not a PEP 440 version: "
                "counted as missing)")
    return None if requirement.specifier.contains(parsed, prereleases=True) else str(requirement)


def _check_rpm_agrees(runtime: Runtime, pending: list[Requirement], installed: dict[str, str],
                      reason: str, rpm_dbpath: str | None) -> None:
    """An error when rpm's database already provides one of the *pending* requirements as
    converted for *runtime*: rpm would install nothing new and never rerun the section.
    Only a positive answer of rpm counts: no rpm, no database, a dependency rpm cannot
    query (a rich one) say nothing, so a build root without rpm packages (Debian) waits."""
    for requirement in pending:
        origin = f"{reason}: {requirement}"
        for dependency in runtime_requires([str(requirement)], runtime, origin=origin):
            provider = _rpm_provider(dependency, rpm_dbpath)
            if provider is None:
                continue
            name = canonicalize_name(requirement.name)
            seen = installed.get(name)
            sees = (f"finds {name} {seen!r}, which does not meet it" if seen is not None
                    else f"finds no {name}")
            database = f" ({rpm_dbpath})" if rpm_dbpath else ""
            raise MetadataError(
                f"{reason}: rpm's database{database} has {dependency} (provided by "
                f"{provider}), but {runtime.interpreter}'s importlib.metadata {sees}: "
                f"{requirement} would never be met and the build backend never asked (install "
                "it where that interpreter imports from, or fix the package that provides it)"
            )


#: A dependency rpm's database can be asked about: ``NAME`` or ``NAME OP VERSION``.
_SIMPLE = re.compile(r"(\S+)(?: (<=|>=|<|>|=) (\S+))?")
#: The characters of an rpm [epoch:]version[-release].
_RPM_VERSION = re.compile(r"[A-Za-z0-9._+~^:-]+")
#: Which sign of rpm.vercmp(provided, wanted) meets each operator.
_MEETS = {"<": (-1,), "<=": (-1, 0), "=": (0,), ">=": (0, 1), ">": (1,)}


def _rpm_provider(dependency: str, dbpath: str | None) -> str | None:
    """The packages (NEVRA) in rpm's database that provide *dependency*, or None (none, or
    rpm cannot say).  A version range or an exclusion is a rich dependency of simple ones
    (``(A with B)``: one package meets all; ``(A or B)``: any meets one); anything else is
    not asked."""
    if dependency.startswith("(") and dependency.endswith(")"):
        inner = dependency[1:-1]
        terms_with, terms_or = inner.split(" with "), inner.split(" or ")
        if len(terms_with) > 1 and len(terms_or) == 1:
            sets = [_rpm_providers(term, dbpath) for term in terms_with]
            found = set.intersection(*sets)
        elif len(terms_or) > 1 and len(terms_with) == 1:
            found = set().union(*(_rpm_providers(term, dbpath) for term in terms_or))
        else:
            found = set()
    else:
        found = _rpm_providers(dependency, dbpath)
    return ", ".join(sorted(found)) or None


def _rpm_providers(dependency: str, dbpath: str | None) -> set[str]:
    """The packages in rpm's database that provide the simple *dependency* (``NAME`` or
    ``NAME OP VERSION``).  rpm 4.18's ``--whatprovides`` takes a name only: the version
    a package provides is compared by rpm's own ``rpm.vercmp``."""
    simple = _SIMPLE.fullmatch(dependency)
    if simple is None:
        return set()
    name, operator, wanted = simple.groups()
    where = ["--dbpath", dbpath] if dbpath else []
    found = _rpm([*where, "-q", "--whatprovides", name, "--qf", "[%{=NEVRA} %{PROVIDENEVRS}\\n]"])
    providers = set()
    for line in (found or "").splitlines():
        nevra, _, provide = line.partition(" ")
        provided, _, version = provide.partition(" = ")
        if provided != name:
            continue
        # rpm: an unversioned provide meets any version
        meets = operator is None or not version or _rpm_vercmp(version, wanted) in _MEETS[operator]
        if meets:
            providers.add(nevra)
    return providers


def _rpm_vercmp(left: str, right: str) -> int | None:
    """rpm's comparison of two versions (-1, 0, 1), None if rpm cannot say (or either is
    not made of the characters of an rpm version: nothing else reaches rpm's expansion)."""
    if not (_RPM_VERSION.fullmatch(left) and _RPM_VERSION.fullmatch(right)):
        return None
    said = _rpm(["--eval", f'%{{lua:print(rpm.vercmp("{left}", "{right}"))}}'])
    try:
        return int(said.strip()) if said is not None else None
    except ValueError:
        return None


def _rpm(arguments: list[str]) -> str | None:
    """The output of ``rpm ARGUMENTS``, None when it fails or is missing."""
    try:
        done = subprocess.run(["rpm", *arguments], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=_RPM_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _shortened(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
