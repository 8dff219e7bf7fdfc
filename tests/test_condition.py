"""Conditions for --where: PEP 508 marker semantics against one runtime, and their errors."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from packaging.markers import Marker
from packaging.specifiers import Specifier
from packaging.version import InvalidVersion

from rpm_pyconfig.condition import VARIABLES, Condition
from rpm_pyconfig.errors import ConfigError, ExpressionError
from rpm_pyconfig.runtime import Runtime

# -- what each condition selects among the machine's runtimes -----------------------------

SELECTS = [
    # condition, (cpython, cpython_debug, pypy)
    ("python_version >= '3.10'", (True, True, False)),
    ("python_version < '3.10'", (False, False, True)),
    ("python_version == '3.11'", (True, True, False)),
    ("python_version == '3.11.0'", (True, True, False)),  # trailing zeros do not count
    ("python_version == '3.11.*'", (True, True, False)),
    ("python_version != '3.*'", (False, False, False)),
    ("python_full_version == '3.11.*'", (True, True, False)),
    ("python_full_version >= '3.9.16'", (True, True, True)),
    ("python_full_version > '3.9.16'", (True, True, False)),
    ("python_full_version <= '3.9.16'", (False, False, True)),
    ("python_full_version ~= '3.11.0'", (True, True, False)),
    ("python_full_version ~= '3.9.17'", (False, False, False)),
    ("python_version ~= '3.9'", (True, True, True)),
    ("implementation_version == '3.11.2'", (True, True, False)),
    ("python_full_version === '3.11.2'", (True, True, False)),
    ("python_version === '3.11.0'", (False, False, False)),
    ("'3.10' <= python_version", (True, True, False)),
    ("'3.10' > python_version", (False, False, True)),
    ("python_version in '3.9 3.10'", (False, False, True)),
    ("python_version not in '3.9 3.10'", (True, True, False)),
    ("'3.11' in python_full_version", (True, True, False)),
    ("python_version == 'three'", (False, False, False)),  # not a version: strings compared
    ("python_version != 'three'", (True, True, True)),
    ("implementation_name == 'cpython'", (True, True, False)),
    ("implementation_name != \"cpython\"", (False, False, True)),
    ("platform_python_implementation == 'PyPy'", (False, False, True)),
    ("platform.python_implementation == 'CPython'", (True, True, False)),
    ("python_implementation == 'CPython'", (True, True, False)),
    ("name == 'python3.11-dbg'", (False, True, False)),
    ("name in 'python3.11 pypy3'", (True, False, True)),  # substrings, as in PEP 508
    ("package_prefix == 'pypy3'", (False, False, True)),
    ("debug == 'true'", (False, True, False)),
    ("debug == 'false' and free_threaded == 'false'", (True, False, True)),
    ("default == 'true'", (True, False, False)),
    ("abiflags == 'd'", (False, True, False)),
    ("abiflags == ''", (True, False, True)),
    ("soabi == 'pypy39-pp73'", (False, False, True)),
    ("cache_tag == 'cpython-311'", (True, True, False)),
    ("implementation_name == 'pypy' or debug == 'true'", (False, True, True)),
    ("implementation_name == 'cpython' and debug == 'false' or name == 'pypy3'",
     (True, False, True)),
    ("implementation_name == 'cpython' and (debug == 'true' or name == 'pypy3')",
     (False, True, False)),
    ("((python_version >= '3.9'))", (True, True, True)),
    ("  python_version>='3.10'and\n\tdebug=='true'  ", (False, True, False)),
    ("python_version >= '3.10' or python_version < '3.10' and debug == 'true'",
     (True, True, False)),  # 'and' binds tighter than 'or'
]


@pytest.mark.parametrize(("text", "expected"), SELECTS)
def test_selects(
    text: str,
    expected: tuple[bool, bool, bool],
    cpython: Runtime,
    cpython_debug: Runtime,
    pypy: Runtime,
) -> None:
    condition = Condition.parse(text)
    assert tuple(condition.evaluate(rt) for rt in (cpython, cpython_debug, pypy)) == expected


def test_condition_attributes() -> None:
    condition = Condition.parse("debug == 'true'")
    assert condition.source == "debug == 'true'"
    assert repr(condition) == "Condition(\"debug == 'true'\")"
    assert condition == Condition("debug == 'true'")
    assert condition != Condition("debug == 'false'")
    assert condition != "debug == 'true'"
    assert len({condition, Condition.parse("debug == 'true'")}) == 1
    with pytest.raises(AttributeError, match="immutable"):
        condition.source = "x"
    with pytest.raises(AttributeError, match="immutable"):
        del condition.source


def test_variables_are_documented() -> None:
    assert set(VARIABLES) == {
        "python_version", "python_full_version", "implementation_name",
        "implementation_version", "platform_python_implementation", "name", "package_prefix",
        "debug", "free_threaded", "default", "abiflags", "soabi", "cache_tag",
    }
    assert all(doc.endswith(".") and "\n" not in doc for doc in VARIABLES.values())


def test_a_runtime_version_is_always_a_version(cpython: Runtime) -> None:
    """Runtime refuses a version that is none, so every comparison can be evaluated."""
    with pytest.raises(ConfigError) as caught:
        cpython.replace(version="3.13t")
    assert str(caught.value) == (
        f"{cpython.origin or 'runtime ' + repr(cpython.name)} [runtime] version: must be a "
        "version like 3.11 or 3.11.2, optionally followed by a pre-release like rc1, got '3.13t'"
    )
    # Substrings and strings need no version.
    full = cpython.version
    assert Condition.parse(f"python_full_version in 'x{full}y'").evaluate(cpython)
    assert Condition.parse(f"python_full_version === '{full.upper()}'").evaluate(cpython)
    assert Condition.parse(f"'{full}' <= python_full_version").evaluate(cpython)


# -- what the user sees for each kind of mistake ------------------------------------------

BAD_CONDITIONS = [
    pytest.param(
        "",
        "expected a variable or a quoted string, got end of input\n"
        "    \n"
        "    ^",
        id="empty",
    ),
    pytest.param(
        "python_version",
        "expected an operator (==, !=, <, <=, >, >=, ~=, ===, in, not in), got end of input\n"
        "    python_version\n"
        "                  ^",
        id="no-operator",
    ),
    pytest.param(
        "python_version = '3.11'",
        "expected an operator (==, !=, <, <=, >, >=, ~=, ===, in, not in), got '='\n"
        "    python_version = '3.11'\n"
        "                   ^",
        id="single-equals",
    ),
    pytest.param(
        "python_version not '3.11'",
        "expected 'in' after 'not', got \"'\"\n"
        "    python_version not '3.11'\n"
        "                       ^",
        id="not-without-in",
    ),
    pytest.param(
        "pyton_version >= '3.9'",
        "unknown variable 'pyton_version' (did you mean 'python_version'?)\n"
        "    pyton_version >= '3.9'\n"
        "    ~~~~~~~~~~~~^",
        id="unknown-variable",
    ),
    pytest.param(
        "flavour == 'x'",
        "unknown variable 'flavour'\n"
        "    flavour == 'x'\n"
        "    ~~~~~~^",
        id="unknown-variable-no-suggestion",
    ),
    pytest.param(
        "sys_platform == 'linux'",
        "unsupported variable 'sys_platform': it describes the build host, not a runtime\n"
        "    sys_platform == 'linux'\n"
        "    ~~~~~~~~~~~^",
        id="host-variable",
    ),
    pytest.param(
        "extra == 'test'",
        "unsupported variable 'extra': it describes a requirement, not a runtime\n"
        "    extra == 'test'\n"
        "    ~~~~^",
        id="requirement-variable",
    ),
    pytest.param(
        "python_version >= 3.9",
        "expected a variable or a quoted string, got '3.9' (put values in quotes)\n"
        "    python_version >= 3.9\n"
        "                      ~~^",
        id="unquoted-number",
    ),
    pytest.param(
        "implementation_name == pypy",
        "unknown variable 'pypy' (put values in quotes: 'pypy')\n"
        "    implementation_name == pypy\n"
        "                           ~~~^",
        id="unquoted-name",
    ),
    pytest.param(
        "python_version >= '3.9",
        "unterminated string: no closing \"'\"\n"
        "    python_version >= '3.9\n"
        "                      ~~~~^",
        id="unterminated-string",
    ),
    pytest.param(
        "(python_version >= '3.9' or debug == 'true'",
        "expected ')' to match '(', got end of input\n"
        "    (python_version >= '3.9' or debug == 'true'\n"
        "    ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~^",
        id="unclosed-parenthesis",
    ),
    pytest.param(
        "(python_version >= '3.9' debug == 'true')",
        "expected 'and', 'or' or ')', got 'debug'\n"
        "    (python_version >= '3.9' debug == 'true')\n"
        "                             ~~~~^",
        id="missing-boolean-in-parentheses",
    ),
    pytest.param(
        "python_version >= '3.9')",
        "unmatched ')'\n"
        "    python_version >= '3.9')\n"
        "                           ^",
        id="unmatched-parenthesis",
    ),
    pytest.param(
        "python_version >= '3.9' && debug == 'true'",
        "expected 'and', 'or' or the end of the condition, got '&&'\n"
        "    python_version >= '3.9' && debug == 'true'\n"
        "                            ~^",
        id="c-style-and",
    ),
    pytest.param(
        "python_version >= '3.9' and",
        "expected a variable or a quoted string, got end of input\n"
        "    python_version >= '3.9' and\n"
        "                               ^",
        id="dangling-and",
    ),
    pytest.param(
        "debug == 'true' and or name == 'x'",
        "expected a variable or a quoted string, got 'or'\n"
        "    debug == 'true' and or name == 'x'\n"
        "                        ~^",
        id="keyword-as-operand",
    ),
    pytest.param(
        "'3.9' <= '3.10'",
        "cannot compare two strings: one side must be a variable\n"
        "    '3.9' <= '3.10'\n"
        "    ~~~~~~~~~~~~~~^",
        id="two-strings",
    ),
    pytest.param(
        "python_version == python_full_version",
        "cannot compare two variables: one side must be a quoted string\n"
        "    python_version == python_full_version\n"
        "    ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~^",
        id="two-variables",
    ),
    pytest.param(
        "implementation_name >= 'cpython'",
        "'>=' compares versions, but implementation_name is not a version "
        "(use ==, !=, in or not in)\n"
        "    implementation_name >= 'cpython'\n"
        "                        ~^",
        id="ordering-a-name",
    ),
    pytest.param(
        "name ~= 'python3'",
        "'~=' compares versions, but name is not a version (use ==, !=, in or not in)\n"
        "    name ~= 'python3'\n"
        "         ~^",
        id="compatible-release-on-a-name",
    ),
    pytest.param(
        "python_version >= '3,9'",
        "invalid version '3,9' for '>=' (expected release numbers with an optional a, b or rc "
        "pre-release, like '3.11' or '3.13.0rc1')\n"
        "    python_version >= '3,9'\n"
        "                      ~~~~^",
        id="malformed-version",
    ),
    pytest.param(
        "'3.x' < python_version",
        "invalid version '3.x' for '<' (expected release numbers with an optional a, b or rc "
        "pre-release, like '3.11' or '3.13.0rc1')\n"
        "    '3.x' < python_version\n"
        "    ~~~~^",
        id="malformed-version-on-the-left",
    ),
    pytest.param(
        "python_version < '3.12.*'",
        "invalid version '3.12.*' for '<' (only == and != accept a '.*' wildcard)\n"
        "    python_version < '3.12.*'\n"
        "                     ~~~~~~~^",
        id="wildcard-with-ordering",
    ),
    pytest.param(
        "python_version ~= '3'",
        "invalid version '3' for '~=' (it needs at least two release numbers, like '3.11')\n"
        "    python_version ~= '3'\n"
        "                      ~~^",
        id="compatible-release-of-one-number",
    ),
    pytest.param(
        "python_version === '3 11'",
        "invalid version '3 11' for '===' (it cannot contain spaces, ';' or ')')\n"
        "    python_version === '3 11'\n"
        "                       ~~~~~^",
        id="arbitrary-equality-with-space",
    ),
    pytest.param(
        "debug == 'yes'",
        "invalid value 'yes' for debug (expected 'true' or 'false')\n"
        "    debug == 'yes'\n"
        "             ~~~~^",
        id="boolean-value",
    ),
    pytest.param(
        "debug == '1'",
        "invalid value '1' for debug (expected 'true' or 'false')\n"
        "    debug == '1'\n"
        "             ~~^",
        id="boolean-value-as-rendered-by-at-debug",
    ),
    pytest.param(
        "implementation_name == 'cpython' and\n    python_version >= 3.9",
        "expected a variable or a quoted string, got '3.9' (put values in quotes)\n"
        "    line 2:     python_version >= 3.9\n"
        "                                  ~~^",
        id="multi-line",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_CONDITIONS)
def test_bad_condition(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        Condition.parse(text)
    assert str(caught.value) == message
    assert caught.value.source == text


# -- agreement with packaging -------------------------------------------------------------

PLATFORM_PYTHON_IMPLEMENTATION = {
    "cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalVM", "ironpython": "IronPython",
    "jython": "Jython",
}


def environment(runtime: Runtime) -> dict[str, str]:
    """The marker environment packaging would see inside *runtime*."""
    return {
        "python_version": runtime.short_version,
        "python_full_version": runtime.version,
        "implementation_name": runtime.implementation,
        "implementation_version": runtime.version,
        "platform_python_implementation": PLATFORM_PYTHON_IMPLEMENTATION.get(
            runtime.implementation, runtime.implementation
        ),
    }


def make_runtime(implementation: str, version: str) -> Runtime:
    return Runtime(
        name="x", implementation=implementation, version=version, interpreter="/usr/bin/x",
        package_prefix="x", purelib="/p", platlib="/p", soabi="s", ext_suffix=".so",
        cache_tag="x",
    )


PRE_RELEASES = st.one_of(
    st.just(""),
    st.builds("{}{}".format, st.sampled_from(["a", "b", "rc"]), st.integers(0, 2)),
)
RUNTIMES = st.builds(
    make_runtime,
    st.sampled_from([*PLATFORM_PYTHON_IMPLEMENTATION, "other"]),
    st.builds("{}.{}.{}{}".format, st.integers(2, 4), st.integers(0, 13), st.integers(0, 3),
              PRE_RELEASES),
)
# Small numbers, so that literals often equal or neighbour the runtime's version.
RELEASES = st.builds(
    lambda first, rest: ".".join(map(str, [first, *rest])),
    st.integers(2, 4),
    st.lists(st.integers(0, 13), max_size=3),
)
VERSIONS = st.builds("{}{}".format, RELEASES, PRE_RELEASES)
LONG_VERSIONS = VERSIONS.filter(lambda version: "." in version)
# Anything packaging does not read as a version specifier either (no '=<>~!' that
# would combine with the operator, no epoch '!' or local '+').
STRINGS = st.text(alphabet="abcrpyCPy0123456789.-_* ", max_size=8)

VERSION_VARIABLES = st.sampled_from(["python_version", "python_full_version",
                                     "implementation_version"])
NAME_VARIABLES = st.sampled_from(["implementation_name", "platform_python_implementation"])
NAMES = st.one_of(
    st.sampled_from([*PLATFORM_PYTHON_IMPLEMENTATION, *PLATFORM_PYTHON_IMPLEMENTATION.values()]),
    STRINGS,
)


def quoted(value: str) -> str:
    return f"'{value}'"


def either_side(variable: str, op: str, value: str, flip: bool) -> str:
    return f"{quoted(value)} {op} {variable}" if flip else f"{variable} {op} {quoted(value)}"


COMPARISONS = st.one_of(
    st.builds(either_side, VERSION_VARIABLES, st.sampled_from(["<", "<=", "==", "!=", ">=", ">"]),
              VERSIONS, st.booleans()),
    st.builds(either_side, VERSION_VARIABLES, st.just("~="), LONG_VERSIONS, st.booleans()),
    st.builds(either_side, VERSION_VARIABLES, st.just("==="), VERSIONS, st.booleans()),
    st.builds(either_side, VERSION_VARIABLES, st.sampled_from(["==", "!="]),
              RELEASES.map("{}.*".format), st.just(False)),
    st.builds(either_side, VERSION_VARIABLES, st.sampled_from(["==", "!="]), STRINGS,
              st.just(False)),
    st.builds(either_side, VERSION_VARIABLES, st.sampled_from(["in", "not in"]),
              st.lists(VERSIONS, max_size=3).map(" ".join), st.booleans()),
    st.builds(either_side, NAME_VARIABLES, st.sampled_from(["==", "!=", "in", "not in"]), NAMES,
              st.booleans()),
)
MARKERS = st.recursive(
    COMPARISONS,
    lambda children: st.one_of(
        st.builds("{} and {}".format, children, children),
        st.builds("{} or {}".format, children, children),
        children.map("({})".format),
    ),
    max_leaves=6,
)


def agrees_with_packaging(marker: str, runtime: Runtime) -> None:
    try:
        expected = Marker(marker).evaluate(environment(runtime))
    except InvalidVersion:
        # Older packaging (Debian 12's 23.0, in the Python 3.9 run) cannot compare a name
        # with a version-like string at all; newer packaging compares them as strings.
        assume(False)
    assert Condition.parse(marker).evaluate(runtime) is expected


test_agrees_with_packaging_markers = given(marker=MARKERS, runtime=RUNTIMES)(
    agrees_with_packaging
)


@pytest.mark.property
def test_agrees_with_packaging_markers_at_length(request: pytest.FixtureRequest) -> None:
    """20,000 examples (half a minute): run with ``-m property``."""
    if "property" not in request.config.getoption("markexpr", ""):
        pytest.skip("long hypothesis run: select it with -m property")
    settings(max_examples=20_000)(given(marker=MARKERS, runtime=RUNTIMES)(agrees_with_packaging))()


@pytest.mark.parametrize(
    ("op", "spec", "version"),
    [
        ("<", "3.11", "3.11.0rc1"),  # <V excludes V's pre-releases ...
        ("<", "3.11rc2", "3.11.0rc1"),  # ... unless V is one itself
        ("<", "3.11", "3.10.9"),
        (">", "3.11", "3.11.0"),
        (">=", "3.11", "3.11.0rc1"),
        ("<=", "3.11.0a1", "3.11a1"),
        ("==", "3.11.*", "3.11rc1"),
        ("==", "3.11.0.*", "3.11"),
        ("==", "3.1.*", "3.11"),
        ("!=", "3.11.*", "3.12.0"),
        ("~=", "3.11.0", "3.11.5"),
        ("~=", "3.11.0", "3.12.0"),
        ("~=", "3.11", "3.12.0"),
        ("~=", "3.11rc1", "3.11.0"),
        ("==", "3.11.0alpha1", "3.11a1"),
        ("==", "v3.11.0-beta.1", "3.11b1"),
        ("==", "3.11.0c1", "3.11rc1"),
        ("==", " 3.11 ", "3.11"),
        ("===", "3.11", "3.11.0"),
    ],
)
def test_version_comparisons_follow_pep_440(op: str, spec: str, version: str) -> None:
    runtime = make_runtime("cpython", version)
    expected = Specifier(op + spec).contains(version, prereleases=True)
    assert Condition.parse(f"python_full_version {op} '{spec}'").evaluate(runtime) is expected


# -- robustness ---------------------------------------------------------------------------

FRAGMENTS = st.lists(
    st.one_of(
        st.sampled_from(["(", ")", "and", "or", "not", "in", "==", "<", "~=", "===", "'",
                         "'3.11'", "'3.*'", "'cpython'", "'true'", "'x", '"', '"3"', "", "\n"]),
        st.sampled_from(sorted(VARIABLES)),
        st.text(max_size=3),
    ),
    max_size=8,
).map(" ".join)


@given(st.one_of(st.text(), FRAGMENTS))
def test_parse_raises_nothing_but_expression_error(text: str) -> None:
    runtimes = [make_runtime("cpython", "3.11.2"), make_runtime("pypy", "3.9.16")]
    try:
        condition = Condition.parse(text)
    except ExpressionError as error:
        start, end = error.span
        assert 0 <= start < end <= len(text) + 1
        assert str(error).startswith(error.reason + "\n    ")
        return
    for runtime in runtimes:
        assert isinstance(condition.evaluate(runtime), bool)
