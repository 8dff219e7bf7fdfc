"""pyproject.toml: TOML errors with file and line, [project] type problems reported at once,
and a round trip of valid tables."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from rpm_pyconfig.metadata import read_metadata
from tests.projectfiles import HINT, error_of, write_project


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
         "[project] readme: 'README.md' does not exist or is not a file ({dir}/README.md)"),
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


