"""Which extras a generated spec packages, and which of them look like development tools.

Upstream projects list extras for their own work (``dev``, ``docs``, ``tests``, ``lint``...)
next to extras their users install.  The generator keeps every extra unless told otherwise
(:func:`choose`), and names the development-looking ones (:func:`development`) so that a
packager reviews them instead of shipping eighteen metapackages unread.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from packaging.utils import canonicalize_name

from .errors import UsageError

__all__ = ["DEVELOPMENT_WORDS", "choose", "development"]

#: Words that mark an extra as being for the project's own development, not for its users:
#: an extra is one when any ``-``-separated word of its normalised name is one of these.
DEVELOPMENT_WORDS = frozenset([
    "dev", "devel", "develop", "development", "doc", "docs", "documentation", "sphinx",
    "test", "tests", "testing", "tox", "nox", "ci", "coverage", "cov", "lint", "linting",
    "linters", "flake8", "ruff", "pylint", "style", "format", "formatting", "typing",
    "types", "mypy", "typecheck", "pre-commit", "precommit", "qa", "check", "checks",
    "bench", "benchmark", "benchmarks", "release", "build", "tests-strict",
])


def development(extras: Iterable[str]) -> list[str]:
    """The extras, in the given order, that look like development-only ones."""
    found = []
    for extra in extras:
        name = canonicalize_name(extra)
        words = name.split("-")
        if name in DEVELOPMENT_WORDS or any(word in DEVELOPMENT_WORDS for word in words):
            found.append(extra)
    return found


def choose(available: Sequence[str], wanted: str | None) -> list[str]:
    """The extras to package: *wanted* is ``NAME[,NAME...]``, ``all`` or ``none``
    (``None``: all).  An unknown name is a :class:`UsageError` listing the known ones."""
    if wanted is None or wanted.strip() == "all":
        return list(available)
    if wanted.strip() == "none":
        return []
    by_name = {canonicalize_name(extra): extra for extra in available}
    chosen: list[str] = []
    problems: list[str] = []
    for item in wanted.split(","):
        name = canonicalize_name(item.strip())
        if not name:
            problems.append(f"--extras {wanted!r}: an empty name")
        elif name not in by_name:
            close = difflib.get_close_matches(name, list(by_name), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            known = ", ".join(available) or "none"
            problems.append(f"--extras: the project has no extra {item.strip()!r}{hint}; "
                            f"its extras: {known} (or all, none)")
        elif by_name[name] not in chosen:
            chosen.append(by_name[name])
    if problems:
        raise UsageError("\n".join(problems))
    return [extra for extra in available if extra in chosen]
