"""Tests of rpm_pyconfig._files: whole files or nothing, never anything but a regular file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rpm_pyconfig._files import write_atomically
from rpm_pyconfig.errors import PyConfigError


def test_writes_and_replaces_a_regular_file(tmp_path: Path) -> None:
    target = tmp_path / "out.spec"
    write_atomically(str(target), b"one\n", replace=False)
    write_atomically(str(target), b"two\n", replace=True)
    assert target.read_bytes() == b"two\n"
    assert sorted(os.listdir(tmp_path)) == ["out.spec"]


@pytest.mark.parametrize("kind", ["fifo", "symlink", "directory", "device"])
def test_never_replaces_anything_but_a_regular_file(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "out.spec"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "symlink":
        (tmp_path / "elsewhere").write_text("kept\n", encoding="utf-8")
        target.symlink_to(tmp_path / "elsewhere")
    elif kind == "directory":
        target.mkdir()
    else:
        try:
            os.mknod(target, 0o600 | 0o020000, os.makedev(1, 3))  # like /dev/null
        except PermissionError:
            pytest.skip("mknod needs root")
    with pytest.raises(PyConfigError, match=r"is not a regular file.*refusing to replace it"):
        write_atomically(str(target), b"x\n", replace=True)
    assert os.path.lexists(target)
    assert not target.is_file() or target.is_symlink()
    if kind == "symlink":
        assert (tmp_path / "elsewhere").read_text(encoding="utf-8") == "kept\n"
    assert [name for name in os.listdir(tmp_path) if name.endswith(".tmp")] == []


# A child that blocks inside the write (its fsync sleeps), so that a signal lands there.
CHILD = """
import os, sys, time
os.fsync = lambda fd: (open(sys.argv[2], "w").close(), time.sleep(30))
from rpm_pyconfig._files import write_atomically
write_atomically(sys.argv[1], b"x" * 1000, replace=True)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_the_write_leaves_no_temporary_file(
    tmp_path: Path, signum: signal.Signals
) -> None:
    target = tmp_path / "out" / "python-x.spec"
    target.parent.mkdir()
    ready = tmp_path / "ready"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(target), str(ready)],
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists(), "the child never reached the write"
    child.send_signal(signum)
    _, err = child.communicate(timeout=20)
    assert os.listdir(target.parent) == []  # neither the file nor the hidden temporary one
    if signum == signal.SIGTERM:
        assert child.returncode == -signal.SIGTERM  # still terminated by the signal
    else:
        assert b"KeyboardInterrupt" in err
