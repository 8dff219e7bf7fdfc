"""Tests of rpm_pyconfig.resolving: the closure per runtime, from the fixture sdists."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from rpm_pyconfig.backend import MetadataBackend
from rpm_pyconfig.resolving import (
    HostDistributions,
    LocalSdists,
    PipSdists,
    Provided,
    ResolutionError,
    read_requirements,
    resolve,
)
from rpm_pyconfig.runtime import Runtime
from tests.chainfixtures import CHAIN_DATA, make_sdist, make_sdists
from tests.rpmtools import main_runtime


@pytest.fixture(scope="module")
def sdists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sdists(tmp_path_factory.mktemp("sdists"))


def build_tools() -> Provided:
    """setuptools, as an RPM distribution would have it (every fixture builds with it): the
    versioned names of the fixture runtimes (CPython 3.11, PyPy 3.9), what specs require."""
    provided = Provided()
    for prefix, package in (("python3.11", "python3"), ("pypy3.9", "pypy3")):
        provided.add(f"{prefix}dist(setuptools)", "66.1.1", f"{package}-setuptools", "test")
    return provided


@pytest.fixture
def runtimes(cpython: Runtime, cpython_debug: Runtime, pypy: Runtime) -> list[Runtime]:
    return [cpython, cpython_debug, pypy]


def test_closure_markers_extras_build_requirements(sdists: Path, runtimes: list[Runtime]) -> None:
    closure = resolve(["chainfix-top"], runtimes, LocalSdists(sdists), provided=build_tools())
    projects = closure.projects
    assert sorted(projects) == [
        "chainfix-backend", "chainfix-base", "chainfix-cpy", "chainfix-fancy", "chainfix-mid",
        "chainfix-ping", "chainfix-pong", "chainfix-top",
    ]
    assert closure.top == ["chainfix-top"]
    # platform_python_implementation == "CPython": not for PyPy.
    assert projects["chainfix-cpy"].runtimes == {"python3.11", "python3.11-dbg"}
    assert projects["chainfix-base"].runtimes == {"python3.11", "python3.11-dbg", "pypy3"}
    # The extra chainfix-mid[fancy] pulls chainfix-fancy in, for the project that asked for
    # it (top's %check waits for it), not for chainfix-mid (that would make a cycle).
    assert projects["chainfix-top"].needs == {
        "chainfix-mid": "run", "chainfix-fancy": "run", "chainfix-cpy": "run",
        "chainfix-ping": "run", "chainfix-backend": "build",
    }
    assert projects["chainfix-mid"].needs == {"chainfix-base": "run"}
    assert projects["chainfix-fancy"].wanted_by == {
        'chainfix-top (chainfix-fancy; extra == "fancy")'
    }
    assert {r.requirement for r in closure.reused} == {"setuptools>=61"}


def test_missing_sdist_names_who_asked(sdists: Path, runtimes: list[Runtime]) -> None:
    with pytest.raises(ResolutionError) as raised:
        resolve(["chainfix-mid"], runtimes, LocalSdists(sdists), provided=build_tools(),
                constraints=["chainfix-base>=2"])
    assert str(raised.value) == (
        f"no sdist of chainfix-base satisfies >=1.0,>=2 in {sdists} (asked by: constraint "
        "chainfix-base>=2; chainfix-mid (chainfix-base>=1.0))"
    )


def test_a_requested_marker_no_runtime_can_evaluate_is_named(
    sdists: Path, runtimes: list[Runtime]
) -> None:
    """A requirement given on the command line is evaluated like one of an sdist (it was an
    internal error: packaging's exception, uncaught)."""
    with pytest.raises(ResolutionError) as raised:
        resolve(["chainfix-base; python_version ~= '3'"], runtimes, LocalSdists(sdists),
                provided=build_tools())
    first = runtimes[0]
    message = str(raised.value)
    assert message.startswith("requirement: cannot evaluate the marker of requirement "
                              "'chainfix-base; python_version ~= \"3\"': "), message
    assert message.endswith(f" (evaluated for runtime {first.name}, {first.implementation} "
                            f"{first.version})"), message


def _origins_project(sdists: Path, destination: Path, *, extra: str, build: str) -> Path:
    """The fixture sdists and origins-demo 1.0, whose pyproject.toml holds the requirement
    *extra* in its extra ``odd`` and *build* in ``[build-system] requires``."""
    shutil.copytree(sdists, destination)
    project = destination.parent / "src" / "origins_demo-1.0"
    (project / "origins_demo").mkdir(parents=True)
    (project / "origins_demo" / "__init__.py").write_text("", encoding="utf-8")
    (project / "PKG-INFO").write_text(
        "Metadata-Version: 2.1\nName: origins-demo\nVersion: 1.0\nSummary: d\n"
        "License: MIT\nRequires-Dist: chainfix-base\nProvides-Extra: odd\n"
        f"Requires-Dist: {extra}; extra == 'odd'\n\n", encoding="utf-8")
    (project / "pyproject.toml").write_text(
        f'[build-system]\nrequires = ["{build}"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "origins-demo"\nversion = "1.0"\ndescription = "d"\n'
        'license = {text = "MIT"}\ndependencies = ["chainfix-base"]\n'
        f'[project.optional-dependencies]\nodd = ["{extra}"]\n', encoding="utf-8")
    return make_sdist(project, destination)


@pytest.mark.parametrize(("extra", "build", "table", "requirement"), [
    ("chainfix-ping; python_version ~= '3'", "setuptools",
     "[project] optional-dependencies.odd", "chainfix-ping; "),
    ("chainfix-ping", "setuptools; python_version ~= '3'",
     "[build-system] requires", "setuptools; "),
])
def test_an_unevaluable_marker_is_named_by_its_pyproject_table(
    tmp_path: Path, sdists: Path, runtimes: list[Runtime], extra: str, build: str, table: str,
    requirement: str,
) -> None:
    """The walk names a requirement by the table of pyproject.toml that holds it (an extra's,
    the build system's), as the spec generator does, not by the field the extras merge into."""
    here = tmp_path / "sdists"
    sdist = _origins_project(sdists, here, extra=extra, build=build)
    with pytest.raises(ResolutionError) as raised:
        resolve(["origins-demo[odd]"], runtimes, LocalSdists(here), provided=build_tools())
    message = str(raised.value)
    assert message.startswith(
        f"{sdist}/origins_demo-1.0/pyproject.toml {table}: cannot evaluate the marker of "
        f"requirement '{requirement}"), message
    assert "python_version ~= \"3\"" in message


def _pkg_info_sdist(destination: Path, directory: str, name: str, version: str,
                    requires: tuple[str, ...] = ()) -> Path:
    """An sdist ``DIRECTORY.tar.gz`` whose PKG-INFO (2.2) says *name* and *version*."""
    project = destination.parent / "src" / directory
    project.mkdir(parents=True)
    (project / "PKG-INFO").write_text(
        f"Metadata-Version: 2.2\nName: {name}\nVersion: {version}\nSummary: s\n"
        "License: MIT\n" + "".join(f"Requires-Dist: {r}\n" for r in requires) + "\n",
        encoding="utf-8")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
        encoding="utf-8")
    return make_sdist(project, destination)


def test_an_sdist_whose_metadata_gives_another_version_stops_the_walk(
    tmp_path: Path, sdists: Path, runtimes: list[Runtime]
) -> None:
    """The release is chosen by its file name: a renamed file (1.0 as 9.0) would get past
    ``>=2`` and a constraint (the audit of stop 27), and the repository would hold 1.0."""
    here = tmp_path / "sdists"
    shutil.copytree(sdists, here)
    _pkg_info_sdist(here, "pin_top-1.0", "pin-top", "1.0", ("pin-dep>=2",))
    renamed = _pkg_info_sdist(here, "pin_dep-9.0", "pin-dep", "1.0")
    with pytest.raises(ResolutionError) as raised:
        resolve(["pin-top"], runtimes, LocalSdists(here), provided=build_tools())
    assert str(raised.value) == (
        f"{renamed}: its file name says version 9.0, its metadata 1.0 "
        f"({renamed}/pin_dep-9.0/PKG-INFO Version)")


def test_projects_packaged_under_one_name_stop_the_walk(
    tmp_path: Path, sdists: Path, runtimes: list[Runtime]
) -> None:
    """``x`` and ``python-x`` both become python-x.spec and PREFIX-x: the second build would
    replace the first's packages in the repository (the audit of stop 27)."""
    here = tmp_path / "sdists"
    shutil.copytree(sdists, here)
    _pkg_info_sdist(here, "clash_top-1.0", "clash-top", "1.0", ("clash-dep", "python-clash-dep"))
    _pkg_info_sdist(here, "clash_dep-1.0", "clash-dep", "1.0")
    _pkg_info_sdist(here, "python_clash_dep-1.0", "python-clash-dep", "1.0")
    with pytest.raises(ResolutionError) as raised:
        resolve(["clash-top"], runtimes, LocalSdists(here), provided=build_tools())
    assert str(raised.value) == (
        "clash-dep and python-clash-dep would both be packaged as python-clash-dep "
        "(PREFIX-clash-dep): one build would replace the other's")


def test_constraints_narrow_versions(sdists: Path, runtimes: list[Runtime]) -> None:
    with pytest.raises(ResolutionError, match="constraint chainfix-base<1"):
        resolve(["chainfix-base"], runtimes, LocalSdists(sdists), constraints=["chainfix-base<1"])


@pytest.mark.parametrize(("constraint", "what"), [
    ("chainfix-base<1; python_version < '3'", "an environment marker"),
    ("chainfix-base[fancy]<1", "extras"),
    ("constraints.txt", "no version specifier"),
])
def test_a_constraint_is_refused_where_part_of_it_would_be_ignored(
    sdists: Path, runtimes: list[Runtime], constraint: str, what: str
) -> None:
    """Only a constraint's name and specifiers narrow the walk: a marker (false for every
    runtime here), extras, or nothing to narrow (``-c constraints.txt``, pip's habit, read as
    a project named constraints-txt) were taken silently (found by an audit)."""
    with pytest.raises(ResolutionError) as raised:
        resolve(["chainfix-base"], runtimes, LocalSdists(sdists), provided=build_tools(),
                constraints=[constraint])
    assert str(raised.value) == (
        f"constraint: unsupported constraint {constraint!r}: {what}; a constraint is NAME and "
        "version specifiers only"
    )


def test_a_direct_url_reference_is_refused_not_ignored(
    sdists: Path, runtimes: list[Runtime], tmp_path: Path
) -> None:
    """``name @ URL`` parses, and the walk took the local sdist of that name, the URL
    ignored (found by an audit); refused on the command line, in -r files and in -c."""
    said = ("unsupported requirement 'chainfix-base @ urn:x': a direct reference (@ URL) is "
            "ignored by the chain; give the sdist's path or its version (the sdists come from "
            "--sdists/--download)")
    with pytest.raises(ResolutionError) as raised:
        resolve(["chainfix-base @ urn:x"], runtimes, LocalSdists(sdists), provided=build_tools())
    assert str(raised.value) == f"requirement: {said}"
    with pytest.raises(ResolutionError) as raised:
        resolve(["chainfix-base"], runtimes, LocalSdists(sdists), provided=build_tools(),
                constraints=["chainfix-base @ urn:x"])
    assert str(raised.value) == f"constraint: {said}"
    listed = tmp_path / "req.txt"
    listed.write_text("chainfix-mid\nchainfix-base @ urn:x\n", encoding="utf-8")
    with pytest.raises(ResolutionError) as raised:
        read_requirements(listed)
    assert str(raised.value) == f"{listed}:2: {said}"


def test_sdist_paths_as_requirements(sdists: Path, runtimes: list[Runtime]) -> None:
    closure = resolve(
        [str(sdists / "chainfix_mid-1.0.tar.gz")], runtimes, LocalSdists(sdists),
        provided=build_tools(),
    )
    assert sorted(closure.projects) == ["chainfix-base", "chainfix-mid"]
    assert closure.top == ["chainfix-mid"]


def test_build_requirement_nobody_has(sdists: Path, runtimes: list[Runtime]) -> None:
    """Without the build machine's interpreters or an RPM, setuptools must be built too."""
    with pytest.raises(ResolutionError, match=r"no sdist of setuptools satisfies >=61 in "):
        resolve(["chainfix-base"], runtimes, LocalSdists(sdists))


def test_provided_packages_are_reused(sdists: Path, runtimes: list[Runtime]) -> None:
    provided = build_tools()
    for prefix, package in (("python3.11", "python3"), ("pypy3.9", "pypy3")):
        provided.add(f"{prefix}dist(chainfix-base)", "1", f"{package}-chainfix-base", "test")
    closure = resolve(["chainfix-mid"], runtimes, LocalSdists(sdists), provided=provided)
    assert sorted(closure.projects) == ["chainfix-mid"]
    reused = {(r.requirement, r.runtime, r.by) for r in closure.reused}
    assert ("chainfix-base>=1.0", "pypy3", "pypy3-chainfix-base (test)") in reused
    assert ("setuptools>=61", "python3.11", "python3-setuptools (test)") in reused
    # A version that does not satisfy the specifier is no reuse.
    old = Provided()
    old.add("python3dist(chainfix-base)", "0.9", "python3-chainfix-base", "test")
    assert old.match("python3dist(chainfix-base)", SpecifierSet(">=1.0")) is None


def test_another_cpythons_package_is_no_reuse(sdists: Path, runtimes: list[Runtime]) -> None:
    """python3dist(x), or python3.12dist(x), is another CPython's package: the generated specs
    require python3.11dist(x), so it must be built."""
    provided = build_tools()
    provided.add("python3dist(chainfix-base)", "1", "python3.12-chainfix-base", "test")
    provided.add("python3.12dist(chainfix-base)", "1", "python3.12-chainfix-base", "test")
    provided.add("pypy3.9dist(chainfix-base)", "1", "pypy3-chainfix-base", "test")
    closure = resolve(["chainfix-mid"], runtimes, LocalSdists(sdists), provided=provided)
    assert sorted(closure.projects) == ["chainfix-base", "chainfix-mid"]
    assert {"python3.11", "python3.11-dbg"} <= closure.projects["chainfix-base"].runtimes
    assert not [r for r in closure.reused if r.requirement.startswith("chainfix-base")
                and r.runtime.startswith("python3")]


@pytest.mark.backend
def test_requirements_pkg_info_cannot_vouch_for_come_from_the_backend(
    tmp_path: Path, sdists: Path, runtimes: list[Runtime]
) -> None:
    """An sdist whose PKG-INFO lists extras and no requirement (anyio 3.6.2's): the walk asks
    its build backend, as the spec generator does, or refuses; never walks on without them."""
    here = tmp_path / "sdists"
    shutil.copytree(sdists, here)
    sdist = make_sdist(Path(__file__).parent / "data" / "backend" / "extras_only-1.0", here)
    with pytest.raises(ResolutionError) as raised:
        resolve(["extras-only"], runtimes, LocalSdists(here), provided=build_tools())
    assert str(raised.value) == (
        f"{sdist}/extras_only-1.0/PKG-INFO Provides-Extra, Requires-Dist: Metadata-Version 2.1 "
        "lists no Requires-Dist, and before 2.2 that does not mean there is none; only the "
        "build backend (setuptools.build_meta:__legacy__) knows the values, and no build "
        "backend was given to ask"
    )
    backend = MetadataBackend(main_runtime().interpreter)
    closure = resolve(["extras-only[ping]"], runtimes, LocalSdists(here), provided=build_tools(),
                      backend=backend)
    assert sorted(closure.projects) == ["chainfix-base", "chainfix-ping", "chainfix-pong",
                                        "extras-only"]
    assert closure.projects["extras-only"].needs == {"chainfix-base": "run", "chainfix-ping": "run"}


def test_read_requirements(tmp_path: Path) -> None:
    (tmp_path / "more.txt").write_text("rich>=13  # pretty\n", encoding="utf-8")
    (tmp_path / "req.txt").write_text(
        "# top\ntextual==0.62.0\n\n-r more.txt\njinja2; python_version >= '3.8'\n",
        encoding="utf-8",
    )
    assert read_requirements(tmp_path / "req.txt") == [
        "textual==0.62.0", "rich>=13", "jinja2; python_version >= '3.8'"
    ]
    (tmp_path / "bad.txt").write_text("ok\n--index-url x\n", encoding="utf-8")
    with pytest.raises(ResolutionError, match=r"bad.txt:2: unsupported option '--index-url x'"):
        read_requirements(tmp_path / "bad.txt")


def test_read_requirements_refuses_what_it_cannot_read_safely(tmp_path: Path) -> None:
    """A file that includes itself, one that is not UTF-8, and a ``-r`` naming a device or a
    FIFO: messages, not a traceback, an endless read or a hang (the audit of stop 27)."""
    looping = tmp_path / "loop.txt"
    looping.write_text("rich\n-r other.txt\n", encoding="utf-8")
    (tmp_path / "other.txt").write_text("-r loop.txt\n", encoding="utf-8")
    with pytest.raises(ResolutionError, match=r"^.*/loop.txt: -r includes a file already being "
                       r"read \(.*/loop.txt -> .*/other.txt -> .*/loop.txt\)$"):
        read_requirements(looping)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"rich\naa\xff\n")
    with pytest.raises(ResolutionError,
                       match=r"binary.txt: not UTF-8 text \(invalid start byte at byte 7\)$"):
        read_requirements(binary)
    os.mkfifo(tmp_path / "fifo")
    for target in ("/dev/zero", str(tmp_path / "fifo")):
        nested = tmp_path / "nested.txt"
        nested.write_text(f"-r {target}\n", encoding="utf-8")
        with pytest.raises(ResolutionError, match=f"^{target}: not a regular file$"):
            read_requirements(nested)


@pytest.mark.parametrize(
    ("script", "reason"),
    [("echo broken >&2; exit 3", "broken"), ("echo 'not json'", "")],
)
def test_host_runtime_that_cannot_list_is_an_error(
    tmp_path: Path, cpython: Runtime, script: str, reason: str
) -> None:
    """A runtime that cannot list its distributions would silently reuse nothing."""
    interpreter = tmp_path / "python-broken"
    interpreter.write_text(f"#!/bin/sh\n{script}\n")
    interpreter.chmod(0o755)
    with pytest.raises(ResolutionError) as caught:
        HostDistributions([cpython.replace(interpreter=str(interpreter))])
    message = str(caught.value)
    assert message.startswith(f"{cpython.name}: {interpreter} could not list its installed")
    assert reason in message


def test_host_distributions_of_a_real_interpreter() -> None:
    """The distribution's python3 lists python3-packaging, which setup.sh installs for rpm."""
    runtime = main_runtime()
    host = HostDistributions([runtime])
    found = host.match(runtime, canonicalize_name("packaging"), SpecifierSet(">=0"))
    assert found is not None and found.startswith("packaging ")
    assert host.match(runtime, canonicalize_name("no-such-project-x"), SpecifierSet("")) is None


def _release(sdists: Path, destination: Path, version: str, requires_python: str) -> None:
    """chainfix-base VERSION, requiring *requires_python*, as an sdist in *destination*."""
    project = destination / "trees" / f"chainfix_base-{version}"
    shutil.copytree(sdists.parent / "unpacked" / "chainfix_base-1.0", project)
    for name in ("PKG-INFO", "pyproject.toml"):
        path = project / name
        text = path.read_text(encoding="utf-8")
        text = text.replace("Version: 1.0", f"Version: {version}")
        text = text.replace('version = "1.0"', f'version = "{version}"')
        text = text.replace(">=3.9", requires_python)
        path.write_text(text, encoding="utf-8")
    make_sdist(project, destination / "sdists")


@pytest.fixture
def releases(tmp_path: Path) -> Path:
    """chainfix-base 1.0 (Python >= 3.8) and 2.0 (Python >= 3.10): a newer release that
    dropped the oldest runtime, as setuptools 84 dropped Python 3.9."""
    shutil.copytree(CHAIN_DATA / "chainfix_base-1.0", tmp_path / "unpacked" / "chainfix_base-1.0")
    _release(tmp_path / "sdists", tmp_path, "1.0", ">=3.8")
    _release(tmp_path / "sdists", tmp_path, "2.0", ">=3.10")
    return tmp_path / "sdists"


def test_requires_python_rules_out_a_release_a_runtime_cannot_build(
    releases: Path, runtimes: list[Runtime], cpython: Runtime
) -> None:
    """One version serves every runtime: the newest whose Requires-Python they all meet."""
    closure = resolve(["chainfix-base"], runtimes, LocalSdists(releases), provided=build_tools())
    assert str(closure.projects["chainfix-base"].sdist.version) == "1.0"
    closure = resolve(["chainfix-base"], [cpython], LocalSdists(releases), provided=build_tools())
    assert str(closure.projects["chainfix-base"].sdist.version) == "2.0"
    (releases / "chainfix_base-1.0.tar.gz").unlink()
    with pytest.raises(ResolutionError) as raised:
        resolve(["chainfix-base"], runtimes, LocalSdists(releases), provided=build_tools())
    pypy = runtimes[2]
    assert str(raised.value) == (
        f"no sdist of chainfix-base satisfies !=2.0 in {releases} (asked by: requested "
        f"(chainfix-base); chainfix_base-2.0.tar.gz Requires-Python >=3.10 (not {pypy.name}'s "
        f"Python {pypy.version}))"
    )


def test_an_sdist_file_name_with_blanks_is_no_sdist(tmp_path: Path) -> None:
    """packaging's Version strips blanks: ``x-0.1\\n.tar.gz`` was taken for x 0.1, passed
    ``--plan`` and was refused only when its spec was written, in a message cut in two by
    the newline of its path (the chain audit of stop 28)."""
    for name in ("x-0.1\n.tar.gz", "x-0.2 .tar.gz", "x-\u30000.3.tar.gz", "x-0.4.tar.gz"):
        (tmp_path / name).write_bytes(b"")
    found = LocalSdists(tmp_path).find(canonicalize_name("x"), SpecifierSet())
    assert found is not None and found.path.name == "x-0.4.tar.gz"
    assert LocalSdists(tmp_path).find(canonicalize_name("x"), SpecifierSet("<0.4")) is None


def test_an_unreadable_sdist_is_named_once(
    tmp_path: Path, sdists: Path, runtimes: list[Runtime]
) -> None:
    """The metadata reader's message names the archive already: the walk printed it twice
    (``DIR/X.tar.gz: DIR/X.tar.gz: ...``; the chain audit of stop 28)."""
    here = tmp_path / "sdists"
    shutil.copytree(sdists, here)
    broken = here / "broken_one-1.0.tar.gz"
    broken.write_bytes(b"not an archive")
    with pytest.raises(ResolutionError) as raised:
        resolve(["broken-one"], runtimes, LocalSdists(here), provided=build_tools())
    assert str(raised.value) == (
        f"{broken}: cannot read the archive: not a tar archive (plain, gzip, bzip2 or xz)")


_REPOMD = ('<?xml version="1.0"?><repomd xmlns="http://linux.duke.edu/metadata/repo">'
           '<data type="primary"><location href="{href}"/></data></repomd>')
_PRIMARY = ('<?xml version="1.0"?><metadata xmlns="http://linux.duke.edu/metadata/common" '
            'xmlns:rpm="http://linux.duke.edu/metadata/rpm"><package type="rpm"><name>evil</name>'
            '<arch>noarch</arch><format><rpm:provides><rpm:entry name="python3.11dist(x)" '
            'ver="{ver}"/></rpm:provides></format></package></metadata>')


@pytest.mark.parametrize(("href", "content", "said"), [
    ("../../../../../../etc/passwd", None,
     "{repo}/repodata/repomd.xml: its primary metadata '../../../../../../etc/passwd' is not a "
     "file of the repository"),
    ("repodata/missing.xml", None,
     "{repo}/repodata/repomd.xml: its primary metadata 'repodata/missing.xml' is not a file of "
     "the repository"),
    ("repodata/p.xml.gz", b"not gzip",
     "{repo}/repodata/p.xml.gz: unreadable (Not a gzipped file (b'no'))"),
    ("repodata/p.xml.xz", b"not xz",
     "{repo}/repodata/p.xml.xz: unreadable (Input format not supported by decoder)"),
    ("repodata/p.xml", b"<unclosed",
     "{repo}: its primary metadata is not XML (unclosed token: line 1, column 0)"),
], ids=["outside", "missing", "gzip", "xz", "xml"])
def test_a_broken_repository_is_named_not_a_traceback(
    tmp_path: Path, href: str, content: bytes | None, said: str
) -> None:
    """--repo DIR: its repodata is read as it is; an href out of the repository was read (any
    file), and a missing file, broken compression or XML stopped the chain with a traceback
    (found by an audit)."""
    repo = tmp_path / "repo"
    (repo / "repodata").mkdir(parents=True)
    (repo / "repodata" / "repomd.xml").write_text(_REPOMD.format(href=href), encoding="utf-8")
    if content is not None:
        (repo / href).write_bytes(content)
    with pytest.raises(ResolutionError) as raised:
        Provided.from_repository(repo)
    assert str(raised.value) == said.format(repo=repo)


def test_a_provided_version_past_the_digit_limit_is_no_match(tmp_path: Path) -> None:
    """A repository's provide whose version has more digits than int() converts: a
    traceback (ValueError) before, found by an audit; now it matches nothing."""
    if not getattr(sys, "get_int_max_str_digits", lambda: 0)():
        pytest.skip("this runtime's int() has no digit limit (PyPy)")
    repo = tmp_path / "repo"
    (repo / "repodata").mkdir(parents=True)
    (repo / "repodata" / "repomd.xml").write_text(_REPOMD.format(href="repodata/p.xml"),
                                                  encoding="utf-8")
    (repo / "repodata" / "p.xml").write_text(_PRIMARY.format(ver="1" * 5000), encoding="utf-8")
    provided = Provided.from_repository(repo)
    assert provided.match("python3.11dist(x)", SpecifierSet(">=1")) is None


def test_pip_failing_to_build_the_metadata_is_no_missing_sdist(tmp_path: Path) -> None:
    """--download: pip found the sdist but could not install its build backend to read its
    metadata (offline, say); the nested "No matching distribution" of that installation was
    taken for pip's verdict on the project: "no sdist of X satisfies any version" (found by
    an audit, pip 26.3 with a --find-links directory). pip's own error is named now."""
    fake = tmp_path / "pip"
    fake.write_text(
        "#!/bin/sh\ncat >&2 <<'END'\n"
        "  error: subprocess-exited-with-error\n"
        "      ERROR: No matching distribution found for setuptools>=61\n"
        "ERROR: Failed to build 'chainfix-base' when installing build dependencies\n"
        "END\nexit 1\n", encoding="utf-8")
    fake.chmod(0o755)
    source = PipSdists(tmp_path / "cache", pip=[str(fake)])
    with pytest.raises(ResolutionError) as raised:
        source.find(canonicalize_name("chainfix-base"), SpecifierSet())
    assert str(raised.value) == (
        "pip download chainfix-base failed (exit 1): ERROR: No matching distribution found for "
        "setuptools>=61; ERROR: Failed to build 'chainfix-base' when installing build "
        "dependencies"
    )
    (tmp_path / "pip").write_text(
        "#!/bin/sh\necho 'ERROR: No matching distribution found for chainfix-base' >&2\n"
        "exit 1\n", encoding="utf-8")
    assert source.find(canonicalize_name("chainfix-base"), SpecifierSet()) is None
