"""What a wheel says: its one .dist-info, WHEEL, top_level.txt or RECORD, entry points."""

from __future__ import annotations

from pathlib import Path

from rpm_pyconfig.licenses import LicenseResult
from rpm_pyconfig.metadata import (
    DEFAULT_BUILD_BACKEND,
    DEFAULT_BUILD_REQUIRES,
    ProjectMetadata,
    read_metadata,
)
from rpm_pyconfig.versions import RpmVersion
from tests.projectfiles import error_of, make_wheel

# -- wheels -----------------------------------------------------------------------------------

WHEEL_METADATA = b"""\
Metadata-Version: 2.4
Name: Wheel_Pkg
Version: 2!1.2.0
Summary: A wheel
License-Expression: BSD-3-Clause
Project-URL: Source, https://git.example.org/wheel-pkg
Project-URL: Documentation, https://docs.example.org/wheel-pkg
Requires-Python: >=3.8
Requires-Dist: numpy>=1.22
Requires-Dist: pytest ; extra == 'test'
Provides-Extra: test
Provides-Extra: empty
Description-Content-Type: text/markdown

# Wheel_Pkg
"""


def test_platform_wheel(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, "Wheel_Pkg-1.2.0-cp311-cp311-linux_x86_64.whl", {
        "wheel_pkg/__init__.py": b"",
        "wheel_pkg/sub/__init__.py": b"",
        "_wheel_pkg_c.cpython-311-x86_64-linux-gnu.so": b"",
        "helper.py": b"",
        "wheel_pkg-1.2.0.data/scripts/tool": b"",
        "Wheel_Pkg-1.2.0.dist-info/METADATA": WHEEL_METADATA,
        "Wheel_Pkg-1.2.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: false\n",
        "Wheel_Pkg-1.2.0.dist-info/entry_points.txt":
            b"[console_scripts]\nWheel-Tool = wheel_pkg:main\n[other]\nx = y:z\n",
        "Wheel_Pkg-1.2.0.dist-info/RECORD": b"",
    })
    meta = read_metadata(wheel)
    assert meta == ProjectMetadata(
        name="Wheel_Pkg",
        canonical_name="wheel-pkg",
        version="2!1.2.0",
        summary="A wheel",
        description="# Wheel_Pkg\n",
        description_content_type="text/markdown",
        license=LicenseResult("BSD-3-Clause", "pep639", []),
        requires_python=">=3.8",
        requires_dist=["numpy>=1.22", "pytest ; extra == 'test'"],
        extras=["empty", "test"],
        build_requires=list(DEFAULT_BUILD_REQUIRES),
        build_backend=DEFAULT_BUILD_BACKEND,
        urls={
            "Source": "https://git.example.org/wheel-pkg",
            "Documentation": "https://docs.example.org/wheel-pkg",
        },
        homepage="https://git.example.org/wheel-pkg",
        source_url="https://git.example.org/wheel-pkg",
        import_names=["_wheel_pkg_c", "helper", "wheel_pkg"],
        has_ext_modules=True,
        scripts=["Wheel-Tool"],
        classifiers=[],
        source_file=wheel.name,
        source_dir="",
        source_kind="wheel",
        origin=str(wheel),
        warnings=[],
    )
    assert meta.rpm_version == RpmVersion(epoch=2, version="1.2.0")


def test_pure_wheel_with_top_level_txt(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, "p-1-py3-none-any.whl", {
        "p-1.dist-info/METADATA": b"Metadata-Version: 2.1\nName: p\nVersion: 1\n"
                                  b"Description: first line\n        second line\n",
        "p-1.dist-info/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\n",
        "p-1.dist-info/top_level.txt": b"p\n_p_impl\n",
        "p/__init__.py": b"",
    })
    meta = read_metadata(wheel)
    assert (meta.import_names, meta.has_ext_modules, meta.scripts) == (["_p_impl", "p"], False, [])
    assert meta.description == "first line\nsecond line\n"
    assert (meta.license.expression, meta.license.source) == (None, "unknown")


def test_wheel_without_dist_info(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, "p-1-py3-none-any.whl", {"p/__init__.py": b""})
    assert error_of(wheel) == (
        f"{wheel}: expected one *.dist-info/METADATA in the wheel, found none"
    )


