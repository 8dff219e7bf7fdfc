"""What build backends add to the build requirements, asked per runtime in the build root.

``tests/data/backendrequires/dynback-1.0`` has an in-tree backend (``backend-path``) that
wraps setuptools' and adds ``packaging>=20`` and, with a marker, ``tomli`` for runtimes
older than 3.11; setuptools itself adds ``wheel`` before 70.1.  Each test asks this
machine's probed runtimes (CPython, its debug build, PyPy), with their own setuptools (the
distribution's): nothing is hard-coded about them.  The rpm tests run the generated spec's
``%generate_buildrequires`` with the real ``rpmbuild -br``/``-ba``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from rpm_pyconfig.backendrequires import backend_requires
from rpm_pyconfig.cli import main
from rpm_pyconfig.dependencies import requires_prefix
from rpm_pyconfig.errors import MetadataError
from rpm_pyconfig.runtime import Runtime
from tests.rpmtools import (
    TOOL_BIN,
    macros_options,
    probe_registry,
    require,
    rpm_query,
    rpmbuild_options,
    run,
    tool_env,
    trio,
)

#: pyproject_hooks runs the hooks: scripts/test.sh leaves these out under a runtime whose
#: distribution has no pyproject_hooks (Debian 12's PyPy); .venv always runs them.
pytestmark = pytest.mark.backend

DATA = Path(__file__).parent / "data" / "backendrequires"
DYNBACK = DATA / "dynback-1.0"
_Test = TypeVar("_Test", bound=Callable[..., None])


def setuptools_adds_wheel(runtime: Runtime) -> bool:
    """Whether setuptools' get_requires_for_build_wheel adds wheel for *runtime*: before
    70.1, with the setuptools the runtime imports (the distribution's)."""
    found = subprocess.run([runtime.interpreter, "-c", "import setuptools; "
                            "print(setuptools.__version__)"],
                           capture_output=True, text=True, check=False)
    require(f"setuptools for {runtime.interpreter}", found.returncode == 0)
    return Version(found.stdout.strip()) < Version("70.1")


def expected_dynback(runtime: Runtime) -> list[str]:
    """What dynback's backend adds for *runtime*, from what the runtime is and has."""
    prefix = requires_prefix(runtime)
    expected = [f"{prefix}dist(packaging) >= 20"]
    if (int(runtime.major_version), int(runtime.minor_version)) < (3, 11):
        expected.append(f"{prefix}dist(tomli) >= 1.1")
    if setuptools_adds_wheel(runtime):
        expected.append(f"{prefix}dist(wheel)")
    return sorted(expected)


def _project(tmp_path: Path, name: str, backend: str | None = None,
             requires: str = '"setuptools>=61"') -> Path:
    """A copy of dynback; *backend*: the text of its in-tree backend instead."""
    project = tmp_path / name
    shutil.copytree(DYNBACK, project)
    if backend is not None:
        (project / "_backend" / "dynback_backend.py").write_text(backend, encoding="utf-8")
    toml = project / "pyproject.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'requires = ["setuptools>=61"]', f"requires = [{requires}]"), encoding="utf-8")
    return project


def test_the_backend_adds_requirements_for_each_runtime(tmp_path: Path) -> None:
    """Markers are evaluated for each runtime, names are each runtime's own; what the backend
    prints on its stdout goes nowhere."""
    for runtime in trio():
        project = _project(tmp_path, runtime.name)
        answer = backend_requires(runtime, str(project))
        assert answer.waiting == []
        assert answer.backend == "dynback_backend"
        assert answer.dependencies == expected_dynback(runtime), runtime.name


def test_nothing_is_asked_while_build_requirements_are_missing(tmp_path: Path) -> None:
    """A [build-system] requirement the runtime lacks (here only for PyPy, by its marker):
    the backend is not even imported for that runtime; the others are asked."""
    marker_file = tmp_path / "IMPORTED"
    backend = (f"open({str(marker_file)!r}, 'a').write('imported\\n')\n"
               + DYNBACK.joinpath("_backend", "dynback_backend.py").read_text(encoding="utf-8"))
    requires = ('"setuptools>=61", '
                '"not-installed-anywhere>=1; implementation_name == \'pypy\'"')
    for runtime in trio():
        project = _project(tmp_path, runtime.name, backend, requires)
        answer = backend_requires(runtime, str(project))
        if runtime.implementation == "pypy":
            assert answer.waiting == ['not-installed-anywhere>=1; implementation_name == "pypy"']
            assert answer.dependencies == []
        else:
            assert answer.waiting == []
            assert answer.dependencies == expected_dynback(runtime)
    cpythons = [rt for rt in trio() if rt.implementation != "pypy"]
    assert marker_file.read_text(encoding="utf-8") == "imported\n" * len(cpythons)


def test_an_unsatisfied_version_waits_too(tmp_path: Path) -> None:
    runtime = trio()[0]
    project = _project(tmp_path, "pinned", requires='"setuptools>=9999"')
    answer = backend_requires(runtime, str(project))
    assert answer.waiting == ["setuptools>=9999"]
    assert answer.dependencies == []


def _dist_info(site: Path, directory: str, metadata: str | None) -> None:
    info = site / directory
    info.mkdir(parents=True)
    if metadata is not None:
        (info / "METADATA").write_text(metadata, encoding="utf-8")


def test_broken_installed_distributions_never_stop_the_answer(tmp_path: Path) -> None:
    """On the runtime's path: a dist-info without Version, one without Name, one without
    METADATA are skipped; one whose version is not PEP 440 counts as missing, named (no
    InvalidVersion traceback, whatever packaging's version); the rest still works."""
    site = tmp_path / "site"
    _dist_info(site, "noversion-1.dist-info", "Metadata-Version: 2.1\nName: noversion\n")
    _dist_info(site, "noname-1.dist-info", "Metadata-Version: 2.1\nVersion: 1\n")
    _dist_info(site, "nometa-1.dist-info", None)
    _dist_info(site, "oddver-1.dist-info",
               "Metadata-Version: 2.1\nName: OddVer\nVersion: not a version\n")
    for runtime in trio():
        project = _project(tmp_path, runtime.name)
        answer = backend_requires(runtime, str(project), paths=(str(site),))
        assert (answer.waiting, answer.dependencies) == ([], expected_dynback(runtime))
        project = _project(tmp_path, runtime.name + "-odd",
                           requires='"setuptools>=61", "oddver>=1", "noversion"')
        answer = backend_requires(runtime, str(project), paths=(str(site),))
        assert answer.waiting == [
            "oddver>=1 (the installed oddver 'not a version' is not a PEP 440 version: "
            "counted as missing)", "noversion"], runtime.name
        assert answer.dependencies == []


def test_a_broken_backend_is_an_error_that_names_it(tmp_path: Path) -> None:
    runtime = trio()[0]
    where = tmp_path / "broken" / "pyproject.toml"
    project = _project(tmp_path, "broken", 'raise ImportError("broken on purpose")\n')
    with pytest.raises(MetadataError) as raised:
        backend_requires(runtime, str(project))
    message = str(raised.value)
    assert message.startswith(
        f"{where} [build-system] for runtime {runtime.name}: the build backend "
        f"'dynback_backend' run by {runtime.interpreter}: cannot import the backend ")
    assert message.endswith("ImportError: broken on purpose")

    failing = _project(tmp_path, "failing", (
        "from setuptools.build_meta import *\n"
        "def get_requires_for_build_wheel(config_settings=None):\n"
        "    raise RuntimeError('the hook fails')\n"))
    with pytest.raises(MetadataError, match=r"(?s)failed \(exit status 1\): .*RuntimeError: "
                       r"the hook fails\Z"):
        backend_requires(runtime, str(failing))


@pytest.mark.parametrize(("answer", "reason"), [
    ("'packaging>=20'", "not a list of requirement strings, got 'packaging>=20'"),
    ("[1]", "not a list of requirement strings, got [1]"),
    ("['ok\\nBuildRequires: evil']", "invalid requirement 'ok\\nBuildRequires: evil'"),
    ("['%{lua:os.execute(\"touch M\")}']", "invalid requirement '%{lua:"),
    ("['x===%{lua:1}']", "requirement 'x===%{lua:1}': cannot express '===%{lua:1}' as an RPM "
                         "dependency: '%{lua:1}' is not an RPM version"),
    ("['x; os_name == \"posix\" or extra == \"%{lua:1}\"', 'y; os_name == \"%{x}\"']", None),
])
def test_an_answer_that_is_no_requirement_is_refused(
    tmp_path: Path, answer: str, reason: str | None
) -> None:
    """The backend's answer is untrusted: every item must be a PEP 508 requirement that
    converts to an rpm dependency; its markers are evaluated, never printed."""
    runtime = trio()[0]
    project = _project(tmp_path, "hostile", (
        "from setuptools.build_meta import *\n"
        "def get_requires_for_build_wheel(config_settings=None):\n"
        f"    return {answer}\n"))
    if reason is None:
        assert backend_requires(runtime, str(project)).dependencies == [
            f"{requires_prefix(runtime)}dist(x)"]
        return
    with pytest.raises(MetadataError) as raised:
        backend_requires(runtime, str(project))
    assert f"get_requires_for_build_wheel of 'dynback_backend' run by {runtime.interpreter}: " \
           in str(raised.value)
    assert reason in str(raised.value)


def test_no_copy_of_the_sources(tmp_path: Path) -> None:
    runtime = trio()[0]
    with pytest.raises(MetadataError) as raised:
        backend_requires(runtime, str(tmp_path / "missing"))
    assert str(raised.value) == (
        f"runtime {runtime.name}: no copy of the sources in {tmp_path / 'missing'}: the build "
        "backend is asked there (%pyconfig_prep in %prep makes it)")


def test_the_command_prints_each_dependency_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """stdout: only dependencies (what rpm reads), each once over the runtimes; stderr: what
    was asked, per runtime."""
    registry = probe_registry(tmp_path / "registry")
    monkeypatch.delenv("RPM_PYCONFIG_PATH", raising=False)
    for runtime in trio():
        _project(tmp_path / "src", runtime.name)
        _project(tmp_path / "src", runtime.name + "-twin")
    status = main(["--confdir", str(registry), "backend-requires", "--srcdir",
                   str(tmp_path / "src")])
    out, err = capsys.readouterr()
    assert status == 0, err
    expected = []
    for runtime in trio():
        expected += [item for item in expected_dynback(runtime) if item not in expected]
        assert (f"rpm-pyconfig: {runtime.name}: the build backend 'dynback_backend' adds "
                f"{', '.join(expected_dynback(runtime))}\n") in err
    assert out.splitlines() == expected
    assert "dynback:" not in out + err


# -- real rpmbuild ----------------------------------------------------------------------------

def rpm_test(test: _Test) -> _Test:
    from tests.test_specgen import rpm_test as marked

    return marked(test)


def _sdist(project: Path, sources: Path) -> Path:
    """The fixture's sdist, made by its own in-tree backend (backend-path) on the system
    Python, offline."""
    from tests.test_specgen import SOURCE_DATE_EPOCH, SYSTEM_PYTHON

    sources.mkdir(parents=True, exist_ok=True)
    work = sources / "work" / project.name
    shutil.copytree(project, work)
    script = ("import sys; sys.path.insert(0, '_backend'); import dynback_backend; "
              "print(dynback_backend.build_sdist(sys.argv[1]))")
    built = subprocess.run([SYSTEM_PYTHON, "-c", script, str(sources)], cwd=work,
                           env={"PATH": "/usr/bin:/bin", "HOME": str(sources),
                                "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH},
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr[-3000:]
    return sources / built.stdout.strip().splitlines()[-1]


def _stub_answers(dependencies: list[str]) -> tuple[list[str], list[str]]:
    from tests.test_specgen import _stub_answers as answers

    return answers(dependencies)


def _rpmbuild_setup(tmp_path: Path, project: Path) -> tuple[dict[str, str], Path, Path,
                                                              list[str]]:
    """The dynamic spec of *project*'s sdist, an rpm database of the test's own that has only
    a stub of rpm-pyconfig (its static BuildRequires), and rpmbuild's arguments for both:
    (environment, topdir, database, arguments)."""
    from tests.chainproof import build_stub

    registry = probe_registry(tmp_path / "registry")
    sdist = _sdist(project, tmp_path / "sources")
    env = tool_env(registry)
    spec = tmp_path / "python-dynback.spec"
    made = run([str(TOOL_BIN / "rpm-pyconfig"), "spec", str(sdist), "-o", str(spec)], env)
    assert made.returncode == 0, made.stderr
    topdir, db = tmp_path / "top", tmp_path / "rpmdb"
    common = rpmbuild_options(topdir, sdist.parent, db, spec)
    assert run(["rpm", "--initdb", "--dbpath", str(db)], env).returncode == 0
    done = run(["rpm", "-i", "--justdb", "--nodeps", "--dbpath", str(db),
                str(build_stub("static-stub", ["rpm-pyconfig"], [], tmp_path / "s1"))], env)
    assert done.returncode == 0, done.stderr
    return env, topdir, db, common


@rpm_test
def test_rpmbuild_installs_what_the_backend_adds(tmp_path: Path) -> None:
    """rpmbuild -br of the dynamic spec: the buildreqs package names, per runtime, pip and
    setuptools (the static list) and what the backend added; once an rpm database of the
    test's own has them all, -br exits 0 and -ba builds without --nodeps."""
    from tests.chainproof import build_stub

    env, topdir, db, common = _rpmbuild_setup(tmp_path, DYNBACK)

    missing = run(["rpmbuild", "-br", *common], env)
    assert missing.returncode == 11, missing.stderr[-3000:]
    (nosrc,) = (topdir / "SRPMS").glob("*.buildreqs.nosrc.rpm")
    generated = [item for item in rpm_query(nosrc, "--requires")
                 if not item.startswith("rpmlib(") and item != "rpm-pyconfig"]
    expected: list[str] = []
    for runtime in trio():
        prefix = requires_prefix(runtime)
        for item in [f"{prefix}dist(pip)", f"{prefix}dist(setuptools) >= 61",
                     *expected_dynback(runtime)]:
            if item not in expected:
                expected.append(item)
        assert (f"rpm-pyconfig: {runtime.name}: the build backend 'dynback_backend' adds "
                f"{', '.join(expected_dynback(runtime))}") in missing.stderr
    assert sorted(generated) == sorted(expected)
    assert "dynback:" not in missing.stdout + missing.stderr  # the backend's stdout: nowhere
    nosrc.unlink()

    provides, files = _stub_answers(generated)
    done = run(["rpm", "-i", "--justdb", "--nodeps", "--dbpath", str(db),
                str(build_stub("generated-stub", provides, files, tmp_path / "s2"))], env)
    assert done.returncode == 0, done.stderr
    complete = run(["rpmbuild", "-br", *common], env)
    assert complete.returncode == 0, complete.stderr[-3000:]
    built = run(["rpmbuild", "-ba", *common], env)  # no --nodeps: the database has them all
    assert built.returncode == 0, built.stderr[-3000:]
    names = sorted(path.name.rsplit("-", 2)[0] for path in (topdir / "RPMS").glob("*/*.rpm"))
    assert names == sorted(f"{runtime.package_prefix}-dynback" for runtime in trio())


HOSTILE_BACKEND = """\
import os, sys
from setuptools.build_meta import *

def get_requires_for_build_wheel(config_settings=None):
    payload = "%{{lua:os.execute('touch {marker}')}}$(touch {marker})"
    print(payload)
    os.write(1, (payload + "\\n").encode())
    os.write(2, (payload + "\\n").encode())
    return {answer}
"""


@rpm_test
@pytest.mark.parametrize("answer", ["['ok-dist>=1']", "['ok-dist', payload]",
                                    "['x===' + payload.replace(' ', '')]"])
def test_rpmbuild_never_reads_the_backend_as_spec_text(tmp_path: Path, answer: str) -> None:
    """A backend that prints rpm and shell syntax on its stdout and stderr: none of it
    reaches rpm (the buildreqs package holds only converted requirements); an answer that is
    no requirement stops rpmbuild -br with the tool's message, not an empty list; nothing
    in it ever runs."""
    marker = tmp_path / "MARKER"
    project = _project(tmp_path, "dynback-1.0", HOSTILE_BACKEND.format(marker=marker,
                                                                      answer=answer))
    registry = probe_registry(tmp_path / "registry")
    sdist = _sdist(project, tmp_path / "sources")
    env = tool_env(registry)
    spec = tmp_path / "python-dynback.spec"
    made = run([str(TOOL_BIN / "rpm-pyconfig"), "spec", str(sdist), "-o", str(spec),
                "--only", trio()[0].name], env)
    assert made.returncode == 0, made.stderr
    topdir = tmp_path / "top"
    generated = run(["rpmbuild", "-br", "--nodeps", *macros_options(),
                     "--define", f"_topdir {topdir}", "--define", f"_sourcedir {sdist.parent}",
                     str(spec)], env)
    assert not marker.exists(), "a payload ran"
    prefix = requires_prefix(trio()[0])
    if answer == "['ok-dist>=1']":
        assert generated.returncode == 11, generated.stderr[-3000:]
        (nosrc,) = (topdir / "SRPMS").glob("*.buildreqs.nosrc.rpm")
        requires = rpm_query(nosrc, "--requires")
        assert f"{prefix}dist(ok-dist) >= 1" in requires
        assert not [item for item in requires if "lua" in item or "touch" in item]
        return
    assert generated.returncode == 1, generated.stderr[-3000:]
    assert "rpm-pyconfig: " in generated.stderr
    assert "get_requires_for_build_wheel of 'dynback_backend'" in generated.stderr
    assert ("invalid requirement" in generated.stderr
            or "as an RPM dependency" in generated.stderr)
    assert "Bad exit status from" in generated.stderr
    assert not list((topdir / "SRPMS").glob("*.nosrc.rpm"))



def test_setup_requires_of_a_setuptools_project(tmp_path: Path) -> None:
    """The classic case: setup.py's setup_requires, which only setuptools' hook reports (the
    project has no pyproject.toml: PEP 517's legacy setuptools backend)."""
    for runtime in trio():
        project = tmp_path / runtime.name
        project.mkdir()
        (project / "setup.py").write_text(
            "from setuptools import setup\n"
            "setup(name='legacyreq', version='1.0', py_modules=[],\n"
            "      setup_requires=['setuptools-rust>=1.5; implementation_name == \"cpython\"'])\n",
            encoding="utf-8")
        answer = backend_requires(runtime, str(project))
        assert answer.backend == "setuptools.build_meta:__legacy__"
        prefix = requires_prefix(runtime)
        expected = [f"{prefix}dist(setuptools-rust) >= 1.5"] if (
            runtime.implementation == "cpython") else []
        if setuptools_adds_wheel(runtime):
            expected.append(f"{prefix}dist(wheel)")
        assert answer.dependencies == sorted(expected), runtime.name


@rpm_test
def test_waiting_for_what_rpm_already_provides_is_an_error(tmp_path: Path) -> None:
    """rpm's database provides a [build-system] requirement the runtimes' importlib does
    not see: rpm would never rerun the section, so rpmbuild -br stops, naming both views
    (the database reaches the tool as %{_dbpath}, defined on rpmbuild's command line).
    Without that package, or without any database, the runtimes wait as before (exit 11)."""
    from tests.chainproof import build_stub

    requires = '"setuptools>=61", "not-installed-anywhere>=1"'
    project = _project(tmp_path / "p", "dynback-1.0", requires=requires)
    for runtime in trio():
        copy = _project(tmp_path / "src", runtime.name, requires=requires)
        nodb = backend_requires(runtime, str(copy), rpm_dbpath=str(tmp_path / "no-such-db"))
        assert nodb.waiting == ["not-installed-anywhere>=1"]
    env, _, db, common = _rpmbuild_setup(tmp_path, project)
    waiting = run(["rpmbuild", "-br", *common], env)
    assert waiting.returncode == 11, waiting.stderr[-3000:]
    assert "is asked once these are installed: not-installed-anywhere>=1" in waiting.stderr

    provides = [f"{requires_prefix(runtime)}dist(not-installed-anywhere) = 2"
                for runtime in trio()]
    done = run(["rpm", "-i", "--justdb", "--nodeps", "--dbpath", str(db),
                str(build_stub("fake-provider", provides, [], tmp_path / "s2"))], env)
    assert done.returncode == 0, done.stderr
    stuck = run(["rpmbuild", "-br", *common], env)
    assert stuck.returncode not in (0, 11), stuck.stderr[-3000:]
    first = trio()[0]
    assert (f"rpm's database ({db}) has {requires_prefix(first)}dist(not-installed-anywhere) "
            f">= 1 (provided by fake-provider-1-1.") in stuck.stderr, stuck.stderr[-3000:]
    assert (f"but {first.interpreter}'s importlib.metadata finds no not-installed-anywhere: "
            "not-installed-anywhere>=1 would never be met") in stuck.stderr
    # rpm compares the versions: a provided 2 does not meet >= 3, so that runtime waits.
    newer = _project(tmp_path / "newer", first.name, requires='"not-installed-anywhere>=3"')
    answer = backend_requires(first, str(newer), rpm_dbpath=str(db))
    assert answer.waiting == ["not-installed-anywhere>=3"]
    met = _project(tmp_path / "met", first.name, requires='"not-installed-anywhere>=2"')
    with pytest.raises(MetadataError, match=r"provided by fake-provider-1-1\."):
        backend_requires(first, str(met), rpm_dbpath=str(db))
    # Ranges and exclusions are rich dependencies of simple ones, asked term by term.
    for requires, stuck_too in (("not-installed-anywhere>=1,<3", True),
                                ("not-installed-anywhere>=1,<2", False),
                                ("not-installed-anywhere!=2", False),
                                ("not-installed-anywhere!=1.5", True)):
        copy = _project(tmp_path / "rich", f"{first.name}-{len(requires)}-{stuck_too}",
                        requires=f'"{requires}"')
        if stuck_too:
            with pytest.raises(MetadataError, match=r"provided by fake-provider-1-1\."):
                backend_requires(first, str(copy), rpm_dbpath=str(db))
        else:
            answer = backend_requires(first, str(copy), rpm_dbpath=str(db))
            assert answer.waiting == [str(Requirement(requires))], requires
