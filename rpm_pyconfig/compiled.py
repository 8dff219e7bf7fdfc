"""The compiled registry: the runtimes as Lua data, evaluated by rpm while it parses a spec.

``rpm-pyconfig compile`` writes an rpm macros file defining ``%_pyconfig_compiled``: a Lua
chunk made of the parse-time evaluator (``pyconfig.lua``, and ``pyconfig_stanzas.lua``,
generated from the shipped templates by ``stanzas.py``), the registry (every runtime's
@-token values, ``--where`` variables and attributes) and a fingerprint of what it was
compiled from: the search path, the ``*.conf`` names of every directory, the bytes of every
drop-in and the engine's own files (``engine_files()``: an upgraded tool makes it stale).
Its stamp is a hash of all that: the same files give the same bytes.  In the bytecode form,
the parts of the evaluator a spec may never use (half of it: versions, conditions, markers
and requirements; the dbpath option, @-expressions, globs, %pyconfig_foreach and _test, the
macros' helpers that load a registry that is not current, the buildrequires and test
templates) are chunks of their own loaded on first use
(``_split_lazy()``), and none of the Jinja operations nothing calls (``_shaken()``): what a
parse decodes and compiles is what it costs.  The chunk ends with its own check that it is
current; then the parse needs no other Lua than the bytecode file's short loader.
The bytecode file is checked before any of it is loaded (``macros_file()``): its owner,
its first line (the digest and length of the bytes), and the Lua that wrote it.
``macros.pyconfig`` loads it and, when the fingerprint does not match the files (or
``RPM_PYCONFIG_PATH`` names other directories), runs ``rpm-pyconfig compile --lua`` once
instead (``_fallback``), which prints only the registry and has rpm load the evaluator from
this package's files (or keep the stale registry's, when its Lua files are unchanged, or the
one ``engine_macros_file()`` loaded, which compile writes before it reads the drop-ins, for
a parse without a compiled registry).  The macros file
also names the interpreter and package directory that wrote it (``direct_run()``): that
one call runs them directly, ``-I -S``, without the console script's ``site``.

This module is on the fallback path of spec parses: no jinja2, argparse, typing or os (the
functions that need os import it themselves; the fallback reaches one only for a package
that is not plain files at a normal absolute path).
"""

from __future__ import annotations

import sys

from ._values import TOKENS, variable_kinds, variable_values
from .errors import PyConfigError

TYPE_CHECKING = False  # not typing's: importing typing costs ~7 ms per spec parse
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from .registry import Registry
    from .runtime import Runtime

__all__ = [
    "DEFAULT_OUTPUT", "ENGINE_MACRO", "MACRO", "Fingerprint", "bytecode",
    "bytecode_file_data", "bytecode_path", "direct_macros", "direct_run", "engine_chunk",
    "engine_files", "engine_macros_file", "engine_path", "fallback_chunk", "fingerprint",
    "lua_chunk", "macros_file",
]

#: Where ``rpm-pyconfig compile`` writes by default: rpm loads every macros.d/macros.* file.
DEFAULT_OUTPUT = "/usr/lib/rpm/macros.d/macros.pyconfig-registry"
#: The macro whose expansion runs the chunk.
MACRO = "_pyconfig_compiled"
_SUFFIX = ".conf"
#: The engine's files, beside this module (see engine_files()).
_ENGINE = ("pyconfig.lua", "pyconfig_stanzas.lua", "__init__.py")
#: Characters of Lua string literal per macro: rpm reads a definition into 16 kB.
_PIECE = 12000


class Fingerprint:
    """What a registry was read from: directories, their drop-in names, the files' bytes,
    and the engine's files."""

    __slots__ = ("contents", "dirs", "listings", "stats")

    def __init__(self, dirs: Sequence[str], listings: list[list[str] | None],
                 contents: dict[str, bytes | None],
                 stats: dict[str, tuple[int, int] | None] | None = None) -> None:
        #: The search path, in order.
        self.dirs = tuple(dirs)
        #: For each directory, its ``*.conf`` names (sorted), or None when it cannot be listed.
        self.listings = listings
        #: Every listed path and its bytes (None: unreadable; the registry then fails).
        self.contents = contents
        #: Size and mtime (whole seconds) of files compared by those only (see engine_files()).
        self.stats = stats or {}


def fingerprint(dirs: Sequence[str]) -> Fingerprint:
    """Take the fingerprint of *dirs* and of the engine (``engine_files()``); do it before
    reading the registry, so that a file changed in between makes the result stale rather
    than wrong.  Files are read as the registry reads them: only regular files (and
    /dev/null, a mask), opened without blocking, so a FIFO never hangs a spec parse."""
    import os

    from .registry import _read_bytes

    listings: list[list[str] | None] = []
    contents: dict[str, bytes | None] = {}
    for directory in dirs:
        try:
            names = sorted(
                name for name in os.listdir(directory)
                if name.endswith(_SUFFIX) and not name.startswith(".")
            )
        except OSError:
            listings.append(None)
            continue
        listings.append(names)
        for name in names:
            contents[os.path.join(directory, name)] = _read_or_none(_read_bytes, name, directory)
    stats: dict[str, tuple[int, int] | None] = {}
    for path in engine_files():
        if path.endswith(".lua"):
            try:
                info = os.stat(path)
                stats[path] = (info.st_size, int(info.st_mtime))
            except OSError:
                stats[path] = None
        else:
            contents[path] = _read_or_none(_read_bytes, os.path.basename(path),
                                           os.path.dirname(path))
    return Fingerprint(dirs, listings, contents, stats)


def _engine_names(paths: Iterable[str]) -> str:
    """The evaluator's Lua files as ``pyconfig.engine_current`` names them once checked
    unchanged: sorted, one a line.  The compiled registry, the evaluator's own bytecode and
    ``compile --lua`` must agree on it, or a fallback compiles the evaluator again."""
    return "\n".join(sorted(paths))


def _read_or_none(read: Callable[[str], bytes], name: str, directory: str) -> bytes | None:
    import os

    try:
        return read(os.path.join(directory, name))
    except OSError:
        return None


def engine_files() -> list[str]:
    """The engine's files: its Lua (the evaluator, the generated stanzas), then
    ``__init__.py`` (the package version).  A compiled registry records the bytes of
    ``__init__.py`` and the size and mtime of the Lua files (their 60 kB compared on every
    parse would cost more than the rest of the check), so an upgraded or edited tool
    makes it stale.  Empty when the package is not plain files (a zip): then only the
    drop-ins count."""
    origin = __spec__.origin
    if origin is None:
        return []
    parts = origin.split("/")
    if origin.startswith("/") and "" not in parts[1:] and not {".", ".."}.intersection(parts):
        # already absolute and normal, as from an absolute sys.path entry: the same answer
        # without os, which the fallback of a spec parse does not import
        import posix
        import stat

        try:
            regular = stat.S_ISREG(posix.stat(origin).st_mode)
        except OSError:
            regular = False
        folder = origin.rpartition("/")[0]
    else:
        import os

        regular = os.path.isfile(origin)
        folder = os.path.dirname(os.path.abspath(origin))
    if not regular:
        return []
    return [f"{folder.rstrip('/')}/{name}" for name in _ENGINE]


#: Characters a path may have to be written into a macros file as is (no %, no space).
_PLAIN_PATH = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+@,=")


def direct_run(executable: str | None = None) -> tuple[str, str] | None:
    """The interpreter and the directory holding this package, which the fallback of a
    spec parse runs directly (``-I -S``, that directory first on ``sys.path``) instead of
    the console script, whose start with ``site`` costs more than the work.  None when
    the package is not plain files or a path is not plain enough for a macros file."""
    import os

    files = engine_files()
    python = executable if executable is not None else sys.executable
    if not files or not python or not os.path.isabs(python):
        return None
    sitedir = os.path.dirname(os.path.dirname(files[0]))
    if not _PLAIN_PATH.issuperset(python) or not _PLAIN_PATH.issuperset(sitedir):
        return None
    return python, sitedir


def direct_macros(direct: tuple[str, str]) -> str:
    """The macro lines naming *direct* (``direct_run()``): in the compiled registry's
    macros file, and alone in ``macros.pyconfig-python``, which an installation writes
    (specs/rpm-pyconfig.spec, scripts/setup.sh) so that a parse without a compiled
    registry runs them directly too.  The macros check both paths before using them."""
    return f"%_pyconfig_python {direct[0]}\n%_pyconfig_sitedir {direct[1]}\n"


#: What a Lua string literal holds as is: printable ASCII but a backslash, quote or brace.
_PLAIN = frozenset(map(chr, range(32, 127))) - frozenset('\\"{}')


def _lua(value: str | bytes) -> str:
    """A Lua string literal in ASCII, without braces (rpm counts them in ``%{lua:}``)."""
    if isinstance(value, str):
        if _PLAIN.issuperset(value):
            return f'"{value}"'  # the common case, at a fraction of the cost
        data = value.encode("utf-8")
    else:
        data = value
    out = ['"']
    for byte in data:
        if 32 <= byte < 127 and byte not in b'\\"{}':
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03d}")
    out.append('"')
    return "".join(out)


def _engine() -> str:
    """pyconfig.lua and the generated pyconfig_stanzas.lua, through the package's loader
    (works from a wheel, a zip or a tree; importlib.resources would cost 15 ms on the
    fallback path of a spec parse)."""
    import os

    origin, loader = __spec__.origin, __spec__.loader
    get_data = getattr(loader, "get_data", None)
    if origin is None or get_data is None:
        raise PyConfigError("cannot find pyconfig.lua beside rpm_pyconfig/compiled.py")
    folder = os.path.dirname(origin)
    data: bytes = get_data(os.path.join(folder, "pyconfig.lua"))
    stanzas: bytes = get_data(os.path.join(folder, "pyconfig_stanzas.lua"))
    return _lazy_templates(data.decode("utf-8"), stanzas.decode("utf-8"))


#: The shipped templates many specs never use (%pyconfig_buildrequires and _generate_-
#: buildrequires, %pyconfig_test): in the bytecode form, lazy groups of their own
#: (``_split_lazy()``), whose functions ``P.render`` finds as ``P.lazy_template_NAME``.
_LAZY_TEMPLATES = ("buildrequires", "test")


def _lazy_templates(evaluator: str, stanzas: str) -> str:
    """*evaluator* (pyconfig.lua) and *stanzas* (pyconfig_stanzas.lua) with each template
    of ``_LAZY_TEMPLATES`` a lazy group defining ``P.lazy_template_NAME`` instead of
    ``T["NAME"]``, holding too the Jinja operations (``function J.NAME``) that only it
    calls: the bytecode of a template a spec does not use is then copied, not decoded, on
    every parse."""
    import re

    operation = re.compile(r"^function J\.(\w+)\([^\n]*\n(?:[ \t][^\n]*\n|\n)*?end\n", re.M)
    for name in _LAZY_TEMPLATES:
        group = f"lazy_template_{name}"
        match = re.search(rf'^T\["{name}"\] = function(\(.*?\))\n(.*?\n)end\n', stanzas,
                          re.M | re.S)
        if match is None:
            raise PyConfigError(f"pyconfig_stanzas.lua has no template {name!r}")
        rest = evaluator + stanzas[:match.start()] + stanzas[match.end():]
        own = [found for found in operation.finditer(evaluator)
               if re.search(rf"\bJ\.{found[1]}\b", match[2])
               and len(re.findall(rf"\bJ\.{found[1]}\b", rest)) == 1]
        for found in reversed(own):
            evaluator = evaluator[:found.start()] + evaluator[found.end():]
        stanzas = (f"{stanzas[:match.start()]}{_GROUP_BEGIN}{group}\n"
                   + "".join(found[0] for found in own)
                   + f"function P.{group}{match[1]}\n{match[2]}end\n{_GROUP_END}{group}\n"
                   f"{stanzas[match.end():]}")
    return evaluator + stanzas


#: What templates read of a runtime besides its fields (rendering passes Runtime objects).
_PROPERTIES = ("major_version", "minor_version", "micro_version", "short_version",
               "version_nodots", "platform_python_implementation", "srcdir",
               "provides_prefix", "versioned_provides_prefix")


def _attributes(runtime: Runtime, only: Sequence[str] | None = None) -> str:
    """The runtime's attributes as Lua table fields, for the generated stanzas (*only*:
    those, the ones they read: every field costs its share of each parse's load)."""
    fields = []
    for name in (*type(runtime).__slots__, *_PROPERTIES):
        if only is not None and name not in only:
            continue
        value = getattr(runtime, name)
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int):
            text = str(value)
        else:
            text = _lua(value)
        fields.append(f"[{_lua(name)}] = {text}")
    return ", ".join(fields)


def _filtered_attributes(engine: str) -> tuple[list[str], list[str], list[str]]:
    """The runtime attributes the generated stanzas print through ``sh`` and ``literal``
    (``J.sh_attr(v_rt, "name")``, ``J.literal_attr(...)``, see stanzas.py), and every one
    they or the evaluator read (those and ``J.attr(rt, "name")``, the only reader of a
    runtime's ``a``: the names are literal wherever it is called)."""
    import re

    call = r'\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*?, "(\w+)"\)'  # (object, "name")
    found = {kind: sorted(set(re.findall(rf"J\.{kind}{call}", engine)))
             for kind in ("sh_attr", "literal_attr", "attr")}
    read = sorted({*found["sh_attr"], *found["literal_attr"], *found["attr"]})
    return found["sh_attr"], found["literal_attr"], read


def _filtered(runtime: Runtime, names: Sequence[str], spec: Callable[[str], str]) -> str:
    """Lua fields: the text attributes *names* of *runtime* as *spec* (a filter of
    spectext) makes them; those it refuses are left to the evaluator, which then asks
    the tool as before."""
    from .errors import MetadataError

    fields = []
    for name in names:
        value = getattr(runtime, name, None)
        if not isinstance(value, str):
            continue
        try:
            text = spec(value)
        except MetadataError:
            continue
        fields.append(f"[{_lua(name)}] = {_lua(str(text))}")
    return ", ".join(fields)


def _registry_data(registry: Registry,
                   filtered: tuple[list[str], list[str], list[str]] | None = None) -> str:
    """``pyconfig.registry``: what the evaluator reads (tokens, ``--where`` kinds, runtimes),
    with *filtered* (``_filtered_attributes()``) those attributes as spec text."""
    lines = ["pyconfig.registry = {", " tokens = {"]
    lines += [f"  [{_lua(name)}] = true," for name in sorted(TOKENS)]
    lines.append(" },")
    lines.append(" where_kinds = {")
    lines += [f"  [{_lua(name)}] = {_lua(kind)}," for name, kind in variable_kinds().items()]
    lines.append(" },")
    lines.append(" runtimes = {")
    for runtime in registry.runtimes:
        tokens = ", ".join(
            f"[{_lua(name)}] = {_lua(getter(runtime))}" for name, (getter, _doc) in TOKENS.items()
        )
        values = ", ".join(f"[{_lua(name)}] = {_lua(value)}" for name, value in
                           variable_values(runtime).items())
        lines.append(f"  {{t = {{{tokens}}},")
        lines.append(f"   v = {{{values}}},")
        if filtered is not None:
            from . import spectext

            lines.append(f"   q = {{{_filtered(runtime, filtered[0], spectext.shell)}}},")
            lines.append(f"   l = {{{_filtered(runtime, filtered[1], spectext.line)}}},")
        only = None if filtered is None else filtered[2]
        lines.append(f"   a = {{{_attributes(runtime, only)}}}}},")
    lines.append(" },")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _fingerprint_data(prints: Fingerprint, default_path: Sequence[str]) -> str:
    """What ``P.current()`` compares with the files as they are."""
    r = "pyconfig.registry"
    lines = [f"{r}.default_path = {{" + ", ".join(_lua(d) for d in default_path) + "}",
             f"{r}.dirs = {{"]
    for directory, names in zip(prints.dirs, prints.listings):
        listed = "false" if names is None else "{" + ", ".join(_lua(n) for n in names) + "}"
        lines.append(f"  {{path = {_lua(directory)}, names = {listed}}},")
    lines.append("}")
    # what P.current() names them by when they are as recorded (fallback_chunk()'s order)
    lines.append(f"{r}.engine_current = {_lua(_engine_names(prints.stats))}")
    lines.append(f"{r}.stats = {{")
    for path, stat in sorted(prints.stats.items()):
        recorded = "false" if stat is None else f"{{size = {stat[0]}, mtime = {stat[1]}}}"
        lines.append(f"  [{_lua(path)}] = {recorded},")
    lines.append("}")
    lines.append(f"{r}.files = {{")
    for path, data in sorted(prints.contents.items()):
        lines.append(f"  [{_lua(path)}] = {'false' if data is None else _lua(data)},")
    lines.append("}")
    return "\n".join(lines) + "\n"


#: The lines around the part of pyconfig.lua that the bytecode form loads on first use (the
#: group "versions"), and around the other groups loaded so (``--@lazy-group NAME`` ...
#: ``--@lazy-group-end NAME``).
_LAZY_BEGIN, _LAZY_END = "--@lazy-begin", "--@lazy-end"
_GROUP_BEGIN, _GROUP_END = "--@lazy-group ", "--@lazy-group-end "
#: The group of the part between _LAZY_BEGIN and _LAZY_END.
_VERSIONS = "versions"


def _shaken(source: str) -> str:
    """*source* (the engine, indented) without the Jinja operations (``function J.NAME``,
    top level) that nothing in it calls, nor the top-level local functions that nothing
    names any more: stanzas.py can translate more of Jinja than the shipped templates
    use, and every function of the main chunk costs each parse its decoding and its
    share of ``lua_close``.  The fallback, which loads the files themselves, has them
    all; a template that called one would be in *source*."""
    import re

    block = re.compile(r"^(function J\.|local function )(\w+)\([^\n]*\n"
                       r"(?:[ \t][^\n]*\n|\n)*?end\n", re.M)
    while True:
        unused = [match for match in block.finditer(source) if len(re.findall(
            rf"\bJ\.{match[2]}\b" if match[1] == "function J." else rf"(?<![\w.:]){match[2]}\b",
            source)) == 1]
        if not unused:
            return source
        for match in reversed(unused):
            source = source[:match.start()] + source[match.end():]


def _minified(source: str) -> str:
    """*source* without comment lines (but the lazy parts' markers), blank lines and
    indentation: rpm compiles the chunk on every parse, and its time goes with its size
    (pyconfig.lua has no long strings)."""
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line and (
        not line.startswith("--") or line.startswith("--@lazy"))) + "\n"


#: Where a lazy part's bytecode goes in the main chunk (a Lua string literal, made by
#: rpm's Lua in bytecode()); {name}: the group's.
_LAZY_PLACEHOLDER = "@PYCONFIG_LAZY_{name}@"


def _marker(line: str) -> tuple[str, bool] | None:
    """(group, whether it begins) of a lazy part's marker line, else None."""
    if line == _LAZY_BEGIN:
        return _VERSIONS, True
    if line == _LAZY_END:
        return _VERSIONS, False
    for prefix, begins in ((_GROUP_BEGIN, True), (_GROUP_END, False)):
        if line.startswith(prefix) and line[len(prefix):].isidentifier():
            return line[len(prefix):], begins
    return None


def _split_lazy(chunk: str) -> tuple[str, dict[str, str]] | None:
    """*chunk* (minified) as a main chunk and the lazy parts of pyconfig.lua, each between
    its markers: the versions, conditions, markers and requirements (half of the
    evaluator, which a spec without ``--where`` or requirements never runs), and the
    smaller groups a spec may never use (the dbpath option, @-expressions, globs,
    %pyconfig_test, %pyconfig_foreach).  Loading bytecode costs rpm by its size on every
    parse, so the main chunk carries each part as a string (a copy, not a decoding) and
    loads it when a ``P`` field it defines is first read (one ``__index`` metamethod on
    ``P``: no stub function per field to decode); each part receives, as values, the
    top-level locals above it that it names.  None without well-formed markers."""
    import re

    # the groups in order: their names, their region of *chunk*, and the top-level
    # locals declared outside any group above them (from the source: top-level lines
    # are the unindented ones)
    scopes: list[list[str]] = []
    seen: list[str] = []
    inside = None
    for line in _engine().splitlines():
        marker = _marker(line)
        if marker is not None:
            name, begins = marker
            if begins == (inside is not None) or (not begins and name != inside):
                return None
            if begins:
                scopes.append(list(seen))
            inside = name if begins else None
            continue
        match = re.match(r"local function (\w+)\(", line) or re.match(r"local ([\w, ]+?) =", line)
        if match and inside is None:
            seen += [name.strip() for name in match.group(1).split(",")
                     if name.strip() not in seen]
    lines = chunk.split("\n")
    main: list[str] = []
    groups: list[tuple[str, list[str]]] = []
    region: list[str] | None = None
    for line in lines:
        marker = _marker(line)
        if marker is None:
            (main if region is None else region).append(line)
        elif marker[1]:
            region = []
            groups.append((marker[0], region))
            main.append(f"\0{len(groups) - 1}")  # where its locals are passed
        else:
            region = None
    names = [name for name, _ in groups]
    if region is not None or len(groups) != len(scopes) or len(set(names)) != len(names):
        return None
    if not groups:
        return None
    parts: dict[str, str] = {}
    keys: list[tuple[str, str]] = []
    for (name, body), scope in zip(groups, scopes):
        text = "\n".join(body)
        functions = set(re.findall(r"^local function (\w+)\(", text, re.M))
        defined = sorted(set(re.findall(r"^function P\.(\w+)\(", text, re.M)) | {
            key for key, value in re.findall(r"^P\.(\w+) = (\w+)$", text, re.M)
            if value in functions})
        keys += [(key, name) for key in defined]
        # only the locals it names (a word not after . or :), so fewer values to pass
        used = [local for local in scope
                if re.search(rf"(?<![\w.:]){local}\b", text)]
        parts[name] = (f"local {', '.join(used)} = ...\n" if used else "") + text + "\n"
        index = main.index(f"\0{names.index(name)}")
        main[index] = f"lazy_args.{name} = {{n = {len(used)}, {', '.join(used)}}}"
    lookup = ", ".join(f"{key} = {_lua(name)}" for key, name in keys)
    code = ", ".join(f"{name} = {_LAZY_PLACEHOLDER.format(name=name)}" for name in names)
    stub = [
        # a P field of a part not loaded yet: load the part (which defines all of its
        # fields), then read the field again; any other missing field is nil
        f"local lazy_key, lazy_args, lazy_code = {{{lookup}}}, {{}}, {{{code}}}",
        "setmetatable(P, {__index = function(t, key)",
        "local name = lazy_key[key]",
        "if name then",
        "for k, g in pairs(lazy_key) do if g == name then lazy_key[k] = nil end end",
        "local args = lazy_args[name]",
        "assert(load(lazy_code[name], \"=rpm-pyconfig evaluator (\" .. name .. \")\", \"b\"))"
        "(table.unpack(args, 1, args.n))",
        "lazy_code[name] = nil",
        "return rawget(t, key)",
        "end",
        "end})",
    ]
    first = next(i for i, line in enumerate(main)
                 if line.startswith(f"lazy_args.{names[0]} = "))
    main[first:first] = stub
    return "\n".join(main), parts


def lua_chunk(registry: Registry, prints: Fingerprint,
              default_path: Sequence[str]) -> tuple[str, str]:
    """The Lua chunk of a compiled registry and its stamp.

    The chunk is the evaluator, ``pyconfig.registry`` and the fingerprint of what it was
    compiled from (drop-ins and engine files), then the stamp: a hash of all that, which
    the macros file checks so that it never runs a bytecode file written for another
    chunk.  The same files give the same bytes.

    The chunk ends with the check that it is current (the stamp it is called with, when
    any: the bytecode file's loader passes the one it was written with; the API the macros
    need, ``%_pyconfig_api``; ``P.current()``);
    when it is, it redefines ``%_pyconfig_lua_init`` and ``%_pyconfig_lua_load`` empty:
    the parse then compiles no other ``%{lua:}`` body to get there.  Otherwise the
    registry stays, marked stale (``P.stale``: ``P.load`` need not check it again), for
    ``%_pyconfig_lua_load`` to replace with the tool's answer, or is dropped (another
    chunk's stamp).
    """
    import hashlib

    engine = _engine()
    body = (_minified(_shaken(engine)) + _registry_data(registry, _filtered_attributes(engine))
            + _fingerprint_data(prints, default_path))
    stamp = hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]
    # current: the evaluator the macros need (%_pyconfig_api of macros.pyconfig, which a
    # checkout's may change) and the files it was compiled from
    ready = ("elseif tostring(pyconfig.API) == rpm.expand(\"%\\123?_pyconfig_api\\125\") "
             "and pyconfig.current() then\npyconfig.stale = false\n"
             + "".join(f'rpm.define("{name} %\\123nil\\125")\n' for name in _DONE)
             + "else\npyconfig.stale = true\n")
    return (body + f"pyconfig.registry.stamp = {_lua(stamp)}\n"
            f"if (... or {_lua(stamp)}) ~= {_lua(stamp)} then\npyconfig.registry = nil\n"
            f"{ready}end\n"), stamp


#: The macros a current compiled registry redefines empty: nothing more to do for the parse.
_DONE = ("_pyconfig_lua_load", "_pyconfig_lua_init")


_COMPACT = """\
pyconfig.registry = {{tokens = {{}}, where_kinds = {{{kinds}}}, runtimes = {{}}}}
do
local R = pyconfig.registry
for _, name in ipairs({{{tokens}}}) do R.tokens[name] = true end
local T, V, A = {{{tokens}}}, {{{variables}}}, {{{attributes}}}
local function add(t, v, a)
local r = {{t = {{}}, v = {{}}, a = {{}}}}
for i = 1, #T do r.t[T[i]] = t[i] end
for i = 1, #V do r.v[V[i]] = v[i] end
for i = 1, #A do r.a[A[i]] = a[i] end
R.runtimes[#R.runtimes + 1] = r
end
"""


class _Literals(dict[str, str]):
    """Lua literals of strings, each escaped once (a registry repeats most values)."""

    def __missing__(self, value: str) -> str:
        text = self[value] = _lua(value)
        return text


def _registry_compact(registry: Registry) -> str:
    """``pyconfig.registry`` with the same tables as ``_registry_data()`` in about half
    the text: every key once, then each runtime's values in that order, each distinct
    string escaped once.  It is the fallback's: rpm compiles it on every parse that
    falls back, and writing it was most of the fallback's own work with 100 runtimes."""
    from .runtime import Runtime

    literals = _Literals()
    text = literals.__getitem__
    getters = [getter for getter, _doc in TOKENS.values()]
    kinds = variable_kinds()
    attributes = (*Runtime.__slots__, *_PROPERTIES)
    lines = [_COMPACT.format(
        kinds=", ".join(f"[{_lua(name)}] = {_lua(kind)}" for name, kind in kinds.items()),
        tokens=", ".join(map(_lua, TOKENS)),
        variables=", ".join(map(_lua, kinds)),
        attributes=", ".join(map(_lua, attributes)),
    )]
    for runtime in registry.runtimes:
        fields = [getattr(runtime, name) for name in attributes]
        lines.append(
            "add({" + ", ".join([text(get(runtime)) for get in getters])
            + "}, {" + ", ".join(map(text, variable_values(runtime).values()))
            + "}, {" + ", ".join([
                ("true" if value else "false") if value is True or value is False
                else str(value) if type(value) is int else text(value)
                for value in fields])
            + "})\n")
    lines.append("end\n")
    return "".join(lines)


def fallback_chunk(registry: Registry) -> str:
    """What ``compile --lua`` prints for the one call of a spec parse without a current
    compiled registry: the evaluator, loaded by rpm from this package's own files (no
    40 kB through a pipe, no minifying), and ``pyconfig.registry`` without a fingerprint
    (nobody checks it: it lives for that parse only)."""
    files = engine_files()
    if files:
        loads = " ".join(f"assert(loadfile({_lua(path)}))()" for path in files[:2])
        # a stale compiled registry's evaluator is already loaded: the same files, unchanged
        # (P.current() checked them), need no second compile of their 60 kB
        same = _lua(_engine_names(files[:2]))
        engine = (f"pyconfig = pyconfig or {{}}\n"
                  f"if pyconfig.engine_current ~= {same} then {loads} end\n")
    else:  # not plain files (a zip): the source travels through the pipe
        engine = _minified(_engine())
    return engine + _registry_compact(registry)


def bytecode_path(output: str) -> str:
    """Where the bytecode of the macros file *output* goes: beside it, but never named
    ``macros.*`` (rpm reads every macros.d/macros.* file as macros)."""
    import os

    directory, name = os.path.split(output)
    if name.startswith("macros."):
        return os.path.join(directory, name[len("macros."):] + ".luac")
    return output + ".luac"


#: Bytes written as ``\\ddd`` in the pieces: what ends a Lua string or line, and what rpm's
#: macros-file reader counts or escapes (braces, parentheses after %, %, backslash).
_ESCAPED = frozenset(b'\x00\n\r"\\{}%()')


def _pieces(data: bytes) -> list[str]:
    """*data* as Lua string literal contents of at most ``_PIECE`` characters each."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for byte in data:
        token = f"\\{byte:03d}" if byte in _ESCAPED else chr(byte)
        if size + len(token) > _PIECE:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(token)
        size += len(token)
    pieces.append("".join(current))
    return pieces


#: The first line of a bytecode file: the digest and length of the bytecode after it, which
#: the macros file records and compares before rpm's Lua loads a byte of it (``#``: a
#: comment line to Lua's own loadfile(), which the tests use to read the file whole).
_HEADER = "#rpm-pyconfig bytecode {digest} {size:010d}\n"


def _header(data: bytes) -> bytes:
    """The fixed-length first line of the bytecode file of *data* (``_HEADER``)."""
    import hashlib

    digest = hashlib.sha256(data).hexdigest()[:32]
    return _HEADER.format(digest=digest, size=len(data)).encode("ascii")


def _bytes_literal(data: bytes) -> str:
    """*data* as a Lua string literal of letters, digits and ``\\ddd`` only: nothing rpm's
    macro reader or ``%{lua:}`` could take for its own."""
    return '"' + "".join(chr(byte) if chr(byte).isalnum() and byte < 128 else f"\\{byte:03d}"
                         for byte in data) + '"'


def bytecode_file_data(data: bytes) -> bytes:
    """What the bytecode file of *data* holds: its header line, then *data*."""
    return _header(data) + data


def bytecode(chunk: str, *, rpm: str = "rpm") -> tuple[bytes, bytes] | None:
    """*chunk* compiled by rpm's own Lua (``string.dump``), and that Lua's identity.

    Loading bytecode takes a tenth of the time of compiling the source on every parse.
    The identity is the header of ``string.dump`` (the bytes both dumps share with one of
    an empty function: Lua's version, format, the sizes of its types and its byte order),
    which the macros file compares with the file's before loading it (and load() with the
    running Lua's).
    None when rpm cannot do it; the source then serves.
    """
    import os
    import subprocess
    import tempfile

    split = _split_lazy(chunk)
    parts = {} if split is None else split[1]
    with tempfile.TemporaryDirectory() as work:
        source, target = os.path.join(work, "chunk.lua"), os.path.join(work, "chunk.luac")
        empty = os.path.join(work, "empty.luac")
        with open(source, "w", encoding="utf-8") as stream:
            stream.write(chunk if split is None else split[0])
        files = []
        for number, (name, part) in enumerate(parts.items()):
            lazy = os.path.join(work, f"lazy{number}.lua")
            with open(lazy, "w", encoding="utf-8") as stream:
                stream.write(part)
            files.append(f"{{{_lua(lazy)}, {_lua(_LAZY_PLACEHOLDER.format(name=name))}}}")
        # each lazy part's bytecode, as a %q literal in place of its placeholder (once)
        script = (
            f"%{{lua:local f = assert(io.open({_lua(source)}, 'rb')) "
            "local text = f:read('a') f:close() "
            f"for _, lazy in ipairs({{{', '.join(files)}}}) do "
            "f = assert(io.open(lazy[1], 'rb')) "
            "local part = f:read('a') f:close() "
            "local dumped = string.dump(assert(load(part, 'rpm-pyconfig evaluator')), true) "
            "local at = assert(text:find(lazy[2], 1, true)) "
            "text = text:sub(1, at - 1) .. string.format('%q', dumped) .. "
            "text:sub(at + #lazy[2]) end "
            "local fn = assert(load(text, 'compiled rpm-pyconfig registry')) "
            f"local out = assert(io.open({_lua(target)}, 'wb')) "
            "out:write(string.dump(fn, true)) out:close() "
            f"out = assert(io.open({_lua(empty)}, 'wb')) "
            "out:write(string.dump(function() end, true)) out:close()}"
        )
        try:
            done = subprocess.run([rpm, "--eval", script], capture_output=True, text=True,
                                  check=False)
            with open(target, "rb") as stream:
                data = stream.read()
            with open(empty, "rb") as stream:
                other = stream.read()
        except OSError:
            return None
        size = 0
        while size < min(len(data), len(other)) and data[size] == other[size]:
            size += 1
        # a main chunk has an upvalue (_ENV), the empty function none: they differ from the
        # byte after the header on; "\x1bLua", version, format and more, or no bytecode
        if done.returncode != 0 or not data.startswith(b"\x1bLua") or size < 12:
            return None
        return data, data[:size]


def _checked_load(path: str, data: bytes, identity: bytes, owner: int, run: str) -> str:
    """The Lua that loads the bytecode file *path* (``bytecode_file_data(data)``) as ``fn``
    and then runs *run* (which calls it), or does nothing at all when the file is not that
    very file."""
    header = _header(data)
    # nothing of the file runs unless its owner wrote it (no other user could change
    # it), its first line names these very bytes, its length is theirs and its Lua header
    # is the one of the Lua that wrote it (another compile, a truncated or planted file:
    # the macros ask the tool, as without the file); load() compares that header with
    # the running Lua's too (an upgraded Lua: no function, nothing runs).  What is checked
    # is what runs: once open, the path must still name the file stat() checked (same
    # inode and device: not one renamed into place between the two), and load() reads
    # the open file itself (not the path again, as loadfile() would), in 4 kB pieces
    # (no string of the whole file to allocate, copy and free: lua_close's frees of large
    # blocks make glibc consolidate its free lists), the Lua header read for the check
    # given back first.  The collector is paused while the chunk loads and runs (it
    # allocates the whole evaluator: a collection cycle started then walks all of it) and
    # resumed as it was, also when the chunk fails (pcall), so that an error, which stops
    # the parse, leaves no paused collector in a process that parses on.  Short: rpm
    # compiles this text on every parse.
    size = len(header)
    expected = _lua(header)[:-1] + _bytes_literal(identity)[1:]
    return (
        f"local p={_lua(path)} local s=posix.stat(p) "
        f"local f=s and s.uid=={owner} and s.type=='regular' and "
        f"s.size=={size + len(data)} and not s.mode:find('w',4,true) and "
        "io.open(p,'rb') "
        "if f then local t=posix.stat(p) "
        f"local b=t and t.ino==s.ino and t.dev==s.dev and f:read({size + len(identity)}) "
        f"if b=={expected} then b=b:sub({size + 1}) "
        "local g=collectgarbage('isrunning') collectgarbage('stop') "
        "local fn=load(function() local r=b b=nil return r or f:read(4096) end,"
        "'=compiled rpm-pyconfig registry','b') "
        f"local ok,e=true if fn then ok,e=pcall(function() {run} end) end "
        "if g then collectgarbage('restart') end f:close() if not ok then error(e,0) end "
        "else f:close() end end"
    )


#: The macro of the evaluator's own bytecode file (``engine_macros_file()``).
ENGINE_MACRO = "_pyconfig_engine"


def engine_path(output: str) -> str:
    """Where ``rpm-pyconfig compile -o OUTPUT`` writes the macros file of the evaluator's
    own bytecode (its bytecode beside it, ``bytecode_path()``): in macros.d, a macros file
    rpm reads like the compiled registry's."""
    return output + "-engine"


def engine_chunk() -> str:
    """The evaluator alone (``pyconfig.lua`` and the stanzas, the macros' helpers
    included): what a parse without a current compiled registry loads as bytecode instead
    of compiling the 70 kB of source."""
    return _minified(_shaken(_engine()))


def engine_macros_file(stats: dict[str, tuple[int, int] | None], *, path: str, data: bytes,
                       identity: bytes, owner: int) -> bytes | None:
    """An rpm macros file defining ``%_pyconfig_engine``, which loads the evaluator's
    bytecode from *path* (``bytecode()`` of ``engine_chunk()``, *data* and *identity*;
    checked as the compiled registry's is) when the engine's Lua files still have the
    size and mtime of *stats* (``Fingerprint.stats``, taken before the chunk was read),
    and then says so: ``pyconfig.engine_current`` names those files, which the output of
    ``compile --lua`` compares with its own before it loads their source (``fallback_chunk``).
    ``compile`` writes it before it reads the drop-ins, so that a compile that fails on
    one still leaves it: a missing compiled registry then costs what a stale one does.
    None without the engine's Lua files' stats."""
    if not stats or any(stat is None for stat in stats.values()):
        return None
    paths = sorted(stats)
    current = " and ".join(
        f"posix.stat({_lua(file)}, 'size') == {stat[0]} and "
        f"posix.stat({_lua(file)}, 'mtime') == {stat[1]}"
        for file, stat in ((file, stats[file]) for file in paths) if stat is not None)
    load = _checked_load(path, data, identity, owner,
                         f"fn() pyconfig.engine_current = {_lua(_engine_names(paths))}")
    body = f"if {current} then {load} end"
    lines = [
        "# The evaluator of rpm-pyconfig as rpm's Lua bytecode: generated by `rpm-pyconfig "
        "compile`, never edit.",
        "# macros.pyconfig loads it when the compiled registry is missing (a failed compile"
        " leaves this file).",
        f"%{ENGINE_MACRO} %{{lua:{body.replace(chr(92), chr(92) * 2)}}}",
    ]
    return ("\n".join(lines) + "\n").encode("ascii")


def macros_file(chunk: str, *, origin: str,
                bytecode_file: tuple[str, bytes, bytes, str, int] | None = None,
                direct: tuple[str, str] | None = None) -> bytes:
    """An rpm macros file defining ``%_pyconfig_compiled``, which runs *chunk*.

    With *bytecode_file* (path, rpm's bytecode of the chunk and its Lua's identity from
    ``bytecode()``, stamp, the uid owning the file) it loads that bytecode from that file
    instead (written with ``bytecode_file_data()``): a tenth of the time of compiling the
    source, and no large macro to read.  When the file is missing, writable by others, or
    not those very bytes for that very Lua (checked before loading it), the registry
    stays unloaded and the macros ask the tool.
    Otherwise the source travels in the file itself, as Lua string pieces of at most
    ``_PIECE`` characters (rpm reads a definition into a 16 kB buffer), one macro each,
    joined and loaded by the last.  A backslash in a macros file escapes the next
    character: they are doubled.  *direct* (``direct_run()``) names the interpreter and
    package directory the macros then run instead of the console script.
    """
    lines = [
        "# The compiled rpm-pyconfig registry: generated by `rpm-pyconfig compile`, never edit.",
        f"# Compiled from {origin!a}.  macros.pyconfig checks it against the drop-ins on every",
        "# parse and asks rpm-pyconfig instead when they differ.",
    ]
    if direct is not None:
        lines.append(direct_macros(direct).rstrip("\n"))
    if bytecode_file is not None:
        path, data, identity, stamp, owner = bytecode_file
        # the chunk compares the stamp with its own (lua_chunk())
        body = _checked_load(path, data, identity, owner, f"fn({_lua(stamp)})")
        lines.append(f"%{MACRO} %{{lua:{body.replace(chr(92), chr(92) * 2)}}}")
        return ("\n".join(lines) + "\n").encode("ascii")
    names = []
    for number, piece in enumerate(_pieces(chunk.encode("utf-8")), 1):
        name = f"{MACRO}_{number}"
        names.append(f"%{{{name}}}")
        literal = '"' + piece.replace("\\", "\\\\") + '"'
        lines.append(f"%{name} %{{lua:table.insert(pyconfig_compiled_pieces, {literal})}}")
    lines.append(
        f"%{MACRO} %{{lua:pyconfig_compiled_pieces = {{}}}}{''.join(names)}%{{lua:"
        "local chunk = table.concat(pyconfig_compiled_pieces) "
        "pyconfig_compiled_pieces = nil "
        'assert(load(chunk, "compiled rpm-pyconfig registry", "t"))()}'
    )
    return ("\n".join(lines) + "\n").encode("ascii")
