"""``--exe``: run one shell command per runtime and stop at the first that fails.

Values are shell-quoted before they are substituted, so a path with a space cannot change
the command; a value holding ``$``, a backquote, a backslash, a quote or a newline is
refused, because inside double quotes no quoting would make it inert.  The child learns
which runtime it runs for from ``RPM_PYCONFIG_RUNTIME``.
"""

from __future__ import annotations

import os
import shlex
import subprocess

from .errors import ExecutionError

TYPE_CHECKING = False  # not typing's: keep the import cost of the command low
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from .expression import Expression
    from .runtime import Runtime

__all__ = ["run_for_each"]

SHELL = "/bin/sh"


def run_for_each(
    expression: Expression,
    runtimes: Iterable[Runtime],
    *,
    environ: Mapping[str, str] | None = None,
) -> None:
    """Run *expression*, evaluated for each runtime in turn, through ``/bin/sh -c``.

    Children share our stdout and stderr.  Raises ExecutionError naming the runtime,
    its interpreter, the exit status and the command, at the first failure.
    """
    base = dict(os.environ if environ is None else environ)
    for runtime in runtimes:
        command = expression.evaluate(runtime, _quote)
        env = dict(base, RPM_PYCONFIG_RUNTIME=runtime.name)
        try:
            status = subprocess.call([SHELL, "-c", command], env=env)
        except OSError as error:
            raise ExecutionError(
                f"--exe could not start {SHELL} for runtime {runtime.name!r}: {error}",
                runtime=runtime.name,
                returncode=1,
            ) from error
        if status != 0:
            how = (
                f"was killed by signal {-status}" if status < 0 else f"exited with status {status}"
            )
            raise ExecutionError(
                f"--exe failed for runtime {runtime.name!r} ({runtime.interpreter}): "
                f"command {how}: {command}",
                runtime=runtime.name,
                returncode=status if status > 0 else 128 - status,
            )


#: Characters a shell still reads inside double quotes (and quotes themselves): a value
#: holding one cannot be made safe for every context the README documents.
_ACTIVE_IN_QUOTES = frozenset("$`\\\"'\n\r\0")


def _quote(value: str) -> str:
    """*value* as one shell word; refused when no quoting is safe both outside and inside
    double quotes (``--exe 'echo "@confbin"'``)."""
    if _ACTIVE_IN_QUOTES.intersection(value):
        raise ExecutionError(
            f"--exe: the value {value!r} holds a character the shell reads even inside "
            "quotes ($, `, \\, quotes, newline); refusing to run it",
            runtime="",
            returncode=1,
        )
    return shlex.quote(value)
