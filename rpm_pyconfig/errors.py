"""The one exception hierarchy of rpm-pyconfig.

Library code raises these and never prints or exits; ``cli`` turns them into
messages and exit codes (and, inside a spec, into ``%{error:...}``).
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ExecutionError",
    "ExpressionError",
    "MetadataError",
    "NoRuntimeError",
    "ProbeError",
    "Problem",
    "PyConfigError",
    "SelectionError",
    "UsageError",
    "close_match",
    "located",
    "where",
]

TYPE_CHECKING = False  # not typing's: this module is on the spec-parse path
if TYPE_CHECKING:
    from collections.abc import Iterable


class PyConfigError(Exception):
    """Base class of every error this project raises on purpose."""

    #: The exit status of a command that fails with this error (1 to 255).
    exit_status = 1


def where(path: str, line: int | None = None, section: str = "", key: str | None = None) -> str:
    """The one spelling of where a problem is: ``PATH``, ``PATH:LINE``, ``PATH:LINE [SECTION]
    KEY`` (``/etc/rpm-pyconfig.d/pypy3.conf:7 [runtime] purelib``), or ``PATH [SECTION] KEY``."""
    origin = path if line is None else f"{path}:{line}"
    return origin if key is None else f"{origin} [{section}] {key}"


def located(origin: str, message: str) -> str:
    """``ORIGIN: MESSAGE``, or *message* alone when there is no origin."""
    return f"{origin}: {message}" if origin else message


class Problem:
    """One thing wrong with one input, located as precisely as we can."""

    __slots__ = ("key", "message", "origin")

    def __init__(self, origin: str, message: str, *, key: str | None = None) -> None:
        #: Where (see ``where``): ``/etc/rpm-pyconfig.d/pypy3.conf:7 [runtime] purelib``.
        self.origin = origin
        #: What is wrong, naming the offending value.
        self.message = message
        #: The runtime key it is about, when it is about one (also named in ``origin``).
        self.key = key

    def __str__(self) -> str:
        return located(self.origin, self.message)

    def __repr__(self) -> str:
        return f"Problem({self.origin!r}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Problem):
            return NotImplemented
        return (self.origin, self.message) == (other.origin, other.message)

    def __hash__(self) -> int:
        return hash((self.origin, self.message))


class ConfigError(PyConfigError):
    """The runtime registry is unusable; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class NoRuntimeError(ConfigError):
    """The registry's directories hold no runtime at all (nothing wrong in them): what a
    command that only uses runtimes when there are some may take as none."""


class ExpressionError(PyConfigError):
    """An @-expression (or a selection condition) does not parse.

    The message shows the input and a ``~~~^`` marker under the bad span, like
    ``packaging``'s syntax errors.
    """

    def __init__(self, message: str, *, source: str, span: tuple[int, int]) -> None:
        #: The message alone, without the input and the marker.
        self.reason = message
        self.source = source
        #: ``(start, end)`` indices into *source*; the caret goes under ``end - 1``.
        self.span = span
        super().__init__(f"{message}\n{_show_span(source, span)}")


def _show_span(source: str, span: tuple[int, int]) -> str:
    """The line of *source* holding the span, and a ``~~~^`` marker under the span.

    A multi-line input (the body of a ``%{expand:...}``) shows only the offending line,
    labelled with its number.  Tabs and other unprintable characters are shown as one
    space each so the marker stays aligned; a span running past the line stops just
    after it (where the caret means "here, at the end").
    """
    start, end = span
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", line_start)
    if line_end < 0:
        line_end = len(source)
    line = "".join(c if c.isprintable() else " " for c in source[line_start:line_end])
    start -= line_start
    end = max(min(end - line_start, len(line) + 1), start + 1)
    if "\n" in source:
        number = source.count("\n", 0, line_start) + 1
        label = f"line {number}: "
        line = label + line
        start += len(label)
        end += len(label)
    marker = " " * start + "~" * (end - start - 1) + "^"
    return f"    {line}\n    {marker}"


class SelectionError(PyConfigError):
    """A runtime selection (--only/--exclude/--where/NAME) is empty or names nothing."""


class ExecutionError(PyConfigError):
    """A command run for one runtime (``--exe``, a build step) failed."""

    def __init__(self, message: str, *, runtime: str, returncode: int) -> None:
        """*returncode*: the failed command's status; the command line exits with it when
        it is a valid exit status (1-255), else with 1."""
        self.runtime = runtime
        #: What the command returned (a fact for the message), not what we exit with.
        self.returncode = returncode
        self.exit_status = returncode if 0 < returncode < 256 else 1
        super().__init__(message)


class ProbeError(PyConfigError):
    """A live interpreter could not be described (missing, crashed, odd answer)."""


class UsageError(PyConfigError):
    """The command line itself is wrong (exit status 2)."""

    exit_status = 2


class MetadataError(PyConfigError):
    """A project's metadata (pyproject.toml, PKG-INFO, METADATA) is missing or wrong."""


def close_match(word: str, choices: Iterable[str]) -> str | None:
    """The one of *choices* that *word* is most likely a typo of, or None: the "did you
    mean" of every message.  A choice equal but for case wins; else difflib's closest.
    ``difflib`` costs milliseconds, so it is imported only here, on error paths."""
    choices = list(choices)
    lowered = word.lower()
    for choice in choices:
        if choice.lower() == lowered:
            return choice
    import difflib

    matches = difflib.get_close_matches(word, choices, n=1)
    return matches[0] if matches else None
