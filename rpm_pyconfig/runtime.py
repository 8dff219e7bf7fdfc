"""What a Python runtime is: its fields, their checks, defaults and derivations, its version
format and its PEP 508 view, and the validated, immutable ``Runtime`` record.

``FIELDS`` is the single source of truth for the ``[runtime]`` section: the drop-in
format reads and writes it, the probe fills it, the README documents it and every key
becomes an @-token.  Adding a key is one ``Field`` entry (plus its annotation on
``Runtime`` for the type checker).  ``validate_raw`` turns the text values of a drop-in
into typed ones and collects every problem, the way ``packaging``'s
``Metadata.from_raw`` does; ``Runtime(...)`` checks typed values the same way.

This module is imported on every ``--foreach --eval`` (every spec parse), so it imports
only our own light modules (``posixpath`` only for a path that is not already normal; the
fallback of a spec parse imports no ``os``): no ``dataclasses`` (10 ms), no ``typing``; the
version parser needs no ``re``.
"""

from __future__ import annotations

from rpm_pyconfig import worktree
from rpm_pyconfig._record import Record
from rpm_pyconfig.errors import ConfigError, Problem, close_match, where

TYPE_CHECKING = False  # not typing's: importing typing costs milliseconds per spec parse
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    #: Release numbers, and the pre-release as (0 for a, 1 for b, 2 for rc; number).
    Version = tuple[tuple[int, ...], "tuple[int, int] | None"]
    Values = dict[str, object]

__all__ = [
    "FIELDS",
    "MARKER_VARIABLES",
    "PLATFORM_PYTHON_IMPLEMENTATIONS",
    "SECTION",
    "Field",
    "InvalidValueError",
    "Runtime",
    "check_value",
    "convert",
    "marker_values",
    "parse_version",
    "validate_raw",
]

#: The one section of a drop-in, and the word problems about a runtime's keys are filed under.
SECTION = "runtime"

#: ``platform.python_implementation()`` of each ``sys.implementation.name`` we know; others
#: keep their name.
PLATFORM_PYTHON_IMPLEMENTATIONS = {
    "cpython": "CPython",
    "pypy": "PyPy",
    "graalpy": "GraalVM",
    "ironpython": "IronPython",
    "jython": "Jython",
}


# -- the version format ------------------------------------------------------------------

_DIGITS = "0123456789"
# Longest spelling first, so that "rc" is not read as "r" and "preview" not as "pre".
_PRE_RELEASES = (
    ("preview", 2), ("alpha", 0), ("beta", 1), ("pre", 2), ("rc", 2), ("a", 0), ("b", 1),
    ("c", 2),
)  # fmt: skip
_RUNTIME_PRE_RELEASES = ("rc", "a", "b")
_SEPARATORS = "-_."


def _scan(text: str, pep440: bool) -> tuple[list[str], tuple[int, int] | None] | None:
    """The release numbers as written and the pre-release of *text*; None if it is no version."""
    if pep440:
        text = text.strip().lower()
        if text[:1] == "v":
            text = text[1:]
    release: list[str] = []
    start, size = 0, len(text)
    while True:
        end = start
        while end < size and text[end] in _DIGITS:
            end += 1
        if end == start:
            return None
        release.append(text[start:end])
        if end + 1 < size and text[end] == "." and text[end + 1] in _DIGITS:
            start = end + 1
            continue
        break
    if not (pep440 or 2 <= len(release) <= 3):
        return None
    rest = text[end:]
    if not rest:
        return release, None
    if pep440 and rest[0] in _SEPARATORS:
        rest = rest[1:]
    word, rank = next(((w, r) for w, r in _PRE_RELEASES if rest.startswith(w)), ("", 0))
    if not word:
        return None
    if not (pep440 or word in _RUNTIME_PRE_RELEASES):
        return None
    serial = rest[len(word) :]
    if pep440:
        if serial[:1] and serial[0] in _SEPARATORS:
            serial = serial[1:]
        if not serial:
            return release, (rank, 0)
    if not (serial.isascii() and serial.isdigit()):
        return None
    return release, (rank, int(serial))


def parse_version(text: str, *, pep440: bool = False) -> Version | None:
    """``((3, 11, 2), None)`` or ``((3, 13, 0), (2, 1))`` for 3.13.0rc1; None if not a version.

    A runtime's version is ``N.N`` or ``N.N.N``, optionally followed by ``aN``, ``bN`` or
    ``rcN``: all a runtime ever has.  ``pep440`` also takes the spellings PEP 440 normalises
    (surrounding spaces, a leading ``v``, any number of release numbers, ``alpha``, ``beta``,
    ``c``, ``pre``, ``preview`` in any case, ``-_.`` separators, a missing pre-release
    number): what a ``--where`` condition may compare a runtime's version with.
    """
    scanned = _scan(text, pep440)
    if scanned is None:
        return None
    release, pre = scanned
    return tuple(int(part) for part in release), pre


# -- the kinds of values -----------------------------------------------------------------


class InvalidValueError(ValueError):
    """A value failed its kind check; the argument is the user-facing message."""


_LOWER = "abcdefghijklmnopqrstuvwxyz"
_RPMNAME_CHARS = _LOWER + _LOWER.upper() + _DIGITS + "._+-"
_IDENTIFIER_CHARS = _LOWER + _DIGITS + "_"
#: Characters a shell reads even inside double quotes, and quotes: never in a path that
#: --exe and the templates put on a command line (no quoting would make them inert there).
_SHELL_ACTIVE = frozenset("$`\\\"'")


def _path(value: str) -> str:
    if not value.startswith("/"):
        raise InvalidValueError(f"must be an absolute path, got {value!r}")
    if " " in value:
        raise InvalidValueError(f"must not contain spaces, got {value!r}")
    if _SHELL_ACTIVE.intersection(value):
        raise InvalidValueError(
            f"must not contain $, `, \\ or quotes (a shell reads them even inside "
            f"quotes), got {value!r}"
        )
    if ".." in value.split("/"):
        raise InvalidValueError(f"must not contain '..', got {value!r}")
    # normal: no empty or "." part (what os.path.normpath would take out); the fallback of
    # a spec parse imports no os
    parts = value[1:].split("/")
    if value == "/" or ("" not in parts and "." not in parts):
        return value
    import posixpath

    # POSIX keeps a leading "//" (it may mean something else), so normpath keeps it too.
    normal = "/" + posixpath.normpath(value).lstrip("/")
    if normal != value:
        raise InvalidValueError(f"must be a normalised path like {normal!r}, got {value!r}")
    return value


#: The spellings of a boolean, ignoring case: configparser's ``BOOLEAN_STATES`` (the drop-in
#: format was defined with it; a spec parse no longer imports it).
_BOOLEANS = {"1": True, "yes": True, "true": True, "on": True,
             "0": False, "no": False, "false": False, "off": False}


def _bool(value: str) -> bool:
    flag = _BOOLEANS.get(value.lower())
    if flag is None:
        raise InvalidValueError(f"must be true or false (or yes/no, on/off, 1/0), got {value!r}")
    return flag


def _int(value: str) -> int:
    digits = value[1:] if value[:1] in ("+", "-") else value
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidValueError(f"must be a decimal integer, got {value!r}")
    return int(value)


def _rpmname(value: str) -> str:
    if value.strip(_RPMNAME_CHARS) or value.startswith("-"):
        raise InvalidValueError(
            f"must contain only letters, digits and '._+-' and not start with '-', got {value!r}"
        )
    return value


def _identifier(value: str) -> str:
    if value.strip(_IDENTIFIER_CHARS) or value[0] not in _LOWER:
        raise InvalidValueError(
            f"must be a lowercase identifier (a-z, then a-z, 0-9 or _), got {value!r}"
        )
    return value


def _version(value: str) -> str:
    if _scan(value, False) is None:
        raise InvalidValueError(
            f"must be a version like 3.11 or 3.11.2, optionally followed by a "
            f"pre-release like rc1, got {value!r}"
        )
    return value


def _word(value: str) -> str:
    if " " in value:
        raise InvalidValueError(f"must be a single word without spaces, got {value!r}")
    return value


def _flags(value: str) -> str:
    if not (value.isascii() and value.isalpha()):
        raise InvalidValueError(f"must contain only letters, got {value!r}")
    return value


def _text(value: str) -> str:
    return value


#: The comparisons of an rpm dependency (``NAME >= 1.0``).
_COMPARISONS = ("<", ">", "<=", ">=", "=")


def _dependency(value: str) -> str:
    parts = value.split(" ")
    if "," in value or not (
        value[0].isalnum() or value[0] in "_/"
    ) or not (len(parts) == 1 or (len(parts) == 3 and parts[1] in _COMPARISONS and parts[2])):
        raise InvalidValueError(
            "must be one rpm dependency: a name or a path starting with a letter, a digit, "
            f"'_' or '/', optionally followed by ' OP VERSION'; no commas, got {value!r}"
        )
    return value


#: Interpreter options a ``#!`` line may carry: the kernel passes everything after the
#: interpreter as one argument, so only options without a value, and none that change
#: what runs (-c, -m, -x, -i) or print and exit (-h, -V).
_SHEBANG_LETTERS = "BEIOPRSbqsuv"


def _shebang(value: str) -> str:
    if value[:1] != "-" or len(value) < 2 or value[1:].strip(_SHEBANG_LETTERS):
        raise InvalidValueError(
            f"must be '-' and options that take no argument ({_SHEBANG_LETTERS}), one "
            f"word as the kernel passes it, e.g. -sP; got {value!r}"
        )
    return value


#: kind -> (the Python type of its values, the check and conversion of its text).
_KINDS: dict[str, tuple[type, Callable[[str], object]]] = {
    "text": (str, _text),
    "word": (str, _word),
    "flags": (str, _flags),
    "shebang": (str, _shebang),
    "dependency": (str, _dependency),
    "path": (str, _path),
    "rpmname": (str, _rpmname),
    "identifier": (str, _identifier),
    "version": (str, _version),
    "bool": (bool, _bool),
    "int": (int, _int),
}
_NAMES = {bool: "a bool", int: "an int", str: "a str"}
# Kinds whose empty text is the empty string (an optional key written ``key =``).
_EMPTY_OK = ("rpmname", "word", "flags", "text", "shebang", "dependency")


# -- the fields --------------------------------------------------------------------------


class Field:
    """One key of the ``[runtime]`` section: how it is checked, and what its absence means."""

    __slots__ = ("blank_derives", "default", "derive", "doc", "kind", "name", "required")

    def __init__(
        self,
        name: str,
        kind: str,
        doc: str,
        *,
        required: bool = False,
        default: object = None,
        derive: Callable[[Values], object] | None = None,
        blank_derives: bool = False,
    ) -> None:
        if kind not in _KINDS:  # guards FIELDS against typos
            raise ValueError(f"unknown kind {kind!r} of key {name!r}")
        #: The key as written in the conf file.
        self.name = name
        #: How the value is checked: a key of ``_KINDS``.
        self.kind = kind
        #: One sentence for README and ``--help``.
        self.doc = doc
        #: Whether a conf file must set it.
        self.required = required
        #: The value when the key is absent (and nothing derives it).
        self.default = default
        #: Computes the value from the other keys when the key is absent (None).
        self.derive = derive
        #: An empty value means "derive" too (``abi_requires =``); else it is a value.
        self.blank_derives = blank_derives


def _stem(values: Values) -> str:
    return "python" if values["implementation"] == "cpython" else str(values["implementation"])


def _abi_requires(values: Values) -> str:
    plain = values["implementation"] == "cpython" and not values["debug"]
    if plain and not values["free_threaded"]:
        return f"python(abi) = {values['major_version']}.{values['minor_version']}"
    return str(values["interpreter"])


FIELDS: tuple[Field, ...] = (
    Field("name", "rpmname", "Runtime name used by --only/--exclude; default: the file stem."),
    Field("implementation", "identifier", "sys.implementation.name: cpython, pypy, ...",
          required=True),
    Field("version", "version", "Full language version, e.g. 3.11.2.", required=True),
    Field("interpreter", "path", "Absolute path of the interpreter binary.", required=True),
    Field("package_prefix", "rpmname", "Prefix of built package names: python3, pypy3, ...",
          required=True),
    Field("purelib", "path", "System-managed directory for pure modules on sys.path.",
          required=True),
    Field("platlib", "path", "System-managed directory for extension modules on sys.path.",
          required=True),
    Field("soabi", "word", "sysconfig SOABI, e.g. cpython-311-x86_64-linux-gnu.", required=True),
    Field("ext_suffix", "word",
          "Suffix of extension modules, e.g. .cpython-311-x86_64-linux-gnu.so.", required=True),
    Field("cache_tag", "word", "sys.implementation.cache_tag of bytecode files.", required=True),
    Field("abiflags", "flags", "sys.abiflags: '' or 'd' (debug) or 't' (free-threaded).",
          default=""),
    Field("debug", "bool", "true for a debug build (Py_DEBUG); default false.", default=False),
    Field("free_threaded", "bool", "true for a free-threaded build (Py_GIL_DISABLED).",
          default=False),
    Field("default", "bool", "true for the runtime --eval uses; at most one may set it.",
          default=False),
    Field("priority", "int", "Order of runtimes, lowest first; default 50, ties by name.",
          default=50),
    Field("abi_requires", "text",
          "Dependency of every subpackage on its runtime; default python(abi) = X.Y for "
          "CPython (neither debug nor free-threaded), else the interpreter path.",
          derive=_abi_requires, blank_derives=True),
    Field("dist_prefix", "rpmname",
          "Prefix of the NAMEdist() provides; default python3 (CPython) or pypy3 (PyPy).",
          derive=lambda v: f"{_stem(v)}{v['major_version']}", blank_derives=True),
    Field("versioned_dist_prefix", "rpmname",
          "Versioned form of dist_prefix; default python3.11, pypy3.9, ...",
          derive=lambda v: f"{_stem(v)}{v['major_version']}.{v['minor_version']}",
          blank_derives=True),
    Field("script_suffix", "word",
          "Appended to installed command names; default '' for the default runtime, else '-NAME'.",
          derive=lambda v: "" if v["default"] else f"-{v['name']}"),
    Field("shebang_flags", "shebang",
          "Options after the interpreter in installed commands' #! line, e.g. -sP; default none "
          "(probe writes -sP, or -s where the interpreter lacks -P).", default=""),
    Field("devel_requires", "dependency",
          "BuildRequires of projects with extension modules: what brings this runtime's C "
          "headers; the probe writes the path of its Python.h; empty: none.", default=""),
    Field("include", "path",
          "Directory of the runtime's C headers (sysconfig INCLUDEPY, which the probe writes); "
          "wheels' headers go to a directory of it; default /usr/include/pythonX.Y (pypyX.Y "
          "for PyPy) and the abiflags.",
          derive=lambda v: f"/usr/include/{_stem(v)}{v['major_version']}.{v['minor_version']}"
                           f"{v['abiflags']}"),
)  # fmt: skip

_FIELDS = {field.name: field for field in FIELDS}
# Words Fedora's macros use for our keys, for the did-you-mean of unknown keys.
_ALIASES = {"sitelib": "purelib", "sitearch": "platlib", "executable": "interpreter"}


def convert(field: Field, text: str) -> object:
    """The typed value of *field* written as *text*; raise ``InvalidValueError`` if wrong."""
    if not text.isprintable():
        if "\n" in text:
            raise InvalidValueError(
                f"must be a single line (is the next line indented by mistake?), got {text!r}"
            )
        raise InvalidValueError(f"must not contain control characters, got {text!r}")
    if not text and field.kind not in ("path", "bool", "int"):
        if field.required:
            raise InvalidValueError("must not be empty")
        if field.kind in _EMPTY_OK:
            return text
    return _KINDS[field.kind][1](text)


def _type_problem(field: Field, value: object) -> str | None:
    """Why *value* is not of *field*'s Python type, or None."""
    kind_type = _KINDS[field.kind][0]
    if isinstance(value, kind_type) and not (kind_type is int and isinstance(value, bool)):
        return None
    return f"must be {_NAMES[kind_type]}, got {value!r}"


def check_value(field: Field, value: object) -> str | None:
    """Why the typed *value* could not have been read from a drop-in as *field*'s, or None."""
    problem = _type_problem(field, value)
    if problem is None and isinstance(value, str):
        try:
            convert(field, value)
        except InvalidValueError as error:
            return str(error)
        if field.name == "name" and not value:
            return "must not be empty"
    return problem


def validate_raw(raw: Mapping[str, str]) -> tuple[Values, list[tuple[str | None, str]]]:
    """The typed values of a ``[runtime]`` section's text values, and every problem with them.

    Problems are ``(key, message)`` in the order of *raw*, then ``(None, message)`` for
    missing required keys: the caller knows where each key was written.  An empty ``name``
    is left for the caller to derive (the drop-in's file stem).
    """
    values: Values = {}
    problems: list[tuple[str | None, str]] = []
    for key, text in raw.items():
        field = _FIELDS.get(key)
        if field is None:
            match = _ALIASES.get(key) or close_match(key, _FIELDS)
            hint = f", did you mean {match!r}?" if match else ""
            problems.append((key, f"unknown key {key!r}{hint}"))
            continue
        try:
            values[key] = convert(field, text)
        except InvalidValueError as error:
            problems.append((key, str(error)))
    missing = [field.name for field in FIELDS if field.required and field.name not in raw]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        listing = ", ".join(missing)
        problems.append((None, f"missing required key{plural} in [{SECTION}]: {listing}"))
    return values, problems


def _complete(values: Values) -> Values:
    """*values* (with a valid version) with every absent key defaulted or derived."""
    release = _scan(str(values["version"]), False)
    assert release is not None, values["version"]
    parts = release[0]
    values["major_version"] = parts[0]
    values["minor_version"] = parts[1]
    values["micro_version"] = parts[2] if len(parts) > 2 else "0"
    pending = []
    for field in FIELDS:
        value = values.get(field.name)
        if value is None or (value == "" and field.blank_derives):
            if field.derive is None:
                values[field.name] = field.default
            else:
                pending.append(field)
    for field in pending:  # after the defaults: derivations read them
        assert field.derive is not None
        values[field.name] = field.derive(values)
    return values


# -- the PEP 508 view --------------------------------------------------------------------

#: The PEP 508 marker variables a runtime decides: name -> (its value, kind, one-line doc).
#: Kinds: ``version`` (compared as PEP 440 versions) or ``text``.  ``--where`` conditions
#: and the requirement markers of ``spec`` both read a runtime through this table.
MARKER_VARIABLES: dict[str, tuple[Callable[[Runtime], str], str, str]] = {
    "python_version": (lambda rt: rt.short_version, "version", "X.Y language version: 3.11."),
    "python_full_version": (lambda rt: rt.version, "version", "Full language version: 3.11.2."),
    "implementation_name": (lambda rt: rt.implementation, "text",
                            "sys.implementation.name: cpython, pypy, ..."),
    "implementation_version": (lambda rt: rt.version, "version",
                               "Same as python_full_version (the registry has no other)."),
    "platform_python_implementation": (lambda rt: rt.platform_python_implementation, "text",
                                       "CPython, PyPy, ..."),
}  # fmt: skip


def marker_values(runtime: Runtime) -> dict[str, str]:
    """The values of ``MARKER_VARIABLES`` for *runtime*."""
    return {name: get(runtime) for name, (get, _kind, _doc) in MARKER_VARIABLES.items()}


# -- the record --------------------------------------------------------------------------


class Runtime(Record):
    """One Python runtime a spec can build for.  Immutable; build it with keywords only.

    Types and the version are checked (every problem collected, then ``ConfigError``
    raised once), so no derivation can go wrong; ``check_value`` holds each value to what
    a drop-in may say (tests build hostile records on purpose, to prove escaping).  An
    absent optional key takes its default or is derived (see ``FIELDS``).  Equality
    ignores ``origin``: the same runtime read from two places is the same runtime.
    """

    __slots__ = (
        *(field.name for field in FIELDS),
        "major_version",
        "micro_version",
        "minor_version",
        "origin",
    )
    _compared = tuple(field.name for field in FIELDS)

    name: str
    implementation: str
    version: str
    interpreter: str
    package_prefix: str
    purelib: str
    platlib: str
    soabi: str
    ext_suffix: str
    cache_tag: str
    abiflags: str
    debug: bool
    free_threaded: bool
    default: bool
    priority: int
    abi_requires: str
    dist_prefix: str
    versioned_dist_prefix: str
    script_suffix: str
    shebang_flags: str
    devel_requires: str
    include: str
    #: Where the record came from (a conf file path, or ``probe:/usr/bin/pypy3``).
    origin: str
    #: ``3`` of ``3.11.2``.
    major_version: str
    #: ``11`` of ``3.11.2``.
    minor_version: str
    #: ``2`` of ``3.11.2`` (``0`` when the version has no micro part).
    micro_version: str

    def __init__(self, *, origin: str = "", **values: object) -> None:
        unknown = sorted(values.keys() - _FIELDS.keys())
        if unknown:
            raise TypeError(f"Runtime() got unexpected keyword arguments: {', '.join(unknown)}")
        place = origin or f"runtime {values.get('name', '')!r}"
        problems = []
        for field in FIELDS:
            value = values.get(field.name)
            if value is None:
                if field.required:
                    problems.append(Problem(
                        where(place, None, SECTION, field.name), "is required", key=field.name
                    ))
                continue
            if value == "" and field.blank_derives:
                continue
            message = _type_problem(field, value)
            if message is None and field.kind == "version":
                message = check_value(field, value)
            if message is not None:
                problems.append(
                    Problem(where(place, None, SECTION, field.name), message, key=field.name)
                )
        if problems:
            raise ConfigError(problems)
        self._fill(_complete({**values, "origin": origin}))

    @classmethod
    def from_valid(cls, values: Values, *, origin: str) -> Runtime:
        """The runtime of values ``validate_raw`` accepted, without checking them again
        (the registry builds a hundred of them on every spec parse)."""
        runtime = object.__new__(cls)
        runtime._fill(_complete({**values, "origin": origin}))
        return runtime

    # -- derived values -------------------------------------------------------------------

    @property
    def short_version(self) -> str:
        """``3.11``: what ``python_version`` means in PEP 508 markers."""
        return f"{self.major_version}.{self.minor_version}"

    @property
    def version_nodots(self) -> str:
        """``311``: the form used in wheel tags and Fedora's ``%python3_version_nodots``."""
        return f"{self.major_version}{self.minor_version}"

    @property
    def platform_python_implementation(self) -> str:
        """What ``platform.python_implementation()`` says in this runtime: CPython, PyPy, ..."""
        return PLATFORM_PYTHON_IMPLEMENTATIONS.get(self.implementation, self.implementation)

    @property
    def provides_prefix(self) -> str:
        """The prefix of the ``dist()`` names this build's packages provide: ``dist_prefix``,
        ABI-qualified for a free-threaded (``t``) or debug (``d``) build (``python3d``), so
        that it is never a candidate for a dependency on the normal build's package."""
        return self._abi_qualified(self.dist_prefix)

    @property
    def versioned_provides_prefix(self) -> str:
        """The same for ``versioned_dist_prefix`` (``python3.13t``)."""
        return self._abi_qualified(self.versioned_dist_prefix)

    def _abi_qualified(self, prefix: str) -> str:
        tag = ("t" if self.free_threaded else "") + ("d" if self.debug else "")
        return prefix if prefix.endswith(tag) else prefix + tag

    @property
    def srcdir(self) -> str:
        """Directory, relative to the unpacked sources, holding this runtime's copy of them."""
        return worktree.srcdir(self.name)

    # -- value semantics ------------------------------------------------------------------

    def as_dict(self) -> dict[str, object]:
        """Every conf key with its resolved value, in ``FIELDS`` order (for JSON output)."""
        return {field.name: getattr(self, field.name) for field in FIELDS}

    def replace(self, **changes: object) -> Runtime:
        """A copy with some keys changed (records are immutable); ``None`` re-derives a key."""
        values = self.as_dict()
        values["origin"] = self.origin
        values.update(changes)
        return Runtime(**values)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return (
            f"Runtime(name={self.name!r}, interpreter={self.interpreter!r}, "
            f"version={self.version!r})"
        )
