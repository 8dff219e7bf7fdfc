"""Tests of rpm_pyconfig.installing with the real interpreters of this machine.

Wheels as ``%pyconfig_build`` leaves them in ``wheels/NAME/``: a package with an extension
module named with each runtime's suffix, a top-level module, a ``.dist-info``, and commands
in ``.data/scripts`` (a ``#!python`` one and a shell one).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import subprocess
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rpm_pyconfig.errors import ExecutionError, PyConfigError
from rpm_pyconfig.installing import (
    FILELIST_LINE_MAX,
    InstallResult,
    file_owners,
    filelist_path,
    install,
    relies_on,
    sharing_problems,
)
from rpm_pyconfig.registry import load_registry
from rpm_pyconfig.runtime import Runtime
from tests.rpmtools import (
    have_rpm_tools,
    main_runtime,
    probe_registry,
    rpm_query,
    rpmbuild,
    tool_env,
    trio,
)
from tests.wheelfiles import write_wheel

SITE = "/usr/lib/python3/dist-packages"
EPOCH = 1_600_000_000
INFO = "demo-1.0.dist-info"


def runtime(name: str, *, default: bool = False, purelib: str = SITE, platlib: str = SITE,
            script_suffix: str = "") -> Runtime:
    """A record: this machine's python3 (it byte-compiles for real) under another name."""
    main = main_runtime()
    return Runtime(
        name=name, implementation="cpython", version=main.version, interpreter=main.interpreter,
        package_prefix=name, purelib=purelib, platlib=platlib,
        soabi=main.soabi, ext_suffix=main.ext_suffix,
        cache_tag=main.cache_tag, default=default, script_suffix=script_suffix,
    )


def stage_wheel(wheels: Path, rt: Runtime, *, pure: bool = False, extension: bool = True,
                scripts: bool = True, extra: dict[str, str] | None = None,
                drop: tuple[str, ...] = ()) -> Path:
    """What ``%pyconfig_build`` leaves for one runtime: ``wheels/NAME/demo-1.0-*.whl``."""
    files = {
        "demo/__init__.py": "from demo.core import VALUE\n",
        "demo/core.py": "VALUE = 42\n",
        "demo/100%_data.txt": "data\n",
        "top.py": "import demo\n",
    }
    if extension:
        files[f"demo/_speedups{rt.ext_suffix}"] = f"ELF for {rt.name}\n"
    if scripts:
        files["demo-1.0.data/scripts/tool"] = "#!python\nimport demo\nprint(demo.VALUE)\n"
        files["demo-1.0.data/scripts/helper.sh"] = "#!/bin/sh\necho helper\n"
    files.update(extra or {})
    files.update({
        f"{INFO}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: bdist_wheel (0.38.4)\n"
            f"Root-Is-Purelib: {'true' if pure else 'false'}\nTag: cp311-cp311-linux_x86_64\n"
        ),
        f"{INFO}/METADATA": "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
        f"{INFO}/LICENSE": "MIT\n",
        f"{INFO}/top_level.txt": "demo\ntop\n",
    })
    for name in drop:
        del files[name]
    return write_wheel(wheels / rt.name / "demo-1.0-cp311-cp311-linux_x86_64.whl", files)


class Installed:
    def __init__(self, base: Path, results: list[InstallResult], progress: list[str]) -> None:
        self.base = base
        self.buildroot = base / "buildroot"
        self.results = {result.runtime.name: result for result in results}
        self.progress = progress

    def lines(self, name: str) -> list[str]:
        return (self.base / "files" / f"{name}.files").read_text(encoding="utf-8").splitlines()

    def files(self, name: str) -> set[str]:
        return {line for line in self.lines(name) if not line.startswith("%dir ")}


def run_install(base: Path, runtimes: list[Runtime], **kwargs: object) -> Installed:
    progress: list[str] = []
    results = install(
        runtimes, wheels=str(base / "wheels"), stage=str(base / "stage"),
        buildroot=str(base / "buildroot"),
        filelists=str(base / "files"), progress=progress.append, **kwargs,  # type: ignore[arg-type]
    )
    return Installed(base, results, progress)


@pytest.fixture(scope="module")
def three_runtimes() -> list[Runtime]:
    """python3, its debug build and pypy3 as probed here, under short test names."""
    main, debug, pypy = trio()
    for rt in (main, debug, pypy):
        assert (rt.purelib, rt.platlib) == (SITE, SITE), rt  # Debian's shared site directory
    return [
        main.replace(name="python3.11", package_prefix="python3", default=True, script_suffix=""),
        debug.replace(name="python3.11-dbg", package_prefix="python3-dbg", default=False,
                      script_suffix="-dbg"),
        pypy.replace(name="pypy3", package_prefix="pypy3", default=False, script_suffix="-pypy3"),
    ]


def tags() -> tuple[str, str, str, str, str]:
    """Cache tag and extension suffixes of python3, its debug build, pypy3."""
    main, debug, pypy = trio()
    return main.cache_tag, main.ext_suffix, debug.ext_suffix, pypy.cache_tag, pypy.ext_suffix


@pytest.fixture(scope="module")
def installed(
    tmp_path_factory: pytest.TempPathFactory, three_runtimes: list[Runtime]
) -> Iterator[Installed]:
    """One install of the demo project for python3.11, python3.11-dbg and pypy3 (the
    runtimes of conftest, rebuilt here because those fixtures are per test)."""
    base = tmp_path_factory.mktemp("install")
    for rt in three_runtimes:
        stage_wheel(base / "wheels", rt)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        yield run_install(base, three_runtimes)


# -- file_owners ------------------------------------------------------------------------------


def test_file_owners_first_sharer_owns() -> None:
    a, b = runtime("a"), runtime("b").replace(ext_suffix=".b.so")
    c = runtime("c").replace(ext_suffix=".c.so", cache_tag="other-1")
    assert file_owners([a, b, c]) == {"a": None, "b": a, "c": a}
    assert file_owners([]) == {}
    assert file_owners([b]) == {"b": None}


def test_file_owners_distinct_directories() -> None:
    a = runtime("a", purelib="/usr/lib/python3.11/site-packages",
                platlib="/usr/lib64/python3.11/site-packages")
    b = runtime("b", purelib="/usr/lib/python3.12/site-packages",
                platlib="/usr/lib64/python3.12/site-packages")
    c = runtime("c", purelib="/usr/lib/python3.12/site-packages", platlib="/opt/c")
    d = runtime("d", purelib="/opt/d", platlib="/usr/lib64/python3.11/site-packages")
    assert file_owners([a, b, c, d]) == {"a": None, "b": None, "c": b, "d": a}


# -- recorded registries in every sharing shape (tests/data/sharing) ---------------------------

SHAPES = Path(__file__).parent / "data" / "sharing"
#: shape -> runtime -> the runtimes whose subpackages it requires, worked out by hand from the
#: rule: a path is shipped by the first runtime that installs it; runtimes with one library
#: directory install the same sources, and the same bytecode when their cache tags are equal.
RELIES_ON: dict[str, dict[str, list[str]]] = {
    "one": {"python3": []},
    "debian12": {"python3": [], "python3-debug": ["python3"], "pypy3": ["python3"]},
    "debian-unstable": {
        "python3": [], "python3.14": ["python3"], "python3.15": ["python3"],
        "python3-debug": ["python3"], "python3.14-debug": ["python3", "python3.14"],
        "python3.15-debug": ["python3", "python3.15"], "pypy3": ["python3"],
    },
    "owner-not-first": {
        "pypy3": [], "python3-debug": ["pypy3"], "python3": ["pypy3", "python3-debug"],
    },
    "fedora": {
        "python3": [], "python3.12": [], "python3-debug": ["python3"], "python3.13t": [],
        "pypy3.10": [],
    },
    # a /x /x, b /x /y, c /y /y, d /y /z: a pure wheel of b goes to /x after a's; an arch
    # wheel of c goes to /y after b's; a pure wheel of d goes to /y after c's.
    "chain": {"a": [], "b": ["a"], "c": ["b"], "d": ["c"]},
    "ten": {
        "python3.10": [], "python3.11": ["python3.10"], "python3.12": ["python3.10"],
        "python3.13": ["python3.10"], "python3.14": ["python3.10"],
        "python3.12-debug": ["python3.10", "python3.12"],
        "python3.13-debug": ["python3.10", "python3.13"],
        "python3.14-debug": ["python3.10", "python3.14"],
        "pypy3": ["python3.10"], "pypy3.10": ["python3.10"],
    },
}


@pytest.mark.parametrize("shape", sorted(RELIES_ON))
def test_recorded_shapes(shape: str) -> None:
    registry = load_registry([str(SHAPES / shape)], explicit=True)
    assert 1 <= len(registry.runtimes) <= 10
    assert list(registry.names) == list(RELIES_ON[shape])  # the order the drop-ins give
    found = relies_on(registry.runtimes)
    assert {name: [rt.name for rt in earlier] for name, earlier in found.items()} == (
        RELIES_ON[shape]
    )
    assert sharing_problems(registry.runtimes) == []


def test_check_rejects_a_registry_that_cannot_install_side_by_side(tmp_path: Path) -> None:
    for conf in (SHAPES / "debian12").glob("*.conf"):
        (tmp_path / conf.name).write_text(conf.read_text(encoding="utf-8"), encoding="utf-8")
    twin = (tmp_path / "python3-debug.conf").read_text(encoding="utf-8")
    (tmp_path / "twin.conf").write_text(
        # The same interpreter twice: same directory, extension suffix and script suffix.
        twin.replace("name = python3-debug", "name = twin")
        .replace("priority = 30", "priority = 31"),
        encoding="utf-8",
    )
    registry = load_registry([str(tmp_path)], explicit=True)
    assert [str(problem) for problem in sharing_problems(registry.runtimes)] == [
        f"{tmp_path / 'twin.conf'}: runtimes 'python3-debug' and 'twin' both install extension "
        f"modules named *.cpython-311d-x86_64-linux-gnu.so into {SITE}: their subpackages would "
        "ship the same files; give one of them its own platlib or leave it out",
        f"{tmp_path / 'twin.conf'}: runtimes 'python3-debug' and 'twin' have the same "
        "script_suffix '-python3-debug': both would install the commands "
        "/usr/bin/NAME-python3-debug; give one of them another script_suffix",
    ]


DIRS = ("/a", "/b", "/c")
TAGS = ("cpython-312", "cpython-313", "pypy311")


@st.composite
def registries(draw: st.DrawFn) -> list[Runtime]:
    """1 to 10 runtimes over three directories and three cache tags, in any order."""
    count = draw(st.integers(1, 10))
    runtimes = []
    for index in range(count):
        purelib, platlib = draw(st.sampled_from(DIRS)), draw(st.sampled_from(DIRS))
        runtimes.append(runtime(f"r{index}").replace(
            purelib=purelib, platlib=platlib, cache_tag=draw(st.sampled_from(TAGS)),
            ext_suffix=f".r{index}.so", script_suffix=f"-r{index}",
        ))
    return runtimes


def simulated_shippers(runtimes: list[Runtime], pure: bool) -> dict[str, set[str]]:
    """Install a model project for each runtime in order, each path shipped by the first
    runtime that installs it; return, per runtime, who ships the paths it installs."""
    shipper: dict[str, str] = {}
    relied: dict[str, set[str]] = {}
    for rt in runtimes:
        lib = rt.purelib if pure else rt.platlib
        paths = [f"{lib}/demo/__init__.py", f"{lib}/demo-1.0.dist-info/RECORD",
                 f"{lib}/demo/__pycache__/__init__.{rt.cache_tag}.pyc",
                 f"/usr/bin/tool{rt.script_suffix}"]
        if not pure:
            paths.append(f"{lib}/demo/_speedups{rt.ext_suffix}")
        relied[rt.name] = {shipper.setdefault(path, rt.name) for path in paths} - {rt.name}
    return relied


@given(registries(), st.booleans())
@settings(max_examples=300, deadline=None)
def test_relies_on_is_exactly_who_ships_the_shared_files(
    runtimes: list[Runtime], pure: bool
) -> None:
    found = relies_on(runtimes, pure=pure)
    assert {name: {rt.name for rt in earlier} for name, earlier in found.items()} == (
        simulated_shippers(runtimes, pure)
    )
    either = relies_on(runtimes)  # parse time: both kinds
    for name, earlier in found.items():
        assert set(earlier) <= set(either[name])


# -- one install for three runtimes ---------------------------------------------------------


def test_owner_ships_sources_bytecode_and_dist_info(installed: Installed) -> None:
    tag, suffix, _debug_suffix, _pypy_tag, _pypy_suffix = tags()
    assert installed.lines("python3.11") == [
        f"%dir {SITE}/demo",
        f"%dir {SITE}/demo/__pycache__",
        f"%dir {SITE}/{INFO}",
        "/usr/bin/helper.sh",
        "/usr/bin/tool",
        f"{SITE}/top.py",
        f"{SITE}/__pycache__/top.{tag}.pyc",
        f"{SITE}/demo/100[%%]_data.txt",
        f"{SITE}/demo/__init__.py",
        f"{SITE}/demo/_speedups{suffix}",
        f"{SITE}/demo/core.py",
        f"{SITE}/demo/__pycache__/__init__.{tag}.pyc",
        f"{SITE}/demo/__pycache__/core.{tag}.pyc",
        f"{SITE}/{INFO}/INSTALLER",
        f"%license {SITE}/{INFO}/LICENSE",
        f"{SITE}/{INFO}/METADATA",
        f"{SITE}/{INFO}/RECORD",
        f"{SITE}/{INFO}/WHEEL",
        f"{SITE}/{INFO}/top_level.txt",
    ]
    result = installed.results["python3.11"]
    filelist = str(installed.base / "files" / "python3.11.files")
    assert (result.skipped, result.filelist) == (0, filelist)


def test_sharers_ship_only_their_own_files(installed: Installed) -> None:
    _tag, _suffix, debug_suffix, pypy_tag, pypy_suffix = tags()
    assert installed.lines("python3.11-dbg") == [
        "/usr/bin/helper.sh-dbg",
        "/usr/bin/tool-dbg",
        f"{SITE}/demo/_speedups{debug_suffix}",
    ]
    assert installed.lines("pypy3") == [
        "/usr/bin/helper.sh-pypy3",
        "/usr/bin/tool-pypy3",
        f"{SITE}/__pycache__/top.{pypy_tag}.pyc",
        f"{SITE}/demo/_speedups{pypy_suffix}",
        f"{SITE}/demo/__pycache__/__init__.{pypy_tag}.pyc",
        f"{SITE}/demo/__pycache__/core.{pypy_tag}.pyc",
    ]
    assert installed.progress == [
        "installed python3.11 (1/3): 16 files",
        # The debug build compiles to the same cpython-311 names: the owner's pycs serve it.
        "installed python3.11-dbg (2/3): 3 files, 13 shipped by python3.11",
        "installed pypy3 (3/3): 6 files, 10 shipped by python3.11",
    ]


def test_no_path_is_shipped_twice_and_every_path_exists(installed: Installed) -> None:
    names = ["python3.11", "python3.11-dbg", "pypy3"]
    seen: set[str] = set()
    for name in names:
        result = installed.results[name]
        assert not seen & set(result.files), name
        seen |= set(result.files)
        assert not seen & set(result.dirs)
        for path in result.files:
            assert (installed.buildroot / path.lstrip("/")).is_file(), path
    shipped = {
        "/" + str(path.relative_to(installed.buildroot))
        for path in installed.buildroot.rglob("*") if path.is_file()
    }
    assert shipped == seen  # nothing unlisted lands in the buildroot


def test_top_level_pycache_is_never_owned(installed: Installed) -> None:
    every_line = [line for name in installed.results for line in installed.lines(name)]
    assert f"%dir {SITE}/__pycache__" not in every_line
    assert f"%dir {SITE}" not in every_line
    assert not any(line.startswith("%dir /usr/bin") for line in every_line)


def shebang(rt: Runtime) -> str:
    """The first line of a command installed for *rt*: its interpreter and shebang_flags."""
    return f"#!{rt.interpreter} {rt.shebang_flags}\n" if rt.shebang_flags else (
        f"#!{rt.interpreter}\n"
    )


def test_commands_name_their_interpreter(installed: Installed) -> None:
    bindir = installed.buildroot / "usr" / "bin"
    main, debug, pypy = trio()
    assert (bindir / "tool").read_text(encoding="utf-8") == (
        f"{shebang(main)}import demo\nprint(demo.VALUE)\n"
    )
    assert (bindir / "tool-dbg").read_text(encoding="utf-8").startswith(shebang(debug))
    assert (bindir / "tool-pypy3").read_text(encoding="utf-8").startswith(shebang(pypy))
    assert (bindir / "helper.sh-pypy3").read_text(encoding="utf-8") == (
        "#!/bin/sh\necho helper\n"  # not a Python script: untouched
    )


def test_dist_info_is_rewritten_for_rpm(installed: Installed) -> None:
    info = installed.buildroot / SITE.lstrip("/") / INFO
    assert sorted(os.listdir(info)) == [
        "INSTALLER", "LICENSE", "METADATA", "RECORD", "WHEEL", "top_level.txt",
    ]
    assert (info / "INSTALLER").read_text(encoding="utf-8") == "rpm\n"
    rows = list(csv.reader(io.StringIO((info / "RECORD").read_text(encoding="utf-8"))))
    tag, suffix, _debug_suffix, _pypy_tag, _pypy_suffix = tags()
    # Sorted by the path within each scheme (installer >= 1.0 sorts; 0.6 and 0.7 are given
    # them sorted): the commands' rows sort as helper.sh and tool.
    assert [row[0] for row in rows] == [
        f"__pycache__/top.{tag}.pyc",
        f"{INFO}/INSTALLER",
        f"{INFO}/LICENSE",
        f"{INFO}/METADATA",
        f"{INFO}/RECORD",
        f"{INFO}/WHEEL",
        f"{INFO}/top_level.txt",
        "demo/100%_data.txt",
        "demo/__init__.py",
        f"demo/__pycache__/__init__.{tag}.pyc",
        f"demo/__pycache__/core.{tag}.pyc",
        f"demo/_speedups{suffix}",
        "demo/core.py",
        "../../../bin/helper.sh",
        "../../../bin/tool",
        "top.py",
    ]
    site = installed.buildroot / SITE.lstrip("/")
    for path, digest, size in rows:
        if path == f"{INFO}/RECORD":
            assert (digest, size) == ("", "")
            continue
        data = (site / path).resolve().read_bytes()
        expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert (digest, size) == (f"sha256={expected}", str(len(data))), path


def test_every_file_has_the_same_mtime(installed: Installed) -> None:
    times = {
        str(path): path.lstat().st_mtime
        for path in installed.buildroot.rglob("*") if not path.is_dir()
    }
    assert len(times) == 25
    assert set(times.values()) == {EPOCH}, {
        path: mtime for path, mtime in times.items() if mtime != EPOCH
    }


FRESHNESS = """\
import importlib.util, os, sys
source, pyc, path = sys.argv[1:]
data = open(pyc, "rb").read()
flags = int.from_bytes(data[4:8], "little")
if flags & 1:  # hash-based (SOURCE_DATE_EPOCH was set)
    fresh = data[8:16] == importlib.util.source_hash(open(source, "rb").read())
else:
    st = os.stat(source)
    fresh = data[8:16] == (int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little") + (
        st.st_size & 0xFFFFFFFF).to_bytes(4, "little")
print(data[:4] == importlib.util.MAGIC_NUMBER, flags, fresh, path.encode() in data)
"""


def freshness(interpreter: str, site: Path, pyc: str) -> str:
    """What *interpreter* thinks of the pyc of demo/core.py: magic ok, flags, fresh, path."""
    return subprocess.run(
        [interpreter, "-c", FRESHNESS, str(site / "demo" / "core.py"),
         str(site / "demo" / "__pycache__" / pyc), f"{SITE}/demo/core.py"],
        capture_output=True, text=True, check=True,
    ).stdout


def test_bytecode_is_fresh_for_the_installed_source(installed: Installed) -> None:
    """Each runtime's pyc matches the .py the owner installs and names its installed path."""
    site = installed.buildroot / SITE.lstrip("/")
    # SOURCE_DATE_EPOCH makes compileall write checked hash-based pycs (flags 3).
    main, _debug, pypy = trio()
    assert freshness(main.interpreter, site, f"core.{main.cache_tag}.pyc") == "True 3 True True\n"
    assert freshness(pypy.interpreter, site, f"core.{pypy.cache_tag}.pyc") == "True 3 True True\n"


def test_timestamp_bytecode_of_a_sharer_matches_the_owners_source(
    tmp_path: Path, three_runtimes: list[Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without SOURCE_DATE_EPOCH pycs record the source mtime: pypy compiled its own copy,
    the owner's copy is installed, so both copies must carry the same mtime."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    cpython, _debug, pypy = three_runtimes
    for rt in (cpython, pypy):
        stage_wheel(tmp_path / "wheels", rt, pure=True, extension=False, scripts=False)
    run_install(tmp_path, [cpython, pypy])
    site = tmp_path / "buildroot" / SITE.lstrip("/")
    assert freshness(cpython.interpreter, site, f"core.{cpython.cache_tag}.pyc") == (
        "True 0 True True\n"
    )
    assert freshness(pypy.interpreter, site, f"core.{pypy.cache_tag}.pyc") == "True 0 True True\n"


# -- layouts and failures ---------------------------------------------------------------------


FEDORA_PURE = "/usr/lib/python3.11/site-packages"
FEDORA_PLAT = "/usr/lib64/python3.11/site-packages"


@pytest.mark.parametrize(("pure", "libdir"), [(True, FEDORA_PURE), (False, FEDORA_PLAT)])
def test_wheel_kind_chooses_the_library_directory(
    tmp_path: Path, pure: bool, libdir: str
) -> None:
    rt = runtime("python3", default=True, purelib=FEDORA_PURE, platlib=FEDORA_PLAT)
    stage_wheel(tmp_path / "wheels", rt, pure=pure, extension=not pure, scripts=False)
    result = run_install(tmp_path, [rt])
    assert result.results["python3"].dirs == [f"{libdir}/demo", f"{libdir}/demo/__pycache__",
                                              f"{libdir}/{INFO}"]
    assert all(path.startswith(libdir + "/") for path in result.results["python3"].files)


def test_a_sharer_with_nothing_of_its_own_gets_a_harmless_list(tmp_path: Path) -> None:
    owner = runtime("a", default=True)
    sharer = runtime("b", script_suffix="-b").replace(ext_suffix=".b.so")
    for rt in (owner, sharer):
        stage_wheel(tmp_path / "wheels", rt, pure=True, extension=False, scripts=False)
    result = run_install(tmp_path, [owner, sharer])
    assert result.results["b"].files == []
    assert result.lines("b") == ["%defattr(-,root,root,-)"]


def test_runtimes_sharing_nothing_may_not_install_the_same_path(tmp_path: Path) -> None:
    one = runtime("one", default=True, purelib="/opt/one", platlib="/opt/one")
    two = runtime("two", purelib="/opt/two", platlib="/opt/two")  # script_suffix '' as well
    for rt in (one, two):
        stage_wheel(tmp_path / "wheels", rt, extension=False)
    with pytest.raises(PyConfigError) as caught:
        run_install(tmp_path, [one, two])
    assert str(caught.value) == (
        "runtimes 'one' and 'two' have the same script_suffix '': both would install the "
        "commands /usr/bin/NAME; give one of them another script_suffix"
    )
    assert not (tmp_path / "buildroot").exists()  # refused before anything is copied


def test_wheels_of_different_kinds_that_meet_in_a_directory_are_refused(tmp_path: Path) -> None:
    """a's pure wheel and b's arch wheel both land in /x, which no Requires: can foresee."""
    a = runtime("a", default=True, purelib="/x", platlib="/p")
    b = runtime("b", purelib="/q", platlib="/x", script_suffix="-b").replace(ext_suffix=".b.so")
    stage_wheel(tmp_path / "wheels", a, pure=True, extension=False)
    stage_wheel(tmp_path / "wheels", b)
    with pytest.raises(PyConfigError) as caught:
        run_install(tmp_path, [a, b])
    assert str(caught.value) == (
        "runtime 'b' would rely on files of a that its subpackage does not require: their "
        "wheels differ in kind (pure or not) and their library directories differ; build them "
        "in separate specs"
    )
    assert not (tmp_path / "buildroot").exists()


def test_byte_compile_failure_names_the_runtime(
    tmp_path: Path, three_runtimes: list[Runtime]
) -> None:
    pypy = three_runtimes[2]
    stage_wheel(tmp_path / "wheels", pypy, extra={"demo/broken.py": "def f(:\n"})
    with pytest.raises(ExecutionError) as caught:
        run_install(tmp_path, [pypy])
    message = str(caught.value)
    assert message.startswith(
        f"byte-compiling for runtime 'pypy3' with {pypy.interpreter} failed (status 1):\n"
    )
    assert f"{SITE}/demo/broken.py" in message or "broken.py" in message
    assert "SyntaxError" in message
    assert (caught.value.runtime, caught.value.returncode) == ("pypy3", 1)


def test_missing_wheel_names_it(tmp_path: Path, three_runtimes: list[Runtime]) -> None:
    cpython, _debug, pypy = three_runtimes
    stage_wheel(tmp_path / "wheels", cpython, scripts=False)
    with pytest.raises(PyConfigError) as caught:
        run_install(tmp_path, [cpython, pypy])
    assert str(caught.value) == (
        f"expected one wheel for runtime 'pypy3' in {tmp_path}/wheels/pypy3, found none "
        "(did %pyconfig_build run for it?)"
    )


def test_two_wheels_for_a_runtime_are_refused(tmp_path: Path) -> None:
    rt = runtime("python3", default=True)
    wheel = stage_wheel(tmp_path / "wheels", rt, scripts=False)
    (wheel.parent / "other-2.0-py3-none-any.whl").write_bytes(wheel.read_bytes())
    with pytest.raises(PyConfigError) as caught:
        run_install(tmp_path, [rt])
    assert str(caught.value) == (
        f"expected one wheel for runtime 'python3' in {tmp_path}/wheels/python3, found "
        "demo-1.0-cp311-cp311-linux_x86_64.whl, other-2.0-py3-none-any.whl "
        "(did %pyconfig_build run for it?)"
    )
    assert not (tmp_path / "buildroot").exists()


def refusal(tmp_path: Path, extra: dict[str, str]) -> tuple[Path, str]:
    """Install one runtime's wheel with *extra* members: the wheel and the refusal, after
    checking that nothing reached the buildroot."""
    rt = runtime("python3", default=True)
    wheel = stage_wheel(tmp_path / "wheels", rt, scripts=False, extension=False, extra=extra)
    with pytest.raises(PyConfigError) as caught:
        run_install(tmp_path, [rt])
    assert not (tmp_path / "buildroot").exists()
    return wheel, str(caught.value)


def test_two_dist_info_directories_are_refused(tmp_path: Path) -> None:
    wheel, message = refusal(tmp_path, {"other-2.0.dist-info/METADATA": "Name: other\n"})
    assert message == (
        f"{wheel}: expected one *.dist-info/METADATA in the wheel, found "
        f"{INFO}, other-2.0.dist-info"
    )


@pytest.mark.parametrize(("entry_points", "message"), [
    # installer before 1.0 (Debian 12, 13) wrote these where they lead (the audit of stop 27)
    ("../../etc/evil = demo.core:main", "the entry point '../../etc/evil' is no command name"),
    ("/etc/cron.d/evil = demo.core:main", "the entry point '/etc/cron.d/evil' is no command"),
    ("x = demo.core:%(y)s", "cannot install it: "),
    ("x = not valid!", "cannot install it: "),
])
def test_entry_points_that_are_no_command_names_are_refused(
    tmp_path: Path, entry_points: str, message: str
) -> None:
    wheel, refused = refusal(tmp_path, {f"{INFO}/entry_points.txt":
                                        f"[console_scripts]\n{entry_points}\n"})
    assert refused.startswith(f"{wheel}: cannot install it: "), refused
    assert message in refused
    assert "Traceback" not in refused


def test_a_member_name_with_a_backslash_is_refused(tmp_path: Path) -> None:
    """The zip format separates with '/' only; installer read the backslash as a separator
    and said the member was "not listed in RECORD" (the audit of stop 27)."""
    wheel, refused = refusal(tmp_path, {"demo/back\\slash.txt": "x\n"})
    assert refused == (f"{wheel}: member 'demo/back\\\\slash.txt' has a backslash in its "
                       "name (a path separator to some zip tools); refusing the archive")


def test_a_filelist_line_rpm_would_split_is_refused(tmp_path: Path) -> None:
    """rpm reads a %files -f list 8191 bytes at a time: a longer line is two lines to it, and
    the second a file of its own choosing (the audit of stop 27: a name of '%' signs, each
    written as [%%], claimed /usr for the package)."""
    name = "demo/" + "/".join(["%" * 255] * 8) + "/x.txt"
    _wheel, refused = refusal(tmp_path, {name: "x\n"})
    assert refused.startswith("cannot list '")
    assert f"and rpm reads such a list {FILELIST_LINE_MAX} bytes at a time" in refused


@pytest.mark.rpm
def test_the_longest_filelist_line_is_read_whole(tmp_path: Path) -> None:
    """The limit is rpm's: a line of FILELIST_LINE_MAX bytes names one file, a longer one
    does not (rpmbuild packs another set of files or stops)."""
    if not have_rpm_tools():
        if os.environ.get("CI") == "true":
            pytest.fail("rpmbuild is missing (CI=true)")
        pytest.skip("rpmbuild not installed")
    base = "/usr/share/long"
    listings = []
    for extra in (0, 300):
        # each % is written [%%]: 4 bytes of the line for 1 of the path (PATH_MAX is 4096)
        stem = f"{base}/" + "/".join(["%" * 200] * 10)
        width = FILELIST_LINE_MAX + extra - len(filelist_path(stem + "/")) - 4
        path = stem + "/" + "%" * (width // 4) + "a" * (width % 4) + ".txt"
        line = filelist_path(path)
        assert len(line.encode()) == FILELIST_LINE_MAX + extra
        work = tmp_path / str(extra)
        work.mkdir()
        (work / "files.list").write_text(line + "\n", encoding="utf-8")
        (work / "path").write_text(path, encoding="utf-8")
        spec = work / "long.spec"
        spec.write_text(
            "Name: long\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n"
            "BuildArch: noarch\n%description\nd\n%install\n"
            f'p=$(cat {work}/path) && mkdir -p "%{{buildroot}}$(dirname "$p")" && '
            'touch "%{buildroot}$p"\n'
            f"%files -f {work}/files.list\n", encoding="utf-8")
        built = subprocess.run(
            ["rpmbuild", "-bb", "--define", f"_topdir {work / 'top'}",
             "--define", "_unpackaged_files_terminate_build 0", str(spec)],
            capture_output=True, text=True, check=False)
        packages = list((work / "top" / "RPMS").rglob("*.rpm"))
        listings.append(subprocess.run(
            ["rpm", "-qlp", str(packages[0])], capture_output=True, text=True, check=True,
        ).stdout.splitlines() if built.returncode == 0 and packages else None)
        if extra == 0:
            assert built.returncode == 0, built.stderr
            assert listings[0] == [path]
    assert listings[1] != [path]  # rpm read two names (it stops: neither is a file)


def test_bindir_is_a_parameter(tmp_path: Path) -> None:
    rt = runtime("python3", default=True, script_suffix="3")
    stage_wheel(tmp_path / "wheels", rt, extension=False)
    result = run_install(tmp_path, [rt], bindir="/opt/bin")
    assert [f for f in result.results["python3"].files if "bin/" in f] == [
        "/opt/bin/helper.sh3", "/opt/bin/tool3",
    ]


def test_probed_shebang_flags_are_the_ones_each_interpreter_honours() -> None:
    """Fedora's -sP wherever the runtime has -P (CPython >= 3.11, PyPy 3.11), else -s."""
    for rt in trio():
        safe = subprocess.run([rt.interpreter, "-P", "-c", "import sys; print(sys.path[:1])"],
                              capture_output=True, text=True, check=False)
        has_p = safe.returncode == 0 and safe.stdout != "['']\n"
        assert rt.shebang_flags == ("-sP" if has_p else "-s"), rt.name


@pytest.mark.parametrize("flags", ["", "-s", "-sP", "-I"])
def test_shebang_flags_follow_the_interpreter(tmp_path: Path, flags: str) -> None:
    rt = runtime("python3", default=True).replace(shebang_flags=flags)
    stage_wheel(tmp_path / "wheels", rt, extension=False)
    run_install(tmp_path, [rt])
    tool = tmp_path / "buildroot" / "usr" / "bin" / "tool"
    assert tool.read_text(encoding="utf-8").splitlines()[0] == (
        f"#!{rt.interpreter} {flags}" if flags else f"#!{rt.interpreter}"
    )


def test_unversioned_chooses_who_owns_the_plain_command(tmp_path: Path) -> None:
    """The packager's choice: pypy3's command is /usr/bin/tool, the registry's default
    (suffix '') gets -NAME, a runtime with a suffix of its own keeps it."""
    runtimes = [runtime("python3", default=True), runtime("other", script_suffix="-o",
                                                           platlib="/b", purelib="/b"),
                runtime("pypy3", script_suffix="-pypy3", platlib="/c", purelib="/c")]
    for rt in runtimes:
        stage_wheel(tmp_path / "wheels", rt, extension=False)
    done = run_install(tmp_path, runtimes, unversioned="pypy3")
    commands = {name: [f for f in result.files if f.startswith("/usr/bin/tool")]
                for name, result in done.results.items()}
    assert commands == {"python3": ["/usr/bin/tool-python3"], "other": ["/usr/bin/tool-o"],
                        "pypy3": ["/usr/bin/tool"]}


def test_unversioned_must_be_a_selected_runtime(tmp_path: Path) -> None:
    rt = runtime("python3", default=True)
    stage_wheel(tmp_path / "wheels", rt, extension=False)
    with pytest.raises(PyConfigError) as info:
        run_install(tmp_path, [rt], unversioned="pypy3")
    assert str(info.value) == (
        "--unversioned 'pypy3': not one of the selected runtimes (python3)"
    )
    assert not (tmp_path / "buildroot").exists()


def test_reinstall_replaces_the_previous_tree(tmp_path: Path) -> None:
    rt = runtime("python3", default=True)
    stage_wheel(tmp_path / "wheels", rt, scripts=False, extension=False)
    run_install(tmp_path, [rt])
    stage_wheel(tmp_path / "wheels", rt, scripts=False, extension=False, drop=("demo/core.py",))
    second = install(
        [rt], wheels=str(tmp_path / "wheels"), stage=str(tmp_path / "stage"),
        buildroot=str(tmp_path / "buildroot2"), filelists=str(tmp_path / "files2"),
    )
    assert f"{SITE}/demo/__init__.py" in second[0].files
    assert f"{SITE}/demo/core.py" not in second[0].files  # the old staged root is gone


# -- path safety ------------------------------------------------------------------------------

HOSTILE_NAMES = [
    "100%_data.txt", "a b.txt", "star*.txt", "what?.txt", "[br].txt",
    "%attr(4755,root,root)x.txt", "%config(noreplace)y.txt", "%dir_z.txt", "%lang(de)w.txt",
    "%caps(cap_net_raw=p)v.txt", "%verify(not,md5)u.txt", "%dev(c,1,3)t.txt",
    "%%doubled.txt", "#hash.txt", "semi;colon.txt", "it's.txt", "%(id).txt",
    "a{", "}b", "%{c",
]


@pytest.mark.parametrize("name", ["new\nline.txt", "tab\there.txt", "{a,b}", "%{name}",
                                  'dq".txt', "back\\slash.txt", "nul\x01.txt", "bad\udcff.txt",
                                  # one spelling for rpm 4.18 (glob) and 4.20+ (quoted literal)
                                  "100% data.txt", "%attr(4755,root,root) x.txt", "it's %.txt",
                                  "star *.txt"])
def test_filelist_refuses_names_rpm_cannot_take(name: str) -> None:
    with pytest.raises(PyConfigError, match="cannot list") as caught:
        filelist_path(f"/usr/lib/x/{name}")
    assert repr(f"/usr/lib/x/{name}") in str(caught.value)


@pytest.mark.rpm
def test_filelist_names_are_packaged_literally(tmp_path: Path) -> None:
    """rpmbuild packs exactly the hostile names, with their own modes: no %attr, no glob."""
    if not have_rpm_tools():
        if os.environ.get("CI") == "true":
            pytest.fail("rpmbuild is missing (CI=true)")
        pytest.skip("rpmbuild not installed")
    base = "/usr/share/hostile"
    (tmp_path / "names").write_bytes(b"\0".join(n.encode() for n in HOSTILE_NAMES))
    (tmp_path / "files.list").write_text(
        f"%dir {filelist_path(base)}\n"
        + "".join(filelist_path(f"{base}/{name}") + "\n" for name in HOSTILE_NAMES),
        encoding="utf-8",
    )
    spec = tmp_path / "names.spec"
    spec.write_text(
        "Name: names\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\nBuildArch: noarch\n"
        "%description\nd\n%install\n"
        f"mkdir -p %{{buildroot}}{base}\n"
        f"cd %{{buildroot}}{base} && xargs -0 -a {tmp_path}/names touch\n"
        # decoys a glob would catch: a wrong match shows up in the package
        f"cd %{{buildroot}}{base} && touch stara.txt b.txt whatX.txt\n"
        f"%files -f {tmp_path}/files.list\n",
        encoding="utf-8",
    )
    built = subprocess.run(
        ["rpmbuild", "-bb", "--define", f"_topdir {tmp_path / 'top'}",
         "--define", "_unpackaged_files_terminate_build 0", str(spec)],
        capture_output=True, text=True, check=False,
    )
    assert built.returncode == 0, built.stderr
    package = next((tmp_path / "top" / "RPMS").rglob("names-1-1.noarch.rpm"))
    listing = subprocess.run(
        ["rpm", "-qp", "--qf", "[%{FILEMODES:perms} %{FILENAMES}\n]", str(package)],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    assert sorted(line.split(" ", 1)[1] for line in listing) == sorted(
        [base] + [f"{base}/{name}" for name in HOSTILE_NAMES]
    )
    assert all(line.startswith(("-rw-r--r--", "drwxr-xr-x")) for line in listing), listing


def test_a_buildroot_that_is_a_file_is_an_error(tmp_path: Path) -> None:
    rt = runtime("python3", default=True)
    stage_wheel(tmp_path / "wheels", rt, scripts=False)
    (tmp_path / "buildroot").write_text("not a directory\n", encoding="utf-8")
    with pytest.raises(PyConfigError, match="exists and is not a directory"):
        run_install(tmp_path, [rt])


def tree(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): "link" if path.is_symlink() else
        "dir" if path.is_dir() else path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*"))
    }


def test_a_missing_wheel_leaves_the_buildroot_as_it_was(
    tmp_path: Path, three_runtimes: list[Runtime]
) -> None:
    cpython, _debug, pypy = three_runtimes
    stage_wheel(tmp_path / "wheels", cpython, scripts=False)
    (tmp_path / "buildroot" / "etc").mkdir(parents=True)
    (tmp_path / "buildroot" / "etc" / "kept").write_text("x\n", encoding="utf-8")
    before = tree(tmp_path / "buildroot")
    with pytest.raises(PyConfigError, match="expected one wheel for runtime 'pypy3'"):
        run_install(tmp_path, [cpython, pypy])
    assert tree(tmp_path / "buildroot") == before


def test_a_failure_midway_undoes_what_was_installed(tmp_path: Path) -> None:
    one = runtime("one", default=True, purelib="/opt/one", platlib="/opt/one")
    two = runtime("two", purelib="/opt/two", platlib="/opt/two", script_suffix="-two")
    for rt in (one, two):
        stage_wheel(tmp_path / "wheels", rt, extension=False)
    # The second runtime meets a directory where its file should go, after the first is in.
    (tmp_path / "buildroot" / "opt" / "two" / "demo" / "core.py").mkdir(parents=True)
    before = tree(tmp_path / "buildroot")
    with pytest.raises(PyConfigError, match="not a regular file"):
        run_install(tmp_path, [one, two])
    assert tree(tmp_path / "buildroot") == before


def test_symlinks_in_the_buildroot_are_never_written_through(tmp_path: Path) -> None:
    rt = runtime("python3", default=True, purelib="/opt/site", platlib="/opt/site")
    stage_wheel(tmp_path / "wheels", rt, scripts=False)
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "buildroot" / "opt").mkdir(parents=True)
    (tmp_path / "buildroot" / "opt" / "site").symlink_to(outside)
    with pytest.raises(PyConfigError, match="leads out of the buildroot"):
        run_install(tmp_path, [rt])
    assert list(outside.iterdir()) == []


def test_a_wheel_member_that_is_a_link_is_refused(tmp_path: Path) -> None:
    """A zip can mark a member as a symlink; written out it would be a file holding the
    link's target, so the wheel is refused before anything is written."""
    rt = runtime("python3", default=True)
    wheel = stage_wheel(tmp_path / "wheels", rt, scripts=False, extension=False)
    files = {name: zipfile.ZipFile(wheel).read(name).decode() for name in
             zipfile.ZipFile(wheel).namelist() if not name.endswith("/RECORD")}
    files["demo/leak.txt"] = "/etc/passwd"
    write_wheel(wheel, files, modes={"demo/leak.txt": 0o120777})
    with pytest.raises(PyConfigError) as caught:
        run_install(tmp_path, [rt])
    assert str(caught.value) == (
        f"{wheel}: member 'demo/leak.txt' is not a regular file or a directory (a link, a "
        "device, a FIFO); refusing the archive"
    )
    assert not (tmp_path / "buildroot").exists()


@pytest.mark.parametrize("name", ["../evil.py", "/abs.py", "demo/../../x.py"])
def test_a_wheel_member_outside_the_tree_is_refused(tmp_path: Path, name: str) -> None:
    wheel, message = refusal(tmp_path, {name: "x = 1\n"})
    assert message == (
        f"{wheel}: member {name!r} would unpack outside the tree or has control characters "
        "in its name; refusing the archive"
    )


def test_a_member_record_does_not_list_is_refused(tmp_path: Path) -> None:
    rt = runtime("python3", default=True)
    wheel = stage_wheel(tmp_path / "wheels", rt, scripts=False, extension=False)
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr("demo/smuggled.py", "x = 1\n")
    with pytest.raises(PyConfigError) as caught:
        run_install(tmp_path, [rt])
    assert str(caught.value) == (
        f"{wheel}: demo/smuggled.py is not listed in {INFO}/RECORD"
    )
    assert not list((tmp_path / "buildroot").rglob("*.py"))


def test_a_runtime_whose_wheel_is_only_metadata_is_refused(
    tmp_path: Path, three_runtimes: list[Runtime]
) -> None:
    """cffi on PyPy: the project's setup.py installs no package there (PyPy bundles cffi),
    so pypy3's package would be empty yet provide pypy3dist(cffi)."""
    main, debug, pypy = three_runtimes
    for rt in (main, debug):
        stage_wheel(tmp_path / "wheels", rt)
    write_wheel(tmp_path / "wheels" / pypy.name / "demo-1.0-py3-none-any.whl", {
        f"{INFO}/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n",
        f"{INFO}/METADATA": "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
    })
    with pytest.raises(PyConfigError) as raised:
        run_install(tmp_path, three_runtimes)
    assert str(raised.value) == (
        "runtime 'pypy3': the wheel installs nothing but its metadata, while python3.11, "
        "python3.11-dbg install modules (the runtime bundles the project, or the project "
        "skips it): its package would provide pypy3dist() for nothing\n"
        "hint: leave it out of the spec, e.g. %global pyconfig_select --exclude pypy3"
    )
    assert not (tmp_path / "buildroot").exists()  # refused before the buildroot is touched


def test_a_metapackage_installs_only_metadata_everywhere(tmp_path: Path) -> None:
    """A project of dependencies only: its metadata is the package, for every runtime."""
    runtimes = [runtime("one", default=True), runtime("two", purelib="/usr/lib/two",
                                                      platlib="/usr/lib/two", script_suffix="-2")]
    for rt in runtimes:
        write_wheel(tmp_path / "wheels" / rt.name / "demo-1.0-py3-none-any.whl", {
            f"{INFO}/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n",
            f"{INFO}/METADATA": "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
        })
    installed = run_install(tmp_path, runtimes)
    assert f"/usr/lib/two/{INFO}/METADATA" in installed.files("two")


# -- the wheel's .data/ schemes and entry points --------------------------------------------


def test_every_data_scheme_goes_where_the_runtime_says(
    tmp_path: Path, three_runtimes: list[Runtime]
) -> None:
    """purelib, platlib, scripts, data and headers of ``.data/``, and a console_scripts
    entry point: each runtime's commands carry its suffix and shebang; data sits below the
    prefix of BINDIR, headers in the runtime's include directory."""
    main, debug, pypy = three_runtimes
    data = "demo-1.0.data"
    extra = {
        f"{data}/purelib/demo_pure.py": "PURE = 1\n",
        f"{data}/data/share/demo/demo.conf": "conf\n",
        f"{data}/headers/demo.h": "#define DEMO 1\n",
        f"{INFO}/entry_points.txt": "[console_scripts]\ndemo-run = demo.core:main\n",
    }
    for rt in three_runtimes:
        stage_wheel(tmp_path / "wheels", rt, extra=extra)
    done = run_install(tmp_path, three_runtimes)
    include = {rt.name: f"/usr/include/{kind}{rt.short_version}{rt.abiflags}/demo"
               for rt, kind in zip(three_runtimes, ("python", "python", "pypy"))}
    assert include["python3.11"] != include["python3.11-dbg"] or not debug.abiflags
    for rt in three_runtimes:
        files = done.results[rt.name].files
        assert f"{include[rt.name]}/demo.h" in files, rt.name
        assert include[rt.name] in done.results[rt.name].dirs  # the dist's own directory
        assert f"/usr/bin/demo-run{rt.script_suffix}" in files
        launcher = tmp_path / "buildroot" / f"usr/bin/demo-run{rt.script_suffix}"
        text = launcher.read_text(encoding="utf-8")
        assert text.startswith(shebang(rt)) and "from demo.core import main" in text
        assert launcher.stat().st_mode & 0o111 == 0o111
    # One site directory: the first runtime ships the shared pure module, its bytecode of
    # its own tag and the data file; the others rely on it (Requires: of its subpackage).
    assert {f"{SITE}/demo_pure.py", "/usr/share/demo/demo.conf"} <= set(
        done.results["python3.11"].files
    )
    assert f"{SITE}/__pycache__/demo_pure.{pypy.cache_tag}.pyc" in done.results["pypy3"].files
    assert "/usr/share/demo/demo.conf" not in done.results["pypy3"].files
    record = (tmp_path / "buildroot" / SITE.lstrip("/") / INFO / "RECORD").read_text()
    rows = {row[0] for row in csv.reader(io.StringIO(record))}
    assert {"demo_pure.py", "../../../share/demo/demo.conf", "../../../bin/demo-run",
            f"../../../include/python{main.short_version}{main.abiflags}/demo/demo.h",
            f"__pycache__/demo_pure.{main.cache_tag}.pyc"} <= rows


def test_data_scheme_follows_bindir(tmp_path: Path) -> None:
    rt = runtime("python3", default=True, purelib="/opt/site", platlib="/opt/site")
    stage_wheel(tmp_path / "wheels", rt, extension=False,
                extra={"demo-1.0.data/data/share/demo.txt": "x\n"})
    done = run_install(tmp_path, [rt], bindir="/opt/bin")
    assert "/opt/share/demo.txt" in done.results["python3"].files
    assert "/opt/bin/tool" in done.results["python3"].files


def test_headers_go_to_the_probed_include_directory(tmp_path: Path) -> None:
    """A runtime's include directory as probed (sysconfig INCLUDEPY), not one derived from
    its version: the headers of a wheel go below it, whatever BINDIR is."""
    rt = runtime("python3", default=True).replace(include="/opt/py/include/python3.11")
    stage_wheel(tmp_path / "wheels", rt, extension=False,
                extra={"demo-1.0.data/headers/demo.h": "#define DEMO 1\n"})
    done = run_install(tmp_path, [rt], bindir="/usr/bin")
    assert "/opt/py/include/python3.11/demo/demo.h" in done.results["python3"].files


def test_an_unknown_data_scheme_names_the_wheel(tmp_path: Path) -> None:
    wheel, message = refusal(tmp_path, {"demo-1.0.data/elsewhere/x.txt": "x\n"})
    assert message == (
        f"{wheel}: cannot install it: demo-1.0.data/elsewhere/x.txt is not contained in a "
        "valid .data subdirectory."
    )


DATADEMO = Path(__file__).parent / "data" / "datawheel" / "datademo-1.0"
DATADEMO_SPEC = """\
Name:           python-datademo
Version:        1.0
Release:        1
Summary:        A wheel with .data/ scripts, data and headers
License:        MIT
Source0:        datademo-1.0.tar.gz
BuildArch:      noarch

%description
Every .data/ scheme of a wheel, installed for every runtime.

%pyconfig_subpackages

%prep
%autosetup -n datademo-1.0
%pyconfig_prep

%build
%pyconfig_build

%install
%pyconfig_install

%check
%pyconfig_check
"""


@pytest.mark.rpm
def test_rpmbuild_installs_every_data_scheme(tmp_path: Path) -> None:
    """tests/data/datawheel: setuptools builds a wheel with .data/scripts, .data/data and
    .data/headers and a console_scripts entry point; rpmbuild builds it for python3, its
    debug build and pypy3; each package holds its runtime's share, and the commands run
    with their own interpreters from a root the packages are installed into."""
    if not have_rpm_tools():
        if os.environ.get("CI") == "true":
            pytest.fail("rpmbuild is missing (CI=true)")
        pytest.skip("rpmbuild not installed")
    sources = tmp_path / "sources"
    sources.mkdir()
    with tarfile.open(sources / "datademo-1.0.tar.gz", "w:gz") as tar:
        tar.add(DATADEMO, arcname="datademo-1.0")
    spec = tmp_path / "python-datademo.spec"
    spec.write_text(DATADEMO_SPEC, encoding="utf-8")
    registry = probe_registry(tmp_path / "registry")
    built = rpmbuild(spec, tmp_path / "top", tool_env(registry), "-bb", sourcedir=sources)
    assert built.returncode == 0, built.stderr[-3000:]
    main, debug, pypy = trio()
    packages = {rt.name: tmp_path / "top" / "RPMS" / "noarch" /
                f"{rt.package_prefix}-datademo-1.0-1.noarch.rpm" for rt in (main, debug, pypy)}

    def include(rt: Runtime) -> str:
        kind = "python" if rt.implementation == "cpython" else rt.implementation
        return f"/usr/include/{kind}{rt.short_version}{rt.abiflags}/datademo/datademo.h"

    def commands(rt: Runtime) -> list[str]:
        return [f"/usr/bin/datademo{rt.script_suffix}",
                f"/usr/bin/datademo-script{rt.script_suffix}"]

    listed = {name: set(rpm_query(package, "-l")) for name, package in packages.items()}
    # The first runtime ships what the three share: sources, data, .dist-info.
    assert {f"{SITE}/datademo/__init__.py", "/usr/share/datademo/datademo.conf",
            f"{SITE}/datademo-1.0.dist-info/RECORD", include(main), *commands(main),
            f"{SITE}/datademo/__pycache__/__init__.{main.cache_tag}.pyc"} <= listed["python3"]
    assert os.path.dirname(include(main)) in listed["python3"]  # its own headers directory
    # The others ship their own headers, commands and (PyPy) bytecode, nothing shared.
    assert listed["python3-debug"] == {
        os.path.dirname(include(debug)), include(debug), *commands(debug),
    }
    assert listed["pypy3"] == {
        os.path.dirname(include(pypy)), include(pypy), *commands(pypy),
        f"{SITE}/datademo/__pycache__/__init__.{pypy.cache_tag}.pyc",
    }
    assert len({include(main), include(debug), include(pypy)}) == 3

    root = tmp_path / "root"
    subprocess.run(["rpm", "-i", "--root", str(root), "--dbpath", "/var/lib/rpm", "--nodeps",
                    *map(str, packages.values())], check=True, capture_output=True)
    assert (root / "usr/share/datademo/datademo.conf").read_text() == "answer = 42\n"
    record = (root / SITE.lstrip("/") / "datademo-1.0.dist-info" / "RECORD").read_text()
    assert "../../../share/datademo/datademo.conf," in record
    assert f"../../../include/python{main.short_version}{main.abiflags}/datademo/datademo.h," in (
        record
    )
    assert (root / "usr" / "lib" / "python3" / "dist-packages" / "datademo-1.0.dist-info" /
            "INSTALLER").read_text() == "rpm\n"
    env = dict(os.environ, PYTHONPATH=f"{root}{SITE}")
    for rt in (main, debug, pypy):
        assert (root / include(rt).lstrip("/")).read_text() == "#define DATADEMO_VALUE 42\n"
        entry, script = (root / command.lstrip("/") for command in commands(rt))
        for command in (entry, script):
            assert command.read_text(encoding="utf-8").startswith(shebang(rt)), command
            assert command.stat().st_mode & 0o111 == 0o111
        ran = subprocess.run([rt.interpreter, str(entry)], env=env, capture_output=True,
                             text=True, check=False)
        assert (ran.returncode, ran.stdout) == (
            0, f"datademo 42 on {'pypy' if rt.implementation == 'pypy' else 'cpython'}\n"
        ), ran.stderr
        ran = subprocess.run([rt.interpreter, str(script)], env=env, capture_output=True,
                             text=True, check=False)
        assert ran.stdout.startswith("datademo-script 42 "), ran.stderr
