"""The tokenizer both parsers share: check/peek/read/expect and the syntax errors it raises."""

from __future__ import annotations

import re

import pytest

from rpm_pyconfig._tokenizer import Token, Tokenizer
from rpm_pyconfig.errors import ExpressionError

RULES = {
    "WORD": re.compile("[a-z]+"),
    "NUMBER": re.compile("[0-9]+"),
    "WS": re.compile(" +"),
    "END": re.compile(r"\Z"),
}


def test_check_loads_the_token_and_read_takes_it() -> None:
    tokenizer = Tokenizer("abc 12", rules=RULES)
    assert not tokenizer.check("NUMBER")
    assert tokenizer.check("WORD")
    token = tokenizer.read()
    assert (token.name, token.text, token.position, token.end) == ("WORD", "abc", 0, 3)
    assert tokenizer.position == 3
    assert tokenizer.next_token is None


def test_peek_does_not_load_the_token() -> None:
    tokenizer = Tokenizer("abc", rules=RULES)
    assert tokenizer.check("WORD", peek=True)
    assert tokenizer.next_token is None
    assert tokenizer.position == 0


def test_consume_skips_an_optional_token() -> None:
    tokenizer = Tokenizer("  12", rules=RULES)
    tokenizer.consume("WS")
    tokenizer.consume("WS")  # nothing left to skip: no effect
    assert tokenizer.expect("NUMBER", expected="a number").text == "12"
    assert tokenizer.check("END")


def test_expect_fails_with_the_expectation_and_a_marker_here() -> None:
    tokenizer = Tokenizer("abc def", rules=RULES)
    tokenizer.expect("WORD", expected="a word")
    tokenizer.consume("WS")
    with pytest.raises(ExpressionError) as caught:
        tokenizer.expect("NUMBER", expected="a number")
    assert str(caught.value) == "expected a number\n    abc def\n        ^"
    assert caught.value.span == (4, 5)
    assert caught.value.source == "abc def"
    assert caught.value.reason == "expected a number"


def test_raise_syntax_error_marks_the_given_span() -> None:
    tokenizer = Tokenizer("abc def", rules=RULES)
    with pytest.raises(ExpressionError) as caught:
        tokenizer.raise_syntax_error("bad", span_start=4, span_end=7)
    assert str(caught.value) == "bad\n    abc def\n        ~~^"


def test_check_twice_without_read_is_a_programming_error() -> None:
    tokenizer = Tokenizer("abc", rules=RULES)
    assert tokenizer.check("WORD")
    with pytest.raises(AssertionError):
        tokenizer.check("WORD")


def test_token_repr() -> None:
    assert repr(Token("WORD", "abc", 4)) == "Token('WORD', 'abc', 4)"
