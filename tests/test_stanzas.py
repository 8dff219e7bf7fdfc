"""The generated Lua of the shipped stanzas is what the templates give, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rpm_pyconfig import stanzas
from rpm_pyconfig.rendering import available_templates

REPO = Path(__file__).resolve().parent.parent


def test_generated_file_is_current() -> None:
    """pyconfig_stanzas.lua is the templates' translation (run python -m rpm_pyconfig.stanzas)."""
    assert Path(stanzas.OUTPUT).read_text(encoding="utf-8") == stanzas.generate()
    assert stanzas.main(["--check"]) == 0


def test_every_parse_time_macro_has_its_stanza() -> None:
    """The templates macros.pyconfig evaluates at parse time (its macros, and P.test of the
    evaluator for %pyconfig_test) are exactly STANZAS."""
    macros = (REPO / "macros" / "macros.pyconfig").read_text(encoding="utf-8") + (
        REPO / "rpm_pyconfig" / "pyconfig.lua").read_text(encoding="utf-8")
    used = set(re.findall(r'(?:pyconfig|P)\.stanza\("([a-z_]+)"', macros))
    assert used == set(stanzas.STANZAS)
    assert set(stanzas.STANZAS) <= set(available_templates())


@pytest.mark.parametrize(("source", "what"), [
    ("{% for a, b in runtimes %}{% endfor %}", "a for loop other than"),
    ("{{ runtimes | join(',') }}", "the filter join"),
    ("{% if runtimes %}{% set x = 1 %}{% endif %}", "{% set %} directly inside {% if %}"),
    ("{{ runtimes is none }}", "the test `is none`"),
    ("{% macro m() %}{% endmacro %}", "Macro"),
    ("{{ runtimes.pop() }}", "this call"),
    ("{{ 1 * 2 }}", "Mul"),
    ("{% for x in runtimes + runtimes %}{% endfor %}", "Add"),
    ("{% if 'a' in runtimes %}{% endif %}", "this comparison"),
    ("{{ (doc | default('')) | literal }}", "the filter default"),
    ("{% if doc is defined %}{% endif %}", "the test `is defined`"),
])
def test_what_lua_does_not_mirror_is_refused(monkeypatch: pytest.MonkeyPatch, source: str,
                                            what: str) -> None:
    """A template using Jinja the Lua side lacks fails generation, naming the construct."""
    monkeypatch.setattr(stanzas, "_load_shipped", lambda name: source)
    with pytest.raises(stanzas.UnsupportedTemplateError, match=re.escape(what)):
        stanzas._translate("prep")
