"""A small context-sensitive tokenizer shared by the @-expression and condition parsers.

Modelled on ``packaging._tokenizer``: each grammar names the tokens it accepts in a
table of compiled regular expressions, and the parser asks, at each point, whether
the next token is one it can use there (``check``), must be (``expect``), and takes it
(``read``).  Syntax errors carry the input and the span of the offending text, so the
user sees a ``~~~^`` marker under it (see ``ExpressionError``).

This module is on the path of every spec parse: it imports only our errors.  The
grammars' tables are ``Patterns``, compiled on first use: the fallback of a spec parse
imports the grammar modules for their tables of variables and never parses, so it never
imports ``re``.
"""

from __future__ import annotations

from .errors import ExpressionError

TYPE_CHECKING = False  # not typing's: importing typing costs ~7 ms per spec parse
if TYPE_CHECKING:
    import re
    from collections.abc import Mapping
    from typing import NoReturn

__all__ = ["Patterns", "Token", "Tokenizer"]


class Patterns(dict):  # type: ignore[type-arg]  # dict[str, re.Pattern[str]]
    """Regular expressions by name, each compiled from *sources* when first looked up."""

    __slots__ = ("_sources",)

    def __init__(self, sources: Mapping[str, str]) -> None:
        super().__init__()
        self._sources = sources

    def __missing__(self, name: str) -> re.Pattern[str]:
        import re

        pattern = self[name] = re.compile(self._sources[name])
        return pattern


class Token:
    """One matched piece of the input: the rule's name, the text, and where it starts."""

    __slots__ = ("name", "position", "text")

    def __init__(self, name: str, text: str, position: int) -> None:
        self.name = name
        self.text = text
        self.position = position

    @property
    def end(self) -> int:
        """Index just past the token."""
        return self.position + len(self.text)

    def __repr__(self) -> str:
        return f"Token({self.name!r}, {self.text!r}, {self.position})"


class Tokenizer:
    """Walks *source* one token at a time, trying only the rules the parser asks for."""

    __slots__ = ("next_token", "position", "rules", "source")

    def __init__(self, source: str, *, rules: Mapping[str, re.Pattern[str]]) -> None:
        self.source = source
        self.rules = rules
        #: The token found by the last successful ``check``, until ``read`` takes it.
        self.next_token: Token | None = None
        #: Index of the first character not yet read.
        self.position = 0

    def check(self, name: str, *, peek: bool = False) -> bool:
        """Whether the next token matches rule *name*.

        Unless *peek* is set, a successful check loads the token, and it must be
        ``read`` before the next check.
        """
        assert self.next_token is None, f"cannot check {name!r}: {self.next_token!r} is unread"
        match = self.rules[name].match(self.source, self.position)
        if match is None:
            return False
        if not peek:
            self.next_token = Token(name, match[0], self.position)
        return True

    def consume(self, name: str) -> None:
        """Skip a token of rule *name* if one comes next (typically whitespace)."""
        if self.check(name):
            self.read()

    def expect(self, name: str, *, expected: str) -> Token:
        """Read a token of rule *name*, or fail saying what was *expected* there."""
        if not self.check(name):
            self.raise_syntax_error(f"expected {expected}")
        return self.read()

    def read(self) -> Token:
        """Take the token loaded by the last successful ``check``."""
        token = self.next_token
        assert token is not None, "read() without a successful check()"
        self.position = token.end
        self.next_token = None
        return token

    def raise_syntax_error(
        self,
        message: str,
        *,
        span_start: int | None = None,
        span_end: int | None = None,
    ) -> NoReturn:
        """Raise ``ExpressionError`` marking ``span_start..span_end`` (default: here)."""
        start = self.position if span_start is None else span_start
        end = start + 1 if span_end is None else span_end
        raise ExpressionError(message, source=self.source, span=(start, end))
