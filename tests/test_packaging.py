"""The packaging release reading metadata needs: named in an error when it is too old."""

from __future__ import annotations

import sys

import pytest

from rpm_pyconfig import _packaging
from rpm_pyconfig.errors import MetadataError
from rpm_pyconfig.licenses import license_for
from rpm_pyconfig.metadata import read_metadata
from tests.projectfiles import DATA


def test_the_installed_packaging_is_new_enough() -> None:
    _packaging.require()


@pytest.mark.parametrize("missing", ["packaging.licenses", "packaging.metadata"])
def test_an_old_packaging_is_named_with_what_to_do(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    import packaging

    monkeypatch.setitem(sys.modules, missing, None)  # what packaging 23.0 is like
    expected = (
        "reading project metadata needs packaging >= 24.2 (packaging.metadata, "
        f"packaging.licenses); {sys.executable} has packaging {packaging.__version__} "
        f"({packaging.__path__[0]}): install a newer one, e.g. "
        f"`{sys.executable} -m pip install 'packaging>=24.2'` in a virtual environment"
    )
    for read in (lambda: read_metadata(DATA / "flat-setuptools"),
                 lambda: license_for(text="MIT")):
        with pytest.raises(MetadataError) as caught:
            read()
        assert str(caught.value) == expected
