"""Tests of rpm_pyconfig.dropin: writing drop-ins (format_conf, check_runtime) and reading
them back, and its INI reader against configparser; what reading reports about bad files
is in test_registry's exact messages."""

from __future__ import annotations

import configparser
import re
import string
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rpm_pyconfig.dropin import IniSyntaxError, check_runtime, format_conf, read_sections
from rpm_pyconfig.errors import ConfigError
from rpm_pyconfig.registry import load_registry
from rpm_pyconfig.runtime import _BOOLEANS, FIELDS, Runtime
from tests.test_registry import conf, write

# -- format_conf ---------------------------------------------------------------------------

PYPY = Runtime(
    name="pypy3",
    implementation="pypy",
    version="3.9.16",
    interpreter="/usr/bin/pypy3",
    package_prefix="pypy3",
    purelib="/usr/lib/python3/dist-packages",
    platlib="/usr/lib/python3/dist-packages",
    soabi="pypy39-pp73",
    ext_suffix=".pypy39-pp73-x86_64-linux-gnu.so",
    cache_tag="pypy39",
    script_suffix="-pypy3",
)


def test_format_conf_omits_derived_keys() -> None:
    assert format_conf(PYPY, header="PyPy.\n\nSecond paragraph.") == (
        "# PyPy.\n"
        "#\n"
        "# Second paragraph.\n"
        "\n"
        "[runtime]\n"
        "name = pypy3\n"
        "implementation = pypy\n"
        "version = 3.9.16\n"
        "interpreter = /usr/bin/pypy3\n"
        "package_prefix = pypy3\n"
        "purelib = /usr/lib/python3/dist-packages\n"
        "platlib = /usr/lib/python3/dist-packages\n"
        "soabi = pypy39-pp73\n"
        "ext_suffix = .pypy39-pp73-x86_64-linux-gnu.so\n"
        "cache_tag = pypy39\n"
    )


def test_format_conf_complete_writes_every_key_and_loads_back(tmp_path: Path) -> None:
    """A static spec embeds runtimes this way: nothing may depend on the other drop-ins."""
    rt = PYPY.replace(script_suffix="-pypy3")
    text = format_conf(rt, complete=True)
    assert [line.split(" =")[0] for line in text.splitlines()[1:]] == [f.name for f in FIELDS]
    assert "default = false\n" in text and "script_suffix = -pypy3\n" in text
    (tmp_path / "pypy3.conf").write_text(text)
    (loaded,) = load_registry([str(tmp_path)], explicit=True).runtimes
    # Alone in its registry it would become the default; written complete, it stays as it was.
    assert loaded.default is True and loaded.script_suffix == "-pypy3"
    assert loaded.replace(origin="", default=False) == rt.replace(origin="")


def test_format_conf_writes_non_derived_keys() -> None:
    rt = PYPY.replace(
        default=True,
        priority=7,
        script_suffix="-pp",
        abi_requires="pypy3 >= 7.3",
        dist_prefix="pypy",
        abiflags="",
    )
    assert format_conf(rt).split("cache_tag = pypy39\n")[1] == (
        "default = true\npriority = 7\nabi_requires = pypy3 >= 7.3\ndist_prefix = pypy\n"
        "script_suffix = -pp\n"
    )
    assert format_conf(PYPY.replace(script_suffix="")).endswith(
        "cache_tag = pypy39\nscript_suffix =\n"
    )
    assert "script_suffix" not in format_conf(PYPY.replace(default=True, script_suffix=""))


def test_format_conf_refuses_what_would_not_load_back() -> None:
    rt = PYPY.replace(purelib="lib", abi_requires=" x", soabi="a\nb", origin="probe:/usr/bin/pypy3")
    with pytest.raises(ConfigError) as info:
        format_conf(rt)
    assert str(info.value).splitlines() == [
        "probe:/usr/bin/pypy3 [runtime] purelib: must be an absolute path, got 'lib'",
        "probe:/usr/bin/pypy3 [runtime] soabi: must be a single line (is the next line indented "
        "by mistake?), got 'a\\nb'",
        "probe:/usr/bin/pypy3 [runtime] abi_requires: must not start or end with whitespace, "
        "got ' x'",
    ]
    assert check_runtime(PYPY) == []
    assert [str(p) for p in check_runtime(PYPY.replace(name=""))] == [
        "runtime '' [runtime] name: must not be empty",
    ]
    # A value of the wrong type never makes a Runtime at all.
    with pytest.raises(ConfigError) as info:
        PYPY.replace(name="", priority="5")
    assert [str(p) for p in info.value.problems] == [
        "runtime '' [runtime] priority: must be an int, got '5'",
    ]


def _load_one(runtime: Runtime) -> Runtime:
    """``runtime`` written with format_conf and loaded back (with a default anchor if needed)."""
    with tempfile.TemporaryDirectory() as directory:
        files = {"runtime.conf": format_conf(runtime)}
        if not runtime.default:
            files["anchor.conf"] = conf("name = anchor\ndefault = true\n")
        write(Path(directory), files)
        loaded = load_registry([directory], explicit=True).get(runtime.name)
        assert loaded is not None
        assert loaded.origin == str(Path(directory) / "runtime.conf")
        return loaded.replace(origin=runtime.origin)


_PRINTABLE = st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"))
_RPMNAMES = st.from_regex(r"[A-Za-z0-9._+][A-Za-z0-9._+-]{0,15}", fullmatch=True)
_SEGMENT = st.from_regex(r"[A-Za-z0-9_.+-]{1,8}", fullmatch=True).filter(
    lambda s: s not in (".", "..")
)
_PATHS = st.lists(_SEGMENT, max_size=4).map(lambda parts: "/" + "/".join(parts))
_WORDS = st.text(_PRINTABLE, min_size=1, max_size=12)
_TEXT = st.builds(
    lambda a, b: f"{a} {b}".strip(),
    st.text(_PRINTABLE, max_size=8),
    st.text(_PRINTABLE, max_size=8),
)


@st.composite
def runtimes(draw: st.DrawFn) -> Runtime:
    return Runtime(
        name=draw(_RPMNAMES),
        implementation=draw(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)),
        version=draw(
            st.from_regex(
                r"[0-9]{1,2}\.[0-9]{1,2}(\.[0-9]{1,2})?((a|b|rc)[0-9]{1,2})?", fullmatch=True
            )
        ),
        interpreter=draw(_PATHS),
        package_prefix=draw(_RPMNAMES),
        purelib=draw(_PATHS),
        platlib=draw(_PATHS),
        soabi=draw(_WORDS),
        ext_suffix=draw(_WORDS),
        cache_tag=draw(_WORDS),
        abiflags=draw(st.text(string.ascii_letters, max_size=3)),
        debug=draw(st.booleans()),
        free_threaded=draw(st.booleans()),
        default=draw(st.booleans()),
        priority=draw(st.integers(-1000, 1000)),
        abi_requires=draw(_TEXT),
        dist_prefix=draw(st.one_of(st.just(""), _RPMNAMES)),
        versioned_dist_prefix=draw(st.one_of(st.just(""), _RPMNAMES)),
        script_suffix=draw(st.one_of(st.just(""), _WORDS)),
        shebang_flags=draw(st.one_of(st.just(""), st.from_regex(r"-[BEIOPRSbqsuv]{1,4}",
                                                                fullmatch=True))),
        origin="hypothesis",
    )


@settings(max_examples=200, deadline=None)
@given(runtimes())
def test_format_conf_round_trip(runtime: Runtime) -> None:
    assume(runtime.name != "anchor")
    assert _load_one(runtime) == runtime


@pytest.mark.property
def test_format_conf_round_trip_long(request: pytest.FixtureRequest) -> None:
    """5,000 examples (half a minute): run with ``-m property``."""
    if "property" not in request.config.getoption("markexpr", ""):
        pytest.skip("long hypothesis run: select it with -m property")

    @settings(max_examples=5000, deadline=None)
    @given(runtimes())
    def round_trip(runtime: Runtime) -> None:
        assume(runtime.name != "anchor")
        assert _load_one(runtime) == runtime

    round_trip()


# -- the INI dialect: read_sections against configparser -----------------------------------


class _CaseSensitive(configparser.RawConfigParser):
    if sys.version_info < (3, 11):
        # Before 3.11 (bpo-38741) a section name ended at its first "]": "[runtime]]" was
        # [runtime].  The reader keeps to one dialect on every Python, today's.
        SECTCRE = re.compile(r"\[(?P<header>.+)\]")

    def optionxform(self, optionstr: str) -> str:
        return optionstr


def _by_configparser(text: str) -> object:
    """What configparser, set up as the drop-in format was defined with it, reads from
    *text*: the sections, or the error as a comparable tuple."""
    parser = _CaseSensitive(strict=True, empty_lines_in_values=False, interpolation=None,
                            default_section="\n", delimiters=("=",))
    try:
        parser.read_string(text, source="f.conf")
    except configparser.DuplicateOptionError as exc:
        return ("option", exc.lineno, exc.section, exc.option)
    except configparser.DuplicateSectionError as exc:
        return ("section", exc.lineno, exc.section)
    except configparser.MissingSectionHeaderError as exc:
        return ("header", exc.lineno)
    except configparser.ParsingError as exc:
        return ("lines", tuple(lineno for lineno, _ in exc.errors))
    return {section: dict(parser.items(section, raw=True)) for section in parser.sections()}


def _by_reader(text: str) -> object:
    try:
        return read_sections(text)
    except IniSyntaxError as exc:
        if exc.kind == "option":
            return ("option", exc.lineno, exc.section, exc.option)
        if exc.kind == "section":
            return ("section", exc.lineno, exc.section)
        if exc.kind == "header":
            return ("header", exc.lineno)
        assert exc.kind == "lines" and exc.lineno == exc.linenos[0]
        return ("lines", exc.linenos)


# Characters where the dialect has rules: brackets, '=', ':' (not a delimiter here),
# comment prefixes, ASCII and Unicode whitespace (str.strip's and re's \s alike), a CR,
# a NUL, letters of both cases; and words that make headers, keys and comments likely.
_INI_CHARS = st.sampled_from([
    *"[]=:#; \t\r\x0b\x0c\x1c\x1f\x85\xa0\u2028\u3000\x00aAbNé",
    "[runtime]", "name", " = ", "\n",
])
_INI_PIECES = st.lists(_INI_CHARS, max_size=12).map("".join)
_INI_LINES = st.one_of(
    _INI_PIECES,
    st.tuples(
        st.sampled_from(["", " ", "  ", "\t", "\x0c", "\u3000", "\xa0 "]),
        st.sampled_from(["[runtime]", "[Runtime]", "[a]", "[]", "[]]", "[a]b]", "[[x]", "#c",
                         ";c", "k = v", "k=", "=v", "= ", "k", "name = x", "k = v = w",
                         "k : v", "K = v", "  "]),
        _INI_PIECES,
    ).map("".join),
)
_INI_TEXTS = st.one_of(
    st.lists(_INI_LINES, max_size=14).map("\n".join),
    st.lists(_INI_CHARS, max_size=60).map("".join),
    st.text(max_size=60),
)


@pytest.mark.parametrize("text", [
    "",
    "[runtime]\nname = a\n  more\n\tand more\n\n  not more\n",
    "[runtime]\nname = a\n# comment\n  after a comment\n",
    "[runtime]\nname =\n  only continued\nkey = v\n",
    "[runtime]\n  indented = header\n    continued\n  next = key\n",
    "[runtime]\r\nname = a\r\nkey=b=c\r\n",
    "[a]b]\nk = v\n[[x]\n[]]\nk = w\n",
    "[]\n",
    "[runtime]\n= v\n= w\n",
    "[runtime]\nwords\n  continue the key before\nk = v\nk = w\n",
    "[runtime]\nwords\nmore words\n",
    "[runtime]\nk = v\n[runtime]\n",
    "k = v\n[runtime]\n",
    "  # indented comment\n\n[runtime]\nName = a\nname = b\n",
    "[runtime]\nk = v ; not a comment # nor this\nk2 : v\n",
    "[runtime]\nk\u3000=\u3000v\u3000\n\u3000continued\u3000\n",
    "[runtime]\nk = v\n\x1c\n  after a separator line\n",
])
def test_read_sections_reads_what_configparser_reads(text: str) -> None:
    assert _by_reader(text) == _by_configparser(text)


@settings(max_examples=1000, deadline=None)
@given(_INI_TEXTS)
def test_read_sections_equals_configparser_on_random_texts(text: str) -> None:
    assert _by_reader(text) == _by_configparser(text)


@pytest.mark.property
def test_read_sections_equals_configparser_long(request: pytest.FixtureRequest) -> None:
    """20,000 random texts (over a minute of CPU): run with ``-m property``."""
    if "property" not in request.config.getoption("markexpr", ""):
        pytest.skip("long hypothesis run: select it with -m property")

    @settings(max_examples=20000, deadline=None)
    @given(_INI_TEXTS)
    def same(text: str) -> None:
        assert _by_reader(text) == _by_configparser(text)

    same()


def test_a_section_name_runs_to_the_last_bracket_on_every_python() -> None:
    """configparser before Python 3.11 (PyPy 3.9) read ``[runtime]]`` as ``[runtime]``;
    the one reader reads what 3.11 and later read, whichever Python runs it."""
    assert read_sections("[runtime]]\nname = a\n[b] c]\n") == {"runtime]": {"name": "a"},
                                                                "b] c": {}}


def test_booleans_are_configparsers_spellings() -> None:
    assert _BOOLEANS == configparser.RawConfigParser.BOOLEAN_STATES
