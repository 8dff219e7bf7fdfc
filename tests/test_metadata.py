"""Reading project metadata from directories, sdists and wheels, offline."""

from __future__ import annotations

import dataclasses
import io
import os
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from rpm_pyconfig import metadata
from rpm_pyconfig.errors import MetadataError
from rpm_pyconfig.licenses import LicenseResult
from rpm_pyconfig.metadata import (
    DEFAULT_BUILD_BACKEND,
    DEFAULT_BUILD_REQUIRES,
    ProjectMetadata,
    read_metadata,
)
from rpm_pyconfig.versions import RpmVersion

DATA = Path(__file__).parent / "data" / "metadata"
HINT = "build an sdist with `python -m build --sdist` and pass it instead"


# -- helpers: build archives in the test, never commit binaries ------------------------------


def _tree_files(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def make_sdist(
    destination: Path,
    files: dict[str, bytes],
    *,
    top: str,
    suffix: str = ".tar.gz",
    dot_slash: bool = False,
) -> Path:
    """An sdist holding ``files`` below ``top/``."""
    path = destination / f"{top}{suffix}"
    if suffix == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(f"{top}/", b"")
            for name, data in files.items():
                archive.writestr(f"{top}/{name}", data)
        return path
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(("./" if dot_slash else "") + f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def make_wheel(destination: Path, name: str, files: dict[str, bytes]) -> Path:
    path = destination / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    return path


def write_project(directory: Path, pyproject: str, **files: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    for name, text in files.items():
        target = directory / name.replace("__", "/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return directory


def error_of(source: Path) -> str:
    with pytest.raises(MetadataError) as caught:
        read_metadata(source)
    return str(caught.value)


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
    assert meta.license.expression == "FIXME-UNKNOWN-LICENSE"
    assert meta.license.source == "placeholder"
    assert meta.warnings == []  # license warnings stay with the license
    assert meta.license.warnings[0] == (
        f"{where}: license text 'BSD' is not an SPDX expression and was ignored"
    )
    assert len(meta.license.warnings) == 3


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
    files = _tree_files(DATA / "dynamic")
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


# -- sdists -----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".tar.gz", ".zip"])
def test_sdist_reads_like_its_directory(tmp_path: Path, suffix: str) -> None:
    from_dir = read_metadata(DATA / "static-src")
    sdist = make_sdist(tmp_path, _tree_files(DATA / "static-src"), top="static_pkg-1.0rc1",
                       suffix=suffix)
    from_sdist = read_metadata(sdist)
    assert (from_sdist.source_kind, from_sdist.source_file, from_sdist.origin) == (
        "sdist", f"static_pkg-1.0rc1{suffix}", str(sdist)
    )
    assert from_sdist.source_dir == "static_pkg-1.0rc1"
    assert dataclasses.replace(
        from_sdist, source_kind="directory", source_file="", source_dir="", origin=from_dir.origin
    ) == from_dir


def test_sdist_with_dot_slash_members(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path, _tree_files(DATA / "setup-py-only"), top="legacy-ext-0.9.post2",
                       dot_slash=True)
    meta = read_metadata(sdist)
    assert (meta.name, meta.import_names, meta.has_ext_modules, meta.scripts) == (
        "legacy-ext", ["legacy_ext"], True, ["Legacy-GUI", "legacy-ext"]
    )


def test_sdist_is_not_extracted(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path, _tree_files(DATA / "flat-setuptools"), top="flat-pkg-2.4.0")
    read_metadata(sdist)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flat-pkg-2.4.0.tar.gz"]


def test_sdist_errors_name_the_member(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path, {"pyproject.toml": b'[project]\nname = "x"\nversion = 1\n'},
                       top="x-1")
    assert error_of(sdist) == (
        f"{sdist}/x-1/pyproject.toml [project] version: expected a string, got an integer (1)"
    )


def test_sdist_without_metadata(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path, {"a/setup.py": b""}, top="x-1")
    sdist2 = tmp_path / "two.zip"
    with zipfile.ZipFile(sdist2, "w") as archive:
        archive.writestr("a/x.py", b"")
        archive.writestr("b/y.py", b"")
    assert error_of(sdist) == f"{sdist}: no pyproject.toml and no PKG-INFO"
    assert error_of(sdist2) == f"{sdist2}: no PKG-INFO or pyproject.toml at the top of the sdist"


def test_corrupt_archive(tmp_path: Path) -> None:
    broken = tmp_path / "x-1.tar.gz"
    broken.write_bytes(b"not a tarball")
    assert error_of(broken).startswith(f"{broken}: cannot read the archive: ")


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
    assert meta.license.source == "placeholder"


def test_wheel_without_dist_info(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, "p-1-py3-none-any.whl", {"p/__init__.py": b""})
    assert error_of(wheel) == (
        f"{wheel}: expected one *.dist-info/METADATA in the wheel, found none"
    )


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


def test_toml_syntax_error_has_file_and_line(tmp_path: Path) -> None:
    project = write_project(tmp_path, '[build-system]\nrequires = []\n[project\nname = "x"\n')
    assert error_of(project) == (
        f"{project / 'pyproject.toml'}:3:9: invalid TOML: "
        "Expected ']' at the end of a table declaration"
    )


def test_project_table_missing(tmp_path: Path) -> None:
    project = write_project(tmp_path, '[build-system]\nrequires = ["setuptools"]\n')
    assert error_of(project) == (
        f"{project / 'pyproject.toml'}: no [project] table (the metadata must be in setup.py "
        f"or setup.cfg) and no PKG-INFO: {HINT}"
    )


@pytest.mark.parametrize(
    ("pyproject", "message"),
    [
        ('[project]\nversion = "1"\n',
         "[project] name: missing (it is required and cannot be dynamic)"),
        ('[project]\nname = "x"\n', "[project] version: missing (and not listed in dynamic)"),
        ('[project]\nname = "x"\nversion = "one"\n',
         "[project] version: invalid version 'one': not a PEP 440 version"),
        ('[project]\nname = "-x-"\nversion = "1"\n', "[project] name: invalid project name '-x-'"),
        ('[project]\nname = "x"\nversion = "1"\ndependencies = "foo"\n',
         "[project] dependencies: expected an array of strings, got a string ('foo')"),
        ('[project]\nname = "x"\nversion = "1"\nrequires-python = "=>3.9"\n',
         "[project] requires-python: invalid specifier '=>3.9'"),
        ('[project]\nname = "x"\nversion = "1"\nlicense = "MIT OR"\n',
         "[project] license: invalid license expression 'MIT OR': "
         "Invalid license expression: 'MIT OR'"),
        ('[project]\nname = "x"\nversion = "1"\nreadme = "README.md"\n',
         "[project] readme: 'README.md' does not exist ({dir}/README.md)"),
        ('[project]\nname = "x"\nversion = "1"\nreadme = "../README.md"\n',
         "[project] readme: '../README.md' is outside the project"),
        ('[project]\nname = "x"\nversion = "1"\ndynamic = ["name"]\n',
         "[project] dynamic: 'name' cannot be dynamic"),
        ('[project]\nname = "x"\nversion = "1"\nentry-points = {console_scripts = {a = "b"}}\n',
         "[project] entry-points.console_scripts: not allowed: use [project.scripts] or "
         "[project.gui-scripts]"),
        ('[build-system]\nbuild-backend = "x"\n[project]\nname = "x"\nversion = "1"\n',
         "[build-system] requires: missing (PEP 518 makes it mandatory)"),
        ('[build-system]\nrequires = ["setuptools >= "]\n[project]\nname = "x"\nversion = "1"\n',
         "[build-system] requires: invalid requirement 'setuptools >= ': "),
        ('[project]\nname = "x"\nversion = "1"\ndependencies = ["foo >="]\n',
         "[project] dependencies: invalid requirement 'foo >=': "),
        ('[project]\nname = "x"\nversion = "1"\n[project.optional-dependencies]\ncli = ["a b"]\n',
         "[project] optional-dependencies.cli: invalid requirement 'a b': "),
    ],
)
def test_project_errors(tmp_path: Path, pyproject: str, message: str) -> None:
    project = write_project(tmp_path, pyproject)
    expected = f"{project / 'pyproject.toml'} " + message.replace("{dir}", str(project))
    got = error_of(project)
    if message.endswith(": "):  # packaging's own reason follows
        assert got.startswith(expected)
    else:
        assert got == expected


def test_every_type_problem_is_reported_at_once(tmp_path: Path) -> None:
    project = write_project(
        tmp_path,
        '[project]\nname = "x"\nversion = "1"\nclassifiers = ["ok", 3]\nurls = {a = 1}\n'
        'description = ["x"]\n',
    )
    where = f"{project / 'pyproject.toml'} [project]"
    assert error_of(project).splitlines() == [
        f"{where} description: expected a string, got an array (['x'])",
        f"{where} classifiers[1]: expected a string, got an integer (3)",
        f"{where} urls.a: expected a string, got an integer (1)",
    ]


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


# -- import names and extension modules -------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "expected"),
    [
        ('[tool.setuptools]\npackages = ["a", "a.b", "c"]\npy-modules = ["m"]\n', ["a", "c", "m"]),
        ('[tool.hatch.build.targets.wheel]\npackages = ["src/hpkg"]\n', ["hpkg"]),
        ('[tool.flit.module]\nname = "flitmod"\n', ["flitmod"]),
        ('[tool.poetry]\npackages = [{include = "poe", from = "src"}, {include = "x.py"}]\n',
         ["poe", "x"]),
        ('[tool.maturin]\nmodule-name = "rusty._core"\n', ["rusty"]),
    ],
)
def test_import_names_from_backend_configuration(
    tmp_path: Path, tool: str, expected: list[str]
) -> None:
    project = write_project(tmp_path, f'[project]\nname = "x"\nversion = "1"\n{tool}')
    assert read_metadata(project).import_names == expected


def test_src_layout_with_modules_and_namespace_packages(tmp_path: Path) -> None:
    project = write_project(
        tmp_path, '[project]\nname = "x"\nversion = "1"\n',
        src__solo_mod_py="", src__ns__inner__thing_py="",
    )
    # write_project turns "__" into "/": rename the "_py" suffixes into ".py".
    for path in list(project.rglob("*_py")):
        path.rename(path.with_name(path.name[:-3] + ".py"))
    assert read_metadata(project).import_names == ["solo_mod"]
    (project / "src" / "solo_mod.py").unlink()
    assert read_metadata(project).import_names == ["ns"]


@pytest.mark.parametrize(
    ("build_system", "files", "expected"),
    [
        ('requires = ["maturin>=1"]\nbuild-backend = "maturin"', {}, True),
        ('requires = ["scikit-build-core"]\nbuild-backend = "scikit_build_core.build"', {}, True),
        ('requires = ["setuptools", "pybind11"]', {}, True),
        ('requires = ["setuptools"]', {"setup.py": "setup(ext_modules=[...])"}, True),
        ('requires = ["setuptools"]', {"Cargo.toml": ""}, True),
        ('requires = ["setuptools"]', {"src__pkg__fast.c": ""}, True),
        ('requires = ["setuptools"]', {"benchmarks__bench.c": ""}, False),
        ('requires = ["hatchling"]\nbuild-backend = "hatchling.build"', {}, False),
    ],
)
def test_has_ext_modules(
    tmp_path: Path, build_system: str, files: dict[str, str], expected: bool
) -> None:
    project = write_project(
        tmp_path, f'[build-system]\n{build_system}\n[project]\nname = "x"\nversion = "1"\n',
        src__pkg____init__="", **files,
    )
    assert read_metadata(project).has_ext_modules is expected


# -- properties -------------------------------------------------------------------------------

names = st.from_regex(r"\A[A-Za-z][A-Za-z0-9]{0,5}([._-][A-Za-z0-9]{1,4}){0,2}\Z")
versions = st.builds(
    lambda release, pre: ".".join(map(str, release)) + pre,
    st.lists(st.integers(0, 30), min_size=1, max_size=4),
    st.sampled_from(["", "rc1", "a2", ".post1", ".dev3", "b1.post2.dev1"]),
)
requirements = st.lists(
    st.builds(lambda n, s: n + s, names, st.sampled_from(["", ">=1", "~=1.2", "==2.*", "<3,>1"])),
    max_size=4,
)


@settings(max_examples=50, deadline=None)
@given(name=names, version=versions, dependencies=requirements)
def test_pyproject_round_trip(name: str, version: str, dependencies: list[str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        listed = ", ".join(f'"{d}"' for d in dependencies)
        project = write_project(
            Path(directory),
            f'[project]\nname = "{name}"\nversion = "{version}"\ndependencies = [{listed}]\n',
        )
        meta = read_metadata(project)
    assert (meta.name, meta.canonical_name, meta.version, meta.requires_dist) == (
        name, canonicalize_name(name), version, dependencies
    )


# -- hostile archives and files -------------------------------------------------------------

PKG_INFO = b"Metadata-Version: 2.1\nName: p\nVersion: 1\nSummary: s\n"


def _tar(path: Path, members: list[tarfile.TarInfo], data: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info in members:
            payload = data.get(info.name)
            tar.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return path


def _file(name: str, data: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info


@pytest.mark.parametrize(
    ("member", "kind", "message"),
    [
        ("p-1/../../etc/x", tarfile.REGTYPE, "would unpack outside the tree"),
        ("/etc/x", tarfile.REGTYPE, "would unpack outside the tree"),
        ("p-1/evil\n%post", tarfile.REGTYPE, "control characters"),
        ("p-1/dev", tarfile.CHRTYPE, "is a device or a FIFO"),
        ("p-1/fifo", tarfile.FIFOTYPE, "is a device or a FIFO"),
        ("p-1/link", tarfile.SYMTYPE, "outside the tree"),
        ("p-1/hard", tarfile.LNKTYPE, "outside the tree"),
    ],
)
def test_sdist_members_out_of_the_tree_are_refused(
    tmp_path: Path, member: str, kind: bytes, message: str
) -> None:
    info = tarfile.TarInfo(member)
    info.type = kind
    if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
        info.linkname = "../../etc/passwd" if kind == tarfile.SYMTYPE else "/etc/passwd"
    path = _tar(tmp_path / "p-1.tar.gz", [_file("p-1/PKG-INFO", PKG_INFO), info],
                {"p-1/PKG-INFO": PKG_INFO})
    with pytest.raises(MetadataError, match=message) as caught:
        read_metadata(path)
    assert repr(member) in str(caught.value)


def test_a_link_inside_the_tree_is_fine(tmp_path: Path) -> None:
    link = tarfile.TarInfo("p-1/docs/README")
    link.type = tarfile.SYMTYPE
    link.linkname = "../README"
    path = _tar(tmp_path / "p-1.tar.gz", [_file("p-1/PKG-INFO", PKG_INFO), link],
                {"p-1/PKG-INFO": PKG_INFO})
    assert read_metadata(path).name == "p"


def test_a_member_claiming_a_huge_size_is_refused_before_reading(tmp_path: Path) -> None:
    """The header says 2 GiB: refused from the header alone, nothing is inflated."""
    path = tmp_path / "p-1.tar"
    with tarfile.open(path, "w") as tar:
        tar.addfile(_file("p-1/PKG-INFO", PKG_INFO), io.BytesIO(PKG_INFO))
    raw = bytearray(path.read_bytes())
    huge = tarfile.TarInfo("p-1/big")
    huge.size = 2 << 30
    raw[1024:1024] = huge.tobuf()  # a header without its data, before the end blocks
    path.write_bytes(bytes(raw))
    with pytest.raises(MetadataError, match="unpacks to more than 1073741824 bytes"):
        read_metadata(path)


def test_a_decompression_bomb_is_refused(tmp_path: Path) -> None:
    """80 MiB of zeros in an sdist of about 80 KiB: the ratio gives it away."""
    size = 80 << 20

    class Zeros(io.RawIOBase):
        def __init__(self) -> None:
            self.left = size

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            count = min(len(buffer), self.left)
            buffer[:count] = bytes(count)
            self.left -= count
            return count

    path = tmp_path / "p-1.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        tar.addfile(_file("p-1/PKG-INFO", PKG_INFO), io.BytesIO(PKG_INFO))
        info = tarfile.TarInfo("p-1/zeros")
        info.size = size
        tar.addfile(info, io.BufferedReader(Zeros()))  # type: ignore[type-var]
    with pytest.raises(MetadataError, match="decompression bomb"):
        read_metadata(path)


def test_too_many_members_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metadata, "MAX_MEMBERS", 5)
    members = [_file("p-1/PKG-INFO", PKG_INFO)] + [_file(f"p-1/f{i}", b"") for i in range(6)]
    path = _tar(tmp_path / "p-1.tar.gz", members, {"p-1/PKG-INFO": PKG_INFO})
    with pytest.raises(MetadataError, match="more than 5 members"):
        read_metadata(path)


def test_a_huge_metadata_file_is_refused_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metadata, "MAX_FILE_SIZE", 64)
    wheel = tmp_path / "p-1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("p-1.dist-info/METADATA", PKG_INFO + b"\n" + b"x" * 1000)
    with pytest.raises(MetadataError, match="larger than 64 bytes"):
        read_metadata(wheel)


@pytest.mark.parametrize("name", ["../evil.py", "/abs.py", "p/../../x"])
def test_wheel_members_out_of_the_tree_are_refused(tmp_path: Path, name: str) -> None:
    wheel = tmp_path / "p-1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("p-1.dist-info/METADATA", PKG_INFO)
        archive.writestr(name, "")
    with pytest.raises(MetadataError, match="outside the tree"):
        read_metadata(wheel)


def test_a_zip_symlink_member_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "p-1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("p-1.dist-info/METADATA", PKG_INFO)
        link = zipfile.ZipInfo("p/link")
        link.external_attr = (0o120777) << 16
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(MetadataError, match="not a regular file"):
        read_metadata(wheel)


def _project(tmp_path: Path, license_line: str) -> Path:
    return write_project(
        tmp_path / "proj",
        f'[project]\nname = "p"\nversion = "1"\n{license_line}\n',
    )


def test_a_license_file_linking_out_of_the_project_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path, 'license = {file = "LICENSE"}')
    secret = tmp_path / "secret"
    secret.write_text("BSD-3-Clause\n", encoding="utf-8")
    (project / "LICENSE").symlink_to(secret)
    with pytest.raises(MetadataError, match="is outside the project"):
        read_metadata(project)


def test_a_readme_fifo_does_not_hang(tmp_path: Path) -> None:
    project = _project(tmp_path, 'readme = "README.md"')
    os.mkfifo(project / "README.md")
    with pytest.raises(MetadataError, match="not a regular file"):
        read_metadata(project)


def test_a_source_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "p-1.tar.gz")
    with pytest.raises(MetadataError, match="not a regular file"):
        read_metadata(tmp_path / "p-1.tar.gz")


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
