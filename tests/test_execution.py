"""Tests of rpm_pyconfig.execution: ``--exe`` through the real /bin/sh."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rpm_pyconfig.errors import ExecutionError
from rpm_pyconfig.execution import run_for_each
from rpm_pyconfig.expression import Expression
from rpm_pyconfig.runtime import Runtime


def odd(runtime: Runtime, interpreter: str) -> Runtime:
    """*runtime* with an interpreter path no shell should split or expand."""
    return runtime.replace(interpreter=interpreter)


def test_runs_once_per_runtime_in_order(
    tmp_path: Path, cpython: Runtime, cpython_debug: Runtime, pypy: Runtime
) -> None:
    log = tmp_path / "log"
    run_for_each(
        Expression.parse(f"echo @name @confbin @{{cache_tag}}x >> {log}"),
        [cpython, cpython_debug, pypy],
    )
    assert log.read_text(encoding="utf-8") == (
        "python3.11 /usr/bin/python3.11 cpython-311x\n"
        "python3.11-dbg /usr/bin/python3.11-dbg cpython-311x\n"
        "pypy3 /usr/bin/pypy3 pypy39x\n"
    )


@pytest.mark.parametrize(
    "interpreter",
    [
        "/opt/my python/bin/python3",
        "/opt/a;b|c&d/*/python3",
        "/opt/{a,b}/[x]/~/python3",
        "-n",
    ],
)
def test_values_reach_the_command_as_one_literal_word(
    tmp_path: Path, cpython: Runtime, interpreter: str
) -> None:
    out = tmp_path / "argv"
    # printf prints each argument on its own line: a split or expanded value shows.
    run_for_each(
        Expression.parse(f"printf '<%s>\\n' @confbin @name > {out}"), [odd(cpython, interpreter)],
        environ={"HOME": "/home/nobody", "PATH": os.defpath},
    )
    assert out.read_text(encoding="utf-8") == f"<{interpreter}>\n<python3.11>\n"


@pytest.mark.parametrize(
    "interpreter",
    [
        "/opt/it's/python3",
        '/opt/"quoted"/python3',
        "/opt/$HOME/python3",
        "/opt/`id`/$(id)/python3",
        "/opt/back\\slash/python3",
    ],
)
def test_values_no_quoting_makes_safe_are_refused(
    tmp_path: Path, cpython: Runtime, interpreter: str
) -> None:
    """Inside double quotes ($, `, \\ and quotes still act) no quoting helps: refused."""
    marker = tmp_path / "ran"
    with pytest.raises(ExecutionError) as caught:
        run_for_each(
            Expression.parse(f'touch {marker}; echo "@confbin"'), [odd(cpython, interpreter)],
        )
    assert repr(interpreter) in str(caught.value)
    assert not marker.exists()


def test_values_are_literal_inside_double_quotes(tmp_path: Path, cpython: Runtime) -> None:
    out = tmp_path / "out"
    run_for_each(Expression.parse(f'echo "@confbin" > {out}'), [cpython])
    assert out.read_text(encoding="utf-8") == "/usr/bin/python3.11\n"


def test_literal_text_is_shell_syntax(tmp_path: Path, cpython: Runtime) -> None:
    """Only values are quoted: the packager's own text keeps its quotes, pipes and variables."""
    out = tmp_path / "out"
    run_for_each(
        Expression.parse(f'X="a  b"; echo "$X" @name | tr a-z A-Z > {out}'), [cpython],
    )
    assert out.read_text(encoding="utf-8") == "A  B PYTHON3.11\n"


def test_child_learns_its_runtime(
    tmp_path: Path, cpython: Runtime, pypy: Runtime
) -> None:
    out = tmp_path / "out"
    run_for_each(
        Expression.parse(f'echo "$RPM_PYCONFIG_RUNTIME $KEPT" >> {out}'), [cpython, pypy],
        environ={"KEPT": "kept", "RPM_PYCONFIG_RUNTIME": "stale"},
    )
    assert out.read_text(encoding="utf-8") == "python3.11 kept\npypy3 kept\n"


def test_default_environment_is_ours(
    tmp_path: Path, cpython: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RPM_PYCONFIG_TEST_VALUE", "inherited")
    out = tmp_path / "out"
    run_for_each(Expression.parse(f'echo "$RPM_PYCONFIG_TEST_VALUE" > {out}'), [cpython])
    assert out.read_text(encoding="utf-8") == "inherited\n"
    assert "RPM_PYCONFIG_RUNTIME" not in os.environ  # set for the child only


def test_stops_at_the_first_failure_naming_the_runtime(
    tmp_path: Path, cpython: Runtime, cpython_debug: Runtime, pypy: Runtime
) -> None:
    log = tmp_path / "log"
    with pytest.raises(ExecutionError) as caught:
        run_for_each(
            Expression.parse(f"echo @name >> {log}; test @name != python3.11-dbg"),
            [cpython, cpython_debug, pypy],
        )
    assert log.read_text(encoding="utf-8") == "python3.11\npython3.11-dbg\n"  # pypy3 never ran
    assert str(caught.value) == (
        "--exe failed for runtime 'python3.11-dbg' (/usr/bin/python3.11-dbg): command exited "
        f"with status 1: echo python3.11-dbg >> {log}; test python3.11-dbg != python3.11-dbg"
    )
    assert (caught.value.runtime, caught.value.returncode) == ("python3.11-dbg", 1)


def test_exit_status_is_kept(pypy: Runtime) -> None:
    with pytest.raises(ExecutionError) as caught:
        run_for_each(Expression.parse("exit 42"), [pypy])
    assert caught.value.returncode == 42
    assert str(caught.value) == (
        "--exe failed for runtime 'pypy3' (/usr/bin/pypy3): command exited with status 42: exit 42"
    )


def test_the_shown_command_is_the_quoted_one(cpython: Runtime) -> None:
    with pytest.raises(ExecutionError) as caught:
        run_for_each(Expression.parse("false @confbin"), [odd(cpython, "/opt/my python")])
    assert str(caught.value).endswith("command exited with status 1: false '/opt/my python'")


def test_killed_by_a_signal(cpython: Runtime) -> None:
    with pytest.raises(ExecutionError) as caught:
        run_for_each(Expression.parse("kill -TERM $$"), [cpython])
    assert str(caught.value) == (
        "--exe failed for runtime 'python3.11' (/usr/bin/python3.11): command was killed by "
        "signal 15: kill -TERM $$"
    )
    assert caught.value.returncode == 128 + 15  # as a shell reports it, never negative


def test_nothing_to_run() -> None:
    run_for_each(Expression.parse("exit 1"), [])  # no runtime: no command
