"""The subcommands of ``rpm-pyconfig`` and their options: the rest of the one option table.

``_arguments`` builds argparse from ``_options.TOP`` and ``COMMANDS``.  Kept apart from
``_options`` because the spec-parse path (``--foreach --eval``, ``parse_fast``) never reads
them: building a hundred ``Option`` records on every spec parse would be paid for nothing.
Adding an option is one ``Option`` entry here, plus, for a new destination, its annotation
on ``_options.Arguments`` (tests hold the two equal).
"""

from __future__ import annotations

from . import worktree
from ._options import Option

__all__ = ["COMMANDS", "Command"]


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
            "(pyproject.toml), an sdist (PKG-INFO) or a wheel (METADATA), offline.  Every "
            "requirement is evaluated for the selected runtimes of this machine's registry (if "
            "it has any) as the build will: one that cannot be stops it.", (
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
               "%%prep, %%generate_buildrequires, %%build, %%install, %%check (a warning when "
               "this machine's rpm is older)"),
        Option("--force", "flag", "replace an existing FILE"),
        Option("--test", "flag", "%%check also runs the project's tests with pytest for every "
               "runtime (%%pyconfig_test; pytest becomes a build dependency)"),
        Option("--test-requires", "append", "a PEP 508 requirement of the tests besides pytest "
               "and the project's test group, e.g. pretend (repeatable; implies --test)",
               metavar="REQUIREMENT", default=[]),
        Option("--test-extras", "once", "extras whose requirements the tests need, "
               "comma-separated, or none (default: a test, tests or testing extra; implies "
               "--test)", metavar="NAME[,NAME]"),
        Option("--test-call", "append", "one %%pyconfig_test line instead of the bare one: "
               "selection options (--where for per-runtime skips), then -- and the test "
               "command's arguments (repeatable, in order; implies --test; not with --static)",
               metavar="'[OPTIONS] [-- ARGS]'", default=[]),
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
    Command("install", "Install each runtime's wheel into the buildroot, byte-compile it "
            "with that runtime, and write one %files list per runtime (the last step of "
            "%pyconfig_install).", (
        Option("--buildroot", "once", "rpm's %%{buildroot}", required=True),
        Option("--bindir", "once", "where commands go (%%{_bindir})", default="/usr/bin"),
        Option("--wheels", "once", "where %%pyconfig_build put WHEELS/NAME/*.whl",
               default=worktree.WHEELS),
        Option("--stage", "once", "work directory: STAGE/NAME is a runtime's tree as installed",
               default=worktree.STAGE),
        Option("--filelists", "once", "where to write NAME.files", default=worktree.FILES),
        Option("--unversioned", "once", "the runtime whose commands get no suffix (default: the "
               "registry's default); every other runtime without a script_suffix gets -NAME",
               metavar="NAME"),
    ), selection=True),
    Command("backend-requires", "Print, one per line, the rpm dependencies each selected "
            "runtime's build backend adds (PEP 517 get_requires_for_build_wheel), asked with that "
            "runtime on its copy of the sources once its [build-system] requirements are "
            "installed, nothing before (used by %%pyconfig_generate_buildrequires).", (
        Option("--srcdir", "once", "where %%pyconfig_prep copied the sources: DIR/NAME per "
               "runtime", metavar="DIR", default=worktree.SRC),
        Option("--deps-root", "once", "a tree whose site directories come first (a chain's "
               "%%pyconfig_deps_root)", metavar="DIR"),
        Option("--rpm-dbpath", "once", "the build's rpm database (%%{_dbpath}; rpm's default "
               "without it): a runtime that would wait for what it already provides is an "
               "error, as rpm would never run the section again", metavar="DIR"),
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
