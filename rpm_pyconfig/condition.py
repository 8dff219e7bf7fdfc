"""Conditions on one runtime, for ``--where``: PEP 508 environment markers, per runtime.

::

    python_version >= '3.10' and implementation_name == 'cpython'
    platform_python_implementation == 'PyPy' or (debug == 'true' and python_version == '3.11')

The grammar and the meaning of comparisons are those of PEP 508 markers, as
``packaging.markers`` implements them, with the runtime (not the host running rpm)
as the environment:

* ``or``, ``and`` (binding tighter) and parentheses; a comparison has a variable on
  one side and a quoted string (``'...'`` or ``"..."``, no escapes) on the other;
* for the version variables (``python_version``, ``python_full_version``,
  ``implementation_version``) the operators ``<  <=  ==  !=  >=  >  ~=`` compare as
  PEP 440 version specifiers do: numerically, ``==`` and ``!=`` accept ``X.Y.*``,
  ``~=`` is the compatible release, and ``<V`` excludes pre-releases of V.  Versions
  are release numbers with an optional ``a``/``b``/``rc`` pre-release (all a runtime
  ever has); ``===`` compares strings, ignoring case;
* ``in`` and ``not in`` test substrings: ``python_version in '3.11 3.12'``;
* the other variables are names: only ``==``, ``!=``, ``in`` and ``not in`` apply.

Where ``packaging`` gives a comparison no useful meaning (ordering names, a
malformed version with an ordering operator or ``~=``) it raises or answers False
when evaluating; here the mistake is found when parsing, with a marker under it.
As in ``packaging``, ``==`` and ``!=`` with a value that is not a version compare
strings (one difference: ``'x' != python_version`` is true here, false there).
Whitespace between tokens may include newlines; booleans must be ``'true'`` or
``'false'``.

This module is on the path of spec parses: it imports our own modules only (``re`` when a
condition is parsed).
"""

from __future__ import annotations

from ._record import Record
from ._tokenizer import Patterns, Tokenizer
from ._values import _BOOL, _VARIABLES, _VERSION, VARIABLES, variable_kinds, variable_values
from .errors import close_match
from .runtime import parse_version

TYPE_CHECKING = False  # not typing's: importing typing costs ~7 ms per spec parse
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import NoReturn

    from .runtime import Runtime, Version

    Test = Callable[[Runtime], bool]
    Getter = Callable[[Runtime], str]
    Matcher = Callable[[Version], bool]

__all__ = ["VARIABLES", "Condition", "variable_kinds", "variable_values"]


# Legacy spellings packaging accepts (after replacing '.' with '_').
_ALIASES = {"python_implementation": "platform_python_implementation"}
# PEP 508 variables that exist but cannot tell runtimes apart.
_NOT_RUNTIME = dict.fromkeys(
    ("os_name", "sys_platform", "platform_machine", "platform_release", "platform_system",
     "platform_version"),
    "the build host",
)
_NOT_RUNTIME.update(dict.fromkeys(("extra", "extras", "dependency_groups"), "a requirement"))


# -- versions: the PEP 440 subset a runtime's version uses -------------------------------

_VERSION_PATTERNS = Patterns({
    "wildcard": r"(?i)\s*v?([0-9]+(?:\.[0-9]+)*)\.\*\s*",
    "arbitrary": r"\s*([^\s;)]*)\s*",
})
_FINAL = (3, 0)  # sorts after every pre-release
_NOT_A_VERSION = (
    "expected release numbers with an optional a, b or rc pre-release, like '3.11' or '3.13.0rc1'"
)


def _parse_version(text: str) -> Version | None:
    return parse_version(text, pep440=True)


def _trimmed(release: tuple[int, ...]) -> tuple[int, ...]:
    """Release numbers without trailing zeros: 3.11.0 equals 3.11."""
    end = len(release)
    while end and release[end - 1] == 0:
        end -= 1
    return release[:end]


def _key(version: Version) -> tuple[tuple[int, ...], tuple[int, int]]:
    release, pre = version
    return _trimmed(release), _FINAL if pre is None else pre


def _prefix_matcher(prefix: tuple[int, ...]) -> Matcher:
    """``== X.Y.*``: the release, padded with zeros, starts with *prefix*."""
    size = len(prefix)

    def match(version: Version) -> bool:
        release = version[0]
        return (release + (0,) * (size - len(release)))[:size] == prefix

    return match


def _spec_matcher(op: str, text: str) -> Matcher | str:
    """What ``Specifier(op + text).contains`` does, or why *text* cannot follow *op*."""
    wildcard = _VERSION_PATTERNS["wildcard"].fullmatch(text)
    if wildcard is not None:
        if op not in ("==", "!="):
            return "only == and != accept a '.*' wildcard"
        prefix = _prefix_matcher(tuple(int(part) for part in wildcard[1].split(".")))
        return prefix if op == "==" else lambda version: not prefix(version)
    spec = _parse_version(text)
    if spec is None:
        return _NOT_A_VERSION
    key = _key(spec)
    if op == "==":
        return lambda version: _key(version) == key
    if op == "!=":
        return lambda version: _key(version) != key
    if op == "<=":
        return lambda version: _key(version) <= key
    if op == ">=":
        return lambda version: _key(version) >= key
    if op == ">":
        return lambda version: _key(version) > key
    if op == "<":
        # PEP 440: <V excludes the pre-releases of V, unless V is one itself.
        if spec[1] is not None:
            return lambda version: _key(version) < key
        return lambda version: _key(version) < key and (
            version[1] is None or _trimmed(version[0]) != key[0]
        )
    assert op == "~=", op
    if len(spec[0]) < 2:
        return "it needs at least two release numbers, like '3.11'"
    prefix = _prefix_matcher(spec[0][:-1])
    return lambda version: _key(version) >= key and prefix(version)


# -- parsing -----------------------------------------------------------------------------

_IDENTIFIER_END = "(?![A-Za-z0-9_.])"
_RULES = Patterns({
    "LEFT_PARENTHESIS": r"\(",
    "RIGHT_PARENTHESIS": r"\)",
    "QUOTED_STRING": r"'[^']*'|\"[^\"]*\"",
    "QUOTE": "['\"]",
    "OP": "===|==|~=|!=|<=|>=|<|>",
    "AND": "and" + _IDENTIFIER_END,
    "OR": "or" + _IDENTIFIER_END,
    "IN": "in" + _IDENTIFIER_END,
    "NOT": "not" + _IDENTIFIER_END,
    "VARIABLE": "[A-Za-z_][A-Za-z0-9_.]*",
    "WS": r"\s+",
    "END": r"\Z",
    # the word an error message quotes
    "word": r"[^\s()'\"]+|\S",
})
_KEYWORDS = ("and", "or", "not", "in")
_OPERATORS = "==, !=, <, <=, >, >=, ~=, ===, in, not in"


class Condition(Record):
    """A parsed condition; immutable, evaluated against one runtime at a time."""

    __slots__ = ("_test", "source")
    _compared = ("source",)

    #: The text as given.
    source: str
    _test: Test

    def __init__(self, source: str) -> None:
        """Parse *source*; raise ``ExpressionError`` pointing at the first mistake."""
        tokenizer = Tokenizer(source, rules=_RULES)
        tokenizer.consume("WS")
        test = _parse_or(tokenizer)
        if not tokenizer.check("END"):
            if tokenizer.check("RIGHT_PARENTHESIS", peek=True):
                tokenizer.raise_syntax_error("unmatched ')'")
            _fail(tokenizer, "expected 'and', 'or' or the end of the condition")
        self._fill({"source": source, "_test": test})

    @classmethod
    def parse(cls, text: str) -> Condition:
        """Parse *text*; raise ``ExpressionError`` pointing at the first mistake."""
        return cls(text)

    def evaluate(self, runtime: Runtime) -> bool:
        """Whether *runtime* satisfies the condition."""
        return self._test(runtime)

    def __repr__(self) -> str:
        return f"Condition({self.source!r})"


def _fail(tokenizer: Tokenizer, expected: str, hint: str = "") -> NoReturn:
    """Raise "expected X, got Y" with the marker under Y."""
    match = _RULES["word"].match(tokenizer.source, tokenizer.position)
    if match is None:
        tokenizer.raise_syntax_error(f"{expected}, got end of input{hint}")
    tokenizer.raise_syntax_error(f"{expected}, got {match[0]!r}{hint}", span_end=match.end())


def _parse_or(tokenizer: Tokenizer) -> Test:
    """``or_expr = and_expr ('or' and_expr)*``"""
    tests = _series(tokenizer, "OR", _parse_and)
    return tests[0] if len(tests) == 1 else lambda runtime: any(test(runtime) for test in tests)


def _parse_and(tokenizer: Tokenizer) -> Test:
    """``and_expr = atom ('and' atom)*``"""
    tests = _series(tokenizer, "AND", _parse_atom)
    return tests[0] if len(tests) == 1 else lambda runtime: all(test(runtime) for test in tests)


def _series(tokenizer: Tokenizer, keyword: str, parse: Callable[[Tokenizer], Test]) -> list[Test]:
    """``parse (keyword parse)*``: the operands of one boolean operator."""
    tests = [parse(tokenizer)]
    while tokenizer.check(keyword):
        tokenizer.read()
        tokenizer.consume("WS")
        tests.append(parse(tokenizer))
    return tests


def _parse_atom(tokenizer: Tokenizer) -> Test:
    """``atom = '(' or_expr ')' | comparison``"""
    if not tokenizer.check("LEFT_PARENTHESIS"):
        return _parse_comparison(tokenizer)
    opening = tokenizer.read().position
    tokenizer.consume("WS")
    test = _parse_or(tokenizer)
    if not tokenizer.check("RIGHT_PARENTHESIS"):
        if tokenizer.check("END", peek=True):
            tokenizer.raise_syntax_error(
                "expected ')' to match '(', got end of input",
                span_start=opening,
                span_end=tokenizer.position + 1,
            )
        _fail(tokenizer, "expected 'and', 'or' or ')'")
    tokenizer.read()
    tokenizer.consume("WS")
    return test


class _Operand:
    """One side of a comparison: a variable's name or a string's value, and its span."""

    __slots__ = ("end", "is_variable", "start", "value")

    def __init__(self, value: str, is_variable: bool, start: int, end: int) -> None:
        self.value = value
        self.is_variable = is_variable
        self.start = start
        self.end = end


def _parse_comparison(tokenizer: Tokenizer) -> Test:
    """``comparison = operand op operand``, one operand a variable, the other a string."""
    left = _parse_operand(tokenizer, None)
    tokenizer.consume("WS")
    op_start = tokenizer.position
    op = _parse_operator(tokenizer)
    op_span = (op_start, tokenizer.position)
    tokenizer.consume("WS")
    right = _parse_operand(tokenizer, left)
    tokenizer.consume("WS")
    if left.is_variable == right.is_variable:
        tokenizer.raise_syntax_error(
            "cannot compare two variables: one side must be a quoted string"
            if left.is_variable else
            "cannot compare two strings: one side must be a variable",
            span_start=left.start,
            span_end=right.end,
        )
    return _compile(tokenizer, left, op, op_span, right)


def _parse_operand(tokenizer: Tokenizer, left: _Operand | None) -> _Operand:
    """``operand = VARIABLE | QUOTED_STRING``; *left* is the other side, if already read."""
    start = tokenizer.position
    if tokenizer.check("QUOTED_STRING"):
        text = tokenizer.read().text
        return _Operand(text[1:-1], False, start, tokenizer.position)
    if tokenizer.check("QUOTE", peek=True):
        tokenizer.raise_syntax_error(
            f"unterminated string: no closing {tokenizer.source[start]!r}",
            span_end=len(tokenizer.source) + 1,
        )
    if not tokenizer.check("VARIABLE"):
        quote = left is not None and left.is_variable and not tokenizer.check("END", peek=True)
        _fail(tokenizer, "expected a variable or a quoted string",
              " (put values in quotes)" if quote else "")
    written = tokenizer.read().text
    if written in _KEYWORDS:
        tokenizer.raise_syntax_error(
            f"expected a variable or a quoted string, got '{written}'",
            span_start=start,
            span_end=tokenizer.position,
        )
    name = written.replace(".", "_")
    name = _ALIASES.get(name, name)
    if name not in _VARIABLES:
        tokenizer.raise_syntax_error(
            _unknown_variable(written, name, value_expected=left is not None and left.is_variable),
            span_start=start,
            span_end=tokenizer.position,
        )
    return _Operand(name, True, start, tokenizer.position)


def _parse_operator(tokenizer: Tokenizer) -> str:
    """``op = OP | 'in' | 'not' 'in'``"""
    if tokenizer.check("OP") or tokenizer.check("IN"):
        return tokenizer.read().text
    if tokenizer.check("NOT"):
        tokenizer.read()
        tokenizer.consume("WS")
        if not tokenizer.check("IN"):
            _fail(tokenizer, "expected 'in' after 'not'")
        tokenizer.read()
        return "not in"
    return _fail(tokenizer, f"expected an operator ({_OPERATORS})")


def _unknown_variable(written: str, name: str, *, value_expected: bool) -> str:
    """The message for an unknown variable, with the likely intended one."""
    if name in _NOT_RUNTIME:
        return f"unsupported variable '{written}': it describes {_NOT_RUNTIME[name]}, not a runtime"
    close = close_match(name, _VARIABLES)
    if close:
        return f"unknown variable '{written}' (did you mean '{close}'?)"
    if value_expected:
        return f"unknown variable '{written}' (put values in quotes: '{written}')"
    return f"unknown variable '{written}'"


# -- compiling a comparison into a test --------------------------------------------------


def _compile(
    tokenizer: Tokenizer, left: _Operand, op: str, op_span: tuple[int, int], right: _Operand
) -> Test:
    """The test a comparison makes, with every check that does not need a runtime done now."""
    variable, literal = (left, right) if left.is_variable else (right, left)
    get, kind, _doc = _VARIABLES[variable.value]
    value = literal.value

    if op in ("in", "not in") or (kind != _VERSION and op in ("==", "!=")):
        if kind == _BOOL and op in ("==", "!=") and value not in ("true", "false"):
            tokenizer.raise_syntax_error(
                f"invalid value {value!r} for {variable.value} (expected 'true' or 'false')",
                span_start=literal.start,
                span_end=literal.end,
            )
        return _string_test(get, op, value, variable_first=left is variable)
    if kind != _VERSION:
        tokenizer.raise_syntax_error(
            f"'{op}' compares versions, but {variable.value} is not a version "
            "(use ==, !=, in or not in)",
            span_start=op_span[0],
            span_end=op_span[1],
        )

    def invalid(why: str) -> NoReturn:
        tokenizer.raise_syntax_error(
            f"invalid version {value!r} for '{op}' ({why})",
            span_start=literal.start,
            span_end=literal.end,
        )

    # As in packaging, the right side is the specifier and the left the candidate,
    # whichever of them is the variable.
    if op == "===":  # PEP 440 arbitrary equality: the strings, ignoring case
        if left is literal:
            lowered = value.lower()
            return lambda runtime: lowered == get(runtime).strip().lower()
        arbitrary = _VERSION_PATTERNS["arbitrary"].fullmatch(value)
        if arbitrary is None:
            invalid("it cannot contain spaces, ';' or ')'")
        expected = arbitrary[1].lower()
        return lambda runtime: get(runtime).lower() == expected

    if right is literal:  # the usual: python_version >= '3.9'
        found = _spec_matcher(op, value)
        if isinstance(found, str):
            if op in ("==", "!="):  # as packaging: not a version, so compare strings
                return _string_test(get, op, value, variable_first=True)
            invalid(found)
        matcher = found

        def test(runtime: Runtime) -> bool:
            version = _parse_version(get(runtime))
            assert version is not None, "Runtime checks its version"
            return matcher(version)

        return test

    parsed = _parse_version(value)  # '3.9' <= python_version
    if parsed is None:
        if op in ("==", "!="):
            return _string_test(get, op, value, variable_first=False)
        invalid(_NOT_A_VERSION)
    candidate = parsed

    def reversed_test(runtime: Runtime) -> bool:
        spec = _spec_matcher(op, get(runtime))
        assert not isinstance(spec, str), "Runtime checks its version"
        return spec(candidate)

    return reversed_test


def _string_test(get: Getter, op: str, value: str, *, variable_first: bool) -> Test:
    if op == "==":
        return lambda runtime: get(runtime) == value
    if op == "!=":
        return lambda runtime: get(runtime) != value
    if variable_first:
        if op == "in":
            return lambda runtime: get(runtime) in value
        return lambda runtime: get(runtime) not in value
    if op == "in":
        return lambda runtime: value in get(runtime)
    return lambda runtime: value not in get(runtime)
