"""Writing a file whole or not at all: drop-ins, generated specs, %files lists.

A hidden temporary file in the same directory is written and fsynced, then linked into
place (which fails if the file exists: no clobbering, no race) or, when replacing is
allowed, renamed over it; the directory is fsynced last.  No temporary file survives.
"""

from __future__ import annotations

import os
import tempfile

from .errors import PyConfigError

__all__ = ["write_atomically"]


def write_atomically(path: str, data: bytes, *, replace: bool, mode: int = 0o644) -> None:
    """Put *data* at *path*; raise PyConfigError naming the path and the reason otherwise.

    Without *replace* an existing path (even a dangling symlink) is an error.
    """
    if not replace and os.path.lexists(path):
        raise PyConfigError(f"{path}: already exists (use --force to replace it)")
    directory = os.path.dirname(os.path.abspath(path))
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
    _fsync_directory(directory)


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
