"""The spec generator, end to end: golden files, whole-or-nothing errors and real builds.

``tests/data/specgen/`` holds three fixture projects (a pure-Python one with per-runtime markers,
extras and a command; a setuptools C extension; a project with a dynamic version, turned into an
sdist here) and, for each, the spec the generator must write (``expected*.spec``).  Regenerate
those after an intended change of the generator or its templates with::

    RPM_PYCONFIG_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_specgen.py -k golden

The ``rpm`` tests generate specs for the fixtures and for real PyPI sdists (``specs/sources.txt``,
fetched by ``scripts/fetch-sources.sh``), build them with ``rpmbuild -ba`` unchanged for this
machine's three runtimes, install every subpackage into one root and import the project with
every interpreter.  Each project is built once per module, two builds at a time.
"""

from __future__ import annotations

import bz2
import datetime
import io
import lzma
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest
from packaging.requirements import InvalidRequirement, Requirement

from rpm_pyconfig.dependencies import requires_prefix
from rpm_pyconfig.errors import MetadataError, PyConfigError
from rpm_pyconfig.installing import install
from rpm_pyconfig.licenses import LicenseResult
from rpm_pyconfig.metadata import read_metadata
from rpm_pyconfig.registry import load_registry
from rpm_pyconfig.runtime import Runtime
from rpm_pyconfig.specgen import PLACEHOLDER, generate_spec, license_tag, write_spec
from tests.rpmtools import (
    MACROS,
    REPO,
    SOURCES,
    TOOL_BIN,
    debuginfo_packages,
    have_rpm_tools,
    macros_options,
    main_runtime,
    probe_registry,
    repo_pythonpath,
    require,
    rpm_query,
    rpmbuild_options,
    run,
    tool_env,
    trio,
)
from tests.wheelfiles import write_wheel

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.9/3.10 (the PyPy run of the unit tests)
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

DATA = Path(__file__).parent / "data" / "specgen"
#: The runtimes the static golden files are expanded for (this Debian 12 machine's, as probed).
GOLDEN_REGISTRY = DATA / "registry"
UPDATE_GOLDEN = os.environ.get("RPM_PYCONFIG_UPDATE_GOLDEN") == "1"
CHANGELOG_DATE = datetime.date(2026, 1, 1)
#: The same date for the command line (SOURCE_DATE_EPOCH), so built specs match the golden files.
SOURCE_DATE_EPOCH = str(
    int(datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc).timestamp())
)
SITE = "/usr/lib/python3/dist-packages"
PREFIXES = ("python3", "python3-debug", "pypy3")


def runtime_of(prefix: str) -> Runtime:
    """The probed runtime (python3, its debug build, pypy3) whose package prefix is *prefix*."""
    return {rt.package_prefix: rt for rt in trio()}[prefix]


def language(runtime: Runtime) -> tuple[int, int]:
    """(3, 11) for a runtime implementing Python 3.11."""
    return int(runtime.major_version), int(runtime.minor_version)


#: The distribution's Python, which builds the fixture sdists.
SYSTEM_PYTHON = "/usr/bin/python3"

_Test = TypeVar("_Test", bound=Callable[..., None])


def rpm_test(test: _Test) -> _Test:
    """A test that needs rpmbuild & co. (deselected by ``-m "not rpm"``)."""
    skip = pytest.mark.skipif(not have_rpm_tools(), reason="rpmbuild not installed")
    marked: _Test = pytest.mark.rpm(skip(test))
    return marked


# -- fixture projects and their sdists ------------------------------------------------------


def _backend(project: Path) -> str:
    with (project / "pyproject.toml").open("rb") as file:
        backend = tomllib.load(file)["build-system"]["build-backend"]
    assert isinstance(backend, str)
    return backend


def build_sdist(project: Path, destination: Path) -> Path:
    """The sdist of a fixture project, built offline by its own backend on the system Python."""
    work = destination / "work" / project.name
    shutil.copytree(project, work, ignore=shutil.ignore_patterns("expected*.spec", "__pycache__"))
    script = (
        "import importlib, sys\n"
        "backend = importlib.import_module(sys.argv[1])\n"
        "print(backend.build_sdist(sys.argv[2]))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(destination),
           "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    built = subprocess.run(
        [SYSTEM_PYTHON, "-c", script, _backend(project), str(destination)],
        cwd=work, env=env, capture_output=True, text=True, check=False,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    return destination / built.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def fixture_sdists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """fixture name -> its sdist, all in one directory (rpmbuild's _sourcedir)."""
    sources = tmp_path_factory.mktemp("sources")
    return {
        name: build_sdist(DATA / name, sources)
        for name in ("pure-markers-extras", "c-extension", "dynamic-version")
    }


def golden_runtimes() -> tuple[Runtime, ...]:
    return load_registry([str(GOLDEN_REGISTRY)], explicit=True).runtimes


# -- golden files ---------------------------------------------------------------------------

#: golden file -> (fixture, static).  dynamic-version is read from its sdist (the version is there).
GOLDEN = {
    "pure-markers-extras/expected.spec": ("pure-markers-extras", False),
    "pure-markers-extras/expected-static.spec": ("pure-markers-extras", True),
    "c-extension/expected.spec": ("c-extension", False),
    "c-extension/expected-static.spec": ("c-extension", True),
    "dynamic-version/expected.spec": ("dynamic-version", False),
}


@pytest.mark.parametrize("golden", sorted(GOLDEN))
def test_golden_spec(golden: str, request: pytest.FixtureRequest) -> None:
    name, static = GOLDEN[golden]
    source: Path = DATA / name
    if name == "dynamic-version":
        source = request.getfixturevalue("fixture_sdists")[name]
    spec = generate_spec(
        source, static=static, runtimes=golden_runtimes() if static else (),
        changelog_date=CHANGELOG_DATE,
    )
    path = DATA / golden
    if UPDATE_GOLDEN:
        path.write_text(spec.text, encoding="utf-8")
        return
    assert path.is_file(), f"{path} is missing: RPM_PYCONFIG_UPDATE_GOLDEN=1 writes it"
    assert spec.text == path.read_text(encoding="utf-8"), (
        f"{golden} differs; if the change is intended, regenerate with "
        "RPM_PYCONFIG_UPDATE_GOLDEN=1"
    )
    assert spec.filename == f"python-{spec.metadata.canonical_name}.spec"


def test_changelog_date_comes_from_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    text = generate_spec(DATA / "pure-markers-extras").text
    assert "* Thu Jan 01 2026 rpm-pyconfig - 1.2.0~rc1-1\n" in text


# -- what each fixture proves, without rpm ---------------------------------------------------


def test_pure_project_metadata() -> None:
    meta = read_metadata(DATA / "pure-markers-extras")
    assert (meta.name, meta.version, meta.rpm_version.evr) == (
        "pure-markers-extras", "1.2.0rc1", "1.2.0~rc1",
    )
    assert meta.license.expression == "MIT OR Apache-2.0"
    assert meta.extras == ["cli", "toml"]
    assert meta.scripts == ["pure-markers"]
    assert meta.import_names == ["pure_markers_extras"]
    assert not meta.has_ext_modules
    text = generate_spec(DATA / "pure-markers-extras", changelog_date=CHANGELOG_DATE).text
    assert "Version:        1.2.0~rc1\n" in text
    assert "Epoch:" not in text
    assert "BuildArch:      noarch\n" in text


def test_c_extension_metadata_and_tags() -> None:
    spec = generate_spec(DATA / "c-extension", changelog_date=CHANGELOG_DATE)
    assert spec.metadata.has_ext_modules
    assert "Epoch:          1\nVersion:        2.0^post1\n" in spec.text
    assert "BuildArch" not in spec.text
    assert "BuildRequires:  gcc\n" in spec.text
    # The changelog names the whole EVR, epoch included.
    assert "* Thu Jan 01 2026 rpm-pyconfig - 1:2.0^post1-1\n" in spec.text
    # Headers come from the registry's devel_requires; linked C libraries from nowhere.
    assert "%global pyconfig_compiled 1\n" in spec.text
    assert [warning for warning in spec.warnings if "C libraries" in warning] == [
        "extension modules: review BuildRequires; the C libraries they link (libffi for "
        "cffi...) are in no metadata (rpm-pyconfig spec --buildrequires NAME)"
    ]
    assert "# REVIEW: the C libraries the extension modules link" in spec.text
    given = generate_spec(DATA / "c-extension", changelog_date=CHANGELOG_DATE,
                          buildrequires=["libffi-devel", "pkgconfig(libffi) >= 3"])
    assert "BuildRequires:  libffi-devel\nBuildRequires:  pkgconfig(libffi) >= 3\n" in given.text
    assert not [warning for warning in given.warnings if "C libraries" in warning]
    with pytest.raises(MetadataError, match=r"--buildrequires: invalid rpm dependency"):
        generate_spec(DATA / "c-extension", buildrequires=["libffi-devel\n%post"])


def test_build_requires_the_tool_and_generates_the_rest() -> None:
    """Both forms BuildRequire rpm-pyconfig (its macros and command).  A static spec names
    each runtime's build dependencies and headers; a dynamic one has the build machine
    compute them in %generate_buildrequires, so its preamble names no runtime."""
    static = generate_spec(DATA / "c-extension", static=True, runtimes=golden_runtimes(),
                           changelog_date=CHANGELOG_DATE).text
    assert "BuildRequires:  rpm-pyconfig\n" in static
    assert "BuildRequires: python3.11dist(setuptools) >= 61\n" in static
    assert "BuildRequires: pypy3.9dist(setuptools) >= 61\n" in static
    assert "BuildRequires: /usr/include/pypy3.9/Python.h\n" in static
    assert "%generate_buildrequires" not in static
    dynamic = generate_spec(DATA / "c-extension", changelog_date=CHANGELOG_DATE).text
    assert "BuildRequires:  rpm-pyconfig\n" in dynamic
    assert "%generate_buildrequires\n%pyconfig_generate_buildrequires\n" in dynamic
    assert "pyconfig_buildrequires" not in dynamic
    preamble = dynamic.split("%description")[0]
    assert "dist(" not in preamble and "Python.h" not in preamble


def test_test_option_runs_the_tests_per_runtime() -> None:
    dynamic = generate_spec(DATA / "pure-markers-extras", changelog_date=CHANGELOG_DATE,
                            test=True).text
    assert "%global pyconfig_test_requires pytest\n" in dynamic
    assert "%if %{with check}\n%pyconfig_check\n%pyconfig_test\n%endif\n" in dynamic
    static = generate_spec(DATA / "pure-markers-extras", static=True, test=True,
                           runtimes=golden_runtimes(), changelog_date=CHANGELOG_DATE).text
    assert "%if ! %{without check}\n" in static and "BuildRequires: pypy3.9dist(pytest)\n" in static
    assert "echo 'rpm-pyconfig: testing with pypy3 (3/3)' >&2\n" in static


def test_extras_descriptions_fit_rpmlint() -> None:
    """rpmlint rejects description lines over 80 characters; package names can be long."""
    text = generate_spec(DATA / "pure-markers-extras", static=True, runtimes=golden_runtimes(),
                         changelog_date=CHANGELOG_DATE).text
    assert "python3-debug-pure-markers-extras.\nIt ships no files." in text
    description = text.split("%description -n python3-debug-pure-markers-extras+cli\n")[1]
    assert all(len(line) <= 80 for line in description.split("\n\n")[0].splitlines())


def test_dynamic_version_from_the_sdist(fixture_sdists: dict[str, Path]) -> None:
    meta = read_metadata(fixture_sdists["dynamic-version"])
    assert (meta.version, meta.rpm_version.evr, meta.source_kind) == ("0.9.post2", "0.9^post2",
                                                                      "sdist")
    assert meta.license.expression == "BSD-3-Clause"


def test_dynamic_version_without_sdist_is_an_error() -> None:
    project = DATA / "dynamic-version"
    expected = (
        f"{project}/pyproject.toml [project] dynamic: version is computed by the build backend "
        "and no PKG-INFO supplies it: build an sdist with `python -m build --sdist` and pass "
        "it instead"
    )
    with pytest.raises(MetadataError) as raised:
        generate_spec(project)
    assert str(raised.value) == expected


def test_flit_project_imports_only_its_module(tmp_path: Path) -> None:
    """flit_core installs the module named like the project, not the test helpers in src/."""
    (tmp_path / "src").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["flit_core>=3.4"]\nbuild-backend = "flit_core.buildapi"\n'
        '[project]\nname = "typing-ext"\nversion = "1.0"\ndescription = "x"\n',
        encoding="utf-8",
    )
    for module in ("typing_ext", "_helper", "test_typing_ext"):
        (tmp_path / "src" / f"{module}.py").write_text("", encoding="utf-8")
    assert read_metadata(tmp_path).import_names == ["typing_ext"]
    (tmp_path / "src" / "typing_ext.py").unlink()  # no such module: the layout decides
    assert read_metadata(tmp_path).import_names == ["_helper", "test_typing_ext"]


def test_runtime_sharing_every_file_gets_a_valid_file_list(tmp_path: Path) -> None:
    """A pure project's debug-build subpackage ships nothing of its own, and rpm refuses an
    empty ``%files -f`` list: the list holds a line that ships nothing."""
    cpython, cpython_debug = trio()[:2]  # they byte-compile for real
    for runtime in (cpython, cpython_debug):
        write_wheel(tmp_path / "wheels" / runtime.name / "demo-1.0-py3-none-any.whl", {
            "demo.py": "VALUE = 1\n",
            "demo-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n",
            "demo-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
        })
    results = install([cpython, cpython_debug], wheels=str(tmp_path / "wheels"),
                      stage=str(tmp_path / "stage"), buildroot=str(tmp_path / "root"),
                      filelists=str(tmp_path / "files"))
    assert f"{SITE}/demo.py" in results[0].files
    assert results[1].files == []
    assert Path(results[1].filelist).read_text(encoding="utf-8") == "%defattr(-,root,root,-)\n"


# -- errors: the whole spec or nothing -------------------------------------------------------


def _packaging_reason(text: str) -> str:
    """packaging's own words for an invalid requirement (they differ between its versions)."""
    try:
        Requirement(text)
    except InvalidRequirement as error:
        return str(error).splitlines()[0]
    raise AssertionError(f"{text!r} is a valid requirement")


@dataclass(frozen=True)
class Broken:
    pyproject: str
    #: The message after "rpm-pyconfig: "; {path} is the project's pyproject.toml.
    message: Callable[[], str]


BROKEN = {
    "invalid-toml": Broken(
        '[project]\nname = "broken\nversion = "1.0"\n',
        lambda: "{path}:2:15: invalid TOML: Illegal character '\\n'",
    ),
    "wrong-type": Broken(
        '[project]\nname = "typed"\nversion = 1.0\n',
        lambda: "{path} [project] version: expected a string, got a float (1.0)",
    ),
    "invalid-version": Broken(
        '[project]\nname = "ver"\nversion = "1.0-banana"\n',
        lambda: "{path} [project] version: invalid version '1.0-banana': not a PEP 440 version",
    ),
    "invalid-dependency": Broken(
        '[project]\nname = "req"\nversion = "1.0"\ndependencies = ["requests >>= 2.0"]\n',
        lambda: "{path} [project] dependencies: invalid requirement 'requests >>= 2.0': "
        + _packaging_reason("requests >>= 2.0"),
    ),
    "invalid-extra-requirement": Broken(
        '[project]\nname = "opt"\nversion = "1.0"\n'
        '[project.optional-dependencies]\ncli = ["click[", "rich"]\n',
        lambda: "{path} [project] optional-dependencies.cli: invalid requirement 'click[': "
        + _packaging_reason("click["),
    ),
    "invalid-build-requirement": Broken(
        '[build-system]\nrequires = ["setuptools>=61", "wheel >="]\n'
        'build-backend = "setuptools.build_meta"\n[project]\nname = "b"\nversion = "1.0"\n',
        lambda: "{path} [build-system] requires: invalid requirement 'wheel >=': "
        + _packaging_reason("wheel >="),
    ),
}


def _spec_command(
    *arguments: str, cwd: Path, registry: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``rpm-pyconfig spec ...`` run by the interpreter running the tests (*registry*: its
    ``RPM_PYCONFIG_PATH``, which names the runtime that would run a build backend)."""
    env = dict(os.environ, PYTHONPATH=repo_pythonpath(), SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH)
    if registry is not None:
        env["RPM_PYCONFIG_PATH"] = str(registry)
    return subprocess.run([sys.executable, "-m", "rpm_pyconfig", "spec", *arguments], cwd=cwd,
                          env=env, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_an_error_writes_no_spec(case: str, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(BROKEN[case].pyproject, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    failed = _spec_command(str(project), "-o", str(out / "out.spec"), cwd=tmp_path)
    message = BROKEN[case].message().format(path=project / "pyproject.toml")
    assert (failed.returncode, failed.stdout) == (1, "")
    assert failed.stderr == f"rpm-pyconfig: {message}\n"
    assert list(out.iterdir()) == []  # no spec, no temporary file

    # An existing spec is left exactly as it was, even with --force.
    (out / "out.spec").write_text("previous\n", encoding="utf-8")
    failed = _spec_command(str(project), "-o", str(out / "out.spec"), "--force", cwd=tmp_path)
    assert failed.returncode == 1
    assert [p.name for p in out.iterdir()] == ["out.spec"]
    assert (out / "out.spec").read_text(encoding="utf-8") == "previous\n"


#: Requirements that parse but that no runtime can evaluate (``~=`` needs two version parts),
#: in each field a spec's parse evaluates: the pyproject.toml lines, and the field and the
#: requirement as the message names them ({pyproject}: the file, {project}: its directory;
#: an extra's requirements are the project's with an ``extra ==`` marker).
UNEVALUABLE = {
    "dependency": ('dependencies = ["bar>=1", "foo; python_version ~= \'3\'"]\n',
                   "{pyproject} [project] dependencies", 'foo; python_version ~= "3"'),
    "extra": ('[project.optional-dependencies]\ncli = ["foo; python_version ~= \'3\'"]\n',
              "{pyproject} [project] optional-dependencies.cli",
              'foo; python_version ~= "3" and extra == "cli"'),
    "build-system": ("", "{pyproject} [build-system] requires", 'foo; python_version ~= "3"'),
}


def _unevaluable_project(directory: Path, case: str) -> Path:
    build = '"hatchling", "foo; python_version ~= \'3\'"' if case == "build-system" \
        else '"hatchling"'
    directory.mkdir()
    (directory / "pyproject.toml").write_text(
        f'[build-system]\nrequires = [{build}]\nbuild-backend = "hatchling.build"\n'
        '[project]\nname = "unevaluable"\nversion = "1.0"\ndescription = "x"\n'
        'license = "MIT"\n' + UNEVALUABLE[case][0], encoding="utf-8")
    return directory / "pyproject.toml"


def _unevaluable_message(pyproject: Path, case: str, runtime: Runtime) -> str:
    """What the spec command says, but packaging's own words for the comparison (its
    versions differ), which ``...`` stands for."""
    _, field, requirement = UNEVALUABLE[case]
    return (f"{field.format(pyproject=pyproject)}: cannot evaluate "
            f"the marker of requirement {requirement!r}: ... (evaluated for runtime "
            f"{runtime.name}, {runtime.implementation} {runtime.version})")


def _without_packaging_words(message: str) -> str:
    return re.sub(r"(requirement '[^']*'): .*( \(evaluated for)", r"\1: ...\2", message)


@pytest.mark.parametrize("case", sorted(UNEVALUABLE))
def test_a_requirement_no_runtime_can_evaluate_stops_the_generator(
    case: str, tmp_path: Path
) -> None:
    """A marker that parses but cannot be evaluated is found when the spec is written, for
    the runtimes the tool knows, and named with its file and field: not only when rpm
    parses the spec on the build machine."""
    pyproject = _unevaluable_project(tmp_path / "project", case)
    runtime = main_runtime()
    with pytest.raises(MetadataError) as raised:
        generate_spec(pyproject.parent, known_runtimes=[runtime],
                      changelog_date=CHANGELOG_DATE)
    assert _without_packaging_words(str(raised.value)) == \
        _unevaluable_message(pyproject, case, runtime)
    assert "Undefined" in str(raised.value)  # packaging's words are there
    # No runtime known (a machine without drop-ins): the spec is written, the parse judges.
    spec = generate_spec(pyproject.parent, changelog_date=CHANGELOG_DATE)
    assert re.search(r"^foo; \(?python_version ~= ['\"]3['\"]", spec.text, re.M)


@pytest.mark.parametrize("dynamic", [False, True])
def test_an_extras_requirement_is_named_by_the_table_that_holds_it(
    dynamic: bool, tmp_path: Path
) -> None:
    """In an sdist, an extra's requirement is named by ``[project]
    optional-dependencies.NAME`` when pyproject.toml holds it; when pyproject.toml says it is
    dynamic, PKG-INFO's Requires-Dist (which the spec then takes) is named instead."""
    line = 'foo; python_version ~= "3" and extra == "cli"'
    project = ('[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
               '[project]\nname = "unevaluable"\nversion = "1.0"\ndescription = "x"\n'
               'license = "MIT"\n')
    project += ('dynamic = ["optional-dependencies"]\n' if dynamic else
                '[project.optional-dependencies]\ncli = ["foo; python_version ~= \'3\'"]\n')
    pkg_info = ("Metadata-Version: 2.2\nName: unevaluable\nVersion: 1.0\nSummary: x\n"
                f"License-Expression: MIT\nProvides-Extra: cli\nRequires-Dist: {line}\n")
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for name, text in (("pyproject.toml", project), ("PKG-INFO", pkg_info)):
            data = text.encode()
            info = tarfile.TarInfo(f"unevaluable-1.0/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    sdist = tmp_path / "unevaluable-1.0.tar.gz"
    sdist.write_bytes(raw.getvalue())
    runtime = main_runtime()
    with pytest.raises(MetadataError) as raised:
        generate_spec(sdist, known_runtimes=[runtime], changelog_date=CHANGELOG_DATE)
    field = ("unevaluable-1.0/PKG-INFO Requires-Dist" if dynamic
             else "unevaluable-1.0/pyproject.toml [project] optional-dependencies.cli")
    assert _without_packaging_words(str(raised.value)) == (
        f"{sdist}/{field}: cannot evaluate the marker of requirement {line!r}: ... "
        f"(evaluated for runtime {runtime.name}, {runtime.implementation} {runtime.version})")


def test_the_tests_requirements_are_evaluated_too(tmp_path: Path) -> None:
    """--test-requires and the test group: evaluated as %generate_buildrequires will, and
    only with --test; a requirement that does not parse is named without a runtime (it
    fails for every one, and with none known)."""
    pyproject = _unevaluable_project(tmp_path / "project", "dependency")
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace(
        'dependencies = ["bar>=1", "foo; python_version ~= \'3\'"]', 'dependencies = []'),
        encoding="utf-8")
    runtime = main_runtime()
    with pytest.raises(MetadataError) as raised:
        generate_spec(pyproject.parent, known_runtimes=[runtime], changelog_date=CHANGELOG_DATE,
                      test_requires=["pretend; python_version ~= '3'"])
    assert _without_packaging_words(str(raised.value)) == (
        "--test-requires: cannot evaluate the marker of requirement 'pretend; python_version "
        f"~= \"3\"': ... (evaluated for runtime {runtime.name}, {runtime.implementation} "
        f"{runtime.version})")
    with pytest.raises(MetadataError) as raised:
        generate_spec(pyproject.parent, known_runtimes=[runtime], changelog_date=CHANGELOG_DATE,
                      test_requires=["pretend >>=1"])
    assert str(raised.value) == ("--test-requires: invalid requirement 'pretend >>=1': "
                                 + _packaging_reason("pretend >>=1"))
    # the test group: the spec's requirements only with --test
    with pyproject.open("a", encoding="utf-8") as stream:
        stream.write("[dependency-groups]\ntest = [\"pretend; python_version ~= '3'\"]\n")
    generate_spec(pyproject.parent, known_runtimes=[runtime], changelog_date=CHANGELOG_DATE)
    with pytest.raises(MetadataError) as raised:
        generate_spec(pyproject.parent, known_runtimes=[runtime], changelog_date=CHANGELOG_DATE,
                      test=True)
    assert _without_packaging_words(str(raised.value)) == (
        f"{pyproject} [dependency-groups] test: cannot evaluate the marker "
        f"of requirement 'pretend; python_version ~= \"3\"': ... (evaluated for runtime "
        f"{runtime.name}, {runtime.implementation} {runtime.version})")


def test_the_spec_command_evaluates_requirements_for_this_machines_runtimes(
    tmp_path: Path, registry: Path
) -> None:
    pyproject = _unevaluable_project(tmp_path / "project", "dependency")
    out = tmp_path / "out"
    out.mkdir()
    failed = _spec_command(str(pyproject.parent), "--no-backend", "-o", str(out / "x.spec"),
                           cwd=tmp_path, registry=registry)
    runtimes = load_registry([str(registry)], explicit=True).runtimes
    default = next(rt for rt in runtimes if rt.default)
    assert (failed.returncode, failed.stdout, list(out.iterdir())) == (1, "", [])
    assert _without_packaging_words(failed.stderr) == \
        f"rpm-pyconfig: {_unevaluable_message(pyproject, 'dependency', default)}\n"
    # the selection options choose the runtimes the spec is for: those are the ones asked
    failed = _spec_command(str(pyproject.parent), "--no-backend", "-o", str(out / "x.spec"),
                           "--exclude", default.name, cwd=tmp_path, registry=registry)
    others = [rt for rt in runtimes if rt.name != default.name]
    require("a second runtime besides the default", others)
    assert failed.returncode == 1 and f"(evaluated for runtime {others[0].name}," in \
        failed.stderr
    # a --where that does not parse stops it (before, it went into %global pyconfig_select
    # and stopped the build); one that chooses none of this machine's runtimes leaves the
    # requirements to the build
    failed = _spec_command(str(pyproject.parent), "--no-backend", "-o", str(out / "x.spec"),
                           "--where", "python_version >=", cwd=tmp_path, registry=registry)
    assert (failed.returncode, list(out.iterdir())) == (1, [])
    assert failed.stderr.startswith("rpm-pyconfig: expected a variable or a quoted string")
    written = _spec_command(str(pyproject.parent), "--no-backend", "-o", str(out / "x.spec"),
                            "--only", "no-such-runtime", cwd=tmp_path, registry=registry)
    assert written.returncode == 0, written.stderr
    (out / "x.spec").unlink()
    # a machine without runtimes writes the spec
    empty = tmp_path / "empty"
    empty.mkdir()
    written = _spec_command(str(pyproject.parent), "--no-backend", "-o", str(out / "x.spec"),
                            cwd=tmp_path, registry=empty)
    assert written.returncode == 0, written.stderr
    assert [p.name for p in out.iterdir()] == ["x.spec"]
    assert "not evaluated" not in written.stderr
    # a broken one too, and the warning names what is wrong with it
    (empty / "broken.conf").write_text("[runtime]\nname = broken\n", encoding="utf-8")
    written = _spec_command(str(pyproject.parent), "--no-backend", "-o", str(out / "y.spec"),
                            cwd=tmp_path, registry=empty)
    assert written.returncode == 0, written.stderr
    assert (f"rpm-pyconfig: warning: the requirements were not evaluated for this machine's "
            f"runtimes: {empty / 'broken.conf'}:1: missing required keys in [runtime]: "
            ) in written.stderr


def test_dynamic_version_without_sdist_or_runtime_writes_no_spec(tmp_path: Path) -> None:
    empty = tmp_path / "registry"
    empty.mkdir()
    failed = _spec_command(str(DATA / "dynamic-version"), "-o", "out.spec", cwd=tmp_path,
                           registry=empty)
    assert failed.returncode == 1
    assert failed.stderr == (
        f"rpm-pyconfig: {DATA}/dynamic-version/pyproject.toml [project] dynamic: version is "
        "computed by the build backend and no PKG-INFO supplies it: no runtime to run the "
        f"build backend 'setuptools.build_meta': no Python runtime is defined in {empty}; "
        "hint: run 'rpm-pyconfig probe --all --write /etc/rpm-pyconfig.d'\n"
    )
    assert list(tmp_path.iterdir()) == [empty]


def test_an_existing_spec_is_kept_without_force(tmp_path: Path) -> None:
    (tmp_path / "python-fastsum.spec").write_text("mine\n", encoding="utf-8")
    failed = _spec_command(str(DATA / "c-extension"), cwd=tmp_path)
    assert (failed.returncode, failed.stderr.splitlines()[-1]) == (
        1, "rpm-pyconfig: python-fastsum.spec: already exists (use --force to replace it)",
    )
    assert (tmp_path / "python-fastsum.spec").read_text(encoding="utf-8") == "mine\n"
    replaced = _spec_command(str(DATA / "c-extension"), "--force", cwd=tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    golden = (DATA / "c-extension" / "expected.spec").read_text(encoding="utf-8")
    assert (tmp_path / "python-fastsum.spec").read_text(encoding="utf-8") == golden
    assert sorted(p.name for p in tmp_path.iterdir()) == ["python-fastsum.spec"]


def test_write_spec_into_a_missing_directory_leaves_nothing(tmp_path: Path) -> None:
    spec = generate_spec(DATA / "pure-markers-extras", changelog_date=CHANGELOG_DATE)
    pattern = r"^/.*/missing: cannot write a file there: No such file or directory$"
    with pytest.raises(PyConfigError, match=pattern):
        write_spec(spec, str(tmp_path / "missing" / "x.spec"))
    assert list(tmp_path.iterdir()) == []


# -- real builds ----------------------------------------------------------------------------


@dataclass
class Build:
    """One generated spec, built by rpmbuild -ba and installed into a root of its own."""

    name: str
    topdir: Path
    root: Path
    spec: Path | None = None
    problem: str = ""
    log: list[str] = field(default_factory=list)

    @property
    def rpms(self) -> list[Path]:
        return sorted((self.topdir / "RPMS").glob("*/*.rpm"))

    @property
    def srpm(self) -> Path:
        (found,) = (self.topdir / "SRPMS").glob("*.src.rpm")
        return found

    @property
    def packages(self) -> dict[str, Path]:
        """package name -> its rpm (names never hold the version's "-")."""
        return {path.name.rsplit("-", 2)[0]: path for path in self.rpms}

    def check(self) -> None:
        """Fail the calling test with the build's own words if it went wrong."""
        if self.problem:
            pytest.fail(f"{self.name}: {self.problem}\n" + "\n".join(self.log)[-4000:])


def _build(name: str, source: Path, topdir: Path, registry: Path, sourcedir: Path,
           *options: str) -> Build:
    """``rpm-pyconfig spec SOURCE [OPTIONS]`` then ``rpmbuild -ba`` then ``rpm -i --root``."""
    build = Build(name, topdir, topdir / "root")
    topdir.mkdir(parents=True)
    env = tool_env(registry)
    env["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    made = run([str(TOOL_BIN / "rpm-pyconfig"), "spec", str(source), *options], env, cwd=topdir)
    build.log.append(made.stderr)
    specs = list(topdir.glob("python-*.spec"))
    if made.returncode != 0 or len(specs) != 1:
        build.problem = f"rpm-pyconfig spec failed ({made.returncode})"
        return build
    build.spec = specs[0]
    built = run(["rpmbuild", *macros_options(), "-ba", "--nodeps",
                 "--define", f"_topdir {topdir}", "--define", f"_sourcedir {sourcedir}",
                 str(build.spec)], env)
    build.log += [built.stdout, built.stderr]
    if built.returncode != 0:
        build.problem = f"rpmbuild -ba failed ({built.returncode})"
        return build
    installed = run(["rpm", "-i", "--root", str(build.root), "--dbpath", "/var/lib/rpm",
                     "--nodeps", *map(str, build.rpms)], env)
    build.log.append(installed.stderr)
    if installed.returncode != 0 or "conflicts" in installed.stderr:
        build.problem = "rpm -i --root failed"
    return build


def _build_all(jobs: dict[str, Callable[[], Build]]) -> dict[str, Build]:
    """Run the builds two at a time (they mostly wait for interpreters)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return probe_registry(tmp_path_factory.mktemp("registry"))


@pytest.fixture(scope="module")
def fixture_builds(
    registry: Path, fixture_sdists: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Build]:
    """Dynamic specs of the three fixtures (two from their directory, one from its sdist) and
    a static spec of the C extension."""
    top = tmp_path_factory.mktemp("fixture-builds")
    sourcedir = fixture_sdists["pure-markers-extras"].parent
    sources = {
        "pure-markers-extras": (DATA / "pure-markers-extras", ()),
        "c-extension": (DATA / "c-extension", ()),
        "dynamic-version": (fixture_sdists["dynamic-version"], ()),
        "c-extension-static": (DATA / "c-extension", ("--static",)),
    }

    def job(name: str) -> Callable[[], Build]:
        source, options = sources[name]
        return lambda: _build(name, source, top / name, registry, sourcedir, *options)

    return _build_all({name: job(name) for name in sources})


def _python(
    root: Path, prefix: str, code: str, *, command: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run *code* (or *command*) with a runtime's interpreter, seeing only *root*'s packages
    before the system's."""
    interpreter = runtime_of(prefix).interpreter
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{root}{SITE}", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(command or [interpreter, "-c", code], env=env, capture_output=True,
                          text=True, check=False)


def _imports_from_root(build: Build, module: str, distribution: str, version: str) -> None:
    """Every runtime imports *module* from the root, and its metadata names *version*."""
    code = (
        "import importlib.metadata, sys\n"
        f"import {module} as m\n"
        f"print(m.__file__)\n"
        f"print(importlib.metadata.version({distribution!r}))\n"
    )
    for prefix in PREFIXES:
        ran = _python(build.root, prefix, code)
        assert ran.returncode == 0, (build.name, prefix, ran.stderr)
        where, found_version = ran.stdout.split()
        assert where.startswith(f"{build.root}{SITE}/"), (build.name, prefix, where)
        assert found_version == version, (build.name, prefix)


FIXTURE_PACKAGES = {
    "pure-markers-extras": sorted(
        f"{prefix}-pure-markers-extras{extra}" for prefix in PREFIXES
        for extra in ("", "+cli", "+toml")
    ),
    "c-extension": sorted(f"{prefix}-fastsum" for prefix in PREFIXES),
    "c-extension-static": sorted(f"{prefix}-fastsum" for prefix in PREFIXES),
    "dynamic-version": sorted(f"{prefix}-dynver" for prefix in PREFIXES),
}
#: build -> (module, distribution, version, Epoch:Version tags, License, arch)
FIXTURE_FACTS = {
    "pure-markers-extras": ("pure_markers_extras", "pure-markers-extras", "1.2.0rc1",
                            "(none):1.2.0~rc1", "MIT OR Apache-2.0", "noarch"),
    "c-extension": ("fastsum", "fastsum", "1!2.0.post1", "1:2.0^post1", "MIT", "x86_64"),
    "c-extension-static": ("fastsum", "fastsum", "1!2.0.post1", "1:2.0^post1", "MIT", "x86_64"),
    "dynamic-version": ("dynver", "dynver", "0.9.post2", "(none):0.9^post2", "BSD-3-Clause",
                        "noarch"),
}


@rpm_test
@pytest.mark.parametrize("name", sorted(FIXTURE_PACKAGES))
def test_fixture_builds_installs_and_imports(
    name: str, fixture_builds: dict[str, Build]
) -> None:
    build = fixture_builds[name]
    build.check()
    module, distribution, version, evr, license_tag, arch = FIXTURE_FACTS[name]
    expected = FIXTURE_PACKAGES[name]
    if arch != "noarch":  # rpm >= 4.20 adds -debuginfo packages to arch builds
        expected = sorted(expected + debuginfo_packages(f"python-{module}", expected))
    assert sorted(build.packages) == expected
    for package, path in build.packages.items():
        tags = rpm_query(path, "--qf", "%{epoch}:%{version}|%{license}|%{arch}")
        expected_arch = "noarch" if "+" in package else arch  # extras are metapackages
        assert tags == [f"{evr}|{license_tag}|{expected_arch}"], package
    _imports_from_root(build, module, distribution, version)


@rpm_test
@pytest.mark.parametrize("golden", ["pure-markers-extras", "c-extension", "dynamic-version"])
def test_built_dynamic_specs_are_the_golden_files(
    golden: str, fixture_builds: dict[str, Build]
) -> None:
    build = fixture_builds[golden]
    build.check()
    assert build.spec is not None
    expected = (DATA / golden / "expected.spec").read_text(encoding="utf-8")
    assert build.spec.read_text(encoding="utf-8") == expected


@rpm_test
def test_requires_follow_markers_per_runtime(
    fixture_builds: dict[str, Build]
) -> None:
    build = fixture_builds["pure-markers-extras"]
    build.check()
    requires = {
        package: set(rpm_query(path, "--requires")) for package, path in build.packages.items()
    }
    packaging = "({0}(packaging) >= 21 with ({0}(packaging) < 22 or {0}(packaging) > 22))"
    python3 = requires["python3-pure-markers-extras"]
    debug = requires["python3-debug-pure-markers-extras"]
    pypy3 = requires["pypy3-pure-markers-extras"]
    cpython = f"{requires_prefix(runtime_of('python3'))}dist"  # python3.11dist
    # the debug build requires what the normal build provides (it loads its modules)
    assert requires_prefix(runtime_of("python3-debug")) == requires_prefix(runtime_of("python3"))
    # implementation_name == 'cpython': both CPython builds, never PyPy.
    assert f"{cpython}(ujson) >= 5.1" in python3 & debug
    assert not any("ujson" in item for item in pypy3)
    # python_version < '3.10': only runtimes older than 3.10 (PyPy 3.9 on Debian 12).
    for package, runtime in ((python3, runtime_of("python3")), (debug, runtime_of("python3-debug")),
                             (pypy3, runtime_of("pypy3"))):
        wanted = f"{requires_prefix(runtime)}dist(importlib-metadata) >= 4.6"
        assert (wanted in package) == (language(runtime) < (3, 10)), runtime.name
    assert packaging.format(cpython) in python3 & debug
    assert packaging.format(f"{requires_prefix(runtime_of('pypy3'))}dist") in pypy3
    assert not [item for item in python3 | debug | pypy3 if item.startswith(("python3dist(",
                                                                            "pypy3dist("))]
    # The debug build provides its own ABI's names, never the normal build's.
    provides = rpm_query(build.packages["python3-debug-pure-markers-extras"], "--provides")
    assert sorted(item for item in provides if "dist(" in item) == sorted([
        "python3ddist(pure-markers-extras) = 1.2~rc1",
        f"python{runtime_of('python3-debug').short_version}ddist(pure-markers-extras) = 1.2~rc1",
    ])
    assert f"python(abi) = {runtime_of('python3').short_version}" in python3
    assert "python3-pure-markers-extras = 1.2.0~rc1-1" in debug & pypy3  # the shared files


@rpm_test
def test_extras_are_packages_of_their_own(
    fixture_builds: dict[str, Build]
) -> None:
    build = fixture_builds["pure-markers-extras"]
    build.check()
    for prefix, provided in (("python3", "python3dist"), ("python3-debug", "python3dist"),
                             ("pypy3", "pypy3dist")):
        dist = f"{requires_prefix(runtime_of(prefix))}dist"  # what it requires: python3.11dist
        base = set(rpm_query(build.packages[f"{prefix}-pure-markers-extras"], "--requires"))
        assert not any(name in item for item in base for name in ("click", "tomli", "colorama"))
        cli = set(rpm_query(build.packages[f"{prefix}-pure-markers-extras+cli"], "--requires"))
        assert f"({dist}(click) >= 8.1 with {dist}(click) < 9)" in cli
        assert f"{prefix}-pure-markers-extras = 1.2.0~rc1-1" in cli
        assert not any("colorama" in item for item in cli)  # platform_system == 'Windows'
        toml = set(rpm_query(build.packages[f"{prefix}-pure-markers-extras+toml"], "--requires"))
        assert f"{dist}(tomli-w) >= 1" in toml
        # python_version < '3.11': only older runtimes' toml extra needs tomli (PyPy 3.9).
        older = language(runtime_of(prefix)) < (3, 11)
        assert (f"{dist}(tomli) >= 1.1" in toml) == older, prefix
        provides = rpm_query(build.packages[f"{prefix}-pure-markers-extras+cli"], "--provides")
        own = "python3ddist" if prefix == "python3-debug" else provided  # never python3dist()
        assert sorted(provides) == sorted([
            f"{own}(pure-markers-extras[cli]) = 1.2~rc1",
            f"{own.replace('3', f'3.{runtime_of(prefix).minor_version}', 1)}"
            "(pure-markers-extras[cli]) = 1.2~rc1",
            f"{prefix}-pure-markers-extras+cli = 1.2.0~rc1-1",
        ])
        assert rpm_query(build.packages[f"{prefix}-pure-markers-extras+cli"], "-l") == [
            "(contains no files)"
        ]


@rpm_test
def test_commands_run_with_their_own_runtime(
    fixture_builds: dict[str, Build]
) -> None:
    """Each runtime's command names its interpreter and the shebang_flags the probe found
    (-sP where -P works): with -P, a module beside the command cannot shadow the package."""
    build = fixture_builds["pure-markers-extras"]
    build.check()
    for prefix, suffix, implementation in (("python3", "", "cpython"),
                                           ("python3-debug", "-python3-debug", "cpython"),
                                           ("pypy3", "-pypy3", "pypy")):
        runtime = runtime_of(prefix)
        command = build.root / "usr" / "bin" / f"pure-markers{suffix}"
        flags = f" {runtime.shebang_flags}" if runtime.shebang_flags else ""
        shebang = f"#!{runtime.interpreter}{flags}\n"
        assert command.read_text(encoding="utf-8").startswith(shebang)
        ran = _python(build.root, prefix, "", command=[str(command)])
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout == f"hello, {implementation} 1.2.0rc1\n"
        # The command's directory on sys.path (no -P) lets a module there shadow the package.
        with tempfile.TemporaryDirectory() as directory:
            beside = Path(directory) / command.name
            shutil.copy2(command, beside)
            shadow = Path(directory) / "pure_markers_extras.py"
            shadow.write_text("raise SystemExit('shadowed')\n")
            ran = _python(build.root, prefix, "", command=[str(beside)])
        if "P" in runtime.shebang_flags:
            assert ran.stdout == f"hello, {implementation} 1.2.0rc1\n", ran.stderr
        else:
            assert ran.stderr == "shadowed\n", prefix


@rpm_test
@pytest.mark.parametrize("name", ["c-extension", "c-extension-static"])
def test_each_runtime_loads_its_own_extension(
    name: str, fixture_builds: dict[str, Build]
) -> None:
    build = fixture_builds[name]
    build.check()
    code = "import fastsum, fastsum._speedups as s\nprint(s.__file__, fastsum.total(range(5)))\n"
    for prefix in PREFIXES:
        ran = _python(build.root, prefix, code)
        assert ran.returncode == 0, (prefix, ran.stderr)
        extension = f"{build.root}{SITE}/fastsum/_speedups{runtime_of(prefix).ext_suffix}"
        assert ran.stdout == f"{extension} 10\n", prefix
        files = rpm_query(build.packages[f"{prefix}-fastsum"], "-l")
        assert extension[len(str(build.root)):] in files


@rpm_test
def test_static_and_dynamic_specs_build_the_same_files(
    fixture_builds: dict[str, Build]
) -> None:
    dynamic, static = fixture_builds["c-extension"], fixture_builds["c-extension-static"]
    dynamic.check()
    static.check()
    for package in dynamic.packages:
        listed = [
            [f for f in rpm_query(build.packages[package], "-l") if "/.build-id" not in f]
            for build in (dynamic, static)
        ]
        assert listed[0] == listed[1], package
    assert static.spec is not None
    assert "%pyconfig" not in static.spec.read_text(encoding="utf-8")


@rpm_test
def test_runtimes_sharing_one_directory_in_any_order_install_side_by_side(
    fixture_sdists: dict[str, Path], tmp_path: Path
) -> None:
    """This machine's python3, its debug build and PyPy in one directory, PyPy first: PyPy's
    package ships the sources, python3-debug's the bytecode of their common cache tag, and
    python3's relies on both; every package installs beside the others and each interpreter
    loads its own extension module."""
    registry = probe_registry(tmp_path / "registry")
    for name, priority in (("pypy3", 5), ("python3-debug", 6), ("python3", 7)):
        conf = registry / f"{name}.conf"
        lines = [line for line in conf.read_text(encoding="utf-8").splitlines()
                 if not line.startswith("priority =")]
        conf.write_text("\n".join([*lines, f"priority = {priority}", ""]), encoding="utf-8")
    build = _build("reordered", DATA / "c-extension", tmp_path / "top", registry,
                   fixture_sdists["c-extension"].parent)
    build.check()
    own = {prefix: f"{prefix}-fastsum" for prefix in ("pypy3", "python3-debug", "python3")}
    relied = {
        package: sorted(item.split(" ")[0] for item in rpm_query(build.packages[package],
                                                                  "--requires")
                        if item.split(" ")[0] in own.values())
        for package in own.values()
    }
    assert relied == {
        "pypy3-fastsum": [],
        "python3-debug-fastsum": ["pypy3-fastsum"],
        "python3-fastsum": ["pypy3-fastsum", "python3-debug-fastsum"],
    }
    files = {package: set(rpm_query(build.packages[package], "-l")) for package in own.values()}
    assert f"{SITE}/fastsum/__init__.py" in files["pypy3-fastsum"]
    tag = runtime_of("python3").cache_tag
    assert f"{SITE}/fastsum/__pycache__/__init__.{tag}.pyc" in files["python3-debug-fastsum"]
    assert not any(path.endswith(".py") for path in files["python3-fastsum"])
    code = "import fastsum, fastsum._speedups as s\nprint(s.__file__, fastsum.total(range(5)))\n"
    for prefix in own:
        ran = _python(build.root, prefix, code)
        assert ran.returncode == 0, (prefix, ran.stderr)
        suffix = runtime_of(prefix).ext_suffix
        assert ran.stdout == f"{build.root}{SITE}/fastsum/_speedups{suffix} 10\n", prefix


def _rpmlint(
    build: Build, registry: Path, home: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    """rpmlint with the repository's filters; rpm parses dynamic specs with our macros loaded
    (as from macros.d on a build host), the tool on PATH and the probed registry."""
    home.mkdir(exist_ok=True)
    # rpm's per-user macro file: ~/.rpmmacros before rpm 4.19, ~/.config/rpm/macros since.
    shutil.copyfile(MACROS, home / ".rpmmacros")
    (home / ".config" / "rpm").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(MACROS, home / ".config" / "rpm" / "macros")
    env = tool_env(registry)
    env["HOME"] = str(home)
    assert build.spec is not None
    return run(["rpmlint", "-c", str(REPO / "specs" / "rpmlint.toml"), *options,
                str(build.spec), str(build.srpm), *map(str, build.rpms)], env)


#: build -> extra rpmlint options (static specs name Debian's /usr/lib/python3: see the file)
RPMLINT: dict[str, tuple[str, ...]] = {
    "pure-markers-extras": (),
    "c-extension-static": ("-r", str(DATA / "static.rpmlintrc")),
}


@rpm_test
@pytest.mark.parametrize("name", sorted(RPMLINT))
def test_rpmlint_reports_no_errors(
    name: str, fixture_builds: dict[str, Build], registry: Path, tmp_path: Path
) -> None:
    if shutil.which("rpmlint") is None:
        pytest.skip("rpmlint not installed")
    build = fixture_builds[name]
    build.check()
    linted = _rpmlint(build, registry, tmp_path / "home", *RPMLINT[name])
    assert " 0 errors" in linted.stdout, linted.stdout
    assert linted.returncode == 0, linted.stdout


# -- real PyPI projects ---------------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    sdist: str
    backend: str
    module: str
    noarch: bool = True


#: Real sdists (specs/sources.txt), one per build backend Debian 12 provides.
PYPI = {
    "six": Project("six-1.17.0.tar.gz", "setuptools.build_meta:__legacy__", "six"),
    "markupsafe": Project("MarkupSafe-2.1.5.tar.gz", "setuptools.build_meta:__legacy__",
                          "markupsafe", noarch=False),
    "tomli": Project("tomli-2.2.1.tar.gz", "flit_core.buildapi", "tomli"),
    "typing-extensions": Project("typing_extensions-4.12.2.tar.gz", "flit_core.buildapi",
                                 "typing_extensions"),
    "urllib3": Project("urllib3-2.2.2.tar.gz", "hatchling.build", "urllib3"),
    "iniconfig": Project("iniconfig-2.0.0.tar.gz", "hatchling.build", "iniconfig"),
    "tomlkit": Project("tomlkit-0.13.2.tar.gz", "poetry.core.masonry.api", "tomlkit"),
    "pluggy": Project("pluggy-1.5.0.tar.gz", "setuptools.build_meta", "pluggy"),
}


@pytest.fixture(scope="module")
def pypi_builds(registry: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Build]:
    missing = [p.sdist for p in PYPI.values() if not (SOURCES / p.sdist).exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing from {SOURCES}: run scripts/fetch-sources.sh "
                    "(setup does)")
    top = tmp_path_factory.mktemp("pypi-builds")

    def job(name: str) -> Callable[[], Build]:
        return lambda: _build(name, SOURCES / PYPI[name].sdist, top / name, registry, SOURCES)

    return _build_all({name: job(name) for name in PYPI})


@pytest.mark.parametrize("name", sorted(PYPI))
def test_pypi_sdist_metadata(name: str) -> None:
    project = PYPI[name]
    path = SOURCES / project.sdist
    if not path.exists():
        pytest.skip(f"{path} not fetched (scripts/fetch-sources.sh)")
    meta = read_metadata(path)
    assert meta.build_backend == project.backend
    assert meta.import_names == [project.module]
    assert meta.has_ext_modules is not project.noarch
    with tarfile.open(path) as tar:  # the spec's %autosetup -n is the sdist's top directory
        assert {m.name.split("/")[0] for m in tar.getmembers()} == {
            project.sdist[: -len(".tar.gz")]
        }


@rpm_test
@pytest.mark.parametrize("name", sorted(PYPI))
def test_pypi_project_builds_installs_and_imports(
    name: str, pypi_builds: dict[str, Build]
) -> None:
    build = pypi_builds[name]
    build.check()
    project = PYPI[name]
    distribution, version = project.sdist[: -len(".tar.gz")].rsplit("-", 1)
    base = {f"{prefix}-{name}" for prefix in PREFIXES}
    assert base <= set(build.packages)
    if not project.noarch:  # rpm >= 4.20 adds -debuginfo packages to arch builds
        base |= set(debuginfo_packages(f"python-{name}", sorted(base)))
    assert all(package.partition("+")[0] in base for package in build.packages)
    arches = {path.parent.name for path in build.rpms}
    assert arches == ({"noarch"} if project.noarch else {"x86_64"})
    _imports_from_root(build, project.module, distribution, version)


@rpm_test
def test_urllib3_brotli_extra_differs_on_pypy(
    pypi_builds: dict[str, Build]
) -> None:
    build = pypi_builds["urllib3"]
    build.check()
    assert {"python3-urllib3+brotli", "pypy3-urllib3+socks"} <= set(build.packages)
    python3 = rpm_query(build.packages["python3-urllib3+brotli"], "--requires")
    pypy3 = rpm_query(build.packages["pypy3-urllib3+brotli"], "--requires")
    assert f"{requires_prefix(runtime_of('python3'))}dist(brotli) >= 1.0.9" in python3
    assert not any("brotlicffi" in item for item in python3)
    assert f"{requires_prefix(runtime_of('pypy3'))}dist(brotlicffi) >= 0.8" in pypy3
    assert not any("(brotli)" in item for item in pypy3)
    base = rpm_query(build.packages["python3-urllib3"], "--requires")
    assert not any("brotli" in item or "socks" in item for item in base)


@rpm_test
def test_markupsafe_speedups_for_cpython_only(
    pypi_builds: dict[str, Build]
) -> None:
    """MarkupSafe's setup.py compiles its C speedups for CPython and skips them on PyPy."""
    build = pypi_builds["markupsafe"]
    build.check()
    code = "import markupsafe._speedups as s\nprint(s.__file__)\n"
    for prefix in ("python3", "python3-debug"):
        ran = _python(build.root, prefix, code)
        suffix = runtime_of(prefix).ext_suffix
        assert ran.stdout == f"{build.root}{SITE}/markupsafe/_speedups{suffix}\n"
    assert not any(f.endswith(".so") for f in rpm_query(build.packages["pypy3-markupsafe"], "-l"))
    ran = _python(build.root, "pypy3", "import markupsafe\nprint(markupsafe.escape('<'))\n")
    assert ran.stdout == "&lt;\n", ran.stderr


@pytest.mark.parametrize(
    ("file_name", "top", "source0", "autosetup"),
    [
        # The file name says nothing reliable: %autosetup -n is the directory inside the sdist.
        (
            "Foo_Bar-1.0.tar", "foo_bar-1.0",
            "Foo_Bar-%{pypi_version}.tar", "foo_bar-%{pypi_version}",
        ),
        ("foo-1.0.tbz2", "foo-1.0", "foo-%{pypi_version}.tbz2", "foo-%{pypi_version}"),
        ("foo-1.0.tar.xz", "foo-1.0-src", "foo-%{pypi_version}.tar.xz", "foo-1.0-src"),
    ],
)
def test_source_and_setup_come_from_the_sdist_itself(
    tmp_path: Path, file_name: str, top: str, source0: str, autosetup: str
) -> None:
    pkg_info = (  # 2.2: nothing Dynamic, so no build backend is needed
        b"Metadata-Version: 2.2\nName: Foo_Bar\nVersion: 1.0\nSummary: s\n"
        b"License-Expression: MIT\n"
    )
    if file_name.startswith("foo-"):
        pkg_info = pkg_info.replace(b"Foo_Bar", b"foo")
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo(f"{top}/PKG-INFO")
        info.size = len(pkg_info)
        tar.addfile(info, io.BytesIO(pkg_info))
    compressors: dict[str, Callable[[bytes], bytes]] = {
        ".tar": bytes, ".tbz2": bz2.compress, ".xz": lzma.compress,
    }
    compress = compressors[Path(file_name).suffix]
    sdist = tmp_path / file_name
    sdist.write_bytes(compress(raw.getvalue()))
    text = generate_spec(sdist, changelog_date=CHANGELOG_DATE).text
    assert f"/{source0}\n" in text
    assert f"\n%autosetup -n {autosetup}\n" in text


# -- host independence, names, extras -------------------------------------------------------


def test_specs_do_not_depend_on_the_directory_they_were_made_in(tmp_path: Path) -> None:
    """Warnings quote files of the source: the spec names them from the source's file name,
    never the generating machine's (temporary) directories; stderr keeps the full paths."""
    project = Path(__file__).parent / "data" / "metadata" / "flat-setuptools"
    texts = []
    for top in (tmp_path / "a", tmp_path / "b" / "deeper"):
        copy = top / "flat-setuptools"
        shutil.copytree(project, copy)
        for source in (copy, build_sdist(copy, top)):
            sdist_name = source.name
            spec = generate_spec(source, changelog_date=CHANGELOG_DATE)
            assert any(str(top) in warning for warning in spec.warnings)
            texts.append(spec.text)
    assert str(tmp_path) not in "".join(texts)
    assert "# WARNING: flat-setuptools/pyproject.toml [project] license: " in texts[0]
    assert texts[0] == texts[2]  # the directories, from two places
    assert texts[1] == texts[3]  # the sdists
    # setuptools names the sdist flat-pkg-2.4.0.tar.gz (Debian 12) or flat_pkg-2.4.0.tar.gz (13)
    directory = sdist_name.removesuffix(".tar.gz")
    assert f"# WARNING: {sdist_name}/{directory}/pyproject.toml [project]" in texts[1]


def test_no_usable_license_is_a_placeholder_the_review_cannot_miss() -> None:
    """The License: tag says FIXME (not valid SPDX, so rpmlint flags it), with a warning after
    the license's own ones."""
    project = Path(__file__).parent / "data" / "metadata" / "flat-setuptools"
    where = f"{project / 'pyproject.toml'} [project] license"
    spec = generate_spec(project, changelog_date=CHANGELOG_DATE)
    assert "\nLicense:        FIXME-UNKNOWN-LICENSE\n" in spec.text
    placeholder = (f"{where}: no usable license metadata: License is set to "
                   "FIXME-UNKNOWN-LICENSE; replace it with the SPDX expression of the project's "
                   "license")
    assert spec.warnings[0] == (
        f"{where}: license text 'BSD' is not an SPDX expression and was ignored"
    )
    assert spec.warnings[:3] == [*spec.metadata.license.warnings, placeholder]
    warnings: list[str] = []
    assert license_tag(LicenseResult(None, "unknown", ["a"]), "x/PKG-INFO", warnings) == (
        PLACEHOLDER
    )
    assert warnings == ["a", "x/PKG-INFO: no usable license metadata: License is set to "
                        "FIXME-UNKNOWN-LICENSE; replace it with the SPDX expression of the "
                        "project's license"]
    warnings = []
    assert license_tag(LicenseResult("MIT", "classifiers", ["b"]), "x", warnings) == "MIT"
    assert warnings == ["b"]


def _project(top: Path, name: str, extras: dict[str, list[str]]) -> Path:
    """A small pure project called *name* with *extras*."""
    module = name.replace("-", "_")
    (top / module).mkdir(parents=True)
    (top / module / "__init__.py").write_text("", encoding="utf-8")
    optional = "".join(f"{extra} = {requires!r}\n" for extra, requires in extras.items())
    (top / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        f'[project]\nname = "{name}"\nversion = "2.9.0"\nlicense = "MIT"\n'
        'dependencies = ["six>=1.5"]\n'
        f"[project.optional-dependencies]\n{optional}",
        encoding="utf-8",
    )
    return top


@rpm_test
def test_a_python_prefix_is_not_doubled(tmp_path: Path) -> None:
    """Fedora's naming: python-dateutil is packaged as python3-dateutil (source package
    python-dateutil) and still provides python3dist(python-dateutil), in both spec forms."""
    project = _project(tmp_path / "python-dateutil", "python-dateutil", {"tz": ["tzdata"]})
    for static in (False, True):
        spec = generate_spec(project, static=static, runtimes=golden_runtimes() if static else (),
                             changelog_date=CHANGELOG_DATE)
        assert spec.filename == "python-dateutil.spec"
        path = tmp_path / f"static-{static}.spec"
        path.write_text(spec.text, encoding="utf-8")
        query = run(["rpmspec", *macros_options(), "-q", "--provides", str(path)],
                    tool_env(GOLDEN_REGISTRY))
        assert query.returncode == 0, query.stderr
        provides = set(query.stdout.splitlines())
        assert "python3dist(python-dateutil) = 2.9" in provides
        assert "python3dist(python-dateutil[tz]) = 2.9" in provides
        assert not any("python-python" in line or "dist(dateutil" in line for line in provides)
        names = run(["rpmspec", *macros_options(), "-q", "--srpm", "--qf", "%{name}\n",
                     str(path)], tool_env(GOLDEN_REGISTRY))
        assert names.stdout == "python-dateutil\n", names.stderr
        packages = run(["rpmspec", *macros_options(), "-q", "--qf", "%{name}\n", str(path)],
                       tool_env(GOLDEN_REGISTRY))
        assert packages.stdout.splitlines() == ["python-dateutil"] + [  # no files: not built
            f"{runtime.package_prefix}-dateutil{suffix}"
            for runtime in golden_runtimes() for suffix in ("", "+tz")
        ], packages.stderr


def test_development_extras_are_marked_for_review(tmp_path: Path) -> None:
    project = _project(tmp_path / "attrsy", "attrsy",
                       {"tests": ["pytest"], "docs": ["sphinx"], "socks": ["pysocks"]})
    text = generate_spec(project, changelog_date=CHANGELOG_DATE).text
    assert (
        "# NOTE: REVIEW extras that look like development-only ones: docs, tests "
        "(rpm-pyconfig spec --extras NAME,... keeps only the ones named)\n"
    ) in text
    assert "%global pyconfig_extras docs socks tests\n" in text


def test_extras_option_chooses(tmp_path: Path) -> None:
    project = _project(tmp_path / "attrsy", "attrsy",
                       {"tests": ["pytest"], "docs": ["sphinx"], "socks": ["pysocks"]})
    done = _spec_command(str(project), "--extras", "socks", "-o", "-", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "%global pyconfig_extras socks\n" in done.stdout
    assert "# NOTE: extras left out (--extras): docs, tests\n" in done.stdout
    assert "REVIEW" not in done.stdout
    # Their requirements stay in the list the macros read; no package is made of them.
    assert 'pytest; extra == "tests"' in done.stdout
    none = _spec_command(str(project), "--extras", "none", "-o", "-", cwd=tmp_path)
    assert none.returncode == 0, none.stderr
    assert "pyconfig_extras" not in none.stdout
    typo = _spec_command(str(project), "--extras", "sock", "-o", "-", cwd=tmp_path)
    assert typo.returncode == 2
    assert typo.stderr == (
        "rpm-pyconfig: usage error: --extras: the project has no extra 'sock' (did you mean "
        "'socks'?); its extras: docs, socks, tests (or all, none)\n"
    )
    assert list(tmp_path.iterdir()) == [tmp_path / "attrsy"]


@rpm_test
def test_a_runtime_that_would_get_an_empty_package_stops_the_build(
    registry: Path, tmp_path: Path
) -> None:
    """cffi's case, built for real: PyPy's wheel is metadata only, so %install stops with the
    hint, and the spec with the hinted line builds packages for the other runtimes only."""
    sourcedir = tmp_path / "sources"
    build_sdist(DATA / "cpython-only", sourcedir)
    failed = _build("cpython-only", DATA / "cpython-only", tmp_path / "first", registry,
                    sourcedir)
    assert failed.problem == "rpmbuild -ba failed (1)"
    log = "\n".join(failed.log)
    pypy = runtime_of("pypy3").name
    assert (
        f"runtime {pypy!r}: the wheel installs nothing but its metadata, while " in log
    )
    hint = f"hint: leave it out of the spec, e.g. %global pyconfig_select --exclude {pypy}"
    assert hint in log
    assert failed.spec is not None and not failed.rpms
    # The packager follows the hint.
    fixed = tmp_path / "second" / failed.spec.name
    fixed.parent.mkdir()
    fixed.write_text(hint.split("e.g. ", 1)[1] + "\n" + failed.spec.read_text(encoding="utf-8"),
                     encoding="utf-8")
    built = run(["rpmbuild", *macros_options(), "-ba", "--nodeps",
                 "--define", f"_topdir {fixed.parent}", "--define", f"_sourcedir {sourcedir}",
                 str(fixed)], tool_env(registry))
    assert built.returncode == 0, built.stderr[-3000:]
    names = sorted(path.name.rsplit("-", 2)[0] for path in (fixed.parent / "RPMS").glob("*/*"))
    assert names == sorted(f"{prefix}-cponly" for prefix in PREFIXES if prefix != "pypy3")
# -- build dependencies computed in the build root; tests per runtime -----------------------


def _stub_answers(dependencies: list[str]) -> tuple[list[str], list[str]]:
    """``(provides, files)`` of a stub package that satisfies *dependencies*: a path is a
    file it owns, ``NAME >= V`` (or ``=``, ``<=``) is provided as ``NAME = V``."""
    provides, files = [], []
    for dependency in dependencies:
        if dependency.startswith("/"):
            files.append(dependency)
            continue
        name, _, rest = dependency.partition(" ")
        operator, _, version = rest.partition(" ")
        assert operator in ("", ">=", "=", "<="), f"no stub for {dependency!r}"
        provides.append(f"{name} = {version}" if version else name)
    return provides, files


def _rpmdb_install(db: Path, package: Path) -> None:
    """Record *package* in the rpm database *db* only (its files are not written)."""
    done = run(["rpm", "-i", "--justdb", "--nodeps", "--dbpath", str(db), str(package)],
               tool_env(None))
    assert done.returncode == 0, done.stderr


def build_with_generated_stubs(
    generated: list[str], db: Path, common: list[str], env: dict[str, str], work: Path
) -> subprocess.CompletedProcess[str]:
    """Stubs providing what %generate_buildrequires printed (*generated*) recorded in *db*:
    then ``rpmbuild -br`` (*common*: its options and the spec) must pass and ``rpmbuild
    -ba`` build without --nodeps; that build."""
    from tests.chainproof import build_stub

    provides, files = _stub_answers(generated)
    _rpmdb_install(db, build_stub("generated-stub", provides, files, work))
    complete = run(["rpmbuild", "-br", *common], env)
    assert complete.returncode == 0, complete.stderr
    built = run(["rpmbuild", "-ba", *common], env)  # no --nodeps: the database has them all
    assert built.returncode == 0, built.stderr[-3000:]
    return built


@rpm_test
def test_build_dependencies_are_generated_in_the_build_root(
    registry: Path, fixture_sdists: dict[str, Path], tmp_path: Path
) -> None:
    """The SRPM of a dynamic spec names no runtime; rpmbuild -br computes each runtime's
    build dependencies (pip, the backend and what it adds, headers) from the registry, with
    rpm's exit status 11 while some are missing; rpmbuild -ba builds once the rpm database has them.
    Debian's rpm database is empty: stub packages recorded in a database of the test's own
    stand for what apt installed (tests/chainproof.py builds them the same way)."""
    from tests.chainproof import build_stub

    runtimes = load_registry([str(registry)], explicit=True).runtimes
    sdist = fixture_sdists["c-extension"]
    env = tool_env(registry)
    spec = tmp_path / "python-fastsum.spec"
    made = run([str(TOOL_BIN / "rpm-pyconfig"), "spec", str(sdist), "-o", str(spec)], env)
    assert made.returncode == 0, made.stderr
    topdir, db = tmp_path / "top", tmp_path / "rpmdb"
    common = rpmbuild_options(topdir, sdist.parent, db, spec)

    source = run(["rpmbuild", "-bs", *common], env)
    assert source.returncode == 0, source.stderr
    (srpm,) = (topdir / "SRPMS").glob("*.src.rpm")
    requires = rpm_query(srpm, "--requires")
    assert [item for item in requires if not item.startswith("rpmlib(")] == [
        "gcc", "rpm-pyconfig"]
    assert "rpmlib(DynamicBuildRequires) <= 4.15.0-1" in requires
    srpm.unlink()

    assert run(["rpm", "--initdb", "--dbpath", str(db)], env).returncode == 0
    empty = run(["rpmbuild", "-br", *common], env)
    assert empty.returncode == 11, empty.stderr
    assert "\trpm-pyconfig is needed by " in empty.stderr
    assert not list((topdir / "SRPMS").glob("*"))  # stopped before %generate_buildrequires

    _rpmdb_install(db, build_stub("static-stub", ["gcc", "rpm-pyconfig"], [], tmp_path / "s1"))
    missing = run(["rpmbuild", "-br", *common], env)
    assert missing.returncode == 11, missing.stderr
    (nosrc,) = (topdir / "SRPMS").glob("*.buildreqs.nosrc.rpm")
    generated = [item for item in rpm_query(nosrc, "--requires")
                 if not item.startswith("rpmlib(") and item not in ("gcc", "rpm-pyconfig")]
    expected = []
    for runtime in runtimes:
        # setuptools' get_requires_for_build_wheel, asked in the build root, adds wheel
        # before setuptools 70.1 (tests/test_backendrequires.py)
        from tests.test_backendrequires import setuptools_adds_wheel

        wheel = [f"{requires_prefix(runtime)}dist(wheel)"] if setuptools_adds_wheel(runtime) else []
        for item in (f"{requires_prefix(runtime)}dist(pip)",
                     f"{requires_prefix(runtime)}dist(setuptools) >= 61", runtime.devel_requires,
                     *wheel):
            if item not in expected:
                expected.append(item)
    assert all(runtime.devel_requires.endswith("/Python.h") for runtime in runtimes)
    assert sorted(generated) == sorted(expected)
    for item in expected:
        assert f"\t{item} is needed by " in missing.stderr
    nosrc.unlink()

    built = build_with_generated_stubs(generated, db, common, env, tmp_path / "s2")
    names = sorted(path.name.rsplit("-", 2)[0] for path in (topdir / "RPMS").glob("*/*.rpm"))
    assert [name for name in names if not name.endswith("-debuginfo")] == sorted(
        f"{runtime.package_prefix}-fastsum" for runtime in runtimes)
    for runtime in runtimes:
        assert (f"rpm-pyconfig: {runtime.name} ({runtime.interpreter}): imported 1 module(s) "
                "from ") in built.stderr


FLAT_PROJECT = {
    "pyproject.toml": (
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "flatcheck"\nversion = "1.0"\n'
        'description = "A flat-layout fixture with a test suite"\n'
        'classifiers = ["License :: OSI Approved :: MIT License"]\n'
        '[project.scripts]\nflatcheck-cmd = "flatcheck.sub.mod:main"\n'
        '[tool.setuptools]\npackages = ["flatcheck", "flatcheck.sub"]\n'
    ),
    "MANIFEST.in": "recursive-include tests *.py\n",
    "flatcheck/__init__.py": "",
    "flatcheck/sub/__init__.py": "",
    "flatcheck/sub/mod.py": "VALUE = 1\n\n\ndef main():\n    print('flatcheck', VALUE)\n",
    # The test suite proves where the code came from: the buildroot, not this source tree.
    "tests/test_flat.py": (
        "import os, platform\nimport flatcheck, flatcheck.sub.mod\n\n\n"
        "def test_installed_code():\n"
        "    assert flatcheck.__file__.startswith(os.environ['RPM_BUILD_ROOT']), "
        "flatcheck.__file__\n\n\n"
        # %pyconfig_test's environment: the buildroot's commands first on PATH (running the
        # installed code), no user site directory, no bytecode written
        "def test_environment():\n"
        "    import shutil, subprocess, sys\n"
        "    command = shutil.which('flatcheck-cmd')\n"
        "    assert command and command.startswith(os.environ['RPM_BUILD_ROOT'] + '/'), command\n"
        "    ran = subprocess.run([command], capture_output=True, text=True, check=True)\n"
        "    assert ran.stdout == 'flatcheck 1\\n', ran\n"
        "    assert os.environ['PYTHONNOUSERSITE'] == '1' and sys.flags.no_user_site\n"
        "    assert sys.dont_write_bytecode\n\n\n"
        "def test_cpython_only():\n"
        "    assert platform.python_implementation() == 'CPython'\n"
    ),
}


@rpm_test
def test_tests_run_per_runtime_against_the_buildroot(registry: Path, tmp_path: Path) -> None:
    """spec --test-call: %pyconfig_test runs pytest with every runtime from its copy of a
    flat-layout project, importing the installed code, the buildroot's commands on PATH;
    --where skips per runtime and the words after -- reach pytest."""
    project = tmp_path / "flatcheck"
    for name, text in FLAT_PROJECT.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    sources = tmp_path / "sources"
    sources.mkdir()
    sdist = build_sdist(project, sources)
    env = tool_env(registry)
    spec = tmp_path / "python-flatcheck.spec"
    made = run([str(TOOL_BIN / "rpm-pyconfig"), "spec", str(sdist), "-o", str(spec),
                "--test-call=--where \"implementation_name == 'cpython'\" -- -v",
                "--test-call=--where \"implementation_name != 'cpython'\" -- -v -k 'not "
                "cpython_only'"], env)
    assert made.returncode == 0, made.stderr
    assert ("%pyconfig_check\n%pyconfig_test --where \"implementation_name == 'cpython'\" -- -v\n"
            "%pyconfig_test --where \"implementation_name != 'cpython'\" -- -v -k 'not "
            "cpython_only'\n") in spec.read_text(encoding="utf-8")
    built = run(["rpmbuild", *macros_options(), "-ba", "--nodeps",
                 "--define", f"_topdir {tmp_path / 'top'}", "--define", f"_sourcedir {sources}",
                 str(spec)], env)
    output = built.stdout + built.stderr
    assert built.returncode == 0, output[-4000:]
    runtimes = load_registry([str(registry)], explicit=True).runtimes
    cpython = [rt for rt in runtimes if rt.implementation == "cpython"]
    others = [rt for rt in runtimes if rt.implementation != "cpython"]
    assert cpython and others
    for index, runtime in enumerate(cpython, 1):
        assert f"rpm-pyconfig: testing with {runtime.name} ({index}/{len(cpython)})" in output
    for index, runtime in enumerate(others, 1):
        assert f"rpm-pyconfig: testing with {runtime.name} ({index}/{len(others)})" in output
    assert output.count("tests/test_flat.py::test_installed_code PASSED") == len(runtimes)
    assert output.count("tests/test_flat.py::test_environment PASSED") == len(runtimes)
    assert output.count("tests/test_flat.py::test_cpython_only PASSED") == len(cpython)
    assert output.count(" 2 passed, 1 deselected in ") == len(others)
    for runtime in runtimes:
        assert (f"{runtime.name} ({runtime.interpreter}): imported 3 module(s) from "
                in output)


def test_test_option_adds_the_test_extra(tmp_path: Path) -> None:
    """--test: the requirements of a tests extra are the tests' build dependencies too (per
    runtime, unless --without check); other extras stay out."""
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "withtests"\nversion = "1.0"\n'
        'classifiers = ["License :: OSI Approved :: MIT License"]\n'
        '[project.optional-dependencies]\n'
        'tests = ["hypothesis>=6", "cffi; implementation_name == \'cpython\'"]\n'
        'docs = ["sphinx"]\n',
        encoding="utf-8",
    )
    dynamic = generate_spec(tmp_path, test=True, changelog_date=CHANGELOG_DATE).text
    assert "%global pyconfig_test_requires pytest\n%global pyconfig_test_extras tests\n" in dynamic
    assert "pyconfig_test_extras" not in generate_spec(tmp_path, changelog_date=CHANGELOG_DATE).text
    # --test-extras chooses (and implies --test): none, or extras of the project only
    chosen = generate_spec(tmp_path, test_extras="none", changelog_date=CHANGELOG_DATE).text
    assert "%global pyconfig_test_requires pytest\n" in chosen
    assert "pyconfig_test_extras" not in chosen and "%pyconfig_test\n" in chosen
    both = generate_spec(tmp_path, test_extras="docs, tests", changelog_date=CHANGELOG_DATE).text
    assert "%global pyconfig_test_extras docs tests\n" in both
    with pytest.raises(PyConfigError, match=re.escape(
            "--test-extras 'test': 'test' is no extra of withtests (it has: docs, tests); give")):
        generate_spec(tmp_path, test_extras="test", changelog_date=CHANGELOG_DATE)
    static = generate_spec(tmp_path, static=True, test=True, runtimes=golden_runtimes(),
                           changelog_date=CHANGELOG_DATE).text
    check = static.split("%if ! %{without check}\n", 1)[1].split("%endif\n", 1)[0]
    assert check == (
        "BuildRequires: python3.11dist(pytest)\n"
        "BuildRequires: python3.11dist(cffi)\n"
        "BuildRequires: python3.11dist(hypothesis) >= 6\n"
        "BuildRequires: pypy3.9dist(pytest)\n"
        "BuildRequires: pypy3.9dist(hypothesis) >= 6\n"
    )


def test_test_option_reads_the_pep735_test_group(tmp_path: Path) -> None:
    """--test: the PEP 735 test group's requirements (include-group resolved) are the tests'
    build dependencies, per runtime with markers, beside pytest (not twice when the group
    names it); without --test, or without such a group, nothing changes."""
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "withgroups"\nversion = "1.0"\n'
        'classifiers = ["License :: OSI Approved :: MIT License"]\n'
        '[dependency-groups]\nlint = ["ruff"]\n'
        'tests = ["hypothesis>=6", {include-group = "base"}]\n'
        "base = [\"pytest>=7\", \"cffi; implementation_name == 'cpython'\"]\n",
        encoding="utf-8",
    )
    dynamic = generate_spec(tmp_path, test=True, changelog_date=CHANGELOG_DATE).text
    assert ("%global pyconfig_test_requires %{expand:\nhypothesis>=6\npytest>=7\n"
            "cffi; implementation_name == 'cpython'}\n") in dynamic
    assert "pyconfig_test_requires" not in generate_spec(
        tmp_path, changelog_date=CHANGELOG_DATE).text
    static = generate_spec(tmp_path, static=True, test=True, runtimes=golden_runtimes(),
                           changelog_date=CHANGELOG_DATE).text
    check = static.split("%if ! %{without check}\n", 1)[1].split("%endif\n", 1)[0]
    assert check == (
        "BuildRequires: python3.11dist(cffi)\n"
        "BuildRequires: python3.11dist(hypothesis) >= 6\n"
        "BuildRequires: python3.11dist(pytest) >= 7\n"
        "BuildRequires: pypy3.9dist(hypothesis) >= 6\n"
        "BuildRequires: pypy3.9dist(pytest) >= 7\n"
    )


@pytest.mark.rpm
@pytest.mark.parametrize("group", [
    ["pytest; platform_machine != '50%'"],
    ["pytest; platform_machine != '50%'", "hypothesis; platform_machine != '%%'"],
    ["pytest>=8"],
])
def test_test_requires_read_back_by_rpm_as_written(tmp_path: Path, group: list[str]) -> None:
    """%pyconfig_test_requires is read by rpm.expand: one line or several, with a % or not,
    it must give back the group's lines (one line with a % was escaped once too often)."""
    if not have_rpm_tools():
        if os.environ.get("CI") == "true":
            pytest.fail("rpmspec is missing (CI=true)")
        pytest.skip("rpmspec not installed")
    listed = ", ".join(f'"{line}"' for line in group)
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "pct"\nversion = "1.0"\nlicense = "MIT"\n'
        f"[dependency-groups]\ntest = [{listed}]\n", encoding="utf-8")
    text = generate_spec(tmp_path, test=True, changelog_date=CHANGELOG_DATE).text
    start = text.index("%global pyconfig_test_requires ")
    expanded = text.startswith("%{expand:", start + len("%global pyconfig_test_requires "))
    end = text.index("}\n", start) + 1 if expanded else text.index("\n", start)
    probe = tmp_path / "probe.txt"
    spec = tmp_path / "probe.spec"
    spec.write_text(text[start:end] + "\n%{lua: local f = io.open(rpm.expand('%{probe}'), 'w') "
                    "f:write(rpm.expand('%{?pyconfig_test_requires}')) f:close()}\n"
                    "Name: p\nVersion: 1\nRelease: 1\nLicense: MIT\nSummary: s\n"
                    "%description\nd\n", encoding="utf-8")
    got = run(["rpmspec", "-P", "--define", f"probe {probe}", str(spec)], dict(os.environ))
    assert got.returncode == 0, got.stderr
    assert probe.read_text(encoding="utf-8").strip("\n").split("\n") == group


def test_test_requires_and_test_calls(tmp_path: Path) -> None:
    """--test-requires adds requirements no metadata names after pytest and the test group;
    each --test-call is one %pyconfig_test line, in order, in place of the bare one; either
    implies --test; a static spec refuses --test-call (it has no such line), a declarative
    one appends the lines to the build system's %check."""
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "withcalls"\nversion = "1.0"\n'
        'classifiers = ["License :: OSI Approved :: MIT License"]\n',
        encoding="utf-8",
    )
    calls = ["--where \"implementation_name == 'pypy'\" -- --deselect tests/t.py::test_x",
             "--where \"implementation_name != 'pypy'\" -- -v"]
    dynamic = generate_spec(
        tmp_path, test_requires=["pretend", "trustme>=1; python_version >= '3.9'"],
        test_calls=calls, changelog_date=CHANGELOG_DATE).text
    assert ("%global pyconfig_test_requires %{expand:\npytest\npretend\n"
            "trustme>=1; python_version >= '3.9'}\n") in dynamic
    assert ("%pyconfig_check\n"
            "%pyconfig_test --where \"implementation_name == 'pypy'\" -- --deselect "
            "tests/t.py::test_x\n"
            "%pyconfig_test --where \"implementation_name != 'pypy'\" -- -v\n%endif\n") in dynamic
    only_requires = generate_spec(tmp_path, test_requires=["pytest>=8"],
                                  changelog_date=CHANGELOG_DATE).text
    assert "%global pyconfig_test_requires pytest>=8\n" in only_requires
    assert "%pyconfig_check\n%pyconfig_test\n%endif\n" in only_requires
    with pytest.raises(MetadataError, match=r"^--test-requires: invalid requirement 'x>'"):
        generate_spec(tmp_path, test_requires=["x>"], changelog_date=CHANGELOG_DATE)
    with pytest.raises(MetadataError, match=r"^--test-call: must not contain '%'"):
        generate_spec(tmp_path, test_calls=["-- -k 100%"], changelog_date=CHANGELOG_DATE)
    with pytest.raises(PyConfigError, match="which a static spec does not have"):
        generate_spec(tmp_path, test_calls=["--"], changelog_date=CHANGELOG_DATE,
                      static=True, runtimes=golden_runtimes())
    declarative = generate_spec(tmp_path, test_calls=calls, declarative=True,
                                changelog_date=CHANGELOG_DATE).text
    assert ("%check -a\n%if %{with check}\n"
            "%pyconfig_test --where \"implementation_name == 'pypy'\" -- --deselect "
            "tests/t.py::test_x\n"
            "%pyconfig_test --where \"implementation_name != 'pypy'\" -- -v\n%endif\n"
            ) in declarative


@rpm_test
def test_dynamic_spec_keeps_its_runtime_selection(registry: Path, tmp_path: Path) -> None:
    """spec --where/--exclude: the dynamic spec sets %global pyconfig_select (quoted for the
    shell, no --confdir of the generating machine), so every build machine builds only the
    runtimes selected (cffi on CPython: PyPy bundles its own)."""
    spec = tmp_path / "python-pure-markers-extras.spec"
    made = run([str(TOOL_BIN / "rpm-pyconfig"), "--confdir", str(registry), "spec",
                str(DATA / "pure-markers-extras"), "--where", "implementation_name == 'cpython'",
                "--exclude", "*-debug", "-o", str(spec)], tool_env(registry))
    assert made.returncode == 0, made.stderr
    text = spec.read_text(encoding="utf-8")
    assert ("\n%global pyconfig_select --exclude \"*-debug\" "
            "--where \"implementation_name == 'cpython'\"\n") in text
    assert str(registry) not in text
    queried = run(["rpmspec", *macros_options(), "-q", "--qf", "%{name}\\n", str(spec)],
                  tool_env(registry))
    assert queried.returncode == 0, queried.stderr
    names = {line for line in queried.stdout.splitlines() if "+" not in line}
    cpython = [rt for rt in trio() if rt.implementation == "cpython" and not rt.debug]
    assert names == {"python-pure-markers-extras",
                     *(f"{rt.package_prefix}-pure-markers-extras" for rt in cpython)}
    plain = generate_spec(DATA / "pure-markers-extras", changelog_date=CHANGELOG_DATE).text
    assert "pyconfig_select" not in plain
