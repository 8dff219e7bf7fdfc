"""rpm-pyconfig: one RPM spec, one subpackage per Python runtime.

The public API is re-exported here lazily so that ``import rpm_pyconfig`` (which every
``rpm-pyconfig --foreach --eval`` call, i.e. every spec parse, pays for) costs nothing.
"""

from __future__ import annotations

__version__ = "0.1.0"
