"""Files written whole or not at all (drop-ins, generated specs, %files lists), and read digests.

A hidden temporary file in the same directory is written and fsynced, then linked into
place (which fails if the file exists: no clobbering, no race) or, when replacing is
allowed, renamed over it; the directory is fsynced last.  Only a regular file is ever
replaced (never a device, a FIFO, a directory or a symlink).  No temporary file survives,
not even SIGTERM or SIGINT during the write: they are turned into an exception while it
lasts, and delivered again once the file is gone.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import stat
import tempfile
from collections.abc import Iterator

from .errors import PyConfigError

__all__ = ["sha256_of", "write_atomically"]


def sha256_of(path: str | os.PathLike[str]) -> str:
    """The hex SHA-256 of a file, read in blocks (sdists and wheels can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomically(path: str, data: bytes, *, replace: bool, mode: int = 0o644) -> None:
    """Put *data* at *path*; raise PyConfigError naming the path and the reason otherwise.

    Without *replace* an existing path (even a dangling symlink) is an error.
    """
    if not replace and os.path.lexists(path):
        raise PyConfigError(f"{path}: already exists (use --force to replace it)")
    _check_replaceable(path)
    directory = os.path.dirname(os.path.abspath(path))
    with _signals_raise():
        _write(path, directory, data, replace=replace, mode=mode)
    _fsync_directory(directory)


def _check_replaceable(path: str) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise PyConfigError(f"{path}: cannot write: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise PyConfigError(
            f"{path}: exists and is not a regular file (a directory, a symlink, a device or "
            "a FIFO); refusing to replace it"
        )


class _Interrupted(KeyboardInterrupt):
    """A signal arrived during a write; the signal number travels along."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """While writing, SIGTERM and SIGINT raise instead of killing, so ``finally`` removes the
    temporary file; afterwards the signal's own action runs (SIGTERM still terminates)."""
    watched = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    previous = {}

    def handler(signum: int, _frame: object) -> None:
        raise _Interrupted(signum)

    try:
        for signum in watched:
            previous[signum] = signal.signal(signum, handler)
    except ValueError:  # not the main thread: signals cannot be caught here
        for signum, old in previous.items():
            signal.signal(signum, old)
        yield
        return
    try:
        yield
    except _Interrupted as interrupted:
        for signum, old in previous.items():
            signal.signal(signum, old)
        previous = {}
        if interrupted.signum == signal.SIGINT:
            raise KeyboardInterrupt from None
        os.kill(os.getpid(), interrupted.signum)  # the old action: usually termination
        raise PyConfigError(f"interrupted by signal {interrupted.signum}") from None
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def _write(path: str, directory: str, data: bytes, *, replace: bool, mode: int) -> None:
    try:
        fd, temporary = tempfile.mkstemp(
            prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory
        )
    except OSError as exc:
        raise PyConfigError(f"{directory}: cannot write a file there: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise PyConfigError(
                    f"{path}: already exists (use --force to replace it)"
                ) from None
    except OSError as exc:
        raise PyConfigError(f"{path}: cannot write: {exc.strerror}") from None
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)


def _fsync_directory(directory: str) -> None:
    """Make the new directory entry durable (best effort: not every filesystem allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
