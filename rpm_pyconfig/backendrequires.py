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
and a failure is an error.  The answer is untrusted: each item must be a PEP 508
requirement; markers are evaluated for that runtime and names are the runtime's own
(``dependencies.runtime_requires``, as ``buildrequires.j2`` writes the static ones).
"""

from __future__ import annotations

import os

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from . import pyproject, spectext
from .backend import DEFAULT_TIMEOUT, MetadataBackend
from .dependencies import applicable, runtime_requires
from .errors import MetadataError
from .runtime import Runtime

__all__ = ["BackendRequires", "backend_requires"]

#: The largest pyproject.toml read (a project's own file; a bound all the same).
_MAX_PYPROJECT = 16 * 1024 * 1024


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
    timeout: float = DEFAULT_TIMEOUT,
) -> BackendRequires:
    """What the build backend of the project in *project_dir* (*runtime*'s copy of the
    sources) adds for *runtime*; *paths* come first on its ``sys.path`` (a chain's tree)."""
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
    waiting = [str(req) for req in needed if not _satisfied(req, installed)]
    if waiting:
        return BackendRequires(runtime.name, build_backend, [], waiting)
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


def _satisfied(requirement: Requirement, installed: dict[str, str]) -> bool:
    """Whether a distribution *installed* (canonical name -> version) meets *requirement*
    (its extras are rpm's business: their requirements were printed too)."""
    version = installed.get(canonicalize_name(requirement.name))
    if version is None:
        return False
    return requirement.specifier.contains(version, prereleases=True)


def _shortened(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
