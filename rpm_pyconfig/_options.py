"""The options of ``rpm-pyconfig``: the kind of an entry, the top level's entries, the typed
result of parsing a command line, and the fast parser of the spec-parse grammar.

One table feeds both parsers: ``TOP`` here and ``_commands.COMMANDS`` (the subcommands,
kept out of this module because the spec-parse path never reads them).  ``_arguments``
builds argparse from both (help, every command, every error message); ``parse_fast`` reads
``--foreach --eval`` from ``TOP`` without building argparse (~5 ms that every spec parse
would pay).  Adding an option is one ``Option`` entry (plus, for a new destination, its
annotation on ``Arguments``).  On the spec-parse path, so it imports nothing.
"""

from __future__ import annotations

from ._record import Record

TYPE_CHECKING = False  # not typing's: importing typing costs ~7 ms per spec parse
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["REGISTRY", "SELECTION", "TOP", "Arguments", "Option", "parse_fast"]

#: Option kinds: a value given at most once, a value where the last one wins, a repeatable
#: value, a flag, one of several flags that store a constant, a positional argument, and
#: argparse's --version.
KINDS = ("once", "store", "append", "flag", "const", "positional", "version")


class Option:
    """One option (or positional argument) of the command line."""

    __slots__ = (
        "const", "default", "dest", "exclusive", "flags", "group", "help", "kind", "metavar",
        "nargs", "required",
    )  # fmt: skip

    def __init__(
        self,
        flags: tuple[str, ...] | str,
        kind: str,
        help: str,
        *,
        dest: str | None = None,
        metavar: str | None = None,
        default: object = None,
        const: object = None,
        nargs: str | None = None,
        required: bool = False,
        group: str | None = None,
        exclusive: str | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown option kind {kind!r}")
        names = (flags,) if isinstance(flags, str) else flags
        #: ``("-o", "--output")``, or ``("source",)`` for a positional argument.
        self.flags = names
        self.kind = kind
        #: What ``--help`` says (argparse %-formats it: write ``%%`` for ``%``).
        self.help = help
        #: The attribute of ``Arguments`` it sets.
        self.dest = dest or names[-1].lstrip("-").replace("-", "_")
        self.metavar = metavar
        #: The value when the option is not given (argparse's: False for a flag, [] for "*").
        if default is None and kind == "flag":
            default = False
        elif default is None and nargs == "*":
            default = []
        self.default = default
        #: What a ``const`` flag stores.
        self.const = const
        #: ``?`` or ``*`` for a positional argument.
        self.nargs = nargs
        self.required = required
        #: The title of the help section it is listed in (None: "options").
        self.group = group
        #: Options sharing this key exclude each other.
        self.exclusive = exclusive


_SELECTION = "runtime selection"
_EVALUATION = "evaluation (the 2010 interface)"

#: The registry option, top level and every command that reads the registry.
REGISTRY = (
    Option("--confdir", "append", "read drop-ins from DIR instead of the default search path "
           "(repeatable)", metavar="DIR"),
)  # fmt: skip
#: The selection options, top level and every command that selects runtimes.
SELECTION = (
    Option("--only", "append", "keep only runtimes whose name matches GLOB (repeatable)",
           metavar="GLOB", default=[], group=_SELECTION),
    Option("--exclude", "append", "drop runtimes whose name matches GLOB (repeatable)",
           metavar="GLOB", default=[], group=_SELECTION),
    Option("--where", "once", "keep runtimes for which the PEP 508-style CONDITION holds, "
           "e.g. \"implementation_name != 'pypy'\"", metavar="CONDITION", group=_SELECTION),
)  # fmt: skip

#: The top level: the registry, the selection and the 2010 interface (what specs call).
TOP = (
    Option("--version", "version", "show program's version number and exit"),
    *REGISTRY,
    *SELECTION,
    Option("--foreach", "const", "evaluate for every selected runtime, in order",
           dest="major", const="", group=_EVALUATION, exclusive="foreach"),
    Option("--foreach-2", "const", "like --foreach, for Python 2 runtimes only",
           dest="major", const="2", group=_EVALUATION, exclusive="foreach"),
    Option("--foreach-3", "const", "like --foreach, for Python 3 runtimes only",
           dest="major", const="3", group=_EVALUATION, exclusive="foreach"),
    Option("--eval", "once", "print EXPR with @tokens replaced, once per runtime; without "
           "--foreach, for the default runtime", metavar="EXPR", group=_EVALUATION,
           exclusive="action"),
    Option("--exe", "once", "run CMD through /bin/sh once per runtime (values shell-quoted); "
           "stop at the first failure", metavar="CMD", group=_EVALUATION, exclusive="action"),
    Option("--raw", "flag", "print values as they are; by default %% in values is doubled "
           "because the output is spec text that rpm expands again", group=_EVALUATION),
)  # fmt: skip

class Arguments(Record):
    """A parsed command line: every destination of every option, typed.

    What the command did not take holds a neutral value (None, ``[]`` or False), so code
    reads ``args.where``, never ``getattr(args, "where", None)``.
    """


    command: str | None
    # the registry and the selection (top level and commands)
    confdir: list[str] | None
    only: list[str]
    exclude: list[str]
    where: str | None
    # the 2010 interface
    major: str | None
    eval: str | None
    exe: str | None
    raw: bool
    # commands
    json: bool
    name: str | None
    output: str | None
    lua: bool
    interpreters: list[str]
    all: bool
    write: str | None
    force: bool
    template: str
    values: list[str]
    source: str
    static: bool
    declarative: bool
    test: bool
    test_requires: list[str]
    test_extras: str | None
    test_call: list[str]
    buildrequires: list[str]
    modules: list[str]
    interpreter: str
    path: list[str]
    exclude_module: list[str]
    extras: str | None
    no_backend: bool
    requirements: list[str]
    files: list[str]
    constraint: list[str]
    sdists: list[str]
    download: str | None
    repo: list[str]
    no_rpmdb: bool
    no_host: bool
    macros: str | None
    rebuild_from: str | None
    plan: bool
    buildroot: str
    bindir: str
    wheels: str
    stage: str
    filelists: str
    unversioned: str | None
    app: str
    lock: str | None
    runtime: str | None
    prefix: str
    release: str
    license: str | None
    commands: list[str]
    binary: list[str]
    config: list[str]
    sources: str
    srcdir: str
    deps_root: str | None
    rpm_dbpath: str | None

    # The annotations above are the destinations (a test holds them equal to the table's).
    __slots__ = tuple(__annotations__)
    _compared = __slots__

    def __init__(self, values: Mapping[str, object]) -> None:
        """*values*: what a parser set (argparse's ``vars(namespace)``); the rest is neutral."""
        unknown = values.keys() - _NEUTRAL.keys()
        if unknown:
            raise TypeError(f"no such option destination: {', '.join(sorted(unknown))}")
        filled = {}
        for key, neutral in _NEUTRAL.items():
            value = values.get(key, neutral)
            filled[key] = list(value) if isinstance(value, list) else value
        self._fill(filled)

    def as_dict(self) -> dict[str, object]:
        """Every destination and its value."""
        return {key: getattr(self, key) for key in _NEUTRAL}

    def __repr__(self) -> str:
        return f"Arguments(command={self.command!r})"


def _neutral(annotation: str) -> object:
    """What ``Arguments`` holds for a destination its command line did not set, by its
    type: False for a flag, [] for a repeatable option or a list positional, else None."""
    return {"bool": False, "list[str]": []}.get(annotation)


#: Every destination and its value when not set: a top-level option's default (argparse
#: always sets those), else the neutral value of its type.
_NEUTRAL: dict[str, object] = {
    key: _neutral(annotation) for key, annotation in Arguments.__annotations__.items()
}
_NEUTRAL.update((option.dest, option.default) for option in TOP if option.kind != "version")


# -- the fast parser -----------------------------------------------------------------------

_FAST_VALUES = {flag: option for option in TOP if option.kind in ("once", "append")
                for flag in option.flags}  # fmt: skip
_FAST_FLAGS = {flag: option for option in TOP if option.kind in ("const", "flag")
               for flag in option.flags}  # fmt: skip
_FAST_DEFAULTS = {option.dest: option.default for option in TOP if option.kind != "version"}
#: The fast path evaluates: one of these must be given.
_FAST_ACTIONS = tuple(option.dest for option in TOP if option.exclusive == "action")


def parse_fast(words: list[str]) -> Arguments | None:
    """What argparse would make of the spec-parse grammar, without building argparse.

    Accepts only unambiguous uses of the top-level options (repeatable where argparse
    allows), one --foreach[-N], one --eval or --exe, --raw; returns None for anything
    else (subcommands, help, abbreviations, repetitions, errors), which the full parser
    then handles, messages included.  Tests hold both parsers to the same results.
    """
    found: dict[str, object] = dict(_FAST_DEFAULTS)
    given: set[str] = set()
    position = 0
    while position < len(words):
        word = words[position]
        position += 1
        flag, equals, text = word.partition("=")
        value: object = text
        option = _FAST_VALUES.get(flag)
        if option is not None:
            if not equals:
                if position == len(words) or words[position].startswith("-"):
                    return None  # argparse decides whether "-x" is a value
                value = words[position]
                position += 1
            elif text == "--":
                return None  # argparse (before 3.12) drops it from --opt=--: let it
            if option.kind == "append":
                found[option.dest] = [*(found[option.dest] or ()), value]  # type: ignore[misc]
                continue
            rivals = _FAST_ACTIONS if option.exclusive == "action" else (option.dest,)
            if any(dest in given for dest in rivals):
                return None  # repeated, or both --eval and --exe: argparse's error
        else:
            option = _FAST_FLAGS.get(word)
            if option is None or option.dest in given:
                return None  # not the spec grammar, or repeated: argparse decides
            value = option.const if option.kind == "const" else True
        found[option.dest] = value
        given.add(option.dest)
    if not given.intersection(_FAST_ACTIONS):
        return None
    return Arguments(found)
