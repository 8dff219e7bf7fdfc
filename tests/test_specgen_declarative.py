"""``rpm-pyconfig spec --declarative``: rpm >= 4.20's ``BuildSystem: pyconfig``.

A file of its own (not tests/test_specgen.py) to keep the declarative form's tests together.
With the real rpm of this machine: rpm < 4.20 (Debian 12) must stop at the spec's first
lines with a message naming its version, and the generator must warn; rpm >= 4.20 (Debian 13,
unstable) builds the spec with no hand-written build section, and every runtime's command is
checked (first line, and that it runs).  scripts/declarative-proof.sh proves the latter in
the farm's rpm 4.20 and 6.1 roots from a Debian 12 machine.
"""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rpm_pyconfig.dependencies import requires_prefix
from rpm_pyconfig.errors import PyConfigError
from rpm_pyconfig.registry import load_registry
from rpm_pyconfig.runtime import Runtime
from rpm_pyconfig.specgen import declarative_problem, generate_spec
from tests.rpmtools import (
    TOOL_BIN,
    have_rpm_tools,
    macros_options,
    probe_registry,
    require,
    rpm_query,
    rpmbuild_options,
    run,
    tool_env,
)

DATA = Path(__file__).parent / "data"
PROJECT = DATA / "declarative"
FIXTURES = [DATA / "specgen" / name for name in ("pure-markers-extras", "c-extension")] + [
    PROJECT
]
#: What --declarative adds to the dynamic spec (the comment and guard block, the tag).
GUARD = '%if v"0%{?rpmversion}" < v"4.20"'
SECTIONS = ("%prep", "%build", "%install", "%check")


def rpm_version() -> tuple[int, ...]:
    answer = subprocess.run(["rpm", "--version"], capture_output=True, text=True,
                            check=True).stdout
    found = re.search(r"[0-9]+(\.[0-9]+)+", answer)
    assert found is not None, answer
    return tuple(int(part) for part in found.group(0).split("."))


def rpm_has_buildsystem() -> bool:
    return have_rpm_tools() and rpm_version()[:2] >= (4, 20)


def check_declarative(dynamic_text: str, declarative_text: str) -> None:
    """*declarative_text* is *dynamic_text* without its build sections and with only fixed
    text added: every value lands where it lands in the dynamic spec."""
    dynamic, declarative = dynamic_text.splitlines(), declarative_text.splitlines()
    start, end = dynamic.index("%prep"), dynamic.index("%changelog")
    kept = dynamic[:start] + dynamic[end:]
    added, removed = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, kept, declarative).get_opcodes():
        if tag in ("replace", "delete"):
            removed += kept[i1:i2]
        if tag in ("replace", "insert"):
            added += declarative[j1:j2]
    # blank lines move where the sections were; the comment on the generated build
    # dependencies stays (the build system writes their section)
    assert [line for line in removed if line] == []
    added = [line for line in added if line]
    assert all(line.startswith("# ") for line in added[:5])
    assert added[5:] == [
        GUARD,
        "%{error:BuildSystem: pyconfig needs rpm >= 4.20, and this is "
        "%(rpm --version 2>/dev/null || echo an older rpm): generate the spec without "
        "--declarative}",
        "%endif",
        "BuildSystem:    pyconfig",
    ]
    assert not [line for line in declarative if line.split(" ")[0] in SECTIONS]
    assert "%pyconfig_subpackages" in declarative  # the %files of every runtime


@pytest.mark.parametrize("source", FIXTURES, ids=lambda path: path.name)
def test_declarative_spec_is_the_dynamic_one_without_build_sections(source: Path) -> None:
    """So tests/test_hostile.py's proofs for dynamic specs hold for declarative ones."""
    check_declarative(generate_spec(source).text, generate_spec(source, declarative=True).text)


def test_static_and_declarative_exclude_each_other() -> None:
    with pytest.raises(PyConfigError, match="--static and --declarative exclude each other"):
        generate_spec(PROJECT, static=True, declarative=True)


def _fake_rpm(tmp_path: Path, answer: str) -> str:
    fake = tmp_path / "rpm"
    fake.write_text(f"#!/bin/sh\necho '{answer}'\n")
    fake.chmod(0o755)
    return str(fake)


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("RPM version 4.18.0", "this machine's rpm is 4.18.0, which has no BuildSystem"),
        ("RPM version 4.19.1.1", "this machine's rpm is 4.19.1.1, which has no BuildSystem"),
        ("RPM version 4.20.1", None),
        ("RPM version 6.1.0", None),
        ("no version here", "said 'no version here': the declarative spec needs rpm >= 4.20"),
    ],
)
def test_declarative_problem_names_the_rpm_found(
    tmp_path: Path, answer: str, problem: str | None
) -> None:
    found = declarative_problem(_fake_rpm(tmp_path, answer))
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_declarative_problem_without_rpm(tmp_path: Path) -> None:
    found = declarative_problem(str(tmp_path / "no-rpm"))
    assert found is not None and found.startswith(f"cannot run {tmp_path / 'no-rpm'} --version")


@pytest.mark.rpm
def test_the_command_warns_on_this_machines_rpm(tmp_path: Path) -> None:
    require("rpm", have_rpm_tools())
    made = run([str(TOOL_BIN / "rpm-pyconfig"), "spec", "--declarative", str(PROJECT),
                "-o", str(tmp_path / "x.spec")], tool_env(None))
    assert made.returncode == 0, made.stderr
    version = ".".join(map(str, rpm_version()))
    warning = (f"rpm-pyconfig: warning: this machine's rpm is {version}, which has no "
               "BuildSystem")
    assert (warning in made.stderr) == (rpm_version()[:2] < (4, 20)), made.stderr
    assert version not in (tmp_path / "x.spec").read_text()  # the spec stays host-independent


@pytest.mark.rpm
def test_declarative_spec_with_this_machines_rpm(tmp_path: Path) -> None:
    """rpm < 4.20: the spec stops rpm at its first lines, naming the version, whether or not
    the macros are loaded.  rpm >= 4.20: rpmbuild -ba builds it, every runtime's command
    starts with its interpreter and shebang_flags and runs, and the packager's
    BuildOption(install) chose the runtime that owns the unsuffixed command."""
    require("rpmbuild", have_rpm_tools())
    runtimes, env, sources, spec = _declarative_project(tmp_path)
    unversioned = runtimes[-1].name
    text = spec.read_text().replace(
        "BuildSystem:    pyconfig\n",
        f"BuildSystem:    pyconfig\nBuildOption(install): --set unversioned={unversioned}\n",
    )
    spec.write_text(text)
    top = tmp_path / "top"
    built = run(["rpmbuild", *macros_options(), "-ba", "--nodeps", "--define", f"_topdir {top}",
                 "--define", f"_sourcedir {sources}", str(spec)], env)
    version = ".".join(map(str, rpm_version()))
    if rpm_version()[:2] < (4, 20):
        assert built.returncode != 0
        assert (
            f"error: BuildSystem: pyconfig needs rpm >= 4.20, and this is RPM version "
            f"{version}: generate the spec without --declarative\n"
        ) in built.stderr, built.stderr
        bare = run(["rpmspec", "-P", str(spec)], env)  # without the macros file
        assert bare.returncode != 0
        assert f"this is RPM version {version}" in bare.stderr
        return
    assert built.returncode == 0, built.stderr[-4000:]
    root = tmp_path / "root"
    rpms = sorted(str(path) for path in (top / "RPMS").glob("*/*.rpm"))
    installed = run(["rpm", "-i", "--root", str(root), "--dbpath", "/var/lib/rpm", "--nodeps",
                     *rpms], env)
    assert installed.returncode == 0, installed.stderr
    for runtime in runtimes:
        suffix = "" if runtime.name == unversioned else (runtime.script_suffix or
                                                         f"-{runtime.name}")
        command = root / "usr" / "bin" / f"decl-demo{suffix}"
        flags = f" {runtime.shebang_flags}" if runtime.shebang_flags else ""
        assert command.read_text().splitlines()[0] == f"#!{runtime.interpreter}{flags}"
        path = f"{root}{runtime.purelib}:{root}{runtime.platlib}"
        ran = subprocess.run([str(command)], env={"PATH": "/usr/bin:/bin", "PYTHONPATH": path},
                             capture_output=True, text=True, check=False)
        s_flag, p_flag = int("s" in runtime.shebang_flags), int("P" in runtime.shebang_flags)
        assert ran.stdout == f"{runtime.implementation} {s_flag} {p_flag}\n", ran.stderr


@pytest.mark.rpm
def test_declarative_build_dependencies_are_generated(tmp_path: Path) -> None:
    """BuildSystem: pyconfig has a %generate_buildrequires section (rpm >= 4.20): the SRPM
    names no runtime, rpmbuild -br computes each runtime's pip and build backend in the
    per-runtime copies of the sources and stops with rpm's status 11 while the database
    lacks them, and rpmbuild -ba builds without --nodeps once it has them (stub packages in
    a database of the test's own stand for what apt installed, as in
    tests/test_specgen.py's dynamic test).  rpm < 4.20 stops at the version guard."""
    from tests.chainproof import build_stub
    from tests.test_backendrequires import setuptools_adds_wheel
    from tests.test_specgen import _rpmdb_install, build_with_generated_stubs

    require("rpmbuild", have_rpm_tools())
    runtimes, env, sources, spec = _declarative_project(tmp_path)
    topdir, db = tmp_path / "top", tmp_path / "rpmdb"
    common = rpmbuild_options(topdir, sources, db, spec)
    assert run(["rpm", "--initdb", "--dbpath", str(db)], env).returncode == 0
    empty = run(["rpmbuild", "-br", *common], env)
    assert empty.returncode != 0
    if rpm_version()[:2] < (4, 20):
        assert "error: BuildSystem: pyconfig needs rpm >= 4.20" in empty.stderr, empty.stderr
        return
    assert empty.returncode == 11, empty.stderr
    assert "\trpm-pyconfig is needed by " in empty.stderr

    source = run(["rpmbuild", "-bs", *common], env)
    assert source.returncode == 0, source.stderr
    (srpm,) = (topdir / "SRPMS").glob("*.src.rpm")
    requires = rpm_query(srpm, "--requires")
    assert [item for item in requires if not item.startswith("rpmlib(")] == ["rpm-pyconfig"]
    assert "rpmlib(DynamicBuildRequires) <= 4.15.0-1" in requires
    srpm.unlink()

    _rpmdb_install(db, build_stub("static-stub", ["rpm-pyconfig"], [], tmp_path / "s1"))
    missing = run(["rpmbuild", "-br", *common], env)
    assert missing.returncode == 11, missing.stderr
    nosrcs = list((topdir / "SRPMS").glob("*.buildreqs.nosrc.rpm"))
    assert len(nosrcs) == 1, missing.stderr
    (nosrc,) = nosrcs
    generated = [item for item in rpm_query(nosrc, "--requires")
                 if not item.startswith("rpmlib(") and item != "rpm-pyconfig"]
    expected: list[str] = []
    for runtime in runtimes:
        prefix = requires_prefix(runtime)
        wheel = [f"{prefix}dist(wheel)"] if setuptools_adds_wheel(runtime) else []
        for item in (f"{prefix}dist(pip)", f"{prefix}dist(setuptools)", *wheel):
            if item not in expected:
                expected.append(item)
    assert sorted(generated) == sorted(expected)
    for runtime in runtimes:  # the backend was asked in each runtime's copy of the sources
        assert (f"rpm-pyconfig: {runtime.name}: the build backend 'setuptools.build_meta' "
                "adds ") in missing.stderr, missing.stderr
    nosrc.unlink()

    built = build_with_generated_stubs(generated, db, common, env, tmp_path / "s2")
    names = sorted(path.name.rsplit("-", 2)[0] for path in (topdir / "RPMS").glob("*/*.rpm"))
    assert names == sorted(f"{runtime.package_prefix}-decl-demo" for runtime in runtimes)
    for runtime in runtimes:  # and the build system's %check ran with each
        assert (f"rpm-pyconfig: {runtime.name} ({runtime.interpreter}): imported 1 module(s) "
                "from ") in built.stderr


@pytest.mark.rpm
def test_declarative_spec_runs_the_tests_it_asks_for(tmp_path: Path) -> None:
    """spec --declarative --test: the build system's %check only imports the modules, so the
    spec appends the tests to it (``%check -a``): every runtime's tests run after its import
    check, and rpmbuild --without check runs neither.  (The spec required pytest for every
    runtime and never ran it.)  --test-call lines replace the bare one, as in a dynamic
    spec.  rpm < 4.20 stops at the version guard."""
    require("rpmspec", have_rpm_tools())
    registry = probe_registry(tmp_path / "registry")
    runtimes = load_registry([str(registry)], explicit=True).runtimes
    env = tool_env(registry)
    spec = tmp_path / "python-decl-demo.spec"
    made = run([str(TOOL_BIN / "rpm-pyconfig"), "spec", "--declarative", "--test", str(PROJECT),
                "-o", str(spec)], env)
    assert made.returncode == 0, made.stderr
    parsed = run(["rpmspec", *macros_options(), "-P", str(spec)], env)
    if rpm_version()[:2] < (4, 20):
        assert parsed.returncode != 0
        assert "error: BuildSystem: pyconfig needs rpm >= 4.20" in parsed.stderr, parsed.stderr
        return
    assert parsed.returncode == 0, parsed.stderr
    for runtime in runtimes:
        assert f"check-imports --name {runtime.name} " in parsed.stdout
        assert f"rpm-pyconfig: testing with {runtime.name} (" in parsed.stdout, parsed.stdout
    without = run(["rpmspec", *macros_options(), "--without", "check", "-P", str(spec)], env)
    assert without.returncode == 0, without.stderr
    assert "check-imports" not in without.stdout
    assert "rpm-pyconfig: testing with" not in without.stdout
    # --test-call: its lines in place of the bare one, their --where choosing the runtimes
    called = tmp_path / "called.spec"
    made = run([str(TOOL_BIN / "rpm-pyconfig"), "spec", "--declarative", str(PROJECT),
                "--test-call=--where \"implementation_name == 'cpython'\" -- -q",
                "-o", str(called)], env)
    assert made.returncode == 0, made.stderr
    parsed = run(["rpmspec", *macros_options(), "-P", str(called)], env)
    assert parsed.returncode == 0, parsed.stderr
    for runtime in runtimes:
        tested = f"rpm-pyconfig: testing with {runtime.name} (" in parsed.stdout
        assert tested == (runtime.implementation == "cpython"), (runtime.name, parsed.stdout)


def _declarative_project(tmp_path: Path) -> tuple[list[Runtime], dict[str, str], Path, Path]:
    """This machine's runtimes (probed), the tool's environment, the directory holding the
    fixture's sdist and the declarative spec the tool wrote for it."""
    registry = probe_registry(tmp_path / "registry")
    runtimes = list(load_registry([str(registry)], explicit=True).runtimes)
    env = tool_env(registry)
    sources = tmp_path / "sources"
    sources.mkdir()
    shutil.copytree(PROJECT, tmp_path / "project")  # the backend writes into the tree
    sdist = _sdist(tmp_path / "project", sources)
    spec = tmp_path / "python-decl-demo.spec"
    made = run([str(TOOL_BIN / "rpm-pyconfig"), "spec", "--declarative", str(sdist),
                "-o", str(spec)], env)
    assert made.returncode == 0, made.stderr
    return runtimes, env, sources, spec


def _sdist(project: Path, destination: Path) -> Path:
    """The project's sdist, made by its backend (setuptools) with the distribution's Python."""
    made = subprocess.run(
        ["/usr/bin/python3", "-c",
         f"import setuptools.build_meta as b; print(b.build_sdist({str(destination)!r}))"],
        cwd=project, capture_output=True, text=True, check=False,
    )
    assert made.returncode == 0, made.stderr
    return destination / made.stdout.strip().splitlines()[-1]


@pytest.mark.rpm
def test_buildoption_without_a_section_stops_the_parse(tmp_path: Path) -> None:
    """rpm gives BuildOption(conf) to %conf only, after every %files is made: a selection there
    would be silently ignored, so the parse stops and says where selections go (rpm < 4.20
    stops at the version guard before)."""
    require("rpmspec", have_rpm_tools())
    registry = probe_registry(tmp_path / "registry")
    spec = tmp_path / "python-decl-demo.spec"
    made = run([str(TOOL_BIN / "rpm-pyconfig"), "spec", "--declarative", str(PROJECT),
                "-o", str(spec)], tool_env(registry))
    assert made.returncode == 0, made.stderr
    spec.write_text(spec.read_text().replace(
        "BuildSystem:    pyconfig\n", "BuildSystem:    pyconfig\nBuildOption: --exclude 'pypy*'\n"
    ))
    parsed = run(["rpmspec", *macros_options(), "-P", str(spec)], tool_env(registry))
    assert parsed.returncode != 0
    if rpm_version()[:2] < (4, 20):
        assert "error: BuildSystem: pyconfig needs rpm >= 4.20" in parsed.stderr
    else:
        assert (
            "error: BuildSystem pyconfig: BuildOption(conf) or BuildOption without a section "
            "('--exclude 'pypy*'') is not used: rpm passes build options only to the build "
            "sections, after every %files is made; select runtimes with %global "
            "pyconfig_select, or name the section: BuildOption(check): ...\n"
        ) in parsed.stderr, parsed.stderr
