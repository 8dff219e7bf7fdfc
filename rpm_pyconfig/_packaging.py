"""The packaging release that reading project metadata needs, checked once with a message.

``spec`` and ``app`` read core metadata with :mod:`packaging.metadata` and SPDX license
expressions with :mod:`packaging.licenses` (both in packaging >= 24.2, which also knows
``License-Expression``, core metadata 2.4).  Older releases (Debian 12 ships 23.0) are named in
a :class:`~rpm_pyconfig.errors.MetadataError` when the first metadata is read, not at import:
the modules stay importable (an rpm ``%check`` imports them all) and the parse-time commands
never import packaging at all.
"""

from __future__ import annotations

import sys

from rpm_pyconfig.errors import MetadataError

#: The oldest packaging with ``packaging.metadata.Metadata`` for 2.4 and ``packaging.licenses``.
MINIMUM = "24.2"


def require() -> None:
    """Raise :class:`MetadataError` when the installed packaging is older than :data:`MINIMUM`."""
    try:
        import packaging.licenses
        import packaging.metadata
    except ImportError:
        import packaging

        raise MetadataError(
            f"reading project metadata needs packaging >= {MINIMUM} (packaging.metadata, "
            f"packaging.licenses); {sys.executable} has packaging {packaging.__version__} "
            f"({packaging.__path__[0]}): install a newer one, e.g. "
            f"`{sys.executable} -m pip install 'packaging>={MINIMUM}'` in a virtual environment"
        ) from None
