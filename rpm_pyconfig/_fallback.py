"""The fallback of a spec parse: ``compile --lua``, the one call macros.pyconfig makes when
the compiled registry is missing or stale, started without the command line module.

``macros.pyconfig`` runs ``run()`` directly (the interpreter ``-I -S``, see
``P.fallback_command``): on every such parse, importing ``cli`` cost more than the
fallback's own work with 3 runtimes.  A failure still goes through ``cli.failed``, so the
messages are the tool's own (and spec-facing: they stop the parse).
"""

from __future__ import annotations

import posix
import sys

TYPE_CHECKING = False  # not typing's: this module is on the spec-parse path
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["output", "run"]


def output(confdir: Sequence[str] | None = None) -> str:
    """The registry as the other commands read it (the same validation), as the Lua the
    macros load (``compiled.fallback_chunk``)."""
    from .compiled import fallback_chunk
    from .registry import load_registry, search_path

    # RPM_PYCONFIG_PATH as os.environ decodes it, without importing os (a tenth of this
    # process's instructions)
    value = posix.environ.get(b"RPM_PYCONFIG_PATH")
    environ = {} if value is None else {"RPM_PYCONFIG_PATH": value.decode(
        sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())}
    dirs, explicit = search_path(confdir, environ)
    return fallback_chunk(load_registry(dirs, explicit=explicit))


def run() -> None:
    """Print ``output()`` and exit without tearing the interpreter down (as ``cli.run``)."""
    try:
        sys.stdout.write(output())
        status = 0
    except (Exception, KeyboardInterrupt) as error:
        from .cli import failed

        status = failed(error)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError, OSError):
        status = status or 1
    posix._exit(status)
