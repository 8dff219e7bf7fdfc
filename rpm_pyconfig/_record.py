"""The one frozen-record base of our value objects: Runtime, Registry, Expression, Condition.

What ``@dataclass(frozen=True, slots=True)`` would give, without importing ``dataclasses``
(about 10 ms, paid on every spec parse): slotted instances that cannot be changed once
built, with equality and hash over the attributes each class names in ``_compared``.
"""

from __future__ import annotations

__all__ = ["Record"]


class Record:
    """Immutable, slotted; equal when of the same class with equal ``_compared`` attributes."""

    __slots__ = ()

    #: The attributes equality and hash look at (a class attribute, not a slot).
    _compared: tuple[str, ...] = ()

    def _fill(self, values: dict[str, object]) -> None:
        """Set every attribute once, from ``__init__``: the only writes a record allows."""
        for key, value in values.items():
            object.__setattr__(self, key, value)

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot set {key!r}")

    def __delattr__(self, key: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot delete {key!r}")

    def _key(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._compared)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Record)
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())
