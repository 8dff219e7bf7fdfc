"""Ask a project's own PEP 517 build backend, offline: its core metadata, its build requirements.

An sdist's ``PKG-INFO`` cannot always be trusted (an old ``Metadata-Version``, fields PEP 643
marks ``Dynamic``); then only the backend knows the truth.  And only the backend knows what
else it needs to build a wheel (``setup_requires``, a plugin it adds): what rpm must install
in the build root.  :class:`MetadataBackend` runs ``prepare_metadata_for_build_wheel``
(``pyproject_hooks`` falls back to building a wheel only when the backend lacks that hook)
and ``get_requires_for_build_wheel`` with one runtime's interpreter, in a subprocess, without
build isolation, with no package index, within a timeout, and says which distributions that
interpreter has installed (whether the backend can be imported yet).  Whatever fails is a
:class:`~rpm_pyconfig.errors.MetadataError` that names the project, the backend and why.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from typing import Any

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

#: Run as ``INTERPRETER -I -c INSTALLED_SCRIPT RESULT_FILE [DIR...]`` (standard library only):
#: writes ``{canonical name: version}`` of every distribution on ``sys.path`` (with the DIRs
#: first) as JSON to RESULT_FILE.  A file, not stdout: a ``.pth`` file may print.  A
#: distribution without a Name or Version (a stray, half-removed ``*.dist-info``) is skipped:
#: ``metadata.get``, because newer ``importlib.metadata`` raises KeyError for a missing field
#: and may give None for a missing METADATA file.
INSTALLED_SCRIPT = """\
import json, re, sys
from importlib import metadata
result_file = sys.argv[1]
sys.path[0:0] = sys.argv[2:]
found = {}
for dist in metadata.distributions():
    try:
        fields = dist.metadata
        name = fields.get("Name") if fields is not None else None
        version = fields.get("Version") if fields is not None else None
    except Exception:
        continue
    if isinstance(name, str) and isinstance(version, str) and name.strip() and version.strip():
        found.setdefault(re.sub(r"[-_.]+", "-", name.strip()).lower(), version.strip())
with open(result_file, "w") as stream:
    json.dump(found, stream)
"""


class MetadataBackend:
    """Calls build backends with one interpreter (a runtime's ``interpreter``).

    *interpreter* may be a callable, asked only when a backend is really needed (the caller
    may have to load a registry to know it).
    """

    __slots__ = ("_interpreter", "paths", "timeout")

    def __init__(self, interpreter: str | Callable[[], str], *,
                 timeout: float = DEFAULT_TIMEOUT, paths: Sequence[str] = ()) -> None:
        self._interpreter = interpreter
        #: Seconds before the call is stopped and reported.
        self.timeout = timeout
        #: Directories before the interpreter's own ``sys.path`` (a chain's dependency tree,
        #: where the backend may come from), as ``PYTHONPATH``.
        self.paths = tuple(paths)

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
        with tempfile.TemporaryDirectory(prefix="rpm-pyconfig-metadata-") as out:
            name = self._call(project_dir, build_backend, backend_path, reason,
                              "prepare metadata",
                              lambda caller: caller.prepare_metadata_for_build_wheel(out))
            label = self._label(build_backend, reason)
            metadata = os.path.join(out, os.path.basename(name), "METADATA")
            try:
                with open(metadata, "rb") as stream:
                    return stream.read()
            except OSError as error:
                raise MetadataError(
                    f"{label}: the backend wrote no {os.path.basename(name)}/METADATA "
                    f"({error.strerror})"
                ) from None

    def requires_for_build_wheel(
        self, project_dir: str, *, build_backend: str, backend_path: Sequence[str] = (),
        reason: str,
    ) -> object:
        """What the backend's ``get_requires_for_build_wheel`` returns for the project in
        *project_dir*: untrusted, meant to be a list of PEP 508 strings (the caller checks).
        A backend without the hook needs nothing more (PEP 517), which is ``[]``."""
        return self._call(project_dir, build_backend, backend_path, reason,
                          "give its build requirements",
                          lambda caller: caller.get_requires_for_build_wheel())

    def installed(self, *, reason: str) -> dict[str, str]:
        """``{canonical name: version}`` of the distributions the interpreter imports from
        (``paths`` first), as ``importlib.metadata`` finds them."""
        interpreter = self._interpreter_for(reason, "look for installed distributions")
        label = f"{reason}: {interpreter} listing its installed distributions"
        with tempfile.TemporaryDirectory(prefix="rpm-pyconfig-installed-") as out:
            result = os.path.join(out, "installed.json")
            self._runner(label)([interpreter, "-I", "-c", INSTALLED_SCRIPT, result, *self.paths],
                                cwd=out)
            try:
                with open(result, encoding="utf-8") as stream:
                    found = json.load(stream)
            except (OSError, ValueError) as error:
                raise MetadataError(f"{label}: no readable answer ({error})") from None
        if not isinstance(found, dict) or not all(
                isinstance(key, str) and isinstance(value, str) for key, value in found.items()):
            raise MetadataError(f"{label}: the answer is not a table of names and versions")
        return found

    def _interpreter_for(self, reason: str, purpose: str) -> str:
        try:
            return self.interpreter
        except PyConfigError as error:
            raise MetadataError(f"{reason}: no runtime to {purpose}: {error}") from None

    def _label(self, build_backend: str, reason: str) -> str:
        return f"{reason}: the build backend {build_backend!r} run by {self.interpreter}"

    def _call(self, project_dir: str, build_backend: str, backend_path: Sequence[str],
              reason: str, action: str, hook: Callable[[Any], Any]) -> Any:
        """*hook* called with a ``pyproject_hooks`` caller for the project, its failures as
        ``MetadataError``: the backend cannot be imported, or cannot *action*."""
        self._interpreter_for(reason, f"run the build backend {build_backend!r}")
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
        label = self._label(build_backend, reason)
        caller = BuildBackendHookCaller(
            project_dir, build_backend, backend_path=list(backend_path) or None,
            runner=self._runner(label), python_executable=self.interpreter,
        )
        try:
            return hook(caller)
        except BackendUnavailable as error:
            raise MetadataError(
                f"{label}: cannot import the backend (install it for that interpreter; "
                f"nothing is downloaded): {_tail(error.traceback)}"
            ) from None
        except (HookMissing, UnsupportedOperation) as error:
            raise MetadataError(f"{label}: the backend cannot {action}: "
                                f"{_tail(str(getattr(error, 'traceback', error)))}") from None

    def _runner(self, label: str) -> Callable[..., None]:
        timeout = self.timeout
        paths = self.paths

        def run(cmd: Sequence[str], cwd: str | None = None,
                extra_environ: Mapping[str, str] | None = None) -> None:
            env = {key: value for key, value in os.environ.items() if key not in _DROPPED}
            env.update(extra_environ or {})
            env.update(_OFFLINE)
            if paths:
                env["PYTHONPATH"] = os.pathsep.join(paths)
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
