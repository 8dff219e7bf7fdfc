"""Tests of rpm_pyconfig.probe: this machine's real interpreters (found by ``probe --all``,
checked against what each interpreter says of itself), and recorded answers."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from rpm_pyconfig.dropin import format_conf
from rpm_pyconfig.errors import ProbeError, PyConfigError
from rpm_pyconfig.probe import (
    find_interpreters,
    probe,
    probe_all,
    probe_shebang_flags,
    run_probe_script,
    runtime_from_probe,
    select_site_dirs,
    write_conf,
)
from rpm_pyconfig.registry import load_registry
from rpm_pyconfig.runtime import Runtime
from tests.rpmtools import machine_runtimes

ROOT = Path(__file__).parent.parent
RECORDED = Path(__file__).parent / "data" / "probe"
DEBIAN_SITE = "/usr/lib/python3/dist-packages"


def _machine(wanted: str, missing: str) -> str:
    """The interpreter of this machine's python3, its debug build or PyPy (from probe --all)."""
    runtimes = machine_runtimes()
    main = next((rt for rt in runtimes if rt.default), None)
    for rt in runtimes:
        if (
            (wanted == "main" and rt.default)
            or (wanted == "debug" and rt.debug and main and rt.short_version == main.short_version)
            or (wanted == "pypy" and rt.implementation == "pypy")
        ):
            return rt.interpreter
    return missing


PYTHON = _machine("main", "/usr/bin/python3")
PYTHON_DBG = _machine("debug", "/usr/bin/python3-dbg")
PYPY = _machine("pypy", "/usr/bin/pypy3")

#: What each interpreter says of itself, asked without the probe script.
ORACLE = """\
import json, sys, sysconfig
v = sys.version_info
print(json.dumps([sys.implementation.name, "%d.%d.%d" % v[:3], sysconfig.get_config_var("SOABI"),
    sysconfig.get_config_var("EXT_SUFFIX"), sys.implementation.cache_tag,
    getattr(sys, "abiflags", ""), sysconfig.get_config_var("INCLUDEPY")]))
"""


def expected(interpreter: str) -> Runtime:
    """The runtime ``probe`` must find for this machine's *interpreter*: the interpreter's own
    answers, Debian's site directory, and the naming rules of ``runtime_from_probe``."""
    import subprocess

    answer = subprocess.run([interpreter, "-I", "-c", ORACLE], capture_output=True, text=True,
                            check=True).stdout
    implementation, version, soabi, ext_suffix, cache_tag, abiflags, include = json.loads(answer)
    # -P honoured: -c puts no '' at the head of sys.path (asked as two options, not -sP).
    safe = subprocess.run([interpreter, "-E", "-s", "-P", "-c", "import sys; print(sys.path[:1])"],
                          capture_output=True, text=True, check=False)
    flags = "-sP" if safe.returncode == 0 and safe.stdout != "['']\n" else "-s"
    short = ".".join(version.split(".")[:2])
    debug = interpreter == PYTHON_DBG
    name, priority = {PYTHON: ("python3", 10), PYTHON_DBG: ("python3-debug", 30),
                      PYPY: ("pypy3", 50)}[interpreter]
    dist = "pypy3" if implementation == "pypy" else "python3"
    return Runtime(
        name=name, implementation=implementation, version=version, interpreter=interpreter,
        package_prefix=name, purelib=DEBIAN_SITE, platlib=DEBIAN_SITE, soabi=soabi,
        ext_suffix=ext_suffix, cache_tag=cache_tag, abiflags=abiflags, debug=debug,
        free_threaded=False, default=interpreter == PYTHON, priority=priority,
        abi_requires=f"python(abi) = {short}" if interpreter == PYTHON else interpreter,
        dist_prefix=dist, versioned_dist_prefix=f"{dist}.{short.split('.')[1]}"
        if dist == "pypy3" else f"python{short}",
        script_suffix="" if interpreter == PYTHON else f"-{name}", shebang_flags=flags,
        devel_requires=f"{include}/Python.h", origin=f"probe:{interpreter}",
    )


def needs(*interpreters: str) -> pytest.MarkDecorator:
    missing = [exe for exe in interpreters if not os.access(exe, os.X_OK)]
    return pytest.mark.skipif(bool(missing), reason=f"not installed: {', '.join(missing)}")


def recorded(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((RECORDED / f"{name}.json").read_text())
    return data


def listing(directory: Path) -> list[str]:
    return sorted(entry.name for entry in directory.iterdir())


def script(directory: Path, name: str, body: str) -> str:
    """An executable shell script standing in for an interpreter."""
    path = directory / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


# The values rpm-facts.md measured on Debian 12: records for the tests that need one.
D12_PYTHON, D12_PYTHON_DBG, D12_PYPY = "/usr/bin/python3.11", "/usr/bin/python3.11-dbg", PYPY
EXPECTED = {
    D12_PYTHON: Runtime(
        name="python3",
        implementation="cpython",
        version="3.11.2",
        interpreter=D12_PYTHON,
        package_prefix="python3",
        purelib=DEBIAN_SITE,
        platlib=DEBIAN_SITE,
        soabi="cpython-311-x86_64-linux-gnu",
        ext_suffix=".cpython-311-x86_64-linux-gnu.so",
        cache_tag="cpython-311",
        abiflags="",
        debug=False,
        free_threaded=False,
        default=True,
        priority=10,
        abi_requires="python(abi) = 3.11",
        dist_prefix="python3",
        versioned_dist_prefix="python3.11",
        script_suffix="",
        devel_requires="/usr/include/python3.11/Python.h",
        origin=f"probe:{D12_PYTHON}",
    ),
    D12_PYTHON_DBG: Runtime(
        name="python3-debug",
        implementation="cpython",
        version="3.11.2",
        interpreter=D12_PYTHON_DBG,
        package_prefix="python3-debug",
        purelib=DEBIAN_SITE,
        platlib=DEBIAN_SITE,
        soabi="cpython-311d-x86_64-linux-gnu",
        ext_suffix=".cpython-311d-x86_64-linux-gnu.so",
        cache_tag="cpython-311",
        abiflags="d",
        debug=True,
        free_threaded=False,
        default=False,
        priority=30,
        abi_requires=D12_PYTHON_DBG,
        dist_prefix="python3",
        versioned_dist_prefix="python3.11",
        script_suffix="-python3-debug",
        devel_requires="/usr/include/python3.11d/Python.h",
        origin=f"probe:{D12_PYTHON_DBG}",
    ),
    "/usr/bin/pypy3": Runtime(
        name="pypy3",
        implementation="pypy",
        version="3.9.16",
        interpreter="/usr/bin/pypy3",
        package_prefix="pypy3",
        purelib=DEBIAN_SITE,
        platlib=DEBIAN_SITE,
        soabi="pypy39-pp73",
        ext_suffix=".pypy39-pp73-x86_64-linux-gnu.so",
        cache_tag="pypy39",
        abiflags="",
        debug=False,
        free_threaded=False,
        default=False,
        priority=50,
        abi_requires="/usr/bin/pypy3",
        dist_prefix="pypy3",
        versioned_dist_prefix="pypy3.9",
        script_suffix="-pypy3",
        devel_requires="/usr/include/pypy3.9/Python.h",
        origin="probe:/usr/bin/pypy3",
    ),
}


# -- real interpreters ---------------------------------------------------------------------


@needs(PYTHON, PYTHON_DBG, PYPY)
@pytest.mark.parametrize("interpreter", [PYTHON, PYTHON_DBG, PYPY])
def test_probe_real_interpreter(interpreter: str) -> None:
    runtime = probe(interpreter)
    assert runtime.as_dict() == expected(interpreter).as_dict()
    assert runtime == expected(interpreter)


@needs(PYTHON)
def test_probe_keeps_the_symlink_it_was_given() -> None:
    runtime = probe("/usr/bin/python3")
    assert (runtime.name, runtime.interpreter) == ("python3", "/usr/bin/python3")
    assert runtime == expected(PYTHON).replace(
        interpreter="/usr/bin/python3", origin="probe:/usr/bin/python3"
    )


@needs(PYPY)
def test_probe_resolves_bare_names_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/usr/bin")
    assert probe("pypy3") == expected("/usr/bin/pypy3")


@needs(PYPY)
def test_probe_name_overrides_the_runtime_name_only() -> None:
    runtime = probe(PYPY, name="pypy")
    assert (runtime.name, runtime.package_prefix, runtime.script_suffix) == (
        "pypy",
        "pypy3",
        "-pypy",
    )


@needs(PYPY)
def test_probe_rejects_an_invalid_name() -> None:
    with pytest.raises(ProbeError) as info:
        probe(PYPY, name="my pypy")
    assert str(info.value) == (
        f"probe:{PYPY} [runtime] name: must contain only letters, digits and '._+-' and not "
        "start with '-', got 'my pypy'"
    )


@pytest.mark.parametrize(
    ("name", "interpreter"),
    [("debian12-python3.11", PYTHON), ("debian12-python3.11-dbg", PYTHON_DBG),
     ("debian12-pypy3", PYPY)],
)
def test_recorded_debian_answers_have_the_shape_of_live_ones(name: str, interpreter: str) -> None:
    """The recorded Debian 12 answers are what this machine's interpreters answer, wherever
    the machine runs the recorded version (Debian 12); elsewhere, the same keys and kinds."""
    if not os.access(interpreter, os.X_OK):
        pytest.skip(f"not installed: {interpreter}")
    live, old = run_probe_script(interpreter), recorded(name)
    assert {key: type(value) for key, value in live.items()} == {
        key: type(value) for key, value in old.items()
    }
    if live["version"] == old["version"]:
        old["executable"] = live["executable"]  # recorded from the versioned name
        assert live == old


def _probed_interpreters() -> list[str]:
    return [rt.interpreter for rt in machine_runtimes()]


@pytest.mark.parametrize("interpreter", _probed_interpreters())
def test_probe_script_runs_on_every_probed_interpreter(interpreter: str) -> None:
    """Every runtime ``probe --all`` finds here answers the script (3.9 to 3.15, PyPy)."""
    data = run_probe_script(interpreter)
    name, version, tag = data["implementation"], str(data["version"]), data["cache_tag"]
    nodots = "".join(version.split(".")[:2])
    assert tag == (f"cpython-{nodots}" if name == "cpython" else f"{name}{nodots}")
    runtime = probe(interpreter)
    assert (runtime.version, runtime.cache_tag) == (version, tag)


def test_shebang_flags_are_what_the_interpreter_honours(tmp_path: Path) -> None:
    """-sP where -P works, -s where the interpreter refuses -P (PyPy 3.9) or ignores it, and
    nothing where it refuses -s too: decided by running it, never by its version."""
    no_p = script(tmp_path, "no-p", 'case "$2" in *P*) exit 2;; esac\necho "1 0"')
    ignores_p = script(tmp_path, "ignores-p", 'echo "1 0"')
    refuses = script(tmp_path, "refuses", "exit 2")
    assert probe_shebang_flags(no_p) == "-s"
    assert probe_shebang_flags(ignores_p) == "-s"
    assert probe_shebang_flags(refuses) == ""
    assert probe_shebang_flags(str(tmp_path / "missing")) == ""


def test_the_machine_has_runtimes_to_test() -> None:
    assert machine_runtimes(), "probe --all found no runtime on PATH"


# -- failures ------------------------------------------------------------------------------


def test_missing_interpreter() -> None:
    with pytest.raises(ProbeError) as info:
        probe("/nonexistent/python3")
    assert str(info.value) == "/nonexistent/python3: no such file"


def test_bare_name_not_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ProbeError) as info:
        probe("python3")
    assert str(info.value) == "python3: no such command on PATH"


def test_not_executable(tmp_path: Path) -> None:
    path = tmp_path / "python3"
    path.write_text("")
    with pytest.raises(ProbeError) as info:
        probe(str(path))
    assert str(info.value) == f"{path}: not an executable file"
    with pytest.raises(ProbeError) as info:
        probe(str(tmp_path))
    assert str(info.value) == f"{tmp_path}: not an executable file"


def test_crash_names_stderr_last_line(tmp_path: Path) -> None:
    exe = script(tmp_path, "python3", "echo 'Traceback:' >&2; echo 'ImportError: boom' >&2; exit 3")
    with pytest.raises(ProbeError) as info:
        probe(exe)
    assert str(info.value) == f"{exe}: exited with status 3: ImportError: boom"


def test_killed_by_signal(tmp_path: Path) -> None:
    exe = script(tmp_path, "python3", "kill -SEGV $$")
    with pytest.raises(ProbeError) as info:
        probe(exe)
    assert str(info.value) == f"{exe}: killed by SIGSEGV"


def test_timeout(tmp_path: Path) -> None:
    exe = script(tmp_path, "python3", "echo starting >&2; exec sleep 30")
    with pytest.raises(ProbeError) as info:
        probe(exe, timeout=0.5)
    assert str(info.value) == f"{exe}: no answer within 0.5 s: starting"


def test_timeout_kills_a_wrapper_script_and_its_children(tmp_path: Path) -> None:
    exe = script(tmp_path, "python3", "sleep 30; echo never")
    start = time.monotonic()
    with pytest.raises(ProbeError) as info:
        probe(exe, timeout=0.5)
    assert str(info.value) == f"{exe}: no answer within 0.5 s"
    assert time.monotonic() - start < 5


def test_not_json(tmp_path: Path) -> None:
    exe = script(tmp_path, "python3", "echo 'Hello, world'")
    with pytest.raises(ProbeError) as info:
        probe(exe)
    assert str(info.value) == f"{exe}: answered 'Hello, world\\n', not JSON"


def test_json_but_not_an_object(tmp_path: Path) -> None:
    exe = script(tmp_path, "python3", "echo '[1, 2]'")
    with pytest.raises(ProbeError) as info:
        probe(exe)
    assert str(info.value) == f"{exe}: answered [1, 2], not a JSON object"


def test_json_without_needed_values(tmp_path: Path) -> None:
    answer = recorded("debian12-pypy3")
    answer["soabi"] = None
    exe = script(tmp_path, "pypy3", f"echo '{json.dumps(answer)}'")
    with pytest.raises(ProbeError) as info:
        probe(exe)
    assert str(info.value) == f"{exe}: probe answer has no soabi (got None)"


# -- recorded answers: Debian, Fedora, venv, pyenv (pure) ----------------------------------


def test_debian_uses_deb_system() -> None:
    for name in ("debian12-python3.11", "debian12-python3.11-dbg", "debian12-pypy3"):
        assert select_site_dirs(recorded(name), "x") == ("deb_system", DEBIAN_SITE, DEBIAN_SITE)


def test_fedora_uses_rpm_prefix_not_patched_posix_prefix() -> None:
    assert select_site_dirs(recorded("fedora39-python3.12"), "x") == (
        "rpm_prefix",
        "/usr/lib/python3.12/site-packages",
        "/usr/lib64/python3.12/site-packages",
    )


def test_older_fedora_uses_posix_prefix() -> None:
    assert select_site_dirs(recorded("fedora35-python3.9"), "x") == (
        "posix_prefix",
        "/usr/lib/python3.9/site-packages",
        "/usr/lib64/python3.9/site-packages",
    )


def test_fedora_main_python() -> None:
    runtime = runtime_from_probe(
        recorded("fedora39-python3.12"),
        interpreter="/usr/bin/python3",
        is_main_python=True,
        main_version="3.12",
    )
    assert runtime == Runtime(
        name="python3",
        implementation="cpython",
        version="3.12.0",
        interpreter="/usr/bin/python3",
        package_prefix="python3",
        purelib="/usr/lib/python3.12/site-packages",
        platlib="/usr/lib64/python3.12/site-packages",
        soabi="cpython-312-x86_64-linux-gnu",
        ext_suffix=".cpython-312-x86_64-linux-gnu.so",
        cache_tag="cpython-312",
        default=True,
        priority=10,
        origin="probe:/usr/bin/python3",
    )
    assert runtime.abi_requires == "python(abi) = 3.12"


def test_fedora_debug_build_of_the_main_version() -> None:
    runtime = runtime_from_probe(
        recorded("fedora39-python3.12d"), interpreter="/usr/bin/python3.12d", main_version="3.12"
    )
    assert (runtime.name, runtime.package_prefix, runtime.priority, runtime.default) == (
        "python3-debug",
        "python3-debug",
        30,
        False,
    )
    assert (runtime.debug, runtime.abiflags, runtime.soabi) == (
        True,
        "d",
        "cpython-312d-x86_64-linux-gnu",
    )
    assert runtime.script_suffix == "-python3-debug"


def test_debug_build_of_another_version() -> None:
    runtime = runtime_from_probe(
        recorded("debian12-python3.11-dbg"), interpreter=PYTHON_DBG, main_version="3.12"
    )
    assert (runtime.name, runtime.priority) == ("python3.11-debug", 30)


def test_fedora_free_threaded() -> None:
    runtime = runtime_from_probe(
        recorded("fedora41-python3.13t"), interpreter="/usr/bin/python3.13t", main_version="3.13"
    )
    assert runtime == Runtime(
        name="python3.13t",
        implementation="cpython",
        version="3.13.0rc2",
        interpreter="/usr/bin/python3.13t",
        package_prefix="python3.13t",
        purelib="/usr/lib/python3.13t/site-packages",
        platlib="/usr/lib64/python3.13t/site-packages",
        soabi="cpython-313t-x86_64-linux-gnu",
        ext_suffix=".cpython-313t-x86_64-linux-gnu.so",
        cache_tag="cpython-313",
        abiflags="t",
        free_threaded=True,
        priority=40,
        script_suffix="-python3.13t",
        origin="probe:/usr/bin/python3.13t",
    )
    assert runtime.abi_requires == "/usr/bin/python3.13t"


def test_free_threaded_build_of_the_farm() -> None:
    """The free-threaded CPython scripts/farm.sh builds (Fedora's layout on Debian unstable):
    unpatched sysconfig has only posix_prefix, whose /usr directories are its own."""
    runtime = runtime_from_probe(
        recorded("farm-sid-python3.13t"), interpreter="/usr/bin/python3.13t", main_version="3.14"
    )
    assert (runtime.name, runtime.package_prefix, runtime.priority, runtime.default) == (
        "python3.13t",
        "python3.13t",
        40,
        False,
    )
    assert (runtime.purelib, runtime.platlib) == (
        "/usr/lib/python3.13t/site-packages",
        "/usr/lib64/python3.13t/site-packages",
    )
    assert (runtime.free_threaded, runtime.debug, runtime.abiflags) == (True, False, "t")
    assert (runtime.soabi, runtime.ext_suffix, runtime.cache_tag) == (
        "cpython-313t-x86_64-linux-gnu",
        ".cpython-313t-x86_64-linux-gnu.so",
        "cpython-313",
    )


def test_other_cpython_and_pypy_names() -> None:
    other = runtime_from_probe(recorded("debian12-python3.11"), interpreter="/usr/bin/python3.11")
    assert (other.name, other.priority, other.default) == ("python3.11", 20, False)
    pypy = runtime_from_probe(recorded("debian12-pypy3"), interpreter="/usr/bin/pypy3.9")
    assert (pypy.name, pypy.package_prefix, pypy.priority) == ("pypy3.9", "pypy3.9", 50)
    main_pypy = runtime_from_probe(
        recorded("debian12-pypy3"), interpreter="/usr/bin/pypy3", is_main_pypy=True
    )
    assert main_pypy.name == "pypy3"


def test_virtual_environment_is_refused() -> None:
    with pytest.raises(ProbeError) as info:
        runtime_from_probe(recorded("debian12-venv-python3.11"), interpreter="/tmp/v/bin/python3")
    assert str(info.value) == (
        "/tmp/v/bin/python3: is a virtual environment (prefix /tmp/v311); "
        "probe its base interpreter in /usr instead"
    )


def test_pyenv_python_has_no_system_site_dirs() -> None:
    with pytest.raises(ProbeError) as info:
        runtime_from_probe(recorded("debian12-pyenv-python3.11"), interpreter="/p/python3.11")
    assert str(info.value) == (
        "/p/python3.11: purelib /usr/lib/python3.11/site-packages (sysconfig scheme "
        "posix_prefix) is not on its sys.path (its prefix is /root/.pyenv/versions/3.11.7, "
        "not /usr: is it an OS interpreter?)"
    )


def test_site_dir_must_be_on_sys_path() -> None:
    data = recorded("debian12-python3.11")
    data["sys_path"] = ["/usr/lib/python3.11", "/usr/local/lib/python3.11/dist-packages"]
    with pytest.raises(ProbeError) as info:
        select_site_dirs(data, PYTHON)
    assert str(info.value) == (
        f"{PYTHON}: purelib /usr/lib/python3/dist-packages (sysconfig scheme deb_system) is "
        "not on its sys.path"
    )


def test_never_usr_local() -> None:
    data = recorded("fedora39-python3.12")
    data["schemes"] = {
        "posix_prefix": {
            "purelib": "/usr/local/lib/python3.12/site-packages",
            "platlib": "/usr/local/lib64/python3.12/site-packages",
        }
    }
    with pytest.raises(ProbeError) as info:
        select_site_dirs(data, "/usr/bin/python3")
    assert str(info.value) == (
        "/usr/bin/python3: purelib of sysconfig scheme posix_prefix is "
        "/usr/local/lib/python3.12/site-packages, which is for the administrator, not for packages"
    )


def test_no_known_scheme() -> None:
    data = recorded("fedora39-python3.12")
    data["schemes"] = {}
    with pytest.raises(ProbeError) as info:
        select_site_dirs(data, "/usr/bin/python3")
    assert str(info.value) == (
        "/usr/bin/python3: sysconfig has none of the schemes deb_system, rpm_prefix, posix_prefix"
    )


# -- finding and probing every interpreter -------------------------------------------------


def test_find_interpreters(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    for name in [
        "python3.12",
        "python3.12d",
        "python3.13t",
        "python3.12-dbg",
        "python3-dbg",
        "pypy3.10",
        "python3-config",
        "python3.12-config",
        "python",
        "python2.7",
        "pypy3clean",
    ]:
        script(a, name, "exit 0")
    (a / "pypy3").symlink_to("pypy3.10")
    (a / "python3").symlink_to("python3.12")
    (a / "python3.11").write_text("not executable")
    (b / "python3").symlink_to(a / "python3.12")
    script(b, "python3.11", "exit 0")
    path = f"{a}::{b}:{tmp_path / 'missing'}"
    assert find_interpreters(path) == [
        f"{a}/pypy3",
        f"{a}/python3",
        f"{a}/python3-dbg",
        f"{a}/python3.12-dbg",
        f"{a}/python3.12d",
        f"{a}/python3.13t",
        f"{b}/python3.11",
    ]


@needs(PYTHON, PYTHON_DBG, PYPY)
def test_probe_all(tmp_path: Path) -> None:
    system, other = tmp_path / "system", tmp_path / "other"
    system.mkdir()
    other.mkdir()
    (system / "python3").symlink_to("/usr/bin/python3")
    (system / "python3-dbg").symlink_to(PYTHON_DBG)
    (system / "pypy3").symlink_to(PYPY)
    # A wrapper: another file, the same runtime as python3 (dropped for the canonical name).
    wrapper = script(other, "python3.11", f'exec {PYTHON} "$@"')
    crash = script(other, "python3.99", "exit 1")
    runtimes, skipped = probe_all(f"{system}:{other}")
    assert [(rt.name, rt.interpreter) for rt in runtimes] == [
        ("python3", f"{system}/python3"),
        ("python3-debug", f"{system}/python3-dbg"),
        ("pypy3", f"{system}/pypy3"),
    ]
    assert runtimes[0] == expected(PYTHON).replace(
        interpreter=f"{system}/python3", origin=f"probe:{system}/python3"
    )
    assert skipped == [
        (wrapper, f"same runtime as {system}/python3"),
        (crash, "exited with status 1"),
    ]


def test_probe_all_skips_virtual_environments_and_foreign_prefixes(tmp_path: Path) -> None:
    venv = recorded("debian12-venv-python3.11")
    pyenv = recorded("debian12-pyenv-python3.11")
    a = script(tmp_path, "python3.11", f"echo '{json.dumps(venv)}'")
    b = script(tmp_path, "python3.12", f"echo '{json.dumps(pyenv)}'")
    runtimes, skipped = probe_all(str(tmp_path))
    assert runtimes == []
    assert skipped == [
        (a, "virtual environment (prefix /tmp/v311)"),
        (b, "not an OS runtime (prefix /root/.pyenv/versions/3.11.7, not /usr)"),
    ]


# -- writing -------------------------------------------------------------------------------


def test_write_conf_no_clobber_and_force(tmp_path: Path) -> None:
    runtime = EXPECTED["/usr/bin/pypy3"]
    path = write_conf(runtime, str(tmp_path))
    assert path == f"{tmp_path}/pypy3.conf"
    text = Path(path).read_text()
    assert text == format_conf(
        runtime,
        header="Python runtime 'pypy3' for rpm-pyconfig: pypy 3.9.16 at /usr/bin/pypy3.\n"
        "Keys left out take their documented defaults.",
    )
    assert stat.S_IMODE(Path(path).stat().st_mode) == 0o644

    changed = runtime.replace(priority=55)
    with pytest.raises(PyConfigError) as info:
        write_conf(changed, str(tmp_path))
    assert str(info.value) == f"{path}: already exists (use --force to replace it)"
    assert Path(path).read_text() == text
    assert listing(tmp_path) == ["pypy3.conf"]

    assert write_conf(changed, str(tmp_path), force=True, header="") == path
    assert Path(path).read_text().endswith(
        "cache_tag = pypy39\npriority = 55\ndevel_requires = /usr/include/pypy3.9/Python.h\n")
    assert not Path(path).read_text().startswith("#")
    assert listing(tmp_path) == ["pypy3.conf"]


def test_write_conf_refuses_a_dangling_symlink(tmp_path: Path) -> None:
    (tmp_path / "pypy3.conf").symlink_to("/dev/null")
    with pytest.raises(PyConfigError) as info:
        write_conf(EXPECTED["/usr/bin/pypy3"], str(tmp_path))
    assert str(info.value) == f"{tmp_path}/pypy3.conf: already exists (use --force to replace it)"


def test_write_conf_into_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(PyConfigError) as info:
        write_conf(EXPECTED["/usr/bin/pypy3"], str(tmp_path / "nope"))
    assert (
        str(info.value) == f"{tmp_path}/nope: cannot write a file there: No such file or directory"
    )


def test_write_conf_leaves_no_temporary_file_when_the_value_is_bad(tmp_path: Path) -> None:
    with pytest.raises(PyConfigError):
        write_conf(EXPECTED["/usr/bin/pypy3"].replace(purelib="relative"), str(tmp_path))
    assert listing(tmp_path) == []


def test_write_conf_leaves_no_temporary_file_when_linking_fails(tmp_path: Path) -> None:
    # A directory where the file should go: os.link fails with EEXIST.
    (tmp_path / "pypy3.conf").mkdir()
    with pytest.raises(PyConfigError) as info:
        write_conf(EXPECTED["/usr/bin/pypy3"], str(tmp_path), force=True)
    assert str(info.value) == (
        f"{tmp_path}/pypy3.conf: exists and is not a regular file (a directory, a symlink, "
        "a device or a FIFO); refusing to replace it"
    )
    assert listing(tmp_path) == ["pypy3.conf"]


# -- round trips ---------------------------------------------------------------------------


@needs(PYTHON, PYTHON_DBG, PYPY)
def test_probe_write_load_round_trip(tmp_path: Path) -> None:
    probed = [probe(exe) for exe in (PYTHON, PYTHON_DBG, PYPY)]
    paths = [write_conf(runtime, str(tmp_path)) for runtime in probed]
    registry = load_registry([str(tmp_path)], explicit=True)
    assert registry.runtimes == tuple(
        runtime.replace(origin=path) for runtime, path in zip(probed, paths)
    )
    assert registry.default.name == "python3"


def test_shipped_example_drop_ins_are_debian_12s_probe_answers() -> None:
    shipped = ROOT / "etc" / "rpm-pyconfig.d"
    registry = load_registry([str(shipped)], explicit=True)
    assert registry.names == ("python3", "python3-debug", "pypy3")
    answers = {"python3": "debian12-python3.11", "python3-debug": "debian12-python3.11-dbg",
               "pypy3": "debian12-pypy3"}
    # probe_shebang_flags on Debian 12, recorded: CPython 3.11 honours -P, PyPy 3.9 refuses it.
    flags = {"python3": "-sP", "python3-debug": "-sP", "pypy3": "-s"}
    for runtime in registry:
        probed = runtime_from_probe(
            recorded(answers[runtime.name]), interpreter=runtime.interpreter,
            is_main_python=runtime.name == "python3", is_main_pypy=runtime.name == "pypy3",
            main_version="3.11", shebang_flags=flags[runtime.name],
        )
        assert runtime == probed.replace(origin=f"{shipped}/{runtime.name}.conf")
    for path in registry.files:
        assert Path(path).read_text().startswith("# rpm-pyconfig runtime ")


def test_find_interpreters_skips_virtual_environments(tmp_path: Path) -> None:
    """A venv's python3 links to the system interpreter: it must not hide /usr/bin/python3."""
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv_bin / "python3").symlink_to("/usr/bin/python3.11")
    found = find_interpreters(f"{venv_bin}:/usr/bin")
    assert str(venv_bin / "python3") not in found
    assert "/usr/bin/python3" in found or "/usr/bin/python3.11" in found


# -- the C headers directory ---------------------------------------------------------------


@needs(PYTHON, PYTHON_DBG, PYPY)
@pytest.mark.parametrize("interpreter", [PYTHON, PYTHON_DBG, PYPY])
def test_include_is_the_interpreters_own_includepy(interpreter: str) -> None:
    """The headers directory is asked, not derived: sysconfig's INCLUDEPY of each one."""
    import subprocess

    asked = subprocess.run([interpreter, "-c", "import sysconfig; "
                            "print(sysconfig.get_config_var('INCLUDEPY'))"],
                           capture_output=True, text=True, check=True).stdout.strip()
    runtime = probe(interpreter)
    assert runtime.include == os.path.normpath(asked)
    assert runtime.devel_requires == f"{runtime.include}/Python.h"


def test_include_where_the_derivation_would_be_wrong() -> None:
    """A runtime whose headers are not in /usr/include/pythonX.Y: the probed directory is
    kept and written into its drop-in (which then loads back to it)."""
    answer = dict(recorded("debian12-python3.11"), include="/opt/python/include/python3.11/")
    runtime = runtime_from_probe(answer, interpreter="/usr/bin/python3", is_main_python=True)
    assert runtime.include == "/opt/python/include/python3.11"
    assert "include = /opt/python/include/python3.11\n" in format_conf(runtime)


@pytest.mark.parametrize("include", [None, "", "relative/include"])
def test_include_derived_when_the_answer_has_none_a_drop_in_can_hold(
    include: str | None
) -> None:
    """Older answers and drop-ins without the key keep working: the derived directory,
    which the drop-in then does not spell out."""
    answer = dict(recorded("debian12-python3.11"), include=include)
    runtime = runtime_from_probe(answer, interpreter="/usr/bin/python3", is_main_python=True)
    assert runtime.include == f"/usr/include/python{runtime.short_version}{runtime.abiflags}"
    assert "\ninclude =" not in format_conf(runtime)
