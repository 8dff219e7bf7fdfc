"""Choosing which runtimes a command works on: --foreach-N, --only, --exclude, --where.

Filters never fail on their own (a spec saying ``--exclude 'pypy*'`` must also parse on a
machine without PyPy); only a selection that ends up empty is an error, and its
message says which filter removed what.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from .errors import SelectionError

# Not ``typing.TYPE_CHECKING``: importing typing costs ~7 ms on every spec parse.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .condition import Condition
    from .runtime import Runtime

__all__ = ["Selection", "pick_one", "select"]


class Selection:
    """The filters of one command line.  Empty filters select every runtime."""

    __slots__ = ("exclude", "major", "only", "where")

    def __init__(
        self,
        *,
        only: Sequence[str] = (),
        exclude: Sequence[str] = (),
        where: Condition | None = None,
        major: str | None = None,
    ) -> None:
        #: Runtime-name globs; a runtime must match one of them (when any are given).
        self.only = tuple(only)
        #: Runtime-name globs; a runtime matching any of them is dropped.
        self.exclude = tuple(exclude)
        #: A PEP 508-style condition on runtime fields.
        self.where = where
        #: ``"2"`` or ``"3"`` for ``--foreach-2`` / ``--foreach-3``.
        self.major = major

    def describe(self) -> str:
        """The filters as command-line options, for error messages."""
        words = []
        if self.major:
            words.append(f"--foreach-{self.major}")
        words += [f"--only {glob!r}" for glob in self.only]
        words += [f"--exclude {glob!r}" for glob in self.exclude]
        if self.where is not None:
            words.append(f"--where {self.where.source!r}")
        return " ".join(words) or "(no filter)"

    def rejects(self, runtime: Runtime) -> str | None:
        """Why *runtime* is not selected (the first filter that drops it), or None."""
        if self.major and runtime.major_version != self.major:
            return f"--foreach-{self.major}"
        if self.only and not any(fnmatchcase(runtime.name, glob) for glob in self.only):
            return "--only " + " ".join(repr(glob) for glob in self.only)
        for glob in self.exclude:
            if fnmatchcase(runtime.name, glob):
                return f"--exclude {glob!r}"
        if self.where is not None and not self.where.evaluate(runtime):
            return f"--where {self.where.source!r}"
        return None


def select(runtimes: Sequence[Runtime], selection: Selection) -> tuple[Runtime, ...]:
    """The runtimes *selection* keeps, in registry order; never empty.

    Raises SelectionError listing every runtime and the filter that dropped it.
    """
    chosen = tuple(rt for rt in runtimes if selection.rejects(rt) is None)
    if chosen:
        return chosen
    if not runtimes:
        raise SelectionError("no runtime selected: the registry is empty")
    reasons = "; ".join(f"{rt.name} (dropped by {selection.rejects(rt)})" for rt in runtimes)
    raise SelectionError(
        f"no runtime selected by {selection.describe()}: the registry has {reasons}"
    )


def pick_one(chosen: Sequence[Runtime]) -> Runtime:
    """The runtime of ``--eval`` without ``--foreach``: the default if selected, else the first."""
    for runtime in chosen:
        if runtime.default:
            return runtime
    return chosen[0]
