"""rpm-pyconfig check-imports with this machine's real interpreters: every public module,
only from the buildroot, never from the working directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rpm_pyconfig.cli import main
from rpm_pyconfig.importcheck import ImportCheckError, check_imports
from rpm_pyconfig.runtime import Runtime
from tests.rpmtools import machine_runtimes, require


def runtimes() -> list[Runtime]:
    found = list(machine_runtimes())
    require("a probed runtime", found)
    return found


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


PROJECT = {
    "flatpkg/__init__.py": "",
    "flatpkg/core.py": "VALUE = 1\n",
    "flatpkg/sub/__init__.py": "",
    "flatpkg/sub/deep.py": "from flatpkg.core import VALUE\n",
    "flatpkg/_private.py": "raise RuntimeError('private modules are not imported')\n",
    "flatpkg/__main__.py": "raise SystemExit('never run')\n",
    "flatpkg/optional.py": "import rpm_pyconfig_no_such_dependency\n",
    "flatpkg/windows.py": "from ctypes import no_such_windll\n",
}


@pytest.fixture
def buildroot(tmp_path: Path) -> Path:
    root = tmp_path / "buildroot"
    write(root / "site", PROJECT)
    return root


def test_every_public_module_with_every_runtime(buildroot: Path) -> None:
    for runtime in runtimes():
        said = check_imports(runtime.interpreter, ["flatpkg"], buildroot=str(buildroot),
                             paths=[str(buildroot / "site")], name=runtime.name)
        expected = [
            f"{runtime.name} ({runtime.interpreter}): imported 4 module(s) from {buildroot}: "
            "flatpkg flatpkg.core flatpkg.sub flatpkg.sub.deep",
            f"{runtime.name} ({runtime.interpreter}): skipped flatpkg.optional "
            "(ModuleNotFoundError from rpm_pyconfig_no_such_dependency: No module named "
            "'rpm_pyconfig_no_such_dependency')",
            f"{runtime.name} ({runtime.interpreter}): skipped flatpkg.windows (ImportError "
            "from ctypes: cannot import name 'no_such_windll' from 'ctypes' (",
        ]
        # the message ends with where ctypes lives, which differs per runtime
        assert said[:2] == expected[:2] and said[2].startswith(expected[2]) and len(said) == 3


def test_the_working_directory_is_never_imported(buildroot: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A flat layout: the unpacked sources hold the same package, broken; the check's
    interpreter never sees them, whatever the caller's directory."""
    sources = tmp_path / "sources"
    write(sources, {"flatpkg/__init__.py": "raise ImportError('the source tree was imported')\n"})
    monkeypatch.chdir(sources)
    monkeypatch.setenv("PYTHONPATH", str(sources))
    runtime = runtimes()[0]
    said = check_imports(runtime.interpreter, ["flatpkg"], buildroot=str(buildroot),
                         paths=[str(buildroot / "site")])
    assert "imported 4 module(s)" in said[0]


def test_a_module_from_outside_the_buildroot_fails(buildroot: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "host-site"
    write(elsewhere, {"hostpkg/__init__.py": ""})
    runtime = runtimes()[0]
    with pytest.raises(ImportCheckError) as caught:
        check_imports(runtime.interpreter, ["flatpkg", "hostpkg"], buildroot=str(buildroot),
                      paths=[str(buildroot / "site"), str(elsewhere)], name="rt")
    assert str(caught.value) == (
        f"rt ({runtime.interpreter}): 1 module(s) do not import from {buildroot}:\n"
        f"  hostpkg: imported from {elsewhere / 'hostpkg' / '__init__.py'}, not from {buildroot}"
    )


def test_failures_are_named_and_excludes_are_said(buildroot: Path) -> None:
    write(buildroot / "site", {
        "flatpkg/broken.py": "raise ValueError('boom')\n",
        "flatpkg/contrib/__init__.py": "",
        "flatpkg/contrib/thing.py": "raise ValueError('excluded, never imported')\n",
        "flatpkg/needs_own.py": "import flatpkg.missing_part\n",
    })
    runtime = runtimes()[0]
    with pytest.raises(ImportCheckError) as caught:
        check_imports(runtime.interpreter, ["flatpkg"], buildroot=str(buildroot),
                      paths=[str(buildroot / "site")], exclude=["flatpkg.contrib.*"])
    assert str(caught.value).splitlines()[1:] == [
        "  flatpkg.broken: ValueError: boom",
        "  flatpkg.needs_own: ModuleNotFoundError: No module named 'flatpkg.missing_part'",
    ]
    os.remove(buildroot / "site" / "flatpkg" / "broken.py")
    os.remove(buildroot / "site" / "flatpkg" / "needs_own.py")
    said = check_imports(runtime.interpreter, ["flatpkg"], buildroot=str(buildroot),
                         paths=[str(buildroot / "site")], exclude=["flatpkg.contrib.*"])
    assert f"{runtime.interpreter}: skipped flatpkg.contrib.thing (excluded)" in said


def test_command_line(buildroot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runtime = runtimes()[0]
    argv = ["check-imports", "--interpreter", runtime.interpreter, "--buildroot", str(buildroot),
            "--path", str(buildroot / "site"), "--name", runtime.name, "--", "flatpkg"]
    assert main(argv) == 0
    assert "imported 4 module(s)" in capsys.readouterr().err
    assert main([*argv[:-1], "nosuchmodule_xyz"]) == 1
    err = capsys.readouterr().err
    assert "nosuchmodule_xyz: ModuleNotFoundError: No module named 'nosuchmodule_xyz'" in err
