"""Tests of rpm_pyconfig._options: the option table, the typed Arguments, and the fast
parser held to argparse's results (built by _arguments from the same table)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rpm_pyconfig import _commands
from rpm_pyconfig._arguments import build_parser
from rpm_pyconfig._commands import COMMANDS
from rpm_pyconfig._options import TOP, Arguments, Option, parse_fast
from rpm_pyconfig.errors import UsageError

_TOP_DESTINATIONS = {option.dest for option in TOP if option.kind != "version"} | {"command"}


def test_every_destination_is_a_typed_attribute() -> None:
    options = [*TOP, *(option for command in COMMANDS for option in command.options)]
    destinations = {option.dest for option in options if option.kind != "version"}
    annotated = set(Arguments.__annotations__) - {"_compared"}
    assert annotated == destinations | {"command"}
    assert set(Arguments.__slots__) == annotated


def test_a_destination_not_set_holds_what_argparse_would() -> None:
    """Arguments takes its neutral values from its annotations (the spec-parse path does not
    load the subcommands' table): they must follow each option's kind (a list for a
    repeatable option or a list positional, False for a flag, else None)."""
    unset = Arguments({})
    for option in TOP:
        if option.kind != "version":
            assert getattr(unset, option.dest) == option.default, option.dest
    checked = set(_TOP_DESTINATIONS)
    for command in COMMANDS:
        for option in command.options:
            if option.dest in checked:  # a destination several commands share: the first
                continue
            checked.add(option.dest)
            if option.kind == "append" or option.nargs in ("*", "+"):
                neutral: object = []
            else:
                neutral = False if option.kind == "flag" else None
            assert getattr(unset, option.dest) == neutral, (command.name, option.dest)


def test_arguments_fill_what_a_command_did_not_take() -> None:
    args = Arguments({"command": "check"})
    assert (args.command, args.confdir, args.only, args.where, args.raw) == (
        "check", None, [], None, False
    )
    assert (args.values, args.output, args.force) == ([], None, False)
    # Lists are the arguments' own, never shared with the table.
    assert Arguments({}).only is not Arguments({}).only
    with pytest.raises(TypeError, match="no such option destination: colour"):
        Arguments({"colour": "red"})
    with pytest.raises(AttributeError, match="immutable"):
        args.where = "x"


def test_an_unknown_option_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown option kind 'colour'"):
        Option("--x", "colour", "X.")


def test_a_command_option_is_one_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the other changes (--extras, --declarative) rely on: one Option, both parsers."""
    spec = next(command for command in COMMANDS if command.name == "spec")
    extra = Option("--static", "flag", "(duplicate flag for the test)")
    assert extra.dest == "static"
    monkeypatch.setattr(_commands, "COMMANDS", COMMANDS)  # the table is read at build time
    args = Arguments(vars(build_parser(None).parse_args(["spec", "x", "--static", "-o", "-"])))
    assert (args.command, args.source, args.static, args.output) == ("spec", "x", True, "-")
    assert all(option.dest in Arguments.__slots__ for option in spec.options)


def test_subcommands_keep_top_level_selection() -> None:
    parsed = Arguments(vars(build_parser(None).parse_args(
        ["--confdir", "A", "list", "--confdir", "B", "--only", "p*"]
    )))
    # argparse gives a command's repeated option a fresh list (as before the table)
    assert (parsed.confdir, parsed.only, parsed.command) == (["B"], ["p*"], "list")
    parsed = Arguments(vars(build_parser(None).parse_args(["--where", "x == 'y'", "list"])))
    assert parsed.where == "x == 'y'"
    chain = Arguments(vars(build_parser(None).parse_args(["chain"])))
    assert (chain.output, chain.requirements, chain.files) == ("chain", [], [])
    app = Arguments(vars(build_parser(None).parse_args(["app", "x", "-r", "lock.txt"])))
    assert (app.lock, app.output, app.sources, app.release) == ("lock.txt", None, ".", "1")


# -- the fast parser ------------------------------------------------------------------------

_VALUE_OPTIONS = ["--confdir", "--only", "--exclude", "--where", "--eval", "--exe"]
_VALUES = st.sampled_from([
    "x", "@name", "python3*", "a b", "", "=", "a=b", "-x", "--", "-", "-1", "--eval", "--raw",
    "- x", "--only=y", "list", "%{name}", "implementation_name == 'pypy'",
])
_FLAGS = ["--foreach", "--foreach-2", "--foreach-3", "--raw"]
_OTHER_WORDS = [
    "--fore", "--foreach-", "--conf", "--ev", "--ex", "--exc", "--wh", "--on", "--ra", "--r",
    "--foreach=1", "--raw=yes", "stray", "--", "-", "", "list", "check", "-x", "--eva=x",
]


@st.composite
def _words(draw: st.DrawFn) -> list[str]:
    kind = draw(st.sampled_from(["value", "value", "value", "flag", "flag", "other"]))
    if kind == "flag":
        return [draw(st.sampled_from(_FLAGS))]
    if kind == "other":
        return [draw(st.sampled_from(_OTHER_WORDS))]
    option = draw(st.sampled_from(_VALUE_OPTIONS))
    value = draw(_VALUES)
    return [f"{option}={value}"] if draw(st.booleans()) else [option, value]


_ARGVS = st.lists(_words(), max_size=8).map(lambda groups: [w for group in groups for w in group])


def _fast_agrees_with_argparse(argv: list[str]) -> None:
    fast = parse_fast(list(argv))
    try:
        slow = vars(build_parser(None).parse_args(list(argv)))
    except UsageError:
        assert fast is None, argv
        return
    if fast is not None:
        # argparse set exactly the destinations of the top-level table, as the fast parser
        assert set(slow) == _TOP_DESTINATIONS, argv
        assert fast.as_dict() == Arguments(slow).as_dict(), argv
        assert fast == Arguments(slow), argv


@settings(max_examples=400, deadline=None)
@given(_ARGVS)
def test_fast_parser_agrees_with_argparse(argv: list[str]) -> None:
    _fast_agrees_with_argparse(argv)


@pytest.mark.property
def test_fast_parser_agrees_with_argparse_long(request: pytest.FixtureRequest) -> None:
    """10,000 examples (half a minute): run with ``-m property``."""
    if "property" not in request.config.getoption("markexpr", ""):
        pytest.skip("long hypothesis run: select it with -m property")
    settings(max_examples=10_000, deadline=None)(given(_ARGVS)(_fast_agrees_with_argparse))()


@pytest.mark.parametrize(
    "argv",
    [
        ["--confdir", "D", "--foreach", "--eval", "@confpkg"],
        ["--confdir=D", "--confdir", "E", "--only", "a", "--only=b", "--exclude", "c",
         "--where", "x == 'y'", "--foreach-3", "--raw", "--eval=-x"],
        ["--exe", "echo @name", "--foreach-2"],
        ["--eval", ""],
        ["--eval=", "--where="],
    ],
)
def test_fast_parser_takes_the_spec_grammar(argv: list[str]) -> None:
    assert parse_fast(argv) is not None
    _fast_agrees_with_argparse(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["--eval", "-x"],  # argparse decides whether -x is a value
        ["--fore", "--eval", "x"],
        ["--foreach"],
        ["--raw", "--raw", "--eval", "x"],
        ["--where", "a", "--where", "b", "--eval", "x"],
        ["--eval", "x", "--exe", "y"],
        ["--eval", "x", "--"],
        ["list"],
        ["--eval", "x", "stray"],
    ],
)
def test_fast_parser_declines(argv: list[str]) -> None:
    assert parse_fast(argv) is None
    _fast_agrees_with_argparse(argv)
