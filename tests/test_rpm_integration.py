"""The 2010 interface inside real specs: rpmbuild and rpmspec call rpm-pyconfig while parsing.

Proves the documented form ``%{expand:%(rpm-pyconfig ...)}``: subpackages per runtime,
and every failure (broken drop-in, unknown token, empty selection, failing --exe) stopping
the build with the tool's own message, although rpm ignores the exit status of ``%()``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.rpmtools import (
    REPO,
    have_rpm_tools,
    probe_registry,
    rpm_query,
    rpmbuild,
    run,
    tool_env,
    trio,
)

pytestmark = [
    pytest.mark.rpm,
    pytest.mark.skipif(not have_rpm_tools(), reason="rpmbuild/rpmspec not installed"),
]

SPEC = """\
Name:           multi
Version:        1.0
Release:        1
Summary:        One subpackage per Python runtime
License:        MIT
BuildArch:      noarch

%description
Test package.

%{expand:%(rpm-pyconfig SELECT --foreach --eval '%%package -n @confpkg-multi
Summary: multi for @name
%%description -n @confpkg-multi
Built for @confbin (@implementation @version).
%%files -n @confpkg-multi
/usr/share/multi/@name
')}

%install
%{expand:%(rpm-pyconfig SELECT --foreach --eval 'mkdir -p %%{buildroot}/usr/share/multi
echo EXPR > %%{buildroot}/usr/share/multi/@name')}
"""


def write_spec(directory: Path, *, select: str = "", expr: str = "@confbin") -> Path:
    spec = directory / "multi.spec"
    spec.write_text(SPEC.replace("SELECT", select).replace("EXPR", expr), encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return probe_registry(tmp_path_factory.mktemp("registry"))


def test_one_rpm_per_runtime(registry: Path, tmp_path: Path) -> None:
    built = rpmbuild(
        write_spec(tmp_path), tmp_path / "top", tool_env(registry), "-bb", macros=False
    )
    assert built.returncode == 0, built.stderr
    packages = sorted((tmp_path / "top" / "RPMS" / "noarch").glob("*.rpm"))
    assert [p.name for p in packages] == [
        "pypy3-multi-1.0-1.noarch.rpm",
        "python3-debug-multi-1.0-1.noarch.rpm",
        "python3-multi-1.0-1.noarch.rpm",
    ]
    debug = tmp_path / "top" / "RPMS" / "noarch" / "python3-debug-multi-1.0-1.noarch.rpm"
    assert rpm_query(debug, "-l") == ["/usr/share/multi/python3-debug"]
    runtime = trio()[1]
    assert rpm_query(debug, "--qf", "%{description}") == [
        f"Built for {runtime.interpreter} (cpython {runtime.version})."
    ]


def test_selection_drops_runtimes(registry: Path, tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path, select="--where \"implementation_name != 'pypy'\" --exclude '*-debug'"
    )
    queried = run(["rpmspec", "-q", "--qf", "%{name}\\n", str(spec)], tool_env(registry))
    assert queried.returncode == 0, queried.stderr
    assert queried.stdout.split() == ["multi", "python3-multi"]


def test_percent_in_a_value_comes_out_literally(registry: Path, tmp_path: Path) -> None:
    odd = tmp_path / "odd-registry"
    shutil.copytree(registry, odd)
    conf = odd / "pypy3.conf"
    conf.write_text(
        conf.read_text(encoding="utf-8").replace(
            f"interpreter = {trio()[2].interpreter}", "interpreter = /opt/100%{name}%%/pypy3"
        ),
        encoding="utf-8",
    )
    spec = write_spec(tmp_path)
    queried = run(["rpmspec", "-q", "--qf", "%{name}: %{description}\\n", str(spec)], tool_env(odd))
    assert queried.returncode == 0, queried.stderr
    version = trio()[2].version
    assert f"pypy3-multi: Built for /opt/100%{{name}}%%/pypy3 (pypy {version})." in queried.stdout


@pytest.mark.parametrize(
    ("case", "select", "expr", "message"),
    [
        (
            "unknown token",
            "",
            "@confpgk",
            "rpm-pyconfig: unknown token '@confpgk' (did you mean '@confpkg'?)",
        ),
        (
            "empty selection",
            "--only 'nomatch*'",
            "@confbin",
            "rpm-pyconfig: no runtime selected by --only 'nomatch*': the registry has "
            "python3 (dropped by --only 'nomatch*'); python3-debug (dropped by --only "
            "'nomatch*'); pypy3 (dropped by --only 'nomatch*')",
        ),
    ],
)
def test_failure_stops_rpmbuild_with_the_message(
    registry: Path, tmp_path: Path, case: str, select: str, expr: str, message: str
) -> None:
    spec = write_spec(tmp_path, select=select, expr=expr)
    built = rpmbuild(spec, tmp_path / "top", tool_env(registry), "-bb", macros=False)
    assert built.returncode != 0, case
    assert message in built.stderr
    assert f"error: {message}" in built.stderr  # rpm itself reports it, not only our stderr
    assert not (tmp_path / "top" / "RPMS").exists() or not list((tmp_path / "top").rglob("*.rpm"))


def test_broken_dropin_stops_rpmbuild(registry: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken-registry"
    shutil.copytree(registry, broken)
    (broken / "zz-typo.conf").write_text(
        "[runtime]\nimplementation = cpython\nversion = 3.12.0\ninterpreter = bin/python3.12\n",
        encoding="utf-8",
    )
    built = rpmbuild(write_spec(tmp_path), tmp_path / "top", tool_env(broken), "-bb", macros=False)
    assert built.returncode != 0
    conf = broken / "zz-typo.conf"
    assert f"error: rpm-pyconfig: {conf}:4 [runtime] interpreter: " in built.stderr
    assert "package_prefix" in built.stderr  # the missing keys are reported too


def test_the_2010_form_stops_in_every_section(registry: Path, tmp_path: Path) -> None:
    """The seed's own form, ``%(rpm-pyconfig --foreach --eval ...)`` with and without
    ``%{expand:}``, in the preamble, mid-line, %description, %build, %install and %files:
    rpm ignores the status of %(...), so the tool's output must stop the parse, with its
    message, in each.  (scripts/form2010-check.sh, which the farm runs in its roots.)"""
    env = dict(tool_env(registry), TMPDIR=str(tmp_path))
    done = run(["bash", str(REPO / "scripts" / "form2010-check.sh")], env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2010 form: 12 of 12 stopped with the tool's message" in done.stdout, done.stdout


def test_failing_exe_stops_rpmspec(registry: Path, tmp_path: Path) -> None:
    spec = tmp_path / "exe.spec"
    spec.write_text(
        SPEC.split("%{expand")[0]
        + "%{expand:%(rpm-pyconfig --foreach --exe 'test @name != pypy3')}\n",
        encoding="utf-8",
    )
    queried = run(["rpmspec", "-q", str(spec)], tool_env(registry))
    assert queried.returncode != 0
    assert (
        f"error: rpm-pyconfig: --exe failed for runtime 'pypy3' ({trio()[2].interpreter}): "
        "command exited with status 1: test pypy3 != pypy3"
    ) in queried.stderr


def test_exe_runs_once_per_runtime_with_quoted_values(registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    completed = run(
        [
            str(Path(tool_env(registry)["PATH"].split(":")[0]) / "rpm-pyconfig"),
            "--foreach",
            "--exe",
            f"echo @name @{{implementation}}x >> {out}",
        ],
        tool_env(registry),
    )
    assert completed.returncode == 0, completed.stderr
    assert out.read_text().splitlines() == [
        "python3 cpythonx",
        "python3-debug cpythonx",
        "pypy3 pypyx",
    ]
