"""The full argparse command line of ``rpm-pyconfig`` (every command, help texts).

Building it costs ~5 ms (help formatters, gettext), which every spec parse would pay; so
``cli`` only builds it when its exact fast parser for ``--foreach --eval`` declines.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .errors import UsageError

TYPE_CHECKING = False  # not typing's: --help and usage errors need not import it
if TYPE_CHECKING:
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
  spec SOURCE                generate a multi-runtime spec from a project's metadata
  app APP                    one application and its dependency closure as one RPM spec
  chain REQUIREMENT...       build a project and its dependencies into one repository

registry: *.conf drop-ins in /usr/lib/rpm-pyconfig.d then /etc/rpm-pyconfig.d, replaced by
--confdir DIR (repeatable) or RPM_PYCONFIG_PATH=DIR:DIR (specs use the variable)."""


class _Formatter(argparse.HelpFormatter):
    """Help laid out for the terminal's width, measured without importing shutil.

    argparse would import shutil (and bz2, lzma) just to ask for the terminal width; only
    the documented constructor is used, so every Python's argparse accepts it.
    """

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        super().__init__(prog, indent_increment, max_help_position, width or _terminal_width())


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
    """A single-value option given twice is an error, not silently the last one."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        seen = self.__dict__.setdefault("_seen_in", set())
        if id(namespace) in seen:
            raise UsageError(
                f"{option_string or self.dest} given twice ({getattr(namespace, self.dest)!r} "
                f"and {values!r}); give it once"
            )
        seen.add(id(namespace))
        setattr(namespace, self.dest, values)


def _terminal_width() -> int:
    try:
        columns = (
            int(os.environ.get("COLUMNS", "0")) or os.get_terminal_size(sys.stderr.fileno()).columns
        )
    except (OSError, ValueError):
        columns = 80
    return max(columns - 2, 40)


def _add_registry_options(parser: argparse.ArgumentParser, *, sub: bool) -> None:
    default = argparse.SUPPRESS if sub else None
    parser.add_argument(
        "--confdir",
        action="append",
        metavar="DIR",
        default=default,
        help="read drop-ins from DIR instead of the default search path (repeatable)",
    )


def _add_selection_options(parser: argparse.ArgumentParser, *, sub: bool) -> None:
    group = parser.add_argument_group("runtime selection")
    many: str | list[str] = argparse.SUPPRESS if sub else []
    one = argparse.SUPPRESS if sub else None
    group.add_argument(
        "--only",
        action="append",
        metavar="GLOB",
        default=many,
        help="keep only runtimes whose name matches GLOB (repeatable)",
    )
    group.add_argument(
        "--exclude",
        action="append",
        metavar="GLOB",
        default=many,
        help="drop runtimes whose name matches GLOB (repeatable)",
    )
    group.add_argument(
        "--where",
        action=_Once,
        metavar="CONDITION",
        default=one,
        help="keep runtimes for which the PEP 508-style CONDITION holds, "
        "e.g. \"implementation_name != 'pypy'\"",
    )


def build_parser(prog: str | None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog=prog or "rpm-pyconfig",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=_RawFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_registry_options(parser, sub=False)
    _add_selection_options(parser, sub=False)
    loop = parser.add_argument_group("evaluation (the 2010 interface)")
    foreach = loop.add_mutually_exclusive_group()
    foreach.add_argument(
        "--foreach",
        dest="major",
        action="store_const",
        const="",
        help="evaluate for every selected runtime, in order",
    )
    foreach.add_argument(
        "--foreach-2",
        dest="major",
        action="store_const",
        const="2",
        help="like --foreach, for Python 2 runtimes only",
    )
    foreach.add_argument(
        "--foreach-3",
        dest="major",
        action="store_const",
        const="3",
        help="like --foreach, for Python 3 runtimes only",
    )
    action = loop.add_mutually_exclusive_group()
    action.add_argument(
        "--eval",
        action=_Once,
        metavar="EXPR",
        help="print EXPR with @tokens replaced, once per runtime; without "
        "--foreach, for the default runtime",
    )
    action.add_argument(
        "--exe",
        action=_Once,
        metavar="CMD",
        help="run CMD through /bin/sh once per runtime (values shell-quoted); "
        "stop at the first failure",
    )
    loop.add_argument(
        "--raw",
        action="store_true",
        help="print values as they are; by default %% in values is doubled "
        "because the output is spec text that rpm expands again",
    )

    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_commands(commands)
    return parser


def _add_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    def command(name: str, help_text: str, *, selection: bool = False) -> _Parser:
        # argparse %-formats help strings (not descriptions): %files, %pyconfig_install.
        sub = commands.add_parser(name, help=help_text.replace("%", "%%"), description=help_text)
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
    compiled = command(
        "compile",
        "Validate the registry as check does and write it as an rpm macros file that "
        "macros.pyconfig evaluates in rpm's Lua, without starting a process per spec parse.",
    )
    compiled.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write (default: /usr/lib/rpm/macros.d/macros.pyconfig-registry; "
        "- for stdout)",
    )
    compiled.add_argument(
        "--lua",
        action="store_true",
        help="print the bare Lua chunk on stdout (what macros.pyconfig runs when the "
        "file is stale)",
    )

    probe = commands.add_parser(
        "probe",
        help="Describe live interpreters as runtime drop-ins.",
        description="Ask live interpreters for their layout and print (or write) a drop-in "
        "conf for each.  Writing never replaces an existing file unless --force.",
    )
    probe.add_argument(
        "interpreters", nargs="*", metavar="PYTHON", help="interpreter paths or names on PATH"
    )
    probe.add_argument(
        "--all", action="store_true", help="probe the distribution's interpreters found on PATH"
    )
    probe.add_argument(
        "--write", action=_Once, metavar="DIR", help="write DIR/NAME.conf instead of printing"
    )
    probe.add_argument("--force", action="store_true", help="replace existing files")
    probe.add_argument("--name", action=_Once, help="runtime name (with a single PYTHON)")

    render = command(
        "render",
        "Render a spec template for the selected runtimes (shipped name or file path).",
        selection=True,
    )
    render.add_argument(
        "template",
        metavar="TEMPLATE",
        help="subpackages, prep, build, install, check, or a .j2 file",
    )
    render.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="values",
        help="a value the template uses (repeatable)",
    )

    spec = command(
        "spec",
        "Write a multi-runtime python-NAME.spec from a project directory (pyproject.toml), "
        "an sdist (PKG-INFO) or a wheel (METADATA), offline.",
        selection=True,
    )
    spec.add_argument("source", metavar="SOURCE", help="project directory, sdist or wheel")
    spec.add_argument(
        "-o",
        "--output",
        action=_Once,
        metavar="FILE",
        help="where to write (default: ./python-NAME.spec; - for stdout)",
    )
    spec.add_argument(
        "--static",
        action="store_true",
        help="expand the per-runtime stanzas for the current registry instead of "
        "calling the macros (for build systems that cannot run the tool "
        "while parsing)",
    )
    spec.add_argument("--force", action="store_true", help="replace an existing FILE")

    chain = command(
        "chain",
        "Build the dependency closure of requirements (or sdists) for every runtime of the "
        "registry, in order, into one repository of RPMs and SRPMs; what the target already "
        "provides is reused.  Resumable: run it again to continue.",
    )
    chain.add_argument(
        "requirements", nargs="*", metavar="REQUIREMENT",
        help="PEP 508 requirement (textual==0.62.0, rich[jupyter]) or path of an sdist",
    )
    chain.add_argument(
        "-r", "--requirement", action="append", default=[], metavar="FILE", dest="files",
        help="requirements file (repeatable)",
    )
    chain.add_argument(
        "-c", "--constraint", action="append", default=[], metavar="SPEC",
        help="narrow a project's versions without requiring it, e.g. 'pygments<2.18'",
    )
    chain.add_argument(
        "--sdists", action="append", default=[], metavar="DIR",
        help="directory of sdists to take projects from, offline (repeatable; searched first)",
    )
    chain.add_argument(
        "--download", action=_Once, metavar="CACHE",
        help="download missing sdists with pip into CACHE/SHA256/FILE (reused next time)",
    )
    chain.add_argument(
        "--repo", action="append", default=[], metavar="DIR",
        help="a repository (createrepo_c) whose packages the target has: reused, not built",
    )
    chain.add_argument(
        "--no-rpmdb", action="store_true",
        help="do not reuse what this machine's rpm database provides",
    )
    chain.add_argument(
        "--no-host", action="store_true",
        help="build every build requirement, even those the runtimes' interpreters have",
    )
    chain.add_argument(
        "-o", "--output", action=_Once, metavar="DIR", default="chain",
        help="the chain's directory: specs, logs, root, repo, report (default: ./chain)",
    )
    chain.add_argument(
        "--macros", action=_Once, metavar="FILE",
        help="macros.pyconfig to load (default: the one installed in rpm's macros.d)",
    )
    chain.add_argument(
        "--rebuild-from", action=_Once, metavar="REPORT",
        help="report.json of a chain built elsewhere: projects it built at the version "
        "resolved here are rebuilt from its SRPMs (REPORT's repo/SRPMS) with this registry",
    )
    chain.add_argument(
        "--plan", action="store_true",
        help="print the build order and what is reused; build nothing",
    )

    install = command(
        "install",
        "Place each runtime's staged wheel into the buildroot, byte-compile it with that "
        "runtime, and write one %files list per runtime (the last step of %pyconfig_install).",
        selection=True,
    )
    install.add_argument("--buildroot", action=_Once, required=True, help="rpm's %%{buildroot}")
    install.add_argument(
        "--bindir", action=_Once, default="/usr/bin", help="where commands go (%%{_bindir})"
    )
    install.add_argument(
        "--stage",
        action=_Once,
        default="_pyconfig/stage",
        help="where the pip install step put STAGE/NAME/target",
    )
    install.add_argument(
        "--filelists", action=_Once, default="_pyconfig/files", help="where to write NAME.files"
    )

    app = command(
        "app",
        "Write NAME.spec for one application and its whole dependency closure in a private "
        "environment: every sdist (and allowed wheel) is downloaded now into the sources "
        "directory and becomes a hash-checked Source; rpmbuild then works offline.",
    )
    app.add_argument(
        "app", metavar="APP", help="a requirement (httpie==3.2.2), an sdist or a project directory"
    )
    app.add_argument(
        "-r",
        "--requirements",
        action=_Once,
        metavar="FILE",
        help="lock file: the whole closure pinned with --hash (pip's --require-hashes)",
    )
    app.add_argument(
        "--runtime",
        action=_Once,
        metavar="NAME",
        help="runtime of the registry (default: the default one)",
    )
    app.add_argument("--name", action=_Once, help="package name (default: the application's name)")
    app.add_argument(
        "--prefix",
        action=_Once,
        default="/usr/lib",
        metavar="DIR",
        help="the environment goes to DIR/NAME/VERSION-RELEASE, DIR/NAME/current links to it "
        "(default: /usr/lib)",
    )
    app.add_argument("--release", action=_Once, default="1", help="Release: (default 1)")
    app.add_argument(
        "--license",
        action=_Once,
        metavar="SPDX",
        help="License: of the whole (default: every bundled distribution's license, AND-ed)",
    )
    app.add_argument(
        "--command",
        action="append",
        default=[],
        dest="commands",
        metavar="CMD",
        help="command linked into %%{_bindir} (repeatable; default: the application's own)",
    )
    app.add_argument(
        "--binary",
        action="append",
        default=[],
        metavar="DIST",
        help="allow a wheel for distribution DIST (repeatable; default: sdists only)",
    )
    app.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="FILE=/etc/PATH",
        help="install FILE as %%config(noreplace) PATH (repeatable)",
    )
    app.add_argument(
        "--sources",
        action=_Once,
        default=".",
        metavar="DIR",
        help="where the Sources go (rpm's %%{_sourcedir}); files with the right hash are "
        "reused (default: .)",
    )
    app.add_argument(
        "-o",
        "--output",
        action=_Once,
        metavar="FILE",
        help="where to write (default: ./NAME.spec; - for stdout)",
    )
    app.add_argument("--force", action="store_true", help="replace an existing FILE")
