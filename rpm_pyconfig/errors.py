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
    "Problem",
    "ProbeError",
    "PyConfigError",
    "SelectionError",
]


class PyConfigError(Exception):
    """Base class of every error this project raises on purpose."""


class Problem:
    """One thing wrong with one input, located as precisely as we can."""

    __slots__ = ("message", "origin")

    def __init__(self, origin: str, message: str) -> None:
        #: Where: ``/etc/rpm-pyconfig.d/pypy3.conf:7 [runtime] purelib`` or just a path.
        self.origin = origin
        #: What is wrong, naming the offending value.
        self.message = message

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}" if self.origin else self.message

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


class ExpressionError(PyConfigError):
    """An @-expression (or a selection condition) does not parse.

    The message shows the input and a ``~~~^`` marker under the bad span, like
    ``packaging``'s syntax errors.
    """

    def __init__(self, message: str, *, source: str, span: tuple[int, int]) -> None:
        self.reason = message
        self.source = source
        self.span = span
        start, end = span
        marker = " " * start + "~" * max(end - start - 1, 0) + "^"
        shown = source.replace("\n", " ").replace("\t", " ")
        super().__init__(f"{message}\n    {shown}\n    {marker}")


class SelectionError(PyConfigError):
    """A runtime selection (--only/--exclude/--where/NAME) is empty or names nothing."""


class ExecutionError(PyConfigError):
    """A command run for one runtime (``--exe``, a build step) failed."""

    def __init__(self, message: str, *, runtime: str, returncode: int) -> None:
        self.runtime = runtime
        self.returncode = returncode
        super().__init__(message)


class ProbeError(PyConfigError):
    """A live interpreter could not be described (missing, crashed, odd answer)."""


class MetadataError(PyConfigError):
    """A project's metadata (pyproject.toml, PKG-INFO, METADATA) is missing or wrong."""
