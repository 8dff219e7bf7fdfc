"""The @-expression language: text with ``@token`` placeholders filled in per runtime.

A spec calls ``rpm-pyconfig --foreach --eval '%package -n @confpkg-coverage'`` on every
parse; the expression is parsed once and evaluated for each runtime::

    @token      the runtime's value; the name is the longest run of [A-Za-z0-9_],
                so ``@confpkg-coverage`` is ``@confpkg`` followed by ``-coverage``
    @{token}    the same, for text glued to the token: ``@{confpkg}_coverage``
    @@          a literal ``@``

Everything else, newlines and ``%`` included, is literal text and is copied unchanged.
Values can be escaped for where they go (``escape_rpm`` for rpm, ``shlex.quote`` for a
shell); literal text never is.

This module is on the path of every spec parse: it imports our own modules only (``re``
when an expression is parsed).
"""

from __future__ import annotations

from ._record import Record
from ._tokenizer import Patterns, Tokenizer
from ._values import TOKENS
from .errors import close_match

TYPE_CHECKING = False  # not typing's: importing typing costs ~7 ms per spec parse
if TYPE_CHECKING:
    from collections.abc import Callable

    from .runtime import Runtime

    Getter = Callable[[Runtime], str]

__all__ = ["TOKENS", "Expression", "escape_rpm"]


def escape_rpm(value: str) -> str:
    """Protect *value* from rpm macro expansion: ``%`` becomes ``%%``."""
    return value.replace("%", "%%")


# -- parsing -----------------------------------------------------------------------------

_NAME = "[A-Za-z_][A-Za-z0-9_]*"  # explicit ASCII classes: \w would take any letter

_RULES = Patterns({
    "TEXT": "[^@]+",
    "AT_AT": "@@",
    "AT_BRACE": "@{",
    "AT": "@",
    "NAME": _NAME,
    "RIGHT_BRACE": "}",
    "END": r"\Z",
})

_LITERAL_AT_HINT = "(write '@@' for a literal '@')"


class Expression(Record):
    """A parsed @-expression; immutable, and cheap to evaluate many times."""

    __slots__ = ("_getters", "_parts", "source", "tokens")
    _compared = ("source",)

    #: The text as given.
    source: str
    #: Names of the tokens it uses, each once, in order of first use.
    tokens: tuple[str, ...]
    # Literal text, with an empty placeholder where each token's value goes ...
    _parts: tuple[str, ...]
    # ... and, for each placeholder, its index in ``_parts`` and the token's getter.
    _getters: tuple[tuple[int, Getter], ...]

    def __init__(self, source: str) -> None:
        """Parse *source*; raise ``ExpressionError`` pointing at the first mistake."""
        parts: list[str] = []
        getters: list[tuple[int, Getter]] = []
        used: dict[str, None] = {}  # an ordered set
        text: list[str] = []  # literal pieces not yet added to parts

        tokenizer = Tokenizer(source, rules=_RULES)
        while not tokenizer.check("END", peek=True):
            if tokenizer.check("TEXT"):
                text.append(tokenizer.read().text)
            elif tokenizer.check("AT_AT"):
                tokenizer.read()
                text.append("@")
            else:
                name = _parse_token(tokenizer)
                if text:
                    parts.append("".join(text))
                    text = []
                getters.append((len(parts), TOKENS[name][0]))
                parts.append("")
                used[name] = None
        if text:
            parts.append("".join(text))

        self._fill({
            "source": source,
            "tokens": tuple(used),
            "_parts": tuple(parts),
            "_getters": tuple(getters),
        })

    @classmethod
    def parse(cls, text: str) -> Expression:
        """Parse *text*; raise ``ExpressionError`` pointing at the first mistake."""
        return cls(text)

    def evaluate(self, runtime: Runtime, escape: Callable[[str], str] | None = None) -> str:
        """The text with every token replaced by *runtime*'s value, passed through *escape*."""
        parts = list(self._parts)
        if escape is None:
            for index, get in self._getters:
                parts[index] = get(runtime)
        else:
            for index, get in self._getters:
                parts[index] = escape(get(runtime))
        return "".join(parts)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


def _parse_token(tokenizer: Tokenizer) -> str:
    """``'@' NAME | '@{' NAME '}'`` at the tokenizer's position; return the known NAME."""
    start = tokenizer.position
    braced = tokenizer.check("AT_BRACE")
    if not braced:
        tokenizer.expect("AT", expected="'@'")  # TEXT and '@@' did not match: it is '@'
        if not tokenizer.check("NAME"):
            tokenizer.raise_syntax_error(
                f"expected a token name after '@', got {_got(tokenizer)} {_LITERAL_AT_HINT}",
                span_start=start,
                span_end=tokenizer.position + 1,
            )
        name = tokenizer.read().text
    else:
        tokenizer.read()
        if tokenizer.check("NAME"):
            name = tokenizer.read().text
            if not tokenizer.check("RIGHT_BRACE"):
                if tokenizer.check("END", peek=True):
                    message = f"unterminated '@{{{name}': expected '}}'"
                else:
                    message = f"expected '}}' after '@{{{name}', got {_got(tokenizer)}"
                    if not tokenizer.source[tokenizer.position].isspace():
                        message += " (token names are ASCII letters, digits and '_')"
                tokenizer.raise_syntax_error(
                    message, span_start=start, span_end=tokenizer.position + 1
                )
            tokenizer.read()
        elif tokenizer.check("RIGHT_BRACE", peek=True):
            tokenizer.raise_syntax_error(
                "empty token name in '@{}'", span_start=start, span_end=tokenizer.position + 1
            )
        elif tokenizer.check("END", peek=True):
            tokenizer.raise_syntax_error(
                "unterminated '@{': expected a token name and '}'",
                span_start=start,
                span_end=tokenizer.position + 1,
            )
        else:
            tokenizer.raise_syntax_error(
                f"expected a token name after '@{{', got {_got(tokenizer)}",
                span_start=start,
                span_end=tokenizer.position + 1,
            )
    if name not in TOKENS:
        tokenizer.raise_syntax_error(
            _unknown_token(name, braced), span_start=start, span_end=tokenizer.position
        )
    return name


def _got(tokenizer: Tokenizer) -> str:
    """The character where the parser stopped, for "expected X, got Y" messages."""
    if tokenizer.position >= len(tokenizer.source):
        return "end of input"
    return repr(tokenizer.source[tokenizer.position])


def _unknown_token(name: str, braced: bool) -> str:
    """The message for ``@name``, with the likely intended spelling when there is one."""
    form = "@{{{}}}" if braced else "@{}"
    message = f"unknown token '{form.format(name)}'"
    if not braced:
        # @confpkg_coverage: a token followed by glued text, which needs braces.
        prefix = max((token for token in TOKENS if name.startswith(token)), key=len, default="")
        if prefix:
            return f"{message} (did you mean '@{{{prefix}}}{name[len(prefix):]}'?)"
    close = close_match(name, TOKENS)
    if close:
        return f"{message} (did you mean '{form.format(close)}'?)"
    return f"{message} {_LITERAL_AT_HINT}"  # an e-mail address, perhaps
