"""rpm-pyconfig: one RPM spec, one subpackage per Python runtime.

The public API is re-exported here lazily (PEP 562): ``import rpm_pyconfig``, which every
``rpm-pyconfig --foreach --eval`` call (every spec parse) pays for, imports nothing; a name
is imported from its module the first time it is used.
"""

from __future__ import annotations

__version__ = "0.1.0"

_EXPORTS = {
    "Condition": "condition",
    "ConfigError": "errors",
    "Expression": "expression",
    "PyConfigError": "errors",
    "Registry": "registry",
    "Runtime": "runtime",
    "Selection": "selection",
    "generate_spec": "specgen",
    "load_registry": "registry",
    "probe": "probe",
    "read_metadata": "metadata",
    "render": "rendering",
    "search_path": "registry",
    "select": "selection",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rpm_pyconfig' has no attribute {name!r}")
    from importlib import import_module

    imported = import_module(f"rpm_pyconfig.{module}")
    # A name that is also its module's (``probe``) is the module: importing
    # ``rpm_pyconfig.probe`` binds the module there anyway, so a function would be
    # replaced by it depending on import order.  The function is ``probe.probe``.
    value = imported if name == module else getattr(imported, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
