"""The package's lazy public API (``rpm_pyconfig/__init__.py``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import rpm_pyconfig


def test_every_export_resolves() -> None:
    for name in rpm_pyconfig.__all__:
        assert getattr(rpm_pyconfig, name) is not None, name
    assert rpm_pyconfig.Runtime.__module__ == "rpm_pyconfig.runtime"


@pytest.mark.parametrize(
    "code",
    [
        "import rpm_pyconfig; first = rpm_pyconfig.probe; import rpm_pyconfig.probe as module",
        "import rpm_pyconfig.probe as module, rpm_pyconfig; first = rpm_pyconfig.probe",
        "from rpm_pyconfig import probe as first; import rpm_pyconfig.probe as module",
    ],
)
def test_probe_is_the_module_whatever_the_import_order(code: str) -> None:
    check = code + "; assert first is module, first; print(callable(module.probe))"
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert (out.returncode, out.stdout, out.stderr) == (0, "True\n", "")


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        rpm_pyconfig.nope  # noqa: B018


def test_importing_the_package_imports_nothing_else() -> None:
    code = "import sys, rpm_pyconfig; print(sorted(m for m in sys.modules if 'rpm_pyconfig' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['rpm_pyconfig']"
