"""The ``rpm-pyconfig`` command: the only module that prints or chooses exit codes.

``--foreach --eval`` runs on every spec parse, so this module imports only what that
path needs; every other command imports its modules when it runs.

rpm ignores the exit status of ``%(...)``.  So when a command whose output a spec
reads fails, we also print ``%{error:MESSAGE}`` on stdout: inside the documented
``%{expand:%(rpm-pyconfig ...)}`` form rpm expands it and stops the build with our
message.  On a terminal the sentinel would only be noise, so it is skipped there.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .errors import PyConfigError

TYPE_CHECKING = False  # not typing's: importing typing costs ~7 ms per spec parse
if TYPE_CHECKING:
    from collections.abc import Sequence

    from .registry import Registry
    from .runtime import Runtime
    from .selection import Selection

__all__ = ["main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2

_DESCRIPTION = """\
Evaluate @-expressions for the Python runtimes of the registry, so that one RPM spec
builds a subpackage per runtime.  In a spec, always call it as
  %{expand:%(rpm-pyconfig --foreach --eval 'EXPR')}
so that a failure stops the build with this tool's message."""

_EPILOG = """\
commands (rpm-pyconfig COMMAND --help for details):
  list, show NAME, check     inspect and validate the runtime registry
  probe PYTHON... | --all    describe live interpreters as drop-in conf files
  render TEMPLATE            render a multi-runtime spec template
  install                    install built wheels into the buildroot (used by %pyconfig_install)
  spec SOURCE                generate a multi-runtime spec from a project's metadata

registry: *.conf drop-ins in /usr/lib/rpm-pyconfig.d then /etc/rpm-pyconfig.d, replaced by
--confdir DIR (repeatable) or RPM_PYCONFIG_PATH=DIR:DIR (specs use the variable)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are raised so ``main`` can report them like any error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{message}\n{self.format_usage().rstrip()}")


class _UsageError(Exception):
    pass


def _add_registry_options(parser: argparse.ArgumentParser, *, sub: bool) -> None:
    default = argparse.SUPPRESS if sub else None
    parser.add_argument(
        "--confdir", action="append", metavar="DIR", default=default,
        help="read drop-ins from DIR instead of the default search path (repeatable)",
    )


def _add_selection_options(parser: argparse.ArgumentParser, *, sub: bool) -> None:
    group = parser.add_argument_group("runtime selection")
    many = argparse.SUPPRESS if sub else []
    one = argparse.SUPPRESS if sub else None
    group.add_argument("--only", action="append", metavar="GLOB", default=many,
                       help="keep only runtimes whose name matches GLOB (repeatable)")
    group.add_argument("--exclude", action="append", metavar="GLOB", default=many,
                       help="drop runtimes whose name matches GLOB (repeatable)")
    group.add_argument("--where", metavar="CONDITION", default=one,
                       help="keep runtimes for which the PEP 508-style CONDITION holds, "
                            "e.g. \"implementation_name != 'pypy'\"")


def _build_parser(prog: str | None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog=prog or "rpm-pyconfig", description=_DESCRIPTION, epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_registry_options(parser, sub=False)
    _add_selection_options(parser, sub=False)
    loop = parser.add_argument_group("evaluation (the 2010 interface)")
    foreach = loop.add_mutually_exclusive_group()
    foreach.add_argument("--foreach", dest="major", action="store_const", const="",
                         help="evaluate for every selected runtime, in order")
    foreach.add_argument("--foreach-2", dest="major", action="store_const", const="2",
                         help="like --foreach, for Python 2 runtimes only")
    foreach.add_argument("--foreach-3", dest="major", action="store_const", const="3",
                         help="like --foreach, for Python 3 runtimes only")
    action = loop.add_mutually_exclusive_group()
    action.add_argument("--eval", metavar="EXPR",
                        help="print EXPR with @tokens replaced, once per runtime; without "
                             "--foreach, for the default runtime")
    action.add_argument("--exe", metavar="CMD",
                        help="run CMD through /bin/sh once per runtime (values shell-quoted); "
                             "stop at the first failure")
    loop.add_argument("--raw", action="store_true",
                      help="print values as they are; by default %% in values is doubled "
                           "because the output is spec text that rpm expands again")

    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_commands(commands)
    return parser


def _add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    def command(name: str, help_text: str, *, selection: bool = False) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _add_registry_options(sub, sub=True)
        if selection:
            _add_selection_options(sub, sub=True)
        return sub

    listing = command("list", "List the runtimes of the registry in order.", selection=True)
    listing.add_argument("--json", action="store_true", help="print JSON")

    show = command("show", "Show every value of one runtime (default: the default runtime).")
    show.add_argument("name", nargs="?", help="runtime name")
    show.add_argument("--json", action="store_true", help="print JSON")

    command("check", "Validate the registry: exit 0 when usable, 1 with one line per problem.")

    probe = commands.add_parser(
        "probe", help="Describe live interpreters as runtime drop-ins.",
        description="Ask live interpreters for their layout and print (or write) a drop-in "
                    "conf for each.  Writing never replaces an existing file unless --force.",
    )
    probe.add_argument("interpreters", nargs="*", metavar="PYTHON",
                       help="interpreter paths or names on PATH")
    probe.add_argument("--all", action="store_true",
                       help="probe the distribution's interpreters found on PATH")
    probe.add_argument("--write", metavar="DIR", help="write DIR/NAME.conf instead of printing")
    probe.add_argument("--force", action="store_true", help="replace existing files")
    probe.add_argument("--name", help="runtime name (with a single PYTHON)")

    render = command(
        "render", "Render a spec template for the selected runtimes (shipped name or file path).",
        selection=True,
    )
    render.add_argument("template", metavar="TEMPLATE",
                        help="subpackages, prep, build, install, check, or a .j2 file")
    render.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        dest="values", help="a value the template uses (repeatable)")

    spec = command(
        "spec",
        "Write a multi-runtime python-NAME.spec from a project directory (pyproject.toml), "
        "an sdist (PKG-INFO) or a wheel (METADATA), offline.",
        selection=True,
    )
    spec.add_argument("source", metavar="SOURCE", help="project directory, sdist or wheel")
    spec.add_argument("-o", "--output", metavar="FILE",
                      help="where to write (default: ./python-NAME.spec; - for stdout)")
    spec.add_argument("--static", action="store_true",
                      help="expand the per-runtime stanzas for the current registry instead of "
                           "calling the macros (for build systems that cannot run the tool "
                           "while parsing)")
    spec.add_argument("--force", action="store_true", help="replace an existing FILE")

    install = command(
        "install",
        "Place each runtime's staged wheel into the buildroot, byte-compile it with that "
        "runtime, and write one %files list per runtime (the last step of %pyconfig_install).",
        selection=True,
    )
    install.add_argument("--buildroot", required=True, help="rpm's %%{buildroot}")
    install.add_argument("--bindir", default="/usr/bin", help="where commands go (%%{_bindir})")
    install.add_argument("--stage", default="_pyconfig/stage",
                         help="where the pip install step put STAGE/NAME/target")
    install.add_argument("--filelists", default="_pyconfig/files",
                         help="where to write NAME.files")


def _read_registry(args: argparse.Namespace) -> Registry:
    from .registry import load_registry, search_path

    dirs, explicit = search_path(getattr(args, "confdir", None), os.environ)
    return load_registry(dirs, explicit=explicit)


def _selection(args: argparse.Namespace, major: str | None = None) -> Selection:
    from .selection import Selection

    where = None
    if getattr(args, "where", None):
        from .condition import Condition

        where = Condition.parse(args.where)
    return Selection(
        only=getattr(args, "only", ()), exclude=getattr(args, "exclude", ()),
        where=where, major=major or None,
    )


def _selected(args: argparse.Namespace, major: str | None = None) -> tuple[Runtime, ...]:
    from .selection import select

    registry = _read_registry(args)
    return select(registry.runtimes, _selection(args, major))


# -- the 2010 interface ------------------------------------------------------------------


def _run_eval(args: argparse.Namespace) -> int:
    from .expression import Expression, escape_rpm

    expression = Expression.parse(args.eval)
    runtimes = _selected(args, args.major)
    if args.major is None:
        from .selection import pick_one

        runtimes = (pick_one(runtimes),)
    escape = None if args.raw else escape_rpm
    sys.stdout.write("".join(expression.evaluate(rt, escape) + "\n" for rt in runtimes))
    return EXIT_OK


def _run_exe(args: argparse.Namespace) -> int:
    from .execution import run_for_each
    from .expression import Expression

    expression = Expression.parse(args.exe)
    runtimes = _selected(args, args.major)
    if args.major is None:
        from .selection import pick_one

        runtimes = (pick_one(runtimes),)
    sys.stdout.flush()
    run_for_each(expression, runtimes)
    return EXIT_OK


# -- registry commands ---------------------------------------------------------------------


def _run_list(args: argparse.Namespace) -> int:
    runtimes = _selected(args)
    if args.json:
        import json

        data = [dict(rt.as_dict(), origin=rt.origin) for rt in runtimes]
        print(json.dumps(data, indent=2))
        return EXIT_OK
    rows = [("NAME", "IMPLEMENTATION", "VERSION", "PACKAGE PREFIX", "INTERPRETER", "DEFAULT")]
    rows += [
        (rt.name, rt.implementation, rt.version, rt.package_prefix, rt.interpreter,
         "yes" if rt.default else "")
        for rt in runtimes
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return EXIT_OK


def _run_show(args: argparse.Namespace) -> int:
    from .expression import TOKENS
    from .selection import SelectionError

    registry = _read_registry(args)
    runtime = registry.default if args.name is None else registry.get(args.name)
    if runtime is None:
        import difflib

        close = difflib.get_close_matches(args.name, registry.names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise SelectionError(
            f"no runtime named {args.name!r}{hint}; the registry has {', '.join(registry.names)}"
        )
    if args.json:
        import json

        print(json.dumps(dict(runtime.as_dict(), origin=runtime.origin), indent=2))
        return EXIT_OK
    print(f"# {runtime.origin}")
    width = max(len(token) for token in TOKENS)
    for token, (getter, _doc) in sorted(TOKENS.items()):
        print(f"@{token.ljust(width)}  {getter(runtime)}")
    return EXIT_OK


def _run_check(args: argparse.Namespace) -> int:
    from .errors import ConfigError

    try:
        registry = _read_registry(args)
    except ConfigError as error:
        for problem in error.problems:
            print(problem)
        return EXIT_ERROR
    problems = [
        f"{rt.origin}: [runtime] interpreter: {rt.interpreter!r} is not an executable file"
        for rt in registry.runtimes
        if not os.access(rt.interpreter, os.X_OK) or os.path.isdir(rt.interpreter)
    ]
    for problem in problems:
        print(problem)
    if problems:
        return EXIT_ERROR
    names = ", ".join(rt.name + (" (default)" if rt.default else "") for rt in registry.runtimes)
    print(f"ok: {len(registry.runtimes)} runtimes: {names}")
    return EXIT_OK


def _run_probe(args: argparse.Namespace) -> int:
    from .probe import probe, probe_all, write_conf
    from .registry import format_conf

    if args.all == bool(args.interpreters):
        raise _UsageError("probe: give either PYTHON... or --all")
    if args.name and len(args.interpreters) != 1:
        raise _UsageError("probe: --name needs exactly one PYTHON")
    if args.all:
        runtimes, skipped = probe_all(os.environ.get("PATH", os.defpath))
        for path, reason in skipped:
            print(f"rpm-pyconfig: skipped {path}: {reason}", file=sys.stderr)
    else:
        runtimes = [probe(python, name=args.name) for python in args.interpreters]
    for runtime in runtimes:
        if args.write:
            path = write_conf(runtime, args.write, force=args.force)
            print(f"wrote {path}", file=sys.stderr)
        else:
            sys.stdout.write(format_conf(runtime))
    return EXIT_OK


def _selection_args(args: argparse.Namespace) -> str:
    """The registry and selection options of this call, for a command a template runs later."""
    import shlex

    passed = [f"--confdir={d}" for d in getattr(args, "confdir", None) or ()]
    passed += [f"--only={glob}" for glob in getattr(args, "only", ())]
    passed += [f"--exclude={glob}" for glob in getattr(args, "exclude", ())]
    if getattr(args, "where", None):
        passed.append(f"--where={args.where}")
    return " ".join(shlex.quote(word) for word in passed)


def _run_render(args: argparse.Namespace) -> int:
    from .rendering import render

    values: dict[str, object] = {}
    for item in args.values:
        key, sep, value = item.partition("=")
        if not sep or not key.isidentifier():
            raise _UsageError(f"--set wants KEY=VALUE with KEY an identifier, got {item!r}")
        values[key] = value
    runtimes = _selected(args)
    values.setdefault("tool", "rpm-pyconfig")
    values.setdefault("selection_args", _selection_args(args))
    sys.stdout.write(render(args.template, runtimes, values))
    return EXIT_OK


def _run_spec(args: argparse.Namespace) -> int:
    from .specgen import generate_spec, write_spec

    runtimes: tuple[Runtime, ...] = ()
    passed = ""
    if args.static:
        runtimes = _selected(args)
        passed = _selection_args(args)
    spec = generate_spec(args.source, static=args.static, runtimes=runtimes,
                         selection_args=passed)
    for warning in spec.warnings:
        print(f"rpm-pyconfig: warning: {warning}", file=sys.stderr)
    if args.output == "-":
        sys.stdout.write(spec.text)
        return EXIT_OK
    path = args.output or spec.filename
    write_spec(spec, path, force=args.force)
    print(f"wrote {path}", file=sys.stderr)
    return EXIT_OK


def _run_install(args: argparse.Namespace) -> int:
    from .installing import install

    runtimes = _selected(args)
    install(
        runtimes, stage=args.stage, buildroot=args.buildroot, filelists=args.filelists,
        bindir=args.bindir, progress=lambda line: print(f"rpm-pyconfig: {line}", file=sys.stderr),
    )
    return EXIT_OK


_COMMANDS = {
    "list": _run_list,
    "show": _run_show,
    "check": _run_check,
    "probe": _run_probe,
    "render": _run_render,
    "install": _run_install,
    "spec": _run_spec,
}

# Commands whose stdout a spec reads through %{expand:%(...)}: on failure they also print
# %{error:...} there, because rpm ignores exit statuses.
_SPEC_FACING = frozenset({None, "render"})


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run the command line *argv* (default ``sys.argv[1:]``) and return the exit status."""
    args = None
    try:
        parser = _build_parser(prog)
        args = parser.parse_args(argv)
        if args.command is not None:
            return _COMMANDS[args.command](args)
        if args.eval is not None:
            return _run_eval(args)
        if args.exe is not None:
            return _run_exe(args)
        if args.major is not None:
            raise _UsageError("--foreach needs --eval EXPR or --exe CMD")
        parser.print_help()
        return EXIT_USAGE
    except _UsageError as error:
        return _fail(f"usage error: {error}", args, EXIT_USAGE)
    except PyConfigError as error:
        status = getattr(error, "returncode", EXIT_ERROR) or EXIT_ERROR
        return _fail(str(error), args, status if 0 < status < 126 else EXIT_ERROR)
    except KeyboardInterrupt:
        return _fail("interrupted", args, 130)
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as error:  # a bug: still stop the rpm build, with the traceback
        import traceback

        traceback.print_exc()
        return _fail(f"internal error: {type(error).__name__}: {error}", args, EXIT_ERROR)


def _fail(message: str, args: argparse.Namespace | None, status: int) -> int:
    print(f"rpm-pyconfig: {message}", file=sys.stderr)
    command = getattr(args, "command", None) if args is not None else None
    if command in _SPEC_FACING and not _stdout_is_terminal():
        sys.stdout.write(rpm_error(f"rpm-pyconfig: {message}") + "\n")
        sys.stdout.flush()
    return status


def _stdout_is_terminal() -> bool:
    try:
        return os.isatty(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):
        return False


def rpm_error(message: str) -> str:
    """``%{error:...}`` that makes rpm's ``%{expand:}`` stop and print *message* verbatim.

    The message travels as a Lua string literal printed by ``%{lua:}``: rpm neither
    expands Lua source nor the text Lua prints, so ``%``, newlines and unbalanced
    braces all survive; braces are written as ``\\123``/``\\125`` so that rpm's
    search for the closing brace of ``%{error:`` is not fooled.
    """
    escaped = []
    for char in message:
        if char in '\\"{}' or ord(char) < 32 or ord(char) == 127:
            escaped.append("\\n" if char == "\n" else f"\\{ord(char):03d}")
        else:
            escaped.append(char)
    return '%{error:%{lua:print("' + "".join(escaped) + '")}}'
