"""Choosing extras (--extras) and spotting the development-only ones."""

from __future__ import annotations

import pytest

from rpm_pyconfig.errors import UsageError
from rpm_pyconfig.extras import choose, development

#: attrs 23's extras, the issue's example of 18 metapackages shipped unread.
ATTRS = ["benchmark", "cov", "dev", "docs", "tests", "tests-mypy", "tests-no-zope"]


def test_development_extras_are_spotted_by_any_word() -> None:
    assert development(ATTRS) == ATTRS
    assert development(["socks", "brotli", "h2", "zstd", "cli", "toml", "all"]) == []
    assert development(["Type_Checking", "pre-commit", "Docs"]) == ["pre-commit", "Docs"]


@pytest.mark.parametrize(
    ("wanted", "chosen"),
    [
        (None, ["cli", "docs", "socks"]),
        ("all", ["cli", "docs", "socks"]),
        ("none", []),
        ("socks", ["socks"]),
        ("Socks,CLI,socks", ["cli", "socks"]),  # the project's order, each once
    ],
)
def test_choose(wanted: str | None, chosen: list[str]) -> None:
    assert choose(["cli", "docs", "socks"], wanted) == chosen


def test_an_unknown_extra_is_named_with_a_suggestion() -> None:
    with pytest.raises(UsageError) as raised:
        choose(["cli", "docs", "socks"], "sock,,cli")
    assert str(raised.value) == (
        "--extras: the project has no extra 'sock' (did you mean 'socks'?); its extras: cli, "
        "docs, socks (or all, none)\n--extras 'sock,,cli': an empty name"
    )
