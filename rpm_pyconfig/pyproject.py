"""``pyproject.toml``: its ``[project]`` table (PEP 621) into a
:class:`~rpm_pyconfig.coremetadata.Core`, and its ``[build-system]`` (PEP 517/518).

Types are checked as the TOML is read; every problem found in one table is reported together,
each as ``FILE [project] KEY: what is wrong (the value)``.  Files the table points to (readme,
license file) are read from the project's :class:`~rpm_pyconfig.sources.Tree`.
"""

from __future__ import annotations

import posixpath
import re
import sys

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from rpm_pyconfig import spectext
from rpm_pyconfig.coremetadata import Core
from rpm_pyconfig.dependencies import parse_requirement
from rpm_pyconfig.errors import MetadataError
from rpm_pyconfig.layout import DEFAULT_BUILD_BACKEND, DEFAULT_BUILD_REQUIRES
from rpm_pyconfig.sources import Tree, utf8_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = ["DYNAMIC_FROM_PKG_INFO",
           "TEST_GROUPS", "backend_path", "build_system", "load", "project_core", "test_group",
           "toml_type"]

#: ``[project] dynamic`` entries PKG-INFO can fill in, and the ``Core`` fields they cover.
DYNAMIC_FROM_PKG_INFO: dict[str, tuple[str, ...]] = {
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

_TOML_TYPES = {
    str: "a string",
    list: "an array",
    dict: "a table",
    bool: "a boolean",
    int: "an integer",
    float: "a float",
}


def toml_type(value: object) -> str:
    for kind, name in _TOML_TYPES.items():
        if type(value) is kind:
            return name
    return f"a {type(value).__name__}"


def load(data: bytes, where: str) -> dict[str, object]:
    text = utf8_text(data, where)
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
            self.problem(label, f"expected a string, got {toml_type(value)} ({value!r})")
            return None
        return value

    def strings(self, table: dict[str, object], key: str, label: str) -> list[str]:
        value = table.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(label, f"expected an array of strings, got {toml_type(value)} "
                                f"({value!r})")
            return []
        good = []
        for index, item in enumerate(value):
            if isinstance(item, str):
                good.append(item)
            else:
                self.problem(f"{label}[{index}]",
                             f"expected a string, got {toml_type(item)} ({item!r})")
        return good

    def table(self, table: dict[str, object], key: str, label: str) -> dict[str, object]:
        value = table.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(label, f"expected a table, got {toml_type(value)} ({value!r})")
            return {}
        return value

    def string_table(self, table: dict[str, object], key: str, label: str) -> dict[str, str]:
        good: dict[str, str] = {}
        for name, value in self.table(table, key, label).items():
            if isinstance(value, str):
                good[name] = value
            else:
                self.problem(f"{label}.{name}",
                             f"expected a string, got {toml_type(value)} ({value!r})")
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


def _read_text(tree: Tree, relpath: str, label: str) -> str:
    """A file the metadata refers to (readme, license file), relative to the project."""
    clean = posixpath.normpath(relpath.replace("\\", "/"))
    if clean == ".." or clean.startswith(("../", "/")):
        raise MetadataError(f"{label}: {relpath!r} is outside the project")
    data = tree.read(clean)
    if data is None:
        raise MetadataError(
            f"{label}: {relpath!r} does not exist or is not a file ({tree.where(clean)})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise MetadataError(f"{label}: {tree.where(clean)} is not UTF-8 text") from None


def project_core(
    project: dict[str, object], tree: Tree, where: str
) -> tuple[Core, list[str], dict[str, list[str]]]:
    """``[project]`` into a ``Core``, its ``dynamic`` list and its scripts."""
    check = _Checker(f"{where} [project]")
    core = Core()
    name = project.get("name")
    if name is None:
        check.problem("name", "missing (it is required and cannot be dynamic)")
    elif not isinstance(name, str):
        check.problem("name", f"expected a string, got {toml_type(name)} ({name!r})")
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
        check.problem("readme", f"expected a string or a table, got {toml_type(readme)} "
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
                                 f"{toml_type(license_value)} ({license_value!r})")

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
            line = _with_extra_marker(req, extra)
            core.requires_dist.append(line)
            core.requirement_origins.setdefault(line, f"{where} [project] {label}")

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


def build_system(
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


def backend_path(pyproject: dict[str, object] | None, where: str) -> list[str]:
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


#: PEP 735 group names (normalised) whose requirements %pyconfig_test needs, first found wins.
TEST_GROUPS = ("test", "tests", "testing")


def test_group(toml: dict[str, object] | None, where: str) -> tuple[list[str], str]:
    """The requirements of the first PEP 735 test group of ``[dependency-groups]``, with its
    ``{include-group = NAME}`` entries resolved, and where messages name it (``FILE
    [dependency-groups] NAME``; ``""`` without one); a malformed group is an error naming it."""
    if toml is None or "dependency-groups" not in toml:
        return [], ""
    label = f"{where} [dependency-groups]"
    table = toml["dependency-groups"]
    if not isinstance(table, dict):
        raise MetadataError(f"{label}: expected a table, got {toml_type(table)}")
    groups: dict[str, tuple[str, object]] = {}
    for name, value in table.items():
        key = canonicalize_name(name)
        if key in groups:
            raise MetadataError(f"{label}: groups {groups[key][0]!r} and {name!r} have the "
                                "same normalised name")
        groups[key] = (name, value)
    for wanted in TEST_GROUPS:
        if wanted in groups:
            return (_group_requirements(groups, wanted, label, ()),
                    f"{label} {groups[wanted][0]}")
    return [], ""


def _group_requirements(
    groups: dict[str, tuple[str, object]], key: str, label: str, seen: tuple[str, ...]
) -> list[str]:
    name, value = groups[key]
    if key in seen:
        cycle = " -> ".join([*(groups[k][0] for k in seen), name])
        raise MetadataError(f"{label}: include-group cycle {cycle}")
    if not isinstance(value, list):
        raise MetadataError(f"{label} {name}: expected an array, got {toml_type(value)}")
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
