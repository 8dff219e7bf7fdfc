"""Each template family's context gives every value it has, typed, so that StrictUndefined
is never cancelled by a default inside a template."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rpm_pyconfig.contexts import (
    KINDS,
    STANZA_VALUES,
    AppContext,
    SpecContext,
    StanzaContext,
    Value,
)

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("kind", "text", "expected"), [
    ("text", " a b ", " a b "),
    ("trimmed", " -k 'not slow' tests ", "-k 'not slow' tests"),
    ("words", " a\tb  c ", ["a", "b", "c"]),
    ("words", "", []),
    ("items", " , x ,@{name}, y ", ["x", "@{name}", "y"]),
    ("flag", " 1 ", True),
    ("flag", "yes", True),
    ("flag", " 0 ", False),
    ("flag", "", False),
])
def test_kinds(kind: str, text: str, expected: object) -> None:
    assert Value("v", kind, "", None).convert(text) == expected


def test_typed_values_pass_as_they_are() -> None:
    """specgen gives lists and flags already typed: nothing splits them again."""
    assert Value("v", "words", "", None).convert(["a b"]) == ["a b"]
    assert Value("v", "flag", "", None).convert(True) is True


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        Value("v", "lines", "", None)


def test_every_optional_value_is_given() -> None:
    """Nothing given: every value with a default is there, typed; required ones are not."""
    values = StanzaContext().mapping()
    for value in STANZA_VALUES:
        if value.default is None:
            assert value.name not in values
        else:
            assert values[value.name] == value.convert(value.default)
    assert values["test_command"] == ["pytest"]
    assert values["compiled"] is False


def test_other_values_pass_for_a_packagers_own_template() -> None:
    values = StanzaContext({"mine": "1 2", "extras": "a b"}).mapping()
    assert values["mine"] == "1 2"
    assert values["extras"] == ["a", "b"]


def test_kinds_have_lua_counterparts() -> None:
    """pyconfig.lua converts each kind (KINDS, its mirror of Value.convert); that it does so
    the same way is test_compiled's property (Lua == Python for every stanza)."""
    lua = (REPO / "rpm_pyconfig" / "pyconfig.lua").read_text(encoding="utf-8")
    table = lua[lua.index("\nlocal KINDS = {"):]
    table = table[:table.index("\n}\n")]
    assert sorted(re.findall(r"^  ([a-z]+) = ", table, re.MULTILINE)) == sorted(KINDS)


def test_macros_ask_rpm_through_the_table() -> None:
    """macros.pyconfig spells no value's macro of its own, and the Lua evaluator that reads
    the settings (pyconfig.lua) walks P.values, contexts.py's table (it knows the bodies of
    %pyconfig_name and %pyconfig_modules only to skip their Lua: tests/test_macros.py)."""
    macros = (REPO / "macros" / "macros.pyconfig").read_text(encoding="utf-8")
    evaluator = (REPO / "rpm_pyconfig" / "pyconfig.lua").read_text(encoding="utf-8")
    for value in STANZA_VALUES:
        if value.macro is not None and value.macro.startswith("%{?pyconfig_"):
            assert value.macro not in macros.replace("\\\n", "")
    assert "ipairs(P.values)" in evaluator


def test_families_refuse_missing_and_unknown_values() -> None:
    values = dict.fromkeys(SpecContext.FIELDS[1:], "")
    with pytest.raises(TypeError, match=r"SpecContext: missing \['meta'\], unknown \['x'\]"):
        SpecContext(StanzaContext(), **values, x=1)
    values = dict.fromkeys(AppContext.FIELDS[1:], "")
    with pytest.raises(TypeError, match=r"missing \['tool_version'\], unknown \['x'\]"):
        AppContext(**values, x=1)


def test_no_template_escapes_strict_undefined() -> None:
    """No `| default(...)` and no `is defined` in the shipped templates."""
    for template in sorted((REPO / "templates").glob("*.j2")):
        text = template.read_text(encoding="utf-8")
        assert "default(" not in text and "is defined" not in text, template.name
