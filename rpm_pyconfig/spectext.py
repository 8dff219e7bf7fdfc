"""Spec-safe text: the one place where a value becomes part of an rpm spec.

Everything a template or the spec generator prints into a spec is a :class:`SpecText`, and
only the functions of this module make one.  Each takes a value and either checks it
against the grammar of its field (names, versions, extras, URLs, file names) or makes it
inert for the exact number of times rpm expands the spot where it lands; anything else is a
:class:`~rpm_pyconfig.errors.MetadataError` naming the field and the value.

What rpm 4.18 does with a spec line (measured by ``tests/test_spectext.py`` and
``tests/test_hostile.py``):

* the line is scanned for ``\\``, ``%{``, ``%(`` and ``%[``: a backslash hides the next
  character from that scan and a backslash at the end of a line continues it;
* the line is macro-expanded; every expansion turns ``%%`` into ``%``;
* after expansion, a line that starts (after blanks) with ``%if``, ``%endif``,
  ``%include``... is a directive, one that starts with a section keyword (``%post``) is a
  section, and in ``%description`` one that starts with ``#`` is a comment;
* a ``%global`` body is expanded when it is defined and again where it is used; inside it,
  ``\\x`` stands for ``x``, and a body starting with ``{`` ends at the matching ``}``;
  ``%{expand:X}`` expands ``X`` twice, and finds its end by counting braces, where a
  backslash hides the next character.

Hence the landing spots and their expansions:

==============================================  ==========  ===============================
spot                                            expansions  producer
==============================================  ==========  ===============================
a tag, a comment, a scriptlet line              1           :func:`line`, :func:`shell`
``%global NAME \\`` + lines, used as ``%NAME``   2           :func:`define_lines`
``%global NAME VALUE``, read back by            2           :func:`define_value`
``rpm.expand()`` in the macros' Lua
``%global NAME %{expand:`` + lines, read back   3           :func:`expand_lines`
by ``rpm.expand()`` in the macros' Lua
==============================================  ==========  ===============================
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

from .errors import MetadataError

__all__ = [
    "SpecText",
    "block",
    "comment",
    "define_lines",
    "define_value",
    "expand_lines",
    "extra",
    "filename",
    "generated_dependency",
    "join",
    "license_expression",
    "line",
    "macro_arguments",
    "module",
    "name",
    "paragraph",
    "rpm_dependency",
    "shell",
    "syntax",
    "url",
    "version",
]


class SpecText(str):
    """Text that may go into a spec as it is.  Only this module's functions make one."""

    __slots__ = ()


#: What stands between a backslash and the next character on a line expanded once: it
#: expands to nothing, and keeps rpm's line scan from pairing the backslash with a ``%``
#: (which would open a macro the scan never sees closed) or with the newline.
_BACKSLASH_GUARD = "%{?nil}"

#: A line that starts with one of these is no plain text after expansion.
_LINE_STARTS = ("%", "#")


def _where(field: str) -> str:
    return f"{field}: " if field else ""


def _refuse(field: str, value: str, reason: str) -> MetadataError:
    return MetadataError(f"{_where(field)}{reason}, got {value!r}")


def _check_printable(value: str, field: str, *, newlines: bool = False) -> None:
    for char in value:
        if char == "\n" and newlines:
            continue
        if not char.isprintable() and char != "\t":
            what = "a newline" if char in "\n\r\x0b\x0c\x85\u2028\u2029" else "control characters"
            raise _refuse(field, value, f"must not contain {what}")


def _escape(value: str, expansions: int) -> str:
    return value.replace("%", "%" * (2**expansions))


def syntax(text: str) -> SpecText:
    """Spec syntax written by this project's own code (``%{pypi_version}``), never a value."""
    return SpecText(text)


def join(parts: Iterable[SpecText], separator: str = "") -> SpecText:
    """Spec texts joined (the separator is our own syntax: a space, a newline)."""
    items = list(parts)
    for part in items:
        if not isinstance(part, SpecText):
            raise TypeError(f"not spec text: {part!r}")
    return SpecText(separator.join(items))


def line(value: object, *, field: str = "") -> SpecText:
    """*value* as literal text on one spec line expanded once (a tag, a comment, a scriptlet).

    A newline or control character is refused; ``%`` is doubled and a backslash guarded,
    so the line scan and the expansion give back exactly *value*.
    """
    if isinstance(value, SpecText):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"{_where(field)}not text: {value!r}")
    text = str(value)
    _check_printable(text, field)
    return SpecText(_escape(text, 1).replace("\\", "\\" + _BACKSLASH_GUARD))


def comment(value: str) -> SpecText:
    """Our own message (which may quote any value) as the text of a ``#`` comment line.

    rpm expands macros in comments too.  Control characters are shown as ``\\xNN``.
    """
    shown = "".join(
        char if char.isprintable() or char == " " else f"\\x{ord(char):02x}" for char in value
    )
    return line(shown)


def block(text: str, *, field: str = "") -> SpecText:
    """Several lines (a heredoc in a scriptlet), each as :func:`line`; none may start with
    ``%`` (after expansion rpm would read a directive or a section there)."""
    lines = text.split("\n")
    for item in lines:
        if item.lstrip(" \t").startswith("%"):
            raise _refuse(field, text, f"a line must not start with '%': {item!r}")
    return SpecText("\n".join(line(item, field=field) for item in lines))


def shell(value: object, *, field: str = "") -> SpecText:
    """*value* as one shell word (``shlex.quote``) on a scriptlet line expanded once."""
    text = str(value)
    _check_printable(text, field)
    return line(shlex.quote(text), field=field)


def _check_line_starts(lines: list[str], field: str, value: str) -> None:
    for text in lines:
        if text.lstrip(" \t").startswith(_LINE_STARTS):
            raise _refuse(
                field,
                value,
                "a line must not start with '%' or '#' (rpm would read a directive, "
                f"a section or a comment): {text!r}",
            )


def paragraph(text: str, *, lead: str, field: str = "", width: int = 79) -> list[str]:
    """*text*'s words filled into lines of at most *width* characters (a longer word alone).

    rpm reads a description's lines as spec lines once they are expanded, so a word that
    starts with ``%`` or ``#`` never starts one: it stays on the line before, and *lead*
    goes first when *text* itself starts so.  Words are split at whitespace only: fold
    invisible characters (U+200B...) into blanks first, or refuse them, else such a word
    would start a line.  The lines are still to be escaped (:func:`line`, :func:`define_lines`).
    """
    words = text.split()
    if words and words[0].startswith(_LINE_STARTS):
        words.insert(0, lead)
    lines: list[str] = []
    for word in words:
        if lines and (len(lines[-1]) + 1 + len(word) <= width or word.startswith(_LINE_STARTS)):
            lines[-1] += " " + word
        else:
            lines.append(word)
    _check_line_starts(lines, field, text)
    return lines


def macro_arguments(value: str, *, field: str = "") -> SpecText:
    """The words after a parametric macro on its line (``%pyconfig_test --where ... -- -v``),
    which the macro hands to ``/bin/sh``: balanced shell quotes; no ``%`` (rpm expands the
    arguments, then the macro's text again), no backslash (it would continue the line or
    escape what follows), no newline or control character; not empty.  rpm splits the
    arguments on whitespace and the macro joins them again with single spaces, then cuts
    them at the first word ``--``: inside quotes, a tab or a run of whitespace would reach
    the command changed, and a ``--`` word would cut the line in the wrong place."""
    _check_printable(value, field)
    if not value.strip():
        raise _refuse(field, value, "must not be empty (-- alone passes no arguments)")
    if "%" in value or "\\" in value:
        raise _refuse(field, value, "must not contain '%' or '\\' (rpm reads them as syntax)")
    try:
        shlex.split(value)
    except ValueError as error:
        raise _refuse(field, value, f"is not shell words ({error})") from None
    _check_quoted_words(value, field)
    return SpecText(value.strip())


def _check_quoted_words(value: str, field: str) -> None:
    """Refuse what rpm's word splitting changes inside quotes (balanced, no backslash):
    a tab, a run of whitespace, a ``--`` word."""
    quote = ""
    inside = []  # per character: within quotes
    for char in value:
        if quote:
            inside.append(char != quote)
            if char == quote:
                quote = ""
        else:
            inside.append(False)
            if char in "'\"":
                quote = char
    for index, char in enumerate(value):
        if not inside[index] or not char.isspace():
            continue
        if char != " " or (index + 1 < len(value) and inside[index + 1]
                           and value[index + 1].isspace()):
            raise _refuse(field, value, "must not have a tab or a run of spaces inside quotes "
                          "(rpm splits the words and joins them with single spaces)")
    for match in re.finditer(r"\S+", value):
        word = match.group()
        if (word == "--" and inside[match.start()]) or (
                word != "--" and word.replace("'", "").replace('"', "") == "--"):
            raise _refuse(field, value, "must not have a quoted -- (%pyconfig_test would cut "
                          "the line there: rpm does not see quotes)")


def define_value(value: str, *, field: str = "") -> SpecText:
    """One line as the body of ``%global NAME VALUE``, read back by the macros'
    ``rpm.expand("%{?NAME}")``: expanded twice; a backslash in a body escapes the next
    character, so it is doubled, and a leading ``{`` gets one."""
    _check_printable(value, field)
    text = _escape(value, 2).replace("\\", "\\\\")
    # A body that starts with "{" is read up to the matching "}" (rpm's "{...}" grouping):
    # a backslash keeps the brace literal.
    return SpecText("\\" + text if text.startswith("{") else text)


def define_lines(lines: list[str], *, field: str = "", value: str = "") -> SpecText:
    """The body of ``%global NAME \\`` + *lines*, used as ``%NAME``: expanded twice.

    After the use the lines are spec lines again: none may start with ``%`` or ``#``.
    """
    shown = value or "\n".join(lines)
    _check_line_starts(lines, field, shown)
    out = []
    for text in lines:
        _check_printable(text, field)
        out.append(_escape(text, 2).replace("\\", "\\\\"))
    return SpecText("\\\n".join(out))


#: Characters that rpm's brace matching or a define body would read as syntax.
_EXPAND_FORBIDDEN = re.compile(r"[\\{}]")


def expand_lines(lines: list[str], *, field: str = "") -> SpecText:
    """The body of ``%global NAME %{expand:`` + *lines* + ``}``, read back by the macros'
    ``rpm.expand("%{?NAME}")``: expanded three times.  Backslashes and braces are refused."""
    out = []
    for text in lines:
        _check_printable(text, field)
        if _EXPAND_FORBIDDEN.search(text):
            raise _refuse(field, text, "must not contain '\\', '{' or '}'")
        out.append(_escape(text, 3))
    return SpecText("\n".join(out))


# -- field grammars --------------------------------------------------------------------------


def _matching(grammar: re.Pattern[str], value: str, field: str, refusal: str) -> SpecText:
    """*value* as spec text when the whole of it matches *grammar* (which admits nothing rpm
    or a shell reads as syntax), else a ``MetadataError`` naming *field* and the *refusal*."""
    if not grammar.match(value):
        raise _refuse(field, value, refusal)
    return SpecText(value)


_NAME = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])\Z")
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_VERSION = re.compile(r"^[A-Za-z0-9.!+_-]+\Z")
_FILENAME = re.compile(r"^[A-Za-z0-9_+][A-Za-z0-9._+!-]*\Z")
#: RFC 3986 characters; ``%`` only as a percent-encoding.
_URL = re.compile(r"^https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]*(%[0-9A-Fa-f]{2}[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]*)*\Z")


_RPM_DEPENDENCY = re.compile(
    r"^[A-Za-z0-9/_][A-Za-z0-9_/+.-]*(\([A-Za-z0-9_.+:/-]+\))?"
    r"( (<|>|<=|>=|=) [A-Za-z0-9._+~^:-]+)?\Z"
)


def rpm_dependency(value: str, *, field: str = "") -> SpecText:
    """One rpm dependency a packager names (``libffi-devel``, ``pkgconfig(libffi) >= 3``,
    ``/usr/include/ffi.h``): a name, an optional ``(...)`` part and an optional comparison."""
    return _matching(_RPM_DEPENDENCY, value, field, "invalid rpm dependency (NAME, NAME(WHAT), "
                     "a path, each optionally followed by one of < > <= >= = and a version)")


#: What ``dependencies.runtime_requires`` writes: ``NAMEdist(name[extra])``, comparisons and
#: rich dependencies (``(A with B)``, ``or``): no ``%``, quote, backslash, brace or newline.
_GENERATED_WORD = r"[A-Za-z0-9_./+~^:()\[\]<>=-]+"
_GENERATED_DEPENDENCY = re.compile(rf"^{_GENERATED_WORD}( {_GENERATED_WORD})*\Z")


def generated_dependency(value: str, *, field: str = "") -> SpecText:
    """One line that ``%generate_buildrequires`` prints from ``rpm-pyconfig backend-requires``
    (rpm reads it as one dependency, literally): the grammar of converted requirements."""
    return _matching(_GENERATED_DEPENDENCY, value, field,
                     "not an rpm dependency made from a requirement")


_NAME_GRAMMAR = "ASCII letters, digits, '.', '_', '-', starting and ending with a letter or digit"


def name(value: str, *, field: str = "") -> SpecText:
    """A project (or package) name: PEP 508's ASCII letters, digits, ``.``, ``_``, ``-``."""
    return _matching(_NAME, value, field, f"invalid project name ({_NAME_GRAMMAR})")


def module(value: str, *, field: str = "") -> SpecText:
    """An import name (``_pytest``, ``zope.interface``): ASCII Python identifiers, dotted."""
    return _matching(_MODULE, value, field, "invalid import name (ASCII letters, digits and "
                     "'_', not starting with a digit, joined by '.')")


def extra(value: str, *, field: str = "") -> SpecText:
    """An extra's name: the grammar of a project name (PEP 685)."""
    return _matching(_NAME, value, field, f"invalid extra name ({_NAME_GRAMMAR})")


def version(value: str, *, field: str = "") -> SpecText:
    """A version as the project spells it, which PEP 440 has accepted: no blanks."""
    return _matching(_VERSION, value, field, "invalid version (PEP 440, without blanks)")


def filename(value: str, *, field: str = "") -> SpecText:
    """A file or directory name (an sdist's, its top directory): no path, no shell syntax;
    never ``.`` or ``..`` (the grammar's first character is no dot)."""
    return _matching(_FILENAME, value, field, "must be a plain file name of ASCII letters, "
                     "digits, '.', '_', '+', '!' and '-'")


_LICENSE = re.compile(r"^[A-Za-z0-9.+:()-]+( [A-Za-z0-9.+:()-]+)*\Z")


def license_expression(value: str, *, field: str = "") -> SpecText:
    """An SPDX license expression (identifiers, ``AND``/``OR``/``WITH``, parentheses)."""
    return _matching(_LICENSE, value, field, "invalid license expression for the License tag")


def url(value: str, *, field: str = "") -> SpecText:
    """An http(s) URL of RFC 3986 characters (``%`` only in percent-encodings), one line."""
    if not _URL.match(value):
        raise _refuse(field, value, "must be an http(s) URL of RFC 3986 characters "
                      "(no blanks, quotes, braces or backslashes; '%' only as %XX)")
    return line(value, field=field)
