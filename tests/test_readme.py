"""README.md tells the truth: its tables list exactly the code's keys, tokens and variables,
and CI runs exactly the test command it documents."""

from __future__ import annotations

import re

from rpm_pyconfig.condition import VARIABLES
from rpm_pyconfig.expression import TOKENS
from rpm_pyconfig.runtime import FIELDS
from tests.rpmtools import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def table_rows(first_header: str) -> list[list[str]]:
    """The cells of the markdown table whose header row starts with ``| first_header |``."""
    lines = README.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_conf_key_table_matches_fields() -> None:
    rows = table_rows("key")
    assert [(row[0], row[1], row[2]) for row in rows] == [
        (f"`{f.name}`", "yes" if f.required else "no", f.doc) for f in FIELDS
    ]


def test_token_table_matches_tokens() -> None:
    rows = table_rows("token")
    assert [(row[0], row[1]) for row in rows] == [
        (f"`@{name}`", doc) for name, (_, doc) in TOKENS.items()
    ]


def test_variable_table_matches_conditions() -> None:
    rows = table_rows("variable")
    assert [(row[0], row[1]) for row in rows] == [
        (f"`{name}`", doc) for name, doc in VARIABLES.items()
    ]


def test_module_map_lists_every_module() -> None:
    rows = table_rows("module")
    package = REPO / "rpm_pyconfig"
    modules = {path.name for path in package.iterdir() if path.suffix in (".py", ".lua")}
    assert sorted(row[0].strip("`") for row in rows) == sorted(modules)
    assert all(row[1] for row in rows)


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"^(bash \S+)\s+#", README.split("```", 2)[1], re.MULTILINE)
    assert commands == ["bash scripts/build-coverage.sh", "bash scripts/test.sh"]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "exec bash scripts/test.sh\n" in ci


def test_no_placeholder_left() -> None:
    assert not re.search(r"\b[A-Z]+_[A-Z_]+TABLE\b|\bBENCHMARK_FIGURES\b", README)

