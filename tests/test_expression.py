"""The @-expression language: tokens, evaluation, escaping and the errors users see."""

from __future__ import annotations

import shlex
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rpm_pyconfig.errors import ExpressionError
from rpm_pyconfig.expression import TOKENS, Expression, escape_rpm
from rpm_pyconfig.runtime import FIELDS, Runtime

SITE = "/usr/lib/python3/dist-packages"

# -- every token, for each runtime of the machine -----------------------------------------

COMMON = {
    "conf_sitelib": SITE,
    "conf_sitearch": SITE,
    "purelib": SITE,
    "platlib": SITE,
    "major_version": "3",
    "free_threaded": "0",
    "priority": "50",
    "devel_requires": "",
}
EXPECTED = {
    "cpython": dict(
        COMMON,
        confbin="/usr/bin/python3.11",
        confpkg="python3",
        minor_version="11",
        name="python3.11",
        implementation="cpython",
        version="3.11.2",
        interpreter="/usr/bin/python3.11",
        package_prefix="python3",
        soabi="cpython-311-x86_64-linux-gnu",
        ext_suffix=".cpython-311-x86_64-linux-gnu.so",
        cache_tag="cpython-311",
        abiflags="",
        debug="0",
        default="1",
        abi_requires="python(abi) = 3.11",
        dist_prefix="python3",
        versioned_dist_prefix="python3.11",
        script_suffix="",
        shebang_flags="",
        include="/usr/include/python3.11",
        micro_version="2",
        short_version="3.11",
        version_nodots="311",
        platform_python_implementation="CPython",
    ),
    "cpython_debug": dict(
        COMMON,
        confbin="/usr/bin/python3.11-dbg",
        confpkg="python3-dbg",
        minor_version="11",
        name="python3.11-dbg",
        implementation="cpython",
        version="3.11.2",
        interpreter="/usr/bin/python3.11-dbg",
        package_prefix="python3-dbg",
        soabi="cpython-311d-x86_64-linux-gnu",
        ext_suffix=".cpython-311d-x86_64-linux-gnu.so",
        cache_tag="cpython-311",
        abiflags="d",
        debug="1",
        default="0",
        abi_requires="/usr/bin/python3.11-dbg",
        dist_prefix="python3",
        versioned_dist_prefix="python3.11",
        script_suffix="-dbg",
        shebang_flags="",
        include="/usr/include/python3.11d",
        micro_version="2",
        short_version="3.11",
        version_nodots="311",
        platform_python_implementation="CPython",
    ),
    "pypy": dict(
        COMMON,
        confbin="/usr/bin/pypy3",
        confpkg="pypy3",
        minor_version="9",
        name="pypy3",
        implementation="pypy",
        version="3.9.16",
        interpreter="/usr/bin/pypy3",
        package_prefix="pypy3",
        soabi="pypy39-pp73",
        ext_suffix=".pypy39-pp73-x86_64-linux-gnu.so",
        cache_tag="pypy39",
        abiflags="",
        debug="0",
        default="0",
        abi_requires="/usr/bin/pypy3",
        dist_prefix="pypy3",
        versioned_dist_prefix="pypy3.9",
        script_suffix="-pypy3",
        shebang_flags="",
        include="/usr/include/pypy3.9",
        micro_version="16",
        short_version="3.9",
        version_nodots="39",
        platform_python_implementation="PyPy",
    ),
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_every_token_value(fixture: str, request: pytest.FixtureRequest) -> None:
    runtime: Runtime = request.getfixturevalue(fixture)
    expression = Expression.parse("\n".join(f"{name}=@{name}" for name in TOKENS))
    lines = expression.evaluate(runtime).split("\n")
    # runtime.py decides where a runtime's copy of the sources lives
    expected = dict(EXPECTED[fixture], srcdir=runtime.srcdir, confsrcdir=runtime.srcdir)
    assert dict(line.split("=", 1) for line in lines) == expected
    assert runtime.name in runtime.srcdir


def test_tokens_cover_the_2010_names_every_field_and_the_derived_values() -> None:
    legacy = {"confbin", "confpkg", "confsrcdir", "conf_sitelib", "conf_sitearch",
              "major_version", "minor_version"}
    derived = {"micro_version", "short_version", "version_nodots", "srcdir",
               "platform_python_implementation"}
    assert set(TOKENS) == legacy | {field.name for field in FIELDS} | derived


@pytest.mark.parametrize("name", sorted(TOKENS))
def test_every_token_has_a_one_line_doc(name: str) -> None:
    doc = TOKENS[name][1]
    assert doc.endswith(".")
    assert "\n" not in doc


def test_the_2010_example(cpython: Runtime, cpython_debug: Runtime, pypy: Runtime) -> None:
    expression = Expression.parse("%package -n @confpkg-coverage\nRequires: @confbin")
    assert [expression.evaluate(rt) for rt in (cpython, cpython_debug, pypy)] == [
        "%package -n python3-coverage\nRequires: /usr/bin/python3.11",
        "%package -n python3-dbg-coverage\nRequires: /usr/bin/python3.11-dbg",
        "%package -n pypy3-coverage\nRequires: /usr/bin/pypy3",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("no tokens at all", "no tokens at all"),
        ("@confpkg-coverage", "python3-coverage"),
        ("@{confpkg}_coverage", "python3_coverage"),
        ("@confpkg_coverage_x", None),  # one name: see the error table
        ("mail@@example.org", "mail@example.org"),
        ("@@@confpkg", "@python3"),
        ("@@confpkg", "@confpkg"),
        ("%{?_isa} @version_nodots%%", "%{?_isa} 311%%"),
        ("@major_version.@minor_version", "3.11"),
        ("@debug@default", "01"),
        ("line 1\n\tline 2 @confpkg\n", "line 1\n\tline 2 python3\n"),
    ],
)
def test_evaluate(cpython: Runtime, text: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(ExpressionError):
            Expression.parse(text)
    else:
        assert Expression.parse(text).evaluate(cpython) == expected


def test_escape_applies_to_values_only(cpython: Runtime) -> None:
    tricky = cpython.replace(package_prefix="py%{x}")
    expression = Expression.parse("%package -n @confpkg-foo %%")
    assert expression.evaluate(tricky) == "%package -n py%{x}-foo %%"
    assert expression.evaluate(tricky, escape_rpm) == "%package -n py%%{x}-foo %%"
    spaced = cpython.replace(interpreter="/opt/my python/bin/python3")
    command = Expression.parse("@confbin -m pytest 'a b'")
    assert command.evaluate(spaced, shlex.quote) == "'/opt/my python/bin/python3' -m pytest 'a b'"


def test_escape_rpm() -> None:
    assert escape_rpm("100%") == "100%%"
    assert escape_rpm("%{x} %%") == "%%{x} %%%%"
    assert escape_rpm("plain") == "plain"


def test_expression_attributes() -> None:
    expression = Expression.parse("@confpkg-@version @{confpkg} @@name")
    assert expression.source == "@confpkg-@version @{confpkg} @@name"
    assert expression.tokens == ("confpkg", "version")
    assert repr(expression) == "Expression('@confpkg-@version @{confpkg} @@name')"
    assert expression == Expression("@confpkg-@version @{confpkg} @@name")
    assert expression != Expression("@confpkg")
    assert expression != "@confpkg-@version @{confpkg} @@name"
    assert len({expression, Expression.parse(expression.source)}) == 1


def test_expression_is_immutable() -> None:
    expression = Expression.parse("@confpkg")
    with pytest.raises(AttributeError, match="immutable"):
        expression.source = "@confbin"
    with pytest.raises(AttributeError, match="immutable"):
        del expression.tokens


# -- what the user sees for each kind of mistake ------------------------------------------

BAD_EXPRESSIONS = [
    pytest.param(
        "%package -n @confpgk-coverage",
        "unknown token '@confpgk' (did you mean '@confpkg'?)\n"
        "    %package -n @confpgk-coverage\n"
        "                ~~~~~~~^",
        id="typo",
    ),
    pytest.param(
        "@CONFPKG",
        "unknown token '@CONFPKG' (did you mean '@confpkg'?)\n"
        "    @CONFPKG\n"
        "    ~~~~~~~^",
        id="case",
    ),
    pytest.param(
        "@xyzzy",
        "unknown token '@xyzzy' (write '@@' for a literal '@')\n"
        "    @xyzzy\n"
        "    ~~~~~^",
        id="unknown-no-suggestion",
    ),
    pytest.param(
        "%package -n @confpkg_coverage",
        "unknown token '@confpkg_coverage' (did you mean '@{confpkg}_coverage'?)\n"
        "    %package -n @confpkg_coverage\n"
        "                ~~~~~~~~~~~~~~~~^",
        id="glued-text-needs-braces",
    ),
    pytest.param(
        "@{confpgk}",
        "unknown token '@{confpgk}' (did you mean '@{confpkg}'?)\n"
        "    @{confpgk}\n"
        "    ~~~~~~~~~^",
        id="typo-in-braces",
    ),
    pytest.param(
        "user@",
        "expected a token name after '@', got end of input (write '@@' for a literal '@')\n"
        "    user@\n"
        "        ~^",
        id="at-at-end",
    ),
    pytest.param(
        "user@@example.org @ 10%",
        "expected a token name after '@', got ' ' (write '@@' for a literal '@')\n"
        "    user@@example.org @ 10%\n"
        "                      ~^",
        id="at-before-space",
    ),
    pytest.param(
        "@-foo",
        "expected a token name after '@', got '-' (write '@@' for a literal '@')\n"
        "    @-foo\n"
        "    ~^",
        id="at-before-punctuation",
    ),
    pytest.param(
        "@3",
        "expected a token name after '@', got '3' (write '@@' for a literal '@')\n"
        "    @3\n"
        "    ~^",
        id="at-before-digit",
    ),
    pytest.param(
        "@@@",
        "expected a token name after '@', got end of input (write '@@' for a literal '@')\n"
        "    @@@\n"
        "      ~^",
        id="odd-number-of-at",
    ),
    pytest.param(
        "x @{confpkg",
        "unterminated '@{confpkg': expected '}'\n"
        "    x @{confpkg\n"
        "      ~~~~~~~~~^",
        id="unterminated",
    ),
    pytest.param(
        "x @{",
        "unterminated '@{': expected a token name and '}'\n"
        "    x @{\n"
        "      ~~^",
        id="unterminated-empty",
    ),
    pytest.param(
        "x @{} y",
        "empty token name in '@{}'\n"
        "    x @{} y\n"
        "      ~~^",
        id="empty-braces",
    ),
    pytest.param(
        "@{confpkg-coverage}",
        "expected '}' after '@{confpkg', got '-' (token names are ASCII letters, digits and '_')\n"
        "    @{confpkg-coverage}\n"
        "    ~~~~~~~~~^",
        id="bad-name-in-braces",
    ),
    pytest.param(
        "@{ confpkg }",
        "expected a token name after '@{', got ' '\n"
        "    @{ confpkg }\n"
        "    ~~^",
        id="space-in-braces",
    ),
    pytest.param(
        "@{confpkg\n}",
        "expected '}' after '@{confpkg', got '\\n'\n"
        "    line 1: @{confpkg\n"
        "            ~~~~~~~~~^",
        id="newline-in-braces",
    ),
    pytest.param(
        "%package -n @confpkg-a\n%package -n @confpkg-b\n\t%files -n @confpkb-c\n",
        "unknown token '@confpkb' (did you mean '@confpkg'?)\n"
        "    line 3:  %files -n @confpkb-c\n"
        "                       ~~~~~~~^",
        id="multi-line-shows-the-line",
    ),
    pytest.param(
        "Packager: me@example.org",
        "unknown token '@example' (write '@@' for a literal '@')\n"
        "    Packager: me@example.org\n"
        "                ~~~~~~~^",
        id="e-mail-address",
    ),
    pytest.param(
        "Name: @näme",
        "unknown token '@n' (write '@@' for a literal '@')\n"
        "    Name: @näme\n"
        "          ~^",
        id="names-are-ascii",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_EXPRESSIONS)
def test_bad_expression(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        Expression.parse(text)
    assert str(caught.value) == message
    assert caught.value.source == text


def test_error_span_covers_the_unknown_token() -> None:
    with pytest.raises(ExpressionError) as caught:
        Expression.parse("a @confpgk b")
    assert caught.value.span == (2, 10)
    assert caught.value.reason == "unknown token '@confpgk' (did you mean '@confpkg'?)"


# -- properties ---------------------------------------------------------------------------

RUNTIME = Runtime(
    name="x", implementation="cpython", version="3.12.1", interpreter="/usr/bin/python3.12",
    package_prefix="python3.12", purelib="/p%u", platlib="/p@l", soabi="s", ext_suffix=".so",
    cache_tag="cpython-312",
)
TOKEN_NAMES = st.sampled_from(sorted(TOKENS))


@given(st.text().filter(lambda text: "@" not in text))
def test_text_without_at_is_unchanged(text: str) -> None:
    assert Expression.parse(text).evaluate(RUNTIME, escape_rpm) == text


@given(st.text())
def test_doubling_at_round_trips_any_text(text: str) -> None:
    expression = Expression.parse(text.replace("@", "@@"))
    assert expression.evaluate(RUNTIME) == text
    assert expression.tokens == ()


@given(st.text())
def test_parse_raises_nothing_but_expression_error(text: str) -> None:
    try:
        Expression.parse(text)
    except ExpressionError as error:
        start, end = error.span
        assert 0 <= start < end <= len(text) + 1
        assert str(error).startswith(error.reason + "\n    ")


NEAR_MISSES = st.lists(
    st.one_of(
        st.sampled_from(["@", "@@", "@{", "}", "{", "_x", "-", "\n"]),
        TOKEN_NAMES,
        TOKEN_NAMES.map("@{}".format),
        TOKEN_NAMES.map("@{{{}}}".format),
        st.text(max_size=3),
    )
).map("".join)


@given(NEAR_MISSES)
def test_parse_of_near_misses_raises_nothing_but_expression_error(text: str) -> None:
    try:
        expression = Expression.parse(text)
    except ExpressionError:
        return
    assert set(expression.tokens) <= set(TOKENS)
    assert isinstance(expression.evaluate(RUNTIME), str)


PIECE = st.one_of(
    st.text().filter(lambda text: "@" not in text).map(lambda text: (text, None)),
    TOKEN_NAMES.map(lambda name: (f"@{{{name}}}", name)),
)


@given(st.lists(PIECE))
def test_escape_is_applied_to_each_value_and_nothing_else(
    pieces: list[tuple[str, str | None]],
) -> None:
    expression = Expression.parse("".join(text for text, _name in pieces))

    def mark(value: str) -> str:
        return f"<{value}>"

    expected = "".join(
        text if name is None else mark(TOKENS[name][0](RUNTIME)) for text, name in pieces
    )
    assert expression.evaluate(RUNTIME, mark) == expected
    assert expression.tokens == tuple(dict.fromkeys(name for _text, name in pieces if name))


# -- import cost --------------------------------------------------------------------------


def test_import_pulls_in_nothing_but_our_modules() -> None:
    """Every spec parse pays for these imports: only ``re`` (which the console-script
    wrapper has already imported) and our own modules are allowed."""
    code = (
        "import re, sys\n"
        "before = set(sys.modules)\n"
        "import rpm_pyconfig.expression, rpm_pyconfig.condition\n"
        "print(' '.join(sorted(set(sys.modules) - before)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded = set(result.stdout.split())
    # __future__ is what "from __future__ import annotations" loads (0.1 ms)
    assert {name for name in loaded if not name.startswith("rpm_pyconfig")} <= {"__future__"}
