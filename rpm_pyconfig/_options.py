"""The one table of ``rpm-pyconfig``'s options, the typed result of parsing them, and the
fast parser of the spec-parse grammar.

Both parsers read ``TOP`` and ``COMMANDS``: ``_arguments`` builds argparse from them (help,
every command, every error message), and ``parse_fast`` reads ``--foreach --eval`` without
building argparse (~5 ms that every spec parse would pay).  Adding an option is one
``Option`` entry (plus, for a new destination, its annotation on ``Arguments``).  On the
spec-parse path, so it imports nothing.
"""

from __future__ import annotations

from . import worktree
from ._record import Record

TYPE_CHECKING = False  # not typing's: importing typing costs ~7 ms per spec parse
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["COMMANDS", "TOP", "Arguments", "Command", "Option", "parse_fast"]

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


class Command:
    """A subcommand: its help, whether it reads the registry and selects runtimes, options."""

    __slots__ = ("description", "help", "name", "options", "registry", "selection")

    def __init__(
        self,
        name: str,
        help: str,
        options: tuple[Option, ...] = (),
        *,
        description: str | None = None,
        registry: bool = True,
        selection: bool = False,
    ) -> None:
        self.name = name
        #: One line for the top-level help (taken literally, ``%`` included).
        self.help = help
        #: The command's own ``--help`` text (default: ``help``).
        self.description = description or help
        #: Takes ``--confdir``; with ``selection`` also ``--only/--exclude/--where``.
        self.registry = registry
        self.selection = selection
        self.options = options


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

_JSON = Option("--json", "flag", "print JSON")

COMMANDS = (
    Command("list", "List the runtimes of the registry in order.", (_JSON,), selection=True),
    Command("show", "Show every value of one runtime (default: the default runtime).", (
        Option("name", "positional", "runtime name", nargs="?"),
        _JSON,
    )),
    Command("check", "Validate the registry: exit 0 when usable, 1 with one line per problem."),
    Command("compile", "Validate the registry as check does and write it as an rpm macros file "
            "that macros.pyconfig evaluates in rpm's Lua, without starting a process per spec "
            "parse.", (
        Option(("-o", "--output"), "store", "where to write (default: "
               "/usr/lib/rpm/macros.d/macros.pyconfig-registry; - for stdout)", metavar="FILE"),
        Option("--lua", "flag", "print the bare Lua chunk on stdout (what macros.pyconfig runs "
               "when the file is stale)"),
    )),
    Command("probe", "Describe live interpreters as runtime drop-ins.", (
        Option("interpreters", "positional", "interpreter paths or names on PATH", nargs="*",
               metavar="PYTHON"),
        Option("--all", "flag", "probe the distribution's interpreters found on PATH"),
        Option("--write", "once", "write DIR/NAME.conf instead of printing", metavar="DIR"),
        Option("--force", "flag", "replace existing files"),
        Option("--name", "once", "runtime name (with a single PYTHON)"),
    ), description="Ask live interpreters for their layout and print (or write) a drop-in conf "
       "for each.  Writing never replaces an existing file unless --force.", registry=False),
    Command("render", "Render a spec template for the selected runtimes (shipped name or file "
            "path).", (
        Option("template", "positional", "subpackages, buildrequires, generate_buildrequires, "
               "prep, build, install, check, test, or a .j2 file", metavar="TEMPLATE"),
        Option("--set", "append", "a value the template uses (repeatable)", dest="values",
               metavar="KEY=VALUE", default=[]),
    ), selection=True),
    Command("spec", "Write a multi-runtime python-NAME.spec from a project directory "
            "(pyproject.toml), an sdist (PKG-INFO) or a wheel (METADATA), offline.", (
        Option("source", "positional", "project directory, sdist or wheel", metavar="SOURCE"),
        Option(("-o", "--output"), "once", "where to write (default: ./python-NAME.spec; - for "
               "stdout)", metavar="FILE"),
        Option("--static", "flag", "expand the per-runtime stanzas for the current registry "
               "instead of calling the macros (for build systems that cannot run the tool while "
               "parsing)"),
        Option("--extras", "once", "extras to package, comma-separated, or all (the default) or "
               "none", metavar="NAME[,NAME]"),
        Option("--no-backend", "flag", "never run the project's build backend (its own code): "
               "refuse a project whose sdist metadata cannot be trusted instead"),
        Option("--declarative", "flag", "BuildSystem: pyconfig (rpm >= 4.20): no hand-written "
               "%%prep, %%build, %%install, %%check (a warning when this machine's rpm is older)"),
        Option("--force", "flag", "replace an existing FILE"),
        Option("--test", "flag", "%%check also runs the project's tests with pytest for every "
               "runtime (%%pyconfig_test; pytest becomes a build dependency)"),
        Option("--buildrequires", "append", "an rpm BuildRequires no metadata names, e.g. "
               "libffi-devel for the C library an extension links (repeatable)",
               metavar="DEPENDENCY", default=[]),
    ), selection=True),
    Command("chain", "Build the dependency closure of requirements (or sdists) for every runtime "
            "of the registry, in order, into one repository of RPMs and SRPMs; what the target "
            "already provides is reused.  Resumable: run it again to continue.", (
        Option("requirements", "positional", "PEP 508 requirement (textual==0.62.0, "
               "rich[jupyter]) or path of an sdist", nargs="*", metavar="REQUIREMENT"),
        Option(("-r", "--requirement"), "append", "requirements file (repeatable)",
               dest="files", metavar="FILE", default=[]),
        Option(("-c", "--constraint"), "append", "narrow a project's versions without requiring "
               "it, e.g. 'pygments<2.18'", metavar="SPEC", default=[]),
        Option("--sdists", "append", "directory of sdists to take projects from, offline "
               "(repeatable; searched first)", metavar="DIR", default=[]),
        Option("--download", "once", "download missing sdists with pip into CACHE/SHA256/FILE "
               "(reused next time)", metavar="CACHE"),
        Option("--repo", "append", "a repository (createrepo_c) whose packages the target has: "
               "reused, not built", metavar="DIR", default=[]),
        Option("--no-rpmdb", "flag", "do not reuse what this machine's rpm database provides"),
        Option("--no-host", "flag", "build every build requirement, even those the runtimes' "
               "interpreters have"),
        Option(("-o", "--output"), "once", "the chain's directory: specs, logs, root, repo, "
               "report (default: ./chain)", metavar="DIR", default="chain"),
        Option("--macros", "once", "macros.pyconfig to load (default: the one installed in "
               "rpm's macros.d)", metavar="FILE"),
        Option("--rebuild-from", "once", "report.json of a chain built elsewhere: projects it "
               "built at the version resolved here are rebuilt from its SRPMs (REPORT's "
               "repo/SRPMS) with this registry", metavar="REPORT"),
        Option("--plan", "flag", "print the build order and what is reused; build nothing"),
    )),
    Command("install", "Place each runtime's staged wheel into the buildroot, byte-compile it "
            "with that runtime, and write one %files list per runtime (the last step of "
            "%pyconfig_install).", (
        Option("--buildroot", "once", "rpm's %%{buildroot}", required=True),
        Option("--bindir", "once", "where commands go (%%{_bindir})", default="/usr/bin"),
        Option("--stage", "once", "where the pip install step put STAGE/NAME/target",
               default=worktree.STAGE),
        Option("--filelists", "once", "where to write NAME.files", default=worktree.FILES),
        Option("--unversioned", "once", "the runtime whose commands get no suffix (default: the "
               "registry's default); every other runtime without a script_suffix gets -NAME",
               metavar="NAME"),
    ), selection=True),
    Command("check-imports", "Import each MODULE and every public module below it with one "
            "interpreter, from an empty directory with only the given site directories on "
            "PYTHONPATH; fail unless each top-level module comes from the buildroot (used by "
            "%pyconfig_check).", (
        Option("modules", "positional", "top-level import name", nargs="+", metavar="MODULE"),
        Option("--interpreter", "once", "the runtime's interpreter", required=True),
        Option("--buildroot", "once", "rpm's %%{buildroot}: where the modules must come from",
               required=True),
        Option("--path", "append", "a directory for PYTHONPATH (repeatable, in order)",
               metavar="DIR", required=True),
        Option("--exclude-module", "append", "leave out the modules whose dotted name matches "
               "(repeatable)", metavar="GLOB", default=[]),
        Option("--name", "once", "the runtime's name, for messages"),
    ), registry=False),
    Command("app", "Write NAME.spec for one application and its whole dependency closure in a "
            "private environment: every sdist (and allowed wheel) is downloaded now into the "
            "sources directory and becomes a hash-checked Source; rpmbuild then works offline.", (
        Option("app", "positional", "a requirement (httpie==3.2.2), an sdist or a project "
               "directory", metavar="APP"),
        Option(("-r", "--requirements"), "once", "lock file: the whole closure pinned with "
               "--hash (pip's --require-hashes)", dest="lock", metavar="FILE"),
        Option("--runtime", "once", "runtime of the registry (default: the default one)",
               metavar="NAME"),
        Option("--name", "once", "package name (default: the application's name)"),
        Option("--prefix", "once", "the environment goes to DIR/NAME/VERSION-RELEASE, "
               "DIR/NAME/current links to it (default: /usr/lib)", metavar="DIR",
               default="/usr/lib"),
        Option("--release", "once", "Release: (default 1)", default="1"),
        Option("--license", "once", "License: of the whole (default: every bundled "
               "distribution's license, AND-ed)", metavar="SPDX"),
        Option("--command", "append", "command linked into %%{_bindir} (repeatable; default: "
               "the application's own)", dest="commands", metavar="CMD", default=[]),
        Option("--binary", "append", "allow a wheel for distribution DIST (repeatable; default: "
               "sdists only)", metavar="DIST", default=[]),
        Option("--config", "append", "install FILE as %%config(noreplace) PATH (repeatable)",
               metavar="FILE=/etc/PATH", default=[]),
        Option("--sources", "once", "where the Sources go (rpm's %%{_sourcedir}); files with the "
               "right hash are reused (default: .)", metavar="DIR", default="."),
        Option(("-o", "--output"), "once", "where to write (default: ./NAME.spec; - for stdout)",
               metavar="FILE"),
        Option("--force", "flag", "replace an existing FILE"),
    )),
)  # fmt: skip


def _neutral(option: Option) -> object:
    """What ``Arguments`` holds for a command option's destination when another command ran."""
    if option.kind == "append" or option.nargs == "*":
        return []
    if option.kind == "flag":
        return False
    return None


def _destinations() -> dict[str, object]:
    """Every destination and its value when not set: a top-level option's default (argparse
    always sets those), a neutral value for the options of commands."""
    found: dict[str, object] = {"command": None}
    for option in TOP:
        if option.kind != "version":
            found.setdefault(option.dest, option.default)
    for command in COMMANDS:
        for option in command.options:
            found.setdefault(option.dest, _neutral(option))
    return found


_NEUTRAL = _destinations()


class Arguments(Record):
    """A parsed command line: every destination of every option, typed.

    What the command did not take holds a neutral value (None, ``[]`` or False), so code
    reads ``args.where``, never ``getattr(args, "where", None)``.
    """

    __slots__ = tuple(_NEUTRAL)
    _compared = tuple(_NEUTRAL)

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
