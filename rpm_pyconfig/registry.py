"""Find, read, merge and validate the runtime drop-ins (``*.conf``) into one registry.

Each drop-in describes one runtime in a single ``[runtime]`` section whose keys are
``runtime.FIELDS``.  Directories are searched in order (distribution, then administrator);
a later directory's file replaces an earlier one with the same file name, and an empty
(or whitespace-only) file, e.g. a symlink to ``/dev/null``, masks it.

Values are taken literally after stripping: no interpolation, no inline comments, one
line each.  An empty value means the empty string; ``name``, ``abi_requires``,
``dist_prefix`` and ``versioned_dist_prefix`` are derived when empty or absent, while
``script_suffix =`` really means "no suffix".

This module is on the hot path (every spec parse), so it imports only ``os``,
``configparser`` and our own light modules; ``difflib`` is imported lazily on error
paths, and line numbers are found by scanning the text only when a problem needs one.
Every problem in every file is collected and raised once as a ``ConfigError``.
"""

# Paths are plain strings throughout (Runtime fields are str) and pathlib costs
# milliseconds of import time on every spec parse: os.path is deliberate here.

from __future__ import annotations

import configparser
import errno
import os
import stat

from rpm_pyconfig.errors import ConfigError, Problem
from rpm_pyconfig.runtime import FIELDS, Field, Runtime

TYPE_CHECKING = False
if TYPE_CHECKING:  # no typing import at run time: this module is on the hot path
    from collections.abc import Iterable, Iterator, Mapping, Sequence

__all__ = [
    "DEFAULT_SEARCH_PATH",
    "ENV_VAR",
    "PROBE_HINT",
    "SECTION",
    "Registry",
    "check_runtime",
    "format_conf",
    "load_registry",
    "search_path",
]

#: Where drop-ins are searched by default: distribution first, then administrator.
DEFAULT_SEARCH_PATH = ("/usr/lib/rpm-pyconfig.d", "/etc/rpm-pyconfig.d")
#: Colon-separated directory list that replaces ``DEFAULT_SEARCH_PATH``.
ENV_VAR = "RPM_PYCONFIG_PATH"
#: The one section of a drop-in.
SECTION = "runtime"
#: The command that writes drop-ins for this machine's interpreters.
PROBE_HINT = "rpm-pyconfig probe --all --write /etc/rpm-pyconfig.d"

_FIELDS = {field.name: field for field in FIELDS}
_REQUIRED = {field.name: None for field in FIELDS if field.required}  # ordered set
_SUFFIX = ".conf"
# A section name configparser can never read (lines are split at newlines), so no
# drop-in can ever fill the parser's DEFAULT section.
_NO_DEFAULT_SECTION = "\n"
_BOOLEANS = {
    "true": True, "yes": True, "on": True, "1": True,
    "false": False, "no": False, "off": False, "0": False,
}  # fmt: skip
# Runtime's keyword defaults: what an absent optional key means.
_RUNTIME_DEFAULTS: dict[str, object] = Runtime.__init__.__kwdefaults__ or {}
_DEFAULT_PRIORITY = _RUNTIME_DEFAULTS["priority"]
# Words Fedora's macros use for our keys, for the did-you-mean of unknown keys.
_ALIASES = {"sitelib": ["purelib"], "sitearch": ["platlib"], "executable": ["interpreter"]}
_DIGITS = "0123456789"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_RPMNAME_CHARS = _LOWER + _LOWER.upper() + _DIGITS + "._+-"
_IDENTIFIER_CHARS = _LOWER + _DIGITS + "_"


# -- search path ---------------------------------------------------------------------------


def search_path(
    confdirs: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> tuple[list[str], bool]:
    """The directories to search, and whether the user chose them explicitly.

    ``confdirs`` (the CLI's repeated ``--confdir``) wins; else ``$RPM_PYCONFIG_PATH``
    (colon separated, empty entries ignored; an empty variable counts as unset); else
    ``DEFAULT_SEARCH_PATH``.  Pass the result to ``load_registry(dirs, explicit=...)``:
    explicit directories must exist, default ones are skipped when missing.
    """
    if confdirs:
        return list(confdirs), True
    if environ is None:
        environ = os.environ
    dirs = [entry for entry in environ.get(ENV_VAR, "").split(":") if entry]
    if dirs:
        return dirs, True
    return list(DEFAULT_SEARCH_PATH), False


# -- the registry --------------------------------------------------------------------------


class Registry:
    """The validated set of runtimes.  Immutable.

    ``runtimes`` are ordered by ``(priority, name)``; exactly one of them is ``default``.
    """

    __slots__ = ("_by_name", "default", "dirs", "files", "masked", "runtimes")

    #: Every runtime, ordered by (priority, name).
    runtimes: tuple[Runtime, ...]
    #: The runtime plain ``--eval`` uses.
    default: Runtime
    #: The directories that were searched (those that exist), in search order.
    dirs: tuple[str, ...]
    #: The drop-ins that define the runtimes, sorted by file name.
    files: tuple[str, ...]
    #: The drop-ins that mask a file name (empty files, symlinks to /dev/null).
    masked: tuple[str, ...]
    _by_name: dict[str, Runtime]

    def __init__(
        self,
        runtimes: Iterable[Runtime],
        *,
        dirs: Iterable[str] = (),
        files: Iterable[str] = (),
        masked: Iterable[str] = (),
    ) -> None:
        """Order ``runtimes``; raise ``ValueError`` unless names are unique and exactly
        one runtime is the default (``load_registry`` guarantees both)."""
        ordered = tuple(sorted(runtimes, key=_order))
        by_name: dict[str, Runtime] = {}
        for runtime in ordered:
            if runtime.name in by_name:
                raise ValueError(f"duplicate runtime name {runtime.name!r}")
            by_name[runtime.name] = runtime
        defaults = [runtime.name for runtime in ordered if runtime.default]
        if len(defaults) != 1:
            raise ValueError(f"exactly one runtime must be the default, got {defaults}")
        values = {
            "_by_name": by_name,
            "default": by_name[defaults[0]],
            "dirs": tuple(dirs),
            "files": tuple(files),
            "masked": tuple(masked),
            "runtimes": ordered,
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)

    @property
    def names(self) -> tuple[str, ...]:
        """Runtime names in order."""
        return tuple(runtime.name for runtime in self.runtimes)

    def get(self, name: str) -> Runtime | None:
        """The runtime called ``name``, or None."""
        return self._by_name.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Runtime]:
        return iter(self.runtimes)

    def __len__(self) -> int:
        return len(self.runtimes)

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError(f"Registry is immutable: cannot set {key!r}")

    def __delattr__(self, key: str) -> None:
        raise AttributeError(f"Registry is immutable: cannot delete {key!r}")

    def __repr__(self) -> str:
        return f"Registry({list(self.names)!r}, default={self.default.name!r})"


def _order(runtime: Runtime) -> tuple[int, str]:
    return (runtime.priority, runtime.name)


# -- loading -------------------------------------------------------------------------------


class _Parser(configparser.RawConfigParser):
    """Keys are case-sensitive: ``Name`` is an unknown key, not ``name``."""

    def optionxform(self, optionstr: str) -> str:
        return optionstr


class _Entry:
    """One drop-in that parsed: its text (for line numbers on error) and typed values."""

    __slots__ = ("default_marked", "name", "path", "text", "values")

    def __init__(
        self, path: str, text: str, name: str, values: dict[str, object], default_marked: bool
    ) -> None:
        self.path = path
        self.text = text
        self.name = name
        self.values = values
        self.default_marked = default_marked


class _InvalidValueError(Exception):
    """A value failed its kind check; the argument is the user-facing message."""


def load_registry(dirs: Iterable[str] = DEFAULT_SEARCH_PATH, *, explicit: bool = False) -> Registry:
    """Read every ``*.conf`` in ``dirs`` (see ``search_path``) into a ``Registry``.

    ``explicit``: the directories were chosen by the user, so a missing one is an error
    (typo protection); otherwise missing directories are skipped silently.
    Raises ``ConfigError`` listing every problem in every file, or naming the searched
    directories when no runtime is defined at all.
    """
    dirs = list(dirs)
    problems: list[Problem] = []
    searched, paths = _discover(dirs, explicit, problems)
    parser = _Parser(
        strict=True,
        empty_lines_in_values=False,
        interpolation=None,
        default_section=_NO_DEFAULT_SECTION,
        delimiters=("=",),
    )
    entries: list[_Entry] = []
    files: list[str] = []
    masked: list[str] = []
    for path in paths:
        text = _read(path, problems)
        if text is None:
            continue
        if not text.strip():
            masked.append(path)
            continue
        files.append(path)
        entry = _parse(parser, path, text, problems)
        if entry is not None:
            entries.append(entry)
    runtimes = _resolve(entries, problems)
    if not problems and not runtimes:
        problems.append(Problem("", _empty_message(dirs)))
    if problems:
        raise ConfigError(problems)
    return Registry(runtimes, dirs=searched, files=files, masked=masked)


def _discover(
    dirs: list[str], explicit: bool, problems: list[Problem]
) -> tuple[list[str], list[str]]:
    """The existing directories, and the effective drop-in paths sorted by file name."""
    searched: list[str] = []
    chosen: dict[str, str] = {}
    for directory in dirs:
        try:
            names = os.listdir(directory)
        except FileNotFoundError:
            if explicit:
                problems.append(Problem(directory, "configuration directory does not exist"))
            continue
        except NotADirectoryError:
            problems.append(Problem(directory, "is not a directory"))
            continue
        except OSError as exc:
            problems.append(Problem(directory, f"cannot list directory: {exc.strerror}"))
            continue
        searched.append(directory)
        for name in names:
            if name.endswith(_SUFFIX) and not name.startswith("."):
                chosen[name] = os.path.join(directory, name)
    return searched, [chosen[name] for name in sorted(chosen)]


def _read(path: str, problems: list[Problem]) -> str | None:
    try:
        data = _read_bytes(path)
    except IsADirectoryError:
        problems.append(Problem(path, "is a directory, not a conf file"))
        return None
    except OSError as exc:
        problems.append(Problem(path, f"cannot read file: {exc.strerror}"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(
            Problem(
                f"{path}:{line}",
                f"not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}",
            )
        )
        return None
    return text[1:] if text.startswith("\ufeff") else text


#: A drop-in is a few hundred bytes; anything much larger is not one.
MAX_DROPIN_SIZE = 1 << 20


def _read_bytes(path: str) -> bytes:
    """The whole file, with plain system calls: half the cost of a buffered file object,
    which a registry of a hundred drop-ins pays on every spec parse.

    Only a regular file of at most MAX_DROPIN_SIZE bytes is read, or /dev/null (a mask):
    opened without blocking, so a FIFO cannot hang a spec parse, nor /dev/zero fill memory.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", path)
        if not stat.S_ISREG(info.st_mode):
            if stat.S_ISCHR(info.st_mode) and info.st_rdev == os.stat(os.devnull).st_rdev:
                return b""
            raise _NotRegularError(path)
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(descriptor, 65536)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > MAX_DROPIN_SIZE:
                raise _TooLargeError(path)
            chunks.append(chunk)
    finally:
        os.close(descriptor)


class _NotRegularError(OSError):
    def __init__(self, path: str) -> None:
        super().__init__(errno.EINVAL, "not a regular file (a FIFO, a device, a socket?)", path)


class _TooLargeError(OSError):
    def __init__(self, path: str) -> None:
        super().__init__(errno.EFBIG, f"larger than {MAX_DROPIN_SIZE} bytes", path)


def _parse(parser: _Parser, path: str, text: str, problems: list[Problem]) -> _Entry | None:
    """Parse and validate one drop-in; None when it has any problem."""
    for section in parser.sections():
        parser.remove_section(section)
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        problems.extend(_syntax_problems(exc, path, text))
        return None

    before = len(problems)
    sections = parser.sections()
    if sections != [SECTION]:
        for section in sections:
            if section != SECTION:
                hint = ", did you mean [runtime]?" if section.lower() == SECTION else ""
                problems.append(
                    Problem(
                        _where(path, text, section),
                        f"unknown section [{section}]{hint} (a drop-in has only [runtime])",
                    )
                )
        if SECTION not in sections:
            if len(problems) == before:
                problems.append(Problem(path, "no [runtime] section"))
            return None

    values: dict[str, object] = {}
    raw_values = dict(parser.items(SECTION, raw=True))
    for key, raw in raw_values.items():
        field = _FIELDS.get(key)
        if field is None:
            problems.append(Problem(_where(path, text, SECTION, key), _unknown_key(key)))
            continue
        try:
            values[key] = _convert(field, raw)
        except _InvalidValueError as exc:
            problems.append(Problem(_where(path, text, SECTION, key), str(exc)))

    if not raw_values.keys() >= _REQUIRED.keys():
        missing = [key for key in _REQUIRED if key not in raw_values]
        plural = "s" if len(missing) > 1 else ""
        problems.append(
            Problem(
                _where(path, text, SECTION),
                f"missing required key{plural} in [runtime]: {', '.join(missing)}",
            )
        )

    name = values.get("name")
    if not name:
        if "name" in raw_values and "name" not in values:
            return None  # an invalid name, already reported
        name = os.path.basename(path)[: -len(_SUFFIX)]
        try:
            _convert(_FIELDS["name"], name)
        except _InvalidValueError as exc:
            problems.append(
                Problem(path, f"the file name is not a valid runtime name ({exc}); set 'name ='")
            )
    if len(problems) != before:
        return None
    assert isinstance(name, str)
    values["name"] = name
    return _Entry(path, text, name, values, values.get("default") is True)


def _resolve(entries: list[_Entry], problems: list[Problem]) -> list[Runtime]:
    """Cross-file checks, then default and script_suffix resolution."""
    first: dict[str, _Entry] = {}
    unique: list[_Entry] = []
    for entry in entries:
        other = first.get(entry.name)
        if other is not None:
            line = _line_of(entry.text, SECTION, "name")
            where = f"{entry.path}:{line} [{SECTION}] name" if line else entry.path
            problems.append(
                Problem(where, f"runtime name {entry.name!r} is already used by {other.path}")
            )
            continue
        first[entry.name] = entry
        unique.append(entry)

    marked = [entry for entry in unique if entry.default_marked]
    if len(marked) > 1:
        listing = ", ".join(f"{entry.name} ({entry.path})" for entry in marked)
        problems.append(
            Problem(
                _where(marked[1].path, marked[1].text, SECTION, "default"),
                f"more than one runtime is marked default: {listing}; mark only one",
            )
        )
    if problems:
        return []

    # Unmarked, the first in order is the default (Registry orders the runtimes themselves).
    default = marked[0] if marked else min(unique, key=_entry_order, default=None)
    runtimes: list[Runtime] = []
    for entry in unique:
        values = entry.values
        is_default = entry is default
        values["default"] = is_default
        if "script_suffix" not in values:
            values["script_suffix"] = "" if is_default else f"-{entry.name}"
        runtimes.append(Runtime(origin=entry.path, **values))  # type: ignore[arg-type]
    return runtimes


def _entry_order(entry: _Entry) -> tuple[object, str]:
    """``_order`` of the runtime an entry will become."""
    return (entry.values.get("priority", _DEFAULT_PRIORITY), entry.name)


def _empty_message(dirs: list[str]) -> str:
    where = ", ".join(dirs) if dirs else "(no directory)"
    return f"no Python runtime is defined in {where}; hint: run '{PROBE_HINT}'"


# -- values --------------------------------------------------------------------------------


def _convert(field: Field, value: str) -> object:
    """The typed value of ``field`` written as ``value``; raise ``_InvalidValueError`` if wrong."""
    if not value.isprintable():
        if "\n" in value:
            raise _InvalidValueError(
                f"must be a single line (is the next line indented by mistake?), got {value!r}"
            )
        raise _InvalidValueError(f"must not contain control characters, got {value!r}")
    kind = field.kind
    if kind == "path":
        return _check_path(value)
    if kind == "bool":
        flag = _BOOLEANS.get(value.lower())
        if flag is None:
            raise _InvalidValueError(
                f"must be true or false (or yes/no, on/off, 1/0), got {value!r}"
            )
        return flag
    if kind == "int":
        digits = value[1:] if value[:1] in ("+", "-") else value
        if not (digits.isascii() and digits.isdigit()):
            raise _InvalidValueError(f"must be a decimal integer, got {value!r}")
        return int(value)
    if not value:
        if field.required:
            raise _InvalidValueError("must not be empty")
        if kind in ("rpmname", "word", "flags", "text", "dependency"):
            return value
    if kind == "rpmname":
        if value.strip(_RPMNAME_CHARS) or value.startswith("-"):
            raise _InvalidValueError(
                f"must contain only letters, digits and '._+-' and not start with '-', "
                f"got {value!r}"
            )
    elif kind == "identifier":
        if value.strip(_IDENTIFIER_CHARS) or value[0] not in _LOWER:
            raise _InvalidValueError(
                f"must be a lowercase identifier (a-z, then a-z, 0-9 or _), got {value!r}"
            )
    elif kind == "version":
        if not _is_version(value):
            raise _InvalidValueError(
                f"must be a version like 3.11 or 3.11.2, optionally followed by a "
                f"pre-release like rc1, got {value!r}"
            )
    elif kind == "word":
        if " " in value:
            raise _InvalidValueError(f"must be a single word without spaces, got {value!r}")
    elif kind == "flags":
        if not (value.isascii() and value.isalpha()):
            raise _InvalidValueError(f"must contain only letters, got {value!r}")
    elif kind == "dependency":
        parts = value.split(" ")
        if "," in value or not (
            value[0].isalnum() or value[0] in "_/"
        ) or not (len(parts) == 1 or (len(parts) == 3 and parts[1] in _COMPARISONS and parts[2])):
            raise _InvalidValueError(
                "must be one rpm dependency: a name or a path starting with a letter, a digit, "
                f"'_' or '/', optionally followed by ' OP VERSION'; no commas, got {value!r}"
            )
    elif kind != "text":  # pragma: no cover - guards FIELDS against typos
        raise AssertionError(f"unknown kind {kind!r} of key {field.name!r}")
    return value


#: The comparisons of an rpm dependency (``NAME >= 1.0``).
_COMPARISONS = ("<", ">", "<=", ">=", "=")

#: Characters a shell reads even inside double quotes, and quotes: never in a path that
#: --exe and the templates put on a command line (no quoting would make them inert there).
_SHELL_ACTIVE = frozenset("$`\\\"'")


def _check_path(value: str) -> str:
    if not value.startswith("/"):
        raise _InvalidValueError(f"must be an absolute path, got {value!r}")
    if " " in value:
        raise _InvalidValueError(f"must not contain spaces, got {value!r}")
    if _SHELL_ACTIVE.intersection(value):
        raise _InvalidValueError(
            f"must not contain $, `, \\ or quotes (a shell reads them even inside "
            f"quotes), got {value!r}"
        )
    if ".." in value.split("/"):
        raise _InvalidValueError(f"must not contain '..', got {value!r}")
    normal = os.path.normpath(value)
    if normal != value or value.startswith("//"):
        raise _InvalidValueError(f"must be a normalised path like {normal!r}, got {value!r}")
    return value


def _is_version(value: str) -> bool:
    """``N.N`` or ``N.N.N``, optionally followed by ``aN``, ``bN`` or ``rcN``."""
    release = value
    for tag in ("rc", "a", "b"):
        index = value.find(tag)
        if index != -1:
            release, serial = value[:index], value[index + len(tag) :]
            if not (serial.isascii() and serial.isdigit()):
                return False
            break
    parts = release.split(".")
    return 2 <= len(parts) <= 3 and all(part.isascii() and part.isdigit() for part in parts)


def _format_value(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def check_runtime(runtime: Runtime) -> list[Problem]:
    """Problems that keep ``runtime`` from being written to, and read back from, a drop-in.

    The same kind checks as ``load_registry``, plus values that would not survive the
    trip (surrounding whitespace).  Origins read ``ORIGIN [runtime] KEY``.
    """
    problems: list[Problem] = []
    origin = runtime.origin or f"runtime {runtime.name!r}"
    for field in FIELDS:
        value = getattr(runtime, field.name)
        if field.kind == "bool" and not isinstance(value, bool):
            message: str | None = f"must be a bool, got {value!r}"
        elif field.kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            message = f"must be an int, got {value!r}"
        elif field.kind not in ("bool", "int") and not isinstance(value, str):
            message = f"must be a str, got {value!r}"
        else:
            text = _format_value(value)
            message = None
            try:
                _convert(field, text)
            except _InvalidValueError as exc:
                message = str(exc)
            if message is None and text != text.strip():
                message = f"must not start or end with whitespace, got {text!r}"
            if message is None and field.name == "name" and not text:
                message = "must not be empty"
        if message is not None:
            problems.append(Problem(f"{origin} [{SECTION}] {field.name}", message))
    return problems


def format_conf(runtime: Runtime, *, header: str | None = None, complete: bool = False) -> str:
    """The text of a drop-in that loads back to ``runtime`` (apart from ``origin``).

    Keys are written in ``FIELDS`` order; ``name`` and the required keys always, optional
    keys only where they differ from what loading would derive without them (so
    ``default`` appears only as ``default = true``, and ``script_suffix`` only when it is
    not ``''`` for the default runtime / ``-NAME`` for the others).  With ``complete`` every
    key is written, so no value is derived from the other drop-ins (a static spec embeds
    its runtimes this way); only ``default`` still falls to the first runtime when none
    is marked.  ``header`` becomes a ``#`` comment block.  Raises
    ``ConfigError`` if a value cannot be written (see ``check_runtime``).
    """
    problems = check_runtime(runtime)
    if problems:
        raise ConfigError(problems)
    lines: list[str] = []
    if header:
        lines.extend(f"# {line}".rstrip() for line in header.splitlines())
        lines.append("")
    lines.append(f"[{SECTION}]")
    for field in FIELDS:
        key = field.name
        value = getattr(runtime, key)
        if not complete and _derivable(runtime, field):
            continue
        text = _format_value(value)
        lines.append(f"{key} = {text}" if text else f"{key} =")
    return "\n".join(lines) + "\n"


def _derivable(runtime: Runtime, field: Field) -> bool:
    """Whether loading would give ``field`` its value even if the drop-in left it out."""
    key = field.name
    value = getattr(runtime, key)
    if key == "script_suffix":
        return bool(value == ("" if runtime.default else f"-{runtime.name}"))
    if field.required or key == "name":
        return False
    implied = runtime.replace(**{key: _RUNTIME_DEFAULTS[key]})
    return bool(getattr(implied, key) == value)


# -- error reporting (never on the happy path) ---------------------------------------------


def _unknown_key(key: str) -> str:
    import difflib

    matches = _ALIASES.get(key) or difflib.get_close_matches(key, list(_FIELDS), n=1)
    hint = f", did you mean {matches[0]!r}?" if matches else ""
    return f"unknown key {key!r}{hint}"


def _line_of(text: str, section: str | None = None, key: str | None = None) -> int | None:
    """The line where ``[section]`` (or ``key`` inside it) is written, found by scanning
    the text the way configparser reads it; None if not found."""
    header = configparser.RawConfigParser.SECTCRE
    in_section = False
    for lineno, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        match = header.match(stripped)
        if match:
            in_section = match.group("header") == section
            if in_section and key is None:
                return lineno
            continue
        if in_section and key is not None and stripped.split("=", 1)[0].strip() == key:
            return lineno
    return None


def _where(path: str, text: str, section: str, key: str | None = None) -> str:
    """``PATH:LINE [section] KEY`` for a key, ``PATH:LINE`` for a section header."""
    line = _line_of(text, section, key)
    origin = path if line is None else f"{path}:{line}"
    return origin if key is None else f"{origin} [{section}] {key}"


def _syntax_problems(exc: configparser.Error, path: str, text: str) -> list[Problem]:
    lines = text.split("\n")

    def shown(lineno: int) -> str:
        return repr(lines[lineno - 1].strip()) if 0 < lineno <= len(lines) else "''"

    if isinstance(exc, configparser.DuplicateOptionError):
        first = _line_of(text, exc.section, exc.option)
        return [
            Problem(
                f"{path}:{exc.lineno} [{exc.section}] {exc.option}",
                f"duplicate key {exc.option!r} (first set on line {first})",
            )
        ]
    if isinstance(exc, configparser.DuplicateSectionError):
        first = _line_of(text, exc.section)
        return [
            Problem(
                f"{path}:{exc.lineno}",
                f"duplicate section [{exc.section}] (first on line {first})",
            )
        ]
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return [
            Problem(
                f"{path}:{exc.lineno}",
                f"expected the [runtime] section header first, got {shown(exc.lineno)}",
            )
        ]
    if isinstance(exc, configparser.ParsingError):
        return [
            Problem(f"{path}:{lineno}", f"expected 'key = value', got {shown(lineno)}")
            for lineno, _ in exc.errors
        ]
    return [Problem(path, f"cannot parse: {exc}")]  # pragma: no cover - future configparser
