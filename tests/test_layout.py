"""Import names and extension modules guessed from a project's files and configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from rpm_pyconfig.metadata import read_metadata
from tests.projectfiles import write_project

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
        ('requires = ["setuptools"]', {"setup.py": "setup(ext_modules=[...])", "c__x.c": ""},
         True),
        # charset-normalizer 3.3.2: mypycify of .py files only when asked, mypy not required
        ('requires = ["setuptools"]', {"setup.py": "setup(ext_modules=MYPYC_MODULES)"}, False),
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


