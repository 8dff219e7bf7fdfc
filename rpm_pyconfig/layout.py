"""What a project installs, guessed from its files and its build configuration: the
top-level import names, whether it builds extension modules, and its commands.

Best effort by design: the build backend alone knows for sure, and asking it means running
the project's code.  The spec generator turns a wrong guess into a warning or a review note
(``%check`` imports the names; the packager corrects them), never into silence.
:class:`Found` carries these guesses with the core metadata of the source they came from.
"""

from __future__ import annotations

import configparser
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from rpm_pyconfig.coremetadata import Core
from rpm_pyconfig.errors import MetadataError
from rpm_pyconfig.sources import Tree

__all__ = ["DEFAULT_BUILD_BACKEND", "DEFAULT_BUILD_REQUIRES", "IDENTIFIER", "Found",
           "SourceKind", "egg_info_scripts", "entry_point_scripts", "has_ext_modules",
           "import_names"]

#: PEP 517's fallback for a project without ``[build-system]``: setuptools' legacy backend.
DEFAULT_BUILD_BACKEND = "setuptools.build_meta:__legacy__"
#: What pip installs for that backend.
DEFAULT_BUILD_REQUIRES = ("setuptools>=40.8.0",)

SourceKind = Literal["directory", "sdist", "wheel"]


@dataclass
class Found:
    """A project as one source (directory, sdist, wheel) describes it, not yet validated."""

    core: Core
    #: What was read: ``directory``, ``sdist`` or ``wheel``.
    kind: SourceKind
    #: The path that was read.
    origin: str
    #: File name of the sdist or wheel read, ``""`` for a directory.
    source_file: str
    import_names: list[str]
    has_ext_modules: bool
    scripts: list[str]
    #: The sdist's top-level directory, ``""`` otherwise.
    source_dir: str = ""
    build_requires: list[str] = field(default_factory=lambda: list(DEFAULT_BUILD_REQUIRES))
    build_backend: str = DEFAULT_BUILD_BACKEND
    warnings: list[str] = field(default_factory=list)
    untrusted: list[str] = field(default_factory=list)
    from_backend: list[str] = field(default_factory=list)
    #: Requirements of ``pyproject.toml``'s PEP 735 test group (:func:`pyproject.test_group`).
    test_requires: list[str] = field(default_factory=list)


# -- scripts ----------------------------------------------------------------------------------


def entry_point_scripts(data: bytes, where: str) -> list[str]:
    """The console and GUI script names an ``entry_points.txt`` lists."""
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


def egg_info_scripts(tree: Tree) -> list[str] | None:
    """Scripts listed by a setuptools ``*.egg-info/entry_points.txt`` shipped in an sdist."""
    for name in tree.names():
        parts = name.split("/")
        if len(parts) <= 3 and parts[-1] == "entry_points.txt" and parts[-2].endswith(
            ".egg-info"
        ):
            data = tree.read(name)
            if data is not None:
                return entry_point_scripts(data, tree.where(name))
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
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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
    return sorted({n for n in names if IDENTIFIER.match(n)})


def _flit_module(tree: Tree, project_name: str) -> str | None:
    """flit_core's one module when ``[tool.flit.module]`` names none: the project name with
    ``-`` as ``_``, a package or a ``.py`` file at the top or in ``src/``."""
    module = project_name.replace("-", "_")
    names = set(tree.names())
    for prefix in ("", "src/"):
        if f"{prefix}{module}/__init__.py" in names or f"{prefix}{module}.py" in names:
            return module
    return None


def import_names(
    tree: Tree, tool: dict[str, object], project_name: str, build_backend: str = ""
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
            if IDENTIFIER.match(top) and (src or top not in _NOT_PACKAGES):
                found.add(top)
        elif src and len(parts) == 1 and parts[0].endswith(".py"):
            found.add(parts[0][:-3])
    if not found:
        module = canonicalize_name(project_name).replace("-", "_")
        if f"{module}.py" in names:
            found.add(module)
        elif src:  # namespace packages: src/NAME/**/*.py without __init__.py
            found.update(n.split("/")[0] for n in src if n.endswith(".py") and "/" in n)
    return sorted(n for n in found if IDENTIFIER.match(n))


def has_ext_modules(
    tree: Tree,
    tool: dict[str, object],
    build_requires: Iterable[str],
    build_backend: str,
    import_names: list[str],
) -> bool:
    """Best effort: a compiling backend, a compiler helper in the build requirements,
    ``ext-modules`` in the setuptools configuration, ``ext_modules``/``Extension(`` in
    ``setup.py`` with sources to compile anywhere in the tree, or C/C++/Cython/Rust sources
    in the package tree (``src/`` or the import packages) or a ``Cargo.toml``.

    A ``setup.py`` that only compiles its Python files when a compiler is importable
    (charset-normalizer's ``mypycify``, pydantic 1.10's ``cythonize``) without requiring it
    builds pure Python: an arch-specific package without binaries is wrong, and rpm 4.20
    refuses its empty debuginfo package."""
    if build_backend.startswith(_EXTENSION_BACKENDS):
        return True
    for item in build_requires:
        if canonicalize_name(Requirement(item).name) in _EXTENSION_BUILD_REQUIRES:
            return True
    if "ext-modules" in _table(tool, "setuptools"):
        return True
    names = tree.names()
    setup_py = tree.read("setup.py")
    if setup_py is not None and re.search(
        rb"\bext_modules\b|Extension\s*\(|\bcythonize\s*\(", setup_py
    ) and any(name.endswith(_EXTENSION_SOURCES) for name in names):
        return True
    if "Cargo.toml" in names:
        return True
    roots = ("src/", *(f"{name}/" for name in import_names))
    return any(n.startswith(roots) and n.endswith(_EXTENSION_SOURCES) for n in names)

