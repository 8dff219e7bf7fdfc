"""Tests of rpm_pyconfig.chain: order and cycles, then the fixture chain built for real.

The integration tests build tests/data/chain's eight projects with ``rpm-pyconfig chain``
(real rpmbuild, the probed interpreters of this machine), prove with dnf that the top
package installs with every requirement resolved (tests/chainproof.py), rerun the chain
(everything kept), reuse its repository, and stop at a broken project.  About five minutes
on two busy cores.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from rpm_pyconfig.chain import CycleError, Step, plan
from rpm_pyconfig.cli import main
from rpm_pyconfig.dependencies import dist_name, requires_prefix
from rpm_pyconfig.registry import load_registry
from rpm_pyconfig.resolving import ChainProject, Closure, LocalSdists, Provided, resolve
from rpm_pyconfig.runtime import Runtime
from tests.chainfixtures import CHAIN_DATA, make_sdist, make_sdists
from tests.chainproof import own_build, prove
from tests.rpmtools import (
    MACROS,
    TOOL_BIN,
    have_rpm_tools,
    require,
    rpm_query,
    run,
    tool_env,
)

# -- order ------------------------------------------------------------------------------------


def _closure(sdists: Path, runtimes: list[Runtime]) -> Closure:
    provided = Provided()
    for runtime in runtimes:  # the names the specs require: python3.11dist(setuptools)
        provided.add(dist_name("setuptools", runtime), "66.1.1",
                     f"{runtime.package_prefix}-setuptools", "test")
    return resolve(["chainfix-top"], runtimes, LocalSdists(sdists), provided=provided)


@pytest.fixture(scope="module")
def sdists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sdists(tmp_path_factory.mktemp("sdists"))


@pytest.fixture
def runtimes(cpython: Runtime, cpython_debug: Runtime, pypy: Runtime) -> list[Runtime]:
    return [cpython, cpython_debug, pypy]


def test_plan_bootstraps_the_run_time_cycle(sdists: Path, runtimes: list[Runtime]) -> None:
    steps = plan(_closure(sdists, runtimes))
    names: list[str] = [step.name for step in steps]
    # Every build after what it needs; ping first without %check, pong, ping again.
    assert steps[names.index("chainfix-ping"):names.index("chainfix-ping") + 3] == [
        Step(canonicalize_name("chainfix-ping"), bootstrap=True),
        Step(canonicalize_name("chainfix-pong")),
        Step(canonicalize_name("chainfix-ping")),
    ]
    assert names[-1] == "chainfix-top"
    assert names.index("chainfix-backend") < names.index("chainfix-top")
    assert names.index("chainfix-base") < names.index("chainfix-mid") < names.index("chainfix-top")
    assert names.index("chainfix-fancy") < names.index("chainfix-top")
    assert len(steps) == 9


def test_plan_refuses_a_build_requirement_cycle(sdists: Path, runtimes: list[Runtime]) -> None:
    closure = _closure(sdists, runtimes)
    # Make the backend need the top project to build: no bootstrap can break that.
    backend = closure.projects[canonicalize_name("chainfix-backend")]
    backend.needs[canonicalize_name("chainfix-top")] = "build"
    with pytest.raises(CycleError) as raised:
        plan(closure)
    assert str(raised.value) == (
        "dependency cycle through build requirements, no bootstrap possible: "
        "chainfix-backend -(build)-> chainfix-top -(build)-> chainfix-backend"
    )


def test_plan_of_independent_projects_is_sorted(sdists: Path, runtimes: list[Runtime]) -> None:
    closure = _closure(sdists, runtimes)
    base = closure.projects[canonicalize_name("chainfix-base")]
    only = Closure({base.name: base, **{
        name: ChainProject(name=name, sdist=base.sdist, metadata=base.metadata)
        for name in (canonicalize_name("zz"), canonicalize_name("aa"))
    }}, [], [base.name])
    assert [step.name for step in plan(only)] == ["aa", "chainfix-base", "zz"]


# -- the fixture chain, built -----------------------------------------------------------------

needs_tools = pytest.mark.skipif(
    not (have_rpm_tools() and shutil.which("createrepo_c") and shutil.which("dnf")),
    reason="rpmbuild, createrepo_c and dnf are needed",
)


class Built:
    def __init__(self, directory: Path, registry: Path, status: int, out: str, err: str) -> None:
        self.directory = directory
        self.registry = registry
        self.status = status
        self.out = out
        self.err = err
        self.runtimes = load_registry([str(registry)], explicit=True).runtimes


def _chain(arguments: list[str], registry: Path, capsys: pytest.CaptureFixture[str]
           ) -> tuple[int, str, str]:
    status = main(["--confdir", str(registry), "chain", "--macros", str(MACROS), *arguments])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This machine's runtimes, probed (never a fixed list)."""
    directory = tmp_path_factory.mktemp("registry")
    completed = run([str(TOOL_BIN / "rpm-pyconfig"), "probe", "--all", "--write", str(directory)],
                    tool_env(None))
    assert completed.returncode == 0, completed.stderr
    return directory


@pytest.fixture(scope="module")
def built(
    sdists: Path, registry: Path, tmp_path_factory: pytest.TempPathFactory
) -> Built:
    directory = tmp_path_factory.mktemp("chain") / "chain"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([
            "--confdir", str(registry), "chain", "--macros", str(MACROS), "--no-rpmdb",
            "--sdists", str(sdists), "-o", str(directory), "chainfix-top",
        ])
    return Built(directory, registry, status, out.getvalue(), err.getvalue())


@pytest.mark.rpm
@needs_tools
def test_chain_builds_everything_in_order(built: Built) -> None:
    assert built.status == 0, built.err
    report = json.loads((built.directory / "report.json").read_text(encoding="utf-8"))
    rows = [(item["package"], item["result"]) for item in report["results"]]
    assert rows[-4:] == [
        ("chainfix-ping", "bootstrap"), ("chainfix-pong", "built"),
        ("chainfix-ping", "built"), ("chainfix-top", "built"),
    ]
    assert {name for name, _ in rows} == {
        "chainfix-backend", "chainfix-base", "chainfix-cpy", "chainfix-fancy", "chainfix-mid",
        "chainfix-ping", "chainfix-pong", "chainfix-top",
    }
    assert all(result in {"built", "bootstrap"} for _, result in rows)
    for item in report["results"]:
        assert Path(item["log"]).is_file()
        assert Path(item["srpm"]).is_file()
    # Progress per package on stderr, the table on stdout.
    assert "[9/9] chainfix-top 1.0: built in" in built.err
    assert built.out.startswith("PACKAGE ")
    assert (built.directory / "repo" / "repodata" / "repomd.xml").is_file()
    # Nothing in the root but what the chain installed.
    assert sorted(p.name for p in (built.directory / "root").iterdir()) == ["usr", "var"]


@pytest.mark.rpm
@needs_tools
def test_chain_markers_and_build_dependencies(built: Built) -> None:
    repo = built.directory / "repo"
    rpms = {p.name.rsplit("-1.0-", 1)[0]: p for p in repo.rglob("*.rpm")}
    cpython = [r for r in built.runtimes if r.implementation == "cpython"]
    others = [r for r in built.runtimes if r.implementation != "cpython"]
    # chainfix-cpy is built for the CPython runtimes only: a marker says only they need it.
    for runtime in cpython:
        assert f"{runtime.package_prefix}-chainfix-cpy" in rpms
        requires = rpm_query(rpms[f"{runtime.package_prefix}-chainfix-top"], "--requires")
        assert f"{requires_prefix(runtime)}dist(chainfix-cpy)" in requires
        assert f"{requires_prefix(runtime)}dist(chainfix-mid[fancy]) >= 1" in requires
    for runtime in others:
        assert f"{runtime.package_prefix}-chainfix-cpy" not in rpms
        requires = rpm_query(rpms[f"{runtime.package_prefix}-chainfix-top"], "--requires")
        assert not [line for line in requires if "chainfix-cpy" in line]
    # The SRPM declares the build backend plugin and what %check imports.
    srpm = next(repo.glob("SRPMS/python-chainfix-top-*.src.rpm"))
    build_requires = rpm_query(srpm, "--requires")
    for runtime in built.runtimes:
        assert f"{requires_prefix(runtime)}dist(chainfix-backend)" in build_requires
        assert f"{requires_prefix(runtime)}dist(chainfix-ping)" in build_requires
    # The backend plugin built in the chain is the one that built chainfix-top.
    default = next(r for r in built.runtimes if r.default)
    files = rpm_query(rpms[f"{default.package_prefix}-chainfix-top"], "--list")
    assert any(line.endswith("/chainfix_top/built_by.py") for line in files)


@pytest.mark.rpm
@needs_tools
def test_dnf_installs_the_top_package_without_nodeps(built: Built, tmp_path: Path) -> None:
    said = prove(
        built.runtimes, built.directory / "repo", tmp_path, ["chainfix-top"],
        ["chainfix_top", "chainfix_cpy@cpython"],
    )
    root = tmp_path / "root"
    assert said[0].startswith("dnf installed ")
    for runtime in built.runtimes:
        assert f"{runtime.name}: import chainfix_top -> {root}" in "\n".join(said)
    # The check the proof makes of extension modules: the file's package must be one built for
    # the runtime (it provides what the runtime requires), never another runtime's.
    default = next(r for r in built.runtimes if r.default)
    other = next(r for r in built.runtimes if requires_prefix(r) != requires_prefix(default))
    owned = f"{root}{default.purelib}/chainfix_top/__init__.py"
    assert own_build(default, root, owned) == f"{default.package_prefix}-chainfix-top"
    with pytest.raises(AssertionError, match=r"a package built for another runtime"):
        own_build(other, root, owned)
    for runtime in built.runtimes:
        completed = subprocess.run(
            [runtime.interpreter, "-S", "-c", "import chainfix_top; print(chainfix_top.VALUE)"],
            env={"PYTHONPATH": f"{root}{runtime.purelib}:{root}{runtime.platlib}"},
            capture_output=True, text=True, check=True, cwd="/",
        )
        cpy = "'cpy'" if runtime.implementation == "cpython" else "None"
        assert completed.stdout.strip() == (
            f"('mid+base', 'fancy+base', 'pong', {cpy}, 'chainfix-backend')"
        )


@pytest.mark.rpm
@needs_tools
def test_chain_resumes_and_reuses(
    built: Built, sdists: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _chain(
        ["--no-rpmdb", "--sdists", str(sdists), "-o", str(built.directory), "chainfix-top"],
        built.registry, capsys,
    )
    assert status == 0, err
    assert "[1/9]" in err and "already built (full), kept" in err
    report = json.loads((built.directory / "report.json").read_text(encoding="utf-8"))
    assert {item["result"] for item in report["results"]} == {"kept"}
    # Another chain that the first one's repository already satisfies builds nothing.
    status, out, err = _chain(
        ["--no-rpmdb", "--repo", str(built.directory / "repo"), "--sdists", str(sdists),
         "-o", str(built.directory.parent / "again"), "--plan", "chainfix-mid[fancy]"],
        built.registry, capsys,
    )
    assert status == 0, err
    assert out == ""
    default = next(r for r in built.runtimes if r.default)
    assert (f"rpm-pyconfig: reused chainfix-mid[fancy] [{default.name}]: "
            f"{default.package_prefix}-chainfix-mid (repository {built.directory / 'repo'})"
            ) in err


def _one_project_sdist(tmp_path: Path, name: str, requires_dist: str, backend: str) -> Path:
    """A directory holding the sdist of chainfix-NAME 1.0: PKG-INFO with one Requires-Dist,
    pyproject.toml naming the build backend *backend*."""
    project = tmp_path / "src" / f"chainfix_{name}-1.0"
    (project / f"chainfix_{name}").mkdir(parents=True)
    (project / f"chainfix_{name}" / "__init__.py").write_text("", encoding="utf-8")
    (project / "PKG-INFO").write_text(
        f"Metadata-Version: 2.1\nName: chainfix-{name}\nVersion: 1.0\nSummary: {name}\n"
        f"License: MIT\nRequires-Dist: {requires_dist}\n\n", encoding="utf-8",
    )
    (project / "pyproject.toml").write_text(
        f'[build-system]\nrequires = []\nbuild-backend = "{backend}"\n', encoding="utf-8"
    )
    sdists = tmp_path / "sdists"
    make_sdist(project, sdists)
    return sdists


@pytest.mark.rpm
@needs_tools
def test_chain_stops_at_a_failure(
    built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sdists = _one_project_sdist(tmp_path, "broken", "chainfix-base", "no_such_backend")
    status, _, err = _chain(
        ["--no-rpmdb", "--repo", str(built.directory / "repo"), "--sdists", str(sdists),
         "-o", str(tmp_path / "chain"), "chainfix-broken"],
        built.registry, capsys,
    )
    log = tmp_path / "chain" / "logs" / "chainfix-broken.log"
    assert status == 1
    # %generate_buildrequires asks the backend before anything is built, and stops there
    assert f"rpm-pyconfig: chainfix-broken: failed in %generate_buildrequires; log: {log}\n" \
        in err
    assert ("the build backend 'no_such_backend' run by " in log.read_text(encoding="utf-8"))
    assert "ModuleNotFoundError: No module named 'no_such_backend'" in log.read_text(
        encoding="utf-8")
    report = (tmp_path / "chain" / "report.txt").read_text(encoding="utf-8")
    assert "chainfix-broken  1.0" in report and "FAILED (%generate_buildrequires)" in report


@pytest.mark.rpm
@needs_tools
def test_a_marker_no_runtime_can_evaluate_stops_the_chain_with_its_origin(
    built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The closure's walk evaluates every marker for each runtime: one that cannot be is
    named with the sdist, the field, the requirement and the runtime, before any build."""
    sdists = _one_project_sdist(tmp_path, "unevaluable", "chainfix-base; python_version ~= '3'",
                                "setuptools.build_meta")
    status, out, err = _chain(
        ["--no-rpmdb", "--repo", str(built.directory / "repo"), "--sdists", str(sdists),
         "-o", str(tmp_path / "chain"), "chainfix-unevaluable"],
        built.registry, capsys,
    )
    first = built.runtimes[0]
    assert (status, out) == (1, "")
    message = err.splitlines()[-1]
    prefix = (f"rpm-pyconfig: {sdists}/chainfix_unevaluable-1.0.tar.gz/chainfix_unevaluable-1.0/"
              "PKG-INFO Requires-Dist: cannot evaluate the marker of requirement "
              "'chainfix-base; python_version ~= \"3\"': ")
    assert message.startswith(prefix), err
    assert message.endswith(f" (evaluated for runtime {first.name}, {first.implementation} "
                            f"{first.version})"), err
    assert not (tmp_path / "chain" / "specs").exists() or \
        list((tmp_path / "chain" / "specs").iterdir()) == []


@pytest.mark.rpm
@needs_tools
def test_a_project_built_again_leaves_no_earlier_packages(
    registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same chain directory, chainfix-base 1.0 then 1.1: the repository keeps only 1.1's
    packages and SRPM (dnf would otherwise still see 1.0's), and says so."""
    def version_of(text: str, version: str) -> str:
        return text.replace("Version: 1.0\n", f"Version: {version}\n").replace(
            'version = "1.0"', f'version = "{version}"')

    directory = tmp_path / "chain"
    repo = directory / "repo"
    for version in ("1.0", "1.1"):
        project = tmp_path / version / f"chainfix_base-{version}"
        shutil.copytree(CHAIN_DATA / "chainfix_base-1.0", project)
        for name in ("PKG-INFO", "pyproject.toml"):
            path = project / name
            path.write_text(version_of(path.read_text(encoding="utf-8"), version),
                            encoding="utf-8")
        sdists = tmp_path / f"sdists-{version}"
        make_sdist(project, sdists)
        status, _, err = _chain(["--no-rpmdb", "--sdists", str(sdists), "-o", str(directory),
                                 "chainfix-base"], registry, capsys)
        assert status == 0, err
    packages = sorted(path.name for path in repo.rglob("*.rpm"))
    assert packages and all("-1.1-" in name for name in packages), packages
    runtimes = load_registry([str(registry)], explicit=True).runtimes
    assert len(packages) == len(runtimes) + 1  # one per runtime, and the SRPM
    assert (f"chainfix-base 1.1: removed {len(runtimes) + 1} package(s) of its earlier build "
            "from the repository") in err
    # (no repository of the machine's, a cache of the test's own; one line each with dnf 4
    # and dnf 5, whose --qf adds no newline)
    listed = subprocess.run(["dnf", "repoquery", "-q", "--releasever", "1",
                             "--setopt=reposdir=/dev/null",
                             f"--setopt=cachedir={tmp_path / 'cache'}",
                             f"--repofrompath=chain,{repo}", "--nogpgcheck",
                             "--qf", "%{name}-%{version}\n"],
                            capture_output=True, text=True, check=False)
    assert listed.returncode == 0, listed.stderr
    assert sorted(set(listed.stdout.split())) == sorted(
        {f"{runtime.package_prefix}-chainfix-base-1.1" for runtime in runtimes}
        | {"python-chainfix-base-1.1"}), listed.stdout


_PHASE_SPEC = """Name: phase
Version: 1
Release: 1
Summary: s
License: MIT
BuildArch: noarch
%description
d
%install
mkdir -p %{buildroot}/usr/share/phase
touch %{buildroot}/usr/share/phase/made
"""


@pytest.mark.rpm
@pytest.mark.parametrize("rest, phase", [
    ("%check\nexit 3\n%files\n/usr/share/phase\n", "%check"),
    ("%check\ntrue\n%files\n/usr/share/phase\n/usr/share/missing\n",
     "making the packages (%files)"),
    ("%check\ntrue\n%files\n", "the check for unpackaged files"),
    ("%files\n/usr/share/phase\n%description -n no-such-package\nd\n", "spec parsing"),
], ids=["check", "files", "unpackaged", "parsing"])
def test_a_failed_build_names_the_phase_rpmbuild_was_in(
    rest: str, phase: str, tmp_path: Path
) -> None:
    """A chain's report names where rpmbuild stopped, from its real output: a missing file
    of a %files list or an unpackaged file fails after %check, not in it."""
    from rpm_pyconfig.chain import _failed_phase

    require("rpmbuild", have_rpm_tools())
    spec = tmp_path / "phase.spec"
    spec.write_text(_PHASE_SPEC + rest, encoding="utf-8")
    built = subprocess.run(
        ["rpmbuild", "-bb", "--define", f"_topdir {tmp_path / 'top'}", str(spec)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
    )
    assert built.returncode != 0, built.stdout
    assert _failed_phase(built.stdout) == phase, built.stdout


def test_chain_directory_must_be_plain(
    sdists: Path, runtimes: list[Runtime], tmp_path: Path
) -> None:
    from rpm_pyconfig.chain import ChainSettings, build_chain
    from rpm_pyconfig.errors import PyConfigError

    closure = _closure(sdists, runtimes)
    hostile = tmp_path / 'x"$(touch pwned)'
    with pytest.raises(PyConfigError) as raised:
        build_chain(closure, plan(closure), ChainSettings(directory=hostile))
    assert str(raised.value) == (
        f"chain directory {str(hostile)!r}: only letters, digits and . _ + - / @ = , are "
        "allowed (it is written into rpm macros and shell commands)"
    )
    assert not hostile.exists()


@pytest.mark.parametrize(("state", "said"), [
    ({"chainfix-top": "x"}, "chainfix-top: not a state of this tool ('x')"),
    ({"chainfix-top": {"changelog_date": "not-a-date"}},
     "chainfix-top: not a state of this tool (changelog_date 'not-a-date')"),
    ("[" * 100000, None),
], ids=["entry", "date", "nested"])
def test_a_broken_state_file_is_named_not_a_traceback(
    sdists: Path, runtimes: list[Runtime], tmp_path: Path, state: object, said: str | None
) -> None:
    """state.json is read on every run: an entry that is no object, a changelog date that is
    none, and arrays nested past the json module's recursion stopped the chain with a
    traceback (AttributeError, ValueError, RecursionError; found by an audit)."""
    from rpm_pyconfig.chain import ChainSettings, build_chain
    from rpm_pyconfig.errors import PyConfigError

    closure = _closure(sdists, runtimes)
    directory = tmp_path / "chain"
    directory.mkdir()
    path = directory / "state.json"
    path.write_text(state if isinstance(state, str) else json.dumps(state), encoding="utf-8")
    with pytest.raises(PyConfigError) as raised:
        build_chain(closure, plan(closure), ChainSettings(directory=directory))
    if said is None:
        assert str(raised.value).startswith(f"{path}: unreadable (maximum recursion depth")
    else:
        assert str(raised.value) == f"{path}: {said}"


def test_a_report_nested_past_the_json_recursion_is_not_a_chain_report(
    sdists: Path, runtimes: list[Runtime], tmp_path: Path
) -> None:
    """--rebuild-from with a report of deeply nested arrays: a traceback (RecursionError)
    before, found by an audit."""
    from rpm_pyconfig.chain import srpms_from_report
    from rpm_pyconfig.errors import PyConfigError

    report = tmp_path / "report.json"
    report.write_text("[" * 100000, encoding="utf-8")
    with pytest.raises(PyConfigError, match=r"report\.json: not a chain report \(maximum "):
        srpms_from_report(report, _closure(sdists, runtimes))


def test_a_report_that_is_no_regular_file_is_refused_unread(
    sdists: Path, runtimes: list[Runtime], tmp_path: Path
) -> None:
    """--rebuild-from FIFO waited for a writer forever (found by an audit); a directory is
    named too."""
    from rpm_pyconfig.chain import srpms_from_report
    from rpm_pyconfig.errors import PyConfigError

    fifo = tmp_path / "report.json"
    os.mkfifo(fifo)

    def blocked(*_: object) -> None:
        raise TimeoutError("reading the report blocked on the FIFO")

    previous = signal.signal(signal.SIGALRM, blocked)  # a hang fails the test, not CI's clock
    signal.alarm(20)
    try:
        with pytest.raises(PyConfigError, match=r"report\.json: not a chain report \(.*"
                           r"report\.json: not a regular file\)"):
            srpms_from_report(fifo, _closure(sdists, runtimes))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    with pytest.raises(PyConfigError, match=r": a directory\)$"):
        srpms_from_report(tmp_path, _closure(sdists, runtimes))


@pytest.mark.rpm
@needs_tools
def test_a_state_naming_packages_outside_the_repository_keeps_nothing(
    sdists: Path, registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """state.json said which packages stand for a build: one naming RPMs outside the chain's
    repository had them installed into its root and reported as kept (found by an audit).
    Now such a build is not kept: it is built again, into the repository."""
    directory = tmp_path / "chain"
    arguments = ["--no-rpmdb", "--sdists", str(sdists), "-o", str(directory), "chainfix-base"]
    status, _, err = _chain(arguments, registry, capsys)
    assert status == 0, err
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(directory / "repo", elsewhere)
    path = directory / "state.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    entry = state["chainfix-base"]
    repo = str(directory / "repo")
    entry["rpms"] = [name.replace(repo, str(elsewhere)) for name in entry["rpms"]]
    entry["srpm"] = entry["srpm"].replace(repo, str(elsewhere))
    path.write_text(json.dumps(state), encoding="utf-8")
    status, _, err = _chain(arguments, registry, capsys)
    assert status == 0, err
    assert "already built" not in err
    results = json.loads((directory / "report.json").read_text(encoding="utf-8"))["results"]
    assert [item["result"] for item in results] == ["built"]
    assert all(name.startswith(repo + "/") for name in [*results[0]["rpms"], results[0]["srpm"]])


@pytest.mark.rpm
@needs_tools
def test_a_macros_path_rpm_would_expand_is_refused(
    registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """rpmbuild expands macros in its --macros value: a chain given a macros file under a
    directory named ``m%(touch MARKER)`` ran the command (found by an audit; rpm 4.18).
    Refused before rpmbuild runs, naming the option and the value."""
    marker = tmp_path / "MARKER"
    hostile = Path(f"{tmp_path}/m%(touch {marker})") / "macros.pyconfig"
    hostile.parent.mkdir(parents=True)
    shutil.copyfile(MACROS, hostile)
    project = tmp_path / "src" / "chainfix_plain-1.0"
    (project / "chainfix_plain").mkdir(parents=True)
    (project / "chainfix_plain" / "__init__.py").write_text("", encoding="utf-8")
    (project / "PKG-INFO").write_text(
        "Metadata-Version: 2.2\nName: chainfix-plain\nVersion: 1.0\nSummary: plain\n"
        "License: MIT\n\n", encoding="utf-8",
    )
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
        encoding="utf-8",
    )
    sdists = tmp_path / "sdists"
    make_sdist(project, sdists)
    status = main(["--confdir", str(registry), "chain", "--macros", str(hostile), "--no-rpmdb",
                   "--sdists", str(sdists), "-o", str(tmp_path / "chain"), "chainfix-plain"])
    err = capsys.readouterr().err
    assert not marker.exists(), "rpmbuild ran the %(...) of the --macros path"
    assert status == 1, err
    assert (f"--macros {str(hostile)!r}: only letters, digits and . _ + - / @ = , are allowed "
            "(rpmbuild --macros expands macros and globs in it)") in err
    assert not (tmp_path / "chain" / "logs").exists()


@pytest.mark.rpm
@needs_tools
def test_rpm_database_provides(built: Built) -> None:
    """What an rpm database holds counts as provided: here, the chain's own root."""
    provided = Provided.from_rpmdb(root=str(built.directory / "root"), dbpath="/var/lib/rpm")
    default = next(r for r in built.runtimes if r.default)
    assert provided.match(f"{default.dist_prefix}dist(chainfix-base)", SpecifierSet(">=1")) == (
        f"{default.package_prefix}-chainfix-base (rpm database of {built.directory / 'root'})"
    )
    assert provided.match(f"{default.dist_prefix}dist(chainfix-base)", SpecifierSet(">1")) is None


@pytest.mark.rpm
@needs_tools
def test_chain_rebuilds_the_srpms_of_another_chain(
    built: Built, sdists: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--rebuild-from: the same SRPMs rebuilt as they are; what the report lacks is built here.

    The report is copied elsewhere (as the farm copies the host's into a build root) and says
    chainfix-fancy was built at another version: that one gets its spec generated here.
    """
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(built.directory / "repo" / "SRPMS", elsewhere / "repo" / "SRPMS")
    report = json.loads((built.directory / "report.json").read_text(encoding="utf-8"))
    for item in report["results"]:
        if item["package"] == "chainfix-fancy":
            item["version"] = "0.9"
    (elsewhere / "report.json").write_text(json.dumps(report), encoding="utf-8")
    directory = tmp_path / "chain"
    status, _, err = _chain(
        ["--no-rpmdb", "--sdists", str(sdists), "-o", str(directory),
         "--rebuild-from", str(elsewhere / "report.json"), "chainfix-mid[fancy]"],
        built.registry, capsys,
    )
    assert status == 0, err
    assert (f"rebuilding 2 SRPMs of {elsewhere / 'report.json'}; specs generated here for 1: "
            "chainfix-fancy") in err
    results = {
        item["package"]: item
        for item in json.loads((directory / "report.json").read_text(encoding="utf-8"))["results"]
    }
    assert {name: item["result"] for name, item in results.items()} == {
        "chainfix-base": "rebuilt", "chainfix-fancy": "built", "chainfix-mid": "rebuilt",
    }
    original = {item["package"]: item for item in report["results"]}
    for name in ("chainfix-base", "chainfix-mid"):
        srpm = Path(results[name]["srpm"])
        assert srpm.parent == directory / "repo" / "SRPMS"
        assert srpm.read_bytes() == Path(original[name]["srpm"]).read_bytes()
        # The same registry here, so the same subpackages; %check ran (not a bootstrap).
        assert sorted(Path(p).name for p in results[name]["rpms"]) == sorted(
            Path(p).name for p in original[name]["rpms"])
        assert "Executing(%check)" in Path(results[name]["log"]).read_text(encoding="utf-8")
    # The repository holds every SRPM, rebuilt or not, and resolves: dnf without --nodeps.
    assert len(list((directory / "repo" / "SRPMS").glob("*.src.rpm"))) == 3
    said = prove(built.runtimes, directory / "repo", tmp_path / "proof", ["chainfix-mid"],
                 ["chainfix_mid", "chainfix_base"])
    assert len(said) == 1 + 2 * len(built.runtimes)


def test_srpms_from_report_names_what_is_wrong(
    sdists: Path, runtimes: list[Runtime], tmp_path: Path
) -> None:
    from rpm_pyconfig.chain import srpms_from_report
    from rpm_pyconfig.errors import PyConfigError

    closure = _closure(sdists, runtimes)
    report = tmp_path / "report.json"
    report.write_text("[]", encoding="utf-8")
    with pytest.raises(PyConfigError, match=r"report\.json: not a chain report"):
        srpms_from_report(report, closure)
    results = [
        {"package": "chainfix-base", "version": "1.0", "srpm": "/x/chainfix-base-1.0-1.src.rpm"},
        {"package": "chainfix-mid", "version": "0.9", "srpm": "/x/chainfix-mid-0.9-1.src.rpm"},
        {"package": "chainfix-top", "version": "1.0", "result": "FAILED (%build)", "srpm": ""},
    ]
    report.write_text(json.dumps({"results": results}), encoding="utf-8")
    with pytest.raises(PyConfigError) as raised:
        srpms_from_report(report, closure)
    assert str(raised.value) == (
        f"{report}: chainfix-base 1.0: its SRPM "
        f"{tmp_path / 'repo' / 'SRPMS' / 'chainfix-base-1.0-1.src.rpm'} is missing"
    )
    (tmp_path / "repo" / "SRPMS").mkdir(parents=True)
    (tmp_path / "repo" / "SRPMS" / "chainfix-base-1.0-1.src.rpm").write_bytes(b"")
    # Another version (mid) and a failed build (top) are not taken.
    assert srpms_from_report(report, closure) == {
        "chainfix-base": tmp_path / "repo" / "SRPMS" / "chainfix-base-1.0-1.src.rpm"
    }
