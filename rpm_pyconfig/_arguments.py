"""The full argparse command line of ``rpm-pyconfig``, built from the one option table
(``_options.TOP`` and ``_commands.COMMANDS``).

Building it costs ~5 ms (help formatters, gettext), which every spec parse would pay; so
``cli`` only builds it when ``_options.parse_fast`` declines.
"""

from __future__ import annotations

import argparse
import os
import sys
import weakref

from . import __version__
from ._commands import COMMANDS
from ._options import REGISTRY, SELECTION, TOP, Option
from .errors import UsageError

TYPE_CHECKING = False  # not typing's: --help and usage errors need not import it
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, NoReturn

__all__ = ["build_parser"]


_DESCRIPTION = """\
Evaluate @-expressions for the Python runtimes of the registry, so that one RPM spec
builds a subpackage per runtime.  In a spec, always call it as
  %{expand:%(rpm-pyconfig --foreach --eval 'EXPR')}
so that a failure stops the build with this tool's message."""

_EPILOG = """\
commands (rpm-pyconfig COMMAND --help for details):
  list, show NAME, check     inspect and validate the runtime registry
  compile                    the registry as rpm Lua data, for parse-time macros
  probe PYTHON... | --all    describe live interpreters as drop-in conf files
  render TEMPLATE            render a multi-runtime spec template
  install                    install built wheels into the buildroot (used by %pyconfig_install)
  check-imports MODULE...    import every public module from the buildroot (used by %pyconfig_check)
  spec SOURCE                generate a multi-runtime spec from a project's metadata
  app APP                    one application and its dependency closure as one RPM spec
  chain REQUIREMENT...       build a project and its dependencies into one repository

registry: *.conf drop-ins in /usr/lib/rpm-pyconfig.d then /etc/rpm-pyconfig.d, replaced by
--confdir DIR (repeatable) or RPM_PYCONFIG_PATH=DIR:DIR (specs use the variable)."""


class _Formatter(argparse.HelpFormatter):
    """Help laid out for the terminal's width, measured without importing shutil.

    argparse would import shutil (and bz2, lzma) just to ask for the terminal width.  Only
    the documented ``width`` is set; whatever else a Python's argparse passes (3.14 added
    keywords) goes through untouched.
    """

    def __init__(self, prog: str, *args: Any, **kwargs: Any) -> None:
        if len(args) < 3 and kwargs.get("width") is None:
            kwargs["width"] = _terminal_width()
        super().__init__(prog, *args, **kwargs)


class _RawFormatter(_Formatter, argparse.RawDescriptionHelpFormatter):
    """The top-level help: descriptions and epilog keep their line breaks."""


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are raised so ``main`` reports them like any error.

    Only public argparse API: ``error`` is documented as overridable, and the help width
    comes from ``formatter_class`` (a private method broke with Python 3.15's argparse).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}\n{self.format_usage().rstrip()}")


class _Once(argparse.Action):
    """A single-value option given twice is an error, not silently the last one.

    The namespaces that have the option are known by ``id()`` and a weak reference: a
    parser used again may get a new namespace at the address of a freed one, which does not
    have the option yet (namespaces compare by value, so they cannot be set members)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        seen = self.__dict__.setdefault("_seen_in", {})
        earlier = seen.get(id(namespace))
        if earlier is not None and earlier() is namespace:
            raise UsageError(
                f"{option_string or self.dest} given twice ({getattr(namespace, self.dest)!r} "
                f"and {values!r}); give it once"
            )
        seen[id(namespace)] = weakref.ref(namespace)
        setattr(namespace, self.dest, values)


_ACTIONS: dict[str, object] = {
    "once": _Once,
    "store": "store",
    "append": "append",
    "flag": "store_true",
    "const": "store_const",
}


def _terminal_width() -> int:
    try:
        columns = (
            int(os.environ.get("COLUMNS", "0")) or os.get_terminal_size(sys.stderr.fileno()).columns
        )
    except (OSError, ValueError):
        columns = 80
    return max(columns - 2, 40)


def build_parser(prog: str | None) -> argparse.ArgumentParser:
    """The whole command line, from ``_options.TOP`` and ``_commands.COMMANDS``."""
    parser = _Parser(
        prog=prog or "rpm-pyconfig",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=_RawFormatter,
    )
    _add(parser, TOP, sub=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        # argparse %-formats help strings (not descriptions): %files, %pyconfig_install.
        sub = commands.add_parser(
            command.name, help=command.help.replace("%", "%%"), description=command.description
        )
        shared = (*REGISTRY, *(SELECTION if command.selection else ())) if command.registry else ()
        _add(sub, shared, sub=True)
        _add(sub, command.options, sub=False)
    return parser


def _add(parser: argparse.ArgumentParser, options: Iterable[Option], *, sub: bool) -> None:
    """Add *options* to *parser*, in help sections and exclusive groups as the table says.

    ``sub``: the top-level options repeated on a command, which must not reset what was
    given before the command's name (argparse.SUPPRESS as their default).
    """
    groups: dict[str | None, Any] = {None: parser}
    exclusive: dict[str, Any] = {}
    for option in options:
        group = groups.get(option.group)
        if group is None:
            group = groups[option.group] = parser.add_argument_group(option.group)
        if option.exclusive is not None:
            if option.exclusive not in exclusive:
                exclusive[option.exclusive] = group.add_mutually_exclusive_group()
            group = exclusive[option.exclusive]
        group.add_argument(*option.flags, **_keywords(option, sub))


def _keywords(option: Option, sub: bool) -> dict[str, Any]:
    """argparse's ``add_argument`` keywords for *option*."""
    if option.kind == "version":
        return {"action": "version", "version": f"%(prog)s {__version__}", "help": option.help}
    keywords: dict[str, Any] = {"help": option.help}
    if option.metavar is not None:
        keywords["metavar"] = option.metavar
    if option.kind == "positional":
        if option.nargs is not None:
            keywords["nargs"] = option.nargs
        return keywords
    if option.dest != option.flags[-1].lstrip("-").replace("-", "_"):
        keywords["dest"] = option.dest
    keywords["action"] = _ACTIONS[option.kind]
    if option.kind == "const":
        keywords["const"] = option.const
    if option.kind not in ("flag", "const"):
        keywords["default"] = argparse.SUPPRESS if sub else option.default
    if option.required:
        keywords["required"] = True
    return keywords
