"""The scopes of pyconfig.lua's names, for the rules its lazily loaded part rests on.

``compiled._split_lazy()`` cuts the part between ``--@lazy-begin`` and ``--@lazy-end`` into
a chunk of its own that receives the top-level locals above it as values.  That is only the
same program when (a) nothing after ``--@lazy-end`` uses a top-level local of the lazy part
(it would read a global there) and (b) no top-level local above ``--@lazy-begin`` is ever
assigned again (the lazy chunk holds a copy).  The text form runs either way: only the
bytecode form would break, at run time.  This resolves every name of the source to its
declaration (blocks, ``local``, parameters, loop variables, shadowing) to check both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>--\[(?P<ceq>=*)\[[\s\S]*?\](?P=ceq)\]|--[^\n]*)
  | (?P<long>\[(?P<leq>=*)\[[\s\S]*?\](?P=leq)\])
  | (?P<string>"(?:\\[\s\S]|[^"\\\n])*"|'(?:\\[\s\S]|[^'\\\n])*')
  | (?P<number>0[xX][0-9a-fA-F.]+(?:[pP][+-]?\d+)?|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_]\w*)
  | (?P<symbol>\.\.\.|\.\.|==|~=|<=|>=|<<|>>|//|::|[-+*/%^\#&~|<>=(){}\[\];:,.])
""", re.VERBOSE)

_KEYWORDS = frozenset((
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
    "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"))


@dataclass
class Scan:
    """What ``scan()`` found: broken rules, and the top-level locals above the lazy part
    that the lazy part uses (``_split_lazy()`` must pass them all)."""

    problems: list[str] = field(default_factory=list)
    imports_used: set[str] = field(default_factory=set)
    lazy_locals: set[str] = field(default_factory=set)


def _tokens(source: str) -> list[tuple[str, str, int]]:
    tokens, line, at = [], 1, 0
    while at < len(source):
        match = _TOKEN.match(source, at)
        if match is None:
            raise ValueError(f"line {line}: cannot read {source[at:at + 20]!r}")
        kind = match.lastgroup or ""
        text = match.group()
        if kind not in ("space", "comment"):
            tokens.append(("name" if kind == "name" and text not in _KEYWORDS else
                           "keyword" if kind == "name" else kind, text, line))
        line += text.count("\n")
        at = match.end()
    return tokens


def scan(source: str, begin: str = "--@lazy-begin", end: str = "--@lazy-end") -> Scan:
    """Check *source* (pyconfig.lua) against the two rules of its lazy part."""
    lines = source.splitlines()
    first, last = lines.index(begin) + 1, lines.index(end) + 1

    def region(line: int) -> str:
        return "before" if line < first else "lazy" if line < last else "after"

    tokens = _tokens(source)
    result = Scan()
    # a stack of contexts: ("block", {name: (region, line) of its declaration}) or a bracket
    top: dict[str, tuple[str, int]] = {}
    stack: list[tuple[str, dict[str, tuple[str, int]]]] = [("block", top)]
    pending: list[str] = []  # loop variables, declared in the scope their `do` opens

    def scope() -> dict[str, tuple[str, int]]:
        return next(names for kind, names in reversed(stack) if kind == "block")

    def declare(name: str, line: int) -> None:
        scope()[name] = (region(line), line)
        if scope() is top and region(line) == "lazy":
            result.lazy_locals.add(name)

    def resolve(name: str) -> tuple[bool, tuple[str, int] | None]:
        """(whether the declaration is top-level, the declaration) of *name*."""
        for kind, names in reversed(stack):
            if kind == "block" and name in names:
                return names is top, names[name]
        return False, None

    def text(at: int) -> str:
        return tokens[at][1] if at < len(tokens) else ""

    def parameters(at: int) -> int:
        """Declare the parameters from the ``(`` at *at*; the index after the ``)``."""
        at += 1
        while text(at) != ")":
            if tokens[at][0] == "name":
                declare(tokens[at][1], tokens[at][2])
            at += 1
        return at + 1

    i = 0
    while i < len(tokens):
        kind, word, line = tokens[i]
        if word == "local" and text(i + 1) == "function":
            declare(text(i + 2), tokens[i + 2][2])
            stack.append(("block", {}))
            i = parameters(i + 3)
            continue
        if word == "local":
            i += 1
            while tokens[i][0] == "name":
                declare(tokens[i][1], tokens[i][2])
                i += 3 if text(i + 1) == "<" else 0  # <const>, <close>
                i += 1
                if text(i) != ",":
                    break
                i += 1
            continue
        if word == "function":
            i += 1
            if tokens[i][0] == "name":  # function NAME..., a statement
                name = tokens[i][1]
                _check(result, name, line, region(line), resolve(name), text(i + 1) == "(")
                method = False
                while text(i + 1) in (".", ":"):
                    method = text(i + 1) == ":"
                    i += 2
                stack.append(("block", {}))
                if method:
                    declare("self", line)
                i += 1
            else:
                stack.append(("block", {}))
            i = parameters(i)
            continue
        if word == "for":
            i += 1
            while text(i) not in ("=", "in"):
                if tokens[i][0] == "name":
                    pending.append(tokens[i][1])
                i += 1
            continue
        if word in ("do", "if", "repeat"):
            stack.append(("block", {}))
            for name in pending:
                declare(name, line)
            pending.clear()
        elif word in ("elseif", "else"):
            stack[-1][1].clear()
        elif word in ("end", "until"):
            stack.pop()
        elif word in ("(", "[", "{"):
            stack.append((word, {}))
        elif word in (")", "]", "}"):
            stack.pop()
        elif kind == "name" and text(i - 1) not in (".", ":", "goto", "::"):
            if stack[-1][0] == "{" and text(i + 1) == "=":
                i += 1  # a key of a table constructor
                continue
            after = i + 1
            while text(after) == "," and tokens[after + 1][0] == "name":
                after += 2
            target = stack[-1][0] == "block" and text(after) == "="
            _check(result, word, line, region(line), resolve(word), target)
        i += 1
    if len(stack) != 1 or pending:
        raise ValueError(f"unbalanced blocks at the end: {[kind for kind, _ in stack]}")
    return result


def _check(result: Scan, name: str, line: int, where: str,
           resolved: tuple[bool, tuple[str, int] | None], target: bool) -> None:
    toplevel, declaration = resolved
    if not toplevel or declaration is None:
        return
    declared, at = declaration
    if where == "after" and declared == "lazy":
        result.problems.append(
            f"line {line}: {name!r}, a top-level local of the lazy part (line {at}), is used "
            "after --@lazy-end: the bytecode form reads a global there")
    if target and declared == "before":
        result.problems.append(
            f"line {line}: {name!r}, a top-level local above --@lazy-begin (line {at}), is "
            "assigned again: the lazy part holds a copy of its first value")
    if where == "lazy" and declared == "before":
        result.imports_used.add(name)
