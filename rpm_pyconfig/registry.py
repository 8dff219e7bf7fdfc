"""Find the runtime drop-ins (``*.conf``) on the search path and merge them into one registry.

Directories are searched in order (distribution, then administrator); a later
directory's file replaces an earlier one with the same file name, and an empty (or
whitespace-only) file, e.g. a symlink to ``/dev/null``, masks it.  Each file is read by
``dropin`` (the file format) and its values checked by ``runtime``; this module adds
the rules across files: unique names, at most one ``default = true``, and the first
runtime in order as the default when none is marked.

This module is on the hot path (every spec parse), so it imports only ``posix``, ``stat``
and our own light modules (not ``os``: its import cost the fallback of a spec parse a
tenth of its instructions).  Every problem in every file is collected and raised once as a
``ConfigError``.
"""

# Paths are plain strings throughout (Runtime fields are str) and pathlib costs
# milliseconds of import time on every spec parse: plain string joins are deliberate here.

from __future__ import annotations

import errno
import posix
import stat

from rpm_pyconfig._record import Record
from rpm_pyconfig.dropin import SUFFIX, Dropin, Reader
from rpm_pyconfig.errors import ConfigError, NoRuntimeError, Problem, where
from rpm_pyconfig.runtime import FIELDS, Runtime

TYPE_CHECKING = False
if TYPE_CHECKING:  # no typing import at run time: this module is on the hot path
    from collections.abc import Iterable, Iterator, Mapping, Sequence

__all__ = [
    "DEFAULT_SEARCH_PATH",
    "ENV_VAR",
    "PROBE_HINT",
    "Registry",
    "load_registry",
    "search_path",
]

#: Where drop-ins are searched by default: distribution first, then administrator.
DEFAULT_SEARCH_PATH = ("/usr/lib/rpm-pyconfig.d", "/etc/rpm-pyconfig.d")
#: Colon-separated directory list that replaces ``DEFAULT_SEARCH_PATH``.
ENV_VAR = "RPM_PYCONFIG_PATH"
#: The command that writes drop-ins for this machine's interpreters.
PROBE_HINT = "rpm-pyconfig probe --all --write /etc/rpm-pyconfig.d"

_DEFAULT_PRIORITY = next(field.default for field in FIELDS if field.name == "priority")


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
        import os

        environ = os.environ
    dirs = [entry for entry in environ.get(ENV_VAR, "").split(":") if entry]
    if dirs:
        return dirs, True
    return list(DEFAULT_SEARCH_PATH), False


# -- the registry --------------------------------------------------------------------------


class Registry(Record):
    """The validated set of runtimes.  Immutable.

    ``runtimes`` are ordered by ``(priority, name)``; exactly one of them is ``default``.
    """

    __slots__ = ("_by_name", "default", "dirs", "files", "masked", "runtimes")
    _compared = ("runtimes", "dirs", "files", "masked")

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
        self._fill(values)

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

    def __repr__(self) -> str:
        return f"Registry({list(self.names)!r}, default={self.default.name!r})"


def _order(runtime: Runtime) -> tuple[int, str]:
    return (runtime.priority, runtime.name)


# -- loading -------------------------------------------------------------------------------


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
    reader = Reader()
    entries: list[Dropin] = []
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
        entry = reader.parse(path, text, problems)
        if entry is not None:
            entries.append(entry)
    runtimes = _resolve(entries, problems)
    if not problems and not runtimes:
        raise NoRuntimeError([Problem("", _empty_message(dirs))])
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
            names = posix.listdir(directory)
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
            if name.endswith(SUFFIX) and not name.startswith("."):
                chosen[name] = _join(directory, name)
    return searched, [chosen[name] for name in sorted(chosen)]


def _join(directory: str, name: str) -> str:
    """``os.path.join(directory, name)`` for a *name* listed in *directory* (never
    absolute)."""
    return directory + name if not directory or directory.endswith("/") else f"{directory}/{name}"


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
                where(path, line),
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
    descriptor = posix.open(path, posix.O_RDONLY | posix.O_CLOEXEC | posix.O_NONBLOCK)
    try:
        info = posix.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", path)
        if not stat.S_ISREG(info.st_mode):
            if stat.S_ISCHR(info.st_mode) and info.st_rdev == posix.stat("/dev/null").st_rdev:
                return b""
            raise _NotRegularError(path)
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = posix.read(descriptor, 65536)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > MAX_DROPIN_SIZE:
                raise _TooLargeError(path)
            chunks.append(chunk)
    finally:
        posix.close(descriptor)


class _NotRegularError(OSError):
    def __init__(self, path: str) -> None:
        super().__init__(errno.EINVAL, "not a regular file (a FIFO, a device, a socket?)", path)


class _TooLargeError(OSError):
    def __init__(self, path: str) -> None:
        super().__init__(errno.EFBIG, f"larger than {MAX_DROPIN_SIZE} bytes", path)


def _resolve(entries: list[Dropin], problems: list[Problem]) -> list[Runtime]:
    """Cross-file checks, then which runtime is the default."""
    first: dict[str, Dropin] = {}
    unique: list[Dropin] = []
    for entry in entries:
        other = first.get(entry.name)
        if other is not None:
            problems.append(
                Problem(
                    entry.where("name"),
                    f"runtime name {entry.name!r} is already used by {other.path}",
                )
            )
            continue
        first[entry.name] = entry
        unique.append(entry)

    marked = [entry for entry in unique if entry.marks_default]
    if len(marked) > 1:
        listing = ", ".join(f"{entry.name} ({entry.path})" for entry in marked)
        problems.append(
            Problem(
                marked[1].where("default"),
                f"more than one runtime is marked default: {listing}; mark only one",
            )
        )
    if problems:
        return []

    # Unmarked, the first in order is the default (Registry orders the runtimes themselves).
    default = marked[0] if marked else min(unique, key=_entry_order, default=None)
    return [
        Runtime.from_valid({**entry.values, "default": entry is default}, origin=entry.path)
        for entry in unique
    ]


def _entry_order(entry: Dropin) -> tuple[object, str]:
    """``_order`` of the runtime an entry will become."""
    return (entry.values.get("priority", _DEFAULT_PRIORITY), entry.name)


def _empty_message(dirs: list[str]) -> str:
    where = ", ".join(dirs) if dirs else "(no directory)"
    return f"no Python runtime is defined in {where}; hint: run '{PROBE_HINT}'"


