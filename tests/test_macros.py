"""The rpm macros of macros/macros.pyconfig, run by the real rpm, rpmspec and rpmbuild.

Every call of the tool happens while rpm parses (or, for %pyconfig_exe, builds): these
tests prove both the text the macros produce and that every failure stops rpm with the
tool's own message, although rpm ignores the exit status of a plain ``%(...)``.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.rpmtools import (
    TOOL_BIN,
    have_rpm_tools,
    macros_options,
    probe_registry,
    rpm_query,
    rpmbuild,
    run,
    tool_env,
    trio,
)

pytestmark = [
    pytest.mark.rpm,
    pytest.mark.skipif(not have_rpm_tools(), reason="rpm tools not installed"),
]



def three() -> str:
    """``@confpkg @confbin`` of python3, python3-debug and pypy3 as probed here."""
    return "".join(f"{rt.package_prefix} {rt.interpreter}\n" for rt in trio())


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return probe_registry(tmp_path_factory.mktemp("registry"))


def rpm_eval(registry: Path | None, expression: str, *defines: str, path: str | None = None
             ) -> subprocess.CompletedProcess[str]:
    command = ["rpm", *macros_options()]
    for define in defines:
        command += ["--define", define]
    return run([*command, "--eval", expression], tool_env(registry, path=path))


def rpmspec(registry: Path, spec: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return run(["rpmspec", *macros_options(), *options, str(spec)], tool_env(registry))


def spec_file(directory: Path, body: str, *, name: str = "python-demo", preamble: str = "") -> Path:
    spec = directory / f"{name}.spec"
    spec.write_text(
        f"{preamble}Name:           {name}\nVersion:        1.0\nRelease:        1\n"
        "Summary:        Demo\nLicense:        MIT\nBuildArch:      noarch\n\n"
        f"%description\nDemo.\n\n{body}",
        encoding="utf-8",
    )
    return spec


# -- rpm --eval ------------------------------------------------------------------------------


def test_foreach(registry: Path) -> None:
    evaluated = rpm_eval(registry, "%{pyconfig_foreach:@confpkg @confbin}")
    assert (evaluated.returncode, evaluated.stdout, evaluated.stderr) == (0, three() + "\n", "")


def test_foreach_and_eval_take_an_expression_starting_with_dashes(registry: Path) -> None:
    """%{pyconfig_foreach:--with-python=@confbin} is a configure option, not ours."""
    evaluated = rpm_eval(registry, "%{pyconfig_foreach:--with-python=@confbin}")
    assert evaluated.returncode == 0, evaluated.stderr
    assert evaluated.stdout.splitlines()[0] == f"--with-python={trio()[0].interpreter}"
    assert len(evaluated.stdout.split()) == 3
    single = rpm_eval(registry, "%{pyconfig_eval:--x=@confpkg}")
    assert (single.returncode, single.stdout.strip()) == (0, "--x=python3")
    line = rpm_eval(registry, "%{pyconfig_exe:echo --x=@confpkg}").stdout.strip()
    ran = run(["/bin/sh", "-c", line.replace("rpm-pyconfig", str(TOOL_BIN / "rpm-pyconfig"), 1)],
              tool_env(registry))
    assert (ran.returncode, ran.stdout.splitlines()[0]) == (0, "--x=python3")


def test_foreach_keeps_lines_and_spec_syntax(registry: Path) -> None:
    evaluated = rpm_eval(
        registry, "%{pyconfig_foreach:%%{?nosuch:x}%%{!?nosuch:@name}\n  @@ 100%%}"
    )
    assert evaluated.returncode == 0, evaluated.stderr
    # The literal text is expanded by rpm once the tool has answered; values are not.
    assert evaluated.stdout == (
        "python3\n  @ 100%\npython3-debug\n  @ 100%\npypy3\n  @ 100%\n\n"
    )


def test_eval_uses_the_default_runtime(registry: Path) -> None:
    expected = f"python3 {trio()[0].version}\n\n"
    assert rpm_eval(registry, "%{pyconfig_eval:@name @version}").stdout == expected


def test_values_with_percent_come_out_literally(registry: Path, tmp_path: Path) -> None:
    odd = tmp_path / "odd"
    shutil.copytree(registry, odd)
    conf = odd / "pypy3.conf"
    conf.write_text(
        conf.read_text(encoding="utf-8").replace(
            f"interpreter = {trio()[2].interpreter}", "interpreter = /opt/100%{name}%%/pypy3"
        ),
        encoding="utf-8",
    )
    evaluated = rpm_eval(odd, "%{pyconfig_foreach:@confbin}", "name NAME")
    main, debug, _pypy = trio()
    assert evaluated.stdout == (
        f"{main.interpreter}\n{debug.interpreter}\n/opt/100%{{name}}%%/pypy3\n\n"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [("python-foo-bar", "foo-bar foo_bar\n"), ("rpm-pyconfig", "rpm-pyconfig rpm_pyconfig\n"),
     ("python-python-x", "python-x python_x\n")],
)
def test_name_and_modules_defaults(name: str, expected: str) -> None:
    evaluated = rpm_eval(None, "%pyconfig_name %pyconfig_modules", f"name {name}")
    assert evaluated.stdout == expected


@pytest.mark.parametrize("defines", [
    ("name python-foo-bar",), ("name rpm-pyconfig",), ("name python-a%%b-c",),
    ("name python-foo", "pyconfig_name other-name"), ("name python-foo", "pyconfig_name %{name}x"),
    ("name python-foo", "pyconfig_modules a b"), ("name python-foo-bar", "pyconfig_modules %{nil}"),
])
def test_settings_compute_the_name_and_modules_defaults_as_the_macros_do(
        defines: tuple[str, ...]) -> None:
    """pyconfig.lua's P.setting computes %pyconfig_name and %pyconfig_modules itself while
    they are macros.pyconfig's own definitions (no Lua of theirs compiled on every read):
    the same text."""
    macros = "%{?pyconfig_name}|%{?pyconfig_modules}"
    engine = Path(__file__).resolve().parent.parent / "rpm_pyconfig" / "pyconfig.lua"
    lua = (f"%{{lua:dofile({str(engine)!r})}}"
           "%{lua:print(pyconfig.setting('%{?pyconfig_name}') .. '|' .. "
           "pyconfig.setting('%{?pyconfig_modules}'))}")
    expected = rpm_eval(None, macros, *defines)
    computed = rpm_eval(None, lua, *defines)
    assert expected.returncode == computed.returncode == 0, computed.stderr
    assert computed.stdout == expected.stdout


def test_spec_wide_selection(registry: Path) -> None:
    evaluated = rpm_eval(
        registry, "%{pyconfig_foreach:@name}",
        "pyconfig_select --exclude 'pypy*' --where \"python_version >= '3.11'\"",
    )
    assert (evaluated.returncode, evaluated.stdout) == (0, "python3\npython3-debug\n\n")
    assert rpm_eval(registry, "%{pyconfig_eval:@name}", "pyconfig_select --only pypy3").stdout == (
        "pypy3\n\n"
    )


def test_filelist(registry: Path) -> None:
    assert rpm_eval(registry, "%{pyconfig_filelist:python3-debug}").stdout == (
        "_pyconfig/files/python3-debug.files\n"
    )


def test_exe_is_a_shell_line(registry: Path) -> None:
    evaluated = rpm_eval(
        registry, "%{pyconfig_exe:test -x @confbin}", "pyconfig_select --only 'python3*'"
    )
    assert evaluated.stdout == (
        "rpm-pyconfig --only 'python3*' --foreach --exe='test -x @confbin' || exit 1\n"
    )
    quoted = rpm_eval(registry, "%{pyconfig_exe:echo 'it''s'}")
    assert quoted.stdout == (
        "rpm-pyconfig  --foreach --exe='echo '\\''it'\\'''\\''s'\\''' || exit 1\n"
    )
    # The line is sound shell: run it with /bin/sh as %build would.
    line = quoted.stdout.strip().replace("rpm-pyconfig", str(TOOL_BIN / "rpm-pyconfig"), 1)
    ran = run(["/bin/sh", "-c", line], tool_env(registry))
    assert (ran.returncode, ran.stdout) == (0, "its\nits\nits\n")


def test_eval_failure_stops_rpm(registry: Path) -> None:
    evaluated = rpm_eval(registry, "%{pyconfig_foreach:@nme}")
    assert evaluated.returncode == 1
    assert evaluated.stderr == (
        "rpm-pyconfig: unknown token '@nme' (did you mean '@name'?)\n"
        "    @nme\n"
        "    ~~~^\n"
        "error: lua script failed: rpm-pyconfig failed (exit 1, its message is above): "
        "rpm-pyconfig  --foreach --eval='@nme'\n"
    )


def test_tool_not_found(registry: Path) -> None:
    evaluated = rpm_eval(
        registry, "%{pyconfig_foreach:@name}", "pyconfig_tool /nonexistent/rpm-pyconfig"
    )
    assert evaluated.returncode == 1
    assert evaluated.stderr.endswith(
        "error: lua script failed: rpm-pyconfig: cannot run /nonexistent/rpm-pyconfig "
        "(exit status 127: not installed or not on PATH?)\n"
    )
    off_path = rpm_eval(registry, "%{pyconfig_eval:@name}", path="/usr/bin:/bin")
    assert off_path.returncode == 1
    assert off_path.stderr.endswith(
        "error: lua script failed: rpm-pyconfig: cannot run rpm-pyconfig "
        "(exit status 127: not installed or not on PATH?)\n"
    )


def test_an_evaluator_of_another_api_stops_rpm(registry: Path, tmp_path: Path) -> None:
    """The fallback's answer comes from whatever tool is on PATH: one older or newer than
    these macros stops the parse saying so, not with an internal error of a mismatched call."""
    tool = tmp_path / "old-rpm-pyconfig"
    tool.write_text("#!/bin/sh\necho 'pyconfig = pyconfig or {} pyconfig.API = 3 "
                    "function pyconfig.current() return true end'\n", encoding="utf-8")
    tool.chmod(0o755)
    evaluated = rpm_eval(registry, "%{pyconfig_foreach:@name}", f"pyconfig_tool {tool}",
                         "_pyconfig_compiled %{nil}")
    assert evaluated.returncode == 1
    assert evaluated.stderr.endswith(
        "rpm-pyconfig: compile --lua gave an evaluator of API 3 where these macros need 4: "
        "the tool and macros.pyconfig come from different versions\n"), evaluated.stderr


# -- specs: rpmspec ------------------------------------------------------------------------

SUBPACKAGES = """\
%pyconfig_subpackages --exclude 'pypy*'

%prep
%build
%install
"""

REQUIRES = "%global pyconfig_requires @{dist_prefix}dist(jinja2), /usr/bin/@name\n"


def test_subpackages_with_options_and_requires(registry: Path, tmp_path: Path) -> None:
    spec = spec_file(tmp_path, SUBPACKAGES, preamble=REQUIRES)
    queried = rpmspec(registry, spec, "-q", "--qf", "%{name}:[ %{requirenevrs};]\\n")
    assert queried.returncode == 0, queried.stderr
    main, debug, _pypy = trio()

    def requires(*items: str) -> str:  # rpm sorts dependencies
        return "".join(f" {item};" for item in sorted(items))

    assert queried.stdout.splitlines() == [
        "python-demo:",
        "python3-demo:"
        + requires(
            "/usr/bin/python3", f"python(abi) = {main.short_version}", "python3dist(jinja2)"
        ),
        "python3-debug-demo:"
        + requires("/usr/bin/python3-debug", debug.interpreter, "python3-demo = 1.0-1",
                   "python3dist(jinja2)"),
    ]
    provides = rpmspec(registry, spec, "-q", "--qf", "%{name}:[ %{providenevrs};]\\n")
    # The debug build provides its own ABI's names: never the normal build's python3dist().
    assert provides.stdout.splitlines()[2] == "python3-debug-demo:" + requires(
        "python3-debug-demo = 1.0-1", f"python{main.short_version}ddist(demo) = 1",
        "python3ddist(demo) = 1",
    )


def test_subpackages_default_to_every_runtime(registry: Path, tmp_path: Path) -> None:
    spec = spec_file(tmp_path, SUBPACKAGES.replace(" --exclude 'pypy*'", ""))
    queried = rpmspec(registry, spec, "-q", "--qf", "%{name}\\n")
    assert queried.stdout.split() == [
        "python-demo", "python3-demo", "python3-debug-demo", "pypy3-demo"
    ]
    selected = rpmspec(registry, spec, "-q", "--qf", "%{name}\\n",
                       "--define", "pyconfig_select --where \"implementation_name == 'pypy'\"")
    assert selected.stdout.split() == ["python-demo", "pypy3-demo"]


def test_broken_registry_stops_subpackages(registry: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(registry, broken)
    (broken / "zz.conf").write_text("[runtime]\nimplementation = cpython\n", encoding="utf-8")
    spec = spec_file(tmp_path, SUBPACKAGES)
    queried = rpmspec(broken, spec, "-q")
    assert queried.returncode != 0
    lines = queried.stderr.splitlines()
    assert lines[0] == (
        f"rpm-pyconfig: {broken / 'zz.conf'}:1: missing required keys in [runtime]: version, "
        "interpreter, package_prefix, purelib, platlib, soabi, ext_suffix, cache_tag"
    )
    # No compiled registry is loaded here: the one call of the parse reads the drop-ins.
    assert lines[1] == (
        "error: lua script failed: rpm-pyconfig failed (exit 1, its message is above): "
        "rpm-pyconfig compile --lua"
    )
    assert not queried.stdout


def test_unknown_token_in_a_template_value_stops_rpmspec(registry: Path, tmp_path: Path) -> None:
    spec = spec_file(tmp_path, SUBPACKAGES, preamble="%global pyconfig_requires @nosuch(x)\n")
    queried = rpmspec(registry, spec, "-q")
    assert queried.returncode != 0
    assert queried.stderr.startswith(
        "rpm-pyconfig: template subpackages.j2: a value's @-expression is wrong: unknown token "
        "'@nosuch' (write '@@' for a literal '@')\n"
    )
    assert "error: lua script failed: rpm-pyconfig failed (exit 1, its message is above)" in (
        queried.stderr
    )


def test_bad_where_stops_rpmspec(registry: Path, tmp_path: Path) -> None:
    spec = spec_file(tmp_path, SUBPACKAGES.replace("--exclude 'pypy*'", "--where 'debug =='"))
    queried = rpmspec(registry, spec, "-q")
    assert queried.returncode != 0
    assert queried.stderr.startswith(
        "rpm-pyconfig: expected a variable or a quoted string, got end of input\n"
        "    debug ==\n"
        "            ^\n"
    )


def test_tool_not_on_path_stops_rpmspec(registry: Path, tmp_path: Path) -> None:
    spec = spec_file(tmp_path, SUBPACKAGES)
    queried = rpmspec(registry, spec, "-q", "--define", "pyconfig_tool /nonexistent/rpm-pyconfig")
    assert queried.returncode != 0
    assert (
        "error: lua script failed: rpm-pyconfig: cannot run /nonexistent/rpm-pyconfig "
        "(exit status 127: not installed or not on PATH?)"
    ) in queried.stderr.splitlines()


# -- rpmbuild --------------------------------------------------------------------------------

BUILD = """\
%{pyconfig_foreach:%%package -n @confpkg-demo
Summary: demo for @name
%%description -n @confpkg-demo
For @name.
%%files -n @confpkg-demo
/usr/share/demo/@name
}

%prep
%build
%{pyconfig_exe:test -x @confbin}

%install
mkdir -p %{buildroot}/usr/share/demo
%{pyconfig_exe:echo @version > "%{buildroot}/usr/share/demo/$RPM_PYCONFIG_RUNTIME"}
"""


def test_rpmbuild_with_foreach_and_exe(registry: Path, tmp_path: Path) -> None:
    spec = spec_file(tmp_path, BUILD, name="demo")
    built = rpmbuild(spec, tmp_path / "top", tool_env(registry), "-bb")
    assert built.returncode == 0, built.stderr[-3000:]
    rpms = sorted(p.name for p in (tmp_path / "top" / "RPMS" / "noarch").glob("*.rpm"))
    assert rpms == [
        "pypy3-demo-1.0-1.noarch.rpm",
        "python3-debug-demo-1.0-1.noarch.rpm",
        "python3-demo-1.0-1.noarch.rpm",
    ]
    pypy = tmp_path / "top" / "RPMS" / "noarch" / "pypy3-demo-1.0-1.noarch.rpm"
    assert rpm_query(pypy, "-l") == ["/usr/share/demo/pypy3"]
    assert rpm_query(pypy, "--qf", "%{summary}|%{description}") == ["demo for pypy3|For pypy3."]


def test_failing_exe_fails_the_build_naming_the_runtime(registry: Path, tmp_path: Path) -> None:
    spec = spec_file(
        tmp_path, BUILD.replace("test -x @confbin", "test @name != python3-debug"), name="demo"
    )
    built = rpmbuild(spec, tmp_path / "top", tool_env(registry), "-bb")
    assert built.returncode == 1
    assert (
        f"rpm-pyconfig: --exe failed for runtime 'python3-debug' ({trio()[1].interpreter}): "
        "command exited with status 1: test python3-debug != python3-debug"
    ) in built.stderr.splitlines()
    assert "(%build)" in built.stderr.splitlines()[-1]
    assert "error: Bad exit status from" in built.stderr
    assert not list((tmp_path / "top").rglob("*.rpm"))


def test_false_exe_fails_at_build_time_not_parse_time(registry: Path, tmp_path: Path) -> None:
    spec = spec_file(tmp_path, BUILD.replace("test -x @confbin", "false"), name="demo")
    parsed = rpmspec(registry, spec, "-q", "--qf", "%{name}\\n")
    assert parsed.returncode == 0  # the command only runs in %build
    built = rpmbuild(spec, tmp_path / "top", tool_env(registry), "-bb")
    assert built.returncode == 1
    assert (
        f"rpm-pyconfig: --exe failed for runtime 'python3' ({trio()[0].interpreter}): "
        "command exited with status 1: false"
    ) in built.stderr.splitlines()



# -- who owns the unsuffixed commands ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "words"),
    [("", []), ("pypy3", ["--unversioned", "pypy3"]),
     # one shell word whatever it holds; %% in the spec is one % in the scriptlet
     ("py'3%%x;id", ["--unversioned", "py'3%x;id"])],
)
@pytest.mark.parametrize("how", ["global", "set"])
def test_install_passes_the_unversioned_runtime(
    registry: Path, tmp_path: Path, value: str, words: list[str], how: str
) -> None:
    """%global pyconfig_unversioned NAME, or %pyconfig_install --set unversioned=NAME (what
    BuildOption(install) gives), reaches `rpm-pyconfig install` as one quoted word."""
    if how == "global":
        spec = spec_file(tmp_path, "%install\n%pyconfig_install\n",
                         preamble=f"%global pyconfig_unversioned {value}\n" if value else "")
    else:
        option = f' --set "unversioned={value}"' if value else ""  # read by /bin/sh
        spec = spec_file(tmp_path, f"%install\n%pyconfig_install{option}\n")
    parsed = rpmspec(registry, spec, "-P")
    assert parsed.returncode == 0, parsed.stderr
    lines = [text for text in parsed.stdout.splitlines() if " install --buildroot " in text]
    assert len(lines) == 1, parsed.stdout
    command = shlex.split(lines[0])
    assert command[-2:] == ["||", "exit"] or command[-3:-1] == ["||", "exit"]
    assert command[command.index("--bindir") + 2:-3] == words, lines[0]


def test_test_selecting_no_runtime_stops_rpmbuild(registry: Path, tmp_path: Path) -> None:
    """%pyconfig_test --where that no runtime meets: rpmbuild stops while it parses, with the
    tool's message naming every runtime and the filter that dropped it; %check never runs
    (a test step that tests nothing must not pass for one that tested)."""
    spec = spec_file(tmp_path, (
        "%prep\n%build\n%install\n"
        "%check\necho check-ran\n%pyconfig_test --where \"implementation_name == 'none'\"\n"
        "%files\n"
    ), name="demo")
    built = rpmbuild(spec, tmp_path / "top", tool_env(registry), "-bb")
    assert built.returncode != 0
    names = "; ".join(
        f"{rt.name} (dropped by --where \"implementation_name == 'none'\")" for rt in trio())
    assert (f"rpm-pyconfig: no runtime selected by --where \"implementation_name == 'none'\": "
            f"the registry has {names}") in built.stderr.splitlines()
    assert "check-ran" not in built.stdout + built.stderr
    assert not list((tmp_path / "top").rglob("*.rpm"))
