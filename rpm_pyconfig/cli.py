"""The ``rpm-pyconfig`` command: the only module that prints or chooses exit codes.

``--foreach --eval`` runs on every spec parse, so this module imports only what that
path needs; every other command imports its modules when it runs.

rpm ignores the exit status of ``%(...)``.  So when a command whose output a spec
reads fails, we also print ``%{error:MESSAGE}`` on stdout: inside the documented
``%{expand:%(rpm-pyconfig ...)}`` form rpm expands it and stops the build with our
message.  On a terminal, or in a build scriptlet (where the exit status stops the build),
the sentinel would only be noise, so it is skipped there.
"""

from __future__ import annotations

import os
import sys

from .errors import PyConfigError, UsageError, close_match

TYPE_CHECKING = False  # not typing's: importing typing costs ~7 ms per spec parse
if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._options import Arguments
    from .registry import Registry
    from .runtime import Runtime
    from .selection import Selection

__all__ = ["main", "run"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def _read_registry(args: Arguments) -> Registry:
    from .registry import load_registry, search_path

    dirs, explicit = search_path(args.confdir, os.environ)
    return load_registry(dirs, explicit=explicit)


def _selection(args: Arguments, major: str | None = None) -> Selection:
    from .selection import Selection

    where = None
    if args.where:
        from .condition import Condition

        where = Condition.parse(args.where)
    return Selection(
        only=args.only,
        exclude=args.exclude,
        where=where,
        major=major or None,
    )


def _selected(args: Arguments, major: str | None = None) -> tuple[Runtime, ...]:
    from .selection import select

    registry = _read_registry(args)
    return select(registry.runtimes, _selection(args, major))


# -- the 2010 interface ------------------------------------------------------------------


def _run_eval(args: Arguments, source: str) -> int:
    from .expression import Expression, escape_rpm

    expression = Expression.parse(source)
    runtimes = _selected(args, args.major)
    if args.major is None:
        from .selection import pick_one

        runtimes = (pick_one(runtimes),)
    escape = None if args.raw else escape_rpm
    sys.stdout.write("".join(expression.evaluate(rt, escape) + "\n" for rt in runtimes))
    return EXIT_OK


def _run_exe(args: Arguments, source: str) -> int:
    from .execution import run_for_each
    from .expression import Expression

    expression = Expression.parse(source)
    runtimes = _selected(args, args.major)
    if args.major is None:
        from .selection import pick_one

        runtimes = (pick_one(runtimes),)
    sys.stdout.flush()
    run_for_each(expression, runtimes)
    return EXIT_OK


# -- registry commands ---------------------------------------------------------------------


def _run_list(args: Arguments) -> int:
    runtimes = _selected(args)
    if args.json:
        import json

        data = [dict(rt.as_dict(), origin=rt.origin) for rt in runtimes]
        print(json.dumps(data, indent=2))
        return EXIT_OK
    rows = [("NAME", "IMPLEMENTATION", "VERSION", "PACKAGE PREFIX", "INTERPRETER", "DEFAULT")]
    rows += [
        (
            rt.name,
            rt.implementation,
            rt.version,
            rt.package_prefix,
            rt.interpreter,
            "yes" if rt.default else "",
        )
        for rt in runtimes
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return EXIT_OK


def _run_show(args: Arguments) -> int:
    from .errors import SelectionError
    from .expression import TOKENS

    registry = _read_registry(args)
    name = args.name
    runtime = registry.default if name is None else registry.get(name)
    if runtime is None:
        assert name is not None  # the default always exists
        close = close_match(name, registry.names)
        hint = f" (did you mean {close!r}?)" if close else ""
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


def _checked_registry(args: Arguments) -> tuple[Registry | None, list[str]]:
    """The registry and the problems ``check`` reports (``compile`` refuses the same)."""
    from .errors import ConfigError

    try:
        registry = _read_registry(args)
    except ConfigError as error:
        return None, [str(problem) for problem in error.problems]
    from .installing import sharing_problems

    missing = [
        f"{rt.origin}: [runtime] interpreter: {rt.interpreter!r} is not an executable file"
        for rt in registry.runtimes
        if not os.access(rt.interpreter, os.X_OK) or os.path.isdir(rt.interpreter)
    ]
    missing += [str(problem) for problem in sharing_problems(registry.runtimes)]
    return registry, missing


def _run_check(args: Arguments) -> int:
    registry, problems = _checked_registry(args)
    for line in problems:
        print(line)
    if problems or registry is None:
        return EXIT_ERROR
    names = ", ".join(rt.name + (" (default)" if rt.default else "") for rt in registry.runtimes)
    print(f"ok: {len(registry.runtimes)} runtimes: {names}")
    return EXIT_OK


def _run_fallback(confdir: Sequence[str] | None = None) -> int:
    """``compile --lua``: the fallback of a spec parse, the registry as the other commands
    read it (the same validation), as Lua for the macros."""
    from ._fallback import output

    sys.stdout.write(output(confdir))
    return EXIT_OK


def _run_compile(args: Arguments) -> int:
    if args.lua:
        return _run_fallback(args.confdir)
    from .registry import DEFAULT_SEARCH_PATH, search_path

    dirs, _explicit = search_path(args.confdir, os.environ)
    from .compiled import (
        DEFAULT_OUTPUT,
        bytecode,
        bytecode_file_data,
        bytecode_path,
        direct_run,
        engine_path,
        fingerprint,
        lua_chunk,
        macros_file,
    )

    prints = fingerprint(dirs)
    output = args.output or DEFAULT_OUTPUT
    if output != "-":
        # the macros name the bytecode files beside it: by a path that holds in any
        # directory rpm parses from (a relative one only in this one)
        output = os.path.abspath(output)
    from ._files import write_atomically

    if output != "-":  # before the drop-ins are read: a compile failing on one leaves it
        _compile_engine(engine_path(output), prints.stats)
    checked, problems = _checked_registry(args)
    if problems or checked is None:
        raise PyConfigError("cannot compile the registry:\n" + "\n".join(problems))
    origin = ":".join(dirs)
    chunk, stamp = lua_chunk(checked, prints, DEFAULT_SEARCH_PATH)
    compiled = None
    if output != "-":
        compiled = bytecode(chunk)
        if compiled is not None:
            side = bytecode_path(output)
            write_atomically(side, bytecode_file_data(compiled[0]), replace=True)
            owner = os.stat(side).st_uid
            text = macros_file(chunk, origin=origin,
                               bytecode_file=(side, compiled[0], compiled[1], stamp, owner),
                               direct=direct_run())
    if compiled is None:
        text = macros_file(chunk, origin=origin, direct=direct_run())
    if output == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(text)
        return EXIT_OK
    write_atomically(output, text, replace=True)
    print(f"wrote {output}: {len(checked.runtimes)} runtimes", file=sys.stderr)
    return EXIT_OK


def _compile_engine(output: str, stats: dict[str, tuple[int, int] | None]) -> None:
    """Write the evaluator's own bytecode and the macros file *output* that loads it
    (``compiled.engine_macros_file``); remove both when rpm cannot make it."""
    import contextlib

    from ._files import write_atomically
    from .compiled import (
        bytecode,
        bytecode_file_data,
        bytecode_path,
        engine_chunk,
        engine_macros_file,
    )

    side = bytecode_path(output)
    compiled = bytecode(engine_chunk()) if stats else None
    text = None
    if compiled is not None:
        write_atomically(side, bytecode_file_data(compiled[0]), replace=True)
        text = engine_macros_file(stats, path=side, data=compiled[0], identity=compiled[1],
                                  owner=os.stat(side).st_uid)
    if text is None:
        for path in (output, side):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        return
    write_atomically(output, text, replace=True)


def _run_probe(args: Arguments) -> int:
    from .dropin import format_conf
    from .probe import probe, probe_all, write_conf

    if args.all == bool(args.interpreters):
        raise UsageError("probe: give either PYTHON... or --all")
    if args.name and len(args.interpreters) != 1:
        raise UsageError("probe: --name needs exactly one PYTHON")
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


def _selection_args(args: Arguments, *, readable: bool = False) -> str:
    """The registry and selection options of this call as shell words, for a command a
    template runs later (``--only=GLOB``, each word quoted; ``pyconfig.lua``'s
    ``selection_args`` mirrors it), or, *readable*, for a packager to read in a spec's
    ``%global pyconfig_select`` (``--where "implementation_name == 'cpython'"``) without
    ``--confdir``: a directory of this machine means nothing where the spec is built."""
    import shlex

    options: list[tuple[str, str]] = (
        [] if readable else [("--confdir", directory) for directory in args.confdir or ()])
    options += [("--only", glob) for glob in args.only]
    options += [("--exclude", glob) for glob in args.exclude]
    if args.where:
        options.append(("--where", args.where))
    if not readable:
        return " ".join(shlex.quote(f"{flag}={value}") for flag, value in options)
    return " ".join(f"{flag} {_double_quoted(value)}" for flag, value in options)


def _double_quoted(value: str) -> str:
    """*value* as one shell word in double quotes when nothing in it is special there,
    else quoted by shlex."""
    import re
    import shlex

    if re.fullmatch(r"[^\"$`\\!\n]*", value):
        return f'"{value}"'
    return shlex.quote(value)


def _run_render(args: Arguments) -> int:
    from .rendering import render

    values: dict[str, object] = {}
    for item in args.values:
        key, sep, value = item.partition("=")
        if not sep or not key.isidentifier():
            raise UsageError(f"--set wants KEY=VALUE with KEY an identifier, got {item!r}")
        values[key] = value
    runtimes = _selected(args)
    values.setdefault("tool", "rpm-pyconfig")
    values.setdefault("selection_args", _selection_args(args))
    sys.stdout.write(render(args.template, runtimes, values))
    return EXIT_OK


def _run_spec(args: Arguments) -> int:
    from .backend import MetadataBackend
    from .specgen import generate_spec

    runtimes: tuple[Runtime, ...] = ()
    passed = ""
    select = ""
    if args.static:
        runtimes = _selected(args)
        passed = _selection_args(args)
    else:
        # A dynamic spec selects on the build machine: %global pyconfig_select carries the
        # selection (never --confdir, a path of this machine).
        select = _selection_args(args, readable=True)

    def interpreter() -> str:
        """The runtime that runs the build backend (asked only when one is needed): the
        registry's default, or the first selected runtime."""
        from .selection import pick_one

        return pick_one(_selected(args)).interpreter

    known: tuple[Runtime, ...] = runtimes
    unchecked = ""
    if not args.static:
        # This machine's runtimes that the selection chooses evaluate every requirement now.
        # A dynamic spec is built where its registry is: none here, or none chosen, leaves
        # that to the build (a broken registry is named); a --where that does not parse is
        # an error, as it would be in the spec.
        from .errors import ConfigError, NoRuntimeError, SelectionError
        from .selection import select as select_runtimes

        selection = _selection(args)
        try:
            known = select_runtimes(_read_registry(args).runtimes, selection)
        except (NoRuntimeError, SelectionError):
            known = ()
        except ConfigError as error:
            known = ()
            unchecked = f"the requirements were not evaluated for this machine's runtimes: {error}"
    spec = generate_spec(
        args.source, static=args.static, declarative=args.declarative, runtimes=runtimes,
        known_runtimes=known,
        selection_args=passed, select=select,
        backend=None if args.no_backend else MetadataBackend(interpreter),
        wanted_extras=args.extras, test=args.test, buildrequires=args.buildrequires,
        # argparse drops a value that is "--" alone (--test-call=--), leaving []: it meant "--"
        test_requires=args.test_requires, test_extras=args.test_extras,
        test_calls=[call if isinstance(call, str) else "--" for call in args.test_call],
    )
    warnings = list(spec.warnings) + ([unchecked] if unchecked else [])
    if args.declarative:
        from .specgen import declarative_problem

        problem = declarative_problem()
        if problem is not None:
            warnings.append(problem)
    path = _emit_spec(spec.text, warnings, args.output or spec.filename, force=args.force)
    if path is not None:
        print(f"wrote {path}", file=sys.stderr)
    return EXIT_OK


def _emit_spec(text: str, warnings: Sequence[str], path: str, *, force: bool) -> str | None:
    """Print the warnings, then write *text* to *path* whole (``-``: stdout, None returned)."""
    from ._files import write_atomically

    for warning in warnings:
        print(f"rpm-pyconfig: warning: {warning}", file=sys.stderr)
    if path == "-":
        sys.stdout.write(text)
        return None
    write_atomically(path, text.encode("utf-8"), replace=force)
    return path


def _run_app(args: Arguments) -> int:
    from .application import generate_app_spec
    from .errors import SelectionError

    registry = _read_registry(args)
    runtime = registry.default if args.runtime is None else registry.get(args.runtime)
    if runtime is None:
        raise SelectionError(
            f"no runtime named {args.runtime!r}; the registry has {', '.join(registry.names)}"
        )
    spec = generate_app_spec(
        args.app,
        runtime,
        sources=args.sources,
        lock=args.lock,
        name=args.name,
        prefix=args.prefix,
        release=args.release,
        commands=args.commands,
        binary=args.binary,
        configs=args.config,
        license=args.license,
    )
    path = _emit_spec(spec.text, spec.warnings, args.output or spec.filename, force=args.force)
    if path is None:
        return EXIT_OK
    print(
        f"wrote {path}: {len(spec.artifacts)} distributions, sources in {args.sources}",
        file=sys.stderr,
    )
    return EXIT_OK


def _run_chain(args: Arguments) -> int:
    from pathlib import Path

    from .backend import MetadataBackend
    from .chain import ChainSettings, build_chain, find_macros, plan, srpms_from_report
    from .resolving import (
        HostDistributions,
        LocalSdists,
        PipSdists,
        Provided,
        SdistSource,
        SdistSources,
        read_requirements,
        resolve,
    )

    registry = _read_registry(args)
    requirements = list(args.requirements)
    for name in args.files:
        requirements += read_requirements(name)
    if not requirements:
        raise UsageError("chain needs a REQUIREMENT, an sdist or -r FILE")
    sources: list[SdistSource] = [LocalSdists(directory) for directory in args.sdists]
    if args.download:
        sources.append(PipSdists(args.download, pip=(sys.executable, "-m", "pip")))
    if not sources:
        raise UsageError("say where sdists come from: --sdists DIR and/or --download CACHE")
    provided = Provided() if args.no_rpmdb else Provided.from_rpmdb()
    for repo in args.repo:
        provided.add_repository(repo)
    host = None if args.no_host else HostDistributions(registry.runtimes)

    def interpreter() -> str:
        """The registry's default runtime, as the chain's spec generation uses: it asks a
        build backend for the requirements an sdist's PKG-INFO cannot vouch for."""
        from .selection import pick_one

        return pick_one(registry.runtimes).interpreter

    closure = resolve(
        requirements, registry.runtimes, SdistSources(sources), provided=provided, host=host,
        constraints=args.constraint, backend=MetadataBackend(interpreter),
    )
    steps = plan(closure)
    print(f"rpm-pyconfig: chain of {len(closure.projects)} projects, {len(steps)} builds, "
          f"for {', '.join(r.name for r in registry.runtimes)}", file=sys.stderr)
    for entry in sorted({f"{r.requirement} [{r.runtime}]: {r.by}" for r in closure.reused}):
        print(f"rpm-pyconfig: reused {entry}", file=sys.stderr)
    srpms = srpms_from_report(Path(args.rebuild_from), closure) if args.rebuild_from else {}
    if args.rebuild_from:
        here = sorted(set(closure.projects) - set(srpms))
        print(f"rpm-pyconfig: rebuilding {len(srpms)} SRPMs of {args.rebuild_from}; "
              f"specs generated here for {len(here)}{': ' if here else ''}{', '.join(here)}",
              file=sys.stderr)
    if args.plan:
        for number, step in enumerate(steps, 1):
            project = closure.projects[step.name]
            how = " (bootstrap, without %check)" if step.bootstrap else ""
            if step.name in srpms:
                how += f" (rebuilt from {srpms[step.name].name})"
            print(f"{number}. {project.name} {project.sdist.version} "
                  f"[{', '.join(sorted(project.runtimes))}]{how}")
        return EXIT_OK
    tool_bin = Path(sys.executable).parent
    settings = ChainSettings(
        directory=Path(args.output or "."),  # chain's --output defaults to ./chain
        confdirs=list(registry.dirs) if args.confdir or
        os.environ.get("RPM_PYCONFIG_PATH") else (),
        macros=find_macros(args.macros),
        tool_bin=tool_bin if (tool_bin / "rpm-pyconfig").exists() else None,
        all_runtimes=[runtime.name for runtime in registry.runtimes],
        srpms=srpms,
    )
    report = build_chain(
        closure, steps, settings,
        progress=lambda message: print(f"rpm-pyconfig: {message}", file=sys.stderr, flush=True),
    )
    sys.stdout.write(report.table())
    return EXIT_OK


def _run_install(args: Arguments) -> int:
    from .installing import install

    runtimes = _selected(args)
    install(
        runtimes,
        wheels=args.wheels,
        stage=args.stage,
        buildroot=args.buildroot,
        filelists=args.filelists,
        bindir=args.bindir,
        unversioned=args.unversioned,
        progress=lambda line: print(f"rpm-pyconfig: {line}", file=sys.stderr),
    )
    return EXIT_OK


def _run_backend_requires(args: Arguments) -> int:
    from . import worktree
    from .backendrequires import backend_requires

    printed: set[str] = set()
    for runtime in _selected(args):
        paths: tuple[str, ...] = ()
        if args.deps_root:
            paths = tuple(dict.fromkeys(args.deps_root + directory
                                        for directory in (runtime.purelib, runtime.platlib)))
        answer = backend_requires(runtime, worktree.srcdir(runtime.name, args.srcdir),
                                  paths=paths, rpm_dbpath=args.rpm_dbpath)
        if answer.waiting:
            print(f"rpm-pyconfig: {runtime.name}: the build backend {answer.backend!r} is asked "
                  f"once these are installed: {', '.join(answer.waiting)}", file=sys.stderr)
            continue
        added = [item for item in answer.dependencies if item not in printed]
        print(f"rpm-pyconfig: {runtime.name}: the build backend {answer.backend!r} adds "
              f"{', '.join(answer.dependencies) or 'nothing'}", file=sys.stderr)
        for dependency in added:
            print(dependency)
        printed.update(added)
    return EXIT_OK


def _run_check_imports(args: Arguments) -> int:
    from .importcheck import check_imports

    said = check_imports(
        args.interpreter, args.modules, buildroot=args.buildroot, paths=args.path,
        exclude=args.exclude_module, name=args.name or "",
    )
    for line in said:
        print(f"rpm-pyconfig: {line}", file=sys.stderr)
    return EXIT_OK


_COMMANDS = {
    "list": _run_list,
    "show": _run_show,
    "check": _run_check,
    "compile": _run_compile,
    "probe": _run_probe,
    "render": _run_render,
    "install": _run_install,
    "check-imports": _run_check_imports,
    "backend-requires": _run_backend_requires,
    "spec": _run_spec,
    "app": _run_app,
    "chain": _run_chain,
}

# Commands whose stdout a spec reads through %{expand:%(...)}: on failure they also print
# %{error:...} there, because rpm ignores exit statuses.
_SPEC_FACING = frozenset({None, "render"})


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run the command line *argv* (default ``sys.argv[1:]``) and return the exit status."""
    args = None
    try:
        words = sys.argv[1:] if argv is None else list(argv)
        if words == ["compile", "--lua"]:  # the fallback of a spec parse: nothing to parse
            return _run_fallback()  # failing, it is spec-facing (args None), as it must
        from ._options import Arguments, parse_fast

        args = parse_fast(words)
        if args is None:
            from ._arguments import build_parser

            parser = build_parser(prog)
            try:
                args = Arguments(vars(parser.parse_args(words)))
            except SystemExit as done:  # --help, --version: printed; usage errors raise
                return done.code if isinstance(done.code, int) else EXIT_OK
        if args.command is not None:
            return _COMMANDS[args.command](args)
        if args.eval is not None:
            return _run_eval(args, args.eval)
        if args.exe is not None:
            return _run_exe(args, args.exe)
        if args.major is not None:
            raise UsageError("--foreach needs --eval EXPR or --exe CMD")
        from ._arguments import build_parser

        build_parser(prog).print_help()
        return EXIT_USAGE
    except (Exception, KeyboardInterrupt) as error:
        return failed(error, args)


def failed(error: Exception | KeyboardInterrupt, args: Arguments | None = None) -> int:
    """The message and exit status of *error*, raised by a command (*args*: its arguments,
    None for the fallback of a spec parse, which is spec-facing): the one place that
    turns an exception into the tool's words (``_fallback`` comes here too)."""
    if isinstance(error, UsageError):
        return _fail(f"usage error: {error}", args, error.exit_status)
    if isinstance(error, PyConfigError):
        return _fail(str(error), args, error.exit_status)
    if isinstance(error, KeyboardInterrupt):
        return _fail("interrupted", args, 130)
    if isinstance(error, BrokenPipeError):
        return EXIT_ERROR
    # a bug: still stop the rpm build, with the traceback
    import traceback

    traceback.print_exception(type(error), error, error.__traceback__)
    return _fail(f"internal error: {type(error).__name__}: {error}", args, EXIT_ERROR)


def run() -> None:
    """The console script: ``main()``, then exit without tearing the interpreter down.

    Every spec parse runs this; unloading dozens of modules at exit costs ~1 ms of the
    ~15 ms a call takes, and we hold no resources that need finalizing.  Output is
    flushed first, so nothing written is lost.
    """
    status = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError, OSError):
        status = status or EXIT_ERROR
    os._exit(status)


def _fail(message: str, args: Arguments | None, status: int) -> int:
    print(f"rpm-pyconfig: {message}", file=sys.stderr)
    command = args.command if args is not None else None
    # Inside a build scriptlet (rpm exports RPM_BUILD_ROOT there, never while parsing) the
    # exit status stops the build and stdout is only the build log: no sentinel there.
    in_scriptlet = "RPM_BUILD_ROOT" in os.environ
    spec_facing = command in _SPEC_FACING or (args is not None and args.lua)
    if spec_facing and not in_scriptlet and not _stdout_is_terminal():
        sys.stdout.write(stop_lines(f"rpm-pyconfig: {message}"))
        sys.stdout.flush()
    return status


def _stdout_is_terminal() -> bool:
    try:
        return os.isatty(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):
        return False


def stop_lines(message: str) -> str:
    """What a failing command prints on stdout so that rpm stops in both spec forms.

    ``%{expand:%(rpm-pyconfig ...)}`` expands the ``%{error:...}`` line and stops with
    *message*.  A plain ``%(rpm-pyconfig ...)`` inserts the text as it is; a line
    ``%if rpm-pyconfig failed: ...`` is then a fatal parse error in every section (rpm
    names the line, with the message's first line); a ``%{error:...}`` line alone would
    stop only the preamble.  The guard comes first (output that starts a line) and last
    (output inserted after text on the same line), its ``%`` doubled so that
    ``%{expand:}`` cannot run anything from the message.
    """
    first = (message.splitlines() or [""])[0].removeprefix("rpm-pyconfig: ")
    first = "".join(char if char.isprintable() else " " for char in first)
    guard = "%if rpm-pyconfig failed: " + first.replace("%", "%%")
    return f"{guard}\n{rpm_error(message)}\n{guard}\n"


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
