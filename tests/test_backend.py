"""Asking a project's own build backend for the metadata its sdist cannot vouch for.

``tests/data/backend/`` holds four projects, turned into sdists here:

* ``legacy_deps-1.0``: an older setuptools project, ``Metadata-Version: 2.1`` without
  ``Requires-Dist`` while ``setup.py`` has ``install_requires`` and ``extras_require``;
* ``extras_only-1.0``: the same with ``Provides-Extra`` listed (as anyio 3.6.2's sdist);
* ``dynamic_deps-2.0``: PEP 643, ``Dynamic: Requires-Dist``, and ``setup.py`` adds a
  dependency the PKG-INFO does not list;
* ``static_deps-3.0``: a final PKG-INFO (2.4, nothing Dynamic) and an in-tree backend that
  raises when imported: reading it proves that the backend is never called.

The backend runs with this machine's probed default runtime, as ``rpm-pyconfig spec`` does,
with the distribution's setuptools (no download, no build isolation).
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from rpm_pyconfig.backend import MetadataBackend
from rpm_pyconfig.errors import MetadataError
from rpm_pyconfig.metadata import read_metadata
from rpm_pyconfig.specgen import generate_spec
from tests.chainfixtures import make_sdist
from tests.rpmtools import main_runtime, probe_registry, repo_pythonpath, require

#: scripts/test.sh leaves these out under a runtime whose distribution has no pyproject_hooks
#: (Debian 12's PyPy): .venv, which installs it, always runs them.
pytestmark = pytest.mark.backend

DATA = Path(__file__).parent / "data" / "backend"
DAY = datetime.date(2026, 1, 1)


def normalised(requirements: list[str]) -> list[str]:
    """Requirements as packaging writes them (setuptools versions spell them differently)."""
    return [str(Requirement(item)) for item in requirements]


def _setuptools_backend() -> MetadataBackend:
    """The default runtime, which must have setuptools (the distribution's package)."""
    interpreter = main_runtime().interpreter
    found = subprocess.run([interpreter, "-c", "import setuptools"], capture_output=True,
                           check=False)
    require(f"setuptools for {interpreter}", found.returncode == 0)
    return MetadataBackend(interpreter)


@pytest.fixture(scope="module")
def sdists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    top = tmp_path_factory.mktemp("sdists")
    return {project.name: make_sdist(project, top) for project in sorted(DATA.iterdir())}


def test_old_metadata_without_requires_dist_asks_the_backend(sdists: dict[str, Path]) -> None:
    meta = read_metadata(sdists["legacy_deps-1.0"], backend=_setuptools_backend())
    assert sorted(normalised(meta.requires_dist)) == [
        'click>=8; extra == "cli"',
        "packaging>=20",
        'pytest; extra == "tests"',
        'tomli>=1.1; python_version < "3.11"',
    ]
    assert meta.extras == ["cli", "tests"]
    assert meta.from_backend == ["Provides-Extra", "Requires-Dist"]
    assert meta.untrusted == []
    assert meta.origins["requires_dist"] == (
        f"{sdists['legacy_deps-1.0']}: METADATA computed by setuptools.build_meta:__legacy__ "
        "Requires-Dist"
    )


def test_old_metadata_without_a_backend_is_refused(sdists: dict[str, Path]) -> None:
    sdist = sdists["legacy_deps-1.0"]
    why = (f"{sdist}/legacy_deps-1.0/PKG-INFO Provides-Extra, Requires-Dist: Metadata-Version "
           "2.1 lists no Requires-Dist, and before 2.2 that does not mean there is none; only "
           "the build backend (setuptools.build_meta:__legacy__) knows the values")
    assert read_metadata(sdist).untrusted == [why]
    with pytest.raises(MetadataError) as raised:
        generate_spec(sdist, changelog_date=DAY)
    assert str(raised.value).startswith(why + "\nrefusing to write a spec")


def test_old_metadata_listing_extras_but_no_requirement_asks_the_backend(
    sdists: dict[str, Path],
) -> None:
    """anyio 3.6.2's sdist: Provides-Extra lines and not one Requires-Dist (its idna and
    sniffio were lost): extras listed do not make an absent Requires-Dist believable."""
    sdist = sdists["extras_only-1.0"]
    assert read_metadata(sdist).untrusted == [
        f"{sdist}/extras_only-1.0/PKG-INFO Provides-Extra, Requires-Dist: Metadata-Version 2.1 "
        "lists no Requires-Dist, and before 2.2 that does not mean there is none; only the "
        "build backend (setuptools.build_meta:__legacy__) knows the values"
    ]
    meta = read_metadata(sdist, backend=_setuptools_backend())
    assert sorted(normalised(meta.requires_dist)) == [
        "chainfix-base>=1.0", 'chainfix-ping; extra == "ping"'
    ]
    assert meta.extras == ["ping"]


def test_dynamic_requires_dist_asks_the_backend(sdists: dict[str, Path]) -> None:
    sdist = sdists["dynamic_deps-2.0"]
    assert read_metadata(sdist).untrusted == [
        f"{sdist}/dynamic_deps-2.0/PKG-INFO Provides-Extra, Requires-Dist: marked Dynamic "
        "(PEP 643, Metadata-Version 2.2); only the build backend (setuptools.build_meta) "
        "knows the values"
    ]
    meta = read_metadata(sdist, backend=_setuptools_backend())
    # attrs is what setup.py adds at build time; the PKG-INFO listed packaging only.
    assert sorted(normalised(meta.requires_dist)) == [
        "attrs>=22", "packaging>=20", 'sphinx; extra == "docs"'
    ]
    assert meta.extras == ["docs"]


def test_static_metadata_never_calls_the_backend(sdists: dict[str, Path]) -> None:
    # The backend of static_deps raises when imported: reading succeeds only without it.
    meta = read_metadata(sdists["static_deps-3.0"], backend=MetadataBackend(sys.executable))
    assert meta.requires_dist == ["packaging>=20", 'click>=8; extra == "cli"']
    assert meta.from_backend == []
    spec = generate_spec(sdists["static_deps-3.0"], changelog_date=DAY,
                         backend=MetadataBackend(sys.executable))
    assert "packaging>=20\n" in spec.text and "computed by" not in spec.text


def test_a_failing_backend_names_the_field_and_the_failure(tmp_path: Path) -> None:
    # The same project with Requires-Dist marked Dynamic: now the backend is called, fails.
    project = tmp_path / "static_deps-3.0"
    shutil.copytree(DATA / "static_deps-3.0", project)
    pkg_info = project / "PKG-INFO"
    pkg_info.write_text(pkg_info.read_text(encoding="utf-8").replace(
        "License-Expression: MIT\n", "License-Expression: MIT\nDynamic: Requires-Dist\n"
    ), encoding="utf-8")
    sdist = make_sdist(project, tmp_path / "dist")
    with pytest.raises(MetadataError) as raised:
        read_metadata(sdist, backend=MetadataBackend(sys.executable))
    message = str(raised.value)
    assert message.startswith(
        f"{sdist}/static_deps-3.0/PKG-INFO Provides-Extra, Requires-Dist: marked Dynamic "
        f"(PEP 643, Metadata-Version 2.4): the build backend 'exploding' run by "
        f"{sys.executable}: "
    )
    assert message.endswith("RuntimeError: exploding: this build backend must not be called")


def test_a_backend_that_hangs_is_stopped(tmp_path: Path) -> None:
    project = tmp_path / "slow-1.0"
    (project / "_build").mkdir(parents=True)
    (project / "_build" / "slow.py").write_text("import time\ntime.sleep(60)\n")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "slow"\nbackend-path = ["_build"]\n'
        '[project]\nname = "slow"\nversion = "1.0"\ndynamic = ["dependencies"]\n'
    )
    with pytest.raises(MetadataError) as raised:
        read_metadata(project, backend=MetadataBackend(sys.executable, timeout=1))
    assert str(raised.value) == (
        f"{project}/pyproject.toml [project] dynamic: dependencies is computed by the build "
        f"backend and no PKG-INFO supplies it: the build backend 'slow' run by "
        f"{sys.executable}: no answer within 1 s"
    )


def test_a_backend_the_runtime_lacks_is_named(tmp_path: Path) -> None:
    project = tmp_path / "nobackend-1.0"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["no-such-backend"]\nbuild-backend = "no_such_backend"\n'
        '[project]\nname = "nobackend"\nversion = "1.0"\ndynamic = ["dependencies"]\n'
    )
    with pytest.raises(MetadataError) as raised:
        read_metadata(project, backend=MetadataBackend(sys.executable))
    message = str(raised.value)
    assert "the build backend 'no_such_backend' run by" in message
    assert "cannot import the backend (install it for that interpreter" in message
    assert "No module named 'no_such_backend'" in message


def test_backend_path_must_stay_inside_the_project(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "b"\nbackend-path = ["../elsewhere"]\n'
        '[project]\nname = "x"\nversion = "1"\n'
    )
    with pytest.raises(MetadataError) as raised:
        read_metadata(tmp_path)
    assert str(raised.value) == (
        f"{tmp_path}/pyproject.toml [build-system] backend-path[0]: '../elsewhere' is "
        "outside the project"
    )


@pytest.mark.rpm
def test_the_spec_command_asks_the_registry_default_runtime(
    sdists: dict[str, Path], tmp_path: Path
) -> None:
    _setuptools_backend()
    registry = probe_registry(tmp_path / "registry")
    env = dict(os.environ, PYTHONPATH=repo_pythonpath(), RPM_PYCONFIG_PATH=str(registry))
    done = subprocess.run(
        [sys.executable, "-m", "rpm_pyconfig", "spec", str(sdists["legacy_deps-1.0"]),
         "-o", "-"], env=env, capture_output=True, text=True, check=False, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert (
        "# NOTE: Provides-Extra, Requires-Dist: computed by the project's build backend "
        "(setuptools.build_meta:__legacy__); no static metadata vouched for them\n"
    ) in done.stdout
    lines = done.stdout.split("%global pyconfig_requires_dist %{expand:\n", 1)[1]
    assert sorted(normalised(lines.split("}\n", 1)[0].splitlines())) == [
        'click>=8; extra == "cli"', "packaging>=20", 'pytest; extra == "tests"',
        'tomli>=1.1; python_version < "3.11"',
    ]
    assert "%global pyconfig_extras cli tests\n" in done.stdout


def test_no_backend_refuses_instead_of_running_project_code(
    sdists: dict[str, Path], tmp_path: Path
) -> None:
    sdist = sdists["legacy_deps-1.0"]
    env = dict(os.environ, PYTHONPATH=repo_pythonpath())
    done = subprocess.run(
        [sys.executable, "-m", "rpm_pyconfig", "spec", "--no-backend", str(sdist), "-o", "x"],
        env=env, capture_output=True, text=True, check=False, cwd=tmp_path,
    )
    assert done.returncode == 1
    assert done.stderr == (
        f"rpm-pyconfig: {sdist}/legacy_deps-1.0/PKG-INFO Provides-Extra, Requires-Dist: "
        "Metadata-Version 2.1 lists no Requires-Dist, and before 2.2 that does not mean there "
        "is none; only the build backend (setuptools.build_meta:__legacy__) knows the values\n"
        "refusing to write a spec whose dependencies may be missing: let the build backend "
        "compute them (rpm-pyconfig spec without --no-backend runs it with the registry's "
        "default runtime) or pass a wheel\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_backend_without_the_metadata_hook_builds_a_wheel(tmp_path: Path) -> None:
    """PEP 517 makes prepare_metadata_for_build_wheel optional: then the metadata is read
    from a wheel the backend builds (pyproject_hooks' fallback), and only then."""
    project = tmp_path / "wheelonly-1.0"
    (project / "_build").mkdir(parents=True)
    (project / "_build" / "wheelonly_backend.py").write_text(
        "import os, zipfile\n"
        "INFO = 'wheelonly-1.0.dist-info'\n"
        "def build_wheel(directory, config_settings=None, metadata_directory=None):\n"
        "    name = 'wheelonly-1.0-py3-none-any.whl'\n"
        "    with zipfile.ZipFile(os.path.join(directory, name), 'w') as wheel:\n"
        "        wheel.writestr(INFO + '/METADATA', 'Metadata-Version: 2.1\\nName: wheelonly\\n'\n"
        "                       'Version: 1.0\\nRequires-Dist: packaging>=20\\n')\n"
        "        wheel.writestr(INFO + '/WHEEL', 'Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\n')\n"
        "        wheel.writestr(INFO + '/RECORD', '')\n"
        "    return name\n",
        encoding="utf-8",
    )
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "wheelonly_backend"\n'
        'backend-path = ["_build"]\n'
        '[project]\nname = "wheelonly"\nversion = "1.0"\ndynamic = ["dependencies"]\n',
        encoding="utf-8",
    )
    meta = read_metadata(project, backend=MetadataBackend(sys.executable))
    assert meta.requires_dist == ["packaging>=20"]
    assert meta.from_backend == ["Provides-Extra", "Requires-Dist"]
    assert not list(project.rglob("*.whl"))  # built in a temporary copy, not in the project
