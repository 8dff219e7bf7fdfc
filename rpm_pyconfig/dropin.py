"""The drop-in file format: read one ``*.conf`` with line numbers, and write one back.

A drop-in holds one ``[runtime]`` section of ``key = value`` lines whose keys are
``runtime.FIELDS``.  Values are taken literally after stripping: no interpolation, no
inline comments, one line each.  An empty value means the empty string; ``name``,
``abi_requires``, ``dist_prefix`` and ``versioned_dist_prefix`` are derived when empty
or absent, while ``script_suffix =`` really means "no suffix".  ``name`` defaults to the
file stem.

What a value may be is ``runtime``'s business (``validate_raw``); this module knows
where each key was written, so every problem names ``FILE:LINE [runtime] KEY``.  Line
numbers are found by scanning the text only when a problem needs one.

The INI dialect is the one ``configparser.RawConfigParser`` reads with the options this
format was defined with (see ``read_sections``), read here without it: every command,
``check`` and the fallback of a spec parse alike, uses this one reader, and importing
``configparser`` (with ``re``, ``enum`` and ``collections``) would cost a spec parse's
fallback more than reading and checking its drop-ins.  Imports only our own light
modules.
"""

from __future__ import annotations

from rpm_pyconfig.errors import ConfigError, Problem, close_match, where
from rpm_pyconfig.runtime import (
    FIELDS,
    SECTION,
    Field,
    InvalidValueError,
    Runtime,
    check_value,
    convert,
    validate_raw,
)

__all__ = ["SUFFIX", "Dropin", "IniSyntaxError", "Reader", "check_runtime", "format_conf",
           "read_sections"]

#: The file name suffix of a drop-in.
SUFFIX = ".conf"
_NAME = next(field for field in FIELDS if field.name == "name")


# -- the INI dialect -----------------------------------------------------------------------


class IniSyntaxError(Exception):
    """Why a text is not INI in the drop-in dialect: what configparser raised, as data.

    ``kind`` is ``"section"`` (a repeated section, ``section`` set), ``"option"`` (a
    repeated key, ``section`` and ``option`` set), ``"header"`` (a line before any section
    header) or ``"lines"`` (lines that are neither a header, a key nor a continuation:
    every one in ``linenos``).  ``lineno`` is the (first) line at fault.
    """

    def __init__(self, kind: str, lineno: int, section: str | None = None,
                 option: str | None = None, linenos: tuple[int, ...] = ()) -> None:
        super().__init__(kind, lineno)
        self.kind = kind
        self.lineno = lineno
        self.section = section
        self.option = option
        self.linenos = linenos or (lineno,)


_NEVER = 1 << 62  # deeper than any indent: after an empty line no value continues


def _header(stripped: str) -> str | None:
    """The name in a (stripped) ``[section]`` line, as configparser's ``\\[(?P<header>.+)\\]``
    matches it from the start: up to the last ``]``, at least one character."""
    if stripped[:1] == "[":
        end = stripped.rfind("]")
        if end > 1:
            return stripped[1:end]
    return None


def read_sections(text: str) -> dict[str, dict[str, str]]:
    """The sections of *text* and their keys' values, in the order written.

    Exactly what ``configparser.RawConfigParser(strict=True, delimiters=("=",),
    interpolation=None, empty_lines_in_values=False)`` with case-sensitive keys reads on
    Python 3.11 and later, on every Python (before 3.11 a section name ended at its first
    ``]``; ``tests/test_dropin.py`` compares the two over random texts): lines are split at
    ``\\n`` only and stripped (Unicode whitespace); empty lines and lines starting with
    ``#`` or ``;`` are skipped and end any value; a line indented deeper than the key line
    before it continues that value (joined with ``\\n``); a key is what precedes the first
    ``=``, the value what follows it, both stripped; no inline comments, no interpolation,
    no default section.  A repeated section or key, or a line before the first header,
    raises ``IniSyntaxError`` at once; other lines that are nothing are collected and
    raised together at the end.
    """
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    section = ""
    key = ""  # what continuation lines add to: "" after a header or an unnamed key
    indent = 0
    bad: list[int] = []
    for lineno, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            indent = _NEVER
            continue
        depth = len(line) - len(line.lstrip())
        if current is not None and key and depth > indent:
            current[key].append(stripped)
            continue
        indent = depth
        name = _header(stripped)
        if name is not None:
            if name in sections:
                raise IniSyntaxError("section", lineno, name)
            current = sections[name] = {}
            section = name
            key = ""
        elif current is None:
            raise IniSyntaxError("header", lineno)
        else:
            equals = stripped.find("=")
            if equals < 0:
                bad.append(lineno)  # the key before it stays the one continued
                continue
            key = stripped[:equals].rstrip()
            if not key:
                bad.append(lineno)  # kept as the key "" (a second one is a duplicate)
            if key in current:
                raise IniSyntaxError("option", lineno, section, key)
            current[key] = [stripped[equals + 1:].strip()]
    if bad:
        raise IniSyntaxError("lines", bad[0], linenos=tuple(bad))
    return {name: {key: "\n".join(parts).rstrip() for key, parts in values.items()}
            for name, values in sections.items()}


# -- reading -------------------------------------------------------------------------------


class Dropin:
    """One drop-in that parsed: its text (for line numbers on error) and typed values."""

    __slots__ = ("name", "path", "text", "values")

    def __init__(self, path: str, text: str, name: str, values: dict[str, object]) -> None:
        self.path = path
        self.text = text
        #: The runtime name: the ``name`` key, else the file stem.
        self.name = name
        #: The values ``runtime.validate_raw`` accepted, ``name`` included.
        self.values = values

    @property
    def marks_default(self) -> bool:
        """Whether it says ``default = true``."""
        return self.values.get("default") is True

    def where(self, key: str) -> str:
        """``PATH:LINE [runtime] KEY``, or ``PATH`` when the key is not written."""
        line = _line_of(self.text, SECTION, key)
        return self.path if line is None else where(self.path, line, SECTION, key)


class Reader:
    """Reads drop-ins one after another (a hundred per spec parse)."""

    __slots__ = ()

    def parse(self, path: str, text: str, problems: list[Problem]) -> Dropin | None:
        """Parse and validate the drop-in *path* holding *text*; add every problem to
        *problems* and return None when it has any."""
        try:
            read = read_sections(text)
        except IniSyntaxError as exc:
            problems.extend(_syntax_problems(exc, path, text))
            return None

        before = len(problems)
        sections = list(read)
        if sections != [SECTION]:
            for section in sections:
                if section != SECTION:
                    hint = f", did you mean [{SECTION}]?" if close_match(section, [SECTION]) else ""
                    problems.append(
                        Problem(
                            _locate(path, text, section),
                            f"unknown section [{section}]{hint} (a drop-in has only [runtime])",
                        )
                    )
            if SECTION not in sections:
                if len(problems) == before:
                    problems.append(Problem(path, "no [runtime] section"))
                return None

        raw_values = read[SECTION]
        values, found = validate_raw(raw_values)
        for key, message in found:
            problems.append(Problem(_locate(path, text, SECTION, key), message, key=key))

        name = values.get("name")
        if not name:
            if "name" in raw_values and "name" not in values:
                return None  # an invalid name, already reported
            name = path.rpartition("/")[2][: -len(SUFFIX)]  # os.path.basename
            try:
                convert(_NAME, name)
            except InvalidValueError as exc:
                message = f"the file name is not a valid runtime name ({exc}); set 'name ='"
                problems.append(Problem(path, message))
        if len(problems) != before:
            return None
        assert isinstance(name, str)
        values["name"] = name
        return Dropin(path, text, name, values)


# -- writing -------------------------------------------------------------------------------


def _format_value(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def check_runtime(runtime: Runtime) -> list[Problem]:
    """Problems that keep ``runtime`` from being written to, and read back from, a drop-in.

    The same checks as ``load_registry``, plus values that would not survive the trip
    (surrounding whitespace).  Origins read ``ORIGIN [runtime] KEY``.
    """
    origin = runtime.origin or f"runtime {runtime.name!r}"
    problems: list[Problem] = []
    for field in FIELDS:
        value = getattr(runtime, field.name)
        message = check_value(field, value)
        text = _format_value(value)
        if message is None and text != text.strip():
            message = f"must not start or end with whitespace, got {text!r}"
        if message is not None:
            problems.append(
                Problem(where(origin, None, SECTION, field.name), message, key=field.name)
            )
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
    if field.required or field.name == "name":
        return False
    implied = runtime.replace(**{field.name: None})
    return bool(getattr(implied, field.name) == getattr(runtime, field.name))


# -- locating problems (never on the happy path) ------------------------------------------


def _line_of(text: str, section: str | None = None, key: str | None = None) -> int | None:
    """The line where ``[section]`` (or ``key`` inside it) is written, found by scanning
    the text the way ``read_sections`` reads it; None if not found."""
    in_section = False
    for lineno, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        name = _header(stripped)
        if name is not None:
            in_section = name == section
            if in_section and key is None:
                return lineno
            continue
        if in_section and key is not None and stripped.split("=", 1)[0].strip() == key:
            return lineno
    return None


def _locate(path: str, text: str, section: str, key: str | None = None) -> str:
    """``PATH:LINE [section] KEY`` for a key, ``PATH:LINE`` for a section header."""
    return where(path, _line_of(text, section, key), section, key)


def _syntax_problems(exc: IniSyntaxError, path: str, text: str) -> list[Problem]:
    lines = text.split("\n")

    def shown(lineno: int) -> str:
        return repr(lines[lineno - 1].strip()) if 0 < lineno <= len(lines) else "''"

    if exc.kind == "option":
        assert exc.section is not None and exc.option is not None
        first = _line_of(text, exc.section, exc.option)
        return [
            Problem(
                where(path, exc.lineno, exc.section, exc.option),
                f"duplicate key {exc.option!r} (first set on line {first})",
            )
        ]
    if exc.kind == "section":
        first = _line_of(text, exc.section)
        return [
            Problem(
                where(path, exc.lineno),
                f"duplicate section [{exc.section}] (first on line {first})",
            )
        ]
    if exc.kind == "header":
        return [
            Problem(
                where(path, exc.lineno),
                f"expected the [runtime] section header first, got {shown(exc.lineno)}",
            )
        ]
    return [
        Problem(where(path, lineno), f"expected 'key = value', got {shown(lineno)}")
        for lineno in exc.linenos
    ]
