"""Tests of rpm_pyconfig.errors: the typo helper, the spelling of an origin, exit statuses."""

from __future__ import annotations

import pytest

from rpm_pyconfig.errors import (
    ConfigError,
    ExecutionError,
    ExpressionError,
    MetadataError,
    Problem,
    PyConfigError,
    UsageError,
    close_match,
    located,
    where,
)
from rpm_pyconfig.runtime import Runtime


def test_close_match_prefers_a_case_variant_then_difflib() -> None:
    assert close_match("Runtime", ["runtime"]) == "runtime"
    assert close_match("VERSION", ["version", "versioned"]) == "version"
    assert close_match("verison", ["name", "version"]) == "version"
    assert close_match("python", ["runtime"]) is None
    assert close_match("x", []) is None


def test_where_and_located_spell_every_origin() -> None:
    assert where("/etc/a.conf") == "/etc/a.conf"
    assert where("/etc/a.conf", 7) == "/etc/a.conf:7"
    assert where("/etc/a.conf", 7, "runtime", "purelib") == "/etc/a.conf:7 [runtime] purelib"
    assert where("probe:/usr/bin/pypy3", None, "runtime", "name") == (
        "probe:/usr/bin/pypy3 [runtime] name"
    )
    assert located("/etc/a.conf:7", "bad") == "/etc/a.conf:7: bad"
    assert located("", "bad") == "bad"
    assert str(Problem("/etc/a.conf:7", "bad")) == "/etc/a.conf:7: bad"
    assert str(Problem("", "bad")) == "bad"


def test_problems_about_a_key_name_it() -> None:
    with pytest.raises(ConfigError) as info:
        Runtime(name="x", implementation="cpython", version="3", interpreter="/x",
                package_prefix="x", purelib="/p", platlib="/p", soabi="s", ext_suffix=".so",
                cache_tag="c", debug="no")
    assert [(p.key, p.origin) for p in info.value.problems] == [
        ("version", "runtime 'x' [runtime] version"),
        ("debug", "runtime 'x' [runtime] debug"),
    ]
    assert Problem("a", "b").key is None
    assert Problem("a", "b", key="name") == Problem("a", "b")  # the key is named in the origin


def test_every_error_has_one_exit_status() -> None:
    assert PyConfigError("x").exit_status == 1
    assert UsageError("x").exit_status == 2
    assert MetadataError("x").exit_status == 1
    assert ConfigError([Problem("", "x")]).exit_status == 1
    assert ExpressionError("x", source="@", span=(0, 1)).exit_status == 1
    assert ExecutionError("x", runtime="r", returncode=3).exit_status == 3
    # A signal's 128+N is kept; what no exit status can carry becomes 1.
    assert ExecutionError("x", runtime="r", returncode=137).exit_status == 137
    assert ExecutionError("x", runtime="r", returncode=256).exit_status == 1
    assert ExecutionError("x", runtime="r", returncode=0).exit_status == 1
