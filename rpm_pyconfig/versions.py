"""PEP 440 versions as RPM versions.

RPM orders versions with ``rpmvercmp``: ``~`` sorts before anything (even the end of the
string) and ``^`` sorts after the end of the string but before any further segment.
That is enough to keep every part of a PEP 440 version, in this order::

    release  ~{a,b,rc}N  ^postN  ~~devN

``1.0rc1`` -> ``1.0~rc1``, ``1.0.dev2`` -> ``1.0~~dev2``, ``1.0a1.dev1`` -> ``1.0~a1~~dev1``,
``1.0.post456.dev34`` -> ``1.0^post456~~dev34``, ``1.0b2.post345`` -> ``1.0~b2^post345``.
The epoch goes into its own ``Epoch:`` tag (``1!0.2.13`` -> epoch 1, version ``0.2.13``)
and local versions (``+abc``) are dropped: RPM has no equivalent and distributions do not
ship them.  The input is normalised with :class:`packaging.version.Version` first; keep the
upstream string for source URLs.

Two forms exist:

* :func:`rpm_version` -- the ``Version:`` tag.  The release keeps its trailing zeros, so
  ``1.0`` stays ``1.0`` and matches the source tarball's name.
* :func:`dependency_version` -- the ``[E:]V`` of ``Provides:``/``Requires:``.  Trailing zeros
  of the release are trimmed (``1.0`` -> ``1``, ``2.4.0rc1`` -> ``2.4~rc1``), because PEP 440
  treats ``1``, ``1.0`` and ``1.0.0`` as equal and RPM does not (``1.0`` > ``1``).  rpm's own
  ``pythondistdeps.py`` generator trims the same way in the ``pythonXdist()`` provides it
  writes, so requirements and provides meet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from packaging.version import InvalidVersion, Version

from rpm_pyconfig.errors import MetadataError

__all__ = [
    "RpmVersion",
    "dependency_version",
    "parse_version",
    "release_string",
    "rpm_version",
    "trim_rpm_version",
]

VersionLike = Union[str, Version]


@dataclass(frozen=True)
class RpmVersion:
    """A PEP 440 version spelled for RPM."""

    #: Value of the ``Epoch:`` tag, ``None`` when the PEP 440 epoch is 0 (no tag).
    epoch: int | None
    #: Value of the ``Version:`` tag (no epoch, no local part), e.g. ``1.0~rc1``.
    version: str

    @property
    def evr(self) -> str:
        """``E:V`` as written in dependencies (``1:0.2.13``), or just ``V`` without epoch."""
        return f"{self.epoch}:{self.version}" if self.epoch else self.version

    def __str__(self) -> str:
        return self.evr


#: rpm's Epoch is an unsigned 32-bit number: a larger one stops rpmspec ("Epoch field must be
#: an unsigned number").
RPM_MAX_EPOCH = 2**32 - 1


def parse_version(version: VersionLike, *, origin: str = "") -> Version:
    """Normalise ``version`` with packaging; raise :class:`MetadataError` naming it if invalid.

    ``origin`` (``pyproject.toml [project] version``) prefixes the message.
    """
    if isinstance(version, Version):
        return version
    where = f"{origin}: " if origin else ""
    shown = (repr(version) if len(version) <= 100
             else f"{version[:60]!r}... ({len(version)} characters)")
    try:
        parsed = Version(version)
    except InvalidVersion:
        raise MetadataError(f"{where}invalid version {shown}: not a PEP 440 version") from None
    except ValueError:  # a number over Python's int() digit limit (4300 by default)
        raise MetadataError(f"{where}invalid version {shown}: a number in it has too many "
                            "digits") from None
    if parsed.epoch > RPM_MAX_EPOCH:
        raise MetadataError(f"{where}invalid version {shown}: its epoch is larger than rpm's "
                            f"Epoch can hold ({RPM_MAX_EPOCH})")
    return parsed


def rpm_version(version: VersionLike, *, origin: str = "") -> RpmVersion:
    """The ``Epoch:``/``Version:`` tags of a PEP 440 version (release keeps trailing zeros)."""
    return _convert(parse_version(version, origin=origin), trim=False)


def dependency_version(version: VersionLike, *, origin: str = "") -> str:
    """``[E:]V`` for ``Requires:``/``Provides:``: release trailing zeros trimmed, see module doc."""
    return _convert(parse_version(version, origin=origin), trim=True).evr


def trim_rpm_version(evr: str) -> str:
    """The dependency form of an rpm ``[E:]V`` already converted: ``1:2.0.0~rc1`` -> ``1:2~rc1``.

    For provides written from a spec's ``%{version}``, so that they match requirements
    converted with :func:`dependency_version`.
    """
    epoch, colon, version = evr.rpartition(":")
    match = re.match(r"(\d+(?:\.\d+)*)(.*)\Z", version, re.DOTALL)
    if match is None:
        return evr
    release = tuple(int(part) for part in match.group(1).split("."))
    return f"{epoch}{colon}{release_string(release, trim=True)}{match.group(2)}"


def release_string(release: tuple[int, ...], *, trim: bool) -> str:
    """``1.0.0`` -> ``1.0.0`` or, trimmed, ``1`` (at least one component is kept)."""
    parts = list(release)
    if trim:
        while len(parts) > 1 and parts[-1] == 0:
            parts.pop()
    return ".".join(str(part) for part in parts)


def _convert(version: Version, *, trim: bool) -> RpmVersion:
    text = release_string(version.release, trim=trim)
    if version.pre is not None:
        letter, number = version.pre
        text += f"~{letter}{number}"
    if version.post is not None:
        text += f"^post{version.post}"
    if version.dev is not None:
        text += f"~~dev{version.dev}"
    return RpmVersion(epoch=version.epoch or None, version=text)
