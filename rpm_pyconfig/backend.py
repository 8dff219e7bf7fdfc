"""Ask a project's own PEP 517 build backend for its core metadata, offline.

An sdist's ``PKG-INFO`` cannot always be trusted (an old ``Metadata-Version``, fields PEP 643
marks ``Dynamic``); then only the backend knows the truth.  :class:`MetadataBackend` runs
``prepare_metadata_for_build_wheel`` (``pyproject_hooks`` falls back to building a wheel only
when the backend lacks that hook) with one runtime's interpreter, in a subprocess, without
build isolation, with no package index, within a timeout.  Whatever fails is a
:class:`~rpm_pyconfig.errors.MetadataError` that names the project, the backend and why.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence

from .errors import MetadataError, PyConfigError

__all__ = ["DEFAULT_TIMEOUT", "MetadataBackend"]

#: Seconds one backend call may take (a fallback wheel build of a C extension included).
DEFAULT_TIMEOUT = 600.0

#: Variables that would make the runtime's interpreter another environment than its own.
_DROPPED = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV",
            "PYTHONSAFEPATH", "__PYVENV_LAUNCHER__")
#: Offline: pip, should a backend call it, never reaches an index.
_OFFLINE = {"PIP_NO_INDEX": "1", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1"}
#: How much of the backend's output an error quotes (its end, where the reason is).
_TAIL = 2000


class MetadataBackend:
    """Calls build backends with one interpreter (a runtime's ``interpreter``).

    *interpreter* may be a callable, asked only when a backend is really needed (the caller
    may have to load a registry to know it).
    """

    __slots__ = ("_interpreter", "timeout")

    def __init__(self, interpreter: str | Callable[[], str], *,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self._interpreter = interpreter
        #: Seconds before the call is stopped and reported.
        self.timeout = timeout

    @property
    def interpreter(self) -> str:
        """The interpreter that runs the backend."""
        if callable(self._interpreter):
            self._interpreter = self._interpreter()
        return self._interpreter

    def prepare_metadata(
        self, project_dir: str, *, build_backend: str, backend_path: Sequence[str] = (),
        reason: str,
    ) -> bytes:
        """The ``METADATA`` the backend computes for the project unpacked in *project_dir*.

        *reason* starts every message: the file and field that need the backend, and why
        (the user gave that file; *project_dir* is a temporary copy).
        """
        try:
            interpreter = self.interpreter
        except PyConfigError as error:
            raise MetadataError(f"{reason}: no runtime to run the build backend "
                                f"{build_backend!r}: {error}") from None
        try:
            from pyproject_hooks import (
                BackendUnavailable,
                BuildBackendHookCaller,
                HookMissing,
                UnsupportedOperation,
            )
        except ImportError:
            raise MetadataError(
                f"{reason}: asking the build backend needs the pyproject_hooks library "
                "(pip install pyproject-hooks, or the distribution's python3-pyproject-hooks)"
            ) from None
        label = f"{reason}: the build backend {build_backend!r} run by {interpreter}"
        caller = BuildBackendHookCaller(
            project_dir, build_backend, backend_path=list(backend_path) or None,
            runner=self._runner(label), python_executable=interpreter,
        )
        with tempfile.TemporaryDirectory(prefix="rpm-pyconfig-metadata-") as out:
            try:
                name = caller.prepare_metadata_for_build_wheel(out)
            except BackendUnavailable as error:
                raise MetadataError(
                    f"{label}: cannot import the backend (install it for that interpreter; "
                    f"nothing is downloaded): {_tail(error.traceback)}"
                ) from None
            except (HookMissing, UnsupportedOperation) as error:
                raise MetadataError(f"{label}: the backend cannot prepare metadata: "
                                    f"{_tail(str(getattr(error, 'traceback', error)))}") from None
            metadata = os.path.join(out, os.path.basename(name), "METADATA")
            try:
                with open(metadata, "rb") as stream:
                    return stream.read()
            except OSError as error:
                raise MetadataError(
                    f"{label}: the backend wrote no {os.path.basename(name)}/METADATA "
                    f"({error.strerror})"
                ) from None

    def _runner(self, label: str) -> Callable[..., None]:
        timeout = self.timeout

        def run(cmd: Sequence[str], cwd: str | None = None,
                extra_environ: Mapping[str, str] | None = None) -> None:
            env = {key: value for key, value in os.environ.items() if key not in _DROPPED}
            env.update(extra_environ or {})
            env.update(_OFFLINE)
            try:
                done = subprocess.run(
                    list(cmd), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise MetadataError(f"{label}: no answer within {timeout:g} s") from None
            except OSError as error:
                raise MetadataError(f"{label}: cannot run it: {error.strerror}") from None
            if done.returncode != 0:
                output = done.stdout.decode("utf-8", "replace")
                raise MetadataError(
                    f"{label}: failed (exit status {done.returncode}): {_tail(output)}"
                )

        return run


def _tail(text: str) -> str:
    """The end of a backend's output, where its reason is, on a bounded number of characters."""
    text = text.strip()
    return text if len(text) <= _TAIL else "..." + text[-_TAIL:]
