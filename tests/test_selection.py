"""Tests of rpm_pyconfig.selection: --foreach-N, --only, --exclude, --where, pick_one."""

from __future__ import annotations

import pytest

from rpm_pyconfig.condition import Condition
from rpm_pyconfig.errors import SelectionError
from rpm_pyconfig.runtime import Runtime
from rpm_pyconfig.selection import Selection, pick_one, select


@pytest.fixture
def python2() -> Runtime:
    return Runtime(
        name="python2.7",
        implementation="cpython",
        version="2.7.18",
        interpreter="/usr/bin/python2.7",
        package_prefix="python2",
        purelib="/usr/lib/python2.7/dist-packages",
        platlib="/usr/lib/python2.7/dist-packages",
        soabi="",
        ext_suffix=".so",
        cache_tag="cpython-27",
    )


@pytest.fixture
def runtimes(
    cpython: Runtime, cpython_debug: Runtime, pypy: Runtime, python2: Runtime
) -> tuple[Runtime, ...]:
    return (cpython, cpython_debug, pypy, python2)


def names(chosen: tuple[Runtime, ...]) -> list[str]:
    return [runtime.name for runtime in chosen]


def test_no_filter_selects_everything_in_order(runtimes: tuple[Runtime, ...]) -> None:
    assert select(runtimes, Selection()) == runtimes
    assert Selection().describe() == "(no filter)"


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (Selection(major="3"), ["python3.11", "python3.11-dbg", "pypy3"]),
        (Selection(major="2"), ["python2.7"]),
        (Selection(major=""), ["python3.11", "python3.11-dbg", "pypy3", "python2.7"]),
        (Selection(only=["python*"]), ["python3.11", "python3.11-dbg", "python2.7"]),
        (Selection(only=["pypy3", "python2.?"]), ["pypy3", "python2.7"]),
        (Selection(only=["PYPY3"]), None),  # globs are case-sensitive
        (Selection(only=["python3.1[01]"]), ["python3.11"]),
        (Selection(exclude=["*-dbg", "pypy*"]), ["python3.11", "python2.7"]),
        (Selection(only=["python*"], exclude=["python2*"]), ["python3.11", "python3.11-dbg"]),
        (Selection(where=Condition.parse("implementation_name == 'pypy'")), ["pypy3"]),
        (Selection(where=Condition.parse("debug == 'true'")), ["python3.11-dbg"]),
        (Selection(major="3", where=Condition.parse("python_version >= '3.10'")),
         ["python3.11", "python3.11-dbg"]),
    ],
)
def test_filters(
    runtimes: tuple[Runtime, ...], selection: Selection, expected: list[str] | None
) -> None:
    if expected is None:
        with pytest.raises(SelectionError):
            select(runtimes, selection)
    else:
        assert names(select(runtimes, selection)) == expected


def test_rejects_names_the_first_filter_that_drops(pypy: Runtime, cpython: Runtime) -> None:
    selection = Selection(
        major="2", only=["py*", "x"], exclude=["a", "pypy*"],
        where=Condition.parse("implementation_name == 'cpython'"),
    )
    assert selection.rejects(pypy) == "--foreach-2"
    assert Selection(only=["x", "y*"]).rejects(pypy) == "--only 'x' 'y*'"
    assert Selection(exclude=["a", "pypy*", "*"]).rejects(pypy) == "--exclude 'pypy*'"
    where = Selection(where=Condition.parse("implementation_name == 'cpython'"))
    assert where.rejects(pypy) == "--where \"implementation_name == 'cpython'\""
    assert where.rejects(cpython) is None


def test_describe_lists_every_filter() -> None:
    selection = Selection(
        major="3", only=["a*", "b"], exclude=["c"], where=Condition.parse("debug == 'false'"),
    )
    assert selection.describe() == (
        "--foreach-3 --only 'a*' --only 'b' --exclude 'c' --where \"debug == 'false'\""
    )


def test_empty_selection_says_what_dropped_each_runtime(runtimes: tuple[Runtime, ...]) -> None:
    with pytest.raises(SelectionError) as caught:
        select(runtimes, Selection(major="3", exclude=["py*"]))
    assert str(caught.value) == (
        "no runtime selected by --foreach-3 --exclude 'py*': the registry has "
        "python3.11 (dropped by --exclude 'py*'); python3.11-dbg (dropped by --exclude 'py*'); "
        "pypy3 (dropped by --exclude 'py*'); python2.7 (dropped by --foreach-3)"
    )


def test_empty_registry() -> None:
    with pytest.raises(SelectionError) as caught:
        select((), Selection())
    assert str(caught.value) == "no runtime selected: the registry is empty"


def test_filters_never_fail_on_their_own(cpython: Runtime) -> None:
    """A spec excluding PyPy must also parse on a machine without PyPy."""
    assert select((cpython,), Selection(exclude=["pypy*"], only=["python*", "nomatch"])) == (
        cpython,
    )


def test_pick_one_prefers_the_default(
    cpython: Runtime, cpython_debug: Runtime, pypy: Runtime
) -> None:
    assert pick_one((pypy, cpython_debug, cpython)) is cpython
    assert pick_one((pypy, cpython_debug)) is pypy  # no default selected: the first
    assert pick_one((cpython_debug,)) is cpython_debug


def test_selection_stores_tuples() -> None:
    selection = Selection(only=["a"], exclude=["b"])
    assert (selection.only, selection.exclude, selection.where, selection.major) == (
        ("a",), ("b",), None, None,
    )
