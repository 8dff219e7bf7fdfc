"""Reading project metadata: the source kinds, merging pyproject.toml with PKG-INFO, and
the validated record."""

from __future__ import annotations

from pathlib import Path

import pytest

from rpm_pyconfig.errors import MetadataError
from rpm_pyconfig.licenses import LicenseResult
from rpm_pyconfig.metadata import (
    DEFAULT_BUILD_BACKEND,
    ProjectMetadata,
    read_metadata,
)
from rpm_pyconfig.versions import RpmVersion
from tests.projectfiles import DATA, HINT, error_of, make_sdist, tree_files, write_project

# -- project directories ----------------------------------------------------------------------


def test_static_project_directory() -> None:
    meta = read_metadata(DATA / "static-src")
    assert meta == ProjectMetadata(
        name="Static.Pkg",
        canonical_name="static-pkg",
        version="1.0rc1",
        summary="A project whose metadata is all static",
        description="# Static.Pkg\n\nA fixture of rpm-pyconfig's metadata tests.\n",
        description_content_type="text/markdown",
        license=LicenseResult("MIT OR Apache-2.0", "pep639", []),
        requires_python=">=3.9",
        requires_dist=[
            "attrs>=22.1",
            "tomli>=1.1; python_version < '3.11'",
            'click>=8; extra == "cli"',
            'rich; (python_version >= "3.10") and extra == "cli"',
            'sphinx; extra == "docs"',
        ],
        extras=["cli", "docs"],
        build_requires=["hatchling>=1.21", "cffi>=1.15; implementation_name == 'cpython'"],
        build_backend="hatchling.build",
        urls={
            "Homepage": "https://example.org/static-pkg",
            "Source Code": "https://git.example.org/static-pkg",
        },
        homepage="https://example.org/static-pkg",
        source_url="https://git.example.org/static-pkg",
        import_names=["static_pkg"],
        has_ext_modules=True,
        scripts=["static-pkg", "static-pkg-gui"],
        classifiers=["Programming Language :: Python :: 3"],
        source_file="",
        source_dir="",
        source_kind="directory",
        origin=str(DATA / "static-src"),
        warnings=[],
    )
    assert meta.rpm_version == RpmVersion(epoch=None, version="1.0~rc1")


def test_flat_layout_and_legacy_license_text() -> None:
    meta = read_metadata(DATA / "flat-setuptools")
    where = f"{DATA / 'flat-setuptools' / 'pyproject.toml'} [project] license"
    assert meta.import_names == ["flat_pkg"]  # tests/ and docs/ are not packages
    assert not meta.has_ext_modules
    assert (meta.description, meta.description_content_type) == (
        "Long description.", "text/x-rst"
    )
    assert (meta.build_requires, meta.build_backend) == (
        ["setuptools>=61"], "setuptools.build_meta"
    )
    assert (meta.license.expression, meta.license.source) == (None, "unknown")
    assert meta.warnings == []  # license warnings stay with the license
    assert meta.license.warnings[0] == (
        f"{where}: license text 'BSD' is not an SPDX expression and was ignored"
    )
    # The third, about the placeholder, is the spec generator's (test_specgen).
    assert len(meta.license.warnings) == 2


def test_setup_py_project_uses_pkg_info() -> None:
    meta = read_metadata(DATA / "setup-py-only")
    assert (meta.name, meta.version, meta.summary) == (
        "legacy-ext", "0.9.post2", "A setup.py project with a Cython extension"
    )
    assert meta.description == "# legacy-ext\n\nOld-style project.\n"
    assert meta.license == LicenseResult("MIT", "legacy", [])
    assert meta.requires_dist == ["numpy>=1.21", 'pytest; extra == "test"']
    assert meta.extras == ["test"]
    assert meta.requires_python == ">=3.8"
    assert meta.build_requires == ["setuptools>=40.8.0", "Cython"]
    assert meta.build_backend == DEFAULT_BUILD_BACKEND
    assert meta.homepage == "https://example.org/legacy-ext"
    assert meta.import_names == ["legacy_ext"]
    assert meta.has_ext_modules
    assert meta.scripts == ["Legacy-GUI", "legacy-ext"]  # from the egg-info
    assert meta.rpm_version == RpmVersion(epoch=None, version="0.9^post2")


def test_dynamic_fields_without_pkg_info_are_an_error() -> None:
    assert error_of(DATA / "dynamic") == (
        f"{DATA / 'dynamic' / 'pyproject.toml'} [project] dynamic: version, dependencies are "
        f"computed by the build backend and no PKG-INFO supplies them: {HINT}"
    )


def test_single_dynamic_field_message_is_singular(tmp_path: Path) -> None:
    project = write_project(tmp_path, '[project]\nname = "x"\ndynamic = ["version"]\n')
    assert error_of(project) == (
        f"{project / 'pyproject.toml'} [project] dynamic: version is computed by the build "
        f"backend and no PKG-INFO supplies it: {HINT}"
    )


def test_dynamic_fields_come_from_pkg_info_next_to_pyproject(tmp_path: Path) -> None:
    files = tree_files(DATA / "dynamic")
    files["PKG-INFO"] = (
        b"Metadata-Version: 2.1\nName: dynamic-pkg\nVersion: 3.1.dev4+g1234abc\n"
        b"Summary: ignored, description is static\nLicense: ignored\n"
        b"Requires-Dist: requests<3,>=2.28\nRequires-Dist: colorama; sys_platform == 'win32'\n"
    )
    files["dynamic_pkg.egg-info/entry_points.txt"] = (
        b"[console_scripts]\ndynpkg = dynamic_pkg:main\n"
    )
    sdist = make_sdist(tmp_path, files, top="dynamic_pkg-3.1.dev4+g1234abc")
    meta = read_metadata(sdist)
    assert meta.version == "3.1.dev4+g1234abc"
    assert meta.rpm_version == RpmVersion(epoch=None, version="3.1~~dev4")
    assert meta.summary == "Version and dependencies come from the build backend"
    assert meta.license == LicenseResult("GPL-3.0-or-later", "pep639", [])
    assert meta.requires_dist == ["requests<3,>=2.28", "colorama; sys_platform == 'win32'"]
    assert meta.scripts == ["dynpkg"]
    assert meta.import_names == ["dynamic_pkg"]  # the single module NAME.py
    assert (meta.source_kind, meta.source_file) == ("sdist", sdist.name)
    assert meta.warnings == []


def test_dynamic_scripts_not_found_is_a_warning(tmp_path: Path) -> None:
    project = write_project(
        tmp_path,
        '[project]\nname = "x"\nversion = "1"\ndynamic = ["scripts"]\nlicense = "MIT"\n',
    )
    meta = read_metadata(project)
    assert meta.warnings == [
        f"{project / 'pyproject.toml'} [project] dynamic: scripts are computed by the build "
        "backend and no *.egg-info/entry_points.txt lists them"
    ]



# -- errors -----------------------------------------------------------------------------------


def test_missing_source(tmp_path: Path) -> None:
    assert error_of(tmp_path / "nope") == f"{tmp_path / 'nope'}: no such file or directory"


def test_unknown_file_type(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("x")
    assert error_of(other) == (
        f"{other}: not a project directory, an sdist (.tar.gz, .zip) or a wheel (.whl)"
    )


def test_directory_without_metadata(tmp_path: Path) -> None:
    assert error_of(tmp_path) == f"{tmp_path}: no pyproject.toml and no PKG-INFO"




def _groups_project(tmp_path: Path, groups: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "grouped"\nversion = "1.0"\n'
        'classifiers = ["License :: OSI Approved :: MIT License"]\n'
        f"[dependency-groups]\n{groups}",
        encoding="utf-8",
    )
    return tmp_path


def test_pep735_test_group_with_included_groups(tmp_path: Path) -> None:
    """The first of test/tests/testing (names normalised) is read, include-group resolved in
    place, duplicates once; other groups (lint) are not test requirements."""
    project = _groups_project(tmp_path, (
        'lint = ["ruff"]\nTesting = ["never-read"]\n'
        'Tests = ["hypothesis>=6", {include-group = "base"}, "pytest>=7"]\n'
        "base = [\"pytest>=7\", \"cffi; implementation_name == 'cpython'\"]\n"
    ))
    assert read_metadata(project).test_requires == [
        "hypothesis>=6", "pytest>=7", "cffi; implementation_name == 'cpython'"]


def test_no_dependency_groups_no_test_requires(tmp_path: Path) -> None:
    assert read_metadata(_groups_project(tmp_path, 'lint = ["ruff"]\n')).test_requires == []


@pytest.mark.parametrize(("groups", "message"), [
    ('test = [{include-group = "test"}]\n', "include-group cycle test -> test"),
    ('test = [{include-group = "a"}]\na = [{include-group = "test"}]\n',
     "include-group cycle test -> a -> test"),
    ('test = [{include-group = "nope"}]\n', "test[0]: include-group 'nope': no such group"),
    ('test = [3]\n', "test[0]: expected a requirement string or {include-group = NAME}, got 3"),
    ('test = "pytest"\n', "test: expected an array, got a string"),
    ('test = ["pytest >"]\n', "test[0]: invalid requirement 'pytest >'"),
    ('test = []\nTest = []\n', "groups 'test' and 'Test' have the same normalised name"),
])
def test_bad_test_group_is_an_error_naming_it(tmp_path: Path, groups: str, message: str) -> None:
    with pytest.raises(MetadataError) as raised:
        read_metadata(_groups_project(tmp_path, groups))
    assert "pyproject.toml [dependency-groups]" in str(raised.value)
    assert message in str(raised.value)
