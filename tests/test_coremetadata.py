"""PKG-INFO and METADATA through packaging.metadata: fields, errors, trust."""

from __future__ import annotations

from pathlib import Path

from tests.projectfiles import error_of


def test_pkg_info_without_version(tmp_path: Path) -> None:
    (tmp_path / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: x\n")
    assert error_of(tmp_path) == f"{tmp_path / 'PKG-INFO'}: no Version field"


def test_invalid_requirement_in_pkg_info(tmp_path: Path) -> None:
    (tmp_path / "PKG-INFO").write_text(
        "Metadata-Version: 2.1\nName: x\nVersion: 1\nRequires-Dist: foo >=\n"
    )
    assert error_of(tmp_path).startswith(
        f"{tmp_path / 'PKG-INFO'} Requires-Dist: invalid requirement 'foo >=': "
    )


