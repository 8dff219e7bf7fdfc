"""Tests of rpm_pyconfig.cli: every command through ``main(argv)``, exit codes, the
``%{error:...}`` sentinel, the fast parser against argparse, and the import cost."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rpm_pyconfig import cli
from rpm_pyconfig._arguments import build_parser
from rpm_pyconfig.dropin import format_conf
from rpm_pyconfig.errors import UsageError
from rpm_pyconfig.expression import TOKENS
from tests.rpmtools import machine_runtimes, pypy_runtime

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "etc" / "rpm-pyconfig.d"
SITE = "/usr/lib/python3/dist-packages"

PYPY_CONF = """\
[runtime]
name = pypy3
implementation = pypy
version = 3.9.16
interpreter = /usr/bin/pypy3
package_prefix = pypy3
purelib = /usr/lib/python3/dist-packages
platlib = /usr/lib/python3/dist-packages
soabi = pypy39-pp73
ext_suffix = .pypy39-pp73-x86_64-linux-gnu.so
cache_tag = pypy39
"""


def machine_pypy_conf() -> str:
    """What ``probe /usr/bin/pypy3`` prints on this machine (PyPy as ``probe --all`` finds it)."""
    pypy = pypy_runtime()
    return (
        f"[runtime]\nname = pypy3\nimplementation = pypy\nversion = {pypy.version}\n"
        f"interpreter = /usr/bin/pypy3\npackage_prefix = pypy3\npurelib = {pypy.purelib}\n"
        f"platlib = {pypy.platlib}\nsoabi = {pypy.soabi}\next_suffix = {pypy.ext_suffix}\n"
        f"cache_tag = {pypy.cache_tag}\n"
        + (f"shebang_flags = {pypy.shebang_flags}\n" if pypy.shebang_flags else "")
        + f"devel_requires = {pypy.devel_requires}\n"
    )


@pytest.fixture
def machine_registry(tmp_path: Path) -> Path:
    """This machine's runtimes as ``probe --all --write`` would write them."""
    directory = tmp_path / "machine"
    directory.mkdir()
    for runtime in machine_runtimes():
        (directory / f"{runtime.name}.conf").write_text(format_conf(runtime), encoding="utf-8")
    return directory


def conf(name: str, interpreter: str, *, extra: str = "") -> str:
    """A valid CPython drop-in."""
    return (
        f"[runtime]\nname = {name}\nimplementation = cpython\nversion = 3.12.1\n"
        f"interpreter = {interpreter}\npackage_prefix = {name}\npurelib = {SITE}\n"
        f"platlib = {SITE}\nsoabi = cpython-312-x86_64-linux-gnu\n"
        f"ext_suffix = .cpython-312-x86_64-linux-gnu.so\ncache_tag = cpython-312\n{extra}"
    )


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """The three shipped drop-ins: python3 (default), python3-debug, pypy3, in that order."""
    directory = tmp_path / "registry"
    directory.mkdir()
    for path in sorted(SHIPPED.glob("*.conf")):
        shutil.copy(path, directory)
    return directory


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RPM_PYCONFIG_PATH", raising=False)
    monkeypatch.delenv("RPM_BUILD_ROOT", raising=False)
    monkeypatch.setenv("COLUMNS", "80")  # argparse's usage text wraps at the terminal width


Run = tuple[int, str, str]


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> Run:
    status = cli.main([str(word) for word in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def sentinel(message: str) -> str:
    """What a spec-facing command prints on stdout when it fails (see test_stop_lines)."""
    return cli.stop_lines(message)


# -- the 2010 interface -------------------------------------------------------------------


def test_foreach_eval_prints_once_per_runtime_in_order(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "--confdir", registry, "--foreach", "--eval", "@name @confbin") == (
        0,
        "python3 /usr/bin/python3.11\n"
        "python3-debug /usr/bin/python3.11-dbg\n"
        "pypy3 /usr/bin/pypy3\n",
        "",
    )


def test_foreach_3_keeps_python_3_runtimes(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (registry / "python2.conf").write_text(
        conf("python2", "/usr/bin/python2.7").replace("3.12.1", "2.7.18"), encoding="utf-8"
    )
    assert run(capsys, "--confdir", registry, "--foreach-3", "--eval", "@name")[1] == (
        "python3\npython3-debug\npypy3\n"
    )
    assert run(capsys, "--confdir", registry, "--foreach-2", "--eval", "@name")[1] == "python2\n"
    assert run(capsys, "--confdir", registry, "--foreach", "--eval", "@name")[1] == (
        "python3\npython3-debug\npypy3\npython2\n"
    )


def test_foreach_2_without_python_2_fails_naming_the_filter(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = (
        "rpm-pyconfig: no runtime selected by --foreach-2: the registry has python3 (dropped by "
        "--foreach-2); python3-debug (dropped by --foreach-2); pypy3 (dropped by --foreach-2)"
    )
    assert run(capsys, "--confdir", registry, "--foreach-2", "--eval", "@name") == (
        1, sentinel(message), message + "\n",
    )


def test_eval_without_foreach_uses_the_default_runtime(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "--confdir", registry, "--eval", "@name @default") == (
        0, "python3 1\n", "",
    )
    # The default filtered out: the first selected runtime.
    assert run(capsys, "--confdir", registry, "--exclude", "python3", "--eval", "@name")[1] == (
        "python3-debug\n"
    )


def test_values_are_percent_escaped_unless_raw(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pypy = registry / "pypy3.conf"
    pypy.write_text(
        pypy.read_text(encoding="utf-8").replace(
            "interpreter = /usr/bin/pypy3", "interpreter = /opt/100%{name}%%/pypy3"
        ),
        encoding="utf-8",
    )
    argv: list[str | Path] = [
        "--confdir", registry, "--only", "pypy3", "--foreach", "--eval", "%x @confbin %%"
    ]
    assert run(capsys, *argv)[1] == "%x /opt/100%%{name}%%%%/pypy3 %%\n"
    assert run(capsys, *argv, "--raw")[1] == "%x /opt/100%{name}%%/pypy3 %%\n"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--where", "implementation_name == 'pypy'"], ["pypy3"]),
        (["--where=debug == 'true' or implementation_name == 'pypy'"], ["python3-debug", "pypy3"]),
        (["--only", "python3*"], ["python3", "python3-debug"]),
        (["--only", "pypy3", "--only=python3"], ["python3", "pypy3"]),  # registry order
        (["--exclude", "*-debug", "--exclude", "pypy3"], ["python3"]),
        (["--only", "python3*", "--where", "python_version >= '3.11'", "--exclude", "python3"],
         ["python3-debug"]),
    ],
)
def test_selection_options(
    registry: Path, capsys: pytest.CaptureFixture[str], options: list[str], expected: list[str]
) -> None:
    status, out, err = run(capsys, "--confdir", registry, *options, "--foreach", "--eval", "@name")
    assert (status, out.split(), err) == (0, expected, "")


def test_bad_where_fails_with_a_marker(registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    message = (
        "rpm-pyconfig: expected a variable or a quoted string, got end of input\n"
        "    implementation_name ==\n"
        "                          ^"
    )
    assert run(
        capsys, "--confdir", registry, "--where", "implementation_name ==", "--foreach",
        "--eval", "@name",
    ) == (1, sentinel(message), message + "\n")


def test_repeated_confdir_later_directories_replace_and_mask(
    registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    later = tmp_path / "later"
    later.mkdir()
    (later / "pypy3.conf").write_text("", encoding="utf-8")  # masks the pypy3 drop-in
    (later / "python3-debug.conf").write_text(
        conf("python3-debug", "/opt/debug/python3"), encoding="utf-8"
    )
    (later / "zz.conf").write_text(conf("zz", "/opt/zz/python3"), encoding="utf-8")
    argv = ["--foreach", "--eval", "@name=@confbin"]
    assert run(capsys, "--confdir", registry, "--confdir", later, *argv)[1].split() == [
        "python3=/usr/bin/python3.11",
        "python3-debug=/opt/debug/python3",
        "zz=/opt/zz/python3",
    ]
    assert run(capsys, "--confdir", later, "--confdir", registry, *argv)[1].split() == [
        "python3=/usr/bin/python3.11",
        "python3-debug=/usr/bin/python3.11-dbg",
        "pypy3=/usr/bin/pypy3",
        "zz=/opt/zz/python3",
    ]


def test_rpm_pyconfig_path_variable(
    registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "pypy3.conf").write_text("", encoding="utf-8")
    monkeypatch.setenv("RPM_PYCONFIG_PATH", f"{registry}::{other}")
    assert run(capsys, "--foreach", "--eval", "@name")[1] == "python3\npython3-debug\n"
    # --confdir wins over the variable.
    assert run(capsys, "--confdir", registry, "--foreach", "--eval", "@name")[1] == (
        "python3\npython3-debug\npypy3\n"
    )
    monkeypatch.setenv("RPM_PYCONFIG_PATH", str(tmp_path / "missing"))
    message = f"rpm-pyconfig: {tmp_path / 'missing'}: configuration directory does not exist"
    assert run(capsys, "--foreach", "--eval", "@name") == (1, sentinel(message), message + "\n")


def test_unknown_token_prints_the_sentinel(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "--confdir", registry, "--foreach", "--eval", "@nme")
    assert status == 1
    guard = "%if rpm-pyconfig failed: unknown token '@nme' (did you mean '@name'?)\n"
    assert out == (
        guard
        + '%{error:%{lua:print("rpm-pyconfig: unknown token \'@nme\' (did you mean \'@name\'?)'
        '\\n    @nme\\n    ~~~^")}}\n'
        + guard
    )
    assert err == (
        "rpm-pyconfig: unknown token '@nme' (did you mean '@name'?)\n    @nme\n    ~~~^\n"
    )


# -- --exe ----------------------------------------------------------------------------------


def test_exe_runs_per_runtime_and_passes_the_exit_status(
    registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "log"
    status, out, err = run(
        capsys, "--confdir", registry, "--foreach", "--exe",
        f'echo @name "$RPM_PYCONFIG_RUNTIME" >> {log}; test @name != pypy3 || exit 3',
    )
    assert status == 3
    assert log.read_text(encoding="utf-8") == (
        "python3 python3\npython3-debug python3-debug\npypy3 pypy3\n"
    )
    message = (
        f"rpm-pyconfig: --exe failed for runtime 'pypy3' (/usr/bin/pypy3): command exited with "
        f'status 3: echo pypy3 "$RPM_PYCONFIG_RUNTIME" >> {log}; test pypy3 != pypy3 || exit 3'
    )
    assert (out, err) == (sentinel(message), message + "\n")


@pytest.mark.parametrize("status", [1, 2, 126, 127, 255])
def test_exe_passes_every_exit_status_through(
    registry: Path, capsys: pytest.CaptureFixture[str], status: int
) -> None:
    """README: --exe exits with the failing command's status, 127 (not found) included."""
    assert run(capsys, "--confdir", registry, "--exe", f"exit {status}")[0] == status


@pytest.mark.parametrize(
    "argv",
    [
        ["--where", "debug == 'true'", "--where", "debug == 'false'", "--foreach", "--eval", "x"],
        ["--where=a == 'b'", "--where=c == 'd'", "--foreach", "--eval", "x"],
        ["--foreach", "--eval", "a", "--eval", "b"],
        ["--foreach", "--exe", "a", "--exe", "b"],
        ["spec", "x", "-o", "a", "-o", "b"],
        ["install", "--buildroot", "a", "--buildroot", "b"],
        ["list", "--where", "debug == 'true'", "--where", "debug == 'false'"],
    ],
)
def test_single_value_options_given_twice_are_usage_errors(
    registry: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    status, _out, err = run(capsys, "--confdir", registry, *argv)
    assert status == 2
    assert "given twice" in err


def test_a_parser_used_again_takes_each_single_value_option_once_per_parse() -> None:
    """Each parse is new: a namespace made at the address of an earlier, freed one (CPython
    reuses it at once) has not been given the option yet.  It was taken for the earlier one."""
    parser = build_parser("rpm-pyconfig")
    for number in range(20):
        where = f"name == 'x{number}'"
        assert parser.parse_args(["--where", where, "list"]).where == where
    namespace = parser.parse_args(["list"])
    with pytest.raises(UsageError, match="--where given twice"):
        parser.parse_args(["--where", "name == 'a'", "--where", "name == 'b'", "list"],
                          namespace)
    assert namespace.where == "name == 'a'"


def test_exe_without_foreach_runs_for_the_default(
    registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "log"
    assert run(capsys, "--confdir", registry, "--exe", f"echo @confbin > {log}") == (0, "", "")
    assert log.read_text(encoding="utf-8") == "/usr/bin/python3.11\n"


# -- usage errors ---------------------------------------------------------------------------


def usage() -> str:
    """The usage text our parser prints (argparse lays it out differently per Python version)."""
    return build_parser("rpm-pyconfig").format_usage().rstrip()


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--bogus"], ["--bogus"]),
        (["--eval", "x", "--exe", "y"], ["--exe", "--eval"]),
        (["--foreach", "--foreach-3", "--eval", "x"], ["--foreach-3", "--foreach"]),
        (["--fore", "--eval", "x"], ["--fore", "--foreach", "--foreach-2", "--foreach-3"]),
        (["--eval"], ["--eval"]),
    ],
)
def test_usage_errors_exit_2_with_the_sentinel(
    capsys: pytest.CaptureFixture[str], argv: list[str], named: list[str]
) -> None:
    """argparse's own words (they change between Python versions) name the options, then the
    usage follows; stdout carries the same text as an %{error:...} for rpm."""
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert err.startswith("rpm-pyconfig: usage error: ")
    assert err.endswith(f"\n{usage()}\n")
    first = err.splitlines()[0]
    assert all(option in first for option in named), first
    assert out == sentinel(err[:-1])


def test_our_own_usage_error_is_exact(capsys: pytest.CaptureFixture[str]) -> None:
    full = "rpm-pyconfig: usage error: --foreach needs --eval EXPR or --exe CMD"
    assert run(capsys, "--foreach") == (2, sentinel(full), full + "\n")


def test_usage_error_of_a_registry_command(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "probe")
    assert (status, out, err) == (
        2, "", "rpm-pyconfig: usage error: probe: give either PYTHON... or --all\n"
    )
    status, out, err = run(capsys, "probe", "--name", "x", "/usr/bin/pypy3", "/usr/bin/python3.11")
    assert (status, out, err) == (
        2, "", "rpm-pyconfig: usage error: probe: --name needs exactly one PYTHON\n"
    )


def test_version_and_help_return_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--version") == (0, "rpm-pyconfig 0.1.0\n", "")
    status, out, err = run(capsys, "--help")
    assert (status, err) == (0, "")
    assert out.startswith(usage() + "\n\nEvaluate @-expressions")


@pytest.mark.parametrize(
    "command", ["list", "show", "check", "probe", "render", "spec", "install"]
)
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    status, out, err = run(capsys, command, "--help")
    assert (status, err) == (0, "")
    assert out.startswith(f"usage: rpm-pyconfig {command} [-h]")


def test_help_follows_the_terminal_width(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "50")
    for command in ("probe", "check"):  # not the top level: its texts are raw
        status, out, _err = run(capsys, command, "--help")
        assert status == 0
        assert max(len(line) for line in out.splitlines()) <= 48  # COLUMNS - 2, as argparse


def test_parser_uses_only_public_argparse_api() -> None:
    """Python 3.15 changed the private _get_formatter; overriding private methods breaks."""
    from rpm_pyconfig import _arguments

    for cls in (_arguments._Parser, _arguments._Formatter, _arguments._RawFormatter):
        own = {
            name
            for klass in cls.__mro__
            if klass.__module__ == _arguments.__name__
            for name in vars(klass)
        }
        assert not {n for n in own if n.startswith("_") and not n.endswith("__")}, cls


def test_no_arguments_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = run(capsys)
    assert status == 2
    assert out.startswith(usage() + "\n")


# -- list, show, check ----------------------------------------------------------------------


def test_list_table(registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--confdir", registry, "list") == (0, (
        "NAME           IMPLEMENTATION  VERSION  PACKAGE PREFIX  INTERPRETER              DEFAULT\n"
        "python3        cpython         3.11.2   python3         /usr/bin/python3.11      yes\n"
        "python3-debug  cpython         3.11.2   python3-debug   /usr/bin/python3.11-dbg\n"
        "pypy3          pypy            3.9.16   pypy3           /usr/bin/pypy3\n"
    ), "")
    # Options of the subcommand, selection included.
    assert run(capsys, "list", "--confdir", registry, "--exclude", "python3*") == (0, (
        "NAME   IMPLEMENTATION  VERSION  PACKAGE PREFIX  INTERPRETER     DEFAULT\n"
        "pypy3  pypy            3.9.16   pypy3           /usr/bin/pypy3\n"
    ), "")


def test_list_json(registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--confdir", registry, "list", "--json")
    assert (status, err) == (0, "")
    data = json.loads(out)
    assert [entry["name"] for entry in data] == ["python3", "python3-debug", "pypy3"]
    assert data[2] == {
        "name": "pypy3",
        "implementation": "pypy",
        "version": "3.9.16",
        "interpreter": "/usr/bin/pypy3",
        "package_prefix": "pypy3",
        "purelib": SITE,
        "platlib": SITE,
        "soabi": "pypy39-pp73",
        "ext_suffix": ".pypy39-pp73-x86_64-linux-gnu.so",
        "cache_tag": "pypy39",
        "abiflags": "",
        "debug": False,
        "free_threaded": False,
        "default": False,
        "priority": 50,
        "abi_requires": "/usr/bin/pypy3",
        "dist_prefix": "pypy3",
        "versioned_dist_prefix": "pypy3.9",
        "script_suffix": "-pypy3",
        "shebang_flags": "-s",
        "devel_requires": "/usr/include/pypy3.9/Python.h",
        "include": "/usr/include/pypy3.9",
        "origin": str(registry / "pypy3.conf"),
    }


def test_show_a_runtime(registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--confdir", registry, "show", "python3-debug")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"# {registry / 'python3-debug.conf'}"
    assert len(lines) == 1 + len(TOKENS)
    assert "@confbin                         /usr/bin/python3.11-dbg" in lines
    assert "@platform_python_implementation  CPython" in lines
    assert "@script_suffix                   -python3-debug" in lines
    assert "@debug                           1" in lines
    assert "@abiflags                        d" in lines
    # Without a name: the default runtime.
    default = run(capsys, "--confdir", registry, "show")[1].splitlines()
    assert default[0] == f"# {registry / 'python3.conf'}"
    assert "@abiflags".ljust(33) in default  # an empty value keeps its line
    shown = json.loads(run(capsys, "show", "--confdir", registry, "--json", "pypy3")[1])
    assert (shown["name"], shown["soabi"]) == ("pypy3", "pypy39-pp73")


def test_show_an_unknown_name_suggests_one(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "--confdir", registry, "show", "pypy") == (
        1, "",  # no sentinel: no spec reads show's output
        "rpm-pyconfig: no runtime named 'pypy' (did you mean 'pypy3'?); the registry has "
        "python3, python3-debug, pypy3\n",
    )
    assert run(capsys, "--confdir", registry, "show", "zzz")[2] == (
        "rpm-pyconfig: no runtime named 'zzz'; the registry has python3, python3-debug, pypy3\n"
    )


def test_check_ok(machine_registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = ", ".join(
        f"{rt.name} (default)" if rt.default else rt.name for rt in machine_runtimes()
    )
    assert run(capsys, "--confdir", machine_registry, "check") == (
        0, f"ok: {len(machine_runtimes())} runtimes: {names}\n", "",
    )


def test_check_reports_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "aa.conf").write_text(
        "[runtime]\nimplementation = cpython\nversion = 3.12.0\ninterpreter = bin/python3.12\n",
        encoding="utf-8",
    )
    (tmp_path / "bb.conf").write_text(PYPY_CONF + "prioritty = 3\n", encoding="utf-8")
    aa, bb = tmp_path / "aa.conf", tmp_path / "bb.conf"
    assert run(capsys, "check", "--confdir", tmp_path) == (1, (
        f"{aa}:4 [runtime] interpreter: must be an absolute path, got 'bin/python3.12'\n"
        f"{aa}:1: missing required keys in [runtime]: package_prefix, purelib, platlib, soabi, "
        "ext_suffix, cache_tag\n"
        f"{bb}:12 [runtime] prioritty: unknown key 'prioritty', did you mean 'priority'?\n"
    ), "")


def test_check_finds_a_missing_interpreter(
    machine_registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = machine_registry
    (registry / "zz.conf").write_text(conf("zz", "/nonexistent/python3"), encoding="utf-8")
    (registry / "zy.conf").write_text(conf("zy", "/usr/lib"), encoding="utf-8")  # a directory
    assert run(capsys, "--confdir", registry, "check") == (1, (
        f"{registry / 'zy.conf'}: [runtime] interpreter: '/usr/lib' is not an executable file\n"
        f"{registry / 'zz.conf'}: [runtime] interpreter: '/nonexistent/python3' is not an "
        "executable file\n"
        f"{registry / 'zz.conf'}: runtimes 'zy' and 'zz' both install extension modules named "
        f"*.cpython-312-x86_64-linux-gnu.so into {SITE}: their subpackages would ship the same "
        "files; give one of them its own platlib or leave it out\n"
    ), "")


def test_check_finds_runtimes_that_cannot_install_side_by_side(
    machine_registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main = next(rt for rt in machine_runtimes() if rt.default)
    twin = main.replace(name="twin", default=False, priority=99, origin="", script_suffix="-twin")
    (machine_registry / "twin.conf").write_text(format_conf(twin), encoding="utf-8")
    status, out, err = run(capsys, "--confdir", machine_registry, "check")
    assert (status, err) == (1, "")
    assert out == (
        f"{machine_registry / 'twin.conf'}: runtimes {main.name!r} and 'twin' both install "
        f"extension modules named *{main.ext_suffix} into {main.platlib}: their subpackages "
        "would ship the same files; give one of them its own platlib or leave it out\n"
    )


def test_check_an_empty_registry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--confdir", tmp_path, "check") == (1, (
        f"no Python runtime is defined in {tmp_path}; hint: run "
        "'rpm-pyconfig probe --all --write /etc/rpm-pyconfig.d'\n"
    ), "")


# -- probe ----------------------------------------------------------------------------------


def test_probe_prints_a_conf(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "probe", "/usr/bin/pypy3") == (0, machine_pypy_conf(), "")


def test_probe_write_never_clobbers_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "pypy3.conf"
    assert run(capsys, "probe", "--write", tmp_path, "/usr/bin/pypy3") == (
        0, "", f"wrote {target}\n",
    )
    header = (
        f"# Python runtime 'pypy3' for rpm-pyconfig: pypy {pypy_runtime().version} at "
        "/usr/bin/pypy3.\n# Keys left out take their documented defaults.\n\n"
    )
    assert target.read_text(encoding="utf-8") == header + machine_pypy_conf()
    target.write_text("# mine\n", encoding="utf-8")
    assert run(capsys, "probe", "--write", tmp_path, "/usr/bin/pypy3") == (
        1, "", f"rpm-pyconfig: {target}: already exists (use --force to replace it)\n",
    )
    assert target.read_text(encoding="utf-8") == "# mine\n"
    assert run(capsys, "probe", "--write", tmp_path, "--force", "/usr/bin/pypy3")[0] == 0
    assert target.read_text(encoding="utf-8") == header + machine_pypy_conf()
    assert sorted(os.listdir(tmp_path)) == ["pypy3.conf"]  # no temporary file left


def test_probe_with_a_name(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = run(capsys, "probe", "--name", "mypypy", "/usr/bin/pypy3")
    assert status == 0
    assert out == machine_pypy_conf().replace("name = pypy3", "name = mypypy")


# -- render ---------------------------------------------------------------------------------


def test_render_a_shipped_template(registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(
        capsys, "--confdir", registry, "render", "prep", "--only", "pypy3",
    )
    assert (status, err) == (0, "")
    assert out == (
        "rm -rf _pyconfig/src/pypy3 && mkdir -p _pyconfig/src/pypy3\n"
        "find . -mindepth 1 -maxdepth 1 ! -name _pyconfig -exec cp -a -t _pyconfig/src/pypy3 {} + "
        "|| exit 1\n"
    )


def test_render_repeats_the_selection_for_install(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _err = run(
        capsys, "render", "install", "--confdir", str(registry), "--exclude", "pypy*",
        "--where", "debug == 'true'",
    )
    assert status == 0
    assert out.splitlines()[-1] == (
        f"rpm-pyconfig --confdir={registry} '--exclude=pypy*' "
        "'--where=debug == '\"'\"'true'\"'\"'' "
        'install --buildroot "%{buildroot}" --bindir "%{_bindir}" || exit 1'
    )


def test_render_a_template_file(
    registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = tmp_path / "mine.j2"
    template.write_text(
        "{% for rt in runtimes %}%global {{ rt.name | replace('-', '_') | literal }} "
        "{{ greeting | literal }} %{name}\n"
        "{% endfor %}",
        encoding="utf-8",
    )
    assert run(
        capsys, "--confdir", registry, "render", str(template), "--set", "greeting=100% sure",
        "--exclude", "pypy3",
    ) == (0, "%global python3 100%% sure %{name}\n%global python3_debug 100%% sure %{name}\n", "")


def test_render_refuses_a_set_value_with_a_newline(
    registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --set value must not start a new spec line (%post, say) where a template prints it."""
    template = tmp_path / "mine.j2"
    template.write_text("Summary: {{ greeting | literal }}\n", encoding="utf-8")
    status, out, err = run(
        capsys, "--confdir", registry, "render", str(template),
        "--set", "greeting=x\n%post\necho INJECTED",
    )
    assert status == 1
    message = "must not contain a newline, got 'x\\n%post\\necho INJECTED'"
    assert message in err
    guard, stop, again = out.splitlines()  # only the stop lines: guard, %{error:}, guard
    assert guard == again and guard.startswith("%if rpm-pyconfig failed: must not contain")
    assert stop.startswith("%{error:")


def test_render_unknown_template_suggests_one(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = (
        "rpm-pyconfig: no template 'subpackges' (did you mean 'subpackages'?); shipped templates: "
        "app, build, buildrequires, check, generate_buildrequires, install, prep, spec, "
        "subpackages, test; or give the path of a template file"
    )
    assert run(capsys, "--confdir", registry, "render", "subpackges") == (
        1, sentinel(message), message + "\n",
    )


def test_render_missing_value_names_it(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = (
        "rpm-pyconfig: template subpackages.j2: 'pkgname' is undefined; give it with "
        "--set NAME=VALUE"
    )
    assert run(capsys, "--confdir", registry, "render", "subpackages") == (
        1, sentinel(message), message + "\n",
    )


def test_render_set_needs_key_value(registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    message = (
        "rpm-pyconfig: usage error: --set wants KEY=VALUE with KEY an identifier, got 'a-b=1'"
    )
    assert run(capsys, "--confdir", registry, "render", "prep", "--set", "a-b=1") == (
        2, sentinel(message), message + "\n",
    )


def test_render_of_a_broken_registry_prints_the_sentinel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x.conf").write_text("[runtime]\nname = x\n", encoding="utf-8")
    status, out, err = run(capsys, "--confdir", tmp_path, "render", "prep")
    message = (
        f"rpm-pyconfig: {tmp_path / 'x.conf'}:1: missing required keys in [runtime]: "
        "implementation, version, interpreter, package_prefix, purelib, platlib, soabi, "
        "ext_suffix, cache_tag"
    )
    assert (status, out, err) == (1, sentinel(message), message + "\n")


# -- the %{error:...} sentinel ------------------------------------------------------------


def test_rpm_error_escapes_what_rpm_or_lua_would_read() -> None:
    assert cli.rpm_error('a{b}"c\\d%{name}%%\te\nf') == (
        '%{error:%{lua:print("a\\123b\\125\\034c\\092d%\\123name\\125%%\\009e\\nf")}}'
    )
    assert cli.rpm_error("plain") == '%{error:%{lua:print("plain")}}'


def test_stop_lines_guard_both_spec_forms() -> None:
    """%if guards around %{error:}: the guard's % doubled, one line, the message's first."""
    assert cli.stop_lines("rpm-pyconfig: bad %{x}\tvalue\n  ~~^") == (
        "%if rpm-pyconfig failed: bad %%{x} value\n"
        '%{error:%{lua:print("rpm-pyconfig: bad %\\123x\\125\\009value\\n  ~~^")}}\n'
        "%if rpm-pyconfig failed: bad %%{x} value\n"
    )


def test_no_sentinel_on_a_terminal(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a terminal the sentinel would only be noise: a pseudo-terminal as stdout."""
    import pty

    leader, follower = pty.openpty()
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "rpm_pyconfig", "--confdir", str(registry), "--eval", "@nme"],
            stdout=follower, stderr=subprocess.PIPE, cwd=REPO, check=False,
        )
        os.close(follower)
        follower = -1
        received = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the terminal's other side is closed
                break
            if not chunk:
                break
            received += chunk
    finally:
        if follower >= 0:
            os.close(follower)
        os.close(leader)
    assert completed.returncode == 1
    assert received == b""
    assert completed.stderr.decode().startswith("rpm-pyconfig: unknown token '@nme'")


# -- import cost ----------------------------------------------------------------------------


def _imported(stderr: str) -> set[str]:
    """The modules a ``-X importtime`` run reports on stderr."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


@pytest.mark.skipif(
    sys.implementation.name != "cpython", reason="-X importtime is CPython's (PyPy ignores it)"
)
def test_spec_parse_path_imports_little(registry: Path) -> None:
    """The per-parse path must not import argparse, jinja2, packaging, typing & co.

    ``-S`` keeps site's own imports (and .pth hooks) out of the measurement, so that
    everything listed was imported by the interpreter's startup, runpy or the tool.
    """
    completed = subprocess.run(
        [sys.executable, "-S", "-X", "importtime", "-m", "rpm_pyconfig",
         "--confdir", str(registry), "--foreach", "--eval", "@confpkg"],
        capture_output=True, text=True, cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)),
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "python3\npython3-debug\npypy3\n"
    modules = _imported(completed.stderr)
    assert {"rpm_pyconfig.cli", "rpm_pyconfig.registry", "rpm_pyconfig.expression"} <= modules
    assert "rpm_pyconfig._commands" not in modules  # the subcommands' options: argparse only
    forbidden = {"argparse", "jinja2", "packaging", "typing", "dataclasses", "shutil",
                 "installer"}
    roots = {module.split(".")[0] for module in modules}
    assert not roots & forbidden, sorted(roots & forbidden)


@pytest.mark.skipif(
    sys.implementation.name != "cpython", reason="-X importtime is CPython's (PyPy ignores it)"
)
def test_compile_fallback_path_imports_little(registry: Path) -> None:
    """`compile --lua`, the one call of a parse without a current compiled registry, keeps
    the per-parse import budget: no argparse, jinja2, packaging, typing & co."""
    completed = subprocess.run(
        [sys.executable, "-S", "-X", "importtime", "-m", "rpm_pyconfig", "compile", "--lua"],
        capture_output=True, text=True, cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO), RPM_PYCONFIG_PATH=str(registry)),
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "pyconfig.registry = {" in completed.stdout
    modules = _imported(completed.stderr)
    assert {"rpm_pyconfig.compiled", "rpm_pyconfig.registry"} <= modules
    forbidden = {"argparse", "jinja2", "packaging", "typing", "dataclasses", "shutil",
                 "subprocess", "tempfile", "installer"}
    roots = {module.split(".")[0] for module in modules}
    assert not roots & forbidden, sorted(roots & forbidden)


@pytest.mark.skipif(
    sys.implementation.name != "cpython", reason="-X importtime is CPython's (PyPy ignores it)"
)
def test_direct_fallback_imports_no_standard_library_parser(registry: Path) -> None:
    """The fallback as macros.pyconfig runs it (the interpreter ``-I -S``, this package
    first on ``sys.path``) reads and checks the drop-ins without configparser, re and
    what they pull in (enum, collections, functools): with them it cost a spec parse more
    than the work (see benchmarks/README.md)."""
    head = "import gc,sys;gc.disable();sys.path.insert(0,sys.argv.pop(1));"
    tail = "from rpm_pyconfig._fallback import run;run()"
    macros = (REPO / "macros" / "macros.pyconfig").read_text(encoding="utf-8")
    assert f'"{head}" ..' in macros and f'"{tail}")' in macros  # what the macros run
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-X", "importtime", "-c", head + tail, str(REPO),
         "compile", "--lua"],
        capture_output=True, text=True, env=dict(os.environ, RPM_PYCONFIG_PATH=str(registry)),
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "pyconfig.registry = {" in completed.stdout
    modules = _imported(completed.stderr)
    assert {"rpm_pyconfig.compiled", "rpm_pyconfig.registry", "rpm_pyconfig.dropin"} <= modules
    # nor the command line module or the two grammars: the fallback needs their tables only
    assert not modules & {"rpm_pyconfig.cli", "rpm_pyconfig.expression",
                          "rpm_pyconfig.condition", "rpm_pyconfig._tokenizer"}
    heavy = {"os", "_collections_abc", "configparser", "re", "enum", "collections",
             "functools", "typing", "argparse",
             "jinja2", "packaging", "dataclasses", "shutil", "subprocess", "tempfile"}
    assert not {module.split(".")[0] for module in modules} & heavy


def test_no_sentinel_inside_a_build_scriptlet(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """rpm exports RPM_BUILD_ROOT in %build & co.: there the exit status stops the build."""
    monkeypatch.setenv("RPM_BUILD_ROOT", str(tmp_path / "buildroot"))
    monkeypatch.setenv("RPM_PYCONFIG_PATH", str(tmp_path / "missing"))
    message = f"rpm-pyconfig: {tmp_path / 'missing'}: configuration directory does not exist"
    assert run(capsys, "--foreach", "--exe", "true") == (1, "", message + "\n")


@pytest.mark.parametrize("where", ["implementation_name == 'cpython'",
                                   'python_version >= "3.10" and name != "x$y"'])
def test_selection_options_have_one_spelling_per_reader(where: str) -> None:
    """The options a template's command repeats (--opt=VALUE words) and the ones a dynamic
    spec's %global pyconfig_select shows a packager (--opt "VALUE") come from one function:
    the shell reads both back as the same selection, the readable one without --confdir."""
    import shlex

    from rpm_pyconfig._options import Arguments

    argv = ["--confdir", "/etc/x d", "--only", "py*", "--exclude", "*-debug", "--where", where,
            "list"]
    parser = build_parser("rpm-pyconfig")
    args = Arguments(vars(parser.parse_args(argv)))
    for_command = cli._selection_args(args)
    readable = cli._selection_args(args, readable=True)
    assert readable.startswith('--only "py*" --exclude "*-debug" --where ')
    again = Arguments(vars(parser.parse_args([*shlex.split(for_command), "list"])))
    assert (again.confdir, again.only, again.exclude, again.where) == (
        ["/etc/x d"], ["py*"], ["*-debug"], where)
    shown = Arguments(vars(parser.parse_args([*shlex.split(readable), "list"])))
    assert (shown.confdir, shown.only, shown.exclude, shown.where) == (
        None, ["py*"], ["*-debug"], where)


def test_spec_test_call_of_a_bare_separator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--test-call=-- (argparse drops a value that is "--" alone; cli.py restores it) writes
    `%pyconfig_test --`, beside a call with arguments, in order; a value rpm's word splitting
    would change is refused, naming the option and the value."""
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "bare"\nversion = "1.0"\n', encoding="utf-8")
    out = tmp_path / "python-bare.spec"
    status = cli.main(["spec", str(tmp_path), "-o", str(out), "--test-call=--",
                       "--test-call=-- -x"])
    assert status == 0, capsys.readouterr().err
    assert "%pyconfig_check\n%pyconfig_test --\n%pyconfig_test -- -x\n%endif\n" in \
        out.read_text(encoding="utf-8")
    capsys.readouterr()
    status = cli.main(["spec", str(tmp_path), "-o", str(tmp_path / "no.spec"),
                       "--test-call=-- -k 'not  slow'"])
    assert status != 0
    assert capsys.readouterr().err == (
        "rpm-pyconfig: --test-call: must not have a tab or a run of spaces inside quotes (rpm "
        "splits the words and joins them with single spaces), got \"-- -k 'not  slow'\"\n")
    assert not (tmp_path / "no.spec").exists()
